//! `koinon outcomes returns` and `koinon outcomes payments`, run as a user would run them, on
//! the example files of the repository; the figures are the ones worked out in
//! `docs/finance.md`, `docs/outcomes.md` and the core tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(path: &str) -> String {
    repo().join("examples").join(path).display().to_string()
}

fn koinon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_koinon"))
        .args(args)
        .env_remove("KOINON_JSON")
        .env_remove("KOINON_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run koinon")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and expects success and JSON on standard output.
fn json(args: &[&str]) -> Value {
    let o = koinon(args);
    assert!(o.status.success(), "{args:?} failed: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", stdout(&o)))
}

/// Runs and expects failure: exit 2, nothing on standard output; returns standard error.
fn failure(args: &[&str]) -> String {
    let o = koinon(args);
    assert_eq!(o.status.code(), Some(2), "{args:?} should fail with exit 2: {}{}", stdout(&o), stderr(&o));
    assert!(o.stdout.is_empty(), "nothing on standard output on error, got: {}", stdout(&o));
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "a panic is a bug: {err}");
    err
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path.display().to_string()
}

fn minor(v: &Value) -> i64 {
    v["minor"].as_i64().unwrap_or_else(|| panic!("not an amount: {v}"))
}

// ---- returns ----

#[test]
fn outcomes_returns_json_gives_the_spreadsheet_xirr_and_the_investor_figures() {
    let r = json(&["outcomes", "returns", "--cashflows", &example("finance/spreadsheet-xirr.cashflows.csv"), "--json"]);
    let xirr = r["xirr"].as_f64().expect("xirr");
    // The spreadsheet documentation's answer for these flows: 0.373362535.
    assert!((xirr - 0.373_362_535).abs() < 1e-8, "xirr {xirr}");
    assert_eq!(r["moic"].as_f64(), Some(1.3));
    assert_eq!(r["net"], "3000");
    assert_eq!(r["paid_out"], "10000");
    assert_eq!(r["received"], "13000");
    assert_eq!(r["payback_date"], "2009-02-15");
    assert_eq!(r["max_loss"], "10000");
    assert_eq!(r["max_loss_date"], "2008-01-01");
    assert_eq!(r["flows"], 5);
    assert_eq!(r["xirr_unique"], true);
}

#[test]
fn outcomes_returns_text_shows_the_key_figures() {
    let o = koinon(&["outcomes", "returns", "--cashflows", &example("finance/spreadsheet-xirr.cashflows.csv")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for figure in ["37.34% a year", "0.37336253", "1.3000x", "10000", "13000", "3000", "2009-02-15", "2008-01-01"] {
        assert!(text.contains(figure), "{figure:?} missing from:\n{text}");
    }
    assert!(text.contains("Payback date") && text.contains("Maximum loss"), "{text}");
}

#[test]
fn outcomes_returns_second_dip_at_scale_2() {
    let file = example("finance/second-dip.cashflows.csv");
    let r = json(&["outcomes", "returns", "--cashflows", &file, "--scale", "2", "--json"]);
    assert_eq!(r["payback_date"], "2021-01-01", "the first payback counts");
    assert_eq!(r["max_loss"], "800.00");
    assert_eq!(r["max_loss_date"], "2020-06-01");
    assert_eq!(r["net"], "150.00");
    assert_eq!(r["scale"], 2);
    let o = koinon(&["outcomes", "returns", "--cashflows", &file]);
    assert!(stdout(&o).contains("800.00 (running total on 2020-06-01)"), "{}", stdout(&o));
}

#[test]
fn outcomes_returns_losing_investment_has_no_payback() {
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "loss.csv", "date,amount\n2021-01-01,-500.00\n2022-01-01,200.00\n");
    let r = json(&["outcomes", "returns", "--cashflows", &file, "--json"]);
    assert!((r["xirr"].as_f64().expect("xirr") + 0.6).abs() < 1e-9, "{r}");
    assert_eq!(r["payback_date"], Value::Null);
    assert_eq!(r["net"], "-300.00");
    let text = stdout(&koinon(&["outcomes", "returns", "--cashflows", &file]));
    assert!(text.contains("-60.00% a year") && text.contains("none"), "{text}");
}

#[test]
fn outcomes_returns_malformed_line_is_named_with_file_line_and_column() {
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "flows.csv", "date,amount\n2008-01-01,-10000\n2008-03-01,2750\n2008-10-30,12;5\n");
    let err = failure(&["outcomes", "returns", "--cashflows", &file]);
    assert!(err.contains(&file), "names the file: {err}");
    assert!(err.contains("line 4") && err.contains("amount") && err.contains("\"12;5\""), "{err}");
    assert!(err.contains("invalid_amount"), "{err}");

    let err = failure(&["outcomes", "returns", "--cashflows", &file, "--json"]);
    let v: Value = serde_json::from_str(&err).expect("JSON error on standard error");
    let e = &v["error"]["errors"][0];
    assert_eq!(
        (e["file"].as_str(), e["line"].as_u64(), e["column"].as_str()),
        (Some(file.as_str()), Some(4), Some("amount"))
    );
    assert_eq!(v["error"]["code"], "invalid_amount");

    // A bad date on line 3, and more decimals than the scale allows.
    let bad_date = write(dir.path(), "date.csv", "date,amount\n2008-01-01,-1\n2008-02-30,2\n");
    let err = failure(&["outcomes", "returns", "--cashflows", &bad_date]);
    assert!(err.contains("line 3, date") && err.contains("2008-02-30"), "{err}");
    let decimals = write(dir.path(), "decimals.csv", "date,amount\n2008-01-01,-1\n2009-01-01,1.005\n");
    let err = failure(&["outcomes", "returns", "--cashflows", &decimals, "--scale", "2"]);
    assert!(err.contains("line 3, amount") && err.contains("too_many_decimals"), "{err}");
}

