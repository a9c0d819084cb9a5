//! Rules the operations share: where a user may be put, which tenant it
//! belongs to, the last super-admin, and the errors they answer.

use crate::auth::{
    access::{in_org_scope, outside_org},
    Caller, Role, Scope,
};
use crate::domain::{Error, Result, Tenant, UpdateMask, User};
use crate::store::Reader;

/// The checks of a create or update that need no stored state (after the
/// permission): the roles granted, the destination organization and (for a
/// tenant-admin) tenant, each when `mask` covers it (a create's covers all).
pub(super) fn check_user_destination(
    caller: &Caller,
    user: &User,
    mask: &UpdateMask,
) -> Result<()> {
    let granted = Role::highest(&user.roles);
    if mask.covers("roles") && !caller.may_grant(granted) {
        return Err(Error::denied(format!(
            "the caller cannot grant `{}`, above its own highest role",
            granted.as_str()
        )));
    }
    if mask.covers("org_id") && !user.org_id.is_empty() && !in_org_scope(caller, &user.org_id) {
        return Err(outside_org(&user.org_id));
    }
    if caller.role.scope() == Scope::OwnTenant
        && (caller.user.tenant_id.is_none()
            || (mask.covers("tenant_id") && user.tenant_id != caller.user.tenant_id))
    {
        return Err(Error::denied(
            "a tenant-admin manages users of its own tenant",
        ));
    }
    Ok(())
}

/// The tenant a user is to belong to, if it exists; one outside the
/// caller's scope is PERMISSION_DENIED.
pub(super) async fn tenant_in_scope(
    txn: &dyn Reader,
    caller: &Caller,
    tenant_id: Option<&str>,
) -> Result<Option<Tenant>> {
    let Some(tenant_id) = tenant_id else {
        return Ok(None);
    };
    let tenant = txn.tenant(tenant_id).await?;
    if let Some(t) = &tenant {
        if !in_org_scope(caller, &t.org_id) {
            return Err(outside_org(&t.org_id));
        }
    }
    Ok(tenant)
}

/// A named tenant must exist.
pub(super) fn require_tenant(tenant_id: Option<&str>, tenant: Option<&Tenant>) -> Result<()> {
    match (tenant_id, tenant) {
        (Some(id), None) => Err(not_found("tenant", id)),
        _ => Ok(()),
    }
}

/// A user's tenant must belong to the user's organization.
pub(super) fn check_tenant_org(tenant: Option<&Tenant>, org_id: &str) -> Result<()> {
    match tenant {
        Some(t) if t.org_id != org_id => Err(wrong_org("user.tenant_id", t, org_id)),
        _ => Ok(()),
    }
}

pub(super) fn wrong_org(field: &str, tenant: &Tenant, org_id: &str) -> Error {
    Error::invalid(
        field,
        format!(
            "tenant `{}` belongs to organization `{}`, not `{org_id}`",
            tenant.id, tenant.org_id
        ),
    )
}

pub(super) fn is_super_admin(user: &User) -> bool {
    user.roles.iter().any(|r| r == Role::SuperAdmin.as_str())
}

pub(super) fn last_super_admin() -> Error {
    Error::FailedPrecondition {
        reason: "LAST_SUPER_ADMIN",
        message: "the last super-admin cannot be deleted or demoted".into(),
    }
}

pub(super) fn already_exists(kind: &'static str, id: &str) -> Error {
    Error::AlreadyExists {
        kind,
        id: id.to_owned(),
    }
}

pub(super) fn not_found(kind: &'static str, id: &str) -> Error {
    Error::NotFound {
        kind,
        id: id.to_owned(),
    }
}
