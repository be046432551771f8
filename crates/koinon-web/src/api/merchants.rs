//! API of the e-currency's merchants, cards and payments. Merchants apply and officers review
//! them; a merchant's own till takes payments with a bearer token of the merchant's user:
//! `POST /api/v1/currency/payments` with a payment id the till chooses (a UUID), so that a
//! retried request pays once. A refused payment is a 422 whose `error.code` says why
//! (`wrong_pin`, `card_locked`, `insufficient_balance`, `daily_limit`, ...). Amounts in
//! requests are decimal text in the currency (`"12.50"`); amounts in answers are integer minor
//! units.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use koinon_app::currency_payments::{CardView, IssuedCard, PaymentInput, PaymentView};
use koinon_app::currency_redemption::{
    CirculationInput, CirculationView, MerchantBalance, RedemptionInput, RedemptionView,
};
use koinon_app::merchants::{
    DOCUMENT_BYTES_MAX, Directory, DirectoryEntry, DocumentInput, DocumentView, MerchantInput, MerchantView,
};
use utoipa::OpenApi;

use super::outcomes_files::FileBytes;
use super::{ApiJson, ApiPath, ApiQuery, ApiUser, ErrorBody, PageQuery};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/currency/merchants", get(list_merchants).post(apply))
        .route("/currency/merchants/directory", get(directory))
        .route("/currency/merchants/{id}", get(get_merchant))
        .route("/currency/merchants/{id}/review", post(review))
        .route(
            "/currency/merchants/{id}/documents",
            post(upload_document).layer(DefaultBodyLimit::max(DOCUMENT_BYTES_MAX)),
        )
        .route("/currency/merchants/{id}/documents/{document}", get(download_document))
        .route("/currency/merchants/{id}/payments", get(merchant_payments))
        .route("/currency/merchants/{id}/balance", get(merchant_balance))
        .route("/currency/merchants/{id}/circulation", post(pay_merchant))
        .route("/currency/merchants/{id}/redemptions", post(redeem))
        .route("/currency/payments", post(take_payment))
        .route("/currency/payments/{id}", get(get_payment))
        .route("/currency/payments/{id}/capture", post(capture))
        .route("/currency/payments/{id}/void", post(void))
        .route("/currency/cards", post(issue_card))
        .route("/currency/cards/{id}/unlock", post(unlock_card))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_merchants,
        apply,
        directory,
        get_merchant,
        review,
        upload_document,
        download_document,
        merchant_payments,
        merchant_balance,
        pay_merchant,
        redeem,
        take_payment,
        get_payment,
        capture,
        void,
        issue_card,
        unlock_card
    ),
    components(schemas(
        MerchantApplicationBody,
        MerchantBody,
        MerchantList,
        DocumentBody,
        Review,
        DirectoryBody,
        DirectoryEntryBody,
        NewPayment,
        PaymentBody,
        Capture,
        NewCard,
        IssuedCardBody,
        CardBody,
        BalanceBody,
        NewCirculation,
        CirculationBody,
        NewRedemption,
        RedemptionBody
    ))
)]
pub struct MerchantsApi;

/// A shop's application for accreditation.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MerchantApplicationBody {
    pub currency_id: i64,
    /// Up to 120 characters.
    pub name: String,
    /// The company or association registration number, if any (up to 40).
    pub registration: String,
    /// The district or neighbourhood, for the directory (up to 80).
    pub area: String,
    pub address: String,
    pub description: String,
    /// Category codes the shop sells, of the currency's categories (1 to 20).
    pub categories: Vec<String>,
    pub email: String,
    pub phone: String,
    /// Officers applying on a shop's behalf: the merchant user who will own it.
    pub owner_user_id: Option<i64>,
}

