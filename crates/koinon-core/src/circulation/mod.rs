//! The figures of a municipal e-currency, computed from its ledger by tracing flows: what was
//! issued, what beneficiaries spent (by category and by merchant), how much merchants passed on
//! to each other before redeeming, velocity, retention, and the local multiplier LM3.
//!
//! Input: the posted transfers of one currency ledger in timestamp order, and each account's
//! role (from its type code, see [`AccountRole`]). Output: [`Figures`] for a period
//! `[from, to)` and optionally one programme (issue transfers whose reference starts with
//! `programme:{id}/`).
//!
//! # Tracing
//!
//! Every wallet and merchant account holds its units as a queue of *lots*; a lot says which
//! programme the units were issued under (and whether in the period), and how far they have
//! travelled: held by a beneficiary, received by a merchant from a beneficiary (round 1),
//! passed once from merchant to merchant (round 2), passed twice or more (round 3+), or arrived
//! some other way. A transfer out of an account spends its **oldest units first** (first in,
//! first out): it takes whole lots from the front of the queue and splits at most one. The
//! rule is exact in integers (no shares, no remainders) and deterministic for a given order of
//! transfers; the ledger gives every transfer a distinct timestamp, so the order is the
//! ledger's own. Adjacent lots of the same kind are merged, so the queues stay short.
//!
//! Issuance, fees and rounding accounts hold no lots: units that reach them have left the local
//! economy, and units they pay out start new lots (units issued to a wallet carry their
//! programme; anything else is untraced).
//!
//! # The figures (see `docs/currency.md`, "Figures")
//!
//! - **issued** (R1): issuance → wallet transfers in the period (of the programme).
//! - **spent**: wallet → merchant transfers in the period, of units of the programme (any
//!   period of issue); by the payment's category (`category:{name}` reference) and by merchant.
//! - **circulated**: merchant → merchant transfers in the period, of units of the programme.
//! - **redeemed**: merchant → issuance transfers in the period; **recirculation** is the share
//!   of the redeemed units that had passed from one merchant to another at least once.
//! - **LM3** = (R1 + R2 + R3) / R1 over the *cohort* of units issued in the period: R2 is what
//!   merchants passed on to other merchants, before `to`, of cohort units they received from
//!   beneficiaries; R3 is what the next merchants passed on of those. So R3 ≤ R2 ≤ R1 and
//!   1 ≤ LM3 ≤ 3.
//! - **velocity** = (spent + circulated) / average outstanding, where outstanding is the units
//!   of the programme held by wallets and merchants, averaged over the period weighted by time
//!   (to the microsecond).
//! - **retention**: the share of the cohort still held by wallets and merchants at `to`.

mod trace;

#[cfg(test)]
mod tests;

pub use trace::Tracer;

use serde::Serialize;

use crate::ledger::Id;

/// Most accounts one ledger's figures are traced over.
pub const ACCOUNTS_MAX: usize = 10_000_000;
/// Most transfers traced in one computation.
pub const TRANSFERS_MAX: u64 = 100_000_000;
/// Most distinct spending categories reported; later ones are counted together.
pub const CATEGORIES_MAX: usize = 64;
/// Longest category name kept (longer ones are counted as [`CATEGORY_OTHER`]).
pub const CATEGORY_MAX_CHARS: usize = 64;
/// Most time buckets (e.g. months) in the series.
pub const BUCKETS_MAX: usize = 240;
/// Most merchants listed by name; the rest are summed.
pub const TOP_MERCHANTS_MAX: usize = 100;
/// The category of payments whose reference names none.
pub const CATEGORY_NONE: &str = "uncategorised";
/// The category of payments past [`CATEGORIES_MAX`] distinct categories.
pub const CATEGORY_OTHER: &str = "other";
/// Longest programme id in a filter.
pub const PROGRAMME_MAX_CHARS: usize = 64;

/// What an account is for, as the figures see it (from its ledger type code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// `issuance`: where units are issued from and redeemed to.
    Issuance,
    /// `wallet`: a beneficiary.
    Wallet,
    /// `merchant`: an accredited merchant.
    Merchant,
    /// `fees`: redemption fees, demurrage, expiry.
    Fees,
    /// `rounding`: remainders of exact divisions.
    Rounding,
    /// Any other type code: units held there are outside the local economy but still traced.
    Other,
}

impl AccountRole {
    pub fn from_code(code: &str) -> Self {
        match code {
            "issuance" => Self::Issuance,
            "wallet" => Self::Wallet,
            "merchant" => Self::Merchant,
            "fees" => Self::Fees,
            "rounding" => Self::Rounding,
            _ => Self::Other,
        }
    }

    /// Wallets and merchants: the local economy.
    pub fn is_local(self) -> bool {
        matches!(self, Self::Wallet | Self::Merchant)
    }

    /// Accounts whose units are traced lot by lot (everything but issuance, fees, rounding).
    pub fn holds_lots(self) -> bool {
        matches!(self, Self::Wallet | Self::Merchant | Self::Other)
    }
}

