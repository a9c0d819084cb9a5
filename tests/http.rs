//! The JSON surface over real sockets (HTTP/1.1): the mapping, errors,
//! compatibility with the Waii SDK's wire format, limits, and the
//! `--http-listen` port. Each call goes through the gRPC service code, so
//! the rules themselves are tested by the gRPC suites; these tests check
//! that they arrive unchanged.

mod common;

use common::web::{post, post_with, Conn};
use std::time::{Duration, Instant};

use common::TestServer;
use serde_json::json;
use tokio::io::AsyncReadExt;

/// Every field printed, proto names, int64 as numbers, whole numbers in a
/// Struct stay whole, unknown fields and nulls ignored.
#[tokio::test]
async fn the_mapping() {
    let server = TestServer::start().await;
    let (addr, key) = (server.addr, server.admin_key.clone());
    let created = post(
        addr,
        "/api/create-org",
        Some(&key),
        // As the Waii SDK sends it: extra top-level fields, nulls for unset.
        &json!({"organization": {"id": "acme", "name": "Acme", "variables": null},
                "org_id": "", "user_id": "", "tags": null, "parameters": null}),
    )
    .await;
    assert_eq!((created.status, created.json()), (200, json!({})));
    let created = post(
        addr,
        "/api/create-user",
        Some(&key),
        &json!({"user": {"id": "ann", "name": "Ann", "org_id": "acme", "tenant_id": null,
                         "roles": ["user", "app:viewer"],
                         "variables": {"n": 5, "f": 1.5, "s": "x", "deep": {"list": [1, 2.5, true, null]}}},
                "org_id": "", "user_id": ""}),
    )
    .await;
    assert_eq!(created.status, 200, "{:?}", created.json());

    let listed = post(
        addr,
        "/api/list-users",
        Some(&key),
        &json!({"lookup_org_id": "acme"}),
    )
    .await;
    assert_eq!(listed.status, 200);
    let body = listed.json();
    assert_eq!(body["next_page_token"], json!(""));
    let user = &body["users"][0];
    assert_eq!(body["users"].as_array().unwrap().len(), 1);
    assert_eq!(user["id"], json!("ann"));
    assert_eq!(user["email"], json!(""), "defaults are printed");
    assert_eq!(user["tenant_id"], json!(""));
    assert_eq!(user["roles"], json!(["user", "app:viewer"]));
    assert_eq!(
        user["variables"],
        json!({"n": 5, "f": 1.5, "s": "x", "deep": {"list": [1, 2.5, true, null]}})
    );
    assert!(
        user["variables"]["n"].is_i64(),
        "a whole number stays whole: {user}"
    );
    assert!(
        user["created_at"].is_i64(),
        "int64 is a JSON number: {user}"
    );
    assert_eq!(user["created_at"], user["updated_at"]);

    let info = post(addr, "/api/get-user-info", Some(&key), &json!({})).await;
    assert_eq!(info.status, 200);
    assert_eq!(info.header("content-type"), Some("application/json"));
    let info = info.json();
    assert_eq!(info["id"], json!("admin"));
    assert_eq!(info["roles"], json!(["super-admin"]));
    assert_eq!(info["email"], json!(""));
}

