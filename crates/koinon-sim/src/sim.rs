//! The Monte Carlo run: many scenarios of the same model, each with its own random stream, so
//! the results depend on the seed alone and never on the number of threads.
//!
//! One scenario:
//! 1. Each metric's success chance is drawn from a Beta distribution with the model's mean
//!    and standard deviation (the uncertainty about the chance itself).
//! 2. Each referral starts the service with the engagement chance; an engaged participant is
//!    still engaged `k` periods later with chance (1 − attrition)ᵏ (one draw per participant,
//!    compared with the survival chance of each lag).
//! 3. For each metric in order of lag (prerequisites first), an engaged participant who has
//!    the prerequisite achieves it with the drawn chance, in the period of enrolment + lag.
//!    Outcomes after the contract's last period are not paid.
//! 4. Payments: the metric's price, cut by the participant cap, then period by period by the
//!    contract cap. Costs (per participant at enrolment, fixed per period) are drawn from the
//!    investors' capital as they fall; the investors receive the outcome payments until they
//!    have their return cap times what they put in, and the provider the rest.
//! 5. Figures: what was paid, whether the cap was reached, the investors' IRR (period rate,
//!    annualised) and money multiple, and the commissioner's net savings (public savings
//!    minus outcome payments) discounted to the start at the model's rate. Payments for an
//!    outcome are made the model's payment delay after it.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use koinon_core::outcomes::Amount;
use serde::{Deserialize, Serialize};

use crate::model::Model;
use crate::rng::{Lanes, threshold32};

/// Most scenarios in one run.
pub const SCENARIOS_MAX: u32 = 10_000_000;
/// Scenarios handed to a worker at a time.
const CHUNK: usize = 512;
/// Bars of a histogram.
pub const HISTOGRAM_BINS: usize = 20;

/// What one scenario came to.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scenario {
    participants: u32,
    paid_minor: i64,
    cap_hit: bool,
    drawn_minor: i64,
    received_minor: i64,
    unfunded_minor: i64,
    /// Annual IRR of the investors; `None` when they put nothing in or it has no root.
    irr: Option<f64>,
    net_savings_npv_minor: i64,
}

/// Sums over all scenarios that do not depend on the order they are added in.
#[derive(Debug, Clone, Default)]
struct Totals {
    outcomes: Vec<u64>,
    paid_by_metric: Vec<i128>,
    paid_by_period: Vec<i128>,
}

impl Totals {
    fn new(metrics: usize, periods: usize) -> Self {
        Totals { outcomes: vec![0; metrics], paid_by_metric: vec![0; metrics], paid_by_period: vec![0; periods] }
    }

    fn add(&mut self, other: &Totals) {
        for (a, b) in self.outcomes.iter_mut().zip(&other.outcomes) {
            *a += b;
        }
        for (a, b) in self.paid_by_metric.iter_mut().zip(&other.paid_by_metric) {
            *a += b;
        }
        for (a, b) in self.paid_by_period.iter_mut().zip(&other.paid_by_period) {
            *a += b;
        }
    }
}

/// The fixed parts of a model, prepared once for all scenarios.
struct Plan<'m> {
    model: &'m Model,
    periods: usize,
    engage: Odds,
    /// How the participant cap is applied.
    pay: PayMode,
    /// The metrics by lag, then as listed, with what the inner loop needs.
    steps: Vec<Step>,
    /// For an enrolment period, how many of `steps` fall inside the contract (a prefix, as the
    /// steps are in order of lag).
    active: Vec<usize>,
    /// Beta parameters per metric, or the fixed chance.
    chance: Vec<Chance>,
    /// (1 + annual rate)^(−(t + 1) / periods per year) for each period.
    discount: Vec<f64>,
}

/// A chance as a test on a uniform 32-bit number `d`: it happens when `on` and `d <= le`, so
/// both 0 (never) and 1 (always) are exact.
#[derive(Debug, Clone, Copy, Default)]
struct Odds {
    le: u32,
    on: u32,
}

