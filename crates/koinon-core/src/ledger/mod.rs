//! The ledger's rules, as a pure state machine: accounts with four balances and limit flags,
//! transfers that are single-phase or two-phase (pending, then posted or voided), linked chains
//! that commit or fail as one, idempotent ids, and a result code per event. Modelled on
//! TigerBeetle. The store feeds the machine the accounts and transfers a batch touches and
//! writes back what it changed; nothing else ever writes a balance.

mod machine;

pub use machine::{BatchOutcome, LedgerState, PendingStatus, apply_transfers, expire_pending, expiry_id};

use std::fmt;

/// A client-chosen 128-bit id (a UUID). Zero is never a valid id.
pub type Id = u128;

/// Most transfers in one batch (TigerBeetle's limit for 128-byte events in a 1 MiB message).
pub const BATCH_MAX: usize = 8_190;
/// Longest reason code and reference.
pub const CODE_MAX_CHARS: usize = 64;
pub const REFERENCE_MAX_CHARS: usize = 200;
/// Longest timeout of a pending transfer: 30 days.
pub const TIMEOUT_MAX_S: i64 = 30 * 24 * 3600;

/// The documented account types. A type says what the account is for; rules do not depend on
/// it, but reports and pages do.
pub const ACCOUNT_CODES: &[(&str, &str)] = &[
    ("budget", "a municipal budget line that pays out"),
    ("outcome_payer", "a commissioner paying for verified outcomes"),
    ("guarantee_fund", "euros that back a municipal e-currency"),
    ("liquidity", "the ledger's side of a currency exchange"),
    ("issuance", "where a municipal e-currency is issued from"),
    ("wallet", "a beneficiary's e-currency wallet"),
    ("merchant", "an accredited merchant's account"),
    ("spv", "a special-purpose vehicle of a social impact bond"),
    ("investor", "a social investor's capital account"),
    ("provider", "a service provider's account"),
    ("grant", "a grant awarded under a call"),
    ("fees", "fees collected (redemption, demurrage)"),
    ("rounding", "remainders of exact divisions"),
    ("bank", "money held at a bank (the outside world)"),
    ("other", "anything else"),
];

/// Defines a set of flags: bit constants, their API names, and parsing to and from names.
macro_rules! flag_set {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $flag:ident = $bit:literal as $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub u16);

        impl $name {
            $($(#[$fdoc])* pub const $flag: u16 = $bit;)+
            pub const NAMES: &'static [(&'static str, u16)] = &[$(($text, $bit)),+];

            pub fn has(self, flag: u16) -> bool {
                self.0 & flag != 0
            }

            /// Parses flag names; an unknown name is returned as the error.
            pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
                names
                    .into_iter()
                    .try_fold(0, |bits, name| {
                        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, bit)| bits | bit).ok_or_else(|| name.to_string())
                    })
                    .map(Self)
            }

            /// The names of the flags set, in declaration order.
            pub fn names(self) -> Vec<&'static str> {
                Self::NAMES.iter().filter(|(_, b)| self.has(*b)).map(|(n, _)| *n).collect()
            }
        }
    };
}

flag_set!(
    /// Limits and state of an account.
    AccountFlags {
        DEBITS_MUST_NOT_EXCEED_CREDITS = 1 as "debits_must_not_exceed_credits",
        CREDITS_MUST_NOT_EXCEED_DEBITS = 2 as "credits_must_not_exceed_debits",
        CLOSED = 4 as "closed",
    }
);

flag_set!(
    /// How a transfer behaves: chained, a hold, or the post or void of a hold.
    TransferFlags {
        LINKED = 1 as "linked",
        PENDING = 2 as "pending",
        POST_PENDING = 4 as "post_pending",
        VOID_PENDING = 8 as "void_pending",
    }
);

impl TransferFlags {
    /// Post or void: resolves a pending transfer.
    pub fn resolves_pending(self) -> bool {
        self.has(Self::POST_PENDING) || self.has(Self::VOID_PENDING)
    }
}

/// An account and its four balances, in minor units of its ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: Id,
    pub ledger: i64,
    pub code: String,
    pub flags: AccountFlags,
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_pending: i64,
    pub credits_posted: i64,
    pub timestamp: i64,
}

/// A transfer as a client submits it and as the ledger stores it (with `timestamp` set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: Id,
    /// Zero on post/void means "the pending transfer's".
    pub debit_account_id: Id,
    pub credit_account_id: Id,
    /// Minor units. Zero on post/void means "the full pending amount".
    pub amount: i64,
    pub ledger: i64,
    pub code: String,
    pub reference: Option<String>,
    pub flags: TransferFlags,
    pub pending_id: Option<Id>,
    /// Seconds until a pending transfer is voided by the ledger; 0 = never.
    pub timeout_s: i64,
    /// Assigned by the ledger: microseconds since the epoch, strictly increasing.
    pub timestamp: i64,
}

