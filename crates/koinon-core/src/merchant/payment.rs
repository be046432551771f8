//! The rules a payment from a beneficiary to a merchant must pass before it is posted as a
//! ledger transfer, each refusal with a reason the shop and the beneficiary can act on. The
//! ledger itself still refuses to overdraw a wallet (its balance flag counts pending holds), so
//! the balance check here is for the message, not the guarantee.

use super::MerchantStatus;

/// Largest single payment, in minor units (a limit on input; a currency's own daily limit is
/// usually far lower).
pub const PAYMENT_MAX_MINOR: i64 = 100_000_000;

/// Everything a payment is checked against, read in the same transaction that posts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentCheck<'a> {
    pub amount_minor: i64,
    /// The spending category of the purchase.
    pub category: &'a str,
    pub merchant_status: MerchantStatus,
    /// The categories this merchant is accredited to sell.
    pub merchant_categories: &'a [String],
    /// The categories the programme's units may be spent on (empty: any).
    pub allowed_categories: &'a [String],
    /// The wallet's balance that has not expired, less its pending holds.
    pub spendable_minor: i64,
    /// Units in the wallet past their expiry date, not yet taken back.
    pub expired_minor: i64,
    /// What the wallet paid today (the currency's day), holds included.
    pub spent_today_minor: i64,
    pub daily_limit_minor: Option<i64>,
}

/// Why a payment was refused. [`PaymentRefusal::code`] is the machine-readable code the API
/// returns and the pages translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentRefusal {
    AmountMustBePositive,
    AmountTooLarge,
    MerchantNotAccredited,
    MerchantSuspended,
    /// The merchant does not sell this category.
    CategoryNotSoldHere,
    /// The programme's units may not buy this category.
    CategoryNotAllowed,
    /// The wallet's units have expired (nothing spendable is left, and some expired).
    UnitsExpired,
    /// Not enough spendable units; `available_minor` is what there is.
    InsufficientBalance {
        available_minor: i64,
    },
    /// The day's limit would be passed; `left_minor` may still be spent today.
    DailyLimit {
        left_minor: i64,
    },
}

impl PaymentRefusal {
    pub fn code(self) -> &'static str {
        match self {
            PaymentRefusal::AmountMustBePositive => "amount_must_be_positive",
            PaymentRefusal::AmountTooLarge => "amount_too_large",
            PaymentRefusal::MerchantNotAccredited => "merchant_not_accredited",
            PaymentRefusal::MerchantSuspended => "merchant_suspended",
            PaymentRefusal::CategoryNotSoldHere => "category_not_sold_here",
            PaymentRefusal::CategoryNotAllowed => "category_not_allowed",
            PaymentRefusal::UnitsExpired => "units_expired",
            PaymentRefusal::InsufficientBalance { .. } => "insufficient_balance",
            PaymentRefusal::DailyLimit { .. } => "daily_limit",
        }
    }

    /// The field of the payment form the refusal is about.
    pub fn field(self) -> &'static str {
        match self {
            PaymentRefusal::AmountMustBePositive
            | PaymentRefusal::AmountTooLarge
            | PaymentRefusal::InsufficientBalance { .. }
            | PaymentRefusal::DailyLimit { .. } => "amount",
            PaymentRefusal::MerchantNotAccredited | PaymentRefusal::MerchantSuspended => "merchant",
            PaymentRefusal::CategoryNotSoldHere | PaymentRefusal::CategoryNotAllowed => "category",
            PaymentRefusal::UnitsExpired => "card_code",
        }
    }
}

