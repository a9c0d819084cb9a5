#!/usr/bin/env bash
# Runs the Go client's tests against the roster server named by ROSTER_ADDR
# and ROSTER_ADMIN_KEY (scripts/with-server sets both):
#   scripts/with-server clients/go/test.sh [go test flags, e.g. -run TestUserLifecycle]
# Modules come from the Go module proxy into the module cache, checked against
# the committed go.sum (a warm run downloads nothing). Prints go test's own
# lines, then "go: N passed, N failed" (top-level tests); exits non-zero on
# any failure.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT/clients/go"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly"
go mod download
go vet ./...

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
go test -count=1 -v "$@" ./... 2>&1 | tee "$out" || status=$?
echo "go: $(grep -c '^--- PASS' "$out") passed, $(grep -c '^--- FAIL' "$out") failed"
exit "$status"
