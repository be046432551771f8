//! The demo contract's dashboard, its public summary and the dashboard API, against a hand
//! calculation from the demo data (`examples/outcomes/heerlen-employment-sib.*`, seeded by
//! `crates/koinon-app/src/demo.rs`).
//!
//! The demo's verified claims (58 of 66: four refused, four waiting), by quarter of the event:
//!
//! | quarter | job start €1,500 | 13 weeks €2,500 | 26 weeks €3,000 (−€1,000 cap) | planned |
//! | --- | --- | --- | --- | --- |
//! | 2025-Q3 | 3 | | | 4,500 |
//! | 2025-Q4 | 6 | 2 | | 14,000 |
//! | 2026-Q1 | 8 | 4 | 1 | 24,000 |
//! | 2026-Q2 | 6 | 8 | 3 | 35,000 |
//! | 2026-Q3 | 7 | 4 | 6 | 32,500 |
//!
//! A participant with all three reaches the €6,000 participant cap, so each 26-week outcome
//! pays €2,000. Planned €110,000; the 2026-Q2 run paid €77,500 (everything up to Q2), the
//! 2026-Q3 run's €32,500 waits for approval. Public savings (the example's `[commissioner]`):
//! €4,000 per job start and per 13 weeks, €8,000 per 26 weeks.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{TestApp, spawn_app};

const SYSTEM: koinon_app::Actor = koinon_app::Actor::System("test");

async fn demo_contract(t: &TestApp) -> (i64, i64) {
    let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
    let list = t.app.list_contracts(&SYSTEM, heerlen.id, None, Some(100)).await.expect("contracts");
    let id = list.items.iter().find(|c| c.name == koinon_app::demo::DEMO_CONTRACT_NAME).expect("demo contract").id;
    (heerlen.id, id)
}

async fn get(t: &TestApp, c: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = c.get(t.url(path)).send().await.expect("get");
    let status = r.status();
    (status, r.text().await.expect("body"))
}

