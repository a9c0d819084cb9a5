# Shared helpers of roster's scripts; source it. Tools are installed into
# .tools/ (git-ignored), pinned, and only when missing, so a second run costs
# nothing.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
BUF_VERSION=1.75.0
GRPCURL_VERSION=v1.9.3
GRPC_HEALTH_PROBE_VERSION=v0.4.62
export PATH="$TOOLS/bin:$PATH"
mkdir -p "$TOOLS/bin"

log() { printf '==> %s\n' "$*" >&2; }

# buf, from npm's @bufbuild/buf (the package ships the binary).
ensure_buf() {
  if [ "$("$TOOLS/bin/buf" --version 2>/dev/null)" != "$BUF_VERSION" ]; then
    log "installing buf $BUF_VERSION"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS/buf" "@bufbuild/buf@$BUF_VERSION" >/dev/null
    ln -sf "$TOOLS/buf/node_modules/.bin/buf" "$TOOLS/bin/buf"
  fi
}

# grpcurl, built from source with the Go toolchain.
ensure_grpcurl() {
  local stamp="$TOOLS/bin/.grpcurl-$GRPCURL_VERSION"
  if [ ! -x "$TOOLS/bin/grpcurl" ] || [ ! -f "$stamp" ]; then
    log "installing grpcurl $GRPCURL_VERSION"
    GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"
    touch "$stamp"
  fi
}

# grpc-health-probe, built from source with the Go toolchain: tests/probes.rs
# runs it against a live roster (as a kubelet or an image would).
ensure_grpc_health_probe() {
  local stamp="$TOOLS/bin/.grpc-health-probe-$GRPC_HEALTH_PROBE_VERSION"
  if [ ! -x "$TOOLS/bin/grpc-health-probe" ] || [ ! -f "$stamp" ]; then
    log "installing grpc-health-probe $GRPC_HEALTH_PROBE_VERSION"
    GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install "github.com/grpc-ecosystem/grpc-health-probe@$GRPC_HEALTH_PROBE_VERSION"
    touch "$stamp"
  fi
}

# The roster binary the client tests run: ROSTER_BIN, or a debug build.
ensure_roster() {
  if [ -z "${ROSTER_BIN:-}" ]; then
    (cd "$ROOT" && cargo build --locked --quiet --bin roster)
    ROSTER_BIN="$ROOT/target/debug/roster"
  fi
  export ROSTER_BIN
}

# A Debian package, installed with apt-get (as root, or through sudo) when
# PROGRAM is not on the PATH: ensure_apt PROGRAM PACKAGE.
ensure_apt() {
  local program=$1 package=$2 sudo=()
  command -v "$program" >/dev/null 2>&1 && return 0
  log "installing $package (Debian's package)"
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$package" >/dev/null
}

# jq, from Debian's packages (the walk-through uses it).
ensure_jq() { ensure_apt jq jq; }

# The client languages, each with clients/<lang>/gen.sh and test.sh.
CLIENT_LANGS=(python typescript go java)

# openssl, from Debian's packages (the TLS walk-through makes its
# certificates with it).
ensure_openssl() {
  if ! command -v openssl >/dev/null 2>&1; then
    log "installing openssl"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq openssl >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq openssl >/dev/null; fi
  fi
}

# console/node_modules, from console/package-lock.json: `npm ci` when it is
# missing or was installed from another lock file (a stamp keeps a copy).
ensure_console_modules() {
  local dir="$ROOT/console"
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.roster-lock.json"; then
    log "installing the console's packages (console/package-lock.json)"
    (cd "$dir" && npm ci --silent --no-audit --no-fund >/dev/null)
    cp "$dir/package-lock.json" "$dir/node_modules/.roster-lock.json"
  fi
}
