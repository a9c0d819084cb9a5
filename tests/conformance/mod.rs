//! The store conformance suite: every promise of the `Store` contract
//! (`src/store/mod.rs`), each case a plain async function over the contract
//! alone, so that any backend passes the very same cases.
//!
//! What it pins: every [`Reader`] and [`Txn`] method on exact values (also
//! through a transaction), the order, cursor and limit of every list, scope
//! isolation, atomicity, expired writes, concurrent and racing writers,
//! index upkeep, `records` paging in export order, `check`, `sync`,
//! reopening, [`Store::revision`] together with a real
//! `roster::auth::Authenticator`, and versioned listing forms.
//!
//! # Joining a backend
//!
//! A backend joins by implementing [`Backend`] (open its store; optionally a
//! second, independent handle on the same store, as another process would
//! have) and invoking the [`conformance!`] macro once in the test crate:
//!
//! ```ignore
//! #[macro_use]
//! mod conformance;
//!
//! struct Sled(tempfile::TempDir);
//! impl conformance::Backend for Sled { /* open(), second_handle() */ }
//!
//! conformance!(sled, Sled(tempfile::tempdir().unwrap()));
//! ```
//!
//! The macro makes a module named by its first argument with one
//! `#[tokio::test]` per case; each test builds a fresh backend from the
//! second argument (an expression, evaluated once per test). Cases taking
//! `Arc<dyn Store>` get `Backend::open`'s store; cases that reopen or need a
//! second handle take the backend itself. A new case is added here and to
//! the macro's lists, and so runs on every backend.
#![allow(dead_code)]

use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use roster::auth::{keys, Authenticator, Credentials, Role};
use roster::domain::{
    AccessKey, Error, JsonMap, KeyDigest, ListingForm, Organization, Result, Tenant, User,
};
use roster::store::{Reader, Record, Store, Txn, UserScope};

/// A backend under test: how to reach its store.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    /// Opens the backend's store (the same one on every call; it persists
    /// between calls). Called again after the previous handle was dropped,
    /// it reopens the store.
    async fn open(&self) -> Arc<dyn Store>;
    /// Another handle on the same store, as a second process sees it, while
    /// the first one is open; `None` when the backend allows one process
    /// at a time (sled).
    async fn second_handle(&self) -> Option<Arc<dyn Store>>;
    /// Longest a change made through one handle takes to reach another
    /// handle's revision (the backend's stated bound).
    fn staleness(&self) -> Duration {
        Duration::ZERO
    }
}

/// Runs every case of the suite against a backend: `conformance!(name,
/// backend_expression)` makes `mod name` with one test per case.
macro_rules! conformance {
    (@cases $name:ident, $backend:expr;
        store: [$($case:ident),* $(,)?];
        backend: [$($bcase:ident),* $(,)?]) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let backend = $backend;
                    let store = $crate::conformance::Backend::open(&backend).await;
                    $crate::conformance::$case(store).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $bcase() {
                    let backend = $backend;
                    $crate::conformance::$bcase(&backend).await;
                }
            )*
        }
    };
    ($name:ident, $backend:expr) => {
        conformance!(@cases $name, $backend;
            store: [
                empty_store,
                reads,
                txn_reads,
                write_answers,
                puts_replace,
                configs,
                bootstrap_mark,
                list_orgs_paging,
                list_tenants_paging,
                list_users_paging,
                list_keys_paging,
                list_user_listings_paging,
                counts,
                scope_isolation,
                atomicity,
                expired_writes,
                concurrent_writers,
                racing_creates,
                users_move_between_tenants_and_roles,
                users_move_between_orgs,
                deleting_users,
                deleting_keys,
                deleting_tenants_and_orgs,
                writes_build_on_each_other,
                insert_user_once,
                records_paging,
                records_of_partial_stores,
                check_and_sync,
                revision_grows,
                authentication_follows_writes,
                listing_forms,
            ];
            backend: [reopen, authentication_across_handles]
        );
    };
}

// ---------------------------------------------------------------------------
// Fixtures

/// A deadline far enough away.
pub fn later() -> Instant {
    Instant::now() + Duration::from_secs(30)
}

/// A deadline that has passed.
pub fn past() -> Instant {
    let now = Instant::now();
    now.checked_sub(Duration::from_secs(1)).unwrap_or(now)
}

pub fn org(id: &str) -> Organization {
    let mut variables = JsonMap::new();
    variables.insert("region".into(), format!("r-{id}").into());
    Organization {
        id: id.into(),
        name: format!("Org {id}"),
        variables,
        created_at: 100,
        updated_at: 200,
    }
}

pub fn tenant(id: &str, org: &str) -> Tenant {
    Tenant {
        id: id.into(),
        name: format!("Tenant {id}"),
        org_id: org.into(),
        variables: JsonMap::new(),
        created_at: 300,
        updated_at: 400,
    }
}

pub fn user(id: &str, org: &str, tenant: Option<&str>, roles: &[&str]) -> User {
    let mut variables = JsonMap::new();
    variables.insert("n".into(), id.len().into());
    User {
        id: id.into(),
        name: format!("User {id}"),
        email: format!("{id}@example.com"),
        tenant_id: tenant.map(str::to_owned),
        org_id: org.into(),
        variables,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        created_at: 500,
        updated_at: 600,
    }
}

/// A key of `user` named `name`, and its digest.
pub fn key(user: &str, name: &str) -> (KeyDigest, AccessKey) {
    (
        keys::digest(&format!("secret of {user}/{name}")),
        AccessKey {
            user_id: user.into(),
            name: name.into(),
            redacted: format!("rk_…{name}"),
            created_at: 700,
        },
    )
}

pub fn config(pairs: &[(&str, &str)]) -> JsonMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect()
}

fn encode_v1(u: &User) -> Vec<u8> {
    format!("v1:{}:{}", u.id, u.name).into_bytes()
}

fn encode_v2(u: &User) -> Vec<u8> {
    format!(
        "v2|{}|{}|{}|{}",
        u.id,
        u.name,
        u.tenant(),
        u.roles.join(",")
    )
    .into_bytes()
}

/// The listing form users are written with, unless a case says otherwise.
pub const V1: ListingForm = ListingForm {
    version: 1,
    encode: encode_v1,
};

/// A later listing form: another version, another encoding.
pub const V2: ListingForm = ListingForm {
    version: 2,
    encode: encode_v2,
};

/// One write of a change, as data, so that a case can state a change as a
/// list ([`apply`]).
#[derive(Clone, Debug)]
pub enum Op {
    PutOrg(Organization),
    DeleteOrg(String),
    PutTenant(Tenant),
    DeleteTenant(Tenant),
    PutUser(User, ListingForm),
    DeleteUser(User),
    PutKey(KeyDigest, AccessKey),
    DeleteKey(KeyDigest),
    PutConfig(String, JsonMap),
    SetBootstrapped,
}

/// Stages `ops` in order on `txn`.
pub async fn stage(txn: &mut dyn Txn, ops: &[Op]) -> Result<()> {
    for op in ops {
        match op {
            Op::PutOrg(o) => txn.put_org(o).await?,
            Op::DeleteOrg(id) => txn.delete_org(id).await?,
            Op::PutTenant(t) => txn.put_tenant(t).await?,
            Op::DeleteTenant(t) => txn.delete_tenant(&t.id).await?,
            Op::PutUser(user, form) => txn.put_user(user, form).await?,
            Op::DeleteUser(u) => txn.delete_user(&u.id).await?,
            Op::PutKey(d, k) => txn.put_key(d, k).await?,
            Op::DeleteKey(d) => txn.delete_key(d).await?,
            Op::PutConfig(id, c) => txn.put_config(id, c).await?,
            Op::SetBootstrapped => txn.set_bootstrapped().await?,
        }
    }
    Ok(())
}

/// Applies `ops` as one change.
pub async fn apply(store: &Arc<dyn Store>, ops: Vec<Op>) -> Result<()> {
    store
        .write(later(), ops, |txn, ops| Box::pin(stage(txn, ops)))
        .await
}

/// Creates `u` (with [`V1`]).
fn create(u: User) -> Op {
    Op::PutUser(u, V1)
}

/// Replaces the stored user by `new` (with [`V1`]); the store finds the
/// old one itself.
fn replace(new: &User) -> Op {
    Op::PutUser(new.clone(), V1)
}

fn put_key(user: &str, name: &str) -> Op {
    let (d, k) = key(user, name);
    Op::PutKey(d, k)
}

/// The seeded directory: organizations `o`, `p` and `q` (empty); tenants
/// `t1`, `t2` of `o` and `pt` of `p`; users `a` (o/t1, super-admin), `b`
/// (o/t1, user), `c` (o/t2, app), `d` (o, no tenant) and `e` (p/pt,
/// org-admin); keys `k2`, `k1` of `a` and `k1` of `e`; configurations of
/// `b` and `e`; the bootstrap mark. Written in a scrambled order.
pub fn seed_ops() -> Vec<Op> {
    vec![
        Op::PutOrg(org("q")),
        Op::PutOrg(org("p")),
        Op::PutOrg(org("o")),
        Op::PutTenant(tenant("t2", "o")),
        Op::PutTenant(tenant("pt", "p")),
        Op::PutTenant(tenant("t1", "o")),
        create(user("d", "o", None, &[])),
        create(user("c", "o", Some("t2"), &["app"])),
        create(user("e", "p", Some("pt"), &["org-admin"])),
        create(user("a", "o", Some("t1"), &["super-admin"])),
        create(user("b", "o", Some("t1"), &["user"])),
        put_key("a", "k2"),
        put_key("e", "k1"),
        put_key("a", "k1"),
        Op::PutConfig("e".into(), config(&[("lang", "fr")])),
        Op::PutConfig("b".into(), config(&[("theme", "dark")])),
        Op::SetBootstrapped,
    ]
}

pub async fn seed(store: &Arc<dyn Store>) {
    apply(store, seed_ops()).await.unwrap();
}

/// Every record of the seeded directory (in no particular order).
fn seed_records() -> Vec<Record> {
    let mut records = vec![
        Record::Organization(org("o")),
        Record::Organization(org("p")),
        Record::Organization(org("q")),
        Record::Tenant(tenant("t1", "o")),
        Record::Tenant(tenant("t2", "o")),
        Record::Tenant(tenant("pt", "p")),
        Record::User(user("a", "o", Some("t1"), &["super-admin"])),
        Record::User(user("b", "o", Some("t1"), &["user"])),
        Record::User(user("c", "o", Some("t2"), &["app"])),
        Record::User(user("d", "o", None, &[])),
        Record::User(user("e", "p", Some("pt"), &["org-admin"])),
    ];
    for (u, n) in [("a", "k1"), ("a", "k2"), ("e", "k1")] {
        records.push(key_record(u, n));
    }
    records.push(Record::Config {
        user_id: "b".into(),
        config: config(&[("theme", "dark")]),
    });
    records.push(Record::Config {
        user_id: "e".into(),
        config: config(&[("lang", "fr")]),
    });
    records.push(Record::Bootstrapped);
    records
}

