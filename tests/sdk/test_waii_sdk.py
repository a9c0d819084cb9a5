"""Every method of the Waii SDK's user module, through the real SDK
(waii-sdk-py, pinned by requirements.lock), against a live roster.

The SDK is the JSON surface's reason to exist: this proves that a program
written for Waii's user API runs unchanged against roster, from
`WAII.initialize` (which first asks `update-db-connect-info`) to the error
an SDK caller sees (an `Exception` whose message is roster's `detail`).

Run by scripts/test-sdk with ROSTER_ADDR and ROSTER_ADMIN_KEY of a fresh
server (scripts/with-server). The checks run in order, each building on the
last; a failed check is reported and the rest still run, so that one missing
server feature shows as one failure. Exits 1 when any check failed.
"""

import os
import sys
import traceback

import requests
from waii_sdk_py import WAII
from waii_sdk_py.user import (
    CreateAccessKeyRequest,
    CreateOrganizationRequest,
    CreateTenantRequest,
    CreateUserRequest,
    DelAccessKeyRequest,
    DeleteOrganizationRequest,
    DeleteTenantRequest,
    DeleteUserRequest,
    GetAccessKeyRequest,
    GetUserInfoRequest,
    ListOrganizationsRequest,
    ListTenantsRequest,
    ListUsersRequest,
    Organization,
    Tenant,
    UpdateConfigRequest,
    UpdateOrganizationRequest,
    UpdateTenantRequest,
    UpdateUserRequest,
    User,
)
from waii_sdk_py.waii_sdk_py import Waii

URL = f"http://{os.environ['ROSTER_ADDR']}/api/"
ADMIN_KEY = os.environ["ROSTER_ADMIN_KEY"]

# What a super-admin holds: the self permissions and every built-in one.
ADMIN_PERMISSIONS = [
    "orgs:read", "orgs:write", "self:access-keys", "self:config", "self:read",
    "tenants:read", "tenants:write", "users:read", "users:write",
]
# What a tenant-admin holds (docs/contract.md §4).
TENANT_ADMIN_PERMISSIONS = [
    "self:access-keys", "self:config", "self:read", "tenants:read",
    "users:read", "users:write",
]
CAROL_ROLES = ["tenant-admin", "app:billing"]
CAROL_VARIABLES = {"team": "payments", "level": 3}

passed, failed = [], []


def check(name):
    """Runs the decorated function now, as the check `name`."""

    def run(fn):
        try:
            fn()
        except Exception:  # noqa: BLE001 - every failure is reported alike
            failed.append(name)
            print(f"FAIL {name}", file=sys.stderr)
            traceback.print_exc(limit=-1, file=sys.stderr)
        else:
            passed.append(name)
            print(f"ok   {name}")
        return fn

    return run


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def sdk_error(call, *args):
    """The message of the Exception the SDK raises for `call(*args)`."""
    try:
        call(*args)
    except Exception as e:  # noqa: BLE001 - the SDK raises plain Exception
        return str(e)
    raise AssertionError(f"{call.__name__} succeeded; an error was expected")


def users(**lookup):
    return {u.id: u for u in WAII.user.list_users(ListUsersRequest(**lookup)).users}


# `initialize` asks update-db-connect-info for the database connections
# first, and activates the first one: roster answers none.
@check("initialize")
def _():
    WAII.initialize(URL, api_key=ADMIN_KEY)
    eq(WAII.version(), "1.30.0", "SDK version")
    eq(WAII.database.get_connections().connectors, [], "connectors")


@check("get_user_info (admin)")
def _():
    info = WAII.user.get_user_info(GetUserInfoRequest())
    eq((info.id, info.roles, info.permissions),
       ("admin", ["super-admin"], ADMIN_PERMISSIONS), "admin's info")


@check("create_org")
def _():
    WAII.user.create_org(CreateOrganizationRequest(organization=Organization(
        id="sdk-org", name="SDK Org", variables={"region": "eu"})))


@check("update_org")
def _():
    WAII.user.update_org(UpdateOrganizationRequest(organization=Organization(
        id="sdk-org", name="SDK Organization", variables={"region": "eu", "seats": 5})))


@check("list_orgs")
def _():
    orgs = WAII.user.list_orgs(ListOrganizationsRequest()).organizations
    eq([o.id for o in orgs], ["default", "sdk-org"], "organization ids")
    eq((orgs[1].name, orgs[1].variables), ("SDK Organization", {"region": "eu", "seats": 5}),
       "sdk-org after update_org")


