//! The single pass over the transfers: lots per account, first in, first out.

use std::collections::{HashMap, VecDeque};

use super::{
    AccountRole, BUCKETS_MAX, BucketFigure, CATEGORIES_MAX, CATEGORY_MAX_CHARS, CATEGORY_NONE, CATEGORY_OTHER,
    CategoryFigure, CohortPosition, Figures, FiguresError, FiguresQuery, FlowKind, FlowTransfer, MerchantFigure,
    PROGRAMME_MAX_CHARS, Ratio, Rounds, TOP_MERCHANTS_MAX, TRANSFERS_MAX, bp,
};

/// Units of the programme asked for (every programme without a filter).
const PROG: u8 = 1;
/// Units issued in the period under the programme: the LM3 cohort.
const COHORT: u8 = 2;
/// How far units have travelled, in bits 2..5 of a lot's class.
const STAGE_SHIFT: u8 = 2;
/// Held by a beneficiary.
const STAGE_WALLET: u8 = 0;
/// Received by a merchant from a beneficiary (round 1 at a merchant).
const STAGE_R1: u8 = 1;
/// Passed once from merchant to merchant.
const STAGE_R2: u8 = 2;
/// Passed twice or more.
const STAGE_R3: u8 = 3;
/// Arrived some other way (not counted in the rounds).
const STAGE_OTHER: u8 = 4;
/// Classes: 2 tag bits and 3 stage bits.
const CLASSES: usize = 32;

fn class(tags: u8, stage: u8) -> u8 {
    (tags & (PROG | COHORT)) | (stage << STAGE_SHIFT)
}

fn stage_of(class: u8) -> u8 {
    class >> STAGE_SHIFT
}

/// Units of one kind in an account, in the order they arrived.
#[derive(Debug, Clone, Copy)]
struct Lot {
    amount: i64,
    class: u8,
}

/// Feeds transfers one by one (in timestamp order) and returns the figures at the end.
///
/// A tracer made with `to_us` = `i64::MAX` is a state that can be kept: it answers for any
/// end after the last transfer given ([`Tracer::figures_at`]) and goes on taking newer
/// transfers afterwards, so the figures of an append-only ledger never read a transfer twice.
#[derive(Debug, Clone)]
pub struct Tracer {
    roles: Vec<AccountRole>,
    lots: Vec<VecDeque<Lot>>,
    from_us: i64,
    to_us: i64,
    programme: Option<String>,
    programme_prefix: Option<String>,
    bucket_starts: Vec<i64>,
    bucket: Option<usize>,
    series: Vec<[i128; 4]>,
    top_n: usize,
    read: u64,
    last_ts: i64,
    clock: i64,
    outstanding: i128,
    area: i128,
    issued: i128,
    issues: i64,
    issues_all_time: i64,
    beneficiaries: i64,
    seen_wallet: Vec<bool>,
    spent: i128,
    payments: i64,
    circulated: i128,
    redeemed: i128,
    redeemed_recirculated: i128,
    fees: i128,
    expired: i128,
    r2: i128,
    r3: i128,
    cohort_left: i128,
    merchant: Vec<(i128, i64)>,
    /// Orders merchants that received the same amount (the dense index unless set).
    tie_keys: Vec<u128>,
    category_index: HashMap<Box<str>, usize>,
    categories: Vec<(String, i128, i64)>,
}

