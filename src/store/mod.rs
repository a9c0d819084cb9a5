//! The store: the one seam between roster's rules and its storage. The
//! traits here are the whole contract; [`open`] picks the backend from the
//! configuration, and nothing outside this module names a backend type.
//!
//! Invariants every backend keeps (the conformance suite in
//! `tests/store.rs` pins each one):
//! - a write is one atomic change, applied whole or not at all, serializable
//!   with every other write, from this process or any other sharing the
//!   store;
//! - a write's change may run more than once (a backend retries it after a
//!   serialization failure): it reads and writes only through its [`Txn`]
//!   and has no other side effects;
//! - a write answered `Ok` is durable (synced, not only flushed);
//! - a write whose deadline has passed before it reaches the store is not
//!   applied and answers `Error::DeadlineExceeded`;
//! - indexes (organization → tenants/users, tenant → users, user → keys,
//!   super-admins) always agree with the records: callers never maintain
//!   them;
//! - [`Store::revision`] grows, before the write is acknowledged, with every
//!   change that may alter what an access key authenticates as.

mod postgres;
mod sled;

use std::{
    any::Any,
    future::Future,
    path::{Path, PathBuf},
    pin::Pin,
    sync::Arc,
    time::Instant,
};

use crate::domain::{
    AccessKey, Error, JsonMap, KeyDigest, ListingForm, Listings, Organization, Result, Tenant, User,
};

pub use crate::metrics::{PoolUse, StoreStats};
pub use postgres::schema::VERSION as SCHEMA_VERSION;
pub use postgres::Options as PostgresOptions;

/// Where the store lives, as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The embedded store (sled) in this directory.
    Dir(PathBuf),
    /// A PostgreSQL database: a libpq connection URL or key=value string.
    Postgres(String),
}

impl Location {
    /// The embedded store of a data directory (its `store/` folder).
    pub fn data_dir(data_dir: &Path) -> Self {
        Location::Dir(data_dir.join("store"))
    }
}

impl std::fmt::Display for Location {
    /// The directory, or the database's URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Dir(dir) => write!(f, "{}", dir.display()),
            Location::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// A connection URL with its password, if any, replaced by `***`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // key=value form: drop a password=... pair.
        return url
            .split_whitespace()
            .map(|kv| {
                if kv.starts_with("password=") {
                    "password=***"
                } else {
                    kv
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Whether [`open`] may create a store that does not exist yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Create it (the server).
    IfMissing,
    /// Only open an existing one (`roster check` and `export`).
    Never,
}

/// Opens the store at `location`. `Error::Unavailable` means it cannot be
/// used now but may be later: another process holds the embedded store (it
/// allows one process at a time), the database cannot be reached, or its
/// schema is not this build's.
pub async fn open(location: &Location, create: Create) -> Result<Arc<dyn Store>> {
    open_with(location, create, StoreOptions::default()).await
}

/// The default of `--listing-memory`, in MiB: bytes (estimated) the
/// embedded store may hold to list users from memory. About 450,000 users
/// of the benchmark's size (~150 bytes each): an organization of 100,000
/// fits, the 1,000,000-user benchmark's one of 990,000 does not — building
/// it would also bring its part of the tree into sled's page cache (~1.6
/// times the index's size), which together would pass 512 MiB of RSS
/// (BENCHMARKS.md, "ListUsers from memory (issue 14)").
pub const DEFAULT_LISTING_MEMORY_MIB: u32 = 64;

/// How a store behaves beyond where it is.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub postgres: PostgresOptions,
    /// The embedded store: MiB it may hold to list users from memory.
    pub listing_memory_mib: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            postgres: PostgresOptions::default(),
            listing_memory_mib: DEFAULT_LISTING_MEMORY_MIB,
        }
    }
}

/// Opens the store at `location` with `options`.
pub async fn open_with(
    location: &Location,
    create: Create,
    options: StoreOptions,
) -> Result<Arc<dyn Store>> {
    match location {
        Location::Dir(dir) => {
            if create == Create::Never && !sled::exists(dir) {
                return Err(Error::storage(format!(
                    "no roster store in {}",
                    dir.display()
                )));
            }
            let dir = dir.clone();
            let listing_memory = options.listing_memory_mib as usize * (1 << 20);
            let store =
                tokio::task::spawn_blocking(move || sled::SledStore::open(&dir, listing_memory))
                    .await
                    .map_err(Error::internal)??;
            Ok(Arc::new(store))
        }
        Location::Postgres(url) => Ok(Arc::new(
            postgres::PgStore::open(url, create, options.postgres).await?,
        )),
    }
}

/// Creates or upgrades the schema of a PostgreSQL store; answers the
/// version it found (`None`: the database was empty).
pub async fn migrate(location: &Location) -> Result<Option<i32>> {
    match location {
        Location::Postgres(url) => postgres::migrate(url).await,
        Location::Dir(_) => Ok(None),
    }
}

