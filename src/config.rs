//! The command line: `roster [serve] [flags]`, each flag with an environment
//! fallback (docs/contract.md §8).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::auth::{keys, Secret};
use crate::store::{Location, PostgresOptions, StoreOptions};

/// roster: a multi-tenant user directory served over gRPC.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do; `serve` when none is given.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gRPC server (the default).
    #[command(
        after_help = "Environment only:\n  ROSTER_BOOTSTRAP_KEY  secret of the first \
        start's `bootstrap` key of user `admin` (32+ printable ASCII characters); without it \
        a fresh key is written to <data-dir>/bootstrap.key\n  RUST_LOG             log levels, \
        e.g. `info` (the default) or `roster=debug`"
    )]
    Serve(Box<ServeArgs>),
    /// Check a stopped server's store: records and indexes agree, keys
    /// belong to users, users to tenants and organizations. Exits 1 with a
    /// report on any inconsistency.
    Check(StoreArgs),
    /// Write every record of a stopped server's store as JSON Lines (key
    /// digests, never secrets), for backups and moves.
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// File to write; `-` for standard output.
        #[arg(long, short, default_value = "-")]
        output: PathBuf,
    },
    /// Read an export into a new, empty store, then check it.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// File to read; `-` for standard input.
        #[arg(long, short, default_value = "-")]
        input: PathBuf,
    },
    /// Create or upgrade the schema of a PostgreSQL store (`--store`); safe
    /// to run while replicas serve, and more than once.
    Migrate(StoreArgs),
    /// Ask a running server's health service whether a service name is
    /// SERVING (exit 0), for images without grpc-health-probe; exit 1 with
    /// one line saying why not, 2 on bad flags.
    Healthcheck(crate::healthcheck::HealthcheckArgs),
}

/// Where the store of an offline command is.
#[derive(Clone, Debug, Args)]
pub struct StoreArgs {
    /// The server's data directory (the embedded store is its `store/`).
    #[arg(long, env = "ROSTER_DATA_DIR", default_value = "./roster-data")]
    pub data_dir: PathBuf,

    /// A PostgreSQL store instead of the embedded one: a libpq connection
    /// URL (`postgres://user:pass@host:5432/db?sslmode=require`) or
    /// key=value string.
    #[arg(long, env = "ROSTER_STORE", hide_env_values = true, value_parser = parse_store)]
    pub store: Option<String>,
}

impl StoreArgs {
    /// Where the store is.
    pub fn location(&self) -> Location {
        location(self.store.as_deref(), &self.data_dir)
    }
}

/// The store `--store` names, or the embedded one in `data_dir`.
fn location(store: Option<&str>, data_dir: &std::path::Path) -> Location {
    match store {
        Some(url) => Location::Postgres(url.to_owned()),
        None => Location::data_dir(data_dir),
    }
}

/// Accepts a PostgreSQL connection string (checked again, fully, when the
/// store opens).
fn parse_store(value: &str) -> Result<String, String> {
    let url = value.starts_with("postgres://") || value.starts_with("postgresql://");
    if url || value.contains('=') {
        Ok(value.to_owned())
    } else {
        Err("expected a PostgreSQL URL (postgres://...) or key=value connection string".into())
    }
}

/// Accepts a browser origin: `http://` or `https://`, a host and an
/// optional port, nothing after (an origin never has a path).
fn parse_origin(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|host| {
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    });
    if host_ok {
        Ok(value.to_owned())
    } else {
        Err("expected an origin such as https://console.example.com (scheme, host, optional port; no path)".into())
    }
}

