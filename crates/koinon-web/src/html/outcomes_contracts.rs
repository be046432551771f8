//! Running outcomes contracts (social impact bonds): the contracts of the tenant, a new contract
//! from its TOML, and a contract with its parties, cohorts, metrics, lifecycle and figures.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use koinon_app::outcomes::{
    ClaimVerdict, ClaimView, ContractState, ContractView, ImportReport, InvestorFigures, ParticipantView,
    PaymentRunView, RowStatus,
};
use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::locale::Locale;

use super::admin::{CursorQuery, form_errors, parse_id, require, unprocessable};
use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outcomes", get(contracts).post(create_contract))
        .route("/outcomes/new", get(new_contract))
        .route("/outcomes/{id}", get(contract))
        .route("/outcomes/{id}/state", post(transition))
        .route("/outcomes/{id}/participants", get(participants).post(commit_participants))
        .route("/outcomes/{id}/participants/preview", post(preview_participants))
        .route("/outcomes/{id}/claims", get(claims).post(commit_claims))
        .route("/outcomes/{id}/claims/preview", post(preview_claims))
        .route("/outcomes/{id}/claims/{claim_id}/verdict", post(verdict))
        .route("/outcomes/{id}/runs", get(runs).post(prepare_run))
        .route("/outcomes/{id}/runs/{run_id}", get(run))
        .route("/outcomes/{id}/runs/{run_id}/approve", post(approve_run))
        .route("/outcomes/{id}/runs/{run_id}/reject", post(reject_run))
        .route("/outcomes/{id}/investors", get(investors))
        .layer(DefaultBodyLimit::max(BODY_MAX_BYTES))
}

/// Most characters of a CSV pasted into an import form (larger files go through the API).
pub(super) const CSV_CHARS_MAX: usize = 1_000_000;
/// Most characters of a contract pasted into the form.
const CONTRACT_CHARS_MAX: usize = 200_000;
/// Largest form these pages take (URL-encoded).
const BODY_MAX_BYTES: usize = 4 * 1024 * 1024;

pub(super) fn money(locale: Locale, amount_minor: i64, currency: &str, scale: i64) -> String {
    locale.format_money(amount_minor, currency, u8::try_from(scale).unwrap_or(2))
}

/// The message id of a code: `key("outcome-state-", "running")` is `outcome-state-running`.
pub(super) fn key(prefix: &str, code: &str) -> String {
    format!("{prefix}{}", code.replace('_', "-"))
}

pub(super) fn clip(s: String, max: usize) -> String {
    if s.chars().count() > max { s.chars().take(max).collect() } else { s }
}

/// A contract in the list.
struct ContractRow {
    id: i64,
    name: String,
    policy_key: String,
    mechanism_key: String,
    state_key: String,
    cap: String,
}

#[derive(Template)]
#[template(path = "outcome_contracts.html")]
struct ContractsPage {
    l: Layout,
    contracts: Vec<ContractRow>,
    next_cursor: Option<String>,
}

/// May the actor see outcome contracts at all (a provider or investor: those of their
/// organisation)?
fn require_view(ctx: &Ctx, actor: &koinon_app::Actor, tenant_id: i64) -> Result<(), HtmlError> {
    let organisation_id = actor.subject().and_then(|s| s.organisation_id);
    let resource = Resource { tenant_id, owner_user_id: None, organisation_id };
    actor.require(Action::ViewOutcomeContracts, &resource).map_err(page_error(ctx))
}

async fn contracts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CursorQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    require_view(&ctx, &actor, tenant_id)?;
    let page =
        state.app.list_contracts(&actor, tenant_id, q.cursor.as_deref(), None).await.map_err(page_error(&ctx))?;
    let contracts = page
        .items
        .iter()
        .map(|c| ContractRow {
            id: c.id,
            name: c.name.clone(),
            policy_key: key("outcome-policy-", &c.policy_area),
            mechanism_key: key("outcomes-mechanism-", &c.mechanism),
            state_key: key("outcome-state-", c.state.as_str()),
            cap: money(ctx.locale, c.contract_cap_minor, &c.currency, c.currency_scale),
        })
        .collect();
    let l = Layout::new(&state, &ctx, "outcome-contracts-title").await;
    Ok(render(&ContractsPage { l, contracts, next_cursor: page.next_cursor }))
}

