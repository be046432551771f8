//! A currency with expiry or demurrage, its programme of three households with cards, and two
//! accredited shops, on an app whose clock the test moves: what the decay tests share.

#![allow(dead_code)]

use koinon_app::currency::{CurrencyInput, ProgrammeInput};
use koinon_app::outcome_files::ImportFile;
use koinon_app::tenants::NewTenantInput;
use koinon_app::users::NewUserInput;
use koinon_app::{Actor, App, AppError, Clock};
use koinon_core::authz::Subject;
use koinon_core::currency::Month;
use koinon_core::role::Role;
use koinon_store::Store;

use crate::support::fresh_store;

pub const SYSTEM: Actor = Actor::System("test");
pub const DAY_US: i64 = 86_400_000_000;
pub const PINS: [&str; 3] = ["4821", "902718", "7395"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Expiry { months: i64 },
    Demurrage { bp: i64 },
}

pub fn month_start_us(m: Month) -> i64 {
    m.first_day().expect("month").midnight().assume_utc().unix_timestamp() * 1_000_000
}

pub fn month_of(us: i64) -> Month {
    let t = time::OffsetDateTime::from_unix_timestamp(us / 1_000_000).expect("time");
    Month { year: t.year(), month: u8::from(t.month()) }
}

pub fn months_back(m: Month, n: i64) -> Month {
    let total = i64::from(m.year) * 12 + i64::from(m.month) - 1 - n;
    Month { year: i32::try_from(total / 12).expect("year"), month: u8::try_from(total % 12 + 1).expect("month") }
}

/// `at_us` less `n` calendar months, the day clamped to the month (as the payments count).
pub fn calendar_months_before(at_us: i64, n: i64) -> i64 {
    let t = time::OffsetDateTime::from_unix_timestamp(at_us / 1_000_000).expect("time");
    let m = months_back(Month { year: t.year(), month: u8::from(t.month()) }, n);
    let month = time::Month::try_from(m.month).expect("month");
    let day = t.day().min(month.length(m.year));
    let d = time::Date::from_calendar_date(m.year, month, day).expect("date");
    t.replace_date(d).unix_timestamp() * 1_000_000 + at_us % 1_000_000
}

pub fn fields(e: &AppError) -> Vec<(String, &'static str)> {
    e.field_errors().into_iter().map(|f| (f.field, f.code)).collect()
}

pub fn uuid(n: u64) -> String {
    format!("0190a1b2-c3d4-7e5f-8a9b-{n:012x}")
}

pub struct World {
    pub app: App,
    pub store: Store,
    pub clock: Clock,
    pub tenant: i64,
    pub currency: i64,
    pub code: String,
    pub programme: i64,
    pub officer: Actor,
    pub approver: Actor,
    pub tills: Vec<(Actor, i64, String)>,
    pub cards: Vec<(String, String)>,
    pub next_issue: Month,
    pub ids: u64,
    pub _dir: Option<tempfile::TempDir>,
}

impl World {
    pub fn id(&mut self) -> String {
        self.ids += 1;
        uuid(self.ids)
    }

    /// Sets the clock to noon of `day` of `month` (forward only).
    pub fn advance_to(&self, month: Month, day: i64) {
        let target = month_start_us(month) + (day - 1) * DAY_US + DAY_US / 2;
        self.clock.advance_us(target - self.clock.now_us());
    }

    /// Moves the clock on, never to within ten minutes of a month's turn (where an issue's
    /// side of an expiry cut-off would depend on the milliseconds a step takes).
    pub fn advance(&self, us: i64) {
        let mut target = self.clock.now_us() + us;
        let next = month_start_us(month_of(target).next());
        let this = month_start_us(month_of(target));
        if target - this < 600_000_000 || next - target < 600_000_000 {
            target += 1_200_000_000;
        }
        self.clock.advance_us(target - self.clock.now_us());
    }
}

