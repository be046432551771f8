//! Outcomes contracts: the figures of DOMAIN.md reproduced exactly for each of the four payment
//! mechanisms, the contract checks, the claim rules, the CSV formats, every example contract,
//! and property tests for the invariants of money.

use std::path::{Path, PathBuf};

use koinon_core::outcomes::{
    CapKind, ClaimChecker, Contract, OutcomeClaim, Participant, PaymentStatement, Refusal, Roster, calculate_payments,
    check_claims, parse_iso_date, payments_from_csv,
};
use proptest::prelude::*;
use time::Date;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/outcomes")
}

fn example(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(std::fs::read_to_string(examples_dir().join(name))?)
}

fn date(s: &str) -> Result<Date, Box<dyn std::error::Error>> {
    parse_iso_date(s.as_bytes()).ok_or_else(|| format!("bad date {s}").into())
}

fn claim(
    participant: &str,
    metric: &str,
    event: &str,
    claimed: Option<&str>,
) -> Result<OutcomeClaim, Box<dyn std::error::Error>> {
    Ok(OutcomeClaim {
        participant: participant.into(),
        metric: metric.into(),
        event_on: date(event)?,
        claimed_on: claimed.map(date).transpose()?,
    })
}

fn metric_paid(s: &PaymentStatement, code: &str) -> Option<i64> {
    s.by_metric.iter().find(|m| m.metric == code).map(|m| m.paid.minor)
}

/// The DWP participant of DOMAIN.md: NQF level 2 + level 3 + 13 weeks + 26 weeks.
fn dwp_participant_claims() -> Result<Vec<OutcomeClaim>, Box<dyn std::error::Error>> {
    Ok(vec![
        claim("P001", "nqf_level_2", "2012-11-30", Some("2012-12-10"))?,
        claim("P001", "nqf_level_3", "2013-06-28", Some("2013-07-05"))?,
        claim("P001", "employment_13_weeks", "2013-10-04", Some("2013-10-20"))?,
        claim("P001", "employment_26_weeks", "2014-01-03", Some("2014-01-15"))?,
    ])
}

#[test]
fn dwp_rate_card_participant_earns_9100_before_the_cap() -> TestResult {
    let contract = Contract::from_toml(&example("dwp-rate-card.toml")?)?;
    let s = calculate_payments(&contract, None, &dwp_participant_claims()?, &[])?;
    assert_eq!(s.gross_due.minor, 910_000);
    assert_eq!(s.gross_due.decimal(), "9100.00");
    assert_eq!(s.total_due.minor, 910_000, "under the 11,700 cap nothing is cut");
    assert!(s.caps_applied.is_empty());
    assert_eq!(s.claims_accepted, 4);
    assert_eq!(metric_paid(&s, "nqf_level_2"), Some(220_000));
    assert_eq!(metric_paid(&s, "nqf_level_3"), Some(330_000));
    assert_eq!(metric_paid(&s, "employment_13_weeks"), Some(260_000));
    assert_eq!(metric_paid(&s, "employment_26_weeks"), Some(100_000));
    // Paid by quarter of the event date.
    let paid: Vec<(&str, i64)> =
        s.by_period.iter().filter(|p| p.paid.minor > 0).map(|p| (p.period.as_str(), p.paid.minor)).collect();
    assert_eq!(paid, vec![("2012-Q4", 220_000), ("2013-Q2", 330_000), ("2013-Q4", 260_000), ("2014-Q1", 100_000)]);
    Ok(())
}

#[test]
fn dwp_per_participant_cap_cuts_the_latest_outcomes_and_is_recorded() -> TestResult {
    let source =
        example("dwp-rate-card.toml")?.replace("participant_cap = \"11700.00\"", "participant_cap = \"8000.00\"");
    let contract = Contract::from_toml(&source)?;
    let s = calculate_payments(&contract, None, &dwp_participant_claims()?, &[])?;
    assert_eq!(s.gross_due.minor, 910_000);
    assert_eq!(s.total_due.minor, 800_000);
    // In event order: 2,200 + 3,300 = 5,500; the 13-week outcome is cut by 100 to 2,500; the
    // 26-week outcome is cut entirely.
    assert_eq!(metric_paid(&s, "employment_13_weeks"), Some(250_000));
    assert_eq!(metric_paid(&s, "employment_26_weeks"), Some(0));
    assert_eq!(s.caps_applied.len(), 1);
    let cap = &s.caps_applied[0];
    assert_eq!((cap.cap, cap.scope.as_str(), cap.cut.minor, cap.items_cut), (CapKind::Participant, "P001", 110_000, 2));
    assert_eq!(s.cap_totals.len(), 1);
    assert_eq!(s.cap_totals[0].cut.decimal(), "1100.00");
    assert_eq!(s.by_participant[0].paid.minor, 800_000);
    assert_eq!(s.by_participant[0].gross.minor, 910_000);
    Ok(())
}

