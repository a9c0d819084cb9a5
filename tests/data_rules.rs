//! Data rules (docs/contract.md §5): ids, names, emails, roles, variables and
//! timestamps; references between users, tenants and organizations; updates
//! and deletes; each user's configuration. Every INVALID_ARGUMENT names the
//! offending field in its message and in a `google.rpc.BadRequest` detail.

mod common;

use std::{
    collections::BTreeMap,
    time::{SystemTime, UNIX_EPOCH},
};

use common::{assert_code, assert_invalid, Client, TestServer};
use prost_types::{value::Kind, ListValue, Struct, Value};
use roster::pb;
use tonic::{Code, Response, Status};

// ---- request builders ----

fn user(id: &str) -> pb::User {
    pb::User {
        id: id.into(),
        name: format!("User {id}"),
        ..Default::default()
    }
}

fn user_in(id: &str, org: &str, tenant: &str) -> pb::User {
    pb::User {
        org_id: org.into(),
        tenant_id: tenant.into(),
        ..user(id)
    }
}

fn tenant(id: &str, org: &str) -> pb::Tenant {
    pb::Tenant {
        id: id.into(),
        name: format!("Tenant {id}"),
        org_id: org.into(),
        ..Default::default()
    }
}

fn org(id: &str) -> pb::Organization {
    pb::Organization {
        id: id.into(),
        name: format!("Org {id}"),
        ..Default::default()
    }
}

async fn create_user(c: &mut Client, u: pb::User) -> Result<Response<pb::CommonResponse>, Status> {
    c.create_user(pb::CreateUserRequest { user: Some(u) }).await
}

async fn update_user(c: &mut Client, u: pb::User) -> Result<Response<pb::CommonResponse>, Status> {
    c.update_user(pb::UpdateUserRequest {
        user: Some(u),
        ..Default::default()
    })
    .await
}

async fn create_tenant(
    c: &mut Client,
    t: pb::Tenant,
) -> Result<Response<pb::CommonResponse>, Status> {
    c.create_tenant(pb::CreateTenantRequest { tenant: Some(t) })
        .await
}

async fn update_tenant(
    c: &mut Client,
    t: pb::Tenant,
) -> Result<Response<pb::CommonResponse>, Status> {
    c.update_tenant(pb::UpdateTenantRequest {
        tenant: Some(t),
        ..Default::default()
    })
    .await
}

async fn create_org(
    c: &mut Client,
    o: pb::Organization,
) -> Result<Response<pb::CommonResponse>, Status> {
    c.create_organization(pb::CreateOrganizationRequest {
        organization: Some(o),
    })
    .await
}

async fn update_org(
    c: &mut Client,
    o: pb::Organization,
) -> Result<Response<pb::CommonResponse>, Status> {
    c.update_organization(pb::UpdateOrganizationRequest {
        organization: Some(o),
        ..Default::default()
    })
    .await
}

async fn update_config(
    c: &mut Client,
    updated: Struct,
    deleted: &[&str],
) -> Result<Response<pb::UpdateConfigResponse>, Status> {
    c.update_config(pb::UpdateConfigRequest {
        updated: Some(updated),
        deleted: deleted.iter().map(|d| d.to_string()).collect(),
    })
    .await
}

/// The caller's whole configuration, read with an empty UpdateConfig.
async fn read_config(c: &mut Client) -> Struct {
    c.update_config(pb::UpdateConfigRequest::default())
        .await
        .unwrap()
        .into_inner()
        .configs
        .unwrap()
}

// ---- listing helpers ----

