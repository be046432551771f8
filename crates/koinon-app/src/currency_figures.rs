//! The figures of a municipal e-currency for a period and optionally one programme: issued,
//! spent by category and by merchant, recirculation, velocity, retention and LM3, computed by
//! `koinon_core::circulation` from the ledger's posted transfers, streamed in one pass.
//!
//! The period is given in whole days (UTC): from the start of `from` to the end of `to`. Reads
//! only, in one read snapshot: nothing here changes state, so nothing is audited.

use koinon_core::authz::{Action, Resource};
use std::sync::Arc;

use koinon_core::circulation::{
    AccountIndex, AccountRole, BUCKETS_MAX, Figures, FiguresError, FiguresQuery, FlowKind, FlowTransfer,
    PROGRAMME_MAX_CHARS, Ratio, Tracer,
};
use koinon_core::finance::{format_date, parse_date};
use koinon_core::ledger::{Id, format_id};
use koinon_store::ledger::id_from;
use serde::Serialize;
use time::{Date, Duration, Month, OffsetDateTime, Time};

use crate::{Actor, App, AppError};

/// Connections reading stretches of the transfers at once.
const READERS: usize = 2;
/// About how many transfers one stretch holds (what one reader keeps in memory).
const STRETCH_ROWS: i64 = 250_000;
/// Most stretches.
const STRETCHES_MAX: i64 = 4_096;
/// Distinct payment categories a reader keeps; past them payments count as `category:other`.
const READER_CATEGORIES_MAX: usize = 1_024;

/// One transfer as a reader hands it on: dense account indexes, and an index into the
/// stretch's references (`u32::MAX`: none).
#[derive(Debug, Clone, Copy)]
struct Row {
    ts: i64,
    amount: i64,
    debit: u32,
    credit: u32,
    reference: u32,
}

/// The transfers of one stretch, oldest first.
#[derive(Debug, Default)]
struct Stretch {
    rows: Vec<Row>,
    references: Vec<Box<str>>,
}

/// `(after, upto]` stretches of equal time covering `(after, upto]`, about
/// [`STRETCH_ROWS`] transfers each if the database's `count` transfers were spread evenly.
fn stretches(after: i64, upto: i64, count: i64) -> Vec<(i64, i64)> {
    let n = (count / STRETCH_ROWS + 1).clamp(READERS as i64, STRETCHES_MAX);
    let width = i128::from(upto) - i128::from(after);
    let at = |k: i64| -> i64 {
        let v = i128::from(after) + width * i128::from(k) / i128::from(n);
        i64::try_from(v).unwrap_or(upto)
    };
    (0..n).map(|k| (at(k), at(k + 1))).filter(|(a, b)| a < b).collect()
}

/// Reads stretches of a currency ledger's transfers on a connection of its own.
#[derive(Clone)]
struct Reader {
    store: koinon_store::Store,
    index: Arc<AccountIndex>,
    tenant_id: i64,
    ledger_id: i64,
    programme_prefix: Option<String>,
}

