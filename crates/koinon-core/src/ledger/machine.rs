//! The state machine that applies a batch of transfers.
//!
//! Checks, in this order (the first that fails gives the result):
//! 1. `id_must_not_be_zero`; `flags_are_mutually_exclusive` (two of pending, post, void);
//!    `code_invalid` (1–64 of `a-z 0-9 _ . -`); `reference_too_long`;
//!    `pending_id_must_be_set` (post/void without one) or `pending_id_must_not_be_set`;
//!    `timeout_reserved_for_pending_transfer`; `timeout_too_long`.
//! 2. `exists` (same id, same fields: no second effect) or `exists_with_different_fields`.
//! 3. Post or void: `pending_transfer_not_found`, `pending_transfer_not_pending`,
//!    `pending_transfer_has_different_accounts`, `ledger_must_match`,
//!    `pending_transfer_already_posted`, `pending_transfer_already_voided`,
//!    `pending_transfer_expired`, `amount_exceeds_pending`.
//! 4. Otherwise: `accounts_must_be_different`, `account_not_found`, `ledger_must_match`,
//!    `amount_must_be_positive`, `account_closed`, `exceeds_credits`, `exceeds_debits`,
//!    `overflows_balance`.
//!
//! Balance limits count pending amounts: a debit is refused when
//! `debits_pending + debits_posted + amount > credits_posted` on an account with
//! `debits_must_not_exceed_credits` (and the mirror for credits).
//!
//! A transfer with the `linked` flag is chained to the next one; a chain commits or fails as
//! one: the failing event gets its own result, the others of the chain `linked_event_failed`.
//! A chain still open at the end of the batch fails with `linked_event_chain_open`.

use std::collections::{BTreeSet, HashMap};

use sha2::{Digest, Sha256};

use super::{
    Account, AccountFlags, CODE_MAX_CHARS, Id, REFERENCE_MAX_CHARS, TIMEOUT_MAX_S, Transfer, TransferFlags,
    TransferResult,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingStatus {
    Pending,
    Posted,
    Voided,
    Expired,
}

impl PendingStatus {
    pub fn as_i64(self) -> i64 {
        match self {
            Self::Pending => 0,
            Self::Posted => 1,
            Self::Voided => 2,
            Self::Expired => 3,
        }
    }

    pub fn from_i64(v: i64) -> Option<Self> {
        [Self::Pending, Self::Posted, Self::Voided, Self::Expired].into_iter().find(|s| s.as_i64() == v)
    }
}

/// What a batch may read: the accounts its transfers name, the stored transfers whose ids it
/// uses (its own ids and `pending_id`s), and the status of those pending transfers.
#[derive(Debug, Clone, Default)]
pub struct LedgerState {
    pub accounts: HashMap<Id, Account>,
    pub transfers: HashMap<Id, Transfer>,
    /// Status and expiry (microseconds, 0 = never) of pending transfers.
    pub pending: HashMap<Id, (PendingStatus, i64)>,
}

/// What a batch changed, for the store to write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub results: Vec<TransferResult>,
    /// New transfers, in timestamp order.
    pub inserted: Vec<Transfer>,
    /// Accounts whose balances changed (their new values are in the state).
    pub touched_accounts: BTreeSet<Id>,
    /// Pending transfers created or resolved: (id, status, expires_at_us).
    pub pending_changes: Vec<(Id, PendingStatus, i64)>,
}

/// One step to undo if a linked chain fails.
enum Undo {
    Account(Box<Account>),
    Transfer(Id),
    Pending(Id, Option<(PendingStatus, i64)>),
}

fn code_valid(code: &str) -> bool {
    !code.is_empty()
        && code.chars().count() <= CODE_MAX_CHARS
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
}

fn same_fields(a: &Transfer, b: &Transfer) -> bool {
    a.debit_account_id == b.debit_account_id
        && a.credit_account_id == b.credit_account_id
        && a.amount == b.amount
        && a.ledger == b.ledger
        && a.code == b.code
        && a.reference == b.reference
        && a.flags == b.flags
        && a.pending_id == b.pending_id
        && a.timeout_s == b.timeout_s
}

