//! The INDIGO knowledge bank pages: browse and filter the world's impact bonds (`/indigo`),
//! one bond (`/indigo/{id}`), and a contract beside similar bonds (`/outcomes/{id}/compare`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use koinon_app::indigo::{Comparison, IndigoFilterInput, IndigoProjectDetail, IndigoProjectSummary};
use koinon_core::authz::Action;
use koinon_core::locale::Locale;

use super::admin::{form_errors, parse_id, require, unprocessable};
use super::{Layout, actor_of, page_error, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;
use crate::i18n::{tr, tr_args};
use crate::ranked_chart::{RankedChart, RankedItem};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/indigo", get(projects))
        .route("/indigo/{id}", get(project))
        .route("/outcomes/{id}/compare", get(compare))
}

/// Similar bonds shown beside a contract.
const COMPARE_MAX: usize = 10;

#[derive(Debug, Default, serde::Deserialize)]
struct ProjectsQuery {
    sector: Option<String>,
    country: Option<String>,
    stage: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn clip(s: &Option<String>) -> String {
    s.as_deref().unwrap_or("").chars().take(200).collect()
}

struct FilterValues {
    sector: String,
    country: String,
    stage: String,
    from: String,
    to: String,
    q: String,
}

#[derive(Template)]
#[template(path = "indigo.html")]
struct ProjectsPage {
    l: Layout,
    f: FilterValues,
    sectors: Vec<String>,
    stages: Vec<String>,
    countries: Vec<String>,
    projects: Vec<IndigoProjectSummary>,
    next_href: Option<String>,
}

async fn projects(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ProjectsQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ViewIndigo, tenant_id)?;
    let filter = IndigoFilterInput {
        sector: q.sector.clone(),
        country: q.country.clone(),
        stage: q.stage.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        q: q.q.clone(),
    };
    let (sectors, stages, countries) = state.app.indigo_facets(&actor).await.map_err(page_error(&ctx))?;
    let f = FilterValues {
        sector: clip(&q.sector),
        country: clip(&q.country),
        stage: clip(&q.stage),
        from: clip(&q.from),
        to: clip(&q.to),
        q: clip(&q.q),
    };
    match state.app.list_indigo_projects(&actor, &filter, q.cursor.as_deref(), None).await {
        Ok(page) => {
            let next_href = page.next_cursor.map(|cursor| {
                let mut href = String::from("/indigo?");
                for (k, v) in [
                    ("sector", &f.sector),
                    ("country", &f.country),
                    ("stage", &f.stage),
                    ("from", &f.from),
                    ("to", &f.to),
                    ("q", &f.q),
                ] {
                    if !v.is_empty() {
                        href.push_str(&format!("{k}={}&", encode(v)));
                    }
                }
                href.push_str(&format!("cursor={}", encode(&cursor)));
                href
            });
            let l = Layout::new(&state, &ctx, "indigo-title").await;
            Ok(render(&ProjectsPage { l, f, sectors, stages, countries, projects: page.items, next_href }))
        }
        Err(e) => {
            let errors = form_errors(e).map_err(page_error(&ctx))?;
            let l = Layout::new(&state, &ctx, "indigo-title").await.with_errors(errors);
            Ok(unprocessable(&ProjectsPage { l, f, sectors, stages, countries, projects: Vec::new(), next_href: None }))
        }
    }
}

#[derive(Template)]
#[template(path = "indigo_project.html")]
struct ProjectPage {
    l: Layout,
    p: IndigoProjectDetail,
}

impl ProjectPage {
    fn org(&self, id: &Option<String>) -> String {
        match id {
            Some(id) => self.p.organisations.get(id).cloned().unwrap_or_else(|| id.clone()),
            None => String::new(),
        }
    }

    fn metric(&self, id: &Option<String>) -> String {
        let Some(id) = id else { return String::new() };
        self.p
            .project
            .outcome_metrics
            .iter()
            .find(|m| m.id.as_ref() == Some(id))
            .and_then(|m| m.definition.clone())
            .map(|d| d.lines().next().unwrap_or_default().chars().take(160).collect())
            .unwrap_or_else(|| id.clone())
    }
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn opt_display<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

async fn project(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, _) = actor_of(&ctx)?;
    let p = state.app.indigo_project(&actor, &id).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "indigo-project-title").await;
    Ok(render(&ProjectPage { l, p }))
}

