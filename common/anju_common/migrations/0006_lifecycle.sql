-- Personal data lifecycle (issue 7): erasure and snapshot expiry find alert evidence
-- by the event it cites or by its snapshot reference. Additive only.
CREATE INDEX IF NOT EXISTS alert_evidence_event ON alert_evidence (event_id)
    WHERE event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS alert_evidence_snapshot ON alert_evidence (snapshot_ref)
    WHERE snapshot_ref IS NOT NULL;
