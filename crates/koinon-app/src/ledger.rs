//! The ledger as programme modules and clients use it: ledgers, accounts, batches of
//! transfers with a result per transfer, balances (also as of a past moment), statements, and
//! `ledger check`. Concurrent batches are gathered into one database transaction and one
//! fsync (group commit) by a single writer task; a batch is answered only after it is durable.

use std::sync::{Arc, OnceLock};

use koinon_core::authz::{Action, Resource};
use koinon_core::ledger::{
    ACCOUNT_CODES, AccountFlags, BATCH_MAX, BatchOutcome, Id, Transfer, TransferFlags, TransferResult, format_id,
    parse_id,
};
use koinon_core::money::Currency;
use koinon_core::text;
use koinon_store::Store;
use koinon_store::ledger::{AccountRow, LedgerOverlay, LedgerPlan, LedgerRow, NewAccount, TransferRow, id_from};
use tokio::sync::{mpsc, oneshot};

use crate::{Actor, App, AppError, Errors, Page, audit, page_limit};

/// Most transfers gathered into one group commit.
pub const GROUP_COMMIT_MAX: usize = 16_384;
/// How often the WAL is checkpointed beside the writer.
const CHECKPOINT_EVERY_MS: u64 = 1_000;
/// Page cache of the writer's own SQLite connection.
const WRITER_CACHE_MIB: u32 = 64;
/// Queued batches before new ones wait (back-pressure).
const QUEUE_DEPTH: usize = 1_024;
pub const OWNER_MAX_CHARS: usize = 200;
pub const LEDGER_NAME_MAX_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LedgerView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub scale: u8,
}

impl From<LedgerRow> for LedgerView {
    fn from(r: LedgerRow) -> Self {
        Self { id: r.id, code: r.code, name: r.name, scale: u8::try_from(r.scale).unwrap_or(0) }
    }
}

/// An account as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountView {
    pub id: String,
    pub ledger: String,
    pub scale: u8,
    pub code: String,
    pub owner: Option<String>,
    pub flags: Vec<&'static str>,
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_pending: i64,
    pub credits_posted: i64,
    pub timestamp: i64,
}

/// A stored transfer as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TransferView {
    pub id: String,
    pub debit_account_id: String,
    pub credit_account_id: String,
    pub amount: i64,
    pub ledger: String,
    pub code: String,
    pub reference: Option<String>,
    pub flags: Vec<&'static str>,
    pub pending_id: Option<String>,
    pub timeout_s: i64,
    pub timestamp: i64,
}

/// One account to create.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewAccountInput {
    pub id: String,
    pub ledger: String,
    pub code: String,
    pub owner: Option<String>,
    pub flags: Vec<String>,
}

/// One transfer to submit. Ids are UUID strings, amounts integer minor units.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TransferInput {
    pub id: String,
    pub debit_account_id: Option<String>,
    pub credit_account_id: Option<String>,
    pub amount: Option<i64>,
    pub ledger: Option<String>,
    pub code: String,
    pub flags: Vec<String>,
    pub pending_id: Option<String>,
    pub timeout_s: Option<i64>,
    pub reference: Option<String>,
}

/// The result of one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventResult {
    pub index: usize,
    pub id: String,
    pub result: &'static str,
}

struct Job {
    tenant_id: i64,
    actor: Actor,
    transfers: Vec<Transfer>,
    reply: Reply,
}

/// A batch as the store applies it, shared by the writer (which plans it) and the task that
/// commits it.
struct Work {
    tenant_id: i64,
    actor: Actor,
    transfers: Vec<Transfer>,
}

type Reply = oneshot::Sender<Result<Vec<TransferResult>, AppError>>;

/// What the task committing a group hands back: its connection, and the results of each batch
/// with whether they are the plan's (`false`: another writer had moved the ledger, and the
/// group was applied again under the lock).
type Committed = (koinon_store::Conn, Result<(Vec<Vec<TransferResult>>, bool), AppError>);

/// A group being committed while the writer plans the next one.
struct InFlight {
    work: Arc<Vec<Work>>,
    replies: Vec<Reply>,
    overlay: LedgerOverlay,
    head: i64,
    task: tokio::task::JoinHandle<Committed>,
}

/// The single writer task that gathers batches into group commits.
#[derive(Debug, Clone)]
pub(crate) struct LedgerWriter {
    jobs: mpsc::Sender<Msg>,
}

enum Msg {
    Job(Job),
    /// Finish what is queued, give the connection back and stop.
    Stop(oneshot::Sender<()>),
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("tenant_id", &self.tenant_id).field("transfers", &self.transfers.len()).finish()
    }
}

/// What woke the writer: a message, or the end of the commit in flight.
enum Next {
    Msg(Option<Msg>),
    Committed(Result<Committed, tokio::task::JoinError>),
}

