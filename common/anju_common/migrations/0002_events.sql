-- The event store: a TimescaleDB hypertable when the extension can be created (or is
-- there already), otherwise native range partitioning by day. Same columns, same unique
-- key, same queries. Extracted columns serve the queries; payload keeps the validated
-- message (face data apart: migration 0010).
-- The branch is chosen by whether CREATE EXTENSION works (or the extension is there),
-- not by pg_available_extensions alone: an extension installed but not preloaded is
-- available, and creating it fails. Which
-- branch was taken, and why, is kept in anju_settings ('event_store'): `anju db migrate`
-- prints it.
CREATE TABLE IF NOT EXISTS anju_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

DO $$
DECLARE
    has_timescale boolean := false;
    why text;
BEGIN
    IF to_regclass('events') IS NOT NULL THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        why := 'native day partitions: the timescaledb extension is not installed';
    ELSIF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
          AND NOT 'timescaledb' = ANY(string_to_array(
              replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) THEN
        -- TimescaleDB's loader, loaded late, fails the rest of the transaction too:
        -- do not try
        why := 'native day partitions: the timescaledb extension is installed but not in'
            || ' shared_preload_libraries, so CREATE EXTENSION would fail';
    ELSE
        BEGIN
            CREATE EXTENSION IF NOT EXISTS timescaledb;
            has_timescale := true;
            why := 'TimescaleDB hypertable: extension timescaledb '
                || (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb')
                || ' loaded';
        EXCEPTION WHEN OTHERS THEN
            why := 'native day partitions: CREATE EXTENSION timescaledb failed: ' || SQLERRM;
        END;
    END IF;
    INSERT INTO anju_settings (key, value) VALUES ('event_store', why)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    IF has_timescale THEN
        CREATE TABLE events (
            time            timestamptz NOT NULL,
            event_id        uuid        NOT NULL,
            kind            text        NOT NULL,
            estate_id       text        NOT NULL,
            gateway_id      text        NOT NULL,
            device_id       text        NOT NULL,
            door_id         text,
            direction       text,
            credential_type text,
            credential_ref  text,
            person_id       text,
            granted         boolean,
            received_at     timestamptz NOT NULL DEFAULT clock_timestamp(),  -- when the row was written
            payload         jsonb       NOT NULL
        );
        PERFORM create_hypertable('events', 'time', chunk_time_interval => interval '1 day');
        CREATE UNIQUE INDEX events_event_id_time ON events (event_id, time);
        -- TimescaleDB warns that event_id (in the unique key) "should be used for
        -- segmenting or ordering". Not done: event_id is a random UUID, so as segmentby it
        -- would make one segment per event and as an orderby column its min/max prunes
        -- nothing. Unique checks of late events into compressed chunks are narrowed by
        -- time (the orderby) instead. Silenced here, explained in docs/scaling.md.
        PERFORM set_config('client_min_messages', 'error', true);
        ALTER TABLE events SET (
            timescaledb.compress,
            timescaledb.compress_segmentby = 'estate_id',
            timescaledb.compress_orderby = 'time DESC');
        PERFORM set_config('client_min_messages', 'notice', true);
        PERFORM add_compression_policy('events', interval '7 days');
    ELSE
        CREATE TABLE events (
            time            timestamptz NOT NULL,
            event_id        uuid        NOT NULL,
            kind            text        NOT NULL,
            estate_id       text        NOT NULL,
            gateway_id      text        NOT NULL,
            device_id       text        NOT NULL,
            door_id         text,
            direction       text,
            credential_type text,
            credential_ref  text,
            person_id       text,
            granted         boolean,
            received_at     timestamptz NOT NULL DEFAULT clock_timestamp(),  -- when the row was written
            payload         jsonb       NOT NULL,
            UNIQUE (event_id, time)
        ) PARTITION BY RANGE (time);
    END IF;
END $$;

CREATE INDEX IF NOT EXISTS events_estate_time ON events (estate_id, time DESC);
CREATE INDEX IF NOT EXISTS events_credential ON events (credential_ref, time DESC)
    WHERE credential_ref IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_person ON events (person_id, time DESC)
    WHERE person_id IS NOT NULL;

-- time_bucket() for dashboards and reports when TimescaleDB is absent.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'time_bucket') THEN
        EXECUTE $f$
            CREATE FUNCTION time_bucket(bucket interval, ts timestamptz)
            RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            'SELECT date_bin(bucket, ts, timestamptz ''2000-01-03 00:00:00+00'')'
        $f$;
    END IF;
END $$;

-- Native partitions: one per UTC day, named events_pYYYYMMDD. Creating one is
-- idempotent and serialized by an advisory lock so workers can race safely.
CREATE OR REPLACE FUNCTION anju_ensure_partitions(from_day date, to_day date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    d date;
    made integer := 0;
    name text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('anju_ensure_partitions'));
    d := from_day;
    WHILE d <= to_day LOOP
        name := 'events_p' || to_char(d, 'YYYYMMDD');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                name, (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
            made := made + 1;
        END IF;
        d := d + 1;
    END LOOP;
    RETURN made;
END $$;

-- Drop whole days older than the retention (native) or apply the policy (Timescale).
CREATE OR REPLACE FUNCTION anju_drop_partitions_before(cutoff date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    r record;
    dropped integer := 0;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        EXECUTE format('SELECT drop_chunks(%L, older_than => %L::timestamptz)',
                       'events', cutoff::timestamp AT TIME ZONE 'UTC');
        RETURN 0;
    END IF;
    FOR r IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass
          AND c.relname ~ '^events_p[0-9]{8}$'
          AND to_date(substr(c.relname, 9), 'YYYYMMDD') < cutoff
    LOOP
        EXECUTE format('DROP TABLE %I', r.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END $$;

-- Retention: Timescale's policy when present; native partitions are dropped by
-- anju_drop_partitions_before(), which ingest calls hourly with this setting.
CREATE TABLE IF NOT EXISTS anju_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE OR REPLACE FUNCTION anju_configure_retention(days integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO anju_settings (key, value) VALUES ('event_retention_days', days::text)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM remove_retention_policy('events', if_exists => true);
        PERFORM add_retention_policy('events', make_interval(days => days));
    END IF;
END $$;

-- Messages ingest could not store, with the reason and the raw bytes (bounded).
CREATE TABLE IF NOT EXISTS dead_letters (
    id           bigserial PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    topic        text NOT NULL,
    reason       text NOT NULL,
    detail       text,
    payload      bytea,
    payload_size integer NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_time ON dead_letters (received_at DESC);
CREATE INDEX IF NOT EXISTS dead_letters_reason ON dead_letters (reason);
