//! The outcomes contract dashboard and the public summary page of a contract.
//!
//! `/outcomes/{id}/dashboard` (signed in): verified outcomes against targets, payments planned
//! against paid, investor positions (for readers who may see them) and the commissioner's
//! figures, each chart followed by a table of the same numbers. `/public/outcomes/{tenant}`
//! and `/public/outcomes/{tenant}/{id}` (no sign-in): a municipality's contracts past
//! feasibility and one contract's aggregate figures; nothing personal, no investor figures.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use koinon_app::outcome_dashboard::{ContractDashboard, InvestorPositionView, PublicContractSummary};
use koinon_core::locale::Locale;

use super::admin::parse_id;
use super::{Layout, actor_of, page_error, render};
use crate::AppState;
use crate::charts::{Chart, ChartKind, Reference, SERIES_MAX, Series};
use crate::context::Ctx;
use crate::error::HtmlError;
use crate::i18n::tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outcomes/{id}/dashboard", get(dashboard))
        .route("/public/outcomes/{tenant}", get(public_list))
        .route("/public/outcomes/{tenant}/{id}", get(public_contract))
}

/// The message id of a code: `key("outcome-state-", "running")` is `outcome-state-running`.
fn key(prefix: &str, code: &str) -> String {
    format!("{prefix}{}", code.replace('_', "-"))
}

/// Formats numbers of one contract in the reader's locale.
#[derive(Clone, Copy)]
struct Numbers<'a> {
    locale: Locale,
    currency: &'a str,
    scale: u8,
}

impl Numbers<'_> {
    fn money(&self, minor: i64) -> String {
        self.locale.format_money(minor, self.currency, self.scale)
    }

    fn count(&self, n: i64) -> String {
        self.locale.format_count(n)
    }

    /// Basis points as a percentage: 350 → `3.5 %` (`3,5 %` in Greek).
    fn percent_bp(&self, bp: u32) -> String {
        let text = self.locale.format_decimal(i64::from(bp), 2);
        let trimmed = trim_zeros(&text);
        format!("{trimmed}\u{a0}%")
    }

    /// A rate (0.371 = 37.1%) with one decimal.
    fn rate(&self, rate: f64) -> String {
        let tenths = (rate * 1_000.0).round();
        if !tenths.is_finite() {
            return String::new();
        }
        format!("{}\u{a0}%", self.locale.format_decimal(tenths as i64, 1))
    }

    /// A ratio with two decimals.
    fn ratio(&self, ratio: f64) -> String {
        let hundredths = (ratio * 100.0).round();
        if !hundredths.is_finite() {
            return String::new();
        }
        self.locale.format_decimal(hundredths as i64, 2)
    }
}

/// `3.50` → `3.5`, `20.00` → `20` (either decimal mark).
fn trim_zeros(text: &str) -> String {
    if !text.contains(['.', ',']) {
        return text.to_string();
    }
    text.trim_end_matches('0').trim_end_matches(['.', ',']).to_string()
}

/// One labelled figure of a summary list.
struct Figure {
    label: String,
    value: String,
}

fn figure(l: &Layout, key: &str, value: String) -> Figure {
    Figure { label: l.t(key), value }
}

/// A row of the outcomes table.
struct OutcomeRow {
    name: String,
    code: String,
    verified: String,
    waiting: String,
    target: String,
    share: String,
}

/// A row of the investors table.
struct InvestorRow {
    name: String,
    committed: String,
    drawn: String,
    distributed: String,
    capital_returned: String,
    outstanding: String,
    undrawn: String,
}

fn investor_row(n: Numbers<'_>, i: &InvestorPositionView) -> InvestorRow {
    InvestorRow {
        name: i.name.clone(),
        committed: n.money(i.committed_minor),
        drawn: n.money(i.drawn_minor),
        distributed: n.money(i.distributed_minor),
        capital_returned: n.money(i.capital_returned_minor),
        outstanding: n.money(i.outstanding_minor),
        undrawn: n.money(i.undrawn_minor),
    }
}

/// The commissioner's part of the page.
struct CommissionerPart {
    figures: Vec<Figure>,
    chart: String,
    /// metric name, saving per outcome, verified, savings.
    savings: Vec<(String, String, String, String)>,
    note: Option<String>,
}

