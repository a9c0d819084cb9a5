//! The data rules of docs/contract.md §5 as functions: each checks one value and names
//! the offending field in its error.

use super::{mask, Error, JsonMap, Organization, Result, Tenant, UpdateMask, User};

/// Longest id of a user, tenant or organization.
pub const MAX_ID_CHARS: usize = 128;
/// Longest name of a user, tenant or organization.
pub const MAX_NAME_CHARS: usize = 256;
/// Longest email address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Most roles one user holds.
pub const MAX_ROLES: usize = 32;
/// Longest role string.
pub const MAX_ROLE_CHARS: usize = 64;
/// Largest `variables` object, encoded as JSON.
pub const MAX_VARIABLES_BYTES: usize = 64 * 1024;
/// Longest access key name.
pub const MAX_KEY_NAME_CHARS: usize = 64;
/// Most access keys one user holds.
pub const MAX_KEYS_PER_USER: usize = 100;
/// Longest configuration key.
pub const MAX_CONFIG_KEY_CHARS: usize = 128;
/// Most keys in one user's configuration.
pub const MAX_CONFIG_KEYS: usize = 256;
/// Largest configuration of one user, encoded as JSON.
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;

/// An id: 1-128 characters, the first alphanumeric, the rest
/// `[A-Za-z0-9._@+-]`.
pub fn id(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.len() > MAX_ID_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_ID_CHARS} characters"),
        ));
    }
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "._@+-".contains(c));
    if !first_ok || !rest_ok {
        return Err(Error::invalid(
            field,
            "must start with a letter or digit and contain only [A-Za-z0-9._@+-]",
        ));
    }
    Ok(())
}

/// `value`, unless it is empty: the proto's way of leaving an optional id
/// out.
pub fn non_empty(value: &str) -> Option<&str> {
    (!value.is_empty()).then_some(value)
}

/// An optional id: absent, or valid as `id`.
pub fn optional_id(field: &str, value: Option<&str>) -> Result<()> {
    value.map_or(Ok(()), |value| id(field, value))
}

/// A display name: at most 256 characters, required when `required`.
pub fn name(field: &str, value: &str, required: bool) -> Result<()> {
    if required && value.trim().is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// An email address: empty, or at most 254 characters with exactly one `@`
/// between non-empty parts and no whitespace or control characters.
pub fn email(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    let well_formed = value.len() <= MAX_EMAIL_CHARS
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(value.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if well_formed {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "must be an address like name@example.com, at most 254 characters",
        ))
    }
}

/// A list of roles: at most 32, no duplicates, each 1-64 characters of
/// `[A-Za-z0-9:._-]`.
pub fn roles(field: &str, roles: &[String]) -> Result<()> {
    if roles.len() > MAX_ROLES {
        return Err(Error::invalid(
            field,
            format!("at most {MAX_ROLES} roles, got {}", roles.len()),
        ));
    }
    for (i, role) in roles.iter().enumerate() {
        let ok = !role.is_empty()
            && role.len() <= MAX_ROLE_CHARS
            && role
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":._-".contains(c));
        if !ok {
            return Err(Error::invalid(
                format!("{field}[{i}]"),
                "a role is 1-64 characters of [A-Za-z0-9:._-]",
            ));
        }
        if roles[..i].contains(role) {
            return Err(Error::invalid(
                format!("{field}[{i}]"),
                format!("duplicate role `{role}`"),
            ));
        }
    }
    Ok(())
}

/// A `variables` object: at most 64 KiB encoded as JSON.
pub fn variables(field: &str, value: &JsonMap) -> Result<()> {
    let size = json_size(value);
    if size > MAX_VARIABLES_BYTES {
        return Err(Error::invalid(
            field,
            format!("is {size} bytes encoded, at most {MAX_VARIABLES_BYTES} allowed"),
        ));
    }
    Ok(())
}

/// An access key name: 1-64 characters of `[A-Za-z0-9._-]`.
pub fn key_name(field: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= MAX_KEY_NAME_CHARS
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "a key name is 1-64 characters of [A-Za-z0-9._-]",
        ))
    }
}

