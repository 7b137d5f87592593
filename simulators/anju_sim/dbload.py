"""Put a generated register straight into PostgreSQL (tests, the demo): one COPY per
table, in foreign-key order. Column names are the dataclass field names."""

from __future__ import annotations

from dataclasses import astuple, fields
from typing import TYPE_CHECKING

from anju_sim.model import REGISTER_TABLES, Portfolio, Register

if TYPE_CHECKING:
    import psycopg


def load_register(conn: psycopg.Connection, portfolio: Portfolio | Register) -> dict[str, int]:
    """Insert every register row; returns rows per table. Commits."""
    reg = portfolio.register if isinstance(portfolio, Portfolio) else portfolio
    counts: dict[str, int] = {}
    with conn.cursor() as cur:
        for name, row_type in REGISTER_TABLES.items():
            cols = ", ".join(f.name for f in fields(row_type))
            rows = reg.table(name)
            with cur.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(astuple(row))  # type: ignore[call-overload]
            counts[name] = len(rows)
    conn.commit()
    return counts
