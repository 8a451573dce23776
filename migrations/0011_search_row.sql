-- Why: `search_token` is a WITHOUT ROWID table, so its index by row (used to remove a record's
-- tokens before writing them again) held a full second copy of every token: 77 MB for 100k
-- companies, and the largest part of rebuilding search after a first sync (sorting 1.2M
-- entries by a 36-character id). A record's tokens are now listed once per record, in
-- `search_row` (written in id order, so appended), and removed by their primary key. Derived,
-- local data like the tokens: `search::INDEX_VERSION` 2 rebuilds both at the next start.
DROP INDEX search_token_row;
CREATE TABLE search_row (
    row_id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    -- JSON array of [tier, token], the record's rows in `search_token`.
    tokens TEXT NOT NULL
) STRICT, WITHOUT ROWID;
