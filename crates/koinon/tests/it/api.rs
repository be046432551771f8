//! The JSON API, as a client sees it: status codes, the error format, tenant isolation,
//! pagination and tokens.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, spawn_app, spawn_on};

const HEERLEN: &str = "heerlen.example.org";
const SOFIA_ADMIN: &str = "admin@sofia.example.org";

fn demo(role: &str) -> String {
    format!("{role}@{HEERLEN}")
}

/// One answer: status, `Location` header and the JSON body (`Null` when there is none).
struct Answer {
    status: StatusCode,
    location: Option<String>,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts the status and the error format with `code`.
    #[track_caller]
    fn expect_error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.code(), code, "body: {}", self.body);
        let message = self.body["error"]["message"].as_str().unwrap_or("");
        assert!(!message.is_empty(), "an error has a message: {}", self.body);
    }

    #[track_caller]
    fn expect(&self, status: StatusCode) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        &self.body
    }
}

struct Client<'a> {
    t: &'a TestApp,
    http: reqwest::Client,
}

impl<'a> Client<'a> {
    fn new(t: &'a TestApp) -> Self {
        Self { t, http: reqwest::Client::new() }
    }

    async fn send(&self, token: Option<&str>, method: Method, path: &str, body: Option<Body>) -> Answer {
        let mut request = self.http.request(method, self.t.url(&format!("/api/v1{path}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        match body {
            Some(Body::Json(v)) => request = request.json(&v),
            Some(Body::Raw(raw)) => request = request.header("content-type", "application/json").body(raw),
            None => {}
        }
        let response = request.send().await.expect("send request");
        let status = response.status();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let text = response.text().await.expect("read body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status} body is not JSON ({e}): {text}"))
        };
        Answer { status, location, body }
    }

    async fn get(&self, token: &str, path: &str) -> Answer {
        self.send(Some(token), Method::GET, path, None).await
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(Some(token), Method::POST, path, Some(Body::Json(body))).await
    }

    async fn patch(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(Some(token), Method::PATCH, path, Some(Body::Json(body))).await
    }

    async fn raw(&self, token: &str, method: Method, path: &str, raw: impl Into<Vec<u8>>) -> Answer {
        self.send(Some(token), method, path, Some(Body::Raw(raw.into()))).await
    }

    async fn delete(&self, token: &str, path: &str) -> Answer {
        self.send(Some(token), Method::DELETE, path, None).await
    }

    /// Every item of a list, following `next_cursor` with `limit` items per page. Asserts each
    /// page is at most `limit` long and the last page says so.
    async fn all(&self, token: &str, path: &str, limit: usize) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10_000 {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &cursor {
                Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
                None => format!("{path}{sep}limit={limit}"),
            };
            let answer = self.get(token, &url).await;
            let page = answer.expect(StatusCode::OK);
            let got = page["items"].as_array().expect("items").clone();
            assert!(got.len() <= limit, "{url} gave {} items", got.len());
            items.extend(got);
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => {
                    assert!(page["next_cursor"].is_null(), "next_cursor is a string or null");
                    return items;
                }
            }
        }
        panic!("{path}: pagination does not end");
    }

    async fn count(&self, token: &str, path: &str) -> usize {
        self.all(token, path, 200).await.len()
    }
}