#[test]
fn contract_and_period_caps_cut_in_period_order() -> TestResult {
    let source = example("dwp-rate-card.toml")?
        .replace("contract_cap = \"3300000.00\"", "contract_cap = \"6000.00\"\nperiod_cap = \"3000.00\"")
        .replace("participant_cap = \"11700.00\"\n", "");
    let contract = Contract::from_toml(&source)?;
    let s = calculate_payments(&contract, None, &dwp_participant_claims()?, &[])?;
    // 2012-Q4 2,200 paid; 2013-Q2 3,300 cut to 3,000 by the period cap; 2013-Q4 2,600 cut to
    // 800 by the contract cap (6,000 − 5,200); 2014-Q1 nothing left.
    let paid: Vec<i64> = s.by_period.iter().filter(|p| p.gross.minor > 0).map(|p| p.paid.minor).collect();
    assert_eq!(paid, vec![220_000, 300_000, 80_000, 0]);
    assert_eq!(s.total_due.minor, 600_000);
    let caps: Vec<(CapKind, &str, i64)> =
        s.caps_applied.iter().map(|c| (c.cap, c.scope.as_str(), c.cut.minor)).collect();
    assert_eq!(caps, vec![(CapKind::Period, "2013-Q2", 30_000), (CapKind::Contract, "contract", 280_000)]);
    Ok(())
}

#[test]
fn peterborough_cohort_below_ten_percent_is_not_paid_but_overall_nine_percent_is() -> TestResult {
    let contract = Contract::from_toml(&example("peterborough-threshold.toml")?)?;
    let results = example("peterborough-threshold.results.csv")?;
    let s = payments_from_csv(
        &contract,
        None::<&[u8]>,
        "participant,metric,event_on\n".as_bytes(),
        Some(results.as_bytes()),
    )?;
    let c1 = s.results.iter().find(|r| r.cohort.as_deref() == Some("cohort-1")).ok_or("cohort 1")?;
    // (155 − 142) / 155 = 8.39% < 10%: no payment for the cohort.
    assert_eq!(c1.measured_bp, Some(839));
    assert!(c1.measured.starts_with("8.39%"));
    assert!(!c1.met);
    assert_eq!(c1.gross.minor, 0);
    let c2 = s.results.iter().find(|r| r.cohort.as_deref() == Some("cohort-2")).ok_or("cohort 2")?;
    assert_eq!((c2.measured_bp, c2.met), (Some(966), false));
    // Across all cohorts: (300 − 273) / 300 = 9% ≥ 7.5%: 270 events avoided × £2,000.
    let overall = s.results.iter().find(|r| r.item == "overall_threshold").ok_or("overall")?;
    assert_eq!(overall.measured_bp, Some(900));
    assert!(overall.met);
    assert_eq!(overall.units, Some(270));
    assert_eq!(overall.paid.minor, 54_000_000);
    assert_eq!(overall.period, "2017");
    assert_eq!(s.total_due.decimal(), "540000.00");
    Ok(())
}

#[test]
fn peterborough_cohort_reaching_ten_percent_is_paid_and_overall_pays_only_the_rest() -> TestResult {
    let contract = Contract::from_toml(&example("peterborough-threshold.toml")?)?;
    // Cohort 1 improves 20% (100 against 125 per 100): 250 events avoided → £500,000.
    // Overall (270 − 231) / 270 = 14.4%: 390 events → £780,000, of which £280,000 is still due.
    let results = "cohort,measure,value\ncohort-1,participants,1000\ncohort-1,treatment,100\ncohort-1,comparison,125\n\
                   cohort-2,participants,1000\ncohort-2,treatment,131\ncohort-2,comparison,145\n";
    let s = payments_from_csv(
        &contract,
        None::<&[u8]>,
        "participant,metric,event_on\n".as_bytes(),
        Some(results.as_bytes()),
    )?;
    let paid: Vec<(Option<&str>, &str, i64)> =
        s.results.iter().map(|r| (r.cohort.as_deref(), r.item.as_str(), r.paid.minor)).collect();
    assert_eq!(
        paid,
        vec![
            (Some("cohort-1"), "comparison_threshold", 50_000_000),
            (Some("cohort-2"), "comparison_threshold", 0),
            (None, "overall_threshold", 28_000_000)
        ]
    );
    assert_eq!(s.total_due.minor, 78_000_000);
    Ok(())
}

