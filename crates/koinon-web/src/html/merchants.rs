//! Pages of the e-currency's merchants:
//! - `/currency/merchants`: officers see every application and accreditation (by status); a
//!   merchant sees its own, with the way to its point of sale;
//! - `/currency/merchants/apply` (multipart: the fields, `categories` ticked, `documents`
//!   files): a shop applies; an officer may apply on a shop's behalf;
//! - `/currency/merchants/{id}`: the application with its documents, and for officers the
//!   review (accredit, refuse, suspend, reinstate, with the reason the merchant is told);
//! - `/currency/merchants/{id}/pos`: the point of sale: amount, category, the card code typed
//!   or scanned, the beneficiary's PIN; a refusal says why in the merchant's language. The form
//!   carries a payment id drawn when the page is shown, so sending it twice pays once. The
//!   payment may be taken as a hold for a while instead; the shop's open holds are listed
//!   there, each with a form to capture all or part of it and one to release it
//!   (`/currency/merchants/{id}/holds/{payment}/capture` and `.../void`);
//! - `/public/currency/{tenant}/merchants`: the public directory of accredited shops by area
//!   and category (no sign-in, no map).

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use koinon_app::currency_holds::HoldView;
use koinon_app::currency_payments::{HOLD_S_DEFAULT, PaymentInput, PaymentView, PrintableCard, Refusal};
use koinon_app::merchants::{
    CurrencyChoice, DOCUMENT_BYTES_MAX, DOCUMENTS_MAX, Directory, Document, MerchantInput, MerchantView,
};
use koinon_core::FieldError;
use koinon_core::authz::Action;
use koinon_core::locale::Locale;
use koinon_core::role::Role;

use super::admin::{form_errors, parse_id, recode, unprocessable};
use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;
use crate::i18n;

/// An application's body: the fields and up to five documents of 5 MiB.
const APPLY_BODY_MAX_BYTES: usize = DOCUMENTS_MAX * DOCUMENT_BYTES_MAX + 64 * 1024;
/// Longest text field read from a multipart form (longer is cut; the app names what is too long).
const TEXT_FIELD_MAX_CHARS: usize = 4_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/currency/merchants", get(merchants))
        .route(
            "/currency/merchants/apply",
            get(apply_page).post(apply).layer(DefaultBodyLimit::max(APPLY_BODY_MAX_BYTES)),
        )
        .route("/currency/merchants/{id}", get(merchant))
        .route("/currency/merchants/{id}/review", post(review))
        .route("/currency/merchants/{id}/circulation", post(pay_merchant))
        .route("/currency/merchants/{id}/redemptions", post(redeem))
        .route("/currency/merchants/{id}/documents/{document}", get(download_document))
        .route("/currency/merchants/{id}/pos", get(pos).post(pay))
        .route("/currency/merchants/{id}/holds/{payment}/capture", post(capture_hold))
        .route("/currency/merchants/{id}/holds/{payment}/void", post(release_hold))
        .route("/public/currency/{tenant}/merchants", get(directory))
        .route("/currency/cards/new", get(new_card).post(issue_card))
        .route("/currency/cards/{id}/print", get(print_card))
}

/// A document as a download: its stored type (one of the accepted ones), as an attachment,
/// never sniffed.
pub(crate) fn document_response(d: Document) -> Response {
    crate::html::outcomes_evidence::evidence_response(koinon_app::outcomes::Evidence {
        claim_id: d.view.id,
        file_name: d.view.file_name,
        content_type: d.view.content_type,
        size_bytes: d.view.size_bytes,
        sha256: d.view.sha256,
        content: d.content,
    })
}

fn status_key(status: &str) -> String {
    format!("merchant-status-{status}")
}

// ---- list ----

