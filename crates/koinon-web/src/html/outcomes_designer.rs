//! The outcomes contract designer: one question per page, then check your answers.
//!
//! The answers live in a design kept by the app between steps, so every page works without
//! JavaScript. Each step's form is checked by the app; a refused step shows its errors and
//! changes nothing. "Change" links on check-your-answers carry `?change=1`, and a step saved
//! from there returns to check-your-answers.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use koinon_app::AppError;
use koinon_app::outcome_designs::{
    BasicsInput, CapsInput, CohortInput, DesignAnswers, DesignChange, DesignStep, DesignView, MECHANISMS,
    MechanismDetailsInput, MetricInput, PARTY_ROLES, PERIODS, POLICY_AREAS, PartyInput, TargetInput, check_step,
};
use koinon_core::FieldError;
use koinon_core::authz::Action;
use koinon_core::money::{Currency, parse_minor};

use super::admin::{Choice, form_errors, parse_id, require, unprocessable};
use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outcomes/designs", post(start))
        .route("/outcomes/designs/{id}", get(resume))
        .route("/outcomes/designs/{id}/delete", post(delete))
        .route("/outcomes/designs/{id}/basics", get(basics).post(save_basics))
        .route("/outcomes/designs/{id}/parties", get(parties).post(save_parties))
        .route("/outcomes/designs/{id}/parties/{n}/remove", post(remove_party))
        .route("/outcomes/designs/{id}/cohorts", get(cohorts).post(save_cohorts))
        .route("/outcomes/designs/{id}/cohorts/{n}/remove", post(remove_cohort))
        .route("/outcomes/designs/{id}/caps", get(caps).post(save_caps))
        .route("/outcomes/designs/{id}/metrics", get(metrics).post(leave_metrics))
        .route("/outcomes/designs/{id}/metrics/new", get(new_metric).post(add_metric))
        .route("/outcomes/designs/{id}/metrics/{n}", get(edit_metric).post(change_metric))
        .route("/outcomes/designs/{id}/metrics/{n}/remove", post(remove_metric))
        .route("/outcomes/designs/{id}/mechanism", get(mechanism).post(save_mechanism))
        .route("/outcomes/designs/{id}/mechanism-details", get(details).post(save_details))
        .route("/outcomes/designs/{id}/mechanism-details/{n}/remove", post(remove_target))
        .route("/outcomes/designs/{id}/check", get(check).post(create))
}

/// `?change=1`: the step was opened from check your answers.
#[derive(serde::Deserialize, Default)]
struct ChangeQuery {
    #[serde(default)]
    change: Option<String>,
}

impl ChangeQuery {
    fn on(&self) -> bool {
        self.change.as_deref().is_some_and(|c| !c.is_empty())
    }
}

/// What every designer page shows: the design, whether it was opened from check your answers,
/// and where Back goes.
struct Step {
    id: i64,
    change: bool,
    back: String,
    /// The design's name, or "" before the basics are answered.
    name: String,
    /// The step's number, for "Step 2 of 7".
    position: String,
    /// Fluent key of "Step n of …": a rate card has no step 7.
    position_key: &'static str,
}

fn step_url(id: i64, step: DesignStep) -> String {
    format!("/outcomes/designs/{id}/{}", step.slug())
}

fn check_url(id: i64) -> String {
    format!("/outcomes/designs/{id}/check")
}

fn with_change(url: String, change: bool) -> String {
    if change { format!("{url}?change=1") } else { url }
}

/// Where a step goes after it is done: the next step, or back to check your answers.
fn after(id: i64, step: DesignStep, change: bool, answers: &DesignAnswers) -> String {
    if change {
        return check_url(id);
    }
    let next = match step {
        DesignStep::Basics => Some(DesignStep::Parties),
        DesignStep::Parties => Some(DesignStep::Cohorts),
        DesignStep::Cohorts => Some(DesignStep::Caps),
        DesignStep::Caps => Some(DesignStep::Metrics),
        DesignStep::Metrics => Some(DesignStep::Mechanism),
        DesignStep::Mechanism if answers.mechanism.kind.as_deref() == Some("rate_card") => None,
        DesignStep::Mechanism => Some(DesignStep::MechanismDetails),
        DesignStep::MechanismDetails => None,
    };
    next.map_or_else(|| check_url(id), |s| step_url(id, s))
}

fn step_of(d: &DesignView, step: DesignStep, change: bool) -> Step {
    let back = if change {
        check_url(d.id)
    } else {
        match step {
            DesignStep::Basics => "/outcomes/new".to_string(),
            DesignStep::Parties => step_url(d.id, DesignStep::Basics),
            DesignStep::Cohorts => step_url(d.id, DesignStep::Parties),
            DesignStep::Caps => step_url(d.id, DesignStep::Cohorts),
            DesignStep::Metrics => step_url(d.id, DesignStep::Caps),
            DesignStep::Mechanism => step_url(d.id, DesignStep::Metrics),
            DesignStep::MechanismDetails => step_url(d.id, DesignStep::Mechanism),
        }
    };
    let n = DesignStep::ALL.iter().position(|s| *s == step).map_or(1, |i| i + 1);
    let position_key =
        if d.answers.mechanism.kind.as_deref() == Some("rate_card") { "design-step-of-6" } else { "design-step-of-7" };
    Step { id: d.id, change, back, name: d.name.clone(), position: n.to_string(), position_key }
}

