//! Who is calling: access keys, their format and digests, built-in roles and
//! permissions, and turning request metadata into a [`Caller`].
//!
//! Invariant: this is the only module that sees a key's secret; it leaves
//! here as a digest or a redacted string.

pub mod keys;
pub mod roles;

pub use keys::Secret;
pub use roles::Role;

use std::sync::Arc;

use crate::domain::{Error, KeyDigest, Result, User};
use crate::store::Reader;

/// The user a call acts as, and who authenticated it.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The user the call acts as (the impersonated one, if any).
    pub user: User,
    /// `user`'s highest built-in role.
    pub role: Role,
    /// The authenticated user's id when it impersonates `user`.
    pub impersonator: Option<String>,
    /// `user`'s permissions, sorted (worked out once: the caller is cached).
    pub permissions: Vec<&'static str>,
}

impl Caller {
    /// Wraps a user.
    pub fn new(user: User) -> Self {
        let role = Role::highest(&user.roles);
        let permissions = roles::permissions(&user.roles);
        Caller {
            user,
            role,
            impersonator: None,
            permissions,
        }
    }

    /// The id of the user the call acts as.
    pub fn id(&self) -> &str {
        &self.user.id
    }
}

/// An authenticated request before impersonation is settled: the key's
/// owner and the user it asks to act as (`x-roster-impersonate-user`).
/// Operations turn it into the acting [`Caller`] through
/// `Directory::acting`, after checking the request's shape.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// The key's owner (shared with the authentication cache).
    pub caller: Arc<Caller>,
    /// The user to act as, if the request asks.
    pub impersonate: Option<String>,
}

/// The key in an `authorization` header value: `Bearer <key>`, the scheme
/// case-insensitive, exactly one space.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, key) = value.split_at_checked(7)?;
    (scheme.eq_ignore_ascii_case("bearer ") && !key.is_empty() && !key.starts_with(' '))
        .then_some(key)
}

/// Authenticates the key with this digest (of a plausible key, see
/// `keys::plausible`): the user it belongs to. Every failure is the same
/// `Error::Unauthenticated`.
pub fn authenticate_digest(store: &impl Reader, digest: &KeyDigest) -> Result<Caller> {
    let record = store.key(digest)?.ok_or(Error::Unauthenticated)?;
    let user = store.user(&record.user_id)?.ok_or(Error::Unauthenticated)?;
    Ok(Caller::new(user))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header grammar of SPEC §3.
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