#[derive(Template)]
#[template(path = "outcome_new.html")]
struct NewContractPage {
    l: Layout,
    source: String,
    /// Contracts being designed in the browser (see `outcomes_designer`).
    designs: Vec<super::outcomes_designer::DesignLink>,
}

async fn new_contract(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageOutcomeContracts, tenant_id)?;
    let designs = super::outcomes_designer::design_links(&state, &ctx, &actor, tenant_id).await?;
    let l = Layout::new(&state, &ctx, "outcome-new-title").await;
    Ok(render(&NewContractPage { l, source: String::new(), designs }))
}

#[derive(serde::Deserialize)]
struct NewContractForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    contract: String,
}

/// The contract's errors, all on the one field of the form, each naming its TOML key and line.
fn contract_errors(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError {
            field: "contract".into(),
            code: "contract_invalid",
            message: if e.field.is_empty() || e.field == "contract" {
                e.message
            } else {
                format!("{}, {}", e.field, e.message)
            },
        })
        .collect()
}

async fn create_contract(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NewContractForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageOutcomeContracts, tenant_id)?;
    let errors = if form.contract.trim().is_empty() {
        vec![FieldError { field: "contract".into(), code: "required", message: "Enter the contract".into() }]
    } else if form.contract.chars().count() > CONTRACT_CHARS_MAX {
        vec![FieldError {
            field: "contract".into(),
            code: "too_long",
            message: format!("At most {CONTRACT_CHARS_MAX} characters"),
        }]
    } else {
        match state.app.create_contract(&actor, tenant_id, &form.contract).await {
            Ok(c) => return Ok(redirect_with_flash(&format!("/outcomes/{}", c.id), "flash-outcome-contract-created")),
            Err(e) => contract_errors(form_errors(e).map_err(page_error(&ctx))?),
        }
    };
    let designs = super::outcomes_designer::design_links(&state, &ctx, &actor, tenant_id).await?;
    let l = Layout::new(&state, &ctx, "outcome-new-title").await.with_errors(errors);
    Ok(unprocessable(&NewContractPage { l, source: clip(form.contract, CONTRACT_CHARS_MAX), designs }))
}

struct PartyRow {
    name: String,
    role_key: String,
    commitment: Option<String>,
    linked: bool,
    account_id: Option<String>,
}

struct CohortRow {
    code: String,
    name: String,
    target: String,
    enrolled: String,
    start_on: String,
    end_on: String,
}

struct MetricRow {
    code: String,
    name: String,
    price: Option<String>,
    once: bool,
    claim_window_days: u16,
    verification_window_days: u16,
}

#[derive(Template)]
#[template(path = "outcome_contract.html")]
struct ContractPage {
    l: Layout,
    c: ContractView,
    policy_key: String,
    mechanism_key: String,
    state_key: String,
    period_key: String,
    /// The next state and the message id of its button.
    next_state: Option<(&'static str, String)>,
    parties: Vec<PartyRow>,
    cohorts: Vec<CohortRow>,
    metrics: Vec<MetricRow>,
    /// Message id and count.
    claims_by_status: Vec<(String, String)>,
    cap: String,
    paid: String,
    cap_remaining: String,
    paid_up_to: Option<String>,
    /// id, period, message id of its state, amount due.
    open_run: Option<(i64, String, String, String)>,
}

async fn contract_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &koinon_app::Actor,
    tenant_id: i64,
    id: i64,
    errors: Vec<FieldError>,
) -> Result<ContractPage, HtmlError> {
    let o = state.app.contract_overview(actor, tenant_id, id).await.map_err(page_error(ctx))?;
    let terms = state.app.contract_terms(actor, tenant_id, id).await.map_err(page_error(ctx))?;
    let c = o.contract;
    let m = |minor: i64| money(ctx.locale, minor, &c.currency, c.currency_scale);
    let parties = c
        .parties
        .iter()
        .map(|p| PartyRow {
            name: p.name.clone(),
            role_key: key("outcome-party-role-", &p.role),
            commitment: p.commitment_minor.map(m),
            linked: p.organisation_id.is_some(),
            account_id: p.account_id.clone(),
        })
        .collect();
    let cohorts = terms
        .contract
        .cohorts
        .iter()
        .map(|k| CohortRow {
            code: k.code.clone(),
            name: k.name.clone(),
            target: ctx.locale.format_count(i64::from(k.target_size)),
            enrolled: ctx
                .locale
                .format_count(o.enrolment.iter().find(|e| e.cohort == k.code).map_or(0, |e| e.enrolled)),
            start_on: k.start_on.to_string(),
            end_on: k.end_on.to_string(),
        })
        .collect();
    let metrics = terms
        .contract
        .metrics
        .iter()
        .map(|x| MetricRow {
            code: x.code.clone(),
            name: x.name.clone(),
            price: x.price_minor.map(m),
            once: x.once_per_participant,
            claim_window_days: x.claim_window_days,
            verification_window_days: x.verification_window_days,
        })
        .collect();
    let next_state = ContractState::ALL
        .into_iter()
        .find(|s| *s > c.state)
        .map(|s| (s.as_str(), key("outcome-move-to-", s.as_str())));
    let l = Layout::new(state, ctx, "outcome-contract-title").await.with_errors(errors);
    Ok(ContractPage {
        l,
        policy_key: key("outcome-policy-", &c.policy_area),
        mechanism_key: key("outcomes-mechanism-", &c.mechanism),
        state_key: key("outcome-state-", c.state.as_str()),
        period_key: key("outcome-period-", &c.period),
        next_state,
        parties,
        cohorts,
        metrics,
        claims_by_status: o
            .claims_by_status
            .iter()
            .map(|(s, n)| (key("outcome-claims-", s), ctx.locale.format_count(*n)))
            .collect(),
        cap: m(c.contract_cap_minor),
        paid: m(o.paid_minor),
        cap_remaining: m(o.cap_remaining_minor),
        paid_up_to: o.paid_up_to_period,
        open_run: o.open_run.map(|(id, period, state, due)| (id, period, key("outcome-run-state-", &state), m(due))),
        c,
    })
}

