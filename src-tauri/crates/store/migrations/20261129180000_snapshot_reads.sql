-- How each read of a snapshot ended: a JSON list of {what, end, read, announced}. A snapshot is
-- complete (the `complete` column) only when every read reached what the provider announced;
-- earlier versions marked every snapshot complete whatever its reads did, so those are re-labelled
-- incomplete with no reads recorded ("not known") and never justify a deletion or deactivation.
ALTER TABLE snapshots ADD COLUMN reads TEXT NOT NULL DEFAULT '[]';
UPDATE snapshots SET complete = 0;
