//! `/outcomes/{id}/feasibility`: the feasibility of a contract before signing. The officer's
//! assumptions (referrals, engagement, attrition, each metric's chance and how sure it is, lags,
//! savings, costs, discount rate, the investors' return cap) are a form prefilled from the
//! latest run or from the contract; a run shows the spread of outcome payments, the chance of
//! reaching the cap, the investors' returns and chance of a loss, and the commissioner's net
//! savings, as charts each followed by a table of the same numbers. Earlier runs stay listed,
//! and each run's model file can be downloaded for `koinon outcomes simulate`.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use koinon_app::outcome_feasibility::{FeasibilityRunView, FeasibilityView, SCENARIOS_DEFAULT};
use koinon_core::FieldError;
use koinon_core::authz::Action;
use koinon_core::locale::Locale;
use koinon_sim::draft::Assumptions;
use koinon_sim::sim::MoneyStats;

use super::admin::{form_errors, parse_id, require, unprocessable};
use super::outcomes_contracts::decimal_minor;
use super::outcomes_evidence::bp_text;
use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::charts::{Chart, ChartKind, Series};
use crate::context::Ctx;
use crate::error::HtmlError;
use crate::i18n::tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outcomes/{id}/feasibility", get(page).post(run))
        .route("/outcomes/{id}/feasibility/runs/{run_id}/model.toml", get(model_file))
}

/// Most characters of one form field (the referrals list is the longest).
const FIELD_CHARS_MAX: usize = 2_000;

/// The form as typed: percentages, amounts and multiples in the reader's terms.
#[derive(Debug, Clone, Default)]
struct AssumptionsForm {
    referrals: String,
    engagement: String,
    attrition: String,
    /// Per metric of the contract: code, name shown, success %, uncertainty %, lag, saving.
    metrics: Vec<MetricForm>,
    cost_per_participant: String,
    cost_per_period: String,
    discount_rate: String,
    return_cap: String,
    payment_delay: String,
    scenarios: String,
    seed: String,
}

#[derive(Debug, Clone, Default)]
struct MetricForm {
    code: String,
    success: String,
    uncertainty: String,
    lag: String,
    saving: String,
}

fn minor_text(minor: i64, scale: u8) -> String {
    koinon_core::money::minor_to_decimal(minor, scale)
}

impl AssumptionsForm {
    fn from_assumptions(a: &Assumptions, scale: u8, scenarios: i64, seed: i64) -> Self {
        AssumptionsForm {
            referrals: a.referrals.iter().map(i64::to_string).collect::<Vec<_>>().join(", "),
            engagement: bp_text(a.engagement_bp, 2),
            attrition: bp_text(a.attrition_bp, 2),
            metrics: a
                .metrics
                .iter()
                .map(|m| MetricForm {
                    code: m.code.clone(),
                    success: bp_text(m.success_bp, 2),
                    uncertainty: bp_text(m.uncertainty_bp, 2),
                    lag: m.lag_periods.to_string(),
                    saving: minor_text(m.public_saving_minor, scale),
                })
                .collect(),
            cost_per_participant: minor_text(a.cost_per_participant_minor, scale),
            cost_per_period: minor_text(a.cost_per_period_minor, scale),
            discount_rate: bp_text(a.discount_rate_bp, 2),
            return_cap: a.return_cap_bp.map(|bp| bp_text(bp, 4)).unwrap_or_default(),
            payment_delay: a.payment_delay_periods.to_string(),
            scenarios: scenarios.to_string(),
            seed: seed.to_string(),
        }
    }

    /// Reads the posted fields (`success_0`, `lag_0`, ... per metric of the contract).
    fn from_fields(fields: &BTreeMap<String, String>, codes: &[String]) -> Self {
        let get =
            |name: &str| fields.get(name).map(|v| v.trim().chars().take(FIELD_CHARS_MAX).collect()).unwrap_or_default();
        AssumptionsForm {
            referrals: get("referrals"),
            engagement: get("engagement"),
            attrition: get("attrition"),
            metrics: codes
                .iter()
                .enumerate()
                .map(|(i, code)| MetricForm {
                    code: code.clone(),
                    success: get(&format!("success_{i}")),
                    uncertainty: get(&format!("uncertainty_{i}")),
                    lag: get(&format!("lag_{i}")),
                    saving: get(&format!("saving_{i}")),
                })
                .collect(),
            cost_per_participant: get("cost_per_participant"),
            cost_per_period: get("cost_per_period"),
            discount_rate: get("discount_rate"),
            return_cap: get("return_cap"),
            payment_delay: get("payment_delay"),
            scenarios: get("scenarios"),
            seed: get("seed"),
        }
    }

