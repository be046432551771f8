//! Demo data for `koinon serve --demo`: the SIBdev network with its ten partner
//! municipalities (Heerlen leading), the MedTOWN and CCIC networks, Sofia and Birmingham, a few
//! organisations of each kind, and one login per role. Seeding is idempotent: what exists is
//! left as it is.

use koinon_core::role::Role;

use crate::tenants::NewTenantInput;
use crate::users::NewUserInput;
use crate::{Actor, App, AppError};

/// The password of every demo login. Demo data only: never use `--demo` in production.
pub const DEMO_PASSWORD: &str = "koinon-demo-2026";

const SYSTEM: Actor = Actor::System("demo");

/// Accounts of the demo ledger.
pub const DEMO_BUDGET: &str = "0190c0de-0000-7000-8000-000000000001";
pub const DEMO_SPV: &str = "0190c0de-0000-7000-8000-000000000002";
pub const DEMO_INVESTOR: &str = "0190c0de-0000-7000-8000-000000000003";
pub const DEMO_PROVIDER: &str = "0190c0de-0000-7000-8000-000000000004";

/// (code, name, country, currency, locale)
const TENANTS: &[(&str, &str, &str, &str, &str)] = &[
    ("heerlen", "Heerlen", "NL", "EUR", "nl"),
    ("kecskemet", "Kecskemét", "HU", "HUF", "hu"),
    ("radlin", "Radlin", "PL", "PLN", "pl"),
    ("fundao", "Fundão", "PT", "EUR", "pt"),
    ("baia-mare", "Baia Mare", "RO", "RON", "ro"),
    ("haidari", "Haidari", "GR", "EUR", "el"),
    ("pordenone", "Pordenone", "IT", "EUR", "it"),
    ("aarhus", "Aarhus", "DK", "DKK", "da"),
    ("voru", "Võru", "EE", "EUR", "et"),
    ("zaragoza", "Zaragoza", "ES", "EUR", "es"),
    // Bulgaria has used the euro since 1 January 2026.
    ("sofia", "Sofia Municipality", "BG", "EUR", "bg"),
    ("birmingham", "Birmingham City Council", "GB", "GBP", "en"),
    ("santa-coloma", "Santa Coloma de Gramenet", "ES", "EUR", "es"),
];

/// (tenant, kind, name)
const ORGANISATIONS: &[(&str, &str, &str)] = &[
    ("heerlen", "ngo", "Werkplaats Parkstad"),
    ("heerlen", "social_enterprise", "Parkstad Werkt BV"),
    ("heerlen", "investor", "Limburg Social Impact Fund"),
    ("heerlen", "public_body", "UWV Zuid-Limburg"),
    ("heerlen", "merchant", "Buurtwinkel Heerlerheide"),
    ("heerlen", "landlord", "Wonen Heerlen"),
    ("sofia", "ngo", "Centre for Street Children Sofia"),
    ("sofia", "ngo", "Supervised Housing Association"),
    ("sofia", "social_enterprise", "Sofia Innovation Lab Alumni"),
    ("birmingham", "landlord", "Birmingham Housing Trust"),
    ("birmingham", "ngo", "Digital Skills Birmingham"),
    ("santa-coloma", "merchant", "Fruiteria Can Peixauet"),
    ("santa-coloma", "merchant", "Drogueria del Fondo"),
];

