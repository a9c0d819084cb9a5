//! Built-in roles, their rank and their permissions (SPEC §4).

use std::collections::BTreeSet;

/// A built-in role, ordered by rank: a higher one may manage the lower ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Self permissions only.
    User,
    /// Users of its own tenant; reads that tenant.
    TenantAdmin,
    /// Tenants and users of its own organization.
    OrgAdmin,
    /// Everything, everywhere.
    SuperAdmin,
}

/// Permissions every authenticated user has.
pub const SELF_PERMISSIONS: [&str; 3] = ["self:access-keys", "self:config", "self:read"];

impl Role {
    /// The built-in role a role string names, if any.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "super-admin" => Some(Role::SuperAdmin),
            "org-admin" => Some(Role::OrgAdmin),
            "tenant-admin" => Some(Role::TenantAdmin),
            "user" => Some(Role::User),
            _ => None,
        }
    }

    /// The role's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super-admin",
            Role::OrgAdmin => "org-admin",
            Role::TenantAdmin => "tenant-admin",
            Role::User => "user",
        }
    }

    /// The highest built-in role among `roles`; `User` when there is none.
    pub fn highest(roles: &[String]) -> Role {
        roles
            .iter()
            .filter_map(|r| Role::parse(r))
            .max()
            .unwrap_or(Role::User)
    }

    /// The permissions this role grants beyond the self permissions.
    pub fn permissions(self) -> &'static [&'static str] {
        const ADMIN: &[&str] = &[
            "orgs:read",
            "orgs:write",
            "tenants:read",
            "tenants:write",
            "users:read",
            "users:write",
        ];
        match self {
            Role::SuperAdmin | Role::OrgAdmin => ADMIN,
            Role::TenantAdmin => &["tenants:read", "users:read", "users:write"],
            Role::User => &[],
        }
    }
}

/// The union of the permissions of `roles` and the self permissions, sorted
/// and without duplicates.
pub fn permissions(roles: &[String]) -> Vec<String> {
    let mut set: BTreeSet<&str> = SELF_PERMISSIONS.into_iter().collect();
    for role in roles.iter().filter_map(|r| Role::parse(r)) {
        set.extend(role.permissions());
    }
    set.into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rank order and the permission union of SPEC §4.
    #[test]
    fn ranks_and_permissions() {
        let roles = vec!["app:x".to_string(), "tenant-admin".into(), "user".into()];
        assert_eq!(Role::highest(&roles), Role::TenantAdmin);
        assert_eq!(Role::highest(&["app".to_string()]), Role::User);
        assert_eq!(
            permissions(&roles),
            [
                "self:access-keys",
                "self:config",
                "self:read",
                "tenants:read",
                "users:read",
                "users:write"
            ]
        );
        assert!(Role::SuperAdmin > Role::OrgAdmin && Role::OrgAdmin > Role::TenantAdmin);
    }
}