impl LedgerWriter {
    /// Starts the writer. It works as a two-step pipeline: while one group commits (its
    /// writes, its fsync) on the writer's connection, the next group is loaded on a reader
    /// connection and applied by the state machine over what the committing group changed
    /// ([`LedgerOverlay`]). The plan is written only if no other writer moved the ledger in
    /// between; otherwise, and when holds are due to expire or the previous group failed, the
    /// group is applied again inside the write lock, as one step. A batch is answered only
    /// once its group is committed.
    fn start(store: Store, clock: crate::Clock) -> Self {
        let (jobs, mut rx) = mpsc::channel::<Msg>(QUEUE_DEPTH);
        // The writer does not checkpoint the WAL when it commits; this task does, beside it.
        let checkpointer = store.clone();
        let checkpoints = tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(CHECKPOINT_EVERY_MS)).await;
                let _ = checkpointer.checkpoint().await;
            }
        });
        tokio::spawn(async move {
            // The writer keeps its connections, so their page caches stay warm across groups.
            let mut conn: Option<koinon_store::Conn> = None;
            let mut reader: Option<koinon_store::Conn> = None;
            let mut inflight: Option<InFlight> = None;
            loop {
                let next = match inflight.as_mut() {
                    None => Next::Msg(rx.recv().await),
                    Some(f) => tokio::select! {
                        biased;
                        done = &mut f.task => Next::Committed(done),
                        m = rx.recv() => Next::Msg(m),
                    },
                };
                let msg = match next {
                    Next::Committed(done) => {
                        if let Some(f) = inflight.take() {
                            conn = deliver_committed(&store, &clock, &f.work, f.replies, done).await.0;
                        }
                        continue;
                    }
                    Next::Msg(msg) => msg,
                };
                let closed = msg.is_none();
                let mut stopping: Option<oneshot::Sender<()>> = None;
                let mut group = Vec::new();
                match msg {
                    Some(Msg::Job(first)) => {
                        let mut count = first.transfers.len();
                        group.push(first);
                        while count < GROUP_COMMIT_MAX {
                            match rx.try_recv() {
                                Ok(Msg::Job(job)) => {
                                    count += job.transfers.len();
                                    group.push(job);
                                }
                                Ok(Msg::Stop(done)) => {
                                    stopping = Some(done);
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                    }
                    Some(Msg::Stop(done)) => stopping = Some(done),
                    None => {}
                }
                if !group.is_empty() {
                    let mut replies = Vec::with_capacity(group.len());
                    let work: Vec<Work> = group
                        .into_iter()
                        .map(|j| {
                            replies.push(j.reply);
                            Work { tenant_id: j.tenant_id, actor: j.actor, transfers: j.transfers }
                        })
                        .collect();
                    let work = Arc::new(work);
                    // 1. Plan this group while the previous one commits.
                    let plan =
                        plan_group(&store, &clock, &mut reader, &work, inflight.as_ref().map(|f| (f.head, &f.overlay)))
                            .await;
                    // 2. The previous group is durable before this one is written.
                    let mut plan_holds = true;
                    if let Some(f) = inflight.take() {
                        let done = f.task.await;
                        let (back, as_planned) = deliver_committed(&store, &clock, &f.work, f.replies, done).await;
                        conn = back;
                        plan_holds = as_planned;
                    }
                    if conn.is_none() {
                        conn = writer_conn(&store).await;
                    }
                    match (conn.take(), plan.filter(|_| plan_holds)) {
                        (None, _) => {
                            for reply in replies {
                                let _ = reply
                                    .send(Err(AppError::Unavailable("no database connection for the ledger".into())));
                            }
                        }
                        (Some(mut c), None) => {
                            let result = commit_group(&mut c, &work, clock.now_us()).await;
                            if result.is_ok() {
                                conn = Some(c);
                            }
                            deliver(&store, &clock, &work, replies, result).await;
                        }
                        (Some(c), Some((plan, expected_head))) => {
                            let overlay = plan.overlay();
                            let head = plan.head;
                            let task =
                                tokio::spawn(commit_planned(c, clock.clone(), Arc::clone(&work), plan, expected_head));
                            inflight = Some(InFlight { work, replies, overlay, head, task });
                        }
                    }
                }
                if stopping.is_some() || closed {
                    if let Some(f) = inflight.take() {
                        let done = f.task.await;
                        deliver_committed(&store, &clock, &f.work, f.replies, done).await;
                    }
                    checkpoints.abort();
                    drop(conn.take());
                    drop(reader.take());
                    if let Some(done) = stopping {
                        let _ = done.send(());
                    }
                    return;
                }
            }
        });
        Self { jobs }
    }
}

/// The writer's own connection: a larger page cache, and no checkpoints on its commits.
async fn writer_conn(store: &Store) -> Option<koinon_store::Conn> {
    let mut c = store.conn().await.ok()?;
    let _ = c.set_cache_mib(WRITER_CACHE_MIB).await;
    let _ = c.leave_checkpoints_to_others().await;
    Some(c)
}

fn store_jobs(work: &[Work]) -> Vec<(i64, &[Transfer])> {
    work.iter().map(|w| (w.tenant_id, w.transfers.as_slice())).collect()
}

/// Plans a group on the reader connection: over the database alone, or, while another group
/// commits, over what that group changes (`base`: its head and overlay). `None` when the group
/// is to be applied under the lock instead: holds are due to expire (voiding them is done
/// there), or a read failed.
async fn plan_group(
    store: &Store,
    clock: &crate::Clock,
    reader: &mut Option<koinon_store::Conn>,
    work: &[Work],
    base: Option<(i64, &LedgerOverlay)>,
) -> Option<(LedgerPlan, i64)> {
    if reader.is_none() {
        *reader = store.conn().await.ok();
    }
    let c = reader.as_mut()?;
    let mut db = c.db();
    let now = clock.now_us();
    let planned: Result<Option<(LedgerPlan, i64)>, koinon_store::StoreError> = async {
        if db.ledger_expiry_due(now).await? {
            return Ok(None);
        }
        let (head, overlay) = match base {
            Some((head, overlay)) => (head, Some(overlay)),
            None => (db.ledger_head().await?, None),
        };
        let plan = db.ledger_plan(&store_jobs(work), now.max(head + 1), overlay).await?;
        Ok(Some((plan, head)))
    }
    .await;
    match planned {
        Ok(p) => p,
        Err(_) => {
            *reader = None;
            None
        }
    }
}

/// The task that commits a planned group on the writer's connection, and hands it back.
async fn commit_planned(
    mut c: koinon_store::Conn,
    clock: crate::Clock,
    work: Arc<Vec<Work>>,
    plan: LedgerPlan,
    expected_head: i64,
) -> Committed {
    let result = commit_plan_on(&mut c, &clock, &work, plan, expected_head).await;
    (c, result)
}

async fn commit_plan_on(
    c: &mut koinon_store::Conn,
    clock: &crate::Clock,
    work: &[Work],
    plan: LedgerPlan,
    expected_head: i64,
) -> Result<(Vec<Vec<TransferResult>>, bool), AppError> {
    let mut tx = c.begin().await?;
    let mut db = tx.db();
    let (outs, as_planned) = if db.ledger_commit_plan(&plan, expected_head).await? {
        (plan.outcomes, true)
    } else {
        (db.ledger_apply_jobs(&store_jobs(work), clock.now_us()).await?, false)
    };
    audit_group(&mut db, work, &outs).await?;
    tx.commit().await?;
    Ok((outs.into_iter().map(|o| o.results).collect(), as_planned))
}

/// Answers the batches of a committed group. Returns the writer's connection (none if the
/// commit failed: it is replaced) and whether the plan was written as made.
async fn deliver_committed(
    store: &Store,
    clock: &crate::Clock,
    work: &[Work],
    replies: Vec<Reply>,
    done: Result<Committed, tokio::task::JoinError>,
) -> (Option<koinon_store::Conn>, bool) {
    match done {
        Ok((c, Ok((results, as_planned)))) => {
            deliver(store, clock, work, replies, Ok(results)).await;
            (Some(c), as_planned)
        }
        Ok((_, Err(e))) => {
            deliver(store, clock, work, replies, Err(e)).await;
            (None, false)
        }
        Err(e) => {
            for reply in replies {
                let _ = reply.send(Err(AppError::Internal(format!("the ledger writer failed: {e}"))));
            }
            (None, false)
        }
    }
}

/// Answers each batch of a group. If the group failed as a whole, one batch's failure must not
/// fail the others: each is committed again alone.
async fn deliver(
    store: &Store,
    clock: &crate::Clock,
    work: &[Work],
    replies: Vec<Reply>,
    result: Result<Vec<Vec<TransferResult>>, AppError>,
) {
    match result {
        Ok(results) => {
            for (reply, r) in replies.into_iter().zip(results) {
                let _ = reply.send(Ok(r));
            }
        }
        Err(_) if work.len() > 1 => {
            for (w, reply) in work.iter().zip(replies) {
                let r = match store.conn().await {
                    Ok(mut c) => {
                        commit_group(&mut c, std::slice::from_ref(w), clock.now_us()).await.map(|mut v| v.remove(0))
                    }
                    Err(e) => Err(e.into()),
                };
                let _ = reply.send(r);
            }
        }
        Err(e) => {
            for reply in replies {
                let _ = reply.send(Err(AppError::Internal(e.to_string())));
            }
        }
    }
}

/// Applies a group of batches in one transaction and one commit, under the write lock.
async fn commit_group(
    conn: &mut koinon_store::Conn,
    work: &[Work],
    now_us: i64,
) -> Result<Vec<Vec<TransferResult>>, AppError> {
    let mut tx = conn.begin().await?;
    let mut db = tx.db();
    let outs = db.ledger_apply_jobs(&store_jobs(work), now_us).await?;
    audit_group(&mut db, work, &outs).await?;
    tx.commit().await?;
    Ok(outs.into_iter().map(|o| o.results).collect())
}

/// The audit log gets one entry per actor and municipality of a group, naming how many batches
/// and transfers it applied.
async fn audit_group(db: &mut koinon_store::Db<'_>, work: &[Work], outs: &[BatchOutcome]) -> Result<(), AppError> {
    struct Entry<'a> {
        tenant_id: i64,
        actor: &'a Actor,
        batches: usize,
        submitted: usize,
        ok: usize,
        first: Option<&'a Transfer>,
    }
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for (job, out) in work.iter().zip(outs) {
        let ok = out.results.iter().filter(|r| **r == TransferResult::Ok).count();
        if ok == 0 {
            continue;
        }
        match entries.iter_mut().find(|e| e.tenant_id == job.tenant_id && *e.actor == job.actor) {
            Some(e) => {
                e.batches += 1;
                e.submitted += job.transfers.len();
                e.ok += ok;
            }
            None => entries.push(Entry {
                tenant_id: job.tenant_id,
                actor: &job.actor,
                batches: 1,
                submitted: job.transfers.len(),
                ok,
                first: out.inserted.first(),
            }),
        }
    }
    for e in entries {
        audit::append(
            db,
            e.actor,
            Some(e.tenant_id),
            "ledger.create_transfers",
            &format!("transfer:{}", e.first.map(|t| format_id(t.id)).unwrap_or_default()),
            serde_json::json!({"batches": e.batches, "submitted": e.submitted, "ok": e.ok, "first_timestamp": e.first.map(|t| t.timestamp)}),
        )
        .await?;
    }
    Ok(())
}

