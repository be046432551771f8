//! `/api/v1/ledgers`, `/api/v1/accounts`, `/api/v1/transfers`: the ledger. Amounts are JSON
//! integers of minor units, ids are UUID strings, flags arrays of flag names. Batches answer a
//! result per event, in order, once they are durable.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use koinon_app::ledger::{AccountView, EventResult, LedgerView, NewAccountInput, TransferInput, TransferView};
use utoipa::OpenApi;

use super::{ApiJson, ApiPath, ApiQuery, ApiUser, ErrorBody};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ledgers", get(list_ledgers).post(create_ledger))
        .route("/accounts", post(create_accounts))
        .route("/accounts/{id}", get(get_account))
        .route("/accounts/{id}/transfers", get(account_transfers))
        .route("/transfers", post(create_transfers))
        .route("/transfers/{id}", get(get_transfer))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_ledgers,
        create_ledger,
        create_accounts,
        get_account,
        account_transfers,
        create_transfers,
        get_transfer
    ),
    components(schemas(
        LedgerBody,
        NewLedger,
        NewAccounts,
        NewAccountBody,
        NewTransfers,
        NewTransferBody,
        ResultsBody,
        ResultBody,
        AccountBody,
        TransferBody,
        TransferPage
    ))
)]
pub struct LedgerApi;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LedgerBody {
    pub code: String,
    pub name: String,
    /// Minor-unit digits.
    pub scale: u8,
}

