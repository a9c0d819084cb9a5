//! Access keys, authentication, bootstrap and impersonation
//! (docs/contract.md §3).

mod common;

use common::{assert_code, assert_invalid, client_on, TestServer};
use roster::pb;
use tonic::Code;

fn create(name: &str) -> pb::CreateAccessKeyRequest {
    pb::CreateAccessKeyRequest { name: name.into() }
}

/// A new key is returned once, in roster's format; it authenticates its
/// user; lists show it redacted, sorted by name; it never shows again.
#[tokio::test]
async fn key_lifecycle() {
    let s = TestServer::start().await;
    let bob = s.user("bob", "default", "", &[]).await;
    let mut bob_client = s.client(&bob);
    let created = bob_client
        .create_access_key(create("ci.deploy"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.access_keys.len(), 1);
    let key = &created.access_keys[0];
    assert_eq!(key.name, "ci.deploy");
    assert_eq!(key.user_id, "bob");
    assert!(key.access_key.starts_with("rk_"));
    assert_eq!(key.access_key.len(), 52);
    assert!(
        key.created_at > 1_700_000_000_000,
        "milliseconds: {}",
        key.created_at
    );
    assert_eq!(created.next_page_token, "");

    let info = s
        .client(&key.access_key)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.id, "bob");

    let listed = bob_client
        .list_access_keys(pb::GetAccessKeyRequest::default())
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = listed.access_keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names.len(), 2);
    assert_eq!(names[0], "ci.deploy");
    let shown = &listed.access_keys[0];
    let tail = &key.access_key[key.access_key.len() - 4..];
    assert_eq!(shown.access_key, format!("rk_…{tail}"));
    assert_eq!(shown.created_at, key.created_at);
    for k in &listed.access_keys {
        assert!(!k.access_key.contains(&key.access_key[3..20]));
        assert!(!k.access_key.contains(&bob[3..20]));
    }
}

/// Names are unique per user, validated, and at most 100 keys per user.
#[tokio::test]
async fn key_names_and_limit() {
    let s = TestServer::start().await;
    let carol = s.user("carol", "default", "", &[]).await;
    let mut c = s.client(&carol);
    c.create_access_key(create("a")).await.unwrap();
    assert_code(c.create_access_key(create("a")).await, Code::AlreadyExists);
    assert_invalid(c.create_access_key(create("")).await, "name");
    assert_invalid(c.create_access_key(create("has space")).await, "name");
    assert_invalid(c.create_access_key(create(&"x".repeat(65))).await, "name");
    c.create_access_key(create(&"x".repeat(64))).await.unwrap();
    // carol has 3 keys (one from the harness); fill up to 100.
    for i in 3..100 {
        c.create_access_key(create(&format!("k-{i:03}")))
            .await
            .unwrap();
    }
    assert_code(
        c.create_access_key(create("one-too-many")).await,
        Code::ResourceExhausted,
    );
    // Another user is unaffected: the limit is per user, the name too.
    let dave = s.user("dave", "default", "", &[]).await;
    s.client(&dave)
        .create_access_key(create("a"))
        .await
        .unwrap();
}

