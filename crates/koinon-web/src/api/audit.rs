//! `/api/v1/audit`: the audit log of the caller's municipality, newest first.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use koinon_app::audit::AuditEntryView;
use utoipa::OpenApi;

use super::{ApiQuery, ApiUser, ErrorBody, PageQuery};
use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(list_audit))
}

#[derive(OpenApi)]
#[openapi(paths(list_audit), components(schemas(AuditEntryBody, AuditPage)))]
pub struct AuditApi;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntryBody {
    /// Position in the chain (global to this koinon, so not contiguous within a municipality).
    pub seq: i64,
    /// When, in microseconds since the Unix epoch (UTC).
    pub at_us: i64,
    /// `user:<id>` or `system:<what>`.
    pub actor: String,
    /// E.g. `organisation.create`, `user.change_role`.
    pub action: String,
    /// E.g. `organisation:12`.
    pub object: String,
    /// What changed, as JSON text (at most 4,000 characters; longer summaries are cut).
    pub summary: String,
    /// SHA-256 (hex) of the previous entry's hash and this entry.
    pub hash: String,
}

impl From<AuditEntryView> for AuditEntryBody {
    fn from(e: AuditEntryView) -> Self {
        Self {
            seq: e.seq,
            at_us: e.at_us,
            actor: e.actor,
            action: e.action,
            object: e.object,
            summary: e.summary,
            hash: e.hash,
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryBody>,
    /// Pass as `cursor` to get the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The audit log of the caller's municipality, newest first (admins and auditors).
#[utoipa::path(get, path = "/audit", tag = "audit", params(PageQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_audit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let page = state.app.audit_page(&user.actor(), user.tenant_id, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(AuditPage { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}
