#!/usr/bin/env bash
# Measures the web shell: `serve` start-up time on an existing database, idle memory, and the
# latency of the home and dashboard pages under 100 concurrent connections on loopback.
#
#   bash bench/shell.sh            # prints a summary and writes target/bench-shell.json
#
# Needs: wrk (Debian package `wrk`), curl. Builds koinon in release mode first.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=target/release/koinon
DATA=$(mktemp -d)
PORT=${PORT:-18181}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-100}
THREADS=${THREADS:-2}
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT

$BIN --data-dir "$DATA" demo >/dev/null

# Start-up: from exec to /readyz answering 200, five times, on the existing database.
starts=()
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  $BIN --data-dir "$DATA" serve --addr 127.0.0.1:$PORT >/dev/null 2>&1 &
  PID=$!
  until curl -fs -o /dev/null http://127.0.0.1:$PORT/readyz; do sleep 0.005; done
  t1=$(date +%s%N)
  starts+=($(( (t1 - t0) / 1000000 )))
  if [ $i -lt 5 ]; then kill $PID; wait $PID 2>/dev/null || true; fi
done
sleep 2
rss_idle_kb=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)

# A signed-in session for the dashboard.
JAR=$DATA/cookies
curl -fs -c $JAR -b $JAR -o $DATA/signin.html http://127.0.0.1:$PORT/sign-in
CSRF=$(grep -o 'name="csrf" value="[0-9a-f]*"' $DATA/signin.html | head -1 | sed 's/.*value="//; s/"//')
curl -fs -c $JAR -b $JAR -o /dev/null -d "csrf=$CSRF&email=officer@heerlen.example.org&password=koinon-demo-2026&next=/dashboard" http://127.0.0.1:$PORT/sign-in
SESSION=$(awk '$6=="koinon_session" {print $7}' $JAR)
[ -n "$SESSION" ] || { echo "sign-in failed"; exit 1; }

run_wrk() { # path, cookie header
  wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency ${2:+-H "Cookie: $2"} http://127.0.0.1:$PORT$1
}
# Server-side p99 from koinon's own histogram: the first bucket holding 99% of the requests
# answered during a run (the difference of two /metrics readings).
server_p99() { # before, after
  python3 - "$1" "$2" <<'PY'
import sys
def read(text):
    out = {}
    for line in text.splitlines():
        if line.startswith("koinon_http_request_duration_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            out[le] = int(line.rsplit(" ", 1)[1])
    return out
a, b = read(sys.argv[1]), read(sys.argv[2])
d = {k: b[k] - a.get(k, 0) for k in b}
total = d["+Inf"]
for k in sorted((k for k in d if k != "+Inf"), key=float):
    if d[k] >= 0.99 * total:
        print(f"<= {float(k) * 1000:g} ms"); break
else:
    print("> 1000 ms")
PY
}
m0=$(curl -fs http://127.0.0.1:$PORT/metrics)
echo "== home page /"
home=$(run_wrk / ""); echo "$home"
m1=$(curl -fs http://127.0.0.1:$PORT/metrics)
echo "== dashboard /dashboard (signed in)"
dash=$(run_wrk /dashboard "koinon_session=$SESSION"); echo "$dash"
m2=$(curl -fs http://127.0.0.1:$PORT/metrics)
home_server_p99=$(server_p99 "$m0" "$m1")
dash_server_p99=$(server_p99 "$m1" "$m2")
rss_after_kb=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
metrics=$(echo "$m2" | grep -E 'duration_seconds_(bucket|count)')

p() { echo "$1" | awk -v q="$2" '$1==q {print $2}'; }
rps() { echo "$1" | awk '/Requests\/sec/ {print $2}'; }
non2xx() { echo "$1" | awk '/Non-2xx/ {print $5}'; }
cat > target/bench-shell.json <<JSON
{"startup_ms": [$(IFS=,; echo "${starts[*]}")], "rss_idle_kb": $rss_idle_kb, "rss_after_load_kb": $rss_after_kb,
 "home": {"rps": "$(rps "$home")", "client_p50": "$(p "$home" 50%)", "client_p99": "$(p "$home" 99%)", "server_p99": "$home_server_p99", "non_2xx": "$(non2xx "$home")"},
 "dashboard": {"rps": "$(rps "$dash")", "client_p50": "$(p "$dash" 50%)", "client_p99": "$(p "$dash" 99%)", "server_p99": "$dash_server_p99", "non_2xx": "$(non2xx "$dash")"}}
JSON
echo "== server-side latency histogram (both runs)"
echo "$metrics"
echo "== summary"
cat target/bench-shell.json
