//! The figures of an e-currency ledger, from transfers made through the real ledger on both
//! backends: the worked example of `docs/currency.md` (LM3 1.65, recirculation 16.67 %,
//! retention 68.5 %), with a hold posted for less than it held, a hold left open, and a second
//! programme that the programme filter leaves out.

use koinon_app::currency_figures::FiguresParams;
use koinon_app::ledger::{NewAccountInput, TransferInput};
use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App, AppError};

mod support;
use support::Rng;

const SYSTEM: Actor = Actor::System("test");

fn uuid(n: u32) -> String {
    format!("0190a1b2-c3d4-7e5f-8a9b-{n:012x}")
}

const ISSUANCE: u32 = 1;
const FEES: u32 = 2;
const W1: u32 = 3;
const W2: u32 = 4;
const M1: u32 = 5;
const M2: u32 = 6;
const M3: u32 = 7;

fn transfer(id: u32, debit: u32, credit: u32, amount: i64, code: &str, reference: Option<&str>) -> TransferInput {
    TransferInput {
        id: uuid(1000 + id),
        debit_account_id: Some(uuid(debit)),
        credit_account_id: Some(uuid(credit)),
        amount: Some(amount),
        ledger: Some("GRAMA".into()),
        code: code.into(),
        reference: reference.map(str::to_string),
        ..TransferInput::default()
    }
}

async fn figures_on(postgres: bool) {
    let Some((store, _dir)) = support::fresh_store(postgres).await else { return };
    let app = App::new(store);
    let tenant = app
        .create_tenant(
            &SYSTEM,
            &NewTenantInput {
                code: "gramenet",
                name: "Gramenet",
                country: "ES",
                currency: "EUR",
                default_locale: "en",
            },
        )
        .await
        .expect("tenant")
        .id;
    app.create_ledger(&SYSTEM, tenant, "GRAMA", "Grama", 2).await.expect("ledger");
    let shop = app
        .create_organisation(&SYSTEM, tenant, "social_enterprise", "Fleca del Barri", "")
        .await
        .expect("organisation")
        .id;
    let account = |n: u32, code: &str, limited: bool| NewAccountInput {
        id: uuid(n),
        ledger: "GRAMA".into(),
        code: code.into(),
        owner: Some(format!("organisation:{}", if n == M1 { shop } else { 1_000 + i64::from(n) })),
        flags: if limited { vec!["debits_must_not_exceed_credits".into()] } else { vec![] },
    };
    let accounts = [
        account(ISSUANCE, "issuance", false),
        account(FEES, "fees", false),
        account(W1, "wallet", true),
        account(W2, "wallet", true),
        account(M1, "merchant", true),
        account(M2, "merchant", true),
        account(M3, "merchant", true),
    ];
    let results = app.create_accounts(&SYSTEM, tenant, &accounts).await.expect("accounts");
    assert!(results.iter().all(|r| r.result == "ok"), "{results:?}");

    let run = "programme:1/run:1";
    let hold = transfer(3, W1, M1, 90, "payment", Some("category:food"));
    let mut post = TransferInput {
        id: uuid(1004),
        pending_id: Some(hold.id.clone()),
        amount: Some(80),
        code: "payment".into(),
        flags: vec!["post_pending".into()],
        ..TransferInput::default()
    };
    post.ledger = Some("GRAMA".into());
    let mut hold = hold;
    hold.flags = vec!["pending".into()];
    let mut open_hold = transfer(6, W2, M3, 10, "payment", Some("category:food"));
    open_hold.flags = vec!["pending".into()];
    let batches = vec![
        vec![transfer(1, ISSUANCE, W1, 100, "issue", Some(run)), transfer(2, ISSUANCE, W2, 100, "issue", Some(run))],
        vec![hold, post, transfer(5, W2, M2, 50, "payment", Some("category:hygiene")), open_hold],
        vec![
            transfer(7, M1, M2, 30, "circulation", None),
            transfer(8, M2, M3, 60, "circulation", None),
            transfer(9, M3, M1, 40, "circulation", None),
            transfer(10, M1, ISSUANCE, 60, "redemption", None),
            transfer(11, M1, FEES, 3, "redemption_fee", None),
        ],
        vec![transfer(12, ISSUANCE, W2, 25, "issue", Some("programme:2/run:1"))],
    ];
    for batch in &batches {
        let results = app.create_transfers(&SYSTEM, tenant, batch).await.expect("transfers");
        assert!(results.iter().all(|r| r.result == "ok"), "{results:?}");
    }

    let one = FiguresParams { programme: Some("1".into()), ..FiguresParams::default() };
    let f = app.currency_figures(&SYSTEM, tenant, "GRAMA", &one).await.expect("figures");
    assert_eq!((f.r1_minor, f.r2_minor, f.r3_minor), (200, 80, 50));
    assert_eq!(f.lm3.as_ref().map(|r| r.value.as_str()), Some("1.65"));
    assert_eq!(f.recirculation.as_ref().map(|r| r.basis_points), Some(1_667));
    assert_eq!(f.retention.as_ref().map(|r| r.percent.as_str()), Some("68.5"));
    // The hold posted at 80 counts at 80, under the hold's category; the open hold not at all.
    assert_eq!((f.spent_minor, f.payments), (130, 2));
    let cats: Vec<(&str, i64)> = f.by_category.iter().map(|c| (c.category.as_str(), c.spent_minor)).collect();
    assert_eq!(cats, [("food", 80), ("hygiene", 50)]);
    // The largest merchant by its organisation's name; an owner that is no organisation of
    // the municipality is shown as it is.
    let names: Vec<(Option<&str>, Option<&str>)> =
        f.top_merchants.iter().map(|m| (m.name.as_deref(), m.owner.as_deref())).collect();
    assert_eq!(
        names,
        [(Some("Fleca del Barri"), Some(format!("organisation:{shop}").as_str())), (None, Some("organisation:1006"))]
    );
    assert_eq!(f.months.len(), 1);
    assert_eq!((f.months[0].issued_minor, f.months[0].redeemed_minor), (200, 60));

    let all = app.currency_figures(&SYSTEM, tenant, "grama", &FiguresParams::default()).await.expect("all");
    assert_eq!((all.issued_minor, all.r2_minor, all.r3_minor, all.outstanding_end_minor), (225, 80, 50, 162));

    let err = |p: FiguresParams, ledger: &'static str| {
        let app = app.clone();
        async move { app.currency_figures(&SYSTEM, tenant, ledger, &p).await.err() }
    };
    let bad_date = FiguresParams { from: Some("2026-13-01".into()), ..FiguresParams::default() };
    assert!(matches!(err(bad_date, "GRAMA").await, Some(AppError::Invalid(e)) if e[0].field == "from"));
    let backwards =
        FiguresParams { from: Some("2026-02-01".into()), to: Some("2026-01-01".into()), ..FiguresParams::default() };
    assert!(matches!(err(backwards, "GRAMA").await, Some(AppError::Invalid(e)) if e[0].field == "to"));
    let unknown = FiguresParams { programme: Some("9".into()), ..FiguresParams::default() };
    assert!(matches!(err(unknown, "GRAMA").await, Some(AppError::NotFound(m)) if m.contains("programme 9")));
    let bad_programme = FiguresParams { programme: Some("1/run:1".into()), ..FiguresParams::default() };
    assert!(matches!(err(bad_programme, "GRAMA").await, Some(AppError::Invalid(e)) if e[0].field == "programme"));
    assert!(matches!(err(FiguresParams::default(), "REC").await, Some(AppError::NotFound(m)) if m.contains("REC")));
}

