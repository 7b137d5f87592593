-- The first and last stored event of an estate (access, face and QR): where detection
-- starts watching it and the last day it can run. `min(time), max(time) FROM events
-- WHERE estate_id = ...` is planned over every day partition (years of them, and the
-- days made ahead): 55-190 ms at the start of each estate's run on the default
-- portfolio, a sixth of one new day's database CPU. Native partitions are probed one
-- at a time instead, oldest first for the first event and newest first for the last,
-- each query planned over its own day. TimescaleDB plans its chunks itself.
CREATE OR REPLACE FUNCTION anju_event_span(estate text, OUT first_at timestamptz,
                                           OUT last_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    part text;
    query constant text :=
        'SELECT %s(time) FROM %I WHERE estate_id = $1 AND kind IN (''access'', ''face'', ''qr'')';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
       OR EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                  WHERE i.inhparent = 'events'::regclass
                    AND c.relname !~ '^events_p[0-9]{8}$') THEN
        SELECT min(time), max(time) INTO first_at, last_at FROM events
        WHERE estate_id = estate AND kind IN ('access', 'face', 'qr');
        RETURN;
    END IF;
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass ORDER BY c.relname
    LOOP
        EXECUTE format(query, 'min', part) INTO first_at USING estate;
        EXIT WHEN first_at IS NOT NULL;
    END LOOP;
    IF first_at IS NULL THEN
        RETURN;
    END IF;
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass ORDER BY c.relname DESC
    LOOP
        EXECUTE format(query, 'max', part) INTO last_at USING estate;
        EXIT WHEN last_at IS NOT NULL;
    END LOOP;
END $$;
