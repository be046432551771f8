//! A plain in-memory model of the ledger, written from the rules in
//! `koinon_core::ledger::machine` (not from its code): vectors and whole-state copies, no undo
//! log. Tests run random sequences against the real ledger and this model and compare.

#![allow(dead_code)]

use koinon_core::ledger::{AccountFlags, Id, Transfer, TransferFlags, TransferResult as R};

/// The real ledger's form of a model transfer.
pub fn to_transfer(t: &MTransfer) -> Transfer {
    Transfer {
        id: t.id,
        debit_account_id: t.debit,
        credit_account_id: t.credit,
        amount: t.amount,
        ledger: t.ledger,
        code: t.code.clone(),
        reference: None,
        flags: TransferFlags(t.flags),
        pending_id: t.pending_id,
        timeout_s: t.timeout_s,
        timestamp: 0,
    }
}

pub const LEDGERS: [i64; 2] = [1, 2];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MAccount {
    pub id: Id,
    pub ledger: i64,
    pub flags: u16,
    pub dp: i64,
    pub dpo: i64,
    pub cp: i64,
    pub cpo: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MTransfer {
    pub id: Id,
    pub debit: Id,
    pub credit: Id,
    pub amount: i64,
    pub ledger: i64,
    pub code: String,
    pub flags: u16,
    pub pending_id: Option<Id>,
    pub timeout_s: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MStatus {
    Pending,
    Posted,
    Voided,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub accounts: Vec<MAccount>,
    pub transfers: Vec<(MTransfer, Option<MStatus>)>,
    /// Every event ever submitted, for generating exact replays.
    pub submitted: Vec<MTransfer>,
}

impl Model {
    fn account(&self, id: Id) -> Option<&MAccount> {
        self.accounts.iter().find(|a| a.id == id)
    }

    fn account_mut(&mut self, id: Id) -> &mut MAccount {
        self.accounts.iter_mut().find(|a| a.id == id).expect("account exists")
    }

    fn transfer(&self, id: Id) -> Option<&(MTransfer, Option<MStatus>)> {
        self.transfers.iter().find(|(t, _)| t.id == id)
    }

    pub fn apply_batch(&mut self, batch: &[MTransfer]) -> Vec<R> {
        self.submitted.extend(batch.iter().cloned());
        let mut results = Vec::with_capacity(batch.len());
        let mut i = 0;
        while i < batch.len() {
            // The chain is i..=end, where end is the first event without `linked`.
            let mut end = i;
            while end < batch.len() && batch[end].flags & TransferFlags::LINKED != 0 {
                end += 1;
            }
            if end == batch.len() {
                // Open chain: the last event says so, the ones before it fail with it.
                let snapshot = self.clone();
                let mut chain = Vec::new();
                let mut failed = false;
                for t in &batch[i..batch.len() - 1] {
                    let r = if failed { R::LinkedEventFailed } else { self.apply_one(t) };
                    if r != R::Ok && r != R::Exists && !failed {
                        failed = true;
                    }
                    chain.push(r);
                }
                self.accounts = snapshot.accounts;
                self.transfers = snapshot.transfers;
                if failed {
                    let pos = chain.iter().position(|r| *r != R::Ok && *r != R::Exists).unwrap_or(0);
                    for (k, r) in chain.iter_mut().enumerate() {
                        if k != pos {
                            *r = R::LinkedEventFailed;
                        }
                    }
                } else {
                    chain.iter_mut().for_each(|r| *r = R::LinkedEventFailed);
                }
                results.extend(chain);
                results.push(if failed { R::LinkedEventFailed } else { R::LinkedEventChainOpen });
                break;
            }
            let snapshot = self.clone();
            let mut chain = Vec::new();
            let mut failed_at = None;
            for (k, t) in batch[i..=end].iter().enumerate() {
                if failed_at.is_some() {
                    chain.push(R::LinkedEventFailed);
                    continue;
                }
                let r = self.apply_one(t);
                if r != R::Ok && r != R::Exists {
                    failed_at = Some(k);
                }
                chain.push(r);
            }
            if let Some(k) = failed_at
                && end > i
            {
                self.accounts = snapshot.accounts;
                self.transfers = snapshot.transfers;
                for (j, r) in chain.iter_mut().enumerate() {
                    if j != k {
                        *r = R::LinkedEventFailed;
                    }
                }
            }
            results.extend(chain);
            i = end + 1;
        }
        results
    }

    fn apply_one(&mut self, t: &MTransfer) -> R {
        let f = t.flags;
        let phases = [TransferFlags::PENDING, TransferFlags::POST_PENDING, TransferFlags::VOID_PENDING]
            .iter()
            .filter(|b| f & **b != 0)
            .count();
        if t.id == 0 {
            return R::IdMustNotBeZero;
        }
        if phases > 1 {
            return R::FlagsAreMutuallyExclusive;
        }
        let resolves = f & (TransferFlags::POST_PENDING | TransferFlags::VOID_PENDING) != 0;
        if resolves && t.pending_id.is_none() {
            return R::PendingIdMustBeSet;
        }
        if !resolves && t.pending_id.is_some() {
            return R::PendingIdMustNotBeSet;
        }
        if t.timeout_s != 0 && f & TransferFlags::PENDING == 0 {
            return R::TimeoutReservedForPendingTransfer;
        }
        if let Some((existing, _)) = self.transfer(t.id) {
            // A replay of a post or void may leave out what the stored transfer filled in.
            let mut view = t.clone();
            if resolves {
                if view.debit == 0 {
                    view.debit = existing.debit;
                }
                if view.credit == 0 {
                    view.credit = existing.credit;
                }
                if view.amount == 0 {
                    view.amount = existing.amount;
                }
                if view.ledger == 0 {
                    view.ledger = existing.ledger;
                }
            }
            return if view == *existing { R::Exists } else { R::ExistsWithDifferentFields };
        }
        if resolves {
            let Some((p, status)) = t.pending_id.and_then(|p| self.transfer(p)).cloned() else {
                return R::PendingTransferNotFound;
            };
            if p.flags & TransferFlags::PENDING == 0 {
                return R::PendingTransferNotPending;
            }
            if (t.debit != 0 && t.debit != p.debit) || (t.credit != 0 && t.credit != p.credit) {
                return R::PendingTransferHasDifferentAccounts;
            }
            if t.ledger != 0 && t.ledger != p.ledger {
                return R::LedgerMustMatch;
            }
            match status {
                Some(MStatus::Posted) => return R::PendingTransferAlreadyPosted,
                Some(MStatus::Voided) => return R::PendingTransferAlreadyVoided,
                _ => {}
            }
            if t.amount < 0 || t.amount > p.amount {
                return R::AmountExceedsPending;
            }
            let post = f & TransferFlags::POST_PENDING != 0;
            let amount = if post && t.amount != 0 { t.amount } else { p.amount };
            let posted = if post { amount } else { 0 };
            let d = self.account_mut(p.debit);
            d.dp -= p.amount;
            d.dpo += posted;
            let c = self.account_mut(p.credit);
            c.cp -= p.amount;
            c.cpo += posted;
            if let Some(entry) = self.transfers.iter_mut().find(|(x, _)| x.id == p.id) {
                entry.1 = Some(if post { MStatus::Posted } else { MStatus::Voided });
            }
            let stored =
                MTransfer { debit: p.debit, credit: p.credit, amount, ledger: p.ledger, timeout_s: 0, ..t.clone() };
            self.transfers.push((stored, None));
            return R::Ok;
        }
        if t.debit == t.credit {
            return R::AccountsMustBeDifferent;
        }
        let (Some(d), Some(c)) = (self.account(t.debit).cloned(), self.account(t.credit).cloned()) else {
            return R::AccountNotFound;
        };
        if d.ledger != t.ledger || c.ledger != t.ledger {
            return R::LedgerMustMatch;
        }
        if t.amount <= 0 {
            return R::AmountMustBePositive;
        }
        if (d.flags | c.flags) & AccountFlags::CLOSED != 0 {
            return R::AccountClosed;
        }
        if d.flags & AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS != 0 && d.dp + d.dpo + t.amount > d.cpo {
            return R::ExceedsCredits;
        }
        if c.flags & AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS != 0 && c.cp + c.cpo + t.amount > c.dpo {
            return R::ExceedsDebits;
        }
        let pending = f & TransferFlags::PENDING != 0;
        let d = self.account_mut(t.debit);
        if pending {
            d.dp += t.amount
        } else {
            d.dpo += t.amount
        }
        let c = self.account_mut(t.credit);
        if pending {
            c.cp += t.amount
        } else {
            c.cpo += t.amount
        }
        self.transfers.push((t.clone(), pending.then_some(MStatus::Pending)));
        R::Ok
    }

    /// Per ledger: posted debits = posted credits and pending debits = pending credits.
    pub fn conserved(&self) -> bool {
        LEDGERS.iter().all(|l| {
            let acc = self.accounts.iter().filter(|a| a.ledger == *l);
            let (d, c, dp, cp) = acc.fold((0i128, 0i128, 0i128, 0i128), |s, a| {
                (s.0 + i128::from(a.dpo), s.1 + i128::from(a.cpo), s.2 + i128::from(a.dp), s.3 + i128::from(a.cp))
            });
            d == c && dp == cp
        })
    }
}

/// A small deterministic generator (xorshift), so a failing seed reproduces.
pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Account ids are 1..=accounts (group-local), transfer ids come from a small pool so replays
/// happen often. `group` keeps concurrent batches apart.
pub fn random_transfer(g: &mut Gen, model: &Model, group: u64, groups: u64, accounts: u64) -> MTransfer {
    let pick_account = |g: &mut Gen| -> Id {
        let n = g.below(accounts / groups.max(1)) * groups + group + 1;
        if g.chance(3) { 9_999 } else { u128::from(n) }
    };
    let id = u128::from(group * 100_000 + 1 + g.below(60));
    let mut flags = 0;
    if g.chance(15) {
        flags |= TransferFlags::LINKED;
    }
    let kind = g.below(10);
    // Concurrent batches must stay apart: only this group's ids, on this group's accounts
    // (sequential steps, with one group, may have used any account).
    let in_group = |a: Id| a == 0 || a == 9_999 || (a as u64 - 1) % groups.max(1) == group;
    let own_pending: Vec<&MTransfer> = model
        .transfers
        .iter()
        .map(|(t, _)| t)
        .filter(|t| {
            t.flags & TransferFlags::PENDING != 0
                && (t.id / 100_000) as u64 == group
                && in_group(t.debit)
                && in_group(t.credit)
        })
        .collect();
    let mut t = MTransfer {
        id,
        debit: pick_account(g),
        credit: pick_account(g),
        amount: [0, 1, 5, 20, 50, 100, 250][g.below(7) as usize] as i64,
        ledger: LEDGERS[g.below(2) as usize],
        code: "test".into(),
        flags,
        pending_id: None,
        timeout_s: 0,
    };
    if g.chance(2) {
        t.id = 0;
    }
    if g.chance(80) {
        if let Some(a) = model.accounts.iter().find(|a| a.id == t.debit) {
            t.ledger = a.ledger;
        }
        // Mostly within one ledger, so transfers get past the ledger check.
        if g.chance(85) {
            let same: Vec<Id> = model
                .accounts
                .iter()
                .filter(|a| a.ledger == t.ledger && a.id != t.debit && (a.id as u64 - 1) % groups.max(1) == group)
                .map(|a| a.id)
                .collect();
            if !same.is_empty() {
                t.credit = same[g.below(same.len() as u64) as usize];
            }
        }
    }
    // Exact replays of something submitted before (by this group).
    let own: Vec<&MTransfer> = model
        .submitted
        .iter()
        .filter(|s| (s.id / 100_000) as u64 == group && s.id != 0 && in_group(s.debit) && in_group(s.credit))
        .collect();
    if !own.is_empty() && g.chance(12) {
        let mut replay = own[g.below(own.len() as u64) as usize].clone();
        replay.flags = (replay.flags & !TransferFlags::LINKED) | (t.flags & TransferFlags::LINKED);
        return replay;
    }
    match kind {
        0 | 1 => {
            t.flags |= TransferFlags::PENDING;
            if g.chance(30) {
                t.timeout_s = 3_600;
            }
        }
        2 | 3 if !own_pending.is_empty() => {
            let p = own_pending[g.below(own_pending.len() as u64) as usize];
            t.flags |= if kind == 2 { TransferFlags::POST_PENDING } else { TransferFlags::VOID_PENDING };
            t.pending_id = Some(p.id);
            t.debit = if g.chance(70) { 0 } else { p.debit };
            t.credit = if g.chance(70) { 0 } else { p.credit };
            t.ledger = if g.chance(70) { 0 } else { p.ledger };
            t.amount = if g.chance(50) { 0 } else { (g.below(p.amount.max(1) as u64 + 10)) as i64 };
        }
        4 if g.chance(20) => {
            t.flags |= TransferFlags::PENDING | TransferFlags::VOID_PENDING;
        }
        _ => {}
    }
    t
}

/// Accounts: ids 1..=n, alternating ledgers, a third with each limit flag, a few closed.
pub fn accounts(n: u64) -> Vec<MAccount> {
    (1..=n)
        .map(|i| MAccount {
            id: u128::from(i),
            ledger: LEDGERS[(i % 2) as usize],
            flags: match i % 7 {
                0 | 3 => AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS,
                1 => AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS,
                5 if i > 10 => AccountFlags::CLOSED,
                _ => 0,
            },
            dp: 0,
            dpo: 0,
            cp: 0,
            cpo: 0,
        })
        .collect()
}
