#!/usr/bin/env bash
# Builds the TypeScript client and runs its tests (node --test) against the
# live roster at $ROSTER_ADDR with the super-admin key $ROSTER_ADMIN_KEY; run
# it through scripts/with-server (scripts/test does):
#   scripts/with-server clients/typescript/test.sh
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
HERE="$ROOT/clients/typescript"
source "$HERE/deps.sh"

: "${ROSTER_ADDR:?run through scripts/with-server}"
: "${ROSTER_ADMIN_KEY:?run through scripts/with-server}"

ensure_node_modules "$HERE"
cd "$HERE"
rm -rf dist dist-test
npm run --silent build
npm test --silent
