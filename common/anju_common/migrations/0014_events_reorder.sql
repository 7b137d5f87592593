-- Native day partitions, rewritten in estate order once they are no longer written to.
-- Rows arrive in time order with every estate's interleaved, so reading one estate's
-- day read nearly every page of it: in the default portfolio (13 estates) e08's ~3,900
-- rows of a day sat on 750-800 of the day's ~850 pages, and detection reads an estate at
-- a time (docs/detection.md, "Days in estate order"). CLUSTER on (estate_id, time) puts
-- an estate's day on its own pages: what compression (segmentby estate_id) does for
-- TimescaleDB's chunks, so this is a no-op there. Each day once (CLUSTER marks the
-- partition's index clustered); rows that arrive later for that day (a gateway back from
-- offline) are appended, unordered but few.
-- The days not yet rewritten (newest first), with the index to CLUSTER on: the one list
-- the rewriter and `anju db maintain`'s progress read. None on TimescaleDB.
CREATE OR REPLACE FUNCTION anju_unordered_days(before date)
RETURNS TABLE (day date, part text, idx text) LANGUAGE sql STABLE AS $$
    SELECT to_date(substr(c.relname, 9), 'YYYYMMDD'), c.relname::text, ic.relname::text
    FROM pg_inherits pi
    JOIN pg_class ic ON ic.oid = pi.inhrelid
    JOIN pg_index x ON x.indexrelid = ic.oid
    JOIN pg_class c ON c.oid = x.indrelid
    WHERE pi.inhparent = 'events_estate_time'::regclass
      AND NOT x.indisclustered
      AND c.relname ~ '^events_p[0-9]{8}$'
      AND to_date(substr(c.relname, 9), 'YYYYMMDD') < before
      AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
    ORDER BY 1 DESC  -- the newest first: the days read most
$$;

CREATE OR REPLACE FUNCTION anju_reorder_partitions(before date, max_n integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    r record;
    done integer := 0;
    old_timeout text := current_setting('lock_timeout');
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        RETURN 0;
    END IF;
    -- one rewriter at a time: every ingest worker runs the hourly maintenance, and two
    -- that chose the same day would rewrite it twice
    IF NOT pg_try_advisory_xact_lock(hashtext('anju_reorder_partitions')) THEN
        RETURN 0;
    END IF;
    -- CLUSTER locks the day against reads and writes while it runs (about a second):
    -- behind a long reader of that day it gives up until the next call rather than
    -- queue every writer and reader behind its lock request
    PERFORM set_config('lock_timeout', '2s', true);
    FOR r IN SELECT part, idx FROM anju_unordered_days(before) LIMIT max_n
    LOOP
        BEGIN
            EXECUTE format('CLUSTER %I USING %I', r.part, r.idx);
            done := done + 1;
        EXCEPTION WHEN lock_not_available THEN
            NULL;
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', old_timeout, true);
    RETURN done;
END $$;