/// Every user of `org` (one page of up to 1000), as the admin sees them.
async fn users_of(s: &TestServer, org: &str) -> Vec<pb::User> {
    let res = s
        .admin()
        .list_users(pb::ListUsersRequest {
            lookup_org_id: org.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(res.next_page_token, "");
    res.users
}

/// Every user of `tenant`, as the admin sees them.
async fn users_of_tenant(s: &TestServer, tenant: &str) -> Vec<String> {
    let res = s
        .admin()
        .list_users(pb::ListUsersRequest {
            lookup_tenant_id: tenant.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    res.users.into_iter().map(|u| u.id).collect()
}

/// The user `id` of `org`; panics when it is not there.
async fn get_user(s: &TestServer, org: &str, id: &str) -> pb::User {
    users_of(s, org)
        .await
        .into_iter()
        .find(|u| u.id == id)
        .unwrap_or_else(|| panic!("user `{id}` not listed in `{org}`"))
}

async fn user_ids(s: &TestServer, org: &str) -> Vec<String> {
    users_of(s, org).await.into_iter().map(|u| u.id).collect()
}

async fn tenants_of(s: &TestServer, org: &str) -> Vec<pb::Tenant> {
    let res = s
        .admin()
        .list_tenants(pb::ListTenantsRequest {
            lookup_org_id: org.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(res.next_page_token, "");
    res.tenants
}

async fn get_tenant(s: &TestServer, org: &str, id: &str) -> pb::Tenant {
    tenants_of(s, org)
        .await
        .into_iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("tenant `{id}` not listed in `{org}`"))
}

async fn tenant_ids(s: &TestServer, org: &str) -> Vec<String> {
    tenants_of(s, org).await.into_iter().map(|t| t.id).collect()
}

async fn orgs(s: &TestServer) -> Vec<pb::Organization> {
    let res = s
        .admin()
        .list_organizations(pb::ListOrganizationsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(res.next_page_token, "");
    res.organizations
}

async fn get_org(s: &TestServer, id: &str) -> pb::Organization {
    orgs(s)
        .await
        .into_iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("organization `{id}` not listed"))
}

async fn org_ids(s: &TestServer) -> Vec<String> {
    orgs(s).await.into_iter().map(|o| o.id).collect()
}

// ---- Struct builders ----

fn num(n: f64) -> Value {
    Value {
        kind: Some(Kind::NumberValue(n)),
    }
}

fn text(s: &str) -> Value {
    Value {
        kind: Some(Kind::StringValue(s.into())),
    }
}

fn boolean(b: bool) -> Value {
    Value {
        kind: Some(Kind::BoolValue(b)),
    }
}

fn null() -> Value {
    Value {
        kind: Some(Kind::NullValue(0)),
    }
}

fn list(values: Vec<Value>) -> Value {
    Value {
        kind: Some(Kind::ListValue(ListValue { values })),
    }
}

fn object(s: Struct) -> Value {
    Value {
        kind: Some(Kind::StructValue(s)),
    }
}

fn obj(fields: Vec<(&str, Value)>) -> Struct {
    Struct {
        fields: fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// `{"k":"xxx…"}` whose compact JSON encoding is exactly `bytes` long.
fn struct_of_size(bytes: usize) -> Struct {
    // `{"k":"` + value + `"}` is 8 bytes plus the value.
    obj(vec![("k", text(&"x".repeat(bytes - 8)))])
}

/// A nested object with every kind of JSON value.
fn nested() -> Struct {
    obj(vec![
        ("int", num(42.0)),
        ("negative", num(-3.0)),
        ("fraction", num(0.1)),
        ("tiny", num(1e-7)),
        ("huge", num(1e300)),
        ("zero", num(0.0)),
        ("yes", boolean(true)),
        ("no", boolean(false)),
        ("nothing", null()),
        ("text", text("héllo \"wörld\"\n\u{1F600}")),
        ("empty_text", text("")),
        (
            "list",
            list(vec![
                num(1.5),
                boolean(true),
                null(),
                text("s"),
                list(vec![]),
                list(vec![num(1.0), list(vec![num(2.0)])]),
                object(obj(vec![("in_list", boolean(false))])),
            ]),
        ),
        (
            "object",
            object(obj(vec![
                ("deeper", object(obj(vec![("deepest", num(7.0))]))),
                ("empty", object(obj(vec![]))),
                ("with spaces & ünïcode", text("ok")),
            ])),
        ),
        ("", text("empty key")),
    ])
}

fn empty_struct() -> Option<Struct> {
    Some(Struct::default())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Waits (busy, for at most a millisecond or two) until the wall clock has
/// passed `ms`, so that a later server timestamp is certainly larger.
fn clock_past(ms: i64) {
    while now_ms() <= ms {
        std::hint::spin_loop();
    }
}

const BAD_IDS: [&str; 11] = [
    "", ".a", "-a", "_a", "@a", "a b", "a/b", "a#b", "é", "a\u{0}", "tab\t",
];

fn long_id(n: usize) -> String {
    "a".repeat(n)
}

// ---- ids ----

/// User, tenant and organization ids follow the grammar: 1-128 characters,
/// the first alphanumeric, the rest `[A-Za-z0-9._@+-]`; anything else is
/// INVALID_ARGUMENT naming `user.id`, `tenant.id` or `organization.id`, and
/// nothing is created.
#[tokio::test]
async fn ids_follow_the_grammar() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    let too_long = long_id(129);
    let bad: Vec<&str> = BAD_IDS.iter().copied().chain([too_long.as_str()]).collect();
    for id in &bad {
        assert_invalid(create_org(&mut a, org(id)).await, "organization.id");
        assert_invalid(
            create_tenant(&mut a, tenant(id, "default")).await,
            "tenant.id",
        );
        assert_invalid(create_user(&mut a, user(id)).await, "user.id");
    }
    assert_eq!(org_ids(&s).await, ["default"]);
    assert!(tenant_ids(&s, "default").await.is_empty());
    assert_eq!(user_ids(&s, "default").await, ["admin"]);

    let max = long_id(128);
    let good = ["a", "Z", "7", "9a", "A.b_c@d+e-f", "x@example.com", &max];
    for id in good {
        create_org(&mut a, org(id)).await.unwrap();
        create_tenant(&mut a, tenant(id, "default")).await.unwrap();
        create_user(&mut a, user(id)).await.unwrap();
    }
    let mut expected: Vec<String> = good.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(tenant_ids(&s, "default").await, expected);
    let mut with_default = expected.clone();
    with_default.push("default".into());
    with_default.sort();
    assert_eq!(org_ids(&s).await, with_default);
    let mut with_admin = expected.clone();
    with_admin.push("admin".into());
    with_admin.sort();
    assert_eq!(user_ids(&s, "default").await, with_admin);
}

/// Update and Delete RPCs check the id they address with the same grammar:
/// INVALID_ARGUMENT naming `user.id`, `tenant.id`, `organization.id` or
/// (Delete*) `id`.
#[tokio::test]
async fn addressed_ids_are_validated() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    let too_long = long_id(129);
    for id in BAD_IDS.iter().copied().chain([too_long.as_str()]) {
        assert_invalid(update_user(&mut a, user(id)).await, "user.id");
        assert_invalid(update_tenant(&mut a, tenant(id, "")).await, "tenant.id");
        assert_invalid(update_org(&mut a, org(id)).await, "organization.id");
        assert_invalid(
            a.delete_user(pb::DeleteUserRequest { id: id.into() }).await,
            "id",
        );
        assert_invalid(
            a.delete_tenant(pb::DeleteTenantRequest { id: id.into() })
                .await,
            "id",
        );
        assert_invalid(
            a.delete_organization(pb::DeleteOrganizationRequest { id: id.into() })
                .await,
            "id",
        );
    }
    // A well-formed id of nothing is NOT_FOUND, not INVALID_ARGUMENT.
    let max = long_id(128);
    assert_code(
        a.delete_user(pb::DeleteUserRequest { id: max.clone() })
            .await,
        Code::NotFound,
    );
}

/// Ids that reference other objects (`user.tenant_id`, `user.org_id`,
/// `tenant.org_id`, and the lookups of the List RPCs) follow the id grammar
/// too, each named in its INVALID_ARGUMENT.
#[tokio::test]
async fn reference_ids_are_validated() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    for id in ["a b", ".x", &long_id(129)] {
        assert_invalid(
            create_user(&mut a, user_in("u", "", id)).await,
            "user.tenant_id",
        );
        assert_invalid(
            create_user(&mut a, user_in("u", id, "")).await,
            "user.org_id",
        );
        assert_invalid(
            update_user(&mut a, user_in("admin", id, "")).await,
            "user.org_id",
        );
        assert_invalid(
            create_tenant(&mut a, tenant("t", id)).await,
            "tenant.org_id",
        );
        assert_invalid(
            update_tenant(&mut a, tenant("t", id)).await,
            "tenant.org_id",
        );
        assert_invalid(
            a.list_users(pb::ListUsersRequest {
                lookup_org_id: id.into(),
                ..Default::default()
            })
            .await,
            "lookup_org_id",
        );
        assert_invalid(
            a.list_users(pb::ListUsersRequest {
                lookup_tenant_id: id.into(),
                ..Default::default()
            })
            .await,
            "lookup_tenant_id",
        );
        assert_invalid(
            a.list_tenants(pb::ListTenantsRequest {
                lookup_org_id: id.into(),
                ..Default::default()
            })
            .await,
            "lookup_org_id",
        );
    }
    assert_eq!(user_ids(&s, "default").await, ["admin"]);
}

/// A Create or Update request without its message (`user`, `tenant`,
/// `organization`) is INVALID_ARGUMENT naming that field.
#[tokio::test]
async fn missing_messages_are_named() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    assert_invalid(
        a.create_user(pb::CreateUserRequest { user: None }).await,
        "user",
    );
    assert_invalid(
        a.update_user(pb::UpdateUserRequest {
            user: None,
            ..Default::default()
        })
        .await,
        "user",
    );
    assert_invalid(
        a.create_tenant(pb::CreateTenantRequest { tenant: None })
            .await,
        "tenant",
    );
    assert_invalid(
        a.update_tenant(pb::UpdateTenantRequest {
            tenant: None,
            ..Default::default()
        })
        .await,
        "tenant",
    );
    assert_invalid(
        a.create_organization(pb::CreateOrganizationRequest { organization: None })
            .await,
        "organization",
    );
    assert_invalid(
        a.update_organization(pb::UpdateOrganizationRequest {
            organization: None,
            ..Default::default()
        })
        .await,
        "organization",
    );
}

// ---- names, emails, roles ----

/// Tenant and organization names are required; a user's is optional. Every
/// name is at most 256 characters (characters, not bytes): 257 is
/// INVALID_ARGUMENT naming `user.name`, `tenant.name` or
/// `organization.name`, on create and on update.
#[tokio::test]
async fn names_required_and_bounded() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    let empty_tenant = pb::Tenant {
        name: String::new(),
        ..tenant("t", "default")
    };
    assert_invalid(create_tenant(&mut a, empty_tenant).await, "tenant.name");
    let empty_org = pb::Organization {
        name: String::new(),
        ..org("o")
    };
    assert_invalid(create_org(&mut a, empty_org).await, "organization.name");
    assert!(tenant_ids(&s, "default").await.is_empty());
    assert_eq!(org_ids(&s).await, ["default"]);

    // A user needs no name.
    let nameless = pb::User {
        name: String::new(),
        ..user("nameless")
    };
    create_user(&mut a, nameless).await.unwrap();
    assert_eq!(get_user(&s, "default", "nameless").await.name, "");

    // 256 two-byte characters (512 bytes) are fine; 257 are not.
    let max = "é".repeat(256);
    let over = "é".repeat(257);
    create_user(
        &mut a,
        pb::User {
            name: max.clone(),
            ..user("u")
        },
    )
    .await
    .unwrap();
    create_tenant(
        &mut a,
        pb::Tenant {
            name: max.clone(),
            ..tenant("t", "default")
        },
    )
    .await
    .unwrap();
    create_org(
        &mut a,
        pb::Organization {
            name: max.clone(),
            ..org("o")
        },
    )
    .await
    .unwrap();
    assert_eq!(get_user(&s, "default", "u").await.name, max);
    assert_eq!(get_tenant(&s, "default", "t").await.name, max);
    assert_eq!(get_org(&s, "o").await.name, max);

    let long_user = pb::User {
        name: over.clone(),
        ..user("u2")
    };
    assert_invalid(create_user(&mut a, long_user).await, "user.name");
    let long_tenant = pb::Tenant {
        name: over.clone(),
        ..tenant("t2", "default")
    };
    assert_invalid(create_tenant(&mut a, long_tenant).await, "tenant.name");
    let long_org = pb::Organization {
        name: over.clone(),
        ..org("o2")
    };
    assert_invalid(create_org(&mut a, long_org).await, "organization.name");

    // Updates obey the same rules and change nothing when refused.
    let long_user = pb::User {
        name: over.clone(),
        ..user("u")
    };
    assert_invalid(update_user(&mut a, long_user).await, "user.name");
    let long_tenant = pb::Tenant {
        name: over.clone(),
        ..tenant("t", "")
    };
    assert_invalid(update_tenant(&mut a, long_tenant).await, "tenant.name");
    let empty_tenant = pb::Tenant {
        name: String::new(),
        ..tenant("t", "")
    };
    assert_invalid(update_tenant(&mut a, empty_tenant).await, "tenant.name");
    let long_org = pb::Organization {
        name: over.clone(),
        ..org("o")
    };
    assert_invalid(update_org(&mut a, long_org).await, "organization.name");
    let empty_org = pb::Organization {
        name: String::new(),
        ..org("o")
    };
    assert_invalid(update_org(&mut a, empty_org).await, "organization.name");
    assert_eq!(get_user(&s, "default", "u").await.name, max);
    assert_eq!(get_tenant(&s, "default", "t").await.name, max);
    assert_eq!(get_org(&s, "o").await.name, max);
    assert_eq!(user_ids(&s, "default").await, ["admin", "nameless", "u"]);
    assert_eq!(tenant_ids(&s, "default").await, ["t"]);
    assert_eq!(org_ids(&s).await, ["default", "o"]);
}

/// An email is empty or at most 254 characters with one `@` between
/// non-empty parts and no whitespace; anything else is INVALID_ARGUMENT
/// naming `user.email`, on create and on update. Valid ones are stored and
/// returned as given.
#[tokio::test]
async fn emails_are_validated() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    // 254 characters: 64 + `@` + 189.
    let longest = format!("{}@{}", "l".repeat(64), "d".repeat(189));
    assert_eq!(longest.len(), 254);
    let too_long = format!("{}@{}", "l".repeat(64), "d".repeat(190));
    let bad = [
        "plain",
        "@example.com",
        "name@",
        "a@b@c",
        "a b@example.com",
        "a@exa mple.com",
        "tab\t@example.com",
        "@",
        too_long.as_str(),
    ];
    for email in bad {
        let u = pb::User {
            email: email.into(),
            ..user("u")
        };
        assert_invalid(create_user(&mut a, u).await, "user.email");
    }
    assert_eq!(user_ids(&s, "default").await, ["admin"]);

    for (i, email) in ["first.last+tag@example.com", "a@b", longest.as_str()]
        .iter()
        .enumerate()
    {
        let id = format!("ok{i}");
        let u = pb::User {
            email: email.to_string(),
            ..user(&id)
        };
        create_user(&mut a, u).await.unwrap();
        assert_eq!(get_user(&s, "default", &id).await.email, *email);
    }
    for email in bad {
        let u = pb::User {
            email: email.into(),
            ..user("ok0")
        };
        assert_invalid(update_user(&mut a, u).await, "user.email");
    }
    assert_eq!(
        get_user(&s, "default", "ok0").await.email,
        "first.last+tag@example.com"
    );
}

/// Roles: at most 32 (33 is INVALID_ARGUMENT naming `user.roles`), no
/// duplicates, each 1-64 characters of `[A-Za-z0-9:._-]`; a bad or repeated
/// role is INVALID_ARGUMENT naming `user.roles[i]`, its index.
#[tokio::test]
async fn roles_are_bounded_unique_and_well_formed() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    let with_roles = |id: &str, roles: &[&str]| pb::User {
        roles: roles.iter().map(|r| r.to_string()).collect(),
        ..user(id)
    };

    let many: Vec<String> = (0..33).map(|i| format!("app:role-{i:02}")).collect();
    let many_refs: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_invalid(
        create_user(&mut a, with_roles("u", &many_refs)).await,
        "user.roles",
    );
    create_user(&mut a, with_roles("u32", &many_refs[..32]))
        .await
        .unwrap();
    assert_eq!(get_user(&s, "default", "u32").await.roles, many[..32]);
    assert_invalid(
        update_user(&mut a, with_roles("u32", &many_refs)).await,
        "user.roles",
    );

    let dup = ["a", "b", "a"];
    assert_invalid(
        create_user(&mut a, with_roles("u", &dup)).await,
        "user.roles[2]",
    );
    let dup_builtin = ["user", "user"];
    assert_invalid(
        create_user(&mut a, with_roles("u", &dup_builtin)).await,
        "user.roles[1]",
    );
    let r65 = "r".repeat(65);
    let r64 = "r".repeat(64);
    let bad_cases: [(&[&str], &str); 6] = [
        (&["ok", "has space"], "user.roles[1]"),
        (&[""], "user.roles[0]"),
        (&["ok", "x", "slash/role"], "user.roles[2]"),
        (&["émoji"], "user.roles[0]"),
        (&["a@b"], "user.roles[0]"),
        (&["ok", &r65], "user.roles[1]"),
    ];
    for (roles, field) in bad_cases {
        assert_invalid(create_user(&mut a, with_roles("u", roles)).await, field);
        assert_invalid(update_user(&mut a, with_roles("u32", roles)).await, field);
    }
    create_user(&mut a, with_roles("u64", &[&r64, "A:b.c_d-e9"]))
        .await
        .unwrap();
    assert_eq!(
        get_user(&s, "default", "u64").await.roles,
        [r64.as_str(), "A:b.c_d-e9"]
    );
    assert_eq!(user_ids(&s, "default").await, ["admin", "u32", "u64"]);
    assert_eq!(get_user(&s, "default", "u32").await.roles, many[..32]);
}

/// Application roles are stored and returned in the order given (by
/// ListUsers and GetInfo), grant nothing beyond the self permissions, and an
/// update replaces the list in its new order.
#[tokio::test]
async fn roles_keep_their_order() {
    let s = TestServer::start().await;
    let order = ["zeta", "user", "app:reader", "alpha", "Beta"];
    let key = s.user("ann", "default", "", &order).await;
    assert_eq!(get_user(&s, "default", "ann").await.roles, order);
    let info = s
        .client(&key)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.roles, order);
    assert_eq!(
        info.permissions,
        ["self:access-keys", "self:config", "self:read"]
    );

    let reordered = ["Beta", "alpha", "zeta"];
    update_user(
        &mut s.admin(),
        pb::User {
            roles: reordered.iter().map(|r| r.to_string()).collect(),
            ..user("ann")
        },
    )
    .await
    .unwrap();
    assert_eq!(get_user(&s, "default", "ann").await.roles, reordered);
    let info = s
        .client(&key)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.roles, reordered);
}

