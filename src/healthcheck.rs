//! `roster healthcheck`: asks a roster server's health service whether a
//! service name is SERVING, for container images and orchestrators without
//! `grpc-health-probe` (a Docker `HEALTHCHECK`, a kubelet `exec` probe).
//! Plain gRPC by default; TLS with `--tls-ca`, mutual TLS with `--tls-cert`
//! and `--tls-key`.
//!
//! Exit status: 0 SERVING (and nothing printed); 1 anything else (NOT_SERVING,
//! an unknown service, no connection, no answer within `--timeout`), with
//! one line on stderr saying which; 2 bad flags or unreadable files.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::Args;
use http::uri::Authority;
use tonic::{
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity},
    Code,
};
use tonic_health::pb::{
    health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest,
};

/// The settings of `roster healthcheck`.
#[derive(Clone, Debug, Args)]
pub struct HealthcheckArgs {
    /// The server to ask, HOST:PORT (the default is `roster serve`'s
    /// default `--listen`).
    #[arg(long, env = "ROSTER_HEALTHCHECK_ADDR", default_value = "127.0.0.1:50051", value_parser = parse_addr)]
    pub addr: Authority,

    /// The health service name to ask about: `startup`, `liveness`,
    /// `readiness`, `roster.v1.UserService`, or the empty name (the
    /// default: the server as a whole, the same as `readiness`).
    #[arg(long, env = "ROSTER_HEALTHCHECK_SERVICE", default_value = "")]
    pub service: String,

    /// Longest the whole check may take (connecting included).
    #[arg(long, env = "ROSTER_HEALTHCHECK_TIMEOUT", default_value = "1s", value_parser = parse_timeout)]
    pub timeout: Duration,

    /// Connect with TLS, trusting this CA certificate (PEM) for the
    /// server's.
    #[arg(long, env = "ROSTER_HEALTHCHECK_TLS_CA")]
    pub tls_ca: Option<PathBuf>,

    /// With `--tls-ca`: a client certificate chain (PEM) to present, for
    /// servers that require one; needs `--tls-key`.
    #[arg(long, env = "ROSTER_HEALTHCHECK_TLS_CERT", requires_all = ["tls_ca", "tls_key"])]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of `--tls-cert`.
    #[arg(long, env = "ROSTER_HEALTHCHECK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// With `--tls-ca`: the name the server's certificate must carry; the
    /// host of `--addr` by default.
    #[arg(long, env = "ROSTER_HEALTHCHECK_TLS_SERVER_NAME", requires = "tls_ca")]
    pub tls_server_name: Option<String>,
}

/// Accepts HOST:PORT (a name, an IPv4 address or a bracketed IPv6 one).
fn parse_addr(value: &str) -> Result<Authority, String> {
    let expected = "expected HOST:PORT, such as 127.0.0.1:50051";
    let addr: Authority = value.parse().map_err(|_| expected.to_owned())?;
    if addr.port_u16().is_none() || addr.host().is_empty() || addr.as_str().contains('@') {
        return Err(expected.to_owned());
    }
    Ok(addr)
}

/// Accepts a positive duration (`500ms`, `2s`).
fn parse_timeout(value: &str) -> Result<Duration, String> {
    match humantime::parse_duration(value) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be more than zero".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Runs the check and answers the exit status.
pub fn run(args: HealthcheckArgs) -> ExitCode {
    let endpoint = match endpoint(&args) {
        Ok(endpoint) => endpoint,
        Err(e) => {
            eprintln!("roster healthcheck: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("roster healthcheck: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let checked = runtime.block_on(async {
        tokio::time::timeout(args.timeout, check(endpoint, &args.addr, &args.service)).await
    });
    let verdict = checked.unwrap_or_else(|_| {
        Err(format!(
            "no answer from {} within {:?} (--timeout)",
            args.addr, args.timeout
        ))
    });
    match verdict {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("roster healthcheck: {why}");
            ExitCode::FAILURE
        }
    }
}

/// Where and how to connect; an error names the flag at fault.
fn endpoint(args: &HealthcheckArgs) -> Result<Endpoint, String> {
    let scheme = if args.tls_ca.is_some() {
        "https"
    } else {
        "http"
    };
    let endpoint = Endpoint::from_shared(format!("{scheme}://{}", args.addr))
        .map_err(|e| format!("--addr {}: {e}", args.addr))?
        .connect_timeout(args.timeout);
    let Some(ca) = &args.tls_ca else {
        return Ok(endpoint);
    };
    let host = args
        .addr
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(read(ca, "--tls-ca")?))
        .domain_name(args.tls_server_name.as_deref().unwrap_or(host));
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        tls = tls.identity(Identity::from_pem(
            read(cert, "--tls-cert")?,
            read(key, "--tls-key")?,
        ));
    }
    endpoint
        .tls_config(tls)
        .map_err(|e| format!("--tls-ca, --tls-cert or --tls-key: {}", chain(&e)))
}

/// The contents of the file a flag names.
fn read(path: &std::path::Path, flag: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{flag} {}: {e}", path.display()))
}

/// Connects and asks; `Err` says why the answer is not SERVING.
async fn check(endpoint: Endpoint, addr: &Authority, service: &str) -> Result<(), String> {
    let channel: Channel = endpoint
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {addr}: {}", chain(&e)))?;
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await;
    match answer {
        Ok(res) => match res.into_inner().status() {
            ServingStatus::Serving => Ok(()),
            status => Err(format!("service {service:?} is {}", status.as_str_name())),
        },
        Err(status) if status.code() == Code::NotFound => {
            Err(format!("service {service:?} is unknown to {addr}"))
        }
        Err(status) => Err(format!(
            "the health check of {service:?} failed: {:?}: {}",
            status.code(),
            status.message()
        )),
    }
}

/// An error and its causes, `: `-separated (tonic's transport errors say
/// little at the top), each cause once.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if parts.last() != Some(&part) {
            parts.push(part);
        }
        source = cause.source();
    }
    parts.join(": ")
}
