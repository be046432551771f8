//! The finance functions of the outcomes module, as the CLI and the app call them. Expected
//! values are worked out in the tests with the formulas of `docs/finance.md`, and the examples
//! there are the ones here.

use koinon_core::finance::*;
use proptest::prelude::*;
use time::Date;
use time::macros::date;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn cf(date: Date, amount_minor: i64) -> Cashflow {
    Cashflow::new(date, amount_minor)
}

/// The spreadsheet documentation's XIRR example.
fn spreadsheet_example() -> Vec<Cashflow> {
    vec![
        cf(date!(2008 - 01 - 01), -10_000),
        cf(date!(2008 - 03 - 01), 2_750),
        cf(date!(2008 - 10 - 30), 4_250),
        cf(date!(2009 - 02 - 15), 3_250),
        cf(date!(2009 - 04 - 01), 2_750),
    ]
}

/// NPV as a spreadsheet writes it: Σ amount / (1 + rate)^((date − first date) / 365).
fn spreadsheet_npv(flows: &[Cashflow], rate: f64) -> f64 {
    let first = flows.iter().map(|f| f.date).min().unwrap_or(date!(2000 - 01 - 01));
    flows.iter().map(|f| f.amount_minor as f64 / (1.0 + rate).powf((f.date - first).whole_days() as f64 / 365.0)).sum()
}

// ---- Cash-flow CSV --------------------------------------------------------------------------

const EXAMPLE_CSV: &str =
    "date,amount\n2008-01-01,-10000\n2008-03-01,2750\n2008-10-30,4250\n2009-02-15,3250\n2009-04-01,2750\n";

#[test]
fn csv_reads_dates_and_exact_amounts() -> TestResult {
    let file = parse_cashflows_csv(EXAMPLE_CSV, None)?;
    assert_eq!(file.scale, 0);
    assert_eq!(file.flows, spreadsheet_example());

    // The scale is the most decimals in the file; amounts are exact at that scale.
    let file =
        parse_cashflows_csv("date,amount\r\n2020-01-01,-100000\r\n2021-06-30,12500.50\r\n2022-01-01,0.125\r\n", None)?;
    assert_eq!(file.scale, 3);
    let amounts: Vec<i64> = file.flows.iter().map(|f| f.amount_minor).collect();
    assert_eq!(amounts, vec![-100_000_000, 12_500_500, 125]);

    // A given scale; a byte-order mark, spaces and blank lines are fine.
    let file = parse_cashflows_csv("\u{feff}date,amount\n\n 2020-01-01 , -1.5 \n2020-02-01,2\n", Some(2))?;
    assert_eq!(file.scale, 2);
    assert_eq!(file.flows, vec![cf(date!(2020 - 01 - 01), -150), cf(date!(2020 - 02 - 01), 200)]);

    // Eight decimals, no floating point on the way: 0.1 + 0.2 is exactly 0.3.
    let file = parse_cashflows_csv(
        "date,amount\n2020-01-01,-0.3\n2020-01-02,0.1\n2020-01-03,0.2\n2020-01-04,0.00000001\n",
        None,
    )?;
    assert_eq!(file.scale, 8);
    assert_eq!(file.flows.iter().map(|f| f.amount_minor).sum::<i64>(), 1);
    Ok(())
}

