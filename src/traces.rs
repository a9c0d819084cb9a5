//! Traces: every UserService call has a W3C Trace Context, the caller's
//! (`traceparent`/`tracestate` from the request's headers or metadata,
//! whatever the surface) or a new root; its trace and span ids are in the
//! call's log lines. With `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, each call is also an
//! OpenTelemetry span (kind SERVER, the RPC semantic-convention
//! attributes) exported over OTLP/gRPC by a batch processor: spans queue
//! in a bounded channel, a full queue drops them, and a call never waits
//! for the exporter.
//!
//! Off (the default), a call costs a parse of its `traceparent`, or two
//! random numbers when it has none (then no span, no context, no
//! allocation).
//! The spans are made here directly with the OpenTelemetry SDK, not
//! through `tracing` spans (ARCHITECTURE.md says why).

use std::cell::Cell;
use std::net::SocketAddr;
use std::time::Duration;

use http::HeaderMap;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceId, Tracer as _,
    TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, IdGenerator, RandomIdGenerator, SdkTracer, SdkTracerProvider, Span,
};
use opentelemetry_sdk::Resource;

/// The service every span names (`rpc.service`).
pub const SERVICE: &str = "roster.v1.UserService";

/// The header that carries the caller's trace context.
const TRACEPARENT: &str = "traceparent";

/// Why the export settings are unusable (exit status 2 at start).
#[derive(Debug, thiserror::Error)]
pub enum TracesError {
    #[error(
        "{0}={1:?}: roster exports traces over OTLP/gRPC only; set it to \"grpc\" or unset it"
    )]
    Protocol(&'static str, String),
    #[error("OTEL_EXPORTER_OTLP_ENDPOINT: cannot set up the OTLP exporter: {0}")]
    Exporter(String),
}

/// The process's tracing: the exporter's provider when the environment
/// asks for export, else nothing.
pub struct Traces {
    provider: Option<SdkTracerProvider>,
}

impl Traces {
    /// Export as the standard `OTEL_*` variables say: off unless an OTLP
    /// endpoint is set. Builds the exporter, so call it inside the tokio
    /// runtime (the gRPC channel runs on it).
    pub fn from_env() -> Result<Self, TracesError> {
        Self::from_vars(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// [`Traces::from_env`] with the variables read through `var`.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, TracesError> {
        let endpoint = [
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ];
        if endpoint.iter().all(|name| var(name).is_none()) {
            return Ok(Traces { provider: None });
        }
        for name in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            if let Some(protocol) = var(name).filter(|p| p != "grpc") {
                return Err(TracesError::Protocol(name, protocol));
            }
        }
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .build()
            .map_err(|e| TracesError::Exporter(e.to_string()))?;
        // The queue's size, the batch's and the delay come from the
        // OTEL_BSP_* variables.
        let processor = BatchSpanProcessor::builder(exporter).build();
        let mut resource = Resource::builder();
        if var("OTEL_SERVICE_NAME").is_none() {
            resource = resource.with_service_name("roster");
        }
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_resource(resource.build())
            .build();
        Ok(Traces {
            provider: Some(provider),
        })
    }

    /// The tracer the calls start their spans with; None when not
    /// exporting.
    pub fn tracer(&self) -> Option<SdkTracer> {
        self.provider.as_ref().map(|p| p.tracer("roster"))
    }

    /// Exports what is queued and stops the exporter, waiting `within` at
    /// most (what is left of the shutdown grace).
    pub async fn shutdown(self, within: Duration) {
        let Some(provider) = self.provider else {
            return;
        };
        // The SDK's shutdown blocks its thread until the last export ends.
        let within = within.max(Duration::from_millis(100));
        let _ = tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(within)).await;
    }
}

/// A call's place in its trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids {
    /// The trace: the caller's, or new.
    pub trace_id: TraceId,
    /// The call's own span.
    pub span_id: SpanId,
}

/// A call's ids in lowercase hex, as log lines show them: made without
/// the formatting machinery (the log event is written on every call).
#[derive(Clone, Copy, Debug)]
pub struct HexIds {
    trace: [u8; 32],
    span: [u8; 16],
}

