//! The `koinon` command line, run as a user would run it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn koinon(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_koinon"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("KOINON_DATABASE_URL")
        .env_remove("KOINON_JSON")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run koinon");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("koinon output")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn admin_commands_create_what_they_say() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let o = koinon(d, &["migrate"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(d.join("koinon.db").exists(), "SQLite file created in the data dir");

    let o = koinon(
        d,
        &[
            "admin",
            "create-tenant",
            "--code",
            "voru",
            "--name",
            "Võru",
            "--country",
            "EE",
            "--currency",
            "EUR",
            "--locale",
            "et",
            "--json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let tenant: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(tenant["code"], "voru");
    assert_eq!(tenant["default_locale"], "et");

    // Bad input names the field and creates nothing.
    let o = koinon(
        d,
        &[
            "admin",
            "create-tenant",
            "--code",
            "haidari",
            "--name",
            "Haidari",
            "--country",
            "Greece",
            "--currency",
            "EUR",
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("country"), "{}", text(&o));
    let o = koinon(d, &["admin", "list-tenants", "--json"], None);
    let tenants: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(tenants.as_array().map(Vec::len), Some(1));

    let o = koinon(
        d,
        &[
            "admin",
            "create-user",
            "--tenant",
            "voru",
            "--email",
            "Officer@Voru.ee",
            "--role",
            "officer",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("officer@voru.ee"));
    let o = koinon(
        d,
        &["admin", "create-user", "--tenant", "voru", "--email", "x@voru.ee", "--role", "mayor", "--password-stdin"],
        Some("a long enough password\n"),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("role"), "{}", text(&o));
    let o = koinon(
        d,
        &["admin", "create-user", "--tenant", "voru", "--email", "y@voru.ee", "--role", "admin", "--password-stdin"],
        Some("short\n"),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("12 characters"), "{}", text(&o));

    let o = koinon(d, &["admin", "create-token", "--email", "officer@voru.ee", "--json"], None);
    assert!(o.status.success(), "{}", text(&o));
    let token: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(token["token"].as_str().is_some_and(|t| t.starts_with("kt_") && t.len() == 67));
    let id = token["id"].as_i64().expect("id").to_string();
    let o = koinon(d, &["admin", "revoke-token", "--id", &id], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = koinon(d, &["admin", "revoke-token", "--id", &id], None);
    assert!(!o.status.success(), "revoking twice is an error");

    let o = koinon(d, &["audit", "verify", "--json"], None);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(report["ok"], true);
    assert!(report["entries_checked"].as_u64().is_some_and(|n| n >= 4), "{report}");
}

#[tokio::test]
async fn audit_verify_names_an_edited_entry() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let o = koinon(d, &["demo", "--json"], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = koinon(d, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", text(&o));

    // Someone edits entry 7 directly in the database.
    let url = format!("sqlite://{}", d.join("koinon.db").display());
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.expect("connect");
    sqlx::query("UPDATE audit_log SET summary = '{\"after\":{\"name\":\"forged\"}}' WHERE seq = 7")
        .execute(&mut conn)
        .await
        .expect("tamper");
    drop(conn);

    let o = koinon(d, &["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("entry 7"), "{}", text(&o));
    let o = koinon(d, &["audit", "verify", "--json"], None);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(report["first_bad_seq"], 7);
    assert_eq!(report["ok"], false);
}

#[test]
fn backup_and_restore_round_trip_every_row() {
    let dir = tempfile::tempdir().expect("dir");
    let source = dir.path().join("source");
    let target = dir.path().join("target");
    let o = koinon(&source, &["demo"], None);
    assert!(o.status.success(), "{}", text(&o));
    let first = dir.path().join("first.jsonl");
    let o = koinon(&source, &["backup", "--out", first.to_str().expect("path"), "--json"], None);
    assert!(o.status.success(), "{}", text(&o));
    let stats: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(stats["rows"].as_u64().is_some_and(|n| n > 50), "{stats}");

    let o = koinon(&target, &["restore", "--from", first.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("audit chain holds"));
    let second = dir.path().join("second.jsonl");
    let o = koinon(&target, &["backup", "--out", second.to_str().expect("path")], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(&first).expect("first"), std::fs::read(&second).expect("second"), "every row round-trips");

    // Restoring over data is refused; a missing file is named.
    let o = koinon(&target, &["restore", "--from", first.to_str().expect("path")], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("not empty"), "{}", text(&o));
    let o = koinon(&target, &["restore", "--from", "/no/such/file.jsonl"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("/no/such/file.jsonl"), "{}", text(&o));
}

#[test]
fn serve_refuses_a_bad_database_url() {
    let dir = tempfile::tempdir().expect("dir");
    let o = koinon(dir.path(), &["--database-url", "mysql://x", "migrate"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("postgres://"), "{}", text(&o));
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().expect("dir");
    // As `koinon demo --json | head -c 0`: the reader is gone before anything is written.
    let mut child = Command::new(env!("CARGO_BIN_EXE_koinon"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["demo", "--json"])
        .env_remove("KOINON_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run koinon");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("koinon output");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(o.status.success(), "{err}");
    // The demo was seeded all the same.
    let o = koinon(dir.path(), &["admin", "list-tenants", "--json"], None);
    assert!(text(&o).contains("heerlen"), "{}", text(&o));
}
