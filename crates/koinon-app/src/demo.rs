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
    ("heerlen", "public_body", "Zuyd Hogeschool"),
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
        self.seed_demo_with(true).await
    }

    /// The demo data without the e-currency's shops, cards and months of trade (see
    /// `currency_demo_trade`): seconds quicker, which is what the test servers start from.
    /// `seed_demo` afterwards adds the rest.
    pub async fn seed_demo_quick(&self) -> Result<DemoReport, AppError> {
        self.seed_demo_with(false).await
    }

    async fn seed_demo_with(&self, trade: bool) -> Result<DemoReport, AppError> {
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
        created += self.seed_demo_outcomes(heerlen.id).await?;
        created += self.seed_demo_draft(heerlen.id).await?;
        let (currency_created, currency_logins) = self.seed_demo_currency(trade).await?;
        created += currency_created;
        for (email, role) in currency_logins {
            logins.push(DemoLogin { email, role, tenant: crate::currency_demo::DEMO_TENANT });
        }
        Ok(DemoReport { created, logins, password: DEMO_PASSWORD })
    }

    /// Heerlen's euro ledger and four accounts of its own (budget, SPV, investor, provider) for
    /// exploring the ledger pages and API by hand. The money of the employment social impact
    /// bond moves in the contract's own accounts (see `seed_demo_outcomes`), so these hold no
    /// transfers: the ledger tells the story of the bond once.
    async fn seed_demo_ledger(&self, tenant_id: i64) -> Result<usize, AppError> {
        use crate::ledger::NewAccountInput;
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
        Ok(made.iter().filter(|r| r.result == "ok").count())
    }
}

/// The demo contract: an employment social impact bond of Heerlen with its participants and
/// the provider's claims (`examples/outcomes/heerlen-employment-sib.*`).
pub const DEMO_CONTRACT_TOML: &str = include_str!("../../../examples/outcomes/heerlen-employment-sib.toml");
const DEMO_PARTICIPANTS_CSV: &str = include_str!("../../../examples/outcomes/heerlen-employment-sib.participants.csv");
const DEMO_CLAIMS_CSV: &str = include_str!("../../../examples/outcomes/heerlen-employment-sib.claims.csv");
/// The demo contract's name, as in its TOML.
pub const DEMO_CONTRACT_NAME: &str = "Parkstad Werkt — employment SIB Heerlen";
/// The period of the paid run, and of the run prepared and waiting for approval.
pub const DEMO_PAID_PERIOD: &str = "2026-Q2";
pub const DEMO_OPEN_PERIOD: &str = "2026-Q3";
/// The date the paid run was paid.
const DEMO_PAID_ON: &str = "2026-07-15";
/// Claims made after this day are still waiting for the evaluator.
const DEMO_REVIEWED_UP_TO: &str = "2026-10-15";
/// The investor's return cap (1.25×: capital plus at most 25%); the residual goes to the
/// provider.
const DEMO_RETURN_CAP_BP: i64 = 12_500;
/// The investor's drawdowns: (amount in cents, date, request id).
const DEMO_DRAWDOWNS: &[(i64, &str, &str)] =
    &[(10_000_000, "2025-07-07", "demo-sib-drawdown-1"), (6_000_000, "2026-01-05", "demo-sib-drawdown-2")];
/// The claims the evaluator refused, with the reason: (participant, metric, reason).
const DEMO_REFUSED: &[(&str, &str, &str)] = &[
    ("PW-107", "job_start", "Unpaid work placement, not employment: no employment contract and no payslip"),
    ("PW-120", "job_start", "Contract of 8 hours a week; a job start needs 12 hours a week or more"),
    ("PW-110", "employment_13_weeks", "Payslips cover 9 of the 13 weeks: no pay in weeks 6 to 9"),
    ("PW-207", "employment_13_weeks", "Employer letter not signed and no payslips attached"),
];

