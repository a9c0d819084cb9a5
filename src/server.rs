//! Builds and runs the gRPC server: UserService, health, reflection, limits,
//! startup (health NOT_SERVING until the store is open and bootstrapped) and
//! graceful shutdown.

use std::{
    future::Future,
    io::Write as _,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::net::TcpListener;
use tonic::transport::{server::TcpIncoming, Server};
use tonic_health::{server::HealthReporter, ServingStatus};

use crate::api::{Api, CallLayer, State};
use crate::auth::{keys, Secret};
use crate::config::ServeArgs;
use crate::conn::Limited;
use crate::domain::{Directory, Error};
use crate::pb::{self, user_service_server::UserServiceServer};
use crate::store::{Reader, SledStore, Store};

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
    #[error("gRPC transport failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("reflection setup failed: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

/// Serves on `listener` until `shutdown` completes, then drains calls in
/// flight for up to `--shutdown-grace`, syncs the store and returns.
pub async fn run(
    cfg: ServeArgs,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    set_health(&health, ServingStatus::NotServing).await;

    let state = Arc::new(State::<SledStore>::new(cfg.max_in_flight as usize));
    let users = UserServiceServer::new(Api::new(state.clone()))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;

    let incoming = TcpIncoming::from(listener)
        .with_nodelay(Some(true))
        .with_keepalive(Some(cfg.keepalive));
    let incoming = Limited::new(
        incoming,
        cfg.max_connections as usize,
        cfg.handshake_timeout,
    );
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let router = Server::builder()
        .layer(CallLayer {
            max: cfg.max_call_time,
        })
        .max_concurrent_streams(cfg.max_streams_per_connection)
        .concurrency_limit_per_connection(cfg.max_streams_per_connection as usize)
        .http2_keepalive_interval(Some(cfg.keepalive))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .http2_max_header_list_size(MAX_HEADER_LIST_BYTES)
        .http2_max_pending_accept_reset_streams(Some(64))
        .max_connection_age(cfg.max_connection_age)
        .max_connection_age_grace(cfg.shutdown_grace)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(users);
    let mut serving = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async {
        let _ = stop_rx.await;
    }));

    tokio::pin!(shutdown);
    tokio::select! {
        opened = open(&cfg) => match opened {
            Ok(directory) => {
                *state.directory.write().unwrap_or_else(|e| e.into_inner()) =
                    Some(Arc::new(directory));
                set_health(&health, ServingStatus::Serving).await;
                tracing::info!("serving");
            }
            Err(e) => {
                let _ = stop_tx.send(());
                let _ = serving.await;
                return Err(e);
            }
        },
        () = &mut shutdown => {
            tracing::info!("shutdown requested while starting");
            let _ = stop_tx.send(());
            let _ = serving.await;
            return Ok(());
        }
        ended = &mut serving => return flatten(ended),
    }

    tokio::select! {
        () = &mut shutdown => {}
        ended = &mut serving => return flatten(ended),
    }

    tracing::info!(grace = ?cfg.shutdown_grace, "shutting down: draining calls in flight");
    set_health(&health, ServingStatus::NotServing).await;
    let _ = stop_tx.send(());
    match tokio::time::timeout(cfg.shutdown_grace, &mut serving).await {
        Ok(ended) => flatten(ended)?,
        Err(_) => {
            tracing::warn!("shutdown grace ran out; cutting the calls still in flight");
            serving.abort();
        }
    }
    let directory = state
        .directory
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(directory) = directory {
        directory.store().sync().map_err(ServeError::Store)?;
        // The store closes with its last reference: here, unless a call cut
        // short by the grace still holds one.
        if Arc::strong_count(&directory) > 1 {
            tracing::warn!("calls still hold the store; it closes when they end");
        }
    }
    tracing::info!("stopped");
    Ok(())
}

fn flatten(
    ended: Result<Result<(), tonic::transport::Error>, tokio::task::JoinError>,
) -> Result<(), ServeError> {
    match ended {
        Ok(result) => Ok(result?),
        Err(e) => Err(ServeError::Store(Error::Storage(format!(
            "server task failed: {e}"
        )))),
    }
}

async fn set_health(health: &HealthReporter, status: ServingStatus) {
    health.set_service_status("", status).await;
    health.set_service_status(SERVICE_NAME, status).await;
}

/// Opens the store and, on the first start, bootstraps it. While another
/// process holds the store (say, the previous roster of a rolling restart
/// on the same volume), waits for it, NOT_SERVING.
async fn open(cfg: &ServeArgs) -> Result<Directory<SledStore>, ServeError> {
    let store_dir = cfg.data_dir.join("store");
    let mut attempts: u32 = 0;
    let store = loop {
        let dir = store_dir.clone();
        let opened = tokio::task::spawn_blocking(move || {
            SledStore::open(&dir, crate::api::convert::user_listing)
        })
        .await
        .map_err(|e| ServeError::Store(Error::Storage(e.to_string())))?;
        match opened {
            Ok(store) => break store,
            Err(Error::Unavailable(why)) => {
                // Every 50th attempt: about every 10 s.
                if attempts % 50 == 0 {
                    tracing::warn!(dir = %store_dir.display(), "{why}; waiting for it");
                }
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(ServeError::Store(e)),
        }
    };
    let directory = Directory::new(store);
    if directory
        .store()
        .is_bootstrapped()
        .map_err(ServeError::Store)?
    {
        if cfg.bootstrap_key.is_some() {
            tracing::info!("the store is already bootstrapped; ROSTER_BOOTSTRAP_KEY is ignored");
        }
        return Ok(directory);
    }
    let key = match &cfg.bootstrap_key {
        Some(key) => key.clone(),
        None => {
            let key = keys::generate().map_err(ServeError::BootstrapKey)?;
            let path = cfg.data_dir.join("bootstrap.key");
            // Written (and synced) before the key is committed: a crash in
            // between leaves a file the next start overwrites, never a key
            // nobody knows.
            write_secret_file(&path, &key).map_err(ServeError::BootstrapKey)?;
            tracing::info!(path = %path.display(), "wrote the bootstrap key of user `admin`");
            key
        }
    };
    directory
        .bootstrap(&key, Instant::now() + Duration::from_secs(60))
        .await
        .map_err(ServeError::Store)?;
    tracing::info!("bootstrapped: organization `default`, user `admin`, key `bootstrap`");
    Ok(directory)
}

/// Writes a secret to a new file readable by its owner only.
fn write_secret_file(path: &Path, key: &Secret) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    writeln!(file, "{}", key.expose())?;
    file.sync_all()?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
