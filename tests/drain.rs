//! SIGTERM under load, on the real binary: a client that checks health and
//! retries UNAVAILABLE loses no call while a replica drains, the calls in
//! flight on the draining replica complete OK, and a call that never
//! finishes cannot hold the process past `--shutdown-grace` (+ 1 s).

mod common;

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use common::{raw_finish, raw_open, ServerProcess};
use roster::pb;
use tokio_stream::StreamExt;
use tonic::{transport::Channel, Code, Status};
use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};

/// The grace every test gives its servers.
const GRACE: Duration = Duration::from_secs(2);

/// Starts the real binary with `--shutdown-grace 2s` and `key` as its
/// bootstrap key, and waits until it is SERVING.
async fn replica(data_dir: &std::path::Path, key: &str) -> ServerProcess {
    let server = ServerProcess::spawn(
        data_dir,
        &[("ROSTER_BOOTSTRAP_KEY", key)],
        &["--shutdown-grace", "2s"],
    );
    common::wait_serving(server.channel()).await;
    server
}

/// A health Watch of `service` on `channel`, past its first answer
/// (asserted SERVING).
async fn watch(
    channel: Channel,
    service: &str,
) -> tonic::Streaming<tonic_health::pb::HealthCheckResponse> {
    let mut stream = HealthClient::new(channel)
        .watch(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stream.next().await.unwrap().unwrap().status, 1, "SERVING");
    stream
}

/// Waits for the process to exit (polling), and answers its exit status
/// and how long that took from `since`.
async fn exited(server: &mut ServerProcess, since: Instant) -> (Option<i32>, Duration) {
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return (status.code(), since.elapsed());
        }
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "still running 30 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Whether a failed call never reached the server's handlers, so that
/// sending it again cannot do anything twice: gRPC's transparent retry
/// (grpc-go, grpc-core, grpc-java) sends such calls again by itself, and
/// tonic's client, which has none, reports them as CANCELLED ("operation
/// was canceled": the connection closed before the request left) or
/// INTERNAL (a stream above the last one the server's GOAWAY accepted).
fn never_processed(status: &Status) -> bool {
    let mut cause = std::error::Error::source(status);
    while let Some(error) = cause {
        if let Some(e) = error.downcast_ref::<hyper::Error>() {
            if e.is_canceled() {
                return true;
            }
        }
        if let Some(e) = error.downcast_ref::<h2::Error>() {
            return e.is_go_away() && e.is_remote() && e.reason() == Some(h2::Reason::NO_ERROR);
        }
        cause = error.source();
    }
    false
}

/// A client of several replicas, as gRPC's client-side health checking
/// and retry policy make one: it sends each call to a replica whose
/// readiness Watch last said SERVING (round robin), and sends a call
/// answered UNAVAILABLE, or never processed, again, elsewhere, after a
/// short backoff.
struct Balancer {
    replicas: Vec<(Channel, Arc<AtomicBool>)>,
    next: AtomicUsize,
    key: String,
}

impl Balancer {
    /// A client of the replicas at `addrs`: one connection each, and a
    /// readiness Watch on it.
    async fn new(addrs: &[SocketAddr], key: &str) -> Self {
        let mut replicas = Vec::new();
        for addr in addrs {
            let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
                .unwrap()
                .connect()
                .await
                .unwrap();
            let ready = Arc::new(AtomicBool::new(true));
            let mut stream = watch(channel.clone(), "readiness").await;
            let flag = ready.clone();
            tokio::spawn(async move {
                while let Some(Ok(answer)) = stream.next().await {
                    flag.store(answer.status == 1, Ordering::SeqCst);
                }
                // The stream ended: the replica is gone.
                flag.store(false, Ordering::SeqCst);
            });
            replicas.push((channel, ready));
        }
        Balancer {
            replicas,
            next: AtomicUsize::new(0),
            key: key.to_owned(),
        }
    }

