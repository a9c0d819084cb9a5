//! The JSON mapping of the surface: a request body to the protobuf request
//! of its route, and a protobuf response to JSON, by the descriptors.
//!
//! Proto field names, every field printed (defaults too), 64-bit integers
//! as JSON numbers, unknown fields ignored, `null` = unset; numbers in a
//! `google.protobuf.Struct` that are whole print without a fraction, so a
//! stored `5` reads back as `5`.

use prost::Message as _;
use prost_reflect::{
    DeserializeOptions, DynamicMessage, Kind, MessageDescriptor, ReflectMessage as _,
    SerializeOptions,
};
use serde_json::{Map, Value};

/// Why a body is not a request of its route; `field` names the offending
/// field (`user.roles`), empty for the body as a whole.
#[derive(Debug)]
pub struct BadBody {
    pub field: String,
    pub description: String,
}

/// The field that names the fields an update changes (AIP-134).
const UPDATE_MASK: &str = "update_mask";
/// The field of a resource that addresses it in an update.
const ADDRESS: &str = "id";
/// The field that makes deleting something absent not an error (AIP-135).
const ALLOW_MISSING: &str = "allow_missing";

/// The encoded protobuf request of `input` that `body` stands for.
///
/// Where the body leaves them out: `update_mask` is the fields present in
/// the body's resource (grpc-gateway's convention, so that a client that
/// does not know a field leaves it alone), and `allow_missing` is true (as
/// the Waii server ignores unknown key names).
pub fn request(input: &MessageDescriptor, body: &[u8]) -> Result<Vec<u8>, BadBody> {
    let value: Value = serde_json::from_slice(body).map_err(|e| BadBody {
        field: String::new(),
        description: format!("the request body is not JSON: {e}"),
    })?;
    let Value::Object(mut object) = value else {
        return Err(BadBody {
            field: String::new(),
            description: "the request body must be a JSON object".into(),
        });
    };
    fill_defaults(input, &mut object)?;
    if object.is_empty() {
        // `{}` is the default message, which encodes to nothing.
        return Ok(Vec::new());
    }
    let value = Value::Object(object);
    let message =
        decode(input, &value).map_err(|description| locate(input, &value, "", description))?;
    Ok(message.encode_to_vec())
}

fn decode(input: &MessageDescriptor, value: &Value) -> Result<DynamicMessage, String> {
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    DynamicMessage::deserialize_with_options(input.clone(), value, &options)
        .map_err(|e| e.to_string())
}

/// The field of `object` that does not decode: each field alone, and
/// inside a message-typed field, its fields; the whole body when no single
/// field is to blame.
fn locate(input: &MessageDescriptor, value: &Value, prefix: &str, whole: String) -> BadBody {
    let Value::Object(object) = value else {
        return BadBody {
            field: prefix.trim_end_matches('.').to_owned(),
            description: whole,
        };
    };
    for (key, value) in object {
        let Some(field) = input
            .get_field_by_name(key)
            .or_else(|| input.get_field_by_json_name(key))
        else {
            continue;
        };
        let one = Value::Object(Map::from_iter([(key.clone(), value.clone())]));
        if let Err(description) = decode(input, &one) {
            let path = format!("{prefix}{}", field.name());
            if let (Kind::Message(inner), Value::Object(_), false) =
                (field.kind(), value, field.is_list() || field.is_map())
            {
                if !is_well_known(&inner) {
                    return locate(&inner, value, &format!("{path}."), description);
                }
            }
            return BadBody {
                field: path,
                description,
            };
        }
    }
    BadBody {
        field: prefix.trim_end_matches('.').to_owned(),
        description: whole,
    }
}

fn is_well_known(message: &MessageDescriptor) -> bool {
    message.package_name() == "google.protobuf"
}

fn is_unset(value: Option<&Value>) -> bool {
    value.is_none_or(Value::is_null)
}

fn fill_defaults(
    input: &MessageDescriptor,
    object: &mut Map<String, Value>,
) -> Result<(), BadBody> {
    if let Some(field) = input.get_field_by_name(ALLOW_MISSING) {
        if field.kind() == Kind::Bool && is_unset(object.get(ALLOW_MISSING)) {
            object.insert(ALLOW_MISSING.into(), Value::Bool(true));
        }
    }
    let Some(mask) = input.get_field_by_name(UPDATE_MASK) else {
        return Ok(());
    };
    if is_unset(object.get(UPDATE_MASK)) && is_unset(object.get(mask.json_name())) {
        // The resource: the request's one other message field.
        let resource = input.fields().find(|f| {
            f.name() != UPDATE_MASK && matches!(f.kind(), Kind::Message(m) if !is_well_known(&m))
        });
        let Some(resource) = resource else {
            return Ok(());
        };
        let Some(Value::Object(fields)) = object
            .get(resource.name())
            .or_else(|| object.get(resource.json_name()))
        else {
            return Ok(());
        };
        let Kind::Message(message) = resource.kind() else {
            return Ok(());
        };
        // FieldMask's JSON form: lowerCamelCase paths joined by commas.
        // `id` addresses the resource rather than changing it.
        let paths: Vec<String> = fields
            .iter()
            .filter(|(k, v)| !v.is_null() && k.as_str() != ADDRESS)
            .filter_map(|(k, _)| {
                message
                    .get_field_by_name(k)
                    .or_else(|| message.get_field_by_json_name(k))
            })
            .map(|f| f.json_name().to_owned())
            .collect();
        if paths.is_empty() {
            // An empty mask would mean "replace every field".
            return Err(BadBody {
                field: UPDATE_MASK.into(),
                description: format!(
                    "`{}` names no field to change, and no update_mask was given",
                    resource.name()
                ),
            });
        }
        object.insert(UPDATE_MASK.into(), Value::String(paths.join(",")));
    }
    Ok(())
}

/// The JSON of an encoded `output` message.
pub fn response(output: &MessageDescriptor, encoded: &[u8]) -> Result<Value, String> {
    let message = DynamicMessage::decode(output.clone(), encoded).map_err(|e| e.to_string())?;
    Ok(render(&message))
}

/// The JSON of a message, in the surface's mapping.
pub fn render(message: &DynamicMessage) -> Value {
    let options = SerializeOptions::new()
        .stringify_64_bit_integers(false)
        .skip_default_fields(false)
        .use_proto_field_name(true);
    let mut value = message
        .serialize_with_options(serde_json::value::Serializer, &options)
        .unwrap_or_else(|e| {
            // Serializing a decoded message into a JSON value cannot fail
            // but for a non-finite float, which roster never stores.
            tracing::error!(error = %e, message = message.descriptor().full_name(), "cannot render JSON");
            Value::Null
        });
    whole_numbers(&mut value);
    value
}

/// Whole floating-point numbers without their fraction: JSON has one number
/// type, and `google.protobuf.Struct` carries every number as a double, so a
/// stored `5` would otherwise read back as `5.0`.
fn whole_numbers(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(whole) = n.as_f64().filter(|_| n.is_f64()).and_then(whole) {
                *n = serde_json::Number::from(whole);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// `f` as an integer when it is whole and exact (|f| ≤ 2^53): how the
/// surface prints such a double, here and in `render`.
pub fn whole(f: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    (f.fract() == 0.0 && f.abs() <= EXACT).then_some(f as i64)
}
