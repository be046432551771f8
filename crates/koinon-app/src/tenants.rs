//! Tenants: the municipalities on this koinon.

use koinon_core::authz::{Action, Resource};
use koinon_core::locale::Locale;
use koinon_core::money::Currency;
use koinon_core::tenant::{CountryCode, NAME_MAX_CHARS, TenantCode};
use koinon_core::text;
use koinon_store::records::{NewTenant, TenantCounts, TenantRow};

use crate::{Actor, App, AppError, Errors, Page, audit, page_limit};

/// How long a tenant read from the database is reused. Tenants change rarely (by their admin
/// or the operator); a change made through this process is seen at once, one made through
/// another process within this time.
pub const TENANT_CACHE_S: u64 = 5;

/// Tenants by id, and the public directory, kept for [`TENANT_CACHE_S`] seconds: every page
/// shows its tenant, and the home page the directory.
/// Shared between the App's clones.
type Stamped<T> = std::sync::Arc<std::sync::RwLock<T>>;

#[derive(Debug, Clone, Default)]
pub(crate) struct TenantCache {
    by_id: Stamped<std::collections::HashMap<i64, (std::time::Instant, Tenant)>>,
    directory: Stamped<Option<(std::time::Instant, Page<Tenant>)>>,
    /// Dashboard figures per tenant, reused for [`DASHBOARD_CACHE_MS`].
    counts: Stamped<std::collections::HashMap<i64, (std::time::Instant, TenantCounts)>>,
}

/// How long the dashboard's figures are reused: a busy dashboard costs one query a second.
pub const DASHBOARD_CACHE_MS: u128 = 1_000;

impl TenantCache {
    fn fresh(at: std::time::Instant) -> bool {
        at.elapsed().as_secs() < TENANT_CACHE_S
    }

    fn get(&self, id: i64) -> Option<Tenant> {
        let map = self.by_id.read().ok()?;
        map.get(&id).filter(|(at, _)| Self::fresh(*at)).map(|(_, t)| t.clone())
    }

    fn put(&self, tenant: &Tenant) {
        if let Ok(mut map) = self.by_id.write() {
            map.insert(tenant.id, (std::time::Instant::now(), tenant.clone()));
        }
    }

    fn clear(&self) {
        if let Ok(mut map) = self.by_id.write() {
            map.clear();
        }
        if let Ok(mut dir) = self.directory.write() {
            *dir = None;
        }
    }
}

/// A tenant as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tenant {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub country: String,
    pub default_locale: Locale,
    pub currency: String,
    pub currency_scale: u8,
}

impl Tenant {
    fn from_row(r: TenantRow) -> Self {
        Self {
            id: r.id,
            default_locale: Locale::from_tag(&r.default_locale).unwrap_or(Locale::En),
            code: r.code,
            name: r.name,
            country: r.country,
            currency: r.currency,
            currency_scale: u8::try_from(r.currency_scale).unwrap_or(2),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewTenantInput<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub country: &'a str,
    pub currency: &'a str,
    pub default_locale: &'a str,
}

/// The tenant dashboard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Dashboard {
    pub tenant: Tenant,
    pub counts: TenantCounts,
}

fn parse_locale(raw: &str) -> Result<Locale, koinon_core::FieldError> {
    if raw.trim().is_empty() {
        return Ok(Locale::En);
    }
    Locale::from_tag(raw).ok_or_else(|| {
        koinon_core::FieldError::new(
            "default_locale",
            "invalid_locale",
            format!("Language must be one of: {}", Locale::ALL.map(Locale::code).join(", ")),
        )
    })
}

impl App {
    /// Creates a tenant. Only the operator (CLI) creates tenants.
    pub async fn create_tenant(&self, actor: &Actor, input: &NewTenantInput<'_>) -> Result<Tenant, AppError> {
        if !matches!(actor, Actor::System(_)) {
            return Err(AppError::Forbidden);
        }
        let mut errors = Errors::default();
        let code = errors.take(TenantCode::parse(input.code));
        let name = errors.take(text::required("name", input.name, NAME_MAX_CHARS));
        let country = errors.take(CountryCode::parse(input.country));
        let currency = errors.take(Currency::iso(input.currency));
        let locale = errors.take(parse_locale(input.default_locale));
        errors.finish()?;
        let (Some(code), Some(name), Some(country), Some(currency), Some(locale)) =
            (code, name, country, currency, locale)
        else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        if db.tenant_by_code(code.as_str()).await?.is_some() {
            return Err(AppError::conflict("code", format!("A tenant with code {code} already exists")));
        }
        let id = db
            .insert_tenant(&NewTenant {
                code: code.as_str(),
                name: &name,
                country: country.as_str(),
                default_locale: locale.code(),
                currency: currency.code(),
                currency_scale: i64::from(currency.scale()),
                created_at_us: App::now_us(),
            })
            .await?;
        audit::append(
            &mut db,
            actor,
            Some(id),
            "tenant.create",
            &format!("tenant:{id}"),
            serde_json::json!({"after": {"code": code.as_str(), "name": name, "country": country.as_str(), "currency": currency.code()}}),
        )
        .await?;
        let row = db.tenant_by_id(id).await?.ok_or_else(|| AppError::Internal("tenant vanished".into()))?;
        tx.commit().await?;
        self.tenant_cache.clear();
        Ok(Tenant::from_row(row))
    }

