#!/usr/bin/env bash
# The figures of an e-currency (issued, spent, recirculation, velocity, retention, LM3) over a
# synthetic ledger of TRANSFERS posted transfers: builds koinon in release mode, then runs
# `koinon currency bench figures` RUNS times, each on a fresh temporary SQLite database (or on
# the scratch PostgreSQL database of DATABASE_URL), printing one JSON line per run:
# `seconds` is loading the transfers from the database and computing the figures (what the
# dashboard and the API do), `compute_seconds` the computation alone over the same transfers
# in memory; building the ledger is not timed.
#
#   bash bench/currency-figures.sh                      # TRANSFERS=1000000 RUNS=3
#   DATABASE_URL=postgres://... bash bench/currency-figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TRANSFERS=${TRANSFERS:-1000000}
MERCHANTS=${MERCHANTS:-60}
WALLETS=${WALLETS:-2000}
RUNS=${RUNS:-3}
NEW_TRANSFERS=${NEW_TRANSFERS:-1000}
cargo build --release -p koinon --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/koinon
ARGS=(currency bench figures --transfers "$TRANSFERS" --new-transfers "$NEW_TRANSFERS" --merchants "$MERCHANTS" --wallets "$WALLETS" --json)
if [[ -n "${DATABASE_URL:-}" ]]; then
    ARGS=(--database-url "$DATABASE_URL" "${ARGS[@]}")
fi
for run in $(seq 1 "$RUNS"); do
    "$BIN" "${ARGS[@]}"
done
