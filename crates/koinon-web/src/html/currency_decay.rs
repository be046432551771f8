//! `/currency/{code}/decay`: a currency's expiry or demurrage runs. An officer chooses a month
//! that has ended, sees what each household's wallet would be charged, and posts the run; a
//! posted month shows what was charged. The app works the run out again when it is posted and
//! checks every rule; this page shows its answers.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use koinon_app::currency_decay::{DecayRunsView, DecayView};
use koinon_core::FieldError;
use koinon_core::authz::Action;
use koinon_core::currency::Month;

use super::admin::{form_errors, require, unprocessable};
use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/currency/{code}/decay", get(decay_page).post(post_run))
}

#[derive(Debug, Default, serde::Deserialize)]
struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
}

#[derive(Template)]
#[template(path = "currency_decay.html")]
struct DecayPage {
    l: Layout,
    c: DecayRunsView,
    /// The month in the form.
    month: String,
    v: Option<DecayView>,
    /// The translated name of the run's kind.
    kind: String,
}

impl DecayPage {
    /// A cut-off moment as a date.
    fn cutoff(&self) -> Option<String> {
        self.v.as_ref().and_then(|v| v.cutoff_us).map(|us| self.l.timestamp(&us))
    }
}

/// The month before the app's clock's month: the latest that has ended.
fn last_ended_month(state: &AppState) -> String {
    let now_s = state.app.clock_now_us() / 1_000_000;
    let days = now_s.div_euclid(86_400);
    let date = koinon_core::locale::CivilDate::from_unix_days(days);
    let (year, month) = if date.month <= 1 { (date.year - 1, 12) } else { (date.year, date.month - 1) };
    format!("{year:04}-{month:02}")
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    month: Option<&str>,
    errors: Vec<FieldError>,
) -> Result<(DecayPage, bool), HtmlError> {
    let (actor, tenant_id) = actor_of(ctx)?;
    let c = state.app.decay_runs(&actor, tenant_id, code).await.map_err(page_error(ctx))?;
    let mut errors = errors;
    let v = match month {
        Some(m) if errors.is_empty() => match state.app.preview_decay(&actor, tenant_id, &c.code, m).await {
            Ok(v) => Some(v),
            Err(e) => {
                errors.extend(form_errors(e).map_err(page_error(ctx))?);
                None
            }
        },
        _ => None,
    };
    let bad = !errors.is_empty();
    let l = Layout::new(state, ctx, "currency-decay-title").await.with_errors(errors);
    let kind = l.t(&format!("currency-decay-{}", v.as_ref().map_or(c.decay.as_str(), |v| v.kind.as_str())));
    let month = match month {
        Some(m) => m.chars().take(10).collect(),
        None => last_ended_month(state),
    };
    Ok((DecayPage { l, c, month, v, kind }, bad))
}

async fn decay_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, HtmlError> {
    let (p, bad) = page(&state, &ctx, &code, q.month.as_deref(), Vec::new()).await?;
    Ok(if bad { unprocessable(&p) } else { render(&p) })
}

#[derive(serde::Deserialize)]
struct PostForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    month: String,
}

async fn post_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(form): Form<PostForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ManageCurrency, tenant_id)?;
    let errors = match state.app.post_decay(&actor, tenant_id, &code, &form.month).await {
        Ok(v) => {
            let month = Month::parse(&v.month).map(|m| m.to_string()).unwrap_or_default();
            return Ok(redirect_with_flash(&format!("/currency/{}/decay?month={month}", v.code), "flash-decay-posted"));
        }
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let (p, _) = page(&state, &ctx, &code, Some(&form.month), errors).await?;
    Ok(unprocessable(&p))
}