// ---- variables ----

/// `variables` of users, tenants and organizations are at most 64 KiB
/// encoded as JSON: exactly 65536 bytes is accepted, 65537 is
/// INVALID_ARGUMENT naming `user.variables`, `tenant.variables` or
/// `organization.variables`, on create and on update.
#[tokio::test]
async fn variables_at_most_64_kib() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    let fits = struct_of_size(64 * 1024);
    let over = struct_of_size(64 * 1024 + 1);

    let u = |id: &str, v: &Struct| pb::User {
        variables: Some(v.clone()),
        ..user(id)
    };
    let t = |id: &str, v: &Struct| pb::Tenant {
        variables: Some(v.clone()),
        ..tenant(id, "default")
    };
    let o = |id: &str, v: &Struct| pb::Organization {
        variables: Some(v.clone()),
        ..org(id)
    };

    assert_invalid(create_user(&mut a, u("u", &over)).await, "user.variables");
    assert_invalid(
        create_tenant(&mut a, t("t", &over)).await,
        "tenant.variables",
    );
    assert_invalid(
        create_org(&mut a, o("o", &over)).await,
        "organization.variables",
    );
    assert_eq!(user_ids(&s, "default").await, ["admin"]);
    assert!(tenant_ids(&s, "default").await.is_empty());
    assert_eq!(org_ids(&s).await, ["default"]);

    create_user(&mut a, u("u", &fits)).await.unwrap();
    create_tenant(&mut a, t("t", &fits)).await.unwrap();
    create_org(&mut a, o("o", &fits)).await.unwrap();
    assert_eq!(
        get_user(&s, "default", "u").await.variables,
        Some(fits.clone())
    );
    assert_eq!(
        get_tenant(&s, "default", "t").await.variables,
        Some(fits.clone())
    );
    assert_eq!(get_org(&s, "o").await.variables, Some(fits.clone()));

    assert_invalid(update_user(&mut a, u("u", &over)).await, "user.variables");
    assert_invalid(
        update_tenant(&mut a, t("t", &over)).await,
        "tenant.variables",
    );
    assert_invalid(
        update_org(&mut a, o("o", &over)).await,
        "organization.variables",
    );
    assert_eq!(
        get_user(&s, "default", "u").await.variables,
        Some(fits.clone())
    );
    assert_eq!(
        get_tenant(&s, "default", "t").await.variables,
        Some(fits.clone())
    );
    assert_eq!(get_org(&s, "o").await.variables, Some(fits));
}

/// Nested `variables` (numbers, booleans, null, strings, lists and objects,
/// at any depth) come back from the List RPCs exactly as created, for
/// users, tenants and organizations; and the same for a configuration.
#[tokio::test]
async fn nested_values_round_trip() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    let v = nested();
    create_org(
        &mut a,
        pb::Organization {
            variables: Some(v.clone()),
            ..org("o")
        },
    )
    .await
    .unwrap();
    create_tenant(
        &mut a,
        pb::Tenant {
            variables: Some(v.clone()),
            ..tenant("t", "o")
        },
    )
    .await
    .unwrap();
    create_user(
        &mut a,
        pb::User {
            variables: Some(v.clone()),
            ..user_in("u", "o", "t")
        },
    )
    .await
    .unwrap();
    assert_eq!(get_org(&s, "o").await.variables, Some(v.clone()));
    assert_eq!(get_tenant(&s, "o", "t").await.variables, Some(v.clone()));
    assert_eq!(get_user(&s, "o", "u").await.variables, Some(v.clone()));

    // A config key is 1-128 characters: the same value without the `""` key.
    let mut v = v;
    v.fields.remove("");
    let back = update_config(&mut a, v.clone(), &[])
        .await
        .unwrap()
        .into_inner()
        .configs;
    assert_eq!(back, Some(v.clone()));
    assert_eq!(read_config(&mut a).await, v);
}

