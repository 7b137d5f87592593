"""What each role may do in the console: which pages and buttons it shows. The API
decides in the end; the console gets the list with GET /api/v1/auth/me (`can`), and
tests/platform/test_platform_matrix.py holds each entry to the authorization matrix."""

from __future__ import annotations

from anju_platform.access import Role

ADMIN, AUTHORITY, MANAGER, INSPECTOR = Role.ADMIN, Role.AUTHORITY, Role.MANAGER, Role.INSPECTOR

CAN: dict[str, frozenset[Role]] = {
    "viewFaces": frozenset({ADMIN, AUTHORITY, MANAGER}),
    "visit": frozenset({INSPECTOR, MANAGER, ADMIN}),
    "care": frozenset({INSPECTOR, MANAGER, ADMIN}),  # record calls and visits, phoned absences
    "absences": frozenset({ADMIN, AUTHORITY, MANAGER}),  # list reported absences (contacts)
    "absenceConfirm": frozenset({MANAGER, ADMIN}),
    "assign": frozenset({MANAGER, ADMIN}),
    "decide": frozenset({AUTHORITY, ADMIN}),
    "alertStatus": frozenset({MANAGER, ADMIN}),
    "registerWrite": frozenset({MANAGER, ADMIN}),
    "credentials": frozenset({ADMIN, AUTHORITY, MANAGER}),
    "enroll": frozenset({MANAGER, ADMIN}),
    "gateways": frozenset({ADMIN, AUTHORITY, MANAGER}),
    "performance": frozenset({ADMIN, AUTHORITY, MANAGER}),
    "audit": frozenset({ADMIN}),
    "patrol": frozenset({INSPECTOR, MANAGER, ADMIN}),
    "reports": frozenset({ADMIN, AUTHORITY, MANAGER}),
    "posters": frozenset({MANAGER, ADMIN}),
    "erase": frozenset({MANAGER, ADMIN}),
    "webhooks": frozenset({ADMIN, AUTHORITY, MANAGER}),
    "webhooksWrite": frozenset({MANAGER, ADMIN}),
    "erasures": frozenset({ADMIN}),
    "users": frozenset({ADMIN}),
    "faceCalibration": frozenset({ADMIN, AUTHORITY, MANAGER}),
    "faceCalibrate": frozenset({ADMIN}),
}


def capabilities(role: Role) -> list[str]:
    return sorted(name for name, roles in CAN.items() if role in roles)
