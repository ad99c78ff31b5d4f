# Step 6 of scenario.sh (sourced; our daemon only, the stock driver reads
# no guest statistics): a hostile guest.  Its init runs
# bench/hostile-guest-xen.c: statistics records oversized, malformed and
# lying (it says it uses all it has and suggests 2^40 KiB), each phase as
# fast as xenstored takes them, and a balloon that ignores the host's
# targets.  Measured against the same probes without it: how long the
# quiet guest's records take to reach a client, and the daemon's CPU
# (dom0 has one vCPU, which xenstored and the writes share).  The quiet
# guest's target must not move; the liar, under the auto actor, is raised
# to its ceiling (setmem) and no further, and its balloon follows neither
# that raise nor a lower target.

step_marker 6 "a hostile guest"
# The bounds the checks hold the figures to (docs/real-xen.md and
# docs/threat-model.md give them with the measured figures)
HOSTILE_PHASE_S=2           # per phase: oversized, garbage, lies, round
                            # after round until dom0 says stop
HOSTILE_MIB=256             # started with half of it (the guests' kernel
                            # alone takes 58 MiB to build)
HOSTILE_CEILING_MIB=192     # setmem of the auto actor: the most it may give
HOSTILE_LOW_MIB=64          # then a target below what the guest holds
HOSTILE_PROBES=5
HOSTILE_P50_MAX_MS=1000     # the quiet guest's median with the flood
HOSTILE_CPU_EXTRA_MAX=20    # what the flood adds to the daemon's CPU over
                            # the same probes, points of dom0's vCPU
HOSTILE_RAISE_S=30          # the liar raised to its ceiling within

daemon_pid=$(cat "$dir/libvirtd.pid")
xenstored_pid=$(cat /run/xenstored.pid)
hostile_log=$out/console/guest-hostile.log
gid=$(xlid guest)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
xs_target() { xenstore-read "/local/domain/$1/memory/target" 2>/dev/null || echo none; }
# pct TICKS MS: CPU ticks over MS of wall clock, in % of one CPU
pct() { awk -v c="$1" -v hz="$(getconf CLK_TCK)" -v ms="$2" 'BEGIN { printf "%.0f", c / hz * 100000 / ms }'; }

# probes: the quiet guest's latency, and the daemon's and xenstored's CPU
# over them; prints "P50_MS MAX_MS DAEMON% XENSTORED% MS"
probes() {
    local t0 c0 x0 lat t1
    t0=$(now_ms); c0=$(cpu_ticks "$daemon_pid"); x0=$(cpu_ticks "$xenstored_pid")
    lat=$(/usr/bin/python3 "$here/stats-latency.py" "$uri" guest "$HOSTILE_PROBES" 2) || return 1
    t1=$(now_ms)
    echo "$lat $(pct $(( $(cpu_ticks "$daemon_pid") - c0 )) $(( t1 - t0 ))) $(pct $(( $(cpu_ticks "$xenstored_pid") - x0 )) $(( t1 - t0 ))) $(( t1 - t0 ))"
}
# wait_console PATTERN SECONDS: the hostile guest's console shows PATTERN
wait_console() {
    local i
    for i in $(seq 1 $(( $2 * 2 ))); do
        grep -q "$1" "$hostile_log" 2>/dev/null && return 0
        sleep 0.5
    done
    return 1
}

# xs_target_wait DOMID KIB SECONDS: memory/target is KIB within SECONDS;
# the highest value seen meanwhile in $target_max
xs_target_wait() {
    local i t
    target_max=0
    for i in $(seq 1 $(( $3 * 2 ))); do
        t=$(xs_target "$1")
        [ "$t" != none ] && [ "$t" -gt "$target_max" ] && target_max=$t
        [ "$t" = "$2" ] && return 0
        sleep 0.5
    done
    return 1
}

target_max=0
target_before=$(xs_target "$gid")
mem_before=$(xlmem guest)
base=$(probes) || fail "step 6: the probes without the hostile guest failed"
read -r b_p50 b_max b_cpu b_xs b_ms <<< "${base:-- - - - -}"

# the liar starts with half its memory and the auto actor's ceiling at
# three quarters: its lies ask the actor for everything
"$here/domain-xml.sh" hostile $HOSTILE_MIB 0 0 "$img" $HOSTILE_PHASE_S > "$work/hostile.xml"
vsh "define $work/hostile.xml; start hostile; setmem hostile $((HOSTILE_CEILING_MIB * 1024)) --live" \
    > "$work/hostile-start" 2>&1 ||
    fail "step 6: the hostile guest did not start: $(grep -v '^$' "$work/hostile-start" | tr '\n' ' ')"
hid=$(xlid hostile)
t_start=$(now_ms)
# a guest that is not there has no flood to wait for
wait_console 'xenstage-hostile: flood starts' $([ -n "$hid" ] && echo 60 || echo 1) ||
    fail "step 6: the hostile guest's flood never started (console: $(tail -2 "$hostile_log" 2>/dev/null || echo none))"
flood=$(probes) || fail "step 6: the probes with the hostile guest writing failed"
read -r f_p50 f_max f_cpu f_xs f_ms <<< "${flood:-- - - - -}"
# the probes must have run inside the flood, not after it; then dom0
# tells the guest to stop (it may write its own data/, dom0 anything)
grep -q 'xenstage-hostile: flood ends' "$hostile_log" && inside=no || inside=yes
[ -n "$hid" ] && xenstore-write "/local/domain/$hid/data/hostile-stop" 1
wait_console 'xenstage-hostile: flood ends' $([ -n "$hid" ] && echo 60 || echo 1) ||
    fail "step 6: the hostile guest's flood never ended"
