//! Import files, drawdowns and waterfall terms of an outcomes contract on both backends: XLSX
//! workbooks imported through the same preview and commit as CSV with rows named by worksheet
//! row, and concurrent drawdowns that together would exceed an investor's commitment.

use koinon_app::outcome_files::ImportFile;
use koinon_app::outcomes::{DrawdownInput, RowStatus};
use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App, AppError};
use koinon_core::authz::Subject;
use koinon_core::role::Role;
use koinon_store::Store;

mod support;
use support::fresh_store;

const SYSTEM: Actor = Actor::System("test");

fn workbook(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../koinon/tests/it/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

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
    let provider_org = org("ngo", "Thames Valley Youth Partnership").await;
    Some(Fixture { app, _store: store, tenant, provider_org, _dir: dir })
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

async fn xlsx_imports(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let id = running_contract(&f).await;
    let provider = f.provider();
    let book = workbook("dwp-rate-card.xlsx");

    // The sheet "Participants" is found by name; its rows are previewed, then committed.
    let file = ImportFile::read("participants", "file", "book.xlsx", book.clone(), None).expect("workbook");
    assert_eq!(file.sheet_name(), Some("Participants"));
    let preview = file.locate(f.app.preview_participants(&provider, f.tenant, id, file.csv()).await.expect("preview"));
    assert_eq!((preview.accepted, preview.rejected), (3, 0));
    assert_eq!(preview.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4]);
    assert!(f.app.list_participants(&provider, f.tenant, id, None, None).await.expect("list").items.is_empty());
    let done = f.app.commit_participants(&provider, f.tenant, id, file.csv()).await.expect("commit");
    assert_eq!(done.accepted, 3);
    let stored = f.app.list_participants(&provider, f.tenant, id, None, None).await.expect("list").items;
    assert_eq!(
        stored.iter().map(|p| (p.participant.as_str(), p.cohort.as_str(), p.enrolled_on.as_str())).collect::<Vec<_>>(),
        [("P001", "y2012", "2012-05-02"), ("P002", "y2012", "2012-06-11"), ("P003", "y2013", "2013-04-15")]
    );

    // Claims from the sheet "Claims" of the same workbook, known by content without a name.
    let file = ImportFile::read("claims", "file", "export", book, None).expect("workbook");
    assert_eq!(file.sheet_name(), Some("Claims"));
    let csv_claims = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/outcomes/dwp-rate-card.claims.csv"
    ))
    .expect("claims csv");
    let from_csv = f.app.preview_claims(&provider, f.tenant, id, &csv_claims).await.expect("csv preview");
    let from_xlsx = file.locate(f.app.preview_claims(&provider, f.tenant, id, file.csv()).await.expect("preview"));
    assert_eq!(from_xlsx, from_csv);
    // The example's claims include refused ones: the commit refuses the whole sheet, naming rows.
    assert_eq!(from_xlsx.rejected, 4);
    let err = f.app.commit_claims(&provider, f.tenant, id, file.csv()).await.expect_err("refused");
    let fields: Vec<String> = codes(&file.locate_error(err)).into_iter().map(|(field, _)| field).collect();
    assert_eq!(fields, ["row 6", "row 8", "row 9", "row 10"]);
    assert!(f.app.list_claims(&provider, f.tenant, id, None, None, None).await.expect("claims").items.is_empty());

    // Two blank rows above the header: the bad date of CSV line 3 is worksheet row 5.
    let bad =
        ImportFile::read("claims", "file", "bad.xlsx", workbook("dwp-rate-card-bad-date.xlsx"), Some("Claims 2013"))
            .expect("workbook");
    let preview = bad.locate(f.app.preview_claims(&provider, f.tenant, id, bad.csv()).await.expect("preview"));
    let refused: Vec<(u64, Option<&str>)> =
        preview.rows.iter().filter(|r| r.status == RowStatus::Rejected).map(|r| (r.line, r.code)).collect();
    assert_eq!(refused[0], (5, Some("invalid_date")), "{preview:?}");
    // Every other row is the example's, two rows further down.
    assert_eq!(refused.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [5, 8, 10, 11, 12]);
    let err = f.app.commit_claims(&provider, f.tenant, id, bad.csv()).await.expect_err("refused");
    let err = bad.locate_error(err);
    assert!(codes(&err).iter().any(|(field, _)| field == "row 5"), "{err:?}");
    assert!(f.app.list_claims(&provider, f.tenant, id, None, None, None).await.expect("claims").items.is_empty());

    // Files that are not what they claim: refused with the field named, never a panic.
    let codes_of = |r: Result<ImportFile, AppError>| codes(&r.expect_err("refused"));
    assert_eq!(
        codes_of(ImportFile::read("claims", "file", "a.csv", Vec::new(), None)),
        [("file".into(), "empty_file")]
    );
    assert_eq!(
        codes_of(ImportFile::read("claims", "file", "a.xlsx", b"PK\x03\x04 not a zip".to_vec(), None)),
        [("file".into(), "invalid_xlsx")]
    );
    assert_eq!(
        codes_of(ImportFile::read("claims", "file", "a.csv", vec![0xff, 0xfe, 0x00], None)),
        [("file".into(), "invalid_utf8")]
    );
    let err =
        ImportFile::read("claims", "file", "b.xlsx", workbook("dwp-rate-card.xlsx"), Some("Nope")).expect_err("sheet");
    assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_imports_on_sqlite() {
    xlsx_imports(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_imports_on_postgres() {
    xlsx_imports(true).await;
}

async fn concurrent_drawdowns(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let id = running_contract(&f).await;
    let c = f.app.contract(&officer, f.tenant, id).await.expect("contract");
    let investor = c.parties.iter().find(|p| p.role == "investor").expect("investor").clone();
    // £900,000 committed; four drawdowns of £300,000 at once: three fit, the fourth does not.
    let amount = 30_000_000;
    let requests: Vec<DrawdownInput> =
        (0..4).map(|i| drawdown(investor.id, amount, "2012-04-02", &format!("dd-{i}"))).collect();
    let results = futures_join(&f, id, &requests).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 3, "{results:?}");
    let refused = results.into_iter().find_map(Result::err).expect("one refused");
    assert_eq!(codes(&refused), [("amount_minor".to_string(), "over_commitment")]);
    let drawn = f.app.list_drawdowns(&officer, f.tenant, id).await.expect("drawdowns");
    assert_eq!(drawn.iter().map(|d| d.amount_minor).sum::<i64>(), 90_000_000);
    let figures = f.app.investor_figures(&officer, f.tenant, id).await.expect("figures");
    let mine = figures.investors.iter().find(|i| i.party_id == Some(investor.id)).expect("investor figures");
    assert_eq!((mine.committed_minor, mine.drawn_minor), (90_000_000, 90_000_000));
    // One minor unit more is refused and changes nothing.
    let err = f.app.record_drawdown(&officer, f.tenant, id, &drawdown(investor.id, 1, "2012-04-03", "dd-9")).await;
    assert_eq!(err.expect_err("over").code(), "over_commitment");
    assert_eq!(f.app.list_drawdowns(&officer, f.tenant, id).await.expect("drawdowns").len(), 3);
    assert!(koinon_app::audit::verify(f.app.store()).await.expect("verify").ok);
}

async fn futures_join(f: &Fixture, id: i64, requests: &[DrawdownInput]) -> Vec<Result<i64, AppError>> {
    let officer = f.officer();
    let mut tasks = Vec::new();
    for r in requests {
        let (app, officer, r, tenant) = (f.app.clone(), officer.clone(), r.clone(), f.tenant);
        tasks.push(tokio::spawn(async move { app.record_drawdown(&officer, tenant, id, &r).await.map(|d| d.id) }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_drawdowns_on_sqlite() {
    concurrent_drawdowns(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_drawdowns_on_postgres() {
    concurrent_drawdowns(true).await;
}

async fn waterfall_terms(postgres: bool) {
    let Some(f) = fixture(postgres).await else { return };
    let officer = f.officer();
    let c = f.app.create_contract(&officer, f.tenant, &dwp_toml()).await.expect("contract");
    let err = f.app.set_waterfall_terms(&officer, f.tenant, c.id, Some(9_999), 10_001).await.expect_err("range");
    let mut fields: Vec<String> = codes(&err).into_iter().map(|(field, _)| field).collect();
    fields.sort();
    assert_eq!(fields, ["residual_investors_share_bp", "return_cap_multiple_bp"]);
    assert!(matches!(
        f.app.set_waterfall_terms(&f.provider(), f.tenant, c.id, None, 0).await,
        Err(AppError::Forbidden)
    ));
    let set = f.app.set_waterfall_terms(&officer, f.tenant, c.id, Some(11_000), 2_500).await.expect("terms");
    assert_eq!((set.return_cap_multiple_bp, set.residual_investors_share_bp), (Some(11_000), 2_500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waterfall_terms_on_sqlite() {
    waterfall_terms(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waterfall_terms_on_postgres() {
    waterfall_terms(true).await;
}
