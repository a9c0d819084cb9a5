//! `--metrics-listen`: a real Prometheus server (Debian's package, installed
//! by scripts/ensure-prometheus) scrapes a live roster every second, and
//! PromQL through its HTTP API must count exactly the calls a test made,
//! by method and code; `/metrics` itself shows no ids in labels and answers
//! nothing but `GET /metrics`.

mod common;

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use common::{
    web::{post, request, Conn},
    TestServer,
};
use roster::{auth::keys, pb};
use serde_json::{json, Value};
use tonic::Code;

/// A server with a metrics listener.
async fn server() -> TestServer {
    TestServer::start_with(|args| args.metrics_listen = Some(([127, 0, 0, 1], 0).into())).await
}

/// The Prometheus program: `ROSTER_PROMETHEUS`, else `prometheus` on PATH.
/// Missing, the test fails (it is part of the suite, not optional).
fn prometheus_program() -> PathBuf {
    if let Ok(path) = std::env::var("ROSTER_PROMETHEUS") {
        return path.into();
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("prometheus"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("no `prometheus` on PATH: run scripts/ensure-prometheus (the test command does)")
        })
}

/// A Prometheus server scraping one target every second, in a temporary
/// directory, on a free loopback port; killed when dropped.
struct Prometheus {
    addr: SocketAddr,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    async fn scraping(target: SocketAddr) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: roster\n    static_configs:\n      \
                 - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let addr = free_port();
        let child = Command::new(prometheus_program())
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("prometheus starts");
        let prometheus = Prometheus {
            addr,
            child,
            _dir: dir,
        };
        // Ready when its API answers.
        for _ in 0..300 {
            let connects = tokio::net::TcpStream::connect(addr).await.is_ok();
            if connects
                && prometheus
                    .try_get("/-/ready")
                    .await
                    .is_some_and(|a| a.0 == 200)
            {
                return prometheus;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("prometheus did not become ready within 30 s");
    }

    async fn try_get(&self, path: &str) -> Option<(u16, Vec<u8>)> {
        let mut conn = tokio::time::timeout(Duration::from_secs(5), async {
            Conn::open(self.addr).await
        })
        .await
        .ok()?;
        let answer = conn.request("GET", path, &[], b"").await.ok()?;
        Some((answer.status, answer.body))
    }

    /// An instant PromQL query's result vector.
    async fn query(&self, promql: &str) -> Vec<Value> {
        let (status, body) = self
            .try_get(&format!("/api/v1/query?query={}", encode(promql)))
            .await
            .expect("prometheus answers");
        let answer: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status, &answer["status"]),
            (200, &json!("success")),
            "{answer}"
        );
        answer["data"]["result"].as_array().unwrap().clone()
    }

    /// `promql`'s series as (the values of `labels`) → value.
    async fn by(&self, promql: &str, labels: &[&str]) -> BTreeMap<Vec<String>, f64> {
        self.query(promql)
            .await
            .iter()
            .map(|series| {
                let key = labels
                    .iter()
                    .map(|l| series["metric"][l].as_str().unwrap_or("").to_owned())
                    .collect();
                let value = series["value"][1].as_str().unwrap().parse().unwrap();
                (key, value)
            })
            .collect()
    }

    /// Waits until a scrape that started after `after` (seconds since the
    /// epoch) succeeded.
    async fn scraped_after(&self, after: f64) {
        for _ in 0..200 {
            let up = self.query("timestamp(up{job=\"roster\"} == 1)").await;
            let at = up
                .first()
                .and_then(|s| s["value"][1].as_str())
                .and_then(|v| v.parse::<f64>().ok());
            if at.is_some_and(|at| at > after) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("prometheus did not scrape roster within 20 s");
    }
}

/// A free loopback port (bound, then released for the child to take).
fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// `s` percent-encoded for a query string.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// `[(labels, value)]` as a map, for comparing with a query's.
fn expect(series: &[(&[&str], f64)]) -> BTreeMap<Vec<String>, f64> {
    series
        .iter()
        .map(|(labels, v)| (labels.iter().map(|l| l.to_string()).collect(), *v))
        .collect()
}

