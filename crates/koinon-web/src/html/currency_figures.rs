//! `/currency/{code}/dashboard`: the figures of a municipal e-currency for a period and
//! optionally one programme: LM3, recirculation, velocity and retention as headline figures,
//! then charts of issued and spent per month, spending by category and by merchant, and the
//! rounds of LM3, each followed by a table of the same numbers. The period filter is a GET
//! form, so a page of figures has an address that can be shared.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use koinon_app::AppError;
use koinon_app::currency_figures::{CurrencyFigures, FiguresParams, RatioView};
use koinon_core::FieldError;
use koinon_core::locale::Locale;

use super::{Layout, actor_of, page_error, render};
use crate::AppState;
use crate::charts::{Chart, ChartKind, Series};
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/currency/{code}/dashboard", get(dashboard))
}

/// The filter as typed (shown back in the form).
#[derive(Debug, Default, serde::Deserialize)]
pub struct FilterQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    programme: String,
}

/// One labelled headline figure.
struct Figure {
    label: String,
    value: String,
}

#[derive(Template)]
#[template(path = "currency_figures.html")]
struct FiguresPage {
    l: Layout,
    code: String,
    filter: FilterQuery,
    /// `from` and `to` of the figures shown, in the reader's language.
    period: Option<(String, String)>,
    programme: Option<String>,
    headline: Vec<Figure>,
    charts: Vec<(String, String)>,
}

/// Formats the figures of one currency in the reader's locale.
#[derive(Clone, Copy)]
struct Numbers<'a> {
    locale: Locale,
    code: &'a str,
    scale: u8,
}

impl Numbers<'_> {
    fn money(&self, minor: i64) -> String {
        self.locale.format_money(minor, self.code, self.scale)
    }

    /// A ratio with two decimals, from its basis points (rounded half up, in integers).
    fn ratio(&self, r: &RatioView) -> String {
        self.locale.format_decimal((r.basis_points + 50).div_euclid(100), 2)
    }

    /// A share in percent with one decimal.
    fn percent(&self, r: &RatioView) -> String {
        format!("{}\u{a0}%", self.locale.format_decimal((r.basis_points + 5).div_euclid(10), 1))
    }
}

fn charts(l: &Layout, f: &CurrencyFigures, n: Numbers<'_>) -> Vec<(String, String)> {
    let money = move |v: i64| n.money(v);
    let months = Chart {
        id: "figures-months".into(),
        title: l.t("cfig-months-chart"),
        description: l.t("cfig-months-chart-desc"),
        kind: ChartKind::Bars,
        period_heading: l.t("cfig-month"),
        periods: f.months.iter().map(|m| m.month.clone()).collect(),
        series: vec![
            Series { name: l.t("cfig-issued"), values: f.months.iter().map(|m| m.issued_minor).collect() },
            Series { name: l.t("cfig-spent"), values: f.months.iter().map(|m| m.spent_minor).collect() },
            Series { name: l.t("cfig-circulated"), values: f.months.iter().map(|m| m.circulated_minor).collect() },
            Series { name: l.t("cfig-redeemed"), values: f.months.iter().map(|m| m.redeemed_minor).collect() },
        ],
        reference: None,
        format: &money,
    }
    .figure();
    let categories = Chart {
        id: "figures-categories".into(),
        title: l.t("cfig-category-chart"),
        description: l.t("cfig-category-chart-desc"),
        kind: ChartKind::Bars,
        period_heading: l.t("cfig-category"),
        periods: f.by_category.iter().map(|c| c.category.clone()).collect(),
        series: vec![Series { name: l.t("cfig-spent"), values: f.by_category.iter().map(|c| c.spent_minor).collect() }],
        reference: None,
        format: &money,
    }
    .figure();
    let mut merchant_names: Vec<String> = f
        .top_merchants
        .iter()
        .map(|m| m.name.clone().or_else(|| m.owner.clone()).unwrap_or_else(|| m.account_id.chars().take(8).collect()))
        .collect();
    let mut merchant_values: Vec<i64> = f.top_merchants.iter().map(|m| m.received_minor).collect();
    if f.other_merchants > 0 {
        merchant_names.push(l.t1("cfig-other-merchants", "count", &l.count(&f.other_merchants)));
        merchant_values.push(f.other_merchants_received_minor);
    }
    let merchants = Chart {
        id: "figures-merchants".into(),
        title: l.t("cfig-merchant-chart"),
        description: l.t("cfig-merchant-chart-desc"),
        kind: ChartKind::Bars,
        period_heading: l.t("cfig-merchant"),
        periods: merchant_names,
        series: vec![Series { name: l.t("cfig-received"), values: merchant_values }],
        reference: None,
        format: &money,
    }
    .figure();
    let rounds = Chart {
        id: "figures-rounds".into(),
        title: l.t("cfig-rounds-chart"),
        description: l.t("cfig-rounds-chart-desc"),
        kind: ChartKind::Bars,
        period_heading: l.t("cfig-round"),
        periods: vec![l.t("cfig-round-1"), l.t("cfig-round-2"), l.t("cfig-round-3")],
        series: vec![Series { name: l.t("cfig-amount"), values: vec![f.r1_minor, f.r2_minor, f.r3_minor] }],
        reference: None,
        format: &money,
    }
    .figure();
    vec![
        (l.t("cfig-months-heading"), months),
        (l.t("cfig-category-heading"), categories),
        (l.t("cfig-merchant-heading"), merchants),
        (l.t("cfig-rounds-heading"), rounds),
    ]
}

