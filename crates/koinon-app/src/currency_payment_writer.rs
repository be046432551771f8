//! The payments' own group-commit writer. A card payment writes twice besides its ledger
//! transfer: once to reserve the amount (state `authorised`, checked against the wallet with the
//! card's row locked) and once to record what the ledger made of it (`posted`, `held` or
//! `failed`). Each of those used to be a transaction of its own, and on SQLite each waited for
//! its own fsync, one after another: a busy afternoon at the shops queued behind the disk.
//!
//! Here one task takes the requests of every payment in flight and runs all that are waiting in
//! one transaction, each inside its own savepoint (a request that fails undoes only its own
//! writes), then commits once and answers them all. Requests are run in the order they came, so
//! a payment reserved earlier in the transaction is counted by the next payment of the same
//! card exactly as if it had committed alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use koinon_store::merchants::PaymentRow;
use koinon_store::{Db, Store};
use tokio::sync::{mpsc, oneshot};

use crate::currency_payments::{Authorisation, Decision, authorise_in};
use crate::{App, AppError};

/// Requests run in one transaction at most.
const REQUESTS_PER_COMMIT_MAX: usize = 512;
/// Requests waiting for the writer at most; senders wait beyond it.
const QUEUE_MAX: usize = 8_192;

pub(crate) type PaymentWriterSlot = Arc<OnceLock<PaymentWriter>>;

/// Records what the ledger made of an authorised payment.
pub(crate) struct Settlement {
    /// The payment as authorised.
    pub payment: PaymentRow,
    pub to: &'static str,
    pub failure: Option<String>,
    pub at_us: i64,
}

enum Work {
    Authorise(Box<Authorisation>),
    Settle(Box<Settlement>),
}

/// Where a request's answer goes.
enum Reply {
    Authorise(oneshot::Sender<Result<Decision, AppError>>),
    /// The payment as it stands after the change (or as another request left it).
    Settle(oneshot::Sender<Result<Option<PaymentRow>, AppError>>),
}

enum Outcome {
    Authorise(Result<Decision, AppError>),
    Settle(Result<Option<PaymentRow>, AppError>),
}

impl Outcome {
    fn is_ok(&self) -> bool {
        match self {
            Outcome::Authorise(r) => r.is_ok(),
            Outcome::Settle(r) => r.is_ok(),
        }
    }
}

impl Reply {
    fn send(self, outcome: Outcome) {
        match (self, outcome) {
            (Reply::Authorise(reply), Outcome::Authorise(r)) => {
                let _ = reply.send(r);
            }
            (Reply::Settle(reply), Outcome::Settle(r)) => {
                let _ = reply.send(r);
            }
            (reply, _) => reply.fail(&AppError::Internal("a payment request got another's answer".into())),
        }
    }

    /// Answers with the transaction's error: nothing of the request took effect.
    fn fail(self, e: &AppError) {
        let e = AppError::Unavailable(format!("the payment was not recorded: {e}"));
        match self {
            Reply::Authorise(reply) => {
                let _ = reply.send(Err(e));
            }
            Reply::Settle(reply) => {
                let _ = reply.send(Err(e));
            }
        }
    }
}

/// The handle to the writer task (started with the first payment).
#[derive(Debug)]
pub(crate) struct PaymentWriter {
    requests: mpsc::Sender<(Work, Reply)>,
    reruns: Arc<AtomicU64>,
}

impl PaymentWriter {
    fn start(store: Store) -> Self {
        let (requests, queue) = mpsc::channel(QUEUE_MAX);
        let reruns = Arc::new(AtomicU64::new(0));
        tokio::spawn(run(store, queue, reruns.clone()));
        Self { requests, reruns }
    }

    async fn send(&self, work: Work, reply: Reply) -> Result<(), AppError> {
        self.requests
            .send((work, reply))
            .await
            .map_err(|_| AppError::Unavailable("the payments' writer has stopped".into()))
    }
}

fn stopped(_: oneshot::error::RecvError) -> AppError {
    AppError::Unavailable("the payments' writer has stopped".into())
}

impl App {
    fn payment_writer(&self) -> &PaymentWriter {
        self.payment_writer.get_or_init(|| PaymentWriter::start(self.store().clone()))
    }

    /// How many of the payments' shared transactions were undone because one request in them
    /// failed, and run again with a savepoint around each request.
    pub fn payment_commits_run_again(&self) -> u64 {
        self.payment_writer.get().map_or(0, |w| w.reruns.load(Ordering::Relaxed))
    }

