//! The outcomes payment calculator: an outcomes contract (TOML) and its claims, participants
//! and cohort results (CSV) pasted into a form, the payment statement out — totals, by period,
//! metric and cohort, results-based payments, the caps that cut, and every refused claim with
//! its line and reason. Nothing is stored: commissioners, providers and investors use it to
//! try a contract on sample data before it is signed.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::response::Response;
use axum::routing::get;
use koinon_core::FieldError;
use koinon_core::authz::Action;
use koinon_core::outcomes::{Amount, CapKind, Contract, PaymentStatement, payments_from_csv};

use super::admin::{require, unprocessable};
use super::{Form, Layout, actor_of, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outcomes/calculator", get(calculator).post(calculate))
        .layer(DefaultBodyLimit::max(BODY_MAX_BYTES))
}

/// Most characters taken from one field of the form (the contract or one CSV); larger files
/// go through `koinon outcomes payments`.
pub const FIELD_CHARS_MAX: usize = 400_000;
/// Largest form this page takes (four fields, URL-encoded).
pub const BODY_MAX_BYTES: usize = 4 * 1024 * 1024;
/// Refused claims listed on the page (all are counted by reason).
const REFUSALS_SHOWN: usize = 50;

/// The example contracts of `examples/outcomes/`, one per payment mechanism: name, contract,
/// participants, claims, cohort results.
const EXAMPLES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "dwp-rate-card",
        include_str!("../../../../examples/outcomes/dwp-rate-card.toml"),
        include_str!("../../../../examples/outcomes/dwp-rate-card.participants.csv"),
        include_str!("../../../../examples/outcomes/dwp-rate-card.claims.csv"),
        "",
    ),
    (
        "peterborough-threshold",
        include_str!("../../../../examples/outcomes/peterborough-threshold.toml"),
        "",
        "",
        include_str!("../../../../examples/outcomes/peterborough-threshold.results.csv"),
    ),
    (
        "koto-savings-share",
        include_str!("../../../../examples/outcomes/koto-savings-share.toml"),
        "",
        include_str!("../../../../examples/outcomes/koto-savings-share.claims.csv"),
        include_str!("../../../../examples/outcomes/koto-savings-share.results.csv"),
    ),
    (
        "faz-te-forward-targets",
        include_str!("../../../../examples/outcomes/faz-te-forward-targets.toml"),
        "",
        "",
        include_str!("../../../../examples/outcomes/faz-te-forward-targets.results.csv"),
    ),
];

/// What the calculator works on: the contract (TOML) and the CSV texts (empty when absent).
#[derive(Default)]
pub(crate) struct Inputs {
    pub contract: String,
    pub participants: String,
    pub claims: String,
    pub results: String,
}

/// One row of a statement table, formatted for the page.
struct Line {
    label: String,
    count: String,
    gross: String,
    paid: String,
}

impl Line {
    fn of(label: &str, count: u64, gross: &Amount, paid: &Amount) -> Self {
        Line { label: label.to_string(), count: count.to_string(), gross: gross.decimal(), paid: paid.decimal() }
    }
}

struct RefusedView {
    line: u64,
    participant: String,
    metric: String,
    event_on: String,
    code: &'static str,
}

/// A table of statement lines: its caption, the heading of its first column, the lines.
struct Table {
    caption: &'static str,
    label: &'static str,
    lines: Vec<Line>,
}

/// A textarea of the form.
struct FieldView {
    name: &'static str,
    rows: u8,
    value: String,
}

