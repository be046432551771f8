//! Pure domain of koinon: money, names and codes that parse at the edge, roles and the one
//! authorisation policy, the audit chain hash, and locale-aware formatting.
//!
//! No IO, no async, no SQL, no HTTP. Everything here is a plain function of its inputs.

pub mod audit;
pub mod currency;
pub mod authz;
pub mod error;
pub mod finance;
pub mod indigo;
pub mod ledger;
pub mod locale;
pub mod merchant;
pub mod money;
pub mod org;
pub mod outcomes;
pub mod role;
pub mod tenant;
pub mod text;

pub use error::FieldError;
