//! Model-based property tests: random sequences of RPCs, sent through the
//! gRPC API to a real server, each checked against an in-memory model of
//! the directory — every status code, what every read returns, and the
//! whole final state.
//!
//! The model is written from docs/contract.md §3–§6 and, where the contract
//! is silent, from the README's decisions and the rules as
//! `src/domain/directory.rs` implements them. Impersonation is settled after
//! the request's own shape is checked (docs/contract.md §4's order), and
//! impersonating oneself needs `users:write` over oneself like any other
//! impersonation (docs/contract.md §3).
//!
//! Each case first builds a small directory (organizations, tenants, users
//! `u1`–`u4` with random roles, one key each), then runs random steps. Ids
//! come from small pools so that collisions (taken ids, non-empty
//! organizations and tenants, duplicate key names) happen often. Calls are
//! made by the bootstrap super-admin, by it impersonating a user, and by
//! users with their own keys (whatever role they hold at the time:
//! super-admin, org-admin, tenant-admin, plain user), sometimes
//! impersonating others.
//!
//! A step the model answers OK is applied to the model; any other answer
//! leaves it alone. The one step the harness does not send is one the model
//! expects to succeed and that would take `super-admin` away from `admin`
//! (demote or delete it while another super-admin exists): the final state
//! is read with `admin`'s key, and impersonation as the admin keeps working.
//!
//! The case count is 64 unless `PROPTEST_CASES` says otherwise; each case
//! starts its own server, so cases are independent.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Client, TestServer};
use proptest::{
    collection::vec,
    prelude::*,
    sample::select,
    strategy::ValueTree,
    test_runner::{Config as ProptestConfig, TestCaseError, TestRunner},
};
use prost_types::{value::Kind, Struct, Value};
use roster::pb;
use tonic::{Code, Status};

// ---- pools ----
//
// Each pool holds well-formed values (repeats weight them); a malformed one
// (`BAD_*`) replaces a value once in 24 draws.

/// Organizations to create, update and delete (`default` exists from the
/// start and holds `admin`).
const ORG_IDS: &[&str] = &["o1", "o1", "o2", "o2", "o3", "default"];
/// An organization referenced from a tenant or a list (empty: the caller's).
const ORG_REFS: &[&str] = &["", "", "", "", "default", "o1", "o1", "o2", "o3"];
/// A user's organization (empty: its tenant's, else the caller's).
const USER_ORGS: &[&str] = &["", "", "", "", "", "", "default", "o1", "o2"];
const BAD_ID: &str = "-x";
const TENANT_IDS: &[&str] = &["t1", "t1", "t2", "t2", "t3"];
/// A user's tenant or a list's (empty: none).
const TENANT_REFS: &[&str] = &["", "", "", "t1", "t1", "t2", "t2", "t3"];
/// Users that act with their own keys.
const ACTORS: &[&str] = &["u1", "u2", "u3", "u4"];
/// Users the sequence creates (weighted, so that a deleted one is often
/// created again).
const USERS: &[&str] = &["u1", "u1", "u2", "u2", "u3", "u4", "u5"];
/// Users a call may address: the sequence's and the bootstrap `admin`.
const USER_TARGETS: &[&str] = &["u1", "u1", "u2", "u2", "u3", "u4", "u5", "admin", "admin"];
/// Built-in roles (weighted towards the lower ones) and application roles.
const ROLES: &[&str] = &[
    "super-admin",
    "org-admin",
    "org-admin",
    "org-admin",
    "tenant-admin",
    "tenant-admin",
    "tenant-admin",
    "user",
    "user",
    "app:reader",
    "app.writer",
];
const BAD_ROLE: &str = "bad role";
const USER_NAMES: &[&str] = &["", "Ann", "Bob"];
const BAD_USER_NAME: &str = "bell\u{7}";
/// Tenant and organization names (required).
const NAMES: &[&str] = &["Alpha", "Beta"];
const BAD_NAME: &str = " ";
const KEY_NAMES: &[&str] = &["k1", "k1", "k2", "k2", "k3"];
const BAD_KEY_NAME: &str = "bad name";
const CONFIG_KEYS: &[&str] = &["a", "b", "c"];
const BAD_CONFIG_KEY: &str = "";

/// Length of a big configuration value: one fits in a user's 256 KiB, two
/// do not (INVALID_ARGUMENT in one request, RESOURCE_EXHAUSTED over two).
const BIG: usize = 140_000;
/// Most bytes of a user's configuration, encoded as compact JSON.
const MAX_CONFIG_BYTES: usize = 256 * 1024;
const MAX_CONFIG_KEYS: usize = 256;
const MAX_KEYS_PER_USER: usize = 100;

// ---- steps ----

/// Who makes a call.
#[derive(Clone, Debug)]
enum Actor {
    /// The bootstrap key of `admin` (super-admin of `default`).
    Admin,
    /// `admin`'s key impersonating the user.
    As(&'static str),
    /// The user's own key (its live key with the greatest name; a revoked
    /// or never-issued one when it has none).
    Key(&'static str),
    /// The first user's own key, impersonating the second.
    KeyAs(&'static str, &'static str),
}

/// A configuration value: short, or `BIG` characters long.
#[derive(Clone, Copy, Debug)]
enum Val {
    Small(u8),
    Big(u8),
}

impl Val {
    fn text(self) -> String {
        match self {
            Val::Small(n) => format!("v{n}"),
            Val::Big(n) => format!("{n:03}{}", "x".repeat(BIG - 3)),
        }
    }
}

/// The fields of a CreateUser or UpdateUser request.
#[derive(Clone, Debug)]
struct UserSpec {
    id: &'static str,
    name: &'static str,
    org: &'static str,
    tenant: &'static str,
    roles: Vec<&'static str>,
}

/// One RPC and its request.
#[derive(Clone, Debug)]
enum Op {
    CreateOrg {
        id: &'static str,
        name: &'static str,
    },
    UpdateOrg {
        id: &'static str,
        name: &'static str,
    },
    DeleteOrg {
        id: &'static str,
    },
    CreateTenant {
        id: &'static str,
        name: &'static str,
        org: &'static str,
    },
    UpdateTenant {
        id: &'static str,
        name: &'static str,
        org: &'static str,
    },
    DeleteTenant {
        id: &'static str,
    },
    CreateUser(UserSpec),
    UpdateUser(UserSpec),
    DeleteUser {
        id: &'static str,
    },
    CreateKey {
        name: &'static str,
    },
    DeleteKeys {
        names: Vec<&'static str>,
    },
    UpdateConfig {
        updated: Vec<(&'static str, Val)>,
        deleted: Vec<&'static str>,
    },
    GetInfo,
    ListOrgs,
    ListTenants {
        org: &'static str,
    },
    ListUsers {
        org: &'static str,
        tenant: &'static str,
    },
}

impl Op {
    /// The RPC's name, for tallies.
    fn rpc(&self) -> &'static str {
        match self {
            Op::CreateOrg { .. } => "CreateOrganization",
            Op::UpdateOrg { .. } => "UpdateOrganization",
            Op::DeleteOrg { .. } => "DeleteOrganization",
            Op::CreateTenant { .. } => "CreateTenant",
            Op::UpdateTenant { .. } => "UpdateTenant",
            Op::DeleteTenant { .. } => "DeleteTenant",
            Op::CreateUser(_) => "CreateUser",
            Op::UpdateUser(_) => "UpdateUser",
            Op::DeleteUser { .. } => "DeleteUser",
            Op::CreateKey { .. } => "CreateAccessKey",
            Op::DeleteKeys { .. } => "DeleteAccessKey",
            Op::UpdateConfig { .. } => "UpdateConfig",
            Op::GetInfo => "GetInfo",
            Op::ListOrgs => "ListOrganizations",
            Op::ListTenants { .. } => "ListTenants",
            Op::ListUsers { .. } => "ListUsers",
        }
    }
}

#[derive(Clone, Debug)]
struct Step {
    actor: Actor,
    op: Op,
}

// ---- strategies ----

/// A value of `items`, or (once in 24 draws) `bad`.
fn pick(items: &'static [&'static str], bad: &'static str) -> BoxedStrategy<&'static str> {
    prop_oneof![23 => select(items), 1 => Just(bad)].boxed()
}

/// A value of `items`.
fn good(items: &'static [&'static str]) -> BoxedStrategy<&'static str> {
    select(items).boxed()
}

