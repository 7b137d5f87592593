-- Inspection workflow (issue 7): cases, visits, photos, deductions and decisions,
-- suppressions, resident reports, patrol checkpoints and scans, notifications and
-- webhooks, face snapshots held by the platform, and erasures. Additive only.

-- Alerts may come from a resident report (a building, or a flat) as well as detection.
ALTER TABLE alerts ALTER COLUMN unit_id DROP NOT NULL;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS building_id text;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT 'detection';

-- An alert becomes one inspection task, routed to the inspector of its grid.
CREATE TABLE IF NOT EXISTS cases (
    case_id        bigserial PRIMARY KEY,
    alert_id       bigint NOT NULL UNIQUE REFERENCES alerts ON DELETE CASCADE,
    estate_id      text NOT NULL,
    grid_id        text,
    assignee_id    text REFERENCES users ON DELETE SET NULL,
    -- open: awaiting a visit (a no-access visit keeps it open);
    -- confirmed: awaiting the authority's decision; decided, not_confirmed: done;
    -- cancelled: the alert closed before anyone went.
    status         text NOT NULL DEFAULT 'open' CHECK (status IN
                   ('open', 'confirmed', 'not_confirmed', 'decided', 'cancelled')),
    due_at         timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    first_visit_at timestamptz,
    closed_at      timestamptz
);
CREATE INDEX IF NOT EXISTS cases_assignee ON cases (assignee_id, status);
CREATE INDEX IF NOT EXISTS cases_estate ON cases (estate_id, status, created_at);

CREATE TABLE IF NOT EXISTS case_visits (
    visit_id       bigserial PRIMARY KEY,
    case_id        bigint NOT NULL REFERENCES cases ON DELETE CASCADE,
    inspector_id   text NOT NULL,
    visited_at     timestamptz NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('confirmed', 'not_confirmed', 'no_access')),
    violation_type text,            -- confirmed: the alert type found to be true
    reason         text,            -- not_confirmed: why (caregiver, unregistered family...)
    notes          text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS case_visits_case ON case_visits (case_id);

-- Photos taken on a visit; the file lives under the platform's evidence directory.
CREATE TABLE IF NOT EXISTS case_photos (
    photo_id     text PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases ON DELETE CASCADE,
    visit_id     bigint REFERENCES case_visits ON DELETE CASCADE,
    path         text NOT NULL,
    content_type text NOT NULL,
    sha256       text NOT NULL,
    uploaded_by  text NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);

