//! The figures of an e-currency ledger, from transfers made through the real ledger on both
//! backends: the worked example of `docs/currency.md` (LM3 1.65, recirculation 16.67 %,
//! retention 68.5 %), with a hold posted for less than it held, a hold left open, and a second
//! programme that the programme filter leaves out.

use koinon_app::currency_figures::FiguresParams;
use koinon_app::ledger::{NewAccountInput, TransferInput};
use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App, AppError};

mod support;

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
