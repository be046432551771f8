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
use koinon_core::outcomes::{Contract, PaymentStatement, payments_from_csv};

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
pub(super) struct Line {
    pub(super) label: String,
    pub(super) count: String,
    pub(super) gross: String,
    pub(super) paid: String,
}

pub(super) struct RefusedView {
    pub(super) line: u64,
    pub(super) participant: String,
    pub(super) metric: String,
    pub(super) event_on: String,
    pub(super) code: String,
}

/// A table of statement lines: its caption, the heading of its first column, the lines.
pub(super) struct Table {
    pub(super) caption: &'static str,
    pub(super) label: &'static str,
    pub(super) lines: Vec<Line>,
}

/// A textarea of the form.
struct FieldView {
    name: &'static str,
    rows: u8,
    value: String,
}

/// The statement, formatted for the page (`outcomes_statement.html`): the calculator's, and
/// a payment run's as stored (JSON; an investor's view has no participant lines).
pub(super) struct StatementView {
    pub(super) contract: String,
    pub(super) mechanism: String,
    pub(super) currency: String,
    pub(super) gross_due: String,
    pub(super) total_due: String,
    pub(super) claims_read: u64,
    pub(super) claims_accepted: u64,
    pub(super) claims_refused: u64,
    pub(super) tables: Vec<Table>,
    pub(super) results: Vec<(String, String, String, String, bool, String)>,
    pub(super) caps: Vec<(String, String, u64)>,
    /// Each cap that cut something: kind, scope (a participant, a period, the contract), cut,
    /// items cut.
    pub(super) caps_applied: Vec<(String, String, String, u64)>,
    pub(super) caps_applied_not_listed: u64,
    pub(super) refusals_by_reason: Vec<(String, u64)>,
    pub(super) refusals: Vec<RefusedView>,
    pub(super) refusals_not_shown: u64,
    pub(super) participants_not_shown: u64,
}

/// Participants listed in a statement's table (all are counted in the other tables).
const PARTICIPANTS_SHOWN: usize = 500;

impl StatementView {
    fn of(s: PaymentStatement) -> Self {
        Self::of_json(&serde_json::to_value(&s).unwrap_or_default())
    }

    /// A statement from its JSON form (`koinon_core::outcomes::PaymentStatement`); what is
    /// missing is shown as empty.
    pub(super) fn of_json(v: &serde_json::Value) -> Self {
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let count = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
        let money = |v: &serde_json::Value| text(&v["decimal"]);
        let list = |key: &str| v[key].as_array().cloned().unwrap_or_default();
        let lines = |key: &str, label: &str| -> Vec<Line> {
            list(key)
                .iter()
                .map(|l| Line {
                    label: l[label].as_str().unwrap_or("—").to_string(),
                    count: count(&l["outcomes"]).to_string(),
                    gross: money(&l["gross"]),
                    paid: money(&l["paid"]),
                })
                .collect()
        };
        let refusals = list("refusals");
        let shown = refusals.len().min(REFUSALS_SHOWN);
        let claims_refused = count(&v["claims_refused"]);
        let mut by_participant = lines("by_participant", "participant");
        let participants_not_shown = by_participant.len().saturating_sub(PARTICIPANTS_SHOWN) as u64;
        by_participant.truncate(PARTICIPANTS_SHOWN);
        Self {
            contract: text(&v["contract"]),
            mechanism: text(&v["mechanism"]),
            currency: text(&v["currency"]),
            gross_due: money(&v["gross_due"]),
            total_due: money(&v["total_due"]),
            claims_read: count(&v["claims_read"]),
            claims_accepted: count(&v["claims_accepted"]),
            claims_refused,
            tables: vec![
                Table { caption: "outcomes-by-period", label: "outcomes-period", lines: lines("by_period", "period") },
                Table { caption: "outcomes-by-metric", label: "outcomes-metric", lines: lines("by_metric", "metric") },
                Table { caption: "outcomes-by-cohort", label: "outcomes-cohort", lines: lines("by_cohort", "cohort") },
                Table { caption: "evidence-by-participant", label: "outcomes-participant", lines: by_participant },
            ],
            results: list("results")
                .iter()
                .map(|r| {
                    (
                        format!("{} {}", r["cohort"].as_str().unwrap_or(""), text(&r["item"])).trim().to_string(),
                        text(&r["period"]),
                        text(&r["measured"]),
                        text(&r["threshold"]),
                        r["met"].as_bool().unwrap_or(false),
                        money(&r["paid"]),
                    )
                })
                .collect(),
            caps: list("cap_totals")
                .iter()
                .map(|c| (text(&c["cap"]), money(&c["cut"]), count(&c["items_cut"])))
                .collect(),
            caps_applied: list("caps_applied")
                .iter()
                .map(|c| (text(&c["cap"]), text(&c["scope"]), money(&c["cut"]), count(&c["items_cut"])))
                .collect(),
            caps_applied_not_listed: count(&v["caps_applied_not_listed"]),
            refusals_by_reason: list("refusals_by_reason")
                .iter()
                .map(|r| (text(&r["reason"]), count(&r["count"])))
                .collect(),
            refusals: refusals[..shown]
                .iter()
                .map(|r| RefusedView {
                    line: count(&r["line"]),
                    participant: text(&r["participant"]),
                    metric: text(&r["metric"]),
                    event_on: text(&r["event_on"]),
                    code: text(&r["reason"]),
                })
                .collect(),
            refusals_not_shown: claims_refused.saturating_sub(shown as u64),
            participants_not_shown,
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