#[tokio::test]
async fn figures_from_the_ledger_on_sqlite() {
    figures_on(false).await;
}

#[tokio::test]
async fn figures_from_the_ledger_on_postgres() {
    figures_on(true).await;
}

/// Rounds of random transfers (issues under two programmes, payments in categories, holds
/// posted for less, circulation, redemptions and fees) with wallets and shops opening along
/// the way; after each round the figures the dashboard shows (all, each programme, a period
/// ending yesterday, one starting today, a few merchants) from the kept state equal the ones
/// computed afresh from every transfer.
async fn kept_figures_on(postgres: bool, seed: u64) {
    let Some((store, _dir)) = support::fresh_store(postgres).await else { return };
    let app = App::new(store);
    let tenant = app
        .create_tenant(
            &SYSTEM,
            &NewTenantInput { code: "rec", name: "Barcelona", country: "ES", currency: "EUR", default_locale: "en" },
        )
        .await
        .expect("tenant")
        .id;
    app.create_ledger(&SYSTEM, tenant, "GRAMA", "Grama", 2).await.expect("ledger");
    let mut rng = Rng(seed);
    let mut next_account = 1u32;
    let mut open = |app: &App, code: &'static str, limited: bool| {
        let n = next_account;
        next_account += 1;
        let input = NewAccountInput {
            id: uuid(n),
            ledger: "GRAMA".into(),
            code: code.into(),
            owner: Some(format!("organisation:{}", 5_000 + n)),
            flags: if limited { vec!["debits_must_not_exceed_credits".into()] } else { vec![] },
        };
        let app = app.clone();
        async move {
            let r = app.create_accounts(&SYSTEM, tenant, &[input]).await.expect("account");
            assert_eq!(r[0].result, "ok");
            n
        }
    };
    let issuance = open(&app, "issuance", false).await;
    let fees = open(&app, "fees", false).await;
    let mut wallets = Vec::new();
    let mut shops = Vec::new();
    let mut balance = std::collections::HashMap::<u32, i64>::new();
    let mut next_transfer = 1u32;
    let yesterday = time::OffsetDateTime::now_utc().date().previous_day().expect("a day").to_string();
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let requests = [
        FiguresParams::default(),
        FiguresParams { programme: Some("1".into()), ..FiguresParams::default() },
        FiguresParams { programme: Some("2".into()), top: Some(2), ..FiguresParams::default() },
        FiguresParams { from: Some(today.clone()), top: Some(1), ..FiguresParams::default() },
        FiguresParams { from: Some(yesterday.clone()), to: Some(yesterday), ..FiguresParams::default() },
    ];
    for round in 0..8 {
        for _ in 0..1 + rng.below(2) {
            wallets.push(open(&app, "wallet", true).await);
        }
        if round % 2 == 0 {
            shops.push(open(&app, "merchant", true).await);
        }
        let mut batch = Vec::new();
        for _ in 0..5 + rng.below(25) {
            let id = next_transfer;
            next_transfer += 2;
            let w = wallets[rng.below(wallets.len() as u64) as usize];
            let m = shops[rng.below(shops.len() as u64) as usize];
            let m2 = shops[rng.below(shops.len() as u64) as usize];
            let roll = rng.below(100);
            let (debit, credit, code, reference) = match roll {
                0..30 => (issuance, w, "issue", Some(format!("programme:{}/run:{round}", 1 + rng.below(2)))),
                30..65 => (w, m, "payment", Some(format!("category:{}", ["food", "hygiene"][rng.below(2) as usize]))),
                65..85 => (m, m2, "circulation", None),
                85..95 => (m, issuance, "redemption", None),
                _ => (m, fees, "redemption_fee", None),
            };
            let have = *balance.get(&debit).unwrap_or(&0);
            let amount =
                if debit == issuance { 100 + rng.below(900) as i64 } else { have * (1 + rng.below(60) as i64) / 100 };
            if debit == credit || amount <= 0 {
                continue;
            }
            *balance.entry(debit).or_default() -= amount;
            *balance.entry(credit).or_default() += amount;
            let mut t = transfer(id, debit, credit, amount, code, reference.as_deref());
            if code == "payment" && rng.below(4) == 0 {
                // A hold for more, posted at the amount paid.
                t.amount = Some(amount + 1);
                *balance.entry(debit).or_default() -= 1;
                t.flags = vec!["pending".into()];
                let post = TransferInput {
                    id: uuid(1000 + id + 1),
                    pending_id: Some(t.id.clone()),
                    amount: Some(amount),
                    code: "payment".into(),
                    ledger: Some("GRAMA".into()),
                    flags: vec!["post_pending".into()],
                    ..TransferInput::default()
                };
                *balance.entry(debit).or_default() += 1;
                batch.push(t);
                batch.push(post);
                continue;
            }
            batch.push(t);
        }
        let results = app.create_transfers(&SYSTEM, tenant, &batch).await.expect("transfers");
        assert!(results.iter().all(|r| r.result == "ok"), "round {round}: {results:?}");
        for (k, params) in requests.iter().enumerate() {
            let kept = app.currency_figures(&SYSTEM, tenant, "GRAMA", params).await;
            let fresh = app.currency_figures_uncached(&SYSTEM, tenant, "GRAMA", params).await;
            match (kept, fresh) {
                (Ok(kept), Ok(fresh)) => assert_eq!(kept, fresh, "round {round}, request {k}"),
                // A programme nothing was issued under yet is not found either way.
                (Err(AppError::NotFound(a)), Err(AppError::NotFound(b))) => assert_eq!(a, b),
                (kept, fresh) => panic!("round {round}, request {k}: {kept:?} against {fresh:?}"),
            }
        }
    }
    let (states, bytes) = app.figures_cache().usage();
    assert!((1..=koinon_app::currency_figures::FIGURES_STATES_MAX).contains(&states) && bytes > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_figures_equal_fresh_ones_as_transfers_arrive_on_sqlite() {
    for seed in [1, 2, 3] {
        kept_figures_on(false, seed).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_figures_equal_fresh_ones_as_transfers_arrive_on_postgres() {
    kept_figures_on(true, 4).await;
}
