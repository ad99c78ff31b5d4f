#!/usr/bin/env bash
# storm: 64 domains of 256 MiB started at once on a simulated host with
# room for about 16.  Ours claims them; the stock driver does not.
# Reports, from the clients: how many ran, how many failed and with what
# error, the slowest failure, client timeouts and the time until every
# start has returned; from the host: its free memory before the storm,
# the domains it holds once the failed builds are torn down, how many
# builds were created and then destroyed (part-way) and the claims left.
# Part-way builds are counted from the simulated libxl's log, one line
# per build it tears down ("domain N failed to build"), as the real Xen
# stage counts libxl's "cannot (re-)build domain": samples of the host
# miss builds shorter than their interval.
#
# Sizes: STORM_DOMAINS, STORM_MEMORY, STORM_DOM0 (xensim sizes);
# BENCH_SMALL=1 defaults to 12 domains on a 2 GiB host with dom0 875 MiB
# (room for 4).
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

if bench_small; then
    n=${STORM_DOMAINS:-12} memory=${STORM_MEMORY:-2G} dom0=${STORM_DOM0:-875M}
else
    # free = 8192 - 71 (Xen) - 3764 (dom0) = 4357 MiB
    n=${STORM_DOMAINS:-64} memory=${STORM_MEMORY:-8G} dom0=${STORM_DOM0:-3764M}
fi
host=(--memory "$memory" --dom0 "$dom0")
mib=256
# libvirtd runs RPC calls on min_workers threads and, under this load, does
# not grow past them: with the default 5, starts queue behind the builds
# in either daemon.  Both get a worker per client so that what is measured
# is the driver.
bench_libvirtd_extra="min_workers = $n
max_workers = $n"

# run_one FLAVOUR EXTRA -> "free settle_ms ran host_doms host_mib failed
#   partway slowest_fail_ms timeouts claims_mib KINDS", KINDS the
# failures counted by error, as 'N "error"' joined by ", "
run_one() {
    local flavour=$1 extra=$2 i t0 t1 free claims doms held ran names=() log mark partway
    bench_start "$flavour" "" -- "${host[@]}"
    for i in $(seq 1 "$n"); do
        bench_domain "storm$i" "$mib" "$extra"
        names+=("storm$i")
    done
    free=$(bench_host free_memory)
    # the daemon's stderr, where the simulated libxl logs: this storm's part
    log=$dir/log/libvirtd.stderr
    [ -f "$log" ] || bench_die "no log of the simulated libxl at $log"
    mark=$(stat -c %s "$log")
    t0=$(now_ms)
    /usr/bin/python3 "$top/bench/storm-client.py" "$uri" "${names[@]}" > "$bench_work/$flavour.results" ||
        bench_die "the storm client failed on the $flavour daemon"
    t1=$(now_ms)
    [ "$(wc -l < "$bench_work/$flavour.results")" = "$n" ] ||
        bench_die "the storm client reported $(wc -l < "$bench_work/$flavour.results") of $n starts"
    # the host's state once the failed builds are torn down: it holds as
    # many domains as starts ran (at most 10 s; what it holds then is what
    # is reported, and the line's checker compares the two)
    ran=$(awk '$2 == "OK"' "$bench_work/$flavour.results" | wc -l)
    for i in $(seq 1 200); do
        held=$(bench_domains_held)
        [ "${held%% *}" = "$ran" ] && break
        sleep 0.05
    done
    [ "${held%% *}" = "$ran" ] ||
        echo "storm: the $flavour host holds ${held%% *} domains 10 s after $ran starts ran" >&2
    claims=$(bench_host outstanding_claims)
    read -r doms held <<< "$held"
    partway=$(tail -c +$((mark + 1)) "$log" |
              grep -c '^xensim: libxl_domain_create_new: domain [0-9]* failed to build$' || true)
    awk -v settle=$((t1 - t0)) -v free="$free" -v partway="$partway" \
        -v claims="$claims" -v doms="$doms" -v held="$held" '
        $2 == "OK" { ran++ }
        $2 == "FAIL" {
            failed++
            if ($3 > slowest) slowest = $3
            if ($0 ~ /keepalive/) timeouts++
            # the error without its prefix, its figures and domain names
            msg = $0
            sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", msg)
            sub(/^(operation failed|internal error): /, "", msg)
            sub(/(: |;).*/, "", msg)
            gsub(/ *'\''[^'\'']*'\''/, "", msg)
            if (!(msg in kind)) order[nkinds++] = msg
            kind[msg]++
        }
        END {
            kinds = ""
            for (i = 0; i < nkinds; i++)
                kinds = kinds (i ? ", " : "") kind[order[i]] " \"" order[i] "\""
            print free, settle, ran + 0, doms, held, failed + 0, partway, slowest + 0,
                  timeouts + 0, claims, kinds
        }
    ' "$bench_work/$flavour.results"
    bench_stop
}

describe() {   # the fields of run_one
    local free=$1 settle=$2 ran=$3 doms=$4 held=$5 failed=$6 partway=$7 slowest=$8 timeouts=$9 claims=${10}
    shift 10
    printf '%s of %s MiB at once on %s MiB free: %s ran (%s on the host, %s MiB), %s failed (%s%s part-way, slowest in %s ms), %s client timeouts, %s MiB claims left, settled in %s ms' \
        "$n" "$mib" "$free" "$ran" "$doms" "$held" "$failed" "${*:+$*, }" "$partway" "$slowest" "$timeouts" "$claims" "$settle"
}

ours=$(run_one ours "<memoryClaim/>")
stock=$(run_one stock "")
read -r -a o <<< "$ours"
read -r -a s <<< "$stock"

echo "storm: $(describe "${o[@]}") vs stock $(describe "${s[@]}") (ratio $(ratio "${o[1]}" "${s[1]}"))"
