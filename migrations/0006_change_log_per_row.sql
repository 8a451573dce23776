-- Why: the change log kept one row per changed column, each in three B-trees (the table, the
-- change_id index and the (table, row, seq) index). Creating one company wrote about 60 log
-- B-tree entries; importing 100k companies into the 1M benchmark database spent 11 of its 26 s
-- there, and the log was most of that database's size. Now one write of one row is one log
-- record whose `patch` holds the changed columns as a JSON object. Sync still merges column by
-- column (each column of a patch carries the record's HLC), and history still lists fields.
--
-- Existing entries are folded: the per-column rows of one row in one transaction (same table,
-- row, HLC and op) become one record, in the order they were written.

CREATE TABLE change_log_v2 (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id  TEXT    NOT NULL UNIQUE,
    table_name TEXT    NOT NULL,
    row_id     TEXT    NOT NULL,
    op         TEXT    NOT NULL CHECK (op IN ('set', 'delete')),
    -- JSON object {column: value} for 'set'; NULL for a 'delete' (a tombstone).
    patch      TEXT,
    hlc        INTEGER NOT NULL,
    device_id  TEXT    NOT NULL,
    user_id    TEXT    NOT NULL
) STRICT;

INSERT INTO change_log_v2 (change_id, table_name, row_id, op, patch, hlc, device_id, user_id)
SELECT min(change_id), table_name, row_id, op,
       CASE op WHEN 'set' THEN json_group_object(column_name, value ORDER BY seq) END,
       hlc, device_id, user_id
FROM change_log
GROUP BY table_name, row_id, hlc, op, device_id, user_id
ORDER BY min(seq);

DROP TABLE change_log;
ALTER TABLE change_log_v2 RENAME TO change_log;
CREATE INDEX change_log_row ON change_log (table_name, row_id, seq);