#[test]
fn koto_pays_half_the_savings_per_person_plus_a_fee_per_training() -> TestResult {
    let contract = Contract::from_toml(&example("koto-savings-share.toml")?)?;
    let claims = example("koto-savings-share.claims.csv")?;
    let results = example("koto-savings-share.results.csv")?;
    let s = payments_from_csv(&contract, None::<&[u8]>, claims.as_bytes(), Some(results.as_bytes()))?;
    // +1,330 taxes, −1,340 benefits → savings 2,670 → 1,335 per person × 1,000 persons.
    let share = s.results.iter().find(|r| r.item == "savings_share").ok_or("savings share")?;
    assert!(share.measured.starts_with("savings 2670.00 per person"));
    assert_eq!(share.unit_amount.map(|a| a.minor), Some(133_500));
    assert_eq!(share.units, Some(1_000));
    assert_eq!(share.paid.minor, 133_500_000);
    // Three completed trainings at 1,500.
    assert_eq!(metric_paid(&s, "integration_training"), Some(450_000));
    assert_eq!(s.total_due.decimal(), "1339500.00");
    assert_eq!(
        s.by_cohort.iter().find(|c| c.cohort.as_deref() == Some("sib-group")).map(|c| c.paid.minor),
        Some(133_950_000)
    );
    Ok(())
}

#[test]
fn faz_te_forward_both_targets_met_release_both_payments() -> TestResult {
    let contract = Contract::from_toml(&example("faz-te-forward-targets.toml")?)?;
    let results = example("faz-te-forward-targets.results.csv")?;
    let s = payments_from_csv(
        &contract,
        None::<&[u8]>,
        "participant,metric,event_on\n".as_bytes(),
        Some(results.as_bytes()),
    )?;
    let lines: Vec<(&str, Option<i64>, bool, i64)> =
        s.results.iter().map(|r| (r.item.as_str(), r.measured_bp, r.met, r.paid.minor)).collect();
    assert_eq!(
        lines,
        vec![("entered-work-40", Some(4_500), true, 6_000_000), ("employed-6m-20", Some(2_250), true, 5_000_000)]
    );
    assert_eq!(s.total_due.decimal(), "110000.00");
    // One short of each target: nothing released.
    let short = "cohort,measure,value\nlisbon-2016,participants,40\nlisbon-2016,entered-work-40,15\nlisbon-2016,employed-6m-20,7\n";
    let s = payments_from_csv(
        &contract,
        None::<&[u8]>,
        "participant,metric,event_on\n".as_bytes(),
        Some(short.as_bytes()),
    )?;
    assert_eq!(s.total_due.minor, 0);
    assert!(s.results.iter().all(|r| !r.met));
    Ok(())
}

#[test]
fn example_files_stay_valid() -> TestResult {
    let mut contracts = 0;
    for entry in std::fs::read_dir(examples_dir())? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        // Feasibility models (`feasibility-*.toml`) are another format, checked by koinon-sim.
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("feasibility-")) {
            continue;
        }
        let source = std::fs::read_to_string(&path)?;
        let contract = Contract::from_toml(&source).map_err(|e| format!("{}: {e}", path.display()))?;
        contracts += 1;
        let sibling = |suffix: &str| std::fs::read(path.with_extension(suffix)).ok();
        let claims = sibling("claims.csv").unwrap_or_else(|| b"participant,metric,event_on\n".to_vec());
        let s = payments_from_csv(
            &contract,
            sibling("participants.csv").as_deref(),
            claims.as_slice(),
            sibling("results.csv").as_deref(),
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        assert!(s.total_due.minor <= contract.contract_cap_minor);
    }
    assert!(contracts >= 4, "one example per mechanism");
    Ok(())
}

#[test]
fn dwp_example_files_show_each_refusal_with_its_line() -> TestResult {
    let contract = Contract::from_toml(&example("dwp-rate-card.toml")?)?;
    let participants = example("dwp-rate-card.participants.csv")?;
    let claims = example("dwp-rate-card.claims.csv")?;
    let s = payments_from_csv(&contract, Some(participants.as_bytes()), claims.as_bytes(), None::<&[u8]>)?;
    let refused: Vec<(u64, &str, Refusal)> =
        s.refusals.iter().map(|r| (r.line, r.participant.as_str(), r.reason)).collect();
    assert_eq!(
        refused,
        vec![
            (8, "P002", Refusal::DuplicateOnceOnly),
            (9, "P003", Refusal::BeforeEnrolment),
            (10, "P004", Refusal::UnknownParticipant)
        ]
    );
    assert_eq!((s.claims_read, s.claims_accepted, s.claims_refused), (9, 6, 3));
    // P001 9,100 + P002 2,600 + 1,000 (26 weeks after 13 weeks, though listed first).
    assert_eq!(s.total_due.minor, 1_270_000);
    let by_cohort: Vec<(Option<&str>, u64, i64)> =
        s.by_cohort.iter().map(|c| (c.cohort.as_deref(), c.participants_paid, c.paid.minor)).collect();
    assert_eq!(by_cohort, vec![(Some("y2012"), 2, 1_270_000), (Some("y2013"), 0, 0)]);
    Ok(())
}

