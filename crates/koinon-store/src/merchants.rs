//! Merchants of the e-currencies, their categories and documents, beneficiaries' cards, and
//! the payments taken at a point of sale, on either backend.

use crate::{Db, StoreError, on};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MerchantRow {
    pub id: i64,
    pub tenant_id: i64,
    pub currency_id: i64,
    pub name: String,
    pub registration: Option<String>,
    pub area: String,
    pub address: String,
    pub description: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    /// The merchant's account on the currency's ledger (set when first accredited).
    pub account: Option<Vec<u8>>,
    /// The merchant's euro account for redemption payouts, if any.
    pub euro_account: Option<Vec<u8>>,
    pub owner_user_id: Option<i64>,
    pub applied_by: String,
    pub reviewed_by: Option<String>,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

/// A document kept with an application; `content` is empty in lists.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MerchantDocumentRow {
    pub id: i64,
    pub merchant_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_by: String,
    pub created_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CardRow {
    pub id: i64,
    pub tenant_id: i64,
    pub currency_id: i64,
    pub household_id: i64,
    pub code: String,
    pub wallet_account: Vec<u8>,
    pub pin_hash: String,
    pub pin_failures: i64,
    pub locked_until_s: Option<i64>,
    /// `active` or `replaced`.
    pub status: String,
    pub issued_by: String,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: Vec<u8>,
    pub tenant_id: i64,
    pub currency_id: i64,
    pub merchant_id: i64,
    pub card_id: i64,
    pub wallet_account: Vec<u8>,
    /// `payment` (posted at once) or `hold` (two-phase).
    pub kind: String,
    /// `authorised` (reserved, not yet in the ledger), `posted`, `held`, `captured`, `voided`,
    /// `failed`.
    pub state: String,
    pub amount_minor: i64,
    pub captured_minor: Option<i64>,
    pub category: String,
    /// The UTC day the payment counts against the daily limit (`YYYY-MM-DD`).
    pub day: String,
    pub failure: Option<String>,
    pub created_by: String,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

#[derive(Debug, Clone)]
pub struct MerchantFields<'a> {
    pub name: &'a str,
    pub registration: Option<&'a str>,
    pub area: &'a str,
    pub address: &'a str,
    pub description: Option<&'a str>,
    pub email: &'a str,
    pub phone: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct NewCard<'a> {
    pub tenant_id: i64,
    pub currency_id: i64,
    pub household_id: i64,
    pub code: &'a str,
    pub wallet_account: &'a [u8],
    pub pin_hash: &'a str,
    pub issued_by: &'a str,
    pub at_us: i64,
}

macro_rules! merchant_cols {
    () => {
        "id, tenant_id, currency_id, name, registration, area, address, description, email, phone, status, \
         status_reason, account, euro_account, owner_user_id, applied_by, reviewed_by, created_at_us, updated_at_us"
    };
}
macro_rules! card_cols {
    () => {
        "id, tenant_id, currency_id, household_id, code, wallet_account, pin_hash, pin_failures, locked_until_s, \
         status, issued_by, created_at_us, updated_at_us"
    };
}
macro_rules! payment_cols {
    () => {
        "id, tenant_id, currency_id, merchant_id, card_id, wallet_account, kind, state, amount_minor, captured_minor, \
         category, day, failure, created_by, created_at_us, updated_at_us"
    };
}

/// What a payment from a wallet is checked against (see [`Db::wallet_position`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalletPosition {
    pub spent_today: i64,
    pub reserved: i64,
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_posted: i64,
    pub issued_before: i64,
}

