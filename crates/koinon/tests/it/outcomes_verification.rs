//! The evaluator's verification queue knows what is late: claims still waiting after their
//! verification window are marked "Overdue since <date>" (in words, not colour alone) and come
//! first, earliest due on top; the API says `overdue`. Dates are relative to today, the app's
//! clock.

use time::{Date, Duration, OffsetDateTime};

use crate::harness::spawn_app;

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_verification_queue_marks_claims_past_their_window_as_overdue() {
    let t = spawn_app().await;
    let system = koinon_app::Actor::System("test");
    let heerlen = t.app.tenant_by_code("heerlen").await.expect("heerlen");
    let list = t.app.list_contracts(&system, heerlen.id, None, Some(100)).await.expect("contracts");
    let id = list.items.iter().find(|c| c.name == koinon_app::demo::DEMO_CONTRACT_NAME).expect("demo contract").id;

    // job_start's verification window is 30 days. LATE was claimed 40 days ago (due 10 days
    // ago, overdue since 9 days ago); FRESH 5 days ago (due in 25 days).
    let today = OffsetDateTime::now_utc().date();
    let late_claimed = today - Duration::days(40);
    let fresh_claimed = today - Duration::days(5);
    let overdue_since = late_claimed + Duration::days(31);
    let participants = "participant,cohort,enrolled_on\nLATE-1,2026-h1,2026-01-12\nFRESH-1,2026-h1,2026-01-12\n";
    let claims = format!(
        "participant,metric,event_on,claimed_on\nLATE-1,job_start,{},{}\nFRESH-1,job_start,{},{}\n",
        iso(late_claimed - Duration::days(3)),
        iso(late_claimed),
        iso(fresh_claimed - Duration::days(3)),
        iso(fresh_claimed),
    );
    t.app.commit_participants(&system, heerlen.id, id, participants).await.expect("participants");
    let report = t.app.commit_claims(&system, heerlen.id, id, &claims).await.expect("claims");
    assert_eq!(report.accepted, 2, "{report:?}");

    // The API: `overdue` on each claim.
    let token = t.token("reviewer@heerlen.example.org").await;
    let body: serde_json::Value = t
        .client()
        .get(t.url(&format!("/api/v1/outcomes/contracts/{id}/claims?status=submitted&limit=500")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let items = body["items"].as_array().expect("items");
    let of = |p: &str| items.iter().find(|c| c["participant"] == p).unwrap_or_else(|| panic!("{p}: {body}"));
    assert_eq!(of("LATE-1")["overdue"], true, "{}", of("LATE-1"));
    assert_eq!(of("FRESH-1")["overdue"], false, "{}", of("FRESH-1"));
    assert_eq!(of("FRESH-1")["verification_due_on"], iso(fresh_claimed + Duration::days(30)));

    // The page: the late claim says since when, in words; the fresh one does not.
    let reviewer = t.signed_in("reviewer@heerlen.example.org").await;
    let page = reviewer
        .get(t.url(&format!("/outcomes/{id}/claims?status=submitted")))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    let row = |p: &str| {
        let at = page.find(&format!("<th scope=\"row\">{p}</th>")).unwrap_or_else(|| panic!("{p}: {page}"));
        let rest = &page[at..];
        rest[..rest.find("</tr>").expect("end of row")].to_string()
    };
    let since = koinon_core::locale::Locale::En.format_date(koinon_core::locale::CivilDate {
        year: overdue_since.year(),
        month: u8::from(overdue_since.month()),
        day: overdue_since.day(),
    });
    assert!(row("LATE-1").contains(&format!("Overdue since {since}")), "{}", row("LATE-1"));
    assert!(!row("FRESH-1").contains("Overdue"), "{}", row("FRESH-1"));
    // Waiting claims are in the order they are due: the late one before the fresh one.
    let (late_at, fresh_at) = (page.find(">LATE-1<").expect("late"), page.find(">FRESH-1<").expect("fresh"));
    assert!(late_at < fresh_at, "earliest due first");
    // And the whole queue is in due-date order.
    let due_of = |p: &str| of(p)["verification_due_on"].as_str().unwrap_or_default().to_string();
    let shown: Vec<String> = page
        .split("<th scope=\"row\">")
        .skip(1)
        .filter_map(|r| r.split("</th>").next())
        .filter(|p| items.iter().any(|c| c["participant"] == *p))
        .map(due_of)
        .collect();
    assert!(shown.len() >= 2, "{shown:?}");
    assert!(shown.windows(2).all(|w| w[0] <= w[1]), "due dates in order: {shown:?}");
}
