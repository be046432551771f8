use proptest::prelude::*;

use super::*;

const DAY: i64 = 86_400_000_000;

const ISSUANCE: u32 = 0;
const FEES: u32 = 1;
const W1: u32 = 2;
const W2: u32 = 3;
const M1: u32 = 4;
const M2: u32 = 5;
const M3: u32 = 6;

fn roles() -> Vec<AccountRole> {
    use AccountRole::*;
    vec![Issuance, Fees, Wallet, Wallet, Merchant, Merchant, Merchant]
}

fn tr(day: i64, debit: u32, credit: u32, amount_minor: i64, reference: Option<&'static str>) -> FlowTransfer<'static> {
    FlowTransfer { debit, credit, amount_minor, timestamp_us: day * DAY, reference }
}

/// The worked example of `docs/currency.md` ("Figures").
///
/// | day | transfer            | amount | what the lots say (first in, first out)                     |
/// |-----|---------------------|--------|-------------------------------------------------------------|
/// | 0   | issuance → W1       | 100    | W1 [100 wallet]                                             |
/// | 1   | issuance → W2       | 100    | W2 [100 wallet]                                             |
/// | 2   | W1 → M1 (food)      | 80     | M1 [80 r1]                                                  |
/// | 3   | W2 → M2 (hygiene)   | 50     | M2 [50 r1]                                                  |
/// | 4   | M1 → M2             | 30     | 30 r1 from M1: R2 += 30; M1 [50 r1], M2 [50 r1, 30 r2]      |
/// | 5   | M2 → M3             | 60     | 50 r1 (R2 += 50) + 10 r2 (R3 += 10); M3 [50 r2, 10 r3]      |
/// | 6   | M3 → M1             | 40     | 40 r2: R3 += 40; M3 [10 r2, 10 r3]; M1 [50 r1, 40 r3]       |
/// | 8   | M1 → issuance       | 60     | redeemed 50 r1 + 10 r3: 10 of 60 had recirculated           |
/// | 9   | M1 → fees           | 3      | M1 [27 r3]                                                  |
///
/// R1 = 200, R2 = 30 + 50 = 80, R3 = 10 + 40 = 50: LM3 = 330 / 200 = 1.65.
/// Recirculation = 10 / 60 = 16.67 %. Still in the local economy at day 10: wallets 20 + 50,
/// merchants 27 + 20 + 20 = 137 of 200: retention 68.5 %; 63 left (60 redeemed, 3 fee).
/// Outstanding: 100 on day 0, 200 on days 1–7, 140 on day 8, 137 on day 9: 1,777 unit-days
/// over 10 days, a mean of 177.7; spent 130 + circulated 130 = 260: velocity 260 / 177.7 =
/// 1.4631.
fn example() -> Vec<FlowTransfer<'static>> {
    vec![
        tr(0, ISSUANCE, W1, 100, Some("programme:1/run:1")),
        tr(1, ISSUANCE, W2, 100, Some("programme:1/run:1")),
        tr(2, W1, M1, 80, Some("category:food")),
        tr(3, W2, M2, 50, Some("category:hygiene")),
        tr(4, M1, M2, 30, None),
        tr(5, M2, M3, 60, None),
        tr(6, M3, M1, 40, None),
        tr(8, M1, ISSUANCE, 60, None),
        tr(9, M1, FEES, 3, None),
    ]
}

fn query(from_day: i64, to_day: i64) -> FiguresQuery {
    FiguresQuery {
        from_us: from_day * DAY,
        to_us: to_day * DAY,
        programme: None,
        bucket_starts_us: vec![],
        top_merchants: 10,
    }
}

