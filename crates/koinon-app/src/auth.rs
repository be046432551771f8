//! Signing in and out, sessions, password changes, API tokens and login throttling.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use koinon_core::authz::{Action, Resource, Subject};
use koinon_core::role::Role;
use koinon_core::text::{self, Email};
use koinon_store::records::UserRow;
use sha2::{Digest, Sha256};

use crate::{Actor, App, AppError, audit};

/// How long a session lasts from sign-in.
pub const SESSION_LIFETIME_S: i64 = 12 * 3600;
/// Failed sign-ins allowed per email address in the window before sign-in is refused.
pub const LOGIN_FAILURES_MAX: i64 = 5;
pub const LOGIN_WINDOW_S: i64 = 15 * 60;
/// Limits on a token label.
pub const TOKEN_LABEL_MAX_CHARS: usize = 100;

/// How long a bearer token's user is kept in memory once read (milliseconds).
pub const TOKEN_CACHE_MS: u64 = 2_000;
/// Most bearer tokens kept in memory at once.
const TOKEN_CACHE_MAX: usize = 10_000;

/// Bearer tokens read lately, by their hash: when read, and whose they are.
pub(crate) type TokenCache =
    std::sync::Arc<std::sync::RwLock<std::collections::HashMap<String, (std::time::Instant, CurrentUser)>>>;

/// A user as the rest of the app sees them (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CurrentUser {
    pub id: i64,
    pub tenant_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
}

impl CurrentUser {
    pub fn from_row(row: &UserRow) -> Result<Self, AppError> {
        let role = Role::parse(&row.role)
            .map_err(|_| AppError::Internal(format!("user {} has role {:?}", row.id, row.role)))?;
        Ok(Self {
            id: row.id,
            tenant_id: row.tenant_id,
            email: row.email.clone(),
            display_name: row.display_name.clone(),
            role,
            organisation_id: row.organisation_id,
        })
    }

    pub fn actor(&self) -> Actor {
        Actor::User(Subject {
            user_id: self.id,
            tenant_id: self.tenant_id,
            role: self.role,
            organisation_id: self.organisation_id,
        })
    }
}

/// A new session: the secret goes in the cookie, only its hash is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub user: CurrentUser,
    pub expires_at_us: i64,
}

/// 32 random bytes as hex, from the operating system's generator.
pub fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random generator: {e}")))?;
    Ok(hex::encode(bytes))
}

/// SHA-256 of a secret token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Argon2id hash of a password, in PHC string format.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
}

pub(crate) fn password_matches(password: &str, phc: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), phc).is_ok()
}

/// Memory of a card PIN's Argon2id hash, in KiB (a password's is 19,456).
pub const PIN_HASH_MEMORY_KIB: u32 = 256;
/// Passes of a card PIN's Argon2id hash (a password's is 2).
pub const PIN_HASH_PASSES: u32 = 1;

/// The parameters of a card PIN's hash: a PIN has at most a million values, so no hash cost
/// keeps it from someone holding the database; what protects it is the lock-out after wrong
/// PINs at the till (see `docs/security.md`, "Card PINs"). A cheap hash keeps a payment's
/// answer fast at a busy shop.
const PIN_PARAMS: Params = match Params::new(PIN_HASH_MEMORY_KIB, PIN_HASH_PASSES, 1, None) {
    Ok(p) => p,
    Err(_) => panic!("PIN hash parameters out of Argon2's range"),
};

/// Argon2id hash of a card PIN with [`PIN_PARAMS`], in PHC string format.
pub fn hash_pin(pin: &str) -> Result<String, AppError> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PIN_PARAMS)
        .hash_password(pin.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("PIN hashing: {e}")))
}

/// Whether a PIN matches its stored hash. The PHC string carries the parameters it was made
/// with, so PINs hashed before [`PIN_PARAMS`] (with a password's parameters) still verify.
pub(crate) fn pin_matches(pin: &str, phc: &str) -> bool {
    Argon2::default().verify_password(pin.as_bytes(), phc).is_ok()
}

/// A hash of a password nobody has, checked when the email is unknown so that the answer
/// takes as long as for a known email.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no user has this password").unwrap_or_default())
}

