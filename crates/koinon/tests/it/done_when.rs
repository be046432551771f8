//! Issue 4's "Done when", walked in a real browser (headless Chromium through chromedriver) on
//! the demo data, as the people who do it would: Heerlen's officer designs a small rate card
//! from scratch, signs it, records the investor's drawdown and imports participants and claims
//! (preview, then commit); the evaluator verifies the claims and rejects one with a reason; the
//! officer prepares the payment run; the approver approves it; the investors page shows the
//! investor's returns. Every click is a click on a link or a button, every answer typed into
//! a form. Skipped without chromium/chromedriver unless `KOINON_REQUIRE_BROWSER=1`.
//!
//! The hand calculation the figures are checked against:
//!
//! - Prices: a start of paid work (`job_start`) pays €1,000.00; 13 weeks in work
//!   (`employment_13_weeks`, needs a start) pays €3,000.00. Caps (€100,000.00 per contract,
//!   €5,000.00 per participant) cut nothing here: P01's €4,000.00 is the most per person.
//! - Claims: P01, P02, P03 and P04 start work; P01 also reaches 13 weeks. The evaluator rejects
//!   P04's start. Verified: 3 starts × €1,000.00 + 1 × €3,000.00 = **€6,000.00** due for
//!   2025-Q4 (every event falls in 2025-Q3 or 2025-Q4, nothing was paid before).
//! - The investor (Limburg Social Impact Fund) was drawn down **€4,000.00 on 2025-06-01**.
//!   The waterfall: capital back first (€4,000.00), then the return up to a cap of 1.25× the
//!   capital (€5,000.00 in all, so €1,000.00 of return), then the residual (€6,000.00 −
//!   €5,000.00 = €1,000.00) with 0 % to investors: it goes to the provider. The investor
//!   receives **€5,000.00 on 2026-06-01** (the payment date the approver types).
//! - Two cash flows 365 days apart (2025-06-01 → 2026-06-01; no 29 February between):
//!   XIRR = (5,000 / 4,000)^(365/365) − 1 = **25.00 %**; money multiple = 5,000 / 4,000 =
//!   **1.25×**; net = 5,000 − 4,000 = **€1,000.00**; payback on **2026-06-01**; the most the
//!   investor was ever out of pocket: **€4,000.00**.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use crate::browser::{axe, browser_or_skip, connect, start_driver};
use crate::harness::{PASSWORD, TestApp, spawn_app};

const CONTRACT: &str = "Heerlen rate card e2e";

const PARTICIPANTS_CSV: &str = "participant,cohort,enrolled_on
P01,c2025,2025-03-03
P02,c2025,2025-03-10
P03,c2025,2025-04-01
P04,c2025,2025-04-15
";

const CLAIMS_CSV: &str = "participant,metric,event_on,claimed_on
P01,job_start,2025-07-01,2025-07-10
P02,job_start,2025-08-01,2025-08-11
P03,job_start,2025-09-01,2025-09-10
P04,job_start,2025-09-15,2025-09-22
P01,employment_13_weeks,2025-10-01,2025-10-06
";

const REJECTION: &str = "No employment contract attached, only a letter of intent";

/// The visible text of the page.
pub(crate) async fn text(c: &Client) -> String {
    let v = c.execute("return document.body.innerText", vec![]).await.expect("page text");
    v.as_str().unwrap_or_default().to_string()
}

pub(crate) async fn path(c: &Client) -> String {
    c.current_url().await.expect("url").path().to_string()
}

