//! The `grpc-timeout` header (the gRPC over HTTP/2 spec's grammar), read
//! by the gRPC deadline layer (`api::layer`) and the JSON surface
//! (`gateway`), which honours it as grpc-gateway does.

use std::time::Duration;

use http::HeaderValue;

/// Parses a `grpc-timeout` value: at most 8 digits and a unit.
pub fn parse_grpc_timeout(value: &HeaderValue) -> Option<Duration> {
    let s = value.to_str().ok()?;
    let (digits, unit) = s.split_at_checked(s.len().checked_sub(1)?)?;
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grpc-timeout grammar of the gRPC HTTP/2 spec.
    #[test]
    fn timeouts() {
        let p = |s: &str| parse_grpc_timeout(&HeaderValue::from_str(s).unwrap());
        assert_eq!(p("1n"), Some(Duration::from_nanos(1)));
        assert_eq!(p("250m"), Some(Duration::from_millis(250)));
        assert_eq!(p("2S"), Some(Duration::from_secs(2)));
        assert_eq!(p("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(p("123456789S"), None);
        assert_eq!(p("S"), None);
        assert_eq!(p("5x"), None);
        assert_eq!(p(""), None);
    }
}
