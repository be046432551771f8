//! Designing an outcomes contract step by step on both backends: the answers kept between
//! steps, each step refusing its own bad fields without changing anything, the TOML written
//! from the answers accepted by the core, the contract created as a draft with the designed
//! figures, problems mapped back to their step, tenants kept apart, every change audited.

use koinon_app::outcome_designs::{
    BasicsInput, CapsInput, CohortInput, DesignChange, DesignStep, MechanismDetailsInput, MetricInput, PartyInput,
    TargetInput,
};
use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App, AppError};
use koinon_core::authz::Subject;
use koinon_core::outcomes::{Contract, PaymentMechanism};
use koinon_core::role::Role;
use koinon_store::{Store, StoreConfig};

const SYSTEM: Actor = Actor::System("test");

struct Fixture {
    app: App,
    _store: Store,
    tenant: i64,
    other_tenant: i64,
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    fn officer(&self) -> Actor {
        Actor::User(Subject { user_id: 10, tenant_id: self.tenant, role: Role::Officer, organisation_id: None })
    }
    fn provider(&self) -> Actor {
        Actor::User(Subject { user_id: 20, tenant_id: self.tenant, role: Role::Provider, organisation_id: None })
    }
    fn other_officer(&self) -> Actor {
        Actor::User(Subject { user_id: 30, tenant_id: self.other_tenant, role: Role::Officer, organisation_id: None })
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
    let tenant = |code: &'static str| {
        let app = app.clone();
        async move {
            app.create_tenant(
                &SYSTEM,
                &NewTenantInput { code, name: code, country: "NL", currency: "EUR", default_locale: "en" },
            )
            .await
            .expect("tenant")
            .id
        }
    };
    let (t, other) = (tenant("heerlen").await, tenant("sofia").await);
    Some(Fixture { app, _store: store, tenant: t, other_tenant: other, _dir: dir })
}

fn codes(e: &AppError) -> Vec<(String, &'static str)> {
    e.field_errors().into_iter().map(|f| (f.field, f.code)).collect()
}

fn basics() -> BasicsInput {
    BasicsInput {
        name: "Heerlen employment".into(),
        policy_area: "employment".into(),
        currency: "EUR".into(),
        start_on: "2025-01-01".into(),
        end_on: "2027-12-31".into(),
        period: "quarter".into(),
    }
}

fn party(name: &str, role: &str, commitment: &str) -> DesignChange {
    DesignChange::AddParty(PartyInput { party_name: name.into(), role: role.into(), commitment: commitment.into() })
}

fn metric(code: &str, prerequisites: &str, price: &str) -> DesignChange {
    DesignChange::SaveMetric {
        index: None,
        input: MetricInput {
            metric_code: code.into(),
            metric_name: format!("Outcome {code}"),
            definition: "What counts".into(),
            evidence: "Payslips".into(),
            verification_window_days: "30".into(),
            claim_window_days: "90".into(),
            repeat: "once".into(),
            prerequisites: prerequisites.into(),
            price: price.into(),
        },
    }
}

/// Basics, parties, a cohort and the caps.
fn common() -> Vec<DesignChange> {
    vec![
        DesignChange::Basics(basics()),
        party("Gemeente Heerlen", "outcome_payer", ""),
        party("Werkplaats Parkstad", "provider", ""),
        party("Limburg Social Impact Fund", "investor", "250000"),
        party("UWV Zuid-Limburg", "evaluator", ""),
        DesignChange::AddCohort(CohortInput {
            cohort_code: "c2025".into(),
            cohort_name: "Cohort 2025".into(),
            target_size: "120".into(),
            cohort_start_on: "2025-01-01".into(),
            cohort_end_on: "2025-06-30".into(),
        }),
        DesignChange::Caps(CapsInput {
            contract_cap: "500000".into(),
            participant_cap: "4000.5".into(),
            period_cap: String::new(),
        }),
    ]
}

