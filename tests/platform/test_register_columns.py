"""A register resource is declared in several places: the migration (the database's
truth), `repo/tables.py` (writable columns), `schemas.py` (input and output models),
`api/register.py` (routes), `importer/loader.py` (sheets) and the simulator's rows. These
tests tie them together, so a column added in one place and forgotten in another fails
here (it was: households.end_reason was in the model and the migration but not in the
table's columns, and `rows.insert` dropped it without a word)."""

from __future__ import annotations

import psycopg
import pytest

from anju_platform.api.register import RESOURCES
from anju_platform.importer.loader import KINDS
from anju_platform.repo import rows
from anju_platform.repo import tables as t
from anju_sim.model import REGISTER_TABLES

# Where an input model and its table's writable columns differ on purpose, and why.
MODEL_ONLY = {
    "credentials": {"number"},  # the card number itself: hashed into `ref`, never stored
}
TABLE_ONLY = {
    "absences": {"approved_by"},  # the signed-in user who approved it, set by the server
}
# Columns of the register tables that no request writes: the database or a dedicated
# route sets them (ending, move-out/eviction, consent withdrawal, photo upload...).
SERVER_SET = {
    "created_at",  # the database's default
    "ended_on",  # the end route (api/crud.py)
    "approved_at",  # absences: the database's default
    "model",  # face_enrollments: the encoder that made the embedding
    "photo_path",  # face_enrollments: the server names its files (never a request)
    "token_hash",  # gateways: the token route
}


def _db_columns(url: str) -> dict[str, set[str]]:
    with psycopg.connect(url) as conn:
        found: dict[str, set[str]] = {}
        for table, column in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public'"
        ):
            found.setdefault(table, set()).add(column)
    return found


def test_every_input_model_writes_exactly_its_tables_columns() -> None:
    for sheet, kind in KINDS.items():
        fields = set(kind.model.model_fields)
        columns = set(kind.table.columns)
        assert fields - columns == MODEL_ONLY.get(sheet, set()), sheet
        assert columns - fields == TABLE_ONLY.get(sheet, set()), sheet
        assert set(kind.table.key) <= columns, sheet


def test_api_and_import_use_the_same_table_and_model() -> None:
    by_table = {k.table.name: k for k in KINDS.values()}
    for res in RESOURCES:
        kind = by_table[res.table.name]
        assert kind.table is res.table and kind.model is res.model_in, res.path
        assert set(res.patchable) <= set(res.table.columns), res.path


def test_declarations_match_the_migrated_schema(pg_url: str) -> None:
    db = _db_columns(pg_url)
    for sheet, kind in KINDS.items():
        name = kind.table.name
        assert set(kind.table.columns) <= db[name], f"{name}: columns not in the migration"
        unwritten = db[name] - set(kind.table.columns) - SERVER_SET
        assert not unwritten, f"{name}: migrated columns no model writes: {sorted(unwritten)}"
        sim = REGISTER_TABLES[sheet]
        assert set(sim.__dataclass_fields__) <= db[name], f"{name}: simulator row"
    for res in RESOURCES:
        assert set(res.model_out.model_fields) <= db[res.table.name], res.path
        if res.end_column is not None:
            assert res.end_column in db[res.table.name], res.path


def test_a_key_that_is_not_a_column_is_an_error_not_dropped() -> None:
    row = {"household_id": "H1", "unit_id": "U1", "lease_start": "2024-01-01", "typo": 1}
    with pytest.raises(KeyError, match="households has no writable column typo"):
        rows.written(t.HOUSEHOLDS, row)
    assert rows.written(t.HOUSEHOLDS, {"unit_id": "U1", "household_id": "H1"}) == [
        "household_id",
        "unit_id",
    ]
