//! Payments at a merchant's point of sale: the shop types or scans a beneficiary's card code,
//! the beneficiary types the PIN, and the payment becomes a ledger transfer from the wallet to
//! the shop (transfer code `payment`, reference `category:{category}`). The payment id is the
//! transfer id, chosen by the till: the same request again pays once.
//!
//! How a payment is decided: the PIN is checked against the card's lock-out guard; then, with
//! the card's row locked, the rules of `koinon_core::merchant::payment::authorise` are checked
//! against the currency's categories and daily limit and the wallet's spendable balance read in
//! that same transaction, and the payment is reserved there (state `authorised`) so that a
//! concurrent payment of the same card counts it. That transaction is shared with the other
//! payments in flight (`currency_payment_writer`). The ledger then takes the transfer; its
//! balance flag on the wallet is the last guarantee that no wallet is overdrawn. A hold
//! (two-phase) reserves units as a pending transfer, later captured (possibly less) or voided.
//! Officers issue cards: a code from the operating system's randomness and a PIN.

use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::currency::Category;
use koinon_core::finance::format_date;
use koinon_core::ledger::{TIMEOUT_MAX_S, Transfer, TransferFlags, TransferResult, format_id, parse_id};
use koinon_core::merchant::MerchantStatus;
use koinon_core::merchant::card::{CARD_CODE_RANDOM_BYTES, CardCode, PinGuard, PinLock, new_pin};
use koinon_core::merchant::payment::{PaymentCheck, PaymentRefusal, authorise};
use koinon_core::money::{minor_to_decimal, parse_minor};
use koinon_core::role::Role;
use koinon_store::Db;
use koinon_store::currency::CurrencyRow;
use koinon_store::ledger::id_bytes;
use koinon_store::merchants::{MerchantRow, NewCard, PaymentRow};
use serde::{Deserialize, Serialize};

use crate::currency_payment_writer::Settlement;
use crate::ledger::NewAccountInput;
use crate::merchants::{id_text, load_merchant, merchant_resource, stored_id};
use crate::{Actor, App, AppError, Errors, audit};

/// Posts payments' transfers once the policy has let the merchant take them; the audit entry
/// of the payment names the merchant's user.
const PAYMENTS: Actor = Actor::System("payments");
/// How long a hold lasts when the till does not say: a day.
pub const HOLD_S_DEFAULT: i64 = 24 * 3600;
/// Rows of a merchant's statement CSV at most.
pub const STATEMENT_ROWS_MAX: i64 = 10_000;
/// Tries at a card code nobody has before giving up (a clash of 75 random bits).
const CARD_CODE_TRIES: usize = 3;

/// A payment as a till or the point-of-sale page sends it. The amount is decimal text in the
/// currency (`12.50`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PaymentInput {
    /// The till's id for the payment (a UUID): the ledger transfer's id.
    pub payment_id: String,
    pub merchant_id: i64,
    pub card_code: String,
    pub pin: String,
    pub amount: String,
    pub category: String,
    /// Hold the units now and capture later (two-phase).
    pub hold: bool,
    /// How long a hold lasts before the ledger releases it, in seconds.
    pub hold_s: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentView {
    pub id: String,
    pub merchant_id: i64,
    pub currency: String,
    pub scale: u8,
    /// `payment` or `hold`.
    pub kind: String,
    /// `authorised`, `posted`, `held`, `captured`, `voided`, `failed`.
    pub state: String,
    pub amount_minor: i64,
    pub captured_minor: Option<i64>,
    pub category: String,
    /// The last four symbols of the card (never the whole code).
    pub card: String,
    pub created_at_us: i64,
}

/// Why a payment was refused, with what the shop and the beneficiary can act on. `code` is
/// one of the core's refusal codes (`category_not_sold_here`, `insufficient_balance`,
/// `daily_limit`, ...) or `wrong_pin`, `card_locked`, `card_blocked`, `unknown_card`,
/// `card_replaced`, `card_other_currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub code: &'static str,
    /// The form field it is about.
    pub field: &'static str,
    pub message: String,
    /// Wrong PINs left before the card locks.
    pub attempts_left: Option<u32>,
    /// Until when the card is locked (Unix seconds).
    pub locked_until_s: Option<i64>,
    /// What the wallet may still spend (insufficient balance).
    pub available_minor: Option<i64>,
    /// What may still be spent today (daily limit).
    pub left_minor: Option<i64>,
}

