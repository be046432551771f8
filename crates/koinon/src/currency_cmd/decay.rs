//! `koinon currency decay --as EMAIL [--tenant CODE] --currency CODE --month YYYY-MM [--preview] [--json]`.
//!
//! A month's expiry or demurrage run of a currency: posted (admins and officers), or with
//! `--preview` only shown. The operator acts as a named user of the municipality (`--as`), so
//! the role rules hold as on the web.

use std::process::ExitCode;

use clap::Args;
use koinon_app::App;
use koinon_app::currency_decay::DecayView;
use koinon_core::money::minor_to_decimal;

use super::report::{app_error, print};

#[derive(Debug, Args)]
pub struct DecayArgs {
    /// The email of the user to act as (an officer or administrator posts).
    #[arg(long = "as", env = "KOINON_AS")]
    pub as_user: String,
    /// The municipality's code; when given, it must be the user's.
    #[arg(long)]
    pub tenant: Option<String>,
    /// The currency's code (e.g. GRAMA).
    #[arg(long)]
    pub currency: String,
    /// The month, YYYY-MM (one that has ended).
    #[arg(long)]
    pub month: String,
    /// Only show what the run would charge; nothing is written.
    #[arg(long)]
    pub preview: bool,
    #[arg(long, env = "KOINON_JSON")]
    pub json: bool,
}

fn print_run(v: &DecayView) {
    for l in &v.lines {
        print(&format!(
            "{:<24} {:>14} {:>14} {}",
            l.household,
            minor_to_decimal(l.balance_minor, v.scale),
            minor_to_decimal(l.charge_minor, v.scale),
            v.code
        ));
    }
    let carry = if v.kind == "demurrage" {
        format!("; carried in {}, out {} ten-thousandths", v.carried_in_e4, v.carried_out_e4)
    } else {
        String::new()
    };
    print(&format!(
        "{} {} {} ({}): {} wallets charged {} {} of {} held{carry}",
        v.code,
        v.month,
        v.kind,
        v.state,
        v.wallets_charged,
        minor_to_decimal(v.charged_total_minor, v.scale),
        v.code,
        minor_to_decimal(v.balance_total_minor, v.scale),
    ));
}

pub async fn run(app: &App, args: DecayArgs) -> anyhow::Result<ExitCode> {
    let (actor, tenant) = app.operator_as(&args.as_user).await.map_err(app_error)?;
    if let Some(code) = &args.tenant {
        let t = app.tenant_by_code(code).await.map_err(app_error)?;
        if t.id != tenant {
            anyhow::bail!("--tenant: {} is not a user of {code}", args.as_user);
        }
    }
    let v = if args.preview {
        app.preview_decay(&actor, tenant, &args.currency, &args.month).await
    } else {
        app.post_decay(&actor, tenant, &args.currency, &args.month).await
    }
    .map_err(app_error)?;
    if args.json {
        print(&serde_json::to_string_pretty(&v)?);
    } else {
        print_run(&v);
    }
    Ok(ExitCode::SUCCESS)
}
