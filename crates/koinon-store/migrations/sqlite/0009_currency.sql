-- Complementary e-currencies (see docs/currency.md): a currency per code and municipality with
-- its rules and the ledger accounts that carry it, its spending categories, social-assistance
-- programmes, the households eligible for them, monthly issuance runs with their lines, and the
-- log of notifications sent to beneficiaries.
-- Amounts are integer minor units (of the currency, or euro cents where the name says eur);
-- rates are basis points or whole-number ratios; dates are 'YYYY-MM-DD' text; ledger account
-- ids are 16 bytes as in ledger_accounts.

CREATE TABLE currencies (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    symbol TEXT NOT NULL,
    scale INTEGER NOT NULL,
    rate_units INTEGER NOT NULL,
    rate_euros INTEGER NOT NULL,
    holders TEXT NOT NULL,
    redemption_fee_bp INTEGER NOT NULL,
    early_redemption_fee_bp INTEGER,
    early_redemption_days INTEGER,
    decay TEXT NOT NULL,
    expiry_months INTEGER,
    demurrage_bp INTEGER,
    wallet_balance_max_minor INTEGER,
    daily_spend_max_minor INTEGER,
    budget_account BLOB NOT NULL,
    guarantee_fund_account BLOB NOT NULL,
    liquidity_account BLOB NOT NULL,
    issuance_account BLOB NOT NULL,
    fees_account BLOB NOT NULL,
    rounding_account BLOB NOT NULL,
    created_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL,
    CONSTRAINT currencies_tenant_code_key UNIQUE (tenant_id, code)
);

CREATE TABLE currency_categories (
    currency_id INTEGER NOT NULL REFERENCES currencies (id),
    position INTEGER NOT NULL,
    category TEXT NOT NULL,
    PRIMARY KEY (currency_id, category)
);

CREATE TABLE currency_programmes (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    currency_id INTEGER NOT NULL REFERENCES currencies (id),
    name TEXT NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    budget_minor INTEGER NOT NULL,
    base_minor INTEGER NOT NULL,
    per_member_minor INTEGER NOT NULL,
    cap_minor INTEGER NOT NULL,
    auto_backing INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL
);
CREATE INDEX currency_programmes_tenant_idx ON currency_programmes (tenant_id, id);

CREATE TABLE currency_households (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES currency_programmes (id),
    household TEXT NOT NULL,
    size INTEGER NOT NULL,
    eligible_from TEXT NOT NULL,
    eligible_to TEXT,
    locale TEXT,
    contact TEXT,
    user_id INTEGER REFERENCES users (id),
    imported_by TEXT NOT NULL,
    updated_at_us INTEGER NOT NULL,
    CONSTRAINT currency_households_key UNIQUE (programme_id, household)
);

CREATE TABLE currency_issuance_runs (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES currency_programmes (id),
    month TEXT NOT NULL,
    state TEXT NOT NULL,
    households INTEGER NOT NULL,
    total_minor INTEGER NOT NULL,
    backing_eur_minor INTEGER NOT NULL,
    prepared_by TEXT NOT NULL,
    prepared_at_us INTEGER NOT NULL,
    approved_by TEXT,
    approved_at_us INTEGER,
    posted_at_us INTEGER,
    rejected_by TEXT,
    rejection_reason TEXT
);
-- One run per programme and month, not counting runs an approver sent back.
CREATE UNIQUE INDEX currency_issuance_runs_month_key ON currency_issuance_runs (programme_id, month)
    WHERE state <> 'rejected';

CREATE TABLE currency_issuance_lines (
    run_id INTEGER NOT NULL REFERENCES currency_issuance_runs (id),
    household_id INTEGER NOT NULL REFERENCES currency_households (id),
    amount_minor INTEGER NOT NULL,
    wallet_account BLOB NOT NULL,
    transfer_id BLOB NOT NULL,
    PRIMARY KEY (run_id, household_id)
);

CREATE TABLE currency_notifications (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    household_id INTEGER NOT NULL REFERENCES currency_households (id),
    run_id INTEGER REFERENCES currency_issuance_runs (id),
    channel TEXT NOT NULL,
    locale TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
);
CREATE INDEX currency_notifications_household_idx ON currency_notifications (household_id, id);
