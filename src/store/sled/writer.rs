//! The writer thread: the one place changes are applied. It runs the
//! changes queued (a group) one at a time in arrival order, each on a
//! [`SledTxn`] that stages its writes and reads the tree under the writes of
//! the changes before it in the group ([`View`]); then it applies the whole
//! group's writes with one `Tree::apply_batch` (atomic: one tree, no
//! multi-tree transaction), makes them durable with one sync and answers
//! the group (group commit). Changes are serial, so they are serializable
//! and never conflict: a change runs exactly once here.
//!
//! One batch per group, not per change: sled writes its log buffer out
//! twice at every `apply_batch` (a write and a `sync_file_range` each), so
//! a batch per change cost two small disk writes per change and halved the
//! durable calls' throughput (BENCHMARKS.md, "Durable writes").

use std::{
    panic::AssertUnwindSafe,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    task::{Context, Poll, Waker},
    time::Instant,
};

use std::collections::BTreeMap;

use serde::{de::DeserializeOwned, Serialize};
use tokio::sync::mpsc;

use super::layout::{get_json, kept_listing, key, key_record, HasTree, Pending, View};
use super::memory::Index;
use super::Durable;
use crate::domain::{
    AccessKey, Error, JsonMap, KeyDigest, ListingForm, Organization, Result, Tenant, User,
};
use crate::store::Txn;

/// Most changes one group commit answers at once.
const MAX_GROUP: usize = 512;
/// Changes waiting for the writer before senders wait.
pub(super) const QUEUE: usize = 4096;

/// Called with the group's sync result once the change is durable (or not).
pub(super) type Commit = Box<dyn FnOnce(Result<()>) + Send>;
/// One change, run on the writer thread.
pub(super) type Job = Box<dyn FnOnce(&mut SledTxn<'_>) -> Commit + Send>;

/// The writer thread's loop: runs changes in arrival order and answers each
/// group after applying it and one durable sync.
pub(super) fn run(
    tree: sled::Tree,
    durable: Arc<Durable>,
    revision: Arc<AtomicU64>,
    memory: Arc<Index>,
    mut jobs: mpsc::Receiver<Job>,
) {
    let mut pending: Vec<Commit> = Vec::with_capacity(MAX_GROUP);
    // The group's writes, each key's last value.
    let mut group = Pending::new();
    let mut idle_from = Instant::now();
    while let Some(first) = jobs.blocking_recv() {
        // Where a group's time goes, for the trace below.
        let idle_us = idle_from.elapsed().as_micros() as u64;
        let apply_started = Instant::now();
        // Changes of the group that wrote something.
        let mut applied = 0;
        let mut affects_callers = false;
        let mut next = Some(first);
        while let Some(job) = next.take() {
            let mut txn = SledTxn::new(&tree, &group);
            // A bug in one change must not take the writer down with it.
            let ran = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut txn)));
            let SledTxn {
                staged,
                aborted,
                affects_callers: affects,
                ..
            } = txn;
            match ran {
                Ok(commit) => {
                    if !aborted && !staged.is_empty() {
                        group.extend(staged);
                        affects_callers |= affects;
                        applied += 1;
                    }
                    pending.push(commit);
                }
                Err(_) => tracing::error!("a store change panicked; it was not applied"),
            }
            if pending.len() < MAX_GROUP {
                next = jobs.try_recv().ok();
            }
        }
        let written = if group.is_empty() {
            Ok(())
        } else {
            apply(&tree, &group).map(|()| {
                // Before the changes are acknowledged (after the sync), so a
                // call that starts after the answer sees them.
                memory.apply(&group);
                if affects_callers {
                    revision.fetch_add(1, Ordering::Release);
                }
            })
        };
        group.clear();
        let apply_us = apply_started.elapsed().as_micros() as u64;
        let started = Instant::now();
        let synced = match written {
            Ok(()) if applied > 0 => {
                let synced = durable.sync();
                durable.stats.commit(applied, started);
                synced
            }
            written => written,
        };
        // For operators tuning the disk: RUST_LOG=roster::store=trace (the
        // writer's wait for the group's first change, running and applying
        // the group, syncing it).
        tracing::trace!(
            group = pending.len(),
            sync_us = started.elapsed().as_micros() as u64,
            idle_us,
            apply_us,
            "group commit"
        );
        if let Err(e) = &synced {
            tracing::error!(error = %e.chain(), "store write failed");
        }
        // A change that wrote nothing (a refusal) may have read the group's
        // writes: it too is answered only once they are durable.
        for commit in pending.drain(..) {
            commit(match &synced {
                Ok(()) => Ok(()),
                Err(e) => Err(Error::storage(e.to_string())),
            });
        }
        idle_from = Instant::now();
    }
}

