//! Users and roles, organisations and the audit log of the signed-in user's tenant.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use koinon_app::audit::AuditEntryView;
use koinon_app::organisations::Organisation;
use koinon_app::users::{NewUserInput, User};
use koinon_app::{Actor, AppError, PAGE_MAX};
use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::org::OrganisationKind;
use koinon_core::role::Role;

use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(users).post(create_user))
        .route("/users/new", get(new_user))
        .route("/users/{id}", get(user).post(update_user))
        .route("/organisations", get(organisations).post(create_organisation))
        .route("/organisations/new", get(new_organisation))
        .route("/organisations/{id}", get(organisation))
        .route("/audit", get(audit))
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with the other page modules.

/// `?cursor=` of a list page.
#[derive(serde::Deserialize, Default)]
pub(super) struct CursorQuery {
    #[serde(default)]
    pub cursor: Option<String>,
}

/// One option of a `<select>`.
pub(super) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The field errors of a refused form, or the error itself when it is not about the form.
pub(super) fn form_errors(e: AppError) -> Result<Vec<FieldError>, AppError> {
    match e {
        AppError::Invalid(_) | AppError::Conflict(_) => Ok(e.field_errors()),
        other => Err(other),
    }
}

/// Gives a field error a more precise code (the app's `already_exists` says only "this already
/// exists"; the page knows what it is about).
pub(super) fn recode(errors: &mut [FieldError], field: &str, from: &str, to: &'static str) {
    for e in errors.iter_mut().filter(|e| e.field == field && e.code == from) {
        e.code = to;
    }
}

/// An id from the path; anything that is not one is "page not found".
pub(super) fn parse_id(ctx: &Ctx, raw: &str) -> Result<i64, HtmlError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| HtmlError::not_found(ctx.locale))
}

/// Refuses with the 403 page unless the actor may do `action` in their tenant.
pub(super) fn require(ctx: &Ctx, actor: &Actor, action: Action, tenant_id: i64) -> Result<(), HtmlError> {
    actor.require(action, &Resource::tenant(tenant_id)).map_err(page_error(ctx))
}

/// A form shown again with its errors.
pub(super) fn unprocessable(page: &impl Template) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, render(page)).into_response()
}

/// Is the checkbox ticked? (An unticked checkbox sends nothing.)
pub(super) fn ticked(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Users

struct UserRowView {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    organisation: Option<String>,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<UserRowView>,
    next_cursor: Option<String>,
}

/// Names of the organisations with `ids`, looked up through the app (each at most once).
async fn organisation_names(state: &AppState, actor: &Actor, tenant_id: i64, ids: &[i64]) -> HashMap<i64, String> {
    let mut names = HashMap::new();
    for &id in ids {
        if names.contains_key(&id) {
            continue;
        }
        if let Ok(org) = state.app.organisation(actor, tenant_id, id).await {
            names.insert(id, org.name);
        }
    }
    names
}

/// Every organisation of the tenant the actor may see (for a `<select>`), at most a few pages.
async fn all_organisations(state: &AppState, actor: &Actor, tenant_id: i64) -> Result<Vec<Organisation>, AppError> {
    const PAGES_MAX: usize = 5;
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..PAGES_MAX {
        let page = state.app.list_organisations(actor, tenant_id, cursor.as_deref(), Some(PAGE_MAX)).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(all)
}

async fn users(State(state): State<AppState>, ctx: Ctx, Query(q): Query<CursorQuery>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let page = state.app.list_users(&actor, tenant_id, q.cursor.as_deref(), None).await.map_err(page_error(&ctx))?;
    let org_ids: Vec<i64> = page.items.iter().filter_map(|u| u.organisation_id).collect();
    let names = organisation_names(&state, &actor, tenant_id, &org_ids).await;
    let users = page
        .items
        .into_iter()
        .map(|u| UserRowView {
            organisation: u.organisation_id.and_then(|id| names.get(&id).cloned()),
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            disabled: u.disabled,
        })
        .collect();
    let l = Layout::new(&state, &ctx, "users-title").await;
    Ok(render(&UsersPage { l, users, next_cursor: page.next_cursor }))
}

fn role_choices(l: &Layout, selected: &str) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice { value: r.as_str().into(), label: l.role_name(r.as_str()), selected: r.as_str() == selected })
        .collect()
}

