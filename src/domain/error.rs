//! The one error type of roster's domain and store. `api::status` is the one
//! place that turns it into a gRPC status.

/// Why an operation failed, with the context a user needs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No, a malformed, an unknown or a deleted access key. Deliberately
    /// carries no detail: every cause looks alike to the caller.
    #[error("missing or invalid access key")]
    Unauthenticated,
    /// The request's own shape is wrong; `field` is its path in the request
    /// (e.g. `user.id`).
    #[error("invalid {field}: {description}")]
    Invalid { field: String, description: String },
    /// The caller lacks the permission, or the target lies outside its scope.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// The addressed or a referenced object does not exist.
    #[error("{kind} `{id}` not found")]
    NotFound { kind: &'static str, id: String },
    /// The id or key name is taken.
    #[error("{kind} `{id}` already exists")]
    AlreadyExists { kind: &'static str, id: String },
    /// The operation is refused in the current state (a non-empty tenant,
    /// the last super-admin, ...). `reason` is a stable machine-readable code.
    #[error("{message}")]
    FailedPrecondition {
        reason: &'static str,
        message: String,
    },
    /// A limit was reached through earlier requests, or the server is full.
    #[error("{message}")]
    ResourceExhausted {
        reason: &'static str,
        message: String,
    },
    /// The caller's organization is over one of its limits
    /// (`api::quota`): try again after `retry_after`.
    #[error("{message}")]
    QuotaExceeded {
        reason: &'static str,
        message: String,
        /// What is limited, as `google.rpc.QuotaFailure` names it
        /// (`organizations/<id>`).
        subject: String,
        retry_after: std::time::Duration,
    },
    /// The call's deadline passed before the operation reached the store.
    #[error("deadline exceeded")]
    DeadlineExceeded,
    /// The server is starting or shutting down.
    #[error("{0}")]
    Unavailable(&'static str),
    /// Storage or I/O failed. The cause (with its own causes) goes to the
    /// log, never to the client.
    #[error("storage failure: {0}")]
    Storage(#[source] Cause),
    /// Something other than storage failed inside the server: the operating
    /// system's random number generator, a task that panicked. Logged like
    /// `Storage`, never sent.
    #[error("internal failure: {0}")]
    Internal(#[source] Cause),
}

/// The underlying cause of a storage or internal failure, with its source
/// chain intact (a message alone converts too: `"...".into()`).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

impl Error {
    /// An `Invalid` error for `field`.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            description: description.into(),
        }
    }

    /// A `Storage` error caused by `cause`.
    pub fn storage(cause: impl Into<Cause>) -> Self {
        Error::Storage(cause.into())
    }

    /// An `Internal` error caused by `cause`.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        Error::Internal(cause.into())
    }

    /// The error and each of its causes, outermost first, joined by `: `
    /// (what the log shows of a storage or internal failure).
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self).and_then(|s| s.source());
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    /// A `PermissionDenied` error.
    pub fn denied(why: impl Into<String>) -> Self {
        Error::PermissionDenied(why.into())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::storage(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Storage(Box::new(Corrupt(e)))
    }
}

/// Result with roster's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A record that does not decode.
#[derive(Debug, thiserror::Error)]
#[error("corrupt record")]
struct Corrupt(#[source] serde_json::Error);
