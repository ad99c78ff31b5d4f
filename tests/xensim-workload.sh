#!/usr/bin/env bash
# Guests' workloads on a simulated Xen host under our libvirt daemon: a
# trace loaded with `xensim workload` makes the guest's agent write its
# statistics to xenstore as xenmemstatd does, which `xensim xs-read` and
# the driver (virsh dommemstat) show, at the period the driver sets; a
# guest that lies reports its lie; a stuck balloon leaves the guest below
# its need and swapping, a growing demand ends in an OOM kill, and
# `xensim workload-stats` accounts for both; a partly stuck balloon stops
# at its floor; a preset gives a guest a stuck balloon and a workload
# from its start.
#
# Usage: xensim-workload.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"

. "$top/tests/xensimhost.sh"

# stats_line NAME: NAME's line of `xensim workload-stats`, in stats_out;
# a host that cannot say fails the test and ends it.  Call it in the
# test's own shell.
stats_line() {
    if ! stats_out=$(xensim workload-stats "$1" 2>&1); then
        fail "xensim workload-stats $1 failed: $stats_out"
        finish "xensim-workload"
        exit 1
    fi
}
# stat KEY: KEY's value in the line read
stat() { tr ' ' '\n' <<< "$stats_out" | sed -n "s/^$1=//p"; }
# trace_past NAME SECONDS: has NAME's trace run that long?
trace_past() { stats_line "$1"; awk -v t="$(stat t)" -v s="$2" 'BEGIN { exit !(t >= s) }'; }
record() { xensim xs-read "/local/domain/$id/data/memstats"; }
# record_field KEY: KEY's value in the guest's last record
record_field() { record | tr ' ' '\n' | sed -n "s/^$1=//p"; }

uri=$(daemon start "$work" -- --memory 4G --dom0 1G)
"$top/scripts/pv-domain-xml.sh" g1 1024 > "$work/g1.xml"
virsh define "$work/g1.xml" > /dev/null || fail "define g1"
virsh start g1 > /dev/null || fail "start g1"
read_host
id=$(host_dom g1 2)
ram_kib=$(( $(host_dom g1 4) * 1024 ))

# --- statistics records --------------------------------------------------
cat > "$work/liar.trace" <<'TRACE'
# the guest uses 256 MiB and says 128
0   256  128
10  256  128
TRACE
xensim workload g1 "$work/liar.trace" || fail "load a trace"
has_record() { record > /dev/null 2>&1; }
wait_for 10 has_record && pass || fail "no statistics record for g1"
rec=$(record)
[[ $rec =~ ^1\ t=[0-9]+\ total=$ram_kib\ free=$((ram_kib - 131072))\ avail=$((ram_kib - 131072))\ swapin=0\ swapout=0$ ]] &&
    pass || fail "g1's record: '$rec'"
[ "$(xensim xs-read "/local/domain/$id/data/meminfo_total")" = "$ram_kib" ] &&
    [ "$(xensim xs-read "/local/domain/$id/data/meminfo_free")" = $((ram_kib - 131072)) ] &&
    pass || fail "g1's old-style keys"
# written as the guest: the guest reads it, another guest may not
xensim xs-read "/local/domain/$id/data/memstats" "$id" > /dev/null && pass ||
    fail "g1 cannot read its own record"
"$top/scripts/pv-domain-xml.sh" peer 128 > "$work/peer.xml"
virsh define "$work/peer.xml" > /dev/null && virsh start peer > /dev/null || fail "start peer"
read_host
peer=$(host_dom peer 2)
if out=$(xensim xs-read "/local/domain/$id/data/memstats" "$peer" 2>&1); then
    fail "another guest (peer, $peer) reads g1's record: $out"
else
    grep -qi "permission denied\|EACCES" <<< "$out" && pass || fail "peer's read of g1's record failed otherwise: $out"
fi
virsh destroy peer > /dev/null || fail "destroy peer"
# the driver reads it through the same key and parser as in production
driver_sees() {
    virsh dommemstat g1 > "$work/dommemstat" &&
        grep -qx "unused $((ram_kib - 131072))" "$work/dommemstat" &&
        grep -qx "available $ram_kib" "$work/dommemstat"
}
wait_for 10 driver_sees && pass ||
    fail "the driver's view of g1's record: $(tr '\n' ' ' < "$work/dommemstat")"
stats_line g1
[ "$(stat trace)" = on ] && [ "$(stat used_kib)" = 262144 ] && [ "$(stat reported_kib)" = 131072 ] &&
    [ "$(stat records)" -ge 1 ] && pass || fail "g1's workload: $stats_out"

# the period the driver sets in memory/stats-period: a record a second
virsh dommemstat g1 --period 1 --live > /dev/null || fail "set g1's period"
[ "$(xensim xs-read "/local/domain/$id/memory/stats-period")" = 1 ] && pass ||
    fail "the driver did not write memory/stats-period"
stats_line g1
n0=$(stat records)
three_more() { stats_line g1; [ "$(stat records)" -ge $((n0 + 3)) ]; }
wait_for 10 three_more && pass || fail "g1 did not write a record a second: $stats_out"
# period 0 stops the agent: two seconds of the guest's clock, no record
virsh dommemstat g1 --period 0 --live > /dev/null || fail "stop g1's records"
stats_line g1
n0=$(stat records)
t0=$(stat t)
wait_for 10 trace_past g1 "$(awk -v t="$t0" 'BEGIN { print t + 2 }')" || fail "g1's trace stopped"
[ "$(stat records)" = "$n0" ] && pass || fail "g1 wrote records at period 0: $stats_out"
virsh dommemstat g1 --period 10 --live > /dev/null || fail "restore g1's period"

