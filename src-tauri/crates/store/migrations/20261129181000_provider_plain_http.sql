-- Plain http to a host other than this computer is refused unless the person switched it on
-- for this provider (shown as NOT ENCRYPTED). Existing providers start with it off: one that
-- used http to another host is refused with words saying how to switch it on.
ALTER TABLE providers ADD COLUMN allow_plain_http INTEGER NOT NULL DEFAULT 0;