/// A configuration key: 1-128 characters.
pub fn config_key(field: &str, value: &str) -> Result<()> {
    let n = value.chars().count();
    if n == 0 || n > MAX_CONFIG_KEY_CHARS {
        return Err(Error::invalid(
            field,
            format!("a configuration key is 1-{MAX_CONFIG_KEY_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A user of a CreateUser or UpdateUser request.
pub fn user(user: &User) -> Result<()> {
    user_fields(user, &UpdateMask::all(&mask::USER))
}

/// The id of an UpdateUser request's user and the fields its mask covers
/// (the others keep their stored, already valid values).
pub fn user_fields(user: &User, mask: &UpdateMask) -> Result<()> {
    id("user.id", &user.id)?;
    if mask.covers("name") {
        name("user.name", &user.name, false)?;
    }
    if mask.covers("email") {
        email("user.email", &user.email)?;
    }
    if mask.covers("tenant_id") {
        optional_id("user.tenant_id", user.tenant_id.as_deref())?;
    }
    if mask.covers("org_id") {
        optional_id("user.org_id", non_empty(&user.org_id))?;
    }
    if mask.covers("roles") {
        roles("user.roles", &user.roles)?;
    }
    if mask.covers("variables") {
        variables("user.variables", &user.variables)?;
    }
    Ok(())
}

/// A tenant of a CreateTenant or UpdateTenant request.
pub fn tenant(tenant: &Tenant) -> Result<()> {
    tenant_fields(tenant, &UpdateMask::all(&mask::TENANT))
}

/// The id of an UpdateTenant request's tenant and the fields its mask
/// covers.
pub fn tenant_fields(tenant: &Tenant, mask: &UpdateMask) -> Result<()> {
    id("tenant.id", &tenant.id)?;
    if mask.covers("name") {
        name("tenant.name", &tenant.name, true)?;
    }
    if mask.covers("org_id") {
        optional_id("tenant.org_id", non_empty(&tenant.org_id))?;
    }
    if mask.covers("variables") {
        variables("tenant.variables", &tenant.variables)?;
    }
    Ok(())
}

/// An organization of a CreateOrganization or UpdateOrganization request.
pub fn organization(org: &Organization) -> Result<()> {
    organization_fields(org, &UpdateMask::all(&mask::ORGANIZATION))
}

/// The id of an UpdateOrganization request's organization and the fields
/// its mask covers.
pub fn organization_fields(org: &Organization, mask: &UpdateMask) -> Result<()> {
    id("organization.id", &org.id)?;
    if mask.covers("name") {
        name("organization.name", &org.name, true)?;
    }
    if mask.covers("variables") {
        variables("organization.variables", &org.variables)?;
    }
    Ok(())
}

/// An UpdateConfig request: at most 256 keys and 256 KiB in `updated`, at
/// most 256 keys in `deleted`, keys 1-128 characters, none in both.
pub fn config_update(updated: &JsonMap, deleted: &[String]) -> Result<()> {
    if updated.len() > MAX_CONFIG_KEYS {
        return Err(Error::invalid(
            "updated",
            format!("at most {MAX_CONFIG_KEYS} keys in one request"),
        ));
    }
    for key in updated.keys() {
        config_key("updated", key)?;
    }
    let size = json_size(updated);
    if size > MAX_CONFIG_BYTES {
        return Err(Error::invalid(
            "updated",
            format!("is {size} bytes encoded, at most {MAX_CONFIG_BYTES} allowed"),
        ));
    }
    if deleted.len() > MAX_CONFIG_KEYS {
        return Err(Error::invalid(
            "deleted",
            format!("at most {MAX_CONFIG_KEYS} keys in one request"),
        ));
    }
    for (i, key) in deleted.iter().enumerate() {
        let field = format!("deleted[{i}]");
        config_key(&field, key)?;
        if updated.contains_key(key) {
            return Err(Error::invalid(
                field,
                format!("key `{key}` is both updated and deleted"),
            ));
        }
    }
    Ok(())
}

/// Size of a JSON object in its compact encoding.
pub fn json_size(value: &JsonMap) -> usize {
    serde_json::to_vec(value)
        .map(|v| v.len())
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The id grammar of docs/contract.md §5, at its edges.
    #[test]
    fn ids() {
        for ok in ["a", "A9", "u.s@e+r-_x", &"a".repeat(128)] {
            assert!(id("id", ok).is_ok(), "{ok}");
        }
        for bad in ["", ".a", "-a", "a b", "a/b", "é", &"a".repeat(129)] {
            assert!(id("id", bad).is_err(), "{bad}");
        }
    }

    /// Roles: grammar, count and duplicates, each naming the index.
    #[test]
    fn role_lists() {
        assert!(roles("user.roles", &["a:b".into(), "c".into()]).is_ok());
        let dup = roles("user.roles", &["a".into(), "a".into()]).unwrap_err();
        assert!(matches!(dup, Error::Invalid { ref field, .. } if field == "user.roles[1]"));
        let many: Vec<String> = (0..33).map(|i| format!("r{i}")).collect();
        assert!(roles("user.roles", &many).is_err());
    }

    /// Emails: empty is fine, one `@` between non-empty parts.
    #[test]
    fn emails() {
        for ok in ["", "a@b", "first.last@example.com"] {
            assert!(email("e", ok).is_ok(), "{ok}");
        }
        for bad in ["a", "@b", "a@", "a@b@c", "a b@c"] {
            assert!(email("e", bad).is_err(), "{bad}");
        }
    }
}
