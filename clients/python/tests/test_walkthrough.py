"""The life of a user through the helper: organization -> tenant -> user ->
access key -> GetInfo with the user's own key -> UpdateConfig -> paging
through ListUsers -> DeleteAccessKey -> DeleteUser."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, List

import grpc
import pytest
from google.protobuf import field_mask_pb2, json_format, struct_pb2

import roster_client
from roster.v1 import user_pb2

if TYPE_CHECKING:
    from conftest import Member


def _struct(values: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def _user_ids(client: roster_client.RosterClient, org_id: str) -> List[str]:
    response = client.ListUsers(user_pb2.ListUsersRequest(lookup_org_id=org_id))
    assert response.next_page_token == ""
    return [u.id for u in response.users]


def test_org_tenant_user_and_key_then_get_info_with_the_users_own_key(
    admin: roster_client.RosterClient, address: str, admin_key: str, uid: Callable[[str], str]
) -> None:
    org, tenant, user = uid("acme"), uid("acme-eu"), uid("alice")

    admin.CreateOrganization(
        user_pb2.CreateOrganizationRequest(organization=user_pb2.Organization(id=org, name="Acme Inc."))
    )
    admin.CreateTenant(
        user_pb2.CreateTenantRequest(tenant=user_pb2.Tenant(id=tenant, name="Acme Europe", org_id=org))
    )
    admin.CreateUser(
        user_pb2.CreateUserRequest(
            user=user_pb2.User(
                id=user,
                name="Alice",
                email="alice@acme.example",
                tenant_id=tenant,
                roles=["tenant-admin", "app:billing"],
            )
        )
    )

    # The admin issues alice's first key by acting as alice.
    with roster_client.connect(address, admin_key, impersonate=user) as as_alice:
        assert as_alice.GetInfo(user_pb2.GetUserInfoRequest()).id == user
        created = as_alice.CreateAccessKey(user_pb2.CreateAccessKeyRequest(name="laptop"))
    assert len(created.access_keys) == 1
    key = created.access_keys[0]
    assert (key.user_id, key.name) == (user, "laptop")
    assert re.fullmatch(r"rk_[0-9A-Za-z]{49}", key.access_key)
    assert key.created_at > 0
    assert created.next_page_token == ""

    # Alice calls with her own key.
    with roster_client.connect(address, key.access_key) as alice:
        info = alice.GetInfo(user_pb2.GetUserInfoRequest())
    assert info.id == user
    assert info.name == "Alice"
    assert info.email == "alice@acme.example"
    assert list(info.roles) == ["tenant-admin", "app:billing"]
    assert list(info.permissions) == [
        "self:access-keys",
        "self:config",
        "self:read",
        "tenants:read",
        "users:read",
        "users:write",
    ]


def test_update_config_merges_and_returns_the_whole_config(
    new_member: Callable[..., Member], address: str
) -> None:
    member = new_member(roles=["user"])
    with roster_client.connect(address, member.key) as client:
        first = client.UpdateConfig(
            user_pb2.UpdateConfigRequest(updated=_struct({"theme": "dark", "size": 12, "langs": ["en", "de"]}))
        )
        assert json_format.MessageToDict(first.configs) == {"theme": "dark", "size": 12, "langs": ["en", "de"]}

        second = client.UpdateConfig(
            user_pb2.UpdateConfigRequest(updated=_struct({"theme": "light"}), deleted=["size"])
        )
        assert json_format.MessageToDict(second.configs) == {"theme": "light", "langs": ["en", "de"]}

        # An empty request only reads it.
        read = client.UpdateConfig(user_pb2.UpdateConfigRequest())
        assert json_format.MessageToDict(read.configs) == {"theme": "light", "langs": ["en", "de"]}


def test_list_users_pages_through_page_tokens(
    admin: roster_client.RosterClient, uid: Callable[[str], str]
) -> None:
    org = uid("paging")
    admin.CreateOrganization(
        user_pb2.CreateOrganizationRequest(organization=user_pb2.Organization(id=org, name="Paging"))
    )
    ids = [f"{org}-u{i}" for i in range(1, 6)]
    for user in (ids[2], ids[0], ids[4], ids[1], ids[3]):  # listed by id, not by creation
        admin.CreateUser(user_pb2.CreateUserRequest(user=user_pb2.User(id=user, name=user, org_id=org)))

    pages: List[List[str]] = []
    tokens: List[str] = []
    token = ""
    while True:
        page = admin.ListUsers(user_pb2.ListUsersRequest(lookup_org_id=org, page_size=2, page_token=token))
        pages.append([u.id for u in page.users])
        tokens.append(page.next_page_token)
        token = page.next_page_token
        if not token or len(pages) > 5:
            break

    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    assert tokens[0] != "" and tokens[1] != ""
    assert tokens[2] == ""
    assert all(u.org_id == org for u in admin.ListUsers(user_pb2.ListUsersRequest(lookup_org_id=org)).users)


def test_deleted_access_key_is_unauthenticated(new_member: Callable[..., Member], address: str) -> None:
    member = new_member(roles=["user"], key_name="laptop")
    with roster_client.connect(address, member.key) as laptop:
        ci_key = laptop.CreateAccessKey(user_pb2.CreateAccessKeyRequest(name="ci")).access_keys[0].access_key
        with roster_client.connect(address, ci_key) as ci:
            assert ci.GetInfo(user_pb2.GetUserInfoRequest()).id == member.user_id

            laptop.DeleteAccessKey(user_pb2.DelAccessKeyRequest(names=["ci"]))

            with pytest.raises(grpc.RpcError) as excinfo:
                ci.GetInfo(user_pb2.GetUserInfoRequest())
            assert excinfo.value.code() == grpc.StatusCode.UNAUTHENTICATED

        # The other key still works, and is the only one left (redacted).
        keys = laptop.ListAccessKeys(user_pb2.GetAccessKeyRequest())
        assert [(k.name, k.access_key) for k in keys.access_keys] == [("laptop", "rk_…" + member.key[-4:])]


def test_deleted_user_is_no_longer_listed(
    admin: roster_client.RosterClient, new_member: Callable[..., Member], address: str, uid: Callable[[str], str]
) -> None:
    member = new_member(roles=["user"])
    other = uid("other")
    admin.CreateUser(
        user_pb2.CreateUserRequest(user=user_pb2.User(id=other, name="Other", tenant_id=member.tenant_id))
    )
    assert _user_ids(admin, member.org_id) == sorted([member.user_id, other])

    admin.DeleteUser(user_pb2.DeleteUserRequest(id=member.user_id))

    assert _user_ids(admin, member.org_id) == [other]
    # Its access keys went with it.
    with roster_client.connect(address, member.key) as gone:
        with pytest.raises(grpc.RpcError) as excinfo:
            gone.GetInfo(user_pb2.GetUserInfoRequest())
    assert excinfo.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_update_mask_lookup_user_and_allow_missing(
    admin: roster_client.RosterClient, address: str, admin_key: str, uid: Callable[[str], str]
) -> None:
    """UpdateUser with an update mask changes only the named field;
    ListUsers' lookup_user_id lists that user alone (or nothing);
    DeleteAccessKey with allow_missing skips names that are not keys."""
    org, user = uid("masks"), uid("mia")
    admin.CreateOrganization(
        user_pb2.CreateOrganizationRequest(organization=user_pb2.Organization(id=org, name="Masks"))
    )
    admin.CreateUser(
        user_pb2.CreateUserRequest(
            user=user_pb2.User(id=user, name="Mia", email="mia@example.com", org_id=org, roles=["app:x"])
        )
    )
    admin.UpdateUser(
        user_pb2.UpdateUserRequest(
            user=user_pb2.User(id=user, name="Mia B"),
            update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        )
    )
    found = admin.ListUsers(user_pb2.ListUsersRequest(lookup_org_id=org, lookup_user_id=user))
    assert [(u.name, u.email, list(u.roles)) for u in found.users] == [("Mia B", "mia@example.com", ["app:x"])]
    assert found.next_page_token == ""
    assert not admin.ListUsers(user_pb2.ListUsersRequest(lookup_org_id=org, lookup_user_id="nobody")).users

    with pytest.raises(grpc.RpcError) as bad:
        admin.UpdateUser(
            user_pb2.UpdateUserRequest(
                user=user_pb2.User(id=user), update_mask=field_mask_pb2.FieldMask(paths=["nickname"])
            )
        )
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "update_mask" in bad.value.details()

    with roster_client.connect(address, admin_key, impersonate=user) as as_mia:
        as_mia.CreateAccessKey(user_pb2.CreateAccessKeyRequest(name="one"))
        with pytest.raises(grpc.RpcError) as missing:
            as_mia.DeleteAccessKey(user_pb2.DelAccessKeyRequest(names=["one", "gone"]))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        as_mia.DeleteAccessKey(user_pb2.DelAccessKeyRequest(names=["one", "gone"], allow_missing=True))
        assert not as_mia.ListAccessKeys(user_pb2.GetAccessKeyRequest()).access_keys
