//! Rows and the queries that read and write them, on either backend.

use koinon_core::audit::StoredAuditEntry;

use crate::{Db, StoreError, on};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct TenantRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub country: String,
    pub default_locale: String,
    pub currency: String,
    pub currency_scale: i64,
    pub created_at_us: i64,
}

#[derive(Debug, Clone)]
pub struct NewTenant<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub country: &'a str,
    pub default_locale: &'a str,
    pub currency: &'a str,
    pub currency_scale: i64,
    pub created_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct OrganisationRow {
    pub id: i64,
    pub tenant_id: i64,
    pub kind: String,
    pub name: String,
    pub email: Option<String>,
    pub created_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub tenant_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: Option<i64>,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at_us: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub tenant_id: i64,
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub organisation_id: Option<i64>,
    pub password_hash: &'a str,
    pub created_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    pub created_at_us: i64,
    pub revoked_at_us: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct NetworkRow {
    pub id: i64,
    pub tenant_id: i64,
    pub name: String,
    pub programme: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub created_at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct PartnerRow {
    pub id: i64,
    pub network_id: i64,
    pub name: String,
    pub country: String,
    pub partner_tenant_id: Option<i64>,
    pub is_lead: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at_us: i64,
    pub tenant_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRow> for StoredAuditEntry {
    fn from(r: AuditRow) -> Self {
        StoredAuditEntry {
            seq: r.seq,
            at_us: r.at_us,
            tenant_id: r.tenant_id,
            actor: r.actor,
            action: r.action,
            object: r.object,
            summary: r.summary,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Counts shown on a tenant's dashboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TenantCounts {
    pub users: i64,
    pub organisations: i64,
    pub networks: i64,
    /// When the tenant's last audited change happened (microseconds), if any.
    pub last_change_at_us: Option<i64>,
}

macro_rules! tenant_cols {
    () => {
        "id, code, name, country, default_locale, currency, currency_scale, created_at_us"
    };
}
macro_rules! org_cols {
    () => {
        "id, tenant_id, kind, name, email, created_at_us"
    };
}
macro_rules! user_cols {
    () => {
        "id, tenant_id, email, display_name, role, organisation_id, password_hash, disabled, created_at_us"
    };
}
macro_rules! network_cols {
    () => {
        "id, tenant_id, name, programme, starts_on, ends_on, created_at_us"
    };
}
macro_rules! partner_cols {
    () => {
        "id, network_id, name, country, partner_tenant_id, is_lead"
    };
}
/// Audit rows per insert statement (9 parameters each: under SQLite's 32,766).
const AUDIT_CHUNK_ROWS: usize = 1_000;

macro_rules! audit_cols {
    () => {
        "seq, at_us, tenant_id, actor, action, object, summary, prev_hash, hash"
    };
}

impl Db<'_> {
    // ---- tenants ----

    pub async fn insert_tenant(&mut self, t: &NewTenant<'_>) -> Result<i64, StoreError> {
        let sql = "INSERT INTO tenants (code, name, country, default_locale, currency, currency_scale, created_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        let id: i64 = on!(self, c => sqlx::query_scalar(sql)
            .bind(t.code).bind(t.name).bind(t.country).bind(t.default_locale)
            .bind(t.currency).bind(t.currency_scale).bind(t.created_at_us)
            .fetch_one(c).await)?;
        Ok(id)
    }

    pub async fn tenant_by_code(&mut self, code: &str) -> Result<Option<TenantRow>, StoreError> {
        let sql = concat!("SELECT ", tenant_cols!(), " FROM tenants WHERE code = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(code).fetch_optional(c).await)?)
    }

    pub async fn tenant_by_id(&mut self, id: i64) -> Result<Option<TenantRow>, StoreError> {
        let sql = concat!("SELECT ", tenant_cols!(), " FROM tenants WHERE id = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    /// Tenants in code order after `after_code`, at most `limit`.
    pub async fn list_tenants(&mut self, after_code: &str, limit: i64) -> Result<Vec<TenantRow>, StoreError> {
        let sql = concat!("SELECT ", tenant_cols!(), " FROM tenants WHERE code > $1 ORDER BY code LIMIT $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(after_code).bind(limit).fetch_all(c).await)?)
    }

    pub async fn update_tenant(&mut self, id: i64, name: &str, default_locale: &str) -> Result<(), StoreError> {
        let sql = "UPDATE tenants SET name = $1, default_locale = $2 WHERE id = $3";
        let done = on!(self, c => sqlx::query(sql).bind(name).bind(default_locale).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound(format!("tenant {id}")));
        }
        Ok(())
    }

    pub async fn tenant_counts(&mut self, tenant_id: i64) -> Result<TenantCounts, StoreError> {
        let sql = "SELECT \
            (SELECT COUNT(*) FROM users WHERE tenant_id = $1), \
            (SELECT COUNT(*) FROM organisations WHERE tenant_id = $1), \
            (SELECT COUNT(*) FROM networks WHERE tenant_id = $1), \
            (SELECT at_us FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1)";
        let (users, organisations, networks, last_change_at_us): (i64, i64, i64, Option<i64>) =
            on!(self, c => sqlx::query_as(sql).bind(tenant_id).fetch_one(c).await)?;
        Ok(TenantCounts { users, organisations, networks, last_change_at_us })
    }

    // ---- organisations ----

    pub async fn insert_organisation(
        &mut self,
        tenant_id: i64,
        kind: &str,
        name: &str,
        email: Option<&str>,
        created_at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO organisations (tenant_id, kind, name, email, created_at_us) \
                   VALUES ($1, $2, $3, $4, $5) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(tenant_id).bind(kind).bind(name).bind(email).bind(created_at_us)
            .fetch_one(c).await)?)
    }

    pub async fn organisation(&mut self, id: i64) -> Result<Option<OrganisationRow>, StoreError> {
        let sql = concat!("SELECT ", org_cols!(), " FROM organisations WHERE id = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    pub async fn organisation_by_name(
        &mut self,
        tenant_id: i64,
        name: &str,
    ) -> Result<Option<OrganisationRow>, StoreError> {
        let sql = concat!("SELECT ", org_cols!(), " FROM organisations WHERE tenant_id = $1 AND name = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(name).fetch_optional(c).await)?)
    }

    /// A tenant's organisations in id order after `after_id`; `only_id` narrows to one.
    pub async fn list_organisations(
        &mut self,
        tenant_id: i64,
        only_id: Option<i64>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<OrganisationRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            org_cols!(),
            " FROM organisations WHERE tenant_id = $1 AND id > $2 \
             AND ($3 IS NULL OR id = $3) ORDER BY id LIMIT $4"
        );
        Ok(on!(self, c => sqlx::query_as(sql)
            .bind(tenant_id).bind(after_id).bind(only_id).bind(limit)
            .fetch_all(c).await)?)
    }

    // ---- users ----

    pub async fn insert_user(&mut self, u: &NewUser<'_>) -> Result<i64, StoreError> {
        let sql = "INSERT INTO users (tenant_id, email, display_name, role, organisation_id, password_hash, disabled, created_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(u.tenant_id).bind(u.email).bind(u.display_name).bind(u.role)
            .bind(u.organisation_id).bind(u.password_hash).bind(u.created_at_us)
            .fetch_one(c).await)?)
    }

    pub async fn user(&mut self, id: i64) -> Result<Option<UserRow>, StoreError> {
        let sql = concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    pub async fn user_by_email(&mut self, email: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = concat!("SELECT ", user_cols!(), " FROM users WHERE email = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(email).fetch_optional(c).await)?)
    }

    pub async fn list_users(&mut self, tenant_id: i64, after_id: i64, limit: i64) -> Result<Vec<UserRow>, StoreError> {
        let sql = concat!("SELECT ", user_cols!(), " FROM users WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(after_id).bind(limit).fetch_all(c).await)?)
    }

    pub async fn update_user_role(
        &mut self,
        id: i64,
        role: &str,
        organisation_id: Option<i64>,
        disabled: bool,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE users SET role = $1, organisation_id = $2, disabled = $3 WHERE id = $4";
        let done = on!(self, c => sqlx::query(sql).bind(role).bind(organisation_id).bind(disabled).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound(format!("user {id}")));
        }
        Ok(())
    }

    pub async fn update_password_hash(&mut self, id: i64, password_hash: &str) -> Result<(), StoreError> {
        let sql = "UPDATE users SET password_hash = $1 WHERE id = $2";
        on!(self, c => sqlx::query(sql).bind(password_hash).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    // ---- sessions ----

    pub async fn insert_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        created_at_us: i64,
        expires_at_us: i64,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO sessions (token_hash, user_id, created_at_us, expires_at_us) VALUES ($1, $2, $3, $4)";
        on!(self, c => sqlx::query(sql).bind(token_hash).bind(user_id).bind(created_at_us).bind(expires_at_us).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The user of a live session (not expired, user not disabled).
    pub async fn session_user(&mut self, token_hash: &str, now_us: i64) -> Result<Option<UserRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            user_cols!(),
            " FROM users WHERE id = (SELECT user_id FROM sessions ",
            "WHERE token_hash = $1 AND expires_at_us > $2) AND NOT disabled"
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(token_hash).bind(now_us).fetch_optional(c).await)?)
    }

    pub async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        on!(self, c => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Ends every session of a user except `keep` (after a password change).
    pub async fn delete_user_sessions(&mut self, user_id: i64, keep: &str) -> Result<u64, StoreError> {
        let sql = "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2";
        let done =
            on!(self, c => sqlx::query(sql).bind(user_id).bind(keep).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }

    pub async fn delete_expired_sessions(&mut self, now_us: i64) -> Result<u64, StoreError> {
        let sql = "DELETE FROM sessions WHERE expires_at_us <= $1";
        let done = on!(self, c => sqlx::query(sql).bind(now_us).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }

    // ---- login throttling ----

    pub async fn record_login_failure(&mut self, email: &str, at_us: i64) -> Result<(), StoreError> {
        let sql = "INSERT INTO login_failures (email, at_us) VALUES ($1, $2)";
        on!(self, c => sqlx::query(sql).bind(email).bind(at_us).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn login_failures_since(&mut self, email: &str, since_us: i64) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at_us >= $2";
        Ok(on!(self, c => sqlx::query_scalar(sql).bind(email).bind(since_us).fetch_one(c).await)?)
    }

    pub async fn clear_login_failures(&mut self, email: &str) -> Result<(), StoreError> {
        on!(self, c => sqlx::query("DELETE FROM login_failures WHERE email = $1").bind(email).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    // ---- API tokens ----

    pub async fn insert_api_token(
        &mut self,
        user_id: i64,
        token_hash: &str,
        label: &str,
        created_at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql =
            "INSERT INTO api_tokens (user_id, token_hash, label, created_at_us) VALUES ($1, $2, $3, $4) RETURNING id";
        Ok(
            on!(self, c => sqlx::query_scalar(sql).bind(user_id).bind(token_hash).bind(label).bind(created_at_us).fetch_one(c).await)?,
        )
    }

    /// The user of a live (unrevoked) token whose user is not disabled.
    pub async fn token_user(&mut self, token_hash: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            user_cols!(),
            " FROM users WHERE id = (SELECT user_id FROM api_tokens ",
            "WHERE token_hash = $1 AND revoked_at_us IS NULL) AND NOT disabled"
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(token_hash).fetch_optional(c).await)?)
    }

    pub async fn api_token(&mut self, id: i64) -> Result<Option<ApiTokenRow>, StoreError> {
        let sql = "SELECT id, user_id, label, created_at_us, revoked_at_us FROM api_tokens WHERE id = $1";
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    pub async fn revoke_api_token(&mut self, id: i64, at_us: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE api_tokens SET revoked_at_us = $1 WHERE id = $2 AND revoked_at_us IS NULL";
        let done = on!(self, c => sqlx::query(sql).bind(at_us).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    // ---- networks ----

    pub async fn insert_network(
        &mut self,
        tenant_id: i64,
        name: &str,
        programme: &str,
        starts_on: Option<&str>,
        ends_on: Option<&str>,
        created_at_us: i64,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO networks (tenant_id, name, programme, starts_on, ends_on, created_at_us) \
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(tenant_id).bind(name).bind(programme).bind(starts_on).bind(ends_on).bind(created_at_us)
            .fetch_one(c).await)?)
    }

    pub async fn network(&mut self, id: i64) -> Result<Option<NetworkRow>, StoreError> {
        let sql = concat!("SELECT ", network_cols!(), " FROM networks WHERE id = $1");
        Ok(on!(self, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
    }

    pub async fn network_by_name(&mut self, tenant_id: i64, name: &str) -> Result<Option<NetworkRow>, StoreError> {
        let sql = concat!("SELECT ", network_cols!(), " FROM networks WHERE tenant_id = $1 AND name = $2");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(name).fetch_optional(c).await)?)
    }

    pub async fn list_networks(
        &mut self,
        tenant_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<NetworkRow>, StoreError> {
        let sql =
            concat!("SELECT ", network_cols!(), " FROM networks WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3");
        Ok(on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(after_id).bind(limit).fetch_all(c).await)?)
    }

    pub async fn insert_partner(
        &mut self,
        network_id: i64,
        name: &str,
        country: &str,
        partner_tenant_id: Option<i64>,
        is_lead: bool,
    ) -> Result<i64, StoreError> {
        let sql = "INSERT INTO network_partners (network_id, name, country, partner_tenant_id, is_lead) \
                   VALUES ($1, $2, $3, $4, $5) RETURNING id";
        Ok(on!(self, c => sqlx::query_scalar(sql)
            .bind(network_id).bind(name).bind(country).bind(partner_tenant_id).bind(is_lead)
            .fetch_one(c).await)?)
    }

    pub async fn list_partners(&mut self, network_id: i64) -> Result<Vec<PartnerRow>, StoreError> {
        let sql = concat!(
            "SELECT ",
            partner_cols!(),
            " FROM network_partners WHERE network_id = $1 ORDER BY is_lead DESC, name"
        );
        Ok(on!(self, c => sqlx::query_as(sql).bind(network_id).fetch_all(c).await)?)
    }

    // ---- audit ----

    /// Takes the next sequence number and the previous hash, locking the head row until the
    /// transaction ends so that concurrent appenders queue behind each other.
    pub async fn audit_claim_next(&mut self) -> Result<(i64, String), StoreError> {
        let sql = "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash";
        Ok(on!(self, c => sqlx::query_as(sql).fetch_one(c).await)?)
    }

    pub async fn audit_insert(&mut self, e: &StoredAuditEntry) -> Result<(), StoreError> {
        let sql = concat!("INSERT INTO audit_log (", audit_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        on!(self, c => sqlx::query(sql)
            .bind(e.seq).bind(e.at_us).bind(e.tenant_id).bind(&e.actor).bind(&e.action)
            .bind(&e.object).bind(&e.summary).bind(&e.prev_hash).bind(&e.hash)
            .execute(c).await.map(|r| r.rows_affected()))?;
        let head = "UPDATE audit_head SET hash = $1 WHERE id = 1 AND seq = $2";
        let done =
            on!(self, c => sqlx::query(head).bind(&e.hash).bind(e.seq).execute(c).await.map(|r| r.rows_affected()))?;
        if done != 1 {
            return Err(StoreError::Constraint(format!("audit head moved while appending entry {}", e.seq)));
        }
        Ok(())
    }

    /// Takes the next `n` sequence numbers (answers the last) and the previous hash, locking
    /// the head row until the transaction ends.
    pub async fn audit_claim(&mut self, n: i64) -> Result<(i64, String), StoreError> {
        let sql = "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash";
        Ok(on!(self, c => sqlx::query_as(sql).bind(n).fetch_one(c).await)?)
    }

    /// Inserts claimed entries (consecutive, chained) and moves the head's hash to the last.
    pub async fn audit_insert_all(&mut self, entries: &[StoredAuditEntry]) -> Result<(), StoreError> {
        let Some(last) = entries.last() else { return Ok(()) };
        for chunk in entries.chunks(AUDIT_CHUNK_ROWS) {
            on!(self, c => {
                let mut qb = sqlx::QueryBuilder::new(concat!("INSERT INTO audit_log (", audit_cols!(), ") "));
                qb.push_values(chunk, |mut b, e| {
                    b.push_bind(e.seq)
                        .push_bind(e.at_us)
                        .push_bind(e.tenant_id)
                        .push_bind(&e.actor)
                        .push_bind(&e.action)
                        .push_bind(&e.object)
                        .push_bind(&e.summary)
                        .push_bind(&e.prev_hash)
                        .push_bind(&e.hash);
                });
                qb.build().execute(&mut *c).await.map(|_| ())
            })?;
        }
        let head = "UPDATE audit_head SET hash = $1 WHERE id = 1 AND seq = $2";
        let done = on!(self, c => sqlx::query(head).bind(&last.hash).bind(last.seq).execute(c).await.map(|r| r.rows_affected()))?;
        if done != 1 {
            return Err(StoreError::Constraint(format!("audit head moved while appending entry {}", last.seq)));
        }
        Ok(())
    }

    /// The head of the chain: the last sequence number and hash.
    pub async fn audit_head(&mut self) -> Result<(i64, String), StoreError> {
        Ok(on!(self, c => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(c).await)?)
    }

    /// Entries in sequence order after `after_seq`, at most `limit` (for `audit verify`).
    pub async fn audit_range(&mut self, after_seq: i64, limit: i64) -> Result<Vec<StoredAuditEntry>, StoreError> {
        let sql = concat!("SELECT ", audit_cols!(), " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows: Vec<AuditRow> = on!(self, c => sqlx::query_as(sql).bind(after_seq).bind(limit).fetch_all(c).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// A tenant's entries, newest first, before `before_seq`.
    pub async fn audit_page(
        &mut self,
        tenant_id: i64,
        before_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredAuditEntry>, StoreError> {
        let sql = concat!(
            "SELECT ",
            audit_cols!(),
            " FROM audit_log WHERE tenant_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
        );
        let rows: Vec<AuditRow> =
            on!(self, c => sqlx::query_as(sql).bind(tenant_id).bind(before_seq).bind(limit).fetch_all(c).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