    /// One GetInfo, retried on UNAVAILABLE (up to 10 attempts): its final
    /// code, and the replicas that answered UNAVAILABLE on the way.
    async fn get_info(&self) -> (Code, Vec<usize>) {
        let mut refused_by = Vec::new();
        for attempt in 0..10u32 {
            let n = self.replicas.len();
            let start = self.next.fetch_add(1, Ordering::Relaxed);
            let pick = (0..n)
                .map(|i| (start + i) % n)
                .find(|&i| self.replicas[i].1.load(Ordering::SeqCst))
                .unwrap_or(start % n);
            let mut client =
                common::client_on(self.replicas[pick].0.clone(), Some(&self.key), None);
            let mut req = tonic::Request::new(pb::GetUserInfoRequest {});
            req.set_timeout(Duration::from_secs(5));
            match client.get_info(req).await {
                Ok(_) => return (Code::Ok, refused_by),
                Err(status) if status.code() == Code::Unavailable || never_processed(&status) => {
                    refused_by.push(pick);
                    tokio::time::sleep(Duration::from_millis(20 << attempt.min(4))).await;
                }
                Err(status) => return (status.code(), refused_by),
            }
        }
        (Code::Unavailable, refused_by)
    }
}

/// Two replicas under a health-checking, retrying client's load, each load
/// task on connections of its own, and four calls in flight on the first
/// replica (headers sent, body not yet), each on its own connection. SIGTERM
/// to the first: its readiness turns NOT_SERVING, the four calls complete
/// OK, no call of the load fails (those the draining replica refuses are
/// answered by the other), none was refused before the signal, and the
/// replica exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_loses_no_call_of_a_health_checking_retrying_client() {
    let key = roster::auth::keys::generate().unwrap().expose().to_owned();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = replica(dir_a.path(), &key).await;
    let b = replica(dir_b.path(), &key).await;

    let mut readiness = watch(a.channel(), "readiness").await;
    let auth = [("authorization", format!("Bearer {key}"))];
    let mut in_flight = Vec::new();
    for _ in 0..4 {
        in_flight.push(raw_open(a.addr, "GetInfo", &auth).await);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let signalled = Arc::new(AtomicBool::new(false));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let mut load = Vec::new();
    for _ in 0..6 {
        let client = Balancer::new(&[a.addr, b.addr], &key).await;
        let (stop, signalled, outcomes) = (stop.clone(), signalled.clone(), outcomes.clone());
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let before_signal = !signalled.load(Ordering::SeqCst);
                let (code, refused_by) = client.get_info().await;
                outcomes
                    .lock()
                    .unwrap()
                    .push((before_signal, code, refused_by));
            }
        }));
    }
    // Some load before the signal (a condition, not a sleep).
    while outcomes.lock().unwrap().len() < 100 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    signalled.store(true, Ordering::SeqCst);
    let sent = Instant::now();
    a.signal("-TERM");
    assert_eq!(
        readiness.next().await.unwrap().unwrap().status,
        2,
        "NOT_SERVING"
    );
    for call in in_flight {
        let res = raw_finish(call, &pb::GetUserInfoRequest {}).await;
        assert_eq!(res.code, Code::Ok, "a call in flight at SIGTERM: {res:?}");
        let info: pb::GetUserInfoResponse = prost::Message::decode(&res.body[..]).unwrap();
        assert_eq!(info.id, "admin");
    }
    drop(readiness);
    let (code, _) = exited(&mut a, sent).await;
    assert_eq!(code, Some(0), "{:?}", a.log_lines());
    // Load goes on a little after the replica is gone.
    let after = outcomes.lock().unwrap().len();
    while outcomes.lock().unwrap().len() < after + 100 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }

    let outcomes = outcomes.lock().unwrap();
    let failed: Vec<_> = outcomes.iter().filter(|o| o.1 != Code::Ok).collect();
    assert!(
        failed.is_empty(),
        "{} of {} calls failed: {failed:?}",
        failed.len(),
        outcomes.len()
    );
    let refused_early = outcomes
        .iter()
        .filter(|(before, _, refused_by)| *before && !refused_by.is_empty())
        .count();
    assert_eq!(refused_early, 0, "calls were refused before SIGTERM");
    let retried = outcomes.iter().filter(|o| !o.2.is_empty()).count();
    eprintln!(
        "{} calls, {retried} retried elsewhere, 0 failed",
        outcomes.len()
    );
    drop(b);
}