#[test]
fn csv_errors_name_the_line_and_the_column() {
    let err = |text: &str, scale: Option<u8>| match parse_cashflows_csv(text, scale) {
        Ok(_) => panic!("{text:?} must be refused"),
        Err(e) => (e.code, e.to_string()),
    };
    let (code, msg) = err("date,amount\n2008-01-01,-10000\n2008-03-01,2750\n2008-10-30,\"12,5\"\n", None);
    assert_eq!(code, "invalid_amount");
    assert!(msg.starts_with("line 4, amount: \"12,5\" is not a decimal"), "{msg}");

    let (code, msg) = err("date,amount\n2008-01-01,-10000\n2008-03-01,12,5\n", None);
    assert_eq!(code, "wrong_column_count");
    assert!(msg.starts_with("line 3: expected 2 columns"), "{msg}");

    let (code, msg) = err("date,amount\n2008-01-01,-10000\n2008-02-30,1\n", None);
    assert_eq!(code, "invalid_date");
    assert!(msg.starts_with("line 3, date: \"2008-02-30\" is not a date"), "{msg}");

    let (code, msg) = err("date,amount\n01/03/2008,1\n", None);
    assert_eq!((code, msg.starts_with("line 2, date:")), ("invalid_date", true), "{msg}");

    for header in ["Date,Amount\n", "amount,date\n", "date,amount,note\n", "2008-01-01,-1\n", ""] {
        let (code, msg) = err(&format!("{header}2008-01-01,-1\n"), None);
        assert_eq!(code, "invalid_header", "{header:?}");
        assert!(msg.starts_with("line 1"), "{msg}");
    }
    assert_eq!(err("date,amount\n", None).0, "no_cashflows");

    let (code, msg) = err("date,amount\n2008-01-01,-1\n2008-01-02,1.005\n", Some(2));
    assert_eq!(code, "too_many_decimals");
    assert!(msg.starts_with("line 3, amount:"), "{msg}");
    assert_eq!(err("date,amount\n2008-01-02,1.000000001\n", None).0, "too_many_decimals");

    // Overflow is an error, never a wrap: at 8 decimals the largest amount is 92233720368.54775807.
    let (code, msg) = err("date,amount\n2008-01-01,-1\n2008-01-02,92233720368.54775808\n", None);
    assert_eq!(code, "amount_too_large");
    assert!(msg.starts_with("line 3, amount:") && msg.contains("92233720368.54775807"), "{msg}");
    assert!(parse_cashflows_csv("date,amount\n2008-01-02,92233720368.54775807\n", None).is_ok());
    assert_eq!(err("date,amount\n2008-01-01,1\n", Some(9)).0, "invalid_scale");
}

#[test]
fn csv_has_a_row_limit() {
    let mut text = String::with_capacity(20 * (CASHFLOW_ROWS_MAX + 2));
    text.push_str("date,amount\n");
    for _ in 0..CASHFLOW_ROWS_MAX {
        text.push_str("2020-01-01,1\n");
    }
    text.push_str("2020-01-01,1\n");
    match parse_cashflows_csv(&text, None) {
        Ok(_) => panic!("one row over the limit must be refused"),
        Err(e) => {
            assert_eq!(e.code, "too_many_rows");
            assert_eq!(e.field, format!("line {}", CASHFLOW_ROWS_MAX + 2));
        }
    }
}

// ---- Returns ---------------------------------------------------------------------------------

#[test]
fn returns_of_the_spreadsheet_example() -> TestResult {
    let r = returns_from_csv(EXAMPLE_CSV, None)?;
    assert!((r.xirr - 0.373_362_535).abs() < 1e-6, "{}", r.xirr);
    assert!(spreadsheet_npv(&spreadsheet_example(), r.xirr).abs() < 1e-6);
    assert_eq!(r.moic, 1.3); // 13000 / 10000
    assert_eq!(r.net, "3000");
    assert_eq!(r.paid_out, "10000");
    assert_eq!(r.received, "13000");
    // Running total: −10000, −7250, −3000, +250 on 2009-02-15.
    assert_eq!(r.payback_date, Some(date!(2009 - 02 - 15)));
    assert_eq!(r.max_loss, "10000");
    assert_eq!(r.max_loss_date, Some(date!(2008 - 01 - 01)));
    assert_eq!((r.first_date, r.last_date, r.flows, r.scale), (date!(2008 - 01 - 01), date!(2009 - 04 - 01), 5, 0));
    assert!(r.xirr_unique);
    Ok(())
}

#[test]
fn doubling_in_exactly_365_days_is_100_percent() -> TestResult {
    let flows = [cf(date!(2009 - 01 - 01), -100_000), cf(date!(2010 - 01 - 01), 200_000)];
    let r = returns(&flows, 2)?;
    assert!((r.xirr - 1.0).abs() < 1e-9, "{}", r.xirr);
    assert_eq!((r.moic, r.net.as_str(), r.max_loss.as_str()), (2.0, "1000.00", "1000.00"));
    // 2008 is a leap year: 366 days, so a little under 100%: 2^(365/366) − 1.
    let leap = [cf(date!(2008 - 01 - 01), -100_000), cf(date!(2009 - 01 - 01), 200_000)];
    let expected = 2f64.powf(365.0 / 366.0) - 1.0;
    assert!((xirr(&leap)? - expected).abs() < 1e-9);
    Ok(())
}