#[derive(serde::Deserialize)]
struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "merchants.html")]
struct MerchantsPage {
    l: Layout,
    merchants: Vec<MerchantView>,
    status: String,
    statuses: [&'static str; 4],
    next_cursor: Option<String>,
    staff: bool,
}

impl MerchantsPage {
    fn status_name(&self, status: &str) -> String {
        self.l.t(&status_key(status))
    }
}

async fn merchants(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    // A status that is not one shows every merchant.
    let status = q.status.unwrap_or_default();
    let status = if koinon_core::merchant::MerchantStatus::parse(&status).is_some() { status } else { String::new() };
    let page = state
        .app
        .list_merchants(&actor, tenant_id, Some(&status), q.cursor.as_deref(), None)
        .await
        .map_err(page_error(&ctx))?;
    let staff = actor.require(Action::ReviewMerchants, &koinon_core::authz::Resource::tenant(tenant_id)).is_ok();
    let l = Layout::new(&state, &ctx, "merchants-title").await;
    Ok(render(&MerchantsPage {
        l,
        merchants: page.items,
        status,
        statuses: ["applied", "accredited", "suspended", "refused"],
        next_cursor: page.next_cursor,
        staff,
    }))
}

// ---- apply ----

#[derive(Default)]
struct ApplyValues {
    currency_id: String,
    name: String,
    registration: String,
    area: String,
    address: String,
    description: String,
    categories: Vec<String>,
    email: String,
    phone: String,
    owner_user_id: String,
}

#[derive(Template)]
#[template(path = "merchant_apply.html")]
struct ApplyPage {
    l: Layout,
    currencies: Vec<CurrencyChoice>,
    f: ApplyValues,
    on_behalf: bool,
    documents_max: usize,
}

impl ApplyPage {
    fn ticked(&self, category: &str) -> bool {
        self.f.categories.iter().any(|c| c == category)
    }
    fn chosen(&self, id: &i64) -> bool {
        self.f.currency_id == id.to_string() || (self.f.currency_id.is_empty() && self.currencies.len() == 1)
    }
    fn category_name(&self, code: &str) -> String {
        category_name(&self.l, code)
    }
}

/// A category's name in the page's language; a custom category shows its code.
pub(crate) fn category_name(l: &Layout, code: &str) -> String {
    let key = format!("merchant-category-{}", code.replace('_', "-"));
    let t = l.t(&key);
    if t == key { code.to_string() } else { t }
}

async fn apply_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let currencies = state.app.merchant_currencies(&actor, tenant_id).await.map_err(page_error(&ctx))?;
    let on_behalf = actor.role() != Some(Role::Merchant);
    let f = ApplyValues { email: ctx.user.as_ref().map(|u| u.email.clone()).unwrap_or_default(), ..Default::default() };
    let l = Layout::new(&state, &ctx, "merchant-apply-title").await;
    Ok(render(&ApplyPage { l, currencies, f, on_behalf, documents_max: DOCUMENTS_MAX }))
}

/// The file name without any folder a browser may send.
fn base_name(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or(name).to_string()
}

