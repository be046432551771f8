//! `/api/v1/outcomes/contracts`, `/api/v1/outcomes/claims`, `/api/v1/outcomes/payment-runs`:
//! running an outcomes contract (social impact bond) — the contract and its lifecycle,
//! participants and claims imported from CSV (preview, then commit), the evaluator's
//! verification, payment runs prepared by one user and approved by another, and the investors'
//! figures. Amounts are JSON integers of minor units of the contract's currency.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use koinon_app::outcomes::{
    ClaimVerdict, ClaimView, ContractFigures, ContractOverview, ContractView, ImportReport, ImportRow, ParticipantView,
    PartyView, PaymentRunView, PlannedTransfer, RowStatus,
};
use utoipa::OpenApi;

use super::outcomes_files::ImportBody;
use super::{ApiJson, ApiPath, ApiQuery, ApiUser, ErrorBody, PageQuery};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outcomes/contracts", get(list_contracts).post(create_contract))
        .route("/outcomes/contracts/{id}", get(get_contract))
        .route("/outcomes/contracts/{id}/transition", post(transition_contract))
        .route("/outcomes/contracts/{id}/participants", get(list_participants).post(import_participants))
        .route("/outcomes/contracts/{id}/claims", get(list_claims).post(import_claims))
        .route("/outcomes/claims/{id}/verification", post(verify_claim))
        .route("/outcomes/contracts/{id}/payment-runs", get(list_payment_runs).post(prepare_payment_run))
        .route("/outcomes/payment-runs/{id}", get(get_payment_run))
        .route("/outcomes/payment-runs/{id}/approval", post(approve_payment_run))
        .route("/outcomes/payment-runs/{id}/rejection", post(reject_payment_run))
        .route("/outcomes/contracts/{id}/investors", get(investor_figures))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_contracts,
        create_contract,
        get_contract,
        transition_contract,
        import_participants,
        list_participants,
        import_claims,
        list_claims,
        verify_claim,
        list_payment_runs,
        prepare_payment_run,
        get_payment_run,
        approve_payment_run,
        reject_payment_run,
        investor_figures
    ),
    components(schemas(
        ContractBody,
        PartyBody,
        ContractPage,
        ContractDetailBody,
        CohortEnrolmentBody,
        ClaimCountBody,
        OpenRunBody,
        NewContract,
        Transition,
        CsvImport,
        ImportReportBody,
        ImportRowBody,
        FileErrorBody,
        ParticipantBody,
        ParticipantPage,
        ClaimBody,
        ClaimPage,
        Verdict,
        PaymentRunBody,
        PaymentRunList,
        PlannedTransferBody,
        NewPaymentRun,
        Approval,
        Rejection
    ))
)]
pub struct OutcomesContractsApi;

/// A party of a contract.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PartyBody {
    pub id: i64,
    pub name: String,
    /// `outcome_payer`, `provider`, `investor`, `spv`, `evaluator`, ...
    pub role: String,
    pub commitment_minor: Option<i64>,
    /// The organisation of this koinon with the party's name: its users act for the party.
    pub organisation_id: Option<i64>,
    /// The party's ledger account (a UUID), once the contract is contracted.
    pub account_id: Option<String>,
}

impl From<PartyView> for PartyBody {
    fn from(p: PartyView) -> Self {
        Self {
            id: p.id,
            name: p.name,
            role: p.role,
            commitment_minor: p.commitment_minor,
            organisation_id: p.organisation_id,
            account_id: p.account_id,
        }
    }
}

/// A contract: the summary of its terms, its state and its parties.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ContractBody {
    pub id: i64,
    pub name: String,
    pub policy_area: String,
    /// `rate_card`, `threshold`, `savings_share`, `target`.
    pub mechanism: String,
    /// ISO 4217, e.g. `GBP`.
    pub currency: String,
    /// Minor-unit digits of the currency.
    pub currency_scale: i64,
    /// `YYYY-MM-DD`.
    pub start_on: String,
    /// `YYYY-MM-DD`.
    pub end_on: String,
    /// `month`, `quarter` or `year`.
    pub period: String,
    /// `draft`, `feasibility`, `contracted`, `running`, `closed`.
    pub state: String,
    pub contract_cap_minor: i64,
    pub participant_cap_minor: Option<i64>,
    pub period_cap_minor: Option<i64>,
    pub investor_commitments_minor: i64,
    /// The cohorts as the contract defines them.
    #[schema(value_type = Object)]
    pub cohorts: serde_json::Value,
    /// Investors' capped return as a money multiple in basis points (11000 = 1.1×); `null` =
    /// uncapped.
    pub return_cap_multiple_bp: Option<i64>,
    /// Investors' share of the residual, in basis points.
    pub residual_investors_share_bp: i64,
    /// The account that receives outcome payments.
    pub spv_account_id: Option<String>,
    pub parties: Vec<PartyBody>,
}

