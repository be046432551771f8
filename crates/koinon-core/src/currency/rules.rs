//! A currency's rules: who may hold it, what it may be spent on, the redemption fee, expiry or
//! demurrage, and the per-wallet limits; with the two exact calculations they need (a fee split
//! and a demurrage charge over many wallets).

use serde::Serialize;

use super::{Category, amount, basis_points, limits};
use crate::FieldError;

/// Who may hold the currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderRule {
    /// Beneficiaries of the municipality's programmes and accredited merchants (Grama, REC).
    BeneficiariesAndMerchants,
    /// Any resident with a wallet, and accredited merchants.
    ResidentsAndMerchants,
}

impl HolderRule {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "beneficiaries_and_merchants" | "" => Ok(Self::BeneficiariesAndMerchants),
            "residents_and_merchants" => Ok(Self::ResidentsAndMerchants),
            _ => Err(FieldError::new(
                "holders",
                "invalid_holders",
                "Holders must be beneficiaries_and_merchants or residents_and_merchants",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BeneficiariesAndMerchants => "beneficiaries_and_merchants",
            Self::ResidentsAndMerchants => "residents_and_merchants",
        }
    }
}

/// Redemption to euros (merchants only): a fee in basis points, and optionally a higher fee
/// when the units are redeemed within `early_days` of being received (Grama: 5% within 45 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RedemptionFee {
    pub fee_bp: i64,
    pub early_fee_bp: Option<i64>,
    pub early_days: Option<i64>,
}

impl RedemptionFee {
    pub fn new(fee_bp: i64, early_fee_bp: Option<i64>, early_days: Option<i64>) -> Result<Self, FieldError> {
        let fee_bp = basis_points("redemption_fee_bp", fee_bp)?;
        match (early_fee_bp, early_days) {
            (None, None) => Ok(Self { fee_bp, early_fee_bp: None, early_days: None }),
            (Some(bp), Some(days)) => {
                let bp = basis_points("early_redemption_fee_bp", bp)?;
                if bp < fee_bp {
                    return Err(FieldError::new(
                        "early_redemption_fee_bp",
                        "early_fee_below_fee",
                        "The early-redemption fee must not be lower than the fee",
                    ));
                }
                if !(1..=limits::EARLY_DAYS_MAX).contains(&days) {
                    return Err(FieldError::new(
                        "early_redemption_days",
                        "invalid_days",
                        format!("The early-redemption window is 1 to {} days", limits::EARLY_DAYS_MAX),
                    ));
                }
                Ok(Self { fee_bp, early_fee_bp: Some(bp), early_days: Some(days) })
            }
            (Some(_), None) => Err(FieldError::new(
                "early_redemption_days",
                "required",
                "Give the number of days the early-redemption fee applies",
            )),
            (None, Some(_)) => Err(FieldError::new(
                "early_redemption_fee_bp",
                "required",
                "Give the early-redemption fee for the window of days",
            )),
        }
    }

    /// The fee in basis points for units held `days_held` days.
    pub fn rate_bp(&self, days_held: i64) -> i64 {
        match (self.early_fee_bp, self.early_days) {
            (Some(bp), Some(days)) if days_held < days => bp,
            _ => self.fee_bp,
        }
    }

    /// Splits a redemption of `amount_minor` units held `days_held` days.
    pub fn split(&self, amount_minor: i64, days_held: i64) -> FeeSplit {
        split_fee(amount_minor, self.rate_bp(days_held))
    }
}

/// A redemption split exactly: `fee_minor + payout_minor == amount_minor`. The fee is rounded
/// down to a whole minor unit (in the merchant's favour); `dropped_e4` is the fraction of a
/// minor unit dropped, in ten-thousandths, so `fee × 10,000 + dropped_e4 == amount × bp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeeSplit {
    pub fee_minor: i64,
    pub payout_minor: i64,
    pub dropped_e4: i64,
}

