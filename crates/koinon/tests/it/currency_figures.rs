//! The figures of an e-currency through the API, the dashboard page and `koinon currency
//! report`, over the worked example of `docs/currency.md` ("Figures") made through the real
//! ledger in Heerlen: R1 200, R2 80, R3 50, LM3 1.65, recirculation 16.67 %, retention 68.5 %.

use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, spawn_app, spawn_on};

const SYSTEM: koinon_app::Actor = koinon_app::Actor::System("test");

fn uuid(n: u32) -> String {
    format!("0190a1b2-c3d4-7e5f-8a9b-{n:012x}")
}

/// Builds the GRAMA ledger of the worked example in Heerlen (programme 1).
async fn worked_example(t: &TestApp) {
    let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen").id;
    t.app.create_ledger(&SYSTEM, heerlen, "GRAMA", "Grama", 2).await.expect("ledger");
    let accounts: Vec<koinon_app::ledger::NewAccountInput> =
        [(1, "issuance"), (2, "fees"), (3, "wallet"), (4, "wallet"), (5, "merchant"), (6, "merchant"), (7, "merchant")]
            .into_iter()
            .map(|(n, code)| koinon_app::ledger::NewAccountInput {
                id: uuid(n),
                ledger: "GRAMA".into(),
                code: code.into(),
                owner: None,
                flags: if matches!(code, "wallet" | "merchant") {
                    vec!["debits_must_not_exceed_credits".into()]
                } else {
                    vec![]
                },
            })
            .collect();
    t.app.create_accounts(&SYSTEM, heerlen, &accounts).await.expect("accounts");
    let run = Some("programme:1/run:1");
    let steps: [(u32, u32, i64, &str, Option<&str>); 9] = [
        (1, 3, 100, "issue", run),
        (1, 4, 100, "issue", run),
        (3, 5, 80, "payment", Some("category:food")),
        (4, 6, 50, "payment", Some("category:hygiene")),
        (5, 6, 30, "circulation", None),
        (6, 7, 60, "circulation", None),
        (7, 5, 40, "circulation", None),
        (5, 1, 60, "redemption", None),
        (5, 2, 3, "redemption_fee", None),
    ];
    let transfers: Vec<koinon_app::ledger::TransferInput> = steps
        .iter()
        .enumerate()
        .map(|(i, (d, c, amount, code, reference))| koinon_app::ledger::TransferInput {
            id: uuid(100 + i as u32),
            debit_account_id: Some(uuid(*d)),
            credit_account_id: Some(uuid(*c)),
            amount: Some(*amount),
            ledger: Some("GRAMA".into()),
            code: (*code).into(),
            reference: reference.map(str::to_string),
            ..Default::default()
        })
        .collect();
    let results = t.app.create_transfers(&SYSTEM, heerlen, &transfers).await.expect("transfers");
    assert!(results.iter().all(|r| r.result == "ok"), "{results:?}");
}

