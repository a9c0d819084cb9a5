"""Deadlines: a call's own timeout= and the client's default one (connect's
timeout=); when one expires the caller gets DEADLINE_EXCEEDED, whichever side
noticed first.

The expiring deadline is 1 µs, not 1 ms: roster answers a ListUsers on
loopback in well under a millisecond, so a 1 ms deadline sometimes is met (the
test would flake), while no answer can come back within a microsecond."""

from __future__ import annotations

import grpc
import pytest

import roster_client
from roster.v1 import user_pb2

EXPIRING = 1e-6  # seconds


def test_expired_per_call_deadline_is_deadline_exceeded(admin: roster_client.RosterClient) -> None:
    with pytest.raises(grpc.RpcError) as excinfo:
        admin.ListUsers(user_pb2.ListUsersRequest(), timeout=EXPIRING)
    assert excinfo.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED

    # The client stays usable, with its default deadline (10 s).
    assert admin.GetInfo(user_pb2.GetUserInfoRequest()).id == "admin"


def test_default_deadline_applies_and_a_calls_timeout_overrides_it(address: str, admin_key: str) -> None:
    with roster_client.connect(address, admin_key, timeout=EXPIRING) as hurried:
        with pytest.raises(grpc.RpcError) as excinfo:
            hurried.ListUsers(user_pb2.ListUsersRequest())
        assert excinfo.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED

        assert hurried.GetInfo(user_pb2.GetUserInfoRequest(), timeout=10).id == "admin"