impl Reader {
    /// Keeps only what the figures read of a reference: the category of a payment, whether
    /// an issue is of the programme asked for; nothing of other transfers.
    async fn read(self, after: i64, upto: i64) -> Result<Stretch, AppError> {
        let mut conn = self.store.conn().await?;
        let mut db = conn.db();
        let mut stretch = Stretch::default();
        let mut known: std::collections::HashMap<Box<str>, u32> = std::collections::HashMap::new();
        let roles = self.index.roles();
        let account = |raw: &[u8]| -> Result<u32, AppError> {
            id_from(raw)
                .and_then(|id| self.index.get(id))
                .ok_or_else(|| AppError::Internal("a transfer names an account outside its ledger".into()))
        };
        db.currency_flows(self.tenant_id, self.ledger_id, after, upto, |row| {
            let (debit, credit) = (account(row.debit_account_id)?, account(row.credit_account_id)?);
            let kept = match FlowKind::of(roles[debit as usize], roles[credit as usize]) {
                FlowKind::Payment => row.reference,
                FlowKind::Issue => match (&self.programme_prefix, row.reference) {
                    (None, _) => None,
                    (Some(p), Some(r)) if r.starts_with(p.as_str()) => Some(p.as_str()),
                    (Some(_), _) => Some(""),
                },
                _ => None,
            };
            let reference = match kept {
                None => u32::MAX,
                Some(r) => match known.get(r) {
                    Some(i) => *i,
                    None => {
                        let r = if known.len() >= READER_CATEGORIES_MAX { "category:other" } else { r };
                        match known.get(r) {
                            Some(i) => *i,
                            None => {
                                let i = u32::try_from(stretch.references.len()).unwrap_or(u32::MAX);
                                known.insert(r.into(), i);
                                stretch.references.push(r.into());
                                i
                            }
                        }
                    }
                },
            };
            stretch.rows.push(Row { ts: row.ts, amount: row.amount, debit, credit, reference });
            Ok::<(), AppError>(())
        })
        .await?;
        Ok(stretch)
    }
}

/// Longest period: twenty years (240 months in the series).
pub const PERIOD_MAX_DAYS: i64 = 20 * 366;
/// Merchants listed by name unless asked otherwise.
pub const TOP_MERCHANTS_DEFAULT: usize = 10;

/// What to compute, as a person or a client gives it (each field is parsed here and named in
/// any error).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FiguresParams {
    /// First day, `YYYY-MM-DD` (default: the day the ledger was created).
    pub from: Option<String>,
    /// Last day, included, `YYYY-MM-DD` (default: today, UTC).
    pub to: Option<String>,
    /// A programme id: only units issued under `programme:{id}/...`.
    pub programme: Option<String>,
    /// Merchants listed by name (1 to 100, default 10).
    pub top: Option<usize>,
}

/// A ratio as the API and the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatioView {
    pub numerator: i64,
    pub denominator: i64,
    /// The value in basis points (1/10,000), rounded half up.
    pub basis_points: i64,
    /// The value with two decimals (`2.34`).
    pub value: String,
    /// The value in percent with one decimal (`16.7`).
    pub percent: String,
}

