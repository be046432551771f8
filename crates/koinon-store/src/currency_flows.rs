//! Reads for the figures of a municipal e-currency: the accounts of one ledger with their type
//! codes, and its posted transfers streamed in timestamp order (one row at a time, never all
//! in memory), for `koinon_core::circulation`.

use crate::{Db, StoreError, on};

/// One account of a currency ledger, as the figures need it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FlowAccountRow {
    pub id: Vec<u8>,
    pub code: String,
    pub owner: Option<String>,
}

/// One posted movement: a plain transfer, or the post of a hold at the amount posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowRow<'r> {
    pub ts: i64,
    pub debit_account_id: &'r [u8],
    pub credit_account_id: &'r [u8],
    pub amount: i64,
    /// The transfer's reference; for the post of a hold without one, the hold's.
    pub reference: Option<&'r str>,
}

/// Posted transfers only: pending holds (flag 2) and voids (flag 8) moved nothing. The post of
/// a hold (flag 4) is stored with the amount posted and the hold's accounts.
const FLOWS_SQL: &str = "SELECT t.ts, t.debit_account_id, t.credit_account_id, t.amount, \
     CASE WHEN t.reference IS NULL AND t.pending_id IS NOT NULL \
     THEN (SELECT p.reference FROM ledger_transfers p WHERE p.id = t.pending_id) ELSE t.reference END \
     FROM ledger_transfers t WHERE t.tenant_id = $1 AND t.ledger_id = $2 AND t.ts > $3 AND t.ts <= $4 AND t.flags & 10 = 0 \
     ORDER BY t.ts";

impl Db<'_> {
    /// How many transfers the database holds (all tenants and ledgers): sizes the stretches
    /// the figures are read in.
    pub async fn ledger_transfer_count(&mut self) -> Result<i64, StoreError> {
        Ok(on!(self, c => sqlx::query_scalar("SELECT COUNT(*) FROM ledger_transfers").fetch_one(c).await)?)
    }

    /// How many accounts one ledger of a tenant has (accounts are never deleted: a kept traced
    /// state knows it must read the account list again when this grows).
    pub async fn currency_flow_account_count(&mut self, tenant_id: i64, ledger_id: i64) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM ledger_accounts WHERE tenant_id = $1 AND ledger_id = $2";
        Ok(on!(self, c => sqlx::query_scalar(sql).bind(tenant_id).bind(ledger_id).fetch_one(c).await)?)
    }

    /// The accounts of one ledger of a tenant, in id order.
    pub async fn currency_flow_accounts(
        &mut self,
        tenant_id: i64,
        ledger_id: i64,
    ) -> Result<Vec<FlowAccountRow>, StoreError> {
        let sql = "SELECT id, code, owner FROM ledger_accounts WHERE tenant_id = $1 AND ledger_id = $2 ORDER BY id";
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(ledger_id).fetch_all(c).await)?)
    }

    /// Streams the posted transfers of one ledger of a tenant with `after_ts < ts <= upto_ts`,
    /// oldest first, to `each`; stops at the first error `each` returns. Returns the rows
    /// read. Transfers are never changed once written, so stretches below a timestamp already
    /// handed out ([`Db::ledger_head`]) can be read on several connections at once and joined.
    pub async fn currency_flows<E, F>(
        &mut self,
        tenant_id: i64,
        ledger_id: i64,
        after_ts: i64,
        upto_ts: i64,
        mut each: F,
    ) -> Result<u64, E>
    where
        E: From<StoreError>,
        F: FnMut(FlowRow<'_>) -> Result<(), E>,
    {
        use futures_util::TryStreamExt;
        use sqlx::Row;
        let mut read = 0u64;
        on!(self, c => {
            let mut rows = sqlx::query(FLOWS_SQL).bind(tenant_id).bind(ledger_id).bind(after_ts).bind(upto_ts).fetch(c);
            while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
                let flow = FlowRow {
                    ts: row.try_get(0).map_err(StoreError::from)?,
                    debit_account_id: row.try_get(1).map_err(StoreError::from)?,
                    credit_account_id: row.try_get(2).map_err(StoreError::from)?,
                    amount: row.try_get(3).map_err(StoreError::from)?,
                    reference: row.try_get(4).map_err(StoreError::from)?,
                };
                read += 1;
                each(flow)?;
            }
            Ok::<(), E>(())
        })?;
        Ok(read)
    }
}
