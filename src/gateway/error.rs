//! Errors over HTTP: the HTTP status of a gRPC code (grpc-gateway's table,
//! with FAILED_PRECONDITION as 400), and the body
//! `{"detail": <message>, "code": "<CODE>", "details": [...]}` with each
//! google.rpc detail (BadRequest, ErrorInfo) rendered as JSON.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use prost::Message as _;
use prost_reflect::{DescriptorPool, DynamicMessage};
use serde_json::{json, Value};
use tonic::Code;

/// The HTTP status of a gRPC code.
pub fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            StatusCode::BAD_REQUEST
        }
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The code's name as the gRPC spec spells it (`INVALID_ARGUMENT`).
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// The answer to a call that ended with `status`; with `Retry-After`
/// (whole seconds, at least 1) when it carries a `google.rpc.RetryInfo`.
pub fn from_status(status: &tonic::Status, pool: &DescriptorPool) -> Response<Bytes> {
    let details = tonic_types::pb::Status::decode(status.details())
        .map(|s| s.details)
        .unwrap_or_default();
    let retry_after = details
        .iter()
        .find(|any| any.type_url.ends_with("/google.rpc.RetryInfo"))
        .and_then(|any| tonic_types::pb::RetryInfo::decode(any.value.as_slice()).ok())
        .and_then(|info| info.retry_delay)
        .map(|d| (d.seconds.max(0) as u64 + u64::from(d.nanos > 0)).max(1));
    let mut response = answer(
        http_status(status.code()),
        status.code(),
        status.message(),
        details.iter().map(|any| detail(any, pool)).collect(),
    );
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A google.rpc detail as JSON: its fields and `@type`.
fn detail(any: &prost_types::Any, pool: &DescriptorPool) -> Value {
    let name = any.type_url.rsplit('/').next().unwrap_or_default();
    let mut rendered = pool
        .get_message_by_name(name)
        .and_then(|d| DynamicMessage::decode(d, any.value.as_slice()).ok())
        .map(|m| super::json::render(&m))
        .unwrap_or_else(|| json!({}));
    if let Value::Object(fields) = &mut rendered {
        fields.insert("@type".into(), Value::String(any.type_url.clone()));
    }
    rendered
}

/// An error the surface answers itself (no route, wrong method, a body
/// that is no request, ...), with an optional BadRequest naming a field:
/// `(field, description)`.
pub fn own(
    status: StatusCode,
    code: Code,
    message: &str,
    violation: Option<(&str, &str)>,
) -> Response<Bytes> {
    let details = violation
        .map(|(field, description)| {
            vec![json!({
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "field_violations": [{"field": field, "description": description}],
            })]
        })
        .unwrap_or_default();
    answer(status, code, message, details)
}

fn answer(status: StatusCode, code: Code, message: &str, details: Vec<Value>) -> Response<Bytes> {
    let body = json!({"detail": message, "code": code_name(code), "details": details});
    json_response(status, &body)
}

/// A JSON answer.
pub fn json_response(status: StatusCode, body: &Value) -> Response<Bytes> {
    json_bytes(
        status,
        Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
    )
}

/// An answer whose body is JSON already.
pub fn json_bytes(status: StatusCode, json: Bytes) -> Response<Bytes> {
    let mut response = Response::new(json);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