/// DeleteAccessKey deletes all named keys or none, and a deleted key fails
/// its very next call.
#[tokio::test]
async fn delete_keys_all_or_nothing() {
    let s = TestServer::start().await;
    let erin = s.user("erin", "default", "", &[]).await;
    let mut e = s.client(&erin);
    let k1 = e
        .create_access_key(create("one"))
        .await
        .unwrap()
        .into_inner();
    e.create_access_key(create("two")).await.unwrap();
    let k1 = k1.access_keys[0].access_key.clone();

    assert_invalid(
        e.delete_access_key(pb::DelAccessKeyRequest {
            names: vec![],
            ..Default::default()
        })
        .await,
        "names",
    );
    assert_invalid(
        e.delete_access_key(pb::DelAccessKeyRequest {
            names: vec!["one".into(), "bad name".into()],
            ..Default::default()
        })
        .await,
        "names[1]",
    );
    assert_code(
        e.delete_access_key(pb::DelAccessKeyRequest {
            names: vec!["one".into(), "missing".into()],
            ..Default::default()
        })
        .await,
        Code::NotFound,
    );
    // Nothing was deleted: `one` still works.
    s.client(&k1)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap();

    e.delete_access_key(pb::DelAccessKeyRequest {
        names: vec!["one".into(), "two".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_code(
        s.client(&k1).get_info(pb::GetUserInfoRequest {}).await,
        Code::Unauthenticated,
    );
    let left = e
        .list_access_keys(pb::GetAccessKeyRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(left.access_keys.len(), 1);
}

/// DeleteAccessKey with `allow_missing` skips names the caller has no key
/// of and deletes the others; without it the same request is NOT_FOUND and
/// deletes nothing. Names are validated either way.
#[tokio::test]
async fn delete_keys_allow_missing() {
    let s = TestServer::start().await;
    let fay = s.user("fay", "default", "", &[]).await;
    let mut f = s.client(&fay);
    let mut secrets = Vec::new();
    for name in ["one", "two", "three"] {
        let res = f.create_access_key(create(name)).await.unwrap();
        secrets.push(res.into_inner().access_keys[0].access_key.clone());
    }
    let names = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    // allow_missing false (the default): NOT_FOUND naming the missing key,
    // and nothing deleted.
    let status = assert_code(
        f.delete_access_key(pb::DelAccessKeyRequest {
            names: names(&["one", "gone", "two"]),
            allow_missing: false,
        })
        .await,
        Code::NotFound,
    );
    assert!(status.message().contains("`gone`"), "{status:?}");
    assert_eq!(key_names(&mut f).await.len(), 4);
    // Malformed names stay INVALID_ARGUMENT with allow_missing.
    assert_invalid(
        f.delete_access_key(pb::DelAccessKeyRequest {
            names: names(&["one", "bad name"]),
            allow_missing: true,
        })
        .await,
        "names[1]",
    );
    assert_invalid(
        f.delete_access_key(pb::DelAccessKeyRequest {
            names: vec![],
            allow_missing: true,
        })
        .await,
        "names",
    );
    assert_eq!(key_names(&mut f).await.len(), 4);

    // allow_missing true: the present keys go, the missing names are skipped.
    f.delete_access_key(pb::DelAccessKeyRequest {
        names: names(&["gone", "one", "also-gone", "two", "one"]),
        allow_missing: true,
    })
    .await
    .unwrap();
    // Left: fay's first key (made by the harness, `k…`) and `three`.
    let left = key_names(&mut f).await;
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left[0].starts_with('k') && left[1] == "three", "{left:?}");
    for secret in &secrets[..2] {
        assert_code(
            s.client(secret).get_info(pb::GetUserInfoRequest {}).await,
            Code::Unauthenticated,
        );
    }
    s.client(&secrets[2])
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap();
    // Only missing names: OK, and nothing changes.
    f.delete_access_key(pb::DelAccessKeyRequest {
        names: names(&["one", "two"]),
        allow_missing: true,
    })
    .await
    .unwrap();
    assert_eq!(key_names(&mut f).await, left);
}

/// The names of the caller's keys, sorted.
async fn key_names(c: &mut common::Client) -> Vec<String> {
    let keys = c
        .list_access_keys(pb::GetAccessKeyRequest::default())
        .await
        .unwrap()
        .into_inner();
    keys.access_keys.into_iter().map(|k| k.name).collect()
}

/// Missing, malformed, mistyped, unknown and deleted keys all get
/// UNAUTHENTICATED with the same message; health needs no key.
#[tokio::test]
async fn authentication_failures_look_alike() {
    let s = TestServer::start().await;
    let real = s.user("frank", "default", "", &[]).await;
    let mut typo = real.clone().into_bytes();
    typo[10] = if typo[10] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap();
    let unknown = roster::auth::keys::generate().unwrap().expose().to_owned();

    let mut messages = Vec::new();
    let mut check = |status: tonic::Status| {
        assert_eq!(status.code(), Code::Unauthenticated);
        messages.push(status.message().to_owned());
    };
    check(
        s.anonymous()
            .get_info(pb::GetUserInfoRequest {})
            .await
            .unwrap_err(),
    );
    for key in [typo.as_str(), unknown.as_str(), "short", "rk_short"] {
        check(
            s.client(key)
                .get_info(pb::GetUserInfoRequest {})
                .await
                .unwrap_err(),
        );
    }
    for header in [
        format!("Basic {real}"),
        format!("Bearer  {real}"),
        real.clone(),
    ] {
        let mut c = client_on(s.channel(), None, None);
        let mut req = tonic::Request::new(pb::GetUserInfoRequest {});
        req.metadata_mut()
            .insert("authorization", header.parse().unwrap());
        check(c.get_info(req).await.unwrap_err());
    }
    assert!(messages.iter().all(|m| m == &messages[0]), "{messages:?}");
    assert!(!messages[0].contains(&real[..10]));

    // The scheme is case-insensitive.
    let mut c = client_on(s.channel(), None, None);
    let mut req = tonic::Request::new(pb::GetUserInfoRequest {});
    req.metadata_mut()
        .insert("authorization", format!("bEARer {real}").parse().unwrap());
    assert_eq!(c.get_info(req).await.unwrap().into_inner().id, "frank");
}

/// The bootstrap key from ROSTER_BOOTSTRAP_KEY authenticates user `admin`
/// (super-admin of organization `default`), listed redacted as `bootstrap`.
#[tokio::test]
async fn bootstrap_from_key() {
    let s = TestServer::start().await;
    let info = s
        .admin()
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.id, "admin");
    assert_eq!(info.roles, ["super-admin"]);
    assert_eq!(
        info.permissions,
        [
            "orgs:read",
            "orgs:write",
            "self:access-keys",
            "self:config",
            "self:read",
            "tenants:read",
            "tenants:write",
            "users:read",
            "users:write"
        ]
    );
    let keys = s
        .admin()
        .list_access_keys(pb::GetAccessKeyRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(keys.access_keys.len(), 1);
    assert_eq!(keys.access_keys[0].name, "bootstrap");
    assert_eq!(keys.access_keys[0].user_id, "admin");
    let orgs = s
        .admin()
        .list_organizations(pb::ListOrganizationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(orgs.organizations.len(), 1);
    assert_eq!(orgs.organizations[0].id, "default");
    // No key file when the key came from the environment.
    assert!(!s.data_dir.path().join("bootstrap.key").exists());
}

/// Without ROSTER_BOOTSTRAP_KEY a fresh key is written to
/// `<data-dir>/bootstrap.key` with mode 0600; a restart never bootstraps
/// again (the file is not rewritten and the old key still works).
#[tokio::test]
async fn bootstrap_key_file() {
    use std::os::unix::fs::PermissionsExt;
    common::init_logs();
    let data_dir = tempfile::tempdir().unwrap();
    let start = |dir: std::path::PathBuf| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(roster::server::run(
            common::test_args(dir),
            listener,
            async {
                let _ = stopped.await;
            },
        ));
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect_lazy();
        common::wait_serving(channel.clone()).await;
        (channel, stop, task)
    };
    let (channel, stop, task) = start(data_dir.path().to_path_buf()).await;
    let path = data_dir.path().join("bootstrap.key");
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let key = std::fs::read_to_string(&path).unwrap().trim().to_owned();
    assert!(roster::auth::keys::plausible(&key));
    let info = client_on(channel, Some(&key), None)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.id, "admin");
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();

    let (channel, stop, task) = start(data_dir.path().to_path_buf()).await;
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), key);
    let keys = client_on(channel, Some(&key), None)
        .list_access_keys(pb::GetAccessKeyRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(keys.access_keys.len(), 1);
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

/// Impersonation: an admin acts as a user it may update, e.g. to issue a
/// service account's key; never as a user ranking above it or outside its
/// scope.
#[tokio::test]
async fn impersonation() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.org("globex").await;
    let oa = s.user("oa", "acme", "", &["org-admin"]).await;
    s.user("svc", "acme", "", &["app:robot"]).await;
    s.user("boss", "acme", "", &["super-admin"]).await;
    s.user("gx", "globex", "", &[]).await;

    // The org-admin issues a key for its service account.
    let created = s
        .client_as(&oa, "svc")
        .create_access_key(create("robot"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.access_keys[0].user_id, "svc");
    let svc_key = created.access_keys[0].access_key.clone();
    let info = s
        .client(&svc_key)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.id, "svc");
    assert_eq!(info.roles, ["app:robot"]);
    assert_eq!(
        info.permissions,
        ["self:access-keys", "self:config", "self:read"]
    );

    // GetInfo through impersonation shows the impersonated user.
    let info = s
        .client_as(&oa, "svc")
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.id, "svc");

    let denied = [("boss", &oa), ("gx", &oa), ("oa", &svc_key)];
    for (target, key) in denied {
        assert_code(
            s.client_as(key, target)
                .get_info(pb::GetUserInfoRequest {})
                .await,
            Code::PermissionDenied,
        );
    }
    assert_code(
        s.client_as(&oa, "nobody")
            .get_info(pb::GetUserInfoRequest {})
            .await,
        Code::NotFound,
    );
    assert_invalid(
        s.client_as(&oa, "bad id!")
            .get_info(pb::GetUserInfoRequest {})
            .await,
        "x-roster-impersonate-user",
    );
    // A bad key is UNAUTHENTICATED before anything else.
    assert_code(
        s.client_as("rk_nope", "bad id!")
            .get_info(pb::GetUserInfoRequest {})
            .await,
        Code::Unauthenticated,
    );
}