impl Refusal {
    fn new(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            field,
            message: message.into(),
            attempts_left: None,
            locked_until_s: None,
            available_minor: None,
            left_minor: None,
        }
    }

    fn from_rule(r: PaymentRefusal, scale: u8, code_of_currency: &str) -> Self {
        let amount = |m: i64| format!("{} {code_of_currency}", minor_to_decimal(m, scale));
        let message = match r {
            PaymentRefusal::AmountMustBePositive => "The amount must be more than zero".to_string(),
            PaymentRefusal::AmountTooLarge => "The amount is larger than any single payment may be".to_string(),
            PaymentRefusal::MerchantNotAccredited => "This shop is not accredited to take the currency".to_string(),
            PaymentRefusal::MerchantSuspended => "This shop's accreditation is suspended".to_string(),
            PaymentRefusal::CategoryNotSoldHere => "This shop is not accredited for this category".to_string(),
            PaymentRefusal::CategoryNotAllowed => "The currency may not be spent on this category".to_string(),
            PaymentRefusal::UnitsExpired => "The units on this card have expired".to_string(),
            PaymentRefusal::InsufficientBalance { available_minor } => {
                format!("Not enough on the card: {} available", amount(available_minor))
            }
            PaymentRefusal::DailyLimit { left_minor } => {
                format!("Over the daily limit: {} may still be spent today", amount(left_minor))
            }
        };
        let mut out = Refusal::new(r.code(), r.field(), message);
        match r {
            PaymentRefusal::InsufficientBalance { available_minor } => out.available_minor = Some(available_minor),
            PaymentRefusal::DailyLimit { left_minor } => out.left_minor = Some(left_minor),
            _ => {}
        }
        out
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::Invalid(vec![FieldError::new(r.field, r.code, r.message)])
    }
}

/// A card just issued: the code to print (in groups of four) and where it pays from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedCard {
    pub card_id: i64,
    /// `K7QM-3XR2-9DHA-P0TZ`: shown once, to print on the card.
    pub code: String,
    pub household: String,
    pub currency: String,
    pub wallet: String,
}

/// A card to print: the code in groups of four and as the QR code holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintableCard {
    pub card_id: i64,
    /// `K7QM-3XR2-9DHA-P0TZ`.
    pub code: String,
    /// The 16 symbols without separators (what the QR code holds).
    pub raw_code: String,
    pub currency: String,
    pub currency_name: String,
    /// `active` or `replaced` (a replaced card is printed with a warning).
    pub status: String,
}

/// A card as officers see it (the code only by its last four symbols).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardView {
    pub id: i64,
    pub card: String,
    pub household_id: i64,
    pub status: String,
    pub pin_failures: i64,
    pub locked_until_s: Option<i64>,
}

pub(crate) fn last_four(code: &str) -> String {
    let n = code.chars().count();
    code.chars().skip(n.saturating_sub(4)).collect()
}

pub(crate) fn payment_view(p: &PaymentRow, c: &CurrencyRow, card_code: &str) -> PaymentView {
    PaymentView {
        id: id_text(&p.id),
        merchant_id: p.merchant_id,
        currency: c.code.clone(),
        scale: u8::try_from(c.scale).unwrap_or(0),
        kind: p.kind.clone(),
        state: p.state.clone(),
        amount_minor: p.amount_minor,
        captured_minor: p.captured_minor,
        category: p.category.clone(),
        card: last_four(card_code),
        created_at_us: p.created_at_us,
    }
}

fn payment_id(raw: &str) -> Result<u128, FieldError> {
    match parse_id(raw) {
        Some(0) | None => Err(FieldError::new(
            "payment_id",
            "invalid_id",
            "The payment id is a UUID the till chooses, like 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        )),
        Some(id) => Ok(id),
    }
}

/// A PIN as typed at the till: 4 to 6 digits (its strength was checked when it was set).
fn typed_pin(raw: &str) -> Result<String, FieldError> {
    let pin = raw.trim();
    if (4..=6).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(pin.to_string())
    } else {
        Err(FieldError::new("pin", "invalid_pin", "A PIN is 4 to 6 digits"))
    }
}

/// The UTC day of a moment (microseconds), `YYYY-MM-DD`.
fn day_of(at_us: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at_us / 1_000_000)
        .map(|t| format_date(t.date()))
        .unwrap_or_else(|_| "1970-01-01".into())
}

/// The moment (microseconds) `months` months before `at_us`, the day clamped to the month.
pub(crate) fn months_before(at_us: i64, months: i64) -> i64 {
    let Ok(now) = time::OffsetDateTime::from_unix_timestamp(at_us / 1_000_000) else { return 0 };
    let total = i64::from(now.year()) * 12 + i64::from(u8::from(now.month())) - 1 - months;
    let (Ok(year), Ok(month0)) = (i32::try_from(total.div_euclid(12)), u8::try_from(total.rem_euclid(12))) else {
        return 0;
    };
    let Ok(month) = time::Month::try_from(month0 + 1) else { return 0 };
    let day = now.day().min(month.length(year));
    match time::Date::from_calendar_date(year, month, day) {
        Ok(d) => now.replace_date(d).unix_timestamp().saturating_mul(1_000_000),
        Err(_) => 0,
    }
}

