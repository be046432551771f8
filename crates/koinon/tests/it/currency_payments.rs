//! Payments at the point of sale, through the whole server on both backends: a shop of
//! Heerlen accredited for a currency whose household got a month of assistance; its till pays
//! with a bearer token (a retry pays once, a wrong PIN is refused with the tries left, other
//! roles are refused); its user takes a payment on the point-of-sale page and sees the refusal
//! in Greek; the public directory lists the shop.

use koinon_app::Actor;
use koinon_app::currency::{CurrencyInput, ProgrammeInput};
use koinon_app::merchants::MerchantInput;
use koinon_app::outcome_files::ImportFile;
use koinon_core::authz::Subject;
use koinon_core::role::Role;

use crate::harness::{Backend, TestApp, hidden_csrf, spawn_on};

/// A shop of Heerlen, owned by the demo merchant, and a household's card.
pub(crate) struct Shop {
    pub tenant: i64,
    pub merchant: i64,
    pub merchant_user: Actor,
    pub card_code: String,
    pub card_id: i64,
    pub wallet: String,
}

/// Defines the PARKSTAD currency in Heerlen (food and hygiene, a daily limit of 200.00), issues
/// January's 100.00 to household HL-0001, accredits a shop of the demo merchant for food, and
/// issues the household a card with PIN 4821.
pub(crate) async fn heerlen_shop(t: &TestApp) -> Shop {
    let system = Actor::System("test");
    let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
    let users = t.app.list_users(&system, heerlen.id, None, Some(200)).await.expect("users");
    let merchant = users.items.iter().find(|u| u.email == "merchant@heerlen.example.org").expect("merchant user");
    let c = t
        .app
        .define_currency(
            &system,
            heerlen.id,
            &CurrencyInput {
                code: "PARKSTAD".into(),
                name: "Parkstad".into(),
                symbol: "P".into(),
                scale: Some(2),
                categories: "food, hygiene".into(),
                decay: "none".into(),
                daily_spend_max: "200.00".into(),
                ..CurrencyInput::default()
            },
        )
        .await
        .expect("currency");
    let p = t
        .app
        .create_programme(
            &system,
            heerlen.id,
            &ProgrammeInput {
                currency_id: c.id,
                name: "Food aid".into(),
                start_on: "2026-01-01".into(),
                end_on: "2030-12-31".into(),
                budget: "10000.00".into(),
                base_amount: "100.00".into(),
                per_member_amount: "0".into(),
                household_cap: "100.00".into(),
                auto_backing: true,
            },
        )
        .await
        .expect("programme");
    let csv = "household,size,eligible_from\nHL-0001,1,2026-01-01\n";
    let file = ImportFile::read("households", "file", "h.csv", csv.as_bytes().to_vec(), None).expect("file");
    t.app.commit_households(&system, heerlen.id, p.id, &file).await.expect("households");
    let run = t.app.prepare_issuance(&Actor::System("officer"), heerlen.id, p.id, "2026-01").await.expect("run");
    t.app.approve_issuance(&Actor::System("approver"), heerlen.id, run.id).await.expect("posted");
    let shop = t
        .app
        .apply_merchant(
            &system,
            heerlen.id,
            &MerchantInput {
                currency_id: c.id,
                name: "Wereldwinkel Heerlen".into(),
                area: "Centrum".into(),
                address: "Saroleastraat 1".into(),
                categories: vec!["food".into()],
                email: "winkel@heerlen.example.org".into(),
                owner_user_id: Some(merchant.id),
                ..MerchantInput::default()
            },
            &[],
        )
        .await
        .expect("applied");
    t.app.review_merchant(&system, heerlen.id, shop.id, "accredit", "").await.expect("accredited");
    let household = t.app.programme_households(&system, heerlen.id, p.id).await.expect("households")[0].id;
    let card = t.app.issue_card(&system, heerlen.id, household, "4821").await.expect("card");
    let merchant_user = Actor::User(Subject {
        user_id: merchant.id,
        tenant_id: heerlen.id,
        role: Role::Merchant,
        organisation_id: merchant.organisation_id,
    });
    Shop {
        tenant: heerlen.id,
        merchant: shop.id,
        merchant_user,
        card_code: card.code,
        card_id: card.card_id,
        wallet: card.wallet,
    }
}

