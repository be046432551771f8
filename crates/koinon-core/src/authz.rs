//! The one authorisation policy: may this subject do this action on this resource?
//!
//! Every check in koinon goes through [`permits`]. A subject never acts outside its own
//! tenant; within it, the role decides, and some actions are limited to what the subject owns.

use crate::role::Role;

/// Who is acting: a signed-in user or an API token's user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub user_id: i64,
    pub tenant_id: i64,
    pub role: Role,
    /// The organisation the user acts for (providers, investors, merchants).
    pub organisation_id: Option<i64>,
}

/// What is acted on: always in one tenant, sometimes owned by a user or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    pub tenant_id: i64,
    pub owner_user_id: Option<i64>,
    pub organisation_id: Option<i64>,
}

impl Resource {
    pub fn tenant(tenant_id: i64) -> Self {
        Self { tenant_id, owner_user_id: None, organisation_id: None }
    }

    pub fn user(tenant_id: i64, user_id: i64) -> Self {
        Self { tenant_id, owner_user_id: Some(user_id), organisation_id: None }
    }

    pub fn organisation(tenant_id: i64, organisation_id: i64) -> Self {
        Self { tenant_id, owner_user_id: None, organisation_id: Some(organisation_id) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The tenant dashboard and the tenant's public settings.
    ViewTenant,
    /// Change the tenant's name and default locale.
    UpdateTenant,
    /// See the tenant's users and their roles.
    ViewUsers,
    /// Create users, change roles, disable accounts.
    ManageUsers,
    /// See an organisation (the list shows only those the subject may see).
    ViewOrganisation,
    /// See every organisation of the tenant (not only one's own).
    ViewAllOrganisations,
    /// Register or change organisations.
    ManageOrganisations,
    /// See networks, partners and budgets.
    ViewNetworks,
    /// Create networks and add partners.
    ManageNetworks,
    /// Read the audit log.
    ViewAudit,
    /// Change one's own password, see one's own profile.
    ManageOwnAccount,
    /// See every ledger account, balance and transfer of the tenant.
    ViewLedger,
    /// Create ledgers and accounts.
    ManageLedger,
    /// Submit transfers (programme modules do this for their users).
    PostTransfers,
    /// Work out an outcomes contract's payments on sample data (the calculator; stores nothing).
    ModelOutcomes,
    /// See an outcomes contract, its participants, claims and payment runs (outside
    /// organisations: only contracts they are a party to).
    ViewOutcomeContracts,
    /// See participants, claims and evidence: personal data under pseudonymous ids (not
    /// investors; providers only for contracts they deliver).
    ViewOutcomeRecords,
    /// Create outcomes contracts, move them through their lifecycle, record drawdowns.
    ManageOutcomeContracts,
    /// Import participants and outcome claims (providers: for contracts they deliver).
    ImportOutcomeData,
    /// Verify or reject outcome claims: the independent evaluator, never the claimant.
    VerifyOutcomeClaims,
    /// Prepare a payment run from verified claims.
    PreparePaymentRuns,
    /// Approve a prepared payment run (four eyes: not the one who prepared it).
    ApprovePaymentRuns,
    /// See investor figures (investors: their own).
    ViewInvestorFigures,
    /// Browse the INDIGO knowledge bank (world public data on impact bonds) and compare
    /// contracts with it.
    ViewIndigo,
    /// Import an INDIGO export (it replaces the bank every tenant sees).
    ImportIndigo,
    /// See the municipality's e-currencies, programmes, households and issuance runs.
    ViewCurrency,
    /// Define and change e-currencies, fund their guarantee fund, run programmes and import
    /// their households.
    ManageCurrency,
    /// Prepare a month's issuance run.
    PrepareIssuance,
    /// Approve a prepared issuance run (four eyes: not the one who prepared it).
    ApproveIssuance,
    /// Apply for a shop's accreditation to accept an e-currency (a merchant for its own shop;
    /// officers on a shop's behalf).
    ApplyMerchant,
    /// See merchants' applications and documents (merchants: their own).
    ViewMerchants,
    /// Accredit, refuse, suspend and reinstate merchants.
    ReviewMerchants,
    /// Take payments from beneficiaries' cards at a merchant's point of sale (the merchant's
    /// own user), and see them.
    TakePayments,
    /// Issue beneficiaries' cards and set their PINs, unlock cards.
    ManageCards,
}

impl Action {
    pub const ALL: [Action; 34] = [
        Action::ViewTenant,
        Action::UpdateTenant,
        Action::ViewUsers,
        Action::ManageUsers,
        Action::ViewOrganisation,
        Action::ViewAllOrganisations,
        Action::ManageOrganisations,
        Action::ViewNetworks,
        Action::ManageNetworks,
        Action::ViewAudit,
        Action::ManageOwnAccount,
        Action::ViewLedger,
        Action::ManageLedger,
        Action::PostTransfers,
        Action::ModelOutcomes,
        Action::ViewOutcomeContracts,
        Action::ViewOutcomeRecords,
        Action::ManageOutcomeContracts,
        Action::ImportOutcomeData,
        Action::VerifyOutcomeClaims,
        Action::PreparePaymentRuns,
        Action::ApprovePaymentRuns,
        Action::ViewInvestorFigures,
        Action::ViewIndigo,
        Action::ImportIndigo,
        Action::ViewCurrency,
        Action::ManageCurrency,
        Action::PrepareIssuance,
        Action::ApproveIssuance,
        Action::ApplyMerchant,
        Action::ViewMerchants,
        Action::ReviewMerchants,
        Action::TakePayments,
        Action::ManageCards,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewTenant => "view_tenant",
            Action::UpdateTenant => "update_tenant",
            Action::ViewUsers => "view_users",
            Action::ManageUsers => "manage_users",
            Action::ViewOrganisation => "view_organisation",
            Action::ViewAllOrganisations => "view_all_organisations",
            Action::ManageOrganisations => "manage_organisations",
            Action::ViewNetworks => "view_networks",
            Action::ManageNetworks => "manage_networks",
            Action::ViewAudit => "view_audit",
            Action::ManageOwnAccount => "manage_own_account",
            Action::ViewLedger => "view_ledger",
            Action::ManageLedger => "manage_ledger",
            Action::PostTransfers => "post_transfers",
            Action::ModelOutcomes => "model_outcomes",
            Action::ViewOutcomeContracts => "view_outcome_contracts",
            Action::ViewOutcomeRecords => "view_outcome_records",
            Action::ManageOutcomeContracts => "manage_outcome_contracts",
            Action::ImportOutcomeData => "import_outcome_data",
            Action::VerifyOutcomeClaims => "verify_outcome_claims",
            Action::PreparePaymentRuns => "prepare_payment_runs",
            Action::ApprovePaymentRuns => "approve_payment_runs",
            Action::ViewInvestorFigures => "view_investor_figures",
            Action::ViewIndigo => "view_indigo",
            Action::ImportIndigo => "import_indigo",
            Action::ViewCurrency => "view_currency",
            Action::ManageCurrency => "manage_currency",
            Action::PrepareIssuance => "prepare_issuance",
            Action::ApproveIssuance => "approve_issuance",
            Action::ApplyMerchant => "apply_merchant",
            Action::ViewMerchants => "view_merchants",
            Action::ReviewMerchants => "review_merchants",
            Action::TakePayments => "take_payments",
            Action::ManageCards => "manage_cards",
        }
    }
}

/// The policy. `true` only when the subject is in the resource's tenant and its role allows
/// the action (and, for owned resources, it owns them where the role requires it).
pub fn permits(subject: &Subject, action: Action, resource: &Resource) -> bool {
    if subject.tenant_id != resource.tenant_id {
        return false;
    }
    use Role::*;
    let role = subject.role;
    match action {
        Action::ViewTenant => true,
        Action::UpdateTenant | Action::ManageUsers => role == Admin,
        Action::ViewUsers => matches!(role, Admin | Auditor),
        Action::ViewOrganisation => match role {
            Admin | Officer | Approver | Reviewer | Auditor => true,
            Provider | Investor | Merchant => {
                resource.organisation_id.is_some() && resource.organisation_id == subject.organisation_id
            }
            Beneficiary => false,
        },
        Action::ManageOrganisations | Action::ManageNetworks => matches!(role, Admin | Officer),
        Action::ViewNetworks | Action::ViewAllOrganisations => {
            matches!(role, Admin | Officer | Approver | Reviewer | Auditor)
        }
        Action::ViewAudit => matches!(role, Admin | Auditor),
        Action::ManageOwnAccount => resource.owner_user_id == Some(subject.user_id),
        Action::ViewLedger => matches!(role, Admin | Officer | Approver | Auditor),
        Action::ManageLedger | Action::PostTransfers => matches!(role, Admin | Officer),
        Action::ModelOutcomes => !matches!(role, Merchant | Beneficiary),
        Action::ViewOutcomeContracts => match role {
            Admin | Officer | Approver | Reviewer | Auditor => true,
            Provider | Investor => own_organisation(subject, resource),
            Merchant | Beneficiary => false,
        },
        Action::ViewOutcomeRecords => match role {
            Admin | Officer | Approver | Reviewer | Auditor => true,
            Provider => own_organisation(subject, resource),
            Investor | Merchant | Beneficiary => false,
        },
        Action::ManageOutcomeContracts | Action::PreparePaymentRuns => matches!(role, Admin | Officer),
        Action::ImportOutcomeData => match role {
            Admin | Officer => true,
            Provider => own_organisation(subject, resource),
            _ => false,
        },
        // The evaluator verifies; a resource's organisation is the claimant's, and an evaluator
        // of the claimant's own organisation may not verify its claims.
        Action::VerifyOutcomeClaims => {
            role == Reviewer
                && (resource.organisation_id.is_none() || resource.organisation_id != subject.organisation_id)
        }
        Action::ApprovePaymentRuns => role == Approver,
        Action::ViewInvestorFigures => match role {
            Admin | Officer | Approver | Auditor => true,
            Investor => own_organisation(subject, resource),
            _ => false,
        },
        // Public data: every signed-in staff and partner role; not shops or citizens, whose
        // pages do not show it.
        Action::ViewIndigo => !matches!(role, Merchant | Beneficiary),
        Action::ImportIndigo => role == Admin,
        Action::ViewCurrency => matches!(role, Admin | Officer | Approver | Auditor),
        Action::ManageCurrency | Action::PrepareIssuance => matches!(role, Admin | Officer),
        Action::ApproveIssuance => role == Approver,
        // A merchant applies for a shop it will own (the resource names the user), never for
        // someone else.
        Action::ApplyMerchant => match role {
            Admin | Officer => true,
            Merchant => resource.owner_user_id == Some(subject.user_id),
            _ => false,
        },
        Action::ViewMerchants => match role {
            Admin | Officer | Approver | Auditor => true,
            Merchant => resource.owner_user_id.is_some() && resource.owner_user_id == Some(subject.user_id),
            _ => false,
        },
        Action::ReviewMerchants | Action::ManageCards => matches!(role, Admin | Officer),
        Action::TakePayments => {
            role == Merchant && resource.owner_user_id.is_some() && resource.owner_user_id == Some(subject.user_id)
        }
    }
}

/// The resource belongs to the subject's organisation.
fn own_organisation(subject: &Subject, resource: &Resource) -> bool {
    resource.organisation_id.is_some() && resource.organisation_id == subject.organisation_id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(role: Role) -> Subject {
        Subject { user_id: 7, tenant_id: 1, role, organisation_id: Some(3) }
    }

    #[test]
    fn nothing_crosses_tenants() {
        for role in Role::ALL {
            for action in Action::ALL {
                let other = Resource { tenant_id: 2, owner_user_id: Some(7), organisation_id: Some(3) };
                assert!(!permits(&subject(role), action, &other), "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn role_matrix() {
        let t = Resource::tenant(1);
        assert!(permits(&subject(Role::Admin), Action::ManageUsers, &t));
        assert!(!permits(&subject(Role::Officer), Action::ManageUsers, &t));
        assert!(permits(&subject(Role::Auditor), Action::ViewAudit, &t));
        assert!(!permits(&subject(Role::Officer), Action::ViewAudit, &t));
        assert!(!permits(&subject(Role::Auditor), Action::ManageOrganisations, &t));
        assert!(permits(&subject(Role::Beneficiary), Action::ViewTenant, &t));
        assert!(!permits(&subject(Role::Beneficiary), Action::ViewNetworks, &t));
        assert!(permits(&subject(Role::Investor), Action::ModelOutcomes, &t));
        assert!(permits(&subject(Role::Officer), Action::ModelOutcomes, &t));
        assert!(!permits(&subject(Role::Merchant), Action::ModelOutcomes, &t));
        assert!(!permits(&subject(Role::Beneficiary), Action::ModelOutcomes, &t));
    }

    #[test]
    fn outside_organisations_see_only_their_own() {
        let own = Resource::organisation(1, 3);
        let other = Resource::organisation(1, 4);
        for role in [Role::Provider, Role::Investor, Role::Merchant] {
            assert!(permits(&subject(role), Action::ViewOrganisation, &own));
            assert!(!permits(&subject(role), Action::ViewOrganisation, &other));
        }
        assert!(permits(&subject(Role::Officer), Action::ViewOrganisation, &other));
    }

    #[test]
    fn outcomes_roles() {
        let t = Resource::tenant(1);
        let own = Resource::organisation(1, 3);
        let other = Resource::organisation(1, 4);
        assert!(permits(&subject(Role::Provider), Action::ImportOutcomeData, &own));
        assert!(!permits(&subject(Role::Provider), Action::ImportOutcomeData, &other));
        assert!(!permits(&subject(Role::Provider), Action::ImportOutcomeData, &t));
        assert!(permits(&subject(Role::Officer), Action::ImportOutcomeData, &t));
        // The evaluator verifies, never for its own organisation; nobody else verifies.
        assert!(permits(&subject(Role::Reviewer), Action::VerifyOutcomeClaims, &other));
        assert!(permits(&subject(Role::Reviewer), Action::VerifyOutcomeClaims, &t));
        assert!(!permits(&subject(Role::Reviewer), Action::VerifyOutcomeClaims, &own));
        for role in [Role::Admin, Role::Officer, Role::Approver, Role::Provider] {
            assert!(!permits(&subject(role), Action::VerifyOutcomeClaims, &other), "{role:?}");
        }
        // Officers prepare, approvers approve.
        assert!(permits(&subject(Role::Officer), Action::PreparePaymentRuns, &t));
        assert!(!permits(&subject(Role::Officer), Action::ApprovePaymentRuns, &t));
        assert!(permits(&subject(Role::Approver), Action::ApprovePaymentRuns, &t));
        assert!(!permits(&subject(Role::Approver), Action::PreparePaymentRuns, &t));
        assert!(permits(&subject(Role::Investor), Action::ViewInvestorFigures, &own));
        assert!(!permits(&subject(Role::Investor), Action::ViewInvestorFigures, &other));
        assert!(!permits(&subject(Role::Beneficiary), Action::ViewOutcomeContracts, &t));
        // Investors see their contracts and figures, not the participants' records.
        assert!(permits(&subject(Role::Investor), Action::ViewOutcomeContracts, &own));
        assert!(!permits(&subject(Role::Investor), Action::ViewOutcomeRecords, &own));
        assert!(permits(&subject(Role::Provider), Action::ViewOutcomeRecords, &own));
        assert!(!permits(&subject(Role::Provider), Action::ViewOutcomeRecords, &other));
    }

    #[test]
    fn indigo_roles() {
        let t = Resource::tenant(1);
        for role in
            [Role::Admin, Role::Officer, Role::Approver, Role::Reviewer, Role::Auditor, Role::Provider, Role::Investor]
        {
            assert!(permits(&subject(role), Action::ViewIndigo, &t), "{role:?}");
        }
        for role in [Role::Merchant, Role::Beneficiary] {
            assert!(!permits(&subject(role), Action::ViewIndigo, &t), "{role:?}");
        }
        assert!(permits(&subject(Role::Admin), Action::ImportIndigo, &t));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
            assert!(!permits(&subject(role), Action::ImportIndigo, &t), "{role:?}");
        }
    }

    #[test]
    fn currency_roles() {
        let t = Resource::tenant(1);
        for role in [Role::Admin, Role::Officer] {
            assert!(permits(&subject(role), Action::ManageCurrency, &t), "{role:?}");
            assert!(permits(&subject(role), Action::PrepareIssuance, &t), "{role:?}");
            assert!(!permits(&subject(role), Action::ApproveIssuance, &t), "{role:?}");
        }
        assert!(permits(&subject(Role::Approver), Action::ApproveIssuance, &t));
        assert!(!permits(&subject(Role::Approver), Action::PrepareIssuance, &t));
        assert!(permits(&subject(Role::Auditor), Action::ViewCurrency, &t));
        for role in [Role::Merchant, Role::Beneficiary, Role::Provider, Role::Investor, Role::Reviewer] {
            assert!(!permits(&subject(role), Action::ViewCurrency, &t), "{role:?}");
            assert!(!permits(&subject(role), Action::ManageCurrency, &t), "{role:?}");
        }
    }

    #[test]
    fn merchant_roles() {
        let t = Resource::tenant(1);
        let own = Resource::user(1, 7);
        let other = Resource::user(1, 8);
        assert!(permits(&subject(Role::Merchant), Action::ApplyMerchant, &own));
        assert!(!permits(&subject(Role::Merchant), Action::ApplyMerchant, &other));
        assert!(permits(&subject(Role::Officer), Action::ApplyMerchant, &other));
        assert!(permits(&subject(Role::Merchant), Action::TakePayments, &own));
        assert!(!permits(&subject(Role::Merchant), Action::TakePayments, &other));
        assert!(!permits(&subject(Role::Merchant), Action::TakePayments, &t));
        assert!(permits(&subject(Role::Merchant), Action::ViewMerchants, &own));
        assert!(!permits(&subject(Role::Merchant), Action::ViewMerchants, &other));
        assert!(!permits(&subject(Role::Merchant), Action::ReviewMerchants, &own));
        for role in [Role::Admin, Role::Officer] {
            assert!(permits(&subject(role), Action::ReviewMerchants, &t), "{role:?}");
            assert!(permits(&subject(role), Action::ManageCards, &t), "{role:?}");
            assert!(!permits(&subject(role), Action::TakePayments, &own), "{role:?}");
        }
        for role in [Role::Beneficiary, Role::Provider, Role::Investor, Role::Reviewer, Role::Approver] {
            assert!(!permits(&subject(role), Action::ReviewMerchants, &t), "{role:?}");
            assert!(!permits(&subject(role), Action::ManageCards, &t), "{role:?}");
            assert!(!permits(&subject(role), Action::TakePayments, &own), "{role:?}");
        }
    }

    #[test]
    fn own_account_only() {
        assert!(permits(&subject(Role::Beneficiary), Action::ManageOwnAccount, &Resource::user(1, 7)));
        assert!(!permits(&subject(Role::Admin), Action::ManageOwnAccount, &Resource::user(1, 8)));
    }
}
