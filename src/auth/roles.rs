//! Built-in roles, their rank and their permissions (SPEC §4).

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

/// Every permission roster knows, sorted.
const ALL: [&str; 9] = [
    "orgs:read",
    "orgs:write",
    "self:access-keys",
    "self:config",
    "self:read",
    "tenants:read",
    "tenants:write",
    "users:read",
    "users:write",
];

/// A set of permissions: bit `i` is `ALL[i]`.
fn mask(permissions: &[&str]) -> u16 {
    permissions
        .iter()
        .filter_map(|p| ALL.iter().position(|a| a == p))
        .fold(0, |m, i| m | 1 << i)
}

/// The union of the permissions of `roles` and the self permissions, sorted
/// and without duplicates. (A bit set over a fixed sorted list: this runs on
/// every GetInfo.)
pub fn permissions(roles: &[String]) -> Vec<&'static str> {
    let granted = roles
        .iter()
        .filter_map(|r| Role::parse(r))
        .fold(mask(&SELF_PERMISSIONS), |m, role| {
            m | mask(role.permissions())
        });
    ALL.iter()
        .enumerate()
        .filter(|(i, _)| granted & (1 << i) != 0)
        .map(|(_, p)| *p)
        .collect()
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
        // Every permission a role grants is in the sorted list.
        let mut all = ALL.to_vec();
        all.sort();
        assert_eq!(all, ALL);
        for role in [
            Role::SuperAdmin,
            Role::OrgAdmin,
            Role::TenantAdmin,
            Role::User,
        ] {
            assert_eq!(
                mask(role.permissions()).count_ones() as usize,
                role.permissions().len()
            );
        }
        assert_eq!(permissions(&["super-admin".to_string()]), ALL);
    }
}