/// The signed-in officer's design `id` (404 for another tenant's or a missing one).
async fn load(state: &AppState, ctx: &Ctx, raw_id: &str) -> Result<(koinon_app::Actor, i64, DesignView), HtmlError> {
    let (actor, tenant_id) = actor_of(ctx)?;
    require(ctx, &actor, Action::ManageOutcomeContracts, tenant_id)?;
    let id = parse_id(ctx, raw_id)?;
    let design = state.app.design(&actor, tenant_id, id).await.map_err(page_error(ctx))?;
    Ok((actor, tenant_id, design))
}

/// Applies a change; `Ok(Err(errors))` when the step's fields are refused.
async fn apply(
    state: &AppState,
    ctx: &Ctx,
    actor: &koinon_app::Actor,
    tenant_id: i64,
    id: i64,
    change: &DesignChange,
) -> Result<Result<DesignView, Vec<FieldError>>, HtmlError> {
    match state.app.change_design(actor, tenant_id, id, change).await {
        Ok(d) => Ok(Ok(d)),
        Err(e @ AppError::NotFound(_)) => Err(page_error(ctx)(e)),
        Err(e) => Ok(Err(form_errors(e).map_err(page_error(ctx))?)),
    }
}

fn index(ctx: &Ctx, raw: &str) -> Result<usize, HtmlError> {
    raw.parse::<usize>().ok().filter(|n| *n < 1000).ok_or_else(|| HtmlError::not_found(ctx.locale))
}

fn choices(l: &Layout, values: &[&str], prefix: &str, selected: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_string(),
            label: l.t(&format!("{prefix}{}", v.replace('_', "-"))),
            selected: *v == selected,
        })
        .collect()
}

/// A stored percentage in basis points as the form shows it (`750` → `7.5`).
fn percent(bp: u16) -> String {
    let whole = bp / 100;
    match bp % 100 {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// A stored amount as the page shows it, formatted for the locale.
fn money(l: &Layout, a: &DesignAnswers, amount: &str) -> String {
    let currency = a.basics.as_ref().map_or("EUR", |b| b.currency.as_str());
    let scale = Currency::iso(currency).map_or(2, |c| c.scale());
    match parse_minor("amount", amount, scale) {
        Ok(m) => l.money(&m, currency, &scale),
        Err(_) => amount.to_string(),
    }
}

fn csrf_ok(ctx: &Ctx, csrf: &str) -> Result<(), HtmlError> {
    ctx.check_csrf(csrf)
}

// ---- start, resume, delete ----

#[derive(serde::Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn start(State(state): State<AppState>, ctx: Ctx, Form(form): Form<CsrfForm>) -> Result<Response, HtmlError> {
    csrf_ok(&ctx, &form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageOutcomeContracts, tenant_id)?;
    let d = state.app.create_design(&actor, tenant_id).await.map_err(page_error(&ctx))?;
    Ok(Redirect::to(&step_url(d.id, DesignStep::Basics)).into_response())
}

async fn resume(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let to = d.answers.next_unanswered().map_or_else(|| check_url(d.id), |s| step_url(d.id, s));
    Ok(Redirect::to(&to).into_response())
}

async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    csrf_ok(&ctx, &form.csrf)?;
    let (actor, tenant_id, d) = load(&state, &ctx, &id).await?;
    state.app.delete_design(&actor, tenant_id, d.id).await.map_err(page_error(&ctx))?;
    Ok(redirect_with_flash("/outcomes/new", "design-flash-deleted"))
}

// ---- basics ----

#[derive(Template)]
#[template(path = "outcome_design_basics.html")]
struct BasicsPage {
    l: Layout,
    s: Step,
    f: BasicsInput,
    policy_areas: Vec<Choice>,
    periods: Vec<Choice>,
}

#[derive(serde::Deserialize)]
struct BasicsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    change: String,
    #[serde(flatten)]
    input: BasicsInput,
}

fn basics_page(l: Layout, d: &DesignView, change: bool, f: BasicsInput) -> BasicsPage {
    let policy_areas = choices(&l, &POLICY_AREAS, "outcome-policy-", &f.policy_area);
    let periods = choices(&l, &PERIODS, "outcome-period-", &f.period);
    BasicsPage { s: step_of(d, DesignStep::Basics, change), l, f, policy_areas, periods }
}

async fn basics(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ChangeQuery>,
) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let f = d.answers.basics.as_ref().map_or_else(BasicsInput::default, |b| BasicsInput {
        name: b.name.clone(),
        policy_area: b.policy_area.clone(),
        currency: b.currency.clone(),
        start_on: b.start_on.clone(),
        end_on: b.end_on.clone(),
        period: b.period.clone(),
    });
    let l = Layout::new(&state, &ctx, "design-basics-title").await;
    Ok(render(&basics_page(l, &d, q.on(), f)))
}

