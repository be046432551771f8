//! The dashboard of an outcomes contract and its public summary.
//!
//! The dashboard puts side by side, per payment period of the contract: the outcomes verified
//! (by the period of their event) against the contract's targets; the outcome payments the
//! contract's calculation says are due for the verified claims so far (planned) against what
//! approved payment runs paid (actual), with the contract cap; each investor's position; and,
//! when the contract has a `[commissioner]` section, the commissioner's figures: outcome
//! payments against public savings, net present value at the commissioner's discount rate,
//! benefit–cost ratio and break-even outcome rate (`docs/outcomes.md`, "The dashboard").
//!
//! The public summary shows aggregates only (no participant ids, no claims, no evidence, no
//! investor figures), and only for contracts that are contracted, running or closed.
//!
//! Reads only: nothing here changes state, so nothing is audited.

use std::collections::HashMap;

use koinon_core::authz::Action;
use koinon_core::finance::{
    BreakEven, Cashflow, CommissionerFigures, CommissionerFlows, OutcomeRateModel, break_even, commissioner_figures,
    format_date,
};
use koinon_core::outcomes::{
    Contract, OutcomeClaim, PartyRole, PaymentMechanism, calculate_payments, parse_results_csv,
};
use koinon_store::Db;
use koinon_store::outcomes::{ContractRow, PaymentRunRow};
use serde::Serialize;

use crate::outcomes::{
    ContractState, claim_of, contract_resource, load_contract, parse_contract, period_end, roster_of, state_of,
};
use crate::{Actor, App, AppError};

/// Contracts listed on a municipality's public page.
pub const PUBLIC_CONTRACTS_MAX: i64 = 500;

/// Verified outcomes of one metric, per period, against its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricOutcomes {
    pub metric: String,
    pub name: String,
    /// One count per period of [`ContractDashboard::periods`].
    pub verified_by_period: Vec<i64>,
    pub verified: i64,
    /// Claims submitted and not yet verified or rejected.
    pub waiting: i64,
    /// What the contract aims at for this metric, if it says: the participants a fixed target
    /// needs across all cohorts (`fixed_target`), or every participant the cohorts plan for
    /// (`cohort_size`) when the outcome is paid once per participant.
    pub target: Option<i64>,
    pub target_kind: Option<&'static str>,
}

/// Enrolment in a cohort against its target size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortProgress {
    pub cohort: String,
    pub name: String,
    pub target_size: i64,
    pub enrolled: i64,
}

/// Outcome payments in one period: planned by the contract's calculation, actually paid by
/// approved runs, and prepared but not yet approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodPayments {
    pub period: String,
    pub planned_minor: i64,
    pub actual_minor: i64,
    pub awaiting_approval_minor: i64,
    pub planned_cumulative_minor: i64,
    pub actual_cumulative_minor: i64,
}

/// One investor's position (or all investors' together).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvestorPositionView {
    pub name: String,
    pub committed_minor: i64,
    pub drawn_minor: i64,
    /// Distributions the investor received (capital back, return and residual).
    pub distributed_minor: i64,
    pub capital_returned_minor: i64,
    /// Drawn capital not yet paid back.
    pub outstanding_minor: i64,
    /// Committed capital not yet drawn.
    pub undrawn_minor: i64,
}

/// The public saving of one metric's verified outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricSavings {
    pub metric: String,
    pub saving_per_outcome_minor: i64,
    pub verified: i64,
    pub savings_minor: i64,
}

/// The commissioner's figures, from the contract's `[commissioner]` section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommissionerView {
    pub discount_rate_bp: u32,
    pub baseline_rate_bp: u32,
    /// Present values are taken at the contract's start.
    pub as_of: String,
    pub savings_by_metric: Vec<MetricSavings>,
    /// Public savings of the verified outcomes, per period (by the period of the event).
    pub savings_by_period: Vec<i64>,
    /// Outcome payments (planned, dated at the end of their period) against public savings
    /// (dated at the end of the period of the outcome's event).
    pub figures: Option<CommissionerFigures>,
    pub figures_error: Option<&'static str>,
    /// The break-even outcome rates of the cohorts' planned size.
    pub break_even: Option<BreakEven>,
    /// Why there is no break-even rate (`no_prices`: the mechanism does not pay a price per
    /// outcome), or the calculation's error code.
    pub break_even_error: Option<&'static str>,
}

