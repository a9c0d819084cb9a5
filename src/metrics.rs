//! The instruments roster records into, for Prometheus (`--metrics-listen`;
//! `server::metrics` registers them and serves `/metrics`).
//!
//! Two kinds, by what they cost when nobody scrapes:
//! - per-call instruments ([`Calls`]: the gRPC and HTTP surfaces), built
//!   only when `--metrics-listen` is set; without it the layers hold `None`
//!   and record nothing;
//! - instruments of rare or already costly events, always recorded (an
//!   atomic add beside a store read or a disk sync): authentication
//!   failures and cache use ([`Auth`]), store commits ([`StoreStats`]).
//!
//! Labels are fixed, small sets (methods, routes, codes, reasons): never an
//! organization, user or key id, and never a raw path (unknown ones share
//! one label value), so the number of series is bounded.
//!
//! Invariant: this module imports nothing of roster's; every layer may use
//! it.

use std::{collections::HashMap, time::Instant};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, histogram::Histogram},
};

/// Buckets of call durations, in seconds. Finer than go-grpc-prometheus's
/// defaults (.005 … 10) at the low end, which is where roster's calls are
/// (a GetInfo is served in tens of microseconds); the same from 5 ms up.
pub const DURATION_BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Buckets of a store sync's duration, in seconds (an fdatasync or a
/// PostgreSQL COMMIT: tens of microseconds to seconds).
pub const SYNC_BUCKETS: [f64; 14] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

/// Buckets of the changes one durable commit makes (sled's group commit
/// answers up to 512 changes with one sync).
pub const COMMIT_BUCKETS: [f64; 10] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// A histogram with `buckets`.
fn histogram(buckets: &[f64]) -> Histogram {
    Histogram::new(buckets.iter().copied())
}

fn duration_histogram() -> Histogram {
    histogram(&DURATION_BUCKETS)
}

/// The per-call instruments, built when `--metrics-listen` is set.
#[derive(Debug)]
pub struct Calls {
    /// gRPC and gRPC-Web calls (the tonic services).
    pub grpc: Grpc,
    /// JSON calls and other HTTP requests of the JSON surface.
    pub http: Http,
}

/// A gRPC method's labels, as go-grpc-prometheus names them.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MethodLabels {
    /// `unary`, `client_stream`, `server_stream` or `bidi_stream`.
    pub grpc_type: &'static str,
    /// The full service name, `roster.v1.UserService`.
    pub grpc_service: &'static str,
    /// The method's name, `GetInfo`.
    pub grpc_method: &'static str,
}

/// A gRPC method's labels and the status code it answered.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    pub grpc_type: &'static str,
    pub grpc_service: &'static str,
    pub grpc_method: &'static str,
    /// The code's name as Go's `codes.Code.String()` spells it (`OK`,
    /// `NotFound`, `Canceled`, ...).
    pub grpc_code: &'static str,
}

/// The labels of a path no service serves (its calls answer UNIMPLEMENTED).
pub const UNKNOWN_METHOD: MethodLabels = MethodLabels {
    grpc_type: "unary",
    grpc_service: "unknown",
    grpc_method: "unknown",
};

/// go-grpc-prometheus's server metrics.
#[derive(Debug)]
pub struct Grpc {
    /// By path (`/roster.v1.UserService/GetInfo`): the method's labels.
    methods: HashMap<String, MethodLabels>,
    pub started: Family<MethodLabels, Counter>,
    pub handled: Family<CodeLabels, Counter>,
    pub handling_seconds: Family<MethodLabels, Histogram, fn() -> Histogram>,
    pub msg_received: Family<MethodLabels, Counter>,
    pub msg_sent: Family<MethodLabels, Counter>,
}

