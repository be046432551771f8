//! The outcomes payment calculator page: an example contract worked out in the browser, input
//! errors named by field and line, and who may use it.

use reqwest::StatusCode;

use crate::harness::{TestApp, hidden_csrf, spawn_app};

const DWP: &str = include_str!("../../../../examples/outcomes/dwp-rate-card.toml");
const DWP_PARTICIPANTS: &str = include_str!("../../../../examples/outcomes/dwp-rate-card.participants.csv");
const DWP_CLAIMS: &str = include_str!("../../../../examples/outcomes/dwp-rate-card.claims.csv");

async fn calculate(t: &TestApp, c: &reqwest::Client, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let page = c.get(t.url("/outcomes/calculator")).send().await.expect("get").text().await.expect("body");
    let csrf = hidden_csrf(&page).expect("csrf");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = c.post(t.url("/outcomes/calculator")).form(&form).send().await.expect("post");
    let status = r.status();
    (status, r.text().await.expect("body"))
}

#[tokio::test]
async fn outcomes_calculator_works_out_the_rate_card_example() {
    let t = spawn_app().await;
    let c = t.signed_in("officer@heerlen.example.org").await;
    // The example link fills the form with the files of examples/outcomes.
    let r = c.get(t.url("/outcomes/calculator?example=dwp-rate-card")).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    let form = r.text().await.expect("body");
    assert!(form.contains("P001,nqf_level_2,2012-11-30,2012-12-10"), "claims are filled in");
    assert!(
        form.contains("href=\"/outcomes/calculator\" aria-current=\"page\""),
        "the calculator is in the navigation"
    );

    let (status, body) =
        calculate(&t, &c, &[("contract", DWP), ("participants", DWP_PARTICIPANTS), ("claims", DWP_CLAIMS)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The same figures as the command line and the core tests: 12,700.00 due, and the three
    // refused claims named by their line and reason.
    let expected = {
        let contract = koinon_core::outcomes::Contract::from_toml(DWP).expect("contract");
        koinon_core::outcomes::payments_from_csv(
            &contract,
            Some(DWP_PARTICIPANTS.as_bytes()),
            DWP_CLAIMS.as_bytes(),
            None::<&[u8]>,
        )
        .expect("statement")
    };
    assert_eq!(expected.total_due.decimal(), "12700.00");
    assert!(
        body.contains("<strong>12700.00 EUR</strong>")
            || body.contains(&format!("<strong>12700.00 {}</strong>", expected.currency)),
        "total due shown"
    );
    assert_eq!(expected.claims_refused, 3);
    for refused in &expected.refusals {
        assert!(
            body.contains(&format!("<td class=\"numeric\">{}</td><td>{}</td>", refused.line, refused.participant)),
            "line {} listed",
            refused.line
        );
    }
    assert!(body.contains("Rate card: a price per verified outcome"));
    assert!(body.contains("By outcome metric"));
}

#[tokio::test]
async fn outcomes_calculator_names_the_field_and_line_of_bad_input() {
    let t = spawn_app().await;
    let c = t.signed_in("investor@heerlen.example.org").await;
    let bad_claims = "participant,metric,event_on,claimed_on\nP001,nqf_level_2,2012-11-30,2012-12-10\nP002,nqf_level_2,30/11/2012,2012-12-10\n";
    let (status, body) =
        calculate(&t, &c, &[("contract", DWP), ("participants", DWP_PARTICIPANTS), ("claims", bad_claims)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#claims\""), "the error summary links to the claims field");
    assert!(body.contains("claims line 3"), "the line is named: {body}");
    assert!(body.contains("30/11/2012"), "what was typed is kept");
    assert!(!body.contains("id=\"statement\""), "no statement from bad input");

    let (status, body) = calculate(&t, &c, &[("contract", "name = \"x\"\n[[broken")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#contract\""));

    let (status, body) = calculate(&t, &c, &[("claims", DWP_CLAIMS)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#contract\""), "a contract is required");

    let huge = "x".repeat(koinon_web::html::outcomes::FIELD_CHARS_MAX + 1);
    let (status, body) = calculate(&t, &c, &[("contract", DWP), ("claims", &huge)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("koinon outcomes payments"), "too long says where larger files go");
}

#[tokio::test]
async fn outcomes_calculator_is_not_for_merchants_or_citizens() {
    let t = spawn_app().await;
    for email in ["merchant@heerlen.example.org", "beneficiary@heerlen.example.org"] {
        let c = t.signed_in(email).await;
        let r = c.get(t.url("/outcomes/calculator")).send().await.expect("get");
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{email}");
        let dashboard = c.get(t.url("/dashboard")).send().await.expect("get").text().await.expect("body");
        assert!(!dashboard.contains("/outcomes/calculator"), "{email} has no link to it");
    }
}

#[tokio::test]
async fn outcomes_api_works_out_payments_and_names_bad_lines() {
    let t = spawn_app().await;
    let token = t.token("reviewer@heerlen.example.org").await;
    let api = reqwest::Client::new();
    let body = serde_json::json!({"contract": DWP, "participants": DWP_PARTICIPANTS, "claims": DWP_CLAIMS});
    let r = api.post(t.url("/api/v1/outcomes/payments")).bearer_auth(&token).json(&body).send().await.expect("post");
    assert_eq!(r.status(), StatusCode::OK);
    let statement: serde_json::Value = r.json().await.expect("json");
    assert_eq!(statement["total_due"]["minor"], 1_270_000);
    assert_eq!(statement["total_due"]["decimal"], "12700.00");
    assert_eq!(statement["claims_refused"], 3);
    assert_eq!(statement["by_participant"].as_array().map(Vec::len), Some(0), "left out unless asked for");

    let with_participants = serde_json::json!({"contract": DWP, "participants": DWP_PARTICIPANTS, "claims": DWP_CLAIMS, "by_participant": true});
    let r = api
        .post(t.url("/api/v1/outcomes/payments"))
        .bearer_auth(&token)
        .json(&with_participants)
        .send()
        .await
        .expect("post");
    let statement: serde_json::Value = r.json().await.expect("json");
    let lines = statement["by_participant"].as_array().expect("participants");
    assert!(!lines.is_empty());
    let sum: i64 = lines.iter().map(|l| l["paid"]["minor"].as_i64().expect("minor")).sum();
    assert_eq!(sum, 1_270_000, "participant lines add up to the total");

    let bad = serde_json::json!({"contract": DWP, "participants": DWP_PARTICIPANTS, "claims": "participant,metric,event_on\nP001,nqf_level_2,yesterday\n"});
    let r = api.post(t.url("/api/v1/outcomes/payments")).bearer_auth(&token).json(&bad).send().await.expect("post");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: serde_json::Value = r.json().await.expect("json");
    let fields = error["error"]["fields"].as_array().expect("fields");
    assert_eq!(fields[0]["field"], "claims");
    assert!(fields[0]["message"].as_str().unwrap_or("").contains("line 2"), "{error}");

    let unknown = serde_json::json!({"contract": DWP, "claimz": ""});
    let r = api.post(t.url("/api/v1/outcomes/payments")).bearer_auth(&token).json(&unknown).send().await.expect("post");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a misspelt field is refused, not ignored");
    let error: serde_json::Value = r.json().await.expect("json");
    assert!(error.to_string().contains("claimz"), "and named: {error}");
}
