use std::fmt;

/// A value a person or a machine gave us that does not parse: names the field and says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    /// The field, row or line the error is about, as the user knows it (`email`, `row 3`).
    pub field: String,
    /// A stable machine-readable code (`too_long`, `invalid_email`, ...).
    pub code: &'static str,
    /// A sentence for the user, in English; the UI translates by `code`.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
