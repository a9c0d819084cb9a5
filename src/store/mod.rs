//! The store: a narrow trait over roster's records, and its sled
//! implementation.
//!
//! Invariants every implementation keeps:
//! - each `write` is one atomic change, applied whole or not at all, in one
//!   serial order with every other write;
//! - a `write` answered `Ok` is durable (synced to disk, not only flushed);
//! - a `write` whose deadline has passed before it reaches the store is not
//!   applied and answers `Error::DeadlineExceeded`;
//! - indexes (organization → tenants/users, tenant → users, user → keys,
//!   super-admins) always agree with the records: callers never maintain them.

mod sled_store;

use std::{future::Future, time::Instant};

pub use sled_store::SledStore;

use crate::domain::{AccessKey, JsonMap, KeyDigest, Listings, Organization, Result, Tenant, User};

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

/// A user's listing form: the bytes a page of users is made of. The store
/// keeps them beside each organization and tenant index entry, written with
/// the record, so that a page is one range scan handed out as is. roster
/// opens its store with `api::convert::user_listing` (the protobuf encoding
/// of `roster.v1.User`, which ListUsers splices into its answer); the store
/// itself never looks inside.
pub type Listing = fn(&User) -> Vec<u8>;

/// Which users to list.
#[derive(Clone, Copy, Debug)]
pub enum UserScope<'a> {
    /// Every user of an organization.
    Org(&'a str),
    /// Every user of a tenant.
    Tenant(&'a str),
}

/// Reads of the latest committed state. List methods return at most `limit`
/// items sorted by id (keys: by name), starting after `after` (`""` for the
/// start).
pub trait Reader {
    fn org(&self, id: &str) -> Result<Option<Organization>>;
    fn tenant(&self, id: &str) -> Result<Option<Tenant>>;
    fn user(&self, id: &str) -> Result<Option<User>>;
    fn key(&self, digest: &KeyDigest) -> Result<Option<AccessKey>>;
    /// The digest of the user's key of that name.
    fn key_digest(&self, user_id: &str, name: &str) -> Result<Option<KeyDigest>>;
    /// The user's configuration; empty when none is stored.
    fn config(&self, user_id: &str) -> Result<JsonMap>;
    fn list_orgs(&self, after: &str, limit: usize) -> Result<Vec<Organization>>;
    fn list_tenants(&self, org_id: &str, after: &str, limit: usize) -> Result<Vec<Tenant>>;
    fn list_users(&self, scope: UserScope<'_>, after: &str, limit: usize) -> Result<Vec<User>>;
    fn list_keys(&self, user_id: &str, after: &str, limit: usize) -> Result<Vec<AccessKey>>;
    /// How many keys the user has.
    fn count_keys(&self, user_id: &str) -> Result<usize>;
    /// Whether the organization has any tenant.
    fn org_has_tenants(&self, org_id: &str) -> Result<bool>;
    /// Whether the organization, or with `UserScope::Tenant` the tenant, has
    /// any user.
    fn has_users(&self, scope: UserScope<'_>) -> Result<bool>;
    /// How many users hold `super-admin`, counting no further than `limit`.
    fn count_super_admins(&self, limit: usize) -> Result<usize>;
    /// Whether the first-start bootstrap has happened.
    fn is_bootstrapped(&self) -> Result<bool>;
}

/// The writes of one atomic change. Reads through a `Txn` see the state
/// before the change (not its own pending writes).
pub trait Txn: Reader {
    /// Creates or replaces an organization.
    fn put_org(&mut self, org: &Organization) -> Result<()>;
    /// Deletes an organization (the caller checked it is empty).
    fn delete_org(&mut self, id: &str) -> Result<()>;
    /// Creates or replaces a tenant; its organization must not change.
    fn put_tenant(&mut self, tenant: &Tenant) -> Result<()>;
    /// Deletes a tenant (the caller checked it has no users).
    fn delete_tenant(&mut self, tenant: &Tenant) -> Result<()>;
    /// Creates (`old` = None) or replaces a user, moving its index entries.
    fn put_user(&mut self, old: Option<&User>, new: &User) -> Result<()>;
    /// Deletes a user with its keys and configuration.
    fn delete_user(&mut self, user: &User) -> Result<()>;
    /// Stores a key under its digest.
    fn put_key(&mut self, digest: &KeyDigest, key: &AccessKey) -> Result<()>;
    /// Deletes a key.
    fn delete_key(&mut self, digest: &KeyDigest, key: &AccessKey) -> Result<()>;
    /// Replaces a user's configuration.
    fn put_config(&mut self, user_id: &str, config: &JsonMap) -> Result<()>;
    /// Records that the first-start bootstrap happened.
    fn set_bootstrapped(&mut self) -> Result<()>;
}

/// A store of roster's records.
pub trait Store: Reader + Send + Sync + 'static {
    /// Runs `f` as one atomic, durable change. `f` runs in the store's serial
    /// order, so what it reads cannot change before its writes apply. If `f`
    /// returns an error nothing is applied.
    fn write<T, F>(&self, deadline: Instant, f: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Txn) -> Result<T> + Send + 'static;

    /// Flushes and syncs everything to disk (used at shutdown).
    fn sync(&self) -> Result<()>;

    /// Up to `limit` users of `scope` after the id `after`, by id: each id
    /// and the user's listing form (see [`Listing`]).
    fn list_user_listings(
        &self,
        scope: UserScope<'_>,
        after: &str,
        limit: usize,
    ) -> Result<Listings>;

    /// A number that grows, before the change is acknowledged, with every
    /// applied change that may alter what an existing access key
    /// authenticates as: any change to a user (`put_user`, `delete_user`)
    /// and any removed key (`delete_key`). A caller that authenticated at
    /// generation `g` is current as long as `generation()` still answers `g`.
    /// New keys, configurations, organizations and tenants leave it as it
    /// is (only successful authentications are cached, and a new key's
    /// digest is new), so the cache survives a stream of such writes.
    fn generation(&self) -> u64;

    /// Calls `f` with every record, organizations first, then tenants,
    /// users, access keys, configurations and the bootstrap mark. Meant for a
    /// store no server is writing to (`roster export`).
    fn for_each_record(&self, f: &mut dyn FnMut(Record) -> Result<()>) -> Result<()>;

    /// Checks that the records and indexes agree (`roster check`); answers
    /// every inconsistency found, in words.
    fn check(&self) -> Result<Vec<String>>;
}