async fn contract(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let page = contract_page(&state, &ctx, &actor, tenant_id, id, Vec::new()).await?;
    Ok(render(&page))
}

#[derive(serde::Deserialize)]
struct TransitionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
}

async fn transition(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<TransitionForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::ManageOutcomeContracts, tenant_id)?;
    let errors = match state.app.transition_contract(&actor, tenant_id, id, &form.to).await {
        Ok(_) => return Ok(redirect_with_flash(&format!("/outcomes/{id}"), "flash-outcome-state-changed")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let errors = errors.into_iter().map(|e| FieldError { field: "to".into(), ..e }).collect();
    let page = contract_page(&state, &ctx, &actor, tenant_id, id, errors).await?;
    Ok(unprocessable(&page))
}

// ---------------------------------------------------------------------------------------------
// Imports: a CSV pasted, checked row by row (the preview writes nothing), then committed.

/// One row of a preview, formatted for the page.
struct ImportRowView {
    line: u64,
    participant: String,
    metric: String,
    /// Message id of the row's status.
    status_key: &'static str,
    rejected: bool,
    reason: String,
}

/// The import form and, after a preview, what the file would do.
pub(super) struct ImportView {
    /// Where the form posts: `participants` or `claims`.
    pub(super) what: &'static str,
    pub(super) csv: String,
    /// The worksheet the rows come from, for an uploaded workbook (`line` is then its row).
    pub(super) sheet: Option<String>,
    /// Rows of the preview (`None` before one).
    rows: Option<Vec<ImportRowView>>,
    accepted: u64,
    already_present: u64,
    rejected: u64,
    /// The preview found nothing wrong: the commit button is offered.
    clean: bool,
}

impl ImportView {
    pub(super) fn empty(what: &'static str) -> Self {
        Self {
            what,
            csv: String::new(),
            sheet: None,
            rows: None,
            accepted: 0,
            already_present: 0,
            rejected: 0,
            clean: false,
        }
    }
}

/// A reason in the reader's language when it has a translation, the app's message otherwise.
fn reason_text(locale: Locale, code: Option<&str>, message: Option<&str>) -> String {
    if let Some(code) = code {
        let k = key("refusal-", code);
        let text = crate::i18n::tr(locale, &k);
        if text != k {
            return text;
        }
    }
    message.unwrap_or_default().to_string()
}

pub(super) fn import_view(
    locale: Locale,
    what: &'static str,
    csv: String,
    r: &ImportReport,
) -> (ImportView, Vec<FieldError>) {
    let mut errors: Vec<FieldError> = r
        .file_errors
        .iter()
        .map(|e| FieldError {
            field: "csv".into(),
            code: "import_row",
            message: match e.line {
                Some(line) => format!("{} {line}: {}", crate::i18n::tr(locale, "outcomes-line"), e.message),
                None => e.message.clone(),
            },
        })
        .collect();
    let rows: Vec<ImportRowView> = r
        .rows
        .iter()
        .map(|row| ImportRowView {
            line: row.line,
            participant: row.participant.clone(),
            metric: row.metric.clone().unwrap_or_default(),
            status_key: match row.status {
                RowStatus::Accepted => "outcome-row-accepted",
                RowStatus::AlreadyPresent => "outcome-row-already-present",
                RowStatus::Rejected => "outcome-row-rejected",
            },
            rejected: row.status == RowStatus::Rejected,
            reason: reason_text(locale, row.code, row.message.as_deref()),
        })
        .collect();
    errors.extend(rows.iter().filter(|row| row.rejected).take(20).map(|row| FieldError {
        field: format!("line-{}", row.line),
        code: "import_row",
        message: format!("{} {}: {}", crate::i18n::tr(locale, "outcomes-line"), row.line, row.reason),
    }));
    let clean = errors.is_empty() && r.accepted > 0;
    let view = ImportView {
        what,
        csv,
        sheet: None,
        rows: Some(rows),
        accepted: r.accepted,
        already_present: r.already_present,
        rejected: r.rejected,
        clean,
    };
    (view, errors)
}

/// A refused commit: its errors (one per line) on the CSV field.
pub(super) fn commit_errors(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError {
            field: "csv".into(),
            code: "import_row",
            message: if e.field == "file" || e.field == "csv" {
                e.message
            } else {
                format!("{}: {}", e.field, e.message)
            },
        })
        .collect()
}

