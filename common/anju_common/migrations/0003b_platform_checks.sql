-- A unit's building, entrance and grid must belong to the unit's estate: scope checks
-- trust estate_id and grid_id, so they must not disagree.
CREATE OR REPLACE FUNCTION anju_check_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM buildings b
                   WHERE b.building_id = NEW.building_id AND b.estate_id = NEW.estate_id) THEN
        RAISE EXCEPTION 'building % is not in estate %', NEW.building_id, NEW.estate_id
            USING ERRCODE = 'check_violation', COLUMN = 'building_id';
    END IF;
    IF NEW.grid_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM grids g WHERE g.grid_id = NEW.grid_id AND g.estate_id = NEW.estate_id) THEN
        RAISE EXCEPTION 'grid % is not in estate %', NEW.grid_id, NEW.estate_id
            USING ERRCODE = 'check_violation', COLUMN = 'grid_id';
    END IF;
    IF NEW.entrance_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM entrances e
            WHERE e.entrance_id = NEW.entrance_id AND e.building_id = NEW.building_id) THEN
        RAISE EXCEPTION 'entrance % is not in building %', NEW.entrance_id, NEW.building_id
            USING ERRCODE = 'check_violation', COLUMN = 'entrance_id';
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS units_consistent ON units;
CREATE TRIGGER units_consistent BEFORE INSERT OR UPDATE ON units
    FOR EACH ROW EXECUTE FUNCTION anju_check_unit();
