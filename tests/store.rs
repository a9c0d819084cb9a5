//! The sled store through its `Store` trait: each write is atomic, an
//! expired write is never applied, indexes follow the records.

use std::time::{Duration, Instant};

use roster::domain::{Error, Organization, Tenant, User};
use roster::store::{Reader, SledStore, Store, UserScope};

fn later() -> Instant {
    Instant::now() + Duration::from_secs(10)
}

fn org(id: &str) -> Organization {
    Organization {
        id: id.into(),
        name: id.into(),
        ..Default::default()
    }
}

/// A write whose closure fails applies none of its staged changes.
#[tokio::test]
async fn failed_write_applies_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let result: Result<(), Error> = store
        .write(later(), |txn| {
            txn.put_org(&org("a"))?;
            Err(Error::denied("no"))
        })
        .await;
    assert!(matches!(result, Err(Error::PermissionDenied(_))));
    assert_eq!(store.org("a").unwrap(), None);
}

/// A write whose deadline passed before the store ran it is not run at all
/// and answers DeadlineExceeded.
#[tokio::test]
async fn expired_write_is_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let result = store
        .write(Instant::now() - Duration::from_millis(1), |txn| {
            txn.put_org(&org("late"))
        })
        .await;
    assert!(matches!(result, Err(Error::DeadlineExceeded)));
    assert_eq!(store.org("late").unwrap(), None);
}

/// Indexes follow users as they move between tenants and are deleted; a
/// reopened store has everything.
#[tokio::test]
async fn indexes_follow_records() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        let u = User {
            id: "u".into(),
            org_id: "o".into(),
            tenant_id: "t1".into(),
            roles: vec!["super-admin".into()],
            ..Default::default()
        };
        let moved = User {
            tenant_id: "t2".into(),
            roles: vec![],
            ..u.clone()
        };
        store
            .write(later(), {
                let u = u.clone();
                move |txn| {
                    txn.put_org(&org("o"))?;
                    for t in ["t1", "t2"] {
                        txn.put_tenant(&Tenant {
                            id: t.into(),
                            org_id: "o".into(),
                            ..Default::default()
                        })?;
                    }
                    txn.put_user(None, &u)
                }
            })
            .await
            .unwrap();
        assert!(store.has_users(UserScope::Tenant("t1")).unwrap());
        assert_eq!(store.count_super_admins(10).unwrap(), 1);
        store
            .write(later(), move |txn| txn.put_user(Some(&u), &moved))
            .await
            .unwrap();
        assert!(!store.has_users(UserScope::Tenant("t1")).unwrap());
        assert_eq!(store.count_super_admins(10).unwrap(), 0);
        let in_t2 = store.list_users(UserScope::Tenant("t2"), "", 10).unwrap();
        assert_eq!(in_t2.len(), 1);
        assert_eq!(store.list_tenants("o", "t1", 10).unwrap().len(), 1);
    }
    let store = SledStore::open(dir.path()).unwrap();
    let users = store.list_users(UserScope::Org("o"), "", 10).unwrap();
    assert_eq!(users[0].tenant_id, "t2");
    let user = users[0].clone();
    store
        .write(later(), move |txn| txn.delete_user(&user))
        .await
        .unwrap();
    assert!(!store.has_users(UserScope::Org("o")).unwrap());
    assert_eq!(store.user("u").unwrap(), None);
}
