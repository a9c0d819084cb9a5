//! The store conformance suite: every operation of the `Store` trait,
//! ordering and paging, atomicity, deadlines, concurrent writers, index
//! upkeep, reopening. Each case is generic over `Store`; any future backend
//! passes the same suite by adding its own `open` to [`backends!`].

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use roster::api::convert::user_listing;
use roster::domain::{AccessKey, Error, JsonMap, Organization, Tenant, User};
use roster::store::{Reader, Record, SledStore, Store, UserScope};

fn later() -> Instant {
    Instant::now() + Duration::from_secs(10)
}

fn org(id: &str) -> Organization {
    Organization {
        id: id.into(),
        name: format!("Org {id}"),
        ..Default::default()
    }
}

fn tenant(id: &str, org: &str) -> Tenant {
    Tenant {
        id: id.into(),
        name: id.into(),
        org_id: org.into(),
        ..Default::default()
    }
}

fn user(id: &str, org: &str, tenant: &str, roles: &[&str]) -> User {
    User {
        id: id.into(),
        org_id: org.into(),
        tenant_id: tenant.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        ..Default::default()
    }
}

fn key(user: &str, name: &str) -> ([u8; 32], AccessKey) {
    (
        roster::auth::keys::digest(&format!("{user}/{name}")),
        AccessKey {
            user_id: user.into(),
            name: name.into(),
            redacted: "rk_…test".into(),
            created_at: 1,
        },
    )
}

/// A small directory: organization `o` with tenants `t1`, `t2`; users `a`
/// (t1, super-admin), `b` (t1), `c` (t2), `d` (no tenant); two keys of `a`;
/// a configuration of `b`.
async fn seed<S: Store>(store: &S) {
    store
        .write(later(), |txn| {
            txn.put_org(&org("o"))?;
            txn.put_org(&org("p"))?;
            txn.put_tenant(&tenant("t1", "o"))?;
            txn.put_tenant(&tenant("t2", "o"))?;
            txn.put_user(None, &user("a", "o", "t1", &["super-admin"]))?;
            txn.put_user(None, &user("b", "o", "t1", &[]))?;
            txn.put_user(None, &user("c", "o", "t2", &["app"]))?;
            txn.put_user(None, &user("d", "o", "", &[]))?;
            for name in ["k2", "k1"] {
                let (digest, k) = key("a", name);
                txn.put_key(&digest, &k)?;
            }
            let mut config = JsonMap::new();
            config.insert("theme".into(), "dark".into());
            txn.put_config("b", &config)?;
            txn.set_bootstrapped()
        })
        .await
        .unwrap();
}

fn ids<T>(items: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|t| id(t).to_owned()).collect()
}

/// Point reads return what was written; absent ids are None.
async fn reads<S: Store>(store: S) {
    seed(&store).await;
    assert_eq!(store.org("o").unwrap().unwrap().name, "Org o");
    assert_eq!(store.tenant("t2").unwrap().unwrap().org_id, "o");
    assert_eq!(store.user("c").unwrap().unwrap().roles, ["app"]);
    assert_eq!(store.org("zz").unwrap(), None);
    assert_eq!(store.user("zz").unwrap(), None);
    let (digest, k) = key("a", "k1");
    assert_eq!(store.key(&digest).unwrap(), Some(k));
    assert_eq!(store.key_digest("a", "k1").unwrap(), Some(digest));
    assert_eq!(store.key_digest("b", "k1").unwrap(), None);
    assert_eq!(store.config("b").unwrap()["theme"], "dark");
    assert!(store.config("a").unwrap().is_empty());
    assert!(store.is_bootstrapped().unwrap());
}

