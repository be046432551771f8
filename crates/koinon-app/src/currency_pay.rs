//! Paying by phone through a shop's payment link: every accredited shop has a link
//! (`/pay/{municipality}/{merchant}`, printed as a QR code on a poster in the shop). A
//! beneficiary signed in on a phone opens it, types the amount, the category and the card's PIN,
//! and the payment is taken from the wallet linked to them, by the same rules as at the till:
//! the same refusals, the same PIN lock-out, the same idempotent payment id, the same ledger
//! transfer (`payment`, wallet → merchant, reference `category:{category}`).
//!
//! Why the PIN as well as the signed-in session: a phone stays signed in for days and is often
//! shared in a household, so the session alone would let whoever holds the phone spend the
//! family's assistance. The PIN is the one the household already uses with its card, counted by
//! the same lock-out, and the payment names the card as a till payment does.

use koinon_core::authz::{Action, Resource};
use koinon_core::ledger::parse_id;
use koinon_core::merchant::MerchantStatus;
use koinon_core::money::minor_to_decimal;
use koinon_store::Db;
use koinon_store::ledger::id_bytes;
use koinon_store::merchants::MerchantRow;
use serde::Serialize;

use crate::currency::wallet_id;
use crate::currency_payments::{PaymentInput, PaymentView, Refusal, last_four, payment_view};
use crate::{Actor, App, AppError};

/// A shop as its payment link shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayLink {
    pub tenant_id: i64,
    pub tenant_code: String,
    pub merchant_id: i64,
    pub name: String,
    pub area: String,
    pub address: String,
    /// The categories the shop is accredited for.
    pub categories: Vec<String>,
    pub currency: String,
    pub currency_name: String,
    pub scale: u8,
    /// `accredited` or `suspended` (a suspended shop's link says so and refuses payments).
    pub status: String,
    /// The link's path: `/pay/{municipality}/{merchant}`.
    pub path: String,
}

/// A wallet the signed-in beneficiary may pay from at a shop: a household linked to them, in
/// the shop's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayingWallet {
    pub household: String,
    pub programme: String,
    pub balance_minor: i64,
    /// The last four symbols of the household's card, if it has one (its PIN confirms).
    pub card: Option<String>,
}

/// A payment through a payment link, as the phone's form sends it.
#[derive(Debug, Clone, Default)]
pub struct LinkPaymentInput {
    /// A UUID drawn when the form was shown: sending the form twice pays once.
    pub payment_id: String,
    /// The household to pay from (its reference); empty: the only one.
    pub household: String,
    pub pin: String,
    /// Decimal text in the currency.
    pub amount: String,
    pub category: String,
}

/// A payment made through a payment link, as its receipt shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkReceipt {
    pub payment: PaymentView,
    pub merchant_name: String,
    pub merchant_area: String,
    pub household: String,
}

/// The path of a shop's payment link.
pub fn pay_link_path(tenant_code: &str, merchant_id: i64) -> String {
    format!("/pay/{tenant_code}/{merchant_id}")
}

/// The shop behind a link: accredited or suspended (a shop that never was accredited has no
/// link).
async fn linked_merchant(db: &mut Db<'_>, tenant_id: i64, merchant_id: i64) -> Result<MerchantRow, AppError> {
    match db.merchant(tenant_id, merchant_id).await? {
        Some(m)
            if matches!(
                MerchantStatus::parse(&m.status),
                Some(MerchantStatus::Accredited | MerchantStatus::Suspended)
            ) =>
        {
            Ok(m)
        }
        _ => Err(AppError::NotFound(format!("merchant {merchant_id}"))),
    }
}

