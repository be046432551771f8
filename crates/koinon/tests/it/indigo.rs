//! `koinon indigo import`, `summary` and `export`, run as a user would run them, on the real
//! INDIGO exports of `../shared/data` (they are on every machine; missing, the tests fail).
//! The summary is checked against figures computed here, independently, from the CSV files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn data(export: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(export);
    assert!(dir.is_dir(), "the INDIGO reference data is missing: expected {}", dir.display());
    dir
}

fn koinon(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_koinon"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("KOINON_JSON")
        .env_remove("KOINON_DATABASE_URL")
        .env_remove("KOINON_DATA_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run koinon")
}

fn json(data_dir: &Path, args: &[&str]) -> Value {
    let o = koinon(data_dir, args);
    assert!(o.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

fn failure(data_dir: &Path, args: &[&str]) -> String {
    let o = koinon(data_dir, args);
    assert_eq!(o.status.code(), Some(2), "{args:?} should fail: {}", String::from_utf8_lossy(&o.stdout));
    assert!(o.stdout.is_empty(), "nothing on standard output on error");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "a panic is a bug: {err}");
    err
}

/// An exact decimal as (units, scale 6): enough for every native amount in the export.
fn micro(text: &str) -> i128 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= 6, "{text}");
    let frac = format!("{frac:0<6}");
    whole.parse::<i128>().expect("whole") * 1_000_000 + frac.parse::<i128>().expect("frac")
}

fn micro_text(v: i128) -> String {
    let (w, f) = (v / 1_000_000, v % 1_000_000);
    if f == 0 { w.to_string() } else { format!("{w}.{}", format!("{f:06}").trim_end_matches('0')) }
}

/// Independently from projects.csv: projects per sector and the exact GBP investment sum per
/// sector (currency cell exactly "GBP", exact amount given).
fn sector_figures(export: &str) -> BTreeMap<String, (u64, i128)> {
    let mut rdr = csv::Reader::from_path(data(export).join("projects.csv")).expect("projects.csv");
    let headers = rdr.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name}"));
    let sector = col("Purpose and classifications - Policy sector - (Value)");
    let currency = col("Overall project finance - Total investment commitment - Currency - (Value)");
    let exact = col("Overall project finance - Total investment commitment - Amount - Exact - (Value)");
    let mut out: BTreeMap<String, (u64, i128)> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.expect("record");
        let entry = out.entry(rec[sector].trim().to_string()).or_default();
        entry.0 += 1;
        if rec[currency].trim() == "GBP" && !rec[exact].trim().is_empty() {
            entry.1 += micro(rec[exact].trim());
        }
    }
    out
}

#[test]
fn indigo_import_summary_and_reimport() {
    let dir = tempfile::tempdir().expect("dir");
    let may = json(dir.path(), &["indigo", "import", data("indigo-2025-05").to_str().expect("path"), "--json"]);
    assert_eq!(may["projects"], 319);
    assert_eq!(may["created"], 319);
    assert_eq!(may["updated"], 0);
    assert_eq!(may["values_removed"], 0);

    let summary = json(dir.path(), &["indigo", "summary", "--by", "sector", "--json"]);
    let groups = summary["groups"].as_array().expect("groups");
    let expected = sector_figures("indigo-2025-05");
    assert_eq!(groups.len(), expected.len());
    for (sector, (projects, gbp)) in &expected {
        let g = groups.iter().find(|g| g["key"] == sector.as_str()).unwrap_or_else(|| panic!("{sector}"));
        assert_eq!(g["projects"], *projects, "{sector}");
        if *gbp > 0 {
            assert_eq!(g["investment"]["GBP"], micro_text(*gbp), "{sector}");
        }
    }
    let employment = groups.iter().find(|g| g["key"] == "Employment and training").expect("sector");
    assert_eq!(employment["projects"], 95);

    // By country, a project delivered in Kenya and Uganda counts in both.
    let by_country = json(dir.path(), &["indigo", "summary", "--by", "country", "--json"]);
    let total: u64 =
        by_country["groups"].as_array().expect("groups").iter().filter_map(|g| g["projects"].as_u64()).sum();
    assert!(total > 319, "{total}");

    let dec = json(dir.path(), &["indigo", "import", data("indigo-2025-12").to_str().expect("path"), "--json"]);
    assert_eq!(dec["projects"], 320);
    assert_eq!(dec["created"], 1);
    assert!(dec["values_removed"].as_u64().expect("count") >= 16, "{dec}");
    let after = json(dir.path(), &["indigo", "summary", "--by", "sector", "--json"]);
    let expected = sector_figures("indigo-2025-12");
    for (sector, (projects, gbp)) in &expected {
        let g =
            after["groups"].as_array().expect("groups").iter().find(|g| g["key"] == sector.as_str()).expect("sector");
        assert_eq!(g["projects"], *projects, "{sector}");
        if *gbp > 0 {
            assert_eq!(g["investment"]["GBP"], micro_text(*gbp), "{sector}: withdrawn amounts must not be summed");
        }
    }
    let again = json(dir.path(), &["indigo", "import", data("indigo-2025-12").to_str().expect("path"), "--json"]);
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64(), again["values_removed"].as_u64()),
        (Some(0), Some(0), Some(0))
    );
}

