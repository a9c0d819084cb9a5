//! Crash cycles: mixed concurrent load → `kill -9` at a random moment →
//! `roster check` → restart → every acknowledged effect present, nothing
//! unacknowledged half-applied, checked against a model of the directory
//! built from the acknowledged operations.
//!
//! `ROSTER_CRASH_CYCLES` sets the number of cycles (20 by default).

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
};

use common::{client_on, ServerProcess};
use roster::pb;
use tonic::transport::Channel;

const WORKERS: usize = 16;
/// Organizations and tenants the load spreads users over.
const ORGS: [&str; 2] = ["o1", "o2"];
const TENANTS: [(&str, &str); 2] = [("t1", "o1"), ("t2", "o2")];

/// A user as the model knows it: (organization, tenant, name).
type UserState = (String, String, String);
/// A tenant as the model knows it: (organization, name).
type TenantState = (String, String);

/// What the directory must hold: built from acknowledged operations only.
/// An operation whose answer never came (the kill) leaves its object
/// `uncertain`: it may be there or not, but if there, whole.
#[derive(Default, Debug)]
struct Model {
    /// user id → (org, tenant, name)
    users: BTreeMap<String, UserState>,
    /// tenant id → org
    tenants: BTreeMap<String, TenantState>,
    /// key secret → (user, name)
    keys: BTreeMap<String, (String, String)>,
    /// keys deleted (acknowledged): must fail.
    revoked: BTreeSet<String>,
    /// admin configuration key → value
    config: BTreeMap<String, f64>,
    /// ids (users, tenants, config keys) whose last operation is unknown,
    /// with the states allowed for them.
    uncertain_users: BTreeMap<String, Vec<Option<UserState>>>,
    uncertain_tenants: BTreeSet<String>,
    uncertain_config: BTreeMap<String, Vec<Option<f64>>>,
    /// The operation a worker stopped at (for failure messages).
    last_failure: String,
}

/// One worker's pseudo-random choices (xorshift; seeded per worker and
/// cycle so that runs differ and failures can be replayed from the seed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn seed() -> u64 {
    let bytes = roster::auth::keys::digest(roster::auth::keys::generate().unwrap().expose());
    u64::from_le_bytes(bytes.0[..8].try_into().unwrap()) | 1
}

fn user_msg(id: &str, org: &str, tenant: &str, name: &str) -> pb::User {
    pb::User {
        id: id.into(),
        org_id: org.into(),
        tenant_id: tenant.into(),
        name: name.into(),
        ..Default::default()
    }
}