impl App {
    /// The shop a payment link names, for anyone who opens it.
    pub async fn pay_link(&self, tenant_code: &str, merchant_id: i64) -> Result<PayLink, AppError> {
        let tenant = self.tenant_by_code(tenant_code).await?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let m = linked_merchant(&mut db, tenant.id, merchant_id).await?;
        let c = db
            .currency(tenant.id, m.currency_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("merchant {merchant_id}: no currency")))?;
        let categories = db.merchant_categories(m.id).await?;
        Ok(PayLink {
            tenant_id: tenant.id,
            path: pay_link_path(&tenant.code, m.id),
            tenant_code: tenant.code,
            merchant_id: m.id,
            name: m.name,
            area: m.area,
            address: m.address,
            categories,
            currency: c.code,
            currency_name: c.name,
            scale: u8::try_from(c.scale).unwrap_or(0),
            status: m.status,
        })
    }

    /// The signed-in user's wallets in a currency (by its code), with their balances and cards.
    pub async fn paying_wallets(
        &self,
        actor: &Actor,
        tenant_id: i64,
        currency: &str,
    ) -> Result<Vec<PayingWallet>, AppError> {
        let subject = actor.subject().ok_or(AppError::Forbidden)?;
        actor.require(Action::ManageOwnAccount, &Resource::user(tenant_id, subject.user_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let mut out = Vec::new();
        for h in db.households_of_user(tenant_id, subject.user_id).await? {
            let Some(p) = db.programme(tenant_id, h.programme_id).await? else { continue };
            let Some(c) = db.currency(tenant_id, p.currency_id).await? else { continue };
            if c.code != currency {
                continue;
            }
            let wallet = wallet_id(tenant_id, &c.code, &h.household);
            let balance = db
                .ledger_account(tenant_id, wallet)
                .await?
                .map_or(0, |a| a.credits_posted.saturating_sub(a.debits_posted).saturating_sub(a.debits_pending));
            let card = db.active_card_of_wallet(tenant_id, &id_bytes(wallet)).await?.map(|k| last_four(&k.code));
            out.push(PayingWallet { household: h.household, programme: p.name, balance_minor: balance, card });
        }
        Ok(out)
    }

    /// Pays a shop from the signed-in beneficiary's wallet through the shop's payment link,
    /// confirmed with the card's PIN. The outer error is about the request (bad input, no
    /// wallet or card to pay from, a payment id used for another payment); the inner one is the
    /// payment refused, with its reason, exactly as at the till.
    pub async fn pay_by_link(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
        input: &LinkPaymentInput,
    ) -> Result<Result<PaymentView, Refusal>, AppError> {
        let subject = actor.subject().ok_or(AppError::Forbidden)?;
        actor.require(Action::ManageOwnAccount, &Resource::user(tenant_id, subject.user_id))?;
        let (m, card_code) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            let m = linked_merchant(&mut db, tenant_id, merchant_id).await?;
            let c = db
                .currency(tenant_id, m.currency_id)
                .await?
                .ok_or_else(|| AppError::Internal(format!("merchant {merchant_id}: no currency")))?;
            let wanted = input.household.trim();
            let mut household = None;
            for h in db.households_of_user(tenant_id, subject.user_id).await? {
                let Some(p) = db.programme(tenant_id, h.programme_id).await? else { continue };
                if p.currency_id == c.id && (wanted.is_empty() || wanted == h.household) {
                    household = Some(h.household);
                    break;
                }
            }
            let Some(household) = household else {
                return Err(AppError::invalid(
                    "household",
                    "no_wallet",
                    format!("No wallet in {} is linked to your account", c.code),
                ));
            };
            let wallet = wallet_id(tenant_id, &c.code, &household);
            let Some(card) = db.active_card_of_wallet(tenant_id, &id_bytes(wallet)).await? else {
                return Err(AppError::invalid(
                    "household",
                    "no_card",
                    "Your household has no card yet: its PIN confirms payments; the social services issue it",
                ));
            };
            (m, card.code)
        };
        let payment = PaymentInput {
            payment_id: input.payment_id.clone(),
            merchant_id: m.id,
            card_code,
            pin: input.pin.clone(),
            amount: input.amount.clone(),
            category: input.category.clone(),
            hold: false,
            hold_s: None,
        };
        self.take_payment_at(actor, tenant_id, m, &payment).await
    }

    /// A payment the signed-in beneficiary made from one of their wallets, with the shop's name;
    /// anyone else's payment is not found.
    pub async fn link_receipt(&self, actor: &Actor, tenant_id: i64, payment: &str) -> Result<LinkReceipt, AppError> {
        let subject = actor.subject().ok_or(AppError::Forbidden)?;
        actor.require(Action::ManageOwnAccount, &Resource::user(tenant_id, subject.user_id))?;
        let not_found = || AppError::NotFound(format!("payment {payment}"));
        let id = parse_id(payment).ok_or_else(not_found)?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let p = db.payment(&id_bytes(id)).await?.filter(|p| p.tenant_id == tenant_id).ok_or_else(not_found)?;
        let c = db.currency(tenant_id, p.currency_id).await?.ok_or_else(not_found)?;
        let mut household = None;
        for h in db.households_of_user(tenant_id, subject.user_id).await? {
            if id_bytes(wallet_id(tenant_id, &c.code, &h.household)) == p.wallet_account {
                household = Some(h.household);
                break;
            }
        }
        let household = household.ok_or_else(not_found)?;
        let m = db.merchant(tenant_id, p.merchant_id).await?.ok_or_else(not_found)?;
        let card = db.card(tenant_id, p.card_id).await?.map(|k| k.code).unwrap_or_default();
        Ok(LinkReceipt {
            payment: payment_view(&p, &c, &card),
            merchant_name: m.name,
            merchant_area: m.area,
            household,
        })
    }
}

