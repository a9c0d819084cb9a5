from __future__ import annotations

import collections
from types import TracebackType
from typing import Any, Callable, List, Optional, Sequence, Tuple, Type, TypeVar

import grpc
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from roster.v1.user_pb2_grpc import UserServiceStub

AUTHORIZATION = "authorization"
IMPERSONATE_USER = "x-roster-impersonate-user"
DEFAULT_TIMEOUT = 10.0

_M = TypeVar("_M", bound=Message)


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class _RosterInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Adds the key (and impersonation) metadata and the default deadline to every call."""

    def __init__(self, metadata: List[Tuple[str, str]], timeout: Optional[float]) -> None:
        self._metadata = metadata
        self._timeout = timeout

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        details = _CallDetails(
            client_call_details.method,
            client_call_details.timeout if client_call_details.timeout is not None else self._timeout,
            list(client_call_details.metadata or ()) + self._metadata,
            client_call_details.credentials,
            getattr(client_call_details, "wait_for_ready", None),
            getattr(client_call_details, "compression", None),
        )
        return continuation(details, request)


class RosterClient(UserServiceStub):
    """The generated ``roster.v1.UserService`` stub, on a channel that authenticates every call.

    Every call carries ``authorization: Bearer <key>``, ``x-roster-impersonate-user``
    when ``impersonate`` is set, and a deadline of ``timeout`` seconds unless the
    call passes its own ``timeout=``. The 17 RPCs are the stub's own methods
    (``client.GetInfo(request, timeout=..., metadata=...)``, ``.future(...)``,
    ``.with_call(...)``); errors are ``grpc.RpcError``.

    ``close()`` (or leaving a ``with`` block) closes ``channel``.
    """

    def __init__(
        self,
        channel: grpc.Channel,
        key: str,
        *,
        impersonate: Optional[str] = None,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
    ) -> None:
        if not key:
            raise ValueError("key must not be empty")
        if impersonate is not None and not impersonate:
            raise ValueError("impersonate must be a user id or None")
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive seconds or None")
        metadata = [(AUTHORIZATION, f"Bearer {key}")]
        if impersonate is not None:
            metadata.append((IMPERSONATE_USER, impersonate))
        self._raw_channel = channel
        self.timeout = timeout
        """Default deadline of each call, in seconds; None for none."""
        self.impersonate = impersonate
        """The user id every call acts as, or None."""
        self.channel: grpc.Channel = grpc.intercept_channel(channel, _RosterInterceptor(metadata, timeout))
        """The authenticating channel the stub calls through."""
        super().__init__(self.channel)

    def close(self) -> None:
        """Closes the underlying channel; calls in flight are cancelled."""
        self._raw_channel.close()

    def __enter__(self) -> RosterClient:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


def connect(
    address: str,
    key: str,
    *,
    impersonate: Optional[str] = None,
    timeout: Optional[float] = DEFAULT_TIMEOUT,
    credentials: Optional[grpc.ChannelCredentials] = None,
    options: Sequence[Tuple[str, Any]] = (),
) -> RosterClient:
    """Opens a channel to roster at ``address`` (``host:port``) that calls as the owner of ``key``.

    ``impersonate``: a user id every call acts as (``x-roster-impersonate-user``).
    ``timeout``: the default per-call deadline in seconds (None: no client deadline,
    the server's ``--max-call-time`` applies); a call's own ``timeout=`` overrides it.
    ``credentials``: TLS credentials (``grpc.ssl_channel_credentials()``); plaintext
    when None. ``options``: gRPC channel options.
    """
    if credentials is None:
        channel = grpc.insecure_channel(address, options=options)
    else:
        channel = grpc.secure_channel(address, credentials, options=options)
    return RosterClient(channel, key, impersonate=impersonate, timeout=timeout)


def _detail(error: grpc.RpcError, message_type: Type[_M]) -> Optional[_M]:
    status = rpc_status.from_call(error)
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(message_type.DESCRIPTOR):
            message = message_type()
            detail.Unpack(message)
            return message
    return None


def bad_request(error: grpc.RpcError) -> Optional[error_details_pb2.BadRequest]:
    """The ``google.rpc.BadRequest`` detail of an error (every INVALID_ARGUMENT has one), or None."""
    return _detail(error, error_details_pb2.BadRequest)


def error_info(error: grpc.RpcError) -> Optional[error_details_pb2.ErrorInfo]:
    """The ``google.rpc.ErrorInfo`` detail of an error (domain ``roster.v1``, a stable reason), or None."""
    return _detail(error, error_details_pb2.ErrorInfo)