#[test]
fn outcomes_returns_without_a_rate_says_why() {
    let dir = tempfile::tempdir().expect("dir");
    let file = write(dir.path(), "all-out.csv", "date,amount\n2008-01-01,-1\n2009-01-01,-2\n");
    let err = failure(&["outcomes", "returns", "--cashflows", &file]);
    assert!(err.contains(&file) && err.contains("no_sign_change") && err.contains("all negative"), "{err}");
}

#[test]
fn outcomes_missing_files_are_named() {
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("no-such-flows.csv").display().to_string();
    let err = failure(&["outcomes", "returns", "--cashflows", &missing]);
    assert!(err.contains(&missing) && err.contains("file_not_found"), "{err}");

    let missing = dir.path().join("no-such-participants.csv").display().to_string();
    let err = failure(&[
        "outcomes",
        "payments",
        "--contract",
        &example("outcomes/dwp-rate-card.toml"),
        "--claims",
        &example("outcomes/dwp-rate-card.claims.csv"),
        "--participants",
        &missing,
    ]);
    assert!(err.contains("participants file") && err.contains(&missing), "{err}");

    let missing = dir.path().join("no-such-contract.toml").display().to_string();
    let err = failure(&[
        "outcomes",
        "payments",
        "--contract",
        &missing,
        "--claims",
        &example("outcomes/dwp-rate-card.claims.csv"),
    ]);
    assert!(err.contains("contract file") && err.contains(&missing), "{err}");
}

// ---- payments ----

fn dwp_args<'a>(participants: &'a str, claims: &'a str, contract: &'a str) -> Vec<&'a str> {
    vec!["outcomes", "payments", "--contract", contract, "--participants", participants, "--claims", claims]
}