impl From<Ratio> for RatioView {
    fn from(r: Ratio) -> Self {
        Self {
            numerator: r.numerator,
            denominator: r.denominator,
            basis_points: r.basis_points,
            value: r.decimal_text(),
            percent: r.percent_text(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryView {
    pub category: String,
    pub spent_minor: i64,
    pub payments: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MerchantView {
    pub account_id: String,
    pub owner: Option<String>,
    /// The organisation's or the shop's name, when the owner is an organisation or an
    /// accredited merchant of the municipality.
    pub name: Option<String>,
    pub received_minor: i64,
    pub payments: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthView {
    /// `YYYY-MM`.
    pub month: String,
    pub issued_minor: i64,
    pub spent_minor: i64,
    pub circulated_minor: i64,
    pub redeemed_minor: i64,
}

/// The figures of one currency ledger (see `docs/currency.md`, "Figures").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyFigures {
    pub ledger: String,
    pub scale: i64,
    pub programme: Option<String>,
    pub from: String,
    /// The last day included.
    pub to: String,
    pub transfers_read: u64,
    pub issued_minor: i64,
    pub issues: i64,
    pub beneficiaries: i64,
    pub spent_minor: i64,
    pub payments: i64,
    pub circulated_minor: i64,
    pub redeemed_minor: i64,
    pub redeemed_recirculated_minor: i64,
    pub fees_minor: i64,
    pub expired_minor: i64,
    pub by_category: Vec<CategoryView>,
    pub top_merchants: Vec<MerchantView>,
    pub other_merchants: i64,
    pub other_merchants_received_minor: i64,
    pub months: Vec<MonthView>,
    pub r1_minor: i64,
    pub r2_minor: i64,
    pub r3_minor: i64,
    pub cohort_in_wallets_minor: i64,
    pub cohort_at_merchants_minor: i64,
    pub cohort_elsewhere_minor: i64,
    pub cohort_left_minor: i64,
    pub outstanding_end_minor: i64,
    pub average_outstanding_minor: i64,
    /// (R1 + R2 + R3) / R1; `null` when nothing was issued in the period.
    pub lm3: Option<RatioView>,
    /// Share of redeemed units that had passed between merchants; `null` without redemptions.
    pub recirculation: Option<RatioView>,
    /// (spent + circulated) / average outstanding; `null` when nothing was outstanding.
    pub velocity: Option<RatioView>,
    /// Share of the units issued in the period still with wallets and merchants at its end.
    pub retention: Option<RatioView>,
}

pub(crate) fn start_of(date: Date) -> i64 {
    let t = date.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp();
    t.saturating_mul(1_000_000)
}

fn date_of(us: i64) -> Date {
    OffsetDateTime::from_unix_timestamp(us.div_euclid(1_000_000)).map_or(Date::MIN, |t| t.date())
}

fn next_month(d: Date) -> Option<Date> {
    let (y, m) =
        if d.month() == Month::December { (d.year() + 1, Month::January) } else { (d.year(), d.month().next()) };
    Date::from_calendar_date(y, m, 1).ok()
}

pub(crate) fn parse_day(field: &str, raw: Option<&str>) -> Result<Option<Date>, AppError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse_date(s)
            .map(Some)
            .ok_or_else(|| AppError::invalid(field, "invalid_date", format!("{field} must be a date as YYYY-MM-DD"))),
    }
}

/// Parses a programme id: 1 to 64 of `A-Z a-z 0-9 _ - .`.
pub fn parse_programme(raw: Option<&str>) -> Result<Option<String>, AppError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(p)
            if p.chars().count() <= PROGRAMME_MAX_CHARS
                && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) =>
        {
            Ok(Some(p.to_string()))
        }
        Some(_) => Err(AppError::invalid(
            "programme",
            "figures_invalid_programme",
            format!("programme must be 1 to {PROGRAMME_MAX_CHARS} letters, digits, '_', '-' or '.'"),
        )),
    }
}

fn figures_error(e: FiguresError) -> AppError {
    match e {
        FiguresError::EmptyPeriod | FiguresError::Buckets => {
            AppError::invalid("to", "figures_invalid_period", e.to_string())
        }
        FiguresError::TopMerchants => AppError::invalid("top", "figures_top_out_of_range", e.to_string()),
        FiguresError::Programme => AppError::invalid("programme", "figures_invalid_programme", e.to_string()),
        other => AppError::Internal(format!("figures: {other}")),
    }
}

/// Traced states kept between requests (one per ledger, programme filter and first day).
pub const FIGURES_STATES_MAX: usize = 8;
/// About how many bytes all kept states may take together; a state larger than this alone is
/// used for its request and not kept.
pub const FIGURES_STATES_BYTES_MAX: usize = 256 << 20;
/// Bytes a kept state holds per account besides the tracer's own (the account index: id,
/// role and hash entry; the owner reference), before the owner's text.
const INDEX_BYTES_PER_ACCOUNT: usize = 16 + 1 + 40 + 24;

/// What a kept state traces: one ledger of a tenant, from a first day, for a programme or all.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct StateKey {
    tenant_id: i64,
    ledger_id: i64,
    programme: Option<String>,
    from_us: i64,
}

/// A currency ledger traced up to a timestamp: the first-in-first-out lots of every account
/// and the running totals (see `koinon_core::circulation::Tracer`), with the accounts it
/// knows. Transfers up to the ledger's head never change, so everything traced stays true.
#[derive(Debug)]
struct Traced {
    index: Arc<AccountIndex>,
    owners: Vec<Option<String>>,
    tracer: Tracer,
    /// Every transfer of the ledger with a timestamp up to this one has been traced.
    covered_us: i64,
}

