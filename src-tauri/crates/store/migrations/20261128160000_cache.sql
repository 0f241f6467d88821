-- The cached directory: complete, consistent snapshots of each provider.

-- The capability profile detected for a provider, and the person's overrides.
CREATE TABLE provider_profiles (
    provider_id INTEGER PRIMARY KEY REFERENCES providers(id) ON DELETE CASCADE,
    preset      TEXT NOT NULL DEFAULT 'generic',
    profile     TEXT NOT NULL,          -- CapabilityProfile as JSON
    overrides   TEXT NOT NULL DEFAULT '{}',
    notes       TEXT NOT NULL DEFAULT '[]',
    detected_at TEXT NOT NULL
);

-- One pull of a provider. A snapshot row exists only once its sync committed: a failed,
-- killed or cancelled sync rolls back and leaves no trace.
CREATE TABLE snapshots (
    id           INTEGER PRIMARY KEY,
    provider_id  INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    users        INTEGER NOT NULL,
    groups       INTEGER NOT NULL,
    memberships  INTEGER NOT NULL,
    -- 1 when every read finished: only complete snapshots may justify deletes.
    complete     INTEGER NOT NULL,
    discovery    TEXT NOT NULL DEFAULT '{}'  -- ServiceProviderConfig, ResourceTypes, Schemas
);
CREATE INDEX snapshots_by_provider ON snapshots (provider_id, id);

-- Resources of a snapshot: the JSON as received plus the columns the views sort and filter on.
CREATE TABLE resources (
    rowid         INTEGER PRIMARY KEY,
    snapshot_id   INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('User', 'Group')),
    id            TEXT NOT NULL,
    external_id   TEXT,
    user_name     TEXT,
    display_name  TEXT,
    given_name    TEXT,
    family_name   TEXT,
    email         TEXT,
    department    TEXT,
    title         TEXT,
    active        INTEGER,
    manager_id    TEXT,
    last_modified TEXT,
    version       TEXT,
    raw           TEXT NOT NULL
);
CREATE UNIQUE INDEX resources_key ON resources (snapshot_id, kind, id);
CREATE INDEX resources_user_name ON resources (snapshot_id, kind, user_name COLLATE NOCASE);
CREATE INDEX resources_display ON resources (snapshot_id, kind, display_name COLLATE NOCASE);
CREATE INDEX resources_external ON resources (snapshot_id, kind, external_id);

-- Group memberships of a snapshot.
CREATE TABLE memberships (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    group_id    TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    member_type TEXT,
    PRIMARY KEY (snapshot_id, group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX memberships_by_member ON memberships (snapshot_id, member_id);

-- Full-text search over names, userName, emails, displayName and department.
CREATE VIRTUAL TABLE resources_fts USING fts5(
    user_name, display_name, given_name, family_name, email, department,
    content = 'resources', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, user_name, display_name, given_name,
                               family_name, email, department)
    VALUES ('delete', old.rowid, old.user_name, old.display_name, old.given_name,
            old.family_name, old.email, old.department);
END;

-- Every write made through the app or the CLI.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    os_user       TEXT NOT NULL,
    provider      TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    resource_id   TEXT,
    operation     TEXT NOT NULL,
    before        TEXT,
    after         TEXT,
    http_status   INTEGER
);
CREATE INDEX audit_by_resource ON audit_log (provider, resource_kind, resource_id);
