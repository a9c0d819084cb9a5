//! The records roster keeps. Plain data: no proto, no storage concerns beyond
//! serde, which the store uses as its on-disk encoding.

use serde::{Deserialize, Serialize};

/// An arbitrary JSON object: `variables` and a user's configuration.
pub type JsonMap = serde_json::Map<String, serde_json::Value>;

/// An organization, the top of the hierarchy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub variables: JsonMap,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// Milliseconds since the Unix epoch.
    pub updated_at: i64,
}

/// A tenant; its organization never changes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub org_id: String,
    pub variables: JsonMap,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    /// The user's tenant; `None` when it belongs to none. (Stored and
    /// exported as `""` then, as the first version wrote it.)
    #[serde(with = "empty_is_none")]
    pub tenant_id: Option<String>,
    pub org_id: String,
    pub variables: JsonMap,
    /// In the order given; built-in and application roles alike.
    pub roles: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl User {
    /// The user's tenant id, `""` when it has none (for messages and keys).
    pub fn tenant(&self) -> &str {
        self.tenant_id.as_deref().unwrap_or_default()
    }
}

/// `Option<String>` as a string that is empty for `None`.
mod empty_is_none {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_deref().unwrap_or_default())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let value = String::deserialize(d)?;
        Ok((!value.is_empty()).then_some(value))
    }
}

/// SHA-256 digest of an access key's secret: all that roster keeps of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyDigest(pub [u8; 32]);

impl KeyDigest {
    /// The digest as 64 lowercase hex digits (how stores and exports write
    /// it).
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        out
    }

    /// Parses 64 hex digits (either case).
    pub fn from_hex(s: &str) -> Option<Self> {
        // from_str_radix alone would also take a sign ("+f"): only hex digits.
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(KeyDigest(out))
    }
}

/// An access key as stored: never the secret, only what identifies it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessKey {
    pub user_id: String,
    pub name: String,
    /// The prefix and the last 4 characters of the secret, e.g. `rk_…Xy9Q`.
    pub redacted: String,
    pub created_at: i64,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Digests round-trip through hex; malformed hex is refused.
    #[test]
    fn digest_hex_round_trip() {
        let d = KeyDigest([0xa5; 32]);
        assert_eq!(d.to_hex(), "a5".repeat(32));
        assert_eq!(KeyDigest::from_hex(&d.to_hex()), Some(d));
        assert_eq!(KeyDigest::from_hex("zz"), None);
        assert_eq!(KeyDigest::from_hex(&"g".repeat(64)), None);
        // Found by the `headers` fuzz target: a sign is not a hex digit.
        assert_eq!(KeyDigest::from_hex(&"+0".repeat(32)), None);
    }

    /// A user without a tenant is stored with `""`, as the first version
    /// wrote it, and read back as `None`.
    #[test]
    fn no_tenant_is_an_empty_string_on_disk() {
        let user = User {
            id: "u".into(),
            ..Default::default()
        };
        let json = serde_json::to_value(&user).unwrap();
        assert_eq!(json["tenant_id"], "");
        assert_eq!(serde_json::from_value::<User>(json).unwrap(), user);
        let with = User {
            tenant_id: Some("t".into()),
            ..user
        };
        let back: User = serde_json::from_str(&serde_json::to_string(&with).unwrap()).unwrap();
        assert_eq!(back.tenant_id.as_deref(), Some("t"));
    }
}
