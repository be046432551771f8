//! One conformance suite, run on both backends: every story runs on SQLite in a temporary
//! directory and on a fresh PostgreSQL database (skipped without PostgreSQL unless
//! `KOINON_REQUIRE_POSTGRES=1`).

use koinon_core::audit::{AuditFields, ChainVerifier, StoredAuditEntry, chain_hash};
use koinon_store::records::{NewTenant, NewUser};
use koinon_store::{Store, StoreConfig, StoreError, dump};

struct Fixture {
    store: Store,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&StoreConfig::new(dir.path(), None)).await.expect("open sqlite");
    Fixture { store, _dir: Some(dir) }
}

async fn postgres() -> Option<Fixture> {
    let url = koinon_store::testing::fresh_postgres_url().await?;
    let store = Store::open(&StoreConfig::new("unused", Some(url))).await.expect("open postgres");
    Some(Fixture { store, _dir: None })
}

macro_rules! conformance {
    ($($story:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    super::$story(super::sqlite().await.store).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let Some(fixture) = super::postgres().await else { return };
                    super::$story(fixture.store).await;
                }
            )*
        }
    };
}

conformance!(
    tenants_are_unique_and_paged,
    users_and_organisations_keep_their_rules,
    sessions_expire_and_end,
    tokens_can_be_revoked,
    a_network_has_one_lead_partner,
    audit_chain_holds_under_concurrent_appends,
    backup_restores_every_row,
    restore_refuses_damaged_or_nonempty,
    backup_covers_every_table,
);

fn tenant<'a>(code: &'a str, name: &'a str) -> NewTenant<'a> {
    NewTenant {
        code,
        name,
        country: "NL",
        default_locale: "en",
        currency: "EUR",
        currency_scale: 2,
        created_at_us: 1_700_000_000_000_000,
    }
}

async fn seed_tenant(store: &Store, code: &str) -> i64 {
    let mut tx = store.begin().await.expect("begin");
    let id = tx.db().insert_tenant(&tenant(code, code)).await.expect("insert tenant");
    tx.commit().await.expect("commit");
    id
}

async fn seed_user(store: &Store, tenant_id: i64, email: &str) -> i64 {
    let mut tx = store.begin().await.expect("begin");
    let id = tx
        .db()
        .insert_user(&NewUser {
            tenant_id,
            email,
            display_name: "Test",
            role: "officer",
            organisation_id: None,
            password_hash: "x",
            created_at_us: 1,
        })
        .await
        .expect("insert user");
    tx.commit().await.expect("commit");
    id
}

async fn tenants_are_unique_and_paged(store: Store) {
    for code in ["voru", "heerlen", "zaragoza", "haidari", "aarhus"] {
        seed_tenant(&store, code).await;
    }
    let mut tx = store.begin().await.expect("begin");
    let err = tx.db().insert_tenant(&tenant("heerlen", "again")).await.expect_err("duplicate code");
    assert!(err.is_conflict_on("code"), "{err:?}");
    tx.rollback().await.expect("rollback");

    let mut conn = store.conn().await.expect("conn");
    let page1 = conn.db().list_tenants("", 2).await.expect("page 1");
    assert_eq!(page1.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(), ["aarhus", "haidari"]);
    let page2 = conn.db().list_tenants(&page1[1].code, 10).await.expect("page 2");
    assert_eq!(page2.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(), ["heerlen", "voru", "zaragoza"]);

    let voru = conn.db().tenant_by_code("voru").await.expect("query").expect("exists");
    assert_eq!((voru.currency.as_str(), voru.currency_scale), ("EUR", 2));
    drop(conn);
    let mut tx = store.begin().await.expect("begin");
    tx.db().update_tenant(voru.id, "Võru vald", "et").await.expect("update");
    assert!(matches!(tx.db().update_tenant(9999, "x", "en").await, Err(StoreError::NotFound(_))));
    tx.commit().await.expect("commit");
    let mut conn = store.conn().await.expect("conn");
    let voru = conn.db().tenant_by_id(voru.id).await.expect("query").expect("exists");
    assert_eq!((voru.name.as_str(), voru.default_locale.as_str()), ("Võru vald", "et"));
}

