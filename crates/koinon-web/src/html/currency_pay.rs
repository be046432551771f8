//! Paying by phone, and the statements of beneficiaries:
//! - `/pay/{municipality}/{merchant}`: a shop's payment link, opened from the QR code on its
//!   poster. A beneficiary signed in on a phone sees the shop's name, area and categories, types
//!   the amount, chooses the category and confirms with the card's PIN; someone not signed in is
//!   sent to sign in and back here. The form carries a payment id drawn when it is shown, so
//!   sending it twice pays once. A refusal says why, in the beneficiary's language;
//! - `/wallet/payments/{id}`: the receipt of a payment from one's own wallet;
//! - `/wallet/statement.csv`: the beneficiary's statement as CSV;
//! - `/currency/merchants/{id}/poster`: the shop's printable poster with the link as a QR code
//!   (the shop's own user and staff).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use koinon_app::currency_pay::{LinkPaymentInput, LinkReceipt, PayLink, PayingWallet};
use koinon_core::FieldError;

use super::admin::{form_errors, parse_id, unprocessable};
use super::merchants::{category_name, new_payment_id, qr_svg, refusal_text};
use super::{Form, Layout, actor_of, page_error, redirect_with_flash, render};
use crate::AppState;
use crate::context::Ctx;
use crate::error::HtmlError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pay/{tenant}/{merchant}", get(pay_page).post(pay))
        .route("/wallet/payments/{id}", get(receipt))
        .route("/wallet/statement.csv", get(statement))
        .route("/currency/merchants/{id}/poster", get(poster))
}

// ---- the payment link ----

#[derive(Default)]
struct PayValues {
    payment_id: String,
    household: String,
    amount: String,
    category: String,
}

#[derive(Template)]
#[template(path = "currency_pay.html")]
struct PayPage {
    l: Layout,
    link: PayLink,
    wallets: Vec<PayingWallet>,
    f: PayValues,
    refusal: Option<String>,
}

impl PayPage {
    fn category_name(&self, code: &str) -> String {
        category_name(&self.l, code)
    }

    fn categories_text(&self) -> String {
        self.link.categories.iter().map(|c| category_name(&self.l, c)).collect::<Vec<_>>().join(", ")
    }
}

/// The shop a link names, in the signed-in user's municipality (another one's link is not
/// found: a person pays with the wallets of their own municipality).
async fn link_of(state: &AppState, ctx: &Ctx, tenant: &str, merchant: &str) -> Result<PayLink, HtmlError> {
    let (_, tenant_id) = actor_of(ctx)?;
    let merchant = parse_id(ctx, merchant)?;
    let tenant: String = tenant.chars().take(64).collect();
    let link = state.app.pay_link(&tenant, merchant).await.map_err(page_error(ctx))?;
    if link.tenant_id != tenant_id {
        return Err(HtmlError::not_found(ctx.locale));
    }
    Ok(link)
}

async fn pay_form(
    state: &AppState,
    ctx: &Ctx,
    link: PayLink,
    f: PayValues,
    refusal: Option<String>,
    errors: Vec<FieldError>,
) -> Result<PayPage, HtmlError> {
    let (actor, tenant_id) = actor_of(ctx)?;
    let wallets = state.app.paying_wallets(&actor, tenant_id, &link.currency).await.map_err(page_error(ctx))?;
    let l = Layout::new(state, ctx, "pay-title").await.with_errors(errors);
    Ok(PayPage { l, link, wallets, f, refusal })
}

async fn pay_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((tenant, merchant)): Path<(String, String)>,
) -> Result<Response, HtmlError> {
    let link = link_of(&state, &ctx, &tenant, &merchant).await?;
    let f = PayValues {
        payment_id: new_payment_id(),
        category: link.categories.first().cloned().unwrap_or_default(),
        ..PayValues::default()
    };
    let mut response = render(&pay_form(&state, &ctx, link, f, None, Vec::new()).await?);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

#[derive(serde::Deserialize)]
struct PayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    payment_id: String,
    #[serde(default)]
    household: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    pin: String,
}