/// A caller: the admin with weight `admin`, else a user of the sequence,
/// impersonated by the admin or with its own key.
fn actor(admin: u32) -> impl Strategy<Value = Actor> {
    prop_oneof![
        admin => Just(Actor::Admin),
        3 => good(ACTORS).prop_map(Actor::As),
        4 => good(ACTORS).prop_map(Actor::Key),
        1 => (good(ACTORS), pick(USER_TARGETS, BAD_ID)).prop_map(|(u, v)| Actor::KeyAs(u, v)),
    ]
}

fn user_spec(ids: &'static [&'static str]) -> impl Strategy<Value = UserSpec> {
    (
        pick(ids, BAD_ID),
        pick(USER_NAMES, BAD_USER_NAME),
        pick(USER_ORGS, BAD_ID),
        pick(TENANT_REFS, BAD_ID),
        vec(pick(ROLES, BAD_ROLE), 0..=2),
    )
        .prop_map(|(id, name, org, tenant, roles)| UserSpec {
            id,
            name,
            org,
            tenant,
            roles,
        })
}

fn val() -> impl Strategy<Value = Val> {
    prop_oneof![
        1 => any::<u8>().prop_map(Val::Small),
        1 => any::<u8>().prop_map(Val::Big),
    ]
}

/// A directory operation (mostly made by the admin).
fn admin_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (pick(ORG_IDS, BAD_ID), pick(NAMES, BAD_NAME))
            .prop_map(|(id, name)| Op::CreateOrg { id, name }),
        1 => (pick(ORG_IDS, BAD_ID), pick(NAMES, BAD_NAME))
            .prop_map(|(id, name)| Op::UpdateOrg { id, name }),
        1 => pick(ORG_IDS, BAD_ID).prop_map(|id| Op::DeleteOrg { id }),
        2 => (pick(TENANT_IDS, BAD_ID), pick(NAMES, BAD_NAME), pick(ORG_REFS, BAD_ID))
            .prop_map(|(id, name, org)| Op::CreateTenant { id, name, org }),
        2 => (pick(TENANT_IDS, BAD_ID), pick(NAMES, BAD_NAME), pick(ORG_REFS, BAD_ID))
            .prop_map(|(id, name, org)| Op::UpdateTenant { id, name, org }),
        2 => pick(TENANT_IDS, BAD_ID).prop_map(|id| Op::DeleteTenant { id }),
        5 => user_spec(USERS).prop_map(Op::CreateUser),
        5 => user_spec(USER_TARGETS).prop_map(Op::UpdateUser),
        4 => pick(USER_TARGETS, BAD_ID).prop_map(|id| Op::DeleteUser { id }),
        1 => Just(Op::ListOrgs),
        1 => pick(ORG_REFS, BAD_ID).prop_map(|org| Op::ListTenants { org }),
        2 => (pick(ORG_REFS, BAD_ID), pick(TENANT_REFS, BAD_ID))
            .prop_map(|(org, tenant)| Op::ListUsers { org, tenant }),
    ]
}

/// An operation on the caller's own keys, configuration or info.
fn self_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => pick(KEY_NAMES, BAD_KEY_NAME).prop_map(|name| Op::CreateKey { name }),
        2 => vec(pick(KEY_NAMES, BAD_KEY_NAME), 0..=2).prop_map(|names| Op::DeleteKeys { names }),
        8 => (
            vec((pick(CONFIG_KEYS, BAD_CONFIG_KEY), val()), 1..=2),
            vec(pick(CONFIG_KEYS, BAD_CONFIG_KEY), 0..=1),
        )
            .prop_map(|(updated, deleted)| Op::UpdateConfig { updated, deleted }),
        1 => Just(Op::GetInfo),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (actor(6), admin_op()).prop_map(|(actor, op)| Step { actor, op }),
        3 => (actor(2), self_op()).prop_map(|(actor, op)| Step { actor, op }),
    ]
}

/// Steps that build a directory to work on, each answered like any other
/// step: organizations `o1`/`o2`, tenants `t1`–`t3` of existing
/// organizations, users `u1`–`u4` (in an existing tenant or none, with one
/// or two roles) and one key for each of them.
fn setup() -> impl Strategy<Value = Vec<Step>> {
    const ORGS: [&str; 2] = ["o1", "o2"];
    const TENANTS: [&str; 3] = ["t1", "t2", "t3"];
    (
        vec(any::<bool>(), ORGS.len()),
        vec(
            proptest::option::of((any::<usize>(), good(NAMES))),
            TENANTS.len(),
        ),
        vec(
            proptest::option::weighted(0.75, (any::<usize>(), vec(good(ROLES), 1..=2))),
            ACTORS.len(),
        ),
        vec(good(KEY_NAMES), ACTORS.len()),
    )
        .prop_map(|(orgs, tenants, users, keys)| {
            let admin = |op| Step {
                actor: Actor::Admin,
                op,
            };
            let mut steps = Vec::new();
            // The tenant's organization: "" means the admin's, `default`.
            let mut org_ids = vec![""];
            for (id, _) in ORGS.iter().zip(orgs).filter(|(_, made)| *made) {
                steps.push(admin(Op::CreateOrg { id, name: "Alpha" }));
                org_ids.push(id);
            }
            let mut tenant_ids = vec![""];
            for (id, t) in TENANTS.iter().zip(tenants) {
                if let Some((org, name)) = t {
                    let org = org_ids[org % org_ids.len()];
                    steps.push(admin(Op::CreateTenant { id, name, org }));
                    tenant_ids.push(id);
                }
            }
            for ((id, u), name) in ACTORS.iter().zip(users).zip(keys) {
                if let Some((tenant, mut roles)) = u {
                    roles.dedup();
                    let tenant = tenant_ids[tenant % tenant_ids.len()];
                    steps.push(admin(Op::CreateUser(UserSpec {
                        id,
                        name: "Ann",
                        org: "",
                        tenant,
                        roles,
                    })));
                    steps.push(Step {
                        actor: Actor::As(id),
                        op: Op::CreateKey { name },
                    });
                }
            }
            steps
        })
}

