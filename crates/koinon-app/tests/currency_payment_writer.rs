//! Card payments share the payments' writer's transactions, on both backends. Rounds of
//! payments are sent at once: good ones from three cards, one over the wallet's balance, one
//! with a wrong PIN, and two tills sending one payment id with different amounts. Whatever
//! lands in which transaction, each payment is answered on its own: the good ones are taken,
//! the refusals are refused for their reason, exactly one of the two with the same id is taken
//! and the other is told the id is in use. A shared transaction that one request broke is run
//! again with a savepoint around each request (the test sees this happen), and it keeps
//! everything else of that transaction. At the end every wallet holds what was issued less what
//! it paid, the shop got exactly that, and the ledger check and the audit chain pass.
//!
//! Also: payments a request left half-way (reserved, and then the process stopped) are settled
//! by the sweep.

use koinon_app::AppError;
use koinon_app::currency_payments::{PaymentInput, PaymentView, Refusal};

mod support;
#[path = "support/currency_world.rs"]
mod world;
use world::{Kind, PINS, shop_balance, wallet_available};

/// Rounds sent; the test goes on past this until a shared transaction was run again (at most
/// [`ROUNDS_MAX`]).
const ROUNDS: usize = 8;
const ROUNDS_MAX: usize = 200;

type Answer = Result<Result<PaymentView, Refusal>, AppError>;

