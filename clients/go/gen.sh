#!/usr/bin/env bash
# Regenerates the Go client's generated code (gen/roster/v1) from
# proto/roster/v1/user.proto with buf and the pinned protoc-gen-go and
# protoc-gen-go-grpc, installed into .tools/bin (skipped when the installed
# version already matches). The generated files are committed; never edit
# them by hand.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

PROTOC_GEN_GO_VERSION=v1.36.12      # google.golang.org/protobuf, same as go.mod
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2   # google.golang.org/grpc/cmd/protoc-gen-go-grpc

# ensure_go_tool BINARY MODULE/PATH VERSION EXPECTED_VERSION_LINE
ensure_go_tool() {
  local bin=$1 pkg=$2 version=$3 want=$4
  if [ "$("$TOOLS/bin/$bin" --version 2>/dev/null)" != "$want" ]; then
    log "installing $bin $version"
    GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install "$pkg@$version"
  fi
}

ensure_buf
ensure_go_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go \
  "$PROTOC_GEN_GO_VERSION" "protoc-gen-go $PROTOC_GEN_GO_VERSION"
ensure_go_tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc \
  "$PROTOC_GEN_GO_GRPC_VERSION" "protoc-gen-go-grpc ${PROTOC_GEN_GO_GRPC_VERSION#v}"

cd "$ROOT"
rm -rf clients/go/gen
buf generate --template clients/go/buf.gen.yaml --path proto/roster/v1/user.proto
