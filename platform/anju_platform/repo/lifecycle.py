"""SQL of the personal data lifecycle: face snapshots, erasure of one person, the
erasures log, and what the lifecycle jobs look for (moved-out persons, old strangers).
The face data kept beside events is erased and expired in repo/face_data.py."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from anju_platform.workflow import erasure
from anju_platform.workflow.erasure import ERASED_NAME

# Free text people or detection write that could name a person; the name is replaced,
# only in the person's own records: each column with the ids that make a row theirs
# (alerts naming them or about their flats, and the cases, evidence, reports and
# notifications of those alerts; their households' absences; their flats' caregivers,
# care checks' notes and reported absences).
TEXT_COLUMNS = (
    ("alerts", "reason_en", "alert_id = ANY(%(alerts)s)"),
    ("alerts", "reason_zh", "alert_id = ANY(%(alerts)s)"),
    ("alert_evidence", "note", "alert_id = ANY(%(alerts)s)"),
    ("case_visits", "notes", "case_id = ANY(%(cases)s)"),
    ("case_decisions", "note", "case_id = ANY(%(cases)s)"),
    ("resident_reports", "body", "(unit_id = ANY(%(units)s) OR alert_id = ANY(%(alerts)s))"),
    ("absences", "note", "household_id = ANY(%(households)s)"),
    ("caregivers", "note", "unit_id = ANY(%(units)s)"),
    (
        "care_contacts",
        "notes",
        "task_id IN (SELECT task_id FROM care_tasks WHERE alert_id = ANY(%(alerts)s))",
    ),
    ("absence_reports", "note", "unit_id = ANY(%(units)s)"),
    ("absence_reports", "contact", "unit_id = ANY(%(units)s)"),
)
# notifications carry the ids of what they are about in their JSON body
_OWN_NOTIFICATIONS = (
    "(body->>'alert_id' = ANY(%(alerts)s::text[]) OR body->>'case_id' = ANY(%(cases)s::text[])"
    " OR body->>'unit_id' = ANY(%(units)s) OR body->>'household_id' = ANY(%(households)s)"
    " OR body->>'person_id' = %(person)s)"
)


# --- snapshots -------------------------------------------------------------------------


def get_snapshot(conn: psycopg.Connection, event_id: str) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT event_id::text, estate_id, gateway_id, person_id, path, sha256, taken_at,"
            " received_at FROM face_snapshots WHERE event_id = %s",
            (event_id,),
        ).fetchone()


def add_snapshot(
    conn: psycopg.Connection,
    event_id: str,
    estate_id: str,
    gateway_id: str,
    person_id: str | None,
    path: str,
    sha256: str,
    taken_at: datetime,
) -> bool:
    """True when stored now; False when a row for the event was already there."""
    row = conn.execute(
        "INSERT INTO face_snapshots (event_id, estate_id, gateway_id, person_id, path, sha256,"
        " taken_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING"
        " RETURNING true",
        (event_id, estate_id, gateway_id, person_id, path, sha256, taken_at),
    ).fetchone()
    return row is not None


def person_estates(conn: psycopg.Connection, person_id: str) -> list[str] | None:
    """Estates a person belongs to (of record, households, caregiving); None if unknown."""
    rows = conn.execute(
        "SELECT p.estate_id, array(SELECT u.estate_id FROM household_members m"
        " JOIN households h USING (household_id) JOIN units u USING (unit_id)"
        " WHERE m.person_id = p.person_id UNION SELECT u.estate_id FROM caregivers c"
        " JOIN units u USING (unit_id) WHERE c.person_id = p.person_id)"
        " FROM persons p WHERE p.person_id = %s",
        (person_id,),
    ).fetchone()
    if rows is None:
        return None
    return sorted({e for e in [rows[0], *rows[1]] if e})


def is_erased(conn: psycopg.Connection, person_id: str) -> bool:
    row = conn.execute("SELECT 1 FROM erasures WHERE person_id = %s LIMIT 1", (person_id,))
    return row.fetchone() is not None


def lock_erased(conn: psycopg.Connection, person_id: str) -> bool:
    """Wait for a running erasure of the person (it locks the row FOR UPDATE), then
    whether the person is erased; the share lock keeps an erasure out until commit."""
    conn.execute("SELECT 1 FROM persons WHERE person_id = %s FOR SHARE", (person_id,))
    return is_erased(conn, person_id)


def expired_strangers(
    conn: psycopg.Connection, cutoff: datetime, limit: int
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT event_id::text, estate_id, path, taken_at FROM face_snapshots"
            " WHERE person_id IS NULL AND taken_at < %s ORDER BY taken_at LIMIT %s"
            " FOR UPDATE SKIP LOCKED",
            (cutoff, limit),
        ).fetchall()


def delete_snapshots(conn: psycopg.Connection, event_ids: list[str]) -> int:
    cur = conn.execute("DELETE FROM face_snapshots WHERE event_id = ANY(%s::uuid[])", (event_ids,))
    return cur.rowcount


# --- erasure of one person -------------------------------------------------------------


def person_name(conn: psycopg.Connection, person_id: str) -> tuple[bool, str | None]:
    """(exists, name)."""
    row = conn.execute(
        "SELECT name FROM persons WHERE person_id = %s FOR UPDATE", (person_id,)
    ).fetchone()
    return (row is not None, row[0] if row else None)


def person_columns(conn: psycopg.Connection) -> list[tuple[str, bool]]:
    rows = conn.execute(
        "SELECT column_name, is_nullable = 'YES' FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = 'persons'"
        " ORDER BY ordinal_position"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def enrollments_of(conn: psycopg.Connection, person_id: str) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT enrollment_id, estate_id, photo_path FROM face_enrollments"
            " WHERE person_id = %s ORDER BY enrollment_id FOR UPDATE",
            (person_id,),
        ).fetchall()


def delete_enrollments(conn: psycopg.Connection, person_id: str) -> tuple[int, int]:
    """(enrollments, face credentials) removed: the embeddings and what points to them."""
    creds = conn.execute(
        "DELETE FROM credentials WHERE type = 'face' AND (person_id = %s OR credential_id IN"
        " (SELECT enrollment_id FROM face_enrollments WHERE person_id = %s))",
        (person_id, person_id),
    ).rowcount
    n = conn.execute("DELETE FROM face_enrollments WHERE person_id = %s", (person_id,)).rowcount
    return n, creds


def snapshots_of(conn: psycopg.Connection, person_id: str) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT event_id::text, estate_id, path, taken_at FROM face_snapshots"
            " WHERE person_id = %s ORDER BY event_id FOR UPDATE",
            (person_id,),
        ).fetchall()


def face_events_of(conn: psycopg.Connection, person_id: str) -> list[tuple[str, str | None]]:
    """(event id, snapshot_ref) of the person's face events with face data."""
    rows = conn.execute(
        "SELECT event_id::text, snapshot_ref FROM event_faces WHERE person_id = %s",
        (person_id,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def snapshot_refs(conn: psycopg.Connection, event_ids: list[str]) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT snapshot_ref FROM event_faces"
        " WHERE event_id = ANY(%s::uuid[]) AND snapshot_ref IS NOT NULL",
        (event_ids,),
    ).fetchall()
    return [r[0] for r in rows if r[0]]


def forget_card_faces(conn: psycopg.Connection, person_id: str) -> list[str]:
    """The unknown-face clusters that came with the person's card (detection learns the
    face of a card whose holder refused enrolment, issue 18): unlinked from the person's
    presence rows; returns them, for their leaders to be deleted."""
    where = "WHERE identity = %s AND role = 'member' AND cluster_id IS NOT NULL"
    rows = conn.execute(f"SELECT DISTINCT cluster_id FROM detect_presence {where}", (person_id,))
    found = sorted(r[0] for r in rows)
    conn.execute(f"UPDATE detect_presence SET cluster_id = NULL {where}", (person_id,))
    return found


def delete_clusters(conn: psycopg.Connection, cluster_ids: list[str]) -> int:
    cur = conn.execute("DELETE FROM detect_clusters WHERE cluster_id = ANY(%s)", (cluster_ids,))
    conn.execute(  # their building-level sightings (issue 16 item 1) go with them
        "DELETE FROM detect_building_sightings WHERE identity = ANY(%s)", (cluster_ids,)
    )
    return cur.rowcount


def end_credentials(conn: psycopg.Connection, person_id: str) -> int:
    """Cards, QR identities, PINs: ended now (if still valid), revoked, ref replaced."""
    cur = conn.execute(
        "UPDATE credentials SET ref = 'erased:' || credential_id,"
        " valid_to = CASE WHEN valid_to IS NULL OR valid_to > now()"
        "   THEN greatest(valid_from, now()) ELSE valid_to END,"
        " revoked_at = coalesce(revoked_at, now())"
        " WHERE person_id = %s AND type <> 'face' AND ref <> 'erased:' || credential_id",
        (person_id,),
    )
    return cur.rowcount


def anonymize_person(conn: psycopg.Connection, person_id: str, values: dict[str, object]) -> int:
    q = sql.SQL("UPDATE persons SET {} WHERE person_id = %s").format(
        sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in values)
    )
    return conn.execute(q, [*values.values(), person_id]).rowcount