/// The statement, formatted for the page.
struct StatementView {
    contract: String,
    mechanism: &'static str,
    currency: String,
    gross_due: String,
    total_due: String,
    claims_read: u64,
    claims_accepted: u64,
    claims_refused: u64,
    tables: Vec<Table>,
    results: Vec<(String, String, String, String, bool, String)>,
    caps: Vec<(&'static str, String, u64)>,
    refusals_by_reason: Vec<(&'static str, u64)>,
    refusals: Vec<RefusedView>,
    refusals_not_shown: u64,
}

impl StatementView {
    fn of(s: PaymentStatement) -> Self {
        let money = |a: &Amount| a.decimal();
        let cap_name = |c: CapKind| match c {
            CapKind::Participant => "participant",
            CapKind::Period => "period",
            CapKind::Contract => "contract",
        };
        let shown = s.refusals.len().min(REFUSALS_SHOWN);
        Self {
            gross_due: money(&s.gross_due),
            total_due: money(&s.total_due),
            tables: vec![
                Table {
                    caption: "outcomes-by-period",
                    label: "outcomes-period",
                    lines: s.by_period.iter().map(|p| Line::of(&p.period, p.outcomes, &p.gross, &p.paid)).collect(),
                },
                Table {
                    caption: "outcomes-by-metric",
                    label: "outcomes-metric",
                    lines: s.by_metric.iter().map(|m| Line::of(&m.metric, m.outcomes, &m.gross, &m.paid)).collect(),
                },
                Table {
                    caption: "outcomes-by-cohort",
                    label: "outcomes-cohort",
                    lines: s
                        .by_cohort
                        .iter()
                        .map(|c| Line::of(c.cohort.as_deref().unwrap_or("—"), c.outcomes, &c.gross, &c.paid))
                        .collect(),
                },
            ],
            results: s
                .results
                .iter()
                .map(|r| {
                    (
                        format!("{} {}", r.cohort.as_deref().unwrap_or(""), r.item).trim().to_string(),
                        r.period.clone(),
                        r.measured.clone(),
                        r.threshold.clone(),
                        r.met,
                        money(&r.paid),
                    )
                })
                .collect(),
            caps: s.cap_totals.iter().map(|c| (cap_name(c.cap), money(&c.cut), c.items_cut)).collect(),
            refusals_by_reason: s.refusals_by_reason.iter().map(|r| (r.reason.code(), r.count)).collect(),
            refusals: s.refusals[..shown]
                .iter()
                .map(|r| RefusedView {
                    line: r.line,
                    participant: r.participant.clone(),
                    metric: r.metric.clone(),
                    event_on: r.event_on.clone(),
                    code: r.reason.code(),
                })
                .collect(),
            refusals_not_shown: s.claims_refused.saturating_sub(shown as u64),
            contract: s.contract,
            mechanism: s.mechanism,
            currency: s.currency,
            claims_read: s.claims_read,
            claims_accepted: s.claims_accepted,
            claims_refused: s.claims_refused,
        }
    }
}

#[derive(Template)]
#[template(path = "outcomes_calculator.html")]
struct CalculatorPage {
    l: Layout,
    fields: Vec<FieldView>,
    examples: Vec<&'static str>,
    statement: Option<StatementView>,
    /// Every input problem, in full (the error summary links each field once).
    problems: Vec<String>,
}

#[derive(serde::Deserialize)]
struct ExampleQuery {
    example: Option<String>,
}

async fn calculator(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExampleQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ModelOutcomes, tenant_id)?;
    let f = match q.example.as_deref().and_then(|name| EXAMPLES.iter().find(|e| e.0 == name)) {
        Some((_, contract, participants, claims, results)) => Inputs {
            contract: contract.to_string(),
            participants: participants.to_string(),
            claims: claims.to_string(),
            results: results.to_string(),
        },
        None => Inputs::default(),
    };
    let l = Layout::new(&state, &ctx, "outcomes-calculator-title").await;
    Ok(render(&CalculatorPage {
        l,
        fields: fields(f),
        examples: example_names(),
        statement: None,
        problems: Vec::new(),
    }))
}

fn fields(f: Inputs) -> Vec<FieldView> {
    vec![
        FieldView { name: "contract", rows: 16, value: f.contract },
        FieldView { name: "participants", rows: 6, value: f.participants },
        FieldView { name: "claims", rows: 8, value: f.claims },
        FieldView { name: "results", rows: 6, value: f.results },
    ]
}

fn example_names() -> Vec<&'static str> {
    EXAMPLES.iter().map(|e| e.0).collect()
}

#[derive(serde::Deserialize)]
struct CalculatorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    contract: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    claims: String,
    #[serde(default)]
    results: String,
}

fn field_error(field: &str, code: &'static str, message: String) -> FieldError {
    FieldError { field: field.to_string(), code, message }
}

/// The statement for the inputs, or every problem found (by field, with the line). Used by
/// this page and by `POST /api/v1/outcomes/payments`.
pub(crate) fn work_out(f: &Inputs) -> Result<PaymentStatement, Vec<FieldError>> {
    let mut errors = Vec::new();
    for (field, text) in
        [("contract", &f.contract), ("participants", &f.participants), ("claims", &f.claims), ("results", &f.results)]
    {
        if text.chars().count() > FIELD_CHARS_MAX {
            errors.push(field_error(
                field,
                "too_long",
                format!("{field}: at most {FIELD_CHARS_MAX} characters here; use `koinon outcomes payments` for larger files"),
            ));
        }
    }
    if f.contract.trim().is_empty() {
        errors.push(field_error("contract", "required", "Enter the contract".into()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let contract = Contract::from_toml(&f.contract).map_err(|e| {
        e.0.iter()
            .map(|c| {
                let at = c.line.map(|l| format!("line {l}, ")).unwrap_or_default();
                field_error("contract", "contract_invalid", format!("contract, {at}{}: {}", c.field, c.message))
            })
            .collect::<Vec<_>>()
    })?;
    fn optional(text: &str) -> Option<&[u8]> {
        (!text.trim().is_empty()).then_some(text.as_bytes())
    }
    payments_from_csv(&contract, optional(&f.participants), f.claims.as_bytes(), optional(&f.results))
        .map_err(|e| e.0.iter().map(|i| field_error(i.input, "input_invalid", i.to_string())).collect::<Vec<_>>())
}

async fn calculate(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CalculatorForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ModelOutcomes, tenant_id)?;
    let clip =
        |s: String| if s.chars().count() > FIELD_CHARS_MAX { s.chars().take(FIELD_CHARS_MAX).collect() } else { s };
    let f =
        Inputs { contract: form.contract, participants: form.participants, claims: form.claims, results: form.results };
    let outcome = work_out(&f);
    let f = Inputs {
        contract: clip(f.contract),
        participants: clip(f.participants),
        claims: clip(f.claims),
        results: clip(f.results),
    };
    match outcome {
        Ok(mut statement) => {
            statement.by_participant.clear();
            let l = Layout::new(&state, &ctx, "outcomes-calculator-title").await;
            let statement = Some(StatementView::of(statement));
            Ok(render(&CalculatorPage {
                l,
                fields: fields(f),
                examples: example_names(),
                statement,
                problems: Vec::new(),
            }))
        }
        Err(errors) => {
            let problems: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
            // The summary at the top links each field once; the full list is under it.
            let mut first: Vec<FieldError> = Vec::new();
            for e in errors {
                if !first.iter().any(|x| x.field == e.field) {
                    first.push(e);
                }
            }
            let l = Layout::new(&state, &ctx, "outcomes-calculator-title").await.with_errors(first);
            Ok(unprocessable(&CalculatorPage {
                l,
                fields: fields(f),
                examples: example_names(),
                statement: None,
                problems,
            }))
        }
    }
}
