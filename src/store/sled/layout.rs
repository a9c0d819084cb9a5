//! Where each record and index entry lives in the sled tree, and the reads
//! over that layout (shared by the store and its transactions).
//!
//! Key layout (ids never contain `/`):
//! ```text
//! o/<org>                Organization (JSON)
//! t/<tenant>             Tenant (JSON)
//! u/<user>               User (JSON)
//! ot/<org>/<tenant>      index: tenants of an organization
//! ou/<org>/<user>        index: users of an organization, value a kept listing form
//! tu/<tenant>/<user>     index: users of a tenant, value a kept listing form
//! sa/<user>              index: super-admins
//! k/<digest hex>         AccessKey (JSON)
//! uk/<user>/<key name>   index: a user's keys, value the digest hex
//! c/<user>               a user's configuration (JSON object)
//! meta/bootstrapped      set once the first-start bootstrap is done
//! ```
//!
//! A kept listing form is `0x00`, the form's version (4 bytes, little
//! endian), then the form. Values written by earlier versions of roster (empty,
//! or a form without the leading `0x00`, which no protobuf message starts
//! with) count as stale.

use std::ops::Bound;

use serde::de::DeserializeOwned;

use super::memory::Index;
use crate::domain::{
    AccessKey, Error, JsonMap, KeyDigest, ListingForm, Listings, Organization, Result, Tenant, User,
};
use crate::store::{Reader, UserScope};

/// Anything that reads through a sled tree: the store and its transactions.
pub(super) trait HasTree: Send + Sync {
    fn tree(&self) -> &sled::Tree;

    /// The scopes' users in memory, if this reader lists from there (the
    /// store does; a change's transaction reads sled only).
    fn memory(&self) -> Option<&Index> {
        None
    }
}

/// The key of a record or index entry: its parts joined by `/`.
pub(super) fn key(parts: &[&str]) -> Vec<u8> {
    parts.join("/").into_bytes()
}

/// The key of an access key record.
pub(super) fn key_record(digest: &KeyDigest) -> Vec<u8> {
    key(&["k", &digest.to_hex()])
}

/// The index prefix of a scope's users.
pub(super) fn user_index(scope: UserScope<'_>) -> [&str; 2] {
    match scope {
        UserScope::Org(org) => ["ou", org],
        UserScope::Tenant(tenant) => ["tu", tenant],
    }
}

/// A scope index entry's value: the user's listing form, kept.
pub(super) fn kept_listing(form: &ListingForm, user: &User) -> Vec<u8> {
    let encoded = (form.encode)(user);
    let mut value = Vec::with_capacity(5 + encoded.len());
    value.push(0);
    value.extend_from_slice(&form.version.to_le_bytes());
    value.extend_from_slice(&encoded);
    value
}

/// The listing form a scope index entry keeps, if it keeps one of `version`.
pub(super) fn current_listing(value: &[u8], version: u32) -> Option<&[u8]> {
    match value {
        [0, v0, v1, v2, v3, form @ ..] if u32::from_le_bytes([*v0, *v1, *v2, *v3]) == version => {
            Some(form)
        }
        _ => None,
    }
}

pub(super) fn get_json<T: DeserializeOwned>(tree: &sled::Tree, key: &[u8]) -> Result<Option<T>> {
    match tree.get(key)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

fn unhex(s: &[u8]) -> Result<KeyDigest> {
    std::str::from_utf8(s)
        .ok()
        .and_then(KeyDigest::from_hex)
        .ok_or_else(|| Error::storage("corrupt key digest in index"))
}

/// The last path segments of up to `limit` keys under `prefix/`, after
/// `after`, in key order.
pub(super) fn scan_ids(
    tree: &sled::Tree,
    prefix: &[&str],
    after: &str,
    limit: usize,
) -> Result<Vec<String>> {
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
            .map_err(|_| Error::storage("corrupt index key"))?;
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
                Error::storage(format!("index points at missing record {kind}/{id}"))
            })
        })
        .collect()
}

/// `listed` with the users at positions `stale` (ascending) listed
/// through `form` from their records.
fn relist(
    tree: &sled::Tree,
    listed: &Listings,
    stale: &[usize],
    form: &ListingForm,
) -> Result<Listings> {
    let mut fresh = Listings::default();
    let mut stale = stale.iter().peekable();
    for (i, (id, kept)) in listed.iter().enumerate() {
        if stale.next_if_eq(&&i).is_none() {
            fresh.push(id, kept);
            continue;
        }
        let user: User = get_json(tree, &key(&["u", id]))?
            .ok_or_else(|| Error::storage(format!("index points at missing record u/{id}")))?;
        fresh.push(id, &(form.encode)(&user));
    }
    Ok(fresh)
}

