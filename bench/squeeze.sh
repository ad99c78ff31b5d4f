#!/usr/bin/env bash
# squeeze: a <memoryClaim/> start that needs X MiB more than is free,
# which idle auto domains hold above their floors: the time from
# `virsh start` until it returns with the domain running, against the
# physical limit, the time the same domains' balloons take to free X MiB
# when asked directly (their memory/target written in xenstore, as dom0
# would), measured in the same run on a fresh host set up the same way,
# after ours, for the gap admission saw (X to libxl's 2 MiB rounding).
#
# The host: dom0 not ballooned (autoballoon = 0), builds populated at
# 64 GiB/s (the build is not what is measured: a 2 GiB domain fills in
# about 30 ms), balloon drivers at 512 MiB/s each (xensim's default,
# stated).  The idle guests: 4 of 2048 MiB, each using 1600 MiB (a
# constant trace, so their agents report it every second), floor
# (<min_guarantee>) 1600 MiB, so each sits at its need, 2000 MiB, and
# holds 400 MiB above its floor; the grace period is off (auto_grace = 0):
# the guests report from their first second.  The new domain is sized so
# that it needs at most X = 1024 MiB more than is free: 256 MiB from each
# balloon, in parallel (the actor lowers them in proportion to what they
# hold above their floors, equal here), so the limit is 0.5 s.
#
# Sizes: SQUEEZE_GUESTS (4), SQUEEZE_X_MIB (1024); BENCH_SMALL=1
# defaults to 2 guests and 256 MiB.
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

if bench_small; then
    guests=${SQUEEZE_GUESTS:-2} x=${SQUEEZE_X_MIB:-256}
else
    guests=${SQUEEZE_GUESTS:-4} x=${SQUEEZE_X_MIB:-1024}
fi
used=1600 max=2048 need=2000 rate=512
# room for the guests at their needs, dom0's 1 GiB, Xen's share and a
# free GiB and a half
memory=$(( (guests * need + 1024 + 1536) * 129 / 128 + 8 ))
host=(--memory "${memory}M" --dom0 1G --populate-rate 64G --balloon-rate "${rate}M")
balloon="<devices><memballoon model='xen'><stats period='1'/></memballoon></devices>"
guest_xml="<currentMemory unit='MiB'>$need</currentMemory>$balloon"
auto_xml="$guest_xml<memoryPolicy actor='auto'/><memtune><min_guarantee unit='MiB'>$used</min_guarantee></memtune>"
echo "0 $used" > "$bench_work/idle.trace"

# guests_at MIB: every guest's allocation and target are MIB
guests_at() {
    local out
    out=$(bxensim info) || bench_die "cannot read the simulated host (xensim info)"
    awk -v n="$guests" -v m="$1" '
        table && $1 ~ /^idle/ && $4 == m && $6 == m { ok++ }
        $1 == "Name" { table = 1 }
        END { exit ok != n }' <<< "$out"
}
wait_until() {     # SECONDS CMD...: poll CMD every 10 ms
    local deadline=$(( $(now_ms) + $1 * 1000 ))
    shift
    until "$@"; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.01
    done
}

# host_with_guests FLAVOUR XML: a fresh host, the idle guests running
# at their needs; sets $free (MiB free then)
host_with_guests() {
    local i
    bench_start "$1" "autoballoon = 0
auto_grace = 0" -- "${host[@]}"
    for i in $(seq 1 "$guests"); do
        bxensim preset "idle$i" --workload "$bench_work/idle.trace" > /dev/null
        bench_domain "idle$i" "$max" "$2"
        bvirsh start "idle$i" > /dev/null || bench_die "$1: idle$i did not start"
    done
    wait_until 30 guests_at "$need" || bench_die "$1: the guests are not at $need MiB: $(bxensim info)"
    # every guest's record has reached the daemon, and (ours) the actor
    # has counted them all in a cycle since
    wait_until 30 records_in || bench_die "$1: the guests' statistics did not reach the daemon"
    if [ "$1" = auto ]; then
        local mark
        mark=$(stat -c %s "$dir/log/libvirtd.log")
        wait_until 30 cycle_after "$mark" || bench_die "no actor cycle counted the $guests guests"
    fi
    free=$(bench_host free_memory)
}
records_in() {
    local i
    for i in $(seq 1 "$guests"); do
        bvirsh dommemstat "idle$i" | grep -q '^usable ' || return 1
    done
}
cycle_after() {     # OFFSET: an actor cycle over the guests logged after it
    tail -c +$(( $1 + 1 )) "$dir/log/libvirtd.log" |
        grep -q "memory actor cycle: $((guests + 1)) domains, $guests auto,"
}

# --- ours: the claim start that needs it ------------------------------------
host_with_guests auto "$auto_xml"
# the largest domain whose need is at most free + X
size=$(( free + x ))
while [ "$(bench_need_mib "$size" "$size")" -gt $(( free + x )) ]; do size=$((size - 1)); done
"$top/scripts/pv-domain-xml.sh" big "$size" 1 "<memoryClaim/>" > "$bench_work/big.xml"
bvirsh define "$bench_work/big.xml" > /dev/null
log=$dir/log/libvirtd.log
mark=$(stat -c %s "$log")
t0=$(now_ms)
bvirsh start big > /dev/null 2> "$bench_work/big.err" ||
    bench_die "big did not start: $(cat "$bench_work/big.err")"
ours_ms=$(( $(now_ms) - t0 ))
[ "$(bench_domain_mib big)" = "$size" ] || bench_die "big holds $(bench_domain_mib big) MiB, not $size"
# what admission saw: the start's need and the memory it could count on
read -r need_kib avail_kib < <(tail -c +$((mark + 1)) "$log" |
    sed -n "s/.*domain 'big' needs \([0-9]*\) KiB, \([0-9]*\) KiB available: balloon$/\1 \2/p" | head -1)
[ -n "${need_kib:-}" ] || bench_die "the start of big did not wait for the guests (no 'balloon' verdict in the log)"
gap=$(( (need_kib - avail_kib + 1023) / 1024 ))
bench_stop

# --- the limit: the guests' balloons asked directly ------------------------
host_with_guests direct "$guest_xml"
# the same gap, from each guest its share
give=$(( (gap + guests - 1) / guests ))
want=$(( free + gap ))
freed_enough() { [ "$(bench_host free_memory)" -ge "$want" ]; }
domids=()
for i in $(seq 1 "$guests"); do domids+=("$(bvirsh domid "idle$i")"); done
t0=$(now_ms)
for id in "${domids[@]}"; do
    bxensim xs-write "/local/domain/$id/memory/target" $(( (need - give) * 1024 )) > /dev/null &
done
wait
wait_until 30 freed_enough || bench_die "the balloons did not free $gap MiB"
limit_ms=$(( $(now_ms) - t0 ))
bench_stop

seconds() { awk -v ms="$1" 'BEGIN { printf "%.2f\n", ms / 1000 }'; }
echo "squeeze: $gap MiB from $guests idle auto domains, started in $(seconds "$ours_ms") s vs $(seconds "$limit_ms") s for their balloons to free $((give * guests)) MiB when asked directly (ratio $(ratio "$ours_ms" "$limit_ms"))"
