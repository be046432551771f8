#!/usr/bin/env bash
# The feasibility benchmark of docs/benchmarks.md: `koinon outcomes simulate` (release build, on
# every core and on one) and the numpy version of the same model, side by side in one run, then
# the figures of both, which agree up to Monte Carlo error.
#
#   cargo build --release -p koinon && pip install numpy
#   bench/feasibility/compare.sh            # SCENARIOS=100000 MODEL=bench/feasibility/model-1000.toml RUNS=3
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
model=${MODEL:-bench/feasibility/model-1000.toml}
n=${SCENARIOS:-100000}
runs=${RUNS:-3}
bin=${KOINON_BIN:-target/release/koinon}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

hyperfine --warmup 1 --runs "$runs" -N --export-markdown "$out/times.md" \
    -n "koinon, all cores" "$bin outcomes simulate --model $model --scenarios $n --seed 1 --json" \
    -n "koinon, 1 thread" "$bin outcomes simulate --model $model --scenarios $n --seed 1 --threads 1 --json" \
    -n "numpy" "python3 bench/feasibility/feasibility_numpy.py $model --scenarios $n --seed 1"
cat "$out/times.md"

"$bin" outcomes simulate --model "$model" --scenarios "$n" --seed 1 --json > "$out/koinon.json"
python3 bench/feasibility/feasibility_numpy.py "$model" --scenarios "$n" --seed 1 > "$out/numpy.json"
python3 - "$out/koinon.json" "$out/numpy.json" <<'PY'
import json, sys
k, p = (json.load(open(f)) for f in sys.argv[1:3])
rows = [
    ("participants (mean)", k["participants"]["mean"], p["participants_mean"]),
    ("outcome payments (mean)", k["outcome_payments"]["mean"]["minor"] / 100, p["outcome_payments_mean_minor"] / 100),
    ("chance of a loss", k["investors"]["probability_of_loss"], p["probability_of_loss"]),
    ("IRR (median)", k["investors"]["irr"]["p50"], p["irr_median"]),
    ("net savings NPV (mean)", k["commissioner"]["net_savings_npv"]["mean"]["minor"] / 100, p["net_savings_npv_mean_minor"] / 100),
]
print(f"{'figure':<26}{'koinon':>16}{'numpy':>16}")
for name, a, b in rows:
    print(f"{name:<26}{a:>16.4f}{b:>16.4f}")
PY
