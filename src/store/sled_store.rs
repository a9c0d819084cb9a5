//! The sled implementation of [`Store`].
//!
//! Everything lives in one sled tree, keys prefixed by kind, indexes beside
//! the records, so that one `Tree::apply_batch` makes a change atomic without
//! sled's slow multi-tree transactions (FACTS.md). One writer thread runs the
//! changes in order: it applies each change's batch, and after a group of
//! them flushes sled and `fdatasync`s its log once before answering the whole
//! group (group commit). Nobody else ever calls `flush_async`, which hangs
//! under concurrency in sled 0.34.
//!
//! Key layout (ids never contain `/`):
//! ```text
//! o/<org>                Organization (JSON)
//! t/<tenant>             Tenant (JSON)
//! u/<user>               User (JSON)
//! ot/<org>/<tenant>      index: tenants of an organization
//! ou/<org>/<user>        index: users of an organization, value the user's listing form
//! tu/<tenant>/<user>     index: users of a tenant, value the user's listing form
//! sa/<user>              index: super-admins
//! k/<digest hex>         AccessKey (JSON)
//! uk/<user>/<key name>   index: a user's keys, value the digest hex
//! c/<user>               a user's configuration (JSON object)
//! meta/bootstrapped      set once the first-start bootstrap is done
//! ```

use std::{
    fs::File,
    ops::Bound,
    panic::AssertUnwindSafe,
    path::Path,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    thread,
    time::Instant,
};

use serde::{de::DeserializeOwned, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::{Listing, Reader, Record, Store, Txn, UserScope};
use crate::auth::keys;
use crate::domain::{
    AccessKey, Error, JsonMap, KeyDigest, Listings, Organization, Result, Tenant, User,
};

impl From<sled::Error> for Error {
    fn from(e: sled::Error) -> Self {
        Error::Storage(e.to_string())
    }
}

/// Most changes one group commit answers at once.
const MAX_GROUP: usize = 512;
/// Changes waiting for the writer before senders wait.
const QUEUE: usize = 4096;

/// Called with the group's sync result once the change is durable (or not).
type Commit = Box<dyn FnOnce(Result<()>) + Send>;
/// One change, run on the writer thread.
type Job = Box<dyn FnOnce(&mut SledTxn<'_>) -> Commit + Send>;

/// roster's records in a sled database.
pub struct SledStore {
    tree: sled::Tree,
    listing: Listing,
    durable: Arc<Durable>,
    /// Counts applied changes that may alter a caller (see
    /// `Store::generation`).
    generation: Arc<AtomicU64>,
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
    }
}

/// What a durable sync needs: the database and its log file.
struct Durable {
    db: sled::Db,
    log: File,
}

impl Durable {
    /// Flushes sled's buffers, then `fdatasync`s the log: `flush()` alone only
    /// calls `sync_file_range` (FACTS.md).
    fn sync(&self) -> Result<()> {
        self.db.flush()?;
        self.log.sync_data()?;
        Ok(())
    }
}

impl SledStore {
    /// Opens (or creates) the store in `dir` and starts its writer thread;
    /// users are listed in the form `listing` gives them. (Open a store with
    /// the same `listing` every time: `check` reports listing forms that
    /// differ.) `Error::Unavailable` means another process (or another
    /// `SledStore`) has the store open.
    pub fn open(dir: &Path, listing: Listing) -> Result<Self> {
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
        let durable = Arc::new(Durable { db, log });
        let (jobs, rx) = mpsc::channel(QUEUE);
        let writer_tree = tree.clone();
        let writer_durable = durable.clone();
        let generation = Arc::new(AtomicU64::new(0));
        let writer_generation = generation.clone();
        let writer = thread::Builder::new()
            .name("roster-writer".into())
            .spawn(move || writer(writer_tree, listing, writer_durable, writer_generation, rx))?;
        Ok(SledStore {
            tree,
            listing,
            durable,
            generation,
            jobs: Some(jobs),
            writer: Some(writer),
        })
    }
}

/// The writer thread: runs changes in arrival order and answers each group
/// after one durable sync.
fn writer(
    tree: sled::Tree,
    listing: Listing,
    durable: Arc<Durable>,
    generation: Arc<AtomicU64>,
    mut rx: mpsc::Receiver<Job>,
) {
    let mut pending: Vec<Commit> = Vec::with_capacity(MAX_GROUP);
    let mut idle_from = Instant::now();
    while let Some(first) = rx.blocking_recv() {
        // Where a group's time goes, for the trace below.
        let idle_us = idle_from.elapsed().as_micros() as u64;
        let apply_started = Instant::now();
        let mut applied = false;
        let mut next = Some(first);
        while let Some(job) = next.take() {
            let mut txn = SledTxn::new(&tree, listing);
            // A bug in one change must not take the writer down with it.
            match std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut txn))) {
                Ok(commit) if txn.aborted || txn.empty => pending.push(commit),
                Ok(commit) => match tree.apply_batch(txn.batch) {
                    Ok(()) => {
                        // Before the change is acknowledged (after the sync),
                        // so a call that starts after the answer sees it.
                        if txn.affects_callers {
                            generation.fetch_add(1, Ordering::Release);
                        }
                        applied = true;
                        pending.push(commit);
                    }
                    Err(e) => commit(Err(e.into())),
                },
                Err(_) => tracing::error!("a store change panicked; it was not applied"),
            }
            if pending.len() < MAX_GROUP {
                next = rx.try_recv().ok();
            }
        }
        let apply_us = apply_started.elapsed().as_micros() as u64;
        let started = Instant::now();
        let synced = if applied { durable.sync() } else { Ok(()) };
        // For operators tuning the disk: RUST_LOG=roster::store=trace (the
        // writer's wait for the group's first change, applying the group,
        // syncing it).
        tracing::trace!(
            group = pending.len(),
            sync_us = started.elapsed().as_micros() as u64,
            idle_us,
            apply_us,
            "group commit"
        );
        if let Err(e) = &synced {
            tracing::error!(error = %e, "store sync failed");
        }
        for commit in pending.drain(..) {
            commit(match &synced {
                Ok(()) => Ok(()),
                Err(e) => Err(Error::Storage(e.to_string())),
            });
        }
        idle_from = Instant::now();
    }
}