    /// The assumptions, scenarios and seed, or every field that does not read.
    fn parse(&self, scale: u8) -> Result<(Assumptions, u32, u32), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut percent = |field: &str, text: &str| -> i64 {
            match decimal_minor(&text.replace(['%', ' '], ""), 2) {
                Some(bp) => bp,
                None => {
                    errors.push(FieldError::new(field, "invalid_percent", "Enter a percentage like 85 or 5.5"));
                    0
                }
            }
        };
        let engagement_bp = percent("engagement", &self.engagement);
        let attrition_bp = percent("attrition", &self.attrition);
        let discount_rate_bp = percent("discount_rate", &self.discount_rate);
        let mut metrics = Vec::new();
        for (i, m) in self.metrics.iter().enumerate() {
            let success_bp = percent(&format!("success_{i}"), &m.success);
            let uncertainty_bp = percent(&format!("uncertainty_{i}"), &m.uncertainty);
            metrics.push(koinon_sim::draft::MetricAssumption {
                code: m.code.clone(),
                success_bp,
                uncertainty_bp,
                lag_periods: 0,
                public_saving_minor: 0,
            });
        }
        for (i, m) in self.metrics.iter().enumerate() {
            match m.lag.parse::<i64>() {
                Ok(v) => metrics[i].lag_periods = v,
                Err(_) => errors.push(FieldError::new(
                    format!("lag_{i}"),
                    "invalid_number",
                    "Enter a whole number of periods, like 2",
                )),
            }
            match decimal_minor(&m.saving.replace([',', ' '], ""), u32::from(scale)) {
                Some(v) => metrics[i].public_saving_minor = v,
                None => errors.push(FieldError::new(
                    format!("saving_{i}"),
                    "invalid_amount",
                    "Enter an amount like 4000.00 (0 for none)",
                )),
            }
        }
        let mut amount = |field: &str, text: &str| -> i64 {
            match decimal_minor(&text.replace([',', ' '], ""), u32::from(scale)) {
                Some(v) => v,
                None => {
                    errors.push(FieldError::new(field, "invalid_amount", "Enter an amount like 1500.00 (0 for none)"));
                    0
                }
            }
        };
        let cost_per_participant_minor = amount("cost_per_participant", &self.cost_per_participant);
        let cost_per_period_minor = amount("cost_per_period", &self.cost_per_period);
        let return_cap_bp = if self.return_cap.is_empty() {
            None
        } else {
            match decimal_minor(&self.return_cap.replace(['×', 'x', ' '], ""), 4) {
                Some(v) => Some(v),
                None => {
                    errors.push(FieldError::new(
                        "return_cap",
                        "invalid_multiple",
                        "Enter a multiple like 1.5, or leave it empty for no cap",
                    ));
                    None
                }
            }
        };
        let mut referrals = Vec::new();
        for part in self.referrals.split([',', ';', ' ']).filter(|p| !p.is_empty()) {
            match part.parse::<i64>() {
                Ok(v) => referrals.push(v),
                Err(_) => {
                    errors.push(FieldError::new(
                        "referrals",
                        "invalid_list",
                        "Enter the referrals of each period as whole numbers separated by commas, like 36, 35, 36",
                    ));
                    break;
                }
            }
        }
        let payment_delay_periods = self.payment_delay.parse::<i64>().unwrap_or_else(|_| {
            errors.push(FieldError::new("payment_delay", "invalid_number", "Enter a whole number of periods, like 1"));
            0
        });
        let scenarios = self.scenarios.parse::<u32>().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "scenarios",
                "invalid_number",
                "Enter a whole number of scenarios, like 10000",
            ));
            0
        });
        let seed = self.seed.parse::<u32>().unwrap_or_else(|_| {
            errors.push(FieldError::new("seed", "invalid_number", "Enter a whole number from 0 to 4294967295"));
            0
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        let assumptions = Assumptions {
            referrals,
            engagement_bp,
            attrition_bp,
            metrics,
            cost_per_participant_minor,
            cost_per_period_minor,
            discount_rate_bp,
            return_cap_bp,
            payment_delay_periods,
        };
        Ok((assumptions, scenarios, seed))
    }
}

