//! Evidence files of outcome claims, spreadsheet uploads, investor drawdowns and waterfall terms.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
