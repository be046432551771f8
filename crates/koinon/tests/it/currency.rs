//! The e-currency end to end on a real server, on SQLite and PostgreSQL: an officer defines a
//! currency on its page (bad fields named, nothing stored), funds it, creates a programme and
//! imports households through the API (refused whole with errors by line) and through the
//! page (upload, preview, import); a month is previewed and prepared on the pages and only a
//! different person, an approver, sees the approval button and posts it; the next month goes
//! through the API, where the officer's approval is refused. The demo's Grama is seeded with
//! three posted months, and `ledger check` finds every currency backed.

use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, hidden_csrf, spawn_on};

const OFFICER: &str = "officer@heerlen.example.org";
const APPROVER: &str = "approver@heerlen.example.org";

async fn page(t: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(t.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn post_form(t: &TestApp, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = c.post(t.url(path)).form(form).send().await.expect("post");
    let status = r.status().as_u16();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, location, r.text().await.expect("body"))
}

fn multipart(csrf: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----koinon-currency-boundary-41";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn api(t: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let c = reqwest::Client::new();
    let mut r = match method {
        "GET" => c.get(t.url(path)),
        "PUT" => c.put(t.url(path)),
        _ => c.post(t.url(path)),
    }
    .bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.expect("api");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn id_of(location: &str) -> i64 {
    location.rsplit('/').next().and_then(|s| s.parse().ok()).expect("id in location")
}

const HOUSEHOLDS: &str =
    "household,size,eligible_from,locale\nHL-001,1,2026-01-01,en\nHL-002,3,2026-01-01,bg\nHL-003,6,2026-01-01,et\n";

async fn currency_end_to_end(backend: Backend) {
    let Some(t) = spawn_on(backend).await else { return };
    let officer = t.signed_in(OFFICER).await;
    let (status, body) = page(&t, &officer, "/currency").await;
    assert_eq!(status, 200);
    assert!(body.contains("href=\"/currency/new\""), "officers may define a currency");
    let csrf = hidden_csrf(&page(&t, &officer, "/currency/new").await.1).expect("csrf");

    // Bad fields are named on the page; nothing is stored.
    let bad = [
        ("csrf", csrf.as_str()),
        ("code", "EUR"),
        ("name", "Parkstad"),
        ("symbol", "P"),
        ("scale", "2"),
        ("rate", "one"),
        ("categories", "food"),
        ("redemption_fee_bp", "x"),
        ("decay", "none"),
    ];
    let (status, _, body) = post_form(&t, &officer, "/currency", &bad).await;
    assert_eq!(status, 422);
    for field in ["#code", "#rate", "#redemption_fee_bp"] {
        assert!(body.contains(&format!("href=\"{field}\"")), "error summary links {field}");
    }
    assert!(t.app.list_currencies(&koinon_app::Actor::System("t"), heerlen(&t).await).await.expect("list").is_empty());

    let good = [
        ("csrf", csrf.as_str()),
        ("code", "PARK"),
        ("name", "Parkstad Pas"),
        ("symbol", "P"),
        ("scale", "2"),
        ("rate", "1:1"),
        ("holders", "beneficiaries_and_merchants"),
        ("categories", "food, hygiene, cleaning"),
        ("redemption_fee_bp", "0"),
        ("early_redemption_fee_bp", "500"),
        ("early_redemption_days", "45"),
        ("decay", "none"),
    ];
    let (status, location, _) = post_form(&t, &officer, "/currency", &good).await;
    assert_eq!(status, 303, "defined");
    let currency = id_of(&location);
    let (_, body) = page(&t, &officer, &location).await;
    assert!(body.contains("Parkstad Pas (PARK)"));
    // The overview links each currency to its figures.
    let (_, overview) = page(&t, &officer, "/currency").await;
    assert!(overview.contains("href=\"/currency/PARK/dashboard\""), "a link to the figures");
    let request_id =
        body.split("name=\"request_id\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("request id");
    let fund = [("csrf", csrf.as_str()), ("amount_eur", "400.00"), ("request_id", request_id)];
    let (status, _, _) = post_form(&t, &officer, &format!("/currency/currencies/{currency}/funding"), &fund).await;
    assert_eq!(status, 303);
    // The same form sent twice funds once.
    post_form(&t, &officer, &format!("/currency/currencies/{currency}/funding"), &fund).await;

    // A programme and its households through the API.
    let token = t.token(OFFICER).await;
    let (status, c) = api(&t, &token, "GET", &format!("/api/v1/currency/currencies/{currency}"), None).await;
    assert_eq!(status, 200);
    assert_eq!((c["fund_eur_minor"].as_i64(), c["code"].as_str()), (Some(40_000), Some("PARK")));
    let (status, p) = api(
        &t,
        &token,
        "POST",
        "/api/v1/currency/programmes",
        Some(json!({"currency_id": currency,
        "name": "Parkstad food aid", "start_on": "2026-01-01", "end_on": "2026-06-30", "budget": "5000.00",
        "base_amount": "100.00", "per_member_amount": "50.00", "household_cap": "300.00"})),
    )
    .await;
    assert_eq!(status, 201, "{p}");
    let programme = p["id"].as_i64().expect("id");
    let households = format!("/api/v1/currency/programmes/{programme}/households");
    let broken = "household,size,eligible_from\nHL-001,1,2026-01-01\nHL-002,lots,2026-01-01\n";
    let (status, e) =
        api(&t, &token, "POST", &format!("{households}?preview=false"), Some(json!({"csv": broken}))).await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "line 3 size", "{e}");
    let (status, preview) =
        api(&t, &token, "POST", &format!("{households}?preview=true"), Some(json!({"csv": broken}))).await;
    assert_eq!((status, preview["new"].as_u64(), preview["rejected"].as_u64()), (200, Some(1), Some(1)));
    let (_, list) = api(&t, &token, "GET", &households, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "nothing imported");

    // The same list through the page: upload, preview, import.
    let (content_type, body) = multipart(&csrf, "households.csv", HOUSEHOLDS.as_bytes());
    let r = officer
        .post(t.url(&format!("/currency/programmes/{programme}/households/upload")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status().as_u16(), 200);
    let preview = r.text().await.expect("body");
    assert!(preview.contains(&format!("action=\"/currency/programmes/{programme}/households/commit\"")));
    let csv = preview.split("name=\"csv\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("csv");
    let csv = csv.replace("&#10;", "\n").replace("&#x0a;", "\n").replace("&#x0A;", "\n");
    let (status, _, _) = post_form(
        &t,
        &officer,
        &format!("/currency/programmes/{programme}/households/commit"),
        &[("csrf", &csrf), ("csv", &csv)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, list) = api(&t, &token, "GET", &households, None).await;
    let monthly: Vec<i64> = list.as_array().expect("list").iter().filter_map(|h| h["monthly_minor"].as_i64()).collect();
    assert_eq!(monthly, vec![10_000, 20_000, 30_000]);

    // January on the pages: 600 needs more than the 400 in the fund.
    let (status, body) = page(&t, &officer, &format!("/currency/programmes/{programme}/issuance?month=2026-01")).await;
    assert_eq!(status, 200);
    assert!(body.contains("does not hold the euros"), "the refusal is explained");
    assert!(!body.contains("Prepare this run"));
    let (status, _, body) = post_form(
        &t,
        &officer,
        &format!("/currency/programmes/{programme}/issuance"),
        &[("csrf", &csrf), ("month", "2026-01")],
    )
    .await;
    assert_eq!(status, 422, "not backed");
    assert!(body.contains("href=\"#backing\""));
    let fund = [("csrf", csrf.as_str()), ("amount_eur", "800.00"), ("request_id", "second-funding")];
    post_form(&t, &officer, &format!("/currency/currencies/{currency}/funding"), &fund).await;
    let (status, location, _) = post_form(
        &t,
        &officer,
        &format!("/currency/programmes/{programme}/issuance"),
        &[("csrf", &csrf), ("month", "2026-01")],
    )
    .await;
    assert_eq!(status, 303);
    let run = id_of(&location);
    let (_, body) = page(&t, &officer, &location).await;
    assert!(body.contains("Prepared, awaiting approval") && !body.contains("/approval"), "the officer cannot approve");
    let approver = t.signed_in(APPROVER).await;
    let (_, body) = page(&t, &approver, &location).await;
    assert!(body.contains(&format!("action=\"/currency/runs/{run}/approval\"")));
    let approver_csrf = hidden_csrf(&body).expect("csrf");
    let (status, _, _) =
        post_form(&t, &approver, &format!("/currency/runs/{run}/approval"), &[("csrf", &approver_csrf)]).await;
    assert_eq!(status, 303);
    let (_, body) = page(&t, &officer, &format!("/currency/runs/{run}?lang=bg")).await;
    assert!(body.contains("Преведена в портфейлите"), "posted, in Bulgarian");

    // February through the API: the officer prepares, may not approve; the approver posts it.
    let (status, r) = api(
        &t,
        &token,
        "POST",
        &format!("/api/v1/currency/programmes/{programme}/issuance-runs"),
        Some(json!({"month": "2026-02"})),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let feb = r["id"].as_i64().expect("run");
    let approval = format!("/api/v1/currency/issuance-runs/{feb}/approval");
    let (status, _) = api(&t, &token, "POST", &approval, None).await;
    assert_eq!(status, 403);
    let approver_token = t.token(APPROVER).await;
    let (status, r) = api(&t, &approver_token, "POST", &approval, None).await;
    assert_eq!((status, r["state"].as_str()), (200, Some("posted")), "{r}");
    assert_eq!(r["reference"], format!("programme:{programme}/run:{feb}"));
    let wallet = r["lines"][2]["wallet"].as_str().expect("wallet").to_string();
    let (_, account) = api(&t, &token, "GET", &format!("/api/v1/accounts/{wallet}"), None).await;
    assert_eq!((account["credits_posted"].as_i64(), account["code"].as_str()), (Some(60_000), Some("wallet")));
    let (status, c) = api(&t, &token, "GET", &format!("/api/v1/currency/currencies/{currency}"), None).await;
    assert_eq!((status, c["outstanding_minor"].as_i64(), c["backed"].as_bool()), (200, Some(120_000), Some(true)));

    // HL-002 is linked to the demo beneficiary, who sees the wallet in Greek.
    let link = [("csrf", csrf.as_str()), ("household", "HL-002"), ("email", "beneficiary@heerlen.example.org")];
    let (status, _, _) =
        post_form(&t, &officer, &format!("/currency/programmes/{programme}/households/link"), &link).await;
    assert_eq!(status, 303);
    let beneficiary = t.signed_in("beneficiary@heerlen.example.org").await;
    let (status, body) = page(&t, &beneficiary, "/wallet?lang=el").await;
    assert_eq!(status, 200);
    assert!(body.contains("Το πορτοφόλι μου") && body.contains("Μηνιαία βοήθεια"), "the wallet in Greek");
    assert!(body.contains("400,00\u{a0}PARK"), "two months of 200 in the balance");
    assert!(body.contains("href=\"/wallet\""), "beneficiaries find it in the menu");
    let (_, body) = page(&t, &approver, "/wallet").await;
    assert!(body.contains("No wallet is linked"), "others have none");

    // The demo's Grama: three posted months in Santa Coloma, and every currency backed.
    let sc = t.app.tenant_by_code("santa-coloma").await.expect("santa coloma").id;
    let system = koinon_app::Actor::System("t");
    let grama = t.app.list_currencies(&system, sc).await.expect("currencies");
    assert_eq!(grama.len(), 1);
    let programmes = t.app.list_programmes(&system, sc).await.expect("programmes");
    assert_eq!(programmes[0].households as usize, koinon_app::currency_demo::DEMO_HOUSEHOLDS);
    let runs = t.app.list_issuance_runs(&system, sc, programmes[0].id).await.expect("runs");
    assert_eq!(runs.iter().filter(|r| r.state == "posted").count(), 3);
    assert_eq!(grama[0].outstanding_minor, runs.iter().map(|r| r.total_minor).sum::<i64>());
    assert!(grama[0].backed);
    let check = koinon_app::ledger::check(&t.store).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);
    assert_eq!(check.currencies, 2);
}

async fn heerlen(t: &TestApp) -> i64 {
    t.app.tenant_by_code("heerlen").await.expect("heerlen").id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn currency_pages_and_api_on_sqlite() {
    currency_end_to_end(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn currency_pages_and_api_on_postgres() {
    currency_end_to_end(Backend::Postgres).await;
}

pub(crate) fn koinon(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_koinon"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("KOINON_DATABASE_URL")
        .env_remove("KOINON_JSON")
        .env_remove("KOINON_AS")
        .output()
        .expect("run koinon")
}

pub(crate) fn json_of(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("JSON: {}", String::from_utf8_lossy(&o.stdout)))
}

/// `koinon currency issue` on the demo's Grama: April previewed, prepared by the officer, refused
/// to the officer as approver, posted by the approver; `ledger check` finds it backed.
#[test]
fn currency_issue_command() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let o = koinon(d, &["demo"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let officer = "officer@santa-coloma.example.org";
    let approver = "approver@santa-coloma.example.org";
    let base = ["currency", "issue", "--programme", "1", "--month", "2026-04"];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        base.iter().chain(extra).copied().collect()
    }

    let o = koinon(d, &with(&base, &["--as", officer, "--json"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let preview = json_of(&o);
    assert_eq!(preview["month"], "2026-04");
    let total: i64 =
        preview["lines"].as_array().expect("lines").iter().filter_map(|l| l["amount_minor"].as_i64()).sum();
    assert_eq!(preview["total_minor"].as_i64(), Some(total));
    assert!(preview["refusal"].is_null());
    let o = koinon(d, &with(&base, &["--as", officer]));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2026-04:"), "a text summary");

    let o = koinon(d, &with(&base, &["--as", officer, "--prepare", "--json"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run = json_of(&o);
    assert_eq!((run["state"].as_str(), run["total_minor"].as_i64()), (Some("prepared"), Some(total)));
    let id = run["id"].as_i64().expect("id").to_string();

    let o = koinon(d, &with(&base, &["--as", officer, "--approve", &id]));
    assert!(!o.status.success(), "an officer does not approve");
    assert!(String::from_utf8_lossy(&o.stderr).contains("not allowed"));
    let o = koinon(d, &with(&base, &["--as", approver, "--approve", &id, "--json"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json_of(&o)["state"], "posted");

    let o = koinon(d, &["ledger", "check", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let check = json_of(&o);
    assert_eq!((check["ok"].as_bool(), check["currencies"].as_u64()), (Some(true), Some(1)));
}
