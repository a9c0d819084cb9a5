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

use std::{cmp::Ordering, collections::BTreeMap, iter::Peekable, ops::Bound};

use serde::de::DeserializeOwned;
use sled::IVec;

use super::memory::Index;
use crate::domain::{
    AccessKey, Error, JsonMap, KeyDigest, ListingForm, Listings, Organization, Result, Tenant, User,
};
use crate::store::{Reader, UserScope};

/// Anything that reads through a sled tree: the store and its transactions.
pub(super) trait HasTree: Send + Sync {
    /// What this reader sees.
    fn view(&self) -> View<'_>;

    /// The scopes' users in memory, if this reader lists from there (the
    /// store does; a change's transaction reads sled only).
    fn memory(&self) -> Option<&Index> {
        None
    }
}

/// Writes of the writer's current group that are not in the tree yet: each
/// key's last value, `None` where it was removed.
pub(super) type Pending = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

static NOTHING_PENDING: Pending = BTreeMap::new();

/// What a read sees: the tree, under the writes of the writer's group that
/// it has not applied yet. The store's own reads see the tree alone; a
/// change's transaction sees the changes before it in its group too, so
/// changes stay serial although a group is applied to the tree at once.
#[derive(Clone, Copy)]
pub(super) struct View<'a> {
    tree: &'a sled::Tree,
    pending: &'a Pending,
}

impl<'a> View<'a> {
    /// The tree alone.
    pub(super) fn of(tree: &'a sled::Tree) -> Self {
        View {
            tree,
            pending: &NOTHING_PENDING,
        }
    }

    /// The tree under `pending`.
    pub(super) fn with_pending(tree: &'a sled::Tree, pending: &'a Pending) -> Self {
        View { tree, pending }
    }

    pub(super) fn get(&self, key: &[u8]) -> Result<Option<IVec>> {
        match self.pending.get(key) {
            Some(value) => Ok(value.as_deref().map(IVec::from)),
            None => Ok(self.tree.get(key)?),
        }
    }

    /// Every key from `lower` on, in key order, with its value.
    pub(super) fn range(&self, lower: Bound<Vec<u8>>) -> Range<'a> {
        Range {
            pending: self
                .pending
                .range((lower.clone(), Bound::Unbounded))
                .peekable(),
            tree: self.tree.range((lower, Bound::Unbounded)).peekable(),
        }
    }

    /// Every key that starts with `prefix`, in key order, with its value.
    pub(super) fn scan_prefix<'p>(
        &self,
        prefix: &'p [u8],
    ) -> impl Iterator<Item = Result<(IVec, IVec)>> + use<'a, 'p> {
        self.range(Bound::Included(prefix.to_vec()))
            .take_while(move |item| item.as_ref().map_or(true, |(k, _)| k.starts_with(prefix)))
    }
}

/// The tree's keys merged with the pending writes over them (see
/// [`View::range`]).
pub(super) struct Range<'a> {
    tree: Peekable<sled::Iter>,
    pending: Peekable<std::collections::btree_map::Range<'a, Vec<u8>, Option<Vec<u8>>>>,
}

impl Iterator for Range<'_> {
    type Item = Result<(IVec, IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let pending_first = match (self.tree.peek(), self.pending.peek()) {
                (_, None) | (Some(Err(_)), _) => false,
                (None, Some(_)) => true,
                (Some(Ok((tree_key, _))), Some((pending_key, _))) => {
                    match pending_key.as_slice().cmp(tree_key) {
                        Ordering::Less => true,
                        Ordering::Equal => {
                            // The pending write replaces the tree's value.
                            self.tree.next();
                            true
                        }
                        Ordering::Greater => false,
                    }
                }
            };
            if !pending_first {
                return self.tree.next().map(|item| item.map_err(Into::into));
            }
            match self.pending.next() {
                Some((key, Some(value))) => {
                    return Some(Ok((
                        IVec::from(key.as_slice()),
                        IVec::from(value.as_slice()),
                    )))
                }
                // Removed by the group: not there.
                Some((_, None)) => continue,
                None => return None,
            }
        }
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

