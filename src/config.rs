//! The command line: `roster [serve] [flags]`, each flag with an environment
//! fallback (docs/contract.md §8).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::auth::{keys, Secret};

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
    Serve(ServeArgs),
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
    /// Read an export into a new, empty data directory, then check it.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// File to read; `-` for standard input.
        #[arg(long, short, default_value = "-")]
        input: PathBuf,
    },
}

/// Where the store of an offline command is.
#[derive(Clone, Debug, Args)]
pub struct StoreArgs {
    /// The server's data directory (the store is its `store/`).
    #[arg(long, env = "ROSTER_DATA_DIR", default_value = "./roster-data")]
    pub data_dir: PathBuf,
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
    /// Address to listen on.
    #[arg(long, env = "ROSTER_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,

    /// Directory of the store and of `bootstrap.key`; created if missing.
    #[arg(long, env = "ROSTER_DATA_DIR", default_value = "./roster-data")]
    pub data_dir: PathBuf,

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

    /// Time a new connection has to send its first bytes before it is
    /// closed.
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
    /// The defaults (with environment fallbacks applied), as `roster serve`.
    pub fn from_env() -> Self {
        match Cli::parse_from(["roster", "serve"]).command {
            Some(Command::Serve(args)) => args,
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
