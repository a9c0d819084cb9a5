//! The users of each listed scope (organization, tenant) in memory, in id
//! order, each with the value its sled index entry keeps (the user's
//! listing form behind its version tag, [`super::layout`]): a page of
//! ListUsers is then a range over a B-tree in memory instead of a sled range
//! scan, which costs about 1.75k instructions per user (BENCHMARKS.md,
//! "ListUsers from memory (issue 14)").
//!
//! The index is derived, never persisted: a scope is read from sled the
//! first time it is listed (the call that lists it reads up to [`INLINE`]
//! users itself, a builder thread the rest while calls list the scope from
//! sled), and from then on the writer keeps it current.
//!
//! Invariants:
//! - a scope in memory equals its sled index entries as of the last applied
//!   change: the writer updates it after `apply_batch` and before the
//!   change is acknowledged, so a call that starts after the answer sees the
//!   change in memory as in sled;
//! - a scope being built records every change applied meanwhile and replays
//!   them, in order, on what it read; the build starts reading after the
//!   scope is registered, and the writer looks the scope up after applying,
//!   so every change is either read or replayed (or both: replaying is
//!   idempotent);
//! - all scopes together hold at most the budget (`--listing-memory`,
//!   estimated bytes; 0 keeps nothing in memory); a scope
//!   that would pass it is dropped and listed from sled for the rest of the
//!   process's life;
//! - readers hold a scope's lock only to copy one page; the writer holds it
//!   only to change one entry.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    ops::Bound,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc, Arc, Mutex, RwLock,
    },
    thread,
};

use crate::domain::{Error, Result};
use crate::store::UserScope;

/// Users the call that first lists a scope reads itself; a larger scope's
/// rest goes to the builder thread (so no call waits long for it).
const INLINE: usize = 4096;
/// Bytes an entry costs beside its own bytes: its slot in a B-tree node
/// (8 bytes each for the pointer and the length, nodes about 3/4 full) and
/// the rounding of its allocation to the allocator's size class.
const OVERHEAD: usize = 40;
/// Users a build reads between looks at whether the store is closing.
const STOP_CHECK: usize = 1024;

/// The two kinds of scope, as their sled index prefixes name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Org = 0,
    Tenant = 1,
}

impl Kind {
    /// The sled index prefix of this kind's scopes (`ou/`, `tu/`).
    fn prefix(self) -> &'static [u8] {
        match self {
            Kind::Org => b"ou/",
            Kind::Tenant => b"tu/",
        }
    }

    /// The record prefix whose removal deletes such a scope (`o/`, `t/`).
    fn record(self) -> &'static [u8] {
        match self {
            Kind::Org => b"o/",
            Kind::Tenant => b"t/",
        }
    }
}

/// A scope's kind and id.
fn split(scope: UserScope<'_>) -> (Kind, &str) {
    match scope {
        UserScope::Org(id) => (Kind::Org, id),
        UserScope::Tenant(id) => (Kind::Tenant, id),
    }
}

/// One user of a scope in one allocation: its id's length (2 bytes, little
/// endian), its id, then the value its index entry keeps. Entries compare
/// by id alone.
#[derive(Debug)]
struct Entry(Box<[u8]>);

impl Entry {
    /// An entry; `None` for an id too long to be one (no valid id is).
    fn new(id: &str, value: &[u8]) -> Option<Self> {
        let len = u16::try_from(id.len()).ok()?;
        let mut bytes = Vec::with_capacity(2 + id.len() + value.len());
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(id.as_bytes());
        bytes.extend_from_slice(value);
        Some(Entry(bytes.into_boxed_slice()))
    }

    fn id_len(&self) -> usize {
        usize::from(u16::from_le_bytes([self.0[0], self.0[1]]))
    }

    fn id(&self) -> &[u8] {
        &self.0[2..2 + self.id_len()]
    }

    fn value(&self) -> &[u8] {
        &self.0[2 + self.id_len()..]
    }

    /// What it counts against the budget.
    fn cost(&self) -> usize {
        self.0.len() + OVERHEAD
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.id().cmp(other.id())
    }
}