/// What kind of movement a transfer is, from the roles of its two accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// issuance → wallet (code `issue`).
    Issue,
    /// wallet → merchant (code `payment`).
    Payment,
    /// merchant → merchant (code `circulation`).
    Circulation,
    /// merchant → issuance (code `redemption`).
    Redemption,
    /// merchant → fees or rounding (code `redemption_fee`).
    Fee,
    /// wallet → fees, rounding or issuance (codes `demurrage`, `expiry`).
    Expiry,
    /// Anything else (refunds, corrections, accounts of other types).
    Other,
}

impl FlowKind {
    pub fn of(debit: AccountRole, credit: AccountRole) -> Self {
        use AccountRole::*;
        match (debit, credit) {
            (Issuance, Wallet) => Self::Issue,
            (Wallet, Merchant) => Self::Payment,
            (Merchant, Merchant) => Self::Circulation,
            (Merchant, Issuance) => Self::Redemption,
            (Merchant, Fees | Rounding) => Self::Fee,
            (Wallet, Fees | Rounding | Issuance) => Self::Expiry,
            _ => Self::Other,
        }
    }
}

/// One posted transfer, as the tracer reads it. Accounts are dense indexes into the role list
/// given to [`Tracer::new`]. A posted hold counts with the amount it was posted at; pending
/// holds and voids are not movements and must not be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowTransfer<'a> {
    pub debit: u32,
    pub credit: u32,
    pub amount_minor: i64,
    /// Microseconds since the epoch; never decreasing from one transfer to the next.
    pub timestamp_us: i64,
    /// `programme:{id}/run:{run}` on issues, `category:{name}` on payments.
    pub reference: Option<&'a str>,
}

/// Which figures to compute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiguresQuery {
    /// Start of the period (inclusive), microseconds since the epoch.
    pub from_us: i64,
    /// End of the period (exclusive).
    pub to_us: i64,
    /// Only units issued under this programme (reference prefix `programme:{id}/`).
    pub programme: Option<String>,
    /// Starts of the series buckets (e.g. the first of each month): the first must be
    /// `from_us`, strictly increasing, all before `to_us`. Empty: no series.
    pub bucket_starts_us: Vec<i64>,
    /// Merchants listed by name, largest first.
    pub top_merchants: usize,
}

/// Why figures cannot be computed. Each names what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiguresError {
    #[error("the period is empty: `from` must be before `to`")]
    EmptyPeriod,
    #[error("the series buckets must start at `from`, increase, end before `to`, and be at most {BUCKETS_MAX}")]
    Buckets,
    #[error("top merchants must be at most {TOP_MERCHANTS_MAX}")]
    TopMerchants,
    #[error("programme must be 1 to {PROGRAMME_MAX_CHARS} characters without '/'")]
    Programme,
    #[error("more than {ACCOUNTS_MAX} accounts")]
    TooManyAccounts,
    #[error("more than {TRANSFERS_MAX} transfers")]
    TooManyTransfers,
    #[error("transfer {index}: account index {account} is not one of the ledger's accounts")]
    UnknownAccount { index: u64, account: u32 },
    #[error("transfer {index}: timestamp {timestamp_us} is before the one before it")]
    OutOfOrder { index: u64, timestamp_us: i64 },
    #[error("transfer {index}: amount {amount_minor} is not positive")]
    NonPositiveAmount { index: u64, amount_minor: i64 },
    #[error("the figures end at {to_us}, but transfers up to {last_us} were already traced")]
    EndBeforeTraced { to_us: i64, last_us: i64 },
    #[error("a total leaves the 64-bit range")]
    Overflow,
}

/// A ratio of two integers, with its value in basis points (1/10,000), rounded half up.
/// `None` where the ratio is used means its denominator is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ratio {
    pub numerator: i64,
    pub denominator: i64,
    pub basis_points: i64,
}

impl Ratio {
    /// `None` when the denominator is not positive.
    pub fn new(numerator: i64, denominator: i64) -> Option<Self> {
        (denominator > 0).then(|| Self {
            numerator,
            denominator,
            basis_points: bp(numerator.into(), denominator.into()),
        })
    }

    /// The value with two decimals (`2.34`), rounded half up, computed in integers.
    pub fn decimal_text(&self) -> String {
        let hundredths = (i128::from(self.basis_points) + 50).div_euclid(100);
        format!("{}.{:02}", hundredths.div_euclid(100), hundredths.rem_euclid(100))
    }

    /// The value as a percentage with one decimal (`16.7`), rounded half up.
    pub fn percent_text(&self) -> String {
        let tenths = (i128::from(self.basis_points) + 5).div_euclid(10);
        format!("{}.{}", tenths.div_euclid(10), tenths.rem_euclid(10))
    }
}

/// `num / den` in basis points, rounded half up (den > 0; saturates at the i64 range).
pub(crate) fn bp(num: i128, den: i128) -> i64 {
    let scaled = num.saturating_mul(20_000).saturating_add(den);
    i64::try_from(scaled.div_euclid(den.saturating_mul(2))).unwrap_or(if num < 0 { i64::MIN } else { i64::MAX })
}

