//! Lists (docs/contract.md §6) of ListUsers, ListTenants,
//! ListOrganizations and ListAccessKeys: order, page sizes, page tokens,
//! and the lookups of ListUsers and ListTenants.

mod common;

use std::sync::Arc;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use common::{assert_code, assert_invalid, Client, TestServer};
use roster::pb;
use tokio::task::JoinSet;
use tonic::{Code, Status};

/// One of the four lists.
#[derive(Clone, Debug)]
enum Of {
    /// ListUsers with these lookups.
    Users { org: String, tenant: String },
    /// ListTenants of an organization.
    Tenants { org: String },
    /// ListOrganizations.
    Orgs,
    /// ListAccessKeys of a user (as the admin impersonating it).
    Keys { user: String },
}

impl Of {
    fn users(org: &str) -> Self {
        Of::Users {
            org: org.into(),
            tenant: String::new(),
        }
    }

    fn tenant_users(tenant: &str) -> Self {
        Of::Users {
            org: String::new(),
            tenant: tenant.into(),
        }
    }

    fn tenants(org: &str) -> Self {
        Of::Tenants { org: org.into() }
    }

    fn keys(user: &str) -> Self {
        Of::Keys { user: user.into() }
    }
}

/// The four lists, each over a fresh, empty parent where it has one: users
/// of organization `o`, tenants of `o`, organizations, keys of user `k`
/// (created without any key).
async fn every_list(s: &TestServer) -> [Of; 4] {
    s.org("o").await;
    s.admin()
        .create_user(pb::CreateUserRequest {
            user: Some(pb::User {
                id: "k".into(),
                org_id: "o".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    [Of::users("o"), Of::tenants("o"), Of::Orgs, Of::keys("k")]
}

/// The ids (keys: names) already in a list before a test adds any: the
/// bootstrap organization, and user `k` of [`every_list`].
fn preexisting(of: &Of) -> Vec<String> {
    match of {
        Of::Orgs => vec!["default".into(), "o".into()],
        Of::Users { org, .. } if org == "o" => vec!["k".into()],
        _ => vec![],
    }
}

/// The client that reads and changes `of`.
fn client_for(s: &TestServer, of: &Of) -> Client {
    match of {
        Of::Keys { user } => s.client_as(&s.admin_key, user),
        _ => s.admin(),
    }
}

/// Creates one item of `of` named `id`.
async fn create(c: &mut Client, of: &Of, id: &str) {
    match of {
        Of::Users { org, tenant } => {
            c.create_user(pb::CreateUserRequest {
                user: Some(pb::User {
                    id: id.into(),
                    org_id: org.clone(),
                    tenant_id: tenant.clone(),
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
        }
        Of::Tenants { org } => {
            c.create_tenant(pb::CreateTenantRequest {
                tenant: Some(pb::Tenant {
                    id: id.into(),
                    name: format!("Tenant {id}"),
                    org_id: org.clone(),
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
        }
        Of::Orgs => {
            c.create_organization(pb::CreateOrganizationRequest {
                organization: Some(pb::Organization {
                    id: id.into(),
                    name: format!("Org {id}"),
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
        }
        Of::Keys { .. } => {
            c.create_access_key(pb::CreateAccessKeyRequest { name: id.into() })
                .await
                .unwrap();
        }
    }
}

/// Deletes the item `id` of `of`.
async fn remove(c: &mut Client, of: &Of, id: &str) {
    match of {
        Of::Users { .. } => {
            c.delete_user(pb::DeleteUserRequest { id: id.into() })
                .await
                .unwrap();
        }
        Of::Tenants { .. } => {
            c.delete_tenant(pb::DeleteTenantRequest { id: id.into() })
                .await
                .unwrap();
        }
        Of::Orgs => {
            c.delete_organization(pb::DeleteOrganizationRequest { id: id.into() })
                .await
                .unwrap();
        }
        Of::Keys { .. } => {
            c.delete_access_key(pb::DelAccessKeyRequest {
                names: vec![id.into()],
                ..Default::default()
            })
            .await
            .unwrap();
        }
    }
}

/// Creates the items `ids` of `of` from 32 concurrent tasks (so that the
/// server's group commit shares the syncs), in no particular order.
async fn create_all(s: &TestServer, of: &Of, ids: Vec<String>) {
    const TASKS: usize = 32;
    let ids = Arc::new(ids);
    let mut tasks = JoinSet::new();
    for first in 0..TASKS {
        let mut c = client_for(s, of);
        let of = of.clone();
        let ids = ids.clone();
        tasks.spawn(async move {
            for id in ids.iter().skip(first).step_by(TASKS) {
                create(&mut c, &of, id).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

/// One page of `of`: the ids (keys: names) on it and the next page's token.
async fn page(
    c: &mut Client,
    of: &Of,
    page_size: i32,
    page_token: &str,
) -> Result<(Vec<String>, String), Status> {
    prefixed_page(c, of, page_size, page_token, "").await
}

/// [`page`] of the ids that start with `id_prefix` (not for keys).
async fn prefixed_page(
    c: &mut Client,
    of: &Of,
    page_size: i32,
    page_token: &str,
    id_prefix: &str,
) -> Result<(Vec<String>, String), Status> {
    let page_token = page_token.to_owned();
    let id_prefix = id_prefix.to_owned();
    Ok(match of {
        Of::Users { org, tenant } => {
            let res = c
                .list_users(pb::ListUsersRequest {
                    lookup_org_id: org.clone(),
                    lookup_tenant_id: tenant.clone(),
                    page_size,
                    page_token,
                    id_prefix,
                    ..Default::default()
                })
                .await?
                .into_inner();
            let ids = res.users.into_iter().map(|u| u.id).collect();
            (ids, res.next_page_token)
        }
        Of::Tenants { org } => {
            let res = c
                .list_tenants(pb::ListTenantsRequest {
                    lookup_org_id: org.clone(),
                    page_size,
                    page_token,
                    id_prefix,
                })
                .await?
                .into_inner();
            let ids = res.tenants.into_iter().map(|t| t.id).collect();
            (ids, res.next_page_token)
        }
        Of::Orgs => {
            let res = c
                .list_organizations(pb::ListOrganizationsRequest {
                    page_size,
                    page_token,
                    id_prefix,
                })
                .await?
                .into_inner();
            let ids = res.organizations.into_iter().map(|o| o.id).collect();
            (ids, res.next_page_token)
        }
        Of::Keys { .. } => {
            assert!(id_prefix.is_empty(), "ListAccessKeys has no id_prefix");
            let res = c
                .list_access_keys(pb::GetAccessKeyRequest {
                    page_size,
                    page_token,
                })
                .await?
                .into_inner();
            let names = res.access_keys.into_iter().map(|k| k.name).collect();
            (names, res.next_page_token)
        }
    })
}

/// Every page of `of` with `page_size`, following the tokens to the end;
/// checks that every page but the last is full and carries a token.
async fn all_pages(c: &mut Client, of: &Of, page_size: i32) -> Vec<Vec<String>> {
    all_prefixed_pages(c, of, page_size, "").await
}

/// [`all_pages`] of the ids that start with `id_prefix`.
async fn all_prefixed_pages(
    c: &mut Client,
    of: &Of,
    page_size: i32,
    id_prefix: &str,
) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let (ids, next) = prefixed_page(c, of, page_size, &token, id_prefix)
            .await
            .unwrap();
        let done = next.is_empty();
        if !done {
            assert_eq!(
                ids.len(),
                page_size as usize,
                "{of:?}: a page with a next token must be full"
            );
        }
        pages.push(ids);
        if done {
            return pages;
        }
        assert!(pages.len() <= 10_000, "{of:?}: paging does not end");
        token = next;
    }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Ids valid for every kind (and as key names), deliberately out of order
/// and chosen so that byte order differs from case-insensitive order.
const MIXED: [&str; 23] = [
    "m", "B", "a", "a.b", "a-b", "a_b", "A", "0", "9z", "Z", "z", "b", "aa", "a0", "ab", "A1",
    "zz.top", "x-1", "x.1", "x_1", "y", "c9", "M",
];

/// ListUsers, ListTenants and ListOrganizations sort by id, and
/// ListAccessKeys by name, in byte order, whatever the order of creation.
#[tokio::test]
async fn sorted_by_id() {
    let s = TestServer::start().await;
    for of in every_list(&s).await {
        let mut c = client_for(&s, &of);
        for id in MIXED {
            create(&mut c, &of, id).await;
        }
        let mut expected = preexisting(&of);
        expected.extend(strings(&MIXED));
        let expected = sorted(expected);
        let (ids, next) = page(&mut c, &of, 0, "").await.unwrap();
        assert_eq!(ids, expected, "{of:?}");
        assert_eq!(next, "", "{of:?}: one page holds everything");
    }
}

/// For each list and several page sizes, following the tokens yields every
/// item exactly once, in order, in ceil(n / size) pages: all full but the
/// last, whose token is empty (no trailing empty page when n is a multiple
/// of the size).
#[tokio::test]
async fn paging_yields_every_item_once() {
    let s = TestServer::start().await;
    for of in every_list(&s).await {
        let mut c = client_for(&s, &of);
        let mut expected = preexisting(&of);
        expected.extend(strings(&MIXED));
        let expected = sorted(expected);
        for id in MIXED {
            create(&mut c, &of, id).await;
        }
        let n = expected.len();
        for size in [1, 2, 5, n - 1, n, n + 1, 1000] {
            let pages = all_pages(&mut c, &of, size as i32).await;
            assert_eq!(pages.len(), n.div_ceil(size), "{of:?} size {size}");
            assert_eq!(pages.concat(), expected, "{of:?} size {size}");
        }
    }
}

/// With `id_prefix`, ListUsers, ListTenants and ListOrganizations hold only
/// the ids that start with it (byte for byte: case counts), paged by the
/// same sizes and tokens: every such id once, in order, in ceil(n / size)
/// pages; a prefix nothing starts with gives one empty page.
#[tokio::test]
async fn id_prefix_keeps_the_ids_that_start_with_it() {
    let s = TestServer::start().await;
    let [users, tenants, orgs, _] = every_list(&s).await;
    for of in [users, tenants, orgs] {
        let mut c = client_for(&s, &of);
        for id in MIXED {
            create(&mut c, &of, id).await;
        }
        let mut all = preexisting(&of);
        all.extend(strings(&MIXED));
        let all = sorted(all);
        for prefix in ["a", "a.", "A", "x", "zz.top", "9", "d", "zz.top0"] {
            let expected: Vec<String> = all
                .iter()
                .filter(|id| id.starts_with(prefix))
                .cloned()
                .collect();
            let n = expected.len();
            for size in [1, 2, 3, n, n + 1] {
                let size = size.max(1);
                let pages = all_prefixed_pages(&mut c, &of, size as i32, prefix).await;
                assert_eq!(pages.concat(), expected, "{of:?} `{prefix}` size {size}");
                assert_eq!(
                    pages.len(),
                    n.div_ceil(size).max(1),
                    "{of:?} `{prefix}` size {size}"
                );
            }
        }
        assert_eq!(
            all.iter().filter(|id| id.starts_with('a')).count(),
            7,
            "{of:?}: a, a-b, a.b, a0, a_b, aa, ab"
        );
    }
}

/// `id_prefix` narrows what the caller may list, never widens it: an
/// org-admin's organizations and a tenant-admin's tenants and users stay its
/// own, shown only when their ids start with the prefix; with
/// `lookup_user_id`, the user must also start with it. A prefix that is not
/// the start of an id is INVALID_ARGUMENT naming `id_prefix`, before any
/// permission check.
#[tokio::test]
async fn id_prefix_within_scope() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.org("acne").await;
    s.tenant("t1", "acme").await;
    s.tenant("t2", "acme").await;
    s.user("oa", "acme", "", &["org-admin"]).await;
    s.user("ta", "acme", "t1", &["tenant-admin"]).await;
    s.user("tb", "acme", "t1", &[]).await;
    s.user("tc", "acme", "t2", &[]).await;
    let org_admin = s.key_for("oa").await;
    let tenant_admin = s.key_for("ta").await;
    let plain = s.key_for("tb").await;
    let ids = |page: Result<(Vec<String>, String), Status>| page.unwrap().0;

    let mut oa = s.client(&org_admin);
    assert_eq!(
        ids(prefixed_page(&mut oa, &Of::Orgs, 0, "", "ac").await),
        ["acme"]
    );
    assert_eq!(
        ids(prefixed_page(&mut oa, &Of::Orgs, 0, "", "acn").await),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(prefixed_page(&mut oa, &Of::tenants(""), 0, "", "t").await),
        ["t1", "t2"]
    );
    assert_eq!(
        ids(prefixed_page(&mut oa, &Of::users(""), 0, "", "t").await),
        ["ta", "tb", "tc"]
    );

    let mut ta = s.client(&tenant_admin);
    assert_eq!(
        ids(prefixed_page(&mut ta, &Of::tenants(""), 0, "", "t").await),
        ["t1"]
    );
    assert_eq!(
        ids(prefixed_page(&mut ta, &Of::tenants(""), 0, "", "t2").await),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(prefixed_page(&mut ta, &Of::users(""), 0, "", "t").await),
        ["ta", "tb"]
    );
    assert_code(
        prefixed_page(&mut ta, &Of::users("acne"), 0, "", "t").await,
        Code::PermissionDenied,
    );

    let mut a = s.admin();
    let looked_up = |prefix: &str| pb::ListUsersRequest {
        lookup_org_id: "acme".into(),
        lookup_user_id: "tb".into(),
        id_prefix: prefix.into(),
        ..Default::default()
    };
    let found = a.list_users(looked_up("t")).await.unwrap().into_inner();
    assert_eq!(found.users.len(), 1);
    let missed = a.list_users(looked_up("ta")).await.unwrap().into_inner();
    assert_eq!(missed.users.len(), 0);

    let mut user = s.client(&plain);
    for bad in ["-a", "a b", "ä", &"a".repeat(129)] {
        for of in [Of::Orgs, Of::tenants(""), Of::users("")] {
            assert_invalid(prefixed_page(&mut user, &of, 0, "", bad).await, "id_prefix");
        }
    }
}

/// Tokens stay valid while items are added or removed between pages: after
/// the first page (ending at `f`), adding items before the cursor, adding
/// one after it, deleting the cursor item itself and an unseen one, the next
/// page continues right after `f`: the new later item is seen, deleted ones
/// are not, nothing repeats. An old token whose later items are all gone
/// gives an empty last page.
#[tokio::test]
async fn tokens_survive_changes() {
    let s = TestServer::start().await;
    for of in every_list(&s).await {
        let mut c = client_for(&s, &of);
        let before = preexisting(&of);
        for id in ["b2", "d2", "f2", "h2", "j2", "l2", "n2"] {
            create(&mut c, &of, id).await;
        }
        // The first page ends at `f2` (what was there before may sort on
        // either side of it).
        let all = sorted(
            before
                .iter()
                .cloned()
                .chain(strings(&["b2", "d2", "f2", "h2", "j2", "l2", "n2"]))
                .collect(),
        );
        let cut = all.iter().position(|id| id == "f2").unwrap() + 1;
        let (first, token) = page(&mut c, &of, cut as i32, "").await.unwrap();
        assert_eq!(first, all[..cut], "{of:?}");
        assert_ne!(token, "", "{of:?}");

        create(&mut c, &of, "a2").await; // before the cursor
        create(&mut c, &of, "e2").await; // before the cursor
        create(&mut c, &of, "g2").await; // after the cursor
        remove(&mut c, &of, "f2").await; // the cursor itself
        remove(&mut c, &of, "h2").await; // after the cursor, unseen

        let (next, token2) = page(&mut c, &of, 2, &token).await.unwrap();
        assert_eq!(next, ["g2", "j2"], "{of:?}");
        assert_ne!(token2, "", "{of:?}");
        // The same token again gives the same page: tokens are not consumed.
        assert_eq!(
            page(&mut c, &of, 2, &token).await.unwrap(),
            (next.clone(), token2.clone()),
            "{of:?}"
        );
        let (rest, end) = page(&mut c, &of, 1000, &token2).await.unwrap();
        let tail: Vec<String> = all
            .iter()
            .filter(|id| id.as_str() > "j2")
            .cloned()
            .collect();
        assert_eq!(rest, tail, "{of:?}");
        assert_eq!(end, "", "{of:?}");

        // Everything after the cursor goes: the old token still works.
        for id in ["g2", "j2", "l2", "n2"] {
            remove(&mut c, &of, id).await;
        }
        let after_f2: Vec<String> = before
            .iter()
            .filter(|id| id.as_str() > "f2")
            .cloned()
            .collect();
        let (last, end) = page(&mut c, &of, 2, &token).await.unwrap();
        assert_eq!(last, after_f2, "{of:?}");
        assert_eq!(end, "", "{of:?}");
    }
}

/// `page_size` 0 means 1000 and larger values are clamped to 1000:
/// ListUsers over 1005 users answers 1000 and a token, then the last 5.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn users_default_and_clamped_page_size() {
    let s = TestServer::start().await;
    s.org("big").await;
    let of = Of::users("big");
    check_default_and_clamp(&s, &of, (0..1005).map(|i| format!("u{i:04}")).collect()).await;
}

/// `page_size` 0 means 1000 and larger values are clamped to 1000:
/// ListTenants over 1005 tenants answers 1000 and a token, then the last 5.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenants_default_and_clamped_page_size() {
    let s = TestServer::start().await;
    s.org("big").await;
    let of = Of::tenants("big");
    check_default_and_clamp(&s, &of, (0..1005).map(|i| format!("t{i:04}")).collect()).await;
}

/// `page_size` 0 means 1000 and larger values are clamped to 1000:
/// ListOrganizations over 1005 organizations (`default` and 1004 more)
/// answers 1000 and a token, then the last 5.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orgs_default_and_clamped_page_size() {
    let s = TestServer::start().await;
    let of = Of::Orgs;
    let mut ids: Vec<String> = (0..1004).map(|i| format!("o{i:04}")).collect();
    create_all(&s, &of, ids.clone()).await;
    ids.push("default".into());
    check_pages_of_1000(&s, &of, sorted(ids)).await;
}

/// Creates `ids` in `of` and checks the first two pages for every page
/// size that means 1000.
async fn check_default_and_clamp(s: &TestServer, of: &Of, ids: Vec<String>) {
    create_all(s, of, ids.clone()).await;
    check_pages_of_1000(s, of, sorted(ids)).await;
}

/// With 1005 items in `of`, page sizes 0, 1001 and i32::MAX all give pages
/// of 1000 (exactly the first 1000 items, with a token) and then the last
/// 5 (with an empty token); page size 999 gives 999.
async fn check_pages_of_1000(s: &TestServer, of: &Of, expected: Vec<String>) {
    assert_eq!(expected.len(), 1005);
    let mut c = client_for(s, of);
    for size in [0, 1000, 1001, 5000, i32::MAX] {
        let (first, token) = page(&mut c, of, size, "").await.unwrap();
        assert_eq!(first.len(), 1000, "{of:?} size {size}");
        assert_eq!(first, expected[..1000], "{of:?} size {size}");
        assert_ne!(token, "", "{of:?} size {size}");
        let (rest, end) = page(&mut c, of, size, &token).await.unwrap();
        assert_eq!(rest, expected[1000..], "{of:?} size {size}");
        assert_eq!(end, "", "{of:?} size {size}");
    }
    let (first, token) = page(&mut c, of, 999, "").await.unwrap();
    assert_eq!(first, expected[..999], "{of:?}");
    let (rest, end) = page(&mut c, of, 999, &token).await.unwrap();
    assert_eq!(rest, expected[999..], "{of:?}");
    assert_eq!(end, "", "{of:?}");
}

/// ListAccessKeys with a user's 100 keys (the most it may hold): page size
/// 0 and sizes over 1000 give all 100 with an empty token; 99 gives 99 and
/// a token, then 1.
#[tokio::test]
async fn keys_default_and_clamped_page_size() {
    let s = TestServer::start().await;
    let [.., of] = every_list(&s).await;
    let names: Vec<String> = (0..100).map(|i| format!("key-{i:03}")).collect();
    create_all(&s, &of, names.clone()).await;
    let mut c = client_for(&s, &of);
    for size in [0, 100, 1000, 1001, i32::MAX] {
        let (all, token) = page(&mut c, &of, size, "").await.unwrap();
        assert_eq!(all, names, "size {size}");
        assert_eq!(token, "", "size {size}");
    }
    let (first, token) = page(&mut c, &of, 99, "").await.unwrap();
    assert_eq!(first, names[..99]);
    let (rest, end) = page(&mut c, &of, 99, &token).await.unwrap();
    assert_eq!(rest, names[99..]);
    assert_eq!(end, "");
}

/// A negative `page_size` is INVALID_ARGUMENT naming `page_size`, in every
/// list, with or without a token.
#[tokio::test]
async fn negative_page_size_is_invalid() {
    let s = TestServer::start().await;
    for of in every_list(&s).await {
        let mut c = client_for(&s, &of);
        for id in ["a", "b"] {
            create(&mut c, &of, id).await;
        }
        let (_, token) = page(&mut c, &of, 1, "").await.unwrap();
        for size in [-1, -1000, i32::MIN] {
            assert_invalid(page(&mut c, &of, size, "").await, "page_size");
            assert_invalid(page(&mut c, &of, size, &token).await, "page_size");
        }
    }
}

/// A page token the server did not issue is INVALID_ARGUMENT naming
/// `page_token`, in every list.
#[tokio::test]
async fn malformed_tokens_are_invalid() {
    let s = TestServer::start().await;
    let bad = [
        "garbage!".to_string(),
        "%%%".into(),
        " ".into(),
        "not a token".into(),
        URL_SAFE_NO_PAD.encode("foo"),
        URL_SAFE_NO_PAD.encode("v1:"),
        URL_SAFE_NO_PAD.encode("v1:a/b"),
        URL_SAFE_NO_PAD.encode("v1:a b"),
        URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x00]),
        "A".repeat(10_000),
    ];
    for of in every_list(&s).await {
        let mut c = client_for(&s, &of);
        for id in ["a", "b"] {
            create(&mut c, &of, id).await;
        }
        let (_, good) = page(&mut c, &of, 1, "").await.unwrap();
        assert_ne!(good, "");
        for token in bad.iter().chain([&format!("{good}!"), &format!("!{good}")]) {
            assert_invalid(page(&mut c, &of, 1, token).await, "page_token");
        }
    }
}

/// ListUsers with `lookup_tenant_id` lists only that tenant's users (also
/// with its organization as `lookup_org_id`, and page by page); without it,
/// every user of the organization; a tenant of another organization than
/// `lookup_org_id` is INVALID_ARGUMENT naming `lookup_tenant_id`.
#[tokio::test]
async fn list_users_of_a_tenant() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.org("beta").await;
    s.tenant("t1", "acme").await;
    s.tenant("t2", "acme").await;
    s.tenant("t3", "beta").await;
    let mut a = s.admin();
    for (of, ids) in [
        (Of::tenant_users("t1"), &["c", "a", "e", "g", "i"][..]),
        (Of::tenant_users("t2"), &["b", "d"][..]),
        (Of::users("acme"), &["f", "h"][..]),
        (Of::tenant_users("t3"), &["j"][..]),
    ] {
        for id in ids {
            create(&mut a, &of, id).await;
        }
    }

    let (t1, end) = page(&mut a, &Of::tenant_users("t1"), 0, "").await.unwrap();
    assert_eq!(t1, ["a", "c", "e", "g", "i"]);
    assert_eq!(end, "");
    let pages = all_pages(&mut a, &Of::tenant_users("t1"), 2).await;
    assert_eq!(pages, [vec!["a", "c"], vec!["e", "g"], vec!["i"]]);
    let both = Of::Users {
        org: "acme".into(),
        tenant: "t1".into(),
    };
    assert_eq!(all_pages(&mut a, &both, 3).await.concat(), t1);
    assert_eq!(
        page(&mut a, &Of::tenant_users("t2"), 0, "")
            .await
            .unwrap()
            .0,
        ["b", "d"]
    );
    assert_eq!(
        page(&mut a, &Of::tenant_users("t3"), 0, "")
            .await
            .unwrap()
            .0,
        ["j"]
    );
    assert_eq!(
        page(&mut a, &Of::users("acme"), 0, "").await.unwrap().0,
        ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    );
    assert_eq!(
        page(&mut a, &Of::users("beta"), 0, "").await.unwrap().0,
        ["j"]
    );

    let mismatched = Of::Users {
        org: "beta".into(),
        tenant: "t1".into(),
    };
    assert_invalid(page(&mut a, &mismatched, 0, "").await, "lookup_tenant_id");
}

/// Lookups of missing objects by a super-admin are NOT_FOUND: ListUsers of
/// a missing organization or tenant, ListTenants of a missing organization.
/// Existing but empty ones list nothing, with an empty token.
#[tokio::test]
async fn lookups_of_missing_objects() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    for of in [
        Of::users("nope"),
        Of::tenant_users("nope"),
        Of::Users {
            org: "default".into(),
            tenant: "nope".into(),
        },
        Of::tenants("nope"),
    ] {
        assert_code(page(&mut a, &of, 0, "").await, Code::NotFound);
    }
    s.org("empty").await;
    s.tenant("lonely", "default").await;
    for of in [
        Of::users("empty"),
        Of::tenants("empty"),
        Of::tenant_users("lonely"),
    ] {
        assert_eq!(
            page(&mut a, &of, 0, "").await.unwrap(),
            (vec![], String::new()),
            "{of:?}"
        );
    }
}

/// ListUsers of `org` and `tenant` (either may be empty) looking up `user`:
/// the ids of the page and its token.
async fn lookup(
    c: &mut Client,
    org: &str,
    tenant: &str,
    user: &str,
) -> Result<(Vec<String>, String), Status> {
    let res = c
        .list_users(pb::ListUsersRequest {
            lookup_org_id: org.into(),
            lookup_tenant_id: tenant.into(),
            lookup_user_id: user.into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    Ok((
        res.users.into_iter().map(|u| u.id).collect(),
        res.next_page_token,
    ))
}

/// ListUsers with `lookup_user_id` answers a page of that user alone when it
/// is among the users the request lists (the organization, the tenant, the
/// caller's scope, after the page token), else an empty page, never
/// NOT_FOUND; the user is listed whole. The id is validated, as are the page
/// size and token, and authorization is the list's: an organization outside
/// the caller's scope is PERMISSION_DENIED, a missing one NOT_FOUND.
#[tokio::test]
async fn list_users_lookup_user() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.org("beta").await;
    s.tenant("t1", "acme").await;
    s.tenant("t2", "acme").await;
    s.tenant("t3", "beta").await;
    let mut a = s.admin();
    for (of, id) in [
        (Of::tenant_users("t1"), "a"),
        (Of::tenant_users("t2"), "b"),
        (Of::users("acme"), "c"),
        (Of::tenant_users("t3"), "j"),
    ] {
        create(&mut a, &of, id).await;
    }
    let one = |id: &str| (vec![id.to_string()], String::new());
    let none = || (vec![], String::new());

    // Found, in its organization and in its tenant; the whole user.
    assert_eq!(lookup(&mut a, "acme", "", "a").await.unwrap(), one("a"));
    assert_eq!(lookup(&mut a, "acme", "", "c").await.unwrap(), one("c"));
    assert_eq!(lookup(&mut a, "", "t1", "a").await.unwrap(), one("a"));
    assert_eq!(lookup(&mut a, "acme", "t1", "a").await.unwrap(), one("a"));
    let whole = a
        .list_users(pb::ListUsersRequest {
            lookup_org_id: "acme".into(),
            lookup_user_id: "a".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .users;
    assert_eq!(whole.len(), 1);
    assert_eq!(
        (whole[0].org_id.as_str(), whole[0].tenant_id.as_str()),
        ("acme", "t1")
    );
    assert!(whole[0].created_at > 0);

    // Not found, or outside the listed organization or tenant: empty.
    assert_eq!(lookup(&mut a, "acme", "", "nobody").await.unwrap(), none());
    assert_eq!(lookup(&mut a, "acme", "", "j").await.unwrap(), none());
    assert_eq!(lookup(&mut a, "", "t1", "b").await.unwrap(), none());
    assert_eq!(lookup(&mut a, "", "t1", "c").await.unwrap(), none());
    assert_eq!(lookup(&mut a, "", "", "a").await.unwrap(), none()); // admin's: default
    assert_eq!(lookup(&mut a, "beta", "", "j").await.unwrap(), one("j"));
    // Not after the page token: empty.
    let (_, token) = page(&mut a, &Of::users("acme"), 1, "").await.unwrap();
    assert!(!token.is_empty());
    let past = |user: &str| pb::ListUsersRequest {
        lookup_org_id: "acme".into(),
        lookup_user_id: user.into(),
        page_token: token.clone(),
        ..Default::default()
    };
    let ids = |res: pb::ListUsersResponse| -> Vec<String> {
        res.users.into_iter().map(|u| u.id).collect()
    };
    assert!(ids(a.list_users(past("a")).await.unwrap().into_inner()).is_empty());
    assert_eq!(
        ids(a.list_users(past("b")).await.unwrap().into_inner()),
        ["b"]
    );

    // Validation: the id, the page size and the page token.
    assert_invalid(lookup(&mut a, "acme", "", "bad id").await, "lookup_user_id");
    assert_invalid(lookup(&mut a, "acme", "", "-a").await, "lookup_user_id");
    assert_invalid(
        a.list_users(pb::ListUsersRequest {
            lookup_user_id: "a".into(),
            page_size: -1,
            ..Default::default()
        })
        .await,
        "page_size",
    );
    assert_invalid(
        a.list_users(pb::ListUsersRequest {
            lookup_user_id: "a".into(),
            page_token: "!".into(),
            ..Default::default()
        })
        .await,
        "page_token",
    );
    // A missing organization or tenant is NOT_FOUND, as without the lookup.
    assert_code(lookup(&mut a, "nope", "", "a").await, Code::NotFound);
    assert_code(lookup(&mut a, "", "nope", "a").await, Code::NotFound);

    // Scope: an org-admin of acme finds acme's users only; naming beta is
    // PERMISSION_DENIED. A tenant-admin of t1 finds t1's users only. A plain
    // user may not list users at all.
    let org_admin = s.user("oa", "acme", "", &["org-admin"]).await;
    let mut oa = s.client(&org_admin);
    assert_eq!(lookup(&mut oa, "", "", "b").await.unwrap(), one("b"));
    assert_eq!(lookup(&mut oa, "", "", "j").await.unwrap(), none());
    assert_code(
        lookup(&mut oa, "beta", "", "j").await,
        Code::PermissionDenied,
    );
    assert_code(lookup(&mut oa, "", "t3", "j").await, Code::PermissionDenied);
    let tenant_admin = s.user("ta", "acme", "t1", &["tenant-admin"]).await;
    let mut ta = s.client(&tenant_admin);
    assert_eq!(lookup(&mut ta, "", "", "a").await.unwrap(), one("a"));
    assert_eq!(lookup(&mut ta, "", "", "b").await.unwrap(), none());
    assert_eq!(lookup(&mut ta, "", "", "c").await.unwrap(), none());
    assert_code(lookup(&mut ta, "", "t2", "b").await, Code::PermissionDenied);
    let plain = s.user("pu", "acme", "t1", &["user"]).await;
    assert_code(
        lookup(&mut s.client(&plain), "", "", "pu").await,
        Code::PermissionDenied,
    );
}
