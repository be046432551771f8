//! Ledger persistence: reads what a batch touches, runs the core state machine, and writes
//! back the new transfers, balances and pending statuses in the caller's transaction, with a
//! handful of multi-row statements per batch.

use std::collections::{BTreeSet, HashMap};

use koinon_core::ledger::{
    Account, AccountFlags, BatchOutcome, Id, LedgerState, PendingStatus, Transfer, TransferFlags, apply_transfers,
    expire_pending,
};

use crate::{Db, StoreError, on};

/// Rows per multi-row statement (keeps under SQLite's 32,766 bound parameters).
const CHUNK_ROWS: usize = 1_000;
/// Postings (two parameters each) per multi-row statement.
const POSTING_CHUNK_ROWS: usize = 8_000;
/// Most expired holds voided at the start of one batch.
pub const EXPIRE_MAX_PER_BATCH: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct LedgerRow {
    pub id: i64,
    pub tenant_id: i64,
    pub code: String,
    pub name: String,
    pub scale: i64,
    pub created_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountRow {
    /// The account's number: a small integer key, local to this database (not in backups).
    pub num: i64,
    pub id: Vec<u8>,
    pub tenant_id: i64,
    pub ledger_id: i64,
    pub code: String,
    pub owner: Option<String>,
    pub flags: i64,
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_pending: i64,
    pub credits_posted: i64,
    pub ts: i64,
}

impl AccountRow {
    pub fn to_account(&self) -> Option<Account> {
        Some(Account {
            id: id_from(&self.id)?,
            ledger: self.ledger_id,
            code: self.code.clone(),
            flags: AccountFlags(u16::try_from(self.flags).ok()?),
            debits_pending: self.debits_pending,
            debits_posted: self.debits_posted,
            credits_pending: self.credits_pending,
            credits_posted: self.credits_posted,
            timestamp: self.ts,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransferRow {
    pub id: Vec<u8>,
    pub tenant_id: i64,
    pub debit_account_id: Vec<u8>,
    pub credit_account_id: Vec<u8>,
    pub amount: i64,
    pub ledger_id: i64,
    pub code: String,
    pub reference: Option<String>,
    pub flags: i64,
    pub pending_id: Option<Vec<u8>>,
    pub timeout_s: i64,
    pub ts: i64,
}

impl TransferRow {
    pub fn to_transfer(&self) -> Option<Transfer> {
        Some(Transfer {
            id: id_from(&self.id)?,
            debit_account_id: id_from(&self.debit_account_id)?,
            credit_account_id: id_from(&self.credit_account_id)?,
            amount: self.amount,
            ledger: self.ledger_id,
            code: self.code.clone(),
            reference: self.reference.clone(),
            flags: TransferFlags(u16::try_from(self.flags).ok()?),
            pending_id: match &self.pending_id {
                Some(p) => Some(id_from(p)?),
                None => None,
            },
            timeout_s: self.timeout_s,
            timestamp: self.ts,
        })
    }
}

/// One tenant's share of a plan: the state after its batches and what they changed.
#[derive(Debug, Clone)]
struct PlanPart {
    tenant_id: i64,
    state: LedgerState,
    nums: HashMap<Id, i64>,
    combined: BatchOutcome,
}

/// A group of batches applied by the state machine but not yet written
/// ([`Db::ledger_plan`]).
#[derive(Debug, Clone)]
pub struct LedgerPlan {
    parts: Vec<PlanPart>,
    /// The outcome of each batch, in the order given.
    pub outcomes: Vec<BatchOutcome>,
    /// The head the ledger has once the plan is written (the next plan's timestamps follow it).
    pub head: i64,
}

impl LedgerPlan {
    /// What the plan changes, to lay over the reads of the next plan while this one commits:
    /// the new values of the accounts it touched, the transfers it adds, the holds it opens or
    /// resolves.
    pub fn overlay(&self) -> LedgerOverlay {
        let mut o = LedgerOverlay::default();
        for part in &self.parts {
            for id in &part.combined.touched_accounts {
                if let (Some(a), Some(num)) = (part.state.accounts.get(id), part.nums.get(id)) {
                    o.accounts.insert(*id, (part.tenant_id, *num, a.clone()));
                }
            }
            for t in &part.combined.inserted {
                o.transfers.insert(t.id, (part.tenant_id, t.clone()));
            }
            for (id, status, expires) in &part.combined.pending_changes {
                o.pending.insert(*id, (*status, *expires));
            }
        }
        o
    }
}

/// The effects of a plan still being committed (see [`LedgerPlan::overlay`]). Each entry is a
/// whole value, not a change: taking it over a read that already sees the plan committed gives
/// the same state.
#[derive(Debug, Clone, Default)]
pub struct LedgerOverlay {
    accounts: HashMap<Id, (i64, i64, Account)>,
    transfers: HashMap<Id, (i64, Transfer)>,
    pending: HashMap<Id, (PendingStatus, i64)>,
}

/// A new account as the store writes it.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub id: Id,
    pub ledger_id: i64,
    pub code: String,
    pub owner: Option<String>,
    pub flags: AccountFlags,
}

macro_rules! account_cols {
    () => {
        "num, id, tenant_id, ledger_id, code, owner, flags, debits_pending, debits_posted, credits_pending, credits_posted, ts"
    };
}
macro_rules! account_insert_cols {
    () => {
        "id, tenant_id, ledger_id, code, owner, flags, debits_pending, debits_posted, credits_pending, credits_posted, ts"
    };
}
macro_rules! transfer_cols {
    () => {
        "id, tenant_id, debit_account_id, credit_account_id, amount, ledger_id, code, reference, flags, pending_id, timeout_s, ts"
    };
}

/// Ids are stored as 16 big-endian bytes (BLOB / bytea): compact keys for large indexes.
pub fn id_bytes(id: Id) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

/// The id stored in 16 bytes; `None` for anything else.
pub fn id_from(bytes: &[u8]) -> Option<Id> {
    <[u8; 16]>::try_from(bytes).ok().map(u128::from_be_bytes)
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Constraint(format!("ledger row does not parse: {what}"))
}

impl Db<'_> {
    pub async fn insert_ledger(
        &mut self,
        tenant_id: i64,
        code: &str,
        name: &str,
        scale: i64,
        created_at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO ledgers (tenant_id, code, name, scale, created_at_us) VALUES ($1, $2, $3, $4, $5) RETURNING id";
        Ok(
            on!(self, c => sqlx::query_scalar(sql).bind(tenant_id).bind(code).bind(name).bind(scale).bind(created_at_us).fetch_one(c).await)?,
        )
    }

    pub async fn ledger_by_code(&mut self, tenant_id: i64, code: &str) -> Result<Option<LedgerRow>, StoreError> {
        let sql =
            "SELECT id, tenant_id, code, name, scale, created_at_us FROM ledgers WHERE tenant_id = $1 AND code = $2";
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(code).fetch_optional(c).await)?)
    }

    pub async fn ledger_by_id(&mut self, id: i64) -> Result<Option<LedgerRow>, StoreError> {
        let sql = "SELECT id, tenant_id, code, name, scale, created_at_us FROM ledgers WHERE id = $1";
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    pub async fn list_ledgers(&mut self, tenant_id: i64) -> Result<Vec<LedgerRow>, StoreError> {
        let sql =
            "SELECT id, tenant_id, code, name, scale, created_at_us FROM ledgers WHERE tenant_id = $1 ORDER BY code";
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).fetch_all(c).await)?)
    }

    /// Takes the ledger's write lock (the head row) and returns the last timestamp handed out.
    /// Every ledger write transaction starts here, so writers on several processes queue
    /// behind each other and never deadlock on account rows.
    pub async fn ledger_lock_head(&mut self) -> Result<i64, StoreError> {
        let sql = "UPDATE ledger_head SET last_ts = last_ts WHERE id = 1 RETURNING last_ts";
        Ok(on!(self, c => sqlx::query_scalar(sql).fetch_one(c).await)?)
    }

    pub async fn ledger_set_head(&mut self, last_ts: i64) -> Result<(), StoreError> {
        let sql = "UPDATE ledger_head SET last_ts = $1 WHERE id = 1";
        on!(self, c => sqlx::query(sql).bind(last_ts).execute(c).await.map(|_| ()))?;
        Ok(())
    }

    /// Accounts by id within a tenant.
    pub async fn ledger_accounts(&mut self, tenant_id: i64, ids: &[Id]) -> Result<Vec<AccountRow>, StoreError> {
        self.ledger_accounts_where(Some(tenant_id), ids).await
    }

    /// Accounts by id of any tenant (ids are unique across tenants).
    pub async fn ledger_accounts_any_tenant(&mut self, ids: &[Id]) -> Result<Vec<AccountRow>, StoreError> {
        self.ledger_accounts_where(None, ids).await
    }

    async fn ledger_accounts_where(
        &mut self,
        tenant_id: Option<i64>,
        ids: &[Id],
    ) -> Result<Vec<AccountRow>, StoreError> {
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK_ROWS) {
            on!(self, c => {
                let mut qb = sqlx::QueryBuilder::new(concat!("SELECT ", account_cols!(), " FROM ledger_accounts WHERE id IN ("));
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id_bytes(*id));
                }
                qb.push(")");
                if let Some(t) = tenant_id {
                    qb.push(" AND tenant_id = ").push_bind(t);
                }
                rows.extend(qb.build_query_as::<AccountRow>().fetch_all(&mut *c).await?);
                Ok::<(), StoreError>(())
            })?;
        }
        Ok(rows)
    }

    /// Transfers by id, of any tenant (the caller filters: ids are unique across tenants).
    pub async fn ledger_transfers_by_id(&mut self, ids: &[Id]) -> Result<Vec<TransferRow>, StoreError> {
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK_ROWS) {
            on!(self, c => {
                let mut qb = sqlx::QueryBuilder::new(concat!("SELECT ", transfer_cols!(), " FROM ledger_transfers WHERE id IN ("));
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id_bytes(*id));
                }
                qb.push(")");
                rows.extend(qb.build_query_as::<TransferRow>().fetch_all(&mut *c).await?);
                Ok::<(), StoreError>(())
            })?;
        }
        Ok(rows)
    }

    async fn ledger_pending_by_id(&mut self, ids: &[Id]) -> Result<Vec<(Vec<u8>, i64, i64)>, StoreError> {
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK_ROWS) {
            on!(self, c => {
                let mut qb = sqlx::QueryBuilder::new("SELECT transfer_id, status, expires_at_us FROM ledger_pending WHERE transfer_id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id_bytes(*id));
                }
                qb.push(")");
                rows.extend(qb.build_query_as::<(Vec<u8>, i64, i64)>().fetch_all(&mut *c).await?);
                Ok::<(), StoreError>(())
            })?;
        }
        Ok(rows)
    }

    /// Inserts accounts (ids already checked not to exist).
    pub async fn insert_ledger_accounts(
        &mut self,
        tenant_id: i64,
        accounts: &[NewAccount],
        ts: i64,
    ) -> Result<(), StoreError> {
        for chunk in accounts.chunks(CHUNK_ROWS) {
            on!(self, c => {
                let mut qb = sqlx::QueryBuilder::new(concat!("INSERT INTO ledger_accounts (", account_insert_cols!(), ") "));
                qb.push_values(chunk, |mut b, a| {
                    b.push_bind(id_bytes(a.id))
                        .push_bind(tenant_id)
                        .push_bind(a.ledger_id)
                        .push_bind(a.code.clone())
                        .push_bind(a.owner.clone())
                        .push_bind(i64::from(a.flags.0))
                        .push_bind(0i64)
                        .push_bind(0i64)
                        .push_bind(0i64)
                        .push_bind(0i64)
                        .push_bind(ts);
                });
                qb.build().execute(&mut *c).await?;
                Ok::<(), StoreError>(())
            })?;
        }
        Ok(())
    }

    /// Applies several batches (of one or more tenants) in one go: what they touch is loaded
    /// once per tenant, each batch runs through the state machine in turn on the shared state
    /// (so chains never cross batches), and everything is written with one set of statements.
    /// This is the group commit's inner loop. Outcomes are returned per batch, in order.
    pub async fn ledger_apply_jobs(
        &mut self,
        jobs: &[(i64, &[Transfer])],
        now_us: i64,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let last_ts = self.ledger_lock_head().await?;
        let mut next_ts = now_us.max(last_ts + 1);

        // 1. Expired holds (of any tenant) are voided first, so they no longer count.
        let due: Vec<(Vec<u8>, i64)> = on!(self, c => sqlx::query_as(
            "SELECT p.transfer_id, t.tenant_id FROM ledger_pending p JOIN ledger_transfers t ON t.id = p.transfer_id \
             WHERE p.status = 0 AND p.expires_at_us > 0 AND p.expires_at_us <= $1 ORDER BY p.expires_at_us LIMIT $2")
            .bind(now_us).bind(EXPIRE_MAX_PER_BATCH).fetch_all(c).await)?;
        let mut by_tenant: HashMap<i64, Vec<Id>> = HashMap::new();
        for (id, t) in due {
            by_tenant.entry(t).or_default().push(id_from(&id).ok_or_else(|| corrupt("pending id"))?);
        }
        for (expiring_tenant, ids) in by_tenant {
            let mut state = LedgerState::default();
            let pendings = self.ledger_transfers_by_id(&ids).await?;
            let mut account_ids = BTreeSet::new();
            for row in &pendings {
                let t = row.to_transfer().ok_or_else(|| corrupt(&hex::encode(&row.id)))?;
                account_ids.insert(t.debit_account_id);
                account_ids.insert(t.credit_account_id);
                state.transfers.insert(t.id, t);
            }
            for (id, status, expires) in self.ledger_pending_by_id(&ids).await? {
                let id = id_from(&id).ok_or_else(|| corrupt("pending id"))?;
                state.pending.insert(id, (PendingStatus::from_i64(status).ok_or_else(|| corrupt("status"))?, expires));
            }
            let account_ids: Vec<Id> = account_ids.into_iter().collect();
            let mut nums = HashMap::with_capacity(account_ids.len());
            for row in self.ledger_accounts(expiring_tenant, &account_ids).await? {
                let a = row.to_account().ok_or_else(|| corrupt(&hex::encode(&row.id)))?;
                nums.insert(a.id, row.num);
                state.accounts.insert(a.id, a);
            }
            let out = expire_pending(&mut state, now_us, next_ts);
            next_ts += state.pending.len() as i64 + 1;
            self.ledger_write(expiring_tenant, &state, &nums, &out).await?;
        }

        // 2. The batches, tenant by tenant.
        let plan = self.ledger_plan(jobs, next_ts, None).await?;
        self.ledger_write_plan(&plan).await?;
        Ok(plan.outcomes)
    }

    /// Whether any hold is past its timeout and not yet voided (a read, outside the lock).
    pub async fn ledger_expiry_due(&mut self, now_us: i64) -> Result<bool, StoreError> {
        let sql = "SELECT 1 FROM ledger_pending WHERE status = 0 AND expires_at_us > 0 AND expires_at_us <= $1 LIMIT 1";
        Ok(on!(self, c => sqlx::query_scalar::<_, i32>(sql).bind(now_us).fetch_optional(c).await)?.is_some())
    }

    /// Loads what the batches touch, tenant by tenant, and runs them through the state machine
    /// with timestamps from `first_ts` on, without writing anything. With an overlay, what the
    /// overlay holds (a group applied but not yet committed) is taken over what the database
    /// answers, so a plan can be made on a reader connection while that group commits. The
    /// plan is only as good as the reads it was made from: [`Db::ledger_commit_plan`] writes
    /// it only if no other writer moved the ledger's head in between.
    pub async fn ledger_plan(
        &mut self,
        jobs: &[(i64, &[Transfer])],
        first_ts: i64,
        overlay: Option<&LedgerOverlay>,
    ) -> Result<LedgerPlan, StoreError> {
        let mut next_ts = first_ts;
        let mut outcomes: Vec<Option<BatchOutcome>> = vec![None; jobs.len()];
        let mut tenants: Vec<i64> = jobs.iter().map(|(t, _)| *t).collect();
        tenants.sort_unstable();
        tenants.dedup();
        let mut parts = Vec::with_capacity(tenants.len());
        for tenant_id in tenants {
            let mine: Vec<usize> = (0..jobs.len()).filter(|i| jobs[*i].0 == tenant_id).collect();
            let mut state = LedgerState::default();
            let mut transfer_ids = BTreeSet::new();
            let mut own_ids = BTreeSet::new();
            let mut account_ids = BTreeSet::new();
            for t in mine.iter().flat_map(|i| jobs[*i].1.iter()) {
                transfer_ids.insert(t.id);
                own_ids.insert(t.id);
                if let Some(p) = t.pending_id {
                    transfer_ids.insert(p);
                }
                for a in [t.debit_account_id, t.credit_account_id] {
                    if a != 0 {
                        account_ids.insert(a);
                    }
                }
            }
            let transfer_ids: Vec<Id> = transfer_ids.into_iter().collect();
            let mut found: HashMap<Id, (i64, Transfer)> = HashMap::with_capacity(transfer_ids.len());
            for row in self.ledger_transfers_by_id(&transfer_ids).await? {
                let t = row.to_transfer().ok_or_else(|| corrupt(&hex::encode(&row.id)))?;
                found.insert(t.id, (row.tenant_id, t));
            }
            if let Some(o) = overlay {
                for id in &transfer_ids {
                    if let Some(hit) = o.transfers.get(id) {
                        found.insert(*id, hit.clone());
                    }
                }
            }
            let mut pending_ids = Vec::new();
            for (row_tenant, mut t) in found.into_values() {
                if row_tenant != tenant_id {
                    // Another tenant's transfer: its id is taken (no field can match), and it
                    // can never be posted or voided from here.
                    if own_ids.contains(&t.id) {
                        t.ledger = -1;
                        t.flags = TransferFlags(0);
                        state.transfers.insert(t.id, t);
                    }
                    continue;
                }
                if t.flags.has(TransferFlags::PENDING) {
                    pending_ids.push(t.id);
                    account_ids.insert(t.debit_account_id);
                    account_ids.insert(t.credit_account_id);
                }
                state.transfers.insert(t.id, t);
            }
            for (id, status, expires) in self.ledger_pending_by_id(&pending_ids).await? {
                let id = id_from(&id).ok_or_else(|| corrupt("pending id"))?;
                state.pending.insert(id, (PendingStatus::from_i64(status).ok_or_else(|| corrupt("status"))?, expires));
            }
            if let Some(o) = overlay {
                for id in &pending_ids {
                    if let Some(p) = o.pending.get(id) {
                        state.pending.insert(*id, *p);
                    }
                }
            }
            let account_ids: Vec<Id> = account_ids.into_iter().collect();
            let mut nums = HashMap::with_capacity(account_ids.len());
            for row in self.ledger_accounts(tenant_id, &account_ids).await? {
                let a = row.to_account().ok_or_else(|| corrupt(&hex::encode(&row.id)))?;
                nums.insert(a.id, row.num);
                state.accounts.insert(a.id, a);
            }
            if let Some(o) = overlay {
                for id in &account_ids {
                    if let Some((t, num, a)) = o.accounts.get(id)
                        && *t == tenant_id
                    {
                        nums.insert(*id, *num);
                        state.accounts.insert(*id, a.clone());
                    }
                }
            }
            let mut combined = BatchOutcome::default();
            for i in mine {
                let batch = jobs[i].1;
                let out = apply_transfers(&mut state, batch, next_ts);
                next_ts += batch.len() as i64;
                combined.inserted.extend(out.inserted.iter().cloned());
                combined.touched_accounts.extend(out.touched_accounts.iter().copied());
                combined.pending_changes.extend(out.pending_changes.iter().copied());
                outcomes[i] = Some(out);
            }
            parts.push(PlanPart { tenant_id, state, nums, combined });
        }
        let outcomes = outcomes
            .into_iter()
            .map(|o| o.ok_or_else(|| corrupt("a batch was not applied")))
            .collect::<Result<_, _>>()?;
        Ok(LedgerPlan { parts, outcomes, head: next_ts })
    }

    /// Writes a plan and moves the head past it (the caller holds the write lock).
    async fn ledger_write_plan(&mut self, plan: &LedgerPlan) -> Result<(), StoreError> {
        for part in &plan.parts {
            self.ledger_write(part.tenant_id, &part.state, &part.nums, &part.combined).await?;
        }
        self.ledger_set_head(plan.head).await
    }

    /// Takes the write lock and writes a plan made outside it, if the ledger's head is still
    /// `expected_head` (no other writer committed transfers since the plan's reads). Returns
    /// `false`, having written nothing, when it moved: the caller then applies the batches
    /// again under the lock ([`Db::ledger_apply_jobs`], in the same transaction).
    pub async fn ledger_commit_plan(&mut self, plan: &LedgerPlan, expected_head: i64) -> Result<bool, StoreError> {
        if self.ledger_lock_head().await? != expected_head {
            return Ok(false);
        }
        self.ledger_write_plan(plan).await?;
        Ok(true)
    }

    /// Writes what a group did: new transfers (and on SQLite their postings), the balances of
    /// the accounts it touched, and pending statuses. `nums` holds the numbers of the accounts
    /// in `state`. On SQLite, statements fail rather than abort (`OR FAIL`): any error rolls
    /// the whole transaction back anyway, and SQLite then needs no statement journal.
    async fn ledger_write(
        &mut self,
        tenant_id: i64,
        state: &LedgerState,
        nums: &HashMap<Id, i64>,
        out: &BatchOutcome,
    ) -> Result<(), StoreError> {
        let sqlite = matches!(self, Db::Sqlite(_));
        let insert = if sqlite { "INSERT OR FAIL INTO " } else { "INSERT INTO " };
        for chunk in out.inserted.chunks(CHUNK_ROWS) {
            on!(self, c => {
                let mut qb = sqlx::QueryBuilder::new(insert);
                qb.push(concat!("ledger_transfers (", transfer_cols!(), ") "));
                qb.push_values(chunk, |mut b, t| {
                    b.push_bind(id_bytes(t.id))
                        .push_bind(tenant_id)
                        .push_bind(id_bytes(t.debit_account_id))
                        .push_bind(id_bytes(t.credit_account_id))
                        .push_bind(t.amount)
                        .push_bind(t.ledger)
                        .push_bind(t.code.clone())
                        .push_bind(t.reference.clone())
                        .push_bind(i64::from(t.flags.0))
                        .push_bind(t.pending_id.map(id_bytes))
                        .push_bind(t.timeout_s)
                        .push_bind(t.timestamp);
                });
                qb.build().execute(&mut *c).await?;
                Ok::<(), StoreError>(())
            })?;
        }
        let num_of =
            |id: &Id| nums.get(id).copied().ok_or_else(|| corrupt(&format!("account {id:032x} has no number")));
        if sqlite && !out.inserted.is_empty() {
            // Sorted, so each statement appends to runs of the index in key order.
            let mut postings = Vec::with_capacity(out.inserted.len() * 2);
            for t in &out.inserted {
                postings.push((num_of(&t.debit_account_id)?, t.timestamp));
                postings.push((num_of(&t.credit_account_id)?, t.timestamp));
            }
            postings.sort_unstable();
            for chunk in postings.chunks(POSTING_CHUNK_ROWS) {
                on!(self, c => {
                    let mut qb = sqlx::QueryBuilder::new("INSERT OR FAIL INTO ledger_postings (account_num, ts) ");
                    qb.push_values(chunk, |mut b, (num, ts)| {
                        b.push_bind(*num).push_bind(*ts);
                    });
                    qb.build().execute(&mut *c).await?;
                    Ok::<(), StoreError>(())
                })?;
            }
        }
        let touched: Vec<&Account> = out.touched_accounts.iter().filter_map(|id| state.accounts.get(id)).collect();
        for chunk in touched.chunks(CHUNK_ROWS) {
            if sqlite {
                let mut rows = Vec::with_capacity(chunk.len());
                for a in chunk {
                    rows.push((num_of(&a.id)?, *a));
                }
                on!(self, c => {
                    let mut qb = sqlx::QueryBuilder::new("WITH v (num, dp, dpo, cp, cpo) AS (");
                    qb.push_values(&rows, |mut b, (num, a)| {
                        b.push_bind(*num)
                            .push_bind(a.debits_pending)
                            .push_bind(a.debits_posted)
                            .push_bind(a.credits_pending)
                            .push_bind(a.credits_posted);
                    });
                    qb.push(") UPDATE OR FAIL ledger_accounts SET debits_pending = v.dp, debits_posted = v.dpo, \
                             credits_pending = v.cp, credits_posted = v.cpo FROM v WHERE ledger_accounts.num = v.num");
                    qb.build().execute(&mut *c).await?;
                    Ok::<(), StoreError>(())
                })?;
            } else {
                on!(self, c => {
                    let mut qb = sqlx::QueryBuilder::new("WITH v (id, dp, dpo, cp, cpo) AS (");
                    qb.push_values(chunk, |mut b, a| {
                        b.push_bind(id_bytes(a.id))
                            .push_bind(a.debits_pending)
                            .push_bind(a.debits_posted)
                            .push_bind(a.credits_pending)
                            .push_bind(a.credits_posted);
                    });
                    qb.push(") UPDATE ledger_accounts SET debits_pending = v.dp, debits_posted = v.dpo, \
                             credits_pending = v.cp, credits_posted = v.cpo FROM v WHERE ledger_accounts.id = v.id");
                    qb.build().execute(&mut *c).await?;
                    Ok::<(), StoreError>(())
                })?;
            }
        }
        for chunk in out.pending_changes.chunks(CHUNK_ROWS) {
            // The same pending id can appear twice (created and resolved in one batch): keep the last.
            let mut last: HashMap<Id, (PendingStatus, i64)> = HashMap::new();
            for (id, status, expires) in chunk {
                last.insert(*id, (*status, *expires));
            }
            let rows: Vec<(Id, (PendingStatus, i64))> = last.into_iter().collect();
            on!(self, c => {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO ledger_pending (transfer_id, status, expires_at_us) ");
                qb.push_values(&rows, |mut b, (id, (status, expires))| {
                    b.push_bind(id_bytes(*id)).push_bind(status.as_i64()).push_bind(*expires);
                });
                qb.push(" ON CONFLICT (transfer_id) DO UPDATE SET status = excluded.status, expires_at_us = excluded.expires_at_us");
                qb.build().execute(&mut *c).await?;
                Ok::<(), StoreError>(())
            })?;
        }
        Ok(())
    }
}