#[derive(serde::Deserialize)]
struct ImportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
}

/// The CSV of a form, or the error when it is too long.
fn csv_of(form: &ImportForm) -> Result<&str, Vec<FieldError>> {
    if form.csv.chars().count() > CSV_CHARS_MAX {
        return Err(vec![FieldError {
            field: "csv".into(),
            code: "too_long",
            message: format!("At most {CSV_CHARS_MAX} characters here; larger files go through the API"),
        }]);
    }
    Ok(&form.csv)
}

// ---------------------------------------------------------------------------------------------
// Participants

#[derive(Template)]
#[template(path = "outcome_participants.html")]
pub(super) struct ParticipantsPage {
    l: Layout,
    c: ContractView,
    participants: Vec<ParticipantView>,
    next_cursor: Option<String>,
    import: ImportView,
}

/// `who`: the actor and their tenant.
pub(super) async fn participants_page(
    state: &AppState,
    ctx: &Ctx,
    (actor, tenant_id): &(koinon_app::Actor, i64),
    id: i64,
    cursor: Option<&str>,
    import: ImportView,
    errors: Vec<FieldError>,
) -> Result<ParticipantsPage, HtmlError> {
    let c = state.app.contract(actor, *tenant_id, id).await.map_err(page_error(ctx))?;
    let page = state.app.list_participants(actor, *tenant_id, id, cursor, None).await.map_err(page_error(ctx))?;
    let l = Layout::new(state, ctx, "outcome-participants-title").await.with_errors(errors);
    Ok(ParticipantsPage { l, c, participants: page.items, next_cursor: page.next_cursor, import })
}

async fn participants(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CursorQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let import = ImportView::empty("participants");
    let page =
        participants_page(&state, &ctx, &(actor.clone(), tenant_id), id, q.cursor.as_deref(), import, Vec::new())
            .await?;
    Ok(render(&page))
}

async fn preview_participants(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ImportForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let (import, errors) = match csv_of(&form) {
        Err(errors) => (ImportView { csv: clip(form.csv, CSV_CHARS_MAX), ..ImportView::empty("participants") }, errors),
        Ok(csv) => {
            let report = state.app.preview_participants(&actor, tenant_id, id, csv).await.map_err(page_error(&ctx))?;
            import_view(ctx.locale, "participants", form.csv.clone(), &report)
        }
    };
    let failed = !errors.is_empty();
    let page = participants_page(&state, &ctx, &(actor.clone(), tenant_id), id, None, import, errors).await?;
    Ok(if failed { unprocessable(&page) } else { render(&page) })
}

