//! `--metrics-listen`: Prometheus's text at `GET /metrics` on a listener of
//! its own (bounded like the others), served from the start, whether or
//! not the store is open yet.
//!
//! What it shows: the per-call instruments of [`crate::metrics::Calls`]
//! (registered here), the open connections of each listener, and, read at
//! each scrape from the [`State`] (so nothing is recorded for them between
//! scrapes): calls in flight, authentication failures and cache use, store
//! commits and the PostgreSQL pool's use.

use std::{convert::Infallible, sync::Arc, time::Duration};

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric},
    metrics::{family::Family, gauge::ConstGauge, gauge::Gauge, MetricType},
    registry::Registry,
};
use prost_reflect::DescriptorPool;
use tokio_stream::StreamExt;

use super::{Incoming, ServeError, MAX_HEADER_LIST_BYTES, SERVICE_NAME};
use crate::api::State;
use crate::gateway::{served_paths, Routes};
use crate::metrics::{AuthFailure, CacheCounters, Calls, Grpc, Http, MethodLabels};
use crate::pb;

/// The content type of the text `prometheus-client` writes.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A listener's label on the open-connections gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ListenerLabels {
    /// `main`, `http` or `metrics`.
    listener: &'static str,
}

/// The per-call instruments for every method and route roster serves.
pub(super) fn calls() -> Result<Calls, ServeError> {
    let mut methods = Vec::new();
    for descriptors in [
        pb::FILE_DESCRIPTOR_SET,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
    ] {
        let pool =
            DescriptorPool::decode(descriptors).map_err(crate::gateway::RoutesError::from)?;
        methods.extend(pool.services().flat_map(|service| {
            service
                .methods()
                .map(|m| {
                    let labels = MethodLabels {
                        grpc_type: match (m.is_client_streaming(), m.is_server_streaming()) {
                            (false, false) => "unary",
                            (true, false) => "client_stream",
                            (false, true) => "server_stream",
                            (true, true) => "bidi_stream",
                        },
                        grpc_service: leak(service.full_name()),
                        grpc_method: leak(m.name()),
                    };
                    (format!("/{}/{}", service.full_name(), m.name()), labels)
                })
                .collect::<Vec<_>>()
        }));
    }
    let routes = Routes::from_descriptors(pb::FILE_DESCRIPTOR_SET, SERVICE_NAME)?;
    Ok(Calls {
        grpc: Grpc::new(methods),
        http: Http::new(served_paths(&routes)),
    })
}

/// A label value for the life of the process (a bounded set: the names of
/// the served methods, once per server).
fn leak(name: &str) -> &'static str {
    Box::leak(name.to_owned().into_boxed_str())
}

/// Everything `/metrics` shows.
pub(super) struct Exporter {
    registry: Registry,
    connections: Family<ListenerLabels, Gauge>,
}

impl Exporter {
    /// The registry of `calls` and of what `state` shows at each scrape.
    pub(super) fn new(calls: &Calls, state: Arc<State>) -> Self {
        let mut registry = Registry::default();
        let grpc = &calls.grpc;
        registry.register(
            "grpc_server_started",
            "RPCs started on the server.",
            grpc.started.clone(),
        );
        registry.register(
            "grpc_server_handled",
            "RPCs completed on the server, regardless of success or failure.",
            grpc.handled.clone(),
        );
        registry.register(
            "grpc_server_handling_seconds",
            "Response latency (seconds) of gRPC that had been application-level handled by the server.",
            grpc.handling_seconds.clone(),
        );
        registry.register(
            "grpc_server_msg_received",
            "RPC stream messages received on the server.",
            grpc.msg_received.clone(),
        );
        registry.register(
            "grpc_server_msg_sent",
            "gRPC stream messages sent by the server.",
            grpc.msg_sent.clone(),
        );
        let http = &calls.http;
        registry.register(
            "http_server_requests_started",
            "HTTP requests of the JSON surface started, by route and method.",
            http.started.clone(),
        );
        registry.register(
            "http_server_requests",
            "HTTP requests of the JSON surface answered, by route, method and status code.",
            http.handled.clone(),
        );
        registry.register(
            "http_server_request_duration_seconds",
            "Time (seconds) from a JSON surface request's headers to its answer.",
            http.duration_seconds.clone(),
        );
        let connections = Family::<ListenerLabels, Gauge>::default();
        registry.register(
            "roster_connections_open",
            "Connections open now, by listener.",
            connections.clone(),
        );
        registry.register_collector(Box::new(Scraped { state }));
        Exporter {
            registry,
            connections,
        }
    }

    /// The gauge counting the open connections of `listener`.
    pub(super) fn connections(&self, listener: &'static str) -> Gauge {
        self.connections
            .get_or_create(&ListenerLabels { listener })
            .clone()
    }
}

/// What is read from the state at each scrape.
struct Scraped {
    state: Arc<State>,
}

impl std::fmt::Debug for Scraped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scraped")
    }
}

