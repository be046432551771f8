-- Merchants of the municipal e-currencies (see docs/currency.md): the shops that apply for
-- accreditation with their categories and documents, the beneficiaries' cards (code, PIN hash,
-- wrong-PIN count and lock), and the payments taken at a point of sale.
-- Amounts are integer minor units of the currency; ledger ids (accounts, transfers) are 16
-- bytes as in ledger_accounts; a payment's id is the id of its ledger transfer.

CREATE TABLE currency_merchants (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    currency_id INTEGER NOT NULL REFERENCES currencies (id),
    name TEXT NOT NULL,
    registration TEXT,
    area TEXT NOT NULL,
    address TEXT NOT NULL,
    description TEXT,
    email TEXT NOT NULL,
    phone TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    account BLOB,
    euro_account BLOB,
    owner_user_id INTEGER REFERENCES users (id),
    applied_by TEXT NOT NULL,
    reviewed_by TEXT,
    created_at_us INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL
);
CREATE INDEX currency_merchants_directory_idx ON currency_merchants (tenant_id, status, area, name);
CREATE INDEX currency_merchants_owner_idx ON currency_merchants (owner_user_id);

CREATE TABLE currency_merchant_categories (
    merchant_id INTEGER NOT NULL REFERENCES currency_merchants (id),
    category TEXT NOT NULL,
    PRIMARY KEY (merchant_id, category)
);

CREATE TABLE currency_merchant_documents (
    id INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL REFERENCES currency_merchants (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
);
CREATE INDEX currency_merchant_documents_merchant_idx ON currency_merchant_documents (merchant_id, id);

CREATE TABLE currency_cards (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    currency_id INTEGER NOT NULL REFERENCES currencies (id),
    household_id INTEGER NOT NULL REFERENCES currency_households (id),
    code TEXT NOT NULL,
    wallet_account BLOB NOT NULL,
    pin_hash TEXT NOT NULL,
    pin_failures INTEGER NOT NULL,
    locked_until_s INTEGER,
    status TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL,
    CONSTRAINT currency_cards_code_key UNIQUE (tenant_id, code)
);
CREATE INDEX currency_cards_wallet_idx ON currency_cards (wallet_account, status);

CREATE TABLE currency_payments (
    id BLOB PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    currency_id INTEGER NOT NULL REFERENCES currencies (id),
    merchant_id INTEGER NOT NULL REFERENCES currency_merchants (id),
    card_id INTEGER NOT NULL REFERENCES currency_cards (id),
    wallet_account BLOB NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    captured_minor INTEGER,
    category TEXT NOT NULL,
    day TEXT NOT NULL,
    failure TEXT,
    created_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL
);
CREATE INDEX currency_payments_wallet_day_idx ON currency_payments (wallet_account, day);
CREATE INDEX currency_payments_merchant_idx ON currency_payments (merchant_id, created_at_us);
