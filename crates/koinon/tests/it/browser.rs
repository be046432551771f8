//! A real browser: headless Chromium (through chromedriver) signs in, switches to Greek, opens
//! every page of the shell and runs the vendored axe-core on it. No serious or critical
//! accessibility violation may remain. Skipped without chromium/chromedriver unless
//! `KOINON_REQUIRE_BROWSER=1`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use koinon_core::locale::Locale;

use crate::harness::{PASSWORD, spawn_app};

const AXE_JS: &str = include_str!("../assets/axe.min.js");

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/lib/chromium")]) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn browser_or_skip() -> Option<(PathBuf, PathBuf)> {
    let chromedriver = find_program(&["chromedriver"]);
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    match (chromedriver, chromium) {
        (Some(d), Some(c)) => Some((d, c)),
        _ if std::env::var("KOINON_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!(
                "KOINON_REQUIRE_BROWSER=1 but chromium and chromedriver were not found (apt-get install chromium chromium-driver)"
            )
        }
        _ => {
            eprintln!("skipping browser test: chromium or chromedriver not installed");
            None
        }
    }
}

pub(crate) async fn start_driver(chromedriver: &PathBuf) -> (Driver, u16) {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (driver, port)
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct Violation {
    pub(crate) id: String,
    pub(crate) impact: Option<String>,
    pub(crate) help: String,
    pub(crate) targets: serde_json::Value,
}

pub(crate) async fn axe(client: &fantoccini::Client) -> Vec<Violation> {
    client.execute(AXE_JS, vec![]).await.expect("inject axe-core");
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })
          .then(r => done(JSON.stringify(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target) })))))
          .catch(e => done(JSON.stringify([{ id: 'axe-error', impact: 'critical', help: String(e), targets: [] }])));
    "#;
    let result = client.execute_async(script, vec![]).await.expect("run axe-core");
    serde_json::from_str(result.as_str().expect("axe result is a string")).expect("axe result JSON")
}