pub(super) fn get_json<T: DeserializeOwned>(view: View<'_>, key: &[u8]) -> Result<Option<T>> {
    match view.get(key)? {
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
    view: View<'_>,
    prefix: &[&str],
    after: &str,
    limit: usize,
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    scan(view, prefix, after, limit, |id, _| {
        ids.push(id.to_owned());
        Ok(())
    })?;
    Ok(ids)
}

/// Calls `f` with the last path segment and the value of up to `limit`
/// keys under `prefix/`, after `after`, in key order.
fn scan(
    view: View<'_>,
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
    for item in view.range(lower).take(limit) {
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
fn load_all<T: DeserializeOwned>(view: View<'_>, kind: &str, ids: Vec<String>) -> Result<Vec<T>> {
    ids.into_iter()
        .map(|id| {
            get_json(view, &key(&[kind, &id]))?.ok_or_else(|| {
                Error::storage(format!("index points at missing record {kind}/{id}"))
            })
        })
        .collect()
}

/// `listed` with the users at positions `stale` (ascending) listed
/// through `form` from their records.
fn relist(
    view: View<'_>,
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
        let user: User = get_json(view, &key(&["u", id]))?
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
        get_json(self.view(), &key(&["o", id]))
    }

    async fn tenant(&self, id: &str) -> Result<Option<Tenant>> {
        get_json(self.view(), &key(&["t", id]))
    }

    async fn user(&self, id: &str) -> Result<Option<User>> {
        get_json(self.view(), &key(&["u", id]))
    }

    async fn key(&self, digest: &KeyDigest) -> Result<Option<AccessKey>> {
        get_json(self.view(), &key_record(digest))
    }

    async fn key_digest(&self, user_id: &str, name: &str) -> Result<Option<KeyDigest>> {
        match self.view().get(&key(&["uk", user_id, name]))? {
            Some(v) => Ok(Some(unhex(&v)?)),
            None => Ok(None),
        }
    }

    async fn config(&self, user_id: &str) -> Result<JsonMap> {
        Ok(get_json(self.view(), &key(&["c", user_id]))?.unwrap_or_default())
    }

    async fn list_orgs(&self, after: &str, limit: usize) -> Result<Vec<Organization>> {
        let ids = scan_ids(self.view(), &["o"], after, limit)?;
        load_all(self.view(), "o", ids)
    }

    async fn list_tenants(&self, org_id: &str, after: &str, limit: usize) -> Result<Vec<Tenant>> {
        let ids = scan_ids(self.view(), &["ot", org_id], after, limit)?;
        load_all(self.view(), "t", ids)
    }

    async fn list_users(
        &self,
        scope: UserScope<'_>,
        after: &str,
        limit: usize,
    ) -> Result<Vec<User>> {
        let ids = scan_ids(self.view(), &user_index(scope), after, limit)?;
        load_all(self.view(), "u", ids)
    }

    async fn list_user_listings(
        &self,
        scope: UserScope<'_>,
        after: &str,
        limit: usize,
        form: &ListingForm,
    ) -> Result<Listings> {
        let view = self.view();
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
            scan(view, &user_index(scope), after, limit, |id, value| {
                keep(id.as_bytes(), value);
                Ok(())
            })?;
        }
        if stale.is_empty() {
            Ok(listed)
        } else {
            relist(view, &listed, &stale, form)
        }
    }

    async fn list_keys(&self, user_id: &str, after: &str, limit: usize) -> Result<Vec<AccessKey>> {
        let view = self.view();
        let mut keys = Vec::new();
        scan(view, &["uk", user_id], after, limit, |name, digest| {
            let key = get_json(view, &key_record(&unhex(digest)?))?.ok_or_else(|| {
                Error::storage(format!("index points at missing key {user_id}/{name}"))
            })?;
            keys.push(key);
            Ok(())
        })?;
        Ok(keys)
    }

    async fn count_keys(&self, user_id: &str) -> Result<usize> {
        Ok(scan_ids(self.view(), &["uk", user_id], "", usize::MAX)?.len())
    }

    async fn org_has_tenants(&self, org_id: &str) -> Result<bool> {
        Ok(!scan_ids(self.view(), &["ot", org_id], "", 1)?.is_empty())
    }

    async fn has_users(&self, scope: UserScope<'_>) -> Result<bool> {
        Ok(!scan_ids(self.view(), &user_index(scope), "", 1)?.is_empty())
    }

    async fn count_super_admins(&self, limit: usize) -> Result<usize> {
        Ok(scan_ids(self.view(), &["sa"], "", limit)?.len())
    }

    async fn is_bootstrapped(&self) -> Result<bool> {
        Ok(self.view().get(b"meta/bootstrapped")?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(keys: &[&str]) -> sled::Db {
        let db = sled::Config::new().temporary(true).open().unwrap();
        for k in keys {
            db.insert(k.as_bytes(), format!("tree {k}").as_bytes())
                .unwrap();
        }
        db
    }

    fn pending(writes: &[(&str, Option<&str>)]) -> Pending {
        writes
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec())))
            .collect()
    }

    fn pairs(items: impl Iterator<Item = Result<(IVec, IVec)>>) -> Vec<(String, String)> {
        items
            .map(|item| {
                let (k, v) = item.unwrap();
                let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
                (text(&k), text(&v))
            })
            .collect()
    }

    #[test]
    fn a_view_reads_the_tree_under_the_pending_writes() {
        let db = tree(&["a/1", "a/3", "a/5", "b/1"]);
        let writes = pending(&[
            ("a/0", Some("new 0")),
            ("a/3", Some("new 3")),
            ("a/4", Some("new 4")),
            ("a/5", None),
            ("a/9", None),
            ("c/1", Some("new c")),
        ]);
        let view = View::with_pending(&db, &writes);
        assert_eq!(
            pairs(view.scan_prefix(b"a/")),
            [
                ("a/0", "new 0"),
                ("a/1", "tree a/1"),
                ("a/3", "new 3"),
                ("a/4", "new 4"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let after_a1 = view.range(Bound::Excluded(b"a/1".to_vec()));
        assert_eq!(
            pairs(after_a1)
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>(),
            ["a/3", "a/4", "b/1", "c/1"]
        );
        assert_eq!(view.get(b"a/3").unwrap().as_deref(), Some(&b"new 3"[..]));
        assert_eq!(view.get(b"a/1").unwrap().as_deref(), Some(&b"tree a/1"[..]));
        assert_eq!(view.get(b"a/5").unwrap(), None);
        assert_eq!(view.get(b"a/9").unwrap(), None);
        // The tree alone is untouched by the view.
        assert_eq!(
            pairs(View::of(&db).scan_prefix(b"a/")).len(),
            3,
            "a/1, a/3, a/5 in the tree"
        );
        assert_eq!(scan_ids(view, &["a"], "", 3).unwrap(), ["0", "1", "3"]);
        assert_eq!(scan_ids(view, &["a"], "3", 10).unwrap(), ["4"]);
    }

    #[test]
    fn a_view_with_only_removals_pending_is_empty_where_they_remove() {
        let db = tree(&["k/1", "k/2"]);
        let writes = pending(&[("k/1", None), ("k/2", None)]);
        let view = View::with_pending(&db, &writes);
        assert!(pairs(view.scan_prefix(b"k/")).is_empty());
        assert!(pairs(View::with_pending(&db, &Pending::new()).scan_prefix(b"k/")).len() == 2);
    }
}
