//! A shop's statement and its open holds for its own till system (bearer token of the shop's
//! user) and for staff who see merchants: the same figures as the statement page and the
//! point of sale's list of holds, in minor units.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use koinon_app::currency_holds::HoldView;
use koinon_app::currency_statement::{MerchantStatement, StatementEntry, StatementPeriod};
use utoipa::OpenApi;

use super::{ApiPath, ApiQuery, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/currency/merchants/{id}/statement", get(statement))
        .route("/currency/merchants/{id}/holds", get(open_holds))
}

#[derive(OpenApi)]
#[openapi(paths(statement, open_holds), components(schemas(StatementBody, StatementEntryBody, HoldBody)))]
pub struct MerchantStatementApi;

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD&cursor=...&limit=...`
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// First day of the period (UTC), inclusive; open when left out.
    pub from: Option<String>,
    /// Last day of the period (UTC), inclusive; open when left out.
    pub to: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Entries per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StatementEntryBody {
    /// The ledger transfer.
    pub id: String,
    pub at_us: i64,
    /// The transfer code: `payment`, `circulation`, `redemption`, `redemption_fee`, ...
    pub what: String,
    /// Positive for what came in, negative for what went out (minor units).
    pub amount_minor: i64,
    /// The card payment it settles (a hold's id for a capture).
    pub payment_id: Option<String>,
    /// The last four symbols of the payment's card.
    pub card: Option<String>,
    pub category: Option<String>,
    /// The other shop of a payment between shops.
    pub counterparty: Option<String>,
}

impl From<StatementEntry> for StatementEntryBody {
    fn from(e: StatementEntry) -> Self {
        let StatementEntry { id, at_us, what, amount_minor, payment_id, card, category, counterparty } = e;
        Self { id, at_us, what, amount_minor, payment_id, card, category, counterparty }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StatementBody {
    pub merchant_id: i64,
    pub merchant_name: String,
    pub currency: String,
    pub scale: u8,
    /// The period as read; `null` where open.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Newest first.
    pub entries: Vec<StatementEntryBody>,
    /// The cursor of the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<MerchantStatement> for StatementBody {
    fn from(s: MerchantStatement) -> Self {
        Self {
            merchant_id: s.merchant_id,
            merchant_name: s.merchant_name,
            currency: s.currency,
            scale: s.scale,
            from: s.from,
            to: s.to,
            entries: s.entries.into_iter().map(Into::into).collect(),
            next_cursor: s.next_cursor,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HoldBody {
    /// The hold's payment id: capture or void it at `/currency/payments/{id}/capture` or `/void`.
    pub id: String,
    pub currency: String,
    pub scale: u8,
    pub amount_minor: i64,
    pub category: String,
    /// The card's last four symbols.
    pub card: String,
    pub created_at_us: i64,
    /// When the ledger releases the hold if it is not captured; `null`: never.
    pub expires_at_us: Option<i64>,
}

impl From<HoldView> for HoldBody {
    fn from(h: HoldView) -> Self {
        let HoldView { id, currency, scale, amount_minor, category, card, created_at_us, expires_at_us } = h;
        Self { id, currency, scale, amount_minor, category, card, created_at_us, expires_at_us }
    }
}

/// A page of a shop's statement over a period of whole days: card payments and captures,
/// payments to and from other shops, redemptions and their fees, newest first (the shop's own
/// user; staff who see merchants). A date that does not read, or a `to` before `from`, is a
/// 422 naming the field.
#[utoipa::path(get, path = "/currency/merchants/{id}/statement", tag = "currency",
    params(("id" = i64, Path), StatementQuery),
    responses((status = 200, body = StatementBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn statement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<StatementQuery>,
) -> Result<Json<StatementBody>, ApiError> {
    let period = StatementPeriod { from: q.from, to: q.to };
    let s =
        state.app.merchant_statement(&user.actor(), user.tenant_id, id, &period, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(s.into()))
}

/// The shop's holds that are still open, those released first first (the shop's own user;
/// staff who see merchants).
#[utoipa::path(get, path = "/currency/merchants/{id}/holds", tag = "currency", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<HoldBody>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn open_holds(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<HoldBody>>, ApiError> {
    let holds = state.app.merchant_open_holds(&user.actor(), user.tenant_id, id).await?;
    Ok(Json(holds.into_iter().map(Into::into).collect()))
}
