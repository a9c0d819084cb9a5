//! Traces: roster, run as a process with `OTEL_EXPORTER_OTLP_ENDPOINT`,
//! exports one span per call to a real OTLP/gRPC receiver (the
//! TraceService of the official opentelemetry-proto definitions, served
//! here over a socket): the caller's trace id and parent span from
//! `traceparent`, on gRPC and on the JSON surface, the RPC attributes, and
//! the same trace id in the call's log line. A receiver that is down or
//! never answers fails no call.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{web, ServerProcess};
use opentelemetry_proto::tonic::collector::trace::v1::{
    trace_service_server::{TraceService, TraceServiceServer},
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value::Value as Any, KeyValue};
use opentelemetry_proto::tonic::trace::v1::{span::SpanKind, status::StatusCode, Span};
use roster::pb::{self, user_service_client::UserServiceClient};
use serde_json::{json, Value};
use tonic::{Request, Response, Status};

const ADMIN_KEY: &str = "traces-test-key-0123456789abcdef";

/// An OTLP trace receiver keeping every span it gets; with `stall`, it
/// never answers an export.
#[derive(Clone, Default)]
struct Receiver {
    spans: Arc<Mutex<Vec<Span>>>,
    stall: bool,
}

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        if self.stall {
            std::future::pending::<()>().await;
        }
        let spans = request
            .into_inner()
            .resource_spans
            .into_iter()
            .flat_map(|r| r.scope_spans)
            .flat_map(|s| s.spans);
        self.spans.lock().unwrap().extend(spans);
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

impl Receiver {
    /// Serves on 127.0.0.1:0; answers its endpoint URL.
    async fn start(self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(TraceServiceServer::new(self))
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        format!("http://{addr}")
    }