/// Payments in one spending category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryFigure {
    pub category: String,
    pub spent_minor: i64,
    pub payments: i64,
}

/// Payments received by one merchant account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MerchantFigure {
    /// Dense index of the merchant account (the caller maps it to the account and owner).
    pub account: u32,
    pub received_minor: i64,
    pub payments: i64,
}

/// One bucket of the series (e.g. a month).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BucketFigure {
    pub start_us: i64,
    pub issued_minor: i64,
    pub spent_minor: i64,
    pub circulated_minor: i64,
    pub redeemed_minor: i64,
}

/// The rounds of LM3, over the units issued in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rounds {
    /// Units issued to beneficiaries in the period (= `issued_minor`).
    pub r1_minor: i64,
    /// What merchants passed on to other merchants of those units received from beneficiaries.
    pub r2_minor: i64,
    /// What the next merchants passed on to other merchants of the R2 units.
    pub r3_minor: i64,
}

/// Where the units issued in the period are at the end of it. The parts add up to R1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortPosition {
    pub in_wallets_minor: i64,
    pub at_merchants_minor: i64,
    /// Held by accounts of other types.
    pub elsewhere_minor: i64,
    /// Redeemed, charged as fees, expired or otherwise returned.
    pub left_minor: i64,
}

/// The figures of a currency ledger for one period (and programme).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub from_us: i64,
    pub to_us: i64,
    pub programme: Option<String>,
    /// Transfers read (including those before the period, which set the state).
    pub transfers_read: u64,
    pub issued_minor: i64,
    pub issues: i64,
    /// Issues of the programme before `to`, in the period or before it.
    pub issues_all_time: i64,
    /// Wallets that received units in the period.
    pub beneficiaries: i64,
    pub spent_minor: i64,
    pub payments: i64,
    pub circulated_minor: i64,
    pub redeemed_minor: i64,
    /// Redeemed units that had passed from merchant to merchant at least once.
    pub redeemed_recirculated_minor: i64,
    pub fees_minor: i64,
    pub expired_minor: i64,
    pub by_category: Vec<CategoryFigure>,
    pub top_merchants: Vec<MerchantFigure>,
    /// Merchants beyond the top ones, and what they received together.
    pub other_merchants: i64,
    pub other_merchants_received_minor: i64,
    pub series: Vec<BucketFigure>,
    pub rounds: Rounds,
    pub cohort: CohortPosition,
    /// Units of the programme held by wallets and merchants at `to`.
    pub outstanding_end_minor: i64,
    /// Time-weighted mean of the outstanding units over the period, rounded down.
    pub average_outstanding_minor: i64,
    /// (R1 + R2 + R3) / R1.
    pub lm3: Option<Ratio>,
    /// redeemed_recirculated / redeemed.
    pub recirculation: Option<Ratio>,
    /// (spent + circulated) / average outstanding (exact time weighting, not the rounded mean).
    pub velocity: Option<Ratio>,
    /// Cohort units still in wallets and merchants at `to` / R1.
    pub retention: Option<Ratio>,
}

/// Figures over transfers given at once (see [`Tracer`] to feed them one by one).
pub fn compute<'a>(
    roles: &[AccountRole],
    transfers: impl IntoIterator<Item = FlowTransfer<'a>>,
    query: &FiguresQuery,
) -> Result<Figures, FiguresError> {
    let mut tracer = Tracer::new(roles.to_vec(), query)?;
    for t in transfers {
        tracer.push(&t)?;
    }
    tracer.finish()
}

/// Maps account ids to dense indexes (the order they were added).
#[derive(Debug, Clone, Default)]
pub struct AccountIndex {
    index: std::collections::HashMap<Id, u32>,
    ids: Vec<Id>,
    roles: Vec<AccountRole>,
}

impl AccountIndex {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            index: std::collections::HashMap::with_capacity(n),
            ids: Vec::with_capacity(n),
            roles: Vec::with_capacity(n),
        }
    }

    /// Adds an account (again: keeps the first); fails past [`ACCOUNTS_MAX`].
    pub fn add(&mut self, id: Id, role: AccountRole) -> Result<u32, FiguresError> {
        if let Some(i) = self.index.get(&id) {
            return Ok(*i);
        }
        if self.ids.len() >= ACCOUNTS_MAX {
            return Err(FiguresError::TooManyAccounts);
        }
        let i = u32::try_from(self.ids.len()).map_err(|_| FiguresError::TooManyAccounts)?;
        self.index.insert(id, i);
        self.ids.push(id);
        self.roles.push(role);
        Ok(i)
    }

    pub fn get(&self, id: Id) -> Option<u32> {
        self.index.get(&id).copied()
    }

    pub fn id(&self, index: u32) -> Option<Id> {
        self.ids.get(index as usize).copied()
    }

    pub fn roles(&self) -> &[AccountRole] {
        &self.roles
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}
