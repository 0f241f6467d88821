-- Migration runs: the plan, the state of each operation, and the ID map. An operation is
-- marked 'sent' (committed) before its request goes out, so after a crash the operations
-- in doubt are known and settled by reading the target instead of being sent twice.
CREATE TABLE migrations (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    target      TEXT NOT NULL,
    plan        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT
);

CREATE TABLE migration_ops (
    migration_id INTEGER NOT NULL REFERENCES migrations(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    op           TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    label        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'done', 'failed')),
    target_id    TEXT,
    message      TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (migration_id, seq)
) WITHOUT ROWID;

CREATE TABLE migration_ids (
    migration_id INTEGER NOT NULL REFERENCES migrations(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('User', 'Group')),
    source_id    TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    external_id  TEXT,
    PRIMARY KEY (migration_id, kind, source_id)
) WITHOUT ROWID;
