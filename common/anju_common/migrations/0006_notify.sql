-- Notifications (issue 7): alert changes people must hear about are written into the
-- notifications outbox by a trigger, in the same transaction as the change, whoever makes
-- it (detection, the alerts API, cases, resident reports). pg_notify wakes listeners.
-- Plus what webhook delivery needs on top of 0005. Idempotent.

CREATE OR REPLACE FUNCTION anju_alert_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text;
    body jsonb;
    building text;
    nid bigint;
BEGIN
    IF NEW.status = 'open' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'open') THEN
        -- watch -> open, or a new alert that is open at once
        kind := 'alert.opened';
        building := NEW.building_id;
        IF building IS NULL AND NEW.unit_id IS NOT NULL THEN
            SELECT u.building_id INTO building FROM units u WHERE u.unit_id = NEW.unit_id;
        END IF;
        body := jsonb_build_object(
            'alert_id', NEW.alert_id, 'unit_id', NEW.unit_id, 'building_id', building,
            'type', NEW.type, 'score', NEW.score, 'level', NEW.level,
            'reason_zh', NEW.reason_zh, 'reason_en', NEW.reason_en);
    ELSIF TG_OP = 'UPDATE' AND NEW.level > OLD.level
          AND NEW.status IN ('open', 'acknowledged')
          AND OLD.status IN ('open', 'acknowledged') THEN
        kind := 'alert.escalated';
        body := jsonb_build_object(
            'alert_id', NEW.alert_id, 'unit_id', NEW.unit_id, 'type', NEW.type,
            'level', NEW.level, 'score', NEW.score,
            'reason_zh', NEW.reason_zh, 'reason_en', NEW.reason_en);
    ELSIF TG_OP = 'UPDATE' AND NEW.status IN ('closed', 'dismissed')
          AND OLD.status IN ('open', 'acknowledged') THEN
        -- a 'watch' alert was never shown to anyone: its end is not news
        kind := 'alert.closed';
        body := jsonb_build_object(
            'alert_id', NEW.alert_id, 'unit_id', NEW.unit_id, 'type', NEW.type,
            'status', NEW.status, 'close_reason', NEW.close_reason);
    ELSE
        RETURN NEW;
    END IF;
    INSERT INTO notifications (kind, estate_id, grid_id, body)
    VALUES (kind, NEW.estate_id, NEW.grid_id, body)
    RETURNING notification_id INTO nid;
    PERFORM pg_notify('anju_notifications', nid::text);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS alerts_notify ON alerts;
CREATE TRIGGER alerts_notify AFTER INSERT OR UPDATE OF status, level ON alerts
    FOR EACH ROW EXECUTE FUNCTION anju_alert_notify();

-- Fan-out cursor per webhook (start_after): set to the newest notification when the
-- webhook is created or re-activated (history is never replayed to a new receiver), then
-- moved forward by the delivery job.
CREATE INDEX IF NOT EXISTS notifications_at ON notifications (at);
ALTER TABLE webhooks ADD COLUMN IF NOT EXISTS start_after bigint NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN IF NOT EXISTS created_by text;

-- Every delivery attempt, for the delivery log (status code or the error).
CREATE TABLE IF NOT EXISTS webhook_attempts (
    attempt_id  bigserial PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES webhook_deliveries ON DELETE CASCADE,
    attempt     integer NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    status_code integer,
    error       text,
    duration_ms integer NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
CREATE INDEX IF NOT EXISTS webhook_deliveries_webhook ON webhook_deliveries
    (webhook_id, delivery_id DESC);
