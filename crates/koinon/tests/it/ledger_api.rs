//! The ledger over HTTP: ledgers, accounts, batches of transfers with a result each,
//! two-phase holds, balances and statements, and who may see and do what.

use serde_json::{Value, json};

use crate::harness::{TestApp, spawn_app};

const FUND: &str = "00000000-0000-4000-8000-000000000001";
const WALLET: &str = "00000000-0000-4000-8000-000000000002";
const SHOP: &str = "00000000-0000-4000-8000-000000000003";

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

fn results(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["result"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_over_http() {
    let t = spawn_app().await;
    let officer = t.token("officer@heerlen.example.org").await;

    let grama = json!({"code": "GRAMA", "name": "Grama", "scale": 2});
    let (status, body) = call(&t, &officer, "POST", "/api/v1/ledgers", Some(grama.clone())).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = call(&t, &officer, "POST", "/api/v1/ledgers", Some(grama)).await;
    assert_eq!(status, 200, "the same ledger again is not an error");
    let (status, body) =
        call(&t, &officer, "POST", "/api/v1/ledgers", Some(json!({"code": "EUR", "name": "Euro", "scale": 3}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("already_exists")), "the demo's EUR has scale 2");
    let (status, body) =
        call(&t, &officer, "POST", "/api/v1/ledgers", Some(json!({"code": "E", "name": "", "scale": 9}))).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert!(fields.contains(&"code") && fields.contains(&"name"), "{body}");

    let accounts = json!({"accounts": [
        {"id": FUND, "ledger": "EUR", "code": "budget"},
        {"id": WALLET, "ledger": "EUR", "code": "wallet", "owner": "user:1", "flags": ["debits_must_not_exceed_credits"]},
        {"id": SHOP, "ledger": "EUR", "code": "merchant"},
        {"id": "00000000-0000-4000-8000-000000000009", "ledger": "XXX", "code": "wallet"},
        {"id": "00000000-0000-4000-8000-00000000000a", "ledger": "EUR", "code": "piggy_bank"}
    ]});
    let (status, body) = call(&t, &officer, "POST", "/api/v1/accounts", Some(accounts.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(results(&body), ["ok", "ok", "ok", "ledger_not_found", "code_invalid"]);
    let (_, body) = call(&t, &officer, "POST", "/api/v1/accounts", Some(accounts)).await;
    assert_eq!(results(&body)[..3], ["exists", "exists", "exists"]);

    let transfers = json!({"transfers": [
        {"id": "10000000-0000-4000-8000-000000000001", "debit_account_id": FUND, "credit_account_id": WALLET, "amount": 10000, "ledger": "EUR", "code": "issuance", "reference": "programme:1"},
        {"id": "10000000-0000-4000-8000-000000000002", "debit_account_id": WALLET, "credit_account_id": SHOP, "amount": 2500, "ledger": "EUR", "code": "payment"},
        {"id": "10000000-0000-4000-8000-000000000003", "debit_account_id": WALLET, "credit_account_id": SHOP, "amount": 99999, "ledger": "EUR", "code": "payment"},
        {"id": "10000000-0000-4000-8000-000000000004", "debit_account_id": WALLET, "credit_account_id": SHOP, "amount": 4000, "ledger": "EUR", "code": "hold", "flags": ["pending"], "timeout_s": 600}
    ]});
    let (status, body) = call(&t, &officer, "POST", "/api/v1/transfers", Some(transfers.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(results(&body), ["ok", "ok", "exceeds_credits", "ok"]);
    // A retry of the whole batch has no second effect.
    let (_, body) = call(&t, &officer, "POST", "/api/v1/transfers", Some(transfers)).await;
    assert_eq!(results(&body), ["exists", "exists", "exceeds_credits", "exists"]);
    // Post less than held: the rest is released.
    let post = json!({"transfers": [{"id": "10000000-0000-4000-8000-000000000005", "pending_id": "10000000-0000-4000-8000-000000000004", "amount": 3000, "code": "capture", "flags": ["post_pending"]}]});
    let (_, body) = call(&t, &officer, "POST", "/api/v1/transfers", Some(post)).await;
    assert_eq!(results(&body), ["ok"]);

    let (status, wallet) = call(&t, &officer, "GET", &format!("/api/v1/accounts/{WALLET}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (wallet["credits_posted"].as_i64(), wallet["debits_posted"].as_i64(), wallet["debits_pending"].as_i64()),
        (Some(10000), Some(5500), Some(0)),
        "{wallet}"
    );
    assert_eq!(wallet["flags"], json!(["debits_must_not_exceed_credits"]));
    let (_, shop) = call(&t, &officer, "GET", &format!("/api/v1/accounts/{SHOP}"), None).await;
    assert_eq!(shop["credits_posted"].as_i64(), Some(5500));

    // Statement pages, oldest first, every transfer exactly once.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!(
            "/api/v1/accounts/{WALLET}/transfers?limit=2{}",
            if cursor.is_empty() { String::new() } else { format!("&cursor={cursor}") }
        );
        let (status, page) = call(&t, &officer, "GET", &path, None).await;
        assert_eq!(status, 200, "{page}");
        for item in page["items"].as_array().expect("items") {
            seen.push(item["code"].as_str().unwrap_or("").to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, ["issuance", "payment", "hold", "capture"]);
    let (status, transfer) =
        call(&t, &officer, "GET", "/api/v1/transfers/10000000-0000-4000-8000-000000000001", None).await;
    assert_eq!(status, 200);
    assert_eq!((transfer["amount"].as_i64(), transfer["reference"].as_str()), (Some(10000), Some("programme:1")));

    // Bad input names the row and field; nothing is applied.
    let bad = json!({"transfers": [
        {"id": "10000000-0000-4000-8000-000000000006", "debit_account_id": FUND, "credit_account_id": SHOP, "amount": 1, "ledger": "EUR", "code": "x"},
        {"id": "not-a-uuid", "debit_account_id": FUND, "credit_account_id": SHOP, "amount": 1, "ledger": "EUR", "code": "x", "flags": ["fast"]}
    ]});
    let (status, body) = call(&t, &officer, "POST", "/api/v1/transfers", Some(bad)).await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, ["transfers[1].id", "transfers[1].flags"]);
    let (status, _) = call(&t, &officer, "GET", "/api/v1/transfers/10000000-0000-4000-8000-000000000006", None).await;
    assert_eq!(status, 404, "the valid transfer of a rejected request was not applied");
    let (status, body) = call(&t, &officer, "POST", "/api/v1/transfers", Some(json!({"transfers": []}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("batch_size")));

    // Who may do what.
    let auditor = t.token("auditor@heerlen.example.org").await;
    let (status, _) = call(&t, &auditor, "GET", &format!("/api/v1/accounts/{SHOP}"), None).await;
    assert_eq!(status, 200, "auditors read the ledger");
    let (status, body) = call(&t, &auditor, "POST", "/api/v1/transfers", Some(json!({"transfers": [{"id": "10000000-0000-4000-8000-000000000007", "debit_account_id": FUND, "credit_account_id": SHOP, "amount": 1, "ledger": "EUR", "code": "x"}]}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")));
    let beneficiary = t.token("beneficiary@heerlen.example.org").await;
    let (status, _) = call(&t, &beneficiary, "GET", &format!("/api/v1/accounts/{SHOP}"), None).await;
    assert_eq!(status, 404, "a citizen sees only accounts they own");
    let sofia = t.token("admin@sofia.example.org").await;
    for path in
        [format!("/api/v1/accounts/{WALLET}"), "/api/v1/transfers/10000000-0000-4000-8000-000000000001".to_string()]
    {
        let (status, _) = call(&t, &sofia, "GET", &path, None).await;
        assert_eq!(status, 404, "{path} is not visible from another municipality");
    }
    let (_, body) =
        call(&t, &sofia, "POST", "/api/v1/ledgers", Some(json!({"code": "EUR", "name": "Euro", "scale": 2}))).await;
    assert_eq!(body["code"], "EUR");
    let (_, body) = call(&t, &sofia, "POST", "/api/v1/transfers", Some(json!({"transfers": [{"id": "10000000-0000-4000-8000-000000000008", "debit_account_id": WALLET, "credit_account_id": SHOP, "amount": 1, "ledger": "EUR", "code": "x"}]}))).await;
    assert_eq!(results(&body), ["account_not_found"], "Heerlen's accounts cannot be moved from Sofia");
}
