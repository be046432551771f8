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
}

impl PaymentWriter {
    fn start(store: Store) -> Self {
        let (requests, queue) = mpsc::channel(QUEUE_MAX);
        tokio::spawn(run(store, queue));
        Self { requests }
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

async fn run(store: Store, mut queue: mpsc::Receiver<(Work, Reply)>) {
    let mut batch = Vec::with_capacity(REQUESTS_PER_COMMIT_MAX);
    while queue.recv_many(&mut batch, REQUESTS_PER_COMMIT_MAX).await > 0 {
        let (work, replies): (Vec<Work>, Vec<Reply>) = std::mem::take(&mut batch).into_iter().unzip();
        match commit(&store, work).await {
            Ok(outcomes) => replies.into_iter().zip(outcomes).for_each(|(reply, o)| reply.send(o)),
            Err(e) => {
                tracing::warn!(error = %e, requests = replies.len(), "payments' commit failed");
                replies.into_iter().for_each(|reply| reply.fail(&e));
            }
        }
    }
}

/// Runs the requests in one transaction and gives their outcomes in order, once committed.
/// If the transaction itself fails, none of them took effect.
async fn commit(store: &Store, work: Vec<Work>) -> Result<Vec<Outcome>, AppError> {
    let mut tx = store.begin().await?;
    let mut db = tx.db();
    let mut outcomes = Vec::with_capacity(work.len());
    for w in work {
        db.savepoint().await?;
        let outcome = match w {
            Work::Authorise(a) => Outcome::Authorise(authorise_in(&mut db, &a).await),
            Work::Settle(s) => Outcome::Settle(settle_in(&mut db, &s).await),
        };
        if outcome.is_ok() {
            db.release_savepoint().await?;
        } else {
            db.rollback_to_savepoint().await?;
        }
        outcomes.push(outcome);
    }
    tx.commit().await?;
    Ok(outcomes)
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