/// The merchant, if the actor may take its payments; someone else's shop is not found.
pub(crate) fn require_till(actor: &Actor, m: Option<MerchantRow>, merchant_id: i64) -> Result<MerchantRow, AppError> {
    match m {
        Some(m) if actor.require(Action::TakePayments, &merchant_resource(&m)).is_ok() => Ok(m),
        _ if actor.role() == Some(Role::Merchant) => Err(AppError::NotFound(format!("merchant {merchant_id}"))),
        _ => Err(AppError::Forbidden),
    }
}

/// The payment's transfer (or the hold's pending transfer).
fn payment_transfer(p: &PaymentRow, m: &MerchantRow, ledger: i64, hold_s: i64) -> Result<Transfer, AppError> {
    let id = stored_id(&p.id)?;
    let merchant_account =
        m.account.as_deref().ok_or_else(|| AppError::Internal(format!("merchant {} has no account", m.id)))?;
    let hold = p.kind == "hold";
    Ok(Transfer {
        id,
        debit_account_id: stored_id(&p.wallet_account)?,
        credit_account_id: stored_id(merchant_account)?,
        amount: p.amount_minor,
        ledger,
        code: "payment".into(),
        reference: Some(format!("category:{}", p.category)),
        flags: if hold { TransferFlags(TransferFlags::PENDING) } else { TransferFlags::default() },
        pending_id: None,
        timeout_s: if hold { hold_s } else { 0 },
        timestamp: 0,
    })
}

/// The id of a hold's capture or void: derived from the hold's, so a retry is the same one.
fn phase_id(hold: u128, what: &str) -> u128 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("koinon/payments/{what}/{}", format_id(hold)).as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    u128::from_be_bytes(b)
}

impl App {
    /// The id of a tenant's ledger (kept for a few seconds: a ledger never changes its id).
    async fn ledger_id_of(&self, tenant_id: i64, code: &str) -> Result<i64, AppError> {
        let ledgers = self.cached_ledgers(tenant_id).await?;
        match ledgers.iter().find(|l| l.code == code) {
            Some(l) => Ok(l.id),
            None => {
                let mut conn = self.store().conn().await?;
                let l = conn.db().ledger_by_code(tenant_id, code).await?;
                Ok(l.ok_or_else(|| AppError::Internal(format!("no ledger {code}")))?.id)
            }
        }
    }
}

/// A payment to check and reserve, as the payments' writer runs it: the PIN has been checked
/// against the card's hash already (slow on purpose, so outside the writer).
pub(crate) struct Authorisation {
    pub actor: Actor,
    pub tenant_id: i64,
    pub merchant_id: i64,
    pub currency: CurrencyRow,
    pub card_id: i64,
    pub pin_ok: bool,
    pub id: u128,
    pub amount: i64,
    pub category: Category,
    pub kind: &'static str,
    pub now_us: i64,
}

/// What the check made of a payment.
pub(crate) enum Decision {
    /// Refused: nothing of it is kept.
    Refused(Refusal),
    /// A wrong PIN: refused, and the failure is kept on the card (towards its lock-out).
    WrongPin(Refusal),
    /// Reserved (state `authorised`), at the merchant as it stood then.
    Authorised(Box<PaymentRow>, Box<MerchantRow>),
}

