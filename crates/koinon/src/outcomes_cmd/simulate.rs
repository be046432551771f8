//! `koinon outcomes simulate`: the Monte Carlo feasibility of a contract before signing, from a
//! model file (docs/outcomes.md, "Feasibility models").

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use koinon_sim::sim::{MoneyStats, RateStats};
use koinon_sim::{Feasibility, Model, RunOptions, simulate};

use super::{Failure, InputFile, Problem, many, stdout};

/// Scenarios when none is asked for.
pub const SCENARIOS_DEFAULT: u32 = 10_000;

pub struct SimulateArgs<'a> {
    pub model: &'a Path,
    pub scenarios: u32,
    pub seed: u64,
    pub threads: Option<usize>,
    pub json: bool,
}

pub fn simulate_cmd(args: &SimulateArgs<'_>) -> anyhow::Result<Result<(), Failure>> {
    let file = InputFile::new("model", args.model);
    let text = match file.read_text(koinon_sim::model::limits::SOURCE_BYTES_MAX) {
        Ok(t) => t,
        Err(f) => return Ok(Err(f)),
    };
    let model = match Model::from_toml(&text) {
        Ok(m) => m,
        Err(errors) => {
            let problems = errors
                .0
                .into_iter()
                .map(|e| Problem {
                    file: Some(file.name()),
                    input: "model",
                    sheet: None,
                    line: e.line.and_then(|l| u64::try_from(l).ok()),
                    column: Some(e.field),
                    column_letter: None,
                    code: e.code,
                    message: e.message,
                })
                .collect();
            return Ok(Err(many("invalid_model", &format!("the model {} has errors", file.name()), problems)));
        }
    };
    let threads =
        args.threads.unwrap_or_else(|| std::thread::available_parallelism().map(std::num::NonZero::get).unwrap_or(1));
    let options = RunOptions { scenarios: args.scenarios, seed: args.seed, threads };
    // A progress bar on a terminal; nothing when standard error is a file or a pipe.
    let bar = io::stderr().is_terminal();
    let started = Instant::now();
    let mut last = u64::MAX;
    let mut progress = |done: u64, total: u64| {
        if !bar {
            return;
        }
        let percent = done * 100 / total.max(1);
        if percent == last {
            return;
        }
        last = percent;
        let filled = usize::try_from(percent / 4).unwrap_or(25);
        let mut err = io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {percent:>3}%  {done}/{total} scenarios",
            "#".repeat(filled),
            " ".repeat(25 - filled)
        );
        if done >= total {
            let _ = writeln!(err, "  {:.1} s", started.elapsed().as_secs_f64());
        }
        let _ = err.flush();
    };
    let result = simulate(&model, options, &mut progress);
    let mut out = stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &result).context("writing the output")?;
        writeln!(out).context("writing the output")?;
    } else {
        write_text(&mut out, &model, &result).context("writing the output")?;
    }
    out.flush().context("writing the output")?;
    Ok(Ok(()))
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn money_line(out: &mut impl Write, label: &str, s: &MoneyStats) -> io::Result<()> {
    writeln!(
        out,
        "  {label:<28} mean {:>14}   5% {:>14}   median {:>14}   95% {:>14}",
        s.mean.decimal(),
        s.p5.decimal(),
        s.p50.decimal(),
        s.p95.decimal()
    )
}

fn rate_line(out: &mut impl Write, label: &str, s: &RateStats, as_percent: bool) -> io::Result<()> {
    let f = |v: f64| if as_percent { percent(v) } else { format!("{v:.2}") };
    writeln!(
        out,
        "  {label:<28} mean {:>14}   5% {:>14}   median {:>14}   95% {:>14}",
        f(s.mean),
        f(s.p5),
        f(s.p50),
        f(s.p95)
    )
}

fn write_text(out: &mut impl Write, model: &Model, r: &Feasibility) -> io::Result<()> {
    writeln!(out, "{} — {} scenarios, seed {} ({})", r.model, r.scenarios, r.seed, r.currency)?;
    writeln!(out)?;
    rate_line(out, "participants", &r.participants, false)?;
    money_line(out, "outcome payments", &r.outcome_payments)?;
    writeln!(
        out,
        "  {:<28} {} (cap {})",
        "chance of reaching the cap",
        percent(r.probability_cap_hit),
        r.contract_cap.decimal()
    )?;
    if let Some(inv) = &r.investors {
        writeln!(out)?;
        writeln!(out, "Investors (capital {})", inv.capital.decimal())?;
        money_line(out, "drawn", &inv.drawn)?;
        money_line(out, "received", &inv.received)?;
        if let Some(irr) = &inv.irr {
            rate_line(out, "IRR (annual)", irr, true)?;
        }
        if let Some(m) = &inv.money_multiple {
            rate_line(out, "money multiple", m, false)?;
        }
        writeln!(out, "  {:<28} {}", "chance of a loss", percent(inv.probability_of_loss))?;
        writeln!(out, "  {:<28} {}", "chance costs outrun capital", percent(inv.probability_of_funding_gap))?;
    }
    writeln!(out)?;
    writeln!(out, "Commissioner (discount rate {:.2}%)", f64::from(r.commissioner.discount_rate_bp) / 100.0)?;
    money_line(out, "net savings (NPV)", &r.commissioner.net_savings_npv)?;
    writeln!(out, "  {:<28} {}", "chance of a net cost", percent(r.commissioner.probability_of_net_cost))?;
    writeln!(out)?;
    writeln!(out, "By metric (mean per scenario)")?;
    for m in &r.by_metric {
        writeln!(out, "  {:<28} {:>10.1} outcomes {:>14}", m.code, m.mean_outcomes, m.mean_paid.decimal())?;
    }
    writeln!(out)?;
    writeln!(out, "By period (mean paid)")?;
    for p in &r.by_period {
        writeln!(out, "  {:<28} {:>14}", p.period, p.mean_paid.decimal())?;
    }
    let _ = model;
    Ok(())
}