async fn users_and_organisations_keep_their_rules(store: Store) {
    let sofia = seed_tenant(&store, "sofia").await;
    let mut tx = store.begin().await.expect("begin");
    tx.db().insert_organisation(sofia, "ngo", "Caritas Sofia", None, 1).await.expect("org");
    let err = tx.db().insert_organisation(sofia, "ngo", "Caritas Sofia", None, 2).await.expect_err("dup");
    assert!(err.is_conflict_on("name"), "{err:?}");
    tx.rollback().await.expect("rollback");

    let mut tx = store.begin().await.expect("begin");
    let err = tx.db().insert_organisation(4242, "ngo", "Nobody", None, 1).await.expect_err("fk");
    assert!(matches!(err, StoreError::Constraint(_)), "{err:?}");
    tx.rollback().await.expect("rollback");

    let mut tx = store.begin().await.expect("begin");
    let org =
        tx.db().insert_organisation(sofia, "ngo", "Caritas Sofia", Some("info@caritas.bg"), 1).await.expect("org");
    tx.commit().await.expect("commit");
    let user = seed_user(&store, sofia, "officer@sofia.bg").await;
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .db()
        .insert_user(&NewUser {
            tenant_id: sofia,
            email: "officer@sofia.bg",
            display_name: "Again",
            role: "admin",
            organisation_id: None,
            password_hash: "x",
            created_at_us: 1,
        })
        .await
        .expect_err("duplicate email");
    assert!(err.is_conflict_on("email"), "{err:?}");
    tx.rollback().await.expect("rollback");

    let mut tx = store.begin().await.expect("begin");
    tx.db().update_user_role(user, "provider", Some(org), false).await.expect("role");
    tx.commit().await.expect("commit");
    let mut conn = store.conn().await.expect("conn");
    let row = conn.db().user_by_email("officer@sofia.bg").await.expect("query").expect("user");
    assert_eq!((row.role.as_str(), row.organisation_id, row.disabled), ("provider", Some(org), false));
    let orgs = conn.db().list_organisations(sofia, None, 0, 10).await.expect("list");
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].email.as_deref(), Some("info@caritas.bg"));
    assert!(conn.db().list_organisations(sofia, Some(org + 1), 0, 10).await.expect("list").is_empty());
    let counts = conn.db().tenant_counts(sofia).await.expect("counts");
    assert_eq!((counts.users, counts.organisations, counts.networks), (1, 1, 0));
}

async fn sessions_expire_and_end(store: Store) {
    let t = seed_tenant(&store, "birmingham").await;
    let user = seed_user(&store, t, "citizen@example.org").await;
    let mut tx = store.begin().await.expect("begin");
    tx.db().insert_session("live", user, 100, 1_000).await.expect("session");
    tx.db().insert_session("other", user, 100, 1_000).await.expect("session");
    tx.db().insert_session("old", user, 100, 200).await.expect("session");
    tx.commit().await.expect("commit");
    let mut conn = store.conn().await.expect("conn");
    assert_eq!(conn.db().session_user("live", 500).await.expect("q").map(|u| u.id), Some(user));
    assert_eq!(conn.db().session_user("old", 500).await.expect("q"), None);
    assert_eq!(conn.db().session_user("nope", 500).await.expect("q"), None);
    drop(conn);
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(tx.db().delete_user_sessions(user, "live").await.expect("delete"), 2);
    tx.db().update_user_role(user, "beneficiary", None, true).await.expect("disable");
    tx.commit().await.expect("commit");
    let mut conn = store.conn().await.expect("conn");
    assert_eq!(conn.db().session_user("live", 500).await.expect("q"), None, "disabled user has no session");
    assert_eq!(conn.db().session_user("other", 500).await.expect("q"), None);
}

