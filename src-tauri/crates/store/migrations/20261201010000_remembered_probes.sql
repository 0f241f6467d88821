-- What discovery's probes found (paging, filters) is remembered with the provider's profile:
-- the digest of the documents it was found with (configuration, resource types, schemas, the
-- preset) and when it was probed. A sync with the same documents within a day reuses it
-- instead of probing again; a failed sync forgets it.
ALTER TABLE provider_profiles ADD COLUMN documents_digest TEXT;
ALTER TABLE provider_profiles ADD COLUMN probed_at TEXT;
