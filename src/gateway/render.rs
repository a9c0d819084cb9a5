//! Answers to JSON straight from the protobuf wire format, by the
//! descriptors: the JSON mapping of `json::render`, without building a
//! dynamic message first. A page of 100 users through prost-reflect's
//! `DynamicMessage` cost about 700 µs; this walk costs a few tens.
//!
//! It covers every message an answer of the UserService can hold (scalars,
//! enums, nested messages, repeated fields, maps, and of the well-known
//! types `Struct`, `Value` and `ListValue`); `Plan::new` refuses a message
//! with anything else, and the caller then renders through prost-reflect.
//! Fields are printed in declaration order as prost-reflect prints them:
//! every field without presence (defaults too), a field with presence
//! (messages, `optional`, oneof members) only when set. Bytes prost never
//! writes (a singular field twice, which would merge; a Value with two
//! kinds) are left to prost-reflect too. A unit test checks the two
//! renderings agree on every answer of the proto, and the `json_surface`
//! fuzz target on arbitrary bytes.

use std::{collections::HashMap, fmt::Write as _, sync::Arc};

use base64::Engine as _;
use prost_reflect::{EnumDescriptor, Kind, MessageDescriptor};

/// How to print one message type.
#[derive(Debug)]
pub struct Plan {
    fields: Vec<FieldPlan>,
    special: Special,
}

/// The well-known types with a JSON form of their own.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Special {
    None,
    Struct,
    Value,
    ListValue,
}

#[derive(Debug)]
struct FieldPlan {
    number: u32,
    /// `"name":`, escaped.
    key: String,
    ty: Ty,
    repeated: bool,
    /// Printed only when present on the wire.
    presence: bool,
}

#[derive(Debug)]
enum Ty {
    Double,
    Float,
    Int32,
    Int64,
    Uint32,
    Uint64,
    Sint32,
    Sint64,
    Fixed32,
    Fixed64,
    Sfixed32,
    Sfixed64,
    Bool,
    String,
    Bytes,
    Enum(EnumDescriptor),
    Message(Arc<Plan>),
    /// A map field: its entry's key and value.
    Map(Box<Ty>, Box<Ty>),
}

/// A message type this renderer does not cover.
#[derive(Debug)]
pub struct Unsupported(pub String);

impl Plan {
    /// The plan of `message` and of every message it holds.
    pub fn new(message: &MessageDescriptor) -> Result<Arc<Plan>, Unsupported> {
        Self::build(message, &mut HashMap::new())
    }

    fn build(
        message: &MessageDescriptor,
        done: &mut HashMap<String, Arc<Plan>>,
    ) -> Result<Arc<Plan>, Unsupported> {
        if let Some(plan) = done.get(message.full_name()) {
            return Ok(plan.clone());
        }
        let special = match message.full_name() {
            "google.protobuf.Struct" => Special::Struct,
            "google.protobuf.Value" => Special::Value,
            "google.protobuf.ListValue" => Special::ListValue,
            name if name.starts_with("google.protobuf.") => {
                return Err(Unsupported(name.to_owned()))
            }
            _ => Special::None,
        };
        // Recursive types (Value → Struct → Value) are cut by planning the
        // well-known ones without their fields: their printing is fixed.
        if special != Special::None {
            let plan = Arc::new(Plan {
                fields: Vec::new(),
                special,
            });
            done.insert(message.full_name().to_owned(), plan.clone());
            return Ok(plan);
        }
        let mut fields = Vec::new();
        for field in message.fields() {
            let ty = if field.is_map() {
                let Kind::Message(entry) = field.kind() else {
                    return Err(Unsupported(field.full_name().to_owned()));
                };
                let key = Self::ty(&entry.map_entry_key_field().kind(), done)?;
                let value = Self::ty(&entry.map_entry_value_field().kind(), done)?;
                Ty::Map(Box::new(key), Box::new(value))
            } else {
                Self::ty(&field.kind(), done)?
            };
            let mut key = String::new();
            string(field.name(), &mut key);
            key.push(':');
            fields.push(FieldPlan {
                number: field.number(),
                key,
                ty,
                repeated: field.is_list() || field.is_map(),
                presence: field.supports_presence(),
            });
        }
        let plan = Arc::new(Plan {
            fields,
            special: Special::None,
        });
        done.insert(message.full_name().to_owned(), plan.clone());
        Ok(plan)
    }