/// One record of a store, as `roster export` writes it (one JSON object per
/// line, tagged by `kind`) and `roster import` reads it. Indexes are not
/// records: they follow from these.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// The first line of an export.
    Header {
        format: String,
        version: u32,
    },
    Organization(Organization),
    Tenant(Tenant),
    User(User),
    /// An access key: its SHA-256 digest (hex), never its secret.
    AccessKey {
        digest: String,
        user_id: String,
        name: String,
        redacted: String,
        created_at: i64,
    },
    /// A user's configuration.
    Config {
        user_id: String,
        config: JsonMap,
    },
    /// The first-start bootstrap has happened.
    Bootstrapped,
}

impl Record {
    /// The record a backend keeps under a kind prefix (`o/`, `t/`, `u/`,
    /// `k/` with the digest's hex as id, `c/` with the user's id) as JSON.
    fn from_stored(prefix: &str, id: String, json: &[u8]) -> Result<Record> {
        Ok(match prefix {
            "o/" => Record::Organization(serde_json::from_slice(json)?),
            "t/" => Record::Tenant(serde_json::from_slice(json)?),
            "u/" => Record::User(serde_json::from_slice(json)?),
            "k/" => {
                let key: AccessKey = serde_json::from_slice(json)?;
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
                config: serde_json::from_slice(json)?,
            },
        })
    }
}

/// A run of records in export order, and where the next run starts.
#[derive(Debug, Default)]
pub struct RecordPage {
    pub records: Vec<Record>,
    /// The cursor of the next page (opaque); `None` after the last record.
    pub next: Option<String>,
}