impl Store for SledStore {
    fn write<T, F>(
        &self,
        deadline: Instant,
        f: F,
    ) -> impl std::future::Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Txn) -> Result<T> + Send + 'static,
    {
        let jobs = self.jobs.clone();
        async move {
            let (tx, rx) = oneshot::channel::<Result<T>>();
            let job: Job = Box::new(move |txn| {
                if Instant::now() >= deadline {
                    txn.aborted = true;
                    let _ = tx.send(Err(Error::DeadlineExceeded));
                    return Box::new(|_| ());
                }
                match f(txn) {
                    Ok(value) => Box::new(move |synced: Result<()>| {
                        let _ = tx.send(synced.map(|()| value));
                    }),
                    Err(e) => {
                        txn.aborted = true;
                        let _ = tx.send(Err(e));
                        Box::new(|_| ())
                    }
                }
            });
            jobs.ok_or_else(|| Error::Storage("the store is closed".into()))?
                .send(job)
                .await
                .map_err(|_| Error::Storage("the store's writer has stopped".into()))?;
            rx.await
                .map_err(|_| Error::Storage("a store change failed".into()))?
        }
    }

    fn sync(&self) -> Result<()> {
        self.durable.sync()
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn for_each_record(&self, f: &mut dyn FnMut(Record) -> Result<()>) -> Result<()> {
        for (prefix, kind) in [
            ("o/", "o"),
            ("t/", "t"),
            ("u/", "u"),
            ("k/", "k"),
            ("c/", "c"),
        ] {
            for item in self.tree.scan_prefix(prefix) {
                let (k, v) = item?;
                let id = std::str::from_utf8(&k[prefix.len()..])
                    .map_err(|_| Error::Storage("corrupt record key".into()))?
                    .to_owned();
                let record = match kind {
                    "o" => Record::Organization(serde_json::from_slice(&v)?),
                    "t" => Record::Tenant(serde_json::from_slice(&v)?),
                    "u" => Record::User(serde_json::from_slice(&v)?),
                    "k" => {
                        let key: AccessKey = serde_json::from_slice(&v)?;
                        Record::AccessKey {
                            digest: id,
                            user_id: key.user_id,
                            name: key.name,
                            redacted: key.redacted,
                            created_at: key.created_at,
                        }
                    }
                    _ => Record::Config {
                        user_id: id,
                        config: serde_json::from_slice(&v)?,
                    },
                };
                f(record)?;
            }
        }
        if self.is_bootstrapped()? {
            f(Record::Bootstrapped)?;
        }
        Ok(())
    }

    fn check(&self) -> Result<Vec<String>> {
        check_tree(&self.tree, self.listing)
    }

    fn list_user_listings(
        &self,
        scope: UserScope<'_>,
        after: &str,
        limit: usize,
    ) -> Result<Listings> {
        let mut listed = Listings::default();
        scan(&self.tree, &user_index(scope), after, limit, |id, value| {
            match stored_listing(value) {
                Some(form) => listed.push(id, form),
                None => {
                    let user = get_json(&self.tree, &key(&["u", id]))?.ok_or_else(|| {
                        Error::Storage(format!("index points at missing record u/{id}"))
                    })?;
                    listed.push(id, &(self.listing)(&user));
                }
            }
            Ok(())
        })?;
        Ok(listed)
    }
}

