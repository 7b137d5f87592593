"""Every SQL statement of the dashboards, with Grafana macros and variables.

Rules that keep one text valid on TimescaleDB and on plain PostgreSQL:
- time buckets come from `$__timeGroupAlias(col, 'N')` (the datasource has
  `timescaledb: true`, so Grafana writes `time_bucket('Ns', col)`) or from an explicit
  `time_bucket(interval, ts)`: both are the extension's function or the two-argument
  compatible one that migration 0002 creates when TimescaleDB is absent;
- local days (the estates' clock, UTC+8) shift by the hidden constant `$local_offset`;
- multi-value variables are always written `${var:sqlstring}` ('a','b', quoted);
- no parentheses inside macro arguments (Grafana's macro parser does not nest).
"""

from __future__ import annotations

# Filters shared by many panels. `e` = events, `d` = devices (joined on device_id).
_EVENT_SCOPE = """
  AND e.estate_id IN (${estate:sqlstring})
  AND d.building_id IN (${building:sqlstring})"""
_DEVICES = "JOIN devices d ON d.device_id = e.device_id"
_LOCAL_DAY = "time_bucket('1 day', {col} + interval '$local_offset') - interval '$local_offset'"

# ---------------------------------------------------------------- variables
VAR_ESTATE = "SELECT estate_id AS __value, name AS __text FROM estates WHERE ended_on IS NULL"
VAR_BUILDING = """
SELECT b.building_id AS __value, e.name || ' / ' || b.name AS __text
FROM buildings b JOIN estates e ON e.estate_id = b.estate_id
WHERE b.estate_id IN (${estate:sqlstring}) AND b.ended_on IS NULL"""
# '' stands for flats and alerts without a grid (units.grid_id may be NULL): filters
# compare coalesce(grid_id, ''), so "All" keeps them and choosing a grid drops them.
VAR_GRID = """
SELECT g.grid_id AS __value, e.name || ' / ' || g.name AS __text
FROM grids g JOIN estates e ON e.estate_id = g.estate_id
WHERE g.estate_id IN (${estate:sqlstring}) AND g.ended_on IS NULL
UNION ALL SELECT '', '(no grid)'"""

# ---------------------------------------------------------------- estate live
ENTRIES_EXITS = f"""
SELECT $__timeGroupAlias(e.time, '5m'),
       d.entrance_id || ' ' || e.direction AS metric,
       count(*) AS value
FROM events e {_DEVICES}
WHERE $__timeFilter(e.time)
  AND e.kind = 'access' AND e.granted AND e.direction IN ('in', 'out'){_EVENT_SCOPE}
GROUP BY 1, 2
ORDER BY 1"""

DENIED = f"""
SELECT $__timeGroupAlias(e.time, '5m'),
       coalesce(e.payload->>'reason', 'unspecified') AS metric,
       count(*) AS value
FROM events e {_DEVICES}
WHERE $__timeFilter(e.time)
  AND e.kind = 'access' AND NOT e.granted{_EVENT_SCOPE}
GROUP BY 1, 2
ORDER BY 1"""

FACES = f"""
SELECT $__timeGroupAlias(e.time, '5m'),
       count(*) FILTER (WHERE e.person_id IS NOT NULL) AS "matched",
       count(*) FILTER (WHERE e.person_id IS NULL) AS "unknown"
FROM events e {_DEVICES}
WHERE $__timeFilter(e.time)
  AND e.kind = 'face'{_EVENT_SCOPE}
GROUP BY 1
ORDER BY 1"""

QR_BY_PURPOSE = f"""
SELECT $__timeGroupAlias(e.time, '5m'),
       e.payload->>'purpose' AS metric,
       count(*) AS value
FROM events e {_DEVICES}
WHERE $__timeFilter(e.time)
  AND e.kind = 'qr'{_EVENT_SCOPE}
GROUP BY 1, 2
ORDER BY 1"""

TOTALS = f"""
SELECT count(*) FILTER (WHERE e.kind = 'access' AND e.granted AND e.direction = 'in')
           AS "entries",
       count(*) FILTER (WHERE e.kind = 'access' AND NOT e.granted) AS "denied",
       count(*) FILTER (WHERE e.kind = 'face' AND e.person_id IS NULL) AS "unknown faces"
FROM events e {_DEVICES}
WHERE $__timeFilter(e.time){_EVENT_SCOPE}"""

# Open = an inspector should act: 'watch' alerts are below the threshold.
OPEN_ALERTS = """
SELECT a.type AS "type", coalesce(g.name, a.grid_id, '(no grid)') AS "grid",
       count(*) AS "open", round(max(a.score)::numeric, 2) AS "max score",
       min(a.opened_at) AS "oldest"
FROM alerts a LEFT JOIN grids g ON g.grid_id = a.grid_id
WHERE a.status IN ('open', 'acknowledged')
  AND a.estate_id IN (${estate:sqlstring})
  AND coalesce(a.grid_id, '') IN (${grid:sqlstring})
GROUP BY 1, 2
ORDER BY 3 DESC, 1, 2"""