/// Calls that never finish by themselves: a health Watch of readiness and
/// one of liveness, a gRPC call whose request body never comes, and a JSON
/// request whose body stops halfway. SIGTERM: readiness turns NOT_SERVING,
/// liveness never does, and the process waits out the grace for them, no
/// less, and exits 0 within the grace and one second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_never_finishes_is_cut_at_the_grace() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let key = roster::auth::keys::generate().unwrap().expose().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let mut server = replica(dir.path(), &key).await;

    let mut readiness = watch(server.channel(), "readiness").await;
    let mut liveness = watch(server.channel(), "liveness").await;
    let auth = [("authorization", format!("Bearer {key}"))];
    let _no_body = raw_open(server.addr, "GetInfo", &auth).await;
    let mut json = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    json.write_all(
        format!(
            "POST /api/get-user-info HTTP/1.1\r\nhost: roster\r\ncontent-type: \
             application/json\r\nauthorization: Bearer {key}\r\ncontent-length: 100\r\n\r\n{{"
        )
        .as_bytes(),
    )
    .await
    .unwrap();

    let sent = Instant::now();
    server.signal("-TERM");
    assert_eq!(
        readiness.next().await.unwrap().unwrap().status,
        2,
        "NOT_SERVING"
    );
    let (code, took) = exited(&mut server, sent).await;
    assert_eq!(code, Some(0), "{:?}", server.log_lines());
    assert!(
        took < GRACE + Duration::from_secs(1),
        "exited {took:?} after SIGTERM, past the grace ({GRACE:?}) and one second"
    );
    assert!(
        took >= GRACE,
        "exited {took:?} after SIGTERM: the calls in flight were not given the grace"
    );
    let log = server.log_lines().join("\n");
    assert!(log.contains("shutdown grace ran out"), "{log}");

    // Liveness said SERVING until the end: its stream ends without another
    // answer.
    let mut after = Vec::new();
    while let Some(Ok(answer)) = liveness.next().await {
        after.push(answer.status);
    }
    assert_eq!(after, Vec::<i32>::new(), "liveness changed while draining");
    let mut answer = Vec::new();
    let _ = json.read_to_end(&mut answer).await;
    assert!(
        !String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "the half-sent JSON request was answered OK"
    );
}

/// SIGTERM while roster is still starting (another process holds the
/// store), with a readiness Watch open (NOT_SERVING, and never ending by
/// itself): the process exits 0 within the grace and one second, as when
/// serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_starting_is_bounded_too() {
    let dir = tempfile::tempdir().unwrap();
    let _holder = roster::store::open(
        &roster::store::Location::data_dir(dir.path()),
        roster::store::Create::IfMissing,
    )
    .await
    .unwrap();
    let key = roster::auth::keys::generate().unwrap().expose().to_owned();
    let mut server = ServerProcess::spawn(
        dir.path(),
        &[("ROSTER_BOOTSTRAP_KEY", &key)],
        &["--shutdown-grace", "2s"],
    );
    let mut readiness = HealthClient::new(server.channel())
        .watch(HealthCheckRequest {
            service: "readiness".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        readiness.next().await.unwrap().unwrap().status,
        2,
        "NOT_SERVING while starting"
    );

    let sent = Instant::now();
    server.signal("-TERM");
    let (code, took) = exited(&mut server, sent).await;
    assert_eq!(code, Some(0), "{:?}", server.log_lines());
    assert!(
        took < GRACE + Duration::from_secs(1),
        "exited {took:?} after SIGTERM, past the grace ({GRACE:?}) and one second"
    );
    let log = server.log_lines().join("\n");
    assert!(log.contains("shutdown requested while starting"), "{log}");
}

/// SIGTERM as soon as roster says it listens, before it has done anything
/// else: the signal is already caught (roster exits 0 after its drain),
/// not the default action that kills the process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_right_after_listening_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..5 {
        let mut server = ServerProcess::spawn(dir.path(), &[], &["--shutdown-grace", "2s"]);
        let sent = Instant::now();
        server.signal("-TERM");
        let (code, _) = exited(&mut server, sent).await;
        assert_eq!(code, Some(0), "{:?}", server.log_lines());
    }
}