/// The form field of a model's field: `metrics[2].success_bp` → `success_2`.
fn form_field(model_field: &str) -> String {
    if let Some(rest) = model_field.strip_prefix("metrics[")
        && let Some((index, name)) = rest.split_once("].")
    {
        let prefix = match name {
            "success_bp" => "success",
            "uncertainty_bp" => "uncertainty",
            "lag_periods" => "lag",
            "public_saving" => "saving",
            _ => "metrics",
        };
        return if prefix == "metrics" { "metrics".into() } else { format!("{prefix}_{index}") };
    }
    match model_field {
        f if f.starts_with("referrals.per_period") => "referrals",
        "referrals.engagement_bp" => "engagement",
        "referrals.attrition_bp" => "attrition",
        "costs.per_participant" => "cost_per_participant",
        "costs.per_period" => "cost_per_period",
        "discount_rate_bp" => "discount_rate",
        "investors.return_cap_bp" => "return_cap",
        "payment_delay_periods" => "payment_delay",
        "scenarios" => "scenarios",
        _ => "model",
    }
    .to_string()
}

/// One figure of a summary list.
struct Figure {
    label: String,
    value: String,
}

/// What a run shows.
struct RunPart {
    id: i64,
    heading: String,
    figures: Vec<Figure>,
    investors: Vec<Figure>,
    commissioner: Vec<Figure>,
    payments_chart: String,
    savings_chart: String,
    periods_chart: String,
    by_metric: Vec<(String, String, String)>,
}

/// An earlier run in the list.
struct RunRow {
    id: i64,
    run_at_us: i64,
    run_by: String,
    scenarios: String,
    seed: String,
    mean_paid: String,
    loss: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "outcome_feasibility.html")]
struct FeasibilityPage {
    l: Layout,
    contract_id: i64,
    name: String,
    currency: String,
    can_run: bool,
    form: AssumptionsForm,
    shown: Option<RunPart>,
    runs: Vec<RunRow>,
}

fn percent(locale: Locale, share: f64) -> String {
    let tenths = (share * 1_000.0).round();
    if tenths.is_finite() { format!("{}\u{a0}%", locale.format_decimal(tenths as i64, 1)) } else { String::new() }
}

fn histogram(locale: Locale, id: &str, title_key: &str, desc_key: &str, stats: &MoneyStats, currency: &str) -> String {
    let m = |minor: i64, scale: u8| locale.format_money(minor, currency, scale);
    let periods: Vec<String> = stats
        .histogram
        .iter()
        .map(|b| format!("{} – {}", m(b.from.minor, b.from.scale), m(b.to.minor, b.to.scale)))
        .collect();
    let values: Vec<i64> = stats.histogram.iter().map(|b| i64::try_from(b.scenarios).unwrap_or(i64::MAX)).collect();
    let count = move |v: i64| locale.format_count(v);
    Chart {
        id: id.into(),
        title: tr(locale, title_key),
        description: tr(locale, desc_key),
        kind: ChartKind::Bars,
        period_heading: tr(locale, "feas-range"),
        periods,
        series: vec![Series { name: tr(locale, "feas-scenarios"), values }],
        reference: None,
        format: &count,
    }
    .figure()
}