def clear_caregiver_notes(conn: psycopg.Connection, person_id: str) -> int:
    cur = conn.execute(
        "UPDATE caregivers SET note = NULL WHERE person_id = %s AND note IS NOT NULL",
        (person_id,),
    )
    return cur.rowcount


def clear_dead_letters(conn: psycopg.Connection, person_id: str) -> int:
    """Raw messages ingest refused (kept for diagnosis) that name the person as a JSON
    string: their bytes are dropped, the row (topic, reason) stays."""
    cur = conn.execute(
        "UPDATE dead_letters SET payload = NULL, detail = NULL"
        " WHERE payload IS NOT NULL AND position(convert_to(%s, 'UTF8') IN payload) > 0",
        (json.dumps(person_id),),
    )
    return cur.rowcount


def own_records(conn: psycopg.Connection, person_id: str) -> dict[str, Any]:
    """Ids of the records that are the person's own (see TEXT_COLUMNS)."""
    row = conn.execute(
        "WITH h AS (SELECT household_id FROM household_members WHERE person_id = %(p)s),"
        " u AS (SELECT unit_id FROM households WHERE household_id IN (SELECT * FROM h)"
        "  UNION SELECT unit_id FROM caregivers WHERE person_id = %(p)s),"
        " a AS (SELECT alert_id FROM alerts WHERE %(p)s = ANY(persons)"
        "  OR unit_id IN (SELECT * FROM u))"
        " SELECT array(SELECT * FROM h), array(SELECT * FROM u), array(SELECT * FROM a),"
        " array(SELECT case_id FROM cases WHERE alert_id IN (SELECT * FROM a))",
        {"p": person_id},
    ).fetchone()
    assert row is not None
    households, units, alerts, cases = row
    return {
        "person": person_id,
        "households": households,
        "units": units,
        "alerts": alerts,
        "cases": cases,
    }