/// Every finite number comes back bit for bit as sent (a Struct number is
/// an IEEE double; storing it must not round it), in `variables` of users,
/// tenants and organizations and in a configuration.
#[tokio::test]
async fn numbers_round_trip_exactly() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    let numbers = [
        9_007_199_254_740_991.0, // 2^53 - 1, the largest exact integer
        -9_007_199_254_740_991.0,
        123_456_789.123_456_79,
        98_765_432_109_876.55,
        0.300_000_000_000_000_04,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324, // the smallest subnormal
        -1.234_567_890_123_456_7e-200,
    ];
    let v = Struct {
        fields: numbers
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("n{i}"), num(*n)))
            .collect(),
    };
    create_org(
        &mut a,
        pb::Organization {
            variables: Some(v.clone()),
            ..org("o")
        },
    )
    .await
    .unwrap();
    create_tenant(
        &mut a,
        pb::Tenant {
            variables: Some(v.clone()),
            ..tenant("t", "o")
        },
    )
    .await
    .unwrap();
    create_user(
        &mut a,
        pb::User {
            variables: Some(v.clone()),
            ..user_in("u", "o", "t")
        },
    )
    .await
    .unwrap();
    let config = update_config(&mut a, v.clone(), &[])
        .await
        .unwrap()
        .into_inner()
        .configs
        .unwrap();
    let stored = [
        ("organization", get_org(&s, "o").await.variables.unwrap()),
        ("tenant", get_tenant(&s, "o", "t").await.variables.unwrap()),
        ("user", get_user(&s, "o", "u").await.variables.unwrap()),
        ("config", config),
        ("config (read)", read_config(&mut a).await),
    ];
    for (what, got) in stored {
        for (i, n) in numbers.iter().enumerate() {
            let back = match got.fields[&format!("n{i}")].kind {
                Some(Kind::NumberValue(x)) => x,
                ref other => panic!("{what} n{i}: {other:?}"),
            };
            assert_eq!(
                back.to_bits(),
                n.to_bits(),
                "{what}: sent {n:e}, got {back:e}"
            );
        }
    }
}

/// A number that JSON cannot carry (NaN, Infinity, -Infinity), anywhere in
/// a Struct, is INVALID_ARGUMENT naming the Struct's field; nothing is
/// stored.
#[tokio::test]
async fn non_finite_numbers_are_refused() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    let nan_in_list = obj(vec![("l", list(vec![num(1.0), num(f64::NAN)]))]);
    let inf_nested = obj(vec![("o", object(obj(vec![("deep", num(f64::INFINITY))])))]);
    let neg_inf = obj(vec![("n", num(f64::NEG_INFINITY))]);
    for bad in [&nan_in_list, &inf_nested, &neg_inf] {
        let u = pb::User {
            variables: Some(bad.clone()),
            ..user("u")
        };
        assert_invalid(create_user(&mut a, u).await, "user.variables");
        let u = pb::User {
            variables: Some(bad.clone()),
            ..user("admin")
        };
        assert_invalid(update_user(&mut a, u).await, "user.variables");
        let t = pb::Tenant {
            variables: Some(bad.clone()),
            ..tenant("t", "default")
        };
        assert_invalid(create_tenant(&mut a, t).await, "tenant.variables");
        let o = pb::Organization {
            variables: Some(bad.clone()),
            ..org("o")
        };
        assert_invalid(create_org(&mut a, o).await, "organization.variables");
        let o = pb::Organization {
            variables: Some(bad.clone()),
            ..org("default")
        };
        assert_invalid(update_org(&mut a, o).await, "organization.variables");
        assert_invalid(update_config(&mut a, bad.clone(), &[]).await, "updated");
    }
    assert_eq!(user_ids(&s, "default").await, ["admin"]);
    assert!(tenant_ids(&s, "default").await.is_empty());
    assert_eq!(org_ids(&s).await, ["default"]);
    assert_eq!(read_config(&mut a).await, Struct::default());
}

// ---- timestamps ----

/// `created_at` and `updated_at` are set by the server, in milliseconds
/// since the Unix epoch; values sent by the client are ignored. An update
/// moves `updated_at` and keeps `created_at`.
#[tokio::test]
async fn timestamps_are_server_milliseconds() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    let before = now_ms();
    create_org(
        &mut a,
        pb::Organization {
            created_at: 1,
            updated_at: 2,
            ..org("o")
        },
    )
    .await
    .unwrap();
    create_tenant(
        &mut a,
        pb::Tenant {
            created_at: 1,
            updated_at: i64::MAX,
            ..tenant("t", "o")
        },
    )
    .await
    .unwrap();
    create_user(
        &mut a,
        pb::User {
            created_at: -5,
            updated_at: 4_000_000_000_000,
            ..user_in("u", "o", "t")
        },
    )
    .await
    .unwrap();
    let after = now_ms();

    let o = get_org(&s, "o").await;
    let t = get_tenant(&s, "o", "t").await;
    let u = get_user(&s, "o", "u").await;
    for (what, created, updated) in [
        ("org", o.created_at, o.updated_at),
        ("tenant", t.created_at, t.updated_at),
        ("user", u.created_at, u.updated_at),
    ] {
        assert!(
            (before..=after).contains(&created),
            "{what} created_at {created} not within [{before}, {after}] ms"
        );
        assert_eq!(updated, created, "{what}: a new object's updated_at");
    }

    clock_past(o.created_at.max(t.created_at).max(u.created_at));
    let before_update = now_ms();
    update_org(
        &mut a,
        pb::Organization {
            created_at: 3,
            updated_at: 3,
            ..org("o")
        },
    )
    .await
    .unwrap();
    update_tenant(
        &mut a,
        pb::Tenant {
            created_at: 3,
            updated_at: 3,
            ..tenant("t", "")
        },
    )
    .await
    .unwrap();
    update_user(
        &mut a,
        pb::User {
            created_at: 3,
            updated_at: 3,
            ..user_in("u", "", "t")
        },
    )
    .await
    .unwrap();
    let after_update = now_ms();

    let o2 = get_org(&s, "o").await;
    let t2 = get_tenant(&s, "o", "t").await;
    let u2 = get_user(&s, "o", "u").await;
    for (what, old, created, updated) in [
        ("org", o.created_at, o2.created_at, o2.updated_at),
        ("tenant", t.created_at, t2.created_at, t2.updated_at),
        ("user", u.created_at, u2.created_at, u2.updated_at),
    ] {
        assert_eq!(created, old, "{what}: created_at must not change");
        assert!(
            (before_update..=after_update).contains(&updated),
            "{what} updated_at {updated} not within [{before_update}, {after_update}] ms"
        );
        assert!(updated > created, "{what}: updated_at did not move");
    }
}

// ---- users, tenants and organizations ----

/// A user's organization: empty `org_id` means the tenant's organization,
/// or without a tenant the caller's; a missing organization or tenant is
/// NOT_FOUND; a tenant of another organization is INVALID_ARGUMENT naming
/// `user.tenant_id`. Refused creates store nothing.
#[tokio::test]
async fn user_tenant_and_org_on_create() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.org("beta").await;
    s.tenant("t-acme", "acme").await;
    s.tenant("t-beta", "beta").await;
    let mut a = s.admin();

    create_user(&mut a, user_in("by-tenant", "", "t-acme"))
        .await
        .unwrap();
    let u = get_user(&s, "acme", "by-tenant").await;
    assert_eq!(
        (u.org_id.as_str(), u.tenant_id.as_str()),
        ("acme", "t-acme")
    );

    create_user(&mut a, user_in("by-caller", "", ""))
        .await
        .unwrap();
    let u = get_user(&s, "default", "by-caller").await;
    assert_eq!((u.org_id.as_str(), u.tenant_id.as_str()), ("default", ""));

    let acme_admin = s.user("acme-admin", "acme", "", &["org-admin"]).await;
    create_user(&mut s.client(&acme_admin), user_in("by-org-admin", "", ""))
        .await
        .unwrap();
    assert_eq!(get_user(&s, "acme", "by-org-admin").await.org_id, "acme");

    create_user(&mut a, user_in("explicit", "beta", "t-beta"))
        .await
        .unwrap();
    let u = get_user(&s, "beta", "explicit").await;
    assert_eq!(
        (u.org_id.as_str(), u.tenant_id.as_str()),
        ("beta", "t-beta")
    );

    create_user(&mut a, user_in("org-only", "beta", ""))
        .await
        .unwrap();
    let u = get_user(&s, "beta", "org-only").await;
    assert_eq!((u.org_id.as_str(), u.tenant_id.as_str()), ("beta", ""));

    assert_code(
        create_user(&mut a, user_in("x", "nope", "")).await,
        Code::NotFound,
    );
    assert_code(
        create_user(&mut a, user_in("x", "", "nope")).await,
        Code::NotFound,
    );
    assert_code(
        create_user(&mut a, user_in("x", "acme", "nope")).await,
        Code::NotFound,
    );
    assert_invalid(
        create_user(&mut a, user_in("x", "beta", "t-acme")).await,
        "user.tenant_id",
    );
    assert_invalid(
        create_user(&mut a, user_in("x", "default", "t-beta")).await,
        "user.tenant_id",
    );

    assert_eq!(
        user_ids(&s, "acme").await,
        ["acme-admin", "by-org-admin", "by-tenant"]
    );
    assert_eq!(user_ids(&s, "beta").await, ["explicit", "org-only"]);
    assert_eq!(user_ids(&s, "default").await, ["admin", "by-caller"]);
    assert_eq!(users_of_tenant(&s, "t-acme").await, ["by-tenant"]);
    assert_eq!(users_of_tenant(&s, "t-beta").await, ["explicit"]);
}