/// A scope's users, and the bytes they count against the budget.
#[derive(Debug, Default)]
struct Users {
    set: BTreeSet<Entry>,
    bytes: usize,
}

impl Users {
    /// Sets (`Some`) or removes (`None`) user `id`'s value; answers the
    /// bytes added and removed.
    fn change(&mut self, id: &str, value: Option<&[u8]>) -> (usize, usize) {
        let Some(probe) = Entry::new(id, &[]) else {
            return (0, 0);
        };
        let removed = self.set.take(&probe).map_or(0, |old| old.cost());
        let added = match value.and_then(|v| Entry::new(id, v)) {
            Some(entry) => {
                let cost = entry.cost();
                self.set.insert(entry);
                cost
            }
            None => 0,
        };
        self.bytes = self.bytes + added - removed;
        (added, removed)
    }
}

/// A change to one user of a scope: its id and new value (`None`: gone).
type Change = (Box<str>, Option<Box<[u8]>>);

/// Where a scope is.
#[derive(Debug)]
enum State {
    /// Being read from sled; the changes applied meanwhile, in order.
    Building(Vec<Change>),
    /// In memory and current.
    Ready(Users),
    /// Not in memory (over the budget, its build failed, or its
    /// organization or tenant was deleted): listed from sled.
    Unindexed,
}

type Scope = Arc<RwLock<State>>;

/// A scope's build in progress: what it has read, and where it goes on.
struct Build {
    kind: Kind,
    scope: Scope,
    /// The scope's sled index prefix (`ou/<org>/`).
    prefix: Vec<u8>,
    users: Users,
    /// The next key to read.
    from: Vec<u8>,
}

impl Build {
    /// The build of scope `id`, from its first user.
    fn new(kind: Kind, id: &str, scope: Scope) -> Self {
        let mut prefix = kind.prefix().to_vec();
        prefix.extend_from_slice(id.as_bytes());
        prefix.push(b'/');
        Build {
            kind,
            scope,
            from: prefix.clone(),
            prefix,
            users: Users::default(),
        }
    }
}

/// How far one step of a build got.
enum Step {
    /// Read the whole scope.
    Done,
    /// More to read.
    More,
    /// Over the budget.
    Over,
}

/// Every listed scope's users in memory (see the module's documentation).
pub(super) struct Index {
    tree: sled::Tree,
    /// The scopes by id, organizations first, then tenants.
    scopes: RwLock<[HashMap<Box<str>, Scope>; 2]>,
    /// Bytes held by all scopes and builds.
    used: AtomicUsize,
    budget: usize,
    /// Builds for the builder thread; `None` once closed.
    builds: Mutex<Option<mpsc::Sender<Build>>>,
    builder: Mutex<Option<thread::JoinHandle<()>>>,
    /// Tells a build in progress that the store is closing.
    stop: AtomicBool,
}

impl Index {
    /// An empty index over `tree` holding at most `budget` bytes, and its
    /// builder thread.
    pub(super) fn open(tree: sled::Tree, budget: usize) -> Result<Arc<Self>> {
        let (tx, rx) = mpsc::channel();
        let index = Arc::new(Index {
            tree,
            scopes: RwLock::default(),
            used: AtomicUsize::new(0),
            budget,
            builds: Mutex::new(Some(tx)),
            builder: Mutex::new(None),
            stop: AtomicBool::new(false),
        });
        let builder = {
            // Weak: an index dropped without `close` (a store whose open
            // failed later) still drops its sender, which ends the thread.
            let index = Arc::downgrade(&index);
            thread::Builder::new()
                .name("roster-listing".into())
                .spawn(move || {
                    for build in rx {
                        match index.upgrade() {
                            Some(index) => index.finish_in_background(build),
                            None => return,
                        }
                    }
                })?
        };
        *lock(&index.builder) = Some(builder);
        Ok(index)
    }

    /// Stops the builder thread (abandoning a build in progress) and waits
    /// for it, so that it holds the database no longer.
    pub(super) fn close(&self) {
        self.stop.store(true, Ordering::Release);
        lock(&self.builds).take();
        if let Some(builder) = lock(&self.builder).take() {
            let _ = builder.join();
        }
    }