async fn api(t: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new().get(t.url(path)).bearer_auth(token).send().await.expect("get");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Quarter ends of the demo's outcomes, days after the contract's start (2025-07-01), with
/// the planned payments and the public savings in cents.
const QUARTERS: [(f64, i64, i64); 5] = [
    (91.0, 450_000, 1_200_000),    // 2025-09-30: 3 job starts
    (183.0, 1_400_000, 3_200_000), // 2025-12-31: 6 job starts, 2 × 13 weeks
    (273.0, 2_400_000, 5_600_000), // 2026-03-31: 8, 4, 1 × 26 weeks
    (364.0, 3_500_000, 8_000_000), // 2026-06-30: 6, 8, 3
    (456.0, 3_250_000, 9_200_000), // 2026-09-30: 7, 4, 6
];

fn present_value(pick: impl Fn(&(f64, i64, i64)) -> i64) -> i64 {
    QUARTERS.iter().map(|q| pick(q) as f64 * 1.035_f64.powf(-q.0 / 365.0)).sum::<f64>().round() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_dashboard_matches_the_hand_calculation() {
    let t = spawn_app().await;
    let (heerlen, id) = demo_contract(&t).await;
    let d = t.app.contract_dashboard(&SYSTEM, heerlen, id).await.expect("dashboard");
    assert_eq!(d.periods.len(), 12, "2025-Q3 to 2028-Q2");
    assert_eq!(d.participants_enrolled, 40);
    let verified: Vec<(&str, i64, i64)> =
        d.outcomes.iter().map(|o| (o.metric.as_str(), o.verified, o.waiting)).collect();
    assert_eq!(verified, [("job_start", 30, 0), ("employment_13_weeks", 18, 2), ("employment_26_weeks", 10, 2)]);
    assert_eq!(d.outcomes[0].target, Some(120), "two cohorts of 60");
    let planned: Vec<i64> = d.payments.iter().take(6).map(|p| p.planned_minor).collect();
    assert_eq!(planned, [450_000, 1_400_000, 2_400_000, 3_500_000, 3_250_000, 0]);
    let actual: Vec<i64> = d.payments.iter().take(6).map(|p| p.actual_minor).collect();
    assert_eq!(actual, [0, 0, 0, 7_750_000, 0, 0]);
    assert_eq!(d.payments[4].awaiting_approval_minor, 3_250_000);
    assert_eq!(
        (d.planned_total_minor, d.paid_total_minor, d.awaiting_approval_minor),
        (11_000_000, 7_750_000, 3_250_000)
    );
    assert_eq!(d.cap_remaining_minor, 60_000_000 - 7_750_000);
    // The investor: €250,000 committed, €160,000 drawn, the €77,500 all capital back.
    let inv = &d.investors.clone().expect("investors")[0];
    assert_eq!((inv.committed_minor, inv.drawn_minor, inv.distributed_minor), (25_000_000, 16_000_000, 7_750_000));
    assert_eq!((inv.outstanding_minor, inv.undrawn_minor), (8_250_000, 9_000_000));
    // The commissioner: savings 30 × 4,000 + 18 × 4,000 + 10 × 8,000 = €272,000 against
    // €110,000 of payments; present values at 3.5% from 2025-07-01.
    let k = d.commissioner.clone().expect("commissioner");
    let f = k.figures.clone().expect("figures");
    assert_eq!(
        (f.outcome_payments_minor, f.public_savings_minor, f.net_savings_minor),
        (11_000_000, 27_200_000, 16_200_000)
    );
    let (pv_pay, pv_save) = (present_value(|q| q.1), present_value(|q| q.2));
    assert!((f.pv_outcome_payments_minor - pv_pay).abs() <= 1, "{} vs {pv_pay}", f.pv_outcome_payments_minor);
    assert!((f.pv_public_savings_minor - pv_save).abs() <= 1, "{} vs {pv_save}", f.pv_public_savings_minor);
    assert_eq!(f.npv_minor, f.pv_public_savings_minor - f.pv_outcome_payments_minor);
    let bcr = f.benefit_cost_ratio.expect("bcr");
    assert!((bcr - pv_save as f64 / pv_pay as f64).abs() < 1e-6 && bcr > 2.4, "{bcr}");
    // Break-even: a success pays 1,500 + 2,500 + 2,000 (capped) = €6,000 and saves €16,000;
    // 0.2 × 16,000 / (16,000 − 6,000) = 32%. The investor's €250,000 back at 250,000 / (120 × 6,000).
    let b = k.break_even.clone().expect("break-even");
    assert!((b.commissioner_break_even_rate.expect("rate") - 0.32).abs() < 1e-12, "{b:?}");
    assert!((b.investor_capital_back_rate.expect("rate") - 250_000.0 / 720_000.0).abs() < 1e-12, "{b:?}");

    // The page shows the charts with their tables and the figures in the reader's language.
    let officer = t.signed_in("officer@heerlen.example.org").await;
    let (status, page) = get(&t, &officer, &format!("/outcomes/{id}/dashboard")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("role=\"img\"").count(), 5, "outcomes, payments, to date, investors, commissioner");
    assert!(page.contains("<caption id=\"dash-payments-caption\">"), "the payments table follows its chart");
    assert!(page.contains("€110,000.00") && page.contains("€77,500.00") && page.contains("€32,500.00"), "{page}");
    assert!(page.contains("€272,000.00") && page.contains("32.0\u{a0}%"), "savings and break-even");
    assert!(page.contains(&format!("href=\"/outcomes/{id}/investors\"")), "the officer sees investors");
    assert!(page.contains(&format!("href=\"/public/outcomes/heerlen/{id}\"")), "link to the public summary");
    assert!(!page.contains("style=\"") && !page.contains("<script>"), "no inline style or script");
    let (_, greek) = get(&t, &officer, &format!("/outcomes/{id}/dashboard?lang=el")).await;
    assert!(greek.contains("110.000,00\u{a0}€"), "Greek money");
    // The contract page links the dashboard and the public summary.
    let (_, contract) = get(&t, &officer, &format!("/outcomes/{id}")).await;
    assert!(contract.contains(&format!("href=\"/outcomes/{id}/dashboard\"")));
    assert!(contract.contains(&format!("href=\"/public/outcomes/heerlen/{id}\"")));

    // The provider sees the dashboard without the investors' panel.
    let provider = t.signed_in("provider@heerlen.example.org").await;
    let (status, page) = get(&t, &provider, &format!("/outcomes/{id}/dashboard")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(&format!("href=\"/outcomes/{id}/investors\"")) && !page.contains("€160,000.00"));
    assert_eq!(page.matches("role=\"img\"").count(), 4);

    // Bad ids and other tenants are "not found", never an error.
    for path in ["/outcomes/abc/dashboard", "/outcomes/-1/dashboard", "/outcomes/999999999/dashboard"] {
        assert_eq!(get(&t, &officer, path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let sofia = t.signed_in("admin@sofia.example.org").await;
    assert_eq!(get(&t, &sofia, &format!("/outcomes/{id}/dashboard")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_summary_shows_aggregates_only() {
    let t = spawn_app().await;
    let (heerlen, id) = demo_contract(&t).await;
    let anyone = t.client();
    let (status, page) = get(&t, &anyone, &format!("/public/outcomes/heerlen/{id}")).await;
    assert_eq!(status, StatusCode::OK, "no sign-in needed");
    assert!(page.contains("Parkstad Werkt") && page.contains("Gemeente Heerlen") && page.contains("Zuyd Hogeschool"));
    assert!(page.contains("<dd>40</dd>"), "participants enrolled");
    assert!(page.contains("<td class=\"numeric\">30</td>"), "job starts verified");
    assert!(page.contains("€77,500.00") && page.contains("€600,000.00"), "paid against the cap");
    assert!(page.contains("role=\"img\""), "a chart");
    for private in ["PW-1", "PW-2", "€250,000.00", "€160,000.00", "Payslip", "payslip", "€32,500.00", "/evidence"]
    {
        assert!(!page.contains(private), "the public page shows {private}");
    }
    // The list shows the running contract, not drafts.
    let heerlen_id = heerlen;
    let draft =
        t.app.create_contract(&SYSTEM, heerlen_id, &crate::outcomes_api::heerlen_dwp_toml()).await.expect("draft").id;
    let (status, list) = get(&t, &anyone, "/public/outcomes/heerlen").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("href=\"/public/outcomes/heerlen/{id}\"")), "{list}");
    assert!(!list.contains(&format!("/public/outcomes/heerlen/{draft}\"")), "no drafts listed");
    for path in [
        format!("/public/outcomes/heerlen/{draft}"),
        format!("/public/outcomes/sofia/{id}"),
        format!("/public/outcomes/nowhere/{id}"),
        "/public/outcomes/heerlen/abc".into(),
        "/public/outcomes/heerlen/0".into(),
        "/public/outcomes/%2e%2e/1".into(),
        "/public/outcomes/nowhere".into(),
    ] {
        assert_eq!(get(&t, &anyone, &path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    // In Bulgarian, with the locale's money.
    let (_, bg) = get(&t, &anyone, &format!("/public/outcomes/heerlen/{id}?lang=bg")).await;
    assert!(bg.contains("lang=\"bg\"") && bg.contains("Договор за резултати, публично резюме"), "{bg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_api_answers_the_same_figures() {
    let t = spawn_app().await;
    let (_, id) = demo_contract(&t).await;
    let path = format!("/api/v1/outcomes/contracts/{id}/dashboard");
    let (status, body) = api(&t, &t.token("officer@heerlen.example.org").await, &path).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["planned_total_minor"], 11_000_000);
    assert_eq!(body["paid_total_minor"], 7_750_000);
    assert_eq!(body["awaiting_approval_minor"], 3_250_000);
    assert_eq!(body["payments"][3]["period"], "2026-Q2");
    assert_eq!(body["payments"][3]["actual_minor"], 7_750_000);
    assert_eq!(body["outcomes"][0]["verified"], 30);
    assert_eq!(body["investors"][0]["drawn_minor"], 16_000_000);
    assert_eq!(body["commissioner"]["figures"]["public_savings_minor"], 27_200_000);
    assert_eq!(body["commissioner"]["discount_rate_bp"], 350);
    // The investor sees its own position; the provider none.
    let (_, body) = api(&t, &t.token("investor@heerlen.example.org").await, &path).await;
    assert_eq!(body["investors"].as_array().map(Vec::len), Some(1));
    let (status, body) = api(&t, &t.token("provider@heerlen.example.org").await, &path).await;
    assert_eq!((status, body["investors"].is_null()), (200, true), "{body}");
    // Another tenant, an unknown contract and a bad id: 404 in the error format.
    for (token, p) in [
        (t.token("admin@sofia.example.org").await, path.clone()),
        (t.token("officer@heerlen.example.org").await, "/api/v1/outcomes/contracts/999999/dashboard".into()),
        (t.token("officer@heerlen.example.org").await, "/api/v1/outcomes/contracts/x/dashboard".into()),
    ] {
        let (status, body) = api(&t, &token, &p).await;
        assert_eq!(status, 404, "{p}: {body}");
        assert!(body["error"]["code"].is_string(), "{body}");
    }
}
