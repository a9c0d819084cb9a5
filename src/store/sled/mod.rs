//! The embedded backend: roster's records in one sled tree, keys prefixed
//! by kind and indexes beside the records ([`layout`]), so that one
//! `Tree::apply_batch` makes a change atomic without sled's slow multi-tree
//! transactions (docs/platform-notes.md, "sled: multi-tree transactions are slow"). One
//! writer thread applies changes in order and makes each group durable with
//! one sync ([`writer`]); [`check`] verifies and exports the tree.
//!
//! One process at a time: sled locks its directory, and a second opener
//! gets `Error::Unavailable`. The revision is a counter in this process
//! (the only one that can write), started from the clock at each open.

mod check;
mod layout;
mod memory;
mod writer;

use std::{
    any::Any,
    fs::File,
    path::Path,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    thread,
    time::Instant,
};

use tokio::sync::{mpsc, oneshot};

use super::{DynChange, RecordPage, Store, StoreStats};
use crate::domain::{Error, ListingForm, Result};
use layout::HasTree;
use writer::{Commit, Job};

impl From<sled::Error> for Error {
    fn from(e: sled::Error) -> Self {
        Error::storage(e)
    }
}

/// Whether `dir` holds a sled store.
pub(super) fn exists(dir: &Path) -> bool {
    dir.join("db").exists()
}

/// roster's records in a sled database.
pub(super) struct SledStore {
    tree: sled::Tree,
    durable: Arc<Durable>,
    /// Counts applied changes that may alter a caller (see
    /// `Store::revision`).
    revision: Arc<AtomicU64>,
    /// The listed scopes' users in memory, which the writer keeps current.
    memory: Arc<memory::Index>,
    /// None only while dropping.
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<thread::JoinHandle<()>>,
}

impl Drop for SledStore {
    /// Stops the writer after the changes queued before, so that the
    /// database is closed (and its lock released) when this returns.
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
        self.memory.close();
    }
}

/// What a durable sync needs: the database and its log file.
struct Durable {
    db: sled::Db,
    log: File,
    /// Group commits: their sizes and sync times.
    stats: StoreStats,
}

impl Durable {
    /// Flushes sled's buffers, then `fdatasync`s the log: `flush()` alone only
    /// calls `sync_file_range` (docs/platform-notes.md, "sled: flush is not
    /// a sync").
    fn sync(&self) -> Result<()> {
        self.db.flush()?;
        self.log.sync_data()?;
        Ok(())
    }
}

impl SledStore {
    /// Opens (or creates) the store in `dir` and starts its writer thread.
    /// `Error::Unavailable` means another process (or another `SledStore`)
    /// has the store open.
    pub(super) fn open(dir: &Path, listing_memory: usize) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let db = sled::Config::new().path(dir).open().map_err(|e| {
            // sled 0.34 reports a held lock only in its message.
            if e.to_string().contains("could not acquire lock") {
                Error::Unavailable("the store is open in another process")
            } else {
                e.into()
            }
        })?;
        let tree = (*db).clone();
        let log = File::open(dir.join("db"))?;
        // Make the files' directory entries durable too.
        File::open(dir)?.sync_all()?;
        let durable = Arc::new(Durable {
            db,
            log,
            stats: StoreStats::default(),
        });
        let (jobs, rx) = mpsc::channel(writer::QUEUE);
        // Revisions of this handle start where no earlier handle's could
        // reach (the clock in nanoseconds), so that a cache that outlives
        // one handle can never take another's revision for its own.
        let first = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        let revision = Arc::new(AtomicU64::new(first));
        let memory = memory::Index::open(tree.clone(), listing_memory)?;
        let writer = {
            let (tree, durable, revision) = (tree.clone(), durable.clone(), revision.clone());
            let memory = memory.clone();
            thread::Builder::new()
                .name("roster-writer".into())
                .spawn(move || writer::run(tree, durable, revision, memory, rx))?
        };
        Ok(SledStore {
            tree,
            durable,
            revision,
            memory,
            jobs: Some(jobs),
            writer: Some(writer),
        })
    }
}

impl HasTree for SledStore {
    fn view(&self) -> layout::View<'_> {
        layout::View::of(&self.tree)
    }

    fn memory(&self) -> Option<&memory::Index> {
        Some(&self.memory)
    }
}

#[async_trait::async_trait]
impl Store for SledStore {
    async fn write_dyn(&self, deadline: Instant, change: DynChange) -> Result<Box<dyn Any + Send>> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |txn| {
            if Instant::now() >= deadline {
                txn.aborted = true;
                let _ = tx.send(Err(Error::DeadlineExceeded));
                return Box::new(|_| ());
            }
            match writer::run_now(change(txn)) {
                Ok(value) => Box::new(move |synced: Result<()>| {
                    let _ = tx.send(synced.map(|()| value));
                }) as Commit,
                Err(e) => {
                    txn.aborted = true;
                    let _ = tx.send(Err(e));
                    Box::new(|_| ())
                }
            }
        });
        self.jobs
            .as_ref()
            .ok_or_else(|| Error::storage("the store is closed"))?
            .send(job)
            .await
            .map_err(|_| Error::storage("the store's writer has stopped"))?;
        rx.await
            .map_err(|_| Error::storage("the store's writer dropped a change"))?
    }

    fn revision(&self) -> u64 {
        self.revision.load(Ordering::Acquire)
    }

    fn stats(&self) -> &StoreStats {
        &self.durable.stats
    }

    async fn sync(&self) -> Result<()> {
        self.durable.sync()
    }

    async fn ping(&self) -> Result<()> {
        // In this process: it serves while it is open.
        Ok(())
    }

    async fn records(&self, cursor: Option<&str>, limit: usize) -> Result<RecordPage> {
        check::records(&self.tree, cursor, limit)
    }

    async fn check(&self, form: &ListingForm) -> Result<Vec<String>> {
        check::check_tree(&self.tree, form)
    }
}
