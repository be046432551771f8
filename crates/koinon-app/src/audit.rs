//! The audit log: append in the caller's transaction; verify the whole chain; read a page.

use koinon_core::audit::{
    ACTION_MAX_CHARS, ChainBreak, ChainVerifier, OBJECT_MAX_CHARS, SUMMARY_MAX_CHARS, StoredAuditEntry, chain_hash,
};
use koinon_core::authz::{Action, Resource};
use koinon_store::{Db, Store};

use crate::{Actor, App, AppError, Page, page_limit, parse_cursor};

/// Appends one entry in the transaction `db` belongs to. `summary` is a JSON value with the
/// before/after of what changed (never a password, token or other secret).
pub async fn append(
    db: &mut Db<'_>,
    actor: &Actor,
    tenant_id: Option<i64>,
    action: &str,
    object: &str,
    summary: serde_json::Value,
) -> Result<i64, AppError> {
    append_all(db, vec![Pending::new(actor, tenant_id, action, object, summary)]).await
}

/// An entry made now and appended later, with others, by [`append_all`] (a writer that
/// gathers many requests in one transaction writes their entries in one go).
#[derive(Debug, Clone)]
pub struct Pending(StoredAuditEntry);

impl Pending {
    pub fn new(actor: &Actor, tenant_id: Option<i64>, action: &str, object: &str, summary: serde_json::Value) -> Self {
        let clip = |s: &str, max: usize| s.chars().take(max).collect::<String>();
        Self(StoredAuditEntry {
            seq: 0,
            at_us: App::now_us(),
            tenant_id,
            actor: actor.audit_name(),
            action: clip(action, ACTION_MAX_CHARS),
            object: clip(object, OBJECT_MAX_CHARS),
            summary: clip(&summary.to_string(), SUMMARY_MAX_CHARS),
            prev_hash: String::new(),
            hash: String::new(),
        })
    }
}

/// Appends the entries, in order, in the transaction `db` belongs to: one claim of the chain's
/// head for all of them, their rows in few statements, the head's hash once. Answers the last
/// entry's sequence number (0 when there were none).
pub async fn append_all(db: &mut Db<'_>, entries: Vec<Pending>) -> Result<i64, AppError> {
    let Ok(n) = i64::try_from(entries.len()) else {
        return Err(AppError::Internal("too many audit entries at once".into()));
    };
    if n == 0 {
        return Ok(0);
    }
    let (last_seq, mut prev_hash) = db.audit_claim(n).await?;
    let mut rows = Vec::with_capacity(entries.len());
    for (seq, Pending(mut e)) in (last_seq - n + 1..).zip(entries) {
        e.seq = seq;
        e.prev_hash = prev_hash;
        e.hash = chain_hash(&e.prev_hash, &e.fields());
        prev_hash = e.hash.clone();
        rows.push(e);
    }
    db.audit_insert_all(&rows).await?;
    Ok(last_seq)
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub entries_checked: u64,
    pub head_seq: i64,
    /// The first entry that does not match, and why.
    pub first_bad_seq: Option<i64>,
    pub problem: Option<String>,
}

/// Walks the chain from the first entry, in pages, and names the first entry that does not
/// match. Also checks that the head row agrees with the last entry.
pub async fn verify(store: &Store) -> Result<VerifyReport, AppError> {
    const BATCH: i64 = 5_000;
    let mut conn = store.conn().await?;
    let mut db = conn.db();
    let (head_seq, head_hash) = db.audit_head().await?;
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    let fail = |verifier: &ChainVerifier, brk: ChainBreak| VerifyReport {
        ok: false,
        entries_checked: verifier.checked(),
        head_seq,
        first_bad_seq: Some(brk.seq()),
        problem: Some(brk.to_string()),
    };
    loop {
        let batch = db.audit_range(after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for entry in &batch {
            if let Err(brk) = verifier.check(entry) {
                return Ok(fail(&verifier, brk));
            }
        }
    }
    let last_seq = i64::try_from(verifier.checked()).unwrap_or(i64::MAX);
    if last_seq != head_seq || verifier.last_hash() != head_hash {
        let seq = last_seq.min(head_seq) + 1;
        return Ok(VerifyReport {
            ok: false,
            entries_checked: verifier.checked(),
            head_seq,
            first_bad_seq: Some(seq),
            problem: Some(format!(
                "entry {seq}: the chain ends at entry {last_seq} but its head says {head_seq} (entries removed from the end)"
            )),
        });
    }
    Ok(VerifyReport { ok: true, entries_checked: verifier.checked(), head_seq, first_bad_seq: None, problem: None })
}

/// An entry as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at_us: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub summary: String,
    pub hash: String,
}

impl App {
    /// The tenant's audit log, newest first. Admins and auditors only.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        tenant_id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<AuditEntryView>, AppError> {
        actor.require(Action::ViewAudit, &Resource::tenant(tenant_id))?;
        let before = parse_cursor(cursor)?.unwrap_or(i64::MAX);
        let limit = page_limit(limit);
        let mut conn = self.store().conn().await?;
        let rows = conn.db().audit_page(tenant_id, before, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<AuditEntryView> = rows
            .into_iter()
            .take(limit as usize)
            .map(|e| AuditEntryView {
                seq: e.seq,
                at_us: e.at_us,
                actor: e.actor,
                action: e.action,
                object: e.object,
                summary: e.summary,
                hash: e.hash,
            })
            .collect();
        let next_cursor = if more { items.last().map(|e| e.seq.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }
}
