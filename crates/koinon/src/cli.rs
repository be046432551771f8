use std::io::{BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use koinon_app::tenants::NewTenantInput;
use koinon_app::users::NewUserInput;
use koinon_app::{Actor, App};
use koinon_store::{Store, StoreConfig, dump};

/// koinon: commission, finance, run and evidence social services together.
/// Prints a line to standard output. A closed pipe (`koinon demo --json | head`) ends the
/// program quietly instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*)
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            std::process::exit(0);
        }
    }};
}

#[derive(Debug, Parser)]
#[command(name = "koinon", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives; every subcommand takes these.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Directory of the embedded SQLite database (`koinon.db`).
    #[arg(long, global = true, env = "KOINON_DATA_DIR", default_value = "./koinon-data")]
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (postgres://user:pass@host/db) to use instead of SQLite.
    #[arg(long, global = true, env = "KOINON_DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (HTML pages and the JSON API).
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Seed the demo data (as `serve --demo` does) and print the demo logins.
    Demo {
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// Tenants, users and tokens.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The ledger: check every balance, or measure throughput.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Outcomes contracts from files: payment statements and investor returns.
    #[command(subcommand)]
    Outcomes(crate::outcomes_cmd::OutcomesCommand),
    /// The INDIGO knowledge bank of the world's impact bonds: import, summary, export.
    #[command(subcommand)]
    Indigo(crate::indigo_cmd::IndigoCommand),
    /// A municipal e-currency: monthly issuance, figures (LM3, recirculation, ...) and benchmarks.
    #[command(subcommand)]
    Currency(crate::currency_cmd::CurrencyCommand),
    /// Write a consistent copy of every row to a file (safe while the server runs).
    Backup {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// Restore a backup into an empty database.
    Restore {
        #[arg(long)]
        from: PathBuf,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KOINON_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Seed demo data (idempotent) and print the demo logins.
    #[arg(long, env = "KOINON_DEMO")]
    pub demo: bool,
    /// Mark cookies Secure and send HSTS: set when users reach koinon over HTTPS.
    #[arg(long, env = "KOINON_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a tenant (a municipality).
    CreateTenant {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-2 country code.
        #[arg(long)]
        country: String,
        /// ISO 4217 currency code.
        #[arg(long)]
        currency: String,
        /// Default language (en, el, bg, et, ...).
        #[arg(long, default_value = "en")]
        locale: String,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// Create a user; the password is read from standard input.
    CreateUser {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// Create an API bearer token for a user and print it (shown once).
    CreateToken {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// Revoke an API token by its id.
    RevokeToken {
        #[arg(long)]
        id: i64,
    },
    /// List tenants.
    ListTenants {
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Recompute every balance from the transfers; check debits equal credits per ledger and
    /// that no account breaks its flags. Exit 1 naming what is wrong.
    Check {
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
    /// Measure durable transfers per second on a fresh temporary database (or on
    /// --database-url: point it only at a scratch database), beside a naive baseline.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        transfers: u64,
        #[arg(long, default_value_t = 8_190)]
        batch: usize,
        #[arg(long, default_value_t = 10_000)]
        accounts: u64,
        /// Transfers for the naive baseline (one SQL transaction each).
        #[arg(long, default_value_t = 5_000)]
        baseline_transfers: u64,
        /// Clients submitting batches at once (each waits for its batch to be durable before
        /// sending the next); the writer gathers what arrives together into one commit.
        #[arg(long, default_value_t = 1)]
        clients: usize,
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 0 when it holds, 1 naming the first bad entry.
    Verify {
        #[arg(long, env = "KOINON_JSON")]
        json: bool,
    },
}

const CLI: Actor = Actor::System("cli");

async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let config = StoreConfig::new(&db.data_dir, db.database_url.clone());
    Store::open(&config).await.context("opening the database")
}

fn print_json(value: &serde_json::Value) {
    out!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(&cli.db, args).await,
        Command::Migrate => {
            let store = open(&cli.db).await?;
            out!("database is up to date ({})", store.backend().as_str());
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { json } => {
            let app = App::new(open(&cli.db).await?);
            let report = app.seed_demo().await?;
            if json {
                print_json(&serde_json::to_value(&report)?);
            } else {
                print_demo_logins(&report);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(cmd) => admin(&cli.db, cmd).await,
        Command::Audit(AuditCommand::Verify { json }) => {
            let store = open(&cli.db).await?;
            let report = koinon_app::audit::verify(&store).await?;
            if json {
                print_json(&serde_json::to_value(&report)?);
            } else if report.ok {
                out!("audit chain holds: {} entries checked", report.entries_checked);
            } else {
                out!(
                    "audit chain broken at entry {}: {}",
                    report.first_bad_seq.unwrap_or_default(),
                    report.problem.as_deref().unwrap_or("")
                );
            }
            Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Ledger(LedgerCommand::Check { json }) => {
            let store = open(&cli.db).await?;
            let started = std::time::Instant::now();
            let report = koinon_app::ledger::check(&store).await?;
            let seconds = started.elapsed().as_secs_f64();
            if json {
                let mut value = serde_json::to_value(&report)?;
                value["seconds"] = serde_json::json!(seconds);
                print_json(&value);
            } else if report.ok {
                out!(
                    "ledger holds: {} accounts, {} transfers, {} ledgers balanced, {} currencies backed ({seconds:.3} s)",
                    report.accounts,
                    report.transfers,
                    report.ledgers,
                    report.currencies
                );
            } else {
                out!("ledger check found {} problem(s):", report.problems.len());
                for p in &report.problems {
                    out!("  {p}");
                }
            }
            Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Ledger(LedgerCommand::Bench { transfers, batch, accounts, baseline_transfers, clients, json }) => {
            let report = crate::ledger_cmd::bench(crate::ledger_cmd::BenchArgs {
                transfers,
                batch,
                accounts,
                baseline_transfers,
                clients,
                database_url: cli.db.database_url.clone(),
            })
            .await?;
            if json {
                print_json(&serde_json::to_value(&report)?);
            } else {
                out!(
                    "{} durable transfers in {:.2} s on {}: {:.0} transfers/s (batches of {}, {} accounts, {} client{})",
                    report.transfers,
                    report.seconds,
                    report.backend,
                    report.transfers_per_s,
                    report.batch,
                    report.accounts,
                    report.clients,
                    if report.clients == 1 { "" } else { "s" }
                );
                out!(
                    "naive baseline: {} transfers in {:.2} s: {:.0} transfers/s; ratio {:.1}x",
                    report.baseline.transfers,
                    report.baseline.seconds,
                    report.baseline.transfers_per_s,
                    report.ratio
                );
                out!(
                    "ledger check over them: {} in {:.3} s",
                    if report.check_ok { "ok" } else { "FAILED" },
                    report.check_seconds
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Outcomes(cmd) => crate::outcomes_cmd::run(cmd),
        Command::Indigo(cmd) => {
            let app = App::new(open(&cli.db).await?);
            crate::indigo_cmd::run(&app, cmd).await
        }
        Command::Currency(cmd) => crate::currency_cmd::run(cmd, cli.db.database_url.clone(), || open(&cli.db)).await,
        Command::Backup { out, json } => {
            let store = open(&cli.db).await?;
            let tmp = out.with_extension("partial");
            let file = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            let stats = dump::backup(&store, &mut writer).await?;
            writer.into_inner().context("flushing the backup")?.sync_all().context("syncing the backup")?;
            std::fs::rename(&tmp, &out).with_context(|| format!("writing {}", out.display()))?;
            if json {
                print_json(&serde_json::json!({"file": out, "rows": stats.rows, "tables": stats.tables}));
            } else {
                out!("backup written to {}: {} rows", out.display(), stats.rows);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { from, json } => {
            let store = open(&cli.db).await?;
            let file = std::fs::File::open(&from).with_context(|| format!("opening {}", from.display()))?;
            let stats = dump::restore(&store, BufReader::new(file)).await?;
            let verify = koinon_app::audit::verify(&store).await?;
            if json {
                print_json(&serde_json::json!({"rows": stats.rows, "tables": stats.tables, "audit_ok": verify.ok}));
            } else {
                out!(
                    "restored {} rows from {}; audit chain {}",
                    stats.rows,
                    from.display(),
                    if verify.ok { "holds" } else { "is BROKEN" }
                );
            }
            Ok(if verify.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}

fn print_demo_logins(report: &koinon_app::demo::DemoReport) {
    out!("Demo data ready ({} items created). Demo logins, all with password {:?}:", report.created, report.password);
    let width = report.logins.iter().map(|l| l.email.chars().count()).max().unwrap_or(0);
    for login in &report.logins {
        out!("  {:<width$} {:<12} ({})", login.email, login.role, login.tenant);
    }
}

async fn admin(db: &DbArgs, cmd: AdminCommand) -> anyhow::Result<ExitCode> {
    let app = App::new(open(db).await?);
    match cmd {
        AdminCommand::CreateTenant { code, name, country, currency, locale, json } => {
            let input = NewTenantInput {
                code: &code,
                name: &name,
                country: &country,
                currency: &currency,
                default_locale: &locale,
            };
            let tenant = app.create_tenant(&CLI, &input).await?;
            if json {
                print_json(&serde_json::to_value(&tenant)?);
            } else {
                out!("created tenant {} ({})", tenant.code, tenant.name);
            }
        }
        AdminCommand::CreateUser { tenant, email, role, name, password_stdin: _, json } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password).context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let tenant = app.tenant_by_code(&tenant).await?;
            let display_name = if name.trim().is_empty() { email.clone() } else { name };
            let input = NewUserInput {
                email: &email,
                display_name: &display_name,
                role: &role,
                organisation_id: None,
                password,
            };
            let user = app.create_user(&CLI, tenant.id, &input).await?;
            if json {
                print_json(&serde_json::to_value(&user)?);
            } else {
                out!("created user {} ({}) in {}", user.email, user.role, tenant.code);
            }
        }
        AdminCommand::CreateToken { email, label, json } => {
            let (id, token) = app.create_token(&CLI, &email, &label).await?;
            if json {
                print_json(&serde_json::json!({"id": id, "token": token}));
            } else {
                out!("{token}");
                eprintln!(
                    "token {id} created; it is shown only once. Revoke with: koinon admin revoke-token --id {id}"
                );
            }
        }
        AdminCommand::RevokeToken { id } => {
            app.revoke_token(&CLI, id).await?;
            out!("token {id} revoked");
        }
        AdminCommand::ListTenants { json } => {
            let mut cursor: Option<String> = None;
            let mut all = Vec::new();
            loop {
                let page = app.list_tenants(cursor.as_deref(), Some(200)).await?;
                all.extend(page.items);
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            if json {
                print_json(&serde_json::to_value(&all)?);
            } else {
                for t in all {
                    out!("{:<16} {:<32} {} {}", t.code, t.name, t.country, t.currency);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(db: &DbArgs, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let store = open(db).await?;
    let app = App::new(store.clone());
    if args.demo {
        let report = app.seed_demo().await.context("seeding demo data")?;
        print_demo_logins(&report);
    }
    // The currencies' figures traced in the background, so the first dashboard does not wait.
    let warming = app.clone();
    tokio::spawn(async move {
        if let Err(e) = warming.warm_currency_figures().await {
            tracing::warn!("tracing the currencies' figures at start: {e}");
        }
    });
    // Payments a request left half-way (a stop between reservation and ledger) are settled.
    app.spawn_payment_sweeps();
    let state = koinon_web::AppState::new(app.clone(), koinon_web::WebConfig { secure_cookies: args.secure_cookies });
    let router = koinon_web::router(state);
    let listener =
        tokio::net::TcpListener::bind(args.addr).await.with_context(|| format!("listening on {}", args.addr))?;
    let addr = listener.local_addr()?;
    out!(
        "koinon listening on http://{addr} ({}; ready in {} ms)",
        store.backend().as_str(),
        started.elapsed().as_millis()
    );
    let _ = std::io::stdout().flush();
    axum::serve(listener, router).with_graceful_shutdown(shutdown_signal()).await.context("serving")?;
    app.shutdown().await;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
