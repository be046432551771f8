//! Errors as users see them: an HTML error page in their language, or the JSON API's
//! `{"error":{"code":"snake_case","message":"..."}}`. Never a bare 500 for bad input.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use koinon_app::AppError;
use koinon_core::locale::Locale;

fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error answered with an HTML page.
#[derive(Debug)]
pub struct HtmlError {
    pub locale: Locale,
    pub status: StatusCode,
    /// Fluent key of the heading.
    pub title_key: &'static str,
    /// Fluent key of the explanation.
    pub message_key: &'static str,
    /// Where to send the user instead (sign-in).
    pub redirect: Option<String>,
}

impl HtmlError {
    pub fn new(locale: Locale, e: AppError) -> Self {
        let status = status_of(&e);
        if status.is_server_error() {
            tracing::error!(error = %e, "request failed");
        }
        let (title_key, message_key) = match &e {
            AppError::Invalid(_) => ("error-invalid-title", "error-invalid-body"),
            AppError::Unauthenticated => ("error-signin-title", "error-signin-body"),
            AppError::Forbidden => ("error-forbidden-title", "error-forbidden-body"),
            AppError::NotFound(_) => ("error-not-found-title", "error-not-found-body"),
            AppError::Conflict(_) => ("error-conflict-title", "error-conflict-body"),
            AppError::Throttled { .. } => ("error-throttled-title", "error-throttled-body"),
            AppError::Unavailable(_) | AppError::Internal(_) => ("error-server-title", "error-server-body"),
        };
        Self { locale, status, title_key, message_key, redirect: None }
    }

    pub fn not_found(locale: Locale) -> Self {
        Self::new(locale, AppError::NotFound("page".into()))
    }

    pub fn bad_request(locale: Locale) -> Self {
        Self {
            locale,
            status: StatusCode::BAD_REQUEST,
            title_key: "error-invalid-title",
            message_key: "error-bad-form-body",
            redirect: None,
        }
    }

    pub fn csrf(locale: Locale) -> Self {
        Self {
            locale,
            status: StatusCode::FORBIDDEN,
            title_key: "error-csrf-title",
            message_key: "error-csrf-body",
            redirect: None,
        }
    }

    pub fn sign_in_required(locale: Locale, path: &str) -> Self {
        let mut e = Self::new(locale, AppError::Unauthenticated);
        let safe_next = path.starts_with('/') && !path.starts_with("//");
        e.redirect = Some(if safe_next { format!("/sign-in?next={path}") } else { "/sign-in".into() });
        e
    }
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        if let Some(to) = self.redirect {
            return Redirect::to(&to).into_response();
        }
        let page = crate::html::ErrorPage::new(self.locale, self.title_key, self.message_key);
        (self.status, crate::html::render(&page)).into_response()
    }
}

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Field-level details: `[{"field":"email","code":"invalid_email","message":"..."}]`.
    pub fields: Vec<koinon_core::FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.into(), message: message.into(), fields: Vec::new() }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let status = status_of(&e);
        if status.is_server_error() {
            tracing::error!(error = %e, "api request failed");
        }
        let message = match &e {
            AppError::Internal(_) => "Something went wrong on our side; it has been logged".to_string(),
            other => other.to_string(),
        };
        Self { status, code: e.code().to_string(), message, fields: e.field_errors() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = serde_json::json!({"code": self.code, "message": self.message});
        if !self.fields.is_empty() {
            error["fields"] = self
                .fields
                .iter()
                .map(|f| serde_json::json!({"field": f.field, "code": f.code, "message": f.message}))
                .collect();
        }
        (self.status, Json(serde_json::json!({ "error": error }))).into_response()
    }
}
