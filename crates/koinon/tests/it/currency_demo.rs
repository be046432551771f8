//! The demo's trade in grames, seeded on both backends: twenty accredited merchants, a card for
//! every household, and three months of payments, circulation and redemptions, so that the
//! dashboard's figures look like a scheme at work. Seeding again changes nothing.

use koinon_app::Actor;
use koinon_app::currency_demo::{DEMO_CURRENCY, DEMO_TENANT};
use koinon_app::currency_demo_trade::DEMO_MERCHANTS;
use koinon_app::currency_figures::FiguresParams;

use crate::harness::{Backend, spawn_full_demo};

async fn demo_figures_are_real_looking(backend: Backend) {
    let started = std::time::Instant::now();
    let Some(t) = spawn_full_demo(backend).await else { return };
    eprintln!("{backend:?}: server with the demo in {:?}", started.elapsed());
    let system = Actor::System("test");
    let tenant = t.app.tenant_by_code(DEMO_TENANT).await.expect("santa coloma").id;
    let f = t.app.currency_figures(&system, tenant, DEMO_CURRENCY, &FiguresParams::default()).await.expect("figures");
    eprintln!(
        "{backend:?}: issued {} spent {} ({} payments) circulated {} redeemed {} fees {} R2 {} R3 {}",
        f.issued_minor,
        f.spent_minor,
        f.payments,
        f.circulated_minor,
        f.redeemed_minor,
        f.fees_minor,
        f.r2_minor,
        f.r3_minor
    );
    let bp = |r: &Option<koinon_app::currency_figures::RatioView>| r.as_ref().map_or(0, |r| r.basis_points);
    eprintln!(
        "{backend:?}: LM3 {} recirculation {} velocity {} retention {}",
        bp(&f.lm3),
        bp(&f.recirculation),
        bp(&f.velocity),
        bp(&f.retention)
    );
    // Every household spent at shops, by category.
    assert!(f.payments > 400, "payments {}", f.payments);
    assert!(f.spent_minor * 100 > f.issued_minor * 30, "spent {} of {}", f.spent_minor, f.issued_minor);
    let categories: Vec<&str> = f.by_category.iter().map(|c| c.category.as_str()).collect();
    for c in ["food", "hygiene", "cleaning"] {
        assert!(categories.contains(&c), "{categories:?}");
    }
    // Shops paid their suppliers, who paid on: a local multiplier between 1.3 and 2.0.
    let lm3 = bp(&f.lm3);
    assert!((13_000..=20_000).contains(&lm3), "LM3 {lm3} basis points");
    assert!(f.r3_minor > 0 && f.r3_minor <= f.r2_minor);
    // Some units were redeemed with the fee, most of them after passing between merchants.
    assert!(f.redeemed_minor > 0 && f.fees_minor > 0);
    let recirculation = bp(&f.recirculation);
    assert!((2_000..=9_500).contains(&recirculation), "recirculation {recirculation}");
    assert!(bp(&f.velocity) > 3_000, "velocity {}", bp(&f.velocity));
    let retention = bp(&f.retention);
    assert!((5_000..=9_900).contains(&retention), "retention {retention}");
    // Twenty merchants, all accredited and in the public directory.
    let directory = t.app.merchant_directory(DEMO_TENANT, None, None).await.expect("directory");
    assert_eq!(directory.entries.len(), DEMO_MERCHANTS.len());
    // Seeding again creates nothing and moves nothing.
    let again = std::time::Instant::now();
    let report = t.app.seed_demo().await.expect("seed again");
    eprintln!("{backend:?}: seeding again in {:?}", again.elapsed());
    assert_eq!(report.created, 0);
    let f2 = t.app.currency_figures(&system, tenant, DEMO_CURRENCY, &FiguresParams::default()).await.expect("figures");
    assert_eq!(
        (f2.payments, f2.circulated_minor, f2.redeemed_minor),
        (f.payments, f.circulated_minor, f.redeemed_minor)
    );
}

#[tokio::test]
async fn demo_figures_are_real_looking_on_sqlite() {
    demo_figures_are_real_looking(Backend::Sqlite).await;
}

#[tokio::test]
async fn demo_figures_are_real_looking_on_postgres() {
    demo_figures_are_real_looking(Backend::Postgres).await;
}
