//! Holds at a shop's point of sale and the shop's statement, on both backends. A hold is
//! listed while open (amount, card, when it expires); a partial capture pays the shop what was
//! captured and gives the rest back to the wallet, to the cent; a release gives all of it back;
//! capturing a released or expired hold, or more than was held, is refused naming the field.
//! The statement lists payments, circulation and redemptions newest first, a page at a time,
//! within a period of whole days; another shop's user does not see it.

use koinon_app::currency_redemption::{CirculationInput, RedemptionInput};
use koinon_app::currency_statement::StatementPeriod;
use koinon_app::{Actor, AppError};
use koinon_core::authz::Subject;
use koinon_core::role::Role;

mod support;
#[path = "support/currency_world.rs"]
mod world;
use world::{DAY_US, Kind, SYSTEM, fields, shop_balance, wallet_available};

async fn pending(w: &world::World, account: &str) -> (i64, i64) {
    let a = w.app.ledger_account(&SYSTEM, w.tenant, account, None).await.expect("account");
    (a.debits_pending, a.credits_pending)
}

fn day(us: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(us / 1_000_000).expect("time");
    koinon_core::finance::format_date(t.date())
}

async fn holds(postgres: bool) {
    let Some(mut w) = world::world(postgres, Kind::Expiry { months: 12 }).await else { return };
    world::issue(&mut w).await;
    let (till, shop) = (w.tills[0].0.clone(), w.tills[0].1);
    let wallet = w.cards[0].1.clone();
    let account = w.tills[0].2.clone();
    assert_eq!(wallet_available(&w, 0).await, 10_000);

    // A hold of 40.00 is listed with the card's last four and when the ledger releases it.
    let input = world::payment(&mut w, 0, 0, 4_000, true);
    let now = w.clock.now_us();
    let held = w.app.take_payment(&till, w.tenant, &input).await.expect("request").expect("held");
    assert_eq!((held.kind.as_str(), held.state.as_str()), ("hold", "held"));
    let open = w.app.merchant_open_holds(&till, w.tenant, shop).await.expect("holds");
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].id.as_str(), open[0].amount_minor), (held.id.as_str(), 4_000));
    let code = w.cards[0].0.replace('-', "");
    assert_eq!(open[0].card, code[code.len() - 4..]);
    let expires = open[0].expires_at_us.expect("a hold expires");
    let day_s = koinon_app::currency_payments::HOLD_S_DEFAULT * 1_000_000;
    assert!((now + day_s..now + day_s + 60_000_000).contains(&expires), "a day after the hold: {expires} vs {now}");
    assert_eq!(wallet_available(&w, 0).await, 6_000, "the held units are not spendable");

    // More than was held, or not an amount: refused at the amount, nothing moves.
    for (amount, code) in [("40.01", "amount_exceeds_hold"), ("0", "amount_exceeds_hold"), ("forty", "invalid_amount")]
    {
        let err = w.app.capture_payment(&till, w.tenant, &held.id, amount).await.expect_err(amount);
        assert_eq!(fields(&err), vec![("amount".to_string(), code)], "{amount}");
    }
    assert_eq!(pending(&w, &wallet).await, (4_000, 0));

    // Captures 25.00: the shop gets 25.00, the other 15.00 go back, nothing stays pending.
    let captured = w.app.capture_payment(&till, w.tenant, &held.id, "25.00").await.expect("capture");
    assert_eq!((captured.state.as_str(), captured.captured_minor), ("captured", Some(2_500)));
    assert_eq!(wallet_available(&w, 0).await, 7_500);
    assert_eq!(shop_balance(&w, 0).await, 2_500);
    assert_eq!(pending(&w, &wallet).await, (0, 0));
    assert_eq!(pending(&w, &account).await, (0, 0));
    let a = w.app.ledger_account(&SYSTEM, w.tenant, &wallet, None).await.expect("wallet");
    assert_eq!((a.credits_posted, a.debits_posted), (10_000, 2_500), "the wallet paid exactly what was captured");
    assert!(w.app.merchant_open_holds(&till, w.tenant, shop).await.expect("holds").is_empty());
    // The same capture again (a double click) changes nothing; another is refused.
    w.app.capture_payment(&till, w.tenant, &held.id, "25.00").await.expect("same capture");
    let err = w.app.capture_payment(&till, w.tenant, &held.id, "").await.expect_err("captured already");
    assert_eq!(fields(&err), vec![("payment_id".to_string(), "hold_not_open")]);
    assert_eq!(shop_balance(&w, 0).await, 2_500);

    // A release gives all of it back; a capture after it is refused naming the hold.
    let input = world::payment(&mut w, 0, 0, 3_000, true);
    let second = w.app.take_payment(&till, w.tenant, &input).await.expect("request").expect("held");
    assert_eq!(wallet_available(&w, 0).await, 4_500);
    let voided = w.app.void_payment(&till, w.tenant, &second.id).await.expect("void");
    assert_eq!(voided.state, "voided");
    assert_eq!(wallet_available(&w, 0).await, 7_500);
    assert_eq!(shop_balance(&w, 0).await, 2_500);
    assert_eq!(pending(&w, &wallet).await, (0, 0));
    let err = w.app.capture_payment(&till, w.tenant, &second.id, "").await.expect_err("voided");
    assert_eq!(fields(&err), vec![("payment_id".to_string(), "hold_not_open")]);

    // A hold of a minute, a while later: no longer listed, and its capture is refused.
    let mut input = world::payment(&mut w, 0, 0, 1_000, true);
    input.hold_s = Some(60);
    let short = w.app.take_payment(&till, w.tenant, &input).await.expect("request").expect("held");
    assert_eq!(w.app.merchant_open_holds(&till, w.tenant, shop).await.expect("holds").len(), 1);
    w.clock.advance_us(120_000_000);
    assert!(w.app.merchant_open_holds(&till, w.tenant, shop).await.expect("holds").is_empty());
    let err = w.app.capture_payment(&till, w.tenant, &short.id, "5.00").await.expect_err("expired");
    assert_eq!(fields(&err), vec![("payment_id".to_string(), "hold_expired")]);
    assert_eq!(wallet_available(&w, 0).await, 7_500, "the expired hold gave everything back");
    assert_eq!(shop_balance(&w, 0).await, 2_500);

    // Another shop's user does not see this shop's holds.
    let other = w.tills[1].0.clone();
    assert!(matches!(w.app.merchant_open_holds(&other, w.tenant, shop).await, Err(AppError::NotFound(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_capture_release_and_expiry_of_holds_are_exact() {
    holds(false).await;
    holds(true).await;
}

async fn statement(postgres: bool) {
    let Some(mut w) = world::world(postgres, Kind::Expiry { months: 12 }).await else { return };
    world::issue(&mut w).await;
    let (till, shop) = (w.tills[0].0.clone(), w.tills[0].1);
    let first_day = day(w.clock.now_us());
    // Day 1: two payments. Day 2: a hold captured in part, and one released.
    for amount in [1_000, 2_000] {
        let input = world::payment(&mut w, 0, 0, amount, false);
        w.app.take_payment(&till, w.tenant, &input).await.expect("request").expect("paid");
    }
    w.advance(DAY_US);
    let second_day = day(w.clock.now_us());
    let input = world::payment(&mut w, 1, 0, 5_000, true);
    let hold = w.app.take_payment(&till, w.tenant, &input).await.expect("request").expect("held");
    w.app.capture_payment(&till, w.tenant, &hold.id, "45.00").await.expect("capture");
    let input = world::payment(&mut w, 2, 0, 500, true);
    let released = w.app.take_payment(&till, w.tenant, &input).await.expect("request").expect("held");
    w.app.void_payment(&till, w.tenant, &released.id).await.expect("void");
    // Day 3: 12.00 to the other shop, 5.00 from it, 10.00 redeemed.
    w.advance(DAY_US);
    let third_day = day(w.clock.now_us());
    let pay = CirculationInput { payment_id: w.id(), to_merchant_id: w.tills[1].1, amount: "12.00".into() };
    w.app.pay_merchant(&till, w.tenant, shop, &pay).await.expect("circulation out");
    let back = CirculationInput { payment_id: w.id(), to_merchant_id: shop, amount: "5.00".into() };
    w.app.pay_merchant(&w.tills[1].0, w.tenant, w.tills[1].1, &back).await.expect("circulation in");
    let redeem = RedemptionInput { request_id: w.id(), amount: "10.00".into() };
    let r = w.app.redeem(&till, w.tenant, shop, &redeem).await.expect("redeemed");
    assert!(r.fee_minor > 0, "an early redemption pays a fee");

    // Everything, newest first: the redemption's two lines, circulation in and out, the
    // capture (with the hold's id and card), two payments. The released hold moved nothing.
    let all = StatementPeriod::default();
    let s = w.app.merchant_statement(&till, w.tenant, shop, &all, None, Some(200)).await.expect("statement");
    let lines: Vec<(String, i64)> = s.entries.iter().map(|e| (e.what.clone(), e.amount_minor)).collect();
    let mut redemption = lines[..2].to_vec();
    redemption.sort();
    assert_eq!(redemption, vec![("redemption".into(), -r.retired_minor), ("redemption_fee".into(), -r.fee_minor)]);
    assert_eq!(
        lines[2..].to_vec(),
        vec![
            ("circulation".into(), 500),
            ("circulation".into(), -1_200),
            ("payment".into(), 4_500),
            ("payment".into(), 2_000),
            ("payment".into(), 1_000),
        ]
    );
    assert_eq!(s.entries[3].counterparty.as_deref(), Some("Shop 1"));
    let capture = &s.entries[4];
    assert_eq!(capture.payment_id.as_deref(), Some(hold.id.as_str()));
    assert_eq!(capture.card.as_deref(), Some(hold.card.as_str()));
    assert_eq!(capture.category.as_deref(), Some("food"));
    assert!(s.entries.windows(2).all(|p| p[0].at_us > p[1].at_us), "newest first");
    assert_eq!(s.next_cursor, None);
    // The statement adds up to the shop's balance.
    assert_eq!(s.entries.iter().map(|e| e.amount_minor).sum::<i64>(), shop_balance(&w, 0).await);

    // Pages of three, chained by the cursor, give the same lines.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let p = w.app.merchant_statement(&till, w.tenant, shop, &all, cursor.as_deref(), Some(3)).await.expect("page");
        assert!(p.entries.len() <= 3);
        paged.extend(p.entries);
        pages += 1;
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!((pages, paged), (3, s.entries.clone()));

    // A period of whole days: the second day alone, then from the second day on.
    let one_day = StatementPeriod { from: Some(second_day.clone()), to: Some(second_day.clone()) };
    let s2 = w.app.merchant_statement(&till, w.tenant, shop, &one_day, None, None).await.expect("second day");
    assert_eq!(s2.entries.iter().map(|e| e.amount_minor).collect::<Vec<_>>(), vec![4_500]);
    assert_eq!((s2.from.as_deref(), s2.to.as_deref()), (Some(second_day.as_str()), Some(second_day.as_str())));
    let since = StatementPeriod { from: Some(second_day.clone()), to: None };
    let s3 = w.app.merchant_statement(&till, w.tenant, shop, &since, None, None).await.expect("since");
    assert_eq!(s3.entries.len(), 5);
    let upto = StatementPeriod { from: None, to: Some(first_day.clone()) };
    let s1 = w.app.merchant_statement(&till, w.tenant, shop, &upto, None, None).await.expect("first day");
    assert_eq!(s1.entries.iter().map(|e| e.amount_minor).collect::<Vec<_>>(), vec![2_000, 1_000]);
    // The CSV of a period has the same lines.
    let csv = w.app.merchant_statement_period_csv(&till, w.tenant, shop, &one_day).await.expect("csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "date,time,what,payment_id,card,category,counterparty,amount,currency,transfer_id");
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows[1].starts_with(&format!("{second_day},")), "{csv}");
    assert!(rows[1].contains(&format!(",payment,{},{},food,,45.00,", hold.id, hold.card)), "{csv}");
    let csv = w.app.merchant_statement_period_csv(&till, w.tenant, shop, &all).await.expect("csv");
    assert_eq!(csv.lines().count(), 1 + s.entries.len());
    assert!(csv.contains(",circulation,,,,Shop 1,-12.00,"), "{csv}");

    // Bad periods name their field; a cursor that is not one too.
    for (p, want) in [
        (StatementPeriod { from: Some("01/03/2026".into()), to: None }, vec![("from".to_string(), "invalid_date")]),
        (StatementPeriod { from: None, to: Some("2026-13-01".into()) }, vec![("to".to_string(), "invalid_date")]),
        (
            StatementPeriod { from: Some(third_day.clone()), to: Some(first_day.clone()) },
            vec![("to".to_string(), "ends_before_start")],
        ),
    ] {
        let err = w.app.merchant_statement(&till, w.tenant, shop, &p, None, None).await.expect_err("bad period");
        assert_eq!(fields(&err), want, "{p:?}");
        let err = w.app.merchant_statement_period_csv(&till, w.tenant, shop, &p).await.expect_err("bad period");
        assert_eq!(fields(&err), want, "{p:?}");
    }
    let err = w.app.merchant_statement(&till, w.tenant, shop, &all, Some("x"), None).await.expect_err("cursor");
    assert_eq!(fields(&err), vec![("cursor".to_string(), "invalid_cursor")]);

    // Officers and auditors see it; another shop's user hears it does not exist; a
    // beneficiary is refused.
    let auditor = Actor::User(Subject { user_id: 12, tenant_id: w.tenant, role: Role::Auditor, organisation_id: None });
    for staff in [&w.officer, &auditor] {
        let seen = w.app.merchant_statement(staff, w.tenant, shop, &all, None, Some(200)).await.expect("staff");
        assert_eq!(seen.entries, s.entries);
    }
    let other = w.tills[1].0.clone();
    assert!(matches!(
        w.app.merchant_statement(&other, w.tenant, shop, &all, None, None).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        w.app.merchant_statement_period_csv(&other, w.tenant, shop, &all).await,
        Err(AppError::NotFound(_))
    ));
    let beneficiary =
        Actor::User(Subject { user_id: 77, tenant_id: w.tenant, role: Role::Beneficiary, organisation_id: None });
    assert!(matches!(
        w.app.merchant_statement(&beneficiary, w.tenant, shop, &all, None, None).await,
        Err(AppError::Forbidden)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shops_statement_pages_through_a_period_and_is_its_own() {
    statement(false).await;
    statement(true).await;
}
