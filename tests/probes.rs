//! Health probes as an orchestrator runs them: `roster healthcheck` (the
//! real binary) and the real `grpc-health-probe` against live servers, for
//! each documented service name (`startup`, `liveness`, `readiness`, `""`,
//! `roster.v1.UserService`), while starting, serving, and while a
//! PostgreSQL store is down.
//!
//! `grpc-health-probe` comes from `.tools/bin` (`scripts/test` installs it
//! with `ensure_grpc_health_probe` of `scripts/lib.sh`); a test that needs
//! it fails, naming the command, when it is missing.

mod common;

use std::{
    net::SocketAddr,
    path::PathBuf,
    process::{Command, Output},
    time::{Duration, Instant},
};

use common::{pg, TestServer};

/// Every service name health knows, as the README documents them.
const NAMES: [&str; 5] = [
    "",
    "startup",
    "liveness",
    "readiness",
    "roster.v1.UserService",
];
/// The names that follow the store (SERVING only when calls can be served).
const READINESS: [&str; 3] = ["", "readiness", "roster.v1.UserService"];

/// `grpc-health-probe`'s exit statuses (its README).
const PROBE_SERVING: i32 = 0;
const PROBE_CONNECTION_FAILURE: i32 = 2;
const PROBE_RPC_FAILURE: i32 = 3;
const PROBE_UNHEALTHY: i32 = 4;

/// `roster healthcheck --addr ADDR --service SERVICE`.
fn healthcheck(addr: SocketAddr, service: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster"))
        .args([
            "healthcheck",
            "--addr",
            &addr.to_string(),
            "--service",
            service,
        ])
        .env_clear()
        .output()
        .unwrap()
}

/// The pinned `grpc-health-probe`.
fn probe_binary() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/grpc-health-probe");
    assert!(
        path.is_file(),
        "{} is missing: run `bash -c 'source scripts/lib.sh && ensure_grpc_health_probe'` \
         (scripts/test does)",
        path.display()
    );
    path
}

/// `grpc-health-probe -addr ADDR -service SERVICE`.
fn probe(addr: SocketAddr, service: &str) -> Output {
    Command::new(probe_binary())
        .arg(format!("-addr={addr}"))
        .arg(format!("-service={service}"))
        .output()
        .unwrap()
}