/// The dashboard of one contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractDashboard {
    pub contract_id: i64,
    pub name: String,
    pub state: ContractState,
    pub currency: String,
    pub currency_scale: i64,
    /// `month`, `quarter` or `year`.
    pub period_kind: String,
    /// Every payment period of the contract, from its start to its end.
    pub periods: Vec<String>,
    pub contract_cap_minor: i64,
    pub participants_enrolled: i64,
    pub cohorts: Vec<CohortProgress>,
    pub outcomes: Vec<MetricOutcomes>,
    pub payments: Vec<PeriodPayments>,
    /// Everything due for the verified claims so far, after the caps.
    pub planned_total_minor: i64,
    /// Approved and paid runs.
    pub paid_total_minor: i64,
    pub awaiting_approval_minor: i64,
    pub cap_remaining_minor: i64,
    /// `None` for a reader who may not see investor figures. Investors see their own.
    pub investors: Option<Vec<InvestorPositionView>>,
    pub investors_total: Option<InvestorPositionView>,
    /// `None` when the contract has no `[commissioner]` section.
    pub commissioner: Option<CommissionerView>,
}

/// A party as the public sees it: the organisation's name and its role, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicParty {
    pub name: String,
    pub role: String,
}

/// The verified outcomes of one metric, all periods together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicMetric {
    pub metric: String,
    pub name: String,
    pub verified: i64,
    pub verified_by_period: Vec<i64>,
}

/// A contract's public summary: aggregate, non-personal figures only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicContractSummary {
    pub tenant_code: String,
    pub tenant_name: String,
    pub contract_id: i64,
    pub name: String,
    pub policy_area: String,
    pub mechanism: String,
    pub state: ContractState,
    pub start_on: String,
    pub end_on: String,
    pub currency: String,
    pub currency_scale: i64,
    pub period_kind: String,
    pub periods: Vec<String>,
    pub parties: Vec<PublicParty>,
    pub participants_enrolled: i64,
    pub outcomes: Vec<PublicMetric>,
    pub paid_total_minor: i64,
    pub paid_by_period: Vec<i64>,
    pub contract_cap_minor: i64,
}

/// A contract on a municipality's public list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicContractItem {
    pub contract_id: i64,
    pub name: String,
    pub policy_area: String,
    pub state: ContractState,
    pub start_on: String,
    pub end_on: String,
}

/// A municipality's public contracts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicContracts {
    pub tenant_code: String,
    pub tenant_name: String,
    pub contracts: Vec<PublicContractItem>,
}

/// States in which a contract is public.
fn is_public(state: ContractState) -> bool {
    matches!(state, ContractState::Contracted | ContractState::Running | ContractState::Closed)
}

/// What the dashboard and the public summary both compute from the stored contract.
struct Core {
    contract: Contract,
    first_index: i32,
    periods: Vec<String>,
    enrolled_by_cohort: Vec<(String, i64)>,
    verified: Vec<OutcomeClaim>,
    /// (metric, status) → count, for all claims.
    waiting_by_metric: HashMap<String, i64>,
    runs: Vec<PaymentRunRow>,
}

impl Core {
    /// The position of the period `date` falls in, clamped to the contract's periods.
    fn slot(&self, index: i32) -> usize {
        let last = self.periods.len().saturating_sub(1);
        usize::try_from(index - self.first_index).unwrap_or(0).min(last)
    }

    fn slot_of_label(&self, label: &str) -> Option<usize> {
        self.periods.iter().position(|p| p == label)
    }

