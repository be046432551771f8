//! The feasibility model: figures a hand calculation gives for models with no chance in them,
//! the same results for a seed whatever the thread count, the spread of a chancy model against
//! its expectation, and errors that name the field and the line.

use koinon_sim::{Model, RunOptions, annual_irr, simulate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const EXAMPLE: &str = include_str!("../../../examples/outcomes/feasibility-heerlen-employment.toml");

/// A model where nothing is left to chance: 10 referrals in each of 2 quarters, all start, none
/// leaves, every outcome happens.
fn certain(extra_metric: &str, caps: &str) -> String {
    format!(
        r#"
name = "Certain"
currency = "EUR"
period = "quarter"
start_on = "2027-01-01"
periods = 3
discount_rate_bp = 0
contract_cap = "1000000.00"
{caps}

[referrals]
per_period = [10, 10]
engagement_bp = 10000

[[metrics]]
code = "start"
price = "1000.00"
lag_periods = 0
success_bp = 10000
public_saving = "1500.00"

[[metrics]]
code = "sustained"
price = "2000.00"
lag_periods = 2
success_bp = 10000
prerequisite = "start"
public_saving = "3000.00"
{extra_metric}

[costs]
per_participant = "500.00"
per_period = "1000.00"

[investors]
capital = "20000.00"
return_cap_bp = 15000
"#
    )
}

fn run(model: &Model, scenarios: u32, seed: u64, threads: usize) -> koinon_sim::Feasibility {
    simulate(model, RunOptions { scenarios, seed, threads }, &mut |_, _| {})
}

#[test]
fn a_certain_model_gives_the_hand_calculation() -> TestResult {
    let model = Model::from_toml(&certain("", ""))?;
    let r = run(&model, 50, 1, 2);
    // 20 participants. Starts: 10 in Q1 and 10 in Q2 at €1,000. Sustained two quarters later:
    // the Q1 cohort in Q3 (€20,000); the Q2 cohort's would fall in Q4, after the 3 quarters.
    // Paid: 20,000 + 20,000 = €40,000 in every scenario.
    assert_eq!(r.participants.mean, 20.0);
    assert_eq!((r.outcome_payments.min.minor, r.outcome_payments.max.minor), (4_000_000, 4_000_000));
    let by_period: Vec<i64> = r.by_period.iter().map(|p| p.mean_paid.minor).collect();
    assert_eq!(by_period, vec![1_000_000, 1_000_000, 2_000_000]);
    assert_eq!(r.by_period[0].period, "2027-Q1");
    assert_eq!(r.by_metric[0].mean_outcomes, 20.0);
    assert_eq!(r.by_metric[1].mean_outcomes, 10.0);
    // Costs: 10 × 500 + 1,000 = 6,000 in Q1 and Q2, then 1,000 in Q3: 13,000 drawn of the
    // 20,000. The investors get at most 1.5 × 13,000 = 19,500 of the 40,000 paid.
    let inv = r.investors.as_ref().ok_or("investors")?;
    assert_eq!((inv.drawn.mean.minor, inv.received.mean.minor), (1_300_000, 1_950_000));
    assert_eq!(inv.probability_of_loss, 0.0);
    // Savings: 20 × 1,500 + 10 × 3,000 = 60,000 against 40,000 paid, undiscounted (0%).
    assert_eq!(r.commissioner.net_savings_npv.mean.minor, 2_000_000);
    assert_eq!(r.probability_cap_hit, 0.0);
    Ok(())
}

#[test]
fn caps_cut_what_is_paid() -> TestResult {
    // A per-participant cap of €2,500 cuts the sustained outcome of the Q1 cohort to €1,500:
    // 20 × 1,000 + 10 × 1,500.
    let model = Model::from_toml(&certain("", "participant_cap = \"2500.00\""))?;
    let r = run(&model, 10, 1, 1);
    assert_eq!(r.outcome_payments.mean.minor, 2_000_000 + 1_500_000);
    // A contract cap of €25,000 stops payments in Q3 at €5,000 and is reached in every scenario.
    let model =
        Model::from_toml(&certain("", "").replace("contract_cap = \"1000000.00\"", "contract_cap = \"25000.00\""))?;
    let r = run(&model, 10, 1, 1);
    let by_period: Vec<i64> = r.by_period.iter().map(|p| p.mean_paid.minor).collect();
    assert_eq!(by_period, vec![1_000_000, 1_000_000, 500_000]);
    assert_eq!(r.probability_cap_hit, 1.0);
    Ok(())
}

#[test]
fn the_same_seed_gives_the_same_figures_whatever_the_threads() -> TestResult {
    let model = Model::from_toml(EXAMPLE)?;
    let one = run(&model, 3_000, 42, 1);
    let two = run(&model, 3_000, 42, 2);
    let many = run(&model, 3_000, 42, 7);
    assert_eq!(one, two);
    assert_eq!(one, many);
    let other = run(&model, 3_000, 43, 2);
    assert_ne!(one.outcome_payments, other.outcome_payments);
    Ok(())
}

#[test]
fn a_chancy_model_averages_out_to_its_expectation() -> TestResult {
    // Without uncertainty or attrition, job starts are Binomial(119 participants, 55%): the
    // mean over 20,000 scenarios is within a few tenths of 0.85 × 140 × 0.55 = 65.45.
    let fixed = EXAMPLE
        .replace("uncertainty_bp = 1000", "uncertainty_bp = 0")
        .replace("attrition_bp = 500", "attrition_bp = 0");
    let model = Model::from_toml(&fixed)?;
    let r = run(&model, 20_000, 9, 2);
    assert!((r.participants.mean - 119.0).abs() < 0.2, "{}", r.participants.mean);
    let starts = r.by_metric[0].mean_outcomes;
    assert!((starts - 65.45).abs() < 0.3, "{starts}");
    // 13 weeks: 75% of starts; 26 weeks: 80% of those.
    assert!((r.by_metric[1].mean_outcomes - 65.45 * 0.75).abs() < 0.3);
    assert!((r.by_metric[2].mean_outcomes - 65.45 * 0.75 * 0.8).abs() < 0.3);
    // Attrition of 5% a quarter: a job start a quarter after enrolment needs the participant
    // still there (95%).
    let model = Model::from_toml(&EXAMPLE.replace("uncertainty_bp = 1000", "uncertainty_bp = 0"))?;
    let r = run(&model, 20_000, 9, 2);
    assert!((r.by_metric[0].mean_outcomes - 65.45 * 0.95).abs() < 0.3, "{}", r.by_metric[0].mean_outcomes);
    // Uncertainty about the chance widens the spread of payments but not their mean much.
    let sure = run(&model, 20_000, 9, 2);
    let unsure = run(&Model::from_toml(EXAMPLE)?, 20_000, 9, 2);
    let spread = |f: &koinon_sim::Feasibility| f.outcome_payments.p95.minor - f.outcome_payments.p5.minor;
    assert!(spread(&unsure) > spread(&sure), "{} against {}", spread(&unsure), spread(&sure));
    Ok(())
}

#[test]
fn irr_of_known_flows() {
    // −100 then +110 a year later: 10% a year.
    let r = annual_irr(&[-10_000, 11_000], 1).unwrap_or(f64::NAN);
    assert!((r - 0.10).abs() < 1e-9, "{r}");
    // Quarterly: −100, +102.5 a quarter later: (1.025)⁴ − 1 = 10.3813% a year.
    let r = annual_irr(&[-10_000, 10_250], 4).unwrap_or(f64::NAN);
    assert!((r - 0.103_812_890_625).abs() < 1e-9, "{r}");
    // Nothing back: −100%. Nothing put in: no rate.
    assert_eq!(annual_irr(&[-10_000, 0, 0], 4), Some(-1.0));
    assert_eq!(annual_irr(&[0, 5_000], 4), None);
    // Money back, then a small cost late: the investment's rate, not the root near −100%.
    let r = annual_irr(&[-50_000, 30_000, 60_000, -2_500, -2_500], 1).unwrap_or(f64::NAN);
    // The root by bisection in Python: 0.408743827289...
    assert!((r - 0.408_743_827_289).abs() < 1e-9, "{r}");
}

#[test]
fn errors_name_the_field_and_the_line() {
    let line_of = |source: &str, needle: &str| source.lines().position(|l| l.contains(needle)).map(|i| i + 1);
    let errors = |source: &str| match Model::from_toml(source) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.into_iter().map(|e| (e.field, e.code, e.line)).collect(),
    };
    let bad = EXAMPLE.replace("success_bp = 5500", "success_bp = 15000");
    assert_eq!(
        errors(&bad),
        vec![("metrics[0].success_bp".to_string(), "out_of_range", line_of(&bad, "success_bp = 15000"))]
    );
    let bad = EXAMPLE.replace("prerequisite = \"job_start\"", "prerequisite = \"job_starts\"");
    assert_eq!(errors(&bad)[0].1, "unknown_metric");
    let bad = EXAMPLE.replace("uncertainty_bp = 800", "uncertainty_bp = 4500");
    assert_eq!(errors(&bad)[0].0, "metrics[2].uncertainty_bp");
    assert_eq!(errors(&bad)[0].1, "too_uncertain");
    let bad =
        EXAMPLE.replace("per_period = [35, 35, 35, 35]", "per_period = [35, 35, 35, 35, 1, 1, 1, 1, 1, 1, 1, 1, 1]");
    assert_eq!(errors(&bad)[0].1, "too_many_periods");
    let bad = EXAMPLE.replace("price = \"2500.00\"", "price = \"25,00\"");
    assert_eq!(errors(&bad)[0].0, "metrics[1].price");
    let bad = EXAMPLE.replace("periods = 12", "periods = 12\nperiods_extra = 1");
    assert_eq!(errors(&bad)[0].1, "invalid_toml");
    assert_eq!(errors(&bad)[0].2, line_of(&bad, "periods_extra"));
    let bad = EXAMPLE.replace("lag_periods = 1 ", "lag_periods = 3 ");
    assert_eq!(errors(&bad)[0].1, "before_prerequisite");
}

