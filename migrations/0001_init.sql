-- Why: the first schema. Companies, contacts and their links, plus the machinery every later
-- table relies on: device-local state (device id, clock, number series), per-device counters for
-- human-readable numbers, and the change log that is both the sync outbox and record history.
-- Ids are UUIDv7 text; timestamps are Unix milliseconds (UTC) taken from the hybrid logical clock.

CREATE TABLE local_state (
    key   TEXT PRIMARY KEY,
    value ANY
) STRICT;

-- Counters for human-readable numbers. Local only: never synced, because each device numbers
-- inside its own series (see ARCHITECTURE.md, "Human-readable numbers").
CREATE TABLE number_counter (
    kind TEXT PRIMARY KEY,
    next INTEGER NOT NULL
) STRICT;

-- One row per changed column (op = 'set') or per deleted row (op = 'delete').
CREATE TABLE change_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id   TEXT    NOT NULL UNIQUE,
    table_name  TEXT    NOT NULL,
    row_id      TEXT    NOT NULL,
    column_name TEXT,
    value       ANY,
    op          TEXT    NOT NULL CHECK (op IN ('set', 'delete')),
    hlc         INTEGER NOT NULL,
    device_id   TEXT    NOT NULL,
    user_id     TEXT    NOT NULL
) STRICT;
CREATE INDEX change_log_row ON change_log (table_name, row_id, seq);

CREATE TABLE company (
    id              TEXT PRIMARY KEY,
    customer_number TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL CHECK (name <> ''),
    phone           TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    website         TEXT NOT NULL DEFAULT '',
    street          TEXT NOT NULL DEFAULT '',
    city            TEXT NOT NULL DEFAULT '',
    postcode        TEXT NOT NULL DEFAULT '',
    region          TEXT NOT NULL DEFAULT '',
    country         TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX company_name ON company (name COLLATE NOCASE, id);
CREATE INDEX company_region ON company (region COLLATE NOCASE, id);
CREATE INDEX company_city ON company (city COLLATE NOCASE, id);
CREATE INDEX company_country ON company (country COLLATE NOCASE, id);
CREATE INDEX company_updated ON company (updated_at, id);

CREATE TABLE contact (
    id           TEXT PRIMARY KEY,
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    office_phone TEXT NOT NULL DEFAULT '',
    mobile_phone TEXT NOT NULL DEFAULT '',
    job_title    TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CHECK (first_name <> '' OR last_name <> '')
) STRICT;
CREATE INDEX contact_last_name ON contact (last_name COLLATE NOCASE, first_name COLLATE NOCASE, id);
CREATE INDEX contact_first_name ON contact (first_name COLLATE NOCASE, id);
CREATE INDEX contact_email ON contact (email COLLATE NOCASE, id);
CREATE INDEX contact_updated ON contact (updated_at, id);

-- A link is a row of its own (with its own id) so that sync can add and remove links as
-- independent changes, and later issues can give it a role.
CREATE TABLE contact_company (
    id         TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    company_id TEXT NOT NULL REFERENCES company (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (contact_id, company_id)
) STRICT;
CREATE INDEX contact_company_company ON contact_company (company_id);
