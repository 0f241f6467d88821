-- The newest meta.lastModified a sync read from the provider (in the provider's own clock): the
-- next incremental sync asks for what changed since then. It is kept apart from the records'
-- own values because edits made through SCIM Desk update records of the copy in place, and a
-- record written after the read would otherwise hide the records other writes changed between.
ALTER TABLE snapshots ADD COLUMN read_mark TEXT;
