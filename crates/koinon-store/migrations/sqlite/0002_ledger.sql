-- The ledger: one per currency or unit per tenant; accounts with four balances; immutable
-- transfers; the status of pending (two-phase) transfers; the last timestamp handed out.
-- Ids of accounts and transfers are client-chosen UUIDs stored as 16 big-endian bytes.
-- Transfers are keyed by their timestamp (strictly increasing), so new rows append.

CREATE TABLE ledgers (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    scale INTEGER NOT NULL,
    created_at_us INTEGER NOT NULL,
    CONSTRAINT ledgers_tenant_code_key UNIQUE (tenant_id, code)
);

CREATE TABLE ledger_accounts (
    id BLOB PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    ledger_id INTEGER NOT NULL REFERENCES ledgers (id),
    code TEXT NOT NULL,
    owner TEXT,
    flags INTEGER NOT NULL,
    debits_pending INTEGER NOT NULL,
    debits_posted INTEGER NOT NULL,
    credits_pending INTEGER NOT NULL,
    credits_posted INTEGER NOT NULL,
    ts INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ledger_accounts_tenant_idx ON ledger_accounts (tenant_id, ledger_id);

CREATE TABLE ledger_transfers (
    ts INTEGER PRIMARY KEY,
    id BLOB NOT NULL,
    tenant_id INTEGER NOT NULL,
    debit_account_id BLOB NOT NULL,
    credit_account_id BLOB NOT NULL,
    amount INTEGER NOT NULL,
    ledger_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    reference TEXT,
    flags INTEGER NOT NULL,
    pending_id BLOB,
    timeout_s INTEGER NOT NULL
);
CREATE UNIQUE INDEX ledger_transfers_id_key ON ledger_transfers (id);
CREATE INDEX ledger_transfers_debit_idx ON ledger_transfers (debit_account_id, ts);
CREATE INDEX ledger_transfers_credit_idx ON ledger_transfers (credit_account_id, ts);

CREATE TABLE ledger_pending (
    transfer_id BLOB PRIMARY KEY,
    status INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ledger_pending_due_idx ON ledger_pending (status, expires_at_us);

CREATE TABLE ledger_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_ts INTEGER NOT NULL
);
INSERT INTO ledger_head (id, last_ts) VALUES (1, 0);
