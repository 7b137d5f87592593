"""Unit tests of pure parts: the access decision, tokens, sheet reading."""

from __future__ import annotations

from anju_platform.access import Action, InspectorAccess, Location, Policy, Principal, Role, allowed
from anju_platform.importer.sheets import read_csv
from anju_platform.security import issue_token, read_token

MANAGER = Principal("m", "M", Role.MANAGER, estates=frozenset({"E1"}))
INSPECTOR = Principal(
    "i", "I", Role.INSPECTOR, grids=frozenset({"G1"}), grid_estates=frozenset({"E1"})
)
AUTHORITY = Principal("a", "A", Role.AUTHORITY)
PERSON = [Location("E2"), Location("E1", "G1")]  # estate of record E2, lives in E1/G1


def test_access_decisions() -> None:
    flat, structure = Policy(), Policy(inspector=InspectorAccess.ESTATE)
    assert allowed(MANAGER, Action.WRITE, flat, PERSON)
    assert not allowed(MANAGER, Action.WRITE, Policy(admin_only_write=True), [Location("E1")])
    assert allowed(MANAGER, Action.READ, Policy(admin_only_write=True), [Location("E1")])
    assert allowed(INSPECTOR, Action.READ, flat, PERSON)
    assert not allowed(INSPECTOR, Action.READ, flat, [Location("E1", "G2")])
    assert allowed(INSPECTOR, Action.READ, structure, [Location("E1")])
    assert not allowed(INSPECTOR, Action.READ, Policy(inspector=InspectorAccess.NONE), PERSON)
    assert not allowed(INSPECTOR, Action.WRITE, flat, PERSON)
    assert allowed(AUTHORITY, Action.READ, flat, [Location("E9")])
    assert not allowed(AUTHORITY, Action.WRITE, flat, [Location("E9")])
    assert not allowed(MANAGER, Action.READ, flat, [])  # a record nowhere is nobody's


def test_tokens() -> None:
    token = issue_token(b"k", "user.with.dots", 3, ttl_s=60, now=1000)
    claims = read_token(b"k", token, now=1059)
    assert claims is not None and (claims.user_id, claims.version) == ("user.with.dots", 3)
    assert read_token(b"k", token, now=1060) is None  # expired
    assert read_token(b"other", token, now=1001) is None
    head, ver, exp, sig = token.split(".")
    assert read_token(b"k", f"{head}.{ver}.{int(exp) + 999}.{sig}", now=1001) is None  # tampered


def test_csv_line_numbers_count_blank_and_multiline_rows() -> None:
    data = 'person_id,name\r\nP1,"two\nlines"\n\nP2,  \nP3,x\n'.encode("utf-8-sig")
    sheet = read_csv("Persons.csv", data)
    assert sheet.name == "persons" and sheet.columns == ["person_id", "name"]
    assert [(line, row["person_id"], row["name"]) for line, row in sheet.rows] == [
        (2, "P1", "two\nlines"),
        (5, "P2", None),
        (6, "P3", "x"),
    ]