async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, HtmlError> {
    let mut multipart = multipart.map_err(|_| HtmlError::bad_request(ctx.locale))?;
    let mut csrf = String::new();
    let mut f = ApplyValues::default();
    let mut files: Vec<(String, String, Vec<u8>)> = Vec::new();
    let mut errors = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                errors.push(FieldError::new(
                    "documents",
                    "too_large",
                    format!("The documents are larger than {} MiB together", APPLY_BODY_MAX_BYTES / (1024 * 1024)),
                ));
                break;
            }
            Err(_) => return Err(HtmlError::bad_request(ctx.locale)),
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "documents" {
            let file_name = base_name(field.file_name().unwrap_or_default());
            let content_type = field.content_type().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|_| HtmlError::bad_request(ctx.locale))?;
            if !(file_name.is_empty() && bytes.is_empty()) {
                files.push((file_name, content_type, bytes.to_vec()));
            }
            continue;
        }
        let text: String = field
            .text()
            .await
            .map_err(|_| HtmlError::bad_request(ctx.locale))?
            .chars()
            .take(TEXT_FIELD_MAX_CHARS)
            .collect();
        match name.as_str() {
            "csrf" => csrf = text,
            "currency_id" => f.currency_id = text,
            "name" => f.name = text,
            "registration" => f.registration = text,
            "area" => f.area = text,
            "address" => f.address = text,
            "description" => f.description = text,
            "categories" if f.categories.len() <= koinon_core::merchant::CATEGORIES_MAX => f.categories.push(text),
            "email" => f.email = text,
            "phone" => f.phone = text,
            "owner_user_id" => f.owner_user_id = text,
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let currencies = state.app.merchant_currencies(&actor, tenant_id).await.map_err(page_error(&ctx))?;
    let currency_id = match f.currency_id.trim().parse::<i64>() {
        Ok(id) => id,
        Err(_) if currencies.len() == 1 => currencies[0].id,
        Err(_) => 0,
    };
    let owner_user_id = match f.owner_user_id.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new("owner_user_id", "invalid_id", "The owner is a user number"));
                None
            }
        },
    };
    if errors.is_empty() {
        let input = MerchantInput {
            currency_id,
            name: f.name.clone(),
            registration: f.registration.clone(),
            area: f.area.clone(),
            address: f.address.clone(),
            description: f.description.clone(),
            categories: f.categories.clone(),
            email: f.email.clone(),
            phone: f.phone.clone(),
            owner_user_id,
        };
        let docs: Vec<koinon_app::merchants::DocumentInput<'_>> = files
            .iter()
            .map(|(n, t, c)| koinon_app::merchants::DocumentInput { file_name: n, content_type: t, content: c })
            .collect();
        match state.app.apply_merchant(&actor, tenant_id, &input, &docs).await {
            Ok(m) => {
                return Ok(redirect_with_flash(&format!("/currency/merchants/{}", m.id), "flash-merchant-applied"));
            }
            Err(e) => errors = form_errors(e).map_err(page_error(&ctx))?,
        }
    }
    // Document errors are shown at the documents field.
    for e in &mut errors {
        if e.field.starts_with("documents[") {
            e.message = format!("{}: {}", e.field, e.message);
            e.field = "documents".into();
        }
    }
    let on_behalf = actor.role() != Some(Role::Merchant);
    let l = Layout::new(&state, &ctx, "merchant-apply-title").await.with_errors(errors);
    Ok(unprocessable(&ApplyPage { l, currencies, f, on_behalf, documents_max: DOCUMENTS_MAX }))
}

// ---- one merchant and its review ----

#[derive(Default)]
struct ReviewValues {
    action: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "merchant.html")]
struct MerchantPage {
    l: Layout,
    m: MerchantView,
    may_review: bool,
    is_till: bool,
    actions: Vec<&'static str>,
    f: ReviewValues,
    /// The shop's own user: its units and euros, the other shops it may pay, fresh ids.
    money: Option<MoneyValues>,
}

struct MoneyValues {
    balance: koinon_app::currency_redemption::MerchantBalance,
    shops: Vec<(i64, String)>,
    payment_id: String,
    request_id: String,
    to_merchant_id: String,
    pay_amount: String,
    redeem_amount: String,
    /// Euro cents' scale (for formatting the euros).
    eur_scale: u8,
}

impl MerchantPage {
    fn status_name(&self, status: &str) -> String {
        self.l.t(&status_key(status))
    }
    fn category_name(&self, code: &str) -> String {
        category_name(&self.l, code)
    }
}

/// The decisions an officer may take on a merchant of this status.
fn actions_for(status: &str) -> Vec<&'static str> {
    match status {
        "applied" => vec!["accredit", "refuse"],
        "accredited" => vec!["suspend"],
        "suspended" => vec!["reinstate"],
        _ => Vec::new(),
    }
}

