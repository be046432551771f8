//! HTML pages: GOV.UK Design System patterns (skip link, landmarks, error summary linked to
//! fields, one thing per page for citizens), POST-redirect-GET, CSRF tokens on every form.
//! Every page works without JavaScript; htmx only makes links and forms faster.

mod account;
mod admin;
mod currency;
mod currency_decay;
mod currency_figures;
mod currency_pay;
mod indigo;
mod indigo_import;
mod ledger;
mod merchant_statement;
pub(crate) mod merchants;
mod network;
pub mod outcomes;
mod outcomes_contracts;
mod outcomes_dashboard;
mod outcomes_designer;
pub(crate) mod outcomes_evidence;
mod outcomes_feasibility;
mod pages;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use koinon_app::auth::CurrentUser;
use koinon_app::tenants::Tenant;
use koinon_app::{Actor, AppError};
use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::locale::Locale;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::context::{Ctx, SetFlash};
use crate::error::HtmlError;
use crate::i18n;

pub use pages::ErrorPage;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(pages::routes())
        .merge(account::routes())
        .merge(admin::routes())
        .merge(network::routes())
        .merge(ledger::routes())
        .merge(outcomes::routes())
        .merge(outcomes_contracts::routes())
        .merge(outcomes_designer::routes())
        .merge(outcomes_dashboard::routes())
        .merge(outcomes_evidence::routes())
        .merge(outcomes_feasibility::routes())
        .merge(indigo::routes())
        .merge(indigo_import::routes())
        .merge(currency::routes())
        .merge(currency_decay::routes())
        .merge(currency_figures::routes())
        .merge(merchants::routes())
        .merge(merchant_statement::routes())
        .merge(currency_pay::routes())
}

/// Renders a template; a template error is a bug, answered 500 and logged.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A redirect after a successful POST, with a flash message for the next page.
pub fn redirect_with_flash(to: &str, flash_key: &'static str) -> Response {
    let mut response = Redirect::to(to).into_response();
    response.extensions_mut().insert(SetFlash(flash_key));
    response
}

/// What the page layout needs: language, direction, the signed-in user and their tenant,
/// the CSRF token, the current path and a flash message.
pub struct Layout {
    pub locale: Locale,
    pub user: Option<CurrentUser>,
    pub tenant: Option<Tenant>,
    pub csrf: String,
    pub path: String,
    pub flash: Option<String>,
    /// Fluent key of the page title.
    pub title_key: &'static str,
    /// Field errors for the error summary at the top of the page.
    pub errors: Vec<FieldError>,
}

/// One entry of the language switcher.
pub struct LanguageLink {
    pub code: &'static str,
    pub name: &'static str,
    pub current: bool,
}

impl Layout {
    pub async fn new(state: &AppState, ctx: &Ctx, title_key: &'static str) -> Self {
        let tenant = match &ctx.user {
            Some(u) => state.app.tenant_by_id(u.tenant_id).await.ok(),
            None => None,
        };
        Self {
            locale: ctx.locale,
            user: ctx.user.clone(),
            tenant,
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            flash: ctx.flash.clone(),
            title_key,
            errors: Vec::new(),
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Translates a key.
    pub fn t(&self, key: &str) -> String {
        i18n::tr(self.locale, key)
    }

    /// Translates a key with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: &str) -> String {
        i18n::tr_args(self.locale, key, &[(name, value.to_string())])
    }

    pub fn lang(&self) -> &'static str {
        self.locale.code()
    }