#[test]
fn indigo_import_errors_name_the_file_and_line() {
    let db = tempfile::tempdir().expect("db");
    let err = failure(db.path(), &["indigo", "import", "/nonexistent/indigo", "--json"]);
    assert!(err.contains("/nonexistent/indigo"), "{err}");

    // A copy of the May export with a bad currency on the third project.
    let bad = tempfile::tempdir().expect("bad");
    for entry in std::fs::read_dir(data("indigo-2025-05")).expect("dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), bad.path().join(entry.file_name())).expect("copy");
    }
    let investments = bad.path().join("projects_investments.csv");
    std::fs::remove_file(bad.path().join("projects_results.csv")).expect("remove");
    let err = failure(db.path(), &["indigo", "import", bad.path().to_str().expect("path")]);
    assert!(err.contains("projects_results.csv"), "{err}");
    std::fs::copy(data("indigo-2025-05").join("projects_results.csv"), bad.path().join("projects_results.csv"))
        .expect("copy");
    let text = std::fs::read_to_string(&investments).expect("read");
    let mut lines: Vec<&str> = text.split('\n').collect();
    let broken = lines[1].replacen("INDIGO-POJ-0001,", "INDIGO-POJ-0001,\"unclosed,", 1);
    lines[1] = &broken;
    std::fs::write(&investments, lines.join("\n")).expect("write");
    let err = failure(db.path(), &["indigo", "import", bad.path().to_str().expect("path")]);
    assert!(err.contains("projects_investments.csv line 2"), "{err}");
    // Nothing was imported.
    let summary = json(db.path(), &["indigo", "summary", "--by", "stage", "--json"]);
    assert_eq!(summary["groups"].as_array().map(Vec::len), Some(0));
    let err = failure(db.path(), &["indigo", "summary", "--by", "city"]);
    assert!(err.contains("--by"), "{err}");
}

#[test]
fn indigo_export_writes_a_contract_as_an_indigo_project() {
    let dir = tempfile::tempdir().expect("dir");
    let o = koinon(dir.path(), &["demo", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = json(dir.path(), &["indigo", "export", "--contract", "1"]);
    assert!(p["id"].as_str().is_some_and(|id| id.ends_with("contract-1")), "{p}");
    assert!(p["name"]["value"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(p["purpose_and_classifications"]["policy_sector"]["value"], "Employment and training");
    assert!(p["outcome_metrics"].as_array().is_some_and(|m| !m.is_empty()));
    assert!(p["organisations"].as_array().is_some_and(|m| !m.is_empty()));
    let cap = &p["overall_project_finance"]["maximum_potential_outcome_payment_v2"];
    assert_eq!(cap["currency"]["value"], "EUR");
    assert!(cap["amount"]["value"].as_str().is_some_and(|a| a.contains('.')), "{cap}");
    let err = failure(dir.path(), &["indigo", "export", "--contract", "999"]);
    assert!(err.contains("999"), "{err}");
}
