# Step 5 of scenario.sh (sourced): our agent in the guest; dommemstat and
# domstats --balloon show the guest's own figures; setmem moves its balloon
# driver and the balloon-change event arrives.

step_marker 5 "our agent in the guest, setmem, events"
# the guest has been up since step 2; wait for its agent's first record
id=$(xlid guest)
rec=
for i in $(seq 1 120); do
    rec=$(xenstore-read "/local/domain/$id/data/memstats" 2>/dev/null) && break
    sleep 0.5
done
# field RECORD NAME: a field of the agent's record; stat_of FILE TAG: a
# line of virsh dommemstat
field() { tr ' ' '\n' <<< "$1" | sed -n "s/^$2=//p"; }
stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
period=$(xenstore-read "/local/domain/$id/memory/stats-period" 2>/dev/null || echo none)
vsh dommemstat guest > "$work/dommemstat" 2>&1 || true
vsh domstats --balloon guest > "$work/domstats" 2>&1 || true
rec2=$(xenstore-read "/local/domain/$id/data/memstats" 2>/dev/null || true)
mem_xl=$(xlmem guest)
guest_total=$(sed -n 's/.*xenstage-guest: MemTotal: *\([0-9]*\) kB.*/\1/p' "$out/console/guest-guest.log" 2>/dev/null | tail -1)
fig step5.agent_record "${rec:-none}"
fig step5.stats_period "$period"
fig step5.guest_console_memtotal_kib "${guest_total:-none}"
fig step5.dommemstat "$(tr '\n' ' ' < "$work/dommemstat" | tr -s ' ')"
fig step5.domstats "$(grep -v '^Domain' "$work/domstats" | sed 's/^ *//' | tr '\n' ' ' | tr -s ' ')"
ours_check '[ -n "$rec" ]' \
    "step 5: our agent in the guest writes data/memstats"
ours_check '[ "$period" = 2 ]' \
    "step 5: the driver set the guest's statistics period from the XML (memory/stats-period = $period)"
total=$(field "$rec" total); free=$(field "$rec" free); avail=$(field "$rec" avail)
free2=$(field "$rec2" free)
d_avail=$(stat_of "$work/dommemstat" available)
d_unused=$(stat_of "$work/dommemstat" unused)
d_actual=$(stat_of "$work/dommemstat" actual)
b_avail=$(sed -n 's/^ *balloon.available=//p' "$work/domstats")
b_unused=$(sed -n 's/^ *balloon.unused=//p' "$work/domstats")
b_current=$(sed -n 's/^ *balloon.current=//p' "$work/domstats")
ours_check '[ -n "$total" ] && [ "${d_avail:-x}" = "$total" ]' \
    "step 5: dommemstat available ${d_avail:-none} KiB = the guest's MemTotal ${total:-?} KiB"
ours_check '[ "${guest_total:-y}" = "${total:-x}" ]' \
    "step 5: = what the guest printed on its console (${guest_total:-none} KiB)"
ours_check '[ -n "${d_unused:-}" ] && { near "$d_unused" "${free:-0}" 2048 || near "$d_unused" "${free2:-0}" 2048; }' \
    "step 5: dommemstat unused ${d_unused:-none} KiB = the guest's MemFree ${free:-?} KiB"
ours_check '[ "${b_avail:-x}" = "${total:-y}" ]' \
    "step 5: domstats balloon.available ${b_avail:-none} = MemTotal"
ours_check '[ -n "${b_unused:-}" ] && { near "$b_unused" "${free:-0}" 2048 || near "$b_unused" "${free2:-0}" 2048; }' \
    "step 5: domstats balloon.unused ${b_unused:-none} = MemFree"
check 'near "$(( ${d_actual:-0} / 1024 ))" "${mem_xl:-0}" 1' \
    "step 5: $flavour dommemstat actual ${d_actual:-none} KiB = xl list $mem_xl MiB"
ours_check 'near "$(( ${b_current:-0} / 1024 ))" "${mem_xl:-0}" 1' \
    "step 5: domstats balloon.current ${b_current:-none} KiB = xl list"

