//! The text log of the real binary when stderr is not a terminal: plain
//! lines, no ANSI colour escapes (`roster serve 2>log` must give a readable
//! file).

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use roster::pb;

/// The bootstrap key of the server under test (32+ printable characters).
const ADMIN_KEY: &str = "logs-test-bootstrap-key-0123456789abcdef";

/// `roster serve` with the default (text) log format and stderr on a pipe,
/// through start, one RPC and SIGTERM: every byte it logs is plain text.
#[test]
fn text_log_to_a_pipe_has_no_colour_escapes() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir.path())
        .env_remove("ROSTER_LOG_FORMAT")
        // Colours must be off because stderr is a pipe, not because of
        // NO_COLOR.
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "info")
        .env("ROSTER_BOOTSTRAP_KEY", ADMIN_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn roster");

    // Every byte of stderr, kept raw; the address once "listening" is logged.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (addr_tx, addr_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut log = Vec::new();
        loop {
            let start = log.len();
            match stderr.read_until(b'\n', &mut log) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let line = String::from_utf8_lossy(&log[start..]).into_owned();
            if let Some(addr) = listening_addr(&line) {
                let _ = addr_tx.send(addr);
            }
        }
        log
    });
    let guard = KillOnDrop(Some(child));

    let addr = addr_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("roster logged no `listening` line with its address");
    // One RPC, on a runtime dropped before SIGTERM: no connection is left
    // open for the shutdown to wait on.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect_lazy();
        common::wait_serving(channel.clone()).await;
        let me = common::client_on(channel, Some(ADMIN_KEY), None)
            .get_info(pb::GetUserInfoRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(me.id, "admin");
    });
    drop(runtime);

    let mut child = guard.disarm();
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -TERM failed");
    let status = child.wait().unwrap();
    let log = reader.join().unwrap();
    let text = String::from_utf8_lossy(&log);

    assert!(
        status.success(),
        "roster exited with {status}; log:\n{text}"
    );
    assert!(
        !log.contains(&0x1b),
        "the log holds ANSI escapes (ESC bytes):\n{}",
        text.escape_debug()
    );
    for expected in [
        "INFO roster: listening addr=",
        " serving",
        "rpc method=\"GetInfo\" code=\"Ok\"",
        " SIGTERM received",
        " stopped",
    ] {
        assert!(
            text.lines().any(|l| l.contains(expected)),
            "no log line contains `{expected}`; log:\n{text}"
        );
    }
}

/// The address of a text `listening` line: `... listening addr=127.0.0.1:PORT ...`.
/// Colour escapes are skipped here, so that a coloured log fails the
/// assertion about escapes rather than this search.
fn listening_addr(line: &str) -> Option<String> {
    let line = &strip_escapes(line);
    if !line.contains(" listening ") {
        return None;
    }
    let rest = line.split(" addr=").nth(1)?;
    let addr = rest.split_whitespace().next()?;
    Some(addr.trim_matches('"').to_owned())
}

/// `line` without ANSI SGR sequences (`ESC [ ... m`).
fn strip_escapes(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            out.push(c);
        }
    }
    out
}

/// Kills the server if the test fails before it is stopped on purpose.
struct KillOnDrop(Option<std::process::Child>);

impl KillOnDrop {
    fn disarm(mut self) -> std::process::Child {
        self.0.take().unwrap()
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