async fn api(t: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new().get(t.url(path)).bearer_auth(token).send().await.expect("get");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn api_on(backend: Backend) {
    let Some(t) = spawn_on(backend).await else { return };
    worked_example(&t).await;
    let token = t.token("auditor@heerlen.example.org").await;
    let (status, f) = api(&t, &token, "/api/v1/currency/ledgers/GRAMA/figures?programme=1").await;
    assert_eq!(status, 200, "{f}");
    assert_eq!(f["lm3"]["value"], "1.65");
    assert_eq!(f["lm3"]["basis_points"], 16_500);
    assert_eq!(
        (f["r1_minor"].clone(), f["r2_minor"].clone(), f["r3_minor"].clone()),
        (json!(200), json!(80), json!(50))
    );
    assert_eq!(f["recirculation"]["basis_points"], 1_667);
    assert_eq!(f["retention"]["percent"], "68.5");
    assert_eq!(f["by_category"][0], json!({"category": "food", "spent_minor": 80, "payments": 1}));
    assert_eq!(f["months"].as_array().map(Vec::len), Some(1));

    // Bad input: a clear error naming what was wrong, never a 500.
    let (status, e) = api(&t, &token, "/api/v1/currency/ledgers/GRAMA/figures?from=2026-13-01").await;
    assert_eq!((status, e["error"]["fields"][0]["field"].as_str()), (422, Some("from")), "{e}");
    let (status, e) = api(&t, &token, "/api/v1/currency/ledgers/GRAMA/figures?from=2026-02-01&to=2026-01-01").await;
    assert_eq!((status, e["error"]["fields"][0]["field"].as_str()), (422, Some("to")), "{e}");
    let (status, e) = api(&t, &token, "/api/v1/currency/ledgers/GRAMA/figures?programme=9").await;
    assert_eq!(status, 404, "{e}");
    let (status, _) = api(&t, &token, "/api/v1/currency/ledgers/REC/figures").await;
    assert_eq!(status, 404);
    let (status, e) = api(&t, &token, "/api/v1/currency/ledgers/GRAMA/figures?top=1000").await;
    assert_eq!((status, e["error"]["fields"][0]["field"].as_str()), (422, Some("top")), "{e}");
    let (status, _) = api(&t, &token, "/api/v1/currency/ledgers/GRAMA/figures?colour=red").await;
    assert_eq!(status, 400);
    let merchant = t.token("merchant@heerlen.example.org").await;
    let (status, _) = api(&t, &merchant, "/api/v1/currency/ledgers/GRAMA/figures").await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_api_on_sqlite() {
    api_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_api_on_postgres() {
    api_on(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_the_figures_with_charts_and_tables() {
    let t = spawn_app().await;
    worked_example(&t).await;
    let c = t.signed_in("officer@heerlen.example.org").await;
    let r = c.get(t.url("/currency/GRAMA/dashboard?programme=1")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("body");
    assert!(body.contains("<dd>1.65</dd>"), "LM3 1.65 as a headline figure");
    assert!(body.contains("16.7\u{a0}%"), "recirculation");
    assert_eq!(body.matches("<svg").count(), 4, "four charts");
    assert_eq!(body.matches("<table").count(), 4, "each with its table");
    // In Greek, with the Greek decimal mark.
    let r = c.get(t.url("/currency/GRAMA/dashboard?programme=1&lang=el")).send().await.expect("get");
    let body = r.text().await.expect("body");
    assert!(body.contains("<dd>1,65</dd>"), "LM3 in Greek");

    // A date that does not parse: the form again, the error summary linking to the field.
    let r = c.get(t.url("/currency/GRAMA/dashboard?from=31.01.2026")).send().await.expect("get");
    assert_eq!(r.status(), 400);
    let body = r.text().await.expect("body");
    assert!(body.contains("href=\"#from\"") && body.contains("aria-invalid=\"true\""), "error summary and field");
    let r = c.get(t.url("/currency/GRAMA/dashboard?programme=9")).send().await.expect("get");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("body").contains("href=\"#programme\""));
    let r = c.get(t.url("/currency/NOPE/dashboard")).send().await.expect("get");
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn koinon_currency_report_prints_lm3() {
    let t = spawn_app().await;
    worked_example(&t).await;
    let dir = t.dir.as_ref().expect("sqlite dir").path().display().to_string();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_koinon"))
            .args(["--data-dir", dir.as_str()])
            .args(args)
            .env_remove("KOINON_JSON")
            .env_remove("KOINON_DATABASE_URL")
            .stdin(Stdio::null())
            .output()
            .expect("run koinon")
    };
    let o = run(&["currency", "report", "--tenant", "heerlen", "--ledger", "GRAMA", "--programme", "1", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let f: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!((f["lm3"]["value"].as_str(), f["r2_minor"].as_i64()), (Some("1.65"), Some(80)));
    let o = run(&["currency", "report", "--tenant", "heerlen", "--ledger", "GRAMA", "--all"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("lm3"), "text output names lm3");
    let o = run(&["currency", "report", "--tenant", "heerlen", "--ledger", "GRAMA", "--all", "--from", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["currency", "report", "--ledger", "GRAMA"]);
    assert!(!o.status.success(), "--programme or --all is required");

    let o =
        run(&["currency", "bench", "figures", "--transfers", "3000", "--merchants", "5", "--wallets", "20", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!((b["transfers"].as_u64(), b["transfers_read"].as_u64()), (Some(3000), Some(3000)));
    assert!(b["seconds"].as_f64().is_some_and(|s| s > 0.0));
}