impl HexIds {
    /// The trace id, 32 hex digits.
    pub fn trace_id(&self) -> &str {
        std::str::from_utf8(&self.trace).unwrap_or_default()
    }

    /// The span id, 16 hex digits.
    pub fn span_id(&self) -> &str {
        std::str::from_utf8(&self.span).unwrap_or_default()
    }
}

/// Writes `bytes` as lowercase hex into `out` (twice as long).
fn hex_into(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (byte, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0xf)];
    }
}

impl Ids {
    /// The ids in hex (what `Display` shows, and W3C's `traceparent`).
    pub fn hex(&self) -> HexIds {
        let mut hex = HexIds {
            trace: [0; 32],
            span: [0; 16],
        };
        hex_into(&self.trace_id.to_bytes(), &mut hex.trace);
        hex_into(&self.span_id.to_bytes(), &mut hex.span);
        hex
    }

    /// Ids without a span: the caller's trace (`parent`) or a new one, and
    /// a new span id.
    fn new(parent: Option<&Context>) -> Self {
        let caller = parent
            .map(|cx| cx.span().span_context().trace_id())
            .filter(|id| *id != TraceId::INVALID);
        let ids = RandomIdGenerator::default();
        Ids {
            trace_id: caller.unwrap_or_else(|| ids.new_trace_id()),
            span_id: ids.new_span_id(),
        }
    }

    /// The ids of a call answered without a span (the deadline layer's
    /// own DEADLINE_EXCEEDED), from its `traceparent` if it sent one.
    pub fn unspanned(traceparent: Option<&http::HeaderValue>) -> Self {
        let parent = traceparent.map(|value| {
            let mut headers = HeaderMap::new();
            headers.insert(TRACEPARENT, value.clone());
            TraceContextPropagator::new().extract(&Headers(&headers))
        });
        Ids::new(parent.as_ref())
    }
}

/// One call's span: its ids always, the exported span when exporting.
pub struct CallSpan {
    ids: Ids,
    span: Option<Span>,
}

/// What a call's span says of it, known when it begins.
pub struct CallInfo<'a> {
    /// The method (`GetInfo`).
    pub method: &'static str,
    /// The client's address, when the transport knows it.
    pub peer: Option<SocketAddr>,
    /// The call's `x-request-id`.
    pub request_id: Option<&'a str>,
}

impl CallSpan {
    /// Starts the span of a call whose request carried `headers`: a child
    /// of the caller's span when `traceparent` is valid, else a new root.
    pub fn begin(tracer: Option<&SdkTracer>, headers: &HeaderMap, info: CallInfo<'_>) -> Self {
        let parent = headers
            .contains_key(TRACEPARENT)
            .then(|| TraceContextPropagator::new().extract(&Headers(headers)));
        match tracer {
            Some(tracer) => Self::exported(tracer, parent.unwrap_or_default(), info),
            None => CallSpan {
                ids: Ids::new(parent.as_ref()),
                span: None,
            },
        }
    }

    /// A span started with the SDK (its sampler decides whether it is
    /// recorded: the caller's sampled flag, by default).
    fn exported(tracer: &SdkTracer, parent: Context, info: CallInfo<'_>) -> Self {
        let mut attributes = vec![
            KeyValue::new("rpc.system", "grpc"),
            KeyValue::new("rpc.service", SERVICE),
            KeyValue::new("rpc.method", info.method),
        ];
        if let Some(peer) = info.peer {
            attributes.push(KeyValue::new("network.peer.address", peer.ip().to_string()));
            attributes.push(KeyValue::new("network.peer.port", i64::from(peer.port())));
        }
        if let Some(id) = info.request_id {
            attributes.push(KeyValue::new("roster.request_id", id.to_owned()));
        }
        let span = tracer
            .span_builder(format!("{SERVICE}/{}", info.method))
            .with_kind(SpanKind::Server)
            .with_attributes(attributes)
            .start_with_context(tracer, &parent);
        let context: &SpanContext = span.span_context();
        CallSpan {
            ids: Ids {
                trace_id: context.trace_id(),
                span_id: context.span_id(),
            },
            span: Some(span),
        }
    }

