//! Decay runs end to end on a real server, on SQLite and PostgreSQL: Heerlen's officer
//! previews last month's demurrage of a currency on its page (each household's balance and
//! charge), posts it with the form, sees the posted run, and is refused a second run of the
//! month; a bad month is named on the page and in the API, where another month's preview and
//! post agree and a repost is refused. The ledger stays balanced and backed.

use serde_json::Value;

use crate::currency::{json_of, koinon};
use crate::harness::{Backend, TestApp, hidden_csrf, spawn_on};

const OFFICER: &str = "officer@heerlen.example.org";

async fn page(t: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(t.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn api(t: &TestApp, token: &str, method: &str, path: &str) -> (u16, Value) {
    let c = reqwest::Client::new();
    let r = if method == "GET" { c.get(t.url(path)) } else { c.post(t.url(path)) };
    let r = r.bearer_auth(token).send().await.expect("api");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `months` months before the app's clock's month, `YYYY-MM`.
fn month_back(app: &koinon_app::App, months: i32) -> String {
    let date = koinon_core::locale::CivilDate::from_unix_days(app.clock_now_us() / 86_400_000_000);
    let total = date.year * 12 + i32::from(date.month) - 1 - months;
    format!("{:04}-{:02}", total.div_euclid(12), total.rem_euclid(12) + 1)
}

/// A currency with 1% demurrage a month in the municipality `tenant`, two households issued a
/// month.
async fn melt(app: &koinon_app::App, tenant: &str) -> i64 {
    let system = koinon_app::Actor::System("test");
    let heerlen = app.tenant_by_code(tenant).await.expect("tenant").id;
    let input = koinon_app::currency::CurrencyInput {
        code: "MELT".into(),
        name: "Melting Euro".into(),
        symbol: "M".into(),
        categories: "food".into(),
        decay: "demurrage".into(),
        demurrage_bp: Some(100),
        ..Default::default()
    };
    let c = app.define_currency(&system, heerlen, &input).await.expect("currency").id;
    let programme = koinon_app::currency::ProgrammeInput {
        currency_id: c,
        name: "Heerlen aid".into(),
        start_on: "2026-01-01".into(),
        end_on: "2030-12-31".into(),
        budget: "10000.00".into(),
        base_amount: "100.33".into(),
        per_member_amount: "50.00".into(),
        household_cap: "300.00".into(),
        auto_backing: true,
    };
    let p = app.create_programme(&system, heerlen, &programme).await.expect("programme").id;
    let file = koinon_app::outcome_files::ImportFile::Csv(
        "household,size,eligible_from\nHL-1,1,2026-01-01\nHL-2,3,2026-01-01\n".into(),
    );
    app.commit_households(&system, heerlen, p, &file).await.expect("households");
    let run = app.prepare_issuance(&system, heerlen, p, "2026-01").await.expect("prepared").id;
    app.approve_issuance(&koinon_app::Actor::System("approver"), heerlen, run).await.expect("posted");
    c
}

async fn decay_end_to_end(backend: Backend) {
    let Some(t) = spawn_on(backend).await else { return };
    let currency = melt(&t.app, "heerlen").await;
    let officer = t.signed_in(OFFICER).await;
    let last = month_back(&t.app, 1);
    let before = month_back(&t.app, 2);

    // The currency's page links to its runs; the runs page suggests the last month ended.
    let (status, body) = page(&t, &officer, &format!("/currency/currencies/{currency}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("href=\"/currency/MELT/decay\""), "the currency's page links its runs");
    let (status, body) = page(&t, &officer, "/currency/MELT/decay").await;
    assert_eq!(status, 200);
    assert!(body.contains(&format!("value=\"{last}\"")), "last month is suggested");

    // A bad month is named; a month not ended is refused.
    let (status, body) = page(&t, &officer, "/currency/MELT/decay?month=2026-13").await;
    assert_eq!(status, 422);
    assert!(body.contains("id=\"month-error\""), "the month is named");
    let (status, body) = page(&t, &officer, &format!("/currency/MELT/decay?month={}", month_back(&t.app, 0))).await;
    assert_eq!(status, 422);
    assert!(body.contains("has not ended"), "{body}");

    // The preview: 100.33 and 200.33 at 1%: 1.0033 and 2.0033, 3.0066 in all → 3.00; each
    // household pays its share rounded down (1.00, 2.00), and 0.66 of a cent (6,600 ten-thousandths) carries on.
    let (status, body) = page(&t, &officer, &format!("/currency/MELT/decay?month={last}")).await;
    assert_eq!(status, 200, "{body}");
    for text in ["HL-1", "HL-2", "100.33", "200.33", "3.00", "name=\"csrf\""] {
        assert!(body.contains(text), "preview shows {text}");
    }
    let csrf = hidden_csrf(&body).expect("csrf");
    let form = [("csrf", csrf.as_str()), ("month", last.as_str())];
    let r = officer.post(t.url("/currency/MELT/decay")).form(&form).send().await.expect("post");
    assert_eq!(r.status().as_u16(), 303, "posted");
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(location, format!("/currency/MELT/decay?month={last}"));
    let (_, body) = page(&t, &officer, &location).await;
    assert!(body.contains("The run was posted."), "flash");
    assert!(!body.contains("method=\"post\" action=\"/currency/MELT/decay\""), "a posted month has no post button");
    // Again: refused, nothing more charged.
    let r = officer.post(t.url("/currency/MELT/decay")).form(&form).send().await.expect("post again");
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.expect("body").contains("was run already"), "repost refused");

    // The API: the posted month, a bad month, an earlier month refused (months in order).
    let token = t.token(OFFICER).await;
    let (status, v) = api(&t, &token, "GET", &format!("/api/v1/currency/currencies/MELT/decay/{last}")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((v["state"].as_str(), v["charged_total_minor"].as_i64()), (Some("posted"), Some(300)));
    assert_eq!((v["carried_in_e4"].as_i64(), v["carried_out_e4"].as_i64()), (Some(0), Some(6_600)));
    let charges: Vec<i64> =
        v["lines"].as_array().expect("lines").iter().filter_map(|l| l["charge_minor"].as_i64()).collect();
    assert_eq!(charges, vec![100, 200]);
    assert_eq!(v["reference"], format!("currency:MELT/decay:{last}"));
    let (status, v) = api(&t, &token, "GET", "/api/v1/currency/currencies/MELT/decay/March").await;
    assert_eq!(status, 422);
    assert_eq!(
        (v["error"]["fields"][0]["field"].as_str(), v["error"]["code"].as_str()),
        (Some("month"), Some("invalid_month"))
    );
    let (status, v) = api(&t, &token, "POST", &format!("/api/v1/currency/currencies/MELT/decay/{last}")).await;
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("already_run")));
    let (status, v) = api(&t, &token, "POST", &format!("/api/v1/currency/currencies/MELT/decay/{before}")).await;
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("before_last_run")));
    let (status, _) = api(&t, &token, "GET", "/api/v1/currency/currencies/NOPE/decay/2026-01").await;
    assert_eq!(status, 404);
    // The wallets hold what they were issued less the charges; the ledger balances.
    let (_, c) = api(&t, &token, "GET", &format!("/api/v1/currency/currencies/{currency}")).await;
    assert_eq!((c["outstanding_minor"].as_i64(), c["backed"].as_bool()), (Some(30_066), Some(true)));
    let check = koinon_app::ledger::check(&t.store).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);
}

