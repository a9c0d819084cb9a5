//! The directory: every operation of roster, with its validation (SPEC §5),
//! authorization (SPEC §4) and store change, in the order of checks SPEC §4
//! prescribes: the request's shape, then permission and scope, then
//! existence, then state.
//!
//! Checks that depend on stored state run inside the store's write, so that
//! nothing can change between a check and the change it guards.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use super::{
    now_millis, validate, AccessKey, Error, JsonMap, KeyDigest, ListingPage, Organization, Page,
    PageRequest, Result, Tenant, User,
};
use crate::auth::{self, keys, Authenticated, Caller, Role, Secret};
use crate::store::{Store, Txn, UserScope};

/// Field carrying the impersonation target, for error messages.
pub const IMPERSONATE_FIELD: &str = "x-roster-impersonate-user";

/// roster's operations over a store.
pub struct Directory<S> {
    store: S,
    /// Recently authenticated keys: digest → (store generation, caller).
    /// An entry is used only while the store's generation is unchanged, so
    /// a write that may change a caller (a revoked key, a changed or
    /// deleted user) invalidates it before it is acknowledged.
    /// Authentication is on every call; this spares it two store reads and
    /// two decodes while no user changes.
    callers: CallerCache<KeyDigest>,
    /// Recent impersonations: (impersonator, impersonated) → the acting
    /// caller, under the same rule. Spares a store read and a decode per
    /// call of a service that acts for its users.
    impersonations: CallerCache<(String, String)>,
}

/// Most entries a caller cache holds (it is emptied when full).
const CALLER_CACHE: usize = 10_000;

/// Callers worked out from the store, each used only while the store's
/// generation is what it was before the store was read (see
/// `Store::generation`). Only successes are kept.
struct CallerCache<K>(Mutex<HashMap<K, (u64, Arc<Caller>)>>);

impl<K: std::hash::Hash + Eq> CallerCache<K> {
    fn new() -> Self {
        CallerCache(Mutex::new(HashMap::new()))
    }

    /// The cached caller for `key`, or the one `load` works out (and that
    /// is then kept).
    fn get_or_load(
        &self,
        store: &impl Store,
        key: K,
        load: impl FnOnce() -> Result<Caller>,
    ) -> Result<Arc<Caller>> {
        // Read before the store, so an entry is never newer than its tag.
        let generation = store.generation();
        let cached = {
            let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
            map.get(&key)
                .filter(|(g, _)| *g == generation)
                .map(|(_, caller)| caller.clone())
        };
        if let Some(caller) = cached {
            return Ok(caller);
        }
        let caller = Arc::new(load()?);
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CALLER_CACHE {
            map.clear();
        }
        map.insert(key, (generation, caller.clone()));
        Ok(caller)
    }
}

