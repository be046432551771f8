//! `koinon currency bench payments [--rate R] [--seconds S] [--wallets W] [--merchants M]
//! [--json]`: on a fresh temporary database (or the scratch PostgreSQL database of
//! `--database-url`), sets up a currency with an issued month, accredited merchants with
//! API tokens, and a card per household; serves koinon's own router on a loopback port in
//! this process, then drives `POST /api/v1/currency/payments` with each merchant's bearer
//! token at a fixed rate (open loop: each payment is sent at its planned moment whether or not
//! earlier ones were answered) and reports the latency of each from that planned moment.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use koinon_app::currency::{CurrencyInput, ProgrammeInput};
use koinon_app::merchants::MerchantInput;
use koinon_app::outcome_files::ImportFile;
use koinon_app::tenants::NewTenantInput;
use koinon_app::users::NewUserInput;
use koinon_app::{Actor, App};
use koinon_core::authz::Subject;
use koinon_core::role::Role;
use koinon_store::{Store, StoreConfig};

use super::bench::Rng;

const BENCH: Actor = Actor::System("bench");
/// Highest rate asked for, payments per second.
pub const RATE_MAX: u64 = 100_000;
/// Longest run, seconds.
pub const SECONDS_MAX: u64 = 3_600;
/// Most wallets (each with a card) and merchants.
pub const WALLETS_MAX: u64 = 100_000;
pub const MERCHANTS_MAX: u64 = 1_000;

#[derive(Debug, serde::Serialize)]
pub struct PaymentsBenchReport {
    pub backend: &'static str,
    pub rate_target: u64,
    pub seconds_target: u64,
    pub wallets: u64,
    pub merchants: u64,
    /// Payments sent.
    pub sent: u64,
    /// Payments answered per second, from the first planned send to the last answer.
    pub achieved_rate: f64,
    pub accepted: u64,
    /// Refusals by their code (`insufficient_balance`, ...).
    pub refused: BTreeMap<String, u64>,
    /// Answers that were neither a payment nor a refusal (server errors, timeouts).
    pub errors: u64,
    pub latency_ms_p50: f64,
    pub latency_ms_p95: f64,
    pub latency_ms_p99: f64,
    pub latency_ms_max: f64,
    /// Setting up (not part of the measurement).
    pub setup_seconds: f64,
}

/// A directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Till {
    merchant_id: i64,
    token: String,
}

struct Card {
    code: String,
    pin: String,
}