async fn tokens_can_be_revoked(store: Store) {
    let t = seed_tenant(&store, "heerlen").await;
    let user = seed_user(&store, t, "api@heerlen.nl").await;
    let mut tx = store.begin().await.expect("begin");
    let id = tx.db().insert_api_token(user, "hash-1", "till", 5).await.expect("token");
    let err = tx.db().insert_api_token(user, "hash-1", "again", 5).await.expect_err("dup hash");
    assert!(matches!(err, StoreError::Conflict { .. }));
    tx.rollback().await.expect("rollback");
    let mut tx = store.begin().await.expect("begin");
    let id2 = tx.db().insert_api_token(user, "hash-1", "till", 5).await.expect("token");
    tx.commit().await.expect("commit");
    let _ = id;
    let mut conn = store.conn().await.expect("conn");
    assert_eq!(conn.db().token_user("hash-1").await.expect("q").map(|u| u.id), Some(user));
    drop(conn);
    let mut tx = store.begin().await.expect("begin");
    assert!(tx.db().revoke_api_token(id2, 9).await.expect("revoke"));
    assert!(!tx.db().revoke_api_token(id2, 10).await.expect("revoke twice"));
    tx.commit().await.expect("commit");
    let mut conn = store.conn().await.expect("conn");
    assert_eq!(conn.db().token_user("hash-1").await.expect("q"), None);
    assert_eq!(conn.db().api_token(id2).await.expect("q").and_then(|t| t.revoked_at_us), Some(9));
}