async fn commit_participants(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ImportForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let errors = match csv_of(&form) {
        Err(errors) => errors,
        Ok(csv) => match state.app.commit_participants(&actor, tenant_id, id, csv).await {
            Ok(_) => {
                return Ok(redirect_with_flash(
                    &format!("/outcomes/{id}/participants"),
                    "flash-outcome-participants-imported",
                ));
            }
            Err(e) => commit_errors(form_errors(e).map_err(page_error(&ctx))?),
        },
    };
    let import = ImportView { csv: clip(form.csv, CSV_CHARS_MAX), ..ImportView::empty("participants") };
    let page = participants_page(&state, &ctx, &(actor.clone(), tenant_id), id, None, import, errors).await?;
    Ok(unprocessable(&page))
}

// ---------------------------------------------------------------------------------------------
// Claims

/// The claim statuses, for the filter.
const CLAIM_STATUSES: [&str; 3] = ["submitted", "verified", "rejected"];

struct ClaimRow {
    c: ClaimView,
    status_key: String,
}

#[derive(Template)]
#[template(path = "outcome_claims.html")]
pub(super) struct ClaimsPage {
    l: Layout,
    c: ContractView,
    claims: Vec<ClaimRow>,
    next_cursor: Option<String>,
    /// The status filtered on (empty: all).
    status: String,
    /// Value, message id, selected.
    statuses: Vec<(&'static str, String, bool)>,
    import: ImportView,
}

#[derive(serde::Deserialize)]
pub(super) struct ClaimsQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
}

/// `who`: the actor and their tenant.
pub(super) async fn claims_page(
    state: &AppState,
    ctx: &Ctx,
    (actor, tenant_id): &(koinon_app::Actor, i64),
    id: i64,
    q: &ClaimsQuery,
    import: ImportView,
    errors: Vec<FieldError>,
) -> Result<ClaimsPage, HtmlError> {
    let c = state.app.contract(actor, *tenant_id, id).await.map_err(page_error(ctx))?;
    let status = q.status.clone().filter(|s| CLAIM_STATUSES.contains(&s.as_str())).unwrap_or_default();
    let page = state
        .app
        .list_claims(actor, *tenant_id, id, (!status.is_empty()).then_some(status.as_str()), q.cursor.as_deref(), None)
        .await
        .map_err(page_error(ctx))?;
    let mut claims: Vec<ClaimRow> =
        page.items.into_iter().map(|c| ClaimRow { status_key: key("outcome-claim-status-", &c.status), c }).collect();
    // The verification queue: claims waiting for the evaluator first, the most urgent (earliest
    // due) on top; decided claims after them in their order.
    claims.sort_by(|a, b| {
        let key = |r: &ClaimRow| {
            let due = if r.c.status == "submitted" { r.c.verification_due_on.clone() } else { None };
            (r.c.status != "submitted", due.is_none(), due)
        };
        key(a).cmp(&key(b))
    });
    let statuses = CLAIM_STATUSES.iter().map(|s| (*s, key("outcome-claim-status-", s), status == *s)).collect();
    let l = Layout::new(state, ctx, "outcome-claims-title").await.with_errors(errors);
    Ok(ClaimsPage { l, c, claims, next_cursor: page.next_cursor, status, statuses, import })
}

async fn claims(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ClaimsQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let import = ImportView::empty("claims");
    let page = claims_page(&state, &ctx, &(actor, tenant_id), id, &q, import, Vec::new()).await?;
    Ok(render(&page))
}

pub(super) const NO_FILTER: ClaimsQuery = ClaimsQuery { status: None, cursor: None };

async fn preview_claims(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ImportForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let (import, errors) = match csv_of(&form) {
        Err(errors) => (ImportView { csv: clip(form.csv, CSV_CHARS_MAX), ..ImportView::empty("claims") }, errors),
        Ok(csv) => {
            let report = state.app.preview_claims(&actor, tenant_id, id, csv).await.map_err(page_error(&ctx))?;
            import_view(ctx.locale, "claims", form.csv.clone(), &report)
        }
    };
    let failed = !errors.is_empty();
    let page = claims_page(&state, &ctx, &(actor, tenant_id), id, &NO_FILTER, import, errors).await?;
    Ok(if failed { unprocessable(&page) } else { render(&page) })
}

