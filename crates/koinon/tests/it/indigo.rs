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

/// The files of an export, by name, for the app's import.
pub fn export_files(export: &str) -> BTreeMap<String, String> {
    koinon_core::indigo::FILES
        .iter()
        .map(|f| (f.to_string(), std::fs::read_to_string(data(export).join(f)).expect("read export file")))
        .collect()
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

/// What indigo-data-standard's `schema/project.json` says of each property koinon writes: its
/// path (`[]` for the items of an array) and the type of its value. Transcribed from the schema;
/// anything the export writes must be listed here with the same type.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Number,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    Date,
    OneOf(&'static [&'static str]),
}

const PROJECT_SCHEMA: &[(&str, Kind)] = &[
    // koinon's own identifier of the exported contract (INDIGO ids are given by GO Lab).
    ("id", Kind::Text),
    ("name.value", Kind::Text),
    (
        "stage_development.value",
        Kind::OneOf(&[
            "Early-stage design",
            "Late-stage design",
            "Contracted",
            "Implementation",
            "Service delivery complete",
            "Complete",
        ]),
    ),
    ("dates.start_date_of_service_provision.value", Kind::Date),
    ("dates.anticipated_end_date_of_service_provision.value", Kind::Date),
    ("overall_project_finance.total_investment_commitment.currency.value", Kind::Text),
    ("overall_project_finance.total_investment_commitment.amount.exact.value", Kind::Number),
    ("overall_project_finance.maximum_potential_outcome_payment_v2.currency.value", Kind::Text),
    ("overall_project_finance.maximum_potential_outcome_payment_v2.amount.value", Kind::Number),
    (
        "purpose_and_classifications.policy_sector.value",
        Kind::OneOf(&[
            "Employment and training",
            "Child and family welfare",
            "Health",
            "Homelessness",
            "Education",
            "Criminal justice",
            "Agriculture and environment",
            "Poverty reduction",
        ]),
    ),
    ("service_and_beneficiaries.targeted_number_service_users_or_beneficiaries_total.value", Kind::Number),
    ("outcome_metrics[].id", Kind::Text),
    ("outcome_metrics[].definition.value", Kind::Text),
    ("outcome_pricings[].outcome_metric_id.value", Kind::Text),
    ("outcome_pricings[].currency.value", Kind::Text),
    ("outcome_pricings[].price_per_unit.amount.value", Kind::Number),
    ("outcome_payment_commitments[].organisation_id.value", Kind::Text),
    ("outcome_payment_commitments[].maximum_potential_outcome_payment.currency.value", Kind::Text),
    ("outcome_payment_commitments[].maximum_potential_outcome_payment.amount.value", Kind::Number),
    ("outcome_payment_commitments[].notes", Kind::Text),
    ("service_provisions[].id", Kind::Text),
    ("service_provisions[].organisation_id.value", Kind::Text),
    ("service_provisions[].notes", Kind::Text),
    ("investments[].id", Kind::Text),
    ("investments[].organisation_id.value", Kind::Text),
    ("investments[].investment_commitment.currency.value", Kind::Text),
    ("investments[].investment_commitment.amount.exact.value", Kind::Number),
    ("investments[].notes", Kind::Text),
    ("intermediary_services[].organisation_id.value", Kind::Text),
    ("intermediary_services[].notes", Kind::Text),
];

/// Every value in `v` with its schema path; fails on a path or type the schema does not have.
fn check_schema(v: &Value, path: &str, seen: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                check_schema(child, &p, seen);
            }
        }
        Value::Array(items) => {
            for child in items {
                check_schema(child, &format!("{path}[]"), seen);
            }
        }
        leaf => {
            let Some((_, kind)) = PROJECT_SCHEMA.iter().find(|(p, _)| *p == path) else {
                panic!("{path} is not a property of INDIGO's project schema (value {leaf})");
            };
            let ok = match (kind, leaf) {
                (Kind::Text, Value::String(_)) | (Kind::Number, Value::Number(_)) => true,
                (Kind::Date, Value::String(d)) => {
                    let shape: String = d.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
                    ["9999", "9999-99", "9999-99-99"].contains(&shape.as_str())
                }
                (Kind::OneOf(values), Value::String(s)) => values.contains(&s.as_str()),
                _ => false,
            };
            assert!(ok, "{path}: {leaf} is not of the schema's type");
            seen.push(path.to_string());
        }
    }
}

