# Sourced by the HTTP ledger benches (not run alone): builds koinon, starts `koinon serve` on
# a fresh SQLite data directory with the demo data on 127.0.0.1:$PORT, creates two EUR accounts
# A and B, and writes $DATA/post.lua, a wrk script that posts one transfer of 1 cent from A to
# B with a fresh id per request (write_post_lua N writes it anew for run N). Sets BIN, DATA, PID, H (curl headers), A and B; stops the
# server and removes the data directory on exit. KOINON_BIN runs another build instead (to
# compare two versions side by side).
if [[ -z "${KOINON_BIN:-}" ]]; then
    cargo build --release --quiet
fi
BIN=${KOINON_BIN:-target/release/koinon}
DATA=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
$BIN --data-dir "$DATA" demo >/dev/null
TOKEN=$($BIN --data-dir "$DATA" admin create-token --email officer@heerlen.example.org 2>/dev/null)
$BIN --data-dir "$DATA" serve --addr 127.0.0.1:"$PORT" >/dev/null 2>&1 &
PID=$!
until curl -fs -o /dev/null "http://127.0.0.1:$PORT/readyz"; do sleep 0.05; done
H=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
A=00000000-0000-4000-8000-00000000000a
B=00000000-0000-4000-8000-00000000000b
curl -fs "${H[@]}" -d "{\"accounts\":[{\"id\":\"$A\",\"ledger\":\"EUR\",\"code\":\"budget\"},{\"id\":\"$B\",\"ledger\":\"EUR\",\"code\":\"wallet\"}]}" "http://127.0.0.1:$PORT/api/v1/accounts" >/dev/null
# write_post_lua N: the wrk script for run N (1 to 65535); each run makes its own ids.
write_post_lua() {
    cat > "$DATA/post.lua" <<LUA
local counter = 0
local thread_id = 0
setup = function(thread) thread:set("thread_id", math.random(1, 2^31)) end
request = function()
  counter = counter + 1
  local id = string.format("%08x-%04x-4000-8000-%012x", thread_id % 4294967296, $1, counter)
  local body = '{"transfers":[{"id":"' .. id .. '","debit_account_id":"$A","credit_account_id":"$B","amount":1,"ledger":"EUR","code":"bench"}]}'
  return wrk.format("POST", "/api/v1/transfers", nil, body)
end
LUA
}
write_post_lua 1
