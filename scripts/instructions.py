#!/usr/bin/env python3
"""Instructions per call of roster binaries, counted by callgrind.

    scripts/instructions [--calls N] [--only NAME] BINARY [BINARY ...]

For each binary: imports 1,000 users (the benchmark's data), runs the server
under `valgrind --tool=callgrind` once with no calls and once per workload
with N calls made one at a time by h2load (GetInfo, a ListUsers page of 100,
Health/Check), and prints (instructions with the calls − without) ÷ N.
Instruction counts do not depend on what else the machine is doing, so two
builds compare exactly where a throughput A/B (`scripts/bench --compare`)
only compares within noise. Counted: the threads that run roster or tokio
code (the main thread, the runtime's workers, the log and store writers);
sled's I/O thread pool spins under valgrind's serialised threads and is left
out (outside valgrind it is idle during reads). Needs valgrind and h2load.
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
]


def counted(out_dir):
    """Instructions of the counted threads of one callgrind run."""
    total = 0
    for f in glob.glob(f"{out_dir}/cg.*-*"):
        text = Path(f).read_text(errors="replace")
        m = re.search(r"^summary: (\d+)", text, re.M)
        if m and re.search(r"fn=\(\d+\) roster::|tokio::runtime", text):
            total += int(m.group(1))
    return total


def run(binary, data, out_dir, key, calls=0, path="", message=b""):
    """The server under callgrind, `calls` calls of `path`, then SIGTERM."""
    out_dir.mkdir()
    log_path = out_dir / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--separate-threads=yes",
             f"--callgrind-out-file={out_dir}/cg.%p", str(binary), "serve",
             "--listen", "127.0.0.1:0", "--data-dir", str(data), "--log-format", "json"],
            stdout=subprocess.DEVNULL, stderr=log, env=dict(os.environ, RUST_LOG="info"))
        deadline = time.monotonic() + 300
        while '"message":"serving"' not in (text := log_path.read_text()):
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{binary} did not start:\n{text}")
            time.sleep(0.2)
        addr = re.search(r'"addr":"([^"]+)"', text).group(1)
        if calls:
            body = out_dir / "body.bin"
            body.write_bytes(b"\0" + len(message).to_bytes(4, "big") + message)
            subprocess.run(["h2load", "-n", str(calls), "-c", "1", "-m", "1", "-t", "1",
                            "-d", str(body), "-H", "content-type: application/grpc",
                            "-H", "te: trailers", "-H", f"authorization: Bearer {key}",
                            f"http://{addr}{path}"], check=True, capture_output=True)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=300)
    return counted(out_dir)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="+", type=Path)
    parser.add_argument("--calls", type=int, default=5000, help="calls per workload (5000)")
    parser.add_argument("--only", help="one workload, by the start of its name")
    args = parser.parse_args()
    bench.ensure_h2load()
    work = Path(tempfile.mkdtemp(prefix="roster-instructions-"))
    key = "bench-" + secrets.token_hex(24)
    dump = work / "seed.jsonl"
    bench.write_export(dump, key, {"bench": 1000})
    print(f"| binary | workload | instructions per call ({args.calls:,} calls) |")
    print("| --- | --- | ---: |")
    try:
        measure(args, work, key, dump)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(args, work, key, dump):
    for i, binary in enumerate(args.binaries):
        data = work / f"data-{i}"
        subprocess.run([str(binary), "import", "--data-dir", str(data), "--input", str(dump)],
                       check=True, capture_output=True)
        idle = run(binary, data, work / f"idle-{i}", key)
        for j, (name, path, message) in enumerate(WORKLOADS):
            if args.only and not name.startswith(args.only):
                continue
            busy = run(binary, data, work / f"run-{i}-{j}", key, args.calls, path, message)
            print(f"| {binary} | {name} | {(busy - idle) / args.calls:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