impl Traced {
    fn bytes(&self) -> usize {
        let owners: usize = self.owners.iter().map(|o| o.as_ref().map_or(0, String::capacity)).sum();
        self.tracer.heap_bytes() + self.index.len() * INDEX_BYTES_PER_ACCOUNT + owners
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<Traced>>>;

#[derive(Debug, Default)]
struct Kept {
    /// The state, when it was last used, its size in bytes.
    slots: std::collections::HashMap<StateKey, (Slot, u64, usize)>,
    clock: u64,
}

/// The traced states of currency ledgers an [`App`] keeps between requests for figures, least
/// recently used first out (at most [`FIGURES_STATES_MAX`], [`FIGURES_STATES_BYTES_MAX`]).
#[derive(Clone, Default)]
pub struct FiguresCache(Arc<std::sync::Mutex<Kept>>);

impl std::fmt::Debug for FiguresCache {
    /// How many states and bytes, not the states themselves (a state holds every account).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (states, bytes) = self.usage();
        f.debug_struct("FiguresCache").field("states", &states).field("bytes", &bytes).finish()
    }
}

impl FiguresCache {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn slot(&self, key: &StateKey) -> Slot {
        let mut kept = self.kept();
        kept.clock += 1;
        let now = kept.clock;
        let entry = kept.slots.entry(key.clone()).or_insert_with(|| (Slot::default(), now, 0));
        entry.1 = now;
        entry.0.clone()
    }

    /// Records a state's size and lets go of the least recently used states past the limits.
    fn sized(&self, key: &StateKey, bytes: usize) {
        let mut kept = self.kept();
        if let Some(entry) = kept.slots.get_mut(key) {
            entry.2 = bytes;
        }
        loop {
            let total: usize = kept.slots.values().map(|e| e.2).sum();
            if kept.slots.len() <= FIGURES_STATES_MAX && total <= FIGURES_STATES_BYTES_MAX {
                break;
            }
            let oldest = kept
                .slots
                .iter()
                .filter(|(k, _)| *k != key)
                .min_by_key(|(_, e)| e.1)
                .map(|(k, _)| k.clone())
                .unwrap_or_else(|| key.clone());
            kept.slots.remove(&oldest);
            if oldest == *key {
                break;
            }
        }
    }

    fn forget(&self, key: &StateKey) {
        self.kept().slots.remove(key);
    }

    /// States kept and their bytes together.
    pub fn usage(&self) -> (usize, usize) {
        let kept = self.kept();
        (kept.slots.len(), kept.slots.values().map(|e| e.2).sum())
    }
}

/// One request for figures, checked.
struct Request {
    tenant_id: i64,
    ledger_id: i64,
    programme: Option<String>,
    from_us: i64,
    to_us: i64,
    months: Vec<i64>,
    top: usize,
    /// The last timestamp the ledger handed out when the request began.
    head: i64,
    /// The first transfer's timestamp in the database, if any.
    first_us: Option<i64>,
    accounts: i64,
}

impl Request {
    /// The last timestamp the figures read: nothing after the head, nothing at or after `to`.
    fn upto(&self) -> i64 {
        self.head.min(self.to_us - 1)
    }

    fn reader(&self, store: &koinon_store::Store, index: Arc<AccountIndex>) -> Reader {
        Reader {
            store: store.clone(),
            index,
            tenant_id: self.tenant_id,
            ledger_id: self.ledger_id,
            programme_prefix: self.programme.as_ref().map(|p| format!("programme:{p}/")),
        }
    }
}

/// Month starts from `from` (the first bucket starts at `from` itself) up to `last`, at most
/// `n`.
fn month_starts(from: Date, last: Option<Date>, n: usize) -> Vec<i64> {
    let mut months = vec![start_of(from)];
    let mut month = next_month(from);
    while let Some(m) = month.filter(|m| last.is_none_or(|l| *m <= l)) {
        if months.len() >= n {
            break;
        }
        months.push(start_of(m));
        month = next_month(m);
    }
    months
}

impl App {
    /// The figures of the currency ledger `ledger_code` of a tenant (officers, approvers,
    /// auditors and administrators: those who see the ledger).
    ///
    /// The ledger's traced state is kept between requests (see [`FiguresCache`]): a request
    /// reads only the transfers after it. The first request for a ledger, programme and first
    /// day reads them all; a period ending before transfers the state already holds is
    /// computed afresh, reading the transfers up to its end.
    pub async fn currency_figures(
        &self,
        actor: &Actor,
        tenant_id: i64,
        ledger_code: &str,
        params: &FiguresParams,
    ) -> Result<CurrencyFigures, AppError> {
        self.figures(actor, tenant_id, ledger_code, params, true).await
    }

