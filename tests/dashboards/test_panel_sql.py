"""Every panel's SQL, expanded as Grafana would, runs against a real database filled by
the simulator (register by load_register, events through ingest's Store), and the key
panels return rows that agree with the simulator's own counts."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from anju_bench.servers import scratch_database
from anju_bench.storage import load_simulated
from anju_common.events import GatewayStatus, Heartbeat, QrScan
from anju_dashboards.boards import build_all, dump
from anju_dashboards.expand import Context, expand, panel_queries, variable_queries
from anju_ingest.decode import Decoder, Limits, to_row
from anju_ingest.store import Store
from anju_platform.detect.engine import run_estate
from anju_sim.dbload import load_register
from anju_sim.params import small_params
from anju_sim.portfolio import Portfolio, generate, iter_day_events

JSON_DIR = Path(__file__).resolve().parents[2] / "dashboards" / "json"
PG_SERVER = os.environ.get(
    "ANJU_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DAYS = 40


class Filled:
    def __init__(self, url: str, pf: Portfolio, start: datetime, end: datetime) -> None:
        self.url, self.pf, self.start, self.end = url, pf, start, end


def _extra_events(pf: Portfolio, end: datetime) -> list[Any]:
    """What the simulator does not make: patrol scans (in the simulated window), gateway
    status and heartbeats (now, as a live pipeline would store them)."""
    now = datetime.now(UTC)
    gateways = pf.register.gateways
    out: list[Any] = []
    for day in range(1, 11):
        for k, gw in enumerate(gateways[:4]):
            if (day + k) % 3 == 0:
                continue  # a checkpoint missed now and then: coverage below 100%
            out.append(
                QrScan(
                    event_id=uuid.uuid4(),
                    time=end - timedelta(days=day, hours=k),
                    estate_id=gw.estate_id,
                    gateway_id=gw.gateway_id,
                    device_id=f"{gw.gateway_id}-qr",
                    purpose="patrol_checkpoint",
                    result="valid",
                    checkpoint_id=f"cp-{k}",
                )
            )
    for k, gw in enumerate(gateways):
        common = {"estate_id": gw.estate_id, "gateway_id": gw.gateway_id}
        out.append(
            GatewayStatus(
                event_id=uuid.uuid4(),
                time=now - timedelta(minutes=30),
                device_id=gw.gateway_id,
                state="offline" if k == 0 else "online",
                **common,
            )
        )
        out.append(
            Heartbeat(
                event_id=uuid.uuid4(),
                time=now - timedelta(seconds=5 + k),
                device_id=gw.gateway_id,
                version="test",
                uptime_s=3600,
                queue_depth=k * 7,
                dropped=0,
                **common,
            )
        )
    return out


def _alerts(conn: psycopg.Connection, pf: Portfolio, end: datetime) -> None:
    units = pf.register.units[:7]
    statuses = ["open", "acknowledged", "closed", "dismissed", "closed", "watch", "open"]
    for k, (u, status) in enumerate(zip(units, statuses, strict=True)):
        opened = end - timedelta(days=10 - k)
        closed = opened + timedelta(hours=20 * k) if status in ("closed", "dismissed") else None
        conn.execute(
            "INSERT INTO alerts (estate_id, unit_id, grid_id, type, status, score, reason_en,"
            " reason_zh, first_day, last_day, opened_at, closed_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'test', 'test', %s, %s, %s, %s)",
            (
                u.estate_id,
                u.unit_id,
                u.grid_id if k < 6 else None,  # the last one has no grid
                ["test_a", "test_b"][k % 2],  # types detection never raises
                status,
                0.5 + k / 10,
                opened.date(),
                opened.date(),
                opened,
                closed,
            ),
        )
    conn.commit()


@pytest.fixture(scope="module")
def filled() -> Iterator[Filled]:
    pf = generate(small_params(days=DAYS))
    start = datetime.combine(pf.params.start, datetime.min.time(), UTC) - timedelta(hours=8)
    end = start + timedelta(days=DAYS)
    with scratch_database(PG_SERVER, prefix="anju_test_dash") as url:
        with psycopg.connect(url) as conn:
            load_register(conn, pf)
        load_simulated(url, pf)
        extra = _extra_events(pf, end)
        store = Store(url)
        bad = Decoder(
            Limits(65536, 1024, timedelta(minutes=5), timedelta(days=3650)), lambda e, g: True
        )
        gw = pf.register.gateways[0]
        dead = [
            *bad.decode(f"anju/v1/{gw.estate_id}/{gw.gateway_id}/access", b"{oops", end).dead,
            *bad.decode("not/ours", b"{}", end).dead,
        ]
        for i in range(0, len(extra), 7):  # several ingest batches
            part = extra[i : i + 7]
            store.write([to_row(e) for e in part], dead if i == 0 else [], part)
        store.close()
        with psycopg.connect(url) as conn:
            for estate in pf.register.estates:  # the real daily pass: presence, clocks
                run_estate(conn, estate.estate_id)
            _alerts(conn, pf, end)
        yield Filled(url, pf, start, end)


def _variables(conn: psycopg.Connection, estate: str | None = None) -> dict[str, list[str]]:
    def ids(sql: str) -> list[str]:
        return [r[0] for r in conn.execute(sql).fetchall()]

    estates = [estate] if estate else ids("SELECT estate_id FROM estates")
    return {
        "estate": estates,
        "building": ids("SELECT building_id FROM buildings"),
        "grid": [*ids("SELECT grid_id FROM grids"), ""],  # '' = no grid
        "local_offset": ["8 hours"],
        "due_hours": ["72"],
    }


def _run(conn: psycopg.Connection, sql: str) -> list[tuple[Any, ...]]:
    with conn.transaction():
        return conn.execute(sql.encode()).fetchall()


def _contexts(f: Filled, variables: dict[str, list[str]]) -> dict[str, Context]:
    now = datetime.now(UTC)
    history = Context(f.start, f.end, timedelta(hours=1), variables)
    live = Context(
        now - timedelta(hours=1), now + timedelta(minutes=1), timedelta(seconds=10), variables
    )
    return {"anju-pipeline": live, "history": history}


ALL = build_all()
PANELS = [(m["uid"], title, sql) for m in ALL for title, sql in panel_queries(m)]
# Panels that may legitimately be empty on this data: none. Listed here if ever needed.
MAY_BE_EMPTY: set[str] = set()


def test_committed_json_is_what_the_code_generates() -> None:
    for model in ALL:
        path = JSON_DIR / f"{model['uid']}.json"
        stale = f"{path.name} is stale: anju dashboards export dashboards/json"
        assert path.read_text() == dump(model), stale
    assert len(list(JSON_DIR.glob("*.json"))) == len(ALL)


def test_every_panel_has_sql_and_the_four_boards_exist() -> None:
    assert {m["uid"] for m in ALL} == {
        "anju-estate-live",
        "anju-occupancy",
        "anju-operations",
        "anju-pipeline",
    }
    assert len(PANELS) >= 25
    for model in ALL:
        for panel in model["panels"]:
            if panel["type"] != "row":
                assert panel.get("targets") and panel.get("options"), panel["title"]
    assert len({json.dumps(m["panels"]) for m in ALL}) == len(ALL)


def test_no_panel_reads_what_timescaledb_compression_lacks() -> None:
    """Compressed chunks have no system columns but tableoid: a panel reading xmin or
    ctid would fail on TimescaleDB as soon as its range reaches a compressed chunk."""
    for uid, title, sql in PANELS:
        assert not re.search(r"\b(xmin|xmax|cmin|cmax|ctid)\b", sql), f"{uid} / {title}"
        assert "date_bin" not in sql, f"{uid} / {title}: use time_bucket"


@pytest.mark.slow
@pytest.mark.parametrize(("uid", "title", "sql"), PANELS, ids=[f"{u}:{t}" for u, t, _ in PANELS])
def test_panel_query_runs_and_returns_rows(filled: Filled, uid: str, title: str, sql: str) -> None:
    with psycopg.connect(filled.url) as conn:
        ctx = _contexts(filled, _variables(conn)).get(uid) or _contexts(filled, {})["history"]
        ctx = Context(ctx.time_from, ctx.time_to, ctx.interval, _variables(conn))
        rows = _run(conn, expand(sql, ctx))
        # The same text with one estate chosen (a single value) must run too.
        one = filled.pf.register.estates[0].estate_id
        single = Context(ctx.time_from, ctx.time_to, ctx.interval, _variables(conn, one))
        _run(conn, expand(sql, single))
    if title not in MAY_BE_EMPTY:
        assert rows, f"{uid} / {title} returned no rows"


@pytest.mark.slow
def test_variable_queries_list_the_register(filled: Filled) -> None:
    with psycopg.connect(filled.url) as conn:
        variables = _variables(conn)
        ctx = Context(filled.start, filled.end, timedelta(hours=1), variables)
        for model in ALL:
            for name, sql in variable_queries(model):
                rows = _run(conn, expand(sql, ctx))
                assert sorted(r[0] for r in rows) == sorted(variables[name]), name


def _panel(uid: str, title: str) -> str:
    return next(s for u, t, s in PANELS if u == uid and t == title)


@pytest.mark.slow
def test_entries_and_exits_match_the_simulator(filled: Filled) -> None:
    expected = 0
    for day in iter_day_events(filled.pf):
        for ev in day:
            if ev.kind == "access":
                m = ev.model()
                expected += bool(m.granted and m.direction.value in ("in", "out"))  # type: ignore[union-attr]
    with psycopg.connect(filled.url) as conn:
        ctx = Context(filled.start, filled.end, timedelta(hours=1), _variables(conn))
        sql = _panel("anju-estate-live", "Entries and exits per entrance (per 5 min)")
        rows = _run(conn, expand(sql, ctx))
    assert expected > 1000
    assert sum(r[2] for r in rows) == expected
    assert all(r[0].minute % 5 == 0 and r[0].second == 0 for r in rows)


@pytest.mark.slow
def test_occupancy_and_operations_figures_are_plausible(filled: Filled) -> None:
    with psycopg.connect(filled.url) as conn:
        ctx = Context(filled.start, filled.end, timedelta(hours=1), _variables(conn))
        active = _run(
            conn, expand(_panel("anju-occupancy", "Active households per building per day"), ctx)
        )
        flats = dict(_run(conn, "SELECT building_id, count(*) FROM units GROUP BY 1"))
        silent = _run(conn, expand(_panel("anju-occupancy", "Let flats without activity"), ctx))
        handled = _run(conn, expand(_panel("anju-operations", "Handled within due time"), ctx))
        backlog = _run(conn, expand(_panel("anju-operations", "Backlog"), ctx))
        open_alerts = _run(
            conn, expand(_panel("anju-estate-live", "Open alerts by type and grid"), ctx)
        )
        flats_silent = _run(
            conn, expand(_panel("anju-occupancy", "Flats without activity for 30+ days"), ctx)
        )
    assert all(0 < n <= flats[b] for _, b, n in active)
    assert max(n for _, _, n in active) > 0.5 * max(flats.values())  # most flats are lived in
    counts = [n for _, n in silent]
    assert counts == sorted(counts, reverse=True) and counts[0] == len(flats_silent)
    vacant = {lb.unit_id for lb in filled.pf.labels if lb.type == "vacancy" and lb.violation}
    assert vacant and vacant <= {r[0] for r in flats_silent}  # the empty flats are listed
    # test_a closed after 40 h and 80 h (within 72 h: one of two), test_b dismissed after 60 h
    by_type = {t: (n, float(p)) for t, n, p in handled}
    assert by_type == {"test_a": (2, 50.0), "test_b": (1, 100.0)}
    with psycopg.connect(filled.url) as conn:
        live = _run(conn, "SELECT status, count(*) FROM alerts GROUP BY 1")
    by_status = dict(live)
    open_rows = [r for r in open_alerts if r[0] in ("test_a", "test_b")]
    assert sorted((r[0], r[2]) for r in open_rows if r[1] != "(no grid)") == [
        ("test_a", 1),
        ("test_b", 1),
    ]
    assert [(r[0], r[2]) for r in open_rows if r[1] == "(no grid)"] == [("test_a", 1)]
    one_grid = {**ctx.variables, "grid": [filled.pf.register.units[0].grid_id or ""]}
    with psycopg.connect(filled.url) as conn:
        sql = _panel("anju-estate-live", "Open alerts by type and grid")
        narrowed = _run(
            conn, expand(sql, Context(ctx.time_from, ctx.time_to, ctx.interval, one_grid))
        )
    assert all(r[1] != "(no grid)" for r in narrowed)
    assert backlog[0][:2] == (by_status["open"], by_status["acknowledged"])


@pytest.mark.slow
def test_check_command_runs_every_panel_on_the_database(filled: Filled) -> None:
    from typer.testing import CliRunner

    from anju_cli.main import app

    args = ["dashboards", "check", "--database-url", filled.url]
    window = ["--since", filled.start.isoformat(), "--until", filled.end.isoformat()]
    result = CliRunner().invoke(app, [*args, *window], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"{len(PANELS)} panels, 0 failed" in result.output


@pytest.mark.slow
def test_check_reports_a_failing_panel(filled: Filled) -> None:
    from anju_dashboards.check import check

    broken = json.loads(json.dumps(ALL[0]))
    broken["panels"][1]["targets"][0]["rawSql"] = "SELECT no_such_column FROM events"
    results = check(filled.url, [broken], filled.start, filled.end)
    errors = [r for r in results if r.error]
    assert len(errors) == 1 and "no_such_column" in (errors[0].error or "")
    assert all(r.rows > 0 for r in results if not r.error)
