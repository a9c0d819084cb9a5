#!/usr/bin/env bash
# The README's curl walk-through, exactly (scripts/check-generated compares
# the two). Against a running roster: 127.0.0.1:50051 with ./roster-data, or
# ROSTER_ADDR and ROSTER_ADMIN_KEY (as scripts/with-server sets them).
# Needs curl and jq; scripts/test-curl checks its output.
set -euo pipefail
# ---- begin ----
API=http://${ROSTER_ADDR:-127.0.0.1:50051}/api
KEY=${ROSTER_ADMIN_KEY:-$(cat roster-data/bootstrap.key)}
: "${KEY:?no admin key: run this where roster-data/ is, or set ROSTER_ADMIN_KEY}"
ADMIN="Authorization: Bearer $KEY"
JSON="Content-Type: application/json"

# Start afresh, so that this can run again (on a first run bob is not found).
curl -sS -H "$ADMIN" -H "$JSON" -d '{"id": "bob"}' -o /dev/null $API/delete-user

# A user in the admin's organization, `default`; the answer is {}.
curl -sS -H "$ADMIN" -H "$JSON" -w '\nHTTP %{http_code}\n' \
  -d '{"user": {"id": "bob", "name": "Bob", "email": "bob@example.com", "roles": ["app:viewer"]}}' \
  $API/create-user

# The organization's users: admin and bob.
curl -sS -H "$ADMIN" -H "$JSON" -d '{"lookup_org_id": "default"}' $API/list-users \
  | jq -c '.users[] | {id, name, email, roles}'

# The same user again: 409, with roster's error body.
curl -sS -H "$ADMIN" -H "$JSON" -w '\nHTTP %{http_code}\n' \
  -d '{"user": {"id": "bob", "name": "Bob"}}' $API/create-user