async fn design_all_four(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let details = |share: &str| {
        DesignChange::MechanismDetails(MechanismDetailsInput {
            comparison_metric: "job".into(),
            cohort_threshold: "10".into(),
            overall_threshold: "7.5".into(),
            price_per_event_avoided: "1500".into(),
            share: share.into(),
        })
    };
    let target = DesignChange::AddTarget(TargetInput {
        target_code: "work_40".into(),
        target_name: "40% in work".into(),
        target_metric: "job".into(),
        target_threshold: "40".into(),
        target_payment: "50000".into(),
    });
    let cases: Vec<(&str, Vec<DesignChange>)> = vec![
        ("rate_card", vec![metric("start", "", "1300"), metric("job", "start", "2600.00")]),
        ("comparison_threshold", vec![metric("job", "", ""), details("")]),
        ("savings_share", vec![metric("job", "", "1500"), details("50")]),
        ("fixed_targets", vec![metric("job", "", ""), target]),
    ];
    for (mechanism, steps) in cases {
        let d = f.app.create_design(&officer, f.tenant).await.expect("design");
        assert_eq!(d.answers.next_unanswered(), Some(DesignStep::Basics));
        let mut all = common();
        let (metrics, rest): (Vec<_>, Vec<_>) =
            steps.into_iter().partition(|c| matches!(c, DesignChange::SaveMetric { .. }));
        all.extend(metrics);
        all.push(DesignChange::Mechanism(mechanism.into()));
        all.extend(rest);
        for change in &all {
            f.app.change_design(&officer, f.tenant, d.id, change).await.expect(mechanism);
        }
        // Kept between steps: read back, complete, and the TOML parses.
        let d = f.app.design(&officer, f.tenant, d.id).await.expect("design");
        assert_eq!(d.name, "Heerlen employment");
        assert_eq!(d.answers.next_unanswered(), None, "{mechanism}");
        let parsed = Contract::from_toml(&d.answers.to_toml()).expect(mechanism);
        assert_eq!(parsed.mechanism.code(), mechanism);

        let c = f.app.create_contract_from_design(&officer, f.tenant, d.id).await.expect(mechanism);
        assert_eq!(c.mechanism, mechanism);
        assert_eq!(c.state.as_str(), "draft");
        assert_eq!(c.contract_cap_minor, 50_000_000);
        assert_eq!(c.participant_cap_minor, Some(400_050));
        assert_eq!(c.investor_commitments_minor, 25_000_000);
        assert_eq!(c.parties.len(), 4);
        // The design has done its work: pressing the button again makes no second contract.
        assert!(matches!(f.app.design(&officer, f.tenant, d.id).await, Err(AppError::NotFound(_))));
        let again = f.app.create_contract_from_design(&officer, f.tenant, d.id).await;
        assert!(matches!(again, Err(AppError::NotFound(_))), "{again:?}");
        match parsed.mechanism {
            PaymentMechanism::RateCard => {
                assert_eq!(parsed.metrics[0].price_minor, Some(130_000));
                assert_eq!(parsed.metrics[1].price_minor, Some(260_000));
                assert_eq!(parsed.metrics[1].prerequisites, vec!["start".to_string()]);
            }
            PaymentMechanism::ComparisonThreshold {
                cohort_threshold_bp,
                overall_threshold_bp,
                price_per_event_avoided_minor,
                ..
            } => {
                assert_eq!((cohort_threshold_bp, overall_threshold_bp), (1000, 750));
                assert_eq!(price_per_event_avoided_minor, 150_000);
            }
            PaymentMechanism::SavingsShare { share_bp } => {
                assert_eq!(share_bp, 5000);
                assert_eq!(parsed.metrics[0].price_minor, Some(150_000));
            }
            PaymentMechanism::FixedTargets { targets } => {
                assert_eq!(targets[0].threshold_bp, 4000);
                assert_eq!(targets[0].payment_minor, 5_000_000);
            }
        }
        // The contract can be signed and run through the existing lifecycle.
        for to in ["feasibility", "contracted", "running"] {
            f.app.transition_contract(&officer, f.tenant, c.id, to).await.expect(to);
        }
        f.app.prepare_payment_run(&officer, f.tenant, c.id, "2025-Q2", None).await.expect("payment run");
    }
    // Every change was audited: one create, one change per step, one delete per design.
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = f.app.audit_page(&SYSTEM, f.tenant, cursor.as_deref(), Some(200)).await.expect("audit");
        entries.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let count = |action: &str| entries.iter().filter(|e| e.action == action).count();
    assert_eq!(count("outcomes.create_design"), 4);
    assert_eq!(count("outcomes.delete_design"), 4);
    assert!(count("outcomes.change_design") >= 4 * 10);
}

