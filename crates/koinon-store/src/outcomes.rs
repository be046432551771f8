//! Outcomes contracts (social impact bonds): contracts, parties, participants, claims with
//! evidence, payment runs and drawdowns, on either backend.

use crate::{Db, StoreError, on};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContractRow {
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    pub policy_area: String,
    pub mechanism: String,
    pub currency: String,
    pub currency_scale: i64,
    pub start_on: String,
    pub end_on: String,
    pub period: String,
    pub contract_cap_minor: i64,
    pub participant_cap_minor: Option<i64>,
    pub period_cap_minor: Option<i64>,
    pub investor_commitments_minor: i64,
    /// JSON: the cohorts (code, name, target size, dates).
    pub cohorts: String,
    pub state: String,
    pub source: String,
    pub return_cap_multiple_bp: Option<i64>,
    pub residual_investors_share_bp: i64,
    pub spv_account_id: Option<Vec<u8>>,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PartyRow {
    pub id: i64,
    pub contract_id: i64,
    pub position: i64,
    pub name: String,
    pub role: String,
    pub commitment_minor: Option<i64>,
    pub organisation_id: Option<i64>,
    pub account_id: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ParticipantRow {
    pub id: i64,
    pub contract_id: i64,
    pub participant: String,
    pub cohort: String,
    pub enrolled_on: String,
    pub imported_by: String,
    pub created_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimRow {
    pub id: i64,
    pub contract_id: i64,
    pub participant: String,
    pub metric: String,
    pub event_on: String,
    pub claimed_on: String,
    pub status: String,
    pub claimant_organisation_id: Option<i64>,
    pub submitted_by: String,
    pub created_at_us: i64,
    pub reviewed_by: Option<String>,
    pub reviewed_at_us: Option<i64>,
    pub rejection_reason: Option<String>,
    /// Evidence files kept with the claim (0 or 1).
    pub evidence_files: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EvidenceRow {
    pub claim_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_by: String,
    pub created_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentRunRow {
    pub id: i64,
    pub contract_id: i64,
    pub period: String,
    pub up_to: String,
    pub state: String,
    pub cumulative_due_minor: i64,
    pub previously_paid_minor: i64,
    pub amount_due_minor: i64,
    pub statement: String,
    pub results_csv: Option<String>,
    pub prepared_by: String,
    pub prepared_at_us: i64,
    pub approved_by: Option<String>,
    pub approved_at_us: Option<i64>,
    pub paid_on: Option<String>,
    pub distribution: Option<String>,
    pub transfers: Option<String>,
    pub rejected_by: Option<String>,
    pub rejection_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DrawdownRow {
    pub id: i64,
    pub contract_id: i64,
    pub party_id: i64,
    pub amount_minor: i64,
    pub drawn_on: String,
    pub transfers: String,
    /// The client's id for the request, so that sending it again does not draw twice.
    pub request_id: String,
    pub created_by: String,
    pub created_at_us: i64,
}

/// A contract to insert (the parsed summary and the source).
#[derive(Debug, Clone)]
pub struct NewContract<'a> {
    pub tenant_id: i64,
    pub name: &'a str,
    pub policy_area: &'a str,
    pub mechanism: &'a str,
    pub currency: &'a str,
    pub currency_scale: i64,
    pub start_on: &'a str,
    pub end_on: &'a str,
    pub period: &'a str,
    pub contract_cap_minor: i64,
    pub participant_cap_minor: Option<i64>,
    pub period_cap_minor: Option<i64>,
    pub investor_commitments_minor: i64,
    pub cohorts: &'a str,
    pub state: &'a str,
    pub source: &'a str,
    pub created_at_us: i64,
}

#[derive(Debug, Clone)]
pub struct NewClaim<'a> {
    pub participant: &'a str,
    pub metric: &'a str,
    pub event_on: &'a str,
    pub claimed_on: &'a str,
    pub claimant_organisation_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewPaymentRun<'a> {
    pub contract_id: i64,
    pub period: &'a str,
    pub up_to: &'a str,
    pub cumulative_due_minor: i64,
    pub previously_paid_minor: i64,
    pub amount_due_minor: i64,
    pub statement: &'a str,
    pub results_csv: Option<&'a str>,
    pub prepared_by: &'a str,
    pub prepared_at_us: i64,
}

macro_rules! contract_cols {
    () => {
        "id, tenant_id, name, policy_area, mechanism, currency, currency_scale, start_on, end_on, period, \
         contract_cap_minor, participant_cap_minor, period_cap_minor, investor_commitments_minor, cohorts, state, \
         source, return_cap_multiple_bp, residual_investors_share_bp, spv_account_id, created_at_us, updated_at_us"
    };
}
macro_rules! party_cols {
    () => {
        "id, contract_id, position, name, role, commitment_minor, organisation_id, account_id"
    };
}
macro_rules! claim_cols {
    () => {
        "id, contract_id, participant, metric, event_on, claimed_on, status, claimant_organisation_id, submitted_by, \
         created_at_us, reviewed_by, reviewed_at_us, rejection_reason, \
         (SELECT COUNT(*) FROM outcome_evidence e WHERE e.claim_id = outcome_claims.id) AS evidence_files"
    };
}
macro_rules! run_cols {
    () => {
        "id, contract_id, period, up_to, state, cumulative_due_minor, previously_paid_minor, amount_due_minor, \
         statement, results_csv, prepared_by, prepared_at_us, approved_by, approved_at_us, paid_on, distribution, transfers, \
         rejected_by, rejection_reason"
    };
}

impl Db<'_> {
    // ---- contracts ----

    pub async fn insert_outcome_contract(&mut self, c: &NewContract<'_>) -> Result<i64, StoreError> {
        let sql = "INSERT INTO outcome_contracts (tenant_id, name, policy_area, mechanism, currency, currency_scale, \
                   start_on, end_on, period, contract_cap_minor, participant_cap_minor, period_cap_minor, \
                   investor_commitments_minor, cohorts, state, source, return_cap_multiple_bp, \
                   residual_investors_share_bp, spv_account_id, created_at_us, updated_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, NULL, 10000, NULL, $17, $17) \
                   RETURNING id";
        Ok(on!(self, c2 => sqlx::query_scalar(sql)
            .bind(c.tenant_id).bind(c.name).bind(c.policy_area).bind(c.mechanism).bind(c.currency)
            .bind(c.currency_scale).bind(c.start_on).bind(c.end_on).bind(c.period).bind(c.contract_cap_minor)
            .bind(c.participant_cap_minor).bind(c.period_cap_minor).bind(c.investor_commitments_minor)
            .bind(c.cohorts).bind(c.state).bind(c.source).bind(c.created_at_us)
            .fetch_one(c2).await)?)
    }

    pub async fn outcome_contract(&mut self, tenant_id: i64, id: i64) -> Result<Option<ContractRow>, StoreError> {
        let sql = concat!("SELECT ", contract_cols!(), " FROM outcome_contracts WHERE tenant_id = $1 AND id = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(id).fetch_optional(c).await)?)
    }

    pub async fn list_outcome_contracts(
        &mut self,
        tenant_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<ContractRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            contract_cols!(),
            " FROM outcome_contracts WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(after_id).bind(limit).fetch_all(c).await)?)
    }

    /// Moves the state from `from` to `to`; false when the state was no longer `from`.
    pub async fn set_outcome_contract_state(
        &mut self,
        id: i64,
        from: &str,
        to: &str,
        at_us: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE outcome_contracts SET state = $1, updated_at_us = $2 WHERE id = $3 AND state = $4";
        let done = on!(self, c => sqlx::query(sql).bind(to).bind(at_us).bind(id).bind(from).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Locks the contract's row until the transaction ends (PostgreSQL; SQLite's write
    /// transaction already excludes other writers), so that checks against its participants,
    /// claims and runs hold when the transaction writes.
    pub async fn lock_outcome_contract(&mut self, id: i64) -> Result<(), StoreError> {
        let sql = "UPDATE outcome_contracts SET updated_at_us = updated_at_us WHERE id = $1";
        on!(self, c => sqlx::query(sql).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_outcome_waterfall(
        &mut self,
        id: i64,
        return_cap_multiple_bp: Option<i64>,
        residual_investors_share_bp: i64,
        at_us: i64,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE outcome_contracts SET return_cap_multiple_bp = $1, residual_investors_share_bp = $2, \
                   updated_at_us = $3 WHERE id = $4";
        on!(self, c => sqlx::query(sql).bind(return_cap_multiple_bp).bind(residual_investors_share_bp).bind(at_us).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_outcome_spv_account(&mut self, id: i64, account_id: &[u8]) -> Result<(), StoreError> {
        let sql = "UPDATE outcome_contracts SET spv_account_id = $1 WHERE id = $2";
        on!(self, c => sqlx::query(sql).bind(account_id).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    // ---- parties ----

    pub async fn insert_outcome_party(
        &mut self,
        contract_id: i64,
        position: i64,
        name: &str,
        role: &str,
        commitment_minor: Option<i64>,
        organisation_id: Option<i64>,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO outcome_parties (contract_id, position, name, role, commitment_minor, organisation_id, account_id) \
                   VALUES ($1, $2, $3, $4, $5, $6, NULL) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(contract_id).bind(position).bind(name).bind(role).bind(commitment_minor).bind(organisation_id)
            .fetch_one(c).await)?)
    }

    pub async fn outcome_parties(&mut self, contract_id: i64) -> Result<Vec<PartyRow>, StoreError> {
        let sql = concat!("SELECT ", party_cols!(), " FROM outcome_parties WHERE contract_id = $1 ORDER BY position");
        Ok(on!(self, c => sqlx::query_as(sql).bind(contract_id).fetch_all(c).await)?)
    }

    pub async fn set_outcome_party_organisation(
        &mut self,
        party_id: i64,
        organisation_id: Option<i64>,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE outcome_parties SET organisation_id = $1 WHERE id = $2";
        on!(self, c => sqlx::query(sql).bind(organisation_id).bind(party_id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_outcome_party_account(&mut self, party_id: i64, account_id: &[u8]) -> Result<(), StoreError> {
        let sql = "UPDATE outcome_parties SET account_id = $1 WHERE id = $2";
        on!(self, c => sqlx::query(sql).bind(account_id).bind(party_id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    // ---- participants ----

    pub async fn outcome_participants(&mut self, contract_id: i64) -> Result<Vec<ParticipantRow>, StoreError> {
        let sql = "SELECT id, contract_id, participant, cohort, enrolled_on, imported_by, created_at_us \
                   FROM outcome_participants WHERE contract_id = $1 ORDER BY id";
        Ok(on!(self, c => sqlx::query_as(sql).bind(contract_id).fetch_all(c).await)?)
    }

    pub async fn list_outcome_participants(
        &mut self,
        contract_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<ParticipantRow>, StoreError> {
        let sql = "SELECT id, contract_id, participant, cohort, enrolled_on, imported_by, created_at_us \
                   FROM outcome_participants WHERE contract_id = $1 AND id > $2 ORDER BY id LIMIT $3";
        Ok(on!(self, c => sqlx::query_as(sql).bind(contract_id).bind(after_id).bind(limit).fetch_all(c).await)?)
    }

    pub async fn insert_outcome_participant(
        &mut self,
        contract_id: i64,
        participant: &str,
        cohort: &str,
        enrolled_on: &str,
        imported_by: &str,
        at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO outcome_participants (contract_id, participant, cohort, enrolled_on, imported_by, created_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(contract_id).bind(participant).bind(cohort).bind(enrolled_on).bind(imported_by).bind(at_us)
            .fetch_one(c).await)?)
    }

    /// Participants per cohort code.
    pub async fn outcome_participants_by_cohort(&mut self, contract_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let sql =
            "SELECT cohort, COUNT(*) FROM outcome_participants WHERE contract_id = $1 GROUP BY cohort ORDER BY cohort";
        Ok(on!(self, c => sqlx::query_as(sql).bind(contract_id).fetch_all(c).await)?)
    }

    // ---- claims ----

    /// Claims per status.
    pub async fn outcome_claims_by_status(&mut self, contract_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let sql = "SELECT status, COUNT(*) FROM outcome_claims WHERE contract_id = $1 GROUP BY status ORDER BY status";
        Ok(on!(self, c => sqlx::query_as(sql).bind(contract_id).fetch_all(c).await)?)
    }

    pub async fn outcome_claims(&mut self, contract_id: i64) -> Result<Vec<ClaimRow>, StoreError> {
        let sql = concat!("SELECT ", claim_cols!(), " FROM outcome_claims WHERE contract_id = $1 ORDER BY id");
        Ok(on!(self, c => sqlx::query_as(sql).bind(contract_id).fetch_all(c).await)?)
    }

    /// A contract's claims after `after_id`; `status` narrows to one status.
    pub async fn list_outcome_claims(
        &mut self,
        contract_id: i64,
        status: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<ClaimRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            claim_cols!(),
            " FROM outcome_claims WHERE contract_id = $1 AND ($2 IS NULL OR status = $2) AND id > $3 ORDER BY id LIMIT $4"
        );
        Ok(
            on!(self, c => sqlx::query_as(sql).bind(contract_id).bind(status).bind(after_id).bind(limit).fetch_all(c).await)?,
        )
    }

    pub async fn outcome_claim(&mut self, id: i64) -> Result<Option<ClaimRow>, StoreError> {
        let sql = concat!("SELECT ", claim_cols!(), " FROM outcome_claims WHERE id = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    pub async fn insert_outcome_claim(
        &mut self,
        contract_id: i64,
        claim: &NewClaim<'_>,
        submitted_by: &str,
        at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO outcome_claims (contract_id, participant, metric, event_on, claimed_on, status, \
                   claimant_organisation_id, submitted_by, created_at_us) \
                   VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(contract_id).bind(claim.participant).bind(claim.metric).bind(claim.event_on).bind(claim.claimed_on)
            .bind(claim.claimant_organisation_id).bind(submitted_by).bind(at_us)
            .fetch_one(c).await)?)
    }

    /// Records the evaluator's decision on a submitted claim; false when it was not submitted.
    pub async fn review_outcome_claim(
        &mut self,
        id: i64,
        status: &str,
        reviewed_by: &str,
        reason: Option<&str>,
        at_us: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE outcome_claims SET status = $1, reviewed_by = $2, rejection_reason = $3, reviewed_at_us = $4 \
                   WHERE id = $5 AND status = 'submitted'";
        let done = on!(self, c => sqlx::query(sql).bind(status).bind(reviewed_by).bind(reason).bind(at_us).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    pub async fn insert_outcome_evidence(&mut self, e: &EvidenceRow) -> Result<(), StoreError> {
        let sql = "INSERT INTO outcome_evidence (claim_id, file_name, content_type, size_bytes, sha256, content, uploaded_by, created_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on!(self, c => sqlx::query(sql)
            .bind(e.claim_id).bind(&e.file_name).bind(&e.content_type).bind(e.size_bytes).bind(&e.sha256)
            .bind(&e.content).bind(&e.uploaded_by).bind(e.created_at_us)
            .execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn outcome_evidence(&mut self, claim_id: i64) -> Result<Option<EvidenceRow>, StoreError> {
        let sql = "SELECT claim_id, file_name, content_type, size_bytes, sha256, content, uploaded_by, created_at_us \
                   FROM outcome_evidence WHERE claim_id = $1";
        Ok(on!(self, c => sqlx::query_as(sql).bind(claim_id).fetch_optional(c).await)?)
    }

    // ---- payment runs ----

    pub async fn insert_outcome_payment_run(&mut self, r: &NewPaymentRun<'_>) -> Result<i64, StoreError> {
        let sql = "INSERT INTO outcome_payment_runs (contract_id, period, up_to, state, cumulative_due_minor, \
                   previously_paid_minor, amount_due_minor, statement, results_csv, prepared_by, prepared_at_us) \
                   VALUES ($1, $2, $3, 'prepared', $4, $5, $6, $7, $8, $9, $10) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(r.contract_id).bind(r.period).bind(r.up_to).bind(r.cumulative_due_minor)
            .bind(r.previously_paid_minor).bind(r.amount_due_minor).bind(r.statement).bind(r.results_csv)
            .bind(r.prepared_by).bind(r.prepared_at_us)
            .fetch_one(c).await)?)
    }

    pub async fn outcome_payment_runs(&mut self, contract_id: i64) -> Result<Vec<PaymentRunRow>, StoreError> {
        let sql = concat!("SELECT ", run_cols!(), " FROM outcome_payment_runs WHERE contract_id = $1 ORDER BY id");
        Ok(on!(self, c => sqlx::query_as(sql).bind(contract_id).fetch_all(c).await)?)
    }

    pub async fn outcome_payment_run(&mut self, id: i64) -> Result<Option<PaymentRunRow>, StoreError> {
        let sql = concat!("SELECT ", run_cols!(), " FROM outcome_payment_runs WHERE id = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    /// Prepared → approved, with the distribution and the transfers to post; false when the run
    /// was no longer prepared.
    pub async fn approve_outcome_payment_run(
        &mut self,
        id: i64,
        approved_by: &str,
        paid_on: &str,
        distribution: &str,
        transfers: &str,
        at_us: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE outcome_payment_runs SET state = 'approved', approved_by = $1, approved_at_us = $2, \
                   paid_on = $3, distribution = $4, transfers = $5 WHERE id = $6 AND state = 'prepared'";
        let done = on!(self, c => sqlx::query(sql).bind(approved_by).bind(at_us).bind(paid_on).bind(distribution).bind(transfers).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Prepared → rejected (sent back with a reason); false when the run was no longer prepared.
    pub async fn reject_outcome_payment_run(
        &mut self,
        id: i64,
        rejected_by: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE outcome_payment_runs SET state = 'rejected', rejected_by = $1, rejection_reason = $2 \
                   WHERE id = $3 AND state = 'prepared'";
        let done = on!(self, c => sqlx::query(sql).bind(rejected_by).bind(reason).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Approved → paid (the transfers are in the ledger); false when it was not approved.
    pub async fn mark_outcome_payment_run_paid(&mut self, id: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE outcome_payment_runs SET state = 'paid' WHERE id = $1 AND state = 'approved'";
        let done = on!(self, c => sqlx::query(sql).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    // ---- drawdowns ----

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_outcome_drawdown(
        &mut self,
        contract_id: i64,
        party_id: i64,
        amount_minor: i64,
        drawn_on: &str,
        transfers: &str,
        request_id: &str,
        created_by: &str,
        at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO outcome_drawdowns (contract_id, party_id, amount_minor, drawn_on, transfers, request_id, created_by, created_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(contract_id).bind(party_id).bind(amount_minor).bind(drawn_on).bind(transfers).bind(request_id)
            .bind(created_by).bind(at_us)
            .fetch_one(c).await)?)
    }

    pub async fn outcome_drawdowns(&mut self, contract_id: i64) -> Result<Vec<DrawdownRow>, StoreError> {
        let sql = "SELECT id, contract_id, party_id, amount_minor, drawn_on, transfers, request_id, created_by, created_at_us \
                   FROM outcome_drawdowns WHERE contract_id = $1 ORDER BY id";
        Ok(on!(self, c => sqlx::query_as(sql).bind(contract_id).fetch_all(c).await)?)
    }
}