#[derive(Template)]
#[template(path = "outcome_dashboard.html")]
struct DashboardPage {
    l: Layout,
    contract_id: i64,
    name: String,
    summary: Vec<Figure>,
    outcomes_chart: String,
    outcomes: Vec<OutcomeRow>,
    payments_chart: String,
    cumulative_chart: String,
    investors_chart: Option<String>,
    investors: Option<Vec<InvestorRow>>,
    investors_total: Option<InvestorRow>,
    commissioner: Option<CommissionerPart>,
    public_path: Option<String>,
}

/// Outcomes per period: one series per metric (the first [`SERIES_MAX`]; the table under the
/// chart lists every metric's total).
fn outcomes_chart(
    locale: Locale,
    id: &str,
    periods: &[String],
    metrics: Vec<(String, Vec<i64>)>,
    n: Numbers<'_>,
) -> String {
    let format = move |v: i64| n.count(v);
    Chart {
        id: id.into(),
        title: tr(locale, "odash-outcomes-chart"),
        description: tr(locale, "odash-outcomes-chart-desc"),
        kind: ChartKind::Bars,
        period_heading: tr(locale, "odash-period"),
        periods: periods.to_vec(),
        series: metrics.into_iter().take(SERIES_MAX).map(|(name, values)| Series { name, values }).collect(),
        reference: None,
        format: &format,
    }
    .figure()
}

