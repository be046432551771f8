//! Times one run of a feasibility model: `cargo run --release -p koinon-sim --example
//! sim_timing -- MODEL.toml SCENARIOS THREADS`. Prints the seconds and the mean payment.

use std::time::Instant;

use koinon_sim::{Model, RunOptions, simulate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: sim_timing MODEL.toml SCENARIOS THREADS")?;
    let scenarios: u32 = args.get(2).map_or(Ok(100_000), |s| s.parse())?;
    let threads: usize = args.get(3).map_or(Ok(2), |s| s.parse())?;
    let model = Model::from_toml(&std::fs::read_to_string(path)?)?;
    let started = Instant::now();
    let r = simulate(&model, RunOptions { scenarios, seed: 1, threads }, &mut |_, _| {});
    println!(
        "{scenarios} scenarios, {threads} threads: {:.3} s; mean paid {}",
        started.elapsed().as_secs_f64(),
        r.outcome_payments.mean.decimal()
    );
    Ok(())
}