/// On UpdateUser, an empty `org_id` keeps the user's organization, so a
/// tenant of another one is INVALID_ARGUMENT naming `user.tenant_id`; a
/// missing tenant or organization is NOT_FOUND; a super-admin moves a user
/// with its tenant to another organization, and the lists follow.
#[tokio::test]
async fn user_tenant_and_org_on_update() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.org("beta").await;
    s.tenant("t-acme", "acme").await;
    s.tenant("t2-acme", "acme").await;
    s.tenant("t-beta", "beta").await;
    s.user("mover", "acme", "t-acme", &[]).await;
    let mut a = s.admin();

    assert_invalid(
        update_user(&mut a, user_in("mover", "", "t-beta")).await,
        "user.tenant_id",
    );
    assert_invalid(
        update_user(&mut a, user_in("mover", "acme", "t-beta")).await,
        "user.tenant_id",
    );
    assert_code(
        update_user(&mut a, user_in("mover", "", "nope")).await,
        Code::NotFound,
    );
    assert_code(
        update_user(&mut a, user_in("mover", "nope", "")).await,
        Code::NotFound,
    );
    let u = get_user(&s, "acme", "mover").await;
    assert_eq!(
        (u.org_id.as_str(), u.tenant_id.as_str()),
        ("acme", "t-acme")
    );

    // Another tenant of the same organization, org_id left empty.
    update_user(&mut a, user_in("mover", "", "t2-acme"))
        .await
        .unwrap();
    let u = get_user(&s, "acme", "mover").await;
    assert_eq!(
        (u.org_id.as_str(), u.tenant_id.as_str()),
        ("acme", "t2-acme")
    );
    assert!(users_of_tenant(&s, "t-acme").await.is_empty());
    assert_eq!(users_of_tenant(&s, "t2-acme").await, ["mover"]);

    // To another organization with one of its tenants.
    update_user(&mut a, user_in("mover", "beta", "t-beta"))
        .await
        .unwrap();
    let u = get_user(&s, "beta", "mover").await;
    assert_eq!(
        (u.org_id.as_str(), u.tenant_id.as_str()),
        ("beta", "t-beta")
    );
    assert!(user_ids(&s, "acme").await.is_empty());
    assert!(users_of_tenant(&s, "t2-acme").await.is_empty());
    assert_eq!(users_of_tenant(&s, "t-beta").await, ["mover"]);
}

/// UpdateUser replaces every mutable field with the request's: name,
/// email, tenant, variables and roles sent empty are cleared; the
/// organization is kept when `org_id` is empty; `created_at` stays.
#[tokio::test]
async fn update_user_replaces_every_field() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.tenant("t1", "acme").await;
    s.tenant("t2", "acme").await;
    let mut a = s.admin();
    let full = pb::User {
        id: "ann".into(),
        name: "Ann".into(),
        email: "ann@example.com".into(),
        tenant_id: "t1".into(),
        org_id: "acme".into(),
        variables: Some(obj(vec![("a", num(1.0))])),
        roles: vec!["app:x".into(), "tenant-admin".into()],
        ..Default::default()
    };
    create_user(&mut a, full.clone()).await.unwrap();
    let created = get_user(&s, "acme", "ann").await;

    update_user(
        &mut a,
        pb::User {
            id: "ann".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let bare = get_user(&s, "acme", "ann").await;
    assert_eq!(
        bare,
        pb::User {
            id: "ann".into(),
            org_id: "acme".into(),
            variables: empty_struct(),
            created_at: created.created_at,
            updated_at: bare.updated_at,
            ..Default::default()
        }
    );
    assert!(users_of_tenant(&s, "t1").await.is_empty());

    let replaced = pb::User {
        id: "ann".into(),
        name: "Ann B".into(),
        email: "ann.b@example.org".into(),
        tenant_id: "t2".into(),
        org_id: String::new(),
        variables: Some(obj(vec![("b", text("two"))])),
        roles: vec!["user".into(), "app:y".into()],
        ..Default::default()
    };
    update_user(&mut a, replaced.clone()).await.unwrap();
    let now = get_user(&s, "acme", "ann").await;
    assert_eq!(
        now,
        pb::User {
            org_id: "acme".into(),
            created_at: created.created_at,
            updated_at: now.updated_at,
            ..replaced
        }
    );
    assert_eq!(users_of_tenant(&s, "t2").await, ["ann"]);
}

/// UpdateTenant replaces name and variables; an empty `org_id` keeps the
/// organization, the same one is accepted, another one (existing or not) is
/// INVALID_ARGUMENT naming `tenant.org_id` and changes nothing.
/// UpdateOrganization replaces name and variables.
#[tokio::test]
async fn update_tenant_and_org_replace_fields() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.org("beta").await;
    let mut a = s.admin();
    create_tenant(
        &mut a,
        pb::Tenant {
            variables: Some(obj(vec![("a", num(1.0))])),
            ..tenant("t", "acme")
        },
    )
    .await
    .unwrap();
    let created = get_tenant(&s, "acme", "t").await;

    update_tenant(
        &mut a,
        pb::Tenant {
            name: "Renamed".into(),
            ..tenant("t", "")
        },
    )
    .await
    .unwrap();
    let t = get_tenant(&s, "acme", "t").await;
    assert_eq!(
        t,
        pb::Tenant {
            id: "t".into(),
            name: "Renamed".into(),
            org_id: "acme".into(),
            variables: empty_struct(),
            created_at: created.created_at,
            updated_at: t.updated_at,
        }
    );

    let vars = obj(vec![("v", list(vec![boolean(true)]))]);
    update_tenant(
        &mut a,
        pb::Tenant {
            name: "Again".into(),
            variables: Some(vars.clone()),
            ..tenant("t", "acme")
        },
    )
    .await
    .unwrap();
    let t = get_tenant(&s, "acme", "t").await;
    assert_eq!((t.name.as_str(), t.org_id.as_str()), ("Again", "acme"));
    assert_eq!(t.variables, Some(vars.clone()));

    for other in ["beta", "nope"] {
        assert_invalid(
            update_tenant(
                &mut a,
                pb::Tenant {
                    name: "Moved".into(),
                    ..tenant("t", other)
                },
            )
            .await,
            "tenant.org_id",
        );
    }
    assert_eq!(get_tenant(&s, "acme", "t").await, t);
    assert!(tenant_ids(&s, "beta").await.is_empty());

    create_org(
        &mut a,
        pb::Organization {
            variables: Some(obj(vec![("a", num(1.0))])),
            ..org("o")
        },
    )
    .await
    .unwrap();
    let created = get_org(&s, "o").await;
    update_org(
        &mut a,
        pb::Organization {
            name: "Org O".into(),
            ..org("o")
        },
    )
    .await
    .unwrap();
    let o = get_org(&s, "o").await;
    assert_eq!(
        o,
        pb::Organization {
            id: "o".into(),
            name: "Org O".into(),
            variables: empty_struct(),
            created_at: created.created_at,
            updated_at: o.updated_at,
        }
    );
    update_org(
        &mut a,
        pb::Organization {
            name: "Org O2".into(),
            variables: Some(vars.clone()),
            ..org("o")
        },
    )
    .await
    .unwrap();
    let o = get_org(&s, "o").await;
    assert_eq!(o.name, "Org O2");
    assert_eq!(o.variables, Some(vars));
}

/// An update mask of `paths`.
fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask {
        paths: paths.iter().map(|p| p.to_string()).collect(),
    })
}

/// The update mask fields a mask may not name, for every resource: unknown
/// ones, ids and timestamps, nested paths, and `*` beside another path.
const BAD_PATHS: [&[&str]; 7] = [
    &["nickname"],
    &["name", "nickname"],
    &["id"],
    &["created_at"],
    &["updated_at"],
    &["variables.a"],
    &["*", "name"],
];