/// Checks a payment with the card's row locked and reserves it: the rules of
/// `koinon_core::merchant::payment::authorise` against the currency's categories and daily
/// limit, and the wallet's spendable balance read in the same transaction. A refusal writes
/// nothing (a wrong PIN writes its count); the audit entries of what it wrote are pushed to
/// `audit`, for the writer to append with the others of its transaction.
pub(crate) async fn authorise_in(
    db: &mut Db<'_>,
    a: &Authorisation,
    audit: &mut Vec<audit::Pending>,
) -> Result<Decision, AppError> {
    let Authorisation {
        actor,
        tenant_id,
        merchant_id,
        currency: c,
        card_id,
        pin_ok,
        id,
        amount,
        category,
        kind,
        now_us,
    } = a;
    let (tenant_id, amount, now_us, kind) = (*tenant_id, *amount, *now_us, *kind);
    let scale = u8::try_from(c.scale).unwrap_or(0);
    let now_s = now_us / 1_000_000;
    let card = db.lock_card_row(tenant_id, *card_id).await?.ok_or_else(|| AppError::NotFound("card".into()))?;
    let guard = PinGuard {
        failures: u32::try_from(card.pin_failures).unwrap_or(u32::MAX),
        locked_until_s: card.locked_until_s,
    };
    if let Err(lock) = guard.may_try(now_s) {
        return Ok(Decision::Refused(locked(lock)));
    }
    if !pin_ok {
        let after = guard.failed(now_s);
        db.set_card_guard(card.id, i64::from(after.failures), after.locked_until_s, now_us).await?;
        audit.push(audit::Pending::new(
            actor,
            Some(tenant_id),
            "card.wrong_pin",
            &format!("card:{}", card.id),
            serde_json::json!({"before": {"failures": guard.failures}, "after": {"failures": after.failures,
                "locked_until_s": after.locked_until_s}, "merchant_id": merchant_id}),
        ));
        return Ok(Decision::WrongPin(match after.may_try(now_s) {
            Err(lock) => {
                let mut r = locked(lock);
                r.message = format!("Wrong PIN. {}", r.message);
                r
            }
            Ok(()) => {
                let left = after.attempts_left();
                let mut r = Refusal::new(
                    "wrong_pin",
                    "pin",
                    format!("Wrong PIN: {left} more wrong PIN(s) and the card is locked for a while"),
                );
                r.attempts_left = Some(left);
                r
            }
        }));
    }
    let m = load_merchant(db, tenant_id, *merchant_id).await?;
    let (merchant_categories, allowed) = db.payment_categories(m.id, c.id).await?;
    // The reservations and the balance in one statement: on PostgreSQL both are of one
    // moment, so a payment the ledger takes meanwhile is counted once, in the debits.
    let day = day_of(now_us);
    // Units are spent oldest first: those issued before the expiry cut-off and not yet spent
    // have expired.
    let cutoff_us = match (c.decay.as_str(), c.expiry_months) {
        ("expiry", Some(months)) => Some(months_before(now_us, months)),
        _ => None,
    };
    let wallet = db.wallet_position(tenant_id, &card.wallet_account, &day, cutoff_us).await?;
    let spent_today = wallet.map_or(0, |w| w.spent_today);
    let (spendable, expired) = match &wallet {
        None => (0, 0),
        Some(w) => {
            let out = w.debits_posted.saturating_add(w.debits_pending).saturating_add(w.reserved);
            let available = w.credits_posted.saturating_sub(out);
            let expired = match cutoff_us {
                Some(_) => koinon_core::currency::rules::expired_fifo(w.issued_before, out, available),
                None => 0,
            };
            (available.saturating_sub(expired), expired)
        }
    };
    let status = MerchantStatus::parse(&m.status).unwrap_or(MerchantStatus::Refused);
    let check = PaymentCheck {
        amount_minor: amount,
        category: category.as_str(),
        merchant_status: status,
        merchant_categories: &merchant_categories,
        allowed_categories: &allowed,
        spendable_minor: spendable,
        expired_minor: expired,
        spent_today_minor: spent_today,
        daily_limit_minor: c.daily_spend_max_minor,
    };
    if let Err(r) = authorise(&check) {
        return Ok(Decision::Refused(Refusal::from_rule(r, scale, &c.code)));
    }
    // The right PIN: the count of wrong ones starts again.
    if guard.failures > 0 {
        db.set_card_guard(card.id, 0, None, now_us).await?;
    }
    let row = PaymentRow {
        id: id_bytes(*id),
        tenant_id,
        currency_id: c.id,
        merchant_id: m.id,
        card_id: card.id,
        wallet_account: card.wallet_account.clone(),
        kind: kind.into(),
        state: "authorised".into(),
        amount_minor: amount,
        captured_minor: None,
        category: category.as_str().to_string(),
        day,
        failure: None,
        created_by: actor.audit_name(),
        created_at_us: now_us,
        updated_at_us: now_us,
    };
    db.insert_payment(&row).await.map_err(|e| {
        if e.is_conflict_on("currency_payments") || e.is_conflict_on("id") {
            AppError::conflict("payment_id", "This payment id is being used by another payment")
        } else {
            e.into()
        }
    })?;
    audit.push(audit::Pending::new(
        actor,
        Some(tenant_id),
        if kind == "hold" { "currency.payment_hold" } else { "currency.payment" },
        &format!("payment:{}", format_id(*id)),
        serde_json::json!({"after": {"merchant_id": m.id, "card_id": card.id, "amount_minor": amount,
            "category": row.category, "kind": kind}}),
    ));
    Ok(Decision::Authorised(Box::new(row), Box::new(m)))
}

impl App {
    /// Takes a payment from a card at a merchant's point of sale (the merchant's own user).
    /// The outer error is about the request (bad input, not allowed, a payment id used for
    /// another payment); the inner one is the payment refused, with its reason. A wrong PIN is
    /// counted; any other refusal changes nothing.
    pub async fn take_payment(
        &self,
        actor: &Actor,
        tenant_id: i64,
        input: &PaymentInput,
    ) -> Result<Result<PaymentView, Refusal>, AppError> {
        let m = {
            let mut conn = self.store().conn().await?;
            require_till(actor, conn.db().merchant(tenant_id, input.merchant_id).await?, input.merchant_id)?
        };
        self.take_payment_at(actor, tenant_id, m, input).await
    }