fn organisation_choices(organisations: &[Organisation], selected: &str) -> Vec<Choice> {
    organisations
        .iter()
        .map(|o| {
            let value = o.id.to_string();
            Choice { selected: value == selected, value, label: o.name.clone() }
        })
        .collect()
}

/// What the create-user form shows again (never the password).
#[derive(Default)]
struct UserFormValues {
    email: String,
    display_name: String,
    role: String,
    organisation_id: String,
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct UserNewPage {
    l: Layout,
    f: UserFormValues,
    roles: Vec<Choice>,
    organisations: Vec<Choice>,
}

async fn user_new_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    tenant_id: i64,
    f: UserFormValues,
    errors: Vec<FieldError>,
) -> Result<UserNewPage, HtmlError> {
    let orgs = all_organisations(state, actor, tenant_id).await.map_err(page_error(ctx))?;
    let l = Layout::new(state, ctx, "user-new-title").await.with_errors(errors);
    let roles = role_choices(&l, &f.role);
    let organisations = organisation_choices(&orgs, &f.organisation_id);
    Ok(UserNewPage { l, f, roles, organisations })
}

async fn new_user(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageUsers, tenant_id)?;
    let page = user_new_page(&state, &ctx, &actor, tenant_id, UserFormValues::default(), Vec::new()).await?;
    Ok(render(&page))
}

#[derive(serde::Deserialize)]
struct NewUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    password: String,
}

/// `""` is no organisation; anything else must be an id.
fn parse_organisation_id(raw: &str) -> Result<Option<i64>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>().map(Some).map_err(|_| {
        FieldError::new("organisation_id", "unknown_organisation", "Choose an organisation of this municipality")
    })
}

