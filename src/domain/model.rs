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

/// A user. `tenant_id` is empty when the user belongs to no tenant.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub tenant_id: String,
    pub org_id: String,
    pub variables: JsonMap,
    /// In the order given; built-in and application roles alike.
    pub roles: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// SHA-256 digest of an access key's secret: all that roster keeps of it.
pub type KeyDigest = [u8; 32];

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