// Every read is a lookup in sled's in-memory page cache or, on a miss, one
// short read of its file: done in place on the calling task, as before the
// store was async.
#[async_trait::async_trait]
impl<T: HasTree> Reader for T {
    async fn org(&self, id: &str) -> Result<Option<Organization>> {
        get_json(self.tree(), &key(&["o", id]))
    }

    async fn tenant(&self, id: &str) -> Result<Option<Tenant>> {
        get_json(self.tree(), &key(&["t", id]))
    }

    async fn user(&self, id: &str) -> Result<Option<User>> {
        get_json(self.tree(), &key(&["u", id]))
    }

    async fn key(&self, digest: &KeyDigest) -> Result<Option<AccessKey>> {
        get_json(self.tree(), &key_record(digest))
    }

    async fn key_digest(&self, user_id: &str, name: &str) -> Result<Option<KeyDigest>> {
        match self.tree().get(key(&["uk", user_id, name]))? {
            Some(v) => Ok(Some(unhex(&v)?)),
            None => Ok(None),
        }
    }

    async fn config(&self, user_id: &str) -> Result<JsonMap> {
        Ok(get_json(self.tree(), &key(&["c", user_id]))?.unwrap_or_default())
    }

    async fn list_orgs(&self, after: &str, limit: usize) -> Result<Vec<Organization>> {
        let ids = scan_ids(self.tree(), &["o"], after, limit)?;
        load_all(self.tree(), "o", ids)
    }

    async fn list_tenants(&self, org_id: &str, after: &str, limit: usize) -> Result<Vec<Tenant>> {
        let ids = scan_ids(self.tree(), &["ot", org_id], after, limit)?;
        load_all(self.tree(), "t", ids)
    }

    async fn list_users(
        &self,
        scope: UserScope<'_>,
        after: &str,
        limit: usize,
    ) -> Result<Vec<User>> {
        let ids = scan_ids(self.tree(), &user_index(scope), after, limit)?;
        load_all(self.tree(), "u", ids)
    }

    async fn list_user_listings(
        &self,
        scope: UserScope<'_>,
        after: &str,
        limit: usize,
        form: &ListingForm,
    ) -> Result<Listings> {
        let tree = self.tree();
        // A page of 100 of the benchmark's users fits without growing.
        let mut listed = Listings::with_capacity(limit.min(1001), limit.min(1001) * 128);
        // Positions of users whose kept form is of another version.
        let mut stale = Vec::new();
        let mut keep = |id: &[u8], value: &[u8]| match current_listing(value, form.version) {
            Some(kept) => listed.push_bytes(id, kept),
            None => {
                stale.push(listed.len());
                listed.push_bytes(id, &[]);
            }
        };
        let in_memory = self
            .memory()
            .is_some_and(|memory| memory.page(scope, after, limit, &mut keep));
        if !in_memory {
            scan(tree, &user_index(scope), after, limit, |id, value| {
                keep(id.as_bytes(), value);
                Ok(())
            })?;
        }
        if stale.is_empty() {
            Ok(listed)
        } else {
            relist(tree, &listed, &stale, form)
        }
    }

    async fn list_keys(&self, user_id: &str, after: &str, limit: usize) -> Result<Vec<AccessKey>> {
        let tree = self.tree();
        let mut keys = Vec::new();
        scan(tree, &["uk", user_id], after, limit, |name, digest| {
            let key = get_json(tree, &key_record(&unhex(digest)?))?.ok_or_else(|| {
                Error::storage(format!("index points at missing key {user_id}/{name}"))
            })?;
            keys.push(key);
            Ok(())
        })?;
        Ok(keys)
    }

    async fn count_keys(&self, user_id: &str) -> Result<usize> {
        Ok(scan_ids(self.tree(), &["uk", user_id], "", usize::MAX)?.len())
    }

    async fn org_has_tenants(&self, org_id: &str) -> Result<bool> {
        Ok(!scan_ids(self.tree(), &["ot", org_id], "", 1)?.is_empty())
    }

    async fn has_users(&self, scope: UserScope<'_>) -> Result<bool> {
        Ok(!scan_ids(self.tree(), &user_index(scope), "", 1)?.is_empty())
    }

    async fn count_super_admins(&self, limit: usize) -> Result<usize> {
        Ok(self.tree().scan_prefix(b"sa/").take(limit).count())
    }

    async fn is_bootstrapped(&self) -> Result<bool> {
        Ok(self.tree().contains_key(b"meta/bootstrapped")?)
    }
}