#[test]
fn the_rate_does_not_depend_on_row_order() -> TestResult {
    // A spreadsheet refuses a first row that is not the earliest date; koinon measures from
    // the earliest date, which gives the same rate for every order.
    let mut flows = spreadsheet_example();
    flows.reverse();
    let r = returns(&flows, 0)?;
    assert!((r.xirr - 0.373_362_535).abs() < 1e-6);
    assert_eq!(r.payback_date, Some(date!(2009 - 02 - 15)));
    Ok(())
}

#[test]
fn no_rate_is_a_clear_error() {
    let d = date!(2020 - 01 - 01);
    let e = date!(2021 - 01 - 01);
    let code = |flows: &[Cashflow]| match returns(flows, 2) {
        Ok(r) => panic!("{flows:?} has no rate, got {}", r.xirr),
        Err(err) => err.code(),
    };
    assert_eq!(code(&[]), "no_cashflows");
    assert_eq!(code(&[cf(d, -100), cf(e, -5)]), "no_sign_change");
    assert_eq!(code(&[cf(d, 100), cf(e, 5)]), "no_sign_change");
    assert_eq!(code(&[cf(d, 0), cf(e, 0)]), "no_sign_change");
    assert_eq!(code(&[cf(d, -100), cf(d, 120)]), "single_date");
    // Both signs, but on the first date only; the later flow has the same sign as the net.
    assert_eq!(code(&[cf(d, -100), cf(d, 50), cf(e, -10)]), "no_rate");
    // 1,000,000× in a day: the rate is far beyond +100,000,000%.
    assert_eq!(code(&[cf(d, -1), cf(date!(2020 - 01 - 02), 1_000_000)]), "no_rate");
    let msg = returns(&[cf(d, -100), cf(e, -5)], 2).map(|_| ()).expect_err("all negative").to_string();
    assert!(msg.contains("all negative"), "{msg}");
}

#[test]
fn awkward_flows_converge() -> TestResult {
    let y0 = date!(2009 - 01 - 01);
    let y1 = date!(2010 - 01 - 01);
    let y2 = date!(2011 - 01 - 01);
    // Almost everything lost: 1,000,000 in, 1 back a year later → −99.9999%.
    assert!((xirr(&[cf(y0, -1_000_000), cf(y1, 1)])? - (-0.999_999)).abs() < 1e-9);
    // Doubling in 30 days: 2^(365/30) − 1 ≈ 4,593 (459,300%).
    let fast = xirr(&[cf(y0, -100), cf(date!(2009 - 01 - 31), 200)])?;
    assert!((fast / (2f64.powf(365.0 / 30.0) - 1.0) - 1.0).abs() < 1e-9, "{fast}");
    // NPV −(1 − v)², v = 1/(1 + r): it touches zero at r = 0 without crossing.
    assert!(xirr(&[cf(y0, -100), cf(y1, 200), cf(y2, -100)])?.abs() < 1e-6);
    // Two rates, 10% and 20%: −100, +230, −132. The one nearest the 10% guess is returned,
    // and the report says the rate is not unique.
    let r = returns(&[cf(y0, -100), cf(y1, 230), cf(y2, -132)], 0)?;
    assert!((r.xirr - 0.1).abs() < 1e-6, "{}", r.xirr);
    assert!(!r.xirr_unique);
    // Many small flows and one large one years later.
    let mut flows: Vec<Cashflow> = (0..120).map(|m| cf(y0 + time::Duration::days(30 * m), -1_000)).collect();
    flows.push(cf(date!(2020 - 01 - 01), 200_000));
    let rate = xirr(&flows)?;
    assert!(spreadsheet_npv(&flows, rate).abs() < 1e-6 * 200_000.0, "{rate}");
    Ok(())
}

