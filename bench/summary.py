#!/usr/bin/env python3
"""bench/run-all's one table. Each benchmark calls record() for its headline
figures, each beside the anchor it is measured against in the same run; the
lines go, as JSON, to the file $BENCH_SUMMARY names (nowhere when it is
unset, as when a benchmark runs alone). `summary.py FILE` prints the table."""

import json
import os
import sys


def record(bench, figure, value, unit, anchor, anchor_value, higher_is_better=True):
    path = os.environ.get("BENCH_SUMMARY")
    if not path:
        return
    with open(path, "a") as f:
        f.write(json.dumps({"bench": bench, "figure": figure, "value": value, "unit": unit,
                            "anchor": anchor, "anchor_value": anchor_value,
                            "higher_is_better": higher_is_better}) + "\n")


def table(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    out = ["| benchmark | figure | value | anchor (same run) | anchor's value | ratio |",
           "|-----------|--------|-------|-------------------|----------------|-------|"]
    for r in rows:
        ratio = r["value"] / r["anchor_value"] if r["anchor_value"] else float("nan")
        # The ratio reads the same way for every row: above 1 is better than the anchor.
        if not r["higher_is_better"] and r["value"]:
            ratio = r["anchor_value"] / r["value"]
        out.append(f"| {r['bench']} | {r['figure']} | {r['value']:.1f} {r['unit']} | "
                   f"{r['anchor']} | {r['anchor_value']:.1f} {r['unit']} | {ratio:.2f}x |")
    return "\n".join(out)


if __name__ == "__main__":
    print(table(sys.argv[1]))
    print("(ratio: how many times better than the anchor, for figures where lower is better too)")
