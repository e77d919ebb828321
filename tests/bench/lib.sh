# Shared by the benchmark scripts (sourced, not run): timing one command inside a namespace and
# summarising the runs. Callers set $workdir (a scratch directory) and $BENCH_NS (the namespace).

# time_one LABEL TOOL CMD...  appends "wall cpu status maxrss_kb" to $workdir/LABEL.TOOL.
# Bash's `time` gives millisecond wall and CPU (user+sys of the child); GNU time inside it
# records the peak RSS.
time_one() {
    local label=$1 tool=$2
    shift 2
    local out="$workdir/$label.$tool" status=0 TIMEFORMAT='%3R %3U %3S'
    { time /usr/bin/time -f %M -o "$workdir/rss" ip netns exec "$BENCH_NS" "$@" \
        >"$out.last" 2>&1; } 2>"$workdir/t" || status=$?
    read -r wall user sys <"$workdir/t"
    # GNU time writes a note first when the command fails: keep the last line.
    local rss
    rss=$(tail -n1 "$workdir/rss")
    echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $status $rss" >>"$out"
}

# stats FILE -> "runs median min max cpu_median failures rss_max_kb"
stats() {
    awk '{w[NR]=$1; c[NR]=$2; if ($3 != 0) f++; if ($4 > r) r = $4}
        function median(a, n,   i, j, t, s) {
            for (i = 1; i <= n; i++) s[i] = a[i]
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
            return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
        }
        END {
            n = NR; mn = w[1]; mx = w[1]
            for (i = 1; i <= n; i++) { if (w[i] < mn) mn = w[i]; if (w[i] > mx) mx = w[i] }
            printf "%d %.3f %.3f %.3f %.3f %d %d\n", n, median(w, n), mn, mx, median(c, n), f + 0, r
        }' "$1"
}
