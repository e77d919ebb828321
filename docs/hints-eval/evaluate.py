#!/usr/bin/env python3
"""Precision and recall of globetrace's host name hints on a labelled corpus.

Runs `globetrace locate --format json` (offline: names only, no GeoIP, no RTT) on every name
of a corpus (`name<TAB>operator<TAB>true place<TAB>lat<TAB>lon`, `#` comments) and counts:
  placed    the verdict is a host name place (a hint that needs GeoIP's support is not placed)
  right     placed within 100 km of the true place
  precision right / placed          recall right / all names (every corpus name carries a place)
per operator and in total, as a Markdown table on standard output.

Usage: evaluate.py path/to/globetrace corpus.tsv [corpus.tsv ...]
"""

import collections
import json
import math
import subprocess
import sys

RIGHT_KM = 100.0


def km(a, b):
    (la1, lo1), (la2, lo2) = a, b
    p1, p2 = math.radians(la1), math.radians(la2)
    dp, dl = p2 - p1, math.radians(lo2 - lo1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def main():
    binary, corpora = sys.argv[1], sys.argv[2:]
    rows = []
    for path in corpora:
        for line in open(path, encoding="utf-8"):
            if line.startswith("#") or not line.strip():
                continue
            name, op, place, lat, lon = line.rstrip("\n").split("\t")
            rows.append((name, op, place, (float(lat), float(lon))))
    names = "\n".join(r[0] for r in rows) + "\n"
    out = subprocess.run(
        [binary, "locate", "--no-geo", "--format", "json"],
        input=names, capture_output=True, text=True, check=True,
    ).stdout
    verdicts = json.loads(out)
    assert len(verdicts) == len(rows)
    stats = collections.defaultdict(lambda: [0, 0, 0])  # names, placed, right
    wrong = []
    for (name, op, place, at), v in zip(rows, verdicts):
        s = stats[op]
        s[0] += 1
        verdict = v["verdict"]
        if verdict["source"] != "hostname":
            continue
        s[1] += 1
        d = km(at, (verdict["latitude"], verdict["longitude"]))
        if d <= RIGHT_KM:
            s[2] += 1
        else:
            wrong.append((name, place, verdict["place"], round(d)))
    total = [sum(s[i] for s in stats.values()) for i in range(3)]
    pct = lambda a, b: f"{100.0 * a / b:.1f}%" if b else "-"
    print("| operator | names | placed | right (≤100 km) | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|")
    for op, (n, p, r) in sorted(stats.items(), key=lambda kv: -kv[1][0]):
        print(f"| {op} | {n} | {p} | {r} | {pct(r, p)} | {pct(r, n)} |")
    n, p, r = total
    print(f"| **all** | {n} | {p} | {r} | {pct(r, p)} | {pct(r, n)} |")
    if wrong:
        print("\nWrong places:\n")
        for name, place, got, d in wrong:
            print(f"- `{name}`: {place}, placed in {got} ({d} km)")


if __name__ == "__main__":
    main()
