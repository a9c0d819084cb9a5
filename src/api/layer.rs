//! A tower layer in front of every gRPC route that does what tonic does not
//! do as the gRPC spec says (docs/platform-notes.md, "tonic: deadlines answer
//! CANCELLED" and "tonic: oversized and undecodable messages"):
//!
//! - It notes each call's deadline when the call arrives: `grpc-timeout`, at
//!   most `--max-call-time`, and answers DEADLINE_EXCEEDED when it passes, a
//!   little before tonic's own timer would answer CANCELLED (tonic polls this
//!   layer before its timer, so at a tie this layer wins). A call that
//!   arrives already expired is answered without running.
//! - It rewrites tonic's OUT_OF_RANGE for an oversized message to the
//!   RESOURCE_EXHAUSTED the gRPC status table prescribes (roster never
//!   answers OUT_OF_RANGE itself).
//! - With `--metrics-listen`, it records each call in go-grpc-prometheus's
//!   metrics: started when it arrives, handled when its status is known (in
//!   the response's headers for a trailers-only answer, else in the body's
//!   trailers, which `Observed` watches for; a body dropped before them
//!   was CANCELLED).

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{ready, Context, Poll},
    time::{Duration, Instant},
};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body::Frame;
use tonic::body::Body;
use tower::{Layer, Service};

use crate::metrics::{Calls, MethodLabels};
use crate::timeout::parse_grpc_timeout;

/// When a call must be answered by. Handlers stop at this instant, which is
/// kept [`MARGIN`] ahead of tonic's own timer so that the handler's
/// DEADLINE_EXCEEDED wins over tonic's CANCELLED.
#[derive(Clone, Copy, Debug)]
pub struct Deadline(pub Instant);

/// How far ahead of the client's deadline the server stops. tokio's timers
/// tick in whole milliseconds, so one tick is enough.
pub const MARGIN: Duration = Duration::from_millis(1);

/// Path prefix of the UserService's methods.
const USER_SERVICE_PATH: &str = "/roster.v1.UserService/";

/// The layer; `max` is the deadline of UserService calls that bring none;
/// `metrics`, when set, records every call.
#[derive(Clone, Debug)]
pub struct CallLayer {
    pub max: Duration,
    pub metrics: Option<Arc<Calls>>,
}

impl<S> Layer<S> for CallLayer {
    type Service = CallService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallService {
            inner,
            max: self.max,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service of [`CallLayer`].
#[derive(Clone, Debug)]
pub struct CallService<S> {
    inner: S,
    max: Duration,
    metrics: Option<Arc<Calls>>,
}

impl<S, B> Service<Request<B>> for CallService<S>
where
    S: Service<Request<B>, Response = Response<tonic::body::Body>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let Some(metrics) = self.metrics.clone() else {
            return self.answer(req);
        };
        let arrived = Instant::now();
        let method = metrics.grpc.method(req.uri().path()).clone();
        metrics.grpc.start(&method);
        let answer = self.answer(req);
        Box::pin(async move {
            let response = answer.await?;
            let recording = Recording {
                metrics,
                method,
                arrived,
                sent: 0,
            };
            Ok(recording.observe(response))
        })
    }
}

impl<S> CallService<S> {
    /// The answer to `req`, under its deadline.
    fn answer<B>(&mut self, mut req: Request<B>) -> Answer<S::Error>
    where
        S: Service<Request<B>, Response = Response<Body>>,
        S::Future: Send + 'static,
    {
        let arrived = Instant::now();
        let requested = req
            .headers()
            .get("grpc-timeout")
            .and_then(parse_grpc_timeout);
        // The server maximum applies to roster's own (unary) calls, not to
        // health's and reflection's streams.
        let timeout = if req.uri().path().starts_with(USER_SERVICE_PATH) {
            Some(requested.map_or(self.max, |t| t.min(self.max)))
        } else {
            requested
        };
        let Some(timeout) = timeout else {
            let future = self.inner.call(req);
            return Box::pin(async move { future.await.map(rewrite_out_of_range) });
        };
        let deadline = deadline(arrived, timeout);
        req.extensions_mut().insert(Deadline(deadline));
        let call = Expiry {
            method: method_name(req.uri().path()).to_owned(),
            arrived,
            request_id: req.headers().get(&crate::request_id::HEADER).cloned(),
            traceparent: req.headers().get("traceparent").cloned(),
        };
        if Instant::now() >= deadline {
            return Box::pin(async move { Ok(call.expired().into_http()) });
        }
        let future = self.inner.call(req);
        Box::pin(async move {
            match tokio::time::timeout_at(deadline.into(), future).await {
                Ok(response) => response.map(rewrite_out_of_range),
                Err(_) => Ok(call.expired().into_http()),
            }
        })
    }
}

