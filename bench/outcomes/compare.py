#!/usr/bin/env python3
"""Compares koinon's payment statement (`koinon outcomes payments ... --json`) with the output of
payments_pandas.py: same claims accepted and refused by reason, same gross, same total, same paid
by metric, same participant-cap cut. Exits 1 on any difference.

    python3 bench/outcomes/compare.py koinon.json pandas.json
"""

import json
import sys


def main():
    rust, pandas = (json.load(open(path)) for path in sys.argv[1:3])
    caps = {c["cap"]: c["cut"]["minor"] for c in rust.get("cap_totals", [])}
    ours = {
        "claims_read": rust["claims_read"],
        "claims_accepted": rust["claims_accepted"],
        "claims_refused": rust["claims_refused"],
        "refusals_by_reason": {r["reason"]: r["count"] for r in rust["refusals_by_reason"]},
        "gross_due_minor": rust["gross_due"]["minor"],
        "total_due_minor": rust["total_due"]["minor"],
        "participant_cap_cut_minor": caps.get("participant", 0),
        "by_metric_paid_minor": {m["metric"]: m["paid"]["minor"] for m in rust["by_metric"] if m["outcomes"]},
    }
    differences = [k for k, v in ours.items() if pandas.get(k) != v]
    for k in differences:
        print(f"{k}: koinon {ours[k]} pandas {pandas.get(k)}")
    print("same" if not differences else "DIFFERENT", f"total {ours['total_due_minor']}; pandas {pandas['seconds']} s")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
