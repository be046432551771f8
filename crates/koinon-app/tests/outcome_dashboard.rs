//! The dashboard of an outcomes contract and its public summary, on both backends: a small rate
//! card with three verified job starts, one paid run and one waiting for approval, every
//! figure checked against a hand calculation written here.

use koinon_app::outcomes::{ClaimVerdict, DrawdownInput};
use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App, AppError};
use koinon_core::authz::Subject;
use koinon_core::role::Role;
use koinon_store::{Store, StoreConfig};

const SYSTEM: Actor = Actor::System("test");

/// A rate card over 2025, paid by quarter: a job start €2,000, a stay in work €1,000 (after the
/// job start); one cohort of 5; an investor committing €5,000; public savings €3,000 per job
/// start and €2,000 per stay, discounted at 3.5% a year, with a 20% baseline.
const CONTRACT: &str = r#"
name = "Small rate card"
policy_area = "employment"
currency = "EUR"
start_on = "2025-01-01"
end_on = "2025-12-31"
period = "quarter"
contract_cap = "10000.00"

[[parties]]
name = "Town hall"
role = "outcome_payer"

[[parties]]
name = "Job coaches"
role = "provider"

[[parties]]
name = "Social Investment Fund"
role = "investor"
commitment = "5000.00"

[[parties]]
name = "Town SPV"
role = "spv"

[[parties]]
name = "Independent evaluator"
role = "evaluator"

[[cohorts]]
code = "c1"
name = "First cohort"
target_size = 5
start_on = "2025-01-01"
end_on = "2025-06-30"

[[metrics]]
code = "job"
name = "Job start"
definition = "A paid job"
evidence = "Contract and payslip"
verification_window_days = 30
claim_window_days = 90
price = "2000.00"

[[metrics]]
code = "stay"
name = "Still in work"
definition = "13 weeks in work"
evidence = "Payslips"
verification_window_days = 30
claim_window_days = 90
prerequisites = ["job"]
price = "1000.00"

[mechanism]
type = "rate_card"

[commissioner]
discount_rate = "3.5"
baseline_rate = "20"

[[commissioner.savings]]
metric = "job"
amount = "3000.00"

[[commissioner.savings]]
metric = "stay"
amount = "2000.00"
"#;

const PARTICIPANTS: &str = "participant,cohort,enrolled_on\nP1,c1,2025-01-06\nP2,c1,2025-01-20\nP3,c1,2025-02-03\n";

/// Two job starts in 2025-Q1, one in Q2, and a stay in work that waits for the evaluator.
const CLAIMS: &str = "participant,metric,event_on,claimed_on\n\
P1,job,2025-02-10,2025-02-12\n\
P2,job,2025-03-05,2025-03-06\n\
P3,job,2025-05-20,2025-05-21\n\
P1,stay,2025-05-30,2025-06-02\n";

struct Fixture {
    app: App,
    _store: Store,
    tenant: i64,
    provider_org: i64,
    investor_org: i64,
    evaluator_org: i64,
    other_org: i64,
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    fn user(&self, user_id: i64, role: Role, organisation_id: Option<i64>) -> Actor {
        Actor::User(Subject { user_id, tenant_id: self.tenant, role, organisation_id })
    }
}

async fn fixture(postgres: bool) -> Option<Fixture> {
    let (config, dir) = if postgres {
        (StoreConfig::new("unused", Some(koinon_store::testing::fresh_postgres_url().await?)), None)
    } else {
        let dir = tempfile::tempdir().expect("dir");
        (StoreConfig::new(dir.path(), None), Some(dir))
    };
    let store = Store::open(&config).await.expect("store");
    let app = App::new(store.clone());
    let tenant = app
        .create_tenant(
            &SYSTEM,
            &NewTenantInput { code: "heerlen", name: "Heerlen", country: "NL", currency: "EUR", default_locale: "en" },
        )
        .await
        .expect("tenant")
        .id;
    let org = |kind: &'static str, name: &'static str| {
        let app = app.clone();
        async move { app.create_organisation(&SYSTEM, tenant, kind, name, "").await.expect("organisation").id }
    };
    let provider_org = org("ngo", "Job coaches").await;
    let investor_org = org("investor", "Social Investment Fund").await;
    let evaluator_org = org("public_body", "Independent evaluator").await;
    let other_org = org("ngo", "Another provider").await;
    Some(Fixture { app, _store: store, tenant, provider_org, investor_org, evaluator_org, other_org, _dir: dir })
}

