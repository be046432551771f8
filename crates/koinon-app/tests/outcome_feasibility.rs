//! Feasibility runs on both backends: the starting point a contract gives, a run whose figures
//! a hand calculation gives, runs kept newest first, and who may run what when.

use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App, AppError};
use koinon_core::authz::Subject;
use koinon_core::role::Role;
use koinon_store::Store;

mod support;
use support::fresh_store;

const SYSTEM: Actor = Actor::System("test");

struct Fixture {
    app: App,
    _store: Store,
    tenant: i64,
    provider_org: i64,
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    fn user(&self, user_id: i64, role: Role, organisation_id: Option<i64>) -> Actor {
        Actor::User(Subject { user_id, tenant_id: self.tenant, role, organisation_id })
    }
    fn officer(&self) -> Actor {
        self.user(10, Role::Officer, None)
    }
    fn provider(&self) -> Actor {
        self.user(20, Role::Provider, Some(self.provider_org))
    }
}

async fn fixture(postgres: bool) -> Option<Fixture> {
    let (store, dir) = fresh_store(postgres).await?;
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
    let provider_org = org("ngo", "Werkplaats Parkstad").await;
    Some(Fixture { app, _store: store, tenant, provider_org, _dir: dir })
}

fn heerlen_toml() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/outcomes/heerlen-employment-sib.toml"))
        .expect("example contract")
}

async fn feasibility_runs(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let c = f.app.create_contract(&officer, f.tenant, &heerlen_toml()).await.expect("contract");
    // The starting point: two cohorts of 60 over two quarters each, 85% starting.
    let view = f.app.feasibility(&officer, f.tenant, c.id).await.expect("view");
    assert!(view.can_run && view.runs.is_empty());
    assert_eq!(view.assumptions.referrals, vec![36, 35, 36, 35]);
    assert_eq!(view.assumptions.metrics.len(), 3);

    // Nothing left to chance: 10 referrals in the first quarter, all start and stay, every one
    // starts work and is in work at 13 weeks, nobody reaches 26 weeks. Each participant earns
    // 1,500 + 2,500 = 4,000 (under the 6,000 cap): 40,000 in every scenario, all in 2025-Q3
    // (job start) and 2025-Q4 (13 weeks).
    let mut a = view.assumptions.clone();
    a.referrals = vec![10];
    a.engagement_bp = 10_000;
    a.attrition_bp = 0;
    for (m, (success, lag)) in a.metrics.iter_mut().zip([(10_000, 0), (10_000, 1), (0, 2)]) {
        m.success_bp = success;
        m.uncertainty_bp = 0;
        m.lag_periods = lag;
        m.public_saving_minor = 500_000;
    }
    a.discount_rate_bp = 0;
    let run = f.app.run_feasibility(&officer, f.tenant, c.id, &a, 500, 7).await.expect("run");
    let p = &run.figures.outcome_payments;
    assert_eq!((p.min.minor, p.max.minor, p.mean.minor), (4_000_000, 4_000_000, 4_000_000));
    assert_eq!(run.figures.by_period[0].mean_paid.minor, 1_500_000);
    assert_eq!(run.figures.by_period[1].mean_paid.minor, 2_500_000);
    assert_eq!(run.figures.by_period[0].period, "2025-Q3");
    // 20 outcomes at a saving of 5,000 each, undiscounted: 100,000 − 40,000 paid.
    assert_eq!(run.figures.commissioner.net_savings_npv.mean.minor, 6_000_000);
    assert_eq!(run.figures.probability_cap_hit, 0.0);
    assert_eq!((run.scenarios, run.seed), (500, 7));
    assert!(run.model.contains("per_period = [10]"), "{}", run.model);

    // A second run with the starting point; the page lists both, newest first, and starts from
    // the newest's assumptions.
    let second = f.app.run_feasibility(&officer, f.tenant, c.id, &view.assumptions, 1_000, 1).await.expect("run");
    let view = f.app.feasibility(&officer, f.tenant, c.id).await.expect("view");
    assert_eq!(view.runs.iter().map(|r| r.id).collect::<Vec<_>>(), vec![second.id, run.id]);
    assert_eq!(view.assumptions, second.assumptions);
    // The same seed and assumptions give the same figures.
    let again = f.app.run_feasibility(&officer, f.tenant, c.id, &view.assumptions, 1_000, 1).await.expect("run");
    assert_eq!(again.figures, second.figures);

    // Errors name the field; nothing is stored.
    let mut bad = a.clone();
    bad.metrics[1].success_bp = 20_000;
    let err = f.app.run_feasibility(&officer, f.tenant, c.id, &bad, 500, 7).await.expect_err("bad");
    assert_eq!(err.field_errors()[0].field, "metrics[1].success_bp");
    let err = f.app.run_feasibility(&officer, f.tenant, c.id, &a, 5, 7).await.expect_err("few");
    assert_eq!(err.field_errors()[0].field, "scenarios");
    assert_eq!(f.app.feasibility(&officer, f.tenant, c.id).await.expect("view").runs.len(), 3);

    // Who: a provider may not run (nor see another's contract); another tenant's contract is
    // not found.
    assert!(matches!(f.app.run_feasibility(&f.provider(), f.tenant, c.id, &a, 500, 7).await, Err(AppError::Forbidden)));
    let stranger =
        Actor::User(Subject { user_id: 99, tenant_id: f.tenant + 1, role: Role::Officer, organisation_id: None });
    assert!(matches!(
        f.app.run_feasibility(&stranger, f.tenant + 1, c.id, &a, 500, 7).await,
        Err(AppError::NotFound(_))
    ));
    let audit = f.app.audit_page(&SYSTEM, f.tenant, None, Some(200)).await.expect("audit");
    assert_eq!(audit.items.iter().filter(|e| e.action == "outcomes.run_feasibility").count(), 3);

    // Once signed, the runs stay to read but no new one is made.
    f.app.transition_contract(&officer, f.tenant, c.id, "contracted").await.expect("contracted");
    let view = f.app.feasibility(&officer, f.tenant, c.id).await.expect("view");
    assert!(!view.can_run && view.runs.len() == 3);
    let err = f.app.run_feasibility(&officer, f.tenant, c.id, &a, 500, 7).await.expect_err("signed");
    assert_eq!(err.code(), "wrong_contract_state");
    f.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feasibility_runs_on_sqlite() {
    feasibility_runs(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feasibility_runs_on_postgres() {
    feasibility_runs(true).await;
}
