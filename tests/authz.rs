//! Authorization (docs/contract.md §4), proven table by table.
//!
//! **The matrix.** Every one of the 17 RPCs × each caller role (super-admin,
//! org-admin, tenant-admin, user, an application role only) × the scope of
//! the target relative to the caller (its own tenant or organization, the
//! sibling tenant, the foreign organization) × whether the target exists or
//! is missing, asserting the exact status code and the effect, or its
//! absence, by re-reading the object. A missing target is *named in* its
//! scope: the request places it there wherever it has a field for that
//! (`org_id`, `lookup_org_id`, the destination tenant), and its id is one
//! just deleted from that scope (a request that carries only an id cannot
//! name a scope otherwise). Where a combination means nothing for an RPC, a
//! comment beside its lines says why instead of a row. Further lines cover
//! the rank rules, self-deletion, moves and ids already taken.
//!
//! **Properties.** Fields a caller may not set (roles above its own,
//! another organization, another user's keys or configuration, output-only
//! timestamps) are refused or ignored, and never applied: each case asserts
//! the code and re-reads what it must not have changed.
//!
//! Every matrix line reads `(rpc, target, [sa, oa, ta, u, app])`, every
//! property line `(case, [sa, oa, ta, u, app])`: one row per caller. Rows
//! act on fresh objects where they change anything (ids carry the row
//! number), so rows never interfere; the listings run on a server where
//! nothing else changes, so their exact ids can be asserted. Each table
//! collects every mismatching row and then fails listing them all.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{assert_code, client_on, Client, TestServer};
use prost_types::{value::Kind, Struct, Value};
use roster::pb;
use tonic::{Code, Response, Status};

const OK: Code = Code::Ok;
const PD: Code = Code::PermissionDenied;
const NF: Code = Code::NotFound;
const FP: Code = Code::FailedPrecondition;
const IA: Code = Code::InvalidArgument;
const AE: Code = Code::AlreadyExists;

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
/// tenant, roles. The first five are the callers, in `CALLERS` order; the
/// rest are plain users, one per scope.
const USERS: [(&str, &str, &str, &[&str]); 10] = [
    ("sa", "acme", "acme-t1", &["super-admin"]),
    ("oa", "acme", "", &["org-admin"]),
    ("ta", "acme", "acme-t1", &["tenant-admin"]),
    ("u", "acme", "acme-t1", &["user"]),
    ("app", "acme", "acme-t1", &["app:reader"]),
    ("own-target", "acme", "acme-t1", &["user"]),
    ("sibling-target", "acme", "acme-t2", &["user"]),
    ("foreign-target", "globex", "globex-t1", &["user"]),
    ("org-target", "acme", "", &["user"]),
    ("foreign-org-target", "globex", "", &["user"]),
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

/// Where a target lies relative to the callers (all in organization `acme`,
/// all but `oa` in tenant `acme-t1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// The callers' own tenant `acme-t1`; for organization-level targets,
    /// their own organization `acme`.
    Own,
    /// The sibling tenant `acme-t2`: the callers' organization, but not the
    /// tenant-admin's tenant.
    Sibling,
    /// The foreign organization `globex` and its tenant `globex-t1`.
    Foreign,
}

use Scope::*;

impl Scope {
    fn org(self) -> &'static str {
        match self {
            Own | Sibling => "acme",
            Foreign => "globex",
        }
    }

    fn tenant(self) -> &'static str {
        match self {
            Own => "acme-t1",
            Sibling => "acme-t2",
            Foreign => "globex-t1",
        }
    }

    /// The fixture's plain user of the scope's tenant.
    fn user(self) -> &'static str {
        match self {
            Own => "own-target",
            Sibling => "sibling-target",
            Foreign => "foreign-target",
        }
    }

    /// The fixture's plain user of the scope's organization, in no tenant.
    fn org_user(self) -> &'static str {
        match self {
            Own => "org-target",
            Sibling => unreachable!("an organization has no sibling"),
            Foreign => "foreign-org-target",
        }
    }
}

/// What a row acts on, relative to the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// The caller itself: self RPCs without impersonation; UpdateUser and
    /// DeleteUser of the caller.
    Itself,
    /// An existing object of the scope: a plain user of its tenant (user
    /// RPCs; self RPCs impersonate it), the tenant itself (tenant RPCs,
    /// ListUsers' `lookup_tenant_id`; DeleteTenant: a fresh empty tenant
    /// beside it, as the own tenant holds the callers), or for CreateUser a
    /// fresh id into that tenant (named by `tenant_id` alone).
    In(Scope),
    /// A missing user or tenant named in the scope: its id was just deleted
    /// from there, and the request names the scope's organization where it
    /// has a field for one (UpdateUser also names the tenant). For tenants
    /// `Own` means nothing: the callers' own tenant holds them.
    Missing(Scope),
    /// Create RPCs: a fresh object of the scope is there, and the request
    /// creates one with its id in that same scope.
    Taken(Scope),
    /// The scope's organization (`Own` or `Foreign`): the target of org
    /// RPCs, CreateTenant's parent, the `lookup_org_id` of lists,
    /// CreateUser's destination without a tenant; for user and self RPCs a
    /// plain user of that organization in no tenant.
    Org(Scope),
    /// A missing organization (never the callers' own, which holds them):
    /// the target of org RPCs, a lookup, or a user's or tenant's
    /// destination. Its id was just deleted.
    MissingOrg,
    /// No scope: CreateOrganization, ListOrganizations.
    Global,
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

/// Failures collected over a table's rows, reported all at once.
#[derive(Default)]
struct Report {
    rows: usize,
    failures: Vec<String>,
}

impl Report {
    /// Records one row's outcome.
    fn note(&mut self, row: String, outcome: Outcome) {
        self.rows += 1;
        if let Err(why) = outcome {
            self.failures.push(format!("{row}: {why}"));
        }
    }

