#!/usr/bin/env python3
"""roster's benchmark: each workload against grpc.health.v1.Health/Check on
the same server in the same run (baseline, workload, baseline), measured by a
load generator outside the server's process: h2load (nghttp2, C, does not
decode responses) for the reads, ghz (Go) for the writes, which need a
unique id per request (ghz templates). Each ratio uses a baseline measured
with the same tool: ghz costs the machine about as much CPU as the server
does (decoding a page of 100 users costs it more than roster spends making
it), so mixing tools would mislead.

The durable writes are measured a second time with examples/grpc_load.rs,
h2load's model (4 connections × 16 streams) with ghz's templates, built
here: on a 2-core machine ghz takes more CPU than roster at 10,000 writes/s,
and the time its calls wait for a core shows up in the p99 it reports (its
Health/Check p99 is ~7 ms; grpc_load's ~1.3 ms).

    scripts/bench                 # the full run (release build), ~3 minutes
    scripts/bench --smoke         # a few seconds, as CI runs it
    scripts/bench --million       # also: 1,000,000 users (RSS, start time, paging)
    scripts/bench --compare OLD   # the reads, this build against binary OLD,
                                  # alternating in one run (an A/B of a change)
    scripts/bench --metrics-cost  # GetInfo with --metrics-listen (scraped every
                                  # second) against without, alternating
    scripts/bench --traces-cost   # GetInfo exporting spans to an OTLP receiver
                                  # (examples/otlp_sink.rs) against not, alternating
    scripts/bench --log-cost      # GetInfo logging text (the default) against
                                  # JSON, alternating

Servers run in the default configuration (the flags `cargo run --release`
gives: text log, written to a file here) unless a mode says otherwise.

Before it measures anything, the benchmark samples the machine for 3 s:
when more than 10 % of its CPU time went to other work, more than 2 % was
stolen by the hypervisor, or the 1-minute load average is above half the
CPU count, it waits up to --wait-quiet seconds (default 60) for that to
pass and then refuses to run (exit 3), so that a noisy number is never
mistaken for a regression. --busy-ok runs anyway and marks every table as
measured on a busy machine; --smoke (CI, right after other stages) only
marks. Each report starts with the sample it was measured after.

The servers log at RUST_LOG (default `info`: one event per call, as users
run roster); e.g. RUST_LOG=info,roster::api::call=warn leaves out the
per-call event to measure what it costs.

Prints a Markdown table (BENCHMARKS.md holds the last full run). Python 3
standard library only; ghz is installed into .tools/bin by scripts/lib.sh's
conventions (pinned, once).
"""

import argparse
import atexit
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
GHZ_VERSION = "v0.120.0"
GHZ = TOOLS / "bin" / "ghz"


def log(msg):
    print(f"==> {msg}", file=sys.stderr, flush=True)


def ensure_ghz():
    stamp = TOOLS / "bin" / f".ghz-{GHZ_VERSION}"
    if GHZ.exists() and stamp.exists():
        return
    log(f"installing ghz {GHZ_VERSION}")
    env = dict(os.environ, GOBIN=str(TOOLS / "bin"), GOFLAGS="-mod=mod")
    subprocess.run(["go", "install", f"github.com/bojand/ghz/cmd/ghz@{GHZ_VERSION}"],
                   check=True, env=env)
    stamp.touch()


def ensure_h2load():
    if shutil.which("h2load"):
        return
    log("installing h2load (Debian's nghttp2-client)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "nghttp2-client"], check=True,
                   stdout=subprocess.DEVNULL)


def pb_bytes(field, data):
    """A protobuf length-delimited field (bytes, string or message), encoded."""
    out, n = bytes([field << 3 | 2]), len(data)
    while n >= 0x80:
        out += bytes([n & 0x7F | 0x80])
        n >>= 7
    return out + bytes([n]) + data


def pb_string(field, text):
    """A protobuf string field, encoded."""
    return pb_bytes(field, text.encode())


def pb_varint(field, value):
    """A protobuf varint field, encoded (small values only)."""
    assert value < 128
    return bytes([field << 3, value])


def h2load(addr, path, message, duration, headers=(), work=None):
    """Requests of one fixed gRPC message over 4 connections × 16 streams;
    req/s and latency percentiles from h2load's per-request log."""
    body = work / "body.bin"
    body.write_bytes(b"\0" + len(message).to_bytes(4, "big") + message)
    log_file = work / "h2load.log"
    log_file.unlink(missing_ok=True)  # h2load appends to it
    seconds = duration.rstrip("s")
    args = ["h2load", "-c", "4", "-m", "16", "-t", "1", "-D", seconds, "--warm-up-time", "1",
            "-d", str(body), "--log-file", str(log_file),
            "-H", "content-type: application/grpc", "-H", "te: trailers"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [f"http://{addr}{path}"], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"finished in [^,]+, ([0-9.]+) req/s", out)
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed", out)
    if not m or not done or int(done.group(3)):
        sys.exit(f"h2load failed:\n{out}")
    # h2load cannot read gRPC trailers; an answer that is not OK carries no
    # message, so fewer than 5 bytes of data (the message frame) per request
    # means some calls failed.
    data = re.search(r"traffic: .* \((\d+)\) data", out)
    if not data or int(data.group(1)) < 5 * int(done.group(2)):
        sys.exit(f"h2load: some calls did not answer OK (no message):\n{out}")
    return h2load_result(float(m.group(1)), log_file)