# setmem: the event listener first (it needs a few seconds to connect
# under TCG; it says "ready" once subscribed), then the new target.  The
# guest's balloon driver moves in steps, and the driver reports each
# allocation it sees (at most one event a second), so the listener runs
# until the final allocation is reported, or its time runs out (the stock
# driver sends no such event).
target_kib=$((SETMEM_MIB * 1024))
/usr/bin/python3 "$top/scripts/balloon-events.py" "$uri" guest "$target_kib" \
    $([ "$flavour" = ours ] && echo 240 || echo 30) > "$work/event" 2>&1 &
evpid=$!
for i in $(seq 1 240); do
    grep -q '^ready$' "$work/event" && break
    kill -0 "$evpid" 2>/dev/null || break
    sleep 0.5
done
ours_check 'grep -q "^ready$" "$work/event"' \
    "step 5: a client subscribed to balloon-change events ($(grep -v '^balloon-change' "$work/event" | tail -1))"
t0=$(now_ms)
vsh setmem guest $((SETMEM_MIB * 1024)) --live > "$work/setmem" 2>&1 ||
    fail "step 5: $flavour setmem failed: $(cat "$work/setmem")"
moved_ms=
for i in $(seq 1 120); do
    m=$(xlmem guest)
    if near "${m:-0}" $SETMEM_MIB 1; then moved_ms=$(( $(now_ms) - t0 )); break; fi
    sleep 0.5
done
# bounded by the listener's own time limit
wait "$evpid" 2>/dev/null || true
ev_ms=$(( $(now_ms) - t0 ))
evs=$(sed -n 's/^balloon-change \([0-9]*\)$/\1KiB/p' "$work/event" | tr '\n' ' ')
ev_kib=$(echo $evs | awk '{ print $NF }' | tr -d KiB)
# the agent's next records and the guest's console show the new MemTotal:
# records written while the balloon moved show a part of the drop, so wait
# for one that shows all of it
drop_kib=$(( (GUEST_MIB - SETMEM_MIB - 4) * 1024 ))
total_after=
for i in $(seq 1 60); do
    total_after=$(field "$(xenstore-read "/local/domain/$id/data/memstats" 2>/dev/null)" total)
    [ -n "$total_after" ] && [ -n "$total" ] && [ $(( total - total_after )) -ge "$drop_kib" ] && break
    sleep 0.5
done
# the driver reads the new record when xenstore's watch fires: poll for it
# (the stock driver shows no guest figure, one read is enough)
for i in $(seq 1 40); do
    vsh dommemstat guest > "$work/dommemstat2" 2>&1 || true
    [ "$flavour" = ours ] || break
    [ "$(stat_of "$work/dommemstat2" available)" = "${total_after:-x}" ] && break
    sleep 0.5
done
d_avail2=$(stat_of "$work/dommemstat2" available)
d_actual2=$(stat_of "$work/dommemstat2" actual)
guest_total2=$(sed -n 's/.*xenstage-guest: MemTotal: *\([0-9]*\) kB.*/\1/p' "$out/console/guest-guest.log" 2>/dev/null | tail -1)
fig step5.setmem "$GUEST_MIB -> $SETMEM_MIB MiB: xl list $(xlmem guest) MiB after ${moved_ms:-never} ms"
fig step5.events "balloon-change: ${evs:-none }(waited $ev_ms ms from setmem)"
fig step5.after "dommemstat actual ${d_actual2:-none} available ${d_avail2:-none}; agent total ${total_after:-none}; guest console MemTotal ${guest_total2:-none} KiB"
check '[ -n "$moved_ms" ]' \
    "step 5: $flavour setmem moved the guest's balloon: xl list $(xlmem guest) MiB after ${moved_ms:-never} ms"
ours_check '[ "${ev_kib:-0}" = "$target_kib" ]' \
    "step 5: balloon-change events arrived, the last with the new allocation (${evs:-none})"
ours_check '[ -n "${total_after:-}" ] && [ "${d_avail2:-x}" = "$total_after" ] && [ "$(( total - total_after ))" -ge "$drop_kib" ]' \
    "step 5: the guest's own MemTotal fell from $total to ${total_after:-?} KiB and dommemstat shows it (${d_avail2:-none})"
