//! The demo's e-currency: Grama in Santa Coloma de Gramenet (1 grama = 1 euro, for food,
//! hygiene and cleaning, 5% to redeem within 45 days), a social-aid programme for
//! [`DEMO_HOUSEHOLDS`] households (100 grames a month for one person, 50 more for each further
//! person, at most 300), and its first [`DEMO_MONTHS`] months issued: each prepared by the
//! town's officer and approved by its approver, the guarantee fund topped up from the budget as
//! each run posts. Every step looks at what is there first, so seeding again does nothing twice.

use koinon_core::role::Role;

use crate::currency::{CurrencyInput, ProgrammeInput};
use crate::outcome_files::ImportFile;
use crate::users::NewUserInput;
use crate::{Actor, App, AppError};

pub const DEMO_TENANT: &str = "santa-coloma";
pub const DEMO_CURRENCY: &str = "GRAMA";
pub const DEMO_PROGRAMME: &str = "Ajuts socials en grames";
pub const DEMO_HOUSEHOLDS: usize = 240;
pub const DEMO_MONTHS: &[&str] = &["2026-01", "2026-02", "2026-03"];

/// The demo household list: sizes 1 to 6, most eligible from January, some joining in
/// February or March, a few leaving at the end of February.
pub fn demo_households_csv() -> String {
    let mut csv = String::from("household,size,eligible_from,eligible_to,locale\n");
    for i in 1..=DEMO_HOUSEHOLDS {
        let size = 1 + (i * 7) % 6;
        let from = match i % 10 {
            8 => "2026-02-01",
            9 => "2026-03-01",
            _ => "2026-01-01",
        };
        let to = if i % 25 == 0 { "2026-02-28" } else { "" };
        let locale = match i % 8 {
            0 => "en",
            1 => "el",
            _ => "es",
        };
        csv.push_str(&format!("SC-{i:04},{size},{from},{to},{locale}\n"));
    }
    csv
}

impl App {
    async fn demo_user(&self, tenant_id: i64, role: Role) -> Result<(Actor, bool), AppError> {
        let email = format!("{}@{DEMO_TENANT}.example.org", role.as_str());
        let mut conn = self.store().conn().await?;
        let existing = conn.db().user_by_email(&email).await?;
        drop(conn);
        let (id, created) = match existing {
            Some(u) => (u.id, false),
            None => {
                let name = format!("Demo {} (Santa Coloma)", role.as_str());
                let input = NewUserInput {
                    email: &email,
                    display_name: &name,
                    role: role.as_str(),
                    organisation_id: None,
                    password: crate::demo::DEMO_PASSWORD,
                };
                (self.create_user(&Actor::System("demo"), tenant_id, &input).await?.id, true)
            }
        };
        let subject = koinon_core::authz::Subject { user_id: id, tenant_id, role, organisation_id: None };
        Ok((Actor::User(subject), created))
    }

    /// Seeds the demo currency; returns what it created and the logins (with their roles) of the
    /// town's officer and approver, and with the trade (shops, cards and months of payments,
    /// see `currency_demo_trade`) the first demo shop and the demo beneficiary.
    pub(crate) async fn seed_demo_currency(
        &self,
        trade: bool,
    ) -> Result<(usize, Vec<(String, &'static str)>), AppError> {
        let tenant = self.tenant_by_code(DEMO_TENANT).await?.id;
        let mut created = 0;
        let (officer, new_officer) = self.demo_user(tenant, Role::Officer).await?;
        let (approver, new_approver) = self.demo_user(tenant, Role::Approver).await?;
        created += usize::from(new_officer) + usize::from(new_approver);
        let currency = match self.list_currencies(&officer, tenant).await?.into_iter().find(|c| c.code == DEMO_CURRENCY)
        {
            Some(c) => c,
            None => {
                created += 1;
                let input = CurrencyInput {
                    code: DEMO_CURRENCY.into(),
                    name: "Grama".into(),
                    symbol: "G".into(),
                    scale: Some(2),
                    rate: "1:1".into(),
                    holders: "beneficiaries_and_merchants".into(),
                    categories: "food, hygiene, cleaning".into(),
                    redemption_fee_bp: Some(0),
                    early_redemption_fee_bp: Some(500),
                    early_redemption_days: Some(45),
                    decay: "none".into(),
                    wallet_balance_max: "1000.00".into(),
                    daily_spend_max: "300.00".into(),
                    ..CurrencyInput::default()
                };
                self.define_currency(&officer, tenant, &input).await?
            }
        };
        let programme =
            match self.list_programmes(&officer, tenant).await?.into_iter().find(|p| p.name == DEMO_PROGRAMME) {
                Some(p) => p,
                None => {
                    created += 1;
                    let input = ProgrammeInput {
                        currency_id: currency.id,
                        name: DEMO_PROGRAMME.into(),
                        start_on: "2026-01-01".into(),
                        end_on: "2026-12-31".into(),
                        budget: "750000.00".into(),
                        base_amount: "100.00".into(),
                        per_member_amount: "50.00".into(),
                        household_cap: "300.00".into(),
                        auto_backing: true,
                    };
                    self.create_programme(&officer, tenant, &input).await?
                }
            };
        if programme.households == 0 {
            self.commit_households(&officer, tenant, programme.id, &ImportFile::Csv(demo_households_csv())).await?;
            created += 1;
        }
        let runs = self.list_issuance_runs(&officer, tenant, programme.id).await?;
        for month in DEMO_MONTHS {
            let run = match runs.iter().find(|r| r.month == *month && r.state != "rejected") {
                Some(r) if r.state == "posted" => continue,
                Some(r) => r.id,
                None => self.prepare_issuance(&officer, tenant, programme.id, month).await?.id,
            };
            self.approve_issuance(&approver, tenant, run).await?;
            created += 1;
        }
        let mut roles = vec![Role::Officer, Role::Approver];
        if trade {
            created += self.seed_demo_trade(tenant, &officer, currency.id, programme.id).await?;
            roles.extend([Role::Merchant, Role::Beneficiary]);
        }
        let logins = roles.into_iter().map(|r| (format!("{}@{DEMO_TENANT}.example.org", r.as_str()), r.as_str()));
        Ok((created, logins.collect()))
    }
}
