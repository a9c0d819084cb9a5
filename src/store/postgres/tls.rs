//! How roster connects to PostgreSQL: plaintext, or TLS with rustls when the
//! connection string's `sslmode` asks for it.
//!
//! roster encrypts only when `sslmode` is `require`, `verify-ca` or
//! `verify-full`, and then always verifies the server's certificate and
//! name (as libpq's `verify-full` does): against the CA certificates in the
//! PEM file `sslrootcert` names, or the system's roots without it.
//! `disable`, `allow`, `prefer` (libpq's default) and no `sslmode` connect
//! in plaintext, for loopback and for meshes whose sidecars encrypt.

use std::{path::PathBuf, sync::Arc};

use rustls::pki_types::{pem::PemObject, CertificateDer};
use tokio_postgres::NoTls;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::domain::{Error, Result};

/// The connector of a store's connections.
#[derive(Clone)]
pub(super) enum Connector {
    Plain(NoTls),
    Tls(MakeRustlsConnect),
}

/// Splits the TLS settings tokio-postgres does not know (`sslrootcert`,
/// `sslmode=verify-ca|verify-full`) off a connection string: answers the
/// string tokio-postgres can parse and the connector it asks for.
pub(super) fn connector(url: &str) -> Result<(String, Connector)> {
    let mut mode = None;
    let mut root = None;
    let cleaned = rewrite(url, |key, value| match key {
        "sslmode" => {
            mode = Some(value.to_owned());
            // tokio-postgres knows disable, prefer and require; the
            // verification is done here.
            Some(match value {
                "verify-ca" | "verify-full" => "require".to_owned(),
                "allow" => "prefer".to_owned(),
                other => other.to_owned(),
            })
        }
        "sslrootcert" => {
            root = Some(PathBuf::from(value));
            None
        }
        _ => Some(value.to_owned()),
    });
    let encrypt = matches!(
        mode.as_deref(),
        Some("require" | "verify-ca" | "verify-full")
    );
    if !encrypt {
        return Ok((cleaned, Connector::Plain(NoTls)));
    }
    let mut roots = rustls::RootCertStore::empty();
    match &root {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    Error::invalid("store", format!("sslrootcert {}: {e}", path.display()))
                })?;
            for cert in certs {
                roots.add(cert).map_err(|e| {
                    Error::invalid("store", format!("sslrootcert {}: {e}", path.display()))
                })?;
            }
            if roots.is_empty() {
                return Err(Error::invalid(
                    "store",
                    format!("sslrootcert {} holds no certificate", path.display()),
                ));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                // A system root rustls cannot use is skipped, as browsers do.
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok((cleaned, Connector::Tls(MakeRustlsConnect::new(config))))
}

/// The connection string with each parameter's value passed through `f`
/// (`None` drops the parameter), in both the URL and the key=value form.
fn rewrite(url: &str, mut f: impl FnMut(&str, &str) -> Option<String>) -> String {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return url.to_owned();
        };
        let kept: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .filter_map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                f(k, v).map(|v| format!("{k}={v}"))
            })
            .collect();
        if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        }
    } else {
        url.split_whitespace()
            .filter_map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                f(k, v).map(|v| format!("{k}={v}"))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TLS settings are taken off the string tokio-postgres parses; only
    /// require and verify-* encrypt.
    #[test]
    fn connection_strings() {
        let (s, c) = connector("postgres://u@h/db?sslmode=disable").unwrap();
        assert_eq!(s, "postgres://u@h/db?sslmode=disable");
        assert!(matches!(c, Connector::Plain(_)));
        let (s, c) = connector("postgres://u@h/db?application_name=x&sslmode=verify-full").unwrap();
        assert_eq!(s, "postgres://u@h/db?application_name=x&sslmode=require");
        assert!(matches!(c, Connector::Tls(_)));
        let (s, c) = connector("host=h user=u sslmode=prefer").unwrap();
        assert_eq!(s, "host=h user=u sslmode=prefer");
        assert!(matches!(c, Connector::Plain(_)));
        let missing = connector("postgres://u@h/db?sslmode=require&sslrootcert=/nonexistent.pem");
        assert!(
            matches!(&missing, Err(Error::Invalid { field, .. }) if field == "store"),
            "{:?}",
            missing.err()
        );
        let (s, _) = connector("postgres://u@h/db").unwrap();
        assert_eq!(s, "postgres://u@h/db");
    }
}
