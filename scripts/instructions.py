#!/usr/bin/env python3
"""Instructions per call of roster binaries, counted by callgrind.

    scripts/instructions [--calls N] [--only NAME] [--phases] BINARY [BINARY ...]

For each binary: imports 1,000 users (the benchmark's data), runs the server
under `valgrind --tool=callgrind` once with no calls and once per workload
with N calls made one at a time by h2load (GetInfo, a ListUsers page of 100,
Health/Check), and prints (instructions with the calls − without) ÷ N.
Instruction counts do not depend on what else the machine is doing, so two
builds compare exactly where a throughput A/B (`scripts/bench --compare`)
only compares within noise. Counted: the threads that run roster or tokio
code (the main thread, the runtime's workers, the log and store writers);
sled's I/O thread pool spins under valgrind's serialised threads and is left
out (outside valgrind it is idle during reads; during writes it does the
log's I/O, which shows here only as the writer thread's flush and sync). Needs valgrind and h2load
(and ghz, which sends CreateUser with a new id per call).

--phases also says where each call's instructions go: callgrind's self
cost of every function, attributed by the source file its code came from
(inlined code keeps its own file) or, for the standard library's generic
code, by the crate of the function it was inlined into:

  HTTP/2 and gRPC   h2, hyper, tonic's transport, tower, http, bytes, tokio,
                    and the connection and deadline layers
  decode, encode    prost and the generated messages (by function name),
                    tonic's codec
  authentication    the key's checksum and digest (sha2), the caller cache
  authorization     the permission table and scope checks
  log event         the formatter, tracing, and the log writer's thread
  store             sled, the store's code and its writer thread
  memory            the allocator, memcpy, memset and memcmp
  the rest          roster's other code: the handler, request ids, traces
"""

import argparse
import glob
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the benchmark's data and request helpers)

WORKLOADS = [
    ("GetInfo", "/roster.v1.UserService/GetInfo", b""),
    ("ListUsers (100 of 1,000)", "/roster.v1.UserService/ListUsers",
     bench.pb_string(1, "bench") + bench.pb_varint(2, 100)),
    ("Health/Check", "/grpc.health.v1.Health/Check", b""),
    # Sent by ghz, which gives every call its own id.
    ("CreateUser (durable)", "roster.v1.UserService/CreateUser", None),
]

# Phases, in the order they are printed: (name, patterns of a source file or
# of a function's crate); the first match wins, `the rest` takes what none
# matches.
PHASES = [
    ("log event", [r"/src/telemetry\.rs", r"tracing[-_]core", r"tracing[-_]subscriber",
                   r"/tracing-0", r"humantime", r"^tracing::", r"tracing_log",
                   r"^roster::api::call::Call::log", r"^roster::telemetry"]),
    ("authentication", [r"/src/auth/(keys|authenticator|mod)\.rs", r"sha2", r"digest-0",
                        r"block-buffer", r"^roster::auth::(keys|authenticator)",
                        r"^roster::auth::Credentials", r"^roster::api::call::Call::caller",
                        r"^roster::directory::Directory::authenticate"]),
    ("authorization", [r"/src/auth/(access|permissions)\.rs", r"^roster::auth::(access|permissions)",
                       r"^roster::directory::Directory::permitted"]),
    ("store", [r"/src/store/", r"sled-0", r"crossbeam", r"^sled::", r"^roster::store::"]),
    ("decode, encode", [r"prost", r"out/roster\.v1\.rs", r"tonic-[0-9.]+/src/codec",
                        r"/src/api/wire\.rs", r"^tonic::codec", r"^prost::"]),
    ("HTTP/2 and gRPC", [r"/h2-", r"hyper", r"tonic", r"tower", r"/http-", r"http-body",
                         r"/bytes-", r"tokio", r"/src/conn\.rs", r"/src/api/layer\.rs",
                         r"/src/gateway/", r"axum", r"slab", r"indexmap", r"hashbrown",
                         r"futures", r"mio", r"^(h2|hyper|hyper_util|tonic|tower|http|bytes|"
                         r"tokio|axum|slab|futures_util|mio)::", r"libc\.so.*:(__)?(write|read|"
                         r"recv|send|epoll|syscall)"]),
    ("memory", [r"mimalloc", r"mem(move|cpy|set|cmp)", r"^__rust_(alloc|dealloc|realloc)",
                r"alloc::raw_vec"]),
]


def thread_files(out_dir):
    """The callgrind files of the counted threads of one run, with their
    text."""
    for f in sorted(glob.glob(f"{out_dir}/cg.*-*")):
        text = Path(f).read_text(errors="replace")
        if re.search(r"fn=\(\d+\) roster::|tokio::runtime|/src/telemetry\.rs", text):
            yield f, text


def counted(out_dir):
    """Instructions of the counted threads of one run."""
    total = 0
    for _, text in thread_files(out_dir):
        m = re.search(r"^summary: (\d+)", text, re.M)
        if m:
            total += int(m.group(1))
    return total


COST_LINE = re.compile(r"^\s*([\d,]+) \([^)]*\)\s+(.*?):(.*?)(?: \[[^\]]*\])?$")
STD = re.compile(r"^(/rustc/|\?\?\?|\./)")


