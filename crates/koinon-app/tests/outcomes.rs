//! Running an outcomes contract on both backends: the DWP rate card of `examples/outcomes`
//! from draft to paid runs, with every figure checked against a hand calculation; imports that
//! preview, refuse as a whole and do not duplicate; refusal reasons by line; the evaluator and
//! four-eyes rules; investor figures from the ledger.

use koinon_app::outcomes::{ClaimInput, ClaimVerdict, DrawdownInput, EvidenceInput, RowStatus};
use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App, AppError};
use koinon_core::authz::Subject;
use koinon_core::finance::parse_date;
use koinon_core::role::Role;
use koinon_store::Store;

mod support;
use support::fresh_store;

const SYSTEM: Actor = Actor::System("test");

const PARTICIPANTS: &str = "participant,cohort,enrolled_on\n\
P001,y2012,2012-05-02\n\
P002,y2012,2012-06-11\n\
P003,y2013,2013-04-15\n";

/// Lines 2–7: the claims the provider submits (all within the rules).
const CLAIMS: &str = "participant,metric,event_on,claimed_on\n\
P001,nqf_level_2,2012-11-30,2012-12-10\n\
P001,nqf_level_3,2013-06-28,2013-07-05\n\
P001,employment_13_weeks,2013-10-04,2013-10-20\n\
P001,employment_26_weeks,2014-01-03,2014-01-15\n\
P002,employment_13_weeks,2012-11-01,2012-11-05\n\
P003,nqf_level_1,2013-05-01,2013-05-05\n";

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
    fn officer(&self) -> Actor {
        self.user(10, Role::Officer, None)
    }
    fn approver(&self) -> Actor {
        self.user(11, Role::Approver, None)
    }
    fn provider(&self) -> Actor {
        self.user(20, Role::Provider, Some(self.provider_org))
    }
    fn reviewer(&self) -> Actor {
        self.user(30, Role::Reviewer, Some(self.evaluator_org))
    }
    fn investor(&self) -> Actor {
        self.user(40, Role::Investor, Some(self.investor_org))
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
    let provider_org = org("ngo", "Thames Valley Youth Partnership").await;
    let investor_org = org("investor", "Social Investment Fund").await;
    let evaluator_org = org("public_body", "Independent evaluator").await;
    let other_org = org("ngo", "Another provider").await;
    Some(Fixture { app, _store: store, tenant, provider_org, investor_org, evaluator_org, other_org, _dir: dir })
}

fn dwp_toml() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/outcomes/dwp-rate-card.toml"))
        .expect("example contract")
}

fn drawdown(party_id: i64, amount_minor: i64, drawn_on: &str, request_id: &str) -> DrawdownInput {
    DrawdownInput { party_id, amount_minor, drawn_on: drawn_on.into(), request_id: request_id.into() }
}

fn codes(e: &AppError) -> Vec<(String, &'static str)> {
    e.field_errors().into_iter().map(|f| (f.field, f.code)).collect()
}

/// A running DWP contract with its accounts.
async fn running_contract(f: &Fixture) -> i64 {
    let officer = f.officer();
    let c = f.app.create_contract(&officer, f.tenant, &dwp_toml()).await.expect("contract");
    f.app.transition_contract(&officer, f.tenant, c.id, "contracted").await.expect("contracted");
    f.app.transition_contract(&officer, f.tenant, c.id, "running").await.expect("running");
    c.id
}

