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