/// The listing form a scope index entry holds, if it holds one: entries
/// written by earlier versions hold nothing, and are listed from the record.
fn stored_listing(value: &[u8]) -> Option<&[u8]> {
    (!value.is_empty()).then_some(value)
}

/// Every disagreement between the records and the indexes of a tree.
fn check_tree(tree: &sled::Tree, listing: Listing) -> Result<Vec<String>> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut problems = Vec::new();
    let mut orgs = BTreeSet::new();
    let mut tenants: BTreeMap<String, Tenant> = BTreeMap::new();
    let mut users: BTreeMap<String, User> = BTreeMap::new();
    let mut access_keys: BTreeMap<String, AccessKey> = BTreeMap::new();
    let mut configs = BTreeSet::new();
    let mut index = BTreeSet::new();
    let mut key_index: BTreeMap<(String, String), String> = BTreeMap::new();
    // Scope index entries that hold their user's listing form.
    let mut listings = Vec::new();
    let mut bootstrapped = false;

    for item in tree.iter() {
        let (k, v) = item?;
        let Ok(k) = std::str::from_utf8(&k) else {
            problems.push(format!("a key is not UTF-8: {k:?}"));
            continue;
        };
        let parts: Vec<&str> = k.split('/').collect();
        let decoded = match parts.as_slice() {
            ["o", id] => serde_json::from_slice::<Organization>(&v).map(|o| {
                if o.id != *id {
                    problems.push(format!("{k} holds organization `{}`", o.id));
                }
                orgs.insert(id.to_string());
            }),
            ["t", id] => serde_json::from_slice::<Tenant>(&v).map(|t| {
                if t.id != *id {
                    problems.push(format!("{k} holds tenant `{}`", t.id));
                }
                tenants.insert(id.to_string(), t);
            }),
            ["u", id] => serde_json::from_slice::<User>(&v).map(|u| {
                if u.id != *id {
                    problems.push(format!("{k} holds user `{}`", u.id));
                }
                users.insert(id.to_string(), u);
            }),
            ["k", digest] => serde_json::from_slice::<AccessKey>(&v).map(|key| {
                if keys::parse_digest_hex(digest).is_none() {
                    problems.push(format!("{k}: not a SHA-256 digest"));
                }
                access_keys.insert(digest.to_string(), key);
            }),
            ["c", id] => serde_json::from_slice::<JsonMap>(&v).map(|_| {
                configs.insert(id.to_string());
            }),
            ["uk", user, name] => {
                let digest = String::from_utf8_lossy(&v).into_owned();
                key_index.insert((user.to_string(), name.to_string()), digest);
                Ok(())
            }
            ["ou" | "tu", _, id] if stored_listing(&v).is_some() => {
                index.insert(k.to_owned());
                listings.push((k.to_owned(), id.to_string(), v));
                Ok(())
            }
            ["ot" | "ou" | "tu", _, _] | ["sa", _] => {
                index.insert(k.to_owned());
                Ok(())
            }
            ["meta", "bootstrapped"] => {
                bootstrapped = true;
                Ok(())
            }
            _ => {
                problems.push(format!("unknown key `{k}`"));
                Ok(())
            }
        };
        if let Err(e) = decoded {
            problems.push(format!("{k}: undecodable record: {e}"));
        }
    }

    let mut expected = BTreeSet::new();
    for t in tenants.values() {
        if !orgs.contains(&t.org_id) {
            problems.push(format!(
                "tenant `{}` names missing organization `{}`",
                t.id, t.org_id
            ));
        }
        expected.insert(format!("ot/{}/{}", t.org_id, t.id));
    }
    for u in users.values() {
        if !orgs.contains(&u.org_id) {
            problems.push(format!(
                "user `{}` names missing organization `{}`",
                u.id, u.org_id
            ));
        }
        expected.insert(format!("ou/{}/{}", u.org_id, u.id));
        if !u.tenant_id.is_empty() {
            match tenants.get(&u.tenant_id) {
                None => problems.push(format!(
                    "user `{}` names missing tenant `{}`",
                    u.id, u.tenant_id
                )),
                Some(t) if t.org_id != u.org_id => problems.push(format!(
                    "user `{}` of organization `{}` is in tenant `{}` of `{}`",
                    u.id, u.org_id, t.id, t.org_id
                )),
                Some(_) => {}
            }
            expected.insert(format!("tu/{}/{}", u.tenant_id, u.id));
        }
        if u.roles.iter().any(|r| r == "super-admin") {
            expected.insert(format!("sa/{}", u.id));
        }
    }
    for (k, id, form) in listings {
        if users.get(&id).is_some_and(|u| *form != *listing(u)) {
            problems.push(format!(
                "index entry `{k}` holds a stale listing of user `{id}`"
            ));
        }
    }
    for missing in expected.difference(&index) {
        problems.push(format!("index entry `{missing}` is missing"));
    }
    for stray in index.difference(&expected) {
        problems.push(format!("index entry `{stray}` has no record"));
    }
    for (digest, key) in &access_keys {
        if !users.contains_key(&key.user_id) {
            problems.push(format!(
                "access key `{}` belongs to missing user `{}`",
                key.name, key.user_id
            ));
        }
        match key_index.get(&(key.user_id.clone(), key.name.clone())) {
            Some(d) if d == digest => {}
            _ => problems.push(format!(
                "access key `{}` of `{}` is missing from the key index",
                key.name, key.user_id
            )),
        }
    }
    for ((user, name), digest) in &key_index {
        match access_keys.get(digest) {
            Some(key) if key.user_id == *user && key.name == *name => {}
            _ => problems.push(format!(
                "key index entry `uk/{user}/{name}` has no key record"
            )),
        }
    }
    for user in &configs {
        if !users.contains_key(user) {
            problems.push(format!("configuration of missing user `{user}`"));
        }
    }
    let has_records = !orgs.is_empty() || !users.is_empty();
    if has_records && !bootstrapped {
        problems.push("records exist but the bootstrap mark is missing".into());
    }
    Ok(problems)
}