/// One worker: random operations on objects of its own (so workers never
/// race each other), until the server dies. Answers its part of the model.
async fn worker(
    channel: Channel,
    key: String,
    (tag, w): (String, usize),
    mut rng: Rng,
    acks: Arc<AtomicUsize>,
    config_value: Option<f64>,
) -> Model {
    let mut admin = client_on(channel.clone(), Some(&key), None);
    let mut m = Model::default();
    // The value of this worker's configuration key from earlier cycles.
    if let Some(v) = config_value {
        m.config.insert(format!("c{w}"), v);
    }
    let mut mine: Vec<String> = Vec::new();
    let mut my_tenants: Vec<String> = Vec::new();
    for i in 0.. {
        let op = rng.below(7);
        let ok = match op {
            // Create a user in a shared tenant, or in an organization only.
            0 | 1 => {
                let id = format!("u{tag}-{i}");
                let (tenant, org) = TENANTS[rng.below(2)];
                let (tenant, org) = if rng.below(2) == 0 {
                    (tenant, org)
                } else {
                    ("", ORGS[rng.below(2)])
                };
                let name = format!("n{i}");
                let r = admin
                    .create_user(pb::CreateUserRequest {
                        user: Some(user_msg(&id, org, tenant, &name)),
                    })
                    .await;
                let state = (org.to_owned(), tenant.to_owned(), name);
                match r {
                    Ok(_) => {
                        m.users.insert(id.clone(), state);
                        mine.push(id);
                        true
                    }
                    Err(e) => {
                        m.last_failure = format!("{e:?}");
                        m.uncertain_users.insert(id, vec![None, Some(state)]);
                        false
                    }
                }
            }
            // Rename one of mine (and maybe move it out of its tenant).
            2 if !mine.is_empty() => {
                let id = mine[rng.below(mine.len())].clone();
                let (org, tenant, _) = m.users[&id].clone();
                let tenant = if rng.below(3) == 0 {
                    String::new()
                } else {
                    tenant
                };
                let name = format!("r{i}");
                let r = admin
                    .update_user(pb::UpdateUserRequest {
                        user: Some(user_msg(&id, &org, &tenant, &name)),
                        ..Default::default()
                    })
                    .await;
                let new = (org, tenant, name);
                match r {
                    Ok(_) => {
                        m.users.insert(id, new);
                        true
                    }
                    Err(e) => {
                        m.last_failure = format!("{e:?}");
                        let old = m.users.remove(&id);
                        m.uncertain_users.insert(id, vec![old, Some(new)]);
                        false
                    }
                }
            }
            // Delete one of mine.
            3 if !mine.is_empty() => {
                let id = mine.swap_remove(rng.below(mine.len()));
                let r = admin
                    .delete_user(pb::DeleteUserRequest { id: id.clone() })
                    .await;
                let old = m.users.remove(&id);
                m.keys.retain(|_, (user, _)| *user != id);
                match r {
                    Ok(_) => true,
                    Err(e) => {
                        m.last_failure = format!("{e:?}");
                        m.uncertain_users.insert(id, vec![old, None]);
                        false
                    }
                }
            }
            // Issue a key for one of mine, or revoke one.
            4 if !mine.is_empty() => {
                let user = mine[rng.below(mine.len())].clone();
                let mut as_user = client_on(channel.clone(), Some(&key), Some(&user));
                let existing: Vec<String> = m
                    .keys
                    .iter()
                    .filter(|(_, (u, _))| *u == user)
                    .map(|(s, _)| s.clone())
                    .collect();
                if !existing.is_empty() && rng.below(3) == 0 {
                    let secret = existing[0].clone();
                    let name = m.keys[&secret].1.clone();
                    let r = as_user
                        .delete_access_key(pb::DelAccessKeyRequest {
                            names: vec![name],
                            ..Default::default()
                        })
                        .await;
                    match r {
                        Ok(_) => {
                            m.keys.remove(&secret);
                            m.revoked.insert(secret);
                            true
                        }
                        Err(e) => {
                            m.last_failure = format!("{e:?}");
                            m.keys.remove(&secret);
                            false
                        }
                    }
                } else {
                    let name = format!("k{i}");
                    match as_user
                        .create_access_key(pb::CreateAccessKeyRequest { name: name.clone() })
                        .await
                    {
                        Ok(r) => {
                            let secret = r.into_inner().access_keys[0].access_key.clone();
                            m.keys.insert(secret, (user, name));
                            true
                        }
                        Err(_) => false,
                    }
                }
            }
            // Create a tenant of mine, rename one, or delete one (they never
            // hold users).
            5 => {
                let choice = rng.below(3);
                if !my_tenants.is_empty() && choice == 1 {
                    let id = my_tenants[rng.below(my_tenants.len())].clone();
                    let name = format!("r{i}");
                    let r = admin
                        .update_tenant(pb::UpdateTenantRequest {
                            tenant: Some(pb::Tenant {
                                id: id.clone(),
                                name: name.clone(),
                                ..Default::default()
                            }),
                            ..Default::default()
                        })
                        .await;
                    match r {
                        Ok(_) => {
                            m.tenants.get_mut(&id).unwrap().1 = name;
                            true
                        }
                        Err(e) => {
                            m.last_failure = format!("{e:?}");
                            m.tenants.remove(&id);
                            m.uncertain_tenants.insert(id);
                            false
                        }
                    }
                } else if !my_tenants.is_empty() && choice == 0 {
                    let id = my_tenants.swap_remove(rng.below(my_tenants.len()));
                    let r = admin
                        .delete_tenant(pb::DeleteTenantRequest { id: id.clone() })
                        .await;
                    m.tenants.remove(&id);
                    if r.is_err() {
                        m.uncertain_tenants.insert(id);
                    }
                    r.is_ok()
                } else {
                    let id = format!("t{tag}-{i}");
                    let org = ORGS[rng.below(2)];
                    let r = admin
                        .create_tenant(pb::CreateTenantRequest {
                            tenant: Some(pb::Tenant {
                                id: id.clone(),
                                name: "t".into(),
                                org_id: org.into(),
                                ..Default::default()
                            }),
                        })
                        .await;
                    match r {
                        Ok(_) => {
                            m.tenants.insert(id.clone(), (org.into(), "t".into()));
                            my_tenants.push(id);
                            true
                        }
                        Err(e) => {
                            m.last_failure = format!("{e:?}");
                            m.uncertain_tenants.insert(id);
                            false
                        }
                    }
                }
            }
            // Set the admin's configuration key of this worker.
            _ => {
                // One key per worker, across cycles (a user has at most 256).
                let k = format!("c{w}");
                let v = i as f64;
                let mut updated = prost_types::Struct::default();
                updated.fields.insert(
                    k.clone(),
                    prost_types::Value {
                        kind: Some(prost_types::value::Kind::NumberValue(v)),
                    },
                );
                let r = admin
                    .update_config(pb::UpdateConfigRequest {
                        updated: Some(updated),
                        deleted: vec![],
                    })
                    .await;
                match r {
                    Ok(_) => {
                        m.config.insert(k, v);
                        true
                    }
                    Err(e) => {
                        m.last_failure = format!("{e:?}");
                        let old = m.config.remove(&k);
                        m.uncertain_config.insert(k, vec![old, Some(v)]);
                        false
                    }
                }
            }
        };
        if !ok {
            m.last_failure = format!("op {op} at step {i}: {}", m.last_failure);
            return m;
        }
        acks.fetch_add(1, Ordering::Relaxed);
    }
    unreachable!()
}

