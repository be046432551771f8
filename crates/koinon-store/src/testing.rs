//! Test harness: brand-new, empty PostgreSQL databases for tests (feature `testing`).
//!
//! [`fresh_postgres_url`] creates a new database (`koinon_t_<random hex>`) on every call and
//! returns a URL to it. The server is, in order of preference:
//!
//! 1. the one named by `KOINON_TEST_POSTGRES_URL` (a `postgres://` URL of a role allowed to
//!    `CREATE DATABASE`), or
//! 2. a throwaway cluster built from the machine's `initdb`/`pg_ctl` (found on `PATH` or under
//!    `/usr/lib/postgresql/*/bin`, highest version first), kept in
//!    `$TMPDIR/koinon-test-pg-<uid>` and shared by every test process of that user (cargo-nextest
//!    runs each test in its own process). An exclusive file lock guards checking and starting it;
//!    it listens on 127.0.0.1 only, with trust authentication and durability switched off for
//!    speed. It is left running for the next test run; databases older than two hours that
//!    nobody is connected to are dropped from time to time.
//!
//! When running as root the cluster belongs to the `postgres` system user and `initdb`/`pg_ctl`
//! run through `runuser -u postgres --` (PostgreSQL refuses to run as root).
//!
//! Without PostgreSQL the function prints `skipping PostgreSQL: <reason>` to stderr and returns
//! `None`, unless `KOINON_REQUIRE_POSTGRES=1`, in which case it panics with the reason.

use std::ffi::OsString;
use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use sqlx::{AssertSqlSafe, Connection as _, PgConnection};

/// Environment variable naming an existing PostgreSQL server to create test databases on.
pub const TEST_URL_ENV: &str = "KOINON_TEST_POSTGRES_URL";

/// Environment variable that, when `1`, turns "PostgreSQL is not available" into a panic.
pub const REQUIRE_ENV: &str = "KOINON_REQUIRE_POSTGRES";

/// Prefix of every database [`fresh_postgres_url`] creates.
pub const DATABASE_PREFIX: &str = "koinon_t_";

/// How long a connection attempt to the server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Test databases older than this, with nobody connected, are dropped by the local cluster's
/// occasional clean-up.
const STALE_DATABASE_AGE: &str = "2 hours";
/// How often (at most) some test process runs that clean-up.
const CLEANUP_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// At most this many stale databases are dropped per clean-up (keeps one test from stalling).
const CLEANUP_BATCH: usize = 100;

/// A URL to a brand-new, empty PostgreSQL database, or `None` when PostgreSQL is not available
/// (see the module docs). Panics instead of returning `None` when `KOINON_REQUIRE_POSTGRES=1`.
pub async fn fresh_postgres_url() -> Option<String> {
    match try_fresh_postgres_url().await {
        Ok(url) => Some(url),
        Err(reason) => {
            if postgres_required() {
                let hint = if std::env::var_os(TEST_URL_ENV).is_some() {
                    format!("check the server {TEST_URL_ENV} names")
                } else {
                    format!(
                        "{TEST_URL_ENV} is not set; install PostgreSQL so that `initdb` and `pg_ctl` are on \
                         PATH or under /usr/lib/postgresql/*/bin, or set {TEST_URL_ENV} to a server URL"
                    )
                };
                panic!("{REQUIRE_ENV}=1 but no PostgreSQL database could be created: {reason} ({hint})");
            }
            eprintln!("skipping PostgreSQL: {reason}");
            None
        }
    }
}

/// Whether `KOINON_REQUIRE_POSTGRES=1` is set.
pub fn postgres_required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| v.trim() == "1")
}

/// Where test databases are created; found (and for the local cluster, started) once per process.
#[derive(Debug)]
struct Server {
    /// URL of a database to connect to for `CREATE DATABASE`.
    admin_url: String,
    /// Human description for error messages (never contains a password).
    origin: String,
    /// Whether this process should drop stale test databases (local cluster only).
    clean_up: bool,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static CLEANED_UP: AtomicBool = AtomicBool::new(false);

async fn try_fresh_postgres_url() -> Result<String, String> {
    let server = server().await?;
    let mut conn = connect(&server.admin_url, &server.origin).await?;
    if server.clean_up && !CLEANED_UP.swap(true, Ordering::SeqCst) {
        drop_stale_databases(&mut conn).await;
    }
    let name = format!("{DATABASE_PREFIX}{}", uuid::Uuid::new_v4().simple());
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("{}: CREATE DATABASE failed: {e}", server.origin))?;
    let _ = conn.close().await;
    with_database(&server.admin_url, &name)
}