async fn save_basics(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<BasicsForm>,
) -> Result<Response, HtmlError> {
    csrf_ok(&ctx, &form.csrf)?;
    let (actor, tenant_id, d) = load(&state, &ctx, &id).await?;
    let change = !form.change.is_empty();
    match apply(&state, &ctx, &actor, tenant_id, d.id, &DesignChange::Basics(form.input.clone())).await? {
        Ok(d) => Ok(Redirect::to(&after(d.id, DesignStep::Basics, change, &d.answers)).into_response()),
        Err(errors) => {
            let l = Layout::new(&state, &ctx, "design-basics-title").await.with_errors(errors);
            Ok(unprocessable(&basics_page(l, &d, change, form.input)))
        }
    }
}

// ---- parties ----

struct PartyRow {
    name: String,
    role: String,
    commitment: Option<String>,
}

#[derive(Template)]
#[template(path = "outcome_design_parties.html")]
struct PartiesPage {
    l: Layout,
    s: Step,
    rows: Vec<PartyRow>,
    f: PartyInput,
    roles: Vec<Choice>,
    full: bool,
}

#[derive(serde::Deserialize)]
struct ListForm<T> {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    change: String,
    /// `add` or `continue`.
    #[serde(default)]
    op: String,
    #[serde(flatten)]
    input: T,
}

fn parties_page(l: Layout, d: &DesignView, change: bool, f: PartyInput) -> PartiesPage {
    let rows = d
        .answers
        .parties
        .iter()
        .map(|p| PartyRow {
            name: p.name.clone(),
            role: l.t(&format!("outcome-party-role-{}", p.role.replace('_', "-"))),
            commitment: p.commitment.as_ref().map(|c| money(&l, &d.answers, c)),
        })
        .collect();
    let roles = choices(&l, &PARTY_ROLES, "outcome-party-role-", &f.role);
    let full = d.answers.parties.len() >= koinon_app::outcome_designs::PARTIES_MAX;
    PartiesPage { s: step_of(d, DesignStep::Parties, change), l, rows, f, roles, full }
}

async fn parties(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ChangeQuery>,
) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let l = Layout::new(&state, &ctx, "design-parties-title").await;
    Ok(render(&parties_page(l, &d, q.on(), PartyInput::default())))
}

async fn save_parties(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ListForm<PartyInput>>,
) -> Result<Response, HtmlError> {
    csrf_ok(&ctx, &form.csrf)?;
    let (actor, tenant_id, d) = load(&state, &ctx, &id).await?;
    let change = !form.change.is_empty();
    let here = with_change(step_url(d.id, DesignStep::Parties), change);
    let (d, input, errors) = if form.op == "continue" {
        match check_step(&d.answers, DesignStep::Parties) {
            Ok(()) => return Ok(Redirect::to(&after(d.id, DesignStep::Parties, change, &d.answers)).into_response()),
            Err(e) => (d, PartyInput::default(), form_errors(e).map_err(page_error(&ctx))?),
        }
    } else {
        match apply(&state, &ctx, &actor, tenant_id, d.id, &DesignChange::AddParty(form.input.clone())).await? {
            Ok(_) => return Ok(redirect_with_flash(&here, "design-flash-party-added")),
            Err(errors) => (d, form.input, errors),
        }
    };
    let l = Layout::new(&state, &ctx, "design-parties-title").await.with_errors(errors);
    Ok(unprocessable(&parties_page(l, &d, change, input)))
}

#[derive(serde::Deserialize)]
struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    change: String,
}

async fn remove(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    n: &str,
    form: &RemoveForm,
    step: DesignStep,
    make: fn(usize) -> DesignChange,
) -> Result<Response, HtmlError> {
    csrf_ok(ctx, &form.csrf)?;
    let (actor, tenant_id, d) = load(state, ctx, id).await?;
    let n = index(ctx, n)?;
    state.app.change_design(&actor, tenant_id, d.id, &make(n)).await.map_err(page_error(ctx))?;
    let here = with_change(step_url(d.id, step), !form.change.is_empty());
    Ok(redirect_with_flash(&here, "design-flash-removed"))
}

async fn remove_party(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, n)): Path<(String, String)>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, HtmlError> {
    remove(&state, &ctx, &id, &n, &form, DesignStep::Parties, DesignChange::RemoveParty).await
}

// ---- cohorts ----

struct CohortRow {
    code: String,
    name: String,
    target_size: String,
    start_on: String,
    end_on: String,
}

#[derive(Template)]
#[template(path = "outcome_design_cohorts.html")]
struct CohortsPage {
    l: Layout,
    s: Step,
    rows: Vec<CohortRow>,
    f: CohortInput,
    full: bool,
}

fn cohorts_page(l: Layout, d: &DesignView, change: bool, f: CohortInput) -> CohortsPage {
    let rows = d
        .answers
        .cohorts
        .iter()
        .map(|c| CohortRow {
            code: c.code.clone(),
            name: c.name.clone(),
            target_size: l.count(&i64::from(c.target_size)),
            start_on: l.date(&c.start_on),
            end_on: l.date(&c.end_on),
        })
        .collect();
    let full = d.answers.cohorts.len() >= koinon_app::outcome_designs::COHORTS_MAX;
    CohortsPage { s: step_of(d, DesignStep::Cohorts, change), l, rows, f, full }
}

async fn cohorts(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ChangeQuery>,
) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let l = Layout::new(&state, &ctx, "design-cohorts-title").await;
    Ok(render(&cohorts_page(l, &d, q.on(), CohortInput::default())))
}