/// `roster healthcheck`'s answer: its exit status and its stderr.
fn check(addr: SocketAddr, service: &str) -> (i32, String) {
    let out = healthcheck(addr, service);
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts what both probes say about `service`: `roster healthcheck`
/// exits `ours` (nothing printed on 0, a line containing `says` on 1), and
/// `grpc-health-probe` exits `theirs`.
#[track_caller]
fn assert_probes(addr: SocketAddr, service: &str, ours: i32, says: &str, theirs: i32) {
    let out = healthcheck(addr, service);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(ours),
        "healthcheck {service:?}: {stderr}"
    );
    if ours == 0 {
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{stderr}");
    } else {
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(says), "healthcheck {service:?}: {stderr}");
    }
    let out = probe(addr, service);
    assert_eq!(
        out.status.code(),
        Some(theirs),
        "grpc-health-probe {service:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits until `roster healthcheck` of `service` exits `code`.
async fn until_check(addr: SocketAddr, service: &str, code: i32, within: Duration) {
    let started = Instant::now();
    loop {
        let (got, stderr) = check(addr, service);
        if got == code {
            return;
        }
        assert!(
            started.elapsed() < within,
            "healthcheck {service:?} still exits {got} ({stderr}) after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A serving roster: every documented name is SERVING to both probes; an
/// unknown name is "unknown" (exit 1; grpc-health-probe: RPC failure); a
/// closed port is unreachable (exit 1; grpc-health-probe: connection
/// failure).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_name_serving_to_both_probes() {
    let s = TestServer::start().await;
    for name in NAMES {
        assert_probes(s.addr, name, 0, "", PROBE_SERVING);
    }
    assert_probes(
        s.addr,
        "no.such.Service",
        1,
        "is unknown",
        PROBE_RPC_FAILURE,
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    assert_probes(addr, "", 1, "cannot connect", PROBE_CONNECTION_FAILURE);
}

/// While the store cannot be opened yet (another process holds it), roster
/// is alive but neither started nor ready; once it opens, all is SERVING.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alive_but_not_started_while_the_store_is_held() {
    common::init_logs();
    let data_dir = tempfile::tempdir().unwrap();
    let holder = roster::store::open(
        &roster::store::Location::data_dir(data_dir.path()),
        roster::store::Create::IfMissing,
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut args = common::test_args(data_dir.path().to_path_buf());
    args.bootstrap_key = Some(roster::auth::keys::generate().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(roster::server::run(args, listener, async {
        let _ = stopped.await;
    }));

    assert_probes(addr, "liveness", 0, "", PROBE_SERVING);
    for name in ["startup", "readiness", "", "roster.v1.UserService"] {
        assert_probes(addr, name, 1, "is NOT_SERVING", PROBE_UNHEALTHY);
    }

    drop(holder);
    until_check(addr, "startup", 0, Duration::from_secs(30)).await;
    for name in NAMES {
        assert_probes(addr, name, 0, "", PROBE_SERVING);
    }
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// A PostgreSQL store stopped as by a crash: readiness (and `""`,
/// UserService) turns NOT_SERVING while liveness and startup stay SERVING,
/// so an orchestrator takes the replica out of rotation without restarting
/// it; readiness is SERVING again once the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_database_liveness_does_not() {
    let cluster = pg::OwnedCluster::start();
    let db = cluster.database("probes");
    let s = TestServer::replicas(1, &db).await.remove(0);
    for name in NAMES {
        assert_probes(s.addr, name, 0, "", PROBE_SERVING);
    }

    cluster.crash();
    until_check(s.addr, "readiness", 1, Duration::from_secs(5)).await;
    for name in READINESS {
        assert_probes(s.addr, name, 1, "is NOT_SERVING", PROBE_UNHEALTHY);
    }
    for name in ["liveness", "startup"] {
        assert_probes(s.addr, name, 0, "", PROBE_SERVING);
    }

    cluster.resume_service();
    until_check(s.addr, "readiness", 0, Duration::from_secs(10)).await;
    for name in NAMES {
        assert_probes(s.addr, name, 0, "", PROBE_SERVING);
    }
}

/// `roster healthcheck`'s flags: a bad address, a zero timeout, a client
/// certificate without its key or CA, and an unreadable CA file each exit 2
/// with a line naming the flag.
#[test]
fn healthcheck_flags_are_checked() {
    let cases: [(&[&str], &str); 4] = [
        (&["--addr", "localhost"], "--addr"),
        (&["--timeout", "0s"], "--timeout"),
        (&["--tls-cert", "client.pem"], "--tls-key"),
        (&["--tls-ca", "/nonexistent/ca.pem"], "--tls-ca"),
    ];
    for (args, flag) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_roster"))
            .arg("healthcheck")
            .args(args)
            .env_clear()
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
    }
}

/// `ROSTER_HEALTHCHECK_ADDR` and `ROSTER_HEALTHCHECK_SERVICE` stand in for
/// the flags (an image sets them once for its `HEALTHCHECK`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_reads_its_environment() {
    let s = TestServer::start().await;
    let run = |service: &str| {
        Command::new(env!("CARGO_BIN_EXE_roster"))
            .arg("healthcheck")
            .env_clear()
            .env("ROSTER_HEALTHCHECK_ADDR", s.addr.to_string())
            .env("ROSTER_HEALTHCHECK_SERVICE", service)
            .output()
            .unwrap()
    };
    assert_eq!(run("liveness").status.code(), Some(0));
    let unknown = run("no.such.Service");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("\"no.such.Service\" is unknown"));
}

/// `roster healthcheck --tls-ca` against roster serving TLS (a certificate
/// for `localhost` and 127.0.0.1 from a throwaway CA): SERVING with the
/// right CA, whether the name comes from `--addr` or `--tls-server-name`; a
/// connection failure (exit 1) with another CA, or with a name the
/// certificate does not carry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_over_tls() {
    let certs = tempfile::tempdir().unwrap();
    let ca = pg::certificates(certs.path());
    let other = tempfile::tempdir().unwrap();
    let other_ca = pg::certificates(other.path());
    let data_dir = tempfile::tempdir().unwrap();
    let (cert, key) = (
        certs.path().join("server.crt"),
        certs.path().join("server.key"),
    );
    let server = common::ServerProcess::spawn(
        data_dir.path(),
        &[(
            "ROSTER_BOOTSTRAP_KEY",
            "probes-tls-bootstrap-key-0123456789abcdef",
        )],
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let addr = server.addr;

    let run = |addr: String, ca: &std::path::Path, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_roster"))
            .args([
                "healthcheck",
                "--service",
                "liveness",
                "--addr",
                &addr,
                "--tls-ca",
            ])
            .arg(ca)
            .args(extra)
            .env_clear()
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let by_ip = addr.to_string();
    let by_name = format!("localhost:{}", addr.port());
    assert_eq!(run(by_ip.clone(), &ca, &[]), (0, String::new()));
    assert_eq!(run(by_name, &ca, &[]), (0, String::new()));
    assert_eq!(
        run(by_ip.clone(), &ca, &["--tls-server-name", "localhost"]),
        (0, String::new())
    );
    for (ca, extra) in [
        (&other_ca, &[][..]),
        (&ca, &["--tls-server-name", "other.example"][..]),
    ] {
        let (code, stderr) = run(by_ip.clone(), ca, extra);
        assert_eq!(code, 1, "{extra:?}: {stderr}");
        assert!(stderr.contains("cannot connect"), "{extra:?}: {stderr}");
    }
}

/// A client certificate signed by the CA of [`pg::certificates`] in `dir`
/// (openssl): `client.crt` and `client.key`.
fn client_certificate(dir: &std::path::Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    };
    // An X.509 v3 certificate (webpki takes no other), for client auth.
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    run(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "client.key",
        "-out",
        "client.csr",
        "-subj",
        "/CN=probe",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "client.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "client.crt",
        "-days",
        "2",
        "-extfile",
        "client.ext",
    ]);
}