/// Errors: the HTTP status of the code, `detail`, `code`, and the details
/// as JSON.
#[tokio::test]
async fn errors() {
    let server = TestServer::start().await;
    let (addr, key) = (server.addr, server.admin_key.clone());
    server.org("acme").await;
    server.tenant("t1", "acme").await;
    let user_key = server.user("u1", "acme", "t1", &["user"]).await;

    // INVALID_ARGUMENT from the service's rules: 400 with its BadRequest.
    let bad = post(
        addr,
        "/api/create-user",
        Some(&key),
        &json!({"user": {"id": "b b", "name": "B"}}),
    )
    .await;
    assert_eq!((bad.status, bad.code()), (400, "INVALID_ARGUMENT".into()));
    let body = bad.json();
    assert!(
        body["detail"].as_str().unwrap().contains("user.id"),
        "{body}"
    );
    assert_eq!(
        body["details"][0]["@type"],
        json!("type.googleapis.com/google.rpc.BadRequest")
    );
    assert_eq!(
        body["details"][0]["field_violations"][0]["field"],
        json!("user.id")
    );

    // ALREADY_EXISTS: 409 with its ErrorInfo.
    let taken = post(
        addr,
        "/api/create-org",
        Some(&key),
        &json!({"organization": {"id": "acme", "name": "Again"}}),
    )
    .await;
    assert_eq!((taken.status, taken.code()), (409, "ALREADY_EXISTS".into()));
    let info = &taken.json()["details"][0];
    assert_eq!(
        info["@type"],
        json!("type.googleapis.com/google.rpc.ErrorInfo")
    );
    assert_eq!(info["domain"], json!("roster.v1"));
    assert!(info["reason"].is_string());

    // NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION (400).
    let missing = post(addr, "/api/delete-org", Some(&key), &json!({"id": "nope"})).await;
    assert_eq!((missing.status, missing.code()), (404, "NOT_FOUND".into()));
    let denied = post(
        addr,
        "/api/create-org",
        Some(&user_key),
        &json!({"organization": {"id": "x", "name": "X"}}),
    )
    .await;
    assert_eq!(
        (denied.status, denied.code()),
        (403, "PERMISSION_DENIED".into())
    );
    let busy = post(addr, "/api/delete-tenant", Some(&key), &json!({"id": "t1"})).await;
    assert_eq!(
        (busy.status, busy.code()),
        (400, "FAILED_PRECONDITION".into())
    );

    // UNAUTHENTICATED: 401, the same body whatever the cause, no detail.
    let mut answers = Vec::new();
    for auth in [None, Some("Bearer"), Some("Bearer nope"), Some("Basic abc")] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
        let answer = post_with(addr, "/api/get-user-info", &headers, &json!({})).await;
        assert_eq!(answer.status, 401, "{auth:?}");
        answers.push(answer.json());
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(answers[0]["code"], json!("UNAUTHENTICATED"));
    assert_eq!(answers[0]["details"], json!([]));
}

/// A request and the status and code it must get.
type Case<'a> = (
    &'a str,
    &'a str,
    &'a [(&'a str, &'a str)],
    &'a [u8],
    u16,
    &'a str,
);

/// What the surface refuses itself, each with a JSON error body; and the
/// server goes on serving.
#[tokio::test]
async fn malformed_requests() {
    let server = TestServer::start().await;
    let (addr, key) = (server.addr, server.admin_key.clone());
    let auth = format!("Bearer {key}");
    let mut conn = Conn::open(addr).await;
    let json_headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];

    let cases: [Case; 7] = [
        ("POST", "/api/nope", &json_headers, b"{}", 404, "NOT_FOUND"),
        (
            "GET",
            "/api/list-users",
            &json_headers,
            b"",
            405,
            "UNIMPLEMENTED",
        ),
        (
            "POST",
            "/api/list-users",
            &[("content-type", "text/plain")],
            b"{}",
            415,
            "INVALID_ARGUMENT",
        ),
        (
            "POST",
            "/api/list-users",
            &json_headers,
            b"{\"lookup",
            400,
            "INVALID_ARGUMENT",
        ),
        (
            "POST",
            "/api/list-users",
            &json_headers,
            b"[1, 2]",
            400,
            "INVALID_ARGUMENT",
        ),
        (
            "POST",
            "/api/list-users",
            &json_headers,
            b"{\"page_size\": \"many\"}",
            400,
            "INVALID_ARGUMENT",
        ),
        ("POST", "/elsewhere", &[], b"", 404, "NOT_FOUND"),
    ];
    for (method, path, headers, body, status, code) in cases {
        // One keep-alive connection for all: none of them closes it.
        let answer = conn.request(method, path, headers, body).await.unwrap();
        assert_eq!(
            (answer.status, answer.code()),
            (status, code.to_owned()),
            "{method} {path} {:?}",
            String::from_utf8_lossy(body)
        );
    }
    let wrong_type = conn
        .request(
            "POST",
            "/api/list-users",
            &json_headers,
            b"{\"page_size\": \"many\"}",
        )
        .await
        .unwrap()
        .json();
    assert_eq!(
        wrong_type["details"][0]["field_violations"][0]["field"],
        json!("page_size")
    );
    let nested = conn
        .request(
            "POST",
            "/api/create-user",
            &json_headers,
            br#"{"user": {"id": "a", "roles": "admin"}}"#,
        )
        .await
        .unwrap()
        .json();
    assert_eq!(
        nested["details"][0]["field_violations"][0]["field"],
        json!("user.roles")
    );

    let served = conn
        .request("POST", "/api/get-user-info", &json_headers, b"{}")
        .await
        .unwrap();
    assert_eq!(served.status, 200);
}

