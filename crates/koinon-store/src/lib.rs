//! Persistence for koinon: SQLite (the embedded default) and PostgreSQL (at scale).
//!
//! One set of queries serves both backends: the SQL text is the same where the dialects
//! agree (`$1` placeholders, `RETURNING`, partial indexes), and the [`on!`] macro runs one body
//! against whichever connection type is underneath. Migrations are embedded, one folder per
//! backend. Every query here knows koinon-core types, never HTTP.

pub mod currency;
pub mod currency_decay;
pub mod currency_flows;
pub mod currency_statement;
mod db;
pub mod dump;
mod error;
pub mod indigo;
pub mod ledger;
pub mod merchants;
pub mod outcome_designs;
pub mod outcome_feasibility;
pub mod outcomes;
pub mod records;
#[cfg(feature = "testing")]
pub mod testing;

pub use db::{Backend, Conn, Db, Store, StoreConfig, Tx};
pub use error::StoreError;