async fn save_cohorts(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ListForm<CohortInput>>,
) -> Result<Response, HtmlError> {
    csrf_ok(&ctx, &form.csrf)?;
    let (actor, tenant_id, d) = load(&state, &ctx, &id).await?;
    let change = !form.change.is_empty();
    let here = with_change(step_url(d.id, DesignStep::Cohorts), change);
    let (d, input, errors) = if form.op == "continue" {
        match check_step(&d.answers, DesignStep::Cohorts) {
            Ok(()) => return Ok(Redirect::to(&after(d.id, DesignStep::Cohorts, change, &d.answers)).into_response()),
            Err(e) => (d, CohortInput::default(), form_errors(e).map_err(page_error(&ctx))?),
        }
    } else {
        match apply(&state, &ctx, &actor, tenant_id, d.id, &DesignChange::AddCohort(form.input.clone())).await? {
            Ok(_) => return Ok(redirect_with_flash(&here, "design-flash-cohort-added")),
            Err(errors) => (d, form.input, errors),
        }
    };
    let l = Layout::new(&state, &ctx, "design-cohorts-title").await.with_errors(errors);
    Ok(unprocessable(&cohorts_page(l, &d, change, input)))
}

async fn remove_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, n)): Path<(String, String)>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, HtmlError> {
    remove(&state, &ctx, &id, &n, &form, DesignStep::Cohorts, DesignChange::RemoveCohort).await
}

// ---- caps ----

#[derive(Template)]
#[template(path = "outcome_design_caps.html")]
struct CapsPage {
    l: Layout,
    s: Step,
    f: CapsInput,
    currency: String,
}

fn caps_page(l: Layout, d: &DesignView, change: bool, f: CapsInput) -> CapsPage {
    let currency = d.answers.basics.as_ref().map(|b| b.currency.clone()).unwrap_or_default();
    CapsPage { s: step_of(d, DesignStep::Caps, change), l, f, currency }
}

async fn caps(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ChangeQuery>,
) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let f = d.answers.caps.as_ref().map_or_else(CapsInput::default, |c| CapsInput {
        contract_cap: c.contract_cap.clone(),
        participant_cap: c.participant_cap.clone().unwrap_or_default(),
        period_cap: c.period_cap.clone().unwrap_or_default(),
    });
    let l = Layout::new(&state, &ctx, "design-caps-title").await;
    Ok(render(&caps_page(l, &d, q.on(), f)))
}

#[derive(serde::Deserialize)]
struct StepForm<T> {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    change: String,
    #[serde(flatten)]
    input: T,
}

async fn save_caps(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<StepForm<CapsInput>>,
) -> Result<Response, HtmlError> {
    csrf_ok(&ctx, &form.csrf)?;
    let (actor, tenant_id, d) = load(&state, &ctx, &id).await?;
    let change = !form.change.is_empty();
    match apply(&state, &ctx, &actor, tenant_id, d.id, &DesignChange::Caps(form.input.clone())).await? {
        Ok(d) => Ok(Redirect::to(&after(d.id, DesignStep::Caps, change, &d.answers)).into_response()),
        Err(errors) => {
            let l = Layout::new(&state, &ctx, "design-caps-title").await.with_errors(errors);
            Ok(unprocessable(&caps_page(l, &d, change, form.input)))
        }
    }
}

// ---- metrics ----

struct MetricRow {
    index: usize,
    code: String,
    name: String,
    once: bool,
    prerequisites: String,
    price: Option<String>,
}

#[derive(Template)]
#[template(path = "outcome_design_metrics.html")]
struct MetricsPage {
    l: Layout,
    s: Step,
    rows: Vec<MetricRow>,
    full: bool,
}

fn metric_rows(l: &Layout, a: &DesignAnswers) -> Vec<MetricRow> {
    a.metrics
        .iter()
        .enumerate()
        .map(|(index, m)| MetricRow {
            index,
            code: m.code.clone(),
            name: m.name.clone(),
            once: m.once_per_participant,
            prerequisites: m.prerequisites.join(", "),
            price: m.price.as_ref().map(|p| money(l, a, p)),
        })
        .collect()
}

fn metrics_page(l: Layout, d: &DesignView, change: bool) -> MetricsPage {
    let rows = metric_rows(&l, &d.answers);
    let full = d.answers.metrics.len() >= koinon_app::outcome_designs::METRICS_MAX;
    MetricsPage { s: step_of(d, DesignStep::Metrics, change), l, rows, full }
}

async fn metrics(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ChangeQuery>,
) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let l = Layout::new(&state, &ctx, "design-metrics-title").await;
    Ok(render(&metrics_page(l, &d, q.on())))
}

