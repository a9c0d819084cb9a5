//! The admin console's files as roster serves them (README "Console"):
//! exactly the bytes of `console/dist`, at `/console/` on the main port and
//! on `--http-listen`, with the security headers and caching of
//! `gateway::console`. The console itself is tested in a real browser by
//! scripts/test-console.

mod common;

use std::path::PathBuf;

use common::{
    web::{request, Conn},
    TestServer,
};
use roster::gateway::console::CONTENT_SECURITY_POLICY;

/// `console/dist`'s files: path relative to it, bytes.
fn dist() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("console/dist");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let name = path.strip_prefix(&root).unwrap().to_str().unwrap();
                files.push((name.replace('\\', "/"), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// The headers every console answer carries, found on `answer`.
fn assert_secured(answer: &common::web::Answer, what: &str) {
    assert_eq!(
        answer.header("content-security-policy"),
        Some(CONTENT_SECURITY_POLICY),
        "{what}"
    );
    assert_eq!(
        answer.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        answer.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(answer.header("x-frame-options"), Some("DENY"), "{what}");
}

/// Each file of `console/dist` at its address, byte for byte: the page
/// never cached, the assets (hashed names) cached for a year, each with its
/// media type; `/console` redirects to `/console/`; on both listeners.
#[tokio::test]
async fn serves_every_file_of_the_build() {
    let server = TestServer::start_with(|args| {
        args.http_listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let files = dist();
    assert!(
        files.iter().any(|(name, _)| name == "index.html"),
        "console/dist has index.html: {files:?}"
    );
    for addr in [server.addr, server.http_addr.unwrap()] {
        let index = &files.iter().find(|(n, _)| n == "index.html").unwrap().1;
        for path in ["/console/", "/console/index.html"] {
            let page = request(addr, "GET", path).await;
            assert_eq!(page.status, 200, "{path}");
            assert_eq!(&page.body, index, "{path}");
            assert_eq!(
                page.header("content-type"),
                Some("text/html; charset=utf-8")
            );
            assert_eq!(page.header("cache-control"), Some("no-store"));
            assert_secured(&page, path);
        }
        for (name, bytes) in files.iter().filter(|(n, _)| n != "index.html") {
            let path = format!("/console/{name}");
            let asset = request(addr, "GET", &path).await;
            assert_eq!(asset.status, 200, "{path}");
            assert_eq!(&asset.body, bytes, "{path}");
            assert_eq!(
                asset.header("cache-control"),
                Some("public, max-age=31536000, immutable"),
                "{path}"
            );
            let expected_type = match name.rsplit_once('.').unwrap().1 {
                "js" => "text/javascript; charset=utf-8",
                "css" => "text/css; charset=utf-8",
                "svg" => "image/svg+xml",
                "png" => "image/png",
                other => panic!("{path}: add the media type of .{other} here"),
            };
            assert_eq!(asset.header("content-type"), Some(expected_type), "{path}");
            assert_secured(&asset, &path);
        }
        let moved = request(addr, "GET", "/console").await;
        assert_eq!(
            (moved.status, moved.header("location")),
            (308, Some("/console/"))
        );
        assert_secured(&moved, "/console");
    }
}

/// HEAD answers the headers of GET without a body; other methods are 405
/// naming GET and HEAD; paths that are no file are 404 with the same
/// security headers (and never the page, so that a typo is not cached as
/// the app).
#[tokio::test]
async fn other_methods_and_paths() {
    let server = TestServer::start().await;
    let index = dist().into_iter().find(|(n, _)| n == "index.html").unwrap();

    let mut conn = Conn::open(server.addr).await;
    conn.send_raw(b"HEAD /console/ HTTP/1.1\r\nhost: roster\r\n\r\n")
        .await
        .unwrap();
    let (status, headers) = conn.read_head().await.unwrap();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(status, 200);
    assert_eq!(header("cache-control"), Some("no-store"));
    assert_eq!(
        header("content-security-policy"),
        Some(CONTENT_SECURITY_POLICY)
    );
    // The same connection carries on: no body was sent after the head.
    let next = conn.request("GET", "/console/", &[], b"").await.unwrap();
    assert_eq!((next.status, &next.body), (200, &index.1));

    for method in ["POST", "PUT", "DELETE"] {
        let refused = request(server.addr, method, "/console/").await;
        assert_eq!(refused.status, 405, "{method}");
        assert_eq!(refused.header("allow"), Some("GET, HEAD"), "{method}");
        assert_eq!(refused.code(), "UNIMPLEMENTED");
        assert_secured(&refused, method);
    }
    for path in [
        "/console/nope",
        "/console/assets/",
        "/console/assets/nope.js",
        "/console/../Cargo.toml",
        "/console/index.html/",
    ] {
        let missing = request(server.addr, "GET", path).await;
        assert_eq!(missing.status, 404, "{path}");
        assert_eq!(missing.code(), "NOT_FOUND", "{path}");
        assert_secured(&missing, path);
    }
    // Not the console's: the JSON surface's own 404, without its headers.
    let other = request(server.addr, "GET", "/consoles").await;
    assert_eq!(other.status, 404);
    assert_eq!(other.header("content-security-policy"), None);
}
