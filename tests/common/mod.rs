//! The test harness: a real roster server on `127.0.0.1:0` with a temporary
//! data directory, and generated tonic clients that talk to it over the
//! socket, the way users do.
//!
//! With `ROSTER_TEST_STORE=postgres` every [`TestServer`] keeps its records
//! in a fresh database of a throwaway PostgreSQL cluster ([`pg`]) instead of
//! the embedded store: the test command runs the integration suites both
//! ways.
#![allow(dead_code)]

pub mod pg;
pub mod web;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;
use roster::{
    auth::{keys, Secret},
    config::{Cli, Command, ServeArgs},
    pb::{self, user_service_client::UserServiceClient},
};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tonic::{
    metadata::MetadataValue,
    service::{interceptor::InterceptedService, Interceptor},
    transport::{Channel, Endpoint},
    Code, Request, Status,
};
use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};

/// A client that sends an access key (and optionally impersonates).
pub type Client = UserServiceClient<InterceptedService<Channel, Auth>>;

/// Adds `authorization: Bearer <key>` and `x-roster-impersonate-user`.
#[derive(Clone)]
pub struct Auth {
    pub authorization: Option<String>,
    pub impersonate: Option<String>,
}

impl Interceptor for Auth {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        if let Some(a) = &self.authorization {
            req.metadata_mut().insert(
                "authorization",
                MetadataValue::try_from(a.as_str()).unwrap(),
            );
        }
        if let Some(u) = &self.impersonate {
            req.metadata_mut().insert(
                "x-roster-impersonate-user",
                MetadataValue::try_from(u.as_str()).unwrap(),
            );
        }
        Ok(req)
    }
}

/// A running server. Stops when dropped (with the test's runtime).
pub struct TestServer {
    pub addr: SocketAddr,
    /// The `--http-listen` address, when the test asked for one (any
    /// `Some` in `args.http_listen` binds a free loopback port).
    pub http_addr: Option<SocketAddr>,
    /// The `--metrics-listen` address, when the test asked for one (any
    /// `Some` in `args.metrics_listen` binds a free loopback port).
    pub metrics_addr: Option<SocketAddr>,
    /// The bootstrap key of user `admin` (super-admin).
    pub admin_key: String,
    pub data_dir: tempfile::TempDir,
    channel: Channel,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), roster::server::ServeError>>>,
}

/// Awaits every future, concurrently, in order.
pub async fn futures_join_all<T: Send + 'static>(
    futures: impl IntoIterator<Item = impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let tasks: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

/// Whether test servers keep their records in PostgreSQL
/// (`ROSTER_TEST_STORE=postgres`) rather than the embedded store.
pub fn on_postgres() -> bool {
    match std::env::var("ROSTER_TEST_STORE").as_deref() {
        Ok("postgres") => true,
        Ok("sled") | Err(_) => false,
        Ok(other) => panic!("ROSTER_TEST_STORE={other}: expected `postgres` or `sled`"),
    }
}

/// The settings of a test server: defaults, with `data_dir`.
pub fn test_args(data_dir: PathBuf) -> ServeArgs {
    let cli = Cli::parse_from(["roster", "serve", "--data-dir", data_dir.to_str().unwrap()]);
    match cli.command {
        Some(Command::Serve(args)) => *args,
        _ => unreachable!(),
    }
}

impl TestServer {
    /// Starts a server with default settings and waits until it is SERVING.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts `n` replicas of one PostgreSQL store (`store`, a connection
    /// URL) at once, all with the same bootstrap key, and waits until each
    /// is SERVING.
    pub async fn replicas(n: usize, store: &str) -> Vec<Self> {
        let admin_key = keys::generate().unwrap().expose().to_owned();
        let starts = (0..n).map(|_| {
            let (key, store) = (admin_key.clone(), store.to_owned());
            Self::start_keyed(key, move |args| args.store = Some(store))
        });
        futures_join_all(starts).await
    }

    /// Starts a server with settings changed by `tune`.
    pub async fn start_with(tune: impl FnOnce(&mut ServeArgs)) -> Self {
        let admin_key = keys::generate().unwrap().expose().to_owned();
        Self::start_keyed(admin_key, tune).await
    }

