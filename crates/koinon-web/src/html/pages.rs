//! Home, sign-in and sign-out, the tenant dashboard, the accessibility statement, errors.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use koinon_app::AppError;
use koinon_app::tenants::{Dashboard, Tenant};
use koinon_core::locale::Locale;

use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::{Ctx, SESSION_COOKIE};
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", axum::routing::post(sign_out))
        .route("/dashboard", get(dashboard))
        .route("/accessibility", get(accessibility))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    tenants: Vec<Tenant>,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let tenants = state.app.list_tenants(None, Some(100)).await.map_err(page_error(&ctx))?.items;
    Ok(render(&HomePage { l: Layout::new(&state, &ctx, "home-title").await, tenants }))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    l: Layout,
    email: String,
    next: String,
}

#[derive(serde::Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only local paths are followed after sign-in (no open redirect).
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next } else { "/dashboard" }
}

async fn sign_in_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    if ctx.user.is_some() {
        return Redirect::to(safe_next(&q.next)).into_response();
    }
    render(&SignInPage { l: Layout::new(&state, &ctx, "sign-in-title").await, email: String::new(), next: q.next })
}

#[derive(serde::Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn sign_in(State(state): State<AppState>, ctx: Ctx, Form(form): Form<SignInForm>) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    match state.app.sign_in(&form.email, &form.password).await {
        Ok(session) => {
            let mut response = redirect_with_flash(safe_next(&form.next), "flash-signed-in");
            let secure = if state.config.secure_cookies { "; Secure" } else { "" };
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
                session.token,
                koinon_app::auth::SESSION_LIFETIME_S
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(response)
        }
        Err(e @ (AppError::Invalid(_) | AppError::Throttled { .. })) => {
            let errors = match &e {
                AppError::Throttled { .. } => vec![koinon_core::FieldError::new(
                    "email",
                    "too_many_attempts",
                    "Too many attempts to sign in: wait 15 minutes and try again",
                )],
                other => other.field_errors(),
            };
            let status = if matches!(e, AppError::Throttled { .. }) {
                axum::http::StatusCode::TOO_MANY_REQUESTS
            } else {
                axum::http::StatusCode::UNPROCESSABLE_ENTITY
            };
            let l = Layout::new(&state, &ctx, "sign-in-title").await.with_errors(errors);
            Ok((status, render(&SignInPage { l, email: form.email.chars().take(254).collect(), next: form.next }))
                .into_response())
        }
        Err(e) => Err(HtmlError::new(ctx.locale, e)),
    }
}

#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(State(state): State<AppState>, ctx: Ctx, Form(form): Form<CsrfOnly>) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    if let (Some(user), Some(token)) = (&ctx.user, &ctx.session_token) {
        state.app.sign_out(token, user).await.map_err(page_error(&ctx))?;
    }
    let mut response = redirect_with_flash("/", "flash-signed-out");
    if let Ok(v) = HeaderValue::from_str(&format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    d: Dashboard,
}

async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let d = state.app.dashboard(&actor, tenant_id).await.map_err(page_error(&ctx))?;
    Ok(render(&DashboardPage { l: Layout::new(&state, &ctx, "dashboard-title").await, d }))
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage {
    l: Layout,
}

async fn accessibility(State(state): State<AppState>, ctx: Ctx) -> Response {
    render(&AccessibilityPage { l: Layout::new(&state, &ctx, "accessibility-title").await })
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    l: Layout,
    message_key: &'static str,
}

impl ErrorPage {
    pub fn new(locale: Locale, title_key: &'static str, message_key: &'static str) -> Self {
        let l = Layout {
            locale,
            user: None,
            tenant: None,
            csrf: String::new(),
            path: String::new(),
            flash: None,
            title_key,
            errors: Vec::new(),
        };
        Self { l, message_key }
    }
}