#[test]
fn worked_example_lm3_recirculation_velocity_retention() -> Result<(), FiguresError> {
    let mut q = query(0, 10);
    q.bucket_starts_us = vec![0, 5 * DAY];
    q.top_merchants = 1;
    let f = compute(&roles(), example(), &q)?;
    assert_eq!((f.rounds.r1_minor, f.rounds.r2_minor, f.rounds.r3_minor), (200, 80, 50));
    assert_eq!(f.lm3.map(|r| (r.numerator, r.denominator, r.basis_points)), Some((330, 200, 16_500)));
    assert_eq!(f.lm3.map(|r| r.decimal_text()).as_deref(), Some("1.65"));
    assert_eq!((f.redeemed_minor, f.redeemed_recirculated_minor), (60, 10));
    assert_eq!(f.recirculation.map(|r| r.basis_points), Some(1_667));
    assert_eq!(f.recirculation.map(|r| r.percent_text()).as_deref(), Some("16.7"));
    assert_eq!(
        f.cohort,
        CohortPosition { in_wallets_minor: 70, at_merchants_minor: 67, elsewhere_minor: 0, left_minor: 63 }
    );
    assert_eq!(f.retention.map(|r| r.basis_points), Some(6_850));
    assert_eq!((f.spent_minor, f.payments, f.circulated_minor, f.fees_minor), (130, 2, 130, 3));
    assert_eq!((f.issued_minor, f.issues, f.beneficiaries), (200, 2, 2));
    assert_eq!(f.average_outstanding_minor, 177);
    assert_eq!(f.velocity.map(|r| (r.numerator, r.denominator, r.basis_points)), Some((260, 177, 14_631)));
    assert_eq!(f.outstanding_end_minor, 137);
    let cats: Vec<(&str, i64)> = f.by_category.iter().map(|c| (c.category.as_str(), c.spent_minor)).collect();
    assert_eq!(cats, [("food", 80), ("hygiene", 50)]);
    assert_eq!(f.top_merchants, [MerchantFigure { account: M1, received_minor: 80, payments: 1 }]);
    assert_eq!((f.other_merchants, f.other_merchants_received_minor), (1, 50));
    let series: Vec<[i64; 4]> =
        f.series.iter().map(|b| [b.issued_minor, b.spent_minor, b.circulated_minor, b.redeemed_minor]).collect();
    assert_eq!(series, [[200, 130, 30, 0], [0, 0, 100, 60]]);
    Ok(())
}

#[test]
fn a_later_period_sees_flows_but_no_cohort() -> Result<(), FiguresError> {
    let f = compute(&roles(), example(), &query(5, 10))?;
    assert_eq!((f.issued_minor, f.spent_minor, f.circulated_minor, f.redeemed_minor), (0, 0, 100, 60));
    assert_eq!(f.redeemed_recirculated_minor, 10);
    assert_eq!((f.lm3, f.retention), (None, None));
    // Outstanding 200 on days 5–7, 140 on day 8, 137 on day 9: 877 / 5 = 175.4.
    assert_eq!(f.average_outstanding_minor, 175);
    // A period that ends before the redemption: the transfers after it are not read into it.
    let f = compute(&roles(), example(), &query(0, 7))?;
    assert_eq!((f.rounds.r2_minor, f.rounds.r3_minor, f.redeemed_minor), (80, 50, 0));
    assert_eq!(f.recirculation, None);
    Ok(())
}

#[test]
fn a_programme_filter_follows_its_own_units_through_shared_wallets() -> Result<(), FiguresError> {
    // W1 gets 30 of programme 1, then 50 of programme 2, and pays 40: first in, first out,
    // 30 of programme 1 and 10 of programme 2.
    let transfers = vec![
        tr(0, ISSUANCE, W1, 30, Some("programme:1/run:1")),
        tr(1, ISSUANCE, W1, 50, Some("programme:2/run:7")),
        tr(2, W1, M1, 40, Some("category:food")),
        tr(3, M1, M2, 35, None),
    ];
    let mut q = query(0, 10);
    q.programme = Some("1".into());
    let one = compute(&roles(), transfers.clone(), &q)?;
    q.programme = Some("2".into());
    let two = compute(&roles(), transfers.clone(), &q)?;
    assert_eq!((one.issued_minor, one.spent_minor, one.rounds.r2_minor), (30, 30, 30));
    assert_eq!((two.issued_minor, two.spent_minor, two.rounds.r2_minor), (50, 10, 5));
    assert_eq!((one.payments, two.payments), (1, 1));
    // A programme whose id is a prefix of another's does not take its units.
    q.programme = Some("".into());
    assert_eq!(compute(&roles(), transfers, &q).err(), Some(FiguresError::Programme));
    Ok(())
}

#[test]
fn bad_input_is_refused_with_what_was_wrong() {
    let q = query(0, 10);
    let bad = |t: FlowTransfer<'static>| compute(&roles(), [tr(1, ISSUANCE, W1, 5, None), t], &q).err();
    assert_eq!(bad(tr(0, W1, M1, 1, None)), Some(FiguresError::OutOfOrder { index: 1, timestamp_us: 0 }));
    assert_eq!(bad(tr(2, W1, 99, 1, None)), Some(FiguresError::UnknownAccount { index: 1, account: 99 }));
    assert_eq!(bad(tr(2, W1, M1, 0, None)), Some(FiguresError::NonPositiveAmount { index: 1, amount_minor: 0 }));
    assert_eq!(compute(&roles(), [], &query(3, 3)).err(), Some(FiguresError::EmptyPeriod));
    let mut q = query(0, 10);
    q.bucket_starts_us = vec![DAY];
    assert_eq!(compute(&roles(), [], &q).err(), Some(FiguresError::Buckets));
    q.bucket_starts_us = vec![0, 10 * DAY];
    assert_eq!(compute(&roles(), [], &q).err(), Some(FiguresError::Buckets));
}

