//! Deadlines (docs/contract.md §7): the server answers DEADLINE_EXCEEDED
//! (never tonic's CANCELLED), refuses calls that arrive already expired, and
//! does not apply a mutation whose deadline passed before it reached the
//! store.
//!
//! These tests send a raw `grpc-timeout` header from a raw HTTP/2 client:
//! tonic's client would give up at the deadline by itself and report its own
//! CANCELLED, hiding what the server answered.

mod common;

use std::time::{Duration, Instant};

use common::{assert_code, raw_call, TestServer};
use roster::pb;
use tonic::Code;

fn create_user(id: &str) -> pb::CreateUserRequest {
    pb::CreateUserRequest {
        user: Some(pb::User {
            id: id.into(),
            ..Default::default()
        }),
    }
}

fn headers(key: &str, timeout: &str) -> Vec<(&'static str, String)> {
    vec![
        ("authorization", format!("Bearer {key}")),
        ("grpc-timeout", timeout.to_owned()),
    ]
}

/// `grpc-timeout: 1n` has passed on arrival: reads and mutations are
/// answered DEADLINE_EXCEEDED without running, and the mutation is not
/// applied.
#[tokio::test]
async fn expired_on_arrival() {
    let s = TestServer::start().await;
    let h = headers(&s.admin_key, "1n");
    let res = raw_call(s.addr, "GetInfo", &h, &pb::GetUserInfoRequest {}).await;
    assert_eq!(res.code, Code::DeadlineExceeded, "{res:?}");
    let res = raw_call(s.addr, "ListUsers", &h, &pb::ListUsersRequest::default()).await;
    assert_eq!(res.code, Code::DeadlineExceeded, "{res:?}");
    let res = raw_call(s.addr, "CreateUser", &h, &create_user("late")).await;
    assert_eq!(res.code, Code::DeadlineExceeded, "{res:?}");
    // Not applied: the id is still free.
    s.admin().create_user(create_user("late")).await.unwrap();

    // A generous deadline is honoured as usual.
    let h = headers(&s.admin_key, "5S");
    let res = raw_call(s.addr, "GetInfo", &h, &pb::GetUserInfoRequest {}).await;
    assert_eq!(res.code, Code::Ok, "{res:?}");
    let info: pb::GetUserInfoResponse = prost::Message::decode(&res.body[..]).unwrap();
    assert_eq!(info.id, "admin");
}

/// Under a burst of large durable writes with a 2 ms deadline each, every
/// call is answered OK or DEADLINE_EXCEEDED by the server (never CANCELLED),
/// and some expire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_calls_get_deadline_exceeded() {
    let s = TestServer::start().await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let key = s.user(&format!("w{i}"), "default", "", &[]).await;
        let addr = s.addr;
        tasks.push(tokio::spawn(async move {
            let mut updated = prost_types::Struct::default();
            updated.fields.insert(
                "blob".into(),
                prost_types::Value {
                    kind: Some(prost_types::value::Kind::StringValue("x".repeat(100_000))),
                },
            );
            let req = pb::UpdateConfigRequest {
                updated: Some(updated),
                deleted: vec![],
            };
            raw_call(addr, "UpdateConfig", &headers(&key, "2m"), &req).await
        }));
    }
    let mut expired = 0;
    for task in tasks {
        let res = task.await.unwrap();
        match res.code {
            Code::Ok => {}
            Code::DeadlineExceeded => expired += 1,
            _ => panic!("unexpected answer {res:?}"),
        }
    }
    assert!(expired > 0, "no call expired; the burst was too small");
}

/// A call without a deadline gets the server's `--max-call-time`.
#[tokio::test]
async fn server_maximum_applies() {
    let s = TestServer::start_with(|args| args.max_call_time = Duration::from_millis(1)).await;
    let started = Instant::now();
    assert_code(
        s.admin().get_info(pb::GetUserInfoRequest {}).await,
        Code::DeadlineExceeded,
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}
