//! The HTTP side of roster's listeners: beside gRPC on the same port,
//! gRPC-Web (tonic-web) for browsers, and a JSON surface for HTTP/1.1 and
//! HTTP/2 clients such as the Waii SDK, at the routes the proto's
//! `google.api.http` annotations name (`POST /api/create-user`, ...), and
//! the admin console's files at `/console/` (`console`).
//!
//! Requests are told apart by content type: `application/grpc` goes to the
//! gRPC services untouched, `application/grpc-web*` through tonic-web to the
//! same services, anything else to the JSON surface, which turns each call
//! into the protobuf request of its route and hands it to that RPC's gRPC
//! handler through [`Unary`] (`transcode`). So every rule, check order and
//! limit is the gRPC one; this module only maps JSON to protobuf and back
//! (`json`, `render`) and statuses to HTTP (`error`); README, "JSON over
//! HTTP, and gRPC-Web".

pub mod console;
mod error;
pub mod json;
pub mod render;
mod routes;
mod transcode;

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use http::{header, Request, Response, StatusCode};
use http_body_util::Full;
use tonic::{body::Body, Code};
use tonic_web::{GrpcWebLayer, GrpcWebService};
use tower::{Layer, Service};

use crate::metrics::Calls;
pub use error::{code_name, http_status};
pub use routes::{Route, Routes, RoutesError};

/// The limits the surface enforces itself (the gRPC ones apply behind it).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest request body, in bytes (413 beyond).
    pub max_body: usize,
    /// The largest request header block, in bytes, counted as HTTP/2 does
    /// (name, value and 32 per field; 431 beyond).
    pub max_headers: usize,
    /// The deadline of a call that brings none, and the longest any gets.
    pub max_call_time: Duration,
}

/// A boxed future, as [`Unary::call`] answers.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One call of the service by method name, its request encoded.
#[derive(Debug)]
pub struct UnaryCall {
    /// The method's name (`GetInfo`).
    pub method: String,
    /// The encoded request message.
    pub message: Bytes,
    /// The request's headers (credentials, impersonation, tracing).
    pub metadata: tonic::metadata::MetadataMap,
    /// The HTTP request's extensions (the connection's addresses).
    pub extensions: tonic::Extensions,
    /// How long the call may take (at most `--max-call-time`).
    pub timeout: Duration,
}

/// The service the JSON surface calls: the gRPC handlers, reached without
/// the gRPC transport (`api::unary`).
pub trait Unary: Send + Sync {
    /// Runs `call`: its encoded answer, or the status it ended with.
    fn call(&self, call: UnaryCall) -> BoxFuture<'_, Result<Bytes, tonic::Status>>;
}

/// What the surface serves: the routes, the limits and the service.
pub struct Surface {
    routes: Routes,
    limits: Limits,
    unary: Arc<dyn Unary>,
    /// Records every request, with `--metrics-listen`.
    metrics: Option<Arc<Calls>>,
}

impl std::fmt::Debug for Surface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Surface")
            .field("routes", &self.routes.len())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Surface {
    /// The surface of `routes` under `limits`, calling `unary`.
    pub fn new(routes: Routes, limits: Limits, unary: Arc<dyn Unary>) -> Self {
        Surface {
            routes,
            limits,
            unary,
            metrics: None,
        }
    }

    /// The same, recording every request in `metrics`.
    pub fn with_metrics(self, metrics: Option<Arc<Calls>>) -> Self {
        Surface { metrics, ..self }
    }
}

/// The paths the surface answers other than 404 (the routes of `routes`,
/// the OpenAPI document, the compatibility route, the console's files):
/// the `route` label values of its metrics.
pub fn served_paths(routes: &Routes) -> impl Iterator<Item = &str> {
    routes
        .iter()
        .map(|(path, _)| path)
        .chain(transcode::OWN_PATHS)
        .chain(console::paths().map(shorter))
}

fn shorter<'a>(path: &'static str) -> &'a str {
    path
}

/// The tower layer that puts the surface in front of the gRPC services.
#[derive(Clone, Debug)]
pub struct SurfaceLayer(pub Arc<Surface>);

impl<S: Clone> Layer<S> for SurfaceLayer {
    type Service = SurfaceService<S>;

    fn layer(&self, grpc: S) -> Self::Service {
        SurfaceService {
            web: GrpcWebLayer::new().layer(grpc.clone()),
            grpc,
            surface: self.0.clone(),
        }
    }
}

/// The service of [`SurfaceLayer`].
#[derive(Clone, Debug)]
pub struct SurfaceService<S> {
    grpc: S,
    web: GrpcWebService<S>,
    surface: Arc<Surface>,
}

/// How a request is served.
enum Kind {
    Grpc,
    GrpcWeb,
    Other,
}

fn kind(req: &Request<Body>) -> Kind {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if content_type.starts_with(b"application/grpc-web") {
        Kind::GrpcWeb
    } else if content_type.starts_with(b"application/grpc") {
        Kind::Grpc
    } else {
        Kind::Other
    }
}

impl<S> Service<Request<Body>> for SurfaceService<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.grpc.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<Body>) -> Self::Future {
        // Every request, whatever its surface, gets an id and answers it.
        let id = crate::request_id::ensure(req.headers_mut());
        let answered = move |mut response: Response<Body>| {
            response.headers_mut().insert(crate::request_id::HEADER, id);
            response
        };
        if header_bytes(&req) > self.surface.limits.max_headers {
            let answer = error::own(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                Code::ResourceExhausted,
                &format!(
                    "the request headers are over {} bytes",
                    self.surface.limits.max_headers
                ),
                None,
            );
            return Box::pin(async move { Ok(answered(to_body(answer))) });
        }
        match kind(&req) {
            Kind::Grpc => {
                let call = self.grpc.call(req);
                Box::pin(async move { call.await.map(answered) })
            }
            Kind::GrpcWeb => {
                let call = tower::ServiceExt::oneshot(self.web.clone(), req);
                Box::pin(async move { call.await.map(answered) })
            }
            Kind::Other => {
                let surface = self.surface.clone();
                let recording = surface.metrics.clone().map(|metrics| {
                    let labels = metrics.http.start(req.uri().path(), req.method());
                    (metrics, labels, std::time::Instant::now())
                });
                Box::pin(async move {
                    let answer = transcode::call(&surface, req).await;
                    if let Some((metrics, labels, started)) = recording {
                        metrics.http.finish(labels, started, answer.status());
                    }
                    Ok(answered(to_body(answer)))
                })
            }
        }
    }
}

fn to_body(response: Response<Bytes>) -> Response<Body> {
    response.map(|b| Body::new(Full::new(b)))
}

/// The size of a request's header block as HTTP/2 counts it.
fn header_bytes<B>(req: &Request<B>) -> usize {
    req.headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 32)
        .sum()
}