impl<S: Store> Directory<S> {
    /// A directory over `store`.
    pub fn new(store: S) -> Self {
        Directory {
            store,
            callers: CallerCache::new(),
            impersonations: CallerCache::new(),
        }
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Authenticates a request: the owner of `key`, and the user it asks to
    /// act as. Whether it may is settled by [`Directory::acting`], which
    /// every operation calls after checking the request's own shape (SPEC
    /// §4's order: UNAUTHENTICATED, INVALID_ARGUMENT, PERMISSION_DENIED,
    /// NOT_FOUND).
    pub fn authenticate(
        &self,
        key: Option<&str>,
        impersonate: Option<String>,
    ) -> Result<Authenticated> {
        let key = key
            .filter(|k| keys::plausible(k))
            .ok_or(Error::Unauthenticated)?;
        let digest = keys::digest(key);
        let caller = self.callers.get_or_load(&self.store, digest, || {
            auth::authenticate_digest(&self.store, &digest)
        })?;
        Ok(Authenticated {
            caller,
            impersonate,
        })
    }

    /// The user a request acts as: the key's owner, or the user it
    /// impersonates where it may (it may update that user, who does not
    /// rank above it; this holds for oneself only with `users:write`).
    pub fn acting(&self, who: &Authenticated) -> Result<Arc<Caller>> {
        match &who.impersonate {
            None => Ok(who.caller.clone()),
            Some(target) => {
                validate::id(IMPERSONATE_FIELD, target)?;
                let key = (who.caller.user.id.clone(), target.clone());
                self.impersonations
                    .get_or_load(&self.store, key, || self.impersonate(&who.caller, target))
            }
        }
    }

    fn impersonate(&self, caller: &Caller, target_id: &str) -> Result<Caller> {
        if caller.role < Role::TenantAdmin {
            return Err(Error::denied("impersonation needs users:write"));
        }
        let target = self
            .store
            .user(target_id)?
            .ok_or_else(|| not_found("user", target_id))?;
        check_may_change_user(caller, &target)?;
        let mut acting = Caller::new(target);
        acting.impersonator = Some(caller.user.id.clone());
        Ok(acting)
    }

    /// Writes the first-start records (organization `default`, user `admin`
    /// with `super-admin`, its key `bootstrap`) unless that happened before.
    /// Answers whether it did.
    pub async fn bootstrap(&self, key: &Secret, deadline: Instant) -> Result<bool> {
        let digest = keys::digest(key.expose());
        let redacted = keys::redact(key.expose());
        self.store
            .write(deadline, move |txn| {
                if txn.is_bootstrapped()? {
                    return Ok(false);
                }
                let now = now_millis();
                if txn.org("default")?.is_none() {
                    txn.put_org(&Organization {
                        id: "default".into(),
                        name: "default".into(),
                        created_at: now,
                        updated_at: now,
                        ..Default::default()
                    })?;
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
                let old = txn.user("admin")?;
                txn.put_user(old.as_ref(), &admin)?;
                txn.put_key(
                    &digest,
                    &AccessKey {
                        user_id: "admin".into(),
                        name: "bootstrap".into(),
                        redacted,
                        created_at: now,
                    },
                )?;
                txn.set_bootstrapped()?;
                Ok(true)
            })
            .await
    }

    // ---- the caller's own keys, info and configuration ----

    /// Creates a key for the caller; returns it with its secret.
    pub async fn create_access_key(
        &self,
        who: &Authenticated,
        name: String,
        deadline: Instant,
    ) -> Result<(AccessKey, Secret)> {
        validate::key_name("name", &name)?;
        let caller = &self.acting(who)?;
        let secret = keys::generate()?;
        let digest = keys::digest(secret.expose());
        let key = AccessKey {
            user_id: caller.user.id.clone(),
            name,
            redacted: keys::redact(secret.expose()),
            created_at: now_millis(),
        };
        let stored = key.clone();
        self.store
            .write(deadline, move |txn| {
                if txn.key_digest(&stored.user_id, &stored.name)?.is_some() {
                    return Err(Error::AlreadyExists {
                        kind: "access key",
                        id: stored.name,
                    });
                }
                if txn.count_keys(&stored.user_id)? >= validate::MAX_KEYS_PER_USER {
                    return Err(Error::ResourceExhausted {
                        reason: "ACCESS_KEY_LIMIT",
                        message: format!(
                            "user already has {} access keys, the most allowed",
                            validate::MAX_KEYS_PER_USER
                        ),
                    });
                }
                txn.put_key(&digest, &stored)
            })
            .await?;
        Ok((key, secret))
    }

    /// A page of the caller's keys, sorted by name.
    pub fn list_access_keys(
        &self,
        who: &Authenticated,
        page: PageRequest,
    ) -> Result<Page<AccessKey>> {
        let caller = &self.acting(who)?;
        let keys = self
            .store
            .list_keys(caller.id(), &page.after, page.limit + 1)?;
        Ok(Page::from_overfetch(keys, page.limit, |k| &k.name))
    }

    /// Deletes the named keys of the caller, all or none.
    pub async fn delete_access_keys(
        &self,
        who: &Authenticated,
        mut names: Vec<String>,
        deadline: Instant,
    ) -> Result<()> {
        if names.is_empty() {
            return Err(Error::invalid("names", "must name at least one key"));
        }
        if names.len() > validate::MAX_KEYS_PER_USER {
            return Err(Error::invalid(
                "names",
                format!("at most {} names", validate::MAX_KEYS_PER_USER),
            ));
        }
        for (i, name) in names.iter().enumerate() {
            validate::key_name(&format!("names[{i}]"), name)?;
        }
        let caller = &self.acting(who)?;
        names.sort();
        names.dedup();
        let user_id = caller.user.id.clone();
        self.store
            .write(deadline, move |txn| {
                let mut found = Vec::with_capacity(names.len());
                for name in &names {
                    let digest = txn
                        .key_digest(&user_id, name)?
                        .ok_or_else(|| not_found("access key", name))?;
                    let key = txn
                        .key(&digest)?
                        .ok_or_else(|| not_found("access key", name))?;
                    found.push((digest, key));
                }
                for (digest, key) in &found {
                    txn.delete_key(digest, key)?;
                }
                Ok(())
            })
            .await
    }

    /// The user the call acts as (with its permissions: its roles' and
    /// the self permissions).
    pub fn info(&self, who: &Authenticated) -> Result<Arc<Caller>> {
        self.acting(who)
    }

    /// Merges `updated` into the caller's configuration and removes the
    /// `deleted` keys; answers the whole configuration.
    pub async fn update_config(
        &self,
        who: &Authenticated,
        updated: JsonMap,
        deleted: Vec<String>,
        deadline: Instant,
    ) -> Result<JsonMap> {
        validate::config_update(&updated, &deleted)?;
        let caller = &self.acting(who)?;
        let user_id = caller.user.id.clone();
        if updated.is_empty() && deleted.is_empty() {
            return self.store.config(&user_id);
        }
        self.store
            .write(deadline, move |txn| {
                let mut config = txn.config(&user_id)?;
                for key in &deleted {
                    config.remove(key);
                }
                config.extend(updated);
                if config.len() > validate::MAX_CONFIG_KEYS {
                    return Err(Error::ResourceExhausted {
                        reason: "CONFIG_KEY_LIMIT",
                        message: format!(
                            "the configuration would have {} keys, at most {} allowed",
                            config.len(),
                            validate::MAX_CONFIG_KEYS
                        ),
                    });
                }
                let size = validate::json_size(&config);
                if size > validate::MAX_CONFIG_BYTES {
                    return Err(Error::ResourceExhausted {
                        reason: "CONFIG_SIZE_LIMIT",
                        message: format!(
                            "the configuration would be {size} bytes, at most {} allowed",
                            validate::MAX_CONFIG_BYTES
                        ),
                    });
                }
                txn.put_config(&user_id, &config)?;
                Ok(config)
            })
            .await
    }

    // ---- users ----

    /// Creates a user.
    pub async fn create_user(
        &self,
        who: &Authenticated,
        user: User,
        deadline: Instant,
    ) -> Result<()> {
        validate::user(&user)?;
        let caller = self.acting(who)?;
        check_user_destination(&caller, &user)?;
        self.store
            .write(deadline, move |txn| {
                let tenant = tenant_in_scope(txn, &caller, &user.tenant_id)?;
                require_tenant(&user.tenant_id, tenant.as_ref())?;
                let org_id = if !user.org_id.is_empty() {
                    user.org_id.clone()
                } else if let Some(tenant) = &tenant {
                    tenant.org_id.clone()
                } else {
                    caller.user.org_id.clone()
                };
                if txn.org(&org_id)?.is_none() {
                    return Err(not_found("organization", &org_id));
                }
                check_tenant_org(tenant.as_ref(), &org_id)?;
                if txn.user(&user.id)?.is_some() {
                    return Err(Error::AlreadyExists {
                        kind: "user",
                        id: user.id,
                    });
                }
                let now = now_millis();
                let user = User {
                    org_id,
                    created_at: now,
                    updated_at: now,
                    ..user
                };
                txn.put_user(None, &user)
            })
            .await
    }

    /// Replaces a user's mutable fields.
    pub async fn update_user(
        &self,
        who: &Authenticated,
        user: User,
        deadline: Instant,
    ) -> Result<()> {
        validate::user(&user)?;
        let caller = self.acting(who)?;
        check_user_destination(&caller, &user)?;
        self.store
            .write(deadline, move |txn| {
                // A destination outside the caller's scope is refused before
                // the target's existence is told (SPEC §4's order).
                let tenant = tenant_in_scope(txn, &caller, &user.tenant_id)?;
                let old = txn
                    .user(&user.id)?
                    .ok_or_else(|| not_found("user", &user.id))?;
                check_may_change_user(&caller, &old)?;
                let org_id = if user.org_id.is_empty() {
                    old.org_id.clone()
                } else {
                    user.org_id.clone()
                };
                if org_id != old.org_id && caller.role < Role::SuperAdmin {
                    return Err(Error::denied(
                        "only a super-admin moves a user to another organization",
                    ));
                }
                require_tenant(&user.tenant_id, tenant.as_ref())?;
                if org_id != old.org_id && txn.org(&org_id)?.is_none() {
                    return Err(not_found("organization", &org_id));
                }
                check_tenant_org(tenant.as_ref(), &org_id)?;
                let demoted = is_super_admin(&old) && !is_super_admin(&user);
                if demoted && txn.count_super_admins(2)? < 2 {
                    return Err(last_super_admin());
                }
                let new = User {
                    org_id,
                    created_at: old.created_at,
                    updated_at: now_millis().max(old.updated_at),
                    ..user
                };
                txn.put_user(Some(&old), &new)
            })
            .await
    }

    /// Deletes a user with its keys and configuration.
    pub async fn delete_user(
        &self,
        who: &Authenticated,
        id: String,
        deadline: Instant,
    ) -> Result<()> {
        validate::id("id", &id)?;
        let caller = self.acting(who)?;
        require(&caller, Role::TenantAdmin, "users:write")?;
        self.store
            .write(deadline, move |txn| {
                let user = txn.user(&id)?.ok_or_else(|| not_found("user", &id))?;
                check_may_change_user(&caller, &user)?;
                if user.id == caller.user.id {
                    return Err(Error::FailedPrecondition {
                        reason: "SELF_DELETE",
                        message: "a user cannot delete itself".into(),
                    });
                }
                if is_super_admin(&user) && txn.count_super_admins(2)? < 2 {
                    return Err(last_super_admin());
                }
                txn.delete_user(&user)
            })
            .await
    }

    /// A page of users of an organization or of one of its tenants: each
    /// id and the user's listing form (`store::Listing`).
    pub fn list_users(
        &self,
        who: &Authenticated,
        lookup_org_id: &str,
        lookup_tenant_id: &str,
        page: PageRequest,
    ) -> Result<ListingPage> {
        validate::optional_id("lookup_org_id", lookup_org_id)?;
        validate::optional_id("lookup_tenant_id", lookup_tenant_id)?;
        let caller = &self.acting(who)?;
        require(caller, Role::TenantAdmin, "users:read")?;
        if !lookup_org_id.is_empty() && !in_org_scope(caller, lookup_org_id) {
            return Err(outside_org(lookup_org_id));
        }
        let users = if caller.role == Role::TenantAdmin {
            let own = &caller.user.tenant_id;
            if own.is_empty() || (!lookup_tenant_id.is_empty() && lookup_tenant_id != own) {
                return Err(Error::denied("a tenant-admin lists its own tenant's users"));
            }
            self.store
                .list_user_listings(UserScope::Tenant(own), &page.after, page.limit + 1)?
        } else if !lookup_tenant_id.is_empty() {
            let tenant = self
                .store
                .tenant(lookup_tenant_id)?
                .ok_or_else(|| not_found("tenant", lookup_tenant_id))?;
            if !in_org_scope(caller, &tenant.org_id) {
                return Err(outside_org(&tenant.org_id));
            }
            if !lookup_org_id.is_empty() {
                check_tenant_org(Some(&tenant), lookup_org_id)
                    .map_err(|_| wrong_org("lookup_tenant_id", &tenant, lookup_org_id))?;
            }
            self.store.list_user_listings(
                UserScope::Tenant(&tenant.id),
                &page.after,
                page.limit + 1,
            )?
        } else {
            let org_id = non_empty_or(lookup_org_id, &caller.user.org_id);
            if !in_org_scope(caller, org_id) {
                return Err(outside_org(org_id));
            }
            if self.store.org(org_id)?.is_none() {
                return Err(not_found("organization", org_id));
            }
            self.store
                .list_user_listings(UserScope::Org(org_id), &page.after, page.limit + 1)?
        };
        Ok(ListingPage::from_overfetch(users, page.limit))
    }

    // ---- tenants ----

    /// Creates a tenant; an empty `org_id` means the caller's organization.
    pub async fn create_tenant(
        &self,
        who: &Authenticated,
        tenant: Tenant,
        deadline: Instant,
    ) -> Result<()> {
        validate::tenant(&tenant)?;
        let caller = &self.acting(who)?;
        require(caller, Role::OrgAdmin, "tenants:write")?;
        let org_id = non_empty_or(&tenant.org_id, &caller.user.org_id).to_owned();
        if !in_org_scope(caller, &org_id) {
            return Err(outside_org(&org_id));
        }
        self.store
            .write(deadline, move |txn| {
                if txn.org(&org_id)?.is_none() {
                    return Err(not_found("organization", &org_id));
                }
                if txn.tenant(&tenant.id)?.is_some() {
                    return Err(Error::AlreadyExists {
                        kind: "tenant",
                        id: tenant.id,
                    });
                }
                let now = now_millis();
                txn.put_tenant(&Tenant {
                    org_id,
                    created_at: now,
                    updated_at: now,
                    ..tenant
                })
            })
            .await
    }

    /// Replaces a tenant's name and variables; its organization never
    /// changes.
    pub async fn update_tenant(
        &self,
        who: &Authenticated,
        tenant: Tenant,
        deadline: Instant,
    ) -> Result<()> {
        validate::tenant(&tenant)?;
        let caller = self.acting(who)?;
        require(&caller, Role::OrgAdmin, "tenants:write")?;
        if !tenant.org_id.is_empty() && !in_org_scope(&caller, &tenant.org_id) {
            return Err(outside_org(&tenant.org_id));
        }
        self.store
            .write(deadline, move |txn| {
                let old = txn
                    .tenant(&tenant.id)?
                    .ok_or_else(|| not_found("tenant", &tenant.id))?;
                if !in_org_scope(&caller, &old.org_id) {
                    return Err(outside_org(&old.org_id));
                }
                if !tenant.org_id.is_empty() && tenant.org_id != old.org_id {
                    return Err(Error::invalid(
                        "tenant.org_id",
                        format!(
                            "a tenant's organization never changes (`{}` belongs to `{}`)",
                            old.id, old.org_id
                        ),
                    ));
                }
                txn.put_tenant(&Tenant {
                    org_id: old.org_id,
                    created_at: old.created_at,
                    updated_at: now_millis().max(old.updated_at),
                    ..tenant
                })
            })
            .await
    }

    /// Deletes a tenant that has no users.
    pub async fn delete_tenant(
        &self,
        who: &Authenticated,
        id: String,
        deadline: Instant,
    ) -> Result<()> {
        validate::id("id", &id)?;
        let caller = self.acting(who)?;
        require(&caller, Role::OrgAdmin, "tenants:write")?;
        self.store
            .write(deadline, move |txn| {
                let tenant = txn.tenant(&id)?.ok_or_else(|| not_found("tenant", &id))?;
                if !in_org_scope(&caller, &tenant.org_id) {
                    return Err(outside_org(&tenant.org_id));
                }
                if txn.has_users(UserScope::Tenant(&id))? {
                    return Err(Error::FailedPrecondition {
                        reason: "TENANT_NOT_EMPTY",
                        message: format!("tenant `{id}` still has users"),
                    });
                }
                txn.delete_tenant(&tenant)
            })
            .await
    }

    /// A page of an organization's tenants (a tenant-admin's own only).
    pub fn list_tenants(
        &self,
        who: &Authenticated,
        lookup_org_id: &str,
        page: PageRequest,
    ) -> Result<Page<Tenant>> {
        validate::optional_id("lookup_org_id", lookup_org_id)?;
        let caller = &self.acting(who)?;
        require(caller, Role::TenantAdmin, "tenants:read")?;
        let org_id = non_empty_or(lookup_org_id, &caller.user.org_id);
        if !in_org_scope(caller, org_id) {
            return Err(outside_org(org_id));
        }
        let tenants = if caller.role == Role::TenantAdmin {
            let own = &caller.user.tenant_id;
            let visible = !own.is_empty() && own.as_str() > page.after.as_str();
            match visible.then(|| self.store.tenant(own)).transpose()? {
                Some(Some(t)) if t.org_id == org_id => vec![t],
                _ => Vec::new(),
            }
        } else {
            if self.store.org(org_id)?.is_none() {
                return Err(not_found("organization", org_id));
            }
            self.store
                .list_tenants(org_id, &page.after, page.limit + 1)?
        };
        Ok(Page::from_overfetch(tenants, page.limit, |t| &t.id))
    }

    // ---- organizations ----

    /// Creates an organization (super-admin only).
    pub async fn create_org(
        &self,
        who: &Authenticated,
        org: Organization,
        deadline: Instant,
    ) -> Result<()> {
        validate::organization(&org)?;
        let caller = &self.acting(who)?;
        require(caller, Role::SuperAdmin, "super-admin")?;
        self.store
            .write(deadline, move |txn| {
                if txn.org(&org.id)?.is_some() {
                    return Err(Error::AlreadyExists {
                        kind: "organization",
                        id: org.id,
                    });
                }
                let now = now_millis();
                txn.put_org(&Organization {
                    created_at: now,
                    updated_at: now,
                    ..org
                })
            })
            .await
    }

    /// Replaces an organization's name and variables.
    pub async fn update_org(
        &self,
        who: &Authenticated,
        org: Organization,
        deadline: Instant,
    ) -> Result<()> {
        validate::organization(&org)?;
        let caller = &self.acting(who)?;
        require(caller, Role::OrgAdmin, "orgs:write")?;
        if !in_org_scope(caller, &org.id) {
            return Err(outside_org(&org.id));
        }
        self.store
            .write(deadline, move |txn| {
                let old = txn
                    .org(&org.id)?
                    .ok_or_else(|| not_found("organization", &org.id))?;
                txn.put_org(&Organization {
                    created_at: old.created_at,
                    updated_at: now_millis().max(old.updated_at),
                    ..org
                })
            })
            .await
    }

    /// Deletes an organization with no tenants and no users (super-admin
    /// only).
    pub async fn delete_org(
        &self,
        who: &Authenticated,
        id: String,
        deadline: Instant,
    ) -> Result<()> {
        validate::id("id", &id)?;
        let caller = &self.acting(who)?;
        require(caller, Role::SuperAdmin, "super-admin")?;
        self.store
            .write(deadline, move |txn| {
                if txn.org(&id)?.is_none() {
                    return Err(not_found("organization", &id));
                }
                if txn.org_has_tenants(&id)? || txn.has_users(UserScope::Org(&id))? {
                    return Err(Error::FailedPrecondition {
                        reason: "ORGANIZATION_NOT_EMPTY",
                        message: format!("organization `{id}` still has tenants or users"),
                    });
                }
                txn.delete_org(&id)
            })
            .await
    }

    /// A page of organizations: all for a super-admin, its own for an
    /// org-admin.
    pub fn list_orgs(&self, who: &Authenticated, page: PageRequest) -> Result<Page<Organization>> {
        let caller = &self.acting(who)?;
        require(caller, Role::OrgAdmin, "orgs:read")?;
        let orgs = if caller.role == Role::SuperAdmin {
            self.store.list_orgs(&page.after, page.limit + 1)?
        } else {
            let own = &caller.user.org_id;
            if own.as_str() > page.after.as_str() {
                self.store.org(own)?.into_iter().collect()
            } else {
                Vec::new()
            }
        };
        Ok(Page::from_overfetch(orgs, page.limit, |o| &o.id))
    }
}

// ---- rules shared by the operations ----

/// The caller's built-in role must be at least `min`.
fn require(caller: &Caller, min: Role, permission: &str) -> Result<()> {
    if caller.role >= min {
        Ok(())
    } else {
        Err(Error::denied(format!("the caller lacks {permission}")))
    }
}

/// Whether `org_id` lies in the caller's organization scope: every
/// organization for a super-admin, the own one for org- and tenant-admins.
fn in_org_scope(caller: &Caller, org_id: &str) -> bool {
    match caller.role {
        Role::SuperAdmin => true,
        Role::OrgAdmin | Role::TenantAdmin => caller.user.org_id == org_id,
        Role::User => false,
    }
}

/// Whether a user in `org_id`/`tenant_id` lies in the caller's user scope.
fn in_user_scope(caller: &Caller, org_id: &str, tenant_id: &str) -> bool {
    match caller.role {
        Role::SuperAdmin => true,
        Role::OrgAdmin => caller.user.org_id == org_id,
        Role::TenantAdmin => {
            caller.user.org_id == org_id
                && !caller.user.tenant_id.is_empty()
                && caller.user.tenant_id == tenant_id
        }
        Role::User => false,
    }
}

/// The caller may change (update, delete, impersonate) `target`: it is in
/// scope and does not rank above the caller.
fn check_may_change_user(caller: &Caller, target: &User) -> Result<()> {
    require(caller, Role::TenantAdmin, "users:write")?;
    if !in_user_scope(caller, &target.org_id, &target.tenant_id) {
        return Err(Error::denied(format!(
            "user `{}` is outside the caller's scope",
            target.id
        )));
    }
    if Role::highest(&target.roles) > caller.role {
        return Err(Error::denied(format!(
            "user `{}` ranks above the caller",
            target.id
        )));
    }
    Ok(())
}

/// The checks of a create or update that need no stored state: the
/// permission, the roles granted, the destination organization and (for a
/// tenant-admin) tenant.
fn check_user_destination(caller: &Caller, user: &User) -> Result<()> {
    require(caller, Role::TenantAdmin, "users:write")?;
    let granted = Role::highest(&user.roles);
    if granted > caller.role {
        return Err(Error::denied(format!(
            "the caller cannot grant `{}`, above its own highest role",
            granted.as_str()
        )));
    }
    if !user.org_id.is_empty() && !in_org_scope(caller, &user.org_id) {
        return Err(outside_org(&user.org_id));
    }
    if caller.role == Role::TenantAdmin
        && (caller.user.tenant_id.is_empty() || user.tenant_id != caller.user.tenant_id)
    {
        return Err(Error::denied(
            "a tenant-admin manages users of its own tenant",
        ));
    }
    Ok(())
}

/// The tenant a user is to belong to, if it exists; one outside the
/// caller's scope is PERMISSION_DENIED.
fn tenant_in_scope(txn: &dyn Txn, caller: &Caller, tenant_id: &str) -> Result<Option<Tenant>> {
    if tenant_id.is_empty() {
        return Ok(None);
    }
    let tenant = txn.tenant(tenant_id)?;
    if let Some(t) = &tenant {
        if !in_org_scope(caller, &t.org_id) {
            return Err(outside_org(&t.org_id));
        }
    }
    Ok(tenant)
}

/// A named tenant must exist.
fn require_tenant(tenant_id: &str, tenant: Option<&Tenant>) -> Result<()> {
    if !tenant_id.is_empty() && tenant.is_none() {
        return Err(not_found("tenant", tenant_id));
    }
    Ok(())
}

/// A user's tenant must belong to the user's organization.
fn check_tenant_org(tenant: Option<&Tenant>, org_id: &str) -> Result<()> {
    match tenant {
        Some(t) if t.org_id != org_id => Err(wrong_org("user.tenant_id", t, org_id)),
        _ => Ok(()),
    }
}

fn wrong_org(field: &str, tenant: &Tenant, org_id: &str) -> Error {
    Error::invalid(
        field,
        format!(
            "tenant `{}` belongs to organization `{}`, not `{org_id}`",
            tenant.id, tenant.org_id
        ),
    )
}

fn is_super_admin(user: &User) -> bool {
    user.roles.iter().any(|r| r == Role::SuperAdmin.as_str())
}

fn last_super_admin() -> Error {
    Error::FailedPrecondition {
        reason: "LAST_SUPER_ADMIN",
        message: "the last super-admin cannot be deleted or demoted".into(),
    }
}

fn not_found(kind: &'static str, id: &str) -> Error {
    Error::NotFound {
        kind,
        id: id.to_owned(),
    }
}

fn outside_org(org_id: &str) -> Error {
    Error::denied(format!(
        "organization `{org_id}` is outside the caller's scope"
    ))
}

fn non_empty_or<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.is_empty() {
        default
    } else {
        value
    }
}