    fn verified_by_period(&self, metric: &str) -> Vec<i64> {
        let mut v = vec![0; self.periods.len()];
        for c in self.verified.iter().filter(|c| c.metric == metric) {
            let at = self.slot(self.contract.period.index_of(c.event_on));
            if let Some(n) = v.get_mut(at) {
                *n += 1;
            }
        }
        v
    }

    fn paid_runs(&self) -> impl Iterator<Item = &PaymentRunRow> {
        self.runs.iter().filter(|r| r.state == "approved" || r.state == "paid")
    }

    fn paid_by_period(&self) -> Vec<i64> {
        let mut v = vec![0; self.periods.len()];
        for r in self.paid_runs() {
            if let Some(n) = self.slot_of_label(&r.period).and_then(|i| v.get_mut(i)) {
                *n += r.amount_due_minor;
            }
        }
        v
    }
}

async fn core(db: &mut Db<'_>, row: &ContractRow) -> Result<Core, AppError> {
    let contract = parse_contract(row)?;
    let first_index = contract.period.index_of(contract.start_on);
    let last_index = contract.period.index_of(contract.end_on).max(first_index);
    let periods = (first_index..=last_index).map(|i| contract.period.label(i)).collect();
    let enrolled_by_cohort = db.outcome_participants_by_cohort(row.id).await?;
    let claims = db.outcome_claims(row.id).await?;
    let mut waiting_by_metric: HashMap<String, i64> = HashMap::new();
    for c in claims.iter().filter(|c| c.status == "submitted") {
        *waiting_by_metric.entry(c.metric.clone()).or_default() += 1;
    }
    let verified = claims.iter().filter(|c| c.status == "verified").filter_map(claim_of).collect();
    let runs = db.outcome_payment_runs(row.id).await?;
    Ok(Core { contract, first_index, periods, enrolled_by_cohort, verified, waiting_by_metric, runs })
}

/// A metric's target: the share a fixed target needs of all cohorts' planned participants, or
/// all of them for an outcome paid once per participant.
fn target_of(contract: &Contract, metric: &str) -> (Option<i64>, Option<&'static str>) {
    let planned: i64 = contract.cohorts.iter().map(|c| i64::from(c.target_size)).sum();
    if let PaymentMechanism::FixedTargets { targets } = &contract.mechanism {
        let need = targets
            .iter()
            .filter(|t| t.metric == metric)
            .map(|t| (planned * i64::from(t.threshold_bp) + 9_999) / 10_000)
            .max();
        if need.is_some() {
            return (need, Some("fixed_target"));
        }
    }
    match contract.metric(metric) {
        Some(m) if m.once_per_participant => (Some(planned), Some("cohort_size")),
        _ => (None, None),
    }
}

fn position(name: String, committed: i64, drawn: i64, distributed: i64, capital_returned: i64) -> InvestorPositionView {
    InvestorPositionView {
        name,
        committed_minor: committed,
        drawn_minor: drawn,
        distributed_minor: distributed,
        capital_returned_minor: capital_returned,
        outstanding_minor: drawn - capital_returned,
        undrawn_minor: committed - drawn,
    }
}

impl App {
    /// The dashboard of a contract (`Action::ViewOutcomeContracts`; the investor panel needs
    /// `Action::ViewInvestorFigures` and is left out without it).
    pub async fn contract_dashboard(
        &self,
        actor: &Actor,
        tenant_id: i64,
        contract_id: i64,
    ) -> Result<ContractDashboard, AppError> {
        let (row, parties, core) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            let (row, parties) = load_contract(&mut db, actor, tenant_id, contract_id).await?;
            let core = core(&mut db, &row).await?;
            (row, parties, core)
        };
        let contract = &core.contract;
        let n = core.periods.len();

