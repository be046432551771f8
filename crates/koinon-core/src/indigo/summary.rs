//! Figures per policy sector, country or stage: the number of projects and the exact sum of
//! their investment commitments per ISO currency.

use std::collections::BTreeMap;

use serde::Serialize;

use super::values::{CurrencyTotals, Decimal};

/// What projects are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Sector,
    Country,
    Stage,
}

impl GroupBy {
    pub fn parse(raw: &str) -> Option<GroupBy> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "sector" | "policy_sector" => Some(GroupBy::Sector),
            "country" => Some(GroupBy::Country),
            "stage" => Some(GroupBy::Stage),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Sector => "sector",
            GroupBy::Country => "country",
            GroupBy::Stage => "stage",
        }
    }
}

/// The key of projects that do not give the grouped value.
pub const NOT_GIVEN: &str = "(not given)";

/// What the summary needs of one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub policy_sector: Option<String>,
    pub stage: Option<String>,
    pub countries: Vec<String>,
    /// The exact total investment commitment and its ISO currency.
    pub investment: Option<(String, Decimal)>,
}

/// One group: its key, how many projects, and their exact investment per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryGroup {
    pub key: String,
    pub projects: u64,
    pub investment: CurrencyTotals,
}

/// Groups projects; a project delivered in several countries counts in each of them. Groups
/// are ordered by number of projects (most first), then key.
pub fn summarise<'a>(rows: impl IntoIterator<Item = &'a SummaryRow>, by: GroupBy) -> Vec<SummaryGroup> {
    let mut groups: BTreeMap<String, SummaryGroup> = BTreeMap::new();
    for row in rows {
        let keys: Vec<String> = match by {
            GroupBy::Sector => vec![row.policy_sector.clone().unwrap_or_else(|| NOT_GIVEN.to_string())],
            GroupBy::Stage => vec![row.stage.clone().unwrap_or_else(|| NOT_GIVEN.to_string())],
            GroupBy::Country if row.countries.is_empty() => vec![NOT_GIVEN.to_string()],
            GroupBy::Country => {
                let mut c = row.countries.clone();
                c.sort();
                c.dedup();
                c
            }
        };
        for key in keys {
            let group = groups.entry(key.clone()).or_insert_with(|| SummaryGroup {
                key,
                projects: 0,
                investment: CurrencyTotals::default(),
            });
            group.projects += 1;
            if let Some((currency, amount)) = &row.investment {
                group.investment.add(currency, *amount);
            }
        }
    }
    let mut out: Vec<SummaryGroup> = groups.into_values().collect();
    out.sort_by(|a, b| b.projects.cmp(&a.projects).then_with(|| a.key.cmp(&b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(sector: &str, countries: &[&str], inv: Option<(&str, &str)>) -> SummaryRow {
        SummaryRow {
            policy_sector: Some(sector.to_string()),
            stage: None,
            countries: countries.iter().map(|c| c.to_string()).collect(),
            investment: inv.map(|(c, a)| (c.to_string(), Decimal::parse(a).expect("amount"))),
        }
    }

    #[test]
    fn a_project_in_several_countries_counts_in_each() {
        let rows = vec![
            row("Health", &["FR", "NO"], Some(("EUR", "100.10"))),
            row("Health", &["FR"], Some(("EUR", "0.9"))),
            row("Education", &["GB"], Some(("GBP", "5"))),
            // The same values as another project: counted again, not deduplicated.
            row("Education", &["GB"], Some(("GBP", "5"))),
            row("Education", &[], None),
        ];
        let by_country = summarise(&rows, GroupBy::Country);
        let fr = by_country.iter().find(|g| g.key == "FR").expect("FR");
        assert_eq!(fr.projects, 2);
        assert_eq!(fr.investment.0.get("EUR").map(ToString::to_string).as_deref(), Some("101"));
        assert_eq!(by_country.iter().find(|g| g.key == "NO").map(|g| g.projects), Some(1));
        assert_eq!(by_country.iter().find(|g| g.key == NOT_GIVEN).map(|g| g.projects), Some(1));
        let by_sector = summarise(&rows, GroupBy::Sector);
        assert_eq!(by_sector[0].key, "Education");
        assert_eq!(by_sector[0].projects, 3);
        assert_eq!(by_sector[0].investment.0.get("GBP").map(ToString::to_string).as_deref(), Some("10"));
        assert_eq!(summarise(&rows, GroupBy::Stage)[0].key, NOT_GIVEN);
        assert_eq!(GroupBy::parse("Sector"), Some(GroupBy::Sector));
        assert_eq!(GroupBy::parse("city"), None);
    }
}
