#!/usr/bin/env python3
"""The feasibility model of koinon-sim (docs/outcomes.md, "Feasibility models"), vectorised with
numpy over scenarios and participants, for the side-by-side benchmark in docs/benchmarks.md.

Same model, same rules, different random numbers (numpy's PCG64): the figures agree with
`koinon outcomes simulate` up to Monte Carlo error, not to the digit.

    python3 bench/feasibility/feasibility_numpy.py MODEL.toml --scenarios 100000 --seed 1 > numpy.json
"""

import argparse
import json
import sys
import time
import tomllib
from decimal import Decimal

import numpy as np

CHUNK = 2_000  # scenarios per vectorised block (memory: CHUNK x referrals-per-period)


def minor(raw, scale=2):
    return int(Decimal(raw).scaleb(scale))


def load(path):
    with open(path, "rb") as f:
        m = tomllib.load(f)
    metrics = []
    codes = [x["code"] for x in m["metrics"]]
    for x in m["metrics"]:
        metrics.append(
            {
                "code": x["code"],
                "price": minor(x["price"]),
                "lag": x.get("lag_periods", 0),
                "success": x["success_bp"] / 10_000,
                "sd": x.get("uncertainty_bp", 0) / 10_000,
                "prereq": codes.index(x["prerequisite"]) if "prerequisite" in x else None,
                "saving": minor(x.get("public_saving", "0")),
            }
        )
    costs = m.get("costs", {})
    inv = m.get("investors", {})
    return {
        "periods": m["periods"],
        "delay": m.get("payment_delay_periods", 1),
        "per_year": {"month": 12, "quarter": 4, "year": 1}[m["period"]],
        "discount": m.get("discount_rate_bp", 0) / 10_000,
        "contract_cap": minor(m["contract_cap"]),
        "participant_cap": minor(m["participant_cap"]) if "participant_cap" in m else None,
        "referrals": m["referrals"]["per_period"],
        "engagement": m["referrals"]["engagement_bp"] / 10_000,
        "attrition": m["referrals"].get("attrition_bp", 0) / 10_000,
        "metrics": metrics,
        "cost_participant": minor(costs.get("per_participant", "0")),
        "cost_period": minor(costs.get("per_period", "0")),
        "capital": minor(inv["capital"]) if "capital" in inv else 0,
        "return_cap": inv.get("return_cap_bp"),
    }


def chances(rng, model, n):
    """Each metric's success chance per scenario: Beta around the mean, or fixed."""
    out = np.empty((n, len(model["metrics"])))
    for j, m in enumerate(model["metrics"]):
        mean, sd = m["success"], m["sd"]
        if sd == 0 or mean in (0.0, 1.0):
            out[:, j] = mean
        else:
            k = mean * (1 - mean) / (sd * sd) - 1
            out[:, j] = rng.beta(mean * k, (1 - mean) * k, size=n)
    return out


def annual_irr(flows, per_year):
    """Vectorised version of koinon-sim's rule: a grid evenly spaced in ln(1+r) (step 0.18,
    0% a point of it, about -99.99% to +940% a period); going out from 0% a step at a time
    (up first), the first step over which the value falls through zero; then bisection. NaN
    where there is none; -1 where nothing comes back."""
    n, periods = flows.shape
    ks = np.arange(-51, 14)
    u = ks * 0.18
    powers = np.exp(-u)[None, :] ** np.arange(periods)[:, None]  # periods x grid
    values = flows @ powers  # n x grid
    falling = (values[:, :-1] > 0) & (values[:, 1:] < 0)
    lower = ks[:-1]
    order = np.where(lower >= 0, 2 * (lower + 1), 2 * (-lower) + 1)[None, :]
    order = np.where(falling, order, np.iinfo(np.int64).max)
    idx = np.argmin(order, axis=1)
    found = falling[np.arange(n), idx]
    lo, hi = u[idx].copy(), u[idx + 1].copy()
    t = np.arange(periods)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        v = (flows * np.exp(-mid)[:, None] ** t[None, :]).sum(axis=1)
        positive = v > 0
        lo = np.where(positive, mid, lo)
        hi = np.where(positive, hi, mid)
    rate = np.exp(0.5 * (lo + hi)) ** per_year - 1
    rate = np.where(found, rate, np.nan)
    rate = np.where((flows > 0).any(axis=1), rate, -1.0)
    rate = np.where((flows < 0).any(axis=1), rate, np.nan)
    return rate