/// `koinon currency decay` on the demo with a demurrage currency added: previewed, posted,
/// refused again and for a bad month (the field named), and for another municipality.
#[test]
fn currency_decay_command() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let o = koinon(d, &["demo"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let last = rt.block_on(async {
        let store = koinon_store::Store::open(&koinon_store::StoreConfig::new(d, None)).await.expect("store");
        let app = koinon_app::App::new(store.clone());
        melt(&app, "santa-coloma").await;
        app.shutdown().await;
        store.close().await;
        month_back(&app, 1)
    });
    let officer = "officer@santa-coloma.example.org";
    let base = ["currency", "decay", "--as", officer, "--currency", "MELT", "--month"];
    let with = |extra: &[&'static str], month: &str| -> Vec<String> {
        base.iter()
            .map(|s| (*s).to_string())
            .chain([month.to_string()])
            .chain(extra.iter().map(|s| (*s).to_string()))
            .collect()
    };
    let run = |args: Vec<String>| koinon(d, &args.iter().map(String::as_str).collect::<Vec<_>>());

    let o = run(with(&["--preview", "--json"], &last));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json_of(&o);
    assert_eq!((v["state"].as_str(), v["charged_total_minor"].as_i64()), (Some("preview"), Some(300)));
    let o = run(with(&["--tenant", "santa-coloma"], &last));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 wallets charged 3.00 MELT"), "a text summary");
    let o = run(with(&[], &last));
    assert!(!o.status.success(), "a month runs once");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--month:"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(with(&[], "2026-13"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--month:"), "the field is named");
    let o = run(with(&["--tenant", "heerlen"], &last));
    assert!(!o.status.success(), "not a user of Heerlen");
    let o = koinon(d, &["ledger", "check", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn currency_decay_pages_and_api_on_sqlite() {
    decay_end_to_end(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn currency_decay_pages_and_api_on_postgres() {
    decay_end_to_end(Backend::Postgres).await;
}