async fn steps_refuse_and_change_nothing(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let d = f.app.create_design(&officer, f.tenant).await.expect("design");
    let refused = |c: DesignChange| {
        let app = f.app.clone();
        let officer = officer.clone();
        let (tenant, id) = (f.tenant, d.id);
        async move { app.change_design(&officer, tenant, id, &c).await.expect_err("refused") }
    };

    let e = refused(DesignChange::Basics(BasicsInput {
        end_on: "2024-12-31".into(),
        currency: "XXX".into(),
        period: "week".into(),
        ..basics()
    }))
    .await;
    assert_eq!(
        codes(&e),
        vec![
            ("currency".to_string(), "design_unknown_currency"),
            ("end_on".to_string(), "design_end_before_start"),
            ("period".to_string(), "design_period_required"),
        ]
    );
    let e = refused(DesignChange::Basics(BasicsInput::default())).await;
    assert!(codes(&e).contains(&("name".to_string(), "design_name_required")), "{e}");
    // Nothing was stored.
    let stored = f.app.design(&officer, f.tenant, d.id).await.expect("design");
    assert_eq!(stored.answers, Default::default());

    for change in common() {
        f.app.change_design(&officer, f.tenant, d.id, &change).await.expect("step");
    }
    let before = f.app.design(&officer, f.tenant, d.id).await.expect("design").answers;
    let e = refused(party("Another evaluator", "evaluator", "10")).await;
    assert_eq!(
        codes(&e),
        vec![("commitment".to_string(), "design_commitment_not_allowed"), ("role".to_string(), "design_role_taken"),]
    );
    let e = refused(DesignChange::Caps(CapsInput {
        contract_cap: "100".into(),
        participant_cap: "200".into(),
        period_cap: "0".into(),
    }))
    .await;
    assert_eq!(
        codes(&e),
        vec![
            ("period_cap".to_string(), "design_amount_out_of_range"),
            ("participant_cap".to_string(), "design_participant_cap_above"),
        ]
    );
    let e = refused(metric("job", "nothing", "1.234")).await;
    assert_eq!(
        codes(&e),
        vec![
            ("prerequisites".to_string(), "design_unknown_prerequisite"),
            ("price".to_string(), "design_too_many_decimals"),
        ]
    );
    let e = refused(DesignChange::RemoveParty(9)).await;
    assert!(matches!(e, AppError::NotFound(_)));
    let e = refused(DesignChange::Mechanism("lottery".into())).await;
    assert_eq!(codes(&e), vec![("mechanism".to_string(), "design_mechanism_required")]);
    let long = "x".repeat(3000);
    let e = refused(DesignChange::SaveMetric {
        index: None,
        input: MetricInput { definition: long, ..MetricInput::default() },
    })
    .await;
    assert!(codes(&e).contains(&("definition".to_string(), "design_too_long")), "{e}");
    assert_eq!(f.app.design(&officer, f.tenant, d.id).await.expect("design").answers, before);

    // A rate card without prices: the core's error names the metric, mapped to its step.
    f.app.change_design(&officer, f.tenant, d.id, &metric("job", "", "")).await.expect("metric");
    f.app.change_design(&officer, f.tenant, d.id, &DesignChange::Mechanism("rate_card".into())).await.expect("m");
    let e = f.app.create_contract_from_design(&officer, f.tenant, d.id).await.expect_err("no price");
    let fields: Vec<String> = e.field_errors().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, vec!["metrics[0].price".to_string()]);
    assert_eq!(DesignStep::of_field(&fields[0]), DesignStep::Metrics);
    // A missing step is named by its slug.
    let empty = f.app.create_design(&officer, f.tenant).await.expect("design");
    let e = f.app.create_contract_from_design(&officer, f.tenant, empty.id).await.expect_err("empty");
    assert_eq!(e.field_errors()[0].field, "basics");
    assert!(f.app.list_contracts(&officer, f.tenant, None, None).await.expect("contracts").items.is_empty());
}

async fn tenants_and_roles(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let d = f.app.create_design(&officer, f.tenant).await.expect("design");
    assert_eq!(f.app.designs(&officer, f.tenant).await.expect("list").len(), 1);
    // Another municipality's officer: not found, in every function.
    let other = f.other_officer();
    assert!(matches!(f.app.design(&other, f.other_tenant, d.id).await, Err(AppError::NotFound(_))));
    let change = DesignChange::Basics(basics());
    assert!(matches!(f.app.change_design(&other, f.other_tenant, d.id, &change).await, Err(AppError::NotFound(_))));
    assert!(matches!(f.app.delete_design(&other, f.other_tenant, d.id).await, Err(AppError::NotFound(_))));
    assert!(f.app.designs(&other, f.other_tenant).await.expect("list").is_empty());
    // Acting in another tenant than one's own is refused by the policy.
    assert!(matches!(f.app.design(&other, f.tenant, d.id).await, Err(AppError::Forbidden)));
    // A provider may not design contracts.
    assert!(matches!(f.app.create_design(&f.provider(), f.tenant).await, Err(AppError::Forbidden)));
    // Delete.
    f.app.delete_design(&officer, f.tenant, d.id).await.expect("delete");
    assert!(f.app.designs(&officer, f.tenant).await.expect("list").is_empty());
}

#[tokio::test]
async fn outcome_designs_all_four_mechanisms_sqlite() {
    design_all_four(false).await;
}

#[tokio::test]
async fn outcome_designs_all_four_mechanisms_postgres() {
    design_all_four(true).await;
}

#[tokio::test]
async fn outcome_designs_steps_refuse_and_change_nothing_sqlite() {
    steps_refuse_and_change_nothing(false).await;
}

#[tokio::test]
async fn outcome_designs_steps_refuse_and_change_nothing_postgres() {
    steps_refuse_and_change_nothing(true).await;
}

#[tokio::test]
async fn outcome_designs_tenants_and_roles_sqlite() {
    tenants_and_roles(false).await;
}

#[tokio::test]
async fn outcome_designs_tenants_and_roles_postgres() {
    tenants_and_roles(true).await;
}