# A gateway is online when it said so and its last word is recent (heartbeat 30 s).
_GATEWAY_STATUS = """
WITH gw AS (
  SELECT g.gateway_id, g.name, s.heartbeat_time, s.queue_depth, s.dropped,
         CASE WHEN s.gateway_id IS NULL THEN 'never seen'
              WHEN s.state = 'offline' THEN 'offline'
              WHEN greatest(s.heartbeat_time, s.state_time) < now() - interval '3 minutes'
                  THEN 'silent'
              ELSE 'online' END AS status
  FROM gateways g LEFT JOIN gateway_state s ON s.gateway_id = g.gateway_id
  WHERE g.estate_id IN (${estate:sqlstring}) AND g.ended_on IS NULL
)"""

GATEWAYS = f"""{_GATEWAY_STATUS}
SELECT gateway_id AS "gateway", name, status, heartbeat_time AS "last heartbeat",
       queue_depth AS "queue depth", dropped
FROM gw
ORDER BY status = 'online', queue_depth DESC NULLS LAST, gateway_id"""

GATEWAY_COUNTS = f"""{_GATEWAY_STATUS}
SELECT count(*) FILTER (WHERE status = 'online') AS "online",
       count(*) FILTER (WHERE status <> 'online') AS "offline or silent",
       coalesce(sum(queue_depth), 0) AS "buffered events"
FROM gw"""

# ---------------------------------------------------------------- occupancy
# From detection's daily roll-ups (migration 0004), not raw events: detect_presence
# holds who was seen for which flat on which local day (members resolved through the
# register, caregivers and visitors told apart), so these panels stay cheap over months.
# Estates `anju detect` has not processed yet show nothing rather than false silence.

ACTIVE_HOUSEHOLDS = """
SELECT p.day::timestamp AT TIME ZONE 'UTC' - interval '$local_offset' AS "time",
       u.building_id AS metric, count(DISTINCT p.unit_id) AS value
FROM detect_presence p
JOIN units u ON u.unit_id = p.unit_id
WHERE p.role = 'member'
  AND p.day BETWEEN $__timeFrom()::date AND $__timeTo()::date
  AND p.estate_id IN (${estate:sqlstring})
  AND u.building_id IN (${building:sqlstring}) AND coalesce(u.grid_id, '') IN (${grid:sqlstring})
GROUP BY 1, 2
ORDER BY 1"""

# Let flats at the end of the range (or of detection's last day, if earlier), with the
# last day a member was seen: one index probe per flat on detect_presence's key.
_SILENT = """
WITH flats AS (
  SELECT u.unit_id, u.building_id, u.grid_id,
         least($__timeTo()::date, ds.day) AS asof,
         min(coalesce(h.move_in, h.lease_start)) AS since
  FROM households h
  JOIN units u ON u.unit_id = h.unit_id
  JOIN detect_state ds ON ds.scope = 'day:' || u.estate_id
  WHERE coalesce(h.move_in, h.lease_start) <= least($__timeTo()::date, ds.day)
    AND (h.move_out IS NULL OR h.move_out > least($__timeTo()::date, ds.day))
    AND u.estate_id IN (${estate:sqlstring})
    AND u.building_id IN (${building:sqlstring}) AND coalesce(u.grid_id, '') IN (${grid:sqlstring})
  GROUP BY u.unit_id, u.building_id, u.grid_id, ds.day
), silent AS (
  SELECT f.*, l.day AS last_seen, f.asof - coalesce(l.day, f.since) AS days
  FROM flats f
  LEFT JOIN LATERAL (
    SELECT max(p.day) AS day FROM detect_presence p
    WHERE p.unit_id = f.unit_id AND p.day <= f.asof AND p.role = 'member'
  ) l ON true
)"""

SILENT_COUNTS = f"""{_SILENT}
SELECT t.label AS "no activity for", count(s.unit_id) AS "flats"
FROM (VALUES (30, '30+ days'), (60, '60+ days'), (120, '120+ days'), (180, '180+ days'))
     AS t (min_days, label)
LEFT JOIN silent s ON s.days >= t.min_days
GROUP BY t.min_days, t.label
ORDER BY t.min_days"""

SILENT_FLATS = f"""{_SILENT}
SELECT unit_id AS "flat", building_id AS "building", grid_id AS "grid",
       last_seen AS "last member seen", days AS "days without a member", asof AS "as of"
FROM silent
WHERE days >= 30
ORDER BY days DESC, unit_id
LIMIT 200"""

