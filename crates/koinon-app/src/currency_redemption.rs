//! What a merchant does with the units it took: pay another accredited merchant of the same
//! currency (circulation: transfer code `circulation`, merchant → merchant), and redeem units
//! to euros with the currency's fee (`redemption`, merchant → issuance: the units are retired;
//! `redemption_fee`, merchant → fees; and on the euro ledger `payout`, guarantee fund → the
//! merchant's euro account). A redemption is one linked chain across both ledgers: all of it
//! or nothing. Ids come from the merchant's request id (a UUID), so a retry moves nothing more.
//!
//! The fee: units are redeemed oldest first. Of the merchant's balance, what it received within
//! the currency's early-redemption window pays the early fee, the rest the ordinary fee; each
//! part is split exactly (`koinon_core::currency::RedemptionFee`). The payout is the euros the
//! retired units are worth at the currency's rate, rounded down (the fraction of a cent stays
//! in the fund, so the fund still backs every unit outstanding).

use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::currency::{ExchangeRate, RedemptionFee};
use koinon_core::ledger::{Id, Transfer, TransferFlags, TransferResult, format_id, parse_id};
use koinon_core::money::{minor_to_decimal, parse_minor};
use koinon_core::role::Role;
use koinon_store::ledger::id_bytes;
use koinon_store::merchants::MerchantRow;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ledger::NewAccountInput;
use crate::merchants::{merchant_resource, stored_id};
use crate::{Actor, App, AppError, Errors, audit};

/// Posts merchants' circulation and redemption transfers once the policy has let the
/// merchant's user act; the audit entry names the user.
const REDEMPTION: Actor = Actor::System("redemption");

/// A payment from one merchant to another.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CirculationInput {
    /// The merchant's id for it (a UUID): the transfer's id.
    pub payment_id: String,
    pub to_merchant_id: i64,
    /// Decimal text in the currency.
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CirculationView {
    pub id: String,
    pub from_merchant_id: i64,
    pub to_merchant_id: i64,
    pub currency: String,
    pub scale: u8,
    pub amount_minor: i64,
}

/// A redemption request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RedemptionInput {
    /// The merchant's id for the request (a UUID).
    pub request_id: String,
    /// Units to redeem, decimal text in the currency.
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedemptionView {
    pub id: String,
    pub merchant_id: i64,
    pub currency: String,
    pub scale: u8,
    /// Units redeemed: `fee_minor + retired_minor`.
    pub amount_minor: i64,
    /// Units kept as the fee (to the currency's `fees` account).
    pub fee_minor: i64,
    /// Units retired (back to the `issuance` account).
    pub retired_minor: i64,
    /// Euro cents paid from the guarantee fund to the merchant's euro account.
    pub payout_eur_minor: i64,
    /// The merchant's euro account (UUID).
    pub euro_account: String,
}

/// A merchant's units and euros.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MerchantBalance {
    pub merchant_id: i64,
    pub currency: String,
    pub scale: u8,
    /// Units it may pay or redeem.
    pub balance_minor: i64,
    /// Of those, received within the early-redemption window (they pay the early fee).
    pub recent_minor: i64,
    /// Euro cents in its euro account (0 before its first redemption).
    pub euro_minor: i64,
}