/// The pending writes of one change.
struct SledTxn<'a> {
    tree: &'a sled::Tree,
    listing: Listing,
    batch: sled::Batch,
    /// No write was staged.
    empty: bool,
    /// The change failed or expired: its batch must not be applied.
    aborted: bool,
    /// The change may alter what a key authenticates as (see
    /// `Store::generation`).
    affects_callers: bool,
}

impl<'a> SledTxn<'a> {
    fn new(tree: &'a sled::Tree, listing: Listing) -> Self {
        SledTxn {
            tree,
            listing,
            batch: sled::Batch::default(),
            empty: true,
            aborted: false,
            affects_callers: false,
        }
    }

    fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.empty = false;
        self.batch.insert(key, value);
    }

    fn remove(&mut self, key: Vec<u8>) {
        self.empty = false;
        self.batch.remove(key);
    }

    fn insert_json<T: Serialize>(&mut self, key: Vec<u8>, value: &T) -> Result<()> {
        let bytes = serde_json::to_vec(value)?;
        self.insert(key, bytes);
        Ok(())
    }
}

fn key(parts: &[&str]) -> Vec<u8> {
    parts.join("/").into_bytes()
}

fn hex(digest: &KeyDigest) -> String {
    keys::digest_hex(digest)
}

fn unhex(s: &[u8]) -> Result<KeyDigest> {
    std::str::from_utf8(s)
        .ok()
        .and_then(keys::parse_digest_hex)
        .ok_or_else(|| Error::Storage("corrupt key digest in index".into()))
}

