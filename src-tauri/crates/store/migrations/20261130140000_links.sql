-- Links: a saved, scoped, repeatable migration from one provider to another. The settings (the
-- scope, mapping rules, what to do with target-only records and records leaving the scope,
-- protected names, guard rails, schedule) are one JSON document the engine reads and checks.
CREATE TABLE links (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    source_id  INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    target_id  INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    settings   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (source_id <> target_id)
);

-- Every run of a link: how it ended, its counts, failures and plan (JSON), and the migration
-- journal of its writes (a run killed mid-way is resumed from that journal).
CREATE TABLE link_runs (
    id           INTEGER PRIMARY KEY,
    link_id      INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    outcome      TEXT NOT NULL
                 CHECK (outcome IN ('running', 'completed', 'unverified', 'stopped', 'failed',
                                    'dry_run')),
    migration_id INTEGER REFERENCES migrations(id) ON DELETE SET NULL,
    summary      TEXT NOT NULL
);
CREATE INDEX link_runs_link ON link_runs (link_id, id);

-- The target records a link created or matched, by source id: a record that leaves the scope
-- later is known to be one the link brought (and is handled as the link says), unlike records
-- the target made itself.
CREATE TABLE link_records (
    link_id   INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('User', 'Group')),
    source_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    label     TEXT NOT NULL,
    PRIMARY KEY (link_id, kind, source_id)
) WITHOUT ROWID;
