//! Organizations: create, update, delete, list.

use std::time::Instant;

use super::rules::{already_exists, not_found};
use super::Directory;
use crate::auth::{
    access::{in_org_scope, outside_org},
    Authenticated, Operation, Scope,
};
use crate::domain::{
    mask, now_millis, validate, Error, Organization, Page, PageRequest, Result, UpdateMask,
};
use crate::store::UserScope;

impl Directory {
    /// Creates an organization (super-admin only).
    pub async fn create_org(
        &self,
        who: &Authenticated,
        org: Organization,
        deadline: Instant,
    ) -> Result<()> {
        validate::organization(&org)?;
        self.permitted(who, Operation::CreateOrganization).await?;
        self.store
            .write(deadline, org, |txn, org| {
                Box::pin(async move {
                    if txn.org(&org.id).await?.is_some() {
                        return Err(already_exists("organization", &org.id));
                    }
                    let now = now_millis();
                    let new = Organization {
                        created_at: now,
                        updated_at: now,
                        ..org.clone()
                    };
                    txn.put_org(&new).await
                })
            })
            .await
    }

    /// Replaces an organization's name and variables (both, or those the
    /// update mask `paths` names).
    pub async fn update_org(
        &self,
        who: &Authenticated,
        org: Organization,
        paths: &[String],
        deadline: Instant,
    ) -> Result<()> {
        let mask = UpdateMask::parse(&mask::ORGANIZATION, paths)?;
        validate::organization_fields(&org, &mask)?;
        let caller = self.permitted(who, Operation::UpdateOrganization).await?;
        if !in_org_scope(&caller, &org.id) {
            return Err(outside_org(&org.id));
        }
        self.store
            .write(deadline, (org, mask), |txn, (org, mask)| {
                Box::pin(async move {
                    let old = txn
                        .org(&org.id)
                        .await?
                        .ok_or_else(|| not_found("organization", &org.id))?;
                    let new = Organization {
                        updated_at: now_millis().max(old.updated_at),
                        ..mask.organization(&old, org)
                    };
                    txn.put_org(&new).await
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
        self.permitted(who, Operation::DeleteOrganization).await?;
        self.store
            .write(deadline, id, |txn, id| {
                Box::pin(async move {
                    if txn.org(id).await?.is_none() {
                        return Err(not_found("organization", id));
                    }
                    if txn.org_has_tenants(id).await? || txn.has_users(UserScope::Org(id)).await? {
                        return Err(Error::FailedPrecondition {
                            reason: "ORGANIZATION_NOT_EMPTY",
                            message: format!("organization `{id}` still has tenants or users"),
                        });
                    }
                    txn.delete_org(id).await
                })
            })
            .await
    }

    /// A page of organizations: all for a super-admin, its own for an
    /// org-admin.
    pub async fn list_orgs(
        &self,
        who: &Authenticated,
        page: PageRequest,
    ) -> Result<Page<Organization>> {
        let caller = self.permitted(who, Operation::ListOrganizations).await?;
        let orgs = if caller.role.scope() == Scope::Everywhere {
            self.store.list_orgs(&page.after, page.limit + 1).await?
        } else {
            let own = &caller.user.org_id;
            if own.as_str() > page.after.as_str() {
                self.store.org(own).await?.into_iter().collect()
            } else {
                Vec::new()
            }
        };
        Ok(Page::from_overfetch(orgs, &page, |o| &o.id))
    }
}