    fn ty(kind: &Kind, done: &mut HashMap<String, Arc<Plan>>) -> Result<Ty, Unsupported> {
        Ok(match kind {
            Kind::Double => Ty::Double,
            Kind::Float => Ty::Float,
            Kind::Int32 => Ty::Int32,
            Kind::Int64 => Ty::Int64,
            Kind::Uint32 => Ty::Uint32,
            Kind::Uint64 => Ty::Uint64,
            Kind::Sint32 => Ty::Sint32,
            Kind::Sint64 => Ty::Sint64,
            Kind::Fixed32 => Ty::Fixed32,
            Kind::Fixed64 => Ty::Fixed64,
            Kind::Sfixed32 => Ty::Sfixed32,
            Kind::Sfixed64 => Ty::Sfixed64,
            Kind::Bool => Ty::Bool,
            Kind::String => Ty::String,
            Kind::Bytes => Ty::Bytes,
            Kind::Enum(e) => Ty::Enum(e.clone()),
            Kind::Message(m) => Ty::Message(Self::build(m, done)?),
        })
    }

    /// The JSON of `bytes`, an encoded message of this plan's type; None
    /// when the bytes are not a well-formed message.
    pub fn render(&self, bytes: &[u8]) -> Option<String> {
        let mut out = String::with_capacity(bytes.len() * 2 + 16);
        self.message(bytes, &mut out)?;
        Some(out)
    }

    fn message(&self, bytes: &[u8], out: &mut String) -> Option<()> {
        match self.special {
            Special::Struct => return struct_value(bytes, out),
            Special::Value => return value(bytes, out),
            Special::ListValue => return list_value(bytes, out),
            Special::None => {}
        }
        // The fields on the wire, read once (a malformed message fails here).
        let mut entries = Vec::with_capacity(16);
        for entry in Fields::new(bytes) {
            entries.push(entry?);
        }
        out.push('{');
        let mut first = true;
        for field in &self.fields {
            let mut found = entries
                .iter()
                .filter(|(n, _)| *n == field.number)
                .map(|(_, raw)| *raw)
                .peekable();
            if found.peek().is_none() && field.presence {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&field.key);
            if !field.repeated {
                // A singular field sent twice (the last scalar wins, a
                // message merges, every one must be valid) is left to
                // prost-reflect: prost never encodes one twice.
                let (count, last) = found.fold((0, None), |(n, _), raw| (n + 1, Some(raw)));
                if count > 1 {
                    return None;
                }
                match last {
                    Some(raw) => field.ty.print(raw, out)?,
                    None => field.ty.default(out),
                }
                continue;
            }
            let map = matches!(field.ty, Ty::Map(..));
            out.push(if map { '{' } else { '[' });
            let mut first_item = true;
            let mut item = |raw: Raw<'_>, out: &mut String| {
                if !first_item {
                    out.push(',');
                }
                first_item = false;
                match &field.ty {
                    Ty::Map(key, value) => map_entry(raw, key, value, out),
                    ty => ty.print(raw, out),
                }
            };
            for raw in found {
                match raw {
                    Raw::Len(packed) if field.ty.packable() => {
                        for raw in field.ty.unpack(packed)? {
                            item(raw, out)?;
                        }
                    }
                    raw => item(raw, out)?,
                }
            }
            out.push(if map { '}' } else { ']' });
        }
        out.push('}');
        Some(())
    }
}

