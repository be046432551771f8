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

/// splitmix64: a small generator that gives the same numbers every run.
#[allow(dead_code)] // not every test file draws numbers
pub struct Rng(pub u64);

#[allow(dead_code)]
impl Rng {
    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }
}
