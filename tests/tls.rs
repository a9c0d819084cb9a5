//! TLS and mTLS on the real binary: gRPC and JSON over TLS on both
//! listeners, the certificate rotated under load with no failed call,
//! a bad file at reload keeping the old certificate, a client without a
//! certificate refused under mTLS, and bad files at start refused with
//! exit status 2.

mod common;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use common::ServerProcess;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use roster::pb::{self, user_service_client::UserServiceClient};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};

/// The bootstrap key of the servers under test.
const ADMIN_KEY: &str = "tls-test-bootstrap-key-0123456789abcdef";

/// A CA that signs server and client certificates.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its key, in PEM.
struct Pem {
    cert: String,
    key: String,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Ca { issuer }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A leaf certificate for `localhost` and 127.0.0.1 (server or client).
    fn leaf(&self, name: &str) -> Pem {
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Pem {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

/// Replaces `path`'s contents at once (write aside, rename), as a
/// certificate manager does.
fn replace(path: &Path, contents: &str) {
    let aside = path.with_extension("new");
    std::fs::write(&aside, contents).unwrap();
    std::fs::rename(&aside, path).unwrap();
}

/// The TLS files of a server in `dir`, holding `pem`.
fn files(dir: &Path, pem: &Pem) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, &pem.cert).unwrap();
    std::fs::write(&key, &pem.key).unwrap();
    (cert, key)
}

fn spawn(data_dir: &Path, extra: &[&str]) -> ServerProcess {
    ServerProcess::spawn(data_dir, &[("ROSTER_BOOTSTRAP_KEY", ADMIN_KEY)], extra)
}

/// A TLS channel trusting `ca`, presenting `identity` if given.
async fn tls_channel(addr: SocketAddr, ca: &str, identity: Option<&Pem>) -> Channel {
    tls_endpoint(addr, ca, identity).connect().await.unwrap()
}

fn tls_endpoint(addr: SocketAddr, ca: &str, identity: Option<&Pem>) -> Endpoint {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca))
        .domain_name("localhost");
    if let Some(pem) = identity {
        tls = tls.identity(Identity::from_pem(&pem.cert, &pem.key));
    }
    Endpoint::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .timeout(Duration::from_secs(10))
}

async fn get_info(channel: Channel) -> Result<pb::GetUserInfoResponse, tonic::Status> {
    let mut req = tonic::Request::new(pb::GetUserInfoRequest {});
    req.metadata_mut().insert(
        "authorization",
        format!("Bearer {ADMIN_KEY}").parse().unwrap(),
    );
    UserServiceClient::new(channel)
        .get_info(req)
        .await
        .map(|r| r.into_inner())
}

