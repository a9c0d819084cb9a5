//! Conversions between the generated proto types and the domain's.
//!
//! Proto → domain conversions destructure every field, so that a new proto
//! field does not compile until it is handled here.

use prost_types::{value::Kind, FieldMask, ListValue, Struct, Value};

use crate::domain::{AccessKey, Error, JsonMap, Organization, Result, Tenant, User};
use crate::pb;

/// A `google.protobuf.Struct` as a JSON object; `field` names it in errors.
pub fn struct_to_json(field: &str, s: Option<Struct>) -> Result<JsonMap> {
    let Some(s) = s else {
        return Ok(JsonMap::new());
    };
    s.fields
        .into_iter()
        .map(|(k, v)| {
            let json = value_to_json(field, v)?;
            Ok((k, json))
        })
        .collect()
}

fn value_to_json(field: &str, v: Value) -> Result<serde_json::Value> {
    use serde_json::Value as J;
    Ok(match v.kind {
        None | Some(Kind::NullValue(_)) => J::Null,
        Some(Kind::BoolValue(b)) => J::Bool(b),
        Some(Kind::StringValue(s)) => J::String(s),
        Some(Kind::NumberValue(n)) => {
            J::Number(serde_json::Number::from_f64(n).ok_or_else(|| {
                Error::invalid(
                    field,
                    "numbers must be finite (JSON has no NaN or Infinity)",
                )
            })?)
        }
        Some(Kind::StructValue(s)) => J::Object(struct_to_json(field, Some(s))?),
        Some(Kind::ListValue(l)) => J::Array(
            l.values
                .into_iter()
                .map(|v| value_to_json(field, v))
                .collect::<Result<_>>()?,
        ),
    })
}

/// A JSON object as a `google.protobuf.Struct`.
pub fn json_to_struct(map: JsonMap) -> Struct {
    Struct {
        fields: map
            .into_iter()
            .map(|(k, v)| (k, json_to_value(v)))
            .collect(),
    }
}

fn json_to_value(v: serde_json::Value) -> Value {
    use serde_json::Value as J;
    let kind = match v {
        J::Null => Kind::NullValue(0),
        J::Bool(b) => Kind::BoolValue(b),
        J::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(0.0)),
        J::String(s) => Kind::StringValue(s),
        J::Array(a) => Kind::ListValue(ListValue {
            values: a.into_iter().map(json_to_value).collect(),
        }),
        J::Object(o) => Kind::StructValue(json_to_struct(o)),
    };
    Value { kind: Some(kind) }
}

/// The paths of an update mask; none when it is absent. What they mean is
/// the directory's ([`crate::domain::UpdateMask`]).
pub fn mask_paths(mask: Option<FieldMask>) -> Vec<String> {
    mask.map(|m| m.paths).unwrap_or_default()
}

/// The required message field `name`, present.
pub fn required<T>(name: &str, value: Option<T>) -> Result<T> {
    value.ok_or_else(|| Error::invalid(name, "is required"))
}

impl TryFrom<pb::User> for User {
    type Error = Error;

    fn try_from(u: pb::User) -> Result<Self> {
        let pb::User {
            id,
            name,
            tenant_id,
            org_id,
            variables,
            roles,
            email,
            created_at: _,
            updated_at: _,
        } = u;
        Ok(User {
            id,
            name,
            email,
            tenant_id: (!tenant_id.is_empty()).then_some(tenant_id),
            org_id,
            variables: struct_to_json("user.variables", variables)?,
            roles,
            created_at: 0,
            updated_at: 0,
        })
    }
}

impl From<User> for pb::User {
    fn from(u: User) -> Self {
        pb::User {
            id: u.id,
            name: u.name,
            tenant_id: u.tenant_id.unwrap_or_default(),
            org_id: u.org_id,
            variables: Some(json_to_struct(u.variables)),
            roles: u.roles,
            email: u.email,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

impl TryFrom<pb::Tenant> for Tenant {
    type Error = Error;

    fn try_from(t: pb::Tenant) -> Result<Self> {
        let pb::Tenant {
            id,
            name,
            org_id,
            variables,
            created_at: _,
            updated_at: _,
        } = t;
        Ok(Tenant {
            id,
            name,
            org_id,
            variables: struct_to_json("tenant.variables", variables)?,
            created_at: 0,
            updated_at: 0,
        })
    }
}

impl From<Tenant> for pb::Tenant {
    fn from(t: Tenant) -> Self {
        pb::Tenant {
            id: t.id,
            name: t.name,
            org_id: t.org_id,
            variables: Some(json_to_struct(t.variables)),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

impl TryFrom<pb::Organization> for Organization {
    type Error = Error;

    fn try_from(o: pb::Organization) -> Result<Self> {
        let pb::Organization {
            id,
            name,
            variables,
            created_at: _,
            updated_at: _,
        } = o;
        Ok(Organization {
            id,
            name,
            variables: struct_to_json("organization.variables", variables)?,
            created_at: 0,
            updated_at: 0,
        })
    }
}

impl From<Organization> for pb::Organization {
    fn from(o: Organization) -> Self {
        pb::Organization {
            id: o.id,
            name: o.name,
            variables: Some(json_to_struct(o.variables)),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A stored key as lists show it: redacted.
impl From<AccessKey> for pb::AccessKey {
    fn from(k: AccessKey) -> Self {
        pb::AccessKey {
            access_key: k.redacted,
            user_id: k.user_id,
            name: k.name,
            created_at: k.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Structs round-trip through JSON; NaN is refused naming the field.
    #[test]
    fn structs() {
        let json: JsonMap = serde_json::from_str(r#"{"a":[1.5,true,null,"s",{"b":{}}]}"#).unwrap();
        let back = struct_to_json("x", Some(json_to_struct(json.clone()))).unwrap();
        assert_eq!(back, json);
        let nan = Struct {
            fields: [(
                "n".to_string(),
                Value {
                    kind: Some(Kind::NumberValue(f64::NAN)),
                },
            )]
            .into(),
        };
        let err = struct_to_json("user.variables", Some(nan)).unwrap_err();
        assert!(matches!(err, Error::Invalid { ref field, .. } if field == "user.variables"));
    }
}
