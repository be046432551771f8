//! Running an outcomes contract in the browser: the DWP rate card of `examples/outcomes`, with
//! its parties renamed to Heerlen's demo organisations, created from its TOML by the officer,
//! moved to running, seen by the parties and refused to everyone else.

use reqwest::StatusCode;

use crate::harness::{TestApp, hidden_csrf, spawn_app};

const DWP: &str = include_str!("../../../../examples/outcomes/dwp-rate-card.toml");

/// The participants of the app test (crates/koinon-app/tests/outcomes.rs).
const PARTICIPANTS: &str = "participant,cohort,enrolled_on\n\
P001,y2012,2012-05-02\n\
P002,y2012,2012-06-11\n\
P003,y2013,2013-04-15\n";

/// The rate card with Heerlen's provider and investor as its parties.
fn heerlen_contract() -> String {
    DWP.replace("\"Thames Valley Youth Partnership\"", "\"Werkplaats Parkstad\"")
        .replace("\"Social Investment Fund\"", "\"Limburg Social Impact Fund\"")
        .replace("\"Independent evaluator\"", "\"UWV Zuid-Limburg\"")
}

async fn get(t: &TestApp, c: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = c.get(t.url(path)).send().await.expect("get");
    let status = r.status();
    (status, r.text().await.expect("body"))
}

/// POSTs a form with the CSRF token of the dashboard: status, `Location` and body.
async fn post(t: &TestApp, c: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let (_, page) = get(t, c, "/dashboard").await;
    let csrf = hidden_csrf(&page).expect("csrf");
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = c.post(t.url(path)).form(&form).send().await.expect("post");
    let status = r.status();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, location, r.text().await.expect("body"))
}

/// The claims of the app test: lines 2–7, all within the rules.
const CLAIMS: &str = "participant,metric,event_on,claimed_on\n\
P001,nqf_level_2,2012-11-30,2012-12-10\n\
P001,nqf_level_3,2013-06-28,2013-07-05\n\
P001,employment_13_weeks,2013-10-04,2013-10-20\n\
P001,employment_26_weeks,2014-01-03,2014-01-15\n\
P002,employment_13_weeks,2012-11-01,2012-11-05\n\
P003,nqf_level_1,2013-05-01,2013-05-05\n";

/// The verdict forms of a claims page: (claim id, the table row's text).
fn verdict_forms(page: &str) -> Vec<(i64, String)> {
    page.split("<tr>")
        .filter_map(|row| {
            let at = row.find("/verdict\"")?;
            let id = row[..at].rsplit('/').next()?.parse().ok()?;
            Some((id, row.to_string()))
        })
        .collect()
}

