#!/usr/bin/env bash
# Benchmark globetrace against classic traceroute on scripted paths from the TUN simulator
# (tests/sim/, scenarios in tests/scenarios/): latencies namespace routers cannot produce.
# No packet leaves the simulator's namespace; every address is a documentation address.
#
# Scenarios (SCENARIOS, default all three):
#   path15_silent  15 hops, RTTs rising to ~250 ms, hops 6 and 11 silent: the case the
#                  adaptive waits are tuned for. A trace needs at least the slowest RTT
#                  (250 ms) plus one adaptive wait for the silent hop 11: NEAR (10) x the
#                  RTT of the hop behind it (190 ms) = 1.9 s, so about 2.15 s at most.
#   path15         the same path with every hop answering (bound: the slowest RTT, 250 ms)
#   satellite      a geostationary leg at TTL 3 (+~560 ms), destination at ~600 ms
# Modes (MODES, default both), each timed in paired, alternating runs (PAIRS pairs):
#   default  globetrace -n     vs  traceroute -n      (each tool's default probes)
#   icmp     globetrace -I -n  vs  traceroute -I -n
# Reports wall time (median, min, max), user+sys CPU (median) and peak RSS per tool as a
# Markdown table on stdout, after the last output of each tool; progress goes to stderr.
#
# The simulator runs as the ignored test `serve` in tests/sim_serve.rs (built here with
# `cargo test --release --no-run`, then started directly): it writes "<namespace> <target>"
# to a ready file and stops when a stop file appears, printing what each hop answered.
#
# Usage (as root, from anywhere in the repository):  tests/bench/sim_bench.sh
#   GLOBETRACE=path   globetrace binary (default target/release/globetrace)
#   GT_ARGS="..."     extra arguments for globetrace in every run
#   PAIRS=10  SCENARIOS="path15_silent path15 satellite"  MODES="default icmp"
set -euo pipefail

cd "$(dirname "$0")/../.."
GLOBETRACE=${GLOBETRACE:-target/release/globetrace}
GT_ARGS=${GT_ARGS:-}
PAIRS=${PAIRS:-10}
SCENARIOS=${SCENARIOS:-path15_silent path15 satellite}
MODES=${MODES:-default icmp}

die() { echo "sim_bench: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, TUN)"
[ -c /dev/net/tun ] || die "no /dev/net/tun"

need=()
command -v ip >/dev/null || need+=(iproute2)
command -v traceroute >/dev/null || need+=(traceroute)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    echo "sim_bench: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y "${need[@]}" >/dev/null 2>&1 ||
        { apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; } ||
        die "cannot install ${need[*]}"
fi
GT=$(command -v "$GLOBETRACE" 2>/dev/null || true)
if [ -z "$GT" ] && [ -x "$GLOBETRACE" ]; then GT=$(realpath "$GLOBETRACE"); fi
if [ -z "$GT" ] || [ ! -x "$GT" ]; then
    die "globetrace binary '$GLOBETRACE' not found: cargo build --release, or set GLOBETRACE"
fi
TRACEROUTE=$(command -v traceroute)

echo "sim_bench: building the simulator (cargo test --release --test sim_serve --no-run)" >&2
build_log=$(cargo test --release --test sim_serve --no-run 2>&1) || die "build failed:
$build_log"
SIM=$(echo "$build_log" | sed -n 's/.*Executable tests\/sim_serve\.rs (\(.*\))$/\1/p' | tail -n1)
[ -x "$SIM" ] || die "cannot find the sim_serve test executable in:
$build_log"

workdir=$(mktemp -d)
sim_pid=
stop_sim() {
    if [ -n "$sim_pid" ]; then
        touch "$workdir/stop"
        wait "$sim_pid" 2>/dev/null || true
        sim_pid=
    fi
}
cleanup() {
    stop_sim
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_sim SCENARIO: sets NS and TARGET.
start_sim() {
    rm -f "$workdir/ready" "$workdir/stop"
    GT_SIM_SCENARIO=$1 GT_SIM_READY="$workdir/ready" GT_SIM_STOP="$workdir/stop" \
        GT_SIM_MAX_SECS=7200 "$SIM" --ignored --exact serve --nocapture \
        >"$workdir/sim.$1.log" 2>&1 &
    sim_pid=$!
    local _
    for _ in $(seq 300); do
        [ -s "$workdir/ready" ] && break
        kill -0 "$sim_pid" 2>/dev/null || die "simulator exited: $(cat "$workdir/sim.$1.log")"
        sleep 0.1
    done
    [ -s "$workdir/ready" ] || die "simulator not ready after 30 s"
    read -r NS TARGET <"$workdir/ready"
    BENCH_NS=$NS
}

# --- timing: time_one and stats, shared with the other benchmark -----------
# shellcheck source=tests/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2206
extra=($GT_ARGS)
labels=()
for scenario in $SCENARIOS; do
    start_sim "$scenario"
    for mode in $MODES; do
        case $mode in
        default) gt=("$GT" -n "${extra[@]}" "$TARGET") tr=("$TRACEROUTE" -n "$TARGET") ;;
        icmp) gt=("$GT" -I -n "${extra[@]}" "$TARGET") tr=("$TRACEROUTE" -I -n "$TARGET") ;;
        *) die "unknown mode $mode" ;;
        esac
        label="$scenario/$mode"
        key="$scenario.$mode"
        labels+=("$label")
        echo "sim_bench: $label: $PAIRS pairs against $TARGET in $NS" >&2
        for ((i = 1; i <= PAIRS; i++)); do
            if ((i % 2)); then
                time_one "$key" globetrace "${gt[@]}"
                time_one "$key" traceroute "${tr[@]}"
            else
                time_one "$key" traceroute "${tr[@]}"
                time_one "$key" globetrace "${gt[@]}"
            fi
        done
    done
    stop_sim
done

echo
echo "globetrace: $GT ${GT_ARGS}"
echo "traceroute: $("$TRACEROUTE" -V 2>&1 | head -n1)"
for label in "${labels[@]}"; do
    key=${label/\//.}
    for tool in globetrace traceroute; do
        echo
        echo "Last $label output of $tool:"
        sed 's/^/    /' "$workdir/$key.$tool.last"
    done
done
echo
echo "| scenario/mode | tool | runs | wall median (s) | wall min (s) | wall max (s) | CPU user+sys median (s) | max RSS (KiB) | non-zero exits |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for label in "${labels[@]}"; do
    key=${label/\//.}
    for tool in globetrace traceroute; do
        read -r n med mn mx cpu fails rss < <(stats "$workdir/$key.$tool")
        echo "| $label | $tool | $n | $med | $mn | $mx | $cpu | $rss | $fails |"
    done
done