/// Rows of a beneficiary's statement, over all their wallets.
pub const MY_STATEMENT_ROWS_MAX: usize = 10_000;

impl App {
    /// The signed-in user's statement as CSV: every wallet linked to them, oldest entry first,
    /// at most [`MY_STATEMENT_ROWS_MAX`] rows. Columns: `date` (`YYYY-MM-DD`, UTC), `time`
    /// (RFC 3339, UTC), `household`, `programme`, `currency`, `what` (the transfer code:
    /// `issue`, `payment`, ...), `reference` (`category:food`, ...), `amount` (the currency's
    /// decimal form, negative for what went out).
    pub async fn my_statement_csv(&self, actor: &Actor, tenant_id: i64) -> Result<String, AppError> {
        let subject = actor.subject().ok_or(AppError::Forbidden)?;
        actor.require(Action::ManageOwnAccount, &Resource::user(tenant_id, subject.user_id))?;
        let csv_error = |e: csv::Error| AppError::Internal(format!("statement: {e}"));
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(["date", "time", "household", "programme", "currency", "what", "reference", "amount"])
            .map_err(csv_error)?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let mut rows = 0usize;
        for h in db.households_of_user(tenant_id, subject.user_id).await? {
            let Some(p) = db.programme(tenant_id, h.programme_id).await? else { continue };
            let Some(c) = db.currency(tenant_id, p.currency_id).await? else { continue };
            let scale = u8::try_from(c.scale).unwrap_or(0);
            let wallet = wallet_id(tenant_id, &c.code, &h.household);
            let me = id_bytes(wallet);
            let mut after = 0;
            while rows < MY_STATEMENT_ROWS_MAX {
                let limit = i64::try_from((MY_STATEMENT_ROWS_MAX - rows).min(500)).unwrap_or(500);
                let page = db.ledger_statement(wallet, after, limit).await?;
                let Some(last) = page.last() else { break };
                after = last.ts;
                for t in &page {
                    let (date, time) = crate::currency_statement::date_and_time(t.ts);
                    let amount = if t.credit_account_id == me { t.amount } else { -t.amount };
                    let sign = if amount < 0 { "-" } else { "" };
                    out.write_record([
                        date,
                        time,
                        h.household.clone(),
                        p.name.clone(),
                        c.code.clone(),
                        t.code.clone(),
                        t.reference.clone().unwrap_or_default(),
                        format!("{sign}{}", minor_to_decimal(amount.saturating_abs(), scale)),
                    ])
                    .map_err(csv_error)?;
                    rows += 1;
                }
                if page.len() < usize::try_from(limit).unwrap_or(0) {
                    break;
                }
            }
        }
        let bytes = out.into_inner().map_err(|e| AppError::Internal(format!("statement: {e}")))?;
        String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("statement: {e}")))
    }
}