/// UpdateUser with an update mask changes only the named fields: the
/// others keep their stored values whatever the request holds, and are
/// neither validated nor authorized. `*` and an empty mask replace every
/// field, as no mask does. A bad path is INVALID_ARGUMENT naming
/// `update_mask` (before NOT_FOUND) and changes nothing. The user the update
/// makes is checked as a whole: moving a user to another organization
/// without naming its tenant keeps a tenant of the old one, INVALID_ARGUMENT.
#[tokio::test]
async fn update_user_with_a_mask() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.org("beta").await;
    s.tenant("t1", "acme").await;
    s.tenant("t2", "acme").await;
    let mut a = s.admin();
    let full = pb::User {
        id: "ann".into(),
        name: "Ann".into(),
        email: "ann@example.com".into(),
        tenant_id: "t1".into(),
        org_id: "acme".into(),
        variables: Some(obj(vec![("a", num(1.0))])),
        roles: vec!["app:x".into(), "user".into()],
        ..Default::default()
    };
    create_user(&mut a, full.clone()).await.unwrap();
    let created = get_user(&s, "acme", "ann").await;
    let masked = |u: pb::User, paths: &[&str]| pb::UpdateUserRequest {
        user: Some(u),
        update_mask: mask(paths),
    };

    // Name only: email, tenant, variables and roles stay, even though the
    // request holds other (and invalid) values for them.
    a.update_user(masked(
        pb::User {
            id: "ann".into(),
            name: "Ann B".into(),
            email: "not an email".into(),
            roles: vec!["bad role".into()],
            ..Default::default()
        },
        &["name"],
    ))
    .await
    .unwrap();
    let named = get_user(&s, "acme", "ann").await;
    assert_eq!(
        named,
        pb::User {
            name: "Ann B".into(),
            updated_at: named.updated_at,
            ..created.clone()
        }
    );
    assert!(named.updated_at >= created.updated_at);

    // Email and roles; then variables; then the tenant (empty: none).
    a.update_user(masked(
        pb::User {
            id: "ann".into(),
            email: "ann.b@example.org".into(),
            roles: vec!["tenant-admin".into()],
            ..user("ann")
        },
        &["email", "roles"],
    ))
    .await
    .unwrap();
    let vars = obj(vec![("b", text("two"))]);
    a.update_user(masked(
        pb::User {
            variables: Some(vars.clone()),
            ..user("ann")
        },
        &["variables"],
    ))
    .await
    .unwrap();
    let now = get_user(&s, "acme", "ann").await;
    assert_eq!(
        (
            now.name.as_str(),
            now.email.as_str(),
            now.tenant_id.as_str()
        ),
        ("Ann B", "ann.b@example.org", "t1")
    );
    assert_eq!(now.roles, ["tenant-admin"]);
    assert_eq!(now.variables, Some(vars.clone()));
    a.update_user(masked(user("ann"), &["tenant_id"]))
        .await
        .unwrap();
    assert!(users_of_tenant(&s, "t1").await.is_empty());
    a.update_user(masked(user_in("ann", "", "t2"), &["tenant_id", "org_id"]))
        .await
        .unwrap();
    assert_eq!(users_of_tenant(&s, "t2").await, ["ann"]);
    let before = get_user(&s, "acme", "ann").await;
    assert_eq!(before.name, "Ann B");

    // A masked field is validated; a bad path is refused naming
    // `update_mask`, before NOT_FOUND; neither changes anything.
    assert_invalid(
        a.update_user(masked(
            pb::User {
                email: "bad".into(),
                ..user("ann")
            },
            &["email"],
        ))
        .await,
        "user.email",
    );
    for paths in BAD_PATHS {
        assert_invalid(
            a.update_user(masked(user("ann"), paths)).await,
            "update_mask",
        );
        assert_invalid(
            a.update_user(masked(user("ghost"), paths)).await,
            "update_mask",
        );
    }
    assert_code(
        a.update_user(masked(user("ghost"), &["name"])).await,
        Code::NotFound,
    );
    // The merged user is checked: its tenant t2 is not beta's.
    assert_invalid(
        a.update_user(masked(user_in("ann", "beta", ""), &["org_id"]))
            .await,
        "user.tenant_id",
    );
    assert_eq!(get_user(&s, "acme", "ann").await, before);

    // A tenant-admin of t2: a name-only mask ignores the request's roles,
    // a roles mask granting above its own is PERMISSION_DENIED.
    let ta = s.user("tia", "acme", "t2", &["tenant-admin"]).await;
    let mut ta = s.client(&ta);
    ta.update_user(masked(
        pb::User {
            name: "By TA".into(),
            roles: vec!["super-admin".into()],
            tenant_id: "t1".into(),
            ..user("ann")
        },
        &["name"],
    ))
    .await
    .unwrap();
    let renamed = get_user(&s, "acme", "ann").await;
    assert_eq!(
        (renamed.name.as_str(), renamed.roles.clone()),
        ("By TA", before.roles.clone())
    );
    assert_code(
        ta.update_user(masked(
            pb::User {
                roles: vec!["org-admin".into()],
                ..user("ann")
            },
            &["roles"],
        ))
        .await,
        Code::PermissionDenied,
    );

    // `*` and an empty mask replace every mutable field, as no mask does.
    for paths in [&["*"][..], &[][..]] {
        a.update_user(masked(full.clone(), &["name"]))
            .await
            .unwrap();
        a.update_user(masked(
            pb::User {
                name: "Star".into(),
                ..user("ann")
            },
            paths,
        ))
        .await
        .unwrap();
        let star = get_user(&s, "acme", "ann").await;
        assert_eq!(
            star,
            pb::User {
                id: "ann".into(),
                name: "Star".into(),
                org_id: "acme".into(),
                variables: empty_struct(),
                created_at: created.created_at,
                updated_at: star.updated_at,
                ..Default::default()
            },
            "{paths:?}"
        );
        a.update_user(masked(full.clone(), &["*"])).await.unwrap();
    }
}

/// UpdateTenant and UpdateOrganization with an update mask change only the
/// named fields (`name`, `variables`; a tenant's `org_id` keeps its rule:
/// another organization is INVALID_ARGUMENT only when named); fields left
/// out are not validated. `*` replaces both; a bad path is
/// INVALID_ARGUMENT naming `update_mask` and changes nothing.
#[tokio::test]
async fn update_tenant_and_org_with_a_mask() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.org("beta").await;
    let mut a = s.admin();
    let vars = obj(vec![("a", num(1.0))]);
    create_tenant(
        &mut a,
        pb::Tenant {
            variables: Some(vars.clone()),
            ..tenant("t", "acme")
        },
    )
    .await
    .unwrap();
    let created = get_tenant(&s, "acme", "t").await;
    let masked = |t: pb::Tenant, paths: &[&str]| pb::UpdateTenantRequest {
        tenant: Some(t),
        update_mask: mask(paths),
    };

    // Name only: the variables stay; an org_id left out is ignored.
    a.update_tenant(masked(
        pb::Tenant {
            name: "Renamed".into(),
            ..tenant("t", "beta")
        },
        &["name"],
    ))
    .await
    .unwrap();
    let t = get_tenant(&s, "acme", "t").await;
    assert_eq!(
        t,
        pb::Tenant {
            name: "Renamed".into(),
            updated_at: t.updated_at,
            ..created.clone()
        }
    );
    // Variables only: an empty name, left out, is not validated.
    let vars2 = obj(vec![("b", boolean(true))]);
    a.update_tenant(masked(
        pb::Tenant {
            id: "t".into(),
            variables: Some(vars2.clone()),
            ..Default::default()
        },
        &["variables"],
    ))
    .await
    .unwrap();
    let t = get_tenant(&s, "acme", "t").await;
    assert_eq!(
        (t.name.as_str(), t.variables.clone()),
        ("Renamed", Some(vars2.clone()))
    );
    // Named fields are validated; a named org_id follows today's rule.
    assert_invalid(
        a.update_tenant(masked(
            pb::Tenant {
                id: "t".into(),
                ..Default::default()
            },
            &["name"],
        ))
        .await,
        "tenant.name",
    );
    assert_invalid(
        a.update_tenant(masked(tenant("t", "beta"), &["org_id", "name"]))
            .await,
        "tenant.org_id",
    );
    a.update_tenant(masked(tenant("t", "acme"), &["org_id"]))
        .await
        .unwrap();
    for paths in BAD_PATHS {
        assert_invalid(
            a.update_tenant(masked(tenant("t", ""), paths)).await,
            "update_mask",
        );
    }
    let t = get_tenant(&s, "acme", "t").await;
    assert_eq!(
        (t.name.as_str(), t.variables.clone()),
        ("Renamed", Some(vars2.clone()))
    );
    a.update_tenant(masked(tenant("t", ""), &["*"]))
        .await
        .unwrap();
    let t = get_tenant(&s, "acme", "t").await;
    assert_eq!(
        (t.name.as_str(), t.variables.clone()),
        ("Tenant t", empty_struct())
    );

    create_org(
        &mut a,
        pb::Organization {
            variables: Some(vars.clone()),
            ..org("o")
        },
    )
    .await
    .unwrap();
    let created = get_org(&s, "o").await;
    let masked = |o: pb::Organization, paths: &[&str]| pb::UpdateOrganizationRequest {
        organization: Some(o),
        update_mask: mask(paths),
    };
    a.update_organization(masked(
        pb::Organization {
            name: "Org O2".into(),
            ..org("o")
        },
        &["name"],
    ))
    .await
    .unwrap();
    let o = get_org(&s, "o").await;
    assert_eq!(
        o,
        pb::Organization {
            name: "Org O2".into(),
            updated_at: o.updated_at,
            ..created.clone()
        }
    );
    a.update_organization(masked(
        pb::Organization {
            id: "o".into(),
            variables: Some(vars2.clone()),
            ..Default::default()
        },
        &["variables"],
    ))
    .await
    .unwrap();
    let o = get_org(&s, "o").await;
    assert_eq!(
        (o.name.as_str(), o.variables.clone()),
        ("Org O2", Some(vars2))
    );
    for paths in BAD_PATHS.iter().copied().chain([&["org_id"][..]]) {
        assert_invalid(
            a.update_organization(masked(org("o"), paths)).await,
            "update_mask",
        );
    }
    assert_eq!(get_org(&s, "o").await, o);
    a.update_organization(masked(org("o"), &["*"]))
        .await
        .unwrap();
    let o = get_org(&s, "o").await;
    assert_eq!(
        (o.name.as_str(), o.variables.clone()),
        ("Org o", empty_struct())
    );
}

