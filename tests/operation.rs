//! Operating roster (docs/contract.md §8): health, reflection, graceful
//! shutdown, the log, oversized and undecodable messages, concurrency
//! bounds.

mod common;

use common::{assert_code, raw_call, raw_finish, raw_open, ServerProcess, TestServer};
use roster::pb;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};

/// Health answers SERVING for "" and roster.v1.UserService once started,
/// NOT_FOUND for other services, and needs no key.
#[tokio::test]
async fn health() {
    let s = TestServer::start().await;
    let mut health = HealthClient::new(s.channel());
    for service in ["", "roster.v1.UserService"] {
        let res = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(res.status, 1, "{service}: SERVING");
    }
    assert_code(
        health
            .check(HealthCheckRequest {
                service: "nope.Service".into(),
            })
            .await,
        Code::NotFound,
    );
}

/// Reflection v1 and v1alpha list roster's, health's and reflection's
/// services and describe roster.v1.UserService.
#[tokio::test]
async fn reflection() {
    use tonic_reflection::pb::v1 as r1;
    use tonic_reflection::pb::v1alpha as r1a;
    let s = TestServer::start().await;

    let mut v1 = r1::server_reflection_client::ServerReflectionClient::new(s.channel());
    let requests = tokio_stream::iter([
        r1::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(r1::server_reflection_request::MessageRequest::ListServices(
                String::new(),
            )),
        },
        r1::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                r1::server_reflection_request::MessageRequest::FileContainingSymbol(
                    "roster.v1.UserService".into(),
                ),
            ),
        },
    ]);
    let mut answers = v1
        .server_reflection_info(requests)
        .await
        .unwrap()
        .into_inner();
    let Some(r1::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        answers.next().await.unwrap().unwrap().message_response
    else {
        panic!("expected a service list");
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    for expected in ["roster.v1.UserService", "grpc.health.v1.Health"] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let Some(r1::server_reflection_response::MessageResponse::FileDescriptorResponse(files)) =
        answers.next().await.unwrap().unwrap().message_response
    else {
        panic!("expected file descriptors");
    };
    let files: Vec<prost_types::FileDescriptorProto> = files
        .file_descriptor_proto
        .iter()
        .map(|b| prost::Message::decode(&b[..]).unwrap())
        .collect();
    let user_proto = files
        .iter()
        .find(|f| f.name() == "roster/v1/user.proto")
        .expect("user.proto");
    assert_eq!(user_proto.service[0].method.len(), 17);

    let mut v1a = r1a::server_reflection_client::ServerReflectionClient::new(s.channel());
    let requests = tokio_stream::iter([r1a::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            r1a::server_reflection_request::MessageRequest::ListServices(String::new()),
        ),
    }]);
    let mut answers = v1a
        .server_reflection_info(requests)
        .await
        .unwrap()
        .into_inner();
    let Some(r1a::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        answers.next().await.unwrap().unwrap().message_response
    else {
        panic!("expected a service list");
    };
    assert!(list
        .service
        .iter()
        .any(|s| s.name == "roster.v1.UserService"));
}

/// A message over 4 MiB is RESOURCE_EXHAUSTED (not tonic's OUT_OF_RANGE),
/// an undecodable one INTERNAL, and the server keeps serving on the same
/// connection.
#[tokio::test]
async fn oversized_and_undecodable_messages() {
    let s = TestServer::start().await;
    let mut admin = s.admin();
    let mut variables = prost_types::Struct::default();
    variables.fields.insert(
        "big".into(),
        prost_types::Value {
            kind: Some(prost_types::value::Kind::StringValue(
                "x".repeat(5 * 1024 * 1024),
            )),
        },
    );
    let big = pb::CreateUserRequest {
        user: Some(pb::User {
            id: "big".into(),
            variables: Some(variables),
            ..Default::default()
        }),
    };
    assert_code(admin.create_user(big).await, Code::ResourceExhausted);
    admin.get_info(pb::GetUserInfoRequest {}).await.unwrap();

    // Field 1 (id) of CreateUserRequest.user holding invalid UTF-8.
    let garbage = RawBytes(vec![0x0a, 0x04, 0x0a, 0x02, 0xff, 0xfe]);
    let auth = [("authorization", format!("Bearer {}", s.admin_key))];
    let res = raw_call(s.addr, "CreateUser", &auth, &garbage).await;
    assert_eq!(res.code, Code::Internal, "{res:?}");
    admin.get_info(pb::GetUserInfoRequest {}).await.unwrap();
}

/// Bytes sent as a message as they are.
#[derive(Clone, PartialEq, Default)]
struct RawBytes(Vec<u8>);