async fn shared_commits(postgres: bool) {
    let Some(mut w) = world::world(postgres, Kind::Expiry { months: 12 }).await else { return };
    let issued = world::issue(&mut w).await;
    let before: Vec<i64> = {
        let mut v = Vec::new();
        for i in 0..3 {
            v.push(wallet_available(&w, i).await);
        }
        v
    };
    assert_eq!(before, issued, "each wallet holds its issue");
    let shop_before = shop_balance(&w, 0).await;
    let mut paid = [0i64; 3];
    let mut round = 0;
    while round < ROUNDS || (w.app.payment_commits_run_again() == 0 && round < ROUNDS_MAX) {
        round += 1;
        // Good payments: 0.01 to 0.03 from each card.
        let mut inputs: Vec<(&str, PaymentInput)> = Vec::new();
        for i in 0..3 {
            let amount = 1 + (round % 3) as i64;
            inputs.push(("good", world::payment(&mut w, i, 0, amount, false)));
        }
        // More than card 0 holds.
        inputs.push(("over", world::payment(&mut w, 0, 0, 1_000_000, false)));
        // A wrong PIN on card 1 (one wrong PIN a round; a right PIN in the round clears it).
        let mut wrong = world::payment(&mut w, 1, 0, 1, false);
        wrong.pin = if PINS[1] == "111111" { "222222".into() } else { "111111".into() };
        inputs.push(("wrong", wrong));
        // One id from two tills, with different amounts.
        let twin = world::payment(&mut w, 2, 0, 2, false);
        let mut other = twin.clone();
        other.amount = "0.03".into();
        inputs.push(("twin", twin));
        inputs.push(("twin", other));

        let (till, tenant) = (w.tills[0].0.clone(), w.tenant);
        let tasks: Vec<_> = inputs
            .into_iter()
            .map(|(what, input)| {
                let (app, till) = (w.app.clone(), till.clone());
                tokio::spawn(async move {
                    let answer: Answer = app.take_payment(&till, tenant, &input).await;
                    (what, input, answer)
                })
            })
            .collect();
        let mut twins_taken = 0;
        let mut twins_in_use = 0;
        for t in tasks {
            let (what, input, answer) = t.await.expect("task");
            let card = w.cards.iter().position(|c| c.0 == input.card_code).expect("card");
            match (what, answer) {
                ("good", Ok(Ok(p))) => {
                    assert_eq!(p.state, "posted", "{p:?}");
                    paid[card] += p.amount_minor;
                }
                ("over", Ok(Err(r))) => assert_eq!(r.code, "insufficient_balance", "{r:?}"),
                ("wrong", Ok(Err(r))) => assert_eq!(r.code, "wrong_pin", "{r:?}"),
                ("twin", Ok(Ok(p))) => {
                    assert_eq!(p.state, "posted", "{p:?}");
                    paid[card] += p.amount_minor;
                    twins_taken += 1;
                }
                ("twin", Err(AppError::Conflict(e))) => {
                    assert_eq!(e.field, "payment_id", "{e:?}");
                    twins_in_use += 1;
                }
                (what, answer) => panic!("round {round}: {what} answered {answer:?}"),
            }
        }
        assert_eq!((twins_taken, twins_in_use), (1, 1), "round {round}: one of the two with one id is taken");
    }
    assert!(
        w.app.payment_commits_run_again() > 0,
        "in {round} rounds no shared transaction was broken by a request: the savepoint path went untested"
    );
    for i in 0..3 {
        assert_eq!(wallet_available(&w, i).await, before[i] - paid[i], "wallet {i}");
    }
    assert_eq!(shop_balance(&w, 0).await - shop_before, paid.iter().sum::<i64>(), "the shop got what was paid");
    let check = koinon_app::ledger::check(&w.store).await.expect("check");
    assert!(check.ok, "{check:?}");
    let audit = koinon_app::audit::verify(&w.store).await.expect("verify");
    assert!(audit.ok, "{audit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn payments_sharing_a_transaction_are_answered_each_on_its_own_sqlite() {
    shared_commits(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn payments_sharing_a_transaction_are_answered_each_on_its_own_postgres() {
    shared_commits(true).await;
}

/// A payment's reservation written, then the process stopped: one before the ledger took the
/// transfer (never in the ledger) and one after (in the ledger, its state not recorded). Until
/// swept, the first one's reservation still counts against the wallet; the sweep leaves
/// payments younger than ten minutes alone, then marks the first `failed` (`abandoned`),
/// giving its units back, and the second `posted`.
async fn sweep(postgres: bool) {
    use koinon_app::currency_payment_sweep::{PAYMENT_ABANDONED_AFTER_S, SweepReport};
    let Some(mut w) = world::world(postgres, Kind::Expiry { months: 12 }).await else { return };
    world::issue(&mut w).await;
    let start = wallet_available(&w, 0).await;
    let (till, tenant) = (w.tills[0].0.clone(), w.tenant);

    // In the ledger, its state not recorded.
    let taken = world::payment(&mut w, 0, 0, 100, false);
    let p = w.app.take_payment(&till, tenant, &taken).await.expect("request").expect("taken");
    let taken_id = koinon_store::ledger::id_bytes(koinon_core::ledger::parse_id(&p.id).expect("id"));
    let now = w.clock.now_us();
    {
        let mut tx = w.store.begin().await.expect("tx");
        assert!(tx.db().set_payment_state(&taken_id, "posted", "authorised", None, None, now).await.expect("back"));
        tx.commit().await.expect("commit");
    }
    // Reserved, never in the ledger.
    let lost_id = koinon_store::ledger::id_bytes(koinon_core::ledger::parse_id(&w.id()).expect("id"));
    {
        let mut tx = w.store.begin().await.expect("tx");
        let mut db = tx.db();
        let code = koinon_core::merchant::card::CardCode::parse("card_code", &w.cards[0].0).expect("code");
        let card = db.card_by_code(tenant, code.as_str()).await.expect("card").expect("card");
        let row = koinon_store::merchants::PaymentRow {
            id: lost_id.clone(),
            tenant_id: tenant,
            currency_id: w.currency,
            merchant_id: w.tills[0].1,
            card_id: card.id,
            wallet_account: card.wallet_account.clone(),
            kind: "payment".into(),
            state: "authorised".into(),
            amount_minor: 500,
            captured_minor: None,
            category: "food".into(),
            day: koinon_core::finance::format_date(
                time::OffsetDateTime::from_unix_timestamp(now / 1_000_000).expect("time").date(),
            ),
            failure: None,
            created_by: "test".into(),
            created_at_us: now,
            updated_at_us: now,
        };
        db.insert_payment(&row).await.expect("insert");
        tx.commit().await.expect("commit");
    }
    // The lost reservation still counts: all that is left is refused.
    let all = world::payment(&mut w, 0, 0, start - 100, false);
    let refused = w.app.take_payment(&till, tenant, &all).await.expect("request").expect_err("refused");
    assert_eq!(refused.code, "insufficient_balance", "{refused:?}");

    assert_eq!(w.app.sweep_payments().await.expect("sweep"), SweepReport::default(), "too young to sweep");
    w.clock.advance_us((PAYMENT_ABANDONED_AFTER_S + 60) * 1_000_000);
    let swept = w.app.sweep_payments().await.expect("sweep");
    assert_eq!(swept, SweepReport { posted: 1, held: 0, abandoned: 1 });
    assert_eq!(w.app.sweep_payments().await.expect("sweep"), SweepReport::default(), "nothing twice");

    let mut conn = w.store.conn().await.expect("conn");
    let mut db = conn.db();
    assert_eq!(db.payment(&taken_id).await.expect("read").expect("row").state, "posted");
    let lost = db.payment(&lost_id).await.expect("read").expect("row");
    assert_eq!((lost.state.as_str(), lost.failure.as_deref()), ("failed", Some("abandoned")));
    drop(conn);

    // Its units are back: all that is left can be paid.
    let all = world::payment(&mut w, 0, 0, start - 100, false);
    let p = w.app.take_payment(&till, tenant, &all).await.expect("request").expect("taken");
    assert_eq!(p.state, "posted");
    assert_eq!(wallet_available(&w, 0).await, 0);
    assert!(koinon_app::ledger::check(&w.store).await.expect("check").ok);
    let audit = koinon_app::audit::verify(&w.store).await.expect("verify");
    assert!(audit.ok, "{audit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_left_half_way_are_swept_sqlite() {
    sweep(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_left_half_way_are_swept_postgres() {
    sweep(true).await;
}
