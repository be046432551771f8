//! Model-based test of the ledger's state machine: thousands of random sequences of batches
//! (every flag, linked chains, pending/post/void, replays of the same id) against the plain
//! model in `support/ledger_model.rs`; after every batch the results, every balance and
//! conservation agree. The same model is run against the stored ledger on both backends in
//! koinon-app's tests.

#[path = "support/ledger_model.rs"]
mod model;

use koinon_core::ledger::{Account, AccountFlags, LedgerState, Transfer, apply_transfers};
use model::{Gen, MTransfer, Model, accounts, random_transfer, to_transfer};

#[test]
fn machine_agrees_with_the_model() {
    const SEQUENCES: u64 = 3_000;
    const ACCOUNTS: u64 = 12;
    let mut seen: std::collections::HashMap<&'static str, u64> = std::collections::HashMap::new();
    for seed in 1..=SEQUENCES {
        let mut g = Gen::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut model = Model { accounts: accounts(ACCOUNTS), ..Model::default() };
        let mut state = LedgerState::default();
        for a in &model.accounts {
            state.accounts.insert(
                a.id,
                Account {
                    id: a.id,
                    ledger: a.ledger,
                    code: "wallet".into(),
                    flags: AccountFlags(a.flags),
                    debits_pending: 0,
                    debits_posted: 0,
                    credits_pending: 0,
                    credits_posted: 0,
                    timestamp: 0,
                },
            );
        }
        let mut ts = 1_000_000;
        for step in 0..12 {
            let size = 1 + g.below(6) as usize;
            let batch: Vec<MTransfer> = (0..size).map(|_| random_transfer(&mut g, &model, 0, 1, ACCOUNTS)).collect();
            let expected = model.apply_batch(&batch);
            let real: Vec<Transfer> = batch.iter().map(to_transfer).collect();
            let out = apply_transfers(&mut state, &real, ts);
            ts += size as i64;
            assert_eq!(out.results, expected, "seed {seed} step {step}: results differ for {batch:#?}");
            for (r, t) in out.results.iter().zip(&batch) {
                *seen.entry(r.as_str()).or_default() += 1;
                if *r == koinon_core::ledger::TransferResult::Ok {
                    let kind = match t.flags & 14 {
                        2 => "ok_pending",
                        4 => "ok_post",
                        8 => "ok_void",
                        _ => "ok_single",
                    };
                    *seen.entry(kind).or_default() += 1;
                }
            }
            for a in &model.accounts {
                let s = &state.accounts[&a.id];
                assert_eq!(
                    (s.debits_pending, s.debits_posted, s.credits_pending, s.credits_posted),
                    (a.dp, a.dpo, a.cp, a.cpo),
                    "seed {seed} step {step}: account {} balances differ",
                    a.id
                );
            }
            assert!(model.conserved(), "seed {seed} step {step}: conservation");
        }
    }
    // The sequences must exercise what they claim to: every outcome that matters happens often.
    for outcome in [
        "ok_single",
        "ok_pending",
        "ok_post",
        "ok_void",
        "exists",
        "exists_with_different_fields",
        "linked_event_failed",
        "linked_event_chain_open",
        "exceeds_credits",
        "exceeds_debits",
        "account_closed",
        "account_not_found",
        "ledger_must_match",
        "pending_transfer_already_posted",
        "pending_transfer_already_voided",
        "amount_exceeds_pending",
        "flags_are_mutually_exclusive",
        "id_must_not_be_zero",
        "accounts_must_be_different",
    ] {
        assert!(
            seen.get(outcome).copied().unwrap_or(0) >= 20,
            "outcome {outcome} seen only {:?} times: {seen:?}",
            seen.get(outcome)
        );
    }
}