async fn merchant_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    errors: Vec<FieldError>,
    f: ReviewValues,
    typed: Option<(String, String, String)>,
) -> Result<MerchantPage, HtmlError> {
    let (actor, tenant_id) = actor_of(ctx)?;
    let m = state.app.merchant(&actor, tenant_id, id).await.map_err(page_error(ctx))?;
    let may_review = actor.require(Action::ReviewMerchants, &koinon_core::authz::Resource::tenant(tenant_id)).is_ok();
    let owner = actor.subject().is_some_and(|s| Some(s.user_id) == m.owner_user_id);
    let is_till = m.status == "accredited" && owner;
    let money = if owner && matches!(m.status.as_str(), "accredited" | "suspended") {
        let balance = state.app.merchant_balance(&actor, tenant_id, id).await.map_err(page_error(ctx))?;
        let tenant = state.app.tenant_by_id(tenant_id).await.map_err(page_error(ctx))?;
        let shops = state
            .app
            .merchant_directory(&tenant.code, None, None)
            .await
            .map_err(page_error(ctx))?
            .entries
            .into_iter()
            .filter(|e| e.currency_id == m.currency_id && e.id != m.id)
            .map(|e| (e.id, e.name))
            .collect();
        let (to_merchant_id, pay_amount, redeem_amount) = typed.unwrap_or_default();
        Some(MoneyValues {
            balance,
            shops,
            payment_id: new_payment_id(),
            request_id: new_payment_id(),
            to_merchant_id,
            pay_amount,
            redeem_amount,
            eur_scale: 2,
        })
    } else {
        None
    };
    let l = Layout::new(state, ctx, "merchant-title").await.with_errors(errors);
    Ok(MerchantPage { actions: actions_for(&m.status), l, m, may_review, is_till, f, money })
}

async fn merchant(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let id = parse_id(&ctx, &id)?;
    Ok(render(&merchant_page(&state, &ctx, id, Vec::new(), ReviewValues::default(), None).await?))
}

#[derive(serde::Deserialize)]
struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let id = parse_id(&ctx, &id)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let errors = match state.app.review_merchant(&actor, tenant_id, id, &form.action, &form.reason).await {
        Ok(m) => {
            let flash = match m.status.as_str() {
                "accredited" => "flash-merchant-accredited",
                "refused" => "flash-merchant-refused",
                _ => "flash-merchant-suspended",
            };
            return Ok(redirect_with_flash(&format!("/currency/merchants/{id}"), flash));
        }
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let f = ReviewValues {
        action: form.action.chars().take(20).collect(),
        reason: form.reason.chars().take(2_000).collect(),
    };
    Ok(unprocessable(&merchant_page(&state, &ctx, id, errors, f, None).await?))
}

#[derive(serde::Deserialize)]
struct MoneyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    to_merchant_id: String,
    #[serde(default)]
    amount: String,
}

async fn pay_merchant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<MoneyForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let id = parse_id(&ctx, &id)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let input = koinon_app::currency_redemption::CirculationInput {
        payment_id: form.id.clone(),
        to_merchant_id: form.to_merchant_id.trim().parse().unwrap_or(0),
        amount: form.amount.clone(),
    };
    let errors = match state.app.pay_merchant(&actor, tenant_id, id, &input).await {
        Ok(_) => return Ok(redirect_with_flash(&format!("/currency/merchants/{id}"), "flash-merchant-paid")),
        Err(e) => form_errors(e).map_err(page_error(&ctx))?,
    };
    let typed = (form.to_merchant_id.chars().take(20).collect(), form.amount.chars().take(30).collect(), String::new());
    Ok(unprocessable(&merchant_page(&state, &ctx, id, errors, ReviewValues::default(), Some(typed)).await?))
}

async fn redeem(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<MoneyForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let id = parse_id(&ctx, &id)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let input =
        koinon_app::currency_redemption::RedemptionInput { request_id: form.id.clone(), amount: form.amount.clone() };
    let errors = match state.app.redeem(&actor, tenant_id, id, &input).await {
        Ok(_) => return Ok(redirect_with_flash(&format!("/currency/merchants/{id}"), "flash-merchant-redeemed")),
        Err(e) => form_errors(e)
            .map_err(page_error(&ctx))?
            .into_iter()
            .map(|mut e| {
                // The redemption form's amount field.
                if e.field == "amount" {
                    e.field = "redeem_amount".into();
                }
                e
            })
            .collect(),
    };
    let typed = (String::new(), String::new(), form.amount.chars().take(30).collect());
    Ok(unprocessable(&merchant_page(&state, &ctx, id, errors, ReviewValues::default(), Some(typed)).await?))
}

