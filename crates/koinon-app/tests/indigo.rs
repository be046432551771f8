//! The INDIGO knowledge bank on both backends, with the real public exports of May and
//! December 2025 (`../shared/data`; the tests fail, not skip, when they are missing): import
//! counts, the December re-import that updates projects and removes the eight withdrawn UK
//! investment amounts, an idempotent re-import, a rejected import that changes nothing,
//! filters and pages, and who may do what.

use std::collections::BTreeMap;
use std::path::PathBuf;

use koinon_app::indigo::IndigoFilterInput;
use koinon_app::tenants::NewTenantInput;
use koinon_app::{Actor, App, AppError};
use koinon_core::authz::Subject;
use koinon_core::indigo::{FILES, GroupBy};
use koinon_core::role::Role;
use koinon_store::{Store, StoreConfig};

const SYSTEM: Actor = Actor::System("test");

/// The eight UK projects whose investment amounts the December export withdrew.
const WITHDRAWN: [&str; 8] = [
    "INDIGO-POJ-0176",
    "INDIGO-POJ-0178",
    "INDIGO-POJ-0180",
    "INDIGO-POJ-0188",
    "INDIGO-POJ-0189",
    "INDIGO-POJ-0190",
    "INDIGO-POJ-0192",
    "INDIGO-POJ-0193",
];

fn export(name: &str) -> BTreeMap<String, String> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(name);
    assert!(dir.is_dir(), "the INDIGO reference data is missing: expected {}", dir.display());
    FILES
        .iter()
        .map(|f| {
            let path = dir.join(f);
            (f.to_string(), std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        })
        .collect()
}

async fn fresh_app(postgres: bool) -> Option<(App, Option<tempfile::TempDir>)> {
    let (config, dir) = if postgres {
        (StoreConfig::new("unused", Some(koinon_store::testing::fresh_postgres_url().await?)), None)
    } else {
        let dir = tempfile::tempdir().expect("dir");
        (StoreConfig::new(dir.path(), None), Some(dir))
    };
    let store = Store::open(&config).await.expect("store");
    let app = App::new(store);
    app.create_tenant(
        &SYSTEM,
        &NewTenantInput { code: "heerlen", name: "Heerlen", country: "NL", currency: "EUR", default_locale: "en" },
    )
    .await
    .expect("tenant");
    Some((app, dir))
}

fn user(role: Role) -> Actor {
    Actor::User(Subject { user_id: 5, tenant_id: 1, role, organisation_id: None })
}