fn get_json<T: DeserializeOwned>(tree: &sled::Tree, key: &[u8]) -> Result<Option<T>> {
    match tree.get(key)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// The last path segments of up to `limit` keys under `prefix/`, after
/// `after`, in key order.
fn scan_ids(tree: &sled::Tree, prefix: &[&str], after: &str, limit: usize) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    scan(tree, prefix, after, limit, |id, _| {
        ids.push(id.to_owned());
        Ok(())
    })?;
    Ok(ids)
}

/// Calls `f` with the last path segment and the value of up to `limit`
/// keys under `prefix/`, after `after`, in key order.
fn scan(
    tree: &sled::Tree,
    prefix: &[&str],
    after: &str,
    limit: usize,
    mut f: impl FnMut(&str, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut start = key(prefix);
    start.push(b'/');
    let prefix_len = start.len();
    let lower = if after.is_empty() {
        Bound::Included(start.clone())
    } else {
        let mut from = start.clone();
        from.extend_from_slice(after.as_bytes());
        Bound::Excluded(from)
    };
    for item in tree
        .range::<Vec<u8>, _>((lower, Bound::Unbounded))
        .take(limit)
    {
        let (k, v) = item?;
        if !k.starts_with(&start) {
            break;
        }
        let id = std::str::from_utf8(&k[prefix_len..])
            .map_err(|_| Error::Storage("corrupt index key".into()))?;
        f(id, &v)?;
    }
    Ok(())
}

/// Loads the records `ids` point at, under `kind/`.
fn load_all<T: DeserializeOwned>(
    tree: &sled::Tree,
    kind: &str,
    ids: Vec<String>,
) -> Result<Vec<T>> {
    ids.into_iter()
        .map(|id| {
            get_json(tree, &key(&[kind, &id]))?.ok_or_else(|| {
                Error::Storage(format!("index points at missing record {kind}/{id}"))
            })
        })
        .collect()
}

/// The index prefix of a scope's users.
fn user_index(scope: UserScope<'_>) -> [&str; 2] {
    match scope {
        UserScope::Org(org) => ["ou", org],
        UserScope::Tenant(tenant) => ["tu", tenant],
    }
}

/// Reads shared by the store and its transactions.
fn read_tree(tree: &sled::Tree) -> TreeReader<'_> {
    TreeReader(tree)
}

struct TreeReader<'a>(&'a sled::Tree);

