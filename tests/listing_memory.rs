//! ListUsers from memory (issue 14): the embedded store lists users from an
//! in-memory index it keeps beside sled. Over real servers: a write is in
//! the very next page; moves between tenants and organizations, deletes,
//! and a deleted-then-recreated organization leave no trace; a restart (and
//! a `kill -9`) rebuilds the index from the store; readers paging while a
//! writer writes see every acknowledged write.

mod common;

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use common::{client_on, on_postgres, Client, ServerProcess, TestServer};
use roster::pb;

/// The ids of every user of a scope (an organization, or with `tenant` one
/// of its tenants), page by page of `size`.
async fn ids(c: &mut Client, org: &str, tenant: &str, size: i32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_users(pb::ListUsersRequest {
                lookup_org_id: org.into(),
                lookup_tenant_id: tenant.into(),
                page_size: size,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        ids.extend(page.users.into_iter().map(|u| u.id));
        if page.next_page_token.is_empty() {
            return ids;
        }
        token = page.next_page_token;
    }
}

/// The names of every user of an organization, by id.
async fn names(c: &mut Client, org: &str) -> Vec<(String, String)> {
    common::all_users(c, org)
        .await
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect()
}

fn user(id: &str, org: &str, tenant: &str, name: &str) -> pb::User {
    pb::User {
        id: id.into(),
        org_id: org.into(),
        tenant_id: tenant.into(),
        name: name.into(),
        roles: vec!["user".into()],
        ..Default::default()
    }
}

async fn create(c: &mut Client, u: pb::User) {
    c.create_user(pb::CreateUserRequest { user: Some(u) })
        .await
        .unwrap();
}

async fn update(c: &mut Client, u: pb::User) {
    c.update_user(pb::UpdateUserRequest {
        user: Some(u),
        ..Default::default()
    })
    .await
    .unwrap();
}

async fn delete(c: &mut Client, id: &str) {
    c.delete_user(pb::DeleteUserRequest { id: id.into() })
        .await
        .unwrap();
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Each write is in the very next page of every scope it touches (each
/// scope is read into memory by the first listing that finds users in it):
/// creates, renames, moves between tenants and organizations, deletes.
#[tokio::test]
async fn a_write_is_in_the_very_next_page() {
    writes_in_the_next_page(TestServer::start().await).await;
}

/// The same with `--listing-memory 0` (every page from the store's files).
#[tokio::test]
async fn without_listing_memory_a_write_is_in_the_next_page_too() {
    writes_in_the_next_page(TestServer::start_with(|args| args.listing_memory = 0).await).await;
}

async fn writes_in_the_next_page(s: TestServer) {
    for org in ["a", "b"] {
        s.org(org).await;
    }
    s.tenant("ta1", "a").await;
    s.tenant("ta2", "a").await;
    s.tenant("tb1", "b").await;
    let mut c = s.admin();
    for (org, tenant) in [
        ("a", ""),
        ("a", "ta1"),
        ("a", "ta2"),
        ("b", ""),
        ("b", "tb1"),
    ] {
        assert!(
            ids(&mut c, org, tenant, 10).await.is_empty(),
            "{org}/{tenant}"
        );
    }

    create(&mut c, user("u1", "a", "ta1", "one")).await;
    assert_eq!(ids(&mut c, "a", "ta1", 10).await, strings(&["u1"]));
    assert_eq!(names(&mut c, "a").await, [("u1".into(), "one".into())]);

    update(&mut c, user("u1", "a", "ta2", "uno")).await;
    assert!(ids(&mut c, "a", "ta1", 10).await.is_empty());
    assert_eq!(ids(&mut c, "a", "ta2", 10).await, strings(&["u1"]));
    assert_eq!(names(&mut c, "a").await, [("u1".into(), "uno".into())]);

    update(&mut c, user("u1", "b", "tb1", "eins")).await;
    assert!(ids(&mut c, "a", "", 10).await.is_empty());
    assert!(ids(&mut c, "a", "ta2", 10).await.is_empty());
    assert_eq!(ids(&mut c, "b", "tb1", 10).await, strings(&["u1"]));
    assert_eq!(names(&mut c, "b").await, [("u1".into(), "eins".into())]);

    update(&mut c, user("u1", "b", "", "ein")).await;
    assert!(ids(&mut c, "b", "tb1", 10).await.is_empty());
    assert_eq!(names(&mut c, "b").await, [("u1".into(), "ein".into())]);

    for i in 0..25 {
        create(&mut c, user(&format!("v{i:02}"), "a", "ta1", "v")).await;
        let listed = ids(&mut c, "a", "ta1", 7).await;
        let expected: Vec<String> = (0..=i).map(|j| format!("v{j:02}")).collect();
        assert_eq!(listed, expected);
    }
    for i in (0..25).step_by(2) {
        delete(&mut c, &format!("v{i:02}")).await;
        assert!(!ids(&mut c, "a", "", 1000)
            .await
            .contains(&format!("v{i:02}")));
    }
    let odd: Vec<String> = (1..25).step_by(2).map(|j| format!("v{j:02}")).collect();
    assert_eq!(ids(&mut c, "a", "ta1", 3).await, odd);
    assert_eq!(ids(&mut c, "a", "", 1000).await, odd);
    delete(&mut c, "u1").await;
    assert!(ids(&mut c, "b", "", 10).await.is_empty());
}

/// An organization deleted and created again lists only its new users.
#[tokio::test]
async fn a_recreated_organization_lists_its_new_users() {
    let s = TestServer::start().await;
    s.org("o").await;
    let mut c = s.admin();
    create(&mut c, user("old", "o", "", "old")).await;
    assert_eq!(ids(&mut c, "o", "", 10).await, strings(&["old"]));
    delete(&mut c, "old").await;
    c.delete_organization(pb::DeleteOrganizationRequest { id: "o".into() })
        .await
        .unwrap();
    common::assert_code(
        c.list_users(pb::ListUsersRequest {
            lookup_org_id: "o".into(),
            ..Default::default()
        })
        .await,
        tonic::Code::NotFound,
    );
    s.org("o").await;
    assert!(ids(&mut c, "o", "", 10).await.is_empty());
    create(&mut c, user("new", "o", "", "new")).await;
    assert_eq!(ids(&mut c, "o", "", 10).await, strings(&["new"]));
}

/// After a restart the index is read from the store again: the same pages,
/// and writes after it land in them.
#[tokio::test]
async fn a_restart_rebuilds_from_the_store() {
    let s = TestServer::start().await;
    s.org("o").await;
    s.tenant("t", "o").await;
    let mut c = s.admin();
    for i in 0..30 {
        let tenant = if i % 3 == 0 { "t" } else { "" };
        create(&mut c, user(&format!("u{i:02}"), "o", tenant, "x")).await;
    }
    let org = ids(&mut c, "o", "", 7).await;
    let tenant = ids(&mut c, "o", "t", 7).await;
    assert_eq!(org.len(), 30);
    assert_eq!(tenant.len(), 10);
    let key = s.admin_key.clone();
    let dir = s.stop().await.unwrap();

    let path = dir.path().to_path_buf();
    let s = TestServer::start_keyed(key, move |args| args.data_dir = path).await;
    let mut c = s.admin();
    assert_eq!(ids(&mut c, "o", "", 7).await, org);
    assert_eq!(ids(&mut c, "o", "t", 7).await, tenant);
    delete(&mut c, "u00").await;
    assert_eq!(ids(&mut c, "o", "", 7).await, org[1..]);
    assert_eq!(ids(&mut c, "o", "t", 7).await, tenant[1..]);
    drop(dir);
}

/// Acknowledged writes survive a `kill -9` and are listed after it; the
/// index is never read back from disk, only rebuilt from the store.
#[tokio::test]
async fn a_crash_rebuilds_from_the_store() {
    if on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = roster::auth::keys::generate().unwrap().expose().to_owned();
    let env = [("ROSTER_BOOTSTRAP_KEY", key.as_str())];
    let p = ServerProcess::spawn(dir.path(), &env, &[]);
    common::wait_serving(p.channel()).await;
    let mut c = client_on(p.channel(), Some(&key), None);
    c.create_organization(pb::CreateOrganizationRequest {
        organization: Some(pb::Organization {
            id: "o".into(),
            name: "o".into(),
            ..Default::default()
        }),
    })
    .await
    .unwrap();
    assert!(ids(&mut c, "o", "", 10).await.is_empty());
    for i in 0..20 {
        create(&mut c, user(&format!("u{i:02}"), "o", "", "x")).await;
    }
    delete(&mut c, "u05").await;
    let before = ids(&mut c, "o", "", 6).await;
    assert_eq!(before.len(), 19);
    p.kill9();

    let p = ServerProcess::spawn(dir.path(), &[], &[]);
    common::wait_serving(p.channel()).await;
    let mut c = client_on(p.channel(), Some(&key), None);
    assert_eq!(ids(&mut c, "o", "", 6).await, before);
    assert_eq!(ids(&mut c, "o", "", 1000).await, before);
    p.kill9();
}

/// Readers paging through an organization while a writer creates users:
/// every page is in order without repeats, and a listing that starts after
/// a create was acknowledged holds that user.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_see_every_acknowledged_write() {
    const USERS: usize = 150;
    let s = TestServer::start().await;
    s.org("o").await;
    let mut c = s.admin();
    assert!(ids(&mut c, "o", "", 10).await.is_empty());
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..6)
        .map(|r| {
            let (mut c, acknowledged) = (s.admin(), acknowledged.clone());
            tokio::spawn(async move {
                let mut lists = 0;
                loop {
                    let known = acknowledged.load(Ordering::Acquire);
                    let listed = ids(&mut c, "o", "", 10 + r).await;
                    let mut sorted = listed.clone();
                    sorted.sort();
                    sorted.dedup();
                    assert_eq!(listed, sorted, "out of order or repeated");
                    for i in 0..known {
                        let id = format!("u{i:03}");
                        assert!(listed.contains(&id), "{id} acknowledged, not listed");
                    }
                    lists += 1;
                    if known == USERS {
                        return lists;
                    }
                }
            })
        })
        .collect();
    for i in 0..USERS {
        create(&mut c, user(&format!("u{i:03}"), "o", "", "x")).await;
        acknowledged.store(i + 1, Ordering::Release);
    }
    for reader in readers {
        assert!(reader.await.unwrap() >= 1);
    }
    assert_eq!(ids(&mut c, "o", "", 1000).await.len(), USERS);
}