/// The calls a test makes, over gRPC and JSON, and what Prometheus must
/// count of them: exactly these, by method (route) and code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_counts_exactly_the_calls_made() {
    let server = server().await;
    let prometheus = Prometheus::scraping(server.metrics_addr.unwrap()).await;

    // gRPC (and gRPC-Web, below): 4 GetInfo OK, 2 UNAUTHENTICATED (no key; a well-formed key
    // nobody holds), 1 CreateUser INVALID_ARGUMENT.
    for _ in 0..3 {
        server
            .admin()
            .get_info(pb::GetUserInfoRequest {})
            .await
            .unwrap();
    }
    let status = server
        .anonymous()
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let stranger = keys::generate().unwrap().expose().to_owned();
    let status = server
        .client(&stranger)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = server
        .admin()
        .create_user(pb::CreateUserRequest { user: None })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    // gRPC-Web: 1 GetInfo OK (an empty request, one frame; the answer's
    // trailers say grpc-status:0).
    let bearer = format!("Bearer {}", server.admin_key);
    let web = Conn::open(server.addr)
        .await
        .request(
            "POST",
            "/roster.v1.UserService/GetInfo",
            &[
                ("content-type", "application/grpc-web+proto"),
                ("authorization", &bearer),
            ],
            &[0, 0, 0, 0, 0],
        )
        .await
        .unwrap();
    assert_eq!(web.status, 200);
    assert!(
        String::from_utf8_lossy(&web.body).contains("grpc-status:0"),
        "{web:?}"
    );
    // JSON: 2 get-user-info 200, 1 get-user-info 401, 1 unknown path 404.
    let key = server.admin_key.clone();
    for _ in 0..2 {
        let answer = post(server.addr, "/api/get-user-info", Some(&key), &json!({})).await;
        assert_eq!(answer.status, 200);
    }
    let answer = post(server.addr, "/api/get-user-info", None, &json!({})).await;
    assert_eq!(answer.status, 401);
    let answer = post(
        server.addr,
        "/api/no-such-route/secret-path",
        Some(&key),
        &json!({}),
    )
    .await;
    assert_eq!(answer.status, 404);

    prometheus.scraped_after(now()).await;

    let user_service = "{grpc_service=\"roster.v1.UserService\"}";
    assert_eq!(
        prometheus
            .by(
                &format!("grpc_server_handled_total{user_service}"),
                &["grpc_type", "grpc_method", "grpc_code"]
            )
            .await,
        expect(&[
            (&["unary", "CreateUser", "InvalidArgument"], 1.0),
            (&["unary", "GetInfo", "OK"], 4.0),
            (&["unary", "GetInfo", "Unauthenticated"], 2.0),
        ])
    );
    assert_eq!(
        prometheus
            .by(
                &format!("grpc_server_started_total{user_service}"),
                &["grpc_method"]
            )
            .await,
        expect(&[(&["CreateUser"], 1.0), (&["GetInfo"], 6.0)])
    );
    assert_eq!(
        prometheus
            .by(
                &format!("grpc_server_handling_seconds_count{user_service}"),
                &["grpc_method"]
            )
            .await,
        expect(&[(&["CreateUser"], 1.0), (&["GetInfo"], 6.0)])
    );
    assert_eq!(
        prometheus
            .by(
                &format!("grpc_server_msg_received_total{user_service}"),
                &["grpc_method"]
            )
            .await,
        expect(&[(&["CreateUser"], 1.0), (&["GetInfo"], 6.0)])
    );
    // A message is sent only with an OK answer.
    assert_eq!(
        prometheus
            .by(
                &format!("grpc_server_msg_sent_total{user_service}"),
                &["grpc_method"]
            )
            .await,
        expect(&[(&["GetInfo"], 4.0)])
    );
    assert_eq!(
        prometheus
            .by("http_server_requests_total", &["route", "method", "code"])
            .await,
        expect(&[
            (&["/api/get-user-info", "POST", "200"], 2.0),
            (&["/api/get-user-info", "POST", "401"], 1.0),
            (&["other", "POST", "404"], 1.0),
        ])
    );
    assert_eq!(
        prometheus
            .by("http_server_request_duration_seconds_count", &["route"])
            .await,
        expect(&[(&["/api/get-user-info"], 3.0), (&["other"], 1.0)])
    );
    // Both refusals over gRPC and the JSON one, by reason.
    assert_eq!(
        prometheus
            .by("roster_auth_failures_total", &["reason"])
            .await,
        expect(&[
            (&["malformed_key"], 0.0),
            (&["no_key"], 2.0),
            (&["orphan_key"], 0.0),
            (&["unknown_key"], 1.0),
        ])
    );
    // The admin's key: looked up in the store once (a miss), then cached
    // (6 gRPC, gRPC-Web and JSON calls hit); the stranger's key misses.
    assert_eq!(
        prometheus
            .by(
                "{__name__=~\"roster_auth_cache_(hits|misses)_total\"}",
                &["__name__", "cache"]
            )
            .await,
        expect(&[
            (&["roster_auth_cache_hits_total", "impersonations"], 0.0),
            (&["roster_auth_cache_hits_total", "keys"], 6.0),
            (&["roster_auth_cache_misses_total", "impersonations"], 0.0),
            (&["roster_auth_cache_misses_total", "keys"], 2.0),
        ])
    );
    assert_eq!(
        prometheus.by("roster_calls_in_flight", &[]).await,
        expect(&[(&[], 0.0)])
    );
}

