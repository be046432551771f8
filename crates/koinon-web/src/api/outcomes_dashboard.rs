//! API for the figures of an outcomes contract's dashboard and its public summary.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use koinon_app::outcome_dashboard::ContractDashboard;
use utoipa::OpenApi;

use super::{ApiPath, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/outcomes/contracts/{id}/dashboard", get(dashboard))
}

#[derive(OpenApi)]
#[openapi(paths(dashboard))]
pub struct OutcomesDashboardApi;

/// The contract's dashboard: outcomes verified per period and metric against the targets,
/// outcome payments planned (what the contract's calculation makes due for the verified claims)
/// against paid (approved runs) per period, the investors' position (only for readers who may
/// see investor figures; investors see their own) and the commissioner's figures (NPV,
/// benefit–cost ratio, break-even outcome rate; only when the contract has a `[commissioner]`
/// section). Amounts are integers of minor units; rates are fractions (0.5 is 50%).
#[utoipa::path(get, path = "/outcomes/contracts/{id}/dashboard", tag = "outcomes", params(("id" = i64, Path)),
    responses((status = 200, description = "`contract_id`, `name`, `state`, `currency`, `currency_scale`, `period_kind`, `periods` (labels), `contract_cap_minor`, `participants_enrolled`, `cohorts` (`cohort`, `name`, `target_size`, `enrolled`), `outcomes` (per metric: `metric`, `name`, `verified_by_period`, `verified`, `waiting`, `target`, `target_kind`), `payments` (per period: `period`, `planned_minor`, `actual_minor`, `awaiting_approval_minor`, `planned_cumulative_minor`, `actual_cumulative_minor`), `planned_total_minor`, `paid_total_minor`, `awaiting_approval_minor`, `cap_remaining_minor`, `investors` and `investors_total` (`name`, `committed_minor`, `drawn_minor`, `distributed_minor`, `capital_returned_minor`, `outstanding_minor`, `undrawn_minor`; `null` without the right to see investor figures) and `commissioner` (`discount_rate_bp`, `baseline_rate_bp`, `as_of`, `savings_by_metric`, `savings_by_period`, `figures` with `outcome_payments_minor`, `public_savings_minor`, `net_savings_minor`, `pv_outcome_payments_minor`, `pv_public_savings_minor`, `npv_minor`, `benefit_cost_ratio`, `break_even` with `commissioner_break_even_rate` and `investor_capital_back_rate`; `null` without a `[commissioner]` section)", body = Object),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn dashboard(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ContractDashboard>, ApiError> {
    Ok(Json(state.app.contract_dashboard(&user.actor(), user.tenant_id, id).await?))
}
