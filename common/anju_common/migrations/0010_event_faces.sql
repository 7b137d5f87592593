-- Face data beside the events, not in them (issue 20). A face event's embedding and
-- snapshot reference are personal data that an erasure, a stranger's snapshot expiry and
-- their own short retention must be able to delete. Inside `events` that meant an
-- UPDATE of history, which on TimescaleDB decompresses compressed chunks (whole ones:
-- "tuple decompression limit exceeded", a failing hourly job, a database 3x larger).
-- Here a DELETE of a few rows of a plain table does it, on both servers; the events keep
-- the door's record (who, where, when) and stay compressed. The embedding is stored
-- once, as little-endian float32 bytes (anju_common.events.embedding_bytes); ingest
-- writes the row with the event, in the same transaction, only for an event it stored.
CREATE TABLE IF NOT EXISTS event_faces (
    event_id     uuid        NOT NULL,
    time         timestamptz NOT NULL,
    estate_id    text        NOT NULL,
    person_id    text,         -- the matched person; NULL: an unknown face
    embedding    bytea,
    snapshot_ref text,
    PRIMARY KEY (event_id, time)
);
CREATE INDEX IF NOT EXISTS event_faces_estate_time ON event_faces (estate_id, time);
CREATE INDEX IF NOT EXISTS event_faces_person ON event_faces (person_id)
    WHERE person_id IS NOT NULL;
-- the hourly retention deletes by time; rows arrive in about time order
CREATE INDEX IF NOT EXISTS event_faces_time ON event_faces USING brin (time);

-- An embedding in a JSON array of numbers as little-endian float32 bytes.
CREATE OR REPLACE FUNCTION anju_f32le(v jsonb) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(
        set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea,
            0, get_byte(b, 3)), 1, get_byte(b, 2)), 2, get_byte(b, 1)), 3, get_byte(b, 0)),
        ''::bytea ORDER BY i)
    FROM jsonb_array_elements_text(v) WITH ORDINALITY AS t(x, i),
         LATERAL (SELECT float4send(x::float4) AS b) s
$$;

-- Rows stored before this migration: their face data is copied here (a read, also of
-- compressed chunks). Their payloads keep a copy until the events expire or the person
-- is erased; erasure strips those rows one by one, by estate and time, so only the
-- compressed batches holding them are touched (anju_platform.repo.lifecycle).
INSERT INTO event_faces (event_id, time, estate_id, person_id, embedding, snapshot_ref)
SELECT event_id, time, estate_id, person_id,
       coalesce(embedding, CASE WHEN jsonb_typeof(payload->'embedding') = 'array'
                                THEN anju_f32le(payload->'embedding') END),
       payload->>'snapshot_ref'
FROM events
WHERE kind = 'face'
  AND (embedding IS NOT NULL OR payload ? 'embedding' OR payload ? 'snapshot_ref')
ON CONFLICT DO NOTHING;

-- Where legacy copies can be (events stored until now): erasure looks for them only
-- in that time range, so once retention has dropped it, it costs nothing.
INSERT INTO anju_settings (key, value)
SELECT 'face_data_in_payload_until', (max(received_at) + interval '1 day')::text
FROM events
WHERE kind = 'face' AND (embedding IS NOT NULL OR payload ? 'embedding' OR payload ? 'snapshot_ref')
HAVING count(*) > 0
ON CONFLICT (key) DO NOTHING;

ALTER TABLE events DROP COLUMN IF EXISTS embedding;

-- TimescaleDB: drop_chunks() returns the chunks it dropped; count them (maintain said
-- "dropped 0" while TimescaleDB dropped 36).
CREATE OR REPLACE FUNCTION anju_drop_partitions_before(cutoff date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    r record;
    dropped integer := 0;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        EXECUTE format('SELECT count(*) FROM drop_chunks(%L, older_than => %L::timestamptz)',
                       'events', cutoff::timestamp AT TIME ZONE 'UTC') INTO dropped;
        RETURN dropped;
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
