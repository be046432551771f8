#!/usr/bin/env bash
# HTTP `POST /api/v1/transfers` with one transfer per request from 64 concurrent connections on
# loopback (wrk with a Lua script that makes a fresh transfer id per request), against
# `koinon serve` on a fresh SQLite data directory.
#
#   bash bench/ledger-http.sh        # DURATION=15s CONNECTIONS=64 THREADS=1 by default
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18182}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}
# shellcheck source=bench/ledger-serve.sh
source bench/ledger-serve.sh
wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s "$DATA/post.lua" "${H[@]}" http://127.0.0.1:$PORT/api/v1/transfers
echo "== ledger check after the run"
kill $PID; wait $PID 2>/dev/null || true
$BIN --data-dir "$DATA" ledger check
