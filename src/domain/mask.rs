//! Update masks (AIP-134): which mutable fields of a user, tenant or
//! organization an update changes, and the resource an update makes of the
//! stored one.
//!
//! The rule lives here, not in a surface: every surface hands the paths it
//! was given to [`UpdateMask::parse`], and the directory merges with
//! [`UpdateMask::user`], [`UpdateMask::tenant`] and
//! [`UpdateMask::organization`] before it runs the checks of an update.

use super::{Error, Organization, Result, Tenant, User};

/// The field an invalid mask is reported against (its proto name).
pub const FIELD: &str = "update_mask";

/// The fields of one kind of resource an update mask may name.
#[derive(Debug, PartialEq, Eq)]
pub struct Fields {
    /// The resource with its article, as messages name it.
    kind: &'static str,
    /// Its mutable fields, by proto name.
    mutable: &'static [&'static str],
    /// Its immutable and output-only fields, by proto name.
    fixed: &'static [&'static str],
}

/// A user's fields.
pub const USER: Fields = Fields {
    kind: "a user",
    mutable: &["name", "email", "tenant_id", "org_id", "variables", "roles"],
    fixed: &["id", "created_at", "updated_at"],
};

/// A tenant's fields.
pub const TENANT: Fields = Fields {
    kind: "a tenant",
    mutable: &["name", "variables", "org_id"],
    fixed: &["id", "created_at", "updated_at"],
};

/// An organization's fields.
pub const ORGANIZATION: Fields = Fields {
    kind: "an organization",
    mutable: &["name", "variables"],
    fixed: &["id", "created_at", "updated_at"],
};

/// The mutable fields an update changes: every one, or those its mask names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateMask {
    fields: &'static Fields,
    /// Bit `i` stands for `fields.mutable[i]`.
    named: u32,
}

impl UpdateMask {
    /// Every mutable field of `fields`: an update without a mask (the SDK's
    /// whole-object replace).
    pub fn all(fields: &'static Fields) -> Self {
        UpdateMask {
            fields,
            named: (1 << fields.mutable.len()) - 1,
        }
    }

    /// The mask of `paths`: none (an absent or empty mask) and `*` alone mean
    /// every mutable field; otherwise each path must be a mutable field's
    /// proto name. An unknown path, an immutable or output-only field, or `*`
    /// beside other paths is INVALID_ARGUMENT naming `update_mask`. A path
    /// given twice counts once.
    pub fn parse(fields: &'static Fields, paths: &[String]) -> Result<Self> {
        if paths.is_empty() || (paths.len() == 1 && paths[0] == "*") {
            return Ok(Self::all(fields));
        }
        let mut named = 0;
        for (i, path) in paths.iter().enumerate() {
            let bit = match fields.mutable.iter().position(|f| f == path) {
                Some(bit) => bit,
                None => return Err(bad_path(fields, i, path)),
            };
            named |= 1 << bit;
        }
        Ok(UpdateMask { fields, named })
    }

    /// Whether the update changes the mutable field `name`.
    pub fn covers(&self, name: &str) -> bool {
        let bit = self.fields.mutable.iter().position(|f| *f == name);
        debug_assert!(
            bit.is_some(),
            "`{name}` is no mutable field of {}",
            self.fields.kind
        );
        bit.is_some_and(|bit| self.named & (1 << bit) != 0)
    }

    /// Whether the update changes every mutable field (no mask, an empty
    /// one, `*`, or every field named).
    pub fn is_all(&self) -> bool {
        *self == Self::all(self.fields)
    }

    /// The user an update makes of `old`: the covered fields from `new`, the
    /// others (and `id`, `created_at`, `updated_at`) from `old`. An empty
    /// `org_id` stays empty here (it keeps the current organization, which
    /// the update decides).
    pub fn user(&self, old: &User, new: &User) -> User {
        let pick = |name: &str| self.covers(name);
        User {
            id: old.id.clone(),
            name: pick_field(pick("name"), &old.name, &new.name),
            email: pick_field(pick("email"), &old.email, &new.email),
            tenant_id: pick_field(pick("tenant_id"), &old.tenant_id, &new.tenant_id),
            org_id: pick_field(pick("org_id"), &old.org_id, &new.org_id),
            variables: pick_field(pick("variables"), &old.variables, &new.variables),
            roles: pick_field(pick("roles"), &old.roles, &new.roles),
            created_at: old.created_at,
            updated_at: old.updated_at,
        }
    }

