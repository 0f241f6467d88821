-- Records kept compressed (issue 21): each resource's JSON becomes a packed BLOB (zstd with
-- SCIM's vocabulary as its dictionary, see src/cache/packed.rs), about a third of its size,
-- so the database and everything encryption has to encrypt shrink with it. Rows written by
-- earlier versions are packed here; the readers accept both.
UPDATE resources SET raw = scim_pack(raw) WHERE typeof(raw) = 'text';