/// Update and Delete of an unknown user, tenant or organization are
/// NOT_FOUND and create nothing.
#[tokio::test]
async fn unknown_ids_are_not_found() {
    let s = TestServer::start().await;
    let mut a = s.admin();
    assert_code(update_user(&mut a, user("ghost")).await, Code::NotFound);
    assert_code(
        update_tenant(&mut a, tenant("ghost", "")).await,
        Code::NotFound,
    );
    assert_code(
        update_tenant(&mut a, tenant("ghost", "default")).await,
        Code::NotFound,
    );
    assert_code(update_org(&mut a, org("ghost")).await, Code::NotFound);
    assert_code(
        a.delete_user(pb::DeleteUserRequest { id: "ghost".into() })
            .await,
        Code::NotFound,
    );
    assert_code(
        a.delete_tenant(pb::DeleteTenantRequest { id: "ghost".into() })
            .await,
        Code::NotFound,
    );
    assert_code(
        a.delete_organization(pb::DeleteOrganizationRequest { id: "ghost".into() })
            .await,
        Code::NotFound,
    );
    assert_eq!(user_ids(&s, "default").await, ["admin"]);
    assert!(tenant_ids(&s, "default").await.is_empty());
    assert_eq!(org_ids(&s).await, ["default"]);
}

/// Ids are unique per kind and globally: a second user, tenant or
/// organization with a taken id is ALREADY_EXISTS, also in another
/// organization, and the first is unchanged; the same id may name a user, a
/// tenant and an organization at once.
#[tokio::test]
async fn ids_are_unique_per_kind() {
    let s = TestServer::start().await;
    s.org("acme").await;
    s.org("beta").await;
    let mut a = s.admin();

    create_org(
        &mut a,
        pb::Organization {
            name: "First".into(),
            ..org("dup")
        },
    )
    .await
    .unwrap();
    assert_code(
        create_org(
            &mut a,
            pb::Organization {
                name: "Second".into(),
                ..org("dup")
            },
        )
        .await,
        Code::AlreadyExists,
    );
    assert_eq!(get_org(&s, "dup").await.name, "First");

    create_tenant(&mut a, tenant("t", "acme")).await.unwrap();
    assert_code(
        create_tenant(&mut a, tenant("t", "acme")).await,
        Code::AlreadyExists,
    );
    assert_code(
        create_tenant(&mut a, tenant("t", "beta")).await,
        Code::AlreadyExists,
    );
    assert_eq!(tenant_ids(&s, "acme").await, ["t"]);
    assert!(tenant_ids(&s, "beta").await.is_empty());

    create_user(&mut a, user_in("u", "acme", "")).await.unwrap();
    assert_code(
        create_user(&mut a, user_in("u", "acme", "")).await,
        Code::AlreadyExists,
    );
    assert_code(
        create_user(&mut a, user_in("u", "beta", "")).await,
        Code::AlreadyExists,
    );
    assert_code(
        create_user(&mut a, user_in("admin", "acme", "t")).await,
        Code::AlreadyExists,
    );
    assert_eq!(user_ids(&s, "acme").await, ["u"]);
    assert!(user_ids(&s, "beta").await.is_empty());
    assert_eq!(
        get_user(&s, "default", "admin").await.roles,
        ["super-admin"]
    );

    // One id, three kinds.
    create_org(&mut a, org("same")).await.unwrap();
    create_tenant(&mut a, tenant("same", "same")).await.unwrap();
    create_user(&mut a, user_in("same", "same", "same"))
        .await
        .unwrap();
    assert_eq!(users_of_tenant(&s, "same").await, ["same"]);
}

/// DeleteOrganization while it has tenants or users, and DeleteTenant while
/// it has users, are FAILED_PRECONDITION and delete nothing; once empty they
/// are deleted.
#[tokio::test]
async fn non_empty_orgs_and_tenants_are_kept() {
    let s = TestServer::start().await;
    s.org("with-tenant").await;
    s.tenant("t", "with-tenant").await;
    s.org("with-user").await;
    s.user("lonely", "with-user", "", &[]).await;
    s.user("member", "with-tenant", "t", &[]).await;
    let mut a = s.admin();
    let del_org = |id: &str| pb::DeleteOrganizationRequest { id: id.into() };
    let del_tenant = |id: &str| pb::DeleteTenantRequest { id: id.into() };
    let del_user = |id: &str| pb::DeleteUserRequest { id: id.into() };

    for id in ["with-tenant", "with-user"] {
        assert_code(
            a.delete_organization(del_org(id)).await,
            Code::FailedPrecondition,
        );
    }
    assert_code(
        a.delete_tenant(del_tenant("t")).await,
        Code::FailedPrecondition,
    );
    assert_eq!(org_ids(&s).await, ["default", "with-tenant", "with-user"]);
    assert_eq!(tenant_ids(&s, "with-tenant").await, ["t"]);
    assert_eq!(user_ids(&s, "with-tenant").await, ["member"]);
    assert_eq!(users_of_tenant(&s, "t").await, ["member"]);
    assert_eq!(user_ids(&s, "with-user").await, ["lonely"]);

    // Without users the tenant goes, but its organization still has it.
    a.delete_user(del_user("member")).await.unwrap();
    assert_code(
        a.delete_organization(del_org("with-tenant")).await,
        Code::FailedPrecondition,
    );
    a.delete_tenant(del_tenant("t")).await.unwrap();
    a.delete_organization(del_org("with-tenant")).await.unwrap();

    a.delete_user(del_user("lonely")).await.unwrap();
    a.delete_organization(del_org("with-user")).await.unwrap();
    assert_eq!(org_ids(&s).await, ["default"]);
    assert_code(a.delete_tenant(del_tenant("t")).await, Code::NotFound);
    assert_code(
        a.delete_organization(del_org("with-user")).await,
        Code::NotFound,
    );
}

