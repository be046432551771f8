//! Bounded strings: every text input has a limit and a clear error naming its field.

use crate::FieldError;

/// Trims `raw` and checks it is between 1 and `max_chars` characters with no control
/// characters.
pub fn required(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "required", format!("Enter {field}")));
    }
    bounded(field, value, max_chars)
}

/// Like [`required`] but an empty value gives `None`.
pub fn optional(field: &str, raw: &str, max_chars: usize) -> Result<Option<String>, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    bounded(field, value, max_chars).map(Some)
}

fn bounded(field: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let count = value.chars().count();
    if count > max_chars {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("{field} must be {max_chars} characters or fewer (it has {count})"),
        ));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            "invalid_characters",
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(value.to_string())
}

/// A person's email address, lower-cased. Deliberately simple: one `@`, a dot in the domain,
/// no spaces, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = required("email", raw, Self::MAX_CHARS)?.to_lowercase();
        let invalid = || {
            FieldError::new(
                "email",
                "invalid_email",
                "Enter an email address in the correct format, like name@example.org",
            )
        };
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || domain.len() < 3
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || value.chars().any(char::is_whitespace)
        {
            return Err(invalid());
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: 12 to 128 characters (NCSC and NIST advice: length over composition rules).
pub fn new_password(field: &str, raw: &str) -> Result<String, FieldError> {
    let count = raw.chars().count();
    if count < 12 {
        return Err(FieldError::new(field, "password_too_short", "Password must be 12 characters or more"));
    }
    if count > 128 {
        return Err(FieldError::new(field, "password_too_long", "Password must be 128 characters or fewer"));
    }
    Ok(raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_lowercased_and_checked() {
        assert_eq!(Email::parse(" Officer@Heerlen.NL ").map(|e| e.0), Ok("officer@heerlen.nl".into()));
        for bad in ["", "no-at", "a@b", "a@@b.nl", "a b@c.nl", "@x.nl", "a@.nl", "a@nl."] {
            let err = Email::parse(bad).expect_err(bad);
            assert_eq!(err.field, "email");
        }
        let long = format!("{}@x.nl", "a".repeat(260));
        assert_eq!(Email::parse(&long).expect_err("too long").code, "too_long");
    }

    #[test]
    fn required_names_the_field_and_limit() {
        let err = required("name", "   ", 10).expect_err("empty");
        assert_eq!((err.field.as_str(), err.code), ("name", "required"));
        let err = required("name", "abcdefghijk", 10).expect_err("long");
        assert!(err.message.contains("10 characters"));
        assert_eq!(required("name", " Võru ", 10), Ok("Võru".to_string()));
        assert!(required("name", "a\u{0}b", 10).is_err());
        assert_eq!(optional("x", "  ", 3), Ok(None));
    }

    #[test]
    fn passwords_need_length() {
        assert!(new_password("password", "short").is_err());
        assert!(new_password("password", "correct horse battery").is_ok());
        assert!(new_password("password", &"x".repeat(129)).is_err());
    }
}
