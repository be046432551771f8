//! The INDIGO knowledge bank (world public data, not per tenant): projects with the columns
//! lists filter and sum on and the whole parsed project as JSON, their countries, and the
//! organisations projects refer to.

use crate::{Db, StoreError, on};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IndigoProjectRow {
    pub id: String,
    pub name: String,
    pub stage: Option<String>,
    pub policy_sector: Option<String>,
    /// Start of service provision (else the outcomes contract's signature), as INDIGO knows it.
    pub start_on: Option<String>,
    pub start_year: Option<i64>,
    pub investment_currency: Option<String>,
    /// Exact decimal string.
    pub investment_exact: Option<String>,
    pub max_outcome_payment_currency: Option<String>,
    pub max_outcome_payment: Option<String>,
    pub target_service_users: Option<i64>,
    /// Lower-case id, name and alternative names, for text search.
    pub search_text: String,
    /// The parsed project as JSON.
    pub detail: String,
    pub imported_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IndigoOrganisationRow {
    pub id: String,
    pub name: String,
    pub org_type: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
}

/// Filters of the project list; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndigoFilter {
    pub policy_sector: Option<String>,
    pub country: Option<String>,
    pub stage: Option<String>,
    pub from_year: Option<i64>,
    pub to_year: Option<i64>,
    /// Matched case-insensitively anywhere in the id, name and alternative names.
    pub text: Option<String>,
}

macro_rules! project_cols {
    () => {
        "id, name, stage, policy_sector, start_on, start_year, investment_currency, investment_exact, \
         max_outcome_payment_currency, max_outcome_payment, target_service_users, search_text, detail, imported_at_us"
    };
}

/// `%text%` for LIKE with `\` escaping `%`, `_` and itself.
fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

