-- Why: the full customer record of the seeds (001 Customer Management): users who act as sales
-- reps and note authors, editable code lists (terms codes, credit codes with their behaviour,
-- note types), the commercial fields of a company, and notes as a knowledge base with full-text
-- search and a denormalised newest-note date per company and contact.
--
-- Seeded code-list rows have fixed ids, identical on every device, so that two laptops that sync
-- later do not end up with two "Credit Hold" codes. They are written by this migration, not by the
-- change log: every replica runs the same migration.

CREATE TABLE app_user (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL CHECK (name <> ''),
    email      TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE terms_code (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE CHECK (code <> ''),
    description TEXT NOT NULL DEFAULT '',
    -- Days until an invoice is due under these terms; the company's payment period defaults to it.
    days        INTEGER NOT NULL DEFAULT 0 CHECK (days >= 0),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE credit_code (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE CHECK (code <> ''),
    description TEXT NOT NULL DEFAULT '',
    -- normal: transact freely; approval: transactions wait for approval; warn: show a warning;
    -- block: no order entry.
    behaviour   TEXT NOT NULL CHECK (behaviour IN ('normal', 'approval', 'warn', 'block')),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE note_type (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

INSERT INTO terms_code (id, code, description, days, created_at, updated_at) VALUES
    ('00000000-0000-7000-8000-000000000101', 'COD', 'Cash on delivery', 0, 0, 0),
    ('00000000-0000-7000-8000-000000000102', 'NET15', 'Net 15 days', 15, 0, 0),
    ('00000000-0000-7000-8000-000000000103', 'NET30', 'Net 30 days', 30, 0, 0),
    ('00000000-0000-7000-8000-000000000104', 'NET60', 'Net 60 days', 60, 0, 0);

INSERT INTO credit_code (id, code, description, behaviour, created_at, updated_at) VALUES
    ('00000000-0000-7000-8000-000000000201', 'Current', 'Current account: normal transactions', 'normal', 0, 0),
    ('00000000-0000-7000-8000-000000000202', 'New Account', 'Transactions need approval', 'approval', 0, 0),
    ('00000000-0000-7000-8000-000000000203', 'Past Due', 'Unresolved balance: warn before transacting', 'warn', 0, 0),
    ('00000000-0000-7000-8000-000000000204', 'Credit Hold', 'Order entry is blocked', 'block', 0, 0);

INSERT INTO note_type (id, name, created_at, updated_at) VALUES
    ('00000000-0000-7000-8000-000000000301', 'Call', 0, 0),
    ('00000000-0000-7000-8000-000000000302', 'Meeting', 0, 0),
    ('00000000-0000-7000-8000-000000000303', 'Email', 0, 0),
    ('00000000-0000-7000-8000-000000000304', 'Follow-up', 0, 0),
    ('00000000-0000-7000-8000-000000000305', 'General', 0, 0);

ALTER TABLE company ADD COLUMN terms_code_id TEXT REFERENCES terms_code (id);
ALTER TABLE company ADD COLUMN credit_code_id TEXT REFERENCES credit_code (id);
-- Money is integer minor units (cents), never floating point.
ALTER TABLE company ADD COLUMN credit_limit_cents INTEGER CHECK (credit_limit_cents >= 0);
ALTER TABLE company ADD COLUMN payment_days INTEGER CHECK (payment_days >= 0);
ALTER TABLE company ADD COLUMN price_code TEXT NOT NULL DEFAULT '';
-- Basis points: 250 = 2.50 %.
ALTER TABLE company ADD COLUMN invoice_discount_bp INTEGER NOT NULL DEFAULT 0 CHECK (invoice_discount_bp BETWEEN 0 AND 10000);
ALTER TABLE company ADD COLUMN isr_id TEXT REFERENCES app_user (id);
ALTER TABLE company ADD COLUMN osr_id TEXT REFERENCES app_user (id);
-- Derived: recomputed from `note` on every replica, so never in the change log.
ALTER TABLE company ADD COLUMN newest_note_at INTEGER;
ALTER TABLE contact ADD COLUMN newest_note_at INTEGER;

CREATE INDEX company_isr ON company (isr_id, name COLLATE NOCASE, id);
CREATE INDEX company_osr ON company (osr_id, name COLLATE NOCASE, id);
CREATE INDEX company_credit ON company (credit_code_id, name COLLATE NOCASE, id);
CREATE INDEX company_newest_note ON company (newest_note_at, id);
CREATE INDEX contact_newest_note ON contact (newest_note_at, id);

-- A note is about one record of any kind (company and contact now; leads, tasks, orders later).
CREATE TABLE note (
    id            TEXT PRIMARY KEY,
    subject_table TEXT NOT NULL CHECK (subject_table IN ('company', 'contact')),
    subject_id    TEXT NOT NULL,
    note_type_id  TEXT REFERENCES note_type (id),
    author_id     TEXT REFERENCES app_user (id),
    body          TEXT NOT NULL CHECK (body <> ''),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX note_subject ON note (subject_table, subject_id, created_at);

-- Full-text index over note bodies, kept current by triggers (a local index: every replica
-- maintains its own, for local and synced writes alike).
CREATE VIRTUAL TABLE note_fts USING fts5 (body, content = 'note', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER note_fts_insert AFTER INSERT ON note BEGIN
    INSERT INTO note_fts (rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER note_fts_delete AFTER DELETE ON note BEGIN
    INSERT INTO note_fts (note_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
CREATE TRIGGER note_fts_update AFTER UPDATE OF body ON note BEGIN
    INSERT INTO note_fts (note_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO note_fts (rowid, body) VALUES (new.rowid, new.body);
END;
