-- Why: leads and the sales pipeline (issue 4). A lead is spun off a customer with a lead program
-- and a source, numbered in the device's series like customer numbers, and moves through five
-- states along an editable transition table. Its estimates become the order when it is won.
-- Money is integer cents; quantities are integer thousandths; rates are basis points.

CREATE TABLE lead_program (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE lead_source (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Seeded with fixed ids, identical on every device (see ARCHITECTURE.md, "Seeded rows").
INSERT INTO lead_program (id, name, created_at, updated_at) VALUES
    ('00000000-0000-7000-8000-000000000401', 'New business', 0, 0),
    ('00000000-0000-7000-8000-000000000402', 'Service contracts', 0, 0),
    ('00000000-0000-7000-8000-000000000403', 'Upgrades', 0, 0);
INSERT INTO lead_source (id, name, created_at, updated_at) VALUES
    ('00000000-0000-7000-8000-000000000501', 'Cold call', 0, 0),
    ('00000000-0000-7000-8000-000000000502', 'Website', 0, 0),
    ('00000000-0000-7000-8000-000000000503', 'Trade show', 0, 0),
    ('00000000-0000-7000-8000-000000000504', 'Referral', 0, 0),
    ('00000000-0000-7000-8000-000000000505', 'Advertising', 0, 0);

-- Which state a lead may move to from which. Editable; the core enforces it.
CREATE TABLE lead_transition (
    id         TEXT PRIMARY KEY,
    from_state TEXT NOT NULL CHECK (from_state IN ('inactive', 'pending', 'development', 'quoting', 'customer')),
    to_state   TEXT NOT NULL CHECK (to_state IN ('inactive', 'pending', 'development', 'quoting', 'customer')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (from_state, to_state),
    CHECK (from_state <> to_state)
) STRICT;
INSERT INTO lead_transition (id, from_state, to_state, created_at, updated_at) VALUES
    ('00000000-0000-7000-8000-000000000601', 'pending', 'development', 0, 0),
    ('00000000-0000-7000-8000-000000000602', 'pending', 'inactive', 0, 0),
    ('00000000-0000-7000-8000-000000000603', 'development', 'quoting', 0, 0),
    ('00000000-0000-7000-8000-000000000604', 'development', 'pending', 0, 0),
    ('00000000-0000-7000-8000-000000000605', 'development', 'inactive', 0, 0),
    ('00000000-0000-7000-8000-000000000606', 'quoting', 'customer', 0, 0),
    ('00000000-0000-7000-8000-000000000607', 'quoting', 'development', 0, 0),
    ('00000000-0000-7000-8000-000000000608', 'quoting', 'inactive', 0, 0),
    ('00000000-0000-7000-8000-000000000609', 'inactive', 'pending', 0, 0);

CREATE TABLE lead (
    id             TEXT PRIMARY KEY,
    lead_number    TEXT NOT NULL UNIQUE,
    company_id     TEXT NOT NULL REFERENCES company (id),
    program_id     TEXT NOT NULL REFERENCES lead_program (id),
    source_id      TEXT REFERENCES lead_source (id),
    state          TEXT NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('inactive', 'pending', 'development', 'quoting', 'customer')),
    title          TEXT NOT NULL DEFAULT '',
    isr_id         TEXT REFERENCES app_user (id),
    osr_id         TEXT REFERENCES app_user (id),
    assigned_id    TEXT REFERENCES app_user (id),
    probability    INTEGER NOT NULL DEFAULT 10 CHECK (probability BETWEEN 0 AND 100),
    value_cents    INTEGER NOT NULL DEFAULT 0 CHECK (value_cents >= 0),
    -- YYYY-MM-DD, or '' when not estimated yet.
    expected_close TEXT NOT NULL DEFAULT '',
    lost_reason    TEXT NOT NULL DEFAULT '',
    -- Derived (never logged): the newest note's time, like on companies and contacts.
    newest_note_at INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX lead_number ON lead (length(lead_number), lead_number, id);
CREATE INDEX lead_company ON lead (company_id, id);
CREATE INDEX lead_state ON lead (state, id);
CREATE INDEX lead_by_program ON lead (program_id, state, id);
CREATE INDEX lead_by_source ON lead (source_id, state, id);
CREATE INDEX lead_assigned ON lead (assigned_id, id);
CREATE INDEX lead_isr ON lead (isr_id, id);
CREATE INDEX lead_osr ON lead (osr_id, id);
CREATE INDEX lead_newest_note ON lead (ifnull(newest_note_at, 0), id);
CREATE INDEX lead_expected_close ON lead (expected_close, id);
CREATE INDEX lead_value ON lead (value_cents, id);
CREATE INDEX lead_probability ON lead (probability, id);
CREATE INDEX lead_updated ON lead (updated_at, id);

-- Every move along the workflow: who, when, from, to, and who the lead went to.
CREATE TABLE lead_move (
    id          TEXT PRIMARY KEY,
    lead_id     TEXT NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    moved_by    TEXT NOT NULL,
    assigned_id TEXT REFERENCES app_user (id),
    reason      TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX lead_move_lead ON lead_move (lead_id, created_at);
CREATE INDEX lead_move_closed ON lead_move (to_state, created_at);

-- The weighted pipeline kept current on every lead write (derived, local, never logged): per
-- dimension ('all', 'program', 'source', 'rep' (the assigned user), 'month' (expected close))
-- and key, per state, the number of leads, their value and their weighted value in cents times
-- percent (value x probability, divided by 100 only for display, so sums never drift).
CREATE TABLE pipeline_sum (
    dim         TEXT NOT NULL,
    key         TEXT NOT NULL,
    state       TEXT NOT NULL,
    leads       INTEGER NOT NULL,
    value_cents INTEGER NOT NULL,
    weighted    INTEGER NOT NULL,
    PRIMARY KEY (dim, key, state)
) STRICT, WITHOUT ROWID;

-- The open weighted total at the end of each day it changed, for the dashboard's trend.
CREATE TABLE pipeline_day (
    day      TEXT PRIMARY KEY,
    weighted INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE estimate (
    id              TEXT PRIMARY KEY,
    lead_id         TEXT NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
    estimate_number TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL DEFAULT '',
    tax_rate_bp     INTEGER NOT NULL DEFAULT 0 CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    chosen          INTEGER NOT NULL DEFAULT 0 CHECK (chosen IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX estimate_lead ON estimate (lead_id, created_at);

CREATE TABLE estimate_line (
    id               TEXT PRIMARY KEY,
    estimate_id      TEXT NOT NULL REFERENCES estimate (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    description      TEXT NOT NULL CHECK (description <> ''),
    quantity_milli   INTEGER NOT NULL CHECK (quantity_milli > 0),
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    discount_bp      INTEGER NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX estimate_line_estimate ON estimate_line (estimate_id, position);

-- `sales_order` because ORDER is an SQL keyword.
CREATE TABLE sales_order (
    id             TEXT PRIMARY KEY,
    order_number   TEXT NOT NULL UNIQUE,
    company_id     TEXT NOT NULL REFERENCES company (id),
    lead_id        TEXT REFERENCES lead (id),
    estimate_id    TEXT REFERENCES estimate (id),
    status         TEXT NOT NULL CHECK (status IN ('awaiting_approval', 'open', 'cancelled', 'closed')),
    tax_rate_bp    INTEGER NOT NULL DEFAULT 0,
    subtotal_cents INTEGER NOT NULL,
    tax_cents      INTEGER NOT NULL,
    total_cents    INTEGER NOT NULL,
    -- The credit warning shown when the order was made (Past Due), kept with the order.
    warning        TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX sales_order_company ON sales_order (company_id, created_at);
CREATE INDEX sales_order_lead ON sales_order (lead_id);

CREATE TABLE order_line (
    id               TEXT PRIMARY KEY,
    order_id         TEXT NOT NULL REFERENCES sales_order (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    description      TEXT NOT NULL,
    quantity_milli   INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    discount_bp      INTEGER NOT NULL,
    line_total_cents INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX order_line_order ON order_line (order_id, position);

-- Notes now also belong to leads. SQLite cannot change a CHECK, so the table is rebuilt with its
-- rowids kept (the full-text index refers to them); dropping a table fires no triggers.
CREATE TABLE note_v2 (
    id            TEXT PRIMARY KEY,
    subject_table TEXT NOT NULL CHECK (subject_table IN ('company', 'contact', 'lead')),
    subject_id    TEXT NOT NULL,
    note_type_id  TEXT REFERENCES note_type (id),
    author_id     TEXT REFERENCES app_user (id),
    body          TEXT NOT NULL CHECK (body <> ''),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
INSERT INTO note_v2 (rowid, id, subject_table, subject_id, note_type_id, author_id, body, created_at, updated_at)
SELECT rowid, id, subject_table, subject_id, note_type_id, author_id, body, created_at, updated_at FROM note;
DROP TABLE note;
ALTER TABLE note_v2 RENAME TO note;
CREATE INDEX note_subject ON note (subject_table, subject_id, created_at);
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
