//! `koinon currency ...`: a municipal e-currency from a terminal.
//!
//! - `issue`: a month of a programme's issuance, previewed, prepared or approved and posted.

pub mod issue;

use std::process::ExitCode;

use clap::Subcommand;
use koinon_app::App;

#[derive(Debug, Subcommand)]
pub enum CurrencyCommand {
    /// A month of issuance: the preview (who gets what, against budget and backing), or with
    /// --prepare the run prepared, or with --approve RUN that run approved and posted.
    Issue(issue::IssueArgs),
}

/// Runs a `currency` subcommand; `open` opens the configured store when one is needed.
pub async fn run<F, Fut>(cmd: CurrencyCommand, _database_url: Option<String>, open: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<koinon_store::Store>>,
{
    match cmd {
        CurrencyCommand::Issue(args) => issue::run(&App::new(open().await?), args).await,
    }
}