def h2load_result(rps, log_file):
    """req/s, and p50, p99 and the count from h2load's per-request log."""
    lat = sorted(int(line.split()[2]) for line in log_file.read_text().splitlines() if line.strip())
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000 if lat else float("nan")
    return {"rps": rps, "p50": pct(0.50), "p99": pct(0.99), "count": len(lat),
            "errors": 0, "codes": {}}


def h1_json(addr, path, body, duration, headers=(), work=None):
    """JSON requests over HTTP/1.1 keep-alive: 64 connections, one request
    in flight on each (h2load --h1); every answer must be 2xx."""
    body_file = work / "body.json"
    body_file.write_bytes(body)
    log_file = work / "h2load.log"
    log_file.unlink(missing_ok=True)
    args = ["h2load", "--h1", "-c", "64", "-m", "1", "-t", "1", "-D", duration.rstrip("s"),
            "--warm-up-time", "1", "-d", str(body_file), "--log-file", str(log_file),
            "-H", "content-type: application/json"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [f"http://{addr}{path}"], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"finished in [^,]+, ([0-9.]+) req/s", out)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    if not m or not codes or sum(int(c) for c in codes.groups()[1:]) or not int(codes.group(1)):
        sys.exit(f"h2load --h1 failed or some answers were not 2xx:\n{out}")
    return h2load_result(float(m.group(1)), log_file)


def grpc_load_binary(release):
    """examples/grpc_load.rs, built."""
    args = ["cargo", "build", "--locked", "--quiet", "--example", "grpc_load"]
    if release:
        args.insert(2, "--release")
    subprocess.run(args, check=True, cwd=ROOT)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / ("release" if release else "debug") / "examples" / "grpc_load"


def grpc_load(binary, addr, path, message, duration, headers=()):
    """Calls of `path` from templates (see examples/grpc_load.rs) over 4
    connections × 16 streams; req/s, latency percentiles, gRPC codes."""
    args = [str(binary), addr, path, "--message", message.hex(),
            "--seconds", duration.rstrip("s"), "--warm-up", "1"]
    for h in headers:
        args += ["--header", h]
    report = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    codes = report["codes"]
    errors = sum(n for code, n in codes.items() if code != "0")
    return {"rps": report["rps"], "p50": report["p50"], "p99": report["p99"],
            "count": report["count"], "errors": errors, "codes": codes}


def between(baseline, workload):
    """`workload()` between two runs of `baseline()`: its result and the
    baselines' mean req/s."""
    base1 = baseline()
    result = workload()
    base2 = baseline()
    return result, statistics.mean([base1["rps"], base2["rps"]])


def roster_binary(release):
    if os.environ.get("ROSTER_BIN"):
        return Path(os.environ["ROSTER_BIN"])
    args = ["cargo", "build", "--locked", "--quiet", "--bin", "roster"]
    if release:
        args.insert(2, "--release")
    subprocess.run(args, check=True, cwd=ROOT)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / ("release" if release else "debug") / "roster"


def write_export(path, admin_key, orgs):
    """An export with the bootstrap records and `orgs` = {org id: users}."""
    now = int(time.time() * 1000)
    digest = hashlib.sha256(admin_key.encode()).hexdigest()
    with open(path, "w") as f:
        def rec(**r):
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
        rec(kind="header", format="roster-export", version=1)
        for org in ["default", *orgs]:
            rec(kind="organization", id=org, name=org, variables={}, created_at=now, updated_at=now)
        rec(kind="user", id="admin", name="admin", email="", tenant_id="", org_id="default",
            variables={}, roles=["super-admin"], created_at=now, updated_at=now)
        for org, count in orgs.items():
            for i in range(count):
                rec(kind="user", id=f"{org}-{i}", name=f"User {i}", email=f"u{i}@example.com",
                    tenant_id="", org_id=org, variables={"team": "bench"}, roles=["user"],
                    created_at=now, updated_at=now)
        rec(kind="access_key", digest=digest, user_id="admin", name="bootstrap",
            redacted="…" + admin_key[-4:], created_at=now)
        rec(kind="bootstrapped")