#[test]
fn every_example_model_is_valid_and_runs() -> TestResult {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/outcomes");
    let mut models = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if !(name.starts_with("feasibility-") && name.ends_with(".toml")) {
            continue;
        }
        let model = Model::from_toml(&std::fs::read_to_string(&path)?).map_err(|e| format!("{name}: {e}"))?;
        let r = run(&model, 200, 1, 2);
        assert!(r.outcome_payments.max.minor <= model.contract_cap_minor, "{name}");
        models += 1;
    }
    assert!(models >= 1, "examples/outcomes holds a feasibility model");
    Ok(())
}

#[test]
fn histogram_bars_have_round_edges_and_count_every_scenario() -> TestResult {
    let model = Model::from_toml(EXAMPLE)?;
    let r = run(&model, 5_000, 3, 2);
    let h = &r.outcome_payments.histogram;
    let width = h[0].to.minor - h[0].from.minor;
    // 1, 2 or 5 times a power of ten; every bar as wide; edges on multiples of the width.
    let mut w = width;
    while w % 10 == 0 {
        w /= 10;
    }
    assert!([1, 2, 5].contains(&w), "width {width}");
    assert!(h.iter().all(|b| b.to.minor - b.from.minor == width && b.from.minor % width == 0));
    assert!(h.len() <= 21);
    assert!(h[0].from.minor <= r.outcome_payments.min.minor && r.outcome_payments.max.minor < h[h.len() - 1].to.minor);
    assert_eq!(h.iter().map(|b| b.scenarios).sum::<u64>(), 5_000);
    Ok(())
}