def redact_name(conn: psycopg.Connection, person_id: str, name: str) -> int:
    """Replace the name in the free text of the person's own records (visit notes,
    reasons, notification bodies), in values only: JSON keys never change."""
    own = own_records(conn, person_id)
    n = 0
    for table, col, mine in TEXT_COLUMNS:
        n += conn.execute(
            sql.SQL(
                "UPDATE {t} SET {c} = replace({c}, %(name)s, %(erased)s)"
                " WHERE strpos({c}, %(name)s) > 0 AND "
            ).format(t=sql.Identifier(table), c=sql.Identifier(col))
            + sql.SQL(mine),  # constant text above
            {**own, "name": name, "erased": ERASED_NAME},
        ).rowcount
    inner = json.dumps(name, ensure_ascii=False)[1:-1]  # the name as it appears in JSON text
    rows = conn.execute(
        "SELECT notification_id, body FROM notifications"
        " WHERE strpos(body::text, %(inner)s) > 0 AND " + _OWN_NOTIFICATIONS + " FOR UPDATE",
        {**own, "inner": inner},
    ).fetchall()
    for nid, body in rows:
        redacted = erasure.redact_values(body, name)
        if redacted != body:
            conn.execute(
                "UPDATE notifications SET body = %s WHERE notification_id = %s",
                (Jsonb(redacted), nid),
            )
            n += 1
    return n


def record_erasure(
    conn: psycopg.Connection, person_id: str, reason: str, by: str, counts: dict[str, int]
) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "INSERT INTO erasures (person_id, reason, requested_by, counts)"
            " VALUES (%s, %s, %s, %s) RETURNING *",
            (person_id, reason, by, Jsonb(counts)),
        ).fetchone()
    assert row is not None
    return row


def list_erasures(conn: psycopg.Connection, limit: int, offset: int) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT * FROM erasures ORDER BY erasure_id DESC LIMIT %s OFFSET %s", (limit, offset)
        ).fetchall()


def strip_late_events(conn: psycopg.Connection) -> int:
    """Face data of erased persons that arrived after their erasure (a gateway whose
    gallery was not refreshed yet, or one that was offline): deleted. Rows of
    event_faces only (ingest writes nothing else since migration 0010), found through
    the person index: no event is touched, however old."""
    cur = conn.execute("DELETE FROM event_faces f USING erasures e WHERE f.person_id = e.person_id")
    return cur.rowcount


# --- after move-out --------------------------------------------------------------------


def moved_out_candidates(
    conn: psycopg.Connection, cutoff: date
) -> dict[str, list[tuple[date | None, date | None]]]:
    """Persons, not erased yet and not a current caregiver, whose memberships all ended
    before `cutoff`, with their memberships (valid_to, move_out) for the final check."""
    rows = conn.execute(
        "WITH due AS (SELECT m.person_id FROM household_members m"
        "  JOIN households h USING (household_id) GROUP BY m.person_id"
        "  HAVING bool_and(least(m.valid_to, h.move_out) IS NOT NULL)"
        "  AND max(least(m.valid_to, h.move_out)) < %(cutoff)s)"
        " SELECT m.person_id, m.valid_to, h.move_out FROM due"
        " JOIN household_members m USING (person_id) JOIN households h USING (household_id)"
        " WHERE NOT EXISTS (SELECT 1 FROM erasures e WHERE e.person_id = due.person_id)"
        " AND NOT EXISTS (SELECT 1 FROM caregivers c WHERE c.person_id = due.person_id"
        "  AND (c.valid_to IS NULL OR c.valid_to >= current_date))"
        " ORDER BY m.person_id",
        {"cutoff": cutoff},
    ).fetchall()
    out: dict[str, list[tuple[date | None, date | None]]] = {}
    for pid, valid_to, move_out in rows:
        out.setdefault(pid, []).append((valid_to, move_out))
    return out
