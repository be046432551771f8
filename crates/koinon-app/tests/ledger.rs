//! The stored ledger on both backends: the model-based sequences (with concurrent batches),
//! a hot account hammered by 8 clients, expiry of holds, balances as of a past moment, and
//! `ledger check` catching a tampered balance.

#[path = "../../koinon-core/tests/support/ledger_model.rs"]
mod model;

use koinon_app::ledger::{NewAccountInput, TransferInput};
use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App};
use koinon_core::ledger::{Transfer, TransferResult, format_id};
use koinon_store::Store;
use model::{Gen, MTransfer, Model, accounts, random_transfer, to_transfer};

mod support;
use support::fresh_store as try_fresh_store;

const SYSTEM: Actor = Actor::System("test");

struct Fixture {
    app: App,
    store: Store,
    tenant: i64,
    _dir: Option<tempfile::TempDir>,
}

/// An empty, migrated store of the backend (`None` when PostgreSQL is not to be had and
/// not required).
async fn fresh_store(postgres: bool) -> (Store, Option<tempfile::TempDir>) {
    try_fresh_store(postgres).await.expect("a second store of the same backend")
}

async fn fixture(postgres: bool) -> Option<Fixture> {
    let (store, dir) = try_fresh_store(postgres).await?;
    let app = App::new(store.clone());
    let tenant = app
        .create_tenant(
            &SYSTEM,
            &NewTenantInput { code: "voru", name: "Võru", country: "EE", currency: "EUR", default_locale: "et" },
        )
        .await
        .expect("tenant")
        .id;
    assert_eq!(app.create_ledger(&SYSTEM, tenant, "EUR", "Euro", 2).await.expect("ledger").0.id, 1);
    assert_eq!(app.create_ledger(&SYSTEM, tenant, "GRAMA", "Grama", 2).await.expect("ledger").0.id, 2);
    Some(Fixture { app, store, tenant, _dir: dir })
}

fn flags_of(flags: u16) -> Vec<String> {
    koinon_core::ledger::AccountFlags(flags).names().into_iter().map(str::to_string).collect()
}

async fn create_model_accounts(f: &Fixture, n: u64) -> Model {
    let model = Model { accounts: accounts(n), ..Model::default() };
    let inputs: Vec<NewAccountInput> = model
        .accounts
        .iter()
        .map(|a| NewAccountInput {
            id: format_id(a.id),
            ledger: if a.ledger == 1 { "EUR".into() } else { "GRAMA".into() },
            code: "wallet".into(),
            owner: None,
            flags: flags_of(a.flags),
        })
        .collect();
    let results = f.app.create_accounts(&SYSTEM, f.tenant, &inputs).await.expect("accounts");
    assert!(results.iter().all(|r| r.result == "ok"), "{results:?}");
    model
}

async fn assert_agrees(f: &Fixture, model: &Model, context: &str) {
    for a in &model.accounts {
        let view = f.app.ledger_account(&SYSTEM, f.tenant, &format_id(a.id), None).await.expect("account");
        assert_eq!(
            (view.debits_pending, view.debits_posted, view.credits_pending, view.credits_posted),
            (a.dp, a.dpo, a.cp, a.cpo),
            "{context}: account {} differs",
            a.id
        );
    }
    assert!(model.conserved(), "{context}: model conservation");
    let report = koinon_app::ledger::check(&f.store).await.expect("check");
    assert!(report.ok, "{context}: ledger check: {:?}", report.problems);
}

