"""Gateway credentials and the face gallery they download.

A gateway authenticates with its own bearer token (`gw_...`), issued by an admin or
the estate's manager and shown once; only its SHA-256 is stored. Issuing a new token
replaces the old one. The gallery holds the estate's currently valid enrollments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from anju_common.facecal import DEFAULT_MODEL
from anju_platform.access import Action
from anju_platform.api.register import NO_INSPECTOR
from anju_platform.deps import UNAUTHORIZED, Bearer, Conn, User, guard, log
from anju_platform.face_models import Gallery, GatewayToken
from anju_platform.repo import audit, faces, rows
from anju_platform.repo import tables as t
from anju_platform.security import gateway_token_hash, new_gateway_token

router = APIRouter(prefix="/gateways", tags=["gateways"])


@router.post("/{gateway_id}/token", response_model=GatewayToken, summary="Issue a gateway token")
def issue_token(gateway_id: str, conn: Conn, who: User) -> dict[str, Any]:
    token = new_gateway_token()
    with conn.transaction():
        where = guard(
            who, Action.WRITE, NO_INSPECTOR, rows.locate(conn, t.GATEWAYS, [gateway_id]), "gateway"
        )
        faces.set_gateway_token(conn, gateway_id, gateway_token_hash(token))
        log(conn, who, "issue_token", "gateway", gateway_id, where)
    return {"gateway_id": gateway_id, "token": token}


def current_gateway(conn: Conn, creds: Bearer) -> tuple[str, str]:
    if creds is None:
        raise UNAUTHORIZED
    found = faces.gateway_by_token(conn, gateway_token_hash(creds.credentials))
    if found is None:
        raise UNAUTHORIZED
    return found


Gateway = Annotated[tuple[str, str], Depends(current_gateway)]


@router.get(
    "/{gateway_id}/gallery",
    response_model=Gallery,
    summary="Face gallery of the gateway's estate, with its match thresholds (gateway token)",
)
def gallery(
    gateway_id: str,
    conn: Conn,
    gw: Gateway,
    model: Annotated[
        str, Query(max_length=64, description="The gateway's face model id ([faces] model)")
    ] = DEFAULT_MODEL,
) -> dict[str, Any]:
    own_id, estate_id = gw
    if own_id != gateway_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a gateway reads only its own gallery")
    with conn.transaction():  # only the enrolments and calibration of the gateway's model
        found = faces.gallery(conn, estate_id, model)
        cal = faces.latest_calibration(conn, estate_id, model)
        audit.record(
            conn,
            f"gateway:{own_id}",
            "gateway",
            "gallery",
            "face_enrollment",
            None,
            estate_id,
            {"count": len(found)},
        )
    return {
        "estate_id": estate_id,
        "model": model,
        "version": f"calibration-{cal['calibration_id']}" if cal else None,
        # not calibrated yet: no threshold, the gateway's own tolerance applies
        "threshold": cal["threshold"] if cal else None,
        "person_thresholds": cal["person_thresholds"] if cal else {},
        "people": [{"person_id": p, "enrollment_id": e, "embedding": emb} for p, e, emb in found],
    }
