-- More columns for the list views, the export and the quick search: the first (or primary)
-- phone number, every phone number as digits only (the quick search finds "555 0100" in
-- "+1 (555) 010-0100"), the employee number, cost center and city. The search index gains the
-- employee number and the cost center, and is rebuilt from the rows.
ALTER TABLE resources ADD COLUMN phone TEXT;
ALTER TABLE resources ADD COLUMN phone_digits TEXT;
ALTER TABLE resources ADD COLUMN employee_number TEXT;
ALTER TABLE resources ADD COLUMN cost_center TEXT;
ALTER TABLE resources ADD COLUMN locality TEXT;

UPDATE resources SET
    employee_number = json_extract(raw,
        '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".employeeNumber'),
    cost_center = json_extract(raw,
        '$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".costCenter'),
    phone = (SELECT json_extract(p.value, '$.value') FROM json_each(resources.raw, '$.phoneNumbers') p
              WHERE json_type(p.value, '$.value') = 'text'
              ORDER BY coalesce(json_extract(p.value, '$.primary'), 0) DESC, p.key LIMIT 1),
    phone_digits = (SELECT group_concat(
                        replace(replace(replace(replace(replace(replace(
                            json_extract(p.value, '$.value'),
                            ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''),
                        char(10))
                      FROM json_each(resources.raw, '$.phoneNumbers') p
                     WHERE json_type(p.value, '$.value') = 'text'),
    locality = (SELECT json_extract(a.value, '$.locality') FROM json_each(resources.raw, '$.addresses') a
                 WHERE json_type(a.value, '$.locality') = 'text'
                 ORDER BY coalesce(json_extract(a.value, '$.primary'), 0) DESC, a.key LIMIT 1)
 WHERE kind = 'User' AND json_valid(raw);

DROP TRIGGER resources_fts_delete;
DROP TABLE resources_fts;
CREATE VIRTUAL TABLE resources_fts USING fts5(
    user_name, display_name, given_name, family_name, email, department, employee_number,
    cost_center,
    content = 'resources', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, user_name, display_name, given_name,
                               family_name, email, department, employee_number, cost_center)
    VALUES ('delete', old.rowid, old.user_name, old.display_name, old.given_name,
            old.family_name, old.email, old.department, old.employee_number, old.cost_center);
END;
INSERT INTO resources_fts (resources_fts) VALUES ('rebuild');
