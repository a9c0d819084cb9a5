//! A throwaway PostgreSQL cluster for the tests of one test binary: made by
//! `initdb` in a temporary directory on the first call of [`database`],
//! listening on a free loopback port, and stopped and removed when the test
//! process exits (a small shell wrapper waits on a pipe from this process;
//! when the pipe closes it stops the server and deletes the directory).
//! Each call of [`database`] creates a fresh database in it.
//!
//! The server programs come from Debian's `postgresql` package
//! (`scripts/ensure-postgres` installs it; see `bindir`). As root,
//! the cluster runs as the `postgres` user (initdb and postgres refuse
//! root), through `setpriv`.
#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicU32, Ordering},
        Mutex, OnceLock,
    },
    time::{Duration, Instant},
};

/// The running cluster of this test process.
struct Cluster {
    port: u16,
    /// The wrapper; its stdin is the pipe whose end stops the cluster.
    _wrapper: Mutex<Child>,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
/// A second cluster that serves TLS, with its CA certificate.
static TLS_CLUSTER: OnceLock<(Cluster, PathBuf)> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A connection URL to a new, empty database of this process's cluster.
pub fn database() -> String {
    let cluster = CLUSTER.get_or_init(start);
    let name = format!(
        "roster_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    psql(cluster.port, &format!("CREATE DATABASE {name}"));
    format!("postgres://postgres@127.0.0.1:{}/{name}", cluster.port)
}

/// The port of this process's cluster (started if it is not yet).
pub fn port() -> u16 {
    CLUSTER.get_or_init(start).port
}

/// A new, empty database of a cluster that serves TLS (`ssl=on`, a server
/// certificate for `localhost` and `127.0.0.1` signed by a CA of the
/// test's own): its URL without `sslmode`, and the CA's PEM file.
pub fn tls_database() -> (String, PathBuf) {
    let (cluster, ca) = TLS_CLUSTER.get_or_init(|| start_cluster(true));
    let name = format!(
        "roster_tls_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    psql(cluster.port, &format!("CREATE DATABASE {name}"));
    (
        format!("postgres://postgres@localhost:{}/{name}", cluster.port),
        ca.clone(),
    )
}

/// The port of the TLS cluster.
pub fn tls_port() -> u16 {
    TLS_CLUSTER.get_or_init(|| start_cluster(true)).0.port
}

/// Runs one SQL statement as the superuser, on database `postgres`.
pub fn psql(port: u16, sql: &str) -> String {
    psql_on(port, "postgres", sql)
}

/// Runs one SQL statement as the superuser on the database of `url` (one
/// that [`database`] made); answers its output, trimmed.
pub fn psql_url(url: &str, sql: &str) -> String {
    let name = url.rsplit('/').next().expect("a database name");
    psql_on(port(), name, sql)
}

/// Runs one SQL statement as the superuser on `database` of the cluster on
/// `port`.
pub fn psql_on_port(port: u16, database: &str, sql: &str) -> String {
    psql_on(port, database, sql)
}

fn psql_on(port: u16, database: &str, sql: &str) -> String {
    let out = Command::new(bindir().join("psql"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .args(["-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// PostgreSQL's server programs: `ROSTER_PG_BINDIR`, or the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout), or what
/// `pg_config --bindir` says.
fn bindir() -> PathBuf {
    static BINDIR: OnceLock<PathBuf> = OnceLock::new();
    BINDIR
        .get_or_init(|| {
            if let Some(dir) = std::env::var_os("ROSTER_PG_BINDIR") {
                return PathBuf::from(dir);
            }
            let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| {
                    let version = e.file_name().to_str()?.parse().ok()?;
                    let bin = e.path().join("bin");
                    bin.join("initdb").exists().then_some((version, bin))
                })
                .collect();
            debian.sort();
            if let Some((_, bin)) = debian.pop() {
                return bin;
            }
            let out = Command::new("pg_config")
                .arg("--bindir")
                .output()
                .expect("PostgreSQL is not installed: run scripts/ensure-postgres");
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
        })
        .clone()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

/// `program` with `args`, as the `postgres` user when this process is root.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("setpriv");
        cmd.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--",
        ])
        .arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start() -> Cluster {
    start_cluster(false).0
}

/// Makes a CA and a server certificate signed by it in `dir` (openssl;
/// `ca.pem`, `server.crt` and `server.key`, for `localhost` and 127.0.0.1):
/// answers the CA's PEM file.
pub fn certificates(dir: &Path) -> PathBuf {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=roster test CA",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    dir.join("ca.pem")
}

/// Starts a cluster; with `tls`, serving TLS with certificates of its own
/// (answered: the CA's PEM file).
/// A new temporary directory (named `prefix...`) holding a cluster made by
/// initdb in its `data/`, owned by the cluster's user; `prepare` runs in it
/// first.
fn new_cluster_dir(prefix: &str, prepare: impl FnOnce(&Path)) -> PathBuf {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("a temporary directory")
        .keep();
    prepare(&dir);
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .expect("chown runs");
        assert!(status.success(), "chown the cluster's directory");
    }
    let out = as_owner(&bindir().join("initdb"))
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn start_cluster(tls: bool) -> (Cluster, PathBuf) {
    let mut ca = PathBuf::new();
    let dir = new_cluster_dir("roster-pg-", |dir| {
        if tls {
            ca = certificates(dir);
        }
    });
    let data = dir.join("data");
    let port = free_port();
    // The wrapper starts postgres, waits for its stdin to close (this process
    // exiting), then stops postgres and removes the directory.
    let script = r#"
        "$@" & pid=$!
        read _ || true
        kill -INT "$pid" 2>/dev/null
        wait "$pid"
        rm -rf "$ROSTER_PG_DIR"
    "#;
    let mut postgres = as_owner(&bindir().join("postgres"));
    postgres
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-k"])
        .arg(&dir)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "max_connections=300",
        ])
        .args([
            "-c",
            "shared_buffers=32MB",
            "-c",
            "log_min_messages=warning",
        ]);
    if tls {
        postgres.args(["-c", "ssl=on", "-c"]);
        postgres.arg(format!(
            "ssl_cert_file={}",
            dir.join("server.crt").display()
        ));
        postgres.arg("-c");
        postgres.arg(format!("ssl_key_file={}", dir.join("server.key").display()));
    }
    let mut wrapper = Command::new("sh");
    wrapper
        .arg("-c")
        .arg(script)
        .arg("postgres-wrapper")
        .arg(postgres.get_program())
        .args(postgres.get_args())
        .env("ROSTER_PG_DIR", &dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = wrapper.spawn().expect("the postgres wrapper starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    // Keep the server's stderr flowing (and visible with --nocapture).
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("postgres: {line}");
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = Command::new(bindir().join("pg_isready"))
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q"])
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "postgres did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (
        Cluster {
            port,
            _wrapper: Mutex::new(child),
        },
        ca,
    )
}

/// A cluster one test owns and may stop, start again and pause (for fault
/// tests), through `pg_ctl`; stopped and removed when dropped.
pub struct OwnedCluster {
    pub port: u16,
    dir: PathBuf,
}

impl OwnedCluster {
    /// Makes and starts a cluster of its own.
    pub fn start() -> Self {
        let cluster = OwnedCluster {
            port: free_port(),
            dir: new_cluster_dir("roster-pg-owned-", |_| {}),
        };
        cluster.resume_service();
        cluster
    }

    fn pg_ctl(&self, args: &[&str]) {
        let out = as_owner(&bindir().join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(args)
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the (stopped) server and waits until it accepts connections.
    pub fn resume_service(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        self.pg_ctl(&["-w", "-l", log.to_str().unwrap(), "-o", &options, "start"]);
    }

    /// Stops the server at once, as a crash would (`-m immediate`).
    pub fn crash(&self) {
        self.pg_ctl(&["-w", "-m", "immediate", "stop"]);
    }

    /// The server's processes (postmaster and its children).
    fn processes(&self) -> Vec<String> {
        let pid = std::fs::read_to_string(self.dir.join("data/postmaster.pid"))
            .expect("the server runs")
            .lines()
            .next()
            .unwrap()
            .trim()
            .to_owned();
        let children = Command::new("pgrep").args(["-P", &pid]).output().unwrap();
        let mut all = vec![pid];
        all.extend(
            String::from_utf8_lossy(&children.stdout)
                .split_whitespace()
                .map(str::to_owned),
        );
        all
    }

    /// Freezes every process of the server (SIGSTOP): it holds connections
    /// and answers nothing.
    pub fn pause(&self) {
        let status = Command::new("kill")
            .arg("-STOP")
            .args(self.processes())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn unpause(&self) {
        let status = Command::new("kill")
            .arg("-CONT")
            .args(self.processes())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// A new, empty database: its URL.
    pub fn database(&self, name: &str) -> String {
        psql(self.port, &format!("CREATE DATABASE {name}"));
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for OwnedCluster {
    fn drop(&mut self) {
        if self.dir.join("data/postmaster.pid").exists() {
            let _ = Command::new("kill")
                .arg("-CONT")
                .args(self.processes())
                .status();
        }
        let _ = as_owner(&bindir().join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-w", "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