impl Odds {
    /// From a threshold of [`threshold32`] (0 to 2³²).
    fn new(threshold: u64) -> Self {
        Odds {
            le: u32::try_from(threshold.saturating_sub(1)).unwrap_or(u32::MAX),
            on: if threshold > 0 { u32::MAX } else { 0 },
        }
    }

    /// All ones when the draw hits, else 0.
    #[inline(always)]
    fn hit(self, draw: u32) -> u32 {
        self.on & 0u32.wrapping_sub(u32::from(draw <= self.le))
    }
}

/// How the participant cap is applied in the inner loop.
#[derive(Debug, Clone, Copy)]
enum PayMode {
    /// No cap, or one that no participant can reach: a metric pays its price per outcome.
    Count,
    /// A cap that fits in 32 bits: each participant's pay so far is kept as a `u32`.
    Capped32(u32),
    /// A cap beyond 32 bits that can bind: 64-bit amounts.
    Wide(i64),
}

/// One metric as the inner loop sees it.
#[derive(Debug, Clone, Copy)]
struct Step {
    metric: usize,
    lag: usize,
    price_minor: i64,
    saving_minor: i64,
    /// The bit of the prerequisite (0 for none): achieved when `achieved & mask == mask`.
    prerequisite_mask: u32,
    /// Still engaged `lag` periods after enrolment.
    survival: Odds,
}

#[derive(Debug, Clone, Copy)]
enum Chance {
    Fixed(Odds),
    Beta(f64, f64),
}

impl<'m> Plan<'m> {
    fn new(model: &'m Model) -> Self {
        let periods = usize::from(model.periods);
        let stay = 1.0 - f64::from(model.attrition_bp) / 10_000.0;
        let survival: Vec<u64> =
            (0..=periods).map(|k| threshold32(stay.powi(i32::try_from(k).unwrap_or(i32::MAX)))).collect();
        let survival: Vec<u64> = survival;
        let mut order: Vec<usize> = (0..model.metrics.len()).collect();
        order.sort_by_key(|&i| (model.metrics[i].lag_periods, i));
        let steps: Vec<Step> = order
            .iter()
            .map(|&i| {
                let m = &model.metrics[i];
                let lag = usize::from(m.lag_periods);
                Step {
                    metric: i,
                    lag,
                    price_minor: m.price_minor,
                    saving_minor: m.public_saving_minor,
                    prerequisite_mask: m.prerequisite.map_or(0, |p| 1u32 << p),
                    survival: Odds::new(survival.get(lag).copied().unwrap_or(0)),
                }
            })
            .collect();
        let active = (0..periods).map(|t| steps.iter().take_while(|st| t + st.lag < periods).count()).collect();
        let chance = model
            .metrics
            .iter()
            .map(|m| {
                let mean = f64::from(m.success_bp) / 10_000.0;
                let sd = f64::from(m.uncertainty_bp) / 10_000.0;
                if m.uncertainty_bp == 0 || m.success_bp == 0 || m.success_bp == 10_000 {
                    Chance::Fixed(Odds::new(threshold32(mean)))
                } else {
                    // Method of moments: α + β = mean(1 − mean)/sd² − 1.
                    let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
                    Chance::Beta(mean * k, (1.0 - mean) * k)
                }
            })
            .collect();
        let rate = f64::from(model.discount_rate_bp) / 10_000.0;
        let per_year = f64::from(model.periods_per_year());
        let horizon = periods + usize::from(model.payment_delay_periods);
        let discount = (0..horizon).map(|t| (1.0 + rate).powf(-((t + 1) as f64) / per_year)).collect();
        Plan {
            model,
            periods,
            engage: Odds::new(threshold32(f64::from(model.engagement_bp) / 10_000.0)),
            pay: {
                let most: i64 = model.metrics.iter().map(|m| m.price_minor).sum();
                match model.participant_cap_minor {
                    Some(cap) if cap < most => match u32::try_from(cap) {
                        Ok(cap) => PayMode::Capped32(cap),
                        Err(_) => PayMode::Wide(cap),
                    },
                    _ => PayMode::Count,
                }
            },
            steps,
            active,
            chance,
            discount,
        }
    }
}

