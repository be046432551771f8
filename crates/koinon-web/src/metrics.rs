//! `/healthz`, `/readyz` and `/metrics` (Prometheus text format).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency histogram, in microseconds.
const BUCKETS_US: [u64; 14] =
    [250, 500, 1_000, 2_500, 5_000, 7_500, 10_000, 15_000, 20_000, 25_000, 50_000, 100_000, 250_000, 1_000_000];

#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    buckets: [AtomicU64; BUCKETS_US.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
}

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    let m = &state.metrics;
    let class = usize::from(response.status().as_u16() / 100).clamp(1, 5) - 1;
    m.by_class[class].fetch_add(1, Ordering::Relaxed);
    let us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    for (i, bound) in BUCKETS_US.iter().enumerate() {
        if us <= *bound {
            m.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
    }
    m.count.fetch_add(1, Ordering::Relaxed);
    m.sum_us.fetch_add(us, Ordering::Relaxed);
    response
}

pub async fn healthz() -> &'static str {
    "ok\n"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.app.store().ping().await {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
    }
}

pub async fn prometheus(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let mut out = String::new();
    let _ = writeln!(out, "# HELP koinon_http_requests_total HTTP requests answered, by status class.");
    let _ = writeln!(out, "# TYPE koinon_http_requests_total counter");
    for (i, class) in ["1xx", "2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
        let _ =
            writeln!(out, "koinon_http_requests_total{{class=\"{class}\"}} {}", m.by_class[i].load(Ordering::Relaxed));
    }
    let _ = writeln!(out, "# HELP koinon_http_request_duration_seconds Time to answer a request.");
    let _ = writeln!(out, "# TYPE koinon_http_request_duration_seconds histogram");
    for (i, bound) in BUCKETS_US.iter().enumerate() {
        let le = *bound as f64 / 1e6;
        let _ = writeln!(
            out,
            "koinon_http_request_duration_seconds_bucket{{le=\"{le}\"}} {}",
            m.buckets[i].load(Ordering::Relaxed)
        );
    }
    let count = m.count.load(Ordering::Relaxed);
    let _ = writeln!(out, "koinon_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
    let _ = writeln!(out, "koinon_http_request_duration_seconds_sum {}", m.sum_us.load(Ordering::Relaxed) as f64 / 1e6);
    let _ = writeln!(out, "koinon_http_request_duration_seconds_count {count}");
    let _ = writeln!(out, "# HELP koinon_database_up Whether the database answers.");
    let _ = writeln!(out, "# TYPE koinon_database_up gauge");
    let _ = writeln!(out, "koinon_database_up {}", u8::from(state.app.store().ping().await));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
