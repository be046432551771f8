//! `koinon currency ...`: a municipal e-currency from a terminal.
//!
//! - `issue`: a month of a programme's issuance, previewed, prepared or approved and posted.
//! - `decay`: a month's expiry or demurrage run of a currency, previewed or posted.
//! - `report`: the figures of a currency ledger (issued, spent, recirculation, velocity,
//!   retention, LM3) for a period and a programme or all of them.
//! - `bench figures`: how long loading and computing the figures takes over N transfers.
//! - `bench payments`: card payments through the JSON API at a fixed rate, with latencies.

pub mod bench;
pub mod bench_payments;
pub mod decay;
pub mod issue;
pub mod report;

use std::process::ExitCode;

use clap::Subcommand;
use koinon_app::App;

#[derive(Debug, Subcommand)]
pub enum CurrencyCommand {
    /// A month of issuance: the preview (who gets what, against budget and backing), or with
    /// --prepare the run prepared, or with --approve RUN that run approved and posted.
    Issue(issue::IssueArgs),
    /// A month's expiry or demurrage run of a currency: posted, or with --preview shown.
    Decay(decay::DecayArgs),
    /// The figures of a currency ledger: issued, spent by category and merchant,
    /// recirculation, velocity, retention and LM3.
    Report(report::ReportArgs),
    /// Benchmarks on a fresh temporary database.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// Runs a `currency` subcommand; `open` opens the configured store when one is needed.
pub async fn run<F, Fut>(cmd: CurrencyCommand, database_url: Option<String>, open: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<koinon_store::Store>>,
{
    match cmd {
        CurrencyCommand::Issue(args) => issue::run(&App::new(open().await?), args).await,
        CurrencyCommand::Decay(args) => decay::run(&App::new(open().await?), args).await,
        CurrencyCommand::Report(args) => report::run(&App::new(open().await?), args).await,
        CurrencyCommand::Bench(cmd) => bench::run(cmd, database_url).await,
    }
}
