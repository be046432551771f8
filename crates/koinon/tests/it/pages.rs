//! HTML pages: users and roles, organisations, networks, audit log, account.

use koinon_app::Actor;
use reqwest::StatusCode;

use crate::harness::{PASSWORD, TestApp, hidden_csrf, spawn_app};

const SYSTEM: Actor = Actor::System("test");

/// GETs a page: its status and body.
async fn get(t: &TestApp, c: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = c.get(t.url(path)).send().await.expect("get");
    let status = r.status();
    (status, r.text().await.expect("body"))
}

/// The CSRF token of this client, from any page with a form.
async fn csrf_of(t: &TestApp, c: &reqwest::Client) -> String {
    let (_, body) = get(t, c, "/account").await;
    hidden_csrf(&body).expect("a form with a csrf field")
}

/// POSTs a form with the client's CSRF token: status, `Location` and body.
async fn post(t: &TestApp, c: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let csrf = csrf_of(t, c).await;
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let r = c.post(t.url(path)).form(&form).send().await.expect("post");
    let status = r.status();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, location, r.text().await.expect("body"))
}

/// Signs in with a fresh client: the status of the answer.
async fn sign_in_status(t: &TestApp, email: &str, password: &str) -> StatusCode {
    let fresh = t.client();
    let csrf = t.csrf(&fresh).await;
    let form = [("csrf", csrf.as_str()), ("email", email), ("password", password)];
    fresh.post(t.url("/sign-in")).form(&form).send().await.expect("sign in").status()
}

async fn heerlen_id(t: &TestApp) -> i64 {
    t.app.tenant_by_code("heerlen").await.expect("heerlen").id
}

async fn user_id(t: &TestApp, email: &str) -> i64 {
    let users = t.app.list_users(&SYSTEM, heerlen_id(t).await, None, Some(200)).await.expect("users");
    users.items.iter().find(|u| u.email == email).expect("demo user").id
}

async fn sibdev_id(t: &TestApp) -> i64 {
    let nets = t.app.list_networks(&SYSTEM, heerlen_id(t).await, None, None).await.expect("networks");
    nets.items.iter().find(|n| n.name == "SIBdev").expect("SIBdev").id
}