fn key_record(user: &str, name: &str) -> Record {
    let (d, k) = key(user, name);
    Record::AccessKey {
        digest: d.to_hex(),
        user_id: k.user_id,
        name: k.name,
        redacted: k.redacted,
        created_at: k.created_at,
    }
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|t| id(t).to_owned()).collect()
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// A scope's listings in `form`, as (id, bytes).
async fn listings(
    r: &(impl Reader + ?Sized),
    scope: UserScope<'_>,
    form: &ListingForm,
) -> Vec<(String, Vec<u8>)> {
    r.list_user_listings(scope, "", 1000, form)
        .await
        .unwrap()
        .iter()
        .map(|(id, f)| (id.to_owned(), f.to_vec()))
        .collect()
}

/// What `form` makes of a scope's users as `list_users` gives them.
async fn encoded(
    r: &(impl Reader + ?Sized),
    scope: UserScope<'_>,
    form: &ListingForm,
) -> Vec<(String, Vec<u8>)> {
    r.list_users(scope, "", 1000)
        .await
        .unwrap()
        .iter()
        .map(|u| (u.id.clone(), (form.encode)(u)))
        .collect()
}

/// Asserts `check` finds no problem with `form`.
async fn assert_consistent(store: &Arc<dyn Store>, form: &ListingForm) {
    let problems = store.check(form).await.unwrap();
    assert_eq!(problems, Vec::<String>::new(), "check(v{})", form.version);
}

/// Every record, through pages of `limit` (each at most `limit` long),
/// until a page without a next cursor.
async fn all_records(store: &Arc<dyn Store>, limit: usize) -> Vec<Record> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10_000 {
        let page = store.records(cursor.as_deref(), limit).await.unwrap();
        assert!(
            page.records.len() <= limit,
            "a page of {limit} has {} records",
            page.records.len()
        );
        out.extend(page.records);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
    panic!("records never end (limit {limit})");
}

/// Where a record's kind comes in an export.
fn export_rank(r: &Record) -> usize {
    match r {
        Record::Header { .. } => 0,
        Record::Organization(_) => 1,
        Record::Tenant(_) => 2,
        Record::User(_) => 3,
        Record::AccessKey { .. } => 4,
        Record::Config { .. } => 5,
        Record::Bootstrapped => 6,
    }
}

/// Records as sorted JSON lines, to compare as multisets.
fn sorted_json(records: &[Record]) -> Vec<String> {
    let mut lines: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    lines.sort();
    lines
}

/// Asserts that `records` is exactly `expected` (each once) in export
/// order.
fn assert_export(records: &[Record], expected: &[Record]) {
    assert_eq!(sorted_json(records), sorted_json(expected));
    let ranks: Vec<usize> = records.iter().map(export_rank).collect();
    let mut sorted = ranks.clone();
    sorted.sort();
    assert_eq!(ranks, sorted, "records come in export order: {records:?}");
}

/// A list under test: ids of up to `limit` items after `after`.
type Lister<'a> = Box<
    dyn Fn(String, usize) -> Pin<Box<dyn Future<Output = Result<Vec<String>>> + Send + 'a>>
        + Send
        + Sync
        + 'a,
>;

/// Asserts a list's paging: the whole list is `expected` (by id, byte
/// order); limit 0 gives nothing; pages of 1, 2, 3 and 1000, each after the
/// last id of the one before, concatenate to `expected`, every page but the
/// last one full; any cursor, stored id or not, gives exactly the ids after
/// it.
async fn assert_paging(what: &str, list: Lister<'_>, expected: &[String]) {
    let mut sorted = expected.to_vec();
    sorted.sort();
    assert_eq!(sorted, expected, "{what}: the expectation is in id order");
    assert_eq!(list(String::new(), 1000).await.unwrap(), expected, "{what}");
    assert_eq!(
        list(String::new(), 0).await.unwrap(),
        Vec::<String>::new(),
        "{what}: limit 0"
    );
    for limit in [1, 2, 3, 1000] {
        let mut got = Vec::new();
        let mut after = String::new();
        loop {
            let page = list(after.clone(), limit).await.unwrap();
            assert!(page.len() <= limit, "{what}: a page of {limit}: {page:?}");
            got.extend(page.iter().cloned());
            if page.len() < limit {
                break;
            }
            after = page.last().unwrap().clone();
        }
        assert_eq!(got, expected, "{what}: pages of {limit}");
    }
    let mut cursors: Vec<String> = expected.to_vec();
    for id in expected {
        // Cursors that name no stored id, just before and just after one.
        cursors.push(format!("{id}!"));
        cursors.push(format!("{id}~"));
        cursors.push(id[..id.len() - 1].to_owned() + "!");
    }
    cursors.extend(["0".to_owned(), "~".to_owned()]);
    for after in cursors {
        if after.is_empty() {
            continue;
        }
        let want: Vec<String> = expected
            .iter()
            .filter(|id| id.as_str() > after.as_str())
            .cloned()
            .collect();
        assert_eq!(
            list(after.clone(), 1000).await.unwrap(),
            want,
            "{what}: after {after:?}"
        );
        let first: Vec<String> = want.iter().take(1).cloned().collect();
        assert_eq!(
            list(after.clone(), 1).await.unwrap(),
            first,
            "{what}: one after {after:?}"
        );
    }
}

/// Everything [`Reader`] answers about the seeded directory (and about
/// absent things), as one value.
#[derive(Debug, PartialEq)]
pub struct View {
    org_o: Option<Organization>,
    org_missing: Option<Organization>,
    tenant_t1: Option<Tenant>,
    tenant_missing: Option<Tenant>,
    user_a: Option<User>,
    user_d: Option<User>,
    user_missing: Option<User>,
    key_a_k1: Option<AccessKey>,
    key_missing: Option<AccessKey>,
    key_digest_a_k1: Option<KeyDigest>,
    key_digest_a_k2: Option<KeyDigest>,
    key_digest_b_k1: Option<KeyDigest>,
    config_b: JsonMap,
    config_a: JsonMap,
    orgs: Vec<Organization>,
    tenants_o: Vec<Tenant>,
    tenants_q: Vec<Tenant>,
    users_o: Vec<User>,
    users_t1: Vec<User>,
    users_missing_tenant: Vec<User>,
    listings_o: Vec<(String, Vec<u8>)>,
    listings_t2: Vec<(String, Vec<u8>)>,
    keys_a: Vec<AccessKey>,
    keys_b: Vec<AccessKey>,
    count_keys_a: usize,
    count_keys_b: usize,
    o_has_tenants: bool,
    q_has_tenants: bool,
    o_has_users: bool,
    q_has_users: bool,
    t1_has_users: bool,
    missing_tenant_has_users: bool,
    super_admins: usize,
    bootstrapped: bool,
}

/// Asks every [`Reader`] method through `r`.
pub async fn view(r: &(impl Reader + ?Sized)) -> Result<View> {
    Ok(View {
        org_o: r.org("o").await?,
        org_missing: r.org("zz").await?,
        tenant_t1: r.tenant("t1").await?,
        tenant_missing: r.tenant("zz").await?,
        user_a: r.user("a").await?,
        user_d: r.user("d").await?,
        user_missing: r.user("zz").await?,
        key_a_k1: r.key(&key("a", "k1").0).await?,
        key_missing: r.key(&key("zz", "k1").0).await?,
        key_digest_a_k1: r.key_digest("a", "k1").await?,
        key_digest_a_k2: r.key_digest("a", "k2").await?,
        key_digest_b_k1: r.key_digest("b", "k1").await?,
        config_b: r.config("b").await?,
        config_a: r.config("a").await?,
        orgs: r.list_orgs("", 1000).await?,
        tenants_o: r.list_tenants("o", "", 1000).await?,
        tenants_q: r.list_tenants("q", "", 1000).await?,
        users_o: r.list_users(UserScope::Org("o"), "", 1000).await?,
        users_t1: r.list_users(UserScope::Tenant("t1"), "", 1000).await?,
        users_missing_tenant: r.list_users(UserScope::Tenant("zz"), "", 1000).await?,
        listings_o: listings(r, UserScope::Org("o"), &V1).await,
        listings_t2: listings(r, UserScope::Tenant("t2"), &V2).await,
        keys_a: r.list_keys("a", "", 1000).await?,
        keys_b: r.list_keys("b", "", 1000).await?,
        count_keys_a: r.count_keys("a").await?,
        count_keys_b: r.count_keys("b").await?,
        o_has_tenants: r.org_has_tenants("o").await?,
        q_has_tenants: r.org_has_tenants("q").await?,
        o_has_users: r.has_users(UserScope::Org("o")).await?,
        q_has_users: r.has_users(UserScope::Org("q")).await?,
        t1_has_users: r.has_users(UserScope::Tenant("t1")).await?,
        missing_tenant_has_users: r.has_users(UserScope::Tenant("zz")).await?,
        super_admins: r.count_super_admins(1000).await?,
        bootstrapped: r.is_bootstrapped().await?,
    })
}

/// The [`View`] of the seeded directory.
fn seeded_view() -> View {
    let a = user("a", "o", Some("t1"), &["super-admin"]);
    let b = user("b", "o", Some("t1"), &["user"]);
    let c = user("c", "o", Some("t2"), &["app"]);
    let d = user("d", "o", None, &[]);
    View {
        org_o: Some(org("o")),
        org_missing: None,
        tenant_t1: Some(tenant("t1", "o")),
        tenant_missing: None,
        user_a: Some(a.clone()),
        user_d: Some(d.clone()),
        user_missing: None,
        key_a_k1: Some(key("a", "k1").1),
        key_missing: None,
        key_digest_a_k1: Some(key("a", "k1").0),
        key_digest_a_k2: Some(key("a", "k2").0),
        key_digest_b_k1: None,
        config_b: config(&[("theme", "dark")]),
        config_a: JsonMap::new(),
        orgs: vec![org("o"), org("p"), org("q")],
        tenants_o: vec![tenant("t1", "o"), tenant("t2", "o")],
        tenants_q: vec![],
        users_o: vec![a.clone(), b.clone(), c.clone(), d.clone()],
        users_t1: vec![a.clone(), b.clone()],
        users_missing_tenant: vec![],
        listings_o: [&a, &b, &c, &d]
            .iter()
            .map(|u| (u.id.clone(), encode_v1(u)))
            .collect(),
        listings_t2: vec![("c".into(), encode_v2(&c))],
        keys_a: vec![key("a", "k1").1, key("a", "k2").1],
        keys_b: vec![],
        count_keys_a: 2,
        count_keys_b: 0,
        o_has_tenants: true,
        q_has_tenants: false,
        o_has_users: true,
        q_has_users: false,
        t1_has_users: true,
        missing_tenant_has_users: false,
        super_admins: 1,
        bootstrapped: true,
    }
}