/// The officer creates the Heerlen rate card and moves it to running: its id.
async fn running_contract(t: &TestApp, officer: &reqwest::Client) -> i64 {
    let (status, location, _) = post(t, officer, "/outcomes", &[("contract", &heerlen_contract())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id: i64 = location.trim_start_matches("/outcomes/").parse().expect("contract id");
    let (status, _, _) = post(t, officer, &format!("/outcomes/{id}/state"), &[("to", "running")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_contract_pages_create_a_contract_and_move_it_to_running() {
    let t = spawn_app().await;
    let officer = t.signed_in("officer@heerlen.example.org").await;

    // The list links to the calculator and to the new contract form.
    let (status, list) = get(&t, &officer, "/outcomes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("href=\"/outcomes/calculator\"") && list.contains("href=\"/outcomes/new\""), "{list}");
    assert!(list.contains("Parkstad Werkt — employment SIB Heerlen"), "the demo's contract is listed");
    // Sofia has none, and sees none of Heerlen's.
    let sofia = t.signed_in("admin@sofia.example.org").await;
    let (_, none) = get(&t, &sofia, "/outcomes").await;
    assert!(none.contains("There are no outcomes contracts yet.") && !none.contains("Parkstad"), "{none}");
    assert_eq!(get(&t, &officer, "/outcomes/new").await.0, StatusCode::OK);

    // A contract with a mistake comes back with the error naming the key and its line, the
    // summary linking to the field, and the text as typed.
    let bad = heerlen_contract().replace("period = \"quarter\"", "period = \"fortnight\"");
    let (status, _, page) = post(&t, &officer, "/outcomes", &[("contract", &bad)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#contract\""), "summary links to the field");
    assert!(page.contains("period, line 9"), "{page}");
    assert!(page.contains("fortnight"), "the text is kept");
    let (status, _, page) = post(&t, &officer, "/outcomes", &[("contract", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("error-summary"));

    // The right contract is stored as a draft and shown with its parties, cohorts and metrics.
    let (status, location, _) = post(&t, &officer, "/outcomes", &[("contract", &heerlen_contract())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, page) = get(&t, &officer, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("The contract was created as a draft."), "flash");
    assert!(page.contains("Innovation Fund rate card"));
    assert!(page.contains("Draft") && page.contains("Move to feasibility"));
    assert!(page.contains("Werkplaats Parkstad") && page.contains("Outcome payer"));
    assert!(page.contains("y2012") && page.contains("nqf_level_2"));
    assert!(page.contains("£3,300,000.00"), "the contract cap: {page}");
    assert!(!page.contains("/ledger/accounts/"), "no accounts before contracting");

    // Officer moves it on; from contracted on the parties have ledger accounts.
    let id: i64 = location.trim_start_matches("/outcomes/").parse().expect("id");
    let (status, _, _) = post(&t, &officer, &format!("/outcomes/{id}/state"), &[("to", "running")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get(&t, &officer, &location).await;
    assert!(page.contains("Running") && page.contains("Close the contract"), "{page}");
    assert!(page.contains("href=\"/ledger/accounts/"), "account links");
    // Backwards is refused with the error on the page.
    let (status, _, page) = post(&t, &officer, &format!("/outcomes/{id}/state"), &[("to", "draft")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#to\""), "{page}");

    let (_, list) = get(&t, &officer, "/outcomes").await;
    assert!(list.contains(&format!("href=\"/outcomes/{id}\"")));

    // The parties see it; a provider may not move it; a shop sees nothing; Sofia finds nothing.
    let provider = t.signed_in("provider@heerlen.example.org").await;
    let (status, page) = get(&t, &provider, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("Close the contract"), "no button for the provider");
    assert_eq!(
        post(&t, &provider, &format!("/outcomes/{id}/state"), &[("to", "closed")]).await.0,
        StatusCode::FORBIDDEN
    );
    let investor = t.signed_in("investor@heerlen.example.org").await;
    assert_eq!(get(&t, &investor, &location).await.0, StatusCode::OK);
    let merchant = t.signed_in("merchant@heerlen.example.org").await;
    // (The app does not tell those who may not see a contract that it exists.)
    assert_eq!(get(&t, &merchant, &location).await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&t, &merchant, "/outcomes").await.0, StatusCode::FORBIDDEN);
    let sofia = t.signed_in("admin@sofia.example.org").await;
    assert_eq!(get(&t, &sofia, &location).await.0, StatusCode::NOT_FOUND);
    assert_eq!(post(&t, &sofia, &format!("/outcomes/{id}/state"), &[("to", "closed")]).await.0, StatusCode::NOT_FOUND);
    let (_, list) = get(&t, &sofia, "/outcomes").await;
    assert!(!list.contains(&format!("href=\"/outcomes/{id}\"")));

    // Every page answers in each complete language.
    for lang in ["bg", "el", "et"] {
        let (status, page) = get(&t, &officer, &format!("{location}?lang={lang}")).await;
        assert_eq!(status, StatusCode::OK, "{lang}");
        assert!(!page.contains("outcome-"), "{lang}: every key translated");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_contract_pages_import_participants_with_a_preview() {
    let t = spawn_app().await;
    let officer = t.signed_in("officer@heerlen.example.org").await;
    let id = running_contract(&t, &officer).await;
    let provider = t.signed_in("provider@heerlen.example.org").await;
    let path = format!("/outcomes/{id}/participants");
    let (status, page) = get(&t, &provider, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("No participants are enrolled yet.") && page.contains("Check the file"));

    // A file with a bad row: the preview lists every row, the refused one with its line and
    // reason, offers no import, and writes nothing.
    let bad = format!("{PARTICIPANTS}P004,y2099,2013-05-01\n");
    let (status, _, page) = post(&t, &provider, &format!("{path}/preview"), &[("csv", &bad)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#line-5\"") && page.contains("id=\"line-5\""), "{page}");
    assert!(page.contains("Line 5: The cohort is not in the contract"), "the reason: {page}");
    assert_eq!(page.matches("<td>Accepted</td>").count(), 3, "{page}");
    assert!(!page.contains("Import these rows"));
    let (_, list) = get(&t, &provider, &path).await;
    assert!(list.contains("No participants are enrolled yet."), "the preview wrote nothing");
    // Committing it anyway is refused as a whole, with the line.
    let (status, _, page) = post(&t, &provider, &path, &[("csv", &bad)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("line 5"), "{page}");
    assert!(get(&t, &provider, &path).await.1.contains("No participants are enrolled yet."));

    // The right file: the preview offers the import with the same file; importing it lists them.
    let (status, _, page) = post(&t, &provider, &format!("{path}/preview"), &[("csv", PARTICIPANTS)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Import these rows") && page.contains("type=\"hidden\" name=\"csv\""), "{page}");
    assert!(get(&t, &provider, &path).await.1.contains("No participants are enrolled yet."));
    let (status, location, _) = post(&t, &provider, &path, &[("csv", PARTICIPANTS)]).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, path.as_str()));
    let (_, list) = get(&t, &provider, &path).await;
    assert!(list.contains("The participants were imported.") && list.contains("P003"), "{list}");
    // Importing the same file again changes nothing: every row is already there.
    let (_, _, page) = post(&t, &provider, &format!("{path}/preview"), &[("csv", PARTICIPANTS)]).await;
    assert_eq!(page.matches("<td>Already imported</td>").count(), 3, "{page}");
    // The contract page counts them against the cohorts' targets.
    let (_, page) = get(&t, &officer, &format!("/outcomes/{id}")).await;
    assert!(page.contains(">2</td>") && page.contains(">1</td>"), "{page}");

    // Investors do not see participants; a shop, nothing; only providers and officers import.
    let investor = t.signed_in("investor@heerlen.example.org").await;
    assert_eq!(get(&t, &investor, &path).await.0, StatusCode::FORBIDDEN);
    let approver = t.signed_in("approver@heerlen.example.org").await;
    assert_eq!(get(&t, &approver, &path).await.0, StatusCode::OK);
    assert_eq!(
        post(&t, &approver, &format!("{path}/preview"), &[("csv", PARTICIPANTS)]).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(post(&t, &approver, &path, &[("csv", PARTICIPANTS)]).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_contract_pages_import_claims_and_verify_them() {
    let t = spawn_app().await;
    let officer = t.signed_in("officer@heerlen.example.org").await;
    let id = running_contract(&t, &officer).await;
    let provider = t.signed_in("provider@heerlen.example.org").await;
    let (status, _, _) = post(&t, &provider, &format!("/outcomes/{id}/participants"), &[("csv", PARTICIPANTS)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let path = format!("/outcomes/{id}/claims");

    // A claim for someone not enrolled is refused with its line; nothing is written.
    let bad = format!("{CLAIMS}P009,nqf_level_1,2013-05-01,2013-05-05\n");
    let (status, _, page) = post(&t, &provider, &format!("{path}/preview"), &[("csv", &bad)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#line-8\"") && page.contains("id=\"line-8\""), "{page}");
    assert_eq!(page.matches("<td>Accepted</td>").count(), 6, "{page}");
    assert!(!page.contains("Import these rows"));
    assert!(get(&t, &provider, &path).await.1.contains("There are no claims here."));
    let (status, _, _) = post(&t, &provider, &path, &[("csv", &bad)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(get(&t, &provider, &path).await.1.contains("There are no claims here."));

    let (status, _, page) = post(&t, &provider, &format!("{path}/preview"), &[("csv", CLAIMS)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Import these rows"));
    let (status, location, _) = post(&t, &provider, &path, &[("csv", CLAIMS)]).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, path.as_str()));
    let (_, page) = get(&t, &provider, &path).await;
    assert!(page.contains("The claims were imported."));
    assert_eq!(page.matches("Waiting for verification</span>").count(), 6, "{page}");
    assert!(verdict_forms(&page).is_empty(), "a provider does not verify");

    // The reviewer's queue: verify five, reject P002's with a reason (required).
    let reviewer = t.signed_in("reviewer@heerlen.example.org").await;
    let (status, queue) = get(&t, &reviewer, &format!("{path}?status=submitted")).await;
    assert_eq!(status, StatusCode::OK);
    let forms = verdict_forms(&queue);
    assert_eq!(forms.len(), 6, "{queue}");
    let (p002, _) = forms.iter().find(|(_, row)| row.contains("P002")).expect("P002").clone();
    let verdict_path = format!("{path}/{p002}/verdict");
    let (status, _, page) = post(&t, &reviewer, &verdict_path, &[("verdict", "rejected"), ("reason", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(&format!("href=\"#reason-{p002}\"")), "{page}");
    let (status, location, _) =
        post(&t, &reviewer, &verdict_path, &[("verdict", "rejected"), ("reason", "No payslips")]).await;
    assert_eq!((status, location), (StatusCode::SEE_OTHER, format!("{path}?status=submitted")));
    for (claim, _) in forms.iter().filter(|(c, _)| *c != p002) {
        let (status, _, _) = post(&t, &reviewer, &format!("{path}/{claim}/verdict"), &[("verdict", "verified")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    let (_, queue) = get(&t, &reviewer, &format!("{path}?status=submitted")).await;
    assert!(queue.contains("There are no claims here."), "the queue is empty");
    let (_, rejected) = get(&t, &officer, &format!("{path}?status=rejected")).await;
    assert!(rejected.contains("No payslips") && rejected.contains("P002"));
    let (_, page) = get(&t, &officer, &format!("/outcomes/{id}")).await;
    assert!(
        page.contains("Claims verified</dt><dd>5</dd>") && page.contains("Claims rejected</dt><dd>1</dd>"),
        "{page}"
    );

    // The officer may not verify; the provider may not.
    assert_eq!(post(&t, &officer, &verdict_path, &[("verdict", "verified")]).await.0, StatusCode::FORBIDDEN);
    assert_eq!(post(&t, &provider, &verdict_path, &[("verdict", "verified")]).await.0, StatusCode::FORBIDDEN);
}

/// A running contract with the app test's participants and claims, all verified but P002's.
async fn contract_with_verified_claims(t: &TestApp, officer: &reqwest::Client) -> i64 {
    let id = running_contract(t, officer).await;
    let provider = t.signed_in("provider@heerlen.example.org").await;
    for (what, csv) in [("participants", PARTICIPANTS), ("claims", CLAIMS)] {
        let (status, _, _) = post(t, &provider, &format!("/outcomes/{id}/{what}"), &[("csv", csv)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{what}");
    }
    let reviewer = t.signed_in("reviewer@heerlen.example.org").await;
    let (_, queue) = get(t, &reviewer, &format!("/outcomes/{id}/claims?status=submitted")).await;
    for (claim, row) in verdict_forms(&queue) {
        let form: &[(&str, &str)] = if row.contains("P002") {
            &[("verdict", "rejected"), ("reason", "No payslips")]
        } else {
            &[("verdict", "verified")]
        };
        let (status, _, _) = post(t, &reviewer, &format!("/outcomes/{id}/claims/{claim}/verdict"), form).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_contract_pages_prepare_and_approve_payment_runs() {
    let t = spawn_app().await;
    let officer = t.signed_in("officer@heerlen.example.org").await;
    let id = contract_with_verified_claims(&t, &officer).await;
    let runs = format!("/outcomes/{id}/runs");
    let (status, page) = get(&t, &officer, &runs).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("No payment run has been prepared yet.") && page.contains("Prepare the run"));

    // A period that is not one is refused on its field.
    let (status, _, page) = post(&t, &officer, &runs, &[("period", "2013-13")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#period\""), "{page}");

    // Run 1, up to 2013-06-30: NQF 2 (2,200) + NQF 3 (3,300) + NQF 1 (700) = 6,200.
    let (status, location, _) = post(&t, &officer, &runs, &[("period", "2013-Q2")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with(&format!("{runs}/")), "{location}");
    let (_, page) = get(&t, &officer, &location).await;
    assert!(page.contains("The payment run was prepared."));
    assert!(page.contains("Due now</dt><dd><strong>£6,200.00</strong>"), "{page}");
    assert!(page.contains("Claims paid for</dt><dd>3</dd>"), "{page}");
    assert!(!page.contains("Approve and pay"), "the officer is offered no approval");
    // The officer who prepared it may not approve it.
    let (status, _, _) = post(&t, &officer, &format!("{location}/approve"), &[("paid_on", "2013-07-15")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The approver: a missing date is named; then approved, paid, transfers listed.
    let approver = t.signed_in("approver@heerlen.example.org").await;
    let (_, page) = get(&t, &approver, &location).await;
    assert!(page.contains("Approve and pay") && page.contains("Send back"));
    let (status, _, page) = post(&t, &approver, &format!("{location}/approve"), &[("paid_on", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#paid_on\""), "{page}");
    let (status, _, _) = post(&t, &approver, &format!("{location}/approve"), &[("paid_on", "2013-07-15")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get(&t, &officer, &location).await;
    assert!(page.contains("Paid</span>") && page.contains("Approved by</dt>"), "{page}");
    assert!(page.contains("Ledger transfers") && page.contains("href=\"/ledger/accounts/"), "{page}");
    assert!(page.contains("£6,200.00"));

    // Run 2, up to 2014-03-31: + 13 weeks (2,600) + 26 weeks (1,000) = 9,800, 3,600 due. The
    // approver first sends one back with a reason (required).
    let (_, location, _) = post(&t, &officer, &runs, &[("period", "2014-Q1")]).await;
    let (status, _, page) = post(&t, &approver, &format!("{location}/reject"), &[("reason", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#reason\""), "{page}");
    let (status, _, _) = post(&t, &approver, &format!("{location}/reject"), &[("reason", "Wait for Q1")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(get(&t, &officer, &location).await.1.contains("Wait for Q1"));
    let (_, location, _) = post(&t, &officer, &runs, &[("period", "2014-Q1")]).await;
    let (_, page) = get(&t, &officer, &location).await;
    assert!(page.contains("Due since the start</dt><dd>£9,800.00"), "{page}");
    assert!(page.contains("Paid before</dt><dd>£6,200.00") && page.contains("<strong>£3,600.00</strong>"), "{page}");
    let (status, _, _) = post(&t, &approver, &format!("{location}/approve"), &[("paid_on", "2014-04-15")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The contract's figures: paid against the cap.
    let (_, page) = get(&t, &officer, &format!("/outcomes/{id}")).await;
    assert!(
        page.contains("Paid</dt><dd>£9,800.00</dd>") && page.contains("Paid up to period</dt><dd>2014-Q1"),
        "{page}"
    );
    let (_, list) = get(&t, &officer, &runs).await;
    assert_eq!(list.matches("Sent back</span>").count(), 1, "{list}");

    // A provider may not prepare; a reviewer may not approve.
    let provider = t.signed_in("provider@heerlen.example.org").await;
    assert_eq!(post(&t, &provider, &runs, &[("period", "2014-Q2")]).await.0, StatusCode::FORBIDDEN);
    let reviewer = t.signed_in("reviewer@heerlen.example.org").await;
    assert_eq!(
        post(&t, &reviewer, &format!("{location}/approve"), &[("paid_on", "2014-04-15")]).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_contract_pages_show_investor_figures_of_the_app_test() {
    let t = spawn_app().await;
    let system = koinon_app::Actor::System("test");
    let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen").id;
    let officer = t.signed_in("officer@heerlen.example.org").await;
    let (_, location, _) = post(&t, &officer, "/outcomes", &[("contract", &heerlen_contract())]).await;
    let id: i64 = location.trim_start_matches("/outcomes/").parse().expect("id");
    // Not pages yet: capped return (1.1×) and the £8,000 drawdown, through the app.
    t.app.set_waterfall_terms(&system, heerlen, id, Some(11_000), 0).await.expect("waterfall");
    let (status, _, _) = post(&t, &officer, &format!("/outcomes/{id}/state"), &[("to", "running")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let c = t.app.contract(&system, heerlen, id).await.expect("contract");
    let investor_party = c.parties.iter().find(|p| p.role == "investor").expect("investor").id;
    let drawdown = koinon_app::outcomes::DrawdownInput {
        party_id: investor_party,
        amount_minor: 800_000,
        drawn_on: "2012-04-02".into(),
        request_id: "dd-1".into(),
    };
    t.app.record_drawdown(&system, heerlen, id, &drawdown).await.expect("drawdown");
    let provider = t.signed_in("provider@heerlen.example.org").await;
    for (what, csv) in [("participants", PARTICIPANTS), ("claims", CLAIMS)] {
        assert_eq!(
            post(&t, &provider, &format!("/outcomes/{id}/{what}"), &[("csv", csv)]).await.0,
            StatusCode::SEE_OTHER
        );
    }
    let reviewer = t.signed_in("reviewer@heerlen.example.org").await;
    let (_, queue) = get(&t, &reviewer, &format!("/outcomes/{id}/claims?status=submitted")).await;
    for (claim, row) in verdict_forms(&queue) {
        let form: &[(&str, &str)] = if row.contains("P002") {
            &[("verdict", "rejected"), ("reason", "No payslips")]
        } else {
            &[("verdict", "verified")]
        };
        post(&t, &reviewer, &format!("/outcomes/{id}/claims/{claim}/verdict"), form).await;
    }
    let approver = t.signed_in("approver@heerlen.example.org").await;
    for (period, paid_on) in [("2013-Q2", "2013-07-15"), ("2014-Q1", "2014-04-15")] {
        let (_, run, _) = post(&t, &officer, &format!("/outcomes/{id}/runs"), &[("period", period)]).await;
        let (status, _, _) = post(&t, &approver, &format!("{run}/approve"), &[("paid_on", paid_on)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{period}");
    }
    // The second run: £1,800 capital back, £800 return, £1,000 to the provider.
    let (_, list) = get(&t, &officer, &format!("/outcomes/{id}/runs")).await;
    assert_eq!(list.matches("Paid</span>").count(), 2, "{list}");

    // As the app test: 8,000 in, 8,800 back; XIRR 6.5x %, 1.10×, net 800, paid back 2014-04-15.
    let investor = t.signed_in("investor@heerlen.example.org").await;
    let (status, page) = get(&t, &investor, &format!("/outcomes/{id}/investors")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Limburg Social Impact Fund"), "{page}");
    assert!(page.contains("£8,000.00") && page.contains("£8,800.00") && page.contains("£800.00"), "{page}");
    assert!(page.contains(">6.5") && page.contains(" %<"), "XIRR as a percentage: {page}");
    assert!(page.contains("1.10×"), "{page}");
    assert!(page.contains("15 April 2014"), "payback date: {page}");
    // Providers do not see investor figures.
    assert_eq!(get(&t, &provider, &format!("/outcomes/{id}/investors")).await.0, StatusCode::FORBIDDEN);
}