impl Tracer {
    /// A tracer over accounts with these roles (index = dense account index).
    pub fn new(roles: Vec<AccountRole>, query: &FiguresQuery) -> Result<Self, FiguresError> {
        if query.from_us >= query.to_us {
            return Err(FiguresError::EmptyPeriod);
        }
        if roles.len() > super::ACCOUNTS_MAX {
            return Err(FiguresError::TooManyAccounts);
        }
        let b = &query.bucket_starts_us;
        if b.len() > BUCKETS_MAX
            || b.first().is_some_and(|f| *f != query.from_us)
            || b.windows(2).any(|w| w[0] >= w[1])
            || b.last().is_some_and(|l| *l >= query.to_us)
        {
            return Err(FiguresError::Buckets);
        }
        if query.top_merchants > TOP_MERCHANTS_MAX {
            return Err(FiguresError::TopMerchants);
        }
        if let Some(p) = &query.programme
            && (p.is_empty() || p.chars().count() > PROGRAMME_MAX_CHARS || p.contains('/'))
        {
            return Err(FiguresError::Programme);
        }
        let n = roles.len();
        Ok(Self {
            lots: vec![VecDeque::new(); n],
            seen_wallet: vec![false; n],
            merchant: vec![(0, 0); n],
            tie_keys: (0..n as u128).collect(),
            roles,
            from_us: query.from_us,
            to_us: query.to_us,
            programme: query.programme.clone(),
            programme_prefix: query.programme.as_ref().map(|p| format!("programme:{p}/")),
            bucket_starts: b.clone(),
            bucket: None,
            series: vec![[0; 4]; b.len()],
            top_n: query.top_merchants,
            read: 0,
            last_ts: i64::MIN,
            clock: query.from_us,
            outstanding: 0,
            area: 0,
            issued: 0,
            issues: 0,
            issues_all_time: 0,
            beneficiaries: 0,
            spent: 0,
            payments: 0,
            circulated: 0,
            redeemed: 0,
            redeemed_recirculated: 0,
            fees: 0,
            expired: 0,
            r2: 0,
            r3: 0,
            cohort_left: 0,
            category_index: HashMap::new(),
            categories: Vec::new(),
        })
    }

    /// Adds an account opened after the tracer was made (its dense index is the next one).
    pub fn add_account(&mut self, role: AccountRole) -> Result<u32, FiguresError> {
        let n = self.roles.len();
        if n >= super::ACCOUNTS_MAX {
            return Err(FiguresError::TooManyAccounts);
        }
        let i = u32::try_from(n).map_err(|_| FiguresError::TooManyAccounts)?;
        self.roles.push(role);
        self.lots.push(VecDeque::new());
        self.seen_wallet.push(false);
        self.merchant.push((0, 0));
        self.tie_keys.push(u128::from(i));
        Ok(i)
    }

    /// Orders merchants that received the same amount by `key` (e.g. the account id) instead
    /// of their dense index, so that the list does not depend on the order accounts were added.
    pub fn set_tie_key(&mut self, account: u32, key: u128) {
        if let Some(k) = self.tie_keys.get_mut(account as usize) {
            *k = key;
        }
    }

    /// Accounts traced.
    pub fn accounts(&self) -> usize {
        self.roles.len()
    }

    /// The timestamp of the last transfer read (`i64::MIN` before any).
    pub fn last_timestamp_us(&self) -> i64 {
        self.last_ts
    }

    /// Lots held over all accounts (how long the queues are).
    pub fn lots(&self) -> usize {
        self.lots.iter().map(VecDeque::len).sum()
    }

