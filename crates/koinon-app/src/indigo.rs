//! The INDIGO knowledge bank: import GO Lab's export (one transaction, upsert by INDIGO id,
//! withdrawn values removed), summaries, the filtered project list, one project, similar
//! projects for a draft outcomes contract, and a contract as an INDIGO-shaped project.
//!
//! INDIGO data is world public data: one bank for the whole platform, not per tenant. Anyone
//! staff-side may read it ([`Action::ViewIndigo`]); only admins may import
//! ([`Action::ImportIndigo`]), and every import is audited.

use std::collections::{BTreeMap, HashMap};

use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::indigo::{
    CurrencyTotals, Decimal, GroupBy, IndigoWarning, Project, SummaryGroup, SummaryRow, parse_export, summarise,
    withdrawn_values,
};
use koinon_core::money::minor_to_decimal;
use koinon_core::outcomes::PartyRole;
use koinon_store::indigo::{IndigoFilter, IndigoOrganisationRow, IndigoProjectRow};
use serde::Serialize;

use crate::{Actor, App, AppError, Page, audit, page_limit};

/// Most similar projects returned.
pub const SIMILAR_MAX: usize = 50;
/// Longest text filter, in characters.
pub const TEXT_FILTER_CHARS_MAX: usize = 200;

/// The resource INDIGO actions are checked on: the actor's own tenant (the data is public).
fn resource(actor: &Actor) -> Resource {
    Resource::tenant(actor.tenant_id().unwrap_or(0))
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Projects in the bank after the import (= in the export).
    pub projects: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Projects no longer in the export, deleted with all their values.
    pub projects_removed: usize,
    /// Values (fields of projects still in the export) that the export no longer holds and
    /// that were therefore removed.
    pub values_removed: usize,
    pub organisations: usize,
    pub organisations_changed: usize,
    pub organisations_removed: usize,
    pub payments_unspecified: usize,
    pub warnings_total: usize,
    pub warnings: Vec<IndigoWarning>,
    /// Free-text currencies read as ISO codes.
    pub currencies_normalised: BTreeMap<String, String>,
}

/// A project in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndigoProjectSummary {
    pub id: String,
    pub name: String,
    pub stage: Option<String>,
    pub policy_sector: Option<String>,
    pub countries: Vec<String>,
    /// Start of service provision (else the outcomes contract's signature): `YYYY[-MM[-DD]]`.
    pub start_on: Option<String>,
    pub investment_currency: Option<String>,
    /// Exact total investment commitment, a decimal string.
    pub investment_exact: Option<String>,
    pub max_outcome_payment_currency: Option<String>,
    pub max_outcome_payment: Option<String>,
    pub target_service_users: Option<i64>,
}

/// One project with everything INDIGO publishes about it, and the names of the organisations
/// it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndigoProjectDetail {
    pub summary: IndigoProjectSummary,
    pub project: Project,
    /// The latest plan revision and its planned payments per currency (earlier plans are not
    /// added).
    pub latest_plan: Option<(String, CurrencyTotals)>,
    pub actual_payments: CurrencyTotals,
    pub organisations: BTreeMap<String, String>,
}

/// The list filters as the pages and the API take them (text).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct IndigoFilterInput {
    pub sector: Option<String>,
    pub country: Option<String>,
    pub stage: Option<String>,
    /// First year of service start (`2015`).
    pub from: Option<String>,
    /// Last year of service start.
    pub to: Option<String>,
    pub q: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