#[test]
fn payback_and_maximum_loss_follow_the_running_total() -> TestResult {
    let flows = [
        cf(date!(2020 - 01 - 01), -50_000),
        cf(date!(2020 - 06 - 01), -30_000),
        cf(date!(2021 - 01 - 01), 90_000),  // back at +10,000: payback
        cf(date!(2021 - 06 - 01), -40_000), // down again to −30,000
        cf(date!(2022 - 01 - 01), 45_000),
    ];
    let r = returns(&flows, 2)?;
    assert_eq!(r.payback_date, Some(date!(2021 - 01 - 01)));
    assert_eq!(r.max_loss, "800.00");
    assert_eq!(r.max_loss_date, Some(date!(2020 - 06 - 01)));
    assert_eq!(r.net, "150.00");

    // Never back: no payback date.
    let r = returns(&[cf(date!(2021 - 01 - 01), -50_000), cf(date!(2022 - 01 - 01), 20_000)], 2)?;
    assert_eq!(r.payback_date, None);
    assert!((r.xirr - (-0.6)).abs() < 1e-9);
    assert_eq!((r.moic, r.net.as_str(), r.max_loss.as_str()), (0.4, "-300.00", "500.00"));

    // Flows on one date count together: paying out and receiving the same day is not a loss.
    let r = returns(
        &[
            cf(date!(2020 - 01 - 01), 100),
            cf(date!(2020 - 01 - 01), -100),
            cf(date!(2021 - 01 - 01), -10),
            cf(date!(2022 - 01 - 01), 20),
        ],
        0,
    )?;
    assert_eq!((r.max_loss.as_str(), r.payback_date), ("10", Some(date!(2022 - 01 - 01))));
    Ok(())
}

fn conventional_flows() -> impl Strategy<Value = Vec<Cashflow>> {
    // Paid out first, received later: one sign change, so exactly one rate.
    (1i64..10_000_000, prop::collection::vec((0i64..3_650, 1i64..10_000_000), 1..30), 1u32..1_000).prop_map(
        |(paid, received, ratio_pct)| {
            let start = date!(2015 - 01 - 01);
            let mut flows = vec![cf(start, -paid)];
            let total: i64 = received.iter().map(|(_, a)| a).sum();
            for (day, a) in received {
                // Received in total about ratio_pct% of what was paid, from a year on.
                let amount =
                    (i128::from(a) * i128::from(paid) * i128::from(ratio_pct) / (100 * i128::from(total))).max(1);
                flows.push(cf(start + time::Duration::days(365 + day), amount as i64));
            }
            flows
        },
    )
}

fn any_flows() -> impl Strategy<Value = Vec<Cashflow>> {
    prop::collection::vec((0i64..5_000, -1_000_000_000i64..1_000_000_000), 2..40)
        .prop_map(|v| v.into_iter().map(|(day, a)| cf(date!(2015 - 01 - 01) + time::Duration::days(day), a)).collect())
}

proptest! {
    #[test]
    fn npv_at_the_rate_is_zero(flows in any_flows()) {
        if let Ok(r) = returns(&flows, 2) {
            // Discounted to the first non-zero flow: the roots are the same from any date,
            // and a rate near -100% (a real root for some flows) stays within f64's range.
            let first = flows.iter().filter(|f| f.amount_minor != 0).map(|f| f.date).min().unwrap_or(date!(2015 - 01 - 01));
            let npv_and_size = |rate: f64| {
                let discounted: Vec<f64> = flows.iter()
                    .map(|f| f.amount_minor as f64 * (-year_fraction(first, f.date) * rate.ln_1p()).exp())
                    .collect();
                (discounted.iter().sum::<f64>(), discounted.iter().map(|d| d.abs()).sum::<f64>())
            };
            let (npv, size) = npv_and_size(r.xirr);
            // Near -100% the nearest f64 to the root can leave a visible NPV; the root must
            // then lie between the rate's neighbours a few steps either side.
            let (below, _) = npv_and_size(r.xirr.next_down().next_down().next_down().next_down());
            let (above, _) = npv_and_size(r.xirr.next_up().next_up().next_up().next_up());
            prop_assert!(npv.abs() <= 1e-8 * size || below.signum() != above.signum(),
                "rate {} npv {} size {} (neighbours {} {})", r.xirr, npv, size, below, above);
        }
    }

    #[test]
    fn conventional_flows_always_have_their_one_rate(flows in conventional_flows()) {
        let r = returns(&flows, 2).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(r.xirr_unique);
        let npv = spreadsheet_npv(&flows, r.xirr);
        let size: f64 = flows.iter().map(|f| f.amount_minor.abs() as f64).sum();
        prop_assert!(npv.abs() <= 1e-8 * size, "rate {} npv {}", r.xirr, npv);
        // More back than paid out is a positive rate, less is negative.
        let received: i64 = flows.iter().filter(|f| f.amount_minor > 0).map(|f| f.amount_minor).sum();
        let paid = -flows[0].amount_minor;
        prop_assert_eq!(r.xirr > 1e-12, received > paid);
        prop_assert_eq!(r.payback_date.is_some(), received >= paid);
        prop_assert_eq!(r.max_loss, minor_to_decimal_i128(i128::from(paid), 2));
    }
}

