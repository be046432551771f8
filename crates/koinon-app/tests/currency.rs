//! A municipal e-currency on both backends: defining it with every bad field named, household
//! lists from CSV and XLSX refused whole with errors by row, issuance runs prepared by an
//! officer and approved by someone else that post exact amounts to wallets in one chain,
//! and a run the guarantee fund cannot back refused without changing anything.

use koinon_app::currency::{CurrencyInput, HouseholdStatus, ProgrammeInput};
use koinon_app::ledger::TransferInput;
use koinon_app::outcome_files::ImportFile;
use koinon_app::tenants::NewTenantInput;
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
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    fn user(&self, user_id: i64, role: Role) -> Actor {
        Actor::User(Subject { user_id, tenant_id: self.tenant, role, organisation_id: None })
    }
    fn officer(&self) -> Actor {
        self.user(10, Role::Officer)
    }
    fn approver(&self) -> Actor {
        self.user(11, Role::Approver)
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
    Some(Fixture { app, store, tenant, _dir: dir })
}

fn grama() -> CurrencyInput {
    CurrencyInput {
        code: "grama".into(),
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
        daily_spend_max: "300".into(),
        ..CurrencyInput::default()
    }
}

fn programme(currency_id: i64, auto_backing: bool) -> ProgrammeInput {
    ProgrammeInput {
        currency_id,
        name: "Social aid in grames".into(),
        start_on: "2026-01-01".into(),
        end_on: "2026-12-31".into(),
        budget: "100000.00".into(),
        base_amount: "100.00".into(),
        per_member_amount: "50.00".into(),
        household_cap: "300.00".into(),
        auto_backing,
    }
}

fn fields(e: &AppError) -> Vec<(String, &'static str)> {
    e.field_errors().into_iter().map(|f| (f.field, f.code)).collect()
}

fn csv(text: &str) -> ImportFile {
    ImportFile::read("households", "file", "households.csv", text.as_bytes().to_vec(), None).expect("file")
}

const HOUSEHOLDS: &str = "household,size,eligible_from,eligible_to,locale,contact\n\
SC-0001,1,2026-01-01,,es,+34600000001\n\
SC-0002,3,2026-01-01,,el,\n\
SC-0003,4,2026-01-01,2026-01-31,,\n\
SC-0004,8,2026-02-01,,bg,sc4@example.org\n";

async fn wallet_balance(f: &Fixture, wallet: &str) -> i64 {
    let a = f.app.ledger_account(&SYSTEM, f.tenant, wallet, None).await.expect("wallet");
    a.credits_posted - a.debits_posted
}

async fn audit_len(f: &Fixture) -> usize {
    f.app.audit_page(&SYSTEM, f.tenant, None, Some(200)).await.expect("audit").items.len()
}