/// Every user and tenant in the load's organizations, as the admin sees them.
async fn snapshot(
    channel: Channel,
    key: &str,
) -> (BTreeMap<String, UserState>, BTreeMap<String, TenantState>) {
    let mut admin = client_on(channel, Some(key), None);
    let mut users = BTreeMap::new();
    let mut tenants = BTreeMap::new();
    for org in ORGS {
        for u in common::all_users(&mut admin, org).await {
            users.insert(u.id, (u.org_id, u.tenant_id, u.name));
        }
        let page = admin
            .list_tenants(pb::ListTenantsRequest {
                lookup_org_id: org.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.next_page_token.is_empty());
        for t in page.tenants {
            tenants.insert(t.id, (t.org_id, t.name));
        }
    }
    (users, tenants)
}

/// The crash cycles (see the module comment).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_cycles_keep_every_acknowledged_effect() {
    let cycles: usize = std::env::var("ROSTER_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let data_dir = tempfile::tempdir().unwrap();
    let key = roster::auth::keys::generate().unwrap().expose().to_owned();
    let env = [("ROSTER_BOOTSTRAP_KEY", key.as_str())];
    let mut model = Model::default();
    let mut total_acks = 0;
    let mut rng = Rng(seed());
    let first_seed = rng.0;

    for cycle in 0..=cycles {
        let server = ServerProcess::spawn(data_dir.path(), &env, &[]);
        let channel = server.channel();
        common::wait_serving(channel.clone()).await;
        if cycle == 0 {
            let mut admin = client_on(channel.clone(), Some(&key), None);
            for org in ORGS {
                admin
                    .create_organization(pb::CreateOrganizationRequest {
                        organization: Some(pb::Organization {
                            id: org.into(),
                            name: org.into(),
                            ..Default::default()
                        }),
                    })
                    .await
                    .unwrap();
            }
            for (t, org) in TENANTS {
                admin
                    .create_tenant(pb::CreateTenantRequest {
                        tenant: Some(pb::Tenant {
                            id: t.into(),
                            name: t.into(),
                            org_id: org.into(),
                            ..Default::default()
                        }),
                    })
                    .await
                    .unwrap();
                model.tenants.insert(t.into(), (org.into(), t.into()));
            }
        }

        // Check the state the previous cycle left against the model.
        let (users, tenants) = snapshot(channel.clone(), &key).await;
        let context = format!("cycle {cycle} (seed {first_seed})");
        for (id, allowed) in std::mem::take(&mut model.uncertain_users) {
            let actual = users.get(&id).cloned();
            assert!(
                allowed.contains(&actual),
                "{context}: user {id} is {actual:?}, allowed {allowed:?}"
            );
            if let Some(state) = actual {
                model.users.insert(id, state);
            }
        }
        for id in std::mem::take(&mut model.uncertain_tenants) {
            if let Some(state) = tenants.get(&id) {
                model.tenants.insert(id, state.clone());
            }
        }
        assert_eq!(users, model.users, "{context}: users");
        assert_eq!(tenants, model.tenants, "{context}: tenants");
        let config = client_on(channel.clone(), Some(&key), None)
            .update_config(pb::UpdateConfigRequest::default())
            .await
            .unwrap()
            .into_inner()
            .configs
            .unwrap_or_default();
        let actual_config: BTreeMap<String, f64> = config
            .fields
            .into_iter()
            .map(|(k, v)| match v.kind {
                Some(prost_types::value::Kind::NumberValue(n)) => (k, n),
                other => panic!("{context}: config {k} is {other:?}"),
            })
            .collect();
        for (k, allowed) in std::mem::take(&mut model.uncertain_config) {
            let actual = actual_config.get(&k).copied();
            assert!(
                allowed.contains(&actual),
                "{context}: config {k} is {actual:?}, allowed {allowed:?}"
            );
            if let Some(v) = actual {
                model.config.insert(k, v);
            }
        }
        assert_eq!(actual_config, model.config, "{context}: configuration");
        // Keys issued in the model authenticate as their user; revoked ones fail.
        // Unknown-outcome keys were never learnt, so they cannot be checked.
        for (secret, (user, _)) in &model.keys {
            let info = client_on(channel.clone(), Some(secret), None)
                .get_info(pb::GetUserInfoRequest {})
                .await
                .unwrap_or_else(|e| panic!("{context}: key of {user} fails: {e:?}"));
            assert_eq!(&info.into_inner().id, user);
        }
        for secret in &model.revoked {
            let r = client_on(channel.clone(), Some(secret), None)
                .get_info(pb::GetUserInfoRequest {})
                .await;
            assert_eq!(
                r.unwrap_err().code(),
                tonic::Code::Unauthenticated,
                "{context}: a revoked key works"
            );
        }
        if cycle == cycles {
            break;
        }

        // Load, then kill at a random moment: after 50..450 acknowledgements.
        let acks = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for w in 0..WORKERS {
            let worker_rng = Rng(rng.next() | 1);
            tasks.push(tokio::spawn(worker(
                channel.clone(),
                key.clone(),
                (format!("{cycle}x{w}"), w),
                worker_rng,
                acks.clone(),
                model.config.get(&format!("c{w}")).copied(),
            )));
        }
        let kill_at = 50 + rng.below(400);
        while acks.load(Ordering::Relaxed) < kill_at {
            if let Some(i) = tasks.iter().position(|t| t.is_finished()) {
                let part = tasks.swap_remove(i).await.unwrap();
                panic!(
                    "{context}: a worker stopped before the kill: {}",
                    part.last_failure
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        server.kill9();
        total_acks += acks.load(Ordering::Relaxed);
        for task in tasks {
            let part = task.await.unwrap();
            model.users.extend(part.users);
            model.tenants.extend(part.tenants);
            model.keys.extend(part.keys);
            model.revoked.extend(part.revoked);
            model.config.extend(part.config);
            model.uncertain_users.extend(part.uncertain_users);
            model.uncertain_tenants.extend(part.uncertain_tenants);
            model.uncertain_config.extend(part.uncertain_config);
        }
        let check = common::roster_check(data_dir.path());
        assert!(
            check.status.success(),
            "{context}: roster check: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
    eprintln!(
        "{cycles} crash cycles, {total_acks} acknowledged operations, {} users in the end",
        model.users.len()
    );
}