        // Planned: the contract's calculation over every verified claim (and the latest results
        // a run used, for mechanisms that pay on results).
        let roster = {
            let mut conn = self.store().conn().await?;
            let participants = conn.db().outcome_participants(contract_id).await?;
            roster_of(contract, &participants)?
        };
        let results_csv = core.runs.iter().rev().filter(|r| r.state != "rejected").find_map(|r| r.results_csv.clone());
        let results = match results_csv.as_deref() {
            Some(text) => parse_results_csv(contract, text.as_bytes())
                .map_err(|e| AppError::Internal(format!("stored results of contract {contract_id}: {e}")))?,
            None => Vec::new(),
        };
        let statement = calculate_payments(contract, Some(&roster), &core.verified, &results)
            .map_err(|e| AppError::Internal(format!("calculating contract {contract_id}: {e}")))?;
        let mut planned = vec![0_i64; n];
        for line in &statement.by_period {
            let at = core.slot_of_label(&line.period).unwrap_or_else(|| {
                // A period outside the contract's dates counts in the nearest one.
                if line.period.as_str() < core.periods.first().map_or("", String::as_str) {
                    0
                } else {
                    n.saturating_sub(1)
                }
            });
            if let Some(p) = planned.get_mut(at) {
                *p += line.paid.minor;
            }
        }
        let actual = core.paid_by_period();
        let mut awaiting = vec![0_i64; n];
        for r in core.runs.iter().filter(|r| r.state == "prepared") {
            if let Some(a) = core.slot_of_label(&r.period).and_then(|i| awaiting.get_mut(i)) {
                *a += r.amount_due_minor;
            }
        }
        let (mut planned_sum, mut actual_sum) = (0_i64, 0_i64);
        let payments: Vec<PeriodPayments> = (0..n)
            .map(|i| {
                planned_sum += planned[i];
                actual_sum += actual[i];
                PeriodPayments {
                    period: core.periods[i].clone(),
                    planned_minor: planned[i],
                    actual_minor: actual[i],
                    awaiting_approval_minor: awaiting[i],
                    planned_cumulative_minor: planned_sum,
                    actual_cumulative_minor: actual_sum,
                }
            })
            .collect();
        let paid_total_minor: i64 = core.paid_runs().map(|r| r.amount_due_minor).sum();

        let outcomes = contract
            .metrics
            .iter()
            .map(|m| {
                let by_period = core.verified_by_period(&m.code);
                let (target, target_kind) = target_of(contract, &m.code);
                MetricOutcomes {
                    metric: m.code.clone(),
                    name: m.name.clone(),
                    verified: by_period.iter().sum(),
                    verified_by_period: by_period,
                    waiting: core.waiting_by_metric.get(&m.code).copied().unwrap_or(0),
                    target,
                    target_kind,
                }
            })
            .collect::<Vec<_>>();
        let cohorts: Vec<CohortProgress> = contract
            .cohorts
            .iter()
            .map(|c| CohortProgress {
                cohort: c.code.clone(),
                name: c.name.clone(),
                target_size: i64::from(c.target_size),
                enrolled: core.enrolled_by_cohort.iter().find(|(code, _)| *code == c.code).map_or(0, |(_, n)| *n),
            })
            .collect();

        // Investors: only for readers who may see investor figures (investors: their own).
        let may_see_investors = actor
            .require(
                Action::ViewInvestorFigures,
                &contract_resource(actor, tenant_id, &parties, &[PartyRole::Investor]),
            )
            .is_ok();
        let (investors, investors_total) = if may_see_investors {
            let f = self.investor_figures(actor, tenant_id, contract_id).await?;
            let view = |i: &crate::outcomes::InvestorFigures| {
                position(i.name.clone(), i.committed_minor, i.drawn_minor, i.received_minor, i.capital_returned_minor)
            };
            (Some(f.investors.iter().map(view).collect()), Some(view(&f.total)))
        } else {
            (None, None)
        };

