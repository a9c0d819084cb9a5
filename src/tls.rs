//! TLS and mTLS for roster's listeners (rustls), with certificates that
//! are reloaded while roster serves.
//!
//! `--tls-cert` and `--tls-key` (PEM) switch the main and `--http-listen`
//! listeners to TLS; `--tls-client-ca` also requires every client to
//! present a certificate signed by one of its CAs (mTLS). Plaintext stays
//! the default, for loopback and for meshes whose sidecars encrypt.
//!
//! The files are read again every [`RELOAD_INTERVAL`]: when their contents
//! changed, the next handshakes use the new certificate (open connections
//! keep the session they have, so nothing is dropped); when the new files
//! are unusable (a half-written key, a key of another certificate), the
//! previous certificate stays and the log says why, once per change.
//! Comparing contents rather than modification times catches every way a
//! file is replaced, Kubernetes' symlink swap of a mounted Secret included.
//!
//! The handshake itself runs in the connection's task, on its first read
//! (`conn::Guarded`), so a slow client never holds up the accept loop, and
//! it counts against `--handshake-timeout`. ALPN offers `h2` (gRPC clients
//! require it) and `http/1.1` (JSON and gRPC-Web clients).

use std::{
    io,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, RwLock},
    time::Duration,
};

use rustls::{
    crypto::CryptoProvider,
    pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
    server::WebPkiClientVerifier,
    RootCertStore, ServerConfig,
};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;

/// How often the certificate files are read again.
pub const RELOAD_INTERVAL: Duration = Duration::from_secs(1);

/// Where the PEM files are (from `--tls-cert`, `--tls-key`,
/// `--tls-client-ca`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key of the leaf certificate (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// CAs whose client certificates are accepted; with it, a client
    /// without such a certificate is refused during the handshake.
    pub client_ca: Option<PathBuf>,
}

/// Why TLS files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {flag} {path}: {source}")]
    Read {
        flag: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("{flag} {path}: {what}")]
    Invalid {
        flag: &'static str,
        path: PathBuf,
        what: String,
    },
    #[error("--tls-cert and --tls-key cannot be used together: {0}")]
    Unusable(String),
}

/// The bytes of the files, as last read.
#[derive(Clone, PartialEq, Eq)]
struct Contents {
    cert: Vec<u8>,
    key: Vec<u8>,
    client_ca: Option<Vec<u8>>,
}

/// The listeners' TLS: the configuration new handshakes use, and the files
/// it came from.
pub struct Tls {
    files: TlsFiles,
    current: RwLock<Arc<ServerConfig>>,
    /// The contents last tried (loaded or refused), so that a change is
    /// tried, and logged, once.
    tried: Mutex<Contents>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("files", &self.files).finish()
    }
}

impl Tls {
    /// Reads and checks the files.
    pub fn load(files: TlsFiles) -> Result<Arc<Tls>, TlsError> {
        let contents = read(&files)?;
        let config = config(&files, &contents)?;
        tracing::info!(
            cert = %files.cert.display(),
            sha256 = %fingerprint(&contents),
            mtls = files.client_ca.is_some(),
            "TLS on"
        );
        Ok(Arc::new(Tls {
            files,
            current: RwLock::new(config),
            tried: Mutex::new(contents),
        }))
    }

    /// Starts the server side of a handshake with the current certificate.
    pub fn accept(&self, stream: TcpStream) -> tokio_rustls::Accept<TcpStream> {
        let config = self
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        tokio_rustls::TlsAcceptor::from(config).accept(stream)
    }

    /// Reads the files again every [`RELOAD_INTERVAL`], forever.
    pub async fn watch(self: Arc<Self>) {
        let mut tick = tokio::time::interval(RELOAD_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let tls = self.clone();
            // File reads block; keep them off the runtime's workers.
            let _ = tokio::task::spawn_blocking(move || tls.reload()).await;
        }
    }

    /// Uses the files' contents if they changed and are usable.
    fn reload(&self) {
        let contents = match read(&self.files) {
            Ok(contents) => contents,
            Err(e) => {
                // A file being replaced may be missing for a moment; a
                // missing file that stays missing is reported once it
                // reappears unusable, or here, once.
                let mut tried = self.tried.lock().unwrap_or_else(|e| e.into_inner());
                if !tried.cert.is_empty() {
                    tracing::warn!(error = %e, "TLS files unreadable; keeping the previous certificate");
                    tried.cert.clear();
                }
                return;
            }
        };
        {
            let mut tried = self.tried.lock().unwrap_or_else(|e| e.into_inner());
            if *tried == contents {
                return;
            }
            *tried = contents.clone();
        }
        match config(&self.files, &contents) {
            Ok(config) => {
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = config;
                tracing::info!(
                    cert = %self.files.cert.display(),
                    sha256 = %fingerprint(&contents),
                    "TLS certificate reloaded"
                );
            }
            Err(e) => {
                tracing::warn!(error = %e, "TLS files changed but are unusable; keeping the previous certificate");
            }
        }
    }
}

fn read(files: &TlsFiles) -> Result<Contents, TlsError> {
    let read = |flag, path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            flag,
            path: path.to_owned(),
            source,
        })
    };
    Ok(Contents {
        cert: read("--tls-cert", &files.cert)?,
        key: read("--tls-key", &files.key)?,
        client_ca: files
            .client_ca
            .as_deref()
            .map(|path| read("--tls-client-ca", path))
            .transpose()?,
    })
}

/// The rustls configuration of `contents`: TLS 1.2 and 1.3 with rustls'
/// safe defaults (ring), ALPN `h2` and `http/1.1`.
fn config(files: &TlsFiles, contents: &Contents) -> Result<Arc<ServerConfig>, TlsError> {
    let invalid = |flag, path: &Path, what: String| TlsError::Invalid {
        flag,
        path: path.to_owned(),
        what,
    };
    let certs =
        certificates(&contents.cert).map_err(|what| invalid("--tls-cert", &files.cert, what))?;
    let key = PrivateKeyDer::from_pem_slice(&contents.key).map_err(|e| {
        invalid(
            "--tls-key",
            &files.key,
            format!("no usable private key (PEM `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`): {e}"),
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Unusable(e.to_string()))?;
    let builder = match (&files.client_ca, &contents.client_ca) {
        (Some(path), Some(pem)) => builder.with_client_cert_verifier(
            client_verifier(pem, provider)
                .map_err(|what| invalid("--tls-client-ca", path, what))?,
        ),
        _ => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Unusable(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Every certificate of a PEM file; at least one.
fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a PEM certificate file: {e}"))?;
    if certs.is_empty() {
        return Err("no certificate in it (PEM `CERTIFICATE` blocks)".into());
    }
    Ok(certs)
}

/// Accepts client certificates that chain to one of the CAs in `pem`.
fn client_verifier(
    pem: &[u8],
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, String> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(pem)? {
        roots
            .add(cert)
            .map_err(|e| format!("not a usable CA certificate: {e}"))?;
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| e.to_string())
}

/// The SHA-256 of the leaf certificate (DER), as `openssl x509 -fingerprint
/// -sha256` prints it without colons: what the log names a certificate by.
fn fingerprint(contents: &Contents) -> String {
    let Ok(certs) = certificates(&contents.cert) else {
        return String::new();
    };
    Sha256::digest(&certs[0])
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}
