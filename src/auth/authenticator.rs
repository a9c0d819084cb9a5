//! Authentication: a request's [`Credentials`] → the key's owner → the
//! acting [`Caller`], with a cache for each step.
//!
//! Both caches keep only successes (a miss is never cached: a key created a
//! moment ago must work at once), each tagged with the store's revision read
//! before the store was: an entry is used only while the revision is still
//! the same, and the store grows it, before acknowledging, with every change
//! that may alter a caller (a changed or deleted user, a removed key). So a
//! revoked key or a lowered role is refused by the next call after the
//! change is acknowledged.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
};

use super::{access, keys, Authenticated, Caller, Credentials, Operation, IMPERSONATE_HEADER};
use crate::domain::{validate, Error, KeyDigest, Result};
use crate::metrics::{self, AuthFailure};
use crate::store::Store;

/// Most entries a cache holds (it is emptied when full).
const CACHE_ENTRIES: usize = 10_000;

/// Turns credentials into callers, remembering recent ones.
pub struct Authenticator {
    /// Recently authenticated keys: digest → the key's owner. Spares two
    /// store reads and two decodes per call while no user changes.
    callers: CallerCache<KeyDigest>,
    /// Recent impersonations: (impersonator, impersonated) → the acting
    /// caller. Spares a store read and a decode per call of a service that
    /// acts for its users.
    impersonations: CallerCache<(String, String)>,
    /// Failures by reason and both caches' hits and misses (for
    /// `/metrics`).
    pub stats: metrics::Auth,
}

impl Default for Authenticator {
    fn default() -> Self {
        Authenticator {
            callers: CallerCache::new(),
            impersonations: CallerCache::new(),
            stats: metrics::Auth::default(),
        }
    }
}

impl Authenticator {
    /// Authenticates a request: the owner of its key. Whom it asks to act
    /// as is read by [`Authenticated::new`] and settled by
    /// [`Authenticator::acting`], after the request's own shape is checked
    /// (docs/contract.md §4's order: UNAUTHENTICATED, INVALID_ARGUMENT,
    /// PERMISSION_DENIED, NOT_FOUND). Every failure is the same
    /// `Error::Unauthenticated`.
    pub async fn authenticate(
        &self,
        store: &dyn Store,
        credentials: &Credentials,
    ) -> Result<Arc<Caller>> {
        let fail = |reason| {
            self.stats.fail(reason);
            Error::Unauthenticated
        };
        let key = credentials
            .key
            .as_ref()
            .ok_or_else(|| fail(AuthFailure::NoKey))?
            .expose();
        if !keys::plausible(key) {
            return Err(fail(AuthFailure::MalformedKey));
        }
        let digest = keys::digest(key);
        let (revision, cached) = self.callers.lookup(store, &digest);
        self.stats.key_cache.lookup(cached.is_some());
        if let Some(caller) = cached {
            return Ok(caller);
        }
        // Boxed: only a miss needs the store, and the future every call
        // carries stays small.
        let caller = Box::pin(async {
            let record = store
                .key(&digest)
                .await?
                .ok_or_else(|| fail(AuthFailure::UnknownKey))?;
            let user = store
                .user(&record.user_id)
                .await?
                .ok_or_else(|| fail(AuthFailure::OrphanKey))?;
            Ok::<_, Error>(Caller::new(user))
        })
        .await?;
        Ok(self.callers.keep(digest, revision, caller))
    }

    /// The user a request acts as: the key's owner, or the user it
    /// impersonates where it may (it may change that user: `users:write`,
    /// in scope, not ranking above it; this holds for oneself only with
    /// `users:write`).
    pub async fn acting(&self, store: &dyn Store, who: &Authenticated) -> Result<Arc<Caller>> {
        let Some(target) = &who.impersonate else {
            return Ok(who.caller.clone());
        };
        validate::id(IMPERSONATE_HEADER, target)?;
        let key = (who.caller.user.id.clone(), target.clone());
        let (revision, cached) = self.impersonations.lookup(store, &key);
        self.stats.impersonation_cache.lookup(cached.is_some());
        if let Some(caller) = cached {
            return Ok(caller);
        }
        let acting = Box::pin(async {
            access::require(&who.caller, Operation::UpdateUser)?;
            let user = store.user(target).await?.ok_or_else(|| Error::NotFound {
                kind: "user",
                id: target.clone(),
            })?;
            access::check_may_change_user(&who.caller, &user)?;
            let mut acting = Caller::new(user);
            acting.impersonator = Some(who.caller.user.id.clone());
            Ok::<_, Error>(acting)
        })
        .await?;
        Ok(self.impersonations.keep(key, revision, acting))
    }
}

/// Callers worked out from the store, each used only while the store's
/// revision is what it was before the store was read.
struct CallerCache<K>(Mutex<HashMap<K, (u64, Arc<Caller>)>>);

impl<K: Hash + Eq> CallerCache<K> {
    fn new() -> Self {
        CallerCache(Mutex::new(HashMap::new()))
    }

    /// The store's revision, read before the store is (so that an entry is
    /// never newer than its tag), and the caller cached for `key` at that
    /// revision, if any.
    fn lookup(&self, store: &dyn Store, key: &K) -> (u64, Option<Arc<Caller>>) {
        let revision = store.revision();
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let cached = map
            .get(key)
            .filter(|(r, _)| *r == revision)
            .map(|(_, caller)| caller.clone());
        (revision, cached)
    }

    /// Keeps `caller`, worked out at `revision` (from its `lookup`), for
    /// `key`.
    fn keep(&self, key: K, revision: u64, caller: Caller) -> Arc<Caller> {
        let caller = Arc::new(caller);
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CACHE_ENTRIES {
            map.clear();
        }
        map.insert(key, (revision, caller.clone()));
        caller
    }
}
