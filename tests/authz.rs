//! Authorization (SPEC §4), proven table by table: every RPC × each caller
//! role (super-admin, org-admin, tenant-admin, user, an application role
//! only) × the caller's own scope and another organization's, asserting the
//! exact status code and, where cheap, the effect (or its absence). Further
//! rows cover the rank rules, sibling tenants, self-deletion, missing targets
//! and the order of checks.
//!
//! Every table line reads `(rpc, target, [sa, oa, ta, u, app])`: one row per
//! caller. Mutating rows act on fresh objects (ids carry the row number), so
//! rows never interfere; the listings run on a server nothing mutates, so
//! their exact ids can be asserted.

mod common;

use common::{client_on, Client, TestServer};
use prost_types::{value::Kind, Struct, Value};
use roster::pb;
use tonic::{Code, Response, Status};

const OK: Code = Code::Ok;
const PD: Code = Code::PermissionDenied;
const NF: Code = Code::NotFound;
const FP: Code = Code::FailedPrecondition;
const IA: Code = Code::InvalidArgument;

/// The callers, in the column order of every table.
const CALLERS: [&str; 5] = ["sa", "oa", "ta", "u", "app"];

/// The fixture's organizations besides the bootstrap `default`: `acme` is
/// the callers' own, `globex` the foreign one.
const ORGS: [&str; 3] = ["acme", "default", "globex"];

/// The fixture's tenants: id, organization.
const TENANTS: [(&str, &str); 3] = [
    ("acme-t1", "acme"),
    ("acme-t2", "acme"),
    ("globex-t1", "globex"),
];

/// The fixture's users besides the bootstrap `admin`: id, organization,
/// tenant, roles. The first five are the callers, in `CALLERS` order.
const USERS: [(&str, &str, &str, &[&str]); 8] = [
    ("sa", "acme", "acme-t1", &["super-admin"]),
    ("oa", "acme", "", &["org-admin"]),
    ("ta", "acme", "acme-t1", &["tenant-admin"]),
    ("u", "acme", "acme-t1", &["user"]),
    ("app", "acme", "acme-t1", &["app:reader"]),
    ("own-target", "acme", "acme-t1", &["user"]),
    ("sibling-target", "acme", "acme-t2", &["user"]),
    ("foreign-target", "globex", "globex-t1", &["user"]),
];

/// The 17 RPCs of `roster.v1.UserService`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rpc {
    CreateAccessKey,
    ListAccessKeys,
    DeleteAccessKey,
    GetInfo,
    UpdateConfig,
    CreateUser,
    DeleteUser,
    UpdateUser,
    ListUsers,
    CreateTenant,
    UpdateTenant,
    DeleteTenant,
    ListTenants,
    CreateOrganization,
    UpdateOrganization,
    DeleteOrganization,
    ListOrganizations,
}