async fn server() -> Result<&'static Server, String> {
    let server = match SERVER.get() {
        Some(server) => server,
        None => tokio::task::spawn_blocking(|| SERVER.get_or_init(locate_server))
            .await
            .map_err(|e| format!("PostgreSQL set-up task failed: {e}"))?,
    };
    server.as_ref().map_err(Clone::clone)
}

async fn connect(url: &str, origin: &str) -> Result<PgConnection, String> {
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(url)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(format!("{origin}: cannot connect: {e}")),
        Err(_) => Err(format!("{origin}: connecting timed out after {CONNECT_TIMEOUT:?}")),
    }
}

/// Best effort: drops old test databases nobody is connected to, so a long-lived shared
/// cluster does not fill the disk.
async fn drop_stale_databases(conn: &mut PgConnection) {
    let query = format!(
        "SELECT d.datname::text FROM pg_database d \
         WHERE d.datname LIKE '{}%' \
           AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid) \
           AND (pg_stat_file('base/' || d.oid || '/PG_VERSION', true)).modification \
               < now() - interval '{STALE_DATABASE_AGE}' \
         ORDER BY d.oid LIMIT {CLEANUP_BATCH}",
        DATABASE_PREFIX.replace('_', "\\_")
    );
    let names: Vec<String> = match sqlx::query_scalar(AssertSqlSafe(query)).fetch_all(&mut *conn).await {
        Ok(names) => names,
        Err(e) => {
            tracing::debug!("listing stale test databases failed: {e}");
            return;
        }
    };
    for name in names {
        let valid = name.strip_prefix(DATABASE_PREFIX).is_some_and(|rest| rest.chars().all(|c| c.is_ascii_hexdigit()));
        if !valid {
            continue;
        }
        if let Err(e) =
            sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\""))).execute(&mut *conn).await
        {
            tracing::debug!("dropping stale test database {name} failed: {e}");
        }
    }
}

fn locate_server() -> Result<Server, String> {
    if let Ok(url) = std::env::var(TEST_URL_ENV)
        && !url.trim().is_empty()
    {
        let url = url.trim().to_owned();
        let origin = format!("server from {TEST_URL_ENV} ({})", redact(&url));
        // Validate the shape now so a bad URL fails with a clear message.
        with_database(&url, "x").map_err(|e| format!("{origin}: {e}"))?;
        return Ok(Server { admin_url: url, origin, clean_up: false });
    }
    let cluster = LocalCluster::ensure()?;
    Ok(Server {
        admin_url: format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port),
        origin: format!("throwaway cluster in {} (port {})", cluster.base.display(), cluster.port),
        clean_up: cluster.clean_up,
    })
}

/// `url` with its database (path) replaced by `database`; query and fragment are kept.
fn with_database(url: &str, database: &str) -> Result<String, String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("not a postgres:// URL".to_owned());
    };
    if !matches!(scheme, "postgres" | "postgresql") {
        return Err(format!("unsupported URL scheme `{scheme}` (expected postgres://)"));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let tail_start = after.find(['?', '#']).unwrap_or(after.len());
    let tail = &after[tail_start..];
    Ok(format!("{scheme}://{authority}/{database}{tail}"))
}

/// `url` with any password replaced by `***`, for messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparseable URL>".to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    // Query parameters may carry a password too; drop them from messages.
    let path = after.split(['?', '#']).next().unwrap_or_default();
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}{path}")
}

/// The machine's `initdb` and `pg_ctl`.
#[derive(Debug)]
struct Tools {
    initdb: PathBuf,
    pg_ctl: PathBuf,
}

fn find_tools() -> Result<Tools, String> {
    if let Some(initdb) = which("initdb") {
        let sibling = initdb.with_file_name("pg_ctl");
        let pg_ctl = if is_executable(&sibling) { Some(sibling) } else { which("pg_ctl") };
        if let Some(pg_ctl) = pg_ctl {
            return Ok(Tools { initdb, pg_ctl });
        }
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut candidates: Vec<(Vec<u32>, PathBuf)> = fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = parse_version(&entry.file_name().to_string_lossy())?;
            let bin = entry.path().join("bin");
            (is_executable(&bin.join("initdb")) && is_executable(&bin.join("pg_ctl"))).then_some((version, bin))
        })
        .collect();
    candidates.sort();
    match candidates.pop() {
        Some((_, bin)) => Ok(Tools { initdb: bin.join("initdb"), pg_ctl: bin.join("pg_ctl") }),
        None => Err("no `initdb`/`pg_ctl` found on PATH nor under /usr/lib/postgresql/*/bin".to_owned()),
    }
}

