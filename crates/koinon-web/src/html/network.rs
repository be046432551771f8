//! Networks of municipalities and their EU-funded projects: the list, a new network, and a
//! network with its partners.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use koinon_app::network::{Network, NetworkDetail};
use koinon_core::authz::Action;

use super::admin::{CursorQuery, form_errors, parse_id, recode, require, ticked, unprocessable};
use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/networks", get(networks).post(create_network))
        .route("/networks/new", get(new_network))
        .route("/networks/{id}", get(network))
        .route("/networks/{id}/partners", post(add_partner))
}

#[derive(Template)]
#[template(path = "networks.html")]
struct NetworksPage {
    l: Layout,
    networks: Vec<Network>,
    next_cursor: Option<String>,
}

async fn networks(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CursorQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let page = state.app.list_networks(&actor, tenant_id, q.cursor.as_deref(), None).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "networks-title").await;
    Ok(render(&NetworksPage { l, networks: page.items, next_cursor: page.next_cursor }))
}

#[derive(Default)]
struct NetworkFormValues {
    name: String,
    programme: String,
    starts_on: String,
    ends_on: String,
}

#[derive(Template)]
#[template(path = "network_new.html")]
struct NetworkNewPage {
    l: Layout,
    f: NetworkFormValues,
}

async fn new_network(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageNetworks, tenant_id)?;
    let l = Layout::new(&state, &ctx, "network-new-title").await;
    Ok(render(&NetworkNewPage { l, f: NetworkFormValues::default() }))
}

#[derive(serde::Deserialize)]
struct NewNetworkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    programme: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
}

fn clip(s: String, max: usize) -> String {
    if s.chars().count() > max { s.chars().take(max).collect() } else { s }
}

async fn create_network(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NewNetworkForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let result =
        state.app.create_network(&actor, tenant_id, &form.name, &form.programme, &form.starts_on, &form.ends_on).await;
    let mut errors = match result {
        Ok(n) => return Ok(redirect_with_flash(&format!("/networks/{}", n.id), "flash-network-created")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    recode(&mut errors, "name", "already_exists", "name_in_use");
    let f = NetworkFormValues {
        name: clip(form.name, 300),
        programme: clip(form.programme, 200),
        starts_on: clip(form.starts_on, 20),
        ends_on: clip(form.ends_on, 20),
    };
    let l = Layout::new(&state, &ctx, "network-new-title").await.with_errors(errors);
    Ok(unprocessable(&NetworkNewPage { l, f }))
}

#[derive(Default)]
struct PartnerFormValues {
    name: String,
    country: String,
    tenant_code: String,
    is_lead: bool,
}

#[derive(Template)]
#[template(path = "network.html")]
struct NetworkPage {
    l: Layout,
    d: NetworkDetail,
    f: PartnerFormValues,
}

async fn network(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let d = state.app.network(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "network-title").await;
    Ok(render(&NetworkPage { l, d, f: PartnerFormValues::default() }))
}

#[derive(serde::Deserialize)]
struct PartnerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    tenant_code: String,
    #[serde(default)]
    is_lead: Option<String>,
}

async fn add_partner(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<PartnerForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let is_lead = ticked(form.is_lead.as_deref());
    let result =
        state.app.add_partner(&actor, tenant_id, id, &form.name, &form.country, &form.tenant_code, is_lead).await;
    let mut errors = match result {
        Ok(_) => return Ok(redirect_with_flash(&format!("/networks/{id}"), "flash-partner-added")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    // The tenant code parser names its field `code`; on this form it is `tenant_code`.
    for e in errors.iter_mut().filter(|e| e.field == "code") {
        e.field = "tenant_code".into();
    }
    recode(&mut errors, "name", "already_exists", "partner_in_network");
    recode(&mut errors, "is_lead", "already_exists", "lead_partner_exists");
    let d = state.app.network(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let f = PartnerFormValues {
        name: clip(form.name, 300),
        country: clip(form.country, 10),
        tenant_code: clip(form.tenant_code, 40),
        is_lead,
    };
    let l = Layout::new(&state, &ctx, "network-title").await.with_errors(errors);
    Ok(unprocessable(&NetworkPage { l, d, f }))
}
