#!/usr/bin/env bash
# Benchmark globetrace against classic traceroute on a 9-hop network-namespace
# chain built on this machine (no packet leaves it):
#
#   src -- r1 -- r2 -- r3* -- r4 -- r5 -- r6* -- r7 -- r8 -- dst     (* silenced)
#
# Scenarios, each timed in paired, alternating runs (PAIRS pairs):
#   reachable  ICMP mode, 3 probes per hop: globetrace -I -n  vs  traceroute -I -n -q 3
#   silent     dst drops all input, default options: globetrace -n  vs  traceroute -n
#   monitor    100 cycles 50 ms apart, report at the end: globetrace -c 100 -i 0.05 -r  vs
#              mtr -r -c 100 -i 0.05 (CPU far below wall: nothing polls)
#   trippy     the same against trippy's report mode (needs `trip` on PATH or $TRIP)
#   memory     -c 1000 vs -c 10000 at -i 0.01 (peak RSS must not grow with cycles)
#   batch      1,000 targets (dst answers on 10.200.0.0/16 of its loopback; no router silent),
#              one probe per hop, 2000 probes/s: globetrace -F  vs  scamper -p 2000 -f
#   batch10k   1,000 vs 10,000 targets, no rate limit (peak RSS must not grow with targets)
# Reports wall time (median, min, max), user+sys CPU time and peak RSS per
# tool as a Markdown table on stdout (progress goes to stderr).
#
# Usage (as root):  tests/bench/trace_bench.sh
#   GLOBETRACE=path   globetrace binary (default target/release/globetrace);
#                     GLOBETRACE=/bin/true times traceroute alone
#   GT_ARGS="..."     extra arguments for globetrace in every scenario
#   PAIRS=10          pairs per scenario; SILENT_PAIRS (default PAIRS) for the
#                     slow silent-destination scenario
#   SCENARIOS="reachable silent"
set -euo pipefail

GLOBETRACE=${GLOBETRACE:-target/release/globetrace}
GT_ARGS=${GT_ARGS:-}
PAIRS=${PAIRS:-10}
SILENT_PAIRS=${SILENT_PAIRS:-$PAIRS}
SCENARIOS=${SCENARIOS:-reachable silent}
CYCLES=${CYCLES:-100}
declare -A PEER=([reachable]=traceroute [silent]=traceroute [monitor]=mtr [trippy]=trippy
    [memory]=globetrace-10k [batch]=scamper [batch10k]=globetrace-10k)
ROUTERS=8
SILENCED=(3 6)

