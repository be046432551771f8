//! Networks of municipalities and their EU-funded projects: partners and a lead partner.

use koinon_core::authz::{Action, Resource};
use koinon_core::tenant::{CountryCode, NAME_MAX_CHARS, TenantCode};
use koinon_core::text;
use koinon_store::records::{NetworkRow, PartnerRow};

use crate::{Actor, App, AppError, Errors, Page, audit, page_limit, parse_cursor};

pub const PROGRAMME_MAX_CHARS: usize = 100;
/// Partners one network may have.
pub const PARTNERS_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Network {
    pub id: i64,
    pub name: String,
    pub programme: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

impl From<NetworkRow> for Network {
    fn from(r: NetworkRow) -> Self {
        Self { id: r.id, name: r.name, programme: r.programme, starts_on: r.starts_on, ends_on: r.ends_on }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Partner {
    pub id: i64,
    pub name: String,
    pub country: String,
    /// The partner's code when it is a tenant on this koinon.
    pub tenant_code: Option<String>,
    pub is_lead: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NetworkDetail {
    pub network: Network,
    pub partners: Vec<Partner>,
}

/// Checks a `YYYY-MM-DD` date (a real calendar date).
pub fn parse_date(field: &str, raw: &str) -> Result<Option<String>, koinon_core::FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let bad =
        || koinon_core::FieldError::new(field, "invalid_date", format!("{field} must be a real date like 2019-10-07"));
    let parts: Vec<&str> = raw.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (y, m, d): (i32, u32, u32) =
        (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d == 0 || d > days {
        return Err(bad());
    }
    Ok(Some(raw.to_string()))
}

impl App {
    pub async fn create_network(
        &self,
        actor: &Actor,
        tenant_id: i64,
        name: &str,
        programme: &str,
        starts_on: &str,
        ends_on: &str,
    ) -> Result<Network, AppError> {
        actor.require(Action::ManageNetworks, &Resource::tenant(tenant_id))?;
        let mut errors = Errors::default();
        let name = errors.take(text::required("name", name, NAME_MAX_CHARS));
        let programme = errors.take(text::required("programme", programme, PROGRAMME_MAX_CHARS));
        let starts = errors.take(parse_date("starts_on", starts_on));
        let ends = errors.take(parse_date("ends_on", ends_on));
        if let (Some(Some(s)), Some(Some(e))) = (&starts, &ends)
            && e < s
        {
            errors.push(koinon_core::FieldError::new(
                "ends_on",
                "ends_before_start",
                "End date must be on or after the start date",
            ));
        }
        errors.finish()?;
        let (Some(name), Some(programme), Some(starts), Some(ends)) = (name, programme, starts, ends) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        if db.network_by_name(tenant_id, &name).await?.is_some() {
            return Err(AppError::conflict("name", "A network with this name already exists"));
        }
        let id =
            db.insert_network(tenant_id, &name, &programme, starts.as_deref(), ends.as_deref(), App::now_us()).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "network.create",
            &format!("network:{id}"),
            serde_json::json!({"after": {"name": name, "programme": programme, "starts_on": starts, "ends_on": ends}}),
        )
        .await?;
        tx.commit().await?;
        Ok(Network { id, name, programme, starts_on: starts, ends_on: ends })
    }

    pub async fn list_networks(
        &self,
        actor: &Actor,
        tenant_id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<Network>, AppError> {
        actor.require(Action::ViewNetworks, &Resource::tenant(tenant_id))?;
        let after = parse_cursor(cursor)?.unwrap_or(0);
        let limit = page_limit(limit);
        let mut conn = self.store().conn().await?;
        let rows = conn.db().list_networks(tenant_id, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<Network> = rows.into_iter().take(limit as usize).map(Network::from).collect();
        let next_cursor = if more { items.last().map(|n| n.id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    pub async fn network(&self, actor: &Actor, tenant_id: i64, id: i64) -> Result<NetworkDetail, AppError> {
        actor.require(Action::ViewNetworks, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let network = match db.network(id).await? {
            Some(n) if n.tenant_id == tenant_id => n,
            _ => return Err(AppError::NotFound(format!("network {id}"))),
        };
        let rows = db.list_partners(id).await?;
        let mut partners = Vec::with_capacity(rows.len());
        for p in rows {
            partners.push(self.partner_view(&mut db, p).await?);
        }
        Ok(NetworkDetail { network: network.into(), partners })
    }

    async fn partner_view(&self, db: &mut koinon_store::Db<'_>, p: PartnerRow) -> Result<Partner, AppError> {
        let tenant_code = match p.partner_tenant_id {
            Some(t) => db.tenant_by_id(t).await?.map(|t| t.code),
            None => None,
        };
        Ok(Partner { id: p.id, name: p.name, country: p.country, tenant_code, is_lead: p.is_lead })
    }

    /// Adds a partner to a network; `tenant_code` links it to a municipality on this koinon.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_partner(
        &self,
        actor: &Actor,
        tenant_id: i64,
        network_id: i64,
        name: &str,
        country: &str,
        tenant_code: &str,
        is_lead: bool,
    ) -> Result<Partner, AppError> {
        actor.require(Action::ManageNetworks, &Resource::tenant(tenant_id))?;
        // Another tenant's network is "not found" before anything about the input is said.
        let mut conn = self.store().conn().await?;
        match conn.db().network(network_id).await? {
            Some(n) if n.tenant_id == tenant_id => {}
            _ => return Err(AppError::NotFound(format!("network {network_id}"))),
        }
        drop(conn);
        let mut errors = Errors::default();
        let name = errors.take(text::required("name", name, NAME_MAX_CHARS));
        let country = errors.take(CountryCode::parse(country));
        let code = if tenant_code.trim().is_empty() {
            Some(None)
        } else {
            errors.take(TenantCode::parse(tenant_code).map(Some))
        };
        errors.finish()?;
        let (Some(name), Some(country), Some(code)) = (name, country, code) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        match db.network(network_id).await? {
            Some(n) if n.tenant_id == tenant_id => {}
            _ => return Err(AppError::NotFound(format!("network {network_id}"))),
        }
        let partners = db.list_partners(network_id).await?;
        if partners.len() >= PARTNERS_MAX {
            return Err(AppError::invalid(
                "name",
                "too_many_partners",
                format!("A network can have at most {PARTNERS_MAX} partners"),
            ));
        }
        if partners.iter().any(|p| p.name == name) {
            return Err(AppError::conflict("name", "This network already has a partner with this name"));
        }
        if is_lead && partners.iter().any(|p| p.is_lead) {
            return Err(AppError::conflict("is_lead", "This network already has a lead partner"));
        }
        let partner_tenant_id = match &code {
            Some(code) => Some(
                db.tenant_by_code(code.as_str())
                    .await?
                    .ok_or_else(|| {
                        AppError::invalid("tenant_code", "unknown_tenant", format!("No municipality with code {code}"))
                    })?
                    .id,
            ),
            None => None,
        };
        let id = db.insert_partner(network_id, &name, country.as_str(), partner_tenant_id, is_lead).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "network.add_partner",
            &format!("network:{network_id}"),
            serde_json::json!({"after": {"partner": id, "name": name, "country": country.as_str(), "lead": is_lead}}),
        )
        .await?;
        tx.commit().await?;
        Ok(Partner {
            id,
            name,
            country: country.as_str().into(),
            tenant_code: code.map(|c| c.as_str().to_string()),
            is_lead,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates_are_real() {
        assert_eq!(parse_date("d", "2020-02-29"), Ok(Some("2020-02-29".into())));
        assert_eq!(parse_date("d", " "), Ok(None));
        for bad in ["2019-02-29", "2019-13-01", "2019-1-01", "19-01-01", "2019-04-31", "x"] {
            assert!(parse_date("d", bad).is_err(), "{bad}");
        }
    }
}
