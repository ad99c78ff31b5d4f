#!/usr/bin/env bash
# storm: 64 domains of 256 MiB started at once on a simulated host with
# room for 16.  Ours claims them; the stock driver does not.  Reports how
# many ran, how many failed (and how many of those after building
# part-way), the slowest refusal, client timeouts, leftover claims and
# the time until every start has returned.
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

n=64
# libvirtd runs RPC calls on min_workers threads and, under this load, does
# not grow past them: with the default 5, starts queue behind the builds
# in either daemon.  Both get a worker per client so that what is measured
# is the driver.
bench_libvirtd_extra="min_workers = $n
max_workers = $n"
# free = 8192 - 71 (Xen) - 3764 (dom0) = 4357 MiB: room for 16 of 260 MiB
host=(--memory 8G --dom0 3764M)

run_one() {     # FLAVOUR EXTRA -> "settle_ms ran failed partway slowest_fail_ms timeouts claims_mib running"
    local flavour=$1 extra=$2 i t0 t1 names=()
    bench_start "$flavour" "" -- "${host[@]}"
    for i in $(seq 1 $n); do
        bench_domain "storm$i" 256 "$extra"
        names+=("storm$i")
    done
    bench_sample_start
    t0=$(now_ms)
    /usr/bin/python3 "$top/bench/storm-client.py" "$uri" "${names[@]}" > "$bench_work/$flavour.results"
    t1=$(now_ms)
    sleep 0.2
    bench_sample_stop
    awk -v settle=$((t1 - t0)) -v samples="$bench_work/samples" \
        -v claims="$(bxensim info | awk -F': *' '/^outstanding_claims/ { print $2 + 0 }')" \
        -v running="$(bxensim info | awk 'NR > 8 && $1 != "Domain-0"' | wc -l)" '
        BEGIN { while ((getline line < samples) > 0) { split(line, f, " "); if (f[2] > peak[f[1]]) peak[f[1]] = f[2] } }
        $2 == "OK" { ran++ }
        $2 == "FAIL" {
            failed++
            if ($3 > slowest) slowest = $3
            if (peak[$1] > 0) partway++
            if ($0 ~ /keepalive/) timeouts++
        }
        END { print settle, ran + 0, failed + 0, partway + 0, slowest + 0, timeouts + 0, claims, running }
    ' "$bench_work/$flavour.results"
    bench_stop
}

read -r o_ms o_ran o_failed o_partway o_slowest o_timeouts o_claims o_running < <(run_one ours "<memoryClaim/>")
read -r s_ms s_ran s_failed s_partway s_slowest s_timeouts s_claims s_running < <(run_one stock "")

echo "storm: ${o_ran} ran, ${o_failed} failed (${o_partway} part-way, slowest in ${o_slowest} ms), ${o_timeouts} client timeouts, ${o_claims} MiB claims left, settled in ${o_ms} ms vs stock ${s_ran} ran, ${s_failed} failed (${s_partway} part-way, slowest in ${s_slowest} ms), ${s_timeouts} client timeouts, settled in ${s_ms} ms (ratio $(ratio "$o_ms" "$s_ms"))"