async fn define_and_import(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();

    // Every bad field named at once; nothing stored.
    let bad = CurrencyInput {
        code: "EUR".into(),
        symbol: "TOO-LONG-SYMBOL".into(),
        rate: "one".into(),
        categories: "food,food".into(),
        early_redemption_fee_bp: Some(500),
        early_redemption_days: None,
        decay: "demurrage".into(),
        demurrage_bp: Some(20_000),
        wallet_balance_max: "-5".into(),
        ..grama()
    };
    let err = f.app.define_currency(&officer, f.tenant, &bad).await.expect_err("bad currency");
    let named: Vec<String> = fields(&err).into_iter().map(|(f, _)| f).collect();
    for field in ["code", "symbol", "rate", "categories", "early_redemption_days", "demurrage_bp", "wallet_balance_max"] {
        assert!(named.iter().any(|n| n == field), "{field} not named in {named:?}");
    }
    assert!(f.app.list_currencies(&officer, f.tenant).await.expect("list").is_empty());
    let err = f.app.define_currency(&f.approver(), f.tenant, &grama()).await.expect_err("approvers do not define");
    assert!(matches!(err, AppError::Forbidden));

    let c = f.app.define_currency(&officer, f.tenant, &grama()).await.expect("grama");
    assert_eq!((c.code.as_str(), c.scale, c.rate.as_str()), ("GRAMA", 2, "1:1"));
    assert_eq!(c.categories, ["food", "hygiene", "cleaning"]);
    assert_eq!((c.wallet_balance_max_minor, c.daily_spend_max_minor), (Some(100_000), Some(30_000)));
    assert!(c.backed && c.fund_eur_minor == 0 && c.outstanding_minor == 0);
    let err = f.app.define_currency(&officer, f.tenant, &grama()).await.expect_err("twice");
    assert_eq!(fields(&err), vec![("code".to_string(), "already_exists")]);
    // The rules change; the code does not.
    let changed = f
        .app
        .update_currency(&officer, f.tenant, c.id, &CurrencyInput { categories: "food,school_supplies".into(), ..grama() })
        .await
        .expect("update");
    assert_eq!(changed.categories, ["food", "school_supplies"]);
    let err = f
        .app
        .update_currency(&officer, f.tenant, c.id, &CurrencyInput { scale: Some(0), wallet_balance_max: String::new(), daily_spend_max: String::new(), ..grama() })
        .await
        .expect_err("scale is fixed");
    assert_eq!(fields(&err), vec![("scale".to_string(), "scale_fixed")]);

    let err = f
        .app
        .create_programme(&officer, f.tenant, &ProgrammeInput { household_cap: "50.00".into(), end_on: "2025-01-01".into(), ..programme(c.id, false) })
        .await
        .expect_err("bad programme");
    let named: Vec<String> = fields(&err).into_iter().map(|(f, _)| f).collect();
    assert!(named.contains(&"end_on".to_string()) && named.contains(&"household_cap".to_string()), "{named:?}");
    let p = f.app.create_programme(&officer, f.tenant, &programme(c.id, false)).await.expect("programme");

    // A file with problems: the preview names each row and column, the commit refuses it all.
    let broken = "household,size,eligible_from,locale\n\
                  SC-0001,1,2026-01-01,es\n\
                  SC-0002,zero,2026-01-01,\n\
                  SC-0003,2,2026-02-30,\n\
                  SC-0001,2,2026-01-01,\n";
    let preview = f.app.preview_households(&officer, f.tenant, p.id, &csv(broken)).await.expect("preview");
    assert_eq!((preview.new, preview.rejected), (1, 3));
    let rejected: Vec<(u64, Option<&str>, Option<&str>)> = preview
        .rows
        .iter()
        .filter(|r| r.status == HouseholdStatus::Rejected)
        .map(|r| (r.line, r.column.as_deref(), r.code))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (3, Some("size"), Some("invalid_size")),
            (4, Some("eligible_from"), Some("invalid_date")),
            (5, Some("household"), Some("duplicate_household"))
        ]
    );
    let before = audit_len(&f).await;
    let err = f.app.commit_households(&officer, f.tenant, p.id, &csv(broken)).await.expect_err("refused");
    assert_eq!(
        fields(&err),
        vec![
            ("line 3 size".to_string(), "invalid_size"),
            ("line 4 eligible_from".to_string(), "invalid_date"),
            ("line 5 household".to_string(), "duplicate_household")
        ]
    );
    assert!(f.app.programme_households(&officer, f.tenant, p.id).await.expect("list").is_empty());
    assert_eq!(audit_len(&f).await, before, "a refused import writes nothing");
    let err = f.app.commit_households(&officer, f.tenant, p.id, &csv("household,size\nA,1\n")).await.expect_err("header");
    assert_eq!(fields(&err), vec![("line 1 eligible_from".to_string(), "missing_column")].into_iter().map(|(a, b)| (a.replace(" eligible_from", ""), b)).collect::<Vec<_>>());

    // A clean file goes in; again it changes nothing; a changed row is an update.
    let done = f.app.commit_households(&officer, f.tenant, p.id, &csv(HOUSEHOLDS)).await.expect("commit");
    assert!(done.committed);
    assert_eq!((done.new, done.updated, done.unchanged), (4, 0, 0));
    let again = f.app.commit_households(&officer, f.tenant, p.id, &csv(HOUSEHOLDS)).await.expect("again");
    assert_eq!((again.new, again.updated, again.unchanged), (0, 0, 4));
    let list = f.app.programme_households(&officer, f.tenant, p.id).await.expect("list");
    assert_eq!(list.iter().map(|h| h.monthly_minor).collect::<Vec<_>>(), vec![10_000, 20_000, 25_000, 30_000]);

    // The same rows from a worksheet: errors by worksheet row.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("households").expect("name");
    let rows = [["household", "size", "eligible_from"], ["SC-0005", "2", "2026-03-01"], ["SC-0006", "-1", "2026-03-01"]];
    for (r, row) in rows.iter().enumerate() {
        for (col, v) in row.iter().enumerate() {
            let (r, col) = (u32::try_from(r + 2).expect("row"), u16::try_from(col).expect("col"));
            sheet.write_string(r, col, *v).expect("cell");
        }
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    let file = ImportFile::read("households", "file", "list.xlsx", bytes, None).expect("workbook");
    let err = f.app.commit_households(&officer, f.tenant, p.id, &file).await.expect_err("row 5");
    assert_eq!(fields(&err), vec![("row 5 size".to_string(), "invalid_size")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn define_and_import_on_sqlite() {
    define_and_import(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn define_and_import_on_postgres() {
    define_and_import(true).await;
}

async fn issuance_four_eyes(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let c = f.app.define_currency(&officer, f.tenant, &grama()).await.expect("grama");
    let p = f.app.create_programme(&officer, f.tenant, &programme(c.id, true)).await.expect("programme");
    f.app.commit_households(&officer, f.tenant, p.id, &csv(HOUSEHOLDS)).await.expect("households");

    // January: SC-0001 (1 person) 100, SC-0002 (3) 200, SC-0003 (4) 250; SC-0004 starts in February.
    let preview = f.app.preview_issuance(&officer, f.tenant, p.id, "2026-01").await.expect("preview");
    assert_eq!(preview.lines.iter().map(|l| l.amount_minor).collect::<Vec<_>>(), vec![10_000, 20_000, 25_000]);
    assert_eq!((preview.total_minor, preview.not_eligible, preview.backing_needed_eur_minor), (55_000, 1, 55_000));
    assert_eq!(preview.refusal, None);
    let err = f.app.preview_issuance(&officer, f.tenant, p.id, "2026-1").await.expect_err("month");
    assert_eq!(fields(&err), vec![("month".to_string(), "invalid_month")]);
    let err = f.app.prepare_issuance(&officer, f.tenant, p.id, "2027-01").await.expect_err("outside");
    assert_eq!(fields(&err), vec![("month".to_string(), "outside_programme")]);

    let run = f.app.prepare_issuance(&officer, f.tenant, p.id, "2026-01").await.expect("prepared");
    assert_eq!((run.state.as_str(), run.total_minor, run.households), ("prepared", 55_000, 3));
    let err = f.app.prepare_issuance(&officer, f.tenant, p.id, "2026-01").await.expect_err("twice");
    assert_eq!(fields(&err), vec![("month".to_string(), "already_exists")]);

    // Four eyes: the officer may not approve; one who prepared may never approve their own.
    assert!(matches!(f.app.approve_issuance(&officer, f.tenant, run.id).await, Err(AppError::Forbidden)));
    let cli = Actor::System("cli");
    let own = f.app.prepare_issuance(&cli, f.tenant, p.id, "2026-02").await.expect("cli prepares");
    let err = f.app.approve_issuance(&cli, f.tenant, own.id).await.expect_err("same person");
    assert_eq!(fields(&err), vec![("approved_by".to_string(), "preparer_cannot_approve")]);
    assert_eq!(f.app.issuance_run(&officer, f.tenant, own.id).await.expect("run").state, "prepared");

    let posted = f.app.approve_issuance(&f.approver(), f.tenant, run.id).await.expect("approved");
    assert_eq!(posted.state, "posted");
    assert_eq!(posted.backing_eur_minor, 55_000);
    assert_eq!(posted.notifications, 3);
    for line in &posted.lines {
        assert_eq!(wallet_balance(&f, line.wallet.as_deref().expect("wallet")).await, line.amount_minor);
    }
    let c2 = f.app.currency(&officer, f.tenant, c.id).await.expect("currency");
    assert_eq!((c2.outstanding_minor, c2.fund_eur_minor, c2.backed), (55_000, 55_000, true));
    // Approving again posts nothing more.
    let err = f.app.approve_issuance(&f.approver(), f.tenant, run.id).await.expect_err("posted");
    assert_eq!(fields(&err), vec![("state".to_string(), "run_not_prepared")]);

    // February (prepared by the CLI operator) approved by the approver: SC-0003 left, SC-0004 (8) capped at 300.
    let feb = f.app.approve_issuance(&f.approver(), f.tenant, own.id).await.expect("february");
    assert_eq!(feb.lines.iter().map(|l| l.amount_minor).collect::<Vec<_>>(), vec![10_000, 20_000, 30_000]);
    let first = &posted.lines[0];
    assert_eq!(wallet_balance(&f, first.wallet.as_deref().expect("wallet")).await, 20_000);
    let check = koinon_app::ledger::check(&f.store).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);
    assert_eq!(check.currencies, 1);
    let p2 = f.app.programme(&officer, f.tenant, p.id).await.expect("programme");
    assert_eq!((p2.issued_minor, p2.budget_left_minor), (115_000, 10_000_000 - 115_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuance_four_eyes_on_sqlite() {
    issuance_four_eyes(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuance_four_eyes_on_postgres() {
    issuance_four_eyes(true).await;
}

async fn backing_refusal(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let c = f.app.define_currency(&officer, f.tenant, &grama()).await.expect("grama");
    let p = f.app.create_programme(&officer, f.tenant, &programme(c.id, false)).await.expect("programme");
    f.app.commit_households(&officer, f.tenant, p.id, &csv(HOUSEHOLDS)).await.expect("households");

    // Without euros in the fund nothing can be prepared.
    let preview = f.app.preview_issuance(&officer, f.tenant, p.id, "2026-01").await.expect("preview");
    assert_eq!(preview.refusal, Some("not_backed"));
    let err = f.app.prepare_issuance(&officer, f.tenant, p.id, "2026-01").await.expect_err("unbacked");
    assert_eq!(fields(&err), vec![("backing".to_string(), "not_backed")]);
    let err = f.app.fund_guarantee(&officer, f.tenant, c.id, "12.345", "fund-1").await.expect_err("cents");
    assert_eq!(fields(&err), vec![("amount_eur".to_string(), "too_many_decimals")]);

    // 800 euros back January (550) or February (600), not both.
    let funded = f.app.fund_guarantee(&officer, f.tenant, c.id, "800.00", "fund-1").await.expect("funded");
    assert_eq!(funded.fund_eur_minor, 80_000);
    let again = f.app.fund_guarantee(&officer, f.tenant, c.id, "800.00", "fund-1").await.expect("same request");
    assert_eq!(again.fund_eur_minor, 80_000, "the same request funds once");
    let jan = f.app.prepare_issuance(&officer, f.tenant, p.id, "2026-01").await.expect("january");
    let feb = f.app.prepare_issuance(&officer, f.tenant, p.id, "2026-02").await.expect("february");
    f.app.approve_issuance(&f.approver(), f.tenant, jan.id).await.expect("january posted");

    let before_currency = f.app.currency(&officer, f.tenant, c.id).await.expect("currency");
    let before_audit = audit_len(&f).await;
    let err = f.app.approve_issuance(&f.approver(), f.tenant, feb.id).await.expect_err("not backed");
    assert_eq!(fields(&err), vec![("backing".to_string(), "not_backed")]);
    assert!(err.to_string().contains("GRAMA"), "{err}");
    assert_eq!(f.app.currency(&officer, f.tenant, c.id).await.expect("currency"), before_currency);
    assert_eq!(audit_len(&f).await, before_audit, "a refused approval writes nothing");
    let feb_after = f.app.issuance_run(&officer, f.tenant, feb.id).await.expect("run");
    assert_eq!(feb_after.state, "prepared");
    assert_eq!(feb_after.notifications, 0);
    for line in &feb_after.lines {
        if line.household == "SC-0004" {
            assert!(f.app.ledger_account(&SYSTEM, f.tenant, line.wallet.as_deref().expect("w"), None).await.is_err());
        }
    }

    // More euros, and February posts.
    f.app.fund_guarantee(&officer, f.tenant, c.id, "350.00", "fund-2").await.expect("funded");
    f.app.approve_issuance(&f.approver(), f.tenant, feb.id).await.expect("february posted");
    assert!(koinon_app::ledger::check(&f.store).await.expect("check").ok);

    // Euros taken out of the fund behind the currency's back: `ledger check` names the currency.
    let view = f.app.currency(&officer, f.tenant, c.id).await.expect("currency");
    let out = TransferInput {
        id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
        debit_account_id: Some(view.accounts.guarantee_fund.clone()),
        credit_account_id: Some(view.accounts.budget.clone()),
        amount: Some(50_000),
        ledger: Some("EUR".into()),
        code: "withdrawal".into(),
        ..TransferInput::default()
    };
    let r = f.app.create_transfers(&SYSTEM, f.tenant, &[out]).await.expect("transfer");
    assert_eq!(r[0].result, "ok");
    let check = koinon_app::ledger::check(&f.store).await.expect("check");
    assert!(!check.ok);
    assert!(check.problems.iter().any(|p| p.starts_with("currency GRAMA") && p.contains("not backed")), "{:?}", check.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backing_refusal_changes_nothing_on_sqlite() {
    backing_refusal(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backing_refusal_changes_nothing_on_postgres() {
    backing_refusal(true).await;
}
