//! Monthly issuance: the allocation rule of a programme (an amount per month by household size,
//! with a cap) and the plan of one month (who gets what, the total against the budget left and
//! against the backing).

use serde::Serialize;
use time::Date;

use super::households::Household;
use super::{ExchangeRate, amount, limits};
use crate::FieldError;
use crate::finance::{format_date, parse_date};

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Month {
    pub year: i32,
    pub month: u8,
}

impl Month {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new("month", "invalid_month", "The month is written like 2026-03");
        let s = raw.trim();
        let b = s.as_bytes();
        if b.len() != 7 || b[4] != b'-' || !s.bytes().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = s[..4].parse().map_err(|_| bad())?;
        let month: u8 = s[5..].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(2000..=2999).contains(&year) {
            return Err(bad());
        }
        Ok(Self { year, month })
    }

    pub fn first_day(self) -> Option<Date> {
        Date::from_calendar_date(self.year, time::Month::try_from(self.month).ok()?, 1).ok()
    }

    pub fn last_day(self) -> Option<Date> {
        let next = if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        };
        next.first_day()?.previous_day()
    }

    pub fn next(self) -> Self {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { year: self.year, month: self.month + 1 } }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// How much a household gets a month: `base` for the first person, `per_member` for each
/// further person, at most `cap` (Grama: 100 to 300 a month per family).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AllocationRule {
    pub base_minor: i64,
    pub per_member_minor: i64,
    pub cap_minor: i64,
}

impl AllocationRule {
    pub fn new(base_minor: i64, per_member_minor: i64, cap_minor: i64) -> Result<Self, FieldError> {
        let base_minor = amount("base_amount", base_minor, true)?;
        let per_member_minor = amount("per_member_amount", per_member_minor, false)?;
        let cap_minor = amount("household_cap", cap_minor, true)?;
        if cap_minor < base_minor {
            return Err(FieldError::new(
                "household_cap",
                "cap_below_base",
                "The cap must not be lower than the base amount",
            ));
        }
        Ok(Self { base_minor, per_member_minor, cap_minor })
    }

    /// The monthly amount for a household of `size` people (1 ..= 30).
    pub fn amount_for(&self, size: i64) -> i64 {
        let extra = size.clamp(1, limits::HOUSEHOLD_SIZE_MAX) - 1;
        let raw = i128::from(self.base_minor) + i128::from(self.per_member_minor) * i128::from(extra);
        i64::try_from(raw.min(i128::from(self.cap_minor))).unwrap_or(self.cap_minor)
    }
}

/// One household's line of a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuanceLine {
    pub household: String,
    pub size: i64,
    pub amount_minor: i64,
}

/// Who gets what in a month, and whether it fits the budget and the backing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuancePlan {
    pub month: String,
    pub lines: Vec<IssuanceLine>,
    /// Households of the programme not eligible in the month (outside their dates).
    pub not_eligible: u64,
    pub total_minor: i64,
    /// The programme's budget left before this month (currency minor units).
    pub budget_left_minor: i64,
    pub within_budget: bool,
    /// Units already outstanding (in wallets and with merchants) and the euro cents in the
    /// guarantee fund before this month.
    pub outstanding_minor: i64,
    pub fund_eur_minor: i64,
    /// Euro cents that must be added to the guarantee fund so that the outstanding units plus
    /// this month's stay backed (0 when the fund already covers them).
    pub backing_needed_eur_minor: i64,
}

/// What a plan is computed against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanContext {
    pub scale: u8,
    pub rate: ExchangeRate,
    pub programme_start: Date,
    pub programme_end: Date,
    pub budget_left_minor: i64,
    pub outstanding_minor: i64,
    pub fund_eur_minor: i64,
}

