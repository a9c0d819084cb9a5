//! One JSON call: the body becomes the route's protobuf request, which the
//! gRPC handler of the route answers ([`Unary`]: the same `Call`, checks,
//! limits and log event as a gRPC call, with the deadline set as the gRPC
//! deadline layer sets it); its answer becomes JSON, or an error body.

use std::time::Instant;

use bytes::Bytes;
use http::{header, HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use serde_json::json;
use tonic::{body::Body, Code};

use super::{console, error, json, Surface, UnaryCall};
use crate::timeout::parse_grpc_timeout;

const GRPC_TIMEOUT: HeaderName = HeaderName::from_static("grpc-timeout");

/// The answer to a request that is not gRPC: a JSON call, a compatibility
/// route, the OpenAPI document, the console, or a JSON 404.
pub(super) async fn call(surface: &Surface, req: Request<Body>) -> Response<Bytes> {
    let path = req.uri().path();
    let Some(route) = surface.routes.get(path) else {
        return match path {
            // `Waii.initialize` asks for the database connections first;
            // roster has none (compatibility only).
            COMPAT_CONNECTIONS if req.method() == Method::POST => {
                error::json_response(StatusCode::OK, &json!({"connectors": []}))
            }
            OPENAPI if req.method() == Method::GET => openapi(),
            _ if console::owns(path) => console::answer(req.method(), path),
            _ => error::own(
                StatusCode::NOT_FOUND,
                Code::NotFound,
                &format!("no route for {} {path}", req.method()),
                None,
            ),
        };
    };
    if req.method() != Method::POST {
        let mut answer = error::own(
            StatusCode::METHOD_NOT_ALLOWED,
            Code::Unimplemented,
            &format!("{path} accepts POST only"),
            None,
        );
        answer
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return answer;
    }
    if !is_json(req.headers()) {
        return error::own(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::InvalidArgument,
            "the request body must be `Content-Type: application/json`",
            None,
        );
    }
    let arrived = Instant::now();
    let timeout = req
        .headers()
        .get(&GRPC_TIMEOUT)
        .and_then(parse_grpc_timeout)
        .map_or(surface.limits.max_call_time, |t| {
            t.min(surface.limits.max_call_time)
        });
    let (parts, body) = req.into_parts();
    let body = match read_body(body, surface.limits.max_body, arrived + timeout).await {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    let message = match json::request(&route.input, &body) {
        Ok(message) => message,
        Err(bad) => {
            let field = (!bad.field.is_empty()).then_some(bad.field.as_str());
            let detail = match field {
                Some(field) => format!("invalid {field}: {}", bad.description),
                None => bad.description.clone(),
            };
            return error::own(
                StatusCode::BAD_REQUEST,
                Code::InvalidArgument,
                &detail,
                field.map(|f| (f, bad.description.as_str())),
            );
        }
    };

    let call = UnaryCall {
        method: route.method.clone(),
        message: Bytes::from(message),
        // The request's headers, as tonic hands a gRPC handler its own.
        metadata: tonic::metadata::MetadataMap::from_headers(parts.headers),
        extensions: parts.extensions,
        // What is left of the deadline after reading the body.
        timeout: timeout.saturating_sub(arrived.elapsed()),
    };
    let message = match surface.unary.call(call).await {
        Ok(message) => message,
        Err(status) => return error::from_status(&status, surface.routes.pool()),
    };
    if let Some(json) = route.plan.as_ref().and_then(|p| p.render(&message)) {
        return error::json_bytes(StatusCode::OK, Bytes::from(json));
    }
    match json::response(&route.output, &message) {
        Ok(value) => error::json_response(StatusCode::OK, &value),
        Err(e) => internal(&e),
    }
}

/// The compatibility route of `Waii.initialize`.
const COMPAT_CONNECTIONS: &str = "/api/update-db-connect-info";
/// Where the OpenAPI document is served.
const OPENAPI: &str = "/api/openapi.json";
/// The paths answered here that are not routes.
pub(super) const OWN_PATHS: [&str; 2] = [COMPAT_CONNECTIONS, OPENAPI];

/// The OpenAPI 3 document of the surface, generated from the proto by
/// scripts/gen-openapi (CI fails when it is stale).
const OPENAPI_DOCUMENT: &str = include_str!("../../docs/openapi.json");

fn openapi() -> Response<Bytes> {
    error::json_bytes(
        StatusCode::OK,
        Bytes::from_static(OPENAPI_DOCUMENT.as_bytes()),
    )
}

fn internal(what: &str) -> Response<Bytes> {
    tracing::error!(what, "JSON call failed");
    error::own(
        StatusCode::INTERNAL_SERVER_ERROR,
        Code::Internal,
        "internal error",
        None,
    )
}

/// Whether the body is declared JSON (`application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// The whole body, at most `max` bytes, by `deadline`.
async fn read_body(body: Body, max: usize, deadline: Instant) -> Result<Bytes, Response<Bytes>> {
    let too_large = || {
        error::own(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::ResourceExhausted,
            &format!("the request body is over {max} bytes"),
            None,
        )
    };
    let read = Limited::new(body, max).collect();
    match tokio::time::timeout_at(deadline.into(), read).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(_)) => Err(error::own(
            StatusCode::BAD_REQUEST,
            Code::InvalidArgument,
            "the request body could not be read",
            None,
        )),
        Err(_) => Err(error::own(
            StatusCode::GATEWAY_TIMEOUT,
            Code::DeadlineExceeded,
            "deadline exceeded while reading the request body",
            None,
        )),
    }
}
