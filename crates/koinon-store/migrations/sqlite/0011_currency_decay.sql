-- Decay runs of the municipal e-currencies (see docs/currency.md, "Decay runs"): once a month
-- has ended, the units that expired (currencies with expiry) or the month's demurrage
-- (currencies with demurrage) are taken from the wallets. One run per currency and month; its
-- lines say what each wallet held and was charged, with the id of the ledger transfer.
-- `carried_in_e4` and `carried_out_e4` are the fractions of a minor unit (ten-thousandths)
-- the exact demurrage carried from the previous run and carries to the next.
-- Amounts are integer minor units of the currency; ledger ids are 16 bytes.

CREATE TABLE currency_decay_runs (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    currency_id INTEGER NOT NULL REFERENCES currencies (id),
    month TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    rate_bp INTEGER,
    expiry_months INTEGER,
    cutoff_us INTEGER,
    wallets INTEGER NOT NULL,
    balance_total_minor INTEGER NOT NULL,
    charged_total_minor INTEGER NOT NULL,
    carried_in_e4 INTEGER NOT NULL,
    carried_out_e4 INTEGER NOT NULL,
    posted_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    posted_at_us INTEGER,
    CONSTRAINT currency_decay_runs_month_key UNIQUE (currency_id, month)
);

CREATE TABLE currency_decay_lines (
    run_id INTEGER NOT NULL REFERENCES currency_decay_runs (id),
    wallet_account BLOB NOT NULL,
    household TEXT NOT NULL,
    balance_minor INTEGER NOT NULL,
    charge_minor INTEGER NOT NULL,
    transfer_id BLOB NOT NULL,
    PRIMARY KEY (run_id, wallet_account)
);