# Flats where detection saw someone who is not of the household at night (22:00-06:00).
NIGHT_STRANGER_FLATS = """
SELECT p.unit_id AS "flat", u.building_id AS "building",
       count(DISTINCT p.day) AS "nights", count(DISTINCT p.identity) AS "strangers",
       max(p.day) AS "last"
FROM detect_presence p
JOIN units u ON u.unit_id = p.unit_id
WHERE p.role = 'stranger' AND p.n_night > 0
  AND p.day BETWEEN $__timeFrom()::date AND $__timeTo()::date
  AND p.estate_id IN (${estate:sqlstring})
  AND u.building_id IN (${building:sqlstring}) AND coalesce(u.grid_id, '') IN (${grid:sqlstring})
GROUP BY 1, 2
ORDER BY 3 DESC, 4 DESC, 1
LIMIT 50"""

# Unknown faces entering between 22:00 and 06:00 local time (detection's night), per
# building and night.
_NIGHT = f"""
FROM events e {_DEVICES}
WHERE $__timeFilter(e.time)
  AND e.kind = 'face' AND e.person_id IS NULL AND e.direction <> 'out'
  AND extract(hour FROM e.time + interval '$local_offset') NOT BETWEEN 6 AND 21{_EVENT_SCOPE}"""

OVERNIGHT_STRANGERS = f"""
SELECT {_LOCAL_DAY.format(col="e.time - interval '6 hours'")} AS "time",
       d.building_id AS metric, count(*) AS value{_NIGHT}
GROUP BY 1, 2
ORDER BY 1"""

OVERNIGHT_ENTRANCES = f"""
SELECT d.entrance_id AS "entrance", count(*) AS "unknown faces at night",
       count(DISTINCT {_LOCAL_DAY.format(col="e.time - interval '6 hours'")}) AS "nights",
       max(e.time) AS "last"{_NIGHT}
GROUP BY 1
ORDER BY 2 DESC
LIMIT 50"""

# ---------------------------------------------------------------- operations
_ALERT_SCOPE = """
  AND a.estate_id IN (${estate:sqlstring}) AND coalesce(a.grid_id, '') IN (${grid:sqlstring})"""

ALERT_FLOW = f"""
SELECT day AS "time", sum(opened) AS "raised", sum(handled) AS "handled"
FROM (
  SELECT {_LOCAL_DAY.format(col="a.opened_at")} AS day, 1 AS opened, 0 AS handled
  FROM alerts a WHERE $__timeFilter(a.opened_at){_ALERT_SCOPE}
  UNION ALL
  SELECT {_LOCAL_DAY.format(col="a.closed_at")}, 0, 1
  FROM alerts a WHERE $__timeFilter(a.closed_at){_ALERT_SCOPE}
) f
GROUP BY 1
ORDER BY 1"""

ALERT_BACKLOG = f"""
SELECT count(*) FILTER (WHERE a.status = 'open') AS "open",
       count(*) FILTER (WHERE a.status = 'acknowledged') AS "acknowledged",
       count(*) FILTER (WHERE a.status IN ('open', 'acknowledged')
                          AND a.opened_at < now() - interval '$due_hours hours') AS "overdue"
FROM alerts a
WHERE true{_ALERT_SCOPE}"""

# Handled = closed or dismissed; until inspection cases exist, closing is the visit.
TIME_TO_HANDLE = f"""
SELECT {_LOCAL_DAY.format(col="a.closed_at")} AS "time",
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.closed_at - a.opened_at))
           / 3600 AS "median hours",
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM a.closed_at - a.opened_at))
           / 3600 AS "p90 hours"
FROM alerts a
WHERE $__timeFilter(a.closed_at) AND a.opened_at IS NOT NULL{_ALERT_SCOPE}
GROUP BY 1
ORDER BY 1"""

WITHIN_DUE = f"""
SELECT a.type AS "type",
       count(*) AS "handled",
       round(100.0 * count(*) FILTER (
           WHERE a.closed_at - a.opened_at <= interval '$due_hours hours') / count(*), 1)
           AS "% within due time"
FROM alerts a
WHERE $__timeFilter(a.closed_at) AND a.opened_at IS NOT NULL{_ALERT_SCOPE}
GROUP BY 1
ORDER BY 1"""

# Patrol route = checkpoints scanned in the 30 days before the range end (no checkpoint
# register yet); coverage = share of the route scanned on a local day.
_PATROL = """
FROM events e
WHERE e.kind = 'qr' AND e.payload->>'purpose' = 'patrol_checkpoint'
  AND e.payload->>'result' = 'valid' AND e.estate_id IN (${estate:sqlstring})"""

