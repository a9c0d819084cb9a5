//! Arbitrary bytes as a request message (the first byte picks which: 0
//! CreateUserRequest, 1 UpdateTenantRequest, 2 CreateOrganizationRequest, 3
//! UpdateConfigRequest, modulo 4), then what a handler does with it:
//! `required`, `TryFrom`/`struct_to_json`, then the data rules.
//!
//! Invariants:
//! - nothing panics, whatever the bytes;
//! - conversion fails exactly when a number in a Struct is NaN or infinite,
//!   with an INVALID_ARGUMENT naming the Struct's field; a missing message
//!   is an INVALID_ARGUMENT naming it;
//! - conversion keeps every field and zeroes the server-set times;
//! - `json_to_struct(struct_to_json(s))` is `s` up to the one JSON null, and
//!   `struct_to_json(json_to_struct(j))` is `j`;
//! - a value the rules accept meets them (checked independently), and
//!   round-trips: domain → proto → bytes → proto → domain, and through the
//!   store's JSON encoding, unchanged and still accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use prost_types::Struct;
use roster::api::convert::{json_to_struct, required, struct_to_json};
use roster::domain::{validate, JsonMap, Organization, Tenant, User};
use roster::pb;
use roster_fuzz::{assert_invalid, has_non_finite, normalize_struct};

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match which % 4 {
        0 => {
            if let Ok(pb::CreateUserRequest { user }) = pb::CreateUserRequest::decode(bytes) {
                create_user(user);
            }
        }
        1 => {
            if let Ok(pb::UpdateTenantRequest { tenant, .. }) =
                pb::UpdateTenantRequest::decode(bytes)
            {
                update_tenant(tenant);
            }
        }
        2 => {
            if let Ok(pb::CreateOrganizationRequest { organization }) =
                pb::CreateOrganizationRequest::decode(bytes)
            {
                create_org(organization);
            }
        }
        _ => {
            if let Ok(req) = pb::UpdateConfigRequest::decode(bytes) {
                update_config(req);
            }
        }
    }
});

/// Checks `struct_to_json` on `s` against the model; answers its result.
fn check_struct(field: &str, s: Option<&Struct>) -> Option<JsonMap> {
    let result = struct_to_json(field, s.cloned());
    let bad = s.is_some_and(has_non_finite);
    if bad {
        assert_invalid(result, field);
        return None;
    }
    let json = result.expect("a Struct of finite numbers converts");
    let back = json_to_struct(json.clone());
    let expected = s.map(normalize_struct).unwrap_or_default();
    assert_eq!(back, expected, "json_to_struct(struct_to_json(s)) != s");
    let again = struct_to_json(field, Some(back)).expect("a converted Struct converts again");
    assert_eq!(again, json, "struct_to_json(json_to_struct(j)) != j");
    Some(json)
}

/// The checks every accepted `variables` object meets.
fn check_variables(v: &JsonMap) {
    let encoded = serde_json::to_vec(v).unwrap();
    assert_eq!(validate::json_size(v), encoded.len());
    assert!(encoded.len() <= validate::MAX_VARIABLES_BYTES);
}

/// What `validate::id` promises of an accepted id.
fn check_id(id: &str) {
    assert!(
        !id.is_empty() && id.len() <= validate::MAX_ID_CHARS,
        "{id:?}"
    );
    assert!(id.as_bytes()[0].is_ascii_alphanumeric(), "{id:?}");
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@+-".contains(&b)),
        "{id:?}"
    );
}

fn check_optional_id(id: &str) {
    if !id.is_empty() {
        check_id(id);
    }
}

fn check_name(name: &str, required: bool) {
    assert!(!required || !name.trim().is_empty(), "{name:?}");
    assert!(name.chars().count() <= validate::MAX_NAME_CHARS, "{name:?}");
    assert!(!name.chars().any(char::is_control), "{name:?}");
}

/// Encodes and decodes `msg`, through the wire and through the store's JSON.
fn wire_round_trip<M: Message + Default + PartialEq + std::fmt::Debug>(msg: &M) {
    let bytes = msg.encode_to_vec();
    let back = M::decode(bytes.as_slice()).expect("an encoded message decodes");
    assert_eq!(&back, msg, "proto round trip");
}

fn store_round_trip<T>(record: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_vec(record).unwrap();
    let back: T = serde_json::from_slice(&json).expect("a stored record reads back");
    assert_eq!(&back, record, "store JSON round trip");
}