async fn commit_claims(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ImportForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let errors = match csv_of(&form) {
        Err(errors) => errors,
        Ok(csv) => match state.app.commit_claims(&actor, tenant_id, id, csv).await {
            Ok(_) => {
                return Ok(redirect_with_flash(&format!("/outcomes/{id}/claims"), "flash-outcome-claims-imported"));
            }
            Err(e) => commit_errors(form_errors(e).map_err(page_error(&ctx))?),
        },
    };
    let import = ImportView { csv: clip(form.csv, CSV_CHARS_MAX), ..ImportView::empty("claims") };
    let page = claims_page(&state, &ctx, &(actor, tenant_id), id, &NO_FILTER, import, errors).await?;
    Ok(unprocessable(&page))
}

#[derive(serde::Deserialize)]
struct VerdictForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
}

async fn verdict(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, claim_id)): Path<(String, String)>,
    Form(form): Form<VerdictForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let claim_id = parse_id(&ctx, &claim_id)?;
    require(&ctx, &actor, Action::VerifyOutcomeClaims, tenant_id)?;
    let field = format!("reason-{claim_id}");
    let verdict = match form.verdict.as_str() {
        "verified" => Some(ClaimVerdict::Verified),
        "rejected" => Some(ClaimVerdict::Rejected { reason: clip(form.reason, 2_000) }),
        _ => None,
    };
    let errors = match verdict {
        None => vec![FieldError { field, code: "invalid_verdict", message: "Verify or reject the claim".into() }],
        Some(verdict) => match state.app.verify_claim(&actor, tenant_id, claim_id, &verdict).await {
            // The claim's own contract: the verdict is on the claim, whatever the path says.
            Ok(c) => {
                let flash = if c.status == "verified" {
                    "flash-outcome-claim-verified"
                } else {
                    "flash-outcome-claim-rejected"
                };
                return Ok(redirect_with_flash(&format!("/outcomes/{}/claims?status=submitted", c.contract_id), flash));
            }
            Err(e) => form_errors(e)
                .map_err(page_error(&ctx))?
                .into_iter()
                .map(|e| FieldError { field: field.clone(), ..e })
                .collect(),
        },
    };
    let q = ClaimsQuery { status: Some("submitted".into()), cursor: None };
    let page = claims_page(&state, &ctx, &(actor, tenant_id), id, &q, ImportView::empty("claims"), errors).await?;
    Ok(unprocessable(&page))
}

// ---------------------------------------------------------------------------------------------
// Payment runs

/// A run formatted for the page.
struct RunRow {
    id: i64,
    period: String,
    up_to: String,
    state: String,
    state_key: String,
    cumulative_due: String,
    previously_paid: String,
    amount_due: String,
    claims_accepted: String,
    prepared_by: String,
    approved_by: Option<String>,
    paid_on: Option<String>,
    rejected_by: Option<String>,
    rejection_reason: Option<String>,
    /// Party name, capital back, return, residual.
    investors: Vec<(String, String, String, String)>,
    /// Party name and amount of what is not the investors' (the residual to another party).
    other_party: Option<(String, String)>,
    /// Kind, from account, to account, amount.
    transfers: Vec<(String, String, String, String)>,
}

fn run_row(locale: Locale, c: &ContractView, r: PaymentRunView) -> RunRow {
    let m = |minor: i64| money(locale, minor, &c.currency, c.currency_scale);
    let party = |id: i64| c.parties.iter().find(|p| p.id == id).map_or_else(|| id.to_string(), |p| p.name.clone());
    let (investors, other_party) = match &r.distribution {
        Some(d) => (
            d.investors
                .iter()
                .map(|s| (party(s.party_id), m(s.capital_minor), m(s.return_minor), m(s.residual_minor)))
                .collect(),
            d.other_party_id.map(|p| (party(p), m(d.other_party_minor))),
        ),
        None => (Vec::new(), None),
    };
    RunRow {
        id: r.id,
        period: r.period,
        up_to: r.up_to,
        state_key: key("outcome-run-state-", &r.state),
        state: r.state,
        cumulative_due: m(r.cumulative_due_minor),
        previously_paid: m(r.previously_paid_minor),
        amount_due: m(r.amount_due_minor),
        claims_accepted: r.statement["claims_accepted"].as_i64().map_or_else(String::new, |n| locale.format_count(n)),
        prepared_by: r.prepared_by,
        approved_by: r.approved_by,
        paid_on: r.paid_on,
        rejected_by: r.rejected_by,
        rejection_reason: r.rejection_reason,
        investors,
        other_party,
        transfers: r
            .transfers
            .iter()
            .map(|t| (t.kind.clone(), t.debit_account_id.clone(), t.credit_account_id.clone(), m(t.amount_minor)))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "outcome_runs.html")]
