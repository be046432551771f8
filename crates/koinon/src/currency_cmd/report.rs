//! `koinon currency report --ledger CODE (--programme ID | --all) [--from DATE] [--to DATE]`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use koinon_app::currency_figures::{CurrencyFigures, FiguresParams, RatioView};
use koinon_app::{Actor, App, AppError};

const CLI: Actor = Actor::System("cli");

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The currency's ledger code (e.g. GRAMA).
    #[arg(long)]
    pub ledger: String,
    /// Only units issued under this programme (issue references `programme:{ID}/...`).
    #[arg(long, conflicts_with = "all", required_unless_present = "all")]
    pub programme: Option<String>,
    /// Every programme together.
    #[arg(long)]
    pub all: bool,
    /// First day, YYYY-MM-DD (default: the day the ledger was created).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day, included, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub to: Option<String>,
    /// Merchants listed by name (1 to 100).
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// The municipality's code; may be left out when there is only one.
    #[arg(long)]
    pub tenant: Option<String>,
    #[arg(long, env = "KOINON_JSON")]
    pub json: bool,
}

pub(super) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}")
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Field errors as `--field: message` lines.
pub(super) fn app_error(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors.iter().map(|e| format!("--{}: {}", e.field, e.message)).collect::<Vec<_>>().join("\n")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn tenant_id(app: &App, code: Option<&str>) -> anyhow::Result<i64> {
    if let Some(code) = code {
        return Ok(app.tenant_by_code(code).await.map_err(app_error)?.id);
    }
    let page = app.list_tenants(None, Some(2)).await?;
    match page.items.as_slice() {
        [only] => Ok(only.id),
        [] => bail!("there is no municipality yet"),
        _ => bail!("--tenant: there are several municipalities; name one by its code"),
    }
}

fn money(minor: i64, scale: i64) -> String {
    koinon_core::money::minor_to_decimal(minor, u8::try_from(scale).unwrap_or(2))
}

fn ratio(r: &Option<RatioView>, percent: bool) -> String {
    match r {
        Some(r) if percent => format!("{} %", r.percent),
        Some(r) => r.value.clone(),
        None => "—".into(),
    }
}

fn print_text(f: &CurrencyFigures) {
    let s = f.scale;
    print(&format!(
        "{} {} from {} to {} ({} transfers read)",
        f.ledger,
        f.programme.as_deref().map_or_else(|| "all programmes".to_string(), |p| format!("programme {p}")),
        f.from,
        f.to,
        f.transfers_read
    ));
    print(&format!("issued (R1)        {:>16}  to {} beneficiaries", money(f.issued_minor, s), f.beneficiaries));
    print(&format!("spent              {:>16}  in {} payments", money(f.spent_minor, s), f.payments));
    for c in &f.by_category {
        print(&format!("  {:<16} {:>16}", c.category, money(c.spent_minor, s)));
    }
    print(&format!("circulated         {:>16}", money(f.circulated_minor, s)));
    print(&format!("redeemed           {:>16}", money(f.redeemed_minor, s)));
    print(&format!("R2                 {:>16}", money(f.r2_minor, s)));
    print(&format!("R3                 {:>16}", money(f.r3_minor, s)));
    print(&format!("lm3                {:>16}", ratio(&f.lm3, false)));
    print(&format!("recirculation      {:>16}", ratio(&f.recirculation, true)));
    print(&format!("velocity           {:>16}", ratio(&f.velocity, false)));
    print(&format!("retention          {:>16}", ratio(&f.retention, true)));
}

pub async fn run(app: &App, args: ReportArgs) -> anyhow::Result<ExitCode> {
    let tenant = tenant_id(app, args.tenant.as_deref()).await?;
    let params = FiguresParams {
        from: args.from,
        to: args.to,
        programme: if args.all { None } else { args.programme },
        top: Some(args.top),
    };
    let figures = app.currency_figures(&CLI, tenant, &args.ledger, &params).await.map_err(app_error)?;
    if args.json {
        print(&serde_json::to_string_pretty(&figures)?);
    } else {
        print_text(&figures);
    }
    Ok(ExitCode::SUCCESS)
}
