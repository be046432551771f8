//! The roles a user can have in a tenant (see DOMAIN.md, "Actors and roles").

use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Municipality administrator: tenant settings, users, roles.
    Admin,
    /// Municipal social-policy staff: programmes, contracts, calls, issuance.
    Officer,
    /// A second officer who approves payment runs and issuance (four eyes).
    Approver,
    /// Expert or independent evaluator: scores applications, verifies outcome claims.
    Reviewer,
    /// NGO or social enterprise delivering services.
    Provider,
    /// Social investor or foundation.
    Investor,
    /// Accredited social-economy shop.
    Merchant,
    /// Citizen.
    Beneficiary,
    /// Audit office or public: read-only ledger, audit log, open data.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Admin,
        Role::Officer,
        Role::Approver,
        Role::Reviewer,
        Role::Provider,
        Role::Investor,
        Role::Merchant,
        Role::Beneficiary,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Approver => "approver",
            Role::Reviewer => "reviewer",
            Role::Provider => "provider",
            Role::Investor => "investor",
            Role::Merchant => "merchant",
            Role::Beneficiary => "beneficiary",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let wanted = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|r| r.as_str() == wanted).ok_or_else(|| {
            FieldError::new(
                "role",
                "invalid_role",
                format!("Role must be one of: {}", Self::ALL.map(Role::as_str).join(", ")),
            )
        })
    }

    /// Municipal staff (as opposed to outside organisations and citizens).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Officer | Role::Approver)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse(" Officer "), Ok(Role::Officer));
        let err = Role::parse("mayor").expect_err("unknown role");
        assert!(err.message.contains("beneficiary"));
    }
}