async fn leave_metrics(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, HtmlError> {
    csrf_ok(&ctx, &form.csrf)?;
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let change = !form.change.is_empty();
    match check_step(&d.answers, DesignStep::Metrics) {
        Ok(()) => Ok(Redirect::to(&after(d.id, DesignStep::Metrics, change, &d.answers)).into_response()),
        Err(e) => {
            let errors = form_errors(e).map_err(page_error(&ctx))?;
            let l = Layout::new(&state, &ctx, "design-metrics-title").await.with_errors(errors);
            Ok(unprocessable(&metrics_page(l, &d, change)))
        }
    }
}

#[derive(Template)]
#[template(path = "outcome_design_metric.html")]
struct MetricPage {
    l: Layout,
    s: Step,
    /// The metric's position when it is changed; `None` for a new one.
    index: Option<usize>,
    f: MetricInput,
    /// The other metrics' codes, for the prerequisites hint.
    others: String,
    currency: String,
}

fn metric_page(l: Layout, d: &DesignView, change: bool, index: Option<usize>, f: MetricInput) -> MetricPage {
    let mut s = step_of(d, DesignStep::Metrics, change);
    s.back = with_change(step_url(d.id, DesignStep::Metrics), change);
    let others: Vec<&str> =
        d.answers.metrics.iter().enumerate().filter(|(k, _)| Some(*k) != index).map(|(_, m)| m.code.as_str()).collect();
    let currency = d.answers.basics.as_ref().map(|b| b.currency.clone()).unwrap_or_default();
    MetricPage { l, s, index, f, others: others.join(", "), currency }
}

async fn new_metric(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ChangeQuery>,
) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let l = Layout::new(&state, &ctx, "design-metric-title").await;
    let f = MetricInput { repeat: "once".into(), ..MetricInput::default() };
    Ok(render(&metric_page(l, &d, q.on(), None, f)))
}

async fn save_metric(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    index: Option<usize>,
    form: StepForm<MetricInput>,
) -> Result<Response, HtmlError> {
    csrf_ok(ctx, &form.csrf)?;
    let (actor, tenant_id, d) = load(state, ctx, id).await?;
    let change = !form.change.is_empty();
    let c = DesignChange::SaveMetric { index, input: form.input.clone() };
    match apply(state, ctx, &actor, tenant_id, d.id, &c).await? {
        Ok(d) => Ok(redirect_with_flash(
            &with_change(step_url(d.id, DesignStep::Metrics), change),
            "design-flash-metric-saved",
        )),
        Err(errors) => {
            let l = Layout::new(state, ctx, "design-metric-title").await.with_errors(errors);
            Ok(unprocessable(&metric_page(l, &d, change, index, form.input)))
        }
    }
}

async fn add_metric(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<StepForm<MetricInput>>,
) -> Result<Response, HtmlError> {
    save_metric(&state, &ctx, &id, None, form).await
}

async fn edit_metric(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, n)): Path<(String, String)>,
    Query(q): Query<ChangeQuery>,
) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let n = index(&ctx, &n)?;
    let m = d.answers.metrics.get(n).ok_or_else(|| HtmlError::not_found(ctx.locale))?;
    let f = MetricInput {
        metric_code: m.code.clone(),
        metric_name: m.name.clone(),
        definition: m.definition.clone(),
        evidence: m.evidence.clone(),
        verification_window_days: m.verification_window_days.to_string(),
        claim_window_days: m.claim_window_days.to_string(),
        repeat: if m.once_per_participant { "once" } else { "repeatable" }.into(),
        prerequisites: m.prerequisites.join(", "),
        price: m.price.clone().unwrap_or_default(),
    };
    let l = Layout::new(&state, &ctx, "design-metric-title").await;
    Ok(render(&metric_page(l, &d, q.on(), Some(n), f)))
}

async fn change_metric(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, n)): Path<(String, String)>,
    Form(form): Form<StepForm<MetricInput>>,
) -> Result<Response, HtmlError> {
    let n = index(&ctx, &n)?;
    save_metric(&state, &ctx, &id, Some(n), form).await
}

async fn remove_metric(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, n)): Path<(String, String)>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, HtmlError> {
    remove(&state, &ctx, &id, &n, &form, DesignStep::Metrics, DesignChange::RemoveMetric).await
}

// ---- mechanism ----

#[derive(Template)]
#[template(path = "outcome_design_mechanism.html")]
struct MechanismPage {
    l: Layout,
    s: Step,
    mechanisms: Vec<Choice>,
}

#[derive(serde::Deserialize)]
struct MechanismForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    change: String,
    #[serde(default)]
    mechanism: String,
}

fn mechanism_page(l: Layout, d: &DesignView, change: bool, selected: &str) -> MechanismPage {
    let mechanisms = choices(&l, &MECHANISMS, "outcomes-mechanism-", selected);
    MechanismPage { s: step_of(d, DesignStep::Mechanism, change), l, mechanisms }
}

async fn mechanism(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ChangeQuery>,
) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let l = Layout::new(&state, &ctx, "design-mechanism-title").await;
    let selected = d.answers.mechanism.kind.clone().unwrap_or_default();
    Ok(render(&mechanism_page(l, &d, q.on(), &selected)))
}

