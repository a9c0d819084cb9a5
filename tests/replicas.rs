//! Several roster replicas on one PostgreSQL database (a fresh database of
//! the test process's throwaway cluster each), racing through different
//! replicas: the store's invariants hold across processes as they hold in
//! one.

mod common;

use std::time::Duration;

use common::{assert_code, futures_join_all, pg, TestServer};
use roster::pb;
use tonic::Code;

/// `roster check` of a PostgreSQL store finds it consistent.
fn assert_consistent(db: &str) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["check", "--store", db])
        .env_remove("ROSTER_STORE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Three replicas starting at once on an empty database create the schema
/// once and bootstrap once: one schema version row, one organization
/// `default`, one `admin`, one key; every replica authenticates the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_start_together_on_an_empty_database() {
    let db = pg::database();
    let replicas = TestServer::replicas(3, &db).await;
    assert_eq!(pg::psql_url(&db, "SELECT count(*) FROM roster_schema"), "1");
    assert_eq!(pg::psql_url(&db, "SELECT count(*) FROM orgs"), "1");
    assert_eq!(pg::psql_url(&db, "SELECT count(*) FROM users"), "1");
    assert_eq!(pg::psql_url(&db, "SELECT count(*) FROM access_keys"), "1");
    for r in &replicas {
        let info = r.admin().get_info(pb::GetUserInfoRequest {}).await.unwrap();
        assert_eq!(info.into_inner().id, "admin");
    }
    assert_consistent(&db);
}

/// A replica whose build expects another schema version than the
/// database's stays NOT_SERVING (calls UNAVAILABLE) and turns SERVING once
/// the schema is one it knows.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_schema_version_keeps_a_replica_not_serving() {
    let db = pg::database();
    let first = TestServer::replicas(1, &db).await;
    drop(first);
    pg::psql_url(&db, "UPDATE roster_schema SET version = 99");
    let key = roster::auth::keys::generate().unwrap().expose().to_owned();
    let db2 = db.clone();
    let starting = tokio::spawn(TestServer::start_keyed(key, move |args| {
        args.store = Some(db2)
    }));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !starting.is_finished(),
        "a replica served a schema it does not know"
    );
    pg::psql_url(&db, "UPDATE roster_schema SET version = 1");
    let replica = tokio::time::timeout(Duration::from_secs(10), starting)
        .await
        .expect("SERVING once the schema is known")
        .unwrap();
    let info = replica.admin().get_info(pb::GetUserInfoRequest {}).await;
    // The bootstrap happened with the first replica's key, not this one's.
    assert_code(info, Code::Unauthenticated);
}

fn user(id: &str, org: &str, roles: &[&str]) -> pb::User {
    pb::User {
        id: id.into(),
        name: format!("User {id}"),
        org_id: org.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        ..Default::default()
    }
}

/// 32 creates of one user id, spread over three replicas at once: exactly
/// one OK, every other ALREADY_EXISTS.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_creates_across_replicas() {
    let db = pg::database();
    let replicas = TestServer::replicas(3, &db).await;
    let calls = (0..32).map(|i| {
        let mut c = replicas[i % 3].admin();
        async move {
            c.create_user(pb::CreateUserRequest {
                user: Some(user("racer", "default", &[])),
            })
            .await
            .map(|_| ())
            .map_err(|s| s.code())
        }
    });
    let results = futures_join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let exists = results
        .iter()
        .filter(|r| **r == Err(Code::AlreadyExists))
        .count();
    assert_eq!((ok, exists), (1, 31), "{results:?}");
    assert_consistent(&db);
}

/// The last two super-admins demoting each other at once through two
/// replicas: never zero super-admins. One demotion wins; the other is
/// FAILED_PRECONDITION (the last super-admin) or, once the loser's replica
/// knows it was demoted, PERMISSION_DENIED. Five rounds, each on a fresh
/// database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn last_super_admins_demoting_each_other() {
    for round in 0..5 {
        let db = pg::database();
        let replicas = TestServer::replicas(3, &db).await;
        let key_a = replicas[0].user("a", "default", "", &["super-admin"]).await;
        let key_b = replicas[1].user("b", "default", "", &["super-admin"]).await;
        // admin steps aside: a and b are the last two.
        let mut step_aside = user("admin", "default", &["org-admin"]);
        step_aside.name = "admin".into();
        replicas[2]
            .client(&key_a)
            .update_user(pb::UpdateUserRequest {
                user: Some(step_aside),
                ..Default::default()
            })
            .await
            .unwrap();
        let demote = |replica: &TestServer, key: &str, target: &'static str| {
            let mut c = replica.client(key);
            async move {
                c.update_user(pb::UpdateUserRequest {
                    user: Some(user(target, "default", &["org-admin"])),
                    ..Default::default()
                })
                .await
                .map(|_| ())
                .map_err(|s| s.code())
            }
        };
        let (x, y) = tokio::join!(
            demote(&replicas[0], &key_a, "b"),
            demote(&replicas[1], &key_b, "a")
        );
        let supers = pg::psql_url(&db, "SELECT count(*) FROM users WHERE super_admin");
        assert_eq!(supers, "1", "round {round}: {x:?} {y:?}");
        let outcomes = [x, y];
        assert_eq!(
            outcomes.iter().filter(|r| r.is_ok()).count(),
            1,
            "{outcomes:?}"
        );
        assert!(
            outcomes.iter().all(|r| matches!(
                r,
                Ok(()) | Err(Code::FailedPrecondition) | Err(Code::PermissionDenied)
            )),
            "round {round}: {outcomes:?}"
        );
        assert_consistent(&db);
    }
}