async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NewUserForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let result = match parse_organisation_id(&form.organisation_id) {
        Ok(organisation_id) => {
            let input = NewUserInput {
                email: &form.email,
                display_name: &form.display_name,
                role: &form.role,
                organisation_id,
                password: &form.password,
            };
            state.app.create_user(&actor, tenant_id, &input).await
        }
        Err(e) => Err(e.into()),
    };
    let mut errors = match result {
        Ok(_) => return Ok(redirect_with_flash("/users", "flash-user-created")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    recode(&mut errors, "email", "already_exists", "email_in_use");
    let f = UserFormValues {
        email: form.email.chars().take(254).collect(),
        display_name: form.display_name.chars().take(200).collect(),
        role: form.role,
        organisation_id: form.organisation_id,
    };
    let page = user_new_page(&state, &ctx, &actor, tenant_id, f, errors).await?;
    Ok(unprocessable(&page))
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct UserEditPage {
    l: Layout,
    user: User,
    organisation: Option<String>,
    roles: Vec<Choice>,
    organisations: Vec<Choice>,
    disabled: bool,
}

async fn user_edit_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    tenant_id: i64,
    user: User,
    form: Option<(String, String, bool)>,
    errors: Vec<FieldError>,
) -> Result<UserEditPage, HtmlError> {
    let organisation = match user.organisation_id {
        Some(id) => organisation_names(state, actor, tenant_id, &[id]).await.remove(&id),
        None => None,
    };
    let (role, organisation_id, disabled) = form.unwrap_or_else(|| {
        (user.role.clone(), user.organisation_id.map(|id| id.to_string()).unwrap_or_default(), user.disabled)
    });
    let l = Layout::new(state, ctx, "user-edit-title").await.with_errors(errors);
    let organisations = if l.can("manage_users") {
        organisation_choices(
            &all_organisations(state, actor, tenant_id).await.map_err(page_error(ctx))?,
            &organisation_id,
        )
    } else {
        Vec::new()
    };
    let roles = role_choices(&l, &role);
    Ok(UserEditPage { l, user, organisation, roles, organisations, disabled })
}

async fn user(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let user = state.app.user(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let page = user_edit_page(&state, &ctx, &actor, tenant_id, user, None, Vec::new()).await?;
    Ok(render(&page))
}

#[derive(serde::Deserialize)]
struct EditUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    disabled: Option<String>,
}

async fn update_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<EditUserForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let disabled = ticked(form.disabled.as_deref());
    let result = match parse_organisation_id(&form.organisation_id) {
        Ok(org) => state.app.change_role(&actor, tenant_id, id, &form.role, org, disabled).await,
        Err(e) => Err(e.into()),
    };
    let errors = match result {
        Ok(user) => {
            let to = format!("/users/{}", user.id);
            return Ok(redirect_with_flash(&to, "flash-user-updated"));
        }
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let user = state.app.user(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let form = Some((form.role, form.organisation_id, disabled));
    let page = user_edit_page(&state, &ctx, &actor, tenant_id, user, form, errors).await?;
    Ok(unprocessable(&page))
}

// ---------------------------------------------------------------------------------------------
// Organisations

#[derive(Template)]
#[template(path = "organisations.html")]
struct OrganisationsPage {
    l: Layout,
    organisations: Vec<Organisation>,
    next_cursor: Option<String>,
}

async fn organisations(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CursorQuery>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let page =
        state.app.list_organisations(&actor, tenant_id, q.cursor.as_deref(), None).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "organisations-title").await;
    Ok(render(&OrganisationsPage { l, organisations: page.items, next_cursor: page.next_cursor }))
}

#[derive(Default)]
struct OrganisationFormValues {
    kind: String,
    name: String,
    email: String,
}

#[derive(Template)]
#[template(path = "organisation_new.html")]
struct OrganisationNewPage {
    l: Layout,
    f: OrganisationFormValues,
    kinds: Vec<Choice>,
}

async fn organisation_new_page(
    state: &AppState,
    ctx: &Ctx,
    f: OrganisationFormValues,
    errors: Vec<FieldError>,
) -> OrganisationNewPage {
    let l = Layout::new(state, ctx, "organisation-new-title").await.with_errors(errors);
    let kinds = OrganisationKind::ALL
        .iter()
        .map(|k| Choice { value: k.as_str().into(), label: l.kind_name(k.as_str()), selected: k.as_str() == f.kind })
        .collect();
    OrganisationNewPage { l, f, kinds }
}

async fn new_organisation(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageOrganisations, tenant_id)?;
    Ok(render(&organisation_new_page(&state, &ctx, OrganisationFormValues::default(), Vec::new()).await))
}

#[derive(serde::Deserialize)]
struct NewOrganisationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

async fn create_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<NewOrganisationForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let mut errors = match state.app.create_organisation(&actor, tenant_id, &form.kind, &form.name, &form.email).await {
        Ok(org) => return Ok(redirect_with_flash(&format!("/organisations/{}", org.id), "flash-organisation-created")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    recode(&mut errors, "name", "already_exists", "name_in_use");
    let f = OrganisationFormValues {
        kind: form.kind,
        name: form.name.chars().take(300).collect(),
        email: form.email.chars().take(254).collect(),
    };
    Ok(unprocessable(&organisation_new_page(&state, &ctx, f, errors).await))
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    l: Layout,
    org: Organisation,
}

async fn organisation(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let org = state.app.organisation(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "organisation-title").await;
    Ok(render(&OrganisationPage { l, org }))
}

// ---------------------------------------------------------------------------------------------
// Audit log

/// Characters of the hash shown on screen (the whole hash is there for screen readers).
const HASH_SHOWN_CHARS: usize = 12;

struct AuditRowView {
    e: AuditEntryView,
    hash_short: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    entries: Vec<AuditRowView>,
    next_cursor: Option<String>,
}

async fn audit(State(state): State<AppState>, ctx: Ctx, Query(q): Query<CursorQuery>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let page = state.app.audit_page(&actor, tenant_id, q.cursor.as_deref(), None).await.map_err(page_error(&ctx))?;
    let entries = page
        .items
        .into_iter()
        .map(|e| AuditRowView { hash_short: e.hash.chars().take(HASH_SHOWN_CHARS).collect(), e })
        .collect();
    let l = Layout::new(&state, &ctx, "audit-title").await;
    Ok(render(&AuditPage { l, entries, next_cursor: page.next_cursor }))
}
