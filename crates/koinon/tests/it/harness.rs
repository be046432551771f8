//! `spawn_app()`: a real koinon server on 127.0.0.1:0 over a fresh database with demo data,
//! and HTTP clients that sign in as a demo user.

#![allow(dead_code)]

use std::net::SocketAddr;

use koinon_app::App;
use koinon_store::{Store, StoreConfig};

pub const PASSWORD: &str = koinon_app::demo::DEMO_PASSWORD;

pub struct TestApp {
    pub addr: SocketAddr,
    pub app: App,
    pub store: Store,
    /// Holds the SQLite directory for the life of the test.
    pub dir: Option<tempfile::TempDir>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A server over SQLite in a temporary directory.
pub async fn spawn_app() -> TestApp {
    spawn_on(Backend::Sqlite).await.expect("sqlite always works")
}

/// A server over the given backend; `None` when PostgreSQL is not available (and not required).
/// The demo data comes without the e-currency's shops and months of trade (`spawn_full_demo`).
pub async fn spawn_on(backend: Backend) -> Option<TestApp> {
    let (config, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            (StoreConfig::new(dir.path(), None), Some(dir))
        }
        Backend::Postgres => {
            let url = koinon_store::testing::fresh_postgres_url().await?;
            (StoreConfig::new("unused", Some(url)), None)
        }
    };
    let store = Store::open(&config).await.expect("open store");
    let app = App::new(store.clone());
    app.seed_demo_quick().await.expect("demo data");
    let state = koinon_web::AppState::new(app.clone(), koinon_web::WebConfig::default());
    let router = koinon_web::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Some(TestApp { addr, app, store, dir })
}

/// A server with the whole demo, as `koinon serve --demo` has it: with Santa Coloma's twenty
/// shops, the households' cards and three months of trade in grames.
pub async fn spawn_full_demo(backend: Backend) -> Option<TestApp> {
    let t = spawn_on(backend).await?;
    t.app.seed_demo().await.expect("the demo's trade");
    Some(t)
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client with a cookie jar that does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// The CSRF token the server set for this client (fetched from a page's hidden field).
    pub async fn csrf(&self, client: &reqwest::Client) -> String {
        let body = client.get(self.url("/sign-in")).send().await.expect("get sign-in").text().await.expect("body");
        hidden_csrf(&body).expect("csrf field on the sign-in page")
    }

    /// A client signed in as `email` (demo password).
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
        let client = self.client();
        let csrf = self.csrf(&client).await;
        let response = client
            .post(self.url("/sign-in"))
            .form(&[("csrf", csrf.as_str()), ("email", email), ("password", PASSWORD), ("next", "/dashboard")])
            .send()
            .await
            .expect("sign in");
        assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER, "sign-in of {email} must redirect");
        client
    }

    /// A bearer token for `email`, made through the app as the operator would.
    pub async fn token(&self, email: &str) -> String {
        let (_, token) = self.app.create_token(&koinon_app::Actor::System("test"), email, "test").await.expect("token");
        token
    }
}

/// The value of the first `name="csrf"` hidden input of a page.
pub fn hidden_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}
