//! The web face of koinon: server-rendered HTML pages (askama, progressive enhancement with
//! vendored htmx; every page works without JavaScript) and the JSON API under `/api/v1`.
//! Both call the same `koinon-app` functions. This crate never touches the store directly.

pub mod api;
pub mod charts;
mod context;
mod error;
pub mod html;
pub mod i18n;
mod metrics;
pub mod ranked_chart;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use koinon_app::App;
use tower_http::timeout::TimeoutLayer;

pub use context::{CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE};
pub use error::{ApiError, HtmlError};

/// Largest request body a form may send.
pub const FORM_BODY_MAX_BYTES: usize = 64 * 1024;
/// Largest request body the JSON API takes (8,190 ledger transfers fit).
pub const API_BODY_MAX_BYTES: usize = 4 * 1024 * 1024;
/// Longest a request may take before it is answered 408.
pub const REQUEST_TIMEOUT_S: u64 = 30;

/// Settings of the web server.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Set cookies with `Secure` and send HSTS: when koinon is served over TLS (directly or
    /// behind a TLS-terminating reverse proxy).
    pub secure_cookies: bool,
}

/// What every handler can reach. Every layer and handler of every request takes a clone, so a
/// clone is one shared pointer (the app holds a dozen).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] shares.
pub struct Shared {
    pub app: App,
    pub config: WebConfig,
    metrics: metrics::Metrics,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> Self {
        Self(Arc::new(Shared { app, config, metrics: metrics::Metrics::default() }))
    }
}

/// The whole router: pages, API, static files, health and metrics.
pub fn router(state: AppState) -> Router {
    let html = html::routes().layer(DefaultBodyLimit::max(FORM_BODY_MAX_BYTES));
    let api = api::routes().layer(DefaultBodyLimit::max(API_BODY_MAX_BYTES));
    Router::new()
        .merge(html)
        .nest("/api/v1", api)
        .route("/api/openapi.json", get(api::openapi_json))
        .route("/healthz", get(metrics::healthz))
        .route("/readyz", get(metrics::readyz))
        .route("/metrics", get(metrics::prometheus))
        .route("/static/{file}", get(html::static_file))
        .fallback(html::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), context::layer))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::layer))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(REQUEST_TIMEOUT_S),
        ))
        .with_state(state)
}