impl IndigoFilterInput {
    pub fn parse(&self) -> Result<IndigoFilter, AppError> {
        let mut errors = crate::Errors::default();
        let year =
            |field: &str, raw: &Option<String>| -> Result<Option<i64>, FieldError> {
                match non_empty(raw) {
                    None => Ok(None),
                    Some(y) => y.parse::<i64>().ok().filter(|y| (1900..=2199).contains(y)).map(Some).ok_or_else(|| {
                        FieldError::new(field, "invalid_year", format!("{field} must be a year like 2015"))
                    }),
                }
            };
        let from_year = errors.take(year("from", &self.from)).flatten();
        let to_year = errors.take(year("to", &self.to)).flatten();
        let text = non_empty(&self.q);
        if text.as_ref().is_some_and(|t| t.chars().count() > TEXT_FILTER_CHARS_MAX) {
            errors.push(FieldError::new(
                "q",
                "too_long",
                format!("q may have at most {TEXT_FILTER_CHARS_MAX} characters"),
            ));
        }
        let country = non_empty(&self.country).map(|c| c.to_ascii_uppercase());
        if country.as_ref().is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase())) {
            errors.push(FieldError::new("country", "invalid_country", "country must be a two-letter code like GB"));
        }
        for (field, v) in [("sector", &self.sector), ("stage", &self.stage)] {
            if v.as_ref().is_some_and(|t| t.chars().count() > TEXT_FILTER_CHARS_MAX) {
                errors.push(FieldError::new(field, "too_long", format!("{field} is too long")));
            }
        }
        errors.finish()?;
        Ok(IndigoFilter {
            policy_sector: non_empty(&self.sector),
            country,
            stage: non_empty(&self.stage),
            from_year,
            to_year,
            text,
        })
    }
}

/// A contract beside similar INDIGO projects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub contract: ComparedContract,
    /// The INDIGO policy sectors the contract's policy area maps to (empty: any).
    pub sectors: Vec<String>,
    pub similar: Vec<SimilarProject>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComparedContract {
    pub id: i64,
    pub name: String,
    pub policy_area: String,
    pub currency: String,
    /// Decimal strings in the contract currency.
    pub contract_cap: String,
    pub participant_cap: Option<String>,
    pub capital: String,
    /// `(metric name, price)` of each priced metric.
    pub prices: Vec<(String, String)>,
    pub cohort_size: u64,
    /// The same figures in minor units, for charts beside the similar bonds.
    pub currency_scale: u8,
    pub contract_cap_minor: i64,
    pub capital_minor: i64,
    /// The cap divided by the cohorts' target size (none without a target size).
    pub cap_per_participant_minor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimilarProject {
    pub summary: IndigoProjectSummary,
    /// Whether the project's maximum outcome payment is in the contract's currency (only
    /// those are ranked by size; the others follow).
    pub same_currency: bool,
    /// `(metric definition, currency, price per unit, maximum if all targets met)`.
    pub prices: Vec<PricePoint>,
    /// The project's figures in minor units of the contract's currency, when INDIGO gives them
    /// in that currency (amounts in other currencies are not converted).
    pub in_contract_currency: ComparableFigures,
}

/// A similar bond's figures that can stand beside the contract's, in its currency's minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ComparableFigures {
    pub max_outcome_payment_minor: Option<i64>,
    pub investment_minor: Option<i64>,
    /// The maximum outcome payment divided by the targeted number of service users.
    pub max_payment_per_participant_minor: Option<i64>,
}

/// `amount` (an INDIGO decimal in `currency`) in minor units at `scale` when `currency` is the
/// contract's `code` (finer amounts are rounded half away from zero to the minor unit).
fn comparable_minor(currency: Option<&str>, amount: Option<&str>, code: &str, scale: u8) -> Option<i64> {
    if currency != Some(code) {
        return None;
    }
    let d = Decimal::parse(amount?)?;
    d.to_minor_rounded(scale)
}

