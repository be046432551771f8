-- Outcomes contracts (social impact bonds): the contract's TOML source and parsed summary, its
-- parties (with their ledger accounts), participants under pseudonymous ids, outcome claims
-- with evidence and verification, payment runs, and investor drawdowns.
-- Amounts are integer minor units of the contract currency; dates are 'YYYY-MM-DD' text.

CREATE TABLE outcome_contracts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    policy_area TEXT NOT NULL,
    mechanism TEXT NOT NULL,
    currency TEXT NOT NULL,
    currency_scale INTEGER NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    period TEXT NOT NULL,
    contract_cap_minor INTEGER NOT NULL,
    participant_cap_minor INTEGER,
    period_cap_minor INTEGER,
    investor_commitments_minor INTEGER NOT NULL,
    cohorts TEXT NOT NULL,
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    return_cap_multiple_bp INTEGER,
    residual_investors_share_bp INTEGER NOT NULL,
    spv_account_id BLOB,
    created_at_us INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL
);
CREATE INDEX outcome_contracts_tenant_idx ON outcome_contracts (tenant_id, id);

CREATE TABLE outcome_parties (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES outcome_contracts (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    commitment_minor INTEGER,
    organisation_id INTEGER REFERENCES organisations (id),
    account_id BLOB,
    CONSTRAINT outcome_parties_position_key UNIQUE (contract_id, position)
);

CREATE TABLE outcome_participants (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES outcome_contracts (id),
    participant TEXT NOT NULL,
    cohort TEXT NOT NULL,
    enrolled_on TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    CONSTRAINT outcome_participants_key UNIQUE (contract_id, participant)
);

CREATE TABLE outcome_claims (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES outcome_contracts (id),
    participant TEXT NOT NULL,
    metric TEXT NOT NULL,
    event_on TEXT NOT NULL,
    claimed_on TEXT NOT NULL,
    status TEXT NOT NULL,
    claimant_organisation_id INTEGER REFERENCES organisations (id),
    submitted_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    reviewed_by TEXT,
    reviewed_at_us INTEGER,
    rejection_reason TEXT,
    CONSTRAINT outcome_claims_key UNIQUE (contract_id, participant, metric, event_on)
);
CREATE INDEX outcome_claims_status_idx ON outcome_claims (contract_id, status, id);

CREATE TABLE outcome_evidence (
    claim_id INTEGER PRIMARY KEY REFERENCES outcome_claims (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
);

CREATE TABLE outcome_payment_runs (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES outcome_contracts (id),
    period TEXT NOT NULL,
    up_to TEXT NOT NULL,
    state TEXT NOT NULL,
    cumulative_due_minor INTEGER NOT NULL,
    previously_paid_minor INTEGER NOT NULL,
    amount_due_minor INTEGER NOT NULL,
    statement TEXT NOT NULL,
    results_csv TEXT,
    prepared_by TEXT NOT NULL,
    prepared_at_us INTEGER NOT NULL,
    approved_by TEXT,
    approved_at_us INTEGER,
    paid_on TEXT,
    distribution TEXT,
    transfers TEXT,
    rejected_by TEXT,
    rejection_reason TEXT
);
-- One run per period, not counting runs an approver sent back.
CREATE UNIQUE INDEX outcome_payment_runs_period_key ON outcome_payment_runs (contract_id, period)
    WHERE state <> 'rejected';

CREATE TABLE outcome_drawdowns (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES outcome_contracts (id),
    party_id INTEGER NOT NULL REFERENCES outcome_parties (id),
    amount_minor INTEGER NOT NULL,
    drawn_on TEXT NOT NULL,
    transfers TEXT NOT NULL,
    request_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    CONSTRAINT outcome_drawdowns_request_key UNIQUE (contract_id, request_id)
);