fn derived(parts: &str) -> Id {
    let digest = Sha256::digest(format!("koinon/redemption/{parts}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    u128::from_be_bytes(b)
}

fn uuid(field: &str, raw: &str) -> Result<Id, FieldError> {
    match parse_id(raw) {
        Some(0) | None => Err(FieldError::new(field, "invalid_id", format!("{field} is a UUID the caller chooses"))),
        Some(id) => Ok(id),
    }
}

/// The merchant, if the actor is its own user; someone else's shop is not found.
fn require_own(actor: &Actor, m: Option<MerchantRow>, merchant_id: i64) -> Result<MerchantRow, AppError> {
    match m {
        Some(m) if actor.require(Action::TakePayments, &merchant_resource(&m)).is_ok() => Ok(m),
        _ if actor.role() == Some(Role::Merchant) => Err(AppError::NotFound(format!("merchant {merchant_id}"))),
        _ => Err(AppError::Forbidden),
    }
}

/// The fee of redeeming `amount` units oldest first from a balance of which `recent` were
/// received within the early window: (fee, retired).
pub fn redemption_split(fee: &RedemptionFee, balance: i64, recent: i64, amount: i64) -> (i64, i64) {
    let recent = recent.clamp(0, balance.max(0));
    let old = balance.max(0) - recent;
    let from_old = amount.min(old).max(0);
    let from_recent = (amount - from_old).max(0);
    let late_days = fee.early_days.unwrap_or(0);
    let a = fee.split(from_old, late_days);
    let b = fee.split(from_recent, 0);
    let fee_minor = a.fee_minor + b.fee_minor;
    (fee_minor, amount - fee_minor)
}

/// Euro cents that `units_minor` units are worth at `rate`, rounded down.
pub fn payout_eur(rate: ExchangeRate, units_minor: i64, scale: u8) -> i64 {
    if units_minor <= 0 {
        return 0;
    }
    let num = i128::from(units_minor) * 100 * i128::from(rate.euros);
    let den = 10_i128.pow(u32::from(scale)) * i128::from(rate.units);
    i64::try_from(num / den).unwrap_or(0)
}

impl App {
    async fn merchant_position(&self, m: &MerchantRow, fee: &RedemptionFee) -> Result<(i64, i64), AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let Some(account) = m.account.as_deref() else { return Ok((0, 0)) };
        let a = db.ledger_account(m.tenant_id, stored_id(account)?).await?;
        let balance =
            a.map_or(0, |a| a.credits_posted.saturating_sub(a.debits_posted).saturating_sub(a.debits_pending));
        let recent = match fee.early_days {
            Some(days) => {
                let since = App::now_us().saturating_sub(days.saturating_mul(86_400_000_000));
                db.account_credits_since(account, since).await?
            }
            None => 0,
        };
        Ok((balance, recent.min(balance).max(0)))
    }

    /// A merchant's units (and how many were received recently) and its euros (its own user;
    /// staff who see merchants).
    pub async fn merchant_balance(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
    ) -> Result<MerchantBalance, AppError> {
        let (m, c) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            let m = db.merchant(tenant_id, merchant_id).await?;
            let m = if actor.require(Action::ViewMerchants, &Resource::tenant(tenant_id)).is_ok() {
                m.ok_or_else(|| AppError::NotFound(format!("merchant {merchant_id}")))?
            } else {
                require_own(actor, m, merchant_id)?
            };
            let c =
                db.currency(tenant_id, m.currency_id).await?.ok_or_else(|| AppError::Internal("no currency".into()))?;
            (m, c)
        };
        let fee = RedemptionFee {
            fee_bp: c.redemption_fee_bp,
            early_fee_bp: c.early_redemption_fee_bp,
            early_days: c.early_redemption_days,
        };
        let (balance, recent) = self.merchant_position(&m, &fee).await?;
        let euro_minor = match m.euro_account.as_deref() {
            Some(e) => {
                let mut conn = self.store().conn().await?;
                conn.db()
                    .ledger_account(tenant_id, stored_id(e)?)
                    .await?
                    .map_or(0, |a| a.credits_posted - a.debits_posted)
            }
            None => 0,
        };
        Ok(MerchantBalance {
            merchant_id,
            currency: c.code,
            scale: u8::try_from(c.scale).unwrap_or(0),
            balance_minor: balance,
            recent_minor: recent,
            euro_minor,
        })
    }

    /// Pays another accredited merchant of the same currency (the paying merchant's user).
    pub async fn pay_merchant(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
        input: &CirculationInput,
    ) -> Result<CirculationView, AppError> {
        let (from, to, c) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            let from = require_own(actor, db.merchant(tenant_id, merchant_id).await?, merchant_id)?;
            let c = db
                .currency(tenant_id, from.currency_id)
                .await?
                .ok_or_else(|| AppError::Internal("no currency".into()))?;
            let to = db.merchant(tenant_id, input.to_merchant_id).await?;
            (from, to, c)
        };
        let scale = u8::try_from(c.scale).unwrap_or(0);
        let mut errors = Errors::default();
        let id = errors.take(uuid("payment_id", &input.payment_id));
        let amount = errors.take(
            parse_minor("amount", &input.amount, scale).and_then(|a| koinon_core::currency::amount("amount", a, true)),
        );
        let to = match to {
            Some(t) if t.currency_id == from.currency_id && t.status == "accredited" && t.id != from.id => Some(t),
            _ => {
                errors.push(FieldError::new(
                    "to_merchant_id",
                    "merchant_not_accredited",
                    "Pay an accredited merchant of the same currency (not oneself)",
                ));
                None
            }
        };
        if from.status != "accredited" {
            errors.push(FieldError::new(
                "merchant",
                "merchant_not_accredited",
                "Only an accredited merchant pays others",
            ));
        }
        errors.finish()?;
        let (Some(id), Some(amount), Some(to)) = (id, amount, to) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let (Some(from_account), Some(to_account)) = (from.account.as_deref(), to.account.as_deref()) else {
            return Err(AppError::Internal("an accredited merchant without an account".into()));
        };
        let ledger = {
            let mut conn = self.store().conn().await?;
            conn.db()
                .ledger_by_code(tenant_id, &c.code)
                .await?
                .ok_or_else(|| AppError::Internal("no ledger".into()))?
                .id
        };
        let transfer = Transfer {
            id,
            debit_account_id: stored_id(from_account)?,
            credit_account_id: stored_id(to_account)?,
            amount,
            ledger,
            code: "circulation".into(),
            reference: Some(format!("merchant:{}/merchant:{}", from.id, to.id)),
            flags: TransferFlags::default(),
            pending_id: None,
            timeout_s: 0,
            timestamp: 0,
        };
        let result = self.submit_transfers(&REDEMPTION, tenant_id, vec![transfer]).await?;
        match result.first().copied() {
            Some(TransferResult::Ok) => {
                let mut tx = self.store().begin().await?;
                let mut db = tx.db();
                audit::append(
                    &mut db,
                    actor,
                    Some(tenant_id),
                    "currency.circulation",
                    &format!("transfer:{}", format_id(id)),
                    serde_json::json!({"after": {"from_merchant_id": from.id, "to_merchant_id": to.id, "amount_minor": amount}}),
                )
                .await?;
                tx.commit().await?;
            }
            Some(TransferResult::Exists) => {}
            Some(TransferResult::ExistsWithDifferentFields) => {
                return Err(AppError::conflict("payment_id", "This payment id was used for another payment"));
            }
            Some(TransferResult::ExceedsCredits) => {
                return Err(AppError::invalid(
                    "amount",
                    "insufficient_balance",
                    "The merchant does not hold that many units",
                ));
            }
            other => {
                return Err(AppError::invalid(
                    "amount",
                    "ledger_refused",
                    format!("The ledger refused the payment: {}", other.map_or("no result", TransferResult::as_str)),
                ));
            }
        }
        Ok(CirculationView {
            id: format_id(id),
            from_merchant_id: from.id,
            to_merchant_id: to.id,
            currency: c.code,
            scale,
            amount_minor: amount,
        })
    }

    /// Redeems units to euros (the merchant's user; accredited or suspended merchants): the fee
    /// to the currency's fees account, the rest retired, its euros paid from the guarantee
    /// fund to the merchant's euro account (opened at its first redemption), as one chain.
    pub async fn redeem(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
        input: &RedemptionInput,
    ) -> Result<RedemptionView, AppError> {
        let (m, c) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            let m = require_own(actor, db.merchant(tenant_id, merchant_id).await?, merchant_id)?;
            let c =
                db.currency(tenant_id, m.currency_id).await?.ok_or_else(|| AppError::Internal("no currency".into()))?;
            (m, c)
        };
        let scale = u8::try_from(c.scale).unwrap_or(0);
        let mut errors = Errors::default();
        let id = errors.take(uuid("request_id", &input.request_id));
        let amount = errors.take(
            parse_minor("amount", &input.amount, scale).and_then(|a| koinon_core::currency::amount("amount", a, true)),
        );
        if !matches!(m.status.as_str(), "accredited" | "suspended") {
            errors.push(FieldError::new("merchant", "merchant_not_accredited", "Only accredited merchants redeem"));
        }
        errors.finish()?;
        let (Some(id), Some(amount)) = (id, amount) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let account = m.account.as_deref().ok_or_else(|| AppError::Internal("merchant without account".into()))?;
        let fee = RedemptionFee {
            fee_bp: c.redemption_fee_bp,
            early_fee_bp: c.early_redemption_fee_bp,
            early_days: c.early_redemption_days,
        };
        let rate = ExchangeRate { units: c.rate_units.max(1), euros: c.rate_euros.max(1) };
        let euro_account = match m.euro_account.as_deref() {
            Some(e) => stored_id(e)?,
            None => derived(&format!("euro/{tenant_id}/{merchant_id}")),
        };
        let ids = [id, derived(&format!("fee/{}", format_id(id))), derived(&format!("payout/{}", format_id(id)))];
        // The same request again: the transfers as they were.
        {
            let mut conn = self.store().conn().await?;
            let stored = conn.db().ledger_transfers_by_id(&ids).await?;
            if let Some(first) = stored.iter().find(|t| t.id == id_bytes(id)) {
                if first.tenant_id != tenant_id || first.debit_account_id != account {
                    return Err(AppError::conflict("request_id", "This request id was used for something else"));
                }
                let of = |i: usize| stored.iter().find(|t| t.id == id_bytes(ids[i])).map_or(0, |t| t.amount);
                let retired = of(0);
                let fee_minor = of(1);
                if retired + fee_minor != amount {
                    return Err(AppError::conflict("request_id", "This request id was used for another amount"));
                }
                return Ok(RedemptionView {
                    id: format_id(id),
                    merchant_id,
                    currency: c.code,
                    scale,
                    amount_minor: amount,
                    fee_minor,
                    retired_minor: retired,
                    payout_eur_minor: of(2),
                    euro_account: format_id(euro_account),
                });
            }
        }
        let (balance, recent) = self.merchant_position(&m, &fee).await?;
        if amount > balance {
            return Err(AppError::invalid(
                "amount",
                "insufficient_balance",
                format!("The merchant holds {} {}", minor_to_decimal(balance, scale), c.code),
            ));
        }
        let (fee_minor, retired) = redemption_split(&fee, balance, recent, amount);
        let payout = payout_eur(rate, retired, scale);
        if m.euro_account.is_none() {
            let results = self
                .create_accounts(
                    &REDEMPTION,
                    tenant_id,
                    &[NewAccountInput {
                        id: format_id(euro_account),
                        ledger: crate::currency::EUR.into(),
                        code: "merchant".into(),
                        owner: Some(format!("merchant:{merchant_id}")),
                        flags: vec!["debits_must_not_exceed_credits".into()],
                    }],
                )
                .await?;
            if let Some(bad) = results.iter().find(|r| r.result != "ok" && r.result != "exists") {
                return Err(AppError::Internal(format!("euro account {}: {}", bad.id, bad.result)));
            }
            let mut tx = self.store().begin().await?;
            tx.db().set_merchant_euro_account(merchant_id, &id_bytes(euro_account)).await?;
            tx.commit().await?;
        }
        let (ledger, eur) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            let l =
                db.ledger_by_code(tenant_id, &c.code).await?.ok_or_else(|| AppError::Internal("no ledger".into()))?.id;
            let e = db
                .ledger_by_code(tenant_id, crate::currency::EUR)
                .await?
                .ok_or_else(|| AppError::Internal("no EUR ledger".into()))?
                .id;
            (l, e)
        };
        let reference = format!("merchant:{merchant_id}/redemption:{}", format_id(id));
        let t = |id: Id, debit: Id, credit: Id, amount: i64, ledger: i64, code: &str| Transfer {
            id,
            debit_account_id: debit,
            credit_account_id: credit,
            amount,
            ledger,
            code: code.into(),
            reference: Some(reference.clone()),
            flags: TransferFlags(TransferFlags::LINKED),
            pending_id: None,
            timeout_s: 0,
            timestamp: 0,
        };
        let merchant_account = stored_id(account)?;
        let mut chain = Vec::new();
        if retired > 0 {
            chain.push(t(ids[0], merchant_account, stored_id(&c.issuance_account)?, retired, ledger, "redemption"));
        }
        if fee_minor > 0 {
            chain.push(t(ids[1], merchant_account, stored_id(&c.fees_account)?, fee_minor, ledger, "redemption_fee"));
        }
        if payout > 0 {
            chain.push(t(ids[2], stored_id(&c.guarantee_fund_account)?, euro_account, payout, eur, "payout"));
        }
        if let Some(last) = chain.last_mut() {
            last.flags = TransferFlags::default();
        }
        let results = self.submit_transfers(&REDEMPTION, tenant_id, chain).await?;
        if let Some(r) = results.iter().find(|r| !r.is_success() && **r != TransferResult::LinkedEventFailed) {
            return Err(match r {
                TransferResult::ExceedsCredits => AppError::invalid(
                    "amount",
                    "insufficient_balance",
                    "The merchant or the guarantee fund lacks the units or euros",
                ),
                other => {
                    AppError::invalid("amount", "ledger_refused", format!("The ledger refused the redemption: {other}"))
                }
            });
        }
        if results.iter().any(|r| !r.is_success()) {
            return Err(AppError::invalid("amount", "ledger_refused", "The ledger refused the redemption"));
        }
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "currency.redemption",
            &format!("merchant:{merchant_id}"),
            serde_json::json!({"after": {"request_id": format_id(id), "amount_minor": amount, "fee_minor": fee_minor,
                "retired_minor": retired, "payout_eur_minor": payout}}),
        )
        .await?;
        tx.commit().await?;
        Ok(RedemptionView {
            id: format_id(id),
            merchant_id,
            currency: c.code,
            scale,
            amount_minor: amount,
            fee_minor,
            retired_minor: retired,
            payout_eur_minor: payout,
            euro_account: format_id(euro_account),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_units_first_and_exact() {
        // Grama: 5% within 45 days, 0% after. 100.00 held, 30.00 of them received recently.
        let fee = RedemptionFee::new(0, Some(500), Some(45)).expect("fee");
        // 60.00 come from the old units: no fee.
        assert_eq!(redemption_split(&fee, 10_000, 3_000, 6_000), (0, 6_000));
        // 80.00: 70.00 old (no fee) + 10.00 recent (5% = 0.50).
        assert_eq!(redemption_split(&fee, 10_000, 3_000, 8_000), (50, 7_950));
        // All recent: 5%, rounded down in the merchant's favour (0.33 → 0.0165 → 0.01).
        assert_eq!(redemption_split(&fee, 33, 33, 33), (1, 32));
        let flat = RedemptionFee::new(500, None, None).expect("flat");
        assert_eq!(redemption_split(&flat, 10_000, 0, 10_000), (500, 9_500));
    }

    #[test]
    fn payouts_are_rounded_down_at_the_rate() {
        assert_eq!(payout_eur(ExchangeRate::default(), 9_500, 2), 9_500);
        // 10 units = 9 euros: 1.11 units are worth 0.999 euros → 0.99.
        assert_eq!(payout_eur(ExchangeRate { units: 10, euros: 9 }, 111, 2), 99);
        // A currency without decimals: 5 units are 5.00 euros.
        assert_eq!(payout_eur(ExchangeRate::default(), 5, 0), 500);
        assert_eq!(payout_eur(ExchangeRate::default(), 0, 2), 0);
    }
}
