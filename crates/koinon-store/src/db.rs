use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::StoreError;

/// Runs one body against whichever backend `$db` (a `&mut Db`) holds. The body is compiled
/// once per backend, so the same query text serves both.
#[macro_export]
#[doc(hidden)]
macro_rules! on {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($c) => {
                let $c = &mut **$c;
                $body
            }
            $crate::Db::Postgres($c) => {
                let $c = &mut **$c;
                $body
            }
        }
    };
}

/// WAL frames (pages of 4 KiB) past which [`Store::checkpoint`] restarts the WAL: 64 MiB.
pub const WAL_RESTART_FRAMES: i64 = 16_384;
/// How long a WAL restart waits for the writer and for readers before it gives up until the
/// next checkpoint.
pub const WAL_RESTART_WAIT_MS: u64 = 250;
/// How long an SQLite connection waits for a lock before it reports the database busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where the data lives: a PostgreSQL URL, else `koinon.db` in the data directory.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// Connections in the pool (SQLite readers; PostgreSQL sessions).
    pub max_connections: u32,
}

impl StoreConfig {
    pub fn new(data_dir: impl Into<PathBuf>, database_url: Option<String>) -> Self {
        Self { data_dir: data_dir.into(), database_url, max_connections: 16 }
    }

    /// The SQLite file used when no URL is given.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("koinon.db")
    }
}

/// A connection pool to one of the two backends.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqlitePool, WriteGate),
    Postgres(PgPool),
}

/// The queue of this process's SQLite writers. SQLite lets one transaction write at a time;
/// a writer that finds the lock taken sleeps in SQLite's busy handler (1 ms, then 2, 5, 10 ...
/// up to 100 ms between tries) and meanwhile holds a pooled connection. Writers of one process
/// instead wait their turn here, first come first served, without a connection, and begin the
/// moment the writer before them ends. Writers in other processes still meet the busy handler.
#[derive(Debug, Clone, Default)]
pub struct WriteGate(Arc<Mutex<()>>);

impl WriteGate {
    /// Waits for this process's turn to write, as long as SQLite would wait for its lock.
    async fn enter(&self) -> Result<OwnedMutexGuard<()>, StoreError> {
        tokio::time::timeout(BUSY_TIMEOUT, self.0.clone().lock_owned()).await.map_err(|_| {
            StoreError::Unavailable(format!(
                "the database stayed busy with other writes for {} s",
                BUSY_TIMEOUT.as_secs()
            ))
        })
    }
}

/// A write transaction. SQLite takes the write lock at `BEGIN IMMEDIATE`, so two writers never
/// deadlock on a lock upgrade, and holds this process's [`WriteGate`] until it ends (a
/// read-only snapshot holds none); PostgreSQL runs at READ COMMITTED with explicit row locks.
pub enum Tx<'c> {
    Sqlite(sqlx::Transaction<'c, Sqlite>, Option<OwnedMutexGuard<()>>),
    Postgres(sqlx::Transaction<'c, Postgres>),
}

/// A pooled connection for reads.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>, WriteGate),
    Postgres(PoolConnection<Postgres>),
}

