//! A PostgreSQL store's database failing under roster: stopped as by a
//! crash and started again under load, and frozen. Each test owns its
//! cluster (`pg::OwnedCluster`).

mod common;

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::{pg, TestServer};
use roster::pb;
use tonic::Code;
use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};

async fn health(s: &TestServer) -> i32 {
    HealthClient::new(s.channel())
        .check(HealthCheckRequest {
            service: "roster.v1.UserService".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status
}

/// Waits until health reports `status` (1 SERVING, 2 NOT_SERVING); answers
/// how long that took.
async fn health_becomes(s: &TestServer, status: i32, within: Duration) -> Duration {
    let started = Instant::now();
    while health(s).await != status {
        assert!(
            started.elapsed() < within,
            "health is not {status} after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

/// Writers keep creating users while the database is stopped as by a crash
/// (`pg_ctl stop -m immediate`) and started again: every call is answered
/// OK or UNAVAILABLE (never INTERNAL, never a hang), health turns
/// NOT_SERVING during the outage and SERVING after it, the replica serves
/// again by itself, and every acknowledged user is there afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_crash_under_load() {
    let cluster = pg::OwnedCluster::start();
    let db = cluster.database("crashes");
    let s = TestServer::replicas(1, &db).await.remove(0);
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let codes = Arc::new(Mutex::new(std::collections::BTreeMap::<String, u32>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (mut c, ack, codes, stop) =
            (s.admin(), acknowledged.clone(), codes.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let id = format!("w{w}-{n}");
                let mut req = tonic::Request::new(pb::CreateUserRequest {
                    user: Some(pb::User {
                        id: id.clone(),
                        name: id.clone(),
                        org_id: "default".into(),
                        ..Default::default()
                    }),
                });
                req.set_timeout(Duration::from_secs(5));
                let code = match c.create_user(req).await {
                    Ok(_) => {
                        ack.lock().unwrap().insert(id);
                        Code::Ok
                    }
                    Err(status) => status.code(),
                };
                *codes
                    .lock()
                    .unwrap()
                    .entry(format!("{code:?}"))
                    .or_default() += 1;
                if code != Code::Ok {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    cluster.crash();
    let down = health_becomes(&s, 2, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    cluster.resume_service();
    let up = health_becomes(&s, 1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let codes = codes.lock().unwrap().clone();
    eprintln!(
        "calls by code: {codes:?}; NOT_SERVING after {down:?}, SERVING {up:?} after the restart"
    );
    for code in codes.keys() {
        assert!(
            code == "Ok" || code == "Unavailable",
            "answered {code}: {codes:?}"
        );
    }
    assert!(
        codes.get("Unavailable").copied().unwrap_or(0) > 0,
        "the outage went unseen"
    );
    // Every acknowledged write survived the crash.
    let stored: BTreeSet<String> = pg::psql_on_port(
        cluster.port,
        "crashes",
        "SELECT string_agg(id, ',') FROM users WHERE id LIKE 'w%'",
    )
    .split(',')
    .map(str::to_owned)
    .collect();
    let acknowledged = acknowledged.lock().unwrap().clone();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    eprintln!("{} acknowledged creates, all present", acknowledged.len());
}

/// The database frozen (SIGSTOP): a call that needs it answers
/// DEADLINE_EXCEEDED at its deadline, health turns NOT_SERVING within two
/// seconds and SERVING again once the database goes on (SIGCONT).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_frozen() {
    let cluster = pg::OwnedCluster::start();
    let db = cluster.database("frozen");
    let s = TestServer::replicas(1, &db).await.remove(0);
    cluster.pause();
    // A raw HTTP/2 client: tonic's would cancel by itself at the deadline
    // (it reads grpc-timeout too) and hide the server's answer.
    let headers = [
        ("authorization", format!("Bearer {}", s.admin_key)),
        ("grpc-timeout", "500m".to_owned()),
    ];
    let started = Instant::now();
    let answer = common::raw_call(
        s.addr,
        "ListUsers",
        &headers,
        &pb::ListUsersRequest::default(),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(answer.code, Code::DeadlineExceeded, "{}", answer.message);
    assert!(
        took < Duration::from_millis(1500),
        "answered after {took:?}"
    );
    let down = health_becomes(&s, 2, Duration::from_secs(3)).await;
    cluster.unpause();
    let up = health_becomes(&s, 1, Duration::from_secs(3)).await;
    eprintln!("DEADLINE_EXCEEDED after {took:?}; NOT_SERVING after {down:?}; SERVING {up:?} after SIGCONT");
    let users = s.admin().list_users(pb::ListUsersRequest::default()).await;
    assert_eq!(users.unwrap().into_inner().users.len(), 1);
}

/// A JSON client that goes away cancels its call: with the database frozen
/// a ListUsers over HTTP/1.1 waits; the client closes its connection; the
/// server drops the call at once (logged as Cancelled) rather than holding
/// it to its deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn json_client_gone_cancels_its_call() {
    let cluster = pg::OwnedCluster::start();
    let db = cluster.database("gone");
    let key = roster::auth::keys::generate().unwrap().expose().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let server = common::ServerProcess::spawn(
        dir.path(),
        &[("ROSTER_BOOTSTRAP_KEY", key.as_str())],
        &["--store", &db],
    );
    common::wait_serving(server.channel()).await;
    let auth = format!("Bearer {key}");
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    // Authenticated once, so that the frozen call waits on its page, not on
    // its key.
    let warm = common::web::Conn::open(server.addr)
        .await
        .request("POST", "/api/list-users", &headers, b"{}")
        .await
        .unwrap();
    assert_eq!(warm.status, 200);

    cluster.pause();
    let mut conn = common::web::Conn::open(server.addr).await;
    let body = b"{}";
    let request = format!(
        "POST /api/list-users HTTP/1.1\r\nhost: roster\r\ncontent-type: application/json\r\n\
         authorization: {auth}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    conn.send_raw(&[request.as_bytes(), body].concat())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let gone = Instant::now();
    drop(conn);
    let cancelled = |lines: &[String]| {
        lines.iter().any(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
            event["method"] == "ListUsers" && event["code"] == "Cancelled"
        })
    };
    while !cancelled(&server.log_lines()) {
        assert!(
            gone.elapsed() < Duration::from_secs(5),
            "the call was not cancelled: {:?}",
            server.log_lines()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("cancelled {:?} after the client closed", gone.elapsed());
    cluster.unpause();
}
