//! `koinon indigo import DIR`, `koinon indigo summary --by sector|country|stage` and
//! `koinon indigo export --contract ID`: the INDIGO knowledge bank from a terminal.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Subcommand;
use koinon_app::{Actor, App, AppError};
use koinon_core::indigo::{FILES, GroupBy, limits};

const CLI: Actor = Actor::System("cli");

#[derive(Debug, Subcommand)]
pub enum IndigoCommand {
    /// Import INDIGO's per-table CSV export from a directory (projects.csv,
    /// projects_delivery_locations.csv, organisations.csv, projects_investments.csv,
    /// projects_outcome_metrics.csv, projects_outcome_pricings.csv,
    /// projects_outcome_payments.csv, projects_results.csv). Re-importing a newer export
    /// updates projects and removes values it no longer holds. All or nothing.
    Import {
        dir: PathBuf,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// Projects and exact investment commitment per currency, by policy sector, country or stage.
    Summary {
        #[arg(long, default_value = "sector")]
        by: String,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// Write an outcomes contract as an INDIGO-shaped project (JSON) to standard output.
    Export {
        #[arg(long)]
        contract: i64,
        /// The tenant's code; by default the tenant that holds the contract.
        #[arg(long)]
        tenant: Option<String>,
    },
}

fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}")
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Reads the export's files from `dir` (only the files INDIGO's export has).
pub fn read_dir(dir: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    if !dir.is_dir() {
        bail!("{}: not a directory", dir.display());
    }
    let mut files = BTreeMap::new();
    for name in FILES {
        let path = dir.join(name);
        let size = std::fs::metadata(&path).with_context(|| format!("{}: missing", path.display()))?.len();
        if size > limits::FILE_BYTES_MAX as u64 {
            bail!("{}: larger than {} MiB", path.display(), limits::FILE_BYTES_MAX / (1024 * 1024));
        }
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            anyhow::anyhow!("{}: not UTF-8 text (byte {})", path.display(), e.utf8_error().valid_up_to())
        })?;
        files.insert(name.to_string(), text);
    }
    Ok(files)
}

fn app_error(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(errors) => anyhow::anyhow!(
            "the export was not imported:\n{}",
            errors.iter().map(|e| format!("  {}: {}", e.field, e.message)).collect::<Vec<_>>().join("\n")
        ),
        other => anyhow::anyhow!(other),
    }
}

pub async fn run(app: &App, cmd: IndigoCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        IndigoCommand::Import { dir, json } => {
            let started = Instant::now();
            let files = read_dir(&dir)?;
            let report = app.import_indigo(&CLI, &files).await.map_err(app_error)?;
            let seconds = started.elapsed().as_secs_f64();
            if json {
                let mut value = serde_json::to_value(&report)?;
                value["seconds"] = serde_json::json!(seconds);
                print(&serde_json::to_string_pretty(&value)?);
            } else {
                print(&format!(
                    "{} projects: {} created, {} updated, {} unchanged, {} removed; {} withdrawn values removed; \
                     {} organisations ({seconds:.3} s)",
                    report.projects,
                    report.created,
                    report.updated,
                    report.unchanged,
                    report.projects_removed,
                    report.values_removed,
                    report.organisations
                ));
                for (raw, code) in &report.currencies_normalised {
                    print(&format!("  currency {raw:?} read as {code}"));
                }
                if report.warnings_total > 0 {
                    print(&format!("  {} warnings, the first:", report.warnings_total));
                    for w in report.warnings.iter().take(10) {
                        print(&format!("    {} line {} column {:?}: {}", w.file, w.line, w.column, w.message));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        IndigoCommand::Summary { by, json } => {
            let Some(group_by) = GroupBy::parse(&by) else {
                bail!("--by must be sector, country or stage (got {by:?})");
            };
            let groups = app.indigo_summary(&CLI, group_by).await.map_err(app_error)?;
            if json {
                print(&serde_json::to_string_pretty(&serde_json::json!({ "by": group_by, "groups": groups }))?);
            } else {
                for g in &groups {
                    let money: Vec<String> = g.investment.0.iter().map(|(c, a)| format!("{c} {a}")).collect();
                    print(&format!("{:<40} {:>5}  {}", g.key, g.projects, money.join(", ")));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        IndigoCommand::Export { contract, tenant } => {
            let tenants = match tenant {
                Some(code) => vec![app.tenant_by_code(&code).await.map_err(app_error)?],
                None => {
                    let mut all = Vec::new();
                    let mut cursor: Option<String> = None;
                    loop {
                        let page = app.list_tenants(cursor.as_deref(), Some(200)).await?;
                        all.extend(page.items);
                        match page.next_cursor {
                            Some(c) => cursor = Some(c),
                            None => break,
                        }
                    }
                    all
                }
            };
            for t in tenants {
                match app.export_contract_indigo(&CLI, t.id, contract).await {
                    Ok(value) => {
                        print(&serde_json::to_string_pretty(&value)?);
                        return Ok(ExitCode::SUCCESS);
                    }
                    Err(AppError::NotFound(_)) => continue,
                    Err(e) => return Err(app_error(e)),
                }
            }
            bail!("outcomes contract {contract} not found")
        }
    }
}