/// A user at 99 keys, and 16 CreateAccessKey for it at once through three
/// replicas: exactly one OK, 15 RESOURCE_EXHAUSTED, 100 keys in the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn key_limit_across_replicas() {
    let db = pg::database();
    let replicas = TestServer::replicas(3, &db).await;
    replicas[0].user("holder", "default", "", &[]).await;
    for i in 1..99 {
        replicas[i % 3]
            .client_as(&replicas[0].admin_key, "holder")
            .create_access_key(pb::CreateAccessKeyRequest {
                name: format!("k{i}"),
            })
            .await
            .unwrap();
    }
    let calls = (0..16).map(|i| {
        let mut c = replicas[i % 3].client_as(&replicas[0].admin_key, "holder");
        async move {
            c.create_access_key(pb::CreateAccessKeyRequest {
                name: format!("race{i}"),
            })
            .await
            .map(|_| ())
            .map_err(|s| s.code())
        }
    });
    let results = futures_join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let full = results
        .iter()
        .filter(|r| **r == Err(Code::ResourceExhausted))
        .count();
    assert_eq!((ok, full), (1, 15), "{results:?}");
    let keys = pg::psql_url(
        &db,
        "SELECT count(*) FROM access_keys WHERE user_id = 'holder'",
    );
    assert_eq!(keys, "100");
    assert_consistent(&db);
}

/// Deleting an organization while users are created in it through other
/// replicas: never a user of a missing organization. Either the delete wins
/// (the creates after it are NOT_FOUND) or a create does (the delete is
/// FAILED_PRECONDITION). Five rounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleting_an_organization_while_users_arrive() {
    let db = pg::database();
    let replicas = TestServer::replicas(3, &db).await;
    for round in 0..5 {
        let org = format!("doomed{round}");
        replicas[0].org(&org).await;
        let mut deleter = replicas[0].admin();
        let delete = {
            let org = org.clone();
            async move {
                deleter
                    .delete_organization(pb::DeleteOrganizationRequest { id: org })
                    .await
                    .map(|_| ())
                    .map_err(|s| s.code())
            }
        };
        let creates = (0..16).map(|i| {
            let mut c = replicas[1 + i % 2].admin();
            let u = user(&format!("{org}-u{i}"), &org, &[]);
            async move {
                c.create_user(pb::CreateUserRequest { user: Some(u) })
                    .await
                    .map(|_| ())
                    .map_err(|s| s.code())
            }
        });
        let (deleted, created) = tokio::join!(delete, futures_join_all(creates));
        let orphans = pg::psql_url(
            &db,
            "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = u.org_id)",
        );
        assert_eq!(orphans, "0", "round {round}: {deleted:?} {created:?}");
        let made = created.iter().filter(|r| r.is_ok()).count();
        match deleted {
            Ok(()) => assert!(
                created
                    .iter()
                    .all(|r| r.is_ok() || *r == Err(Code::NotFound)),
                "{created:?}"
            ),
            Err(code) => {
                assert_eq!(code, Code::FailedPrecondition);
                assert!(made > 0);
            }
        }
        if deleted.is_ok() {
            assert_eq!(made, 0, "users were made in a deleted organization");
        }
    }
    assert_consistent(&db);
}

/// What one change did to the caller `u` on the other replica.
#[derive(Clone, Copy, Debug)]
enum Change {
    KeyDeleted,
    UserDeleted,
    RoleLowered,
}

