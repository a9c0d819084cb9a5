//! The `roster` binary: flags, logging, then [`roster::server::run`] until
//! SIGTERM or SIGINT; or one of the offline commands on a stopped store.

use std::{
    fs::File,
    io::{self, BufReader, BufWriter},
    path::Path,
    process::ExitCode,
};

use clap::Parser;
use roster::{
    admin,
    config::{Cli, Command, LogFormat, ServeArgs},
    store::Store,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Serve(args)) => serve(args),
        None => serve(ServeArgs::from_env()),
        Some(Command::Check(store)) => offline(check(&store.data_dir)),
        Some(Command::Export { store, output }) => offline(export(&store.data_dir, &output)),
        Some(Command::Import { store, input }) => offline(import(&store.data_dir, &input)),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let _log = roster::telemetry::init(args.log_format);
    let args = match args.with_bootstrap_key_from_env() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("roster: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roster: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("roster: cannot listen on {}: {e}", args.listen);
                return ExitCode::FAILURE;
            }
        };
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        tracing::info!(%addr, data_dir = %args.data_dir.display(), "listening");
        match roster::server::run(args, listener, shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = %e, "roster stopped");
                eprintln!("roster: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
    }
}

/// Why an offline command failed: with exit status 1 (the store is
/// inconsistent) or 2 (it could not run).
enum Failure {
    Inconsistent(Vec<String>),
    Error(String),
}

impl From<roster::domain::Error> for Failure {
    fn from(e: roster::domain::Error) -> Self {
        Failure::Error(match e {
            roster::domain::Error::Storage(detail) => detail,
            other => other.to_string(),
        })
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Error(e.to_string())
    }
}

fn offline(result: Result<String, Failure>) -> ExitCode {
    let _log = roster::telemetry::init(LogFormat::Text);
    match result {
        Ok(summary) => {
            eprintln!("roster: {summary}");
            ExitCode::SUCCESS
        }
        Err(Failure::Inconsistent(problems)) => {
            for p in &problems {
                println!("{p}");
            }
            eprintln!(
                "roster: the store is inconsistent: {} problems",
                problems.len()
            );
            ExitCode::FAILURE
        }
        Err(Failure::Error(e)) => {
            eprintln!("roster: {e}");
            ExitCode::from(2)
        }
    }
}

fn check(data_dir: &Path) -> Result<String, Failure> {
    let store = admin::open_existing(data_dir)?;
    let problems = store.check()?;
    if problems.is_empty() {
        Ok(format!(
            "{}: consistent",
            admin::store_dir(data_dir).display()
        ))
    } else {
        Err(Failure::Inconsistent(problems))
    }
}

fn export(data_dir: &Path, output: &Path) -> Result<String, Failure> {
    let store = admin::open_existing(data_dir)?;
    let counts = if output == Path::new("-") {
        admin::export(&store, &mut BufWriter::new(io::stdout().lock()))?
    } else {
        let mut file = BufWriter::new(File::create(output)?);
        let counts = admin::export(&store, &mut file)?;
        file.into_inner()
            .map_err(|e| Failure::Error(e.to_string()))?
            .sync_all()?;
        counts
    };
    Ok(format!("exported {counts}"))
}

fn import(data_dir: &Path, input: &Path) -> Result<String, Failure> {
    let store = roster::store::SledStore::open(
        &admin::store_dir(data_dir),
        roster::api::convert::user_listing,
    )?;
    let runtime = tokio::runtime::Runtime::new()?;
    let counts = runtime.block_on(async {
        if input == Path::new("-") {
            admin::import(&store, &mut io::stdin().lock()).await
        } else {
            admin::import(&store, &mut BufReader::new(File::open(input)?)).await
        }
    })?;
    let problems = store.check()?;
    if !problems.is_empty() {
        return Err(Failure::Inconsistent(problems));
    }
    Ok(format!("imported {counts}; the store is consistent"))
}

/// mimalloc instead of the system allocator: a call allocates a few dozen
/// times (tonic, h2, the messages), and glibc's malloc was a sixth of a
/// GetInfo call's instructions (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
