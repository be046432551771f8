//! Random sequences over months of a currency with expiry or demurrage, on both backends:
//! issuance runs, card payments (some as holds captured for less or released), payments
//! between merchants, redemptions, the clock moving on by days, and decay runs (previewed,
//! a payment sometimes slipping in before the post). After every step the ledger agrees with
//! a simple model kept here: each wallet and shop holds what the model says and no wallet is
//! below zero, every ledger balances (`ledger check`), the currency is backed and its units
//! outstanding are what was issued less what expired and was redeemed, an expiry run took
//! exactly the units of each wallet issued before its cut-off and not spent (oldest first),
//! and a demurrage run charged exactly `floor((Σ balance × bp + carried) / 10,000)` with the
//! rest carried to the next run.

use koinon_app::currency_redemption::{CirculationInput, RedemptionInput};
use koinon_core::currency::Month;
use koinon_core::money::minor_to_decimal;

mod support;
#[path = "support/currency_world.rs"]
mod world;
use world::{
    DAY_US, Kind, calendar_months_before, fields, month_of, month_start_us, months_back, shop_balance, wallet_available,
};

/// A small deterministic generator (no seed from the clock, so a failure replays).
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
    fn upto(&mut self, max: i64) -> i64 {
        i64::try_from(self.next(u64::try_from(max.max(0)).unwrap_or(0) + 1)).unwrap_or(0)
    }
}

/// What the ledger should hold.
#[derive(Debug, Default)]
struct Model {
    /// Per wallet: the issues it received (ledger time in µs, amount), oldest first.
    lots: Vec<Vec<(i64, i64)>>,
    /// Per wallet: everything that left it (payments, captures, decay).
    out: Vec<i64>,
    /// Per shop: what it holds.
    shops: Vec<i64>,
    issued: i64,
    retired: i64,
    expired: i64,
    carried_e4: i64,
    last_run: Option<Month>,
}

impl Model {
    fn balance(&self, w: usize) -> i64 {
        self.lots[w].iter().map(|l| l.1).sum::<i64>() - self.out[w]
    }
    /// Units of wallet `w` issued before `cutoff_us` and not spent, oldest spent first.
    fn expired_at(&self, w: usize, cutoff_us: i64) -> i64 {
        let mut spent = self.out[w];
        let mut expired = 0;
        for (at, amount) in &self.lots[w] {
            let used = spent.min(*amount);
            spent -= used;
            if *at < cutoff_us {
                expired += amount - used;
            }
        }
        expired
    }
}

/// What a decay run of `month` should charge each wallet now, and the carry it leaves.
fn expected_run(m: &Model, kind: Kind, month: Month) -> (Vec<i64>, i64) {
    let balances: Vec<i64> = (0..m.lots.len()).map(|i| m.balance(i)).collect();
    match kind {
        Kind::Expiry { months } => {
            let cutoff = month_start_us(months_back(month.next(), months));
            ((0..m.lots.len()).map(|i| m.expired_at(i, cutoff)).collect(), 0)
        }
        Kind::Demurrage { bp } => {
            let exact: i128 =
                balances.iter().map(|b| i128::from(*b) * i128::from(bp)).sum::<i128>() + i128::from(m.carried_e4);
            let total = i64::try_from(exact / 10_000).expect("total");
            let carry = i64::try_from(exact % 10_000).expect("carry");
            // The total is exact; how it is split is checked against each wallet's share.
            let mut per = vec![0; balances.len()];
            if let Some(first) = per.first_mut() {
                *first = total;
            }
            (per, carry)
        }
    }
}

