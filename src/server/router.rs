//! The gRPC services roster serves and the transport limits around them:
//! UserService, health, reflection; the per-call layer; streams, keepalive,
//! header size, connection age; and the bounded listener.

use tokio::net::TcpListener;
use tonic::transport::{
    server::{Router, TcpIncoming},
    Server,
};

use super::{ServeError, MAX_HEADER_LIST_BYTES, MAX_MESSAGE_BYTES};
use crate::api::{Api, CallLayer, State};
use crate::config::ServeArgs;
use crate::conn::Limited;
use crate::pb::{self, user_service_server::UserServiceServer};

/// The router of every service, with the limits of `cfg`.
pub(super) fn router(
    cfg: &ServeArgs,
    state: std::sync::Arc<State>,
    health: tonic_health::pb::health_server::HealthServer<
        impl tonic_health::pb::health_server::Health,
    >,
) -> Result<Router<tower::layer::util::Stack<CallLayer, tower::layer::util::Identity>>, ServeError>
{
    let users = UserServiceServer::new(Api::new(state))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    Ok(Server::builder()
        .layer(CallLayer {
            max: cfg.max_call_time,
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

/// The listener's connections, bounded in number and in how long each may
/// take to say hello.
pub(super) fn incoming(cfg: &ServeArgs, listener: TcpListener) -> Limited<TcpIncoming> {
    let incoming = TcpIncoming::from(listener)
        .with_nodelay(Some(true))
        .with_keepalive(Some(cfg.keepalive));
    Limited::new(
        incoming,
        cfg.max_connections as usize,
        cfg.handshake_timeout,
    )
}