/// Applies a group's writes to the tree, atomically.
fn apply(tree: &sled::Tree, group: &Pending) -> Result<()> {
    let mut batch = sled::Batch::default();
    for (key, value) in group {
        match value {
            Some(value) => batch.insert(key.as_slice(), value.as_slice()),
            None => batch.remove(key.as_slice()),
        }
    }
    Ok(tree.apply_batch(batch)?)
}

/// Runs a change's future to its end on the writer thread. A sled
/// transaction's reads and writes complete at once, so the future is ready
/// on its first poll; one still pending waited on something other than its
/// transaction, which the store's contract forbids.
pub(super) fn run_now<T>(change: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    let change = std::pin::pin!(change);
    match change.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(answer) => answer,
        Poll::Pending => Err(Error::internal(
            "a store change waited on something other than its transaction",
        )),
    }
}

/// The pending writes of one change, and what they leave: writes find what
/// they replace in `staged` first, then in the group's earlier writes and
/// the tree, so that several writes of one change (an import's batch) build
/// on each other. Its reads ([`HasTree`]) see the tree under the group's
/// earlier writes, not this change's own.
pub(super) struct SledTxn<'a> {
    tree: &'a sled::Tree,
    /// The writes of the group's earlier changes.
    group: &'a Pending,
    /// Every key this change wrote (`Some`) or removed (`None`), with its
    /// value.
    staged: Pending,
    /// The change failed or expired: its batch must not be applied.
    pub(super) aborted: bool,
    /// The change may alter what a key authenticates as (see
    /// `Store::revision`).
    affects_callers: bool,
}

impl HasTree for SledTxn<'_> {
    fn view(&self) -> View<'_> {
        View::with_pending(self.tree, self.group)
    }
}

impl<'a> SledTxn<'a> {
    fn new(tree: &'a sled::Tree, group: &'a Pending) -> Self {
        SledTxn {
            tree,
            group,
            staged: Pending::new(),
            aborted: false,
            affects_callers: false,
        }
    }

    fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.staged.insert(key, Some(value));
    }

    fn remove(&mut self, key: Vec<u8>) {
        self.staged.insert(key, None);
    }

    fn insert_json<T: Serialize>(&mut self, key: Vec<u8>, value: &T) -> Result<()> {
        let bytes = serde_json::to_vec(value)?;
        self.insert(key, bytes);
        Ok(())
    }

    /// The record under `key` as this change leaves it so far.
    fn current<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        match self.staged.get(key) {
            Some(Some(bytes)) => Ok(Some(serde_json::from_slice(bytes)?)),
            Some(None) => Ok(None),
            None => get_json(self.view(), key),
        }
    }

    /// The last path segments and values of the keys under `prefix/` as
    /// this change leaves them so far.
    fn current_under(&self, prefix: &[&str]) -> Result<BTreeMap<String, Vec<u8>>> {
        let mut start = key(prefix);
        start.push(b'/');
        let mut found = BTreeMap::new();
        for item in self.view().scan_prefix(&start) {
            let (k, v) = item?;
            found.insert(segment(&k, start.len())?, v.to_vec());
        }
        for (k, v) in self.staged.range(start.clone()..) {
            if !k.starts_with(&start) {
                break;
            }
            let id = segment(k, start.len())?;
            match v {
                Some(v) => found.insert(id, v.clone()),
                None => found.remove(&id),
            };
        }
        Ok(found)
    }

    /// Stages a user's record and index entries, removing those of the
    /// user it replaces.
    fn stage_user(&mut self, user: &User, form: &ListingForm) -> Result<()> {
        if let Some(old) = self.current::<User>(&key(&["u", &user.id]))? {
            self.remove_user_entries(&old);
        }
        // The scope indexes keep the user's listing form, so that a page of
        // users is one range scan (no lookup, no decoding per user).
        let listed = kept_listing(form, user);
        // sled's batch applies in order: these inserts win over the removals.
        self.insert(key(&["ou", &user.org_id, &user.id]), listed.clone());
        if let Some(tenant) = &user.tenant_id {
            self.insert(key(&["tu", tenant, &user.id]), listed);
        }
        if user.roles.iter().any(|r| r == "super-admin") {
            self.insert(key(&["sa", &user.id]), Vec::new());
        }
        self.insert_json(key(&["u", &user.id]), user)
    }

    /// Removes a user's index entries.
    fn remove_user_entries(&mut self, user: &User) {
        self.remove(key(&["ou", &user.org_id, &user.id]));
        if let Some(tenant) = &user.tenant_id {
            self.remove(key(&["tu", tenant, &user.id]));
        }
        self.remove(key(&["sa", &user.id]));
    }
}

