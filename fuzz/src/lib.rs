//! Helpers shared by roster's fuzz targets and the corpus generator: the
//! expected INVALID_ARGUMENT shape, and independent models of the functions
//! under test to compare against.

use prost_types::{value::Kind, ListValue, Struct, Value};
use roster::domain::{Error, Result};

/// Asserts `result` is an `Invalid` error naming a field that starts with
/// `field`, and that it turns into an INVALID_ARGUMENT status (what the
/// client would get) without panicking.
pub fn assert_invalid<T: std::fmt::Debug>(result: Result<T>, field: &str) {
    match result {
        Err(Error::Invalid {
            field: ref got,
            ref description,
        }) => {
            assert!(
                got.starts_with(field),
                "error names `{got}`, expected `{field}`"
            );
            assert!(!description.is_empty());
            let err = result.unwrap_err();
            let status: tonic::Status = err.into();
            assert_eq!(status.code(), tonic::Code::InvalidArgument);
            let _ = status.into_http::<()>();
        }
        other => panic!("expected Invalid({field}), got {other:?}"),
    }
}

// ---- independent models ----

/// Whether any number in `s`, at any depth, is NaN or infinite.
pub fn has_non_finite(s: &Struct) -> bool {
    s.fields.values().any(value_has_non_finite)
}

fn value_has_non_finite(v: &Value) -> bool {
    match &v.kind {
        Some(Kind::NumberValue(n)) => !n.is_finite(),
        Some(Kind::StructValue(s)) => has_non_finite(s),
        Some(Kind::ListValue(l)) => l.values.iter().any(value_has_non_finite),
        _ => false,
    }
}

/// `s` as roster stores it and gives it back: an absent `kind` and every
/// `NullValue` enum number become `NullValue(0)` (JSON has one null).
pub fn normalize_struct(s: &Struct) -> Struct {
    Struct {
        fields: s
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), normalize_value(v)))
            .collect(),
    }
}

fn normalize_value(v: &Value) -> Value {
    let kind = match &v.kind {
        None | Some(Kind::NullValue(_)) => Kind::NullValue(0),
        Some(Kind::StructValue(s)) => Kind::StructValue(normalize_struct(s)),
        Some(Kind::ListValue(l)) => Kind::ListValue(ListValue {
            values: l.values.iter().map(normalize_value).collect(),
        }),
        Some(k) => k.clone(),
    };
    Value { kind: Some(kind) }
}

/// The roster access key checksum: CRC-32 of prefix and body, as 6 base62
/// digits, most significant first.
pub fn key_checksum(prefix_and_body: &str) -> String {
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n = u64::from(crc32fast::hash(prefix_and_body.as_bytes()));
    let mut out = [0u8; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).unwrap()
}