impl Db<'_> {
    /// Every project's id and JSON, for a re-import to compare against.
    pub async fn indigo_project_details(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let sql = "SELECT id, detail FROM indigo_projects ORDER BY id";
        Ok(on!(self, c => sqlx::query_as(sql).fetch_all(c).await)?)
    }

    /// Inserts the project or replaces every column of the one with its id.
    pub async fn upsert_indigo_project(&mut self, p: &IndigoProjectRow) -> Result<(), StoreError> {
        let sql = concat!(
            "INSERT INTO indigo_projects (",
            project_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, stage = excluded.stage, \
             policy_sector = excluded.policy_sector, start_on = excluded.start_on, start_year = excluded.start_year, \
             investment_currency = excluded.investment_currency, investment_exact = excluded.investment_exact, \
             max_outcome_payment_currency = excluded.max_outcome_payment_currency, \
             max_outcome_payment = excluded.max_outcome_payment, target_service_users = excluded.target_service_users, \
             search_text = excluded.search_text, detail = excluded.detail, imported_at_us = excluded.imported_at_us"
        );
        on!(self, c => sqlx::query(sql)
            .bind(&p.id).bind(&p.name).bind(&p.stage).bind(&p.policy_sector).bind(&p.start_on).bind(p.start_year)
            .bind(&p.investment_currency).bind(&p.investment_exact).bind(&p.max_outcome_payment_currency)
            .bind(&p.max_outcome_payment).bind(p.target_service_users).bind(&p.search_text).bind(&p.detail)
            .bind(p.imported_at_us)
            .execute(c).await.map(|_| ()))?;
        Ok(())
    }

    /// Replaces the project's countries.
    pub async fn set_indigo_project_countries(&mut self, id: &str, countries: &[String]) -> Result<(), StoreError> {
        on!(self, c => sqlx::query("DELETE FROM indigo_project_countries WHERE project_id = $1").bind(id).execute(c).await.map(|_| ()))?;
        for country in countries {
            let sql = "INSERT INTO indigo_project_countries (project_id, country) VALUES ($1, $2)";
            on!(self, c => sqlx::query(sql).bind(id).bind(country).execute(c).await.map(|_| ()))?;
        }
        Ok(())
    }

    pub async fn delete_indigo_project(&mut self, id: &str) -> Result<(), StoreError> {
        on!(self, c => sqlx::query("DELETE FROM indigo_project_countries WHERE project_id = $1").bind(id).execute(c).await.map(|_| ()))?;
        on!(self, c => sqlx::query("DELETE FROM indigo_projects WHERE id = $1").bind(id).execute(c).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn indigo_project(&mut self, id: &str) -> Result<Option<IndigoProjectRow>, StoreError> {
        let sql = concat!("SELECT ", project_cols!(), " FROM indigo_projects WHERE id = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    pub async fn indigo_project_count(&mut self) -> Result<i64, StoreError> {
        Ok(on!(self, c => sqlx::query_scalar("SELECT COUNT(*) FROM indigo_projects").fetch_one(c).await)?)
    }

    /// Projects matching `filter` with ids after `after_id`, in id order.
    pub async fn list_indigo_projects(
        &mut self,
        filter: &IndigoFilter,
        after_id: &str,
        limit: i64,
    ) -> Result<Vec<IndigoProjectRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            project_cols!(),
            " FROM indigo_projects p WHERE p.id > $1 \
             AND ($2 IS NULL OR p.policy_sector = $2) \
             AND ($3 IS NULL OR p.stage = $3) \
             AND ($4 IS NULL OR EXISTS (SELECT 1 FROM indigo_project_countries pc WHERE pc.project_id = p.id AND pc.country = $4)) \
             AND ($5 IS NULL OR p.start_year >= $5) \
             AND ($6 IS NULL OR p.start_year <= $6) \
             AND ($7 IS NULL OR p.search_text LIKE $7 ESCAPE '\\') \
             ORDER BY p.id LIMIT $8"
        );
        let text = filter.text.as_deref().map(like_pattern);
        Ok(on!(self, c => sqlx::query_as(sql)
            .bind(after_id).bind(&filter.policy_sector).bind(&filter.stage).bind(&filter.country)
            .bind(filter.from_year).bind(filter.to_year).bind(&text).bind(limit)
            .fetch_all(c).await)?)
    }

    /// Every project (for summaries and comparisons: a few hundred rows).
    pub async fn all_indigo_projects(&mut self) -> Result<Vec<IndigoProjectRow>, StoreError> {
        let sql = concat!("SELECT ", project_cols!(), " FROM indigo_projects ORDER BY id");
        Ok(on!(self, c => sqlx::query_as(sql).fetch_all(c).await)?)
    }

    /// Every (project, country) pair.
    pub async fn indigo_project_countries(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let sql = "SELECT project_id, country FROM indigo_project_countries ORDER BY project_id, country";
        Ok(on!(self, c => sqlx::query_as(sql).fetch_all(c).await)?)
    }

    /// The distinct values of the list filters: sectors, stages, countries.
    pub async fn indigo_facets(&mut self) -> Result<(Vec<String>, Vec<String>, Vec<String>), StoreError> {
        let sectors = on!(self, c => sqlx::query_scalar("SELECT DISTINCT policy_sector FROM indigo_projects WHERE policy_sector IS NOT NULL ORDER BY policy_sector").fetch_all(c).await)?;
        let stages = on!(self, c => sqlx::query_scalar("SELECT DISTINCT stage FROM indigo_projects WHERE stage IS NOT NULL ORDER BY stage").fetch_all(c).await)?;
        let countries = on!(self, c => sqlx::query_scalar("SELECT DISTINCT country FROM indigo_project_countries ORDER BY country").fetch_all(c).await)?;
        Ok((sectors, stages, countries))
    }

    pub async fn all_indigo_organisations(&mut self) -> Result<Vec<IndigoOrganisationRow>, StoreError> {
        let sql = "SELECT id, name, org_type, country, website FROM indigo_organisations ORDER BY id";
        Ok(on!(self, c => sqlx::query_as(sql).fetch_all(c).await)?)
    }

    pub async fn indigo_organisations_by_id(
        &mut self,
        ids: &[String],
    ) -> Result<Vec<IndigoOrganisationRow>, StoreError> {
        let mut out = Vec::new();
        for id in ids {
            let sql = "SELECT id, name, org_type, country, website FROM indigo_organisations WHERE id = $1";
            let row: Option<IndigoOrganisationRow> =
                on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?;
            out.extend(row);
        }
        Ok(out)
    }

    pub async fn upsert_indigo_organisation(&mut self, o: &IndigoOrganisationRow) -> Result<(), StoreError> {
        let sql = "INSERT INTO indigo_organisations (id, name, org_type, country, website) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (id) DO UPDATE SET name = excluded.name, org_type = excluded.org_type, \
                   country = excluded.country, website = excluded.website";
        on!(self, c => sqlx::query(sql).bind(&o.id).bind(&o.name).bind(&o.org_type).bind(&o.country).bind(&o.website)
            .execute(c).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn delete_indigo_organisation(&mut self, id: &str) -> Result<(), StoreError> {
        on!(self, c => sqlx::query("DELETE FROM indigo_organisations WHERE id = $1").bind(id).execute(c).await.map(|_| ()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("Youth_50%"), "%youth\\_50\\%%");
    }
}
