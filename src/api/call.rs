//! One call in progress, whatever its RPC: its deadline, credentials and
//! in-flight permit; authentication; running the body under the deadline;
//! and, when it ends, the status and the one log event of the call (built
//! here and nowhere else).

use std::{
    future::Future,
    sync::{Arc, OnceLock},
    time::Instant,
};

use tokio::sync::OwnedSemaphorePermit;
use tonic::{Request, Response, Status};

use super::{quota::Admission, Deadline, State};
use crate::auth::{Authenticated, Caller, Credentials};
use crate::directory::Directory;
use crate::domain::{Error, Result};
use crate::traces::{self, CallInfo, CallSpan};

/// One call in progress: what it needs from the request's metadata, and
/// what its log event will say.
pub(super) struct Call<'a> {
    method: &'static str,
    started: Instant,
    /// When the call must have ended (see `layer`).
    pub(super) deadline: Instant,
    state: &'a State,
    /// The key and the impersonation header.
    credentials: Credentials,
    /// The request's `x-request-id` (`request_id`), for the log event.
    request_id: Option<http::HeaderValue>,
    /// The call's place in its trace, and its span when exporting.
    span: CallSpan,
    /// This call's in-flight slot; None when the server is at its limit.
    permit: Option<OwnedSemaphorePermit>,
    /// The key's owner, once authenticated.
    who: OnceLock<Arc<Caller>>,
    /// The call's place in its organization's limits, once admitted.
    admission: OnceLock<Option<Admission<'a>>>,
    /// Whether the call's log event is written; a call dropped before it
    /// ends (its client went away) is logged as CANCELLED when dropped.
    logged: bool,
}

impl<'a> Call<'a> {
    /// Opens a call: reads its metadata and deadline, takes an in-flight
    /// permit.
    pub(super) fn begin<T>(state: &'a State, method: &'static str, req: Request<T>) -> (Self, T) {
        let started = Instant::now();
        let peer = req.remote_addr();
        let (metadata, extensions, message) = req.into_parts();
        // The layer always sets the deadline; the fallback only guards
        // against a server built without it.
        let deadline = extensions
            .get::<Deadline>()
            .map_or(started + std::time::Duration::from_secs(30), |d| d.0);
        let headers = metadata.into_headers();
        let credentials = Credentials::from_headers(&headers);
        let request_id = headers.get(&crate::request_id::HEADER).cloned();
        let info = CallInfo {
            method,
            peer,
            request_id: request_id.as_ref().and_then(|id| id.to_str().ok()),
        };
        let span = CallSpan::begin(state.tracer.as_ref(), &headers, info);
        let call = Call {
            method,
            started,
            deadline,
            state,
            credentials,
            request_id,
            span,
            permit: state.in_flight.clone().try_acquire_owned().ok(),
            who: OnceLock::new(),
            admission: OnceLock::new(),
            logged: false,
        };
        (call, message)
    }

    /// The directory, once the server is ready. (Calls arriving during
    /// shutdown are refused by the transport: the listener is closed and
    /// HTTP/2 GOAWAY refuses new streams; calls already in flight finish.)
    fn directory(&self) -> Result<Arc<Directory>> {
        let directory = self
            .state
            .directory
            .read()
            .unwrap_or_else(|e| e.into_inner());
        directory
            .clone()
            .ok_or(Error::Unavailable("roster is starting"))
    }

    /// Authenticates the call. Impersonation is settled later, by the
    /// directory, after the request's shape is checked.
    pub(super) async fn caller(&self) -> Result<(Arc<Directory>, Authenticated)> {
        let directory = self.directory()?;
        let owner = directory.authenticate(&self.credentials).await?;
        let _ = self.who.set(owner.clone());
        // The key owner's organization pays for the call, whoever it acts as.
        let admission = self.state.quotas.admit(&owner.user.org_id)?;
        let _ = self.admission.set(admission);
        let who = Authenticated::new(owner, &self.credentials)?;
        Ok((directory, who))
    }

    /// Runs the body of the call unless it is refused first (no permit,
    /// deadline already passed), and stops it at the deadline.
    pub(super) async fn run<T>(&self, body: impl Future<Output = Result<T>>) -> Result<T> {
        if self.permit.is_none() {
            return Err(Error::ResourceExhausted {
                reason: "SERVER_BUSY",
                message: "the server is at its limit of calls in flight".into(),
            });
        }
        if Instant::now() >= self.deadline {
            return Err(Error::DeadlineExceeded);
        }
        tokio::time::timeout_at(self.deadline.into(), body)
            .await
            .unwrap_or(Err(Error::DeadlineExceeded))
    }

    /// Ends the call: maps its error to a status and logs it.
    pub(super) fn finish<T>(mut self, result: Result<T>) -> Result<Response<T>, Status> {
        // An internal error is logged as it becomes a status: in the call.
        let result = traces::within(self.span.ids(), || {
            result.map(Response::new).map_err(Status::from)
        });
        let code = match &result {
            Ok(_) => tonic::Code::Ok,
            Err(status) => status.code(),
        };
        self.log(code);
        result
    }

    /// Writes the call's one log event.
    fn log(&mut self, code: tonic::Code) {
        self.logged = true;
        // The impersonation header is logged (as sent) once the key is good.
        let (caller, impersonated) = match self.who.get() {
            Some(c) => (c.id(), self.credentials.impersonating()),
            None => ("", None),
        };
        let ids = self.span.ids().hex();
        tracing::info!(
            method = self.method,
            code = code_name(code),
            duration_us = self.started.elapsed().as_micros() as u64,
            caller,
            impersonated,
            request_id = self.request_id.as_ref().and_then(|id| id.to_str().ok()),
            trace_id = ids.trace_id(),
            span_id = ids.span_id(),
            "rpc"
        );
        self.span.end(code);
    }
}

impl Drop for Call<'_> {
    /// A call dropped unfinished was cancelled: its client reset the stream
    /// or closed the connection (the transport then drops the handler).
    fn drop(&mut self) {
        if !self.logged {
            self.log(tonic::Code::Cancelled);
        }
    }
}

/// A status code's name as the log shows it (a static string: the event is
/// written on every call).
fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "Ok",
        Cancelled => "Cancelled",
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
