-- Failed logins by account and address, for login throttling (issue 15 item 10). Rows
-- older than the counting window are deleted as new ones arrive; the audit log keeps
-- the history. Names are stored truncated (a login form can carry a megabyte).
CREATE TABLE IF NOT EXISTS login_failures (
    user_id text NOT NULL,
    address text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS login_failures_account ON login_failures (user_id, address, at);
CREATE INDEX IF NOT EXISTS login_failures_address ON login_failures (address, at);
