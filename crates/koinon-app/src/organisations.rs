//! Organisations that work with a municipality: NGOs, social enterprises, investors,
//! landlords, merchants, public bodies.

use koinon_core::authz::{Action, Resource};
use koinon_core::org::OrganisationKind;
use koinon_core::text::{self, Email};
use koinon_store::records::OrganisationRow;

use crate::{Actor, App, AppError, Errors, Page, audit, page_limit, parse_cursor};

pub const ORGANISATION_NAME_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Organisation {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub email: Option<String>,
}

impl From<OrganisationRow> for Organisation {
    fn from(r: OrganisationRow) -> Self {
        Self { id: r.id, kind: r.kind, name: r.name, email: r.email }
    }
}

impl App {
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        tenant_id: i64,
        kind: &str,
        name: &str,
        email: &str,
    ) -> Result<Organisation, AppError> {
        actor.require(Action::ManageOrganisations, &Resource::tenant(tenant_id))?;
        let mut errors = Errors::default();
        let kind = errors.take(OrganisationKind::parse(kind));
        let name = errors.take(text::required("name", name, ORGANISATION_NAME_MAX_CHARS));
        let email = if email.trim().is_empty() { Some(None) } else { errors.take(Email::parse(email).map(Some)) };
        errors.finish()?;
        let (Some(kind), Some(name), Some(email)) = (kind, name, email) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        if db.organisation_by_name(tenant_id, &name).await?.is_some() {
            return Err(AppError::conflict("name", "An organisation with this name already exists"));
        }
        let email_str = email.as_ref().map(Email::as_str);
        let id = db.insert_organisation(tenant_id, kind.as_str(), &name, email_str, App::now_us()).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "organisation.create",
            &format!("organisation:{id}"),
            serde_json::json!({"after": {"kind": kind.as_str(), "name": name}}),
        )
        .await?;
        tx.commit().await?;
        Ok(Organisation { id, kind: kind.as_str().into(), name, email: email.map(|e| e.as_str().to_string()) })
    }

    /// The organisations the actor may see: all of the tenant's for staff, reviewers and
    /// auditors; only their own for providers, investors and merchants.
    pub async fn list_organisations(
        &self,
        actor: &Actor,
        tenant_id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<Organisation>, AppError> {
        let only = if actor.require(Action::ViewAllOrganisations, &Resource::tenant(tenant_id)).is_ok() {
            None
        } else {
            let own = actor.subject().and_then(|s| s.organisation_id).ok_or(AppError::Forbidden)?;
            actor.require(Action::ViewOrganisation, &Resource::organisation(tenant_id, own))?;
            Some(own)
        };
        let after = parse_cursor(cursor)?.unwrap_or(0);
        let limit = page_limit(limit);
        let mut conn = self.store().conn().await?;
        let rows = conn.db().list_organisations(tenant_id, only, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<Organisation> = rows.into_iter().take(limit as usize).map(Organisation::from).collect();
        let next_cursor = if more { items.last().map(|o| o.id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    pub async fn organisation(&self, actor: &Actor, tenant_id: i64, id: i64) -> Result<Organisation, AppError> {
        let mut conn = self.store().conn().await?;
        let row = match conn.db().organisation(id).await? {
            Some(row) if row.tenant_id == tenant_id => row,
            _ => return Err(AppError::NotFound(format!("organisation {id}"))),
        };
        actor.require(Action::ViewOrganisation, &Resource::organisation(tenant_id, id))?;
        Ok(row.into())
    }
}
