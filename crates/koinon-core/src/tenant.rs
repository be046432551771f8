//! Tenants are municipalities; networks of municipalities run EU-funded projects together.

use crate::FieldError;

/// A tenant's short code, used in URLs and the CLI: 2 to 32 characters of `a`–`z`, `0`–`9`
/// and `-`, starting with a letter (`heerlen`, `baia-mare`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct TenantCode(String);

impl TenantCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_lowercase();
        let ok_chars = code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let starts = code.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if !(2..=32).contains(&code.len()) || !ok_chars || !starts || code.ends_with('-') {
            return Err(FieldError::new(
                "code",
                "invalid_tenant_code",
                "Code must be 2 to 32 lower-case letters, digits or hyphens, starting with a letter, like baia-mare",
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TenantCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case (`NL`, `GR`, `EE`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(FieldError::new(
                "country",
                "invalid_country",
                "Country must be a two-letter ISO 3166 code, like NL or GR",
            ));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Limits on tenant and network fields.
pub const NAME_MAX_CHARS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_codes() {
        assert_eq!(TenantCode::parse(" Baia-Mare ").map(|c| c.0), Ok("baia-mare".into()));
        for bad in ["", "a", "1abc", "a b", "abc-", "võru", &"a".repeat(33)] {
            assert!(TenantCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn country_codes() {
        assert_eq!(CountryCode::parse("ee").map(|c| c.0), Ok("EE".into()));
        assert!(CountryCode::parse("EST").is_err());
        assert!(CountryCode::parse("E1").is_err());
    }
}
