#!/usr/bin/env bash
# What the built-in geo data costs: the binary's size, and the time of a first run (unpacking
# the data into an empty cache) against a warm run (the cache exists), for a copied binary with
# no source tree and no GLOBETRACE_DATA_DIR. Annotates one address (8.8.8.8), no DNS, so no
# packet is sent. Prints a Markdown table on stdout.
#
# Usage:  tests/bench/first_run.sh
#   GLOBETRACE=path   binary to measure (default target/release/globetrace)
#   RUNS=5            runs of each kind (median, min, max)
set -euo pipefail

GLOBETRACE=${GLOBETRACE:-target/release/globetrace}
RUNS=${RUNS:-5}
[ -x "$GLOBETRACE" ] || { echo "first_run: no binary at $GLOBETRACE (cargo build --release)" >&2; exit 1; }

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
cp "$GLOBETRACE" "$workdir/globetrace"
echo 8.8.8.8 >"$workdir/list.txt"

# one_run CACHE: wall seconds of one annotate run with that cache directory.
one_run() {
    local start end
    start=$(date +%s.%N)
    env -u GLOBETRACE_DATA_DIR HOME="$workdir/home" XDG_CACHE_HOME="$1" \
        "$workdir/globetrace" annotate -n --no-config --format csv "$workdir/list.txt" >/dev/null
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}

summary() { sort -n | awk '{ v[NR] = $1 } END { printf "%.3f | %.3f | %.3f", v[int((NR + 1) / 2)], v[1], v[NR] }'; }

mkdir -p "$workdir/home"
for i in $(seq "$RUNS"); do
    rm -rf "$workdir/cold"
    one_run "$workdir/cold" >>"$workdir/first"
    echo "first run $i: $(tail -n1 "$workdir/first") s" >&2
done
for i in $(seq "$RUNS"); do
    one_run "$workdir/cold" >>"$workdir/warm"
done

size=$(stat -c %s "$GLOBETRACE")
packed=$(awk '!/^#/ && NF == 5 { s += $3 } END { print s }' data/geodata.manifest 2>/dev/null || echo 0)
unpacked=$(du -sb "$workdir/cold/globetrace" | cut -f1)
echo "| binary | size | of which built-in data (compressed) | unpacked cache |"
echo "|---|---|---|---|"
awk -v b="$size" -v p="$packed" -v u="$unpacked" \
    'BEGIN { printf "| %s | %.1f MB | %.1f MB | %.1f MB |\n", "globetrace", b / 1e6, p / 1e6, u / 1e6 }'
echo
echo "| run ($RUNS each) | median s | min s | max s |"
echo "|---|---|---|---|"
echo "| first (empty cache: unpack, check SHA-256, store) | $(summary <"$workdir/first") |"
echo "| warm (cache present) | $(summary <"$workdir/warm") |"
echo
echo "$(nproc) CPUs, $(uname -m); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