/// A borrowed connection of either backend: all queries are methods on it.
pub enum Db<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Store {
    /// Opens (creating the SQLite file and data directory if needed) and migrates.
    pub async fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        let store = Self::connect(config).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens without migrating.
    pub async fn connect(config: &StoreConfig) -> Result<Self, StoreError> {
        match &config.database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let options = PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Unavailable(format!("database URL: {e}")))?;
                let pool = PgPoolOptions::new()
                    .max_connections(config.max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::Unavailable(format!("PostgreSQL: {e}")))?;
                Ok(Store::Postgres(pool))
            }
            Some(url) if url.starts_with("sqlite:") => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Unavailable(format!("database URL: {e}")))?;
                Self::open_sqlite(options, config.max_connections).await
            }
            Some(other) => Err(StoreError::Unavailable(format!(
                "database URL must start with postgres:// or sqlite: (got {:?})",
                other.split(':').next().unwrap_or("")
            ))),
            None => {
                std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                    StoreError::Unavailable(format!("cannot create data directory {}: {e}", config.data_dir.display()))
                })?;
                let options = SqliteConnectOptions::new().filename(config.sqlite_path());
                Self::open_sqlite(options, config.max_connections).await
            }
        }
    }

    async fn open_sqlite(options: SqliteConnectOptions, max_connections: u32) -> Result<Self, StoreError> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // 8 MiB of page cache per connection; the ledger writer's own connection takes more.
            .pragma("cache_size", "-8192")
            .pragma("temp_store", "memory")
            // Rows a streaming read may run ahead of its reader by (the driver's default is 50):
            // long reads (`ledger check`, the currency figures) hand over rows with fewer
            // thread switches.
            .row_buffer_size(1_024);
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.clamp(1, 64))
            // A connection to a local file does not go stale: pinging it before each use would
            // only cost a round trip to the driver's thread on every request.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("SQLite: {e}")))?;
        Ok(Store::Sqlite(pool, WriteGate::default()))
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool, _) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(..) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx<'static>, StoreError> {
        Ok(match self {
            Store::Sqlite(pool, gate) => {
                let turn = gate.enter().await?;
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, Some(turn))
            }
            Store::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Starts a read-only transaction that sees one consistent snapshot (for backups and
    /// reports that read several tables).
    pub async fn begin_snapshot(&self) -> Result<Tx<'static>, StoreError> {
        Ok(match self {
            // A snapshot only reads: it waits for no writer.
            Store::Sqlite(pool, _) => Tx::Sqlite(pool.begin_with("BEGIN DEFERRED").await?, None),
            Store::Postgres(pool) => {
                Tx::Postgres(pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?)
            }
        })
    }

    /// A connection for reads outside a transaction.
    pub async fn conn(&self) -> Result<Conn, StoreError> {
        Ok(match self {
            Store::Sqlite(pool, gate) => Conn::Sqlite(pool.acquire().await?, gate.clone()),
            Store::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        match self.conn().await {
            Ok(mut conn) => match &mut conn {
                Conn::Sqlite(c, _) => c.ping().await.is_ok(),
                Conn::Postgres(c) => c.ping().await.is_ok(),
            },
            Err(_) => false,
        }
    }

    /// Copies what the WAL holds back into the database file (SQLite; a no-op on PostgreSQL)
    /// and returns the frames the WAL held. First without blocking anyone (`PASSIVE`); when
    /// the WAL has grown past [`WAL_RESTART_FRAMES`] (under a steady stream of commits passive
    /// checkpoints never reach its end), once more with `RESTART`, which waits for the
    /// writer's current transaction and lets the next one write from the start of the file,
    /// so the WAL stays bounded. The restart waits at most [`WAL_RESTART_WAIT_MS`] for the
    /// writer and for readers of old snapshots (a long backup, say), and is tried again at the
    /// next checkpoint, so it never holds writers back for long.
    pub async fn checkpoint(&self) -> Result<i64, StoreError> {
        let Store::Sqlite(pool, _) = self else { return Ok(0) };
        let mut c = pool.acquire().await?;
        let (_, frames, _): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut *c).await?;
        if frames > WAL_RESTART_FRAMES {
            let wait = format!("PRAGMA busy_timeout = {WAL_RESTART_WAIT_MS}");
            sqlx::query(sqlx::AssertSqlSafe(wait)).execute(&mut *c).await?;
            let restarted = sqlx::query("PRAGMA wal_checkpoint(RESTART)").execute(&mut *c).await;
            let back = format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis());
            sqlx::query(sqlx::AssertSqlSafe(back)).execute(&mut *c).await?;
            restarted?;
        }
        Ok(frames)
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool, _) => pool.close().await,
            Store::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx<'_> {
    pub fn db(&mut self) -> Db<'_> {
        match self {
            Tx::Sqlite(tx, _) => Db::Sqlite(tx),
            Tx::Postgres(tx) => Db::Postgres(tx),
        }
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx, _turn) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx, _turn) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

impl Conn {
    /// Starts a write transaction on this connection (kept by a long-lived writer so that its
    /// page cache stays warm).
    pub async fn begin(&mut self) -> Result<Tx<'_>, StoreError> {
        Ok(match self {
            Conn::Sqlite(c, gate) => {
                let turn = gate.enter().await?;
                Tx::Sqlite(c.begin_with("BEGIN IMMEDIATE").await?, Some(turn))
            }
            Conn::Postgres(c) => Tx::Postgres(c.begin().await?),
        })
    }

    /// Makes this connection's page cache larger (SQLite; a no-op on PostgreSQL).
    pub async fn set_cache_mib(&mut self, mib: u32) -> Result<(), StoreError> {
        if let Conn::Sqlite(c, _) = self {
            let sql = format!("PRAGMA cache_size = -{}", u64::from(mib) * 1024);
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut **c).await?;
        }
        Ok(())
    }

    /// Stops this connection from checkpointing the WAL when it commits (SQLite): a writer
    /// that leaves checkpoints to [`Store::checkpoint`] keeps them off its commit path.
    pub async fn leave_checkpoints_to_others(&mut self) -> Result<(), StoreError> {
        if let Conn::Sqlite(c, _) = self {
            sqlx::query("PRAGMA wal_autocheckpoint = 0").execute(&mut **c).await?;
        }
        Ok(())
    }

    pub fn db(&mut self) -> Db<'_> {
        match self {
            Conn::Sqlite(c, _) => Db::Sqlite(c),
            Conn::Postgres(c) => Db::Postgres(c),
        }
    }
}

impl Db<'_> {
    /// Marks a point in the current transaction that [`Db::rollback_to_savepoint`] returns to:
    /// one job of a shared transaction fails without undoing the others.
    pub async fn savepoint(&mut self) -> Result<(), StoreError> {
        on!(self, c => sqlx::query("SAVEPOINT job").execute(c).await.map(|_| ()))?;
        Ok(())
    }

    /// Keeps what was written since the savepoint, as part of the transaction.
    pub async fn release_savepoint(&mut self) -> Result<(), StoreError> {
        on!(self, c => sqlx::query("RELEASE SAVEPOINT job").execute(c).await.map(|_| ()))?;
        Ok(())
    }

    /// Undoes what was written since the savepoint and lets it go.
    pub async fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        on!(self, c => sqlx::query("ROLLBACK TO SAVEPOINT job").execute(c).await.map(|_| ()))?;
        on!(self, c => sqlx::query("RELEASE SAVEPOINT job").execute(c).await.map(|_| ()))?;
        Ok(())
    }
}
