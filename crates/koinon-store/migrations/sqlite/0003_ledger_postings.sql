-- Each account gets a small integer number (the rowid), and each transfer is indexed once per
-- side in ledger_postings (account number, timestamp), in place of the two indexes keyed by
-- 16-byte account ids. A batch then dirties about half the index pages it did, and a statement
-- is a range scan of one small index. ledger_postings is derived from ledger_transfers: it is
-- not in backups and is rebuilt on restore.

CREATE TABLE ledger_accounts_numbered (
    num INTEGER PRIMARY KEY,
    id BLOB NOT NULL,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    ledger_id INTEGER NOT NULL REFERENCES ledgers (id),
    code TEXT NOT NULL,
    owner TEXT,
    flags INTEGER NOT NULL,
    debits_pending INTEGER NOT NULL,
    debits_posted INTEGER NOT NULL,
    credits_pending INTEGER NOT NULL,
    credits_posted INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    CONSTRAINT ledger_accounts_id_key UNIQUE (id)
);
INSERT INTO ledger_accounts_numbered (id, tenant_id, ledger_id, code, owner, flags, debits_pending, debits_posted,
    credits_pending, credits_posted, ts)
SELECT id, tenant_id, ledger_id, code, owner, flags, debits_pending, debits_posted, credits_pending, credits_posted, ts
FROM ledger_accounts ORDER BY ts, id;
DROP TABLE ledger_accounts;
ALTER TABLE ledger_accounts_numbered RENAME TO ledger_accounts;
CREATE INDEX ledger_accounts_tenant_idx ON ledger_accounts (tenant_id, ledger_id);

CREATE TABLE ledger_postings (
    account_num INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (account_num, ts)
) WITHOUT ROWID;
INSERT INTO ledger_postings (account_num, ts)
SELECT a.num, t.ts FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id
UNION ALL
SELECT a.num, t.ts FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id;

DROP INDEX ledger_transfers_debit_idx;
DROP INDEX ledger_transfers_credit_idx;
