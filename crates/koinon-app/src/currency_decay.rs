//! Decay runs of a municipal e-currency: once a month has ended, an officer previews and then
//! posts what the month takes back from the wallets.
//!
//! - **Expiry** (`expiry` after N months): per wallet, the units issued to it before the
//!   cut-off (the end of the month less N months) that it has not spent, oldest spent first
//!   (the same rule the payments use to refuse expired units), go back to the currency's
//!   `issuance` account (transfer code `expiry`): they are no longer outstanding. The euros
//!   that backed them stay in the guarantee fund, which then backs more than is outstanding.
//! - **Demurrage** (`demurrage`, bp a month): each wallet pays its exact share of
//!   `Σ balance × bp / 10,000` plus the fraction carried from the previous run, rounded down in
//!   total and split by largest remainders ([`demurrage_charges_carried`]), to the `fees`
//!   account (transfer code `demurrage`); the fraction dropped is carried to the next run.
//!
//! A month is run once per currency (a row per currency and month; transfer ids derived from
//! the currency, the month and the wallet). The charges are worked out again when the run is
//! posted, from the wallets as they are then, and posted as one linked chain: all or nothing,
//! and the wallets' `debits_must_not_exceed_credits` flag keeps every wallet at zero or above.

use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::currency::{Decay, Month, demurrage_charges_carried, expired_fifo};
use koinon_core::ledger::{BATCH_MAX, Transfer, TransferFlags, TransferResult};
use koinon_store::Db;
use koinon_store::currency::CurrencyRow;
use koinon_store::currency_decay::{DecayLineRow, DecayRunRow};
use koinon_store::ledger::id_bytes;
use serde::Serialize;

use crate::currency::derived_id;
use crate::currency_payments::months_before;
use crate::merchants::{id_text, stored_id};
use crate::{Actor, App, AppError, audit};

/// Posts the runs' transfers once the policy has allowed the officer's action; the audit
/// entry of the run names the officer.
const DECAY: Actor = Actor::System("currency");
/// How many times a run is worked out again when wallets change while it posts.
const POST_ATTEMPTS: usize = 3;
/// Runs listed on a currency's page.
pub const DECAY_RUNS_SHOWN: i64 = 24;

/// One wallet of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecayLineView {
    /// The household's reference (the wallet's owner, `household:{reference}`).
    pub household: String,
    pub wallet: String,
    /// What the wallet held when the run was worked out.
    pub balance_minor: i64,
    /// What the run takes from it.
    pub charge_minor: i64,
    /// The ledger transfer's id (none when nothing is charged).
    pub transfer_id: Option<String>,
}

/// A month's decay: a preview (nothing written) or the posted run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecayView {
    pub currency_id: i64,
    pub code: String,
    pub scale: u8,
    pub month: String,
    /// `expiry` or `demurrage`.
    pub kind: String,
    /// `preview` or `posted`.
    pub state: String,
    pub run_id: Option<i64>,
    pub demurrage_bp: Option<i64>,
    pub expiry_months: Option<i64>,
    /// Expiry: units issued before this moment (microseconds since the epoch, UTC) expired.
    pub cutoff_us: Option<i64>,
    /// Wallets charged something.
    pub wallets_charged: i64,
    pub balance_total_minor: i64,
    pub charged_total_minor: i64,
    /// Demurrage: the fraction of a minor unit (ten-thousandths) carried from the previous
    /// run and to the next one.
    pub carried_in_e4: i64,
    pub carried_out_e4: i64,
    pub posted_by: Option<String>,
    pub posted_at_us: Option<i64>,
    /// Wallets holding something, by household reference.
    pub lines: Vec<DecayLineView>,
}

/// A currency and its decay runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecayRunsView {
    pub currency_id: i64,
    pub code: String,
    pub name: String,
    /// `none`, `expiry` or `demurrage`.
    pub decay: String,
    pub runs: Vec<DecayView>,
}

/// The moment a month ends: the first microsecond of the next month, UTC.
fn month_end_us(month: Month) -> Result<i64, AppError> {
    let first = month.next().first_day().ok_or_else(|| month_error("invalid_month", "The month is not a month"))?;
    Ok(first.midnight().assume_utc().unix_timestamp().saturating_mul(1_000_000))
}