impl App {
    /// Signs in with email and password. After [`LOGIN_FAILURES_MAX`] failures for an email
    /// within [`LOGIN_WINDOW_S`], refuses until the window has passed.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<NewSession, AppError> {
        let wrong = || AppError::invalid("email", "wrong_credentials", "Email address or password is not right");
        let email = Email::parse(email).map_err(|_| wrong())?;
        if password.len() > 1024 {
            return Err(wrong());
        }
        let now = App::now_us();
        let window_start = now - LOGIN_WINDOW_S * 1_000_000;
        let mut conn = self.store().conn().await?;
        let failures = conn.db().login_failures_since(email.as_str(), window_start).await?;
        if failures >= LOGIN_FAILURES_MAX {
            return Err(AppError::Throttled { retry_after_s: LOGIN_WINDOW_S });
        }
        let user = conn.db().user_by_email(email.as_str()).await?;
        drop(conn);
        let ok = match &user {
            Some(u) if !u.disabled => password_matches(password, &u.password_hash),
            _ => {
                let _ = password_matches(password, dummy_hash());
                false
            }
        };
        let mut tx = self.store().begin().await?;
        let Some(user) = user.filter(|_| ok) else {
            tx.db().record_login_failure(email.as_str(), now).await?;
            tx.commit().await?;
            return Err(wrong());
        };
        let current = CurrentUser::from_row(&user)?;
        let token = random_token()?;
        let expires_at_us = now + SESSION_LIFETIME_S * 1_000_000;
        let mut db = tx.db();
        db.clear_login_failures(email.as_str()).await?;
        db.delete_expired_sessions(now).await?;
        db.insert_session(&token_hash(&token), user.id, now, expires_at_us).await?;
        audit::append(
            &mut db,
            &current.actor(),
            Some(user.tenant_id),
            "user.sign_in",
            &format!("user:{}", user.id),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(NewSession { token, user: current, expires_at_us })
    }

    /// The user of a live session token, if any.
    pub async fn session_user(&self, token: &str) -> Result<Option<CurrentUser>, AppError> {
        if token.len() != 64 {
            return Ok(None);
        }
        let mut conn = self.store().conn().await?;
        let row = conn.db().session_user(&token_hash(token), App::now_us()).await?;
        row.as_ref().map(CurrentUser::from_row).transpose()
    }