#[test]
fn a_payment_delay_moves_the_investors_money_later() -> TestResult {
    // The certain model: the same payments, received a period later or at once.
    let now = Model::from_toml(&certain("", "").replace("periods = 3\n", "periods = 3\npayment_delay_periods = 1\n"))?;
    let later =
        Model::from_toml(&certain("", "").replace("periods = 3\n", "periods = 3\npayment_delay_periods = 3\n"))?;
    assert_eq!((now.payment_delay_periods, later.payment_delay_periods), (1, 3));
    let (a, b) = (run(&now, 20, 1, 1), run(&later, 20, 1, 1));
    assert_eq!(a.outcome_payments, b.outcome_payments);
    let irr = |f: &koinon_sim::Feasibility| f.investors.as_ref().and_then(|i| i.irr.as_ref()).map(|r| r.p50);
    assert!(irr(&b).is_some() && irr(&b) < irr(&a), "{:?} against {:?}", irr(&b), irr(&a));
    // Discounted at 10% a year, later payments cost the commissioner less today.
    let discounted = |src: String| Model::from_toml(&src.replace("discount_rate_bp = 0", "discount_rate_bp = 1000"));
    let a = run(
        &discounted(certain("", "").replace("periods = 3\n", "periods = 3\npayment_delay_periods = 0\n"))?,
        20,
        1,
        1,
    );
    let b = run(
        &discounted(certain("", "").replace("periods = 3\n", "periods = 3\npayment_delay_periods = 2\n"))?,
        20,
        1,
        1,
    );
    assert!(b.commissioner.net_savings_npv.mean.minor > a.commissioner.net_savings_npv.mean.minor);
    // Out of range is named.
    let bad = certain("", "").replace("periods = 3\n", "periods = 3\npayment_delay_periods = 9\n");
    let err = Model::from_toml(&bad).err().ok_or("should fail")?;
    assert_eq!(err.0[0].field, "payment_delay_periods");
    Ok(())
}