/// DeleteUser removes the user, its access keys (a key of it is then
/// UNAUTHENTICATED, also after the id is reused) and its configuration (a
/// new user of the same id starts with an empty one and no keys).
#[tokio::test]
async fn delete_user_removes_keys_and_config() {
    let s = TestServer::start().await;
    let key1 = s.user("gone", "default", "", &[]).await;
    let key2 = s.key_for("gone").await;
    let mut gone = s.client(&key1);
    update_config(&mut gone, obj(vec![("theme", text("dark"))]), &[])
        .await
        .unwrap();
    assert_eq!(read_config(&mut gone).await.fields.len(), 1);

    let mut a = s.admin();
    a.delete_user(pb::DeleteUserRequest { id: "gone".into() })
        .await
        .unwrap();
    assert_eq!(user_ids(&s, "default").await, ["admin"]);
    for key in [&key1, &key2] {
        assert_code(
            s.client(key).get_info(pb::GetUserInfoRequest {}).await,
            Code::Unauthenticated,
        );
    }

    create_user(&mut a, user("gone")).await.unwrap();
    let mut reborn = s.client_as(&s.admin_key, "gone");
    assert_eq!(read_config(&mut reborn).await, Struct::default());
    let keys = reborn
        .list_access_keys(pb::GetAccessKeyRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(keys.access_keys.is_empty(), "{keys:?}");
    for key in [&key1, &key2] {
        assert_code(
            s.client(key).get_info(pb::GetUserInfoRequest {}).await,
            Code::Unauthenticated,
        );
    }
}

// ---- configuration ----

/// UpdateConfig merges `updated` (replacing values of existing keys) and
/// removes `deleted` keys (absent ones are no error) in one call and
/// returns the whole configuration; an empty request only reads it.
#[tokio::test]
async fn update_config_merges_and_deletes() {
    let s = TestServer::start().await;
    let key = s.user("cfg", "default", "", &[]).await;
    let mut c = s.client(&key);
    assert_eq!(read_config(&mut c).await, Struct::default());

    let first = update_config(
        &mut c,
        obj(vec![("a", num(1.0)), ("b", num(2.0)), ("c", num(3.0))]),
        &[],
    )
    .await
    .unwrap()
    .into_inner()
    .configs
    .unwrap();
    assert_eq!(
        first,
        obj(vec![("a", num(1.0)), ("b", num(2.0)), ("c", num(3.0))])
    );

    let expected = obj(vec![
        ("b", text("x")),
        ("c", num(3.0)),
        ("d", object(obj(vec![("deep", boolean(true))]))),
    ]);
    let second = update_config(
        &mut c,
        obj(vec![
            ("b", text("x")),
            ("d", object(obj(vec![("deep", boolean(true))]))),
        ]),
        &["a", "never-set"],
    )
    .await
    .unwrap()
    .into_inner()
    .configs
    .unwrap();
    assert_eq!(second, expected);
    assert_eq!(read_config(&mut c).await, expected);

    // Only deletions; an omitted `updated` is the same as an empty one.
    let third = c
        .update_config(pb::UpdateConfigRequest {
            updated: None,
            deleted: vec!["b".into(), "d".into()],
        })
        .await
        .unwrap()
        .into_inner()
        .configs
        .unwrap();
    assert_eq!(third, obj(vec![("c", num(3.0))]));
    assert_eq!(read_config(&mut c).await, obj(vec![("c", num(3.0))]));
}

/// Malformed UpdateConfig requests are INVALID_ARGUMENT naming the field and
/// change nothing: a key both updated and deleted (`deleted[i]`), a key of
/// 0 or over 128 characters (`updated`, `deleted[i]`), over 256 keys in one
/// request (`updated`, `deleted`), and an `updated` over 256 KiB by itself
/// (`updated`).
#[tokio::test]
async fn update_config_rejects_bad_requests() {
    let s = TestServer::start().await;
    let key = s.user("cfg", "default", "", &[]).await;
    let mut c = s.client(&key);
    let base = obj(vec![("keep", num(1.0)), ("b", num(2.0))]);
    update_config(&mut c, base.clone(), &[]).await.unwrap();

    assert_invalid(
        update_config(
            &mut c,
            obj(vec![("new", num(1.0)), ("b", num(3.0))]),
            &["keep", "b"],
        )
        .await,
        "deleted[1]",
    );
    assert_invalid(
        update_config(&mut c, obj(vec![("", num(1.0))]), &[]).await,
        "updated",
    );
    let k129 = "k".repeat(129);
    let k128 = "k".repeat(128);
    assert_invalid(
        update_config(&mut c, obj(vec![(k129.as_str(), num(1.0))]), &[]).await,
        "updated",
    );
    assert_invalid(
        update_config(&mut c, Struct::default(), &[""]).await,
        "deleted[0]",
    );
    assert_invalid(
        update_config(&mut c, Struct::default(), &["keep", &k129]).await,
        "deleted[1]",
    );
    // Characters, not bytes: 128 two-byte characters are one valid key.
    let e128 = "é".repeat(128);
    let e129 = "é".repeat(129);
    assert_invalid(
        update_config(&mut c, obj(vec![(e129.as_str(), num(1.0))]), &[]).await,
        "updated",
    );

    let many: Vec<String> = (0..257).map(|i| format!("key{i:03}")).collect();
    let too_many = Struct {
        fields: many.iter().map(|k| (k.clone(), num(1.0))).collect(),
    };
    assert_invalid(update_config(&mut c, too_many, &[]).await, "updated");
    let many_refs: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_invalid(
        update_config(&mut c, Struct::default(), &many_refs).await,
        "deleted",
    );

    // 256 KiB + 1 byte in one request, on a user with an empty config.
    let big = struct_of_size(256 * 1024 + 1);
    let other_key = s.user("big", "default", "", &[]).await;
    let mut other = s.client(&other_key);
    assert_invalid(update_config(&mut other, big, &[]).await, "updated");
    assert_eq!(read_config(&mut other).await, Struct::default());
    assert_eq!(read_config(&mut c).await, base);

    // The edges themselves are accepted.
    let exact = struct_of_size(256 * 1024);
    assert_eq!(
        update_config(&mut other, exact.clone(), &[])
            .await
            .unwrap()
            .into_inner()
            .configs,
        Some(exact)
    );
    let edges = obj(vec![(k128.as_str(), num(1.0)), (e128.as_str(), num(2.0))]);
    let got = update_config(&mut c, edges, &[&k128[..1]])
        .await
        .unwrap()
        .into_inner()
        .configs
        .unwrap();
    assert_eq!(got.fields.len(), 4);
    let fresh_key = s.user("fresh", "default", "", &[]).await;
    let fresh = Struct {
        fields: many[..256].iter().map(|k| (k.clone(), num(1.0))).collect(),
    };
    let got = update_config(&mut s.client(&fresh_key), fresh.clone(), &many_refs[..256]).await;
    // `deleted` and `updated` share every key here: refused by the first one.
    assert_invalid(got, "deleted[0]");
    let got = update_config(&mut s.client(&fresh_key), fresh.clone(), &[])
        .await
        .unwrap()
        .into_inner()
        .configs;
    assert_eq!(got, Some(fresh));
}

/// Limits reached through earlier requests are RESOURCE_EXHAUSTED and
/// change nothing: a configuration that would grow past 256 keys, or past
/// 256 KiB encoded; a request that stays within them (replacing or
/// deleting keys) still works at the limit.
#[tokio::test]
async fn config_limits_through_earlier_requests() {
    let s = TestServer::start().await;
    let key = s.user("cfg", "default", "", &[]).await;
    let mut c = s.client(&key);
    let batch = |from: usize, to: usize| Struct {
        fields: (from..to)
            .map(|i| (format!("k{i:03}"), num(i as f64)))
            .collect(),
    };
    update_config(&mut c, batch(0, 200), &[]).await.unwrap();
    let full = update_config(&mut c, batch(200, 256), &[])
        .await
        .unwrap()
        .into_inner()
        .configs
        .unwrap();
    assert_eq!(full.fields.len(), 256);
    assert_code(
        update_config(&mut c, batch(256, 257), &[]).await,
        Code::ResourceExhausted,
    );
    assert_code(
        update_config(&mut c, batch(250, 260), &["k000"]).await,
        Code::ResourceExhausted,
    );
    assert_eq!(read_config(&mut c).await, full);
    // Replacing existing keys, or adding as many as are deleted, fits.
    update_config(&mut c, batch(0, 10), &[]).await.unwrap();
    let swapped = update_config(&mut c, batch(256, 258), &["k000", "k001"])
        .await
        .unwrap()
        .into_inner()
        .configs
        .unwrap();
    assert_eq!(swapped.fields.len(), 256);
    assert!(!swapped.fields.contains_key("k000"));
    assert!(swapped.fields.contains_key("k257"));

    // Size: {"a":"<n>","b":"<m>"} encodes to 15 + n + m bytes.
    let key = s.user("sized", "default", "", &[]).await;
    let mut c = s.client(&key);
    let n = 200_000;
    let m = 256 * 1024 - 15 - n;
    update_config(&mut c, obj(vec![("a", text(&"x".repeat(n)))]), &[])
        .await
        .unwrap();
    let at_limit = update_config(&mut c, obj(vec![("b", text(&"y".repeat(m)))]), &[])
        .await
        .unwrap()
        .into_inner()
        .configs
        .unwrap();
    assert_eq!(at_limit.fields.len(), 2);
    assert_code(
        update_config(&mut c, obj(vec![("b", text(&"y".repeat(m + 1)))]), &[]).await,
        Code::ResourceExhausted,
    );
    assert_code(
        update_config(&mut c, obj(vec![("c", num(1.0))]), &[]).await,
        Code::ResourceExhausted,
    );
    assert_eq!(read_config(&mut c).await, at_limit);
    // Deleting to make room in the same request fits.
    let shrunk = update_config(&mut c, obj(vec![("c", num(1.0))]), &["a"])
        .await
        .unwrap()
        .into_inner()
        .configs
        .unwrap();
    assert_eq!(
        shrunk.fields.keys().collect::<Vec<_>>(),
        [&"b".to_string(), &"c".to_string()]
    );
}

/// Configurations are per user: each user reads and changes only its own,
/// and an admin impersonating a user sees and changes that user's.
#[tokio::test]
async fn configs_are_per_user() {
    let s = TestServer::start().await;
    let ann_key = s.user("ann", "default", "", &[]).await;
    let bob_key = s.user("bob", "default", "", &[]).await;
    let mut ann = s.client(&ann_key);
    let mut bob = s.client(&bob_key);
    update_config(&mut ann, obj(vec![("who", text("ann"))]), &[])
        .await
        .unwrap();
    update_config(&mut bob, obj(vec![("who", text("bob"))]), &[])
        .await
        .unwrap();
    let mut a = s.admin();
    update_config(&mut a, obj(vec![("who", text("admin"))]), &[])
        .await
        .unwrap();

    let mut as_ann = s.client_as(&s.admin_key, "ann");
    assert_eq!(
        read_config(&mut as_ann).await,
        obj(vec![("who", text("ann"))])
    );
    update_config(&mut as_ann, obj(vec![("set_by", text("admin"))]), &[])
        .await
        .unwrap();
    assert_eq!(
        read_config(&mut ann).await,
        obj(vec![("set_by", text("admin")), ("who", text("ann"))])
    );
    assert_eq!(read_config(&mut bob).await, obj(vec![("who", text("bob"))]));
    assert_eq!(read_config(&mut a).await, obj(vec![("who", text("admin"))]));
}
