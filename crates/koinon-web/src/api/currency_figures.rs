//! API for the figures of a municipal e-currency (`docs/currency.md`, "Figures").

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use koinon_app::currency_figures::{CurrencyFigures, FiguresParams};
use utoipa::OpenApi;

use super::{ApiPath, ApiQuery, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/currency/ledgers/{code}/figures", get(figures))
}

#[derive(OpenApi)]
#[openapi(paths(figures))]
pub struct CurrencyFiguresApi;

/// `?from=&to=&programme=&top=`
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// First day, `YYYY-MM-DD` (default: the day the ledger was created).
    pub from: Option<String>,
    /// Last day, included, `YYYY-MM-DD` (default: today, UTC).
    pub to: Option<String>,
    /// A programme id: only units issued under `programme:{id}/...` (default: all).
    pub programme: Option<String>,
    /// Merchants listed by name, 1 to 100 (default 10).
    pub top: Option<usize>,
}

/// The figures of a currency ledger for a period (and a programme), traced from its posted
/// transfers: `issued_minor` (R1), `spent_minor` with `by_category` and `top_merchants`,
/// `circulated_minor`, `redeemed_minor`, `months` (issued, spent, circulated, redeemed per
/// month), the LM3 rounds `r1_minor`, `r2_minor`, `r3_minor`, where the units issued in the
/// period are at its end (`cohort_*`), and the ratios `lm3`, `recirculation`, `velocity`,
/// `retention`, each `{numerator, denominator, basis_points, value, percent}` or `null` when
/// its denominator is zero. Amounts are integers of minor units. Officers, approvers, auditors
/// and administrators.
#[utoipa::path(get, path = "/currency/ledgers/{code}/figures", tag = "currency", params(("code" = String, Path), FiguresQuery),
    responses((status = 200, description = "The figures (see above)", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such ledger, or no units issued under the programme (`not_found`)", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn figures(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<FiguresQuery>,
) -> Result<Json<CurrencyFigures>, ApiError> {
    let params = FiguresParams { from: q.from, to: q.to, programme: q.programme, top: q.top };
    Ok(Json(state.app.currency_figures(&user.actor(), user.tenant_id, &code, &params).await?))
}