def random_user(n):
    """A ghz template naming one of the first `n` users of org `bench` at
    random per request (randomInt's upper bound is exclusive)."""
    return f"bench-{{{{randomInt 0 {n}}}}}"


def logged(text, name):
    """The value of field `name` in a log of either format (JSON or text)."""
    m = re.search(rf'"{name}":"([^"]+)"|\b{name}=([^\s"]+)', text)
    return m and (m.group(1) or m.group(2))


def serving(text):
    """Whether a log of either format says the server is serving."""
    return re.search(r'"message":"serving"|^\S+ +INFO roster[a-z:_]*: serving\b', text, re.M)


class Server:
    """A roster process on a free port, in the default configuration (the
    flags of `cargo run --release`: text log, to a file here) plus `extra`;
    `started` to SERVING in seconds."""

    def __init__(self, binary, data_dir, extra=(), log_name="server.log", env=None):
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.log_path = Path(data_dir) / log_name
        self.log = open(self.log_path, "w")
        begin = time.monotonic()
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir),
             *extra],
            stdout=subprocess.DEVNULL, stderr=self.log,
            env=dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "info"), **(env or {})))
        self.addr = None
        self.metrics_addr = None
        while time.monotonic() - begin < 600:
            text = self.log_path.read_text()
            if self.addr is None:
                self.addr = logged(text, "addr")
                self.metrics_addr = logged(text, "metrics_addr")
            if serving(text):
                self.started = time.monotonic() - begin
                return
            if self.proc.poll() is not None:
                sys.exit(f"roster exited:\n{text}")
            time.sleep(0.005)
        sys.exit("roster did not start")

    def rss_mib(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def ghz(addr, call, duration, data=None, metadata=None, connections=4, concurrency=64, count=None):
    args = [str(GHZ), "--insecure", "--call", call, "--connections", str(connections),
            "--concurrency", str(concurrency), "--format", "json", "--timeout", "10s"]
    args += ["--total", str(count)] if count else ["--duration", duration]
    if data is not None:
        args += ["--data", json.dumps(data)]
    if metadata is not None:
        args += ["--metadata", json.dumps(metadata)]
    out = subprocess.run(args + [addr], check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    lat = {d["percentage"]: d["latency"] / 1e6 for d in report.get("latencyDistribution") or []}
    codes = report.get("statusCodeDistribution") or {}
    # When --duration ends, ghz cuts the calls still in flight (at most one
    # per concurrent worker) and counts them as Unavailable/Canceled.
    cut = sum(n for code, n in codes.items() if code in ("Unavailable", "Canceled"))
    errors = sum(n for code, n in codes.items() if code != "OK")
    if cut <= concurrency:
        errors -= cut
    return {"rps": report["rps"], "p50": lat.get(50, float("nan")), "p99": lat.get(99, float("nan")),
            "count": report["count"], "errors": errors, "codes": codes}


# Thresholds of a quiet machine (see the module's documentation).
BUSY_SHARE = 0.10
STEAL_SHARE = 0.02
LOAD_PER_CPU = 0.5


def cpu_times():
    """The machine's CPU time so far (/proc/stat's first line): total, idle
    (idle + iowait), stolen, in clock ticks."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice; the
    # guest times are already counted in user and nice.
    total = sum(fields[:8])
    return total, fields[3] + fields[4], fields[7]


def machine_sample(seconds=3.0):
    """How busy the machine is: the share of CPU time that went to work and
    to the hypervisor over `seconds`, and the 1-minute load average."""
    total0, idle0, steal0 = cpu_times()
    time.sleep(seconds)
    total1, idle1, steal1 = cpu_times()
    elapsed = max(total1 - total0, 1)
    busy = 1 - (idle1 - idle0) / elapsed
    steal = (steal1 - steal0) / elapsed
    with open("/proc/loadavg") as f:
        load = float(f.read().split()[0])
    return {"busy": busy, "steal": steal, "load": load, "cpus": os.cpu_count() or 1}


def busy_reasons(sample):
    """What makes `sample` a busy machine; empty when it is quiet."""
    reasons = []
    if sample["busy"] > BUSY_SHARE:
        reasons.append(f"{sample['busy']:.0%} of the CPU time went to other work "
                       f"(over {BUSY_SHARE:.0%})")
    if sample["steal"] > STEAL_SHARE:
        reasons.append(f"{sample['steal']:.1%} stolen by the hypervisor (over {STEAL_SHARE:.0%})")
    if sample["load"] > LOAD_PER_CPU * sample["cpus"]:
        reasons.append(f"load average {sample['load']:.2f} on {sample['cpus']} CPUs "
                       f"(over {LOAD_PER_CPU * sample['cpus']:.2f})")
    return reasons


def require_quiet(wait, busy_ok, smoke):
    """Samples the machine until it is quiet, for up to `wait` seconds;
    prints the sample the run starts after. A machine still busy then stops
    the benchmark (exit 3) unless `busy_ok` or `smoke`, which mark the
    report instead."""
    deadline = time.monotonic() + wait
    while True:
        sample = machine_sample()
        reasons = busy_reasons(sample)
        if not reasons or smoke or time.monotonic() >= deadline:
            break
        log(f"waiting for a quiet machine: {'; '.join(reasons)}")
    state = (f"{sample['busy']:.1%} busy, {sample['steal']:.1%} stolen, load average "
             f"{sample['load']:.2f} on {sample['cpus']} CPUs (3 s before the start)")
    if not reasons:
        print(f"Machine before the run: quiet: {state}.\n")
        atexit.register(report_steal, cpu_times())
        return
    if not (busy_ok or smoke):
        log(f"the machine is busy: {'; '.join(reasons)}")
        log("refusing to measure: a number taken now could pass for a regression "
            "(--busy-ok measures anyway and marks the report)")
        sys.exit(3)
    print(f"**Measured on a busy machine** ({'; '.join(reasons)}): {state}. "
          "Not comparable with a quiet run.\n")
    atexit.register(report_steal, cpu_times())


def report_steal(start):
    """At the end of a run: the share of the machine's CPU time the
    hypervisor took during it (the run itself keeps the CPUs busy, so only
    steal tells of other guests)."""
    total0, _, steal0 = start
    total1, _, steal1 = cpu_times()
    steal = (steal1 - steal0) / max(total1 - total0, 1)
    mark = "" if steal <= STEAL_SHARE else f" (over {STEAL_SHARE:.0%}: the numbers above are suspect)"
    print(f"\nCPU time stolen by the hypervisor during the run: {steal:.1%}{mark}.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small data (CI)")
    parser.add_argument("--million", action="store_true", help="also measure 1,000,000 stored users")
    parser.add_argument("--duration", help="per run, e.g. 10s (default 10s, smoke 1s)")
    parser.add_argument("--compare", metavar="BINARY", type=Path,
                        help="A/B: the reads on this build and on BINARY, alternating")
    parser.add_argument("--metrics-cost", action="store_true",
                        help="A/B: GetInfo with --metrics-listen (scraped each second) and without")
    parser.add_argument("--traces-cost", action="store_true",
                        help="A/B: GetInfo exporting its spans to an OTLP receiver and not")
    parser.add_argument("--log-cost", action="store_true",
                        help="A/B: GetInfo logging text (the default) and JSON")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternations of --compare, --metrics-cost, --traces-cost and "
                             "--log-cost (default 3)")
    parser.add_argument("--postgres", action="store_true",
                        help="on a PostgreSQL store (a throwaway cluster): one replica, then three")
    parser.add_argument("--wait-quiet", type=float, default=60, metavar="SECONDS",
                        help="how long to wait for a busy machine to become quiet before "
                             "refusing (default 60)")
    parser.add_argument("--busy-ok", action="store_true",
                        help="measure on a busy machine anyway, marking the report")
    args = parser.parse_args()
    require_quiet(args.wait_quiet, args.busy_ok, args.smoke)
    duration = args.duration or ("1s" if args.smoke else "10s")
    users = 1_000 if args.smoke else 100_000
    if args.compare:
        binary = roster_binary(release=True)
        variants = {"A": (Path(args.compare).resolve(), []), "B": (binary, [])}
        return compare(variants, read_workloads(users), users, duration, args.rounds)
    if args.metrics_cost:
        binary = roster_binary(release=True)
        variants = {"metrics off": (binary, []),
                    "metrics on": (binary, ["--metrics-listen", "127.0.0.1:0"])}
        return compare(variants, read_workloads(users)[:1], users, duration, args.rounds)
    if args.log_cost:
        binary = roster_binary(release=True)
        variants = {"text log": (binary, []),
                    "JSON log": (binary, ["--log-format", "json"])}
        return compare(variants, read_workloads(users)[:1], users, duration, args.rounds)
    if args.traces_cost:
        binary = roster_binary(release=True)
        with otlp_sink() as endpoint:
            variants = {"export off": (binary, []),
                        "export on": (binary, [], {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})}
            return compare(variants, read_workloads(users)[:1], users, duration, args.rounds)
    if args.postgres:
        return postgres(users, duration, args.smoke)

    ensure_ghz()
    ensure_h2load()
    binary = roster_binary(release=not args.smoke)
    admin_key = "bench-" + secrets.token_hex(24)
    auth = {"authorization": f"Bearer {admin_key}"}
    rows = []
    json_rows = []
    work = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    try:
        dump = work / "seed.jsonl"
        write_export(dump, admin_key, {"bench": users})
        begin = time.monotonic()
        subprocess.run([str(binary), "import", "--data-dir", str(work / "data"), "--input", str(dump)],
                       check=True, capture_output=True)
        log(f"imported {users} users in {time.monotonic() - begin:.1f} s")
        server = Server(binary, work / "data")
        try:
            run = time.strftime("%H%M%S")
            bearer = f"authorization: Bearer {admin_key}"
            health = "/grpc.health.v1.Health/Check"
            # Reads, with h2load: one fixed request each. A gRPC error would
            # still be HTTP 200, so each request is first sent once with ghz,
            # which checks its status.
            for name, call, message, data in read_workloads(users):
                ghz(server.addr, call, "", data, auth, connections=1, concurrency=1, count=1)
                result, base = between(
                    lambda: h2load(server.addr, health, b"", duration, work=work),
                    lambda: h2load(server.addr, "/" + call, message, duration, [bearer], work=work))
                rows.append((name, result, base, "h2load"))
                log(f"{name}: {result['rps']:.0f} req/s, baseline {base:.0f} (h2load)")
            # The JSON surface over HTTP/1.1, against a trivial answer of the
            # same listener and path (the static compatibility route).
            trivial = "/api/update-db-connect-info"
            for name, path, body in [
                ("JSON get-user-info (HTTP/1.1)", "/api/get-user-info", b"{}"),
                (f"JSON list-users, 100 of {users:,} (HTTP/1.1)", "/api/list-users",
                 json.dumps({"lookup_org_id": "bench", "page_size": 100}).encode()),
            ]:
                result, base = between(
                    lambda: h1_json(server.addr, trivial, b"{}", duration, work=work),
                    lambda: h1_json(server.addr, path, body, duration, [bearer], work=work))
                json_rows.append((name, result, base))
                log(f"{name}: {result['rps']:.0f} req/s, trivial JSON answer {base:.0f}")
            def write_row(name, result, base, tool):
                if result["errors"]:
                    sys.exit(f"{name}: {result['errors']} errors: {result['codes']}")
                rows.append((name, result, base, tool))
                log(f"{name}: {result['rps']:.0f} req/s, baseline {base:.0f} ({tool})")

            # The durable writes with ghz, then with grpc_load (other ids).
            for name, call, data, md, _, _ in write_workloads(run, users, admin_key):
                write_row(name, *between(
                    lambda: ghz(server.addr, health[1:], duration),
                    lambda: ghz(server.addr, call, duration, data, md)), "ghz")
            loader = grpc_load_binary(release=not args.smoke)
            for name, call, _, _, message, headers in write_workloads(run + "g", users, admin_key):
                write_row(name, *between(
                    lambda: grpc_load(loader, server.addr, health, b"", duration),
                    lambda: grpc_load(loader, server.addr, "/" + call, message, duration, headers)),
                    "grpc_load")
            rss = server.rss_mib()
        finally:
            server.stop()

        print(f"| workload (4 connections × 16 streams, {duration} each) | tool | req/s | p50 ms "
              f"| p99 ms | Health/Check req/s (same tool) | ratio |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for name, r, base, tool in rows:
            print(f"| {name} | {tool} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} "
                  f"| {base:,.0f} | {r['rps'] / base:.2f} |")
        print(f"\n| JSON surface (64 HTTP/1.1 keep-alive connections, {duration} each) | req/s "
              f"| p50 ms | p99 ms | trivial JSON answer req/s (`update-db-connect-info`) | ratio |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, r, base in json_rows:
            print(f"| {name} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} "
                  f"| {base:,.0f} | {r['rps'] / base:.2f} |")
        print(f"\nServer RSS after the runs ({users:,} users stored): {rss:.0f} MiB")

        if args.million:
            million(binary, work, admin_key, auth, duration)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("bench: 1 passed, 0 failed" if args.smoke else "", file=sys.stderr)


def write_workloads(run, users, admin_key):
    """The durable writes: (name, method, ghz JSON, ghz metadata, the same
    as a grpc_load message template and headers). Each call writes something
    new: a new user, a new configuration value for one of the first 10,000
    users, a new key for one of all the users."""
    auth = {"authorization": f"Bearer {admin_key}"}
    bearer = f"authorization: Bearer {admin_key}"
    number = "##########"  # grpc_load: the request's number, ten digits
    config_users = min(users, 10_000)

    def config_entry(key, text):
        # google.protobuf.Struct: map<string, Value> fields = 1; Value.string_value = 3
        return pb_bytes(1, pb_bytes(1, key.encode()) + pb_bytes(2, pb_bytes(3, text.encode())))

    return [
        ("CreateUser (durable)", "roster.v1.UserService/CreateUser",
         {"user": {"id": f"new{run}-{{{{.RequestNumber}}}}", "name": "New", "org_id": "bench"}}, auth,
         pb_bytes(1, pb_bytes(1, f"new{run}-{number}".encode()) + pb_bytes(2, b"New")
                  + pb_bytes(4, b"bench")),
         [bearer]),
        ("UpdateConfig (durable)", "roster.v1.UserService/UpdateConfig",
         {"updated": {"theme": "dark", "n": "{{.RequestNumber}}"}},
         dict(auth, **{"x-roster-impersonate-user": random_user(config_users)}),
         pb_bytes(1, config_entry("theme", "dark") + config_entry("n", number)),
         [bearer, f"x-roster-impersonate-user: bench-{{n mod {config_users}}}"]),
        ("CreateAccessKey (durable)", "roster.v1.UserService/CreateAccessKey",
         {"name": f"k{run}-{{{{.RequestNumber}}}}"},
         dict(auth, **{"x-roster-impersonate-user": random_user(users)}),
         pb_bytes(1, f"k{run}-{number}".encode()),
         [bearer, f"x-roster-impersonate-user: bench-{{n mod {users}}}"]),
    ]


def read_workloads(users):
    """The reads: (name, method, request message, the same as ghz JSON)."""
    return [
        ("GetInfo", "roster.v1.UserService/GetInfo", b"", {}),
        (f"ListUsers (100 of {users:,})", "roster.v1.UserService/ListUsers",
         pb_string(1, "bench") + pb_varint(2, 100), {"lookup_org_id": "bench", "page_size": 100}),
    ]


@contextlib.contextmanager
def otlp_sink():
    """An OTLP/gRPC trace receiver (examples/otlp_sink.rs) on a free port;
    yields its endpoint URL, and logs the spans it received when done."""
    subprocess.run(["cargo", "build", "--locked", "--quiet", "--example", "otlp_sink"],
                   check=True, cwd=ROOT)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    proc = subprocess.Popen([str(target / "debug" / "examples" / "otlp_sink")],
                            stdout=subprocess.PIPE, text=True)
    try:
        addr = proc.stdout.readline().split()[1]
        yield f"http://{addr}"
    finally:
        proc.terminate()
        last = [line.strip() for line in proc.stdout][-1:]
        log(f"OTLP receiver: {' '.join(last) or 'no spans'}")


def compare(variants, workloads, users, duration, rounds):
    """`workloads` on each of `variants` ({name: (binary, extra flags[,
    environment])}),
    each against its own Health/Check measured just before and after it,
    alternating A, B, A, B in one run; prints each ratio and the median per
    variant. A server with a metrics listener is scraped every second
    meanwhile, as Prometheus would."""
    ensure_ghz()
    ensure_h2load()
    admin_key = "bench-" + secrets.token_hex(24)
    auth = {"authorization": f"Bearer {admin_key}"}
    bearer = f"authorization: Bearer {admin_key}"
    health = "/grpc.health.v1.Health/Check"
    work = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    servers = {}
    scraping = threading.Event()
    try:
        dump = work / "seed.jsonl"
        write_export(dump, admin_key, {"bench": users})
        for i, (name, (binary, extra, *env)) in enumerate(variants.items()):
            data = work / f"data-{i}"
            subprocess.run([str(binary), "import", "--data-dir", str(data), "--input", str(dump)],
                           check=True, capture_output=True)
            servers[name] = Server(binary, data, extra, env=env[0] if env else None)
            if servers[name].metrics_addr:
                threading.Thread(target=scrape, args=(servers[name].metrics_addr, scraping),
                                 daemon=True).start()
        ratios = {}
        for workload, call, message, data in workloads:
            for name, server in servers.items():
                ghz(server.addr, call, "", data, auth, connections=1, concurrency=1, count=1)
            for r in range(rounds):
                for name, server in servers.items():
                    base1 = h2load(server.addr, health, b"", duration, work=work)
                    result = h2load(server.addr, "/" + call, message, duration, [bearer], work=work)
                    base2 = h2load(server.addr, health, b"", duration, work=work)
                    ratio = result["rps"] / statistics.mean([base1["rps"], base2["rps"]])
                    ratios.setdefault((workload, name), []).append((ratio, result))
                    log(f"{workload} on {name}, round {r + 1}: {result['rps']:.0f} req/s, "
                        f"ratio {ratio:.3f}")
    finally:
        scraping.set()
        for server in servers.values():
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    for name, (binary, extra, *env) in variants.items():
        settings = " ".join(f"{k}={v}" for k, v in (env[0] if env else {}).items())
        print(f"{name} = {settings} {binary} {' '.join(extra)}".strip())
    print(f"\n| workload (h2load, 4 connections × 16 streams, {duration} each) | variant "
          f"| ratio to Health/Check, each round | median | median req/s | median p99 ms |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for (workload, name), runs in ratios.items():
        each = ", ".join(f"{r:.3f}" for r, _ in runs)
        print(f"| {workload} | {name} | {each} | {statistics.median(r for r, _ in runs):.3f} "
              f"| {statistics.median(x['rps'] for _, x in runs):,.0f} "
              f"| {statistics.median(x['p99'] for _, x in runs):.2f} |")
    # Each round's two runs were back to back: their req/s compare directly
    # (with a metrics listener the Health/Check baseline is recorded too, so
    # the ratio above hides part of what recording costs).
    names = list(variants)
    if len(names) == 2:
        first, second = names
        print(f"\n| workload | req/s of {second} ÷ req/s of {first}, each round | median |")
        print("| --- | --- | ---: |")
        for workload, *_ in workloads:
            each = [b["rps"] / a["rps"] for (_, a), (_, b) in
                    zip(ratios[(workload, first)], ratios[(workload, second)])]
            print(f"| {workload} | {', '.join(f'{r:.3f}' for r in each)} "
                  f"| {statistics.median(each):.3f} |")


def scrape(addr, stop):
    """GETs http://`addr`/metrics every second until `stop` is set; exits
    the benchmark if an answer is not 200."""
    while not stop.wait(1.0):
        try:
            with urllib.request.urlopen(f"http://{addr}/metrics", timeout=5) as answer:
                answer.read()
        except OSError as e:
            if not stop.is_set():
                log(f"scraping {addr} failed: {e}")
                os._exit(1)


class Cluster:
    """A throwaway PostgreSQL cluster in `work` on a free port, durable
    (fsync on), with pg_stat_statements; stopped by `stop`."""

    def __init__(self, work):
        bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                         key=lambda p: int(p.parent.name))
        if not bindirs:
            sys.exit("PostgreSQL is not installed: run scripts/ensure-postgres")
        self.bin = bindirs[-1]
        self.dir = Path(work) / "pg"
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust")
        with socket_free() as port:
            self.port = port
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=200 -c shared_buffers=256MB "
                   "-c shared_preload_libraries=pg_stat_statements")
        self.run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w",
                 "-o", options, "start")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def run(self, program, *args):
        cmd = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] + cmd
        subprocess.run(cmd, check=True, capture_output=True)

    def sql(self, statement):
        return subprocess.run([str(self.bin / "psql"), self.url, "-tAc", statement], check=True,
                              capture_output=True, text=True).stdout.strip()

    def statements(self):
        """Statements run since the last reset (pg_stat_statements)."""
        return int(self.sql("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
                            "WHERE query NOT LIKE '%pg_stat_statements%'") or 0)

    def stop(self):
        self.run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")


class socket_free:
    """A free loopback port (released when the block ends)."""

    def __enter__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


def parallel(fn, servers):
    """`fn(server)` on every server at once; the results, in order."""
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
        return list(pool.map(fn, servers))


def combined(results):
    """Load-generator results of parallel runs as one: rates add up,
    latencies are the worst of them."""
    return {"rps": sum(r["rps"] for r in results), "p50": max(r["p50"] for r in results),
            "p99": max(r["p99"] for r in results), "count": sum(r["count"] for r in results),
            "errors": sum(r["errors"] for r in results), "codes": {}}


def postgres(users, duration, smoke):
    """The workloads on a PostgreSQL store: one replica, then three (each
    under its own load generator at once), each against the same replicas'
    Health/Check; and what one call costs the database (statements per call,
    from pg_stat_statements)."""
    ensure_ghz()
    ensure_h2load()
    subprocess.run([str(ROOT / "scripts" / "ensure-postgres")], check=True)
    binary = roster_binary(release=not smoke)
    admin_key = "bench-" + secrets.token_hex(24)
    auth = {"authorization": f"Bearer {admin_key}"}
    bearer = f"authorization: Bearer {admin_key}"
    health = "/grpc.health.v1.Health/Check"
    work = Path(tempfile.mkdtemp(prefix="roster-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
    cluster = Cluster(work)
    tables = []
    try:
        dump = work / "seed.jsonl"
        write_export(dump, admin_key, {"bench": users})
        begin = time.monotonic()
        subprocess.run([str(binary), "import", "--store", cluster.url, "--input", str(dump)],
                       check=True, capture_output=True)
        log(f"imported {users} users into PostgreSQL in {time.monotonic() - begin:.1f} s")
        run = time.strftime("%H%M%S")
        for replicas in (1, 3):
            servers = [Server(binary, work / f"replica-{i}", ["--store", cluster.url])
                       for i in range(replicas)]
            rows = []
            try:
                for name, call, message, data in read_workloads(users):
                    ghz(servers[0].addr, call, "", data, auth, connections=1, concurrency=1, count=1)
                    base1 = combined(parallel(lambda s: h2load(s.addr, health, b"", duration, work=work_dir(work, s)), servers))
                    cluster.sql("SELECT pg_stat_statements_reset()")
                    result = combined(parallel(lambda s: h2load(s.addr, "/" + call, message, duration, [bearer], work=work_dir(work, s)), servers))
                    per_call = cluster.statements() / max(result["count"], 1)
                    base2 = combined(parallel(lambda s: h2load(s.addr, health, b"", duration, work=work_dir(work, s)), servers))
                    rows.append((name, result, statistics.mean([base1["rps"], base2["rps"]]), "h2load", per_call))
                    log(f"{replicas} replica(s), {name}: {result['rps']:.0f} req/s, {per_call:.2f} statements per call")
                create = ("CreateUser (durable)", "roster.v1.UserService/CreateUser",
                          lambda i: {"user": {"id": f"pg{run}-{replicas}-{i}-{{{{.RequestNumber}}}}",
                                              "name": "New", "org_id": "bench"}})
                name, call, data = create
                base1 = combined(parallel(lambda s: ghz(s.addr, "grpc.health.v1.Health/Check", duration), servers))
                cluster.sql("SELECT pg_stat_statements_reset()")
                result = combined(parallel(lambda s: ghz(s.addr, call, duration, data(servers.index(s)), auth), servers))
                per_call = cluster.statements() / max(result["count"], 1)
                base2 = combined(parallel(lambda s: ghz(s.addr, "grpc.health.v1.Health/Check", duration), servers))
                if result["errors"]:
                    sys.exit(f"{name}: {result['errors']} errors")
                rows.append((name, result, statistics.mean([base1["rps"], base2["rps"]]), "ghz", per_call))
                log(f"{replicas} replica(s), {name}: {result['rps']:.0f} req/s, {per_call:.2f} statements per call")
            finally:
                for s in servers:
                    s.stop()
            tables.append((replicas, rows))
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    for replicas, rows in tables:
        print(f"\n{replicas} replica(s) on one PostgreSQL database ({users:,} users; each replica "
              f"under 4 connections × 16 streams, {duration} per run):\n")
        print("| workload | tool | req/s (all replicas) | p50 ms | p99 ms | Health/Check req/s | ratio "
              "| database statements per call |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, r, base, tool, per_call in rows:
            print(f"| {name} | {tool} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} "
                  f"| {base:,.0f} | {r['rps'] / base:.2f} | {per_call:.2f} |")
    print("bench: 1 passed, 0 failed" if smoke else "", file=sys.stderr)


def work_dir(work, server):
    """A scratch directory of one server's load generator."""
    path = Path(work) / f"load-{server.addr.replace(':', '-')}"
    path.mkdir(exist_ok=True)
    return path


def million(binary, work, admin_key, auth, duration):
    """1,000,000 users (990,000 in org `big`, 10,000 in org `small`): start
    time to SERVING, RSS, and a ListUsers page in each organization."""
    dump = work / "million.jsonl"
    write_export(dump, admin_key, {"big": 990_000, "small": 10_000})
    data = work / "million"
    begin = time.monotonic()
    subprocess.run([str(binary), "import", "--data-dir", str(data), "--input", str(dump)],
                   check=True, capture_output=True)
    log(f"imported 1,000,000 users in {time.monotonic() - begin:.0f} s")
    dump.unlink()
    starts = []
    for _ in range(3):
        server = Server(binary, data)
        starts.append(server.started)
        rss_idle = server.rss_mib()
        if len(starts) < 3:
            server.stop()
    try:
        pages = {}
        for org in ["small", "big"]:
            # A page from the middle of the organization, one call at a time.
            r = ghz(server.addr, "roster.v1.UserService/ListUsers", duration,
                    {"lookup_org_id": org, "page_size": 100}, auth, connections=1, concurrency=1)
            pages[org] = r
        getinfo = ghz(server.addr, "roster.v1.UserService/GetInfo", duration, {}, auth)
        rss_loaded = server.rss_mib()
    finally:
        server.stop()
    print("\n| 1,000,000 users stored | value |")
    print("| --- | ---: |")
    print(f"| start to SERVING (median of 3) | {statistics.median(starts) * 1000:.0f} ms |")
    print(f"| RSS idle after start | {rss_idle:.0f} MiB |")
    print(f"| RSS after ListUsers and GetInfo load | {rss_loaded:.0f} MiB |")
    print(f"| ListUsers page of 100, org of 10,000: p50 / p99 | {pages['small']['p50']:.2f} / {pages['small']['p99']:.2f} ms |")
    print(f"| ListUsers page of 100, org of 990,000: p50 / p99 | {pages['big']['p50']:.2f} / {pages['big']['p99']:.2f} ms |")
    print(f"| GetInfo at 1,000,000 users | {getinfo['rps']:,.0f} req/s, p99 {getinfo['p99']:.2f} ms |")


if __name__ == "__main__":
    main()