/// The `q`-quantile (nearest rank) of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub async fn payments(
    rate: u64,
    seconds: u64,
    wallets: u64,
    merchants: u64,
    database_url: Option<String>,
) -> anyhow::Result<PaymentsBenchReport> {
    anyhow::ensure!((1..=RATE_MAX).contains(&rate), "--rate must be 1 to {RATE_MAX} payments a second");
    anyhow::ensure!((1..=SECONDS_MAX).contains(&seconds), "--seconds must be 1 to {SECONDS_MAX}");
    anyhow::ensure!((1..=WALLETS_MAX).contains(&wallets), "--wallets must be 1 to {WALLETS_MAX}");
    anyhow::ensure!((1..=MERCHANTS_MAX).contains(&merchants), "--merchants must be 1 to {MERCHANTS_MAX}");
    let setup_started = Instant::now();
    let dir =
        TempDir(std::env::temp_dir().join(format!("koinon-payments-bench-{}-{}", std::process::id(), App::now_us())));
    std::fs::create_dir_all(&dir.0).with_context(|| format!("creating {}", dir.0.display()))?;
    let store = Store::open(&StoreConfig::new(&dir.0, database_url)).await.context("opening the bench database")?;
    let app = App::new(store.clone());
    let run = format!("p{}", App::now_us() % 1_000_000_000);
    let tenant = app
        .create_tenant(
            &BENCH,
            &NewTenantInput {
                code: &run,
                name: "Payments bench",
                country: "ES",
                currency: "EUR",
                default_locale: "en",
            },
        )
        .await?
        .id;
    let user = |user_id, role| Actor::User(Subject { user_id, tenant_id: tenant, role, organisation_id: None });
    let (officer, approver) = (user(1_000_001, Role::Officer), user(1_000_002, Role::Approver));
    let c = app
        .define_currency(
            &officer,
            tenant,
            &CurrencyInput {
                code: "grama".into(),
                name: "Grama".into(),
                symbol: "G".into(),
                scale: Some(2),
                categories: "food, hygiene".into(),
                decay: "none".into(),
                daily_spend_max: "100000.00".into(),
                ..CurrencyInput::default()
            },
        )
        .await?;
    let p = app
        .create_programme(
            &officer,
            tenant,
            &ProgrammeInput {
                currency_id: c.id,
                name: "Social aid".into(),
                start_on: "2026-01-01".into(),
                end_on: "2036-12-31".into(),
                budget: "100000000.00".into(),
                base_amount: "200.00".into(),
                per_member_amount: "50.00".into(),
                household_cap: "300.00".into(),
                auto_backing: true,
            },
        )
        .await?;
    let mut csv = String::from("household,size,eligible_from\n");
    for h in 0..wallets {
        csv.push_str(&format!("B-{h:06},{},2026-01-01\n", 1 + h % 3));
    }
    let file = ImportFile::read("households", "file", "households.csv", csv.into_bytes(), None)?;
    app.commit_households(&officer, tenant, p.id, &file).await?;
    let issuance = app.prepare_issuance(&officer, tenant, p.id, "2026-01").await?;
    app.approve_issuance(&approver, tenant, issuance.id).await?;
    let mut tills = Vec::new();
    for k in 0..merchants {
        let email = format!("till{k}@{run}.example.org");
        let owner = app
            .create_user(
                &BENCH,
                tenant,
                &NewUserInput {
                    email: &email,
                    display_name: "Shop keeper",
                    role: "merchant",
                    organisation_id: None,
                    password: "a long enough password for the bench",
                },
            )
            .await?;
        let as_owner = user(owner.id, Role::Merchant);
        let shop = MerchantInput {
            currency_id: c.id,
            name: format!("Shop {k}"),
            registration: format!("F-{:08}", 10_000_000 + k),
            area: "Centre".into(),
            address: "Carrer Major 12".into(),
            description: "A shop of the bench".into(),
            categories: vec!["food".into(), "hygiene".into()],
            email: email.clone(),
            phone: "+34 600 000 000".into(),
            owner_user_id: None,
        };
        let m = app.apply_merchant(&as_owner, tenant, &shop, &[]).await?;
        let m = app.review_merchant(&officer, tenant, m.id, "accredit", "").await?;
        let (_, token) = app.create_token(&BENCH, &email, "till").await?;
        tills.push(Till { merchant_id: m.id, token });
    }
    let mut cards = Vec::new();
    for (k, h) in app.programme_households(&officer, tenant, p.id).await?.iter().enumerate() {
        let pin = format!("{:06}", 385_713 + k * 7);
        let card = app.issue_card(&officer, tenant, h.id, &pin).await?;
        cards.push(Card { code: card.code, pin });
    }

    let state = koinon_web::AppState::new(app.clone(), koinon_web::WebConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding a loopback port")?;
    let url = format!("http://{}/api/v1/currency/payments", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, koinon_web::router(state)).await });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1_024)
        .timeout(Duration::from_secs(30))
        .build()
        .context("an HTTP client")?;
    let setup_seconds = setup_started.elapsed().as_secs_f64();

    // Open loop: payment `i` leaves at `start + i / rate` whatever happened to the others.
    let total = rate * seconds;
    let mut rng = Rng(0x7061_796d);
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let mut sent = Vec::with_capacity(total as usize);
    for i in 0..total {
        let planned = start + Duration::from_nanos(i * 1_000_000_000 / rate);
        tokio::time::sleep_until(planned).await;
        let till = &tills[rng.below(merchants) as usize];
        let card = &cards[rng.below(wallets) as usize];
        let amount = 50 + rng.below(200);
        let body = serde_json::json!({
            "payment_id": format!("0190a1b2-c3d4-7e5f-8a9b-{:012x}", i + 1),
            "merchant_id": till.merchant_id,
            "card_code": card.code,
            "pin": card.pin,
            "amount": format!("{}.{:02}", amount / 100, amount % 100),
            "category": "food",
        });
        let request = client.post(&url).bearer_auth(&till.token).json(&body);
        sent.push(tokio::spawn(async move {
            let outcome = match request.send().await {
                Ok(r) if r.status() == reqwest::StatusCode::CREATED => Ok(true),
                Ok(r) if r.status().is_client_error() => {
                    let v: serde_json::Value = r.json().await.unwrap_or_default();
                    Err(v["error"]["code"].as_str().unwrap_or("unknown").to_string())
                }
                Ok(_) | Err(_) => Ok(false),
            };
            (planned.elapsed(), outcome)
        }));
    }
    let mut latencies = Vec::with_capacity(sent.len());
    let (mut accepted, mut errors) = (0u64, 0u64);
    let mut refused = BTreeMap::new();
    for handle in sent {
        let (latency, outcome) = handle.await.context("a payment task stopped")?;
        latencies.push(latency.as_secs_f64() * 1_000.0);
        match outcome {
            Ok(true) => accepted += 1,
            Ok(false) => errors += 1,
            Err(code) => *refused.entry(code).or_insert(0) += 1,
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    server.abort();
    latencies.sort_by(f64::total_cmp);
    app.shutdown().await;
    store.close().await;
    Ok(PaymentsBenchReport {
        backend: store.backend().as_str(),
        rate_target: rate,
        seconds_target: seconds,
        wallets,
        merchants,
        sent: total,
        achieved_rate: total as f64 / elapsed.max(f64::MIN_POSITIVE),
        accepted,
        refused,
        errors,
        latency_ms_p50: quantile(&latencies, 0.50),
        latency_ms_p95: quantile(&latencies, 0.95),
        latency_ms_p99: quantile(&latencies, 0.99),
        latency_ms_max: latencies.last().copied().unwrap_or(0.0),
        setup_seconds,
    })
}