/// The result of one event in a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferResult {
    Ok,
    Exists,
    ExistsWithDifferentFields,
    LinkedEventFailed,
    LinkedEventChainOpen,
    IdMustNotBeZero,
    AccountsMustBeDifferent,
    AccountNotFound,
    LedgerMustMatch,
    AmountMustBePositive,
    ExceedsCredits,
    ExceedsDebits,
    OverflowsBalance,
    AccountClosed,
    FlagsAreMutuallyExclusive,
    PendingIdMustBeSet,
    PendingIdMustNotBeSet,
    TimeoutReservedForPendingTransfer,
    TimeoutTooLong,
    PendingTransferNotFound,
    PendingTransferNotPending,
    PendingTransferHasDifferentAccounts,
    PendingTransferAlreadyPosted,
    PendingTransferAlreadyVoided,
    PendingTransferExpired,
    AmountExceedsPending,
    CodeInvalid,
    ReferenceTooLong,
}

impl TransferResult {
    pub const ALL: [TransferResult; 28] = [
        Self::Ok,
        Self::Exists,
        Self::ExistsWithDifferentFields,
        Self::LinkedEventFailed,
        Self::LinkedEventChainOpen,
        Self::IdMustNotBeZero,
        Self::AccountsMustBeDifferent,
        Self::AccountNotFound,
        Self::LedgerMustMatch,
        Self::AmountMustBePositive,
        Self::ExceedsCredits,
        Self::ExceedsDebits,
        Self::OverflowsBalance,
        Self::AccountClosed,
        Self::FlagsAreMutuallyExclusive,
        Self::PendingIdMustBeSet,
        Self::PendingIdMustNotBeSet,
        Self::TimeoutReservedForPendingTransfer,
        Self::TimeoutTooLong,
        Self::PendingTransferNotFound,
        Self::PendingTransferNotPending,
        Self::PendingTransferHasDifferentAccounts,
        Self::PendingTransferAlreadyPosted,
        Self::PendingTransferAlreadyVoided,
        Self::PendingTransferExpired,
        Self::AmountExceedsPending,
        Self::CodeInvalid,
        Self::ReferenceTooLong,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Exists => "exists",
            Self::ExistsWithDifferentFields => "exists_with_different_fields",
            Self::LinkedEventFailed => "linked_event_failed",
            Self::LinkedEventChainOpen => "linked_event_chain_open",
            Self::IdMustNotBeZero => "id_must_not_be_zero",
            Self::AccountsMustBeDifferent => "accounts_must_be_different",
            Self::AccountNotFound => "account_not_found",
            Self::LedgerMustMatch => "ledger_must_match",
            Self::AmountMustBePositive => "amount_must_be_positive",
            Self::ExceedsCredits => "exceeds_credits",
            Self::ExceedsDebits => "exceeds_debits",
            Self::OverflowsBalance => "overflows_balance",
            Self::AccountClosed => "account_closed",
            Self::FlagsAreMutuallyExclusive => "flags_are_mutually_exclusive",
            Self::PendingIdMustBeSet => "pending_id_must_be_set",
            Self::PendingIdMustNotBeSet => "pending_id_must_not_be_set",
            Self::TimeoutReservedForPendingTransfer => "timeout_reserved_for_pending_transfer",
            Self::TimeoutTooLong => "timeout_too_long",
            Self::PendingTransferNotFound => "pending_transfer_not_found",
            Self::PendingTransferNotPending => "pending_transfer_not_pending",
            Self::PendingTransferHasDifferentAccounts => "pending_transfer_has_different_accounts",
            Self::PendingTransferAlreadyPosted => "pending_transfer_already_posted",
            Self::PendingTransferAlreadyVoided => "pending_transfer_already_voided",
            Self::PendingTransferExpired => "pending_transfer_expired",
            Self::AmountExceedsPending => "amount_exceeds_pending",
            Self::CodeInvalid => "code_invalid",
            Self::ReferenceTooLong => "reference_too_long",
        }
    }

    /// `ok` and `exists` are successes (an `exists` had its effect the first time).
    pub fn is_success(self) -> bool {
        matches!(self, Self::Ok | Self::Exists)
    }
}

impl fmt::Display for TransferResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a UUID string (`8-4-4-4-12` hex, or 32 hex digits) into an [`Id`].
pub fn parse_id(raw: &str) -> Option<Id> {
    let hex: String = raw.trim().chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || raw.trim().len() > 36 {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok()
}

/// Formats an [`Id`] as a lower-case hyphenated UUID.
pub fn format_id(id: Id) -> String {
    let h = format!("{id:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let id = parse_id("0190A1B2-C3D4-7E5F-8a9b-0c1d2e3f4a5b").expect("uuid");
        assert_eq!(format_id(id), "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        assert_eq!(parse_id("0190a1b2c3d47e5f8a9b0c1d2e3f4a5b"), Some(id));
        for bad in ["", "xyz", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5bb"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn flags_parse_by_name() {
        let f = TransferFlags::from_names(["linked", "pending"]).expect("flags");
        assert!(f.has(TransferFlags::LINKED) && f.has(TransferFlags::PENDING));
        assert_eq!(f.names(), ["linked", "pending"]);
        assert_eq!(TransferFlags::from_names(["fast"]), Err("fast".into()));
        assert_eq!(AccountFlags::from_names(["closed"]).map(|f| f.0), Ok(AccountFlags::CLOSED));
    }
}
