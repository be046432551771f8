//! Per-request context: the locale (`?lang=`, then the `lang` cookie, then Accept-Language,
//! then English), the CSRF token (double-submit cookie), the session, flash messages and the
//! security headers every response carries.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use koinon_app::auth::{CurrentUser, random_token};
use koinon_core::locale::Locale;

use crate::AppState;
use crate::error::HtmlError;

pub const SESSION_COOKIE: &str = "koinon_session";
pub const CSRF_COOKIE: &str = "koinon_csrf";
pub const LANG_COOKIE: &str = "koinon_lang";
pub const FLASH_COOKIE: &str = "koinon_flash";

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// What the middleware worked out for this request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub locale: Locale,
    pub csrf: String,
    pub session_token: Option<String>,
    pub flash: Option<String>,
    pub path: String,
}

/// A flash message key to show on the next page (POST-redirect-GET).
#[derive(Debug, Clone)]
pub struct SetFlash(pub &'static str);

/// Reads one cookie from the request headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(response: &mut Response, name: &str, value: &str, max_age_s: Option<i64>, secure: bool) {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_s {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn lang_from_query(query: Option<&str>) -> Option<Locale> {
    query?.split('&').find_map(|pair| pair.strip_prefix("lang=")).and_then(Locale::from_tag)
}

pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let query_lang = lang_from_query(request.uri().query());
    let cookie_lang = cookie(headers, LANG_COOKIE).and_then(Locale::from_tag);
    let header_lang = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::negotiate);
    let locale = query_lang.or(cookie_lang).or(header_lang).unwrap_or(Locale::En);
    let existing_csrf =
        cookie(headers, CSRF_COOKIE).filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let new_csrf = if existing_csrf.is_none() { random_token().ok() } else { None };
    let csrf = existing_csrf.map(str::to_string).or_else(|| new_csrf.clone()).unwrap_or_default();
    let session_token = cookie(headers, SESSION_COOKIE).map(str::to_string);
    let flash = cookie(headers, FLASH_COOKIE).map(str::to_string);
    let had_flash = flash.is_some();
    let path = request.uri().path().to_string();
    request.extensions_mut().insert(RequestContext { locale, csrf, session_token, flash, path });

    let mut response = next.run(request).await;
    let secure = state.config.secure_cookies;
    if let Some(token) = new_csrf {
        set_cookie(&mut response, CSRF_COOKIE, &token, None, secure);
    }
    if let Some(lang) = query_lang
        && cookie_lang != Some(lang)
    {
        set_cookie(&mut response, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), secure);
    }
    match response.extensions().get::<SetFlash>().map(|f| f.0) {
        Some(key) => set_cookie(&mut response, FLASH_COOKIE, key, Some(60), secure),
        None if had_flash && !response.status().is_redirection() => {
            set_cookie(&mut response, FLASH_COOKIE, "", Some(0), secure);
        }
        None => {}
    }
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if secure {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The context of an HTML request: locale, CSRF token, signed-in user (if any).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub locale: Locale,
    pub csrf: String,
    pub session_token: Option<String>,
    pub user: Option<CurrentUser>,
    pub flash: Option<String>,
    pub path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = HtmlError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        let rc = parts.extensions.get::<RequestContext>().cloned().unwrap_or_else(|| RequestContext {
            locale: Locale::En,
            csrf: String::new(),
            session_token: None,
            flash: None,
            path: parts.uri.path().to_string(),
        });
        let user = match &rc.session_token {
            Some(token) => state.app.session_user(token).await.map_err(|e| HtmlError::new(rc.locale, e))?,
            None => None,
        };
        Ok(Ctx {
            locale: rc.locale,
            csrf: rc.csrf,
            session_token: rc.session_token,
            user,
            flash: rc.flash,
            path: rc.path,
        })
    }
}

impl Ctx {
    /// Refuses a form whose CSRF field does not match the cookie.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), HtmlError> {
        let ok = !self.csrf.is_empty()
            && submitted.len() == self.csrf.len()
            && submitted.bytes().zip(self.csrf.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if ok { Ok(()) } else { Err(HtmlError::csrf(self.locale)) }
    }

    /// The signed-in user, or a redirect to the sign-in page.
    pub fn require_user(&self) -> Result<&CurrentUser, HtmlError> {
        self.user.as_ref().ok_or_else(|| HtmlError::sign_in_required(self.locale, &self.path))
    }
}
