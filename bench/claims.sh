#!/usr/bin/env bash
# claims: how long a start takes to fail when the domain cannot fit.
# A 64 GiB domain on a simulated 52 GiB host (dom0 3 GiB): ours claims
# (<memoryClaim/>) and is refused before populating anything; Debian's
# stock libxl driver (autoballoon off, as with dom0_mem on the Xen command
# line) builds until memory runs out, at the simulated host's populate
# rate (1 GiB/s, see docs/xensim.md), then fails.
#
# Sizes: CLAIMS_MEMORY, CLAIMS_DOM0 (xensim sizes), CLAIMS_DOMAIN_MIB;
# BENCH_SMALL=1 defaults to a 4 GiB host, dom0 1 GiB, an 8 GiB domain.
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

if bench_small; then
    memory=${CLAIMS_MEMORY:-4G} dom0=${CLAIMS_DOM0:-1G} mib=${CLAIMS_DOMAIN_MIB:-8192}
else
    memory=${CLAIMS_MEMORY:-52G} dom0=${CLAIMS_DOM0:-3G} mib=${CLAIMS_DOMAIN_MIB:-65536}
fi
host=(--memory "$memory" --dom0 "$dom0")

# what each daemon's failure must say: our refusal, and libxl's failed
# build in the stock driver
expect_ours="not enough memory to start domain 'huge'"
expect_stock="libxenlight failed to create new domain 'huge'"

# run_one FLAVOUR XML_EXTRA EXPECTED -> "ms peak_mib free_mib error"
run_one() {
    local flavour=$1 extra=$2 expect=$3 t0 t1 free peak samples err try
    bench_start "$flavour" "" -- "${host[@]}"
    bench_domain huge "$mib" "$extra"
    for try in 1 2 3; do
        free=$(bench_host free_memory)
        # a sample every 5 ms: a refusal takes tens of milliseconds
        bench_sample_start 0.005
        t0=$(now_ms)
        if bvirsh start huge > /dev/null 2> "$bench_work/$flavour.err"; then
            bench_die "the $mib MiB domain started on the $flavour daemon"
        fi
        t1=$(now_ms)
        bench_sample_stop
        peak=$(bench_peak huge "$t0" "$t1")
        read -r peak samples <<< "$peak"
        # the most memory the failed domain held needs samples taken
        # while the start ran: under load a short start can fall between
        # two, then it is measured again
        [ "$samples" -gt 0 ] && break
    done
    [ "$samples" -gt 0 ] || bench_die "no host sample fell within the $flavour start ($((t1 - t0)) ms)"
    err=$(bench_error "$bench_work/$flavour.err")
    case $err in
        *"$expect"*) ;;
        *) bench_die "the $flavour start failed without \"$expect\": ${err:-no error}" ;;
    esac
    [ "$(bench_domain_mib huge)" = 0 ] || bench_die "the failed domain is still on the $flavour host"
    bench_stop
    # the error up to its figures of free memory and claims
    echo "$((t1 - t0)) $peak $free ${err%%;*}"
}

ours=$(run_one ours "<memoryClaim/>" "$expect_ours")
stock=$(run_one stock "" "$expect_stock")
read -r o_ms o_peak o_free o_err <<< "$ours"
read -r s_ms s_peak s_free s_err <<< "$stock"

echo "claims: refused in ${o_ms} ms, ${o_peak} of ${o_free} MiB free populated: \"${o_err}\" vs stock failed in ${s_ms} ms, ${s_peak} of ${s_free} MiB free populated: \"${s_err}\" (ratio $(ratio "$o_ms" "$s_ms"))"