/// The demo's draft contract, in feasibility, with one feasibility run
/// (`examples/outcomes/heerlen-ageing-draft.toml`).
pub const DEMO_DRAFT_TOML: &str = include_str!("../../../examples/outcomes/heerlen-ageing-draft.toml");
pub const DEMO_DRAFT_NAME: &str = "Langer Thuis Parkstad — ageing at home (draft)";

impl App {
    /// The demo's draft contract: the officer creates it, moves it to feasibility and runs its
    /// feasibility model once (10,000 scenarios, seed 1) with planning figures: 85% of referrals
    /// start, 4% leave a quarter; a plan is agreed for 90% (give or take 5 points), 70% of those
    /// are at home after 6 months and 80% of those after 12 (give or take 10), each saving the
    /// municipality what a care-home place costs it over the time avoided. Done once.
    async fn seed_demo_draft(&self, tenant_id: i64) -> Result<usize, AppError> {
        use crate::outcomes::ContractState;
        let officer = self.demo_actor(tenant_id, Role::Officer).await?;
        let existing = self
            .list_contracts(&SYSTEM, tenant_id, None, Some(100))
            .await?
            .items
            .into_iter()
            .find(|c| c.name == DEMO_DRAFT_NAME);
        let mut created = 0;
        let contract = match existing {
            Some(c) => c,
            None => {
                created += 1;
                self.create_contract(&officer, tenant_id, DEMO_DRAFT_TOML).await?
            }
        };
        if contract.state < ContractState::Feasibility {
            self.transition_contract(&officer, tenant_id, contract.id, ContractState::Feasibility.as_str()).await?;
        }
        let view = self.feasibility(&officer, tenant_id, contract.id).await?;
        if view.runs.is_empty() && view.can_run {
            let mut a = view.assumptions.clone();
            a.attrition_bp = 400;
            for (m, (success, uncertainty, lag, saving)) in
                a.metrics.iter_mut().zip([(9_000, 500, 0, 0), (7_000, 1_000, 2, 900_000), (8_000, 1_000, 4, 1_200_000)])
            {
                m.success_bp = success;
                m.uncertainty_bp = uncertainty;
                m.lag_periods = lag;
                m.public_saving_minor = saving;
            }
            a.cost_per_participant_minor = 100_000;
            a.cost_per_period_minor = 250_000;
            a.discount_rate_bp = 300;
            a.return_cap_bp = Some(13_000);
            self.run_feasibility(&officer, tenant_id, contract.id, &a, 10_000, 1).await?;
            created += 1;
        }
        Ok(created)
    }

    /// The demo user with `role` in Heerlen, as an actor.
    async fn demo_actor(&self, tenant_id: i64, role: Role) -> Result<Actor, AppError> {
        let email = format!("{}@heerlen.example.org", role.as_str());
        let mut conn = self.store().conn().await?;
        let user = conn
            .db()
            .user_by_email(&email)
            .await?
            .ok_or_else(|| AppError::Internal(format!("demo user {email} is missing")))?;
        Ok(Actor::User(koinon_core::authz::Subject {
            user_id: user.id,
            tenant_id,
            role,
            organisation_id: user.organisation_id,
        }))
    }