// ---- Commissioner ----------------------------------------------------------------------------

#[test]
fn npv_discounts_actual_over_365() -> TestResult {
    let as_of = date!(2021 - 01 - 01);
    // 1,000.00 in 365 days at 5%: 100000 / 1.05 = 95238.095… → 952.38.
    assert_eq!(npv(&[cf(date!(2022 - 01 - 01), 100_000)], 0.05, as_of)?, 95_238);
    // 365 days before as_of it is compounded forward: 1,050.00.
    assert_eq!(npv(&[cf(date!(2020 - 01 - 02), 100_000)], 0.05, as_of)?, 105_000);
    // On as_of, or at 0%, amounts count exactly, however large.
    let big = [cf(as_of, 9_007_199_254_740_993), cf(date!(2030 - 01 - 01), -2)];
    assert_eq!(npv(&big, 0.0, as_of)?, 9_007_199_254_740_991);
    assert_eq!(npv(&[], 0.05, as_of)?, 0);
    // Halves round away from zero: 1 in 365 days at 100% is 0.5 → 1; −1 → −1.
    assert_eq!(npv(&[cf(date!(2022 - 01 - 01), 1)], 1.0, as_of)?, 1);
    assert_eq!(npv(&[cf(date!(2022 - 01 - 01), -1)], 1.0, as_of)?, -1);
    for bad in [-1.0, f64::NAN, f64::INFINITY, 101.0] {
        assert!(npv(&[], bad, as_of).is_err(), "{bad}");
    }
    Ok(())
}

#[test]
fn commissioner_figures_of_a_scenario() -> TestResult {
    let as_of = date!(2021 - 01 - 01);
    let figures = commissioner_figures(&CommissionerFlows {
        // 100,000.00 paid for outcomes in a year, 150,000.00 saved in two years, at 3.5%.
        outcome_payments: vec![cf(date!(2022 - 01 - 01), 10_000_000)],
        public_savings: vec![cf(date!(2023 - 01 - 01), 15_000_000)],
        annual_discount_rate: 0.035,
        as_of,
    })?;
    let pv_payments = (10_000_000.0 / 1.035_f64).round() as i64; // 96,618.36
    let pv_savings = (15_000_000.0 / 1.035_f64.powi(2)).round() as i64; // 140,026.61
    assert_eq!((pv_payments, pv_savings), (9_661_836, 14_002_661));
    assert_eq!(figures.pv_outcome_payments_minor, pv_payments);
    assert_eq!(figures.pv_public_savings_minor, pv_savings);
    assert_eq!(figures.npv_minor, 4_340_825); // 43,408.25
    assert_eq!(figures.net_savings_minor, 5_000_000); // 50,000.00 undiscounted
    assert_eq!((figures.outcome_payments_minor, figures.public_savings_minor), (10_000_000, 15_000_000));
    let bcr = figures.benefit_cost_ratio.ok_or("payments are not zero")?;
    assert!((bcr - 14_002_661.0 / 9_661_836.0).abs() < 1e-12 && (bcr - 1.4493).abs() < 1e-4, "{bcr}");

    let none_paid = commissioner_figures(&CommissionerFlows {
        outcome_payments: vec![],
        public_savings: vec![cf(as_of, 1)],
        annual_discount_rate: 0.035,
        as_of,
    })?;
    assert_eq!(none_paid.benefit_cost_ratio, None);
    let negative = commissioner_figures(&CommissionerFlows {
        outcome_payments: vec![cf(as_of, -1)],
        public_savings: vec![],
        annual_discount_rate: 0.0,
        as_of,
    });
    assert_eq!(negative.map_err(|e| e.code()), Err("negative_amount"));
    Ok(())
}

