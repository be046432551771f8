//! The figures of a municipal e-currency for a period and optionally one programme: issued,
//! spent by category and by merchant, recirculation, velocity, retention and LM3, computed by
//! `koinon_core::circulation` from the ledger's posted transfers, streamed in one pass.
//!
//! The period is given in whole days (UTC): from the start of `from` to the end of `to`. Reads
//! only, in one read snapshot: nothing here changes state, so nothing is audited.

use koinon_core::authz::{Action, Resource};
use std::sync::Arc;

use koinon_core::circulation::{
    AccountIndex, AccountRole, FiguresError, FiguresQuery, FlowKind, FlowTransfer, PROGRAMME_MAX_CHARS, Ratio, Tracer,
};
use koinon_core::finance::{format_date, parse_date};
use koinon_core::ledger::format_id;
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

fn start_of(date: Date) -> i64 {
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

fn parse_day(field: &str, raw: Option<&str>) -> Result<Option<Date>, AppError> {
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

impl App {
    /// The figures of the currency ledger `ledger_code` of a tenant (officers, approvers,
    /// auditors and administrators: those who see the ledger).
    pub async fn currency_figures(
        &self,
        actor: &Actor,
        tenant_id: i64,
        ledger_code: &str,
        params: &FiguresParams,
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
        let from_us = start_of(from);
        let to_us = start_of(to + Duration::days(1));
        let mut months = vec![from_us];
        let mut month = next_month(from);
        while let Some(m) = month.filter(|m| *m <= to) {
            months.push(start_of(m));
            month = next_month(m);
        }

        // Every transfer up to the last timestamp handed out is committed and never changes:
        // stretches below it read on several connections at once see one ledger.
        let head = db.ledger_head().await?;
        let span = db.ledger_ts_span().await?;
        let count = db.ledger_transfer_count().await?;
        let accounts = db.currency_flow_accounts(tenant_id, ledger.id).await?;
        drop(tx);
        let mut index = AccountIndex::with_capacity(accounts.len());
        for a in &accounts {
            let id = id_from(&a.id).ok_or_else(|| AppError::Internal("an account id does not parse".into()))?;
            index.add(id, AccountRole::from_code(&a.code)).map_err(figures_error)?;
        }
        let index = Arc::new(index);
        let query = FiguresQuery {
            from_us,
            to_us,
            programme: programme.clone(),
            bucket_starts_us: months.clone(),
            top_merchants: top,
        };
        let mut tracer = Tracer::new(index.roles().to_vec(), &query).map_err(figures_error)?;
        let upto = head.min(to_us - 1);
        if let Some((first, _)) = span.filter(|(first, _)| *first <= upto) {
            let stretches = stretches(first.saturating_sub(1), upto, count);
            let reader = Reader {
                store: self.store().clone(),
                index: index.clone(),
                tenant_id,
                ledger_id: ledger.id,
                programme_prefix: programme.as_ref().map(|p| format!("programme:{p}/")),
            };
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
        }
        let f = tracer.finish().map_err(figures_error)?;
        if let Some(p) = &programme
            && f.issues_all_time == 0
        {
            return Err(AppError::NotFound(format!(
                "programme {p} (no units were issued under it on {} up to {})",
                ledger.code,
                format_date(to)
            )));
        }

        let owner_of = |i: u32| accounts.get(i as usize).and_then(|a| a.owner.clone());
        // The names of the listed merchants that are organisations of this municipality.
        let mut names = std::collections::HashMap::new();
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        for m in &f.top_merchants {
            let org =
                owner_of(m.account).and_then(|o| o.strip_prefix("organisation:").and_then(|n| n.parse::<i64>().ok()));
            if let Some(id) = org
                && let Some(row) = db.organisation(id).await?
                && row.tenant_id == tenant_id
            {
                names.insert(m.account, row.name);
            }
            // An accredited shop's account (`merchant:{id}`) is named by the shop.
            let shop = owner_of(m.account).and_then(|o| o.strip_prefix("merchant:").and_then(|n| n.parse().ok()));
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
                .map(|m| MerchantView {
                    account_id: index.id(m.account).map(format_id).unwrap_or_default(),
                    owner: owner_of(m.account),
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