/// Checks a payment; the first rule it breaks, in the order a shop would want to hear them:
/// the amount, the shop, the category, then the wallet.
pub fn authorise(p: &PaymentCheck<'_>) -> Result<(), PaymentRefusal> {
    if p.amount_minor <= 0 {
        return Err(PaymentRefusal::AmountMustBePositive);
    }
    if p.amount_minor > PAYMENT_MAX_MINOR {
        return Err(PaymentRefusal::AmountTooLarge);
    }
    match p.merchant_status {
        MerchantStatus::Accredited => {}
        MerchantStatus::Suspended => return Err(PaymentRefusal::MerchantSuspended),
        MerchantStatus::Applied | MerchantStatus::Refused => return Err(PaymentRefusal::MerchantNotAccredited),
    }
    if !p.merchant_categories.iter().any(|c| c == p.category) {
        return Err(PaymentRefusal::CategoryNotSoldHere);
    }
    if !p.allowed_categories.is_empty() && !p.allowed_categories.iter().any(|c| c == p.category) {
        return Err(PaymentRefusal::CategoryNotAllowed);
    }
    let spendable = p.spendable_minor.max(0);
    if p.amount_minor > spendable {
        if spendable == 0 && p.expired_minor > 0 {
            return Err(PaymentRefusal::UnitsExpired);
        }
        return Err(PaymentRefusal::InsufficientBalance { available_minor: spendable });
    }
    if let Some(limit) = p.daily_limit_minor {
        let left = limit.saturating_sub(p.spent_today_minor).max(0);
        if p.amount_minor > left {
            return Err(PaymentRefusal::DailyLimit { left_minor: left });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn cats(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn each_rule_refuses_with_its_reason() {
        let sells = cats(&["food", "hygiene"]);
        let allowed = cats(&["food", "hygiene", "cleaning"]);
        let ok = PaymentCheck {
            amount_minor: 2_350,
            category: "food",
            merchant_status: MerchantStatus::Accredited,
            merchant_categories: &sells,
            allowed_categories: &allowed,
            spendable_minor: 10_000,
            expired_minor: 0,
            spent_today_minor: 5_000,
            daily_limit_minor: Some(10_000),
        };
        assert_eq!(authorise(&ok), Ok(()));
        let refused = |p: PaymentCheck<'_>| authorise(&p).expect_err("refused");
        assert_eq!(refused(PaymentCheck { amount_minor: 0, ..ok.clone() }), PaymentRefusal::AmountMustBePositive);
        assert_eq!(
            refused(PaymentCheck { amount_minor: PAYMENT_MAX_MINOR + 1, ..ok.clone() }),
            PaymentRefusal::AmountTooLarge
        );
        assert_eq!(
            refused(PaymentCheck { merchant_status: MerchantStatus::Suspended, ..ok.clone() }),
            PaymentRefusal::MerchantSuspended
        );
        assert_eq!(
            refused(PaymentCheck { merchant_status: MerchantStatus::Applied, ..ok.clone() }),
            PaymentRefusal::MerchantNotAccredited
        );
        assert_eq!(refused(PaymentCheck { category: "cleaning", ..ok.clone() }), PaymentRefusal::CategoryNotSoldHere);
        let sells_toys = cats(&["food", "toys"]);
        assert_eq!(
            refused(PaymentCheck { category: "toys", merchant_categories: &sells_toys, ..ok.clone() }),
            PaymentRefusal::CategoryNotAllowed
        );
        assert_eq!(
            refused(PaymentCheck { amount_minor: 10_001, daily_limit_minor: None, ..ok.clone() }),
            PaymentRefusal::InsufficientBalance { available_minor: 10_000 }
        );
        assert_eq!(
            refused(PaymentCheck { spendable_minor: 0, expired_minor: 3_000, ..ok.clone() }),
            PaymentRefusal::UnitsExpired
        );
        let over = refused(PaymentCheck { amount_minor: 5_001, ..ok.clone() });
        assert_eq!(over, PaymentRefusal::DailyLimit { left_minor: 5_000 });
        assert_eq!((over.code(), over.field()), ("daily_limit", "amount"));
        // Exactly the day's rest is allowed.
        assert_eq!(authorise(&PaymentCheck { amount_minor: 5_000, ..ok }), Ok(()));
    }

    proptest! {
        /// Whatever the figures, an authorised payment never takes a wallet below zero nor
        /// past its daily limit.
        #[test]
        fn an_authorised_payment_keeps_within_balance_and_limit(
            amount in -10i64..20_000, spendable in -100i64..20_000, spent in 0i64..20_000, limit in proptest::option::of(0i64..20_000),
        ) {
            let sells = cats(&["food"]);
            let p = PaymentCheck {
                amount_minor: amount,
                category: "food",
                merchant_status: MerchantStatus::Accredited,
                merchant_categories: &sells,
                allowed_categories: &[],
                spendable_minor: spendable,
                expired_minor: 0,
                spent_today_minor: spent,
                daily_limit_minor: limit,
            };
            if authorise(&p).is_ok() {
                prop_assert!(amount > 0 && amount <= spendable);
                if let Some(l) = limit {
                    prop_assert!(spent + amount <= l);
                }
            }
        }
    }
}
