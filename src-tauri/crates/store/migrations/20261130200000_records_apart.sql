-- Each record's JSON in a table of its own (issue 19): the resource rows keep only the columns
-- the views sort, filter and search on. Scanning a copy's rows (building the in-memory column
-- index) then reads compact rows, so the wide covering index `resources_scan` that served
-- those scans can go: every sync inserted each user into it, in random order, and at
-- 1,000,000 users its pages no longer fitted the writer's cache. The user-name order keeps a
-- narrow index of its own, which the window's first rows and a jump far down a list walk.
CREATE TABLE resource_records (
    rowid INTEGER PRIMARY KEY,   -- the resource's rowid
    raw   BLOB NOT NULL          -- the record, packed (src/cache/packed.rs)
);
INSERT INTO resource_records (rowid, raw) SELECT rowid, raw FROM resources;
ALTER TABLE resources DROP COLUMN raw;

DROP INDEX resources_scan;
CREATE INDEX resources_user_name ON resources (snapshot_id, kind, user_name COLLATE NOCASE);

-- A resource removed (a sync's delete, a snapshot dropped with its rows) takes its record.
CREATE TRIGGER resources_record_delete AFTER DELETE ON resources BEGIN
    DELETE FROM resource_records WHERE rowid = old.rowid;
END;
