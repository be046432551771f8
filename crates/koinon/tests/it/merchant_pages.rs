//! A shop's holds on its point-of-sale page and its statement page, through the whole server
//! on both backends: a hold is taken with its duration, listed, refused with the error at its
//! amount, captured in part (the rest back on the card) or released, each ending on the
//! result; the statement shows a period's money in and out with its CSV, refuses a date that
//! does not read naming the field, and is the shop's own (and staff's), not another shop's.

use koinon_app::Actor;
use koinon_app::users::NewUserInput;

use crate::currency_payments::{Shop, heerlen_shop};
use crate::harness::{Backend, PASSWORD, TestApp, hidden_csrf, spawn_on};

async fn wallet_available(t: &TestApp, shop: &Shop) -> i64 {
    let a = t.app.ledger_account(&Actor::System("test"), shop.tenant, &shop.wallet, None).await.expect("wallet");
    a.credits_posted - a.debits_posted - a.debits_pending
}

fn field_value<'a>(page: &'a str, name: &str) -> &'a str {
    let needle = format!("name=\"{name}\" value=\"");
    let at = page.find(&needle).expect("field") + needle.len();
    &page[at..at + page[at..].find('"').expect("value end")]
}

/// The payment id a redirect to the point of sale shows.
fn paid_id(location: &str) -> String {
    location.rsplit("paid=").next().expect("paid").to_string()
}

