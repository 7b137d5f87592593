-- Why a household's tenancy ended (issue 16 item 4): an eviction is told apart from an
-- ordinary move-out explicitly, not by whether the credentials were revoked. Evicted
-- members' face enrolments are then kept on a watch list for a configured period
-- (ANJU_DETECT_EVICTED_WATCH_DAYS; docs/privacy.md) to recognise a return.
ALTER TABLE households ADD COLUMN IF NOT EXISTS end_reason text;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'households_end_reason_check') THEN
        ALTER TABLE households ADD CONSTRAINT households_end_reason_check
            CHECK (end_reason IN ('moved_out', 'evicted', 'other'));
    END IF;
END $$;
