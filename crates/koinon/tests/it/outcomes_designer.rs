//! The contract designer in the browser: Heerlen's officer designs a contract of each of the
//! four mechanisms step by step, checks the answers, creates it, signs it (draft → running) and
//! prepares a payment run on it; each step names its errors; Change links return to check your
//! answers; another municipality's officer gets "not found".

use reqwest::StatusCode;

use crate::harness::{TestApp, hidden_csrf, spawn_app};

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

/// POSTs and expects a redirect to `to`.
async fn step(t: &TestApp, c: &reqwest::Client, path: &str, fields: &[(&str, &str)], to: &str) {
    let (status, location, body) = post(t, c, path, fields).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, to), "{path}: {body}");
}

/// Starts a design: its path (`/outcomes/designs/{id}`).
async fn start(t: &TestApp, c: &reqwest::Client) -> String {
    let (status, location, _) = post(t, c, "/outcomes/designs", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("/basics"), "{location}");
    location.trim_end_matches("/basics").to_string()
}

/// Answers basics, parties, cohorts and caps of a Heerlen employment contract.
async fn common_steps(t: &TestApp, c: &reqwest::Client, d: &str, name: &str) {
    step(
        t,
        c,
        &format!("{d}/basics"),
        &[
            ("name", name),
            ("policy_area", "employment"),
            ("currency", "eur"),
            ("start_on", "2025-01-01"),
            ("end_on", "2027-12-31"),
            ("period", "quarter"),
        ],
        &format!("{d}/parties"),
    )
    .await;
    for (party, role, commitment) in [
        ("Gemeente Heerlen", "outcome_payer", ""),
        ("Werkplaats Parkstad", "provider", ""),
        ("Limburg Social Impact Fund", "investor", "250000"),
        ("UWV Zuid-Limburg", "evaluator", ""),
    ] {
        step(
            t,
            c,
            &format!("{d}/parties"),
            &[("op", "add"), ("party_name", party), ("role", role), ("commitment", commitment)],
            &format!("{d}/parties"),
        )
        .await;
    }
    step(t, c, &format!("{d}/parties"), &[("op", "continue")], &format!("{d}/cohorts")).await;
    step(
        t,
        c,
        &format!("{d}/cohorts"),
        &[
            ("op", "add"),
            ("cohort_code", "c2025"),
            ("cohort_name", "Cohort 2025"),
            ("target_size", "120"),
            ("cohort_start_on", "2025-01-01"),
            ("cohort_end_on", "2025-06-30"),
        ],
        &format!("{d}/cohorts"),
    )
    .await;
    step(t, c, &format!("{d}/cohorts"), &[("op", "continue")], &format!("{d}/caps")).await;
    step(
        t,
        c,
        &format!("{d}/caps"),
        &[("contract_cap", "500000"), ("participant_cap", "4000.5"), ("period_cap", "")],
        &format!("{d}/metrics"),
    )
    .await;
}

/// Adds a metric through its own page.
async fn add_metric(t: &TestApp, c: &reqwest::Client, d: &str, code: &str, prerequisites: &str, price: &str) {
    step(
        t,
        c,
        &format!("{d}/metrics/new"),
        &[
            ("metric_code", code),
            ("metric_name", &format!("Outcome {code}")),
            ("definition", "In paid work for the weeks the code says"),
            ("evidence", "Payslips"),
            ("verification_window_days", "30"),
            ("claim_window_days", "90"),
            ("repeat", "once"),
            ("prerequisites", prerequisites),
            ("price", price),
        ],
        &format!("{d}/metrics"),
    )
    .await;
}