-- Points deduction (扣分) proposed on a confirmed visit; the authority decides.
CREATE TABLE IF NOT EXISTS deductions (
    deduction_id   bigserial PRIMARY KEY,
    case_id        bigint NOT NULL REFERENCES cases ON DELETE CASCADE,
    household_id   text REFERENCES households ON DELETE SET NULL,
    violation_type text NOT NULL,
    points         integer NOT NULL CHECK (points >= 0),
    status         text NOT NULL DEFAULT 'proposed' CHECK (status IN
                   ('proposed', 'upheld', 'rejected')),
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS deductions_household ON deductions (household_id);

CREATE TABLE IF NOT EXISTS case_decisions (
    decision_id bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases ON DELETE CASCADE,
    decision    text NOT NULL,      -- e.g. warning, deduction_upheld, lease_review, no_action
    note        text,
    decided_by  text NOT NULL,
    decided_at  timestamptz NOT NULL DEFAULT now()
);

-- A pattern explained on a visit ("not confirmed") stops alerting for a while.
CREATE TABLE IF NOT EXISTS suppressions (
    suppression_id bigserial PRIMARY KEY,
    unit_id        text NOT NULL,
    type           text,            -- alert type; NULL: every type for this unit
    valid_from     date NOT NULL,
    valid_to       date,
    reason         text NOT NULL,
    case_id        bigint REFERENCES cases ON DELETE SET NULL,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS suppressions_unit ON suppressions (unit_id);

-- Resident reports (举报) from the public page; no account, optional contact.
CREATE TABLE IF NOT EXISTS resident_reports (
    report_id   bigserial PRIMARY KEY,
    estate_id   text NOT NULL,
    building_id text NOT NULL,
    unit_id     text,
    category    text NOT NULL,
    body        text NOT NULL,
    contact     text,               -- NULL when anonymous
    client_key  text NOT NULL,      -- keyed hash of the client address: rate limits only
    created_at  timestamptz NOT NULL DEFAULT now(),
    alert_id    bigint REFERENCES alerts ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS resident_reports_client ON resident_reports (client_key, created_at);
CREATE INDEX IF NOT EXISTS resident_reports_estate ON resident_reports (estate_id, created_at);

-- Patrol checkpoints (QR posters) and the scans inspectors make on their rounds.
CREATE TABLE IF NOT EXISTS checkpoints (
    checkpoint_id text PRIMARY KEY,
    estate_id     text NOT NULL REFERENCES estates ON DELETE CASCADE,
    building_id   text,
    grid_id       text,
    name          text NOT NULL,
    ended_on      date
);
CREATE TABLE IF NOT EXISTS patrol_scans (
    scan_id       bigserial PRIMARY KEY,
    checkpoint_id text NOT NULL REFERENCES checkpoints ON DELETE CASCADE,
    estate_id     text NOT NULL,
    user_id       text,             -- NULL when scanned by a gateway's QR reader
    event_id      uuid UNIQUE,      -- the QR event, when it came over MQTT
    scanned_at    timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS patrol_scans_estate ON patrol_scans (estate_id, scanned_at);

-- Outbox of things people are told about: SSE pushes it live, webhooks fan it out.
CREATE TABLE IF NOT EXISTS notifications (
    notification_id bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind            text NOT NULL,  -- alert.opened, alert.escalated, case.confirmed, ...
    estate_id       text,
    grid_id         text,
    body            jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_estate ON notifications (estate_id, notification_id);

CREATE TABLE IF NOT EXISTS webhooks (
    webhook_id bigserial PRIMARY KEY,
    name       text NOT NULL,
    estate_id  text,                -- NULL: every estate
    url        text NOT NULL,
    format     text NOT NULL CHECK (format IN ('json', 'wecom', 'dingtalk')),
    secret     text,                -- DingTalk signing secret / JSON HMAC key
    kinds      text[] NOT NULL DEFAULT '{}',  -- empty: every kind
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    delivery_id     bigserial PRIMARY KEY,
    webhook_id      bigint NOT NULL REFERENCES webhooks ON DELETE CASCADE,
    notification_id bigint NOT NULL REFERENCES notifications ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN
                    ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_at         timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (webhook_id, notification_id)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_at)
    WHERE status = 'pending';

-- Face snapshots uploaded by gateways (the file lives under the snapshot directory).
CREATE TABLE IF NOT EXISTS face_snapshots (
    event_id    uuid PRIMARY KEY,
    estate_id   text NOT NULL,
    gateway_id  text NOT NULL,
    person_id   text,               -- NULL: a stranger (expires after the set period)
    path        text NOT NULL,
    sha256      text NOT NULL,
    taken_at    timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS face_snapshots_person ON face_snapshots (person_id);
CREATE INDEX IF NOT EXISTS face_snapshots_stranger ON face_snapshots (taken_at)
    WHERE person_id IS NULL;

-- What an erasure removed (counts only; never the data).
CREATE TABLE IF NOT EXISTS erasures (
    erasure_id   bigserial PRIMARY KEY,
    person_id    text NOT NULL,
    reason       text NOT NULL CHECK (reason IN ('request', 'after_move_out')),
    requested_by text NOT NULL,
    done_at      timestamptz NOT NULL DEFAULT now(),
    counts       jsonb NOT NULL
);
