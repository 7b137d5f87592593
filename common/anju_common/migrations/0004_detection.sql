-- Detection: presence roll-ups, unknown-person clusters, alerts with evidence, watermarks.
-- Plain incremental tables (no TimescaleDB needed). With TimescaleDB, detect_presence is
-- where a continuous aggregate over events would go (see docs/detection.md).

-- Unknown faces clustered per entrance (leader clustering): the leader is the first
-- sighting, so re-running over the same events gives the same ids.
CREATE TABLE IF NOT EXISTS detect_clusters (
    cluster_id   text PRIMARY KEY,           -- 'u-' + first 12 hex of the leader event id
    estate_id    text NOT NULL,
    gateway_id   text NOT NULL,
    leader       bytea NOT NULL,             -- 128 float32, little-endian
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    sightings    integer NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS detect_clusters_gw ON detect_clusters (gateway_id, first_seen);

-- Who was seen for which unit on which local day: one row per identity.
-- identity: a person id, a cluster id ('u-...') or a visitor pass ('pass:...').
CREATE TABLE IF NOT EXISTS detect_presence (
    estate_id  text NOT NULL,
    unit_id    text NOT NULL,
    day        date NOT NULL,
    identity   text NOT NULL,
    role       text NOT NULL CHECK (role IN ('member', 'stranger', 'visitor', 'caregiver')),
    via        text NOT NULL,                -- e.g. 'card,face'
    cluster_id text,                         -- the face seen with a member's credential
    n          integer NOT NULL,
    n_in       integer NOT NULL,
    n_face     integer NOT NULL,              -- passages where the camera saw the face
    n_night    integer NOT NULL,
    last_in    boolean NOT NULL,             -- the day's last passage was an entry
    event_ids  uuid[] NOT NULL,
    PRIMARY KEY (unit_id, day, identity)
);
CREATE INDEX IF NOT EXISTS detect_presence_estate_day ON detect_presence (estate_id, day);

-- Per unit: the last day anyone / a member was seen (the vacancy and welfare clocks).
CREATE TABLE IF NOT EXISTS detect_unit_state (
    unit_id          text PRIMARY KEY,
    estate_id        text NOT NULL,
    last_any_day     date,
    last_member_day  date,
    last_member_in   boolean
);

CREATE TABLE IF NOT EXISTS alerts (
    alert_id     bigserial PRIMARY KEY,
    estate_id    text NOT NULL,
    unit_id      text NOT NULL,
    grid_id      text,
    type         text NOT NULL,
    status       text NOT NULL CHECK (status IN
                 ('watch', 'open', 'acknowledged', 'closed', 'dismissed')),
    score        double precision NOT NULL,
    level        integer NOT NULL DEFAULT 1,
    reason_en    text NOT NULL,
    reason_zh    text NOT NULL,
    first_day    date NOT NULL,              -- first day of the pattern (evidence)
    last_day     date NOT NULL,              -- last day the pattern was seen
    opened_at    timestamptz,
    opened_day   date,                       -- the (data) day it first became 'open'
    updated_at   timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,
    close_reason text,
    persons      text[] NOT NULL DEFAULT '{}'
);
-- One live alert per unit and type; closed/dismissed ones stay as history.
CREATE UNIQUE INDEX IF NOT EXISTS alerts_live ON alerts (unit_id, type)
    WHERE status IN ('watch', 'open', 'acknowledged');
CREATE INDEX IF NOT EXISTS alerts_estate ON alerts (estate_id, status, type);
CREATE INDEX IF NOT EXISTS alerts_grid ON alerts (grid_id, status);

CREATE TABLE IF NOT EXISTS alert_evidence (
    alert_id     bigint NOT NULL REFERENCES alerts ON DELETE CASCADE,
    key          text NOT NULL,              -- event id or 'day:YYYY-MM-DD:...'
    at           timestamptz NOT NULL,
    day          date NOT NULL,
    kind         text NOT NULL,
    event_id     uuid,
    snapshot_ref text,
    note         text NOT NULL,
    PRIMARY KEY (alert_id, key)
);

-- Watermarks: per estate the last local day done, and the real-time received_at mark.
CREATE TABLE IF NOT EXISTS detect_state (
    scope      text PRIMARY KEY,             -- 'day:<estate>', 'first:<estate>', 'realtime'
    day        date,
    mark       timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Per-estate threshold overrides (JSON of DetectSettings field names).
CREATE TABLE IF NOT EXISTS detect_settings (
    estate_id text PRIMARY KEY,
    overrides jsonb NOT NULL DEFAULT '{}'
);

-- The real-time loop reads events by arrival; without this it scans the whole store.
CREATE INDEX IF NOT EXISTS events_received_at ON events (received_at);