/// A response to come, boxed.
type Answer<E> = Pin<Box<dyn Future<Output = Result<Response<Body>, E>> + Send>>;

/// A call being recorded until its status is known.
struct Recording {
    metrics: Arc<Calls>,
    method: MethodLabels,
    arrived: Instant,
    /// Messages sent so far (DATA frames: tonic sends one per message).
    sent: u64,
}

impl Recording {
    /// Records the call now if `response` is trailers-only (its status is
    /// in its headers), else once its body's trailers pass.
    fn observe(self, response: Response<Body>) -> Response<Body> {
        if let Some(code) = status_in(response.headers()) {
            self.finish(code);
            return response;
        }
        response.map(|body| {
            Body::new(Observed {
                body,
                recording: Some(self),
            })
        })
    }

    fn finish(self, code: tonic::Code) {
        self.metrics
            .grpc
            .finish(&self.method, self.arrived, code, self.sent);
    }
}

/// The `grpc-status` in `headers`, if any.
fn status_in(headers: &HeaderMap) -> Option<tonic::Code> {
    let status = headers.get("grpc-status")?;
    let code = std::str::from_utf8(status.as_bytes())
        .ok()?
        .parse::<i32>()
        .ok()?;
    Some(tonic::Code::from(code))
}

/// A response body that records its call when its trailers pass (or as
/// CANCELLED when it is dropped before).
struct Observed {
    body: Body,
    recording: Option<Recording>,
}

impl http_body::Body for Observed {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = ready!(Pin::new(&mut self.body).poll_frame(cx));
        match &frame {
            Some(Ok(frame)) if frame.is_data() => {
                if let Some(recording) = self.recording.as_mut() {
                    recording.sent += 1;
                }
            }
            Some(Ok(frame)) => {
                let code = frame.trailers_ref().and_then(status_in);
                if let (Some(code), Some(recording)) = (code, self.recording.take()) {
                    recording.finish(code);
                }
            }
            // The stream ended without a status: tonic never does this.
            Some(Err(_)) | None => {
                if let Some(recording) = self.recording.take() {
                    recording.finish(tonic::Code::Unknown);
                }
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Observed {
    /// A body dropped before its status was sent: the client went away.
    fn drop(&mut self) {
        if let Some(recording) = self.recording.take() {
            recording.finish(tonic::Code::Cancelled);
        }
    }
}

/// Turns tonic's OUT_OF_RANGE (its answer to an oversized message) into
/// RESOURCE_EXHAUSTED.
fn rewrite_out_of_range(mut response: Response<tonic::body::Body>) -> Response<tonic::body::Body> {
    let headers = response.headers_mut();
    if headers.get("grpc-status").is_some_and(|s| s == "11") {
        headers.insert("grpc-status", HeaderValue::from_static("8"));
    }
    response
}

/// When a call that arrived at `arrived` with `timeout` must be answered
/// by: [`MARGIN`] ahead of the client's deadline.
pub fn deadline(arrived: Instant, timeout: Duration) -> Instant {
    arrived
        .checked_add(timeout.saturating_sub(MARGIN))
        .unwrap_or(arrived)
}

/// What the layer knows of a call it may have to answer DEADLINE_EXCEEDED
/// itself.
pub struct Expiry {
    /// The method's name (`GetInfo`).
    pub method: String,
    /// When the call arrived.
    pub arrived: Instant,
    /// Its `x-request-id`.
    pub request_id: Option<HeaderValue>,
    /// Its `traceparent`, for the trace id of the log line.
    pub traceparent: Option<HeaderValue>,
}

impl Expiry {
    /// DEADLINE_EXCEEDED for a call the layer answers itself, logged as the
    /// handler would have logged it (the handler, dropped or never run,
    /// writes none).
    pub fn expired(&self) -> tonic::Status {
        let ids = crate::traces::Ids::unspanned(self.traceparent.as_ref()).hex();
        tracing::info!(
            method = self.method,
            code = "DeadlineExceeded",
            duration_us = self.arrived.elapsed().as_micros() as u64,
            caller = "",
            request_id = self.request_id.as_ref().and_then(|id| id.to_str().ok()),
            trace_id = ids.trace_id(),
            span_id = ids.span_id(),
            "rpc"
        );
        tonic::Status::deadline_exceeded("deadline exceeded")
    }
}

/// The method's name in a gRPC path (`/package.Service/Method`).
fn method_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
