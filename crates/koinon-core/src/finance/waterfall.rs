//! The distribution waterfall of a special-purpose vehicle (SPV): how an amount it receives
//! (an outcome payment) is split between the investors and a residual party.
//!
//! Tier 1 pays capital back, tier 2 a return up to a cap, tier 3 splits what is left by the
//! residual rule. Allocation is exact in integer minor units: the parts always sum to the amount.

use time::Date;

use crate::FieldError;

/// The most investors one distribution takes.
pub const INVESTORS_MAX: usize = 10_000;

/// One investor's position in the SPV before a distribution. Minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestorPosition {
    pub investor_id: String,
    /// Capital the investor committed.
    pub committed_minor: i64,
    /// Capital drawn so far (at most the commitment): the pro-rata weight of every tier.
    pub drawn_minor: i64,
    /// Capital already paid back (at most the drawn capital).
    pub capital_returned_minor: i64,
    /// Capped return (tier 2) already paid.
    pub return_paid_minor: i64,
}

/// The cap on each investor's return (tier 2), computed from its drawn capital and rounded
/// down to a minor unit, so the cap is never exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnCap {
    /// Capital plus capped return at most `multiple_bp / 10000` times the drawn capital
    /// (15000 = 1.5×): return cap = ⌊drawn × (multiple_bp − 10000) / 10000⌋.
    MoneyMultiple { multiple_bp: u32 },
    /// Simple (not compounded) annual rate on the drawn capital from `since` to `as_of`,
    /// Actual/365 (500 = 5% a year): return cap = ⌊drawn × rate_bp × days / (10000 × 365)⌋.
    SimpleAnnualRate { rate_bp: u32, since: Date, as_of: Date },
    /// No cap: once capital is back, everything goes to the investors as return.
    Uncapped,
}

/// Who gets what is left after capital and capped return (tier 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidualRule {
    /// The investors' share of the residual, in basis points (0 to 10000), split among them pro
    /// rata by drawn capital. It comes on top of the capped return: 0 makes the cap a hard cap.
    pub investors_share_bp: u32,
    /// Who gets the rest: the provider, or the outcome payer (a clawback).
    pub other_party: String,
}

/// One investor's part of a distribution. Minor units.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InvestorDistribution {
    pub investor_id: String,
    /// Tier 1: capital paid back.
    pub capital_minor: i64,
    /// Tier 2: return, within the cap.
    pub return_minor: i64,
    /// Tier 3: the investor's part of the residual.
    pub residual_minor: i64,
}

impl InvestorDistribution {
    pub fn total_minor(&self) -> i64 {
        self.capital_minor + self.return_minor + self.residual_minor
    }
}

/// A distribution: the investors' parts (in the order given) and the other party's part. The
/// parts sum exactly to `amount_minor`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Distribution {
    pub amount_minor: i64,
    pub investors: Vec<InvestorDistribution>,
    pub other_party: String,
    pub other_party_minor: i64,
}

impl Distribution {
    /// The investors' positions after this distribution (capital returned and return paid
    /// increased), for the next one. `positions` are those the distribution was made from.
    pub fn updated_positions(&self, positions: &[InvestorPosition]) -> Vec<InvestorPosition> {
        positions
            .iter()
            .zip(&self.investors)
            .map(|(p, d)| InvestorPosition {
                capital_returned_minor: p.capital_returned_minor + d.capital_minor,
                return_paid_minor: p.return_paid_minor + d.return_minor,
                ..p.clone()
            })
            .collect()
    }
}

/// The return cap of one investor, in minor units.
pub fn return_cap_minor(cap: &ReturnCap, drawn_minor: i64) -> Option<i128> {
    let drawn = i128::from(drawn_minor.max(0));
    match *cap {
        ReturnCap::MoneyMultiple { multiple_bp } => Some(drawn * (i128::from(multiple_bp) - 10_000).max(0) / 10_000),
        ReturnCap::SimpleAnnualRate { rate_bp, since, as_of } => {
            let days = i128::from((as_of - since).whole_days().max(0));
            Some(drawn * i128::from(rate_bp) * days / (10_000 * 365))
        }
        ReturnCap::Uncapped => None,
    }
}

