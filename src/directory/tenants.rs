//! Tenants: create, update, delete, list.

use std::time::Instant;

use super::rules::{already_exists, not_found};
use super::Directory;
use crate::auth::{
    access::{in_org_scope, outside_org},
    Authenticated, Operation, Scope,
};
use crate::domain::{
    mask, now_millis, validate, Error, Page, PageRequest, Result, Tenant, UpdateMask,
};
use crate::store::UserScope;

impl Directory {
    /// Creates a tenant; an empty `org_id` means the caller's organization.
    pub async fn create_tenant(
        &self,
        who: &Authenticated,
        tenant: Tenant,
        deadline: Instant,
    ) -> Result<()> {
        validate::tenant(&tenant)?;
        let caller = self.permitted(who, Operation::CreateTenant).await?;
        let org_id = validate::non_empty(&tenant.org_id)
            .unwrap_or(&caller.user.org_id)
            .to_owned();
        if !in_org_scope(&caller, &org_id) {
            return Err(outside_org(&org_id));
        }
        let tenant = Tenant { org_id, ..tenant };
        self.store
            .write(deadline, tenant, |txn, tenant| {
                Box::pin(async move {
                    if txn.org(&tenant.org_id).await?.is_none() {
                        return Err(not_found("organization", &tenant.org_id));
                    }
                    if txn.tenant(&tenant.id).await?.is_some() {
                        return Err(already_exists("tenant", &tenant.id));
                    }
                    let now = now_millis();
                    let new = Tenant {
                        created_at: now,
                        updated_at: now,
                        ..tenant.clone()
                    };
                    txn.put_tenant(&new).await
                })
            })
            .await
    }

    /// Replaces a tenant's name and variables (both, or those the update
    /// mask `paths` name); its organization never changes.
    pub async fn update_tenant(
        &self,
        who: &Authenticated,
        tenant: Tenant,
        paths: &[String],
        deadline: Instant,
    ) -> Result<()> {
        let mask = UpdateMask::parse(&mask::TENANT, paths)?;
        validate::tenant_fields(&tenant, &mask)?;
        let caller = self.permitted(who, Operation::UpdateTenant).await?;
        // An `org_id` the mask leaves out is not the request's: it keeps
        // the current organization, as an empty one does.
        let tenant = if mask.covers("org_id") {
            tenant
        } else {
            Tenant {
                org_id: String::new(),
                ..tenant
            }
        };
        if !tenant.org_id.is_empty() && !in_org_scope(&caller, &tenant.org_id) {
            return Err(outside_org(&tenant.org_id));
        }
        let input = (caller, tenant, mask);
        self.store
            .write(deadline, input, |txn, (caller, tenant, mask)| {
                Box::pin(async move {
                    let old = txn
                        .tenant(&tenant.id)
                        .await?
                        .ok_or_else(|| not_found("tenant", &tenant.id))?;
                    if !in_org_scope(caller, &old.org_id) {
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
                    let new = Tenant {
                        org_id: old.org_id.clone(),
                        updated_at: now_millis().max(old.updated_at),
                        ..mask.tenant(&old, tenant)
                    };
                    txn.put_tenant(&new).await
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
        let caller = self.permitted(who, Operation::DeleteTenant).await?;
        self.store
            .write(deadline, (caller, id), |txn, (caller, id)| {
                Box::pin(async move {
                    let tenant = txn
                        .tenant(id)
                        .await?
                        .ok_or_else(|| not_found("tenant", id))?;
                    if !in_org_scope(caller, &tenant.org_id) {
                        return Err(outside_org(&tenant.org_id));
                    }
                    if txn.has_users(UserScope::Tenant(id)).await? {
                        return Err(Error::FailedPrecondition {
                            reason: "TENANT_NOT_EMPTY",
                            message: format!("tenant `{id}` still has users"),
                        });
                    }
                    txn.delete_tenant(&tenant.id).await
                })
            })
            .await
    }

    /// A page of an organization's tenants (a tenant-admin's own only).
    pub async fn list_tenants(
        &self,
        who: &Authenticated,
        lookup_org_id: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Tenant>> {
        validate::optional_id("lookup_org_id", lookup_org_id)?;
        let caller = self.permitted(who, Operation::ListTenants).await?;
        let org_id = lookup_org_id.unwrap_or(&caller.user.org_id);
        if !in_org_scope(&caller, org_id) {
            return Err(outside_org(org_id));
        }
        let tenants = if caller.role.scope() == Scope::OwnTenant {
            let own = caller
                .user
                .tenant_id
                .as_deref()
                .filter(|own| *own > page.after.as_str());
            match own {
                Some(own) => match self.store.tenant(own).await? {
                    Some(t) if t.org_id == org_id => vec![t],
                    _ => Vec::new(),
                },
                None => Vec::new(),
            }
        } else {
            if self.store.org(org_id).await?.is_none() {
                return Err(not_found("organization", org_id));
            }
            self.store
                .list_tenants(org_id, &page.after, page.limit + 1)
                .await?
        };
        Ok(Page::from_overfetch(tenants, &page, |t| &t.id))
    }
}