/// Clicks what `locator` finds and waits until the next page has loaded.
pub(crate) async fn click(c: &Client, locator: Locator<'_>) {
    let what = format!("{locator:?}");
    // Pages may be swapped in by htmx (hx-boost) rather than loaded: the old `main` is marked.
    c.execute("document.querySelector('main').dataset.koinonOld = '1'", vec![]).await.expect("mark page");
    c.find(locator).await.unwrap_or_else(|e| panic!("{what}: {e}")).click().await.expect("click");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let loaded = c
            .execute(
                "const m = document.querySelector('main'); return document.readyState !== 'loading' && !!m \
                 && m.dataset.koinonOld === undefined \
                 && !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')",
                vec![],
            )
            .await;
        if matches!(loaded, Ok(serde_json::Value::Bool(true))) {
            return;
        }
        if Instant::now() >= deadline {
            let url = c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            panic!("no new page after clicking {what} ({loaded:?} at {url}):\n{}", text(c).await);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks the link whose text is `label`.
pub(crate) async fn link(c: &Client, label: &str) {
    click(c, Locator::XPath(&format!("//main//a[normalize-space()={}]", xpath_literal(label)))).await;
}

/// Clicks the submit button of the POST form whose `action` ends with `action` (and, when given,
/// has a hidden `op` of that value).
pub(crate) async fn submit(c: &Client, action: &str, op: Option<&str>) {
    let css = match op {
        Some(op) => {
            format!("main form[method=post][action$='{action}']:has(input[name=op][value={op}]) button[type=submit]")
        }
        None => format!("main form[method=post][action$='{action}'] button[type=submit]"),
    };
    click(c, Locator::Css(&css)).await;
}

/// Types `value` into the field with id `id`: a text field is cleared first, a select gets the
/// option with that value, a radio button with that value is checked.
pub(crate) async fn fill(c: &Client, id: &str, value: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("field {id}: {e}"));
    let tag = field.tag_name().await.expect("tag");
    let kind = field.attr("type").await.expect("type").unwrap_or_default();
    if tag == "select" {
        field
            .find(Locator::Css(&format!("option[value='{value}']")))
            .await
            .unwrap_or_else(|e| panic!("{id} has no option {value}: {e}"))
            .click()
            .await
            .expect("choose");
    } else if kind == "radio" {
        let name = field.attr("name").await.expect("name").unwrap_or_default();
        c.find(Locator::Css(&format!("input[name='{name}'][value='{value}']")))
            .await
            .unwrap_or_else(|e| panic!("{name}={value}: {e}"))
            .click()
            .await
            .expect("check");
    } else {
        field.clear().await.expect("clear");
        if !value.is_empty() {
            field.send_keys(value).await.expect("type");
        }
    }
}

pub(crate) async fn fill_all(c: &Client, fields: &[(&str, &str)]) {
    for (id, value) in fields {
        fill(c, id, value).await;
    }
}

fn xpath_literal(s: &str) -> String {
    if s.contains('\'') { format!("\"{s}\"") } else { format!("'{s}'") }
}

/// Asserts the page shows each of `texts`.
pub(crate) async fn shows(c: &Client, texts: &[&str]) {
    let page = text(c).await;
    for t in texts {
        assert!(page.contains(t), "{} should show {t:?}:\n{page}", path(c).await);
    }
}

pub(crate) async fn sign_in(t: &TestApp, c: &Client, email: &str) {
    c.goto(&t.url("/sign-in")).await.expect("sign-in page");
    fill(c, "email", email).await;
    fill(c, "password", PASSWORD).await;
    click(c, Locator::Css("main button[type=submit]")).await;
    assert_eq!(path(c).await, "/dashboard", "{email} signed in");
}

pub(crate) async fn sign_out(c: &Client) {
    click(c, Locator::Css("form[action='/sign-out'] button[type=submit]")).await;
}

/// Runs axe-core on the page; serious or critical violations are collected in `problems`.
pub(crate) async fn check_axe(c: &Client, what: &str, problems: &mut Vec<String>) {
    for v in axe(c).await {
        if matches!(v.impact.as_deref(), Some("serious" | "critical")) {
            problems.push(format!("{what}: {} ({:?}) {} at {}", v.id, v.impact, v.help, v.targets));
        }
    }
}

/// Opens the contract from the list of contracts.
async fn open_contract(t: &TestApp, c: &Client) {
    c.goto(&t.url("/outcomes")).await.expect("contracts");
    link(c, CONTRACT).await;
}

/// Pastes a CSV into the import form, previews it (every row accepted), commits it.
async fn import(c: &Client, what: &str, csv: &str, rows: usize) {
    fill(c, "csv", csv).await;
    submit(c, &format!("/{what}/preview"), None).await;
    let page = text(c).await;
    assert!(page.contains("Nothing has been saved yet"), "a preview:\n{page}");
    let accepted = c
        .find(Locator::XPath("//dl[contains(@class,'summary-list')]/div[1]/dd"))
        .await
        .expect("accepted count")
        .text()
        .await
        .expect("text");
    assert_eq!(accepted.trim(), rows.to_string(), "{what}: every row accepted:\n{page}");
    submit(c, &format!("/{what}"), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn done_when_an_officer_designs_signs_imports_verifies_pays_and_sees_the_returns_in_a_browser() {
    let Some((chromedriver, chromium)) = browser_or_skip() else { return };
    let t = spawn_app().await;
    let (_driver, port) = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&chromium, port, profile.path()).await;
    let c = &client;
    let walk = async {
        let mut problems = Vec::new();

        // ---- Heerlen's officer designs the contract, step by step ----
        sign_in(&t, c, "officer@heerlen.example.org").await;
        c.goto(&t.url("/outcomes")).await.expect("contracts");
        link(c, "Design a contract step by step").await;
        assert_eq!(path(c).await, "/outcomes/new");
        submit(c, "/outcomes/designs", None).await;
        let design = path(c).await.trim_end_matches("/basics").to_string();
        assert!(design.starts_with("/outcomes/designs/"), "{design}");
        fill_all(
            c,
            &[
                ("name", CONTRACT),
                ("policy_area", "employment"),
                ("currency", "EUR"),
                ("start_on", "2025-01-01"),
                ("end_on", "2027-12-31"),
                ("period", "quarter"),
            ],
        )
        .await;
        submit(c, "/basics", None).await;
        assert_eq!(path(c).await, format!("{design}/parties"));
        // Party names are the demo organisations', so demo users act for them.
        for (name, role, commitment) in [
            ("Gemeente Heerlen", "outcome_payer", ""),
            ("Parkstad Werkt BV", "spv", ""),
            ("Werkplaats Parkstad", "provider", ""),
            ("Limburg Social Impact Fund", "investor", "10000"),
            ("Zuyd Hogeschool", "evaluator", ""),
        ] {
            fill_all(c, &[("party_name", name), ("role", role), ("commitment", commitment)]).await;
            submit(c, "/parties", Some("add")).await;
            shows(c, &[name]).await;
        }
        submit(c, "/parties", Some("continue")).await;
        assert_eq!(path(c).await, format!("{design}/cohorts"));
        fill_all(
            c,
            &[
                ("cohort_code", "c2025"),
                ("cohort_name", "Residents enrolled in the first half of 2025"),
                ("target_size", "4"),
                ("cohort_start_on", "2025-01-01"),
                ("cohort_end_on", "2025-06-30"),
            ],
        )
        .await;
        submit(c, "/cohorts", Some("add")).await;
        submit(c, "/cohorts", Some("continue")).await;
        assert_eq!(path(c).await, format!("{design}/caps"));
        fill_all(c, &[("contract_cap", "100000"), ("participant_cap", "5000"), ("period_cap", "")]).await;
        submit(c, "/caps", None).await;
        assert_eq!(path(c).await, format!("{design}/metrics"));
        for (code, name, prerequisites, price) in [
            ("job_start", "Start of paid work", "", "1000"),
            ("employment_13_weeks", "13 weeks in work", "job_start", "3000"),
        ] {
            click(c, Locator::Css(&format!("main a[href^='{design}/metrics/new']"))).await;
            fill_all(
                c,
                &[
                    ("metric_code", code),
                    ("metric_name", name),
                    ("definition", "Paid work of 12 hours a week or more on an employment contract"),
                    ("evidence", "Signed employment contract and payslips"),
                    ("verification_window_days", "30"),
                    ("claim_window_days", "90"),
                    ("repeat", "once"),
                    ("prerequisites", prerequisites),
                    ("price", price),
                ],
            )
            .await;
            submit(c, "/metrics/new", None).await;
            assert_eq!(path(c).await, format!("{design}/metrics"));
            shows(c, &[code]).await;
        }
        submit(c, "/metrics", None).await;
        assert_eq!(path(c).await, format!("{design}/mechanism"));
        fill(c, "mechanism", "rate_card").await;
        submit(c, "/mechanism", None).await;
        assert_eq!(path(c).await, format!("{design}/check"));
        shows(
            c,
            &[
                "Check your answers before creating the contract",
                CONTRACT,
                "Limburg Social Impact Fund",
                "Zuyd Hogeschool",
                "€10,000.00",
                "€100,000.00",
                "€5,000.00",
                "€1,000.00",
                "€3,000.00",
                "employment_13_weeks",
            ],
        )
        .await;
        check_axe(c, "check your answers", &mut problems).await;
        submit(c, "/check", None).await;
        let contract = path(c).await;
        assert!(contract.trim_start_matches("/outcomes/").parse::<i64>().is_ok(), "the contract page: {contract}");
        shows(c, &[CONTRACT, "Draft", "€100,000.00"]).await;

        // ---- it is signed (draft → feasibility → contracted), its waterfall set and the
        // investor's capital drawn; then it runs ----
        for state in ["Feasibility", "Contracted"] {
            submit(c, "/state", None).await;
            assert_eq!(path(c).await, contract);
            shows(c, &[state]).await;
        }
        link(c, "Drawdowns and waterfall").await;
        fill_all(c, &[("return_cap", "1.25"), ("residual_share", "0")]).await;
        submit(c, "/waterfall", None).await;
        shows(c, &["1.25×"]).await;
        fill_all(c, &[("drawn_on", "2025-06-01"), ("amount", "4000")]).await;
        submit(c, "/drawdowns", None).await;
        shows(c, &["Limburg Social Impact Fund", "€4,000.00"]).await;
        open_contract(&t, c).await;
        submit(c, "/state", None).await;
        assert_eq!(path(c).await, contract);
        shows(c, &["Running"]).await;
        check_axe(c, "contract page", &mut problems).await;
        // A running contract's waterfall is fixed: the page shows the terms without the form
        // (which could only fail).
        link(c, "Drawdowns and waterfall").await;
        shows(c, &["1.25×"]).await;
        assert!(c.find(Locator::Css("form[action$='/waterfall']")).await.is_err(), "no waterfall form once running");
        open_contract(&t, c).await;

        // ---- participants, then claims: pasted, previewed, committed ----
        open_contract(&t, c).await;
        link(c, "Participants").await;
        import(c, "participants", PARTICIPANTS_CSV, 4).await;
        shows(c, &["P01", "P04"]).await;
        open_contract(&t, c).await;
        link(c, "Outcome claims").await;
        import(c, "claims", CLAIMS_CSV, 5).await;
        shows(c, &["employment_13_weeks", "Waiting for verification"]).await;
        sign_out(c).await;

        // ---- the evaluator verifies four claims and rejects P04's with a reason ----
        sign_in(&t, c, "reviewer@heerlen.example.org").await;
        open_contract(&t, c).await;
        link(c, "Outcome claims").await;
        check_axe(c, "verification queue", &mut problems).await;
        // Every claim is long past its 30-day window (the app's clock is today): the earliest
        // due, P01's start claimed 2025-07-10 and due by 2025-08-09, is on top and overdue
        // since 10 August 2025.
        let first = c.find(Locator::Css("main tbody tr")).await.expect("a claim").text().await.expect("row");
        assert!(first.starts_with("P01") && first.contains("Overdue since 10 August 2025"), "{first}");
        let reason_field = c
            .find(Locator::XPath("//tr[th[normalize-space()='P04']]//input[@name='reason']"))
            .await
            .expect("P04's reason field");
        reason_field.send_keys(REJECTION).await.expect("type the reason");
        click(c, Locator::XPath("//tr[th[normalize-space()='P04']]//form[input[@value='rejected']]//button")).await;
        for (participant, metric) in
            [("P01", "job_start"), ("P02", "job_start"), ("P03", "job_start"), ("P01", "employment_13_weeks")]
        {
            let row = format!("//tr[th[normalize-space()='{participant}'] and td[1][normalize-space()='{metric}']]");
            click(c, Locator::XPath(&format!("{row}//form[input[@value='verified']]//button"))).await;
        }
        open_contract(&t, c).await;
        link(c, "Outcome claims").await;
        for (participant, metric, want) in [
            ("P01", "job_start", "Verified"),
            ("P02", "job_start", "Verified"),
            ("P03", "job_start", "Verified"),
            ("P04", "job_start", "Rejected"),
            ("P01", "employment_13_weeks", "Verified"),
        ] {
            let row = format!("//tr[th[normalize-space()='{participant}'] and td[1][normalize-space()='{metric}']]");
            let status = c
                .find(Locator::XPath(&format!("{row}/td[4]")))
                .await
                .expect("the claim's row")
                .text()
                .await
                .expect("status");
            assert_eq!(status.trim(), want, "{participant} {metric}");
        }
        shows(c, &[REJECTION]).await;
        sign_out(c).await;

        // ---- the officer prepares the run for 2025-Q4 ----
        sign_in(&t, c, "officer@heerlen.example.org").await;
        open_contract(&t, c).await;
        link(c, "Payment runs").await;
        fill(c, "period", "2025-Q4").await;
        submit(c, "/runs", None).await;
        shows(c, &["The payment run was prepared.", "€6,000.00"]).await;
        sign_out(c).await;

        // ---- the approver approves it, paid on 2026-06-01 ----
        sign_in(&t, c, "approver@heerlen.example.org").await;
        open_contract(&t, c).await;
        link(c, "Payment runs").await;
        link(c, "2025-Q4").await;
        check_axe(c, "payment run", &mut problems).await;
        fill(c, "paid_on", "2026-06-01").await;
        submit(c, "/approve", None).await;
        shows(c, &["Paid", "€6,000.00"]).await;

        // ---- the investors' returns, against the hand calculation above ----
        open_contract(&t, c).await;
        let paid = c
            .find(Locator::XPath("//dt[normalize-space()='Paid']/following-sibling::dd"))
            .await
            .expect("the amount paid")
            .text()
            .await
            .expect("text");
        assert_eq!(paid.trim(), "€6,000.00", "paid: 3 starts × €1,000.00 + 1 × €3,000.00");
        link(c, "Investor figures").await;
        check_axe(c, "investors", &mut problems).await;
        let row = c
            .find(Locator::XPath("//tbody/tr[th[normalize-space()='Limburg Social Impact Fund']]"))
            .await
            .expect("the investor's row");
        let cells: Vec<String> = {
            let mut out = Vec::new();
            for cell in row.find_all(Locator::Css("td")).await.expect("cells") {
                out.push(cell.text().await.expect("cell").trim().to_string());
            }
            out
        };
        // XIRR worked out apart from koinon: two flows 365 days apart on an Actual/365 basis.
        let days = 365.0; // 2025-06-01 → 2026-06-01
        let xirr = (5_000.0f64 / 4_000.0).powf(365.0 / days) - 1.0;
        assert_eq!(format!("{:.2} %", xirr * 100.0), "25.00 %");
        let expected = [
            "€10,000.00",  // committed
            "€4,000.00",   // drawn on 2025-06-01
            "€5,000.00",   // received on 2026-06-01
            "€4,000.00",   // capital back
            "€1,000.00",   // return, capped at 1.25× the capital
            "€0.00",       // residual: 0 % to investors
            "25.00 %",     // XIRR = (5,000 / 4,000)^(365/365) − 1
            "1.25×",       // money multiple
            "€1,000.00",   // net
            "1 June 2026", // payback: the day the distribution arrives
            "€4,000.00",   // maximum loss
        ];
        assert_eq!(cells.len(), expected.len(), "{cells:?}");
        for (i, (got, want)) in cells.iter().zip(expected).enumerate() {
            assert_eq!(got, want, "column {i} of {cells:?}");
        }
        sign_out(c).await;
        assert!(problems.is_empty(), "accessibility violations:\n{}", problems.join("\n"));
    };
    let outcome = tokio::time::timeout(Duration::from_secs(300), walk).await;
    if (outcome.is_err() || std::env::var_os("KOINON_SCREENSHOTS").is_some())
        && let Ok(png) = client.screenshot().await
    {
        let _ = std::fs::write(std::env::temp_dir().join("koinon-done-when.png"), png);
    }
    let _ = client.close().await;
    outcome.expect("the walk finished in time");
}
