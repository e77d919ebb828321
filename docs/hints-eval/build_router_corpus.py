#!/usr/bin/env python3
"""Builds router-corpus.tsv (the evaluation format of evaluate.py) from router-labels.tsv.

router-labels.tsv holds router host names copied from traceroute text published in public
GitHub repositories (course notes, blog posts, forum threads, READMEs), each with the city
the router is in and where the name was read (`trace-text:N`, the file id in the stored
search index the names were collected from). This script only attaches coordinates: it
looks each city up by its GeoNames name, country and (US/CA) state in data/hints/cities.tsv
(GeoNames cities15000, CC BY 4.0; the most populous match wins), so a right answer is at
about 0 km and the 100 km threshold judges the city, not coordinate noise.

Halves: whoever changes a table or a rule because of this corpus must not measure with the
names that prompted it. `--half tune` keeps the names read from sources with an even id, `--half
test` those with an odd id (whole source files go to one half, so one trace's names, which share
sites, never straddle the split). Tune on the first, report the second.

Usage: build_router_corpus.py [--half tune|test] data/hints/cities.tsv router-labels.tsv
       > router-corpus.tsv
"""

import sys


def main():
    args = sys.argv[1:]
    half = None
    if args[:1] == ["--half"]:
        half, args = args[1], args[2:]
        if half not in ("tune", "test"):
            sys.exit("--half takes tune or test")
    cities_tsv, labels_tsv = args
    cities = {}
    for line in open(cities_tsv, encoding="utf-8"):
        if line.startswith("#"):
            continue
        _key, lat, lon, cc, admin1, pop, _kind, name = line.rstrip("\n").split("\t")
        cities.setdefault((name, cc), []).append((int(pop), admin1, lat, lon))
    rows = []
    for line in open(labels_tsv, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        name, op, city, cc, admin1, source = line.rstrip("\n").split("\t")
        if half and (int(source.rsplit(":", 1)[1]) % 2 == 1) != (half == "test"):
            continue
        found = [c for c in cities.get((city, cc), []) if not admin1 or c[1] == admin1]
        if not found:
            sys.exit(f"{name}: no GeoNames city {city!r} in {cc} {admin1}")
        _pop, _a, lat, lon = max(found)
        rows.append((name, op, f"{city}, {cc}", lat, lon))
    print("# name\toperator\ttrue place\tlat\tlon")
    print("# built by docs/hints-eval/build_router_corpus.py from router-labels.tsv (see there)")
    for row in rows:
        print("\t".join(row))


if __name__ == "__main__":
    main()