async fn download_document(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, document)): Path<(String, String)>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let document = parse_id(&ctx, &document)?;
    let d = state.app.merchant_document(&actor, tenant_id, id, document).await.map_err(page_error(&ctx))?;
    Ok(document_response(d))
}

// ---- point of sale ----

#[derive(Default)]
struct PosValues {
    payment_id: String,
    amount: String,
    category: String,
    card_code: String,
    /// Take the payment as a hold, for `hold_s` seconds.
    hold: bool,
    hold_s: String,
    /// The hold whose capture was refused, and the amount typed for it.
    capture: Option<(String, String)>,
}

/// How long a hold may be taken for at the point of sale (seconds, and the label's key).
const HOLD_CHOICES: [(i64, &str); 6] = [
    (900, "pos-hold-15m"),
    (3_600, "pos-hold-1h"),
    (4 * 3_600, "pos-hold-4h"),
    (HOLD_S_DEFAULT, "pos-hold-1d"),
    (3 * 24 * 3_600, "pos-hold-3d"),
    (7 * 24 * 3_600, "pos-hold-7d"),
];

/// An open hold as the point of sale lists it, with its capture form's amount and errors.
struct HoldRow {
    h: HoldView,
    amount: String,
    amount_error: Option<String>,
}

/// What the panel after a payment or a hold's capture or release says.
struct Receipt {
    p: PaymentView,
    title: String,
    detail: Option<String>,
}

#[derive(Template)]
#[template(path = "merchant_pos.html")]
struct PosPage {
    l: Layout,
    m: MerchantView,
    f: PosValues,
    paid: Option<Receipt>,
    refusal: Option<String>,
    payments: Vec<PaymentView>,
    holds: Vec<HoldRow>,
    hold_choices: &'static [(i64, &'static str)],
}

impl PosPage {
    fn category_name(&self, code: &str) -> String {
        category_name(&self.l, code)
    }
    fn state_name(&self, state: &str) -> String {
        self.l.t(&format!("payment-state-{state}"))
    }
}

/// A fresh payment id (a random UUID, version 4) for the next payment of the form.
pub(crate) fn new_payment_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        return String::new();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    koinon_core::ledger::format_id(u128::from_be_bytes(b))
}

/// A refusal in the merchant's language, with its figures.
pub(crate) fn refusal_text(locale: Locale, r: &Refusal, currency: &str, scale: u8) -> String {
    let mut key = format!("pos-refusal-{}", r.code.replace('_', "-"));
    if r.code == "insufficient_balance" && r.available_minor.is_none() {
        key.push_str("-plain");
    }
    let mut args: Vec<(&'static str, String)> = Vec::new();
    if let Some(n) = r.attempts_left {
        args.push(("left", n.to_string()));
    }
    if let Some(a) = r.available_minor.or(r.left_minor) {
        args.push(("amount", locale.format_money(a, currency, scale)));
    }
    if let Some(t) = r.locked_until_s {
        args.push(("time", locale.format_timestamp_us(t.saturating_mul(1_000_000))));
    }
    let text = i18n::tr_args(locale, &key, &args);
    if text == key { r.message.clone() } else { text }
}

#[derive(serde::Deserialize)]
struct PosQuery {
    paid: Option<String>,
}

async fn pos_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    f: PosValues,
    paid: Option<PaymentView>,
    refusal: Option<String>,
    errors: Vec<FieldError>,
) -> Result<PosPage, HtmlError> {
    let (actor, tenant_id) = actor_of(ctx)?;
    let m = state.app.merchant(&actor, tenant_id, id).await.map_err(page_error(ctx))?;
    // Only the shop's own user takes its payments.
    let till = koinon_core::authz::Resource { tenant_id, owner_user_id: m.owner_user_id, organisation_id: None };
    actor.require(Action::TakePayments, &till).map_err(page_error(ctx))?;
    let payments = state.app.merchant_payments(&actor, tenant_id, id, Some(10)).await.map_err(page_error(ctx))?;
    let open = state.app.merchant_open_holds(&actor, tenant_id, id).await.map_err(page_error(ctx))?;
    // A refused capture's amount is shown at its hold; a hold no longer listed (released,
    // expired) has its error above the list.
    let errors: Vec<FieldError> = errors
        .into_iter()
        .map(|mut e| {
            if e.field.starts_with("hold-") && !open.iter().any(|h| e.field == hold_amount_field(&h.id)) {
                e.field = "holds".into();
            }
            e
        })
        .collect();
    let l = Layout::new(state, ctx, "pos-title").await.with_errors(errors);
    let holds = open
        .into_iter()
        .map(|h| {
            let field = hold_amount_field(&h.id);
            let amount = match &f.capture {
                Some((pid, typed)) if *pid == h.id => typed.clone(),
                _ => String::new(),
            };
            HoldRow { amount_error: l.field_error(&field), amount, h }
        })
        .collect::<Vec<_>>();
    let paid = paid.map(|p| receipt(&l, p, &holds));
    Ok(PosPage { l, m, f, paid, refusal, payments, holds, hold_choices: &HOLD_CHOICES })
}