/// Distributes `amount_minor` received by the SPV: tier 1 capital back to the investors pro
/// rata by drawn capital, each up to its outstanding capital; tier 2 (only once all capital is
/// back) return pro rata by drawn capital, each up to its cap; tier 3 the residual by `residual`.
/// Within a tier, shares are exact with largest-remainder rounding (ties to the earlier
/// investor in `investors`), and an investor that reaches its limit leaves the rest to the
/// others.
pub fn distribute(
    amount_minor: i64,
    investors: &[InvestorPosition],
    cap: &ReturnCap,
    residual: &ResidualRule,
) -> Result<Distribution, FieldError> {
    validate(amount_minor, investors, cap, residual)?;
    let weights: Vec<i128> = investors.iter().map(|p| i128::from(p.drawn_minor)).collect();

    let outstanding: Vec<Option<i128>> =
        investors.iter().map(|p| Some(i128::from(p.drawn_minor - p.capital_returned_minor))).collect();
    let capital = allocate_capped(i128::from(amount_minor), &weights, &outstanding);
    let mut left = i128::from(amount_minor) - capital.iter().sum::<i128>();

    let return_room: Vec<Option<i128>> = investors
        .iter()
        .map(|p| return_cap_minor(cap, p.drawn_minor).map(|c| (c - i128::from(p.return_paid_minor)).max(0)))
        .collect();
    // Tier order: no return while any capital is outstanding. Tier 1 only leaves money when
    // every investor's capital is back, so this holds by construction.
    let returns = if left > 0 { allocate_capped(left, &weights, &return_room) } else { vec![0; investors.len()] };
    left -= returns.iter().sum::<i128>();

    let share = i128::from(residual.investors_share_bp);
    let total_drawn: i128 = weights.iter().sum();
    let [to_investors, mut to_other] = if total_drawn > 0 {
        let parts = largest_remainder(left, &[share, 10_000 - share]);
        [parts[0], parts[1]]
    } else {
        [0, left]
    };
    let residuals = if to_investors > 0 { largest_remainder(to_investors, &weights) } else { vec![0; investors.len()] };
    if residuals.iter().sum::<i128>() != to_investors {
        // Unreachable with a positive total weight; keep the sum exact regardless.
        to_other += to_investors - residuals.iter().sum::<i128>();
    }

    let to_i64 =
        |v: i128| i64::try_from(v).map_err(|_| FieldError::new("amount_minor", "amount_too_large", "too large"));
    let mut parts = Vec::with_capacity(investors.len());
    for (i, p) in investors.iter().enumerate() {
        parts.push(InvestorDistribution {
            investor_id: p.investor_id.clone(),
            capital_minor: to_i64(capital[i])?,
            return_minor: to_i64(returns[i])?,
            residual_minor: to_i64(residuals[i])?,
        });
    }
    let distribution = Distribution {
        amount_minor,
        investors: parts,
        other_party: residual.other_party.clone(),
        other_party_minor: to_i64(to_other)?,
    };
    let total: i128 = distribution.investors.iter().map(|d| i128::from(d.total_minor())).sum::<i128>()
        + i128::from(distribution.other_party_minor);
    if total != i128::from(amount_minor) {
        return Err(FieldError::new("amount_minor", "internal_error", "the parts do not sum to the amount"));
    }
    Ok(distribution)
}

