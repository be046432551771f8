//! Paying by phone through a shop's payment link, on the whole demo and both backends: the
//! link sends someone not signed in to sign in and back; the demo beneficiary pays with the
//! card's PIN and gets a receipt; the same form sent twice pays once; refusals say why (the
//! category, a wrong PIN, the daily limit, a suspended shop) and change nothing; the statement
//! downloads as CSV; the shop prints its poster with the link as a QR code. The beneficiary's
//! own app pays the same way through the API with a bearer token.

use koinon_app::Actor;
use koinon_app::currency_demo::DEMO_TENANT;
use koinon_app::currency_demo_trade::{DEMO_BENEFICIARY, DEMO_PIN};
use reqwest::StatusCode;

use crate::harness::{Backend, TestApp, hidden_csrf, spawn_full_demo};

/// The id of a demo shop by name.
pub(crate) async fn shop_id(t: &TestApp, name: &str) -> i64 {
    let tenant = t.app.tenant_by_code(DEMO_TENANT).await.expect("tenant").id;
    let page = t.app.list_merchants(&Actor::System("test"), tenant, None, None, Some(200)).await.expect("merchants");
    page.items.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no shop {name}")).id
}

fn payment_id_of(html: &str) -> String {
    let at = html.find("name=\"payment_id\" value=\"").expect("payment id field");
    let rest = &html[at + "name=\"payment_id\" value=\"".len()..];
    rest[..rest.find('"').expect("end")].to_string()
}

async fn post(t: &TestApp, c: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, String) {
    let r = c.post(t.url(path)).form(form).send().await.expect("post");
    let status = r.status();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, location, r.text().await.expect("body"))
}

async fn balance(t: &TestApp, c: &reqwest::Client, link: &str) -> String {
    let body = c.get(t.url(link)).send().await.expect("page").text().await.expect("body");
    let at = body.find("<strong>").expect("balance");
    body[at + 8..at + 8 + body[at + 8..].find("</strong>").expect("end")].to_string()
}

