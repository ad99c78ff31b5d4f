#!/usr/bin/env bash
# hostile: what one guest writing statistics records as fast as the host
# takes them (well-formed lies: far more memory than it has, changing at
# every write) does to the others, with every domain under the auto
# actor.  Against the same host without it, in the same run: how long the
# other guests' records take to reach memoryStats() (median and worst of
# PROBES writes), the daemon's CPU (its utime + stime over the phase), and
# the others' memory targets, which must not move; the writer's own must
# stay within its ceiling.
#
# Sizes: HOSTILE_GUESTS (20), HOSTILE_SECONDS (10), HOSTILE_PROBES (20),
# HOSTILE_MODE (lies; or garbage, oversized); BENCH_SMALL=1: 4 guests,
# 3 s, 5 probes.
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

if bench_small; then
    n=${HOSTILE_GUESTS:-4} seconds=${HOSTILE_SECONDS:-3} probes=${HOSTILE_PROBES:-5}
else
    n=${HOSTILE_GUESTS:-20} seconds=${HOSTILE_SECONDS:-10} probes=${HOSTILE_PROBES:-20}
fi
mode=${HOSTILE_MODE:-lies}
mib=256
auto="<memoryPolicy actor='auto'/>"

bench_start ours "" -- --memory 8G --dom0 1G
for i in $(seq 1 "$n"); do
    bench_domain "q$i" "$mib" "$auto"
    bvirsh start "q$i" > /dev/null
done
bench_domain writer "$mib" "$auto"
bvirsh start writer > /dev/null
writer_id=$(bvirsh domid writer)
pid=$(cat "$dir/libvirtd.pid")

# every quiet guest says it uses 100 MiB, the auto actor's need being
# that and a quarter; wait until the actor has brought them all there
for i in $(seq 1 "$n"); do
    id=$(bvirsh domid "q$i")
    bxensim xs-write "/local/domain/$id/data/memstats" \
        "1 total=250000 free=100000 avail=150000 caches=1000 committed=102400" "$id"
done

# the Target column (MiB) of every quiet guest, one "NAME MIB" a line
targets() {
    bxensim info | awk 'table && $1 ~ /^q[0-9]+$/ { print $1, $6 } $1 == "Name" { table = 1 }' | sort
}
settled=0
for _ in $(seq 1 300); do
    if [ "$(targets | awk -v m="$mib" '$2 < m' | wc -l)" -eq "$n" ]; then
        settled=1
        break
    fi
    sleep 0.1
done
[ "$settled" = 1 ] || bench_die "the auto actor never brought the quiet guests below $mib MiB"
# ... and holds them there (the deadband): two reads a second apart agree
before=$(targets)
sleep 1
[ "$(targets)" = "$before" ] || before=$(targets)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
probe() {
    /usr/bin/python3 "$top/bench/stats-latency.py" "$uri" "$build/tools/xensim/xensim" \
        "$dir/xensim.sock" q1 "$probes"
}

# phase: SECONDS of the wall clock, the probes inside; "P50 MAX CPU%"
phase() {
    local t0 c0 t1 c1 lat rest
    t0=$(now_ms); c0=$(cpu_ticks)
    lat=$(probe)
    rest=$(( seconds * 1000 - ($(now_ms) - t0) ))
    [ "$rest" -gt 0 ] && sleep "$(awk -v r="$rest" 'BEGIN { printf "%.3f", r / 1000 }')"
    t1=$(now_ms); c1=$(cpu_ticks)
    echo "$lat $(awk -v c=$(( c1 - c0 )) -v hz="$(getconf CLK_TCK)" -v ms=$(( t1 - t0 )) \
                 'BEGIN { printf "%.0f", c / hz * 100000 / ms }')"
}

base=$(phase) || bench_die "the phase without the hostile guest failed"
read -r b_p50 b_max b_cpu <<< "$base"

"$build/hostile-guest" "$dir/xensim.sock" "$writer_id" "$mode" "$seconds" > "$bench_work/writer" &
writer=$!
flood=$(phase) || bench_die "the phase with the hostile guest failed"
read -r f_p50 f_max f_cpu <<< "$flood"
wait "$writer" || bench_die "the hostile guest failed"
read -r writes refused < "$bench_work/writer"
after=$(targets)

unchanged=$(join <(echo "$before") <(echo "$after") | awk '$2 == $3' | wc -l)
writer_target=$(bxensim info | awk 'table && $1 == "writer" { print $6 } $1 == "Name" { table = 1 }')
bench_stop

echo "hostile: others' records seen in ${f_p50} ms (worst ${f_max} ms), daemon CPU ${f_cpu}% with one guest writing $(( writes / seconds )) records/s ($mode, ${refused} refused) vs ${b_p50} ms (worst ${b_max} ms), CPU ${b_cpu}% without (ratio $(ratio "$b_p50" "$f_p50")); ${unchanged} of ${n} other guests' targets unchanged, the writer's ${writer_target} MiB of a ${mib} MiB ceiling"
