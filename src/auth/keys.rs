//! The access key format: `rk_` + 43 base62 characters from the OS CSPRNG
//! (256.03 bits) + a 6-character base62 CRC-32 of everything before it.
//!
//! The checksum lets roster refuse a mistyped key without a store lookup and
//! lets secret scanners recognise a key. roster keeps only a key's SHA-256
//! digest (see [`digest`]).

use sha2::{Digest as _, Sha256};

use crate::domain::KeyDigest;

/// Every key roster generates starts with this.
pub const PREFIX: &str = "rk_";
const BODY_CHARS: usize = 43;
const CHECKSUM_CHARS: usize = 6;
/// Length of a key roster generates.
pub const KEY_CHARS: usize = PREFIX.len() + BODY_CHARS + CHECKSUM_CHARS;
/// Shortest key accepted that is not in roster's format (only the bootstrap
/// key from `ROSTER_BOOTSTRAP_KEY` can be one).
pub const MIN_FOREIGN_KEY_CHARS: usize = 32;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A secret: its `Debug` never shows it, so it cannot leak through logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: String) -> Self {
        Secret(s)
    }

    /// The secret itself, for the one place that must show it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Generates a fresh key from the OS CSPRNG (`Error::Internal` if the OS
/// cannot give random bytes).
pub fn generate() -> crate::domain::Result<Secret> {
    let mut key = String::with_capacity(KEY_CHARS);
    key.push_str(PREFIX);
    let mut buf = [0u8; 64];
    while key.len() < PREFIX.len() + BODY_CHARS {
        getrandom::fill(&mut buf).map_err(crate::domain::Error::internal)?;
        // Rejection sampling keeps every character uniform: 248 = 4 * 62.
        for &b in buf.iter().filter(|&&b| b < 248) {
            if key.len() == PREFIX.len() + BODY_CHARS {
                break;
            }
            key.push(BASE62[usize::from(b % 62)] as char);
        }
    }
    let sum = checksum(&key);
    key.push_str(&sum);
    Ok(Secret(key))
}

/// The checksum of a key's prefix and body, 6 base62 characters.
fn checksum(prefix_and_body: &str) -> String {
    let mut n = u64::from(crc32fast::hash(prefix_and_body.as_bytes()));
    let mut out = [b'0'; CHECKSUM_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `key` could be a key at all: a roster key with a valid checksum,
/// or (only for the bootstrap key) any other string of at least 32 printable
/// ASCII characters. A key failing this is refused without a store lookup.
pub fn plausible(key: &str) -> bool {
    if let Some(rest) = key.strip_prefix(PREFIX) {
        return key.len() == KEY_CHARS
            && rest.bytes().all(|b| b.is_ascii_alphanumeric())
            && checksum(&key[..KEY_CHARS - CHECKSUM_CHARS]) == key[KEY_CHARS - CHECKSUM_CHARS..];
    }
    is_valid_foreign(key)
}

/// Whether `key` is acceptable as a bootstrap key given by the operator: 32 or
/// more printable ASCII characters, and a valid roster key if it looks like
/// one.
pub fn is_valid_foreign(key: &str) -> bool {
    key.len() >= MIN_FOREIGN_KEY_CHARS && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The SHA-256 digest under which a key is stored.
pub fn digest(key: &str) -> KeyDigest {
    KeyDigest(Sha256::digest(key.as_bytes()).into())
}

/// What lists show of a key: its prefix and last 4 characters.
pub fn redact(key: &str) -> String {
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let prefix = if key.starts_with(PREFIX) { PREFIX } else { "" };
    format!("{prefix}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Generated keys have the documented shape and pass their own checksum;
    /// one changed character fails it.
    #[test]
    fn generated_keys_check() {
        let key = generate().unwrap();
        let k = key.expose();
        assert_eq!(k.len(), KEY_CHARS);
        assert!(k.starts_with("rk_"));
        assert!(plausible(k));
        let mut typo = k.to_string().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        assert!(!plausible(std::str::from_utf8(&typo).unwrap()));
        assert_ne!(generate().unwrap().expose(), k);
    }

    /// Redaction keeps the prefix and the last 4 characters only.
    #[test]
    fn redaction() {
        assert_eq!(redact("rk_abcdefgh1234"), "rk_…1234");
        assert_eq!(redact("operator-chosen-secret-wxyz"), "…wxyz");
        assert_eq!(format!("{:?}", Secret::new("s3cret".into())), "[redacted]");
    }

    /// Foreign keys: 32+ printable ASCII characters only.
    #[test]
    fn foreign_keys() {
        assert!(plausible(&"x".repeat(32)));
        assert!(!plausible(&"x".repeat(31)));
        assert!(!plausible(&format!("{} y", "x".repeat(32))));
    }
}