#[test]
fn lists_and_csv_give_the_same_statement() -> TestResult {
    let contract = Contract::from_toml(&example("dwp-rate-card.toml")?)?;
    let roster = Roster::new(
        &contract,
        &[
            Participant { id: "P001".into(), cohort: Some("y2012".into()), enrolled_on: Some(date("2012-05-02")?) },
            Participant { id: "P002".into(), cohort: Some("y2012".into()), enrolled_on: Some(date("2012-06-11")?) },
            Participant { id: "P003".into(), cohort: Some("y2013".into()), enrolled_on: Some(date("2013-04-15")?) },
        ],
    )?;
    let mut claims = dwp_participant_claims()?;
    claims.push(claim("P002", "employment_26_weeks", "2013-02-01", Some("2013-02-10"))?);
    claims.push(claim("P002", "employment_13_weeks", "2012-11-01", Some("2012-11-05"))?);
    claims.push(claim("P002", "employment_13_weeks", "2012-12-01", Some("2012-12-05"))?);
    claims.push(claim("P003", "nqf_level_1", "2012-12-01", Some("2012-12-05"))?);
    claims.push(claim("P004", "nqf_level_1", "2013-06-01", Some("2013-06-05"))?);
    let from_lists = calculate_payments(&contract, Some(&roster), &claims, &[])?;
    let from_csv = payments_from_csv(
        &contract,
        Some(example("dwp-rate-card.participants.csv")?.as_bytes()),
        example("dwp-rate-card.claims.csv")?.as_bytes(),
        None::<&[u8]>,
    )?;
    assert_eq!(from_lists.total_due, from_csv.total_due);
    assert_eq!(from_lists.by_period, from_csv.by_period);
    assert_eq!(from_lists.by_metric, from_csv.by_metric);
    assert_eq!(from_lists.by_participant, from_csv.by_participant);
    assert_eq!(from_lists.refusals_by_reason, from_csv.refusals_by_reason);
    Ok(())
}

#[test]
fn claim_rules_give_each_refusal_code() -> TestResult {
    let contract = Contract::from_toml(&example("dwp-rate-card.toml")?)?;
    let roster = Roster::new(
        &contract,
        &[Participant { id: "A".into(), cohort: Some("y2012".into()), enrolled_on: Some(date("2012-06-01")?) }],
    )?;
    let cases = [
        (claim("A", "no_such_metric", "2012-07-01", None)?, Err(Refusal::UnknownMetric)),
        (claim("B", "nqf_level_1", "2012-07-01", None)?, Err(Refusal::UnknownParticipant)),
        (claim("A", "nqf_level_1", "2015-04-01", None)?, Err(Refusal::OutsideContractDates)),
        (claim("A", "nqf_level_1", "2012-05-31", None)?, Err(Refusal::BeforeEnrolment)),
        (claim("A", "nqf_level_1", "2012-07-01", Some("2012-06-30"))?, Err(Refusal::ClaimedBeforeEvent)),
        (claim("A", "school_attendance", "2012-07-01", Some("2012-12-29"))?, Err(Refusal::OutsideClaimWindow)),
        (claim("A", "employment_26_weeks", "2012-07-01", None)?, Err(Refusal::MissingPrerequisite)),
        (claim("A", "nqf_level_1", "2012-07-01", Some("2013-06-30"))?, Ok(())),
        (claim("A", "nqf_level_1", "2012-08-01", None)?, Err(Refusal::DuplicateOnceOnly)),
        (claim("A", "employment_13_weeks", "2012-09-01", None)?, Ok(())),
        (claim("A", "employment_26_weeks", "2012-12-01", Some("2012-12-01"))?, Ok(())),
    ];
    let mut checker = ClaimChecker::new(&contract, Some(&roster));
    for (i, (c, expected)) in cases.iter().enumerate() {
        assert_eq!(checker.check(c), *expected, "case {i}: {c:?}");
    }
    // The claim window is inclusive: 180 days after the event is still in time.
    let mut checker = ClaimChecker::new(&contract, Some(&roster));
    assert_eq!(
        checker.check(&claim("A", "school_attendance", "2012-07-01", Some("2012-12-29"))?),
        Err(Refusal::OutsideClaimWindow)
    );
    assert_eq!(checker.check(&claim("A", "school_attendance", "2012-07-01", Some("2012-12-28"))?), Ok(()));
    assert_eq!(Refusal::DuplicateOnceOnly.code(), "duplicate_once_only");
    Ok(())
}

#[test]
fn a_set_of_claims_is_judged_in_event_order_whatever_the_file_order() -> TestResult {
    let contract = Contract::from_toml(&example("dwp-rate-card.toml")?)?;
    // Listed backwards; the same day for 13 and 26 weeks: the prerequisite is taken first.
    let claims = vec![
        claim("A", "employment_26_weeks", "2013-01-10", None)?,
        claim("A", "employment_13_weeks", "2013-01-10", None)?,
        claim("A", "employment_13_weeks", "2012-10-01", None)?,
    ];
    let answers = check_claims(&contract, None, &claims);
    assert_eq!(answers, vec![Ok(()), Err(Refusal::DuplicateOnceOnly), Ok(())]);
    let s = calculate_payments(&contract, None, &claims, &[])?;
    assert_eq!(s.total_due.minor, 360_000);
    Ok(())
}