    /// Traces every currency ledger of every municipality into a kept state (all programmes,
    /// from the ledger's first day: the dashboard's usual view), one after the other, so that
    /// the first request after the server starts does not read every transfer. Returns the
    /// ledgers traced; a ledger that fails is skipped (its first request will say why).
    pub async fn warm_currency_figures(&self) -> Result<usize, AppError> {
        const WARMING: Actor = Actor::System("figures");
        let currencies = {
            let mut conn = self.store().conn().await?;
            conn.db().all_currencies().await?
        };
        let mut warmed = 0;
        for c in currencies {
            if self.currency_figures(&WARMING, c.tenant_id, &c.code, &FiguresParams::default()).await.is_ok() {
                warmed += 1;
            }
        }
        Ok(warmed)
    }

    /// The same figures computed afresh from every transfer, without the kept state (what the
    /// first request costs; the bench and the tests compare both).
    pub async fn currency_figures_uncached(
        &self,
        actor: &Actor,
        tenant_id: i64,
        ledger_code: &str,
        params: &FiguresParams,
    ) -> Result<CurrencyFigures, AppError> {
        self.figures(actor, tenant_id, ledger_code, params, false).await
    }

    async fn figures(
        &self,
        actor: &Actor,
        tenant_id: i64,
        ledger_code: &str,
        params: &FiguresParams,
        keep: bool,
    ) -> Result<CurrencyFigures, AppError> {
        actor.require(Action::ViewLedger, &Resource::tenant(tenant_id))?;
        let programme = parse_programme(params.programme.as_deref())?;
        let from = parse_day("from", params.from.as_deref())?;
        let to = parse_day("to", params.to.as_deref())?;
        let top = params.top.unwrap_or(TOP_MERCHANTS_DEFAULT);
        if !(1..=koinon_core::circulation::TOP_MERCHANTS_MAX).contains(&top) {
            return Err(AppError::invalid(
                "top",
                "figures_top_out_of_range",
                format!("top must be 1 to {}", koinon_core::circulation::TOP_MERCHANTS_MAX),
            ));
        }
        let code = ledger_code.trim();
        if code.is_empty() || code.len() > 16 {
            return Err(AppError::NotFound("ledger (a code of 1 to 16 characters)".into()));
        }

        let mut tx = self.store().begin_snapshot().await?;
        let mut db = tx.db();
        let ledger = db
            .list_ledgers(tenant_id)
            .await?
            .into_iter()
            .find(|l| l.code.eq_ignore_ascii_case(code))
            .ok_or_else(|| AppError::NotFound(format!("ledger {code}")))?;
        let from = from.unwrap_or_else(|| date_of(ledger.created_at_us));
        let to = to.unwrap_or_else(|| date_of(Self::now_us()));
        if to < from {
            return Err(AppError::invalid("to", "figures_invalid_period", "to must not be before from"));
        }
        if (to - from).whole_days() >= PERIOD_MAX_DAYS {
            return Err(AppError::invalid(
                "to",
                "figures_period_too_long",
                format!("the period must be shorter than {PERIOD_MAX_DAYS} days"),
            ));
        }
        let months = month_starts(from, Some(to), BUCKETS_MAX + 1);
        if months.len() > BUCKETS_MAX {
            return Err(figures_error(FiguresError::Buckets));
        }
        // Every transfer up to the last timestamp handed out is committed and never changes:
        // stretches below it read on several connections at once see one ledger, and what
        // was traced of them stays true.
        let head = db.ledger_head().await?;
        let first_us = db.ledger_ts_span().await?.map(|(first, _)| first);
        let accounts = db.currency_flow_account_count(tenant_id, ledger.id).await?;
        drop(tx);
        let request = Request {
            tenant_id,
            ledger_id: ledger.id,
            programme: programme.clone(),
            from_us: start_of(from),
            to_us: start_of(to + Duration::days(1)),
            months,
            top,
            head,
            first_us,
            accounts,
        };

        let (f, listed) = if keep { self.figures_kept(&request).await? } else { self.figures_afresh(&request).await? };
        if let Some(p) = &programme
            && f.issues_all_time == 0
        {
            return Err(AppError::NotFound(format!(
                "programme {p} (no units were issued under it on {} up to {})",
                ledger.code,
                format_date(to)
            )));
        }

        // The names of the listed merchants that are organisations of this municipality.
        let mut names = std::collections::HashMap::new();
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        for (m, (_, owner)) in f.top_merchants.iter().zip(&listed) {
            let org =
                owner.as_deref().and_then(|o| o.strip_prefix("organisation:").and_then(|n| n.parse::<i64>().ok()));
            if let Some(id) = org
                && let Some(row) = db.organisation(id).await?
                && row.tenant_id == tenant_id
            {
                names.insert(m.account, row.name);
            }
            // An accredited shop's account (`merchant:{id}`) is named by the shop.
            let shop = owner.as_deref().and_then(|o| o.strip_prefix("merchant:").and_then(|n| n.parse().ok()));
            if let Some(id) = shop
                && let Some(row) = db.merchant(tenant_id, id).await?
            {
                names.insert(m.account, row.name);
            }
        }
        Ok(CurrencyFigures {
            ledger: ledger.code,
            scale: ledger.scale,
            programme,
            from: format_date(from),
            to: format_date(to),
            transfers_read: f.transfers_read,
            issued_minor: f.issued_minor,
            issues: f.issues,
            beneficiaries: f.beneficiaries,
            spent_minor: f.spent_minor,
            payments: f.payments,
            circulated_minor: f.circulated_minor,
            redeemed_minor: f.redeemed_minor,
            redeemed_recirculated_minor: f.redeemed_recirculated_minor,
            fees_minor: f.fees_minor,
            expired_minor: f.expired_minor,
            by_category: f
                .by_category
                .into_iter()
                .map(|c| CategoryView { category: c.category, spent_minor: c.spent_minor, payments: c.payments })
                .collect(),
            top_merchants: f
                .top_merchants
                .iter()
                .zip(listed)
                .map(|(m, (id, owner))| MerchantView {
                    account_id: format_id(id),
                    owner,
                    name: names.remove(&m.account),
                    received_minor: m.received_minor,
                    payments: m.payments,
                })
                .collect(),
            other_merchants: f.other_merchants,
            other_merchants_received_minor: f.other_merchants_received_minor,
            months: f
                .series
                .iter()
                .map(|b| {
                    let d = date_of(b.start_us);
                    MonthView {
                        month: format!("{:04}-{:02}", d.year(), u8::from(d.month())),
                        issued_minor: b.issued_minor,
                        spent_minor: b.spent_minor,
                        circulated_minor: b.circulated_minor,
                        redeemed_minor: b.redeemed_minor,
                    }
                })
                .collect(),
            r1_minor: f.rounds.r1_minor,
            r2_minor: f.rounds.r2_minor,
            r3_minor: f.rounds.r3_minor,
            cohort_in_wallets_minor: f.cohort.in_wallets_minor,
            cohort_at_merchants_minor: f.cohort.at_merchants_minor,
            cohort_elsewhere_minor: f.cohort.elsewhere_minor,
            cohort_left_minor: f.cohort.left_minor,
            outstanding_end_minor: f.outstanding_end_minor,
            average_outstanding_minor: f.average_outstanding_minor,
            lm3: f.lm3.map(Into::into),
            recirculation: f.recirculation.map(Into::into),
            velocity: f.velocity.map(Into::into),
            retention: f.retention.map(Into::into),
        })
    }