    /// About how many bytes the state takes on the heap: per account its role, queue, wallet
    /// flag and merchant totals, per lot (allocated) 16 bytes, plus the series and categories.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let per_account = size_of::<AccountRole>()
            + size_of::<u128>()
            + size_of::<VecDeque<Lot>>()
            + size_of::<bool>()
            + size_of::<(i128, i64)>();
        let lots: usize = self.lots.iter().map(|q| q.capacity() * size_of::<Lot>()).sum();
        self.roles.len() * per_account
            + lots
            + self.series.len() * size_of::<[i128; 4]>()
            + self.categories.iter().map(|c| c.0.len() * 2 + 64).sum::<usize>()
    }

    /// The figures up to `to_us` (exclusive) without ending the tracer: every transfer read so
    /// far must be before `to_us`, and `to_us` at most the end the tracer was made with. The
    /// series keeps the buckets that start before `to_us`; `top_merchants` are listed. Equal to a tracer made with
    /// `to_us` and fed the same transfers, then finished.
    pub fn figures_at(&self, to_us: i64, top_merchants: usize) -> Result<Figures, FiguresError> {
        if to_us <= self.from_us || to_us > self.to_us {
            return Err(FiguresError::EmptyPeriod);
        }
        if top_merchants > TOP_MERCHANTS_MAX {
            return Err(FiguresError::TopMerchants);
        }
        if self.read > 0 && self.last_ts >= to_us {
            return Err(FiguresError::EndBeforeTraced { to_us, last_us: self.last_ts });
        }
        let keep = self.bucket_starts.iter().take_while(|s| **s < to_us).count();
        self.figures_until(to_us, keep, top_merchants)
    }

    /// The index of a payment's category, added on first sight (past the limit: "other").
    fn category(&mut self, reference: Option<&str>) -> usize {
        let name = match reference.and_then(|r| r.strip_prefix("category:")) {
            Some(c) if !c.is_empty() && c.chars().count() <= CATEGORY_MAX_CHARS => c,
            Some(_) => CATEGORY_OTHER,
            None => CATEGORY_NONE,
        };
        if let Some(i) = self.category_index.get(name) {
            return *i;
        }
        let name = if self.categories.len() >= CATEGORIES_MAX { CATEGORY_OTHER } else { name };
        if let Some(i) = self.category_index.get(name) {
            return *i;
        }
        let i = self.categories.len();
        self.category_index.insert(name.into(), i);
        self.categories.push((name.to_string(), 0, 0));
        i
    }

    /// Reads one transfer. Transfers at or after `to` are skipped.
    pub fn push(&mut self, t: &FlowTransfer<'_>) -> Result<(), FiguresError> {
        let index = self.read;
        if index >= TRANSFERS_MAX {
            return Err(FiguresError::TooManyTransfers);
        }
        if t.timestamp_us < self.last_ts {
            return Err(FiguresError::OutOfOrder { index, timestamp_us: t.timestamp_us });
        }
        if t.amount_minor <= 0 {
            return Err(FiguresError::NonPositiveAmount { index, amount_minor: t.amount_minor });
        }
        let (d, c) = (t.debit as usize, t.credit as usize);
        let n = self.roles.len();
        for account in [t.debit, t.credit] {
            if account as usize >= n {
                return Err(FiguresError::UnknownAccount { index, account });
            }
        }
        self.read += 1;
        self.last_ts = t.timestamp_us;
        let ts = t.timestamp_us;
        if ts >= self.to_us || d == c {
            return Ok(());
        }
        // The state before this transfer held from the last event to now.
        if ts > self.clock {
            self.area += self.outstanding * i128::from(ts - self.clock);
            self.clock = ts;
        }
        let in_period = ts >= self.from_us;
        if in_period && !self.bucket_starts.is_empty() {
            let mut b = self.bucket.unwrap_or(0);
            while b + 1 < self.bucket_starts.len() && self.bucket_starts[b + 1] <= ts {
                b += 1;
            }
            self.bucket = Some(b);
        }
        let (dr, cr) = (self.roles[d], self.roles[c]);
        let kind = FlowKind::of(dr, cr);
        let amount = t.amount_minor;

        // Per class, what this transfer moved.
        let mut moved = [0i64; CLASSES];
        if dr.holds_lots() {
            let mut remaining = amount;
            while remaining > 0 {
                let (lot_class, take) = match self.lots[d].front_mut() {
                    Some(lot) => {
                        let take = lot.amount.min(remaining);
                        lot.amount -= take;
                        let k = lot.class;
                        if lot.amount == 0 {
                            self.lots[d].pop_front();
                        }
                        (k, take)
                    }
                    // More than was traced into the account (only accounts of other types
                    // can be overdrawn): untraced units.
                    None => (class(0, STAGE_OTHER), remaining),
                };
                remaining -= take;
                moved[lot_class as usize] += take;
                self.arrive(c, kind, lot_class, take);
            }
        } else {
            let tags = if kind == FlowKind::Issue {
                let matches =
                    self.programme_prefix.as_deref().is_none_or(|p| t.reference.is_some_and(|r| r.starts_with(p)));
                if matches {
                    self.issues_all_time += 1;
                }
                match (matches, in_period) {
                    (true, true) => PROG | COHORT,
                    (true, false) => PROG,
                    _ => 0,
                }
            } else {
                0
            };
            let k = class(tags, STAGE_OTHER);
            moved[k as usize] += amount;
            self.arrive(c, kind, k, amount);
        }

        // Outstanding units of the programme in the local economy.
        let prog: i64 = (0..CLASSES).filter(|k| *k as u8 & PROG != 0).map(|k| moved[k]).sum();
        match (dr.is_local(), cr.is_local()) {
            (true, false) => self.outstanding -= i128::from(prog),
            (false, true) => self.outstanding += i128::from(prog),
            _ => {}
        }
        if !cr.holds_lots() {
            let cohort: i64 = (0..CLASSES).filter(|k| *k as u8 & COHORT != 0).map(|k| moved[k]).sum();
            self.cohort_left += i128::from(cohort);
        }
        // Rounds: cohort units passed on between merchants.
        if kind == FlowKind::Circulation {
            for (k, v) in moved.iter().enumerate() {
                if k as u8 & COHORT != 0 {
                    match stage_of(k as u8) {
                        STAGE_R1 => self.r2 += i128::from(*v),
                        STAGE_R2 => self.r3 += i128::from(*v),
                        _ => {}
                    }
                }
            }
        }
        if !in_period || prog == 0 {
            return Ok(());
        }
        let prog_wide = i128::from(prog);
        match kind {
            FlowKind::Issue => {
                self.issued += prog_wide;
                self.issues += 1;
                if !self.seen_wallet[c] {
                    self.seen_wallet[c] = true;
                    self.beneficiaries += 1;
                }
                self.add_series(0, prog_wide);
            }
            FlowKind::Payment => {
                self.spent += prog_wide;
                self.payments += 1;
                self.add_series(1, prog_wide);
                let m = &mut self.merchant[c];
                m.0 += prog_wide;
                m.1 += 1;
                let cat = self.category(t.reference);
                self.categories[cat].1 += prog_wide;
                self.categories[cat].2 += 1;
            }
            FlowKind::Circulation => {
                self.circulated += prog_wide;
                self.add_series(2, prog_wide);
            }
            FlowKind::Redemption => {
                self.redeemed += prog_wide;
                self.add_series(3, prog_wide);
                for (k, v) in moved.iter().enumerate() {
                    if k as u8 & PROG != 0 && matches!(stage_of(k as u8), STAGE_R2 | STAGE_R3) {
                        self.redeemed_recirculated += i128::from(*v);
                    }
                }
            }
            FlowKind::Fee => self.fees += prog_wide,
            FlowKind::Expiry => self.expired += prog_wide,
            FlowKind::Other => {}
        }
        Ok(())
    }

    fn add_series(&mut self, column: usize, v: i128) {
        if let Some(b) = self.bucket {
            self.series[b][column] += v;
        }
    }

    /// Units of `lot_class` arrive at account `c` by a transfer of `kind`.
    fn arrive(&mut self, c: usize, kind: FlowKind, lot_class: u8, amount: i64) {
        let role = self.roles[c];
        if !role.holds_lots() {
            return;
        }
        let stage = stage_of(lot_class);
        let stage = match role {
            AccountRole::Wallet => STAGE_WALLET,
            AccountRole::Merchant => match kind {
                FlowKind::Payment => STAGE_R1,
                FlowKind::Circulation => match stage {
                    STAGE_R1 => STAGE_R2,
                    STAGE_R2 | STAGE_R3 => STAGE_R3,
                    _ => STAGE_OTHER,
                },
                _ => STAGE_OTHER,
            },
            _ => stage,
        };
        let k = class(lot_class, stage);
        let q = &mut self.lots[c];
        match q.back_mut() {
            Some(last) if last.class == k => last.amount += amount,
            _ => q.push_back(Lot { amount, class: k }),
        }
    }

    /// The figures, with the state held until `to`.
    pub fn finish(self) -> Result<Figures, FiguresError> {
        self.figures_until(self.to_us, self.bucket_starts.len(), self.top_n)
    }

    /// The figures with the state held until `to_us` (not before the last transfer read), over
    /// the first `buckets` buckets of the series.
    fn figures_until(&self, to_us: i64, buckets: usize, top_n: usize) -> Result<Figures, FiguresError> {
        let area =
            if to_us > self.clock { self.area + self.outstanding * i128::from(to_us - self.clock) } else { self.area };
        let duration = i128::from(to_us - self.from_us);
        let big = |v: i128| i64::try_from(v).map_err(|_| FiguresError::Overflow);

        let mut cohort = [0i128; 3];
        for (role, lots) in self.roles.iter().zip(&self.lots) {
            let slot = match role {
                AccountRole::Wallet => 0,
                AccountRole::Merchant => 1,
                _ => 2,
            };
            cohort[slot] += lots.iter().filter(|l| l.class & COHORT != 0).map(|l| i128::from(l.amount)).sum::<i128>();
        }

        let mut merchants: Vec<(usize, i128, i64)> =
            self.merchant.iter().enumerate().filter(|(_, m)| m.1 > 0).map(|(i, m)| (i, m.0, m.1)).collect();
        merchants.sort_by(|a, b| b.1.cmp(&a.1).then(self.tie_keys[a.0].cmp(&self.tie_keys[b.0])));
        let rest = merchants.split_off(top_n.min(merchants.len()));
        let top_merchants = merchants
            .into_iter()
            .map(|(i, v, n)| {
                Ok(MerchantFigure {
                    account: u32::try_from(i).map_err(|_| FiguresError::TooManyAccounts)?,
                    received_minor: big(v)?,
                    payments: n,
                })
            })
            .collect::<Result<Vec<_>, FiguresError>>()?;
        let other_merchants_received = rest.iter().map(|m| m.1).sum::<i128>();

        let mut by_category = self
            .categories
            .iter()
            .map(|(category, v, n)| {
                Ok(CategoryFigure { category: category.clone(), spent_minor: big(*v)?, payments: *n })
            })
            .collect::<Result<Vec<_>, FiguresError>>()?;
        by_category.sort_by(|a, b| b.spent_minor.cmp(&a.spent_minor).then_with(|| a.category.cmp(&b.category)));

        let series = self
            .bucket_starts
            .iter()
            .zip(&self.series)
            .take(buckets)
            .map(|(start, s)| {
                Ok(BucketFigure {
                    start_us: *start,
                    issued_minor: big(s[0])?,
                    spent_minor: big(s[1])?,
                    circulated_minor: big(s[2])?,
                    redeemed_minor: big(s[3])?,
                })
            })
            .collect::<Result<Vec<_>, FiguresError>>()?;

        let issued = big(self.issued)?;
        let held_local = cohort[0] + cohort[1];
        let value = self.spent + self.circulated;
        let velocity = if area > 0 {
            let exact_bp = match value.checked_mul(duration) {
                Some(num) => bp(num, area),
                None => bp(value, (area / duration).max(1)),
            };
            Some(Ratio { numerator: big(value)?, denominator: big(area / duration)?, basis_points: exact_bp })
        } else {
            None
        };
        Ok(Figures {
            from_us: self.from_us,
            to_us,
            programme: self.programme.clone(),
            transfers_read: self.read,
            issued_minor: issued,
            issues: self.issues,
            issues_all_time: self.issues_all_time,
            beneficiaries: self.beneficiaries,
            spent_minor: big(self.spent)?,
            payments: self.payments,
            circulated_minor: big(self.circulated)?,
            redeemed_minor: big(self.redeemed)?,
            redeemed_recirculated_minor: big(self.redeemed_recirculated)?,
            fees_minor: big(self.fees)?,
            expired_minor: big(self.expired)?,
            by_category,
            top_merchants,
            other_merchants: rest.len() as i64,
            other_merchants_received_minor: big(other_merchants_received)?,
            series,
            rounds: Rounds { r1_minor: issued, r2_minor: big(self.r2)?, r3_minor: big(self.r3)? },
            cohort: CohortPosition {
                in_wallets_minor: big(cohort[0])?,
                at_merchants_minor: big(cohort[1])?,
                elsewhere_minor: big(cohort[2])?,
                left_minor: big(self.cohort_left)?,
            },
            outstanding_end_minor: big(self.outstanding)?,
            average_outstanding_minor: big(area / duration)?,
            lm3: Ratio::new(big(self.issued + self.r2 + self.r3)?, issued),
            recirculation: Ratio::new(big(self.redeemed_recirculated)?, big(self.redeemed)?),
            velocity,
            retention: Ratio::new(big(held_local)?, issued),
        })
    }
}
