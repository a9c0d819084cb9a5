//! Authorization's one source of truth: the permissions, what each built-in
//! role grants (the table GetInfo shows), the scope each role reaches, and
//! the permission every operation needs (the table every check reads).
//! Changing a row here changes what roster allows; see
//! docs/contract.md §4 for the rules these tables state.

/// A permission, in name order (which is the order GetInfo lists them in).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    OrgsRead,
    OrgsWrite,
    SelfAccessKeys,
    SelfConfig,
    SelfRead,
    TenantsRead,
    TenantsWrite,
    UsersRead,
    UsersWrite,
}

impl Permission {
    /// Every permission, sorted by name.
    pub const ALL: [Permission; 9] = [
        Permission::OrgsRead,
        Permission::OrgsWrite,
        Permission::SelfAccessKeys,
        Permission::SelfConfig,
        Permission::SelfRead,
        Permission::TenantsRead,
        Permission::TenantsWrite,
        Permission::UsersRead,
        Permission::UsersWrite,
    ];

    /// The permission's name, as GetInfo shows it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::OrgsRead => "orgs:read",
            Permission::OrgsWrite => "orgs:write",
            Permission::SelfAccessKeys => "self:access-keys",
            Permission::SelfConfig => "self:config",
            Permission::SelfRead => "self:read",
            Permission::TenantsRead => "tenants:read",
            Permission::TenantsWrite => "tenants:write",
            Permission::UsersRead => "users:read",
            Permission::UsersWrite => "users:write",
        }
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A set of permissions (a bit set: a caller's is worked out once, when it
/// is cached, and read on every call).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Permissions(u16);

impl Permissions {
    /// The set of `permissions`.
    pub const fn of(permissions: &[Permission]) -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < permissions.len() {
            bits |= permissions[i].bit();
            i += 1;
        }
        Permissions(bits)
    }

    /// Whether the set holds `p`.
    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    /// The permissions of either set.
    pub fn union(self, other: Permissions) -> Self {
        Permissions(self.0 | other.0)
    }

    /// The permissions held, sorted by name.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// The permissions of every user: on its own keys, configuration and
    /// information.
    pub const SELF: Permissions = Permissions::of(&[
        Permission::SelfAccessKeys,
        Permission::SelfConfig,
        Permission::SelfRead,
    ]);

    /// The union of the self permissions and what each of `roles` grants
    /// (application roles grant nothing).
    pub fn of_roles(roles: &[String]) -> Self {
        roles
            .iter()
            .filter_map(|r| Role::parse(r))
            .fold(Permissions::SELF, |set, role| set.union(role.grants()))
    }
}

/// A built-in role, ordered by rank: a higher one may manage the lower ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// How far a role's permissions reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every organization.
    Everywhere,
    /// The caller's own organization.
    OwnOrg,
    /// The caller's own tenant.
    OwnTenant,
    /// The caller itself.
    OwnSelf,
}

impl Role {
    /// Every built-in role, lowest first.
    pub const ALL: [Role; 4] = [
        Role::User,
        Role::TenantAdmin,
        Role::OrgAdmin,
        Role::SuperAdmin,
    ];

    /// The built-in role a role string names, if any.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The role's name as stored.
    pub const fn as_str(self) -> &'static str {
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

    /// What the role grants beyond the self permissions.
    pub const fn grants(self) -> Permissions {
        use Permission::*;
        match self {
            Role::SuperAdmin | Role::OrgAdmin => Permissions::of(&[
                OrgsRead,
                OrgsWrite,
                TenantsRead,
                TenantsWrite,
                UsersRead,
                UsersWrite,
            ]),
            Role::TenantAdmin => Permissions::of(&[TenantsRead, UsersRead, UsersWrite]),
            Role::User => Permissions::of(&[]),
        }
    }

    /// How far the role's permissions reach.
    pub const fn scope(self) -> Scope {
        match self {
            Role::SuperAdmin => Scope::Everywhere,
            Role::OrgAdmin => Scope::OwnOrg,
            Role::TenantAdmin => Scope::OwnTenant,
            Role::User => Scope::OwnSelf,
        }
    }
}

/// Every operation of roster, for the one table of what each needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    CreateAccessKey,
    ListAccessKeys,
    DeleteAccessKeys,
    GetInfo,
    UpdateConfig,
    CreateUser,
    UpdateUser,
    DeleteUser,
    ListUsers,
    CreateTenant,
    UpdateTenant,
    DeleteTenant,
    ListTenants,
    CreateOrganization,
    UpdateOrganization,
    DeleteOrganization,
    ListOrganizations,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 17] = [
        Operation::CreateAccessKey,
        Operation::ListAccessKeys,
        Operation::DeleteAccessKeys,
        Operation::GetInfo,
        Operation::UpdateConfig,
        Operation::CreateUser,
        Operation::UpdateUser,
        Operation::DeleteUser,
        Operation::ListUsers,
        Operation::CreateTenant,
        Operation::UpdateTenant,
        Operation::DeleteTenant,
        Operation::ListTenants,
        Operation::CreateOrganization,
        Operation::UpdateOrganization,
        Operation::DeleteOrganization,
        Operation::ListOrganizations,
    ];

    /// The permission a caller needs for the operation (scope rules come on
    /// top: see `auth::access`).
    pub const fn needs(self) -> Permission {
        use Operation::*;
        match self {
            CreateAccessKey | ListAccessKeys | DeleteAccessKeys => Permission::SelfAccessKeys,
            GetInfo => Permission::SelfRead,
            UpdateConfig => Permission::SelfConfig,
            CreateUser | UpdateUser | DeleteUser => Permission::UsersWrite,
            ListUsers => Permission::UsersRead,
            CreateTenant | UpdateTenant | DeleteTenant => Permission::TenantsWrite,
            ListTenants => Permission::TenantsRead,
            CreateOrganization | UpdateOrganization | DeleteOrganization => Permission::OrgsWrite,
            ListOrganizations => Permission::OrgsRead,
        }
    }

    /// Operations that also need the `Everywhere` scope: an organization is
    /// created or deleted only by a super-admin (an org-admin's `orgs:write`
    /// covers updating its own).
    pub const fn needs_everywhere(self) -> bool {
        matches!(
            self,
            Operation::CreateOrganization | Operation::DeleteOrganization
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rank order, and the permission union docs/contract.md §4 states:
    /// the self permissions plus each built-in role's grant, sorted.
    #[test]
    fn ranks_and_permissions() {
        let roles = vec!["app:x".to_string(), "tenant-admin".into(), "user".into()];
        assert_eq!(Role::highest(&roles), Role::TenantAdmin);
        assert_eq!(Role::highest(&["app".to_string()]), Role::User);
        let names: Vec<_> = Permissions::of_roles(&roles)
            .iter()
            .map(Permission::as_str)
            .collect();
        assert_eq!(
            names,
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
        let mut sorted = Permission::ALL.map(Permission::as_str);
        sorted.sort();
        assert_eq!(sorted, Permission::ALL.map(Permission::as_str));
        assert_eq!(
            Permissions::of_roles(&["super-admin".to_string()])
                .iter()
                .collect::<Vec<_>>(),
            Permission::ALL
        );
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}