/// The setup (at most 13 steps), then 5 to 27 random steps.
fn steps() -> impl Strategy<Value = Vec<Step>> {
    (setup(), vec(step(), 5..=27)).prop_map(|(setup, rest)| [setup, rest].concat())
}

// ---- the model ----

const USER: u8 = 0;
const TENANT_ADMIN: u8 = 1;
const ORG_ADMIN: u8 = 2;
const SUPER_ADMIN: u8 = 3;

/// The highest built-in role among `roles` (`user` when there is none).
fn rank<S: AsRef<str>>(roles: &[S]) -> u8 {
    roles
        .iter()
        .map(|r| match r.as_ref() {
            "super-admin" => SUPER_ADMIN,
            "org-admin" => ORG_ADMIN,
            "tenant-admin" => TENANT_ADMIN,
            _ => USER,
        })
        .max()
        .unwrap_or(USER)
}

fn is_super_admin<S: AsRef<str>>(roles: &[S]) -> bool {
    roles.iter().any(|r| r.as_ref() == "super-admin")
}

/// docs/contract.md §5: 1–128 characters, the first alphanumeric, the rest
/// `[A-Za-z0-9._@+-]`.
fn valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    s.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "._@+-".contains(c))
}

fn valid_optional_id(s: &str) -> bool {
    s.is_empty() || valid_id(s)
}

/// A name: at most 256 characters, no control characters; a required one
/// is not blank.
fn valid_name(s: &str, required: bool) -> bool {
    !(required && s.trim().is_empty())
        && s.chars().count() <= 256
        && !s.chars().any(char::is_control)
}

/// docs/contract.md §4/§5: at most 32 roles, each 1–64 of
/// `[A-Za-z0-9:._-]`, no duplicates.
fn valid_roles(roles: &[&str]) -> bool {
    roles.len() <= 32
        && roles.iter().enumerate().all(|(i, r)| {
            !r.is_empty()
                && r.len() <= 64
                && r.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ":._-".contains(c))
                && !roles[..i].contains(r)
        })
}

/// docs/contract.md §3: 1–64 characters of `[A-Za-z0-9._-]`.
fn valid_key_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

fn valid_config_key(s: &str) -> bool {
    (1..=128).contains(&s.chars().count())
}

/// Size of a configuration encoded as compact JSON.
fn json_size(config: &BTreeMap<String, String>) -> usize {
    let map: serde_json::Map<String, serde_json::Value> = config
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::to_vec(&map).unwrap().len()
}

#[derive(Clone, Debug, PartialEq)]
struct MUser {
    name: String,
    org: String,
    tenant: String,
    roles: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct MTenant {
    name: String,
    org: String,
}

/// The directory as the model sees it.
#[derive(Clone, Debug)]
struct Model {
    /// Organization id → name.
    orgs: BTreeMap<String, String>,
    tenants: BTreeMap<String, MTenant>,
    users: BTreeMap<String, MUser>,
    /// User id → names of its access keys.
    keys: BTreeMap<String, BTreeSet<String>>,
    /// User id → its configuration (every value a string).
    configs: BTreeMap<String, BTreeMap<String, String>>,
}

/// The user a call acts as.
#[derive(Clone, Debug)]
struct Caller {
    id: String,
    user: MUser,
    rank: u8,
}

/// What a call answers, as far as the model predicts it.
#[derive(Clone, PartialEq)]
enum Reply {
    /// An empty answer (mutations).
    Done,
    /// A new access key of this name (its secret is the server's).
    Key(String),
    /// The ids a List RPC returns, in order.
    Ids(Vec<String>),
    /// The caller's whole configuration.
    Config(BTreeMap<String, String>),
    /// GetInfo: the caller's id and roles.
    Info(String, Vec<String>),
}

/// A configuration with its big values abbreviated, for messages.
fn show_config(config: &BTreeMap<String, String>) -> String {
    let entries: Vec<String> = config
        .iter()
        .map(|(k, v)| match v.len() {
            n if n > 16 => format!("{k:?}: {:?}…({n} chars)", &v[..4]),
            _ => format!("{k:?}: {v:?}"),
        })
        .collect();
    format!("{{{}}}", entries.join(", "))
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Done => write!(f, "Done"),
            Reply::Key(name) => write!(f, "Key({name:?})"),
            Reply::Ids(ids) => write!(f, "Ids({ids:?})"),
            Reply::Config(config) => write!(f, "Config({})", show_config(config)),
            Reply::Info(id, roles) => write!(f, "Info({id:?}, {roles:?})"),
        }
    }
}

/// Fails with `code` unless `cond`.
macro_rules! ensure {
    ($cond:expr, $code:ident) => {
        if !$cond {
            return Err(Code::$code);
        }
    };
}

impl Model {
    /// The state right after bootstrap.
    fn new() -> Self {
        let mut m = Model {
            orgs: BTreeMap::new(),
            tenants: BTreeMap::new(),
            users: BTreeMap::new(),
            keys: BTreeMap::new(),
            configs: BTreeMap::new(),
        };
        m.orgs.insert("default".into(), "default".into());
        m.users.insert(
            "admin".into(),
            MUser {
                name: "admin".into(),
                org: "default".into(),
                tenant: String::new(),
                roles: vec!["super-admin".into()],
            },
        );
        m.keys
            .entry("admin".into())
            .or_default()
            .insert("bootstrap".into());
        m
    }

    /// Whether `admin` still exists with `super-admin`.
    fn admin_is_super(&self) -> bool {
        self.users
            .get("admin")
            .is_some_and(|u| is_super_admin(&u.roles))
    }

