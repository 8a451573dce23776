-- Why: a record merged into another on one laptop can still be the parent of records that
-- another laptop made offline meanwhile (a lead, a contact link, a note for the company that was
-- merged away). Without a trace of the merge, sync could only treat the merge's delete as a
-- delete, and those records went with it. A merge now leaves this forwarding row, written before
-- its delete in the same transaction (so every replica has it first): where the merge's delete
-- arrives, records still pointing at the merged-away row follow it to the kept one, and records
-- that arrive later pointing at it are written pointing at the kept one
-- (core/src/sync/apply.rs). If two laptops merge the same record into different ones, the
-- forwarding row with the smallest id counts, on every replica.
CREATE TABLE merged_record (
    id         TEXT PRIMARY KEY,
    table_name TEXT NOT NULL CHECK (table_name IN ('company', 'contact')),
    from_id    TEXT NOT NULL,
    into_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX merged_record_from ON merged_record (table_name, from_id, id);