fn month_error(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError::new("month", code, message)])
}

/// The currency's decay, or the refusal of a currency without one.
fn decay_of(c: &CurrencyRow) -> Result<Decay, AppError> {
    match (c.decay.as_str(), c.expiry_months, c.demurrage_bp) {
        ("expiry", Some(months), _) => Ok(Decay::Expiry { months }),
        ("demurrage", _, Some(rate_bp)) => Ok(Decay::Demurrage { rate_bp }),
        _ => Err(month_error(
            "no_decay",
            format!("{} has neither expiry nor demurrage: no month has anything to run", c.code),
        )),
    }
}

/// The run worked out from the wallets as they are now.
struct Plan {
    cutoff_us: Option<i64>,
    carried_in_e4: i64,
    carried_out_e4: i64,
    lines: Vec<DecayLineRow>,
}

impl Plan {
    fn charged_total(&self) -> i64 {
        self.lines.iter().map(|l| l.charge_minor).sum()
    }

    fn balance_total(&self) -> i64 {
        self.lines.iter().map(|l| l.balance_minor).sum()
    }

    fn charged_wallets(&self) -> i64 {
        i64::try_from(self.lines.iter().filter(|l| l.charge_minor > 0).count()).unwrap_or(i64::MAX)
    }
}

fn decay_transfer_id(tenant_id: i64, code: &str, month: Month, wallet: &[u8]) -> Vec<u8> {
    id_bytes(derived_id(&format!("decay/{tenant_id}/{code}/{month}/{}", id_text(wallet)))).to_vec()
}

/// The reference of a run's transfers.
pub fn decay_reference(code: &str, month: &str) -> String {
    format!("currency:{code}/decay:{month}")
}

/// Works out the month's charges from the wallets as they are now. The demurrage carry is the
/// one the latest earlier run left.
async fn plan(db: &mut Db<'_>, c: &CurrencyRow, ledger_id: i64, month: Month, decay: Decay) -> Result<Plan, AppError> {
    let wallets = db.ledger_wallets(ledger_id).await?;
    let mut lines = Vec::with_capacity(wallets.len());
    for w in &wallets {
        let out = w.debits_posted.saturating_add(w.debits_pending);
        let available = w.credits_posted.saturating_sub(out).max(0);
        if available == 0 {
            continue;
        }
        let household = w.owner.as_deref().map_or("", |o| o.strip_prefix("household:").unwrap_or(o)).to_string();
        lines.push((w.id.clone(), household, available, out));
    }
    // By household, as the lines are listed once stored.
    lines.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let month_text = month.to_string();
    let line = |(wallet, household, balance, charge): (Vec<u8>, String, i64, i64)| DecayLineRow {
        run_id: 0,
        transfer_id: decay_transfer_id(c.tenant_id, &c.code, month, &wallet),
        wallet_account: wallet,
        household,
        balance_minor: balance,
        charge_minor: charge,
    };
    match decay {
        Decay::Expiry { months } => {
            let cutoff_us = months_before(month_end_us(month)?, months);
            // What `expired_units` reads wallet by wallet, read for all wallets at once.
            let issued: std::collections::HashMap<Vec<u8>, i64> =
                db.issued_before_by_wallet(ledger_id, cutoff_us).await?.into_iter().collect();
            let out = lines
                .into_iter()
                .map(|(wallet, household, available, spent)| {
                    let before = issued.get(&wallet).copied().unwrap_or(0);
                    let expired = expired_fifo(before, spent, available);
                    line((wallet, household, available, expired))
                })
                .collect();
            Ok(Plan { cutoff_us: Some(cutoff_us), carried_in_e4: 0, carried_out_e4: 0, lines: out })
        }
        Decay::Demurrage { rate_bp } => {
            let carried_in_e4 = db
                .decay_runs(c.id, 1_000)
                .await?
                .into_iter()
                .find(|r| r.month < month_text && r.state == "posted")
                .map_or(0, |r| r.carried_out_e4);
            let balances: Vec<i64> = lines.iter().map(|l| l.2).collect();
            let charge = demurrage_charges_carried(&balances, rate_bp, carried_in_e4);
            let out = lines
                .into_iter()
                .zip(charge.per_wallet_minor)
                .map(|((wallet, household, available, _), c)| line((wallet, household, available, c)))
                .collect();
            Ok(Plan { cutoff_us: None, carried_in_e4, carried_out_e4: charge.remainder_e4, lines: out })
        }
        Decay::None => Err(month_error("no_decay", "The currency has no decay")),
    }
}

