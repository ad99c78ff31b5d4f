#!/usr/bin/env bash
# autoballoon: a 3 GiB domain on a simulated host where it fits only once
# dom0 (6 GiB, floor 512 MiB) gives about 1.2 GiB, with autoballoon = 1
# in libxl.conf.  Ours balloons dom0 by the gap and starts it; the stock
# driver's libxlDomainFreeMem wraps an unsigned subtraction and refuses.
#
# What each side got is read from the host: the free memory before the
# start, dom0's allocation before and after it, and the allocation of the
# new domain once the start returned (0 if it failed).  The ratio is the
# memory the new domain got with ours against with the stock driver.
#
# Sizes: AUTOBALLOON_MEMORY, AUTOBALLOON_DOM0, AUTOBALLOON_DOM0_MIN
# (xensim sizes), AUTOBALLOON_DOMAIN_MIB; BENCH_SMALL=1 defaults to a
# 2 GiB host, dom0 1536 MiB (floor 256 MiB), a 768 MiB domain.
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

if bench_small; then
    memory=${AUTOBALLOON_MEMORY:-2G} dom0=${AUTOBALLOON_DOM0:-1536M}
    dom0_min=${AUTOBALLOON_DOM0_MIN:-256M} mib=${AUTOBALLOON_DOMAIN_MIB:-768}
else
    memory=${AUTOBALLOON_MEMORY:-8G} dom0=${AUTOBALLOON_DOM0:-6G}
    dom0_min=${AUTOBALLOON_DOM0_MIN:-512M} mib=${AUTOBALLOON_DOMAIN_MIB:-3072}
fi
host=(--memory "$memory" --dom0 "$dom0" --dom0-min "$dom0_min")

# run_one FLAVOUR EXTRA -> "started ms free dom0_before dom0_after held error"
run_one() {
    local flavour=$1 extra=$2 t0 t1 started=0 before after free held err
    bench_start "$flavour" "autoballoon = 1" -- "${host[@]}"
    bench_domain mid "$mib" "$extra"
    free=$(bench_host free_memory)
    before=$(bench_domain_mib Domain-0)
    t0=$(now_ms)
    bvirsh start mid > /dev/null 2> "$bench_work/$flavour.err" && started=1
    t1=$(now_ms)
    after=$(bench_domain_mib Domain-0)
    held=$(bench_domain_mib mid)
    err=
    if [ "$started" = 0 ]; then
        err=$(bench_error "$bench_work/$flavour.err")
        [ -n "$err" ] || bench_die "the $flavour start failed without an error"
    fi
    bench_stop
    echo "$started $((t1 - t0)) $free $before $after $held ${err%%;*}"
}

describe() {   # STARTED MS FREE BEFORE AFTER HELD ERR
    if [ "$1" = 1 ]; then
        printf 'started it in %s ms with %s MiB free' "$2" "$3"
    else
        printf 'refused it in %s ms with %s MiB free: "%s"' "$2" "$3" "$7"
    fi
    printf ', dom0 gave %s MiB (%s -> %s MiB), it holds %s MiB' \
        "$(($4 - $5))" "$4" "$5" "$6"
}

ours=$(run_one ours "<memoryClaim/>")
stock=$(run_one stock "")
read -r o_started o_ms o_free o_before o_after o_held o_err <<< "$ours"
read -r s_started s_ms s_free s_before s_after s_held s_err <<< "$stock"

echo "autoballoon: $(describe "$o_started" "$o_ms" "$o_free" "$o_before" "$o_after" "$o_held" "$o_err") vs stock $(describe "$s_started" "$s_ms" "$s_free" "$s_before" "$s_after" "$s_held" "$s_err") (ratio $(ratio "$s_held" "$o_held"))"
