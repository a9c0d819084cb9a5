#!/usr/bin/env bash
# The README's walk-through, exactly (scripts/check-generated compares the
# two). Against a running roster: 127.0.0.1:50051 with ./roster-data, or
# ROSTER_ADDR and ROSTER_ADMIN_KEY (as scripts/with-server sets them).
# Needs grpcurl, buf and jq; scripts/test-walkthrough checks its output.
set -euo pipefail
# ---- begin ----
ADDR=${ROSTER_ADDR:-127.0.0.1:50051}
KEY=${ROSTER_ADMIN_KEY:-$(cat roster-data/bootstrap.key)}
: "${KEY:?no admin key: run this where roster-data/ is, or set ROSTER_ADMIN_KEY}"
ADMIN="authorization: Bearer $KEY"

# Who am I?
grpcurl -plaintext -H "$ADMIN" $ADDR roster.v1.UserService/GetInfo

# Start afresh, so that the walk-through can run again: delete what an earlier
# run made (errors are ignored: on a first run each call answers NotFound).
grpcurl -plaintext -H "$ADMIN" -d '{"id": "alice"}' $ADDR roster.v1.UserService/DeleteUser 2>/dev/null || true
grpcurl -plaintext -H "$ADMIN" -d '{"id": "acme-eu"}' $ADDR roster.v1.UserService/DeleteTenant 2>/dev/null || true
grpcurl -plaintext -H "$ADMIN" -d '{"id": "acme"}' $ADDR roster.v1.UserService/DeleteOrganization 2>/dev/null || true

# An organization, a tenant in it, and a user in that tenant.
grpcurl -plaintext -H "$ADMIN" -d '{"organization": {"id": "acme", "name": "Acme Inc."}}' \
  $ADDR roster.v1.UserService/CreateOrganization
grpcurl -plaintext -H "$ADMIN" -d '{"tenant": {"id": "acme-eu", "name": "Acme Europe", "org_id": "acme"}}' \
  $ADDR roster.v1.UserService/CreateTenant
grpcurl -plaintext -H "$ADMIN" -d '{"user": {"id": "alice", "name": "Alice", "email": "alice@acme.example",
    "tenant_id": "acme-eu", "roles": ["tenant-admin", "app:billing"], "variables": {"team": "payments"}}}' \
  $ADDR roster.v1.UserService/CreateUser

# Issue alice's first key: the admin acts as alice (impersonation).
ALICE_KEY=$(grpcurl -plaintext -H "$ADMIN" -H "x-roster-impersonate-user: alice" \
  -d '{"name": "laptop"}' $ADDR roster.v1.UserService/CreateAccessKey \
  | jq -r '.accessKeys[0].accessKey')
: "${ALICE_KEY:?no key for alice: see the error above}"

# Alice calls with her own key.
grpcurl -plaintext -H "authorization: Bearer $ALICE_KEY" $ADDR roster.v1.UserService/GetInfo
grpcurl -plaintext -H "authorization: Bearer $ALICE_KEY" -d '{"updated": {"theme": "dark"}}' \
  $ADDR roster.v1.UserService/UpdateConfig

# Alice, a tenant-admin, lists her tenant's users.
grpcurl -plaintext -H "authorization: Bearer $ALICE_KEY" -d '{"page_size": 10}' \
  $ADDR roster.v1.UserService/ListUsers

# The same API through buf curl, which speaks gRPC too.
buf curl --protocol grpc --http2-prior-knowledge --list-methods http://$ADDR
buf curl --protocol grpc --http2-prior-knowledge -H "authorization: Bearer $ALICE_KEY" \
  http://$ADDR/roster.v1.UserService/GetInfo

# Health needs no key.
grpcurl -plaintext $ADDR grpc.health.v1.Health/Check