    /// Takes a payment at the merchant `m`, whoever may pay there has been decided: the shop's
    /// own user at its till, or the beneficiary through the shop's payment link
    /// (`currency_pay`). Everything else is the same for both.
    pub(crate) async fn take_payment_at(
        &self,
        actor: &Actor,
        tenant_id: i64,
        m: MerchantRow,
        input: &PaymentInput,
    ) -> Result<Result<PaymentView, Refusal>, AppError> {
        let c = {
            let mut conn = self.store().conn().await?;
            conn.db()
                .currency(tenant_id, m.currency_id)
                .await?
                .ok_or_else(|| AppError::Internal(format!("merchant {}: no currency", m.id)))?
        };
        let scale = u8::try_from(c.scale).unwrap_or(0);
        let mut errors = Errors::default();
        let id = errors.take(payment_id(&input.payment_id));
        let card_code = errors.take(CardCode::parse("card_code", &input.card_code));
        let pin = errors.take(typed_pin(&input.pin));
        let amount = errors.take(if input.amount.trim().is_empty() {
            Err(FieldError::new("amount", "required", "Type the amount"))
        } else {
            parse_minor("amount", &input.amount, scale)
        });
        let category = errors.take(Category::parse("category", &input.category));
        let hold_s = input.hold_s.unwrap_or(HOLD_S_DEFAULT);
        if input.hold && !(1..=TIMEOUT_MAX_S).contains(&hold_s) {
            errors.push(FieldError::new(
                "hold_s",
                "invalid_hold",
                format!("A hold lasts 1 to {TIMEOUT_MAX_S} seconds"),
            ));
        }
        errors.finish()?;
        let (Some(id), Some(card_code), Some(pin), Some(amount), Some(category)) =
            (id, card_code, pin, amount, category)
        else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let kind = if input.hold { "hold" } else { "payment" };
        let hold_s = if input.hold { hold_s } else { 0 };

        // The same payment again: the first one's answer.
        let card = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            let card = db.card_by_code(tenant_id, card_code.as_str()).await?;
            if let Some(existing) = db.payment(&id_bytes(id)).await? {
                let same = existing.tenant_id == tenant_id
                    && existing.merchant_id == m.id
                    && card.as_ref().is_some_and(|k| k.id == existing.card_id)
                    && existing.amount_minor == amount
                    && existing.category == category.as_str()
                    && existing.kind == kind;
                if !same {
                    return Err(AppError::conflict("payment_id", "This payment id was used for another payment"));
                }
                drop(conn);
                return self.finish_payment(existing, &m, &c, card_code.as_str(), hold_s).await;
            }
            card
        };
        let Some(card) = card else {
            return Ok(Err(Refusal::new(
                "unknown_card",
                "card_code",
                "No card has this code: check it against the card",
            )));
        };
        if card.status != "active" {
            return Ok(Err(Refusal::new("card_replaced", "card_code", "This card was replaced by a newer one")));
        }
        if card.currency_id != c.id {
            return Ok(Err(Refusal::new("card_other_currency", "card_code", "This card is for another currency")));
        }
        let hash = card.pin_hash.clone();
        let pin_ok = tokio::task::spawn_blocking(move || crate::auth::pin_matches(&pin, &hash))
            .await
            .map_err(|e| AppError::Internal(format!("PIN check: {e}")))?;