    /// The figures from the kept state of the ledger, brought up to date first (or traced from
    /// the start when there is none yet).
    async fn figures_kept(&self, r: &Request) -> Result<(Figures, Vec<(Id, Option<String>)>), AppError> {
        let key = StateKey {
            tenant_id: r.tenant_id,
            ledger_id: r.ledger_id,
            programme: r.programme.clone(),
            from_us: r.from_us,
        };
        let cache = self.figures_cache();
        let slot = cache.slot(&key);
        let mut state = slot.lock().await;
        if state.as_ref().is_some_and(|t| t.tracer.last_timestamp_us() >= r.to_us) {
            // The period ends before transfers already traced: computed afresh.
            drop(state);
            return self.figures_afresh(r).await;
        }
        let outcome = match state.as_mut() {
            None => {
                let query = FiguresQuery {
                    from_us: r.from_us,
                    to_us: i64::MAX,
                    programme: r.programme.clone(),
                    bucket_starts_us: month_starts(date_of(r.from_us), None, BUCKETS_MAX),
                    top_merchants: koinon_core::circulation::TOP_MERCHANTS_MAX,
                };
                self.trace_from_start(r, &query).await.map(|t| {
                    *state = Some(t);
                })
            }
            Some(traced) => self.catch_up(r, traced).await,
        };
        let answer = outcome.and_then(|()| {
            let traced = state.as_ref().ok_or_else(|| AppError::Internal("figures: no traced state".into()))?;
            let f = traced.tracer.figures_at(r.to_us, r.top).map_err(figures_error)?;
            Ok((listed(&traced.index, &traced.owners, &f), f, traced.bytes()))
        });
        match answer {
            Ok((listed, f, bytes)) => {
                if r.programme.is_some() && f.issues_all_time == 0 {
                    cache.forget(&key);
                } else {
                    cache.sized(&key, bytes);
                }
                Ok((f, listed))
            }
            Err(e) => {
                // A read that stopped half-way leaves a state that cannot be trusted.
                *state = None;
                cache.forget(&key);
                Err(e)
            }
        }
    }

