//! API of a currency's decay runs (`docs/currency.md`, "Decay runs"): the preview of a month's
//! expiry or demurrage, and its posting. Amounts are integer minor units of the currency.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use koinon_app::currency_decay::{DecayLineView, DecayView};
use utoipa::OpenApi;

use super::{ApiPath, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/currency/currencies/{code}/decay/{month}", get(preview_decay).post(post_decay))
}

#[derive(OpenApi)]
#[openapi(paths(preview_decay, post_decay), components(schemas(DecayBody, DecayLineBody)))]
pub struct CurrencyDecayApi;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DecayLineBody {
    /// The household's reference.
    pub household: String,
    pub wallet: String,
    /// What the wallet held when the run was worked out.
    pub balance_minor: i64,
    /// What the run takes from it.
    pub charge_minor: i64,
    /// The ledger transfer (none when nothing is charged).
    pub transfer_id: Option<String>,
}

impl From<DecayLineView> for DecayLineBody {
    fn from(l: DecayLineView) -> Self {
        Self {
            household: l.household,
            wallet: l.wallet,
            balance_minor: l.balance_minor,
            charge_minor: l.charge_minor,
            transfer_id: l.transfer_id,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DecayBody {
    pub currency_id: i64,
    pub currency: String,
    pub scale: u8,
    pub month: String,
    /// `expiry` or `demurrage`.
    pub kind: String,
    /// `preview` (nothing written) or `posted`.
    pub state: String,
    pub run_id: Option<i64>,
    pub demurrage_bp: Option<i64>,
    pub expiry_months: Option<i64>,
    /// Expiry: units issued before this moment (microseconds since the epoch) expired.
    pub cutoff_us: Option<i64>,
    pub wallets_charged: i64,
    pub balance_total_minor: i64,
    pub charged_total_minor: i64,
    /// Demurrage: the fraction of a minor unit (ten-thousandths) carried from the previous
    /// run and to the next.
    pub carried_in_e4: i64,
    pub carried_out_e4: i64,
    /// The transfers' reference: `currency:{CODE}/decay:{YYYY-MM}`.
    pub reference: String,
    pub posted_by: Option<String>,
    pub posted_at_us: Option<i64>,
    pub lines: Vec<DecayLineBody>,
}

impl From<DecayView> for DecayBody {
    fn from(v: DecayView) -> Self {
        Self {
            reference: koinon_app::currency_decay::decay_reference(&v.code, &v.month),
            currency_id: v.currency_id,
            currency: v.code,
            scale: v.scale,
            month: v.month,
            kind: v.kind,
            state: v.state,
            run_id: v.run_id,
            demurrage_bp: v.demurrage_bp,
            expiry_months: v.expiry_months,
            cutoff_us: v.cutoff_us,
            wallets_charged: v.wallets_charged,
            balance_total_minor: v.balance_total_minor,
            charged_total_minor: v.charged_total_minor,
            carried_in_e4: v.carried_in_e4,
            carried_out_e4: v.carried_out_e4,
            posted_by: v.posted_by,
            posted_at_us: v.posted_at_us,
            lines: v.lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// The month's decay of the currency: what each wallet would be charged if it were posted
/// now (`state` `preview`; nothing is written), or the posted run. Staff and auditors. 422
/// names the field `month` (`invalid_month`, `month_not_ended`, `no_decay`).
#[utoipa::path(get, path = "/currency/currencies/{code}/decay/{month}", tag = "currency",
    params(("code" = String, Path), ("month" = String, Path, description = "`YYYY-MM`, a month that has ended")),
    responses((status = 200, body = DecayBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn preview_decay(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((code, month)): ApiPath<(String, String)>,
) -> Result<Json<DecayBody>, ApiError> {
    Ok(Json(state.app.preview_decay(&user.actor(), user.tenant_id, &code, &month).await?.into()))
}

/// Posts the month's decay (admins and officers): worked out again from the wallets as they
/// are now and posted as one ledger chain. A month is run once: again is 422 `already_run`
/// (field `month`), as are `invalid_month`, `month_not_ended`, `before_last_run` and
/// `no_decay`; nothing changes.
#[utoipa::path(post, path = "/currency/currencies/{code}/decay/{month}", tag = "currency",
    params(("code" = String, Path), ("month" = String, Path, description = "`YYYY-MM`, a month that has ended")),
    responses((status = 200, body = DecayBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn post_decay(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((code, month)): ApiPath<(String, String)>,
) -> Result<Json<DecayBody>, ApiError> {
    Ok(Json(state.app.post_decay(&user.actor(), user.tenant_id, &code, &month).await?.into()))
}
