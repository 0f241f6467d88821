-- Configured SCIM service providers. Secrets are NOT here: `secret_ref` names a keyring entry.
CREATE TABLE providers (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    base_url        TEXT NOT NULL,
    auth_kind       TEXT NOT NULL CHECK (auth_kind IN ('none', 'bearer', 'basic', 'oauth2')),
    username        TEXT,
    secret_ref      TEXT,
    tls_skip_verify INTEGER NOT NULL DEFAULT 0,
    -- 1 when the provider was set up by "Try the demo providers" (local reference servers).
    is_demo         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    last_sync_at    TEXT
);

-- Small key/value settings of the app (window state, preferences).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