/// The [`View`] of an empty store.
fn empty_view() -> View {
    View {
        org_o: None,
        org_missing: None,
        tenant_t1: None,
        tenant_missing: None,
        user_a: None,
        user_d: None,
        user_missing: None,
        key_a_k1: None,
        key_missing: None,
        key_digest_a_k1: None,
        key_digest_a_k2: None,
        key_digest_b_k1: None,
        config_b: JsonMap::new(),
        config_a: JsonMap::new(),
        orgs: vec![],
        tenants_o: vec![],
        tenants_q: vec![],
        users_o: vec![],
        users_t1: vec![],
        users_missing_tenant: vec![],
        listings_o: vec![],
        listings_t2: vec![],
        keys_a: vec![],
        keys_b: vec![],
        count_keys_a: 0,
        count_keys_b: 0,
        o_has_tenants: false,
        q_has_tenants: false,
        o_has_users: false,
        q_has_users: false,
        t1_has_users: false,
        missing_tenant_has_users: false,
        super_admins: 0,
        bootstrapped: false,
    }
}

// ---------------------------------------------------------------------------
// Cases over one store

/// A new store is empty: every read answers nothing, `records` has no
/// record and no next page, `check` is clean.
pub async fn empty_store(store: Arc<dyn Store>) {
    assert_eq!(view(&*store).await.unwrap(), empty_view());
    let page = store.records(None, 10).await.unwrap();
    assert_eq!((page.records, page.next), (vec![], None));
    assert_consistent(&store, &V1).await;
}

/// Every `Reader` method answers exactly what was written (whole records,
/// lists by id, keys by name, counts, emptiness, the bootstrap mark) and
/// nothing for absent ids.
pub async fn reads(store: Arc<dyn Store>) {
    seed(&store).await;
    assert_eq!(view(&*store).await.unwrap(), seeded_view());
    // The rest of the seed, not in the view.
    assert_eq!(store.org("p").await.unwrap(), Some(org("p")));
    assert_eq!(store.tenant("pt").await.unwrap(), Some(tenant("pt", "p")));
    assert_eq!(
        store.user("e").await.unwrap(),
        Some(user("e", "p", Some("pt"), &["org-admin"]))
    );
    assert_eq!(
        store.key(&key("e", "k1").0).await.unwrap(),
        Some(key("e", "k1").1)
    );
    assert_eq!(
        store.key_digest("e", "k1").await.unwrap(),
        Some(key("e", "k1").0)
    );
    assert_eq!(store.key_digest("a", "k3").await.unwrap(), None);
    assert_eq!(store.config("e").await.unwrap(), config(&[("lang", "fr")]));
    assert_eq!(store.config("zz").await.unwrap(), JsonMap::new());
}

/// A change reads the committed state through its `Txn`: every `Reader`
/// method answers there what it answers on the store.
pub async fn txn_reads(store: Arc<dyn Store>) {
    seed(&store).await;
    let seen = store
        .write(later(), (), |txn, ()| {
            Box::pin(async move { view(&*txn).await })
        })
        .await
        .unwrap();
    assert_eq!(seen, seeded_view());
    // Reading changed nothing.
    assert_eq!(view(&*store).await.unwrap(), seeded_view());
}

/// `write` answers what its change answers; the change sees its input by
/// reference; a change that writes nothing changes nothing.
pub async fn write_answers(store: Arc<dyn Store>) {
    seed(&store).await;
    let input = (String::from("o"), 41_u64);
    let answer = store
        .write(later(), input, |txn, (id, n)| {
            Box::pin(async move {
                let name = txn.org(id).await?.map(|o| o.name);
                Ok((name, *n + 1))
            })
        })
        .await
        .unwrap();
    assert_eq!(answer, (Some("Org o".to_owned()), 42));
    assert_eq!(view(&*store).await.unwrap(), seeded_view());
    assert_export(&all_records(&store, 1000).await, &seed_records());
}