/// A partner: (name, country, tenant code, lead partner).
type PartnerSpec = (&'static str, &'static str, &'static str, bool);
/// A network: (owner tenant, name, programme, starts_on, ends_on, partners).
type NetworkSpec = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static [PartnerSpec]);
const NETWORKS: &[NetworkSpec] = &[
    (
        "heerlen",
        "SIBdev",
        "URBACT",
        "2019-09-01",
        "2020-03-31",
        &[
            ("Heerlen", "NL", "heerlen", true),
            ("Kecskemét", "HU", "kecskemet", false),
            ("Radlin", "PL", "radlin", false),
            ("Fundão", "PT", "fundao", false),
            ("Baia Mare", "RO", "baia-mare", false),
            ("Haidari", "GR", "haidari", false),
            ("Pordenone", "IT", "pordenone", false),
            ("Aarhus", "DK", "aarhus", false),
            ("Võru", "EE", "voru", false),
            ("Zaragoza", "ES", "zaragoza", false),
        ],
    ),
    (
        "santa-coloma",
        "MedTOWN",
        "ENI CBC Med",
        "2019-09-01",
        "2022-12-31",
        &[
            ("Santa Coloma de Gramenet", "ES", "santa-coloma", true),
            ("Haidari", "GR", "haidari", false),
            ("Fundão", "PT", "fundao", false),
        ],
    ),
    (
        "birmingham",
        "CCIC",
        "INTERREG IVC",
        "",
        "",
        &[("Birmingham City Council", "GB", "birmingham", true), ("Sofia Municipality", "BG", "sofia", false)],
    ),
];

/// One demo login.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemoLogin {
    pub email: String,
    pub role: &'static str,
    pub tenant: &'static str,
}

/// What `seed` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemoReport {
    pub created: usize,
    pub logins: Vec<DemoLogin>,
    pub password: &'static str,
}

impl App {
    /// Seeds the demo data; running it again creates nothing new.
    pub async fn seed_demo(&self) -> Result<DemoReport, AppError> {
        let mut created = 0;
        for (code, name, country, currency, locale) in TENANTS {
            if self.tenant_by_code(code).await.is_err() {
                self.create_tenant(&SYSTEM, &NewTenantInput { code, name, country, currency, default_locale: locale })
                    .await?;
                created += 1;
            }
        }
        for (tenant, kind, name) in ORGANISATIONS {
            let t = self.tenant_by_code(tenant).await?;
            let mut conn = self.store().conn().await?;
            let exists = conn.db().organisation_by_name(t.id, name).await?.is_some();
            drop(conn);
            if !exists {
                self.create_organisation(&SYSTEM, t.id, kind, name, "").await?;
                created += 1;
            }
        }
        for (owner, name, programme, starts, ends, partners) in NETWORKS {
            let t = self.tenant_by_code(owner).await?;
            let mut conn = self.store().conn().await?;
            let existing = conn.db().network_by_name(t.id, name).await?;
            drop(conn);
            if existing.is_some() {
                continue;
            }
            let network = self.create_network(&SYSTEM, t.id, name, programme, starts, ends).await?;
            for (pname, country, code, lead) in *partners {
                self.add_partner(&SYSTEM, t.id, network.id, pname, country, code, *lead).await?;
            }
            created += 1;
        }
        let heerlen = self.tenant_by_code("heerlen").await?;
        let mut logins = Vec::new();
        for role in Role::ALL {
            let email = format!("{}@heerlen.example.org", role.as_str());
            let organisation = match role {
                Role::Provider => Some("Werkplaats Parkstad"),
                Role::Investor => Some("Limburg Social Impact Fund"),
                Role::Merchant => Some("Buurtwinkel Heerlerheide"),
                _ => None,
            };
            let mut conn = self.store().conn().await?;
            let exists = conn.db().user_by_email(&email).await?.is_some();
            let organisation_id = match organisation {
                Some(name) => conn.db().organisation_by_name(heerlen.id, name).await?.map(|o| o.id),
                None => None,
            };
            drop(conn);
            if !exists {
                let display_name = format!("Demo {}", role.as_str());
                self.create_user(
                    &SYSTEM,
                    heerlen.id,
                    &NewUserInput {
                        email: &email,
                        display_name: &display_name,
                        role: role.as_str(),
                        organisation_id,
                        password: DEMO_PASSWORD,
                    },
                )
                .await?;
                created += 1;
            }
            logins.push(DemoLogin { email, role: role.as_str(), tenant: "heerlen" });
        }
        // A second tenant's admin, to see that tenants are kept apart.
        let sofia = self.tenant_by_code("sofia").await?;
        let email = "admin@sofia.example.org".to_string();
        let mut conn = self.store().conn().await?;
        let exists = conn.db().user_by_email(&email).await?.is_some();
        drop(conn);
        if !exists {
            self.create_user(
                &SYSTEM,
                sofia.id,
                &NewUserInput {
                    email: &email,
                    display_name: "Demo admin (Sofia)",
                    role: "admin",
                    organisation_id: None,
                    password: DEMO_PASSWORD,
                },
            )
            .await?;
            created += 1;
        }
        logins.push(DemoLogin { email, role: "admin", tenant: "sofia" });
        created += self.seed_demo_ledger(heerlen.id).await?;
        Ok(DemoReport { created, logins, password: DEMO_PASSWORD })
    }

