//! `koinon ledger check` and `koinon ledger bench`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use koinon_app::ledger::NewAccountInput;
use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App};
use koinon_core::ledger::{AccountFlags, BATCH_MAX, Id, Transfer, TransferFlags, TransferResult, format_id};
use koinon_store::{Store, StoreConfig};
use sha2::{Digest, Sha256};

const BENCH: Actor = Actor::System("bench");
/// Most concurrent clients `ledger bench` runs.
pub const CLIENTS_MAX: usize = 64;

/// A fast deterministic stream of random-looking 128-bit ids (like UUIDv4s).
fn id_stream(seed: &str, n: u64) -> Id {
    let digest = Sha256::new().chain_update(seed.as_bytes()).chain_update(n.to_be_bytes()).finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(bytes).max(1)
}

struct Progress {
    label: &'static str,
    total: u64,
    shown: bool,
    started: Instant,
}

impl Progress {
    fn new(label: &'static str, total: u64) -> Self {
        Self { label, total, shown: std::io::stderr().is_terminal(), started: Instant::now() }
    }

    fn set(&self, done: u64) {
        if self.shown {
            let rate = done as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
            eprint!("\r{}: {done}/{} ({:.0}/s)   ", self.label, self.total, rate);
        }
    }

    fn finish(&self) {
        if self.shown {
            eprintln!();
        }
    }
}

#[derive(Debug, serde::Serialize)]
pub struct BenchReport {
    pub backend: &'static str,
    pub transfers: u64,
    pub batch: usize,
    pub accounts: u64,
    pub clients: usize,
    pub seconds: f64,
    pub transfers_per_s: f64,
    pub ok: u64,
    pub durable: bool,
    pub baseline: BaselineReport,
    pub ratio: f64,
    pub check_seconds: f64,
    pub check_ok: bool,
}

#[derive(Debug, serde::Serialize)]
pub struct BaselineReport {
    pub method: &'static str,
    pub transfers: u64,
    pub seconds: f64,
    pub transfers_per_s: f64,
}

pub struct BenchArgs {
    pub transfers: u64,
    pub batch: usize,
    pub accounts: u64,
    pub baseline_transfers: u64,
    pub clients: usize,
    pub database_url: Option<String>,
}

pub async fn bench(args: BenchArgs) -> anyhow::Result<BenchReport> {
    anyhow::ensure!((1..=BATCH_MAX).contains(&args.batch), "--batch must be 1 to {BATCH_MAX}");
    anyhow::ensure!(args.accounts >= 2, "--accounts must be at least 2");
    anyhow::ensure!(args.transfers >= 1, "--transfers must be at least 1");
    anyhow::ensure!((1..=CLIENTS_MAX).contains(&args.clients), "--clients must be 1 to {CLIENTS_MAX}");
    let dir = tempfile_dir()?;
    let config = StoreConfig::new(dir.path(), args.database_url.clone());
    let store = Store::open(&config).await.context("opening the bench database")?;
    let app = App::new(store.clone());
    let run = format!("b{}", App::now_us() % 1_000_000_000);
    let tenant = app
        .create_tenant(
            &BENCH,
            &NewTenantInput { code: &run, name: "Ledger bench", country: "EE", currency: "EUR", default_locale: "en" },
        )
        .await?
        .id;
    let ledger = app.create_ledger(&BENCH, tenant, "EUR", "Euro", 2).await?.0.id;

    // Accounts: one fund, and wallets that may not go below zero.
    let fund = id_stream(&run, u64::MAX);
    let wallets: Vec<Id> = (0..args.accounts).map(|i| id_stream(&format!("{run}-account"), i)).collect();
    let mut inputs = vec![NewAccountInput {
        id: format_id(fund),
        ledger: "EUR".into(),
        code: "bank".into(),
        owner: None,
        flags: vec![],
    }];
    inputs.extend(wallets.iter().map(|id| NewAccountInput {
        id: format_id(*id),
        ledger: "EUR".into(),
        code: "wallet".into(),
        owner: None,
        flags: vec!["debits_must_not_exceed_credits".into()],
    }));
    for chunk in inputs.chunks(BATCH_MAX) {
        app.create_accounts(&BENCH, tenant, chunk).await?;
    }
    // Fund every wallet (not timed).
    let funding: Vec<Transfer> = wallets
        .iter()
        .enumerate()
        .map(|(i, w)| plain_transfer(ledger, id_stream(&format!("{run}-fund"), i as u64), fund, *w, 1_000_000_000))
        .collect();
    for chunk in funding.chunks(BATCH_MAX) {
        app.submit_transfers(&BENCH, tenant, chunk.to_vec()).await?;
    }

    // The timed run: clients take the next batch number, submit it through the group-commit
    // writer and wait until it is durable before taking another.
    let progress = Arc::new(Progress::new("ledger bench", args.transfers));
    let batches = args.transfers.div_ceil(args.batch as u64);
    let next_batch = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let wallets = Arc::new(wallets);
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..args.clients {
        let (app, run, wallets) = (app.clone(), run.clone(), wallets.clone());
        let (next_batch, done, progress) = (next_batch.clone(), done.clone(), progress.clone());
        let (size, total) = (args.batch as u64, args.transfers);
        clients.spawn(async move {
            let mut ok = 0u64;
            loop {
                let k = next_batch.fetch_add(1, Ordering::Relaxed);
                if k >= batches {
                    return Ok::<u64, anyhow::Error>(ok);
                }
                let first = k * size + 1;
                let last = (first + size - 1).min(total);
                let batch: Vec<Transfer> = (first..=last).map(|n| bench_transfer(&run, n, &wallets, ledger)).collect();
                let results = app.submit_transfers(&BENCH, tenant, batch).await?;
                ok += results.iter().filter(|r| **r == TransferResult::Ok).count() as u64;
                progress.set(done.fetch_add(last - first + 1, Ordering::Relaxed) + last - first + 1);
            }
        });
    }
    let mut ok = 0u64;
    while let Some(client) = clients.join_next().await {
        ok += client.context("a bench client stopped")??;
    }
    let seconds = started.elapsed().as_secs_f64();
    progress.finish();

    let check_started = Instant::now();
    let check = koinon_app::ledger::check(&store).await?;
    let check_seconds = check_started.elapsed().as_secs_f64();

    let baseline_n = args.baseline_transfers.min(args.transfers);
    let baseline = naive_baseline(&store, tenant, ledger, &wallets, baseline_n, &run).await?;
    let transfers_per_s = args.transfers as f64 / seconds;
    app.shutdown().await;
    store.close().await;
    Ok(BenchReport {
        backend: store.backend().as_str(),
        transfers: args.transfers,
        batch: args.batch,
        accounts: args.accounts,
        clients: args.clients,
        seconds,
        transfers_per_s,
        ok,
        durable: true,
        ratio: transfers_per_s / baseline.transfers_per_s.max(1e-9),
        baseline,
        check_seconds,
        check_ok: check.ok,
    })
}