impl Grpc {
    /// Instruments for `methods`: each served method's gRPC path and labels.
    pub fn new(methods: impl IntoIterator<Item = (String, MethodLabels)>) -> Self {
        Grpc {
            methods: methods.into_iter().collect(),
            started: Family::default(),
            handled: Family::default(),
            handling_seconds: Family::new_with_constructor(duration_histogram),
            msg_received: Family::default(),
            msg_sent: Family::default(),
        }
    }

    /// The labels of the method at `path`; [`UNKNOWN_METHOD`] for a path
    /// no service serves.
    pub fn method(&self, path: &str) -> &MethodLabels {
        self.methods.get(path).unwrap_or(&UNKNOWN_METHOD)
    }

    /// A call of `method` begins (its one request message counted: every
    /// method roster serves takes one, except reflection's stream).
    pub fn start(&self, method: &MethodLabels) {
        self.started.get_or_create(method).inc();
        self.msg_received.get_or_create(method).inc();
    }

    /// A call of `method` that began at `started` ended with `code` after
    /// sending `sent` messages.
    pub fn finish(&self, method: &MethodLabels, started: Instant, code: tonic::Code, sent: u64) {
        let labels = CodeLabels {
            grpc_type: method.grpc_type,
            grpc_service: method.grpc_service,
            grpc_method: method.grpc_method,
            grpc_code: go_code_name(code),
        };
        self.handled.get_or_create(&labels).inc();
        self.handling_seconds
            .get_or_create(method)
            .observe(started.elapsed().as_secs_f64());
        if sent > 0 {
            self.msg_sent.get_or_create(method).inc_by(sent);
        }
    }
}

/// A status code's name as Go's `codes.Code.String()` (and so
/// go-grpc-prometheus's `grpc_code` label) spells it.
pub fn go_code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "Canceled",
        Unknown => "Unknown",
        InvalidArgument => "InvalidArgument",
        DeadlineExceeded => "DeadlineExceeded",
        NotFound => "NotFound",
        AlreadyExists => "AlreadyExists",
        PermissionDenied => "PermissionDenied",
        ResourceExhausted => "ResourceExhausted",
        FailedPrecondition => "FailedPrecondition",
        Aborted => "Aborted",
        OutOfRange => "OutOfRange",
        Unimplemented => "Unimplemented",
        Internal => "Internal",
        Unavailable => "Unavailable",
        DataLoss => "DataLoss",
        Unauthenticated => "Unauthenticated",
    }
}

/// An HTTP request's labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route's path (`/api/get-user-info`); [`OTHER_ROUTE`] for any
    /// path that is not a route.
    pub route: &'static str,
    /// `GET`, `POST`, `OPTIONS`, ... or `other`.
    pub method: &'static str,
}

/// An HTTP request's labels and its answer's status code.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub route: &'static str,
    pub method: &'static str,
    /// The HTTP status code (`200`, `401`, ...).
    pub code: u16,
}

/// The `route` label of every path that is not a route.
pub const OTHER_ROUTE: &str = "other";

/// The JSON surface's metrics: go-grpc-prometheus's three call metrics
/// under HTTP names (a request is one message each way, so no message
/// counts).
#[derive(Debug)]
pub struct Http {
    /// The label of each route's path.
    routes: HashMap<String, &'static str>,
    pub started: Family<RouteLabels, Counter>,
    pub handled: Family<StatusLabels, Counter>,
    pub duration_seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl Http {
    /// Instruments for requests to `routes` (paths; each becomes a label
    /// value for the life of the process).
    pub fn new<'a>(routes: impl IntoIterator<Item = &'a str>) -> Self {
        let routes = routes
            .into_iter()
            .map(|path| {
                (
                    path.to_owned(),
                    &*Box::leak(path.to_owned().into_boxed_str()),
                )
            })
            .collect();
        Http {
            routes,
            started: Family::default(),
            handled: Family::default(),
            duration_seconds: Family::new_with_constructor(duration_histogram),
        }
    }