fn rate_card_model() -> OutcomeRateModel {
    let as_of = date!(2021 - 01 - 01);
    OutcomeRateModel {
        cohort_size: 100,
        baseline_rate_bp: 2_000, // 20% would get there anyway
        // 2,600.00 on entry to employment and 1,000.00 at 26 weeks.
        payments_per_success: vec![cf(as_of, 260_000), cf(as_of, 100_000)],
        savings_per_success: vec![cf(as_of, 900_000)], // 9,000.00 saved per extra success
        investor_capital_minor: 9_000_000,             // 90,000.00
        annual_discount_rate: 0.035,
        as_of,
    }
}

#[test]
fn break_even_outcome_rates() -> TestResult {
    // Everything on as_of: no discounting. s_c = b·V/(V − P) = 0.2 × 9000 / (9000 − 3600) = 1/3;
    // investors: K / (N·p) = 90,000 / (100 × 3,600) = 25%.
    let b = break_even(&rate_card_model())?;
    assert_eq!((b.pv_payment_per_success, b.pv_saving_per_success), (360_000.0, 900_000.0));
    let s_c = b.commissioner_break_even_rate.ok_or("breaks even")?;
    assert!((s_c - 1.0 / 3.0).abs() < 1e-12, "{s_c}");
    assert_eq!(b.investor_capital_back_rate, Some(0.25));

    // At s_c the commissioner's discounted savings equal its discounted payments.
    let n = 100.0;
    assert!((n * (s_c - 0.2) * 900_000.0 - n * s_c * 360_000.0).abs() < 1e-6);

    // Savings a year later, discounted at 3.5%: V = 9000 / 1.035.
    let mut later = rate_card_model();
    later.savings_per_success = vec![cf(date!(2022 - 01 - 01), 900_000)];
    let b = break_even(&later)?;
    let v = 900_000.0 / 1.035;
    let expected = 0.2 * v / (v - 360_000.0);
    assert!((b.commissioner_break_even_rate.ok_or("breaks even")? - expected).abs() < 1e-12);

    // A price above the saving never breaks even; capital above what a full cohort earns is never back.
    let mut dear = rate_card_model();
    dear.savings_per_success = vec![cf(date!(2021 - 01 - 01), 300_000)];
    dear.investor_capital_minor = 36_000_001;
    let b = break_even(&dear)?;
    assert_eq!((b.commissioner_break_even_rate, b.investor_capital_back_rate), (None, None));
    // A high baseline pushes break-even above 100%: 0.8 × 9000 / 5400 = 1.33.
    let mut deadweight = rate_card_model();
    deadweight.baseline_rate_bp = 8_000;
    assert_eq!(break_even(&deadweight)?.commissioner_break_even_rate, None);

    let mut bad = rate_card_model();
    bad.cohort_size = 0;
    assert_eq!(break_even(&bad).map_err(|e| e.code()), Err("out_of_range"));
    let mut bad = rate_card_model();
    bad.baseline_rate_bp = 10_001;
    assert_eq!(break_even(&bad).map_err(|e| e.code()), Err("out_of_range"));
    Ok(())
}

// ---- Waterfall -------------------------------------------------------------------------------

fn investor(id: &str, drawn_minor: i64) -> InvestorPosition {
    InvestorPosition {
        investor_id: id.into(),
        committed_minor: drawn_minor,
        drawn_minor,
        capital_returned_minor: 0,
        return_paid_minor: 0,
    }
}

fn provider_gets_80_percent() -> ResidualRule {
    ResidualRule { investors_share_bp: 2_000, other_party: "provider".into() }
}

