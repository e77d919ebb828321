#!/bin/bash
# Placing a multipath trace: time and peak memory of `globetrace annotate -n` on saved
# multipath runs (globetrace's own JSON), generated here from layered graphs where every
# vertex of one TTL links to every vertex of the next (the worst case for the branch cover and
# the distance range: the number of source-to-sink paths is width^(ttls-2)):
#   - a 4-wide diamond in a 12-hop path (what a real backbone shows),
#   - 16 wide over 8 of 10 TTLs (130 vertices, 1,824 links; 16^8 paths),
#   - 64 wide over 10 of 12 TTLs (642 vertices, 36,992 links; 64^10 paths).
# Vertices are public addresses used as data only (no packet is sent), placed by the shipped
# geo data. Each is run with table output and with --map/--geojson as well.
# Run from the repository root after `cargo build --release`:
#   bash tests/bench/multipath_output_bench.sh [RUNS]
set -euo pipefail
runs=${1:-5}
bin="${GLOBETRACE_BIN:-$(pwd)/target/release/globetrace}"
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT INT TERM
python3 - "$workdir" <<'PY'
import json, sys
work = sys.argv[1]
def doc(name, widths):
    hops, nodes, links = [], [], []
    ids = []
    for t, w in enumerate(widths, start=1):
        layer = []
        responders = []
        for k in range(w):
            # Distinct public addresses per vertex, spread over a few networks.
            a = f"{[62, 80, 195, 212][k % 4]}.{t}.{k // 4}.{1 + k % 250}"
            nid = f"{t}:{a}"
            dest = t == len(widths)
            nodes.append({"id": nid, "ttl": t, "address": a, "flows": 6,
                          "balancer": "per_flow" if t < len(widths) and widths[t] > 1 else None,
                          "destination": dest})
            responders.append({"ip": a, "hostname": None, "rtts_ms": [1.0 + t, 1.1 + t],
                               "received": 2,
                               "kinds": ["echo_reply" if dest else "time_exceeded"],
                               "marks": [], "mpls": []})
            layer.append(nid)
        for prev in (ids[-1] if ids else []):
            for nid in layer:
                links.append({"from": prev, "to": nid, "flows": 1})
        ids.append(layer)
        hops.append({"hop": t, "sent": 2 * w, "received": 2 * w, "responders": responders})
    target = nodes[-1]["address"]
    d = {"schema_version": 2, "generator": "globetrace bench", "target": target,
         "address": target, "source": None, "origin": "live", "options": None,
         "reached": True, "interrupted": False, "hops": hops, "distance": None,
         "probes_sent": sum(2 * w for w in widths),
         "multipath": {"confidence": 95, "probes_sent": sum(2 * w for w in widths),
                       "nodes": nodes, "links": links}}
    with open(f"{work}/{name}.json", "w") as f:
        json.dump(d, f)
    print(f"{name}: {len(nodes)} vertices, {len(links)} links")
doc("diamond4", [1, 1, 1, 4, 1, 1, 1, 1, 1, 1, 1, 1])
doc("mesh16", [1] + [16] * 8 + [1])
doc("mesh64", [1] + [64] * 10 + [1])
PY
printf '%-10s %-6s %10s %10s %12s\n' input output "median s" "max s" "max RSS MB"
for name in diamond4 mesh16 mesh64; do
    for mode in table maps; do
        extra=()
        if [ "$mode" = maps ]; then
            extra=(--map "$workdir/m.svg" --geojson "$workdir/m.geojson")
        fi
        : >"$workdir/times"
        for ((r = 0; r < runs; r++)); do
            /usr/bin/time -f '%e %M' -o "$workdir/t" \
                "$bin" annotate -n "${extra[@]}" "$workdir/$name.json" >/dev/null 2>"$workdir/err"
            cat "$workdir/t" >>"$workdir/times"
        done
        sort -n "$workdir/times" | awk -v n="$name" -v m="$mode" '
            { w[NR] = $1; if ($2 > r) r = $2 }
            END { printf "%-10s %-6s %10.3f %10.3f %12.1f\n", n, m, w[int((NR + 1) / 2)], w[NR], r / 1024 }'
    done
done