fn parse_uuid(field: String, raw: &str) -> Result<Id, koinon_core::FieldError> {
    match parse_id(raw) {
        Some(0) | None => Err(koinon_core::FieldError::new(
            field,
            "invalid_id",
            "must be a UUID like 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b (not all zeros)",
        )),
        Some(id) => Ok(id),
    }
}

/// Stored id bytes as a UUID string.
fn id_text(bytes: &[u8]) -> String {
    id_from(bytes).map(format_id).unwrap_or_else(|| hex::encode(bytes))
}

fn account_view(row: AccountRow, ledgers: &[LedgerRow]) -> AccountView {
    let ledger = ledgers.iter().find(|l| l.id == row.ledger_id);
    AccountView {
        flags: AccountFlags(u16::try_from(row.flags).unwrap_or(0)).names(),
        ledger: ledger.map(|l| l.code.clone()).unwrap_or_default(),
        scale: ledger.and_then(|l| u8::try_from(l.scale).ok()).unwrap_or(0),
        id: id_text(&row.id),
        code: row.code,
        owner: row.owner,
        debits_pending: row.debits_pending,
        debits_posted: row.debits_posted,
        credits_pending: row.credits_pending,
        credits_posted: row.credits_posted,
        timestamp: row.ts,
    }
}

fn transfer_view(row: TransferRow, ledgers: &[LedgerRow]) -> TransferView {
    TransferView {
        flags: TransferFlags(u16::try_from(row.flags).unwrap_or(0)).names(),
        ledger: ledgers.iter().find(|l| l.id == row.ledger_id).map(|l| l.code.clone()).unwrap_or_default(),
        id: id_text(&row.id),
        debit_account_id: id_text(&row.debit_account_id),
        credit_account_id: id_text(&row.credit_account_id),
        amount: row.amount,
        code: row.code,
        reference: row.reference,
        pending_id: row.pending_id.as_deref().map(id_text),
        timeout_s: row.timeout_s,
        timestamp: row.ts,
    }
}

