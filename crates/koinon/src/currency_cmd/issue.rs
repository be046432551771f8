//! `koinon currency issue --as EMAIL --programme ID --month YYYY-MM [--prepare | --approve RUN] [--json]`.
//!
//! The operator acts as a named user of the municipality (`--as`), so the role rules and the
//! four-eyes rule hold as on the web: an officer prepares, a different approver approves.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use koinon_app::App;
use koinon_app::currency::{IssuancePreview, IssuanceRunView};
use koinon_core::money::minor_to_decimal;

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The email of the user to act as (an officer prepares, an approver approves).
    #[arg(long = "as", env = "KOINON_AS")]
    pub as_user: String,
    #[arg(long)]
    pub programme: i64,
    /// The month, YYYY-MM.
    #[arg(long)]
    pub month: String,
    /// Prepare the month's run (after checking budget and backing).
    #[arg(long, conflicts_with = "approve")]
    pub prepare: bool,
    /// Approve this prepared run and post it to the ledger.
    #[arg(long, value_name = "RUN")]
    pub approve: Option<i64>,
    #[arg(long, env = "KOINON_JSON")]
    pub json: bool,
}

fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}")
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

fn print_preview(p: &IssuancePreview) {
    for l in &p.lines {
        print(&format!("{:<24} {:>3}  {:>14} {}", l.household, l.size, minor_to_decimal(l.amount_minor, p.scale), p.currency));
    }
    print(&format!(
        "{}: {} households, {} {} (budget left {}); outstanding {}, fund {} EUR, backing needed {} EUR{}",
        p.month,
        p.lines.len(),
        minor_to_decimal(p.total_minor, p.scale),
        p.currency,
        minor_to_decimal(p.budget_left_minor, p.scale),
        minor_to_decimal(p.outstanding_minor, p.scale),
        minor_to_decimal(p.fund_eur_minor, 2),
        minor_to_decimal(p.backing_needed_eur_minor, 2),
        p.refusal.map(|r| format!("; cannot be prepared: {r}")).unwrap_or_default()
    ));
}

fn print_run(r: &IssuanceRunView) {
    print(&format!(
        "run {} ({}) {}: {} households, {} {}, backing {} EUR, {} notifications; reference {}",
        r.id,
        r.month,
        r.state,
        r.households,
        minor_to_decimal(r.total_minor, r.scale),
        r.currency,
        minor_to_decimal(r.backing_eur_minor, 2),
        r.notifications,
        r.reference
    ));
}

pub async fn run(app: &App, args: IssueArgs) -> anyhow::Result<ExitCode> {
    let (actor, tenant) = app.operator_as(&args.as_user).await?;
    let answer = if let Some(run_id) = args.approve {
        let run = app.issuance_run(&actor, tenant, run_id).await?;
        if run.programme_id != args.programme || run.month != args.month.trim() {
            anyhow::bail!("run {run_id} is the run of programme {} for {}", run.programme_id, run.month);
        }
        Ok(app.approve_issuance(&actor, tenant, run_id).await?)
    } else if args.prepare {
        Ok(app.prepare_issuance(&actor, tenant, args.programme, &args.month).await?)
    } else {
        Err(app.preview_issuance(&actor, tenant, args.programme, &args.month).await?)
    };
    match answer {
        Ok(run) if args.json => print(&serde_json::to_string_pretty(&run)?),
        Ok(run) => print_run(&run),
        Err(preview) if args.json => print(&serde_json::to_string_pretty(&preview)?),
        Err(preview) => print_preview(&preview),
    }
    Ok(ExitCode::SUCCESS)
}