impl From<LedgerView> for LedgerBody {
    fn from(l: LedgerView) -> Self {
        Self { code: l.code, name: l.name, scale: l.scale }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLedger {
    /// `EUR`, `GBP`, or a municipal code such as `GRAMA` (3 to 12 letters or digits).
    pub code: String,
    pub name: String,
    /// Minor-unit digits, 0 to 8.
    pub scale: i64,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccounts {
    /// 1 to 8,190 accounts.
    pub accounts: Vec<NewAccountBody>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    /// A client-chosen UUID.
    pub id: String,
    /// The ledger's code.
    pub ledger: String,
    /// The account type: budget, outcome_payer, guarantee_fund, liquidity, issuance, wallet,
    /// merchant, spv, investor, provider, grant, fees, rounding, bank, other.
    pub code: String,
    /// `user:<id>` or `organisation:<id>`: the owner sees the account.
    pub owner: Option<String>,
    /// `debits_must_not_exceed_credits`, `credits_must_not_exceed_debits`, `closed`.
    #[serde(default)]
    pub flags: Vec<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTransfers {
    /// 1 to 8,190 transfers.
    pub transfers: Vec<NewTransferBody>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTransferBody {
    /// A client-chosen UUID: sending the same transfer again has no second effect.
    pub id: String,
    /// Optional on post_pending and void_pending (the hold's).
    pub debit_account_id: Option<String>,
    pub credit_account_id: Option<String>,
    /// Minor units. On post_pending, may be less than held; left out, the full amount.
    pub amount: Option<i64>,
    /// The ledger's code.
    pub ledger: Option<String>,
    /// The reason: `a-z 0-9 _ . -`, up to 64.
    pub code: String,
    /// `linked`, `pending`, `post_pending`, `void_pending`.
    #[serde(default)]
    pub flags: Vec<String>,
    pub pending_id: Option<String>,
    /// Seconds until a hold is voided by the ledger (holds only; up to 30 days).
    pub timeout_s: Option<i64>,
    /// The programme object that caused the transfer (up to 200 characters).
    pub reference: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ResultsBody {
    /// One per event, in the order sent.
    pub results: Vec<ResultBody>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ResultBody {
    pub index: usize,
    pub id: String,
    /// `ok`, `exists`, or why it was refused (see docs/ledger.md).
    pub result: String,
}

impl From<EventResult> for ResultBody {
    fn from(r: EventResult) -> Self {
        Self { index: r.index, id: r.id, result: r.result.to_string() }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AccountBody {
    pub id: String,
    pub ledger: String,
    pub scale: u8,
    pub code: String,
    pub owner: Option<String>,
    pub flags: Vec<String>,
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_pending: i64,
    pub credits_posted: i64,
    /// When the account was created (microseconds since the epoch).
    pub timestamp: i64,
}

impl From<AccountView> for AccountBody {
    fn from(a: AccountView) -> Self {
        Self {
            id: a.id,
            ledger: a.ledger,
            scale: a.scale,
            code: a.code,
            owner: a.owner,
            flags: a.flags.into_iter().map(str::to_string).collect(),
            debits_pending: a.debits_pending,
            debits_posted: a.debits_posted,
            credits_pending: a.credits_pending,
            credits_posted: a.credits_posted,
            timestamp: a.timestamp,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TransferBody {
    pub id: String,
    pub debit_account_id: String,
    pub credit_account_id: String,
    pub amount: i64,
    pub ledger: String,
    pub code: String,
    pub reference: Option<String>,
    pub flags: Vec<String>,
    pub pending_id: Option<String>,
    pub timeout_s: i64,
    /// Assigned by the ledger: microseconds since the epoch, strictly increasing.
    pub timestamp: i64,
}

impl From<TransferView> for TransferBody {
    fn from(t: TransferView) -> Self {
        Self {
            id: t.id,
            debit_account_id: t.debit_account_id,
            credit_account_id: t.credit_account_id,
            amount: t.amount,
            ledger: t.ledger,
            code: t.code,
            reference: t.reference,
            flags: t.flags.into_iter().map(str::to_string).collect(),
            pending_id: t.pending_id,
            timeout_s: t.timeout_s,
            timestamp: t.timestamp,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TransferPage {
    pub items: Vec<TransferBody>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AsOfQuery {
    /// Balances as of this moment (microseconds since the epoch), recomputed from the transfers.
    pub as_of: Option<i64>,
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// The municipality's ledgers.
#[utoipa::path(get, path = "/ledgers", tag = "ledger",
    responses((status = 200, body = Vec<LedgerBody>), (status = 401, body = ErrorBody)))]
async fn list_ledgers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<LedgerBody>>, ApiError> {
    let ledgers = state.app.list_ledgers(&user.actor(), user.tenant_id).await?;
    Ok(Json(ledgers.into_iter().map(Into::into).collect()))
}

/// Creates a ledger (admins and officers); the same ledger again answers 200.
#[utoipa::path(post, path = "/ledgers", tag = "ledger", request_body = NewLedger,
    responses((status = 201, body = LedgerBody), (status = 200, body = LedgerBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_ledger(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewLedger>,
) -> Result<(StatusCode, Json<LedgerBody>), ApiError> {
    let (ledger, created) =
        state.app.create_ledger(&user.actor(), user.tenant_id, &body.code, &body.name, body.scale).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(ledger.into())))
}

/// Creates accounts; a result per account (`ok`, `exists`, `exists_with_different_fields`,
/// `ledger_not_found`, `code_invalid`, `flags_are_mutually_exclusive`, `owner_too_long`).
#[utoipa::path(post, path = "/accounts", tag = "ledger", request_body = NewAccounts,
    responses((status = 200, body = ResultsBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_accounts(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewAccounts>,
) -> Result<Json<ResultsBody>, ApiError> {
    let inputs: Vec<NewAccountInput> = body
        .accounts
        .into_iter()
        .map(|a| NewAccountInput { id: a.id, ledger: a.ledger, code: a.code, owner: a.owner, flags: a.flags })
        .collect();
    let results = state.app.create_accounts(&user.actor(), user.tenant_id, &inputs).await?;
    Ok(Json(ResultsBody { results: results.into_iter().map(Into::into).collect() }))
}

/// An account with its balances (officers, approvers, auditors; owners their own).
#[utoipa::path(get, path = "/accounts/{id}", tag = "ledger", params(("id" = String, Path), AsOfQuery),
    responses((status = 200, body = AccountBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_account(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<AccountBody>, ApiError> {
    Ok(Json(state.app.ledger_account(&user.actor(), user.tenant_id, &id, q.as_of).await?.into()))
}

/// An account's statement: its transfers, oldest first.
#[utoipa::path(get, path = "/accounts/{id}/transfers", tag = "ledger", params(("id" = String, Path), StatementQuery),
    responses((status = 200, body = TransferPage), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn account_transfers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<StatementQuery>,
) -> Result<Json<TransferPage>, ApiError> {
    let page = state.app.account_statement(&user.actor(), user.tenant_id, &id, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(TransferPage { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// Submits 1 to 8,190 transfers; a result per transfer, in order, once the batch is durable.
#[utoipa::path(post, path = "/transfers", tag = "ledger", request_body = NewTransfers,
    responses((status = 200, body = ResultsBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_transfers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewTransfers>,
) -> Result<Json<ResultsBody>, ApiError> {
    let inputs: Vec<TransferInput> = body
        .transfers
        .into_iter()
        .map(|t| TransferInput {
            id: t.id,
            debit_account_id: t.debit_account_id,
            credit_account_id: t.credit_account_id,
            amount: t.amount,
            ledger: t.ledger,
            code: t.code,
            flags: t.flags,
            pending_id: t.pending_id,
            timeout_s: t.timeout_s,
            reference: t.reference,
        })
        .collect();
    let results = state.app.create_transfers(&user.actor(), user.tenant_id, &inputs).await?;
    Ok(Json(ResultsBody { results: results.into_iter().map(Into::into).collect() }))
}

/// One transfer.
#[utoipa::path(get, path = "/transfers/{id}", tag = "ledger", params(("id" = String, Path)),
    responses((status = 200, body = TransferBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_transfer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<TransferBody>, ApiError> {
    Ok(Json(state.app.ledger_transfer(&user.actor(), user.tenant_id, &id).await?.into()))
}
