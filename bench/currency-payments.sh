#!/usr/bin/env bash
# Card payments at a shop's till through the JSON API: builds koinon in release mode, then runs
# `koinon currency bench payments` RUNS times, each on a fresh temporary SQLite database (or
# on the scratch PostgreSQL database of DATABASE_URL), printing one JSON line per run. Each
# run sets up a currency with a month issued to WALLETS households (a card and PIN each) and
# MERCHANTS accredited shops with API tokens (not timed), serves koinon's router on a loopback
# port in the same process, and sends POST /api/v1/currency/payments at RATE a second for
# SECONDS seconds, open loop (each payment leaves at its planned moment; its latency counts
# from that moment, so a server that falls behind shows it).
#
#   bash bench/currency-payments.sh                    # RATE=500 SECONDS=20 RUNS=3
#   RATE=800 bash bench/currency-payments.sh
#   DATABASE_URL=postgres://... bash bench/currency-payments.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-500}
SECONDS_RUN=${SECONDS_RUN:-20}
WALLETS=${WALLETS:-2000}
MERCHANTS=${MERCHANTS:-20}
RUNS=${RUNS:-3}
cargo build --release -p koinon --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/koinon
ARGS=(currency bench payments --rate "$RATE" --seconds "$SECONDS_RUN" --wallets "$WALLETS" --merchants "$MERCHANTS" --json)
if [[ -n "${DATABASE_URL:-}" ]]; then
    ARGS=(--database-url "$DATABASE_URL" "${ARGS[@]}")
fi
for run in $(seq 1 "$RUNS"); do
    "$BIN" "${ARGS[@]}"
done