/// A change made through replica A reaches replica B's caches (which had
/// just authenticated the caller) within the staleness bound: a deleted
/// key or user is refused, a lowered role shows. Each both with B's change
/// notifications working and with B's notification connection cut
/// (`pg_terminate_backend`) just before the change (B notices and forgets
/// its cache), and once for a change that sends no notification at all (a
/// row deleted in SQL), which only the periodic tick bounds. Prints each
/// measured delay.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn caches_follow_changes_across_replicas() {
    const B_LISTENS: &str = "SELECT count(*) FROM pg_stat_activity \
        WHERE application_name = 'roster-b' AND query LIKE 'LISTEN%'";
    const STALENESS: Duration = Duration::from_millis(1000);
    const MARGIN: Duration = Duration::from_millis(300);
    let db = pg::database();
    let key = roster::auth::keys::generate().unwrap().expose().to_owned();
    let a_url = format!("{db}?application_name=roster-a");
    let b_url = format!("{db}?application_name=roster-b");
    let a = TestServer::start_keyed(key.clone(), |args| args.store = Some(a_url)).await;
    let b = TestServer::start_keyed(key, |args| {
        args.store = Some(b_url);
        args.cache_staleness = STALENESS;
    })
    .await;
    let mut worst = Duration::ZERO;
    for (i, change) in [Change::KeyDeleted, Change::UserDeleted, Change::RoleLowered]
        .into_iter()
        .enumerate()
    {
        for cut in [false, true] {
            // B listens again (after the previous round's cut).
            let listening = std::time::Instant::now();
            while pg::psql_url(&db, B_LISTENS) != "1" {
                assert!(
                    listening.elapsed() < Duration::from_secs(10),
                    "B never listens again"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let id = format!("u{i}{}", if cut { "-cut" } else { "" });
            let secret = a.user(&id, "default", "", &["org-admin"]).await;
            let info = b.client(&secret).get_info(pb::GetUserInfoRequest {}).await;
            assert_eq!(info.unwrap().into_inner().roles, ["org-admin"]);
            if cut {
                let killed = pg::psql_url(
                    &db,
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE application_name = 'roster-b' AND query LIKE 'LISTEN%'",
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
                assert_eq!(killed, "1", "B's notification connection");
            }
            let mut admin = a.admin();
            match change {
                Change::KeyDeleted => {
                    let mut owner = a.client(&secret);
                    let keys = owner
                        .list_access_keys(pb::GetAccessKeyRequest::default())
                        .await
                        .unwrap()
                        .into_inner();
                    owner
                        .delete_access_key(pb::DelAccessKeyRequest {
                            names: keys.access_keys.into_iter().map(|k| k.name).collect(),
                            ..Default::default()
                        })
                        .await
                        .unwrap();
                }
                Change::UserDeleted => {
                    admin
                        .delete_user(pb::DeleteUserRequest { id: id.clone() })
                        .await
                        .unwrap();
                }
                Change::RoleLowered => {
                    admin
                        .update_user(pb::UpdateUserRequest {
                            user: Some(user(&id, "default", &["user"])),
                            ..Default::default()
                        })
                        .await
                        .unwrap();
                }
            }
            let changed = std::time::Instant::now();
            loop {
                let seen = match b.client(&secret).get_info(pb::GetUserInfoRequest {}).await {
                    Err(status) => status.code() == Code::Unauthenticated,
                    Ok(info) => info.into_inner().roles == ["user"],
                };
                if seen {
                    break;
                }
                assert!(
                    changed.elapsed() <= STALENESS + MARGIN,
                    "{change:?} (notifications cut: {cut}) not seen by B after {:?}",
                    changed.elapsed()
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let delay = changed.elapsed();
            worst = worst.max(delay);
            eprintln!("{change:?}, notifications cut: {cut}: seen by B after {delay:?}");
        }
    }
    // A change no notification reports (made in SQL, as by an operator):
    // only the tick bounds how long B's cache keeps the caller.
    let secret = a.user("silent", "default", "", &["org-admin"]).await;
    b.client(&secret)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap();
    pg::psql_url(&db, "DELETE FROM access_keys WHERE user_id = 'silent'");
    let changed = std::time::Instant::now();
    while b
        .client(&secret)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .is_ok()
    {
        assert!(
            changed.elapsed() <= STALENESS + MARGIN,
            "a silent change not seen by B after {:?}",
            changed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let delay = changed.elapsed();
    eprintln!("a change without notification: seen by B after {delay:?}");
    worst = worst.max(delay);
    eprintln!("worst delay {worst:?}, bound {STALENESS:?}");
}

/// TLS to the database: with `sslmode=require` and the CA in
/// `sslrootcert` roster connects over TLS (PostgreSQL says so in
/// `pg_stat_ssl`) and serves; without the CA the server's certificate is
/// refused and `roster migrate` exits 2 naming the certificate; with
/// `sslmode=disable` the same server is reached in plaintext.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tls_to_the_database() {
    let (db, ca) = pg::tls_database();
    let url = format!(
        "{db}?sslmode=require&sslrootcert={}&application_name=roster-tls",
        ca.display()
    );
    let replica = TestServer::replicas(1, &url).await.remove(0);
    let info = replica.admin().get_info(pb::GetUserInfoRequest {}).await;
    assert_eq!(info.unwrap().into_inner().id, "admin");
    let name = db.rsplit('/').next().unwrap();
    let encrypted = pg::psql_on_port(
        pg::tls_port(),
        name,
        "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'roster-tls'",
    );
    assert_eq!(encrypted, "t");

    let unverified = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["migrate", "--store", &format!("{db}?sslmode=require")])
        .env_remove("ROSTER_STORE")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&unverified.stderr);
    assert_eq!(unverified.status.code(), Some(2), "{said}");
    assert!(said.contains("certificate"), "{said}");

    let plain = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["check", "--store", &format!("{db}?sslmode=disable")])
        .env_remove("ROSTER_STORE")
        .output()
        .unwrap();
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
}
