#!/usr/bin/env python3
"""Writes participants.csv and claims.csv for the DWP example rate card
(examples/outcomes/dwp-rate-card.toml), deterministically, with the Python standard library only.

    python3 bench/outcomes/gen.py --participants 1000000 --claims 5000000 --out /tmp/outcomes

Participants are enrolled in cohort y2012 or y2013 within the cohort's dates. Claims name a
participant, one of the seven metrics, an event date on or after enrolment within the contract
and a claim date 0-200 days later, so that some claims are refused (duplicates of once-only
outcomes, missing prerequisites, late claims, events after the contract): both implementations
must agree on those too.
"""

import argparse
import datetime
import os
import random

METRICS = [
    "school_behaviour",
    "school_attendance",
    "nqf_level_1",
    "nqf_level_2",
    "nqf_level_3",
    "employment_13_weeks",
    "employment_26_weeks",
]
COHORTS = [
    ("y2012", datetime.date(2012, 4, 1), datetime.date(2013, 3, 31)),
    ("y2013", datetime.date(2013, 4, 1), datetime.date(2014, 3, 31)),
]
CONTRACT_END = datetime.date(2015, 3, 31)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", type=int, default=1000)
    ap.add_argument("--claims", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default=".")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    day = datetime.timedelta(days=1)
    # Dates as strings, precomputed: the generator should not take longer than the engines.
    date_text = {}

    def iso(d):
        s = date_text.get(d)
        if s is None:
            s = date_text[d] = d.isoformat()
        return s

    enrolled = []
    with open(os.path.join(args.out, "participants.csv"), "w", newline="") as f:
        w = f.write
        w("participant,cohort,enrolled_on\n")
        for i in range(args.participants):
            code, start, end = COHORTS[i % 2]
            d = start + day * rng.randrange((end - start).days + 1)
            enrolled.append(d)
            w(f"P{i:07d},{code},{iso(d)}\n")
    with open(os.path.join(args.out, "claims.csv"), "w", newline="") as f:
        w = f.write
        w("participant,metric,event_on,claimed_on\n")
        n = args.participants
        for _ in range(args.claims):
            p = rng.randrange(n)
            m = METRICS[rng.randrange(len(METRICS))]
            event = enrolled[p] + day * rng.randrange(700)
            claimed = event + day * rng.randrange(200)
            w(f"P{p:07d},{m},{iso(event)},{iso(claimed)}\n")


if __name__ == "__main__":
    main()