fn per_participant(total_minor: Option<i64>, participants: Option<i64>) -> Option<i64> {
    match (total_minor, participants) {
        (Some(t), Some(n)) if n > 0 => Some(t / n),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PricePoint {
    pub outcome: String,
    pub currency: Option<String>,
    pub price_per_unit: Option<String>,
    pub max_if_all_targets_met: Option<String>,
}

/// The INDIGO policy sectors a koinon policy area corresponds to.
pub fn sectors_for_policy_area(policy_area: &str) -> &'static [&'static str] {
    match policy_area {
        "employment" | "immigration" => &["Employment and training"],
        "ageing" | "health" => &["Health"],
        "homelessness" => &["Homelessness"],
        "education" => &["Education"],
        "criminal_justice" => &["Criminal justice"],
        "child_and_family" => &["Child and family welfare"],
        _ => &[],
    }
}

fn project_row(p: &Project, detail: String, now_us: i64) -> IndigoProjectRow {
    let start = p.dates.service_start.or(p.dates.outcomes_contract_signed);
    let mut search = format!("{} {}", p.id, p.name);
    if let Some(alt) = &p.alternative_names {
        search.push(' ');
        search.push_str(alt);
    }
    let investment = p.investment_exact();
    IndigoProjectRow {
        id: p.id.clone(),
        name: p.name.clone(),
        stage: p.stage.clone(),
        policy_sector: p.policy_sector.clone(),
        start_on: start.map(|d| d.to_string()),
        start_year: start.map(|d| i64::from(d.year)),
        investment_currency: investment.map(|(c, _)| c.to_string()),
        investment_exact: investment.map(|(_, a)| a.to_string()),
        max_outcome_payment_currency: p.max_outcome_payment.as_ref().and_then(|m| m.currency.clone()),
        max_outcome_payment: p.max_outcome_payment.as_ref().map(|m| m.amount.to_string()),
        target_service_users: p.target_service_users,
        search_text: search.to_lowercase(),
        detail,
        imported_at_us: now_us,
    }
}

fn summary_of(row: &IndigoProjectRow, countries: Vec<String>) -> IndigoProjectSummary {
    IndigoProjectSummary {
        id: row.id.clone(),
        name: row.name.clone(),
        stage: row.stage.clone(),
        policy_sector: row.policy_sector.clone(),
        countries,
        start_on: row.start_on.clone(),
        investment_currency: row.investment_currency.clone(),
        investment_exact: row.investment_exact.clone(),
        max_outcome_payment_currency: row.max_outcome_payment_currency.clone(),
        max_outcome_payment: row.max_outcome_payment.clone(),
        target_service_users: row.target_service_users,
    }
}

fn countries_by_project(pairs: Vec<(String, String)>) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (p, c) in pairs {
        out.entry(p).or_default().push(c);
    }
    out
}

fn invalid_export(errors: koinon_core::indigo::IndigoErrors) -> AppError {
    AppError::Invalid(
        errors
            .0
            .into_iter()
            .map(|e| {
                let mut field = e.file.clone();
                if let Some(line) = e.line {
                    field.push_str(&format!(" line {line}"));
                }
                if let Some(column) = &e.column {
                    field.push_str(&format!(" column {column:?}"));
                }
                FieldError::new(field, e.code, e.message)
            })
            .collect(),
    )
}

