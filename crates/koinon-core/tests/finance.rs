//! The finance functions of the outcomes module, as the CLI and the app call them.

use koinon_core::finance::*;
use time::Date;
use time::macros::date;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn cf(date: Date, amount_minor: i64) -> Cashflow {
    Cashflow::new(date, amount_minor)
}

/// The spreadsheet documentation's XIRR example.
fn spreadsheet_example() -> Vec<Cashflow> {
    vec![
        cf(date!(2008 - 01 - 01), -10_000),
        cf(date!(2008 - 03 - 01), 2_750),
        cf(date!(2008 - 10 - 30), 4_250),
        cf(date!(2009 - 02 - 15), 3_250),
        cf(date!(2009 - 04 - 01), 2_750),
    ]
}

#[test]
fn xirr_matches_the_spreadsheet_example() -> TestResult {
    let r = returns(&spreadsheet_example(), 0)?;
    assert!((r.xirr - 0.373_362_535).abs() < 1e-6, "{}", r.xirr);
    Ok(())
}
