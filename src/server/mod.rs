//! Runs roster's gRPC server: health NOT_SERVING until the store is open and
//! bootstrapped (`bootstrap`, and `probes` for what each health name
//! reports), the services and their limits (`router`), and on shutdown a
//! bounded drain of the calls in flight (`drain`).

mod bootstrap;
mod drain;
mod metrics;
pub mod probes;
mod router;

use std::{future::Future, sync::Arc, time::Duration};

use tonic::transport::server::{Router, TcpIncoming};
use tonic_health::server::HealthReporter;

/// A listener's accepted connections, bounded.
type Incoming = crate::conn::Limited<TcpIncoming>;

use crate::api::State;
use crate::config::ServeArgs;
use crate::domain::Error;

/// The largest request or response message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
/// The largest header block a client may send, in bytes.
pub const MAX_HEADER_LIST_BYTES: u32 = 16 * 1024;
/// The name under which health reports the UserService.
pub const SERVICE_NAME: &str = "roster.v1.UserService";

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot open the store: {0}")]
    Store(Error),
    #[error("cannot write the bootstrap key: {0}")]
    BootstrapKey(std::io::Error),
    #[error(
        "the PostgreSQL store is not bootstrapped yet: set ROSTER_BOOTSTRAP_KEY (32+ printable \
         ASCII characters) for the first start"
    )]
    BootstrapKeyRequired,
    #[error("gRPC transport failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("reflection setup failed: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("the server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("the proto's HTTP routes are unusable: {0}")]
    Routes(#[from] crate::gateway::RoutesError),
    #[error("--cors-allow-origin {0:?} is not a valid origin")]
    Cors(String),
    #[error("{0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("{0}")]
    Traces(#[from] crate::traces::TracesError),
}

impl ServeError {
    /// Whether the settings are at fault (exit status 2, as for bad flags)
    /// rather than the environment.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            ServeError::Cors(_) | ServeError::Tls(_) | ServeError::Traces(_)
        )
    }
}

/// Where roster listens: the main port (gRPC, gRPC-Web and JSON); with
/// `--http-listen`, a second port serving the same; with
/// `--metrics-listen`, the port of `/metrics` (Prometheus).
pub struct Listeners {
    pub main: tokio::net::TcpListener,
    pub http: Option<tokio::net::TcpListener>,
    pub metrics: Option<tokio::net::TcpListener>,
}

impl From<tokio::net::TcpListener> for Listeners {
    fn from(main: tokio::net::TcpListener) -> Self {
        Listeners {
            main,
            http: None,
            metrics: None,
        }
    }
}