/// A JSON string: quoted, with `"`, `\\` and control characters escaped.
fn string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A double as JSON: whole numbers without a fraction (as `json::render`),
/// the non-finite ones as proto3 JSON's strings.
fn double(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("\"NaN\"");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        });
    } else if let Some(whole) = super::json::whole(f) {
        let _ = write!(out, "{whole}");
    } else if let Ok(json) = serde_json::to_string(&f) {
        // serde_json prints the shortest form that reads back the same.
        out.push_str(&json);
    }
}

impl Ty {
    fn packable(&self) -> bool {
        !matches!(self, Ty::String | Ty::Bytes | Ty::Message(_) | Ty::Map(..))
    }

    /// The values of a packed repeated field.
    fn unpack<'a>(&self, mut bytes: &'a [u8]) -> Option<Vec<Raw<'a>>> {
        let mut values = Vec::new();
        while !bytes.is_empty() {
            values.push(match self {
                Ty::Double | Ty::Fixed64 | Ty::Sfixed64 => {
                    let (v, rest) = bytes.split_at_checked(8)?;
                    bytes = rest;
                    Raw::Fixed64(u64::from_le_bytes(v.try_into().ok()?))
                }
                Ty::Float | Ty::Fixed32 | Ty::Sfixed32 => {
                    let (v, rest) = bytes.split_at_checked(4)?;
                    bytes = rest;
                    Raw::Fixed32(u32::from_le_bytes(v.try_into().ok()?))
                }
                _ => Raw::Varint(varint(&mut bytes)?),
            });
        }
        Some(values)
    }

    fn print(&self, raw: Raw<'_>, out: &mut String) -> Option<()> {
        match (self, raw) {
            (Ty::Double, Raw::Fixed64(v)) => double(f64::from_bits(v), out),
            (Ty::Float, Raw::Fixed32(v)) => double(f64::from(f32::from_bits(v)), out),
            (Ty::Int32, Raw::Varint(v)) => write!(out, "{}", v as i32).ok()?,
            (Ty::Int64, Raw::Varint(v)) => write!(out, "{}", v as i64).ok()?,
            (Ty::Uint32, Raw::Varint(v)) => write!(out, "{}", v as u32).ok()?,
            (Ty::Uint64, Raw::Varint(v)) => write!(out, "{v}").ok()?,
            (Ty::Sint32, Raw::Varint(v)) => {
                let v = v as u32;
                write!(out, "{}", ((v >> 1) as i32) ^ -((v & 1) as i32)).ok()?
            }
            (Ty::Sint64, Raw::Varint(v)) => {
                write!(out, "{}", ((v >> 1) as i64) ^ -((v & 1) as i64)).ok()?
            }
            (Ty::Fixed32, Raw::Fixed32(v)) => write!(out, "{v}").ok()?,
            (Ty::Fixed64, Raw::Fixed64(v)) => write!(out, "{v}").ok()?,
            (Ty::Sfixed32, Raw::Fixed32(v)) => write!(out, "{}", v as i32).ok()?,
            (Ty::Sfixed64, Raw::Fixed64(v)) => write!(out, "{}", v as i64).ok()?,
            (Ty::Bool, Raw::Varint(v)) => out.push_str(if v != 0 { "true" } else { "false" }),
            (Ty::String, Raw::Len(b)) => string(std::str::from_utf8(b).ok()?, out),
            (Ty::Bytes, Raw::Len(b)) => {
                out.push('"');
                out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
                out.push('"');
            }
            (Ty::Enum(e), Raw::Varint(v)) => match e.get_value(v as i32) {
                Some(value) => string(value.name(), out),
                None => write!(out, "{}", v as i32).ok()?,
            },
            (Ty::Message(plan), Raw::Len(b)) => plan.message(b, out)?,
            _ => return None,
        }
        Some(())
    }

    /// The JSON of a field without presence that is absent.
    fn default(&self, out: &mut String) {
        match self {
            Ty::Bool => out.push_str("false"),
            Ty::String | Ty::Bytes => out.push_str("\"\""),
            Ty::Enum(e) => string(e.default_value().name(), out),
            // Fields of message type have presence; not reached.
            Ty::Message(_) | Ty::Map(..) => out.push_str("null"),
            _ => out.push('0'),
        }
    }
}

