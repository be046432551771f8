//! A merchant's statement, for the shop's own user and for staff who see merchants:
//! - `/currency/merchants/{id}/statement?from=&to=&cursor=`: what came in and went out of the
//!   shop's account over a period of whole days (card payments and holds' captures,
//!   circulation to and from other shops, redemptions and their fees), newest first, a page
//!   at a time; a date that does not read is refused naming its field;
//! - `/currency/merchants/{id}/statement.csv?from=&to=`: the same period as CSV.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use koinon_app::AppError;
use koinon_app::currency_statement::{MerchantStatement, StatementEntry, StatementPeriod};

use super::admin::parse_id;
use super::merchants::category_name;
use super::{Layout, actor_of, page_error, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/currency/merchants/{id}/statement", get(statement))
        .route("/currency/merchants/{id}/statement.csv", get(statement_csv))
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct StatementQuery {
    from: String,
    to: String,
    cursor: Option<String>,
}

impl StatementQuery {
    /// The period as typed (bounded), an empty end left open.
    fn period(&self) -> StatementPeriod {
        let typed = |s: &str| Some(s.trim().chars().take(20).collect::<String>()).filter(|s| !s.is_empty());
        StatementPeriod { from: typed(&self.from), to: typed(&self.to) }
    }
}

/// The query string of a period (dates as read: digits and dashes only).
fn period_query(from: Option<&str>, to: Option<&str>) -> String {
    format!("from={}&to={}", from.unwrap_or(""), to.unwrap_or(""))
}

#[derive(Template)]
#[template(path = "merchant_statement.html")]
struct StatementPage {
    l: Layout,
    merchant_id: i64,
    merchant_name: String,
    /// The filter's fields as typed.
    from: String,
    to: String,
    s: Option<MerchantStatement>,
    /// The CSV of the period shown, the next (older) page, the first page when not on it.
    csv_href: String,
    next_href: Option<String>,
    first_href: Option<String>,
}

impl StatementPage {
    fn what(&self, e: &StatementEntry) -> String {
        let key = format!("mstatement-what-{}-{}", e.what.replace('_', "-"), if e.incoming() { "in" } else { "out" });
        let t = self.l.t(&key);
        if t == key { e.what.clone() } else { t }
    }

    fn details(&self, e: &StatementEntry) -> String {
        let mut parts = Vec::new();
        if let Some(card) = &e.card {
            parts.push(format!("{} …{card}", self.l.t("pos-card")));
        }
        if let Some(c) = &e.category {
            parts.push(category_name(&self.l, c));
        }
        if let Some(shop) = &e.counterparty {
            parts.push(shop.clone());
        }
        parts.join(" · ")
    }

    fn period_text(&self, s: &MerchantStatement) -> String {
        match (&s.from, &s.to) {
            (None, None) => self.l.t("mstatement-period-all"),
            (Some(f), None) => self.l.t1("mstatement-period-since", "from", &self.l.date(f)),
            (None, Some(t)) => self.l.t1("mstatement-period-until", "to", &self.l.date(t)),
            (Some(f), Some(t)) => format!("{} – {}", self.l.date(f), self.l.date(t)),
        }
    }
}

async fn statement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<StatementQuery>,
) -> Result<Response, HtmlError> {
    let id = parse_id(&ctx, &id)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let cursor = q.cursor.as_deref().map(|c| c.chars().take(24).collect::<String>());
    let result = state.app.merchant_statement(&actor, tenant_id, id, &q.period(), cursor.as_deref(), None).await;
    let from: String = q.from.chars().take(20).collect();
    let to: String = q.to.chars().take(20).collect();
    match result {
        Ok(s) => {
            let period = period_query(s.from.as_deref(), s.to.as_deref());
            let base = format!("/currency/merchants/{id}/statement");
            let page = StatementPage {
                l: Layout::new(&state, &ctx, "mstatement-title").await,
                merchant_id: id,
                merchant_name: s.merchant_name.clone(),
                from,
                to,
                csv_href: format!("{base}.csv?{period}"),
                next_href: s.next_cursor.as_ref().map(|c| format!("{base}?{period}&cursor={c}")),
                first_href: cursor.is_some().then(|| format!("{base}?{period}")),
                s: Some(s),
            };
            Ok(private(render(&page)))
        }
        Err(AppError::Invalid(errors)) => {
            // The shop's name above the refused filter (who may not see it is refused here).
            let m = state.app.merchant(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
            let page = StatementPage {
                l: Layout::new(&state, &ctx, "mstatement-title").await.with_errors(errors),
                merchant_id: id,
                merchant_name: m.name,
                from,
                to,
                csv_href: String::new(),
                next_href: None,
                first_href: Some(format!("/currency/merchants/{id}/statement")),
                s: None,
            };
            Ok((StatusCode::BAD_REQUEST, private(render(&page))).into_response())
        }
        Err(e) => Err(page_error(&ctx)(e)),
    }
}

/// A statement is the shop's business: never kept by a shared cache.
fn private(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// The statement of a period as a CSV download.
async fn statement_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<StatementQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let csv =
        state.app.merchant_statement_period_csv(&actor, tenant_id, id, &q.period()).await.map_err(page_error(&ctx))?;
    let mut response = private(csv.into_response());
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"merchant-{id}-statement.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