#[test]
fn categories_past_the_limit_are_counted_together() -> Result<(), FiguresError> {
    let names: Vec<String> = (0..CATEGORIES_MAX + 5).map(|i| format!("category:c{i:03}")).collect();
    let mut transfers = vec![tr(0, ISSUANCE, W1, 1_000, None)];
    for (i, n) in names.iter().enumerate() {
        transfers.push(FlowTransfer {
            debit: W1,
            credit: M1,
            amount_minor: 1,
            timestamp_us: DAY + i as i64,
            reference: Some(n.as_str()),
        });
    }
    let f = compute(&roles(), transfers, &query(0, 10))?;
    assert_eq!(f.by_category.len(), CATEGORIES_MAX + 1);
    assert_eq!(f.by_category.iter().find(|c| c.category == CATEGORY_OTHER).map(|c| c.spent_minor), Some(5));
    assert_eq!(f.by_category.iter().map(|c| c.spent_minor).sum::<i64>(), f.spent_minor);
    Ok(())
}

#[test]
fn ratios_round_half_up_in_integers() {
    assert_eq!(Ratio::new(2, 3).map(|r| r.basis_points), Some(6_667));
    assert_eq!(
        Ratio::new(1, 8).map(|r| (r.basis_points, r.decimal_text(), r.percent_text())),
        Some((1_250, "0.13".into(), "12.5".into()))
    );
    assert_eq!(Ratio::new(468, 200).map(|r| r.decimal_text()).as_deref(), Some("2.34"));
    assert_eq!(Ratio::new(1, 0), None);
}

// ---------------------------------------------------------------------------------------
// Random flows, valid as the ledger would let them happen (no wallet or merchant overdrawn).

/// Accounts of the random flows: issuance, fees, 4 wallets, 5 merchants, one of another type.
fn random_roles() -> Vec<AccountRole> {
    use AccountRole::*;
    let mut r = vec![Issuance, Fees];
    r.extend([Wallet; 4]);
    r.extend([Merchant; 5]);
    r.push(Other);
    r
}
const WALLETS: std::ops::Range<u32> = 2..6;
const MERCHANTS: std::ops::Range<u32> = 6..11;
const OTHER: u32 = 11;
const CATEGORIES: [&str; 3] = ["category:food", "category:hygiene", "category:cleaning"];
const PROGRAMMES: [&str; 2] = ["programme:1/run:1", "programme:2/run:1"];

#[derive(Debug, Clone)]
struct Op {
    kind: u8,
    a: u32,
    b: u32,
    pct: i64,
    amount: i64,
    pick: usize,
    gap_us: i64,
}

fn op() -> impl Strategy<Value = Op> {
    (0u8..9, 0u32..5, 0u32..5, 1i64..=100, 1i64..500, 0usize..6, 0i64..3 * DAY)
        .prop_map(|(kind, a, b, pct, amount, pick, gap_us)| Op { kind, a, b, pct, amount, pick, gap_us })
}

/// Builds valid transfers from the ops, and returns them with the final local balance.
fn flows(ops: &[Op]) -> (Vec<FlowTransfer<'static>>, i64) {
    let mut balance = vec![0i64; random_roles().len()];
    let mut out = Vec::new();
    let mut ts = 0;
    let wallet = |i: u32| WALLETS.start + i % (WALLETS.end - WALLETS.start);
    let merchant = |i: u32| MERCHANTS.start + i % (MERCHANTS.end - MERCHANTS.start);
    for o in ops {
        ts += 1 + o.gap_us;
        let (debit, credit, reference) = match o.kind {
            0 | 1 => (ISSUANCE, wallet(o.a), Some(PROGRAMMES[o.pick % 2])),
            2 | 3 => (wallet(o.a), merchant(o.b), (o.pick < 3).then(|| CATEGORIES[o.pick])),
            4 => (merchant(o.a), merchant(o.b), None),
            5 => (merchant(o.a), if o.pick % 2 == 0 { ISSUANCE } else { FEES }, None),
            6 => (wallet(o.a), FEES, None),
            7 => (merchant(o.a), if o.pick % 2 == 0 { wallet(o.b) } else { OTHER }, None),
            _ => (OTHER, merchant(o.b), None),
        };
        if debit == credit {
            continue;
        }
        let amount = if debit == ISSUANCE { o.amount } else { balance[debit as usize] * o.pct / 100 };
        if amount <= 0 {
            continue;
        }
        balance[debit as usize] -= amount;
        balance[credit as usize] += amount;
        out.push(FlowTransfer { debit, credit, amount_minor: amount, timestamp_us: ts, reference });
    }
    let local = WALLETS.chain(MERCHANTS).map(|i| balance[i as usize]).sum();
    (out, local)
}