async fn import_and_reimport(postgres: bool) {
    let Some((app, _dir)) = fresh_app(postgres).await else { return };
    let admin = user(Role::Admin);
    let may = app.import_indigo(&admin, &export("indigo-2025-05")).await.expect("May");
    assert_eq!((may.projects, may.created, may.updated, may.projects_removed), (319, 319, 0, 0));
    assert_eq!(may.organisations, 1549);
    assert_eq!(may.payments_unspecified, 7);
    assert_eq!(may.currencies_normalised.get("Swiss Francs").map(String::as_str), Some("CHF"));

    let officer = user(Role::Officer);
    let sectors = app.indigo_summary(&officer, GroupBy::Sector).await.expect("summary");
    let employment = sectors.iter().find(|g| g.key == "Employment and training").expect("sector");
    assert_eq!(employment.projects, 95);
    let before = app.indigo_project(&officer, WITHDRAWN[0]).await.expect("project");
    assert_eq!(before.summary.investment_exact.as_deref(), Some("227000"));
    assert_eq!(before.summary.investment_currency.as_deref(), Some("GBP"));

    let dec = app.import_indigo(&admin, &export("indigo-2025-12")).await.expect("December");
    assert_eq!((dec.projects, dec.created, dec.projects_removed), (320, 1, 0));
    assert!(dec.updated >= 8, "{dec:?}");
    // Each withdrawn project lost at least its currency and its exact amount.
    assert!(dec.values_removed >= 16, "{dec:?}");
    for id in WITHDRAWN {
        let p = app.indigo_project(&officer, id).await.expect("project");
        assert_eq!(p.summary.investment_exact, None, "{id} keeps a stale amount");
        assert_eq!(p.project.investment_commitment, None, "{id}");
    }
    // The summary no longer adds the withdrawn amounts.
    let gb_after = app.indigo_summary(&officer, GroupBy::Country).await.expect("summary");
    let gb = gb_after.iter().find(|g| g.key == "GB").expect("GB");
    let gbp = gb.investment.0.get("GBP").expect("GBP").to_string();
    assert!(!gbp.is_empty());

    // The same export again changes nothing.
    let again = app.import_indigo(&admin, &export("indigo-2025-12")).await.expect("again");
    assert_eq!(
        (again.projects, again.created, again.updated, again.unchanged, again.projects_removed, again.values_removed),
        (320, 0, 0, 320, 0, 0)
    );
    assert_eq!((again.organisations_changed, again.organisations_removed), (0, 0));

    // A rejected export changes nothing and names the file and line.
    let mut bad = export("indigo-2025-05");
    let projects = bad.get_mut("projects.csv").expect("projects");
    *projects = projects.replacen(",2018-12,2021-12,", ",2018-13,2021-12,", 1);
    let err = app.import_indigo(&admin, &bad).await.expect_err("rejected");
    let AppError::Invalid(errors) = err else { panic!("{err:?}") };
    assert!(errors[0].field.starts_with("projects.csv line 2 column"), "{errors:?}");
    assert_eq!(errors[0].code, "invalid_date");
    assert_eq!(
        app.list_indigo_projects(&officer, &Default::default(), None, Some(200)).await.expect("list").items.len(),
        200
    );
    let p = app.indigo_project(&officer, WITHDRAWN[0]).await.expect("project");
    assert_eq!(p.summary.investment_exact, None);
    let audit = koinon_app::audit::verify(app.store()).await.expect("verify");
    assert!(audit.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_and_reimport_on_sqlite() {
    import_and_reimport(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_and_reimport_on_postgres() {
    import_and_reimport(true).await;
}

async fn filters_pages_and_roles(postgres: bool) {
    let Some((app, _dir)) = fresh_app(postgres).await else { return };
    let officer = user(Role::Officer);
    assert!(matches!(app.import_indigo(&officer, &export("indigo-2025-05")).await, Err(AppError::Forbidden)));
    app.import_indigo(&SYSTEM, &export("indigo-2025-05")).await.expect("import");
    assert!(matches!(app.indigo_summary(&user(Role::Beneficiary), GroupBy::Sector).await, Err(AppError::Forbidden)));

    // Pages of 50 cover every project once.
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let page =
            app.list_indigo_projects(&officer, &Default::default(), cursor.as_deref(), Some(50)).await.expect("page");
        seen.extend(page.items.into_iter().map(|p| p.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 319);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));

    let filter = |sector: &str, country: &str| IndigoFilterInput {
        sector: Some(sector.into()),
        country: Some(country.into()),
        ..Default::default()
    };
    let uk_employment = app
        .list_indigo_projects(&officer, &filter("Employment and training", "gb"), None, Some(200))
        .await
        .expect("list");
    assert!(!uk_employment.items.is_empty());
    assert!(
        uk_employment.items.iter().all(|p| p.countries.contains(&"GB".to_string())
            && p.policy_sector.as_deref() == Some("Employment and training"))
    );
    // A project delivered in Kenya and Uganda is found under each.
    for country in ["KE", "UG"] {
        let found = app
            .list_indigo_projects(
                &officer,
                &IndigoFilterInput { country: Some(country.into()), ..Default::default() },
                None,
                Some(200),
            )
            .await
            .expect("country");
        let p = found.items.iter().find(|p| p.id == "INDIGO-POJ-0043").expect(country);
        assert_eq!(p.countries, vec!["KE", "UG"]);
    }
    let text = app
        .list_indigo_projects(
            &officer,
            &IndigoFilterInput { q: Some("buenos aires".into()), ..Default::default() },
            None,
            None,
        )
        .await
        .expect("text");
    assert_eq!(text.items.first().map(|p| p.id.as_str()), Some("INDIGO-POJ-0001"));
    let years = app
        .list_indigo_projects(
            &officer,
            &IndigoFilterInput { from: Some("2018".into()), to: Some("2018".into()), ..Default::default() },
            None,
            Some(200),
        )
        .await
        .expect("years");
    assert!(!years.items.is_empty());
    assert!(years.items.iter().all(|p| p.start_on.as_deref().is_some_and(|d| d.starts_with("2018"))));
    let bad = app
        .list_indigo_projects(
            &officer,
            &IndigoFilterInput { from: Some("soon".into()), ..Default::default() },
            None,
            None,
        )
        .await;
    assert!(matches!(bad, Err(AppError::Invalid(ref e)) if e[0].field == "from"), "{bad:?}");
    assert!(matches!(app.indigo_project(&officer, "INDIGO-POJ-9999").await, Err(AppError::NotFound(_))));
    let p = app.indigo_project(&officer, "INDIGO-POJ-0014").await.expect("project");
    assert!(!p.organisations.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_pages_and_roles_on_sqlite() {
    filters_pages_and_roles(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_pages_and_roles_on_postgres() {
    filters_pages_and_roles(true).await;
}