fn line_view(l: &DecayLineRow) -> DecayLineView {
    DecayLineView {
        household: l.household.clone(),
        wallet: id_text(&l.wallet_account),
        balance_minor: l.balance_minor,
        charge_minor: l.charge_minor,
        transfer_id: (l.charge_minor > 0).then(|| id_text(&l.transfer_id)),
    }
}

fn scale_of(c: &CurrencyRow) -> u8 {
    u8::try_from(c.scale).unwrap_or(0)
}

fn run_view(c: &CurrencyRow, r: &DecayRunRow, lines: &[DecayLineRow]) -> DecayView {
    DecayView {
        currency_id: c.id,
        code: c.code.clone(),
        scale: scale_of(c),
        month: r.month.clone(),
        kind: r.kind.clone(),
        state: r.state.clone(),
        run_id: Some(r.id),
        demurrage_bp: r.rate_bp,
        expiry_months: r.expiry_months,
        cutoff_us: r.cutoff_us,
        wallets_charged: r.wallets,
        balance_total_minor: r.balance_total_minor,
        charged_total_minor: r.charged_total_minor,
        carried_in_e4: r.carried_in_e4,
        carried_out_e4: r.carried_out_e4,
        posted_by: Some(r.posted_by.clone()),
        posted_at_us: r.posted_at_us,
        lines: lines.iter().map(line_view).collect(),
    }
}

fn preview_view(c: &CurrencyRow, month: Month, decay: Decay, p: &Plan) -> DecayView {
    let (demurrage_bp, expiry_months) = match decay {
        Decay::Demurrage { rate_bp } => (Some(rate_bp), None),
        Decay::Expiry { months } => (None, Some(months)),
        Decay::None => (None, None),
    };
    DecayView {
        currency_id: c.id,
        code: c.code.clone(),
        scale: scale_of(c),
        month: month.to_string(),
        kind: decay.kind().into(),
        state: "preview".into(),
        run_id: None,
        demurrage_bp,
        expiry_months,
        cutoff_us: p.cutoff_us,
        wallets_charged: p.charged_wallets(),
        balance_total_minor: p.balance_total(),
        charged_total_minor: p.charged_total(),
        carried_in_e4: p.carried_in_e4,
        carried_out_e4: p.carried_out_e4,
        posted_by: None,
        posted_at_us: None,
        lines: p.lines.iter().map(line_view).collect(),
    }
}

/// The municipality's currency with this code (a code too long to be one is not found).
async fn currency_by_code(db: &mut Db<'_>, tenant_id: i64, code: &str) -> Result<CurrencyRow, AppError> {
    let code = code.trim();
    match code.len() {
        1..=32 => db.currency_by_code(tenant_id, code).await?,
        _ => None,
    }
    .ok_or_else(|| AppError::NotFound(format!("currency {}", code.chars().take(32).collect::<String>())))
}

/// What a request names, checked: the currency (by code, in the municipality), its decay, and
/// a month that has ended by the app's clock.
struct Checked {
    currency: CurrencyRow,
    decay: Decay,
    month: Month,
    ledger_id: i64,
}

impl App {
    async fn check_decay_request(
        &self,
        db: &mut Db<'_>,
        tenant_id: i64,
        code: &str,
        month: &str,
    ) -> Result<Checked, AppError> {
        let currency = currency_by_code(db, tenant_id, code).await?;
        let month = Month::parse(month)?;
        let decay = decay_of(&currency)?;
        if month_end_us(month)? > self.clock_now_us() {
            return Err(month_error(
                "month_not_ended",
                format!("{month} has not ended yet: a month is run once it is over"),
            ));
        }
        let ledger_id = db
            .ledger_by_code(tenant_id, &currency.code)
            .await?
            .ok_or_else(|| AppError::Internal(format!("no ledger {}", currency.code)))?
            .id;
        Ok(Checked { currency, decay, month, ledger_id })
    }