    /// The call's ids, for its log lines.
    pub fn ids(&self) -> Ids {
        self.ids
    }

    /// Ends the span with the call's status code.
    pub fn end(&mut self, code: tonic::Code) {
        let Some(mut span) = self.span.take() else {
            return;
        };
        span.set_attribute(KeyValue::new("rpc.grpc.status_code", code as i64));
        if server_fault(code) {
            span.set_status(Status::error(code.description()));
        }
        span.end();
    }
}

/// Whether a server's span with this status is an error, as the
/// OpenTelemetry RPC conventions for gRPC say.
fn server_fault(code: tonic::Code) -> bool {
    use tonic::Code::*;
    matches!(
        code,
        Unknown | DeadlineExceeded | Unimplemented | Internal | Unavailable | DataLoss
    )
}

/// A request's headers as the propagator reads them.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

thread_local! {
    static CURRENT: Cell<Option<Ids>> = const { Cell::new(None) };
}

/// Runs `f` as part of the call `ids`: what it logs through [`current`]
/// names the call's trace.
pub fn within<R>(ids: Ids, f: impl FnOnce() -> R) -> R {
    let outer = CURRENT.with(|c| c.replace(Some(ids)));
    let result = f();
    CURRENT.with(|c| c.set(outer));
    result
}

/// The ids of the call running [`within`] on this thread, if any.
pub fn current() -> Option<Ids> {
    CURRENT.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(traceparent: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(TRACEPARENT, traceparent.parse().unwrap());
        headers
    }

    fn info() -> CallInfo<'static> {
        CallInfo {
            method: "GetInfo",
            peer: None,
            request_id: None,
        }
    }

    #[test]
    fn the_callers_trace_is_kept_and_a_bad_one_replaced() {
        let good = headers("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        let span = CallSpan::begin(None, &good, info());
        assert_eq!(
            span.ids().trace_id.to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_ne!(span.ids().span_id.to_string(), "00f067aa0ba902b7");
        let hex = span.ids().hex();
        assert_eq!(hex.trace_id(), span.ids().trace_id.to_string());
        assert_eq!(hex.span_id(), span.ids().span_id.to_string());
        assert_ne!(span.ids().span_id, SpanId::INVALID);

        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "garbage",
        ] {
            let span = CallSpan::begin(None, &headers(bad), info());
            assert_ne!(span.ids().trace_id, TraceId::INVALID);
            assert_ne!(span.ids().trace_id.to_string(), "0".repeat(32));
        }
        let a = CallSpan::begin(None, &HeaderMap::new(), info());
        let b = CallSpan::begin(None, &HeaderMap::new(), info());
        assert_ne!(a.ids().trace_id, b.ids().trace_id);
    }

    #[test]
    fn export_is_off_without_an_endpoint_and_refuses_other_protocols() {
        assert!(Traces::from_vars(|_| None).unwrap().provider.is_none());
        let vars = |name: &str| match name {
            "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://127.0.0.1:4318".to_owned()),
            "OTEL_EXPORTER_OTLP_PROTOCOL" => Some("http/protobuf".to_owned()),
            _ => None,
        };
        let err = Traces::from_vars(vars).err().unwrap();
        assert_eq!(
            err.to_string(),
            "OTEL_EXPORTER_OTLP_PROTOCOL=\"http/protobuf\": roster exports traces over \
             OTLP/gRPC only; set it to \"grpc\" or unset it"
        );
    }

    #[test]
    fn within_names_the_call_only_while_it_runs() {
        let span = CallSpan::begin(None, &HeaderMap::new(), info());
        assert_eq!(current(), None);
        assert_eq!(within(span.ids(), current), Some(span.ids()));
        assert_eq!(current(), None);
    }

    #[test]
    fn server_faults_are_the_conventions_list() {
        assert!(server_fault(tonic::Code::Internal));
        assert!(server_fault(tonic::Code::Unavailable));
        assert!(!server_fault(tonic::Code::NotFound));
        assert!(!server_fault(tonic::Code::Ok));
        assert!(!server_fault(tonic::Code::PermissionDenied));
    }
}