/// For a post or void, the fields as they will be stored, for comparing a replay.
fn resolved_view(t: &Transfer, stored: &Transfer) -> Transfer {
    let mut view = t.clone();
    if view.debit_account_id == 0 {
        view.debit_account_id = stored.debit_account_id;
    }
    if view.credit_account_id == 0 {
        view.credit_account_id = stored.credit_account_id;
    }
    if view.amount == 0 {
        view.amount = stored.amount;
    }
    if view.ledger == 0 {
        view.ledger = stored.ledger;
    }
    view
}

fn add(a: i64, b: i64) -> Option<i64> {
    a.checked_add(b)
}

struct Machine<'s> {
    state: &'s mut LedgerState,
    out: BatchOutcome,
    undo: Vec<Undo>,
}

impl Machine<'_> {
    fn save_account(&mut self, id: Id) {
        if let Some(a) = self.state.accounts.get(&id) {
            self.undo.push(Undo::Account(Box::new(a.clone())));
        }
    }

    fn set_pending(&mut self, id: Id, status: PendingStatus, expires: i64) {
        let before = self.state.pending.insert(id, (status, expires));
        self.undo.push(Undo::Pending(id, before));
    }

    fn rollback(&mut self) {
        while let Some(step) = self.undo.pop() {
            match step {
                Undo::Account(a) => {
                    self.state.accounts.insert(a.id, *a);
                }
                Undo::Transfer(id) => {
                    self.state.transfers.remove(&id);
                }
                Undo::Pending(id, Some(before)) => {
                    self.state.pending.insert(id, before);
                }
                Undo::Pending(id, None) => {
                    self.state.pending.remove(&id);
                }
            }
        }
    }

    fn apply_one(&mut self, t: &Transfer, timestamp: i64) -> TransferResult {
        use TransferResult as R;
        let f = t.flags;
        if t.id == 0 {
            return R::IdMustNotBeZero;
        }
        let phase_flags = [TransferFlags::PENDING, TransferFlags::POST_PENDING, TransferFlags::VOID_PENDING]
            .iter()
            .filter(|b| f.has(**b))
            .count();
        if phase_flags > 1 {
            return R::FlagsAreMutuallyExclusive;
        }
        if !code_valid(&t.code) {
            return R::CodeInvalid;
        }
        if t.reference.as_ref().is_some_and(|r| r.chars().count() > REFERENCE_MAX_CHARS) {
            return R::ReferenceTooLong;
        }
        let resolves = f.resolves_pending();
        if resolves && t.pending_id.is_none() {
            return R::PendingIdMustBeSet;
        }
        if !resolves && t.pending_id.is_some() {
            return R::PendingIdMustNotBeSet;
        }
        if t.timeout_s != 0 && !f.has(TransferFlags::PENDING) {
            return R::TimeoutReservedForPendingTransfer;
        }
        if !(0..=TIMEOUT_MAX_S).contains(&t.timeout_s) {
            return R::TimeoutTooLong;
        }
        if let Some(existing) = self.state.transfers.get(&t.id) {
            let candidate = if resolves { resolved_view(t, existing) } else { t.clone() };
            return if same_fields(&candidate, existing) { R::Exists } else { R::ExistsWithDifferentFields };
        }
        if resolves { self.resolve(t, timestamp) } else { self.create(t, timestamp) }
    }

    fn resolve(&mut self, t: &Transfer, timestamp: i64) -> TransferResult {
        use TransferResult as R;
        let Some(pending_id) = t.pending_id else { return R::PendingIdMustBeSet };
        let Some(p) = self.state.transfers.get(&pending_id).cloned() else { return R::PendingTransferNotFound };
        if !p.flags.has(TransferFlags::PENDING) {
            return R::PendingTransferNotPending;
        }
        if (t.debit_account_id != 0 && t.debit_account_id != p.debit_account_id)
            || (t.credit_account_id != 0 && t.credit_account_id != p.credit_account_id)
        {
            return R::PendingTransferHasDifferentAccounts;
        }
        if t.ledger != 0 && t.ledger != p.ledger {
            return R::LedgerMustMatch;
        }
        let (status, expires) = self.state.pending.get(&pending_id).copied().unwrap_or((PendingStatus::Pending, 0));
        match status {
            PendingStatus::Posted => return R::PendingTransferAlreadyPosted,
            PendingStatus::Voided => return R::PendingTransferAlreadyVoided,
            PendingStatus::Expired => return R::PendingTransferExpired,
            PendingStatus::Pending if expires != 0 && expires <= timestamp => return R::PendingTransferExpired,
            PendingStatus::Pending => {}
        }
        if t.amount < 0 || t.amount > p.amount {
            return R::AmountExceedsPending;
        }
        let post = t.flags.has(TransferFlags::POST_PENDING);
        let amount = if t.amount == 0 || !post { p.amount } else { t.amount };
        let posted = if post { amount } else { 0 };
        let (Some(debit), Some(credit)) =
            (self.state.accounts.get(&p.debit_account_id), self.state.accounts.get(&p.credit_account_id))
        else {
            return R::AccountNotFound;
        };
        let new_debit = (add(debit.debits_pending, -p.amount), add(debit.debits_posted, posted));
        let new_credit = (add(credit.credits_pending, -p.amount), add(credit.credits_posted, posted));
        let (Some(dp), Some(dpo)) = new_debit else { return R::OverflowsBalance };
        let (Some(cp), Some(cpo)) = new_credit else { return R::OverflowsBalance };
        self.save_account(p.debit_account_id);
        self.save_account(p.credit_account_id);
        if let Some(a) = self.state.accounts.get_mut(&p.debit_account_id) {
            a.debits_pending = dp;
            a.debits_posted = dpo;
        }
        if let Some(a) = self.state.accounts.get_mut(&p.credit_account_id) {
            a.credits_pending = cp;
            a.credits_posted = cpo;
        }
        self.set_pending(pending_id, if post { PendingStatus::Posted } else { PendingStatus::Voided }, expires);
        let stored = Transfer {
            id: t.id,
            debit_account_id: p.debit_account_id,
            credit_account_id: p.credit_account_id,
            amount,
            ledger: p.ledger,
            code: t.code.clone(),
            reference: t.reference.clone(),
            flags: t.flags,
            pending_id: t.pending_id,
            timeout_s: 0,
            timestamp,
        };
        self.insert(stored);
        R::Ok
    }

    fn create(&mut self, t: &Transfer, timestamp: i64) -> TransferResult {
        use TransferResult as R;
        if t.debit_account_id == t.credit_account_id {
            return R::AccountsMustBeDifferent;
        }
        let (Some(debit), Some(credit)) =
            (self.state.accounts.get(&t.debit_account_id), self.state.accounts.get(&t.credit_account_id))
        else {
            return R::AccountNotFound;
        };
        if debit.ledger != t.ledger || credit.ledger != t.ledger {
            return R::LedgerMustMatch;
        }
        if t.amount <= 0 {
            return R::AmountMustBePositive;
        }
        if debit.flags.has(AccountFlags::CLOSED) || credit.flags.has(AccountFlags::CLOSED) {
            return R::AccountClosed;
        }
        let amount = t.amount;
        if debit.flags.has(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS) {
            let total = add(debit.debits_pending, debit.debits_posted).and_then(|v| add(v, amount));
            match total {
                Some(total) if total > debit.credits_posted => return R::ExceedsCredits,
                None => return R::OverflowsBalance,
                _ => {}
            }
        }
        if credit.flags.has(AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS) {
            let total = add(credit.credits_pending, credit.credits_posted).and_then(|v| add(v, amount));
            match total {
                Some(total) if total > credit.debits_posted => return R::ExceedsDebits,
                None => return R::OverflowsBalance,
                _ => {}
            }
        }
        let pending = t.flags.has(TransferFlags::PENDING);
        let new_debit = if pending { add(debit.debits_pending, amount) } else { add(debit.debits_posted, amount) };
        let new_credit = if pending { add(credit.credits_pending, amount) } else { add(credit.credits_posted, amount) };
        // Every balance must stay summable with the others (limits compare sums).
        let fits = |a: &Account| {
            add(a.debits_pending, a.debits_posted).is_some() && add(a.credits_pending, a.credits_posted).is_some()
        };
        let (Some(nd), Some(nc)) = (new_debit, new_credit) else { return R::OverflowsBalance };
        self.save_account(t.debit_account_id);
        self.save_account(t.credit_account_id);
        if let Some(a) = self.state.accounts.get_mut(&t.debit_account_id) {
            if pending { a.debits_pending = nd } else { a.debits_posted = nd }
        }
        if let Some(a) = self.state.accounts.get_mut(&t.credit_account_id) {
            if pending { a.credits_pending = nc } else { a.credits_posted = nc }
        }
        let ok = self.state.accounts.get(&t.debit_account_id).is_some_and(fits)
            && self.state.accounts.get(&t.credit_account_id).is_some_and(fits);
        if !ok {
            // Undo just this event's two account changes.
            for _ in 0..2 {
                if let Some(Undo::Account(a)) = self.undo.pop() {
                    self.state.accounts.insert(a.id, *a);
                }
            }
            return R::OverflowsBalance;
        }
        if pending {
            let expires =
                if t.timeout_s > 0 { timestamp.saturating_add(t.timeout_s.saturating_mul(1_000_000)) } else { 0 };
            self.set_pending(t.id, PendingStatus::Pending, expires);
        }
        let mut stored = t.clone();
        stored.timestamp = timestamp;
        self.insert(stored);
        R::Ok
    }

    fn insert(&mut self, t: Transfer) {
        self.undo.push(Undo::Transfer(t.id));
        self.state.transfers.insert(t.id, t);
    }
}

