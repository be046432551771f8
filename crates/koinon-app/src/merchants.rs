//! Merchants of a municipal e-currency: a shop applies for accreditation (a merchant user for
//! its own shop, or an officer on its behalf) with the categories it sells and its documents;
//! an officer accredits or refuses it, suspends and reinstates it, always saying why when the
//! answer is no; accrediting opens the shop's account on the currency's ledger. Accredited
//! shops appear in a public directory by area and category.

use koinon_core::FieldError;
use koinon_core::authz::{Action, Resource};
use koinon_core::ledger::{Id, format_id};
use koinon_core::merchant::{AccreditationAction, MerchantApplication, MerchantApplicationInput, MerchantStatus};
use koinon_core::role::Role;
use koinon_core::text;
use koinon_store::Db;
use koinon_store::ledger::{id_bytes, id_from};
use koinon_store::merchants::{MerchantDocumentRow, MerchantFields, MerchantRow};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ledger::NewAccountInput;
use crate::{Actor, App, AppError, Errors, Page, audit, page_limit, parse_cursor};

/// Opens merchants' ledger accounts once an officer has accredited them.
const MERCHANTS: Actor = Actor::System("merchants");
/// Documents one application may carry.
pub const DOCUMENTS_MAX: usize = 5;
/// Size of one document.
pub const DOCUMENT_BYTES_MAX: usize = 5 * 1024 * 1024;
/// Content types accepted as documents.
pub const DOCUMENT_CONTENT_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg"];
pub const FILE_NAME_MAX_CHARS: usize = 200;
/// A refusal or suspension reason, in characters.
pub const REASON_MAX_CHARS: usize = 1_000;
/// Entries of the public directory shown at once.
pub const DIRECTORY_MAX: i64 = 500;
/// A directory filter (area), in characters.
pub const AREA_FILTER_MAX_CHARS: usize = 80;

/// An application as a form or an API client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MerchantInput {
    pub currency_id: i64,
    pub name: String,
    pub registration: String,
    pub area: String,
    pub address: String,
    pub description: String,
    /// Category codes the shop sells (of the currency's categories).
    pub categories: Vec<String>,
    pub email: String,
    pub phone: String,
    /// The merchant user who will own the shop (officers applying on a shop's behalf); a
    /// merchant applying for itself owns it.
    pub owner_user_id: Option<i64>,
}

/// A document uploaded with an application.
#[derive(Debug, Clone, Copy)]
pub struct DocumentInput<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentView {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// A document with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub view: DocumentView,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MerchantView {
    pub id: i64,
    pub currency_id: i64,
    pub currency: String,
    /// The currency's minor-unit digits.
    pub scale: u8,
    pub name: String,
    pub registration: Option<String>,
    pub area: String,
    pub address: String,
    pub description: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    /// `applied`, `accredited`, `refused`, `suspended`.
    pub status: String,
    pub status_reason: Option<String>,
    pub categories: Vec<String>,
    /// The shop's account on the currency's ledger (from its first accreditation).
    pub account: Option<String>,
    pub owner_user_id: Option<i64>,
    pub applied_by: String,
    pub reviewed_by: Option<String>,
    pub documents: Vec<DocumentView>,
    pub created_at_us: i64,
}

/// A currency a shop may apply for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub categories: Vec<String>,
}

/// A shop as the public directory shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectoryEntry {
    pub id: i64,
    pub currency_id: i64,
    pub name: String,
    pub area: String,
    pub address: String,
    pub description: Option<String>,
    pub phone: Option<String>,
    pub categories: Vec<String>,
}

/// The public directory of one municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directory {
    pub tenant_code: String,
    pub tenant_name: String,
    pub entries: Vec<DirectoryEntry>,
    /// Every area with an accredited shop, and every category one sells (for the filters).
    pub areas: Vec<String>,
    pub categories: Vec<String>,
}

