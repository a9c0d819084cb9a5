//! The `roster` binary: flags, logging, then [`roster::server::run`] until
//! SIGTERM or SIGINT; or one of the offline commands ([`roster::admin`]) on
//! a stopped store.

use std::process::ExitCode;

use clap::Parser;
use roster::{
    admin,
    config::{self, Cli, Command, LogFormat, ServeArgs},
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Serve(args)) => serve(*args),
        None => serve(ServeArgs::from_env()),
        Some(Command::Healthcheck(args)) => roster::healthcheck::run(args),
        Some(offline) => {
            let _log = roster::telemetry::init(LogFormat::Text);
            admin::run(offline)
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let _log = roster::telemetry::init(args.log_format);
    let args = match args
        .with_bootstrap_key_from_env()
        .and_then(|args| config::check_worker_threads_env().map(|()| args))
    {
        Ok(args) => args,
        Err(e) => {
            eprintln!("roster: {e}");
            return ExitCode::from(2);
        }
    };
    // tokio reads TOKIO_WORKER_THREADS itself (checked above).
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roster: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let shutdown = shutdown_signal();
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("roster: cannot listen on {}: {e}", args.listen);
                return ExitCode::FAILURE;
            }
        };
        let http = match args.http_listen {
            None => None,
            Some(http) => match tokio::net::TcpListener::bind(http).await {
                Ok(l) => Some(l),
                Err(e) => {
                    eprintln!("roster: cannot listen on {http} (--http-listen): {e}");
                    return ExitCode::FAILURE;
                }
            },
        };
        let metrics = match args.metrics_listen {
            None => None,
            Some(metrics) => match tokio::net::TcpListener::bind(metrics).await {
                Ok(l) => Some(l),
                Err(e) => {
                    eprintln!("roster: cannot listen on {metrics} (--metrics-listen): {e}");
                    return ExitCode::FAILURE;
                }
            },
        };
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let http_addr = http
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.to_string());
        let metrics_addr = metrics
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.to_string());
        let workers = tokio::runtime::Handle::current().metrics().num_workers();
        tracing::info!(%addr, http_addr, metrics_addr, store = %args.location(), workers, "listening");
        let listeners = roster::server::Listeners {
            main: listener,
            http,
            metrics,
        };
        match roster::server::run(args, listeners, shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = %e, "roster stopped");
                eprintln!("roster: {e}");
                if e.is_usage() {
                    ExitCode::from(2)
                } else {
                    ExitCode::FAILURE
                }
            }
        }
    })
}

/// Completes on SIGTERM or SIGINT. Both are caught from the call on (not
/// from the future's first poll), so a signal that comes before the
/// server's first step still drains instead of killing the process.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    async move {
        let (Ok(mut term), Ok(mut int)) = (term, int) else {
            tracing::warn!("cannot catch SIGTERM and SIGINT; they stop roster at once");
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = int.recv() => tracing::info!("SIGINT received"),
        }
    }
}

/// mimalloc instead of the system allocator: a call allocates a few dozen
/// times (tonic, h2, the messages), and glibc's malloc was a sixth of a
/// GetInfo call's instructions (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