/// Owners see their own accounts: `user:<id>` or `organisation:<id>`.
fn owns(actor: &Actor, owner: Option<&str>) -> bool {
    let Some(s) = actor.subject() else { return true };
    match owner {
        Some(o) => {
            o == format!("user:{}", s.user_id)
                || s.organisation_id.is_some_and(|org| o == format!("organisation:{org}"))
        }
        None => false,
    }
}

/// What `ledger check` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub accounts: u64,
    pub transfers: i64,
    pub ledgers: u64,
    /// Municipal currencies whose backing was checked.
    pub currencies: u64,
    pub problems: Vec<String>,
}

/// Recomputes every balance from the transfers and checks that they match the stored ones,
/// that per ledger debits equal credits (posted and pending), and that no account breaks its
/// flags. The result names each problem.
///
/// The transfers are read in two halves of their time span side by side, on two connections,
/// each in a read transaction. The first pins the moment checked (the last timestamp handed
/// out when it starts); the second starts after it and reads only transfers up to that
/// moment. Transfers are never changed and later ones always get later timestamps, so the two
/// see the same ledger.
pub async fn check(store: &Store) -> Result<CheckReport, AppError> {
    const PROBLEMS_MAX: usize = 100;
    let mut tx = store.begin_snapshot().await?;
    let mut db = tx.db();
    let head = db.ledger_head().await?;
    let (first_ts, last_ts) = db.ledger_ts_span().await?.unwrap_or((head, head));
    let beyond_head = last_ts > head;
    let last_ts = last_ts.min(head);
    let first_ts = first_ts.min(last_ts);
    let mid = first_ts + (last_ts - first_ts) / 2;
    let second = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.begin_snapshot().await?;
            let part = tx.db().ledger_recompute_range(mid, last_ts).await?;
            tx.rollback().await?;
            Ok::<_, koinon_store::StoreError>(part)
        })
    };
    let first = db.ledger_recompute_range(i64::MIN, mid).await;
    let accounts = db.ledger_all_accounts().await;
    let postings_off = db.ledger_postings_mismatch().await;
    let second = second.await.map_err(|e| AppError::Internal(format!("ledger check: {e}")))?;
    let currencies = db.all_currencies().await;
    let (first, accounts, postings_off, second, currencies) = (first?, accounts?, postings_off?, second?, currencies?);
    tx.rollback().await?;
    let part = first.then(second);
    let transfers = part.transfers;
    let recomputed = part.finish()?;
    let mut by_id: std::collections::HashMap<Vec<u8>, koinon_store::ledger::RecomputedRow> =
        recomputed.into_iter().map(|r| (r.acc.clone(), r)).collect();
    let mut report = CheckReport { transfers, accounts: accounts.len() as u64, ..CheckReport::default() };
    let mut per_ledger: std::collections::BTreeMap<i64, [i128; 4]> = std::collections::BTreeMap::new();
    let problem = |report: &mut CheckReport, p: String| {
        if report.problems.len() < PROBLEMS_MAX {
            report.problems.push(p);
        }
    };
    for a in &accounts {
        let r = by_id.remove(&a.id);
        let (dp, dpo, cp, cpo) =
            r.map_or((0, 0, 0, 0), |r| (r.debits_pending, r.debits_posted, r.credits_pending, r.credits_posted));
        if (dp, dpo, cp, cpo) != (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted) {
            problem(
                &mut report,
                format!(
                    "account {}: stored balances (debits pending {}, posted {}; credits pending {}, posted {}) differ from its transfers ({dp}, {dpo}; {cp}, {cpo})",
                    id_text(&a.id),
                    a.debits_pending,
                    a.debits_posted,
                    a.credits_pending,
                    a.credits_posted
                ),
            );
        }
        let flags = AccountFlags(u16::try_from(a.flags).unwrap_or(0));
        if flags.has(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS) && i128::from(dp) + i128::from(dpo) > i128::from(cpo)
        {
            problem(
                &mut report,
                format!("account {}: debits exceed credits although its flags forbid it", id_text(&a.id)),
            );
        }
        if flags.has(AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS) && i128::from(cp) + i128::from(cpo) > i128::from(dpo)
        {
            problem(
                &mut report,
                format!("account {}: credits exceed debits although its flags forbid it", id_text(&a.id)),
            );
        }
        let sums = per_ledger.entry(a.ledger_id).or_default();
        sums[0] += i128::from(a.debits_posted);
        sums[1] += i128::from(a.credits_posted);
        sums[2] += i128::from(a.debits_pending);
        sums[3] += i128::from(a.credits_pending);
    }
    if beyond_head {
        problem(
            &mut report,
            format!(
                "transfers carry timestamps after {head}, the last one the ledger handed out: they were not written by koinon's ledger"
            ),
        );
    }
    if postings_off != 0 {
        problem(
            &mut report,
            format!(
                "the postings index does not match the transfers ({postings_off} rows more or fewer than two per transfer)"
            ),
        );
    }
    for orphan in by_id.keys() {
        problem(&mut report, format!("transfers name account {}, which does not exist", id_text(orphan)));
    }
    report.ledgers = per_ledger.len() as u64;
    for (ledger, [d, c, dp, cp]) in &per_ledger {
        if d != c {
            problem(&mut report, format!("ledger {ledger}: posted debits {d} differ from posted credits {c}"));
        }
        if dp != cp {
            problem(&mut report, format!("ledger {ledger}: pending debits {dp} differ from pending credits {cp}"));
        }
    }
    // Backing: every currency's units outstanding (what left its issuance account and has not
    // come back) stay within what its guarantee fund's euros cover at its rate.
    report.currencies = currencies.len() as u64;
    let balances: std::collections::HashMap<&[u8], &koinon_store::ledger::AccountRow> =
        accounts.iter().map(|a| (a.id.as_slice(), a)).collect();
    for c in &currencies {
        let fund = balances
            .get(c.guarantee_fund_account.as_slice())
            .map_or(0, |a| i128::from(a.credits_posted) - i128::from(a.debits_posted) - i128::from(a.debits_pending));
        let outstanding = balances
            .get(c.issuance_account.as_slice())
            .map_or(0, |a| i128::from(a.debits_posted) + i128::from(a.debits_pending) - i128::from(a.credits_posted));
        let scale = u32::try_from(c.scale).unwrap_or(0);
        let needed = outstanding * 100 * i128::from(c.rate_euros);
        let covered = fund * 10_i128.pow(scale) * i128::from(c.rate_units);
        if needed > covered {
            let scale_u8 = u8::try_from(scale).unwrap_or(0);
            problem(
                &mut report,
                format!(
                    "currency {} of municipality {}: {} units outstanding are not backed by the guarantee fund's {} EUR at {}:{} (units:euros)",
                    c.code,
                    c.tenant_id,
                    koinon_core::money::minor_to_decimal(i64::try_from(outstanding).unwrap_or(i64::MAX), scale_u8),
                    koinon_core::money::minor_to_decimal(i64::try_from(fund).unwrap_or(i64::MIN), 2),
                    c.rate_units,
                    c.rate_euros
                ),
            );
        }
    }
    report.ok = report.problems.is_empty();
    Ok(report)
}