fn errors_of(source: &str) -> Vec<(String, &'static str, Option<usize>)> {
    match Contract::from_toml(source) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.into_iter().map(|e| (e.field, e.code, e.line)).collect(),
    }
}

#[test]
fn contract_errors_name_the_field_and_the_line() -> TestResult {
    let dwp = example("dwp-rate-card.toml")?;
    let line_of = |needle: &str| dwp.lines().position(|l| l.contains(needle)).map(|i| i + 1);

    let bad = dwp.replace("prerequisites = [\"employment_13_weeks\"]", "prerequisites = [\"employment_12_weeks\"]");
    let errors = errors_of(&bad);
    assert_eq!(errors, vec![("metrics[6].prerequisites".to_string(), "unknown_metric", line_of("prerequisites = "))]);

    let cyclic = dwp.replace(
        "claim_window_days = 180\nprice = \"2600.00\"",
        "claim_window_days = 180\nprerequisites = [\"employment_26_weeks\"]\nprice = \"2600.00\"",
    );
    assert!(errors_of(&cyclic).iter().any(|(f, c, _)| f.starts_with("metrics[") && *c == "prerequisite_cycle"));

    let duplicate = dwp.replace("code = \"nqf_level_3\"", "code = \"nqf_level_2\"");
    assert!(errors_of(&duplicate).contains(&(
        "metrics[4].code".into(),
        "duplicate_code",
        line_of("code = \"nqf_level_3\"")
    )));

    let dates = dwp.replace("end_on = \"2015-03-31\"", "end_on = \"2011-03-31\"");
    assert!(errors_of(&dates).iter().any(|(f, c, _)| f == "end_on" && *c == "dates_out_of_order"));

    let two_evaluators = dwp.replace("role = \"spv\"", "role = \"evaluator\"");
    assert!(errors_of(&two_evaluators).iter().any(|(f, c, _)| f == "parties" && *c == "party_roles"));

    let zero_cap = dwp.replace("contract_cap = \"3300000.00\"", "contract_cap = \"0\"");
    assert!(errors_of(&zero_cap).contains(&("contract_cap".into(), "out_of_range", line_of("contract_cap"))));

    let cents = dwp.replace("price = \"800.00\"", "price = \"800.001\"");
    assert!(errors_of(&cents).iter().any(|(f, c, _)| f == "metrics[1].price" && *c == "too_many_decimals"));

    let no_price = dwp.replace("price = \"800.00\"\n", "");
    assert!(errors_of(&no_price).iter().any(|(f, c, _)| f == "metrics[1].price" && *c == "required"));

    let typo = dwp.replace("claim_window_days = 365\nprice = \"700.00\"", "claim_window_days = 365\npric = \"700.00\"");
    let errors = errors_of(&typo);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].0.as_str(), errors[0].1, errors[0].2),
        ("pric", "invalid_toml", line_of("price = \"700.00\""))
    );

    let outside = dwp.replace("end_on = \"2014-03-31\"", "end_on = \"2016-03-31\"");
    assert!(errors_of(&outside).iter().any(|(f, c, _)| f == "cohorts[1]" && *c == "outside_contract_dates"));

    let bad_area = dwp.replace("policy_area = \"employment\"", "policy_area = \"transport\"");
    let errors = errors_of(&bad_area);
    assert!(
        errors.iter().any(|(f, c, l)| f == "policy_area" && *c == "invalid_toml" && *l == line_of("policy_area")),
        "{errors:?}"
    );

    let long_name =
        dwp.replace("name = \"Innovation Fund rate card — Thames Valley\"", &format!("name = \"{}\"", "x".repeat(201)));
    assert!(errors_of(&long_name).iter().any(|(f, c, _)| f == "name" && *c == "too_long"));

    // Several problems are reported together.
    let many = dates.replace("contract_cap = \"3300000.00\"", "contract_cap = \"-5\"");
    assert!(errors_of(&many).len() >= 2);
    Ok(())
}

#[test]
fn mechanisms_refuse_fields_that_are_not_theirs() -> TestResult {
    let peterborough = example("peterborough-threshold.toml")?;
    let priced = peterborough.replace("claim_window_days = 730", "claim_window_days = 730\nprice = \"10.00\"");
    assert!(errors_of(&priced).iter().any(|(f, c, _)| f == "metrics[0].price" && *c == "not_allowed"));
    let mixed = peterborough.replace("overall_threshold_bp = 750", "overall_threshold_bp = 750\nshare_bp = 5000");
    assert!(errors_of(&mixed).iter().any(|(f, c, _)| f == "mechanism.share_bp" && *c == "not_allowed"));
    let over = peterborough.replace("cohort_threshold_bp = 1000", "cohort_threshold_bp = 10001");
    assert!(errors_of(&over).iter().any(|(f, c, _)| f == "mechanism.cohort_threshold_bp" && *c == "out_of_range"));
    let faz = example("faz-te-forward-targets.toml")?;
    let unknown = faz.replace("metric = \"employed_6_months\"", "metric = \"employed_12_months\"");
    assert!(errors_of(&unknown).iter().any(|(f, c, _)| f == "mechanism.targets[1].metric" && *c == "unknown_metric"));
    Ok(())
}

