//! `koinon currency bench figures --transfers N [--new-transfers K] [--merchants M]
//! [--wallets W] [--json]`: builds a fresh temporary database holding a synthetic currency
//! ledger of N posted transfers made through the real ledger (issuance, payments, circulation,
//! redemption, fees), then times the figures as the dashboard and the API get them: the first
//! request (cold: every transfer read and traced), and a second one after K more transfers
//! (warm: the kept state brought up to date). Apart, the computation alone over the N
//! transfers held in memory, and the figures computed afresh after the K (checked equal to
//! the warm ones).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use koinon_app::currency_figures::FiguresParams;
use koinon_app::ledger::NewAccountInput;
use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App};
use koinon_core::circulation::{AccountRole, FiguresQuery, FlowTransfer, compute};
use koinon_core::ledger::{BATCH_MAX, Id, Transfer, TransferFlags, TransferResult, format_id};
use koinon_store::{Store, StoreConfig};

const BENCH: Actor = Actor::System("bench");
/// Most transfers the bench builds.
pub const TRANSFERS_MAX: u64 = 20_000_000;
/// Most merchants and wallets.
pub const ACCOUNTS_MAX: u64 = 1_000_000;
const CATEGORIES: [&str; 4] = ["category:food", "category:hygiene", "category:cleaning", "category:school"];
const PROGRAMMES: [&str; 2] = ["programme:1/run:1", "programme:2/run:1"];

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time the figures (LM3 included) over a synthetic ledger of N transfers.
    Figures {
        #[arg(long, default_value_t = 1_000_000)]
        transfers: u64,
        /// Transfers made between the first (cold) and the second (warm) request.
        #[arg(long, default_value_t = 1_000)]
        new_transfers: u64,
        #[arg(long, default_value_t = 60)]
        merchants: u64,
        #[arg(long, default_value_t = 2_000)]
        wallets: u64,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// Time card payments through the JSON API on a loopback port at a fixed rate.
    Payments {
        /// Payments sent per second.
        #[arg(long, default_value_t = 500)]
        rate: u64,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Households, each with a wallet and a card.
        #[arg(long, default_value_t = 2_000)]
        wallets: u64,
        #[arg(long, default_value_t = 20)]
        merchants: u64,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
}

#[derive(Debug, serde::Serialize)]
pub struct FiguresBenchReport {
    pub backend: &'static str,
    pub transfers: u64,
    pub new_transfers: u64,
    pub merchants: u64,
    pub wallets: u64,
    /// The first request: loading every transfer from the database and computing the figures.
    pub seconds: f64,
    /// The second request, after `new_transfers` more: the kept state brought up to date.
    pub warm_seconds: f64,
    /// The same figures after the new transfers computed afresh (nothing kept).
    pub uncached_seconds: f64,
    /// Traced states kept and their estimated bytes after the warm request.
    pub states: usize,
    pub state_bytes: usize,
    /// The computation alone, over the same transfers in memory.
    pub compute_seconds: f64,
    /// Building the ledger (not part of the measurement).
    pub build_seconds: f64,
    pub transfers_read: u64,
    pub lm3: Option<String>,
    pub recirculation_percent: Option<String>,
}

/// splitmix64: a small deterministic generator (the same ledger every run).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// One synthetic transfer: account indexes (0 issuance, 1 fees, then wallets, then
/// merchants), amount, and a reference index (programmes first, then categories; none: `u8::MAX`).
#[derive(Debug, Clone, Copy)]
struct Synthetic {
    debit: u32,
    credit: u32,
    amount: i64,
    reference: u8,
}

/// A valid flow (no wallet or merchant ever overdrawn): about 10 % issues, 55 % payments,
/// 25 % circulation between merchants, 8 % redemptions and 2 % redemption fees.
fn synthesize(n: u64, wallets: u64, merchants: u64) -> Vec<Synthetic> {
    let mut rng = Rng(0x6B6F_696E_6F6E);
    let first_merchant = 2 + wallets;
    let mut balance = vec![0i64; (first_merchant + merchants) as usize];
    let mut out = Vec::with_capacity(n as usize);
    let wallet = |r: &mut Rng| 2 + r.below(wallets);
    let merchant = |r: &mut Rng| first_merchant + r.below(merchants);
    while (out.len() as u64) < n {
        let roll = rng.below(100);
        let (debit, credit, reference) = match roll {
            0..10 => (0, wallet(&mut rng), rng.below(2) as u8),
            10..65 => (wallet(&mut rng), merchant(&mut rng), 2 + rng.below(4) as u8),
            65..90 => (merchant(&mut rng), merchant(&mut rng), u8::MAX),
            90..98 => (merchant(&mut rng), 0, u8::MAX),
            _ => (merchant(&mut rng), 1, u8::MAX),
        };
        if debit == credit {
            continue;
        }
        let want = 100 + rng.below(if debit == 0 { 30_000 } else { 5_000 }) as i64;
        let amount = if debit == 0 { want } else { want.min(balance[debit as usize]) };
        if amount <= 0 {
            // Nothing to spend: issue to a wallet instead.
            let w = wallet(&mut rng);
            let amount = 10_000 + rng.below(20_000) as i64;
            balance[w as usize] += amount;
            out.push(Synthetic { debit: 0, credit: w as u32, amount, reference: rng.below(2) as u8 });
            continue;
        }
        if debit != 0 {
            balance[debit as usize] -= amount;
        }
        balance[credit as usize] += amount;
        out.push(Synthetic { debit: debit as u32, credit: credit as u32, amount, reference });
    }
    out
}

fn reference(r: u8) -> Option<&'static str> {
    match r {
        0 | 1 => Some(PROGRAMMES[r as usize]),
        2..=5 => Some(CATEGORIES[(r - 2) as usize]),
        _ => None,
    }
}