    /// Bytes held now, all scopes together.
    pub(super) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    /// Calls `f` with the id (UTF-8: entries are made from `&str`s only)
    /// and kept value of each of up to `limit` users of `scope` after
    /// `after`, in id order, from memory, and answers `true`; answers
    /// `false`, having called it for none, when the scope is not in memory
    /// (then it starts reading it, the first time).
    pub(super) fn page(
        &self,
        scope: UserScope<'_>,
        after: &str,
        limit: usize,
        mut f: impl FnMut(&[u8], &[u8]),
    ) -> bool {
        if self.budget == 0 {
            return false;
        }
        let (kind, id) = split(scope);
        let found = read(&self.scopes)[kind as usize].get(id).cloned();
        let scope = match found {
            Some(scope) => scope,
            None => self.start(kind, id),
        };
        let lower = match after {
            "" => Bound::Unbounded,
            after => match Entry::new(after, &[]) {
                Some(probe) => Bound::Excluded(probe),
                None => return false,
            },
        };
        let state = read(&scope);
        let State::Ready(users) = &*state else {
            return false;
        };
        for entry in users.set.range((lower, Bound::Unbounded)).take(limit) {
            f(entry.id(), entry.value());
        }
        true
    }

    /// Registers scope `id` and reads it, up to [`INLINE`] users here and
    /// the rest on the builder thread.
    fn start(&self, kind: Kind, id: &str) -> Scope {
        let (scope, new) = self.register(kind, id);
        if !new {
            return scope;
        }
        let mut build = Build::new(kind, id, scope.clone());
        match self.read_some(&mut build, INLINE) {
            Ok(Step::Done) => self.finish(build),
            Ok(Step::More) => {
                if let Some(builds) = lock(&self.builds).as_ref() {
                    // A closed builder drops the build, which stays
                    // Building: listed from sled while the store closes.
                    let _ = builds.send(build);
                }
            }
            Ok(Step::Over) => self.abandon(build, None),
            Err(e) => self.abandon(build, Some(e)),
        }
        scope
    }

    /// The scope of `id`, registered as being built if it was not there
    /// (then `true`). A build reads only after this: see the module's
    /// invariants.
    fn register(&self, kind: Kind, id: &str) -> (Scope, bool) {
        let mut scopes = write(&self.scopes);
        if let Some(scope) = scopes[kind as usize].get(id) {
            return (scope.clone(), false);
        }
        let scope = Scope::new(RwLock::new(State::Building(Vec::new())));
        scopes[kind as usize].insert(id.into(), scope.clone());
        (scope, true)
    }

    /// Reads the rest of a build (on the builder thread).
    fn finish_in_background(&self, mut build: Build) {
        loop {
            if self.stop.load(Ordering::Acquire) {
                return self.abandon(build, None);
            }
            match self.read_some(&mut build, STOP_CHECK) {
                Ok(Step::Done) => return self.finish(build),
                Ok(Step::More) => {}
                Ok(Step::Over) => return self.abandon(build, None),
                Err(e) => return self.abandon(build, Some(e)),
            }
        }
    }

    /// Reads up to `max` more users of a build from sled.
    fn read_some(&self, build: &mut Build, max: usize) -> Result<Step> {
        for (read, item) in self.tree.range(build.from.as_slice()..).enumerate() {
            let (key, value) = item?;
            if !key.starts_with(&build.prefix) {
                return Ok(Step::Done);
            }
            if read == max {
                build.from = key.to_vec();
                return Ok(Step::More);
            }
            let id = std::str::from_utf8(&key[build.prefix.len()..])
                .map_err(|_| Error::storage("corrupt index key"))?;
            let (added, _) = build.users.change(id, Some(&value));
            if self.used.fetch_add(added, Ordering::AcqRel) + added > self.budget {
                return Ok(Step::Over);
            }
        }
        Ok(Step::Done)
    }