impl App {
    /// Stops the ledger writer after what is queued, returning its connection to the pool
    /// (call before closing the store).
    pub async fn shutdown(&self) {
        if let Some(writer) = self.ledger_writer.get() {
            let (done, finished) = oneshot::channel();
            if writer.jobs.send(Msg::Stop(done)).await.is_ok() {
                let _ = finished.await;
            }
        }
    }

    /// A tenant's ledgers, kept for [`LEDGER_CACHE_S`] seconds (they change only when one is
    /// created, which clears the cache of this process).
    pub(crate) async fn cached_ledgers(&self, tenant_id: i64) -> Result<Vec<LedgerRow>, AppError> {
        if let Ok(map) = self.ledger_cache.read()
            && let Some((at, rows)) = map.get(&tenant_id)
            && at.elapsed().as_secs() < LEDGER_CACHE_S
        {
            return Ok(rows.clone());
        }
        let mut conn = self.store().conn().await?;
        let rows = conn.db().list_ledgers(tenant_id).await?;
        if let Ok(mut map) = self.ledger_cache.write() {
            map.insert(tenant_id, (std::time::Instant::now(), rows.clone()));
        }
        Ok(rows)
    }

    fn ledger_writer(&self) -> &LedgerWriter {
        self.ledger_writer.get_or_init(|| LedgerWriter::start(self.store().clone(), self.clock.clone()))
    }