def block(rng, model, n):
    periods = model["periods"]
    metrics = model["metrics"]
    order = sorted(range(len(metrics)), key=lambda j: (metrics[j]["lag"], j))
    p = chances(rng, model, n)
    cap = model["participant_cap"] if model["participant_cap"] is not None else np.iinfo(np.int64).max
    due = np.zeros((n, periods + max(m["lag"] for m in metrics) + 1), dtype=np.int64)
    savings = np.zeros_like(due)
    enrolled = np.zeros((n, periods), dtype=np.int64)
    outcomes = np.zeros(len(metrics), dtype=np.int64)
    survival = (1 - model["attrition"]) ** np.arange(periods + 1)
    for t, r in enumerate(model["referrals"]):
        if r == 0:
            continue
        engaged = rng.random((n, r)) < model["engagement"]
        stay = rng.random((n, r))
        enrolled[:, t] = engaged.sum(axis=1)
        achieved = {}
        paid = np.zeros((n, r), dtype=np.int64)
        for j in order:
            m = metrics[j]
            if t + m["lag"] >= periods:
                continue
            ok = engaged & (stay < survival[m["lag"]]) & (rng.random((n, r)) < p[:, j][:, None])
            if m["prereq"] is not None:
                ok &= achieved.get(m["prereq"], np.zeros_like(ok))
            achieved[j] = ok
            pay = np.minimum(m["price"], cap - paid) * ok
            paid += pay
            due[:, t + m["lag"]] += pay.sum(axis=1)
            savings[:, t + m["lag"]] += ok.sum(axis=1) * m["saving"]
            outcomes[j] += ok.sum()
    due = due[:, :periods]
    savings = savings[:, :periods]
    # Contract cap, period by period.
    cumulative = np.minimum(np.cumsum(due, axis=1), model["contract_cap"])
    cap_hit = due.sum(axis=1) >= model["contract_cap"]
    paid = np.diff(cumulative, axis=1, prepend=0)
    # Costs drawn from the capital; investors paid up to their cap.
    cost = enrolled * model["cost_participant"] + model["cost_period"]
    drawn_cum = np.minimum(np.cumsum(cost, axis=1), model["capital"])
    draws = np.diff(drawn_cum, axis=1, prepend=0)
    drawn = drawn_cum[:, -1]
    if model["return_cap"] is not None:
        limit = drawn * model["return_cap"] // 10_000
    else:
        limit = np.full(n, np.iinfo(np.int64).max)
    received_cum = np.minimum(np.cumsum(paid, axis=1), limit[:, None])
    received = np.diff(received_cum, axis=1, prepend=0)
    # Payments come `delay` periods after the outcomes; the flows run past the last period.
    delay = model["delay"]
    flows = np.zeros((n, periods + delay), dtype=np.float64)
    flows[:, :periods] -= draws
    flows[:, delay:] += received
    irr = annual_irr(flows, model["per_year"]) if model["capital"] > 0 else np.full(n, np.nan)
    discount = (1 + model["discount"]) ** (-(np.arange(periods + delay) + 1) / model["per_year"])
    npv = np.rint(savings @ discount[:periods] - paid @ discount[delay:]).astype(np.int64)
    return {
        "participants": enrolled.sum(axis=1),
        "paid": paid.sum(axis=1),
        "cap_hit": cap_hit,
        "drawn": drawn,
        "received": received_cum[:, -1],
        "irr": irr,
        "npv": npv,
        "outcomes": outcomes,
        "by_period": paid.sum(axis=0),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--scenarios", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    model = load(args.model)
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    parts = []
    left = args.scenarios
    while left > 0:
        n = min(CHUNK, left)
        parts.append(block(rng, model, n))
        left -= n
    cat = {k: np.concatenate([p[k] for p in parts]) for k in ("participants", "paid", "cap_hit", "drawn", "received", "irr", "npv")}
    outcomes = sum(p["outcomes"] for p in parts)
    by_period = sum(p["by_period"] for p in parts)
    n = args.scenarios
    irr = cat["irr"][np.isfinite(cat["irr"])]
    seconds = time.perf_counter() - started
    out = {
        "scenarios": n,
        "seconds": round(seconds, 3),
        "participants_mean": float(cat["participants"].mean()),
        "outcome_payments_mean_minor": int(cat["paid"].sum() // n),
        "outcome_payments_p5_minor": int(np.sort(cat["paid"])[max(int(np.ceil(0.05 * n)), 1) - 1]),
        "outcome_payments_p95_minor": int(np.sort(cat["paid"])[max(int(np.ceil(0.95 * n)), 1) - 1]),
        "probability_cap_hit": float(cat["cap_hit"].mean()),
        "probability_of_loss": float((cat["received"] < cat["drawn"]).mean()),
        "irr_median": float(np.median(irr)) if irr.size else None,
        "net_savings_npv_mean_minor": int(cat["npv"].sum() // n),
        "mean_outcomes": {m["code"]: float(outcomes[j] / n) for j, m in enumerate(model["metrics"])},
        "by_period_mean_minor": [int(v // n) for v in by_period],
    }
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
