//! The shell answers: pages, health, security headers, sign-in and sign-out.

use crate::harness::{Backend, hidden_csrf, spawn_app, spawn_on};

#[tokio::test]
async fn home_health_and_security_headers() {
    let t = spawn_app().await;
    let c = t.client();
    let r = c.get(t.url("/")).send().await.expect("home");
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    let csp = h["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));
    let body = r.text().await.expect("body");
    assert!(body.contains("Heerlen") && body.contains("Võru"), "demo municipalities listed");
    assert_eq!(c.get(t.url("/healthz")).send().await.expect("healthz").status(), 200);
    assert_eq!(c.get(t.url("/readyz")).send().await.expect("readyz").status(), 200);
    let metrics = c.get(t.url("/metrics")).send().await.expect("metrics").text().await.expect("text");
    assert!(metrics.contains("koinon_http_requests_total{class=\"2xx\"}"), "{metrics}");
    assert!(metrics.contains("koinon_database_up 1"));
    let missing = c.get(t.url("/no-such-page")).send().await.expect("404");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn sign_in_dashboard_sign_out() {
    let t = spawn_app().await;
    let c = t.client();
    // Not signed in: the dashboard sends you to sign in and back.
    let r = c.get(t.url("/dashboard")).send().await.expect("dashboard");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/sign-in?next=/dashboard");

    let csrf = t.csrf(&c).await;
    // Wrong password: the form again, with an error summary linked to the field.
    let r = c
        .post(t.url("/sign-in"))
        .form(&[("csrf", csrf.as_str()), ("email", "officer@heerlen.example.org"), ("password", "wrong password!")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("error-summary") && body.contains("href=\"#email\""), "{body}");

    // Without the CSRF token: refused.
    let r = c
        .post(t.url("/sign-in"))
        .form(&[("email", "officer@heerlen.example.org"), ("password", crate::harness::PASSWORD)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);

    let c = t.signed_in("officer@heerlen.example.org").await;
    let body = c.get(t.url("/dashboard")).send().await.expect("dashboard").text().await.expect("body");
    assert!(body.contains("Heerlen") && body.contains("Officer"), "{body}");
    let csrf = hidden_csrf(&body).expect("sign-out form has csrf");
    let r = c.post(t.url("/sign-out")).form(&[("csrf", csrf.as_str())]).send().await.expect("sign out");
    assert_eq!(r.status(), 303);
    let r = c.get(t.url("/dashboard")).send().await.expect("dashboard");
    assert_eq!(r.status(), 303, "signed out: back to sign-in");
}

#[tokio::test]
async fn sign_in_is_throttled_after_repeated_failures() {
    let t = spawn_app().await;
    let c = t.client();
    let csrf = t.csrf(&c).await;
    for _ in 0..koinon_app::auth::LOGIN_FAILURES_MAX {
        let r = c
            .post(t.url("/sign-in"))
            .form(&[("csrf", csrf.as_str()), ("email", "admin@heerlen.example.org"), ("password", "not the password")])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 422);
    }
    // Now even the right password is refused for a while.
    let r = c
        .post(t.url("/sign-in"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "admin@heerlen.example.org"),
            ("password", crate::harness::PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn language_follows_query_then_cookie_then_header() {
    let t = spawn_app().await;
    let c = t.client();
    let body = c.get(t.url("/?lang=el")).send().await.expect("el").text().await.expect("body");
    assert!(body.contains("<html lang=\"el\" dir=\"ltr\">"));
    // The cookie remembers it.
    let body = c.get(t.url("/")).send().await.expect("again").text().await.expect("body");
    assert!(body.contains("<html lang=\"el\""));
    // A fresh client with Accept-Language.
    let c2 = t.client();
    let body = c2
        .get(t.url("/"))
        .header("accept-language", "et-EE,et;q=0.9,en;q=0.5")
        .send()
        .await
        .expect("et")
        .text()
        .await
        .expect("body");
    assert!(body.contains("<html lang=\"et\""));
    let body = c2.get(t.url("/?lang=ar")).send().await.expect("ar").text().await.expect("body");
    assert!(body.contains("<html lang=\"ar\" dir=\"rtl\">"));
}

#[tokio::test]
async fn the_shell_runs_on_postgres_too() {
    let Some(t) = spawn_on(Backend::Postgres).await else { return };
    let c = t.signed_in("admin@heerlen.example.org").await;
    let r = c.get(t.url("/dashboard")).send().await.expect("dashboard");
    assert_eq!(r.status(), 200);
    assert_eq!(t.store.backend(), koinon_store::Backend::Postgres);
}