impl Reader for TreeReader<'_> {
    fn org(&self, id: &str) -> Result<Option<Organization>> {
        get_json(self.0, &key(&["o", id]))
    }

    fn tenant(&self, id: &str) -> Result<Option<Tenant>> {
        get_json(self.0, &key(&["t", id]))
    }

    fn user(&self, id: &str) -> Result<Option<User>> {
        get_json(self.0, &key(&["u", id]))
    }

    fn key(&self, digest: &KeyDigest) -> Result<Option<AccessKey>> {
        get_json(self.0, &key(&["k", &hex(digest)]))
    }

    fn key_digest(&self, user_id: &str, name: &str) -> Result<Option<KeyDigest>> {
        match self.0.get(key(&["uk", user_id, name]))? {
            Some(v) => Ok(Some(unhex(&v)?)),
            None => Ok(None),
        }
    }

    fn config(&self, user_id: &str) -> Result<JsonMap> {
        Ok(get_json(self.0, &key(&["c", user_id]))?.unwrap_or_default())
    }

    fn list_orgs(&self, after: &str, limit: usize) -> Result<Vec<Organization>> {
        let ids = scan_ids(self.0, &["o"], after, limit)?;
        load_all(self.0, "o", ids)
    }

    fn list_tenants(&self, org_id: &str, after: &str, limit: usize) -> Result<Vec<Tenant>> {
        let ids = scan_ids(self.0, &["ot", org_id], after, limit)?;
        load_all(self.0, "t", ids)
    }

    fn list_users(&self, scope: UserScope<'_>, after: &str, limit: usize) -> Result<Vec<User>> {
        let ids = scan_ids(self.0, &user_index(scope), after, limit)?;
        load_all(self.0, "u", ids)
    }

    fn list_keys(&self, user_id: &str, after: &str, limit: usize) -> Result<Vec<AccessKey>> {
        scan_ids(self.0, &["uk", user_id], after, limit)?
            .into_iter()
            .map(|name| {
                let digest = self
                    .key_digest(user_id, &name)?
                    .ok_or_else(|| Error::Storage("key index changed during a scan".into()))?;
                self.key(&digest)?.ok_or_else(|| {
                    Error::Storage(format!("index points at missing key {user_id}/{name}"))
                })
            })
            .collect()
    }

    fn count_keys(&self, user_id: &str) -> Result<usize> {
        Ok(scan_ids(self.0, &["uk", user_id], "", usize::MAX)?.len())
    }

    fn org_has_tenants(&self, org_id: &str) -> Result<bool> {
        Ok(!scan_ids(self.0, &["ot", org_id], "", 1)?.is_empty())
    }

    fn has_users(&self, scope: UserScope<'_>) -> Result<bool> {
        Ok(!scan_ids(self.0, &user_index(scope), "", 1)?.is_empty())
    }

    fn count_super_admins(&self, limit: usize) -> Result<usize> {
        Ok(self.0.scan_prefix(b"sa/").take(limit).count())
    }

    fn is_bootstrapped(&self) -> Result<bool> {
        Ok(self.0.contains_key(b"meta/bootstrapped")?)
    }
}

/// Implements `Reader` for a type by delegating to its tree.
macro_rules! delegate_reader {
    ($ty:ty) => {
        impl Reader for $ty {
            fn org(&self, id: &str) -> Result<Option<Organization>> {
                read_tree(&self.tree).org(id)
            }
            fn tenant(&self, id: &str) -> Result<Option<Tenant>> {
                read_tree(&self.tree).tenant(id)
            }
            fn user(&self, id: &str) -> Result<Option<User>> {
                read_tree(&self.tree).user(id)
            }
            fn key(&self, digest: &KeyDigest) -> Result<Option<AccessKey>> {
                read_tree(&self.tree).key(digest)
            }
            fn key_digest(&self, user_id: &str, name: &str) -> Result<Option<KeyDigest>> {
                read_tree(&self.tree).key_digest(user_id, name)
            }
            fn config(&self, user_id: &str) -> Result<JsonMap> {
                read_tree(&self.tree).config(user_id)
            }
            fn list_orgs(&self, after: &str, limit: usize) -> Result<Vec<Organization>> {
                read_tree(&self.tree).list_orgs(after, limit)
            }
            fn list_tenants(&self, org_id: &str, after: &str, limit: usize) -> Result<Vec<Tenant>> {
                read_tree(&self.tree).list_tenants(org_id, after, limit)
            }
            fn list_users(
                &self,
                scope: UserScope<'_>,
                after: &str,
                limit: usize,
            ) -> Result<Vec<User>> {
                read_tree(&self.tree).list_users(scope, after, limit)
            }
            fn list_keys(
                &self,
                user_id: &str,
                after: &str,
                limit: usize,
            ) -> Result<Vec<AccessKey>> {
                read_tree(&self.tree).list_keys(user_id, after, limit)
            }
            fn count_keys(&self, user_id: &str) -> Result<usize> {
                read_tree(&self.tree).count_keys(user_id)
            }
            fn org_has_tenants(&self, org_id: &str) -> Result<bool> {
                read_tree(&self.tree).org_has_tenants(org_id)
            }
            fn has_users(&self, scope: UserScope<'_>) -> Result<bool> {
                read_tree(&self.tree).has_users(scope)
            }
            fn count_super_admins(&self, limit: usize) -> Result<usize> {
                read_tree(&self.tree).count_super_admins(limit)
            }
            fn is_bootstrapped(&self) -> Result<bool> {
                read_tree(&self.tree).is_bootstrapped()
            }
        }
    };
}