async fn a_network_has_one_lead_partner(store: Store) {
    let heerlen = seed_tenant(&store, "heerlen").await;
    let mut tx = store.begin().await.expect("begin");
    let net = tx
        .db()
        .insert_network(heerlen, "SIBdev", "URBACT", Some("2019-09-01"), Some("2020-03-31"), 1)
        .await
        .expect("net");
    tx.db().insert_partner(net, "Heerlen", "NL", Some(heerlen), true).await.expect("lead");
    tx.db().insert_partner(net, "Võru", "EE", None, false).await.expect("partner");
    tx.db().insert_partner(net, "Zaragoza", "ES", None, false).await.expect("partner");
    tx.commit().await.expect("commit");
    let mut tx = store.begin().await.expect("begin");
    let err = tx.db().insert_partner(net, "Aarhus", "DK", None, true).await.expect_err("second lead");
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    tx.rollback().await.expect("rollback");
    let mut conn = store.conn().await.expect("conn");
    let partners = conn.db().list_partners(net).await.expect("partners");
    assert_eq!(partners.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Heerlen", "Võru", "Zaragoza"]);
    assert!(partners[0].is_lead && !partners[1].is_lead);
    let nets = conn.db().list_networks(heerlen, 0, 10).await.expect("nets");
    assert_eq!(nets[0].starts_on.as_deref(), Some("2019-09-01"));
}

async fn append(store: &Store, tenant_id: i64, object: String) {
    let mut tx = store.begin().await.expect("begin");
    let mut db = tx.db();
    let (seq, prev_hash) = db.audit_claim_next().await.expect("claim");
    let mut entry = StoredAuditEntry {
        seq,
        at_us: 1_700_000_000_000_000 + seq,
        tenant_id: Some(tenant_id),
        actor: "user:1".into(),
        action: "test.append".into(),
        object,
        summary: "{}".into(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = chain_hash(&entry.prev_hash, &entry.fields());
    db.audit_insert(&entry).await.expect("insert");
    tx.commit().await.expect("commit");
}

async fn audit_chain_holds_under_concurrent_appends(store: Store) {
    let t = seed_tenant(&store, "aarhus").await;
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                append(&store, t, format!("w{writer}:{i}")).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer");
    }
    let mut conn = store.conn().await.expect("conn");
    let entries = conn.db().audit_range(0, 1000).await.expect("range");
    assert_eq!(entries.len(), 80);
    let mut verifier = ChainVerifier::default();
    for e in &entries {
        verifier.check(e).expect("chain holds");
    }
    let (seq, hash) = conn.db().audit_head().await.expect("head");
    assert_eq!((seq, hash.as_str()), (80, verifier.last_hash()));
    let page = conn.db().audit_page(t, i64::MAX, 5).await.expect("page");
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [80, 79, 78, 77, 76]);
    let _ = AuditFields { seq: 0, at_us: 0, tenant_id: None, actor: "", action: "", object: "", summary: "" };
}

async fn populate(store: &Store) {
    let heerlen = seed_tenant(store, "heerlen").await;
    let user = seed_user(store, heerlen, "officer@heerlen.nl").await;
    let mut tx = store.begin().await.expect("begin");
    let org = tx.db().insert_organisation(heerlen, "investor", "Stichting Fonds", None, 3).await.expect("org");
    tx.db().update_user_role(user, "investor", Some(org), false).await.expect("role");
    tx.db().insert_session("s1", user, 1, 2).await.expect("session");
    tx.db().insert_api_token(user, "h1", "label with \"quotes\" and ünïcode", 4).await.expect("token");
    tx.db().record_login_failure("x@y.nl", 7).await.expect("failure");
    let net = tx.db().insert_network(heerlen, "SIBdev", "URBACT", None, None, 5).await.expect("net");
    tx.db().insert_partner(net, "Heerlen", "NL", Some(heerlen), true).await.expect("lead");
    tx.commit().await.expect("commit");
    for i in 0..3 {
        append(store, heerlen, format!("o{i}")).await;
    }
}

async fn backup_to_string(store: &Store) -> String {
    let mut out = Vec::new();
    dump::backup(store, &mut out).await.expect("backup");
    String::from_utf8(out).expect("utf-8")
}

async fn backup_restores_every_row(store: Store) {
    populate(&store).await;
    let first = backup_to_string(&store).await;
    assert!(first.lines().count() > 10);

    // Into a fresh database of each backend: the restored copy backs up to the same bytes.
    let target = sqlite().await;
    let stats = dump::restore(&target.store, first.as_bytes()).await.expect("restore into sqlite");
    assert_eq!(stats.rows as usize, first.lines().count() - 2);
    assert_eq!(backup_to_string(&target.store).await, first);
    if let Some(pg) = postgres().await {
        dump::restore(&pg.store, first.as_bytes()).await.expect("restore into postgres");
        assert_eq!(backup_to_string(&pg.store).await, first);
        // New rows after a restore get fresh ids (identity sequences were moved past the data).
        let id = seed_tenant(&pg.store, "newcomer").await;
        assert!(id > 1);
    }
    // And the restored database keeps working: new ids do not collide.
    let id = seed_tenant(&target.store, "another").await;
    assert!(id > 1);
}

async fn restore_refuses_damaged_or_nonempty(store: Store) {
    let source = sqlite().await;
    populate(&source.store).await;
    let good = backup_to_string(&source.store).await;

    // A truncated file changes nothing.
    let truncated: String = good.lines().take(6).map(|l| format!("{l}\n")).collect();
    let err = dump::restore(&store, truncated.as_bytes()).await.expect_err("truncated");
    assert!(err.to_string().contains("incomplete"), "{err}");
    let mut conn = store.conn().await.expect("conn");
    assert!(conn.db().list_tenants("", 10).await.expect("list").is_empty());
    drop(conn);

    // A damaged line is named.
    let damaged = good.replacen("\"heerlen\"", "42", 1);
    let err = dump::restore(&store, damaged.as_bytes()).await.expect_err("damaged");
    assert!(err.to_string().contains("line 2"), "{err}");

    // Not a backup at all.
    let err = dump::restore(&store, "hello\n".as_bytes()).await.expect_err("garbage");
    assert!(err.to_string().contains("line 1"), "{err}");

    // A good one works once; a second time the database is not empty.
    dump::restore(&store, good.as_bytes()).await.expect("restore");
    let err = dump::restore(&store, good.as_bytes()).await.expect_err("non-empty");
    assert!(err.to_string().contains("not empty"), "{err}");
}

/// A table added by a migration but forgotten in the backup's table list would be lost by a
/// backup: the list must name exactly the tables the schema has.
async fn backup_covers_every_table(store: Store) {
    let mut conn = store.conn().await.expect("conn");
    let names: Vec<String> = match conn.db() {
        koinon_store::Db::Sqlite(c) => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
        )
        .fetch_all(&mut *c)
        .await
        .expect("tables"),
        koinon_store::Db::Postgres(c) => sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(&mut *c)
        .await
        .expect("tables"),
    };
    let mut in_schema: Vec<String> =
        names.into_iter().filter(|n| !dump::DERIVED_TABLES.contains(&n.as_str())).collect();
    in_schema.sort();
    let mut in_backup: Vec<String> = dump::TABLES.iter().map(|t| t.name.to_string()).collect();
    in_backup.sort();
    assert_eq!(in_schema, in_backup);
}
