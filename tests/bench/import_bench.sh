#!/bin/bash
# Reading files of many traces: time and peak memory of `globetrace annotate` on
#   - a scamper file of 1,000 traces made now by the real scamper on namespace routers
#     (src - r1 .. r8 - dst, ICMP Paris, one attempt per hop), converted by sc_warts2json;
#   - an Atlas file of 500 results and one of 100,000 results, made by repeating the 14 real
#     results of tests/fixtures/many/atlas-pantrace.jsonl with new probe ids and times;
#   - a scamper file of 100,000 traces, the 1,000 real ones repeated;
#   - the same 1,000 and 100,000 traces as warts (scamper's binary), read directly.
# Each is read with geo off (-n --no-geo, jsonl out: the readers, the model and the writer) and
# with the shipped geo data (-n, CSV out). Run as root from the repository root after
# `cargo build --release`:  bash tests/bench/import_bench.sh [RUNS]
# With GT_BENCH_DIR=DIR the files are kept in DIR (and made only if missing), to profile or to
# compare two builds on the same inputs; GT_BIN=PATH measures another build. Wall time depends
# on what else the machine runs; the CPU time (user + system) much less.
set -euo pipefail
runs=${1:-3}
root=$(pwd)
bin=${GT_BIN:-$root/target/release/globetrace}
p="gtbench$$"
names="src r1 r2 r3 r4 r5 r6 r7 r8 dst"
if [ -n "${GT_BENCH_DIR:-}" ]; then
    workdir=$GT_BENCH_DIR
    mkdir -p "$workdir"
    keep=1
else
    workdir=$(mktemp -d)
    keep=0
fi
cleanup() {
    for n in $names; do ip netns del "$p-$n" 2>/dev/null || true; done
    if [ "$keep" = 0 ]; then rm -rf "$workdir"; fi
}
trap cleanup EXIT INT TERM
make_files() {
nodes=($names)
for n in $names; do
    ip netns add "$p-$n"
    ip netns exec "$p-$n" ip link set lo up
    ip netns exec "$p-$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0
done
last=$((${#nodes[@]} - 1))
for ((k = 0; k < last; k++)); do
    a=${nodes[$k]} b=${nodes[$((k + 1))]}
    ip link add "v$k-a" netns "$p-$a" type veth peer name "v$k-b" netns "$p-$b"
    ip -n "$p-$a" addr add "10.9.$k.1/24" dev "v$k-a"
    ip -n "$p-$b" addr add "10.9.$k.2/24" dev "v$k-b"
    ip -n "$p-$a" link set "v$k-a" up
    ip -n "$p-$b" link set "v$k-b" up
done
for ((i = 0; i <= last; i++)); do
    for ((l = 0; l < last; l++)); do
        if ((l > i)); then ip -n "$p-${nodes[$i]}" route add "10.9.$l.0/24" via "10.9.$i.2"; fi
        if ((l < i - 1)); then ip -n "$p-${nodes[$i]}" route add "10.9.$l.0/24" via "10.9.$((i - 1)).1"; fi
    done
done
sleep 1
dst="10.9.$((last - 1)).2"
for ((i = 0; i < 1000; i++)); do echo "$dst"; done >"$workdir/targets"
start=$(date +%s.%N)
ip netns exec "$p-src" scamper -O warts -o "$workdir/s1000.warts" -p 10000 -w 1000 \
    -c "trace -P icmp-paris -q 1 -w 1" -f "$workdir/targets" 2>/dev/null
echo "scamper: 1,000 traces to $dst in $(echo "$(date +%s.%N) - $start" | bc) s"
sc_warts2json "$workdir/s1000.warts" >"$workdir/scamper-1000.json"
cp "$workdir/s1000.warts" "$workdir/scamper-1000.warts"
for ((i = 0; i < 100; i++)); do cat "$workdir/s1000.warts"; done >"$workdir/scamper-100k.warts"
python3 - "$workdir" "$root/tests/fixtures/many/atlas-pantrace.jsonl" <<'PY'
import json, sys
work, atlas = sys.argv[1], sys.argv[2]
results = [json.loads(l) for l in open(atlas)]
def atlas_file(name, n):
    with open(f"{work}/{name}", "w") as out:
        out.write("[\n")
        for i in range(n):
            r = dict(results[i % len(results)])
            r["prb_id"] = 100000 + i
            r["timestamp"] = 1700000000 + i
            out.write(("," if i else "") + json.dumps(r, separators=(",", ":")) + "\n")
        out.write("]\n")
atlas_file("atlas-500.json", 500)
atlas_file("atlas-100k.json", 100000)
lines = open(f"{work}/scamper-1000.json").read().splitlines()
with open(f"{work}/scamper-100k.json", "w") as out:
    for i in range(100):
        out.write("\n".join(lines) + "\n")
PY
}
if [ ! -s "$workdir/atlas-100k.json" ] || [ ! -s "$workdir/scamper-100k.warts" ]; then
    make_files
fi
printf '%-20s %9s %10s %14s %9s %9s %12s\n' file traces hops mode "median s" "CPU s" "peak RSS MB"
for f in scamper-1000.json scamper-100k.json scamper-1000.warts scamper-100k.warts atlas-500.json atlas-100k.json; do
    file="$workdir/$f"
    counts=$("$bin" annotate -n --no-geo --format jsonl "$file" 2>/dev/null |
        python3 -c 'import sys, json
t = h = 0
for l in sys.stdin:
    t += 1; h += len(json.loads(l)["hops"])
print(t, h)')
    read -r traces hops <<<"$counts"
    for mode in "--no-geo --format jsonl" "--format csv"; do
        : >"$workdir/times"
        for ((r = 0; r < runs; r++)); do
            /usr/bin/time -f "%e %M %U %S" -o "$workdir/t" "$bin" annotate -n $mode "$file" >/dev/null 2>&1
            cat "$workdir/t" >>"$workdir/times"
        done
        read -r med rss <<<"$(sort -n "$workdir/times" | awk '{w[NR]=$1; if ($2 > r) r = $2}
            END { printf "%s %d", w[int((NR + 1) / 2)], r }')"
        cpu=$(awk '{print $3 + $4}' "$workdir/times" | sort -n | awk '{c[NR]=$1}
            END { printf "%.2f", c[int((NR + 1) / 2)] }')
        label=$([ "$mode" = "--format csv" ] && echo "geo, csv" || echo "no geo, jsonl")
        printf '%-20s %9s %10s %14s %9s %9s %12.1f   (%s hops/s wall, %s per CPU s)\n' "$f" \
            "$traces" "$hops" "$label" "$med" "$cpu" "$(echo "$rss / 1024" | bc -l)" \
            "$(echo "if ($med > 0) $hops / $med else 0" | bc | awk '{printf "%d", $1}')" \
            "$(echo "if ($cpu > 0) $hops / $cpu else 0" | bc | awk '{printf "%d", $1}')"
    done
done
