-- Foundation: tenants, organisations, users, sessions, API tokens, networks, audit log.
-- Times are microseconds since the Unix epoch (UTC); dates are 'YYYY-MM-DD' text.

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CONSTRAINT tenants_code_key UNIQUE,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    default_locale TEXT NOT NULL,
    currency TEXT NOT NULL,
    currency_scale INTEGER NOT NULL,
    created_at_us INTEGER NOT NULL
);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    created_at_us INTEGER NOT NULL,
    CONSTRAINT organisations_tenant_name_key UNIQUE (tenant_id, name)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    email TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations (id),
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_us INTEGER NOT NULL
);
CREATE INDEX users_tenant_idx ON users (tenant_id, id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL CONSTRAINT api_tokens_hash_key UNIQUE,
    label TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    revoked_at_us INTEGER
);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    at_us INTEGER NOT NULL
);
CREATE INDEX login_failures_email_idx ON login_failures (email, at_us);

CREATE TABLE networks (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    programme TEXT NOT NULL,
    starts_on TEXT,
    ends_on TEXT,
    created_at_us INTEGER NOT NULL,
    CONSTRAINT networks_tenant_name_key UNIQUE (tenant_id, name)
);

CREATE TABLE network_partners (
    id INTEGER PRIMARY KEY,
    network_id INTEGER NOT NULL REFERENCES networks (id),
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    partner_tenant_id INTEGER REFERENCES tenants (id),
    is_lead BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT network_partners_name_key UNIQUE (network_id, name)
);
CREATE UNIQUE INDEX network_partners_one_lead ON network_partners (network_id) WHERE is_lead;

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at_us INTEGER NOT NULL,
    tenant_id INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, seq);

-- One row: the last sequence number and hash. Updating it first in every transaction that
-- appends to the log serialises appenders, so the chain never forks.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
