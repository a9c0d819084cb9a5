//! Who is calling and what it may do: the one home of authentication
//! (request headers → the acting [`Caller`], with both caches and
//! impersonation, in [`Authenticator`]) and of authorization (the
//! [`permissions`] tables and the scope rules of [`access`]).
//!
//! Invariant: this is the only module that sees a key's secret; it leaves
//! here as a digest or a redacted string.

pub mod access;
mod authenticator;
pub mod keys;
pub mod permissions;

pub use authenticator::Authenticator;
pub use keys::Secret;
pub use permissions::{Operation, Permission, Permissions, Role, Scope};

use std::sync::Arc;

use crate::domain::{Error, Result, User};

/// The request header naming the user a call acts as.
pub const IMPERSONATE_HEADER: &str = "x-roster-impersonate-user";
/// The Waii SDK's name for the same header, accepted for compatibility when
/// roster's own is absent.
pub const WAII_IMPERSONATE_HEADER: &str = "x-waii-impersonate-user";

/// The user a call acts as, and who authenticated it.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The user the call acts as (the impersonated one, if any).
    pub user: User,
    /// `user`'s highest built-in role.
    pub role: Role,
    /// The authenticated user's id when it impersonates `user`.
    pub impersonator: Option<String>,
    /// `user`'s permissions (worked out once: the caller is cached).
    pub permissions: Permissions,
    /// GetInfo's answer for this caller, encoded: made by the API on the
    /// caller's first GetInfo and kept as long as the caller is cached (a
    /// write that changes the user makes a new caller).
    pub info: std::sync::OnceLock<bytes::Bytes>,
}

impl Caller {
    /// Wraps a user.
    pub fn new(user: User) -> Self {
        Caller {
            role: Role::highest(&user.roles),
            permissions: Permissions::of_roles(&user.roles),
            user,
            impersonator: None,
            info: std::sync::OnceLock::new(),
        }
    }

    /// The id of the user the call acts as.
    pub fn id(&self) -> &str {
        &self.user.id
    }

    /// Whether the caller may give a user `role` (the rank rule of
    /// docs/contract.md §4: nothing above its own highest).
    pub fn may_grant(&self, role: Role) -> bool {
        role <= self.role
    }

    /// The built-in roles the caller may give, lowest first (GetInfo's
    /// `grantable_roles`): none without `users:write`.
    pub fn grantable_roles(&self) -> impl Iterator<Item = Role> + '_ {
        let writes = self.permissions.contains(Permission::UsersWrite);
        Role::ALL
            .into_iter()
            .filter(move |r| writes && self.may_grant(*r))
    }
}

/// What a request presents: its access key and the user it asks to act
/// as, read from its headers (gRPC metadata are HTTP headers).
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The key from `authorization: Bearer <key>`, if the header is
    /// well-formed.
    pub key: Option<Secret>,
    /// The impersonation header's value; `Err` if it is not text.
    pub impersonate: Result<Option<String>, ()>,
}

impl Credentials {
    /// Reads the credentials of a request.
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let key = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer)
            .map(|k| Secret::new(k.to_owned()));
        let impersonate = match headers
            .get(IMPERSONATE_HEADER)
            .or_else(|| headers.get(WAII_IMPERSONATE_HEADER))
        {
            None => Ok(None),
            Some(v) => v.to_str().map(|s| Some(s.to_owned())).map_err(|_| ()),
        };
        Credentials { key, impersonate }
    }

    /// The impersonation target as sent, when it is text (for the log).
    pub fn impersonating(&self) -> Option<&str> {
        self.impersonate.as_ref().ok().and_then(|i| i.as_deref())
    }
}

/// An authenticated request before impersonation is settled: the key's
/// owner and the user it asks to act as. Operations turn it into the acting
/// [`Caller`] through [`Authenticator::acting`], after checking the
/// request's shape (docs/contract.md §4's order of checks).
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// The key's owner (shared with the authentication cache).
    pub caller: Arc<Caller>,
    /// The user to act as, if the request asks.
    pub impersonate: Option<String>,
}

impl Authenticated {
    /// The authenticated `caller`'s request: whom `credentials` ask to act
    /// as. A malformed impersonation header is INVALID_ARGUMENT (checked
    /// after the key, so a bad key is UNAUTHENTICATED whatever else is
    /// wrong).
    pub fn new(caller: Arc<Caller>, credentials: &Credentials) -> Result<Self> {
        let impersonate = credentials
            .impersonate
            .clone()
            .map_err(|()| Error::invalid(IMPERSONATE_HEADER, "must be printable ASCII"))?;
        Ok(Authenticated {
            caller,
            impersonate,
        })
    }
}

/// The key in an `authorization` header value: `Bearer <key>`, the scheme
/// case-insensitive, exactly one space.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, key) = value.split_at_checked(7)?;
    (scheme.eq_ignore_ascii_case("bearer ") && !key.is_empty() && !key.starts_with(' '))
        .then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header grammar of docs/contract.md §3.
    #[test]
    fn bearer_header() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bEaReR abc"), Some("abc"));
        assert_eq!(bearer("Bearer  abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearerabc"), None);
    }
}