    /// Fails listing every failed row, if any.
    #[track_caller]
    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} of {} rows failed:\n{}",
            self.failures.len(),
            self.rows,
            self.failures.join("\n")
        );
    }
}

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

    /// A user that was in the scope's tenant and has just been deleted.
    async fn gone_user(&self, scope: Scope, n: usize) -> String {
        let id = format!("gone-user-{n}");
        self.add_user(&id, scope.org(), scope.tenant(), &["user"])
            .await;
        self.admin()
            .delete_user(pb::DeleteUserRequest { id: id.clone() })
            .await
            .unwrap();
        id
    }

    /// A tenant that was in the scope's organization and has just been
    /// deleted.
    async fn gone_tenant(&self, scope: Scope, n: usize) -> String {
        assert_ne!(scope, Own, "the callers' own tenant cannot be missing");
        let id = format!("gone-tenant-{n}");
        self.s.tenant(&id, scope.org()).await;
        self.admin()
            .delete_tenant(pb::DeleteTenantRequest { id: id.clone() })
            .await
            .unwrap();
        id
    }

    /// An organization that has just been deleted.
    async fn gone_org(&self, n: usize) -> String {
        let id = format!("gone-org-{n}");
        self.s.org(&id).await;
        self.admin()
            .delete_organization(pb::DeleteOrganizationRequest { id: id.clone() })
            .await
            .unwrap();
        id
    }

    /// `org`, or a just deleted organization for [`GONE`].
    async fn resolve_org(&self, org: &str, n: usize) -> String {
        if org == GONE {
            self.gone_org(n).await
        } else {
            org.to_owned()
        }
    }

    /// A fresh user like caller `who` (same organization, tenant and
    /// roles) and its key.
    async fn twin(&self, who: usize, n: usize) -> (String, String) {
        let (org, tenant, roles) = fixture_user(CALLERS[who]);
        let id = format!("twin-{n}");
        let key = self.s.user(&id, org, tenant, roles).await;
        (id, key)
    }

    /// Every organization, as admin sees them.
    async fn orgs(&self) -> Vec<pb::Organization> {
        self.admin()
            .list_organizations(pb::ListOrganizationsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .organizations
    }

    /// An organization, as admin sees it.
    async fn find_org(&self, id: &str) -> Option<pb::Organization> {
        self.orgs().await.into_iter().find(|o| o.id == id)
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

    /// The organizations to search for an object: the fixture's first (where
    /// rows put nearly everything), then any other.
    async fn search_orgs(&self) -> Vec<String> {
        let mut orgs = strings(&ORGS);
        for org in self.orgs().await {
            if !orgs.contains(&org.id) {
                orgs.push(org.id);
            }
        }
        orgs
    }

    /// A user of any organization, as admin sees it. (Admin's impersonation
    /// answering NOT_FOUND short-cuts the search for a missing id.)
    async fn locate_user(&self, id: &str) -> Option<pb::User> {
        let probe = self
            .s
            .client_as(&self.s.admin_key, id)
            .get_info(pb::GetUserInfoRequest {})
            .await;
        if matches!(&probe, Err(s) if s.code() == Code::NotFound) {
            return None;
        }
        for org in ORGS {
            if let Some(user) = self.find_user(org, id).await {
                return Some(user);
            }
        }
        for org in self.search_orgs().await.into_iter().skip(ORGS.len()) {
            if let Some(user) = self.find_user(&org, id).await {
                return Some(user);
            }
        }
        None
    }

    /// A tenant of any organization, as admin sees it. (ListUsers of a
    /// missing tenant answering NOT_FOUND short-cuts the search.)
    async fn locate_tenant(&self, id: &str) -> Option<pb::Tenant> {
        let probe = self
            .admin()
            .list_users(pb::ListUsersRequest {
                lookup_tenant_id: id.into(),
                page_size: 1,
                ..Default::default()
            })
            .await;
        if matches!(&probe, Err(s) if s.code() == Code::NotFound) {
            return None;
        }
        for org in ORGS {
            if let Some(t) = self.find_tenant(org, id).await {
                return Some(t);
            }
        }
        for org in self.search_orgs().await.into_iter().skip(ORGS.len()) {
            if let Some(t) = self.find_tenant(&org, id).await {
                return Some(t);
            }
        }
        None
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

    /// Issues `user` a key named `name` (admin impersonating it); returns
    /// its secret.
    async fn issue_key(&self, user: &str, name: &str) -> String {
        let res = self
            .s
            .client_as(&self.s.admin_key, user)
            .create_access_key(pb::CreateAccessKeyRequest { name: name.into() })
            .await
            .unwrap()
            .into_inner();
        res.access_keys[0].access_key.clone()
    }

    /// The key `secret` still authenticates, as `user`.
    async fn key_works(&self, secret: &str, user: &str) -> Outcome {
        match self
            .s
            .client(secret)
            .get_info(pb::GetUserInfoRequest {})
            .await
        {
            Ok(res) if res.get_ref().id == user => Ok(()),
            Ok(res) => Err(format!("{user}'s key authenticates {}", res.get_ref().id)),
            Err(s) => Err(format!("{user}'s key no longer works: {s:?}")),
        }
    }

    /// The key `secret` no longer authenticates.
    async fn key_revoked(&self, secret: &str) -> Outcome {
        match self
            .s
            .client(secret)
            .get_info(pb::GetUserInfoRequest {})
            .await
        {
            Err(s) if s.code() == Code::Unauthenticated => Ok(()),
            got => Err(format!("a deleted key still answers {got:?}")),
        }
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

    /// Whether `user`'s configuration has `key`.
    async fn config_has(&self, user: &str, key: &str) -> bool {
        self.config(user).await.fields.contains_key(key)
    }

    /// Sets `key` in `user`'s configuration (admin impersonating it).
    async fn set_config(&self, user: &str, key: &str) {
        self.s
            .client_as(&self.s.admin_key, user)
            .update_config(pb::UpdateConfigRequest {
                updated: Some(flag(key)),
                deleted: vec![],
            })
            .await
            .unwrap();
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

/// The organization of fixture tenant `id`.
fn fixture_tenant_org(id: &str) -> &'static str {
    TENANTS.into_iter().find(|t| t.0 == id).unwrap().1
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
    let mut report = Report::default();
    for &(rpc, target, codes) in table {
        for (who, want) in codes.into_iter().enumerate() {
            let n = report.rows + 1;
            let outcome = check_row(fx, rpc, target, who, want, n).await;
            report.note(
                format!("{rpc:?} by {} on {target:?}", CALLERS[who]),
                outcome,
            );
        }
    }
    report.finish();
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

/// The self RPCs act on the caller, or on the user it impersonates; that
/// user's keys or configuration change exactly when the call succeeds, and
/// the impersonating caller's never do.
async fn self_row(
    fx: &Fixture,
    rpc: Rpc,
    target: Target,
    who: usize,
    want: Code,
    n: usize,
) -> Outcome {
    let caller = CALLERS[who];
    let key = &fx.keys[who];
    let (subject, exists) = match target {
        Itself => (caller.to_owned(), true),
        In(scope) => (scope.user().to_owned(), true),
        Org(scope) => (scope.org_user().to_owned(), true),
        Missing(scope) => (fx.gone_user(scope, n).await, false),
        Ranked(role) => {
            let id = format!("ranked-{n}");
            fx.add_user(&id, "acme", "acme-t1", &[role]).await;
            (id, true)
        }
        _ => unreachable!("{rpc:?} has no target {target:?}"),
    };
    let mut c = match target {
        Itself => fx.s.client(key),
        _ => fx.s.client_as(key, &subject),
    };
    let other = subject != caller;
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
            if other {
                let has = fx.key_names(caller).await.contains(&name);
                ensure(!has, || format!("the caller got key {name}"))?;
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
                fx.issue_key(&subject, &name).await;
            }
            let got = c
                .delete_access_key(pb::DelAccessKeyRequest {
                    names: vec![name.clone()],
                    ..Default::default()
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
                let has = fx.config_has(&subject, &name).await;
                ensure(has == applied, || {
                    format!("{subject}'s config has {name}: {has}")
                })?;
            }
            if other {
                let has = fx.config_has(caller, &name).await;
                ensure(!has, || format!("the caller's config got {name}"))?;
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
            let id = match target {
                Global => format!("new-org-{n}"),
                Taken(scope) => scope.org().to_owned(),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let before = fx.find_org(&id).await;
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
            let after = fx.find_org(&id).await;
            match before {
                Some(b) => ensure(after.as_ref() == Some(&b), || {
                    format!("{id} changed to {after:?}")
                })?,
                None => ensure(after.is_some() == applied, || {
                    format!("{id} exists: {}", after.is_some())
                })?,
            }
        }
        Rpc::UpdateOrganization => {
            let id = match target {
                Org(scope) => scope.org().to_owned(),
                MissingOrg => fx.gone_org(n).await,
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let before = fx.find_org(&id).await;
            let name = format!("Renamed {n}");
            let got = c
                .update_organization(pb::UpdateOrganizationRequest {
                    organization: Some(pb::Organization {
                        id: id.clone(),
                        name: name.clone(),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await;
            expect_code(&got, want)?;
            let after = fx.find_org(&id).await;
            match (before, after) {
                (None, None) => {}
                (Some(b), Some(a)) if applied => {
                    ensure(a.name == name, || format!("{id} is named {}", a.name))?;
                    ensure(a.created_at == b.created_at, || {
                        format!("{id}'s created_at changed")
                    })?;
                }
                (Some(b), Some(a)) => ensure(a == b, || format!("{id} changed to {a:?}"))?,
                (b, a) => return Err(format!("{id} was {b:?}, is {a:?}")),
            }
        }
        Rpc::DeleteOrganization => {
            let id = match target {
                // Holds the callers: never deletable.
                Org(Own) => "acme".to_owned(),
                // An empty organization (globex holds tenants and users).
                Org(Foreign) => {
                    let id = format!("empty-org-{n}");
                    fx.s.org(&id).await;
                    id
                }
                MissingOrg => fx.gone_org(n).await,
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let existed = fx.find_org(&id).await.is_some();
            let got = c
                .delete_organization(pb::DeleteOrganizationRequest { id: id.clone() })
                .await;
            expect_code(&got, want)?;
            let exists = fx.find_org(&id).await.is_some();
            ensure(exists == (existed && !applied), || {
                format!("{id} exists: {exists}")
            })?;
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
            // The own organization is named by an empty org_id (the
            // caller's); a taken id is a fresh tenant of the scope.
            let fresh = format!("new-tenant-{n}");
            let (id, org_field, home) = match target {
                Org(Own) => (fresh, String::new(), "acme"),
                Org(Foreign) => (fresh, "globex".to_owned(), "globex"),
                MissingOrg => (fresh, fx.gone_org(n).await, ""),
                Taken(scope) => {
                    let id = format!("taken-{n}");
                    fx.s.tenant(&id, scope.org()).await;
                    let org_field = if scope == Own { "" } else { scope.org() };
                    (id, org_field.to_owned(), scope.org())
                }
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let before = fx.locate_tenant(&id).await;
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
            let after = fx.locate_tenant(&id).await;
            match (before, after) {
                (Some(b), a) => {
                    ensure(a.as_ref() == Some(&b), || format!("{id} changed to {a:?}"))?
                }
                (None, Some(a)) => ensure(applied && a.org_id == home, || {
                    format!("{id} created as {a:?}")
                })?,
                (None, None) => ensure(!applied, || format!("{id} was not created"))?,
            }
        }
        Rpc::UpdateTenant => {
            let (id, org_field) = match target {
                In(scope) => (scope.tenant().to_owned(), ""),
                Missing(scope) => (fx.gone_tenant(scope, n).await, scope.org()),
                MoveToForeign => ("acme-t2".to_owned(), "globex"),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let before = fx.locate_tenant(&id).await;
            let name = format!("Renamed {n}");
            let got = c
                .update_tenant(pb::UpdateTenantRequest {
                    tenant: Some(pb::Tenant {
                        id: id.clone(),
                        name: name.clone(),
                        org_id: org_field.into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await;
            expect_code(&got, want)?;
            let after = fx.locate_tenant(&id).await;
            match (before, after) {
                (None, None) => {}
                (Some(b), Some(a)) if applied => ensure(
                    a.name == name && a.org_id == b.org_id && a.created_at == b.created_at,
                    || format!("{id} updated to {a:?}"),
                )?,
                (Some(b), Some(a)) => ensure(a == b, || format!("{id} changed to {a:?}"))?,
                (b, a) => return Err(format!("{id} was {b:?}, is {a:?}")),
            }
        }
        Rpc::DeleteTenant => {
            let id = match target {
                // Holds the callers: never deletable.
                In(Own) => "acme-t1".to_owned(),
                In(scope) => {
                    let id = format!("empty-tenant-{n}");
                    fx.s.tenant(&id, scope.org()).await;
                    id
                }
                Missing(scope) => fx.gone_tenant(scope, n).await,
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let existed = fx.locate_tenant(&id).await.is_some();
            let got = c
                .delete_tenant(pb::DeleteTenantRequest { id: id.clone() })
                .await;
            expect_code(&got, want)?;
            let exists = fx.locate_tenant(&id).await.is_some();
            ensure(exists == (existed && !applied), || {
                format!("{id} exists: {exists}")
            })?;
        }
        Rpc::ListTenants => {
            let lookup = match target {
                Org(Own) => String::new(),
                Org(Foreign) => "globex".to_owned(),
                MissingOrg => fx.gone_org(n).await,
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

/// A user a row acts on, as stored before the row.
struct UserCase {
    id: String,
    org: String,
    tenant: String,
    roles: Vec<String>,
}

/// The user a UpdateUser or DeleteUser row acts on, created (fresh) unless
/// missing (then deleted from its scope) or the caller itself.
async fn user_target(fx: &Fixture, target: Target, who: usize, n: usize) -> UserCase {
    let (org, tenant, role): (&str, &str, &str) = match target {
        In(scope) => (scope.org(), scope.tenant(), "user"),
        Org(scope) => (scope.org(), "", "user"),
        Grant(_) | MoveToSibling | MoveToForeign | MissingOrg => ("acme", "acme-t1", "user"),
        Ranked(role) => ("acme", "acme-t1", role),
        Missing(scope) => {
            return UserCase {
                id: fx.gone_user(scope, n).await,
                org: scope.org().into(),
                tenant: scope.tenant().into(),
                roles: strings(&["user"]),
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
            };
        }
        _ => unreachable!("users have no target {target:?}"),
    };
    let id = format!("target-{n}");
    fx.add_user(&id, org, tenant, &[role]).await;
    UserCase {
        id,
        org: org.into(),
        tenant: tenant.into(),
        roles: strings(&[role]),
    }
}

/// The organization a created `user` lands in: its `org_id`, else its
/// (fixture) tenant's, else the callers' own.
fn home_org(user: &pb::User) -> String {
    if !user.org_id.is_empty() {
        user.org_id.clone()
    } else if let Some((_, org)) = TENANTS.into_iter().find(|t| t.0 == user.tenant_id) {
        org.to_owned()
    } else {
        "acme".to_owned()
    }
}

/// CreateUser with `user` answers `want`. Applied, the user is there as
/// sent (in [`home_org`]); refused, it exists nowhere, or an existing user
/// of that id is exactly as before.
async fn create_user_case(fx: &Fixture, c: &mut Client, user: pb::User, want: Code) -> Outcome {
    let before = fx.locate_user(&user.id).await;
    let got = c
        .create_user(pb::CreateUserRequest {
            user: Some(user.clone()),
        })
        .await;
    expect_code(&got, want)?;
    let after = fx.locate_user(&user.id).await;
    let id = &user.id;
    match (before, after) {
        (Some(b), a) => ensure(a.as_ref() == Some(&b), || format!("{id} changed to {a:?}")),
        (None, Some(a)) => ensure(
            want == OK
                && a.org_id == home_org(&user)
                && a.tenant_id == user.tenant_id
                && a.roles == user.roles
                && a.name == user.name,
            || format!("{id} created as {a:?}"),
        ),
        (None, None) => ensure(want != OK, || format!("{id} was not created")),
    }
}

/// UpdateUser with `user` answers `want`. Applied, the user is re-read as
/// sent (an empty `org_id` keeps the organization); refused, it is exactly
/// as before, or still missing.
async fn update_user_case(fx: &Fixture, c: &mut Client, user: pb::User, want: Code) -> Outcome {
    let before = fx.locate_user(&user.id).await;
    let got = c
        .update_user(pb::UpdateUserRequest {
            user: Some(user.clone()),
            ..Default::default()
        })
        .await;
    expect_code(&got, want)?;
    let after = fx.locate_user(&user.id).await;
    let id = &user.id;
    match (before, after) {
        (None, None) => Ok(()),
        (Some(b), Some(a)) if want == OK => {
            let org = if user.org_id.is_empty() {
                &b.org_id
            } else {
                &user.org_id
            };
            ensure(
                a.name == user.name
                    && a.org_id == *org
                    && a.tenant_id == user.tenant_id
                    && a.roles == user.roles
                    && a.created_at == b.created_at,
                || format!("{id} updated to {a:?}"),
            )
        }
        (Some(b), Some(a)) => ensure(a == b, || format!("{id} changed to {a:?}")),
        (b, a) => Err(format!("{id} was {b:?}, is {a:?}")),
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
            let fresh = format!("new-user-{n}");
            // (id, org_id sent, tenant_id, role)
            let (id, org_field, tenant, role) = match target {
                In(scope) => (fresh, String::new(), scope.tenant().to_owned(), "user"),
                Org(scope) => (fresh, scope.org().to_owned(), String::new(), "user"),
                MissingOrg => (fresh, fx.gone_org(n).await, String::new(), "user"),
                Missing(scope) => {
                    let tenant = fx.gone_tenant(scope, n).await;
                    (fresh, scope.org().to_owned(), tenant, "user")
                }
                Taken(scope) => {
                    let id = format!("taken-{n}");
                    fx.add_user(&id, scope.org(), scope.tenant(), &["user"])
                        .await;
                    (id, String::new(), scope.tenant().to_owned(), "user")
                }
                Grant(role) => (fresh, String::new(), "acme-t1".to_owned(), role),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let user = pb::User {
                id,
                name: format!("User {n}"),
                org_id: org_field,
                tenant_id: tenant,
                roles: strings(&[role]),
                ..Default::default()
            };
            create_user_case(fx, &mut c, user, want).await?;
        }
        Rpc::UpdateUser => {
            let old = user_target(fx, target, who, n).await;
            // (org_id sent, tenant_id, roles)
            let (org_field, tenant, roles) = match target {
                Grant(role) => (String::new(), old.tenant.clone(), strings(&[role])),
                MoveToSibling => (String::new(), "acme-t2".to_owned(), old.roles.clone()),
                MoveToForeign => ("globex".into(), "globex-t1".into(), old.roles.clone()),
                // Names the scope the missing user was in.
                Missing(_) => (old.org.clone(), old.tenant.clone(), old.roles.clone()),
                MissingOrg => (fx.gone_org(n).await, String::new(), old.roles.clone()),
                _ => (String::new(), old.tenant.clone(), old.roles.clone()),
            };
            let user = pb::User {
                id: old.id.clone(),
                name: format!("Renamed {n}"),
                org_id: org_field,
                tenant_id: tenant,
                roles,
                ..Default::default()
            };
            update_user_case(fx, &mut c, user, want).await?;
        }
        Rpc::DeleteUser => {
            let old = user_target(fx, target, who, n).await;
            let existed = fx.locate_user(&old.id).await.is_some();
            let got = c
                .delete_user(pb::DeleteUserRequest { id: old.id.clone() })
                .await;
            expect_code(&got, want)?;
            let exists = fx.locate_user(&old.id).await.is_some();
            ensure(exists == (existed && !applied), || {
                format!("{} exists: {exists}", old.id)
            })?;
        }
        Rpc::ListUsers => {
            let (lookup_org, lookup_tenant) = match target {
                Org(Own) => (String::new(), String::new()),
                Org(Foreign) => ("globex".to_owned(), String::new()),
                MissingOrg => (fx.gone_org(n).await, String::new()),
                In(scope) => (String::new(), scope.tenant().to_owned()),
                Missing(scope) => (scope.org().to_owned(), fx.gone_tenant(scope, n).await),
                _ => unreachable!("{rpc:?} has no target {target:?}"),
            };
            let got = c
                .list_users(pb::ListUsersRequest {
                    lookup_org_id: lookup_org.clone(),
                    lookup_tenant_id: lookup_tenant.clone(),
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
                    fixture_users_of(fixture_tenant_org(&lookup_tenant), &lookup_tenant)
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
/// over that user and a rank not below it. Per scope: a colleague of the own
/// tenant is out of reach of the user and the application role, one of the
/// sibling tenant (or of the organization, in no tenant) also of the
/// tenant-admin, one of the foreign organization of all but the
/// super-admin. A missing user is NOT_FOUND for those holding `users:write`
/// wherever it was (the header carries only an id, so nothing places it
/// outside their scope) and PERMISSION_DENIED for the rest. Effects (keys,
/// configuration) are checked on the subject, and the impersonating caller's
/// own keys and configuration stay untouched.
#[tokio::test]
async fn self_rpcs_by_role_and_scope() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[Line] = &[
        //                                   sa  oa  ta  u   app
        // The same seven scopes for each self RPC: the caller itself (which
        // cannot be missing: its key would not authenticate) and, by
        // impersonation, an existing or just-deleted user of the own tenant,
        // the sibling tenant and the foreign organization; then users of
        // an organization in no tenant (an organization has no sibling) and
        // of each rank. The header names only a user, so no line names a
        // missing organization.
        (CreateAccessKey, Itself,           [OK, OK, OK, OK, OK]),
        (CreateAccessKey, In(Own),          [OK, OK, OK, PD, PD]),
        (CreateAccessKey, Missing(Own),     [NF, NF, NF, PD, PD]),
        (CreateAccessKey, In(Sibling),      [OK, OK, PD, PD, PD]),
        (CreateAccessKey, Missing(Sibling), [NF, NF, NF, PD, PD]),
        (CreateAccessKey, In(Foreign),      [OK, PD, PD, PD, PD]),
        (CreateAccessKey, Missing(Foreign), [NF, NF, NF, PD, PD]),
        (CreateAccessKey, Org(Own),         [OK, OK, PD, PD, PD]),
        (CreateAccessKey, Org(Foreign),     [OK, PD, PD, PD, PD]),
        (CreateAccessKey, Ranked("super-admin"),  [OK, PD, PD, PD, PD]),
        (CreateAccessKey, Ranked("org-admin"),    [OK, OK, PD, PD, PD]),
        (CreateAccessKey, Ranked("tenant-admin"), [OK, OK, OK, PD, PD]),
        // Likewise.
        (ListAccessKeys,  Itself,           [OK, OK, OK, OK, OK]),
        (ListAccessKeys,  In(Own),          [OK, OK, OK, PD, PD]),
        (ListAccessKeys,  Missing(Own),     [NF, NF, NF, PD, PD]),
        (ListAccessKeys,  In(Sibling),      [OK, OK, PD, PD, PD]),
        (ListAccessKeys,  Missing(Sibling), [NF, NF, NF, PD, PD]),
        (ListAccessKeys,  In(Foreign),      [OK, PD, PD, PD, PD]),
        (ListAccessKeys,  Missing(Foreign), [NF, NF, NF, PD, PD]),
        (ListAccessKeys,  Org(Own),         [OK, OK, PD, PD, PD]),
        (ListAccessKeys,  Org(Foreign),     [OK, PD, PD, PD, PD]),
        (ListAccessKeys,  Ranked("super-admin"),  [OK, PD, PD, PD, PD]),
        (ListAccessKeys,  Ranked("org-admin"),    [OK, OK, PD, PD, PD]),
        (ListAccessKeys,  Ranked("tenant-admin"), [OK, OK, OK, PD, PD]),
        // Likewise.
        (DeleteAccessKey, Itself,           [OK, OK, OK, OK, OK]),
        (DeleteAccessKey, In(Own),          [OK, OK, OK, PD, PD]),
        (DeleteAccessKey, Missing(Own),     [NF, NF, NF, PD, PD]),
        (DeleteAccessKey, In(Sibling),      [OK, OK, PD, PD, PD]),
        (DeleteAccessKey, Missing(Sibling), [NF, NF, NF, PD, PD]),
        (DeleteAccessKey, In(Foreign),      [OK, PD, PD, PD, PD]),
        (DeleteAccessKey, Missing(Foreign), [NF, NF, NF, PD, PD]),
        (DeleteAccessKey, Org(Own),         [OK, OK, PD, PD, PD]),
        (DeleteAccessKey, Org(Foreign),     [OK, PD, PD, PD, PD]),
        (DeleteAccessKey, Ranked("super-admin"),  [OK, PD, PD, PD, PD]),
        (DeleteAccessKey, Ranked("org-admin"),    [OK, OK, PD, PD, PD]),
        (DeleteAccessKey, Ranked("tenant-admin"), [OK, OK, OK, PD, PD]),
        // Likewise.
        (GetInfo,         Itself,           [OK, OK, OK, OK, OK]),
        (GetInfo,         In(Own),          [OK, OK, OK, PD, PD]),
        (GetInfo,         Missing(Own),     [NF, NF, NF, PD, PD]),
        (GetInfo,         In(Sibling),      [OK, OK, PD, PD, PD]),
        (GetInfo,         Missing(Sibling), [NF, NF, NF, PD, PD]),
        (GetInfo,         In(Foreign),      [OK, PD, PD, PD, PD]),
        (GetInfo,         Missing(Foreign), [NF, NF, NF, PD, PD]),
        (GetInfo,         Org(Own),         [OK, OK, PD, PD, PD]),
        (GetInfo,         Org(Foreign),     [OK, PD, PD, PD, PD]),
        (GetInfo,         Ranked("super-admin"),  [OK, PD, PD, PD, PD]),
        (GetInfo,         Ranked("org-admin"),    [OK, OK, PD, PD, PD]),
        (GetInfo,         Ranked("tenant-admin"), [OK, OK, OK, PD, PD]),
        // Likewise.
        (UpdateConfig,    Itself,           [OK, OK, OK, OK, OK]),
        (UpdateConfig,    In(Own),          [OK, OK, OK, PD, PD]),
        (UpdateConfig,    Missing(Own),     [NF, NF, NF, PD, PD]),
        (UpdateConfig,    In(Sibling),      [OK, OK, PD, PD, PD]),
        (UpdateConfig,    Missing(Sibling), [NF, NF, NF, PD, PD]),
        (UpdateConfig,    In(Foreign),      [OK, PD, PD, PD, PD]),
        (UpdateConfig,    Missing(Foreign), [NF, NF, NF, PD, PD]),
        (UpdateConfig,    Org(Own),         [OK, OK, PD, PD, PD]),
        (UpdateConfig,    Org(Foreign),     [OK, PD, PD, PD, PD]),
        (UpdateConfig,    Ranked("super-admin"),  [OK, PD, PD, PD, PD]),
        (UpdateConfig,    Ranked("org-admin"),    [OK, OK, PD, PD, PD]),
        (UpdateConfig,    Ranked("tenant-admin"), [OK, OK, OK, PD, PD]),
    ];
    check_table(&fx, table).await;
}

/// Organizations: only a super-admin creates or deletes one; UpdateOrganization
/// is the super-admin's anywhere and the org-admin's for its own
/// organization; tenant-admins, users and application roles get
/// PERMISSION_DENIED throughout. A missing organization is NOT_FOUND only
/// for the super-admin (for the org-admin it lies outside its scope), a
/// taken id ALREADY_EXISTS only for it (PERMISSION_DENIED comes first), and
/// deleting a non-empty organization is FAILED_PRECONDITION. Effects (the
/// organization exists, is renamed, is gone, or is untouched) are checked.
#[tokio::test]
async fn organizations_by_role_and_scope() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[Line] = &[
        //                                    sa  oa  ta  u   app
        // A new organization lies in no scope: own, sibling and foreign
        // mean nothing; "exists" is an id already taken.
        (CreateOrganization, Global,         [OK, PD, PD, PD, PD]),
        (CreateOrganization, Taken(Own),     [AE, PD, PD, PD, PD]),
        (CreateOrganization, Taken(Foreign), [AE, PD, PD, PD, PD]),
        // An organization has no sibling (that is a tenant-level scope), and
        // the callers' own organization holds them, so it cannot be missing:
        // the missing one is another organization.
        (UpdateOrganization, Org(Own),       [OK, OK, PD, PD, PD]),
        (UpdateOrganization, Org(Foreign),   [OK, PD, PD, PD, PD]),
        (UpdateOrganization, MissingOrg,     [NF, PD, PD, PD, PD]),
        // Likewise.
        (DeleteOrganization, Org(Own),       [FP, PD, PD, PD, PD]),
        (DeleteOrganization, Org(Foreign),   [OK, PD, PD, PD, PD]),
        (DeleteOrganization, MissingOrg,     [NF, PD, PD, PD, PD]),
        // ListOrganizations: in `listings_by_role_and_scope`.
    ];
    check_table(&fx, table).await;
}

/// Tenants: the super-admin creates, updates and deletes them anywhere, the
/// org-admin in its own organization (its own tenant and the sibling alike);
/// a tenant-admin (even of that very tenant), a user and an application role
/// get PERMISSION_DENIED. A missing tenant is NOT_FOUND for super- and
/// org-admin, except where the request names another organization (then
/// PERMISSION_DENIED for the org-admin); a missing organization is NOT_FOUND
/// only for the super-admin; a taken id is ALREADY_EXISTS only for callers
/// who may create there. Changing a tenant's organization is
/// INVALID_ARGUMENT for the super-admin and PERMISSION_DENIED for everyone
/// else (the destination lies outside their scope). Effects are checked.
#[tokio::test]
async fn tenants_by_role_and_scope() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[Line] = &[
        //                                 sa  oa  ta  u   app
        // A new tenant's scope is its organization: a new tenant of the own
        // organization is the sibling of every other, so In(Sibling) would
        // repeat Org(Own); the own organization cannot be missing.
        (CreateTenant, Org(Own),          [OK, OK, PD, PD, PD]),
        (CreateTenant, Taken(Own),        [AE, AE, PD, PD, PD]),
        (CreateTenant, Org(Foreign),      [OK, PD, PD, PD, PD]),
        (CreateTenant, Taken(Foreign),    [AE, PD, PD, PD, PD]),
        (CreateTenant, MissingOrg,        [NF, PD, PD, PD, PD]),
        // The callers' own tenant holds them: it cannot be missing. A
        // tenant's target is a tenant, not an organization (naming another,
        // or a missing, organization as its org_id: MoveToForeign here and
        // `other_organizations_are_refused_not_applied`).
        (UpdateTenant, In(Own),           [OK, OK, PD, PD, PD]),
        (UpdateTenant, In(Sibling),       [OK, OK, PD, PD, PD]),
        (UpdateTenant, Missing(Sibling),  [NF, NF, PD, PD, PD]),
        (UpdateTenant, In(Foreign),       [OK, PD, PD, PD, PD]),
        (UpdateTenant, Missing(Foreign),  [NF, PD, PD, PD, PD]),
        (UpdateTenant, MoveToForeign,     [IA, PD, PD, PD, PD]),
        // Likewise. DeleteTenant carries only an id: a missing tenant of
        // another organization is NOT_FOUND for the org-admin too (nothing
        // in the request lies outside its scope).
        (DeleteTenant, In(Own),           [FP, FP, PD, PD, PD]),
        (DeleteTenant, In(Sibling),       [OK, OK, PD, PD, PD]),
        (DeleteTenant, Missing(Sibling),  [NF, NF, PD, PD, PD]),
        (DeleteTenant, In(Foreign),       [OK, PD, PD, PD, PD]),
        (DeleteTenant, Missing(Foreign),  [NF, NF, PD, PD, PD]),
    ];
    check_table(&fx, table).await;
}

/// Users: the super-admin manages them anywhere, the org-admin in its own
/// organization, the tenant-admin in its own tenant (a user of the sibling
/// tenant, of no tenant or of another organization is PERMISSION_DENIED);
/// users and application roles get PERMISSION_DENIED. Nobody grants a role
/// above its own highest, changes or deletes a user ranking above it, or
/// moves a user to another organization unless super-admin. Deleting
/// oneself is FAILED_PRECONDITION for those who may delete users
/// (PERMISSION_DENIED, checked first, for the rest). A missing user, tenant
/// or organization is NOT_FOUND for callers holding `users:write` over the
/// scope the request names, PERMISSION_DENIED when it names one outside; a
/// taken id is ALREADY_EXISTS likewise. Effects (created as sent, changed
/// as sent, deleted, or byte-for-byte untouched, wherever the user might
/// have gone) are checked.
#[tokio::test]
async fn users_by_role_and_scope() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[Line] = &[
        //                                   sa  oa  ta  u   app
        // CreateUser's target is its destination; "exists" is an id taken
        // there. The callers' own tenant cannot be missing.
        (CreateUser, In(Own),               [OK, OK, OK, PD, PD]),
        (CreateUser, Taken(Own),            [AE, AE, AE, PD, PD]),
        (CreateUser, In(Sibling),           [OK, OK, PD, PD, PD]),
        (CreateUser, Taken(Sibling),        [AE, AE, PD, PD, PD]),
        (CreateUser, Missing(Sibling),      [NF, NF, PD, PD, PD]),
        (CreateUser, In(Foreign),           [OK, PD, PD, PD, PD]),
        (CreateUser, Taken(Foreign),        [AE, PD, PD, PD, PD]),
        (CreateUser, Missing(Foreign),      [NF, PD, PD, PD, PD]),
        (CreateUser, Org(Own),              [OK, OK, PD, PD, PD]),
        (CreateUser, Org(Foreign),          [OK, PD, PD, PD, PD]),
        (CreateUser, MissingOrg,            [NF, PD, PD, PD, PD]),
        (CreateUser, Grant("super-admin"),  [OK, PD, PD, PD, PD]),
        (CreateUser, Grant("org-admin"),    [OK, OK, PD, PD, PD]),
        (CreateUser, Grant("tenant-admin"), [OK, OK, OK, PD, PD]),
        (CreateUser, Grant("app:writer"),   [OK, OK, OK, PD, PD]),
        // UpdateUser names the missing user's scope by org_id and tenant_id
        // (by tenant_id alone: `other_organizations_are_refused_not_applied`);
        // MissingOrg moves a user of acme-t1 to a missing organization. An
        // update has no taken id.
        (UpdateUser, In(Own),               [OK, OK, OK, PD, PD]),
        (UpdateUser, Missing(Own),          [NF, NF, NF, PD, PD]),
        (UpdateUser, In(Sibling),           [OK, OK, PD, PD, PD]),
        (UpdateUser, Missing(Sibling),      [NF, NF, PD, PD, PD]),
        (UpdateUser, In(Foreign),           [OK, PD, PD, PD, PD]),
        (UpdateUser, Missing(Foreign),      [NF, PD, PD, PD, PD]),
        (UpdateUser, Org(Own),              [OK, OK, PD, PD, PD]),
        (UpdateUser, Org(Foreign),          [OK, PD, PD, PD, PD]),
        (UpdateUser, MissingOrg,            [NF, PD, PD, PD, PD]),
        (UpdateUser, Itself,                [OK, OK, OK, PD, PD]),
        (UpdateUser, Ranked("super-admin"), [OK, PD, PD, PD, PD]),
        (UpdateUser, Ranked("org-admin"),   [OK, OK, PD, PD, PD]),
        (UpdateUser, Ranked("tenant-admin"),[OK, OK, OK, PD, PD]),
        (UpdateUser, Grant("super-admin"),  [OK, PD, PD, PD, PD]),
        (UpdateUser, Grant("org-admin"),    [OK, OK, PD, PD, PD]),
        (UpdateUser, Grant("tenant-admin"), [OK, OK, OK, PD, PD]),
        (UpdateUser, MoveToSibling,         [OK, OK, PD, PD, PD]),
        (UpdateUser, MoveToForeign,         [OK, PD, PD, PD, PD]),
        // DeleteUser carries only an id: a missing user is NOT_FOUND for
        // every holder of users:write, wherever it was, and no organization
        // is named (no MissingOrg) nor id taken.
        (DeleteUser, In(Own),               [OK, OK, OK, PD, PD]),
        (DeleteUser, Missing(Own),          [NF, NF, NF, PD, PD]),
        (DeleteUser, In(Sibling),           [OK, OK, PD, PD, PD]),
        (DeleteUser, Missing(Sibling),      [NF, NF, NF, PD, PD]),
        (DeleteUser, In(Foreign),           [OK, PD, PD, PD, PD]),
        (DeleteUser, Missing(Foreign),      [NF, NF, NF, PD, PD]),
        (DeleteUser, Org(Own),              [OK, OK, PD, PD, PD]),
        (DeleteUser, Org(Foreign),          [OK, PD, PD, PD, PD]),
        (DeleteUser, Itself,                [FP, FP, FP, PD, PD]),
        (DeleteUser, Ranked("super-admin"), [OK, PD, PD, PD, PD]),
        (DeleteUser, Ranked("org-admin"),   [OK, OK, PD, PD, PD]),
        (DeleteUser, Ranked("tenant-admin"),[OK, OK, OK, PD, PD]),
    ];
    check_table(&fx, table).await;
}

/// The List RPCs, on a fixture nothing else mutates, with the exact ids
/// listed: ListOrganizations shows every organization to the super-admin
/// and only `acme` to the org-admin; ListTenants shows an organization's
/// tenants to super- and org-admin (another organization: super-admin only)
/// and exactly its own tenant to the tenant-admin; ListUsers shows the own
/// organization's users to super- and org-admin, its own tenant's to the
/// tenant-admin (naming the sibling tenant is PERMISSION_DENIED to it),
/// another organization's or its tenant's to the super-admin only. Users
/// and application roles get PERMISSION_DENIED. A missing organization is
/// NOT_FOUND only for the super-admin; a missing tenant NOT_FOUND for super-
/// and org-admin unless the lookup names another organization.
#[tokio::test]
async fn listings_by_role_and_scope() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[Line] = &[
        //                                   sa  oa  ta  u   app
        // Lists no scope's objects but the caller's visible organizations:
        // nothing to name, nothing to miss.
        (ListOrganizations, Global,         [OK, OK, PD, PD, PD]),
        // Looks up by organization only: tenant-level scopes (own tenant,
        // sibling) mean nothing, and the own organization cannot be missing.
        (ListTenants, Org(Own),             [OK, OK, OK, PD, PD]),
        (ListTenants, Org(Foreign),         [OK, PD, PD, PD, PD]),
        (ListTenants, MissingOrg,           [NF, PD, PD, PD, PD]),
        // By organization (lookup_org_id) and by tenant (lookup_tenant_id);
        // the callers' own tenant and organization cannot be missing.
        (ListUsers, Org(Own),               [OK, OK, OK, PD, PD]),
        (ListUsers, Org(Foreign),           [OK, PD, PD, PD, PD]),
        (ListUsers, MissingOrg,             [NF, PD, PD, PD, PD]),
        (ListUsers, In(Own),                [OK, OK, OK, PD, PD]),
        (ListUsers, In(Sibling),            [OK, OK, PD, PD, PD]),
        (ListUsers, Missing(Sibling),       [NF, NF, PD, PD, PD]),
        (ListUsers, In(Foreign),            [OK, PD, PD, PD, PD]),
        (ListUsers, Missing(Foreign),       [NF, PD, PD, PD, PD]),
    ];
    check_table(&fx, table).await;
}

// ---- properties: fields a caller may not set ----

/// Stands for an organization that has just been deleted.
const GONE: &str = "<gone>";

/// A timestamp far in the past, sent where the server must set its own.
const PAST: i64 = 1;

/// 2100-01-01, sent where the server must set its own.
const FUTURE: i64 = 4_102_444_800_000;

/// A property case: a request setting something the caller may not set,
/// or must not be able to reach.
#[derive(Clone, Copy, Debug)]
enum Case {
    /// CreateUser into `acme-t1` with these roles.
    CreateWithRoles(&'static [&'static str]),
    /// UpdateUser giving a plain user of `acme-t1` these roles.
    GrantRoles(&'static [&'static str]),
    /// UpdateUser of the caller itself (a fresh twin of it, in its place
    /// with its roles, calling with its own key) giving itself these roles.
    GrantItself(&'static [&'static str]),
    /// CreateUser with this `org_id` and `tenant_id` ([`GONE`]: a missing
    /// organization).
    CreateInto(&'static str, &'static str),
    /// UpdateUser of a plain user of `acme-t1` with this `org_id` and
    /// `tenant_id`.
    MoveInto(&'static str, &'static str),
    /// UpdateUser of a user just deleted from `acme-t1`, with this `org_id`
    /// and `tenant_id`.
    MoveMissingInto(&'static str, &'static str),
    /// UpdateTenant of a fresh tenant of `acme` (with a user) naming this
    /// `org_id`.
    RehomeTenant(&'static str),
    /// DeleteAccessKey naming a key that only this user has.
    DeleteKeyOf(&'static str),
    /// DeleteAccessKey naming one of the caller's keys and one that only
    /// this user has.
    DeleteOwnAndKeyOf(&'static str),
    /// DeleteAccessKey naming a key name both the caller and this user use.
    DeleteSharedName(&'static str),
    /// CreateAccessKey with a name this user already uses.
    CreateNameOf(&'static str),
    /// ListAccessKeys while this user has keys.
    ListBeside(&'static str),
    /// UpdateConfig (no impersonation) setting a key and deleting a key
    /// that this user has.
    ConfigBeside(&'static str),
    /// UpdateConfig impersonating this user, setting a key and deleting
    /// one it has.
    ConfigAs(&'static str),
    /// The RPC (a create or update of a user, tenant or organization) with
    /// `created_at` and `updated_at` set by the client.
    Timestamps(Rpc),
}

use Case::*;

/// Runs every case of `table` for each caller and fails listing every row
/// whose status or effect differs.
async fn check_cases(fx: &Fixture, table: &[(Case, [Code; 5])]) {
    let mut report = Report::default();
    for &(case, codes) in table {
        for (who, want) in codes.into_iter().enumerate() {
            let n = report.rows + 1;
            let outcome = case_row(fx, case, who, want, n).await;
            report.note(format!("{case:?} by {}", CALLERS[who]), outcome);
        }
    }
    report.finish();
}

/// One property row: `CALLERS[who]` sends `case`, gets `want`, and nothing
/// it may not change has changed.
async fn case_row(fx: &Fixture, case: Case, who: usize, want: Code, n: usize) -> Outcome {
    let caller = CALLERS[who];
    let mut c = fx.s.client(&fx.keys[who]);
    let applied = want == OK;
    let plain_user = |id: String, org: String, tenant: &str, roles: &[&str]| pb::User {
        id,
        name: format!("Case {n}"),
        org_id: org,
        tenant_id: tenant.into(),
        roles: strings(roles),
        ..Default::default()
    };
    match case {
        CreateWithRoles(roles) => {
            let user = plain_user(format!("new-user-{n}"), String::new(), "acme-t1", roles);
            create_user_case(fx, &mut c, user, want).await
        }
        GrantRoles(roles) => {
            let id = format!("target-{n}");
            fx.add_user(&id, "acme", "acme-t1", &["user"]).await;
            let user = plain_user(id, String::new(), "acme-t1", roles);
            update_user_case(fx, &mut c, user, want).await
        }
        GrantItself(roles) => {
            let (id, key) = fx.twin(who, n).await;
            let tenant = fixture_user(caller).1;
            let user = plain_user(id, String::new(), tenant, roles);
            update_user_case(fx, &mut fx.s.client(&key), user, want).await
        }
        CreateInto(org, tenant) => {
            let org = fx.resolve_org(org, n).await;
            let user = plain_user(format!("new-user-{n}"), org, tenant, &["user"]);
            create_user_case(fx, &mut c, user, want).await
        }
        MoveInto(org, tenant) => {
            let id = format!("target-{n}");
            fx.add_user(&id, "acme", "acme-t1", &["user"]).await;
            let org = fx.resolve_org(org, n).await;
            let user = plain_user(id, org, tenant, &["user"]);
            update_user_case(fx, &mut c, user, want).await
        }
        MoveMissingInto(org, tenant) => {
            let id = fx.gone_user(Own, n).await;
            let org = fx.resolve_org(org, n).await;
            let user = plain_user(id, org, tenant, &["user"]);
            update_user_case(fx, &mut c, user, want).await
        }
        RehomeTenant(org) => {
            let id = format!("rehome-{n}");
            fx.s.tenant(&id, "acme").await;
            let member = format!("member-{n}");
            fx.add_user(&member, "acme", &id, &["user"]).await;
            let org = fx.resolve_org(org, n).await;
            let before = fx.locate_tenant(&id).await.unwrap();
            let member_before = fx.locate_user(&member).await;
            let name = format!("Renamed {n}");
            let got = c
                .update_tenant(pb::UpdateTenantRequest {
                    tenant: Some(pb::Tenant {
                        id: id.clone(),
                        name: name.clone(),
                        org_id: org,
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await;
            expect_code(&got, want)?;
            let after = fx.locate_tenant(&id).await;
            let Some(after) = after else {
                return Err(format!("{id} is gone"));
            };
            if applied {
                ensure(after.name == name && after.org_id == "acme", || {
                    format!("{id} updated to {after:?}")
                })?;
            } else {
                ensure(after == before, || format!("{id} changed to {after:?}"))?;
            }
            let member_after = fx.locate_user(&member).await;
            ensure(member_after == member_before, || {
                format!("its user {member} changed to {member_after:?}")
            })
        }
        DeleteKeyOf(victim) => {
            let theirs = format!("vk-{n}");
            let their_key = fx.issue_key(victim, &theirs).await;
            let mine_before = fx.key_names(caller).await;
            let got = c
                .delete_access_key(pb::DelAccessKeyRequest {
                    names: vec![theirs.clone()],
                    ..Default::default()
                })
                .await;
            expect_code(&got, want)?;
            fx.key_works(&their_key, victim).await?;
            let listed = fx.key_names(victim).await.contains(&theirs);
            ensure(listed, || format!("{victim} no longer lists {theirs}"))?;
            let mine = fx.key_names(caller).await;
            ensure(mine == mine_before, || {
                format!("the caller's keys are {mine:?}")
            })
        }
        DeleteOwnAndKeyOf(victim) => {
            let (mine, theirs) = (format!("own-{n}"), format!("vk-{n}"));
            let my_key = fx.issue_key(caller, &mine).await;
            let their_key = fx.issue_key(victim, &theirs).await;
            let got = c
                .delete_access_key(pb::DelAccessKeyRequest {
                    names: vec![mine, theirs],
                    ..Default::default()
                })
                .await;
            expect_code(&got, want)?;
            fx.key_works(&their_key, victim).await?;
            fx.key_works(&my_key, caller).await
        }
        DeleteSharedName(victim) => {
            let shared = format!("shared-{n}");
            let my_key = fx.issue_key(caller, &shared).await;
            let their_key = fx.issue_key(victim, &shared).await;
            let got = c
                .delete_access_key(pb::DelAccessKeyRequest {
                    names: vec![shared.clone()],
                    ..Default::default()
                })
                .await;
            expect_code(&got, want)?;
            fx.key_works(&their_key, victim).await?;
            let listed = fx.key_names(victim).await.contains(&shared);
            ensure(listed, || format!("{victim} no longer lists {shared}"))?;
            if applied {
                fx.key_revoked(&my_key).await
            } else {
                fx.key_works(&my_key, caller).await
            }
        }
        CreateNameOf(victim) => {
            let theirs = format!("vk-{n}");
            let their_key = fx.issue_key(victim, &theirs).await;
            let got = c
                .create_access_key(pb::CreateAccessKeyRequest {
                    name: theirs.clone(),
                })
                .await;
            expect_code(&got, want)?;
            if let Ok(res) = got {
                let key = &res.get_ref().access_keys[0];
                ensure(key.user_id == caller, || {
                    format!("created for {}", key.user_id)
                })?;
                fx.key_works(&key.access_key, caller).await?;
            }
            fx.key_works(&their_key, victim).await?;
            let count = fx.key_names(victim).await;
            let count = count.iter().filter(|k| **k == theirs).count();
            ensure(count == 1, || {
                format!("{victim} lists {theirs} {count} times")
            })
        }
        ListBeside(victim) => {
            let theirs = format!("vk-{n}");
            fx.issue_key(victim, &theirs).await;
            let got = c.list_access_keys(pb::GetAccessKeyRequest::default()).await;
            expect_code(&got, want)?;
            let Ok(res) = got else { return Ok(()) };
            let keys = res.into_inner().access_keys;
            let others: Vec<_> = keys.iter().filter(|k| k.user_id != caller).collect();
            ensure(others.is_empty(), || {
                format!("listed others' keys {others:?}")
            })?;
            let names: Vec<_> = keys.iter().map(|k| k.name.clone()).collect();
            ensure(!names.contains(&theirs), || format!("listed {theirs}"))?;
            let expected = fx.key_names(caller).await;
            ensure(names == expected, || {
                format!("listed {names:?}, the caller has {expected:?}")
            })
        }
        ConfigBeside(victim) => {
            let (mine, theirs) = (format!("k-{n}"), format!("vc-{n}"));
            fx.set_config(victim, &theirs).await;
            let got = c
                .update_config(pb::UpdateConfigRequest {
                    updated: Some(flag(&mine)),
                    deleted: vec![theirs.clone()],
                })
                .await;
            expect_code(&got, want)?;
            let kept = fx.config_has(victim, &theirs).await;
            ensure(kept, || format!("{victim}'s {theirs} was deleted"))?;
            let leaked = fx.config_has(victim, &mine).await;
            ensure(!leaked, || format!("{victim}'s config got {mine}"))?;
            let has = fx.config_has(caller, &mine).await;
            ensure(has == applied, || {
                format!("the caller's config has {mine}: {has}")
            })
        }
        ConfigAs(victim) => {
            let (mine, theirs) = (format!("k-{n}"), format!("vc-{n}"));
            fx.set_config(victim, &theirs).await;
            let got =
                fx.s.client_as(&fx.keys[who], victim)
                    .update_config(pb::UpdateConfigRequest {
                        updated: Some(flag(&mine)),
                        deleted: vec![theirs.clone()],
                    })
                    .await;
            expect_code(&got, want)?;
            let kept = fx.config_has(victim, &theirs).await;
            ensure(kept != applied, || {
                format!("{victim}'s config has {theirs}: {kept}")
            })?;
            let set = fx.config_has(victim, &mine).await;
            ensure(set == applied, || {
                format!("{victim}'s config has {mine}: {set}")
            })?;
            let leaked = fx.config_has(caller, &mine).await;
            ensure(!leaked, || format!("the caller's config got {mine}"))
        }
        Timestamps(rpc) => timestamps_row(fx, &mut c, rpc, want, n).await,
    }
}

/// Milliseconds since the Unix epoch, by the test's clock (the server's).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A created object's timestamps are the server's, set during the call
/// (between `t0` and `t1`), not the client's.
fn stamped_at_create((created, updated): (i64, i64), t0: i64, t1: i64) -> Outcome {
    ensure(
        (t0..=t1).contains(&created) && (t0..=t1).contains(&updated),
        || format!("stamped created_at {created}, updated_at {updated}, not in {t0}..={t1}"),
    )
}

/// An updated object keeps its `created_at` and gets an `updated_at` of the
/// server's, set during the call, not the client's.
fn stamped_at_update(
    before: (i64, i64),
    (created, updated): (i64, i64),
    t0: i64,
    t1: i64,
) -> Outcome {
    ensure(created == before.0 && (t0..=t1).contains(&updated), || {
        format!(
            "stamped created_at {created} (was {}), updated_at {updated} (not in {t0}..={t1})",
            before.0
        )
    })
}

/// Sends `rpc` with client-set timestamps (creates: `created_at` long ago,
/// `updated_at` in 2100; updates: the other way round). Applied, the
/// timestamps are the server's; refused, nothing exists or changed.
async fn timestamps_row(fx: &Fixture, c: &mut Client, rpc: Rpc, want: Code, n: usize) -> Outcome {
    let applied = want == OK;
    let name = format!("Stamped {n}");
    match rpc {
        Rpc::CreateUser => {
            let id = format!("new-user-{n}");
            let t0 = now_ms();
            let got = c
                .create_user(pb::CreateUserRequest {
                    user: Some(pb::User {
                        id: id.clone(),
                        name,
                        tenant_id: "acme-t1".into(),
                        created_at: PAST,
                        updated_at: FUTURE,
                        ..Default::default()
                    }),
                })
                .await;
            let t1 = now_ms();
            expect_code(&got, want)?;
            match fx.locate_user(&id).await {
                Some(u) if applied => stamped_at_create((u.created_at, u.updated_at), t0, t1),
                None if !applied => Ok(()),
                found => Err(format!("{id}: {found:?}")),
            }
        }
        Rpc::UpdateUser => {
            let id = format!("target-{n}");
            fx.add_user(&id, "acme", "acme-t1", &["user"]).await;
            let before = fx.locate_user(&id).await.unwrap();
            let t0 = now_ms();
            let got = c
                .update_user(pb::UpdateUserRequest {
                    user: Some(pb::User {
                        created_at: FUTURE,
                        updated_at: PAST,
                        name,
                        ..before.clone()
                    }),
                    ..Default::default()
                })
                .await;
            let t1 = now_ms();
            expect_code(&got, want)?;
            let after = fx.locate_user(&id).await.unwrap();
            if applied {
                let stamps = (after.created_at, after.updated_at);
                stamped_at_update((before.created_at, before.updated_at), stamps, t0, t1)
            } else {
                ensure(after == before, || format!("{id} changed to {after:?}"))
            }
        }
        Rpc::CreateTenant => {
            let id = format!("new-tenant-{n}");
            let t0 = now_ms();
            let got = c
                .create_tenant(pb::CreateTenantRequest {
                    tenant: Some(pb::Tenant {
                        id: id.clone(),
                        name,
                        created_at: PAST,
                        updated_at: FUTURE,
                        ..Default::default()
                    }),
                })
                .await;
            let t1 = now_ms();
            expect_code(&got, want)?;
            match fx.locate_tenant(&id).await {
                Some(t) if applied => stamped_at_create((t.created_at, t.updated_at), t0, t1),
                None if !applied => Ok(()),
                found => Err(format!("{id}: {found:?}")),
            }
        }
        Rpc::UpdateTenant => {
            let id = format!("tenant-{n}");
            fx.s.tenant(&id, "acme").await;
            let before = fx.locate_tenant(&id).await.unwrap();
            let t0 = now_ms();
            let got = c
                .update_tenant(pb::UpdateTenantRequest {
                    tenant: Some(pb::Tenant {
                        created_at: FUTURE,
                        updated_at: PAST,
                        name,
                        ..before.clone()
                    }),
                    ..Default::default()
                })
                .await;
            let t1 = now_ms();
            expect_code(&got, want)?;
            let after = fx.locate_tenant(&id).await.unwrap();
            if applied {
                let stamps = (after.created_at, after.updated_at);
                stamped_at_update((before.created_at, before.updated_at), stamps, t0, t1)
            } else {
                ensure(after == before, || format!("{id} changed to {after:?}"))
            }
        }
        Rpc::CreateOrganization => {
            let id = format!("new-org-{n}");
            let t0 = now_ms();
            let got = c
                .create_organization(pb::CreateOrganizationRequest {
                    organization: Some(pb::Organization {
                        id: id.clone(),
                        name,
                        created_at: PAST,
                        updated_at: FUTURE,
                        ..Default::default()
                    }),
                })
                .await;
            let t1 = now_ms();
            expect_code(&got, want)?;
            match fx.find_org(&id).await {
                Some(o) if applied => stamped_at_create((o.created_at, o.updated_at), t0, t1),
                None if !applied => Ok(()),
                found => Err(format!("{id}: {found:?}")),
            }
        }
        Rpc::UpdateOrganization => {
            let before = fx.find_org("acme").await.unwrap();
            let t0 = now_ms();
            let got = c
                .update_organization(pb::UpdateOrganizationRequest {
                    organization: Some(pb::Organization {
                        created_at: FUTURE,
                        updated_at: PAST,
                        name,
                        ..before.clone()
                    }),
                    ..Default::default()
                })
                .await;
            let t1 = now_ms();
            expect_code(&got, want)?;
            let after = fx.find_org("acme").await.unwrap();
            if applied {
                let stamps = (after.created_at, after.updated_at);
                stamped_at_update((before.created_at, before.updated_at), stamps, t0, t1)
            } else {
                ensure(after == before, || format!("acme changed to {after:?}"))
            }
        }
        _ => unreachable!("{rpc:?} takes no timestamps"),
    }
}

/// Roles above the caller's own highest, alone or after a lower built-in
/// role and an application role, given by CreateUser, by UpdateUser to a
/// user in the caller's scope, and by a caller to itself: refused
/// (PERMISSION_DENIED) and never applied, the user absent or byte-for-byte
/// as before (no partial update, no new `updated_at`); the same roles up to
/// the caller's own are granted as sent.
#[tokio::test]
async fn roles_above_the_callers_are_refused_not_applied() {
    let fx = Fixture::new().await;
    const SA: &[&str] = &["super-admin"];
    const SA_LAST: &[&str] = &["user", "app:x", "super-admin"];
    const OA: &[&str] = &["org-admin"];
    const OA_LAST: &[&str] = &["user", "app:x", "org-admin"];
    const TA: &[&str] = &["tenant-admin"];
    const TA_LAST: &[&str] = &["user", "app:x", "tenant-admin"];
    #[rustfmt::skip]
    let table: &[(Case, [Code; 5])] = &[
        //                           sa  oa  ta  u   app
        (CreateWithRoles(SA),      [OK, PD, PD, PD, PD]),
        (CreateWithRoles(SA_LAST), [OK, PD, PD, PD, PD]),
        (CreateWithRoles(OA),      [OK, OK, PD, PD, PD]),
        (CreateWithRoles(OA_LAST), [OK, OK, PD, PD, PD]),
        (CreateWithRoles(TA),      [OK, OK, OK, PD, PD]),
        (CreateWithRoles(TA_LAST), [OK, OK, OK, PD, PD]),
        (GrantRoles(SA),           [OK, PD, PD, PD, PD]),
        (GrantRoles(SA_LAST),      [OK, PD, PD, PD, PD]),
        (GrantRoles(OA),           [OK, OK, PD, PD, PD]),
        (GrantRoles(OA_LAST),      [OK, OK, PD, PD, PD]),
        (GrantRoles(TA),           [OK, OK, OK, PD, PD]),
        (GrantRoles(TA_LAST),      [OK, OK, OK, PD, PD]),
        (GrantItself(SA),          [OK, PD, PD, PD, PD]),
        (GrantItself(SA_LAST),     [OK, PD, PD, PD, PD]),
        (GrantItself(OA),          [OK, OK, PD, PD, PD]),
        (GrantItself(OA_LAST),     [OK, OK, PD, PD, PD]),
        (GrantItself(TA),          [OK, OK, OK, PD, PD]),
        (GrantItself(TA_LAST),     [OK, OK, OK, PD, PD]),
    ];
    check_cases(&fx, table).await;
}

/// GetInfo's `grantable_roles` are exactly the built-in roles each caller
/// may give: for each caller and each built-in role, CreateUser of a user
/// of the caller's own tenant with that role succeeds if and only if
/// GetInfo lists the role (the console offers no other).
#[tokio::test]
async fn grantable_roles_are_the_roles_create_user_grants() {
    let fx = Fixture::new().await;
    let expected: [&[&str]; 5] = [
        &["user", "tenant-admin", "org-admin", "super-admin"],
        &["user", "tenant-admin", "org-admin"],
        &["user", "tenant-admin"],
        &[],
        &[],
    ];
    for ((caller, key), expected) in CALLERS.iter().zip(&fx.keys).zip(expected) {
        let mut c = fx.s.client(key);
        let info = c
            .get_info(pb::GetUserInfoRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(info.grantable_roles, expected, "{caller}");
        for role in ["user", "tenant-admin", "org-admin", "super-admin"] {
            let created = c
                .create_user(pb::CreateUserRequest {
                    user: Some(pb::User {
                        id: format!("granted-{caller}-{role}"),
                        org_id: "acme".into(),
                        tenant_id: "acme-t1".into(),
                        roles: vec![role.into()],
                        ..Default::default()
                    }),
                })
                .await;
            if expected.contains(&role) {
                created.unwrap_or_else(|e| panic!("{caller} giving {role}: {e:?}"));
            } else {
                assert_code(created, Code::PermissionDenied);
            }
        }
    }
}

/// Another organization as a user's or a tenant's: only a super-admin
/// creates a user in, or moves one to, another organization, whether the
/// request names it by `org_id`, by `tenant_id` alone or both (a missing
/// organization too is PERMISSION_DENIED to the others); a tenant's
/// organization never changes (INVALID_ARGUMENT for the super-admin,
/// PERMISSION_DENIED for the org-admin, whose scope is checked first). A
/// refused request creates nothing anywhere and leaves the user, the tenant
/// and the tenant's users byte-for-byte as they were. Naming the destination
/// outside the caller's scope is PERMISSION_DENIED even when the user to
/// update is missing (scope before existence, docs/contract.md §4).
#[tokio::test]
async fn other_organizations_are_refused_not_applied() {
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[(Case, [Code; 5])] = &[
        //                                     sa  oa  ta  u   app
        (CreateInto("globex", "globex-t1"),  [OK, PD, PD, PD, PD]),
        (CreateInto("globex", ""),           [OK, PD, PD, PD, PD]),
        (CreateInto("", "globex-t1"),        [OK, PD, PD, PD, PD]),
        (CreateInto("acme", "globex-t1"),    [IA, PD, PD, PD, PD]),
        (CreateInto("default", ""),          [OK, PD, PD, PD, PD]),
        (CreateInto(GONE, ""),               [NF, PD, PD, PD, PD]),
        (MoveInto("globex", "globex-t1"),    [OK, PD, PD, PD, PD]),
        (MoveInto("globex", ""),             [OK, PD, PD, PD, PD]),
        (MoveInto("", "globex-t1"),          [IA, PD, PD, PD, PD]),
        (MoveInto("default", ""),            [OK, PD, PD, PD, PD]),
        (MoveInto(GONE, ""),                 [NF, PD, PD, PD, PD]),
        (MoveMissingInto("globex", ""),      [NF, PD, PD, PD, PD]),
        (MoveMissingInto("", "globex-t1"),   [NF, PD, PD, PD, PD]),
        (RehomeTenant("globex"),             [IA, PD, PD, PD, PD]),
        (RehomeTenant("default"),            [IA, PD, PD, PD, PD]),
        (RehomeTenant(GONE),                 [IA, PD, PD, PD, PD]),
        (RehomeTenant("acme"),               [OK, OK, PD, PD, PD]),
    ];
    check_cases(&fx, table).await;
}

/// Another user's access keys are out of reach without impersonation,
/// whoever that user is (a colleague of the own tenant, of the sibling
/// tenant, of another organization, the super-admin `admin`): deleting a
/// name only that user has is NOT_FOUND, also beside one of the caller's
/// own keys (then nothing is deleted); deleting a name both use deletes the
/// caller's key only; creating a key with a name that user uses is fine and
/// leaves theirs alone; the caller's ListAccessKeys never shows their keys.
/// Every case checks the other user's key still authenticates.
#[tokio::test]
async fn other_users_keys_are_out_of_reach() {
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[(Case, [Code; 5])] = &[
        //                                        sa  oa  ta  u   app
        (DeleteKeyOf("own-target"),             [NF, NF, NF, NF, NF]),
        (DeleteKeyOf("sibling-target"),         [NF, NF, NF, NF, NF]),
        (DeleteKeyOf("foreign-target"),         [NF, NF, NF, NF, NF]),
        (DeleteKeyOf("admin"),                  [NF, NF, NF, NF, NF]),
        (DeleteOwnAndKeyOf("own-target"),       [NF, NF, NF, NF, NF]),
        (DeleteOwnAndKeyOf("sibling-target"),   [NF, NF, NF, NF, NF]),
        (DeleteOwnAndKeyOf("foreign-target"),   [NF, NF, NF, NF, NF]),
        (DeleteOwnAndKeyOf("admin"),            [NF, NF, NF, NF, NF]),
        (DeleteSharedName("own-target"),        [OK, OK, OK, OK, OK]),
        (DeleteSharedName("sibling-target"),    [OK, OK, OK, OK, OK]),
        (DeleteSharedName("foreign-target"),    [OK, OK, OK, OK, OK]),
        (DeleteSharedName("admin"),             [OK, OK, OK, OK, OK]),
        (CreateNameOf("own-target"),            [OK, OK, OK, OK, OK]),
        (CreateNameOf("sibling-target"),        [OK, OK, OK, OK, OK]),
        (CreateNameOf("foreign-target"),        [OK, OK, OK, OK, OK]),
        (CreateNameOf("admin"),                 [OK, OK, OK, OK, OK]),
        (ListBeside("own-target"),              [OK, OK, OK, OK, OK]),
        (ListBeside("sibling-target"),          [OK, OK, OK, OK, OK]),
        (ListBeside("foreign-target"),          [OK, OK, OK, OK, OK]),
        (ListBeside("admin"),                   [OK, OK, OK, OK, OK]),
    ];
    check_cases(&fx, table).await;
}

/// UpdateConfig always applies to the caller, or to the user it may
/// impersonate: without impersonation it changes only the caller's
/// configuration (deleting a key another user has deletes nothing of
/// theirs); impersonating a user it may not act as is PERMISSION_DENIED and
/// changes neither configuration; a permitted impersonation changes that
/// user's and never the caller's.
#[tokio::test]
async fn other_users_configuration_is_out_of_reach() {
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[(Case, [Code; 5])] = &[
        //                                   sa  oa  ta  u   app
        (ConfigBeside("own-target"),       [OK, OK, OK, OK, OK]),
        (ConfigBeside("sibling-target"),   [OK, OK, OK, OK, OK]),
        (ConfigBeside("foreign-target"),   [OK, OK, OK, OK, OK]),
        (ConfigBeside("admin"),            [OK, OK, OK, OK, OK]),
        (ConfigAs("own-target"),           [OK, OK, OK, PD, PD]),
        (ConfigAs("sibling-target"),       [OK, OK, PD, PD, PD]),
        (ConfigAs("foreign-target"),       [OK, PD, PD, PD, PD]),
        (ConfigAs("admin"),                [OK, PD, PD, PD, PD]),
    ];
    check_cases(&fx, table).await;
}

/// Output-only fields: `created_at` and `updated_at` sent by a client in a
/// create or update of a user, tenant or organization are ignored. A create
/// is stamped with the server's time of the call, an update keeps the
/// stored `created_at` and gets the server's `updated_at`; a refused call
/// changes nothing.
#[tokio::test]
async fn output_only_fields_are_ignored() {
    use Rpc::*;
    let fx = Fixture::new().await;
    #[rustfmt::skip]
    let table: &[(Case, [Code; 5])] = &[
        //                                    sa  oa  ta  u   app
        (Timestamps(CreateUser),            [OK, OK, OK, PD, PD]),
        (Timestamps(UpdateUser),            [OK, OK, OK, PD, PD]),
        (Timestamps(CreateTenant),          [OK, OK, PD, PD, PD]),
        (Timestamps(UpdateTenant),          [OK, OK, PD, PD, PD]),
        (Timestamps(CreateOrganization),    [OK, PD, PD, PD, PD]),
        (Timestamps(UpdateOrganization),    [OK, OK, PD, PD, PD]),
    ];
    check_cases(&fx, table).await;
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
        ..Default::default()
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
            .delete_access_key(pb::DelAccessKeyRequest {
                names: vec![],
                ..Default::default()
            })
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
            .update_user(pb::UpdateUserRequest {
                user: None,
                ..Default::default()
            })
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
                ..Default::default()
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
                ..Default::default()
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

/// Order of checks (docs/contract.md §4), on every RPC: a malformed request
/// without a key is UNAUTHENTICATED; with a key it is INVALID_ARGUMENT
/// naming the field, for every role, including those that lack the
/// permission or address another organization (the request's shape is
/// checked before permission). PERMISSION_DENIED before NOT_FOUND is proven
/// by the `Missing` rows of the other tables.
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
