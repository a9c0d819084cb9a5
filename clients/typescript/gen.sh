#!/usr/bin/env bash
# Regenerates the TypeScript client's generated code, src/gen/, from proto/
# with buf and protoc-gen-es (the pinned devDependency in package.json, run
# as a local plugin). Run by scripts/gen-clients; the output is committed and
# never edited by hand.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
HERE="$ROOT/clients/typescript"
source "$HERE/deps.sh"

ensure_buf
ensure_node_modules "$HERE"

cd "$ROOT"
rm -rf "$HERE/src/gen"
# roster.v1, roster's wire-compatible google.rpc error details (BadRequest,
# ErrorInfo), and google/api/{annotations,http}.proto, which user.proto imports
# for its google.api.http routes: no npm package of protobuf-es v2 ships them,
# and user_pb.ts imports their generated files as it imports any dependency.
buf generate --template clients/typescript/buf.gen.yaml \
  --path proto/roster/v1/user.proto \
  --path proto/google/rpc/error_details.proto \
  --path proto/google/api/annotations.proto \
  --path proto/google/api/http.proto