/// A map entry as `"key":value`.
fn map_entry(raw: Raw<'_>, key: &Ty, value: &Ty, out: &mut String) -> Option<()> {
    let Raw::Len(entry) = raw else { return None };
    let (mut k, mut v) = (None, None);
    for field in Fields::new(entry) {
        match field? {
            (1, raw) => k = Some(raw),
            // A message value sent twice would merge: prost-reflect's case.
            (2, _) if v.is_some() && matches!(value, Ty::Message(_)) => return None,
            (2, raw) => v = Some(raw),
            _ => {}
        }
    }
    // Keys are strings in JSON, whatever their type.
    match (key, k) {
        (Ty::String, Some(raw)) => key.print(raw, out)?,
        (Ty::String, None) => out.push_str("\"\""),
        (_, Some(raw)) => {
            let mut printed = String::new();
            key.print(raw, &mut printed)?;
            string(&printed, out);
        }
        (_, None) => out.push_str("\"0\""),
    }
    out.push(':');
    match v {
        Some(raw) => value.print(raw, out),
        None => {
            match value {
                Ty::Message(plan) => plan.message(&[], out)?,
                ty => ty.default(out),
            }
            Some(())
        }
    }
}

/// `google.protobuf.Struct`: `{"key": value, ...}`.
fn struct_value(bytes: &[u8], out: &mut String) -> Option<()> {
    out.push('{');
    let mut first = true;
    for field in Fields::new(bytes) {
        let (number, raw) = field?;
        if number != 1 {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        let Raw::Len(entry) = raw else { return None };
        let (mut key, mut val) = ("", None);
        for f in Fields::new(entry) {
            match f? {
                (1, Raw::Len(k)) => key = std::str::from_utf8(k).ok()?,
                // A value sent twice would merge: prost-reflect's case.
                (2, Raw::Len(_)) if val.is_some() => return None,
                (2, Raw::Len(v)) => val = Some(v),
                (1 | 2, _) => return None,
                _ => {}
            }
        }
        let val = val.unwrap_or_default();
        string(key, out);
        out.push(':');
        value(val, out)?;
    }
    out.push('}');
    Some(())
}

/// `google.protobuf.Value`: its one kind, or null.
fn value(bytes: &[u8], out: &mut String) -> Option<()> {
    // One kind: a second one (or the same message twice, which would
    // merge) is left to prost-reflect.
    let mut kind = None;
    for field in Fields::new(bytes) {
        let field = field?;
        if kind.is_some() {
            return None;
        }
        kind = Some(field);
    }
    match kind {
        None | Some((1, Raw::Varint(_))) => out.push_str("null"),
        Some((2, Raw::Fixed64(v))) => double(f64::from_bits(v), out),
        Some((3, Raw::Len(s))) => string(std::str::from_utf8(s).ok()?, out),
        Some((4, Raw::Varint(b))) => out.push_str(if b != 0 { "true" } else { "false" }),
        Some((5, Raw::Len(s))) => struct_value(s, out)?,
        Some((6, Raw::Len(l))) => list_value(l, out)?,
        Some(_) => return None,
    }
    Some(())
}

/// `google.protobuf.ListValue`: `[value, ...]`.
fn list_value(bytes: &[u8], out: &mut String) -> Option<()> {
    out.push('[');
    let mut first = true;
    for field in Fields::new(bytes) {
        let item = match field? {
            (1, Raw::Len(item)) => item,
            (1, _) => return None,
            _ => continue,
        };
        if !first {
            out.push(',');
        }
        first = false;
        value(item, out)?;
    }
    out.push(']');
    Some(())
}

/// One field's value on the wire.
#[derive(Clone, Copy, Debug)]
enum Raw<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Len(&'a [u8]),
}

/// The fields of an encoded message, in wire order: `None` once the bytes
/// are malformed (then nothing more).
struct Fields<'a> {
    bytes: &'a [u8],
    failed: bool,
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Fields {
            bytes,
            failed: false,
        }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Option<(u32, Raw<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.bytes.is_empty() || self.failed {
            return None;
        }
        let item = self.field();
        self.failed = item.is_none();
        Some(item)
    }
}