/// How the log is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The server's settings.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on: gRPC, gRPC-Web and the JSON surface (/api/).
    #[arg(long, env = "ROSTER_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,

    /// A second address serving the same as `--listen` (gRPC, gRPC-Web and
    /// the JSON surface under /api/), for deployments that want a separate
    /// HTTP port; none by default.
    #[arg(long, env = "ROSTER_HTTP_LISTEN")]
    pub http_listen: Option<SocketAddr>,

    /// An address serving Prometheus metrics at `GET /metrics` (call
    /// counts, latencies, authentication failures, store commits); none by
    /// default, and then no per-call metric is recorded.
    #[arg(long, env = "ROSTER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// An origin (`https://console.example.com`, exact) whose browser pages
    /// may call roster (CORS, with credentials); repeat or separate with
    /// commas for several. None by default: browsers may call only from
    /// roster's own origin.
    #[arg(long, env = "ROSTER_CORS_ALLOW_ORIGIN", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_allow_origin: Vec<String>,

    /// TLS on `--listen` and `--http-listen`: this PEM certificate chain
    /// (leaf first). Read again every second: a changed file is used for
    /// new connections without dropping any. Plaintext when not given.
    #[arg(long, env = "ROSTER_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of `--tls-cert`.
    #[arg(long, env = "ROSTER_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// mTLS: require a client certificate signed by one of the CAs in this
    /// PEM file (with `--tls-cert`); clients without one are refused during
    /// the handshake.
    #[arg(long, env = "ROSTER_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,

    /// Directory of the store and of `bootstrap.key`; created if missing.
    #[arg(long, env = "ROSTER_DATA_DIR", default_value = "./roster-data")]
    pub data_dir: PathBuf,

    /// A PostgreSQL store shared by any number of replicas, instead of the
    /// embedded one in `--data-dir`: a libpq connection URL
    /// (`postgres://user:pass@host:5432/db?sslmode=require`) or key=value
    /// string. An empty database gets roster's schema on the first start.
    #[arg(long, env = "ROSTER_STORE", hide_env_values = true, value_parser = parse_store)]
    pub store: Option<String>,

    /// With `--store`: most connections this replica opens to the database.
    #[arg(long, env = "ROSTER_STORE_POOL_SIZE", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub store_pool_size: u32,

    /// Embedded store: memory, in MiB, for listing users from memory (the
    /// users of each organization and tenant listed, kept in id order with
    /// their listing forms); a scope that would pass it is listed from the
    /// store's files. 0 lists from the files only.
    #[arg(long, env = "ROSTER_LISTING_MEMORY", default_value_t = crate::store::DEFAULT_LISTING_MEMORY_MIB, value_parser = clap::value_parser!(u32).range(0..=65536))]
    pub listing_memory: u32,

    /// With `--store`: longest a cached caller outlives a change made
    /// through another replica when change notifications are lost (they
    /// normally arrive within milliseconds).
    #[arg(long, env = "ROSTER_CACHE_STALENESS", default_value = "1s", value_parser = humantime::parse_duration)]
    pub cache_staleness: Duration,

    /// Log format.
    #[arg(long, env = "ROSTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Deadline of a call that brings none (and the longest any call gets).
    #[arg(long, env = "ROSTER_MAX_CALL_TIME", default_value = "30s", value_parser = humantime::parse_duration)]
    pub max_call_time: Duration,

    /// How long calls in flight may finish after SIGTERM or SIGINT.
    #[arg(long, env = "ROSTER_SHUTDOWN_GRACE", default_value = "10s", value_parser = humantime::parse_duration)]
    pub shutdown_grace: Duration,

    /// Most calls served at once; beyond it calls are shed with
    /// RESOURCE_EXHAUSTED.
    #[arg(long, env = "ROSTER_MAX_IN_FLIGHT", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(64..))]
    pub max_in_flight: u32,

    /// Fair overload: most calls a second per organization (the key
    /// owner's), a burst of one second's worth allowed; beyond it
    /// RESOURCE_EXHAUSTED with RetryInfo (HTTP 429 with Retry-After). No
    /// limit by default.
    #[arg(long, env = "ROSTER_ORG_RATE_LIMIT", value_parser = clap::value_parser!(u32).range(1..))]
    pub org_rate_limit: Option<u32>,

    /// Fair overload: most calls in flight per organization (the key
    /// owner's); beyond it RESOURCE_EXHAUSTED with RetryInfo. No limit by
    /// default.
    #[arg(long, env = "ROSTER_ORG_MAX_IN_FLIGHT", value_parser = clap::value_parser!(u32).range(1..))]
    pub org_max_in_flight: Option<u32>,

    /// Most concurrent streams (calls) on one HTTP/2 connection.
    #[arg(long, env = "ROSTER_MAX_STREAMS", default_value_t = 256, value_parser = clap::value_parser!(u32).range(64..))]
    pub max_streams_per_connection: u32,

    /// Age after which a connection is gracefully closed, so that clients
    /// rebalance.
    #[arg(long, env = "ROSTER_MAX_CONNECTION_AGE", default_value = "30m", value_parser = humantime::parse_duration)]
    pub max_connection_age: Duration,

    /// Most connections open at once; past it roster stops accepting until
    /// one closes.
    #[arg(long, env = "ROSTER_MAX_CONNECTIONS", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Time a new connection has to send its first bytes (with TLS: to
    /// complete the handshake and send them) before it is closed.
    #[arg(long, env = "ROSTER_HANDSHAKE_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub handshake_timeout: Duration,

    /// Interval of HTTP/2 keepalive pings; a peer that does not answer
    /// within 20 s is disconnected.
    #[arg(long, env = "ROSTER_KEEPALIVE", default_value = "60s", value_parser = humantime::parse_duration)]
    pub keepalive: Duration,

    /// The bootstrap key's secret, from `ROSTER_BOOTSTRAP_KEY` only (a flag
    /// would show in the process list).
    #[arg(skip)]
    pub bootstrap_key: Option<Secret>,
}

