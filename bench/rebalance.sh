#!/usr/bin/env bash
# rebalance: the time of one host-wide decision of the auto memory
# policy (libxlMemoryPolicyAutoDecide) over 1000 domains on a host under
# pressure, against our own implementation of XAPI squeezed's
# proportional algorithm as the design notes describe it, on the same
# inputs in the same run (build/rebalance-bench, bench/rebalance.c).
# Each figure is the median of many runs, alternating the two.
#
# Then, on a further line, one full cycle of the actor in our daemon on a
# simulated host running 1000 auto domains: reading the host and the
# guests' statistics, the decision, and writing the targets that changed
# (xenstore, and each changed domain's status file), as the daemon logs it
# ("memory actor cycle: N domains, M auto, U us"): the median of the
# cycles once every guest has reported, with the daemon's state on tmpfs
# as under a Xen host's /run.  The guests run bench/traces/light.trace
# (56-80 MiB used), each from its own point of the trace's minute (guest
# i from (i - 1) / N of it), in PV domains of 256 MiB started with 96 MiB,
# with the actor's defaults (floor 25 % of the maximum, 64 MiB; reserve
# 72 MiB) but no grace period (the simulated guests report from their
# first second: the cycles measured are the steady state, not the end of
# the grace periods), and the agent's default statistics period (10 s):
# in each cycle the actor raises the guests whose statistics show a burst
# and lowers those past one.  The domains are started one after the other
# for at most 120 s; the line says how many ran.
#
# Sizes: REBALANCE_DOMAINS (1000), REBALANCE_RUNS (2001; BENCH_SMALL=1
# defaults to 201 runs), REBALANCE_CYCLE_DOMAINS (1000; small 100),
# REBALANCE_CYCLES (20; small 5), REBALANCE_START_SECONDS (120).
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

domains=${REBALANCE_DOMAINS:-1000}
if bench_small; then
    runs=${REBALANCE_RUNS:-201}
    cycle_domains=${REBALANCE_CYCLE_DOMAINS:-100} cycles=${REBALANCE_CYCLES:-5}
else
    runs=${REBALANCE_RUNS:-2001}
    cycle_domains=${REBALANCE_CYCLE_DOMAINS:-1000} cycles=${REBALANCE_CYCLES:-20}
fi
start_seconds=${REBALANCE_START_SECONDS:-120}

[ -x "$build/rebalance-bench" ] || bench_die "no $build/rebalance-bench: build first"
"$build/rebalance-bench" "$domains" "$runs" || bench_die "rebalance-bench failed"

# --- one full actor cycle on a simulated host ------------------------------
max_mib=256 start_mib=96
# The daemon's state directory is where each changed domain's status is
# saved: on a Xen host it is under /run, a tmpfs; here on tmpfs too
# (/dev/shm), since a disk's file system makes the cycle its own
# benchmark (ext4 here spends milliseconds creating each new status file).
shm=
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
    shm=$(mktemp -d /dev/shm/overcommit-bench.XXXXXX)
    trap 'bench_cleanup; rm -rf "$shm"' EXIT
    ln -s "$shm" "$bench_work/actor"
else
    echo "rebalance: no tmpfs at /dev/shm: the daemon's state goes to $bench_work" >&2
fi
# room for every guest at its ceiling, dom0's 2 GiB and Xen's share;
# builds populated at 64 GiB/s (the starts are not what is measured)
memory=$(( (cycle_domains * max_mib + 2048 + 1024) * 129 / 128 ))
bench_start actor "auto_grace = 0" -- --memory "${memory}M" --dom0 2G --populate-rate 64G
client() { /usr/bin/python3 "$top/bench/actor-client.py" "$uri" "$@"; }
bench_light_trace $((start_seconds + 60 + cycles * 2)) "$bench_work/light.trace" "$cycle_domains"
for i in $(seq 1 "$cycle_domains"); do
    bxensim preset "actor$i" --workload "$bench_work/light.trace.$i" > /dev/null
done
read -r started start_s < <(client start "$cycle_domains" "$max_mib" "$start_mib" "$start_seconds") ||
    bench_die "the domains did not start"
[ "${started:-0}" -gt 0 ] || bench_die "no domain started"
# every guest's record has reached the daemon (the agents write every
# 10 s, from their start)
for i in $(seq 1 300); do
    [ "$(client records)" -ge "$started" ] && break
    sleep 0.1
done
[ "$(client records)" -ge "$started" ] || bench_die "the guests' statistics did not reach the daemon"
# the next cycles over all of them, and the targets each wrote
log=$dir/log/libvirtd.log
mark=$(stat -c %s "$log")
cycle_lines() {
    tail -c +$((mark + 1)) "$log" | awk -v n="$started" '
        /: auto target [0-9]+ -> [0-9]+ KiB/ { w++ }
        / memory actor cycle: [0-9]+ domains, [0-9]+ auto, [0-9]+ us$/ {
            if (seen && $(NF - 3) == n) print $(NF - 1), w + 0
            seen = 1; w = 0 }'
}
for i in $(seq 1 $(( (cycles + 30) * 10 ))); do
    [ "$(cycle_lines | wc -l)" -ge "$cycles" ] && break
    sleep 0.1
done
cycle_lines | head -n "$cycles" > "$bench_work/cycles"
[ "$(wc -l < "$bench_work/cycles")" = "$cycles" ] ||
    bench_die "the actor logged $(wc -l < "$bench_work/cycles") of $cycles cycles over the $started domains"
bench_stop
sort -n -k1,1 "$bench_work/cycles" | awk -v n="$started" -v want="$cycle_domains" \
        -v s="$start_s" -v limit="$start_seconds" '
    { us[NR] = $1; w[NR] = $2; total += $2 }
    END {
        m = (NR % 2) ? us[(NR + 1) / 2] : (us[NR / 2] + us[NR / 2 + 1]) / 2
        printf "rebalance: actor cycle: %d auto domains on a simulated host (%s), %.1f ms (median of %d cycles), %d targets written in them; %d started in %s s\n",
            n, n == want ? "all started" : "as many as started in " limit " s, of " want,
            m / 1000, NR, total, n, s }'