    /// A request begins: its labels, counted as started.
    pub fn start(&self, path: &str, method: &http::Method) -> RouteLabels {
        let labels = RouteLabels {
            route: self.routes.get(path).copied().unwrap_or(OTHER_ROUTE),
            method: method_name(method),
        };
        self.started.get_or_create(&labels).inc();
        labels
    }

    /// A request that began at `started` was answered `status`.
    pub fn finish(&self, labels: RouteLabels, started: Instant, status: http::StatusCode) {
        self.duration_seconds
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
        let labels = StatusLabels {
            route: labels.route,
            method: labels.method,
            code: status.as_u16(),
        };
        self.handled.get_or_create(&labels).inc();
    }
}

/// An HTTP method as a label value (unusual ones share `other`).
fn method_name(method: &http::Method) -> &'static str {
    use http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Why a request failed to authenticate. The client always sees the same
/// UNAUTHENTICATED; the reason is for operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `authorization: Bearer <key>` header (absent or not that shape).
    NoKey,
    /// A key that cannot be one of roster's (wrong prefix or length).
    MalformedKey,
    /// A well-formed key that no user holds (never issued, or deleted).
    UnknownKey,
    /// A key whose user no longer exists.
    OrphanKey,
}

impl AuthFailure {
    /// Every reason, in label order.
    pub const ALL: [AuthFailure; 4] = [
        AuthFailure::NoKey,
        AuthFailure::MalformedKey,
        AuthFailure::UnknownKey,
        AuthFailure::OrphanKey,
    ];

    /// The `reason` label.
    pub fn label(self) -> &'static str {
        match self {
            AuthFailure::NoKey => "no_key",
            AuthFailure::MalformedKey => "malformed_key",
            AuthFailure::UnknownKey => "unknown_key",
            AuthFailure::OrphanKey => "orphan_key",
        }
    }
}

/// Authentication's counters (always recorded: an atomic add each).
#[derive(Debug, Default)]
pub struct Auth {
    /// By [`AuthFailure`], in [`AuthFailure::ALL`]'s order.
    pub failures: [Counter; 4],
    /// The key cache (digest → the key's owner).
    pub key_cache: CacheCounters,
    /// The impersonation cache ((impersonator, impersonated) → caller).
    pub impersonation_cache: CacheCounters,
}

impl Auth {
    /// Counts a failure.
    pub fn fail(&self, reason: AuthFailure) {
        self.failures[reason as usize].inc();
    }
}

/// A cache's hits and misses.
#[derive(Debug, Default)]
pub struct CacheCounters {
    pub hits: Counter,
    pub misses: Counter,
}

impl CacheCounters {
    /// Counts a lookup: a hit when something was found.
    pub fn lookup(&self, hit: bool) {
        if hit {
            self.hits.inc();
        } else {
            self.misses.inc();
        }
    }
}

/// A store's durable commits (always recorded: one observation per sync).
#[derive(Debug)]
pub struct StoreStats {
    /// Changes made durable by one commit (sled: a group; PostgreSQL: 1).
    pub commit_changes: Histogram,
    /// How long making a commit durable took, in seconds (sled: flush and
    /// fdatasync; PostgreSQL: the COMMIT round trip).
    pub sync_seconds: Histogram,
}

impl Default for StoreStats {
    fn default() -> Self {
        StoreStats {
            commit_changes: histogram(&COMMIT_BUCKETS),
            sync_seconds: histogram(&SYNC_BUCKETS),
        }
    }
}

impl StoreStats {
    /// A commit of `changes` changes whose sync began at `started`.
    pub fn commit(&self, changes: usize, started: Instant) {
        self.commit_changes.observe(changes as f64);
        self.sync_seconds.observe(started.elapsed().as_secs_f64());
    }
}

/// A connection pool's use, when the store has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUse {
    /// Most connections the pool opens.
    pub max: usize,
    /// Connections open now.
    pub open: usize,
    /// Open connections not lent out.
    pub idle: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}