/// Balances recomputed from the transfers for one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Balances {
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_pending: i64,
    pub credits_posted: i64,
}

/// Sums per account from the immutable transfers: posted (plain and post_pending transfers),
/// pending (pending transfers less the holds their post or void released). Flags: 2 pending,
/// 4 post_pending, 8 void_pending.
macro_rules! recompute_sql {
    ($filter:literal) => {
        concat!(
            "SELECT acc, CAST(COALESCE(SUM(dp), 0) AS BIGINT) AS debits_pending, CAST(COALESCE(SUM(dpo), 0) AS BIGINT) AS debits_posted, ",
            "CAST(COALESCE(SUM(cp), 0) AS BIGINT) AS credits_pending, CAST(COALESCE(SUM(cpo), 0) AS BIGINT) AS credits_posted FROM (",
            "SELECT t.debit_account_id AS acc, CASE WHEN t.flags & 2 <> 0 THEN t.amount ELSE 0 END AS dp, ",
            "CASE WHEN t.flags & 10 = 0 THEN t.amount ELSE 0 END AS dpo, 0 AS cp, 0 AS cpo FROM ledger_transfers t ",
            $filter,
            " UNION ALL SELECT t.credit_account_id, 0, 0, CASE WHEN t.flags & 2 <> 0 THEN t.amount ELSE 0 END, ",
            "CASE WHEN t.flags & 10 = 0 THEN t.amount ELSE 0 END FROM ledger_transfers t ",
            $filter,
            " UNION ALL SELECT p.debit_account_id, -p.amount, 0, 0, 0 FROM ledger_transfers t ",
            "JOIN ledger_transfers p ON p.id = t.pending_id ",
            $filter,
            " AND t.flags & 12 <> 0",
            " UNION ALL SELECT p.credit_account_id, 0, 0, -p.amount, 0 FROM ledger_transfers t ",
            "JOIN ledger_transfers p ON p.id = t.pending_id ",
            $filter,
            " AND t.flags & 12 <> 0",
            ") s GROUP BY acc"
        )
    };
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecomputedRow {
    pub acc: Vec<u8>,
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_pending: i64,
    pub credits_posted: i64,
}

/// What one stretch of the transfers (a range of timestamps) adds to the balances. Stretches
/// read side by side are joined in time order with [`RecomputePart::then`]: a post or void
/// whose hold lies in an earlier stretch is settled when the two are joined.
#[derive(Debug, Clone, Default)]
pub struct RecomputePart {
    /// Per account: debits pending, debits posted, credits pending, credits posted.
    pub sums: HashMap<Id, [i64; 4]>,
    /// Holds opened in this stretch and not resolved in it: id -> (debit, credit, amount).
    pub open: HashMap<Id, (Id, Id, i64)>,
    /// Posts and voids in this stretch of holds not opened in it, in time order:
    /// (transfer id, pending id, amount posted).
    pub resolves_earlier: Vec<(Id, Option<Id>, i64)>,
    /// Transfers read.
    pub transfers: i64,
}

impl RecomputePart {
    fn resolve(sums: &mut HashMap<Id, [i64; 4]>, (debit, credit, held): (Id, Id, i64), posted: i64) {
        let de = sums.entry(debit).or_default();
        de[0] = de[0].saturating_sub(held);
        de[1] = de[1].saturating_add(posted);
        let ce = sums.entry(credit).or_default();
        ce[2] = ce[2].saturating_sub(held);
        ce[3] = ce[3].saturating_add(posted);
    }

    /// This stretch followed by the next one (which must start where this one ends).
    pub fn then(mut self, next: RecomputePart) -> RecomputePart {
        for (id, pending_id, posted) in next.resolves_earlier {
            match pending_id.and_then(|p| self.open.remove(&p)) {
                Some(hold) => Self::resolve(&mut self.sums, hold, posted),
                None => self.resolves_earlier.push((id, pending_id, posted)),
            }
        }
        for (acc, add) in next.sums {
            let e = self.sums.entry(acc).or_default();
            for (x, y) in e.iter_mut().zip(add) {
                *x = x.saturating_add(y);
            }
        }
        self.open.extend(next.open);
        self.transfers += next.transfers;
        self
    }

    /// The balances of every account the transfers name; an error names a post or void that
    /// resolves no hold opened before it.
    pub fn finish(self) -> Result<Vec<RecomputedRow>, StoreError> {
        if let Some((id, pending_id, _)) = self.resolves_earlier.first() {
            return Err(corrupt(&format!(
                "transfer {id:032x} resolves no open hold (pending id {})",
                pending_id.map_or_else(|| "none".to_string(), |p| format!("{p:032x}"))
            )));
        }
        Ok(self
            .sums
            .into_iter()
            .map(|(acc, [dp, dpo, cp, cpo])| RecomputedRow {
                acc: id_bytes(acc),
                debits_pending: dp,
                debits_posted: dpo,
                credits_pending: cp,
                credits_posted: cpo,
            })
            .collect())
    }
}

impl Db<'_> {
    /// Every account's balances recomputed from all transfers, in one pass over them in
    /// timestamp order (a hold always comes before its post or void).
    pub async fn ledger_recompute_all(&mut self) -> Result<Vec<RecomputedRow>, StoreError> {
        self.ledger_recompute_range(i64::MIN, i64::MAX).await?.finish()
    }

    /// What the transfers with `after_ts < ts <= upto_ts` add to the balances, read in one
    /// pass in timestamp order. Only holds, posts and voids carry their ids out of the
    /// database, and ids are decoded in place into integers.
    pub async fn ledger_recompute_range(&mut self, after_ts: i64, upto_ts: i64) -> Result<RecomputePart, StoreError> {
        use futures_util::TryStreamExt;
        use sqlx::Row;
        const PENDING: i64 = 2;
        const POST: i64 = 4;
        const VOID: i64 = 8;
        let mut part = RecomputePart::default();
        let sql = "SELECT CASE WHEN flags & 14 <> 0 THEN id END, debit_account_id, credit_account_id, amount, flags, pending_id \
                   FROM ledger_transfers WHERE ts > $1 AND ts <= $2 ORDER BY ts";
        let key = |b: Option<&[u8]>| b.and_then(id_from);
        on!(self, c => {
            let mut rows = sqlx::query(sql).bind(after_ts).bind(upto_ts).fetch(c);
            while let Some(row) = rows.try_next().await? {
                let id = key(row.try_get::<Option<&[u8]>, _>(0)?).unwrap_or(0);
                let debit = key(row.try_get::<Option<&[u8]>, _>(1)?).ok_or_else(|| corrupt("debit account id"))?;
                let credit = key(row.try_get::<Option<&[u8]>, _>(2)?).ok_or_else(|| corrupt("credit account id"))?;
                let amount: i64 = row.try_get(3)?;
                let flags: i64 = row.try_get(4)?;
                part.transfers += 1;
                if flags & (POST | VOID) != 0 {
                    let pending_id = key(row.try_get::<Option<&[u8]>, _>(5)?);
                    let posted = if flags & POST != 0 { amount } else { 0 };
                    match pending_id.and_then(|p| part.open.remove(&p)) {
                        Some(hold) => RecomputePart::resolve(&mut part.sums, hold, posted),
                        None => part.resolves_earlier.push((id, pending_id, posted)),
                    }
                } else if flags & PENDING != 0 {
                    let de = part.sums.entry(debit).or_default();
                    de[0] = de[0].saturating_add(amount);
                    let ce = part.sums.entry(credit).or_default();
                    ce[2] = ce[2].saturating_add(amount);
                    part.open.insert(id, (debit, credit, amount));
                } else {
                    let de = part.sums.entry(debit).or_default();
                    de[1] = de[1].saturating_add(amount);
                    let ce = part.sums.entry(credit).or_default();
                    ce[3] = ce[3].saturating_add(amount);
                }
            }
            Ok::<(), StoreError>(())
        })?;
        Ok(part)
    }

    /// The last timestamp handed out, read without taking the write lock.
    pub async fn ledger_head(&mut self) -> Result<i64, StoreError> {
        Ok(on!(self, c => sqlx::query_scalar("SELECT last_ts FROM ledger_head WHERE id = 1").fetch_one(c).await)?)
    }

    /// The first and last transfer timestamps (`None` without transfers).
    pub async fn ledger_ts_span(&mut self) -> Result<Option<(i64, i64)>, StoreError> {
        let (lo, hi): (Option<i64>, Option<i64>) =
            on!(self, c => sqlx::query_as("SELECT MIN(ts), MAX(ts) FROM ledger_transfers").fetch_one(c).await)?;
        Ok(lo.zip(hi))
    }

    /// Rebuilds the postings index from the transfers (SQLite; nothing to do on PostgreSQL).
    pub async fn ledger_rebuild_postings(&mut self) -> Result<(), StoreError> {
        if let Db::Sqlite(c) = self {
            sqlx::query("DELETE FROM ledger_postings").execute(&mut **c).await?;
            sqlx::query(
                "INSERT INTO ledger_postings (account_num, ts) \
                 SELECT a.num, t.ts FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id \
                 UNION ALL SELECT a.num, t.ts FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id",
            )
            .execute(&mut **c)
            .await?;
        }
        Ok(())
    }

    /// How far the number of postings is from two per transfer (SQLite's postings index; always
    /// 0 on PostgreSQL, which has none).
    pub async fn ledger_postings_mismatch(&mut self) -> Result<i64, StoreError> {
        let Db::Sqlite(c) = self else { return Ok(0) };
        let sql = "SELECT (SELECT COUNT(*) FROM ledger_postings) - 2 * (SELECT COUNT(*) FROM ledger_transfers)";
        Ok(sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut **c).await?.abs())
    }

    /// One account's balances as of a timestamp (transfers with `ts <= as_of`). On SQLite the
    /// account's postings say which transfers to read; on PostgreSQL its two transfer indexes.
    pub async fn ledger_balances_as_of(&mut self, account_id: Id, as_of: i64) -> Result<Balances, StoreError> {
        macro_rules! as_of_sql {
            ($filter:literal) => {
                concat!(
                    "SELECT CAST(COALESCE(SUM(debits_pending), 0) AS BIGINT), CAST(COALESCE(SUM(debits_posted), 0) AS BIGINT), ",
                    "CAST(COALESCE(SUM(credits_pending), 0) AS BIGINT), CAST(COALESCE(SUM(credits_posted), 0) AS BIGINT) FROM (",
                    recompute_sql!($filter),
                    ") r WHERE acc = $1"
                )
            };
        }
        let sql = match self {
            Db::Sqlite(_) => as_of_sql!(
                "WHERE t.ts IN (SELECT p.ts FROM ledger_postings p JOIN ledger_accounts a ON a.num = p.account_num WHERE a.id = $1 AND p.ts <= $2)"
            ),
            Db::Postgres(_) => as_of_sql!("WHERE t.ts <= $2 AND (t.debit_account_id = $1 OR t.credit_account_id = $1)"),
        };
        let (dp, dpo, cp, cpo): (i64, i64, i64, i64) =
            on!(self, c => sqlx::query_as(sql).bind(id_bytes(account_id)).bind(as_of).fetch_one(c).await)?;
        Ok(Balances { debits_pending: dp, debits_posted: dpo, credits_pending: cp, credits_posted: cpo })
    }

    /// All accounts (for `ledger check`), in id order.
    pub async fn ledger_all_accounts(&mut self) -> Result<Vec<AccountRow>, StoreError> {
        let sql = concat!("SELECT ", account_cols!(), " FROM ledger_accounts ORDER BY id");
        Ok(on!(self, c => sqlx::query_as(sql).fetch_all(c).await)?)
    }

    pub async fn ledger_account(&mut self, tenant_id: i64, id: Id) -> Result<Option<AccountRow>, StoreError> {
        let sql = concat!("SELECT ", account_cols!(), " FROM ledger_accounts WHERE tenant_id = $1 AND id = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(id_bytes(id)).fetch_optional(c).await)?)
    }

    /// A tenant's accounts, optionally of one owner, in id order after `after_id`.
    pub async fn ledger_list_accounts(
        &mut self,
        tenant_id: i64,
        owner: Option<&str>,
        after_id: Option<Id>,
        limit: i64,
    ) -> Result<Vec<AccountRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            account_cols!(),
            " FROM ledger_accounts WHERE tenant_id = $1 AND id > $2 ",
            "AND ($3 IS NULL OR owner = $3) ORDER BY id LIMIT $4"
        );
        Ok(
            on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(after_id.map(id_bytes).unwrap_or_default()).bind(owner).bind(limit).fetch_all(c).await)?,
        )
    }

    /// An account's statement: its transfers in time order after `after_ts`. On SQLite, a
    /// range of the account's postings; on PostgreSQL, its two transfer indexes merged.
    pub async fn ledger_statement(
        &mut self,
        account_id: Id,
        after_ts: i64,
        limit: i64,
    ) -> Result<Vec<TransferRow>, StoreError> {
        let sql = match self {
            Db::Sqlite(_) => concat!(
                "SELECT t.id, t.tenant_id, t.debit_account_id, t.credit_account_id, t.amount, t.ledger_id, t.code, ",
                "t.reference, t.flags, t.pending_id, t.timeout_s, t.ts FROM ledger_postings p ",
                "JOIN ledger_transfers t ON t.ts = p.ts ",
                "WHERE p.account_num = (SELECT num FROM ledger_accounts WHERE id = $1) AND p.ts > $2 ",
                "ORDER BY p.ts LIMIT $3"
            ),
            Db::Postgres(_) => concat!(
                "SELECT ",
                transfer_cols!(),
                " FROM (",
                "SELECT ",
                transfer_cols!(),
                " FROM ledger_transfers WHERE debit_account_id = $1 AND ts > $2 ",
                "UNION ALL SELECT ",
                transfer_cols!(),
                " FROM ledger_transfers WHERE credit_account_id = $1 AND ts > $2",
                ") s ORDER BY ts LIMIT $3"
            ),
        };
        Ok(
            on!(self, c => sqlx::query_as(sql).bind(id_bytes(account_id)).bind(after_ts).bind(limit).fetch_all(c).await)?,
        )
    }

    /// Totals per ledger of a tenant: accounts, and the sums of posted debits and credits.
    pub async fn ledger_totals(&mut self, tenant_id: i64) -> Result<Vec<(i64, i64, i64, i64, i64, i64)>, StoreError> {
        let sql = "SELECT ledger_id, COUNT(*), CAST(COALESCE(SUM(debits_posted), 0) AS BIGINT), CAST(COALESCE(SUM(credits_posted), 0) AS BIGINT), \
                   CAST(COALESCE(SUM(debits_pending), 0) AS BIGINT), CAST(COALESCE(SUM(credits_pending), 0) AS BIGINT) \
                   FROM ledger_accounts WHERE tenant_id = $1 GROUP BY ledger_id ORDER BY ledger_id";
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).fetch_all(c).await)?)
    }
}