/// Authentication is cached between writes, never across one: a caller's
/// new roles show on its very next call, and a deleted user's key fails its
/// very next call, even right after calls that were answered from the cache.
#[tokio::test]
async fn cached_authentication_follows_every_write() {
    let s = TestServer::start().await;
    let key = s.user("gina", "default", "", &["app:a"]).await;
    let mut gina = s.client(&key);
    for _ in 0..3 {
        let info = gina
            .get_info(pb::GetUserInfoRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(info.roles, ["app:a"]);
    }
    s.admin()
        .update_user(pb::UpdateUserRequest {
            user: Some(pb::User {
                id: "gina".into(),
                roles: vec!["tenant-admin".into(), "app:b".into()],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let info = gina
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.roles, ["tenant-admin", "app:b"]);
    assert!(info.permissions.contains(&"users:write".to_string()));
    s.admin()
        .delete_user(pb::DeleteUserRequest { id: "gina".into() })
        .await
        .unwrap();
    assert_code(
        gina.get_info(pb::GetUserInfoRequest {}).await,
        Code::Unauthenticated,
    );
}

/// Impersonation is cached the same way: a change to the impersonated
/// user (or the impersonator) is in effect on the very next call, and
/// writes that cannot change either (configuration, new keys) do not stale
/// what is cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_impersonation_follows_every_write() {
    let s = TestServer::start().await;
    s.org("acme").await;
    let boss = s.user("boss", "acme", "", &["org-admin"]).await;
    s.user("hank", "acme", "", &["user"]).await;
    let mut as_hank = s.client_as(&boss, "hank");
    let config = |n: f64| pb::UpdateConfigRequest {
        updated: Some(prost_types::Struct {
            fields: [(
                "n".to_string(),
                prost_types::Value {
                    kind: Some(prost_types::value::Kind::NumberValue(n)),
                },
            )]
            .into(),
        }),
        deleted: vec![],
    };
    for n in 0..3 {
        as_hank.update_config(config(f64::from(n))).await.unwrap();
        as_hank
            .create_access_key(pb::CreateAccessKeyRequest {
                name: format!("k{n}"),
            })
            .await
            .unwrap();
        let info = as_hank
            .get_info(pb::GetUserInfoRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (info.id.as_str(), info.roles.as_slice()),
            ("hank", &["user".to_string()][..])
        );
    }
    // hank now ranks above boss: boss may no longer act as hank.
    set_role(&s, "hank", "super-admin").await;
    assert_code(
        as_hank.get_info(pb::GetUserInfoRequest {}).await,
        Code::PermissionDenied,
    );
    // Back to a user, then boss is demoted: boss may impersonate nobody.
    set_role(&s, "hank", "user").await;
    as_hank.update_config(config(9.0)).await.unwrap();
    set_role(&s, "boss", "user").await;
    assert_code(
        as_hank.update_config(config(10.0)).await,
        Code::PermissionDenied,
    );
    // hank is gone: NOT_FOUND once boss may impersonate again.
    set_role(&s, "boss", "org-admin").await;
    as_hank.get_info(pb::GetUserInfoRequest {}).await.unwrap();
    s.admin()
        .delete_user(pb::DeleteUserRequest { id: "hank".into() })
        .await
        .unwrap();
    assert_code(
        as_hank.get_info(pb::GetUserInfoRequest {}).await,
        Code::NotFound,
    );
}

/// Gives user `id` exactly the one role `role`, as the admin.
async fn set_role(s: &TestServer, id: &str, role: &str) {
    s.admin()
        .update_user(pb::UpdateUserRequest {
            user: Some(pb::User {
                id: id.into(),
                roles: vec![role.into()],
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
}

/// GetInfo answers the user as it is now: after UpdateUser changes the
/// caller's name, email and roles (and so its permissions and grantable
/// roles), the next GetInfo with the same key shows the change, also
/// through impersonation.
#[tokio::test]
async fn get_info_follows_updates() {
    let s = TestServer::start().await;
    s.org("acme").await;
    let key = s.user("ann", "acme", "", &["user"]).await;
    let mut ann = s.client(&key);
    let before = ann
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (before.roles.clone(), before.grantable_roles.clone()),
        (vec!["user".to_string()], vec![])
    );
    let seen_as = s
        .client_as(&s.admin_key, "ann")
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen_as, before);

    s.admin()
        .update_user(pb::UpdateUserRequest {
            user: Some(pb::User {
                id: "ann".into(),
                name: "Ann Admin".into(),
                email: "ann@acme.example".into(),
                org_id: "acme".into(),
                roles: vec!["org-admin".into()],
                ..Default::default()
            }),
            update_mask: None,
        })
        .await
        .unwrap();
    let after = ann
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.id, "ann");
    assert_eq!(after.name, "Ann Admin");
    assert_eq!(after.email, "ann@acme.example");
    assert_eq!(after.roles, ["org-admin"]);
    assert_eq!(after.grantable_roles, ["user", "tenant-admin", "org-admin"]);
    assert!(after.permissions.contains(&"users:write".to_string()));
    let seen_as = s
        .client_as(&s.admin_key, "ann")
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(seen_as, after);
}
