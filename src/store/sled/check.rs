//! `roster check` and `roster export` over the sled layout: every
//! disagreement between records and indexes, and the records in export
//! order, a page at a time.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use super::layout::current_listing;
use crate::domain::{
    AccessKey, Error, JsonMap, KeyDigest, ListingForm, Organization, Result, Tenant, User,
};
use crate::store::{Record, RecordPage};

/// Record prefixes in export order (the bootstrap mark comes last).
const EXPORT_ORDER: [&str; 5] = ["o/", "t/", "u/", "k/", "c/"];

/// Up to `limit` records after the record key `cursor`, in export order.
pub(super) fn records(tree: &sled::Tree, cursor: Option<&str>, limit: usize) -> Result<RecordPage> {
    let mut page = RecordPage::default();
    let (first, mut after) = match cursor {
        None => (0, None),
        Some(c) => match EXPORT_ORDER.iter().position(|p| c.starts_with(p)) {
            Some(i) => (i, Some(c.as_bytes().to_vec())),
            None => return Err(Error::invalid("cursor", "is not a cursor this store gave")),
        },
    };
    let mut last: Option<sled::IVec> = None;
    for prefix in &EXPORT_ORDER[first..] {
        let lower = match after.take() {
            Some(k) => Bound::Excluded(k),
            None => Bound::Included(prefix.as_bytes().to_vec()),
        };
        for item in tree.range::<Vec<u8>, _>((lower, Bound::Unbounded)) {
            let (k, v) = item?;
            if !k.starts_with(prefix.as_bytes()) {
                break;
            }
            if page.records.len() == limit {
                page.next = last.map(|k| String::from_utf8_lossy(&k).into_owned());
                return Ok(page);
            }
            page.records.push(record(prefix, &k, &v)?);
            last = Some(k);
        }
    }
    if tree.contains_key(b"meta/bootstrapped")? {
        if page.records.len() == limit {
            page.next = last.map(|k| String::from_utf8_lossy(&k).into_owned());
            return Ok(page);
        }
        page.records.push(Record::Bootstrapped);
    }
    Ok(page)
}

/// The record stored under `key` (of the kind `prefix` names).
fn record(prefix: &str, key: &[u8], value: &[u8]) -> Result<Record> {
    let id = std::str::from_utf8(&key[prefix.len()..])
        .map_err(|_| Error::storage("corrupt record key"))?
        .to_owned();
    Record::from_stored(prefix, id, value)
}

/// Every disagreement between the records and the indexes of a tree.
pub(super) fn check_tree(tree: &sled::Tree, form: &ListingForm) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut orgs = BTreeSet::new();
    let mut tenants: BTreeMap<String, Tenant> = BTreeMap::new();
    let mut users: BTreeMap<String, User> = BTreeMap::new();
    let mut access_keys: BTreeMap<String, AccessKey> = BTreeMap::new();
    let mut configs = BTreeSet::new();
    let mut index = BTreeSet::new();
    let mut key_index: BTreeMap<(String, String), String> = BTreeMap::new();
    // Scope index entries that keep their user's listing form of the
    // current version.
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
                if KeyDigest::from_hex(digest).is_none() {
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
            ["ou" | "tu", _, id] => {
                index.insert(k.to_owned());
                if current_listing(&v, form.version).is_some() {
                    listings.push((k.to_owned(), id.to_string(), v));
                }
                Ok(())
            }
            ["ot", _, _] | ["sa", _] => {
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
        if let Some(tenant_id) = &u.tenant_id {
            match tenants.get(tenant_id) {
                None => problems.push(format!(
                    "user `{}` names missing tenant `{tenant_id}`",
                    u.id
                )),
                Some(t) if t.org_id != u.org_id => problems.push(format!(
                    "user `{}` of organization `{}` is in tenant `{}` of `{}`",
                    u.id, u.org_id, t.id, t.org_id
                )),
                Some(_) => {}
            }
            expected.insert(format!("tu/{tenant_id}/{}", u.id));
        }
        if u.roles.iter().any(|r| r == "super-admin") {
            expected.insert(format!("sa/{}", u.id));
        }
    }
    for (k, id, value) in listings {
        let kept = current_listing(&value, form.version);
        if users
            .get(&id)
            .is_some_and(|u| kept != Some(&(form.encode)(u)[..]))
        {
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