/// `"15"` → `[15]`, `"9.6"` → `[9, 6]`; `None` for anything else.
fn parse_version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Who runs the PostgreSQL programs.
#[derive(Debug, Clone, Copy)]
enum Owner {
    /// The current (non-root) user.
    Me,
    /// The `postgres` system user, via `runuser` (we are root).
    Postgres { uid: u32, gid: u32 },
}

/// The effective uid of this process.
fn current_uid() -> Result<u32, String> {
    if let Ok(status) = fs::read_to_string("/proc/self/status")
        && let Some(uid) = status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|fields| fields.split_whitespace().nth(1))
            .and_then(|euid| euid.parse().ok())
    {
        return Ok(uid);
    }
    id_of(&["-u"])
}

/// Runs `id <args>` and parses the number it prints.
fn id_of(args: &[&str]) -> Result<u32, String> {
    let out = Command::new("id").args(args).output().map_err(|e| format!("running `id {}`: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!("`id {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("`id {}` printed something unexpected: {e}", args.join(" ")))
}

/// The shared throwaway cluster.
#[derive(Debug)]
struct LocalCluster {
    base: PathBuf,
    port: u16,
    clean_up: bool,
}

/// Everything needed to manage the cluster directory.
struct Ctx {
    tools: Tools,
    owner: Owner,
    base: PathBuf,
    data: PathBuf,
    run: PathBuf,
    port_file: PathBuf,
}

impl LocalCluster {
    fn ensure() -> Result<LocalCluster, String> {
        let tools = find_tools()?;
        let uid = current_uid()?;
        let owner = if uid == 0 {
            let pg_uid = id_of(&["-u", "postgres"]).map_err(|e| {
                format!("running as root, which PostgreSQL refuses, and there is no `postgres` user to run it as ({e})")
            })?;
            let pg_gid = id_of(&["-g", "postgres"])?;
            Owner::Postgres { uid: pg_uid, gid: pg_gid }
        } else {
            Owner::Me
        };
        let base = std::env::temp_dir().join(format!("koinon-test-pg-{uid}"));
        let ctx =
            Ctx { data: base.join("data"), run: base.join("run"), port_file: base.join("port"), base, tools, owner };
        let context = |e: String| {
            format!("throwaway cluster in {} (using {}): {e}", ctx.base.display(), ctx.tools.initdb.display())
        };

        let lock = ctx.open_lock().map_err(context)?;
        lock.lock().map_err(|e| context(format!("locking {}: {e}", ctx.base.join("lock").display())))?;
        // The lock is held until `lock` is dropped at the end of this function.
        let port = ctx.running_or_start().map_err(context)?;
        let clean_up = ctx.claim_cleanup();
        drop(lock);
        Ok(LocalCluster { base: ctx.base, port, clean_up })
    }
}

impl Ctx {
    /// Opens (creating the directory if needed) the lock file; recreates a directory we cannot use.
    fn open_lock(&self) -> Result<File, String> {
        let open = || -> std::io::Result<File> {
            fs::create_dir_all(&self.base)?;
            if let Owner::Postgres { .. } = self.owner {
                // The postgres user must be able to reach data/ and run/ inside it.
                fs::set_permissions(&self.base, fs::Permissions::from_mode(0o755))?;
            }
            File::options().read(true).write(true).create(true).truncate(false).open(self.base.join("lock"))
        };
        match open() {
            Ok(file) => Ok(file),
            Err(first) => {
                // Broken (e.g. a file in the way, or left by someone else): start over once.
                let _ = fs::remove_dir_all(&self.base);
                let _ = fs::remove_file(&self.base);
                open().map_err(|e| format!("cannot set up {}: {first}; after removing it: {e}", self.base.display()))
            }
        }
    }

    /// Under the lock: reuse a running cluster, restart a stopped one, or build a new one.
    fn running_or_start(&self) -> Result<u16, String> {
        if let Some(port) = self.running_port() {
            return Ok(port);
        }
        if self.data.join("PG_VERSION").is_file() {
            match self.start() {
                Ok(port) => return Ok(port),
                Err(e) => {
                    tracing::warn!(
                        "existing test cluster in {} would not start ({e}); rebuilding it",
                        self.base.display()
                    );
                }
            }
        }
        self.rebuild()?;
        self.start()
    }

    /// The port of the cluster if it is running and accepting connections.
    fn running_port(&self) -> Option<u16> {
        if !self.data.join("postmaster.pid").is_file() {
            return None;
        }
        let status =
            self.run_pg(&self.tools.pg_ctl, &[OsString::from("status"), "-D".into(), self.data.clone().into()]);
        if !matches!(&status, Ok(out) if out.success) {
            return None;
        }
        // Running: trust the port in postmaster.pid (line 4) over our port file.
        let port = fs::read_to_string(self.data.join("postmaster.pid"))
            .ok()
            .and_then(|pid| pid.lines().nth(3).and_then(|p| p.trim().parse::<u16>().ok()));
        match port {
            Some(port) if wait_accepting(port, Duration::from_secs(3)) => {
                if fs::read_to_string(&self.port_file).ok().and_then(|p| p.trim().parse::<u16>().ok()) != Some(port) {
                    let _ = fs::write(&self.port_file, format!("{port}\n"));
                }
                Some(port)
            }
            _ => {
                // Running but unusable: stop it so it can be restarted or rebuilt.
                let _ = self.run_pg(
                    &self.tools.pg_ctl,
                    &[
                        "stop".into(),
                        "-D".into(),
                        self.data.clone().into(),
                        "-m".into(),
                        "immediate".into(),
                        "-w".into(),
                    ],
                );
                None
            }
        }
    }

    /// Removes whatever is there and runs `initdb`.
    fn rebuild(&self) -> Result<(), String> {
        for dir in [&self.data, &self.run] {
            if dir.exists() {
                fs::remove_dir_all(dir).map_err(|e| format!("removing {}: {e}", dir.display()))?;
            }
            fs::create_dir(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("setting permissions on {}: {e}", dir.display()))?;
            self.give_to_owner(dir)?;
        }
        let _ = fs::remove_file(&self.port_file);
        let out = self.run_pg(
            &self.tools.initdb,
            &[
                "-D".into(),
                self.data.clone().into(),
                "-A".into(),
                "trust".into(),
                "-U".into(),
                "postgres".into(),
                "-E".into(),
                "UTF8".into(),
                "--locale=C".into(),
                "--no-sync".into(),
            ],
        )?;
        if !out.success {
            return Err(format!("initdb failed: {}", out.text));
        }
        let conf = self.data.join("postgresql.conf");
        let mut text = fs::read_to_string(&conf).map_err(|e| format!("reading {}: {e}", conf.display()))?;
        text.push_str("\n# koinon test harness: settings (port, socket dir, speed) live here.\ninclude_if_exists = 'koinon.conf'\n");
        fs::write(&conf, text).map_err(|e| format!("writing {}: {e}", conf.display()))?;
        Ok(())
    }

    /// Starts the cluster on a free port (retrying if the port got taken meanwhile).
    fn start(&self) -> Result<u16, String> {
        if !self.run.is_dir() {
            fs::create_dir(&self.run).map_err(|e| format!("creating {}: {e}", self.run.display()))?;
            self.give_to_owner(&self.run)?;
        }
        let log = self.run.join("postgres.log");
        let mut last_error = String::new();
        for _attempt in 0..3 {
            let port = free_port()?;
            self.write_settings(port)?;
            let out = self.run_pg(
                &self.tools.pg_ctl,
                &[
                    "start".into(),
                    "-D".into(),
                    self.data.clone().into(),
                    "-l".into(),
                    log.clone().into(),
                    "-w".into(),
                    "-t".into(),
                    "60".into(),
                ],
            )?;
            if out.success {
                if !wait_accepting(port, Duration::from_secs(30)) {
                    return Err(format!("pg_ctl started the server but port {port} does not accept connections"));
                }
                fs::write(&self.port_file, format!("{port}\n"))
                    .map_err(|e| format!("writing {}: {e}", self.port_file.display()))?;
                return Ok(port);
            }
            let log_tail = tail(&log, 15);
            last_error = format!("pg_ctl start failed: {}; server log ({}): {log_tail}", out.text, log.display());
            if !log_tail.contains("could not bind") && !log_tail.contains("already in use") {
                break;
            }
        }
        Err(last_error)
    }

    fn write_settings(&self, port: u16) -> Result<(), String> {
        let socket_dir = self.run.to_string_lossy().replace('\'', "''");
        let settings = format!(
            "# Written by koinon_store::testing; rewritten at every start.\n\
             listen_addresses = '127.0.0.1'\n\
             port = {port}\n\
             unix_socket_directories = '{socket_dir}'\n\
             max_connections = 300\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             log_min_messages = log\n"
        );
        let path = self.data.join("koinon.conf");
        fs::write(&path, settings).map_err(|e| format!("writing {}: {e}", path.display()))?;
        self.give_to_owner(&path)
    }

    /// Whether this process should run the stale-database clean-up (at most once per interval
    /// across all processes). Called under the lock.
    fn claim_cleanup(&self) -> bool {
        let stamp = self.base.join("last-cleanup");
        let due = fs::metadata(&stamp)
            .and_then(|m| m.modified())
            .map(|t| SystemTime::now().duration_since(t).map_or(true, |age| age >= CLEANUP_INTERVAL))
            .unwrap_or(true);
        due && fs::write(&stamp, b"").is_ok()
    }

    fn give_to_owner(&self, path: &Path) -> Result<(), String> {
        match self.owner {
            Owner::Me => Ok(()),
            Owner::Postgres { uid, gid } => std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .map_err(|e| format!("chown {} to postgres: {e}", path.display())),
        }
    }

    /// Runs a PostgreSQL program as the cluster owner, capturing its output.
    fn run_pg(&self, program: &Path, args: &[OsString]) -> Result<RunOutput, String> {
        let mut cmd = match self.owner {
            Owner::Me => Command::new(program),
            Owner::Postgres { .. } => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", "postgres", "--"]).arg(program);
                cmd
            }
        };
        // A directory the postgres user can enter (the caller's may be private).
        cmd.args(args).current_dir(&self.base).env_remove("PGDATA").env_remove("PGPORT");
        let started = Instant::now();
        let out = cmd.output().map_err(|e| format!("running {}: {e}", program.display()))?;
        tracing::debug!("{} {:?} finished in {:?}: {}", program.display(), args, started.elapsed(), out.status);
        let mut text = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() && !stdout.trim().is_empty() {
            text = format!("{text} {}", stdout.trim());
        }
        Ok(RunOutput { success: out.status.success(), text: format!("{} ({})", text.trim(), out.status) })
    }
}

struct RunOutput {
    success: bool,
    text: String,
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("finding a free port on 127.0.0.1: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("finding a free port on 127.0.0.1: {e}"))
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
fn wait_accepting(port: u16, patience: Duration) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + patience;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The last `lines` lines of a file, joined with ` | ` (for error messages).
fn tail(path: &Path, lines: usize) -> String {
    match fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            all[all.len().saturating_sub(lines)..].join(" | ")
        }
        Err(e) => format!("<unreadable: {e}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_is_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://u:p@db.example:5433/app?sslmode=require", "koinon_t_ab").expect("valid"),
            "postgres://u:p@db.example:5433/koinon_t_ab?sslmode=require"
        );
        assert_eq!(with_database("postgresql://localhost", "d").expect("valid"), "postgresql://localhost/d");
        assert_eq!(with_database("postgres://h/", "d").expect("valid"), "postgres://h/d");
        assert_eq!(with_database("postgres://h?x=1", "d").expect("valid"), "postgres://h/d?x=1");
        assert!(with_database("mysql://h/db", "d").is_err());
        assert!(with_database("host=localhost", "d").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h:5432/db?password=x"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgres://h"), "postgres://h");
        assert!(!redact("nonsense secret").contains("secret"));
    }

    #[test]
    fn versions_sort_numerically() {
        let mut versions: Vec<Vec<u32>> = ["9.6", "15", "10", "13"].iter().filter_map(|v| parse_version(v)).collect();
        versions.sort();
        assert_eq!(versions.last(), Some(&vec![15]));
        assert_eq!(parse_version("15devel"), None);
    }

    /// Two calls give two distinct, empty, usable databases. Skips without PostgreSQL unless
    /// `KOINON_REQUIRE_POSTGRES=1`.
    #[tokio::test]
    async fn fresh_databases_are_distinct_and_usable() {
        let Some(first) = fresh_postgres_url().await else { return };
        let Some(second) = fresh_postgres_url().await else { return };
        assert_ne!(first, second);
        for url in [&first, &second] {
            let mut conn = PgConnection::connect(url).await.expect("connect to the fresh database");
            let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut conn).await.expect("SELECT 1");
            assert_eq!(one, 1);
            let tables: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
            )
            .fetch_one(&mut conn)
            .await
            .expect("count tables");
            assert_eq!(tables, 0, "a fresh database is empty");
            let name: String =
                sqlx::query_scalar("SELECT current_database()::text").fetch_one(&mut conn).await.expect("name");
            assert!(name.starts_with(DATABASE_PREFIX), "{name}");
            conn.close().await.expect("close");
        }
    }
}
