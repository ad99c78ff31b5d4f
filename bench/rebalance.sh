#!/usr/bin/env bash
# rebalance: the time of one host-wide decision of the auto memory
# policy (libxlMemoryPolicyAutoDecide) over 1000 domains on a host under
# pressure, against our own implementation of XAPI squeezed's
# proportional algorithm as the design notes describe it, on the same
# inputs in the same run (build/rebalance-bench, bench/rebalance.c).
# Each figure is the median of many runs, alternating the two.
#
# Sizes: REBALANCE_DOMAINS (1000), REBALANCE_RUNS (2001; BENCH_SMALL=1
# defaults to 201 runs).
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

domains=${REBALANCE_DOMAINS:-1000}
if bench_small; then
    runs=${REBALANCE_RUNS:-201}
else
    runs=${REBALANCE_RUNS:-2001}
fi

[ -x "$build/rebalance-bench" ] || bench_die "no $build/rebalance-bench: build first"
"$build/rebalance-bench" "$domains" "$runs" || bench_die "rebalance-bench failed"