/// `amount × bp / 10,000`, rounded down, and the rest. Amounts outside `0..=AMOUNT_MINOR_MAX`
/// or rates outside `0..=10,000` are clamped into range first (callers parse them before).
pub fn split_fee(amount_minor: i64, bp: i64) -> FeeSplit {
    let amount_minor = amount_minor.clamp(0, limits::AMOUNT_MINOR_MAX);
    let bp = bp.clamp(0, limits::BP_MAX);
    let product = i128::from(amount_minor) * i128::from(bp);
    let fee = product / 10_000;
    let fee_minor = i64::try_from(fee).unwrap_or(0);
    FeeSplit {
        fee_minor,
        payout_minor: amount_minor - fee_minor,
        dropped_e4: i64::try_from(product - fee * 10_000).unwrap_or(0),
    }
}

/// What happens to units that are not spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decay {
    /// Units keep their value.
    None,
    /// Units expire `months` after they are issued and go back to the issuance account.
    Expiry { months: i64 },
    /// Every month each wallet loses `rate_bp` basis points of its balance (Chiemgauer: about
    /// 50 bp a month), charged to the `fees` account.
    Demurrage { rate_bp: i64 },
}

impl Decay {
    pub fn parse(kind: &str, months: Option<i64>, rate_bp: Option<i64>) -> Result<Self, FieldError> {
        match kind.trim() {
            "none" | "" => Ok(Self::None),
            "expiry" => {
                let m = months.ok_or_else(|| {
                    FieldError::new("expiry_months", "required", "Give the months after which units expire")
                })?;
                if !(1..=limits::EXPIRY_MONTHS_MAX).contains(&m) {
                    return Err(FieldError::new(
                        "expiry_months",
                        "invalid_months",
                        format!("Units expire after 1 to {} months", limits::EXPIRY_MONTHS_MAX),
                    ));
                }
                Ok(Self::Expiry { months: m })
            }
            "demurrage" => {
                let bp = rate_bp.ok_or_else(|| {
                    FieldError::new("demurrage_bp", "required", "Give the monthly demurrage in basis points")
                })?;
                let bp = basis_points("demurrage_bp", bp)?;
                if bp == 0 {
                    return Err(FieldError::new("demurrage_bp", "invalid_rate", "Demurrage must be above 0"));
                }
                Ok(Self::Demurrage { rate_bp: bp })
            }
            _ => Err(FieldError::new("decay", "invalid_decay", "Decay must be none, expiry or demurrage")),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Expiry { .. } => "expiry",
            Self::Demurrage { .. } => "demurrage",
        }
    }
}

/// One period's demurrage over many wallets, exact: the total charged is the exact total
/// (`Σ balance × rate / 10,000`) rounded down; each wallet pays its own exact share rounded
/// down, and the whole units those roundings leave over are charged one each to the wallets
/// with the largest dropped fractions (ties: the earlier wallet), so no wallet pays more than
/// its exact share rounded up. `remainder_e4` is the fraction of a minor unit the total
/// dropped (ten-thousandths), booked as a carry for the next period:
/// `charged_total × 10,000 + remainder_e4 == Σ balance × rate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemurrageCharge {
    pub per_wallet_minor: Vec<i64>,
    pub charged_total_minor: i64,
    pub remainder_e4: i64,
}

/// Computes [`DemurrageCharge`] for wallet balances (negative balances count as zero).
pub fn demurrage_charges(balances_minor: &[i64], rate_bp: i64) -> DemurrageCharge {
    demurrage_charges_carried(balances_minor, rate_bp, 0)
}