/// Scratch space of one worker, reused from scenario to scenario.
struct Scratch {
    /// Random numbers of one enrolment period, and the same as 32-bit numbers: `r` for
    /// engagement, `r` for the stay, then `r` per metric.
    random: Vec<u64>,
    draws: Vec<u32>,
    /// Per referral of the period: engaged (all ones or 0), metrics achieved (bits), paid so
    /// far (32 or 64 bits, by the pay mode).
    engaged: Vec<u32>,
    achieved: Vec<u32>,
    paid: Vec<u32>,
    paid_wide: Vec<i64>,
    due: Vec<i64>,
    savings: Vec<i64>,
    enrolled: Vec<u32>,
    chance: Vec<Odds>,
    flows: Vec<i64>,
}

fn scenario(plan: &Plan<'_>, rng: &mut Lanes, s: &mut Scratch, totals: &mut Totals) -> Scenario {
    let model = plan.model;
    let periods = plan.periods;
    s.due.iter_mut().for_each(|v| *v = 0);
    s.savings.iter_mut().for_each(|v| *v = 0);
    s.enrolled.iter_mut().for_each(|v| *v = 0);
    for (c, chance) in s.chance.iter_mut().zip(&plan.chance) {
        *c = match *chance {
            Chance::Fixed(t) => t,
            Chance::Beta(a, b) => Odds::new(threshold32(rng.first().beta(a, b))),
        };
    }
    // Each enrolment period at once, metric by metric over its referrals: every referral
    // draws 32-bit numbers for its engagement, its stay and each metric, and bit masks decide,
    // with no branch on chance and no dependency from one referral to the next (the loops
    // compile to vector instructions).
    let mut outcomes = [0u64; crate::model::limits::METRICS_MAX];
    let mut paid_by_metric = [0i64; crate::model::limits::METRICS_MAX];
    let mut participants = 0u32;
    for (t, &referrals) in model.referrals.iter().enumerate() {
        let r = referrals as usize;
        if r == 0 {
            continue;
        }
        let steps = &plan.steps[..plan.active[t]];
        let words = (r * (2 + steps.len())).div_ceil(2);
        s.random.resize(words, 0);
        rng.fill(&mut s.random[..words]);
        s.draws.resize(2 * words, 0);
        for (pair, w) in s.draws.chunks_exact_mut(2).zip(&s.random[..words]) {
            pair[0] = *w as u32;
            pair[1] = (*w >> 32) as u32;
        }
        s.engaged.resize(r, 0);
        s.achieved.resize(r, 0);
        s.paid.resize(r, 0);
        let draws = &s.draws[..];
        let (engage_draws, stay_draws) = (&draws[..r], &draws[r..2 * r]);
        let mut enrolled = 0u32;
        for (e, d) in s.engaged.iter_mut().zip(engage_draws) {
            *e = plan.engage.hit(*d);
            enrolled += *e & 1;
        }
        s.achieved.iter_mut().for_each(|a| *a = 0);
        s.paid.iter_mut().for_each(|p| *p = 0);
        if let PayMode::Wide(_) = plan.pay {
            s.paid_wide.clear();
            s.paid_wide.resize(r, 0);
        }
        let (engaged, achieved, paid, paid_wide) =
            (&s.engaged[..], &mut s.achieved[..], &mut s.paid[..], &mut s.paid_wide[..]);
        for (k, step) in steps.iter().enumerate() {
            let metric_draws = &draws[(2 + k) * r..(3 + k) * r];
            let (chance, survival, mask, bit) =
                (s.chance[step.metric], step.survival, step.prerequisite_mask, 1u32 << step.metric);
            let mut count = 0u32;
            let mut sum = 0i64;
            let hits = engaged.iter().zip(stay_draws).zip(metric_draws).zip(achieved.iter_mut());
            match plan.pay {
                PayMode::Count => {
                    for (((&e, &stay), &d), a) in hits {
                        let prerequisite = 0u32.wrapping_sub(u32::from(*a & mask == mask));
                        let ok = e & survival.hit(stay) & prerequisite & chance.hit(d);
                        *a |= ok & bit;
                        count += ok & 1;
                    }
                    sum = i64::from(count) * step.price_minor;
                }
                PayMode::Capped32(cap) => {
                    drop(hits);
                    let price = u32::try_from(step.price_minor.min(i64::from(cap))).unwrap_or(cap);
                    // Sums stay in 32 bits over blocks small enough not to overflow (so the
                    // loop runs four referrals to a vector), then add up in 64.
                    let block = usize::try_from(u32::MAX / cap.max(1)).unwrap_or(1).clamp(1, 1 << 16);
                    let mut total = 0u64;
                    let mut from = 0;
                    while from < r {
                        let to = (from + block).min(r);
                        let mut sum32 = 0u32;
                        let lanes = engaged[from..to]
                            .iter()
                            .zip(&stay_draws[from..to])
                            .zip(&metric_draws[from..to])
                            .zip(achieved[from..to].iter_mut())
                            .zip(paid[from..to].iter_mut());
                        for ((((&e, &stay), &d), a), p) in lanes {
                            let prerequisite = 0u32.wrapping_sub(u32::from(*a & mask == mask));
                            let ok = e & survival.hit(stay) & prerequisite & chance.hit(d);
                            *a |= ok & bit;
                            count += ok & 1;
                            let pay = price.min(cap - *p) & ok;
                            *p += pay;
                            sum32 += pay;
                        }
                        total += u64::from(sum32);
                        from = to;
                    }
                    sum = i64::try_from(total).unwrap_or(i64::MAX);
                }
                PayMode::Wide(cap) => {
                    for ((((&e, &stay), &d), a), p) in hits.zip(paid_wide.iter_mut()) {
                        let prerequisite = 0u32.wrapping_sub(u32::from(*a & mask == mask));
                        let ok = e & survival.hit(stay) & prerequisite & chance.hit(d);
                        *a |= ok & bit;
                        count += ok & 1;
                        let pay = step.price_minor.min(cap - *p) & i64::from(ok as i32);
                        *p += pay;
                        sum += pay;
                    }
                }
            }
            s.due[t + step.lag] += sum;
            s.savings[t + step.lag] += i64::from(count) * step.saving_minor;
            outcomes[k] += u64::from(count);
            paid_by_metric[k] += sum;
        }
        participants += enrolled;
        s.enrolled[t] += enrolled;
    }
    for (k, step) in plan.steps.iter().enumerate() {
        totals.outcomes[step.metric] += outcomes[k];
        totals.paid_by_metric[step.metric] += i128::from(paid_by_metric[k]);
    }

    // The contract cap, period by period.
    let mut left = model.contract_cap_minor;
    let mut paid_total = 0i64;
    let mut due_total = 0i64;
    for t in 0..periods {
        due_total += s.due[t];
        let pay = s.due[t].min(left);
        s.due[t] = pay;
        left -= pay;
        paid_total += pay;
    }
    let cap_hit = due_total >= model.contract_cap_minor;

    // Costs drawn from the capital; payments to the investors up to their cap.
    // Payments for the outcomes of period t are made `delay` periods later (claims, checks and
    // the payment run take time), so the investors' flows run past the last period.
    let delay = usize::from(model.payment_delay_periods);
    s.flows.iter_mut().for_each(|f| *f = 0);
    let mut drawn = 0i64;
    let mut unfunded = 0i64;
    for t in 0..periods {
        let cost = i64::from(s.enrolled[t]) * model.cost_per_participant_minor + model.cost_per_period_minor;
        let draw = cost.min(model.capital_minor - drawn);
        drawn += draw;
        unfunded += cost - draw;
        s.flows[t] = -draw;
    }
    let limit = match model.return_cap_bp {
        Some(bp) => i64::try_from(i128::from(drawn) * i128::from(bp) / 10_000).unwrap_or(i64::MAX),
        None => i64::MAX,
    };
    let mut received = 0i64;
    let mut npv = 0.0f64;
    for t in 0..periods {
        let to_investors = s.due[t].min(limit - received);
        received += to_investors;
        s.flows[t + delay] += to_investors;
        totals.paid_by_period[t] += i128::from(s.due[t]);
        npv += s.savings[t] as f64 * plan.discount[t] - s.due[t] as f64 * plan.discount[t + delay];
    }
    let irr = if drawn > 0 { annual_irr(&s.flows, model.periods_per_year()) } else { None };
    Scenario {
        participants,
        paid_minor: paid_total,
        cap_hit,
        drawn_minor: drawn,
        received_minor: received,
        unfunded_minor: unfunded,
        irr,
        net_savings_npv_minor: npv.round() as i64,
    }
}

