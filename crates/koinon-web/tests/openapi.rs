//! The committed `openapi.json` is the document the code generates. When this test fails,
//! rewrite the file with `KOINON_UPDATE_OPENAPI=1 cargo test -p koinon-web --test openapi`
//! and commit it (after reading the diff: it is the API's contract with its clients).

use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

fn generated() -> serde_json::Value {
    serde_json::from_str(&koinon_web::api::openapi_document()).expect("the generated document is JSON")
}

#[test]
fn committed_openapi_document_is_current() {
    let generated = format!("{}\n", koinon_web::api::openapi_document());
    let path = committed_path();
    if std::env::var("KOINON_UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write openapi.json");
        eprintln!("rewrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default().replace("\r\n", "\n");
    if committed.trim_end() != generated.trim_end() {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "{} is stale: it differs from the generated document from line {}.\n\
             Run `KOINON_UPDATE_OPENAPI=1 cargo test -p koinon-web --test openapi` to rewrite it, \
             then review and commit the change.",
            path.display(),
            line + 1
        );
    }
}

#[test]
fn document_is_openapi_3_1_with_every_endpoint() {
    let doc = generated();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let expected: &[(&str, &[&str])] = &[
        ("/api/v1/me", &["get"]),
        ("/api/v1/tenants", &["get"]),
        ("/api/v1/tenants/{code}", &["get", "patch"]),
        ("/api/v1/organisations", &["get", "post"]),
        ("/api/v1/organisations/{id}", &["get"]),
        ("/api/v1/users", &["get", "post"]),
        ("/api/v1/users/{id}", &["get", "patch"]),
        ("/api/v1/networks", &["get", "post"]),
        ("/api/v1/networks/{id}", &["get"]),
        ("/api/v1/networks/{id}/partners", &["post"]),
        ("/api/v1/audit", &["get"]),
        ("/api/v1/tokens/{id}", &["delete"]),
        ("/api/v1/ledgers", &["get", "post"]),
        ("/api/v1/accounts", &["post"]),
        ("/api/v1/accounts/{id}", &["get"]),
        ("/api/v1/accounts/{id}/transfers", &["get"]),
        ("/api/v1/transfers", &["post"]),
        ("/api/v1/transfers/{id}", &["get"]),
        ("/api/v1/outcomes/payments", &["post"]),
        ("/api/v1/outcomes/contracts", &["get", "post"]),
        ("/api/v1/outcomes/contracts/{id}", &["get"]),
        ("/api/v1/outcomes/contracts/{id}/transition", &["post"]),
        ("/api/v1/outcomes/contracts/{id}/participants", &["get", "post"]),
        ("/api/v1/outcomes/contracts/{id}/claims", &["get", "post"]),
        ("/api/v1/outcomes/claims/{id}/verification", &["post"]),
        ("/api/v1/outcomes/contracts/{id}/payment-runs", &["get", "post"]),
        ("/api/v1/outcomes/payment-runs/{id}", &["get"]),
        ("/api/v1/outcomes/payment-runs/{id}/approval", &["post"]),
        ("/api/v1/outcomes/payment-runs/{id}/rejection", &["post"]),
        ("/api/v1/outcomes/contracts/{id}/investors", &["get"]),
        ("/api/v1/outcomes/contracts/{id}/feasibility", &["get", "post"]),
        ("/api/v1/outcomes/contracts/{id}/dashboard", &["get"]),
        ("/api/v1/outcomes/claims/{id}/evidence", &["get", "post"]),
        ("/api/v1/outcomes/contracts/{id}/drawdowns", &["get", "post"]),
        ("/api/v1/currency/currencies", &["get", "post"]),
        ("/api/v1/currency/currencies/{id}", &["get", "put"]),
        ("/api/v1/currency/currencies/{id}/funding", &["post"]),
        ("/api/v1/currency/currencies/{code}/decay/{month}", &["get", "post"]),
        ("/api/v1/currency/programmes", &["get", "post"]),
        ("/api/v1/currency/programmes/{id}", &["get"]),
        ("/api/v1/currency/programmes/{id}/households", &["get", "post"]),
        ("/api/v1/currency/programmes/{id}/issuance-preview", &["get"]),
        ("/api/v1/currency/programmes/{id}/issuance-runs", &["get", "post"]),
        ("/api/v1/currency/issuance-runs/{id}", &["get"]),
        ("/api/v1/currency/issuance-runs/{id}/approval", &["post"]),
        ("/api/v1/currency/issuance-runs/{id}/rejection", &["post"]),
        ("/api/v1/currency/merchants", &["get", "post"]),
        ("/api/v1/currency/merchants/directory", &["get"]),
        ("/api/v1/currency/merchants/{id}", &["get"]),
        ("/api/v1/currency/merchants/{id}/review", &["post"]),
        ("/api/v1/currency/merchants/{id}/documents", &["post"]),
        ("/api/v1/currency/merchants/{id}/documents/{document}", &["get"]),
        ("/api/v1/currency/merchants/{id}/payments", &["get"]),
        ("/api/v1/currency/merchants/{id}/statement", &["get"]),
        ("/api/v1/currency/merchants/{id}/holds", &["get"]),
        ("/api/v1/currency/merchants/{id}/pay", &["post"]),
        ("/api/v1/currency/merchants/{id}/balance", &["get"]),
        ("/api/v1/currency/merchants/{id}/circulation", &["post"]),
        ("/api/v1/currency/merchants/{id}/redemptions", &["post"]),
        ("/api/v1/currency/payments", &["post"]),
        ("/api/v1/currency/payments/{id}", &["get"]),
        ("/api/v1/currency/payments/{id}/capture", &["post"]),
        ("/api/v1/currency/payments/{id}/void", &["post"]),
        ("/api/v1/currency/cards", &["post"]),
        ("/api/v1/currency/cards/{id}/unlock", &["post"]),
        ("/api/v1/outcomes/contracts/{id}/waterfall", &["put"]),
        ("/api/v1/indigo/projects", &["get"]),
        ("/api/v1/indigo/projects/{id}", &["get"]),
        ("/api/v1/indigo/summary", &["get"]),
        ("/api/v1/indigo/imports", &["post"]),
        ("/api/v1/outcomes/contracts/{id}/similar", &["get"]),
        ("/api/v1/currency/ledgers/{code}/figures", &["get"]),
    ];
    for (path, methods) in expected {
        let item = paths.get(*path).unwrap_or_else(|| panic!("{path} is not in the document"));
        for method in *methods {
            assert!(item.get(*method).is_some(), "{method} {path} is not in the document");
        }
    }
    assert_eq!(paths.len(), expected.len(), "the document has paths this test does not know: {:?}", paths.keys());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object(), "bearer auth is declared");
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object(), "the error format is declared");
}
