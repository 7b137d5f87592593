"""What to tell a client about a value the database refused, without PostgreSQL's own
text: its messages name constraints and echo whole rows ("Failing row contains (...)")
or internals ("bigint out of range"). One wording for the API and the import report."""

from __future__ import annotations

import re

import psycopg
from psycopg import errors as e

_FK_COLUMN = re.compile(r"Key \((?P<col>[^)]+)\)=")
_KINDS: tuple[tuple[type[psycopg.Error], str], ...] = (
    (e.NumericValueOutOfRange, "a number is out of range"),
    (e.DatetimeFieldOverflow, "a date or time is out of range"),
    (e.InvalidDatetimeFormat, "a date or time is not valid"),
    (e.StringDataRightTruncation, "a text is too long"),
    (e.UntranslatableCharacter, "a text holds a character that cannot be stored"),
    (e.CharacterNotInRepertoire, "a text holds a character that cannot be stored"),
    (e.InvalidTextRepresentation, "a value is not valid"),
)


def describe(exc: psycopg.Error) -> tuple[str | None, str]:
    """(column when known, a one-line reason naming no row and no PostgreSQL internals)."""
    diag = exc.diag
    if isinstance(exc, e.ForeignKeyViolation):
        m = _FK_COLUMN.search(diag.message_detail or "")
        column = m["col"] if m else diag.column_name
        if (diag.message_primary or "").startswith("update or delete"):
            return None, "other records still refer to this record"
        return column, f"{column or 'a reference'} names a record that does not exist"
    if isinstance(exc, e.NotNullViolation):
        return diag.column_name, f"{diag.column_name or 'a value'} is required"
    if isinstance(exc, e.CheckViolation):
        if diag.constraint_name is None and diag.message_primary:
            return diag.column_name, diag.message_primary  # our own triggers' words
        return diag.column_name, f"the values break the rule {diag.constraint_name}"
    if isinstance(exc, e.ExclusionViolation):
        return None, "the record overlaps another one"
    if isinstance(exc, e.UniqueViolation):
        return None, "a record with this id already exists"
    for kind, text in _KINDS:
        if isinstance(exc, kind):
            return diag.column_name, text
    return diag.column_name, "a value was refused by the database"
