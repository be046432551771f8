//! Your account: who you are signed in as, and changing your password.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use koinon_core::FieldError;

use super::admin::{form_errors, unprocessable};
use super::{Form, Layout, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/account", get(account)).route("/account/password", post(change_password))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    /// The user's organisation, when they act for one.
    organisation: Option<String>,
}

async fn account_page(state: &AppState, ctx: &Ctx, errors: Vec<FieldError>) -> Result<AccountPage, HtmlError> {
    let user = ctx.require_user()?;
    let organisation = match user.organisation_id {
        Some(id) => state.app.organisation(&user.actor(), user.tenant_id, id).await.ok().map(|o| o.name),
        None => None,
    };
    let l = Layout::new(state, ctx, "account-title").await.with_errors(errors);
    Ok(AccountPage { l, organisation })
}

async fn account(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    Ok(render(&account_page(&state, &ctx, Vec::new()).await?))
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let user = ctx.require_user()?;
    let token = ctx.session_token.as_deref().ok_or_else(|| HtmlError::sign_in_required(ctx.locale, "/account"))?;
    // The new password and its confirmation are checked here first: the app changes the
    // password as soon as it accepts the current one.
    let mut errors = Vec::new();
    if let Err(e) = koinon_core::text::new_password("new_password", &form.new_password) {
        errors.push(e);
    }
    if form.new_password != form.confirm_password {
        errors.push(FieldError::new("confirm_password", "passwords_do_not_match", "The passwords do not match"));
    }
    if errors.is_empty() {
        match state.app.change_password(user, token, &form.current_password, &form.new_password).await {
            Ok(()) => return Ok(redirect_with_flash("/account", "flash-password-changed")),
            Err(e) => errors = form_errors(e).map_err(page_error(&ctx))?,
        }
    }
    Ok(unprocessable(&account_page(&state, &ctx, errors).await?))
}