impl Collector for Scraped {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let in_flight = ConstGauge::new(self.state.calls_in_flight() as i64);
        in_flight.encode(encoder.encode_descriptor(
            "roster_calls_in_flight",
            "UserService calls (gRPC, gRPC-Web and JSON) running now.",
            None,
            in_flight.metric_type(),
        )?)?;
        let directory = self
            .state
            .directory
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        // Before the store is open there is nothing more to show.
        let Some(directory) = directory else {
            return Ok(());
        };
        let auth = directory.auth_stats();
        let mut failures = encoder.encode_descriptor(
            "roster_auth_failures",
            "Requests refused UNAUTHENTICATED, by reason.",
            None,
            MetricType::Counter,
        )?;
        for (reason, counter) in AuthFailure::ALL.iter().zip(&auth.failures) {
            counter.encode(failures.encode_family(&[("reason", reason.label())])?)?;
        }
        let caches = [
            ("keys", &auth.key_cache),
            ("impersonations", &auth.impersonation_cache),
        ];
        cache_counters(&mut encoder, &caches, "hits", |c| &c.hits)?;
        cache_counters(&mut encoder, &caches, "misses", |c| &c.misses)?;
        let store = directory.store();
        let stats = store.stats();
        stats.commit_changes.encode(encoder.encode_descriptor(
            "roster_store_commit_changes",
            "Changes made durable by one store commit (the embedded store groups them).",
            None,
            MetricType::Histogram,
        )?)?;
        stats.sync_seconds.encode(encoder.encode_descriptor(
            "roster_store_sync_seconds",
            "Time (seconds) to make one store commit durable (fdatasync, or PostgreSQL's COMMIT).",
            None,
            MetricType::Histogram,
        )?)?;
        if let Some(pool) = store.pool() {
            let gauges = [
                (
                    "roster_store_pool_max",
                    "Most connections of the PostgreSQL pool.",
                    pool.max,
                ),
                (
                    "roster_store_pool_open",
                    "Connections the PostgreSQL pool holds open now.",
                    pool.open,
                ),
                (
                    "roster_store_pool_idle",
                    "Open PostgreSQL pool connections not in use.",
                    pool.idle,
                ),
                (
                    "roster_store_pool_waiting",
                    "Calls waiting for a PostgreSQL pool connection.",
                    pool.waiting,
                ),
            ];
            for (name, help, value) in gauges {
                let gauge = ConstGauge::new(value as i64);
                gauge.encode(encoder.encode_descriptor(name, help, None, MetricType::Gauge)?)?;
            }
        }
        Ok(())
    }
}

/// One counter of both authentication caches, labelled by cache.
fn cache_counters(
    encoder: &mut DescriptorEncoder,
    caches: &[(&'static str, &CacheCounters)],
    what: &str,
    counter: fn(&CacheCounters) -> &prometheus_client::metrics::counter::Counter,
) -> Result<(), std::fmt::Error> {
    let name = format!("roster_auth_cache_{what}");
    let help = format!("Authentication cache lookups that {what}, by cache.");
    let mut family = encoder.encode_descriptor(&name, &help, None, MetricType::Counter)?;
    for (cache, counters) in caches {
        counter(counters).encode(family.encode_family(&[("cache", *cache)])?)?;
    }
    Ok(())
}

/// The `/metrics` server's task, stopped when dropped (when `run` returns).
pub(super) struct Serving(tokio::task::JoinHandle<()>);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts serving `exporter` on `incoming` (see [`serve`]).
pub(super) fn spawn(
    exporter: Arc<Exporter>,
    incoming: Incoming,
    handshake_timeout: Duration,
) -> Serving {
    Serving(tokio::spawn(serve(exporter, incoming, handshake_timeout)))
}

/// Serves `GET /metrics` on `incoming`'s connections (HTTP/1.1; headers
/// within `handshake_timeout` and [`MAX_HEADER_LIST_BYTES`]) until
/// dropped, which closes them all.
async fn serve(exporter: Arc<Exporter>, mut incoming: Incoming, handshake_timeout: Duration) {
    let mut connections = tokio::task::JoinSet::new();
    while let Some(accepted) = incoming.next().await {
        while connections.try_join_next().is_some() {}
        let conn = match accepted {
            Ok(conn) => conn,
            Err(e) => {
                tracing::debug!(error = %e, "metrics listener: accept failed");
                continue;
            }
        };
        let exporter = exporter.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let answer = answer(&exporter.registry, &req);
                async move { Ok::<_, Infallible>(answer) }
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(handshake_timeout)
                .max_buf_size(MAX_HEADER_LIST_BYTES as usize)
                .serve_connection(TokioIo::new(conn), service)
                .await;
            if let Err(e) = served {
                tracing::debug!(error = %e, "metrics connection failed");
            }
        });
    }
}

/// The answer to one request: the metrics at `GET /metrics`, 405 for
/// another method there, 404 anywhere else.
fn answer<B>(registry: &Registry, req: &Request<B>) -> Response<Full<Bytes>> {
    let plain = |status: StatusCode, text: &'static str| {
        let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    };
    if req.uri().path() != "/metrics" {
        return plain(
            StatusCode::NOT_FOUND,
            "not found: metrics are at /metrics\n",
        );
    }
    if req.method() != Method::GET {
        let mut response = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "/metrics accepts GET only\n",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET"));
        return response;
    }
    let mut text = String::new();
    if prometheus_client::encoding::text::encode(&mut text, registry).is_err() {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the metrics could not be encoded\n",
        );
    }
    let mut response = Response::new(Full::new(Bytes::from(text)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(OPENMETRICS),
    );
    response
}