#[test]
fn csv_errors_name_the_line_and_column() -> TestResult {
    let contract = Contract::from_toml(&example("dwp-rate-card.toml")?)?;
    let claims = "participant,metric,event_on\nP1,nqf_level_1,2013-01-01\nP2,nqf_level_1,2013-02-30\n";
    let e = payments_from_csv(&contract, None::<&[u8]>, claims.as_bytes(), None::<&[u8]>).err().ok_or("must fail")?;
    assert_eq!((e.0[0].line, e.0[0].column.as_deref(), e.0[0].code), (Some(3), Some("event_on"), "invalid_date"));

    let claims = "participant,metric,event_date\nP1,nqf_level_1,2013-01-01\n";
    let e = payments_from_csv(&contract, None::<&[u8]>, claims.as_bytes(), None::<&[u8]>).err().ok_or("must fail")?;
    let codes: Vec<&str> = e.0.iter().map(|e| e.code).collect();
    assert_eq!(codes, vec!["unknown_column", "missing_column"]);

    let claims = "participant,metric,event_on\nP1,nqf_level_1\n";
    let e = payments_from_csv(&contract, None::<&[u8]>, claims.as_bytes(), None::<&[u8]>).err().ok_or("must fail")?;
    assert_eq!((e.0[0].line, e.0[0].code), (Some(2), "invalid_csv"));

    let participants =
        "participant,cohort,enrolled_on\nP1,y2012,2012-05-01\nP1,y2012,2012-05-01\nP2,y2099,2012-05-01\n";
    let e = payments_from_csv(
        &contract,
        Some(participants.as_bytes()),
        "participant,metric,event_on\n".as_bytes(),
        None::<&[u8]>,
    )
    .err()
    .ok_or("must fail")?;
    let found: Vec<(Option<u64>, &str)> = e.0.iter().map(|e| (e.line, e.code)).collect();
    assert_eq!(found, vec![(Some(3), "duplicate_participant"), (Some(4), "unknown_cohort")]);

    let peterborough = Contract::from_toml(&example("peterborough-threshold.toml")?)?;
    let results =
        "cohort,measure,value\ncohort-1,participants,1000\ncohort-1,treatment,142\ncohort-1,reoffending,155\n";
    let e = payments_from_csv(
        &peterborough,
        None::<&[u8]>,
        "participant,metric,event_on\n".as_bytes(),
        Some(results.as_bytes()),
    )
    .err()
    .ok_or("must fail")?;
    assert_eq!((e.0[0].line, e.0[0].column.as_deref(), e.0[0].code), (Some(4), Some("measure"), "unknown_measure"));
    let huge =
        "cohort,measure,value\ncohort-1,participants,1000\ncohort-1,treatment,142\ncohort-1,comparison,99999999999\n";
    let e = payments_from_csv(
        &peterborough,
        None::<&[u8]>,
        "participant,metric,event_on\n".as_bytes(),
        Some(huge.as_bytes()),
    )
    .err()
    .ok_or("must fail")?;
    assert_eq!(e.0[0].code, "out_of_range");
    Ok(())
}

#[test]
fn claims_only_mode_reads_cohorts_from_the_claims() -> TestResult {
    let contract = Contract::from_toml(&example("dwp-rate-card.toml")?)?;
    let claims = "participant,metric,event_on,cohort\nP1,nqf_level_1,2013-01-01,y2012\nP2,nqf_level_2,2013-05-01,y2013\n\
                  P3,nqf_level_2,2013-05-01,y2077\nP1,nqf_level_2,2013-06-01,y2013\n";
    let e = payments_from_csv(&contract, None::<&[u8]>, claims.as_bytes(), None::<&[u8]>)
        .err()
        .ok_or("two cohorts for P1")?;
    assert_eq!((e.0[0].line, e.0[0].code), (Some(5), "cohort_mismatch"));
    let claims = &claims[..claims.rfind("P1,").ok_or("row")?];
    let s = payments_from_csv(&contract, None::<&[u8]>, claims.as_bytes(), None::<&[u8]>)?;
    assert_eq!(s.refusals_by_reason.len(), 1);
    assert_eq!(s.refusals_by_reason[0].reason, Refusal::UnknownCohort);
    let by_cohort: Vec<(Option<&str>, i64)> = s.by_cohort.iter().map(|c| (c.cohort.as_deref(), c.paid.minor)).collect();
    assert_eq!(by_cohort, vec![(Some("y2012"), 70_000), (Some("y2013"), 220_000)]);
    Ok(())
}