fn span(transfers: &[FlowTransfer<'_>]) -> i64 {
    transfers.last().map_or(100, |t| (t.timestamp_us + 1).max(100))
}

/// The figures that add up across a partition of the units (programmes) or of time.
fn additive(f: &Figures) -> Vec<i64> {
    let mut v = vec![
        f.issued_minor,
        f.spent_minor,
        // Not `payments`: a payment that carries units of two programmes counts in both.
        f.circulated_minor,
        f.redeemed_minor,
        f.redeemed_recirculated_minor,
        f.fees_minor,
        f.expired_minor,
        f.rounds.r2_minor,
        f.rounds.r3_minor,
        f.cohort.in_wallets_minor,
        f.cohort.at_merchants_minor,
        f.cohort.elsewhere_minor,
        f.cohort.left_minor,
        f.outstanding_end_minor,
    ];
    for c in CATEGORIES.iter().map(|c| &c[9..]).chain([CATEGORY_NONE]) {
        v.push(f.by_category.iter().find(|x| x.category == c).map_or(0, |x| x.spent_minor));
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn rounds_never_grow_and_the_cohort_is_conserved(ops in prop::collection::vec(op(), 0..120), cut in 0u32..=100) {
        let (transfers, _) = flows(&ops);
        let end = span(&transfers);
        let from = end * i64::from(cut) / 200;
        let q = FiguresQuery { from_us: from, to_us: end, programme: None, bucket_starts_us: vec![], top_merchants: 3 };
        let f = compute(&random_roles(), transfers, &q).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let r = &f.rounds;
        prop_assert!(r.r3_minor <= r.r2_minor && r.r2_minor <= r.r1_minor, "{r:?}");
        prop_assert!(r.r2_minor <= f.spent_minor);
        let c = &f.cohort;
        prop_assert_eq!(r.r1_minor, c.in_wallets_minor + c.at_merchants_minor + c.elsewhere_minor + c.left_minor);
        if let Some(lm3) = f.lm3 {
            prop_assert!((10_000..=30_000).contains(&lm3.basis_points), "{lm3:?}");
        } else {
            prop_assert_eq!(r.r1_minor, 0);
        }
        if let Some(ret) = f.retention {
            prop_assert!((0..=10_000).contains(&ret.basis_points));
        }
        if let Some(rec) = f.recirculation {
            prop_assert!((0..=10_000).contains(&rec.basis_points));
        }
        prop_assert_eq!(f.by_category.iter().map(|c| c.spent_minor).sum::<i64>(), f.spent_minor);
        prop_assert_eq!(
            f.top_merchants.iter().map(|m| m.received_minor).sum::<i64>() + f.other_merchants_received_minor,
            f.spent_minor
        );
        prop_assert!(f.top_merchants.len() <= 3);
    }

    #[test]
    fn programmes_partition_the_figures_of_all(ops in prop::collection::vec(op(), 0..120), cut in 0u32..=100) {
        let (transfers, local) = flows(&ops);
        let end = span(&transfers);
        let from = end * i64::from(cut) / 200;
        let run = |programme: Option<&str>| {
            let q = FiguresQuery { from_us: from, to_us: end, programme: programme.map(str::to_string), bucket_starts_us: vec![], top_merchants: 5 };
            compute(&random_roles(), transfers.iter().copied(), &q).map_err(|e| TestCaseError::fail(e.to_string()))
        };
        let all = run(None)?;
        let (one, two) = (run(Some("1"))?, run(Some("2"))?);
        let sum: Vec<i64> = additive(&one).iter().zip(additive(&two)).map(|(a, b)| a + b).collect();
        prop_assert_eq!(sum, additive(&all));
        // Without a filter, the outstanding units are every unit wallets and merchants hold.
        prop_assert_eq!(all.outstanding_end_minor, local);
    }

    #[test]
    fn flows_add_up_over_consecutive_periods_and_buckets(ops in prop::collection::vec(op(), 1..120), cut in 1u32..100) {
        let (transfers, _) = flows(&ops);
        let end = span(&transfers);
        let mid = end * i64::from(cut) / 100;
        let run = |from: i64, to: i64, buckets: Vec<i64>| {
            let q = FiguresQuery { from_us: from, to_us: to, programme: None, bucket_starts_us: buckets, top_merchants: 5 };
            compute(&random_roles(), transfers.iter().copied(), &q).map_err(|e| TestCaseError::fail(e.to_string()))
        };
        let whole = run(0, end, vec![0, mid])?;
        let (a, b) = (run(0, mid, vec![])?, run(mid, end, vec![])?);
        let flow = |f: &Figures| [f.issued_minor, f.spent_minor, f.circulated_minor, f.redeemed_minor];
        let joined: Vec<i64> = flow(&a).iter().zip(flow(&b)).map(|(x, y)| x + y).collect();
        prop_assert_eq!(joined, flow(&whole).to_vec());
        let buckets: Vec<[i64; 4]> = whole.series.iter().map(|s| [s.issued_minor, s.spent_minor, s.circulated_minor, s.redeemed_minor]).collect();
        prop_assert_eq!(buckets, vec![flow(&a), flow(&b)]);
        // The time-weighted outstanding is the same whether the period is cut or not.
        let area = |f: &Figures| i128::from(f.average_outstanding_minor) * i128::from(f.to_us - f.from_us);
        prop_assert!(area(&a) + area(&b) <= area(&whole) + i128::from(end));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A tracer kept between requests (made for any end, taking new transfers as they come and
    /// accounts as they open) answers every request exactly as a fresh computation over the
    /// transfers there were at the time, for a period from `from` and a programme filter.
    #[test]
    fn a_kept_tracer_answers_as_a_fresh_computation(
        ops in prop::collection::vec(op(), 0..120),
        cut in 0u32..=100,
        cuts in prop::collection::vec((0u32..=100, 1i64..3 * DAY), 1..6),
        programme in prop::option::of(prop::sample::select(vec!["1", "2"])),
    ) {
        let (transfers, _) = flows(&ops);
        let end = span(&transfers);
        let from = end * i64::from(cut) / 200;
        let width = (end / 4).max(1);
        let buckets: Vec<i64> = (0..BUCKETS_MAX as i64).map(|k| from + k * width).collect();
        let kept_query = FiguresQuery {
            from_us: from,
            to_us: i64::MAX,
            programme: programme.map(str::to_string),
            bucket_starts_us: buckets.clone(),
            top_merchants: TOP_MERCHANTS_MAX,
        };
        let roles = random_roles();
        // Only the issuance and fees accounts exist at first; the others open as they are used.
        let mut kept = Tracer::new(roles[..2].to_vec(), &kept_query).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut points: Vec<(usize, i64)> =
            cuts.iter().map(|(c, gap)| (transfers.len() * *c as usize / 100, *gap)).collect();
        points.sort();
        points.push((transfers.len(), 1));
        let mut fed = 0;
        for (upto, gap) in points {
            for t in &transfers[fed..upto] {
                while (kept.accounts() as u32) <= t.debit.max(t.credit) {
                    kept.add_account(roles[kept.accounts()]).map_err(|e| TestCaseError::fail(e.to_string()))?;
                }
                kept.push(t).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            fed = upto;
            let last = transfers[..fed].last().map_or(0, |t| t.timestamp_us);
            let to = last.max(from) + gap;
            let fresh_query = FiguresQuery {
                to_us: to,
                bucket_starts_us: buckets.iter().copied().take_while(|b| *b < to).collect(),
                top_merchants: 3,
                ..kept_query.clone()
            };
            let fresh = compute(&roles[..kept.accounts()], transfers[..fed].iter().copied(), &fresh_query)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let answer = kept.figures_at(to, 3).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(answer, fresh);
        }
        // An end before a transfer already traced is refused, not answered wrongly.
        if let Some(t) = transfers.iter().rev().find(|t| t.timestamp_us > from) {
            let refused = matches!(kept.figures_at(t.timestamp_us, 3), Err(FiguresError::EndBeforeTraced { .. }));
            prop_assert!(refused);
        }
    }
}