/// What a row acts on, relative to the caller (all callers live in `acme`,
/// all but `oa` in tenant `acme-t1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// The caller's own scope: itself (self RPCs), organization `acme`, a
    /// tenant or a plain user of `acme-t1`.
    Own,
    /// Another organization's scope: `globex`, its tenant, a plain user of
    /// `globex-t1` (self RPCs: impersonating `foreign-target`).
    Foreign,
    /// No scope: the request names no organization (CreateOrganization,
    /// ListOrganizations).
    Global,
    /// Self RPCs impersonating `own-target`, a plain user of `acme-t1`.
    Colleague,
    /// The sibling tenant `acme-t2` (same organization, not the
    /// tenant-admin's tenant) or a plain user of it.
    Sibling,
    /// A target that does not exist (a user, tenant or organization id).
    Missing,
    /// The caller itself (DeleteUser, UpdateUser).
    Itself,
    /// A user of `acme-t1` holding this role (self RPCs: impersonating it).
    Ranked(&'static str),
    /// CreateUser with this role; UpdateUser giving a plain user this role.
    Grant(&'static str),
    /// UpdateUser moving a plain user of `acme-t1` to `acme-t2`.
    MoveToSibling,
    /// UpdateUser moving a plain user of `acme-t1` to `globex`/`globex-t1`;
    /// UpdateTenant naming `globex` as `acme-t2`'s organization.
    MoveToForeign,
}

use Target::*;

/// `(rpc, target, expected code for [sa, oa, ta, u, app])`.
type Line = (Rpc, Target, [Code; 5]);

/// A row's verdict: `Err` says what differed.
type Outcome = Result<(), String>;

/// A server with the fixture, and keys of the callers (`CALLERS` order).
struct Fixture {
    s: TestServer,
    keys: Vec<String>,
}

impl Fixture {
    async fn new() -> Self {
        let s = TestServer::start().await;
        for org in ["acme", "globex"] {
            s.org(org).await;
        }
        for (id, org) in TENANTS {
            s.tenant(id, org).await;
        }
        let mut fx = Fixture {
            s,
            keys: Vec::new(),
        };
        for (id, org, tenant, roles) in USERS {
            if CALLERS.contains(&id) {
                fx.keys.push(fx.s.user(id, org, tenant, roles).await);
            } else {
                fx.add_user(id, org, tenant, roles).await;
            }
        }
        fx
    }

    fn admin(&self) -> Client {
        self.s.admin()
    }

    /// Creates a user as admin, without a key.
    async fn add_user(&self, id: &str, org: &str, tenant: &str, roles: &[&str]) {
        self.admin()
            .create_user(pb::CreateUserRequest {
                user: Some(pb::User {
                    id: id.into(),
                    name: format!("User {id}"),
                    org_id: org.into(),
                    tenant_id: tenant.into(),
                    roles: strings(roles),
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
    }

    /// A user of `org`, as admin sees it.
    async fn find_user(&self, org: &str, id: &str) -> Option<pb::User> {
        let users = self
            .admin()
            .list_users(pb::ListUsersRequest {
                lookup_org_id: org.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .users;
        users.into_iter().find(|u| u.id == id)
    }

    /// A tenant of `org`, as admin sees it.
    async fn find_tenant(&self, org: &str, id: &str) -> Option<pb::Tenant> {
        let tenants = self
            .admin()
            .list_tenants(pb::ListTenantsRequest {
                lookup_org_id: org.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .tenants;
        tenants.into_iter().find(|t| t.id == id)
    }

    /// An organization, as admin sees it.
    async fn find_org(&self, id: &str) -> Option<pb::Organization> {
        let orgs = self
            .admin()
            .list_organizations(pb::ListOrganizationsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .organizations;
        orgs.into_iter().find(|o| o.id == id)
    }

    /// The names of `user`'s keys (admin impersonating it).
    async fn key_names(&self, user: &str) -> Vec<String> {
        let keys = self
            .s
            .client_as(&self.s.admin_key, user)
            .list_access_keys(pb::GetAccessKeyRequest::default())
            .await
            .unwrap()
            .into_inner()
            .access_keys;
        keys.into_iter().map(|k| k.name).collect()
    }

    /// `user`'s configuration (admin impersonating it).
    async fn config(&self, user: &str) -> Struct {
        self.s
            .client_as(&self.s.admin_key, user)
            .update_config(pb::UpdateConfigRequest::default())
            .await
            .unwrap()
            .into_inner()
            .configs
            .unwrap_or_default()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A config object `{key: true}`.
fn flag(key: &str) -> Struct {
    let value = Value {
        kind: Some(Kind::BoolValue(true)),
    };
    Struct {
        fields: [(key.to_owned(), value)].into_iter().collect(),
    }
}

/// The fixture user `id`: organization, tenant, roles.
fn fixture_user(id: &str) -> (&'static str, &'static str, &'static [&'static str]) {
    let (_, org, tenant, roles) = USERS.into_iter().find(|u| u.0 == id).unwrap();
    (org, tenant, roles)
}

/// Fixture user ids of `org` (and `tenant`, unless empty), sorted.
fn fixture_users_of(org: &str, tenant: &str) -> Vec<String> {
    let mut ids: Vec<String> = USERS
        .into_iter()
        .filter(|(_, o, t, _)| *o == org && (tenant.is_empty() || *t == tenant))
        .map(|(id, ..)| id.to_owned())
        .collect();
    ids.sort();
    ids
}

/// Fixture tenant ids of `org`, sorted.
fn fixture_tenants_of(org: &str) -> Vec<String> {
    let mut ids: Vec<String> = TENANTS
        .into_iter()
        .filter(|(_, o)| *o == org)
        .map(|(id, _)| id.to_owned())
        .collect();
    ids.sort();
    ids
}

/// The call's status is `want`.
fn expect_code<T>(got: &Result<Response<T>, Status>, want: Code) -> Outcome {
    let code = got.as_ref().map_or_else(Status::code, |_| Code::Ok);
    if code == want {
        return Ok(());
    }
    Err(match got {
        Ok(_) => format!("expected {want:?}, got OK"),
        Err(s) => format!("expected {want:?}, got {:?} ({})", s.code(), s.message()),
    })
}

fn ensure(condition: bool, what: impl FnOnce() -> String) -> Outcome {
    if condition {
        Ok(())
    } else {
        Err(what())
    }
}

/// Runs every row of `table` (after its own setup, on fresh objects) and
/// fails listing every row whose status or effect differs.
async fn check_table(fx: &Fixture, table: &[Line]) {
    let mut failures = Vec::new();
    let mut n = 0;
    for &(rpc, target, codes) in table {
        for (who, want) in codes.into_iter().enumerate() {
            n += 1;
            if let Err(why) = check_row(fx, rpc, target, who, want, n).await {
                failures.push(format!("{rpc:?} by {} on {target:?}: {why}", CALLERS[who]));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One row: `CALLERS[who]` calls `rpc` on `target` and gets `want`; `n`
/// makes the row's fresh ids unique.
async fn check_row(
    fx: &Fixture,
    rpc: Rpc,
    target: Target,
    who: usize,
    want: Code,
    n: usize,
) -> Outcome {
    use Rpc::*;
    match rpc {
        CreateAccessKey | ListAccessKeys | DeleteAccessKey | GetInfo | UpdateConfig => {
            self_row(fx, rpc, target, who, want, n).await
        }
        CreateOrganization | UpdateOrganization | DeleteOrganization | ListOrganizations => {
            org_row(fx, rpc, target, who, want, n).await
        }
        CreateTenant | UpdateTenant | DeleteTenant | ListTenants => {
            tenant_row(fx, rpc, target, who, want, n).await
        }
        CreateUser | UpdateUser | DeleteUser | ListUsers => {
            user_row(fx, rpc, target, who, want, n).await
        }
    }
}

/// The self RPCs act on the caller, or on the user it impersonates.
async fn self_row(
    fx: &Fixture,
    rpc: Rpc,
    target: Target,
    who: usize,
    want: Code,
    n: usize,
) -> Outcome {
    let key = &fx.keys[who];
    let subject = match target {
        Own => CALLERS[who].to_owned(),
        Foreign => "foreign-target".to_owned(),
        Colleague => "own-target".to_owned(),
        Missing => format!("missing-{n}"),
        Ranked(role) => {
            let id = format!("ranked-{n}");
            fx.add_user(&id, "acme", "acme-t1", &[role]).await;
            id
        }
        _ => unreachable!("{rpc:?} has no target {target:?}"),
    };
    let mut c = match target {
        Own => fx.s.client(key),
        _ => fx.s.client_as(key, &subject),
    };
    let exists = target != Missing;
    let applied = want == OK;
    let name = format!("row-{n}");
    match rpc {
        Rpc::CreateAccessKey => {
            let got = c
                .create_access_key(pb::CreateAccessKeyRequest { name: name.clone() })
                .await;
            expect_code(&got, want)?;
            if let Ok(res) = got {
                let owner = &res.get_ref().access_keys[0].user_id;
                ensure(*owner == subject, || format!("key created for {owner}"))?;
            }
            if exists {
                let has = fx.key_names(&subject).await.contains(&name);
                ensure(has == applied, || {
                    format!("{subject} has key {name}: {has}")
                })?;
            }
        }
        Rpc::ListAccessKeys => {
            let got = c.list_access_keys(pb::GetAccessKeyRequest::default()).await;
            expect_code(&got, want)?;
            if let Ok(res) = got {
                let keys = res.into_inner().access_keys;
                let owners_ok = keys.iter().all(|k| k.user_id == subject);
                ensure(owners_ok, || format!("keys of others listed: {keys:?}"))?;
                let names: Vec<_> = keys.into_iter().map(|k| k.name).collect();
                let expected = fx.key_names(&subject).await;
                ensure(names == expected, || {
                    format!("listed {names:?}, {subject} has {expected:?}")
                })?;
            }
        }
        Rpc::DeleteAccessKey => {
            if exists {
                fx.s.client_as(&fx.s.admin_key, &subject)
                    .create_access_key(pb::CreateAccessKeyRequest { name: name.clone() })
                    .await
                    .unwrap();
            }
            let got = c
                .delete_access_key(pb::DelAccessKeyRequest {
                    names: vec![name.clone()],
                })
                .await;
            expect_code(&got, want)?;
            if exists {
                let has = fx.key_names(&subject).await.contains(&name);
                ensure(has != applied, || {
                    format!("{subject} has key {name}: {has}")
                })?;
            }
        }
        Rpc::GetInfo => {
            let got = c.get_info(pb::GetUserInfoRequest {}).await;
            expect_code(&got, want)?;
            if let Ok(res) = got {
                let id = &res.get_ref().id;
                ensure(*id == subject, || format!("GetInfo answered for {id}"))?;
            }
        }
        Rpc::UpdateConfig => {
            let got = c
                .update_config(pb::UpdateConfigRequest {
                    updated: Some(flag(&name)),
                    deleted: vec![],
                })
                .await;
            expect_code(&got, want)?;
            if let Ok(res) = got {
                let configs = res.into_inner().configs.unwrap_or_default();
                ensure(configs.fields.contains_key(&name), || {
                    format!("answered config lacks {name}")
                })?;
            }
            if exists {
                let has = fx.config(&subject).await.fields.contains_key(&name);
                ensure(has == applied, || {
                    format!("{subject}'s config has {name}: {has}")
                })?;
            }
        }
        _ => unreachable!(),
    }
    Ok(())
}

async fn org_row(
    fx: &Fixture,
    rpc: Rpc,
    target: Target,
    who: usize,
    want: Code,
    n: usize,
) -> Outcome {
    let mut c = fx.s.client(&fx.keys[who]);
    let applied = want == OK;
    match rpc {
        Rpc::CreateOrganization => {
            assert_eq!(target, Global);
            let id = format!("new-org-{n}");
            let got = c
                .create_organization(pb::CreateOrganizationRequest {
                    organization: Some(pb::Organization {
                        id: id.clone(),
                        name: format!("Org {n}"),
                        ..Default::default()
                    }),
                })
                .await;
            expect_code(&got, want)?;
            let exists = fx.find_org(&id).await.is_some();
            ensure(exists == applied, || format!("{id} exists: {exists}"))?;
        }
        Rpc::UpdateOrganization => {
            let id = match target {
                Own => "acme".to_owned(),
                Foreign => "globex".to_owned(),
                Missing => format!("missing-{n}"),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let name = format!("Renamed {n}");
            let got = c
                .update_organization(pb::UpdateOrganizationRequest {
                    organization: Some(pb::Organization {
                        id: id.clone(),
                        name: name.clone(),
                        ..Default::default()
                    }),
                })
                .await;
            expect_code(&got, want)?;
            if target != Missing {
                let now = fx.find_org(&id).await.unwrap().name;
                ensure((now == name) == applied, || format!("{id} is named {now}"))?;
            }
        }
        Rpc::DeleteOrganization => {
            let id = match target {
                // Holds the callers: never deletable.
                Own => "acme".to_owned(),
                Foreign => {
                    let id = format!("empty-org-{n}");
                    fx.s.org(&id).await;
                    id
                }
                Missing => format!("missing-{n}"),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let got = c
                .delete_organization(pb::DeleteOrganizationRequest { id: id.clone() })
                .await;
            expect_code(&got, want)?;
            if target != Missing {
                let exists = fx.find_org(&id).await.is_some();
                ensure(exists != applied, || format!("{id} exists: {exists}"))?;
            }
        }
        Rpc::ListOrganizations => {
            assert_eq!(target, Global);
            let got = c
                .list_organizations(pb::ListOrganizationsRequest::default())
                .await;
            expect_code(&got, want)?;
            if let Ok(res) = got {
                let ids: Vec<_> = res
                    .into_inner()
                    .organizations
                    .into_iter()
                    .map(|o| o.id)
                    .collect();
                let expected = match CALLERS[who] {
                    "sa" => strings(&ORGS),
                    caller => strings(&[fixture_user(caller).0]),
                };
                ensure(ids == expected, || format!("listed {ids:?}"))?;
            }
        }
        _ => unreachable!(),
    }
    Ok(())
}

async fn tenant_row(
    fx: &Fixture,
    rpc: Rpc,
    target: Target,
    who: usize,
    want: Code,
    n: usize,
) -> Outcome {
    let mut c = fx.s.client(&fx.keys[who]);
    let applied = want == OK;
    match rpc {
        Rpc::CreateTenant => {
            // Own: an empty org_id, which means the caller's (acme).
            let (org_field, home) = match target {
                Own => (String::new(), "acme"),
                Foreign => ("globex".to_owned(), "globex"),
                Missing => (format!("missing-{n}"), ""),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let id = format!("new-tenant-{n}");
            let got = c
                .create_tenant(pb::CreateTenantRequest {
                    tenant: Some(pb::Tenant {
                        id: id.clone(),
                        name: format!("Tenant {n}"),
                        org_id: org_field,
                        ..Default::default()
                    }),
                })
                .await;
            expect_code(&got, want)?;
            if target != Missing {
                let exists = fx.find_tenant(home, &id).await.is_some();
                ensure(exists == applied, || format!("{id} in {home}: {exists}"))?;
            }
        }
        Rpc::UpdateTenant => {
            let (id, org_field, home) = match target {
                Own => ("acme-t1".to_owned(), "", "acme"),
                Foreign => ("globex-t1".to_owned(), "", "globex"),
                Missing => (format!("missing-{n}"), "", ""),
                MoveToForeign => ("acme-t2".to_owned(), "globex", "acme"),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let name = format!("Renamed {n}");
            let got = c
                .update_tenant(pb::UpdateTenantRequest {
                    tenant: Some(pb::Tenant {
                        id: id.clone(),
                        name: name.clone(),
                        org_id: org_field.into(),
                        ..Default::default()
                    }),
                })
                .await;
            expect_code(&got, want)?;
            if target != Missing {
                let Some(now) = fx.find_tenant(home, &id).await else {
                    return Err(format!("{id} is no longer in {home}"));
                };
                let renamed = now.name == name;
                ensure(renamed == applied, || format!("{id} is named {}", now.name))?;
            }
        }
        Rpc::DeleteTenant => {
            let (id, home) = match target {
                Own | Foreign => {
                    let home = if target == Own { "acme" } else { "globex" };
                    let id = format!("empty-tenant-{n}");
                    fx.s.tenant(&id, home).await;
                    (id, home)
                }
                Missing => (format!("missing-{n}"), ""),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let got = c
                .delete_tenant(pb::DeleteTenantRequest { id: id.clone() })
                .await;
            expect_code(&got, want)?;
            if target != Missing {
                let exists = fx.find_tenant(home, &id).await.is_some();
                ensure(exists != applied, || format!("{id} exists: {exists}"))?;
            }
        }
        Rpc::ListTenants => {
            let lookup = match target {
                Own => String::new(),
                Foreign => "globex".to_owned(),
                Missing => format!("missing-{n}"),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let got = c
                .list_tenants(pb::ListTenantsRequest {
                    lookup_org_id: lookup.clone(),
                    ..Default::default()
                })
                .await;
            expect_code(&got, want)?;
            if let Ok(res) = got {
                let ids: Vec<_> = res.into_inner().tenants.into_iter().map(|t| t.id).collect();
                let (org, tenant, roles) = fixture_user(CALLERS[who]);
                let expected = if roles.contains(&"tenant-admin") {
                    strings(&[tenant])
                } else if lookup.is_empty() {
                    fixture_tenants_of(org)
                } else {
                    fixture_tenants_of(&lookup)
                };
                ensure(ids == expected, || format!("listed {ids:?}"))?;
            }
        }
        _ => unreachable!(),
    }
    Ok(())
}

/// A user as stored before a row, and as the row's request gives it.
struct UserCase {
    id: String,
    org: String,
    tenant: String,
    roles: Vec<String>,
    /// Whether the user exists (the row created it, or it is the caller).
    exists: bool,
}

/// The user a UpdateUser or DeleteUser row acts on, created (fresh) unless
/// missing or the caller itself.
async fn user_target(fx: &Fixture, target: Target, who: usize, n: usize) -> UserCase {
    let (id, org, tenant, roles): (String, &str, &str, &[&str]) = match target {
        Own | Grant(_) | MoveToSibling | MoveToForeign => {
            (format!("target-{n}"), "acme", "acme-t1", &["user"])
        }
        Foreign => (format!("target-{n}"), "globex", "globex-t1", &["user"]),
        Sibling => (format!("target-{n}"), "acme", "acme-t2", &["user"]),
        Ranked(role) => {
            let id = format!("target-{n}");
            fx.add_user(&id, "acme", "acme-t1", &[role]).await;
            return UserCase {
                id,
                org: "acme".into(),
                tenant: "acme-t1".into(),
                roles: strings(&[role]),
                exists: true,
            };
        }
        Missing => {
            return UserCase {
                id: format!("missing-{n}"),
                org: "acme".into(),
                tenant: "acme-t1".into(),
                roles: strings(&["user"]),
                exists: false,
            }
        }
        Itself => {
            let id = CALLERS[who];
            let (org, tenant, roles) = fixture_user(id);
            return UserCase {
                id: id.into(),
                org: org.into(),
                tenant: tenant.into(),
                roles: strings(roles),
                exists: true,
            };
        }
        _ => unreachable!("users have no target {target:?}"),
    };
    fx.add_user(&id, org, tenant, roles).await;
    UserCase {
        id,
        org: org.into(),
        tenant: tenant.into(),
        roles: strings(roles),
        exists: true,
    }
}

async fn user_row(
    fx: &Fixture,
    rpc: Rpc,
    target: Target,
    who: usize,
    want: Code,
    n: usize,
) -> Outcome {
    let mut c = fx.s.client(&fx.keys[who]);
    let applied = want == OK;
    match rpc {
        Rpc::CreateUser => {
            // (org_id sent, tenant_id, roles, the organization it lands in)
            let (org_field, tenant, role, home) = match target {
                Own => ("", "acme-t1".to_owned(), "user", "acme"),
                Foreign => ("globex", "globex-t1".to_owned(), "user", "globex"),
                Sibling => ("", "acme-t2".to_owned(), "user", "acme"),
                Missing => ("", format!("missing-{n}"), "user", "acme"),
                Grant(role) => ("", "acme-t1".to_owned(), role, "acme"),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let id = format!("new-user-{n}");
            let got = c
                .create_user(pb::CreateUserRequest {
                    user: Some(pb::User {
                        id: id.clone(),
                        name: format!("User {n}"),
                        org_id: org_field.into(),
                        tenant_id: tenant.clone(),
                        roles: strings(&[role]),
                        ..Default::default()
                    }),
                })
                .await;
            expect_code(&got, want)?;
            match fx.find_user(home, &id).await {
                Some(u) if applied => ensure(
                    u.org_id == home && u.tenant_id == tenant && u.roles == [role],
                    || format!("created as {u:?}"),
                )?,
                None if !applied => {}
                found => return Err(format!("{id} in {home}: {found:?}")),
            }
        }
        Rpc::UpdateUser => {
            let old = user_target(fx, target, who, n).await;
            // (org_id sent, tenant_id, roles)
            let (org_field, tenant, roles) = match target {
                Grant(role) => (String::new(), old.tenant.clone(), strings(&[role])),
                MoveToSibling => (String::new(), "acme-t2".to_owned(), old.roles.clone()),
                MoveToForeign => ("globex".into(), "globex-t1".into(), old.roles.clone()),
                _ => (String::new(), old.tenant.clone(), old.roles.clone()),
            };
            let name = format!("Renamed {n}");
            let got = c
                .update_user(pb::UpdateUserRequest {
                    user: Some(pb::User {
                        id: old.id.clone(),
                        name: name.clone(),
                        org_id: org_field.clone(),
                        tenant_id: tenant.clone(),
                        roles: roles.clone(),
                        ..Default::default()
                    }),
                })
                .await;
            expect_code(&got, want)?;
            if applied {
                let org = if org_field.is_empty() {
                    &old.org
                } else {
                    &org_field
                };
                let Some(u) = fx.find_user(org, &old.id).await else {
                    return Err(format!("{} not found in {org}", old.id));
                };
                ensure(
                    u.name == name && u.org_id == *org && u.tenant_id == tenant && u.roles == roles,
                    || format!("updated to {u:?}"),
                )?;
            } else if old.exists {
                let Some(u) = fx.find_user(&old.org, &old.id).await else {
                    return Err(format!("{} left {}", old.id, old.org));
                };
                ensure(
                    u.name != name && u.tenant_id == old.tenant && u.roles == old.roles,
                    || format!("changed to {u:?}"),
                )?;
            }
        }
        Rpc::DeleteUser => {
            let old = user_target(fx, target, who, n).await;
            let got = c
                .delete_user(pb::DeleteUserRequest { id: old.id.clone() })
                .await;
            expect_code(&got, want)?;
            if old.exists {
                let exists = fx.find_user(&old.org, &old.id).await.is_some();
                ensure(exists != applied, || format!("{} exists: {exists}", old.id))?;
            }
        }
        Rpc::ListUsers => {
            let (lookup_org, lookup_tenant) = match target {
                Own => (String::new(), ""),
                Foreign => ("globex".to_owned(), ""),
                Sibling => (String::new(), "acme-t2"),
                Missing => (format!("missing-{n}"), ""),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let got = c
                .list_users(pb::ListUsersRequest {
                    lookup_org_id: lookup_org.clone(),
                    lookup_tenant_id: lookup_tenant.into(),
                    ..Default::default()
                })
                .await;
            expect_code(&got, want)?;
            if let Ok(res) = got {
                let ids: Vec<_> = res.into_inner().users.into_iter().map(|u| u.id).collect();
                let (org, tenant, roles) = fixture_user(CALLERS[who]);
                let expected = if roles.contains(&"tenant-admin") {
                    fixture_users_of(org, tenant)
                } else if !lookup_tenant.is_empty() {
                    fixture_users_of(org, lookup_tenant)
                } else if lookup_org.is_empty() {
                    fixture_users_of(org, "")
                } else {
                    fixture_users_of(&lookup_org, "")
                };
                ensure(ids == expected, || format!("listed {ids:?}"))?;
            }
        }
        _ => unreachable!(),
    }
    Ok(())
}

/// The self RPCs (keys, info, configuration): every role may act on itself;
/// acting on another user needs impersonation, which needs `users:write`
/// over that user and a rank not below it: a foreign-organization user is
/// PERMISSION_DENIED to all but the super-admin, a colleague in the own
/// tenant to the user and the application role; a missing user is NOT_FOUND
/// for those holding `users:write`. Effects (keys, configuration) are
/// checked on the subject.
#[tokio::test]
async fn self_rpcs_by_role_and_scope() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[Line] = &[
        //                                sa  oa  ta  u   app
        (CreateAccessKey, Own,           [OK, OK, OK, OK, OK]),
        (CreateAccessKey, Foreign,       [OK, PD, PD, PD, PD]),
        (CreateAccessKey, Colleague,     [OK, OK, OK, PD, PD]),
        (CreateAccessKey, Missing,       [NF, NF, NF, PD, PD]),
        (ListAccessKeys,  Own,           [OK, OK, OK, OK, OK]),
        (ListAccessKeys,  Foreign,       [OK, PD, PD, PD, PD]),
        (ListAccessKeys,  Colleague,     [OK, OK, OK, PD, PD]),
        (ListAccessKeys,  Missing,       [NF, NF, NF, PD, PD]),
        (DeleteAccessKey, Own,           [OK, OK, OK, OK, OK]),
        (DeleteAccessKey, Foreign,       [OK, PD, PD, PD, PD]),
        (DeleteAccessKey, Colleague,     [OK, OK, OK, PD, PD]),
        (DeleteAccessKey, Missing,       [NF, NF, NF, PD, PD]),
        (GetInfo,         Own,           [OK, OK, OK, OK, OK]),
        (GetInfo,         Foreign,       [OK, PD, PD, PD, PD]),
        (GetInfo,         Colleague,     [OK, OK, OK, PD, PD]),
        (GetInfo,         Missing,       [NF, NF, NF, PD, PD]),
        (GetInfo, Ranked("super-admin"), [OK, PD, PD, PD, PD]),
        (GetInfo, Ranked("org-admin"),   [OK, OK, PD, PD, PD]),
        (GetInfo, Ranked("tenant-admin"),[OK, OK, OK, PD, PD]),
        (UpdateConfig,    Own,           [OK, OK, OK, OK, OK]),
        (UpdateConfig,    Foreign,       [OK, PD, PD, PD, PD]),
        (UpdateConfig,    Colleague,     [OK, OK, OK, PD, PD]),
        (UpdateConfig,    Missing,       [NF, NF, NF, PD, PD]),
    ];
    check_table(&fx, table).await;
}

/// Organizations: only a super-admin creates or deletes one; UpdateOrganization
/// is the super-admin's anywhere and the org-admin's for its own
/// organization; tenant-admins, users and application roles get
/// PERMISSION_DENIED throughout. A missing organization is NOT_FOUND only
/// for the super-admin (for the org-admin it lies outside its scope), and
/// deleting a non-empty organization is FAILED_PRECONDITION. Effects (the
/// organization exists, is renamed, is gone) are checked.
#[tokio::test]
async fn organizations_by_role_and_scope() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[Line] = &[
        //                                    sa  oa  ta  u   app
        (CreateOrganization, Global,         [OK, PD, PD, PD, PD]),
        (UpdateOrganization, Own,            [OK, OK, PD, PD, PD]),
        (UpdateOrganization, Foreign,        [OK, PD, PD, PD, PD]),
        (UpdateOrganization, Missing,        [NF, PD, PD, PD, PD]),
        (DeleteOrganization, Own,            [FP, PD, PD, PD, PD]),
        (DeleteOrganization, Foreign,        [OK, PD, PD, PD, PD]),
        (DeleteOrganization, Missing,        [NF, PD, PD, PD, PD]),
    ];
    check_table(&fx, table).await;
}

/// Tenants: the super-admin creates, updates and deletes them anywhere, the
/// org-admin in its own organization; a tenant-admin (even of that very
/// tenant), a user and an application role get PERMISSION_DENIED. A missing
/// tenant is NOT_FOUND for super- and org-admin, a missing organization
/// only for the super-admin. Changing a tenant's organization is
/// INVALID_ARGUMENT for the super-admin and PERMISSION_DENIED for everyone
/// else (the destination lies outside their scope). Effects are checked.
#[tokio::test]
async fn tenants_by_role_and_scope() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[Line] = &[
        //                              sa  oa  ta  u   app
        (CreateTenant, Own,            [OK, OK, PD, PD, PD]),
        (CreateTenant, Foreign,        [OK, PD, PD, PD, PD]),
        (CreateTenant, Missing,        [NF, PD, PD, PD, PD]),
        (UpdateTenant, Own,            [OK, OK, PD, PD, PD]),
        (UpdateTenant, Foreign,        [OK, PD, PD, PD, PD]),
        (UpdateTenant, Missing,        [NF, NF, PD, PD, PD]),
        (UpdateTenant, MoveToForeign,  [IA, PD, PD, PD, PD]),
        (DeleteTenant, Own,            [OK, OK, PD, PD, PD]),
        (DeleteTenant, Foreign,        [OK, PD, PD, PD, PD]),
        (DeleteTenant, Missing,        [NF, NF, PD, PD, PD]),
    ];
    check_table(&fx, table).await;
}

/// Users: the super-admin manages them anywhere, the org-admin in its own
/// organization, the tenant-admin in its own tenant (a user of the sibling
/// tenant or another organization is PERMISSION_DENIED); users and
/// application roles get PERMISSION_DENIED. Nobody grants a role above its
/// own highest, changes or deletes a user ranking above it, or moves a user
/// to another organization unless super-admin. Deleting oneself is
/// FAILED_PRECONDITION for those who may delete users (PERMISSION_DENIED,
/// checked first, for the rest). A missing user is NOT_FOUND for callers
/// holding `users:write`. Effects (created, changed, deleted, or untouched)
/// are checked.
#[tokio::test]
async fn users_by_role_and_scope() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[Line] = &[
        //                                   sa  oa  ta  u   app
        (CreateUser, Own,                   [OK, OK, OK, PD, PD]),
        (CreateUser, Foreign,               [OK, PD, PD, PD, PD]),
        (CreateUser, Sibling,               [OK, OK, PD, PD, PD]),
        (CreateUser, Missing,               [NF, NF, PD, PD, PD]),
        (CreateUser, Grant("super-admin"),  [OK, PD, PD, PD, PD]),
        (CreateUser, Grant("org-admin"),    [OK, OK, PD, PD, PD]),
        (CreateUser, Grant("tenant-admin"), [OK, OK, OK, PD, PD]),
        (CreateUser, Grant("app:writer"),   [OK, OK, OK, PD, PD]),
        (UpdateUser, Own,                   [OK, OK, OK, PD, PD]),
        (UpdateUser, Foreign,               [OK, PD, PD, PD, PD]),
        (UpdateUser, Sibling,               [OK, OK, PD, PD, PD]),
        (UpdateUser, Missing,               [NF, NF, NF, PD, PD]),
        (UpdateUser, Itself,                [OK, OK, OK, PD, PD]),
        (UpdateUser, Ranked("super-admin"), [OK, PD, PD, PD, PD]),
        (UpdateUser, Ranked("org-admin"),   [OK, OK, PD, PD, PD]),
        (UpdateUser, Ranked("tenant-admin"),[OK, OK, OK, PD, PD]),
        (UpdateUser, Grant("super-admin"),  [OK, PD, PD, PD, PD]),
        (UpdateUser, Grant("org-admin"),    [OK, OK, PD, PD, PD]),
        (UpdateUser, Grant("tenant-admin"), [OK, OK, OK, PD, PD]),
        (UpdateUser, MoveToSibling,         [OK, OK, PD, PD, PD]),
        (UpdateUser, MoveToForeign,         [OK, PD, PD, PD, PD]),
        (DeleteUser, Own,                   [OK, OK, OK, PD, PD]),
        (DeleteUser, Foreign,               [OK, PD, PD, PD, PD]),
        (DeleteUser, Sibling,               [OK, OK, PD, PD, PD]),
        (DeleteUser, Missing,               [NF, NF, NF, PD, PD]),
        (DeleteUser, Itself,                [FP, FP, FP, PD, PD]),
        (DeleteUser, Ranked("super-admin"), [OK, PD, PD, PD, PD]),
        (DeleteUser, Ranked("org-admin"),   [OK, OK, PD, PD, PD]),
        (DeleteUser, Ranked("tenant-admin"),[OK, OK, OK, PD, PD]),
    ];
    check_table(&fx, table).await;
}

/// The List RPCs, on a fixture nothing mutates, with the exact ids listed:
/// ListOrganizations shows every organization to the super-admin and only
/// `acme` to the org-admin; ListTenants shows an organization's tenants to
/// super- and org-admin (another organization: super-admin only) and
/// exactly its own tenant to the tenant-admin; ListUsers shows the own
/// organization's users to super- and org-admin, its own tenant's to the
/// tenant-admin (the sibling tenant is PERMISSION_DENIED to it), another
/// organization's to the super-admin only. Users and application roles get
/// PERMISSION_DENIED; a missing organization is NOT_FOUND only for the
/// super-admin.
#[tokio::test]
async fn listings_by_role_and_scope() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[Line] = &[
        //                                   sa  oa  ta  u   app
        (ListOrganizations, Global,         [OK, OK, PD, PD, PD]),
        (ListTenants, Own,                  [OK, OK, OK, PD, PD]),
        (ListTenants, Foreign,              [OK, PD, PD, PD, PD]),
        (ListTenants, Missing,              [NF, PD, PD, PD, PD]),
        (ListUsers, Own,                    [OK, OK, OK, PD, PD]),
        (ListUsers, Foreign,                [OK, PD, PD, PD, PD]),
        (ListUsers, Sibling,                [OK, OK, PD, PD, PD]),
        (ListUsers, Missing,                [NF, PD, PD, PD, PD]),
    ];
    check_table(&fx, table).await;
}

/// The last super-admin can be neither deleted nor demoted
/// (FAILED_PRECONDITION); while there are two, one may demote the other,
/// and a demoted one can no longer touch the remaining super-admin
/// (PERMISSION_DENIED).
#[tokio::test]
async fn last_super_admin() {
    let s = TestServer::start().await;
    // Keeps the user's organization (empty org_id), gives it `org-admin`.
    let demote = |id: &str| pb::UpdateUserRequest {
        user: Some(pb::User {
            id: id.into(),
            name: id.into(),
            roles: strings(&["org-admin"]),
            ..Default::default()
        }),
    };
    let delete = |id: &str| pb::DeleteUserRequest { id: id.into() };

    // `admin` is the only super-admin.
    let mut admin = s.admin();
    common::assert_code(
        admin.update_user(demote("admin")).await,
        Code::FailedPrecondition,
    );
    common::assert_code(
        admin.delete_user(delete("admin")).await,
        Code::FailedPrecondition,
    );
    let info = admin.get_info(pb::GetUserInfoRequest {}).await.unwrap();
    assert_eq!(info.into_inner().roles, ["super-admin"]);

    // With a second one, either may demote the other ...
    let sa2 = s.user("sa2", "default", "", &["super-admin"]).await;
    let mut sa2 = s.client(&sa2);
    sa2.update_user(demote("admin")).await.unwrap();
    let info = admin.get_info(pb::GetUserInfoRequest {}).await.unwrap();
    assert_eq!(info.into_inner().roles, ["org-admin"]);

    // ... and then `sa2` is the last one.
    common::assert_code(
        sa2.update_user(demote("sa2")).await,
        Code::FailedPrecondition,
    );
    common::assert_code(
        sa2.delete_user(delete("sa2")).await,
        Code::FailedPrecondition,
    );
    common::assert_code(
        admin.update_user(demote("sa2")).await,
        Code::PermissionDenied,
    );
    common::assert_code(
        admin.delete_user(delete("sa2")).await,
        Code::PermissionDenied,
    );
    let info = sa2.get_info(pb::GetUserInfoRequest {}).await.unwrap();
    assert_eq!(info.into_inner().roles, ["super-admin"]);
}

/// A malformed request of every RPC, with the field its INVALID_ARGUMENT
/// names. (GetInfo has no fields: its malformed part is the impersonation
/// header.)
const MALFORMED: [(Rpc, &str); 17] = [
    (Rpc::CreateAccessKey, "name"),
    (Rpc::ListAccessKeys, "page_size"),
    (Rpc::DeleteAccessKey, "names"),
    (Rpc::GetInfo, "x-roster-impersonate-user"),
    (Rpc::UpdateConfig, "deleted[0]"),
    (Rpc::CreateUser, "user.id"),
    (Rpc::DeleteUser, "id"),
    (Rpc::UpdateUser, "user"),
    (Rpc::ListUsers, "lookup_org_id"),
    (Rpc::CreateTenant, "tenant.name"),
    (Rpc::UpdateTenant, "tenant.id"),
    (Rpc::DeleteTenant, "id"),
    (Rpc::ListTenants, "page_token"),
    (Rpc::CreateOrganization, "organization"),
    (Rpc::UpdateOrganization, "organization.name"),
    (Rpc::DeleteOrganization, "id"),
    (Rpc::ListOrganizations, "page_size"),
];

/// Sends the malformed request of `rpc` with `key` (none: anonymous).
async fn send_malformed(fx: &Fixture, rpc: Rpc, key: Option<&str>) -> Result<(), Status> {
    let impersonate = (rpc == Rpc::GetInfo).then_some("bad id!");
    let mut c = client_on(fx.s.channel(), key, impersonate);
    let bad_id = || "bad id!".to_owned();
    match rpc {
        Rpc::CreateAccessKey => c
            .create_access_key(pb::CreateAccessKeyRequest {
                name: "bad name".into(),
            })
            .await
            .map(drop),
        Rpc::ListAccessKeys => c
            .list_access_keys(pb::GetAccessKeyRequest {
                page_size: -1,
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::DeleteAccessKey => c
            .delete_access_key(pb::DelAccessKeyRequest { names: vec![] })
            .await
            .map(drop),
        Rpc::GetInfo => c.get_info(pb::GetUserInfoRequest {}).await.map(drop),
        Rpc::UpdateConfig => c
            .update_config(pb::UpdateConfigRequest {
                updated: Some(flag("k")),
                deleted: vec!["k".into()],
            })
            .await
            .map(drop),
        // Into another organization: still the shape comes first.
        Rpc::CreateUser => c
            .create_user(pb::CreateUserRequest {
                user: Some(pb::User {
                    id: bad_id(),
                    org_id: "globex".into(),
                    roles: strings(&["super-admin"]),
                    ..Default::default()
                }),
            })
            .await
            .map(drop),
        Rpc::DeleteUser => c
            .delete_user(pb::DeleteUserRequest { id: String::new() })
            .await
            .map(drop),
        Rpc::UpdateUser => c
            .update_user(pb::UpdateUserRequest { user: None })
            .await
            .map(drop),
        Rpc::ListUsers => c
            .list_users(pb::ListUsersRequest {
                lookup_org_id: bad_id(),
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::CreateTenant => c
            .create_tenant(pb::CreateTenantRequest {
                tenant: Some(pb::Tenant {
                    id: "new-tenant".into(),
                    org_id: "globex".into(),
                    ..Default::default()
                }),
            })
            .await
            .map(drop),
        Rpc::UpdateTenant => c
            .update_tenant(pb::UpdateTenantRequest {
                tenant: Some(pb::Tenant {
                    id: bad_id(),
                    name: "x".into(),
                    ..Default::default()
                }),
            })
            .await
            .map(drop),
        Rpc::DeleteTenant => c
            .delete_tenant(pb::DeleteTenantRequest { id: bad_id() })
            .await
            .map(drop),
        Rpc::ListTenants => c
            .list_tenants(pb::ListTenantsRequest {
                lookup_org_id: "globex".into(),
                page_token: "not a token".into(),
                ..Default::default()
            })
            .await
            .map(drop),
        Rpc::CreateOrganization => c
            .create_organization(pb::CreateOrganizationRequest { organization: None })
            .await
            .map(drop),
        Rpc::UpdateOrganization => c
            .update_organization(pb::UpdateOrganizationRequest {
                organization: Some(pb::Organization {
                    id: "globex".into(),
                    ..Default::default()
                }),
            })
            .await
            .map(drop),
        Rpc::DeleteOrganization => c
            .delete_organization(pb::DeleteOrganizationRequest { id: String::new() })
            .await
            .map(drop),
        Rpc::ListOrganizations => c
            .list_organizations(pb::ListOrganizationsRequest {
                page_size: -1,
                ..Default::default()
            })
            .await
            .map(drop),
    }
}

/// Order of checks (SPEC §4), on every RPC: a malformed request without a
/// key is UNAUTHENTICATED; with a key it is INVALID_ARGUMENT naming the
/// field, for every role, including those that lack the permission or
/// address another organization (the request's shape is checked before
/// permission). PERMISSION_DENIED before NOT_FOUND is proven by the
/// `Missing` rows of the other tables.
#[tokio::test]
async fn order_of_checks() {
    let fx = Fixture::new().await;
    let mut failures = Vec::new();
    let mut rows = 0;
    for (rpc, field) in MALFORMED {
        rows += 1;
        match send_malformed(&fx, rpc, None).await {
            Err(s) if s.code() == Code::Unauthenticated => {}
            got => failures.push(format!("{rpc:?} anonymous: {got:?}")),
        }
        for (who, key) in fx.keys.iter().enumerate() {
            rows += 1;
            match send_malformed(&fx, rpc, Some(key)).await {
                Err(s) if s.code() == Code::InvalidArgument && s.message().contains(field) => {}
                got => failures.push(format!(
                    "{rpc:?} by {}: expected INVALID_ARGUMENT naming {field}, got {got:?}",
                    CALLERS[who]
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {rows} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
