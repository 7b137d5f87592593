-- Strangers seen at a building's entrances that no flat is linked to (issue 16 item 1,
-- building level): one row per entrance (else building), local day and stranger cluster. Detection
-- sets them against the flats of the building whose households stopped appearing and
-- against the members whose entries they follow. Derived data: a re-run from a day
-- deletes and recomputes its rows (like detect_presence); erasing a cluster's faces
-- deletes its rows with them.
CREATE TABLE IF NOT EXISTS detect_building_sightings (
    estate_id   text NOT NULL,
    place_id    text NOT NULL,            -- the entrance (stairwell), else the building
    day         date NOT NULL,
    identity    text NOT NULL,            -- stranger cluster 'u-...'
    n_in        integer NOT NULL,
    last_in     boolean NOT NULL,         -- the day's last passage was an entry
    last_hour   smallint NOT NULL,        -- local hour of the day's last passage
    followed    text,                     -- the flat whose member it came in behind
    first_seen  date NOT NULL,            -- the cluster's first sighting (local day)
    event_ids   uuid[] NOT NULL,
    PRIMARY KEY (place_id, day, identity)
);
CREATE INDEX IF NOT EXISTS detect_building_sightings_estate_day
    ON detect_building_sightings (estate_id, day);