/// Which users to list.
#[derive(Clone, Copy, Debug)]
pub enum UserScope<'a> {
    /// Every user of an organization.
    Org(&'a str),
    /// Every user of a tenant.
    Tenant(&'a str),
}

/// Reads of the latest committed state (or, through a [`Txn`], of the state
/// the change started from). List methods return at most `limit` items
/// sorted by id (keys: by name), starting after `after` (`""` for the
/// start).
#[async_trait::async_trait]
pub trait Reader: Send + Sync {
    async fn org(&self, id: &str) -> Result<Option<Organization>>;
    async fn tenant(&self, id: &str) -> Result<Option<Tenant>>;
    async fn user(&self, id: &str) -> Result<Option<User>>;
    async fn key(&self, digest: &KeyDigest) -> Result<Option<AccessKey>>;
    /// The digest of the user's key of that name.
    async fn key_digest(&self, user_id: &str, name: &str) -> Result<Option<KeyDigest>>;
    /// The user's configuration; empty when none is stored.
    async fn config(&self, user_id: &str) -> Result<JsonMap>;
    async fn list_orgs(&self, after: &str, limit: usize) -> Result<Vec<Organization>>;
    async fn list_tenants(&self, org_id: &str, after: &str, limit: usize) -> Result<Vec<Tenant>>;
    async fn list_users(
        &self,
        scope: UserScope<'_>,
        after: &str,
        limit: usize,
    ) -> Result<Vec<User>>;
    /// Up to `limit` users of `scope` after the id `after`, by id, each in
    /// its listing form. A backend may keep the forms it was given with each
    /// write (see [`Txn::put_user`]) and hand them out as they are while
    /// their version is `form.version`; any other user it lists through
    /// `form.encode`.
    async fn list_user_listings(
        &self,
        scope: UserScope<'_>,
        after: &str,
        limit: usize,
        form: &ListingForm,
    ) -> Result<Listings>;
    async fn list_keys(&self, user_id: &str, after: &str, limit: usize) -> Result<Vec<AccessKey>>;
    /// How many keys the user has.
    async fn count_keys(&self, user_id: &str) -> Result<usize>;
    /// Whether the organization has any tenant.
    async fn org_has_tenants(&self, org_id: &str) -> Result<bool>;
    /// Whether the organization, or with `UserScope::Tenant` the tenant, has
    /// any user.
    async fn has_users(&self, scope: UserScope<'_>) -> Result<bool>;
    /// How many users hold `super-admin`, counting no further than `limit`.
    async fn count_super_admins(&self, limit: usize) -> Result<usize>;
    /// Whether the first-start bootstrap has happened.
    async fn is_bootstrapped(&self) -> Result<bool>;
}

/// The writes of one atomic change. A change reads before it writes: what a
/// read returns after a write of the same change is up to the backend. The
/// writes themselves take no stored state from the caller: a backend finds
/// what a write replaces or removes (a user's old index entries, a key's
/// owner) itself, taking earlier writes of the same change into account,
/// so no caller can leave an index behind.
#[async_trait::async_trait]
pub trait Txn: Reader {
    /// Creates or replaces an organization.
    async fn put_org(&mut self, org: &Organization) -> Result<()>;
    /// Deletes an organization (the caller checked it is empty).
    async fn delete_org(&mut self, id: &str) -> Result<()>;
    /// Creates or replaces a tenant (the caller keeps its organization).
    async fn put_tenant(&mut self, tenant: &Tenant) -> Result<()>;
    /// Deletes a tenant, if it exists (the caller checked it has no users).
    async fn delete_tenant(&mut self, id: &str) -> Result<()>;
    /// Creates or replaces a user, moving its index entries; the backend
    /// may keep `form`'s listing of the user with them.
    async fn put_user(&mut self, user: &User, form: &ListingForm) -> Result<()>;
    /// Creates a user unless its id is taken; answers whether it did (the
    /// caller answers ALREADY_EXISTS otherwise). Like `put_user` for a new
    /// user, without reading the id first.
    async fn insert_user(&mut self, user: &User, form: &ListingForm) -> Result<bool>;
    /// Deletes a user, if it exists, with its keys and configuration.
    async fn delete_user(&mut self, id: &str) -> Result<()>;
    /// Stores a key under its digest (a user's key names are unique: the
    /// caller checked).
    async fn put_key(&mut self, digest: &KeyDigest, key: &AccessKey) -> Result<()>;
    /// Deletes a key, if it exists.
    async fn delete_key(&mut self, digest: &KeyDigest) -> Result<()>;
    /// Replaces a user's configuration.
    async fn put_config(&mut self, user_id: &str, config: &JsonMap) -> Result<()>;
    /// Records that the first-start bootstrap happened.
    async fn set_bootstrapped(&mut self) -> Result<()>;
}

/// What a change answers: a future borrowing its transaction.
pub type Change<'t, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 't>>;

/// A change as a backend runs it: the input bound in, any answer boxed.
pub type DynChange =
    Box<dyn for<'t> Fn(&'t mut dyn Txn) -> Change<'t, Box<dyn Any + Send>> + Send + Sync>;

/// A store of roster's records.
#[async_trait::async_trait]
pub trait Store: Reader + 'static {
    /// Runs `change` as one atomic, durable change (see `write` on
    /// `dyn Store`, which callers use). If the change answers an error,
    /// nothing is applied.
    async fn write_dyn(&self, deadline: Instant, change: DynChange) -> Result<Box<dyn Any + Send>>;

    /// The newest revision this handle knows of (see the module's
    /// invariants). A caller that authenticated at revision `r` is current
    /// while `revision()` still answers `r`. Other changes may leave it as it
    /// is (the authentication cache then survives a stream of them) or grow
    /// it.
    fn revision(&self) -> u64;

    /// Its durable commits so far (for `/metrics`).
    fn stats(&self) -> &StoreStats;

    /// Its connection pool's use, when it has one (for `/metrics`).
    fn pool(&self) -> Option<PoolUse> {
        None
    }

    /// Makes everything written durable (at shutdown).
    async fn sync(&self) -> Result<()>;

    /// Answers `Ok` when the store can serve now (health checks); a store
    /// that cannot is `Error::Unavailable`.
    async fn ping(&self) -> Result<()>;

    /// Up to `limit` records after `cursor` (`None`: from the start):
    /// organizations first, then tenants, users, access keys,
    /// configurations and the bootstrap mark (`roster export`).
    async fn records(&self, cursor: Option<&str>, limit: usize) -> Result<RecordPage>;

    /// Checks that the records and indexes agree (`roster check`); answers
    /// every inconsistency found, in words. Kept listing forms of version
    /// `form.version` must equal `form.encode` of their user; other
    /// versions are not a problem (they are listed through `form`).
    async fn check(&self, form: &ListingForm) -> Result<Vec<String>>;
}

impl dyn Store {
    /// Runs `change` with `input` as one atomic, durable change and answers
    /// what it answers. The change may run more than once: it sees `input`
    /// by reference each time and acts only through its [`Txn`].
    pub async fn write<I, T, F>(&self, deadline: Instant, input: I, change: F) -> Result<T>
    where
        I: Send + Sync + 'static,
        T: Send + 'static,
        F: for<'t> Fn(&'t mut dyn Txn, &'t I) -> Change<'t, T> + Send + Sync + 'static,
    {
        // Each run owns a handle on the input and the change, so that the
        // run's future borrows nothing from the closure that started it.
        let bound = Arc::new((input, change));
        let change: DynChange = Box::new(move |txn| {
            let bound = bound.clone();
            Box::pin(async move {
                let (input, change) = &*bound;
                let answer = change(txn, input).await?;
                Ok(Box::new(answer) as Box<dyn Any + Send>)
            })
        });
        let answer = self.write_dyn(deadline, change).await?;
        answer
            .downcast::<T>()
            .map(|t| *t)
            .map_err(|_| Error::internal("a store answered a change with another type"))
    }
}