def phase_of(path, function):
    """The phase of one cost line: by its source file, or by its function's
    crate where the file is the standard library's."""
    name = function.lstrip("<&*")
    texts = [name] if STD.match(path) and "libc.so" not in path else [path, name]
    if path.startswith("./") or "sysdeps" in path:
        texts = [f"{path}:{function}", name]
    for phase, patterns in PHASES:
        if any(re.search(p, t) for p in patterns for t in texts):
            if phase == "decode, encode":
                return "decode" if re.search(r"decode|merge", function) else "encode"
            return phase
    return "the rest"


def phase_costs(out_dir):
    """Instructions of the counted threads of one run, by phase. The log
    writer's thread is all log event, the store writer's all store."""
    costs = {}
    for f, text in thread_files(out_dir):
        whole = None
        if "tokio::runtime::scheduler" not in text:
            if "/src/telemetry.rs" in text:
                whole = "log event"
            elif "/src/store/sled/writer.rs" in text:
                whole = "store"
        out = subprocess.run(["callgrind_annotate", "--threshold=100", "--auto=no", f],
                             check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = COST_LINE.match(line)
            if not m or m.group(2) == "PROGRAM TOTALS":
                continue
            phase = whole or phase_of(m.group(2), m.group(3))
            costs[phase] = costs.get(phase, 0) + int(m.group(1).replace(",", ""))
    return costs


def run(binary, data, out_dir, key, calls=0, path="", message=b""):
    """The server under callgrind, `calls` calls of `path`, then SIGTERM."""
    out_dir.mkdir()
    log_path = out_dir / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--separate-threads=yes",
             f"--callgrind-out-file={out_dir}/cg.%p", str(binary), "serve",
             "--listen", "127.0.0.1:0", "--data-dir", str(data), "--log-format", "json"],
            stdout=subprocess.DEVNULL, stderr=log, env=dict(os.environ, RUST_LOG="info", MIMALLOC_PURGE_DELAY="-1"))
        deadline = time.monotonic() + 300
        while '"message":"serving"' not in (text := log_path.read_text()):
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{binary} did not start:\n{text}")
            time.sleep(0.2)
        addr = re.search(r'"addr":"([^"]+)"', text).group(1)
        if calls and message is None:
            bench.ghz(addr, path, "", {"user": {"id": "new-{{.RequestNumber}}", "name": "New",
                                                "org_id": "bench"}},
                      {"authorization": f"Bearer {key}"}, connections=1, concurrency=1,
                      count=calls)
        elif calls:
            body = out_dir / "body.bin"
            body.write_bytes(b"\0" + len(message).to_bytes(4, "big") + message)
            subprocess.run(["h2load", "-n", str(calls), "-c", "1", "-m", "1", "-t", "1",
                            "-d", str(body), "-H", "content-type: application/grpc",
                            "-H", "te: trailers", "-H", f"authorization: Bearer {key}",
                            f"http://{addr}{path}"], check=True, capture_output=True)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=300)
    return out_dir


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="+", type=Path)
    parser.add_argument("--calls", type=int, default=5000, help="calls per workload (5000)")
    parser.add_argument("--only", help="one workload, by the start of its name")
    parser.add_argument("--phases", action="store_true",
                        help="also where each call's instructions go (see above)")
    args = parser.parse_args()
    bench.ensure_h2load()
    bench.ensure_ghz()
    work = Path(tempfile.mkdtemp(prefix="roster-instructions-"))
    key = "bench-" + secrets.token_hex(24)
    dump = work / "seed.jsonl"
    bench.write_export(dump, key, {"bench": 1000})
    phases = [name for name, _ in PHASES if name != "decode, encode"]
    phases[4:4] = ["decode", "encode"]
    phases.append("the rest")
    columns = " | ".join(phases) + " |" if args.phases else ""
    print(f"| binary | workload | instructions per call ({args.calls:,} calls) | {columns}")
    print("| --- | --- | ---: |" + " ---: |" * (len(phases) if args.phases else 0))
    try:
        measure(args, work, key, dump, phases)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(args, work, key, dump, phases):
    for i, binary in enumerate(args.binaries):
        data = work / f"data-{i}"
        subprocess.run([str(binary), "import", "--data-dir", str(data), "--input", str(dump)],
                       check=True, capture_output=True)
        # The first start after the import recovers sled's log; the runs
        # that count start from the state a clean stop leaves.
        run(binary, data, work / f"warm-up-{i}", key)
        idle_dir = run(binary, data, work / f"idle-{i}", key)
        idle = counted(idle_dir)
        idle_phases = phase_costs(idle_dir) if args.phases else {}
        for j, (name, path, message) in enumerate(WORKLOADS):
            if args.only and not name.startswith(args.only):
                continue
            busy_dir = run(binary, data, work / f"run-{i}-{j}", key, args.calls, path, message)
            row = f"| {binary} | {name} | {(counted(busy_dir) - idle) / args.calls:,.0f} |"
            if args.phases:
                busy_phases = phase_costs(busy_dir)
                for phase in phases:
                    per_call = (busy_phases.get(phase, 0) - idle_phases.get(phase, 0)) / args.calls
                    row += f" {per_call:,.0f} |"
            print(row, flush=True)


if __name__ == "__main__":
    main()
