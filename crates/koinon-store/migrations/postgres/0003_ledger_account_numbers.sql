-- Accounts carry a small integer number on both backends. SQLite indexes its postings by it
-- (see its 0003 migration); PostgreSQL keeps its two per-account transfer indexes, which its
-- writer fills fast enough, and has the number only so that rows read the same on both.
ALTER TABLE ledger_accounts ADD COLUMN num BIGSERIAL;