        let decision = self
            .authorise_payment(Authorisation {
                actor: actor.clone(),
                tenant_id,
                merchant_id: m.id,
                currency: c.clone(),
                card_id: card.id,
                pin_ok,
                id,
                amount,
                category,
                kind,
                now_us: self.clock_now_us(),
            })
            .await?;
        match decision {
            Decision::Refused(r) | Decision::WrongPin(r) => Ok(Err(r)),
            Decision::Authorised(row, m) => self.finish_payment(*row, &m, &c, card_code.as_str(), hold_s).await,
        }
    }

    /// Hands an authorised payment to the ledger and records what became of it; a payment
    /// already through is answered as it stands.
    async fn finish_payment(
        &self,
        p: PaymentRow,
        m: &MerchantRow,
        c: &CurrencyRow,
        card_code: &str,
        hold_s: i64,
    ) -> Result<Result<PaymentView, Refusal>, AppError> {
        if p.state != "authorised" {
            if p.state == "failed" {
                return Ok(Err(Refusal::new(
                    "ledger_refused",
                    "amount",
                    format!("The ledger refused this payment: {}", p.failure.as_deref().unwrap_or("refused")),
                )));
            }
            return Ok(Ok(payment_view(&p, c, card_code)));
        }
        let ledger = self.ledger_id_of(c.tenant_id, &c.code).await?;
        let transfer = payment_transfer(&p, m, ledger, hold_s)?;
        let results = self.submit_transfers(&PAYMENTS, c.tenant_id, vec![transfer]).await?;
        let result = results.first().copied().unwrap_or(TransferResult::LinkedEventFailed);
        let (to, failure, outcome) = if result.is_success() {
            (if p.kind == "hold" { "held" } else { "posted" }, None, Ok(()))
        } else {
            ("failed", Some(result.as_str().to_string()), Err(result))
        };
        let stored = self
            .settle_payment(Settlement { payment: p, to, failure, at_us: App::now_us() })
            .await?
            .ok_or_else(|| AppError::Internal("payment vanished".into()))?;
        Ok(match outcome {
            Ok(()) => Ok(payment_view(&stored, c, card_code)),
            Err(TransferResult::ExceedsCredits) => {
                let mut r = Refusal::new("insufficient_balance", "amount", "Not enough on the card");
                r.available_minor = None;
                Err(r)
            }
            Err(other) => {
                Err(Refusal::new("ledger_refused", "amount", format!("The ledger refused this payment: {other}")))
            }
        })
    }

    /// Captures a hold: `amount` (decimal text, at most what was held; empty: all of it) is
    /// paid to the shop and the rest released. The same capture again changes nothing.
    pub async fn capture_payment(
        &self,
        actor: &Actor,
        tenant_id: i64,
        payment: &str,
        amount: &str,
    ) -> Result<PaymentView, AppError> {
        self.resolve_hold(actor, tenant_id, payment, Some(amount)).await
    }

    /// Releases a hold: nothing is paid. The same void again changes nothing.
    pub async fn void_payment(&self, actor: &Actor, tenant_id: i64, payment: &str) -> Result<PaymentView, AppError> {
        self.resolve_hold(actor, tenant_id, payment, None).await
    }

    async fn resolve_hold(
        &self,
        actor: &Actor,
        tenant_id: i64,
        payment: &str,
        capture: Option<&str>,
    ) -> Result<PaymentView, AppError> {
        let (p, _, c, card) = self.load_payment(actor, tenant_id, payment, true).await?;
        let scale = u8::try_from(c.scale).unwrap_or(0);
        let amount = match capture {
            None => None,
            Some(raw) if raw.trim().is_empty() => Some(p.amount_minor),
            Some(raw) => {
                let a = parse_minor("amount", raw, scale)?;
                if a <= 0 || a > p.amount_minor {
                    return Err(AppError::invalid(
                        "amount",
                        "amount_exceeds_hold",
                        format!(
                            "Capture more than zero and at most the {} held",
                            minor_to_decimal(p.amount_minor, scale)
                        ),
                    ));
                }
                Some(a)
            }
        };
        let (to, what) = if amount.is_some() { ("captured", "capture") } else { ("voided", "void") };
        if p.kind != "hold" {
            return Err(AppError::invalid("payment_id", "not_a_hold", "This payment was not a hold"));
        }
        match p.state.as_str() {
            "held" => {}
            s if s == to && (amount.is_none() || p.captured_minor == amount) => return Ok(payment_view(&p, &c, &card)),
            other => {
                return Err(AppError::invalid("payment_id", "hold_not_open", format!("The hold is {other}")));
            }
        }
        let hold_id = stored_id(&p.id)?;
        let transfer = Transfer {
            id: phase_id(hold_id, what),
            debit_account_id: 0,
            credit_account_id: 0,
            amount: amount.unwrap_or(0),
            ledger: 0,
            code: "payment".into(),
            reference: Some(format!("category:{}", p.category)),
            flags: TransferFlags(if amount.is_some() {
                TransferFlags::POST_PENDING
            } else {
                TransferFlags::VOID_PENDING
            }),
            pending_id: Some(hold_id),
            timeout_s: 0,
            timestamp: 0,
        };
        let results = self.submit_transfers(&PAYMENTS, tenant_id, vec![transfer]).await?;
        let result = results.first().copied().unwrap_or(TransferResult::LinkedEventFailed);
        let now = App::now_us();
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        match result {
            r if r.is_success() => {
                db.set_payment_state(&p.id, "held", to, amount, None, now).await?;
                audit::append(
                    &mut db,
                    actor,
                    Some(tenant_id),
                    &format!("currency.payment_{what}"),
                    &format!("payment:{}", id_text(&p.id)),
                    serde_json::json!({"before": {"state": "held", "amount_minor": p.amount_minor},
                        "after": {"state": to, "captured_minor": amount}}),
                )
                .await?;
            }
            TransferResult::PendingTransferExpired | TransferResult::PendingTransferAlreadyVoided => {
                db.set_payment_state(&p.id, "held", "voided", None, Some("expired"), now).await?;
                tx.commit().await?;
                return Err(AppError::invalid(
                    "payment_id",
                    "hold_expired",
                    "The hold expired: the units were released",
                ));
            }
            other => {
                return Err(AppError::invalid(
                    "payment_id",
                    "ledger_refused",
                    format!("The ledger refused the {what}: {other}"),
                ));
            }
        }
        let stored = db.payment(&p.id).await?.ok_or_else(|| AppError::Internal("payment vanished".into()))?;
        tx.commit().await?;
        Ok(payment_view(&stored, &c, &card))
    }

    /// A payment (the merchant that took it; staff who see merchants).
    pub async fn payment(&self, actor: &Actor, tenant_id: i64, payment: &str) -> Result<PaymentView, AppError> {
        let (p, _, c, card) = self.load_payment(actor, tenant_id, payment, false).await?;
        Ok(payment_view(&p, &c, &card))
    }

    async fn load_payment(
        &self,
        actor: &Actor,
        tenant_id: i64,
        payment: &str,
        till_only: bool,
    ) -> Result<(PaymentRow, MerchantRow, CurrencyRow, String), AppError> {
        let not_found = || AppError::NotFound(format!("payment {payment}"));
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let id = parse_id(payment).ok_or_else(not_found)?;
        let p = db.payment(&id_bytes(id)).await?.filter(|p| p.tenant_id == tenant_id);
        let m = match &p {
            Some(p) => db.merchant(tenant_id, p.merchant_id).await?,
            None => None,
        };
        let staff = !till_only && actor.require(Action::ViewMerchants, &Resource::tenant(tenant_id)).is_ok();
        let m = if staff {
            m.ok_or_else(not_found)?
        } else {
            require_till(actor, m, 0).map_err(|e| if matches!(e, AppError::NotFound(_)) { not_found() } else { e })?
        };
        let p = p.ok_or_else(not_found)?;
        let c = db
            .currency(tenant_id, p.currency_id)
            .await?
            .ok_or_else(|| AppError::Internal("payment without currency".into()))?;
        let card = db.card(tenant_id, p.card_id).await?.map(|k| k.code).unwrap_or_default();
        Ok((p, m, c, card))
    }

    /// The latest payments a merchant took (its own user; staff), newest first.
    pub async fn merchant_payments(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
        limit: Option<i64>,
    ) -> Result<Vec<PaymentView>, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let m = db.merchant(tenant_id, merchant_id).await?;
        let m = if actor.require(Action::ViewMerchants, &Resource::tenant(tenant_id)).is_ok() {
            m.ok_or_else(|| AppError::NotFound(format!("merchant {merchant_id}")))?
        } else {
            require_till(actor, m, merchant_id)?
        };
        let c = db.currency(tenant_id, m.currency_id).await?.ok_or_else(|| AppError::Internal("no currency".into()))?;
        let rows = db.merchant_payments(m.id, i64::MAX, crate::page_limit(limit)).await?;
        let mut out = Vec::with_capacity(rows.len());
        for p in rows {
            let card = db.card(tenant_id, p.card_id).await?.map(|k| k.code).unwrap_or_default();
            out.push(payment_view(&p, &c, &card));
        }
        Ok(out)
    }

    // ---- cards ----

    /// Issues a card to a household of a programme: a new code from the operating system's
    /// randomness and the PIN the household chose (4 to 6 digits, not an obvious one). The
    /// household's wallet is opened if the first issuance has not opened it yet; an earlier card
    /// of the wallet stops working.
    pub async fn issue_card(
        &self,
        actor: &Actor,
        tenant_id: i64,
        household_id: i64,
        pin: &str,
    ) -> Result<IssuedCard, AppError> {
        actor.require(Action::ManageCards, &Resource::tenant(tenant_id))?;
        let pin = new_pin("pin", pin)?;
        let (household, c) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            let not_found = || AppError::NotFound(format!("household {household_id}"));
            let h = db.household(household_id).await?.ok_or_else(not_found)?;
            let p = db.programme(tenant_id, h.programme_id).await?.ok_or_else(not_found)?;
            let c = db.currency(tenant_id, p.currency_id).await?.ok_or_else(not_found)?;
            (h, c)
        };
        let wallet = crate::currency::wallet_id(tenant_id, &c.code, &household.household);
        let results = self
            .create_accounts(
                &PAYMENTS,
                tenant_id,
                &[NewAccountInput {
                    id: format_id(wallet),
                    ledger: c.code.clone(),
                    code: "wallet".into(),
                    owner: Some(format!("household:{}", household.household)),
                    flags: vec!["debits_must_not_exceed_credits".into()],
                }],
            )
            .await?;
        if let Some(bad) = results.iter().find(|r| r.result != "ok" && r.result != "exists") {
            return Err(AppError::Internal(format!("wallet {}: {}", bad.id, bad.result)));
        }
        let hash = tokio::task::spawn_blocking(move || crate::auth::hash_pin(&pin))
            .await
            .map_err(|e| AppError::Internal(format!("PIN hashing: {e}")))??;
        self.insert_card(actor, household_id, &household.household, &c, wallet, &hash).await
    }

    /// Writes a new card of a household whose wallet is open, with its PIN's hash, in one
    /// transaction with its audit entry; the household's earlier card stops working.
    pub(crate) async fn insert_card(
        &self,
        actor: &Actor,
        household_id: i64,
        household: &str,
        c: &CurrencyRow,
        wallet: koinon_core::ledger::Id,
        hash: &str,
    ) -> Result<IssuedCard, AppError> {
        let tenant_id = c.tenant_id;
        for _ in 0..CARD_CODE_TRIES {
            let mut bytes = [0u8; CARD_CODE_RANDOM_BYTES];
            getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random generator: {e}")))?;
            let code = CardCode::from_random(bytes);
            let mut tx = self.store().begin().await?;
            let mut db = tx.db();
            let now = App::now_us();
            let replaced = db.replace_cards(&id_bytes(wallet), now).await?;
            let inserted = db
                .insert_card(&NewCard {
                    tenant_id,
                    currency_id: c.id,
                    household_id,
                    code: code.as_str(),
                    wallet_account: &id_bytes(wallet),
                    pin_hash: hash,
                    issued_by: &actor.audit_name(),
                    at_us: now,
                })
                .await;
            let card_id = match inserted {
                Ok(id) => id,
                Err(e) if e.is_conflict_on("currency_cards_code_key") || e.is_conflict_on("code") => continue,
                Err(e) => return Err(e.into()),
            };
            audit::append(
                &mut db,
                actor,
                Some(tenant_id),
                "card.issue",
                &format!("card:{card_id}"),
                serde_json::json!({"after": {"household_id": household_id, "currency": c.code,
                    "card": last_four(code.as_str()), "replaced": replaced}}),
            )
            .await?;
            tx.commit().await?;
            return Ok(IssuedCard {
                card_id,
                code: code.to_string(),
                household: household.to_string(),
                currency: c.code.clone(),
                wallet: format_id(wallet),
            });
        }
        Err(AppError::Internal("no free card code after several tries".into()))
    }

    /// A card as it is printed for the household (officers): the whole code, the currency
    /// and the municipality.
    pub async fn printable_card(&self, actor: &Actor, tenant_id: i64, card_id: i64) -> Result<PrintableCard, AppError> {
        actor.require(Action::ManageCards, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let card = db.card(tenant_id, card_id).await?.ok_or_else(|| AppError::NotFound(format!("card {card_id}")))?;
        let c = db
            .currency(tenant_id, card.currency_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("card {card_id}: no currency")))?;
        let code = CardCode::parse("card_code", &card.code)
            .map_err(|_| AppError::Internal(format!("card {card_id}: stored code does not read")))?;
        Ok(PrintableCard {
            card_id,
            code: code.to_string(),
            raw_code: code.as_str().to_string(),
            currency: c.code,
            currency_name: c.name,
            status: card.status,
        })
    }

    /// Clears a card's wrong-PIN count and lock (after a beneficiary proved who they are).
    pub async fn unlock_card(&self, actor: &Actor, tenant_id: i64, card_id: i64) -> Result<CardView, AppError> {
        actor.require(Action::ManageCards, &Resource::tenant(tenant_id))?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let card = db.card(tenant_id, card_id).await?.ok_or_else(|| AppError::NotFound(format!("card {card_id}")))?;
        db.set_card_guard(card_id, 0, None, App::now_us()).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "card.unlock",
            &format!("card:{card_id}"),
            serde_json::json!({"before": {"failures": card.pin_failures, "locked_until_s": card.locked_until_s},
                "after": {"failures": 0}}),
        )
        .await?;
        tx.commit().await?;
        Ok(CardView {
            id: card.id,
            card: last_four(&card.code),
            household_id: card.household_id,
            status: card.status,
            pin_failures: 0,
            locked_until_s: None,
        })
    }
}

