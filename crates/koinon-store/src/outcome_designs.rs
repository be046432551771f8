//! Outcomes contracts being designed in the browser: the answers so far, as JSON text, per
//! tenant, on either backend.

use crate::{Db, StoreError, on};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DesignRow {
    pub id: i64,
    pub tenant_id: i64,
    /// Who started the design, as the audit log names them (`user:12`).
    pub created_by: String,
    pub name: String,
    /// JSON: the answers given so far (the app's `DesignAnswers`).
    pub answers: String,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

macro_rules! design_cols {
    () => {
        "id, tenant_id, created_by, name, answers, created_at_us, updated_at_us"
    };
}

impl Db<'_> {
    pub async fn insert_outcome_design(
        &mut self,
        tenant_id: i64,
        created_by: &str,
        name: &str,
        answers: &str,
        at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO outcome_contract_designs (tenant_id, created_by, name, answers, created_at_us, \
                   updated_at_us) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(tenant_id).bind(created_by).bind(name).bind(answers).bind(at_us)
            .fetch_one(c).await)?)
    }

    /// The design with `id` in the tenant; `None` for another tenant's.
    pub async fn outcome_design(&mut self, tenant_id: i64, id: i64) -> Result<Option<DesignRow>, StoreError> {
        let sql = concat!("SELECT ", design_cols!(), " FROM outcome_contract_designs WHERE tenant_id = $1 AND id = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(id).fetch_optional(c).await)?)
    }

    /// The tenant's designs, the most recently changed first.
    pub async fn list_outcome_designs(&mut self, tenant_id: i64, limit: i64) -> Result<Vec<DesignRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            design_cols!(),
            " FROM outcome_contract_designs WHERE tenant_id = $1 ORDER BY updated_at_us DESC, id DESC LIMIT $2"
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(limit).fetch_all(c).await)?)
    }

    pub async fn count_outcome_designs(&mut self, tenant_id: i64) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM outcome_contract_designs WHERE tenant_id = $1";
        Ok(on!(self, c => sqlx::query_scalar(sql).bind(tenant_id).fetch_one(c).await)?)
    }

    /// Replaces the answers; false when the design is not the tenant's (or is gone).
    pub async fn update_outcome_design(
        &mut self,
        tenant_id: i64,
        id: i64,
        name: &str,
        answers: &str,
        at_us: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE outcome_contract_designs SET name = $1, answers = $2, updated_at_us = $3 \
                   WHERE tenant_id = $4 AND id = $5";
        let n = on!(self, c => sqlx::query(sql).bind(name).bind(answers).bind(at_us).bind(tenant_id).bind(id)
            .execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn delete_outcome_design(&mut self, tenant_id: i64, id: i64) -> Result<bool, StoreError> {
        let sql = "DELETE FROM outcome_contract_designs WHERE tenant_id = $1 AND id = $2";
        let n = on!(self, c => sqlx::query(sql).bind(tenant_id).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