pub(super) struct RunsPage {
    l: Layout,
    c: ContractView,
    runs: Vec<RunRow>,
    period: String,
}

pub(super) async fn runs_page(
    state: &AppState,
    ctx: &Ctx,
    (actor, tenant_id): &(koinon_app::Actor, i64),
    id: i64,
    period: String,
    errors: Vec<FieldError>,
) -> Result<RunsPage, HtmlError> {
    let c = state.app.contract(actor, *tenant_id, id).await.map_err(page_error(ctx))?;
    let list = state.app.list_payment_runs(actor, *tenant_id, id).await.map_err(page_error(ctx))?;
    let runs = list.into_iter().rev().map(|r| run_row(ctx.locale, &c, r)).collect();
    let l = Layout::new(state, ctx, "outcome-runs-title").await.with_errors(errors);
    Ok(RunsPage { l, c, runs, period })
}

async fn runs(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    Ok(render(&runs_page(&state, &ctx, &(actor, tenant_id), id, String::new(), Vec::new()).await?))
}

#[derive(serde::Deserialize)]
struct PrepareForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    period: String,
}

async fn prepare_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<PrepareForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::PreparePaymentRuns, tenant_id)?;
    let errors = match state.app.prepare_payment_run(&actor, tenant_id, id, &form.period, None).await {
        Ok(r) => {
            return Ok(redirect_with_flash(&format!("/outcomes/{id}/runs/{}", r.id), "flash-outcome-run-prepared"));
        }
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let errors = errors.into_iter().map(|e| FieldError { field: "period".into(), ..e }).collect();
    let page = runs_page(&state, &ctx, &(actor, tenant_id), id, clip(form.period, 20), errors).await?;
    Ok(unprocessable(&page))
}

#[derive(Template)]
#[template(path = "outcome_run.html")]
struct RunPage {
    l: Layout,
    c: ContractView,
    r: RunRow,
    paid_on: String,
    /// The run's statement in detail, as the calculator shows one.
    statement: Option<super::outcomes::StatementView>,
    /// Per cohort, planned against actual.
    planned: Vec<super::outcomes_evidence::PlannedRow>,
}

async fn run_page(
    state: &AppState,
    ctx: &Ctx,
    (actor, tenant_id): &(koinon_app::Actor, i64),
    (id, run_id): (i64, i64),
    paid_on: String,
    errors: Vec<FieldError>,
) -> Result<RunPage, HtmlError> {
    let c = state.app.contract(actor, *tenant_id, id).await.map_err(page_error(ctx))?;
    let r = state.app.payment_run(actor, *tenant_id, run_id).await.map_err(page_error(ctx))?;
    if r.contract_id != id {
        return Err(HtmlError::not_found(ctx.locale));
    }
    let statement = Some(super::outcomes::StatementView::of_json(&r.statement));
    let planned = super::outcomes_evidence::planned_rows(state, ctx, (actor, *tenant_id), &c, &r.statement).await;
    let r = run_row(ctx.locale, &c, r);
    let l = Layout::new(state, ctx, "outcome-run-title").await.with_errors(errors);
    Ok(RunPage { l, c, r, paid_on, statement, planned })
}

async fn run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, run_id)): Path<(String, String)>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let ids = (parse_id(&ctx, &id)?, parse_id(&ctx, &run_id)?);
    Ok(render(&run_page(&state, &ctx, &(actor, tenant_id), ids, String::new(), Vec::new()).await?))
}

#[derive(serde::Deserialize)]
struct RunDecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    reason: String,
}

async fn approve_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, run_id)): Path<(String, String)>,
    Form(form): Form<RunDecisionForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let (id, run_id) = (parse_id(&ctx, &id)?, parse_id(&ctx, &run_id)?);
    require(&ctx, &actor, Action::ApprovePaymentRuns, tenant_id)?;
    // The run must be of this contract (the page shows it so).
    run_page(&state, &ctx, &(actor.clone(), tenant_id), (id, run_id), String::new(), Vec::new()).await?;
    let errors = match state.app.approve_payment_run(&actor, tenant_id, run_id, &form.paid_on).await {
        Ok(_) => {
            return Ok(redirect_with_flash(&format!("/outcomes/{id}/runs/{run_id}"), "flash-outcome-run-approved"));
        }
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let errors = errors
        .into_iter()
        .map(|e| if e.field == "paid_on" { e } else { FieldError { field: "approve".into(), ..e } })
        .collect();
    let page = run_page(&state, &ctx, &(actor, tenant_id), (id, run_id), clip(form.paid_on, 20), errors).await?;
    Ok(unprocessable(&page))
}

