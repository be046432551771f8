//! Payments a request left half-way. A payment is reserved (`authorised`) before the ledger
//! takes its transfer and is marked `posted` after. If the request ends in between (the
//! process stops, the till hangs up and the request is dropped), the reservation would go on
//! counting against the wallet for ever unless the same payment is sent again. The sweep
//! settles what was left: once a payment has stayed `authorised` for
//! [`PAYMENT_ABANDONED_AFTER_S`], it is `posted` (or `held`) if the ledger has its transfer and
//! `failed` with `abandoned` if not, which gives the wallet its units back. `koinon serve` sweeps
//! when it starts and then every minute.

use serde::Serialize;

use crate::{Actor, App, AppError, audit};

/// How long a payment stays `authorised` before the sweep settles it. A payment's own request
/// settles it within milliseconds; this leaves room for a stalled one to finish.
pub const PAYMENT_ABANDONED_AFTER_S: i64 = 600;
/// How often `koinon serve` sweeps.
pub const SWEEP_EVERY_S: u64 = 60;

const SWEEPER: Actor = Actor::System("payments");

/// What a sweep settled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Found in the ledger: marked `posted`.
    pub posted: u64,
    /// Found in the ledger as holds: marked `held`.
    pub held: u64,
    /// Not in the ledger: marked `failed` (`abandoned`), their reservation let go.
    pub abandoned: u64,
}

impl App {
    /// Settles the payments left `authorised` for longer than [`PAYMENT_ABANDONED_AFTER_S`]
    /// (by the app's clock), with one audit entry naming how many when there were any.
    pub async fn sweep_payments(&self) -> Result<SweepReport, AppError> {
        let now_us = self.clock_now_us();
        let before_us = now_us.saturating_sub(PAYMENT_ABANDONED_AFTER_S * 1_000_000);
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let states = db.sweep_payments(before_us, now_us).await?;
        let mut report = SweepReport::default();
        for s in &states {
            match s.as_str() {
                "posted" => report.posted += 1,
                "held" => report.held += 1,
                _ => report.abandoned += 1,
            }
        }
        if !states.is_empty() {
            audit::append(
                &mut db,
                &SWEEPER,
                None,
                "currency.payments_swept",
                "payments",
                serde_json::json!({"after": {"posted": report.posted, "held": report.held,
                    "abandoned": report.abandoned}, "authorised_before_us": before_us}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Sweeps now and then every [`SWEEP_EVERY_S`] seconds, for as long as the process runs.
    pub fn spawn_payment_sweeps(&self) {
        let app = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(SWEEP_EVERY_S));
            loop {
                every.tick().await;
                match app.sweep_payments().await {
                    Ok(r) if r != SweepReport::default() => {
                        tracing::info!(posted = r.posted, held = r.held, abandoned = r.abandoned, "payments swept");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!("sweeping payments: {e}"),
                }
            }
        });
    }
}