/// The grid of period rates the IRR is looked for on: evenly spaced in ln(1 + r), with 0% a
/// point of it, from about −99.99% to +940% a period.
const IRR_STEP: f64 = 0.18;
const IRR_BELOW: i32 = 51;
const IRR_ABOVE: i32 = 13;

/// Σ fₜ·xᵗ by Horner's rule, where x = 1/(1 + r).
fn npv_at(flows: &[i64], x: f64) -> f64 {
    flows.iter().rev().fold(0.0, |v, f| v * x + *f as f64)
}

/// The annual internal rate of return of flows at the end of equal periods: the period rate
/// `r` with Σ fₜ/(1+r)ᵗ = 0, then (1+r)^periods-per-year − 1. The root is looked for on a grid
/// of period rates evenly spaced in ln(1 + r) from about −99.99% to +940% (0% is a point of
/// it): going out from 0% a step at a time, both ways, the first step over which the value
/// falls through zero as the rate rises (an investment's rate: money out first, back later) is
/// narrowed down by the Illinois method to 1e-12. Flows that never come back (no positive
/// flow) give −1 (−100%); flows with no such step give `None`.
pub fn annual_irr(flows: &[i64], periods_per_year: u32) -> Option<f64> {
    if !flows.iter().any(|f| *f < 0) {
        return None;
    }
    if !flows.iter().any(|f| *f > 0) {
        return Some(-1.0);
    }
    // The value at grid point k (u = k·STEP, x = e^(−u)), each computed at most once.
    let mut cache = [f64::NAN; (IRR_BELOW + IRR_ABOVE + 1) as usize];
    let mut value = |k: i32| {
        let slot = &mut cache[(k + IRR_BELOW) as usize];
        if slot.is_nan() {
            *slot = npv_at(flows, (-(f64::from(k) * IRR_STEP)).exp());
        }
        *slot
    };
    let falls = |lo: f64, hi: f64| lo > 0.0 && hi < 0.0;
    let mut bracket = None;
    for d in 1..=IRR_BELOW.max(IRR_ABOVE) {
        if d <= IRR_ABOVE && falls(value(d - 1), value(d)) {
            bracket = Some(d - 1);
            break;
        }
        if d <= IRR_BELOW && falls(value(-d), value(-d + 1)) {
            bracket = Some(-d);
            break;
        }
    }
    let k = bracket?;
    // Illinois (regula falsi that halves the stale end's value) on u = ln(1 + r).
    let f = |u: f64| npv_at(flows, (-u).exp());
    let (mut a, mut b) = (f64::from(k) * IRR_STEP, f64::from(k + 1) * IRR_STEP);
    let (mut fa, mut fb) = (value(k), value(k + 1));
    let mut side = 0;
    for _ in 0..100 {
        let c = (a * fb - b * fa) / (fb - fa);
        let fc = f(c);
        if fc == 0.0 || (b - a).abs() < 1e-12 {
            a = c;
            b = c;
            break;
        }
        if (fc > 0.0) == (fa > 0.0) {
            a = c;
            fa = fc;
            if side == -1 {
                fb /= 2.0;
            }
            side = -1;
        } else {
            b = c;
            fb = fc;
            if side == 1 {
                fa /= 2.0;
            }
            side = 1;
        }
        if (b - a).abs() < 1e-12 {
            break;
        }
    }
    let u = 0.5 * (a + b);
    Some(annualise(u.exp() - 1.0, periods_per_year))
}