async fn reject_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, run_id)): Path<(String, String)>,
    Form(form): Form<RunDecisionForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let (id, run_id) = (parse_id(&ctx, &id)?, parse_id(&ctx, &run_id)?);
    require(&ctx, &actor, Action::ApprovePaymentRuns, tenant_id)?;
    run_page(&state, &ctx, &(actor.clone(), tenant_id), (id, run_id), String::new(), Vec::new()).await?;
    let errors = match state.app.reject_payment_run(&actor, tenant_id, run_id, &clip(form.reason, 2_000)).await {
        Ok(_) => {
            return Ok(redirect_with_flash(&format!("/outcomes/{id}/runs/{run_id}"), "flash-outcome-run-rejected"));
        }
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let errors = errors.into_iter().map(|e| FieldError { field: "reason".into(), ..e }).collect();
    let page = run_page(&state, &ctx, &(actor, tenant_id), (id, run_id), String::new(), errors).await?;
    Ok(unprocessable(&page))
}

// ---------------------------------------------------------------------------------------------
// Investor figures

/// A decimal of the figures ("800.00", in major units) as minor units of `scale` digits.
pub(super) fn decimal_minor(text: &str, scale: u32) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if fraction.len() > scale as usize {
        return None;
    }
    let padded = format!("{fraction:0<width$}", width = scale as usize);
    let minor = whole
        .parse::<i64>()
        .ok()?
        .checked_mul(10_i64.checked_pow(scale)?)?
        .checked_add(if padded.is_empty() { 0 } else { padded.parse::<i64>().ok()? })?;
    Some(if negative { -minor } else { minor })
}

/// One investor's (or all investors') figures, formatted.
struct InvestorRow {
    name: String,
    committed: String,
    drawn: String,
    received: String,
    capital_returned: String,
    returned: String,
    residual: String,
    /// XIRR as a percentage, money multiple, net, payback date, maximum loss (empty while they
    /// cannot be computed).
    xirr: String,
    multiple: String,
    net: String,
    payback_on: String,
    max_loss: String,
    returns_error: Option<String>,
}

fn investor_row(locale: Locale, c: &ContractView, f: &InvestorFigures) -> InvestorRow {
    let m = |minor: i64| money(locale, minor, &c.currency, c.currency_scale);
    let scale = u32::try_from(c.currency_scale).unwrap_or(2);
    let major = |text: &str| decimal_minor(text, scale).map_or_else(|| text.to_string(), m);
    let (xirr, multiple, net, payback_on, max_loss) = match &f.returns {
        Some(r) => (
            format!("{} %", locale.format_decimal((r.xirr * 10_000.0).round() as i64, 2)),
            format!("{}×", locale.format_decimal((r.moic * 100.0).round() as i64, 2)),
            major(&r.net),
            r.payback_date.map(|d| d.to_string()).unwrap_or_default(),
            major(&r.max_loss),
        ),
        None => Default::default(),
    };
    InvestorRow {
        name: f.name.clone(),
        committed: m(f.committed_minor),
        drawn: m(f.drawn_minor),
        received: m(f.received_minor),
        capital_returned: m(f.capital_returned_minor),
        returned: m(f.return_minor),
        residual: m(f.residual_minor),
        xirr,
        multiple,
        net,
        payback_on,
        max_loss,
        returns_error: f.returns_error.map(|code| reason_text(locale, Some(code), Some(code))),
    }
}

#[derive(Template)]
#[template(path = "outcome_investors.html")]
struct InvestorsPage {
    l: Layout,
    c: ContractView,
    investors: Vec<InvestorRow>,
    total: InvestorRow,
}

async fn investors(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let c = state.app.contract(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let f = state.app.investor_figures(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let investors = f.investors.iter().map(|i| investor_row(ctx.locale, &c, i)).collect();
    let total = investor_row(ctx.locale, &c, &f.total);
    let l = Layout::new(&state, &ctx, "outcome-investors-title").await;
    Ok(render(&InvestorsPage { l, c, investors, total }))
}
