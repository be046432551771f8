//! `/api/v1/outcomes/contracts/{id}/feasibility`: the Monte Carlo feasibility of a contract
//! before it is signed — the runs kept for it, and a new run from the officer's assumptions.
//! Amounts are JSON integers of minor units of the contract's currency; chances and rates are
//! basis points.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use koinon_app::outcome_feasibility::{FeasibilityRunView, FeasibilityView, SCENARIOS_DEFAULT};
use koinon_sim::draft::{Assumptions, MetricAssumption};
use utoipa::OpenApi;

use super::{ApiJson, ApiPath, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/outcomes/contracts/{id}/feasibility", get(feasibility).post(run_feasibility))
}

#[derive(OpenApi)]
#[openapi(
    paths(feasibility, run_feasibility),
    components(schemas(FeasibilityRequest, AssumptionsBody, MetricAssumptionBody))
)]
pub struct OutcomesFeasibilityApi;

/// What one metric is expected to do.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricAssumptionBody {
    /// A metric code of the contract.
    pub code: String,
    /// Expected chance of the outcome for a participant still in the service who has the
    /// prerequisite, in basis points (0–10000).
    pub success_bp: i64,
    /// Standard deviation of that chance (a Beta distribution), in basis points; 0 = known.
    pub uncertainty_bp: i64,
    /// Periods after enrolment when the outcome happens.
    pub lag_periods: i64,
    /// What one outcome saves the public purse, in minor units.
    pub public_saving_minor: i64,
}

/// The officer's assumptions (see docs/outcomes.md, "Feasibility models").
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssumptionsBody {
    /// Referrals in each period from the contract's first.
    pub referrals: Vec<i64>,
    pub engagement_bp: i64,
    pub attrition_bp: i64,
    /// One per metric of the contract (metrics left out are not modelled).
    pub metrics: Vec<MetricAssumptionBody>,
    pub cost_per_participant_minor: i64,
    pub cost_per_period_minor: i64,
    pub discount_rate_bp: i64,
    /// The investors' return cap as a money multiple in basis points (15000 = 1.5×); `null` =
    /// uncapped.
    pub return_cap_bp: Option<i64>,
    /// Periods between an outcome and its payment (0–8); 1 when left out.
    pub payment_delay_periods: Option<i64>,
}

/// A run to make.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeasibilityRequest {
    pub assumptions: AssumptionsBody,
    /// 100–100000; 10000 when left out.
    pub scenarios: Option<u32>,
    /// The seed of the random numbers; 1 when left out. The same seed and assumptions give the
    /// same figures.
    pub seed: Option<u32>,
}

impl From<AssumptionsBody> for Assumptions {
    fn from(a: AssumptionsBody) -> Self {
        Assumptions {
            referrals: a.referrals,
            engagement_bp: a.engagement_bp,
            attrition_bp: a.attrition_bp,
            metrics: a
                .metrics
                .into_iter()
                .map(|m| MetricAssumption {
                    code: m.code,
                    success_bp: m.success_bp,
                    uncertainty_bp: m.uncertainty_bp,
                    lag_periods: m.lag_periods,
                    public_saving_minor: m.public_saving_minor,
                })
                .collect(),
            cost_per_participant_minor: a.cost_per_participant_minor,
            cost_per_period_minor: a.cost_per_period_minor,
            discount_rate_bp: a.discount_rate_bp,
            return_cap_bp: a.return_cap_bp,
            payment_delay_periods: a.payment_delay_periods.unwrap_or(1),
        }
    }
}

/// The feasibility runs of a contract, newest first (at most 20), and the assumptions to start
/// the next from (the newest run's, or a starting point from the contract's cohorts).
#[utoipa::path(get, path = "/outcomes/contracts/{id}/feasibility", tag = "outcomes", params(("id" = i64, Path)),
    responses((status = 200, description = "`contract_id`, `contract_name`, `state`, `currency`, `scale`, `can_run`, `assumptions` and `runs` (each: `id`, `assumptions`, `model` (the model file), `scenarios`, `seed`, `figures` as `koinon outcomes simulate --json` prints them, `run_by`, `run_at_us`)", body = Object),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn feasibility(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<FeasibilityView>, ApiError> {
    Ok(Json(state.app.feasibility(&user.actor(), user.tenant_id, id).await?))
}

/// Runs the contract's feasibility model with these assumptions (admins and officers, while
/// the contract is a draft or in feasibility) and keeps the run. Errors name the model's field
/// (`metrics[1].success_bp`, `referrals.per_period`, `scenarios`).
#[utoipa::path(post, path = "/outcomes/contracts/{id}/feasibility", tag = "outcomes", params(("id" = i64, Path)),
    request_body = FeasibilityRequest,
    responses((status = 201, description = "The run: `id`, `assumptions`, `model`, `scenarios`, `seed`, `figures`, `run_by`, `run_at_us`", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn run_feasibility(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FeasibilityRequest>,
) -> Result<(StatusCode, Json<FeasibilityRunView>), ApiError> {
    let assumptions = Assumptions::from(body.assumptions);
    let run = state
        .app
        .run_feasibility(
            &user.actor(),
            user.tenant_id,
            id,
            &assumptions,
            body.scenarios.unwrap_or(SCENARIOS_DEFAULT),
            body.seed.unwrap_or(1),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(run)))
}
