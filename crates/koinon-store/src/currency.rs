//! Complementary e-currencies: currencies and their categories, programmes, households,
//! issuance runs and lines, and the notifications log, on either backend.

use crate::{Db, StoreError, on};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CurrencyRow {
    pub id: i64,
    pub tenant_id: i64,
    pub code: String,
    pub name: String,
    pub symbol: String,
    pub scale: i64,
    pub rate_units: i64,
    pub rate_euros: i64,
    pub holders: String,
    pub redemption_fee_bp: i64,
    pub early_redemption_fee_bp: Option<i64>,
    pub early_redemption_days: Option<i64>,
    pub decay: String,
    pub expiry_months: Option<i64>,
    pub demurrage_bp: Option<i64>,
    pub wallet_balance_max_minor: Option<i64>,
    pub daily_spend_max_minor: Option<i64>,
    pub budget_account: Vec<u8>,
    pub guarantee_fund_account: Vec<u8>,
    pub liquidity_account: Vec<u8>,
    pub issuance_account: Vec<u8>,
    pub fees_account: Vec<u8>,
    pub rounding_account: Vec<u8>,
    pub created_by: String,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProgrammeRow {
    pub id: i64,
    pub tenant_id: i64,
    pub currency_id: i64,
    pub name: String,
    pub start_on: String,
    pub end_on: String,
    pub budget_minor: i64,
    pub base_minor: i64,
    pub per_member_minor: i64,
    pub cap_minor: i64,
    pub auto_backing: i64,
    pub created_by: String,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HouseholdRecord {
    pub id: i64,
    pub programme_id: i64,
    pub household: String,
    pub size: i64,
    pub eligible_from: String,
    pub eligible_to: Option<String>,
    pub locale: Option<String>,
    pub contact: Option<String>,
    pub user_id: Option<i64>,
    pub imported_by: String,
    pub updated_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IssuanceRunRow {
    pub id: i64,
    pub programme_id: i64,
    pub month: String,
    pub state: String,
    pub households: i64,
    pub total_minor: i64,
    pub backing_eur_minor: i64,
    pub prepared_by: String,
    pub prepared_at_us: i64,
    pub approved_by: Option<String>,
    pub approved_at_us: Option<i64>,
    pub posted_at_us: Option<i64>,
    pub rejected_by: Option<String>,
    pub rejection_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IssuanceLineRow {
    pub run_id: i64,
    pub household_id: i64,
    pub household: String,
    pub amount_minor: i64,
    pub wallet_account: Vec<u8>,
    pub transfer_id: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub tenant_id: i64,
    pub household_id: i64,
    pub run_id: Option<i64>,
    pub channel: String,
    pub locale: String,
    pub message: String,
    pub status: String,
    pub created_at_us: i64,
}

/// A currency to insert or update (the accounts are set on insert only).
#[derive(Debug, Clone)]
pub struct CurrencyFields<'a> {
    pub name: &'a str,
    pub symbol: &'a str,
    pub rate_units: i64,
    pub rate_euros: i64,
    pub holders: &'a str,
    pub redemption_fee_bp: i64,
    pub early_redemption_fee_bp: Option<i64>,
    pub early_redemption_days: Option<i64>,
    pub decay: &'a str,
    pub expiry_months: Option<i64>,
    pub demurrage_bp: Option<i64>,
    pub wallet_balance_max_minor: Option<i64>,
    pub daily_spend_max_minor: Option<i64>,
}

/// The ledger accounts of a currency, as 16-byte ids.
#[derive(Debug, Clone)]
pub struct CurrencyAccounts {
    pub budget: Vec<u8>,
    pub guarantee_fund: Vec<u8>,
    pub liquidity: Vec<u8>,
    pub issuance: Vec<u8>,
    pub fees: Vec<u8>,
    pub rounding: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct NewProgramme<'a> {
    pub tenant_id: i64,
    pub currency_id: i64,
    pub name: &'a str,
    pub start_on: &'a str,
    pub end_on: &'a str,
    pub budget_minor: i64,
    pub base_minor: i64,
    pub per_member_minor: i64,
    pub cap_minor: i64,
    pub auto_backing: bool,
    pub created_by: &'a str,
    pub at_us: i64,
}

#[derive(Debug, Clone)]
pub struct HouseholdFields<'a> {
    pub household: &'a str,
    pub size: i64,
    pub eligible_from: &'a str,
    pub eligible_to: Option<&'a str>,
    pub locale: Option<&'a str>,
    pub contact: Option<&'a str>,
}

macro_rules! currency_cols {
    () => {
        "id, tenant_id, code, name, symbol, scale, rate_units, rate_euros, holders, redemption_fee_bp, \
         early_redemption_fee_bp, early_redemption_days, decay, expiry_months, demurrage_bp, wallet_balance_max_minor, \
         daily_spend_max_minor, budget_account, guarantee_fund_account, liquidity_account, issuance_account, \
         fees_account, rounding_account, created_by, created_at_us, updated_at_us"
    };
}
macro_rules! programme_cols {
    () => {
        "id, tenant_id, currency_id, name, start_on, end_on, budget_minor, base_minor, per_member_minor, cap_minor, \
         auto_backing, created_by, created_at_us, updated_at_us"
    };
}
macro_rules! household_cols {
    () => {
        "id, programme_id, household, size, eligible_from, eligible_to, locale, contact, user_id, imported_by, updated_at_us"
    };
}
macro_rules! run_cols {
    () => {
        "id, programme_id, month, state, households, total_minor, backing_eur_minor, prepared_by, prepared_at_us, \
         approved_by, approved_at_us, posted_at_us, rejected_by, rejection_reason"
    };
}

impl Db<'_> {
    // ---- currencies ----

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_currency(
        &mut self,
        tenant_id: i64,
        code: &str,
        scale: i64,
        f: &CurrencyFields<'_>,
        a: &CurrencyAccounts,
        created_by: &str,
        at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO currencies (tenant_id, code, name, symbol, scale, rate_units, rate_euros, holders, \
                   redemption_fee_bp, early_redemption_fee_bp, early_redemption_days, decay, expiry_months, demurrage_bp, \
                   wallet_balance_max_minor, daily_spend_max_minor, budget_account, guarantee_fund_account, \
                   liquidity_account, issuance_account, fees_account, rounding_account, created_by, created_at_us, \
                   updated_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                   $18, $19, $20, $21, $22, $23, $24, $24) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(tenant_id).bind(code).bind(f.name).bind(f.symbol).bind(scale).bind(f.rate_units).bind(f.rate_euros)
            .bind(f.holders).bind(f.redemption_fee_bp).bind(f.early_redemption_fee_bp).bind(f.early_redemption_days)
            .bind(f.decay).bind(f.expiry_months).bind(f.demurrage_bp).bind(f.wallet_balance_max_minor)
            .bind(f.daily_spend_max_minor).bind(&a.budget).bind(&a.guarantee_fund).bind(&a.liquidity)
            .bind(&a.issuance).bind(&a.fees).bind(&a.rounding).bind(created_by).bind(at_us)
            .fetch_one(c).await)?)
    }

    pub async fn update_currency(&mut self, id: i64, f: &CurrencyFields<'_>, at_us: i64) -> Result<(), StoreError> {
        let sql = "UPDATE currencies SET name = $1, symbol = $2, rate_units = $3, rate_euros = $4, holders = $5, \
                   redemption_fee_bp = $6, early_redemption_fee_bp = $7, early_redemption_days = $8, decay = $9, \
                   expiry_months = $10, demurrage_bp = $11, wallet_balance_max_minor = $12, daily_spend_max_minor = $13, \
                   updated_at_us = $14 WHERE id = $15";
        on!(self, c => sqlx::query(sql)
            .bind(f.name).bind(f.symbol).bind(f.rate_units).bind(f.rate_euros).bind(f.holders)
            .bind(f.redemption_fee_bp).bind(f.early_redemption_fee_bp).bind(f.early_redemption_days).bind(f.decay)
            .bind(f.expiry_months).bind(f.demurrage_bp).bind(f.wallet_balance_max_minor).bind(f.daily_spend_max_minor)
            .bind(at_us).bind(id)
            .execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn currency(&mut self, tenant_id: i64, id: i64) -> Result<Option<CurrencyRow>, StoreError> {
        let sql = concat!("SELECT ", currency_cols!(), " FROM currencies WHERE tenant_id = $1 AND id = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(id).fetch_optional(c).await)?)
    }

    pub async fn currency_by_code(&mut self, tenant_id: i64, code: &str) -> Result<Option<CurrencyRow>, StoreError> {
        let sql = concat!("SELECT ", currency_cols!(), " FROM currencies WHERE tenant_id = $1 AND code = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(code).fetch_optional(c).await)?)
    }

    pub async fn list_currencies(&mut self, tenant_id: i64) -> Result<Vec<CurrencyRow>, StoreError> {
        let sql = concat!("SELECT ", currency_cols!(), " FROM currencies WHERE tenant_id = $1 ORDER BY id");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).fetch_all(c).await)?)
    }

    /// Every currency of every municipality (for `ledger check`).
    pub async fn all_currencies(&mut self) -> Result<Vec<CurrencyRow>, StoreError> {
        let sql = concat!("SELECT ", currency_cols!(), " FROM currencies ORDER BY id");
        Ok(on!(self, c => sqlx::query_as(sql).fetch_all(c).await)?)
    }

    /// Locks the currency's row until the transaction ends (PostgreSQL; SQLite's write
    /// transaction already excludes other writers), so that backing checks hold when written.
    pub async fn lock_currency(&mut self, id: i64) -> Result<(), StoreError> {
        let sql = "UPDATE currencies SET updated_at_us = updated_at_us WHERE id = $1";
        on!(self, c => sqlx::query(sql).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_currency_categories(&mut self, currency_id: i64, categories: &[String]) -> Result<(), StoreError> {
        let del = "DELETE FROM currency_categories WHERE currency_id = $1";
        on!(self, c => sqlx::query(del).bind(currency_id).execute(c).await.map(|r| r.rows_affected()))?;
        let ins = "INSERT INTO currency_categories (currency_id, position, category) VALUES ($1, $2, $3)";
        for (i, cat) in categories.iter().enumerate() {
            let pos = i64::try_from(i).unwrap_or(i64::MAX);
            on!(self, c => sqlx::query(ins).bind(currency_id).bind(pos).bind(cat).execute(c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    pub async fn currency_categories(&mut self, currency_id: i64) -> Result<Vec<String>, StoreError> {
        let sql = "SELECT category FROM currency_categories WHERE currency_id = $1 ORDER BY position";
        Ok(on!(self, c => sqlx::query_scalar(sql).bind(currency_id).fetch_all(c).await)?)
    }

    // ---- programmes ----

    pub async fn insert_programme(&mut self, p: &NewProgramme<'_>) -> Result<i64, StoreError> {
        let sql = "INSERT INTO currency_programmes (tenant_id, currency_id, name, start_on, end_on, budget_minor, \
                   base_minor, per_member_minor, cap_minor, auto_backing, created_by, created_at_us, updated_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(p.tenant_id).bind(p.currency_id).bind(p.name).bind(p.start_on).bind(p.end_on).bind(p.budget_minor)
            .bind(p.base_minor).bind(p.per_member_minor).bind(p.cap_minor).bind(i64::from(p.auto_backing))
            .bind(p.created_by).bind(p.at_us)
            .fetch_one(c).await)?)
    }

    pub async fn programme(&mut self, tenant_id: i64, id: i64) -> Result<Option<ProgrammeRow>, StoreError> {
        let sql = concat!("SELECT ", programme_cols!(), " FROM currency_programmes WHERE tenant_id = $1 AND id = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(id).fetch_optional(c).await)?)
    }

    pub async fn list_programmes(&mut self, tenant_id: i64) -> Result<Vec<ProgrammeRow>, StoreError> {
        let sql = concat!("SELECT ", programme_cols!(), " FROM currency_programmes WHERE tenant_id = $1 ORDER BY id");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).fetch_all(c).await)?)
    }

    pub async fn lock_programme(&mut self, id: i64) -> Result<(), StoreError> {
        let sql = "UPDATE currency_programmes SET updated_at_us = updated_at_us WHERE id = $1";
        on!(self, c => sqlx::query(sql).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    // ---- households ----

    pub async fn programme_households(&mut self, programme_id: i64) -> Result<Vec<HouseholdRecord>, StoreError> {
        let sql = concat!("SELECT ", household_cols!(), " FROM currency_households WHERE programme_id = $1 ORDER BY id");
        Ok(on!(self, c => sqlx::query_as(sql).bind(programme_id).fetch_all(c).await)?)
    }

    pub async fn household(&mut self, id: i64) -> Result<Option<HouseholdRecord>, StoreError> {
        let sql = concat!("SELECT ", household_cols!(), " FROM currency_households WHERE id = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    pub async fn insert_household(
        &mut self,
        programme_id: i64,
        h: &HouseholdFields<'_>,
        by: &str,
        at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO currency_households (programme_id, household, size, eligible_from, eligible_to, locale, \
                   contact, user_id, imported_by, updated_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9) \
                   RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(programme_id).bind(h.household).bind(h.size).bind(h.eligible_from).bind(h.eligible_to)
            .bind(h.locale).bind(h.contact).bind(by).bind(at_us)
            .fetch_one(c).await)?)
    }

    pub async fn update_household(
        &mut self,
        id: i64,
        h: &HouseholdFields<'_>,
        by: &str,
        at_us: i64,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE currency_households SET size = $1, eligible_from = $2, eligible_to = $3, locale = $4, \
                   contact = $5, imported_by = $6, updated_at_us = $7 WHERE id = $8";
        on!(self, c => sqlx::query(sql)
            .bind(h.size).bind(h.eligible_from).bind(h.eligible_to).bind(h.locale).bind(h.contact).bind(by)
            .bind(at_us).bind(id)
            .execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    // ---- issuance runs ----

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_issuance_run(
        &mut self,
        programme_id: i64,
        month: &str,
        households: i64,
        total_minor: i64,
        backing_eur_minor: i64,
        prepared_by: &str,
        at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO currency_issuance_runs (programme_id, month, state, households, total_minor, \
                   backing_eur_minor, prepared_by, prepared_at_us) VALUES ($1, $2, 'prepared', $3, $4, $5, $6, $7) \
                   RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(programme_id).bind(month).bind(households).bind(total_minor).bind(backing_eur_minor)
            .bind(prepared_by).bind(at_us)
            .fetch_one(c).await)?)
    }

    pub async fn insert_issuance_line(
        &mut self,
        run_id: i64,
        household_id: i64,
        amount_minor: i64,
        wallet_account: &[u8],
        transfer_id: &[u8],
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO currency_issuance_lines (run_id, household_id, amount_minor, wallet_account, transfer_id) \
                   VALUES ($1, $2, $3, $4, $5)";
        on!(self, c => sqlx::query(sql).bind(run_id).bind(household_id).bind(amount_minor).bind(wallet_account)
            .bind(transfer_id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn issuance_run(&mut self, id: i64) -> Result<Option<IssuanceRunRow>, StoreError> {
        let sql = concat!("SELECT ", run_cols!(), " FROM currency_issuance_runs WHERE id = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    pub async fn issuance_runs(&mut self, programme_id: i64) -> Result<Vec<IssuanceRunRow>, StoreError> {
        let sql = concat!("SELECT ", run_cols!(), " FROM currency_issuance_runs WHERE programme_id = $1 ORDER BY month, id");
        Ok(on!(self, c => sqlx::query_as(sql).bind(programme_id).fetch_all(c).await)?)
    }

    pub async fn issuance_lines(&mut self, run_id: i64) -> Result<Vec<IssuanceLineRow>, StoreError> {
        let sql = "SELECT l.run_id, l.household_id, h.household, l.amount_minor, l.wallet_account, l.transfer_id \
                   FROM currency_issuance_lines l JOIN currency_households h ON h.id = l.household_id \
                   WHERE l.run_id = $1 ORDER BY l.household_id";
        Ok(on!(self, c => sqlx::query_as(sql).bind(run_id).fetch_all(c).await)?)
    }

    /// Marks a prepared run approved; false when it was no longer prepared.
    /// `backing_eur_minor` is what the run adds to the guarantee fund, worked out at approval.
    pub async fn approve_issuance_run(
        &mut self,
        id: i64,
        by: &str,
        at_us: i64,
        backing_eur_minor: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE currency_issuance_runs SET state = 'approved', approved_by = $1, approved_at_us = $2, \
                   backing_eur_minor = $3 WHERE id = $4 AND state = 'prepared'";
        let n = on!(self, c => sqlx::query(sql).bind(by).bind(at_us).bind(backing_eur_minor).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Marks an approved run posted; false when it was not approved (already posted).
    pub async fn mark_issuance_run_posted(&mut self, id: i64, at_us: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE currency_issuance_runs SET state = 'posted', posted_at_us = $1 WHERE id = $2 AND state = 'approved'";
        let n = on!(self, c => sqlx::query(sql).bind(at_us).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Sends a prepared run back; false when it was no longer prepared.
    pub async fn reject_issuance_run(&mut self, id: i64, by: &str, reason: &str) -> Result<bool, StoreError> {
        let sql = "UPDATE currency_issuance_runs SET state = 'rejected', rejected_by = $1, rejection_reason = $2 \
                   WHERE id = $3 AND state = 'prepared'";
        let n = on!(self, c => sqlx::query(sql).bind(by).bind(reason).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Units in runs of the currency that are approved but not yet posted, and the euro cents
    /// of backing they will bring: reserved against the backing until they post.
    pub async fn issuance_reserved(&mut self, currency_id: i64) -> Result<(i64, i64), StoreError> {
        let sql = "SELECT CAST(COALESCE(SUM(r.total_minor), 0) AS BIGINT), CAST(COALESCE(SUM(r.backing_eur_minor), 0) AS BIGINT) \
                   FROM currency_issuance_runs r JOIN currency_programmes p ON p.id = r.programme_id \
                   WHERE p.currency_id = $1 AND r.state = 'approved'";
        let (a, b): (i64, i64) = on!(self, c => sqlx::query_as(sql).bind(currency_id).fetch_one(c).await)?;
        Ok((a, b))
    }

    /// Units of a programme's runs that are approved or posted (spent from its budget).
    pub async fn programme_issued(&mut self, programme_id: i64) -> Result<i64, StoreError> {
        let sql = "SELECT CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) FROM currency_issuance_runs \
                   WHERE programme_id = $1 AND state IN ('approved', 'posted')";
        Ok(on!(self, c => sqlx::query_scalar(sql).bind(programme_id).fetch_one(c).await)?)
    }

    // ---- notifications ----

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_notification(
        &mut self,
        tenant_id: i64,
        household_id: i64,
        run_id: Option<i64>,
        channel: &str,
        locale: &str,
        message: &str,
        status: &str,
        at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO currency_notifications (tenant_id, household_id, run_id, channel, locale, message, \
                   status, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(tenant_id).bind(household_id).bind(run_id).bind(channel).bind(locale).bind(message).bind(status)
            .bind(at_us).fetch_one(c).await)?)
    }

    pub async fn run_notifications(&mut self, run_id: i64) -> Result<Vec<NotificationRow>, StoreError> {
        let sql = "SELECT id, tenant_id, household_id, run_id, channel, locale, message, status, created_at_us \
                   FROM currency_notifications WHERE run_id = $1 ORDER BY id";
        Ok(on!(self, c => sqlx::query_as(sql).bind(run_id).fetch_all(c).await)?)
    }
}
