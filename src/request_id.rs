//! Request ids: every request carries an `x-request-id`, the caller's when
//! it sent a usable one (1 to 128 visible ASCII characters), else one
//! roster makes; the answer carries it back (gRPC response metadata, or an
//! HTTP header), and the call's log event names it. A proxy's or a mesh's
//! id (Envoy, Istio and Linkerd set this header) so ties roster's log line
//! to theirs.
//!
//! Ids roster makes are a random 64-bit prefix drawn once per process and
//! a counter (`7f3a…c2-1a`): unique within a process without a random draw
//! per call, and across replicas but for the chance of two equal prefixes.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    OnceLock,
};

use http::{HeaderMap, HeaderName, HeaderValue};

/// The header.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id kept as sent.
pub const MAX_LEN: usize = 128;

/// Makes sure `headers` carry a usable id, and answers it.
pub fn ensure(headers: &mut HeaderMap) -> HeaderValue {
    if let Some(id) = headers.get(&HEADER).filter(|id| usable(id)) {
        return id.clone();
    }
    let id = generate();
    headers.insert(HEADER, id.clone());
    id
}

/// Whether an id sent by a caller is kept: 1 to [`MAX_LEN`] visible ASCII
/// characters (no spaces, nothing a log reader would trip on).
fn usable(id: &HeaderValue) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty() && bytes.len() <= MAX_LEN && bytes.iter().all(|b| b.is_ascii_graphic())
}

/// A new id: the process's prefix and the next count.
fn generate() -> HeaderValue {
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 8];
        // Without the OS's randomness, the time still makes the prefix
        // differ between processes.
        if getrandom::fill(&mut bytes).is_err() {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            bytes = (now.as_nanos() as u64 ^ u64::from(std::process::id())).to_le_bytes();
        }
        u64::from_le_bytes(bytes)
    });
    let count = COUNT.fetch_add(1, Ordering::Relaxed);
    HeaderValue::try_from(format!("{prefix:016x}-{count:x}"))
        .expect("hex digits and a dash are a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usable_id_is_kept_and_others_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_static("req-42"));
        assert_eq!(ensure(&mut headers), "req-42");
        assert_eq!(headers[&HEADER], "req-42");

        for bad in ["", "has space", &"x".repeat(MAX_LEN + 1)] {
            let mut headers = HeaderMap::new();
            headers.insert(HEADER, HeaderValue::from_str(bad).unwrap());
            let id = ensure(&mut headers);
            assert_ne!(id, bad);
            assert_eq!(headers[&HEADER], id);
        }
        let kept = "y".repeat(MAX_LEN);
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_str(&kept).unwrap());
        assert_eq!(ensure(&mut headers), kept.as_str());
    }

    #[test]
    fn generated_ids_differ_and_share_the_prefix() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
        assert_eq!(a.split_once('-').unwrap().0, b.split_once('-').unwrap().0);
        assert_eq!(a.split_once('-').unwrap().0.len(), 16);
    }
}