fn create_user(user: Option<pb::User>) {
    let user = match required("user", user) {
        Ok(u) => u,
        Err(e) => return assert_invalid::<()>(Err(e), "user"),
    };
    let Some(variables) = check_struct("user.variables", user.variables.as_ref()) else {
        return assert_invalid(User::try_from(user), "user.variables");
    };
    let domain = User::try_from(user.clone()).expect("convertible");
    assert_eq!(
        (
            &domain.id,
            &domain.name,
            &domain.email,
            domain.tenant_id.as_deref().unwrap_or_default(),
            &domain.org_id
        ),
        (
            &user.id,
            &user.name,
            &user.email,
            user.tenant_id.as_str(),
            &user.org_id
        )
    );
    assert_eq!(domain.roles, user.roles);
    assert_eq!(domain.variables, variables);
    assert_eq!((domain.created_at, domain.updated_at), (0, 0));

    match validate::user(&domain) {
        Err(e) => assert_invalid::<()>(Err(e), "user."),
        Ok(()) => {
            check_id(&domain.id);
            check_name(&domain.name, false);
            if let Some(tenant) = &domain.tenant_id {
                assert!(!tenant.is_empty(), "an absent tenant is None, not \"\"");
                check_id(tenant);
            }
            check_optional_id(&domain.org_id);
            if !domain.email.is_empty() {
                let (local, host) = domain.email.split_once('@').expect("an email has @");
                assert!(!local.is_empty() && !host.is_empty() && !host.contains('@'));
                assert!(domain.email.len() <= validate::MAX_EMAIL_CHARS);
            }
            assert!(domain.roles.len() <= validate::MAX_ROLES);
            for (i, r) in domain.roles.iter().enumerate() {
                assert!(!r.is_empty() && r.len() <= validate::MAX_ROLE_CHARS);
                assert!(!domain.roles[..i].contains(r), "duplicate role {r:?}");
            }
            check_variables(&domain.variables);

            let proto = pb::User::from(domain.clone());
            wire_round_trip(&proto);
            let again = User::try_from(proto).expect("an accepted user converts back");
            assert_eq!(again, domain);
            validate::user(&again).expect("an accepted user stays accepted");
            store_round_trip(&domain);
        }
    }
}

fn update_tenant(tenant: Option<pb::Tenant>) {
    let tenant = match required("tenant", tenant) {
        Ok(t) => t,
        Err(e) => return assert_invalid::<()>(Err(e), "tenant"),
    };
    let Some(variables) = check_struct("tenant.variables", tenant.variables.as_ref()) else {
        return assert_invalid(Tenant::try_from(tenant), "tenant.variables");
    };
    let domain = Tenant::try_from(tenant.clone()).expect("convertible");
    assert_eq!(
        (&domain.id, &domain.name, &domain.org_id),
        (&tenant.id, &tenant.name, &tenant.org_id)
    );
    assert_eq!(domain.variables, variables);
    assert_eq!((domain.created_at, domain.updated_at), (0, 0));

    match validate::tenant(&domain) {
        Err(e) => assert_invalid::<()>(Err(e), "tenant."),
        Ok(()) => {
            check_id(&domain.id);
            check_name(&domain.name, true);
            check_optional_id(&domain.org_id);
            check_variables(&domain.variables);

            let proto = pb::Tenant::from(domain.clone());
            wire_round_trip(&proto);
            let again = Tenant::try_from(proto).expect("an accepted tenant converts back");
            assert_eq!(again, domain);
            validate::tenant(&again).expect("an accepted tenant stays accepted");
            store_round_trip(&domain);
        }
    }
}

fn create_org(org: Option<pb::Organization>) {
    let org = match required("organization", org) {
        Ok(o) => o,
        Err(e) => return assert_invalid::<()>(Err(e), "organization"),
    };
    let Some(variables) = check_struct("organization.variables", org.variables.as_ref()) else {
        return assert_invalid(Organization::try_from(org), "organization.variables");
    };
    let domain = Organization::try_from(org.clone()).expect("convertible");
    assert_eq!((&domain.id, &domain.name), (&org.id, &org.name));
    assert_eq!(domain.variables, variables);
    assert_eq!((domain.created_at, domain.updated_at), (0, 0));

    match validate::organization(&domain) {
        Err(e) => assert_invalid::<()>(Err(e), "organization."),
        Ok(()) => {
            check_id(&domain.id);
            check_name(&domain.name, true);
            check_variables(&domain.variables);

            let proto = pb::Organization::from(domain.clone());
            wire_round_trip(&proto);
            let again = Organization::try_from(proto).expect("an accepted org converts back");
            assert_eq!(again, domain);
            validate::organization(&again).expect("an accepted org stays accepted");
            store_round_trip(&domain);
        }
    }
}

fn update_config(req: pb::UpdateConfigRequest) {
    let pb::UpdateConfigRequest { updated, deleted } = req;
    let Some(updated) = check_struct("updated", updated.as_ref()) else {
        return;
    };
    match validate::config_update(&updated, &deleted) {
        Err(e) => {
            let field = match &e {
                roster::domain::Error::Invalid { field, .. } if field.starts_with("deleted") => {
                    "deleted"
                }
                _ => "updated",
            };
            assert_invalid::<()>(Err(e), field)
        }
        Ok(()) => {
            assert!(updated.len() <= validate::MAX_CONFIG_KEYS);
            assert!(deleted.len() <= validate::MAX_CONFIG_KEYS);
            for key in updated.keys().chain(&deleted) {
                let n = key.chars().count();
                assert!((1..=validate::MAX_CONFIG_KEY_CHARS).contains(&n), "{key:?}");
            }
            assert!(deleted.iter().all(|k| !updated.contains_key(k)));
            assert!(validate::json_size(&updated) <= validate::MAX_CONFIG_BYTES);
            // The stored configuration and the response's `configs` Struct.
            store_round_trip(&updated);
            let response = pb::UpdateConfigResponse {
                configs: Some(json_to_struct(updated.clone())),
            };
            wire_round_trip(&response);
            let back = struct_to_json("configs", response.configs).unwrap();
            assert_eq!(back, updated);
        }
    }
}
