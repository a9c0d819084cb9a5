//! The directory: every operation of roster, each in the order of checks
//! docs/contract.md §4 prescribes (the request's shape, then permission and
//! scope, then existence, then state), over any [`Store`].
//!
//! Checks that depend on stored state run inside the store's write, so that
//! nothing can change between a check and the change it guards; those
//! changes only read and write through their transaction, so a store may
//! run them more than once.
//!
//! - `own`: the caller's own keys, information and configuration;
//! - `users`, `tenants`, `orgs`: the three levels of the hierarchy;
//! - `rules`: the data and scope rules the operations share.

mod orgs;
mod own;
mod rules;
mod tenants;
mod users;

use std::{sync::Arc, time::Instant};

use crate::auth::{
    access, keys, Authenticated, Authenticator, Caller, Credentials, Operation, Role, Secret,
};
use crate::domain::{now_millis, AccessKey, ListingForm, Organization, Result, User};
use crate::store::Store;

/// roster's operations over a store.
pub struct Directory {
    store: Arc<dyn Store>,
    auth: Authenticator,
    /// How ListUsers lists users (supplied by the surface that answers it).
    listing: ListingForm,
}

impl Directory {
    /// A directory over `store`, listing users in `listing`'s form.
    pub fn new(store: Arc<dyn Store>, listing: ListingForm) -> Self {
        Directory {
            store,
            auth: Authenticator::default(),
            listing,
        }
    }

    /// Authentication's counters (failures by reason, cache use).
    pub fn auth_stats(&self) -> &crate::metrics::Auth {
        &self.auth.stats
    }

    /// The underlying store.
    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// The owner of the request's access key (see
    /// [`Authenticator::authenticate`]).
    pub async fn authenticate(&self, credentials: &Credentials) -> Result<Arc<Caller>> {
        self.auth.authenticate(&*self.store, credentials).await
    }

    /// The user the request acts as, once it holds what `op` needs: called
    /// by every operation after checking the request's own shape.
    async fn permitted(&self, who: &Authenticated, op: Operation) -> Result<Arc<Caller>> {
        let caller = self.auth.acting(&*self.store, who).await?;
        access::require(&caller, op)?;
        Ok(caller)
    }

    /// Writes the first-start records (organization `default`, user `admin`
    /// with `super-admin`, its key `bootstrap`) unless that happened before.
    /// Answers whether it did.
    pub async fn bootstrap(&self, key: &Secret, deadline: Instant) -> Result<bool> {
        let digest = keys::digest(key.expose());
        let redacted = keys::redact(key.expose());
        let input = (digest, redacted, self.listing);
        self.store
            .write(deadline, input, |txn, (digest, redacted, form)| {
                Box::pin(async move {
                    if txn.is_bootstrapped().await? {
                        return Ok(false);
                    }
                    let now = now_millis();
                    if txn.org("default").await?.is_none() {
                        txn.put_org(&Organization {
                            id: "default".into(),
                            name: "default".into(),
                            created_at: now,
                            updated_at: now,
                            ..Default::default()
                        })
                        .await?;
                    }
                    let admin = User {
                        id: "admin".into(),
                        name: "admin".into(),
                        org_id: "default".into(),
                        roles: vec![Role::SuperAdmin.as_str().into()],
                        created_at: now,
                        updated_at: now,
                        ..Default::default()
                    };
                    txn.put_user(&admin, form).await?;
                    let key = AccessKey {
                        user_id: "admin".into(),
                        name: "bootstrap".into(),
                        redacted: redacted.clone(),
                        created_at: now,
                    };
                    txn.put_key(digest, &key).await?;
                    txn.set_bootstrapped().await?;
                    Ok(true)
                })
            })
            .await
    }
}
