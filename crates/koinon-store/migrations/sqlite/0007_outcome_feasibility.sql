-- Feasibility runs of outcomes contracts: the officer's assumptions, the model file they give
-- with the contract's terms, and the Monte Carlo figures (koinon-sim), kept per contract.
CREATE TABLE outcome_feasibility_runs (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES outcome_contracts (id),
    assumptions TEXT NOT NULL,
    model TEXT NOT NULL,
    scenarios INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    figures TEXT NOT NULL,
    run_by TEXT NOT NULL,
    run_at_us INTEGER NOT NULL
);
CREATE INDEX outcome_feasibility_runs_contract ON outcome_feasibility_runs (contract_id, id);