impl<'a> Fields<'a> {
    fn field(&mut self) -> Option<(u32, Raw<'a>)> {
        let tag = varint(&mut self.bytes)?;
        // Field numbers are 1 to 2^29 - 1.
        let number = u32::try_from(tag >> 3)
            .ok()
            .filter(|n| (1..=536_870_911).contains(n))?;
        let raw = match tag & 7 {
            0 => Raw::Varint(varint(&mut self.bytes)?),
            1 => {
                let (v, rest) = self.bytes.split_at_checked(8)?;
                self.bytes = rest;
                Raw::Fixed64(u64::from_le_bytes(v.try_into().ok()?))
            }
            2 => {
                let len = usize::try_from(varint(&mut self.bytes)?).ok()?;
                let (v, rest) = self.bytes.split_at_checked(len)?;
                self.bytes = rest;
                Raw::Len(v)
            }
            5 => {
                let (v, rest) = self.bytes.split_at_checked(4)?;
                self.bytes = rest;
                Raw::Fixed32(u32::from_le_bytes(v.try_into().ok()?))
            }
            _ => return None,
        };
        Some((number, raw))
    }
}

fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for i in 0..10 {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        // The tenth byte holds the 64th bit only.
        if i == 9 && b > 1 {
            return None;
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use prost::Message as _;
    use prost_reflect::DescriptorPool;
    use prost_types::{value::Kind as V, ListValue, Struct, Value};
    use serde_json::json;

    use super::*;
    use crate::pb;

    fn pool() -> DescriptorPool {
        DescriptorPool::decode(pb::FILE_DESCRIPTOR_SET).unwrap()
    }

    /// Both renderings of `bytes` as a `name` message, as JSON values.
    fn both(name: &str, bytes: &[u8]) -> (serde_json::Value, serde_json::Value) {
        let desc = pool().get_message_by_name(name).unwrap();
        let fast = Plan::new(&desc).unwrap().render(bytes).unwrap();
        let fast: serde_json::Value = serde_json::from_str(&fast).unwrap();
        let slow = super::super::json::response(&desc, bytes).unwrap();
        (fast, slow)
    }

    fn v(kind: V) -> Value {
        Value { kind: Some(kind) }
    }

    fn variables() -> Struct {
        let mut inner = Struct::default();
        inner.fields.insert(
            "list".into(),
            v(V::ListValue(ListValue {
                values: vec![
                    v(V::NumberValue(1.0)),
                    v(V::NumberValue(2.5)),
                    v(V::BoolValue(true)),
                    v(V::NullValue(0)),
                    Value { kind: None },
                ],
            })),
        );
        let mut s = Struct::default();
        s.fields.insert("n".into(), v(V::NumberValue(5.0)));
        s.fields.insert("neg".into(), v(V::NumberValue(-7.0)));
        s.fields.insert("big".into(), v(V::NumberValue(1e300)));
        s.fields.insert(
            "s".into(),
            v(V::StringValue("quote \" backslash \\ é \u{1}".into())),
        );
        s.fields.insert("deep".into(), v(V::StructValue(inner)));
        s.fields
            .insert("empty".into(), v(V::StructValue(Struct::default())));
        s
    }

    fn user(id: &str, with_variables: bool) -> pb::User {
        pb::User {
            id: id.into(),
            name: format!("Name {id}"),
            tenant_id: String::new(),
            org_id: "acme".into(),
            variables: with_variables.then(variables),
            roles: vec!["user".into(), "app:x".into()],
            email: String::new(),
            created_at: 1_796_166_793_597,
            updated_at: -1,
        }
    }

    /// Every answer type renders as prost-reflect renders it.
    #[test]
    fn agrees_with_prost_reflect() {
        let mut page = Vec::new();
        for (i, with) in [true, false, true].into_iter().enumerate() {
            prost::encoding::message::encode(1, &user(&format!("u{i}"), with), &mut page);
        }
        prost::encoding::string::encode(2, &"u2".to_owned(), &mut page);
        let (fast, slow) = both("roster.v1.ListUsersResponse", &page);
        assert_eq!(fast, slow);
        assert_eq!(fast["users"][0]["variables"]["n"], json!(5));
        assert_eq!(fast["users"][0]["updated_at"], json!(-1));
        assert!(
            fast["users"][1].get("variables").is_none(),
            "an unset message is left out"
        );

        let empty = both("roster.v1.ListUsersResponse", &[]);
        assert_eq!(empty.0, empty.1);
        assert_eq!(empty.0, json!({"users": [], "next_page_token": ""}));

        let info = pb::GetUserInfoResponse {
            id: "admin".into(),
            name: "Ädmin".into(),
            email: String::new(),
            roles: vec!["super-admin".into()],
            permissions: vec!["a:b".into(), "c:d".into()],
            grantable_roles: vec!["user".into()],
            encoded: Default::default(),
        };
        let (fast, slow) = both("roster.v1.GetUserInfoResponse", &info.encode_to_vec());
        assert_eq!(fast, slow);

        let keys = pb::GetAccessKeyResponse {
            access_keys: vec![pb::AccessKey {
                access_key: "rk_…abcd".into(),
                user_id: "u".into(),
                name: "k".into(),
                created_at: 0,
            }],
            next_page_token: String::new(),
        };
        let (fast, slow) = both("roster.v1.GetAccessKeyResponse", &keys.encode_to_vec());
        assert_eq!(fast, slow);

        let config = pb::UpdateConfigResponse {
            configs: Some(variables()),
        };
        let (fast, slow) = both("roster.v1.UpdateConfigResponse", &config.encode_to_vec());
        assert_eq!(fast, slow);

        let orgs = pb::ListOrganizationsResponse {
            organizations: vec![pb::Organization {
                id: "o".into(),
                name: "O".into(),
                variables: Some(Struct::default()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let (fast, slow) = both("roster.v1.ListOrganizationsResponse", &orgs.encode_to_vec());
        assert_eq!(fast, slow);
        let (fast, slow) = both("roster.v1.CommonResponse", &[]);
        assert_eq!((fast, slow), (json!({}), json!({})));
    }

    /// Bytes that are not a message are refused, not rendered.
    #[test]
    fn malformed() {
        let desc = pool()
            .get_message_by_name("roster.v1.ListUsersResponse")
            .unwrap();
        let plan = Plan::new(&desc).unwrap();
        assert_eq!(
            plan.render(&[0x0a, 0x05, 0x01]),
            None,
            "a length past the end"
        );
        assert_eq!(plan.render(&[0x0a]), None, "a truncated length");
        assert_eq!(
            plan.render(&[0x12, 0x01, 0xff]),
            None,
            "a string that is not UTF-8"
        );
        assert_eq!(plan.render(&[0x0f]), None, "an unknown wire type");
    }

    /// Every answer of the UserService has a plan.
    #[test]
    fn every_answer_is_covered() {
        let pool = pool();
        let service = pool.get_service_by_name("roster.v1.UserService").unwrap();
        for method in service.methods() {
            assert!(Plan::new(&method.output()).is_ok(), "{}", method.name());
        }
    }
}
