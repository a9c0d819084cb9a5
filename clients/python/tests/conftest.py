"""Fixtures of the live-server tests: the server's address and admin key, an
admin client, unique ids, and a factory of users with their own access keys.

The tests need a running roster: ROSTER_ADDR (host:port) and ROSTER_ADMIN_KEY
(the key of a super-admin), as `scripts/with-server clients/python/test.sh`
sets them.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Callable, Iterator, List

import pytest

import roster_client
from roster.v1 import user_pb2


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        pytest.fail(f"{name} is not set; run: scripts/with-server clients/python/test.sh", pytrace=False)
    return value


@pytest.fixture(scope="session")
def address() -> str:
    return _env("ROSTER_ADDR")


@pytest.fixture(scope="session")
def admin_key() -> str:
    return _env("ROSTER_ADMIN_KEY")


@pytest.fixture
def admin(address: str, admin_key: str) -> Iterator[roster_client.RosterClient]:
    """A client authenticated as the bootstrap super-admin `admin`."""
    with roster_client.connect(address, admin_key) as client:
        yield client


@pytest.fixture
def uid() -> Callable[[str], str]:
    """Ids unique to this test: uid("org") -> "org-3f9c2a51d0"."""
    suffix = uuid.uuid4().hex[:10]
    return lambda name: f"{name}-{suffix}"


@dataclass
class Member:
    """A user created for a test, in its own organization and tenant, with one access key."""

    org_id: str
    tenant_id: str
    user_id: str
    key: str


@pytest.fixture
def new_member(
    admin: roster_client.RosterClient, address: str, admin_key: str, uid: Callable[[str], str]
) -> Callable[..., Member]:
    """Creates organization, tenant and user (with `roles`), and the user's first key,
    which the admin creates while impersonating the user."""
    count = 0

    def make(roles: List[str], key_name: str = "laptop") -> Member:
        nonlocal count
        count += 1
        org, tenant, user = uid(f"org{count}"), uid(f"tenant{count}"), uid(f"user{count}")
        admin.CreateOrganization(
            user_pb2.CreateOrganizationRequest(organization=user_pb2.Organization(id=org, name="Org"))
        )
        admin.CreateTenant(
            user_pb2.CreateTenantRequest(tenant=user_pb2.Tenant(id=tenant, name="Tenant", org_id=org))
        )
        admin.CreateUser(
            user_pb2.CreateUserRequest(user=user_pb2.User(id=user, name="User", tenant_id=tenant, roles=roles))
        )
        with roster_client.connect(address, admin_key, impersonate=user) as as_user:
            created = as_user.CreateAccessKey(user_pb2.CreateAccessKeyRequest(name=key_name))
        return Member(org_id=org, tenant_id=tenant, user_id=user, key=created.access_keys[0].access_key)

    return make
