-- Register: who is entitled to live where, and the devices that watch the doors.
-- Ids are text: they come from estate offices' own registers and appear in MQTT topics.

CREATE TABLE IF NOT EXISTS estates (
    estate_id      text PRIMARY KEY,
    name           text NOT NULL,
    city           text,
    housing_office text,
    address        text,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS buildings (
    building_id text PRIMARY KEY,
    estate_id   text NOT NULL REFERENCES estates ON DELETE CASCADE,
    name        text NOT NULL,
    floors      integer
);
CREATE INDEX IF NOT EXISTS buildings_estate ON buildings (estate_id);

CREATE TABLE IF NOT EXISTS entrances (
    entrance_id text PRIMARY KEY,
    building_id text NOT NULL REFERENCES buildings ON DELETE CASCADE,
    name        text NOT NULL
);

-- A grid: about 200 households with named staff (Guangzhou practice).
CREATE TABLE IF NOT EXISTS grids (
    grid_id   text PRIMARY KEY,
    estate_id text NOT NULL REFERENCES estates ON DELETE CASCADE,
    name      text NOT NULL
);

CREATE TABLE IF NOT EXISTS grid_staff (
    grid_id  text NOT NULL REFERENCES grids ON DELETE CASCADE,
    staff_id text NOT NULL,
    name     text NOT NULL,
    role     text NOT NULL DEFAULT 'inspector',
    PRIMARY KEY (grid_id, staff_id)
);

CREATE TABLE IF NOT EXISTS units (
    unit_id     text PRIMARY KEY,
    estate_id   text NOT NULL REFERENCES estates ON DELETE CASCADE,
    building_id text NOT NULL REFERENCES buildings ON DELETE CASCADE,
    entrance_id text REFERENCES entrances ON DELETE SET NULL,
    grid_id     text REFERENCES grids ON DELETE SET NULL,
    floor       integer,
    number      text NOT NULL,
    area_m2     numeric(7, 2),
    rooms       integer
);
CREATE INDEX IF NOT EXISTS units_estate ON units (estate_id);
CREATE INDEX IF NOT EXISTS units_grid ON units (grid_id);

-- A household holds one unit for a lease period; move_out closes it.
CREATE TABLE IF NOT EXISTS households (
    household_id text PRIMARY KEY,
    unit_id      text NOT NULL REFERENCES units ON DELETE CASCADE,
    lease_start  date NOT NULL,
    lease_end    date,
    move_in      date,
    move_out     date,
    CHECK (move_out IS NULL OR move_in IS NULL OR move_out >= move_in)
);
CREATE INDEX IF NOT EXISTS households_unit ON households (unit_id);

-- Personal data kept to what inspection needs: no ID-card number, no phone here.
CREATE TABLE IF NOT EXISTS persons (
    person_id  text PRIMARY KEY,
    name       text NOT NULL,
    birth_year integer,
    gender     text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS household_members (
    household_id text NOT NULL REFERENCES households ON DELETE CASCADE,
    person_id    text NOT NULL REFERENCES persons ON DELETE CASCADE,
    role         text NOT NULL CHECK (role IN ('lease_holder', 'member')),
    valid_from   date NOT NULL,
    valid_to     date,
    PRIMARY KEY (household_id, person_id, valid_from)
);
CREATE INDEX IF NOT EXISTS household_members_person ON household_members (person_id);

-- Cards (ref = HMAC hex of the number with the estate key), tenant QR identities,
-- face enrollments (ref = enrollment id) and PINs, each with a validity period.
CREATE TABLE IF NOT EXISTS credentials (
    credential_id text PRIMARY KEY,
    person_id     text REFERENCES persons ON DELETE CASCADE,
    estate_id     text NOT NULL REFERENCES estates ON DELETE CASCADE,
    type          text NOT NULL CHECK (type IN ('card', 'qr', 'face', 'pin')),
    ref           text NOT NULL,
    valid_from    timestamptz NOT NULL,
    valid_to      timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX IF NOT EXISTS credentials_ref ON credentials (estate_id, type, ref);
CREATE INDEX IF NOT EXISTS credentials_person ON credentials (person_id);

-- Face data is sensitive: only with separate consent, erasable.
CREATE TABLE IF NOT EXISTS face_enrollments (
    enrollment_id text PRIMARY KEY,
    person_id     text NOT NULL REFERENCES persons ON DELETE CASCADE,
    estate_id     text NOT NULL REFERENCES estates ON DELETE CASCADE,
    embedding     real[] NOT NULL CHECK (cardinality(embedding) = 128),
    consent_at    timestamptz NOT NULL,
    consent_ref   text NOT NULL,
    photo_path    text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS face_enrollments_person ON face_enrollments (person_id);

CREATE TABLE IF NOT EXISTS gateways (
    gateway_id    text PRIMARY KEY,
    estate_id     text NOT NULL REFERENCES estates ON DELETE CASCADE,
    name          text,
    mqtt_username text UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS gateways_estate ON gateways (estate_id);

CREATE TABLE IF NOT EXISTS devices (
    device_id   text PRIMARY KEY,
    gateway_id  text NOT NULL REFERENCES gateways ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('door', 'camera', 'qr_scanner')),
    building_id text REFERENCES buildings ON DELETE SET NULL,
    entrance_id text REFERENCES entrances ON DELETE SET NULL,
    door_id     text,
    name        text
);
CREATE INDEX IF NOT EXISTS devices_gateway ON devices (gateway_id);

-- Latest status and heartbeat per gateway, kept by ingest.
CREATE TABLE IF NOT EXISTS gateway_state (
    gateway_id      text PRIMARY KEY,
    estate_id       text NOT NULL,
    state           text NOT NULL DEFAULT 'unknown',
    version         text,
    state_time      timestamptz,
    heartbeat_time  timestamptz,
    uptime_s        double precision,
    queue_depth     integer,
    dropped         bigint,
    devices         jsonb,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