fn validate(
    amount_minor: i64,
    investors: &[InvestorPosition],
    cap: &ReturnCap,
    residual: &ResidualRule,
) -> Result<(), FieldError> {
    if amount_minor < 0 {
        return Err(FieldError::new("amount_minor", "negative_amount", "the amount to distribute cannot be negative"));
    }
    if investors.len() > INVESTORS_MAX {
        return Err(FieldError::new("investors", "too_many", format!("at most {INVESTORS_MAX} investors")));
    }
    let mut total_drawn: i128 = 0;
    let mut ids = std::collections::HashSet::new();
    for (i, p) in investors.iter().enumerate() {
        let at = |f: &str| format!("investors[{i}].{f}");
        if p.investor_id.trim().is_empty() || p.investor_id.len() > 200 {
            return Err(FieldError::new(at("investor_id"), "invalid_id", "an investor id is 1 to 200 characters"));
        }
        if !ids.insert(p.investor_id.as_str()) {
            return Err(FieldError::new(
                at("investor_id"),
                "duplicate_id",
                format!("{:?} is listed twice", p.investor_id),
            ));
        }
        if p.committed_minor < 0 || p.drawn_minor < 0 || p.capital_returned_minor < 0 || p.return_paid_minor < 0 {
            return Err(FieldError::new(at("amounts"), "negative_amount", "amounts cannot be negative"));
        }
        if p.drawn_minor > p.committed_minor {
            return Err(FieldError::new(at("drawn_minor"), "over_commitment", "drawn capital exceeds the commitment"));
        }
        if p.capital_returned_minor > p.drawn_minor {
            return Err(FieldError::new(
                at("capital_returned_minor"),
                "over_drawn",
                "capital returned exceeds the drawn capital",
            ));
        }
        total_drawn += i128::from(p.drawn_minor);
    }
    if total_drawn > i128::from(i64::MAX) {
        return Err(FieldError::new("investors", "amount_too_large", "the total drawn capital is too large"));
    }
    match *cap {
        ReturnCap::MoneyMultiple { multiple_bp } if multiple_bp < 10_000 => {
            return Err(FieldError::new(
                "cap",
                "out_of_range",
                "a money-multiple cap is at least 10000 basis points (1×)",
            ));
        }
        ReturnCap::SimpleAnnualRate { since, as_of, .. } if as_of < since => {
            return Err(FieldError::new("cap", "out_of_range", "the cap's as_of date is before its since date"));
        }
        _ => {}
    }
    if residual.investors_share_bp > 10_000 {
        return Err(FieldError::new(
            "residual.investors_share_bp",
            "out_of_range",
            "the investors' share is 0 to 10000 basis points",
        ));
    }
    if residual.other_party.trim().is_empty() || residual.other_party.len() > 200 {
        return Err(FieldError::new("residual.other_party", "invalid_id", "name the party that gets the rest"));
    }
    Ok(())
}

/// Splits `amount` pro rata by `weights`, each part at most its `room` (`None`: no limit), by
/// water-filling: parts whose pro-rata share reaches their room get the room, the rest is
/// shared again among the others; the final shares are rounded by largest remainder. Whatever
/// no one has room for is left out (the caller passes it on).
fn allocate_capped(amount: i128, weights: &[i128], room: &[Option<i128>]) -> Vec<i128> {
    let mut parts = vec![0_i128; weights.len()];
    let mut active: Vec<usize> =
        (0..weights.len()).filter(|&i| weights[i] > 0 && room[i].is_none_or(|r| r > 0)).collect();
    let mut remaining = amount;
    while remaining > 0 && !active.is_empty() {
        let total: i128 = active.iter().map(|&i| weights[i]).sum();
        let (full, open): (Vec<usize>, Vec<usize>) =
            active.iter().partition(|&&i| room[i].is_some_and(|r| remaining * weights[i] >= r * total));
        if full.is_empty() {
            let open_weights: Vec<i128> = open.iter().map(|&i| weights[i]).collect();
            for (&i, part) in open.iter().zip(largest_remainder(remaining, &open_weights)) {
                parts[i] = part;
            }
            break;
        }
        for &i in &full {
            let r = room[i].unwrap_or(0);
            parts[i] = r;
            remaining -= r;
        }
        active = open;
    }
    parts
}

/// Splits `amount` (≥ 0) pro rata by `weights` (≥ 0, not all 0) exactly: each part is the floor
/// of its share, and the units left go one each to the largest remainders, ties to the earlier
/// index. All-zero weights give all zeros.
fn largest_remainder(amount: i128, weights: &[i128]) -> Vec<i128> {
    let total: i128 = weights.iter().sum();
    if total <= 0 {
        return vec![0; weights.len()];
    }
    let mut parts: Vec<i128> = weights.iter().map(|w| amount * w / total).collect();
    let mut left = amount - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(amount * weights[i] % total), i));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_is_exact() {
        assert_eq!(largest_remainder(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(largest_remainder(10, &[2, 3, 5]), vec![2, 3, 5]);
        assert_eq!(largest_remainder(1, &[1, 2]), vec![0, 1]);
        assert_eq!(largest_remainder(5, &[0, 0]), vec![0, 0]);
    }

    #[test]
    fn water_filling_respects_room() {
        // Pro rata 50/50 would give 60 each; the first has room for 10 only.
        assert_eq!(allocate_capped(120, &[1, 1], &[Some(10), None]), vec![10, 110]);
        assert_eq!(allocate_capped(120, &[1, 1], &[Some(10), Some(20)]), vec![10, 20]);
    }
}
