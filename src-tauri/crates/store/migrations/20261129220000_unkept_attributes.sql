-- Attributes a provider accepted in a write (2xx) but did not keep: per provider, resource kind
-- and attribute path ("title", "emails.type", "urn:...:User:department"), how many records it
-- happened to and when first and last seen. Plans leave out changes that cannot stick, verify
-- lists them apart from real differences; `provider relearn` forgets them.
CREATE TABLE provider_unkept (
    provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('User', 'Group')),
    path        TEXT NOT NULL,
    records     INTEGER NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    PRIMARY KEY (provider_id, kind, path)
) WITHOUT ROWID;
