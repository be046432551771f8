//! Merchants and payments on both backends: applications with every bad field named,
//! accreditation by an officer opening the shop's ledger account, the public directory of
//! accredited shops only; payments by card and PIN refused with each reason and changing
//! nothing, wrong PINs counted to a lock, retries paying once, holds captured or voided, and
//! concurrent payments of one card never overdrawing it nor passing its daily limit.

use koinon_app::currency::{CurrencyInput, ProgrammeInput};
use koinon_app::currency_payments::{PaymentInput, Refusal};
use koinon_app::merchants::{DocumentInput, MerchantInput, MerchantView};
use koinon_app::outcome_files::ImportFile;
use koinon_app::tenants::NewTenantInput;
use koinon_app::users::NewUserInput;
use koinon_app::{Actor, App, AppError};
use koinon_core::authz::Subject;
use koinon_core::role::Role;
use koinon_store::Store;

mod support;
use support::fresh_store;

const SYSTEM: Actor = Actor::System("test");

struct Fixture {
    app: App,
    store: Store,
    tenant: i64,
    currency: i64,
    programme: i64,
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    fn user(&self, user_id: i64, role: Role) -> Actor {
        Actor::User(Subject { user_id, tenant_id: self.tenant, role, organisation_id: None })
    }
    fn officer(&self) -> Actor {
        self.user(10, Role::Officer)
    }
    async fn merchant_user(&self, email: &str) -> Actor {
        let u = self
            .app
            .create_user(
                &SYSTEM,
                self.tenant,
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
        self.user(u.id, Role::Merchant)
    }
}

async fn fixture(postgres: bool) -> Option<Fixture> {
    let (store, dir) = fresh_store(postgres).await?;
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
    let c = app
        .define_currency(
            &officer,
            tenant,
            &CurrencyInput {
                code: "grama".into(),
                name: "Grama".into(),
                symbol: "G".into(),
                scale: Some(2),
                categories: "food, hygiene, cleaning".into(),
                decay: "none".into(),
                daily_spend_max: "150.00".into(),
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
                budget: "100000.00".into(),
                base_amount: "100.00".into(),
                per_member_amount: "50.00".into(),
                household_cap: "300.00".into(),
                auto_backing: true,
            },
        )
        .await
        .expect("programme");
    Some(Fixture { app, store, tenant, currency: c.id, programme: p.id, _dir: dir })
}

fn shop(currency_id: i64, name: &str, area: &str, categories: &[&str]) -> MerchantInput {
    MerchantInput {
        currency_id,
        name: name.into(),
        registration: "F-08123456".into(),
        area: area.into(),
        address: "Carrer Major 12".into(),
        description: "Groceries of the neighbourhood".into(),
        categories: categories.iter().map(|c| (*c).to_string()).collect(),
        email: "botiga@example.org".into(),
        phone: "+34 600 000 000".into(),
        owner_user_id: None,
    }
}

fn fields(e: &AppError) -> Vec<(String, &'static str)> {
    e.field_errors().into_iter().map(|f| (f.field, f.code)).collect()
}

async fn audit_len(f: &Fixture) -> usize {
    f.app.audit_page(&SYSTEM, f.tenant, None, Some(200)).await.expect("audit").items.len()
}

const PDF: DocumentInput<'static> =
    DocumentInput { file_name: "statutes.pdf", content_type: "application/pdf", content: b"%PDF-1.4 statutes" };

async fn accredited(f: &Fixture, email: &str, categories: &[&str]) -> (Actor, MerchantView) {
    let owner = f.merchant_user(email).await;
    let m = f
        .app
        .apply_merchant(&owner, f.tenant, &shop(f.currency, "Botiga", "Centre", categories), &[])
        .await
        .expect("apply");
    let m = f.app.review_merchant(&f.officer(), f.tenant, m.id, "accredit", "").await.expect("accredit");
    (owner, m)
}

async fn merchants(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let owner = f.merchant_user("botiga@example.org").await;

    // Every bad field named at once; nothing stored.
    let bad = MerchantInput {
        name: String::new(),
        email: "not-an-email".into(),
        categories: vec!["food".into(), "toys".into()],
        ..shop(f.currency, "x", "Centre", &[])
    };
    let big = vec![0u8; koinon_app::merchants::DOCUMENT_BYTES_MAX + 1];
    let docs = [DocumentInput { file_name: "x.exe", content_type: "application/x-msdownload", content: &big }];
    let err = f.app.apply_merchant(&owner, f.tenant, &bad, &docs).await.expect_err("bad application");
    let named = fields(&err);
    for (field, code) in [
        ("name", "required"),
        ("email", "invalid_email"),
        ("categories", "category_not_in_currency"),
        ("documents[0].content_type", "unsupported_content_type"),
        ("documents[0].content", "file_size"),
    ] {
        assert!(named.iter().any(|(f, c)| f == field && *c == code), "{field} {code} not in {named:?}");
    }
    let err = f
        .app
        .apply_merchant(
            &owner,
            f.tenant,
            &MerchantInput { currency_id: 999, ..shop(f.currency, "B", "Centre", &["food"]) },
            &[],
        )
        .await
        .expect_err("no currency");
    assert_eq!(fields(&err), vec![("currency_id".to_string(), "unknown_currency")]);
    assert!(f.app.list_merchants(&f.officer(), f.tenant, None, None, None).await.expect("list").items.is_empty());

    // A merchant applies for itself only; a beneficiary not at all.
    let someone = f.merchant_user("other@example.org").await;
    let Actor::User(s) = &someone else { panic!("user") };
    let err = f
        .app
        .apply_merchant(
            &f.user(99, Role::Beneficiary),
            f.tenant,
            &MerchantInput { owner_user_id: Some(s.user_id), ..shop(f.currency, "B", "Centre", &["food"]) },
            &[],
        )
        .await
        .expect_err("beneficiary");
    assert!(matches!(err, AppError::Forbidden));

    let m = f
        .app
        .apply_merchant(
            &owner,
            f.tenant,
            &shop(f.currency, "Botiga La Fageda", "Singuerlín", &["hygiene", "food"]),
            &[PDF],
        )
        .await
        .expect("applied");
    assert_eq!((m.status.as_str(), m.categories.clone()), ("applied", vec!["food".to_string(), "hygiene".to_string()]));
    assert_eq!(m.documents.len(), 1);
    assert!(m.account.is_none());
    let doc = f.app.merchant_document(&owner, f.tenant, m.id, m.documents[0].id).await.expect("own document");
    assert_eq!(doc.content, b"%PDF-1.4 statutes");
    let err = f.app.merchant(&someone, f.tenant, m.id).await.expect_err("not theirs");
    assert!(matches!(err, AppError::NotFound(_)));
    let err = f
        .app
        .apply_merchant(&owner, f.tenant, &shop(f.currency, "Second", "Centre", &["food"]), &[])
        .await
        .expect_err("one per currency");
    assert_eq!(fields(&err), vec![("currency_id".to_string(), "already_exists")]);
    // An officer applies on a shop's behalf.
    let other = f
        .app
        .apply_merchant(
            &f.officer(),
            f.tenant,
            &MerchantInput {
                owner_user_id: Some(s.user_id),
                ..shop(f.currency, "Drogueria Neta", "Centre", &["cleaning"])
            },
            &[],
        )
        .await
        .expect("on behalf");
    assert_eq!(other.owner_user_id, Some(s.user_id));

    // Review: merchants may not; refusing needs a reason; accrediting opens the account.
    assert!(matches!(f.app.review_merchant(&owner, f.tenant, m.id, "accredit", "").await, Err(AppError::Forbidden)));
    let err = f.app.review_merchant(&f.officer(), f.tenant, other.id, "refuse", " ").await.expect_err("reason");
    assert_eq!(fields(&err), vec![("reason".to_string(), "required")]);
    let err = f.app.review_merchant(&f.officer(), f.tenant, m.id, "promote", "").await.expect_err("action");
    assert_eq!(fields(&err), vec![("action".to_string(), "invalid_action")]);
    let err = f.app.review_merchant(&f.officer(), f.tenant, m.id, "reinstate", "").await.expect_err("transition");
    assert_eq!(fields(&err), vec![("status".to_string(), "invalid_transition")]);
    let ok = f.app.review_merchant(&f.officer(), f.tenant, m.id, "accredit", "").await.expect("accredited");
    let account = ok.account.clone().expect("account");
    let a = f.app.ledger_account(&SYSTEM, f.tenant, &account, None).await.expect("ledger account");
    assert_eq!((a.ledger.as_str(), a.code.as_str()), ("GRAMA", "merchant"));
    let refused =
        f.app.review_merchant(&f.officer(), f.tenant, other.id, "refuse", "No registration").await.expect("refused");
    assert_eq!((refused.status.as_str(), refused.status_reason.as_deref()), ("refused", Some("No registration")));

    // The directory: accredited shops only, by area and category.
    let d = f.app.merchant_directory("santa-coloma", None, None).await.expect("directory");
    assert_eq!(d.entries.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), vec!["Botiga La Fageda"]);
    assert_eq!(
        (d.areas.clone(), d.categories.clone()),
        (vec!["Singuerlín".to_string()], vec!["food".to_string(), "hygiene".to_string()])
    );
    assert!(f.app.merchant_directory("santa-coloma", Some("Centre"), None).await.expect("area").entries.is_empty());
    assert_eq!(f.app.merchant_directory("santa-coloma", None, Some("hygiene")).await.expect("cat").entries.len(), 1);
    assert!(f.app.merchant_directory("santa-coloma", None, Some("cleaning")).await.expect("cat").entries.is_empty());
    let err = f.app.merchant_directory("santa-coloma", None, Some("Fo od!")).await.expect_err("bad category");
    assert_eq!(fields(&err), vec![("category".to_string(), "invalid_category")]);
    assert!(matches!(f.app.merchant_directory("nowhere", None, None).await, Err(AppError::NotFound(_))));