@check("create_org: duplicate id is the SDK's Exception with roster's detail")
def _():
    message = sdk_error(WAII.user.create_org, CreateOrganizationRequest(
        organization=Organization(id="sdk-org", name="again")))
    eq(message, "organization `sdk-org` already exists", "error message")


@check("create_tenant")
def _():
    WAII.user.create_tenant(CreateTenantRequest(tenant=Tenant(
        id="sdk-eu", name="SDK Europe", org_id="sdk-org", variables={"tier": "gold"})))


@check("update_tenant")
def _():
    WAII.user.update_tenant(UpdateTenantRequest(tenant=Tenant(
        id="sdk-eu", name="SDK EU", org_id="sdk-org", variables={"tier": "platinum"})))


@check("list_tenants")
def _():
    tenants = WAII.user.list_tenants(ListTenantsRequest(lookup_org_id="sdk-org")).tenants
    eq([(t.id, t.name, t.org_id, t.variables) for t in tenants],
       [("sdk-eu", "SDK EU", "sdk-org", {"tier": "platinum"})], "sdk-org's tenants")


@check("create_user (variables, roles)")
def _():
    WAII.user.create_user(CreateUserRequest(user=User(
        id="carol", name="Carol", tenant_id="sdk-eu", org_id="sdk-org",
        variables=CAROL_VARIABLES, roles=CAROL_ROLES)))
    WAII.user.create_user(CreateUserRequest(user=User(
        id="dave", name="Dave", tenant_id="sdk-eu", org_id="sdk-org", roles=["app:viewer"])))


@check("list_users")
def _():
    found = users(lookup_org_id="sdk-org")
    eq(list(found), ["carol", "dave"], "sdk-org's users")
    carol = found["carol"]
    eq((carol.name, carol.tenant_id, carol.org_id, carol.roles, carol.variables),
       ("Carol", "sdk-eu", "sdk-org", CAROL_ROLES, CAROL_VARIABLES), "carol")
    eq(list(users(lookup_tenant_id="sdk-eu")), ["carol", "dave"], "sdk-eu's users")


# Waii's lookup_user_id narrows the list to that one user.
@check("list_users with lookup_user_id")
def _():
    found = users(lookup_org_id="sdk-org", lookup_user_id="dave")
    eq(list(found), ["dave"], "users of lookup_user_id=dave")


