//! Use cases: one function per action. Each checks who may do it through the one policy in
//! `koinon_core::authz`, runs in one database transaction, and appends its audit entry in that
//! same transaction. The web pages, the JSON API and the CLI all call these functions, so they
//! cannot disagree.

pub mod audit;
pub mod auth;
pub mod currency;
pub mod currency_decay;
pub mod currency_demo;
pub mod currency_demo_trade;
pub mod currency_figures;
pub mod currency_holds;
pub mod currency_pay;
pub mod currency_payment_sweep;
mod currency_payment_writer;
pub mod currency_payments;
pub mod currency_redemption;
pub mod currency_statement;
pub mod demo;
mod error;
pub mod indigo;
pub mod ledger;
pub use error::Errors;
pub mod merchants;
pub mod network;
pub mod organisations;
pub mod outcome_dashboard;
pub mod outcome_designs;
pub mod outcome_feasibility;
pub mod outcome_files;
pub mod outcomes;
pub mod tenants;
pub mod users;

use std::time::{SystemTime, UNIX_EPOCH};

pub use error::AppError;
use koinon_core::authz::{self, Action, Resource, Subject};
use koinon_core::role::Role;
use koinon_store::Store;
pub use koinon_store::records;

/// Page sizes: every list has a limit.
pub const PAGE_DEFAULT: i64 = 50;
pub const PAGE_MAX: i64 = 200;

/// The application: a store and nothing else that holds state.
#[derive(Debug, Clone)]
pub struct App {
    store: Store,
    ledger_writer: ledger::WriterSlot,
    payment_writer: currency_payment_writer::PaymentWriterSlot,
    tenant_cache: tenants::TenantCache,
    ledger_cache: ledger::LedgerCache,
    token_cache: auth::TokenCache,
    notifier: currency::NotifierSlot,
    figures_cache: currency_figures::FiguresCache,
    clock: Clock,
}

/// The app's clock: the system's time, moved forward by an offset that tests and simulations
/// set to run months of a currency in seconds. Clones share the offset. The ledger stamps its
/// transfers with this clock, so what happened "three months ago" is in the ledger as such.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_us: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    /// Microseconds since the Unix epoch, by this clock.
    pub fn now_us(&self) -> i64 {
        App::now_us().saturating_add(self.offset_us.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// Moves the clock forward by `us` microseconds (never back: the ledger's timestamps only
    /// grow).
    pub fn advance_us(&self, us: i64) {
        self.offset_us.fetch_add(us.max(0), std::sync::atomic::Ordering::SeqCst);
    }
}

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user or an API token's user.
    User(Subject),
    /// The operator at the command line (`koinon admin ...`), or the demo seeder.
    System(&'static str),
}

impl Actor {
    /// How the actor appears in the audit log: `user:<id>` (no personal data) or `system:cli`.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::User(s) => format!("user:{}", s.user_id),
            Actor::System(what) => format!("system:{what}"),
        }
    }

    pub fn subject(&self) -> Option<&Subject> {
        match self {
            Actor::User(s) => Some(s),
            Actor::System(_) => None,
        }
    }

    /// Checks the policy. The system actor (the operator's CLI) may do everything.
    pub fn require(&self, action: Action, resource: &Resource) -> Result<(), AppError> {
        match self {
            Actor::System(_) => Ok(()),
            Actor::User(subject) if authz::permits(subject, action, resource) => Ok(()),
            Actor::User(_) => Err(AppError::Forbidden),
        }
    }

    /// The tenant a user acts in; `None` for the system actor.
    pub fn tenant_id(&self) -> Option<i64> {
        self.subject().map(|s| s.tenant_id)
    }

    pub fn role(&self) -> Option<Role> {
        self.subject().map(|s| s.role)
    }
}

/// A cursor page of items.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque cursor for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Clamps a requested page size into `1..=PAGE_MAX`.
pub fn page_limit(requested: Option<i64>) -> i64 {
    requested.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX)
}

/// Parses an opaque numeric cursor, naming the field when it does not parse.
pub fn parse_cursor(raw: Option<&str>) -> Result<Option<i64>, AppError> {
    match raw {
        None | Some("") => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            AppError::invalid("cursor", "invalid_cursor", "cursor must be a value returned as next_cursor")
        }),
    }
}

impl App {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            ledger_writer: ledger::WriterSlot::default(),
            payment_writer: currency_payment_writer::PaymentWriterSlot::default(),
            tenant_cache: tenants::TenantCache::default(),
            ledger_cache: ledger::LedgerCache::default(),
            token_cache: auth::TokenCache::default(),
            notifier: std::sync::Arc::new(currency::LogOnlyNotifier),
            figures_cache: currency_figures::FiguresCache::default(),
            clock: Clock::default(),
        }
    }

    /// The same app with `clock` (a test moves it forward to run months in seconds). Set it
    /// before the first ledger write.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Now, by the app's clock (microseconds since the Unix epoch).
    pub fn clock_now_us(&self) -> i64 {
        self.clock.now_us()
    }

    /// The currency ledgers' traced states kept between requests for figures.
    pub fn figures_cache(&self) -> &currency_figures::FiguresCache {
        &self.figures_cache
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Microseconds since the Unix epoch, now.
    pub fn now_us() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}