#[tokio::test]
async fn pages_admin_creates_a_user_seen_in_the_list_and_the_audit_log() {
    let t = spawn_app().await;
    let c = t.signed_in("admin@heerlen.example.org").await;

    let (status, body) = get(&t, &c, "/users/new").await;
    assert_eq!(status, 200);
    for label in [
        "Administrator",
        "Officer",
        "Approver",
        "Reviewer or evaluator",
        "Service provider",
        "Investor",
        "Merchant",
        "Citizen",
        "Auditor",
    ] {
        assert!(body.contains(label), "role {label} offered");
    }
    assert!(body.contains("Werkplaats Parkstad"), "the tenant's organisations are offered");
    assert!(body.contains("12 characters or more"), "password hint");
    assert!(body.contains("<label for=\"email\"") && body.contains("<label for=\"password\""));

    let org = t.app.list_organisations(&SYSTEM, heerlen_id(&t).await, None, None).await.expect("orgs");
    let werkplaats = org.items.iter().find(|o| o.name == "Werkplaats Parkstad").expect("org").id.to_string();
    let (status, location, _) = post(
        &t,
        &c,
        "/users",
        &[
            ("email", "nieuw@heerlen.example.org"),
            ("display_name", "Nieuwe Aanbieder"),
            ("role", "provider"),
            ("organisation_id", &werkplaats),
            ("password", "a long enough password"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/users");
    let (status, body) = get(&t, &c, "/users").await;
    assert_eq!(status, 200);
    assert!(body.contains("The user has been added."), "flash shown");
    assert!(body.contains("nieuw@heerlen.example.org") && body.contains("Nieuwe Aanbieder"));
    assert!(body.contains("Service provider") && body.contains("Werkplaats Parkstad"));
    assert!(!body.contains("sofia.example.org"), "only this tenant's users");

    // The same email again is a field error.
    let (status, _, body) = post(
        &t,
        &c,
        "/users",
        &[
            ("email", "nieuw@heerlen.example.org"),
            ("display_name", "X"),
            ("role", "officer"),
            ("password", "a long enough password"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("href=\"#email\"") && body.contains("A user with this email address already exists"),
        "{body}"
    );

    let (status, body) = get(&t, &c, "/audit").await;
    assert_eq!(status, 200);
    assert!(body.contains("user.create"), "audit shows the creation");
    assert!(body.contains("<code>"), "summary in code");
    assert!(body.contains("class=\"visually-hidden\""), "full hash for screen readers");

    // The new user can sign in with the initial password.
    assert_eq!(sign_in_status(&t, "nieuw@heerlen.example.org", "a long enough password").await, 303);
}

#[tokio::test]
async fn pages_bad_new_user_form_shows_linked_errors_and_creates_nothing() {
    let t = spawn_app().await;
    let c = t.signed_in("admin@heerlen.example.org").await;
    let before = t.app.list_users(&SYSTEM, heerlen_id(&t).await, None, Some(200)).await.expect("users").items.len();
    let (status, _, body) = post(
        &t,
        &c,
        "/users",
        &[
            ("email", "not-an-email"),
            ("display_name", "Someone"),
            ("role", "officer"),
            ("organisation_id", ""),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("class=\"error-summary\""), "error summary");
    assert!(body.contains("href=\"#email\"") && body.contains("href=\"#password\""), "{body}");
    assert!(body.contains("id=\"email-error\"") && body.contains("aria-invalid=\"true\""));
    assert!(body.contains("Password must be 12 characters or more"));
    assert!(body.contains("value=\"not-an-email\"") && body.contains("value=\"Someone\""), "what was typed is kept");
    assert!(!body.contains("value=\"short\""), "a password is never sent back");
    assert!(body.contains("<title>Error: "), "the title says there is an error");
    let after = t.app.list_users(&SYSTEM, heerlen_id(&t).await, None, Some(200)).await.expect("users").items.len();
    assert_eq!(before, after, "nothing was created");
}

#[tokio::test]
async fn pages_admin_changes_a_role_but_not_their_own() {
    let t = spawn_app().await;
    let c = t.signed_in("admin@heerlen.example.org").await;
    let approver = user_id(&t, "approver@heerlen.example.org").await;
    let (status, body) = get(&t, &c, &format!("/users/{approver}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("approver@heerlen.example.org") && body.contains("<label for=\"role\""));
    let (status, location, _) = post(
        &t,
        &c,
        &format!("/users/{approver}"),
        &[("role", "reviewer"), ("organisation_id", ""), ("disabled", "yes")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("/users/{approver}"));
    let (_, body) = get(&t, &c, &format!("/users/{approver}")).await;
    assert!(
        body.contains("The user has been changed.")
            && body.contains("Disabled")
            && body.contains("Reviewer or evaluator")
    );

    let me = user_id(&t, "admin@heerlen.example.org").await;
    let (status, _, body) =
        post(&t, &c, &format!("/users/{me}"), &[("role", "officer"), ("organisation_id", "")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("href=\"#role\"") && body.contains("cannot remove your own administrator role"), "{body}");

    let (status, _) = get(&t, &c, "/users/not-a-number").await;
    assert_eq!(status, 404);
    let (status, _) = get(&t, &c, "/users/999999").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn pages_auditor_reads_users_and_audit_but_changes_nothing() {
    let t = spawn_app().await;
    let c = t.signed_in("auditor@heerlen.example.org").await;
    assert_eq!(get(&t, &c, "/users").await.0, 200);
    assert_eq!(get(&t, &c, "/audit").await.0, 200);
    let (status, body) = get(&t, &c, "/users").await;
    assert_eq!(status, 200);
    assert!(!body.contains("href=\"/users/new\""), "no add link for auditors");
    assert_eq!(get(&t, &c, "/users/new").await.0, 403);
    let officer = user_id(&t, "officer@heerlen.example.org").await;
    let (status, body) = get(&t, &c, &format!("/users/{officer}")).await;
    assert_eq!(status, 200);
    assert!(!body.contains("<form method=\"post\" action=\"/users/"), "no edit form for auditors");
    let (status, _, _) = post(&t, &c, &format!("/users/{officer}"), &[("role", "admin")]).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn pages_officer_creates_organisation_network_and_partners() {
    let t = spawn_app().await;
    let c = t.signed_in("officer@heerlen.example.org").await;

    let (status, body) = get(&t, &c, "/organisations/new").await;
    assert_eq!(status, 200);
    assert!(body.contains("Social enterprise") && body.contains("Public body"), "kinds translated");
    let (status, location, _) = post(
        &t,
        &c,
        "/organisations",
        &[("kind", "ngo"), ("name", "Buurtzorg Heerlen"), ("email", "info@buurtzorg.example.org")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/organisations/"), "{location}");
    let (status, body) = get(&t, &c, &location).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<h1>Buurtzorg Heerlen</h1>")
            && body.contains("NGO")
            && body.contains("info@buurtzorg.example.org")
    );
    assert!(body.contains("The organisation has been added."));
    let (_, body) = get(&t, &c, "/organisations").await;
    assert!(body.contains("Buurtzorg Heerlen") && body.contains("Werkplaats Parkstad"));
    // A bad kind and a duplicate name.
    let (status, _, body) = post(&t, &c, "/organisations", &[("kind", "bank"), ("name", "Buurtzorg Heerlen")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("href=\"#kind\""), "{body}");

    // A network with dates checked.
    let (status, _) = get(&t, &c, "/networks/new").await;
    assert_eq!(status, 200);
    let (status, _, body) = post(
        &t,
        &c,
        "/networks",
        &[("name", "Outcomes Lab"), ("programme", "URBACT"), ("starts_on", "2024-01-15"), ("ends_on", "2023-12-31")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("href=\"#ends_on\"") && body.contains("value=\"2023-12-31\""), "{body}");
    let (status, location, _) = post(
        &t,
        &c,
        "/networks",
        &[("name", "Outcomes Lab"), ("programme", "URBACT"), ("starts_on", "2024-01-15"), ("ends_on", "2025-06-30")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/networks/"), "{location}");
    let (status, body) = get(&t, &c, &location).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<h1>Outcomes Lab</h1>") && body.contains("15 January 2024") && body.contains("30 June 2025")
    );
    assert!(body.contains("This network has no partners yet."));
    let (_, list) = get(&t, &c, "/networks").await;
    assert!(list.contains("Outcomes Lab") && list.contains("SIBdev") && list.contains("1 September 2019"));

    let partners = format!("{location}/partners");
    let (status, to, _) = post(
        &t,
        &c,
        &partners,
        &[("name", "Heerlen"), ("country", "nl"), ("tenant_code", "heerlen"), ("is_lead", "yes")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(to, location);
    let (status, _, _) = post(&t, &c, &partners, &[("name", "Aarhus"), ("country", "DK"), ("tenant_code", "")]).await;
    assert_eq!(status, 303);
    // A second lead partner is refused, with the error at the checkbox.
    let (status, _, body) =
        post(&t, &c, &partners, &[("name", "Võru"), ("country", "EE"), ("tenant_code", "voru"), ("is_lead", "yes")])
            .await;
    assert_eq!(status, 422);
    assert!(body.contains("href=\"#is_lead\"") && body.contains("This network already has a lead partner"), "{body}");
    assert!(body.contains("value=\"Võru\""), "what was typed is kept");
    // A malformed or unknown municipality code, and a bad country.
    let (status, _, body) =
        post(&t, &c, &partners, &[("name", "Nowhere"), ("country", "XYZ"), ("tenant_code", "Not a code!")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("href=\"#tenant_code\"") && body.contains("href=\"#country\""), "{body}");
    let (status, _, body) =
        post(&t, &c, &partners, &[("name", "Nowhere"), ("country", "NL"), ("tenant_code", "atlantis")]).await;
    assert_eq!(status, 422);
    assert!(
        body.contains("href=\"#tenant_code\"") && body.contains("There is no municipality with this code"),
        "{body}"
    );

    let (_, body) = get(&t, &c, &location).await;
    assert!(body.contains("<td>Aarhus</td>") && body.contains("<td>heerlen</td>") && body.contains("Lead partner"));
    assert!(!body.contains("Nowhere") && !body.contains("Võru"), "refused partners were not added");
    assert_eq!(body.matches("class=\"tag\"").count(), 1, "one lead partner");
}

#[tokio::test]
async fn pages_merchant_sees_only_their_own_organisation() {
    let t = spawn_app().await;
    let c = t.signed_in("merchant@heerlen.example.org").await;
    let (status, body) = get(&t, &c, "/organisations").await;
    assert_eq!(status, 200);
    assert!(body.contains("Buurtwinkel Heerlerheide") && body.contains("Merchant"));
    assert!(!body.contains("Werkplaats Parkstad") && !body.contains("Limburg Social Impact Fund"));
    assert!(!body.contains("href=\"/organisations/new\""));
    let orgs = t.app.list_organisations(&SYSTEM, heerlen_id(&t).await, None, None).await.expect("orgs").items;
    let other = orgs.iter().find(|o| o.name == "Werkplaats Parkstad").expect("org").id;
    let own = orgs.iter().find(|o| o.name == "Buurtwinkel Heerlerheide").expect("org").id;
    assert_eq!(get(&t, &c, &format!("/organisations/{own}")).await.0, 200);
    assert_eq!(get(&t, &c, &format!("/organisations/{other}")).await.0, 403);
    assert_eq!(get(&t, &c, "/organisations/new").await.0, 403);
    let (status, _, _) = post(&t, &c, "/organisations", &[("kind", "ngo"), ("name", "Sneaky")]).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn pages_beneficiary_is_refused_staff_pages() {
    let t = spawn_app().await;
    let c = t.signed_in("beneficiary@heerlen.example.org").await;
    for path in ["/users", "/users/new", "/audit", "/networks", "/networks/new", "/organisations"] {
        let (status, body) = get(&t, &c, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(body.contains("You cannot see this page"), "{path}: the 403 page");
    }
    let sibdev = sibdev_id(&t).await;
    assert_eq!(get(&t, &c, &format!("/networks/{sibdev}")).await.0, 403);
    let (status, _, _) =
        post(&t, &c, &format!("/networks/{sibdev}/partners"), &[("name", "X"), ("country", "NL")]).await;
    assert_eq!(status, 403);
    assert_eq!(get(&t, &c, "/account").await.0, 200, "but their own account is theirs");
    // Signed out: sent to sign in.
    let r = t.client().get(t.url("/users")).send().await.expect("get");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/sign-in?next=/users");
}

#[tokio::test]
async fn pages_other_tenants_users_and_networks_are_not_found() {
    let t = spawn_app().await;
    let c = t.signed_in("admin@sofia.example.org").await;
    let officer = user_id(&t, "officer@heerlen.example.org").await;
    let sibdev = sibdev_id(&t).await;
    assert_eq!(get(&t, &c, &format!("/users/{officer}")).await.0, 404);
    assert_eq!(get(&t, &c, &format!("/networks/{sibdev}")).await.0, 404);
    let (status, _, _) = post(&t, &c, &format!("/users/{officer}"), &[("role", "admin")]).await;
    assert_eq!(status, 404);
    let (status, _, _) =
        post(&t, &c, &format!("/networks/{sibdev}/partners"), &[("name", "Sofia"), ("country", "BG")]).await;
    assert_eq!(status, 404);
    let (_, body) = get(&t, &c, "/users").await;
    assert!(body.contains("admin@sofia.example.org") && !body.contains("heerlen.example.org"));
    let (_, body) = get(&t, &c, "/audit").await;
    assert!(!body.contains(&format!("user:{officer}")), "no Heerlen entries in Sofia's log");
}

#[tokio::test]
async fn pages_change_password_checks_current_and_confirmation() {
    let t = spawn_app().await;
    let c = t.signed_in("approver@heerlen.example.org").await;
    let (status, body) = get(&t, &c, "/account").await;
    assert_eq!(status, 200);
    assert!(body.contains("approver@heerlen.example.org") && body.contains("Approver") && body.contains("Heerlen"));
    assert!(body.contains("<label for=\"current_password\"") && body.contains("<label for=\"confirm_password\""));

    let new = "a brand new password";
    let (status, _, body) = post(
        &t,
        &c,
        "/account/password",
        &[("current_password", "not my password"), ("new_password", new), ("confirm_password", new)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("href=\"#current_password\"") && body.contains("Current password is not right"), "{body}");

    let (status, _, body) = post(
        &t,
        &c,
        "/account/password",
        &[("current_password", PASSWORD), ("new_password", new), ("confirm_password", "something else entirely")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("href=\"#confirm_password\"") && body.contains("The passwords do not match"), "{body}");

    let (status, _, body) = post(
        &t,
        &c,
        "/account/password",
        &[("current_password", PASSWORD), ("new_password", "short"), ("confirm_password", "short")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("href=\"#new_password\""), "{body}");

    let (status, location, _) = post(
        &t,
        &c,
        "/account/password",
        &[("current_password", PASSWORD), ("new_password", new), ("confirm_password", new)],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/account");
    let (status, body) = get(&t, &c, "/account").await;
    assert_eq!(status, 200, "this session goes on");
    assert!(body.contains("Your password has been changed."));

    let email = "approver@heerlen.example.org";
    assert_eq!(sign_in_status(&t, email, PASSWORD).await, 422, "the old password no longer signs in");
    assert_eq!(sign_in_status(&t, email, new).await, 303, "the new one does");
}

#[tokio::test]
async fn pages_posts_without_csrf_are_refused() {
    let t = spawn_app().await;
    let c = t.signed_in("admin@heerlen.example.org").await;
    let sibdev = sibdev_id(&t).await;
    let officer = user_id(&t, "officer@heerlen.example.org").await;
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/users".into(),
            vec![
                ("email", "x@heerlen.example.org"),
                ("display_name", "X"),
                ("role", "officer"),
                ("password", "a long enough password"),
            ],
        ),
        (format!("/users/{officer}"), vec![("role", "admin")]),
        ("/organisations".into(), vec![("kind", "ngo"), ("name", "No Token")]),
        ("/networks".into(), vec![("name", "No Token"), ("programme", "URBACT")]),
        (format!("/networks/{sibdev}/partners"), vec![("name", "No Token"), ("country", "NL")]),
        (
            "/account/password".into(),
            vec![
                ("current_password", PASSWORD),
                ("new_password", "a brand new password"),
                ("confirm_password", "a brand new password"),
            ],
        ),
    ];
    for (path, form) in cases {
        let r = c.post(t.url(&path)).form(&form).send().await.expect("post");
        assert_eq!(r.status(), 403, "{path}");
        let mut wrong = form.clone();
        wrong.push(("csrf", "0000000000000000000000000000000000000000000000000000000000000000"));
        let r = c.post(t.url(&path)).form(&wrong).send().await.expect("post");
        assert_eq!(r.status(), 403, "{path} with a wrong token");
    }
    let (_, body) = get(&t, &c, "/organisations").await;
    assert!(!body.contains("No Token"), "nothing was created");
}

#[tokio::test]
async fn pages_lists_paginate_with_a_cursor() {
    let t = spawn_app().await;
    let heerlen = heerlen_id(&t).await;
    for i in 0..60 {
        t.app.create_organisation(&SYSTEM, heerlen, "ngo", &format!("Stichting {i:02}"), "").await.expect("org");
    }
    let c = t.signed_in("admin@heerlen.example.org").await;
    let (status, body) = get(&t, &c, "/organisations").await;
    assert_eq!(status, 200);
    let at = body.find("href=\"/organisations?cursor=").expect("a next page link");
    let href = &body[at + 6..];
    let href = &href[..href.find('"').expect("end")];
    assert!(body.contains("Next page"));
    let (status, next) = get(&t, &c, href).await;
    assert_eq!(status, 200);
    assert!(next.contains("Stichting 59") && !next.contains("Werkplaats Parkstad"), "the second page");

    let (status, body) = get(&t, &c, "/audit").await;
    assert_eq!(status, 200);
    assert!(body.contains("Older entries"));
    assert!(!body.contains("tenant.create"), "the oldest entry is not on the first page");
    // The demo's history fills several pages; following "Older entries" reaches the oldest.
    let mut page = body;
    for _ in 0..10 {
        let Some(at) = page.find("href=\"/audit?cursor=") else { break };
        let href = &page[at + 6..];
        let href = href[..href.find('"').expect("end")].replace("&amp;", "&");
        let (status, older) = get(&t, &c, &href).await;
        assert_eq!(status, 200);
        page = older;
        if page.contains("tenant.create") {
            break;
        }
    }
    assert!(page.contains("tenant.create"), "the oldest entries on a later page");

    assert_eq!(get(&t, &c, "/audit?cursor=abc").await.0, 422, "a bad cursor is not a server error");
}

#[tokio::test]
async fn pages_are_translated() {
    let t = spawn_app().await;
    let c = t.signed_in("admin@heerlen.example.org").await;
    for (lang, heading) in [("el", "Χρήστες και ρόλοι"), ("bg", "Потребители и роли"), ("et", "Kasutajad ja rollid")]
    {
        let (status, body) = get(&t, &c, &format!("/users?lang={lang}")).await;
        assert_eq!(status, 200);
        assert!(body.contains(&format!("<h1>{heading}</h1>")), "{lang}");
    }
    for locale in [koinon_core::locale::Locale::El, koinon_core::locale::Locale::Bg, koinon_core::locale::Locale::Et] {
        let mut en = koinon_web::i18n::keys(koinon_core::locale::Locale::En);
        let mut other = koinon_web::i18n::keys(locale);
        en.sort();
        other.sort();
        assert_eq!(en, other, "{locale:?} has the same keys as English");
    }
}