/// Over the limits: a body over 4 MiB is 413, headers over 16 KiB are 431;
/// another client is still served.
#[tokio::test]
async fn limits() {
    let server = TestServer::start().await;
    let (addr, key) = (server.addr, server.admin_key.clone());
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(4 * 1024 * 1024 + 1));
    let auth = format!("Bearer {key}");
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    let answer = Conn::open(addr)
        .await
        .request("POST", "/api/create-key", &headers, big.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (answer.status, answer.code()),
        (413, "RESOURCE_EXHAUSTED".into())
    );

    let filler = "y".repeat(17 * 1024);
    let mut many = headers.to_vec();
    many.push(("x-filler", filler.as_str()));
    let answer = Conn::open(addr)
        .await
        .request("POST", "/api/get-user-info", &many, b"{}")
        .await
        .unwrap();
    assert_eq!(answer.status, 431);

    let fine = post(addr, "/api/get-user-info", Some(&key), &json!({})).await;
    assert_eq!(fine.status, 200);
}

/// `Grpc-Timeout` is the call's deadline: one already passed is 504
/// DEADLINE_EXCEEDED.
#[tokio::test]
async fn deadlines() {
    let server = TestServer::start().await;
    let auth = format!("Bearer {}", server.admin_key);
    let answer = post_with(
        server.addr,
        "/api/get-user-info",
        &[("authorization", &auth), ("Grpc-Timeout", "1n")],
        &json!({}),
    )
    .await;
    assert_eq!(
        (answer.status, answer.code()),
        (504, "DEADLINE_EXCEEDED".into())
    );
    let answer = post_with(
        server.addr,
        "/api/get-user-info",
        &[("authorization", &auth), ("Grpc-Timeout", "5S")],
        &json!({}),
    )
    .await;
    assert_eq!(answer.status, 200);
}

/// The Waii SDK's own ways (`x-waii-impersonate-user`, the compatibility
/// route of `Waii.initialize`), and the OpenAPI document at its route.
#[tokio::test]
async fn waii_compatibility() {
    let server = TestServer::start().await;
    let (addr, key) = (server.addr, server.admin_key.clone());
    server.org("acme").await;
    server.user("u1", "acme", "", &["user"]).await;
    let auth = format!("Bearer {key}");
    for header in ["x-waii-impersonate-user", "x-roster-impersonate-user"] {
        let answer = post_with(
            addr,
            "/api/get-user-info",
            &[("authorization", &auth), (header, "u1")],
            &json!({}),
        )
        .await;
        assert_eq!(
            (answer.status, answer.json()["id"].clone()),
            (200, json!("u1")),
            "{header}"
        );
    }
    let mut conn = Conn::open(addr).await;
    let openapi = conn
        .request("GET", "/api/openapi.json", &[], b"")
        .await
        .unwrap();
    assert_eq!(openapi.status, 200);
    let document = openapi.json();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        document["openapi"]
    );
    assert!(document["paths"]["/api/create-user"]["post"]["operationId"].is_string());
    assert_eq!(document["paths"].as_object().unwrap().len(), 17);
    let connections = post(addr, "/api/update-db-connect-info", Some(&key), &json!({})).await;
    assert_eq!(
        (connections.status, connections.json()),
        (200, json!({"connectors": []}))
    );
}