/// Computes a month's issuance: every household eligible on any day of the month gets the
/// rule's amount for its size. Errors when the month lies outside the programme's dates.
pub fn plan_issuance(
    month: Month,
    rule: &AllocationRule,
    households: &[Household],
    ctx: &PlanContext,
) -> Result<IssuancePlan, FieldError> {
    let (Some(first), Some(last)) = (month.first_day(), month.last_day()) else {
        return Err(FieldError::new("month", "invalid_month", "The month is written like 2026-03"));
    };
    if last < ctx.programme_start || first > ctx.programme_end {
        return Err(FieldError::new(
            "month",
            "outside_programme",
            format!(
                "{month} is outside the programme ({} to {})",
                format_date(ctx.programme_start),
                format_date(ctx.programme_end)
            ),
        ));
    }
    let mut lines = Vec::new();
    let mut not_eligible = 0;
    let mut total: i64 = 0;
    for h in households {
        let from = parse_date(&h.eligible_from);
        let to = h.eligible_to.as_deref().and_then(parse_date);
        let eligible = from.is_some_and(|f| f <= last) && to.is_none_or(|t| t >= first);
        if !eligible {
            not_eligible += 1;
            continue;
        }
        let amount_minor = rule.amount_for(h.size);
        total = total.saturating_add(amount_minor);
        lines.push(IssuanceLine { household: h.reference.clone(), size: h.size, amount_minor });
    }
    let after = ctx.outstanding_minor.saturating_add(total);
    let needed = ctx.rate.euros_needed(after, ctx.scale).saturating_sub(ctx.fund_eur_minor).max(0);
    Ok(IssuancePlan {
        month: month.to_string(),
        lines,
        not_eligible,
        total_minor: total,
        budget_left_minor: ctx.budget_left_minor,
        within_budget: total <= ctx.budget_left_minor,
        outstanding_minor: ctx.outstanding_minor,
        fund_eur_minor: ctx.fund_eur_minor,
        backing_needed_eur_minor: needed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn household(reference: &str, size: i64, from: &str, to: Option<&str>) -> Household {
        Household {
            reference: reference.into(),
            size,
            eligible_from: from.into(),
            eligible_to: to.map(str::to_string),
            locale: None,
            contact: None,
        }
    }

    fn ctx(budget: i64, outstanding: i64, fund: i64) -> PlanContext {
        PlanContext {
            scale: 2,
            rate: ExchangeRate::default(),
            programme_start: parse_date("2026-01-01").expect("date"),
            programme_end: parse_date("2026-12-31").expect("date"),
            budget_left_minor: budget,
            outstanding_minor: outstanding,
            fund_eur_minor: fund,
        }
    }

    #[test]
    fn months_parse() {
        assert_eq!(Month::parse("2026-03").map(|m| m.to_string()), Ok("2026-03".into()));
        for bad in ["2026-13", "2026-3", "26-03", "2026/03", "abcd-ef", "2026-00"] {
            assert_eq!(Month::parse(bad).map_err(|e| e.field), Err("month".into()), "{bad}");
        }
        let feb = Month::parse("2028-02").expect("month");
        assert_eq!(feb.last_day().map(format_date), Some("2028-02-29".into()));
        assert_eq!(Month::parse("2026-12").expect("m").next().to_string(), "2027-01");
    }

    #[test]
    fn grama_month_by_hand() {
        // 100 for one person, 50 more per person, at most 300 (in cents).
        let rule = AllocationRule::new(10_000, 5_000, 30_000).expect("rule");
        assert_eq!(rule.amount_for(1), 10_000);
        assert_eq!(rule.amount_for(3), 20_000);
        assert_eq!(rule.amount_for(9), 30_000);
        let hs = [
            household("H1", 1, "2026-01-01", None),
            household("H2", 4, "2026-03-31", None),
            household("H3", 2, "2026-01-01", Some("2026-02-28")),
            household("H4", 6, "2026-04-01", None),
        ];
        let plan = plan_issuance(Month::parse("2026-03").expect("m"), &rule, &hs, &ctx(100_000, 20_000, 30_000))
            .expect("plan");
        assert_eq!(plan.lines.iter().map(|l| l.amount_minor).collect::<Vec<_>>(), vec![10_000, 25_000]);
        assert_eq!(plan.total_minor, 35_000);
        assert_eq!(plan.not_eligible, 2);
        assert!(plan.within_budget);
        // 20,000 outstanding + 35,000 = 55,000 cents need 550 euros; the fund has 300.
        assert_eq!(plan.backing_needed_eur_minor, 25_000);
        let err = plan_issuance(Month::parse("2027-01").expect("m"), &rule, &hs, &ctx(0, 0, 0)).expect_err("outside");
        assert_eq!(err.code, "outside_programme");
        assert_eq!(AllocationRule::new(10_000, 0, 5_000).map_err(|e| e.field), Err("household_cap".into()));
    }

    proptest! {
        #[test]
        fn allocation_is_exact(
            base in 1i64..=100_000, per in 0i64..=100_000, extra_cap in 0i64..=500_000,
            sizes in proptest::collection::vec(1i64..=30, 0..300),
            outstanding in 0i64..=10_000_000, fund in 0i64..=10_000_000,
        ) {
            let rule = AllocationRule::new(base, per, base + extra_cap).expect("rule");
            let hs: Vec<Household> = sizes.iter().enumerate()
                .map(|(i, s)| household(&format!("H{i}"), *s, "2026-01-01", None)).collect();
            let plan = plan_issuance(Month::parse("2026-06").expect("m"), &rule, &hs, &ctx(i64::MAX, outstanding, fund)).expect("plan");
            prop_assert_eq!(plan.lines.len(), sizes.len());
            prop_assert_eq!(plan.lines.iter().map(|l| l.amount_minor).sum::<i64>(), plan.total_minor);
            for (l, s) in plan.lines.iter().zip(&sizes) {
                prop_assert!(l.amount_minor >= base && l.amount_minor <= base + extra_cap);
                prop_assert_eq!(l.amount_minor, (base + per * (s - 1)).min(base + extra_cap));
            }
            // After adding what the plan asks for, the fund covers everything, and one cent
            // less would not (unless nothing was needed).
            let fund_after = fund + plan.backing_needed_eur_minor;
            let units = outstanding + plan.total_minor;
            prop_assert!(ExchangeRate::default().covers(fund_after, units, 2));
            if plan.backing_needed_eur_minor > 0 {
                prop_assert!(!ExchangeRate::default().covers(fund_after - 1, units, 2));
            }
        }
    }
}
