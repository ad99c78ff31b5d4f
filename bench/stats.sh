#!/usr/bin/env bash
# stats: memory statistics of 1000 running domains whose guests write
# their figures.  Ours answers one GetAllDomainStats call with the balloon
# group, from the xenstore watch cache; against the stock driver, which has
# no bulk statistics, a client has to loop over the domains calling
# memoryStats (what 'virsh dommemstat' does for each).  Median of 5 runs
# each, the simulated host charging a real host's xenstore and hypercall
# latencies.
#
# Sizes: STATS_DOMAINS, STATS_RUNS; BENCH_SMALL=1 defaults to 50 domains
# and 3 runs.
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

if bench_small; then
    n=${STATS_DOMAINS:-50} runs=${STATS_RUNS:-3}
else
    n=${STATS_DOMAINS:-1000} runs=${STATS_RUNS:-5}
fi
# 1000 domains of 16 MiB, built fast: the build is not what is measured
host=(--memory 24G --dom0 2G --populate-rate 64G)
client() { /usr/bin/python3 "$top/bench/stats-client.py" "$uri" "$@"; }

run_one() {     # FLAVOUR MODE -> "median_ms domains guest_figures"
    local flavour=$1 mode=$2 domid
    bench_start "$flavour" "" -- "${host[@]}"
    client start "$n" 16 > "$bench_work/$flavour.domids"
    # every guest's agent writes its record, as the guest
    while read -r domid; do
        bxensim xs-write "/local/domain/$domid/data/memstats" \
            "1 t=$(date +%s) total=15000 free=$((domid % 9000)) avail=12000 caches=2000 swapin=0 swapout=0 majflt=10 minflt=2000 htlbok=0 htlbfail=0" \
            "$domid"
    done < "$bench_work/$flavour.domids"
    # our daemon takes the records in through a xenstore watch: measure
    # once it has them all (bounded); the stock driver never reads them
    if [ "$flavour" = ours ]; then
        local i seen=0
        for i in $(seq 1 100); do
            seen=$(client bulk 1 | awk '{ print $3 }')
            [ "${seen:-0}" -ge "$n" ] && break
            sleep 0.1
        done
        [ "${seen:-0}" -ge "$n" ] ||
            { echo "stats: only ${seen:-0} of $n guests' records reached the daemon" >&2; exit 1; }
    fi
    client "$mode" "$runs"
    bench_stop
}

ours=$(run_one ours bulk)
stock=$(run_one stock loop)
read -r o_ms o_doms o_guest <<< "$ours"
read -r s_ms s_doms s_guest <<< "$stock"

echo "stats: ${o_doms} domains in ${o_ms} ms, one GetAllDomainStats call, ${o_guest} with the guest's figures vs stock ${s_ms} ms, memoryStats per domain for ${s_doms}, ${s_guest} with the guest's figures (ratio $(ratio "$o_ms" "$s_ms"))"
