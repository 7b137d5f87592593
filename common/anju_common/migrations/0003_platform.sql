-- Platform: accounts, scopes, audit, and register additions (end dates, caregivers,
-- approved absences, gateway tokens). Additive only: 0001/0002 stay as they are.

-- Structural records are ended, never deleted: history stays resolvable.
ALTER TABLE estates   ADD COLUMN IF NOT EXISTS ended_on date;
ALTER TABLE buildings ADD COLUMN IF NOT EXISTS ended_on date;
ALTER TABLE entrances ADD COLUMN IF NOT EXISTS ended_on date;
ALTER TABLE grids     ADD COLUMN IF NOT EXISTS ended_on date;
ALTER TABLE units     ADD COLUMN IF NOT EXISTS ended_on date;
ALTER TABLE gateways  ADD COLUMN IF NOT EXISTS ended_on date;
ALTER TABLE devices   ADD COLUMN IF NOT EXISTS ended_on date;
ALTER TABLE grid_staff ADD COLUMN IF NOT EXISTS user_id text;

-- A person's estate of record, so a person without a household yet is still scoped.
ALTER TABLE persons ADD COLUMN IF NOT EXISTS estate_id text REFERENCES estates ON DELETE SET NULL;
CREATE INDEX IF NOT EXISTS persons_estate ON persons (estate_id);

-- Gateways fetch their face gallery with a per-gateway bearer token (SHA-256 stored).
ALTER TABLE gateways ADD COLUMN IF NOT EXISTS token_hash text;

CREATE TABLE IF NOT EXISTS users (
    user_id       text PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'authority', 'manager', 'inspector')),
    password_hash text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    token_version integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Managers hold estates, inspectors hold grids; admin and authority need no rows.
CREATE TABLE IF NOT EXISTS user_scopes (
    user_id text NOT NULL REFERENCES users ON DELETE CASCADE,
    kind    text NOT NULL CHECK (kind IN ('estate', 'grid')),
    ref_id  text NOT NULL,
    PRIMARY KEY (user_id, kind, ref_id)
);

-- Who did or read what, when. Append-only by convention; never holds the data itself.
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id    bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    text NOT NULL,
    actor_role  text NOT NULL,
    action      text NOT NULL,
    target_type text NOT NULL,
    target_id   text,
    estate_id   text,
    detail      jsonb
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at DESC);
CREATE INDEX IF NOT EXISTS audit_log_target ON audit_log (target_type, target_id);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (actor_id, at DESC);

-- A registered caregiver explains a non-member's regular presence at a unit.
CREATE TABLE IF NOT EXISTS caregivers (
    caregiver_id text PRIMARY KEY,
    person_id    text NOT NULL REFERENCES persons ON DELETE CASCADE,
    unit_id      text NOT NULL REFERENCES units ON DELETE CASCADE,
    weekdays     smallint[] NOT NULL DEFAULT '{1,2,3,4,5,6,7}',
    start_time   time,
    end_time     time,
    valid_from   date NOT NULL,
    valid_to     date,
    note         text,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX IF NOT EXISTS caregivers_unit ON caregivers (unit_id);
CREATE INDEX IF NOT EXISTS caregivers_person ON caregivers (person_id);

-- An approved absence explains a household's silence (hospital stay, travel).
CREATE TABLE IF NOT EXISTS absences (
    absence_id   text PRIMARY KEY,
    household_id text NOT NULL REFERENCES households ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('hospital', 'travel', 'other')),
    starts_on    date NOT NULL,
    ends_on      date NOT NULL,
    note         text,
    approved_by  text,
    approved_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX IF NOT EXISTS absences_household ON absences (household_id, starts_on);
