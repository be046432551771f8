//! The outcomes contract designer: one question per page, then check your answers.

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
}