    /// The tenant an update makes of `old`, as [`UpdateMask::user`] does.
    pub fn tenant(&self, old: &Tenant, new: &Tenant) -> Tenant {
        Tenant {
            id: old.id.clone(),
            name: pick_field(self.covers("name"), &old.name, &new.name),
            org_id: pick_field(self.covers("org_id"), &old.org_id, &new.org_id),
            variables: pick_field(self.covers("variables"), &old.variables, &new.variables),
            created_at: old.created_at,
            updated_at: old.updated_at,
        }
    }

    /// The organization an update makes of `old`, as [`UpdateMask::user`]
    /// does.
    pub fn organization(&self, old: &Organization, new: &Organization) -> Organization {
        Organization {
            id: old.id.clone(),
            name: pick_field(self.covers("name"), &old.name, &new.name),
            variables: pick_field(self.covers("variables"), &old.variables, &new.variables),
            created_at: old.created_at,
            updated_at: old.updated_at,
        }
    }
}

fn pick_field<T: Clone>(from_new: bool, old: &T, new: &T) -> T {
    if from_new { new } else { old }.clone()
}

fn bad_path(fields: &Fields, i: usize, path: &str) -> Error {
    let mutable = fields.mutable.join(", ");
    let why = if path == "*" {
        "`*` must be the only path".to_owned()
    } else if fields.fixed.contains(&path) {
        format!("`{path}` of {} cannot be changed", fields.kind)
    } else {
        format!("`{path}` is not a field of {}", fields.kind)
    };
    Error::invalid(
        FIELD,
        format!("paths[{i}]: {why}; the mutable fields are {mutable}, or `*` for all"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    /// No paths and `*` alone mean every field; named paths only those.
    #[test]
    fn parsing() {
        assert!(UpdateMask::parse(&USER, &[]).unwrap().is_all());
        assert!(UpdateMask::parse(&USER, &paths(&["*"])).unwrap().is_all());
        let name = UpdateMask::parse(&USER, &paths(&["name", "name"])).unwrap();
        assert!(name.covers("name") && !name.covers("email") && !name.is_all());
        let every = paths(&["roles", "variables", "org_id", "tenant_id", "email", "name"]);
        assert!(UpdateMask::parse(&USER, &every).unwrap().is_all());
    }

    /// Unknown, fixed and misplaced `*` paths are refused naming
    /// `update_mask`, with the index of the path.
    #[test]
    fn bad_paths() {
        for (fields, p, why) in [
            (
                &USER,
                &["name", "nickname"][..],
                "paths[1]: `nickname` is not a field",
            ),
            (
                &USER,
                &["id"][..],
                "paths[0]: `id` of a user cannot be changed",
            ),
            (&TENANT, &["created_at"][..], "cannot be changed"),
            (&ORGANIZATION, &["updated_at"][..], "cannot be changed"),
            (
                &ORGANIZATION,
                &["org_id"][..],
                "`org_id` is not a field of an organization",
            ),
            (&USER, &["*", "name"][..], "`*` must be the only path"),
            (&USER, &[""][..], "`` is not a field"),
            (&USER, &["variables.team"][..], "is not a field"),
        ] {
            match UpdateMask::parse(fields, &paths(p)) {
                Err(Error::Invalid { field, description }) => {
                    assert_eq!(field, FIELD);
                    assert!(description.contains(why), "{description}");
                }
                other => panic!("{p:?}: {other:?}"),
            }
        }
    }

    /// A merge takes the covered fields from the request and everything else
    /// from the stored resource.
    #[test]
    fn merging() {
        let old = User {
            id: "u".into(),
            name: "Old".into(),
            email: "old@x".into(),
            tenant_id: Some("t".into()),
            org_id: "o".into(),
            roles: vec!["user".into()],
            created_at: 1,
            updated_at: 2,
            ..Default::default()
        };
        let new = User {
            id: "u".into(),
            name: "New".into(),
            created_at: 9,
            ..Default::default()
        };
        let name = UpdateMask::parse(&USER, &paths(&["name"])).unwrap();
        assert_eq!(
            name.user(&old, &new),
            User {
                name: "New".into(),
                ..old.clone()
            }
        );
        let all = UpdateMask::all(&USER).user(&old, &new);
        assert_eq!(
            all,
            User {
                created_at: 1,
                updated_at: 2,
                ..new
            }
        );
    }
}