    /// Heerlen's euro ledger with the money of its employment social impact bond: investors'
    /// capital into the SPV, a drawdown to the provider, an outcome payment from the budget.
    /// Transfer ids are fixed, so seeding twice moves nothing twice.
    async fn seed_demo_ledger(&self, tenant_id: i64) -> Result<usize, AppError> {
        use crate::ledger::{NewAccountInput, TransferInput};
        self.create_ledger(&SYSTEM, tenant_id, "EUR", "Euro", 2).await?;
        let org = |name: &'static str| async move {
            let mut conn = self.store().conn().await?;
            let id = conn.db().organisation_by_name(tenant_id, name).await?.map(|o| o.id);
            Ok::<Option<String>, AppError>(id.map(|id| format!("organisation:{id}")))
        };
        let accounts = [
            (DEMO_BUDGET, "budget", None, vec![]),
            (DEMO_SPV, "spv", None, vec!["debits_must_not_exceed_credits".to_string()]),
            (DEMO_INVESTOR, "investor", org("Limburg Social Impact Fund").await?, vec![]),
            (DEMO_PROVIDER, "provider", org("Werkplaats Parkstad").await?, vec![]),
        ];
        let inputs: Vec<NewAccountInput> = accounts
            .into_iter()
            .map(|(id, code, owner, flags)| NewAccountInput {
                id: id.into(),
                ledger: "EUR".into(),
                code: code.into(),
                owner,
                flags,
            })
            .collect();
        let made = self.create_accounts(&SYSTEM, tenant_id, &inputs).await?;
        let transfer = |id: &str, debit: &str, credit: &str, amount: i64, code: &str, reference: &str| TransferInput {
            id: id.into(),
            debit_account_id: Some(debit.into()),
            credit_account_id: Some(credit.into()),
            amount: Some(amount),
            ledger: Some("EUR".into()),
            code: code.into(),
            reference: Some(reference.into()),
            ..TransferInput::default()
        };
        let moved = self
            .create_transfers(
                &SYSTEM,
                tenant_id,
                &[
                    transfer(
                        "0190c0de-0000-7000-8000-000000000101",
                        DEMO_INVESTOR,
                        DEMO_SPV,
                        50_000_000,
                        "capital_commitment",
                        "contract:demo-employment-sib",
                    ),
                    transfer(
                        "0190c0de-0000-7000-8000-000000000102",
                        DEMO_SPV,
                        DEMO_PROVIDER,
                        20_000_000,
                        "drawdown",
                        "contract:demo-employment-sib",
                    ),
                    transfer(
                        "0190c0de-0000-7000-8000-000000000103",
                        DEMO_BUDGET,
                        DEMO_SPV,
                        4_550_000,
                        "outcome_payment",
                        "payment-run:demo-2026-q3",
                    ),
                ],
            )
            .await?;
        Ok(made.iter().filter(|r| r.result == "ok").count() + moved.iter().filter(|r| r.result == "ok").count())
    }
}