    /// The span of trace `trace_id` (hex), waiting for it.
    async fn span(&self, trace_id: &str) -> Span {
        for _ in 0..1000 {
            let found = self
                .spans
                .lock()
                .unwrap()
                .iter()
                .find(|s| hex(&s.trace_id) == trace_id)
                .cloned();
            if let Some(span) = found {
                return span;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "no span of trace {trace_id}: {:#?}",
            self.spans.lock().unwrap()
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A span's attributes, as strings or integers.
fn attributes(span: &Span) -> HashMap<String, Value> {
    let value = |kv: &KeyValue| match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Any::StringValue(s)) => json!(s),
        Some(Any::IntValue(i)) => json!(i),
        other => panic!("unexpected attribute value {other:?}"),
    };
    span.attributes
        .iter()
        .map(|kv| (kv.key.clone(), value(kv)))
        .collect()
}

/// GetInfo over gRPC with a request id and, if given, a `traceparent`.
async fn get_info(
    server: &ServerProcess,
    id: &str,
    traceparent: Option<&str>,
) -> Result<Response<pb::GetUserInfoResponse>, Status> {
    let mut req = Request::new(pb::GetUserInfoRequest {});
    let metadata = req.metadata_mut();
    metadata.insert(
        "authorization",
        format!("Bearer {ADMIN_KEY}").parse().unwrap(),
    );
    metadata.insert("x-request-id", id.parse().unwrap());
    if let Some(traceparent) = traceparent {
        metadata.insert("traceparent", traceparent.parse().unwrap());
    }
    UserServiceClient::new(server.channel()).get_info(req).await
}

fn spawn(data_dir: &std::path::Path, endpoint: &str, extra_env: &[(&str, &str)]) -> ServerProcess {
    let mut envs = vec![
        ("ROSTER_BOOTSTRAP_KEY", ADMIN_KEY),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
    ];
    envs.extend_from_slice(extra_env);
    ServerProcess::spawn(data_dir, &envs, &["--shutdown-grace", "2s"])
}

#[tokio::test]
async fn spans_reach_an_otlp_receiver_with_the_callers_trace() {
    let receiver = Receiver::default();
    let endpoint = receiver.clone().start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let server = spawn(data_dir.path(), &endpoint, &[]);
    common::wait_serving(server.channel()).await;

    // gRPC, child of the caller's span.
    let grpc_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let grpc_parent = "00f067aa0ba902b7";
    let traceparent = format!("00-{grpc_trace}-{grpc_parent}-01");
    get_info(&server, "trace-grpc", Some(&traceparent))
        .await
        .unwrap();
    let span = receiver.span(grpc_trace).await;
    assert_eq!(hex(&span.parent_span_id), grpc_parent);
    assert_eq!(span.name, "roster.v1.UserService/GetInfo");
    assert_eq!(span.kind, SpanKind::Server as i32);
    let attrs = attributes(&span);
    assert_eq!(attrs["rpc.system"], "grpc");
    assert_eq!(attrs["rpc.service"], "roster.v1.UserService");
    assert_eq!(attrs["rpc.method"], "GetInfo");
    assert_eq!(attrs["rpc.grpc.status_code"], 0);
    assert_eq!(attrs["network.peer.address"], "127.0.0.1");
    assert_eq!(attrs["roster.request_id"], "trace-grpc");
    assert_eq!(
        span.status.as_ref().map_or(0, |s| s.code),
        StatusCode::Unset as i32
    );
    let logged = server.rpc_event("trace-grpc").await;
    assert_eq!(logged["trace_id"], grpc_trace);
    assert_eq!(logged["span_id"], hex(&span.span_id));

    // JSON, the headers of an HTTP request; refused (no key): the status
    // code is the gRPC one, and a client's fault is no span error.
    let json_trace = "0af7651916cd43dd8448eb211c80319c";
    let json_parent = "b7ad6b7169203331";
    let traceparent = format!("00-{json_trace}-{json_parent}-01");
    let answer = web::post_with(
        server.addr,
        "/api/get-user-info",
        &[
            ("traceparent", &traceparent),
            ("tracestate", "vendor=opaque"),
            ("x-request-id", "trace-json"),
        ],
        &json!({}),
    )
    .await;
    assert_eq!(answer.status, 401);
    let span = receiver.span(json_trace).await;
    assert_eq!(hex(&span.parent_span_id), json_parent);
    assert_eq!(span.trace_state, "vendor=opaque");
    assert_eq!(span.name, "roster.v1.UserService/GetInfo");
    assert_eq!(span.kind, SpanKind::Server as i32);
    let attrs = attributes(&span);
    assert_eq!(attrs["rpc.system"], "grpc");
    assert_eq!(attrs["rpc.service"], "roster.v1.UserService");
    assert_eq!(attrs["rpc.method"], "GetInfo");
    assert_eq!(attrs["rpc.grpc.status_code"], 16);
    assert_eq!(
        span.status.as_ref().map_or(0, |s| s.code),
        StatusCode::Unset as i32
    );
    let logged = server.rpc_event("trace-json").await;
    assert_eq!(logged["trace_id"], json_trace);
    assert_eq!(logged["code"], "Unauthenticated");

    // Expired on arrival: the layer answers, with no span, but its log
    // line names the caller's trace.
    let expired_trace = "11112222333344445555666677778888";
    let headers = [
        ("x-request-id", "trace-expired".to_owned()),
        ("grpc-timeout", "1n".to_owned()),
        (
            "traceparent",
            format!("00-{expired_trace}-{grpc_parent}-01"),
        ),
    ];
    let answer =
        common::raw_call(server.addr, "GetInfo", &headers, &pb::GetUserInfoRequest {}).await;
    assert_eq!(answer.code, tonic::Code::DeadlineExceeded);
    let logged = server.rpc_event("trace-expired").await;
    assert_eq!(logged["code"], "DeadlineExceeded");
    assert_eq!(logged["trace_id"], expired_trace);

    // No traceparent: a new root, the same in the span and the log line.
    get_info(&server, "trace-root", None).await.unwrap();
    let logged = server.rpc_event("trace-root").await;
    let root = logged["trace_id"].as_str().unwrap().to_owned();
    assert_eq!(root.len(), 32);
    assert_ne!(root, "0".repeat(32));
    assert_ne!(root, grpc_trace);
    let span = receiver.span(&root).await;
    assert!(span.parent_span_id.is_empty(), "{span:?}");
    assert_eq!(hex(&span.span_id), logged["span_id"]);
    assert_eq!(attrs_method(&span), "GetInfo");
}

fn attrs_method(span: &Span) -> Value {
    attributes(span)["rpc.method"].clone()
}

/// Calls against an exporter that cannot export: all answered OK, and
/// roster still stops cleanly within its grace.
async fn calls_unharmed(endpoint: &str, extra_env: &[(&str, &str)]) {
    let data_dir = tempfile::tempdir().unwrap();
    let mut server = spawn(data_dir.path(), endpoint, extra_env);
    common::wait_serving(server.channel()).await;
    for i in 0..200 {
        let id = format!("unharmed-{i}");
        let answer = get_info(&server, &id, None).await;
        assert_eq!(answer.map(|_| ()).map_err(|s| s.code()), Ok(()), "{id}");
    }
    let logged = server.rpc_event("unharmed-199").await;
    assert_eq!(logged["trace_id"].as_str().unwrap().len(), 32);
    server.signal("-TERM");
    let status = wait_exit(&mut server.child);
    assert_eq!(status.code(), Some(0), "{:#?}", server.log_lines());
}

/// Waits for the process to exit (a hang fails the test after a minute).
fn wait_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    for _ in 0..600 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("roster did not stop");
}

#[tokio::test]
async fn a_receiver_that_is_down_fails_no_call() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    calls_unharmed(&endpoint, &[]).await;
}

#[tokio::test]
async fn a_receiver_that_never_answers_fails_no_call() {
    let receiver = Receiver {
        stall: true,
        ..Receiver::default()
    };
    let endpoint = receiver.start().await;
    // A queue of 8 spans: most of the calls' spans are dropped.
    calls_unharmed(
        &endpoint,
        &[
            ("OTEL_BSP_MAX_QUEUE_SIZE", "8"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4"),
        ],
    )
    .await;
}

#[tokio::test]
async fn another_protocol_is_refused_at_start() {
    let data_dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir.path())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("OTEL_EXPORTER_OTLP_PROTOCOL=\"http/protobuf\""),
        "{stderr}"
    );
}
