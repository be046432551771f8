//! One busy shop takes card payments from many wallets at once, through the app's payment
//! service (card, PIN, rules, reservation, ledger), on both backends: no wallet is ever
//! overdrawn, every refusal is for balance and only when the wallet could not pay it, and the
//! totals are exact (the shop received the sum of the accepted payments, each wallet holds
//! what was issued to it less its accepted payments, and the ledger check passes).
//!
//! `KOINON_BUSY_MERCHANT_PAYMENTS` sets how many payments: 10,000 unless set, so that the
//! test suite stays quick; the issue's 100,000 is
//! `KOINON_BUSY_MERCHANT_PAYMENTS=100000 cargo test --release -p koinon-app --test currency_busy_merchant`.
//! There is one wallet for every 100 payments, each asked about 150.00 in all.

use std::collections::HashMap;

use koinon_app::currency::{CurrencyInput, ProgrammeInput};
use koinon_app::currency_payments::PaymentInput;
use koinon_app::merchants::MerchantInput;
use koinon_app::outcome_files::ImportFile;
use koinon_app::tenants::NewTenantInput;
use koinon_app::users::NewUserInput;
use koinon_app::{Actor, App};
use koinon_core::authz::Subject;
use koinon_core::role::Role;
use koinon_store::{Store, StoreConfig};

mod support;
use support::{Rng, fresh_store};

const SYSTEM: Actor = Actor::System("test");
/// Payments made (unless `KOINON_BUSY_MERCHANT_PAYMENTS` says otherwise).
const PAYMENTS: u64 = 10_000;
/// Most payments asked for.
const PAYMENTS_MAX: u64 = 1_000_000;
/// Payments per household (each with a wallet and a card).
const PAYMENTS_PER_WALLET: u64 = 100;
/// Tills paying at once.
const TILLS: u64 = 48;

fn payments_to_make() -> u64 {
    let asked = std::env::var("KOINON_BUSY_MERCHANT_PAYMENTS").ok();
    let n = asked.as_deref().map_or(PAYMENTS, |v| v.trim().parse().expect("KOINON_BUSY_MERCHANT_PAYMENTS: a number"));
    assert!((PAYMENTS_PER_WALLET..=PAYMENTS_MAX).contains(&n), "KOINON_BUSY_MERCHANT_PAYMENTS: 100 to {PAYMENTS_MAX}");
    n
}

struct Card {
    code: String,
    wallet: String,
    pin: String,
}

/// The store: PostgreSQL from the test cluster, or SQLite in a temporary folder in memory
/// (`/dev/shm`) where the machine has one: what this test checks is payments at once, not how
/// fast the disk syncs (the benchmark `koinon currency bench payments` measures that).
async fn store(postgres: bool) -> Option<(Store, Option<tempfile::TempDir>)> {
    let shm = std::path::Path::new("/dev/shm");
    if postgres || !shm.is_dir() {
        return fresh_store(postgres).await;
    }
    let dir = tempfile::tempdir_in(shm).expect("dir");
    Some((Store::open(&StoreConfig::new(dir.path(), None)).await.expect("store"), Some(dir)))
}