/// Mutual TLS: against roster requiring a client certificate of its CA,
/// `roster healthcheck` without `--tls-cert` fails to connect (exit 1) and
/// with `--tls-cert` and `--tls-key` gets SERVING (exit 0).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_over_mutual_tls() {
    let certs = tempfile::tempdir().unwrap();
    let ca = pg::certificates(certs.path());
    client_certificate(certs.path());
    let data_dir = tempfile::tempdir().unwrap();
    let (cert, key) = (
        certs.path().join("server.crt"),
        certs.path().join("server.key"),
    );
    let server = common::ServerProcess::spawn(
        data_dir.path(),
        &[(
            "ROSTER_BOOTSTRAP_KEY",
            "probes-mtls-bootstrap-key-0123456789abcdef",
        )],
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--tls-client-ca",
            ca.to_str().unwrap(),
        ],
    );
    let addr = server.addr.to_string();
    let run = |extra: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_roster"))
            .args([
                "healthcheck",
                "--service",
                "liveness",
                "--addr",
                &addr,
                "--tls-ca",
            ])
            .arg(&ca)
            .args(extra)
            .env_clear()
            .output()
            .unwrap()
    };
    let without = run(&[]);
    let stderr = String::from_utf8_lossy(&without.stderr);
    assert_eq!(without.status.code(), Some(1), "{stderr}");
    let (cert, key) = (
        certs.path().join("client.crt"),
        certs.path().join("client.key"),
    );
    let with = run(&[
        "--tls-cert".as_ref(),
        cert.as_os_str(),
        "--tls-key".as_ref(),
        key.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&with.stderr);
    assert_eq!(with.status.code(), Some(0), "{stderr}");
    assert!(with.stderr.is_empty(), "{stderr}");
}
