-- TimescaleDB's create_hypertable adds an index on time alone, events_time_idx
-- (time DESC), on every chunk. Native partitions never had it, and no query needs it:
-- every read of events by time names the estate (events_estate_time), arrivals use the
-- received_at BRIN, and retention and compression work on whole chunks. It cost every
-- insert one more b-tree (the drain is the insert path) and 47 bytes per event
-- uncompressed (`anju bench storage`, issue 20 item 4). On a hypertable this drops it
-- from every chunk, compressed ones too; on native partitions there is nothing to drop.
DROP INDEX IF EXISTS events_time_idx;