    /// Starts a server whose bootstrap key is `admin_key`, with settings
    /// changed by `tune`.
    pub async fn start_keyed(admin_key: String, tune: impl FnOnce(&mut ServeArgs)) -> Self {
        init_logs();
        let data_dir = tempfile::tempdir().unwrap();
        let mut args = test_args(data_dir.path().to_path_buf());
        args.bootstrap_key = Some(Secret::new(admin_key.clone()));
        if on_postgres() {
            args.store = Some(pg::database());
        }
        tune(&mut args);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let http = match args.http_listen {
            Some(_) => Some(TcpListener::bind("127.0.0.1:0").await.unwrap()),
            None => None,
        };
        let http_addr = http.as_ref().map(|l| l.local_addr().unwrap());
        let metrics = match args.metrics_listen {
            Some(_) => Some(TcpListener::bind("127.0.0.1:0").await.unwrap()),
            None => None,
        };
        let metrics_addr = metrics.as_ref().map(|l| l.local_addr().unwrap());
        let listeners = roster::server::Listeners {
            main: listener,
            http,
            metrics,
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(roster::server::run(args, listeners, async {
            let _ = stopped.await;
        }));
        let channel = Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect_lazy();
        wait_serving(channel.clone()).await;
        TestServer {
            addr,
            http_addr,
            metrics_addr,
            admin_key,
            data_dir,
            channel,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Asks the server to shut down, waits until it has, and hands over its
    /// data directory.
    pub async fn stop(mut self) -> Result<tempfile::TempDir, roster::server::ServeError> {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap()?;
        let empty = tempfile::tempdir().unwrap();
        Ok(std::mem::replace(&mut self.data_dir, empty))
    }

    /// The shared channel to the server.
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// A client sending `key`.
    pub fn client(&self, key: &str) -> Client {
        client_on(self.channel(), Some(key), None)
    }

    /// A client sending `key` and impersonating `user`.
    pub fn client_as(&self, key: &str, user: &str) -> Client {
        client_on(self.channel(), Some(key), Some(user))
    }

    /// A client sending no key at all.
    pub fn anonymous(&self) -> Client {
        client_on(self.channel(), None, None)
    }

    /// A client with the bootstrap (super-admin) key.
    pub fn admin(&self) -> Client {
        self.client(&self.admin_key)
    }

    /// Creates an organization as admin.
    pub async fn org(&self, id: &str) {
        self.admin()
            .create_organization(pb::CreateOrganizationRequest {
                organization: Some(pb::Organization {
                    id: id.into(),
                    name: format!("Org {id}"),
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
    }

    /// Creates a tenant of `org` as admin.
    pub async fn tenant(&self, id: &str, org: &str) {
        self.admin()
            .create_tenant(pb::CreateTenantRequest {
                tenant: Some(pb::Tenant {
                    id: id.into(),
                    name: format!("Tenant {id}"),
                    org_id: org.into(),
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
    }

    /// Creates a user as admin and returns a fresh key of it.
    pub async fn user(&self, id: &str, org: &str, tenant: &str, roles: &[&str]) -> String {
        self.admin()
            .create_user(pb::CreateUserRequest {
                user: Some(pb::User {
                    id: id.into(),
                    name: format!("User {id}"),
                    org_id: org.into(),
                    tenant_id: tenant.into(),
                    roles: roles.iter().map(|r| r.to_string()).collect(),
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
        self.key_for(id).await
    }

    /// Issues a key for `user` through admin impersonation.
    pub async fn key_for(&self, user: &str) -> String {
        let name = format!("k{}", rand_suffix());
        let res = self
            .client_as(&self.admin_key, user)
            .create_access_key(pb::CreateAccessKeyRequest { name })
            .await
            .unwrap()
            .into_inner();
        res.access_keys[0].access_key.clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Sends the server's log to the test's captured output (shown when a test
/// fails); levels from `RUST_LOG`, `info` by default.
pub fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// A client on `channel`.
pub fn client_on(channel: Channel, key: Option<&str>, impersonate: Option<&str>) -> Client {
    UserServiceClient::with_interceptor(
        channel,
        Auth {
            authorization: key.map(|k| format!("Bearer {k}")),
            impersonate: impersonate.map(str::to_owned),
        },
    )
}

/// Every user of `org`, following the page tokens to the end.
pub async fn all_users(client: &mut Client, org: &str) -> Vec<pb::User> {
    let mut users = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_users(pb::ListUsersRequest {
                lookup_org_id: org.into(),
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        users.extend(page.users);
        if page.next_page_token.is_empty() {
            return users;
        }
        token = page.next_page_token;
    }
}

/// Runs `roster check` on a stopped server's data directory.
pub fn roster_check(data_dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["check", "--data-dir"])
        .arg(data_dir)
        .output()
        .unwrap()
}

/// Waits until the server's health says SERVING (polling the condition, at
/// most 30 s).
pub async fn wait_serving(channel: Channel) {
    let mut health = HealthClient::new(channel);
    for _ in 0..3000 {
        if let Ok(res) = health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
        {
            if res.into_inner().status == 1 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server did not become SERVING within 30 s");
}

/// A short random suffix for unique names.
pub fn rand_suffix() -> String {
    let key = keys::generate().unwrap();
    key.expose()[3..11].to_owned()
}

/// Asserts that a call failed with `code`.
#[track_caller]
pub fn assert_code<T: std::fmt::Debug>(result: Result<T, Status>, code: Code) -> Status {
    match result {
        Ok(v) => panic!("expected {code:?}, got OK: {v:?}"),
        Err(s) => {
            assert_eq!(s.code(), code, "unexpected status: {s:?}");
            s
        }
    }
}

/// Asserts INVALID_ARGUMENT naming `field` in the message and in a
/// `google.rpc.BadRequest` detail.
#[track_caller]
pub fn assert_invalid<T: std::fmt::Debug>(result: Result<T, Status>, field: &str) {
    use tonic_types::StatusExt;
    let status = assert_code(result, Code::InvalidArgument);
    assert!(
        status.message().contains(field),
        "message `{}` does not name `{field}`",
        status.message()
    );
    let details = status.get_error_details();
    let violations = &details
        .bad_request()
        .expect("a BadRequest detail")
        .field_violations;
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].field, field);
}

/// A roster server running as its own process (the real binary), for what
/// only a process can show: `kill -9`, signals, exit codes, its log.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    /// Every line the process wrote to stderr so far.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `roster serve` on 127.0.0.1:0 with JSON logs and `extra`
    /// flags, and waits for its "listening" line.
    pub fn spawn(data_dir: &std::path::Path, envs: &[(&str, &str)], extra: &[&str]) -> Self {
        use std::io::BufRead;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_roster"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env_remove("ROSTER_BOOTSTRAP_KEY")
            .env("RUST_LOG", "info")
            .envs(envs.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn roster");
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) {
                    if event["message"] == "listening" {
                        let addr: SocketAddr = event["addr"].as_str().unwrap().parse().unwrap();
                        let _ = addr_tx.send(addr);
                    }
                }
                sink.lock().unwrap().push(line);
            }
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("roster did not listen: {:?}", log.lock().unwrap()));
        ServerProcess { child, addr, log }
    }

    /// A lazily connecting channel to the process.
    pub fn channel(&self) -> Channel {
        Endpoint::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect_lazy()
    }

    /// Sends a signal (`-KILL`, `-TERM`, ...) to the process.
    pub fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig} failed");
    }

    /// `kill -9` and reap.
    pub fn kill9(mut self) {
        self.signal("-KILL");
        self.child.wait().unwrap();
    }

    /// The `rpc` log event of the call with request id `id`, waiting for
    /// it (at most 5 s).
    pub async fn rpc_event(&self, id: &str) -> serde_json::Value {
        for _ in 0..500 {
            let found = self
                .log_lines()
                .iter()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|e| e["message"] == "rpc" && e["request_id"] == id);
            if let Some(event) = found {
                return event;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no rpc event with request_id {id}: {:#?}", self.log_lines());
    }

    /// Every log line so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The outcome of a raw call: the `grpc-status` code, `grpc-message`, and
/// the response message's bytes (without the 5-byte frame header).
#[derive(Debug)]
pub struct RawResponse {
    pub code: Code,
    pub message: String,
    pub body: Vec<u8>,
}

/// Opens a raw HTTP/2 stream to `/roster.v1.UserService/<method>` with
/// `headers`, without sending the request body yet. A raw client has no
/// deadline logic of its own (tonic's client would cancel by itself), so
/// what comes back is the server's answer alone.
pub async fn raw_open(
    addr: SocketAddr,
    method: &str,
    headers: &[(&str, String)],
) -> (h2::client::ResponseFuture, h2::SendStream<bytes::Bytes>) {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();
    let mut req = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/roster.v1.UserService/{method}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    for (name, value) in headers {
        req = req.header(*name, value.as_str());
    }
    client.send_request(req.body(()).unwrap(), false).unwrap()
}

/// Sends `msg` as the body of a stream from [`raw_open`] and reads the
/// answer.
pub async fn raw_finish<M: prost::Message>(
    (response, mut send): (h2::client::ResponseFuture, h2::SendStream<bytes::Bytes>),
    msg: &M,
) -> RawResponse {
    let payload = msg.encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(&payload);
    // The server may answer (and reset the stream) before reading the body.
    let _ = send.send_data(bytes::Bytes::from(frame), true);
    let response = response.await.unwrap();
    let (parts, mut body) = response.into_parts();
    let mut data = Vec::new();
    let mut trailers = parts.headers.clone();
    if parts.headers.get("grpc-status").is_none() {
        while let Some(chunk) = body.data().await {
            let chunk = chunk.unwrap();
            let _ = body.flow_control().release_capacity(chunk.len());
            data.extend_from_slice(&chunk);
        }
        trailers = body.trailers().await.unwrap().unwrap_or_default();
    }
    let code = trailers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .map(Code::from)
        .expect("a grpc-status");
    let message = trailers
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    RawResponse {
        code,
        message,
        body: data.get(5..).unwrap_or_default().to_vec(),
    }
}

/// One raw unary call: [`raw_open`] then [`raw_finish`].
pub async fn raw_call<M: prost::Message>(
    addr: SocketAddr,
    method: &str,
    headers: &[(&str, String)],
    msg: &M,
) -> RawResponse {
    raw_finish(raw_open(addr, method, headers).await, msg).await
}