    /// Replays the changes applied during a build on what it read, and
    /// makes the scope ready.
    fn finish(&self, mut build: Build) {
        let mut state = write(&build.scope);
        let State::Building(changes) = std::mem::replace(&mut *state, State::Unindexed) else {
            // Deleted meanwhile: nothing to keep.
            drop(state);
            return self.abandon(build, None);
        };
        for (id, value) in &changes {
            let (added, removed) = build.users.change(id, value.as_deref());
            self.account(added, removed);
        }
        let (users, bytes) = (build.users.set.len(), build.users.bytes);
        *state = State::Ready(build.users);
        tracing::debug!(kind = ?build.kind, users, bytes, held = self.used(), "listing index: scope in memory");
        if users == 0 {
            drop(state);
            let id = std::str::from_utf8(&build.prefix[3..build.prefix.len() - 1]).unwrap_or("");
            return self.forget_if_empty(build.kind, id, &build.scope);
        }
        if self.used() > self.budget {
            self.unindex(&mut state);
        }
    }

    /// Takes an empty scope out of the index, so that listing the ids of
    /// organizations that do not exist leaves nothing behind (an empty
    /// scope costs one sled seek to read again when it is listed next).
    fn forget_if_empty(&self, kind: Kind, id: &str, scope: &Scope) {
        let mut scopes = write(&self.scopes);
        let map = &mut scopes[kind as usize];
        if !map.get(id).is_some_and(|s| Arc::ptr_eq(s, scope)) {
            return;
        }
        let mut state = write(scope);
        if matches!(&*state, State::Ready(users) if users.set.is_empty()) {
            map.remove(id);
            self.unindex(&mut state);
        }
    }

    /// Gives a build up: its scope is listed from sled.
    fn abandon(&self, build: Build, error: Option<Error>) {
        if let Some(e) = error {
            tracing::warn!(error = %e.chain(), "listing index: a scope stays in sled");
        }
        self.used.fetch_sub(build.users.bytes, Ordering::AcqRel);
        let mut state = write(&build.scope);
        if matches!(*state, State::Building(_)) {
            *state = State::Unindexed;
        }
    }

    /// Drops a scope's users from memory.
    fn unindex(&self, state: &mut State) {
        if let State::Ready(users) = std::mem::replace(state, State::Unindexed) {
            self.used.fetch_sub(users.bytes, Ordering::AcqRel);
        }
    }

    fn account(&self, added: usize, removed: usize) {
        self.used.fetch_add(added, Ordering::AcqRel);
        self.used.fetch_sub(removed, Ordering::AcqRel);
    }

    /// Applies one change's writes (every key it wrote, `Some`, or removed,
    /// `None`) to the scopes in memory. The writer calls it after the
    /// change is applied to sled and before it is acknowledged.
    pub(super) fn apply(&self, staged: &BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
        for kind in [Kind::Org, Kind::Tenant] {
            self.forget_deleted(kind, staged);
            let scopes = read(&self.scopes);
            if scopes[kind as usize].is_empty() {
                continue;
            }
            for (key, value) in under(staged, kind.prefix()) {
                let Some((scope, id)) = std::str::from_utf8(key)
                    .ok()
                    .and_then(|k| k.split_once('/'))
                else {
                    continue;
                };
                if let Some(scope) = scopes[kind as usize].get(scope) {
                    self.change(scope, id, value.as_deref());
                }
            }
        }
    }

    /// Changes one user of a scope in memory (or of its build).
    fn change(&self, scope: &Scope, id: &str, value: Option<&[u8]>) {
        let mut state = write(scope);
        match &mut *state {
            State::Building(changes) => changes.push((id.into(), value.map(Into::into))),
            State::Ready(users) => {
                let (added, removed) = users.change(id, value);
                self.account(added, removed);
                if self.used() > self.budget {
                    self.unindex(&mut state);
                }
            }
            State::Unindexed => {}
        }
    }