/// [`demurrage_charges`] with the fraction the previous period carried (`carried_e4`,
/// ten-thousandths of a minor unit, `0..10,000`; clamped into range) added to the exact total:
/// the total charged is `floor((Σ balance × rate + carried) / 10,000)` and
/// `charged_total × 10,000 + remainder_e4 == Σ balance × rate + carried`. The carry never
/// makes a wallet pay more than its exact share rounded up: the whole units over the
/// wallets' own roundings are at most the number of wallets with a dropped fraction.
pub fn demurrage_charges_carried(balances_minor: &[i64], rate_bp: i64, carried_e4: i64) -> DemurrageCharge {
    let bp = i128::from(rate_bp.clamp(0, limits::BP_MAX));
    let mut per: Vec<i64> = Vec::with_capacity(balances_minor.len());
    let mut dropped: Vec<(i128, usize)> = Vec::with_capacity(balances_minor.len());
    let mut exact_sum: i128 = 0;
    let mut floor_sum: i128 = 0;
    for (i, b) in balances_minor.iter().enumerate() {
        let p = i128::from((*b).max(0)) * bp;
        exact_sum += p;
        let f = p / 10_000;
        floor_sum += f;
        per.push(i64::try_from(f).unwrap_or(0));
        dropped.push((p - f * 10_000, i));
    }
    exact_sum += i128::from(carried_e4.clamp(0, 9_999));
    let total = exact_sum / 10_000;
    let extra = usize::try_from(total - floor_sum).unwrap_or(0);
    // Largest dropped fraction first; ties by position.
    dropped.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in dropped.into_iter().take(extra) {
        per[i] += 1;
    }
    DemurrageCharge {
        per_wallet_minor: per,
        charged_total_minor: i64::try_from(total).unwrap_or(0),
        remainder_e4: i64::try_from(exact_sum - total * 10_000).unwrap_or(0),
    }
}

/// Units of a wallet that have expired, spent oldest first: of the `issued_before_minor` units
/// the wallet received by issuance before the expiry cut-off, those that everything which has
/// left the wallet since (`out_minor`: its posted and pending debits, and any reservations)
/// has not used up, and never more than the wallet still has (`available_minor`).
pub fn expired_fifo(issued_before_minor: i64, out_minor: i64, available_minor: i64) -> i64 {
    issued_before_minor.saturating_sub(out_minor).clamp(0, available_minor.max(0))
}

/// The rules of a currency, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyRules {
    pub holders: HolderRule,
    pub categories: Vec<Category>,
    pub redemption: RedemptionFee,
    pub decay: Decay,
    /// The most a wallet may hold, in minor units (`None`: no limit).
    pub wallet_balance_max_minor: Option<i64>,
    /// The most a wallet may spend in one day, in minor units (`None`: no limit).
    pub daily_spend_max_minor: Option<i64>,
}

impl CurrencyRules {
    /// Checks the two wallet limits (each positive when given).
    pub fn limits(
        wallet_balance_max_minor: Option<i64>,
        daily_spend_max_minor: Option<i64>,
    ) -> Result<(Option<i64>, Option<i64>), FieldError> {
        let w = wallet_balance_max_minor.map(|v| amount("wallet_balance_max", v, true)).transpose()?;
        let d = daily_spend_max_minor.map(|v| amount("daily_spend_max", v, true)).transpose()?;
        Ok((w, d))
    }

