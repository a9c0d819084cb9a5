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
}

impl Default for Authenticator {
    fn default() -> Self {
        Authenticator {
            callers: CallerCache::new(),
            impersonations: CallerCache::new(),
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
        let key = credentials
            .key
            .as_ref()
            .map(keys::Secret::expose)
            .filter(|k| keys::plausible(k))
            .ok_or(Error::Unauthenticated)?;
        let digest = keys::digest(key);
        self.callers
            .get_or_load(store, digest, async {
                let record = store.key(&digest).await?.ok_or(Error::Unauthenticated)?;
                let user = store
                    .user(&record.user_id)
                    .await?
                    .ok_or(Error::Unauthenticated)?;
                Ok(Caller::new(user))
            })
            .await
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
        self.impersonations
            .get_or_load(store, key, async {
                access::require(&who.caller, Operation::UpdateUser)?;
                let user = store.user(target).await?.ok_or_else(|| Error::NotFound {
                    kind: "user",
                    id: target.clone(),
                })?;
                access::check_may_change_user(&who.caller, &user)?;
                let mut acting = Caller::new(user);
                acting.impersonator = Some(who.caller.user.id.clone());
                Ok(acting)
            })
            .await
    }
}

/// Callers worked out from the store, each used only while the store's
/// revision is what it was before the store was read.
struct CallerCache<K>(Mutex<HashMap<K, (u64, Arc<Caller>)>>);

impl<K: Hash + Eq> CallerCache<K> {
    fn new() -> Self {
        CallerCache(Mutex::new(HashMap::new()))
    }

    /// The cached caller for `key`, or the one `load` works out (which is
    /// then kept, if it is one).
    async fn get_or_load(
        &self,
        store: &dyn Store,
        key: K,
        load: impl std::future::Future<Output = Result<Caller>>,
    ) -> Result<Arc<Caller>> {
        // Read before the store, so an entry is never newer than its tag.
        let revision = store.revision();
        let cached = {
            let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
            map.get(&key)
                .filter(|(r, _)| *r == revision)
                .map(|(_, caller)| caller.clone())
        };
        if let Some(caller) = cached {
            return Ok(caller);
        }
        let caller = Arc::new(load.await?);
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CACHE_ENTRIES {
            map.clear();
        }
        map.insert(key, (revision, caller.clone()));
        Ok(caller)
    }
}
