-- An unknown face's 128-d embedding as float32 bytes (little-endian), written by ingest
-- beside the payload: detection reads it for every unknown face of every day, and the
-- payload's jsonb numbers cost a detoast and 128 numeric-to-text conversions each.
-- Rows stored before this keep theirs in the payload only; readers fall back to it.
-- (Nullable, no default: metadata only, also on compressed TimescaleDB hypertables.)
ALTER TABLE events ADD COLUMN IF NOT EXISTS embedding bytea;