impl From<ContractView> for ContractBody {
    fn from(c: ContractView) -> Self {
        Self {
            id: c.id,
            name: c.name,
            policy_area: c.policy_area,
            mechanism: c.mechanism,
            currency: c.currency,
            currency_scale: c.currency_scale,
            start_on: c.start_on,
            end_on: c.end_on,
            period: c.period,
            state: c.state.as_str().to_string(),
            contract_cap_minor: c.contract_cap_minor,
            participant_cap_minor: c.participant_cap_minor,
            period_cap_minor: c.period_cap_minor,
            investor_commitments_minor: c.investor_commitments_minor,
            cohorts: c.cohorts,
            return_cap_multiple_bp: c.return_cap_multiple_bp,
            residual_investors_share_bp: c.residual_investors_share_bp,
            spv_account_id: c.spv_account_id,
            parties: c.parties.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ContractPage {
    pub items: Vec<ContractBody>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CohortEnrolmentBody {
    pub cohort: String,
    pub target_size: u32,
    pub enrolled: i64,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ClaimCountBody {
    /// `submitted`, `verified` or `rejected`.
    pub status: String,
    pub count: i64,
}

/// A payment run waiting for approval (or for its posting).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OpenRunBody {
    pub id: i64,
    pub period: String,
    pub state: String,
    pub amount_due_minor: i64,
}

/// A contract at a glance: the contract, enrolment against target, claims by status, paid
/// against the cap.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ContractDetailBody {
    pub contract: ContractBody,
    pub enrolment: Vec<CohortEnrolmentBody>,
    pub claims_by_status: Vec<ClaimCountBody>,
    /// Paid by approved and paid runs.
    pub paid_minor: i64,
    pub cap_remaining_minor: i64,
    /// The last period paid, e.g. `2013-Q2`.
    pub paid_up_to_period: Option<String>,
    pub open_run: Option<OpenRunBody>,
}

impl From<ContractOverview> for ContractDetailBody {
    fn from(o: ContractOverview) -> Self {
        Self {
            contract: o.contract.into(),
            enrolment: o
                .enrolment
                .into_iter()
                .map(|e| CohortEnrolmentBody { cohort: e.cohort, target_size: e.target_size, enrolled: e.enrolled })
                .collect(),
            claims_by_status: o
                .claims_by_status
                .into_iter()
                .map(|(status, count)| ClaimCountBody { status, count })
                .collect(),
            paid_minor: o.paid_minor,
            cap_remaining_minor: o.cap_remaining_minor,
            paid_up_to_period: o.paid_up_to_period,
            open_run: o.open_run.map(|(id, period, state, amount_due_minor)| OpenRunBody {
                id,
                period,
                state,
                amount_due_minor,
            }),
        }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContract {
    /// The contract in the TOML format of `docs/outcomes.md`. Parties whose name is an
    /// organisation of the municipality are linked to it.
    pub toml: String,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The next state: `feasibility`, `contracted` (opens the ledger accounts), `running`,
    /// `closed`. States only move forward.
    pub to: String,
}

/// A CSV file as text.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvImport {
    /// Participants: `participant,cohort,enrolled_on`; claims:
    /// `participant,metric,event_on[,claimed_on]`. Pseudonymous ids only.
    pub csv: String,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true`: report what the import would do and write nothing. `false`: write the accepted
    /// rows, or nothing at all (422 naming every rejected line) if any row is rejected.
    pub preview: bool,
    /// For an XLSX body: the worksheet to read (default: the one named like the import,
    /// `participants` or `claims` in any case, else the first). `line` is then the sheet's row.
    pub sheet: Option<String>,
}

/// A problem with the file as a whole (size, header).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FileErrorBody {
    pub line: Option<u64>,
    pub column: Option<String>,
    pub code: String,
    pub message: String,
}

/// One data row of an import, by the file's line (the header is line 1).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ImportRowBody {
    pub line: u64,
    pub participant: String,
    /// The metric of a claim row.
    pub metric: Option<String>,
    /// `accepted`, `already_present` (skipped: importing a file twice changes nothing),
    /// `rejected`.
    pub status: String,
    /// Why a row is rejected, e.g. `unknown_participant`, `outside_claim_window`.
    pub code: Option<String>,
    pub column: Option<String>,
    pub message: Option<String>,
}

impl From<ImportRow> for ImportRowBody {
    fn from(r: ImportRow) -> Self {
        let status = match r.status {
            RowStatus::Accepted => "accepted",
            RowStatus::AlreadyPresent => "already_present",
            RowStatus::Rejected => "rejected",
        };
        Self {
            line: r.line,
            participant: r.participant,
            metric: r.metric,
            status: status.to_string(),
            code: r.code.map(str::to_string),
            column: r.column,
            message: r.message,
        }
    }
}

/// What an import would do (preview) or did (commit), row by row.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReportBody {
    pub rows: Vec<ImportRowBody>,
    pub accepted: u64,
    pub already_present: u64,
    pub rejected: u64,
    pub file_errors: Vec<FileErrorBody>,
    /// `true` once the accepted rows are written.
    pub committed: bool,
}

impl From<ImportReport> for ImportReportBody {
    fn from(r: ImportReport) -> Self {
        Self {
            rows: r.rows.into_iter().map(Into::into).collect(),
            accepted: r.accepted,
            already_present: r.already_present,
            rejected: r.rejected,
            file_errors: r
                .file_errors
                .into_iter()
                .map(|e| FileErrorBody { line: e.line, column: e.column, code: e.code.to_string(), message: e.message })
                .collect(),
            committed: r.committed,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ParticipantBody {
    pub id: i64,
    /// The pseudonymous id.
    pub participant: String,
    pub cohort: String,
    /// `YYYY-MM-DD`.
    pub enrolled_on: String,
}

impl From<ParticipantView> for ParticipantBody {
    fn from(p: ParticipantView) -> Self {
        Self { id: p.id, participant: p.participant, cohort: p.cohort, enrolled_on: p.enrolled_on }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ParticipantPage {
    pub items: Vec<ParticipantBody>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ClaimBody {
    pub id: i64,
    pub contract_id: i64,
    pub participant: String,
    pub metric: String,
    /// `YYYY-MM-DD`.
    pub event_on: String,
    /// `YYYY-MM-DD`.
    pub claimed_on: String,
    /// `submitted`, `verified` or `rejected`.
    pub status: String,
    pub claimant_organisation_id: Option<i64>,
    /// `user:<id>` of the evaluator.
    pub reviewed_by: Option<String>,
    pub rejection_reason: Option<String>,
    /// The last day the evaluator should verify it.
    pub verification_due_on: Option<String>,
    /// Still `submitted` after `verification_due_on` (by the server's date): the evaluator is
    /// late.
    pub overdue: bool,
    pub has_evidence: bool,
}

impl From<ClaimView> for ClaimBody {
    fn from(c: ClaimView) -> Self {
        Self {
            overdue: c.overdue(),
            id: c.id,
            contract_id: c.contract_id,
            participant: c.participant,
            metric: c.metric,
            event_on: c.event_on,
            claimed_on: c.claimed_on,
            status: c.status,
            claimant_organisation_id: c.claimant_organisation_id,
            reviewed_by: c.reviewed_by,
            rejection_reason: c.rejection_reason,
            verification_due_on: c.verification_due_on,
            has_evidence: c.has_evidence,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ClaimPage {
    pub items: Vec<ClaimBody>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClaimsQuery {
    /// `submitted`, `verified` or `rejected`; all when left out.
    pub status: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// The evaluator's decision: `{"verdict": "verified"}` or
/// `{"verdict": "rejected", "reason": "..."}`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// `verified` or `rejected`.
    pub verdict: String,
    /// Required when rejected, up to 1,000 characters.
    pub reason: Option<String>,
}

/// A transfer a run posts to the ledger.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PlannedTransferBody {
    /// The ledger transfer's id (a UUID): `GET /api/v1/transfers/{id}`.
    pub id: String,
    pub debit_account_id: String,
    pub credit_account_id: String,
    pub amount_minor: i64,
    /// `outcome_payment` (payer → SPV), `distribution` (SPV → investor or other party),
    /// `drawdown`, `provider_funding`.
    pub kind: String,
    pub party_id: i64,
}

impl From<PlannedTransfer> for PlannedTransferBody {
    fn from(t: PlannedTransfer) -> Self {
        Self {
            id: t.id,
            debit_account_id: t.debit_account_id,
            credit_account_id: t.credit_account_id,
            amount_minor: t.amount_minor,
            kind: t.kind,
            party_id: t.party_id,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PaymentRunBody {
    pub id: i64,
    pub contract_id: i64,
    /// E.g. `2013-Q2`.
    pub period: String,
    /// Verified claims with an event on or before this date count.
    pub up_to: String,
    /// `prepared`, `approved` (transfers being posted), `paid`, `rejected` (sent back).
    pub state: String,
    /// What the contract owes for everything up to `up_to`, caps applied.
    pub cumulative_due_minor: i64,
    pub previously_paid_minor: i64,
    /// This run: cumulative due − previously paid.
    pub amount_due_minor: i64,
    /// The payment statement (as `POST /outcomes/payments` answers it); investors get it
    /// without the lines naming participants.
    #[schema(value_type = Object)]
    pub statement: serde_json::Value,
    /// `user:<id>`.
    pub prepared_by: String,
    pub approved_by: Option<String>,
    pub paid_on: Option<String>,
    /// The SPV waterfall once approved: `investors` (`party_id`, `capital_minor`,
    /// `return_minor`, `residual_minor`), `other_party_id`, `other_party_minor`.
    #[schema(value_type = Option<Object>)]
    pub distribution: Option<serde_json::Value>,
    pub transfers: Vec<PlannedTransferBody>,
    pub rejected_by: Option<String>,
    pub rejection_reason: Option<String>,
}

impl From<PaymentRunView> for PaymentRunBody {
    fn from(r: PaymentRunView) -> Self {
        Self {
            id: r.id,
            contract_id: r.contract_id,
            period: r.period,
            up_to: r.up_to,
            state: r.state,
            cumulative_due_minor: r.cumulative_due_minor,
            previously_paid_minor: r.previously_paid_minor,
            amount_due_minor: r.amount_due_minor,
            statement: r.statement,
            prepared_by: r.prepared_by,
            approved_by: r.approved_by,
            paid_on: r.paid_on,
            distribution: r.distribution.and_then(|d| serde_json::to_value(d).ok()),
            transfers: r.transfers.into_iter().map(Into::into).collect(),
            rejected_by: r.rejected_by,
            rejection_reason: r.rejection_reason,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PaymentRunList {
    /// Every run of the contract, oldest first.
    pub items: Vec<PaymentRunBody>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPaymentRun {
    /// The period to pay up to, in the contract's period kind: `2013-Q2`, `2013-06`, `2013`.
    pub period: String,
    /// CSV `cohort,measure,value`, for threshold, savings-share and target contracts.
    pub results_csv: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// The value date of the payment, `YYYY-MM-DD`.
    pub paid_on: String,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// Why the run is sent back, up to 1,000 characters.
    pub reason: String,
}

/// The contracts the caller may see.
#[utoipa::path(get, path = "/outcomes/contracts", tag = "outcomes", params(PageQuery),
    responses((status = 200, body = ContractPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_contracts(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ContractPage>, ApiError> {
    let page = state.app.list_contracts(&user.actor(), user.tenant_id, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(ContractPage { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// Creates a contract in the `draft` state from its TOML (admins and officers). A 422 names
/// every problem by field.
#[utoipa::path(post, path = "/outcomes/contracts", tag = "outcomes", request_body = NewContract,
    responses((status = 201, body = ContractBody, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_contract(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewContract>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<ContractBody>), ApiError> {
    let created = state.app.create_contract(&user.actor(), user.tenant_id, &body.toml).await?;
    let location = format!("/api/v1/outcomes/contracts/{}", created.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(created.into())))
}

/// One contract with its overview.
#[utoipa::path(get, path = "/outcomes/contracts/{id}", tag = "outcomes", params(("id" = i64, Path)),
    responses((status = 200, body = ContractDetailBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_contract(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ContractDetailBody>, ApiError> {
    Ok(Json(state.app.contract_overview(&user.actor(), user.tenant_id, id).await?.into()))
}

/// Moves a contract forward in its lifecycle (admins and officers).
#[utoipa::path(post, path = "/outcomes/contracts/{id}/transition", tag = "outcomes", params(("id" = i64, Path)),
    request_body = Transition,
    responses((status = 200, body = ContractBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn transition_contract(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Transition>,
) -> Result<Json<ContractBody>, ApiError> {
    Ok(Json(state.app.transition_contract(&user.actor(), user.tenant_id, id, &body.to).await?.into()))
}

/// Imports participants (the contract's provider, admins and officers). With `preview=true`
/// nothing is written; with `preview=false` a file with any rejected row is refused whole.
#[utoipa::path(post, path = "/outcomes/contracts/{id}/participants", tag = "outcomes",
    params(("id" = i64, Path), ImportQuery),
    request_body(content((CsvImport = "application/json"), (super::outcomes_files::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 200, body = ImportReportBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn import_participants(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: ImportBody,
) -> Result<Json<ImportReportBody>, ApiError> {
    let (actor, app) = (user.actor(), &state.app);
    let file = body.read("participants", q.sheet.as_deref())?;
    let report = if q.preview {
        app.preview_participants(&actor, user.tenant_id, id, file.csv()).await?
    } else {
        app.commit_participants(&actor, user.tenant_id, id, file.csv()).await.map_err(|e| file.locate_error(e))?
    };
    Ok(Json(file.locate(report).into()))
}

/// The participants of a contract (staff and the contract's provider and evaluator).
#[utoipa::path(get, path = "/outcomes/contracts/{id}/participants", tag = "outcomes",
    params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = ParticipantPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_participants(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ParticipantPage>, ApiError> {
    let page = state.app.list_participants(&user.actor(), user.tenant_id, id, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(ParticipantPage { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// Imports outcome claims, checked against the contract's rules. With `preview=true` nothing
/// is written; with `preview=false` a file with any rejected row is refused whole.
#[utoipa::path(post, path = "/outcomes/contracts/{id}/claims", tag = "outcomes",
    params(("id" = i64, Path), ImportQuery),
    request_body(content((CsvImport = "application/json"), (super::outcomes_files::FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 200, body = ImportReportBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn import_claims(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: ImportBody,
) -> Result<Json<ImportReportBody>, ApiError> {
    let (actor, app) = (user.actor(), &state.app);
    let file = body.read("claims", q.sheet.as_deref())?;
    let report = if q.preview {
        app.preview_claims(&actor, user.tenant_id, id, file.csv()).await?
    } else {
        app.commit_claims(&actor, user.tenant_id, id, file.csv()).await.map_err(|e| file.locate_error(e))?
    };
    Ok(Json(file.locate(report).into()))
}

/// The claims of a contract, by status.
#[utoipa::path(get, path = "/outcomes/contracts/{id}/claims", tag = "outcomes",
    params(("id" = i64, Path), ClaimsQuery),
    responses((status = 200, body = ClaimPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_claims(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ClaimsQuery>,
) -> Result<Json<ClaimPage>, ApiError> {
    let page = state
        .app
        .list_claims(&user.actor(), user.tenant_id, id, q.status.as_deref(), q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(ClaimPage { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

/// The evaluator verifies or rejects a claim (reviewers, never of the claimant's organisation
/// nor the claim's submitter).
#[utoipa::path(post, path = "/outcomes/claims/{id}/verification", tag = "outcomes", params(("id" = i64, Path)),
    request_body = Verdict,
    responses((status = 200, body = ClaimBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn verify_claim(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Verdict>,
) -> Result<Json<ClaimBody>, ApiError> {
    let verdict = match body.verdict.as_str() {
        "verified" => ClaimVerdict::Verified,
        "rejected" => ClaimVerdict::Rejected { reason: body.reason.unwrap_or_default() },
        _ => {
            return Err(koinon_app::AppError::invalid(
                "verdict",
                "invalid_verdict",
                "Verdict must be one of: verified, rejected",
            )
            .into());
        }
    };
    Ok(Json(state.app.verify_claim(&user.actor(), user.tenant_id, id, &verdict).await?.into()))
}

/// The payment runs of a contract, oldest first.
#[utoipa::path(get, path = "/outcomes/contracts/{id}/payment-runs", tag = "outcomes", params(("id" = i64, Path)),
    responses((status = 200, body = PaymentRunList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn list_payment_runs(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PaymentRunList>, ApiError> {
    let runs = state.app.list_payment_runs(&user.actor(), user.tenant_id, id).await?;
    Ok(Json(PaymentRunList { items: runs.into_iter().map(Into::into).collect() }))
}

/// Prepares the payment run of a period (admins and officers): what is due from the verified
/// claims, caps applied, minus what earlier runs paid. Another user approves it.
#[utoipa::path(post, path = "/outcomes/contracts/{id}/payment-runs", tag = "outcomes", params(("id" = i64, Path)),
    request_body = NewPaymentRun,
    responses((status = 201, body = PaymentRunBody, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn prepare_payment_run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewPaymentRun>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<PaymentRunBody>), ApiError> {
    let run = state
        .app
        .prepare_payment_run(&user.actor(), user.tenant_id, id, &body.period, body.results_csv.as_deref())
        .await?;
    let location = format!("/api/v1/outcomes/payment-runs/{}", run.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(run.into())))
}

/// One payment run.
#[utoipa::path(get, path = "/outcomes/payment-runs/{id}", tag = "outcomes", params(("id" = i64, Path)),
    responses((status = 200, body = PaymentRunBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_payment_run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PaymentRunBody>, ApiError> {
    Ok(Json(state.app.payment_run(&user.actor(), user.tenant_id, id).await?.into()))
}

/// Approves a prepared run (approvers other than its preparer: `preparer_cannot_approve`) and
/// posts the outcome payment and the SPV's distribution to the ledger. Approving a run whose
/// posting was interrupted posts it.
#[utoipa::path(post, path = "/outcomes/payment-runs/{id}/approval", tag = "outcomes", params(("id" = i64, Path)),
    request_body = Approval,
    responses((status = 200, body = PaymentRunBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn approve_payment_run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Approval>,
) -> Result<Json<PaymentRunBody>, ApiError> {
    Ok(Json(state.app.approve_payment_run(&user.actor(), user.tenant_id, id, &body.paid_on).await?.into()))
}

/// Sends a prepared run back with a reason (approvers); the period can then be prepared again.
#[utoipa::path(post, path = "/outcomes/payment-runs/{id}/rejection", tag = "outcomes", params(("id" = i64, Path)),
    request_body = Rejection,
    responses((status = 200, body = PaymentRunBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn reject_payment_run(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Rejection>,
) -> Result<Json<PaymentRunBody>, ApiError> {
    Ok(Json(state.app.reject_payment_run(&user.actor(), user.tenant_id, id, &body.reason).await?.into()))
}

/// The investors' money in the contract, from the ledger: committed, drawn, received (capital
/// back, capped return, residual) and returns (XIRR, money multiple, payback date, maximum
/// loss). Investors see their own organisation's only.
#[utoipa::path(get, path = "/outcomes/contracts/{id}/investors", tag = "outcomes", params(("id" = i64, Path)),
    responses((status = 200, description = "`contract_id`, `currency`, `currency_scale`, `investors` (per party: `party_id`, `name`, `committed_minor`, `drawn_minor`, `received_minor`, `capital_returned_minor`, `return_minor`, `residual_minor`, `returns` with `xirr`, `moic`, `net`, `payback_date`, `max_loss`, `max_loss_date`, `paid_out`, `received`, or `null` with `returns_error`) and their `total`", body = Object),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn investor_figures(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ContractFigures>, ApiError> {
    Ok(Json(state.app.investor_figures(&user.actor(), user.tenant_id, id).await?))
}