# --- below need, swap, OOM -------------------------------------------------
# The balloon is stuck at 1 GiB; the guest needs 1.25 GiB and swaps 256 MiB
xensim fault balloon g1 0 || fail "stick g1's balloon"
printf '0 1280\n' > "$work/need.trace"
xensim workload g1 "$work/need.trace" --swap 512M || fail "load the need trace"
wait_for 10 trace_past g1 2 || fail "the need trace did not run"
# 256 MiB below need for t seconds: the two figures of one line agree
awk -v b="$(stat below_need_mib_s)" -v t="$(stat t)" 'BEGIN { exit !(b > 256 * t - 3 && b < 256 * t + 3) }' &&
    [ "$(stat swapped_kib)" = 262144 ] && [ "$(stat peak_swapped_kib)" = 262144 ] &&
    [ "$(stat swapout_kib)" = 262144 ] && [ "$(stat oom_kills)" = 0 ] && pass ||
    fail "g1 below its need: $stats_out"
rec=$(record)
[ "$(record_field swapout)" = 262144 ] && pass || fail "g1's record does not show its swap-out: '$rec'"

# a demand growing past RAM and swap (1.5 GiB) is killed once, then grows
# from what the killer left
printf '0 1280\n3 2048\n' > "$work/oom.trace"
xensim workload g1 "$work/oom.trace" --swap 512M || fail "load the OOM trace"
killed() { stats_line g1; [ "$(stat oom_kills)" -ge 1 ]; }
wait_for 10 killed && pass || fail "g1 was never OOM-killed: $stats_out"
[ "$(stat oom_kills)" = 1 ] && [ "$(stat used_kib)" -le $((ram_kib + 524288)) ] &&
    [ "$(stat peak_swapped_kib)" -gt $((500 * 1024)) ] && [ "$(stat peak_swapped_kib)" -le 524288 ] &&
    pass || fail "g1 after its OOM kill: $stats_out"

# --stop ends the trace and the records; the demand stays
xensim workload g1 --stop || fail "stop g1's workload"
stats_line g1
[ "$(stat trace)" = off ] && pass || fail "g1's trace did not stop: $stats_out"

# --- a partly stuck balloon ----------------------------------------------
xensim set-used g1 256M || fail "set-used g1"
xensim fault balloon g1 512M --floor 768M || fail "give g1's balloon a floor"
virsh setmem g1 $((512 * 1024)) --live > /dev/null || fail "setmem g1"
at_floor() { read_host; [ "$(host_dom g1 4)" = 768 ]; }
wait_for 10 at_floor && pass || fail "g1's balloon did not reach its floor: $host_out"
# 1 s of the guest's clock would take the balloon 512 MiB further
xensim workload g1 "$work/liar.trace" || fail "reload a trace"
wait_for 10 trace_past g1 1 || fail "the trace did not run"
read_host
[ "$(host_dom g1 4)" = 768 ] && [ "$(host_dom g1 6)" -lt 768 ] && pass ||
    fail "g1's balloon went below its floor: $host_out"

# --- presets: a guest's figures from its start ----------------------------
xensim preset g2 --balloon-rate 0 --workload "$work/liar.trace" --swap 128M ||
    fail "preset g2"
"$top/scripts/pv-domain-xml.sh" g2 512 > "$work/g2.xml"
virsh define "$work/g2.xml" > /dev/null || fail "define g2"
virsh start g2 > /dev/null || fail "start g2"
read_host
id2=$(host_dom g2 2)
stats_line g2
[ "$(stat trace)" = on ] && [ "$(stat swap_kib)" = 131072 ] && [ "$(stat used_kib)" = 262144 ] &&
    pass || fail "g2 did not start with its preset's workload: $stats_out"
g2_record() { xensim xs-read "/local/domain/$id2/data/memstats" > /dev/null 2>&1; }
wait_for 10 g2_record && pass || fail "no statistics record for g2"
stats_line g2
t_set=$(stat t)
virsh setmem g2 $((256 * 1024)) --live > /dev/null || fail "setmem g2"
# a whole second after the setmem: a balloon at the host's default rate
# would have moved by then
wait_for 10 trace_past g2 "$(awk -v t="$t_set" 'BEGIN { print t + 1.5 }')" || fail "g2's trace did not run"
read_host
[ "$(host_dom g2 4)" = 512 ] && [ "$(host_dom g2 6)" = 256 ] && pass ||
    fail "g2's balloon moved: $host_out"
# cleared, the next g2 starts as any guest
xensim preset g2 --clear || fail "clear g2's preset"
virsh destroy g2 > /dev/null || fail "destroy g2"
virsh start g2 > /dev/null || fail "restart g2"
stats_line g2
[ "$(stat trace)" = off ] && pass || fail "the new g2 has a workload: $stats_out"
virsh setmem g2 $((256 * 1024)) --live > /dev/null || fail "setmem the new g2"
g2_ballooned() { read_host; [ "$(host_dom g2 4)" = 256 ]; }
wait_for 10 g2_ballooned && pass || fail "the new g2's balloon did not move: $host_out"

finish "xensim-workload"