fn locked(lock: PinLock) -> Refusal {
    match lock {
        PinLock::LockedUntil(until) => {
            let mut r = Refusal::new(
                "card_locked",
                "pin",
                "Too many wrong PINs: the card is locked for a while; try again later",
            );
            r.locked_until_s = Some(until);
            r
        }
        PinLock::Blocked => Refusal::new(
            "card_blocked",
            "pin",
            "Too many wrong PINs: the card is blocked until the social services unlock it",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_months_before_are_calendar_exact() {
        // 2026-03-31 12:00 UTC.
        let at = 1_774_958_400_000_000;
        assert_eq!(day_of(at), "2026-03-31");
        // One month before the 31st of March is the 28th of February (clamped), same time.
        assert_eq!(day_of(months_before(at, 1)), "2026-02-28");
        assert_eq!(months_before(at, 1) % 86_400_000_000, at % 86_400_000_000);
        assert_eq!(day_of(months_before(at, 3)), "2025-12-31");
        assert_eq!(day_of(months_before(at, 25)), "2024-02-29");
        assert_eq!(day_of(months_before(at, 0)), "2026-03-31");
    }

    #[test]
    fn typed_pins_and_payment_ids_name_their_field() {
        assert_eq!(typed_pin(" 1234 "), Ok("1234".to_string()));
        assert_eq!(typed_pin("12a4").map_err(|e| (e.field, e.code)), Err(("pin".to_string(), "invalid_pin")));
        assert_eq!(payment_id("0").map_err(|e| e.field), Err("payment_id".to_string()));
        assert_eq!(payment_id("00000000-0000-0000-0000-000000000000").map_err(|e| e.code), Err("invalid_id"));
        assert!(payment_id("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").is_ok());
        assert_eq!(last_four("K7QM3XR29DHAP0TZ"), "P0TZ");
    }
}