/// Lists are sorted by id (keys by name), start after the cursor, stop at
/// the limit, and respect their scope.
async fn lists_and_paging<S: Store>(store: S) {
    seed(&store).await;
    assert_eq!(ids(store.list_orgs("", 10).unwrap(), |o| &o.id), ["o", "p"]);
    assert_eq!(ids(store.list_orgs("o", 10).unwrap(), |o| &o.id), ["p"]);
    assert_eq!(
        ids(store.list_tenants("o", "", 10).unwrap(), |t| &t.id),
        ["t1", "t2"]
    );
    assert!(store.list_tenants("p", "", 10).unwrap().is_empty());
    let org_users = store.list_users(UserScope::Org("o"), "", 10).unwrap();
    assert_eq!(ids(org_users, |u| &u.id), ["a", "b", "c", "d"]);
    let page = store.list_users(UserScope::Org("o"), "a", 2).unwrap();
    assert_eq!(ids(page, |u| &u.id), ["b", "c"]);
    let t1 = store.list_users(UserScope::Tenant("t1"), "", 10).unwrap();
    assert_eq!(ids(t1, |u| &u.id), ["a", "b"]);
    let keys = store.list_keys("a", "", 10).unwrap();
    assert_eq!(ids(keys, |k| &k.name), ["k1", "k2"]);
    assert_eq!(
        ids(store.list_keys("a", "k1", 10).unwrap(), |k| &k.name),
        ["k2"]
    );
    // A cursor that names no stored id still orders correctly.
    assert_eq!(
        ids(
            store.list_users(UserScope::Org("o"), "bb", 10).unwrap(),
            |u| &u.id
        ),
        ["c", "d"]
    );
    // Listing forms: the same users in the same order, each in the form
    // the store was opened with, following every change of the user.
    let listed = |scope| {
        let listed = store.list_user_listings(scope, "a", 2).unwrap();
        let users = store.list_users(scope, "a", 2).unwrap();
        assert_eq!(listed.len(), users.len());
        for ((id, form), user) in listed.iter().zip(&users) {
            assert_eq!((id, form), (user.id.as_str(), &user_listing(user)[..]));
        }
        ids(users, |u| &u.id)
    };
    assert_eq!(listed(UserScope::Org("o")), ["b", "c"]);
    let old = store.user("b").unwrap().unwrap();
    let mut renamed = old.clone();
    renamed.name = "Renamed".into();
    store
        .write(later(), move |txn| txn.put_user(Some(&old), &renamed))
        .await
        .unwrap();
    assert_eq!(listed(UserScope::Org("o")), ["b", "c"]);
    assert_eq!(listed(UserScope::Tenant("t1")), ["b"]);
    assert!(store.check().unwrap().is_empty());
    // Prefixes of ids do not leak between scopes.
    store
        .write(later(), |txn| {
            txn.put_org(&org("o2"))?;
            txn.put_user(None, &user("e", "o2", "", &[]))
        })
        .await
        .unwrap();
    assert_eq!(
        store.list_users(UserScope::Org("o"), "", 10).unwrap().len(),
        4
    );
}

/// Counts and emptiness checks.
async fn counts<S: Store>(store: S) {
    seed(&store).await;
    assert_eq!(store.count_keys("a").unwrap(), 2);
    assert_eq!(store.count_keys("b").unwrap(), 0);
    assert!(store.org_has_tenants("o").unwrap());
    assert!(!store.org_has_tenants("p").unwrap());
    assert!(store.has_users(UserScope::Org("o")).unwrap());
    assert!(!store.has_users(UserScope::Org("p")).unwrap());
    assert!(store.has_users(UserScope::Tenant("t2")).unwrap());
    assert_eq!(store.count_super_admins(10).unwrap(), 1);
}

/// A write whose closure fails applies none of its staged changes; one that
/// succeeds applies all of them.
async fn atomicity<S: Store>(store: S) {
    let result: Result<(), Error> = store
        .write(later(), |txn| {
            txn.put_org(&org("a"))?;
            txn.put_org(&org("b"))?;
            Err(Error::denied("no"))
        })
        .await;
    assert!(matches!(result, Err(Error::PermissionDenied(_))));
    assert!(store.list_orgs("", 10).unwrap().is_empty());
    store
        .write(later(), |txn| {
            txn.put_org(&org("a"))?;
            txn.put_org(&org("b"))
        })
        .await
        .unwrap();
    assert_eq!(store.list_orgs("", 10).unwrap().len(), 2);
}

/// A write whose deadline passed before the store ran it is not run at all
/// and answers DeadlineExceeded.
async fn expired_writes<S: Store>(store: S) {
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = ran.clone();
    let result = store
        .write(Instant::now() - Duration::from_millis(1), move |txn| {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            txn.put_org(&org("late"))
        })
        .await;
    assert!(matches!(result, Err(Error::DeadlineExceeded)));
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(store.org("late").unwrap(), None);
}

/// 64 concurrent writers all land; 32 racing check-then-create writes of one
/// id give exactly one winner (writes are serial).
async fn concurrent_writers<S: Store>(store: S) {
    let store = Arc::new(store);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .write(later(), move |txn| txn.put_org(&org(&format!("w{i:02}"))))
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(store.list_orgs("", 100).unwrap().len(), 64);
    let mut racers = Vec::new();
    for _ in 0..32 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            store
                .write(later(), |txn| {
                    if txn.org("race")?.is_some() {
                        return Err(Error::AlreadyExists {
                            kind: "organization",
                            id: "race".into(),
                        });
                    }
                    txn.put_org(&org("race"))
                })
                .await
        }));
    }
    let mut wins = 0;
    for r in racers {
        if r.await.unwrap().is_ok() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
}