// ---- property tests: the invariants of money ----

#[derive(Debug, Clone)]
struct Case {
    prices: Vec<(u32, bool)>,
    participant_cap: Option<u32>,
    period_cap: Option<u32>,
    contract_cap: u32,
    claims: Vec<(u8, u8, i32)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec((1u32..500_000, any::<bool>()), 1..6),
        prop::option::of(1u32..1_500_000),
        prop::option::of(1u32..2_000_000),
        1u32..5_000_000,
        prop::collection::vec((0u8..12, 0u8..8, -30i32..1_130), 0..250),
    )
        .prop_map(|(prices, participant_cap, period_cap, contract_cap, claims)| Case {
            participant_cap: participant_cap.map(|c| c.min(contract_cap)),
            period_cap: period_cap.map(|c| c.min(contract_cap)),
            prices,
            contract_cap,
            claims,
        })
}

fn case_contract(c: &Case) -> Result<Contract, Box<dyn std::error::Error>> {
    let money = |minor: u32| format!("{}.{:02}", minor / 100, minor % 100);
    let mut toml = format!(
        "name = \"Property\"\npolicy_area = \"other\"\ncurrency = \"EUR\"\nstart_on = \"2020-01-01\"\n\
         end_on = \"2022-12-31\"\nperiod = \"month\"\ncontract_cap = \"{}\"\n",
        money(c.contract_cap)
    );
    if let Some(cap) = c.participant_cap {
        toml += &format!("participant_cap = \"{}\"\n", money(cap));
    }
    if let Some(cap) = c.period_cap {
        toml += &format!("period_cap = \"{}\"\n", money(cap));
    }
    for role in ["outcome_payer", "provider", "evaluator"] {
        toml += &format!("[[parties]]\nname = \"{role}\"\nrole = \"{role}\"\n");
    }
    toml += "[[cohorts]]\ncode = \"c\"\nname = \"c\"\ntarget_size = 10\nstart_on = \"2020-01-01\"\nend_on = \"2022-12-31\"\n";
    for (i, (price, once)) in c.prices.iter().enumerate() {
        let prerequisites = if i == 2 { "prerequisites = [\"m0\"]\n" } else { "" };
        toml += &format!(
            "[[metrics]]\ncode = \"m{i}\"\nname = \"m\"\ndefinition = \"d\"\nevidence = \"e\"\nverification_window_days = 30\n\
             claim_window_days = 30\nonce_per_participant = {once}\n{prerequisites}price = \"{}\"\n",
            money(*price)
        );
    }
    toml += "[mechanism]\ntype = \"rate_card\"\n";
    Ok(Contract::from_toml(&toml)?)
}

fn case_claims(c: &Case) -> Result<Vec<OutcomeClaim>, Box<dyn std::error::Error>> {
    let start = date("2020-01-01")?;
    c.claims
        .iter()
        .map(|&(p, m, offset)| {
            let event_on = start.checked_add(time::Duration::days(i64::from(offset))).ok_or("date")?;
            Ok(OutcomeClaim { participant: format!("p{p}"), metric: format!("m{m}"), event_on, claimed_on: None })
        })
        .collect()
}

/// Peterborough's two outcome payers with the payment shares given.
fn peterborough_with_shares(moj: &str, lottery: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(example("peterborough-threshold.toml")?
        .replace(
            "name = \"Ministry of Justice\"\nrole = \"outcome_payer\"",
            &format!("name = \"Ministry of Justice\"\nrole = \"outcome_payer\"{moj}"),
        )
        .replace(
            "name = \"Big Lottery Fund\"\nrole = \"outcome_payer\"",
            &format!("name = \"Big Lottery Fund\"\nrole = \"outcome_payer\"{lottery}"),
        ))
}

#[test]
fn several_outcome_payers_split_a_payment_by_their_shares_to_the_cent() -> TestResult {
    // Equal shares when none is given: £1,000.01 is £500.01 and £500.00 (the first payer takes
    // the odd penny on a tie).
    let equal = Contract::from_toml(&example("peterborough-threshold.toml")?)?;
    assert_eq!(equal.split_among_payers(100_001), vec![(0, 50_001), (1, 50_000)]);

    // 70% / 30%: £1,000.01 → 700.007 and 300.003 → £700.00 + £300.00 and the penny left to the
    // payer that lost more to rounding (0.7p against 0.3p).
    let shared =
        Contract::from_toml(&peterborough_with_shares("\npayment_share_bp = 7000", "\npayment_share_bp = 3000")?)?;
    assert_eq!(shared.parties[0].payment_share_bp, Some(7000));
    assert_eq!(shared.split_among_payers(100_001), vec![(0, 70_001), (1, 30_000)]);
    assert_eq!(shared.split_among_payers(1_000_000), vec![(0, 700_000), (1, 300_000)]);
    assert_eq!(shared.split_among_payers(0), vec![(0, 0), (1, 0)]);
    // The amounts always add up exactly.
    for amount in [1, 2, 3, 99, 101, 12_345_678_901] {
        let total: i64 = shared.split_among_payers(amount).iter().map(|(_, a)| a).sum();
        assert_eq!(total, amount);
    }
    Ok(())
}