fn headline(l: &Layout, f: &CurrencyFigures, n: Numbers<'_>) -> Vec<Figure> {
    let none = || l.t("cfig-not-available");
    let item = |key: &str, value: String| Figure { label: l.t(key), value };
    vec![
        item("cfig-lm3", f.lm3.as_ref().map_or_else(none, |r| n.ratio(r))),
        item("cfig-recirculation", f.recirculation.as_ref().map_or_else(none, |r| n.percent(r))),
        item("cfig-velocity", f.velocity.as_ref().map_or_else(none, |r| n.ratio(r))),
        item("cfig-retention", f.retention.as_ref().map_or_else(none, |r| n.percent(r))),
        item("cfig-issued", n.money(f.issued_minor)),
        item("cfig-beneficiaries", l.count(&f.beneficiaries)),
        item("cfig-spent", n.money(f.spent_minor)),
        item("cfig-payments", l.count(&f.payments)),
        item("cfig-circulated", n.money(f.circulated_minor)),
        item("cfig-redeemed", n.money(f.redeemed_minor)),
        item("cfig-average-outstanding", n.money(f.average_outstanding_minor)),
    ]
}

async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(filter): Query<FilterQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let non_empty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let params = FiguresParams {
        from: non_empty(&filter.from),
        to: non_empty(&filter.to),
        programme: non_empty(&filter.programme),
        top: None,
    };
    let result = state.app.currency_figures(&actor, tenant_id, &code, &params).await;
    let errors = match &result {
        Err(AppError::Invalid(errors)) => Some(errors.clone()),
        Err(AppError::NotFound(what)) if what.starts_with("programme") => {
            Some(vec![FieldError::new("programme", "figures_unknown_programme", what.clone())])
        }
        _ => None,
    };
    if let Some(errors) = errors {
        let l = Layout::new(&state, &ctx, "cfig-title").await.with_errors(errors);
        let page =
            FiguresPage { l, code, filter, period: None, programme: None, headline: Vec::new(), charts: Vec::new() };
        return Ok((StatusCode::BAD_REQUEST, render(&page)).into_response());
    }
    let f = result.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "cfig-title").await;
    let n = Numbers { locale: ctx.locale, code: &f.ledger, scale: u8::try_from(f.scale).unwrap_or(2) };
    let page = FiguresPage {
        headline: headline(&l, &f, n),
        charts: charts(&l, &f, n),
        period: Some((l.date(&f.from), l.date(&f.to))),
        programme: f.programme.clone(),
        code: f.ledger.clone(),
        filter,
        l,
    };
    Ok(render(&page))
}
