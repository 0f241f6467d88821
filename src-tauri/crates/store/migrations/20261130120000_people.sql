-- One person across every provider. The matching rules (externalId, then userName, then the
-- primary e-mail) link accounts from the copies; what the person decided about two accounts
-- (the same person, or not) is kept here and wins over the rules. A pair is stored once, the
-- smaller (provider, account) first.
CREATE TABLE person_decisions (
    provider_a INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    account_a  TEXT NOT NULL,
    provider_b INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    account_b  TEXT NOT NULL,
    decision   TEXT NOT NULL CHECK (decision IN ('link', 'unlink')),
    decided_at TEXT NOT NULL,
    os_user    TEXT NOT NULL,
    PRIMARY KEY (provider_a, account_a, provider_b, account_b)
) WITHOUT ROWID;
CREATE INDEX person_decisions_b ON person_decisions (provider_b, account_b);

-- Providers whose values are the truth for people (the HR directory): a person's page compares
-- the other accounts with theirs, and drift is "make these match" that provider.
ALTER TABLE providers ADD COLUMN source_of_truth INTEGER NOT NULL DEFAULT 0;

-- Runs across a person's accounts (offboarding, onboarding, one edit everywhere): the plan, each
-- step's state, and the evidence written at the end. A step is marked 'sent' (committed) before
-- its request goes out, so after a kill the steps in doubt are settled by reading the provider,
-- never sent twice.
CREATE TABLE person_runs (
    id              INTEGER PRIMARY KEY,
    action          TEXT NOT NULL CHECK (action IN ('offboard', 'onboard', 'set')),
    person_id       TEXT NOT NULL,
    person_name     TEXT NOT NULL,
    plan            TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    evidence        TEXT,
    evidence_sha256 TEXT
);

CREATE TABLE person_run_steps (
    run_id     INTEGER NOT NULL REFERENCES person_runs(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    provider   TEXT NOT NULL,
    account_id TEXT NOT NULL,
    step       TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'done', 'failed')),
    result     TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