        let commissioner = contract.commissioner.as_ref().map(|terms| {
            let mut savings_by_period = vec![0_i64; n];
            let mut savings_flows = Vec::new();
            for c in &core.verified {
                let saving = terms.saving_of(&c.metric);
                let index = contract.period.index_of(c.event_on);
                let at = core.slot(index);
                if saving > 0 {
                    savings_by_period[at] += saving;
                    if let Ok(date) = period_end(contract.period, &contract.period.label(index)) {
                        savings_flows.push(Cashflow::new(date, saving));
                    }
                }
            }
            let payment_flows: Vec<Cashflow> = payments
                .iter()
                .filter(|p| p.planned_minor > 0)
                .filter_map(|p| period_end(contract.period, &p.period).ok().map(|d| Cashflow::new(d, p.planned_minor)))
                .collect();
            let rate = f64::from(terms.discount_rate_bp) / 10_000.0;
            let (figures, figures_error) = match commissioner_figures(&CommissionerFlows {
                outcome_payments: payment_flows,
                public_savings: savings_flows,
                annual_discount_rate: rate,
                as_of: contract.start_on,
            }) {
                Ok(f) => (Some(f), None),
                Err(e) => (None, Some(e.code())),
            };
            // Break-even: one participant who reaches every priced outcome, per-participant cap
            // applied, over the cohorts' planned size; flows undiscounted (at the start).
            let mut remaining = contract.participant_cap_minor.unwrap_or(i64::MAX);
            let mut ranked: Vec<(u8, usize)> = contract.metric_rank().iter().copied().zip(0..).collect();
            ranked.sort_unstable();
            let mut payments_per_success = Vec::new();
            for (_, i) in ranked {
                if let Some(price) = contract.metrics.get(i).and_then(|m| m.price_minor) {
                    let paid = price.min(remaining);
                    remaining -= paid;
                    if paid > 0 {
                        payments_per_success.push(Cashflow::new(contract.start_on, paid));
                    }
                }
            }
            let saving_per_success: i64 = terms.savings.iter().map(|s| s.amount_minor).sum();
            let planned_size: i64 = contract.cohorts.iter().map(|c| i64::from(c.target_size)).sum();
            let (break_even, break_even_error) = if payments_per_success.is_empty() {
                (None, Some("no_prices"))
            } else {
                match break_even(&OutcomeRateModel {
                    cohort_size: u32::try_from(planned_size).unwrap_or(u32::MAX),
                    baseline_rate_bp: terms.baseline_rate_bp,
                    payments_per_success,
                    savings_per_success: vec![Cashflow::new(contract.start_on, saving_per_success)],
                    investor_capital_minor: contract.investor_commitments_minor(),
                    annual_discount_rate: rate,
                    as_of: contract.start_on,
                }) {
                    Ok(b) => (Some(b), None),
                    Err(e) => (None, Some(e.code())),
                }
            };
            CommissionerView {
                discount_rate_bp: terms.discount_rate_bp,
                baseline_rate_bp: terms.baseline_rate_bp,
                as_of: format_date(contract.start_on),
                savings_by_metric: outcomes
                    .iter()
                    .map(|o| {
                        let per = terms.saving_of(&o.metric);
                        MetricSavings {
                            metric: o.metric.clone(),
                            saving_per_outcome_minor: per,
                            verified: o.verified,
                            savings_minor: per.saturating_mul(o.verified),
                        }
                    })
                    .collect(),
                savings_by_period,
                figures,
                figures_error,
                break_even,
                break_even_error,
            }
        });

