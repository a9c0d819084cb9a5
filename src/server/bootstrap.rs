//! Startup: open the configured store (waiting, NOT_SERVING, while it
//! cannot be used: another process holds the embedded store, the database
//! is unreachable or its schema is not this build's) and, on the very first
//! start, bootstrap it: organization `default`, user `admin` with
//! `super-admin`, its key `bootstrap` (from `ROSTER_BOOTSTRAP_KEY`, or, on
//! the embedded store only, generated and written to `bootstrap.key`).
//! Replicas starting together bootstrap once: the bootstrap is one change
//! that first checks the mark.

use std::{
    io::Write as _,
    path::Path,
    time::{Duration, Instant},
};

use super::ServeError;
use crate::api::listing;
use crate::auth::{keys, Secret};
use crate::config::ServeArgs;
use crate::directory::Directory;
use crate::domain::Error;
use crate::store::{self, Create, Location};

/// Opens the store and, on the first start, bootstraps it. While another
/// process holds the store (say, the previous roster of a rolling restart
/// on the same volume), waits for it.
pub(super) async fn open(cfg: &ServeArgs) -> Result<Directory, ServeError> {
    let location = cfg.location();
    let mut attempts: u32 = 0;
    let store = loop {
        match store::open_with(&location, Create::IfMissing, cfg.store_options()).await {
            Ok(store) => break store,
            Err(Error::Unavailable(why)) => {
                // Every 50th attempt: about every 10 s.
                if attempts.is_multiple_of(50) {
                    tracing::warn!(store = %location, "{why}; waiting for it");
                }
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(ServeError::Store(e)),
        }
    };
    let directory = Directory::new(store, listing::form());
    if directory
        .store()
        .is_bootstrapped()
        .await
        .map_err(ServeError::Store)?
    {
        if cfg.bootstrap_key.is_some() {
            tracing::info!("the store is already bootstrapped; ROSTER_BOOTSTRAP_KEY is ignored");
        }
        return Ok(directory);
    }
    let key = match &cfg.bootstrap_key {
        Some(key) => key.clone(),
        // A replica of a shared store has no private disk to leave the key
        // on, and several replicas would each write their own.
        None if matches!(location, Location::Postgres(_)) => {
            return Err(ServeError::BootstrapKeyRequired)
        }
        None => {
            let key = keys::generate().map_err(ServeError::Store)?;
            let path = cfg.data_dir.join("bootstrap.key");
            // Written (and synced) before the key is committed: a crash in
            // between leaves a file the next start overwrites, never a key
            // nobody knows.
            write_secret_file(&path, &key).map_err(ServeError::BootstrapKey)?;
            tracing::info!(path = %path.display(), "wrote the bootstrap key of user `admin`");
            key
        }
    };
    let done = directory
        .bootstrap(&key, Instant::now() + Duration::from_secs(60))
        .await
        .map_err(ServeError::Store)?;
    if done {
        tracing::info!("bootstrapped: organization `default`, user `admin`, key `bootstrap`");
    } else {
        tracing::info!("another replica bootstrapped the store meanwhile");
    }
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
