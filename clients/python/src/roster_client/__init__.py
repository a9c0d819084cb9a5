"""roster's Python client: the generated ``roster.v1`` stubs plus a thin helper.

``connect(address, key)`` returns a :class:`RosterClient`, the generated
``UserServiceStub`` on a channel that sends ``authorization: Bearer <key>``
(and ``x-roster-impersonate-user`` when asked) with every call and gives each
call a default deadline. Messages are in ``roster.v1.user_pb2``.
``bad_request(err)`` and ``error_info(err)`` read the ``google.rpc`` details of
a ``grpc.RpcError``.
"""

from roster_client._client import (
    AUTHORIZATION,
    DEFAULT_TIMEOUT,
    IMPERSONATE_USER,
    RosterClient,
    bad_request,
    connect,
    error_info,
)

__all__ = [
    "AUTHORIZATION",
    "DEFAULT_TIMEOUT",
    "IMPERSONATE_USER",
    "RosterClient",
    "bad_request",
    "connect",
    "error_info",
]