# The SDK's User has no `email`, so the email is set through the JSON
# surface directly (the whole user, as an update without a mask replaces
# it); then update_user, which sends no `email` field, must keep it: roster
# derives the update mask from the fields present in the body. (The SDK
# sends `roles` always, its default being [], so an SDK caller passes the
# roles it means to keep, as here.)
@check("update_user keeps the email it does not send")
def _():
    answer = requests.post(URL + "update-user", timeout=10, json={"user": {
        "id": "carol", "name": "Carol", "email": "carol@sdk.example", "tenant_id": "sdk-eu",
        "org_id": "sdk-org", "roles": CAROL_ROLES, "variables": CAROL_VARIABLES}},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    eq(answer.status_code, 200, f"update-user with email: {answer.text}")
    eq(users(lookup_org_id="sdk-org")["carol"].email, "carol@sdk.example", "email set")
    WAII.user.update_user(UpdateUserRequest(user=User(
        id="carol", name="Carol Smith", tenant_id="sdk-eu", org_id="sdk-org",
        variables=CAROL_VARIABLES, roles=CAROL_ROLES)))
    carol = users(lookup_org_id="sdk-org")["carol"]
    eq((carol.name, carol.roles, carol.variables), ("Carol Smith", CAROL_ROLES, CAROL_VARIABLES),
       "carol after update_user")
    eq(carol.email, "carol@sdk.example", "carol's email after update_user")


@check("impersonate_user: get_user_info inside is carol's, outside the admin's")
def _():
    with WAII.impersonate_user("carol"):
        info = WAII.user.get_user_info(GetUserInfoRequest())
    eq((info.id, info.roles, info.permissions), ("carol", CAROL_ROLES, TENANT_ADMIN_PERMISSIONS),
       "impersonated info")
    eq(WAII.user.get_user_info(GetUserInfoRequest()).id, "admin", "after the with block")


carol_key = None


@check("create_access_key (impersonating carol)")
def _():
    global carol_key
    with WAII.impersonate_user("carol"):
        keys = WAII.user.create_access_key(CreateAccessKeyRequest(name="laptop")).access_keys
    eq([(k.name, k.user_id) for k in keys], [("laptop", "carol")], "the new key")
    carol_key = keys[0].access_key
    if not carol_key.startswith("rk_"):
        raise AssertionError(f"carol's key is not an rk_ key: {carol_key[:3]}…")


carol_sdk = Waii()


@check("a plain user's SDK: get_user_info with carol's key")
def _():
    carol_sdk.initialize(URL, api_key=carol_key)
    eq(carol_sdk.user.get_user_info(GetUserInfoRequest()).id, "carol", "caller")


@check("create_org as a tenant-admin is the SDK's Exception with roster's detail")
def _():
    message = sdk_error(carol_sdk.user.create_org, CreateOrganizationRequest(
        organization=Organization(id="carols-org", name="Carol's")))
    eq(message, "permission denied: the caller lacks orgs:write", "error message")


admin_key = None


@check("create_access_key")
def _():
    global admin_key
    keys = WAII.user.create_access_key(CreateAccessKeyRequest(name="sdk-ci")).access_keys
    eq([(k.name, k.user_id) for k in keys], [("sdk-ci", "admin")], "the new key")
    admin_key = keys[0].access_key


@check("list_access_keys")
def _():
    # Redacted: the prefix (the bootstrap key of ROSTER_BOOTSTRAP_KEY has
    # none) and the last 4 characters.
    keys = WAII.user.list_access_keys(GetAccessKeyRequest()).access_keys
    eq([(k.name, k.user_id, k.access_key) for k in keys],
       [("bootstrap", "admin", "…" + ADMIN_KEY[-4:]), ("sdk-ci", "admin", "rk_…" + admin_key[-4:])],
       "admin's keys")


@check("delete_access_key")
def _():
    WAII.user.delete_access_key(DelAccessKeyRequest(names=["sdk-ci"]))
    keys = WAII.user.list_access_keys(GetAccessKeyRequest()).access_keys
    eq([k.name for k in keys], ["bootstrap"], "admin's keys after the delete")


# Waii ignores names it has no key of; the JSON surface defaults
# `allow_missing` to true to match.
@check("delete_access_key of a name with no key succeeds")
def _():
    WAII.user.delete_access_key(DelAccessKeyRequest(names=["no-such-key"]))


@check("update_config (set, then delete)")
def _():
    configs = WAII.user.update_config(UpdateConfigRequest(
        updated={"theme": "dark", "page_size": 50, "tags": ["a", "b"]})).configs
    eq(configs, {"theme": "dark", "page_size": 50, "tags": ["a", "b"]}, "after the set")
    configs = WAII.user.update_config(UpdateConfigRequest(
        updated={"theme": "light"}, deleted=["page_size", "tags"])).configs
    eq(configs, {"theme": "light"}, "after the delete")
    eq(WAII.user.update_config(UpdateConfigRequest()).configs, {"theme": "light"}, "read back")


@check("delete_tenant with users is the SDK's Exception with roster's detail")
def _():
    message = sdk_error(WAII.user.delete_tenant, DeleteTenantRequest(id="sdk-eu"))
    eq(message, "tenant `sdk-eu` still has users", "error message")


@check("delete_user")
def _():
    WAII.user.delete_user(DeleteUserRequest(id="carol"))
    WAII.user.delete_user(DeleteUserRequest(id="dave"))
    eq(users(lookup_org_id="sdk-org"), {}, "sdk-org's users after the deletes")
    # A deleted user's keys die with it.
    message = sdk_error(carol_sdk.user.get_user_info, GetUserInfoRequest())
    eq(message, "missing or invalid access key", "carol's key after delete_user")


@check("delete_tenant")
def _():
    WAII.user.delete_tenant(DeleteTenantRequest(id="sdk-eu"))
    eq(WAII.user.list_tenants(ListTenantsRequest(lookup_org_id="sdk-org")).tenants, [],
       "sdk-org's tenants after the delete")


@check("delete_org")
def _():
    WAII.user.delete_org(DeleteOrganizationRequest(id="sdk-org"))
    orgs = WAII.user.list_orgs(ListOrganizationsRequest()).organizations
    eq([o.id for o in orgs], ["default"], "organizations after the delete")


if failed:
    print(f"failed: {', '.join(failed)}", file=sys.stderr)
print(f"waii-sdk-py: {len(passed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