async fn pay_by_phone(backend: Backend) {
    let Some(t) = spawn_full_demo(backend).await else { return };
    let fruit = shop_id(&t, "Fruites i Verdures L'Horta Solidària").await;
    let link = format!("/pay/{DEMO_TENANT}/{fruit}");

    // Not signed in: to sign in, and back to the link.
    let anonymous = t.client();
    let r = anonymous.get(t.url(&link)).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("/sign-in?next={link}").as_str());

    let c = t.signed_in(DEMO_BENEFICIARY).await;
    let page = c.get(t.url(&link)).send().await.expect("page").text().await.expect("body");
    assert!(
        page.contains("Fruites i Verdures L&#39;Horta Solidària")
            || page.contains("Fruites i Verdures L&#x27;Horta Solidària"),
        "{page}"
    );
    assert!(page.contains("Santa Rosa") && page.contains("Food"), "{page}");
    let before = balance(&t, &c, &link).await;
    assert!(before.contains("450"), "{before}");
    let csrf = hidden_csrf(&page).expect("csrf");
    let id = payment_id_of(&page);

    // The shop sells food only: hygiene is refused, and nothing is paid.
    let (status, _, body) = post(
        &t,
        &c,
        &link,
        &[("csrf", &csrf), ("payment_id", &id), ("amount", "20.00"), ("category", "hygiene"), ("pin", DEMO_PIN)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("not accredited for this category"), "{body}");
    // A wrong PIN is counted and said.
    let (status, _, body) = post(
        &t,
        &c,
        &link,
        &[("csrf", &csrf), ("payment_id", &id), ("amount", "20.00"), ("category", "food"), ("pin", "1357")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Wrong PIN. 2 more"), "{body}");
    // Bad input names its field.
    let (status, _, body) = post(
        &t,
        &c,
        &link,
        &[("csrf", &csrf), ("payment_id", &id), ("amount", "12,5x"), ("category", "food"), ("pin", DEMO_PIN)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#amount\""), "{body}");
    assert_eq!(balance(&t, &c, &link).await, before);

    // Paid, with a receipt; the same form again pays once.
    let form = [
        ("csrf", csrf.as_str()),
        ("payment_id", id.as_str()),
        ("amount", "20.00"),
        ("category", "food"),
        ("pin", DEMO_PIN),
    ];
    let (status, receipt, _) = post(&t, &c, &link, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(receipt, format!("/wallet/payments/{id}"));
    let (status, again, _) = post(&t, &c, &link, &form).await;
    assert_eq!((status, again.as_str()), (StatusCode::SEE_OTHER, receipt.as_str()));
    let body = c.get(t.url(&receipt)).send().await.expect("receipt").text().await.expect("body");
    assert!(body.contains("20.00") && body.contains("Paid to Fruites"), "{body}");
    assert!(balance(&t, &c, &link).await.contains("430.00"));

    // Past the daily limit (300.00): refused with what is left today.
    let page = c.get(t.url(&link)).send().await.expect("page").text().await.expect("body");
    let next = payment_id_of(&page);
    let (status, _, body) = post(
        &t,
        &c,
        &link,
        &[("csrf", &csrf), ("payment_id", &next), ("amount", "290.00"), ("category", "food"), ("pin", DEMO_PIN)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Over the daily limit") && body.contains("280.00"), "{body}");

    // A suspended shop refuses, saying so.
    let tenant = t.app.tenant_by_code(DEMO_TENANT).await.expect("tenant").id;
    let (officer, _) = t.app.operator_as("officer@santa-coloma.example.org").await.expect("officer");
    t.app.review_merchant(&officer, tenant, fruit, "suspend", "Inspection pending").await.expect("suspend");
    let (status, _, body) = post(
        &t,
        &c,
        &link,
        &[("csrf", &csrf), ("payment_id", &next), ("amount", "5.00"), ("category", "food"), ("pin", DEMO_PIN)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("accreditation is suspended"), "{body}");
    assert!(balance(&t, &c, &link).await.contains("430.00"));

    // The statement as CSV: a header, the three issues and the payment.
    let r = c.get(t.url("/wallet/statement.csv")).send().await.expect("csv");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/csv"));
    let csv = r.text().await.expect("body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "date,time,household,programme,currency,what,reference,amount");
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(
        lines[1].contains(",SC-0001,Ajuts socials en grames,GRAMA,issue,") && lines[1].ends_with(",150.00"),
        "{csv}"
    );
    assert!(lines[4].contains(",payment,category:food,-20.00"), "{csv}");

    // The shop prints its poster; the beneficiary may not.
    let shop = t.signed_in("merchant-horta@santa-coloma.example.org").await;
    let poster = shop.get(t.url(&format!("/currency/merchants/{fruit}/poster"))).send().await.expect("poster");
    assert_eq!(poster.status(), StatusCode::OK);
    let body = poster.text().await.expect("body");
    assert!(body.contains("<svg role=\"img\"") && body.contains(&link), "{body}");
    let r = c.get(t.url(&format!("/currency/merchants/{fruit}/poster"))).send().await.expect("poster");
    assert!(matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", r.status());
    // Someone without a wallet sees the link but no form; another person's receipt is not found.
    let body = shop.get(t.url(&link)).send().await.expect("page").text().await.expect("body");
    assert!(body.contains("No wallet in GRAMA") && !body.contains("name=\"pin\""), "{body}");
    let r = shop.get(t.url(&receipt)).send().await.expect("receipt");
    assert!(matches!(r.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", r.status());

    // The beneficiary's own app pays through the API with a bearer token: the same rules.
    let token = t.token(DEMO_BENEFICIARY).await;
    let api = reqwest::Client::new();
    let pay = |shop: i64, body: serde_json::Value| {
        api.post(t.url(&format!("/api/v1/currency/merchants/{shop}/pay"))).bearer_auth(&token).json(&body).send()
    };
    let body = |id: &str, amount: &str, category: &str, pin: &str| serde_json::json!({"payment_id": id, "amount": amount, "category": category, "pin": pin});
    let r = pay(fruit, body("0190a1b2-c3d4-7e5f-8a9b-00000000a001", "5.00", "food", DEMO_PIN)).await.expect("pay");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "the suspended shop refuses");
    let e: serde_json::Value = r.json().await.expect("json");
    assert_eq!(e["error"]["code"], "merchant_suspended", "{e}");
    let coop = shop_id(&t, "Botiga Cooperativa del Fondo").await;
    for _ in 0..2 {
        let r =
            pay(coop, body("0190a1b2-c3d4-7e5f-8a9b-00000000a002", "7.50", "hygiene", DEMO_PIN)).await.expect("pay");
        assert_eq!(r.status(), StatusCode::CREATED);
        let p: serde_json::Value = r.json().await.expect("json");
        assert_eq!((p["state"].as_str(), p["amount_minor"].as_i64()), (Some("posted"), Some(750)), "{p}");
    }
    assert!(balance(&t, &c, &link).await.contains("422.50"), "the retry paid once");
    let r = pay(coop, body("0190a1b2-c3d4-7e5f-8a9b-00000000a003", "1.00", "food", "1357")).await.expect("pay");
    let e: serde_json::Value = r.json().await.expect("json");
    assert_eq!(
        (e["error"]["code"].as_str(), e["error"]["fields"][0]["field"].as_str()),
        (Some("wrong_pin"), Some("pin"))
    );
    let r = pay(coop, body("not-a-uuid", "1.00", "food", DEMO_PIN)).await.expect("pay");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: serde_json::Value = r.json().await.expect("json");
    assert_eq!(e["error"]["fields"][0]["field"], "payment_id", "{e}");
    // The shop's user has no wallet to pay from.
    let shop_token = t.token("merchant-horta@santa-coloma.example.org").await;
    let r = api
        .post(t.url(&format!("/api/v1/currency/merchants/{coop}/pay")))
        .bearer_auth(&shop_token)
        .json(&body("0190a1b2-c3d4-7e5f-8a9b-00000000a004", "1.00", "food", DEMO_PIN))
        .send()
        .await
        .expect("pay");
    let e: serde_json::Value = r.json().await.expect("json");
    assert_eq!(
        (e["error"]["code"].as_str(), e["error"]["fields"][0]["field"].as_str()),
        (Some("no_wallet"), Some("household")),
        "{e}"
    );
    assert!(balance(&t, &c, &link).await.contains("422.50"));
}

#[tokio::test]
async fn pay_by_phone_on_sqlite() {
    pay_by_phone(Backend::Sqlite).await;
}

#[tokio::test]
async fn pay_by_phone_on_postgres() {
    pay_by_phone(Backend::Postgres).await;
}