fn annualise(period_rate: f64, periods_per_year: u32) -> f64 {
    (1.0 + period_rate).powi(i32::try_from(periods_per_year).unwrap_or(1)) - 1.0
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    pub scenarios: u32,
    pub seed: u64,
    /// Worker threads (at least 1); the results do not depend on it.
    pub threads: usize,
}

/// Runs the model. `progress(done, total)` is called now and then on the calling thread.
pub fn simulate(model: &Model, options: RunOptions, progress: &mut dyn FnMut(u64, u64)) -> Feasibility {
    let n = options.scenarios.clamp(1, SCENARIOS_MAX) as usize;
    let plan = Plan::new(model);
    let chunks = n.div_ceil(CHUNK);
    let next = AtomicUsize::new(0);
    let done = AtomicU64::new(0);
    let threads = options.threads.clamp(1, 64).min(chunks);
    let mut parts: Vec<(usize, Vec<Scenario>, Totals)> = Vec::with_capacity(chunks);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut scratch = Scratch {
                        random: Vec::new(),
                        draws: Vec::new(),
                        engaged: Vec::new(),
                        achieved: Vec::new(),
                        paid: Vec::new(),
                        paid_wide: Vec::new(),
                        due: vec![0; plan.periods],
                        savings: vec![0; plan.periods],
                        enrolled: vec![0; plan.periods],
                        chance: vec![Odds::default(); model.metrics.len()],
                        flows: vec![0; plan.periods + usize::from(model.payment_delay_periods)],
                    };
                    let mut out = Vec::new();
                    loop {
                        let c = next.fetch_add(1, Ordering::Relaxed);
                        if c >= chunks {
                            break;
                        }
                        let mut totals = Totals::new(model.metrics.len(), plan.periods);
                        let range = c * CHUNK..((c + 1) * CHUNK).min(n);
                        let count = range.len() as u64;
                        let results: Vec<Scenario> = range
                            .map(|i| {
                                let mut rng = Lanes::for_scenario(options.seed, i as u64);
                                scenario(&plan, &mut rng, &mut scratch, &mut totals)
                            })
                            .collect();
                        out.push((c, results, totals));
                        done.fetch_add(count, Ordering::Relaxed);
                    }
                    out
                })
            })
            .collect();
        while !workers.iter().all(|w| w.is_finished()) {
            progress(done.load(Ordering::Relaxed), n as u64);
            std::thread::sleep(Duration::from_millis(50));
        }
        for w in workers {
            if let Ok(out) = w.join() {
                parts.extend(out);
            }
        }
    });
    progress(n as u64, n as u64);
    parts.sort_by_key(|(c, _, _)| *c);
    let mut totals = Totals::new(model.metrics.len(), plan.periods);
    let mut all = Vec::with_capacity(n);
    for (_, results, t) in parts {
        all.extend(results);
        totals.add(&t);
    }
    summarise(model, options, &all, &totals)
}