async fn save_mechanism(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<MechanismForm>,
) -> Result<Response, HtmlError> {
    csrf_ok(&ctx, &form.csrf)?;
    let (actor, tenant_id, d) = load(&state, &ctx, &id).await?;
    let change = !form.change.is_empty();
    match apply(&state, &ctx, &actor, tenant_id, d.id, &DesignChange::Mechanism(form.mechanism.clone())).await? {
        Ok(d) => {
            // A new mechanism's parameters are asked next, even when coming from check your answers.
            let to = if d.answers.mechanism.kind.as_deref() == Some("rate_card") {
                check_url(d.id)
            } else if change && d.answers.answered(DesignStep::MechanismDetails) {
                with_change(step_url(d.id, DesignStep::MechanismDetails), true)
            } else {
                with_change(step_url(d.id, DesignStep::MechanismDetails), change)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => {
            let l = Layout::new(&state, &ctx, "design-mechanism-title").await.with_errors(errors);
            Ok(unprocessable(&mechanism_page(l, &d, change, &form.mechanism)))
        }
    }
}

// ---- the mechanism's parameters ----

struct TargetRow {
    code: String,
    name: String,
    metric: String,
    threshold: String,
    payment: String,
}

#[derive(Template)]
#[template(path = "outcome_design_details.html")]
struct DetailsPage {
    l: Layout,
    s: Step,
    kind: String,
    f: MechanismDetailsInput,
    t: TargetInput,
    metrics: Vec<Choice>,
    target_metrics: Vec<Choice>,
    targets: Vec<TargetRow>,
    currency: String,
    full: bool,
}

#[derive(serde::Deserialize)]
struct DetailsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    change: String,
    /// `save` (threshold, savings share), `add` or `continue` (fixed targets).
    #[serde(default)]
    op: String,
    #[serde(flatten)]
    input: MechanismDetailsInput,
    #[serde(flatten)]
    target: TargetInput,
}

fn metric_choices(a: &DesignAnswers, selected: &str) -> Vec<Choice> {
    a.metrics
        .iter()
        .map(|m| Choice {
            value: m.code.clone(),
            label: format!("{} ({})", m.name, m.code),
            selected: m.code == selected,
        })
        .collect()
}

fn details_page(
    l: Layout,
    d: &DesignView,
    change: bool,
    f: MechanismDetailsInput,
    t: TargetInput,
) -> Result<DetailsPage, ()> {
    let kind = d.answers.mechanism.kind.clone().ok_or(())?;
    let metrics = metric_choices(&d.answers, &f.comparison_metric);
    let target_metrics = metric_choices(&d.answers, &t.target_metric);
    let targets = d
        .answers
        .mechanism
        .targets
        .iter()
        .map(|x| TargetRow {
            code: x.code.clone(),
            name: x.name.clone(),
            metric: x.metric.clone(),
            threshold: format!("{} %", percent(x.threshold_bp)),
            payment: money(&l, &d.answers, &x.payment),
        })
        .collect();
    let currency = d.answers.basics.as_ref().map(|b| b.currency.clone()).unwrap_or_default();
    let full = d.answers.mechanism.targets.len() >= koinon_app::outcome_designs::TARGETS_MAX;
    Ok(DetailsPage {
        s: step_of(d, DesignStep::MechanismDetails, change),
        l,
        kind,
        f,
        t,
        metrics,
        target_metrics,
        targets,
        currency,
        full,
    })
}

async fn details(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ChangeQuery>,
) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let m = &d.answers.mechanism;
    if matches!(m.kind.as_deref(), None | Some("rate_card")) {
        return Ok(Redirect::to(&with_change(step_url(d.id, DesignStep::Mechanism), q.on())).into_response());
    }
    let f = MechanismDetailsInput {
        comparison_metric: m.comparison.as_ref().map(|c| c.metric.clone()).unwrap_or_default(),
        cohort_threshold: m.comparison.as_ref().map(|c| percent(c.cohort_threshold_bp)).unwrap_or_default(),
        overall_threshold: m.comparison.as_ref().map(|c| percent(c.overall_threshold_bp)).unwrap_or_default(),
        price_per_event_avoided: m.comparison.as_ref().map(|c| c.price_per_event_avoided.clone()).unwrap_or_default(),
        share: m.share_bp.map(percent).unwrap_or_default(),
    };
    let l = Layout::new(&state, &ctx, "design-details-title").await;
    let page = details_page(l, &d, q.on(), f, TargetInput::default()).map_err(|()| HtmlError::not_found(ctx.locale))?;
    Ok(render(&page))
}

async fn save_details(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<DetailsForm>,
) -> Result<Response, HtmlError> {
    csrf_ok(&ctx, &form.csrf)?;
    let (actor, tenant_id, d) = load(&state, &ctx, &id).await?;
    let change = !form.change.is_empty();
    let here = with_change(step_url(d.id, DesignStep::MechanismDetails), change);
    let errors = match form.op.as_str() {
        "continue" => match check_step(&d.answers, DesignStep::MechanismDetails) {
            Ok(()) => return Ok(Redirect::to(&check_url(d.id)).into_response()),
            Err(e) => form_errors(e).map_err(page_error(&ctx))?,
        },
        "add" => {
            match apply(&state, &ctx, &actor, tenant_id, d.id, &DesignChange::AddTarget(form.target.clone())).await? {
                Ok(_) => return Ok(redirect_with_flash(&here, "design-flash-target-added")),
                Err(errors) => errors,
            }
        }
        _ => match apply(&state, &ctx, &actor, tenant_id, d.id, &DesignChange::MechanismDetails(form.input.clone()))
            .await?
        {
            Ok(_) => return Ok(Redirect::to(&check_url(d.id)).into_response()),
            Err(errors) => errors,
        },
    };
    let l = Layout::new(&state, &ctx, "design-details-title").await.with_errors(errors);
    let page = details_page(l, &d, change, form.input, form.target).map_err(|()| HtmlError::not_found(ctx.locale))?;
    Ok(unprocessable(&page))
}

