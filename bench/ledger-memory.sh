#!/usr/bin/env bash
# Memory of `koinon serve` over a long run of single-transfer requests: ROUNDS rounds of wrk
# (64 connections, ROUND seconds each) against a fresh SQLite data directory, printing after
# each round the transfers posted so far (the credits of the receiving account, one unit per
# transfer), the server's resident memory (VmRSS) and its peak (VmHWM), and the database size.
#
#   bash bench/ledger-memory.sh        # ROUNDS=8 ROUND=15s CONNECTIONS=64 by default
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18183}
ROUNDS=${ROUNDS:-8}
ROUND=${ROUND:-15s}
CONNECTIONS=${CONNECTIONS:-64}
# shellcheck source=bench/ledger-serve.sh
source bench/ledger-serve.sh
mib() { awk -v k="$1:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$PID/status"; }
printf '%-6s %-10s %-9s %-9s %-8s %s\n' round transfers rss_mib peak_mib db_mib req_per_s
printf '%-6s %-10s %-9s %-9s %-8s %s\n' 0 0 "$(mib VmRSS)" "$(mib VmHWM)" "$(du -sm "$DATA" | cut -f1)" -
for round in $(seq 1 "$ROUNDS"); do
    write_post_lua $((round + 1))
    rate=$(wrk -t1 -c"$CONNECTIONS" -d"$ROUND" -s "$DATA/post.lua" "${H[@]}" http://127.0.0.1:$PORT/api/v1/transfers \
        | awk '/Requests\/sec/ { printf "%.0f", $2 }')
    posted=$(curl -fs "${H[@]}" http://127.0.0.1:$PORT/api/v1/accounts/$B | sed -E 's/.*"credits_posted":([0-9]+).*/\1/')
    printf '%-6s %-10s %-9s %-9s %-8s %s\n' "$round" "$posted" "$(mib VmRSS)" "$(mib VmHWM)" "$(du -sm "$DATA" | cut -f1)" "$rate"
done
kill $PID; wait $PID 2>/dev/null || true
echo "== ledger check after the run"
$BIN --data-dir "$DATA" ledger check
