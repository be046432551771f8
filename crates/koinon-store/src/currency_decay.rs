//! Decay runs of the e-currencies (expiry and demurrage) and their lines, and the wallets of a
//! currency's ledger they charge, on either backend.

use crate::{Db, StoreError, on};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DecayRunRow {
    pub id: i64,
    pub tenant_id: i64,
    pub currency_id: i64,
    pub month: String,
    /// `expiry` or `demurrage`.
    pub kind: String,
    /// `posting` (written, its transfers on their way to the ledger) or `posted`.
    pub state: String,
    pub rate_bp: Option<i64>,
    pub expiry_months: Option<i64>,
    /// Expiry: units issued before this moment (microseconds) had expired.
    pub cutoff_us: Option<i64>,
    pub wallets: i64,
    pub balance_total_minor: i64,
    pub charged_total_minor: i64,
    pub carried_in_e4: i64,
    pub carried_out_e4: i64,
    pub posted_by: String,
    pub created_at_us: i64,
    pub posted_at_us: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DecayLineRow {
    pub run_id: i64,
    pub wallet_account: Vec<u8>,
    pub household: String,
    pub balance_minor: i64,
    pub charge_minor: i64,
    pub transfer_id: Vec<u8>,
}

/// A wallet on a currency's ledger with what it holds.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WalletBalanceRow {
    pub id: Vec<u8>,
    pub owner: Option<String>,
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_posted: i64,
}

macro_rules! decay_run_cols {
    () => {
        "id, tenant_id, currency_id, month, kind, state, rate_bp, expiry_months, cutoff_us, wallets, \
         balance_total_minor, charged_total_minor, carried_in_e4, carried_out_e4, posted_by, created_at_us, posted_at_us"
    };
}

impl Db<'_> {
    /// The wallets (type `wallet`) of a ledger, in id order.
    pub async fn ledger_wallets(&mut self, ledger_id: i64) -> Result<Vec<WalletBalanceRow>, StoreError> {
        let sql = "SELECT id, owner, debits_pending, debits_posted, credits_posted FROM ledger_accounts \
                   WHERE ledger_id = $1 AND code = 'wallet' ORDER BY id";
        Ok(on!(self, c => sqlx::query_as(sql).bind(ledger_id).fetch_all(c).await)?)
    }

    /// Per wallet of a ledger, the units it received by issuance (`issue`) before `before_ts`:
    /// what [`Db::wallet_issued_before`] counts for one wallet, for all of them in one pass.
    pub async fn issued_before_by_wallet(
        &mut self,
        ledger_id: i64,
        before_ts: i64,
    ) -> Result<Vec<(Vec<u8>, i64)>, StoreError> {
        let sql = "SELECT credit_account_id, CAST(SUM(amount) AS BIGINT) FROM ledger_transfers \
                   WHERE ledger_id = $1 AND code = 'issue' AND ts < $2 GROUP BY credit_account_id";
        Ok(on!(self, c => sqlx::query_as(sql).bind(ledger_id).bind(before_ts).fetch_all(c).await)?)
    }

    /// Writes a run (state `posting`); a second run of the same currency and month is a
    /// conflict on `currency_decay_runs_month_key`.
    pub async fn insert_decay_run(&mut self, r: &DecayRunRow) -> Result<i64, StoreError> {
        let sql = "INSERT INTO currency_decay_runs (tenant_id, currency_id, month, kind, state, rate_bp, expiry_months, \
                   cutoff_us, wallets, balance_total_minor, charged_total_minor, carried_in_e4, carried_out_e4, \
                   posted_by, created_at_us, posted_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(r.tenant_id).bind(r.currency_id).bind(&r.month).bind(&r.kind).bind(&r.state).bind(r.rate_bp)
            .bind(r.expiry_months).bind(r.cutoff_us).bind(r.wallets).bind(r.balance_total_minor)
            .bind(r.charged_total_minor).bind(r.carried_in_e4).bind(r.carried_out_e4).bind(&r.posted_by)
            .bind(r.created_at_us).bind(r.posted_at_us)
            .fetch_one(c).await)?)
    }

    pub async fn insert_decay_line(&mut self, l: &DecayLineRow) -> Result<(), StoreError> {
        let sql = "INSERT INTO currency_decay_lines (run_id, wallet_account, household, balance_minor, charge_minor, \
                   transfer_id) VALUES ($1, $2, $3, $4, $5, $6)";
        on!(self, c => sqlx::query(sql).bind(l.run_id).bind(&l.wallet_account).bind(&l.household)
            .bind(l.balance_minor).bind(l.charge_minor).bind(&l.transfer_id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn decay_run(&mut self, currency_id: i64, month: &str) -> Result<Option<DecayRunRow>, StoreError> {
        let sql =
            concat!("SELECT ", decay_run_cols!(), " FROM currency_decay_runs WHERE currency_id = $1 AND month = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(currency_id).bind(month).fetch_optional(c).await)?)
    }

    /// The currency's runs, latest month first, at most `limit`.
    pub async fn decay_runs(&mut self, currency_id: i64, limit: i64) -> Result<Vec<DecayRunRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            decay_run_cols!(),
            " FROM currency_decay_runs WHERE currency_id = $1 ORDER BY month DESC LIMIT $2"
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(currency_id).bind(limit).fetch_all(c).await)?)
    }

    pub async fn decay_lines(&mut self, run_id: i64) -> Result<Vec<DecayLineRow>, StoreError> {
        let sql = "SELECT run_id, wallet_account, household, balance_minor, charge_minor, transfer_id \
                   FROM currency_decay_lines WHERE run_id = $1 ORDER BY household, wallet_account";
        Ok(on!(self, c => sqlx::query_as(sql).bind(run_id).fetch_all(c).await)?)
    }

    /// Marks a run posted; false when it was not `posting`.
    pub async fn mark_decay_run_posted(&mut self, id: i64, at_us: i64) -> Result<bool, StoreError> {
        let sql =
            "UPDATE currency_decay_runs SET state = 'posted', posted_at_us = $1 WHERE id = $2 AND state = 'posting'";
        let n = on!(self, c => sqlx::query(sql).bind(at_us).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Removes a run that is still `posting` and its lines (the ledger refused its transfers,
    /// so nothing of it happened).
    pub async fn delete_decay_run(&mut self, id: i64) -> Result<(), StoreError> {
        let lines = "DELETE FROM currency_decay_lines WHERE run_id = $1";
        on!(self, c => sqlx::query(lines).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        let run = "DELETE FROM currency_decay_runs WHERE id = $1 AND state = 'posting'";
        on!(self, c => sqlx::query(run).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