fn run_part(locale: Locale, run: &FeasibilityRunView, currency: &str) -> RunPart {
    let f = &run.figures;
    let m = |a: &koinon_core::outcomes::Amount| locale.format_money(a.minor, currency, a.scale);
    let spread = |s: &MoneyStats| format!("{} ({} – {})", m(&s.p50), m(&s.p5), m(&s.p95));
    let fig = |key: &str, value: String| Figure { label: tr(locale, key), value };
    let mut figures = vec![
        fig("feas-participants", locale.format_count(f.participants.p50.round() as i64)),
        fig("feas-mean-paid", m(&f.outcome_payments.mean)),
        fig("feas-median-paid", spread(&f.outcome_payments)),
        fig("feas-cap-chance", format!("{} ({})", percent(locale, f.probability_cap_hit), m(&f.contract_cap))),
    ];
    figures.push(fig("feas-scenarios-seed", format!("{} · {}", locale.format_count(run.scenarios), run.seed)));
    let mut investors = Vec::new();
    if let Some(inv) = &f.investors {
        investors.push(fig("feas-capital", m(&inv.capital)));
        investors.push(fig("feas-drawn", spread(&inv.drawn)));
        investors.push(fig("feas-received", spread(&inv.received)));
        if let Some(irr) = &inv.irr {
            investors.push(fig(
                "feas-irr",
                format!("{} ({} – {})", percent(locale, irr.p50), percent(locale, irr.p5), percent(locale, irr.p95)),
            ));
        }
        if let Some(mm) = &inv.money_multiple {
            let x = |v: f64| format!("{}×", locale.format_decimal((v * 100.0).round() as i64, 2));
            investors.push(fig("feas-multiple", format!("{} ({} – {})", x(mm.p50), x(mm.p5), x(mm.p95))));
        }
        investors.push(fig("feas-loss-chance", percent(locale, inv.probability_of_loss)));
        investors.push(fig("feas-gap-chance", percent(locale, inv.probability_of_funding_gap)));
    }
    let commissioner = vec![
        fig("feas-discount-rate-label", format!("{}\u{a0}%", bp_text(i64::from(f.commissioner.discount_rate_bp), 2))),
        fig("feas-net-savings", spread(&f.commissioner.net_savings_npv)),
        fig("feas-net-cost-chance", percent(locale, f.commissioner.probability_of_net_cost)),
    ];
    let money = move |v: i64| locale.format_money(v, currency, f.outcome_payments.mean.scale);
    let periods_chart = Chart {
        id: "feasibility-periods".into(),
        title: tr(locale, "feas-periods-chart"),
        description: tr(locale, "feas-periods-chart-desc"),
        kind: ChartKind::Bars,
        period_heading: tr(locale, "feas-period"),
        periods: f.by_period.iter().map(|p| p.period.clone()).collect(),
        series: vec![Series {
            name: tr(locale, "feas-mean-paid"),
            values: f.by_period.iter().map(|p| p.mean_paid.minor).collect(),
        }],
        reference: None,
        format: &money,
    }
    .figure();
    RunPart {
        id: run.id,
        heading: tr(locale, "feas-run-heading"),
        figures,
        investors,
        commissioner,
        payments_chart: histogram(
            locale,
            "feasibility-payments",
            "feas-payments-chart",
            "feas-payments-chart-desc",
            &f.outcome_payments,
            currency,
        ),
        savings_chart: histogram(
            locale,
            "feasibility-savings",
            "feas-savings-chart",
            "feas-savings-chart-desc",
            &f.commissioner.net_savings_npv,
            currency,
        ),
        periods_chart,
        by_metric: f
            .by_metric
            .iter()
            .map(|x| {
                (x.code.clone(), locale.format_decimal((x.mean_outcomes * 10.0).round() as i64, 1), m(&x.mean_paid))
            })
            .collect(),
    }
}

#[derive(serde::Deserialize, Default)]
struct RunQuery {
    run: Option<String>,
}

