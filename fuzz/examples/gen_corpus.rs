//! Writes the seed corpus of the fuzz targets into `corpus/<target>/`:
//! small, meaningful inputs, valid and invalid. Run once, from `fuzz/`, and
//! commit the result: `cargo run --example gen_corpus`.

use std::{collections::BTreeMap, fs, path::Path};

use prost::Message;
use prost_types::{value::Kind, ListValue, Struct, Value};
use roster::pb;
use roster_fuzz::key_checksum;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new("corpus").join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn request(which: u8, msg: &impl Message) -> Vec<u8> {
    let mut out = vec![which];
    msg.encode(&mut out).unwrap();
    out
}

fn v(kind: Kind) -> Value {
    Value { kind: Some(kind) }
}

fn obj(fields: impl IntoIterator<Item = (&'static str, Value)>) -> Struct {
    Struct {
        fields: fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn variables() -> Struct {
    obj([
        ("team", v(Kind::StringValue("infra".into()))),
        ("level", v(Kind::NumberValue(3.5))),
        ("active", v(Kind::BoolValue(true))),
        ("manager", v(Kind::NullValue(0))),
        (
            "tags",
            v(Kind::ListValue(ListValue {
                values: vec![v(Kind::StringValue("a".into())), v(Kind::NumberValue(-0.0))],
            })),
        ),
        (
            "nested",
            v(Kind::StructValue(obj([("x", v(Kind::NumberValue(1e300)))]))),
        ),
    ])
}

fn user(id: &str) -> pb::User {
    pb::User {
        id: id.into(),
        name: "Alice Example".into(),
        ..Default::default()
    }
}

fn main() {
    // ---- request_conversion: first byte picks the message ----
    let t = "request_conversion";
    write(t, "user_missing", &[0]);
    write(
        t,
        "user_minimal",
        &request(
            0,
            &pb::CreateUserRequest {
                user: Some(user("alice")),
            },
        ),
    );
    let full = pb::User {
        email: "alice@example.com".into(),
        tenant_id: "acme".into(),
        org_id: "default".into(),
        roles: vec!["tenant-admin".into(), "app:viewer".into()],
        variables: Some(variables()),
        created_at: 1_700_000_000_000,
        ..user("alice.b+1@x")
    };
    write(
        t,
        "user_full",
        &request(0, &pb::CreateUserRequest { user: Some(full) }),
    );
    let nan = pb::User {
        variables: Some(obj([("n", v(Kind::NumberValue(f64::NAN)))])),
        ..user("bob")
    };
    write(
        t,
        "user_nan",
        &request(0, &pb::CreateUserRequest { user: Some(nan) }),
    );
    let dup = pb::User {
        roles: vec!["a".into(), "a".into()],
        email: "a@b@c".into(),
        ..user(".bad")
    };
    write(
        t,
        "user_invalid",
        &request(0, &pb::CreateUserRequest { user: Some(dup) }),
    );
    let tenant = pb::Tenant {
        id: "acme".into(),
        name: "Acme Corp".into(),
        org_id: "default".into(),
        variables: Some(variables()),
        ..Default::default()
    };
    write(
        t,
        "tenant",
        &request(
            1,
            &pb::UpdateTenantRequest {
                tenant: Some(tenant),
                ..Default::default()
            },
        ),
    );
    let blank = pb::Tenant {
        id: "acme".into(),
        name: " \t".into(),
        ..Default::default()
    };
    write(
        t,
        "tenant_blank_name",
        &request(
            1,
            &pb::UpdateTenantRequest {
                tenant: Some(blank),
                ..Default::default()
            },
        ),
    );
    write(t, "tenant_missing", &[1]);
    let org = pb::Organization {
        id: "default".into(),
        name: "Default Org".into(),
        variables: Some(obj([("region", v(Kind::StringValue("eu".into())))])),
        ..Default::default()
    };
    write(
        t,
        "org",
        &request(
            2,
            &pb::CreateOrganizationRequest {
                organization: Some(org),
            },
        ),
    );
    write(t, "org_missing", &[2]);
    let config = pb::UpdateConfigRequest {
        updated: Some(obj([
            ("theme", v(Kind::StringValue("dark".into()))),
            ("font.size", v(Kind::NumberValue(12.5))),
        ])),
        deleted: vec!["old".into()],
    };
    write(t, "config", &request(3, &config));
    let conflict = pb::UpdateConfigRequest {
        updated: Some(obj([("k", v(Kind::BoolValue(false)))])),
        deleted: vec!["k".into(), String::new()],
    };
    write(t, "config_conflict", &request(3, &conflict));
    write(t, "config_empty", &[3]);

    // ---- page_token: 4 bytes of little-endian page_size, then the token ----
    let t = "page_token";
    let page = |size: i32, token: &str| [&size.to_le_bytes()[..], token.as_bytes()].concat();
    let token = |after: &str| {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
        URL_SAFE_NO_PAD.encode(format!("v1:{after}"))
    };
    write(t, "first_page", &page(0, ""));
    write(t, "user_cursor", &page(50, &token("alice.b+1@x")));
    write(t, "clamped_key_cursor", &page(5000, &token("laptop-2")));
    write(t, "negative_size", &page(-1, ""));
    write(t, "garbage", &page(10, "%%%"));
    write(t, "empty_cursor", &page(10, &token("")));
    write(t, "slash_cursor", &page(10, &token("a/b")));
    write(t, "no_version", &page(10, "Zm9v"));
    write(t, "id_as_token", &page(3, "alice"));

    // ---- headers: one header value ----
    let t = "headers";
    let body = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg";
    assert_eq!(body.len(), 43);
    let key = format!("rk_{body}");
    let key = format!("{key}{}", key_checksum(&key));
    assert!(roster::auth::keys::plausible(&key));
    write(t, "bearer_roster_key", format!("Bearer {key}").as_bytes());
    write(
        t,
        "bearer_foreign_key",
        b"bearer operator-chosen-bootstrap-secret-1",
    );
    write(t, "bearer_two_spaces", b"Bearer  abc");
    write(t, "basic", b"Basic dXNlcjpwYXNz");
    write(t, "timeout_ms", b"250m");
    write(t, "timeout_max", b"99999999H");
    write(t, "timeout_9_digits", b"123456789S");
    write(t, "timeout_ns", b"1n");
    let digest = roster::auth::keys::digest(&key).to_hex();
    write(t, "digest_hex", digest.as_bytes());
    write(
        t,
        "digest_hex_upper",
        digest.to_ascii_uppercase().as_bytes(),
    );
}
