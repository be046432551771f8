//! `koinon currency ...`: a municipality's e-currency from a terminal. One file per
//! subcommand; this file only lists them.

mod issue;

use std::process::ExitCode;

use clap::Subcommand;
use koinon_app::App;

#[derive(Debug, Subcommand)]
pub enum CurrencyCommand {
    /// A month of issuance: the preview (who gets what, against budget and backing), or with
    /// --prepare the run prepared, or with --approve RUN that run approved and posted.
    Issue(issue::IssueArgs),
}

pub async fn run(app: &App, cmd: CurrencyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CurrencyCommand::Issue(args) => issue::run(app, args).await,
    }
}