/// Indexes follow users between tenants and roles; deleting a user removes
/// its keys and configuration; deleting tenants and organizations removes
/// their index entries.
async fn index_upkeep<S: Store>(store: S) {
    seed(&store).await;
    let a = store.user("a").unwrap().unwrap();
    let moved = User {
        tenant_id: "t2".into(),
        roles: vec![],
        ..a.clone()
    };
    store
        .write(later(), move |txn| txn.put_user(Some(&a), &moved))
        .await
        .unwrap();
    assert_eq!(store.count_super_admins(10).unwrap(), 0);
    assert_eq!(
        ids(
            store.list_users(UserScope::Tenant("t1"), "", 10).unwrap(),
            |u| &u.id
        ),
        ["b"]
    );
    assert_eq!(
        ids(
            store.list_users(UserScope::Tenant("t2"), "", 10).unwrap(),
            |u| &u.id
        ),
        ["a", "c"]
    );

    let a = store.user("a").unwrap().unwrap();
    let b = store.user("b").unwrap().unwrap();
    store
        .write(later(), move |txn| {
            txn.delete_user(&a)?;
            txn.delete_user(&b)
        })
        .await
        .unwrap();
    let (digest, _) = key("a", "k1");
    assert_eq!(store.key(&digest).unwrap(), None);
    assert_eq!(store.count_keys("a").unwrap(), 0);
    assert!(store.config("b").unwrap().is_empty());
    assert!(!store.has_users(UserScope::Tenant("t1")).unwrap());

    let t1 = store.tenant("t1").unwrap().unwrap();
    store
        .write(later(), move |txn| {
            txn.delete_tenant(&t1)?;
            txn.delete_org("p")
        })
        .await
        .unwrap();
    assert_eq!(
        ids(store.list_tenants("o", "", 10).unwrap(), |t| &t.id),
        ["t2"]
    );
    assert_eq!(ids(store.list_orgs("", 10).unwrap(), |o| &o.id), ["o"]);
    let (digest, k) = key("c", "only");
    store
        .write(later(), move |txn| {
            txn.put_key(&digest, &k)?;
            txn.put_config("c", &JsonMap::new())
        })
        .await
        .unwrap();
    let (digest, k) = key("c", "only");
    store
        .write(later(), move |txn| txn.delete_key(&digest, &k))
        .await
        .unwrap();
    assert_eq!(store.count_keys("c").unwrap(), 0);
    assert!(store.check().unwrap().is_empty(), "{:?}", store.check());
}

/// `for_each_record` yields every record once, and `check` finds a seeded
/// store consistent.
async fn records_and_check<S: Store>(store: S) {
    seed(&store).await;
    let mut records = Vec::new();
    store
        .for_each_record(&mut |r| {
            records.push(r);
            Ok(())
        })
        .unwrap();
    let count = |f: fn(&Record) -> bool| records.iter().filter(|r| f(r)).count();
    assert_eq!(count(|r| matches!(r, Record::Organization(_))), 2);
    assert_eq!(count(|r| matches!(r, Record::Tenant(_))), 2);
    assert_eq!(count(|r| matches!(r, Record::User(_))), 4);
    assert_eq!(count(|r| matches!(r, Record::AccessKey { .. })), 2);
    assert_eq!(count(|r| matches!(r, Record::Config { .. })), 1);
    assert_eq!(count(|r| matches!(r, Record::Bootstrapped)), 1);
    assert!(store.check().unwrap().is_empty());
}

/// Runs one case against each backend; `open` makes a store in a directory.
macro_rules! backends {
    ($($case:ident),* $(,)?) => {
        mod sled_backend {
            use super::*;
            fn open(dir: &Path) -> SledStore {
                SledStore::open(dir, user_listing).unwrap()
            }
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    super::$case(open(dir.path())).await;
                }
            )*

            /// Everything written is there after the store is closed and
            /// opened again.
            #[tokio::test]
            async fn reopen() {
                let dir = tempfile::tempdir().unwrap();
                seed(&open(dir.path())).await;
                let store = open(dir.path());
                assert_eq!(store.list_users(UserScope::Org("o"), "", 10).unwrap().len(), 4);
                assert_eq!(store.count_keys("a").unwrap(), 2);
                assert!(store.check().unwrap().is_empty());
            }
        }
    };
}

backends!(
    reads,
    lists_and_paging,
    counts,
    atomicity,
    expired_writes,
    concurrent_writers,
    index_upkeep,
    records_and_check,
);
