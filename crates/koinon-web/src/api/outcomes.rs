//! `/api/v1/outcomes/payments`: an outcomes contract's payment statement worked out on the
//! data sent (the calculator of the web pages and of `koinon outcomes payments`; stores
//! nothing).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use koinon_app::AppError;
use koinon_core::authz::{Action, Resource};
use koinon_core::outcomes::PaymentStatement;
use utoipa::OpenApi;

use super::{ApiJson, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;
use crate::html::outcomes::{Inputs, work_out};

pub fn routes() -> Router<AppState> {
    Router::new().route("/outcomes/payments", post(payments))
}

#[derive(OpenApi)]
#[openapi(paths(payments), components(schemas(PaymentsRequest)))]
pub struct OutcomesApi;

/// A contract and its data, as text in the formats of `docs/outcomes.md`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentsRequest {
    /// The contract, in the TOML format of `docs/outcomes.md`.
    pub contract: String,
    /// CSV with header `participant,cohort,enrolled_on` (pseudonymous ids only).
    #[serde(default)]
    pub participants: Option<String>,
    /// CSV with header `participant,metric,event_on[,claimed_on][,cohort]`.
    #[serde(default)]
    pub claims: Option<String>,
    /// CSV with header `cohort,measure,value`, for threshold, savings-share and target contracts.
    #[serde(default)]
    pub results: Option<String>,
    /// Include the line of every participant paid (left out by default: it can be long).
    #[serde(default)]
    pub by_participant: bool,
}

/// Works out what a contract would pay on the data sent (everyone but shops and citizens).
/// Each text takes up to 400,000 characters. A 422 lists every problem with its field
/// (`contract`, `participants`, `claims`, `results`), line and column.
#[utoipa::path(post, path = "/outcomes/payments", tag = "outcomes", request_body = PaymentsRequest,
    responses((status = 200, description = "The payment statement: `total_due` and `gross_due` as `{minor, decimal}`, claims read, accepted and refused, refusals by reason and by line, and lines by period, metric, cohort and result, with the caps that cut", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn payments(
    State(_state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<PaymentsRequest>,
) -> Result<Json<PaymentStatement>, ApiError> {
    user.actor().require(Action::ModelOutcomes, &Resource::tenant(user.tenant_id))?;
    let inputs = Inputs {
        contract: body.contract,
        participants: body.participants.unwrap_or_default(),
        claims: body.claims.unwrap_or_default(),
        results: body.results.unwrap_or_default(),
    };
    let mut statement = work_out(&inputs).map_err(AppError::Invalid)?;
    if !body.by_participant {
        statement.by_participant.clear();
    }
    Ok(Json(statement))
}