    // Suspended: out of the directory; reinstated: back, with the same account.
    let s1 = f.app.review_merchant(&f.officer(), f.tenant, m.id, "suspend", "Sold alcohol").await.expect("suspended");
    assert_eq!(s1.status, "suspended");
    assert!(f.app.merchant_directory("santa-coloma", None, None).await.expect("directory").entries.is_empty());
    let back = f.app.review_merchant(&f.officer(), f.tenant, m.id, "reinstate", "").await.expect("reinstated");
    assert_eq!((back.status.as_str(), back.account.as_deref()), ("accredited", Some(account.as_str())));
    let mine = f.app.list_merchants(&owner, f.tenant, None, None, None).await.expect("own list");
    assert_eq!(mine.items.iter().map(|m| m.id).collect::<Vec<_>>(), vec![m.id]);
    let applied =
        f.app.list_merchants(&f.officer(), f.tenant, Some("refused"), None, None).await.expect("refused list");
    assert_eq!(applied.items.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchants_apply_review_directory_on_sqlite() {
    merchants(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchants_apply_review_directory_on_postgres() {
    merchants(true).await;
}

// ---- payments ----

const HOUSEHOLDS: &str = "household,size,eligible_from\nSC-0001,1,2026-01-01\nSC-0002,3,2026-01-01\n";

/// Households SC-0001 (100.00 a month) and SC-0002 (200.00), one month issued.
async fn funded(f: &Fixture) -> (i64, i64) {
    let file = ImportFile::read("households", "file", "h.csv", HOUSEHOLDS.as_bytes().to_vec(), None).expect("file");
    f.app.commit_households(&f.officer(), f.tenant, f.programme, &file).await.expect("households");
    let run = f.app.prepare_issuance(&f.officer(), f.tenant, f.programme, "2026-01").await.expect("prepared");
    f.app.approve_issuance(&f.user(11, Role::Approver), f.tenant, run.id).await.expect("posted");
    let list = f.app.programme_households(&f.officer(), f.tenant, f.programme).await.expect("households");
    (list[0].id, list[1].id)
}

fn pay(merchant_id: i64, id: &str, card: &str, pin: &str, amount: &str, category: &str) -> PaymentInput {
    PaymentInput {
        payment_id: id.into(),
        merchant_id,
        card_code: card.into(),
        pin: pin.into(),
        amount: amount.into(),
        category: category.into(),
        hold: false,
        hold_s: None,
    }
}

fn uuid(n: u32) -> String {
    format!("0190a1b2-c3d4-7e5f-8a9b-{n:012x}")
}

async fn balance(f: &Fixture, wallet: &str) -> (i64, i64) {
    let a = f.app.ledger_account(&SYSTEM, f.tenant, wallet, None).await.expect("account");
    (a.credits_posted - a.debits_posted - a.debits_pending, a.debits_pending)
}

fn refused(r: Result<Result<koinon_app::currency_payments::PaymentView, Refusal>, AppError>) -> Refusal {
    r.expect("no request error").expect_err("refused")
}

async fn payments(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let (h1, _) = funded(&f).await;
    let (till, m) = accredited(&f, "botiga@example.org", &["food", "hygiene"]).await;
    let shop_account = m.account.clone().expect("account");
    let err = f.app.issue_card(&f.officer(), f.tenant, h1, "1234").await.expect_err("weak");
    assert_eq!(fields(&err), vec![("pin".to_string(), "weak_pin")]);
    assert!(matches!(f.app.issue_card(&till, f.tenant, h1, "4821").await, Err(AppError::Forbidden)));
    let card = f.app.issue_card(&f.officer(), f.tenant, h1, "4821").await.expect("card");
    assert_eq!(card.code.len(), 19);
    let wallet = card.wallet.clone();
    assert_eq!(balance(&f, &wallet).await, (10_000, 0));

    // Bad input names fields and is not a refusal.
    let err = f
        .app
        .take_payment(&till, f.tenant, &pay(m.id, "nope", "ABCD", "12", "-", "Fo od"))
        .await
        .expect_err("bad input");
    let named: Vec<String> = fields(&err).into_iter().map(|(f, _)| f).collect();
    assert_eq!(named, vec!["payment_id", "card_code", "pin", "amount", "category"]);
    // Another merchant's till cannot use this shop.
    let (other_till, _) = accredited(&f, "other@example.org", &["cleaning"]).await;
    let err = f.app.take_payment(&other_till, f.tenant, &pay(m.id, &uuid(1), &card.code, "4821", "1", "food")).await;
    assert!(matches!(err, Err(AppError::NotFound(_))));
    assert!(matches!(
        f.app.take_payment(&f.officer(), f.tenant, &pay(m.id, &uuid(1), &card.code, "4821", "1", "food")).await,
        Err(AppError::Forbidden)
    ));

    // A payment; the same request again pays once; the same id for another amount conflicts.
    let before_audit = audit_len(&f).await;
    let p = f
        .app
        .take_payment(&till, f.tenant, &pay(m.id, &uuid(1), &card.code.to_lowercase(), "4821", "12.50", "food"))
        .await
        .expect("request")
        .expect("paid");
    assert_eq!((p.state.as_str(), p.amount_minor, p.category.as_str()), ("posted", 1_250, "food"));
    assert_eq!(p.card.len(), 4);
    let again = f
        .app
        .take_payment(&till, f.tenant, &pay(m.id, &uuid(1), &card.code, "4821", "12.50", "food"))
        .await
        .expect("request")
        .expect("same payment");
    assert_eq!(again, p);
    assert_eq!(balance(&f, &wallet).await, (10_000 - 1_250, 0));
    let err = f.app.take_payment(&till, f.tenant, &pay(m.id, &uuid(1), &card.code, "4821", "13.00", "food")).await;
    assert_eq!(fields(&err.expect_err("conflict")), vec![("payment_id".to_string(), "already_exists")]);
    let shop_balance = f.app.ledger_account(&SYSTEM, f.tenant, &shop_account, None).await.expect("shop").credits_posted;
    assert_eq!(shop_balance, 1_250);
    let t = f.app.ledger_transfer(&SYSTEM, f.tenant, &p.id).await.expect("transfer");
    assert_eq!((t.code.as_str(), t.reference.as_deref()), ("payment", Some("category:food")));
    assert!(audit_len(&f).await > before_audit);
    assert_eq!(f.app.payment(&till, f.tenant, &p.id).await.expect("get"), p);
    assert!(matches!(f.app.payment(&other_till, f.tenant, &p.id).await, Err(AppError::NotFound(_))));

    // Every refusal, each changing nothing.
    let snapshot = (balance(&f, &wallet).await, audit_len(&f).await);
    let cases: Vec<(PaymentInput, &str, &str)> = vec![
        (pay(m.id, &uuid(2), &card.code, "4821", "0", "food"), "amount_must_be_positive", "amount"),
        (pay(m.id, &uuid(3), &card.code, "4821", "5.00", "cleaning"), "category_not_sold_here", "category"),
        (pay(m.id, &uuid(4), &card.code, "4821", "90.00", "food"), "insufficient_balance", "amount"),
        (pay(m.id, &uuid(5), "0000-0000-0000-0000", "4821", "1.00", "food"), "unknown_card", "card_code"),
    ];
    for (input, code, field) in cases {
        let r = refused(f.app.take_payment(&till, f.tenant, &input).await);
        assert_eq!((r.code, r.field), (code, field), "{}", r.message);
    }
    let r =
        refused(f.app.take_payment(&till, f.tenant, &pay(m.id, &uuid(4), &card.code, "4821", "90.00", "food")).await);
    assert_eq!(r.available_minor, Some(8_750));
    assert_eq!((balance(&f, &wallet).await, audit_len(&f).await), snapshot, "refusals change nothing");

    // The daily limit (150.00): a second card with 200.00 pays 140 then is refused 20.
    let (_, h2) = {
        let list = f.app.programme_households(&f.officer(), f.tenant, f.programme).await.expect("households");
        (list[0].id, list[1].id)
    };
    let card2 = f.app.issue_card(&f.officer(), f.tenant, h2, "902718").await.expect("card 2");
    f.app
        .take_payment(&till, f.tenant, &pay(m.id, &uuid(6), &card2.code, "902718", "140.00", "hygiene"))
        .await
        .expect("request")
        .expect("paid");
    let r = refused(
        f.app.take_payment(&till, f.tenant, &pay(m.id, &uuid(7), &card2.code, "902718", "20.00", "food")).await,
    );
    assert_eq!((r.code, r.left_minor), ("daily_limit", Some(1_000)));

    // The currency drops hygiene: the shop still sells it, the currency may not buy it.
    f.app
        .update_currency(
            &f.officer(),
            f.tenant,
            f.currency,
            &CurrencyInput {
                code: "GRAMA".into(),
                name: "Grama".into(),
                symbol: "G".into(),
                scale: Some(2),
                categories: "food, cleaning".into(),
                decay: "none".into(),
                daily_spend_max: "150.00".into(),
                ..CurrencyInput::default()
            },
        )
        .await
        .expect("update");
    let r =
        refused(f.app.take_payment(&till, f.tenant, &pay(m.id, &uuid(8), &card.code, "4821", "1.00", "hygiene")).await);
    assert_eq!(r.code, "category_not_allowed");

    // Suspended shop; then not yet accredited shop.
    f.app.review_merchant(&f.officer(), f.tenant, m.id, "suspend", "Inspection").await.expect("suspend");
    let r =
        refused(f.app.take_payment(&till, f.tenant, &pay(m.id, &uuid(9), &card.code, "4821", "1.00", "food")).await);
    assert_eq!(r.code, "merchant_suspended");
    f.app.review_merchant(&f.officer(), f.tenant, m.id, "reinstate", "").await.expect("reinstate");
    let new_owner = f.merchant_user("new@example.org").await;
    let pending = f
        .app
        .apply_merchant(&new_owner, f.tenant, &shop(f.currency, "New", "Centre", &["food"]), &[])
        .await
        .expect("apply");
    let r = refused(
        f.app.take_payment(&new_owner, f.tenant, &pay(pending.id, &uuid(10), &card.code, "4821", "1.00", "food")).await,
    );
    assert_eq!(r.code, "merchant_not_accredited");

    // Wrong PINs: counted with attempts left, then the card locks even for the right PIN.
    for left in [2, 1] {
        let r = refused(
            f.app.take_payment(&till, f.tenant, &pay(m.id, &uuid(11), &card.code, "1111", "1.00", "food")).await,
        );
        assert_eq!((r.code, r.field, r.attempts_left), ("wrong_pin", "pin", Some(left)));
    }
    let r =
        refused(f.app.take_payment(&till, f.tenant, &pay(m.id, &uuid(11), &card.code, "1111", "1.00", "food")).await);
    assert_eq!(r.code, "card_locked");
    assert!(r.locked_until_s.is_some());
    let r =
        refused(f.app.take_payment(&till, f.tenant, &pay(m.id, &uuid(11), &card.code, "4821", "1.00", "food")).await);
    assert_eq!(r.code, "card_locked");
    assert_eq!(balance(&f, &wallet).await.0, 8_750);
    let unlocked = f.app.unlock_card(&f.officer(), f.tenant, card.card_id).await.expect("unlock");
    assert_eq!(unlocked.pin_failures, 0);
    f.app
        .take_payment(&till, f.tenant, &pay(m.id, &uuid(11), &card.code, "4821", "1.00", "food"))
        .await
        .expect("request")
        .expect("paid after unlock");

    // A replaced card stops working.
    let card_b = f.app.issue_card(&f.officer(), f.tenant, h1, "556677").await.expect("new card");
    let r =
        refused(f.app.take_payment(&till, f.tenant, &pay(m.id, &uuid(12), &card.code, "4821", "1.00", "food")).await);
    assert_eq!(r.code, "card_replaced");

    // Hold then capture less; hold then void.
    let mut hold = pay(m.id, &uuid(13), &card_b.code, "556677", "30.00", "food");
    hold.hold = true;
    let h = f.app.take_payment(&till, f.tenant, &hold).await.expect("request").expect("held");
    assert_eq!(h.state, "held");
    assert_eq!(balance(&f, &wallet).await, (8_650 - 3_000, 3_000));
    let err = f.app.capture_payment(&till, f.tenant, &h.id, "30.01").await.expect_err("too much");
    assert_eq!(fields(&err), vec![("amount".to_string(), "amount_exceeds_hold")]);
    let cap = f.app.capture_payment(&till, f.tenant, &h.id, "25.00").await.expect("captured");
    assert_eq!((cap.state.as_str(), cap.captured_minor), ("captured", Some(2_500)));
    assert_eq!(f.app.capture_payment(&till, f.tenant, &h.id, "25.00").await.expect("again"), cap);
    assert_eq!(balance(&f, &wallet).await, (8_650 - 2_500, 0));
    let mut hold2 = pay(m.id, &uuid(14), &card_b.code, "556677", "10.00", "food");
    hold2.hold = true;
    let h2 = f.app.take_payment(&till, f.tenant, &hold2).await.expect("request").expect("held");
    let v = f.app.void_payment(&till, f.tenant, &h2.id).await.expect("voided");
    assert_eq!(v.state, "voided");
    assert_eq!(balance(&f, &wallet).await, (6_150, 0));
    let err = f.app.capture_payment(&till, f.tenant, &h2.id, "").await.expect_err("voided");
    assert_eq!(fields(&err), vec![("payment_id".to_string(), "hold_not_open")]);
    let err = f.app.void_payment(&till, f.tenant, &p.id).await.expect_err("not a hold");
    assert_eq!(fields(&err), vec![("payment_id".to_string(), "not_a_hold")]);

    let check = koinon_app::ledger::check(&f.store).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_refusals_retries_and_holds_on_sqlite() {
    payments(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_refusals_retries_and_holds_on_postgres() {
    payments(true).await;
}

/// Twelve payments of 15.00 at once from a card holding 100.00 with a daily limit of
/// 150.00: exactly six go through, the wallet ends at 10.00, never below zero.
async fn concurrent(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let (h1, _) = funded(&f).await;
    let (till, m) = accredited(&f, "botiga@example.org", &["food"]).await;
    let card = f.app.issue_card(&f.officer(), f.tenant, h1, "4821").await.expect("card");
    let mut tasks = Vec::new();
    for i in 0..12u32 {
        let app = f.app.clone();
        let till = till.clone();
        let input = pay(m.id, &uuid(100 + i), &card.code, "4821", "15.00", "food");
        let tenant = f.tenant;
        tasks.push(tokio::spawn(async move { app.take_payment(&till, tenant, &input).await }));
    }
    let mut paid = 0;
    let mut codes = Vec::new();
    for t in tasks {
        match t.await.expect("task").expect("request") {
            Ok(_) => paid += 1,
            Err(r) => codes.push(r.code),
        }
    }
    assert_eq!(paid, 6, "{codes:?}");
    assert!(codes.iter().all(|c| *c == "insufficient_balance"), "{codes:?}");
    assert_eq!(balance(&f, &card.wallet).await, (1_000, 0));
    let check = koinon_app::ledger::check(&f.store).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_payments_never_overdraw_on_sqlite() {
    concurrent(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_payments_never_overdraw_on_postgres() {
    concurrent(true).await;
}

/// A shop pays another (circulation) and redeems units to euros with the early fee: 5% of
/// 10.00 received this month = 0.50 to the fees account, 9.50 retired, 9.50 EUR paid from the
/// guarantee fund; retries move nothing more; the fund still backs what is outstanding.
async fn circulation_and_redemption(postgres: bool) {
    use koinon_app::currency_redemption::{CirculationInput, RedemptionInput};
    let Some(f) = fixture(postgres).await else { return };
    let (h1, _) = funded(&f).await;
    let (till_a, a) = accredited(&f, "a@example.org", &["food"]).await;
    let (till_b, b) = accredited(&f, "b@example.org", &["food"]).await;
    let card = f.app.issue_card(&f.officer(), f.tenant, h1, "4821").await.expect("card");
    f.app
        .take_payment(&till_a, f.tenant, &pay(a.id, &uuid(1), &card.code, "4821", "60.00", "food"))
        .await
        .expect("request")
        .expect("paid");
    let before = f.app.currency(&f.officer(), f.tenant, f.currency).await.expect("currency");

    let to_b =
        |id: u32, amount: &str| CirculationInput { payment_id: uuid(id), to_merchant_id: b.id, amount: amount.into() };
    let c1 = f.app.pay_merchant(&till_a, f.tenant, a.id, &to_b(2, "20.00")).await.expect("circulation");
    assert_eq!(c1.amount_minor, 2_000);
    assert_eq!(f.app.pay_merchant(&till_a, f.tenant, a.id, &to_b(2, "20.00")).await.expect("retry"), c1);
    let err = f.app.pay_merchant(&till_a, f.tenant, a.id, &to_b(2, "21.00")).await.expect_err("other amount");
    assert_eq!(fields(&err), vec![("payment_id".to_string(), "already_exists")]);
    let err = f.app.pay_merchant(&till_a, f.tenant, a.id, &to_b(3, "40.01")).await.expect_err("too much");
    assert_eq!(fields(&err), vec![("amount".to_string(), "insufficient_balance")]);
    let err = f
        .app
        .pay_merchant(&till_a, f.tenant, a.id, &CirculationInput { to_merchant_id: a.id, ..to_b(4, "1.00") })
        .await
        .expect_err("itself");
    assert_eq!(fields(&err), vec![("to_merchant_id".to_string(), "merchant_not_accredited")]);
    assert!(matches!(f.app.pay_merchant(&till_b, f.tenant, a.id, &to_b(5, "1.00")).await, Err(AppError::NotFound(_))));
    assert_eq!(f.app.merchant_balance(&till_b, f.tenant, b.id).await.expect("b").balance_minor, 2_000);

    // Grama's rule: 1%, or 5% within 45 days of receiving the units.
    f.app
        .update_currency(
            &f.officer(),
            f.tenant,
            f.currency,
            &CurrencyInput {
                code: "GRAMA".into(),
                name: "Grama".into(),
                symbol: "G".into(),
                scale: Some(2),
                categories: "food, hygiene, cleaning".into(),
                decay: "none".into(),
                daily_spend_max: "150.00".into(),
                redemption_fee_bp: Some(100),
                early_redemption_fee_bp: Some(500),
                early_redemption_days: Some(45),
                ..CurrencyInput::default()
            },
        )
        .await
        .expect("fee");
    let request = RedemptionInput { request_id: uuid(20), amount: "10.00".into() };
    let r = f.app.redeem(&till_a, f.tenant, a.id, &request).await.expect("redeemed");
    assert_eq!((r.amount_minor, r.fee_minor, r.retired_minor, r.payout_eur_minor), (1_000, 50, 950, 950));
    assert_eq!(f.app.redeem(&till_a, f.tenant, a.id, &request).await.expect("retry"), r);
    let err = f
        .app
        .redeem(&till_a, f.tenant, a.id, &RedemptionInput { request_id: uuid(21), amount: "30.01".into() })
        .await
        .expect_err("too much");
    assert_eq!(fields(&err), vec![("amount".to_string(), "insufficient_balance")]);
    assert!(matches!(f.app.redeem(&f.officer(), f.tenant, a.id, &request).await, Err(AppError::Forbidden)));
    let bal = f.app.merchant_balance(&till_a, f.tenant, a.id).await.expect("balance");
    assert_eq!((bal.balance_minor, bal.recent_minor, bal.euro_minor), (3_000, 3_000, 950));
    let after = f.app.currency(&f.officer(), f.tenant, f.currency).await.expect("currency");
    assert_eq!(after.outstanding_minor, before.outstanding_minor - 950, "retired units are no longer outstanding");
    assert_eq!(after.fund_eur_minor, before.fund_eur_minor - 950, "the payout came from the fund");
    assert!(after.backed);
    let fees = f.app.ledger_account(&SYSTEM, f.tenant, &after.accounts.fees, None).await.expect("fees");
    assert_eq!(fees.credits_posted, 50);
    let check = koinon_app::ledger::check(&f.store).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circulation_and_redemption_on_sqlite() {
    circulation_and_redemption(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circulation_and_redemption_on_postgres() {
    circulation_and_redemption(true).await;
}
