//! Durability: a load of transfers against a real `koinon serve`, killed with SIGKILL at
//! random moments ten times. After each restart every acknowledged transfer is there, and
//! `koinon ledger check` and `koinon audit verify` pass.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

fn koinon(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_koinon"));
    c.arg("--data-dir").arg(data_dir).env_remove("KOINON_DATABASE_URL").env_remove("KOINON_JSON");
    c
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port()
}

/// A running `koinon serve`, killed with SIGKILL when dropped.
struct Server(Child);

impl Server {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn start(data_dir: &Path, port: u16) -> Server {
    let server = Server(
        koinon(data_dir)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start koinon serve"),
    );
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await
            && r.status() == 200
        {
            return server;
        }
        assert!(Instant::now() < deadline, "koinon serve did not become ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_transfers_survive_sigkill() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    assert!(koinon(d).args(["demo", "--json"]).output().expect("demo").status.success());
    let out = koinon(d)
        .args(["admin", "create-token", "--email", "officer@heerlen.example.org", "--json"])
        .output()
        .expect("token");
    let token: serde_json::Value = serde_json::from_slice(&out.stdout).expect("token json");
    let token = token["token"].as_str().expect("token").to_string();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(d, port).await;
    let client = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        client.post(format!("{base}{path}")).bearer_auth(&token).json(&body).send()
    };
    assert!(
        post("/api/v1/ledgers", json!({"code": "EUR", "name": "Euro", "scale": 2}))
            .await
            .expect("ledger")
            .status()
            .is_success()
    );
    let accounts: Vec<serde_json::Value> =
        (1..=9).map(|i| json!({"id": uuid(i), "ledger": "EUR", "code": "wallet"})).collect();
    let r = post("/api/v1/accounts", json!({"accounts": accounts})).await.expect("accounts");
    assert_eq!(r.status(), 200);

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut next_id = 1_000u64;
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..10 {
        // Four clients post batches until the server dies under them.
        let mut clients = Vec::new();
        for c in 0..4u64 {
            let (base, token, acknowledged) = (base.clone(), token.clone(), acknowledged.clone());
            let start_id = next_id + c * 1_000_000;
            clients.push(tokio::spawn(async move {
                let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
                let mut id = start_id;
                loop {
                    let size = 1 + (id % 16);
                    let batch: Vec<serde_json::Value> = (0..size)
                        .map(|k| {
                            let from = 1 + (id + k) % 9;
                            json!({"id": uuid(id + k), "debit_account_id": uuid(from), "credit_account_id": uuid(1 + from % 9),
                                   "amount": 1 + (id + k) % 50, "ledger": "EUR", "code": "crash_test"})
                        })
                        .collect();
                    let ids: Vec<String> = (0..size).map(|k| uuid(id + k)).collect();
                    id += size;
                    let Ok(r) = http.post(format!("{base}/api/v1/transfers")).bearer_auth(&token).json(&json!({"transfers": batch})).send().await else {
                        return;
                    };
                    let Ok(body) = r.json::<serde_json::Value>().await else { return };
                    let Some(results) = body["results"].as_array() else { return };
                    let mut ack = acknowledged.lock().expect("lock");
                    for (rid, res) in ids.into_iter().zip(results) {
                        if res["result"] == "ok" {
                            ack.push(rid);
                        }
                    }
                }
            }));
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(150 + seed % 600)).await;
        server.kill();
        for c in clients {
            let _ = c.await;
        }
        next_id += 10_000_000;

        // The ledger and the audit chain hold on what is on disk.
        let check = koinon(d).args(["ledger", "check", "--json"]).output().expect("ledger check");
        assert!(check.status.success(), "round {round}: ledger check: {}", String::from_utf8_lossy(&check.stdout));
        let verify = koinon(d).args(["audit", "verify"]).output().expect("audit verify");
        assert!(verify.status.success(), "round {round}: audit verify: {}", String::from_utf8_lossy(&verify.stdout));

        server = start(d, port).await;
        let ack = acknowledged.lock().expect("lock").clone();
        assert!(!ack.is_empty() || round > 0, "round {round}: some transfers were acknowledged before the kill");
        // Every acknowledged transfer is there (checked in samples of the latest ones and all of this round's last).
        for id in ack.iter().rev().take(200) {
            let r = client.get(format!("{base}/api/v1/transfers/{id}")).bearer_auth(&token).send().await.expect("get");
            assert_eq!(r.status(), 200, "round {round}: acknowledged transfer {id} is missing after SIGKILL");
        }
    }
    // In the end, all of them.
    let ack = acknowledged.lock().expect("lock").clone();
    let store = koinon_store::Store::open(&koinon_store::StoreConfig::new(d, None)).await.expect("store");
    let mut conn = store.conn().await.expect("conn");
    let ids: Vec<u128> = ack.iter().map(|id| koinon_core::ledger::parse_id(id).expect("uuid")).collect();
    let found = conn.db().ledger_transfers_by_id(&ids).await.expect("lookup");
    assert_eq!(found.len(), ids.len(), "every acknowledged transfer is stored");
    assert!(ids.len() > 100, "the load was real: {} transfers acknowledged", ids.len());
    server.kill();
}