/// Serves on `listeners` until `shutdown` completes, then drains calls in
/// flight for up to `--shutdown-grace`, syncs the store and returns.
pub async fn run(
    cfg: ServeArgs,
    listeners: impl Into<Listeners>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let listeners = listeners.into();
    let traces = crate::traces::Traces::from_env()?;
    let tls = cfg.tls_files().map(crate::tls::Tls::load).transpose()?;
    let reloading = tls.clone().map(|tls| tokio::spawn(tls.watch()));
    let _reloading = AbortOnDrop(reloading);
    let (health, health_service) = tonic_health::server::health_reporter();
    probes::starting(&health).await;

    // The per-call metrics exist only when something scrapes them.
    let calls = match listeners.metrics {
        Some(_) => Some(Arc::new(metrics::calls()?)),
        None => None,
    };
    let state = Arc::new(
        State::new(cfg.max_in_flight as usize)
            .with_quotas(crate::api::quota::Quotas::new(
                cfg.org_rate_limit,
                cfg.org_max_in_flight,
            ))
            .with_calls(calls.clone())
            .with_tracer(traces.tracer()),
    );
    let exporter = calls
        .as_deref()
        .map(|calls| Arc::new(metrics::Exporter::new(calls, state.clone())));
    let incoming = |listener, name, tls| {
        let incoming = router::incoming(&cfg, listener, tls);
        match &exporter {
            Some(exporter) => incoming.counting(exporter.connections(name)),
            None => incoming,
        }
    };
    // `/metrics` stays plaintext, as scrapers inside a mesh expect.
    let _metrics = match (listeners.metrics, &exporter) {
        (Some(listener), Some(exporter)) => Some(metrics::spawn(
            exporter.clone(),
            incoming(listener, "metrics", None),
            cfg.handshake_timeout,
        )),
        _ => None,
    };
    let surface = Arc::new(router::surface(&cfg, state.clone())?.with_metrics(calls));
    let main = router::router(&cfg, state.clone(), surface.clone(), health_service.clone())?;
    let http = match listeners.http {
        Some(listener) => Some((
            router::router(&cfg, state.clone(), surface, health_service)?,
            incoming(listener, "http", tls.clone()),
        )),
        None => None,
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut serving = tokio::spawn(serve(
        main,
        incoming(listeners.main, "main", tls),
        http,
        stop_rx,
    ));

    tokio::pin!(shutdown);
    tokio::select! {
        opened = bootstrap::open(&cfg) => match opened {
            Ok(directory) => {
                *state.directory.write().unwrap_or_else(|e| e.into_inner()) =
                    Some(Arc::new(directory));
                probes::started(&health).await;
                tracing::info!("serving");
            }
            Err(e) => {
                let _ = drain::stop_serving(&cfg, stop_tx, serving).await;
                return Err(e);
            }
        },
        () = &mut shutdown => {
            tracing::info!("shutdown requested while starting");
            let _ = drain::stop_serving(&cfg, stop_tx, serving).await;
            return Ok(());
        }
        ended = &mut serving => return Ok(ended??),
    }

    let watching = tokio::spawn(watch_store(state.clone(), health.clone()));
    tokio::select! {
        () = &mut shutdown => {}
        ended = &mut serving => return Ok(ended??),
    }
    watching.abort();

    probes::ready(&health, false).await;
    let began = std::time::Instant::now();
    let drained = drain::drain(&cfg, &state, stop_tx, serving).await;
    // The spans still queued, in what is left of the grace.
    traces
        .shutdown(cfg.shutdown_grace.saturating_sub(began.elapsed()))
        .await;
    drained
}

/// Both listeners until `stop` fires (or is dropped), then until their
/// connections are drained; or until one fails.
async fn serve(
    main: Router<router::Layers>,
    main_incoming: Incoming,
    http: Option<(Router<router::Layers>, Incoming)>,
    stop: tokio::sync::oneshot::Receiver<()>,
) -> Result<(), tonic::transport::Error> {
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let signal = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let main = main.serve_with_incoming_shutdown(main_incoming, signal(stopped.clone()));
    let http = async {
        match http {
            Some((router, incoming)) => {
                router
                    .serve_with_incoming_shutdown(incoming, signal(stopped))
                    .await
            }
            None => Ok(()),
        }
    };
    let servers = async { tokio::try_join!(main, http).map(|_| ()) };
    tokio::pin!(servers);
    tokio::select! {
        ended = &mut servers => ended,
        _ = stop => {
            let _ = stopping.send(true);
            servers.await
        }
    }
}

/// Aborts a background task when the server stops, however it stops.
struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// How often a serving replica asks its store whether it can serve.
pub const STORE_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// While serving: NOT_SERVING as soon as the store cannot serve (a database
/// that does not answer within a second, or refuses), SERVING again when it
/// can. So health follows the database within two seconds.
async fn watch_store(state: Arc<State>, health: HealthReporter) {
    let mut serving = true;
    let mut tick = tokio::time::interval(STORE_CHECK_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let directory = state
            .directory
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let Some(directory) = directory else { return };
        match (directory.store().ping().await, serving) {
            (Err(e), true) => {
                tracing::warn!(error = %e.chain(), "the store cannot serve: NOT_SERVING");
                probes::ready(&health, false).await;
                serving = false;
            }
            (Ok(()), false) => {
                tracing::info!("the store serves again: SERVING");
                probes::ready(&health, true).await;
                serving = true;
            }
            _ => {}
        }
    }
}
