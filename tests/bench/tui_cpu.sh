#!/usr/bin/env bash
# CPU time of the full-screen live view, in a real terminal (tmux), while it probes and while
# it is paused. The view must sleep between cycles: no polling loop.
#
#   tests/bench/tui_cpu.sh [SECONDS]        (as root; default 20 s per phase)
#
# Probes 127.0.0.1 only (one hop: the cost measured is the view's, not the path's) with
# `-c 0 -i 1`, `-i 0.1` and `-i 0.01`, each followed by a pause (`p`). Prints CPU seconds per wall second of
# each phase, from /proc/PID/stat (utime + stime, clock ticks).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-20}
bin=target/release/globetrace
[ -x "$bin" ] || cargo build --release
command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 1; }
sock="gt-bench-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null || true' EXIT

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# measure LABEL PID SECONDS: CPU seconds per wall second over SECONDS.
measure() {
    local t0 t1
    t0=$(ticks "$2")
    sleep "$3"
    t1=$(ticks "$2")
    awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$3" -v l="$1" \
        'BEGIN { printf "%-34s %6.2f s CPU in %d s wall = %.4f\n", l, (b - a) / hz, s, (b - a) / hz / s }'
}

for interval in 1 0.1 0.01; do
    tm new-session -d -s t -x 120 -y 40 env LANG=C.UTF-8 bash --norc --noprofile
    tm send-keys -t t "exec $bin -n -c 0 -i $interval 127.0.0.1" Enter
    sleep 2
    pid=$(pgrep -f "^$bin -n -c 0 -i $interval 127.0.0.1" | head -n1)
    [ -n "$pid" ] || { echo "the view did not start" >&2; tm capture-pane -p -t t >&2; exit 1; }
    measure "live view, -i $interval" "$pid" "$secs"
    tm send-keys -t t p
    sleep 1
    measure "live view, -i $interval, paused" "$pid" "$secs"
    tm send-keys -t t q
    sleep 1
    tm kill-server 2>/dev/null || true
done