async fn dashboard(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let d: ContractDashboard = state.app.contract_dashboard(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "odash-title").await;
    let locale = ctx.locale;
    let n = Numbers { locale, currency: &d.currency, scale: u8::try_from(d.currency_scale).unwrap_or(2) };
    let money = move |v: i64| n.money(v);

    let summary = vec![
        figure(&l, "outcome-state", l.t(&key("outcome-state-", d.state.as_str()))),
        figure(&l, "odash-participants-enrolled", n.count(d.participants_enrolled)),
        figure(&l, "odash-planned-total", n.money(d.planned_total_minor)),
        figure(&l, "odash-paid-total", n.money(d.paid_total_minor)),
        figure(&l, "odash-awaiting-approval", n.money(d.awaiting_approval_minor)),
        figure(&l, "outcome-contract-cap", n.money(d.contract_cap_minor)),
        figure(&l, "outcome-cap-remaining", n.money(d.cap_remaining_minor)),
    ];

    let outcomes_chart = outcomes_chart(
        locale,
        "dash-outcomes",
        &d.periods,
        d.outcomes.iter().map(|o| (o.name.clone(), o.verified_by_period.clone())).collect(),
        n,
    );
    let outcomes = d
        .outcomes
        .iter()
        .map(|o| OutcomeRow {
            name: o.name.clone(),
            code: o.metric.clone(),
            verified: n.count(o.verified),
            waiting: n.count(o.waiting),
            target: match (o.target, o.target_kind) {
                (Some(t), Some(kind)) => format!("{} ({})", n.count(t), l.t(&key("odash-target-", kind))),
                _ => l.t("none-value"),
            },
            share: match o.target {
                Some(t) if t > 0 => n.rate(o.verified as f64 / t as f64),
                _ => l.t("none-value"),
            },
        })
        .collect();

    let periods = d.periods.clone();
    let payments_chart = Chart {
        id: "dash-payments".into(),
        title: l.t("odash-payments-chart"),
        description: l.t("odash-payments-chart-desc"),
        kind: ChartKind::Bars,
        period_heading: l.t("odash-period"),
        periods: periods.clone(),
        series: vec![
            Series { name: l.t("odash-planned"), values: d.payments.iter().map(|p| p.planned_minor).collect() },
            Series { name: l.t("odash-paid"), values: d.payments.iter().map(|p| p.actual_minor).collect() },
            Series {
                name: l.t("odash-awaiting-approval"),
                values: d.payments.iter().map(|p| p.awaiting_approval_minor).collect(),
            },
        ],
        reference: None,
        format: &money,
    }
    .figure();
    let cumulative_chart = Chart {
        id: "dash-cumulative".into(),
        title: l.t("odash-cumulative-chart"),
        description: l.t("odash-cumulative-chart-desc"),
        kind: ChartKind::Steps,
        period_heading: l.t("odash-period"),
        periods: periods.clone(),
        series: vec![
            Series {
                name: l.t("odash-planned"),
                values: d.payments.iter().map(|p| p.planned_cumulative_minor).collect(),
            },
            Series { name: l.t("odash-paid"), values: d.payments.iter().map(|p| p.actual_cumulative_minor).collect() },
        ],
        reference: Some(Reference { name: l.t("outcome-contract-cap"), value: d.contract_cap_minor }),
        format: &money,
    }
    .figure();

    let investors_chart = d.investors.as_ref().filter(|v| !v.is_empty()).map(|list| {
        Chart {
            id: "dash-investors".into(),
            title: l.t("odash-investors-chart"),
            description: l.t("odash-investors-chart-desc"),
            kind: ChartKind::Bars,
            period_heading: l.t("outcome-party-role-investor"),
            periods: list.iter().map(|i| i.name.clone()).collect(),
            series: vec![
                Series { name: l.t("outcome-commitment"), values: list.iter().map(|i| i.committed_minor).collect() },
                Series { name: l.t("outcome-drawn"), values: list.iter().map(|i| i.drawn_minor).collect() },
                Series { name: l.t("odash-distributed"), values: list.iter().map(|i| i.distributed_minor).collect() },
                Series { name: l.t("odash-outstanding"), values: list.iter().map(|i| i.outstanding_minor).collect() },
            ],
            reference: None,
            format: &money,
        }
        .svg()
    });
    let investors = d.investors.as_ref().map(|v| v.iter().map(|i| investor_row(n, i)).collect());
    let investors_total = d.investors_total.as_ref().map(|i| investor_row(n, i));

    let commissioner = d.commissioner.as_ref().map(|k| {
        let mut figures = vec![
            figure(&l, "odash-discount-rate", n.percent_bp(k.discount_rate_bp)),
            figure(&l, "odash-baseline-rate", n.percent_bp(k.baseline_rate_bp)),
            figure(&l, "odash-as-of", l.date(&k.as_of)),
        ];
        let mut note = None;
        if let Some(f) = &k.figures {
            figures.extend([
                figure(&l, "odash-outcome-payments", n.money(f.outcome_payments_minor)),
                figure(&l, "odash-public-savings", n.money(f.public_savings_minor)),
                figure(&l, "odash-net-savings", n.money(f.net_savings_minor)),
                figure(&l, "odash-pv-payments", n.money(f.pv_outcome_payments_minor)),
                figure(&l, "odash-pv-savings", n.money(f.pv_public_savings_minor)),
                figure(&l, "odash-npv", n.money(f.npv_minor)),
                figure(&l, "odash-bcr", f.benefit_cost_ratio.map_or_else(|| l.t("none-value"), |r| n.ratio(r))),
            ]);
        } else if let Some(code) = k.figures_error {
            note = Some(format!("{} ({code})", l.t("odash-figures-unavailable")));
        }
        match (&k.break_even, k.break_even_error) {
            (Some(b), _) => figures.extend([
                figure(
                    &l,
                    "odash-break-even",
                    b.commissioner_break_even_rate.map_or_else(|| l.t("odash-never"), |r| n.rate(r)),
                ),
                figure(
                    &l,
                    "odash-capital-back-rate",
                    b.investor_capital_back_rate.map_or_else(|| l.t("odash-never"), |r| n.rate(r)),
                ),
            ]),
            (None, Some("no_prices")) => {
                figures.push(figure(&l, "odash-break-even", l.t("odash-break-even-no-prices")))
            }
            (None, Some(code)) => {
                figures.push(figure(&l, "odash-break-even", format!("{} ({code})", l.t("odash-figures-unavailable"))))
            }
            (None, None) => {}
        }
        let chart = Chart {
            id: "dash-commissioner".into(),
            title: l.t("odash-commissioner-chart"),
            description: l.t("odash-commissioner-chart-desc"),
            kind: ChartKind::Bars,
            period_heading: l.t("odash-period"),
            periods: periods.clone(),
            series: vec![
                Series {
                    name: l.t("odash-outcome-payments"),
                    values: d.payments.iter().map(|p| p.planned_minor).collect(),
                },
                Series { name: l.t("odash-public-savings"), values: k.savings_by_period.clone() },
            ],
            reference: None,
            format: &money,
        }
        .figure();
        let savings = k
            .savings_by_metric
            .iter()
            .map(|s| {
                let name =
                    d.outcomes.iter().find(|o| o.metric == s.metric).map_or(s.metric.clone(), |o| o.name.clone());
                (name, n.money(s.saving_per_outcome_minor), n.count(s.verified), n.money(s.savings_minor))
            })
            .collect();
        CommissionerPart { figures, chart, savings, note }
    });

    let public_path = l
        .tenant
        .as_ref()
        .filter(|_| matches!(d.state.as_str(), "contracted" | "running" | "closed"))
        .map(|t| format!("/public/outcomes/{}/{}", t.code, d.contract_id));
    Ok(render(&DashboardPage {
        contract_id: d.contract_id,
        name: d.name.clone(),
        summary,
        outcomes_chart,
        outcomes,
        payments_chart,
        cumulative_chart,
        investors_chart,
        investors,
        investors_total,
        commissioner,
        public_path,
        l,
    }))
}