#[test]
fn waterfall_worked_example() -> TestResult {
    // Two investors, 600,000 and 400,000 drawn; cap 1.3× (return ≤ 30% of drawn); the residual
    // 20% to investors, 80% to the provider. Three outcome payments arrive.
    let cap = ReturnCap::MoneyMultiple { multiple_bp: 13_000 };
    let rule = provider_gets_80_percent();
    let mut positions = vec![investor("A", 600_000), investor("B", 400_000)];
    let parts = |d: &Distribution| -> Vec<(i64, i64, i64)> {
        d.investors.iter().map(|i| (i.capital_minor, i.return_minor, i.residual_minor)).collect()
    };

    let d1 = distribute(700_000, &positions, &cap, &rule)?;
    assert_eq!(parts(&d1), vec![(420_000, 0, 0), (280_000, 0, 0)]);
    assert_eq!(d1.other_party_minor, 0);
    positions = d1.updated_positions(&positions);

    let d2 = distribute(500_000, &positions, &cap, &rule)?;
    assert_eq!(parts(&d2), vec![(180_000, 120_000, 0), (120_000, 80_000, 0)]);
    positions = d2.updated_positions(&positions);

    let d3 = distribute(200_000, &positions, &cap, &rule)?;
    assert_eq!(parts(&d3), vec![(0, 60_000, 12_000), (0, 40_000, 8_000)]);
    assert_eq!((d3.other_party.as_str(), d3.other_party_minor), ("provider", 80_000));
    positions = d3.updated_positions(&positions);
    assert_eq!(
        positions.iter().map(|p| (p.capital_returned_minor, p.return_paid_minor)).collect::<Vec<_>>(),
        vec![(600_000, 180_000), (400_000, 120_000)]
    );
    Ok(())
}

#[test]
fn waterfall_rounds_by_largest_remainder() -> TestResult {
    let positions = [investor("A", 1_000), investor("B", 1_000), investor("C", 1_000)];
    let d = distribute(100, &positions, &ReturnCap::Uncapped, &provider_gets_80_percent())?;
    let capital: Vec<i64> = d.investors.iter().map(|i| i.capital_minor).collect();
    assert_eq!(capital, vec![34, 33, 33]); // ties go to the earlier investor

    // Residual of 1 unit, 20% / 80%: the provider's 0.8 beats the investors' 0.2.
    let done: Vec<InvestorPosition> =
        positions.iter().map(|p| InvestorPosition { capital_returned_minor: p.drawn_minor, ..p.clone() }).collect();
    let d = distribute(1, &done, &ReturnCap::MoneyMultiple { multiple_bp: 10_000 }, &provider_gets_80_percent())?;
    assert_eq!(d.other_party_minor, 1);
    Ok(())
}

#[test]
fn capital_goes_where_it_is_outstanding() -> TestResult {
    // A has its capital back already; B's outstanding capital comes first, then return to both.
    let positions = [
        InvestorPosition { capital_returned_minor: 500, ..investor("A", 500) },
        InvestorPosition { capital_returned_minor: 100, ..investor("B", 500) },
    ];
    let cap =
        ReturnCap::SimpleAnnualRate { rate_bp: 1_000, since: date!(2020 - 01 - 01), as_of: date!(2020 - 12 - 31) };
    // 10% for 365 days on 500: cap 50 each.
    assert_eq!(return_cap_minor(&cap, 500), Some(50));
    let d = distribute(1_000, &positions, &cap, &provider_gets_80_percent())?;
    let parts: Vec<(i64, i64, i64)> =
        d.investors.iter().map(|i| (i.capital_minor, i.return_minor, i.residual_minor)).collect();
    // 400 capital to B; 100 return (50 each); 500 residual: 100 to investors (50 each), 400 to the provider.
    assert_eq!(parts, vec![(0, 50, 50), (400, 50, 50)]);
    assert_eq!(d.other_party_minor, 400);
    Ok(())
}