impl App {
    /// Imports an INDIGO export given as file name → text (see `koinon_core::indigo::FILES`).
    /// In one transaction: projects are upserted by INDIGO id (a project whose values did not
    /// change is not written), projects no longer in the export are deleted, organisations
    /// likewise; one audit entry. A rejected export changes nothing.
    pub async fn import_indigo(
        &self,
        actor: &Actor,
        files: &BTreeMap<String, String>,
    ) -> Result<ImportReport, AppError> {
        actor.require(Action::ImportIndigo, &resource(actor))?;
        let export = parse_export(files).map_err(invalid_export)?;
        let now = App::now_us();
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let existing: HashMap<String, String> = db.indigo_project_details().await?.into_iter().collect();
        let (mut created, mut updated, mut unchanged, mut values_removed) = (0, 0, 0, 0);
        for p in &export.projects {
            let detail = serde_json::to_string(p).map_err(|e| AppError::Internal(e.to_string()))?;
            match existing.get(&p.id) {
                Some(old) if *old == detail => {
                    unchanged += 1;
                    continue;
                }
                Some(old) => {
                    updated += 1;
                    if let Ok(old) = serde_json::from_str::<Project>(old) {
                        values_removed += withdrawn_values(&old, p);
                    }
                }
                None => created += 1,
            }
            db.upsert_indigo_project(&project_row(p, detail, now)).await?;
            db.set_indigo_project_countries(&p.id, &p.countries).await?;
        }
        let new_ids: std::collections::HashSet<&str> = export.projects.iter().map(|p| p.id.as_str()).collect();
        let mut projects_removed = 0;
        for id in existing.keys() {
            if !new_ids.contains(id.as_str()) {
                db.delete_indigo_project(id).await?;
                projects_removed += 1;
            }
        }
        let old_orgs: HashMap<String, IndigoOrganisationRow> =
            db.all_indigo_organisations().await?.into_iter().map(|o| (o.id.clone(), o)).collect();
        let mut organisations_changed = 0;
        for o in &export.organisations {
            let row = IndigoOrganisationRow {
                id: o.id.clone(),
                name: o.name.clone(),
                org_type: o.org_type.clone(),
                country: o.country.clone(),
                website: o.website.clone(),
            };
            if old_orgs.get(&o.id) != Some(&row) {
                db.upsert_indigo_organisation(&row).await?;
                organisations_changed += 1;
            }
        }
        let new_orgs: std::collections::HashSet<&str> = export.organisations.iter().map(|o| o.id.as_str()).collect();
        let mut organisations_removed = 0;
        for id in old_orgs.keys() {
            if !new_orgs.contains(id.as_str()) {
                db.delete_indigo_organisation(id).await?;
                organisations_removed += 1;
            }
        }
        let report = ImportReport {
            projects: export.projects.len(),
            created,
            updated,
            unchanged,
            projects_removed,
            values_removed,
            organisations: export.organisations.len(),
            organisations_changed,
            organisations_removed,
            payments_unspecified: export.payments_unspecified,
            warnings_total: export.warnings_total,
            warnings: export.warnings,
            currencies_normalised: export.currencies_normalised,
        };
        audit::append(
            &mut db,
            actor,
            actor.tenant_id(),
            "indigo.import",
            "indigo",
            serde_json::json!({
                "projects": report.projects,
                "created": report.created,
                "updated": report.updated,
                "projects_removed": report.projects_removed,
                "values_removed": report.values_removed,
                "organisations_changed": report.organisations_changed,
                "organisations_removed": report.organisations_removed,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Per sector, country or stage: projects and the exact sum of their total investment
    /// commitment per ISO currency (a project in several countries counts in each).
    pub async fn indigo_summary(&self, actor: &Actor, by: GroupBy) -> Result<Vec<SummaryGroup>, AppError> {
        actor.require(Action::ViewIndigo, &resource(actor))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let rows = db.all_indigo_projects().await?;
        let mut countries = countries_by_project(db.indigo_project_countries().await?);
        let mut summary_rows = Vec::with_capacity(rows.len());
        for r in rows {
            let investment = match (&r.investment_currency, &r.investment_exact) {
                (Some(c), Some(a)) => Some((
                    c.clone(),
                    Decimal::parse(a).ok_or_else(|| AppError::Internal(format!("stored amount of {}: {a:?}", r.id)))?,
                )),
                _ => None,
            };
            summary_rows.push(SummaryRow {
                policy_sector: r.policy_sector,
                stage: r.stage,
                countries: countries.remove(&r.id).unwrap_or_default(),
                investment,
            });
        }
        Ok(summarise(&summary_rows, by))
    }

    /// Projects matching the filter, in INDIGO id order, a page at a time (the cursor is the
    /// last id of the previous page).
    pub async fn list_indigo_projects(
        &self,
        actor: &Actor,
        filter: &IndigoFilterInput,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<IndigoProjectSummary>, AppError> {
        actor.require(Action::ViewIndigo, &resource(actor))?;
        let filter = filter.parse()?;
        let after = cursor.map(str::trim).unwrap_or("");
        if after.len() > 64 {
            return Err(AppError::invalid(
                "cursor",
                "invalid_cursor",
                "cursor must be a value returned as next_cursor",
            ));
        }
        let limit = page_limit(limit);
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let rows = db.list_indigo_projects(&filter, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let mut countries = countries_by_project(db.indigo_project_countries().await?);
        let items: Vec<IndigoProjectSummary> = rows
            .iter()
            .take(limit as usize)
            .map(|r| summary_of(r, countries.remove(&r.id).unwrap_or_default()))
            .collect();
        let next_cursor = if more { items.last().map(|p| p.id.clone()) } else { None };
        Ok(Page { items, next_cursor })
    }

    /// The values the list can be filtered by: sectors, stages, countries.
    pub async fn indigo_facets(&self, actor: &Actor) -> Result<(Vec<String>, Vec<String>, Vec<String>), AppError> {
        actor.require(Action::ViewIndigo, &resource(actor))?;
        let mut conn = self.store().conn().await?;
        Ok(conn.db().indigo_facets().await?)
    }

    pub async fn indigo_project(&self, actor: &Actor, id: &str) -> Result<IndigoProjectDetail, AppError> {
        actor.require(Action::ViewIndigo, &resource(actor))?;
        let not_found = || AppError::NotFound(format!("INDIGO project {id}"));
        if id.len() > 64 {
            return Err(not_found());
        }
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let row = db.indigo_project(id).await?.ok_or_else(not_found)?;
        let project: Project = serde_json::from_str(&row.detail)
            .map_err(|e| AppError::Internal(format!("stored INDIGO project {id}: {e}")))?;
        let mut org_ids: Vec<String> = project
            .investments
            .iter()
            .filter_map(|i| i.organisation_id.clone())
            .chain(project.payments.iter().flat_map(|p| [p.payer_id.clone(), p.recipient_id.clone()]).flatten())
            .collect();
        org_ids.sort();
        org_ids.dedup();
        let organisations =
            db.indigo_organisations_by_id(&org_ids).await?.into_iter().map(|o| (o.id, o.name)).collect();
        Ok(IndigoProjectDetail {
            summary: summary_of(&row, project.countries.clone()),
            latest_plan: project.latest_plan(),
            actual_payments: project.actual_payments(),
            project,
            organisations,
        })
    }

    /// INDIGO projects like a koinon contract: the INDIGO sectors of its policy area (any
    /// sector for `other`), those whose maximum outcome payment is in the contract currency
    /// first, nearest to the contract cap first; then the others by id.
    pub async fn similar_projects(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
        limit: usize,
    ) -> Result<Comparison, AppError> {
        actor.require(Action::ViewIndigo, &resource(actor))?;
        let view = self.contract(actor, tenant_id, contract_id).await?;
        let terms = self.contract_terms(actor, tenant_id, contract_id).await?;
        let c = &terms.contract;
        let scale = c.currency.scale();
        let sectors = sectors_for_policy_area(&view.policy_area);
        let cap = Decimal::parse(&minor_to_decimal(c.contract_cap_minor, scale)).unwrap_or(Decimal::ZERO);
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let rows = db.all_indigo_projects().await?;
        let mut countries = countries_by_project(db.indigo_project_countries().await?);
        let mut ranked: Vec<(bool, Decimal, IndigoProjectRow)> = rows
            .into_iter()
            .filter(|r| sectors.is_empty() || r.policy_sector.as_deref().is_some_and(|s| sectors.contains(&s)))
            .map(|r| {
                let amount = r.max_outcome_payment.as_deref().and_then(Decimal::parse);
                let same = r.max_outcome_payment_currency.as_deref() == Some(c.currency.code()) && amount.is_some();
                let distance = match amount {
                    Some(a) if same => a.abs_diff(cap).unwrap_or(Decimal::ZERO),
                    _ => Decimal::ZERO,
                };
                (same, distance, r)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)).then_with(|| a.2.id.cmp(&b.2.id)));
        let mut similar = Vec::new();
        for (same, _, row) in ranked.into_iter().take(limit.clamp(1, SIMILAR_MAX)) {
            let project: Option<Project> = serde_json::from_str(&row.detail).ok();
            let prices = project
                .map(|p| {
                    p.pricings
                        .iter()
                        .map(|pr| PricePoint {
                            outcome: pr
                                .metric_id
                                .as_ref()
                                .and_then(|m| p.outcome_metrics.iter().find(|om| om.id.as_ref() == Some(m)))
                                .and_then(|om| om.definition.clone())
                                .or_else(|| pr.metric_id.clone())
                                .unwrap_or_default()
                                .lines()
                                .next()
                                .unwrap_or_default()
                                .chars()
                                .take(120)
                                .collect(),
                            currency: pr.currency.clone(),
                            price_per_unit: pr.price_per_unit.map(|d| d.to_string()),
                            max_if_all_targets_met: pr.max_if_all_targets_met.map(|d| d.to_string()),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let summary = summary_of(&row, countries.remove(&row.id).unwrap_or_default());
            let code = c.currency.code();
            let max_payment = comparable_minor(
                summary.max_outcome_payment_currency.as_deref(),
                summary.max_outcome_payment.as_deref(),
                code,
                scale,
            );
            let in_contract_currency = ComparableFigures {
                max_outcome_payment_minor: max_payment,
                investment_minor: comparable_minor(
                    summary.investment_currency.as_deref(),
                    summary.investment_exact.as_deref(),
                    code,
                    scale,
                ),
                max_payment_per_participant_minor: per_participant(max_payment, summary.target_service_users),
            };
            similar.push(SimilarProject { summary, same_currency: same, prices, in_contract_currency });
        }
        let capital: i64 = c.parties.iter().filter_map(|p| p.commitment_minor).sum();
        Ok(Comparison {
            contract: ComparedContract {
                id: view.id,
                name: view.name.clone(),
                policy_area: view.policy_area.clone(),
                currency: c.currency.code().to_string(),
                contract_cap: minor_to_decimal(c.contract_cap_minor, scale),
                participant_cap: c.participant_cap_minor.map(|m| minor_to_decimal(m, scale)),
                capital: minor_to_decimal(capital, scale),
                prices: c
                    .metrics
                    .iter()
                    .filter_map(|m| m.price_minor.map(|p| (m.name.clone(), minor_to_decimal(p, scale))))
                    .collect(),
                cohort_size: c.cohorts.iter().map(|k| u64::from(k.target_size)).sum(),
                currency_scale: scale,
                contract_cap_minor: c.contract_cap_minor,
                capital_minor: capital,
                cap_per_participant_minor: per_participant(
                    Some(c.contract_cap_minor),
                    Some(c.cohorts.iter().map(|k| i64::from(k.target_size)).sum()),
                ),
            },
            sectors: sectors.iter().map(|s| (*s).to_string()).collect(),
            similar,
        })
    }

    /// A koinon contract as an INDIGO-shaped project: the property names, nesting and value
    /// types of indigo-data-standard's `project.json` (objects with a `value`; amounts as JSON
    /// numbers; dates `YYYY-MM-DD`). `docs/indigo.md` lists what is filled.
    pub async fn export_contract_indigo(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
    ) -> Result<serde_json::Value, AppError> {
        use serde_json::{Map, Value, json};
        let view = self.contract(actor, tenant_id, contract_id).await?;
        let terms = self.contract_terms(actor, tenant_id, contract_id).await?;
        let c = &terms.contract;
        let scale = c.currency.scale();
        let money = |minor: i64| -> Result<Value, AppError> { Ok(json!({ "value": json_amount(minor, scale)? })) };
        let currency = json!({"value": c.currency.code()});
        let stage = match view.state.as_str() {
            "draft" | "feasibility" => "Late-stage design",
            "contracted" => "Contracted",
            "running" => "Implementation",
            "closed" => "Complete",
            _ => "Late-stage design",
        };
        let capital: i64 = c.parties.iter().filter_map(|p| p.commitment_minor).sum();
        let org_id = |i: usize| json!({"value": format!("koinon-{tenant_id}-contract-{contract_id}-party-{}", i + 1)});

        let mut dates = Map::new();
        for (key, date) in [
            ("start_date_of_service_provision", &view.start_on),
            ("anticipated_end_date_of_service_provision", &view.end_on),
        ] {
            if !date.is_empty() {
                dates.insert(key.into(), json!({ "value": date }));
            }
        }
        let mut purpose = Map::new();
        if let Some(sector) = sectors_for_policy_area(&view.policy_area).first() {
            purpose.insert("policy_sector".into(), json!({ "value": sector }));
        }
        let mut pricings = Vec::new();
        for m in &c.metrics {
            if let Some(p) = m.price_minor {
                pricings.push(json!({
                    "outcome_metric_id": {"value": m.code},
                    "currency": currency,
                    "price_per_unit": {"amount": money(p)?},
                }));
            }
        }
        // Parties go where INDIGO's project keeps each role; organisations themselves are a
        // separate INDIGO model, so each reference carries the party's name in `notes`.
        let (mut payers, mut provisions, mut investments, mut intermediaries) = (vec![], vec![], vec![], vec![]);
        let payer_count = c.parties.iter().filter(|p| p.role == PartyRole::OutcomePayer).count();
        for (i, p) in c.parties.iter().enumerate() {
            match p.role {
                PartyRole::OutcomePayer => {
                    let share = payer_cap_minor(c.contract_cap_minor, p.payment_share_bp, payer_count);
                    payers.push(json!({
                        "organisation_id": org_id(i),
                        "maximum_potential_outcome_payment": {"currency": currency, "amount": money(share)?},
                        "notes": p.name,
                    }));
                }
                PartyRole::Provider => provisions.push(json!({
                    "id": format!("provision-{}", i + 1),
                    "organisation_id": org_id(i),
                    "notes": p.name,
                })),
                PartyRole::Investor => investments.push(json!({
                    "id": format!("investment-{}", i + 1),
                    "organisation_id": org_id(i),
                    "investment_commitment": {
                        "currency": currency,
                        "amount": {"exact": money(p.commitment_minor.unwrap_or(0))?},
                    },
                    "notes": p.name,
                })),
                PartyRole::Intermediary => intermediaries.push(json!({
                    "organisation_id": org_id(i),
                    "notes": p.name,
                })),
                PartyRole::Spv | PartyRole::Evaluator => {}
            }
        }
        Ok(json!({
            "id": format!("koinon-{tenant_id}-contract-{contract_id}"),
            "name": {"value": view.name},
            "stage_development": {"value": stage},
            "dates": dates,
            "overall_project_finance": {
                "total_investment_commitment": {
                    "currency": currency,
                    "amount": {"exact": money(capital)?},
                },
                "maximum_potential_outcome_payment_v2": {
                    "currency": currency,
                    "amount": money(c.contract_cap_minor)?,
                },
            },
            "purpose_and_classifications": purpose,
            "service_and_beneficiaries": {
                "targeted_number_service_users_or_beneficiaries_total": {
                    "value": c.cohorts.iter().map(|k| u64::from(k.target_size)).sum::<u64>()
                },
            },
            "outcome_metrics": c.metrics.iter().map(|m| json!({
                "id": m.code,
                "definition": {"value": format!("{}: {}", m.name, m.definition)},
            })).collect::<Vec<_>>(),
            "outcome_pricings": pricings,
            "outcome_payment_commitments": payers,
            "service_provisions": provisions,
            "investments": investments,
            "intermediary_services": intermediaries,
        }))
    }
}

/// The part of the contract cap one outcome payer carries: its share in basis points, or an
/// equal share (the remainder to the first payer, as payments are split).
fn payer_cap_minor(cap_minor: i64, share_bp: Option<u16>, payers: usize) -> i64 {
    let payers = i64::try_from(payers.max(1)).unwrap_or(1);
    match share_bp {
        Some(bp) => i64::try_from(i128::from(cap_minor) * i128::from(bp) / 10_000).unwrap_or(0),
        None => cap_minor / payers,
    }
}

/// An amount as the JSON number INDIGO's schema asks for: an integer when there are no minor
/// units, else the exact decimal, checked to read back as exactly that decimal.
fn json_amount(minor: i64, scale: u8) -> Result<serde_json::Value, AppError> {
    let text = minor_to_decimal(minor, scale);
    let exact = Decimal::parse(&text);
    if let Some(whole) = exact.and_then(|d| d.to_minor(0)) {
        return Ok(serde_json::Value::from(whole));
    }
    let number: Option<serde_json::Number> = text.parse().ok();
    match number {
        Some(n) if Decimal::parse(&n.to_string()) == exact => Ok(serde_json::Value::Number(n)),
        _ => {
            Err(AppError::invalid("amount", "not_exact", format!("{text} cannot be written exactly as a JSON number")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_json_numbers() {
        assert_eq!(json_amount(60_000_000, 2).ok(), Some(serde_json::json!(600_000)));
        let cents = json_amount(123_456, 2).ok().map(|v| v.to_string());
        assert_eq!(cents.as_deref(), Some("1234.56"));
        let tenth = json_amount(-1_234_550, 2).ok().map(|v| v.to_string());
        assert_eq!(tenth.as_deref(), Some("-12345.5"));
        // Beyond 15 significant digits a JSON number would not read back exactly: refused.
        assert!(json_amount(9_007_199_254_740_993, 2).is_err());
    }

    #[test]
    fn payers_carry_their_share_of_the_cap() {
        assert_eq!(payer_cap_minor(60_000_000, Some(2_500), 2), 15_000_000);
        assert_eq!(payer_cap_minor(100, None, 3), 33);
    }
}
