//! `/indigo/import`: an administrator fills or refreshes the INDIGO knowledge bank from the
//! browser by uploading GO Lab's eight CSV files (the same import as `koinon indigo import`).
//! The form is multipart; its CSRF token is checked like every other form's. A rejected import
//! changes nothing and lists its problems by file and line.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use koinon_app::indigo::ImportReport;
use koinon_core::FieldError;
use koinon_core::authz::Action;

use super::admin::{form_errors, require};
use super::{Layout, actor_of, page_error, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

/// The eight files together are about 1.4 MB; this leaves room for larger exports.
const BODY_MAX_BYTES: usize = 32 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/indigo/import", get(page).post(import)).layer(DefaultBodyLimit::max(BODY_MAX_BYTES))
}

#[derive(Template)]
#[template(path = "indigo_import.html")]
struct ImportPage {
    l: Layout,
    files: Vec<&'static str>,
    report: Option<ImportReport>,
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ImportIndigo, tenant_id)?;
    let l = Layout::new(&state, &ctx, "indigo-import-title").await;
    Ok(render(&ImportPage { l, files: koinon_core::indigo::FILES.to_vec(), report: None }))
}

/// The file name without any folder a browser may send.
fn base_name(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or(name).to_string()
}

async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, HtmlError> {
    let mut multipart = multipart.map_err(|_| HtmlError::bad_request(ctx.locale))?;
    let mut csrf = String::new();
    let mut files = BTreeMap::new();
    let mut errors = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                errors.push(FieldError::new(
                    "files",
                    "too_large",
                    format!("The files are larger than {} MiB together", BODY_MAX_BYTES / (1024 * 1024)),
                ));
                break;
            }
            Err(_) => return Err(HtmlError::bad_request(ctx.locale)),
        };
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.unwrap_or_default().chars().take(200).collect(),
            "files" => {
                let name = base_name(field.file_name().unwrap_or_default());
                let bytes = field.bytes().await.map_err(|_| HtmlError::bad_request(ctx.locale))?;
                if name.is_empty() && bytes.is_empty() {
                    continue;
                }
                match String::from_utf8(bytes.to_vec()) {
                    Ok(text) => {
                        files.insert(name, text);
                    }
                    Err(_) => {
                        errors.push(FieldError::new("files", "invalid_utf8", format!("{name} is not UTF-8 text")))
                    }
                }
            }
            _ => {
                let _ = field.bytes().await;
            }
        }
    }
    ctx.check_csrf(&csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    require(&ctx, &actor, Action::ImportIndigo, tenant_id)?;
    if files.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("files", "required", "Choose the eight CSV files of the export"));
    }
    if errors.is_empty() {
        match state.app.import_indigo(&actor, &files).await {
            Ok(report) => {
                let l = Layout::new(&state, &ctx, "indigo-import-title").await;
                return Ok(render(&ImportPage { l, files: koinon_core::indigo::FILES.to_vec(), report: Some(report) }));
            }
            Err(e) => {
                errors = form_errors(e)
                    .map_err(page_error(&ctx))?
                    .into_iter()
                    .map(|e| FieldError { field: "files".into(), message: format!("{}: {}", e.field, e.message), ..e })
                    .collect();
            }
        }
    }
    let l = Layout::new(&state, &ctx, "indigo-import-title").await.with_errors(errors);
    let page = ImportPage { l, files: koinon_core::indigo::FILES.to_vec(), report: None };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}