die() { echo "trace_bench: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"

# --- tools ---------------------------------------------------------------
need=()
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
command -v traceroute >/dev/null || need+=(traceroute)
command -v mtr >/dev/null || need+=(mtr-tiny)
command -v scamper >/dev/null || need+=(scamper)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    echo "trace_bench: installing ${need[*]}" >&2
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

# --- topology --------------------------------------------------------------
P="gtb-$$"
NODES=(src)
for i in $(seq 1 $ROUTERS); do NODES+=("r$i"); done
NODES+=(dst)
LAST=$((${#NODES[@]} - 1))
ns() { echo "$P-$1"; }
created=()
workdir=$(mktemp -d)

cleanup() {
    local n
    for n in "${created[@]}"; do ip netns del "$n" 2>/dev/null || true; done
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for node in "${NODES[@]}"; do
    ip netns add "$(ns "$node")" || die "ip netns add failed"
    created+=("$(ns "$node")")
    sysctls=(net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
        net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
        net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
        net.ipv4.icmp_msgs_per_sec=1000000 net.ipv4.icmp_msgs_burst=1000000
        "net.ipv4.ping_group_range=0 2147483647")
    case $node in r*) sysctls+=(net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1) ;; esac
    ip netns exec "$(ns "$node")" sysctl -q -w "${sysctls[@]}" || die "sysctl in $node failed"
done

# Link k joins NODES[k] (10.0.k.1, fd00:0:0:k::1) and NODES[k+1] (.2, ::2).
for k in $(seq 0 $((LAST - 1))); do
    a=${NODES[$k]} b=${NODES[$((k + 1))]}
    ip -n "$(ns "$a")" link add "to-$b" type veth peer name "to-$a" netns "$(ns "$b")" ||
        die "veth $a-$b failed"
done
for i in $(seq 0 $LAST); do
    node=${NODES[$i]}
    {
        echo "link set lo up"
        if [ "$i" -gt 0 ]; then
            k=$((i - 1))
            echo "address add 10.0.$k.2/24 dev to-${NODES[$k]}"
            echo "address add fd00:0:0:$k::2/64 dev to-${NODES[$k]} nodad"
            echo "link set to-${NODES[$k]} up"
        fi
        if [ "$i" -lt "$LAST" ]; then
            echo "address add 10.0.$i.1/24 dev to-${NODES[$((i + 1))]}"
            echo "address add fd00:0:0:$i::1/64 dev to-${NODES[$((i + 1))]} nodad"
            echo "link set to-${NODES[$((i + 1))]} up"
        fi
        if [ "$i" -eq 0 ]; then
            echo "route add default via 10.0.0.2"
            echo "route add ::/0 via fd00::2"
        elif [ "$i" -eq "$LAST" ]; then
            echo "route add default via 10.0.$((i - 1)).1"
            echo "route add ::/0 via fd00:0:0:$((i - 1))::1"
        else
            # Routers: links behind them via the left neighbour, ahead via the right.
            for k in $(seq 0 $((LAST - 1))); do
                if [ "$k" -lt $((i - 1)) ]; then
                    echo "route add 10.0.$k.0/24 via 10.0.$((i - 1)).1"
                    echo "route add fd00:0:0:$k::/64 via fd00:0:0:$((i - 1))::1"
                elif [ "$k" -gt "$i" ]; then
                    echo "route add 10.0.$k.0/24 via 10.0.$i.2"
                    echo "route add fd00:0:0:$k::/64 via fd00:0:0:$i::2"
                fi
            done
        fi
    } >"$workdir/$node.batch"
    ip -n "$(ns "$node")" -batch "$workdir/$node.batch" || die "ip -batch in $node failed"
done

# Fresh veths get their carrier through linkwatch, up to ~1 s later.
for node in "${NODES[@]}"; do
    for _ in $(seq 250); do
        ip -n "$(ns "$node")" -o link show | grep ': to-' | grep -qv ' state UP ' || break
        sleep 0.02
    done
    ! ip -n "$(ns "$node")" -o link show | grep ': to-' | grep -qv ' state UP ' ||
        die "links in $node stay down"
done

for r in "${SILENCED[@]}"; do
    ip netns exec "$(ns "r$r")" nft -f - <<'EOF' || die "nft in r$r failed"
table inet gt_silence {
    chain output {
        type filter hook output priority 0; policy accept;
        icmp type time-exceeded drop
        icmpv6 type time-exceeded drop
    }
}
EOF
done

DST=10.0.$((LAST - 1)).2
SRC_NS=$(ns src)
BENCH_NS=$SRC_NS

# Sanity: the chain works and shows the silenced hops as '*'.
check=$(ip netns exec "$SRC_NS" "$TRACEROUTE" -n -q 1 -w 1 "$DST" 2>&1) || true
echo "$check" | tail -n1 | grep -q " $DST " || die "dst $DST not reached:
$check"

blackhole_dst() {
    ip netns exec "$(ns dst)" nft -f - <<'EOF' || die "nft in dst failed"
table inet gt_blackhole {
    chain input {
        type filter hook input priority 0; policy accept;
        iif "lo" accept
        icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
        drop
    }
}
EOF
}

# dst answers for all of 10.200.0.0/16 (a prefix on lo is local as a whole), routed through
# the chain; every router answers; $workdir/targets-N.txt lists N targets.
batch_ready=
setup_batch() {
    [ -n "$batch_ready" ] && return
    ip netns exec "$(ns dst)" nft delete table inet gt_blackhole 2>/dev/null || true
    for r in "${SILENCED[@]}"; do
        ip netns exec "$(ns "r$r")" nft delete table inet gt_silence 2>/dev/null || true
    done
    ip -n "$(ns dst)" addr add 10.200.0.1/16 dev lo || die "loopback range"
    local i via
    for i in $(seq 1 $ROUTERS); do
        via=$(ip -n "$(ns "r$i")" -o route get "$DST" | sed -n 's/.* via \([0-9.]*\).*/\1/p')
        ip -n "$(ns "r$i")" route add 10.200.0.0/16 via "${via:-$DST}" || die "route in r$i"
    done
    for n in 1000 10000; do
        for ((i = 0; i < n; i++)); do echo "10.200.$((1 + i / 250)).$((1 + i % 250))"; done \
            >"$workdir/targets-$n.txt"
    done
    batch_ready=1
}

# --- timing: time_one and stats, shared with the other benchmark -----------
# shellcheck source=tests/bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run_pairs() {
    local label=$1 pairs=$2 peer=${PEER[$1]}
    shift 2
    local -a gt tr
    local sep
    for ((sep = 1; sep <= $#; sep++)); do [ "${!sep}" = "--" ] && break; done
    gt=("${@:1:sep-1}")
    tr=("${@:sep+1}")
    echo "trace_bench: $label: $pairs pairs" >&2
    for ((i = 1; i <= pairs; i++)); do
        if ((i % 2)); then
            time_one "$label" globetrace "${gt[@]}"
            time_one "$label" "$peer" "${tr[@]}"
        else
            time_one "$label" "$peer" "${tr[@]}"
            time_one "$label" globetrace "${gt[@]}"
        fi
    done
}

# shellcheck disable=SC2206
extra=($GT_ARGS)
for scenario in $SCENARIOS; do
    case $scenario in
    reachable)
        run_pairs reachable "$PAIRS" "$GT" -I -n "${extra[@]}" "$DST" -- \
            "$TRACEROUTE" -I -n -q 3 "$DST"
        ;;
    silent)
        blackhole_dst
        run_pairs silent "$SILENT_PAIRS" "$GT" -n "${extra[@]}" "$DST" -- \
            "$TRACEROUTE" -n "$DST"
        ;;
    monitor)
        run_pairs monitor "$PAIRS" "$GT" -n -r -c "$CYCLES" -i 0.05 "${extra[@]}" "$DST" -- \
            "$(command -v mtr)" -n -r -c "$CYCLES" -i 0.05 "$DST"
        ;;
    trippy)
        TRIP=${TRIP:-$(command -v trip || true)}
        [ -x "$TRIP" ] || die "trippy scenario: no trip binary (cargo install trippy; or set TRIP)"
        run_pairs trippy "$PAIRS" "$GT" -n -r -c "$CYCLES" -i 0.05 "${extra[@]}" "$DST" -- \
            "$TRIP" -m csv -C "$CYCLES" -i 50ms "$DST"
        ;;
    memory)
        run_pairs memory "${MEMORY_PAIRS:-1}" "$GT" -n -r -c 1000 -i 0.01 "${extra[@]}" "$DST" -- \
            "$GT" -n -r -c 10000 -i 0.01 "${extra[@]}" "$DST"
        ;;
    batch)
        setup_batch
        run_pairs batch "$PAIRS" "$GT" -n -I -q 1 --rate 2000 --format jsonl \
            -F "$workdir/targets-1000.txt" "${extra[@]}" -- \
            "$(command -v scamper)" -p 2000 -c "trace -P icmp-paris -q 1" -O text \
            -o "$workdir/scamper.out" -f "$workdir/targets-1000.txt"
        ;;
    batch10k)
        setup_batch
        run_pairs batch10k "${MEMORY_PAIRS:-1}" "$GT" -n -I -q 1 --rate 0 --format jsonl \
            -F "$workdir/targets-1000.txt" "${extra[@]}" -- \
            "$GT" -n -I -q 1 --rate 0 --format jsonl -F "$workdir/targets-10000.txt" "${extra[@]}"
        ;;
    *) die "unknown scenario $scenario" ;;
    esac
done

# --- report ------------------------------------------------------------------
echo
echo "Chain: src, routers r1..r$ROUTERS (r${SILENCED[0]} and r${SILENCED[1]} silenced), dst $DST at hop $((ROUTERS + 1))."
echo "globetrace: $GT ${GT_ARGS}"
echo "traceroute: $("$TRACEROUTE" -V 2>&1 | head -n1)"
for scenario in $SCENARIOS; do
    for tool in globetrace "${PEER[$scenario]}"; do
        echo
        echo "Last $scenario output of $tool:"
        head -n 15 "$workdir/$scenario.$tool.last" | sed 's/^/    /'
    done
done
echo
echo "| scenario | tool | runs | wall median (s) | wall min (s) | wall max (s) | CPU user+sys median (s) | max RSS (KiB) | non-zero exits |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for scenario in $SCENARIOS; do
    for tool in globetrace "${PEER[$scenario]}"; do
        read -r n med mn mx cpu fails rss < <(stats "$workdir/$scenario.$tool")
        echo "| $scenario | $tool | $n | $med | $mn | $mx | $cpu | $rss | $fails |"
    done
done
