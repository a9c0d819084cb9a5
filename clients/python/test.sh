#!/usr/bin/env bash
# Runs the Python client's tests (pytest, tests/) against the live roster at
# $ROSTER_ADDR with the super-admin key $ROSTER_ADMIN_KEY, as
# scripts/with-server provides them:
#   scripts/with-server clients/python/test.sh [PYTEST ARGS...]
# Installs the toolchain of requirements.lock into $TOOLS/python (venv.sh) and
# the package itself, non-editable, into that venv, each only when it changed,
# so the tests import roster_client and roster exactly as a user's install
# would.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
source "$ROOT/clients/python/venv.sh"
: "${ROSTER_ADDR:?ROSTER_ADDR is not set; run: scripts/with-server clients/python/test.sh}"
: "${ROSTER_ADMIN_KEY:?ROSTER_ADMIN_KEY is not set; run: scripts/with-server clients/python/test.sh}"

ensure_python_venv
cd "$ROOT/clients/python"

stamp="$PY_VENV/.roster-client-stamp"
want=$(find pyproject.toml README.md src -type f \
         \( -name '*.py' -o -name '*.pyi' -o -name py.typed -o -name '*.toml' -o -name '*.md' \) -print0 \
       | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing roster-client into $PY_VENV"
  # setuptools builds in-tree and would package files left in build/ by an
  # earlier build (say, a generated module since removed): start clean.
  rm -rf build src/*.egg-info
  # The build backend (setuptools) and the dependencies are the lock's, already
  # in the venv: nothing is downloaded here.
  "$PY" -m pip install --quiet --disable-pip-version-check --no-input --no-build-isolation --no-index .
  "$PY" -m pip check --disable-pip-version-check >/dev/null
  echo "$want" >"$stamp"
fi

exec "$PY" -m pytest "$@"