PATROL_COVERAGE = f"""
WITH route AS (
  SELECT e.estate_id, count(DISTINCT e.payload->>'checkpoint_id') AS n{_PATROL}
    AND e.time <= $__timeTo() AND e.time > $__timeTo()::timestamptz - interval '30 days'
  GROUP BY 1
), scans AS (
  SELECT {_LOCAL_DAY.format(col="e.time")} AS day, e.estate_id,
         count(DISTINCT e.payload->>'checkpoint_id') AS n{_PATROL}
    AND $__timeFilter(e.time)
  GROUP BY 1, 2
)
SELECT s.day AS "time", s.estate_id AS metric, 100.0 * s.n / r.n AS value
FROM scans s JOIN route r ON r.estate_id = s.estate_id
ORDER BY 1"""

PATROL_CHECKPOINTS = f"""
SELECT e.estate_id AS "estate", e.payload->>'checkpoint_id' AS "checkpoint",
       count(*) AS "scans", max(e.time) AS "last scan",
       count(DISTINCT e.device_id) AS "scanners"{_PATROL}
  AND $__timeFilter(e.time)
GROUP BY 1, 2
ORDER BY 4, 1, 2"""

# ---------------------------------------------------------------- pipeline health
# received_at is not indexed: the bound on `time` lets PostgreSQL skip old partitions
# (events that arrive more than 7 days late are left out of these panels).
_RECEIVED = """
WHERE $__timeFilter(received_at)
  AND time > $__timeFrom()::timestamptz - interval '7 days'"""

EVENTS_PER_SECOND = f"""
SELECT $__timeGroupAlias(received_at, $__interval), kind AS metric,
       count(*) / ($__interval_ms / 1000.0) AS value
FROM events{_RECEIVED}
GROUP BY 1, 2
ORDER BY 1"""

INGEST_LAG = f"""
SELECT $__timeGroupAlias(received_at, $__interval),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - time))
           AS "p50",
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - time))
           AS "p99",
       max(extract(epoch FROM received_at - time)) AS "max"
FROM events{_RECEIVED}
GROUP BY 1
ORDER BY 1"""

DEAD_LETTERS = """
SELECT $__timeGroupAlias(received_at, $__interval), reason AS metric, count(*) AS value
FROM dead_letters
WHERE $__timeFilter(received_at)
GROUP BY 1, 2
ORDER BY 1"""

DEAD_LETTERS_RECENT = """
SELECT received_at AS "received", reason, topic, left(detail, 200) AS detail,
       payload_size AS "bytes"
FROM dead_letters
WHERE $__timeFilter(received_at)
ORDER BY received_at DESC
LIMIT 100"""

BUFFER_DEPTH = """
SELECT s.gateway_id AS "gateway", s.queue_depth AS "buffered events"
FROM gateway_state s
WHERE s.estate_id IN (${estate:sqlstring}) AND s.queue_depth IS NOT NULL
ORDER BY s.queue_depth DESC, s.gateway_id
LIMIT 20"""

EDGE_DROPS = """
SELECT coalesce(sum(s.queue_depth), 0) AS "buffered events",
       coalesce(sum(s.dropped), 0) AS "dropped (buffer full)",
       count(*) FILTER (WHERE s.heartbeat_time < now() - interval '3 minutes')
           AS "gateways silent 3+ min"
FROM gateway_state s
WHERE s.estate_id IN (${estate:sqlstring})"""

# ---------------------------------------------------------------- ingest metrics (PromQL)
# Each ingest worker's /metrics (anju_ingest.metrics), scraped by the compose Prometheus.
_RATE = "[$__rate_interval]"
PROM_STORED = f"sum by (worker) (rate(anju_ingest_events_stored_total{_RATE}))"
PROM_DUPLICATES = f"sum(rate(anju_ingest_duplicates_total{_RATE}))"
PROM_BATCH_P50 = (
    f"histogram_quantile(0.5, sum by (le) (rate(anju_ingest_batch_size_bucket{_RATE})))"
)
PROM_BATCH_P99 = (
    f"histogram_quantile(0.99, sum by (le) (rate(anju_ingest_batch_size_bucket{_RATE})))"
)
PROM_BATCH_MEAN = (
    f"sum(rate(anju_ingest_batch_size_sum{_RATE})) / sum(rate(anju_ingest_batch_size_count{_RATE}))"
)
PROM_LAG = "max by (worker) (anju_ingest_lag_seconds)"
PROM_PENDING = "sum by (worker) (anju_ingest_pending_messages)"
PROM_DEAD = f"sum by (reason) (rate(anju_ingest_dead_letters_total{_RATE}))"
PROM_DB_ERRORS = f"sum(rate(anju_ingest_db_errors_total{_RATE}))"
PROM_UP = "sum(anju_ingest_up)"
