-- Why: the rest of the customer record of seed 001 and the search that keeps the customer list
-- instant at a million rows.
--
-- Companies get ship-to addresses (one default), tags and a parent company (account hierarchy).
-- Contacts get an address, consent flags, extra labelled emails and phones, and a role on each
-- company link. The existing primary email and phone columns stay: the lists show them and
-- dedupe matches on them.
--
-- Search uses a token table rather than FTS5. A 2-letter prefix can match 100,000 rows, and FTS5
-- has to rank all of them before it returns the best 50. A B-tree over (entity, tier, token)
-- returns the first 50 in rank order straight from the index (see ARCHITECTURE.md, "Search").

ALTER TABLE company ADD COLUMN parent_id TEXT REFERENCES company (id) ON DELETE SET NULL;
CREATE INDEX company_parent ON company (parent_id);

-- Derived (never logged): the name reduced for duplicate detection ("ACME, Inc." -> "acme").
ALTER TABLE company ADD COLUMN dedupe_key TEXT NOT NULL DEFAULT '';
CREATE INDEX company_dedupe ON company (dedupe_key, postcode);
ALTER TABLE contact ADD COLUMN dedupe_key TEXT NOT NULL DEFAULT '';

-- NULL newest-note dates sort first as 0. Keyset paging compares row values, and a NULL in a
-- row value matches nothing, so the sort key must never be NULL.
DROP INDEX company_newest_note;
CREATE INDEX company_newest_note ON company (ifnull(newest_note_at, 0), id);
DROP INDEX contact_newest_note;
CREATE INDEX contact_newest_note ON contact (ifnull(newest_note_at, 0), id);
CREATE INDEX company_number ON company (length(customer_number), customer_number, id);
CREATE INDEX company_email ON company (email COLLATE NOCASE, id);
CREATE INDEX company_phone ON company (phone, id);
CREATE INDEX contact_office_phone ON contact (office_phone, id);
CREATE INDEX contact_job_title ON contact (job_title COLLATE NOCASE, id);

CREATE TABLE ship_to (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES company (id) ON DELETE CASCADE,
    label      TEXT NOT NULL CHECK (label <> ''),
    street     TEXT NOT NULL DEFAULT '',
    city       TEXT NOT NULL DEFAULT '',
    postcode   TEXT NOT NULL DEFAULT '',
    region     TEXT NOT NULL DEFAULT '',
    country    TEXT NOT NULL DEFAULT '',
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX ship_to_company ON ship_to (company_id);
-- At most one default per company. The core clears the old default in the same transaction.
CREATE UNIQUE INDEX ship_to_one_default ON ship_to (company_id) WHERE is_default = 1;

CREATE TABLE tag (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE company_tag (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES company (id) ON DELETE CASCADE,
    tag_id     TEXT NOT NULL REFERENCES tag (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tag_id, company_id)
) STRICT;
CREATE INDEX company_tag_company ON company_tag (company_id);

ALTER TABLE contact ADD COLUMN street TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN postcode TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE contact ADD COLUMN country TEXT NOT NULL DEFAULT '';
-- Consent to be contacted, as the person gave it. The change log keeps when and by whom it changed.
ALTER TABLE contact ADD COLUMN email_consent INTEGER NOT NULL DEFAULT 0 CHECK (email_consent IN (0, 1));
ALTER TABLE contact ADD COLUMN sms_consent INTEGER NOT NULL DEFAULT 0 CHECK (sms_consent IN (0, 1));
CREATE INDEX contact_region ON contact (region COLLATE NOCASE, id);
CREATE INDEX contact_dedupe ON contact (dedupe_key, postcode);

-- Further emails and phones of a contact, each with a label.
CREATE TABLE contact_channel (
    id          TEXT PRIMARY KEY,
    contact_id  TEXT NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    label       TEXT NOT NULL CHECK (label IN ('work', 'home', 'office', 'mobile', 'fax', 'other')),
    value       TEXT NOT NULL CHECK (value <> ''),
    sms_capable INTEGER NOT NULL DEFAULT 0 CHECK (sms_capable IN (0, 1)),
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX contact_channel_contact ON contact_channel (contact_id, position);

ALTER TABLE contact_company ADD COLUMN role TEXT NOT NULL DEFAULT '';

-- The search index: normalised tokens (lower case, accents removed, phones as digits) of every
-- searchable field, with a tier that ranks them. Tier 0 is the whole name, tier 1 the name from
-- its second, third... word on, tier 2 numbers, emails and phones. Derived and local: rebuilt by
-- the core from the rows on every replica, never logged.
CREATE TABLE search_token (
    entity TEXT NOT NULL,
    tier   INTEGER NOT NULL,
    token  TEXT NOT NULL,
    row_id TEXT NOT NULL,
    PRIMARY KEY (entity, tier, token, row_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX search_token_row ON search_token (row_id);
