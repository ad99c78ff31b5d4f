#!/usr/bin/env bash
# claims: how long a start takes to fail when the domain cannot fit.
# A 64 GiB domain on a simulated host with about 48 GiB free: ours claims
# (<memoryClaim/>) and is refused before populating anything; Debian's
# stock libxl driver (autoballoon off, as with dom0_mem on the Xen command
# line) builds until memory runs out, at the simulated host's populate
# rate (1 GiB/s, see docs/xensim.md), then fails.
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

host=(--memory 52G --dom0 3G)

run_one() {     # FLAVOUR XML_EXTRA -> "ms peak_mib error"
    local flavour=$1 extra=$2 t0 t1
    bench_start "$flavour" "" -- "${host[@]}"
    bench_domain huge 65536 "$extra"
    bench_sample_start
    t0=$(now_ms)
    if bvirsh start huge > /dev/null 2> "$bench_work/$flavour.err"; then
        echo "claims: the 64 GiB domain started on the $flavour daemon" >&2
        exit 1
    fi
    t1=$(now_ms)
    bench_sample_stop
    echo "$((t1 - t0)) $(bench_peak huge)"
    bench_stop
}

read -r ours_ms ours_peak < <(run_one ours "<memoryClaim/>")
read -r stock_ms stock_peak < <(run_one stock "")
free=$(( (52 * 1024) - (52 * 1024 / 64) - 3 * 1024 ))

echo "claims: ${ours_ms} ms to fail, ${ours_peak} MiB populated vs ${stock_ms} ms to fail, ${stock_peak} MiB populated (stock) of ${free} MiB free (ratio $(ratio "$ours_ms" "$stock_ms")x)"