/// Runs one random sequence; returns how often each kind of step did something.
async fn sequence(postgres: bool, kind: Kind, seed: u64, steps: usize) -> [u32; 7] {
    let mut seen = [0u32; 7];
    let Some(mut w) = world::world(postgres, kind).await else { return seen };
    let mut rng = Rng(seed);
    let mut m = Model { lots: vec![Vec::new(); 3], out: vec![0; 3], shops: vec![0; 2], ..Model::default() };
    for step in 0..steps {
        let what = if step == 0 { 0 } else { rng.next(10) };
        match what {
            // An issuance run for the next month (prepared, approved, posted).
            0 | 1 => {
                let at = w.clock.now_us();
                for (i, amount) in world::issue(&mut w).await.into_iter().enumerate() {
                    m.lots[i].push((at, amount));
                    m.issued += amount;
                }
                seen[0] += 1;
            }
            // A card payment, a hold captured for less, or a hold released.
            2..=4 => {
                let i = usize::try_from(rng.next(3)).expect("index");
                let j = usize::try_from(rng.next(2)).expect("index");
                let balance = m.balance(i);
                let expired = match kind {
                    Kind::Expiry { months } => m.expired_at(i, calendar_months_before(w.clock.now_us(), months)),
                    Kind::Demurrage { .. } => 0,
                };
                let spendable = balance - expired;
                let amount = 1 + rng.upto(spendable.max(1) + spendable / 4);
                let hold = rng.next(3) == 0;
                let input = world::payment(&mut w, i, j, amount, hold);
                let r = w.app.take_payment(&w.tills[j].0, w.tenant, &input).await.expect("payment request");
                if amount > spendable {
                    let refusal = r.expect_err("more than spendable");
                    let want = if balance > 0 && spendable == 0 { "units_expired" } else { "insufficient_balance" };
                    if refusal.code != want {
                        assert_eq!(refusal.code, "insufficient_balance", "step {step}: {}", refusal.message);
                    }
                } else {
                    let p = r.unwrap_or_else(|e| panic!("step {step}: {amount} of {spendable}: {}", e.message));
                    let paid = if hold {
                        assert_eq!(p.state, "held");
                        assert_eq!(wallet_available(&w, i).await, balance - amount, "a hold reserves");
                        if rng.next(2) == 0 {
                            w.app.void_payment(&w.tills[j].0, w.tenant, &p.id).await.expect("void");
                            0
                        } else {
                            let part = 1 + rng.upto(amount - 1);
                            let c = w
                                .app
                                .capture_payment(&w.tills[j].0, w.tenant, &p.id, &minor_to_decimal(part, 2))
                                .await
                                .expect("capture");
                            assert_eq!(c.captured_minor, Some(part));
                            part
                        }
                    } else {
                        amount
                    };
                    m.out[i] += paid;
                    m.shops[j] += paid;
                    seen[1] += 1;
                }
            }
            // A shop pays the other.
            5 => {
                let j = usize::try_from(rng.next(2)).expect("index");
                let amount = 1 + rng.upto(m.shops[j] + 50);
                let input = CirculationInput {
                    payment_id: w.id(),
                    to_merchant_id: w.tills[1 - j].1,
                    amount: minor_to_decimal(amount, 2),
                };
                match w.app.pay_merchant(&w.tills[j].0, w.tenant, w.tills[j].1, &input).await {
                    Ok(_) => {
                        assert!(amount <= m.shops[j], "step {step}: paid {amount} of {}", m.shops[j]);
                        m.shops[j] -= amount;
                        m.shops[1 - j] += amount;
                        seen[2] += 1;
                    }
                    Err(e) => {
                        assert!(amount > m.shops[j], "step {step}: {e}");
                        assert_eq!(fields(&e), vec![("amount".to_string(), "insufficient_balance")]);
                    }
                }
            }
            // A shop redeems to euros.
            6 if m.shops.iter().any(|s| *s > 0) => {
                let j = if m.shops[0] > 0 { 0 } else { 1 };
                let amount = 1 + rng.upto(m.shops[j] - 1);
                let input = RedemptionInput { request_id: w.id(), amount: minor_to_decimal(amount, 2) };
                let r = w.app.redeem(&w.tills[j].0, w.tenant, w.tills[j].1, &input).await.expect("redeem");
                assert_eq!(r.fee_minor + r.retired_minor, amount);
                m.shops[j] -= amount;
                m.retired += r.retired_minor;
                seen[3] += 1;
            }
            // Time passes: days, sometimes most of a month.
            7 | 8 => {
                let days = if rng.next(3) == 0 { 20 + rng.upto(15) } else { rng.upto(6) };
                w.advance(days * DAY_US + rng.upto(23) * 3_600_000_000);
                seen[4] += 1;
            }
            // The decay of the last month that has ended.
            _ => {
                let month = months_back(month_of(w.clock.now_us()), 1);
                let text = month.to_string();
                if m.last_run.is_some_and(|last| last >= month) {
                    let err = w.app.post_decay(&w.officer, w.tenant, &w.code, &text).await.expect_err("run once");
                    assert_eq!(fields(&err), vec![("month".to_string(), "already_run")]);
                } else {
                    let preview = w.app.preview_decay(&w.officer, w.tenant, &w.code, &text).await.expect("preview");
                    let (want, _) = expected_run(&m, kind, month);
                    if let Kind::Expiry { .. } = kind {
                        for (i, card) in w.cards.iter().enumerate() {
                            let charged =
                                preview.lines.iter().find(|l| l.wallet == card.1).map_or(0, |l| l.charge_minor);
                            assert_eq!(charged, want[i], "step {step}: preview of wallet {i}");
                        }
                    }
                    // Sometimes a wallet pays between the preview and the post.
                    if rng.next(2) == 0 {
                        let i = usize::try_from(rng.next(3)).expect("index");
                        let expired = match kind {
                            Kind::Expiry { months } => {
                                m.expired_at(i, calendar_months_before(w.clock.now_us(), months))
                            }
                            Kind::Demurrage { .. } => 0,
                        };
                        let spendable = m.balance(i) - expired;
                        if spendable > 0 {
                            let amount = 1 + rng.upto(spendable - 1);
                            let input = world::payment(&mut w, i, 0, amount, false);
                            let r = w.app.take_payment(&w.tills[0].0, w.tenant, &input).await.expect("payment");
                            r.unwrap_or_else(|e| panic!("step {step}: {}", e.message));
                            m.out[i] += amount;
                            m.shops[0] += amount;
                        }
                    }
                    let balances: Vec<i64> = (0..3).map(|i| m.balance(i)).collect();
                    let (want, carry) = expected_run(&m, kind, month);
                    let run = w.app.post_decay(&w.officer, w.tenant, &w.code, &text).await.expect("post");
                    assert_eq!(run.state, "posted");
                    let charged: Vec<i64> = w
                        .cards
                        .iter()
                        .map(|c| run.lines.iter().find(|l| l.wallet == c.1).map_or(0, |l| l.charge_minor))
                        .collect();
                    assert_eq!(charged.iter().sum::<i64>(), run.charged_total_minor);
                    match kind {
                        Kind::Expiry { .. } => {
                            assert_eq!(charged, want, "step {step}: expiry takes the expired units, oldest first");
                            m.expired += run.charged_total_minor;
                        }
                        Kind::Demurrage { bp } => {
                            assert_eq!(run.carried_in_e4, m.carried_e4, "step {step}: the carry of the last run");
                            assert_eq!(run.charged_total_minor, want[0], "step {step}: floor(Σ balance × bp + carry)");
                            assert_eq!(run.carried_out_e4, carry, "step {step}");
                            for (c, b) in charged.iter().zip(&balances) {
                                let exact = i128::from(*b) * i128::from(bp);
                                assert!(i128::from(*c) >= exact / 10_000 && i128::from(*c) <= (exact + 9_999) / 10_000);
                                assert!(c <= b);
                            }
                            m.carried_e4 = carry;
                        }
                    }
                    for (i, c) in charged.iter().enumerate() {
                        m.out[i] += c;
                    }
                    m.last_run = Some(month);
                    seen[5] += 1;
                    if run.charged_total_minor > 0 {
                        seen[6] += 1;
                    }
                }
            }
        }

        // The ledger against the model.
        for i in 0..3 {
            let available = wallet_available(&w, i).await;
            assert!(available >= 0, "step {step}: wallet {i} below zero");
            assert_eq!(available, m.balance(i), "step {step}: wallet {i}");
        }
        for j in 0..2 {
            assert_eq!(shop_balance(&w, j).await, m.shops[j], "step {step}: shop {j}");
        }
        let c = w.app.currency(&w.officer, w.tenant, w.currency).await.expect("currency");
        assert!(c.backed, "step {step}: {c:?}");
        assert_eq!(c.outstanding_minor, m.issued - m.expired - m.retired, "step {step}: outstanding");
        let check = koinon_app::ledger::check(&w.store).await.expect("check");
        assert!(check.ok, "step {step}: {:?}", check.problems);
    }
    seen
}

async fn sequences(postgres: bool, seeds: &[u64], steps: usize) {
    let mut seen = [0u32; 7];
    for (n, seed) in seeds.iter().enumerate() {
        let kind = if n % 2 == 0 {
            Kind::Expiry { months: 1 + i64::try_from(seed % 2).expect("small") }
        } else {
            Kind::Demurrage { bp: 37 + i64::try_from(seed % 300).expect("small") }
        };
        for (total, k) in seen.iter_mut().zip(sequence(postgres, kind, *seed, steps).await) {
            *total += k;
        }
    }
    if !postgres || koinon_store::testing::postgres_required() || seen[0] > 0 {
        // Every kind of step did something: issue, pay, circulate, redeem, wait, decay, and
        // some runs charged something.
        assert!(seen.iter().all(|k| *k > 0), "{seen:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_sequences_keep_the_ledger_exact_on_sqlite() {
    sequences(false, &[7, 1_234_567, 987_654_321, 55, 2_026, 31_337], 40).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_sequences_keep_the_ledger_exact_on_postgres() {
    sequences(true, &[42, 4_242], 24).await;
}