#[derive(Template)]
#[template(path = "indigo_compare.html")]
struct ComparePage {
    l: Layout,
    c: Comparison,
    /// The contract's cap, capital and cap per participant beside the similar bonds priced in
    /// its currency: SVG charts, each followed by its table.
    charts: Vec<String>,
    /// The contract's cap, participant cap, capital and prices in the reader's locale.
    money: ContractMoney,
}

struct ContractMoney {
    cap: String,
    participant_cap: String,
    capital: String,
    /// `(metric, price)`.
    prices: Vec<(String, String)>,
}

/// One ranked chart of a figure of the contract and of the similar bonds that have it in the
/// contract's currency; `None` when no similar bond has it.
fn compare_chart(
    locale: Locale,
    c: &Comparison,
    id: &str,
    title_key: &str,
    contract_value: Option<i64>,
    bond_value: impl Fn(&koinon_app::indigo::ComparableFigures) -> Option<i64>,
) -> Option<String> {
    let contract_value = contract_value?;
    let mut items: Vec<RankedItem> = c
        .similar
        .iter()
        .filter_map(|s| {
            bond_value(&s.in_contract_currency).map(|v| RankedItem {
                label: s.summary.name.clone(),
                value: v,
                marked: false,
            })
        })
        .collect();
    if items.is_empty() {
        return None;
    }
    items.push(RankedItem { label: c.contract.name.clone(), value: contract_value, marked: true });
    let currency = c.contract.currency.clone();
    let scale = c.contract.currency_scale;
    let money = move |v: i64| locale.format_money(v, &currency, scale);
    let title = tr(locale, title_key);
    Some(
        RankedChart {
            id: id.into(),
            description: tr_args(
                locale,
                "indigo-chart-desc",
                &[("bonds", (items.len() - 1).to_string()), ("currency", c.contract.currency.clone())],
            ),
            title: title.clone(),
            label_heading: tr(locale, "indigo-name"),
            value_heading: title,
            marked_note: tr(locale, "indigo-this-contract"),
            items,
            format: &money,
        }
        .figure(),
    )
}

async fn compare(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let c = state.app.similar_projects(&actor, tenant_id, id, COMPARE_MAX).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "indigo-compare-title").await;
    let locale = l.locale;
    let charts = [
        compare_chart(locale, &c, "compare-cap", "indigo-max-payment", Some(c.contract.contract_cap_minor), |f| {
            f.max_outcome_payment_minor
        }),
        compare_chart(
            locale,
            &c,
            "compare-cap-per-participant",
            "indigo-cap-per-participant",
            c.contract.cap_per_participant_minor,
            |f| f.max_payment_per_participant_minor,
        ),
        compare_chart(locale, &c, "compare-capital", "indigo-capital", Some(c.contract.capital_minor), |f| {
            f.investment_minor
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let fmt = |minor: i64| locale.format_money(minor, &c.contract.currency, c.contract.currency_scale);
    let decimal = |text: &str| {
        koinon_core::indigo::Decimal::parse(text)
            .and_then(|d| d.to_minor(c.contract.currency_scale))
            .map_or_else(|| text.to_string(), fmt)
    };
    let money = ContractMoney {
        cap: fmt(c.contract.contract_cap_minor),
        participant_cap: c.contract.participant_cap.as_deref().map(decimal).unwrap_or_default(),
        capital: fmt(c.contract.capital_minor),
        prices: c.contract.prices.iter().map(|(n, p)| (n.clone(), decimal(p))).collect(),
    };
    Ok(render(&ComparePage { l, c, charts, money }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_encoded() {
        assert_eq!(super::encode("Employment and training"), "Employment%20and%20training");
        assert_eq!(super::encode("a&b=c"), "a%26b%3Dc");
    }
}
