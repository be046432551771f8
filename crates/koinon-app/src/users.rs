//! Users of a tenant and their roles.

use koinon_core::authz::{Action, Resource};
use koinon_core::role::Role;
use koinon_core::text::{self, Email};
use koinon_store::records::{NewUser, UserRow};

use crate::auth::hash_password;
use crate::{Actor, App, AppError, Errors, Page, audit, page_limit, parse_cursor};

pub const DISPLAY_NAME_MAX_CHARS: usize = 100;

/// A user as admins see them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: Option<i64>,
    pub disabled: bool,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        Self {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            role: r.role,
            organisation_id: r.organisation_id,
            disabled: r.disabled,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewUserInput<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub organisation_id: Option<i64>,
    pub password: &'a str,
}

impl App {
    /// Creates a user in `tenant_id`. Admins of the tenant, or the operator.
    pub async fn create_user(&self, actor: &Actor, tenant_id: i64, input: &NewUserInput<'_>) -> Result<User, AppError> {
        actor.require(Action::ManageUsers, &Resource::tenant(tenant_id))?;
        let mut errors = Errors::default();
        let email = errors.take(Email::parse(input.email));
        let display_name = errors.take(text::required("display_name", input.display_name, DISPLAY_NAME_MAX_CHARS));
        let role = errors.take(Role::parse(input.role));
        let password = errors.take(text::new_password("password", input.password));
        errors.finish()?;
        let (Some(email), Some(display_name), Some(role), Some(password)) = (email, display_name, role, password)
        else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        let hash = hash_password(&password)?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        if db.tenant_by_id(tenant_id).await?.is_none() {
            return Err(AppError::NotFound(format!("tenant {tenant_id}")));
        }
        if let Some(org_id) = input.organisation_id {
            match db.organisation(org_id).await? {
                Some(org) if org.tenant_id == tenant_id => {}
                _ => {
                    return Err(AppError::invalid(
                        "organisation_id",
                        "unknown_organisation",
                        "Choose an organisation of this municipality",
                    ));
                }
            }
        }
        if db.user_by_email(email.as_str()).await?.is_some() {
            return Err(AppError::conflict("email", "A user with this email address already exists"));
        }
        let id = db
            .insert_user(&NewUser {
                tenant_id,
                email: email.as_str(),
                display_name: &display_name,
                role: role.as_str(),
                organisation_id: input.organisation_id,
                password_hash: &hash,
                created_at_us: App::now_us(),
            })
            .await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "user.create",
            &format!("user:{id}"),
            serde_json::json!({"after": {"role": role.as_str(), "organisation_id": input.organisation_id}}),
        )
        .await?;
        let row = db.user(id).await?.ok_or_else(|| AppError::Internal("user vanished".into()))?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub async fn list_users(
        &self,
        actor: &Actor,
        tenant_id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<User>, AppError> {
        actor.require(Action::ViewUsers, &Resource::tenant(tenant_id))?;
        let after = parse_cursor(cursor)?.unwrap_or(0);
        let limit = page_limit(limit);
        let mut conn = self.store().conn().await?;
        let rows = conn.db().list_users(tenant_id, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let items: Vec<User> = rows.into_iter().take(limit as usize).map(User::from).collect();
        let next_cursor = if more { items.last().map(|u| u.id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    /// A user of the actor's tenant; a user of another tenant is "not found".
    pub async fn user(&self, actor: &Actor, tenant_id: i64, user_id: i64) -> Result<User, AppError> {
        actor.require(Action::ViewUsers, &Resource::tenant(tenant_id))?;
        let mut conn = self.store().conn().await?;
        match conn.db().user(user_id).await? {
            Some(row) if row.tenant_id == tenant_id => Ok(row.into()),
            _ => Err(AppError::NotFound(format!("user {user_id}"))),
        }
    }

    /// Changes a user's role, organisation, or disables the account. Admins only; an admin
    /// cannot remove their own admin role or disable themself (the tenant would lose its admin).
    pub async fn change_role(
        &self,
        actor: &Actor,
        tenant_id: i64,
        user_id: i64,
        role: &str,
        organisation_id: Option<i64>,
        disabled: bool,
    ) -> Result<User, AppError> {
        actor.require(Action::ManageUsers, &Resource::tenant(tenant_id))?;
        let role = Role::parse(role)?;
        if let Some(subject) = actor.subject()
            && subject.user_id == user_id
            && (role != Role::Admin || disabled)
        {
            return Err(AppError::invalid(
                "role",
                "cannot_demote_self",
                "You cannot remove your own admin role or disable yourself",
            ));
        }
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let before = match db.user(user_id).await? {
            Some(row) if row.tenant_id == tenant_id => row,
            _ => return Err(AppError::NotFound(format!("user {user_id}"))),
        };
        if let Some(org_id) = organisation_id {
            match db.organisation(org_id).await? {
                Some(org) if org.tenant_id == tenant_id => {}
                _ => {
                    return Err(AppError::invalid(
                        "organisation_id",
                        "unknown_organisation",
                        "Choose an organisation of this municipality",
                    ));
                }
            }
        }
        db.update_user_role(user_id, role.as_str(), organisation_id, disabled).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "user.change_role",
            &format!("user:{user_id}"),
            serde_json::json!({
                "before": {"role": before.role, "organisation_id": before.organisation_id, "disabled": before.disabled},
                "after": {"role": role.as_str(), "organisation_id": organisation_id, "disabled": disabled},
            }),
        )
        .await?;
        let row = db.user(user_id).await?.ok_or_else(|| AppError::Internal("user vanished".into()))?;
        tx.commit().await?;
        self.forget_tokens();
        Ok(row.into())
    }
}