/// `put_org`, `put_tenant`, `put_user` and `put_key` replace what is stored
/// under the same id (or digest) and leave one record of it.
pub async fn puts_replace(store: Arc<dyn Store>) {
    seed(&store).await;
    let o = Organization {
        name: "Renamed".into(),
        updated_at: 999,
        ..org("o")
    };
    let t = Tenant {
        name: "Renamed".into(),
        ..tenant("t1", "o")
    };
    let old_b = user("b", "o", Some("t1"), &["user"]);
    let b = User {
        name: "Renamed".into(),
        email: "b2@example.com".into(),
        ..old_b.clone()
    };
    let (d, k) = key("a", "k1");
    let k = AccessKey {
        redacted: "rk_…new".into(),
        ..k
    };
    apply(
        &store,
        vec![
            Op::PutOrg(o.clone()),
            Op::PutTenant(t.clone()),
            replace(&b),
            Op::PutKey(d, k.clone()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(store.org("o").await.unwrap(), Some(o.clone()));
    assert_eq!(store.tenant("t1").await.unwrap(), Some(t.clone()));
    assert_eq!(store.user("b").await.unwrap(), Some(b.clone()));
    assert_eq!(store.key(&d).await.unwrap(), Some(k.clone()));
    assert_eq!(
        ids(&store.list_orgs("", 1000).await.unwrap(), |o| &o.id),
        ["o", "p", "q"]
    );
    assert_eq!(
        store.list_tenants("o", "", 1000).await.unwrap(),
        [t.clone(), tenant("t2", "o")]
    );
    assert_eq!(
        store
            .list_users(UserScope::Tenant("t1"), "", 1000)
            .await
            .unwrap(),
        [user("a", "o", Some("t1"), &["super-admin"]), b.clone()]
    );
    assert_eq!(
        store.list_keys("a", "", 1000).await.unwrap(),
        [k.clone(), key("a", "k2").1]
    );
    assert_eq!(store.count_keys("a").await.unwrap(), 2);
    let mut expected: Vec<Record> = seed_records()
        .into_iter()
        .map(|r| match r {
            Record::Organization(x) if x.id == "o" => Record::Organization(o.clone()),
            Record::Tenant(x) if x.id == "t1" => Record::Tenant(t.clone()),
            Record::User(x) if x.id == "b" => Record::User(b.clone()),
            other => other,
        })
        .collect();
    expected.retain(|r| *r != key_record("a", "k1"));
    expected.push(Record::AccessKey {
        digest: d.to_hex(),
        user_id: "a".into(),
        name: "k1".into(),
        redacted: "rk_…new".into(),
        created_at: 700,
    });
    assert_export(&all_records(&store, 1000).await, &expected);
    assert_consistent(&store, &V1).await;
}

/// `put_config` replaces a user's whole configuration; an empty one reads
/// back as empty; `config` of a user without one is empty.
pub async fn configs(store: Arc<dyn Store>) {
    seed(&store).await;
    let c1 = config(&[("theme", "light"), ("size", "xl")]);
    apply(&store, vec![Op::PutConfig("b".into(), c1.clone())])
        .await
        .unwrap();
    assert_eq!(store.config("b").await.unwrap(), c1);
    let c2 = config(&[("size", "s")]);
    apply(&store, vec![Op::PutConfig("b".into(), c2.clone())])
        .await
        .unwrap();
    assert_eq!(store.config("b").await.unwrap(), c2);
    let mut nested = JsonMap::new();
    nested.insert(
        "deep".into(),
        serde_json::json!({"list": [1, 2.5, null, true], "s": "x"}),
    );
    apply(&store, vec![Op::PutConfig("c".into(), nested.clone())])
        .await
        .unwrap();
    assert_eq!(store.config("c").await.unwrap(), nested);
    apply(&store, vec![Op::PutConfig("b".into(), JsonMap::new())])
        .await
        .unwrap();
    assert_eq!(store.config("b").await.unwrap(), JsonMap::new());
    assert_eq!(store.config("e").await.unwrap(), config(&[("lang", "fr")]));
    assert_eq!(store.config("d").await.unwrap(), JsonMap::new());
    let configs: Vec<Record> = all_records(&store, 1000)
        .await
        .into_iter()
        .filter(|r| matches!(r, Record::Config { config, .. } if !config.is_empty()))
        .collect();
    assert_eq!(
        sorted_json(&configs),
        sorted_json(&[
            Record::Config {
                user_id: "c".into(),
                config: nested
            },
            Record::Config {
                user_id: "e".into(),
                config: config(&[("lang", "fr")])
            },
        ])
    );
    assert_consistent(&store, &V1).await;
}

/// The bootstrap mark: absent in a new store, present once set, set again
/// without harm, exported once.
pub async fn bootstrap_mark(store: Arc<dyn Store>) {
    assert!(!store.is_bootstrapped().await.unwrap());
    apply(&store, vec![Op::SetBootstrapped]).await.unwrap();
    assert!(store.is_bootstrapped().await.unwrap());
    apply(&store, vec![Op::SetBootstrapped, Op::SetBootstrapped])
        .await
        .unwrap();
    assert!(store.is_bootstrapped().await.unwrap());
    let records = all_records(&store, 1000).await;
    assert_export(&records, &[Record::Bootstrapped]);
    assert_consistent(&store, &V1).await;
}

/// Ids chosen so that byte order differs from insertion order and from
/// "natural" order, and some ids are prefixes of others.
const PAGED: [&str; 9] = ["u-1", "u1", "u10", "u2", "u_a", "ua", "ub", "x", "x0"];

/// `list_orgs`: by id, after the cursor, at most `limit`.
pub async fn list_orgs_paging(store: Arc<dyn Store>) {
    let mut ops: Vec<Op> = PAGED.iter().rev().map(|id| Op::PutOrg(org(id))).collect();
    ops.push(Op::SetBootstrapped);
    apply(&store, ops).await.unwrap();
    let s = store.clone();
    let list: Lister = Box::new(move |after, limit| {
        let s = s.clone();
        Box::pin(async move { Ok(ids(&s.list_orgs(&after, limit).await?, |o| &o.id)) })
    });
    assert_paging("list_orgs", list, &strings(&PAGED)).await;
    let all = store.list_orgs("", 1000).await.unwrap();
    let want: Vec<Organization> = PAGED.iter().map(|id| org(id)).collect();
    assert_eq!(all, want);
}

/// `list_tenants`: an organization's tenants by id, after the cursor, at
/// most `limit`; none of another organization.
pub async fn list_tenants_paging(store: Arc<dyn Store>) {
    let mut ops = vec![Op::PutOrg(org("o")), Op::PutOrg(org("o2"))];
    for id in PAGED.iter().rev() {
        ops.push(Op::PutTenant(tenant(id, "o")));
        // Another organization's tenants, with ids that sort among them.
        ops.push(Op::PutTenant(tenant(&format!("{id}-o2"), "o2")));
    }
    ops.push(Op::SetBootstrapped);
    apply(&store, ops).await.unwrap();
    let s = store.clone();
    let list: Lister = Box::new(move |after, limit| {
        let s = s.clone();
        Box::pin(async move { Ok(ids(&s.list_tenants("o", &after, limit).await?, |t| &t.id)) })
    });
    assert_paging("list_tenants", list, &strings(&PAGED)).await;
    let want: Vec<Tenant> = PAGED.iter().map(|id| tenant(id, "o")).collect();
    assert_eq!(store.list_tenants("o", "", 1000).await.unwrap(), want);
    assert_eq!(
        store.list_tenants("o2", "", 1000).await.unwrap().len(),
        PAGED.len()
    );
    assert_consistent(&store, &V1).await;
}

/// Users of the paging fixture: every id of [`PAGED`] in organization `o`,
/// alternating tenants `t1`, `t2` and none.
fn paged_users() -> Vec<User> {
    PAGED
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let t = [Some("t1"), Some("t2"), None][i % 3];
            user(id, "o", t, &["user"])
        })
        .collect()
}

async fn seed_paged_users(store: &Arc<dyn Store>) {
    let mut ops = vec![
        Op::PutOrg(org("o")),
        Op::PutOrg(org("o2")),
        Op::PutTenant(tenant("t1", "o")),
        Op::PutTenant(tenant("t2", "o")),
        Op::PutTenant(tenant("t10", "o2")),
    ];
    for u in paged_users().into_iter().rev() {
        ops.push(create(u));
    }
    // Another organization, with ids that sort among them.
    for id in ["u0", "u11", "v"] {
        ops.push(create(user(id, "o2", Some("t10"), &[])));
    }
    ops.push(Op::SetBootstrapped);
    apply(store, ops).await.unwrap();
}

/// `list_users`: a scope's users by id, after the cursor, at most `limit`,
/// for an organization and for each tenant.
pub async fn list_users_paging(store: Arc<dyn Store>) {
    seed_paged_users(&store).await;
    let users = paged_users();
    let in_tenant =
        |t: &str| -> Vec<User> { users.iter().filter(|u| u.tenant() == t).cloned().collect() };
    let o2_users: Vec<User> = ["u0", "u11", "v"]
        .iter()
        .map(|id| user(id, "o2", Some("t10"), &[]))
        .collect();
    let scopes = [
        ("org o", UserScope::Org("o"), users.clone()),
        ("tenant t1", UserScope::Tenant("t1"), in_tenant("t1")),
        ("tenant t2", UserScope::Tenant("t2"), in_tenant("t2")),
        ("org o2", UserScope::Org("o2"), o2_users.clone()),
        ("tenant t10", UserScope::Tenant("t10"), o2_users),
    ];
    for (what, scope, want) in scopes {
        assert!(!want.is_empty());
        let s = store.clone();
        let list: Lister = Box::new(move |after, limit| {
            let s = s.clone();
            Box::pin(async move { Ok(ids(&s.list_users(scope, &after, limit).await?, |u| &u.id)) })
        });
        assert_paging(what, list, &ids(&want, |u| &u.id)).await;
        assert_eq!(
            store.list_users(scope, "", 1000).await.unwrap(),
            want,
            "{what}"
        );
    }
}

/// `list_keys`: a user's keys by name (not by digest), after the cursor,
/// at most `limit`; none of another user.
pub async fn list_keys_paging(store: Arc<dyn Store>) {
    let mut ops = vec![
        Op::PutOrg(org("o")),
        create(user("a", "o", None, &[])),
        create(user("ab", "o", None, &[])),
    ];
    for name in PAGED.iter().rev() {
        ops.push(put_key("a", name));
        ops.push(put_key("ab", name));
    }
    ops.push(Op::SetBootstrapped);
    apply(&store, ops).await.unwrap();
    let s = store.clone();
    let list: Lister = Box::new(move |after, limit| {
        let s = s.clone();
        Box::pin(async move { Ok(ids(&s.list_keys("a", &after, limit).await?, |k| &k.name)) })
    });
    assert_paging("list_keys", list, &strings(&PAGED)).await;
    let want: Vec<AccessKey> = PAGED.iter().map(|n| key("a", n).1).collect();
    assert_eq!(store.list_keys("a", "", 1000).await.unwrap(), want);
    assert_eq!(store.count_keys("a").await.unwrap(), PAGED.len());
    assert_consistent(&store, &V1).await;
}

/// `list_user_listings`: the same users, order and paging as `list_users`,
/// each with its listing form.
pub async fn list_user_listings_paging(store: Arc<dyn Store>) {
    seed_paged_users(&store).await;
    for scope in [
        UserScope::Org("o"),
        UserScope::Tenant("t1"),
        UserScope::Tenant("t10"),
    ] {
        for form in [V1, V2] {
            let s = store.clone();
            let list: Lister = Box::new(move |after, limit| {
                let s = s.clone();
                Box::pin(async move {
                    let page = s.list_user_listings(scope, &after, limit, &form).await?;
                    Ok(page.iter().map(|(id, _)| id.to_owned()).collect())
                })
            });
            let want = ids(&store.list_users(scope, "", 1000).await.unwrap(), |u| &u.id);
            assert!(!want.is_empty());
            assert_paging(
                &format!("listings {scope:?} v{}", form.version),
                list,
                &want,
            )
            .await;
            // A page's forms are its users' forms.
            for limit in [1, 2, 1000] {
                let page = store
                    .list_user_listings(scope, "u10", limit, &form)
                    .await
                    .unwrap();
                let users = store.list_users(scope, "u10", limit).await.unwrap();
                let got: Vec<(String, Vec<u8>)> = page
                    .iter()
                    .map(|(i, f)| (i.to_owned(), f.to_vec()))
                    .collect();
                let want: Vec<(String, Vec<u8>)> = users
                    .iter()
                    .map(|u| (u.id.clone(), (form.encode)(u)))
                    .collect();
                assert_eq!(got, want);
                assert_eq!(page.len(), users.len());
                assert_eq!(page.forms().count(), users.len());
            }
        }
    }
}

/// Counts and emptiness: `count_keys`, `org_has_tenants`, `has_users` of
/// both scopes, and `count_super_admins`, which counts no further than its
/// limit.
pub async fn counts(store: Arc<dyn Store>) {
    seed(&store).await;
    assert_eq!(store.count_keys("a").await.unwrap(), 2);
    assert_eq!(store.count_keys("e").await.unwrap(), 1);
    assert_eq!(store.count_keys("b").await.unwrap(), 0);
    assert_eq!(store.count_keys("zz").await.unwrap(), 0);
    assert!(store.org_has_tenants("o").await.unwrap());
    assert!(store.org_has_tenants("p").await.unwrap());
    assert!(!store.org_has_tenants("q").await.unwrap());
    assert!(!store.org_has_tenants("zz").await.unwrap());
    assert!(store.has_users(UserScope::Org("o")).await.unwrap());
    assert!(store.has_users(UserScope::Org("p")).await.unwrap());
    assert!(!store.has_users(UserScope::Org("q")).await.unwrap());
    assert!(store.has_users(UserScope::Tenant("t1")).await.unwrap());
    assert!(store.has_users(UserScope::Tenant("t2")).await.unwrap());
    assert!(store.has_users(UserScope::Tenant("pt")).await.unwrap());
    assert!(!store.has_users(UserScope::Tenant("zz")).await.unwrap());
    assert_eq!(store.count_super_admins(1000).await.unwrap(), 1);
    let more: Vec<Op> = ["s1", "s2", "s3"]
        .iter()
        .map(|id| create(user(id, "q", None, &["user", "super-admin"])))
        .collect();
    apply(&store, more).await.unwrap();
    assert_eq!(store.count_super_admins(1000).await.unwrap(), 4);
    assert_eq!(store.count_super_admins(4).await.unwrap(), 4);
    assert_eq!(store.count_super_admins(2).await.unwrap(), 2);
    assert_eq!(store.count_super_admins(1).await.unwrap(), 1);
    assert_eq!(store.count_super_admins(0).await.unwrap(), 0);
    assert!(store.has_users(UserScope::Org("q")).await.unwrap());
    assert!(!store.org_has_tenants("q").await.unwrap());
}

/// Scopes do not leak through shared id prefixes: organizations `o`, `o2`,
/// `o-x` and tenants `t`, `t2`, `t-x` each see only their own tenants and
/// users; users `a`, `ab`, `a-b` see only their own keys.
pub async fn scope_isolation(store: Arc<dyn Store>) {
    let mut ops = Vec::new();
    for o in ["o", "o2", "o-x"] {
        ops.push(Op::PutOrg(org(o)));
    }
    for (t, o) in [("t", "o"), ("t2", "o2"), ("t-x", "o-x"), ("tt", "o")] {
        ops.push(Op::PutTenant(tenant(t, o)));
    }
    for (u, o, t) in [
        ("a", "o", Some("t")),
        ("ab", "o2", Some("t2")),
        ("a-b", "o-x", Some("t-x")),
        ("b", "o", None),
        ("b2", "o2", None),
        ("c", "o", Some("tt")),
    ] {
        ops.push(create(user(u, o, t, &["super-admin"])));
        ops.push(put_key(u, "k"));
        ops.push(put_key(u, &format!("k-{u}")));
    }
    ops.push(Op::SetBootstrapped);
    apply(&store, ops).await.unwrap();

    let tenants = |o: &'static str| {
        let s = store.clone();
        async move { ids(&s.list_tenants(o, "", 1000).await.unwrap(), |t| &t.id) }
    };
    assert_eq!(tenants("o").await, ["t", "tt"]);
    assert_eq!(tenants("o2").await, ["t2"]);
    assert_eq!(tenants("o-x").await, ["t-x"]);
    assert_eq!(tenants("o-").await, Vec::<String>::new());
    let users = |scope: UserScope<'static>| {
        let s = store.clone();
        async move {
            let listed = s.list_users(scope, "", 1000).await.unwrap();
            let l = s.list_user_listings(scope, "", 1000, &V1).await.unwrap();
            assert_eq!(
                l.iter().map(|(id, _)| id.to_owned()).collect::<Vec<_>>(),
                ids(&listed, |u| &u.id)
            );
            assert_eq!(s.has_users(scope).await.unwrap(), !listed.is_empty());
            ids(&listed, |u| &u.id)
        }
    };
    assert_eq!(users(UserScope::Org("o")).await, ["a", "b", "c"]);
    assert_eq!(users(UserScope::Org("o2")).await, ["ab", "b2"]);
    assert_eq!(users(UserScope::Org("o-x")).await, ["a-b"]);
    assert_eq!(users(UserScope::Org("o-")).await, Vec::<String>::new());
    assert_eq!(users(UserScope::Tenant("t")).await, ["a"]);
    assert_eq!(users(UserScope::Tenant("t2")).await, ["ab"]);
    assert_eq!(users(UserScope::Tenant("t-x")).await, ["a-b"]);
    assert_eq!(users(UserScope::Tenant("tt")).await, ["c"]);
    assert_eq!(users(UserScope::Tenant("t-")).await, Vec::<String>::new());
    for u in ["a", "ab", "a-b", "b", "b2", "c"] {
        let names = ids(&store.list_keys(u, "", 1000).await.unwrap(), |k| &k.name);
        assert_eq!(names, ["k".to_owned(), format!("k-{u}")], "keys of {u}");
        assert_eq!(store.count_keys(u).await.unwrap(), 2);
        assert_eq!(store.key_digest(u, "k").await.unwrap(), Some(key(u, "k").0));
    }
    assert_eq!(store.key_digest("a", "k-ab").await.unwrap(), None);
    assert_eq!(store.count_keys("a-").await.unwrap(), 0);
    assert!(!store.org_has_tenants("o-").await.unwrap());
    assert_eq!(store.count_super_admins(1000).await.unwrap(), 6);
    // Removing the users of one organization leaves the others whole.
    let gone: Vec<Op> = [
        ("a", "o", Some("t")),
        ("b", "o", None),
        ("c", "o", Some("tt")),
    ]
    .iter()
    .map(|(u, o, t)| Op::DeleteUser(user(u, o, *t, &["super-admin"])))
    .collect();
    apply(&store, gone).await.unwrap();
    assert_eq!(users(UserScope::Org("o")).await, Vec::<String>::new());
    assert_eq!(users(UserScope::Org("o2")).await, ["ab", "b2"]);
    assert_eq!(users(UserScope::Org("o-x")).await, ["a-b"]);
    assert_eq!(store.count_keys("ab").await.unwrap(), 2);
    assert_eq!(store.count_keys("a-b").await.unwrap(), 2);
    assert_eq!(store.count_super_admins(1000).await.unwrap(), 3);
    assert_consistent(&store, &V1).await;
}