fn page_of(l: Layout, view: &FeasibilityView, form: AssumptionsForm, show: Option<i64>) -> FeasibilityPage {
    let locale = l.locale;
    let shown_run = match show {
        Some(id) => view.runs.iter().find(|r| r.id == id),
        None => view.runs.first(),
    };
    let shown = shown_run.map(|r| run_part(locale, r, &view.currency));
    let runs = view
        .runs
        .iter()
        .map(|r| RunRow {
            id: r.id,
            run_at_us: r.run_at_us,
            run_by: r.run_by.clone(),
            scenarios: locale.format_count(r.scenarios),
            seed: r.seed.to_string(),
            mean_paid: locale.format_money(r.figures.outcome_payments.mean.minor, &view.currency, view.scale),
            loss: r.figures.investors.as_ref().map_or_else(String::new, |i| percent(locale, i.probability_of_loss)),
            current: shown_run.is_some_and(|s| s.id == r.id),
        })
        .collect();
    FeasibilityPage {
        contract_id: view.contract_id,
        name: view.contract_name.clone(),
        currency: view.currency.clone(),
        can_run: view.can_run,
        form,
        shown,
        runs,
        l,
    }
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<RunQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let view = state.app.feasibility(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let show = match q.run.as_deref() {
        Some(raw) => Some(parse_id(&ctx, raw)?).filter(|r| view.runs.iter().any(|x| x.id == *r)),
        None => None,
    };
    if q.run.is_some() && show.is_none() {
        return Err(HtmlError::not_found(ctx.locale));
    }
    let (scenarios, seed) = view.runs.first().map_or((i64::from(SCENARIOS_DEFAULT), 1), |r| (r.scenarios, r.seed));
    let form = AssumptionsForm::from_assumptions(&view.assumptions, view.scale, scenarios, seed);
    let l = Layout::new(&state, &ctx, "feas-title").await;
    Ok(render(&page_of(l, &view, form, show)))
}

async fn run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(fields): Form<BTreeMap<String, String>>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(fields.get("csrf").map_or("", String::as_str))?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    require(&ctx, &actor, Action::ManageOutcomeContracts, tenant_id)?;
    let view = state.app.feasibility(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let codes: Vec<String> = view.assumptions.metrics.iter().map(|m| m.code.clone()).collect();
    let form = AssumptionsForm::from_fields(&fields, &codes);
    let errors = match form.parse(view.scale) {
        Ok((assumptions, scenarios, seed)) => {
            match state.app.run_feasibility(&actor, tenant_id, id, &assumptions, scenarios, seed).await {
                Ok(run) => {
                    return Ok(redirect_with_flash(
                        &format!("/outcomes/{id}/feasibility?run={}", run.id),
                        "flash-feasibility-run",
                    ));
                }
                Err(e) => form_errors(e)
                    .map_err(page_error(&ctx))?
                    .into_iter()
                    .map(|e| FieldError { field: form_field(&e.field), ..e })
                    .collect(),
            }
        }
        Err(errors) => errors,
    };
    let l = Layout::new(&state, &ctx, "feas-title").await.with_errors(errors);
    Ok(unprocessable(&page_of(l, &view, form, None)))
}

/// A run's model file, for `koinon outcomes simulate --model`.
async fn model_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, run_id)): Path<(String, String)>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let run_id = parse_id(&ctx, &run_id)?;
    let view = state.app.feasibility(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let run = view.runs.iter().find(|r| r.id == run_id).ok_or_else(|| HtmlError::not_found(ctx.locale))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"feasibility-{id}-run-{run_id}.toml\"")),
        ],
        run.model.clone(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_fields_map_to_form_fields() {
        assert_eq!(form_field("metrics[2].success_bp"), "success_2");
        assert_eq!(form_field("metrics[0].public_saving"), "saving_0");
        assert_eq!(form_field("referrals.per_period[3]"), "referrals");
        assert_eq!(form_field("investors.return_cap_bp"), "return_cap");
        assert_eq!(form_field("name"), "model");
    }

    #[test]
    fn the_form_reads_percentages_amounts_and_multiples() {
        let mut fields = BTreeMap::new();
        for (k, v) in [
            ("referrals", "36, 35 36"),
            ("engagement", "85"),
            ("attrition", "5.5 %"),
            ("success_0", "45.25"),
            ("uncertainty_0", "10"),
            ("lag_0", "2"),
            ("saving_0", "4,000.50"),
            ("cost_per_participant", "1500"),
            ("cost_per_period", "0"),
            ("discount_rate", "3.5"),
            ("return_cap", "1.5"),
            ("payment_delay", "2"),
            ("scenarios", "10000"),
            ("seed", "7"),
        ] {
            fields.insert(k.to_string(), v.to_string());
        }
        let form = AssumptionsForm::from_fields(&fields, &["job_start".to_string()]);
        let (a, scenarios, seed) = form.parse(2).expect("reads");
        assert_eq!(a.referrals, vec![36, 35, 36]);
        assert_eq!((a.engagement_bp, a.attrition_bp, a.discount_rate_bp), (8_500, 550, 350));
        assert_eq!((a.metrics[0].success_bp, a.metrics[0].uncertainty_bp, a.metrics[0].lag_periods), (4_525, 1_000, 2));
        assert_eq!(a.metrics[0].public_saving_minor, 400_050);
        assert_eq!((a.cost_per_participant_minor, a.return_cap_bp), (150_000, Some(15_000)));
        assert_eq!(a.payment_delay_periods, 2);
        assert_eq!((scenarios, seed), (10_000, 7));
        // And back: the form shows what it read.
        let again = AssumptionsForm::from_assumptions(&a, 2, 10_000, 7);
        assert_eq!((again.attrition.as_str(), again.return_cap.as_str()), ("5.5", "1.5"));
        assert_eq!(again.metrics[0].saving, "4000.50");

        fields.insert("success_0".into(), "lots".into());
        fields.insert("referrals".into(), "36, x".into());
        let errors = AssumptionsForm::from_fields(&fields, &["job_start".to_string()]).parse(2).expect_err("bad");
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, vec!["success_0", "referrals"]);
    }
}
