-- Resident reports and patrols (issue 7, H2): indexes for the per-building rate limit
-- and duplicate check, the live resident-report alert of a building, and the patrol
-- QR events the patrol job copies. Additive and idempotent.
CREATE INDEX IF NOT EXISTS resident_reports_building
    ON resident_reports (building_id, created_at);
CREATE INDEX IF NOT EXISTS alerts_building_live
    ON alerts (building_id, type) WHERE status IN ('watch', 'open', 'acknowledged');
CREATE INDEX IF NOT EXISTS patrol_scans_checkpoint
    ON patrol_scans (checkpoint_id, scanned_at);
