use koinon_core::FieldError;
use koinon_store::StoreError;

/// What can go wrong in a use case, each with a stable snake_case code the UI translates.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// One or more inputs do not parse; each error names its field.
    #[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(String),
    /// Something with the same key exists; names the field.
    #[error("{0}")]
    Conflict(FieldError),
    #[error("too many attempts: try again in {retry_after_s} seconds")]
    Throttled { retry_after_s: i64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, code, message)])
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        AppError::Conflict(FieldError::new(field, "already_exists", message))
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(errors) if errors.len() == 1 => errors[0].code,
            AppError::Invalid(_) => "invalid_input",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "already_exists",
            AppError::Throttled { .. } => "too_many_attempts",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal_error",
        }
    }

    /// Field errors to show next to form fields.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            AppError::Invalid(errors) => errors.clone(),
            AppError::Conflict(e) => vec![e.clone()],
            _ => Vec::new(),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(vec![e])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Unavailable(why) => AppError::Unavailable(why),
            StoreError::Conflict { constraint } => AppError::conflict("id", format!("already exists ({constraint})")),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// Collects field errors from several parses, so a form shows all its errors at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// `Err` with every collected error, or `Ok` when there were none.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() { Ok(()) } else { Err(AppError::Invalid(self.0)) }
    }
}
