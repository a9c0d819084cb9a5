//! Graceful shutdown: stop accepting (the listener closes and HTTP/2 GOAWAY
//! refuses new streams), let the calls in flight finish for up to
//! `--shutdown-grace`, then sync the store.

use std::sync::Arc;

use tokio::{sync::oneshot, task::JoinHandle};

use super::ServeError;
use crate::api::State;
use crate::config::ServeArgs;

/// Drains the server task `serving` (stopped through `stop`) and syncs the
/// store.
pub(super) async fn drain(
    cfg: &ServeArgs,
    state: &State,
    stop: oneshot::Sender<()>,
    serving: JoinHandle<Result<(), tonic::transport::Error>>,
) -> Result<(), ServeError> {
    tracing::info!(grace = ?cfg.shutdown_grace, "shutting down: draining calls in flight");
    stop_serving(cfg, stop, serving).await?;
    let directory = state
        .directory
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(directory) = directory {
        directory.store().sync().await.map_err(ServeError::Store)?;
        // The store closes with its last reference: here, unless a call cut
        // short by the grace still holds one.
        if Arc::strong_count(&directory) > 1 {
            tracing::warn!("calls still hold the store; it closes when they end");
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// Stops the server task `serving` through `stop` and waits until its
/// connections have closed, for up to `--shutdown-grace`; then cuts what is
/// left (a health `Watch` never ends by itself). The only wait for the
/// server task on the way out, whether roster was serving or still
/// starting.
pub(super) async fn stop_serving(
    cfg: &ServeArgs,
    stop: oneshot::Sender<()>,
    mut serving: JoinHandle<Result<(), tonic::transport::Error>>,
) -> Result<(), ServeError> {
    let _ = stop.send(());
    match tokio::time::timeout(cfg.shutdown_grace, &mut serving).await {
        Ok(ended) => Ok(ended??),
        Err(_) => {
            tracing::warn!("shutdown grace ran out; cutting the calls still in flight");
            serving.abort();
            Ok(())
        }
    }
}
