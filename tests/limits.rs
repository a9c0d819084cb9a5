//! Limits and abuse (docs/contract.md §8): each test pushes one bound and
//! shows that the server stays up and other clients keep being served.

mod common;

use std::time::{Duration, Instant};

use common::TestServer;
use roster::pb;
use tonic::Code;

/// An HTTP/2 connection made by hand, so that a test can hold streams open,
/// send headers of any size, or dribble a body.
async fn h2_connect(addr: std::net::SocketAddr) -> h2::client::SendRequest<bytes::Bytes> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    client.ready().await.unwrap()
}

fn get_info_request(
    addr: std::net::SocketAddr,
    key: &str,
    extra: Option<(&str, String)>,
) -> http::Request<()> {
    let mut req = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/roster.v1.UserService/GetInfo"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("authorization", format!("Bearer {key}"));
    if let Some((name, value)) = extra {
        req = req.header(name, value);
    }
    req.body(()).unwrap()
}

/// Another client's GetInfo answers OK.
async fn others_are_served(s: &TestServer) {
    let fresh = tonic::transport::Endpoint::from_shared(format!("http://{}", s.addr))
        .unwrap()
        .connect_lazy();
    let mut client = common::client_on(fresh, Some(&s.admin_key), None);
    let info = tokio::time::timeout(
        Duration::from_secs(10),
        client.get_info(pb::GetUserInfoRequest {}),
    )
    .await
    .expect("another client was not served")
    .unwrap();
    assert_eq!(info.into_inner().id, "admin");
}

/// The server advertises `--max-streams-per-connection` in its HTTP/2
/// SETTINGS (so clients queue further calls); a connection holding that many
/// streams open (bodies withheld) does not keep other clients from being
/// served, and its calls complete once their bodies arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_streams_per_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start_with(|args| args.max_streams_per_connection = 64).await;

    // Read the server's SETTINGS frame off the wire.
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    tcp.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    let mut header = [0u8; 9];
    tcp.read_exact(&mut header).await.unwrap();
    assert_eq!(header[3], 4, "the first frame is SETTINGS");
    let len = usize::from(header[1]) << 8 | usize::from(header[2]);
    let mut payload = vec![0u8; len];
    tcp.read_exact(&mut payload).await.unwrap();
    let max_streams = payload
        .chunks(6)
        .find(|e| e[..2] == [0, 3])
        .map(|e| u32::from_be_bytes([e[2], e[3], e[4], e[5]]));
    assert_eq!(max_streams, Some(64));

    let mut conn = h2_connect(s.addr).await;
    let mut held = Vec::new();
    for _ in 0..64 {
        conn = conn.ready().await.unwrap();
        held.push(
            conn.send_request(get_info_request(s.addr, &s.admin_key, None), false)
                .unwrap(),
        );
    }
    others_are_served(&s).await;
    for (response, mut body) in held {
        body.send_data(bytes::Bytes::from_static(&[0, 0, 0, 0, 0]), true)
            .unwrap();
        let response = response.await.unwrap();
        assert_eq!(response.status(), 200);
    }
}

/// A request whose headers exceed 16 KiB is answered HTTP 431 (Request
/// Header Fields Too Large) without running, and the server serves others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers() {
    let s = TestServer::start().await;
    let conn = h2_connect(s.addr).await;
    let mut conn = conn.ready().await.unwrap();
    let huge = ("x-padding", "a".repeat(32 * 1024));
    let (response, _) = conn
        .send_request(get_info_request(s.addr, &s.admin_key, Some(huge)), true)
        .unwrap();
    let response = response.await.unwrap();
    assert_eq!(response.status(), 431);
    others_are_served(&s).await;
}

/// A slow client that sends its request body a byte at a time, never
/// finishing, is cut at the server's maximum call time with
/// DEADLINE_EXCEEDED, while others are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_client_is_cut_at_the_deadline() {
    let s = TestServer::start_with(|args| args.max_call_time = Duration::from_millis(500)).await;
    let mut conn = h2_connect(s.addr).await;
    conn = conn.ready().await.unwrap();
    let (response, mut body) = conn
        .send_request(get_info_request(s.addr, &s.admin_key, None), false)
        .unwrap();
    // Announce a 100-byte message, then send two bytes of it.
    body.send_data(bytes::Bytes::from_static(&[0, 0, 0, 0, 100, 1]), false)
        .unwrap();
    let started = Instant::now();
    others_are_served(&s).await;
    let response = tokio::time::timeout(Duration::from_secs(10), response)
        .await
        .expect("the slow call was never cut")
        .unwrap();
    let status = response
        .headers()
        .get("grpc-status")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        status.as_deref(),
        Some((Code::DeadlineExceeded as i32).to_string().as_str())
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    others_are_served(&s).await;
}

/// Authentication failures look alike whatever the cause: same code, same
/// message, no detail.
#[tokio::test]
async fn authentication_failures_are_indistinguishable() {
    let s = TestServer::start().await;
    let key = s.user("victim", "default", "", &[]).await;
    s.client(&key)
        .delete_access_key(pb::DelAccessKeyRequest {
            names: vec![s
                .client(&key)
                .list_access_keys(pb::GetAccessKeyRequest::default())
                .await
                .unwrap()
                .into_inner()
                .access_keys[0]
                .name
                .clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    let unknown = roster::auth::keys::generate().unwrap().expose().to_owned();
    let mut seen = Vec::new();
    for candidate in [
        key.as_str(),
        unknown.as_str(),
        "rk_x",
        "not-a-key-at-all-but-long-enough-32",
    ] {
        let status = s
            .client(candidate)
            .get_info(pb::GetUserInfoRequest {})
            .await
            .unwrap_err();
        seen.push((
            status.code(),
            status.message().to_owned(),
            status.details().len(),
        ));
    }
    let none = s
        .anonymous()
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap_err();
    seen.push((none.code(), none.message().to_owned(), none.details().len()));
    assert!(seen.iter().all(|x| x == &seen[0]), "{seen:?}");
    assert_eq!(seen[0].0, Code::Unauthenticated);
    assert_eq!(seen[0].2, 0);
}