async fn remove_target(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, n)): Path<(String, String)>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, HtmlError> {
    remove(&state, &ctx, &id, &n, &form, DesignStep::MechanismDetails, DesignChange::RemoveTarget).await
}

// ---- check your answers ----

/// One row of check your answers.
struct Answer {
    /// Fluent key of the question.
    label_key: String,
    value: String,
    /// The Change link (with `?change=1`).
    href: String,
}

/// One section of check your answers: a step and its rows.
struct Section {
    title_key: &'static str,
    rows: Vec<Answer>,
    href: String,
    answered: bool,
}

/// A problem on check your answers, linked to the step that fixes it.
struct Problem {
    href: String,
    step_key: String,
    field: String,
    message: String,
}

#[derive(Template)]
#[template(path = "outcome_design_check.html")]
struct CheckPage {
    l: Layout,
    s: Step,
    sections: Vec<Section>,
    problems: Vec<Problem>,
}

fn step_title_key(step: DesignStep) -> &'static str {
    match step {
        DesignStep::Basics => "design-basics-title",
        DesignStep::Parties => "design-parties-title",
        DesignStep::Cohorts => "design-cohorts-title",
        DesignStep::Caps => "design-caps-title",
        DesignStep::Metrics => "design-metrics-title",
        DesignStep::Mechanism => "design-mechanism-title",
        DesignStep::MechanismDetails => "design-details-title",
    }
}

fn sections(l: &Layout, d: &DesignView) -> Vec<Section> {
    let a = &d.answers;
    let row = |label_key: &str, value: String, step: DesignStep| Answer {
        label_key: label_key.to_string(),
        value,
        href: with_change(step_url(d.id, step), true),
    };
    let mut out = Vec::new();
    let mut push = |step: DesignStep, rows: Vec<Answer>| {
        out.push(Section {
            title_key: step_title_key(step),
            answered: a.answered(step),
            href: with_change(step_url(d.id, step), true),
            rows,
        });
    };
    let b = a.basics.as_ref();
    let basics = match b {
        Some(b) => vec![
            row("design-field-name", b.name.clone(), DesignStep::Basics),
            row(
                "outcome-policy-area",
                l.t(&format!("outcome-policy-{}", b.policy_area.replace('_', "-"))),
                DesignStep::Basics,
            ),
            row("design-field-currency", b.currency.clone(), DesignStep::Basics),
            row("design-field-start-on", l.date(&b.start_on), DesignStep::Basics),
            row("design-field-end-on", l.date(&b.end_on), DesignStep::Basics),
            row("outcome-period", l.t(&format!("outcome-period-{}", b.period)), DesignStep::Basics),
        ],
        None => Vec::new(),
    };
    push(DesignStep::Basics, basics);
    let parties = a
        .parties
        .iter()
        .map(|p| {
            let role = l.t(&format!("outcome-party-role-{}", p.role.replace('_', "-")));
            let value = match &p.commitment {
                Some(c) => format!("{}: {} ({})", role, p.name, money(l, a, c)),
                None => format!("{}: {}", role, p.name),
            };
            row("design-party", value, DesignStep::Parties)
        })
        .collect();
    push(DesignStep::Parties, parties);
    let cohorts = a
        .cohorts
        .iter()
        .map(|c| {
            let value = format!(
                "{} ({}): {} – {}, {}",
                c.name,
                c.code,
                l.date(&c.start_on),
                l.date(&c.end_on),
                l.t1("design-target-size-value", "size", &l.count(&i64::from(c.target_size)))
            );
            row("design-cohort", value, DesignStep::Cohorts)
        })
        .collect();
    push(DesignStep::Cohorts, cohorts);
    let caps = match &a.caps {
        Some(c) => {
            let none = l.t("design-none");
            vec![
                row("design-field-contract-cap", money(l, a, &c.contract_cap), DesignStep::Caps),
                row(
                    "design-field-participant-cap",
                    c.participant_cap.as_ref().map_or_else(|| none.clone(), |v| money(l, a, v)),
                    DesignStep::Caps,
                ),
                row(
                    "design-field-period-cap",
                    c.period_cap.as_ref().map_or(none, |v| money(l, a, v)),
                    DesignStep::Caps,
                ),
            ]
        }
        None => Vec::new(),
    };
    push(DesignStep::Caps, caps);
    let metrics = metric_rows(l, a)
        .into_iter()
        .map(|m| {
            let mut value = format!("{} ({})", m.name, m.code);
            value.push_str(", ");
            value.push_str(&l.t(if m.once { "design-once" } else { "design-repeatable" }));
            if !m.prerequisites.is_empty() {
                value.push_str(", ");
                value.push_str(&l.t1("design-after-value", "codes", &m.prerequisites));
            }
            // Thresholds and fixed targets pay on results: a price typed earlier is not used.
            if let Some(p) = m.price
                && !matches!(a.mechanism.kind.as_deref(), Some("comparison_threshold" | "fixed_targets"))
            {
                value.push_str(", ");
                value.push_str(&p);
            }
            Answer {
                label_key: "design-metric".into(),
                value,
                href: with_change(format!("/outcomes/designs/{}/metrics/{}", d.id, m.index), true),
            }
        })
        .collect();
    push(DesignStep::Metrics, metrics);
    let mechanism = match &a.mechanism.kind {
        Some(k) => vec![row(
            "outcomes-mechanism",
            l.t(&format!("outcomes-mechanism-{}", k.replace('_', "-"))),
            DesignStep::Mechanism,
        )],
        None => Vec::new(),
    };
    push(DesignStep::Mechanism, mechanism);
    let details = match a.mechanism.kind.as_deref() {
        Some("comparison_threshold") => a.mechanism.comparison.as_ref().map_or_else(Vec::new, |c| {
            vec![
                row("design-field-comparison-metric", c.metric.clone(), DesignStep::MechanismDetails),
                row(
                    "design-field-cohort-threshold",
                    format!("{} %", percent(c.cohort_threshold_bp)),
                    DesignStep::MechanismDetails,
                ),
                row(
                    "design-field-overall-threshold",
                    format!("{} %", percent(c.overall_threshold_bp)),
                    DesignStep::MechanismDetails,
                ),
                row(
                    "design-field-price-per-event",
                    money(l, a, &c.price_per_event_avoided),
                    DesignStep::MechanismDetails,
                ),
            ]
        }),
        Some("savings_share") => a.mechanism.share_bp.map_or_else(Vec::new, |bp| {
            vec![row("design-field-share", format!("{} %", percent(bp)), DesignStep::MechanismDetails)]
        }),
        Some("fixed_targets") => a
            .mechanism
            .targets
            .iter()
            .map(|t| {
                let value = format!(
                    "{} ({}): {} % {}, {}",
                    t.name,
                    t.code,
                    percent(t.threshold_bp),
                    t.metric,
                    money(l, a, &t.payment)
                );
                row("design-target", value, DesignStep::MechanismDetails)
            })
            .collect(),
        _ => Vec::new(),
    };
    if !matches!(a.mechanism.kind.as_deref(), Some("rate_card")) {
        push(DesignStep::MechanismDetails, details);
    }
    out
}

