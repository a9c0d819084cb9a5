# Sourced by gen.sh and test.sh (after scripts/lib.sh): the Python toolchain of
# this client lives in one venv, $TOOLS/python, holding exactly the versions in
# requirements.lock. It is (re)built only when missing or when the lock file or
# the Python it was made with changed (a stamp inside the venv records both), so
# a second run costs a few milliseconds.

PY_VENV="$TOOLS/python"
PY="$PY_VENV/bin/python"

ensure_python_venv() {
  local lock="$ROOT/clients/python/requirements.lock" stamp="$PY_VENV/.roster-stamp" want
  want="$(python3 -c 'import sys; print(sys.version.split()[0])') $(sha256sum "$lock" | cut -d' ' -f1)"
  if [ -x "$PY" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return
  fi
  log "installing the Python toolchain into $PY_VENV (requirements.lock)"
  rm -rf "$PY_VENV"
  python3 -m venv "$PY_VENV"
  "$PY" -m pip install --quiet --disable-pip-version-check --no-input -r "$lock"
  echo "$want" >"$stamp"
}