async fn contracts_and_lifecycle(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();

    // A broken source: every problem named by field, nothing stored.
    let broken = dwp_toml().replace("contract_cap = \"3300000.00\"", "contract_cap = \"lots\"");
    let err = f.app.create_contract(&officer, f.tenant, &broken).await.expect_err("broken contract");
    assert!(codes(&err).iter().any(|(field, _)| field.contains("contract_cap")), "{err:?}");
    assert!(f.app.list_contracts(&officer, f.tenant, None, None).await.expect("list").items.is_empty());

    // Providers cannot create contracts.
    let err = f.app.create_contract(&f.provider(), f.tenant, &dwp_toml()).await.expect_err("provider");
    assert!(matches!(err, AppError::Forbidden));

    let c = f.app.create_contract(&officer, f.tenant, &dwp_toml()).await.expect("contract");
    assert_eq!(c.state.as_str(), "draft");
    assert_eq!(c.currency, "GBP");
    assert_eq!(c.mechanism, "rate_card");
    assert_eq!(c.contract_cap_minor, 330_000_000);
    assert_eq!(c.participant_cap_minor, Some(1_170_000));
    assert_eq!(c.investor_commitments_minor, 90_000_000);
    assert_eq!(c.period, "quarter");
    assert_eq!(c.start_on, "2012-04-01");
    assert_eq!(c.cohorts.as_array().map(Vec::len), Some(2));
    assert_eq!(c.parties.len(), 5);
    let provider_party = c.parties.iter().find(|p| p.role == "provider").expect("provider party");
    assert_eq!(provider_party.organisation_id, Some(f.provider_org));
    assert!(c.parties.iter().all(|p| p.account_id.is_none()));

    // Forward only; accounts open at "contracted".
    let c = f.app.transition_contract(&officer, f.tenant, c.id, "feasibility").await.expect("feasibility");
    let err = f.app.transition_contract(&officer, f.tenant, c.id, "draft").await.expect_err("backward");
    assert_eq!(err.code(), "backward_transition");
    let err = f.app.transition_contract(&officer, f.tenant, c.id, "feasibility").await.expect_err("same");
    assert_eq!(err.code(), "backward_transition");
    let c = f.app.transition_contract(&officer, f.tenant, c.id, "contracted").await.expect("contracted");
    assert!(c.spv_account_id.is_some());
    for role in ["outcome_payer", "spv", "investor", "provider"] {
        let p = c.parties.iter().find(|p| p.role == role).expect("party");
        assert!(p.account_id.is_some(), "{role} has an account");
    }
    assert_eq!(c.parties.iter().find(|p| p.role == "spv").and_then(|p| p.account_id.clone()), c.spv_account_id);
    let ledgers = f.app.list_ledgers(&officer, f.tenant).await.expect("ledgers");
    assert!(ledgers.iter().any(|l| l.code == "GBP" && l.scale == 2));

    // Who sees it: staff, and the contract's own provider; not another organisation.
    let terms = f.app.contract_terms(&f.provider(), f.tenant, c.id).await.expect("terms");
    assert_eq!(terms.contract.metrics.len(), 7);
    assert_eq!(terms.contract.metric("nqf_level_2").and_then(|m| m.price_minor), Some(220_000));
    assert_eq!(terms.source, dwp_toml());
    assert_eq!(f.app.list_contracts(&f.approver(), f.tenant, None, None).await.expect("list").items.len(), 1);
    assert_eq!(f.app.list_contracts(&f.provider(), f.tenant, None, None).await.expect("list").items.len(), 1);
    let stranger = f.user(50, Role::Provider, Some(f.other_org));
    assert!(f.app.list_contracts(&stranger, f.tenant, None, None).await.expect("list").items.is_empty());
    assert!(matches!(f.app.contract(&stranger, f.tenant, c.id).await, Err(AppError::NotFound(_))));
    // An unknown contract or claim is not found, whatever else the request gets wrong.
    let unknown = f.app.transition_contract(&officer, f.tenant, c.id + 1_000, "no-such-state").await;
    assert!(matches!(unknown, Err(AppError::NotFound(_))), "{unknown:?}");
    let unknown =
        f.app.verify_claim(&f.reviewer(), f.tenant, 987_654, &ClaimVerdict::Rejected { reason: String::new() }).await;
    assert!(matches!(unknown, Err(AppError::NotFound(_))), "{unknown:?}");
    // Linking a party to another organisation moves who acts for it.
    let evaluator_party = c.parties.iter().find(|p| p.role == "evaluator").expect("evaluator").id;
    let err = f.app.link_party_organisation(&officer, f.tenant, c.id, evaluator_party, Some(9_999)).await;
    assert_eq!(err.expect_err("unknown").code(), "unknown_organisation");
    let linked = f.app.link_party_organisation(&officer, f.tenant, c.id, evaluator_party, Some(f.other_org)).await;
    assert_eq!(
        linked.expect("link").parties.iter().find(|p| p.id == evaluator_party).and_then(|p| p.organisation_id),
        Some(f.other_org)
    );
    assert_eq!(f.app.list_contracts(&stranger, f.tenant, None, None).await.expect("list").items.len(), 1);
    f.app.link_party_organisation(&officer, f.tenant, c.id, evaluator_party, None).await.expect("unlink");
    assert!(f.app.list_contracts(&stranger, f.tenant, None, None).await.expect("list").items.is_empty());

    let c = f.app.transition_contract(&officer, f.tenant, c.id, "running").await.expect("running");
    assert_eq!(c.state.as_str(), "running");
    let audit = f.app.audit_page(&SYSTEM, f.tenant, None, Some(200)).await.expect("audit");
    let transitions = audit.items.iter().filter(|e| e.action == "outcomes.transition_contract").count();
    assert_eq!(transitions, 3);
    assert!(audit.items.iter().any(|e| e.action == "outcomes.create_contract"));
    assert!(koinon_app::audit::verify(f.app.store()).await.expect("verify").ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contracts_and_lifecycle_on_sqlite() {
    contracts_and_lifecycle(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contracts_and_lifecycle_on_postgres() {
    contracts_and_lifecycle(true).await;
}

async fn participant_imports(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let id = running_contract(&f).await;
    let provider = f.provider();

    let bad = format!(
        "{PARTICIPANTS}P004,y2099,2013-01-01\nP005,y2012,2014-01-01\nP001,y2013,2013-05-01\nP006,y2012,2012-13-01\n"
    );
    let preview = f.app.preview_participants(&provider, f.tenant, id, &bad).await.expect("preview");
    assert_eq!((preview.accepted, preview.rejected, preview.already_present), (3, 4, 0));
    let reasons: Vec<(u64, Option<&str>)> =
        preview.rows.iter().filter(|r| r.status == RowStatus::Rejected).map(|r| (r.line, r.code)).collect();
    assert_eq!(
        reasons,
        vec![
            (5, Some("unknown_cohort")),
            (6, Some("outside_cohort_dates")),
            (7, Some("duplicate_participant")),
            (8, Some("invalid_date"))
        ]
    );

    // A commit of a file with rejected rows is refused whole and writes nothing.
    let err = f.app.commit_participants(&provider, f.tenant, id, &bad).await.expect_err("rejected commit");
    let fields: Vec<String> = codes(&err).into_iter().map(|(field, _)| field).collect();
    assert_eq!(fields, vec!["line 5", "line 6", "line 7", "line 8"]);
    assert!(f.app.list_participants(&provider, f.tenant, id, None, None).await.expect("list").items.is_empty());

    // A large bad file: the refusal lists the first 100 rows and counts the rest.
    let many: String = std::iter::once("participant,cohort,enrolled_on\n".to_string())
        .chain((0..150).map(|i| format!("Q{i:03},nowhere,2012-05-02\n")))
        .collect();
    let err = f.app.commit_participants(&provider, f.tenant, id, &many).await.expect_err("many");
    let listed = codes(&err);
    assert_eq!(listed.len(), 101);
    assert_eq!(listed[100], ("file".to_string(), "too_many_errors"));

    // A missing column is a file error.
    let preview =
        f.app.preview_participants(&provider, f.tenant, id, "participant,cohort\nP001,y2012\n").await.expect("preview");
    assert_eq!(preview.file_errors.first().map(|e| e.code), Some("missing_column"));

    let done = f.app.commit_participants(&provider, f.tenant, id, PARTICIPANTS).await.expect("commit");
    assert!(done.committed);
    assert_eq!((done.accepted, done.already_present), (3, 0));
    // The same file again changes nothing.
    let again = f.app.commit_participants(&provider, f.tenant, id, PARTICIPANTS).await.expect("again");
    assert_eq!((again.accepted, again.already_present), (0, 3));
    let list = f.app.list_participants(&f.officer(), f.tenant, id, None, None).await.expect("list");
    assert_eq!(list.items.iter().map(|p| p.participant.as_str()).collect::<Vec<_>>(), ["P001", "P002", "P003"]);

    // Another organisation's provider may not import; a reviewer may not either.
    let stranger = f.user(50, Role::Provider, Some(f.other_org));
    assert!(f.app.commit_participants(&stranger, f.tenant, id, PARTICIPANTS).await.is_err());
    assert!(matches!(
        f.app.commit_participants(&f.reviewer(), f.tenant, id, PARTICIPANTS).await,
        Err(AppError::Forbidden)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participant_imports_on_sqlite() {
    participant_imports(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participant_imports_on_postgres() {
    participant_imports(true).await;
}

async fn claims_and_verification(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let id = running_contract(&f).await;
    let provider = f.provider();
    f.app.commit_participants(&provider, f.tenant, id, PARTICIPANTS).await.expect("participants");

    // Refusal reasons by line, from the contract's rules.
    let bad = "participant,metric,event_on,claimed_on\n\
P002,employment_26_weeks,2013-02-01,2013-02-10\n\
P002,employment_13_weeks,2012-11-01,2012-11-05\n\
P002,employment_13_weeks,2012-12-01,2012-12-05\n\
P004,nqf_level_1,2013-06-01,2013-06-05\n\
P003,school_attendance,2013-05-01,2013-12-30\n\
P003,nqf_level_1,2015-06-01,2015-06-05\n\
P003,flying,2013-06-01,2013-06-05\n";
    let preview = f.app.preview_claims(&provider, f.tenant, id, bad).await.expect("preview");
    let by_line: Vec<(u64, RowStatus, Option<&str>)> =
        preview.rows.iter().map(|r| (r.line, r.status, r.code)).collect();
    assert_eq!(
        by_line,
        vec![
            (2, RowStatus::Rejected, Some("missing_prerequisite")),
            (3, RowStatus::Accepted, None),
            (4, RowStatus::Rejected, Some("duplicate_once_only")),
            (5, RowStatus::Rejected, Some("unknown_participant")),
            (6, RowStatus::Rejected, Some("outside_claim_window")),
            (7, RowStatus::Rejected, Some("outside_contract_dates")),
            (8, RowStatus::Rejected, Some("unknown_metric")),
        ]
    );
    let err = f.app.commit_claims(&provider, f.tenant, id, bad).await.expect_err("refused");
    assert_eq!(codes(&err).len(), 6);
    assert!(f.app.list_claims(&provider, f.tenant, id, None, None, None).await.expect("list").items.is_empty());

    // Two imports at once claiming the same once-only outcome on different dates: one wins.
    let a = "participant,metric,event_on,claimed_on\nP002,nqf_level_2,2012-11-30,2012-12-10\n";
    let b = "participant,metric,event_on,claimed_on\nP002,nqf_level_2,2012-12-15,2012-12-20\n";
    let officer = f.officer();
    let (ra, rb) =
        tokio::join!(f.app.commit_claims(&provider, f.tenant, id, a), f.app.commit_claims(&officer, f.tenant, id, b));
    assert_eq!(u8::from(ra.is_ok()) + u8::from(rb.is_ok()), 1, "{ra:?} {rb:?}");
    let loser = ra.err().or(rb.err()).expect("one refused");
    assert_eq!(codes(&loser), vec![("line 2".to_string(), "duplicate_once_only")]);
    let stored = f.app.list_claims(&provider, f.tenant, id, None, None, None).await.expect("list").items;
    assert_eq!(stored.len(), 1);
    let winner = stored[0].id;
    f.app
        .verify_claim(&f.reviewer(), f.tenant, winner, &ClaimVerdict::Rejected { reason: "Test import".into() })
        .await
        .expect("reject");

    let done = f.app.commit_claims(&provider, f.tenant, id, CLAIMS).await.expect("claims");
    assert_eq!((done.accepted, done.rejected), (6, 0));
    let again = f.app.commit_claims(&provider, f.tenant, id, CLAIMS).await.expect("again");
    assert_eq!((again.accepted, again.already_present), (0, 6));
    // A once-only outcome claimed again on another date is refused against what is stored.
    let dup = "participant,metric,event_on,claimed_on\nP001,nqf_level_2,2013-01-30,2013-02-10\n";
    let preview = f.app.preview_claims(&provider, f.tenant, id, dup).await.expect("preview");
    assert_eq!(preview.rows[0].code, Some("duplicate_once_only"));

    let claims = f.app.list_claims(&provider, f.tenant, id, Some("submitted"), None, None).await.expect("list").items;
    assert_eq!(claims.len(), 6);
    assert!(claims.iter().all(|c| c.claimant_organisation_id == Some(f.provider_org)));
    // NQF level 2 claimed 2012-12-10, 60 days to verify.
    assert_eq!(claims[0].verification_due_on.as_deref(), Some("2013-02-08"));
    let first = claims[0].id;

    // Evidence: kept with the claim, limited in size and type.
    let pdf = b"%PDF-1.4 certificate".to_vec();
    let ev =
        f.app.attach_evidence(&provider, f.tenant, first, "cert.pdf", "application/pdf", &pdf).await.expect("evidence");
    assert_eq!(ev.size_bytes, pdf.len() as i64);
    let listed = f.app.list_claims(&provider, f.tenant, id, Some("submitted"), None, None).await.expect("list").items;
    assert_eq!(listed.iter().map(|c| c.has_evidence).collect::<Vec<_>>(), [true, false, false, false, false, false]);
    let back = f.app.claim_evidence(&f.reviewer(), f.tenant, first).await.expect("evidence back");
    assert_eq!(back.content, pdf);
    // Investors see the contract, not the participants' records.
    assert!(f.app.contract(&f.investor(), f.tenant, id).await.is_ok());
    assert!(matches!(f.app.claim_evidence(&f.investor(), f.tenant, first).await, Err(AppError::Forbidden)));
    assert!(matches!(f.app.list_claims(&f.investor(), f.tenant, id, None, None, None).await, Err(AppError::Forbidden)));
    assert!(matches!(f.app.list_participants(&f.investor(), f.tenant, id, None, None).await, Err(AppError::Forbidden)));
    let err =
        f.app.attach_evidence(&provider, f.tenant, claims[1].id, "x.exe", "application/x-msdownload", b"MZ").await;
    assert_eq!(err.expect_err("type").code(), "unsupported_content_type");
    let big = vec![0u8; koinon_app::outcomes::EVIDENCE_BYTES_MAX + 1];
    let err = f.app.attach_evidence(&provider, f.tenant, claims[1].id, "big.pdf", "application/pdf", &big).await;
    assert_eq!(err.expect_err("size").code(), "file_size");
    let err = f.app.attach_evidence(&provider, f.tenant, first, "again.pdf", "application/pdf", &pdf).await;
    assert_eq!(err.expect_err("second file").code(), "already_exists");

    // One claim from a form, with its evidence; refusals name the field and the reason.
    let input = |participant: &str, metric: &str, event_on: &str, claimed_on: &str| ClaimInput {
        participant: participant.into(),
        metric: metric.into(),
        event_on: event_on.into(),
        claimed_on: claimed_on.into(),
    };
    let form = input("P003", "school_behaviour", "2013-09-20", "2013-10-01");
    let letter =
        EvidenceInput { file_name: "letter.pdf", content_type: "application/pdf", content: b"%PDF head teacher" };
    let bad_evidence = EvidenceInput { content_type: "application/zip", ..letter };
    let err = f.app.submit_claim(&provider, f.tenant, id, &form, Some(bad_evidence)).await.expect_err("zip");
    assert_eq!(err.code(), "unsupported_content_type");
    let err = f
        .app
        .submit_claim(&provider, f.tenant, id, &input("P009", "school_behaviour", "2013-09-20", "2013-10-01"), None)
        .await
        .expect_err("unknown participant");
    assert_eq!(codes(&err), vec![("participant".to_string(), "unknown_participant")]);
    let err = f
        .app
        .submit_claim(&provider, f.tenant, id, &input("P003", "school_behaviour", "2013-09-20", "2014-06-01"), None)
        .await
        .expect_err("late");
    assert_eq!(codes(&err), vec![("claimed_on".to_string(), "outside_claim_window")]);
    let submitted = f.app.submit_claim(&provider, f.tenant, id, &form, Some(letter)).await.expect("form claim");
    assert_eq!(
        (submitted.status.as_str(), submitted.verification_due_on.as_deref()),
        ("submitted", Some("2013-11-30"))
    );
    assert_eq!(
        f.app.claim_evidence(&f.reviewer(), f.tenant, submitted.id).await.expect("letter").content,
        letter.content
    );
    let err = f.app.submit_claim(&provider, f.tenant, id, &form, None).await.expect_err("twice");
    assert_eq!(err.code(), "already_exists");

    // Only an evaluator verifies, never one of the claimant's organisation.
    for actor in [provider.clone(), f.officer(), f.approver(), f.user(31, Role::Reviewer, Some(f.provider_org))] {
        let r = f.app.verify_claim(&actor, f.tenant, first, &ClaimVerdict::Verified).await;
        assert!(matches!(r, Err(AppError::Forbidden)), "{actor:?}: {r:?}");
    }
    let reviewer = f.reviewer();
    let v = f.app.verify_claim(&reviewer, f.tenant, first, &ClaimVerdict::Verified).await.expect("verify");
    assert_eq!(v.status, "verified");
    assert_eq!(v.reviewed_by.as_deref(), Some("user:30"));
    let err = f.app.verify_claim(&reviewer, f.tenant, first, &ClaimVerdict::Verified).await.expect_err("twice");
    assert_eq!(err.code(), "claim_reviewed");
    let err = f
        .app
        .verify_claim(&reviewer, f.tenant, claims[4].id, &ClaimVerdict::Rejected { reason: " ".into() })
        .await
        .expect_err("no reason");
    assert_eq!(codes(&err)[0].0, "reason");
    let r = f
        .app
        .verify_claim(&reviewer, f.tenant, claims[4].id, &ClaimVerdict::Rejected { reason: "No payslips".into() })
        .await
        .expect("reject");
    assert_eq!((r.status.as_str(), r.rejection_reason.as_deref()), ("rejected", Some("No payslips")));
    let audit = f.app.audit_page(&SYSTEM, f.tenant, None, Some(200)).await.expect("audit");
    assert_eq!(audit.items.iter().filter(|e| e.action == "outcomes.verify_claim").count(), 3);
    assert!(audit.items.iter().any(|e| e.action == "outcomes.attach_evidence"));

    // A backup restores every outcomes row, evidence bytes included.
    let mut dump = Vec::new();
    koinon_store::dump::backup(f.app.store(), &mut dump).await.expect("backup");
    let (restored, _dir) = fresh_store(postgres).await.expect("second store");
    koinon_store::dump::restore(&restored, dump.as_slice()).await.expect("restore");
    let app2 = App::new(restored);
    assert_eq!(
        app2.contract(&f.officer(), f.tenant, id).await.expect("contract"),
        f.app.contract(&f.officer(), f.tenant, id).await.expect("contract")
    );
    assert_eq!(app2.claim_evidence(&reviewer, f.tenant, first).await.expect("evidence").content, pdf);
    let all =
        |app: App| async move { app.list_claims(&SYSTEM, f.tenant, id, None, None, None).await.expect("claims").items };
    assert_eq!(all(app2.clone()).await, all(f.app.clone()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_and_verification_on_sqlite() {
    claims_and_verification(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_and_verification_on_postgres() {
    claims_and_verification(true).await;
}

async fn balances(f: &Fixture, account: &str) -> (i64, i64) {
    let a = f.app.ledger_account(&SYSTEM, f.tenant, account, None).await.expect("account");
    assert_eq!((a.debits_pending, a.credits_pending), (0, 0));
    (a.debits_posted, a.credits_posted)
}

async fn payment_runs_and_figures(postgres: bool) {
    let Some(mut f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let c = f.app.create_contract(&officer, f.tenant, &dwp_toml()).await.expect("contract");
    let id = c.id;
    // Investors: capital plus at most 10% (1.1×); the residual goes to the provider.
    f.app.set_waterfall_terms(&officer, f.tenant, id, Some(11_000), 0).await.expect("waterfall");
    f.app.transition_contract(&officer, f.tenant, id, "contracted").await.expect("contracted");
    let c = f.app.transition_contract(&officer, f.tenant, id, "running").await.expect("running");
    let party = |role: &str| c.parties.iter().find(|p| p.role == role).expect("party").clone();
    let (payer, investor, provider_party) = (party("outcome_payer"), party("investor"), party("provider"));
    let spv = c.spv_account_id.clone().expect("spv account");

    // £8,000 drawn from the investor and passed to the provider.
    let err =
        f.app.record_drawdown(&officer, f.tenant, id, &drawdown(investor.id, 90_000_001, "2012-04-02", "dd-0")).await;
    assert_eq!(err.expect_err("over commitment").code(), "over_commitment");
    let dd = f
        .app
        .record_drawdown(&officer, f.tenant, id, &drawdown(investor.id, 800_000, "2012-04-02", "dd-1"))
        .await
        .expect("drawdown");
    // The same request again draws once; the same id for something else is a conflict.
    let again = f
        .app
        .record_drawdown(&officer, f.tenant, id, &drawdown(investor.id, 800_000, "2012-04-02", "dd-1"))
        .await
        .expect("again");
    assert_eq!(again, dd);
    let err = f.app.record_drawdown(&officer, f.tenant, id, &drawdown(investor.id, 1, "2012-04-02", "dd-1")).await;
    assert_eq!(err.expect_err("reused id").code(), "already_exists");
    let err = f.app.record_drawdown(&officer, f.tenant, id, &drawdown(investor.id, 1, "2012-04-02", "")).await;
    assert_eq!(err.expect_err("no id").code(), "invalid_request_id");
    assert_eq!(f.app.list_drawdowns(&f.investor(), f.tenant, id).await.expect("drawdowns"), vec![dd.clone()]);
    assert!(matches!(f.app.list_drawdowns(&f.provider(), f.tenant, id).await, Err(AppError::Forbidden)));

    let provider = f.provider();
    f.app.commit_participants(&provider, f.tenant, id, PARTICIPANTS).await.expect("participants");
    f.app.commit_claims(&provider, f.tenant, id, CLAIMS).await.expect("claims");
    let reviewer = f.reviewer();
    for claim in f.app.list_claims(&reviewer, f.tenant, id, None, None, None).await.expect("claims").items {
        let verdict = if claim.participant == "P002" {
            ClaimVerdict::Rejected { reason: "No payslips".into() }
        } else {
            ClaimVerdict::Verified
        };
        f.app.verify_claim(&reviewer, f.tenant, claim.id, &verdict).await.expect("review");
    }

    // A run can be sent back by an approver, with a reason; the period is then prepared again.
    let sent_back = f.app.prepare_payment_run(&officer, f.tenant, id, "2013-Q2", None).await.expect("prepare");
    let err = f.app.reject_payment_run(&f.approver(), f.tenant, sent_back.id, "").await.expect_err("no reason");
    assert_eq!(codes(&err)[0].0, "reason");
    let sent_back = f
        .app
        .reject_payment_run(&f.approver(), f.tenant, sent_back.id, "Wait for Q2 verifications")
        .await
        .expect("reject");
    assert_eq!((sent_back.state.as_str(), sent_back.rejected_by.as_deref()), ("rejected", Some("user:11")));
    let err =
        f.app.approve_payment_run(&f.approver(), f.tenant, sent_back.id, "2013-07-15").await.expect_err("rejected");
    assert_eq!(err.code(), "run_not_prepared");

    // Run 1, up to 2013-06-30: P001 NQF 2 (2,200) + NQF 3 (3,300) + P003 NQF 1 (700) = 6,200.
    let err = f.app.prepare_payment_run(&officer, f.tenant, id, "2013-06", None).await.expect_err("bad period");
    assert_eq!(err.code(), "invalid_period");
    assert!(matches!(
        f.app.prepare_payment_run(&f.approver(), f.tenant, id, "2013-Q2", None).await,
        Err(AppError::Forbidden)
    ));
    let run1 = f.app.prepare_payment_run(&officer, f.tenant, id, "2013-Q2", None).await.expect("prepare");
    assert_eq!((run1.up_to.as_str(), run1.state.as_str()), ("2013-06-30", "prepared"));
    assert_eq!((run1.cumulative_due_minor, run1.previously_paid_minor, run1.amount_due_minor), (620_000, 0, 620_000));
    assert_eq!(run1.statement["total_due"]["minor"], 620_000);
    assert_eq!(run1.statement["claims_accepted"], 3);
    let err = f.app.prepare_payment_run(&officer, f.tenant, id, "2014-Q1", None).await.expect_err("one open run");
    assert_eq!(err.code(), "already_exists");
    let err = f.app.transition_contract(&officer, f.tenant, id, "closed").await.expect_err("open run");
    assert_eq!(err.code(), "payment_run_open");

    // Four eyes: the preparer cannot approve, even with the approver role; an officer cannot.
    let preparer_as_approver = f.user(10, Role::Approver, None);
    let err =
        f.app.approve_payment_run(&preparer_as_approver, f.tenant, run1.id, "2013-07-15").await.expect_err("four eyes");
    assert_eq!(err.code(), "preparer_cannot_approve");
    assert!(matches!(
        f.app.approve_payment_run(&f.user(12, Role::Officer, None), f.tenant, run1.id, "2013-07-15").await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(f.app.payment_run(&officer, f.tenant, run1.id).await.expect("run").state, "prepared");

    // The ledger is unavailable while approving (the process stops): the run stays approved,
    // nothing is posted, and approving again after a restart posts it.
    let approver = f.approver();
    f.app.shutdown().await;
    let err = f.app.approve_payment_run(&approver, f.tenant, run1.id, "2013-07-15").await.expect_err("no ledger");
    assert_eq!(err.code(), "unavailable");
    assert_eq!(f.app.payment_run(&officer, f.tenant, run1.id).await.expect("run").state, "approved");
    f.app = App::new(f.app.store().clone());
    let run1 = f.app.approve_payment_run(&approver, f.tenant, run1.id, "2013-07-15").await.expect("approve");
    assert_eq!((run1.state.as_str(), run1.approved_by.as_deref()), ("paid", Some("user:11")));
    // £6,200 in; all of it repays capital (£8,000 outstanding).
    let d = run1.distribution.clone().expect("distribution");
    assert_eq!((d.investors[0].capital_minor, d.investors[0].return_minor, d.other_party_minor), (620_000, 0, 0));
    assert_eq!(run1.transfers.len(), 2);
    assert_eq!(
        run1.transfers.iter().filter(|t| t.kind == "distribution").map(|t| t.amount_minor).sum::<i64>(),
        620_000
    );
    let err = f.app.approve_payment_run(&approver, f.tenant, run1.id, "2013-07-15").await.expect_err("paid");
    assert_eq!(err.code(), "run_not_prepared");

    // Run 2, up to 2014-03-31: + 13 weeks (2,600) + 26 weeks (1,000) = 9,800 cumulative, 3,600 due.
    let err = f.app.prepare_payment_run(&officer, f.tenant, id, "2013-Q1", None).await.expect_err("backwards");
    assert_eq!(err.code(), "period_not_after_last_run");
    let run2 = f.app.prepare_payment_run(&officer, f.tenant, id, "2014-Q1", None).await.expect("prepare 2");
    assert_eq!(
        (run2.cumulative_due_minor, run2.previously_paid_minor, run2.amount_due_minor),
        (980_000, 620_000, 360_000)
    );
    let run2 = f.app.approve_payment_run(&approver, f.tenant, run2.id, "2014-04-15").await.expect("approve 2");
    // £3,600: £1,800 capital (the rest of it), £800 return (10% of £8,000), £1,000 to the provider.
    let d = run2.distribution.clone().expect("distribution");
    assert_eq!(
        (d.investors[0].capital_minor, d.investors[0].return_minor, d.investors[0].residual_minor),
        (180_000, 80_000, 0)
    );
    assert_eq!((d.other_party_id, d.other_party_minor), (Some(provider_party.id), 100_000));
    let paid: i64 = run2.transfers.iter().filter(|t| t.kind == "distribution").map(|t| t.amount_minor).sum();
    assert_eq!(paid, run2.amount_due_minor);

    // The ledger: the payer paid 9,800; the SPV passed on everything; the investor got 8,800
    // for 8,000; the provider got 8,000 of funding and 1,000 of residual.
    let account = |p: &koinon_app::outcomes::PartyView| p.account_id.clone().expect("account");
    assert_eq!(balances(&f, &account(&payer)).await, (980_000, 0));
    assert_eq!(balances(&f, &spv).await, (1_780_000, 1_780_000));
    assert_eq!(balances(&f, &account(&investor)).await, (800_000, 880_000));
    assert_eq!(balances(&f, &account(&provider_party)).await, (0, 900_000));

    // The overview: enrolment against target, claims by status, paid against the cap.
    let o = f.app.contract_overview(&f.investor(), f.tenant, id).await.expect("overview");
    let enrolled: Vec<(&str, u32, i64)> =
        o.enrolment.iter().map(|e| (e.cohort.as_str(), e.target_size, e.enrolled)).collect();
    assert_eq!(enrolled, [("y2012", 1000, 2), ("y2013", 1000, 1)]);
    assert_eq!(o.claims_by_status, vec![("rejected".to_string(), 1), ("verified".to_string(), 5)]);
    assert_eq!((o.paid_minor, o.cap_remaining_minor), (980_000, 330_000_000 - 980_000));
    assert_eq!((o.paid_up_to_period.as_deref(), o.open_run.clone()), (Some("2014-Q1"), None));

    // Investor figures from the ledger transfers.
    let figures = f.app.investor_figures(&f.investor(), f.tenant, id).await.expect("figures");
    assert_eq!(figures.investors.len(), 1);
    let inv = &figures.investors[0];
    assert_eq!((inv.committed_minor, inv.drawn_minor, inv.received_minor), (90_000_000, 800_000, 880_000));
    assert_eq!((inv.capital_returned_minor, inv.return_minor, inv.residual_minor), (800_000, 80_000, 0));
    let r = inv.returns.clone().expect("returns");
    assert!((r.moic - 1.1).abs() < 1e-12, "{}", r.moic);
    assert_eq!((r.net.as_str(), r.max_loss.as_str(), r.paid_out.as_str()), ("800.00", "8000.00", "8000.00"));
    assert_eq!(r.payback_date, parse_date("2014-04-15"));
    assert_eq!(r.max_loss_date, parse_date("2012-04-02"));
    // The XIRR zeroes the net present value of -8,000 on 2012-04-02, +6,200 on 2013-07-15 and
    // +2,600 on 2014-04-15 (Actual/365).
    let npv = |rate: f64| {
        [("2012-04-02", -8000.0), ("2013-07-15", 6200.0), ("2014-04-15", 2600.0)]
            .iter()
            .map(|(d, a)| {
                let days = (parse_date(d).expect("d") - parse_date("2012-04-02").expect("d")).whole_days() as f64;
                a / (1.0 + rate).powf(days / 365.0)
            })
            .sum::<f64>()
    };
    assert!(npv(r.xirr).abs() < 1e-6, "xirr {} npv {}", r.xirr, npv(r.xirr));
    assert!(r.xirr > 0.065 && r.xirr < 0.066, "{}", r.xirr);
    assert_eq!(figures.total.received_minor, 880_000);
    assert_eq!(figures.total.returns.as_ref().map(|r| r.net.as_str()), Some("800.00"));

    // Another investor organisation sees nothing; a provider may not see investor figures.
    assert!(f.app.investor_figures(&f.user(41, Role::Investor, Some(f.other_org)), f.tenant, id).await.is_err());
    assert!(matches!(f.app.investor_figures(&provider, f.tenant, id).await, Err(AppError::Forbidden)));

    // Investors see the runs without the lines naming participants; staff see them.
    let staff_view = f.app.payment_run(&officer, f.tenant, run2.id).await.expect("run");
    assert_eq!(staff_view.statement["by_participant"].as_array().map(Vec::len), Some(2));
    let investor_view = f.app.payment_run(&f.investor(), f.tenant, run2.id).await.expect("run");
    assert!(investor_view.statement.get("by_participant").is_none());
    assert_eq!(investor_view.statement["total_due"]["minor"], 980_000);
    let runs = f.app.list_payment_runs(&f.investor(), f.tenant, id).await.expect("runs");
    assert!(runs.iter().all(|r| r.statement.get("by_participant").is_none()));
    assert_eq!(runs.iter().map(|r| r.state.as_str()).collect::<Vec<_>>(), ["rejected", "paid", "paid"]);
    assert_eq!(runs.iter().filter(|r| r.state == "paid").map(|r| r.amount_due_minor).sum::<i64>(), 980_000);
    let audit = f.app.audit_page(&SYSTEM, f.tenant, None, Some(200)).await.expect("audit");
    for (action, count) in [
        ("outcomes.prepare_payment_run", 3),
        ("outcomes.reject_payment_run", 1),
        ("outcomes.approve_payment_run", 2),
        ("outcomes.payment_run_paid", 2),
        ("outcomes.record_drawdown", 1),
    ] {
        assert_eq!(audit.items.iter().filter(|e| e.action == action).count(), count, "{action}");
    }
    assert!(koinon_app::audit::verify(f.app.store()).await.expect("verify").ok);
    let closed = f.app.transition_contract(&officer, f.tenant, id, "closed").await.expect("close");
    assert_eq!(closed.state.as_str(), "closed");
    let err = f.app.prepare_payment_run(&officer, f.tenant, id, "2014-Q2", None).await;
    assert!(err.is_ok(), "a closed contract still settles its last periods: {err:?}");
    let check = koinon_app::ledger::check(f.app.store()).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);
    f.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_runs_and_figures_on_sqlite() {
    payment_runs_and_figures(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_runs_and_figures_on_postgres() {
    payment_runs_and_figures(true).await;
}

async fn results_based_runs(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let toml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/outcomes/faz-te-forward-targets.toml"
    ))
    .expect("example");
    let results = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/outcomes/faz-te-forward-targets.results.csv"
    ))
    .expect("results");
    let c = f.app.create_contract(&officer, f.tenant, &toml).await.expect("contract");
    let c = f.app.transition_contract(&officer, f.tenant, c.id, "running").await.expect("running");
    // No SPV party: the contract gets a holding account of its own.
    assert!(c.spv_account_id.is_some() && !c.parties.iter().any(|p| p.role == "spv"));
    let investor = c.parties.iter().find(|p| p.role == "investor").expect("investor").clone();
    f.app
        .record_drawdown(
            &officer,
            f.tenant,
            c.id,
            &drawdown(investor.id, 10_000_000, "2016-01-15", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
        )
        .await
        .expect("drawdown");

    // A malformed results file is refused by line.
    let err = f
        .app
        .prepare_payment_run(
            &officer,
            f.tenant,
            c.id,
            "2017-Q3",
            Some("cohort,measure,value\nlisbon-2016,participants,x\n"),
        )
        .await
        .expect_err("bad results");
    assert!(codes(&err).iter().any(|(field, _)| field == "results line 2"), "{err:?}");

    // The targets pay in the period the cohort ends (2017-Q4): nothing is due before.
    let run = f.app.prepare_payment_run(&officer, f.tenant, c.id, "2017-Q3", Some(&results)).await.expect("run");
    assert_eq!(run.amount_due_minor, 0);
    let run = f.app.approve_payment_run(&f.approver(), f.tenant, run.id, "2017-10-05").await.expect("approve");
    assert_eq!((run.state.as_str(), run.transfers.len()), ("paid", 0));

    // 18 of 40 entered work (45% >= 40%): 60,000; 9 of 40 employed at 6 months (22.5% >= 20%):
    // 50,000. The results of the last run still count.
    let run = f.app.prepare_payment_run(&officer, f.tenant, c.id, "2017-Q4", None).await.expect("run");
    assert_eq!((run.cumulative_due_minor, run.amount_due_minor), (11_000_000, 11_000_000));
    let run = f.app.approve_payment_run(&f.approver(), f.tenant, run.id, "2018-01-20").await.expect("approve");
    // Uncapped: capital back (100,000) and the rest as return, all to the investors.
    let d = run.distribution.expect("distribution");
    assert_eq!(
        (d.investors[0].capital_minor, d.investors[0].return_minor, d.other_party_minor),
        (10_000_000, 1_000_000, 0)
    );
    let figures = f.app.investor_figures(&officer, f.tenant, c.id).await.expect("figures");
    assert_eq!((figures.total.drawn_minor, figures.total.received_minor), (10_000_000, 11_000_000));
    let r = figures.total.returns.expect("returns");
    assert_eq!((r.net.as_str(), r.payback_date), ("10000.00", parse_date("2018-01-20")));
    f.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_based_runs_on_sqlite() {
    results_based_runs(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_based_runs_on_postgres() {
    results_based_runs(true).await;
}

async fn savings_share_runs(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let example = |name: &str| {
        std::fs::read_to_string(format!("{}/../../examples/outcomes/{name}", env!("CARGO_MANIFEST_DIR"))).expect(name)
    };
    let c = f.app.create_contract(&officer, f.tenant, &example("koto-savings-share.toml")).await.expect("contract");
    let c = f.app.transition_contract(&officer, f.tenant, c.id, "running").await.expect("running");
    let participants = "participant,cohort,enrolled_on\nK001,sib-group,2016-10-03\nK002,sib-group,2016-10-03\nK003,sib-group,2017-01-09\n";
    f.app.commit_participants(&officer, f.tenant, c.id, participants).await.expect("participants");
    let claims = "participant,metric,event_on,claimed_on\n\
K001,integration_training,2017-03-31,2017-04-10\n\
K002,integration_training,2017-03-31,2017-04-10\n\
K003,integration_training,2017-06-30,2017-07-03\n";
    f.app.commit_claims(&officer, f.tenant, c.id, claims).await.expect("claims");
    for claim in f.app.list_claims(&officer, f.tenant, c.id, None, None, None).await.expect("claims").items {
        f.app.verify_claim(&f.reviewer(), f.tenant, claim.id, &ClaimVerdict::Verified).await.expect("verify");
    }
    // 2017-Q1: two trainings completed, €1,500 each.
    let run = f.app.prepare_payment_run(&officer, f.tenant, c.id, "2017-Q1", None).await.expect("run");
    assert_eq!(run.amount_due_minor, 300_000);
    f.app.approve_payment_run(&f.approver(), f.tenant, run.id, "2017-04-28").await.expect("approve");
    // 2019-Q2 (the cohort ends): the third training, and half the savings of €2,670 a person
    // (taxes +1,330, benefits −1,340) for 1,000 persons: 1,335 × 1,000 = €1,335,000.
    let run = f
        .app
        .prepare_payment_run(&officer, f.tenant, c.id, "2019-Q2", Some(&example("koto-savings-share.results.csv")))
        .await
        .expect("run");
    assert_eq!((run.cumulative_due_minor, run.previously_paid_minor), (133_950_000, 300_000));
    assert_eq!(run.amount_due_minor, 133_650_000);
    let run = f.app.approve_payment_run(&f.approver(), f.tenant, run.id, "2019-07-31").await.expect("approve");
    // No capital drawn: everything passes to the provider.
    assert_eq!(run.distribution.expect("distribution").other_party_minor, 133_650_000);
    let account =
        |role: &str| c.parties.iter().find(|p| p.role == role).and_then(|p| p.account_id.clone()).expect("account");
    assert_eq!(balances(&f, &account("outcome_payer")).await, (133_950_000, 0));
    assert_eq!(balances(&f, &account("provider")).await, (0, 133_950_000));
    assert_eq!(balances(&f, &account("spv")).await, (133_950_000, 133_950_000));
    f.app.shutdown().await;
}

/// Two outcome payers sharing each payment 70/30: each run posts one transfer per payer, and
/// the ledger holds each payer's part to the cent.
async fn shared_payers(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let example = |name: &str| {
        std::fs::read_to_string(format!("{}/../../examples/outcomes/{name}", env!("CARGO_MANIFEST_DIR"))).expect(name)
    };
    let toml = example("koto-savings-share.toml").replace(
        "name = \"Ministry of Economic Affairs and Employment\"\nrole = \"outcome_payer\"\n",
        "name = \"Ministry of Economic Affairs and Employment\"\nrole = \"outcome_payer\"\npayment_share_bp = 7000\n\n\
[[parties]]\nname = \"Partner municipalities\"\nrole = \"outcome_payer\"\npayment_share_bp = 3000\n",
    );
    let c = f.app.create_contract(&officer, f.tenant, &toml).await.expect("contract");
    let c = f.app.transition_contract(&officer, f.tenant, c.id, "running").await.expect("running");
    let participants = "participant,cohort,enrolled_on\nK001,sib-group,2016-10-03\nK002,sib-group,2016-10-03\n";
    f.app.commit_participants(&officer, f.tenant, c.id, participants).await.expect("participants");
    let claims = "participant,metric,event_on,claimed_on\n\
K001,integration_training,2017-03-31,2017-04-10\n\
K002,integration_training,2017-02-28,2017-03-10\n";
    f.app.commit_claims(&officer, f.tenant, c.id, claims).await.expect("claims");
    for claim in f.app.list_claims(&officer, f.tenant, c.id, None, None, None).await.expect("claims").items {
        f.app.verify_claim(&f.reviewer(), f.tenant, claim.id, &ClaimVerdict::Verified).await.expect("verify");
    }
    // Two trainings at €1,500: €3,000, of which €2,100 from the ministry and €900 from the
    // municipalities.
    let run = f.app.prepare_payment_run(&officer, f.tenant, c.id, "2017-Q1", None).await.expect("run");
    assert_eq!(run.amount_due_minor, 300_000);
    let run = f.app.approve_payment_run(&f.approver(), f.tenant, run.id, "2017-04-28").await.expect("approve");
    let payers: Vec<_> = c.parties.iter().filter(|p| p.role == "outcome_payer").collect();
    assert_eq!(payers.len(), 2);
    let paid: Vec<(i64, i64)> =
        run.transfers.iter().filter(|t| t.kind == "outcome_payment").map(|t| (t.party_id, t.amount_minor)).collect();
    assert_eq!(paid, vec![(payers[0].id, 210_000), (payers[1].id, 90_000)]);
    let accounts: Vec<String> = payers.iter().map(|p| p.account_id.clone().expect("account")).collect();
    assert_eq!(balances(&f, &accounts[0]).await, (210_000, 0));
    assert_eq!(balances(&f, &accounts[1]).await, (90_000, 0));
    let spv = c.spv_account_id.clone().expect("spv");
    assert_eq!(balances(&f, &spv).await, (300_000, 300_000));
    f.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_payers_on_sqlite() {
    shared_payers(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_payers_on_postgres() {
    shared_payers(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn savings_share_runs_on_sqlite() {
    savings_share_runs(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn savings_share_runs_on_postgres() {
    savings_share_runs(true).await;
}

/// The demo's employment social impact bond: running, its paid run worked out by hand from the
/// claims of `examples/outcomes/heerlen-employment-sib.claims.csv`, the investor's money in the
/// ledger, and a second seeding that changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_contract_runs_with_hand_checked_figures() {
    use koinon_app::demo::{DEMO_CONTRACT_NAME, DEMO_OPEN_PERIOD, DEMO_PAID_PERIOD};
    let Some((store, _dir)) = fresh_store(false).await else { return };
    let app = App::new(store);
    assert!(app.seed_demo().await.expect("demo").created > 0);
    let heerlen = app.tenant_by_code("heerlen").await.expect("heerlen").id;
    let contracts = app.list_contracts(&SYSTEM, heerlen, None, None).await.expect("contracts").items;
    let c = contracts.iter().find(|c| c.name == DEMO_CONTRACT_NAME).expect("the demo contract").clone();
    assert_eq!((c.state.as_str(), c.currency.as_str(), c.mechanism.as_str()), ("running", "EUR", "rate_card"));
    assert_eq!((c.contract_cap_minor, c.participant_cap_minor), (60_000_000, Some(600_000)));
    // Every party acts through a demo organisation, except the municipality itself.
    let linked: Vec<(&str, bool)> = c.parties.iter().map(|p| (p.role.as_str(), p.organisation_id.is_some())).collect();
    assert_eq!(
        linked,
        [("outcome_payer", false), ("spv", true), ("provider", true), ("investor", true), ("evaluator", true)]
    );

    let o = app.contract_overview(&SYSTEM, heerlen, c.id).await.expect("overview");
    let enrolled: Vec<(&str, i64)> = o.enrolment.iter().map(|e| (e.cohort.as_str(), e.enrolled)).collect();
    assert_eq!(enrolled, [("2025-h2", 20), ("2026-h1", 20)]);
    let by_status: Vec<(&str, i64)> = o.claims_by_status.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    assert_eq!(by_status, [("rejected", 4), ("submitted", 4), ("verified", 58)]);
    let claims = app.list_claims(&SYSTEM, heerlen, c.id, Some("rejected"), None, None).await.expect("claims").items;
    assert!(claims.iter().all(|c| c.reviewed_by.as_deref() != Some("system:demo")), "the demo reviewer verifies");

    // Run 2026-Q2 (events up to 2026-06-30): 23 job starts × 1,500 = 34,500; 14 × 13 weeks ×
    // 2,500 = 35,000; 4 × 26 weeks × 3,000 = 12,000; gross 81,500. The four who reached 26
    // weeks earned 1,500 + 2,500 + 3,000 = 7,000, cut to the 6,000 per-participant cap: −4,000.
    // Due: €77,500.
    let runs = app.list_payment_runs(&SYSTEM, heerlen, c.id).await.expect("runs");
    let states: Vec<(&str, &str)> = runs.iter().map(|r| (r.period.as_str(), r.state.as_str())).collect();
    assert_eq!(states, [(DEMO_PAID_PERIOD, "paid"), (DEMO_OPEN_PERIOD, "prepared")]);
    let (paid, open) = (&runs[0], &runs[1]);
    assert_eq!(paid.amount_due_minor, 23 * 150_000 + 14 * 250_000 + 4 * 300_000 - 4 * 100_000);
    assert_eq!(paid.amount_due_minor, 7_750_000);
    assert_eq!(paid.paid_on.as_deref(), Some("2026-07-15"));
    assert_ne!(paid.prepared_by, paid.approved_by.clone().unwrap_or_default(), "four eyes");
    // Run 2026-Q3, cumulative: 30 × 1,500 + 18 × 2,500 + 10 × 3,000 − 10 × 1,000 = 110,000;
    // 77,500 paid before, so €32,500 waits for the approver.
    assert_eq!((open.cumulative_due_minor, open.amount_due_minor), (11_000_000, 3_250_000));
    // €77,500 in, all of it repaying capital (160,000 drawn, 1.25× cap not reached).
    let d = paid.distribution.clone().expect("distribution");
    assert_eq!((d.investors[0].capital_minor, d.investors[0].return_minor, d.other_party_minor), (7_750_000, 0, 0));

    let figures = app.investor_figures(&SYSTEM, heerlen, c.id).await.expect("figures");
    let inv = &figures.investors[0];
    assert_eq!((inv.committed_minor, inv.drawn_minor, inv.received_minor), (25_000_000, 16_000_000, 7_750_000));
    let r = inv.returns.clone().expect("returns");
    assert_eq!((r.net.as_str(), r.max_loss.as_str()), ("-82500.00", "160000.00"));
    let check = koinon_app::ledger::check(app.store()).await.expect("check");
    assert!(check.ok, "{:?}", check.problems);

    // Seeding again creates nothing, records nothing and moves no money.
    let last_audit = |app: App| async move {
        app.audit_page(&SYSTEM, heerlen, None, Some(1)).await.expect("audit").items.first().map(|e| e.seq)
    };
    let before = last_audit(app.clone()).await;
    assert_eq!(app.seed_demo().await.expect("again").created, 0);
    assert_eq!(last_audit(app.clone()).await, before, "a second seeding records nothing");
    assert_eq!(app.list_payment_runs(&SYSTEM, heerlen, c.id).await.expect("runs"), runs);
    assert_eq!(app.investor_figures(&SYSTEM, heerlen, c.id).await.expect("figures"), figures);
    assert!(koinon_app::audit::verify(app.store()).await.expect("verify").ok);
    app.shutdown().await;
}
