-- Console (issue 17): evidence notes as a code with parameters, so each reader gets
-- them in their language (the English note stays for older readers and rows); a phone
-- number per person, shown only to the inspector assigned to a case at their flat.
ALTER TABLE alert_evidence ADD COLUMN IF NOT EXISTS code text;
ALTER TABLE alert_evidence ADD COLUMN IF NOT EXISTS params jsonb;
ALTER TABLE persons ADD COLUMN IF NOT EXISTS phone text;