enum Body {
    Json(Value),
    Raw(Vec<u8>),
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn ids(items: &[Value], key: &str) -> Vec<i64> {
    items.iter().map(|v| v[key].as_i64().unwrap_or_else(|| panic!("no {key} in {v}"))).collect()
}

/// The fields an error names.
fn error_fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|fs| fs.iter().filter_map(|f| f["field"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Creates, reads and lists an organisation, a user and a network with partners; checks the
/// audit log records them. Shared by the SQLite and PostgreSQL tests.
async fn happy_path(t: &TestApp) {
    let api = Client::new(t);
    let admin = t.token(&demo("admin")).await;
    let officer = t.token(&demo("officer")).await;

    let me = api.get(&admin, "/me").await;
    assert_eq!(me.expect(StatusCode::OK)["email"], demo("admin"));

    // Organisations.
    let created = api
        .post(
            &officer,
            "/organisations",
            json!({"kind": "ngo", "name": "Buurtteam Noord", "email": "Info@Buurtteam.example.org"}),
        )
        .await;
    let org = created.expect(StatusCode::CREATED).clone();
    let org_id = id_of(&org);
    assert_eq!(org["kind"], "ngo");
    assert_eq!(org["name"], "Buurtteam Noord");
    assert_eq!(org["email"], "info@buurtteam.example.org");
    assert_eq!(created.location.as_deref(), Some(format!("/api/v1/organisations/{org_id}").as_str()));
    assert_eq!(api.get(&officer, &format!("/organisations/{org_id}")).await.expect(StatusCode::OK), &org);
    let orgs = api.all(&officer, "/organisations", 200).await;
    assert!(orgs.contains(&org), "the list has the new organisation");
    let no_email = api.post(&admin, "/organisations", json!({"kind": "public_body", "name": "GGD Zuid Limburg"})).await;
    assert!(no_email.expect(StatusCode::CREATED)["email"].is_null());

    // Users.
    let created = api
        .post(
            &admin,
            "/users",
            json!({"email": "new.provider@heerlen.example.org", "display_name": "New Provider", "role": "provider",
                   "organisation_id": org_id, "password": "a long enough password 1"}),
        )
        .await;
    let user = created.expect(StatusCode::CREATED).clone();
    let user_id = id_of(&user);
    assert_eq!(user["role"], "provider");
    assert_eq!(user["organisation_id"], org_id);
    assert_eq!(user["disabled"], false);
    assert!(user.get("password").is_none() && user.get("password_hash").is_none(), "no secrets: {user}");
    assert_eq!(created.location.as_deref(), Some(format!("/api/v1/users/{user_id}").as_str()));
    assert_eq!(api.get(&admin, &format!("/users/{user_id}")).await.expect(StatusCode::OK), &user);
    assert!(api.all(&admin, "/users", 200).await.contains(&user));

    // The new provider sees only their own organisation.
    let provider = t.token("new.provider@heerlen.example.org").await;
    let own = api.all(&provider, "/organisations", 200).await;
    assert_eq!(ids(&own, "id"), vec![org_id]);

    // PATCH changes only what it names.
    let patched = api.patch(&admin, &format!("/users/{user_id}"), json!({"role": "officer"})).await;
    let patched = patched.expect(StatusCode::OK);
    assert_eq!(patched["role"], "officer");
    assert_eq!(patched["organisation_id"], org_id, "organisation kept");
    let patched = api.patch(&admin, &format!("/users/{user_id}"), json!({"organisation_id": null})).await;
    let patched = patched.expect(StatusCode::OK);
    assert!(patched["organisation_id"].is_null(), "null removes the organisation");
    assert_eq!(patched["role"], "officer", "role kept");
    let patched = api.patch(&admin, &format!("/users/{user_id}"), json!({"disabled": true})).await;
    assert_eq!(patched.expect(StatusCode::OK)["disabled"], true);
    assert_eq!(api.get(&admin, &format!("/users/{user_id}")).await.expect(StatusCode::OK)["disabled"], true);
    api.get(&provider, "/me").await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");

    // Networks and partners.
    let created = api
        .post(
            &officer,
            "/networks",
            json!({"name": "Parkstad Impact", "programme": "URBACT IV", "starts_on": "2026-01-01", "ends_on": "2028-12-31"}),
        )
        .await;
    let network = created.expect(StatusCode::CREATED).clone();
    let network_id = id_of(&network);
    assert_eq!(created.location.as_deref(), Some(format!("/api/v1/networks/{network_id}").as_str()));
    assert_eq!(network["starts_on"], "2026-01-01");
    let lead = api
        .post(
            &officer,
            &format!("/networks/{network_id}/partners"),
            json!({"name": "Heerlen", "country": "NL", "tenant_code": "heerlen", "is_lead": true}),
        )
        .await;
    let lead = lead.expect(StatusCode::CREATED).clone();
    assert_eq!(lead["tenant_code"], "heerlen");
    assert_eq!(lead["is_lead"], true);
    let partner = api
        .post(&officer, &format!("/networks/{network_id}/partners"), json!({"name": "Aachen", "country": "DE"}))
        .await;
    let partner = partner.expect(StatusCode::CREATED).clone();
    assert_eq!(partner["is_lead"], false);
    assert!(partner["tenant_code"].is_null());
    let detail = api.get(&officer, &format!("/networks/{network_id}")).await;
    let detail = detail.expect(StatusCode::OK);
    assert_eq!(detail["name"], "Parkstad Impact");
    assert_eq!(detail["programme"], "URBACT IV");
    assert_eq!(detail["partners"], json!([lead, partner]));
    assert!(api.all(&officer, "/networks", 200).await.contains(&network));
    let second_lead = api
        .post(
            &officer,
            &format!("/networks/{network_id}/partners"),
            json!({"name": "Genk", "country": "BE", "is_lead": true}),
        )
        .await;
    second_lead.expect_error(StatusCode::CONFLICT, "already_exists");

    // The audit log has it all, newest first.
    let auditor = t.token(&demo("auditor")).await;
    let log = api.all(&auditor, "/audit", 200).await;
    let seqs = ids(&log, "seq");
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first: {seqs:?}");
    let has = |action: &str, object: &str| log.iter().any(|e| e["action"] == action && e["object"] == object);
    assert!(has("organisation.create", &format!("organisation:{org_id}")));
    assert!(has("user.create", &format!("user:{user_id}")));
    assert!(has("user.change_role", &format!("user:{user_id}")));
    assert!(has("network.create", &format!("network:{network_id}")));
    assert!(has("network.add_partner", &format!("network:{network_id}")));
    for entry in &log {
        assert_eq!(entry["hash"].as_str().map(str::len), Some(64), "{entry}");
    }
}

#[tokio::test]
async fn happy_path_on_sqlite() {
    let t = spawn_app().await;
    happy_path(&t).await;
}

#[tokio::test]
async fn happy_path_on_postgres() {
    let Some(t) = spawn_on(Backend::Postgres).await else {
        eprintln!("PostgreSQL is not available: skipped");
        return;
    };
    happy_path(&t).await;
}

#[tokio::test]
async fn missing_or_invalid_token_is_401_in_the_error_format() {
    let t = spawn_app().await;
    let api = Client::new(&t);
    let endpoints: &[(Method, &str)] = &[
        (Method::GET, "/me"),
        (Method::GET, "/organisations"),
        (Method::POST, "/organisations"),
        (Method::GET, "/organisations/1"),
        (Method::GET, "/users"),
        (Method::POST, "/users"),
        (Method::GET, "/users/1"),
        (Method::PATCH, "/users/1"),
        (Method::GET, "/networks"),
        (Method::POST, "/networks"),
        (Method::GET, "/networks/1"),
        (Method::POST, "/networks/1/partners"),
        (Method::GET, "/audit"),
        (Method::DELETE, "/tokens/1"),
    ];
    let body = || Some(Body::Json(json!({"name": "x"})));
    let unknown = format!("kt_{}", "0".repeat(64));
    for (method, path) in endpoints {
        let needs_body = *method == Method::POST || *method == Method::PATCH;
        for token in [None, Some("nonsense"), Some(unknown.as_str())] {
            let answer = api.send(token, method.clone(), path, if needs_body { body() } else { None }).await;
            answer.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
        }
    }
    // Not a bearer token at all.
    let answer = reqwest::Client::new()
        .get(t.url("/api/v1/organisations"))
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .send()
        .await
        .expect("send");
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    let body: Value = answer.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthenticated");
    // A session cookie's secret is not an API token.
    let admin = t.token(&demo("admin")).await;
    let session = t.app.sign_in(&demo("admin"), crate::harness::PASSWORD).await.expect("sign in");
    api.get(&session.token, "/me").await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    api.get(&admin, "/me").await.expect(StatusCode::OK);
}

#[tokio::test]
async fn bad_bodies_are_answered_in_the_error_format() {
    let t = spawn_app().await;
    let api = Client::new(&t);
    let admin = t.token(&demo("admin")).await;
    let network = api.post(&admin, "/networks", json!({"name": "Bodies", "programme": "Test"})).await;
    let network_id = id_of(network.expect(StatusCode::CREATED));
    let user_id = id_of(api.get(&admin, "/me").await.expect(StatusCode::OK));
    let creates = [
        ("/organisations".to_string(), json!({"kind": "ngo", "name": "Ok"})),
        ("/networks".to_string(), json!({"name": "Ok", "programme": "Test"})),
        (format!("/networks/{network_id}/partners"), json!({"name": "Ok", "country": "NL"})),
        (
            "/users".to_string(),
            json!({"email": "ok@heerlen.example.org", "display_name": "Ok", "role": "officer", "password": "a long enough password 1"}),
        ),
    ];
    for (path, good) in &creates {
        // Malformed JSON.
        let good_text = good.to_string();
        let truncated = &good_text[..good_text.len() - 1];
        for raw in ["{", "{,}", "[", "not json", truncated] {
            let answer = api.raw(&admin, Method::POST, path, raw).await;
            answer.expect_error(StatusCode::BAD_REQUEST, "malformed_json");
        }
        // Unknown field.
        let mut unknown = good.clone();
        unknown["colour"] = json!("red");
        api.post(&admin, path, unknown).await.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
        // Wrong type.
        let mut wrong = good.clone();
        let key = if path == "/users" { "display_name" } else { "name" };
        wrong[key] = json!(42);
        api.post(&admin, path, wrong).await.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
        // Missing field.
        let mut missing = good.clone();
        missing.as_object_mut().expect("object").remove(key);
        api.post(&admin, path, missing).await.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
        // An array is not an object.
        api.post(&admin, path, json!([1, 2])).await.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
        // No content type.
        let answer = reqwest::Client::new()
            .post(t.url(&format!("/api/v1{path}")))
            .bearer_auth(&admin)
            .body(good.to_string())
            .send()
            .await
            .expect("send");
        assert_eq!(answer.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
    }
    // A 300-character name is rejected, naming the field.
    let long = "x".repeat(300);
    for (path, body) in [
        ("/organisations".to_string(), json!({"kind": "ngo", "name": long})),
        ("/networks".to_string(), json!({"name": long, "programme": "Test"})),
        (format!("/networks/{network_id}/partners"), json!({"name": long, "country": "NL"})),
    ] {
        let answer = api.post(&admin, &path, body).await;
        answer.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "too_long");
        assert_eq!(error_fields(&answer.body), vec!["name".to_string()], "{path}: {}", answer.body);
    }
    let answer = api
        .post(
            &admin,
            "/users",
            json!({"email": "long@heerlen.example.org", "display_name": long, "role": "officer", "password": "a long enough password 1"}),
        )
        .await;
    answer.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "too_long");
    assert_eq!(error_fields(&answer.body), vec!["display_name".to_string()]);
    // Several bad fields are all named at once.
    let answer = api.post(&admin, "/organisations", json!({"kind": "bank", "name": "", "email": "nope"})).await;
    answer.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let fields: BTreeSet<String> = error_fields(&answer.body).into_iter().collect();
    assert_eq!(fields, ["email", "kind", "name"].map(String::from).into());
    // Bad dates.
    let answer =
        api.post(&admin, "/networks", json!({"name": "Dates", "programme": "T", "starts_on": "2019-02-29"})).await;
    answer.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_date");
    assert_eq!(error_fields(&answer.body), vec!["starts_on".to_string()]);
    // PATCH bodies too.
    let path = format!("/users/{user_id}");
    api.raw(&admin, Method::PATCH, &path, "{").await.expect_error(StatusCode::BAD_REQUEST, "malformed_json");
    api.patch(&admin, &path, json!({"nickname": "x"}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    api.patch(&admin, &path, json!({"disabled": "yes"}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    api.patch(&admin, &path, json!({"role": "mayor"}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_role");
    // An admin cannot demote or disable themself.
    let answer = api.patch(&admin, &path, json!({"role": "officer"})).await;
    answer.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "cannot_demote_self");
    api.patch(&admin, &path, json!({"disabled": true}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "cannot_demote_self");
    // Bad query strings.
    api.get(&admin, "/organisations?cursor=abc").await.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_cursor");
    api.get(&admin, "/organisations?limit=ten").await.expect_error(StatusCode::BAD_REQUEST, "invalid_query");
    api.get(&admin, "/organisations?sort=name").await.expect_error(StatusCode::BAD_REQUEST, "invalid_query");
    // Unknown endpoints and methods answer in the error format too.
    api.get(&admin, "/nothing-here").await.expect_error(StatusCode::NOT_FOUND, "not_found");
    let answer = api.send(Some(&admin), Method::PUT, "/organisations", None).await;
    answer.expect_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn body_over_4_mib_is_413() {
    let t = spawn_app().await;
    let api = Client::new(&t);
    let admin = t.token(&demo("admin")).await;
    let before = api.count(&admin, "/organisations").await;
    let name = "x".repeat(koinon_web::API_BODY_MAX_BYTES);
    let body = json!({"kind": "ngo", "name": name}).to_string();
    assert!(body.len() > 4 * 1024 * 1024);
    let answer = api.raw(&admin, Method::POST, "/organisations", body).await;
    answer.expect_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
    assert_eq!(api.count(&admin, "/organisations").await, before);
}

#[tokio::test]
async fn unknown_ids_are_404() {
    let t = spawn_app().await;
    let api = Client::new(&t);
    let admin = t.token(&demo("admin")).await;
    for path in [
        "/organisations/999999",
        "/users/999999",
        "/networks/999999",
        "/organisations/abc",
        "/users/-",
        "/networks/1.5",
    ] {
        api.get(&admin, path).await.expect_error(StatusCode::NOT_FOUND, "not_found");
    }
    api.patch(&admin, "/users/999999", json!({"role": "officer"}))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    api.post(&admin, "/networks/999999/partners", json!({"name": "P", "country": "NL"}))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    api.delete(&admin, "/tokens/999999").await.expect_error(StatusCode::NOT_FOUND, "not_found");
    api.delete(&admin, "/tokens/x").await.expect_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn wrong_role_is_403_forbidden() {
    let t = spawn_app().await;
    let api = Client::new(&t);
    let admin = t.token(&demo("admin")).await;
    let beneficiary = t.token(&demo("beneficiary")).await;
    let officer = t.token(&demo("officer")).await;
    let auditor = t.token(&demo("auditor")).await;
    let merchant = t.token(&demo("merchant")).await;
    let officer_id = id_of(api.get(&officer, "/me").await.expect(StatusCode::OK));
    let network_id = id_of(api.all(&admin, "/networks", 200).await.first().expect("a demo network"));
    let org_id = id_of(api.all(&admin, "/organisations", 200).await.first().expect("a demo organisation"));
    let forbidden = [
        api.post(&beneficiary, "/organisations", json!({"kind": "ngo", "name": "Mine"})).await,
        api.get(&beneficiary, "/organisations").await,
        api.get(&beneficiary, &format!("/organisations/{org_id}")).await,
        api.get(&beneficiary, "/users").await,
        api.get(&beneficiary, "/networks").await,
        api.get(&beneficiary, &format!("/networks/{network_id}")).await,
        api.post(&beneficiary, "/networks", json!({"name": "Mine", "programme": "P"})).await,
        api.get(&beneficiary, "/audit").await,
        api.post(&officer, "/users", json!({"email": "o@heerlen.example.org", "display_name": "O", "role": "admin", "password": "a long enough password 1"})).await,
        api.get(&officer, "/users").await,
        api.get(&officer, &format!("/users/{officer_id}")).await,
        api.patch(&officer, &format!("/users/{officer_id}"), json!({"role": "admin"})).await,
        api.get(&officer, "/audit").await,
        api.patch(&auditor, &format!("/users/{officer_id}"), json!({"role": "admin"})).await,
        api.post(&auditor, "/organisations", json!({"kind": "ngo", "name": "Audited"})).await,
        api.post(&auditor, &format!("/networks/{network_id}/partners"), json!({"name": "P", "country": "NL"})).await,
        api.get(&merchant, &format!("/organisations/{org_id}")).await,
        api.get(&merchant, "/networks").await,
    ];
    for answer in forbidden {
        answer.expect_error(StatusCode::FORBIDDEN, "forbidden");
    }
    // Nothing changed: the officer is still an officer.
    assert_eq!(api.get(&admin, &format!("/users/{officer_id}")).await.expect(StatusCode::OK)["role"], "officer");
    // Auditors may read what they audit.
    api.get(&auditor, "/users").await.expect(StatusCode::OK);
    api.get(&auditor, "/audit").await.expect(StatusCode::OK);
}

#[tokio::test]
async fn tenants_are_kept_apart() {
    let t = spawn_app().await;
    let api = Client::new(&t);
    let heerlen = t.token(&demo("admin")).await;
    let sofia = t.token(SOFIA_ADMIN).await;
    let (heerlen_token_id, heerlen_token) =
        t.app.create_token(&koinon_app::Actor::System("test"), &demo("officer"), "kept apart").await.expect("token");

    let heerlen_orgs = api.all(&heerlen, "/organisations", 200).await;
    let heerlen_users = api.all(&heerlen, "/users", 200).await;
    let heerlen_networks = api.all(&heerlen, "/networks", 200).await;
    let heerlen_audit = api.all(&heerlen, "/audit", 200).await;
    assert!(!heerlen_orgs.is_empty() && !heerlen_users.is_empty() && !heerlen_networks.is_empty());
    let officer = heerlen_users.iter().find(|u| u["email"] == demo("officer")).expect("the demo officer").clone();
    let officer_id = id_of(&officer);
    let network_id = id_of(&heerlen_networks[0]);

    // Reading one by one.
    for org in &heerlen_orgs {
        let answer = api.get(&sofia, &format!("/organisations/{}", id_of(org))).await;
        assert!(matches!(answer.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", answer.body);
        assert!(answer.body.get("error").is_some(), "nothing of Heerlen shows: {}", answer.body);
    }
    for user in &heerlen_users {
        let answer = api.get(&sofia, &format!("/users/{}", id_of(user))).await;
        assert!(matches!(answer.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", answer.body);
        assert!(answer.body.get("error").is_some(), "{}", answer.body);
    }
    for network in &heerlen_networks {
        let answer = api.get(&sofia, &format!("/networks/{}", id_of(network))).await;
        assert!(matches!(answer.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", answer.body);
        assert!(answer.body.get("error").is_some(), "{}", answer.body);
    }

    // Changing.
    let answer = api.patch(&sofia, &format!("/users/{officer_id}"), json!({"role": "admin"})).await;
    assert!(matches!(answer.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", answer.body);
    let answer = api.patch(&sofia, &format!("/users/{officer_id}"), json!({"disabled": true})).await;
    assert!(matches!(answer.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", answer.body);
    let answer =
        api.post(&sofia, &format!("/networks/{network_id}/partners"), json!({"name": "Sofia", "country": "BG"})).await;
    assert!(matches!(answer.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", answer.body);
    let answer = api.delete(&sofia, &format!("/tokens/{heerlen_token_id}")).await;
    assert!(matches!(answer.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", answer.body);

    // Nothing of Heerlen changed.
    assert_eq!(api.get(&heerlen, &format!("/users/{officer_id}")).await.expect(StatusCode::OK), &officer);
    api.get(&heerlen_token, "/me").await.expect(StatusCode::OK);
    let detail = api.get(&heerlen, &format!("/networks/{network_id}")).await;
    assert!(
        detail.expect(StatusCode::OK)["partners"].as_array().expect("partners").iter().all(|p| p["name"] != "Sofia")
    );
    assert_eq!(api.all(&heerlen, "/audit", 200).await.len(), heerlen_audit.len(), "no audit entry in Heerlen");

    // Sofia's lists hold only Sofia's things.
    let sofia_orgs = api.all(&sofia, "/organisations", 200).await;
    let sofia_users = api.all(&sofia, "/users", 200).await;
    let sofia_networks = api.all(&sofia, "/networks", 200).await;
    let sofia_audit = api.all(&sofia, "/audit", 200).await;
    assert!(!sofia_orgs.is_empty() && !sofia_users.is_empty() && !sofia_audit.is_empty());
    let disjoint = |a: &[Value], b: &[Value], key: &str| {
        let a: BTreeSet<i64> = ids(a, key).into_iter().collect();
        let b: BTreeSet<i64> = ids(b, key).into_iter().collect();
        assert!(a.is_disjoint(&b), "{key}: {a:?} and {b:?} overlap");
    };
    disjoint(&sofia_orgs, &heerlen_orgs, "id");
    disjoint(&sofia_users, &heerlen_users, "id");
    disjoint(&sofia_networks, &heerlen_networks, "id");
    disjoint(&sofia_audit, &heerlen_audit, "seq");
    assert!(sofia_users.iter().all(|u| !u["email"].as_str().unwrap_or("").ends_with(HEERLEN)), "{sofia_users:?}");
    let heerlen_names: BTreeSet<&str> = heerlen_orgs.iter().filter_map(|o| o["name"].as_str()).collect();
    assert!(sofia_orgs.iter().all(|o| !heerlen_names.contains(o["name"].as_str().unwrap_or(""))));

    // What Sofia creates stays in Sofia.
    let created = api.post(&sofia, "/organisations", json!({"kind": "ngo", "name": "Sofia Only"})).await;
    let sofia_org = id_of(created.expect(StatusCode::CREATED));
    let answer = api.get(&heerlen, &format!("/organisations/{sofia_org}")).await;
    answer.expect_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(api.count(&heerlen, "/organisations").await, heerlen_orgs.len());
    // A Sofia user cannot be put in a Heerlen organisation.
    let answer = api
        .post(
            &sofia,
            "/users",
            json!({"email": "x@sofia.example.org", "display_name": "X", "role": "provider",
                   "organisation_id": id_of(&heerlen_orgs[0]), "password": "a long enough password 1"}),
        )
        .await;
    answer.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_organisation");
}

#[tokio::test]
async fn pagination_returns_every_item_exactly_once() {
    let t = spawn_app().await;
    let api = Client::new(&t);
    let admin = t.token(&demo("admin")).await;
    for i in 0..7 {
        api.post(&admin, "/organisations", json!({"kind": "ngo", "name": format!("Paged {i}")}))
            .await
            .expect(StatusCode::CREATED);
        api.post(&admin, "/networks", json!({"name": format!("Paged {i}"), "programme": "P"}))
            .await
            .expect(StatusCode::CREATED);
        api.post(
            &admin,
            "/users",
            json!({"email": format!("paged{i}@heerlen.example.org"), "display_name": format!("Paged {i}"),
                   "role": "beneficiary", "password": "a long enough password 1"}),
        )
        .await
        .expect(StatusCode::CREATED);
    }
    for (path, key) in [("/organisations", "id"), ("/networks", "id"), ("/users", "id"), ("/audit", "seq")] {
        let whole = api.all(&admin, path, 200).await;
        assert!(whole.len() >= 8, "{path}: enough items to page ({})", whole.len());
        for limit in [1, 2, 3] {
            let paged = api.all(&admin, path, limit).await;
            let got = ids(&paged, key);
            let unique: BTreeSet<i64> = got.iter().copied().collect();
            assert_eq!(unique.len(), got.len(), "{path} limit={limit}: an item came twice: {got:?}");
            assert_eq!(paged, whole, "{path} limit={limit}: the same items in the same order");
        }
        // The first page with limit=2 has two items and a cursor.
        let first = api.get(&admin, &format!("{path}?limit=2")).await;
        let first = first.expect(StatusCode::OK);
        assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
        assert!(first["next_cursor"].is_string(), "{path}: {first}");
    }
    // Out-of-range limits are clamped, not errors.
    let page = api.get(&admin, "/organisations?limit=0").await;
    assert_eq!(page.expect(StatusCode::OK)["items"].as_array().map(Vec::len), Some(1));
    let page = api.get(&admin, "/organisations?limit=100000").await;
    assert!(page.expect(StatusCode::OK)["next_cursor"].is_null());
}

#[tokio::test]
async fn rejected_creates_change_nothing() {
    let t = spawn_app().await;
    let api = Client::new(&t);
    let admin = t.token(&demo("admin")).await;
    let beneficiary = t.token(&demo("beneficiary")).await;
    let network = api.post(&admin, "/networks", json!({"name": "Unchanged", "programme": "P"})).await;
    let network_id = id_of(network.expect(StatusCode::CREATED));
    api.post(
        &admin,
        &format!("/networks/{network_id}/partners"),
        json!({"name": "Lead", "country": "NL", "is_lead": true}),
    )
    .await
    .expect(StatusCode::CREATED);
    let existing_org = api.all(&admin, "/organisations", 200).await[0]["name"].clone();

    let before = counts(&api, &admin, network_id).await;

    let long = "x".repeat(300);
    let partners = format!("/networks/{network_id}/partners");
    let rejected = [
        // Invalid.
        api.post(&admin, "/organisations", json!({"kind": "ngo", "name": long})).await,
        api.post(&admin, "/networks", json!({"name": "Backwards", "programme": "P", "starts_on": "2020-01-02", "ends_on": "2020-01-01"})).await,
        api.post(&admin, &partners, json!({"name": "Nowhere", "country": "Netherlands"})).await,
        api.post(&admin, &partners, json!({"name": "Unknown tenant", "country": "NL", "tenant_code": "atlantis"})).await,
        api.post(&admin, "/users", json!({"email": "not-an-email", "display_name": "N", "role": "officer", "password": "a long enough password 1"})).await,
        api.post(&admin, "/users", json!({"email": "o@heerlen.example.org", "display_name": "O", "role": "officer", "organisation_id": 999999, "password": "a long enough password 1"})).await,
        // Conflicts.
        api.post(&admin, "/organisations", json!({"kind": "ngo", "name": existing_org})).await,
        api.post(&admin, "/networks", json!({"name": "Unchanged", "programme": "P"})).await,
        api.post(&admin, &partners, json!({"name": "Second lead", "country": "NL", "is_lead": true})).await,
        api.post(&admin, "/users", json!({"email": demo("officer"), "display_name": "Again", "role": "officer", "password": "a long enough password 1"})).await,
        // Forbidden.
        api.post(&beneficiary, "/organisations", json!({"kind": "ngo", "name": "Mine"})).await,
        api.post(&beneficiary, "/networks", json!({"name": "Mine", "programme": "P"})).await,
        api.post(&beneficiary, &partners, json!({"name": "Mine", "country": "NL"})).await,
        // Malformed.
        api.raw(&admin, Method::POST, "/organisations", "{\"kind\": \"ngo\", \"name\": \"Half").await,
        api.post(&admin, "/organisations", json!({"kind": "ngo", "name": "Extra", "extra": 1})).await,
    ];
    for answer in &rejected {
        assert!(answer.status.is_client_error(), "{} {}", answer.status, answer.body);
        assert!(!answer.code().is_empty(), "{}", answer.body);
    }
    assert_eq!(counts(&api, &admin, network_id).await, before, "a rejected create changes nothing");
}

/// (organisations, users, networks, audit entries, partners of the network) of Heerlen.
async fn counts(api: &Client<'_>, admin: &str, network_id: i64) -> (usize, usize, usize, usize, Option<usize>) {
    let detail = api.get(admin, &format!("/networks/{network_id}")).await;
    (
        api.count(admin, "/organisations").await,
        api.count(admin, "/users").await,
        api.count(admin, "/networks").await,
        api.count(admin, "/audit").await,
        detail.expect(StatusCode::OK)["partners"].as_array().map(Vec::len),
    )
}

/// A token revoked by another process (the command line beside a running server) stops
/// working on the server within the 2 seconds it keeps a token it has read.
#[tokio::test]
async fn a_token_revoked_elsewhere_stops_working_within_two_seconds() {
    let t = spawn_app().await;
    let api = Client::new(&t);
    let system = koinon_app::Actor::System("test");
    let (id, token) = t.app.create_token(&system, &demo("officer"), "till").await.expect("token");
    api.get(&token, "/me").await.expect(StatusCode::OK);
    // Another app on the same database: what another process would do.
    let elsewhere = koinon_app::App::new(t.store.clone());
    elsewhere.revoke_token(&system, id).await.expect("revoke");
    let started = std::time::Instant::now();
    loop {
        let answer = api.get(&token, "/me").await;
        if answer.status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert_eq!(answer.status, StatusCode::OK);
        assert!(
            started.elapsed() < std::time::Duration::from_millis(koinon_app::auth::TOKEN_CACHE_MS + 1_500),
            "the revoked token still works after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(elsewhere.token_user(&token).await.expect("lookup").is_none());
}
#[tokio::test]
async fn revoked_token_is_401() {
    let t = spawn_app().await;
    let api = Client::new(&t);
    let system = koinon_app::Actor::System("test");
    let (first_id, first) = t.app.create_token(&system, &demo("officer"), "first").await.expect("token");
    let (second_id, second) = t.app.create_token(&system, &demo("officer"), "second").await.expect("token");
    let (other_id, other) = t.app.create_token(&system, &demo("reviewer"), "other").await.expect("token");

    // Someone else's token cannot be revoked (and does not show that it exists).
    api.delete(&other, &format!("/tokens/{first_id}")).await.expect_error(StatusCode::NOT_FOUND, "not_found");
    api.get(&first, "/me").await.expect(StatusCode::OK);

    // One's own other token.
    let answer = api.delete(&first, &format!("/tokens/{second_id}")).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.body);
    assert!(answer.body.is_null(), "204 has no body");
    api.get(&second, "/me").await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    api.get(&second, "/organisations").await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    api.delete(&first, &format!("/tokens/{second_id}")).await.expect_error(StatusCode::CONFLICT, "already_exists");

    // The token the request uses.
    let answer = api.delete(&first, &format!("/tokens/{first_id}")).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    api.get(&first, "/me").await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    api.delete(&first, &format!("/tokens/{first_id}")).await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");

    // The other user's token still works, and the revocations are in the audit log.
    api.get(&other, "/me").await.expect(StatusCode::OK);
    assert_eq!(api.delete(&other, &format!("/tokens/{other_id}")).await.status, StatusCode::NO_CONTENT);
    api.get(&other, "/me").await.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let auditor = t.token(&demo("auditor")).await;
    let log = api.all(&auditor, "/audit", 200).await;
    for id in [first_id, second_id] {
        assert!(
            log.iter().any(|e| e["action"] == "token.revoke" && e["object"] == format!("token:{id}")),
            "token {id}"
        );
    }
}

#[tokio::test]
async fn openapi_document_is_served_and_matches_the_committed_file() {
    let t = spawn_app().await;
    let response = reqwest::get(t.url("/api/openapi.json")).await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    let served: Value = response.json().await.expect("json");
    assert_eq!(served["openapi"], "3.1.0");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../koinon-web/openapi.json"))
        .expect("crates/koinon-web/openapi.json");
    let committed: Value = serde_json::from_str(&committed).expect("committed json");
    assert!(
        served == committed,
        "crates/koinon-web/openapi.json is stale: run KOINON_UPDATE_OPENAPI=1 cargo test -p koinon-web --test openapi"
    );
}