/// The id of a hold's capture amount on the point-of-sale page.
fn hold_amount_field(payment: &str) -> String {
    format!("hold-{payment}-amount")
}

/// The panel's title and detail for a payment as it stands now.
fn receipt(l: &Layout, p: PaymentView, holds: &[HoldRow]) -> Receipt {
    let money = |minor: i64| l.money(&minor, &p.currency, &p.scale);
    let (title, detail) = match p.state.as_str() {
        "held" => {
            let until = holds.iter().find(|h| h.h.id == p.id).and_then(|h| h.h.expires_at_us);
            ("pos-held-title", until.map(|at| l.t1("pos-held-until", "time", &l.timestamp(&at))))
        }
        "captured" => {
            let captured = p.captured_minor.unwrap_or(p.amount_minor);
            let args = [
                ("captured", money(captured)),
                ("held", money(p.amount_minor)),
                ("released", money(p.amount_minor - captured)),
            ];
            ("pos-captured-title", Some(i18n::tr_args(l.locale, "pos-captured-detail", &args)))
        }
        "voided" => ("pos-released-title", Some(l.t1("pos-released-detail", "amount", &money(p.amount_minor)))),
        _ => ("pos-paid-title", None),
    };
    Receipt { title: l.t(title), detail, p }
}

async fn pos(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PosQuery>,
) -> Result<Response, HtmlError> {
    let id = parse_id(&ctx, &id)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let paid = match q.paid.as_deref() {
        Some(p) => state.app.payment(&actor, tenant_id, p).await.ok(),
        None => None,
    };
    let f = PosValues { payment_id: new_payment_id(), hold_s: HOLD_S_DEFAULT.to_string(), ..Default::default() };
    Ok(render(&pos_page(&state, &ctx, id, f, paid, None, Vec::new()).await?))
}

#[derive(serde::Deserialize)]
struct PayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    payment_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    card_code: String,
    #[serde(default)]
    pin: String,
    /// `pay` (at once) or `hold`.
    #[serde(default)]
    mode: String,
    #[serde(default)]
    hold_s: String,
}