/// A change that answers an error applies none of its writes (of any
/// kind, even after many), and `write` answers that very error.
pub async fn atomicity(store: Arc<dyn Store>) {
    // On an empty store.
    let result = store
        .write(later(), (), |txn, ()| {
            Box::pin(async move {
                txn.put_org(&org("a")).await?;
                txn.put_org(&org("b")).await?;
                txn.set_bootstrapped().await?;
                Err::<(), _>(Error::denied("no"))
            })
        })
        .await;
    assert!(
        matches!(&result, Err(Error::PermissionDenied(m)) if m == "no"),
        "{result:?}"
    );
    assert_eq!(view(&*store).await.unwrap(), empty_view());
    assert_eq!(store.records(None, 100).await.unwrap().records, vec![]);

    // On a seeded store, with every kind of write staged.
    seed(&store).await;
    let before = all_records(&store, 1000).await;
    let a = user("a", "o", Some("t1"), &["super-admin"]);
    let every_write = vec![
        Op::PutOrg(org("new")),
        Op::PutOrg(Organization {
            name: "Changed".into(),
            ..org("o")
        }),
        Op::DeleteOrg("q".into()),
        Op::PutTenant(tenant("t3", "o")),
        Op::DeleteTenant(tenant("t2", "o")),
        create(user("f", "o", Some("t3"), &["super-admin"])),
        replace(&User {
            tenant_id: None,
            roles: vec![],
            ..a.clone()
        }),
        Op::DeleteUser(user("b", "o", Some("t1"), &["user"])),
        put_key("f", "k"),
        Op::DeleteKey(key("e", "k1").0),
        Op::PutConfig("e".into(), config(&[("lang", "de")])),
        Op::PutConfig("d".into(), config(&[("x", "y")])),
        Op::SetBootstrapped,
    ];
    let result = store
        .write(later(), every_write, |txn, ops| {
            Box::pin(async move {
                stage(txn, ops).await?;
                Err::<(), _>(Error::FailedPrecondition {
                    reason: "TEST",
                    message: "refused".into(),
                })
            })
        })
        .await;
    assert!(
        matches!(&result, Err(Error::FailedPrecondition { reason: "TEST", message }) if message == "refused"),
        "{result:?}"
    );
    assert_eq!(view(&*store).await.unwrap(), seeded_view());
    assert_eq!(all_records(&store, 1000).await, before);
    assert_eq!(store.count_super_admins(1000).await.unwrap(), 1);
    assert_consistent(&store, &V1).await;

    // A change that fails before writing anything changes nothing either.
    let result = store
        .write(later(), (), |txn, ()| {
            Box::pin(async move {
                txn.org("zz").await?.ok_or(Error::NotFound {
                    kind: "organization",
                    id: "zz".into(),
                })?;
                txn.put_org(&org("zz")).await
            })
        })
        .await;
    assert!(
        matches!(&result, Err(Error::NotFound { kind: "organization", id }) if id == "zz"),
        "{result:?}"
    );
    assert_eq!(all_records(&store, 1000).await, before);
}

/// A write whose deadline has passed is not applied and answers
/// `DeadlineExceeded`; its change never runs. The store still takes writes
/// afterwards.
pub async fn expired_writes(store: Arc<dyn Store>) {
    seed(&store).await;
    let before = all_records(&store, 1000).await;
    let ran = Arc::new(AtomicBool::new(false));
    let a = user("a", "o", Some("t1"), &["super-admin"]);
    let result = store
        .write(past(), (ran.clone(), a), |txn, (ran, a)| {
            Box::pin(async move {
                ran.store(true, Ordering::SeqCst);
                txn.put_org(&org("late")).await?;
                txn.delete_user(&a.id).await
            })
        })
        .await;
    assert!(matches!(result, Err(Error::DeadlineExceeded)), "{result:?}");
    assert!(!ran.load(Ordering::SeqCst), "an expired change ran");
    assert_eq!(store.org("late").await.unwrap(), None);
    assert_eq!(all_records(&store, 1000).await, before);

    let ran = Arc::new(AtomicBool::new(false));
    store
        .write(later(), ran.clone(), |txn, ran| {
            Box::pin(async move {
                ran.store(true, Ordering::SeqCst);
                txn.put_org(&org("late")).await
            })
        })
        .await
        .unwrap();
    assert!(ran.load(Ordering::SeqCst));
    assert_eq!(store.org("late").await.unwrap(), Some(org("late")));
}

/// 64 concurrent writers all land, each whole.
pub async fn concurrent_writers(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for i in 0..64_u32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .write(later(), i, |txn, i| {
                    Box::pin(async move {
                        let id = format!("w{i:02}");
                        txn.put_org(&org(&id)).await?;
                        txn.put_tenant(&tenant(&format!("{id}-t"), &id)).await?;
                        txn.put_user(&user(&format!("{id}-u"), &id, None, &[]), &V1)
                            .await?;
                        Ok(*i)
                    })
                })
                .await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap().unwrap());
    }
    assert_eq!(answers, (0..64).collect::<Vec<u32>>());
    let want: Vec<Organization> = (0..64).map(|i| org(&format!("w{i:02}"))).collect();
    assert_eq!(store.list_orgs("", 1000).await.unwrap(), want);
    for i in 0..64 {
        let id = format!("w{i:02}");
        assert_eq!(
            ids(&store.list_tenants(&id, "", 10).await.unwrap(), |t| &t.id),
            [format!("{id}-t")]
        );
        assert_eq!(
            ids(
                &store.list_users(UserScope::Org(&id), "", 10).await.unwrap(),
                |u| &u.id
            ),
            [format!("{id}-u")]
        );
    }
    apply(&store, vec![Op::SetBootstrapped]).await.unwrap();
    assert_consistent(&store, &V1).await;
}

