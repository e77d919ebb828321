#!/bin/bash
# Multipath discovery side by side with scamper's tracelb (Debian's scamper package) on kernel
# ECMP diamonds in network namespaces (2-wide, 4-wide, nested; each balancer hashing the 5-tuple
# with its own seed): probes sent, wall time, and how often every interface was found, over
# RUNS flow sets (the first UDP source port differs per run; scamper gets the same with -s).
# Run as root from the repository root:  bash tests/bench/multipath_bench.sh [RUNS]
set -euo pipefail
export MP_RUNS=${1:-20}
cargo test --release --test multipath_compare -- --ignored --nocapture --test-threads 1 2>&1 |
    grep -E '^\|'