async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<PayForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let id = parse_id(&ctx, &id)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let hold = form.mode == "hold";
    let input = PaymentInput {
        payment_id: form.payment_id.clone(),
        merchant_id: id,
        card_code: form.card_code.clone(),
        pin: form.pin.clone(),
        amount: form.amount.clone(),
        category: form.category.clone(),
        hold,
        // A duration that is not a number of seconds is refused by the app, naming `hold_s`.
        hold_s: hold.then(|| form.hold_s.trim().parse().unwrap_or(0)),
    };
    let f = PosValues {
        payment_id: form.payment_id.chars().take(40).collect(),
        amount: form.amount.chars().take(30).collect(),
        category: form.category.chars().take(40).collect(),
        card_code: form.card_code.chars().take(40).collect(),
        hold,
        hold_s: form.hold_s.chars().take(20).collect(),
        capture: None,
    };
    let (refusal, errors) = match state.app.take_payment(&actor, tenant_id, &input).await {
        Ok(Ok(p)) => {
            let to = format!("/currency/merchants/{id}/pos?paid={}", p.id);
            return Ok(redirect_with_flash(&to, if hold { "flash-hold-taken" } else { "flash-payment-taken" }));
        }
        Ok(Err(r)) => {
            let m = state.app.merchant(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
            let text = refusal_text(ctx.locale, &r, &m.currency, m.scale);
            (Some(text.clone()), vec![FieldError::new(r.field, r.code, text)])
        }
        Err(e) => (None, form_errors(e).map_err(page_error(&ctx))?),
    };
    let page = pos_page(&state, &ctx, id, f, None, refusal, errors).await?;
    Ok(unprocessable(&page))
}

#[derive(serde::Deserialize)]
struct HoldForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    amount: String,
}

async fn capture_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, payment)): Path<(String, String)>,
    Form(form): Form<HoldForm>,
) -> Result<Response, HtmlError> {
    let amount = form.amount.chars().take(30).collect();
    resolve_hold(&state, &ctx, &id, &payment, &form.csrf, Some(amount)).await
}

async fn release_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, payment)): Path<(String, String)>,
    Form(form): Form<HoldForm>,
) -> Result<Response, HtmlError> {
    resolve_hold(&state, &ctx, &id, &payment, &form.csrf, None).await
}

/// Captures (an amount; empty: all) or releases (`None`) one of the shop's holds, then shows
/// the result on the point of sale; a refusal is shown at the hold, naming what to change.
async fn resolve_hold(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    payment: &str,
    csrf: &str,
    amount: Option<String>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(csrf)?;
    let id = parse_id(ctx, id)?;
    let (actor, tenant_id) = actor_of(ctx)?;
    let p = state.app.payment(&actor, tenant_id, payment).await.map_err(page_error(ctx))?;
    if p.merchant_id != id {
        return Err(HtmlError::not_found(ctx.locale));
    }
    let result = match &amount {
        Some(a) => state.app.capture_payment(&actor, tenant_id, &p.id, a).await,
        None => state.app.void_payment(&actor, tenant_id, &p.id).await,
    };
    let mut errors = match result {
        Ok(v) => {
            let to = format!("/currency/merchants/{id}/pos?paid={}", v.id);
            let flash = if amount.is_some() { "flash-hold-captured" } else { "flash-hold-released" };
            return Ok(redirect_with_flash(&to, flash));
        }
        Err(e) => form_errors(e).map_err(page_error(ctx))?,
    };
    recode(&mut errors, "amount", "invalid_amount", "capture_invalid_amount");
    let errors = errors
        .into_iter()
        .map(|mut e| {
            e.field = if e.field == "amount" { hold_amount_field(&p.id) } else { "holds".into() };
            e
        })
        .collect();
    let f = PosValues {
        payment_id: new_payment_id(),
        hold_s: HOLD_S_DEFAULT.to_string(),
        capture: Some((p.id.clone(), amount.unwrap_or_default())),
        ..Default::default()
    };
    Ok(unprocessable(&pos_page(state, ctx, id, f, None, None, errors).await?))
}

// ---- public directory ----

#[derive(serde::Deserialize)]
struct DirectoryQuery {
    area: Option<String>,
    category: Option<String>,
}

#[derive(Template)]
#[template(path = "merchant_directory.html")]
struct DirectoryPage {
    l: Layout,
    d: Directory,
    area: String,
    category: String,
}

impl DirectoryPage {
    fn category_name(&self, code: &str) -> String {
        category_name(&self.l, code)
    }
}