impl Db<'_> {
    // ---- merchants ----

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_merchant(
        &mut self,
        tenant_id: i64,
        currency_id: i64,
        f: &MerchantFields<'_>,
        owner_user_id: Option<i64>,
        applied_by: &str,
        at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO currency_merchants (tenant_id, currency_id, name, registration, area, address, \
                   description, email, phone, status, owner_user_id, applied_by, created_at_us, updated_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'applied', $10, $11, $12, $12) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(tenant_id).bind(currency_id).bind(f.name).bind(f.registration).bind(f.area).bind(f.address)
            .bind(f.description).bind(f.email).bind(f.phone).bind(owner_user_id).bind(applied_by).bind(at_us)
            .fetch_one(c).await)?)
    }

    pub async fn merchant(&mut self, tenant_id: i64, id: i64) -> Result<Option<MerchantRow>, StoreError> {
        let sql = concat!("SELECT ", merchant_cols!(), " FROM currency_merchants WHERE tenant_id = $1 AND id = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(id).fetch_optional(c).await)?)
    }

    /// A municipality's merchants, optionally of one status and of one owner, by name, after
    /// id `after` (cursor), at most `limit`.
    pub async fn list_merchants(
        &mut self,
        tenant_id: i64,
        status: Option<&str>,
        owner_user_id: Option<i64>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<MerchantRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            merchant_cols!(),
            " FROM currency_merchants WHERE tenant_id = $1 AND ($2 IS NULL OR status = $2) \
             AND ($3 IS NULL OR owner_user_id = $3) AND id > $4 ORDER BY id LIMIT $5"
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(status).bind(owner_user_id).bind(after).bind(limit)
            .fetch_all(c).await)?)
    }

    /// Accredited merchants of a currency for the public directory, by area and name; with
    /// `area` and `category` when given (exact).
    pub async fn merchant_directory(
        &mut self,
        tenant_id: i64,
        area: Option<&str>,
        category: Option<&str>,
        limit: i64,
    ) -> Result<Vec<MerchantRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            merchant_cols!(),
            " FROM currency_merchants m WHERE tenant_id = $1 AND status = 'accredited' \
             AND ($2 IS NULL OR area = $2) \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM currency_merchant_categories k WHERE k.merchant_id = m.id AND k.category = $3)) \
             ORDER BY area, name, id LIMIT $4"
        );
        Ok(
            on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(area).bind(category).bind(limit).fetch_all(c).await)?,
        )
    }

    /// The areas that have an accredited merchant (for the directory's filter).
    pub async fn merchant_areas(&mut self, tenant_id: i64) -> Result<Vec<String>, StoreError> {
        let sql =
            "SELECT DISTINCT area FROM currency_merchants WHERE tenant_id = $1 AND status = 'accredited' ORDER BY area";
        Ok(on!(self, c => sqlx::query_scalar(sql).bind(tenant_id).fetch_all(c).await)?)
    }

    /// Moves a merchant from `from` to `to`; false when it was no longer `from`.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_merchant_status(
        &mut self,
        id: i64,
        from: &str,
        to: &str,
        reason: Option<&str>,
        reviewed_by: &str,
        at_us: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE currency_merchants SET status = $1, status_reason = $2, reviewed_by = $3, updated_at_us = $4 \
                   WHERE id = $5 AND status = $6";
        let n = on!(self, c => sqlx::query(sql).bind(to).bind(reason).bind(reviewed_by).bind(at_us).bind(id).bind(from)
            .execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn set_merchant_account(&mut self, id: i64, account: &[u8]) -> Result<(), StoreError> {
        let sql = "UPDATE currency_merchants SET account = $1 WHERE id = $2";
        on!(self, c => sqlx::query(sql).bind(account).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_merchant_euro_account(&mut self, id: i64, account: &[u8]) -> Result<(), StoreError> {
        let sql = "UPDATE currency_merchants SET euro_account = $1 WHERE id = $2";
        on!(self, c => sqlx::query(sql).bind(account).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Units credited to an account (posted, any code) at or after `since_ts` (ledger
    /// timestamp, microseconds): what a merchant received recently.
    pub async fn account_credits_since(&mut self, account: &[u8], since_ts: i64) -> Result<i64, StoreError> {
        let sql = "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger_transfers \
                   WHERE credit_account_id = $1 AND ts >= $2 AND (flags & 10) = 0";
        Ok(on!(self, c => sqlx::query_scalar(sql).bind(account).bind(since_ts).fetch_one(c).await)?)
    }

    pub async fn set_merchant_categories(&mut self, merchant_id: i64, categories: &[String]) -> Result<(), StoreError> {
        let del = "DELETE FROM currency_merchant_categories WHERE merchant_id = $1";
        on!(self, c => sqlx::query(del).bind(merchant_id).execute(c).await.map(|r| r.rows_affected()))?;
        let ins = "INSERT INTO currency_merchant_categories (merchant_id, category) VALUES ($1, $2)";
        for cat in categories {
            on!(self, c => sqlx::query(ins).bind(merchant_id).bind(cat).execute(c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    pub async fn merchant_categories(&mut self, merchant_id: i64) -> Result<Vec<String>, StoreError> {
        let sql = "SELECT category FROM currency_merchant_categories WHERE merchant_id = $1 ORDER BY category";
        Ok(on!(self, c => sqlx::query_scalar(sql).bind(merchant_id).fetch_all(c).await)?)
    }

    pub async fn insert_merchant_document(&mut self, d: &MerchantDocumentRow) -> Result<i64, StoreError> {
        let sql = "INSERT INTO currency_merchant_documents (merchant_id, file_name, content_type, size_bytes, sha256, \
                   content, uploaded_by, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(d.merchant_id).bind(&d.file_name).bind(&d.content_type).bind(d.size_bytes).bind(&d.sha256)
            .bind(&d.content).bind(&d.uploaded_by).bind(d.created_at_us)
            .fetch_one(c).await)?)
    }

    /// A merchant's documents without their bytes.
    pub async fn merchant_documents(&mut self, merchant_id: i64) -> Result<Vec<MerchantDocumentRow>, StoreError> {
        let sql = "SELECT id, merchant_id, file_name, content_type, size_bytes, sha256, content, uploaded_by, created_at_us \
                   FROM currency_merchant_documents WHERE merchant_id = $1 ORDER BY id";
        let rows: Vec<MerchantDocumentRow> = on!(self, c => sqlx::query_as(sql).bind(merchant_id).fetch_all(c).await)?;
        Ok(rows
            .into_iter()
            .map(|mut r| {
                r.content = Vec::new();
                r
            })
            .collect())
    }

    pub async fn merchant_document(
        &mut self,
        merchant_id: i64,
        id: i64,
    ) -> Result<Option<MerchantDocumentRow>, StoreError> {
        let sql = "SELECT id, merchant_id, file_name, content_type, size_bytes, sha256, content, uploaded_by, created_at_us \
                   FROM currency_merchant_documents WHERE merchant_id = $1 AND id = $2";
        Ok(on!(self, c => sqlx::query_as(sql).bind(merchant_id).bind(id).fetch_optional(c).await)?)
    }

    // ---- cards ----

    pub async fn insert_card(&mut self, n: &NewCard<'_>) -> Result<i64, StoreError> {
        let sql = "INSERT INTO currency_cards (tenant_id, currency_id, household_id, code, wallet_account, pin_hash, \
                   pin_failures, locked_until_s, status, issued_by, created_at_us, updated_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, 0, NULL, 'active', $7, $8, $8) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(n.tenant_id).bind(n.currency_id).bind(n.household_id).bind(n.code).bind(n.wallet_account)
            .bind(n.pin_hash).bind(n.issued_by).bind(n.at_us)
            .fetch_one(c).await)?)
    }

    /// Marks the active cards of a wallet replaced (a new card was issued); how many.
    pub async fn replace_cards(&mut self, wallet_account: &[u8], at_us: i64) -> Result<u64, StoreError> {
        let sql = "UPDATE currency_cards SET status = 'replaced', updated_at_us = $1 WHERE wallet_account = $2 AND status = 'active'";
        Ok(
            on!(self, c => sqlx::query(sql).bind(at_us).bind(wallet_account).execute(c).await.map(|r| r.rows_affected()))?,
        )
    }

    pub async fn card_by_code(&mut self, tenant_id: i64, code: &str) -> Result<Option<CardRow>, StoreError> {
        let sql = concat!("SELECT ", card_cols!(), " FROM currency_cards WHERE tenant_id = $1 AND code = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(code).fetch_optional(c).await)?)
    }

    /// The wallet's card in use (the newest active one), if it has one.
    pub async fn active_card_of_wallet(
        &mut self,
        tenant_id: i64,
        wallet_account: &[u8],
    ) -> Result<Option<CardRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            card_cols!(),
            " FROM currency_cards WHERE tenant_id = $1 AND wallet_account = $2 AND status = 'active' \
              ORDER BY id DESC LIMIT 1"
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(wallet_account).fetch_optional(c).await)?)
    }

    pub async fn card(&mut self, tenant_id: i64, id: i64) -> Result<Option<CardRow>, StoreError> {
        let sql = concat!("SELECT ", card_cols!(), " FROM currency_cards WHERE tenant_id = $1 AND id = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(id).fetch_optional(c).await)?)
    }

    /// Locks the card's row until the transaction ends (PostgreSQL; SQLite's write transaction
    /// already excludes other writers) and reads it, in one statement.
    pub async fn lock_card_row(&mut self, tenant_id: i64, id: i64) -> Result<Option<CardRow>, StoreError> {
        let sql = concat!(
            "UPDATE currency_cards SET updated_at_us = updated_at_us WHERE tenant_id = $1 AND id = $2 RETURNING ",
            card_cols!()
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(id).fetch_optional(c).await)?)
    }

    /// Locks the card's row until the transaction ends (PostgreSQL; SQLite's write transaction
    /// already excludes other writers), so one card's payments are checked one at a time.
    pub async fn lock_card(&mut self, id: i64) -> Result<(), StoreError> {
        let sql = "UPDATE currency_cards SET updated_at_us = updated_at_us WHERE id = $1";
        on!(self, c => sqlx::query(sql).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_card_guard(
        &mut self,
        id: i64,
        failures: i64,
        locked_until_s: Option<i64>,
        at_us: i64,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE currency_cards SET pin_failures = $1, locked_until_s = $2, updated_at_us = $3 WHERE id = $4";
        on!(self, c => sqlx::query(sql).bind(failures).bind(locked_until_s).bind(at_us).bind(id)
            .execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    // ---- payments ----

    pub async fn insert_payment(&mut self, p: &PaymentRow) -> Result<(), StoreError> {
        let sql = "INSERT INTO currency_payments (id, tenant_id, currency_id, merchant_id, card_id, wallet_account, kind, \
                   state, amount_minor, captured_minor, category, day, failure, created_by, created_at_us, updated_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
        on!(self, c => sqlx::query(sql)
            .bind(&p.id).bind(p.tenant_id).bind(p.currency_id).bind(p.merchant_id).bind(p.card_id)
            .bind(&p.wallet_account).bind(&p.kind).bind(&p.state).bind(p.amount_minor).bind(p.captured_minor)
            .bind(&p.category).bind(&p.day).bind(&p.failure).bind(&p.created_by).bind(p.created_at_us)
            .bind(p.updated_at_us)
            .execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn payment(&mut self, id: &[u8]) -> Result<Option<PaymentRow>, StoreError> {
        let sql = concat!("SELECT ", payment_cols!(), " FROM currency_payments WHERE id = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    /// Moves a payment from `from` to `to`; false when it was no longer `from`.
    pub async fn set_payment_state(
        &mut self,
        id: &[u8],
        from: &str,
        to: &str,
        captured_minor: Option<i64>,
        failure: Option<&str>,
        at_us: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE currency_payments SET state = $1, captured_minor = COALESCE($2, captured_minor), \
                   failure = COALESCE($3, failure), updated_at_us = $4 WHERE id = $5 AND state = $6";
        let n = on!(self, c => sqlx::query(sql).bind(to).bind(captured_minor).bind(failure).bind(at_us).bind(id).bind(from)
            .execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// What a payment from a wallet is checked against, read in one statement (so on
    /// PostgreSQL all of it is of one moment): spent today (the wallet's payments of
    /// `day`: holds at the amount held until captured, captures at the amount captured), the
    /// amount of its payments authorised that the ledger has not taken yet, the wallet's balances, and (when `issued_cutoff_ts` is given)
    /// the units issued to it before that ledger timestamp. `None` when the wallet has no
    /// ledger account in the tenant yet.
    pub async fn wallet_position(
        &mut self,
        tenant_id: i64,
        wallet_account: &[u8],
        day: &str,
        issued_cutoff_ts: Option<i64>,
    ) -> Result<Option<WalletPosition>, StoreError> {
        let sql = "SELECT                    (SELECT CAST(COALESCE(SUM(CASE WHEN p.day = $2 THEN CASE p.state WHEN 'captured' THEN p.captured_minor                     WHEN 'voided' THEN 0 WHEN 'failed' THEN 0 ELSE p.amount_minor END ELSE 0 END), 0) AS BIGINT)                     FROM currency_payments p WHERE p.wallet_account = $1 AND (p.day = $2 OR p.state = 'authorised')),                    (SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) FROM currency_payments p                     WHERE p.wallet_account = $1 AND p.state = 'authorised'                     AND NOT EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.id = p.id)),                    a.debits_pending, a.debits_posted, a.credits_posted,                    CASE WHEN $3 THEN (SELECT CAST(COALESCE(SUM(t.amount), 0) AS BIGINT) FROM ledger_transfers t                     WHERE t.credit_account_id = $1 AND t.code = 'issue' AND t.ts < $4) ELSE 0 END                    FROM ledger_accounts a WHERE a.id = $1 AND a.tenant_id = $5";
        let row: Option<(i64, i64, i64, i64, i64, i64)> = on!(self, c => sqlx::query_as(sql)
            .bind(wallet_account).bind(day).bind(issued_cutoff_ts.is_some()).bind(issued_cutoff_ts.unwrap_or(0))
            .bind(tenant_id).fetch_optional(c).await)?;
        Ok(row.map(|(spent_today, reserved, debits_pending, debits_posted, credits_posted, issued_before)| {
            WalletPosition { spent_today, reserved, debits_pending, debits_posted, credits_posted, issued_before }
        }))
    }

    /// Settles the payments left `authorised` since before `before_us` (their request ended
    /// between the reservation and the ledger, or before the state was recorded): `posted`, or
    /// `held` for a hold, when the ledger has the payment's transfer; otherwise `failed`
    /// (`abandoned`), which lets the reservation go. Answers the states they now have.
    pub async fn sweep_payments(&mut self, before_us: i64, at_us: i64) -> Result<Vec<String>, StoreError> {
        let sql = "UPDATE currency_payments SET \
                   state = CASE WHEN EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.id = currency_payments.id) \
                   THEN CASE kind WHEN 'hold' THEN 'held' ELSE 'posted' END ELSE 'failed' END, \
                   failure = CASE WHEN EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.id = currency_payments.id) \
                   THEN failure ELSE 'abandoned' END, \
                   updated_at_us = $2 \
                   WHERE state = 'authorised' AND updated_at_us < $1 RETURNING state";
        Ok(on!(self, c => sqlx::query_scalar(sql).bind(before_us).bind(at_us).fetch_all(c).await)?)
    }

    /// A shop's accredited categories and its currency's allowed ones, in one statement.
    pub async fn payment_categories(
        &mut self,
        merchant_id: i64,
        currency_id: i64,
    ) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let sql = "SELECT 0, category FROM currency_merchant_categories WHERE merchant_id = $1                    UNION ALL SELECT 1, category FROM currency_categories WHERE currency_id = $2";
        let rows: Vec<(i32, String)> =
            on!(self, c => sqlx::query_as(sql).bind(merchant_id).bind(currency_id).fetch_all(c).await)?;
        let (mut shop, mut currency) = (Vec::new(), Vec::new());
        for (which, category) in rows {
            if which == 0 { shop.push(category) } else { currency.push(category) }
        }
        Ok((shop, currency))
    }

    /// A merchant's payments, newest first, before `before_us` (cursor), at most `limit`.
    pub async fn merchant_payments(
        &mut self,
        merchant_id: i64,
        before_us: i64,
        limit: i64,
    ) -> Result<Vec<PaymentRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            payment_cols!(),
            " FROM currency_payments WHERE merchant_id = $1 AND created_at_us < $2 ORDER BY created_at_us DESC LIMIT $3"
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(merchant_id).bind(before_us).bind(limit).fetch_all(c).await)?)
    }
}
