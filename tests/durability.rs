//! Durability and atomicity of writes (docs/contract.md §7): acknowledged
//! writes survive `kill -9`; concurrent creates of one id give exactly one
//! winner.

mod common;

use std::{
    collections::BTreeSet,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
};

use common::{client_on, ServerProcess, TestServer};
use roster::pb;
use tonic::Code;

fn user(id: &str, org: &str) -> pb::CreateUserRequest {
    pb::CreateUserRequest {
        user: Some(pb::User {
            id: id.into(),
            name: format!("User {id}"),
            org_id: org.into(),
            ..Default::default()
        }),
    }
}

/// 64 concurrent writers create users and set configuration until the
/// server is killed with SIGKILL mid-load; after a restart every
/// acknowledged user and configuration value is there, complete, and
/// `roster check` finds records and indexes in agreement. Three kill cycles
/// on one data directory, then a last check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let data_dir = tempfile::tempdir().unwrap();
    let key = roster::auth::keys::generate().unwrap().expose().to_owned();
    let env = [("ROSTER_BOOTSTRAP_KEY", key.as_str())];
    let mut acked: BTreeSet<String> = BTreeSet::new();
    for cycle in 0..4 {
        let server = ServerProcess::spawn(data_dir.path(), &env, &[]);
        let channel = server.channel();
        common::wait_serving(channel.clone()).await;

        // Everything acknowledged in earlier cycles is still there.
        let present: BTreeSet<String> =
            common::all_users(&mut client_on(channel.clone(), Some(&key), None), "default")
                .await
                .into_iter()
                .filter(|u| u.id != "admin")
                .map(|u| {
                    assert_eq!(u.name, format!("User {}", u.id), "record intact");
                    u.id
                })
                .collect();
        let missing: Vec<_> = acked
            .iter()
            .filter(|id| id.starts_with('u') && !present.contains(*id))
            .collect();
        assert!(missing.is_empty(), "cycle {cycle}: lost {missing:?}");
        let config = client_on(channel.clone(), Some(&key), None)
            .update_config(pb::UpdateConfigRequest::default())
            .await
            .unwrap()
            .into_inner()
            .configs
            .unwrap_or_default();
        for id in &acked {
            if let Some(n) = id.strip_prefix("c") {
                assert!(config.fields.contains_key(n), "config key {n} lost");
            }
        }

        if cycle == 3 {
            break;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for w in 0..64 {
            let channel = channel.clone();
            let key = key.clone();
            let stop = stop.clone();
            let count = count.clone();
            tasks.push(tokio::spawn(async move {
                let mut client = client_on(channel, Some(&key), None);
                let mut mine = Vec::new();
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let id = format!("u{cycle}-{w}-{i}");
                    let result = if w % 8 == 0 {
                        // Some writers update the admin's configuration.
                        let name = format!("{cycle}-{w}-{i}");
                        let mut updated = prost_types::Struct::default();
                        updated.fields.insert(
                            name.clone(),
                            prost_types::Value {
                                kind: Some(prost_types::value::Kind::NumberValue(i as f64)),
                            },
                        );
                        client
                            .update_config(pb::UpdateConfigRequest {
                                updated: Some(updated),
                                deleted: vec![],
                            })
                            .await
                            .map(|_| format!("c{name}"))
                    } else {
                        client.create_user(user(&id, "default")).await.map(|_| id)
                    };
                    match result {
                        Ok(id) => {
                            mine.push(id);
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        // The server died under this call: unacknowledged.
                        Err(_) => break,
                    }
                }
                mine
            }));
        }
        // Kill once enough writes are acknowledged, while writers still run.
        let target = 300;
        while count.load(Ordering::Relaxed) < target {
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        // The killed store's records and indexes agree.
        let check = common::roster_check(data_dir.path());
        assert!(
            check.status.success(),
            "cycle {cycle}: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        for task in tasks {
            acked.extend(task.await.unwrap());
        }
        assert!(acked.len() >= target * (cycle + 1));
    }
    assert!(acked.len() >= 900);
}

/// 32 racing CreateUser calls for one id: exactly one OK, 31 ALREADY_EXISTS;
/// the same for tenants and organizations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_creates_have_one_winner() {
    let s = TestServer::start().await;
    let mut users = Vec::new();
    let mut tenants = Vec::new();
    let mut orgs = Vec::new();
    for _ in 0..32 {
        let mut c = s.admin();
        users.push(tokio::spawn(async move {
            c.create_user(user("racer", "")).await
        }));
        let mut c = s.admin();
        tenants.push(tokio::spawn(async move {
            c.create_tenant(pb::CreateTenantRequest {
                tenant: Some(pb::Tenant {
                    id: "racer-t".into(),
                    name: "t".into(),
                    ..Default::default()
                }),
            })
            .await
        }));
        let mut c = s.admin();
        orgs.push(tokio::spawn(async move {
            c.create_organization(pb::CreateOrganizationRequest {
                organization: Some(pb::Organization {
                    id: "racer-o".into(),
                    name: "o".into(),
                    ..Default::default()
                }),
            })
            .await
        }));
    }
    for group in [users, tenants, orgs] {
        let mut ok = 0;
        let mut exists = 0;
        for task in group {
            match task.await.unwrap() {
                Ok(_) => ok += 1,
                Err(s) if s.code() == Code::AlreadyExists => exists += 1,
                Err(s) => panic!("unexpected {s:?}"),
            }
        }
        assert_eq!((ok, exists), (1, 31));
    }
}