fn code(roles: &[AccountRole], s: &Synthetic) -> &'static str {
    match (roles[s.debit as usize], roles[s.credit as usize]) {
        (AccountRole::Issuance, _) => "issue",
        (AccountRole::Wallet, _) => "payment",
        (_, AccountRole::Merchant) => "circulation",
        (_, AccountRole::Issuance) => "redemption",
        _ => "redemption_fee",
    }
}

/// The ledger transfers of synthetic ones, with ids `first_id + 1`, `first_id + 2`, ...
fn transfers_of(chunk: &[Synthetic], ids: &[Id], roles: &[AccountRole], ledger: i64, first_id: u128) -> Vec<Transfer> {
    chunk
        .iter()
        .enumerate()
        .map(|(i, s)| Transfer {
            id: first_id + i as u128 + 1,
            debit_account_id: ids[s.debit as usize],
            credit_account_id: ids[s.credit as usize],
            amount: s.amount,
            ledger,
            code: code(roles, s).into(),
            reference: reference(s.reference).map(str::to_string),
            flags: TransferFlags(0),
            pending_id: None,
            timeout_s: 0,
            timestamp: 0,
        })
        .collect()
}

/// A directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("KOINON_BENCH_KEEP").is_some() {
            eprintln!("kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn run(cmd: BenchCommand, database_url: Option<String>) -> anyhow::Result<ExitCode> {
    let (transfers, new_transfers, merchants, wallets, json) = match cmd {
        BenchCommand::Figures { transfers, new_transfers, merchants, wallets, json } => {
            (transfers, new_transfers, merchants, wallets, json)
        }
        BenchCommand::Payments { rate, seconds, wallets, merchants, json } => {
            let r = super::bench_payments::payments(rate, seconds, wallets, merchants, database_url).await?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!(
                    "{} payments at {} a second on {}: {:.0} a second answered, p50 {:.1} ms, p95 {:.1} ms, \
                     p99 {:.1} ms, max {:.1} ms; {} accepted, {} refused, {} errors",
                    r.sent,
                    r.rate_target,
                    r.backend,
                    r.achieved_rate,
                    r.latency_ms_p50,
                    r.latency_ms_p95,
                    r.latency_ms_p99,
                    r.latency_ms_max,
                    r.accepted,
                    r.refused.values().sum::<u64>(),
                    r.errors
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    let report = figures(transfers, new_transfers, merchants, wallets, database_url).await?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "figures over {} transfers on {}: {:.3} s cold (loaded and computed; {:.3} s computing alone), \
             {:.3} s warm after {} more; LM3 {}",
            report.transfers,
            report.backend,
            report.seconds,
            report.compute_seconds,
            report.warm_seconds,
            report.new_transfers,
            report.lm3.as_deref().unwrap_or("—")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn figures(
    transfers: u64,
    new_transfers: u64,
    merchants: u64,
    wallets: u64,
    database_url: Option<String>,
) -> anyhow::Result<FiguresBenchReport> {
    anyhow::ensure!((1..=TRANSFERS_MAX).contains(&transfers), "--transfers must be 1 to {TRANSFERS_MAX}");
    anyhow::ensure!(new_transfers <= TRANSFERS_MAX, "--new-transfers must be 0 to {TRANSFERS_MAX}");
    anyhow::ensure!((2..=ACCOUNTS_MAX).contains(&merchants), "--merchants must be 2 to {ACCOUNTS_MAX}");
    anyhow::ensure!((1..=ACCOUNTS_MAX).contains(&wallets), "--wallets must be 1 to {ACCOUNTS_MAX}");
    let dir =
        TempDir(std::env::temp_dir().join(format!("koinon-figures-bench-{}-{}", std::process::id(), App::now_us())));
    std::fs::create_dir_all(&dir.0).with_context(|| format!("creating {}", dir.0.display()))?;
    let store = Store::open(&StoreConfig::new(&dir.0, database_url)).await.context("opening the bench database")?;
    let app = App::new(store.clone());
    let run = format!("f{}", App::now_us() % 1_000_000_000);
    let tenant = app
        .create_tenant(
            &BENCH,
            &NewTenantInput { code: &run, name: "Figures bench", country: "ES", currency: "EUR", default_locale: "en" },
        )
        .await?
        .id;
    let ledger = app.create_ledger(&BENCH, tenant, "GRAMA", "Grama", 2).await?.0.id;

    let build_started = Instant::now();
    let mut roles = vec![AccountRole::Issuance, AccountRole::Fees];
    roles.extend((0..wallets).map(|_| AccountRole::Wallet));
    roles.extend((0..merchants).map(|_| AccountRole::Merchant));
    let salt = (App::now_us() as u128) << 64;
    let ids: Vec<Id> = (0..roles.len() as u128).map(|i| salt | (i + 1)).collect();
    let inputs: Vec<NewAccountInput> = roles
        .iter()
        .zip(&ids)
        .map(|(role, id)| {
            let (code, limited) = match role {
                AccountRole::Issuance => ("issuance", false),
                AccountRole::Fees => ("fees", false),
                AccountRole::Wallet => ("wallet", true),
                _ => ("merchant", true),
            };
            NewAccountInput {
                id: format_id(*id),
                ledger: "GRAMA".into(),
                code: code.into(),
                owner: None,
                flags: if limited { vec!["debits_must_not_exceed_credits".into()] } else { vec![] },
            }
        })
        .collect();
    for chunk in inputs.chunks(BATCH_MAX) {
        app.create_accounts(&BENCH, tenant, chunk).await?;
    }
    let all = synthesize(transfers + new_transfers, wallets, merchants);
    let (flow, later) = all.split_at(transfers as usize);
    let progress = std::io::stderr().is_terminal();
    for (k, chunk) in flow.chunks(BATCH_MAX).enumerate() {
        let batch = transfers_of(chunk, &ids, &roles, ledger, salt | (1 << 40) | (k * BATCH_MAX) as u128);
        let results = app.submit_transfers(&BENCH, tenant, batch).await?;
        if let Some(bad) = results.iter().find(|r| **r != TransferResult::Ok) {
            anyhow::bail!("the synthetic ledger refused a transfer: {bad}");
        }
        if progress {
            eprint!("\rbuilding the ledger: {}/{transfers}   ", (k * BATCH_MAX + chunk.len()));
        }
    }
    if progress {
        eprintln!();
    }
    let build_seconds = build_started.elapsed().as_secs_f64();

    // Timed: what the dashboard and the API do, the first time.
    let started = Instant::now();
    let figures = app.currency_figures(&BENCH, tenant, "GRAMA", &FiguresParams::default()).await?;
    let seconds = started.elapsed().as_secs_f64();

    // More transfers, then the second request.
    for (k, chunk) in later.chunks(BATCH_MAX).enumerate() {
        let batch = transfers_of(chunk, &ids, &roles, ledger, salt | (2 << 40) | (k * BATCH_MAX) as u128);
        let results = app.submit_transfers(&BENCH, tenant, batch).await?;
        if let Some(bad) = results.iter().find(|r| **r != TransferResult::Ok) {
            anyhow::bail!("the synthetic ledger refused a new transfer: {bad}");
        }
    }
    let started = Instant::now();
    let warm = app.currency_figures(&BENCH, tenant, "GRAMA", &FiguresParams::default()).await?;
    let warm_seconds = started.elapsed().as_secs_f64();
    let (states, state_bytes) = app.figures_cache().usage();
    let started = Instant::now();
    let uncached = app.currency_figures_uncached(&BENCH, tenant, "GRAMA", &FiguresParams::default()).await?;
    let uncached_seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(warm == uncached, "the figures from the kept state and computed afresh differ");
    anyhow::ensure!(
        warm.transfers_read == transfers + new_transfers,
        "the warm figures read {} transfers, not {}",
        warm.transfers_read,
        transfers + new_transfers
    );

    // The computation alone, over the same flow in memory.
    let query =
        FiguresQuery { from_us: 0, to_us: i64::MAX, programme: None, bucket_starts_us: vec![0], top_merchants: 10 };
    let started = Instant::now();
    let in_memory = compute(
        &roles,
        flow.iter().enumerate().map(|(i, s)| FlowTransfer {
            debit: s.debit,
            credit: s.credit,
            amount_minor: s.amount,
            timestamp_us: i as i64,
            reference: reference(s.reference),
        }),
        &query,
    )?;
    let compute_seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        in_memory.rounds.r2_minor == figures.r2_minor && in_memory.issued_minor == figures.issued_minor,
        "the figures from the database and from memory differ"
    );

    app.shutdown().await;
    store.close().await;
    Ok(FiguresBenchReport {
        backend: store.backend().as_str(),
        transfers,
        new_transfers,
        merchants,
        wallets,
        seconds,
        warm_seconds,
        uncached_seconds,
        states,
        state_bytes,
        compute_seconds,
        build_seconds,
        transfers_read: figures.transfers_read,
        lm3: figures.lm3.map(|r| r.value),
        recirculation_percent: figures.recirculation.map(|r| r.percent),
    })
}
