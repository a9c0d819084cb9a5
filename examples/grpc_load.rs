//! The load generator of `scripts/bench`'s durable writes: like h2load (a
//! number of HTTP/2 connections, a number of calls in flight on each, one
//! method), but each request is made from templates, so that every
//! CreateUser names a new user:
//!
//! - in the message (hex), each `##########` becomes the request's number,
//!   zero-padded to ten digits (a fixed width keeps the protobuf lengths
//!   right);
//! - in a header's value, each `{n mod M}` becomes the request's number
//!   modulo M (to spread calls over M users).
//!
//! ghz also makes requests from templates, but on this 2-core machine it
//! takes more CPU than roster itself (1.1 cores at 11,000 calls/s), which
//! puts its own scheduling delays into the latencies it reports;
//! this takes about a tenth of that (BENCHMARKS.md, "Durable writes").
//!
//! ```text
//! cargo run --release --example grpc_load -- ADDR /pkg.Service/Method \
//!     --message HEX [--header 'name: value']... [--connections 4] \
//!     [--streams 16] [--seconds 10] [--warm-up 1]
//! ```
//!
//! Prints one JSON object: calls per second, p50 and p99 in milliseconds,
//! the number of calls and the gRPC status codes of the calls that started
//! after the warm-up and ended within the duration.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use clap::Parser;
use tokio::net::TcpStream;

#[derive(Parser)]
struct Args {
    /// host:port of the server (plaintext HTTP/2).
    addr: String,
    /// The method's path, e.g. /roster.v1.UserService/CreateUser.
    path: String,
    /// The request message, hex-encoded protobuf, with placeholders.
    #[arg(long, default_value = "")]
    message: String,
    /// A request header, `name: value`, with placeholders.
    #[arg(long)]
    header: Vec<String>,
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Calls in flight on each connection.
    #[arg(long, default_value_t = 16)]
    streams: usize,
    /// How long to measure, after the warm-up.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Calls made before measuring, in seconds.
    #[arg(long, default_value_t = 1.0)]
    warm_up: f64,
}

const NUMBER: &[u8] = b"##########";

/// The request's number in place of every `##########` of `template`.
fn message(template: &[u8], n: u64) -> Bytes {
    let digits = format!("{n:010}");
    let mut framed = BytesMut::with_capacity(5 + template.len());
    framed.put_u8(0);
    framed.put_u32(template.len() as u32);
    let mut rest = template;
    while let Some(at) = rest.windows(NUMBER.len()).position(|w| w == NUMBER) {
        framed.put_slice(&rest[..at]);
        framed.put_slice(&digits.as_bytes()[digits.len() - NUMBER.len()..]);
        rest = &rest[at + NUMBER.len()..];
    }
    framed.put_slice(rest);
    framed.freeze()
}

/// `value` with every `{n mod M}` replaced by `n % M`.
fn header_value(value: &str, n: u64) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find("{n mod ") {
        let Some(end) = rest[at..].find('}') else {
            break;
        };
        let modulo: u64 = rest[at + 7..at + end]
            .trim()
            .parse()
            .expect("{n mod M} needs a number M");
        out.push_str(&rest[..at]);
        out.push_str(&(n % modulo.max(1)).to_string());
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("--message must be hex"))
        .collect()
}

/// One call's gRPC status code, or why it failed below gRPC.
async fn call(
    sender: &h2::client::SendRequest<Bytes>,
    args: &Args,
    template: &[u8],
    n: u64,
) -> Result<u32, String> {
    let mut request = http::Request::post(format!("http://{}{}", args.addr, args.path))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    for header in &args.header {
        let (name, value) = header.split_once(':').expect("--header 'name: value'");
        request = request.header(name.trim(), header_value(value.trim(), n));
    }
    let request = request.body(()).map_err(|e| e.to_string())?;
    let mut sender = sender.clone().ready().await.map_err(|e| e.to_string())?;
    let (response, mut stream) = sender
        .send_request(request, false)
        .map_err(|e| e.to_string())?;
    stream
        .send_data(message(template, n), true)
        .map_err(|e| e.to_string())?;
    let (head, mut body) = response.await.map_err(|e| e.to_string())?.into_parts();
    let status = |headers: &http::HeaderMap| {
        headers
            .get("grpc-status")
            .and_then(|v| v.to_str().ok()?.parse().ok())
    };
    // A trailers-only answer (an error) has its status in the headers.
    if let Some(code) = status(&head.headers) {
        return Ok(code);
    }
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    let trailers = body.trailers().await.map_err(|e| e.to_string())?;
    trailers
        .as_ref()
        .and_then(status)
        .ok_or_else(|| "no grpc-status".to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Arc::new(Args::parse());
    let template: Arc<[u8]> = hex(&args.message).into();
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measured_from = start + Duration::from_secs_f64(args.warm_up);
    let end = measured_from + Duration::from_secs_f64(args.seconds);
    let mut workers = Vec::new();
    for _ in 0..args.connections {
        let tcp = TcpStream::connect(&args.addr)
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", args.addr));
        tcp.set_nodelay(true).expect("TCP_NODELAY");
        let (sender, connection) = h2::client::handshake(tcp).await.expect("HTTP/2 handshake");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        for _ in 0..args.streams {
            let (sender, args, template, next) =
                (sender.clone(), args.clone(), template.clone(), next.clone());
            workers.push(tokio::spawn(async move {
                // (latency in µs, status: a gRPC code, or u32::MAX below gRPC)
                let mut done = Vec::new();
                while Instant::now() < end {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let began = Instant::now();
                    let status = match call(&sender, &args, &template, n).await {
                        Ok(code) => code,
                        Err(e) => {
                            eprintln!("call {n}: {e}");
                            u32::MAX
                        }
                    };
                    let ended = Instant::now();
                    if began >= measured_from && ended <= end {
                        done.push(((ended - began).as_micros() as u32, status));
                    }
                }
                done
            }));
        }
    }
    let mut latencies = Vec::new();
    let mut codes = BTreeMap::<String, u64>::new();
    for worker in workers {
        for (latency, status) in worker.await.expect("a worker panicked") {
            latencies.push(latency);
            let code = if status == u32::MAX {
                "transport".to_owned()
            } else {
                status.to_string()
            };
            *codes.entry(code).or_default() += 1;
        }
    }
    latencies.sort_unstable();
    let percentile = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(f64::NAN, |&us| us as f64 / 1000.0)
    };
    let codes: Vec<String> = codes.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    println!(
        "{{\"rps\":{:.1},\"p50\":{:.3},\"p99\":{:.3},\"count\":{},\"codes\":{{{}}}}}",
        latencies.len() as f64 / args.seconds,
        percentile(0.50),
        percentile(0.99),
        latencies.len(),
        codes.join(",")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        assert_eq!(
            &message(b"a##########b##########", 42)[..],
            b"\0\0\0\0\x16a0000000042b0000000042"
        );
        assert_eq!(header_value("bench-{n mod 10}", 1234), "bench-4");
        assert_eq!(header_value("plain", 7), "plain");
    }
}