/// Creates the contract from check your answers: its id.
async fn create(t: &TestApp, c: &reqwest::Client, d: &str) -> i64 {
    let (status, page) = get(t, c, &format!("{d}/check")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Check your answers before creating the contract"), "{page}");
    let (status, location, body) = post(t, c, &format!("{d}/check"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let id: i64 = location.trim_start_matches("/outcomes/").parse().expect("contract id");
    // The design has done its work and is gone.
    assert_eq!(get(t, c, d).await.0, StatusCode::NOT_FOUND);
    id
}

/// Signs the contract (draft → feasibility → contracted → running) on its page.
async fn sign_and_run(t: &TestApp, c: &reqwest::Client, id: i64) {
    for to in ["feasibility", "contracted", "running"] {
        step(t, c, &format!("/outcomes/{id}/state"), &[("to", to)], &format!("/outcomes/{id}")).await;
    }
    let (_, page) = get(t, c, &format!("/outcomes/{id}")).await;
    assert!(page.contains("Running"), "{page}");
}

/// Participants and claims imported by the provider, verified by the evaluator.
async fn verified_claims(t: &TestApp, id: i64, claims: &str) {
    let provider = t.signed_in("provider@heerlen.example.org").await;
    let participants = "participant,cohort,enrolled_on\nP001,c2025,2025-01-15\nP002,c2025,2025-02-01\n";
    for (what, csv) in [("participants", participants), ("claims", claims)] {
        let (status, _, body) = post(t, &provider, &format!("/outcomes/{id}/{what}"), &[("csv", csv)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{what}: {body}");
    }
    let reviewer = t.signed_in("reviewer@heerlen.example.org").await;
    let (_, queue) = get(t, &reviewer, &format!("/outcomes/{id}/claims?status=submitted")).await;
    let ids: Vec<i64> = queue
        .split("<tr>")
        .filter_map(|row| {
            let at = row.find("/verdict\"")?;
            row[..at].rsplit('/').next()?.parse().ok()
        })
        .collect();
    assert!(!ids.is_empty(), "{queue}");
    for claim in ids {
        let (status, _, _) =
            post(t, &reviewer, &format!("/outcomes/{id}/claims/{claim}/verdict"), &[("verdict", "verified")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
}

/// Prepares a payment run for `period`: the run page.
async fn run(t: &TestApp, c: &reqwest::Client, id: i64, period: &str) -> String {
    let (status, location, body) = post(t, c, &format!("/outcomes/{id}/runs"), &[("period", period)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (status, page) = get(t, c, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("The payment run was prepared."), "{page}");
    page
}

const CLAIMS: &str = "participant,metric,event_on,claimed_on\n\
P001,start,2025-02-01,2025-02-10\n\
P001,job_13w,2025-05-01,2025-05-10\n\
P002,start,2025-03-01,2025-03-05\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_designer_rate_card_from_scratch_to_a_payment_run() {
    let t = spawn_app().await;
    let officer = t.signed_in("officer@heerlen.example.org").await;
    // Both /outcomes and /outcomes/new lead to the designer; the TOML form is still there.
    let (_, list) = get(&t, &officer, "/outcomes").await;
    assert!(list.contains("Design a contract step by step"), "{list}");
    let (_, new) = get(&t, &officer, "/outcomes/new").await;
    assert!(new.contains("Start designing a contract") && new.contains("I have a contract file"), "{new}");
    assert!(new.contains("name=\"contract\""), "the paste form stays");

    let d = start(&t, &officer).await;
    // The design is listed on /outcomes/new, to continue or delete.
    let (_, new) = get(&t, &officer, "/outcomes/new").await;
    assert!(new.contains(&format!("href=\"{d}\"")) && new.contains("Untitled contract"), "{new}");
    common_steps(&t, &officer, &d, "Heerlen rate card").await;
    add_metric(&t, &officer, &d, "start", "", "1300").await;
    add_metric(&t, &officer, &d, "job_13w", "start", "2600.00").await;
    step(&t, &officer, &format!("{d}/metrics"), &[], &format!("{d}/mechanism")).await;
    step(&t, &officer, &format!("{d}/mechanism"), &[("mechanism", "rate_card")], &format!("{d}/check")).await;
    let (_, check) = get(&t, &officer, &format!("{d}/check")).await;
    for text in ["Heerlen rate card", "Werkplaats Parkstad", "€250,000.00", "€500,000.00", "€4,000.50", "job_13w"]
    {
        assert!(check.contains(text), "{text}: {check}");
    }
    let id = create(&t, &officer, &d).await;

    let (_, page) = get(&t, &officer, &format!("/outcomes/{id}")).await;
    for text in ["Heerlen rate card", "Draft", "€500,000.00", "€1,300.00", "€2,600.00", "€250,000.00"] {
        assert!(page.contains(text), "{text}: {page}");
    }
    // The caps as the app holds them (the page shows only the contract cap).
    let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
    let c = t.app.contract(&koinon_app::Actor::System("test"), heerlen.id, id).await.expect("contract");
    assert_eq!((c.contract_cap_minor, c.participant_cap_minor, c.period_cap_minor), (50_000_000, Some(400_050), None));
    assert_eq!((c.mechanism.as_str(), c.currency.as_str(), c.period.as_str()), ("rate_card", "EUR", "quarter"));
    sign_and_run(&t, &officer, id).await;
    verified_claims(&t, id, CLAIMS).await;
    // Up to 2025-06-30: start (1,300) twice + 13 weeks (2,600) = 5,200.
    let page = run(&t, &officer, id, "2025-Q2").await;
    assert!(page.contains("Due now</dt><dd><strong>€5,200.00</strong>"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_designer_comparison_threshold_savings_share_and_fixed_targets() {
    let t = spawn_app().await;
    let officer = t.signed_in("officer@heerlen.example.org").await;

    // Threshold against a comparison group (Peterborough): no metric prices.
    let d = start(&t, &officer).await;
    common_steps(&t, &officer, &d, "Heerlen threshold").await;
    add_metric(&t, &officer, &d, "reoffending", "", "").await;
    step(&t, &officer, &format!("{d}/metrics"), &[], &format!("{d}/mechanism")).await;
    step(
        &t,
        &officer,
        &format!("{d}/mechanism"),
        &[("mechanism", "comparison_threshold")],
        &format!("{d}/mechanism-details"),
    )
    .await;
    step(
        &t,
        &officer,
        &format!("{d}/mechanism-details"),
        &[
            ("op", "save"),
            ("comparison_metric", "reoffending"),
            ("cohort_threshold", "10"),
            ("overall_threshold", "7.5"),
            ("price_per_event_avoided", "1500"),
        ],
        &format!("{d}/check"),
    )
    .await;
    let (_, check) = get(&t, &officer, &format!("{d}/check")).await;
    assert!(check.contains("7.5 %") && check.contains("€1,500.00"), "{check}");
    let id = create(&t, &officer, &d).await;
    let (_, page) = get(&t, &officer, &format!("/outcomes/{id}")).await;
    assert!(page.contains("Threshold against a comparison group") && page.contains("€500,000.00"), "{page}");
    sign_and_run(&t, &officer, id).await;
    run(&t, &officer, id, "2025-Q2").await;

    // Share of public savings (Koto-SIB): a fixed fee per completed outcome plus 50%.
    let d = start(&t, &officer).await;
    common_steps(&t, &officer, &d, "Heerlen savings share").await;
    add_metric(&t, &officer, &d, "start", "", "1500").await;
    add_metric(&t, &officer, &d, "job_13w", "", "").await;
    step(&t, &officer, &format!("{d}/metrics"), &[], &format!("{d}/mechanism")).await;
    step(&t, &officer, &format!("{d}/mechanism"), &[("mechanism", "savings_share")], &format!("{d}/mechanism-details"))
        .await;
    step(&t, &officer, &format!("{d}/mechanism-details"), &[("op", "save"), ("share", "50")], &format!("{d}/check"))
        .await;
    let id = create(&t, &officer, &d).await;
    let (_, page) = get(&t, &officer, &format!("/outcomes/{id}")).await;
    assert!(page.contains("Share of public savings") && page.contains("€1,500.00"), "{page}");
    sign_and_run(&t, &officer, id).await;
    verified_claims(&t, id, CLAIMS).await;
    // Two starts at the fixed fee of 1,500 each; no savings results yet.
    let page = run(&t, &officer, id, "2025-Q2").await;
    assert!(page.contains("Due now</dt><dd><strong>€3,000.00</strong>"), "{page}");

    // Fixed targets (Faz-te Forward): a target per metric, paid per cohort.
    let d = start(&t, &officer).await;
    common_steps(&t, &officer, &d, "Heerlen fixed targets").await;
    add_metric(&t, &officer, &d, "job", "", "").await;
    step(&t, &officer, &format!("{d}/metrics"), &[], &format!("{d}/mechanism")).await;
    step(&t, &officer, &format!("{d}/mechanism"), &[("mechanism", "fixed_targets")], &format!("{d}/mechanism-details"))
        .await;
    // Continue without a target is refused.
    let (status, _, page) = post(&t, &officer, &format!("{d}/mechanism-details"), &[("op", "continue")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Add at least one target") && page.contains("href=\"#target_code\""), "{page}");
    step(
        &t,
        &officer,
        &format!("{d}/mechanism-details"),
        &[
            ("op", "add"),
            ("target_code", "work_40"),
            ("target_name", "40% in work"),
            ("target_metric", "job"),
            ("target_threshold", "40"),
            ("target_payment", "50000"),
        ],
        &format!("{d}/mechanism-details"),
    )
    .await;
    step(&t, &officer, &format!("{d}/mechanism-details"), &[("op", "continue")], &format!("{d}/check")).await;
    let id = create(&t, &officer, &d).await;
    let (_, page) = get(&t, &officer, &format!("/outcomes/{id}")).await;
    assert!(page.contains("Fixed targets") && page.contains("€500,000.00"), "{page}");
    sign_and_run(&t, &officer, id).await;
    run(&t, &officer, id, "2025-Q2").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_designer_names_each_steps_errors_and_changes_nothing() {
    let t = spawn_app().await;
    let officer = t.signed_in("officer@heerlen.example.org").await;
    let d = start(&t, &officer).await;

    // Basics: every field named, linked from the summary.
    let (status, _, page) = post(
        &t,
        &officer,
        &format!("{d}/basics"),
        &[("name", ""), ("currency", "XXX"), ("start_on", "2025-02-30"), ("end_on", ""), ("period", "week")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in [
        "href=\"#name\"",
        "Enter the contract",
        "href=\"#policy_area\"",
        "href=\"#currency\"",
        "href=\"#start_on\"",
        "Enter a real date like 2024-01-31",
        "Enter the end date",
        "href=\"#period\"",
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }
    let (status, _, page) = post(
        &t,
        &officer,
        &format!("{d}/basics"),
        &[
            ("name", "Dates"),
            ("policy_area", "ageing"),
            ("currency", "EUR"),
            ("start_on", "2025-01-01"),
            ("end_on", "2024-01-01"),
            ("period", "year"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("End date must be after the start date"), "{page}");
    // A refused step changed nothing: the basics are still unanswered.
    let (_, check) = get(&t, &officer, &format!("{d}/check")).await;
    assert!(!check.contains("Dates") && check.contains("Not answered yet."), "{check}");

    common_steps(&t, &officer, &d, "Errors").await;
    // Parties: a commitment for a non-investor, a second evaluator.
    let (status, _, page) = post(
        &t,
        &officer,
        &format!("{d}/parties"),
        &[("op", "add"), ("party_name", "Other evaluator"), ("role", "evaluator"), ("commitment", "10")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("only investors commit capital") && page.contains("it can have only one"), "{page}");
    // Cohorts: a code used twice, enrolment outside the contract's dates, a size of zero.
    let (status, _, page) = post(
        &t,
        &officer,
        &format!("{d}/cohorts"),
        &[
            ("op", "add"),
            ("cohort_code", "c2025"),
            ("cohort_name", "Late"),
            ("target_size", "0"),
            ("cohort_start_on", "2027-06-01"),
            ("cohort_end_on", "2028-06-30"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in ["This code is already used", "must lie within the contract", "href=\"#target_size\""] {
        assert!(page.contains(text), "{text}: {page}");
    }
    // Caps: a missing contract cap; a participant cap above it.
    let (status, _, page) =
        post(&t, &officer, &format!("{d}/caps"), &[("contract_cap", ""), ("participant_cap", "12.345")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Enter a contract cap") && page.contains("href=\"#participant_cap\""), "{page}");
    let (status, _, page) =
        post(&t, &officer, &format!("{d}/caps"), &[("contract_cap", "100"), ("participant_cap", "200")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("must not be more than the contract cap"), "{page}");
    // Metrics: continuing with none, an unknown prerequisite, a bad window.
    let (status, _, page) = post(&t, &officer, &format!("{d}/metrics"), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Add at least one outcome metric"), "{page}");
    let (status, _, page) = post(
        &t,
        &officer,
        &format!("{d}/metrics/new"),
        &[("metric_code", "Job!"), ("prerequisites", "nothing"), ("verification_window_days", "0")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in
        ["metric_code", "metric_name", "definition", "evidence", "verification_window_days", "claim_window_days"]
    {
        assert!(page.contains(&format!("href=\"#{field}\"")), "{field}: {page}");
    }
    // A rate card without prices: check your answers sends the officer to the metric.
    add_metric(&t, &officer, &d, "job", "", "").await;
    step(&t, &officer, &format!("{d}/mechanism"), &[("mechanism", "rate_card")], &format!("{d}/check")).await;
    let (status, _, page) = post(&t, &officer, &format!("{d}/check"), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(&format!("href=\"{d}/metrics/0?change=1\"")), "{page}");
    assert!(page.contains("Every metric of a rate card needs a price"), "{page}");
    // The threshold's figures: percentages above 100 and a missing price.
    step(
        &t,
        &officer,
        &format!("{d}/mechanism"),
        &[("mechanism", "comparison_threshold")],
        &format!("{d}/mechanism-details"),
    )
    .await;
    let (status, _, page) = post(
        &t,
        &officer,
        &format!("{d}/mechanism-details"),
        &[("op", "save"), ("comparison_metric", "job"), ("cohort_threshold", "150"), ("overall_threshold", "7,5")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in ["href=\"#cohort_threshold\"", "href=\"#overall_threshold\"", "Enter the price per event avoided"] {
        assert!(page.contains(text), "{text}: {page}");
    }
    // Mechanism: none chosen.
    let (status, _, page) = post(&t, &officer, &format!("{d}/mechanism"), &[("mechanism", "lottery")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Select the payment mechanism") && page.contains("href=\"#mechanism\""), "{page}");

    // Bad ids and bodies: never a 500.
    for path in [format!("{d}/metrics/99"), format!("{d}/nope"), "/outcomes/designs/abc/basics".to_string()] {
        assert_eq!(get(&t, &officer, &path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = post(&t, &officer, &format!("{d}/parties/7/remove"), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let long = "x".repeat(5000);
    let (status, _, _) = post(&t, &officer, &format!("{d}/metrics/new"), &[("definition", &long)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // No CSRF token: refused.
    let r = officer.post(t.url(&format!("{d}/caps"))).form(&[("contract_cap", "1")]).send().await.expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Deleting the design removes it from /outcomes/new.
    step(&t, &officer, &format!("{d}/delete"), &[], "/outcomes/new").await;
    assert_eq!(get(&t, &officer, &format!("{d}/basics")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_designer_change_links_return_to_check_your_answers() {
    let t = spawn_app().await;
    let officer = t.signed_in("officer@heerlen.example.org").await;
    let d = start(&t, &officer).await;
    common_steps(&t, &officer, &d, "Before the change").await;
    add_metric(&t, &officer, &d, "job", "", "900").await;
    step(&t, &officer, &format!("{d}/mechanism"), &[("mechanism", "rate_card")], &format!("{d}/check")).await;
    let (_, check) = get(&t, &officer, &format!("{d}/check")).await;
    let change = format!("href=\"{d}/basics?change=1\"");
    assert!(check.contains(&change), "{check}");

    // The Change link opens the step with the answers, Back goes to check your answers, and
    // saving returns there.
    let (status, page) = get(&t, &officer, &format!("{d}/basics?change=1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"Before the change\"") && page.contains(&format!("href=\"{d}/check\"")), "{page}");
    assert!(page.contains("name=\"change\" value=\"1\""), "{page}");
    step(
        &t,
        &officer,
        &format!("{d}/basics"),
        &[
            ("change", "1"),
            ("name", "After the change"),
            ("policy_area", "employment"),
            ("currency", "EUR"),
            ("start_on", "2025-01-01"),
            ("end_on", "2027-12-31"),
            ("period", "quarter"),
        ],
        &format!("{d}/check"),
    )
    .await;
    // A metric changed from check your answers.
    step(
        &t,
        &officer,
        &format!("{d}/metrics/0"),
        &[
            ("change", "1"),
            ("metric_code", "job"),
            ("metric_name", "In work"),
            ("definition", "d"),
            ("evidence", "e"),
            ("verification_window_days", "30"),
            ("claim_window_days", "90"),
            ("repeat", "repeatable"),
            ("price", "950"),
        ],
        &format!("{d}/metrics?change=1"),
    )
    .await;
    step(&t, &officer, &format!("{d}/metrics"), &[("change", "1")], &format!("{d}/check")).await;
    let (_, check) = get(&t, &officer, &format!("{d}/check")).await;
    assert!(check.contains("After the change") && !check.contains("Before the change"), "{check}");
    assert!(check.contains("€950.00") && check.contains("Can be paid again"), "{check}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_designer_is_the_officers_of_one_municipality() {
    let t = spawn_app().await;
    let officer = t.signed_in("officer@heerlen.example.org").await;
    let d = start(&t, &officer).await;
    // Sofia's admin: another tenant's design is not found, whichever page.
    let sofia = t.signed_in("admin@sofia.example.org").await;
    for path in [format!("{d}/basics"), format!("{d}/check"), d.clone()] {
        assert_eq!(get(&t, &sofia, &path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = post(&t, &sofia, &format!("{d}/delete"), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Heerlen's provider may not design contracts.
    let provider = t.signed_in("provider@heerlen.example.org").await;
    assert_eq!(get(&t, &provider, &format!("{d}/basics")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(post(&t, &provider, "/outcomes/designs", &[]).await.0, StatusCode::FORBIDDEN);
    // The design is still there for Heerlen's officer.
    assert_eq!(get(&t, &officer, &format!("{d}/basics")).await.0, StatusCode::OK);
}