    /// Whether `user` exists and holds at least one key.
    fn has_live_key(&self, user: &str) -> bool {
        self.users.contains_key(user) && self.keys.get(user).is_some_and(|k| !k.is_empty())
    }

    fn count_super_admins(&self) -> usize {
        self.users
            .values()
            .filter(|u| is_super_admin(&u.roles))
            .count()
    }

    /// The caller a key authenticates (docs/contract.md §3).
    fn authenticate(&self, user: &str) -> Result<Caller, Code> {
        ensure!(self.has_live_key(user), Unauthenticated);
        let u = &self.users[user];
        Ok(Caller {
            id: user.into(),
            user: u.clone(),
            rank: rank(&u.roles),
        })
    }

    /// Impersonation (docs/contract.md §3): allowed where the caller may
    /// change the target (scope, rank), oneself included.
    fn impersonate(&self, caller: Caller, target: &str) -> Result<Caller, Code> {
        ensure!(valid_id(target), InvalidArgument);
        ensure!(caller.rank >= TENANT_ADMIN, PermissionDenied);
        let Some(t) = self.users.get(target) else {
            return Err(Code::NotFound);
        };
        self.may_change(&caller, t)?;
        Ok(Caller {
            id: target.into(),
            user: t.clone(),
            rank: rank(&t.roles),
        })
    }

    /// The owner of the actor's key (UNAUTHENTICATED if it has none).
    fn key_owner(&self, actor: &Actor) -> Result<Caller, Code> {
        match actor {
            Actor::Admin | Actor::As(_) => self.authenticate("admin"),
            Actor::Key(u) | Actor::KeyAs(u, _) => self.authenticate(u),
        }
    }

