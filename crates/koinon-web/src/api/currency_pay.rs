//! Paying a shop from a phone through the API: the signed-in beneficiary's own app (bearer
//! token of the beneficiary's user) pays an accredited shop from the household wallet linked to
//! them, confirmed with the card's PIN, by the same rules and refusals as the shop's payment
//! link (`docs/currency.md`, "Paying by phone").

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use koinon_app::currency_pay::LinkPaymentInput;
use utoipa::OpenApi;

use super::merchants::PaymentBody;
use super::{ApiJson, ApiPath, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/currency/merchants/{id}/pay", post(pay))
}

#[derive(OpenApi)]
#[openapi(paths(pay), components(schemas(PhonePayment)))]
pub struct CurrencyPayApi;

#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PhonePayment {
    /// The app's id for this payment (a UUID): send the same id again to retry safely.
    pub payment_id: String,
    /// The household to pay from (its reference); empty: the only one linked to the user.
    pub household: String,
    /// The household card's PIN (4 to 6 digits).
    pub pin: String,
    /// Decimal text in the currency, e.g. `"12.50"`.
    pub amount: String,
    /// The spending category of the purchase, e.g. `food`.
    pub category: String,
}

/// Pays the shop from the signed-in beneficiary's wallet, confirmed with the card's PIN. The
/// same `payment_id` again answers the same payment and pays once. A refusal is a 422 whose
/// `error.code` is the reason, as at the till (`wrong_pin`, `merchant_suspended`,
/// `category_not_sold_here`, `insufficient_balance`, `daily_limit`, ...); `no_wallet` and
/// `no_card` (field `household`) when no wallet with a card is linked to the user.
#[utoipa::path(post, path = "/currency/merchants/{id}/pay", tag = "currency", params(("id" = i64, Path)),
    request_body = PhonePayment,
    responses((status = 201, body = PaymentBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "No such shop, or never accredited"),
        (status = 409, body = ErrorBody, description = "The payment id was used for another payment"),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Bad input (fields named) or the payment refused (`error.code` says why)")))]
async fn pay(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(merchant_id): ApiPath<i64>,
    ApiJson(body): ApiJson<PhonePayment>,
) -> Result<(StatusCode, Json<PaymentBody>), ApiError> {
    let input = LinkPaymentInput {
        payment_id: body.payment_id,
        household: body.household,
        pin: body.pin,
        amount: body.amount,
        category: body.category,
    };
    let p = state
        .app
        .pay_by_link(&user.actor(), user.tenant_id, merchant_id, &input)
        .await?
        .map_err(koinon_app::AppError::from)?;
    Ok((StatusCode::CREATED, Json(p.into())))
}