#[test]
fn outcomes_payments_dwp_rate_card_json() {
    let (contract, participants, claims) = (
        example("outcomes/dwp-rate-card.toml"),
        example("outcomes/dwp-rate-card.participants.csv"),
        example("outcomes/dwp-rate-card.claims.csv"),
    );
    let mut args = dwp_args(&participants, &claims, &contract);
    args.push("--json");
    let s = json(&args);
    assert_eq!(s["mechanism"], "rate_card");
    assert_eq!(s["currency"], "GBP");
    assert_eq!(
        (s["claims_read"].as_u64(), s["claims_accepted"].as_u64(), s["claims_refused"].as_u64()),
        (Some(9), Some(6), Some(3))
    );
    // P001 9,100 + P002 2,600 + 1,000 (26 weeks after 13 weeks, though listed first).
    assert_eq!(minor(&s["total_due"]), 1_270_000);
    assert_eq!(s["total_due"]["decimal"], "12700.00");
    assert_eq!(minor(&s["gross_due"]), 1_270_000);
    let reasons: Vec<(String, u64)> = s["refusals_by_reason"]
        .as_array()
        .expect("refusals_by_reason")
        .iter()
        .map(|r| (r["reason"].as_str().unwrap_or_default().to_string(), r["count"].as_u64().unwrap_or_default()))
        .collect();
    let mut reasons_sorted = reasons.clone();
    reasons_sorted.sort();
    assert_eq!(
        reasons_sorted,
        vec![
            ("before_enrolment".to_string(), 1),
            ("duplicate_once_only".to_string(), 1),
            ("unknown_participant".to_string(), 1)
        ]
    );
    let refused: Vec<(u64, &str)> = s["refusals"]
        .as_array()
        .expect("refusals")
        .iter()
        .map(|r| (r["line"].as_u64().unwrap_or_default(), r["reason"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(refused, vec![(8, "duplicate_once_only"), (9, "before_enrolment"), (10, "unknown_participant")]);
    let y2012 = s["by_cohort"].as_array().expect("by_cohort").iter().find(|c| c["cohort"] == "y2012").expect("y2012");
    assert_eq!((y2012["participants_paid"].as_u64(), minor(&y2012["paid"])), (Some(2), 1_270_000));
    let by_metric_paid: i64 = s["by_metric"].as_array().expect("by_metric").iter().map(|m| minor(&m["paid"])).sum();
    assert_eq!(by_metric_paid, 1_270_000);
    assert!(s.get("by_participant").is_none(), "left out without --by-participant");

    let summary_keys: Vec<String> = s.as_object().expect("object").keys().cloned().collect();

    args.push("--by-participant");
    let s = json(&args);
    let mut full_keys: Vec<String> = s.as_object().expect("object").keys().cloned().collect();
    full_keys.retain(|k| k != "by_participant");
    assert_eq!(summary_keys, full_keys, "the summary has every other field of the statement");
    let people: Vec<(&str, i64)> = s["by_participant"]
        .as_array()
        .expect("by_participant")
        .iter()
        .map(|p| (p["participant"].as_str().unwrap_or_default(), minor(&p["paid"])))
        .collect();
    assert_eq!(people, vec![("P001", 910_000), ("P002", 360_000)]);
}

#[test]
fn outcomes_payments_text_shows_totals_refusals_and_participants_on_request() {
    let (contract, participants, claims) = (
        example("outcomes/dwp-rate-card.toml"),
        example("outcomes/dwp-rate-card.participants.csv"),
        example("outcomes/dwp-rate-card.claims.csv"),
    );
    let mut args = dwp_args(&participants, &claims, &contract);
    let o = koinon(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for figure in [
        "9 read, 6 accepted, 3 refused",
        "12700.00 GBP",
        "2012-Q4",
        "nqf_level_3",
        "3300.00",
        "y2012",
        "duplicate_once_only",
        "before_enrolment",
        "unknown_participant",
        "none: no cap cut anything",
    ] {
        assert!(text.contains(figure), "{figure:?} missing from:\n{text}");
    }
    assert!(!text.contains("P001"), "no per-participant lines without --by-participant:\n{text}");
    args.push("--by-participant");
    let text = stdout(&koinon(&args));
    assert!(text.contains("By participant (2)") && text.contains("P001") && text.contains("9100.00"), "{text}");
}

#[test]
fn outcomes_payments_caps_are_reported() {
    // The DOMAIN.md participant: 9,100 earned under an 8,000 participant cap.
    let dir = tempfile::tempdir().expect("dir");
    let source = std::fs::read_to_string(example("outcomes/dwp-rate-card.toml"))
        .expect("contract")
        .replace("participant_cap = \"11700.00\"", "participant_cap = \"8000.00\"");
    let contract = write(dir.path(), "capped.toml", &source);
    let claims = write(
        dir.path(),
        "claims.csv",
        "participant,metric,event_on,claimed_on\n\
         P001,nqf_level_2,2012-11-30,2012-12-10\n\
         P001,nqf_level_3,2013-06-28,2013-07-05\n\
         P001,employment_13_weeks,2013-10-04,2013-10-20\n\
         P001,employment_26_weeks,2014-01-03,2014-01-15\n",
    );
    let s = json(&["outcomes", "payments", "--contract", &contract, "--claims", &claims, "--json"]);
    assert_eq!((minor(&s["gross_due"]), minor(&s["total_due"])), (910_000, 800_000));
    let cap = &s["caps_applied"][0];
    assert_eq!(
        (cap["cap"].as_str(), cap["scope"].as_str(), minor(&cap["cut"])),
        (Some("participant"), Some("P001"), 110_000)
    );
    assert_eq!(minor(&s["cap_totals"][0]["cut"]), 110_000);
    let text = stdout(&koinon(&["outcomes", "payments", "--contract", &contract, "--claims", &claims]));
    assert!(text.contains("8000.00 GBP") && text.contains("1100.00") && text.contains("P001"), "{text}");
}

#[test]
fn outcomes_payments_results_based_examples() {
    // Peterborough: no cohort reaches 10%, but 9% overall pays 270 events x 2,000.
    let s = json(&[
        "outcomes",
        "payments",
        "--contract",
        &example("outcomes/peterborough-threshold.toml"),
        "--results",
        &example("outcomes/peterborough-threshold.results.csv"),
        "--json",
    ]);
    assert_eq!(s["total_due"]["decimal"], "540000.00");
    let results = s["results"].as_array().expect("results");
    let c1 = results.iter().find(|r| r["cohort"] == "cohort-1").expect("cohort-1");
    assert_eq!((c1["measured_bp"].as_i64(), c1["met"].as_bool()), (Some(839), Some(false)));
    let overall = results.iter().find(|r| r["item"] == "overall_threshold").expect("overall");
    assert_eq!((overall["units"].as_u64(), minor(&overall["paid"])), (Some(270), 54_000_000));

    // Koto: half the savings per person (1,335 x 1,000) plus three trainings at 1,500.
    let s = json(&[
        "outcomes",
        "payments",
        "--contract",
        &example("outcomes/koto-savings-share.toml"),
        "--claims",
        &example("outcomes/koto-savings-share.claims.csv"),
        "--results",
        &example("outcomes/koto-savings-share.results.csv"),
        "--json",
    ]);
    assert_eq!(s["total_due"]["decimal"], "1339500.00");

    // Faz-te Forward: both targets met.
    let args = [
        "outcomes",
        "payments",
        "--contract",
        &example("outcomes/faz-te-forward-targets.toml"),
        "--results",
        &example("outcomes/faz-te-forward-targets.results.csv"),
    ];
    let text = stdout(&koinon(&args));
    assert!(
        text.contains("110000.00") && text.contains("entered-work-40") && text.contains("employed-6m-20"),
        "{text}"
    );
}

#[test]
fn outcomes_payments_input_errors_list_every_problem_and_print_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let claims = write(
        dir.path(),
        "claims.csv",
        "participant,metric,event_on\nP001,nqf_level_2,2012-11-30\nP001,nqf_level_3,2013-13-28\nP002,nqf_level_2,2012-11-30\nP002,nqf_level_3,28/06/2013\n",
    );
    let contract = example("outcomes/dwp-rate-card.toml");
    let err = failure(&["outcomes", "payments", "--contract", &contract, "--claims", &claims]);
    assert!(err.contains("2 problem"), "{err}");
    for line in ["line 3", "line 5"] {
        assert!(err.contains(&format!("claims file {claims}, {line}, event_on")), "{line} missing: {err}");
    }

    let err = failure(&["outcomes", "payments", "--contract", &contract, "--claims", &claims, "--json"]);
    let v: Value = serde_json::from_str(&err).expect("JSON error");
    assert_eq!(v["error"]["code"], "invalid_input");
    let lines: Vec<u64> =
        v["error"]["errors"].as_array().expect("errors").iter().filter_map(|e| e["line"].as_u64()).collect();
    assert_eq!(lines, vec![3, 5]);
    assert_eq!(v["error"]["errors"][0]["code"], "invalid_date");

    // A contract that does not parse names the contract file and the line.
    let bad = write(
        dir.path(),
        "bad.toml",
        "name = \"x\"\ncurrency = \"GBP\"\nstart_on = \"2012-04-01\"\nend_on = \"2011-03-31\"\n",
    );
    let err = failure(&["outcomes", "payments", "--contract", &bad, "--claims", &claims]);
    assert!(err.contains(&format!("contract file {bad}")), "{err}");
}

// ---- payments from XLSX workbooks (written by koinon-core's outcomes_xlsx tests) ----

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures").join(name).display().to_string()
}

#[test]
fn outcomes_payments_from_a_workbook_equal_the_csv_statement() {
    let contract = example("outcomes/dwp-rate-card.toml");
    let (participants, claims) =
        (example("outcomes/dwp-rate-card.participants.csv"), example("outcomes/dwp-rate-card.claims.csv"));
    let book = fixture("dwp-rate-card.xlsx");
    let from_csv = json(&[
        "outcomes",
        "payments",
        "--contract",
        &contract,
        "--participants",
        &participants,
        "--claims",
        &claims,
        "--json",
    ]);
    // One workbook: the sheets "Participants" and "Claims" are found by name.
    let from_xlsx =
        json(&["outcomes", "payments", "--contract", &contract, "--participants", &book, "--claims", &book, "--json"]);
    assert_eq!(from_xlsx, from_csv);
    assert_eq!(minor(&from_xlsx["total_due"]), 1_270_000);

    // A workbook without the .xlsx name is known by its content; a sheet chosen by name.
    let dir = tempfile::tempdir().expect("dir");
    let unnamed = dir.path().join("claims-export");
    std::fs::copy(&book, &unnamed).expect("copy");
    let unnamed = unnamed.display().to_string();
    let text = stdout(&koinon(&[
        "outcomes",
        "payments",
        "--contract",
        &contract,
        "--participants",
        &participants,
        "--claims",
        &unnamed,
        "--claims-sheet",
        "Claims",
    ]));
    assert!(text.contains("Total due:                12700.00 GBP"), "{text}");

    // Results as number cells (1330.00, -1340.00) give the Koto figures.
    let v = json(&[
        "outcomes",
        "payments",
        "--contract",
        &example("outcomes/koto-savings-share.toml"),
        "--claims",
        &example("outcomes/koto-savings-share.claims.csv"),
        "--results",
        &fixture("koto-savings-share.results.xlsx"),
        "--json",
    ]);
    assert_eq!(minor(&v["total_due"]), 133_950_000);
}

#[test]
fn outcomes_payments_workbook_errors_name_sheet_row_and_column() {
    let contract = example("outcomes/dwp-rate-card.toml");
    let bad = fixture("dwp-rate-card-bad-date.xlsx");
    let err = failure(&["outcomes", "payments", "--contract", &contract, "--claims", &bad]);
    assert!(
        err.contains(&format!(
            "claims file {bad}, sheet \"Claims 2013\", row 5, column C (event_on): event_on must be a date like \
             2024-01-31 (invalid_date)"
        )),
        "{err}"
    );
    let err = failure(&["outcomes", "payments", "--contract", &contract, "--claims", &bad, "--json"]);
    let v: Value = serde_json::from_str(&err).expect("JSON error");
    let e = &v["error"]["errors"][0];
    assert_eq!(
        (&e["sheet"], &e["line"], &e["column_letter"], &e["column"], &e["code"]),
        (
            &Value::from("Claims 2013"),
            &Value::from(5),
            &Value::from("C"),
            &Value::from("event_on"),
            &Value::from("invalid_date")
        )
    );

    let book = fixture("dwp-rate-card.xlsx");
    let err = failure(&["outcomes", "payments", "--contract", &contract, "--claims", &book, "--claims-sheet", "Q4"]);
    assert!(err.contains("no sheet \"Q4\"") && err.contains("(sheet_not_found)"), "{err}");
}

#[test]
fn outcomes_payments_a_damaged_workbook_is_refused_cleanly() {
    let dir = tempfile::tempdir().expect("dir");
    let contract = example("outcomes/dwp-rate-card.toml");
    let text = write(dir.path(), "claims.xlsx", "participant,metric,event_on\n");
    let mut bytes = std::fs::read(fixture("dwp-rate-card.xlsx")).expect("fixture");
    bytes.truncate(bytes.len() / 2);
    let truncated = dir.path().join("truncated.csv");
    std::fs::write(&truncated, &bytes).expect("write");
    let truncated = truncated.display().to_string();
    for file in [&text, &truncated] {
        let err = failure(&["outcomes", "payments", "--contract", &contract, "--claims", file]);
        assert!(err.contains(&format!("claims file {file}: The file is not an XLSX workbook")), "{err}");
    }
}

// ---- simulate ----

const FEASIBILITY: &str = "outcomes/feasibility-heerlen-employment.toml";

#[test]
fn outcomes_simulate_json_is_the_same_for_a_seed_whatever_the_threads() {
    let model = example(FEASIBILITY);
    let run = |threads: &str, seed: &str| {
        json(&[
            "outcomes",
            "simulate",
            "--model",
            &model,
            "--scenarios",
            "2000",
            "--seed",
            seed,
            "--threads",
            threads,
            "--json",
        ])
    };
    let one = run("1", "11");
    let two = run("2", "11");
    assert_eq!(one, two);
    assert_ne!(one["outcome_payments"], run("2", "12")["outcome_payments"]);
    assert_eq!((one["scenarios"].as_u64(), one["seed"].as_u64()), (Some(2000), Some(11)));
    assert_eq!(one["currency"], "EUR");
    // The contract's terms carry through: cap, capital, periods from 2025-Q3.
    assert_eq!(minor(&one["contract_cap"]), 60_000_000);
    assert_eq!(minor(&one["investors"]["capital"]), 25_000_000);
    let periods = one["by_period"].as_array().expect("periods");
    assert_eq!((periods.len(), periods[0]["period"].as_str()), (12, Some("2025-Q3")));
    // About 140 × 85% = 119 participants start.
    let participants = one["participants"]["mean"].as_f64().expect("mean");
    assert!((participants - 119.0).abs() < 1.0, "{participants}");
    // What is paid never passes the caps: 6,000 a participant, 600,000 in all.
    let paid = &one["outcome_payments"];
    assert!(minor(&paid["max"]) <= 60_000_000 && minor(&paid["p5"]) <= minor(&paid["p95"]));
    let probability = one["investors"]["probability_of_loss"].as_f64().expect("probability");
    assert!((0.0..=1.0).contains(&probability));
    let bins: u64 = paid["histogram"].as_array().expect("bins").iter().filter_map(|b| b["scenarios"].as_u64()).sum();
    assert_eq!(bins, 2000);
}

#[test]
fn outcomes_simulate_text_shows_the_key_figures() {
    let o = koinon(&["outcomes", "simulate", "--model", &example(FEASIBILITY), "--scenarios", "500"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "Parkstad Werkt — feasibility — 500 scenarios, seed 1",
        "outcome payments",
        "IRR (annual)",
        "chance of a loss",
        "net savings (NPV)",
        "employment_26_weeks",
        "2028-Q2",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
    // No progress bar when standard error is not a terminal.
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn outcomes_simulate_model_errors_name_the_file_field_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = std::fs::read_to_string(example(FEASIBILITY)).expect("example");
    let bad =
        source.replace("success_bp = 5500", "success_bp = 15000").replace("engagement_bp = 8500", "engagement_bp = -1");
    let path = write(dir.path(), "bad.toml", &bad);
    let line = |needle: &str| bad.lines().position(|l| l.contains(needle)).map(|i| i + 1).expect("line");
    let err = failure(&["outcomes", "simulate", "--model", &path, "--json"]);
    let v: Value = serde_json::from_str(&err).expect("JSON error");
    assert_eq!(v["error"]["code"], "invalid_model");
    let errors = v["error"]["errors"].as_array().expect("errors");
    let found: Vec<(String, u64)> = errors
        .iter()
        .map(|e| (e["column"].as_str().unwrap_or("").to_string(), e["line"].as_u64().unwrap_or(0)))
        .collect();
    assert!(found.contains(&("metrics[0].success_bp".to_string(), line("success_bp = 15000") as u64)), "{found:?}");
    assert!(found.contains(&("referrals.engagement_bp".to_string(), line("engagement_bp = -1") as u64)), "{found:?}");
    let text = failure(&["outcomes", "simulate", "--model", &path]);
    assert!(
        text.contains(&format!("model file {path}, line {}, metrics[0].success_bp", line("success_bp = 15000"))),
        "{text}"
    );
    // Missing file, and a scenario count out of range.
    assert!(failure(&["outcomes", "simulate", "--model", "/no/such/model.toml"]).contains("file_not_found"));
    let o = koinon(&["outcomes", "simulate", "--model", &example(FEASIBILITY), "--scenarios", "0"]);
    assert!(!o.status.success() && stderr(&o).contains("--scenarios"), "{}", stderr(&o));
}