    /// The request's own shape (INVALID_ARGUMENT), checked before
    /// impersonation and permissions.
    fn shape(op: &Op) -> Result<(), Code> {
        let ok = match op {
            Op::CreateOrg { id, name } | Op::UpdateOrg { id, name } => {
                valid_id(id) && valid_name(name, true)
            }
            Op::DeleteOrg { id } | Op::DeleteTenant { id } | Op::DeleteUser { id } => valid_id(id),
            Op::CreateTenant { id, name, org } | Op::UpdateTenant { id, name, org } => {
                valid_id(id) && valid_name(name, true) && valid_optional_id(org)
            }
            Op::CreateUser(u) | Op::UpdateUser(u) => Self::validate_user(u).is_ok(),
            Op::CreateKey { name } => valid_key_name(name),
            Op::DeleteKeys { names } => {
                !names.is_empty() && names.iter().all(|n| valid_key_name(n))
            }
            Op::UpdateConfig { updated, deleted } => {
                let updated: BTreeMap<String, String> = updated
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.text()))
                    .collect();
                updated.keys().all(|k| valid_config_key(k))
                    && json_size(&updated) <= MAX_CONFIG_BYTES
                    && deleted
                        .iter()
                        .all(|k| valid_config_key(k) && !updated.contains_key(*k))
            }
            Op::GetInfo | Op::ListOrgs => true,
            Op::ListTenants { org } => valid_optional_id(org),
            Op::ListUsers { org, tenant } => valid_optional_id(org) && valid_optional_id(tenant),
        };
        ensure!(ok, InvalidArgument);
        Ok(())
    }

    fn caller(&self, actor: &Actor) -> Result<Caller, Code> {
        match actor {
            Actor::Admin => self.authenticate("admin"),
            Actor::As(v) => self.impersonate(self.authenticate("admin")?, v),
            Actor::Key(u) => self.authenticate(u),
            Actor::KeyAs(u, v) => self.impersonate(self.authenticate(u)?, v),
        }
    }

    /// Every organization for a super-admin, the own one for org- and
    /// tenant-admins, none for a plain user.
    fn in_org_scope(c: &Caller, org: &str) -> bool {
        match c.rank {
            SUPER_ADMIN => true,
            ORG_ADMIN | TENANT_ADMIN => c.user.org == org,
            _ => false,
        }
    }

    /// Users a caller manages: all, its organization's, its tenant's.
    fn in_user_scope(c: &Caller, target: &MUser) -> bool {
        match c.rank {
            SUPER_ADMIN => true,
            ORG_ADMIN => c.user.org == target.org,
            TENANT_ADMIN => {
                c.user.org == target.org
                    && !c.user.tenant.is_empty()
                    && c.user.tenant == target.tenant
            }
            _ => false,
        }
    }

    /// The caller holds `users:write` over `target`, which does not rank
    /// above it.
    fn may_change(&self, c: &Caller, target: &MUser) -> Result<(), Code> {
        ensure!(c.rank >= TENANT_ADMIN, PermissionDenied);
        ensure!(Self::in_user_scope(c, target), PermissionDenied);
        ensure!(rank(&target.roles) <= c.rank, PermissionDenied);
        Ok(())
    }

    /// The checks of a user create or update that need no stored state.
    fn check_destination(c: &Caller, u: &UserSpec) -> Result<(), Code> {
        ensure!(c.rank >= TENANT_ADMIN, PermissionDenied);
        ensure!(rank(&u.roles) <= c.rank, PermissionDenied);
        ensure!(
            u.org.is_empty() || Self::in_org_scope(c, u.org),
            PermissionDenied
        );
        if c.rank == TENANT_ADMIN {
            ensure!(
                !c.user.tenant.is_empty() && u.tenant == c.user.tenant,
                PermissionDenied
            );
        }
        Ok(())
    }

    fn validate_user(u: &UserSpec) -> Result<(), Code> {
        ensure!(
            valid_id(u.id)
                && valid_name(u.name, false)
                && valid_optional_id(u.tenant)
                && valid_optional_id(u.org)
                && valid_roles(&u.roles),
            InvalidArgument
        );
        Ok(())
    }

    /// The tenant a user is to belong to: existing, in the caller's scope.
    fn user_tenant(&self, c: &Caller, tenant: &str) -> Result<Option<MTenant>, Code> {
        if tenant.is_empty() {
            return Ok(None);
        }
        let Some(t) = self.tenants.get(tenant) else {
            return Err(Code::NotFound);
        };
        ensure!(Self::in_org_scope(c, &t.org), PermissionDenied);
        Ok(Some(t.clone()))
    }

    /// Runs one step on the model: the expected answer, with the change
    /// applied when it is OK.
    fn apply(&mut self, step: &Step) -> Result<Reply, Code> {
        // docs/contract.md §4's order: the key, then the request's own shape,
        // then impersonation (its refusal is PERMISSION_DENIED, a missing
        // target NOT_FOUND).
        self.key_owner(&step.actor)?;
        Self::shape(&step.op)?;
        let c = self.caller(&step.actor)?;
        match &step.op {
            Op::CreateOrg { id, name } => {
                ensure!(valid_id(id) && valid_name(name, true), InvalidArgument);
                ensure!(c.rank >= SUPER_ADMIN, PermissionDenied);
                ensure!(!self.orgs.contains_key(*id), AlreadyExists);
                self.orgs.insert(id.to_string(), name.to_string());
            }
            Op::UpdateOrg { id, name } => {
                ensure!(valid_id(id) && valid_name(name, true), InvalidArgument);
                ensure!(c.rank >= ORG_ADMIN, PermissionDenied);
                ensure!(Self::in_org_scope(&c, id), PermissionDenied);
                let Some(org) = self.orgs.get_mut(*id) else {
                    return Err(Code::NotFound);
                };
                *org = name.to_string();
            }
            Op::DeleteOrg { id } => {
                ensure!(valid_id(id), InvalidArgument);
                ensure!(c.rank >= SUPER_ADMIN, PermissionDenied);
                ensure!(self.orgs.contains_key(*id), NotFound);
                ensure!(
                    !self.tenants.values().any(|t| t.org == *id)
                        && !self.users.values().any(|u| u.org == *id),
                    FailedPrecondition
                );
                self.orgs.remove(*id);
            }
            Op::CreateTenant { id, name, org } => {
                ensure!(
                    valid_id(id) && valid_name(name, true) && valid_optional_id(org),
                    InvalidArgument
                );
                ensure!(c.rank >= ORG_ADMIN, PermissionDenied);
                let org = if org.is_empty() { &c.user.org } else { *org };
                ensure!(Self::in_org_scope(&c, org), PermissionDenied);
                ensure!(self.orgs.contains_key(org), NotFound);
                ensure!(!self.tenants.contains_key(*id), AlreadyExists);
                let tenant = MTenant {
                    name: name.to_string(),
                    org: org.to_string(),
                };
                self.tenants.insert(id.to_string(), tenant);
            }
            Op::UpdateTenant { id, name, org } => {
                ensure!(
                    valid_id(id) && valid_name(name, true) && valid_optional_id(org),
                    InvalidArgument
                );
                ensure!(c.rank >= ORG_ADMIN, PermissionDenied);
                ensure!(
                    org.is_empty() || Self::in_org_scope(&c, org),
                    PermissionDenied
                );
                let Some(old) = self.tenants.get_mut(*id) else {
                    return Err(Code::NotFound);
                };
                ensure!(Self::in_org_scope(&c, &old.org), PermissionDenied);
                // docs/contract.md §4: a tenant's organization never changes.
                ensure!(org.is_empty() || *org == old.org, InvalidArgument);
                old.name = name.to_string();
            }
            Op::DeleteTenant { id } => {
                ensure!(valid_id(id), InvalidArgument);
                ensure!(c.rank >= ORG_ADMIN, PermissionDenied);
                let Some(t) = self.tenants.get(*id) else {
                    return Err(Code::NotFound);
                };
                ensure!(Self::in_org_scope(&c, &t.org), PermissionDenied);
                ensure!(
                    !self.users.values().any(|u| u.tenant == *id),
                    FailedPrecondition
                );
                self.tenants.remove(*id);
            }
            Op::CreateUser(u) => {
                Self::validate_user(u)?;
                Self::check_destination(&c, u)?;
                let tenant = self.user_tenant(&c, u.tenant)?;
                // docs/contract.md §5: an empty org_id defaults to the
                // tenant's organization, else to the caller's.
                let org = match (u.org, &tenant) {
                    ("", Some(t)) => t.org.clone(),
                    ("", None) => c.user.org.clone(),
                    (org, _) => org.to_string(),
                };
                ensure!(self.orgs.contains_key(&org), NotFound);
                ensure!(tenant.is_none_or(|t| t.org == org), InvalidArgument);
                ensure!(!self.users.contains_key(u.id), AlreadyExists);
                let user = MUser {
                    name: u.name.into(),
                    org,
                    tenant: u.tenant.into(),
                    roles: u.roles.iter().map(|r| r.to_string()).collect(),
                };
                self.users.insert(u.id.into(), user);
            }
            Op::UpdateUser(u) => {
                Self::validate_user(u)?;
                Self::check_destination(&c, u)?;
                // docs/contract.md §4: a destination tenant outside the
                // caller's scope is refused before the target's existence is
                // told.
                if let Some(t) = self.tenants.get(u.tenant) {
                    ensure!(Self::in_org_scope(&c, &t.org), PermissionDenied);
                }
                let Some(old) = self.users.get(u.id) else {
                    return Err(Code::NotFound);
                };
                self.may_change(&c, old)?;
                // docs/contract.md §5: an empty org_id keeps the current
                // organization.
                let org = if u.org.is_empty() {
                    old.org.clone()
                } else {
                    u.org.to_string()
                };
                let moved = org != old.org;
                ensure!(!moved || c.rank >= SUPER_ADMIN, PermissionDenied);
                let tenant = self.user_tenant(&c, u.tenant)?;
                ensure!(!moved || self.orgs.contains_key(&org), NotFound);
                ensure!(tenant.is_none_or(|t| t.org == org), InvalidArgument);
                let demoted = is_super_admin(&old.roles) && !is_super_admin(&u.roles);
                ensure!(
                    !demoted || self.count_super_admins() >= 2,
                    FailedPrecondition
                );
                let user = MUser {
                    name: u.name.into(),
                    org,
                    tenant: u.tenant.into(),
                    roles: u.roles.iter().map(|r| r.to_string()).collect(),
                };
                self.users.insert(u.id.into(), user);
            }
            Op::DeleteUser { id } => {
                ensure!(valid_id(id), InvalidArgument);
                ensure!(c.rank >= TENANT_ADMIN, PermissionDenied);
                let Some(target) = self.users.get(*id) else {
                    return Err(Code::NotFound);
                };
                self.may_change(&c, target)?;
                ensure!(*id != c.id, FailedPrecondition);
                ensure!(
                    !is_super_admin(&target.roles) || self.count_super_admins() >= 2,
                    FailedPrecondition
                );
                // docs/contract.md §5: the user goes with its keys and
                // configuration.
                self.users.remove(*id);
                self.keys.remove(*id);
                self.configs.remove(*id);
            }
            Op::CreateKey { name } => {
                ensure!(valid_key_name(name), InvalidArgument);
                let keys = self.keys.entry(c.id.clone()).or_default();
                ensure!(!keys.contains(*name), AlreadyExists);
                ensure!(keys.len() < MAX_KEYS_PER_USER, ResourceExhausted);
                keys.insert(name.to_string());
                return Ok(Reply::Key(name.to_string()));
            }
            Op::DeleteKeys { names } => {
                ensure!(!names.is_empty(), InvalidArgument);
                ensure!(names.iter().all(|n| valid_key_name(n)), InvalidArgument);
                let keys = self.keys.entry(c.id.clone()).or_default();
                ensure!(names.iter().all(|n| keys.contains(*n)), NotFound);
                for n in names {
                    keys.remove(*n);
                }
            }
            Op::UpdateConfig { updated, deleted } => {
                // A Struct is a map: a key given twice keeps its last value.
                let updated: BTreeMap<String, String> = updated
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.text()))
                    .collect();
                ensure!(updated.keys().all(|k| valid_config_key(k)), InvalidArgument);
                ensure!(json_size(&updated) <= MAX_CONFIG_BYTES, InvalidArgument);
                ensure!(
                    deleted
                        .iter()
                        .all(|k| valid_config_key(k) && !updated.contains_key(*k)),
                    InvalidArgument
                );
                let config = self.configs.entry(c.id.clone()).or_default();
                if updated.is_empty() && deleted.is_empty() {
                    return Ok(Reply::Config(config.clone()));
                }
                let mut next = config.clone();
                for k in deleted {
                    next.remove(*k);
                }
                next.extend(updated);
                ensure!(next.len() <= MAX_CONFIG_KEYS, ResourceExhausted);
                ensure!(json_size(&next) <= MAX_CONFIG_BYTES, ResourceExhausted);
                *config = next.clone();
                return Ok(Reply::Config(next));
            }
            Op::GetInfo => return Ok(Reply::Info(c.id, c.user.roles)),
            Op::ListOrgs => {
                ensure!(c.rank >= ORG_ADMIN, PermissionDenied);
                let ids = if c.rank == SUPER_ADMIN {
                    self.orgs.keys().cloned().collect()
                } else {
                    vec![c.user.org.clone()]
                };
                return Ok(Reply::Ids(ids));
            }
            Op::ListTenants { org } => {
                ensure!(valid_optional_id(org), InvalidArgument);
                ensure!(c.rank >= TENANT_ADMIN, PermissionDenied);
                let org = if org.is_empty() { &c.user.org } else { *org };
                ensure!(Self::in_org_scope(&c, org), PermissionDenied);
                let ids = if c.rank == TENANT_ADMIN {
                    // A tenant-admin sees its own tenant only.
                    let own = &c.user.tenant;
                    match self.tenants.get(own) {
                        Some(t) if t.org == org => vec![own.clone()],
                        _ => Vec::new(),
                    }
                } else {
                    ensure!(self.orgs.contains_key(org), NotFound);
                    self.tenant_ids(org)
                };
                return Ok(Reply::Ids(ids));
            }
            Op::ListUsers { org, tenant } => {
                ensure!(
                    valid_optional_id(org) && valid_optional_id(tenant),
                    InvalidArgument
                );
                ensure!(c.rank >= TENANT_ADMIN, PermissionDenied);
                ensure!(
                    org.is_empty() || Self::in_org_scope(&c, org),
                    PermissionDenied
                );
                let ids = if c.rank == TENANT_ADMIN {
                    // A tenant-admin lists its own tenant's users.
                    let own = &c.user.tenant;
                    ensure!(
                        !own.is_empty() && (tenant.is_empty() || tenant == own),
                        PermissionDenied
                    );
                    self.user_ids(|u| u.tenant == *own)
                } else if !tenant.is_empty() {
                    let Some(t) = self.tenants.get(*tenant) else {
                        return Err(Code::NotFound);
                    };
                    ensure!(Self::in_org_scope(&c, &t.org), PermissionDenied);
                    ensure!(org.is_empty() || t.org == *org, InvalidArgument);
                    self.user_ids(|u| u.tenant == *tenant)
                } else {
                    let org = if org.is_empty() { &c.user.org } else { *org };
                    ensure!(Self::in_org_scope(&c, org), PermissionDenied);
                    ensure!(self.orgs.contains_key(org), NotFound);
                    self.user_ids(|u| u.org == org)
                };
                return Ok(Reply::Ids(ids));
            }
        }
        Ok(Reply::Done)
    }

    fn tenant_ids(&self, org: &str) -> Vec<String> {
        self.tenants
            .iter()
            .filter(|(_, t)| t.org == org)
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn user_ids(&self, keep: impl Fn(&MUser) -> bool) -> Vec<String> {
        self.users
            .iter()
            .filter(|(_, u)| keep(u))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Runs `step` on the model unless it would take `super-admin` away from
    /// `admin`; `None` for such a step, which is then not sent.
    fn step(&mut self, step: &Step) -> Option<Result<Reply, Code>> {
        let mut next = self.clone();
        let expected = next.apply(step);
        if expected.is_ok() && !next.admin_is_super() {
            return None;
        }
        *self = next;
        Some(expected)
    }
}

// ---- the harness ----

/// The secrets of the keys the sequence issued.
#[derive(Default)]
struct Secrets {
    /// (user, key name) → secret, for the keys the model says are live.
    live: BTreeMap<(String, String), String>,
    /// User → secrets of its deleted keys, newest last.
    revoked: BTreeMap<String, Vec<String>>,
}

impl Secrets {
    /// The key `user` calls with: its live key with the greatest name, else
    /// a revoked one, else one never issued.
    fn key_of(&self, model: &Model, user: &str) -> String {
        let live = model
            .keys
            .get(user)
            .filter(|_| model.users.contains_key(user))
            .and_then(|names| names.last())
            .and_then(|name| self.live.get(&(user.to_string(), name.clone())));
        if let Some(secret) = live {
            return secret.clone();
        }
        match self.revoked.get(user).and_then(|r| r.last()) {
            Some(secret) => secret.clone(),
            None => roster::auth::keys::generate().unwrap().expose().to_owned(),
        }
    }

    /// Moves the secrets of keys the model no longer has to `revoked`.
    fn sync(&mut self, model: &Model) {
        let gone: Vec<_> = self
            .live
            .keys()
            .filter(|(u, k)| !model.keys.get(u).is_some_and(|names| names.contains(k)))
            .cloned()
            .collect();
        for id in gone {
            let secret = self.live.remove(&id).unwrap();
            self.revoked.entry(id.0).or_default().push(secret);
        }
    }
}

fn client(s: &TestServer, model: &Model, secrets: &Secrets, actor: &Actor) -> Client {
    match actor {
        Actor::Admin => s.admin(),
        Actor::As(v) => s.client_as(&s.admin_key, v),
        Actor::Key(u) => s.client(&secrets.key_of(model, u)),
        Actor::KeyAs(u, v) => s.client_as(&secrets.key_of(model, u), v),
    }
}

/// What the server answered, in the model's terms, plus a new key's secret.
type Answer = Result<(Reply, Option<String>), Status>;

fn pb_user(u: &UserSpec) -> pb::User {
    pb::User {
        id: u.id.into(),
        name: u.name.into(),
        org_id: u.org.into(),
        tenant_id: u.tenant.into(),
        roles: u.roles.iter().map(|r| r.to_string()).collect(),
        ..Default::default()
    }
}

fn pb_org(id: &str, name: &str) -> pb::Organization {
    pb::Organization {
        id: id.into(),
        name: name.into(),
        ..Default::default()
    }
}

fn pb_tenant(id: &str, name: &str, org: &str) -> pb::Tenant {
    pb::Tenant {
        id: id.into(),
        name: name.into(),
        org_id: org.into(),
        ..Default::default()
    }
}

fn config_of(s: Option<Struct>) -> BTreeMap<String, String> {
    s.unwrap_or_default()
        .fields
        .into_iter()
        .map(|(k, v)| match v.kind {
            Some(Kind::StringValue(text)) => (k, text),
            other => panic!("config value `{k}` is not a string: {other:?}"),
        })
        .collect()
}

/// Sends one step's RPC.
async fn call(c: &mut Client, op: &Op) -> Answer {
    fn done<T>(_: T) -> (Reply, Option<String>) {
        (Reply::Done, None)
    }
    match op {
        Op::CreateOrg { id, name } => c
            .create_organization(pb::CreateOrganizationRequest {
                organization: Some(pb_org(id, name)),
            })
            .await
            .map(done),
        Op::UpdateOrg { id, name } => c
            .update_organization(pb::UpdateOrganizationRequest {
                organization: Some(pb_org(id, name)),
                ..Default::default()
            })
            .await
            .map(done),
        Op::DeleteOrg { id } => c
            .delete_organization(pb::DeleteOrganizationRequest { id: id.to_string() })
            .await
            .map(done),
        Op::CreateTenant { id, name, org } => c
            .create_tenant(pb::CreateTenantRequest {
                tenant: Some(pb_tenant(id, name, org)),
            })
            .await
            .map(done),
        Op::UpdateTenant { id, name, org } => c
            .update_tenant(pb::UpdateTenantRequest {
                tenant: Some(pb_tenant(id, name, org)),
                ..Default::default()
            })
            .await
            .map(done),
        Op::DeleteTenant { id } => c
            .delete_tenant(pb::DeleteTenantRequest { id: id.to_string() })
            .await
            .map(done),
        Op::CreateUser(u) => c
            .create_user(pb::CreateUserRequest {
                user: Some(pb_user(u)),
            })
            .await
            .map(done),
        Op::UpdateUser(u) => c
            .update_user(pb::UpdateUserRequest {
                user: Some(pb_user(u)),
                ..Default::default()
            })
            .await
            .map(done),
        Op::DeleteUser { id } => c
            .delete_user(pb::DeleteUserRequest { id: id.to_string() })
            .await
            .map(done),
        Op::CreateKey { name } => c
            .create_access_key(pb::CreateAccessKeyRequest {
                name: name.to_string(),
            })
            .await
            .map(|r| {
                let mut keys = r.into_inner().access_keys;
                assert_eq!(keys.len(), 1, "CreateAccessKey answers one key");
                let key = keys.remove(0);
                (Reply::Key(key.name), Some(key.access_key))
            }),
        Op::DeleteKeys { names } => c
            .delete_access_key(pb::DelAccessKeyRequest {
                names: names.iter().map(|n| n.to_string()).collect(),
                ..Default::default()
            })
            .await
            .map(done),
        Op::UpdateConfig { updated, deleted } => {
            let fields = updated
                .iter()
                .map(|(k, v)| {
                    let value = Value {
                        kind: Some(Kind::StringValue(v.text())),
                    };
                    (k.to_string(), value)
                })
                .collect();
            c.update_config(pb::UpdateConfigRequest {
                updated: Some(Struct { fields }),
                deleted: deleted.iter().map(|k| k.to_string()).collect(),
            })
            .await
            .map(|r| (Reply::Config(config_of(r.into_inner().configs)), None))
        }
        Op::GetInfo => c.get_info(pb::GetUserInfoRequest {}).await.map(|r| {
            let info = r.into_inner();
            (Reply::Info(info.id, info.roles), None)
        }),
        Op::ListOrgs => c
            .list_organizations(pb::ListOrganizationsRequest::default())
            .await
            .map(|r| {
                let ids = r.into_inner().organizations.into_iter().map(|o| o.id);
                (Reply::Ids(ids.collect()), None)
            }),
        Op::ListTenants { org } => c
            .list_tenants(pb::ListTenantsRequest {
                lookup_org_id: org.to_string(),
                ..Default::default()
            })
            .await
            .map(|r| {
                let ids = r.into_inner().tenants.into_iter().map(|t| t.id);
                (Reply::Ids(ids.collect()), None)
            }),
        Op::ListUsers { org, tenant } => c
            .list_users(pb::ListUsersRequest {
                lookup_org_id: org.to_string(),
                lookup_tenant_id: tenant.to_string(),
                ..Default::default()
            })
            .await
            .map(|r| {
                let ids = r.into_inner().users.into_iter().map(|u| u.id);
                (Reply::Ids(ids.collect()), None)
            }),
    }
}

fn fail(msg: String) -> TestCaseError {
    TestCaseError::fail(msg)
}

/// Sends `steps` to a fresh server, each checked against the model, then
/// compares the final state.
async fn run(steps: &[Step]) -> Result<(), TestCaseError> {
    let s = TestServer::start().await;
    let mut model = Model::new();
    let mut secrets = Secrets::default();
    for (i, step) in steps.iter().enumerate() {
        // The caller's key is the one live before the step.
        let mut c = client(&s, &model, &secrets, &step.actor);
        let Some(expected) = model.step(step) else {
            continue;
        };
        let actual = call(&mut c, &step.op).await;
        match (&expected, &actual) {
            (Ok(want), Ok((got, secret))) => {
                if want != got {
                    return Err(fail(format!(
                        "step {i} {step:?}: expected OK {want:?}, got OK {got:?}"
                    )));
                }
                if let (Reply::Key(name), Some(secret)) = (got, secret) {
                    secrets
                        .live
                        .insert((caller_id(step), name.clone()), secret.clone());
                }
            }
            (Err(want), Err(status)) if *want == status.code() => {}
            _ => {
                return Err(fail(format!(
                    "step {i} {step:?}: expected {:?}, got {:?}",
                    expected.as_ref().map_err(|c| *c),
                    actual
                        .as_ref()
                        .map(|(r, _)| r)
                        .map_err(|s| (s.code(), s.message())),
                )))
            }
        }
        secrets.sync(&model);
    }
    check_final_state(&s, &model).await?;
    s.stop().await.map_err(|e| fail(format!("stop: {e:?}")))?;
    Ok(())
}

/// The id of the user a successful step acted as.
fn caller_id(step: &Step) -> String {
    match &step.actor {
        Actor::Admin => "admin".into(),
        Actor::As(v) | Actor::KeyAs(_, v) => v.to_string(),
        Actor::Key(u) => u.to_string(),
    }
}

/// Compares everything the admin can read with the model.
async fn check_final_state(s: &TestServer, model: &Model) -> Result<(), TestCaseError> {
    let mut admin = s.admin();
    let orgs: Vec<(String, String)> = admin
        .list_organizations(pb::ListOrganizationsRequest::default())
        .await
        .map_err(|e| fail(format!("final ListOrganizations: {e:?}")))?
        .into_inner()
        .organizations
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let want: Vec<(String, String)> = model
        .orgs
        .iter()
        .map(|(id, name)| (id.clone(), name.clone()))
        .collect();
    if orgs != want {
        return Err(fail(format!(
            "final organizations: expected {want:?}, got {orgs:?}"
        )));
    }

    let mut tenants = BTreeMap::new();
    let mut users = BTreeMap::new();
    for org in model.orgs.keys() {
        let listed = admin
            .list_tenants(pb::ListTenantsRequest {
                lookup_org_id: org.clone(),
                ..Default::default()
            })
            .await
            .map_err(|e| fail(format!("final ListTenants {org}: {e:?}")))?
            .into_inner();
        for t in listed.tenants {
            let tenant = MTenant {
                name: t.name,
                org: t.org_id,
            };
            if tenants.insert(t.id.clone(), tenant).is_some() {
                return Err(fail(format!("tenant {} listed twice", t.id)));
            }
        }
        let listed = admin
            .list_users(pb::ListUsersRequest {
                lookup_org_id: org.clone(),
                ..Default::default()
            })
            .await
            .map_err(|e| fail(format!("final ListUsers {org}: {e:?}")))?
            .into_inner();
        for u in listed.users {
            let user = MUser {
                name: u.name,
                org: u.org_id,
                tenant: u.tenant_id,
                roles: u.roles,
            };
            if users.insert(u.id.clone(), user).is_some() {
                return Err(fail(format!("user {} listed twice", u.id)));
            }
        }
    }
    if tenants != model.tenants {
        return Err(fail(format!(
            "final tenants: expected {:?}, got {tenants:?}",
            model.tenants
        )));
    }
    if users != model.users {
        return Err(fail(format!(
            "final users: expected {:?}, got {users:?}",
            model.users
        )));
    }

    for id in model.users.keys() {
        let mut c = if id == "admin" {
            s.admin()
        } else {
            s.client_as(&s.admin_key, id)
        };
        let keys: BTreeSet<String> = c
            .list_access_keys(pb::GetAccessKeyRequest::default())
            .await
            .map_err(|e| fail(format!("final ListAccessKeys as {id}: {e:?}")))?
            .into_inner()
            .access_keys
            .into_iter()
            .map(|k| k.name)
            .collect();
        let want = model.keys.get(id).cloned().unwrap_or_default();
        if keys != want {
            return Err(fail(format!(
                "final keys of {id}: expected {want:?}, got {keys:?}"
            )));
        }
        let config = c
            .update_config(pb::UpdateConfigRequest::default())
            .await
            .map_err(|e| fail(format!("final config of {id}: {e:?}")))?
            .into_inner()
            .configs;
        let config = config_of(config);
        let want = model.configs.get(id).cloned().unwrap_or_default();
        if config != want {
            return Err(fail(format!(
                "final config of {id}: expected {}, got {}",
                show_config(&want),
                show_config(&config)
            )));
        }
    }
    Ok(())
}

/// 64 cases unless `PROPTEST_CASES` says otherwise; no regression files
/// (the failure message shows the minimal sequence).
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    config.failure_persistence = None;
    config.max_shrink_iters = 512;
    config
}