#[test]
fn indigo_export_writes_a_contract_as_an_indigo_project() {
    let dir = tempfile::tempdir().expect("dir");
    let o = koinon(dir.path(), &["demo", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = json(dir.path(), &["indigo", "export", "--contract", "1"]);
    let mut seen = Vec::new();
    check_schema(&p, "", &mut seen);
    for required in [
        "name.value",
        "stage_development.value",
        "dates.start_date_of_service_provision.value",
        "overall_project_finance.maximum_potential_outcome_payment_v2.amount.value",
        "overall_project_finance.total_investment_commitment.amount.exact.value",
        "purpose_and_classifications.policy_sector.value",
        "outcome_metrics[].definition.value",
        "outcome_pricings[].price_per_unit.amount.value",
        "outcome_payment_commitments[].organisation_id.value",
        "service_provisions[].organisation_id.value",
        "investments[].investment_commitment.amount.exact.value",
    ] {
        assert!(seen.iter().any(|s| s == required), "the export has no {required}: {p}");
    }
    assert!(p["id"].as_str().is_some_and(|id| id.ends_with("contract-1")), "{p}");
    assert_eq!(p["purpose_and_classifications"]["policy_sector"]["value"], "Employment and training");
    let cap = &p["overall_project_finance"]["maximum_potential_outcome_payment_v2"];
    assert_eq!(cap["currency"]["value"], "EUR");
    // The demo contract's cap is EUR 600,000.00 and its investor commits EUR 250,000.00:
    // amounts are JSON numbers of the exact value.
    assert_eq!(cap["amount"]["value"], serde_json::json!(600000), "{cap}");
    let investors: Vec<&Value> = p["investments"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    assert!(!investors.is_empty(), "{p}");
    let committed: i64 = investors
        .iter()
        .map(|i| i["investment_commitment"]["amount"]["exact"]["value"].as_i64().expect("whole euros"))
        .sum();
    assert_eq!(committed, 250_000);
    assert_eq!(
        serde_json::json!(committed),
        p["overall_project_finance"]["total_investment_commitment"]["amount"]["exact"]["value"]
    );
    let err = failure(dir.path(), &["indigo", "export", "--contract", "999"]);
    assert!(err.contains("999"), "{err}");
}

// ---- pages and API ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indigo_api_import_pages_and_comparison() {
    let t = crate::harness::spawn_app().await;
    let admin = t.token("admin@heerlen.example.org").await;
    let officer = t.token("officer@heerlen.example.org").await;
    let http = t.client();
    let import = |token: String, body: Value| {
        let http = http.clone();
        let url = t.url("/api/v1/indigo/imports");
        async move { http.post(url).bearer_auth(token).json(&body).send().await.expect("send") }
    };

    // Before any import the page says how the bank is filled.
    let empty = t.signed_in("officer@heerlen.example.org").await;
    let page = empty.get(t.url("/indigo")).send().await.expect("send").text().await.expect("text");
    assert!(page.contains("koinon indigo import"), "the empty bank says how to fill it");

    // An officer may not import; a bad export is refused whole, naming file and line.
    let files = export_files("indigo-2025-05");
    let r = import(officer.clone(), serde_json::json!({ "files": files })).await;
    assert_eq!(r.status(), 403);
    let mut bad = files.clone();
    let csv = bad.get_mut("projects_outcome_pricings.csv").expect("pricings");
    *csv = csv.replacen(",ARS,", ",Pesos,", 1);
    let r = import(admin.clone(), serde_json::json!({ "files": bad })).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.expect("json");
    let field = body["error"]["fields"][0]["field"].as_str().expect("field").to_string();
    assert!(field.starts_with("projects_outcome_pricings.csv line 2 column"), "{body}");
    assert_eq!(body["error"]["fields"][0]["code"], "unknown_currency");
    let r = import(admin.clone(), serde_json::json!({ "files": files })).await;
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.expect("json");
    assert_eq!(report["projects"], 319);

    let get = |path: &str| {
        let http = http.clone();
        let url = t.url(path);
        let token = officer.clone();
        async move {
            let r = http.get(url).bearer_auth(token).send().await.expect("send");
            (r.status().as_u16(), r.json::<Value>().await.expect("json"))
        }
    };
    let (status, page) = get("/api/v1/indigo/projects?country=KE&limit=200").await;
    assert_eq!(status, 200);
    assert!(page["items"].as_array().expect("items").iter().any(|p| p["id"] == "INDIGO-POJ-0043"));
    let (status, summary) = get("/api/v1/indigo/summary?by=sector").await;
    assert_eq!(status, 200);
    assert!(
        summary["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .any(|g| g["key"] == "Employment and training" && g["projects"] == 95)
    );
    let (status, body) = get("/api/v1/indigo/summary?by=city").await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_group")));
    let (status, _) = get("/api/v1/indigo/projects/INDIGO-POJ-9999").await;
    assert_eq!(status, 404);
    let (status, body) = get("/api/v1/indigo/projects?from=soon").await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_year")));

    // Pages: the list with a filter and its next page, a bond, a bad year, the comparison.
    let browser = t.signed_in("officer@heerlen.example.org").await;
    let html = |path: &str| {
        let browser = browser.clone();
        let url = t.url(path);
        async move {
            let r = browser.get(url).send().await.expect("send");
            (r.status().as_u16(), r.text().await.expect("text"))
        }
    };
    let (status, list) = html("/indigo?sector=Employment+and+training").await;
    assert_eq!(status, 200);
    assert!(list.contains("<table") && list.contains("/indigo/INDIGO-POJ-0001"), "the first employment bond is listed");
    assert!(list.contains("cursor=INDIGO-POJ-"), "a next page keeps the filter: {}", list.len());
    let next = list.split("class=\"pagination\"").nth(1).unwrap_or_default().chars().take(300).collect::<String>();
    assert!(next.contains("sector=Employment%20and%20training&#38;cursor="), "{next}");
    let (status, bond) = html("/indigo/INDIGO-POJ-0001").await;
    assert_eq!(status, 200);
    assert!(bond.contains("Proyecta Tu Futuro") && bond.contains("ARS"));
    let (status, bad) = html("/indigo?from=soon").await;
    assert_eq!(status, 422);
    assert!(bad.contains("href=\"#from\""), "the error summary links to the field");
    let (status, _) = html("/indigo/INDIGO-POJ-9999").await;
    assert_eq!(status, 404);

    let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
    let system = koinon_app::Actor::System("test");
    let contract = t.app.list_contracts(&system, heerlen.id, None, None).await.expect("contracts").items[0].id;
    let (status, compare) = html(&format!("/outcomes/{contract}/compare")).await;
    assert_eq!(status, 200);
    assert!(compare.contains("Employment and training"), "the contract's sector");
    assert!(compare.matches("href=\"/indigo/INDIGO-POJ-").count() >= 5, "similar bonds are listed");
    let c = t.app.similar_projects(&system, heerlen.id, contract, 10).await.expect("similar");
    // Charts rank the contract among the similar bonds priced in euros: its cap of EUR 600,000
    // is drawn as the hatched bar, named in words, and each chart has its table.
    let euro_bonds = c.similar.iter().filter(|s| s.in_contract_currency.max_outcome_payment_minor.is_some()).count();
    assert!(euro_bonds >= 1, "some employment bonds are priced in euros");
    assert_eq!(compare.matches("<figure class=\"chart-figure\">").count(), compare.matches("<svg").count());
    assert!(compare.contains("id=\"compare-cap-title\""), "the cap chart");
    let cap_chart = compare.split("id=\"compare-cap-title\"").nth(1).unwrap_or_default();
    let cap_chart = cap_chart.split("</figure>").next().unwrap_or_default();
    assert!(cap_chart.contains("fill=\"url(#compare-cap-p1)\""), "the contract's bar is hatched");
    assert!(cap_chart.contains("(this contract)</th><td class=\"numeric\">€600,000.00</td>"), "{cap_chart}");
    assert_eq!(cap_chart.matches("<tr").count(), euro_bonds + 2, "a header row, the contract and each euro bond");

    // The same comparison in the API, with a limit that is checked.
    let (status, body) = get(&format!("/api/v1/outcomes/contracts/{contract}/similar?limit=3")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["similar"].as_array().map(Vec::len), Some(3));
    assert_eq!(body["contract"]["contract_cap_minor"], 60_000_000);
    assert_eq!(body["contract"]["currency_scale"], 2);
    let (status, body) = get(&format!("/api/v1/outcomes/contracts/{contract}/similar?limit=0")).await;
    assert_eq!((status, body["error"]["fields"][0]["field"].as_str()), (422, Some("limit")), "{body}");
    let (status, _) = get("/api/v1/outcomes/contracts/999999/similar").await;
    assert_eq!(status, 404);
    assert!(c.similar.iter().all(|s| s.summary.policy_sector.as_deref() == Some("Employment and training")));
    // Those in the contract's currency come first.
    let firsts: Vec<bool> = c.similar.iter().map(|s| s.same_currency).collect();
    assert!(firsts.windows(2).all(|w| w[0] >= w[1]), "{firsts:?}");
}

/// The eight files as a browser sends them from one multiple-file input.
fn multipart_files(csrf: &str, files: &BTreeMap<String, String>) -> (String, Vec<u8>) {
    let boundary = "----koinon-indigo-boundary-5aJq2";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    for (name, text) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(text.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indigo_import_page_fills_the_bank_from_the_browser() {
    let t = crate::harness::spawn_app().await;
    let admin = t.signed_in("admin@heerlen.example.org").await;
    let page = admin.get(t.url("/indigo/import")).send().await.expect("send");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("text");
    let csrf = crate::harness::hidden_csrf(&html).expect("csrf");
    assert!(html.contains("projects_outcome_payments.csv") && html.contains("enctype=\"multipart/form-data\""));
    // The list page links to it for administrators.
    let list = admin.get(t.url("/indigo")).send().await.expect("send").text().await.expect("text");
    assert!(list.contains("href=\"/indigo/import\""));

    // A file missing: refused whole, 422, the bank still empty.
    let mut files = export_files("indigo-2025-05");
    files.remove("projects_results.csv");
    let (content_type, body) = multipart_files(&csrf, &files);
    let r =
        admin.post(t.url("/indigo/import")).header("content-type", content_type).body(body).send().await.expect("send");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(html.contains("projects_results.csv"), "the missing file is named: {html}");
    let list = admin.get(t.url("/indigo")).send().await.expect("send").text().await.expect("text");
    assert!(list.contains("koinon indigo import"), "still empty");

    // All eight: imported, with the counts of the May export.
    let files = export_files("indigo-2025-05");
    let (content_type, body) = multipart_files(&csrf, &files);
    let r =
        admin.post(t.url("/indigo/import")).header("content-type", content_type).body(body).send().await.expect("send");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("text");
    assert!(html.contains("The export was imported") && html.contains("<dd>319</dd>"), "{html}");

    // Without the CSRF token, or as an officer: refused.
    let (content_type, body) = multipart_files("forged", &files);
    let r =
        admin.post(t.url("/indigo/import")).header("content-type", content_type).body(body).send().await.expect("send");
    assert_eq!(r.status(), 403);
    let officer = t.signed_in("officer@heerlen.example.org").await;
    assert_eq!(officer.get(t.url("/indigo/import")).send().await.expect("send").status(), 403);
}