    /// Forgets the scopes of the organizations or tenants a change deleted
    /// (their users were gone already: this only frees the map entry).
    fn forget_deleted(&self, kind: Kind, staged: &BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
        let mut deleted = under(staged, kind.record())
            .filter(|(_, value)| value.is_none())
            .peekable();
        if deleted.peek().is_none() || read(&self.scopes)[kind as usize].is_empty() {
            return;
        }
        let mut scopes = write(&self.scopes);
        for (id, _) in deleted {
            let Ok(id) = std::str::from_utf8(id) else {
                continue;
            };
            if let Some(scope) = scopes[kind as usize].remove(id) {
                self.unindex(&mut write(&scope));
            }
        }
    }
}

/// The staged keys under `prefix`, without it, with their values.
fn under<'a>(
    staged: &'a BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    prefix: &'static [u8],
) -> impl Iterator<Item = (&'a [u8], &'a Option<Vec<u8>>)> {
    staged
        .range(prefix.to_vec()..)
        .take_while(move |(key, _)| key.starts_with(prefix))
        .map(move |(key, value)| (&key[prefix.len()..], value))
}

// A panic while a lock is held leaves data that is still consistent here
// (each change is one set operation), so a poisoned lock is used as it is.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

fn lock<T>(lock: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default budget.
    const BUDGET: usize = crate::store::DEFAULT_LISTING_MEMORY_MIB as usize * (1 << 20);

    type Pairs = Vec<(String, Vec<u8>)>;

    /// A temporary sled database and an index over it.
    fn setup(budget: usize) -> (sled::Db, Arc<Index>) {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let index = Index::open((*db).clone(), budget).unwrap();
        (db, index)
    }

    /// Applies `writes` to the tree, then to the index, as the writer does.
    fn write(db: &sled::Db, index: &Index, writes: &[(&str, Option<&[u8]>)]) {
        let mut batch = sled::Batch::default();
        let mut staged = BTreeMap::new();
        for (key, value) in writes {
            match value {
                Some(v) => batch.insert(key.as_bytes(), *v),
                None => batch.remove(key.as_bytes()),
            }
            staged.insert(key.as_bytes().to_vec(), value.map(<[u8]>::to_vec));
        }
        db.apply_batch(batch).unwrap();
        index.apply(&staged);
    }

    /// A page as sled's index entries hold it.
    fn in_sled(db: &sled::Db, scope: UserScope<'_>, after: &str, limit: usize) -> Pairs {
        let (kind, id) = split(scope);
        let prefix = [kind.prefix(), id.as_bytes(), b"/"].concat();
        let mut from = prefix.clone();
        from.extend_from_slice(after.as_bytes());
        db.range(from.clone()..)
            .map(Result::unwrap)
            .filter(|(k, _)| after.is_empty() || k[..] != from[..])
            .take_while(|(k, _)| k.starts_with(&prefix))
            .take(limit)
            .map(|(k, v)| {
                let id = String::from_utf8(k[prefix.len()..].to_vec()).unwrap();
                (id, v.to_vec())
            })
            .collect()
    }

    /// A page from memory, if the scope is there.
    fn in_memory(index: &Index, scope: UserScope<'_>, after: &str, limit: usize) -> Option<Pairs> {
        let mut page = Vec::new();
        let found = index.page(scope, after, limit, |id, v| {
            page.push((String::from_utf8(id.to_vec()).unwrap(), v.into()))
        });
        found.then_some(page)
    }

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    const SCOPES: [UserScope<'static>; 4] = [
        UserScope::Org("o0"),
        UserScope::Org("o1"),
        UserScope::Tenant("t0"),
        UserScope::Tenant("t1"),
    ];

    /// Every page from memory equals sled's through random puts, moves and
    /// deletes, whether the scope was listed before the changes or in the
    /// middle of them; the bytes held follow.
    #[test]
    fn pages_match_sled_through_changes() {
        let (db, index) = setup(BUDGET);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for step in 0..600 {
            let user = format!("u{:02}", rng.below(40));
            let (kind, scope) = (["ou", "tu"][rng.below(2)], rng.below(3));
            let other = format!("{kind}/{}{}/{user}", &kind[..1], (scope + 1) % 3);
            let key = format!("{kind}/{}{scope}/{user}", &kind[..1]);
            let value = format!("form of {user} at {step}");
            match rng.below(3) {
                0 => write(&db, &index, &[(&key, None)]),
                // A move: out of one scope, into another, in one change.
                1 => write(
                    &db,
                    &index,
                    &[(&other, None), (&key, Some(value.as_bytes()))],
                ),
                _ => write(&db, &index, &[(&key, Some(value.as_bytes()))]),
            }
            if step == 300 {
                // o1 and t1 are listed (built) only from here on.
                for scope in SCOPES {
                    in_memory(&index, scope, "", 1);
                }
            }
            let listed = if step < 300 {
                &SCOPES[..1]
            } else {
                &SCOPES[..]
            };
            for &scope in listed {
                in_memory(&index, scope, "", 1);
                let after = format!("u{:02}", rng.below(45));
                // An empty scope is not kept: listed from sled.
                let empty = in_sled(&db, scope, "", 1).is_empty();
                for (after, limit) in [("", 1000), (after.as_str(), 7), ("u1\u{7f}", 3)] {
                    let memory = in_memory(&index, scope, after, limit);
                    let sled = in_sled(&db, scope, after, limit);
                    assert_eq!(memory, (!empty).then_some(sled), "{step}");
                }
            }
        }
        let held: usize = SCOPES
            .iter()
            .flat_map(|&scope| in_memory(&index, scope, "", usize::MAX).unwrap_or_default())
            .map(|(id, v)| 2 + id.len() + v.len() + OVERHEAD)
            .sum();
        assert_eq!(index.used(), held);
        index.close();
    }

    /// Changes applied while a scope is read from sled (before and after
    /// the read passed their keys) end up in it: replayed in order.
    #[test]
    fn changes_during_a_build_are_replayed() {
        let (db, index) = setup(BUDGET);
        for i in 0..50 {
            write(&db, &index, &[(&format!("ou/o/u{i:02}"), Some(b"old"))]);
        }
        let (scope, new) = index.register(Kind::Org, "o");
        assert!(new);
        let mut build = Build::new(Kind::Org, "o", scope);
        write(&db, &index, &[("ou/o/u05", Some(b"a")), ("ou/o/u40", None)]);
        assert!(matches!(
            index.read_some(&mut build, 20).unwrap(),
            Step::More
        ));
        // u05 was read with its new value, u45 not yet.
        write(&db, &index, &[("ou/o/u05", None), ("ou/o/u45", Some(b"b"))]);
        write(
            &db,
            &index,
            &[("ou/o/u05", Some(b"c")), ("ou/o/u50", Some(b"d"))],
        );
        assert_eq!(in_memory(&index, UserScope::Org("o"), "", 1), None);
        assert!(matches!(
            index.read_some(&mut build, 100).unwrap(),
            Step::Done
        ));
        index.finish(build);
        let page = in_memory(&index, UserScope::Org("o"), "", 1000).unwrap();
        assert_eq!(page, in_sled(&db, UserScope::Org("o"), "", 1000));
        assert_eq!(page.len(), 50);
        assert_eq!(page[5], ("u05".into(), b"c".to_vec()));
        index.close();
    }

    /// A scope larger than a call reads itself is finished on the builder
    /// thread, listed from sled until then.
    #[test]
    fn large_scopes_are_built_in_the_background() {
        let (db, index) = setup(BUDGET);
        let keys: Vec<String> = (0..INLINE * 2).map(|i| format!("tu/t/u{i:05}")).collect();
        let writes: Vec<_> = keys.iter().map(|k| (k.as_str(), Some(&b"f"[..]))).collect();
        write(&db, &index, &writes);
        let scope = UserScope::Tenant("t");
        assert_eq!(in_memory(&index, scope, "", 10), None);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while in_memory(&index, scope, "", 1).is_none() {
            assert!(std::time::Instant::now() < deadline, "never built");
            thread::sleep(std::time::Duration::from_millis(5));
        }
        let all = in_memory(&index, scope, "", usize::MAX).unwrap();
        assert_eq!(all.len(), INLINE * 2);
        assert_eq!(all, in_sled(&db, scope, "", usize::MAX));
        index.close();
    }

    /// Over the budget, a scope is listed from sled and holds nothing:
    /// whether it is too large to build or grows too large later.
    #[test]
    fn over_the_budget_stays_in_sled() {
        let (db, index) = setup(20 * (OVERHEAD + 10));
        for i in 0..30 {
            write(&db, &index, &[(&format!("ou/big/u{i:02}"), Some(b"form"))]);
        }
        assert_eq!(in_memory(&index, UserScope::Org("big"), "", 5), None);
        assert_eq!(in_memory(&index, UserScope::Org("big"), "", 5), None);
        assert_eq!(index.used(), 0);

        write(&db, &index, &[("ou/small/u00", Some(b"form"))]);
        let small = UserScope::Org("small");
        assert_eq!(in_memory(&index, small, "", 5).unwrap().len(), 1);
        assert_eq!(index.used(), 2 + 3 + 4 + OVERHEAD);
        for i in 1..30 {
            write(
                &db,
                &index,
                &[(&format!("ou/small/u{i:02}"), Some(b"form"))],
            );
        }
        assert_eq!(in_memory(&index, small, "", 5), None);
        assert_eq!(index.used(), 0);
        index.close();
    }

    /// A budget of 0 (`--listing-memory 0`) lists every scope from sled and
    /// reads none.
    #[test]
    fn a_budget_of_zero_reads_nothing() {
        let (db, index) = setup(0);
        write(&db, &index, &[("ou/o/u1", Some(b"form"))]);
        assert_eq!(in_memory(&index, UserScope::Org("o"), "", 5), None);
        assert!(read(&index.scopes).iter().all(HashMap::is_empty));
        assert_eq!(index.used(), 0);
        index.close();
    }

    /// Listing scopes without users (say, ids of no organization) keeps
    /// nothing: each is read, found empty and taken out again; one that
    /// gets a user is read afresh when listed next.
    #[test]
    fn empty_scopes_are_not_kept() {
        let (db, index) = setup(BUDGET);
        for i in 0..100 {
            assert_eq!(
                in_memory(&index, UserScope::Org(&format!("no{i}")), "", 5),
                None
            );
            assert_eq!(
                in_memory(&index, UserScope::Tenant(&format!("no{i}")), "", 5),
                None
            );
        }
        assert!(read(&index.scopes).iter().all(HashMap::is_empty));
        assert_eq!(index.used(), 0);
        write(&db, &index, &[("ou/no7/u", Some(b"f"))]);
        let page = in_memory(&index, UserScope::Org("no7"), "", 5).unwrap();
        assert_eq!(page, [("u".to_string(), b"f".to_vec())]);
        assert_eq!(read(&index.scopes)[Kind::Org as usize].len(), 1);
        index.close();
    }

    /// Deleting an organization or tenant frees its scope; listing it
    /// again (re-created) reads it afresh.
    #[test]
    fn deleted_scopes_are_forgotten() {
        let (db, index) = setup(BUDGET);
        write(&db, &index, &[("o/o", Some(b"{}")), ("ou/o/u", Some(b"f"))]);
        write(&db, &index, &[("t/t", Some(b"{}")), ("tu/t/u", Some(b"f"))]);
        assert!(in_memory(&index, UserScope::Org("o"), "", 5).is_some());
        assert!(in_memory(&index, UserScope::Tenant("t"), "", 5).is_some());
        write(&db, &index, &[("ou/o/u", None), ("tu/t/u", None)]);
        // Emptied by writes, the scopes stay until their records go.
        assert!(read(&index.scopes).iter().all(|scopes| scopes.len() == 1));
        write(&db, &index, &[("o/o", None), ("t/t", None)]);
        assert_eq!(index.used(), 0);
        assert!(read(&index.scopes).iter().all(HashMap::is_empty));
        write(&db, &index, &[("o/o", Some(b"{}")), ("ou/o/v", Some(b"g"))]);
        let page = in_memory(&index, UserScope::Org("o"), "", 5).unwrap();
        assert_eq!(page, [("v".to_string(), b"g".to_vec())]);
        index.close();
    }
}