fn segment(key: &[u8], from: usize) -> Result<String> {
    std::str::from_utf8(&key[from..])
        .map(str::to_owned)
        .map_err(|_| Error::storage("corrupt index key"))
}

#[async_trait::async_trait]
impl Txn for SledTxn<'_> {
    async fn put_org(&mut self, org: &Organization) -> Result<()> {
        self.insert_json(key(&["o", &org.id]), org)
    }

    async fn delete_org(&mut self, id: &str) -> Result<()> {
        self.remove(key(&["o", id]));
        Ok(())
    }

    async fn put_tenant(&mut self, tenant: &Tenant) -> Result<()> {
        if let Some(old) = self.current::<Tenant>(&key(&["t", &tenant.id]))? {
            self.remove(key(&["ot", &old.org_id, &old.id]));
        }
        self.insert(key(&["ot", &tenant.org_id, &tenant.id]), Vec::new());
        self.insert_json(key(&["t", &tenant.id]), tenant)
    }

    async fn delete_tenant(&mut self, id: &str) -> Result<()> {
        if let Some(old) = self.current::<Tenant>(&key(&["t", id]))? {
            self.remove(key(&["ot", &old.org_id, id]));
            self.remove(key(&["t", id]));
        }
        Ok(())
    }

    async fn put_user(&mut self, user: &User, form: &ListingForm) -> Result<()> {
        self.affects_callers = true;
        self.stage_user(user, form)
    }

    async fn insert_user(&mut self, user: &User, form: &ListingForm) -> Result<bool> {
        if self.current::<User>(&key(&["u", &user.id]))?.is_some() {
            return Ok(false);
        }
        // A new user changes no cached caller (it has no key yet, and a
        // refusal is never cached): the revision stays.
        self.stage_user(user, form)?;
        Ok(true)
    }

    async fn delete_user(&mut self, id: &str) -> Result<()> {
        let Some(user) = self.current::<User>(&key(&["u", id]))? else {
            return Ok(());
        };
        self.affects_callers = true;
        for (name, digest) in self.current_under(&["uk", id])? {
            self.remove(key(&["k", &String::from_utf8_lossy(&digest)]));
            self.remove(key(&["uk", id, &name]));
        }
        self.remove(key(&["c", id]));
        self.remove_user_entries(&user);
        self.remove(key(&["u", id]));
        Ok(())
    }

    async fn put_key(&mut self, digest: &KeyDigest, k: &AccessKey) -> Result<()> {
        self.insert(
            key(&["uk", &k.user_id, &k.name]),
            digest.to_hex().into_bytes(),
        );
        self.insert_json(key_record(digest), k)
    }

    async fn delete_key(&mut self, digest: &KeyDigest) -> Result<()> {
        if let Some(k) = self.current::<AccessKey>(&key_record(digest))? {
            self.affects_callers = true;
            self.remove(key(&["uk", &k.user_id, &k.name]));
            self.remove(key_record(digest));
        }
        Ok(())
    }

    async fn put_config(&mut self, user_id: &str, config: &JsonMap) -> Result<()> {
        if config.is_empty() {
            self.remove(key(&["c", user_id]));
            Ok(())
        } else {
            self.insert_json(key(&["c", user_id]), config)
        }
    }

    async fn set_bootstrapped(&mut self) -> Result<()> {
        self.insert(b"meta/bootstrapped".to_vec(), Vec::new());
        Ok(())
    }
}