async fn wait_serving(channel: Channel) {
    let mut health = HealthClient::new(channel);
    for _ in 0..3000 {
        let status = health
            .check(HealthCheckRequest::default())
            .await
            .map(|r| r.into_inner().status);
        if status.as_ref().is_ok_and(|s| *s == 1) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server did not become SERVING within 30 s");
}

/// A raw TLS connection to `addr` offering `alpn`: the server's leaf
/// certificate, and the stream.
async fn handshake(
    addr: SocketAddr,
    ca: &str,
    alpn: &[u8],
) -> (
    CertificateDer<'static>,
    tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
) {
    let stream = connect(addr, ca, alpn, None).await.unwrap();
    let leaf = stream.get_ref().1.peer_certificates().unwrap()[0].clone();
    (leaf.into_owned(), stream)
}

/// A raw TLS connection presenting `identity` if given.
async fn connect(
    addr: SocketAddr,
    ca: &str,
    alpn: &[u8],
    identity: Option<&Pem>,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    use rustls::pki_types::{pem::PemObject, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(pem) => builder
            .with_client_auth_cert(
                vec![der(pem)],
                PrivateKeyDer::from_pem_slice(pem.key.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![alpn.to_vec()];
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// How the server refuses a TLS client presenting `identity`: the error
/// the client reads after the handshake (a TLS 1.3 client finishes its
/// side of the handshake before the server checks its certificate).
async fn refusal(addr: SocketAddr, ca: &str, identity: Option<&Pem>) -> String {
    let mut stream = match connect(addr, ca, b"h2", identity).await {
        Ok(stream) => stream,
        Err(e) => return e.to_string(),
    };
    // Sending nothing: bytes the server has not read when it closes could
    // turn its close into a reset that hides the alert.
    let mut buf = [0u8; 64];
    match stream.read(&mut buf).await {
        Ok(n) => panic!("the server answered {n} bytes"),
        Err(e) => e.to_string(),
    }
}

fn der(pem: &Pem) -> CertificateDer<'static> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_slice(pem.cert.as_bytes()).unwrap()
}

/// The `--http-listen` address from the process's "listening" line.
async fn http_addr(server: &ServerProcess) -> SocketAddr {
    let line = wait_log(server, &["\"listening\"", "http_addr"]).await;
    let event: serde_json::Value = serde_json::from_str(&line).unwrap();
    event["http_addr"].as_str().unwrap().parse().unwrap()
}

/// Waits until a line of the log contains every one of `parts`.
async fn wait_log(server: &ServerProcess, parts: &[&str]) -> String {
    for _ in 0..1000 {
        if let Some(line) = server
            .log_lines()
            .into_iter()
            .find(|l| parts.iter().all(|p| l.contains(p)))
        {
            return line;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no log line with {parts:?}: {:#?}", server.log_lines());
}

/// The upper-case hex SHA-256 of a certificate, as the log names it.
fn fingerprint(cert: &CertificateDer<'_>) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(cert)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// One JSON call over TLS and HTTP/1.1: the status line and the body.
async fn json_over_tls(addr: SocketAddr, ca: &str) -> (String, String) {
    let (_, mut stream) = handshake(addr, ca, b"http/1.1").await;
    let body = "{}";
    let request = format!(
        "POST /api/get-user-info HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer \
         {ADMIN_KEY}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: \
         close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

/// gRPC and JSON over TLS on both listeners; the certificate rotated while
/// calls run on open connections and on new ones: no call fails, and new
/// handshakes get the new certificate. Then an unusable file: the old
/// certificate stays, and the log says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tls_on_both_listeners_and_rotation_under_load() {
    let ca = Ca::new("roster test CA");
    let (first, second) = (ca.leaf("first"), ca.leaf("second"));
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = files(dir.path(), &first);
    let data_dir = tempfile::tempdir().unwrap();
    let server = spawn(
        data_dir.path(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--http-listen",
            "127.0.0.1:0",
        ],
    );
    let (addr, http) = (server.addr, http_addr(&server).await);
    wait_serving(tls_endpoint(addr, &ca.pem(), None).connect_lazy()).await;

    // Both listeners: gRPC and JSON, and the first certificate.
    for listener in [addr, http] {
        let info = get_info(tls_channel(listener, &ca.pem(), None).await)
            .await
            .unwrap();
        assert_eq!(info.id, "admin");
        let (status, body) = json_over_tls(listener, &ca.pem()).await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["id"], "admin");
        let (leaf, _) = handshake(listener, &ca.pem(), b"h2").await;
        assert_eq!(leaf, der(&first));
    }
    // A plaintext client on a TLS port gets no HTTP/2: its preface is
    // answered with a TLS alert record (content type 21), then the
    // connection closes. (A gRPC client reports that as INTERNAL or
    // CANCELLED, depending on which it reads first.)
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), plain.read_to_end(&mut answer))
        .await
        .expect("the connection stays open")
        .unwrap();
    // TLS 1.2 record header, then a fatal (2) decode_error (50) alert.
    assert_eq!(answer, [21, 3, 3, 0, 2, 2, 50]);

    // Load: calls on four open connections, and calls each on a new one.
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut load = Vec::new();
    for i in 0..5 {
        let (stop, ok, failed, ca) = (stop.clone(), ok.clone(), failed.clone(), ca.pem());
        load.push(tokio::spawn(async move {
            let open = tls_channel(addr, &ca, None).await;
            while !stop.load(Ordering::Relaxed) {
                let channel = match i {
                    4 => match tls_endpoint(addr, &ca, None).connect().await {
                        Ok(channel) => channel,
                        Err(e) => {
                            eprintln!("connect failed: {e:?}");
                            failed.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                    },
                    _ => open.clone(),
                };
                match get_info(channel).await {
                    Ok(info) if info.id == "admin" => ok.fetch_add(1, Ordering::Relaxed),
                    other => {
                        eprintln!("call failed: {other:?}");
                        failed.fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = ok.load(Ordering::Relaxed);

    // Rotation: the key first, then the certificate (a pair that does not
    // match for a moment, as with most tools).
    replace(&key, &second.key);
    replace(&cert, &second.cert);
    let rotated = Instant::now();
    loop {
        let (leaf, _) = handshake(addr, &ca.pem(), b"h2").await;
        if leaf == der(&second) {
            break;
        }
        assert!(
            rotated.elapsed() < Duration::from_secs(10),
            "new handshakes still get the first certificate"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (leaf, _) = handshake(http, &ca.pem(), b"h2").await;
    assert_eq!(leaf, der(&second), "the --http-listen listener");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    assert_eq!(failed.load(Ordering::Relaxed), 0, "failed calls");
    let after = ok.load(Ordering::Relaxed);
    eprintln!("rotation under load: {after} calls, {before} before the rotation, 0 failed");
    assert!(
        before > 0 && after > before,
        "calls ran before and after the rotation: {before}, {after}"
    );
    wait_log(
        &server,
        &["TLS certificate reloaded", &fingerprint(&der(&second))],
    )
    .await;

    // An unusable certificate file: the second certificate stays.
    replace(&cert, "-----BEGIN CERTIFICATE-----\nnot base64\n");
    let line = wait_log(&server, &["keeping the previous certificate"]).await;
    assert!(line.contains("--tls-cert"), "{line}");
    let (leaf, _) = handshake(addr, &ca.pem(), b"h2").await;
    assert_eq!(leaf, der(&second));
    let info = get_info(tls_channel(addr, &ca.pem(), None).await)
        .await
        .unwrap();
    assert_eq!(info.id, "admin");
    // Repaired: the first certificate again.
    replace(&key, &first.key);
    replace(&cert, &first.cert);
    wait_log(
        &server,
        &["TLS certificate reloaded", &fingerprint(&der(&first))],
    )
    .await;
}

/// mTLS: a client certificate from the CA is required; none, or one from
/// another CA, is refused during the handshake.
#[tokio::test]
async fn mtls_requires_a_client_certificate_from_the_ca() {
    let ca = Ca::new("roster test CA");
    let clients = Ca::new("roster client CA");
    let other = Ca::new("someone else's CA");
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = files(dir.path(), &ca.leaf("server"));
    let client_ca = dir.path().join("clients.pem");
    std::fs::write(&client_ca, clients.pem()).unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let server = spawn(
        data_dir.path(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--tls-client-ca",
            client_ca.to_str().unwrap(),
        ],
    );
    let member = clients.leaf("service-a");
    wait_serving(tls_endpoint(server.addr, &ca.pem(), Some(&member)).connect_lazy()).await;

    let info = get_info(tls_channel(server.addr, &ca.pem(), Some(&member)).await)
        .await
        .unwrap();
    assert_eq!(info.id, "admin");
    let intruder = other.leaf("intruder");
    for (identity, alert) in [
        (None, "received fatal alert: CertificateRequired"),
        (Some(&intruder), "received fatal alert: UnknownCA"),
    ] {
        assert_eq!(refusal(server.addr, &ca.pem(), identity).await, alert);
    }
    // A refused client's calls fail; the member's still work.
    let refused = tls_endpoint(server.addr, &ca.pem(), None).connect_lazy();
    assert!(get_info(refused).await.is_err());
    let info = get_info(tls_channel(server.addr, &ca.pem(), Some(&member)).await)
        .await
        .unwrap();
    assert_eq!(info.id, "admin");
}

/// Unusable TLS settings stop the start with exit status 2 and one line
/// naming the flag.
#[test]
fn bad_tls_files_at_start_exit_2() {
    let ca = Ca::new("roster test CA");
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = files(dir.path(), &ca.leaf("server"));
    let other_key = dir.path().join("other-key.pem");
    std::fs::write(&other_key, ca.leaf("other").key).unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "hello\n").unwrap();
    let missing = dir.path().join("missing.pem");
    let (cert, key, other_key, garbage, missing) = (
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        other_key.to_str().unwrap(),
        garbage.to_str().unwrap(),
        missing.to_str().unwrap(),
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["--tls-cert", missing, "--tls-key", key],
            "cannot read --tls-cert",
        ),
        (&["--tls-cert", garbage, "--tls-key", key], "--tls-cert"),
        (&["--tls-cert", cert, "--tls-key", garbage], "--tls-key"),
        (
            &["--tls-cert", cert, "--tls-key", other_key],
            "--tls-cert and --tls-key",
        ),
        (
            &[
                "--tls-cert",
                cert,
                "--tls-key",
                key,
                "--tls-client-ca",
                garbage,
            ],
            "--tls-client-ca",
        ),
        (
            &["--tls-cert", cert],
            "required arguments were not provided",
        ),
    ];
    for (flags, expected) in cases {
        let data_dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir.path())
            .args(*flags)
            .env("ROSTER_BOOTSTRAP_KEY", ADMIN_KEY)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        let said = stderr
            .lines()
            .find(|l| l.starts_with("roster: ") || l.starts_with("error: "));
        assert!(
            said.is_some_and(|l| l.contains(expected)),
            "{flags:?}: stderr does not say `{expected}`: {stderr}"
        );
    }
}

/// A TLS listener gives a client `--handshake-timeout` to finish its
/// handshake: one that starts and stalls is disconnected.
#[tokio::test]
async fn a_stalled_handshake_is_cut_at_the_handshake_timeout() {
    let ca = Ca::new("roster test CA");
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = files(dir.path(), &ca.leaf("server"));
    let data_dir = tempfile::tempdir().unwrap();
    let server = spawn(
        data_dir.path(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--handshake-timeout",
            "1s",
        ],
    );
    let mut stalled = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    // The header of a handshake record whose body never comes.
    stalled
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00])
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(10), stalled.read(&mut buf))
        .await
        .expect("still open after 10 s");
    assert_eq!(read.unwrap(), 0, "closed without an answer");
    assert!(started.elapsed() >= Duration::from_millis(900));
    // Others are still served.
    let info = get_info(tls_channel(server.addr, &ca.pem(), None).await)
        .await
        .unwrap();
    assert_eq!(info.id, "admin");
}
