# Sourced by gen.sh and test.sh: installs node_modules with `npm ci` from
# package-lock.json, only when node_modules is missing or was installed from
# another lock file (a stamp inside node_modules holds the lock's SHA-256),
# so a second run costs nothing.
ensure_node_modules() {
  local dir=$1 stamp="$1/node_modules/.roster-lock.sha256" want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "typescript: npm ci"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
}