pub async fn world(postgres: bool, kind: Kind) -> Option<World> {
    let (store, dir) = fresh_store(postgres).await?;
    let clock = Clock::default();
    let app = App::new(store.clone()).with_clock(clock.clone());
    let tenant = app
        .create_tenant(
            &SYSTEM,
            &NewTenantInput {
                code: "santa-coloma",
                name: "Santa Coloma de Gramenet",
                country: "ES",
                currency: "EUR",
                default_locale: "en",
            },
        )
        .await
        .expect("tenant")
        .id;
    let officer = Actor::User(Subject { user_id: 10, tenant_id: tenant, role: Role::Officer, organisation_id: None });
    let approver = Actor::User(Subject { user_id: 11, tenant_id: tenant, role: Role::Approver, organisation_id: None });
    let (decay, expiry_months, demurrage_bp) = match kind {
        Kind::Expiry { months } => ("expiry", Some(months), None),
        Kind::Demurrage { bp } => ("demurrage", None, Some(bp)),
    };
    let c = app
        .define_currency(
            &officer,
            tenant,
            &CurrencyInput {
                code: "grama".into(),
                name: "Grama".into(),
                symbol: "G".into(),
                scale: Some(2),
                categories: "food, hygiene".into(),
                redemption_fee_bp: Some(100),
                early_redemption_fee_bp: Some(500),
                early_redemption_days: Some(45),
                decay: decay.into(),
                expiry_months,
                demurrage_bp,
                ..CurrencyInput::default()
            },
        )
        .await
        .expect("currency");
    let p = app
        .create_programme(
            &officer,
            tenant,
            &ProgrammeInput {
                currency_id: c.id,
                name: "Social aid".into(),
                start_on: "2026-01-01".into(),
                end_on: "2036-12-31".into(),
                budget: "100000.00".into(),
                base_amount: "100.00".into(),
                per_member_amount: "50.00".into(),
                household_cap: "300.00".into(),
                auto_backing: true,
            },
        )
        .await
        .expect("programme");
    let csv = "household,size,eligible_from\nH-1,1,2026-01-01\nH-2,2,2026-01-01\nH-3,3,2026-01-01\n";
    app.commit_households(&officer, tenant, p.id, &ImportFile::Csv(csv.into())).await.expect("households");
    let households = app.programme_households(&officer, tenant, p.id).await.expect("households");
    let mut cards = Vec::new();
    for (h, pin) in households.iter().zip(PINS) {
        let card = app.issue_card(&officer, tenant, h.id, pin).await.expect("card");
        cards.push((card.code, card.wallet));
    }
    let mut tills = Vec::new();
    for (i, email) in ["forn@example.org", "drogueria@example.org"].iter().enumerate() {
        let u = app
            .create_user(
                &SYSTEM,
                tenant,
                &NewUserInput {
                    email,
                    display_name: "Shop keeper",
                    role: "merchant",
                    organisation_id: None,
                    password: "a long enough password",
                },
            )
            .await
            .expect("merchant user");
        let till =
            Actor::User(Subject { user_id: u.id, tenant_id: tenant, role: Role::Merchant, organisation_id: None });
        let input = koinon_app::merchants::MerchantInput {
            currency_id: c.id,
            name: format!("Shop {i}"),
            registration: String::new(),
            area: "Centre".into(),
            address: "Carrer Major 1".into(),
            description: String::new(),
            categories: vec!["food".into(), "hygiene".into()],
            email: (*email).into(),
            phone: String::new(),
            owner_user_id: None,
        };
        let m = app.apply_merchant(&till, tenant, &input, &[]).await.expect("apply");
        let m = app.review_merchant(&officer, tenant, m.id, "accredit", "").await.expect("accredit");
        tills.push((till, m.id, m.account.expect("account")));
    }
    let w = World {
        app,
        store,
        clock,
        tenant,
        currency: c.id,
        code: c.code,
        programme: p.id,
        officer,
        approver,
        tills,
        cards,
        next_issue: Month { year: 2026, month: 1 },
        ids: 0,
        _dir: dir,
    };
    // Start on the 10th of next month at noon, whatever today is.
    let start = month_start_us(month_of(w.clock.now_us()).next()) + 9 * DAY_US + DAY_US / 2;
    w.clock.advance_us(start - w.clock.now_us());
    Some(w)
}

/// Issues the next month of the programme (prepared, approved, posted); the lines'
/// amounts by card.
pub async fn issue(w: &mut World) -> Vec<i64> {
    let month = w.next_issue.to_string();
    let run = w.app.prepare_issuance(&w.officer, w.tenant, w.programme, &month).await.expect("prepare");
    let run = w.app.approve_issuance(&w.approver, w.tenant, run.id).await.expect("approve");
    w.next_issue = w.next_issue.next();
    w.cards
        .iter()
        .map(|c| run.lines.iter().find(|l| l.wallet.as_ref() == Some(&c.1)).map_or(0, |l| l.amount_minor))
        .collect()
}

/// A card payment of `amount` minor units from card `i` at shop `j` (hold or not).
pub fn payment(
    w: &mut World,
    i: usize,
    j: usize,
    amount: i64,
    hold: bool,
) -> koinon_app::currency_payments::PaymentInput {
    koinon_app::currency_payments::PaymentInput {
        payment_id: w.id(),
        merchant_id: w.tills[j].1,
        card_code: w.cards[i].0.clone(),
        pin: PINS[i].into(),
        amount: koinon_core::money::minor_to_decimal(amount, 2),
        category: "food".into(),
        hold,
        hold_s: None,
    }
}

pub async fn wallet_available(w: &World, i: usize) -> i64 {
    let a = w.app.ledger_account(&SYSTEM, w.tenant, &w.cards[i].1, None).await.expect("wallet");
    a.credits_posted - a.debits_posted - a.debits_pending
}

pub async fn shop_balance(w: &World, j: usize) -> i64 {
    let a = w.app.ledger_account(&SYSTEM, w.tenant, &w.tills[j].2, None).await.expect("shop");
    a.credits_posted - a.debits_posted - a.debits_pending
}
