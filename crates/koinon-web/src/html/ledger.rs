//! The ledger's pages: an overview per municipality (totals per ledger) and an account page
//! with its balances and statement.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use koinon_app::ledger::{AccountView, LedgerTotals, TransferView};

use super::admin::CursorQuery;
use super::{Layout, actor_of, page_error, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ledger", get(overview)).route("/ledger/accounts/{id}", get(account))
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct OverviewPage {
    l: Layout,
    ledgers: Vec<LedgerTotals>,
}

async fn overview(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let ledgers = state.app.ledger_overview(&actor, tenant_id).await.map_err(page_error(&ctx))?;
    Ok(render(&OverviewPage { l: Layout::new(&state, &ctx, "ledger-title").await, ledgers }))
}

#[derive(Template)]
#[template(path = "ledger_account.html")]
struct AccountPage {
    l: Layout,
    a: AccountView,
    /// Posted credits less posted debits: what the account holds.
    net: i64,
    transfers: Vec<TransferView>,
    next_cursor: Option<String>,
}

impl AccountPage {
    fn is_debit(&self, t: &TransferView) -> bool {
        t.debit_account_id == self.a.id
    }
}

async fn account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CursorQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let a = state.app.ledger_account(&actor, tenant_id, &id, None).await.map_err(page_error(&ctx))?;
    let page = state
        .app
        .account_statement(&actor, tenant_id, &id, q.cursor.as_deref(), None)
        .await
        .map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "ledger-account-title").await;
    let net = a.credits_posted.saturating_sub(a.debits_posted);
    Ok(render(&AccountPage { l, a, net, transfers: page.items, next_cursor: page.next_cursor }))
}
