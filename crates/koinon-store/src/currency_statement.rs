//! What a merchant's pages read besides its payments: the holds it has open (with when the
//! ledger releases them) and its statement (the posted transfers of its account over a period,
//! newest first), on either backend.

use crate::{Db, StoreError, on};

/// A hold the ledger still keeps pending, with the card it was taken from.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenHoldRow {
    pub id: Vec<u8>,
    pub amount_minor: i64,
    pub category: String,
    pub card_code: String,
    pub created_at_us: i64,
    /// When the ledger releases it (its timestamp plus its timeout, microseconds); 0 = never.
    pub expires_at_us: i64,
}

/// A posted transfer of a merchant's account: a payment (or a hold's capture), circulation in
/// or out, a redemption or its fee.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatementRow {
    pub ts: i64,
    pub id: Vec<u8>,
    pub code: String,
    pub amount: i64,
    pub reference: Option<String>,
    pub debit_account_id: Vec<u8>,
    pub credit_account_id: Vec<u8>,
    /// The payment it settles (a card payment, or the hold a capture posts), if any.
    pub payment_id: Option<Vec<u8>>,
    /// The card of that payment.
    pub card_code: Option<String>,
    /// The other merchant (circulation).
    pub other_merchant: Option<String>,
}

/// Pending (2) and void (8) transfers move nothing posted.
macro_rules! posted_of {
    ($side:literal, $other:literal) => {
        concat!(
            "SELECT ts, id, code, amount, reference, debit_account_id, credit_account_id, pending_id, ",
            $other,
            " AS other_account FROM ledger_transfers WHERE ",
            $side,
            " = $1 AND ts >= $2 AND ts < $3 AND (flags & 10) = 0"
        )
    };
}

impl Db<'_> {
    /// A merchant's holds that are open: held, still pending in the ledger and not due to be
    /// released by `now_us`; those due first come first, at most `limit`.
    pub async fn merchant_open_holds(
        &mut self,
        merchant_id: i64,
        now_us: i64,
        limit: i64,
    ) -> Result<Vec<OpenHoldRow>, StoreError> {
        let sql = "SELECT p.id, p.amount_minor, p.category, k.code AS card_code, p.created_at_us, l.expires_at_us \
                   FROM currency_payments p JOIN ledger_pending l ON l.transfer_id = p.id \
                   JOIN currency_cards k ON k.id = p.card_id \
                   WHERE p.merchant_id = $1 AND p.kind = 'hold' AND p.state = 'held' AND l.status = 0 \
                   AND (l.expires_at_us = 0 OR l.expires_at_us > $2) \
                   ORDER BY l.expires_at_us, p.created_at_us LIMIT $3";
        Ok(on!(self, c => sqlx::query_as(sql).bind(merchant_id).bind(now_us).bind(limit).fetch_all(c).await)?)
    }

    /// The posted transfers of `account` with a timestamp in `from_ts..until_ts`, newest first,
    /// at most `limit`. A page after the first passes the last timestamp it showed as `until_ts`.
    pub async fn account_statement_desc(
        &mut self,
        account: &[u8],
        from_ts: i64,
        until_ts: i64,
        limit: i64,
    ) -> Result<Vec<StatementRow>, StoreError> {
        let sql = concat!(
            "SELECT t.ts, t.id, t.code, t.amount, t.reference, t.debit_account_id, t.credit_account_id, ",
            "p.id AS payment_id, k.code AS card_code, m.name AS other_merchant FROM (",
            posted_of!("credit_account_id", "debit_account_id"),
            " UNION ALL ",
            posted_of!("debit_account_id", "credit_account_id"),
            ") t LEFT JOIN currency_payments p ON p.id = COALESCE(t.pending_id, t.id) AND t.code = 'payment' ",
            "LEFT JOIN currency_cards k ON k.id = p.card_id ",
            "LEFT JOIN currency_merchants m ON m.account = t.other_account ",
            "ORDER BY t.ts DESC LIMIT $4"
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(account).bind(from_ts).bind(until_ts).bind(limit)
            .fetch_all(c).await)?)
    }
}
