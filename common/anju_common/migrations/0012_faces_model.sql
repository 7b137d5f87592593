-- The face recognition model is configuration (issue 18): every embedding records the
-- model it comes from, so galleries, sightings and calibrations of different models
-- never mix. Existing rows come from the bundled dlib ResNet v1 ('dlib_resnet_v1');
-- a face event without `model` (older gateways) is from that model too (NULL here).
ALTER TABLE face_enrollments ADD COLUMN IF NOT EXISTS model text NOT NULL DEFAULT 'dlib_resnet_v1';
ALTER TABLE event_faces ADD COLUMN IF NOT EXISTS model text;
ALTER TABLE face_calibrations ADD COLUMN IF NOT EXISTS model text NOT NULL DEFAULT 'dlib_resnet_v1';
DROP INDEX IF EXISTS face_calibrations_estate;
CREATE INDEX IF NOT EXISTS face_calibrations_estate_model
    ON face_calibrations (estate_id, model, computed_at);