/// 32 racing check-then-create writes of one id give exactly one winner;
/// every other one sees the winner's record and answers `AlreadyExists`.
pub async fn racing_creates(store: Arc<dyn Store>) {
    let mut racers = Vec::new();
    for i in 0..32_u32 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            store
                .write(later(), i, |txn, i| {
                    Box::pin(async move {
                        if txn.org("race").await?.is_some() {
                            return Err(Error::AlreadyExists {
                                kind: "organization",
                                id: "race".into(),
                            });
                        }
                        txn.put_org(&Organization {
                            name: format!("racer {i}"),
                            ..org("race")
                        })
                        .await?;
                        Ok(*i)
                    })
                })
                .await
        }));
    }
    let mut winners = Vec::new();
    for r in racers {
        match r.await.unwrap() {
            Ok(i) => winners.push(i),
            Err(Error::AlreadyExists {
                kind: "organization",
                id,
            }) if id == "race" => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let stored = store.org("race").await.unwrap().unwrap();
    assert_eq!(stored.name, format!("racer {}", winners[0]));
    assert_eq!(store.list_orgs("", 1000).await.unwrap(), [stored]);
}

/// Index upkeep through `put_user`: moving a user between tenants (and to
/// and from none), role changes and the super-admin index, with the
/// organization, tenant and listing indexes following each change.
pub async fn users_move_between_tenants_and_roles(store: Arc<dyn Store>) {
    seed(&store).await;
    let scope_ids = |scope: UserScope<'static>| {
        let s = store.clone();
        async move {
            let got = ids(&s.list_users(scope, "", 1000).await.unwrap(), |u| &u.id);
            assert_eq!(
                listings(&*s, scope, &V1).await,
                encoded(&*s, scope, &V1).await
            );
            assert_eq!(s.has_users(scope).await.unwrap(), !got.is_empty());
            got
        }
    };
    let a0 = user("a", "o", Some("t1"), &["super-admin"]);
    // t1 → t2, losing super-admin.
    let a1 = User {
        tenant_id: Some("t2".into()),
        roles: vec!["user".into()],
        updated_at: 601,
        ..a0.clone()
    };
    apply(&store, vec![replace(&a1)]).await.unwrap();
    assert_eq!(store.user("a").await.unwrap(), Some(a1.clone()));
    assert_eq!(scope_ids(UserScope::Tenant("t1")).await, ["b"]);
    assert_eq!(scope_ids(UserScope::Tenant("t2")).await, ["a", "c"]);
    assert_eq!(scope_ids(UserScope::Org("o")).await, ["a", "b", "c", "d"]);
    assert_eq!(store.count_super_admins(1000).await.unwrap(), 0);
    assert_consistent(&store, &V1).await;
    // t2 → no tenant.
    let a2 = User {
        tenant_id: None,
        ..a1.clone()
    };
    apply(&store, vec![replace(&a2)]).await.unwrap();
    assert_eq!(store.user("a").await.unwrap(), Some(a2.clone()));
    assert_eq!(scope_ids(UserScope::Tenant("t2")).await, ["c"]);
    assert_eq!(scope_ids(UserScope::Org("o")).await, ["a", "b", "c", "d"]);
    // No tenant → t1, with super-admin again; d into t1 as super-admin too.
    let a3 = User {
        tenant_id: Some("t1".into()),
        roles: vec!["app".into(), "super-admin".into()],
        ..a2.clone()
    };
    let d0 = user("d", "o", None, &[]);
    let d1 = User {
        tenant_id: Some("t1".into()),
        roles: vec!["super-admin".into()],
        ..d0.clone()
    };
    apply(&store, vec![replace(&a3), replace(&d1)])
        .await
        .unwrap();
    assert_eq!(scope_ids(UserScope::Tenant("t1")).await, ["a", "b", "d"]);
    assert_eq!(store.count_super_admins(1000).await.unwrap(), 2);
    assert_eq!(store.count_super_admins(1).await.unwrap(), 1);
    // A role change alone keeps the scopes.
    let b0 = user("b", "o", Some("t1"), &["user"]);
    let b1 = User {
        roles: vec!["super-admin".into(), "user".into()],
        ..b0.clone()
    };
    apply(&store, vec![replace(&b1)]).await.unwrap();
    assert_eq!(store.count_super_admins(1000).await.unwrap(), 3);
    assert_eq!(scope_ids(UserScope::Tenant("t1")).await, ["a", "b", "d"]);
    // Two role changes in one change: one loses it, one keeps it.
    let a4 = User {
        roles: vec!["app".into()],
        ..a3.clone()
    };
    let d2 = User {
        name: "Renamed".into(),
        ..d1.clone()
    };
    apply(&store, vec![replace(&a4), replace(&d2)])
        .await
        .unwrap();
    assert_eq!(store.count_super_admins(1000).await.unwrap(), 2);
    assert_eq!(store.user("a").await.unwrap(), Some(a4));
    assert_eq!(store.user("d").await.unwrap(), Some(d2.clone()));
    assert_eq!(
        listings(&*store, UserScope::Tenant("t1"), &V1).await[2],
        ("d".to_owned(), encode_v1(&d2))
    );
    assert_eq!(store.count_keys("a").await.unwrap(), 2);
    assert_consistent(&store, &V1).await;
}

/// Index upkeep when a user's organization changes: it leaves the old
/// organization's (and tenant's) lists and joins the new one's.
pub async fn users_move_between_orgs(store: Arc<dyn Store>) {
    seed(&store).await;
    let e0 = user("e", "p", Some("pt"), &["org-admin"]);
    let e1 = User {
        org_id: "o".into(),
        tenant_id: Some("t2".into()),
        ..e0.clone()
    };
    apply(&store, vec![replace(&e1)]).await.unwrap();
    let list = |scope| {
        let s = store.clone();
        async move { ids(&s.list_users(scope, "", 1000).await.unwrap(), |u| &u.id) }
    };
    assert_eq!(list(UserScope::Org("p")).await, Vec::<String>::new());
    assert_eq!(list(UserScope::Tenant("pt")).await, Vec::<String>::new());
    assert_eq!(list(UserScope::Org("o")).await, ["a", "b", "c", "d", "e"]);
    assert_eq!(list(UserScope::Tenant("t2")).await, ["c", "e"]);
    assert!(!store.has_users(UserScope::Org("p")).await.unwrap());
    assert_eq!(store.user("e").await.unwrap(), Some(e1));
    assert_eq!(store.count_keys("e").await.unwrap(), 1);
    assert_consistent(&store, &V1).await;
}

/// `delete_user` removes the user, its keys (records and index), its
/// configuration and its index entries, and nothing of anyone else.
pub async fn deleting_users(store: Arc<dyn Store>) {
    seed(&store).await;
    apply(
        &store,
        vec![
            Op::DeleteUser(user("a", "o", Some("t1"), &["super-admin"])),
            Op::DeleteUser(user("b", "o", Some("t1"), &["user"])),
        ],
    )
    .await
    .unwrap();
    for id in ["a", "b"] {
        assert_eq!(store.user(id).await.unwrap(), None);
    }
    for name in ["k1", "k2"] {
        assert_eq!(store.key(&key("a", name).0).await.unwrap(), None);
        assert_eq!(store.key_digest("a", name).await.unwrap(), None);
    }
    assert_eq!(store.list_keys("a", "", 1000).await.unwrap(), vec![]);
    assert_eq!(store.count_keys("a").await.unwrap(), 0);
    assert_eq!(store.config("b").await.unwrap(), JsonMap::new());
    assert_eq!(
        ids(
            &store
                .list_users(UserScope::Org("o"), "", 1000)
                .await
                .unwrap(),
            |u| &u.id
        ),
        ["c", "d"]
    );
    assert_eq!(
        store
            .list_users(UserScope::Tenant("t1"), "", 1000)
            .await
            .unwrap(),
        vec![]
    );
    assert!(listings(&*store, UserScope::Tenant("t1"), &V1)
        .await
        .is_empty());
    assert!(!store.has_users(UserScope::Tenant("t1")).await.unwrap());
    assert!(store.has_users(UserScope::Org("o")).await.unwrap());
    assert_eq!(store.count_super_admins(1000).await.unwrap(), 0);
    // Everyone else is whole.
    assert_eq!(
        store.key(&key("e", "k1").0).await.unwrap(),
        Some(key("e", "k1").1)
    );
    assert_eq!(store.config("e").await.unwrap(), config(&[("lang", "fr")]));
    assert_eq!(store.tenant("t1").await.unwrap(), Some(tenant("t1", "o")));
    let expected: Vec<Record> = seed_records()
        .into_iter()
        .filter(|r| match r {
            Record::User(u) => u.id != "a" && u.id != "b",
            Record::AccessKey { user_id, .. } => user_id != "a",
            Record::Config { user_id, .. } => user_id != "b",
            _ => true,
        })
        .collect();
    assert_export(&all_records(&store, 1000).await, &expected);
    assert_consistent(&store, &V1).await;
}

/// `put_key` adds a key to its user's lists; `delete_key` removes one key
/// (record and index) and leaves the user and its other keys.
pub async fn deleting_keys(store: Arc<dyn Store>) {
    seed(&store).await;
    apply(&store, vec![put_key("c", "ci")]).await.unwrap();
    assert_eq!(
        store.key(&key("c", "ci").0).await.unwrap(),
        Some(key("c", "ci").1)
    );
    assert_eq!(
        store.key_digest("c", "ci").await.unwrap(),
        Some(key("c", "ci").0)
    );
    assert_eq!(
        store.list_keys("c", "", 10).await.unwrap(),
        [key("c", "ci").1]
    );
    assert_eq!(store.count_keys("c").await.unwrap(), 1);
    let (d, _) = key("a", "k1");
    apply(&store, vec![Op::DeleteKey(d)]).await.unwrap();
    assert_eq!(store.key(&d).await.unwrap(), None);
    assert_eq!(store.key_digest("a", "k1").await.unwrap(), None);
    assert_eq!(
        store.list_keys("a", "", 10).await.unwrap(),
        [key("a", "k2").1]
    );
    assert_eq!(store.count_keys("a").await.unwrap(), 1);
    assert_eq!(
        store.user("a").await.unwrap(),
        Some(user("a", "o", Some("t1"), &["super-admin"]))
    );
    assert_eq!(store.count_keys("c").await.unwrap(), 1);
    let mut expected = seed_records();
    expected.retain(|r| *r != key_record("a", "k1"));
    expected.push(key_record("c", "ci"));
    assert_export(&all_records(&store, 1000).await, &expected);
    assert_consistent(&store, &V1).await;
}

