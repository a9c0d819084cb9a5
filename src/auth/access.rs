//! The scope rules of docs/contract.md §4: whether a caller holds what an
//! operation needs, and whether an organization, tenant or user lies within
//! its reach. Each refusal is `PERMISSION_DENIED` with the reason in words.

use super::{Caller, Operation, Role, Scope};
use crate::domain::{Error, Result, User};

/// The caller holds the permission `op` needs (and, where `op` needs it,
/// reaches every organization).
pub fn require(caller: &Caller, op: Operation) -> Result<()> {
    let needed = op.needs();
    if !caller.permissions.contains(needed) {
        return Err(Error::denied(format!(
            "the caller lacks {}",
            needed.as_str()
        )));
    }
    if op.needs_everywhere() && caller.role.scope() != Scope::Everywhere {
        return Err(Error::denied(
            "only a super-admin creates or deletes organizations",
        ));
    }
    Ok(())
}

/// Whether `org_id` lies in the caller's organization scope: every
/// organization for a super-admin, the own one for org- and tenant-admins.
pub fn in_org_scope(caller: &Caller, org_id: &str) -> bool {
    match caller.role.scope() {
        Scope::Everywhere => true,
        Scope::OwnOrg | Scope::OwnTenant => caller.user.org_id == org_id,
        Scope::OwnSelf => false,
    }
}

/// Whether a user in `org_id` and `tenant_id` lies in the caller's user
/// scope.
pub fn in_user_scope(caller: &Caller, org_id: &str, tenant_id: Option<&str>) -> bool {
    match caller.role.scope() {
        Scope::Everywhere => true,
        Scope::OwnOrg => caller.user.org_id == org_id,
        Scope::OwnTenant => {
            caller.user.org_id == org_id
                && caller.user.tenant_id.is_some()
                && caller.user.tenant_id.as_deref() == tenant_id
        }
        Scope::OwnSelf => false,
    }
}

/// An organization is outside the caller's scope.
pub fn outside_org(org_id: &str) -> Error {
    Error::denied(format!(
        "organization `{org_id}` is outside the caller's scope"
    ))
}

/// The caller may change (update, delete, impersonate) `target`: it holds
/// `users:write`, the target is in scope and does not rank above it.
pub fn check_may_change_user(caller: &Caller, target: &User) -> Result<()> {
    require(caller, Operation::UpdateUser)?;
    if !in_user_scope(caller, &target.org_id, target.tenant_id.as_deref()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Permission, Permissions};

    fn caller(roles: &[&str]) -> Caller {
        Caller::new(User {
            id: "me".into(),
            org_id: "o".into(),
            tenant_id: Some("t".into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            ..Default::default()
        })
    }

    /// Every operation against every built-in role: `require` allows
    /// exactly what the role's row of the permissions table grants (plus
    /// the super-admin-only rule for creating and deleting organizations).
    #[test]
    fn require_follows_the_permissions_table() {
        for role in Role::ALL {
            let c = caller(&[role.as_str()]);
            let granted = Permissions::SELF.union(role.grants());
            for op in Operation::ALL {
                let expected = granted.contains(op.needs())
                    && (!op.needs_everywhere() || role == Role::SuperAdmin);
                assert_eq!(
                    require(&c, op).is_ok(),
                    expected,
                    "{role:?} {op:?} (needs {})",
                    op.needs().as_str()
                );
            }
        }
    }

    /// Checks read the caller's permission set, not its rank: the same
    /// tenant-admin with `users:write` taken away may no longer change
    /// users, and a plain user given `tenants:read` may list tenants.
    #[test]
    fn permissions_not_rank_decide() {
        let mut admin = caller(&["tenant-admin"]);
        assert!(require(&admin, Operation::CreateUser).is_ok());
        admin.permissions = Permissions::of(&[Permission::UsersRead]);
        let err = require(&admin, Operation::CreateUser).unwrap_err();
        assert_eq!(
            err.to_string(),
            "permission denied: the caller lacks users:write"
        );
        let mut user = caller(&["user"]);
        assert!(require(&user, Operation::ListTenants).is_err());
        user.permissions = user
            .permissions
            .union(Permissions::of(&[Permission::TenantsRead]));
        assert!(require(&user, Operation::ListTenants).is_ok());
    }

    /// Scope by role: a tenant-admin reaches its own tenant's users only.
    #[test]
    fn scopes() {
        let t = caller(&["tenant-admin"]);
        assert!(in_user_scope(&t, "o", Some("t")));
        assert!(!in_user_scope(&t, "o", Some("u")));
        assert!(!in_user_scope(&t, "o", None));
        assert!(in_org_scope(&t, "o") && !in_org_scope(&t, "p"));
        let s = caller(&["super-admin"]);
        assert!(in_org_scope(&s, "p") && in_user_scope(&s, "p", None));
        assert!(!in_org_scope(&caller(&["user"]), "o"));
    }
}