async fn model_sequences(postgres: bool, sequences: u64) {
    const ACCOUNTS: u64 = 12;
    const GROUPS: u64 = 3;
    for seed in 1..=sequences {
        let Some(f) = fixture(postgres).await else { return };
        let mut model = create_model_accounts(&f, ACCOUNTS).await;
        let mut g = Gen::new(seed.wrapping_mul(0xA24B_AED4_963E_E407));
        for step in 0..8 {
            if g.chance(30) {
                // Concurrent batches on disjoint groups of accounts: any order gives the same.
                let mut batches = Vec::new();
                for group in 0..GROUPS {
                    let size = 1 + g.below(4) as usize;
                    let batch: Vec<MTransfer> =
                        (0..size).map(|_| random_transfer(&mut g, &model, group, GROUPS, ACCOUNTS)).collect();
                    batches.push(batch);
                }
                let futures = batches.iter().map(|b| {
                    let app = f.app.clone();
                    let real: Vec<Transfer> = b.iter().map(to_transfer).collect();
                    let tenant = f.tenant;
                    tokio::spawn(async move { app.submit_transfers(&SYSTEM, tenant, real).await })
                });
                let handles: Vec<_> = futures.collect();
                for (batch, handle) in batches.iter().zip(handles) {
                    let got = handle.await.expect("task").expect("submit");
                    let expected = model.apply_batch(batch);
                    assert_eq!(got, expected, "seed {seed} step {step} (concurrent): {batch:#?}");
                }
            } else {
                let size = 1 + g.below(6) as usize;
                let batch: Vec<MTransfer> =
                    (0..size).map(|_| random_transfer(&mut g, &model, 0, 1, ACCOUNTS)).collect();
                let expected = model.apply_batch(&batch);
                let got = f
                    .app
                    .submit_transfers(&SYSTEM, f.tenant, batch.iter().map(to_transfer).collect())
                    .await
                    .expect("submit");
                assert_eq!(got, expected, "seed {seed} step {step}: {batch:#?}");
            }
            assert_agrees(&f, &model, &format!("seed {seed} step {step}")).await;
        }
        // The check reads two halves of the time span side by side: holds opened in one and
        // posted or voided in the other must meet when the halves are joined.
        let report = koinon_app::ledger::check(&f.store).await.expect("check");
        assert!(report.ok, "seed {seed}: {:?}", report.problems);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_ledger_agrees_with_the_model_on_sqlite() {
    model_sequences(false, 150).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_ledger_agrees_with_the_model_on_postgres() {
    model_sequences(true, 40).await;
}

/// A fund, a wallet that may not go below zero and a shop on the EUR ledger: their ids.
async fn fund_wallet_and_shop(f: &Fixture) -> (String, String, String) {
    let fund = format_id(1);
    let wallet = format_id(2);
    let shop = format_id(3);
    let account = |id: &str, flags: &[&str]| NewAccountInput {
        id: id.into(),
        ledger: "EUR".into(),
        code: "wallet".into(),
        owner: None,
        flags: flags.iter().map(|s| s.to_string()).collect(),
    };
    let r = f
        .app
        .create_accounts(
            &SYSTEM,
            f.tenant,
            &[account(&fund, &[]), account(&wallet, &["debits_must_not_exceed_credits"]), account(&shop, &[])],
        )
        .await
        .expect("accounts");
    assert!(r.iter().all(|r| r.result == "ok"));
    (fund, wallet, shop)
}

async fn hot_account(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let (fund, wallet, shop) = fund_wallet_and_shop(&f).await;
    let fill = TransferInput {
        id: format_id(100),
        debit_account_id: Some(fund.clone()),
        credit_account_id: Some(wallet.clone()),
        amount: Some(10_000),
        ledger: Some("EUR".into()),
        code: "issuance".into(),
        ..TransferInput::default()
    };
    assert_eq!(f.app.create_transfers(&SYSTEM, f.tenant, &[fill]).await.expect("fill")[0].result, "ok");

    // 8 clients, each 60 operations: holds, payments, posts and voids of their own holds.
    let mut tasks = Vec::new();
    for client in 0..8u128 {
        let app = f.app.clone();
        let (wallet, shop, tenant) = (wallet.clone(), shop.clone(), f.tenant);
        tasks.push(tokio::spawn(async move {
            let mut ok_amount = 0i64;
            let mut holds = Vec::new();
            for n in 0..60u128 {
                let id = 1_000_000 + client * 1_000 + n;
                let amount = 1 + ((id * 7919) % 97) as i64;
                let input = match n % 4 {
                    0 => TransferInput {
                        id: format_id(id),
                        debit_account_id: Some(wallet.clone()),
                        credit_account_id: Some(shop.clone()),
                        amount: Some(amount),
                        ledger: Some("EUR".into()),
                        code: "hold".into(),
                        flags: vec!["pending".into()],
                        timeout_s: Some(3_600),
                        ..TransferInput::default()
                    },
                    1 | 3 if !holds.is_empty() => {
                        let (hold_id, _) = holds.remove(0);
                        TransferInput {
                            id: format_id(id),
                            pending_id: Some(format_id(hold_id)),
                            code: "settle".into(),
                            flags: vec![if n % 4 == 1 { "post_pending".into() } else { "void_pending".into() }],
                            ..TransferInput::default()
                        }
                    }
                    _ => TransferInput {
                        id: format_id(id),
                        debit_account_id: Some(wallet.clone()),
                        credit_account_id: Some(shop.clone()),
                        amount: Some(amount),
                        ledger: Some("EUR".into()),
                        code: "payment".into(),
                        ..TransferInput::default()
                    },
                };
                let is_hold = input.flags.first().is_some_and(|f| f == "pending");
                let is_post = input.flags.first().is_some_and(|f| f == "post_pending");
                let pending_amount = input.amount.unwrap_or(0);
                let result = app.create_transfers(&SYSTEM, tenant, &[input]).await.expect("transfer")[0].result;
                assert!(matches!(result, "ok" | "exceeds_credits"), "unexpected {result}");
                if result == "ok" {
                    if is_hold {
                        holds.push((id, pending_amount));
                    } else if !is_post && pending_amount > 0 {
                        ok_amount += pending_amount;
                    }
                }
            }
            ok_amount
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
    let w = f.app.ledger_account(&SYSTEM, f.tenant, &wallet, None).await.expect("wallet");
    assert!(w.debits_posted + w.debits_pending <= w.credits_posted, "wallet below zero: {w:?}");
    assert_eq!(w.credits_posted, 10_000);
    let s = f.app.ledger_account(&SYSTEM, f.tenant, &shop, None).await.expect("shop");
    assert_eq!(s.credits_posted, w.debits_posted, "what left the wallet arrived at the shop");
    assert_eq!(s.credits_pending, w.debits_pending);
    let report = koinon_app::ledger::check(&f.store).await.expect("check");
    assert!(report.ok, "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_wallet_never_goes_below_zero_on_sqlite() {
    hot_account(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_wallet_never_goes_below_zero_on_postgres() {
    hot_account(true).await;
}

async fn expiry_history_and_check(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let _model = create_model_accounts(&f, 4).await;
    let (a, b, c) = (format_id(1), format_id(3), format_id(2));
    let t = |id: u128, debit: &str, credit: &str, amount: i64, flags: &[&str], timeout: i64| TransferInput {
        id: format_id(id),
        debit_account_id: Some(debit.into()),
        credit_account_id: Some(credit.into()),
        amount: Some(amount),
        ledger: Some("GRAMA".into()),
        code: "test".into(),
        flags: flags.iter().map(|s| s.to_string()).collect(),
        timeout_s: Some(timeout),
        ..TransferInput::default()
    };
    let r = f.app.create_transfers(&SYSTEM, f.tenant, &[t(10, &a, &b, 500, &[], 0)]).await.expect("t");
    assert_eq!(r[0].result, "ok");
    let before_hold = koinon_app::App::now_us();
    let r = f.app.create_transfers(&SYSTEM, f.tenant, &[t(11, &b, &a, 200, &["pending"], 1)]).await.expect("hold");
    assert_eq!(r[0].result, "ok");
    let held = f.app.ledger_account(&SYSTEM, f.tenant, &b, None).await.expect("b");
    assert_eq!((held.debits_pending, held.credits_posted), (200, 500));
    tokio::time::sleep(std::time::Duration::from_millis(1_300)).await;
    // The next batch (on other accounts) lets the ledger void the expired hold first.
    let r = f.app.create_transfers(&SYSTEM, f.tenant, &[t(12, &a, &c, 1, &[], 0)]).await;
    assert!(r.is_ok());
    let after = f.app.ledger_account(&SYSTEM, f.tenant, &b, None).await.expect("b");
    assert_eq!(after.debits_pending, 0, "the expired hold released exactly its amount");
    let post = TransferInput {
        id: format_id(13),
        pending_id: Some(format_id(11)),
        code: "test".into(),
        flags: vec!["post_pending".into()],
        ..TransferInput::default()
    };
    assert_eq!(
        f.app.create_transfers(&SYSTEM, f.tenant, &[post]).await.expect("post")[0].result,
        "pending_transfer_expired"
    );
    // History: as of just before the hold, nothing was pending.
    let then = f.app.ledger_account(&SYSTEM, f.tenant, &b, Some(before_hold)).await.expect("as of");
    assert_eq!((then.debits_pending, then.credits_posted), (0, 500));
    let statement = f.app.account_statement(&SYSTEM, f.tenant, &b, None, Some(10)).await.expect("statement");
    assert_eq!(statement.items.len(), 3, "payment, hold and its expiry void");
    assert_eq!(statement.items[2].code, "expired");
    assert!(koinon_app::ledger::check(&f.store).await.expect("check").ok);

    // A backup restored elsewhere answers the same statement and history (on SQLite, from a
    // postings index rebuilt on restore).
    let mut backup = Vec::new();
    koinon_store::dump::backup(&f.store, &mut backup).await.expect("backup");
    let copy = fresh_store(postgres).await;
    koinon_store::dump::restore(&copy.0, backup.as_slice()).await.expect("restore");
    let restored = App::new(copy.0.clone());
    let again = restored.account_statement(&SYSTEM, f.tenant, &b, None, Some(10)).await.expect("statement");
    assert_eq!(again.items, statement.items);
    let then_again = restored.ledger_account(&SYSTEM, f.tenant, &b, Some(before_hold)).await.expect("as of");
    assert_eq!(then_again, then);
    let report = koinon_app::ledger::check(&copy.0).await.expect("check the copy");
    assert!(report.ok, "{:?}", report.problems);
    let original = koinon_app::ledger::check(&f.store).await.expect("check");
    assert_eq!((report.transfers, report.accounts), (original.transfers, original.accounts));
    assert!(report.transfers >= 3, "payment, hold and its expiry void: {report:?}");

    // Someone edits a balance in the database: check names the account.
    let mut tx = f.store.begin().await.expect("tx");
    match tx.db() {
        koinon_store::Db::Sqlite(c) => {
            sqlx::query("UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = $1")
                .bind(koinon_store::ledger::id_bytes(1))
                .execute(&mut *c)
                .await
                .expect("tamper");
        }
        koinon_store::Db::Postgres(c) => {
            sqlx::query("UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = $1")
                .bind(koinon_store::ledger::id_bytes(1))
                .execute(&mut *c)
                .await
                .expect("tamper");
        }
    }
    tx.commit().await.expect("commit");
    let report = koinon_app::ledger::check(&f.store).await.expect("check");
    assert!(!report.ok);
    assert!(report.problems.iter().any(|p| p.contains(&a)), "{:?}", report.problems);
    assert_eq!(TransferResult::Ok.as_str(), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_expire_history_is_kept_and_check_finds_tampering_on_sqlite() {
    expiry_history_and_check(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_expire_history_is_kept_and_check_finds_tampering_on_postgres() {
    expiry_history_and_check(true).await;
}

/// Batches racing each other through the pipelined writer, from two apps (two writers) on
/// one database: a hold posted and voided at once, and the same transfer sent twice at once.
/// Whichever group they land in, exactly one of each pair takes effect, the balances add up,
/// and `ledger check` passes.
async fn racing_batches(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let second = App::new(f.store.clone());
    let (fund, wallet, shop) = fund_wallet_and_shop(&f).await;
    let transfer = |id: u128, amount: i64, flags: &[&str]| TransferInput {
        id: format_id(id),
        debit_account_id: Some(wallet.clone()),
        credit_account_id: Some(shop.clone()),
        amount: Some(amount),
        ledger: Some("EUR".into()),
        code: "payment".into(),
        flags: flags.iter().map(|s| s.to_string()).collect(),
        timeout_s: flags.contains(&"pending").then_some(3_600),
        ..TransferInput::default()
    };
    let fill = TransferInput {
        debit_account_id: Some(fund.clone()),
        credit_account_id: Some(wallet.clone()),
        code: "issuance".into(),
        ..transfer(100, 1_000_000, &[])
    };
    assert_eq!(f.app.create_transfers(&SYSTEM, f.tenant, &[fill]).await.expect("fill")[0].result, "ok");

    const HOLDS: u128 = 120;
    let holds: Vec<TransferInput> = (0..HOLDS).map(|n| transfer(1_000 + n, 10 + n as i64, &["pending"])).collect();
    for r in f.app.create_transfers(&SYSTEM, f.tenant, &holds).await.expect("holds") {
        assert_eq!(r.result, "ok");
    }
    let apps = [f.app.clone(), second.clone()];
    let mut tasks = Vec::new();
    for n in 0..HOLDS {
        // A post and a void of the same hold, and one payment sent twice, all at once.
        let settle = |id: u128, flag: &str| TransferInput {
            id: format_id(id),
            pending_id: Some(format_id(1_000 + n)),
            code: "settle".into(),
            flags: vec![flag.into()],
            ..TransferInput::default()
        };
        let inputs = [
            settle(10_000 + n, "post_pending"),
            settle(20_000 + n, "void_pending"),
            transfer(30_000 + n, 1, &[]),
            transfer(30_000 + n, 1, &[]),
        ];
        for (k, input) in inputs.into_iter().enumerate() {
            // Both of a pair go through one writer (where its overlay must tell), and
            // every third pair through the other (where the head check must).
            let app = apps[usize::from(n % 3 == 0)].clone();
            let tenant = f.tenant;
            // Spread over a few milliseconds, so that the two of a pair often land in
            // different groups: one committing while the other is planned.
            let delay = std::time::Duration::from_micros(n as u64 * 200 + k as u64 * 1_500);
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                (n, k, app.create_transfers(&SYSTEM, tenant, &[input]).await.expect("transfer")[0].result)
            }));
        }
    }
    let mut results = vec![["".to_string(), String::new(), String::new(), String::new()]; HOLDS as usize];
    for t in tasks {
        let (n, k, result) = t.await.expect("client");
        results[n as usize][k] = result.to_string();
    }
    let mut posted = 0i64;
    for (n, r) in results.iter().enumerate() {
        let settled = [r[0].as_str(), r[1].as_str()];
        match settled {
            ["ok", "pending_transfer_already_posted"] => posted += 10 + n as i64,
            ["pending_transfer_already_voided", "ok"] => {}
            other => panic!("hold {n}: exactly one of post and void must take effect, got {other:?}"),
        }
        let mut sent = [r[2].as_str(), r[3].as_str()];
        sent.sort_unstable();
        assert_eq!(sent, ["exists", "ok"], "payment {n} sent twice must pay once");
    }
    let w = f.app.ledger_account(&SYSTEM, f.tenant, &wallet, None).await.expect("wallet");
    assert_eq!(w.debits_pending, 0, "every hold was settled once");
    assert_eq!(w.debits_posted, posted + HOLDS as i64);
    let s = second.ledger_account(&SYSTEM, f.tenant, &shop, None).await.expect("shop");
    assert_eq!(s.credits_posted, posted + HOLDS as i64);
    assert_eq!(s.credits_pending, 0);
    second.shutdown().await;
    let report = koinon_app::ledger::check(&f.store).await.expect("check");
    assert!(report.ok, "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_batches_take_effect_once_on_sqlite() {
    racing_batches(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_batches_take_effect_once_on_postgres() {
    racing_batches(true).await;
}
