//! Users: create, update, delete, list.

use std::time::Instant;

use super::rules::{
    already_exists, check_tenant_org, check_user_destination, is_super_admin, last_super_admin,
    not_found, require_tenant, tenant_in_scope, wrong_org,
};
use super::Directory;
use crate::auth::{
    access::{check_may_change_user, in_org_scope, outside_org},
    Authenticated, Operation, Scope,
};
use crate::domain::{
    mask, now_millis, validate, Error, ListingPage, Listings, PageRequest, Result, UpdateMask, User,
};
use crate::store::UserScope;

impl Directory {
    /// Creates a user.
    pub async fn create_user(
        &self,
        who: &Authenticated,
        user: User,
        deadline: Instant,
    ) -> Result<()> {
        validate::user(&user)?;
        let caller = self.permitted(who, Operation::CreateUser).await?;
        check_user_destination(&caller, &user, &UpdateMask::all(&mask::USER))?;
        let input = (caller, user, self.listing);
        self.store
            .write(deadline, input, |txn, (caller, user, form)| {
                Box::pin(async move {
                    let tenant_id = user.tenant_id.as_deref();
                    let tenant = tenant_in_scope(txn, caller, tenant_id).await?;
                    require_tenant(tenant_id, tenant.as_ref())?;
                    let org_id = if !user.org_id.is_empty() {
                        user.org_id.clone()
                    } else if let Some(tenant) = &tenant {
                        tenant.org_id.clone()
                    } else {
                        caller.user.org_id.clone()
                    };
                    if txn.org(&org_id).await?.is_none() {
                        return Err(not_found("organization", &org_id));
                    }
                    check_tenant_org(tenant.as_ref(), &org_id)?;
                    let now = now_millis();
                    let new = User {
                        org_id,
                        created_at: now,
                        updated_at: now,
                        ..user.clone()
                    };
                    // The insert itself tells a taken id: no read of the
                    // id first, which on PostgreSQL would conflict with
                    // every concurrent create near it in the index.
                    if !txn.insert_user(&new, form).await? {
                        return Err(already_exists("user", &user.id));
                    }
                    Ok(())
                })
            })
            .await
    }

