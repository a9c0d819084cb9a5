//! Arbitrary bytes as a request header value: `authorization` (through
//! `auth::bearer`, then `keys::plausible` on the key), `grpc-timeout`
//! (`timeout::parse_grpc_timeout`), and as text for `KeyDigest::from_hex`
//! (export files and the store's key index) and `keys::redact`.
//!
//! Invariants, each against an independent model:
//! - nothing panics;
//! - `bearer` accepts exactly `Bearer <key>` (scheme case-insensitive, one
//!   space, a non-empty key not starting with a space) and answers the key;
//! - `plausible` accepts exactly a 52-character `rk_` key of base62 digits
//!   whose last 6 are the CRC-32 checksum, or 32+ printable ASCII bytes not
//!   starting with `rk_`; changing any one character of a plausible roster
//!   key makes it implausible;
//! - `parse_grpc_timeout` accepts exactly 1-8 ASCII digits and a unit of
//!   `HMSmun`, with the duration they spell;
//! - `KeyDigest::from_hex` accepts exactly 64 hex digits, and what it answers
//!   prints back as the same digits (lowercased);
//! - `redact` shows at most the `rk_` prefix and the last 4 characters.
#![no_main]

use std::time::Duration;

use http::HeaderValue;
use libfuzzer_sys::fuzz_target;
use roster::auth::{bearer, keys};
use roster::domain::KeyDigest;
use roster::timeout::parse_grpc_timeout;
use roster_fuzz::key_checksum;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = HeaderValue::from_bytes(data) {
        assert_eq!(parse_grpc_timeout(&value), timeout_model(data), "{value:?}");
    }
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    let key = bearer(text);
    assert_eq!(key, bearer_model(text), "bearer({text:?})");
    for k in [Some(text), key].into_iter().flatten() {
        check_plausible(k);
        let shown = keys::redact(k);
        let tail = shown.strip_prefix("rk_").unwrap_or(&shown);
        let tail = tail.strip_prefix('…').expect("redacted keys show `…`");
        assert!(
            tail.chars().count() <= 4 && k.ends_with(tail),
            "redact({k:?}) = {shown:?}"
        );
    }

    let digest = KeyDigest::from_hex(text);
    let is_hex = text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit());
    assert_eq!(
        digest.is_some(),
        is_hex,
        "KeyDigest::from_hex({text:?}) = {digest:?}"
    );
    if let Some(d) = digest {
        assert_eq!(d.to_hex(), text.to_ascii_lowercase());
    }
});

fn bearer_model(s: &str) -> Option<&str> {
    let scheme = s.get(..7)?;
    let key = &s[7..];
    (scheme.eq_ignore_ascii_case("bearer ") && !key.is_empty() && !key.starts_with(' '))
        .then_some(key)
}

fn roster_key_ok(k: &str) -> bool {
    k.len() == keys::KEY_CHARS
        && k.starts_with(keys::PREFIX)
        && k[3..].bytes().all(|b| b.is_ascii_alphanumeric())
        && key_checksum(&k[..keys::KEY_CHARS - 6]) == k[keys::KEY_CHARS - 6..]
}

fn check_plausible(k: &str) {
    let expected = if k.starts_with(keys::PREFIX) {
        roster_key_ok(k)
    } else {
        k.len() >= keys::MIN_FOREIGN_KEY_CHARS && k.bytes().all(|b| b.is_ascii_graphic())
    };
    assert_eq!(keys::plausible(k), expected, "plausible({k:?})");
    if expected && k.starts_with(keys::PREFIX) {
        // One changed character is always caught (CRC-32 catches every burst
        // of up to 32 bits; base62 of it is injective).
        let mut bytes = k.as_bytes().to_vec();
        for i in 3..bytes.len() {
            let old = bytes[i];
            bytes[i] = if old == b'0' { b'1' } else { b'0' };
            let typo = std::str::from_utf8(&bytes).unwrap();
            assert!(!keys::plausible(typo), "typo at {i} passes: {typo:?}");
            bytes[i] = old;
        }
    }
}

fn timeout_model(raw: &[u8]) -> Option<Duration> {
    let (&unit, digits) = raw.split_last()?;
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    let nanos: u128 = match unit {
        b'H' => 3_600_000_000_000,
        b'M' => 60_000_000_000,
        b'S' => 1_000_000_000,
        b'm' => 1_000_000,
        b'u' => 1_000,
        b'n' => 1,
        _ => return None,
    };
    let total = u128::from(n) * nanos;
    Some(Duration::new(
        (total / 1_000_000_000) as u64,
        (total % 1_000_000_000) as u32,
    ))
}
