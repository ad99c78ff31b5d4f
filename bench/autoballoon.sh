#!/usr/bin/env bash
# autoballoon: a 3 GiB domain on a simulated host where it fits only once
# dom0 (6 GiB, floor 512 MiB) gives about 1.2 GiB, with autoballoon = 1
# in libxl.conf.  Ours balloons dom0 by the gap and starts it; the stock
# driver's libxlDomainFreeMem wraps an unsigned subtraction and refuses.
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

host=(--memory 8G --dom0 6G --dom0-min 512M)

run_one() {     # FLAVOUR EXTRA -> "started ms dom0_gave_mib free_before_mib error"
    local flavour=$1 extra=$2 t0 t1 started=0 before after free
    bench_start "$flavour" "autoballoon = 1" -- "${host[@]}"
    bench_domain mid 3072 "$extra"
    before=$(bxensim info | awk '$1 == "Domain-0" { print $4 }')
    free=$(bxensim info | awk -F': *' '/^free_memory/ { print $2 + 0 }')
    t0=$(now_ms)
    bvirsh start mid > /dev/null 2> "$bench_work/$flavour.err" && started=1
    t1=$(now_ms)
    after=$(bxensim info | awk '$1 == "Domain-0" { print $4 }')
    echo "$started $((t1 - t0)) $((before - after)) $free $(sed -n 's/^error: //p' "$bench_work/$flavour.err" | tail -1 | tr ' ' '_')"
    bench_stop
}

read -r o_started o_ms o_gave o_free o_err < <(run_one ours "<memoryClaim/>")
read -r s_started s_ms s_gave s_free s_err < <(run_one stock "")

# Memory a new domain could get: free memory plus what dom0 gave for it.
# The stock driver refuses any start that needs dom0's memory, so it can
# only ever use what is free.
o_usable=$((o_free + o_gave))
s_usable=$s_free

describe() {   # STARTED MS GAVE ERR
    if [ "$1" = 1 ]; then
        echo "started it in $2 ms, dom0 gave $3 MiB"
    else
        echo "refused it in $2 ms, dom0 gave $3 MiB: '$(echo "$4" | tr '_' ' ')'"
    fi
}
echo "autoballoon: $(describe "$o_started" "$o_ms" "$o_gave" "$o_err"), ${o_usable} MiB usable vs stock $(describe "$s_started" "$s_ms" "$s_gave" "$s_err"), ${s_usable} MiB usable (ratio $(ratio "$s_usable" "$o_usable")x)"
