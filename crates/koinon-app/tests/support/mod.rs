//! What the app's test files share.

use koinon_store::{Store, StoreConfig};

/// A store of its own for one test: a fresh SQLite database in a temporary folder, or a fresh
/// database of the shared throwaway PostgreSQL cluster (`None` when PostgreSQL is not there and
/// not required).
pub async fn fresh_store(postgres: bool) -> Option<(Store, Option<tempfile::TempDir>)> {
    let (config, dir) = if postgres {
        (StoreConfig::new("unused", Some(koinon_store::testing::fresh_postgres_url().await?)), None)
    } else {
        let dir = tempfile::tempdir().expect("dir");
        (StoreConfig::new(dir.path(), None), Some(dir))
    };
    Some((Store::open(&config).await.expect("store"), dir))
}
