-- Why: every company and contact write updates each of these indexes, and importing 100k
-- companies into the 1M database spent most of its time in them (15 company indexes: 4.8 s of
-- B-tree work for the rows alone, measured with plain SQL). They are rebuilt leaner:
--
-- * No `id` column at the end. Lists break ties between equal sort values by the rowid, which
--   every index entry already ends with; the 36-character id doubled the size of most entries,
--   and with it the pages an insert touches. A rowid is local to this database, which is all a
--   page cursor needs.
-- * The region sort reads (region, name): customers of one state by name, the order the region
--   filter already used, so the plain (region) index goes.
-- * Rep, credit-code and parent indexes are partial: most rows have none, and a row without one
--   costs those indexes nothing. `isr_id = ?` implies `isr_id IS NOT NULL`, so filters and
--   foreign-key checks still use them.
-- * No index on `updated_at`: no list sorts by it, and every edit moved its entry.
-- Measured on the benchmark database: the same 90,000-company insert takes 2.3 s instead of 4.8.

DROP INDEX company_name;
DROP INDEX company_region;
DROP INDEX company_city;
DROP INDEX company_country;
DROP INDEX company_updated;
DROP INDEX company_isr;
DROP INDEX company_osr;
DROP INDEX company_credit;
DROP INDEX company_parent;
DROP INDEX company_newest_note;
DROP INDEX company_number;
DROP INDEX company_email;
DROP INDEX company_phone;
DROP INDEX company_region_name;

CREATE INDEX company_name ON company (name COLLATE NOCASE);
CREATE INDEX company_city ON company (city COLLATE NOCASE);
CREATE INDEX company_country ON company (country COLLATE NOCASE);
CREATE INDEX company_region_name ON company (region COLLATE NOCASE, name COLLATE NOCASE);
CREATE INDEX company_isr ON company (isr_id, name COLLATE NOCASE) WHERE isr_id IS NOT NULL;
CREATE INDEX company_osr ON company (osr_id, name COLLATE NOCASE) WHERE osr_id IS NOT NULL;
CREATE INDEX company_credit ON company (credit_code_id, name COLLATE NOCASE) WHERE credit_code_id IS NOT NULL;
CREATE INDEX company_parent ON company (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX company_newest_note ON company (ifnull(newest_note_at, 0));
CREATE INDEX company_number ON company (length(customer_number), customer_number);
CREATE INDEX company_email ON company (email COLLATE NOCASE);
CREATE INDEX company_phone ON company (phone);

DROP INDEX contact_last_name;
DROP INDEX contact_first_name;
DROP INDEX contact_email;
DROP INDEX contact_updated;
DROP INDEX contact_newest_note;
DROP INDEX contact_office_phone;
DROP INDEX contact_job_title;
DROP INDEX contact_region;
DROP INDEX contact_region_name;

CREATE INDEX contact_last_name ON contact (last_name COLLATE NOCASE, first_name COLLATE NOCASE);
CREATE INDEX contact_first_name ON contact (first_name COLLATE NOCASE);
CREATE INDEX contact_email ON contact (email COLLATE NOCASE);
CREATE INDEX contact_newest_note ON contact (ifnull(newest_note_at, 0));
CREATE INDEX contact_office_phone ON contact (office_phone);
CREATE INDEX contact_job_title ON contact (job_title COLLATE NOCASE);
CREATE INDEX contact_region_name ON contact (region COLLATE NOCASE, last_name COLLATE NOCASE, first_name COLLATE NOCASE);
