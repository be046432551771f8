//! A merchant's statement: every posted transfer of its account over a period, newest first
//! (card payments and holds' captures received, circulation to and from other shops,
//! redemptions and their fees), a page at a time or as CSV. Read straight from the ledger, so
//! the statement and the balance cannot disagree. Pending holds and their releases move
//! nothing posted and are not on it (the point of sale lists the holds that are open).
//!
//! Who sees it: the shop's own user, and staff who see merchants (officers, approvers,
//! auditors, admins); another shop's user hears it does not exist, anyone else is refused.

use koinon_core::authz::{Action, Resource};
use koinon_core::finance::format_date;
use koinon_core::money::minor_to_decimal;
use koinon_store::Db;
use koinon_store::currency::CurrencyRow;
use koinon_store::currency_statement::StatementRow;
use koinon_store::merchants::MerchantRow;
use serde::Serialize;

use crate::currency_figures::{parse_day, start_of};
use crate::currency_payments::{STATEMENT_ROWS_MAX, last_four, require_till};
use crate::merchants::id_text;
use crate::{Actor, App, AppError, Errors, page_limit, parse_cursor};

/// Rows read from the ledger at a time for the CSV.
const CSV_CHUNK_ROWS: i64 = 500;
const DAY_US: i64 = 86_400_000_000;

/// A period of whole days (UTC) as typed: `YYYY-MM-DD`, either end may be left open.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct StatementPeriod {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One line of a merchant's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementEntry {
    /// The ledger transfer.
    pub id: String,
    pub at_us: i64,
    /// The transfer code: `payment`, `circulation`, `redemption`, `redemption_fee`, ...
    pub what: String,
    /// Positive for what came in, negative for what went out (minor units).
    pub amount_minor: i64,
    /// The card payment it settles (a hold's id for a capture).
    pub payment_id: Option<String>,
    /// The last four symbols of the payment's card.
    pub card: Option<String>,
    pub category: Option<String>,
    /// The other shop of a circulation payment.
    pub counterparty: Option<String>,
}

impl StatementEntry {
    pub fn incoming(&self) -> bool {
        self.amount_minor > 0
    }
}

/// A page of a merchant's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MerchantStatement {
    pub merchant_id: i64,
    pub merchant_name: String,
    pub currency: String,
    pub scale: u8,
    /// The period as read (`YYYY-MM-DD`), `None` where open.
    pub from: Option<String>,
    pub to: Option<String>,
    pub entries: Vec<StatementEntry>,
    /// Opaque cursor of the next (older) page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The period's bounds in ledger time: from the start of `from` to the end of `to`.
struct Bounds {
    from: Option<String>,
    to: Option<String>,
    from_ts: i64,
    until_ts: i64,
}

fn bounds(period: &StatementPeriod) -> Result<Bounds, AppError> {
    let mut errors = Errors::default();
    let from = errors.take(parse_day("from", period.from.as_deref()).map_err(one_error)).flatten();
    let to = errors.take(parse_day("to", period.to.as_deref()).map_err(one_error)).flatten();
    errors.finish()?;
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(AppError::invalid("to", "ends_before_start", "to must be on or after from"));
    }
    Ok(Bounds {
        from: from.map(format_date),
        to: to.map(format_date),
        from_ts: from.map_or(0, start_of),
        until_ts: to.map_or(i64::MAX, |t| start_of(t).saturating_add(DAY_US)),
    })
}

fn one_error(e: AppError) -> koinon_core::FieldError {
    e.field_errors().into_iter().next().unwrap_or_else(|| koinon_core::FieldError::new("from", "invalid_date", ""))
}

/// The merchant and its currency, if the actor may see its money: staff who see merchants, or
/// the shop's own user (another shop's user hears it does not exist).
pub(crate) async fn viewed_merchant(
    db: &mut Db<'_>,
    actor: &Actor,
    tenant_id: i64,
    merchant_id: i64,
) -> Result<(MerchantRow, CurrencyRow), AppError> {
    let m = db.merchant(tenant_id, merchant_id).await?;
    let m = if actor.require(Action::ViewMerchants, &Resource::tenant(tenant_id)).is_ok() {
        m.ok_or_else(|| AppError::NotFound(format!("merchant {merchant_id}")))?
    } else {
        require_till(actor, m, merchant_id)?
    };
    let c = db.currency(tenant_id, m.currency_id).await?.ok_or_else(|| AppError::Internal("no currency".into()))?;
    Ok((m, c))
}

fn entry(r: StatementRow, account: &[u8]) -> StatementEntry {
    let incoming = r.credit_account_id == account;
    let category = match (&r.payment_id, &r.reference) {
        (Some(_), Some(reference)) => reference.strip_prefix("category:").map(str::to_string),
        _ => None,
    };
    StatementEntry {
        id: id_text(&r.id),
        at_us: r.ts,
        what: r.code,
        amount_minor: if incoming { r.amount } else { -r.amount },
        payment_id: r.payment_id.as_deref().map(id_text),
        card: r.card_code.as_deref().map(last_four),
        category,
        counterparty: r.other_merchant,
    }
}