async fn balance(t: &TestApp, shop: &Shop) -> i64 {
    let a = t.app.ledger_account(&Actor::System("test"), shop.tenant, &shop.wallet, None).await.expect("wallet");
    a.credits_posted - a.debits_posted - a.debits_pending
}

async fn till_api(backend: Backend) {
    let Some(t) = spawn_on(backend).await else { return };
    let shop = heerlen_shop(&t).await;
    let till = t.token("merchant@heerlen.example.org").await;
    let api = reqwest::Client::new();
    let body = |id: &str, pin: &str, amount: &str| {
        serde_json::json!({"payment_id": id, "merchant_id": shop.merchant, "card_code": shop.card_code,
            "pin": pin, "amount": amount, "category": "food"})
    };
    let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01";

    let r = api.post(t.url("/api/v1/currency/payments")).json(&body(id, "4821", "12.50")).send().await.expect("pay");
    assert_eq!(r.status(), 401, "no token, no payment");
    for _ in 0..2 {
        let r = api
            .post(t.url("/api/v1/currency/payments"))
            .bearer_auth(&till)
            .json(&body(id, "4821", "12.50"))
            .send()
            .await
            .expect("pay");
        assert_eq!(r.status(), 201);
        let p: serde_json::Value = r.json().await.expect("json");
        assert_eq!(
            (p["id"].as_str(), p["state"].as_str(), p["amount_minor"].as_i64()),
            (Some(id), Some("posted"), Some(1_250))
        );
    }
    assert_eq!(balance(&t, &shop).await, 10_000 - 1_250, "the retry paid once");
    let r = api.get(t.url(&format!("/api/v1/currency/payments/{id}"))).bearer_auth(&till).send().await.expect("get");
    assert_eq!(r.status(), 200);

    // A wrong PIN: 422 with the reason and the tries left; nothing paid.
    let r = api
        .post(t.url("/api/v1/currency/payments"))
        .bearer_auth(&till)
        .json(&body("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02", "1111", "5.00"))
        .send()
        .await
        .expect("pay");
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.expect("json");
    assert_eq!(e["error"]["code"], "wrong_pin");
    assert_eq!(e["error"]["fields"][0]["field"], "pin");
    assert!(e["error"]["message"].as_str().unwrap_or_default().contains('2'), "{e}");
    // More than the card holds: the reason names what is available.
    let r = api
        .post(t.url("/api/v1/currency/payments"))
        .bearer_auth(&till)
        .json(&body("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a03", "4821", "90.00"))
        .send()
        .await
        .expect("pay");
    let e: serde_json::Value = r.json().await.expect("json");
    assert_eq!(e["error"]["code"], "insufficient_balance", "{e}");
    assert!(e["error"]["message"].as_str().unwrap_or_default().contains("87.50"), "{e}");
    assert_eq!(balance(&t, &shop).await, 8_750);

    // The shop redeems 5.00 of what it took: no fee in this currency, 5.00 EUR paid out.
    let r = api
        .post(t.url(&format!("/api/v1/currency/merchants/{}/redemptions", shop.merchant)))
        .bearer_auth(&till)
        .json(&serde_json::json!({"request_id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a05", "amount": "5.00"}))
        .send()
        .await
        .expect("redeem");
    assert_eq!(r.status(), 201);
    let red: serde_json::Value = r.json().await.expect("json");
    assert_eq!((red["retired_minor"].as_i64(), red["payout_eur_minor"].as_i64()), (Some(500), Some(500)), "{red}");
    let b: serde_json::Value = api
        .get(t.url(&format!("/api/v1/currency/merchants/{}/balance", shop.merchant)))
        .bearer_auth(&till)
        .send()
        .await
        .expect("balance")
        .json()
        .await
        .expect("json");
    assert_eq!((b["balance_minor"].as_i64(), b["euro_minor"].as_i64()), (Some(750), Some(500)), "{b}");

    // The shop's statement through the API: the payment in, the redemption out, newest first.
    let get = |path: String| api.get(t.url(&path)).bearer_auth(&till).send();
    let r = get(format!("/api/v1/currency/merchants/{}/statement", shop.merchant)).await.expect("statement");
    assert_eq!(r.status(), 200);
    let st: serde_json::Value = r.json().await.expect("json");
    let entries = st["entries"].as_array().expect("entries");
    let paid = entries.iter().find(|e| e["payment_id"] == id).expect("the payment is on the statement");
    let last_four: String = shop.card_code.chars().rev().filter(|c| c.is_ascii_alphanumeric()).take(4).collect();
    let last_four: String = last_four.chars().rev().collect();
    assert_eq!((paid["amount_minor"].as_i64(), paid["card"].as_str()), (Some(1_250), Some(last_four.as_str())), "{st}");
    assert_eq!(entries[0]["amount_minor"].as_i64(), Some(-500), "the redemption, newest, went out: {st}");
    assert!(st["next_cursor"].is_null(), "{st}");
    let one: serde_json::Value = get(format!("/api/v1/currency/merchants/{}/statement?limit=1", shop.merchant))
        .await
        .expect("page")
        .json()
        .await
        .expect("json");
    let cursor = one["next_cursor"].as_str().expect("a next page").to_string();
    let two: serde_json::Value =
        get(format!("/api/v1/currency/merchants/{}/statement?limit=1&cursor={cursor}", shop.merchant))
            .await
            .expect("page")
            .json()
            .await
            .expect("json");
    assert_eq!(two["entries"][0], entries[1], "the second page starts where the first ended");
    let r = get(format!("/api/v1/currency/merchants/{}/statement?from=2026-13-01", shop.merchant)).await.expect("bad");
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.expect("json");
    assert_eq!(e["error"]["fields"][0]["field"], "from", "{e}");

    // A hold is listed among the shop's open holds until it is captured.
    let mut hold = body("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06", "4821", "2.00");
    hold["hold"] = serde_json::json!(true);
    let r = api.post(t.url("/api/v1/currency/payments")).bearer_auth(&till).json(&hold).send().await.expect("hold");
    assert_eq!(r.status(), 201);
    let holds: serde_json::Value = get(format!("/api/v1/currency/merchants/{}/holds", shop.merchant))
        .await
        .expect("holds")
        .json()
        .await
        .expect("json");
    assert_eq!(holds.as_array().map(Vec::len), Some(1), "{holds}");
    assert_eq!(
        (holds[0]["id"].as_str(), holds[0]["amount_minor"].as_i64()),
        (Some("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06"), Some(200))
    );
    assert!(holds[0]["expires_at_us"].as_i64().is_some(), "{holds}");
    let r = api
        .post(t.url("/api/v1/currency/payments/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06/capture"))
        .bearer_auth(&till)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("capture");
    assert_eq!(r.status(), 200);
    let holds: serde_json::Value = get(format!("/api/v1/currency/merchants/{}/holds", shop.merchant))
        .await
        .expect("holds")
        .json()
        .await
        .expect("json");
    assert_eq!(holds, serde_json::json!([]), "a captured hold is no longer open");

    // An officer's token is not a till.
    let officer = t.token("officer@heerlen.example.org").await;
    let r = api
        .post(t.url("/api/v1/currency/payments"))
        .bearer_auth(&officer)
        .json(&body("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a04", "4821", "1.00"))
        .send()
        .await
        .expect("pay");
    assert_eq!(r.status(), 403);
    let check = koinon_app::ledger::check(&t.store).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_pays_once_with_a_bearer_token_on_sqlite() {
    till_api(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_pays_once_with_a_bearer_token_on_postgres() {
    till_api(Backend::Postgres).await;
}

async fn pos_page(backend: Backend) {
    let Some(t) = spawn_on(backend).await else { return };
    let shop = heerlen_shop(&t).await;
    let client = t.signed_in("merchant@heerlen.example.org").await;
    let pos = format!("/currency/merchants/{}/pos", shop.merchant);
    let page = client.get(t.url(&pos)).send().await.expect("pos").text().await.expect("body");
    let csrf = hidden_csrf(&page).expect("csrf");
    let payment_id = {
        let at =
            page.find("name=\"payment_id\" value=\"").expect("payment id field") + "name=\"payment_id\" value=\"".len();
        page[at..at + 36].to_string()
    };
    let typed = shop.card_code.to_lowercase().replace('-', " ");
    let form = [
        ("csrf", csrf.as_str()),
        ("payment_id", payment_id.as_str()),
        ("amount", "7.25"),
        ("category", "food"),
        ("card_code", typed.as_str()),
        ("pin", "4821"),
    ];
    let r = client.post(t.url(&pos)).form(&form).send().await.expect("pay");
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().expect("location").to_string();
    assert!(to.ends_with(&payment_id), "{to}");
    // The form sent twice (a double click): the same payment, paid once.
    let r = client.post(t.url(&pos)).form(&form).send().await.expect("again");
    assert_eq!(r.status(), 303);
    assert_eq!(balance(&t, &shop).await, 10_000 - 725);
    let receipt = client.get(t.url(&to)).send().await.expect("receipt").text().await.expect("body");
    assert!(receipt.contains("id=\"receipt\"") && receipt.contains("7.25"), "the receipt shows the payment");

    // The shop's statement as CSV.
    let csv =
        client.get(t.url(&format!("/currency/merchants/{}/statement.csv", shop.merchant))).send().await.expect("csv");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.expect("body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "date,time,what,payment_id,card,category,counterparty,amount,currency,transfer_id");
    assert_eq!(lines.len(), 2, "one payment, paid once: {csv}");
    assert!(lines[1].contains(&format!(",payment,{payment_id},")), "{csv}");
    assert!(lines[1].ends_with(&format!(",food,,7.25,PARKSTAD,{payment_id}")), "{csv}");

    // A wrong PIN, in Greek: the refusal in the merchant's language, the card code kept.
    let wrong = [
        ("csrf", csrf.as_str()),
        ("payment_id", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a11"),
        ("amount", "1.00"),
        ("category", "food"),
        ("card_code", shop.card_code.as_str()),
        ("pin", "9999"),
    ];
    let r = client.post(t.url(&format!("{pos}?lang=el"))).form(&wrong).send().await.expect("wrong pin");
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("Λάθος PIN"), "the refusal is in Greek");
    assert!(body.contains(&shop.card_code), "the card code is kept for the next try");
    assert_eq!(balance(&t, &shop).await, 10_000 - 725);

    // The officer sees the shop but may not use its till.
    let officer = t.signed_in("officer@heerlen.example.org").await;
    assert_eq!(officer.get(t.url(&pos)).send().await.expect("pos").status(), 403);
    let detail = officer
        .get(t.url(&format!("/currency/merchants/{}", shop.merchant)))
        .send()
        .await
        .expect("detail")
        .text()
        .await
        .expect("body");
    assert!(detail.contains("Wereldwinkel Heerlen") && detail.contains("/review"), "officers review");

    // The public directory, without signing in.
    let anyone = t.client();
    let d = anyone.get(t.url("/public/currency/heerlen/merchants?category=food")).send().await.expect("directory");
    assert_eq!(d.status(), 200);
    assert!(d.text().await.expect("body").contains("Wereldwinkel Heerlen"));
    let d = anyone.get(t.url("/public/currency/heerlen/merchants?category=hygiene")).send().await.expect("directory");
    assert!(!d.text().await.expect("body").contains("Wereldwinkel Heerlen"));

    // The officer prints the household's card: its code in groups of four and as a QR code.
    let print = officer.get(t.url(&format!("/currency/cards/{}/print", shop.card_id))).send().await.expect("print");
    assert_eq!(print.status(), 200);
    let print = print.text().await.expect("body");
    assert!(print.contains(&shop.card_code) && print.contains("<svg role=\"img\""), "a printable card");
    assert!(!print.contains("<?xml"));
    // A new card from the form replaces it.
    let page = officer.get(t.url("/currency/cards/new")).send().await.expect("form").text().await.expect("body");
    let officer_csrf = hidden_csrf(&page).expect("csrf");
    let bad = [("csrf", officer_csrf.as_str()), ("household_id", "x"), ("pin", "1234")];
    assert_eq!(officer.post(t.url("/currency/cards/new")).form(&bad).send().await.expect("bad").status(), 422);
    let _ = &shop.merchant_user;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_point_of_sale_page_takes_a_card_and_pin_on_sqlite() {
    pos_page(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_point_of_sale_page_takes_a_card_and_pin_on_postgres() {
    pos_page(Backend::Postgres).await;
}

/// In a real browser: the shop's user opens its point of sale from the list of merchants,
/// types an amount, picks the category, types the card code as it reads it off the card (lower
/// case, spaces) and lets the beneficiary type the PIN; the receipt shows the payment. A wrong
/// PIN then is refused with the tries left. No serious accessibility violation on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_payment_at_the_point_of_sale_in_a_browser() {
    use std::time::Duration;

    use fantoccini::Locator;

    use crate::browser::{browser_or_skip, connect, start_driver};
    use crate::done_when::{check_axe, click, fill_all, shows, sign_in, submit};

    let Some((chromedriver, chromium)) = browser_or_skip() else { return };
    let t = crate::harness::spawn_app().await;
    let shop = heerlen_shop(&t).await;
    let (_driver, port) = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&chromium, port, profile.path()).await;
    let c = &client;
    let typed = shop.card_code.to_lowercase().replace('-', " ");
    let walk = async {
        let mut problems = Vec::new();
        sign_in(&t, c, "merchant@heerlen.example.org").await;
        c.goto(&t.url("/currency/merchants")).await.expect("merchants");
        click(c, Locator::XPath("//main//a[normalize-space()='Point of sale']")).await;
        check_axe(c, "point of sale", &mut problems).await;
        fill_all(c, &[("amount", "4.20"), ("category", "food"), ("card_code", &typed), ("pin", "4821")]).await;
        submit(c, "/pos", None).await;
        shows(c, &["The payment went through.", "Paid", "4.20", &shop.card_code[15..]]).await;
        check_axe(c, "receipt", &mut problems).await;
        assert_eq!(balance(&t, &shop).await, 10_000 - 420);

        fill_all(c, &[("amount", "1.00"), ("category", "food"), ("card_code", &typed), ("pin", "9999")]).await;
        submit(c, "/pos", None).await;
        shows(c, &["Payment refused", "Wrong PIN. 2 more wrong PINs"]).await;
        check_axe(c, "refusal", &mut problems).await;
        assert_eq!(balance(&t, &shop).await, 10_000 - 420);
        assert!(problems.is_empty(), "accessibility violations:\n{}", problems.join("\n"));
    };
    let outcome = tokio::time::timeout(Duration::from_secs(180), walk).await;
    if outcome.is_err()
        && let Ok(png) = client.screenshot().await
    {
        let _ = std::fs::write(std::env::temp_dir().join("koinon-pos.png"), png);
    }
    let _ = client.close().await;
    outcome.expect("the walk finished in time");
}