    pub async fn sign_out(&self, token: &str, user: &CurrentUser) -> Result<(), AppError> {
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        db.delete_session(&token_hash(token)).await?;
        audit::append(
            &mut db,
            &user.actor(),
            Some(user.tenant_id),
            "user.sign_out",
            &format!("user:{}", user.id),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes one's own password; ends every other session of the user.
    pub async fn change_password(
        &self,
        user: &CurrentUser,
        session_token: &str,
        current_password: &str,
        new_password: &str,
    ) -> Result<(), AppError> {
        user.actor().require(Action::ManageOwnAccount, &Resource::user(user.tenant_id, user.id))?;
        let new_password = text::new_password("new_password", new_password)?;
        let mut conn = self.store().conn().await?;
        let row = conn.db().user(user.id).await?.ok_or_else(|| AppError::NotFound("user".into()))?;
        drop(conn);
        if !password_matches(current_password, &row.password_hash) {
            return Err(AppError::invalid("current_password", "wrong_password", "Current password is not right"));
        }
        let hash = hash_password(&new_password)?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        db.update_password_hash(user.id, &hash).await?;
        let ended = db.delete_user_sessions(user.id, &token_hash(session_token)).await?;
        audit::append(
            &mut db,
            &user.actor(),
            Some(user.tenant_id),
            "user.change_password",
            &format!("user:{}", user.id),
            serde_json::json!({"other_sessions_ended": ended}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an API bearer token for the user with `email`. The operator (CLI) may do this
    /// for anyone; a user only for themself. Returns `(token id, token)`: the token is shown
    /// once and stored only as a hash.
    pub async fn create_token(&self, actor: &Actor, email: &str, label: &str) -> Result<(i64, String), AppError> {
        let email = Email::parse(email)?;
        let label = text::required("label", label, TOKEN_LABEL_MAX_CHARS)?;
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let user =
            db.user_by_email(email.as_str()).await?.ok_or_else(|| AppError::NotFound(format!("user {email}")))?;
        actor.require(Action::ManageOwnAccount, &Resource::user(user.tenant_id, user.id))?;
        let token = format!("kt_{}", random_token()?);
        let id = db.insert_api_token(user.id, &token_hash(&token), &label, App::now_us()).await?;
        audit::append(
            &mut db,
            actor,
            Some(user.tenant_id),
            "token.create",
            &format!("token:{id}"),
            serde_json::json!({"user": user.id, "label": label}),
        )
        .await?;
        tx.commit().await?;
        Ok((id, token))
    }

    /// The user of a live bearer token. A token found is kept in memory for
    /// [`TOKEN_CACHE_MS`], so a client sending many requests is not looked up in the database
    /// for each; revoking a token or changing a user's role in this process forgets every kept
    /// token at once (a change made by another process takes effect within that time).
    pub async fn token_user(&self, token: &str) -> Result<Option<CurrentUser>, AppError> {
        if !token.starts_with("kt_") || token.len() != 67 {
            return Ok(None);
        }
        let hash = token_hash(token);
        let ttl = std::time::Duration::from_millis(TOKEN_CACHE_MS);
        if let Ok(kept) = self.token_cache.read()
            && let Some((at, user)) = kept.get(&hash)
            && at.elapsed() < ttl
        {
            return Ok(Some(user.clone()));
        }
        let mut conn = self.store().conn().await?;
        let row = conn.db().token_user(&hash).await?;
        let user = row.as_ref().map(CurrentUser::from_row).transpose()?;
        if let Some(user) = &user
            && let Ok(mut kept) = self.token_cache.write()
        {
            if kept.len() >= TOKEN_CACHE_MAX {
                kept.retain(|_, (at, _)| at.elapsed() < ttl);
                if kept.len() >= TOKEN_CACHE_MAX {
                    kept.clear();
                }
            }
            kept.insert(hash, (std::time::Instant::now(), user.clone()));
        }
        Ok(user)
    }

    /// Forgets every bearer token kept in memory (after a revocation or a change of role).
    pub(crate) fn forget_tokens(&self) {
        if let Ok(mut kept) = self.token_cache.write() {
            kept.clear();
        }
    }

    /// Revokes a token: its owner, or the operator.
    pub async fn revoke_token(&self, actor: &Actor, token_id: i64) -> Result<(), AppError> {
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let token = db.api_token(token_id).await?.ok_or_else(|| AppError::NotFound(format!("token {token_id}")))?;
        let owner = db.user(token.user_id).await?.ok_or_else(|| AppError::NotFound("user".into()))?;
        if actor.require(Action::ManageOwnAccount, &Resource::user(owner.tenant_id, owner.id)).is_err() {
            return Err(AppError::NotFound(format!("token {token_id}")));
        }
        if !db.revoke_api_token(token_id, App::now_us()).await? {
            return Err(AppError::conflict("token", "This token is already revoked"));
        }
        audit::append(
            &mut db,
            actor,
            Some(owner.tenant_id),
            "token.revoke",
            &format!("token:{token_id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        self.forget_tokens();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{PIN_HASH_MEMORY_KIB, hash_password, hash_pin, pin_matches};

    #[test]
    fn pin_hashes_carry_their_parameters_and_old_ones_still_verify() {
        let new = hash_pin("482193").expect("hash");
        assert!(new.starts_with("$argon2id$"), "{new}");
        assert!(new.contains(&format!("m={PIN_HASH_MEMORY_KIB},t=1,p=1")), "{new}");
        assert!(pin_matches("482193", &new));
        assert!(!pin_matches("482194", &new));
        // A card issued before PINs had parameters of their own: hashed as a password.
        let old = hash_password("4821").expect("hash");
        assert!(old.contains("m=19456,t=2,p=1"), "{old}");
        assert!(pin_matches("4821", &old));
        assert!(!pin_matches("4822", &old));
        assert!(!pin_matches("4821", "not a hash"));
    }
}
