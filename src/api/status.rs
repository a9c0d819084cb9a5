//! The one table from domain errors to gRPC statuses. Handlers never build a
//! `Status` by hand.

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::domain::Error;

/// The `domain` of every `google.rpc.ErrorInfo` roster sends.
pub const ERROR_DOMAIN: &str = "roster.v1";

impl From<Error> for Status {
    fn from(e: Error) -> Status {
        if matches!(e, Error::Storage(_) | Error::Internal(_)) {
            // The causes may name files or records: log them, do not send
            // them.
            let ids = crate::traces::current();
            tracing::error!(
                error = %e.chain(),
                trace_id = ids.map(|ids| tracing::field::display(ids.trace_id)),
                span_id = ids.map(|ids| tracing::field::display(ids.span_id)),
                "call failed inside the server"
            );
            return Status::internal("internal error");
        }
        let message = e.to_string();
        match e {
            Error::Unauthenticated => Status::unauthenticated(message),
            Error::Invalid { field, description } => Status::with_error_details(
                Code::InvalidArgument,
                message,
                ErrorDetails::with_bad_request_violation(field, description),
            ),
            Error::PermissionDenied(_) => {
                info(Code::PermissionDenied, message, "PERMISSION_DENIED", [])
            }
            Error::NotFound { kind, ref id } => {
                let meta = [("kind", kind.to_owned()), ("id", id.clone())];
                info(Code::NotFound, message, "NOT_FOUND", meta)
            }
            Error::AlreadyExists { kind, ref id } => {
                let meta = [("kind", kind.to_owned()), ("id", id.clone())];
                info(Code::AlreadyExists, message, "ALREADY_EXISTS", meta)
            }
            Error::FailedPrecondition { reason, .. } => {
                info(Code::FailedPrecondition, message, reason, [])
            }
            Error::ResourceExhausted { reason, .. } => {
                info(Code::ResourceExhausted, message, reason, [])
            }
            Error::QuotaExceeded {
                reason,
                subject,
                retry_after,
                ..
            } => {
                let mut details =
                    ErrorDetails::with_error_info(reason, ERROR_DOMAIN, HashMap::new());
                details
                    .set_retry_info(Some(retry_after))
                    .add_quota_failure_violation(subject, message.clone());
                Status::with_error_details(Code::ResourceExhausted, message, details)
            }
            Error::DeadlineExceeded => Status::deadline_exceeded(message),
            Error::Unavailable(_) => Status::unavailable(message),
            Error::Storage(_) | Error::Internal(_) => Status::internal("internal error"),
        }
    }
}

fn info<const N: usize>(
    code: Code,
    message: String,
    reason: &str,
    metadata: [(&str, String); N],
) -> Status {
    let metadata: HashMap<String, String> = metadata
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Status::with_error_details(
        code,
        message,
        ErrorDetails::with_error_info(reason, ERROR_DOMAIN, metadata),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every domain error maps to the code of docs/contract.md §9.
    #[test]
    fn codes() {
        let cases = [
            (Error::Unauthenticated, Code::Unauthenticated),
            (Error::invalid("user.id", "bad"), Code::InvalidArgument),
            (Error::denied("no"), Code::PermissionDenied),
            (
                Error::NotFound {
                    kind: "user",
                    id: "x".into(),
                },
                Code::NotFound,
            ),
            (
                Error::AlreadyExists {
                    kind: "user",
                    id: "x".into(),
                },
                Code::AlreadyExists,
            ),
            (
                Error::FailedPrecondition {
                    reason: "R",
                    message: "m".into(),
                },
                Code::FailedPrecondition,
            ),
            (
                Error::ResourceExhausted {
                    reason: "R",
                    message: "m".into(),
                },
                Code::ResourceExhausted,
            ),
            (
                Error::QuotaExceeded {
                    reason: "R",
                    message: "m".into(),
                    subject: "organizations/o".into(),
                    retry_after: std::time::Duration::from_millis(20),
                },
                Code::ResourceExhausted,
            ),
            (Error::DeadlineExceeded, Code::DeadlineExceeded),
            (Error::Unavailable("x"), Code::Unavailable),
            (Error::Storage("disk /secret/path".into()), Code::Internal),
        ];
        for (error, code) in cases {
            let status = Status::from(error);
            assert_eq!(status.code(), code);
            assert!(!status.message().contains("/secret/path"));
        }
    }

    /// INVALID_ARGUMENT names the field in the text and in a BadRequest.
    #[test]
    fn bad_request_detail() {
        let status = Status::from(Error::invalid("tenant.name", "is required"));
        assert_eq!(status.message(), "invalid tenant.name: is required");
        let details = status.get_error_details();
        let violations = &details.bad_request().unwrap().field_violations;
        assert_eq!(violations[0].field, "tenant.name");
    }
}
