#!/usr/bin/env bash
# The README's TLS walk-through, exactly (scripts/check-generated compares
# the two): a CA, server and client certificates made with openssl, roster
# started with TLS and then with mTLS, and grpcurl calling it. Starts its own
# servers: ROSTER_BIN (default target/release/roster) on 127.0.0.1 port
# ROSTER_TLS_PORT (default 50443). scripts/test-walkthrough-tls checks its
# output.
set -euo pipefail
# ---- begin ----
# A certificate authority of your own, and from it a certificate for the
# server (localhost, 127.0.0.1) and one for a client.
TLS=$(mktemp -d)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=walk-through CA" -keyout $TLS/ca.key -out $TLS/ca.pem 2>/dev/null
for who in server client; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$who" \
    -keyout $TLS/$who.key -out $TLS/$who.csr 2>/dev/null
  openssl x509 -req -in $TLS/$who.csr -CA $TLS/ca.pem -CAkey $TLS/ca.key -days 30 \
    -extfile <(echo "subjectAltName=DNS:localhost,IP:127.0.0.1") -out $TLS/$who.pem 2>/dev/null
done
ROSTER=${ROSTER_BIN:-target/release/roster}
PORT=${ROSTER_TLS_PORT:-50443}
export ROSTER_BOOTSTRAP_KEY=$(openssl rand -hex 24)
ADMIN="authorization: Bearer $ROSTER_BOOTSTRAP_KEY"

# roster over TLS; grpcurl trusts the CA (-cacert).
$ROSTER serve --listen 127.0.0.1:$PORT --data-dir $TLS/data \
  --tls-cert $TLS/server.pem --tls-key $TLS/server.key 2>$TLS/log &
until grpcurl -cacert $TLS/ca.pem localhost:$PORT grpc.health.v1.Health/Check 2>/dev/null \
  | grep -q '"SERVING"'; do sleep 0.2; done
grpcurl -cacert $TLS/ca.pem -H "$ADMIN" localhost:$PORT roster.v1.UserService/GetInfo
kill $! && wait $!

# mTLS: with --tls-client-ca, every client must present a certificate from
# that CA (-cert, -key); one without is refused during the handshake.
$ROSTER serve --listen 127.0.0.1:$PORT --data-dir $TLS/data \
  --tls-cert $TLS/server.pem --tls-key $TLS/server.key --tls-client-ca $TLS/ca.pem 2>$TLS/log &
CLIENT="-cacert $TLS/ca.pem -cert $TLS/client.pem -key $TLS/client.key"
until grpcurl $CLIENT localhost:$PORT grpc.health.v1.Health/Check 2>/dev/null \
  | grep -q '"SERVING"'; do sleep 0.2; done
grpcurl $CLIENT -H "$ADMIN" localhost:$PORT roster.v1.UserService/GetInfo
grpcurl -cacert $TLS/ca.pem -connect-timeout 3 -H "$ADMIN" localhost:$PORT roster.v1.UserService/GetInfo \
  || echo "no client certificate: refused"
kill $! && wait $!
rm -rf $TLS
