-- Welfare as a care task (issue 16 item 8): an `elderly_not_seen` alert becomes a care
-- task (phone first, visit if nobody answers, the outcome recorded), not an inspection
-- case; it is counted apart from violation alerts. Absences residents or families report
-- (the poster's form, or a phone call staff enter) wait for staff to confirm them before
-- they become approved absences. Additive only.

CREATE TABLE IF NOT EXISTS care_tasks (
    task_id     bigserial PRIMARY KEY,
    alert_id    bigint NOT NULL UNIQUE REFERENCES alerts ON DELETE CASCADE,
    estate_id   text NOT NULL,
    grid_id     text,
    unit_id     text,
    assignee_id text REFERENCES users ON DELETE SET NULL,
    -- call: phone first; visit: nobody answered; done: a person recorded the outcome;
    -- seen: closed by itself (the tenant was seen again, or an absence was approved)
    status      text NOT NULL DEFAULT 'call' CHECK (status IN ('call', 'visit', 'done', 'seen')),
    result      text CHECK (result IN ('fine', 'needed_help', 'away', 'reported')),
    due_at      timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    closed_at   timestamptz
);
CREATE INDEX IF NOT EXISTS care_tasks_estate ON care_tasks (estate_id, status, created_at);
CREATE INDEX IF NOT EXISTS care_tasks_assignee ON care_tasks (assignee_id, status);

-- Each phone call or visit and what it found.
CREATE TABLE IF NOT EXISTS care_contacts (
    contact_id bigserial PRIMARY KEY,
    task_id    bigint NOT NULL REFERENCES care_tasks ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('phone', 'visit')),
    result     text NOT NULL CHECK (result IN
               ('fine', 'needed_help', 'away', 'reported', 'no_answer')),
    notes      text,
    user_id    text NOT NULL,
    at         timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS care_contacts_task ON care_contacts (task_id);

-- An absence reported by a resident or a family (the poster's form) or by phone (staff
-- entered it). Confirmed by staff: an approved absence (absences.absence_id) is written.
CREATE TABLE IF NOT EXISTS absence_reports (
    report_id    bigserial PRIMARY KEY,
    estate_id    text NOT NULL,
    unit_id      text NOT NULL,
    grid_id      text,
    household_id text REFERENCES households ON DELETE CASCADE,
    source       text NOT NULL CHECK (source IN ('resident', 'phone')),
    starts_on    date NOT NULL,
    ends_on      date NOT NULL,
    note         text,
    contact      text,              -- personal data: a phone or name to call back
    resident_report_id bigint REFERENCES resident_reports ON DELETE SET NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN
                 ('pending', 'confirmed', 'rejected')),
    created_by   text NOT NULL,     -- 'public' for the poster's form
    created_at   timestamptz NOT NULL DEFAULT now(),
    decided_by   text,
    decided_at   timestamptz,
    absence_id   text REFERENCES absences ON DELETE SET NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX IF NOT EXISTS absence_reports_estate ON absence_reports (estate_id, status, created_at);
