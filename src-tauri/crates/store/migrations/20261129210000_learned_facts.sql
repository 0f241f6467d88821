-- What SCIM Desk learned about a provider from how it answered, not from its documents (a PATCH
-- refused as not supported although /ServiceProviderConfig says it is, ...): one row per fact,
-- with the answer that taught it and when. Used from then on; `provider relearn` forgets them.
CREATE TABLE provider_learned (
    provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    fact        TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    learned_at  TEXT NOT NULL,
    PRIMARY KEY (provider_id, fact)
) WITHOUT ROWID;