/// No organization, user or key id reaches a label; the listener serves
/// `GET /metrics` and nothing else.
#[tokio::test]
async fn no_ids_in_labels_and_nothing_but_metrics() {
    let server = server().await;
    let metrics = server.metrics_addr.unwrap();
    server.org("secret-org-xyz").await;
    let key = server
        .user("secret-id-xyz", "secret-org-xyz", "", &[])
        .await;
    server
        .client(&key)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap();
    let answer = post(server.addr, "/api/get-user-info", Some(&key), &json!({})).await;
    assert_eq!(answer.status, 200);

    let answer = request(metrics, "GET", "/metrics").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let text = String::from_utf8(answer.body).unwrap();
    assert!(
        text.contains(
            "grpc_server_handled_total{grpc_type=\"unary\",grpc_service=\"roster.v1.UserService\",\
         grpc_method=\"GetInfo\",grpc_code=\"OK\"} 1\n"
        ),
        "{text}"
    );
    for secret in ["secret-id-xyz", "secret-org-xyz", &key[..12]] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
    assert!(text.ends_with("# EOF\n"), "{text}");
    // Four changes made durable: the bootstrap, the organization, the user,
    // the key.
    assert!(
        text.contains("\nroster_store_commit_changes_sum 4.0\n"),
        "{text}"
    );
    // The pool's use, on PostgreSQL only (ROSTER_TEST_STORE=postgres).
    let pool = text.contains("\nroster_store_pool_max 16\n");
    assert_eq!(pool, common::on_postgres(), "{text}");

    assert_eq!(request(metrics, "GET", "/").await.status, 404);
    assert_eq!(request(metrics, "GET", "/metrics/x").await.status, 404);
    assert_eq!(
        request(metrics, "GET", "/api/get-user-info").await.status,
        404
    );
    let post = request(metrics, "POST", "/metrics").await;
    assert_eq!((post.status, post.header("allow")), (405, Some("GET")));
}

/// The metrics port has the other listeners' bounds: at most
/// `--max-connections` open (the next waits in the backlog), and one that
/// sends nothing within `--handshake-timeout` is closed, which lets the
/// waiting one in.
#[tokio::test]
async fn the_metrics_listener_is_bounded() {
    let server = TestServer::start_with(|args| {
        args.metrics_listen = Some(([127, 0, 0, 1], 0).into());
        args.max_connections = 1;
        args.handshake_timeout = Duration::from_millis(300);
    })
    .await;
    let metrics = server.metrics_addr.unwrap();
    let mut silent = tokio::net::TcpStream::connect(metrics).await.unwrap();
    // Accepted before the next one connects.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut waiting = Conn::open(metrics).await;
    let closed = async {
        let mut byte = [0u8; 1];
        tokio::io::AsyncReadExt::read(&mut silent, &mut byte).await
    };
    let answered = waiting.request("GET", "/metrics", &[], b"");
    tokio::pin!(closed, answered);
    let first = tokio::time::timeout(Duration::from_secs(10), async {
        // Both may be ready by the time this task runs: the order of the
        // branches is the order of the events then.
        tokio::select! {
            biased;
            read = &mut closed => format!("silent connection ended: {:?}", read.map_err(|e| e.kind())),
            answer = &mut answered => format!("waiting one answered {}", answer.unwrap().status),
        }
    })
    .await
    .expect("the silent connection is closed within 10 s");
    assert_eq!(first, "silent connection ended: Ok(0)");
    let answer = tokio::time::timeout(Duration::from_secs(10), answered)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.status, 200);
}
