//! `x-request-id`: taken from the request when usable, made otherwise,
//! returned in the answer (gRPC response metadata, HTTP header) and named
//! by the call's log event, on gRPC and on the JSON surface.

mod common;

use common::{web, ServerProcess};
use roster::pb::{self, user_service_client::UserServiceClient};
use serde_json::json;

const ADMIN_KEY: &str = "request-id-test-key-0123456789abcdef";

async fn get_info(
    server: &ServerProcess,
    id: Option<&str>,
) -> tonic::Response<pb::GetUserInfoResponse> {
    let mut req = tonic::Request::new(pb::GetUserInfoRequest {});
    req.metadata_mut().insert(
        "authorization",
        format!("Bearer {ADMIN_KEY}").parse().unwrap(),
    );
    if let Some(id) = id {
        req.metadata_mut()
            .insert("x-request-id", id.parse().unwrap());
    }
    UserServiceClient::new(server.channel())
        .get_info(req)
        .await
        .unwrap()
}

#[tokio::test]
async fn request_ids_on_grpc_and_json() {
    let data_dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn(data_dir.path(), &[("ROSTER_BOOTSTRAP_KEY", ADMIN_KEY)], &[]);
    common::wait_serving(server.channel()).await;

    // gRPC, with an id: answered and logged as sent.
    let answer = get_info(&server, Some("mesh-7f3a-0001")).await;
    assert_eq!(
        answer.metadata().get("x-request-id").unwrap(),
        "mesh-7f3a-0001"
    );
    let logged = server.rpc_event("mesh-7f3a-0001").await;
    assert_eq!(logged["method"], "GetInfo");
    assert_eq!(logged["code"], "Ok");

    // gRPC, without: one is made, answered and logged.
    let answer = get_info(&server, None).await;
    let made = answer
        .metadata()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let (prefix, count) = made.split_once('-').unwrap();
    assert_eq!(prefix.len(), 16, "{made}");
    assert!(u64::from_str_radix(count, 16).is_ok(), "{made}");
    assert_eq!(server.rpc_event(&made).await["method"], "GetInfo");
    let again = get_info(&server, None).await;
    assert_ne!(again.metadata().get("x-request-id").unwrap(), made.as_str());

    // An unusable id (over 128 characters) is replaced.
    let long = "x".repeat(129);
    let answer = get_info(&server, Some(&long)).await;
    let replaced = answer.metadata().get("x-request-id").unwrap();
    assert_ne!(replaced, long.as_str());
    assert_eq!(replaced.len(), made.len());

    // JSON: the same, as an HTTP header, for calls and for errors.
    let bearer = format!("Bearer {ADMIN_KEY}");
    let answer = web::post_with(
        server.addr,
        "/api/get-user-info",
        &[("authorization", &bearer), ("x-request-id", "json-call-1")],
        &json!({}),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-request-id"), Some("json-call-1"));
    assert_eq!(server.rpc_event("json-call-1").await["method"], "GetInfo");
    let refused = web::post_with(
        server.addr,
        "/api/get-user-info",
        &[("x-request-id", "json-call-2")],
        &json!({}),
    )
    .await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("x-request-id"), Some("json-call-2"));
    assert_eq!(
        server.rpc_event("json-call-2").await["code"],
        "Unauthenticated"
    );
    let unknown = web::post(server.addr, "/api/no-such-route", None, &json!({})).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.header("x-request-id").unwrap().len(), made.len());
}