impl ServeArgs {
    /// Where the store is.
    pub fn location(&self) -> Location {
        location(self.store.as_deref(), &self.data_dir)
    }

    /// The TLS files, when TLS is on.
    pub fn tls_files(&self) -> Option<crate::tls::TlsFiles> {
        Some(crate::tls::TlsFiles {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
            client_ca: self.tls_client_ca.clone(),
        })
    }

    /// How the store behaves.
    pub fn store_options(&self) -> StoreOptions {
        StoreOptions {
            postgres: PostgresOptions {
                pool_size: self.store_pool_size as usize,
                staleness: self.cache_staleness,
            },
            listing_memory_mib: self.listing_memory,
        }
    }

    /// The defaults (with environment fallbacks applied), as `roster serve`.
    pub fn from_env() -> Self {
        match Cli::parse_from(["roster", "serve"]).command {
            Some(Command::Serve(args)) => *args,
            _ => unreachable!("`serve` was given"),
        }
    }

    /// Reads `ROSTER_BOOTSTRAP_KEY` into the settings, refusing a key that
    /// could not work.
    pub fn with_bootstrap_key_from_env(mut self) -> Result<Self, String> {
        match std::env::var("ROSTER_BOOTSTRAP_KEY") {
            Ok(key) => {
                self.bootstrap_key = Some(check_bootstrap_key(key)?);
                Ok(self)
            }
            Err(std::env::VarError::NotPresent) => Ok(self),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err("ROSTER_BOOTSTRAP_KEY must be printable ASCII".into())
            }
        }
    }
}

/// The environment variable tokio's multi-thread runtime reads for its
/// number of worker threads (without it: the CPUs the process may use).
/// roster leaves the reading to tokio and only checks the value first,
/// since tokio panics on a bad one.
pub const WORKER_THREADS_ENV: &str = "TOKIO_WORKER_THREADS";

/// Checks `TOKIO_WORKER_THREADS`, when set: a whole number from 1, as
/// tokio parses it.
pub fn check_worker_threads_env() -> Result<(), String> {
    let Some(value) = std::env::var_os(WORKER_THREADS_ENV) else {
        return Ok(());
    };
    match value.to_str().map(str::parse::<usize>) {
        Some(Ok(n)) if n > 0 => Ok(()),
        _ => Err(format!(
            "{WORKER_THREADS_ENV} must be a whole number of worker threads, at least 1, not {value:?}"
        )),
    }
}

/// Accepts a bootstrap key: 32 or more printable ASCII characters, and a
/// valid roster key if it starts with roster's prefix.
pub fn check_bootstrap_key(key: String) -> Result<Secret, String> {
    if !keys::is_valid_foreign(&key) {
        return Err(format!(
            "ROSTER_BOOTSTRAP_KEY must be at least {} printable ASCII characters",
            keys::MIN_FOREIGN_KEY_CHARS
        ));
    }
    if !keys::plausible(&key) {
        return Err(format!(
            "ROSTER_BOOTSTRAP_KEY starts with `{}` but is not a valid roster key",
            keys::PREFIX
        ));
    }
    Ok(Secret::new(key))
}