proptest! {
    #![proptest_config(config())]

    /// Every answer of a random sequence of RPCs (organizations, tenants,
    /// users, access keys, configuration, GetInfo and lists; made by the
    /// super-admin, by it impersonating users, and by users of every role
    /// with their own keys) has the status code the model of
    /// docs/contract.md §3–§6 predicts, reads return what the model holds,
    /// and afterwards the server's organizations, tenants, users, key names
    /// and configurations equal the model's.
    #[test]
    fn random_rpc_sequences_match_the_model(steps in steps()) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run(&steps))?;
    }
}

/// The generator is not vacuous: over 300 generated sequences the model
/// (alone, no server) predicts every status code the directory can answer,
/// and users created in a sequence act with their own keys as org-admins,
/// tenant-admins and plain users, succeeding and being refused.
#[test]
fn generated_sequences_reach_every_outcome() {
    let mut runner = TestRunner::deterministic();
    let strategy = steps();
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_rank: BTreeSet<(u8, bool)> = BTreeSet::new();
    let mut rpc_ok: BTreeSet<&'static str> = BTreeSet::new();
    for _ in 0..300 {
        let steps = strategy.new_tree(&mut runner).unwrap().current();
        let mut model = Model::new();
        for step in &steps {
            let rank = match &step.actor {
                Actor::Key(u) | Actor::KeyAs(u, _) => model.authenticate(u).ok().map(|c| c.rank),
                _ => None,
            };
            let Some(expected) = model.step(step) else {
                continue;
            };
            let code = expected.as_ref().map_or_else(|c| *c, |_| Code::Ok);
            *codes.entry(format!("{code:?}")).or_default() += 1;
            if let Some(rank) = rank {
                by_rank.insert((rank, expected.is_ok()));
            }
            if expected.is_ok() {
                rpc_ok.insert(step.op.rpc());
            }
        }
    }
    for code in [
        Code::Ok,
        Code::InvalidArgument,
        Code::Unauthenticated,
        Code::PermissionDenied,
        Code::NotFound,
        Code::AlreadyExists,
        Code::FailedPrecondition,
        Code::ResourceExhausted,
    ] {
        assert!(
            codes.contains_key(&format!("{code:?}")),
            "{code:?} never predicted: {codes:?}"
        );
    }
    for rank in [USER, TENANT_ADMIN, ORG_ADMIN, SUPER_ADMIN] {
        for ok in [true, false] {
            assert!(
                by_rank.contains(&(rank, ok)),
                "own-key caller of rank {rank}, ok={ok}: {by_rank:?}"
            );
        }
    }
    assert_eq!(
        rpc_ok.len(),
        16,
        "RPCs that succeeded at least once: {rpc_ok:?}"
    );
}