/// A headless Chromium session through the chromedriver on `port`, with its profile in
/// `profile` (a temporary directory the caller keeps for the session's life).
pub(crate) async fn connect(chromium: &std::path::Path, port: u16, profile: &std::path::Path) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect to chromedriver")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shell_page_passes_axe_in_greek() {
    let Some((chromedriver, chromium)) = browser_or_skip() else { return };
    let t = spawn_app().await;
    let network_id = {
        let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
        let admin = koinon_app::Actor::System("test");
        let nets = t.app.list_networks(&admin, heerlen.id, None, None).await.expect("networks");
        nets.items.first().expect("SIBdev").id
    };
    // A running outcomes contract (the rate card of examples/outcomes), for its pages.
    let (contract_id, run_id) = {
        let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
        let system = koinon_app::Actor::System("test");
        let toml = include_str!("../../../../examples/outcomes/dwp-rate-card.toml");
        let c = t.app.create_contract(&system, heerlen.id, toml).await.expect("contract");
        for to in ["contracted", "running"] {
            t.app.transition_contract(&system, heerlen.id, c.id, to).await.expect("transition");
        }
        let run = t.app.prepare_payment_run(&system, heerlen.id, c.id, "2012-Q2", None).await.expect("run");
        (c.id, run.id)
    };
    // A draft contract with a feasibility run, for the feasibility page with its charts.
    let draft_id = {
        let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
        let system = koinon_app::Actor::System("test");
        let toml = include_str!("../../../../examples/outcomes/koto-savings-share.toml");
        let c = t.app.create_contract(&system, heerlen.id, toml).await.expect("contract");
        let view = t.app.feasibility(&system, heerlen.id, c.id).await.expect("feasibility");
        t.app.run_feasibility(&system, heerlen.id, c.id, &view.assumptions, 500, 1).await.expect("run");
        c.id
    };
    // A contract design with its basics and a party, for the designer's pages.
    let design_id = {
        use koinon_app::outcome_designs::{BasicsInput, DesignChange, PartyInput};
        let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
        let system = koinon_app::Actor::System("test");
        let d = t.app.create_design(&system, heerlen.id).await.expect("design");
        let basics = BasicsInput {
            name: "Heerlen employment".into(),
            policy_area: "employment".into(),
            currency: "EUR".into(),
            start_on: "2025-01-01".into(),
            end_on: "2027-12-31".into(),
            period: "quarter".into(),
        };
        let party =
            PartyInput { party_name: "Werkplaats Parkstad".into(), role: "provider".into(), ..PartyInput::default() };
        for change in [DesignChange::Basics(basics), DesignChange::AddParty(party)] {
            t.app.change_design(&system, heerlen.id, d.id, &change).await.expect("design step");
        }
        d.id
    };
    // The demo's running contract, for its dashboard and public summary.
    let demo_id = {
        let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
        let system = koinon_app::Actor::System("test");
        let list = t.app.list_contracts(&system, heerlen.id, None, Some(100)).await.expect("contracts");
        list.items.iter().find(|c| c.name == koinon_app::demo::DEMO_CONTRACT_NAME).expect("demo contract").id
    };
    // An e-currency of Heerlen's with a programme, its households and a posted month.
    let (currency_id, programme_id, issuance_id) = {
        let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
        let system = koinon_app::Actor::System("test");
        let input = koinon_app::currency::CurrencyInput {
            code: "PARK".into(),
            name: "Parkstad Pas".into(),
            symbol: "P".into(),
            categories: "food, hygiene".into(),
            ..Default::default()
        };
        let c = t.app.define_currency(&system, heerlen.id, &input).await.expect("currency");
        let p = koinon_app::currency::ProgrammeInput {
            currency_id: c.id,
            name: "Parkstad food aid".into(),
            start_on: "2026-01-01".into(),
            end_on: "2026-12-31".into(),
            budget: "10000.00".into(),
            base_amount: "100.00".into(),
            per_member_amount: "50.00".into(),
            household_cap: "300.00".into(),
            auto_backing: true,
        };
        let p = t.app.create_programme(&system, heerlen.id, &p).await.expect("programme");
        let file = koinon_app::outcome_files::ImportFile::Csv(
            "household,size,eligible_from\nHL-1,2,2026-01-01\nHL-2,5,2026-01-01\n".into(),
        );
        t.app.commit_households(&system, heerlen.id, p.id, &file).await.expect("households");
        let run = t.app.prepare_issuance(&system, heerlen.id, p.id, "2026-01").await.expect("run");
        let approver = koinon_app::Actor::System("test-approver");
        t.app.approve_issuance(&approver, heerlen.id, run.id).await.expect("posted");
        (c.id, p.id, run.id)
    };
    // A shop accredited for another currency, for its payment link and poster.
    let shop = {
        let shop = crate::currency_payments::heerlen_shop(&t).await;
        // A payment, so that the shop's statement has a table.
        let input = koinon_app::currency_payments::PaymentInput {
            payment_id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b01".into(),
            merchant_id: shop.merchant,
            card_code: shop.card_code.clone(),
            pin: "4821".into(),
            amount: "3.50".into(),
            category: "food".into(),
            ..Default::default()
        };
        t.app.take_payment(&shop.merchant_user, shop.tenant, &input).await.expect("request").expect("paid");
        shop.merchant
    };
    let (_driver, port) = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&chromium, port, profile.path()).await;

    let result = async {
        // Sign in through the form, as a person would.
        client.goto(&t.url("/sign-in")).await.expect("sign-in page");
        client
            .find(Locator::Id("email"))
            .await
            .expect("email")
            .send_keys("admin@heerlen.example.org")
            .await
            .expect("type");
        client.find(Locator::Id("password")).await.expect("password").send_keys(PASSWORD).await.expect("type");
        client.find(Locator::Css("main button[type=submit]")).await.expect("button").click().await.expect("click");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let url = client.current_url().await.expect("url");
        assert_eq!(url.path(), "/dashboard", "signed in and sent to the dashboard");

        // Switch to Greek with the language switcher.
        client.find(Locator::Css("a[hreflang=el]")).await.expect("Greek link").click().await.expect("click");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let lang = client.execute("return document.documentElement.lang", vec![]).await.expect("lang");
        assert_eq!(lang, "el");

        let not_found = koinon_web::i18n::tr(Locale::El, "error-not-found-title");
        let pages = [
            "/".to_string(),
            "/dashboard".into(),
            "/users".into(),
            "/users/new".into(),
            "/organisations".into(),
            "/organisations/new".into(),
            "/networks".into(),
            "/networks/new".into(),
            format!("/networks/{network_id}"),
            "/audit".into(),
            "/ledger".into(),
            format!("/ledger/accounts/{}", koinon_app::demo::DEMO_SPV),
            "/account".into(),
            "/accessibility".into(),
            "/outcomes/calculator?example=peterborough-threshold".into(),
            "/outcomes".into(),
            "/outcomes/new".into(),
            format!("/outcomes/{contract_id}"),
            format!("/outcomes/{contract_id}/participants"),
            format!("/outcomes/{contract_id}/claims"),
            format!("/outcomes/{contract_id}/runs"),
            format!("/outcomes/{contract_id}/runs/{run_id}"),
            format!("/outcomes/{contract_id}/investors"),
            format!("/outcomes/{demo_id}/dashboard"),
            "/public/outcomes/heerlen".into(),
            format!("/public/outcomes/heerlen/{demo_id}"),
            format!("/outcomes/{contract_id}/drawdowns"),
            format!("/outcomes/{draft_id}/feasibility"),
            format!("/outcomes/designs/{design_id}/parties"),
            format!("/outcomes/designs/{design_id}/metrics/new"),
            format!("/outcomes/designs/{design_id}/check"),
            "/indigo".into(),
            format!("/outcomes/{contract_id}/compare"),
            "/currency".into(),
            "/currency/new".into(),
            format!("/currency/currencies/{currency_id}"),
            "/currency/programmes/new".into(),
            format!("/currency/programmes/{programme_id}"),
            format!("/currency/programmes/{programme_id}/issuance?month=2026-02"),
            format!("/currency/runs/{issuance_id}"),
            "/wallet".into(),
            format!("/pay/heerlen/{shop}"),
            format!("/currency/merchants/{shop}/poster"),
            // A shop's statement, and the same page with a date that does not read.
            format!("/currency/merchants/{shop}/statement"),
            format!("/currency/merchants/{shop}/statement?from=31.01.2026"),
            // E-currency figures (the demo's euro ledger), and the same page with a bad date.
            "/currency/EUR/dashboard".into(),
            "/currency/EUR/dashboard?from=31.01.2026".into(),
        ];
        let mut problems = Vec::new();
        for page in &pages {
            client.goto(&t.url(page)).await.expect("open page");
            let lang = client.execute("return document.documentElement.lang", vec![]).await.expect("lang");
            assert_eq!(lang, "el", "{page} is in Greek");
            let title = client.execute("return document.title", vec![]).await.expect("title");
            assert!(!title.as_str().unwrap_or("").contains(&not_found), "{page} exists");
            if std::env::var_os("KOINON_SCREENSHOTS").is_some() {
                let png = client.screenshot().await.expect("screenshot");
                let name = page.trim_matches('/').replace('/', "_");
                let _ = std::fs::write(
                    std::env::temp_dir().join(format!("koinon-{}.png", if name.is_empty() { "home" } else { &name })),
                    png,
                );
            }
            for v in axe(&client).await {
                if matches!(v.impact.as_deref(), Some("serious" | "critical")) {
                    problems.push(format!("{page}: {} ({:?}) {} at {}", v.id, v.impact, v.help, v.targets));
                }
            }
        }
        // A worked-out payment statement (summary list and tables) passes too.
        client.goto(&t.url("/outcomes/calculator?example=dwp-rate-card")).await.expect("calculator");
        client
            .find(Locator::Css("main form[action='/outcomes/calculator#statement'] button[type=submit]"))
            .await
            .expect("calculate button")
            .click()
            .await
            .expect("click");
        tokio::time::sleep(Duration::from_millis(500)).await;
        client.find(Locator::Id("statement")).await.expect("a statement is shown");
        if std::env::var_os("KOINON_SCREENSHOTS").is_some() {
            let png = client.screenshot().await.expect("screenshot");
            let _ = std::fs::write(std::env::temp_dir().join("koinon-outcomes-statement.png"), png);
        }
        for v in axe(&client).await {
            if matches!(v.impact.as_deref(), Some("serious" | "critical")) {
                problems.push(format!("payment statement: {} ({:?}) {} at {}", v.id, v.impact, v.help, v.targets));
            }
        }
        // A form with errors (error summary, aria-invalid) passes too.
        client.goto(&t.url("/sign-out")).await.ok();
        assert!(problems.is_empty(), "accessibility violations:\n{}", problems.join("\n"));
    };
    let outcome = tokio::time::timeout(Duration::from_secs(240), result).await;
    let _ = client.close().await;
    outcome.expect("browser test finished in time");
}