delegate_reader!(SledStore);
delegate_reader!(SledTxn<'_>);

impl Txn for SledTxn<'_> {
    fn put_org(&mut self, org: &Organization) -> Result<()> {
        self.insert_json(key(&["o", &org.id]), org)
    }

    fn delete_org(&mut self, id: &str) -> Result<()> {
        self.remove(key(&["o", id]));
        Ok(())
    }

    fn put_tenant(&mut self, tenant: &Tenant) -> Result<()> {
        self.insert(key(&["ot", &tenant.org_id, &tenant.id]), Vec::new());
        self.insert_json(key(&["t", &tenant.id]), tenant)
    }

    fn delete_tenant(&mut self, tenant: &Tenant) -> Result<()> {
        self.remove(key(&["ot", &tenant.org_id, &tenant.id]));
        self.remove(key(&["t", &tenant.id]));
        Ok(())
    }

    fn put_user(&mut self, old: Option<&User>, new: &User) -> Result<()> {
        self.affects_callers = true;
        if let Some(old) = old {
            self.remove(key(&["ou", &old.org_id, &old.id]));
            if !old.tenant_id.is_empty() {
                self.remove(key(&["tu", &old.tenant_id, &old.id]));
            }
            self.remove(key(&["sa", &old.id]));
        }
        // The scope indexes hold the user's listing form, so that a page of
        // users is one range scan (no lookup, no decoding per user).
        let listed = (self.listing)(new);
        // sled's batch applies in order: these inserts win over the removals.
        self.insert(key(&["ou", &new.org_id, &new.id]), listed.clone());
        if !new.tenant_id.is_empty() {
            self.insert(key(&["tu", &new.tenant_id, &new.id]), listed);
        }
        if new.roles.iter().any(|r| r == "super-admin") {
            self.insert(key(&["sa", &new.id]), Vec::new());
        }
        self.insert_json(key(&["u", &new.id]), new)
    }

    fn delete_user(&mut self, user: &User) -> Result<()> {
        self.affects_callers = true;
        for name in scan_ids(self.tree, &["uk", &user.id], "", usize::MAX)? {
            if let Some(digest) = self.key_digest(&user.id, &name)? {
                self.remove(key(&["k", &hex(&digest)]));
            }
            self.remove(key(&["uk", &user.id, &name]));
        }
        self.remove(key(&["c", &user.id]));
        self.remove(key(&["ou", &user.org_id, &user.id]));
        if !user.tenant_id.is_empty() {
            self.remove(key(&["tu", &user.tenant_id, &user.id]));
        }
        self.remove(key(&["sa", &user.id]));
        self.remove(key(&["u", &user.id]));
        Ok(())
    }

    fn put_key(&mut self, digest: &KeyDigest, k: &AccessKey) -> Result<()> {
        self.insert(key(&["uk", &k.user_id, &k.name]), hex(digest).into_bytes());
        self.insert_json(key(&["k", &hex(digest)]), k)
    }

    fn delete_key(&mut self, digest: &KeyDigest, k: &AccessKey) -> Result<()> {
        self.affects_callers = true;
        self.remove(key(&["uk", &k.user_id, &k.name]));
        self.remove(key(&["k", &hex(digest)]));
        Ok(())
    }

    fn put_config(&mut self, user_id: &str, config: &JsonMap) -> Result<()> {
        if config.is_empty() {
            self.remove(key(&["c", user_id]));
            Ok(())
        } else {
            self.insert_json(key(&["c", user_id]), config)
        }
    }

    fn set_bootstrapped(&mut self) -> Result<()> {
        self.insert(b"meta/bootstrapped".to_vec(), Vec::new());
        Ok(())
    }
}