async fn holds_and_statement(backend: Backend) {
    let Some(t) = spawn_on(backend).await else { return };
    let shop = heerlen_shop(&t).await;
    let client = t.signed_in("merchant@heerlen.example.org").await;
    let pos = format!("/currency/merchants/{}/pos", shop.merchant);
    let page = client.get(t.url(&pos)).send().await.expect("pos").text().await.expect("body");
    assert!(page.contains("id=\"mode-hold\"") && page.contains("<select id=\"hold_s\""), "the hold option");
    let csrf = hidden_csrf(&page).expect("csrf");
    let last_four: String = shop.card_code.replace('-', "").chars().skip(12).collect();
    let hold = |payment_id: String, amount: &'static str, hold_s: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("payment_id", payment_id),
            ("amount", amount.to_string()),
            ("category", "food".to_string()),
            ("card_code", shop.card_code.clone()),
            ("pin", "4821".to_string()),
            ("mode", "hold".to_string()),
            ("hold_s", hold_s.to_string()),
        ]
    };

    // A duration that is not one is refused at its field; nothing is held.
    let r = client.post(t.url(&pos)).form(&hold(field_value(&page, "payment_id").into(), "20.00", "soon")).send();
    let r = r.await.expect("hold");
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("id=\"hold_s-error\"") && body.contains("href=\"#hold_s\""), "error at the duration");
    assert_eq!(wallet_available(&t, &shop).await, 10_000);

    // A hold of 20.00 for an hour: the receipt says until when; the hold is listed.
    let r = client.post(t.url(&pos)).form(&hold(field_value(&page, "payment_id").into(), "20.00", "3600")).send();
    let r = r.await.expect("hold");
    assert_eq!(r.status(), 303);
    let held = paid_id(r.headers()["location"].to_str().expect("location"));
    assert_eq!(wallet_available(&t, &shop).await, 8_000);
    let page = client.get(t.url(&format!("{pos}?paid={held}"))).send().await.expect("pos").text().await.expect("body");
    assert!(page.contains("id=\"receipt\"") && page.contains("Held until"), "the hold's receipt");
    let row = &page[page.find(&format!("<tr id=\"hold-{held}\"")).expect("the hold is listed")..];
    let row = &row[..row.find("</tr>").expect("row end")];
    assert!(row.contains("20.00") && row.contains(&format!("…{last_four}")), "{row}");
    let capture = format!("/currency/merchants/{}/holds/{held}/capture", shop.merchant);

    // Not a number, and more than was held: refused at the hold's amount, kept as typed.
    for (amount, message) in
        [("twelve", "Enter the amount to capture like 12.50"), ("20.01", "at most the amount held")]
    {
        let r = client.post(t.url(&capture)).form(&[("csrf", csrf.as_str()), ("amount", amount)]).send();
        let r = r.await.expect("capture");
        assert_eq!(r.status(), 422, "{amount}");
        let body = r.text().await.expect("body");
        assert!(body.contains(&format!("href=\"#hold-{held}-amount\"")), "the summary links the field: {amount}");
        assert!(body.contains(&format!("id=\"hold-{held}-amount-error\"")) && body.contains(message), "{amount}");
        assert!(body.contains(&format!("value=\"{amount}\"")), "kept as typed");
    }
    assert_eq!(wallet_available(&t, &shop).await, 8_000);

    // Captures 12.00: the panel says what was paid and what went back; the list is empty.
    let r = client.post(t.url(&capture)).form(&[("csrf", csrf.as_str()), ("amount", "12.00")]).send();
    let r = r.await.expect("capture");
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().expect("location").to_string();
    let page = client.get(t.url(&to)).send().await.expect("pos").text().await.expect("body");
    assert!(page.contains("Hold captured") && page.contains("12.00") && page.contains("8.00"), "the result");
    assert!(!page.contains(&format!("<tr id=\"hold-{held}\"")) && page.contains("No open holds"));
    assert_eq!(wallet_available(&t, &shop).await, 10_000 - 1_200);
    // Captured already: refused above the list, never a server error.
    let r = client.post(t.url(&capture)).form(&[("csrf", csrf.as_str()), ("amount", "")]).send();
    let r = r.await.expect("again");
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("href=\"#holds\"") && body.contains("already captured or released"), "the hold is closed");

    // Another hold, released: everything back on the card.
    let page = client.get(t.url(&pos)).send().await.expect("pos").text().await.expect("body");
    let r = client.post(t.url(&pos)).form(&hold(field_value(&page, "payment_id").into(), "5.00", "900")).send();
    let second = paid_id(r.await.expect("hold").headers()["location"].to_str().expect("location"));
    assert_eq!(wallet_available(&t, &shop).await, 8_800 - 500);
    let void = format!("/currency/merchants/{}/holds/{second}/void", shop.merchant);
    let r = client.post(t.url(&void)).form(&[("csrf", csrf.as_str())]).send().await.expect("void");
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().expect("location").to_string();
    let page = client.get(t.url(&to)).send().await.expect("pos").text().await.expect("body");
    assert!(page.contains("Hold released") && page.contains("5.00"), "the result");
    assert_eq!(wallet_available(&t, &shop).await, 8_800);

    // The statement: the capture (12.00 in), and the CSV of the same period.
    let today = koinon_core::finance::format_date(time::OffsetDateTime::now_utc().date());
    let statement = format!("/currency/merchants/{}/statement", shop.merchant);
    let r = client.get(t.url(&format!("{statement}?from={today}&to={today}"))).send().await.expect("statement");
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("body");
    assert!(body.contains("<caption>") && body.contains("Card payment") && body.contains("12.00"), "{body}");
    assert!(!body.contains("5.00"), "a released hold moved nothing");
    let csv_href = format!("{statement}.csv?from={today}&#38;to={today}");
    assert!(body.contains(&csv_href), "the CSV of the period");
    let csv = client.get(t.url(&csv_href.replace("&#38;", "&"))).send().await.expect("csv");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].contains(&format!(",payment,{held},{last_four},food,,12.00,PARKSTAD,")), "{csv}");
    // A later period has nothing; a date that does not read, or a period backwards, is refused.
    let csv = client.get(t.url(&format!("{statement}.csv?from=2999-01-01"))).send().await.expect("csv");
    assert_eq!(csv.text().await.expect("csv").lines().count(), 1);
    for (query, field) in [("from=31.01.2026", "from"), ("from=2026-02-01&to=2026-01-31", "to")] {
        let r = client.get(t.url(&format!("{statement}?{query}"))).send().await.expect("statement");
        assert_eq!(r.status(), 400, "{query}");
        let body = r.text().await.expect("body");
        assert!(body.contains(&format!("href=\"#{field}\"")) && body.contains(&format!("id=\"{field}-error\"")));
        assert!(body.contains(r#"aria-invalid="true""#), "{query}");
    }

    // Staff see it; another shop's user and a beneficiary do not.
    for (email, status) in [
        ("officer@heerlen.example.org", 200),
        ("auditor@heerlen.example.org", 200),
        ("beneficiary@heerlen.example.org", 403),
    ] {
        let c = t.signed_in(email).await;
        let r = c.get(t.url(&statement)).send().await.expect("statement");
        assert_eq!(r.status(), status, "{email}");
    }
    t.app
        .create_user(
            &Actor::System("test"),
            shop.tenant,
            &NewUserInput {
                email: "other-shop@heerlen.example.org",
                display_name: "Other shop",
                role: "merchant",
                organisation_id: None,
                password: PASSWORD,
            },
        )
        .await
        .expect("other shop's user");
    let other = t.signed_in("other-shop@heerlen.example.org").await;
    for path in [statement.clone(), format!("{statement}.csv")] {
        let r = other.get(t.url(&path)).send().await.expect("statement");
        assert_eq!(r.status(), 404, "{path}");
    }
    let page = other.get(t.url("/dashboard")).send().await.expect("dashboard").text().await.expect("body");
    let other_csrf = hidden_csrf(&page).expect("csrf");
    let r = other.post(t.url(&void)).form(&[("csrf", other_csrf.as_str())]).send().await.expect("void");
    assert_eq!(r.status(), 404, "another shop's hold is not found");
    let check = koinon_app::ledger::check(&t.store).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_and_the_statement_on_the_merchant_pages_on_sqlite() {
    holds_and_statement(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_and_the_statement_on_the_merchant_pages_on_postgres() {
    holds_and_statement(Backend::Postgres).await;
}