    /// The month's decay of the currency `code`: what each wallet would be charged if the run
    /// were posted now, or the run itself once posted. Nothing is written.
    pub async fn preview_decay(
        &self,
        actor: &Actor,
        tenant_id: i64,
        code: &str,
        month: &str,
    ) -> Result<DecayView, AppError> {
        actor.require(Action::ViewCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let ck = self.check_decay_request(&mut db, tenant_id, code, month).await?;
        let c = &ck.currency;
        if let Some(run) = db.decay_run(c.id, &ck.month.to_string()).await?
            && run.state == "posted"
        {
            let lines = db.decay_lines(run.id).await?;
            return Ok(run_view(c, &run, &lines));
        }
        let p = plan(&mut db, c, ck.ledger_id, ck.month, ck.decay).await?;
        Ok(preview_view(c, ck.month, ck.decay, &p))
    }

    /// The currency and its posted runs, latest month first (without their lines).
    pub async fn decay_runs(&self, actor: &Actor, tenant_id: i64, code: &str) -> Result<DecayRunsView, AppError> {
        actor.require(Action::ViewCurrency, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let c = currency_by_code(&mut db, tenant_id, code).await?;
        let runs = db.decay_runs(c.id, DECAY_RUNS_SHOWN).await?;
        Ok(DecayRunsView {
            currency_id: c.id,
            code: c.code.clone(),
            name: c.name.clone(),
            decay: c.decay.clone(),
            runs: runs.iter().filter(|r| r.state == "posted").map(|r| run_view(&c, r, &[])).collect(),
        })
    }

    /// Posts the month's decay of the currency `code` (admins and officers). The charges are
    /// worked out again now, with the currency's row locked, and posted as one linked chain;
    /// a wallet that changed meanwhile makes the ledger refuse the chain, and the run is
    /// worked out again (a few times). Refused, with nothing changed, when the month is not a
    /// month, has not ended, comes before the latest run, or was run already, and when the
    /// currency has no decay.
    pub async fn post_decay(
        &self,
        actor: &Actor,
        tenant_id: i64,
        code: &str,
        month: &str,
    ) -> Result<DecayView, AppError> {
        actor.require(Action::ManageCurrency, &Resource::tenant(tenant_id))?;
        let mut last_refusal = TransferResult::Ok;
        for _ in 0..POST_ATTEMPTS {
            let (run, lines, c, ledger_id) = {
                let mut tx = self.store().begin().await?;
                let mut db = tx.db();
                let ck = self.check_decay_request(&mut db, tenant_id, code, month).await?;
                let c = ck.currency;
                db.lock_currency(c.id).await?;
                let month_text = ck.month.to_string();
                let (run, lines) = match db.decay_run(c.id, &month_text).await? {
                    Some(r) if r.state == "posted" => {
                        return Err(month_error(
                            "already_run",
                            format!("{month_text} was run for {} already: a month is run once", c.code),
                        ));
                    }
                    // Written and not yet through the ledger: the same transfers again.
                    Some(r) => {
                        let lines = db.decay_lines(r.id).await?;
                        (r, lines)
                    }
                    None => {
                        if let Some(later) = db.decay_runs(c.id, 1).await?.into_iter().find(|r| r.month > month_text) {
                            return Err(month_error(
                                "before_last_run",
                                format!("{} was run already; months are run in order", later.month),
                            ));
                        }
                        let p = plan(&mut db, &c, ck.ledger_id, ck.month, ck.decay).await?;
                        if p.charged_wallets() > i64::try_from(BATCH_MAX).unwrap_or(i64::MAX) {
                            return Err(month_error(
                                "too_many_wallets",
                                format!("A run charges at most {BATCH_MAX} wallets (one ledger batch)"),
                            ));
                        }
                        let (rate_bp, expiry_months) = match ck.decay {
                            Decay::Demurrage { rate_bp } => (Some(rate_bp), None),
                            Decay::Expiry { months } => (None, Some(months)),
                            Decay::None => (None, None),
                        };
                        let mut run = DecayRunRow {
                            id: 0,
                            tenant_id,
                            currency_id: c.id,
                            month: month_text.clone(),
                            kind: ck.decay.kind().into(),
                            state: "posting".into(),
                            rate_bp,
                            expiry_months,
                            cutoff_us: p.cutoff_us,
                            wallets: p.charged_wallets(),
                            balance_total_minor: p.balance_total(),
                            charged_total_minor: p.charged_total(),
                            carried_in_e4: p.carried_in_e4,
                            carried_out_e4: p.carried_out_e4,
                            posted_by: actor.audit_name(),
                            created_at_us: self.clock_now_us(),
                            posted_at_us: None,
                        };
                        run.id = db.insert_decay_run(&run).await.map_err(|e| {
                            if e.is_conflict_on("currency_decay_runs") || e.is_conflict_on("month") {
                                month_error("already_run", format!("{month_text} is being run already"))
                            } else {
                                e.into()
                            }
                        })?;
                        let mut lines = p.lines;
                        for l in &mut lines {
                            l.run_id = run.id;
                            db.insert_decay_line(l).await?;
                        }
                        (run, lines)
                    }
                };
                tx.commit().await?;
                (run, lines, c, ck.ledger_id)
            };

            let transfers = chain(&c, ledger_id, &run, &lines)?;
            let results = if transfers.is_empty() {
                Vec::new()
            } else {
                self.submit_transfers(&DECAY, tenant_id, transfers).await?
            };
            let refused = results.iter().copied().find(|r| !r.is_success());
            let mut tx = self.store().begin().await?;
            let mut db = tx.db();
            match refused {
                None => {
                    if db.mark_decay_run_posted(run.id, self.clock_now_us()).await? {
                        audit::append(
                            &mut db,
                            actor,
                            Some(tenant_id),
                            "currency.decay_posted",
                            &format!("currency_decay_run:{}", run.id),
                            serde_json::json!({"after": {"currency": c.code, "month": run.month, "kind": run.kind,
                                "wallets": run.wallets, "charged_total_minor": run.charged_total_minor,
                                "carried_in_e4": run.carried_in_e4, "carried_out_e4": run.carried_out_e4,
                                "reference": decay_reference(&c.code, &run.month)}}),
                        )
                        .await?;
                    }
                    let stored = db
                        .decay_run(c.id, &run.month)
                        .await?
                        .ok_or_else(|| AppError::Internal("decay run vanished".into()))?;
                    tx.commit().await?;
                    return Ok(run_view(&c, &stored, &lines));
                }
                Some(r) => {
                    // Nothing of the chain happened: forget the run and work it out again.
                    db.delete_decay_run(run.id).await?;
                    tx.commit().await?;
                    last_refusal = r;
                    if r != TransferResult::ExceedsCredits {
                        break;
                    }
                }
            }
        }
        Err(month_error(
            "ledger_refused",
            format!("The ledger refused the run ({last_refusal}); nothing was charged, try again"),
        ))
    }
}

/// The run's transfers as one linked chain (wallets charged nothing have none).
fn chain(c: &CurrencyRow, ledger: i64, run: &DecayRunRow, lines: &[DecayLineRow]) -> Result<Vec<Transfer>, AppError> {
    let (code, to) = match run.kind.as_str() {
        "expiry" => ("expiry", &c.issuance_account),
        _ => ("demurrage", &c.fees_account),
    };
    let to = stored_id(to)?;
    let reference = decay_reference(&c.code, &run.month);
    let mut chain = Vec::with_capacity(lines.len());
    for l in lines.iter().filter(|l| l.charge_minor > 0) {
        chain.push(Transfer {
            id: stored_id(&l.transfer_id)?,
            debit_account_id: stored_id(&l.wallet_account)?,
            credit_account_id: to,
            amount: l.charge_minor,
            ledger,
            code: code.into(),
            reference: Some(reference.clone()),
            flags: TransferFlags(TransferFlags::LINKED),
            pending_id: None,
            timeout_s: 0,
            timestamp: 0,
        });
    }
    if let Some(last) = chain.last_mut() {
        last.flags = TransferFlags::default();
    }
    Ok(chain)
}