/// `YYYY-MM-DD` and RFC 3339 (UTC) of a ledger timestamp.
pub(crate) fn date_and_time(at_us: i64) -> (String, String) {
    let at = time::OffsetDateTime::from_unix_timestamp(at_us.div_euclid(1_000_000)).ok();
    let date = at.map(|a| format_date(a.date())).unwrap_or_default();
    let time = at.and_then(|a| a.format(&time::format_description::well_known::Rfc3339).ok()).unwrap_or_default();
    (date, time)
}

impl App {
    /// A page of a merchant's statement over a period, newest first (`limit` clamped to the
    /// page sizes; `cursor` from the previous page). A date that does not read, or a period
    /// that ends before it starts, is refused naming `from` or `to`.
    pub async fn merchant_statement(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
        period: &StatementPeriod,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<MerchantStatement, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (m, c) = viewed_merchant(&mut db, actor, tenant_id, merchant_id).await?;
        let b = bounds(period)?;
        let until = match parse_cursor(cursor)? {
            Some(ts) => ts.min(b.until_ts),
            None => b.until_ts,
        };
        let limit = page_limit(limit);
        let (entries, more) = match m.account.as_deref() {
            None => (Vec::new(), false),
            Some(account) => {
                let rows = db.account_statement_desc(account, b.from_ts, until, limit + 1).await?;
                let more = rows.len() as i64 > limit;
                let entries: Vec<StatementEntry> =
                    rows.into_iter().take(usize::try_from(limit).unwrap_or(0)).map(|r| entry(r, account)).collect();
                (entries, more)
            }
        };
        let next_cursor = if more { entries.last().map(|e| e.at_us.to_string()) } else { None };
        Ok(MerchantStatement {
            merchant_id: m.id,
            merchant_name: m.name,
            currency: c.code,
            scale: u8::try_from(c.scale).unwrap_or(0),
            from: b.from,
            to: b.to,
            entries,
            next_cursor,
        })
    }

    /// A merchant's statement over a period as CSV, newest first, at most
    /// [`STATEMENT_ROWS_MAX`] rows. Columns: `date` (`YYYY-MM-DD`, UTC), `time` (RFC 3339,
    /// UTC), `what` (the transfer code), `payment_id`, `card` (last four), `category`,
    /// `counterparty` (the other shop), `amount` (decimal, negative for what went out),
    /// `currency`, `transfer_id`.
    pub async fn merchant_statement_period_csv(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
        period: &StatementPeriod,
    ) -> Result<String, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let (m, c) = viewed_merchant(&mut db, actor, tenant_id, merchant_id).await?;
        let b = bounds(period)?;
        let scale = u8::try_from(c.scale).unwrap_or(0);
        let csv_error = |e: csv::Error| AppError::Internal(format!("statement: {e}"));
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record([
            "date",
            "time",
            "what",
            "payment_id",
            "card",
            "category",
            "counterparty",
            "amount",
            "currency",
            "transfer_id",
        ])
        .map_err(csv_error)?;
        if let Some(account) = m.account.as_deref() {
            let mut until = b.until_ts;
            let mut rows = 0;
            while rows < STATEMENT_ROWS_MAX {
                let chunk = CSV_CHUNK_ROWS.min(STATEMENT_ROWS_MAX - rows);
                let page = db.account_statement_desc(account, b.from_ts, until, chunk).await?;
                let n = page.len() as i64;
                for r in page {
                    until = r.ts;
                    let e = entry(r, account);
                    let (date, time) = date_and_time(e.at_us);
                    let sign = if e.amount_minor < 0 { "-" } else { "" };
                    out.write_record([
                        date,
                        time,
                        e.what,
                        e.payment_id.unwrap_or_default(),
                        e.card.unwrap_or_default(),
                        e.category.unwrap_or_default(),
                        e.counterparty.unwrap_or_default(),
                        format!("{sign}{}", minor_to_decimal(e.amount_minor.saturating_abs(), scale)),
                        c.code.clone(),
                        e.id,
                    ])
                    .map_err(csv_error)?;
                }
                rows += n;
                if n < chunk {
                    break;
                }
            }
        }
        let bytes = out.into_inner().map_err(|e| AppError::Internal(format!("statement: {e}")))?;
        String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("statement: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_reads_whole_days_and_names_the_field_it_refuses() {
        let b = bounds(&StatementPeriod { from: Some("2026-03-01".into()), to: Some("2026-03-31".into()) })
            .expect("period");
        assert_eq!(b.until_ts - b.from_ts, 31 * DAY_US);
        assert_eq!((b.from.as_deref(), b.to.as_deref()), (Some("2026-03-01"), Some("2026-03-31")));
        let open = bounds(&StatementPeriod::default()).expect("open");
        assert_eq!((open.from_ts, open.until_ts), (0, i64::MAX));
        let fields = |p: StatementPeriod| -> Vec<(String, &'static str)> {
            bounds(&p)
                .err()
                .map(|e| e.field_errors())
                .unwrap_or_default()
                .into_iter()
                .map(|f| (f.field, f.code))
                .collect()
        };
        assert_eq!(
            fields(StatementPeriod { from: Some("31.01.2026".into()), to: Some("2026-02-30".into()) }),
            vec![("from".to_string(), "invalid_date"), ("to".to_string(), "invalid_date")]
        );
        assert_eq!(
            fields(StatementPeriod { from: Some("2026-03-02".into()), to: Some("2026-03-01".into()) }),
            vec![("to".to_string(), "ends_before_start")]
        );
    }
}