async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((tenant, merchant)): Path<(String, String)>,
    Form(form): Form<PayForm>,
) -> Result<Response, HtmlError> {
    ctx.check_csrf(&form.csrf)?;
    let link = link_of(&state, &ctx, &tenant, &merchant).await?;
    let (actor, tenant_id) = actor_of(&ctx)?;
    let input = LinkPaymentInput {
        payment_id: form.payment_id.clone(),
        household: form.household.clone(),
        pin: form.pin.clone(),
        amount: form.amount.clone(),
        category: form.category.clone(),
    };
    let f = PayValues {
        payment_id: form.payment_id.chars().take(40).collect(),
        household: form.household.chars().take(64).collect(),
        amount: form.amount.chars().take(30).collect(),
        category: form.category.chars().take(40).collect(),
    };
    let (refusal, errors) = match state.app.pay_by_link(&actor, tenant_id, link.merchant_id, &input).await {
        Ok(Ok(p)) => return Ok(redirect_with_flash(&format!("/wallet/payments/{}", p.id), "flash-pay-paid")),
        Ok(Err(r)) => {
            let text = refusal_text(ctx.locale, &r, &link.currency, link.scale);
            (Some(text.clone()), vec![FieldError::new(r.field, r.code, text)])
        }
        Err(e) => (None, form_errors(e).map_err(page_error(&ctx))?),
    };
    // A payment refused keeps its id: the same form sent again is still one payment.
    Ok(unprocessable(&pay_form(&state, &ctx, link, f, refusal, errors).await?))
}

// ---- the receipt ----

#[derive(Template)]
#[template(path = "currency_pay_receipt.html")]
struct ReceiptPage {
    l: Layout,
    r: LinkReceipt,
}

impl ReceiptPage {
    fn category_name(&self, code: &str) -> String {
        category_name(&self.l, code)
    }
}

async fn receipt(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id: String = id.chars().take(40).collect();
    let r = state.app.link_receipt(&actor, tenant_id, &id).await.map_err(page_error(&ctx))?;
    let l = Layout::new(&state, &ctx, "pay-receipt-title").await;
    let mut response = render(&ReceiptPage { l, r });
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

// ---- the beneficiary's statement ----

async fn statement(State(state): State<AppState>, ctx: Ctx) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let csv = state.app.my_statement_csv(&actor, tenant_id).await.map_err(page_error(&ctx))?;
    let mut response = csv.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"wallet-statement.csv\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

// ---- the shop's poster ----

#[derive(Template)]
#[template(path = "currency_pay_poster.html")]
struct PosterPage {
    l: Layout,
    link: PayLink,
    url: String,
    qr_svg: String,
}

impl PosterPage {
    fn categories_text(&self) -> String {
        self.link.categories.iter().map(|c| category_name(&self.l, c)).collect::<Vec<_>>().join(", ")
    }
}

/// The address of the link as people reach this server: the host the page was asked from.
fn absolute(headers: &HeaderMap, secure: bool, path: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)));
    match host {
        Some(host) => format!("{}://{host}{path}", if secure { "https" } else { "http" }),
        None => path.to_string(),
    }
}

async fn poster(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let (actor, tenant_id) = actor_of(&ctx)?;
    let id = parse_id(&ctx, &id)?;
    // Only who may see the shop (its own user, staff) prints its poster.
    state.app.merchant(&actor, tenant_id, id).await.map_err(page_error(&ctx))?;
    let tenant = state.app.tenant_by_id(tenant_id).await.map_err(page_error(&ctx))?;
    let link = state.app.pay_link(&tenant.code, id).await.map_err(page_error(&ctx))?;
    let url = absolute(&headers, state.config.secure_cookies, &link.path);
    let l = Layout::new(&state, &ctx, "pay-poster-title").await;
    let label = l.t1("pay-poster-qr-label", "shop", &link.name);
    let qr_svg = qr_svg(&url, &label);
    Ok(render(&PosterPage { l, link, url, qr_svg }))
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn a_poster_link_uses_the_host_asked_for_and_nothing_odd() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("grama.example.org:8080"));
        assert_eq!(super::absolute(&h, true, "/pay/sc/3"), "https://grama.example.org:8080/pay/sc/3");
        h.insert(header::HOST, HeaderValue::from_static("evil.example/\"><script>"));
        assert_eq!(super::absolute(&h, false, "/pay/sc/3"), "/pay/sc/3");
    }
}