/// Applies `batch` to `state`. Event `i` gets timestamp `first_timestamp + i` if it succeeds.
/// Within a chain, `exists` counts as success, so a retried chain answers `exists` throughout.
pub fn apply_transfers(state: &mut LedgerState, batch: &[Transfer], first_timestamp: i64) -> BatchOutcome {
    let mut m = Machine { state, out: BatchOutcome::default(), undo: Vec::new() };
    let mut results = vec![TransferResult::Ok; batch.len()];
    let mut chain_start: Option<usize> = None;
    let mut chain_failed = false;
    // Transfers the open chain inserted; kept when the chain closes without failing.
    let mut staged: Vec<Id> = Vec::new();
    for (i, t) in batch.iter().enumerate() {
        let linked = t.flags.has(TransferFlags::LINKED);
        let start = *chain_start.get_or_insert_with(|| {
            chain_failed = false;
            m.undo.clear();
            staged.clear();
            i
        });
        let timestamp = first_timestamp + i as i64;
        let result = if chain_failed {
            TransferResult::LinkedEventFailed
        } else if linked && i + 1 == batch.len() {
            TransferResult::LinkedEventChainOpen
        } else {
            m.apply_one(t, timestamp)
        };
        results[i] = result;
        let in_chain = linked || start != i;
        if result == TransferResult::Ok {
            staged.push(t.id);
        } else if !result.is_success() && !chain_failed && in_chain {
            chain_failed = true;
            m.rollback();
            staged.clear();
            for r in &mut results[start..i] {
                *r = TransferResult::LinkedEventFailed;
            }
        }
        if linked {
            continue;
        }
        // The chain (or the single event) closes here: keep what it did.
        if !chain_failed {
            for id in staged.drain(..) {
                if let Some(stored) = m.state.transfers.get(&id) {
                    m.out.inserted.push(stored.clone());
                }
            }
            for step in std::mem::take(&mut m.undo) {
                match step {
                    Undo::Account(a) => {
                        m.out.touched_accounts.insert(a.id);
                    }
                    Undo::Pending(id, _) => {
                        if let Some((status, expires)) = m.state.pending.get(&id) {
                            m.out.pending_changes.push((id, *status, *expires));
                        }
                    }
                    Undo::Transfer(_) => {}
                }
            }
        }
        chain_start = None;
    }
    m.out.results = results;
    m.out
}