/// `--http-listen` serves the same surface (and gRPC) on a second port.
#[tokio::test]
async fn second_port() {
    let server = TestServer::start_with(|args| {
        args.http_listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let http = server.http_addr.unwrap();
    assert_ne!(http, server.addr);
    let info = post(
        http,
        "/api/get-user-info",
        Some(&server.admin_key),
        &json!({}),
    )
    .await;
    assert_eq!(
        (info.status, info.json()["id"].clone()),
        (200, json!("admin"))
    );
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{http}"))
        .unwrap()
        .connect_lazy();
    let mut client = common::client_on(channel, Some(&server.admin_key), None);
    let got = client
        .get_info(roster::pb::GetUserInfoRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.id, "admin");
}

/// The second port has the main port's limits: a connection that says
/// nothing is closed after the handshake timeout, a body that does not
/// arrive by the call's deadline is 504, and past `--max-connections` a
/// client waits until another leaves; another client is served throughout.
#[tokio::test]
async fn second_port_limits() {
    let server = TestServer::start_with(|args| {
        args.http_listen = Some("127.0.0.1:0".parse().unwrap());
        args.handshake_timeout = Duration::from_millis(300);
        args.max_call_time = Duration::from_millis(500);
        args.max_connections = 2;
    })
    .await;
    let http = server.http_addr.unwrap();
    let auth = format!("Bearer {}", server.admin_key);
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];

    // Silent: closed by the server.
    let mut silent = tokio::net::TcpStream::connect(http).await.unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(silent);

    // A body that stops coming: 504 at the call's deadline.
    let mut slow = Conn::open(http).await;
    let head = format!(
        "POST /api/get-user-info HTTP/1.1\r\nhost: roster\r\ncontent-type: application/json\r\n\
         authorization: {auth}\r\ncontent-length: 100\r\n\r\n{{"
    );
    slow.send_raw(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let answer = slow.read_answer().await.unwrap();
    assert_eq!(
        (answer.status, answer.code()),
        (504, "DEADLINE_EXCEEDED".into())
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(slow);

    // Two connections open: a third waits until one of them closes.
    let mut first = Conn::open(http).await;
    let mut second = Conn::open(http).await;
    for conn in [&mut first, &mut second] {
        let answer = conn
            .request("POST", "/api/get-user-info", &headers, b"{}")
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
    }
    let third = tokio::spawn(async move {
        let mut conn = Conn::open(http).await;
        conn.request("POST", "/api/get-user-info", &headers_owned(&auth), b"{}")
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !third.is_finished(),
        "the third connection was served past the limit"
    );
    drop(first);
    let answer = tokio::time::timeout(Duration::from_secs(5), third)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(answer.status, 200);

    // The main port has its own connections and serves on.
    let info = post(
        server.addr,
        "/api/get-user-info",
        Some(&server.admin_key),
        &json!({}),
    )
    .await;
    assert_eq!(info.status, 200);
}

fn headers_owned(auth: &str) -> [(&'static str, &str); 2] {
    [
        ("content-type", "application/json"),
        ("authorization", auth),
    ]
}

/// CORS: a listed origin's preflight is allowed (exactly that origin, with
/// credentials), another origin's is not, and without
/// `--cors-allow-origin` no origin is.
#[tokio::test]
async fn cors() {
    let listed = "https://console.example";
    let server = TestServer::start_with(|args| args.cors_allow_origin = vec![listed.into()]).await;
    let plain = TestServer::start().await;
    let preflight = |origin: &'static str| {
        [
            ("origin", origin),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization,content-type,x-grpc-web",
            ),
        ]
    };
    for path in ["/roster.v1.UserService/GetInfo", "/api/get-user-info"] {
        let allowed = Conn::open(server.addr)
            .await
            .request("OPTIONS", path, &preflight(listed), b"")
            .await
            .unwrap();
        assert_eq!(allowed.status, 200, "{path}");
        assert_eq!(allowed.header("access-control-allow-origin"), Some(listed));
        assert_eq!(
            allowed.header("access-control-allow-credentials"),
            Some("true")
        );
        let methods = allowed.header("access-control-allow-methods").unwrap();
        assert!(methods.contains("POST"), "{methods}");

        for (server, origin) in [(&server, "https://evil.example"), (&plain, listed)] {
            let refused = Conn::open(server.addr)
                .await
                .request("OPTIONS", path, &preflight(origin), b"")
                .await
                .unwrap();
            assert_eq!(
                refused.header("access-control-allow-origin"),
                None,
                "{path} {origin}"
            );
        }
    }
    // A call from the listed origin carries the header in its answer.
    let answer = post_with(
        server.addr,
        "/api/get-user-info",
        &[
            ("origin", listed),
            ("authorization", &format!("Bearer {}", server.admin_key)),
        ],
        &json!({}),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), Some(listed));
}

/// Partial updates over JSON: without `update_mask` only the fields in the
/// body change (so a client that does not know `email` keeps it); an
/// explicit mask is honoured; a body naming no field is refused.
/// `delete-access-keys` ignores unknown names unless `allow_missing` is
/// false; `lookup_user_id` narrows a list.
#[tokio::test]
async fn partial_updates_and_compat_defaults() {
    let server = TestServer::start().await;
    let (addr, key) = (server.addr, server.admin_key.clone());
    server.org("acme").await;
    let created = post(
        addr,
        "/api/create-user",
        Some(&key),
        &json!({"user": {"id": "ann", "name": "Ann", "org_id": "acme", "email": "ann@example.com",
                         "roles": ["user"], "variables": {"team": "blue"}}}),
    )
    .await;
    assert_eq!(created.status, 200);
    let ann = || async {
        let listed = post(
            addr,
            "/api/list-users",
            Some(&key),
            &json!({"lookup_org_id": "acme", "lookup_user_id": "ann"}),
        )
        .await;
        assert_eq!(listed.status, 200);
        let users = listed.json()["users"].as_array().unwrap().clone();
        assert_eq!(users.len(), 1);
        users[0].clone()
    };

    // As the Waii SDK sends it: no mask, no email, nulls for unset fields.
    let renamed = post(
        addr,
        "/api/update-user",
        Some(&key),
        &json!({"user": {"id": "ann", "name": "Ann B", "tenant_id": null, "org_id": null,
                         "variables": null}, "org_id": "", "user_id": ""}),
    )
    .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.json());
    let user = ann().await;
    assert_eq!(
        (
            &user["name"],
            &user["email"],
            &user["roles"],
            &user["variables"],
            &user["org_id"]
        ),
        (
            &json!("Ann B"),
            &json!("ann@example.com"),
            &json!(["user"]),
            &json!({"team": "blue"}),
            &json!("acme")
        )
    );

    // An explicit mask: only roles, though the body carries a name too.
    let masked = post(
        addr,
        "/api/update-user",
        Some(&key),
        &json!({"user": {"id": "ann", "name": "Ignored", "roles": ["user", "app:x"]}, "update_mask": "roles"}),
    )
    .await;
    assert_eq!(masked.status, 200, "{:?}", masked.json());
    let user = ann().await;
    assert_eq!(
        (&user["name"], &user["roles"]),
        (&json!("Ann B"), &json!(["user", "app:x"]))
    );

    let nothing = post(
        addr,
        "/api/update-user",
        Some(&key),
        &json!({"user": {"id": "ann"}}),
    )
    .await;
    assert_eq!(
        (nothing.status, nothing.code()),
        (400, "INVALID_ARGUMENT".into())
    );
    assert_eq!(
        nothing.json()["details"][0]["field_violations"][0]["field"],
        json!("update_mask")
    );

    let org = post(
        addr,
        "/api/update-org",
        Some(&key),
        &json!({"organization": {"id": "acme", "variables": {"plan": "gold"}}}),
    )
    .await;
    assert_eq!(org.status, 200, "{:?}", org.json());
    let orgs = post(addr, "/api/list-orgs", Some(&key), &json!({}))
        .await
        .json();
    let acme = orgs["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "acme")
        .unwrap()
        .clone();
    assert_eq!(
        (&acme["name"], &acme["variables"]),
        (&json!("Org acme"), &json!({"plan": "gold"}))
    );

    // Deleting keys that do not exist: ignored by default, as the Waii
    // server does; NOT_FOUND when asked.
    let ignored = post(
        addr,
        "/api/delete-access-keys",
        Some(&key),
        &json!({"names": ["no-such-key"]}),
    )
    .await;
    assert_eq!((ignored.status, ignored.json()), (200, json!({})));
    let strict = post(
        addr,
        "/api/delete-access-keys",
        Some(&key),
        &json!({"names": ["no-such-key"], "allow_missing": false}),
    )
    .await;
    assert_eq!((strict.status, strict.code()), (404, "NOT_FOUND".into()));
}

/// A `--cors-allow-origin` that is no origin stops the start (exit 2) with a
/// line naming the flag.
#[test]
fn bad_origin_is_refused() {
    for bad in ["https://console.example/app", "console.example", "ftp://x"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--cors-allow-origin",
                bad,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--cors-allow-origin"), "{stderr}");
    }
}

/// Every route of the proto reaches its handler: with an empty body each
/// answers as the handler does (OK, or the handler's own refusal), never
/// 404 or 501.
#[tokio::test]
async fn every_route_reaches_its_handler() {
    let server = TestServer::start().await;
    let document: serde_json::Value =
        serde_json::from_str(include_str!("../docs/openapi.json")).unwrap();
    let paths: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(paths.len(), 17);
    for path in paths {
        let answer = post(server.addr, &path, Some(&server.admin_key), &json!({})).await;
        assert!(
            matches!(answer.status, 200 | 400),
            "{path}: {} {:?}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
        if answer.status == 400 {
            assert_eq!(answer.code(), "INVALID_ARGUMENT", "{path}");
        }
    }
}