// ---- public pages ----

/// A contract on the public list.
struct PublicItem {
    id: i64,
    name: String,
    policy_key: String,
    state_key: String,
    start_on: String,
    end_on: String,
}

#[derive(Template)]
#[template(path = "outcome_public_list.html")]
struct PublicListPage {
    l: Layout,
    tenant_code: String,
    tenant_name: String,
    contracts: Vec<PublicItem>,
}

async fn public_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(tenant): Path<String>,
) -> Result<Response, HtmlError> {
    let list = state.app.public_contracts(&tenant).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "opub-list-title").await;
    let contracts = list
        .contracts
        .iter()
        .map(|c| PublicItem {
            id: c.contract_id,
            name: c.name.clone(),
            policy_key: key("outcome-policy-", &c.policy_area),
            state_key: key("outcome-state-", c.state.as_str()),
            start_on: c.start_on.clone(),
            end_on: c.end_on.clone(),
        })
        .collect();
    Ok(render(&PublicListPage { l, tenant_code: list.tenant_code, tenant_name: list.tenant_name, contracts }))
}

#[derive(Template)]
#[template(path = "outcome_public.html")]
struct PublicPage {
    l: Layout,
    s: PublicContractSummary,
    policy_key: String,
    state_key: String,
    mechanism_key: String,
    /// name, message id of the role.
    parties: Vec<(String, String)>,
    enrolled: String,
    /// metric name, verified.
    outcomes: Vec<(String, String)>,
    paid: String,
    cap: String,
    paid_share: String,
    outcomes_chart: String,
    paid_chart: String,
}

async fn public_contract(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((tenant, id)): Path<(String, String)>,
) -> Result<Response, HtmlError> {
    let id = parse_id(&ctx, &id)?;
    let s = state.app.public_contract_summary(&tenant, id).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "opub-title").await;
    let locale = ctx.locale;
    let n = Numbers { locale, currency: &s.currency, scale: u8::try_from(s.currency_scale).unwrap_or(2) };
    let money = move |v: i64| n.money(v);
    let outcomes_chart = outcomes_chart(
        locale,
        "public-outcomes",
        &s.periods,
        s.outcomes.iter().map(|o| (o.name.clone(), o.verified_by_period.clone())).collect(),
        n,
    );
    let paid_chart = Chart {
        id: "public-paid".into(),
        title: l.t("opub-paid-chart"),
        description: l.t("opub-paid-chart-desc"),
        kind: ChartKind::Bars,
        period_heading: l.t("odash-period"),
        periods: s.periods.clone(),
        series: vec![Series { name: l.t("odash-paid"), values: s.paid_by_period.clone() }],
        reference: None,
        format: &money,
    }
    .figure();
    let page = PublicPage {
        policy_key: key("outcome-policy-", &s.policy_area),
        state_key: key("outcome-state-", s.state.as_str()),
        mechanism_key: key("outcomes-mechanism-", &s.mechanism),
        parties: s.parties.iter().map(|p| (p.name.clone(), key("outcome-party-role-", &p.role))).collect(),
        enrolled: n.count(s.participants_enrolled),
        outcomes: s.outcomes.iter().map(|o| (o.name.clone(), n.count(o.verified))).collect(),
        paid: n.money(s.paid_total_minor),
        cap: n.money(s.contract_cap_minor),
        paid_share: if s.contract_cap_minor > 0 {
            n.rate(s.paid_total_minor as f64 / s.contract_cap_minor as f64)
        } else {
            l.t("none-value")
        },
        outcomes_chart,
        paid_chart,
        l,
        s,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_ratios_follow_the_locale() {
        let en = Numbers { locale: Locale::En, currency: "EUR", scale: 2 };
        let el = Numbers { locale: Locale::El, currency: "EUR", scale: 2 };
        assert_eq!(en.percent_bp(350), "3.5\u{a0}%");
        assert_eq!(el.percent_bp(350), "3,5\u{a0}%");
        assert_eq!(en.percent_bp(2_000), "20\u{a0}%");
        assert_eq!(en.percent_bp(0), "0\u{a0}%");
        assert_eq!(en.rate(0.371_428), "37.1\u{a0}%");
        assert_eq!(en.ratio(1.5), "1.50");
        assert_eq!(en.rate(f64::NAN), "");
    }
}
