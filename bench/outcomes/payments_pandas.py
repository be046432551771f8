#!/usr/bin/env python3
"""The rate-card payment calculation of koinon's outcomes engine, vectorised with pandas, as a
baseline to compare the Rust engine against (same inputs, same rules, same total).

    python3 bench/outcomes/payments_pandas.py --participants P.csv --claims C.csv

The contract is examples/outcomes/dwp-rate-card.toml, written out below as plain data (this
script does not parse TOML). Prints JSON: totals in minor units, claims accepted and refused by
reason, paid by metric, and the seconds taken (reading the CSV files included).

Rules, as in docs/outcomes.md: refuse unknown metric, unknown participant, outside contract dates,
before enrolment, claimed before the event, outside the claim window; sort by event date, metric
rank (prerequisites first), claim date, line; accept once-only metrics once per participant and
metrics whose prerequisites were accepted earlier; then the per-participant cap, the period cap
and the contract cap as running caps, in that order.
"""

import argparse
import json
import time

import numpy as np
import pandas as pd

# examples/outcomes/dwp-rate-card.toml, in minor units (pence).
CONTRACT = {
    "start_on": "2012-04-01",
    "end_on": "2015-03-31",
    "contract_cap": 330_000_000,
    "participant_cap": 1_170_000,
    "period_cap": None,
    # code: (price, once per participant, claim window days, prerequisites)
    "metrics": {
        "school_behaviour": (130_000, True, 180, []),
        "school_attendance": (80_000, True, 180, []),
        "nqf_level_1": (70_000, True, 365, []),
        "nqf_level_2": (220_000, True, 365, []),
        "nqf_level_3": (330_000, True, 365, []),
        "employment_13_weeks": (260_000, True, 180, []),
        "employment_26_weeks": (100_000, True, 180, ["employment_13_weeks"]),
    },
}


def topological(metrics):
    order, done = [], set()
    while len(order) < len(metrics):
        for code, (_, _, _, pre) in metrics.items():
            if code not in done and all(p in done for p in pre):
                order.append(code)
                done.add(code)
    return order


def running_cap(amount, cap, groups=None):
    """What a running cap lets through: clip(cap - sum of earlier amounts, 0, amount)."""
    if cap is None:
        return amount
    before = (amount.groupby(groups).cumsum() if groups is not None else amount.cumsum()) - amount
    return np.clip(cap - before, 0, amount)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", required=True)
    ap.add_argument("--claims", required=True)
    args = ap.parse_args()
    started = time.perf_counter()
    c = CONTRACT
    metrics = c["metrics"]
    order = topological(metrics)
    rank = {code: i for i, code in enumerate(order)}

    people = pd.read_csv(args.participants, dtype={"participant": str, "cohort": "category"})
    people["enrolled"] = pd.to_datetime(people["enrolled_on"], format="%Y-%m-%d")
    claims = pd.read_csv(args.claims, dtype={"participant": str, "metric": "category"})
    claims["line"] = np.arange(len(claims)) + 2
    claims["event"] = pd.to_datetime(claims["event_on"], format="%Y-%m-%d")
    claims["claimed"] = pd.to_datetime(claims["claimed_on"], format="%Y-%m-%d")
    read = len(claims)

    refused = {}

    def refuse(mask, reason):
        nonlocal claims
        n = int(mask.sum())
        if n:
            refused[reason] = refused.get(reason, 0) + n
        claims = claims[~mask]

    m = claims["metric"].astype(str)
    refuse(~m.isin(list(metrics)), "unknown_metric")
    claims = claims.merge(people[["participant", "enrolled"]], on="participant", how="left", sort=False)
    refuse(claims["enrolled"].isna(), "unknown_participant")
    start, end = pd.Timestamp(c["start_on"]), pd.Timestamp(c["end_on"])
    refuse((claims["event"] < start) | (claims["event"] > end), "outside_contract_dates")
    refuse(claims["event"] < claims["enrolled"], "before_enrolment")
    has_claimed = claims["claimed"].notna()
    refuse(has_claimed & (claims["claimed"] < claims["event"]), "claimed_before_event")
    m = claims["metric"].astype(str)
    window = m.map({k: v[2] for k, v in metrics.items()}).astype("int64")
    late = claims["claimed"].notna() & ((claims["claimed"] - claims["event"]).dt.days > window)
    refuse(late, "outside_claim_window")

    claims = claims.assign(rank=claims["metric"].astype(str).map(rank).astype("int64"))
    claims = claims.sort_values(["event", "rank", "claimed", "line"], kind="stable").reset_index(drop=True)
    claims["pos"] = np.arange(len(claims))
    metric_of = claims["metric"].astype(str)

    # Order-dependent rules, metric by metric in topological order.
    accepted = np.zeros(len(claims), dtype=bool)
    first_accepted = {}  # metric -> Series participant -> first accepted position
    for code in order:
        _, once, _, pre = metrics[code]
        rows = claims[metric_of == code]
        ok = np.ones(len(rows), dtype=bool)
        for p in pre:
            first = rows["participant"].map(first_accepted[p])
            ok &= (first.notna() & (first < rows["pos"])).to_numpy()
        refused_pre = int((~ok).sum())
        if refused_pre:
            refused["missing_prerequisite"] = refused.get("missing_prerequisite", 0) + refused_pre
        rows = rows[ok]
        if once:
            dup = rows.duplicated("participant", keep="first").to_numpy()
            if dup.sum():
                refused["duplicate_once_only"] = refused.get("duplicate_once_only", 0) + int(dup.sum())
            rows = rows[~dup]
        accepted[rows["pos"].to_numpy()] = True
        first_accepted[code] = rows.groupby("participant", sort=False)["pos"].min()

    paid = claims[accepted].copy()
    paid["gross"] = paid["metric"].astype(str).map({k: v[0] for k, v in metrics.items()}).astype("int64")
    after_participant = running_cap(paid["gross"], c["participant_cap"], paid["participant"])
    period = paid["event"].dt.to_period("Q")
    after_period = running_cap(after_participant, c["period_cap"], period)
    paid["paid"] = running_cap(after_period, c["contract_cap"])

    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "claims_read": read,
                "claims_accepted": int(accepted.sum()),
                "claims_refused": read - int(accepted.sum()),
                "refusals_by_reason": dict(sorted(refused.items())),
                "gross_due_minor": int(paid["gross"].sum()),
                "total_due_minor": int(paid["paid"].sum()),
                "participant_cap_cut_minor": int((paid["gross"] - after_participant).sum()),
                "by_metric_paid_minor": {
                    k: int(v) for k, v in paid.groupby(paid["metric"].astype(str))["paid"].sum().items()
                },
                "seconds": round(seconds, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
