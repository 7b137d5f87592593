"""Issue 16 item 7: the same events with other event ids give the same alerts. Events of
the same second used to be taken in event-id order; now by what they say."""

from __future__ import annotations

import psycopg

from anju_platform.detect import repo
from anju_platform.detect.engine import run_estates
from anju_sim.params import small_params, with_world
from anju_sim.portfolio import generate
from tests.detect.helpers import load_portfolio


def _snapshot(conn: psycopg.Connection) -> tuple[list[tuple[object, ...]], ...]:
    alerts = conn.execute(
        "SELECT unit_id, type, status, first_day, last_day, opened_day, level,"
        " round(score::numeric, 3)::float, persons FROM alerts"
    ).fetchall()
    presence = conn.execute(
        "SELECT unit_id, day, identity, role, via, cluster_id, n, n_in, n_face, n_night,"
        " last_in FROM detect_presence"
    ).fetchall()
    return alerts, presence


def _renamed(
    snap: tuple[list[tuple[object, ...]], ...], rename: dict[str, str]
) -> tuple[list[tuple[object, ...]], ...]:
    """Cluster ids are named after their first sighting's event id: map them."""

    def name(x: object) -> object:
        return rename.get(x, x) if isinstance(x, str) else x

    alerts, presence = snap
    return (
        sorted((*a[:8], tuple(sorted(str(name(p)) for p in a[8]))) for a in alerts),  # type: ignore[attr-defined]
        sorted((r[0], r[1], name(r[2]), r[3], r[4], name(r[5]), *r[6:]) for r in presence),  # type: ignore[misc]
    )


def test_other_event_ids_give_the_same_alerts(pg_url: str) -> None:
    p = with_world(small_params(seed=3, days=24, flats=80), "sparse")
    # many people at the door in the same second: ties everywhere
    p = p.model_copy(update={"world": p.world.model_copy(update={"same_second": 0.6})})
    pf = generate(p)
    with psycopg.connect(pg_url) as conn:
        load_portfolio(conn, pf)
        estates = repo.estates(conn)
        run_estates(pg_url, estates, workers=1)
        before = _snapshot(conn)
        ties = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM events GROUP BY gateway_id, time, kind"
            " HAVING count(*) > 1) t"
        ).fetchone()
        assert ties and ties[0] > 100
        assert before[0], "the portfolio raises alerts"
        # new ids for every event, in the payload too (as another gateway build would give)
        conn.execute(
            "CREATE TEMP TABLE ids AS SELECT event_id AS old, gen_random_uuid() AS new FROM events"
        )
        conn.execute(
            "UPDATE event_faces f SET event_id = ids.new FROM ids WHERE f.event_id = ids.old"
        )
        conn.execute(
            "UPDATE events e SET event_id = ids.new, payload = jsonb_set(e.payload,"
            " '{event_id}', to_jsonb(ids.new::text)) FROM ids WHERE e.event_id = ids.old"
        )
        rename = {
            "u-" + str(o).replace("-", "")[:12]: "u-" + str(n).replace("-", "")[:12]
            for o, n in conn.execute("SELECT old, new FROM ids")
        }
        conn.execute("DELETE FROM detect_clusters")
        run_estates(pg_url, estates, since=p.start, workers=1)
        assert _renamed(before, rename) == _renamed(_snapshot(conn), {})
