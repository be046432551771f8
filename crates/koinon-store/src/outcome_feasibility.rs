//! Feasibility runs of outcomes contracts.

use crate::{Db, StoreError, on};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeasibilityRunRow {
    pub id: i64,
    pub contract_id: i64,
    /// JSON: `koinon_sim::draft::Assumptions`.
    pub assumptions: String,
    /// The model file (TOML) the assumptions gave with the contract's terms.
    pub model: String,
    pub scenarios: i64,
    pub seed: i64,
    /// JSON: `koinon_sim::Feasibility`.
    pub figures: String,
    pub run_by: String,
    pub run_at_us: i64,
}

/// A run to record.
pub struct NewFeasibilityRun<'a> {
    pub contract_id: i64,
    pub assumptions: &'a str,
    pub model: &'a str,
    pub scenarios: i64,
    pub seed: i64,
    pub figures: &'a str,
    pub run_by: &'a str,
    pub run_at_us: i64,
}

impl Db<'_> {
    pub async fn insert_feasibility_run(&mut self, run: &NewFeasibilityRun<'_>) -> Result<i64, StoreError> {
        let sql = "INSERT INTO outcome_feasibility_runs (contract_id, assumptions, model, scenarios, seed, figures, run_by, run_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(run.contract_id).bind(run.assumptions).bind(run.model).bind(run.scenarios).bind(run.seed)
            .bind(run.figures).bind(run.run_by).bind(run.run_at_us)
            .fetch_one(c).await)?)
    }

    /// The latest runs of a contract, newest first.
    pub async fn feasibility_runs(
        &mut self,
        contract_id: i64,
        limit: i64,
    ) -> Result<Vec<FeasibilityRunRow>, StoreError> {
        let sql = "SELECT id, contract_id, assumptions, model, scenarios, seed, figures, run_by, run_at_us \
                   FROM outcome_feasibility_runs WHERE contract_id = $1 ORDER BY id DESC LIMIT $2";
        Ok(on!(self, c => sqlx::query_as(sql).bind(contract_id).bind(limit).fetch_all(c).await)?)
    }

    pub async fn feasibility_run(&mut self, id: i64) -> Result<Option<FeasibilityRunRow>, StoreError> {
        let sql = "SELECT id, contract_id, assumptions, model, scenarios, seed, figures, run_by, run_at_us \
                   FROM outcome_feasibility_runs WHERE id = $1";
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }
}