    /// Creates a ledger; the same ledger again is not an error. Returns the ledger and whether
    /// this call created it.
    pub async fn create_ledger(
        &self,
        actor: &Actor,
        tenant_id: i64,
        code: &str,
        name: &str,
        scale: i64,
    ) -> Result<(LedgerView, bool), AppError> {
        actor.require(Action::ManageLedger, &Resource::tenant(tenant_id))?;
        let mut errors = Errors::default();
        let scale_u8 = u8::try_from(scale).ok();
        let currency = errors.take(Currency::new(code, scale_u8.unwrap_or(u8::MAX)).map_err(|mut e| {
            if e.field == "currency" {
                e.field = "code".into();
            }
            e
        }));
        let name = errors.take(text::required("name", name, LEDGER_NAME_MAX_CHARS));
        errors.finish()?;
        let (Some(currency), Some(name)) = (currency, name) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        if let Some(existing) = db.ledger_by_code(tenant_id, currency.code()).await? {
            if existing.scale == scale && existing.name == name {
                return Ok((existing.into(), false));
            }
            return Err(AppError::conflict(
                "code",
                format!("Ledger {} already exists with other settings", currency.code()),
            ));
        }
        let id = db.insert_ledger(tenant_id, currency.code(), &name, scale, App::now_us()).await?;
        if let Ok(mut map) = self.ledger_cache.write() {
            map.remove(&tenant_id);
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "ledger.create",
            &format!("ledger:{id}"),
            serde_json::json!({"after": {"code": currency.code(), "name": name, "scale": scale}}),
        )
        .await?;
        tx.commit().await?;
        Ok((LedgerView { id, code: currency.code().to_string(), name, scale: currency.scale() }, true))
    }

