-- Calibrated face-match thresholds per estate (issue 18). `anju faces calibrate` and
-- POST /estates/{id}/face-calibration compute them from the estate's own enrolments
-- (different people) and recognised sightings (event_faces with a person); gateways
-- receive the latest with the gallery. Kept as a history: a recalibration is a new row.
CREATE TABLE IF NOT EXISTS face_calibrations (
    calibration_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    estate_id         text NOT NULL REFERENCES estates ON DELETE CASCADE,
    computed_at       timestamptz NOT NULL DEFAULT now(),
    threshold         real NOT NULL CHECK (threshold > 0),
    person_thresholds jsonb NOT NULL DEFAULT '{}'::jsonb,  -- person id -> tighter threshold
    far_target        real NOT NULL,
    calibrated        boolean NOT NULL,  -- false: the fallback for a too small gallery
    report            jsonb NOT NULL     -- counts, expected rates, histograms
);
CREATE INDEX IF NOT EXISTS face_calibrations_estate ON face_calibrations (estate_id, computed_at);