    pub fn dir(&self) -> &'static str {
        self.locale.direction().as_str()
    }

    pub fn languages(&self) -> Vec<LanguageLink> {
        Locale::ALL
            .iter()
            .map(|l| LanguageLink { code: l.code(), name: l.native_name(), current: *l == self.locale })
            .collect()
    }

    /// The error message of a field, translated by its code when a translation exists.
    pub fn field_error(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|e| e.field == field).map(|e| self.error_text(e))
    }

    pub fn error_text(&self, e: &FieldError) -> String {
        let key = format!("field-error-{}", e.code.replace('_', "-"));
        let text = i18n::tr(self.locale, &key);
        if text == key { e.message.clone() } else { text }
    }

    /// May the signed-in user do `action` in their tenant? (Shows or hides navigation.)
    pub fn can(&self, action: &str) -> bool {
        let Some(user) = &self.user else { return false };
        let Some(action) = Action::ALL.into_iter().find(|a| a.as_str() == action) else { return false };
        let resource =
            Resource { tenant_id: user.tenant_id, owner_user_id: Some(user.id), organisation_id: user.organisation_id };
        user.actor().require(action, &resource).is_ok()
    }

    pub fn is_current(&self, prefix: &str) -> bool {
        if prefix == "/" { self.path == "/" } else { self.path.starts_with(prefix) }
    }

    pub fn count(&self, n: &i64) -> String {
        self.locale.format_count(*n)
    }

    pub fn money(&self, amount_minor: &i64, currency: &str, scale: &u8) -> String {
        self.locale.format_money(*amount_minor, currency, *scale)
    }

    pub fn timestamp(&self, at_us: &i64) -> String {
        self.locale.format_timestamp_us(*at_us)
    }

    /// A `YYYY-MM-DD` date in the locale's long form.
    pub fn date(&self, iso: &str) -> String {
        let mut parts = iso.split('-').map(|p| p.parse::<i64>().ok());
        match (parts.next().flatten(), parts.next().flatten(), parts.next().flatten()) {
            (Some(y), Some(m), Some(d)) => self.locale.format_date(koinon_core::locale::CivilDate {
                year: i32::try_from(y).unwrap_or(0),
                month: u8::try_from(m).unwrap_or(1),
                day: u8::try_from(d).unwrap_or(1),
            }),
            _ => iso.to_string(),
        }
    }

    pub fn role_name(&self, role: &str) -> String {
        self.t(&format!("role-{role}"))
    }

    pub fn kind_name(&self, kind: &str) -> String {
        self.t(&format!("org-kind-{}", kind.replace('_', "-")))
    }
}

/// A form body; a body that does not parse is a 400 page, not a 500.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = HtmlError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let locale = req.extensions().get::<crate::context::RequestContext>().map_or(Locale::En, |c| c.locale);
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(rejection) => {
                let mut e = HtmlError::bad_request(locale);
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    e.status = StatusCode::PAYLOAD_TOO_LARGE;
                    e.message_key = "error-too-large-body";
                }
                Err(e)
            }
        }
    }
}

/// The signed-in user's actor and tenant id, or a redirect to sign in.
pub fn actor_of(ctx: &Ctx) -> Result<(Actor, i64), HtmlError> {
    let user = ctx.require_user()?;
    Ok((user.actor(), user.tenant_id))
}

/// Maps an app error to an error page in the user's language.
pub fn page_error(ctx: &Ctx) -> impl Fn(AppError) -> HtmlError + '_ {
    move |e| HtmlError::new(ctx.locale, e)
}

pub async fn not_found(ctx: Ctx) -> HtmlError {
    HtmlError::not_found(ctx.locale)
}

const STYLE_CSS: &str = include_str!("../../static/style.css");
const HTMX_JS: &str = include_str!("../../static/htmx.min.js");
const APP_JS: &str = include_str!("../../static/koinon.js");

/// Static files, embedded in the binary: nothing is read from disk or fetched at run time.
pub async fn static_file(ctx: Ctx, Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "style.css" => (STYLE_CSS, "text/css; charset=utf-8"),
        "htmx.min.js" => (HTMX_JS, "text/javascript; charset=utf-8"),
        "koinon.js" => (APP_JS, "text/javascript; charset=utf-8"),
        _ => return HtmlError::not_found(ctx.locale).into_response(),
    };
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}