// ---- the figures ----

/// Money over the scenarios: mean (rounded down), spread and a histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyStats {
    pub mean: Amount,
    pub min: Amount,
    pub p5: Amount,
    pub p50: Amount,
    pub p95: Amount,
    pub max: Amount,
    pub histogram: Vec<Bin>,
}

/// One bar of a histogram: scenarios with a value in `[from, to)`. Bars have a round width
/// (1, 2 or 5 times a power of ten minor units) and start at a multiple of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bin {
    pub from: Amount,
    pub to: Amount,
    pub scenarios: u64,
}

/// A rate over the scenarios where it exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateStats {
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    /// Scenarios where it exists.
    pub scenarios: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestorFigures {
    pub capital: Amount,
    pub drawn: MoneyStats,
    pub received: MoneyStats,
    /// Annual IRR; −1 is everything lost.
    pub irr: Option<RateStats>,
    /// Received ÷ drawn.
    pub money_multiple: Option<RateStats>,
    /// Share of scenarios where the investors get back less than they put in.
    pub probability_of_loss: f64,
    /// Share of scenarios where the costs outrun the capital.
    pub probability_of_funding_gap: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommissionerFigures {
    pub discount_rate_bp: u32,
    /// Public savings minus outcome payments, discounted to the start.
    pub net_savings_npv: MoneyStats,
    /// Share of scenarios where the outcome payments cost more than they save.
    pub probability_of_net_cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricFigures {
    pub code: String,
    /// Mean outcomes per scenario.
    pub mean_outcomes: f64,
    /// Mean paid for it per scenario (before the contract cap), rounded down.
    pub mean_paid: Amount,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodFigures {
    pub period: String,
    /// Mean paid in the period per scenario (after the caps), rounded down.
    pub mean_paid: Amount,
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feasibility {
    pub model: String,
    pub currency: String,
    pub scenarios: u64,
    pub seed: u64,
    pub participants: RateStats,
    pub outcome_payments: MoneyStats,
    pub contract_cap: Amount,
    /// Share of scenarios where what is due reaches the contract cap.
    pub probability_cap_hit: f64,
    pub investors: Option<InvestorFigures>,
    pub commissioner: CommissionerFigures,
    pub by_metric: Vec<MetricFigures>,
    pub by_period: Vec<PeriodFigures>,
}

/// The value at `q` (0–1) of sorted values: nearest rank.
fn quantile<T: Copy>(sorted: &[T], q: f64) -> T {
    let n = sorted.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    sorted[rank - 1]
}

fn money_stats(mut values: Vec<i64>, scale: u8) -> MoneyStats {
    let amount = |minor: i64| Amount { minor, scale };
    values.sort_unstable();
    if values.is_empty() {
        let zero = amount(0);
        return MoneyStats { mean: zero, min: zero, p5: zero, p50: zero, p95: zero, max: zero, histogram: Vec::new() };
    }
    let n = values.len();
    let sum: i128 = values.iter().map(|v| i128::from(*v)).sum();
    let (min, max) = (values[0], values[n - 1]);
    // Bars of a round width (1, 2 or 5 times a power of ten minor units) starting at a multiple
    // of it, so the ranges read well: at most HISTOGRAM_BINS + 1 bars.
    let raw = ((i128::from(max) - i128::from(min)) / HISTOGRAM_BINS as i128).max(1);
    let width = nice_width(raw);
    let start = i128::from(min).div_euclid(width) * width;
    let bars = ((i128::from(max) - start) / width + 1) as usize;
    let edge = |b: i128| amount(i64::try_from(start + b * width).unwrap_or(i64::MAX));
    let mut histogram: Vec<Bin> =
        (0..bars as i128).map(|b| Bin { from: edge(b), to: edge(b + 1), scenarios: 0 }).collect();
    for v in &values {
        let b = ((i128::from(*v) - start) / width) as usize;
        histogram[b.min(bars - 1)].scenarios += 1;
    }
    MoneyStats {
        mean: amount(i64::try_from(sum.div_euclid(n as i128)).unwrap_or(i64::MAX)),
        min: amount(min),
        p5: amount(quantile(&values, 0.05)),
        p50: amount(quantile(&values, 0.5)),
        p95: amount(quantile(&values, 0.95)),
        max: amount(max),
        histogram,
    }
}

/// The smallest of 1, 2 and 5 times a power of ten that is at least `raw`.
fn nice_width(raw: i128) -> i128 {
    let mut power = 1i128;
    loop {
        for step in [1, 2, 5] {
            if step * power >= raw {
                return step * power;
            }
        }
        power *= 10;
    }
}

fn rate_stats(mut values: Vec<f64>) -> Option<RateStats> {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(RateStats {
        mean: values.iter().sum::<f64>() / n as f64,
        p5: quantile(&values, 0.05),
        p50: quantile(&values, 0.5),
        p95: quantile(&values, 0.95),
        scenarios: n as u64,
    })
}

fn share(count: usize, n: usize) -> f64 {
    if n == 0 { 0.0 } else { count as f64 / n as f64 }
}

fn summarise(model: &Model, options: RunOptions, all: &[Scenario], totals: &Totals) -> Feasibility {
    let n = all.len();
    let scale = model.currency.scale();
    let per = |sum: i128| Amount { minor: i64::try_from(sum.div_euclid(n.max(1) as i128)).unwrap_or(i64::MAX), scale };
    let investors = (model.capital_minor > 0).then(|| InvestorFigures {
        capital: Amount { minor: model.capital_minor, scale },
        drawn: money_stats(all.iter().map(|s| s.drawn_minor).collect(), scale),
        received: money_stats(all.iter().map(|s| s.received_minor).collect(), scale),
        irr: rate_stats(all.iter().filter_map(|s| s.irr).collect()),
        money_multiple: rate_stats(
            all.iter().filter(|s| s.drawn_minor > 0).map(|s| s.received_minor as f64 / s.drawn_minor as f64).collect(),
        ),
        probability_of_loss: share(all.iter().filter(|s| s.received_minor < s.drawn_minor).count(), n),
        probability_of_funding_gap: share(all.iter().filter(|s| s.unfunded_minor > 0).count(), n),
    });
    Feasibility {
        model: model.name.clone(),
        currency: model.currency.code().to_string(),
        scenarios: n as u64,
        seed: options.seed,
        participants: rate_stats(all.iter().map(|s| f64::from(s.participants)).collect()).unwrap_or(RateStats {
            mean: 0.0,
            p5: 0.0,
            p50: 0.0,
            p95: 0.0,
            scenarios: 0,
        }),
        outcome_payments: money_stats(all.iter().map(|s| s.paid_minor).collect(), scale),
        contract_cap: Amount { minor: model.contract_cap_minor, scale },
        probability_cap_hit: share(all.iter().filter(|s| s.cap_hit).count(), n),
        investors,
        commissioner: CommissionerFigures {
            discount_rate_bp: model.discount_rate_bp,
            net_savings_npv: money_stats(all.iter().map(|s| s.net_savings_npv_minor).collect(), scale),
            probability_of_net_cost: share(all.iter().filter(|s| s.net_savings_npv_minor < 0).count(), n),
        },
        by_metric: model
            .metrics
            .iter()
            .enumerate()
            .map(|(i, m)| MetricFigures {
                code: m.code.clone(),
                mean_outcomes: totals.outcomes[i] as f64 / n.max(1) as f64,
                mean_paid: per(totals.paid_by_metric[i]),
            })
            .collect(),
        by_period: (0..usize::from(model.periods))
            .map(|t| PeriodFigures { period: model.period_label(t), mean_paid: per(totals.paid_by_period[t]) })
            .collect(),
    }
}
