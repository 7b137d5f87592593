"""Why a use case refused a request, independent of HTTP. The app maps each to its
status and the documented error shape `{"detail": "one line"}` in one handler
(anju_platform.app), so services never import the web framework."""

from __future__ import annotations

from collections.abc import Iterable

from anju_platform.access import Action, Location, Policy, Principal, allowed, list_filter


class ServiceError(Exception):
    """A refused request; `status` is the HTTP status the app answers with."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Gone(ServiceError):
    status = 410


class Invalid(ServiceError):
    """The request contradicts the rules or the record (422)."""

    status = 422


def guard(
    who: Principal,
    action: Action,
    policy: Policy,
    where: Iterable[Location] | None,
    what: str = "record",
) -> list[Location]:
    """404 when the record does not exist, 403 when it is out of this user's reach."""
    if where is None:
        raise NotFound(f"{what} not found")
    places = list(where)
    if not allowed(who, action, policy, places):
        raise Forbidden(f"{what} is outside your scope")
    return places


def estate_grids(who: Principal, policy: Policy, estate_id: str) -> list[str] | None:
    """For a list within an estate: the caller's grids there (None: every grid), or 403."""
    ok, grids = list_filter(who, policy, estate_id)
    if not ok:
        raise Forbidden("estate is outside your scope")
    return grids