fn plain_transfer(ledger: i64, id: Id, debit: Id, credit: Id, amount: i64) -> Transfer {
    Transfer {
        id,
        debit_account_id: debit,
        credit_account_id: credit,
        amount,
        ledger,
        code: "bench".into(),
        reference: None,
        flags: TransferFlags(0),
        pending_id: None,
        timeout_s: 0,
        timestamp: 0,
    }
}

/// The bench's `n`th transfer: between two wallets drawn from `n`, with a time-ordered id
/// (like a UUIDv7, so the id index grows at its end).
fn bench_transfer(run: &str, n: u64, wallets: &[Id], ledger: i64) -> Transfer {
    let h = id_stream(run, n);
    let id = (u128::from(n) << 80) | (h & ((1u128 << 80) - 1));
    let count = wallets.len() as u128;
    let a = (h % count) as usize;
    let mut b = ((h >> 64) % count) as usize;
    if b == a {
        b = (a + 1) % wallets.len();
    }
    plain_transfer(ledger, id, wallets[a], wallets[b], 1 + (h >> 100) as i64 % 100)
}

fn tempfile_dir() -> anyhow::Result<TempDir> {
    let path = std::env::temp_dir().join(format!("koinon-bench-{}-{}", std::process::id(), App::now_us()));
    std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
    Ok(TempDir(path))
}

/// A directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The naive way: one SQL transaction per transfer (read both accounts, check the limit, take
/// a timestamp, update both balances, insert the transfer, commit), on the same database.
async fn naive_baseline(
    store: &Store,
    tenant: i64,
    ledger: i64,
    wallets: &[Id],
    n: u64,
    run: &str,
) -> anyhow::Result<BaselineReport> {
    let progress = Progress::new("naive baseline", n);
    let started = Instant::now();
    for i in 0..n {
        let h = id_stream(&format!("{run}-naive"), i);
        let a = wallets[(h % wallets.len() as u128) as usize];
        let mut b = wallets[((h >> 64) % wallets.len() as u128) as usize];
        if a == b {
            b = wallets[((h % wallets.len() as u128) as usize + 1) % wallets.len()];
        }
        let amount = 1 + (h >> 100) as i64 % 100;
        let mut tx = store.begin().await?;
        let mut db = tx.db();
        let rows = db.ledger_accounts(tenant, &[a, b]).await?;
        let debit = rows.iter().find(|r| koinon_store::ledger::id_from(&r.id) == Some(a)).context("debit account")?;
        let limited =
            AccountFlags(u16::try_from(debit.flags).unwrap_or(0)).has(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS);
        if !limited || debit.debits_pending + debit.debits_posted + amount <= debit.credits_posted {
            db.naive_transfer(tenant, ledger, id_stream(run, u64::MAX - 1 - i), a, b, amount).await?;
        }
        tx.commit().await?;
        progress.set(i + 1);
    }
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    Ok(BaselineReport {
        method: "one SQL transaction per transfer: read both accounts, check the limit, take a timestamp, two balance updates, one insert, commit",
        transfers: n,
        seconds,
        transfers_per_s: n as f64 / seconds.max(1e-9),
    })
}