/// `delete_tenant` and `delete_org` remove the record and its index
/// entries; the rest stays.
pub async fn deleting_tenants_and_orgs(store: Arc<dyn Store>) {
    seed(&store).await;
    // Empty t1 first (the caller's duty), then delete it with q.
    apply(
        &store,
        vec![
            Op::DeleteUser(user("a", "o", Some("t1"), &["super-admin"])),
            Op::DeleteUser(user("b", "o", Some("t1"), &["user"])),
        ],
    )
    .await
    .unwrap();
    apply(
        &store,
        vec![
            Op::DeleteTenant(tenant("t1", "o")),
            Op::DeleteOrg("q".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(store.tenant("t1").await.unwrap(), None);
    assert_eq!(
        store.list_tenants("o", "", 1000).await.unwrap(),
        [tenant("t2", "o")]
    );
    assert!(store.org_has_tenants("o").await.unwrap());
    assert_eq!(store.org("q").await.unwrap(), None);
    assert_eq!(
        store.list_orgs("", 1000).await.unwrap(),
        [org("o"), org("p")]
    );
    assert_consistent(&store, &V1).await;
    // Empty p entirely, then delete its tenant and itself in one change.
    apply(
        &store,
        vec![Op::DeleteUser(user("e", "p", Some("pt"), &["org-admin"]))],
    )
    .await
    .unwrap();
    apply(
        &store,
        vec![
            Op::DeleteTenant(tenant("pt", "p")),
            Op::DeleteOrg("p".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(store.org("p").await.unwrap(), None);
    assert_eq!(store.tenant("pt").await.unwrap(), None);
    assert!(!store.org_has_tenants("p").await.unwrap());
    assert!(!store.has_users(UserScope::Org("p")).await.unwrap());
    assert_eq!(store.list_tenants("p", "", 1000).await.unwrap(), vec![]);
    assert_eq!(store.list_orgs("", 1000).await.unwrap(), [org("o")]);
    let expected = vec![
        Record::Organization(org("o")),
        Record::Tenant(tenant("t2", "o")),
        Record::User(user("c", "o", Some("t2"), &["app"])),
        Record::User(user("d", "o", None, &[])),
        Record::Bootstrapped,
    ];
    assert_export(&all_records(&store, 1000).await, &expected);
    assert_consistent(&store, &V1).await;
}

/// `insert_user` creates a user whose id is free (its record, lists,
/// listing form and super-admin index like `put_user`) and answers `true`;
/// for a taken id it answers `false` and changes nothing; 16 racing inserts
/// of one id: exactly one `true`.
pub async fn insert_user_once(store: Arc<dyn Store>) {
    apply(
        &store,
        vec![
            Op::PutOrg(org("o")),
            Op::PutTenant(tenant("t", "o")),
            Op::SetBootstrapped,
        ],
    )
    .await
    .unwrap();
    let first = user("n", "o", Some("t"), &["super-admin"]);
    let insert = |u: User| {
        let store = store.clone();
        async move {
            store
                .write(later(), u, |txn, u| {
                    Box::pin(async move { txn.insert_user(u, &V1).await })
                })
                .await
                .unwrap()
        }
    };
    assert!(insert(first.clone()).await);
    assert_eq!(store.user("n").await.unwrap(), Some(first.clone()));
    assert_eq!(
        ids(
            &store
                .list_users(UserScope::Tenant("t"), "", 10)
                .await
                .unwrap(),
            |u| &u.id
        ),
        ["n"]
    );
    assert_eq!(store.count_super_admins(10).await.unwrap(), 1);
    let other = User {
        name: "Someone else".into(),
        ..first.clone()
    };
    assert!(!insert(other).await);
    assert_eq!(store.user("n").await.unwrap(), Some(first));
    let racers: Vec<_> = (0..16)
        .map(|_| tokio::spawn(insert(user("r", "o", None, &[]))))
        .collect();
    let mut wins = 0;
    for r in racers {
        if r.await.unwrap() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    assert_consistent(&store, &V1).await;
}

/// Writes take no stored state from their caller, and several writes of
/// one change build on each other: a user put twice in one change (first
/// into `t1`, then into `t2` as super-admin) leaves only the second's index
/// entries; a key added and its user deleted in one change leave neither;
/// deleting what does not exist is no error and changes nothing.
pub async fn writes_build_on_each_other(store: Arc<dyn Store>) {
    apply(
        &store,
        vec![
            Op::PutOrg(org("o")),
            Op::PutTenant(tenant("t1", "o")),
            Op::PutTenant(tenant("t2", "o")),
            create(user("u", "o", Some("t1"), &[])),
            create(user("u", "o", Some("t2"), &["super-admin"])),
            put_key("u", "k1"),
            Op::SetBootstrapped,
        ],
    )
    .await
    .unwrap();
    let in_t1 = store
        .list_users(UserScope::Tenant("t1"), "", 10)
        .await
        .unwrap();
    assert!(in_t1.is_empty(), "{in_t1:?}");
    let in_t2 = store
        .list_users(UserScope::Tenant("t2"), "", 10)
        .await
        .unwrap();
    assert_eq!(ids(&in_t2, |u| &u.id), ["u"]);
    assert_eq!(store.count_super_admins(10).await.unwrap(), 1);
    assert_eq!(store.count_keys("u").await.unwrap(), 1);
    assert_consistent(&store, &V1).await;

    apply(
        &store,
        vec![
            put_key("u", "k2"),
            Op::DeleteUser(user("u", "o", Some("t2"), &["super-admin"])),
            Op::DeleteUser(user("nobody", "o", None, &[])),
            Op::DeleteKey(key("nobody", "k").0),
            Op::DeleteTenant(tenant("missing", "o")),
        ],
    )
    .await
    .unwrap();
    assert_eq!(store.user("u").await.unwrap(), None);
    assert_eq!(store.key(&key("u", "k1").0).await.unwrap(), None);
    assert_eq!(store.key(&key("u", "k2").0).await.unwrap(), None);
    assert_eq!(store.key_digest("u", "k2").await.unwrap(), None);
    assert_eq!(store.count_keys("u").await.unwrap(), 0);
    assert_eq!(store.count_super_admins(10).await.unwrap(), 0);
    assert!(!store.has_users(UserScope::Org("o")).await.unwrap());
    assert_eq!(
        ids(&store.list_tenants("o", "", 10).await.unwrap(), |t| &t.id),
        ["t1", "t2"]
    );
    assert_consistent(&store, &V1).await;
}

/// `records`: pages of 1, 2, 3 and 1000 concatenate to every record exactly
/// once, in export order (organizations, tenants, users, keys,
/// configurations, the bootstrap mark); no page is longer than its limit,
/// and the last page has `next == None`.
pub async fn records_paging(store: Arc<dyn Store>) {
    seed(&store).await;
    let whole = all_records(&store, 1000).await;
    assert_export(&whole, &seed_records());
    let first = store.records(None, 1000).await.unwrap();
    assert_eq!(first.next, None);
    assert_eq!(first.records, whole);
    for limit in [1, 2, 3] {
        let paged = all_records(&store, limit).await;
        assert_eq!(paged, whole, "pages of {limit}");
    }
    // One page exactly as long as the export.
    let exact = store.records(None, whole.len()).await.unwrap();
    assert_eq!(exact.records, whole);
    if let Some(next) = exact.next {
        let rest = store.records(Some(&next), 10).await.unwrap();
        assert_eq!((rest.records, rest.next), (vec![], None));
    }
    // Pages of every size in between.
    for limit in 4..whole.len() {
        assert_eq!(all_records(&store, limit).await, whole, "pages of {limit}");
    }
}

/// `records` of stores that lack some kinds: no bootstrap mark, no keys or
/// configurations, only the mark.
pub async fn records_of_partial_stores(store: Arc<dyn Store>) {
    apply(&store, vec![Op::PutOrg(org("b")), Op::PutOrg(org("a"))])
        .await
        .unwrap();
    let expected = [
        Record::Organization(org("a")),
        Record::Organization(org("b")),
    ];
    for limit in [1, 2, 3, 1000] {
        assert_export(&all_records(&store, limit).await, &expected);
    }
    apply(
        &store,
        vec![Op::PutTenant(tenant("t", "a")), Op::SetBootstrapped],
    )
    .await
    .unwrap();
    let expected = [
        Record::Organization(org("a")),
        Record::Organization(org("b")),
        Record::Tenant(tenant("t", "a")),
        Record::Bootstrapped,
    ];
    for limit in [1, 2, 3, 4, 1000] {
        let got = all_records(&store, limit).await;
        assert_export(&got, &expected);
        assert_eq!(got.last(), Some(&Record::Bootstrapped));
    }
}

/// `check` finds a seeded store, and one after every kind of change,
/// consistent; `sync` succeeds and the state is unchanged by it.
pub async fn check_and_sync(store: Arc<dyn Store>) {
    assert_consistent(&store, &V1).await;
    store.sync().await.unwrap();
    seed(&store).await;
    assert_consistent(&store, &V1).await;
    assert_consistent(&store, &V2).await;
    store.sync().await.unwrap();
    assert_eq!(view(&*store).await.unwrap(), seeded_view());
    let a = user("a", "o", Some("t1"), &["super-admin"]);
    apply(
        &store,
        vec![
            replace(&User {
                tenant_id: Some("t2".into()),
                ..a.clone()
            }),
            Op::DeleteKey(key("a", "k2").0),
            Op::DeleteUser(user("e", "p", Some("pt"), &["org-admin"])),
            Op::DeleteTenant(tenant("pt", "p")),
            Op::DeleteOrg("p".into()),
            Op::PutConfig("c".into(), config(&[("k", "v")])),
        ],
    )
    .await
    .unwrap();
    assert_consistent(&store, &V1).await;
    store.sync().await.unwrap();
    store.sync().await.unwrap();
    assert_consistent(&store, &V1).await;
}

/// `Store::revision` has grown when a write with `put_user`, `delete_user`
/// or `delete_key` returns, and never shrinks.
pub async fn revision_grows(store: Arc<dyn Store>) {
    seed(&store).await;
    let mut last = store.revision();
    let mut step = |what: &str, now: u64, must_grow: bool| {
        if must_grow {
            assert!(now > last, "{what}: revision {now} after {last}");
        } else {
            assert!(
                now >= last,
                "{what}: revision went back to {now} from {last}"
            );
        }
        last = now;
    };
    let f = user("f", "o", None, &["user"]);
    apply(&store, vec![create(f.clone())]).await.unwrap();
    step("put_user (create)", store.revision(), true);
    let f2 = User {
        roles: vec!["org-admin".into()],
        ..f.clone()
    };
    apply(&store, vec![replace(&f2)]).await.unwrap();
    step("put_user (replace)", store.revision(), true);
    apply(&store, vec![Op::PutOrg(org("r")), put_key("f", "k")])
        .await
        .unwrap();
    step("put_org, put_key", store.revision(), false);
    apply(&store, vec![Op::DeleteKey(key("f", "k").0)])
        .await
        .unwrap();
    step("delete_key", store.revision(), true);
    apply(&store, vec![Op::DeleteUser(f2)]).await.unwrap();
    step("delete_user", store.revision(), true);
    apply(&store, vec![Op::DeleteOrg("r".into())])
        .await
        .unwrap();
    step("delete_org", store.revision(), false);
}

/// A user `u` of organization `o` with a freshly generated key, and the
/// credentials that present it.
async fn seed_caller(store: &Arc<dyn Store>) -> (User, KeyDigest, AccessKey, Credentials) {
    let secret = keys::generate().unwrap();
    let digest = keys::digest(secret.expose());
    let k = AccessKey {
        user_id: "u".into(),
        name: "main".into(),
        redacted: keys::redact(secret.expose()),
        created_at: 1,
    };
    let u = user("u", "o", None, &["user"]);
    apply(
        store,
        vec![
            Op::PutOrg(org("o")),
            create(u.clone()),
            Op::PutKey(digest, k.clone()),
            Op::SetBootstrapped,
        ],
    )
    .await
    .unwrap();
    let credentials = Credentials {
        key: Some(secret),
        impersonate: Ok(None),
    };
    (u, digest, k, credentials)
}

/// Authenticates through `auth` until `done` holds for the answer, for at
/// most `bound` (just once when it is zero); answers the last answer.
async fn settled(
    auth: &Authenticator,
    reader: &dyn Store,
    credentials: &Credentials,
    bound: Duration,
    done: impl Fn(&Result<Arc<roster::auth::Caller>>) -> bool,
) -> Result<Arc<roster::auth::Caller>> {
    let until = Instant::now() + bound;
    loop {
        let answer = auth.authenticate(reader, credentials).await;
        if done(&answer) || Instant::now() >= until {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Changes written through `writer` reach an `Authenticator` (with its
/// revision-keyed cache) that reads through `reader` within `bound` (at
/// once when it is zero): new roles, a deleted key or user refused; a new
/// key is accepted at once (a refusal is never cached).
async fn authentication_sees(writer: Arc<dyn Store>, reader: Arc<dyn Store>, bound: Duration) {
    let (u, digest, k, credentials) = seed_caller(&writer).await;
    let auth = Authenticator::default();
    // Read before the first authentication: if it has not moved by the
    // second, the second was answered from the cache.
    let revision = reader.revision();
    let caller = auth.authenticate(&*reader, &credentials).await.unwrap();
    assert_eq!(caller.user, u);
    assert_eq!(caller.user.roles, ["user"]);
    assert_eq!(caller.role, Role::User);
    assert_eq!(caller.impersonator, None);
    let again = auth.authenticate(&*reader, &credentials).await.unwrap();
    assert_eq!(again.user, u);
    if reader.revision() == revision {
        // The cache answered: what follows shows it is told of changes.
        assert!(Arc::ptr_eq(&caller, &again));
    }

    // (a) New roles.
    let promoted = User {
        roles: vec!["org-admin".into(), "app".into()],
        updated_at: 601,
        ..u.clone()
    };
    writer
        .write(later(), promoted.clone(), |txn, new| {
            Box::pin(async move { txn.put_user(new, &V1).await })
        })
        .await
        .unwrap();
    let caller = settled(&auth, &*reader, &credentials, bound, |a| {
        a.as_ref().is_ok_and(|c| c.user == promoted)
    })
    .await
    .unwrap();
    assert_eq!(caller.user, promoted);
    assert_eq!(caller.user.roles, ["org-admin", "app"]);
    assert_eq!(caller.role, Role::OrgAdmin);
    // Unrelated writes change nothing for the caller.
    apply(&writer, vec![Op::PutOrg(org("other"))])
        .await
        .unwrap();
    let caller = auth.authenticate(&*reader, &credentials).await.unwrap();
    assert_eq!(caller.user, promoted);

    // (b) The key deleted.
    writer
        .write(later(), digest, |txn, d| {
            Box::pin(async move { txn.delete_key(d).await })
        })
        .await
        .unwrap();
    let refused = settled(&auth, &*reader, &credentials, bound, Result::is_err).await;
    assert!(
        matches!(refused, Err(Error::Unauthenticated)),
        "{refused:?}"
    );

    // The key back: accepted at once (a refusal is never cached).
    apply(&writer, vec![Op::PutKey(digest, k.clone())])
        .await
        .unwrap();
    let caller = auth.authenticate(&*reader, &credentials).await.unwrap();
    assert_eq!(caller.user, promoted);

    // The user deleted: its key goes with it.
    apply(&writer, vec![Op::DeleteUser(promoted)])
        .await
        .unwrap();
    let refused = settled(&auth, &*reader, &credentials, bound, Result::is_err).await;
    assert!(
        matches!(refused, Err(Error::Unauthenticated)),
        "{refused:?}"
    );
    assert_eq!(reader.key(&digest).await.unwrap(), None);
}

/// A real `Authenticator` over this store: a changed user's new roles show
/// on the next call, a deleted key or user is refused on the next call.
pub async fn authentication_follows_writes(store: Arc<dyn Store>) {
    authentication_sees(store.clone(), store, Duration::ZERO).await;
}

/// Listing forms are opaque and versioned: users written with v1 list in
/// v1 through v1 and in v2 through v2 (a stale form is listed through the
/// asked form: a new encoding needs no export and import), in id order
/// and matching `list_users`, for organization and tenant scopes; `check`
/// is clean under either form, also after some users are rewritten with
/// v2; a rewritten user never shows its old form.
pub async fn listing_forms(store: Arc<dyn Store>) {
    let mut ops = vec![
        Op::PutOrg(org("o")),
        Op::PutTenant(tenant("t1", "o")),
        Op::PutTenant(tenant("t2", "o")),
    ];
    for (id, t) in [
        ("u3", Some("t1")),
        ("u1", Some("t1")),
        ("u5", None),
        ("u2", Some("t2")),
        ("u4", Some("t1")),
    ] {
        ops.push(create(user(id, "o", t, &["user"])));
    }
    ops.push(Op::SetBootstrapped);
    apply(&store, ops).await.unwrap();

    let expect = |scope: UserScope<'static>, form: ListingForm, want: &'static [&'static str]| {
        let s = store.clone();
        async move {
            let got = listings(&*s, scope, &form).await;
            assert_eq!(
                got.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
                want,
                "{scope:?} v{}",
                form.version
            );
            assert_eq!(
                got,
                encoded(&*s, scope, &form).await,
                "{scope:?} v{}",
                form.version
            );
        }
    };
    let org_ids: &[&str] = &["u1", "u2", "u3", "u4", "u5"];
    let t1_ids: &[&str] = &["u1", "u3", "u4"];
    for form in [V1, V2] {
        expect(UserScope::Org("o"), form, org_ids).await;
        expect(UserScope::Tenant("t1"), form, t1_ids).await;
        expect(UserScope::Tenant("t2"), form, &["u2"]).await;
    }
    // The exact bytes, once spelled out.
    let v1: Vec<(String, Vec<u8>)> = listings(&*store, UserScope::Tenant("t1"), &V1).await;
    assert_eq!(
        v1,
        [
            ("u1".to_owned(), b"v1:u1:User u1".to_vec()),
            ("u3".to_owned(), b"v1:u3:User u3".to_vec()),
            ("u4".to_owned(), b"v1:u4:User u4".to_vec()),
        ]
    );
    let v2 = listings(&*store, UserScope::Tenant("t2"), &V2).await;
    assert_eq!(v2, [("u2".to_owned(), b"v2|u2|User u2|t2|user".to_vec())]);
    assert_consistent(&store, &V1).await;
    assert_consistent(&store, &V2).await;

    // u3 rewritten with v2 (renamed, into t2), u1 rewritten with v2 as is.
    let u3 = user("u3", "o", Some("t1"), &["user"]);
    let u3b = User {
        name: "Third".into(),
        tenant_id: Some("t2".into()),
        ..u3.clone()
    };
    let u1 = user("u1", "o", Some("t1"), &["user"]);
    apply(
        &store,
        vec![Op::PutUser(u3b.clone(), V2), Op::PutUser(u1.clone(), V2)],
    )
    .await
    .unwrap();
    for form in [V2, V1] {
        expect(UserScope::Org("o"), form, org_ids).await;
        expect(UserScope::Tenant("t1"), form, &["u1", "u4"]).await;
        expect(UserScope::Tenant("t2"), form, &["u2", "u3"]).await;
    }
    let org_v1 = listings(&*store, UserScope::Org("o"), &V1).await;
    assert_eq!(org_v1[2], ("u3".to_owned(), b"v1:u3:Third".to_vec()));
    let org_v2 = listings(&*store, UserScope::Org("o"), &V2).await;
    assert_eq!(
        org_v2[2],
        ("u3".to_owned(), b"v2|u3|Third|t2|user".to_vec())
    );
    assert_consistent(&store, &V2).await;
    assert_consistent(&store, &V1).await;

    // u3 renamed again with v1: no form of the old name survives anywhere.
    let u3c = User {
        name: "Fourth".into(),
        ..u3b.clone()
    };
    apply(&store, vec![replace(&u3c)]).await.unwrap();
    for form in [V1, V2] {
        expect(UserScope::Org("o"), form, org_ids).await;
        expect(UserScope::Tenant("t2"), form, &["u2", "u3"]).await;
    }
    assert_consistent(&store, &V1).await;
    assert_consistent(&store, &V2).await;
}

// ---------------------------------------------------------------------------
// Cases over a backend

/// Everything written is there after the store is dropped and opened
/// again: the same records, the same answers to every read, the same
/// listing forms; `check` is clean and the store takes writes.
pub async fn reopen(backend: &dyn Backend) {
    let store = backend.open().await;
    seed(&store).await;
    let u3 = user("u3", "o", Some("t2"), &[]);
    apply(&store, vec![Op::PutUser(u3.clone(), V2)])
        .await
        .unwrap();
    let records = all_records(&store, 1000).await;
    let before = view(&*store).await.unwrap();
    let listed = listings(&*store, UserScope::Org("o"), &V2).await;
    drop(store);

    let store = backend.open().await;
    assert_eq!(all_records(&store, 1000).await, records);
    assert_eq!(view(&*store).await.unwrap(), before);
    assert_eq!(listings(&*store, UserScope::Org("o"), &V2).await, listed);
    assert_eq!(
        listings(&*store, UserScope::Org("o"), &V1).await,
        encoded(&*store, UserScope::Org("o"), &V1).await
    );
    assert_consistent(&store, &V1).await;
    assert_consistent(&store, &V2).await;
    apply(&store, vec![Op::PutOrg(org("after"))]).await.unwrap();
    assert_eq!(store.org("after").await.unwrap(), Some(org("after")));
    drop(store);

    let store = backend.open().await;
    assert_eq!(store.org("after").await.unwrap(), Some(org("after")));
    assert_consistent(&store, &V1).await;
}

/// With a second handle on the same store (as another process has), a
/// change written through one reaches an `Authenticator` reading through
/// the other within the backend's stated bound. Skipped by backends of one
/// process at a time.
pub async fn authentication_across_handles(backend: &dyn Backend) {
    let first = backend.open().await;
    let Some(second) = backend.second_handle().await else {
        return;
    };
    let started = Instant::now();
    authentication_sees(first, second, backend.staleness()).await;
    eprintln!(
        "authentication across handles: settled within the bound of {:?} ({:?} in all)",
        backend.staleness(),
        started.elapsed()
    );
}
