//! Issue 5's "Done when", walked in a real browser (headless Chromium through chromedriver) on
//! the demo data: Heerlen's administrator fills the INDIGO knowledge bank from the browser with
//! GO Lab's December 2025 export (the eight CSV files of `../shared/data/indigo-2025-12`, chosen
//! in one file input); the officer then takes the demo's draft contract "Langer Thuis Parkstad",
//! sets it beside similar INDIGO bonds, runs a feasibility simulation twice with the same seed
//! (the figures are the same: reproducible by seed), reads its risks, and signs it. Every step
//! is a click on a link or a button, every answer typed into a form. Skipped without
//! chromium/chromedriver unless `KOINON_REQUIRE_BROWSER=1`.

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::browser::{browser_or_skip, connect, start_driver};
use crate::done_when::{check_axe, fill_all, link, path, shows, sign_in, sign_out, submit, text};
use crate::harness::spawn_app;

const DRAFT: &str = "Langer Thuis Parkstad — ageing at home (draft)";

/// The cells of the first row of the feasibility page's table of runs, after the run's time.
async fn runs(c: &Client) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for row in c.find_all(Locator::Css("table:has(#runs-caption) tbody tr")).await.expect("runs") {
        let mut cells = Vec::new();
        for cell in row.find_all(Locator::Css("td")).await.expect("cells") {
            cells.push(cell.text().await.expect("cell").trim().to_string());
        }
        out.push(cells);
    }
    out
}

/// With `KOINON_SCREENSHOTS` set, saves the page as `koinon-feasibility-<name>.png` in the
/// temporary directory (to look at the pages the walk saw).
async fn snapshot(c: &Client, name: &str) {
    if std::env::var_os("KOINON_SCREENSHOTS").is_some() {
        let _ = c.set_window_size(1280, 4000).await;
        if let Ok(png) = c.screenshot().await {
            let _ = std::fs::write(std::env::temp_dir().join(format!("koinon-feasibility-{name}.png")), png);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn done_when_an_officer_compares_a_draft_with_indigo_bonds_simulates_it_and_signs_it_in_a_browser() {
    let Some((chromedriver, chromium)) = browser_or_skip() else { return };
    let export = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/indigo-2025-12");
    let export = export.canonicalize().unwrap_or_else(|e| panic!("the INDIGO export {}: {e}", export.display()));
    let t = spawn_app().await;
    let (_driver, port) = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&chromium, port, profile.path()).await;
    let c = &client;
    let walk = async {
        let mut problems = Vec::new();

        // ---- the administrator fills the knowledge bank from the browser ----
        sign_in(&t, c, "admin@heerlen.example.org").await;
        c.goto(&t.url("/indigo")).await.expect("INDIGO");
        link(c, "Import an INDIGO export").await;
        assert_eq!(path(c).await, "/indigo/import");
        let files: Vec<String> = [
            "projects.csv",
            "projects_delivery_locations.csv",
            "organisations.csv",
            "projects_investments.csv",
            "projects_outcome_metrics.csv",
            "projects_outcome_pricings.csv",
            "projects_outcome_payments.csv",
            "projects_results.csv",
        ]
        .iter()
        .map(|f| export.join(f).display().to_string())
        .collect();
        // One multiple-file input: chromedriver takes the paths one per line.
        c.find(Locator::Id("files")).await.expect("file input").send_keys(&files.join("\n")).await.expect("choose");
        submit(c, "/indigo/import", None).await;
        shows(c, &["The export was imported", "320"]).await;
        sign_out(c).await;

        // ---- the officer takes the draft contract and sets it beside similar bonds ----
        sign_in(&t, c, "officer@heerlen.example.org").await;
        c.goto(&t.url("/outcomes")).await.expect("contracts");
        link(c, DRAFT).await;
        let contract = path(c).await;
        assert!(contract.trim_start_matches("/outcomes/").parse::<i64>().is_ok(), "{contract}");
        shows(c, &[DRAFT, "Feasibility"]).await;
        link(c, "Compare with similar bonds").await;
        assert_eq!(path(c).await, format!("{contract}/compare"));
        // The draft is an ageing-at-home contract: INDIGO's Health sector; its cap and capital
        // are charted among the bonds INDIGO publishes in euros, the contract named in words.
        shows(c, &["Health", "Beside similar bonds", "Similar impact bonds", "(this contract)", "€450,000.00"]).await;
        let charts = c.find_all(Locator::Css("main figure.chart-figure svg[role=img]")).await.expect("charts");
        assert!(!charts.is_empty(), "at least one chart:\n{}", text(c).await);
        let bonds = c.find_all(Locator::Css("main a[href^='/indigo/INDIGO-POJ-']")).await.expect("bonds");
        assert!(bonds.len() >= 5, "similar bonds are listed");
        check_axe(c, "compare", &mut problems).await;
        snapshot(c, "compare").await;

        // ---- it runs a feasibility simulation, twice with the same seed ----
        c.goto(&t.url(&contract)).await.expect("contract");
        link(c, "Feasibility").await;
        assert_eq!(path(c).await, format!("{contract}/feasibility"));
        let before = runs(c).await.len();
        for _ in 0..2 {
            fill_all(c, &[("scenarios", "2000"), ("seed", "20261201")]).await;
            submit(c, "/feasibility", None).await;
            assert!(path(c).await.starts_with(&format!("{contract}/feasibility")), "{}", path(c).await);
        }
        // Its risks, read on the page: the chance the investors lose money, of reaching the cap.
        shows(c, &["Chance the investors lose money", "Chance of reaching the contract cap", "2,000", "20261201"])
            .await;
        let svgs = c.find_all(Locator::Css("main svg[role=img]")).await.expect("histograms");
        assert!(svgs.len() >= 2, "histograms of payments and returns");
        let rows = runs(c).await;
        assert_eq!(rows.len(), before + 2, "{rows:?}");
        // The two newest runs (first in the table): same scenarios, seed, mean paid and loss.
        assert_eq!(rows[0], rows[1], "the same seed gives the same figures: {rows:?}");
        assert_eq!(rows[0][1], "2,000", "{rows:?}");
        check_axe(c, "feasibility", &mut problems).await;
        snapshot(c, "runs").await;

        // ---- and signs it ----
        c.goto(&t.url(&contract)).await.expect("contract");
        submit(c, "/state", None).await;
        assert_eq!(path(c).await, contract);
        shows(c, &["Contracted"]).await;
        sign_out(c).await;
        assert!(problems.is_empty(), "accessibility violations:\n{}", problems.join("\n"));
    };
    let outcome = tokio::time::timeout(Duration::from_secs(300), walk).await;
    if (outcome.is_err() || std::env::var_os("KOINON_SCREENSHOTS").is_some())
        && let Ok(png) = client.screenshot().await
    {
        let _ = std::fs::write(std::env::temp_dir().join("koinon-done-when-feasibility.png"), png);
    }
    let _ = client.close().await;
    outcome.expect("the walk finished in time");
}
