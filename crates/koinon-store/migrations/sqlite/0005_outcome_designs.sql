-- Outcomes contracts designed in the browser, one step per page: the answers given so far, as
-- JSON text, until the officer creates the contract from them (the design is then deleted).

CREATE TABLE outcome_contract_designs (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    created_by TEXT NOT NULL,
    name TEXT NOT NULL,
    answers TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL
);
CREATE INDEX outcome_contract_designs_tenant_idx ON outcome_contract_designs (tenant_id, updated_at_us);