    /// Heerlen's employment social impact bond, running: the officer creates it, sets the
    /// waterfall and starts it; the investor's capital is drawn down; the provider imports 40
    /// participants and 66 claims; the evaluator (the demo reviewer) verifies them, refusing
    /// four, and leaves the latest four for later; the officer prepares the run for
    /// `DEMO_PAID_PERIOD`, the approver approves it (transfers posted), and the run for
    /// `DEMO_OPEN_PERIOD` waits for approval. Every step looks at what is there first, so seeding
    /// again (or after an interruption) finishes the story without doing anything twice.
    async fn seed_demo_outcomes(&self, tenant_id: i64) -> Result<usize, AppError> {
        use crate::outcomes::{ClaimVerdict, ContractState, DrawdownInput};
        let officer = self.demo_actor(tenant_id, Role::Officer).await?;
        let approver = self.demo_actor(tenant_id, Role::Approver).await?;
        let reviewer = self.demo_actor(tenant_id, Role::Reviewer).await?;
        let provider = self.demo_actor(tenant_id, Role::Provider).await?;
        let mut created = 0;

        let existing = self
            .list_contracts(&SYSTEM, tenant_id, None, Some(100))
            .await?
            .items
            .into_iter()
            .find(|c| c.name == DEMO_CONTRACT_NAME);
        let mut contract = match existing {
            Some(c) => c,
            None => {
                let c = self.create_contract(&officer, tenant_id, DEMO_CONTRACT_TOML).await?;
                self.set_waterfall_terms(&officer, tenant_id, c.id, Some(DEMO_RETURN_CAP_BP), 0).await?;
                created += 1;
                c
            }
        };
        for to in [ContractState::Contracted, ContractState::Running] {
            if contract.state < to {
                contract = self.transition_contract(&officer, tenant_id, contract.id, to.as_str()).await?;
            }
        }
        let id = contract.id;
        let investor = contract
            .parties
            .iter()
            .find(|p| p.role == "investor")
            .ok_or_else(|| AppError::Internal("the demo contract has no investor".into()))?
            .id;
        // A drawdown's request id makes it happen once, however often it is asked for.
        let drawn_before = self.list_drawdowns(&SYSTEM, tenant_id, id).await?.len();
        for (amount_minor, drawn_on, request_id) in DEMO_DRAWDOWNS {
            let input = DrawdownInput {
                party_id: investor,
                amount_minor: *amount_minor,
                drawn_on: (*drawn_on).into(),
                request_id: (*request_id).into(),
            };
            self.record_drawdown(&officer, tenant_id, id, &input).await?;
        }
        created += self.list_drawdowns(&SYSTEM, tenant_id, id).await?.len().saturating_sub(drawn_before);

        // An import is one transaction: a contract with participants (or claims) has them all.
        // Importing again would change nothing but would still be recorded, so it is skipped.
        if self.list_participants(&SYSTEM, tenant_id, id, None, Some(1)).await?.items.is_empty() {
            let report = self.commit_participants(&provider, tenant_id, id, DEMO_PARTICIPANTS_CSV).await?;
            created += usize::try_from(report.accepted).unwrap_or(usize::MAX);
        }
        if self.list_claims(&SYSTEM, tenant_id, id, None, None, Some(1)).await?.items.is_empty() {
            let report = self.commit_claims(&provider, tenant_id, id, DEMO_CLAIMS_CSV).await?;
            created += usize::try_from(report.accepted).unwrap_or(usize::MAX);
        }
        let claims = self.list_claims(&SYSTEM, tenant_id, id, Some("submitted"), None, Some(1_000)).await?.items;
        for claim in claims {
            if claim.claimed_on.as_str() > DEMO_REVIEWED_UP_TO {
                continue;
            }
            let verdict = match DEMO_REFUSED.iter().find(|(p, m, _)| *p == claim.participant && *m == claim.metric) {
                Some((_, _, reason)) => ClaimVerdict::Rejected { reason: (*reason).into() },
                None => ClaimVerdict::Verified,
            };
            self.verify_claim(&reviewer, tenant_id, claim.id, &verdict).await?;
        }

        let runs = self.list_payment_runs(&SYSTEM, tenant_id, id).await?;
        let run_of = |period: &str| runs.iter().find(|r| r.period == period && r.state != "rejected").cloned();
        let paid = match run_of(DEMO_PAID_PERIOD) {
            Some(run) => run,
            None => {
                created += 1;
                self.prepare_payment_run(&officer, tenant_id, id, DEMO_PAID_PERIOD, None).await?
            }
        };
        if paid.state != "paid" {
            // Approving an approved run again posts what is not posted yet.
            self.approve_payment_run(&approver, tenant_id, paid.id, DEMO_PAID_ON).await?;
        }
        if run_of(DEMO_OPEN_PERIOD).is_none() {
            self.prepare_payment_run(&officer, tenant_id, id, DEMO_OPEN_PERIOD, None).await?;
            created += 1;
        }
        Ok(created)
    }
}