fn problems(d: &DesignView, errors: Vec<FieldError>) -> Vec<Problem> {
    errors
        .into_iter()
        .map(|e| {
            let step = DesignStep::from_slug(&e.field).unwrap_or_else(|| DesignStep::of_field(&e.field));
            let missing = e.code == "design_step_missing";
            // A metric's own problem opens that metric.
            let href = match e.field.strip_prefix("metrics[").and_then(|r| r.split(']').next()) {
                Some(n) if n.parse::<usize>().is_ok_and(|n| n < d.answers.metrics.len()) => {
                    with_change(format!("/outcomes/designs/{}/metrics/{n}", d.id), true)
                }
                _ => with_change(step_url(d.id, step), true),
            };
            Problem {
                href,
                step_key: step_title_key(step).to_string(),
                field: if missing { String::new() } else { e.field },
                message: if missing { String::new() } else { e.message },
            }
        })
        .collect()
}

fn check_page(l: Layout, d: &DesignView, errors: Vec<FieldError>) -> CheckPage {
    let mut s = step_of(d, DesignStep::MechanismDetails, false);
    s.back = if d.answers.mechanism.kind.as_deref() == Some("rate_card") {
        step_url(d.id, DesignStep::Mechanism)
    } else {
        step_url(d.id, DesignStep::MechanismDetails)
    };
    let sections = sections(&l, d);
    let problems = problems(d, errors);
    CheckPage { l, s, sections, problems }
}

async fn check(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (_, _, d) = load(&state, &ctx, &id).await?;
    let l = Layout::new(&state, &ctx, "design-check-title").await;
    Ok(render(&check_page(l, &d, Vec::new())))
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, HtmlError> {
    csrf_ok(&ctx, &form.csrf)?;
    let (actor, tenant_id, d) = load(&state, &ctx, &id).await?;
    match state.app.create_contract_from_design(&actor, tenant_id, d.id).await {
        Ok(c) => Ok(redirect_with_flash(&format!("/outcomes/{}", c.id), "flash-outcome-contract-created")),
        Err(e) => {
            let errors = form_errors(e).map_err(page_error(&ctx))?;
            let l = Layout::new(&state, &ctx, "design-check-title").await;
            Ok(unprocessable(&check_page(l, &d, errors)))
        }
    }
}

// ---- the designs in progress, listed on /outcomes/new ----

/// A design in progress, with where "continue" goes.
pub(super) struct DesignLink {
    pub id: i64,
    pub name: String,
    pub updated_at_us: i64,
    pub href: String,
}

pub(super) async fn design_links(
    state: &AppState,
    ctx: &Ctx,
    actor: &koinon_app::Actor,
    tenant_id: i64,
) -> Result<Vec<DesignLink>, HtmlError> {
    let designs = state.app.designs(actor, tenant_id).await.map_err(page_error(ctx))?;
    Ok(designs
        .into_iter()
        .map(|d| DesignLink {
            href: format!("/outcomes/designs/{}", d.id),
            id: d.id,
            name: d.name,
            updated_at_us: d.updated_at_us,
        })
        .collect())
}