    pub async fn list_ledgers(&self, actor: &Actor, tenant_id: i64) -> Result<Vec<LedgerView>, AppError> {
        actor.require(Action::ViewTenant, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        Ok(conn.db().list_ledgers(tenant_id).await?.into_iter().map(Into::into).collect())
    }

    /// Creates accounts; answers a result per account (`ok`, `exists`,
    /// `exists_with_different_fields`, `ledger_not_found`, `code_invalid`,
    /// `flags_are_mutually_exclusive`, `owner_too_long`).
    pub async fn create_accounts(
        &self,
        actor: &Actor,
        tenant_id: i64,
        inputs: &[NewAccountInput],
    ) -> Result<Vec<EventResult>, AppError> {
        actor.require(Action::ManageLedger, &Resource::tenant(tenant_id))?;
        if inputs.is_empty() || inputs.len() > BATCH_MAX {
            return Err(AppError::invalid("accounts", "batch_size", format!("Send 1 to {BATCH_MAX} accounts")));
        }
        let mut errors = Errors::default();
        let mut parsed = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let id = errors.take(parse_uuid(format!("accounts[{i}].id"), &input.id));
            let flags = AccountFlags::from_names(input.flags.iter().map(String::as_str)).map_err(|name| {
                koinon_core::FieldError::new(
                    format!("accounts[{i}].flags"),
                    "unknown_flag",
                    format!("unknown flag {name:?}"),
                )
            });
            let flags = errors.take(flags);
            parsed.push((id.unwrap_or(0), flags.unwrap_or_default()));
        }
        errors.finish()?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let ledgers = db.list_ledgers(tenant_id).await?;
        let ids: Vec<Id> = parsed.iter().map(|(id, _)| *id).collect();
        let existing = db.ledger_accounts_any_tenant(&ids).await?;
        let mut results = Vec::with_capacity(inputs.len());
        let mut new = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, (input, (id, flags))) in inputs.iter().zip(&parsed).enumerate() {
            let id_text = format_id(*id);
            let ledger = ledgers.iter().find(|l| l.code.eq_ignore_ascii_case(input.ledger.trim()));
            let owner = input.owner.as_deref().map(str::trim).filter(|o| !o.is_empty());
            let result = if let Some(row) = existing.iter().find(|r| id_from(&r.id) == Some(*id)) {
                let same = row.tenant_id == tenant_id
                    && Some(row.ledger_id) == ledger.map(|l| l.id)
                    && row.code == input.code
                    && row.owner.as_deref() == owner
                    && row.flags == i64::from(flags.0);
                if same { "exists" } else { "exists_with_different_fields" }
            } else if seen.contains(id) {
                "exists"
            } else if ledger.is_none() {
                "ledger_not_found"
            } else if !ACCOUNT_CODES.iter().any(|(c, _)| *c == input.code) {
                "code_invalid"
            } else if flags.has(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS)
                && flags.has(AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS)
            {
                "flags_are_mutually_exclusive"
            } else if owner.is_some_and(|o| o.chars().count() > OWNER_MAX_CHARS) {
                "owner_too_long"
            } else {
                seen.insert(*id);
                new.push(NewAccount {
                    id: *id,
                    ledger_id: ledger.map_or(0, |l| l.id),
                    code: input.code.clone(),
                    owner: owner.map(str::to_string),
                    flags: *flags,
                });
                "ok"
            };
            results.push(EventResult { index: i, id: id_text, result });
        }
        if !new.is_empty() {
            db.insert_ledger_accounts(tenant_id, &new, App::now_us()).await?;
            audit::append(
                &mut db,
                actor,
                Some(tenant_id),
                "ledger.create_accounts",
                &format!("account:{}", format_id(new[0].id)),
                serde_json::json!({"created": new.len()}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(results)
    }

    /// Submits a batch of transfers; answers a result per transfer, in order, once the batch
    /// is durable.
    pub async fn create_transfers(
        &self,
        actor: &Actor,
        tenant_id: i64,
        inputs: &[TransferInput],
    ) -> Result<Vec<EventResult>, AppError> {
        actor.require(Action::PostTransfers, &Resource::tenant(tenant_id))?;
        if inputs.is_empty() || inputs.len() > BATCH_MAX {
            return Err(AppError::invalid("transfers", "batch_size", format!("Send 1 to {BATCH_MAX} transfers")));
        }
        let ledgers = self.cached_ledgers(tenant_id).await?;
        let mut errors = Errors::default();
        let mut batch = Vec::with_capacity(inputs.len());
        for (i, t) in inputs.iter().enumerate() {
            let field = |name: &str| format!("transfers[{i}].{name}");
            let id = errors.take(parse_uuid(field("id"), &t.id)).unwrap_or(0);
            let mut optional_id = |name: &str, raw: &Option<String>| match raw.as_deref().map(str::trim) {
                None | Some("") => 0,
                Some(s) => errors.take(parse_uuid(field(name), s)).unwrap_or(0),
            };
            let debit = optional_id("debit_account_id", &t.debit_account_id);
            let credit = optional_id("credit_account_id", &t.credit_account_id);
            let pending_id = match optional_id("pending_id", &t.pending_id) {
                0 => None,
                p => Some(p),
            };
            let flags = errors
                .take(TransferFlags::from_names(t.flags.iter().map(String::as_str)).map_err(|name| {
                    koinon_core::FieldError::new(field("flags"), "unknown_flag", format!("unknown flag {name:?}"))
                }))
                .unwrap_or_default();
            let ledger = match t.ledger.as_deref().map(str::trim) {
                None | Some("") => 0,
                // An unknown ledger matches no account: the result says `ledger_must_match`.
                Some(code) => ledgers.iter().find(|l| l.code.eq_ignore_ascii_case(code)).map_or(-1, |l| l.id),
            };
            batch.push(Transfer {
                id,
                debit_account_id: debit,
                credit_account_id: credit,
                amount: t.amount.unwrap_or(0),
                ledger,
                code: t.code.clone(),
                reference: t.reference.clone(),
                flags,
                pending_id,
                timeout_s: t.timeout_s.unwrap_or(0),
                timestamp: 0,
            });
        }
        errors.finish()?;
        let results = self.submit_transfers(actor, tenant_id, batch.clone()).await?;
        Ok(batch
            .iter()
            .zip(results)
            .enumerate()
            .map(|(index, (t, r))| EventResult { index, id: format_id(t.id), result: r.as_str() })
            .collect())
    }

    /// Hands a parsed batch to the group-commit writer and waits until it is durable.
    pub async fn submit_transfers(
        &self,
        actor: &Actor,
        tenant_id: i64,
        transfers: Vec<Transfer>,
    ) -> Result<Vec<TransferResult>, AppError> {
        actor.require(Action::PostTransfers, &Resource::tenant(tenant_id))?;
        let (reply, answer) = oneshot::channel();
        self.ledger_writer()
            .jobs
            .send(Msg::Job(Job { tenant_id, actor: actor.clone(), transfers, reply }))
            .await
            .map_err(|_| AppError::Unavailable("the ledger writer has stopped".into()))?;
        answer.await.map_err(|_| AppError::Unavailable("the ledger writer has stopped".into()))?
    }

    /// An account with its balances; `as_of` (microseconds) recomputes them at that moment.
    pub async fn ledger_account(
        &self,
        actor: &Actor,
        tenant_id: i64,
        id: &str,
        as_of: Option<i64>,
    ) -> Result<AccountView, AppError> {
        let id = parse_id(id).ok_or_else(|| AppError::NotFound(format!("account {id}")))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let row = db
            .ledger_account(tenant_id, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("account {}", format_id(id))))?;
        if actor.require(Action::ViewLedger, &Resource::tenant(tenant_id)).is_err() {
            actor.require(Action::ViewTenant, &Resource::tenant(tenant_id))?;
            if !owns(actor, row.owner.as_deref()) {
                return Err(AppError::NotFound(format!("account {}", format_id(id))));
            }
        }
        let ledgers = db.list_ledgers(tenant_id).await?;
        let mut view = account_view(row, &ledgers);
        if let Some(t) = as_of {
            let b = db.ledger_balances_as_of(id, t).await?;
            view.debits_pending = b.debits_pending;
            view.debits_posted = b.debits_posted;
            view.credits_pending = b.credits_pending;
            view.credits_posted = b.credits_posted;
        }
        Ok(view)
    }

    /// An account's statement, oldest first; the cursor is the last timestamp seen.
    pub async fn account_statement(
        &self,
        actor: &Actor,
        tenant_id: i64,
        id: &str,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<TransferView>, AppError> {
        let account = self.ledger_account(actor, tenant_id, id, None).await?;
        let after = crate::parse_cursor(cursor)?.unwrap_or(0);
        let limit = page_limit(limit);
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let ledgers = db.list_ledgers(tenant_id).await?;
        let account_id = parse_id(&account.id).ok_or_else(|| AppError::NotFound("account".into()))?;
        let rows = db.ledger_statement(account_id, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<TransferView> =
            rows.into_iter().take(limit as usize).map(|r| transfer_view(r, &ledgers)).collect();
        let next_cursor = if more { items.last().map(|t| t.timestamp.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    pub async fn ledger_transfer(&self, actor: &Actor, tenant_id: i64, id: &str) -> Result<TransferView, AppError> {
        actor.require(Action::ViewLedger, &Resource::tenant(tenant_id))?;
        let id = parse_id(id).ok_or_else(|| AppError::NotFound(format!("transfer {id}")))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let row = db
            .ledger_transfers_by_id(&[id])
            .await?
            .into_iter()
            .find(|r| r.tenant_id == tenant_id)
            .ok_or_else(|| AppError::NotFound(format!("transfer {}", format_id(id))))?;
        let ledgers = db.list_ledgers(tenant_id).await?;
        Ok(transfer_view(row, &ledgers))
    }

    /// A tenant's accounts (officers, approvers, auditors: all; others: their own).
    pub async fn list_ledger_accounts(
        &self,
        actor: &Actor,
        tenant_id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<AccountView>, AppError> {
        let owner = if actor.require(Action::ViewLedger, &Resource::tenant(tenant_id)).is_ok() {
            None
        } else {
            actor.require(Action::ViewTenant, &Resource::tenant(tenant_id))?;
            let s = actor.subject().ok_or(AppError::Forbidden)?;
            Some(match s.organisation_id {
                Some(org) => format!("organisation:{org}"),
                None => format!("user:{}", s.user_id),
            })
        };
        let limit = page_limit(limit);
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let ledgers = db.list_ledgers(tenant_id).await?;
        let after = match cursor {
            None | Some("") => None,
            Some(c) => Some(parse_id(c).ok_or_else(|| {
                AppError::invalid("cursor", "invalid_cursor", "cursor must be a value returned as next_cursor")
            })?),
        };
        let rows = db.ledger_list_accounts(tenant_id, owner.as_deref(), after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<AccountView> =
            rows.into_iter().take(limit as usize).map(|r| account_view(r, &ledgers)).collect();
        let next_cursor = if more { items.last().map(|a| a.id.clone()) } else { None };
        Ok(Page { items, next_cursor })
    }

    /// Totals per ledger of the tenant, for the ledger overview.
    pub async fn ledger_overview(&self, actor: &Actor, tenant_id: i64) -> Result<Vec<LedgerTotals>, AppError> {
        actor.require(Action::ViewLedger, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let ledgers = db.list_ledgers(tenant_id).await?;
        let totals = db.ledger_totals(tenant_id).await?;
        Ok(ledgers
            .into_iter()
            .map(|l| {
                let t = totals.iter().find(|t| t.0 == l.id).copied().unwrap_or((l.id, 0, 0, 0, 0, 0));
                LedgerTotals {
                    ledger: l.into(),
                    accounts: t.1,
                    debits_posted: t.2,
                    credits_posted: t.3,
                    debits_pending: t.4,
                    credits_pending: t.5,
                }
            })
            .collect())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LedgerTotals {
    pub ledger: LedgerView,
    pub accounts: i64,
    pub debits_posted: i64,
    pub credits_posted: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
}

/// Shared slot for the writer (one per App and its clones).
pub(crate) type WriterSlot = Arc<OnceLock<LedgerWriter>>;

/// How long a tenant's list of ledgers is reused when parsing transfers.
pub const LEDGER_CACHE_S: u64 = 5;

/// Ledgers per tenant and when they were read (shared by the App's clones).
pub(crate) type LedgerCache =
    Arc<std::sync::RwLock<std::collections::HashMap<i64, (std::time::Instant, Vec<LedgerRow>)>>>;