#[test]
fn waterfall_refuses_inconsistent_positions() {
    let cap = ReturnCap::Uncapped;
    let rule = provider_gets_80_percent();
    let code = |positions: &[InvestorPosition], amount: i64, cap: &ReturnCap, rule: &ResidualRule| {
        distribute(amount, positions, cap, rule).map(|_| ()).map_err(|e| e.code)
    };
    assert_eq!(code(&[investor("A", 1)], -1, &cap, &rule), Err("negative_amount"));
    assert_eq!(code(&[investor("A", 1), investor("A", 2)], 1, &cap, &rule), Err("duplicate_id"));
    let over = InvestorPosition { committed_minor: 5, ..investor("A", 10) };
    assert_eq!(code(&[over], 1, &cap, &rule), Err("over_commitment"));
    let over = InvestorPosition { capital_returned_minor: 11, ..investor("A", 10) };
    assert_eq!(code(&[over], 1, &cap, &rule), Err("over_drawn"));
    assert_eq!(
        code(&[investor("A", 1)], 1, &ReturnCap::MoneyMultiple { multiple_bp: 9_999 }, &rule),
        Err("out_of_range")
    );
    let greedy = ResidualRule { investors_share_bp: 10_001, other_party: "provider".into() };
    assert_eq!(code(&[investor("A", 1)], 1, &cap, &greedy), Err("out_of_range"));
    // No investor has drawn anything: everything is residual and goes to the other party.
    assert_eq!(distribute(7, &[investor("A", 0)], &cap, &rule).map(|d| d.other_party_minor), Ok(7));
}

fn positions_strategy() -> impl Strategy<Value = Vec<InvestorPosition>> {
    prop::collection::vec((0i64..1_000_000_000, 0u32..=100, 0i64..100_000_000), 1..8).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (drawn, returned_pct, paid))| InvestorPosition {
                investor_id: format!("investor-{i}"),
                committed_minor: drawn + 1_000,
                drawn_minor: drawn,
                capital_returned_minor: drawn / 100 * i64::from(returned_pct),
                return_paid_minor: if returned_pct == 100 { paid } else { 0 },
            })
            .collect()
    })
}

fn cap_strategy() -> impl Strategy<Value = ReturnCap> {
    prop_oneof![
        (10_000u32..30_000).prop_map(|multiple_bp| ReturnCap::MoneyMultiple { multiple_bp }),
        (0u32..2_000, 0i64..3_000).prop_map(|(rate_bp, days)| ReturnCap::SimpleAnnualRate {
            rate_bp,
            since: date!(2020 - 01 - 01),
            as_of: date!(2020 - 01 - 01) + time::Duration::days(days),
        }),
        Just(ReturnCap::Uncapped),
    ]
}

proptest! {
    #[test]
    fn waterfall_invariants(
        mut positions in positions_strategy(),
        cap in cap_strategy(),
        amounts in prop::collection::vec(0i64..3_000_000_000, 1..5),
        share_bp in 0u32..=10_000,
    ) {
        let rule = ResidualRule { investors_share_bp: share_bp, other_party: "outcome payer".into() };
        for amount in amounts {
            let d = distribute(amount, &positions, &cap, &rule).map_err(|e| TestCaseError::fail(e.to_string()))?;
            // The parts sum exactly to the amount.
            let total: i128 = d.investors.iter().map(|i| i128::from(i.total_minor())).sum::<i128>() + i128::from(d.other_party_minor);
            prop_assert_eq!(total, i128::from(amount));
            prop_assert!(d.other_party_minor >= 0);
            let after = d.updated_positions(&positions);
            let any_return = d.investors.iter().any(|i| i.return_minor > 0);
            let any_residual = d.other_party_minor > 0 || d.investors.iter().any(|i| i.residual_minor > 0);
            for ((p, i), a) in positions.iter().zip(&d.investors).zip(&after) {
                prop_assert!(i.capital_minor >= 0 && i.return_minor >= 0 && i.residual_minor >= 0);
                // No one gets back more capital than it drew.
                prop_assert!(a.capital_returned_minor <= p.drawn_minor);
                // Return within the cap (a return already above the cap gets nothing more).
                if let Some(cap_minor) = return_cap_minor(&cap, p.drawn_minor) {
                    prop_assert!(i.return_minor == 0 || i128::from(a.return_paid_minor) <= cap_minor);
                }
                // Tiers in order: return only when every investor's capital is back.
                if any_return || any_residual {
                    prop_assert_eq!(a.capital_returned_minor, a.drawn_minor);
                }
                // Residual only once every capped return is full.
                if any_residual && p.drawn_minor > 0 {
                    let cap_minor = return_cap_minor(&cap, p.drawn_minor);
                    prop_assert!(cap_minor.is_some_and(|c| i128::from(a.return_paid_minor) >= c));
                }
            }
            positions = after;
        }
    }
}
