-- Why: the lead list sorts by any column, including the customer, program, source and assigned
-- user, whose names live in other tables. A sort over a joined name cannot read an index, so at
-- a million leads every page would sort them all. The names are copied onto the lead as derived
-- columns (kept by the core's write path when a lead or the named record changes; never logged),
-- each with an index, like the title and the weighted value (value x probability).

ALTER TABLE lead ADD COLUMN company_name TEXT NOT NULL DEFAULT '';
ALTER TABLE lead ADD COLUMN program_name TEXT NOT NULL DEFAULT '';
ALTER TABLE lead ADD COLUMN source_name TEXT NOT NULL DEFAULT '';
ALTER TABLE lead ADD COLUMN assigned_name TEXT NOT NULL DEFAULT '';

UPDATE lead SET
    company_name = ifnull((SELECT name FROM company WHERE id = lead.company_id), ''),
    program_name = ifnull((SELECT name FROM lead_program WHERE id = lead.program_id), ''),
    source_name = ifnull((SELECT name FROM lead_source WHERE id = lead.source_id), ''),
    assigned_name = ifnull((SELECT name FROM app_user WHERE id = lead.assigned_id), '');

CREATE INDEX lead_company_name ON lead (company_name COLLATE NOCASE, id);
CREATE INDEX lead_program_name ON lead (program_name COLLATE NOCASE, id);
CREATE INDEX lead_source_name ON lead (source_name COLLATE NOCASE, id);
CREATE INDEX lead_assigned_name ON lead (assigned_name COLLATE NOCASE, id);
CREATE INDEX lead_title ON lead (title COLLATE NOCASE, id);
CREATE INDEX lead_weighted ON lead (value_cents * probability, id);