    /// Replaces a user's mutable fields: every one, or those the update mask
    /// `paths` name (docs/contract.md §5, "Updates").
    ///
    /// The checks are a whole-object replace's, in docs/contract.md §4's
    /// order: those that need only the request look at the fields the mask
    /// covers (the others are the stored user's, which
    /// `check_may_change_user` already allows the caller to keep); those that
    /// need stored state run on the user the update makes, the covered
    /// fields of the request over the stored user.
    pub async fn update_user(
        &self,
        who: &Authenticated,
        user: User,
        paths: &[String],
        deadline: Instant,
    ) -> Result<()> {
        let mask = UpdateMask::parse(&mask::USER, paths)?;
        validate::user_fields(&user, &mask)?;
        let caller = self.permitted(who, Operation::UpdateUser).await?;
        check_user_destination(&caller, &user, &mask)?;
        let input = (caller, user, mask, self.listing);
        self.store
            .write(deadline, input, |txn, (caller, asked, mask, form)| {
                Box::pin(async move {
                    // A destination outside the caller's scope is refused
                    // before the target's existence is told
                    // (docs/contract.md §4's order).
                    let asked_tenant = if mask.covers("tenant_id") {
                        Some(tenant_in_scope(txn, caller, asked.tenant_id.as_deref()).await?)
                    } else {
                        None
                    };
                    let old = txn
                        .user(&asked.id)
                        .await?
                        .ok_or_else(|| not_found("user", &asked.id))?;
                    check_may_change_user(caller, &old)?;
                    let user = mask.user(&old, asked);
                    let tenant_id = user.tenant_id.as_deref();
                    let tenant = match asked_tenant {
                        Some(tenant) => tenant,
                        None => tenant_in_scope(txn, caller, tenant_id).await?,
                    };
                    let org_id = if user.org_id.is_empty() {
                        old.org_id.clone()
                    } else {
                        user.org_id.clone()
                    };
                    if org_id != old.org_id && caller.role.scope() != Scope::Everywhere {
                        return Err(Error::denied(
                            "only a super-admin moves a user to another organization",
                        ));
                    }
                    require_tenant(tenant_id, tenant.as_ref())?;
                    if org_id != old.org_id && txn.org(&org_id).await?.is_none() {
                        return Err(not_found("organization", &org_id));
                    }
                    check_tenant_org(tenant.as_ref(), &org_id)?;
                    let demoted = is_super_admin(&old) && !is_super_admin(&user);
                    if demoted && txn.count_super_admins(2).await? < 2 {
                        return Err(last_super_admin());
                    }
                    let new = User {
                        org_id,
                        updated_at: now_millis().max(old.updated_at),
                        ..user
                    };
                    txn.put_user(&new, form).await
                })
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
        let caller = self.permitted(who, Operation::DeleteUser).await?;
        self.store
            .write(deadline, (caller, id), |txn, (caller, id)| {
                Box::pin(async move {
                    let user = txn.user(id).await?.ok_or_else(|| not_found("user", id))?;
                    check_may_change_user(caller, &user)?;
                    if user.id == caller.user.id {
                        return Err(Error::FailedPrecondition {
                            reason: "SELF_DELETE",
                            message: "a user cannot delete itself".into(),
                        });
                    }
                    if is_super_admin(&user) && txn.count_super_admins(2).await? < 2 {
                        return Err(last_super_admin());
                    }
                    txn.delete_user(&user.id).await
                })
            })
            .await
    }

    /// A page of users of an organization or of one of its tenants: each
    /// id and the user's listing form. With `lookup_user_id`, the page holds
    /// that user alone if it is among them, else nothing.
    pub async fn list_users(
        &self,
        who: &Authenticated,
        lookup_org_id: Option<&str>,
        lookup_tenant_id: Option<&str>,
        lookup_user_id: Option<&str>,
        page: PageRequest,
    ) -> Result<ListingPage> {
        validate::optional_id("lookup_org_id", lookup_org_id)?;
        validate::optional_id("lookup_tenant_id", lookup_tenant_id)?;
        validate::optional_id("lookup_user_id", lookup_user_id)?;
        let caller = self.permitted(who, Operation::ListUsers).await?;
        if let Some(org_id) = lookup_org_id {
            if !in_org_scope(&caller, org_id) {
                return Err(outside_org(org_id));
            }
        }
        let tenant;
        let scope = if caller.role.scope() == Scope::OwnTenant {
            match (caller.user.tenant_id.as_deref(), lookup_tenant_id) {
                (Some(own), None) => UserScope::Tenant(own),
                (Some(own), Some(asked)) if asked == own => UserScope::Tenant(own),
                _ => return Err(Error::denied("a tenant-admin lists its own tenant's users")),
            }
        } else if let Some(tenant_id) = lookup_tenant_id {
            tenant = self
                .store
                .tenant(tenant_id)
                .await?
                .ok_or_else(|| not_found("tenant", tenant_id))?;
            if !in_org_scope(&caller, &tenant.org_id) {
                return Err(outside_org(&tenant.org_id));
            }
            if let Some(org_id) = lookup_org_id {
                check_tenant_org(Some(&tenant), org_id)
                    .map_err(|_| wrong_org("lookup_tenant_id", &tenant, org_id))?;
            }
            UserScope::Tenant(&tenant.id)
        } else {
            let org_id = lookup_org_id.unwrap_or(&caller.user.org_id);
            if !in_org_scope(&caller, org_id) {
                return Err(outside_org(org_id));
            }
            UserScope::Org(org_id)
        };
        let users = match lookup_user_id {
            None => {
                self.store
                    .list_user_listings(scope, &page.after, page.limit + 1, &self.listing)
                    .await?
            }
            Some(id) => self.listed_user(scope, id, &page.after).await?,
        };
        if let UserScope::Org(org_id) = scope {
            // Users exist only in existing organizations: only an empty page
            // needs to look (one store read per call instead of two).
            if users.is_empty() && self.store.org(org_id).await?.is_none() {
                return Err(not_found("organization", org_id));
            }
        }
        Ok(ListingPage::from_overfetch(users, &page))
    }

    /// User `id` in its listing form, if it is in `scope` and sorts after
    /// `after` (the page token's id); else no user.
    async fn listed_user(&self, scope: UserScope<'_>, id: &str, after: &str) -> Result<Listings> {
        let mut listed = Listings::default();
        if id <= after {
            return Ok(listed);
        }
        if let Some(user) = self.store.user(id).await? {
            let inside = match scope {
                UserScope::Org(org_id) => user.org_id == org_id,
                UserScope::Tenant(tenant_id) => user.tenant_id.as_deref() == Some(tenant_id),
            };
            if inside {
                listed.push(&user.id, &(self.listing.encode)(&user));
            }
        }
        Ok(listed)
    }
}
