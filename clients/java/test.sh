#!/usr/bin/env bash
# Runs the Java client's tests (JUnit 5 through Maven Surefire) against the
# live roster at $ROSTER_ADDR, as $ROSTER_ADMIN_KEY's super-admin; run it
# through scripts/with-server, which starts a fresh server and sets both.
# Maven fetches the pinned dependencies into its local repository on the first
# run (~/.m2 unless MAVEN_OPTS says -Dmaven.repo.local=...), and only then.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

: "${ROSTER_ADDR:?ROSTER_ADDR is not set: run through scripts/with-server}"
: "${ROSTER_ADMIN_KEY:?ROSTER_ADMIN_KEY is not set: run through scripts/with-server}"

cd "$ROOT/clients/java"
# -ntp keeps download progress out of the log; Surefire prints its
# "Tests run: N, Failures: F, Errors: E, Skipped: S" summary, and a failing
# test makes mvn exit non-zero.
exec mvn -B -ntp test