impl From<MerchantApplicationBody> for MerchantInput {
    fn from(b: MerchantApplicationBody) -> Self {
        MerchantInput {
            currency_id: b.currency_id,
            name: b.name,
            registration: b.registration,
            area: b.area,
            address: b.address,
            description: b.description,
            categories: b.categories,
            email: b.email,
            phone: b.phone,
            owner_user_id: b.owner_user_id,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentBody {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

impl From<DocumentView> for DocumentBody {
    fn from(d: DocumentView) -> Self {
        Self {
            id: d.id,
            file_name: d.file_name,
            content_type: d.content_type,
            size_bytes: d.size_bytes,
            sha256: d.sha256,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MerchantBody {
    pub id: i64,
    pub currency_id: i64,
    pub currency: String,
    pub name: String,
    pub registration: Option<String>,
    pub area: String,
    pub address: String,
    pub description: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    /// `applied`, `accredited`, `refused` or `suspended`.
    pub status: String,
    /// Why it was refused or suspended.
    pub status_reason: Option<String>,
    pub categories: Vec<String>,
    /// The shop's account on the currency's ledger (UUID), from its first accreditation.
    pub account: Option<String>,
    pub owner_user_id: Option<i64>,
    pub documents: Vec<DocumentBody>,
}

impl From<MerchantView> for MerchantBody {
    fn from(m: MerchantView) -> Self {
        Self {
            id: m.id,
            currency_id: m.currency_id,
            currency: m.currency,
            name: m.name,
            registration: m.registration,
            area: m.area,
            address: m.address,
            description: m.description,
            email: m.email,
            phone: m.phone,
            status: m.status,
            status_reason: m.status_reason,
            categories: m.categories,
            account: m.account,
            owner_user_id: m.owner_user_id,
            documents: m.documents.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MerchantList {
    pub items: Vec<MerchantBody>,
    pub next_cursor: Option<String>,
}

/// An officer's decision on a merchant.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// `accredit`, `refuse`, `suspend` or `reinstate`.
    pub action: String,
    /// Required to refuse or suspend (the merchant is told); up to 1,000 characters.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DirectoryEntryBody {
    pub id: i64,
    pub name: String,
    pub area: String,
    pub address: String,
    pub description: Option<String>,
    pub phone: Option<String>,
    pub categories: Vec<String>,
}

impl From<DirectoryEntry> for DirectoryEntryBody {
    fn from(e: DirectoryEntry) -> Self {
        Self {
            id: e.id,
            name: e.name,
            area: e.area,
            address: e.address,
            description: e.description,
            phone: e.phone,
            categories: e.categories,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DirectoryBody {
    pub entries: Vec<DirectoryEntryBody>,
    pub areas: Vec<String>,
    pub categories: Vec<String>,
}

impl From<Directory> for DirectoryBody {
    fn from(d: Directory) -> Self {
        Self { entries: d.entries.into_iter().map(Into::into).collect(), areas: d.areas, categories: d.categories }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Only shops of this area.
    pub area: Option<String>,
    /// Only shops selling this category.
    pub category: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MerchantListQuery {
    /// Only merchants of this status (`applied`, `accredited`, `refused`, `suspended`).
    pub status: Option<String>,
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// The file's name, up to 200 characters.
    pub filename: String,
}

/// A payment at the point of sale.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NewPayment {
    /// The till's id for this payment (a UUID): send the same id again to retry safely.
    pub payment_id: String,
    pub merchant_id: i64,
    /// The 16 symbols of the beneficiary's card, typed or scanned (spaces, hyphens and lower
    /// case are fine).
    pub card_code: String,
    /// The beneficiary's PIN (4 to 6 digits).
    pub pin: String,
    /// Decimal text in the currency, e.g. `"12.50"`.
    pub amount: String,
    /// The spending category of the purchase, e.g. `food`.
    pub category: String,
    /// Hold the units now and capture later (two-phase).
    pub hold: bool,
    /// How long a hold lasts before it is released, in seconds (default 86,400; at most 30 days).
    pub hold_s: Option<i64>,
}

impl From<NewPayment> for PaymentInput {
    fn from(b: NewPayment) -> Self {
        PaymentInput {
            payment_id: b.payment_id,
            merchant_id: b.merchant_id,
            card_code: b.card_code,
            pin: b.pin,
            amount: b.amount,
            category: b.category,
            hold: b.hold,
            hold_s: b.hold_s,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PaymentBody {
    /// The payment id, which is also its ledger transfer's id.
    pub id: String,
    pub merchant_id: i64,
    pub currency: String,
    pub scale: u8,
    /// `payment` or `hold`.
    pub kind: String,
    /// `posted` (paid), `held`, `captured`, `voided`; `authorised` while the ledger takes it.
    pub state: String,
    pub amount_minor: i64,
    pub captured_minor: Option<i64>,
    pub category: String,
    /// The card's last four symbols.
    pub card: String,
    pub created_at_us: i64,
}

impl From<PaymentView> for PaymentBody {
    fn from(p: PaymentView) -> Self {
        Self {
            id: p.id,
            merchant_id: p.merchant_id,
            currency: p.currency,
            scale: p.scale,
            kind: p.kind,
            state: p.state,
            amount_minor: p.amount_minor,
            captured_minor: p.captured_minor,
            category: p.category,
            card: p.card,
            created_at_us: p.created_at_us,
        }
    }
}

/// What to capture of a hold.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Capture {
    /// Decimal text, at most what was held; empty: all of it.
    pub amount: String,
}

/// A card for a household of a programme.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    pub household_id: i64,
    /// 4 to 6 digits, not one digit repeated nor a run like 1234.
    pub pin: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IssuedCardBody {
    pub card_id: i64,
    /// The card code to print, in groups of four (answered only now).
    pub code: String,
    pub household: String,
    pub currency: String,
    /// The household's wallet (UUID).
    pub wallet: String,
}

impl From<IssuedCard> for IssuedCardBody {
    fn from(c: IssuedCard) -> Self {
        Self { card_id: c.card_id, code: c.code, household: c.household, currency: c.currency, wallet: c.wallet }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CardBody {
    pub id: i64,
    /// The card's last four symbols.
    pub card: String,
    pub household_id: i64,
    /// `active` or `replaced`.
    pub status: String,
    pub pin_failures: i64,
    pub locked_until_s: Option<i64>,
}

impl From<CardView> for CardBody {
    fn from(c: CardView) -> Self {
        Self {
            id: c.id,
            card: c.card,
            household_id: c.household_id,
            status: c.status,
            pin_failures: c.pin_failures,
            locked_until_s: c.locked_until_s,
        }
    }
}

/// The municipality's merchants (staff), or the caller's own (a merchant).
#[utoipa::path(get, path = "/currency/merchants", tag = "currency", params(MerchantListQuery),
    responses((status = 200, body = MerchantList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_merchants(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<MerchantListQuery>,
) -> Result<Json<MerchantList>, ApiError> {
    let page = state
        .app
        .list_merchants(&user.actor(), user.tenant_id, q.status.as_deref(), q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(MerchantList { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// Applies for a shop's accreditation (a merchant for its own shop; officers on a shop's
/// behalf). Documents follow with `POST /currency/merchants/{id}/documents`.
#[utoipa::path(post, path = "/currency/merchants", tag = "currency", request_body = MerchantApplicationBody,
    responses((status = 201, body = MerchantBody, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The merchant already applied for this currency"),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn apply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<MerchantApplicationBody>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<MerchantBody>), ApiError> {
    let m = state.app.apply_merchant(&user.actor(), user.tenant_id, &body.into(), &[]).await?;
    let location = format!("/api/v1/currency/merchants/{}", m.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(m.into())))
}

/// The municipality's accredited shops by area and name (what the public directory shows).
#[utoipa::path(get, path = "/currency/merchants/directory", tag = "currency", params(DirectoryQuery),
    responses((status = 200, body = DirectoryBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn directory(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<DirectoryQuery>,
) -> Result<Json<DirectoryBody>, ApiError> {
    let tenant = state.app.tenant_by_id(user.tenant_id).await?;
    let d = state.app.merchant_directory(&tenant.code, q.area.as_deref(), q.category.as_deref()).await?;
    Ok(Json(d.into()))
}

/// One merchant with its categories and documents.
#[utoipa::path(get, path = "/currency/merchants/{id}", tag = "currency", params(("id" = i64, Path)),
    responses((status = 200, body = MerchantBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_merchant(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MerchantBody>, ApiError> {
    Ok(Json(state.app.merchant(&user.actor(), user.tenant_id, id).await?.into()))
}

/// An officer accredits, refuses, suspends or reinstates a merchant; accrediting opens its
/// account on the currency's ledger.
#[utoipa::path(post, path = "/currency/merchants/{id}/review", tag = "currency", params(("id" = i64, Path)),
    request_body = Review,
    responses((status = 200, body = MerchantBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn review(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Review>,
) -> Result<Json<MerchantBody>, ApiError> {
    Ok(Json(state.app.review_merchant(&user.actor(), user.tenant_id, id, &body.action, &body.reason).await?.into()))
}

/// Adds a document to an application waiting for review. The body is the file;
/// `Content-Type` is `application/pdf`, `image/png` or `image/jpeg`; 1 byte to 5 MiB; at most
/// 5 documents.
#[utoipa::path(post, path = "/currency/merchants/{id}/documents", tag = "currency",
    params(("id" = i64, Path), DocumentQuery),
    request_body(content = FileBytes, content_type = "application/pdf", description = "The file's bytes"),
    responses((status = 201, body = DocumentBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "The file is larger than 5 MiB"), (status = 422, body = ErrorBody)))]
async fn upload_document(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
    request: Request,
) -> Result<(StatusCode, Json<DocumentBody>), ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_string();
    let bytes = Bytes::from_request(request, &state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "A document is at most 5 MiB")
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", "The body could not be read")
        }
    })?;
    let d = state
        .app
        .add_merchant_document(
            &user.actor(),
            user.tenant_id,
            id,
            &DocumentInput { file_name: &q.filename, content_type: &content_type, content: &bytes },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

/// Downloads a document of an application.
#[utoipa::path(get, path = "/currency/merchants/{id}/documents/{document}", tag = "currency",
    params(("id" = i64, Path), ("document" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = FileBytes, description = "The file"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn download_document(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, document)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let d = state.app.merchant_document(&user.actor(), user.tenant_id, id, document).await?;
    Ok(crate::html::merchants::document_response(d))
}

/// The latest payments a merchant took, newest first (its own user; staff).
#[utoipa::path(get, path = "/currency/merchants/{id}/payments", tag = "currency", params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = Vec<PaymentBody>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn merchant_payments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Vec<PaymentBody>>, ApiError> {
    let list = state.app.merchant_payments(&user.actor(), user.tenant_id, id, q.limit).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Takes a payment from a beneficiary's card (the merchant's own user, e.g. its till with a
/// bearer token). The same `payment_id` again answers the same payment and pays once. A
/// refusal is a 422 whose `error.code` is the reason: `wrong_pin` (the message says how many
/// tries are left), `card_locked`, `card_blocked`, `unknown_card`, `card_replaced`,
/// `merchant_not_accredited`, `merchant_suspended`, `category_not_sold_here`,
/// `category_not_allowed`, `units_expired`, `insufficient_balance`, `daily_limit`,
/// `amount_must_be_positive`, `amount_too_large`.
#[utoipa::path(post, path = "/currency/payments", tag = "currency", request_body = NewPayment,
    responses((status = 201, body = PaymentBody, headers(("Location" = String, description = "The payment's URL"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such merchant of the caller"),
        (status = 409, body = ErrorBody, description = "The payment id was used for another payment"),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Bad input (fields named) or the payment refused (`error.code` says why)")))]
async fn take_payment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewPayment>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<PaymentBody>), ApiError> {
    let p = state
        .app
        .take_payment(&user.actor(), user.tenant_id, &body.into())
        .await?
        .map_err(koinon_app::AppError::from)?;
    let location = format!("/api/v1/currency/payments/{}", p.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(p.into())))
}

/// One payment (the merchant that took it; staff).
#[utoipa::path(get, path = "/currency/payments/{id}", tag = "currency", params(("id" = String, Path)),
    responses((status = 200, body = PaymentBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_payment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PaymentBody>, ApiError> {
    Ok(Json(state.app.payment(&user.actor(), user.tenant_id, &id).await?.into()))
}

/// Captures a hold, possibly less than was held (the rest is released); again: no change.
#[utoipa::path(post, path = "/currency/payments/{id}/capture", tag = "currency", params(("id" = String, Path)),
    request_body = Capture,
    responses((status = 200, body = PaymentBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn capture(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<Capture>,
) -> Result<Json<PaymentBody>, ApiError> {
    Ok(Json(state.app.capture_payment(&user.actor(), user.tenant_id, &id, &body.amount).await?.into()))
}

/// Releases a hold: nothing is paid; again: no change.
#[utoipa::path(post, path = "/currency/payments/{id}/void", tag = "currency", params(("id" = String, Path)),
    responses((status = 200, body = PaymentBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn void(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PaymentBody>, ApiError> {
    Ok(Json(state.app.void_payment(&user.actor(), user.tenant_id, &id).await?.into()))
}

/// Issues a card to a household of a programme (officers): the answer carries the code to
/// print, once. An earlier card of the household stops working.
#[utoipa::path(post, path = "/currency/cards", tag = "currency", request_body = NewCard,
    responses((status = 201, body = IssuedCardBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn issue_card(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewCard>,
) -> Result<(StatusCode, Json<IssuedCardBody>), ApiError> {
    let c = state.app.issue_card(&user.actor(), user.tenant_id, body.household_id, &body.pin).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Clears a card's wrong-PIN count and lock (officers).
#[utoipa::path(post, path = "/currency/cards/{id}/unlock", tag = "currency", params(("id" = i64, Path)),
    responses((status = 200, body = CardBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn unlock_card(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CardBody>, ApiError> {
    Ok(Json(state.app.unlock_card(&user.actor(), user.tenant_id, id).await?.into()))
}

/// A merchant's units and euros.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BalanceBody {
    pub merchant_id: i64,
    pub currency: String,
    pub scale: u8,
    /// Units it may pay to other merchants or redeem.
    pub balance_minor: i64,
    /// Of those, received within the early-redemption window (they pay the early fee).
    pub recent_minor: i64,
    /// Euro cents in its euro account.
    pub euro_minor: i64,
}

impl From<MerchantBalance> for BalanceBody {
    fn from(b: MerchantBalance) -> Self {
        Self {
            merchant_id: b.merchant_id,
            currency: b.currency,
            scale: b.scale,
            balance_minor: b.balance_minor,
            recent_minor: b.recent_minor,
            euro_minor: b.euro_minor,
        }
    }
}

/// A payment to another accredited merchant of the same currency.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NewCirculation {
    /// The merchant's id for the payment (a UUID): the same id again pays once.
    pub payment_id: String,
    pub to_merchant_id: i64,
    /// Decimal text in the currency.
    pub amount: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CirculationBody {
    pub id: String,
    pub from_merchant_id: i64,
    pub to_merchant_id: i64,
    pub currency: String,
    pub scale: u8,
    pub amount_minor: i64,
}

impl From<CirculationView> for CirculationBody {
    fn from(c: CirculationView) -> Self {
        Self {
            id: c.id,
            from_merchant_id: c.from_merchant_id,
            to_merchant_id: c.to_merchant_id,
            currency: c.currency,
            scale: c.scale,
            amount_minor: c.amount_minor,
        }
    }
}

/// Units to redeem to euros.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NewRedemption {
    /// The merchant's id for the request (a UUID): the same id again redeems once.
    pub request_id: String,
    /// Decimal text in the currency.
    pub amount: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RedemptionBody {
    pub id: String,
    pub merchant_id: i64,
    pub currency: String,
    pub scale: u8,
    /// Units redeemed: the fee plus the units retired.
    pub amount_minor: i64,
    pub fee_minor: i64,
    pub retired_minor: i64,
    /// Euro cents paid from the guarantee fund.
    pub payout_eur_minor: i64,
    /// The merchant's euro account (UUID).
    pub euro_account: String,
}

impl From<RedemptionView> for RedemptionBody {
    fn from(r: RedemptionView) -> Self {
        Self {
            id: r.id,
            merchant_id: r.merchant_id,
            currency: r.currency,
            scale: r.scale,
            amount_minor: r.amount_minor,
            fee_minor: r.fee_minor,
            retired_minor: r.retired_minor,
            payout_eur_minor: r.payout_eur_minor,
            euro_account: r.euro_account,
        }
    }
}

/// A merchant's units and euros (its own user; staff).
#[utoipa::path(get, path = "/currency/merchants/{id}/balance", tag = "currency", params(("id" = i64, Path)),
    responses((status = 200, body = BalanceBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn merchant_balance(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<BalanceBody>, ApiError> {
    Ok(Json(state.app.merchant_balance(&user.actor(), user.tenant_id, id).await?.into()))
}

/// Pays another accredited merchant of the same currency (ledger transfer code
/// `circulation`; the merchant's own user).
#[utoipa::path(post, path = "/currency/merchants/{id}/circulation", tag = "currency", params(("id" = i64, Path)),
    request_body = NewCirculation,
    responses((status = 201, body = CirculationBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The payment id was used for another payment"),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn pay_merchant(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewCirculation>,
) -> Result<(StatusCode, Json<CirculationBody>), ApiError> {
    let input =
        CirculationInput { payment_id: body.payment_id, to_merchant_id: body.to_merchant_id, amount: body.amount };
    let c = state.app.pay_merchant(&user.actor(), user.tenant_id, id, &input).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Redeems units to euros with the currency's fee (the merchant's own user): the fee to the
/// currency's fees account, the rest retired, its euros paid from the guarantee fund to the
/// merchant's euro account, as one chain.
#[utoipa::path(post, path = "/currency/merchants/{id}/redemptions", tag = "currency", params(("id" = i64, Path)),
    request_body = NewRedemption,
    responses((status = 201, body = RedemptionBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The request id was used for another amount"),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn redeem(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewRedemption>,
) -> Result<(StatusCode, Json<RedemptionBody>), ApiError> {
    let input = RedemptionInput { request_id: body.request_id, amount: body.amount };
    let r = state.app.redeem(&user.actor(), user.tenant_id, id, &input).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}