    /// Checks and reserves a payment in the writer's next commit; answers once it is durable.
    pub(crate) async fn authorise_payment(&self, a: Authorisation) -> Result<Decision, AppError> {
        let (reply, answer) = oneshot::channel();
        self.payment_writer().send(Work::Authorise(Box::new(a)), Reply::Authorise(reply)).await?;
        answer.await.map_err(stopped)?
    }

    /// Records the ledger's answer to an authorised payment in the writer's next commit;
    /// answers the payment as stored, once durable.
    pub(crate) async fn settle_payment(&self, s: Settlement) -> Result<Option<PaymentRow>, AppError> {
        let (reply, answer) = oneshot::channel();
        self.payment_writer().send(Work::Settle(Box::new(s)), Reply::Settle(reply)).await?;
        answer.await.map_err(stopped)?
    }
}

async fn run(store: Store, mut queue: mpsc::Receiver<(Work, Reply)>, reruns: Arc<AtomicU64>) {
    let mut batch = Vec::with_capacity(REQUESTS_PER_COMMIT_MAX);
    while queue.recv_many(&mut batch, REQUESTS_PER_COMMIT_MAX).await > 0 {
        let (work, replies): (Vec<Work>, Vec<Reply>) = std::mem::take(&mut batch).into_iter().unzip();
        // Most of the time no request fails: they run straight through. If one does, the
        // transaction is undone and run again with a savepoint around each request, so that
        // only the failing one is undone.
        let done = match commit(&store, &work, false).await {
            Ok(Some(outcomes)) => Ok(outcomes),
            Ok(None) => {
                reruns.fetch_add(1, Ordering::Relaxed);
                commit(&store, &work, true).await.map(|o| o.unwrap_or_default())
            }
            Err(e) => Err(e),
        };
        match done {
            Ok(outcomes) if outcomes.len() == replies.len() => {
                replies.into_iter().zip(outcomes).for_each(|(reply, o)| reply.send(o));
            }
            Ok(_) => {
                let e = AppError::Internal("the payments' writer lost count of its requests".into());
                replies.into_iter().for_each(|reply| reply.fail(&e));
            }
            Err(e) => {
                tracing::warn!(error = %e, requests = replies.len(), "payments' commit failed");
                replies.into_iter().for_each(|reply| reply.fail(&e));
            }
        }
    }
}

/// Runs the requests in one transaction and gives their outcomes in order, once committed.
/// Without savepoints, a request that fails undoes the whole transaction and answers `None`
/// (nothing took effect). If the transaction itself fails, none of them took effect.
async fn commit(store: &Store, work: &[Work], savepoints: bool) -> Result<Option<Vec<Outcome>>, AppError> {
    let mut tx = store.begin().await?;
    let mut db = tx.db();
    let mut outcomes = Vec::with_capacity(work.len());
    let mut audit = Vec::new();
    for w in work {
        if savepoints {
            db.savepoint().await?;
        }
        let mut entries = Vec::new();
        let outcome = match w {
            Work::Authorise(a) => Outcome::Authorise(authorise_in(&mut db, a, &mut entries).await),
            Work::Settle(s) => Outcome::Settle(settle_in(&mut db, s).await),
        };
        match (outcome.is_ok(), savepoints) {
            (true, false) => {}
            (true, true) => db.release_savepoint().await?,
            (false, true) => {
                db.rollback_to_savepoint().await?;
                entries.clear();
            }
            (false, false) => {
                tx.rollback().await?;
                return Ok(None);
            }
        }
        audit.append(&mut entries);
        outcomes.push(outcome);
    }
    crate::audit::append_all(&mut db, audit).await?;
    tx.commit().await?;
    Ok(Some(outcomes))
}

async fn settle_in(db: &mut Db<'_>, s: &Settlement) -> Result<Option<PaymentRow>, AppError> {
    let p = &s.payment;
    if db.set_payment_state(&p.id, "authorised", s.to, None, s.failure.as_deref(), s.at_us).await? {
        let mut after = p.clone();
        after.state = s.to.to_string();
        after.failure = s.failure.clone().or(after.failure);
        after.updated_at_us = s.at_us;
        return Ok(Some(after));
    }
    // Settled already (the same payment sent twice at once): as the other request left it.
    Ok(db.payment(&p.id).await?)
}
