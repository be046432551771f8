#!/usr/bin/env bash
# HTTP `POST /api/v1/transfers` with one transfer per request from 64 concurrent connections on
# loopback (wrk with a Lua script that makes a fresh transfer id per request), against
# `koinon serve` on a fresh SQLite data directory.
#
#   bash bench/ledger-http.sh        # DURATION=15s CONNECTIONS=64 THREADS=1 by default
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=target/release/koinon
DATA=$(mktemp -d)
PORT=${PORT:-18182}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
$BIN --data-dir "$DATA" demo >/dev/null
TOKEN=$($BIN --data-dir "$DATA" admin create-token --email officer@heerlen.example.org 2>/dev/null)
$BIN --data-dir "$DATA" serve --addr 127.0.0.1:$PORT >/dev/null 2>&1 &
PID=$!
until curl -fs -o /dev/null http://127.0.0.1:$PORT/readyz; do sleep 0.05; done
H=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
A=00000000-0000-4000-8000-00000000000a
B=00000000-0000-4000-8000-00000000000b
curl -fs "${H[@]}" -d "{\"accounts\":[{\"id\":\"$A\",\"ledger\":\"EUR\",\"code\":\"budget\"},{\"id\":\"$B\",\"ledger\":\"EUR\",\"code\":\"wallet\"}]}" http://127.0.0.1:$PORT/api/v1/accounts >/dev/null
cat > "$DATA/post.lua" <<LUA
local counter = 0
local thread_id = 0
setup = function(thread) thread:set("thread_id", math.random(1, 2^31)) end
request = function()
  counter = counter + 1
  local id = string.format("%08x-%04x-4000-8000-%012x", thread_id % 4294967296, 1, counter)
  local body = '{"transfers":[{"id":"' .. id .. '","debit_account_id":"$A","credit_account_id":"$B","amount":1,"ledger":"EUR","code":"bench"}]}'
  return wrk.format("POST", "/api/v1/transfers", nil, body)
end
LUA
wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s "$DATA/post.lua" "${H[@]}" http://127.0.0.1:$PORT/api/v1/transfers
echo "== ledger check after the run"
kill $PID; wait $PID 2>/dev/null || true
$BIN --data-dir "$DATA" ledger check
