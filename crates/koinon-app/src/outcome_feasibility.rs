//! Feasibility of an outcomes contract before signing: the officer's assumptions beside the
//! contract's terms, run as a Monte Carlo model (`koinon-sim`), with every run kept.

use koinon_core::authz::Action;
use koinon_sim::draft::{Assumptions, model_from_contract};
use koinon_sim::{Feasibility, RunOptions, simulate};
use koinon_store::outcome_feasibility::{FeasibilityRunRow, NewFeasibilityRun};
use serde::Serialize;

use crate::outcomes::{ContractState, load_contract, parse_contract, require_state, state_of};
use crate::{Actor, App, AppError, audit};

/// Scenarios of one run from the web or the API (a run of 100,000 takes about a second).
pub const SCENARIOS_MAX: u32 = 100_000;
pub const SCENARIOS_MIN: u32 = 100;
pub const SCENARIOS_DEFAULT: u32 = 10_000;
/// Runs listed on the page.
const RUNS_LISTED: i64 = 20;

/// One stored run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeasibilityRunView {
    pub id: i64,
    pub contract_id: i64,
    pub assumptions: Assumptions,
    /// The model file the run used (`koinon outcomes simulate --model` runs it again).
    pub model: String,
    pub scenarios: i64,
    pub seed: i64,
    pub figures: Feasibility,
    pub run_by: String,
    pub run_at_us: i64,
}

/// What the feasibility page of a contract shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeasibilityView {
    pub contract_id: i64,
    pub contract_name: String,
    pub state: ContractState,
    pub currency: String,
    pub scale: u8,
    /// Runs are made before the contract is signed (draft or feasibility).
    pub can_run: bool,
    /// The assumptions of the latest run, or a starting point from the contract.
    pub assumptions: Assumptions,
    /// Newest first.
    pub runs: Vec<FeasibilityRunView>,
}

fn run_view(row: FeasibilityRunRow) -> Result<FeasibilityRunView, AppError> {
    let bad = |what: &str, e: serde_json::Error| AppError::Internal(format!("feasibility run {}: {what}: {e}", row.id));
    Ok(FeasibilityRunView {
        id: row.id,
        contract_id: row.contract_id,
        assumptions: serde_json::from_str(&row.assumptions).map_err(|e| bad("assumptions", e))?,
        figures: serde_json::from_str(&row.figures).map_err(|e| bad("figures", e))?,
        model: row.model,
        scenarios: row.scenarios,
        seed: row.seed,
        run_by: row.run_by,
        run_at_us: row.run_at_us,
    })
}

impl App {
    /// The feasibility page of a contract: its runs and the assumptions to start from.
    pub async fn feasibility(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
    ) -> Result<FeasibilityView, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (row, _) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        let contract = parse_contract(&row)?;
        let runs = db
            .feasibility_runs(contract_id, RUNS_LISTED)
            .await?
            .into_iter()
            .map(run_view)
            .collect::<Result<Vec<_>, _>>()?;
        let assumptions = runs.first().map_or_else(
            || Assumptions::starting_point(&contract, row.return_cap_multiple_bp),
            |r| r.assumptions.clone(),
        );
        let state = state_of(&row);
        let can_run = matches!(state, ContractState::Draft | ContractState::Feasibility)
            && actor.require(Action::ManageOutcomeContracts, &koinon_core::authz::Resource::tenant(tenant_id)).is_ok();
        Ok(FeasibilityView {
            contract_id,
            contract_name: row.name.clone(),
            state,
            currency: row.currency.clone(),
            scale: contract.currency.scale(),
            can_run,
            assumptions,
            runs,
        })
    }

    /// Runs the contract's feasibility model with these assumptions and keeps the run. Only
    /// before the contract is signed (draft or feasibility), by those who manage contracts.
    pub async fn run_feasibility(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        assumptions: &Assumptions,
        scenarios: u32,
        seed: u32,
    ) -> Result<FeasibilityRunView, AppError> {
        actor.require(Action::ManageOutcomeContracts, &koinon_core::authz::Resource::tenant(tenant_id))?;
        let (row, _) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            load_contract(&mut db, actor, tenant_id, contract_id).await?
        };
        require_state(&row, &[ContractState::Draft, ContractState::Feasibility], "A feasibility run")?;
        if !(SCENARIOS_MIN..=SCENARIOS_MAX).contains(&scenarios) {
            return Err(AppError::invalid(
                "scenarios",
                "out_of_range",
                format!("scenarios must be between {SCENARIOS_MIN} and {SCENARIOS_MAX}"),
            ));
        }
        let contract = parse_contract(&row)?;
        let (model, toml) = model_from_contract(&contract, assumptions).map_err(|errors| {
            AppError::Invalid(
                errors.0.into_iter().map(|e| koinon_core::FieldError::new(&e.field, e.code, e.message)).collect(),
            )
        })?;
        // The run is CPU work: off the async workers, on as many threads as there are cores.
        let threads = std::thread::available_parallelism().map(std::num::NonZero::get).unwrap_or(1);
        let figures = tokio::task::spawn_blocking(move || {
            simulate(&model, RunOptions { scenarios, seed: u64::from(seed), threads }, &mut |_, _| {})
        })
        .await
        .map_err(|e| AppError::Internal(format!("feasibility run: {e}")))?;
        let assumptions_json =
            serde_json::to_string(assumptions).map_err(|e| AppError::Internal(format!("assumptions: {e}")))?;
        let figures_json = serde_json::to_string(&figures).map_err(|e| AppError::Internal(format!("figures: {e}")))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        // The contract may have moved on while the model ran.
        let (row, _) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
        require_state(&row, &[ContractState::Draft, ContractState::Feasibility], "A feasibility run")?;
        let id = db
            .insert_feasibility_run(&NewFeasibilityRun {
                contract_id,
                assumptions: &assumptions_json,
                model: &toml,
                scenarios: i64::from(scenarios),
                seed: i64::from(seed),
                figures: &figures_json,
                run_by: &actor.audit_name(),
                run_at_us: App::now_us(),
            })
            .await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "outcomes.run_feasibility",
            &format!("outcome_feasibility_run:{id}"),
            serde_json::json!({"after": {"contract_id": contract_id, "scenarios": scenarios, "seed": seed,
                "mean_paid_minor": figures.outcome_payments.mean.minor,
                "probability_cap_hit": figures.probability_cap_hit}}),
        )
        .await?;
        let stored = db.feasibility_run(id).await?.ok_or_else(|| AppError::Internal("run vanished".into()))?;
        tx.commit().await?;
        run_view(stored)
    }
}
