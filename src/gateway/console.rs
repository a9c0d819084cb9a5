//! The admin console (`console/`, README "Console"): the files of
//! `console/dist`, built by scripts/build-console and compiled into the
//! binary (build.rs), served at `/console/` on every listener that serves
//! the HTTP surface. The console is a browser app that calls roster's API
//! over gRPC-Web like any client, so serving it is all the server does for
//! it: no route of its own, no session, no rule.
//!
//! Every answer carries a Content-Security-Policy that allows only roster's
//! own origin (no inline script or style, no other origin, no framing);
//! `index.html` is never cached, and the assets, whose names carry a hash of
//! their content, are cached for a year.

use std::{collections::HashMap, sync::LazyLock};

use bytes::Bytes;
use http::{header, HeaderValue, Method, Response, StatusCode};
use tonic::Code;

use super::error;

/// Where the console is served.
pub(super) const ROOT: &str = "/console/";

/// The console's Content-Security-Policy.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `console/dist`'s files, by path relative to it (build.rs).
const FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/console_assets.rs"));

/// The page every console address but an asset's answers.
const INDEX: &str = "index.html";

/// The console's files by the path they are served at.
static SERVED: LazyLock<HashMap<String, &'static [u8]>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(path, bytes)| (format!("{ROOT}{path}"), *bytes))
        .collect()
});

/// Every path the console answers other than 404 (for the metrics' `route`
/// label: a fixed set, known when the binary is built).
pub(super) fn paths() -> impl Iterator<Item = &'static str> {
    static PATHS: LazyLock<Vec<String>> = LazyLock::new(|| {
        let mut paths: Vec<String> = SERVED.keys().cloned().collect();
        paths.push(ROOT.trim_end_matches('/').to_owned());
        paths.push(ROOT.to_owned());
        paths.sort();
        paths.dedup();
        paths
    });
    PATHS.iter().map(String::as_str)
}

/// Whether `path` is the console's.
pub(super) fn owns(path: &str) -> bool {
    path == ROOT.trim_end_matches('/') || path.starts_with(ROOT)
}

/// The answer to `method` on `path`, one of the console's ([`owns`]).
pub(super) fn answer(method: &Method, path: &str) -> Response<Bytes> {
    if method != Method::GET && method != Method::HEAD {
        let mut answer = error::own(
            StatusCode::METHOD_NOT_ALLOWED,
            Code::Unimplemented,
            &format!("{path} accepts GET and HEAD only"),
            None,
        );
        answer
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return secured(answer);
    }
    let (name, cache) = match path {
        // Relative addresses in the page resolve under the directory.
        "/console" => return secured(redirect(ROOT)),
        ROOT => (INDEX, NEVER),
        _ => match path.strip_prefix(ROOT) {
            Some(INDEX) => (INDEX, NEVER),
            Some(name) if SERVED.contains_key(path) => (name, FOREVER),
            _ => return secured(not_found(path)),
        },
    };
    let Some(bytes) = SERVED.get(&format!("{ROOT}{name}")) else {
        // A binary built before the console was: say so plainly.
        return secured(not_found(path));
    };
    let body = if method == Method::HEAD {
        Bytes::new()
    } else {
        Bytes::from_static(bytes)
    };
    let mut answer = Response::new(body);
    let headers = answer.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    secured(answer)
}

/// `Cache-Control` of `index.html`: it names the current assets.
const NEVER: &str = "no-store";
/// `Cache-Control` of an asset: its name changes with its content.
const FOREVER: &str = "public, max-age=31536000, immutable";

fn redirect(to: &'static str) -> Response<Bytes> {
    let mut answer = Response::new(Bytes::new());
    *answer.status_mut() = StatusCode::PERMANENT_REDIRECT;
    answer
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    answer
}

fn not_found(path: &str) -> Response<Bytes> {
    error::own(
        StatusCode::NOT_FOUND,
        Code::NotFound,
        &format!("no console file at {path}"),
        None,
    )
}

/// `answer` with the console's security headers.
fn secured(mut answer: Response<Bytes>) -> Response<Bytes> {
    let headers = answer.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    answer
}

/// The media type of a console file, by its extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("json" | "map") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only `/console` and what lies under `/console/` are the console's.
    #[test]
    fn owned_paths() {
        for path in ["/console", "/console/", "/console/assets/x.js"] {
            assert!(owns(path), "{path}");
        }
        for path in ["/consoles", "/api/console", "/", "/console.js"] {
            assert!(!owns(path), "{path}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("assets/app.1a2b.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("assets/logo.svg"), "image/svg+xml");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }
}