impl Db<'_> {
    /// The naive write path of the benchmark's baseline: a timestamp from the head, two
    /// balance updates and one insert (and on SQLite the postings), one statement each. Not
    /// used by koinon itself.
    pub async fn naive_transfer(
        &mut self,
        tenant_id: i64,
        ledger_id: i64,
        id: Id,
        debit: Id,
        credit: Id,
        amount: i64,
    ) -> Result<(), StoreError> {
        let (id, debit, credit) = (id_bytes(id), id_bytes(debit), id_bytes(credit));
        // A timestamp from the ledger's head, as every transfer gets one.
        let ts = on!(self, c => sqlx::query_scalar::<_, i64>(
            "UPDATE ledger_head SET last_ts = last_ts + 1 WHERE id = 1 RETURNING last_ts").fetch_one(c).await)?;
        on!(self, c => {
            sqlx::query("UPDATE ledger_accounts SET debits_posted = debits_posted + $1 WHERE id = $2").bind(amount).bind(&debit).execute(&mut *c).await?;
            sqlx::query("UPDATE ledger_accounts SET credits_posted = credits_posted + $1 WHERE id = $2").bind(amount).bind(&credit).execute(&mut *c).await?;
            sqlx::query(concat!("INSERT INTO ledger_transfers (", transfer_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, 'bench', NULL, 0, NULL, 0, $7)"))
                .bind(&id).bind(tenant_id).bind(&debit).bind(&credit).bind(amount).bind(ledger_id).bind(ts)
                .execute(&mut *c).await?;
            Ok::<(), StoreError>(())
        })?;
        if let Db::Sqlite(c) = self {
            // The same index work as koinon's own writer: one posting per side.
            sqlx::query("INSERT INTO ledger_postings (account_num, ts) SELECT num, $2 FROM ledger_accounts WHERE id IN ($1, $3)")
                .bind(&debit)
                .bind(ts)
                .bind(&credit)
                .execute(&mut **c)
                .await?;
        }
        Ok(())
    }
}