/// The ledger id of a merchant's account: derived from what it identifies, so opening it
/// again answers `exists`. A UUID version 8.
pub fn merchant_account_id(tenant_id: i64, currency: &str, merchant_id: i64) -> Id {
    let digest = Sha256::digest(format!("koinon/merchants/{tenant_id}/{currency}/{merchant_id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    u128::from_be_bytes(b)
}

/// The resource a merchant is: its municipality, owned by its user.
pub(crate) fn merchant_resource(m: &MerchantRow) -> Resource {
    Resource { tenant_id: m.tenant_id, owner_user_id: m.owner_user_id, organisation_id: None }
}

pub(crate) fn id_text(bytes: &[u8]) -> String {
    id_from(bytes).map(format_id).unwrap_or_default()
}

pub(crate) async fn load_merchant(db: &mut Db<'_>, tenant_id: i64, id: i64) -> Result<MerchantRow, AppError> {
    db.merchant(tenant_id, id).await?.ok_or_else(|| AppError::NotFound(format!("merchant {id}")))
}

fn check_document(i: usize, d: &DocumentInput<'_>) -> Result<(String, String), Vec<FieldError>> {
    let field = |name: &str| format!("documents[{i}].{name}");
    let mut errors = Vec::new();
    let name = text::required(&field("file_name"), d.file_name, FILE_NAME_MAX_CHARS).map_err(|e| errors.push(e)).ok();
    let content_type = d.content_type.trim().to_ascii_lowercase();
    if !DOCUMENT_CONTENT_TYPES.contains(&content_type.as_str()) {
        errors.push(FieldError::new(
            field("content_type"),
            "unsupported_content_type",
            format!("A document must be one of: {}", DOCUMENT_CONTENT_TYPES.join(", ")),
        ));
    }
    if d.content.is_empty() || d.content.len() > DOCUMENT_BYTES_MAX {
        errors.push(FieldError::new(
            field("content"),
            "file_size",
            format!("A document must be 1 byte to {} MiB", DOCUMENT_BYTES_MAX / (1024 * 1024)),
        ));
    }
    match name {
        Some(name) if errors.is_empty() => Ok((name, content_type)),
        _ => Err(errors),
    }
}

fn parse_action(raw: &str) -> Result<AccreditationAction, FieldError> {
    match raw.trim() {
        "accredit" => Ok(AccreditationAction::Accredit),
        "refuse" => Ok(AccreditationAction::Refuse),
        "suspend" => Ok(AccreditationAction::Suspend),
        "reinstate" => Ok(AccreditationAction::Reinstate),
        _ => Err(FieldError::new("action", "invalid_action", "The action is accredit, refuse, suspend or reinstate")),
    }
}

async fn merchant_view(db: &mut Db<'_>, m: MerchantRow) -> Result<MerchantView, AppError> {
    let categories = db.merchant_categories(m.id).await?;
    let (currency, scale) = db
        .currency(m.tenant_id, m.currency_id)
        .await?
        .map(|c| (c.code, u8::try_from(c.scale).unwrap_or(0)))
        .unwrap_or_default();
    let documents = db
        .merchant_documents(m.id)
        .await?
        .into_iter()
        .map(|d| DocumentView {
            id: d.id,
            file_name: d.file_name,
            content_type: d.content_type,
            size_bytes: d.size_bytes,
            sha256: d.sha256,
        })
        .collect();
    Ok(MerchantView {
        id: m.id,
        currency_id: m.currency_id,
        currency,
        scale,
        name: m.name,
        registration: m.registration,
        area: m.area,
        address: m.address,
        description: m.description,
        email: m.email,
        phone: m.phone,
        status: m.status,
        status_reason: m.status_reason,
        categories,
        account: m.account.as_deref().map(id_text),
        owner_user_id: m.owner_user_id,
        applied_by: m.applied_by,
        reviewed_by: m.reviewed_by,
        documents,
        created_at_us: m.created_at_us,
    })
}

impl App {
    /// A shop's application for accreditation, with its documents, in one transaction. A
    /// merchant applies for a shop it will own; officers may name the merchant user who will.
    pub async fn apply_merchant(
        &self,
        actor: &Actor,
        tenant_id: i64,
        input: &MerchantInput,
        documents: &[DocumentInput<'_>],
    ) -> Result<MerchantView, AppError> {
        let owner = match actor.subject() {
            Some(s) if s.role == Role::Merchant => Some(s.user_id),
            _ => input.owner_user_id,
        };
        actor.require(Action::ApplyMerchant, &Resource { tenant_id, owner_user_id: owner, organisation_id: None })?;
        let categories: Vec<&str> = input.categories.iter().map(String::as_str).collect();
        let parsed = MerchantApplication::parse(&MerchantApplicationInput {
            name: &input.name,
            registration: &input.registration,
            area: &input.area,
            address: &input.address,
            description: &input.description,
            categories: &categories,
            email: &input.email,
            phone: &input.phone,
        });
        let mut errors = Errors::default();
        let application = match parsed {
            Ok(a) => Some(a),
            Err(list) => {
                for e in list {
                    errors.push(e);
                }
                None
            }
        };
        if documents.len() > DOCUMENTS_MAX {
            errors.push(FieldError::new("documents", "too_many", format!("At most {DOCUMENTS_MAX} documents")));
        }
        let mut checked = Vec::with_capacity(documents.len());
        for (i, d) in documents.iter().enumerate().take(DOCUMENTS_MAX) {
            match check_document(i, d) {
                Ok(ok) => checked.push((ok, d.content)),
                Err(list) => list.into_iter().for_each(|e| errors.push(e)),
            }
        }
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let currency = db.currency(tenant_id, input.currency_id).await?;
        match &currency {
            None => {
                errors.push(FieldError::new("currency_id", "unknown_currency", "No such currency in this municipality"))
            }
            Some(c) => {
                let allowed = db.currency_categories(c.id).await?;
                let wanted = input
                    .categories
                    .iter()
                    .filter_map(|raw| koinon_core::currency::Category::parse("categories", raw).ok());
                if let Some(bad) = wanted.map(|c| c.as_str().to_string()).find(|cat| !allowed.contains(cat)) {
                    errors.push(FieldError::new(
                        "categories",
                        "category_not_in_currency",
                        format!("{} is not a category of {}; it has: {}", bad, c.code, allowed.join(", ")),
                    ));
                }
            }
        }
        if let Some(owner) = owner {
            let user = db.user(owner).await?.filter(|u| u.tenant_id == tenant_id);
            match user {
                Some(u) if u.role == Role::Merchant.as_str() => {}
                _ => errors.push(FieldError::new(
                    "owner_user_id",
                    "not_a_merchant_user",
                    "The owner must be a user of this municipality with the merchant role",
                )),
            }
        }
        errors.finish()?;
        let (Some(a), Some(c)) = (application, currency) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        if let Some(owner) = owner {
            let existing = db.list_merchants(tenant_id, None, Some(owner), 0, crate::PAGE_MAX).await?;
            if existing.iter().any(|m| m.currency_id == c.id && m.status != "refused") {
                return Err(AppError::conflict(
                    "currency_id",
                    "This merchant already has an application or accreditation for this currency",
                ));
            }
        }
        let now = App::now_us();
        let id = db
            .insert_merchant(
                tenant_id,
                c.id,
                &MerchantFields {
                    name: &a.name,
                    registration: a.registration.as_deref(),
                    area: &a.area,
                    address: &a.address,
                    description: a.description.as_deref(),
                    email: a.email.as_str(),
                    phone: a.phone.as_deref(),
                },
                owner,
                &actor.audit_name(),
                now,
            )
            .await?;
        db.set_merchant_categories(id, &a.categories).await?;
        let mut docs = Vec::new();
        for ((file_name, content_type), content) in checked {
            let row = MerchantDocumentRow {
                id: 0,
                merchant_id: id,
                file_name,
                content_type,
                size_bytes: i64::try_from(content.len()).unwrap_or(i64::MAX),
                sha256: hex::encode(Sha256::digest(content)),
                content: content.to_vec(),
                uploaded_by: actor.audit_name(),
                created_at_us: now,
            };
            db.insert_merchant_document(&row).await?;
            docs.push(serde_json::json!({"file_name": row.file_name, "content_type": row.content_type,
                "size_bytes": row.size_bytes, "sha256": row.sha256}));
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "merchant.apply",
            &format!("merchant:{id}"),
            serde_json::json!({"after": {"currency": c.code, "name": a.name, "area": a.area, "categories": a.categories,
                "owner_user_id": owner, "documents": docs}}),
        )
        .await?;
        let row = load_merchant(&mut db, tenant_id, id).await?;
        let view = merchant_view(&mut db, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// An officer's decision: `accredit`, `refuse`, `suspend` or `reinstate`; refusing and
    /// suspending need a reason (the merchant is told). Accrediting opens the shop's account on
    /// the currency's ledger (once; reinstating reuses it).
    pub async fn review_merchant(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
        action: &str,
        reason: &str,
    ) -> Result<MerchantView, AppError> {
        actor.require(Action::ReviewMerchants, &Resource::tenant(tenant_id))?;
        // Another municipality's merchant is not found, whatever the input.
        {
            let mut conn = self.store().conn().await?;
            load_merchant(&mut conn.db(), tenant_id, merchant_id).await?;
        }
        let mut errors = Errors::default();
        let action = errors.take(parse_action(action));
        let reason = errors.take(text::optional("reason", reason, REASON_MAX_CHARS));
        errors.finish()?;
        let (Some(action), Some(reason)) = (action, reason) else {
            return Err(AppError::Internal("parsed inputs missing".into()));
        };
        if MerchantStatus::needs_reason(action) && reason.is_none() {
            return Err(AppError::invalid("reason", "required", "Say why: the merchant is told"));
        }
        let (m, currency) = {
            let mut conn = self.store().conn().await?;
            let mut db = conn.db();
            let m = load_merchant(&mut db, tenant_id, merchant_id).await?;
            let c = db
                .currency(tenant_id, m.currency_id)
                .await?
                .ok_or_else(|| AppError::Internal(format!("merchant {merchant_id}: no currency")))?;
            (m, c)
        };
        let from = MerchantStatus::parse(&m.status)
            .ok_or_else(|| AppError::Internal(format!("merchant {merchant_id} has status {:?}", m.status)))?;
        let to = from.after(action)?;
        // The account is opened before the status changes (idempotent): a failure leaves the
        // merchant as it was.
        let account = match (&m.account, to) {
            (None, MerchantStatus::Accredited) => {
                let id = merchant_account_id(tenant_id, &currency.code, merchant_id);
                let results = self
                    .create_accounts(
                        &MERCHANTS,
                        tenant_id,
                        &[NewAccountInput {
                            id: format_id(id),
                            ledger: currency.code.clone(),
                            code: "merchant".into(),
                            owner: Some(format!("merchant:{merchant_id}")),
                            flags: vec!["debits_must_not_exceed_credits".into()],
                        }],
                    )
                    .await?;
                if let Some(bad) = results.iter().find(|r| r.result != "ok" && r.result != "exists") {
                    return Err(AppError::Internal(format!("merchant account {}: {}", bad.id, bad.result)));
                }
                Some(id_bytes(id))
            }
            _ => None,
        };
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let now = App::now_us();
        if !db
            .set_merchant_status(merchant_id, from.as_str(), to.as_str(), reason.as_deref(), &actor.audit_name(), now)
            .await?
        {
            return Err(AppError::conflict("status", "The merchant changed meanwhile; reload and try again"));
        }
        if let Some(account) = &account {
            db.set_merchant_account(merchant_id, account).await?;
        }
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            &format!(
                "merchant.{}",
                match action {
                    AccreditationAction::Accredit => "accredit",
                    AccreditationAction::Refuse => "refuse",
                    AccreditationAction::Suspend => "suspend",
                    AccreditationAction::Reinstate => "reinstate",
                }
            ),
            &format!("merchant:{merchant_id}"),
            serde_json::json!({"before": {"status": from.as_str()}, "after": {"status": to.as_str(), "reason": reason,
                "account": account.as_deref().map(id_text)}}),
        )
        .await?;
        let row = load_merchant(&mut db, tenant_id, merchant_id).await?;
        let view = merchant_view(&mut db, row).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The currencies a shop may apply for, with their categories (whoever may apply).
    pub async fn merchant_currencies(&self, actor: &Actor, tenant_id: i64) -> Result<Vec<CurrencyChoice>, AppError> {
        let resource = Resource { tenant_id, owner_user_id: actor.subject().map(|s| s.user_id), organisation_id: None };
        actor.require(Action::ApplyMerchant, &resource)?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let mut out = Vec::new();
        for c in db.list_currencies(tenant_id).await? {
            out.push(CurrencyChoice {
                categories: db.currency_categories(c.id).await?,
                id: c.id,
                code: c.code,
                name: c.name,
            });
        }
        Ok(out)
    }

    /// Adds a document to an application still waiting for review (the merchant that owns
    /// it, or an officer).
    pub async fn add_merchant_document(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
        document: &DocumentInput<'_>,
    ) -> Result<DocumentView, AppError> {
        let mut tx = self.store().begin().await?;
        let mut db = tx.db();
        let m = db.merchant(tenant_id, merchant_id).await?;
        let m = match m {
            Some(m) if actor.require(Action::ApplyMerchant, &merchant_resource(&m)).is_ok() => m,
            _ if actor.role() == Some(Role::Merchant) => {
                return Err(AppError::NotFound(format!("merchant {merchant_id}")));
            }
            _ => {
                actor.require(Action::ApplyMerchant, &Resource::tenant(tenant_id))?;
                return Err(AppError::NotFound(format!("merchant {merchant_id}")));
            }
        };
        let (file_name, content_type) = check_document(0, document).map_err(|list| {
            AppError::Invalid(
                list.into_iter()
                    .map(|mut e| {
                        e.field = e.field.trim_start_matches("documents[0].").to_string();
                        e
                    })
                    .collect(),
            )
        })?;
        if m.status != MerchantStatus::Applied.as_str() {
            return Err(AppError::invalid(
                "merchant",
                "already_reviewed",
                "Documents can be added only while the application waits for review",
            ));
        }
        if db.merchant_documents(m.id).await?.len() >= DOCUMENTS_MAX {
            return Err(AppError::invalid("documents", "too_many", format!("At most {DOCUMENTS_MAX} documents")));
        }
        let row = MerchantDocumentRow {
            id: 0,
            merchant_id: m.id,
            file_name,
            content_type,
            size_bytes: i64::try_from(document.content.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(Sha256::digest(document.content)),
            content: document.content.to_vec(),
            uploaded_by: actor.audit_name(),
            created_at_us: App::now_us(),
        };
        let id = db.insert_merchant_document(&row).await?;
        audit::append(
            &mut db,
            actor,
            Some(tenant_id),
            "merchant.add_document",
            &format!("merchant:{}", m.id),
            serde_json::json!({"after": {"file_name": row.file_name, "content_type": row.content_type,
                "size_bytes": row.size_bytes, "sha256": row.sha256}}),
        )
        .await?;
        tx.commit().await?;
        Ok(DocumentView {
            id,
            file_name: row.file_name,
            content_type: row.content_type,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
        })
    }

    /// One merchant with its categories and documents (staff; a merchant its own).
    pub async fn merchant(&self, actor: &Actor, tenant_id: i64, merchant_id: i64) -> Result<MerchantView, AppError> {
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let m = db.merchant(tenant_id, merchant_id).await?;
        // Someone who may not see it hears it does not exist.
        let m = match m {
            Some(m) if actor.require(Action::ViewMerchants, &merchant_resource(&m)).is_ok() => m,
            _ if actor.require(Action::ViewMerchants, &Resource::tenant(tenant_id)).is_err()
                && actor.role() != Some(Role::Merchant) =>
            {
                return Err(AppError::Forbidden);
            }
            _ => return Err(AppError::NotFound(format!("merchant {merchant_id}"))),
        };
        merchant_view(&mut db, m).await
    }

    /// Merchants of the municipality (staff: all, optionally of one status; a merchant: its
    /// own), oldest first.
    pub async fn list_merchants(
        &self,
        actor: &Actor,
        tenant_id: i64,
        status: Option<&str>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<MerchantView>, AppError> {
        let owner = if actor.require(Action::ViewMerchants, &Resource::tenant(tenant_id)).is_ok() {
            None
        } else {
            let s = actor.subject().ok_or(AppError::Forbidden)?;
            actor.require(Action::ViewMerchants, &Resource::user(tenant_id, s.user_id))?;
            Some(s.user_id)
        };
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                MerchantStatus::parse(s)
                    .ok_or_else(|| {
                        AppError::invalid(
                            "status",
                            "invalid_status",
                            "status is applied, accredited, refused or suspended",
                        )
                    })?
                    .as_str(),
            ),
        };
        let after = parse_cursor(cursor)?.unwrap_or(0);
        let limit = page_limit(limit);
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let rows = db.list_merchants(tenant_id, status, owner, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let mut items = Vec::new();
        for r in rows.into_iter().take(usize::try_from(limit).unwrap_or(0)) {
            items.push(merchant_view(&mut db, r).await?);
        }
        let next_cursor = if more { items.last().map(|m| m.id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    /// A document of an application, with its bytes (who may see the merchant).
    pub async fn merchant_document(
        &self,
        actor: &Actor,
        tenant_id: i64,
        merchant_id: i64,
        document_id: i64,
    ) -> Result<Document, AppError> {
        self.merchant(actor, tenant_id, merchant_id).await?;
        let mut conn = self.store().conn().await?;
        let d = conn
            .db()
            .merchant_document(merchant_id, document_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("document {document_id}")))?;
        Ok(Document {
            view: DocumentView {
                id: d.id,
                file_name: d.file_name,
                content_type: d.content_type,
                size_bytes: d.size_bytes,
                sha256: d.sha256,
            },
            content: d.content,
        })
    }

    /// The public directory of a municipality's accredited shops (no sign-in), by area and
    /// name, optionally of one area and one category.
    pub async fn merchant_directory(
        &self,
        tenant_code: &str,
        area: Option<&str>,
        category: Option<&str>,
    ) -> Result<Directory, AppError> {
        let tenant = self.tenant_by_code(tenant_code).await?;
        let mut errors = Errors::default();
        let area = errors.take(text::optional("area", area.unwrap_or(""), AREA_FILTER_MAX_CHARS)).flatten();
        let category = match category.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => {
                errors.take(koinon_core::currency::Category::parse("category", c)).map(|c| c.as_str().to_string())
            }
        };
        errors.finish()?;
        let mut conn = self.store().conn().await?;
        let mut db = conn.db();
        let rows = db.merchant_directory(tenant.id, area.as_deref(), category.as_deref(), DIRECTORY_MAX).await?;
        let mut entries = Vec::with_capacity(rows.len());
        for m in rows {
            entries.push(DirectoryEntry {
                categories: db.merchant_categories(m.id).await?,
                id: m.id,
                currency_id: m.currency_id,
                name: m.name,
                area: m.area,
                address: m.address,
                description: m.description,
                phone: m.phone,
            });
        }
        let areas = db.merchant_areas(tenant.id).await?;
        let mut categories: Vec<String> = Vec::new();
        for m in db.merchant_directory(tenant.id, None, None, DIRECTORY_MAX).await? {
            for c in db.merchant_categories(m.id).await? {
                if !categories.contains(&c) {
                    categories.push(c);
                }
            }
        }
        categories.sort();
        Ok(Directory { tenant_code: tenant.code, tenant_name: tenant.name, entries, areas, categories })
    }
}

/// Whether an id stored for a ledger account reads as one.
pub(crate) fn stored_id(bytes: &[u8]) -> Result<Id, AppError> {
    id_from(bytes).ok_or_else(|| AppError::Internal("stored ledger id is not 16 bytes".into()))
}