#[test]
fn payment_shares_must_be_given_for_every_payer_and_add_up_to_a_hundred_percent() -> TestResult {
    let source = peterborough_with_shares("\npayment_share_bp = 7000", "\npayment_share_bp = 2000")?;
    let line = source.lines().position(|l| l.contains("payment_share_bp = 7000")).map(|i| i + 1);
    let errors = errors_of(&source);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].0.as_str(), errors[0].1), ("parties[0].payment_share_bp", "shares_total"));
    assert_eq!(errors[0].2, line);

    let missing = errors_of(&peterborough_with_shares("\npayment_share_bp = 7000", "")?);
    assert_eq!(
        missing.iter().map(|e| (e.0.as_str(), e.1)).collect::<Vec<_>>(),
        vec![("parties[1].payment_share_bp", "required")]
    );

    let zero = errors_of(&peterborough_with_shares("\npayment_share_bp = 0", "\npayment_share_bp = 10000")?);
    assert!(zero.iter().any(|e| e.0 == "parties[0].payment_share_bp" && e.1 == "out_of_range"), "{zero:?}");

    let investor = example("peterborough-threshold.toml")?
        .replace("commitment = \"5000000.00\"", "commitment = \"5000000.00\"\npayment_share_bp = 5000");
    let errors = errors_of(&investor);
    assert!(errors.iter().any(|e| e.0 == "parties[3].payment_share_bp" && e.1 == "not_allowed"), "{errors:?}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn payments_respect_caps_and_add_up(c in case()) {
        let contract = case_contract(&c).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let claims = case_claims(&c).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let s = calculate_payments(&contract, None, &claims, &[]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let total = s.total_due.minor;
        prop_assert!(total >= 0);
        prop_assert!(total <= contract.contract_cap_minor);
        prop_assert_eq!(total, s.by_period.iter().map(|p| p.paid.minor).sum::<i64>());
        prop_assert_eq!(total, s.by_metric.iter().map(|m| m.paid.minor).sum::<i64>());
        prop_assert_eq!(total, s.by_cohort.iter().map(|m| m.paid.minor).sum::<i64>());
        prop_assert_eq!(total, s.by_participant.iter().map(|m| m.paid.minor).sum::<i64>());
        prop_assert_eq!(s.gross_due.minor - total, s.cap_totals.iter().map(|c| c.cut.minor).sum::<i64>());
        prop_assert_eq!(s.claims_read, s.claims_accepted + s.claims_refused);
        if let Some(cap) = contract.participant_cap_minor {
            prop_assert!(s.by_participant.iter().all(|p| p.paid.minor <= cap));
        }
        if let Some(cap) = contract.period_cap_minor {
            prop_assert!(s.by_period.iter().all(|p| p.paid.minor <= cap));
        }
        // The engine and the claim checker agree, and once-only metrics are accepted at most
        // once per participant.
        let answers = check_claims(&contract, None, &claims);
        prop_assert_eq!(answers.iter().filter(|a| a.is_ok()).count() as u64, s.claims_accepted);
        let mut seen = std::collections::HashSet::new();
        for (claim, answer) in claims.iter().zip(&answers) {
            let once = contract.metric(&claim.metric).is_some_and(|m| m.once_per_participant);
            if answer.is_ok() && once {
                prop_assert!(seen.insert((claim.participant.clone(), claim.metric.clone())));
            }
        }
        // Without caps, what is paid is exactly the prices of the accepted claims.
        let priced: i64 = claims
            .iter()
            .zip(&answers)
            .filter(|(_, a)| a.is_ok())
            .filter_map(|(c, _)| contract.metric(&c.metric).and_then(|m| m.price_minor))
            .sum();
        prop_assert_eq!(s.gross_due.minor, priced);
    }

    #[test]
    fn claim_order_in_the_input_does_not_change_the_statement(c in case(), seed in any::<u64>()) {
        let contract = case_contract(&c).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let claims = case_claims(&c).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut shuffled = claims.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let a = calculate_payments(&contract, None, &claims, &[]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let b = calculate_payments(&contract, None, &shuffled, &[]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(a.total_due, b.total_due);
        prop_assert_eq!(a.by_period, b.by_period);
        prop_assert_eq!(a.by_metric, b.by_metric);
        prop_assert_eq!(a.refusals_by_reason, b.refusals_by_reason);
    }
}