    /// The public directory of tenants (code, name, country), in code order.
    pub async fn list_tenants(&self, cursor: Option<&str>, limit: Option<i64>) -> Result<Page<Tenant>, AppError> {
        // The home page's directory (first page of 100) is served from the cache.
        let cacheable = cursor.is_none() && limit == Some(100);
        if cacheable
            && let Ok(dir) = self.tenant_cache.directory.read()
            && let Some((at, page)) = dir.as_ref()
            && TenantCache::fresh(*at)
        {
            return Ok(page.clone());
        }
        let page = self.list_tenants_uncached(cursor, limit).await?;
        if cacheable && let Ok(mut dir) = self.tenant_cache.directory.write() {
            *dir = Some((std::time::Instant::now(), page.clone()));
        }
        Ok(page)
    }

    async fn list_tenants_uncached(&self, cursor: Option<&str>, limit: Option<i64>) -> Result<Page<Tenant>, AppError> {
        let limit = page_limit(limit);
        let after = cursor.unwrap_or("");
        let mut conn = self.store().conn().await?;
        let rows = conn.db().list_tenants(after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<Tenant> = rows.into_iter().take(limit as usize).map(Tenant::from_row).collect();
        let next_cursor = if more { items.last().map(|t| t.code.clone()) } else { None };
        Ok(Page { items, next_cursor })
    }

    pub async fn tenant_by_code(&self, code: &str) -> Result<Tenant, AppError> {
        let mut conn = self.store().conn().await?;
        conn.db()
            .tenant_by_code(&code.to_ascii_lowercase())
            .await?
            .map(Tenant::from_row)
            .ok_or_else(|| AppError::NotFound(format!("tenant {code}")))
    }

    pub async fn tenant_by_id(&self, id: i64) -> Result<Tenant, AppError> {
        if let Some(t) = self.tenant_cache.get(id) {
            return Ok(t);
        }
        let mut conn = self.store().conn().await?;
        let tenant = conn
            .db()
            .tenant_by_id(id)
            .await?
            .map(Tenant::from_row)
            .ok_or_else(|| AppError::NotFound(format!("tenant {id}")))?;
        self.tenant_cache.put(&tenant);
        Ok(tenant)
    }

    /// The dashboard of the actor's tenant.
    pub async fn dashboard(&self, actor: &Actor, tenant_id: i64) -> Result<Dashboard, AppError> {
        actor.require(Action::ViewTenant, &Resource::tenant(tenant_id))?;
        let tenant = self.tenant_by_id(tenant_id).await?;
        let cached = self.tenant_cache.counts.read().ok().and_then(|m| {
            m.get(&tenant_id).filter(|(at, _)| at.elapsed().as_millis() < DASHBOARD_CACHE_MS).map(|(_, c)| *c)
        });
        let counts = match cached {
            Some(c) => c,
            None => {
                let mut conn = self.store().conn().await?;
                let c = conn.db().tenant_counts(tenant_id).await?;
                if let Ok(mut m) = self.tenant_cache.counts.write() {
                    m.insert(tenant_id, (std::time::Instant::now(), c));
                }
                c
            }
        };
        Ok(Dashboard { tenant, counts })
    }

    /// Changes a tenant's name and default language. Admins of the tenant.
    pub async fn update_tenant(
        &self,
        actor: &Actor,
        tenant_id: i64,
        name: &str,
        default_locale: &str,
    ) -> Result<Tenant, AppError> {
        actor.require(Action::UpdateTenant, &Resource::tenant(tenant_id))?;
        let mut errors = Errors::default();
        let name = errors.take(text::required("name", name, NAME_MAX_CHARS));
        let locale = errors.take(parse_locale(default_locale));
        errors.finish()?;
        let (Some(name), Some(locale)) = (name, locale) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let before = db.tenant_by_id(tenant_id).await?.ok_or_else(|| AppError::NotFound("tenant".into()))?;
        db.update_tenant(tenant_id, &name, locale.code()).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "tenant.update",
            &format!("tenant:{tenant_id}"),
            serde_json::json!({
                "before": {"name": before.name, "default_locale": before.default_locale},
                "after": {"name": name, "default_locale": locale.code()},
            }),
        )
        .await?;
        let row = db.tenant_by_id(tenant_id).await?.ok_or_else(|| AppError::NotFound("tenant".into()))?;
        tx.commit().await?;
        self.tenant_cache.clear();
        Ok(Tenant::from_row(row))
    }
}