    /// Whether a wallet may receive `amount_minor` on top of `balance_minor`.
    pub fn wallet_may_hold(&self, balance_minor: i64, amount_minor: i64) -> bool {
        self.wallet_balance_max_minor.is_none_or(|max| balance_minor.saturating_add(amount_minor) <= max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grama_redemption() {
        // Grama: 5% within 45 days; say 0% after.
        let fee = RedemptionFee::new(0, Some(500), Some(45)).expect("fee");
        assert_eq!(fee.split(10_000, 10), FeeSplit { fee_minor: 500, payout_minor: 9_500, dropped_e4: 0 });
        assert_eq!(fee.split(10_000, 45).fee_minor, 0);
        // 0.33 units at 5%: 1.65 cents → 1 cent fee, 0.65 of a cent dropped.
        assert_eq!(fee.split(33, 0), FeeSplit { fee_minor: 1, payout_minor: 32, dropped_e4: 6_500 });
        assert_eq!(RedemptionFee::new(600, Some(500), Some(45)).map_err(|e| e.code), Err("early_fee_below_fee"));
        assert_eq!(RedemptionFee::new(0, Some(500), None).map_err(|e| e.field), Err("early_redemption_days".into()));
        assert_eq!(RedemptionFee::new(10_001, None, None).map_err(|e| e.field), Err("redemption_fee_bp".into()));
    }

    #[test]
    fn demurrage_by_hand() {
        // 50 bp of 1.01, 1.01, 1.01: exact 0.505 each, 1.515 in all → 1 cent.
        let d = demurrage_charges(&[101, 101, 101], 50);
        assert_eq!(d.charged_total_minor, 1);
        assert_eq!(d.per_wallet_minor, vec![1, 0, 0]);
        assert_eq!(d.remainder_e4, 5_150);
        assert_eq!(Decay::parse("demurrage", None, Some(0)).map_err(|e| e.field), Err("demurrage_bp".into()));
        assert_eq!(Decay::parse("expiry", Some(6), None), Ok(Decay::Expiry { months: 6 }));
        assert_eq!(Decay::parse("melt", None, None).map_err(|e| e.code), Err("invalid_decay"));
    }

    proptest! {
        #[test]
        fn fee_split_is_exact(amount in 0i64..=limits::AMOUNT_MINOR_MAX, bp in 0i64..=10_000) {
            let s = split_fee(amount, bp);
            prop_assert_eq!(s.fee_minor + s.payout_minor, amount);
            prop_assert_eq!(i128::from(s.fee_minor) * 10_000 + i128::from(s.dropped_e4), i128::from(amount) * i128::from(bp));
            prop_assert!((0..10_000).contains(&s.dropped_e4));
            prop_assert!(s.fee_minor >= 0 && s.payout_minor >= 0);
        }

        #[test]
        fn demurrage_is_exact(balances in proptest::collection::vec(0i64..=10_000_000, 0..200), bp in 0i64..=10_000) {
            let d = demurrage_charges(&balances, bp);
            let exact: i128 = balances.iter().map(|b| i128::from(*b) * i128::from(bp)).sum();
            prop_assert_eq!(d.per_wallet_minor.iter().sum::<i64>(), d.charged_total_minor);
            prop_assert_eq!(i128::from(d.charged_total_minor) * 10_000 + i128::from(d.remainder_e4), exact);
            prop_assert!((0..10_000).contains(&d.remainder_e4));
            for (b, c) in balances.iter().zip(&d.per_wallet_minor) {
                let p = i128::from(*b) * i128::from(bp);
                let lo = p / 10_000;
                let hi = (p + 9_999) / 10_000;
                prop_assert!(i128::from(*c) >= lo && i128::from(*c) <= hi, "{} of {}", c, b);
                prop_assert!(c <= b);
            }
        }

        #[test]
        fn demurrage_with_carry_is_exact(
            balances in proptest::collection::vec(0i64..=10_000_000, 0..200),
            bp in 0i64..=10_000,
            carried in 0i64..10_000,
        ) {
            let d = demurrage_charges_carried(&balances, bp, carried);
            let exact: i128 = balances.iter().map(|b| i128::from(*b) * i128::from(bp)).sum::<i128>() + i128::from(carried);
            prop_assert_eq!(d.per_wallet_minor.iter().sum::<i64>(), d.charged_total_minor);
            prop_assert_eq!(i128::from(d.charged_total_minor), exact / 10_000);
            prop_assert_eq!(i128::from(d.charged_total_minor) * 10_000 + i128::from(d.remainder_e4), exact);
            prop_assert!((0..10_000).contains(&d.remainder_e4));
            for (b, c) in balances.iter().zip(&d.per_wallet_minor) {
                let p = i128::from(*b) * i128::from(bp);
                prop_assert!(i128::from(*c) >= p / 10_000 && i128::from(*c) <= (p + 9_999) / 10_000, "{} of {}", c, b);
                prop_assert!(c <= b);
            }
        }

        #[test]
        fn expired_units_are_the_oldest_not_spent(issued in 0i64..1_000_000, out in 0i64..1_000_000, later in 0i64..1_000_000) {
            // A wallet that received `issued` before the cut-off and `later` after it, and
            // has sent `out` of them on (at most what it received).
            let out = out.min(issued + later);
            let available = issued + later - out;
            let e = expired_fifo(issued, out, available);
            prop_assert_eq!(e, (issued - out).max(0));
            prop_assert!(e <= available);
        }
    }
}