# "MODE N writes R refused in MS ms" per phase, as writes a second by
# mode, and the modes written
touch "$hostile_log"
rates=$(sed -n 's/.*xenstage-hostile: \([a-z]*\) \([0-9]*\) writes \([0-9]*\) refused in \([0-9]*\) ms.*/\1 \2 \3 \4/p' "$hostile_log" |
    awk '{ w[$1] += $2; r[$1] += $3; ms[$1] += $4 }
         END { for (m in w) if (ms[m] > 0) printf "%s %d/s (%d refused, %d s) ", m, w[m] * 1000 / ms[m], r[m], ms[m] / 1000 }')
nmodes=$(sed -n 's/.*xenstage-hostile: \([a-z]*\) [0-9]* writes.*/\1/p' "$hostile_log" | sort -u | wc -l)

# the lies raise the liar's target to its ceiling, and no further
ceiling_kib=$((HOSTILE_CEILING_MIB * 1024))
raised_ms=
[ -n "$hid" ] && xs_target_wait "$hid" "$ceiling_kib" $HOSTILE_RAISE_S && raised_ms=$(( $(now_ms) - t_start ))
raise_max=$target_max
h_mem_raised=$(xlmem hostile)
# then a target below what it holds: it keeps what it has
low_kib=$((HOSTILE_LOW_MIB * 1024))
vsh setmem hostile $low_kib --live > "$work/hostile-setmem" 2>&1 ||
    fail "step 6: setmem of the hostile guest failed: $(cat "$work/hostile-setmem")"
low_ok=no
[ -n "$hid" ] && xs_target_wait "$hid" "$low_kib" 10 && low_ok=yes
h_mem_low=$(xlmem hostile)
h_ignored=$(grep -c 'xenstage-hostile: target .* ignored' "$hostile_log" || true)
vsh dommemstat hostile > "$work/hostile-dommemstat" 2>&1 || true
h_avail=$(awk '$1 == "available" { print $2 }' "$work/hostile-dommemstat")
target_after=$(xs_target "$gid")
mem_after=$(xlmem guest)

fig step6.writes "$rates"
fig step6.quiet_latency_ms "median $b_p50, worst $b_max without; median $f_p50, worst $f_max with the hostile guest writing ($HOSTILE_PROBES probes each)"
fig step6.daemon_cpu "$b_cpu% without, $f_cpu% with (of dom0's one vCPU; xenstored $b_xs% and $f_xs%; over $b_ms and $f_ms ms)"
fig step6.quiet_target "memory/target $target_before -> $target_after KiB, xl list $mem_before -> $mem_after MiB"
fig step6.liar "ceiling $HOSTILE_CEILING_MIB MiB: target raised to ${raise_max} KiB after ${raised_ms:-never} ms from its start (xl list $h_mem_raised MiB); target $HOSTILE_LOW_MIB MiB: xl list $h_mem_low MiB; targets the guest undid: $h_ignored; dommemstat available ${h_avail:-none} KiB"

check '[ "$nmodes" = 3 ]' \
    "step 6: the hostile guest wrote its three floods: $rates"
check '[ "$inside" = yes ]' \
    "step 6: the probes ran while it wrote"
check '[ "$f_p50" != - ] && [ "$f_p50" -le $HOSTILE_P50_MAX_MS ]' \
    "step 6: the quiet guest's records still reach a client: median $f_p50 ms (<= $HOSTILE_P50_MAX_MS), worst $f_max ms (without: $b_p50, $b_max ms)"
check '[ "$f_cpu" != - ] && [ "$b_cpu" != - ] && [ $(( f_cpu - b_cpu )) -le $HOSTILE_CPU_EXTRA_MAX ]' \
    "step 6: the daemon's CPU with the flood: $f_cpu% of dom0's vCPU against $b_cpu% without (at most $HOSTILE_CPU_EXTRA_MAX points more)"
check '[ "$target_before" = "$target_after" ] && [ "$mem_before" = "$mem_after" ]' \
    "step 6: the quiet guest's target did not move ($target_after KiB, $mem_after MiB)"
check '[ -n "$raised_ms" ] && [ "$raise_max" -le "$ceiling_kib" ]' \
    "step 6: the liar's need raised it to its ceiling and no further (memory/target at most $raise_max KiB, ceiling $ceiling_kib, after ${raised_ms:-never} ms)"
check '[ "$h_ignored" -ge 1 ] && [ "${h_mem_raised:-0}" -le $(( HOSTILE_MIB / 2 + 8 )) ]' \
    "step 6: its balloon ignored the raise (xl list $h_mem_raised MiB; the guest undid $h_ignored targets)"
check '[ "$low_ok" = yes ] && [ "${h_mem_low:-0}" -ge $(( HOSTILE_LOW_MIB + 16 )) ]' \
    "step 6: and the lower target: $h_mem_low MiB held against $HOSTILE_LOW_MIB"
check '[ -n "$h_avail" ] && [ "$h_avail" -le $((HOSTILE_MIB * 1024)) ]' \
    "step 6: the liar's figures stay within its domain (dommemstat available ${h_avail:-none} KiB <= $((HOSTILE_MIB * 1024)))"
