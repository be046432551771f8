//! The feasibility of a contract over HTTP: the starting point, a run whose figures a hand
//! calculation gives, errors by field, who may run, and the page with its charts and tables.

use serde_json::{Value, json};

use crate::harness::{TestApp, spawn_app};
use crate::outcomes_api::heerlen_dwp_toml;

async fn call(t: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = match method {
        "GET" => client.get(t.url(path)),
        _ => client.post(t.url(path)),
    }
    .bearer_auth(token);
    if let Some(b) = body {
        request = request.json(&b);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A draft DWP contract of Heerlen, by the API.
async fn draft_contract(t: &TestApp, officer: &str) -> i64 {
    let (status, c) =
        call(t, officer, "POST", "/api/v1/outcomes/contracts", Some(json!({"toml": heerlen_dwp_toml()}))).await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_i64().expect("id")
}

/// Nothing left to chance: 10 referrals, all start and stay, each reaches school behaviour
/// (£1,300) in the first quarter and nothing else.
fn certain(start: &Value) -> Value {
    let mut a = start.clone();
    a["referrals"] = json!([10]);
    a["engagement_bp"] = json!(10_000);
    a["attrition_bp"] = json!(0);
    a["discount_rate_bp"] = json!(0);
    for (i, m) in a["metrics"].as_array_mut().expect("metrics").iter_mut().enumerate() {
        m["success_bp"] = json!(if i == 0 { 10_000 } else { 0 });
        m["uncertainty_bp"] = json!(0);
        m["lag_periods"] = json!(0);
        m["public_saving_minor"] = json!(200_000);
    }
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feasibility_api_runs_the_model_of_a_draft_contract() {
    let t = spawn_app().await;
    let officer = t.token("officer@heerlen.example.org").await;
    let provider = t.token("provider@heerlen.example.org").await;
    let sofia = t.token("admin@sofia.example.org").await;
    let id = draft_contract(&t, &officer).await;
    let path = format!("/api/v1/outcomes/contracts/{id}/feasibility");

    let (status, view) = call(&t, &officer, "GET", &path, None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["can_run"], true);
    assert_eq!(view["runs"].as_array().map(Vec::len), Some(0));
    assert_eq!(view["assumptions"]["metrics"].as_array().map(Vec::len), Some(7));

    let a = certain(&view["assumptions"]);
    let (status, run) =
        call(&t, &officer, "POST", &path, Some(json!({"assumptions": a, "scenarios": 300, "seed": 5}))).await;
    assert_eq!(status, 201, "{run}");
    // 10 × £1,300 = £13,000 in 2012-Q2 in every scenario; savings 10 × £2,000 − 13,000.
    let f = &run["figures"];
    assert_eq!(f["outcome_payments"]["min"]["minor"], 1_300_000);
    assert_eq!(f["outcome_payments"]["max"]["decimal"], "13000.00");
    assert_eq!(f["by_period"][0]["period"], "2012-Q2");
    assert_eq!(f["commissioner"]["net_savings_npv"]["mean"]["minor"], 700_000);
    assert_eq!((run["scenarios"].as_i64(), run["seed"].as_i64()), (Some(300), Some(5)));

    // Errors name the field; nothing is kept.
    let mut bad = a.clone();
    bad["metrics"][2]["success_bp"] = json!(10_001);
    let (status, err) = call(&t, &officer, "POST", &path, Some(json!({"assumptions": bad}))).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["fields"][0]["field"], "metrics[2].success_bp");
    let (status, err) = call(&t, &officer, "POST", &path, Some(json!({"assumptions": a, "scenarios": 100_001}))).await;
    assert_eq!((status, err["error"]["fields"][0]["field"].as_str()), (422, Some("scenarios")));
    let (status, _) = call(&t, &officer, "POST", &path, Some(json!({"assumptions": a, "colour": "red"}))).await;
    assert_eq!(status, 422);
    let (_, view) = call(&t, &officer, "GET", &path, None).await;
    assert_eq!(view["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(view["assumptions"]["referrals"], json!([10]));

    // A provider may not run one; another municipality does not see the contract.
    let (status, _) = call(&t, &provider, "POST", &path, Some(json!({"assumptions": a}))).await;
    assert_eq!(status, 403);
    let (status, _) = call(&t, &sofia, "GET", &path, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&t, &officer, "GET", "/api/v1/outcomes/contracts/999999/feasibility", None).await;
    assert_eq!(status, 404);
}

/// The contract's draft, the form, a run through the page, errors by field, the model file,
/// and who sees what.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feasibility_page_runs_the_model_and_shows_charts_with_tables() {
    let t = spawn_app().await;
    let token = t.token("officer@heerlen.example.org").await;
    let id = draft_contract(&t, &token).await;
    let officer = t.signed_in("officer@heerlen.example.org").await;
    let page_url = t.url(&format!("/outcomes/{id}/feasibility"));

    // The contract page links to it; the form starts from the contract's cohorts.
    let contract =
        officer.get(t.url(&format!("/outcomes/{id}"))).send().await.expect("page").text().await.expect("html");
    assert!(contract.contains(&format!("/outcomes/{id}/feasibility")));
    let html = officer.get(&page_url).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("name=\"success_6\"") && html.contains("name=\"referrals\""), "{html}");
    assert!(html.contains("There are no runs yet"));
    let csrf = crate::harness::hidden_csrf(&html).expect("csrf");

    // Ten referrals, all start, each reaches school behaviour (£1,300) and nothing else.
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("referrals".into(), "10".into()),
        ("engagement".into(), "100".into()),
        ("attrition".into(), "0".into()),
        ("cost_per_participant".into(), "0".into()),
        ("cost_per_period".into(), "0".into()),
        ("discount_rate".into(), "0".into()),
        ("return_cap".into(), "1.25".into()),
        ("payment_delay".into(), "1".into()),
        ("scenarios".into(), "200".into()),
        ("seed".into(), "3".into()),
    ];
    for i in 0..7 {
        form.push((format!("success_{i}"), if i == 0 { "100".into() } else { "0".into() }));
        form.push((format!("uncertainty_{i}"), "0".into()));
        form.push((format!("lag_{i}"), "0".into()));
        form.push((format!("saving_{i}"), "2000.00".into()));
    }
    let response = officer.post(&page_url).form(&form).send().await.expect("run");
    assert_eq!(response.status().as_u16(), 303);
    let to = response.headers().get("location").and_then(|v| v.to_str().ok()).expect("location").to_string();
    assert!(to.starts_with(&format!("/outcomes/{id}/feasibility?run=")), "{to}");
    let html = officer.get(t.url(&to)).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("The model was run"), "{html}");
    // £13,000 in every scenario: the summary, the histogram's table and the period table.
    assert!(html.contains("£13,000.00"), "{html}");
    assert!(html.contains("role=\"img\"") && html.matches("<table").count() >= 4, "charts with tables");
    assert!(html.contains("2012-Q2"));
    // Net savings: 10 × £2,000 − £13,000 = £7,000.
    assert!(html.contains("£7,000.00"));

    // The model file of the run.
    let runs_link = html.split("/feasibility/runs/").nth(1).and_then(|r| r.split('/').next()).expect("run id");
    let model = officer
        .get(t.url(&format!("/outcomes/{id}/feasibility/runs/{runs_link}/model.toml")))
        .send()
        .await
        .expect("model");
    assert_eq!(model.status().as_u16(), 200);
    let text = model.text().await.expect("toml");
    assert!(text.contains("per_period = [10]") && text.contains("return_cap_bp = 12500"), "{text}");

    // Bad input: 422, the error next to its field, what was typed kept, nothing run.
    let mut bad = form.clone();
    for (k, v) in &mut bad {
        if k == "success_3" {
            *v = "150".into();
        }
        if k == "engagement" {
            *v = "lots".into();
        }
    }
    let response = officer.post(&page_url).form(&bad).send().await.expect("run");
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.expect("html");
    assert!(html.contains("id=\"engagement-error\"") && html.contains("value=\"lots\""), "{html}");
    let mut bad = form.clone();
    for (k, v) in &mut bad {
        if k == "success_3" {
            *v = "150".into();
        }
    }
    let html = officer.post(&page_url).form(&bad).send().await.expect("run").text().await.expect("html");
    assert!(html.contains("id=\"success_3-error\""), "{html}");
    let (_, view) = call(&t, &token, "GET", &format!("/api/v1/outcomes/contracts/{id}/feasibility"), None).await;
    assert_eq!(view["runs"].as_array().map(Vec::len), Some(1));

    // An unknown run is not found; a provider cannot run one; Sofia does not see the page.
    let missing = officer.get(format!("{page_url}?run=999999")).send().await.expect("page");
    assert_eq!(missing.status().as_u16(), 404);
    let provider = t.signed_in("provider@heerlen.example.org").await;
    let provider_csrf = crate::harness::hidden_csrf(
        &provider.get(t.url("/account")).send().await.expect("page").text().await.expect("html"),
    )
    .expect("csrf");
    let mut theirs = form.clone();
    theirs[0].1 = provider_csrf;
    let status = provider.post(&page_url).form(&theirs).send().await.expect("run").status().as_u16();
    assert!(status == 403 || status == 404, "{status}");
    let sofia = t.signed_in("admin@sofia.example.org").await;
    assert_eq!(sofia.get(&page_url).send().await.expect("page").status().as_u16(), 404);
    // A reader who may not run one is told who may and when, and gets no form.
    let auditor = t.signed_in("auditor@heerlen.example.org").await;
    let html = auditor.get(&page_url).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("New runs are made by administrators and officers") && !html.contains("name=\"referrals\""));
}