fn not_found(r: Result<impl std::fmt::Debug, AppError>) -> bool {
    matches!(r, Err(AppError::NotFound(_)))
}

async fn dashboard_figures(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let (app, t) = (&f.app, f.tenant);
    let officer = f.user(10, Role::Officer, None);
    let approver = f.user(11, Role::Approver, None);
    let provider = f.user(20, Role::Provider, Some(f.provider_org));
    let reviewer = f.user(30, Role::Reviewer, Some(f.evaluator_org));
    let investor = f.user(40, Role::Investor, Some(f.investor_org));
    let outsider = f.user(50, Role::Provider, Some(f.other_org));

    // A draft is not public; another draft stays a draft throughout.
    let draft =
        app.create_contract(&officer, t, &CONTRACT.replace("Small rate card", "Draft card")).await.expect("draft");
    let c = app.create_contract(&officer, t, CONTRACT).await.expect("contract");
    assert!(not_found(app.public_contract_summary("heerlen", c.id).await), "a draft is not public");
    // 1.25× return cap; the rest to the provider.
    app.set_waterfall_terms(&officer, t, c.id, Some(12_500), 0).await.expect("waterfall");
    app.transition_contract(&officer, t, c.id, "running").await.expect("running");
    let investor_party = c.parties.iter().find(|p| p.role == "investor").expect("investor").id;
    let input = DrawdownInput {
        party_id: investor_party,
        amount_minor: 300_000,
        drawn_on: "2025-01-15".into(),
        request_id: "draw-1".into(),
    };
    app.record_drawdown(&officer, t, c.id, &input).await.expect("drawdown");
    app.commit_participants(&provider, t, c.id, PARTICIPANTS).await.expect("participants");
    app.commit_claims(&provider, t, c.id, CLAIMS).await.expect("claims");
    let claims = app.list_claims(&SYSTEM, t, c.id, None, None, Some(100)).await.expect("claims").items;
    for claim in claims.iter().filter(|c| c.metric == "job") {
        app.verify_claim(&reviewer, t, claim.id, &ClaimVerdict::Verified).await.expect("verify");
    }
    let q1 = app.prepare_payment_run(&officer, t, c.id, "2025-Q1", None).await.expect("Q1");
    app.approve_payment_run(&approver, t, q1.id, "2025-04-15").await.expect("approve Q1");
    let q2 = app.prepare_payment_run(&officer, t, c.id, "2025-Q2", None).await.expect("Q2");
    assert_eq!(q2.amount_due_minor, 200_000);

    let d = app.contract_dashboard(&officer, t, c.id).await.expect("dashboard");
    assert_eq!(d.periods, vec!["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]);
    assert_eq!(d.participants_enrolled, 3);
    assert_eq!((d.cohorts[0].target_size, d.cohorts[0].enrolled), (5, 3));
    // Outcomes: 2 job starts in Q1 and 1 in Q2, against the cohort's 5; the stay waits.
    let job = &d.outcomes[0];
    assert_eq!((job.metric.as_str(), job.verified, job.waiting), ("job", 3, 0));
    assert_eq!(job.verified_by_period, vec![2, 1, 0, 0]);
    assert_eq!((job.target, job.target_kind), (Some(5), Some("cohort_size")));
    let stay = &d.outcomes[1];
    assert_eq!((stay.verified, stay.waiting), (0, 1));
    // Planned: 3 × €2,000 = €6,000 (Q1 €4,000, Q2 €2,000). Actual: the Q1 run, €4,000. The Q2
    // run's €2,000 waits for approval. Cap €10,000 − €4,000 paid = €6,000 left.
    let planned: Vec<i64> = d.payments.iter().map(|p| p.planned_minor).collect();
    let actual: Vec<i64> = d.payments.iter().map(|p| p.actual_minor).collect();
    let waiting: Vec<i64> = d.payments.iter().map(|p| p.awaiting_approval_minor).collect();
    assert_eq!(planned, vec![400_000, 200_000, 0, 0]);
    assert_eq!(actual, vec![400_000, 0, 0, 0]);
    assert_eq!(waiting, vec![0, 200_000, 0, 0]);
    assert_eq!(d.payments[3].planned_cumulative_minor, 600_000);
    assert_eq!(d.payments[3].actual_cumulative_minor, 400_000);
    assert_eq!((d.planned_total_minor, d.paid_total_minor, d.awaiting_approval_minor), (600_000, 400_000, 200_000));
    assert_eq!((d.contract_cap_minor, d.cap_remaining_minor), (1_000_000, 600_000));

    // Investor: €3,000 drawn of €5,000; the €4,000 run pays back the €3,000 capital, then the
    // return up to 1.25× (€750); the €250 left goes to the provider. Nothing outstanding.
    let inv = &d.investors.clone().expect("the officer sees investors")[0];
    assert_eq!(inv.name, "Social Investment Fund");
    assert_eq!((inv.committed_minor, inv.drawn_minor, inv.undrawn_minor), (500_000, 300_000, 200_000));
    assert_eq!((inv.distributed_minor, inv.capital_returned_minor, inv.outstanding_minor), (375_000, 300_000, 0));
    assert_eq!(d.investors_total.clone().expect("total").distributed_minor, 375_000);

    // Commissioner: savings 2 × €3,000 at 2025-03-31 and 1 × €3,000 at 2025-06-30 (€9,000),
    // payments €4,000 and €2,000 at the same dates (€6,000); present values at 2025-01-01 at
    // 3.5% a year, Actual/365 (89 and 180 days).
    let k = d.commissioner.clone().expect("commissioner");
    assert_eq!((k.discount_rate_bp, k.baseline_rate_bp, k.as_of.as_str()), (350, 2_000, "2025-01-01"));
    assert_eq!(k.savings_by_period, vec![600_000, 300_000, 0, 0]);
    assert_eq!(k.savings_by_metric[0].savings_minor, 900_000);
    assert_eq!(k.savings_by_metric[1].savings_minor, 0);
    let factor = |days: f64| 1.035_f64.powf(-days / 365.0);
    let pv_payments = (400_000.0 * factor(89.0) + 200_000.0 * factor(180.0)).round() as i64;
    let pv_savings = (600_000.0 * factor(89.0) + 300_000.0 * factor(180.0)).round() as i64;
    // By hand: 0.991647 and 0.983178 → 593,294 and 889,941 cents.
    assert_eq!((pv_payments, pv_savings), (593_294, 889_941));
    let fig = k.figures.clone().expect("figures");
    assert_eq!(
        (fig.outcome_payments_minor, fig.public_savings_minor, fig.net_savings_minor),
        (600_000, 900_000, 300_000)
    );
    assert_eq!((fig.pv_outcome_payments_minor, fig.pv_public_savings_minor), (pv_payments, pv_savings));
    assert_eq!(fig.npv_minor, 889_941 - 593_294);
    // Savings are 1.5 × the payments in each period, so the ratio is 1.5.
    assert!((fig.benefit_cost_ratio.expect("bcr") - 1.5).abs() < 1e-5, "{fig:?}");
    // Break-even: a success pays €2,000 + €1,000 = €3,000 and saves €3,000 + €2,000 = €5,000;
    // s = 0.2 × 5,000 / (5,000 − 3,000) = 50%. The investor's €5,000 back at 5,000 / (5 × 3,000).
    let b = k.break_even.clone().expect("break-even");
    assert!((b.commissioner_break_even_rate.expect("rate") - 0.5).abs() < 1e-12, "{b:?}");
    assert!((b.investor_capital_back_rate.expect("rate") - 1.0 / 3.0).abs() < 1e-12, "{b:?}");

    // Who sees what: the investor its own position, the provider no investor panel, another
    // organisation nothing, an unknown contract nothing.
    let di = app.contract_dashboard(&investor, t, c.id).await.expect("investor dashboard");
    assert_eq!(di.investors.map(|v| v.len()), Some(1));
    let dp = app.contract_dashboard(&provider, t, c.id).await.expect("provider dashboard");
    assert!(dp.investors.is_none() && dp.investors_total.is_none());
    assert_eq!(dp.planned_total_minor, 600_000);
    assert!(not_found(app.contract_dashboard(&outsider, t, c.id).await));
    assert!(not_found(app.contract_dashboard(&officer, t, 999_999).await));
    assert!(not_found(app.contract_dashboard(&officer, t + 1, c.id).await));

    // The public summary: aggregates only.
    let p = app.public_contract_summary("heerlen", c.id).await.expect("public");
    assert_eq!((p.tenant_name.as_str(), p.name.as_str(), p.state.as_str()), ("Heerlen", "Small rate card", "running"));
    assert_eq!(p.participants_enrolled, 3);
    assert_eq!(
        p.outcomes.iter().map(|o| (o.metric.as_str(), o.verified)).collect::<Vec<_>>(),
        [("job", 3), ("stay", 0)]
    );
    assert_eq!((p.paid_total_minor, p.contract_cap_minor), (400_000, 1_000_000));
    assert_eq!(p.paid_by_period, vec![400_000, 0, 0, 0]);
    assert_eq!(p.parties.len(), 5);
    let json = serde_json::to_string(&p).expect("json");
    for private in ["P1", "P2", "P3", "commitment", "500000", "drawn", "evidence"] {
        assert!(!json.contains(private), "{private} in {json}");
    }
    assert!(not_found(app.public_contract_summary("heerlen", draft.id).await), "draft");
    assert!(not_found(app.public_contract_summary("nowhere", c.id).await), "unknown tenant");
    assert!(not_found(app.public_contract_summary("../etc", c.id).await), "not a tenant code");
    assert!(not_found(app.public_contract_summary("heerlen", -1).await), "bad id");
    let list = app.public_contracts("heerlen").await.expect("list");
    assert_eq!(list.contracts.iter().map(|c| c.contract_id).collect::<Vec<_>>(), vec![c.id], "no drafts");
    assert!(not_found(app.public_contracts("nowhere").await));
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_figures_on_sqlite() {
    dashboard_figures(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_figures_on_postgres() {
    dashboard_figures(true).await;
}

/// A contract without a `[commissioner]` section has no commissioner figures, and the
/// dashboard still works before anything happened.
async fn dashboard_without_commissioner(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.user(10, Role::Officer, None);
    let source = CONTRACT.split("[commissioner]").next().expect("head");
    let c = f.app.create_contract(&officer, f.tenant, source).await.expect("contract");
    let d = f.app.contract_dashboard(&officer, f.tenant, c.id).await.expect("dashboard");
    assert!(d.commissioner.is_none());
    assert_eq!((d.planned_total_minor, d.paid_total_minor, d.participants_enrolled), (0, 0, 0));
    assert!(d.payments.iter().all(|p| p.planned_minor == 0 && p.actual_minor == 0));
    assert_eq!(d.investors.map(|v| v[0].outstanding_minor), Some(0));
    f.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_without_commissioner_on_sqlite() {
    dashboard_without_commissioner(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_without_commissioner_on_postgres() {
    dashboard_without_commissioner(true).await;
}