impl std::fmt::Debug for RawBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl prost::Message for RawBytes {
    fn encode_raw(&self, buf: &mut impl bytes::BufMut) {
        buf.put_slice(&self.0);
    }
    fn merge_field(
        &mut self,
        _: u32,
        _: prost::encoding::WireType,
        _: &mut impl bytes::Buf,
        _: prost::encoding::DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        unreachable!("only encoded")
    }
    fn encoded_len(&self) -> usize {
        self.0.len()
    }
    fn clear(&mut self) {
        self.0.clear()
    }
}

/// 64 concurrent calls on one connection are all served (every bound admits
/// at least 64).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_calls_on_one_connection() {
    let s = TestServer::start().await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let mut c = s.admin();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                c.get_info(pb::GetUserInfoRequest {}).await.map(|_| ())
            } else {
                c.create_user(pb::CreateUserRequest {
                    user: Some(pb::User {
                        id: format!("c{i}"),
                        ..Default::default()
                    }),
                })
                .await
                .map(|_| ())
            }
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

/// SIGTERM: health turns NOT_SERVING, new connections are refused, a call
/// already in flight completes OK, the process exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown() {
    let data_dir = tempfile::tempdir().unwrap();
    let key = roster::auth::keys::generate().unwrap().expose().to_owned();
    let mut server = ServerProcess::spawn(
        data_dir.path(),
        &[("ROSTER_BOOTSTRAP_KEY", &key)],
        &["--shutdown-grace", "20s"],
    );
    let channel = server.channel();
    common::wait_serving(channel.clone()).await;

    let mut health = HealthClient::new(channel.clone());
    let mut watch = health
        .watch(HealthCheckRequest {
            service: "roster.v1.UserService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(watch.next().await.unwrap().unwrap().status, 1);

    // A call in flight: headers sent, body not yet.
    let in_flight = raw_open(
        server.addr,
        "GetInfo",
        &[("authorization", format!("Bearer {key}"))],
    )
    .await;

    server.signal("-TERM");
    assert_eq!(
        watch.next().await.unwrap().unwrap().status,
        2,
        "NOT_SERVING"
    );
    drop(watch);

    // New calls are refused (UNAVAILABLE) once the listener has closed,
    // which follows the NOT_SERVING report closely.
    let mut refused = false;
    for _ in 0..500 {
        let fresh = tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr))
            .unwrap()
            .connect_lazy();
        match common::client_on(fresh, Some(&key), None)
            .get_info(pb::GetUserInfoRequest {})
            .await
        {
            Err(status) if status.code() == Code::Unavailable => {
                refused = true;
                break;
            }
            _ => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
    assert!(refused, "new calls were still served while draining");

    let res = raw_finish(in_flight, &pb::GetUserInfoRequest {}).await;
    assert_eq!(res.code, Code::Ok, "{res:?}");
    let info: pb::GetUserInfoResponse = prost::Message::decode(&res.body[..]).unwrap();
    assert_eq!(info.id, "admin");

    drop(health);
    drop(channel);
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let log = server.log_lines().join("\n");
    assert!(log.contains("stopped"), "{log}");
}

/// One log event per RPC with method, code, duration, caller (the key's
/// owner) and impersonated user, and no secret anywhere in the log: not the bootstrap key
/// written to the key file, not a key created or presented.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_log_event_per_rpc_and_no_secrets() {
    let data_dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn(data_dir.path(), &[], &[]);
    common::wait_serving(server.channel()).await;
    let admin_key = std::fs::read_to_string(data_dir.path().join("bootstrap.key"))
        .unwrap()
        .trim()
        .to_owned();
    let mut admin = common::client_on(server.channel(), Some(&admin_key), None);
    admin.get_info(pb::GetUserInfoRequest {}).await.unwrap();
    admin
        .create_user(pb::CreateUserRequest {
            user: Some(pb::User {
                id: "svc".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let created = common::client_on(server.channel(), Some(&admin_key), Some("svc"))
        .create_access_key(pb::CreateAccessKeyRequest { name: "k".into() })
        .await
        .unwrap()
        .into_inner();
    let svc_key = created.access_keys[0].access_key.clone();
    let mut wrong = svc_key.clone().into_bytes();
    wrong[20] = if wrong[20] == b'a' { b'b' } else { b'a' };
    let wrong = String::from_utf8(wrong).unwrap();
    assert_code(
        common::client_on(server.channel(), Some(&wrong), None)
            .get_info(pb::GetUserInfoRequest {})
            .await,
        Code::Unauthenticated,
    );
    // Wait for the last event to be written.
    let events = loop {
        let events: Vec<serde_json::Value> = server
            .log_lines()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .filter(|e: &serde_json::Value| e["message"] == "rpc")
            .collect();
        if events.len() >= 4 {
            break events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    let summary: Vec<(String, String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
                e["caller"].as_str().unwrap().to_owned(),
                e["impersonated"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [
        ("GetInfo", "Ok", "admin", ""),
        ("CreateUser", "Ok", "admin", ""),
        ("CreateAccessKey", "Ok", "admin", "svc"),
        ("GetInfo", "Unauthenticated", "", ""),
    ];
    let expected: Vec<(String, String, String, String)> = expected
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(summary, expected);
    assert!(events.iter().all(|e| e["duration_us"].is_u64()));
    let log = server.log_lines().join("\n");
    for secret in [&admin_key, &svc_key, &wrong] {
        assert!(!log.contains(&secret[3..]), "a secret leaked into the log");
    }
    assert!(
        log.contains("bootstrap.key"),
        "the key file's path is logged"
    );
}

/// Health is NOT_SERVING (and UserService calls UNAVAILABLE) until the store
/// is open: here another holder keeps the store locked; once it lets go,
/// roster opens it and turns SERVING.
#[tokio::test]
async fn not_serving_until_the_store_is_open() {
    common::init_logs();
    let data_dir = tempfile::tempdir().unwrap();
    let holder = roster::store::open(
        &roster::store::Location::data_dir(data_dir.path()),
        roster::store::Create::IfMissing,
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut args = common::test_args(data_dir.path().to_path_buf());
    let key = roster::auth::keys::generate().unwrap();
    args.bootstrap_key = Some(key.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(roster::server::run(args, listener, async {
        let _ = stopped.await;
    }));
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_lazy();
    let mut health = HealthClient::new(channel.clone());
    for service in ["", "roster.v1.UserService"] {
        let res = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(res.status, 2, "{service}: NOT_SERVING");
    }
    assert_code(
        common::client_on(channel.clone(), Some(key.expose()), None)
            .get_info(pb::GetUserInfoRequest {})
            .await,
        Code::Unavailable,
    );
    drop(holder);
    common::wait_serving(channel.clone()).await;
    common::client_on(channel, Some(key.expose()), None)
        .get_info(pb::GetUserInfoRequest {})
        .await
        .unwrap();
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// A flood of idle connections, four times `--max-connections`, and a
/// connection sending garbage do not stop the server: each idle connection
/// is closed after the handshake timeout, and a real client is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connection_flood_and_garbage() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start_with(|args| {
        args.max_connections = 16;
        args.handshake_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..64 {
        idle.push(tokio::net::TcpStream::connect(s.addr).await.unwrap());
    }
    let mut garbage = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    garbage
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nnot http/2 at all")
        .await
        .unwrap();

    // A real client gets through once the idle connections are closed.
    let fresh = tonic::transport::Endpoint::from_shared(format!("http://{}", s.addr))
        .unwrap()
        .connect_lazy();
    let mut client = common::client_on(fresh, Some(&s.admin_key), None);
    let info = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        client.get_info(pb::GetUserInfoRequest {}),
    )
    .await
    .expect("a real client was not served")
    .unwrap()
    .into_inner();
    assert_eq!(info.id, "admin");

    // Every idle connection was closed by the server (after its SETTINGS
    // frame: EOF or reset).
    for mut conn in idle {
        let mut buf = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            conn.read_to_end(&mut buf),
        )
        .await
        .expect("an idle connection stayed open")
        .ok();
    }
    let mut buf = Vec::new();
    let _ = garbage.read_to_end(&mut buf).await;
    s.admin().get_info(pb::GetUserInfoRequest {}).await.unwrap();
}

/// Past `--max-in-flight` calls are shed with RESOURCE_EXHAUSTED (reason
/// SERVER_BUSY), the rest are served, and the server serves on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_shedding() {
    use tonic_types::StatusExt;
    let s = TestServer::start_with(|args| args.max_in_flight = 2).await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let mut client = s.admin();
        tasks.push(tokio::spawn(async move {
            let mut updated = prost_types::Struct::default();
            updated.fields.insert(
                format!("k{i}"),
                prost_types::Value {
                    kind: Some(prost_types::value::Kind::StringValue("x".repeat(1000))),
                },
            );
            client
                .update_config(pb::UpdateConfigRequest {
                    updated: Some(updated),
                    deleted: vec![],
                })
                .await
        }));
    }
    let (mut ok, mut shed) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                let info = status.get_error_details().error_info().cloned().unwrap();
                assert_eq!(info.reason, "SERVER_BUSY");
                shed += 1;
            }
        }
    }
    assert!(ok > 0 && shed > 0, "ok {ok}, shed {shed}");
    s.admin().get_info(pb::GetUserInfoRequest {}).await.unwrap();
}
