#!/usr/bin/env python3
"""The client side of scripts/rolling-restart: keeps reads and writes going
against three roster replicas through the generated Python stubs (grpcio),
with round-robin over the three addresses, client-side health checking and
a retry policy for UNAVAILABLE, until the file STOP exists; then writes a
summary (calls, retries, failures by code, acknowledged user ids) as JSON.

    rolling_restart.py ADDR,ADDR,ADDR KEY STOP SUMMARY
"""

import json
import sys
import threading
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "clients" / "python" / "src"))
from roster.v1 import user_pb2, user_pb2_grpc  # noqa: E402

# The client configuration the README shows.
SERVICE_CONFIG = {
    "loadBalancingConfig": [{"round_robin": {}}],
    "healthCheckConfig": {"serviceName": "roster.v1.UserService"},
    "methodConfig": [{
        "name": [{"service": "roster.v1.UserService"}],
        "timeout": "10s",
        "retryPolicy": {
            "maxAttempts": 5,
            "initialBackoff": "0.05s",
            "maxBackoff": "1s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE"],
        },
    }],
}


def main():
    addresses, key, stop, summary_path = sys.argv[1:5]
    channel = grpc.insecure_channel(
        "ipv4:" + addresses,
        options=[
            ("grpc.service_config", json.dumps(SERVICE_CONFIG)),
            ("grpc.enable_retries", 1),
            # One authority for all three addresses (grpc sends the whole
            # target list otherwise, which HTTP/2 servers refuse).
            ("grpc.default_authority", "roster"),
        ],
    )
    grpc.channel_ready_future(channel).result(timeout=30)
    stub = user_pb2_grpc.UserServiceStub(channel)
    auth = [("authorization", f"Bearer {key}")]
    lock = threading.Lock()
    totals = {"calls": 0, "retries": 0, "failures": {}, "acknowledged": []}

    def worker(w):
        n = 0
        while not Path(stop).exists():
            n += 1
            kind = n % 3
            try:
                if kind == 0:
                    user_id = f"rr-{w}-{n}"
                    _, call = stub.CreateUser.with_call(
                        user_pb2.CreateUserRequest(user=user_pb2.User(id=user_id, name=user_id)),
                        metadata=auth)
                elif kind == 1:
                    _, call = stub.GetInfo.with_call(user_pb2.GetUserInfoRequest(), metadata=auth)
                else:
                    _, call = stub.ListUsers.with_call(
                        user_pb2.ListUsersRequest(page_size=10), metadata=auth)
                attempts = dict(call.initial_metadata() or ()).get("grpc-previous-rpc-attempts", "0")
                with lock:
                    totals["calls"] += 1
                    totals["retries"] += int(attempts)
                    if kind == 0:
                        totals["acknowledged"].append(user_id)
            except grpc.RpcError as e:
                with lock:
                    totals["calls"] += 1
                    code = e.code().name
                    totals["failures"][code] = totals["failures"].get(code, 0) + 1
                    print(f"failed: {code}: {e.details()}", file=sys.stderr, flush=True)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    Path(summary_path).write_text(json.dumps(totals))


if __name__ == "__main__":
    main()
