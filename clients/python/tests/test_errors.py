"""roster's errors arrive as grpc.RpcError with the status code and the
google.rpc details readable, both through grpc_status (the standard way) and
through roster_client.bad_request / error_info."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2
from grpc_status import rpc_status

import roster_client
from roster.v1 import user_pb2

if TYPE_CHECKING:
    from conftest import Member


def test_permission_denied_is_an_rpc_error_with_error_info(
    admin: roster_client.RosterClient, new_member: Callable[..., Member], address: str, uid: Callable[[str], str]
) -> None:
    member = new_member(roles=["user"])
    org = uid("not-mine")
    with roster_client.connect(address, member.key) as plain_user:
        with pytest.raises(grpc.RpcError) as excinfo:
            plain_user.CreateOrganization(
                user_pb2.CreateOrganizationRequest(organization=user_pb2.Organization(id=org, name="Nope"))
            )
    err = excinfo.value
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED

    info = roster_client.error_info(err)
    assert info is not None
    assert (info.domain, info.reason) == ("roster.v1", "PERMISSION_DENIED")
    assert roster_client.bad_request(err) is None

    # Nothing was created.
    listed = admin.ListOrganizations(user_pb2.ListOrganizationsRequest())
    assert org not in [o.id for o in listed.organizations]


def test_invalid_argument_carries_a_bad_request_field_violation(admin: roster_client.RosterClient) -> None:
    with pytest.raises(grpc.RpcError) as excinfo:
        admin.CreateUser(user_pb2.CreateUserRequest(user=user_pb2.User(id="bad id")))
    err = excinfo.value
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "user.id" in err.details()

    # The standard way: the google.rpc.Status in the trailers.
    status = rpc_status.from_call(err)
    assert status is not None
    assert status.code == code_pb2.INVALID_ARGUMENT
    assert len(status.details) == 1
    assert status.details[0].Is(error_details_pb2.BadRequest.DESCRIPTOR)
    detail = error_details_pb2.BadRequest()
    status.details[0].Unpack(detail)
    assert [v.field for v in detail.field_violations] == ["user.id"]
    assert detail.field_violations[0].description != ""

    # The helper's shortcut reads the same detail.
    bad = roster_client.bad_request(err)
    assert bad == detail
    assert roster_client.error_info(err) is None