async fn directory(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(tenant): Path<String>,
    Query(q): Query<DirectoryQuery>,
) -> Result<Response, HtmlError> {
    let area: String = q.area.unwrap_or_default().chars().take(100).collect();
    let category: String = q.category.unwrap_or_default().chars().take(40).collect();
    let tenant: String = tenant.chars().take(64).collect();
    let d = match state.app.merchant_directory(&tenant, Some(&area), Some(&category)).await {
        Ok(d) => d,
        // A filter that does not parse shows the whole directory.
        Err(koinon_app::AppError::Invalid(_)) => {
            state.app.merchant_directory(&tenant, None, None).await.map_err(page_error(&ctx))?
        }
        Err(e) => return Err(page_error(&ctx)(e)),
    };
    let l = Layout::new(&state, &ctx, "directory-title").await;
    let mut response = render(&DirectoryPage { l, d, area, category });
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    Ok(response.into_response())
}

// ---- beneficiaries' cards ----

#[derive(Default)]
struct CardValues {
    household_id: String,
}

#[derive(Template)]
#[template(path = "card_new.html")]
struct CardNewPage {
    l: Layout,
    f: CardValues,
}

async fn new_card(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    actor.require(Action::ManageCards, &koinon_core::authz::Resource::tenant(tenant_id)).map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "card-new-title").await;
    Ok(render(&CardNewPage { l, f: CardValues::default() }))
}

#[derive(serde::Deserialize)]
struct CardForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    household_id: String,
    #[serde(default)]
    pin: String,
}

async fn issue_card(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<CardForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    actor.require(Action::ManageCards, &koinon_core::authz::Resource::tenant(tenant_id)).map_err(page_error(&ctx))?;
    let errors = match form.household_id.trim().parse::<i64>() {
        Err(_) => {
            vec![FieldError::new("household_id", "invalid_id", "The household's number, from the programme's list")]
        }
        Ok(household) => match state.app.issue_card(&actor, tenant_id, household, &form.pin).await {
            Ok(card) => {
                return Ok(redirect_with_flash(
                    &format!("/currency/cards/{}/print", card.card_id),
                    "flash-card-issued",
                ));
            }
            Err(koinon_app::AppError::NotFound(_)) => {
                vec![FieldError::new("household_id", "unknown_household", "No household has this number")]
            }
            Err(e) => form_errors(e).map_err(page_error(&ctx))?,
        },
    };
    let f = CardValues { household_id: form.household_id.chars().take(20).collect() };
    let l = Layout::new(&state, &ctx, "card-new-title").await.with_errors(errors);
    Ok(unprocessable(&CardNewPage { l, f }))
}

#[derive(Template)]
#[template(path = "card_print.html")]
struct CardPrintPage {
    l: Layout,
    card: PrintableCard,
    qr_svg: String,
    directory: String,
}

/// The QR code of a card code as an inline SVG element (black on white, a quiet zone around).
pub(crate) fn qr_svg(content: &str, label: &str) -> String {
    use qrcode::render::svg;
    let Ok(code) = qrcode::QrCode::with_error_correction_level(content.as_bytes(), qrcode::EcLevel::M) else {
        return String::new();
    };
    let image = code.render::<svg::Color<'_>>().min_dimensions(160, 160).quiet_zone(true).build();
    // The renderer writes an XML declaration first; inline in HTML only the element is kept.
    let svg = image.find("<svg").map_or("", |at| &image[at..]);
    let label = label.replace(['"', '<', '>', '&'], "");
    svg.replacen("<svg", &format!("<svg role=\"img\" aria-label=\"{label}\""), 1)
}

async fn print_card(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    let card = state.app.printable_card(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "card-print-title").await;
    let label = l.t1("card-qr-label", "code", &card.code);
    let qr_svg = qr_svg(&card.raw_code, &label);
    let directory = l.tenant.as_ref().map(|t| format!("/public/currency/{}/merchants", t.code)).unwrap_or_default();
    let mut response = render(&CardPrintPage { l, card, qr_svg, directory });
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_card_qr_code_is_an_inline_svg_element() {
        let svg = super::qr_svg("K7QM3XR29DHAP0TZ", "Card K7QM-3XR2-9DHA-P0TZ \"x\"");
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Card K7QM-3XR2-9DHA-P0TZ x\""), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<?xml"));
    }
}
