//! Evidence files, spreadsheet uploads, drawdowns and waterfall terms over HTTP, in the browser
//! and through the API: the demo provider keeps a file with a claim and the evaluator downloads
//! the very bytes; nobody else does; XLSX workbooks previewed and committed like CSV with rows
//! named by worksheet row; a drawdown beyond the commitment refused with its field named and
//! nothing changed; a payment run's statement in detail.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, hidden_csrf, spawn_app};
use crate::outcomes_api::{CLAIMS, PARTICIPANTS};

/// The rate card with Heerlen's provider, investor and evaluator as its parties.
fn heerlen_contract() -> String {
    include_str!("../../../../examples/outcomes/dwp-rate-card.toml")
        .replace("\"Thames Valley Youth Partnership\"", "\"Werkplaats Parkstad\"")
        .replace("\"Social Investment Fund\"", "\"Limburg Social Impact Fund\"")
        .replace("\"Independent evaluator\"", "\"UWV Zuid-Limburg\"")
}

fn workbook(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/it/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn call(t: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = match method {
        "GET" => client.get(t.url(path)),
        "PUT" => client.put(t.url(path)),
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

/// POSTs raw bytes with a content type: status and JSON answer.
async fn send_bytes(t: &TestApp, token: &str, path: &str, content_type: &str, bytes: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(t.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn fields(body: &Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| (f["field"].as_str().unwrap_or("").to_string(), f["code"].as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

async fn get(t: &TestApp, c: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = c.get(t.url(path)).send().await.expect("get");
    let status = r.status();
    (status, r.text().await.expect("body"))
}

async fn csrf_of(t: &TestApp, c: &reqwest::Client) -> String {
    hidden_csrf(&get(t, c, "/dashboard").await.1).expect("csrf")
}

/// POSTs a form with the CSRF token: status, `Location` and body.
async fn post(t: &TestApp, c: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let csrf = csrf_of(t, c).await;
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = c.post(t.url(path)).form(&form).send().await.expect("post");
    let status = r.status();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, location, r.text().await.expect("body"))
}

/// A multipart form as a browser sends it: text fields, then one file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----koinon-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((file_name, content_type, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(
    t: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> (StatusCode, String, String) {
    let (content_type, body) = multipart(fields, file);
    let r = c.post(t.url(path)).header("content-type", content_type).body(body).send().await.expect("post");
    let status = r.status();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, location, r.text().await.expect("body"))
}

fn unescape(html: &str) -> String {
    html.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#10;", "\n")
        .replace("&#13;", "\r")
        .replace("&amp;", "&")
}

/// The value of the commit form's hidden `csv` field.
fn hidden_csv(page: &str) -> Option<String> {
    let at = page.find("name=\"csv\" value=\"")?;
    let rest = &page[at + "name=\"csv\" value=\"".len()..];
    Some(unescape(&rest[..rest.find('"')?]))
}

/// The officer's new Heerlen rate card, moved to running: its id.
async fn running_contract(t: &TestApp, officer: &str) -> i64 {
    let (status, c) =
        call(t, officer, "POST", "/api/v1/outcomes/contracts", Some(json!({"toml": heerlen_contract()}))).await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().expect("id");
    let (status, body) = call(
        t,
        officer,
        "POST",
        &format!("/api/v1/outcomes/contracts/{id}/transition"),
        Some(json!({"to": "running"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_files_evidence_is_kept_with_the_claim_and_downloaded_by_the_evaluator() {
    let t = spawn_app().await;
    let officer = t.token("officer@heerlen.example.org").await;
    let provider = t.token("provider@heerlen.example.org").await;
    let reviewer = t.token("reviewer@heerlen.example.org").await;
    let investor = t.token("investor@heerlen.example.org").await;
    let sofia = t.token("admin@sofia.example.org").await;
    let id = running_contract(&t, &officer).await;
    let base = format!("/api/v1/outcomes/contracts/{id}");
    for (what, csv) in [("participants", PARTICIPANTS), ("claims", CLAIMS)] {
        let (status, body) =
            call(&t, &provider, "POST", &format!("{base}/{what}?preview=false"), Some(json!({"csv": csv}))).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, claims) = call(&t, &provider, "GET", &format!("{base}/claims"), None).await;
    let claim_ids: Vec<i64> =
        claims["items"].as_array().expect("claims").iter().filter_map(|c| c["id"].as_i64()).collect();
    assert_eq!(claim_ids.len(), 6);

    // In the browser: the provider's claims page offers an upload form per submitted claim.
    let browser = t.signed_in("provider@heerlen.example.org").await;
    let (_, page) = get(&t, &browser, &format!("/outcomes/{id}/claims")).await;
    let upload = format!("/outcomes/{id}/claims/{}/evidence", claim_ids[0]);
    assert!(page.contains(&format!("action=\"{upload}\" enctype=\"multipart/form-data\"")), "{page}");
    let pdf: &[u8] = b"%PDF-1.4\n% certificate of NQF level 2 for P001\n%%EOF\n";
    // Without the CSRF token nothing is kept.
    let (status, _, _) = post_multipart(&t, &browser, &upload, &[], Some(("cert.pdf", "application/pdf", pdf))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let csrf = csrf_of(&t, &browser).await;
    // No file, or an empty one: the error names the claim's file field.
    let (status, _, page) = post_multipart(&t, &browser, &upload, &[("csrf", &csrf)], None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(&format!("href=\"#file-{}\"", claim_ids[0])), "{page}");
    let (status, _, _) =
        post_multipart(&t, &browser, &upload, &[("csrf", &csrf)], Some(("cert.pdf", "application/pdf", b""))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A file over the limit: 413, the error on the claim's file field, nothing kept.
    let big = vec![b'%'; koinon_app::outcomes::EVIDENCE_BYTES_MAX + 100 * 1024];
    let (status, _, page) =
        post_multipart(&t, &browser, &upload, &[("csrf", &csrf)], Some(("big.pdf", "application/pdf", &big))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains(&format!("href=\"#file-{}\"", claim_ids[0])), "{page}");
    // A file the browser does not type is known by its extension.
    let (status, location, _) = post_multipart(
        &t,
        &browser,
        &upload,
        &[("csrf", &csrf)],
        Some(("certificate 2012 (final).pdf", "application/octet-stream", pdf)),
    )
    .await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, format!("/outcomes/{id}/claims").as_str()));
    let (_, page) = get(&t, &browser, &location).await;
    assert!(page.contains("The evidence was kept with the claim."), "{page}");
    assert!(page.contains(&format!("href=\"{upload}\"")), "a download link");
    // A second file is refused, the first kept.
    let (status, _, _) =
        post_multipart(&t, &browser, &upload, &[("csrf", &csrf)], Some(("other.pdf", "application/pdf", b"%PDF-2")))
            .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The evaluator sees the link in the verification queue and downloads the very bytes.
    let evaluator = t.signed_in("reviewer@heerlen.example.org").await;
    let (_, queue) = get(&t, &evaluator, &format!("/outcomes/{id}/claims?status=submitted")).await;
    assert!(queue.contains(&format!("href=\"{upload}\"")), "{queue}");
    let r = evaluator.get(t.url(&upload)).send().await.expect("download");
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"certificate_2012__final_.pdf\"; filename*=UTF-8''certificate%202012%20%28final%29.pdf"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), pdf);
    // An investor may not; another municipality finds nothing.
    let investor_browser = t.signed_in("investor@heerlen.example.org").await;
    assert_eq!(get(&t, &investor_browser, &upload).await.0, StatusCode::FORBIDDEN);
    let sofia_browser = t.signed_in("admin@sofia.example.org").await;
    assert_eq!(get(&t, &sofia_browser, &upload).await.0, StatusCode::NOT_FOUND);

    // Through the API: the body is the file, its name in the query.
    let letter = b"Employer's letter: P001 employed 13 weeks from 2013-07-05.\n".to_vec();
    let path = format!("/api/v1/outcomes/claims/{}/evidence", claim_ids[2]);
    let (status, body) =
        send_bytes(&t, &provider, &format!("{path}?filename=letter.txt"), "text/plain", letter.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["size_bytes"].as_i64(), body["content_type"].as_str()),
        (Some(letter.len() as i64), Some("text/plain"))
    );
    let (status, body) =
        send_bytes(&t, &provider, &format!("{path}?filename=again.txt"), "text/plain", letter.clone()).await;
    assert_eq!(status, 409, "{body}");
    let r = reqwest::Client::new().get(t.url(&path)).bearer_auth(&reviewer).send().await.expect("download");
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().ok()), (200, Some("text/plain")));
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"letter.txt\"");
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), letter);
    assert_eq!(call(&t, &investor, "GET", &path, None).await.0, 403);
    assert_eq!(call(&t, &sofia, "GET", &path, None).await.0, 404);
    let (status, _) = send_bytes(&t, &sofia, &format!("{path}?filename=x.txt"), "text/plain", b"x".to_vec()).await;
    assert_eq!(status, 404);

    // Bad files: each refused with its field named, nothing kept.
    let other = format!("/api/v1/outcomes/claims/{}/evidence", claim_ids[3]);
    let (status, body) = send_bytes(&t, &provider, &format!("{other}?filename=e.txt"), "text/plain", Vec::new()).await;
    assert_eq!((status, fields(&body)), (422, vec![("content".into(), "file_size".into())]));
    let big = vec![b'a'; koinon_app::outcomes::EVIDENCE_BYTES_MAX + 1];
    let (status, body) = send_bytes(&t, &provider, &format!("{other}?filename=big.txt"), "text/plain", big).await;
    assert_eq!((status, fields(&body)), (413, vec![("content".into(), "file_too_large".into())]), "{body}");
    let (status, body) =
        send_bytes(&t, &provider, &format!("{other}?filename=x.exe"), "application/x-msdownload", b"MZ".to_vec()).await;
    assert_eq!((status, fields(&body)), (422, vec![("content_type".into(), "unsupported_content_type".into())]));
    let (status, _) = send_bytes(&t, &provider, &other, "text/plain", b"no name".to_vec()).await;
    assert_eq!(status, 400, "the filename is required");
    assert_eq!(call(&t, &reviewer, "GET", &other, None).await.0, 404);
    let (_, claims) = call(&t, &provider, "GET", &format!("{base}/claims"), None).await;
    let with_evidence: Vec<bool> =
        claims["items"].as_array().expect("claims").iter().map(|c| c["has_evidence"] == true).collect();
    assert_eq!(with_evidence, [true, false, true, false, false, false]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_files_xlsx_imports_preview_then_commit_in_the_browser_and_the_api() {
    let t = spawn_app().await;
    let officer = t.token("officer@heerlen.example.org").await;
    let provider = t.token("provider@heerlen.example.org").await;
    let id = running_contract(&t, &officer).await;
    let base = format!("/api/v1/outcomes/contracts/{id}");

    // In the browser: the workbook's "Participants" sheet previewed, then committed without a
    // second upload.
    let browser = t.signed_in("provider@heerlen.example.org").await;
    let (_, page) = get(&t, &browser, &format!("/outcomes/{id}/participants")).await;
    assert!(page.contains(&format!("action=\"/outcomes/{id}/participants/upload\" enctype=\"multipart/form-data\"")));
    let csrf = csrf_of(&t, &browser).await;
    let book = workbook("dwp-rate-card.xlsx");
    let upload = format!("/outcomes/{id}/participants/upload");
    let (status, _, page) =
        post_multipart(&t, &browser, &upload, &[("csrf", &csrf), ("sheet", "")], Some(("book.xlsx", XLSX, &book)))
            .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Rows of the worksheet “Participants”"), "{page}");
    assert!(page.contains("P001") && page.contains("P003"));
    let csv = hidden_csv(&page).expect("the commit form keeps the rows");
    let (_, participants) = call(&t, &provider, "GET", &format!("{base}/participants"), None).await;
    assert_eq!(participants["items"].as_array().map(Vec::len), Some(0), "a preview writes nothing");
    let (status, location, _) = post(&t, &browser, &format!("/outcomes/{id}/participants"), &[("csv", &csv)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/outcomes/{id}/participants"));
    let (_, participants) = call(&t, &provider, "GET", &format!("{base}/participants"), None).await;
    let stored: Vec<(String, String, String)> = participants["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
            (s("participant"), s("cohort"), s("enrolled_on"))
        })
        .collect();
    assert_eq!(
        stored,
        [
            ("P001".into(), "y2012".into(), "2012-05-02".into()),
            ("P002".into(), "y2012".into(), "2012-06-11".into()),
            ("P003".into(), "y2013".into(), "2013-04-15".into())
        ]
    );
    // A workbook that is not one, or a sheet that does not exist: the error is on the file field.
    let (status, _, page) = post_multipart(
        &t,
        &browser,
        &format!("/outcomes/{id}/claims/upload"),
        &[("csrf", &csrf)],
        Some(("claims.xlsx", XLSX, b"PK\x03\x04 broken")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#file\""), "{page}");
    let (status, _, _) = post_multipart(
        &t,
        &browser,
        &format!("/outcomes/{id}/claims/upload"),
        &[("csrf", &csrf), ("sheet", "Nope")],
        Some(("book.xlsx", XLSX, &book)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A refused row is named by its worksheet and row, in the summary and the table.
    let (status, _, page) = post_multipart(
        &t,
        &browser,
        &format!("/outcomes/{id}/claims/upload"),
        &[("csrf", &csrf), ("sheet", "Claims 2013")],
        Some(("bad.xlsx", XLSX, &workbook("dwp-rate-card-bad-date.xlsx"))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Worksheet “Claims 2013”, row 5: event_on must be a date like 2024-01-31"), "{page}");
    assert!(page.contains("id=\"line-5\""), "{page}");
    assert!(hidden_csv(&page).is_none(), "no commit for a file with refused rows");
    // A CSV file goes the same way; its rows keep their lines.
    let (status, _, page) = post_multipart(
        &t,
        &browser,
        &format!("/outcomes/{id}/claims/upload"),
        &[("csrf", &csrf)],
        Some(("claims.csv", "text/csv", CLAIMS.as_bytes())),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(hidden_csv(&page).as_deref(), Some(CLAIMS));

    // Through the API: the workbook's "Claims" sheet as the body. The example's claims include
    // four that the rules refuse, named by their worksheet rows.
    let (status, report) = send_bytes(&t, &provider, &format!("{base}/claims?preview=true"), XLSX, book.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["accepted"].as_u64(), report["rejected"].as_u64()), (Some(5), Some(4)), "{report}");
    let rejected: Vec<i64> = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["status"] == "rejected")
        .filter_map(|r| r["line"].as_i64())
        .collect();
    assert_eq!(rejected, [6, 8, 9, 10]);
    let (status, body) = send_bytes(&t, &provider, &format!("{base}/claims?preview=false"), XLSX, book.clone()).await;
    assert_eq!(status, 422, "{body}");
    let rows: Vec<String> = fields(&body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(rows, ["row 6", "row 8", "row 9", "row 10"]);
    let (_, claims) = call(&t, &provider, "GET", &format!("{base}/claims"), None).await;
    assert_eq!(claims["items"].as_array().map(Vec::len), Some(0), "nothing written");
    // Two blank rows above the header: the bad date is row 5 of "Claims 2013".
    let (status, report) = send_bytes(
        &t,
        &provider,
        &format!("{base}/claims?preview=true&sheet=Claims%202013"),
        XLSX,
        workbook("dwp-rate-card-bad-date.xlsx"),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let first = &report["rows"].as_array().expect("rows")[1];
    assert_eq!((first["line"].as_i64(), first["code"].as_str()), (Some(5), Some("invalid_date")), "{report}");
    let (status, body) =
        send_bytes(&t, &provider, &format!("{base}/claims?preview=true"), XLSX, b"not a zip".to_vec()).await;
    assert_eq!((status, fields(&body)), (422, vec![("body".into(), "invalid_xlsx".into())]), "{body}");
    // A workbook of participants committed through the API: already stored, nothing new.
    let (status, report) =
        send_bytes(&t, &provider, &format!("{base}/participants?preview=false"), XLSX, book.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["accepted"].as_u64(), report["already_present"].as_u64()), (Some(0), Some(3)));
    // On another contract the same workbook writes its three participants, rows 2 to 4.
    let other = running_contract(&t, &officer).await;
    let other_base = format!("/api/v1/outcomes/contracts/{other}");
    let (status, report) =
        send_bytes(&t, &provider, &format!("{other_base}/participants?preview=false&sheet=Participants"), XLSX, book)
            .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["accepted"].as_u64(), report["committed"].as_bool()), (Some(3), Some(true)));
    let lines: Vec<i64> = report["rows"].as_array().expect("rows").iter().filter_map(|r| r["line"].as_i64()).collect();
    assert_eq!(lines, [2, 3, 4]);
    let (_, participants) = call(&t, &provider, "GET", &format!("{other_base}/participants"), None).await;
    let ids: Vec<&str> =
        participants["items"].as_array().expect("items").iter().filter_map(|p| p["participant"].as_str()).collect();
    assert_eq!(ids, ["P001", "P002", "P003"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_files_drawdowns_stop_at_the_commitment_and_waterfall_terms_are_set() {
    let t = spawn_app().await;
    let officer = t.token("officer@heerlen.example.org").await;
    let provider = t.token("provider@heerlen.example.org").await;
    let (status, c) =
        call(&t, &officer, "POST", "/api/v1/outcomes/contracts", Some(json!({"toml": heerlen_contract()}))).await;
    assert_eq!(status, 201);
    let id = c["id"].as_i64().expect("id");
    let base = format!("/api/v1/outcomes/contracts/{id}");

    // Waterfall terms: errors by field, then capital plus at most 10% and a quarter of the rest.
    let (status, body) = call(
        &t,
        &officer,
        "PUT",
        &format!("{base}/waterfall"),
        Some(json!({"return_cap_multiple_bp": 5, "residual_investors_share_bp": 10_001})),
    )
    .await;
    assert_eq!(status, 422);
    let mut named: Vec<String> = fields(&body).into_iter().map(|(f, _)| f).collect();
    named.sort();
    assert_eq!(named, ["residual_investors_share_bp", "return_cap_multiple_bp"]);
    let terms = json!({"return_cap_multiple_bp": 11_000, "residual_investors_share_bp": 2_500});
    assert_eq!(call(&t, &provider, "PUT", &format!("{base}/waterfall"), Some(terms.clone())).await.0, 403);
    let (status, body) = call(&t, &officer, "PUT", &format!("{base}/waterfall"), Some(terms)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["return_cap_multiple_bp"].as_i64(), body["residual_investors_share_bp"].as_i64()),
        (Some(11_000), Some(2_500))
    );
    let (_, running) = call(&t, &officer, "POST", &format!("{base}/transition"), Some(json!({"to": "running"}))).await;
    let investor_party = running["parties"]
        .as_array()
        .expect("parties")
        .iter()
        .find(|p| p["role"] == "investor")
        .and_then(|p| p["id"].as_i64())
        .expect("investor");

    // £8,000 drawn; then one penny more than what is left of the £900,000 is refused.
    let draw = |amount: i64, request: &str| json!({"party_id": investor_party, "amount_minor": amount, "drawn_on": "2012-04-02", "request_id": request});
    let (status, d) = call(&t, &officer, "POST", &format!("{base}/drawdowns"), Some(draw(800_000, "dd-1"))).await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["transfers"].as_array().map(Vec::len), Some(2));
    let (status, body) =
        call(&t, &officer, "POST", &format!("{base}/drawdowns"), Some(draw(90_000_000 - 800_000 + 1, "dd-2"))).await;
    assert_eq!((status, fields(&body)), (422, vec![("amount_minor".into(), "over_commitment".into())]), "{body}");
    assert_eq!(call(&t, &provider, "POST", &format!("{base}/drawdowns"), Some(draw(1, "dd-3"))).await.0, 403);
    let (_, list) = call(&t, &officer, "GET", &format!("{base}/drawdowns"), None).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    let (_, figures) = call(&t, &officer, "GET", &format!("{base}/investors"), None).await;
    assert_eq!(figures["total"]["drawn_minor"].as_i64(), Some(800_000), "{figures}");

    // In the browser: the page lists the drawdown; too much is refused on the amount field.
    let browser = t.signed_in("officer@heerlen.example.org").await;
    let page_path = format!("/outcomes/{id}/drawdowns");
    let (status, page) = get(&t, &browser, &page_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("£8,000.00") && page.contains("Limburg Social Impact Fund"), "{page}");
    assert!(page.contains("1.1×") && page.contains("25 %"), "the waterfall terms: {page}");
    let party = investor_party.to_string();
    let (status, _, page) = post(
        &t,
        &browser,
        &page_path,
        &[("party", &party), ("drawn_on", "2012-05-01"), ("amount", "892000.01"), ("request_id", "page-1")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#amount\""), "{page}");
    let (status, _, page) =
        post(&t, &browser, &page_path, &[("party", &party), ("drawn_on", "2012-05-01"), ("amount", "lots")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#amount\""), "{page}");
    let (_, list) = call(&t, &officer, "GET", &format!("{base}/drawdowns"), None).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "nothing changed");
    let (status, location, _) = post(
        &t,
        &browser,
        &page_path,
        &[("party", &party), ("drawn_on", "2012-05-01"), ("amount", "1,000.00"), ("request_id", "page-2")],
    )
    .await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, page_path.as_str()));
    let (_, page) = get(&t, &browser, &page_path).await;
    assert!(page.contains("The drawdown was recorded") && page.contains("£1,000.00"), "{page}");
    // A running contract's waterfall is fixed: the error is on the form.
    let (status, _, page) =
        post(&t, &browser, &format!("/outcomes/{id}/waterfall"), &[("return_cap", "1.2"), ("residual_share", "0")])
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#return_cap\""), "{page}");
    // The provider does not see the investors' drawdowns.
    let provider_browser = t.signed_in("provider@heerlen.example.org").await;
    assert_eq!(get(&t, &provider_browser, &page_path).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_files_run_page_shows_the_statement_in_detail() {
    let t = spawn_app().await;
    let officer = t.token("officer@heerlen.example.org").await;
    let (_, list) = call(&t, &officer, "GET", "/api/v1/outcomes/contracts", None).await;
    let demo = list["items"].as_array().expect("contracts")[0]["id"].as_i64().expect("demo contract");
    let (_, runs) = call(&t, &officer, "GET", &format!("/api/v1/outcomes/contracts/{demo}/payment-runs"), None).await;
    let run =
        runs["items"].as_array().expect("runs").iter().find(|r| r["state"] == "paid").expect("a paid run").clone();
    let path = format!("/outcomes/{demo}/runs/{}", run["id"]);
    let browser = t.signed_in("officer@heerlen.example.org").await;
    let (status, page) = get(&t, &browser, &path).await;
    assert_eq!(status, StatusCode::OK);
    if let Ok(dump) = std::env::var("KOINON_DUMP_RUN_PAGE") {
        std::fs::write(dump, &page).expect("dump");
    }
    for heading in [
        "The statement in detail",
        "Planned against actual, by cohort",
        "By outcome metric",
        "By cohort",
        "By participant",
    ] {
        assert!(page.contains(heading), "{heading}: {page}");
    }
    // The demo's paid run: four participants' caps cut £1,000 each, named with the cap.
    assert!(page.contains("Which caps cut what"), "{page}");
    let caps = &page[page.find("Which caps cut what").expect("caps")..];
    assert!(caps.contains("PW-103") && caps.contains("1000.00"), "{caps}");
    // The investor sees the statement without the participants' lines.
    let investor = t.signed_in("investor@heerlen.example.org").await;
    let (status, page) = get(&t, &investor, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("The statement in detail") && !page.contains("By participant"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_files_cohort_results_from_a_workbook_prepare_a_run() {
    let t = spawn_app().await;
    let officer = t.token("officer@heerlen.example.org").await;
    let toml = include_str!("../../../../examples/outcomes/koto-savings-share.toml");
    let (status, c) = call(&t, &officer, "POST", "/api/v1/outcomes/contracts", Some(json!({"toml": toml}))).await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().expect("id");
    let (status, _) = call(
        &t,
        &officer,
        "POST",
        &format!("/api/v1/outcomes/contracts/{id}/transition"),
        Some(json!({"to": "running"})),
    )
    .await;
    assert_eq!(status, 200);
    let browser = t.signed_in("officer@heerlen.example.org").await;
    let (_, page) = get(&t, &browser, &format!("/outcomes/{id}/runs")).await;
    let action = format!("/outcomes/{id}/runs/results");
    assert!(page.contains(&format!("action=\"{action}\" enctype=\"multipart/form-data\"")), "{page}");
    let csrf = csrf_of(&t, &browser).await;
    // A results file with an unknown cohort: the error names the line, nothing is prepared.
    let bad = b"cohort,measure,value\nnobody,participants,10\n";
    let (status, _, page) = post_multipart(
        &t,
        &browser,
        &action,
        &[("csrf", &csrf), ("period", "2019-Q4")],
        Some(("results.csv", "text/csv", bad)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#results_file\""), "{page}");
    let (status, _, page) =
        post_multipart(&t, &browser, &action, &[("csrf", &csrf), ("period", "2019-Q4")], None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#results_file\""), "{page}");
    let (_, runs) = call(&t, &officer, "GET", &format!("/api/v1/outcomes/contracts/{id}/payment-runs"), None).await;
    assert_eq!(runs["items"].as_array().map(Vec::len), Some(0), "{runs}");
    // The Koto results as number cells: 50% of (1,330 + 1,340) for 1,000 persons.
    let (status, location, page) = post_multipart(
        &t,
        &browser,
        &action,
        &[("csrf", &csrf), ("period", "2019-Q4"), ("sheet", "")],
        Some(("koto.xlsx", XLSX, &workbook("koto-savings-share.results.xlsx"))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (status, page) = get(&t, &browser, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("€1,335,000.00"), "{page}");
}
