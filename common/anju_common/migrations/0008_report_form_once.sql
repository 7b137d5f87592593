-- A resident report form token is good for one report: its nonce is kept with the
-- report it carried, so a script cannot send many reports with one fetched form.
ALTER TABLE resident_reports ADD COLUMN IF NOT EXISTS form_nonce text;
CREATE UNIQUE INDEX IF NOT EXISTS resident_reports_form_nonce
    ON resident_reports (form_nonce) WHERE form_nonce IS NOT NULL;