async fn busy_merchant(postgres: bool) {
    let Some((store, _dir)) = store(postgres).await else { return };
    let total = payments_to_make();
    let wallets = total / PAYMENTS_PER_WALLET;
    let app = App::new(store.clone());
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
                decay: "none".into(),
                daily_spend_max: "100000.00".into(),
                ..CurrencyInput::default()
            },
        )
        .await
        .expect("grama");
    let p = app
        .create_programme(
            &officer,
            tenant,
            &ProgrammeInput {
                currency_id: c.id,
                name: "Social aid in grames".into(),
                start_on: "2026-01-01".into(),
                end_on: "2036-12-31".into(),
                budget: "10000000.00".into(),
                base_amount: "100.00".into(),
                per_member_amount: "50.00".into(),
                household_cap: "300.00".into(),
                auto_backing: true,
            },
        )
        .await
        .expect("programme");
    // Households of 1 to 4 people: 100.00, 150.00, 200.00 or 250.00 a month.
    let mut csv = String::from("household,size,eligible_from\n");
    for h in 0..wallets {
        csv.push_str(&format!("SC-{h:05},{},2026-01-01\n", 1 + h % 4));
    }
    let file = ImportFile::read("households", "file", "h.csv", csv.into_bytes(), None).expect("file");
    app.commit_households(&officer, tenant, p.id, &file).await.expect("households");
    let run = app.prepare_issuance(&officer, tenant, p.id, "2026-01").await.expect("prepared");
    app.approve_issuance(&approver, tenant, run.id).await.expect("posted");

    let owner = app
        .create_user(
            &SYSTEM,
            tenant,
            &NewUserInput {
                email: "botiga@example.org",
                display_name: "Shop keeper",
                role: "merchant",
                organisation_id: None,
                password: "a long enough password",
            },
        )
        .await
        .expect("merchant user");
    let till =
        Actor::User(Subject { user_id: owner.id, tenant_id: tenant, role: Role::Merchant, organisation_id: None });
    let shop = MerchantInput {
        currency_id: c.id,
        name: "Botiga del Mercat".into(),
        registration: "F-08123456".into(),
        area: "Centre".into(),
        address: "Carrer Major 12".into(),
        description: "Groceries of the neighbourhood".into(),
        categories: vec!["food".into(), "hygiene".into()],
        email: "botiga@example.org".into(),
        phone: "+34 600 000 000".into(),
        owner_user_id: None,
    };
    let m = app.apply_merchant(&till, tenant, &shop, &[]).await.expect("apply");
    let m = app.review_merchant(&officer, tenant, m.id, "accredit", "").await.expect("accredit");
    let shop_account = m.account.clone().expect("shop account");

    let households = app.programme_households(&officer, tenant, p.id).await.expect("households");
    assert_eq!(households.len() as u64, wallets);
    let mut cards = Vec::new();
    let mut issued = HashMap::new();
    for (k, h) in households.iter().enumerate() {
        let pin = format!("{:06}", 285_713 + k * 7);
        let card = app.issue_card(&officer, tenant, h.id, &pin).await.expect("card");
        let a = app.ledger_account(&SYSTEM, tenant, &card.wallet, None).await.expect("wallet");
        assert!(a.credits_posted >= 10_000, "{a:?}");
        issued.insert(card.wallet.clone(), a.credits_posted);
        cards.push(Card { code: card.code, wallet: card.wallet, pin });
    }
    let cards = std::sync::Arc::new(cards);

    // Every till pays from any card: the same wallet is often paid from at once.
    let mut tasks = Vec::new();
    for t in 0..TILLS {
        let (app, till, cards) = (app.clone(), till.clone(), cards.clone());
        let merchant_id = m.id;
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x6275_7379 ^ t);
            // (card index, amount, accepted)
            let mut done = Vec::new();
            let mut n = t;
            while n < total {
                let k = rng.below(wallets) as usize;
                // 0.50 to 2.49: about 150.00 asked of each wallet, more than the smallest hold.
                let amount = 50 + rng.below(200) as i64;
                let input = PaymentInput {
                    payment_id: format!("0190a1b2-c3d4-7e5f-8a9b-{:012x}", n + 1),
                    merchant_id,
                    card_code: cards[k].code.clone(),
                    pin: cards[k].pin.clone(),
                    amount: format!("{}.{:02}", amount / 100, amount % 100),
                    category: if n % 3 == 0 { "hygiene" } else { "food" }.into(),
                    hold: false,
                    hold_s: None,
                };
                let outcome = app.take_payment(&till, tenant, &input).await.expect("no request error");
                match outcome {
                    Ok(view) => {
                        assert_eq!((view.state.as_str(), view.amount_minor), ("posted", amount));
                        done.push((k, amount, true));
                    }
                    Err(r) => {
                        assert_eq!(r.code, "insufficient_balance", "{r:?}");
                        done.push((k, amount, false));
                    }
                }
                n += TILLS;
            }
            done
        }));
    }
    let mut accepted = vec![0i64; cards.len()];
    let mut smallest_refused = vec![i64::MAX; cards.len()];
    let (mut paid, mut refused) = (0u64, 0u64);
    for task in tasks {
        for (k, amount, ok) in task.await.expect("till") {
            if ok {
                accepted[k] += amount;
                paid += 1;
            } else {
                smallest_refused[k] = smallest_refused[k].min(amount);
                refused += 1;
            }
        }
    }
    assert_eq!(paid + refused, total);
    assert!(paid > total / 2 && refused > 0, "{paid} paid, {refused} refused: the wallets are sized for some of each");

    let mut received = 0;
    for (k, card) in cards.iter().enumerate() {
        let a = app.ledger_account(&SYSTEM, tenant, &card.wallet, None).await.expect("wallet");
        let balance = a.credits_posted - a.debits_posted;
        assert_eq!(a.debits_pending, 0);
        assert!(balance >= 0, "wallet {k} overdrawn: {balance}");
        assert_eq!(balance, issued[&card.wallet] - accepted[k], "wallet {k}");
        // A payment refused for balance was more than the wallet had left, then and at the end.
        assert!(balance < smallest_refused[k], "wallet {k} refused {} while holding {balance}", smallest_refused[k]);
        received += accepted[k];
    }
    let shop = app.ledger_account(&SYSTEM, tenant, &shop_account, None).await.expect("shop");
    assert_eq!(shop.credits_posted - shop.debits_posted, received);
    assert_eq!(shop.credits_posted, received);
    let check = koinon_app::ledger::check(&store).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_merchant_takes_payments_from_many_wallets_at_once_on_sqlite() {
    busy_merchant(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_merchant_takes_payments_from_many_wallets_at_once_on_postgres() {
    busy_merchant(true).await;
}
