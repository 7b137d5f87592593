"""A write that names another record (a member's person, a unit's building, a card's
person, a device's gateway...) may only name records the writer could change themselves.
Checking only the written row let a manager of one estate link another estate's person
to their own flat and then edit or erase that person. One check for the API and the
import, driven by `Table.refs`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from anju_platform.access import Action, Policy, Principal, allowed
from anju_platform.repo import rows
from anju_platform.repo.tables import Table

LINK = Policy()  # naming a record needs write scope over it, not admin-only rights


class LinkRefused(Exception):
    def __init__(self, column: str, reason: str, missing: bool) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason
        self.missing = missing  # True: no such record (422); False: out of scope (403)


def table_policy(table: Table) -> Policy:
    """The write policy of the rows themselves where the import has no resource of its own."""
    return Policy(admin_only_write=table.admin_only)


def check_links(
    conn: psycopg.Connection, who: Principal, table: Table, values: Mapping[str, Any]
) -> None:
    """Raise LinkRefused for the first named record that is missing or out of scope."""
    for column, target in table.refs:
        value = values.get(column)
        if value is None:
            continue
        where = rows.locate(conn, target, [value])
        if where is None:
            raise LinkRefused(column, f"{column} {value!r} does not exist", missing=True)
        if not allowed(who, Action.WRITE, LINK, where):
            raise LinkRefused(column, f"{column} {value!r} is outside your scope", missing=False)
