"""Household life-cycle statements: move-in, move-out, ending a membership."""

from __future__ import annotations

from datetime import date

import psycopg
from psycopg.rows import class_row

from anju_platform.schemas import HouseholdOut, MemberOut


def move_in(conn: psycopg.Connection, household_id: str, on: date) -> HouseholdOut | None:
    with conn.cursor(row_factory=class_row(HouseholdOut)) as cur:
        return cur.execute(
            "UPDATE households SET move_in = %s, move_out = NULL, end_reason = NULL"
            " WHERE household_id = %s RETURNING *",
            (on, household_id),
        ).fetchone()


def move_out(
    conn: psycopg.Connection,
    household_id: str,
    on: date,
    revoke_credentials: bool,
    reason: str = "moved_out",
) -> HouseholdOut | None:
    """Close the household (with why), its open memberships and caregivers; optionally its
    members' cards."""
    with conn.cursor(row_factory=class_row(HouseholdOut)) as cur:
        row = cur.execute(
            "UPDATE households SET move_out = %s, end_reason = %s WHERE household_id = %s"
            " RETURNING *",
            (on, reason, household_id),
        ).fetchone()
    if row is None:
        return None
    conn.execute(
        "UPDATE household_members SET valid_to = %s"
        " WHERE household_id = %s AND (valid_to IS NULL OR valid_to > %s) AND valid_from <= %s",
        (on, household_id, on, on),
    )
    conn.execute(
        "UPDATE caregivers SET valid_to = %s WHERE unit_id = %s"
        " AND (valid_to IS NULL OR valid_to > %s) AND valid_from <= %s",
        (on, row.unit_id, on, on),
    )
    if revoke_credentials:
        conn.execute(
            "UPDATE credentials c SET revoked_at = (%s::date + 1)::timestamptz"
            " FROM household_members m JOIN households h ON h.household_id = m.household_id"
            " JOIN units u ON u.unit_id = h.unit_id"
            " WHERE m.household_id = %s AND c.person_id = m.person_id AND c.estate_id = u.estate_id"
            " AND c.revoked_at IS NULL",
            (on, household_id),
        )
    return row


def end_membership(
    conn: psycopg.Connection, household_id: str, person_id: str, on: date
) -> MemberOut | None:
    with conn.cursor(row_factory=class_row(MemberOut)) as cur:
        return cur.execute(
            "UPDATE household_members SET valid_to = %s WHERE household_id = %s AND person_id = %s"
            " AND valid_to IS NULL AND valid_from <= %s RETURNING *",
            (on, household_id, person_id, on),
        ).fetchone()
