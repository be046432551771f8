//! Organisations that work with a municipality.

use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Ngo,
    SocialEnterprise,
    Investor,
    Landlord,
    Merchant,
    PublicBody,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 6] = [
        OrganisationKind::Ngo,
        OrganisationKind::SocialEnterprise,
        OrganisationKind::Investor,
        OrganisationKind::Landlord,
        OrganisationKind::Merchant,
        OrganisationKind::PublicBody,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Ngo => "ngo",
            OrganisationKind::SocialEnterprise => "social_enterprise",
            OrganisationKind::Investor => "investor",
            OrganisationKind::Landlord => "landlord",
            OrganisationKind::Merchant => "merchant",
            OrganisationKind::PublicBody => "public_body",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let wanted = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.as_str() == wanted).ok_or_else(|| {
            FieldError::new(
                "kind",
                "invalid_organisation_kind",
                format!("Kind must be one of: {}", Self::ALL.map(Self::as_str).join(", ")),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(OrganisationKind::parse("bank").is_err());
    }
}
