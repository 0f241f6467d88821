-- Fewer indexes for a sync to keep up to date (issue 19's ingest): every user a sync writes
-- was inserted into each index of `resources`, in random order.
-- * `resources_external` served no query: filters on externalId are answered by the in-memory
--   column index, and matching reads the columns.
-- * `resources_display` is only ever searched for a group by its name (adding people to a
--   group named in an import). It becomes an index of groups only, so writing a user no longer
--   touches it. A list of users sorted by display name is then sorted once by SQLite when the
--   person first asks for that order (the in-memory order keeps it), instead of walking an
--   index every sync paid for.
DROP INDEX resources_external;
DROP INDEX resources_display;
CREATE INDEX resources_group_name ON resources (snapshot_id, kind, display_name COLLATE NOCASE)
    WHERE kind = 'Group';
