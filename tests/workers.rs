//! The runtime's worker threads: `TOKIO_WORKER_THREADS` (which tokio reads
//! itself; deploy/ sets it from the container's CPU limit) decides how many
//! there are, roster reports the number in its `listening` line, and a bad
//! value is refused with status 2 instead of tokio's panic.

mod common;

use common::ServerProcess;

/// The `workers` field of the `listening` line of a process started with
/// `TOKIO_WORKER_THREADS=threads`.
fn workers_with(threads: &str) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn(dir.path(), &[("TOKIO_WORKER_THREADS", threads)], &[]);
    // spawn returns once it has read the line; the line reaches the log
    // just after, so wait for it (at most 5 s).
    for _ in 0..500 {
        let listening = server
            .log_lines()
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|event| event["message"] == "listening");
        if let Some(event) = listening {
            return event["workers"].as_u64().expect("a workers field");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("no listening line in the log: {:?}", server.log_lines());
}

#[test]
fn the_environment_sets_the_worker_threads() {
    assert_eq!(workers_with("1"), 1);
    assert_eq!(workers_with("3"), 3);
}

#[test]
fn a_bad_worker_count_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0", "two", "-1", "1.5", ""] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env("TOKIO_WORKER_THREADS", bad)
            .env_remove("ROSTER_BOOTSTRAP_KEY")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {stderr}");
        assert_eq!(
            stderr.trim_end(),
            format!(
                "roster: TOKIO_WORKER_THREADS must be a whole number of worker threads, at least 1, not {bad:?}"
            ),
        );
    }
}