/// The id of the void the ledger writes when pending transfer `pending_id` expires.
pub fn expiry_id(pending_id: Id) -> Id {
    let digest = Sha256::new().chain_update(b"koinon-ledger-expiry").chain_update(pending_id.to_be_bytes()).finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(bytes).max(1)
}

/// Voids every pending transfer in `state` whose expiry is at or before `now_us`, releasing
/// exactly its amount; each void is a stored transfer with code `expired`.
pub fn expire_pending(state: &mut LedgerState, now_us: i64, first_timestamp: i64) -> BatchOutcome {
    let mut due: Vec<Id> = state
        .pending
        .iter()
        .filter(|(_, (status, expires))| *status == PendingStatus::Pending && *expires != 0 && *expires <= now_us)
        .map(|(id, _)| *id)
        .collect();
    due.sort_unstable();
    let voids: Vec<Transfer> = due
        .iter()
        .filter_map(|id| state.transfers.get(id))
        .map(|p| Transfer {
            id: expiry_id(p.id),
            debit_account_id: p.debit_account_id,
            credit_account_id: p.credit_account_id,
            amount: 0,
            ledger: p.ledger,
            code: "expired".into(),
            reference: p.reference.clone(),
            flags: TransferFlags(TransferFlags::VOID_PENDING),
            pending_id: Some(p.id),
            timeout_s: 0,
            timestamp: 0,
        })
        .collect();
    // Let the voids through the expiry check: they happen at the moment of expiry.
    for id in &due {
        if let Some(entry) = state.pending.get_mut(id) {
            entry.1 = 0;
        }
    }
    let mut out = apply_transfers(state, &voids, first_timestamp);
    for change in &mut out.pending_changes {
        change.1 = PendingStatus::Expired;
    }
    for (id, status, _) in &out.pending_changes {
        if let Some(entry) = state.pending.get_mut(id) {
            entry.0 = *status;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::TransferResult as R;

    const WALLET: Id = 1;
    const FUND: Id = 2;
    const SHOP: Id = 3;

    fn account(id: Id, flags: u16) -> Account {
        Account {
            id,
            ledger: 1,
            code: "wallet".into(),
            flags: AccountFlags(flags),
            debits_pending: 0,
            debits_posted: 0,
            credits_pending: 0,
            credits_posted: 0,
            timestamp: 0,
        }
    }

    fn state() -> LedgerState {
        let mut s = LedgerState::default();
        s.accounts.insert(WALLET, account(WALLET, AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS));
        s.accounts.insert(FUND, account(FUND, 0));
        s.accounts.insert(SHOP, account(SHOP, 0));
        s
    }

    fn t(id: Id, debit: Id, credit: Id, amount: i64, flags: u16) -> Transfer {
        Transfer {
            id,
            debit_account_id: debit,
            credit_account_id: credit,
            amount,
            ledger: 1,
            code: "payment".into(),
            reference: None,
            flags: TransferFlags(flags),
            pending_id: None,
            timeout_s: 0,
            timestamp: 0,
        }
    }

    fn resolve(id: Id, pending: Id, amount: i64, flag: u16) -> Transfer {
        Transfer { pending_id: Some(pending), ..t(id, 0, 0, amount, flag) }
    }

    #[test]
    fn a_wallet_cannot_go_below_zero_even_with_holds() {
        let mut s = state();
        let out = apply_transfers(&mut s, &[t(10, FUND, WALLET, 100, 0)], 1_000);
        assert_eq!(out.results, [R::Ok]);
        let hold = Transfer { timeout_s: 60, ..t(11, WALLET, SHOP, 70, TransferFlags::PENDING) };
        let out = apply_transfers(&mut s, &[hold, t(12, WALLET, SHOP, 40, 0), t(13, WALLET, SHOP, 30, 0)], 2_000);
        assert_eq!(out.results, [R::Ok, R::ExceedsCredits, R::Ok]);
        let w = &s.accounts[&WALLET];
        assert_eq!((w.debits_pending, w.debits_posted, w.credits_posted), (70, 30, 100));
        // Post part of the hold; the rest is released.
        let out = apply_transfers(&mut s, &[resolve(14, 11, 50, TransferFlags::POST_PENDING)], 3_000);
        assert_eq!(out.results, [R::Ok]);
        let w = &s.accounts[&WALLET];
        assert_eq!((w.debits_pending, w.debits_posted), (0, 80));
        assert_eq!(s.accounts[&SHOP].credits_posted, 80);
        let out = apply_transfers(&mut s, &[resolve(15, 11, 0, TransferFlags::VOID_PENDING)], 4_000);
        assert_eq!(out.results, [R::PendingTransferAlreadyPosted]);
    }

    #[test]
    fn replays_are_idempotent() {
        let mut s = state();
        let first = t(10, FUND, SHOP, 5, 0);
        assert_eq!(apply_transfers(&mut s, std::slice::from_ref(&first), 1).results, [R::Ok]);
        assert_eq!(apply_transfers(&mut s, &[first.clone(), first.clone()], 2).results, [R::Exists, R::Exists]);
        let changed = Transfer { amount: 6, ..first };
        assert_eq!(apply_transfers(&mut s, &[changed], 3).results, [R::ExistsWithDifferentFields]);
        assert_eq!(s.accounts[&SHOP].credits_posted, 5);
    }

    #[test]
    fn a_linked_chain_commits_or_fails_as_one() {
        let mut s = state();
        let chain = [
            t(10, FUND, WALLET, 50, TransferFlags::LINKED),
            t(11, WALLET, SHOP, 80, TransferFlags::LINKED),
            t(12, FUND, SHOP, 1, 0),
            t(13, FUND, SHOP, 2, 0),
        ];
        let out = apply_transfers(&mut s, &chain, 1);
        assert_eq!(out.results, [R::LinkedEventFailed, R::ExceedsCredits, R::LinkedEventFailed, R::Ok]);
        assert_eq!(s.accounts[&WALLET].credits_posted, 0, "the chain's first transfer was undone");
        assert!(!s.transfers.contains_key(&10));
        assert_eq!(out.inserted.iter().map(|t| t.id).collect::<Vec<_>>(), [13]);
        let open = [t(20, FUND, SHOP, 1, 0), t(21, FUND, SHOP, 1, TransferFlags::LINKED)];
        assert_eq!(apply_transfers(&mut s, &open, 10).results, [R::Ok, R::LinkedEventChainOpen]);
    }

    #[test]
    fn validation_names_the_problem() {
        let mut s = state();
        let cases = [
            (t(0, FUND, SHOP, 1, 0), R::IdMustNotBeZero),
            (t(1, FUND, FUND, 1, 0), R::AccountsMustBeDifferent),
            (t(2, FUND, 99, 1, 0), R::AccountNotFound),
            (t(3, FUND, SHOP, 0, 0), R::AmountMustBePositive),
            (t(4, FUND, SHOP, 1, TransferFlags::PENDING | TransferFlags::VOID_PENDING), R::FlagsAreMutuallyExclusive),
            (Transfer { ledger: 2, ..t(5, FUND, SHOP, 1, 0) }, R::LedgerMustMatch),
            (Transfer { timeout_s: 5, ..t(6, FUND, SHOP, 1, 0) }, R::TimeoutReservedForPendingTransfer),
            (resolve(7, 999, 0, TransferFlags::POST_PENDING), R::PendingTransferNotFound),
            (t(8, FUND, SHOP, 1, TransferFlags::POST_PENDING), R::PendingIdMustBeSet),
            (Transfer { code: "Bad Code".into(), ..t(9, FUND, SHOP, 1, 0) }, R::CodeInvalid),
        ];
        for (transfer, expected) in cases {
            assert_eq!(apply_transfers(&mut s, &[transfer], 1).results, [expected]);
        }
        assert!(
            apply_transfers(&mut s, &[t(10, FUND, SHOP, i64::MAX, 0), t(11, FUND, SHOP, 1, 0)], 1)
                .results
                .contains(&R::OverflowsBalance)
        );
    }

    #[test]
    fn expired_holds_are_voided_exactly() {
        let mut s = state();
        apply_transfers(&mut s, &[t(10, FUND, WALLET, 100, 0)], 1);
        let hold = Transfer { timeout_s: 2, ..t(11, WALLET, SHOP, 60, TransferFlags::PENDING) };
        assert_eq!(apply_transfers(&mut s, &[hold], 1_000_000).results, [R::Ok]);
        // Not due yet.
        assert!(expire_pending(&mut s, 2_000_000, 2_000_000).inserted.is_empty());
        let out = expire_pending(&mut s, 3_000_000, 3_000_000);
        assert_eq!(out.inserted.len(), 1);
        assert_eq!(out.inserted[0].id, expiry_id(11));
        assert_eq!(out.pending_changes, [(11, PendingStatus::Expired, 0)]);
        let w = &s.accounts[&WALLET];
        assert_eq!((w.debits_pending, w.debits_posted), (0, 0));
        let out = apply_transfers(&mut s, &[resolve(12, 11, 0, TransferFlags::POST_PENDING)], 4_000_000);
        assert_eq!(out.results, [R::PendingTransferExpired]);
    }
}
