//! The services roster serves and the transport limits around them:
//! UserService, health, reflection; gRPC-Web and the JSON surface
//! (`gateway`) with CORS; the per-call layer; streams, keepalive, header
//! size, connection age; and the bounded listeners.

use http::{HeaderName, HeaderValue, Method};
use tokio::net::TcpListener;
use tonic::transport::{
    server::{Router, TcpIncoming},
    Server,
};
use tower::{
    layer::util::{Identity, Stack},
    util::{option_layer, Either},
};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::{ServeError, MAX_HEADER_LIST_BYTES, MAX_MESSAGE_BYTES, SERVICE_NAME};
use crate::api::{Api, CallLayer, State};
use crate::config::ServeArgs;
use crate::conn::Limited;
use crate::gateway::{Limits, Routes, Surface, SurfaceLayer};
use crate::pb::{self, user_service_server::UserServiceServer};

/// The layers in front of the services, outermost first: CORS (when
/// origins are allowed), the HTTP surface (gRPC-Web and JSON beside gRPC),
/// the per-call layer.
pub(super) type Layers =
    Stack<CallLayer, Stack<SurfaceLayer, Stack<Either<CorsLayer, Identity>, Identity>>>;

/// The router of every service, with the limits of `cfg`: one for each
/// listener (they share `state`, `surface` and `health`).
pub(super) fn router(
    cfg: &ServeArgs,
    state: std::sync::Arc<State>,
    surface: std::sync::Arc<Surface>,
    health: tonic_health::pb::health_server::HealthServer<
        impl tonic_health::pb::health_server::Health,
    >,
) -> Result<Router<Layers>, ServeError> {
    let users = UserServiceServer::new(Api::new(state.clone()))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    Ok(Server::builder()
        // HTTP/1.1 for gRPC-Web and JSON clients; gRPC itself needs HTTP/2.
        .accept_http1(true)
        .layer(option_layer(cors(&cfg.cors_allow_origin)?))
        .layer(SurfaceLayer(surface))
        .layer(CallLayer {
            max: cfg.max_call_time,
            metrics: state.calls.clone(),
        })
        .max_concurrent_streams(cfg.max_streams_per_connection)
        .concurrency_limit_per_connection(cfg.max_streams_per_connection as usize)
        .http2_keepalive_interval(Some(cfg.keepalive))
        .http2_keepalive_timeout(Some(std::time::Duration::from_secs(20)))
        .http2_max_header_list_size(MAX_HEADER_LIST_BYTES)
        .http2_max_pending_accept_reset_streams(Some(64))
        .max_connection_age(cfg.max_connection_age)
        .max_connection_age_grace(cfg.shutdown_grace)
        .add_service(health)
        .add_service(reflection().build_v1()?)
        .add_service(reflection().build_v1alpha()?)
        .add_service(users))
}

/// The HTTP surface: its routes (from the proto's annotations), limits, and
/// the handlers it calls.
pub(super) fn surface(
    cfg: &ServeArgs,
    state: std::sync::Arc<State>,
) -> Result<Surface, ServeError> {
    let routes = Routes::from_descriptors(pb::FILE_DESCRIPTOR_SET, SERVICE_NAME)?;
    Ok(Surface::new(
        routes,
        Limits {
            max_body: MAX_MESSAGE_BYTES,
            max_headers: MAX_HEADER_LIST_BYTES as usize,
            max_call_time: cfg.max_call_time,
        },
        std::sync::Arc::new(Api::new(state)),
    ))
}

/// CORS for browsers on the listed origins (exact matches; credentials
/// allowed, since only listed origins are); none when no origin is listed.
fn cors(origins: &[String]) -> Result<Option<CorsLayer>, ServeError> {
    if origins.is_empty() {
        return Ok(None);
    }
    let origins = origins
        .iter()
        .map(|o| HeaderValue::from_str(o).map_err(|_| ServeError::Cors(o.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let names = |names: &[&'static str]| {
        names
            .iter()
            .map(|n| HeaderName::from_static(n))
            .collect::<Vec<_>>()
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_credentials(true)
            .allow_methods([Method::POST, Method::GET, Method::OPTIONS])
            .allow_headers(names(&[
                "authorization",
                "content-type",
                "grpc-timeout",
                "x-grpc-web",
                "x-user-agent",
                "x-request-id",
                "x-roster-impersonate-user",
                "x-waii-impersonate-user",
                "connect-protocol-version",
                "connect-timeout-ms",
                "traceparent",
                "tracestate",
            ]))
            .expose_headers(names(&[
                "grpc-status",
                "grpc-message",
                "grpc-status-details-bin",
                "x-request-id",
            ]))
            .max_age(std::time::Duration::from_secs(3600)),
    ))
}

/// The listener's connections, bounded in number and in how long each may
/// take to say hello; TLS connections when `tls` is given.
pub(super) fn incoming(
    cfg: &ServeArgs,
    listener: TcpListener,
    tls: Option<std::sync::Arc<crate::tls::Tls>>,
) -> Limited<TcpIncoming> {
    let incoming = TcpIncoming::from(listener)
        .with_nodelay(Some(true))
        .with_keepalive(Some(cfg.keepalive));
    Limited::new(
        incoming,
        cfg.max_connections as usize,
        cfg.handshake_timeout,
        tls,
    )
}
