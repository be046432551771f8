//! The INDIGO parser on the real public exports in `../shared/data` (May and December 2025).
//! The folder exists on every development and CI machine: when it is missing these tests fail
//! and say so, they do not skip.

use std::collections::BTreeMap;
use std::path::PathBuf;

use koinon_core::indigo::{Export, FILES, GroupBy, PaymentKind, SummaryRow, parse_export, summarise};

fn data_dir(export: &str) -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(export);
    assert!(
        dir.is_dir(),
        "the INDIGO reference data is missing: expected {} (see ../shared/data/README.md)",
        dir.display()
    );
    dir
}

fn read(export: &str) -> BTreeMap<String, String> {
    let dir = data_dir(export);
    FILES
        .iter()
        .map(|f| {
            let path = dir.join(f);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            (f.to_string(), text)
        })
        .collect()
}

fn parse(export: &str) -> Export {
    parse_export(&read(export)).unwrap_or_else(|e| panic!("{export} does not parse:\n{e}"))
}

fn rows(e: &Export) -> Vec<SummaryRow> {
    e.projects
        .iter()
        .map(|p| SummaryRow {
            policy_sector: p.policy_sector.clone(),
            stage: p.stage.clone(),
            countries: p.countries.clone(),
            investment: p.investment_exact().map(|(c, a)| (c.to_string(), a)),
        })
        .collect()
}

#[test]
fn may_export_parses_whole() {
    let e = parse("indigo-2025-05");
    assert_eq!(e.projects.len(), 319);
    assert_eq!(e.organisations.len(), 1549);
    let count = |f: fn(&koinon_core::indigo::Project) -> usize| e.projects.iter().map(f).sum::<usize>();
    assert_eq!(count(|p| p.investments.len()), 1080);
    assert_eq!(count(|p| p.outcome_metrics.len()), 1408);
    assert_eq!(count(|p| p.pricings.len()), 385);
    assert_eq!(count(|p| p.payments.len()), 2232);
    assert_eq!(count(|p| p.results.len()), 518);
    // Free-text currencies became ISO codes.
    for (raw, code) in [("Swiss Francs", "CHF"), ("NZ dollar", "NZD"), ("Russian Ruble", "RUB"), ("Swedish", "SEK")] {
        assert_eq!(e.currencies_normalised.get(raw).map(String::as_str), Some(code), "{raw}");
    }
    // Seven payment rows have an empty Type.
    assert_eq!(e.payments_unspecified, 7);
    assert_eq!(e.projects.iter().flat_map(|p| &p.payments).filter(|p| p.kind == PaymentKind::Unspecified).count(), 7);
    // The first project: Buenos Aires, ARS range without an exact figure, dates by month.
    let p = &e.projects[0];
    assert_eq!(p.id, "INDIGO-POJ-0001");
    assert_eq!(p.countries, vec!["AR"]);
    assert_eq!(p.investment_exact(), None);
    assert_eq!(
        p.investment_commitment.as_ref().and_then(|r| r.min).map(|d| d.to_string()).as_deref(),
        Some("26620000")
    );
    assert_eq!(p.dates.service_start.map(|d| d.to_string()).as_deref(), Some("2018-12"));
    assert_eq!(p.dates.outcomes_contract_signed.map(|d| d.to_string()).as_deref(), Some("2018"));
    assert_eq!(p.target_service_users, Some(1000));
    // A project delivered in two countries.
    assert!(e.projects.iter().any(|p| p.countries.len() > 1));
}

#[test]
fn may_summary_by_sector() {
    let e = parse("indigo-2025-05");
    let groups = summarise(&rows(&e), GroupBy::Sector);
    let employment = groups.iter().find(|g| g.key == "Employment and training").expect("sector");
    assert_eq!(employment.projects, 95);
    assert_eq!(groups.iter().map(|g| g.projects).sum::<u64>(), 319);
    // By country a project in several countries counts in each: more than 319 memberships.
    let by_country = summarise(&rows(&e), GroupBy::Country);
    assert!(by_country.iter().map(|g| g.projects).sum::<u64>() > 319);
}

#[test]
fn december_withdraws_eight_uk_investment_amounts() {
    let may = parse("indigo-2025-05");
    let dec = parse("indigo-2025-12");
    assert_eq!(dec.projects.len(), 320);
    let withdrawn: Vec<&str> = may
        .projects
        .iter()
        .filter(|p| p.investment_exact().is_some())
        .filter(|p| dec.projects.iter().any(|q| q.id == p.id && q.investment_exact().is_none()))
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(withdrawn.len(), 8, "{withdrawn:?}");
    for id in &withdrawn {
        let p = may.projects.iter().find(|p| p.id == *id).expect("project");
        assert!(p.countries.contains(&"GB".to_string()), "{id} is a UK project");
        let q = dec.projects.iter().find(|q| q.id == *id).expect("project");
        assert!(koinon_core::indigo::withdrawn_values(p, q) >= 2, "{id}");
    }
}
