-- Why: imports can be undone. Each applied import is a batch; each row it created or updated is
-- listed with the values it replaced, so that undo can delete what the import created and put
-- back what it overwrote. Local bookkeeping (undo is a local action whose result syncs as
-- ordinary changes), so neither table is in the change log.

CREATE TABLE import_batch (
    id         TEXT PRIMARY KEY,
    target     TEXT NOT NULL CHECK (target IN ('companies', 'contacts')),
    file_name  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    undone_at  INTEGER
) STRICT;

CREATE TABLE import_row (
    batch_id   TEXT NOT NULL REFERENCES import_batch (id) ON DELETE CASCADE,
    table_name TEXT NOT NULL,
    row_id     TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('created', 'updated')),
    -- For updates: the replaced columns as a JSON object; NULL for creates.
    previous   TEXT
) STRICT;
CREATE INDEX import_row_batch ON import_row (batch_id);