        Ok(ContractDashboard {
            contract_id,
            name: row.name.clone(),
            state: state_of(&row),
            currency: row.currency.clone(),
            currency_scale: row.currency_scale,
            period_kind: row.period.clone(),
            periods: core.periods.clone(),
            contract_cap_minor: row.contract_cap_minor,
            participants_enrolled: cohorts.iter().map(|c| c.enrolled).sum(),
            cohorts,
            outcomes,
            planned_total_minor: statement.total_due.minor,
            paid_total_minor,
            awaiting_approval_minor: awaiting.iter().sum(),
            cap_remaining_minor: row.contract_cap_minor - paid_total_minor,
            payments,
            investors,
            investors_total,
            commissioner,
        })
    }

    /// The public summary of a contract of the municipality with `tenant_code`: aggregates
    /// only, and only once the contract is contracted (draft and feasibility are "not found").
    /// Needs no sign-in.
    pub async fn public_contract_summary(
        &self,
        tenant_code: &str,
        contract_id: i64,
    ) -> Result<PublicContractSummary, AppError> {
        let not_found = || AppError::NotFound(format!("public outcomes contract {contract_id}"));
        let tenant = self.public_tenant(tenant_code).await?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let row = db.outcome_contract(tenant.id, contract_id).await?.ok_or_else(not_found)?;
        if !is_public(state_of(&row)) {
            return Err(not_found());
        }
        let parties = db.outcome_parties(contract_id).await?;
        let core = core(&mut db, &row).await?;
        let outcomes = core
            .contract
            .metrics
            .iter()
            .map(|m| {
                let by_period = core.verified_by_period(&m.code);
                PublicMetric {
                    metric: m.code.clone(),
                    name: m.name.clone(),
                    verified: by_period.iter().sum(),
                    verified_by_period: by_period,
                }
            })
            .collect();
        let paid_by_period = core.paid_by_period();
        Ok(PublicContractSummary {
            tenant_code: tenant.code,
            tenant_name: tenant.name,
            contract_id,
            name: row.name.clone(),
            policy_area: row.policy_area.clone(),
            mechanism: row.mechanism.clone(),
            state: state_of(&row),
            start_on: row.start_on.clone(),
            end_on: row.end_on.clone(),
            currency: row.currency.clone(),
            currency_scale: row.currency_scale,
            period_kind: row.period.clone(),
            periods: core.periods.clone(),
            parties: parties.iter().map(|p| PublicParty { name: p.name.clone(), role: p.role.clone() }).collect(),
            participants_enrolled: core.enrolled_by_cohort.iter().map(|(_, n)| *n).sum(),
            outcomes,
            paid_total_minor: paid_by_period.iter().sum(),
            paid_by_period,
            contract_cap_minor: row.contract_cap_minor,
        })
    }

    /// The public contracts (contracted, running, closed) of the municipality with
    /// `tenant_code`, in id order, at most [`PUBLIC_CONTRACTS_MAX`].
    pub async fn public_contracts(&self, tenant_code: &str) -> Result<PublicContracts, AppError> {
        let tenant = self.public_tenant(tenant_code).await?;
        let mut conn = self.store().conn().await?;
        let rows = conn.db().list_outcome_contracts(tenant.id, 0, PUBLIC_CONTRACTS_MAX).await?;
        let contracts = rows
            .iter()
            .filter(|r| is_public(state_of(r)))
            .map(|r| PublicContractItem {
                contract_id: r.id,
                name: r.name.clone(),
                policy_area: r.policy_area.clone(),
                state: state_of(r),
                start_on: r.start_on.clone(),
                end_on: r.end_on.clone(),
            })
            .collect();
        Ok(PublicContracts { tenant_code: tenant.code, tenant_name: tenant.name, contracts })
    }

    /// A tenant by its code, for public pages: a code that cannot be one is "not found".
    async fn public_tenant(&self, code: &str) -> Result<crate::tenants::Tenant, AppError> {
        let ok = !code.is_empty()
            && code.len() <= 64
            && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(AppError::NotFound(format!("tenant {}", code.chars().take(64).collect::<String>())));
        }
        self.tenant_by_code(code).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_states_are_contracted_running_and_closed() {
        let public: Vec<_> = ContractState::ALL.into_iter().filter(|s| is_public(*s)).collect();
        assert_eq!(public, vec![ContractState::Contracted, ContractState::Running, ContractState::Closed]);
    }
}
