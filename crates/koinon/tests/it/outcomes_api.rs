//! Running an outcomes contract over HTTP: the DWP rate card of `examples/outcomes` from draft
//! to two paid runs, with the figures of the app's hand calculation
//! (`crates/koinon-app/tests/outcomes.rs`); imports that preview without writing and refuse
//! whole; four eyes on payment runs; the run's transfers in the ledger; errors by field; and
//! nothing of Heerlen's seen from another municipality.

use serde_json::{Value, json};

use crate::harness::{TestApp, spawn_app};

const SYSTEM: koinon_app::Actor = koinon_app::Actor::System("test");

pub const PARTICIPANTS: &str = "participant,cohort,enrolled_on\n\
P001,y2012,2012-05-02\n\
P002,y2012,2012-06-11\n\
P003,y2013,2013-04-15\n";

pub const CLAIMS: &str = "participant,metric,event_on,claimed_on\n\
P001,nqf_level_2,2012-11-30,2012-12-10\n\
P001,nqf_level_3,2013-06-28,2013-07-05\n\
P001,employment_13_weeks,2013-10-04,2013-10-20\n\
P001,employment_26_weeks,2014-01-03,2014-01-15\n\
P002,employment_13_weeks,2012-11-01,2012-11-05\n\
P003,nqf_level_1,2013-05-01,2013-05-05\n";

/// The example contract with Heerlen's demo organisations as its provider and investor, so
/// that the demo provider and investor act for those parties.
pub fn heerlen_dwp_toml() -> String {
    include_str!("../../../../examples/outcomes/dwp-rate-card.toml")
        .replace("\"Thames Valley Youth Partnership\"", "\"Werkplaats Parkstad\"")
        .replace("\"Social Investment Fund\"", "\"Limburg Social Impact Fund\"")
}

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

fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["field"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn rejected_rows(report: &Value) -> Vec<(i64, String)> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["status"] == "rejected")
        .map(|r| (r["line"].as_i64().unwrap_or(0), r["code"].as_str().unwrap_or("").to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_api_runs_a_contract_from_draft_to_investor_figures() {
    let t = spawn_app().await;
    let officer = t.token("officer@heerlen.example.org").await;
    let approver = t.token("approver@heerlen.example.org").await;
    let reviewer = t.token("reviewer@heerlen.example.org").await;
    let provider = t.token("provider@heerlen.example.org").await;
    let investor = t.token("investor@heerlen.example.org").await;
    let sofia = t.token("admin@sofia.example.org").await;

    // The demo's contract is already there.
    let (_, list) = call(&t, &officer, "GET", "/api/v1/outcomes/contracts", None).await;
    let existing = list["items"].as_array().map(Vec::len).expect("a list");
    // A broken contract: 422 naming the field, nothing stored.
    let broken = heerlen_dwp_toml().replace("contract_cap = \"3300000.00\"", "contract_cap = \"lots\"");
    let (status, body) = call(&t, &officer, "POST", "/api/v1/outcomes/contracts", Some(json!({"toml": broken}))).await;
    assert_eq!(status, 422, "{body}");
    assert!(fields(&body).iter().any(|f| f.contains("contract_cap")), "{body}");
    let (_, list) = call(&t, &officer, "GET", "/api/v1/outcomes/contracts", None).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(existing), "{list}");
    // Providers do not create contracts.
    let (status, _) =
        call(&t, &provider, "POST", "/api/v1/outcomes/contracts", Some(json!({"toml": heerlen_dwp_toml()}))).await;
    assert_eq!(status, 403);

    let (status, contract) =
        call(&t, &officer, "POST", "/api/v1/outcomes/contracts", Some(json!({"toml": heerlen_dwp_toml()}))).await;
    assert_eq!(status, 201, "{contract}");
    let id = contract["id"].as_i64().expect("id");
    assert_eq!(contract["state"], "draft");
    assert_eq!(contract["currency"], "GBP");
    assert_eq!(contract["contract_cap_minor"], 330_000_000);
    assert_eq!(contract["investor_commitments_minor"], 90_000_000);
    let base = format!("/api/v1/outcomes/contracts/{id}");

    // Unknown contracts and another municipality's answer 404.
    let (status, body) = call(&t, &officer, "GET", "/api/v1/outcomes/contracts/999999", None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, _) = call(&t, &sofia, "GET", &base, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&t, &sofia, "POST", &format!("{base}/transition"), Some(json!({"to": "contracted"}))).await;
    assert_eq!(status, 404);
    let (_, list) = call(&t, &sofia, "GET", "/api/v1/outcomes/contracts", None).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");

    // Investors: capital plus at most 10%; the residual to the provider (terms the API does
    // not set yet), and £8,000 drawn before the contract runs.
    let tenant = t.app.tenant_by_code("heerlen").await.expect("heerlen").id;
    t.app.set_waterfall_terms(&SYSTEM, tenant, id, Some(11_000), 0).await.expect("waterfall");

    let (status, body) =
        call(&t, &officer, "POST", &format!("{base}/transition"), Some(json!({"to": "sideways"}))).await;
    assert_eq!(status, 422, "{body}");
    let (status, c) =
        call(&t, &officer, "POST", &format!("{base}/transition"), Some(json!({"to": "contracted"}))).await;
    assert_eq!((status, c["state"].as_str()), (200, Some("contracted")), "{c}");
    let (status, body) = call(&t, &officer, "POST", &format!("{base}/transition"), Some(json!({"to": "draft"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("backward_transition")), "{body}");
    let (status, c) = call(&t, &officer, "POST", &format!("{base}/transition"), Some(json!({"to": "running"}))).await;
    assert_eq!((status, c["state"].as_str()), (200, Some("running")), "{c}");
    let party = |role: &str| c["parties"].as_array().expect("parties").iter().find(|p| p["role"] == role).cloned();
    let investor_party = party("investor").expect("investor party");
    let account = |role: &str| party(role).and_then(|p| p["account_id"].as_str().map(str::to_string)).expect("acct");
    assert!(party("provider").and_then(|p| p["organisation_id"].as_i64()).is_some(), "provider linked");
    let dd = koinon_app::outcomes::DrawdownInput {
        party_id: investor_party["id"].as_i64().expect("party id"),
        amount_minor: 800_000,
        drawn_on: "2012-04-02".into(),
        request_id: "dd-1".into(),
    };
    t.app.record_drawdown(&SYSTEM, tenant, id, &dd).await.expect("drawdown");

    // Participants: the preview names every rejected line and writes nothing; a commit of a
    // file with rejected rows is refused whole.
    let bad = format!(
        "{PARTICIPANTS}P004,y2099,2013-01-01\nP005,y2012,2014-01-01\nP001,y2013,2013-05-01\nP006,y2012,2012-13-01\n"
    );
    let participants = format!("{base}/participants");
    let (status, report) =
        call(&t, &provider, "POST", &format!("{participants}?preview=true"), Some(json!({"csv": bad}))).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["accepted"].as_i64(), report["rejected"].as_i64()), (Some(3), Some(4)));
    assert_eq!(report["committed"], false);
    let rejected = rejected_rows(&report);
    assert_eq!(
        rejected,
        [
            (5, "unknown_cohort".to_string()),
            (6, "outside_cohort_dates".to_string()),
            (7, "duplicate_participant".to_string()),
            (8, "invalid_date".to_string())
        ]
    );
    assert!(report["rows"][3]["message"].as_str().is_some_and(|m| !m.is_empty()), "{report}");
    let (_, list) = call(&t, &officer, "GET", &participants, None).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "the preview wrote nothing");
    let (status, body) =
        call(&t, &provider, "POST", &format!("{participants}?preview=false"), Some(json!({"csv": bad}))).await;
    assert_eq!(status, 422);
    assert_eq!(fields(&body), ["line 5", "line 6", "line 7", "line 8"]);
    let (status, _) = call(&t, &provider, "POST", &participants, Some(json!({"csv": PARTICIPANTS}))).await;
    assert_eq!(status, 400, "preview=true or false must be said");
    let (status, report) =
        call(&t, &provider, "POST", &format!("{participants}?preview=false"), Some(json!({"csv": PARTICIPANTS}))).await;
    assert_eq!((status, report["accepted"].as_i64(), report["committed"].as_bool()), (200, Some(3), Some(true)));
    let (_, list) = call(&t, &officer, "GET", &format!("{participants}?limit=2"), None).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    let cursor = list["next_cursor"].as_str().expect("a second page").to_string();
    let (_, list) = call(&t, &officer, "GET", &format!("{participants}?limit=2&cursor={cursor}"), None).await;
    assert_eq!(list["items"][0]["participant"], "P003");
    // Investors do not see participants' records.
    let (status, _) = call(&t, &investor, "GET", &participants, None).await;
    assert_eq!(status, 403);

    // Claims: refusal reasons by line; then the provider's claims.
    let claims = format!("{base}/claims");
    let bad_claims = "participant,metric,event_on,claimed_on\n\
P004,nqf_level_1,2013-06-01,2013-06-05\n\
P003,flying,2013-06-01,2013-06-05\n";
    let (status, report) =
        call(&t, &provider, "POST", &format!("{claims}?preview=true"), Some(json!({"csv": bad_claims}))).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(rejected_rows(&report), [(2, "unknown_participant".to_string()), (3, "unknown_metric".to_string())]);
    let (status, report) =
        call(&t, &provider, "POST", &format!("{claims}?preview=false"), Some(json!({"csv": CLAIMS}))).await;
    assert_eq!((status, report["accepted"].as_i64()), (200, Some(6)), "{report}");
    let (_, submitted) = call(&t, &reviewer, "GET", &format!("{claims}?status=submitted"), None).await;
    let submitted = submitted["items"].as_array().expect("claims").clone();
    assert_eq!(submitted.len(), 6);
    assert_eq!(submitted[0]["verification_due_on"], "2013-02-08");

    // The evaluator verifies; P002's employment is rejected. Providers may not verify.
    let first = submitted[0]["id"].as_i64().expect("claim id");
    let (status, _) = call(
        &t,
        &provider,
        "POST",
        &format!("/api/v1/outcomes/claims/{first}/verification"),
        Some(json!({"verdict": "verified"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = call(
        &t,
        &reviewer,
        "POST",
        &format!("/api/v1/outcomes/claims/{first}/verification"),
        Some(json!({"verdict": "rejected"})),
    )
    .await;
    assert_eq!((status, fields(&body)), (422, vec!["reason".to_string()]), "a rejection needs a reason");
    for claim in &submitted {
        let verdict = if claim["participant"] == "P002" {
            json!({"verdict": "rejected", "reason": "No payslips"})
        } else {
            json!({"verdict": "verified"})
        };
        let path = format!("/api/v1/outcomes/claims/{}/verification", claim["id"]);
        let (status, body) = call(&t, &reviewer, "POST", &path, Some(verdict)).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, rejected) = call(&t, &officer, "GET", &format!("{claims}?status=rejected"), None).await;
    assert_eq!(rejected["items"][0]["rejection_reason"], "No payslips");

    // Run 1, up to 2013-06-30: 2,200 + 3,300 + 700 = £6,200.
    let runs = format!("{base}/payment-runs");
    let (status, body) = call(&t, &officer, "POST", &runs, Some(json!({"period": "2013-06"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_period")), "{body}");
    let (status, run1) = call(&t, &officer, "POST", &runs, Some(json!({"period": "2013-Q2"}))).await;
    assert_eq!(status, 201, "{run1}");
    let run1_id = run1["id"].as_i64().expect("run id");
    assert_eq!((run1["state"].as_str(), run1["amount_due_minor"].as_i64()), (Some("prepared"), Some(620_000)));
    let run1_path = format!("/api/v1/outcomes/payment-runs/{run1_id}");
    // Four eyes: the officer who prepared it may not approve it.
    let approval = json!({"paid_on": "2013-07-15"});
    let (status, _) = call(&t, &officer, "POST", &format!("{run1_path}/approval"), Some(approval.clone())).await;
    assert_eq!(status, 403);
    let (_, still) = call(&t, &officer, "GET", &run1_path, None).await;
    assert_eq!(still["state"], "prepared");
    let (status, body) =
        call(&t, &approver, "POST", &format!("{run1_path}/approval"), Some(json!({"paid_on": "15/07/2013"}))).await;
    assert_eq!(status, 422, "{body}");
    let (status, run1) = call(&t, &approver, "POST", &format!("{run1_path}/approval"), Some(approval)).await;
    assert_eq!((status, run1["state"].as_str()), (200, Some("paid")), "{run1}");
    assert_eq!(run1["distribution"]["investors"][0]["capital_minor"], 620_000);

    // The run's transfers are in the ledger.
    let transfers = run1["transfers"].as_array().expect("transfers");
    assert_eq!(transfers.len(), 2);
    for planned in transfers {
        let (status, posted) =
            call(&t, &officer, "GET", &format!("/api/v1/transfers/{}", planned["id"].as_str().expect("id")), None)
                .await;
        assert_eq!(status, 200, "{posted}");
        assert_eq!(posted["amount"], planned["amount_minor"]);
        assert_eq!(posted["debit_account_id"], planned["debit_account_id"]);
    }

    // Run 2, up to 2014-03-31: first sent back with a reason, then prepared again and paid.
    let (status, run2) = call(&t, &officer, "POST", &runs, Some(json!({"period": "2014-Q1"}))).await;
    assert_eq!(status, 201, "{run2}");
    let run2_path = format!("/api/v1/outcomes/payment-runs/{}", run2["id"]);
    let (status, body) =
        call(&t, &approver, "POST", &format!("{run2_path}/rejection"), Some(json!({"reason": ""}))).await;
    assert_eq!((status, fields(&body)), (422, vec!["reason".to_string()]));
    let (status, back) =
        call(&t, &approver, "POST", &format!("{run2_path}/rejection"), Some(json!({"reason": "Check Q1"}))).await;
    assert_eq!(
        (status, back["state"].as_str(), back["rejection_reason"].as_str()),
        (200, Some("rejected"), Some("Check Q1"))
    );
    let (status, run2) = call(&t, &officer, "POST", &runs, Some(json!({"period": "2014-Q1"}))).await;
    assert_eq!(status, 201, "{run2}");
    assert_eq!(
        (
            run2["cumulative_due_minor"].as_i64(),
            run2["previously_paid_minor"].as_i64(),
            run2["amount_due_minor"].as_i64()
        ),
        (Some(980_000), Some(620_000), Some(360_000))
    );
    let run2_path = format!("/api/v1/outcomes/payment-runs/{}", run2["id"]);
    let (status, run2) =
        call(&t, &approver, "POST", &format!("{run2_path}/approval"), Some(json!({"paid_on": "2014-04-15"}))).await;
    assert_eq!(status, 200, "{run2}");
    let d = &run2["distribution"];
    assert_eq!(
        (d["investors"][0]["capital_minor"].as_i64(), d["investors"][0]["return_minor"].as_i64()),
        (Some(180_000), Some(80_000))
    );
    assert_eq!(d["other_party_minor"], 100_000);
    let (_, list) = call(&t, &approver, "GET", &runs, None).await;
    let states: Vec<&str> =
        list["items"].as_array().expect("runs").iter().filter_map(|r| r["state"].as_str()).collect();
    assert_eq!(states, ["paid", "rejected", "paid"]);

    // Balances: the payer paid £9,800; the investor got £8,800 for £8,000.
    let (_, payer) = call(&t, &officer, "GET", &format!("/api/v1/accounts/{}", account("outcome_payer")), None).await;
    assert_eq!((payer["debits_posted"].as_i64(), payer["credits_posted"].as_i64()), (Some(980_000), Some(0)));
    let (_, inv) = call(&t, &officer, "GET", &format!("/api/v1/accounts/{}", account("investor")), None).await;
    assert_eq!((inv["debits_posted"].as_i64(), inv["credits_posted"].as_i64()), (Some(800_000), Some(880_000)));

    // The overview and the investor's figures.
    let (status, overview) = call(&t, &investor, "GET", &base, None).await;
    assert_eq!(status, 200, "{overview}");
    assert_eq!(
        (overview["paid_minor"].as_i64(), overview["paid_up_to_period"].as_str()),
        (Some(980_000), Some("2014-Q1"))
    );
    assert_eq!(
        overview["claims_by_status"],
        json!([{"status": "rejected", "count": 1}, {"status": "verified", "count": 5}])
    );
    assert_eq!(overview["contract"]["state"], "running");
    let (status, figures) = call(&t, &investor, "GET", &format!("{base}/investors"), None).await;
    assert_eq!(status, 200, "{figures}");
    let inv = &figures["investors"][0];
    assert_eq!(
        (inv["committed_minor"].as_i64(), inv["drawn_minor"].as_i64(), inv["received_minor"].as_i64()),
        (Some(90_000_000), Some(800_000), Some(880_000))
    );
    assert_eq!(
        (inv["capital_returned_minor"].as_i64(), inv["return_minor"].as_i64(), inv["residual_minor"].as_i64()),
        (Some(800_000), Some(80_000), Some(0))
    );
    let r = &inv["returns"];
    assert!((r["moic"].as_f64().expect("moic") - 1.1).abs() < 1e-12, "{r}");
    assert_eq!((r["net"].as_str(), r["payback_date"].as_str()), (Some("800.00"), Some("2014-04-15")));
    let xirr = r["xirr"].as_f64().expect("xirr");
    assert!(xirr > 0.065 && xirr < 0.066, "{xirr}");
    // Providers may not see investor figures; Sofia sees nothing of it.
    let (status, _) = call(&t, &provider, "GET", &format!("{base}/investors"), None).await;
    assert_eq!(status, 403);
    let (status, _) = call(&t, &sofia, "GET", &format!("{base}/investors"), None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&t, &sofia, "GET", &run2_path, None).await;
    assert_eq!(status, 404);
    // Investors see runs without the lines naming participants; staff see them.
    let (status, seen) = call(&t, &investor, "GET", &run2_path, None).await;
    assert_eq!((status, seen["statement"].get("by_participant")), (200, None), "{seen}");
    let (_, seen) = call(&t, &officer, "GET", &run2_path, None).await;
    assert_eq!(seen["statement"]["by_participant"].as_array().map(Vec::len), Some(2));

    // A created contract answers with where it lives.
    let created = reqwest::Client::new()
        .post(t.url("/api/v1/outcomes/contracts"))
        .bearer_auth(&officer)
        .json(&json!({"toml": heerlen_dwp_toml()}))
        .send()
        .await
        .expect("post");
    assert_eq!(created.status().as_u16(), 201);
    let location = created.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body: Value = created.json().await.expect("json");
    assert_eq!(location, Some(format!("/api/v1/outcomes/contracts/{}", body["id"])));
}