    /// The figures of one request traced from the first transfer, nothing kept.
    async fn figures_afresh(&self, r: &Request) -> Result<(Figures, Vec<(Id, Option<String>)>), AppError> {
        let query = FiguresQuery {
            from_us: r.from_us,
            to_us: r.to_us,
            programme: r.programme.clone(),
            bucket_starts_us: r.months.clone(),
            top_merchants: r.top,
        };
        let Traced { index, owners, tracer, .. } = self.trace_from_start(r, &query).await?;
        let f = tracer.finish().map_err(figures_error)?;
        let listed = listed(&index, &owners, &f);
        Ok((f, listed))
    }

    /// Reads the ledger's accounts and traces its transfers up to [`Request::upto`], in
    /// stretches read on [`READERS`] connections at once.
    async fn trace_from_start(&self, r: &Request, query: &FiguresQuery) -> Result<Traced, AppError> {
        let (rows, count) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            let rows = db.currency_flow_accounts(r.tenant_id, r.ledger_id).await?;
            let count = match r.first_us {
                Some(first) if first <= r.upto() => db.ledger_transfer_count().await?,
                _ => 0,
            };
            (rows, count)
        };
        let mut index = AccountIndex::with_capacity(rows.len());
        let mut owners = Vec::with_capacity(rows.len());
        for a in rows {
            let id = id_from(&a.id).ok_or_else(|| AppError::Internal("an account id does not parse".into()))?;
            index.add(id, AccountRole::from_code(&a.code)).map_err(figures_error)?;
            owners.push(a.owner);
        }
        let mut tracer = Tracer::new(index.roles().to_vec(), query).map_err(figures_error)?;
        for i in 0..index.len() {
            let i = u32::try_from(i).map_err(|_| figures_error(FiguresError::TooManyAccounts))?;
            tracer.set_tie_key(i, index.id(i).unwrap_or_default());
        }
        let index = Arc::new(index);
        let upto = r.upto();
        if let Some(first) = r.first_us.filter(|first| *first <= upto) {
            let reader = r.reader(self.store(), index.clone());
            trace_stretches(&reader, &stretches(first.saturating_sub(1), upto, count), &mut tracer).await?;
        }
        Ok(Traced { index, owners, tracer, covered_us: upto })
    }

    /// Traces the transfers after what a kept state covers, up to [`Request::upto`], adding
    /// the accounts opened since.
    async fn catch_up(&self, r: &Request, traced: &mut Traced) -> Result<(), AppError> {
        let upto = r.upto();
        if upto <= traced.covered_us {
            return Ok(());
        }
        if usize::try_from(r.accounts).unwrap_or(usize::MAX) > traced.index.len() {
            let rows = {
                let mut conn = self.store().conn().await?;
                conn.db().currency_flow_accounts(r.tenant_id, r.ledger_id).await?
            };
            let index = Arc::make_mut(&mut traced.index);
            for a in rows {
                let id = id_from(&a.id).ok_or_else(|| AppError::Internal("an account id does not parse".into()))?;
                if index.get(id).is_some() {
                    continue;
                }
                let role = AccountRole::from_code(&a.code);
                let i = index.add(id, role).map_err(figures_error)?;
                let j = traced.tracer.add_account(role).map_err(figures_error)?;
                if i != j {
                    return Err(AppError::Internal("figures: account index and tracer disagree".into()));
                }
                traced.tracer.set_tie_key(i, id);
                traced.owners.push(a.owner);
            }
        }
        let reader = r.reader(self.store(), traced.index.clone());
        trace_stretches(&reader, &[(traced.covered_us, upto)], &mut traced.tracer).await?;
        traced.covered_us = upto;
        Ok(())
    }
}

/// The ids and owners of the merchants listed in `f`.
fn listed(index: &AccountIndex, owners: &[Option<String>], f: &Figures) -> Vec<(Id, Option<String>)> {
    f.top_merchants
        .iter()
        .map(|m| (index.id(m.account).unwrap_or_default(), owners.get(m.account as usize).cloned().flatten()))
        .collect()
}

/// Reads the stretches, [`READERS`] at a time on connections of their own, and traces them in
/// order.
async fn trace_stretches(reader: &Reader, stretches: &[(i64, i64)], tracer: &mut Tracer) -> Result<(), AppError> {
    let mut reading = std::collections::VecDeque::new();
    let mut next = stretches.iter();
    for (after, upto) in next.by_ref().take(READERS) {
        reading.push_back(tokio::spawn(reader.clone().read(*after, *upto)));
    }
    while let Some(handle) = reading.pop_front() {
        let stretch = handle.await.map_err(|e| AppError::Internal(format!("a reader stopped: {e}")))??;
        if let Some((after, upto)) = next.next() {
            reading.push_back(tokio::spawn(reader.clone().read(*after, *upto)));
        }
        for r in &stretch.rows {
            tracer
                .push(&FlowTransfer {
                    debit: r.debit,
                    credit: r.credit,
                    amount_minor: r.amount,
                    timestamp_us: r.ts,
                    reference: stretch.references.get(r.reference as usize).map(|s| s.as_ref()),
                })
                .map_err(figures_error)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::stretches;

    #[test]
    fn stretches_cover_the_span_once_in_order() {
        for (after, upto, count) in [(0, 10, 0), (-1, 1_000_000, 3_000_000), (99, 100, 10_000_000), (5, 7, 1 << 40)] {
            let s = stretches(after, upto, count);
            assert!(!s.is_empty());
            assert_eq!(s.first().map(|x| x.0), Some(after));
            assert_eq!(s.last().map(|x| x.1), Some(upto));
            assert!(s.windows(2).all(|w| w[0].1 == w[1].0 && w[0].0 < w[0].1), "{s:?}");
        }
        assert_eq!(stretches(0, 1_000_000, 3_000_000).len(), 13, "about 250,000 transfers each");
    }
}
