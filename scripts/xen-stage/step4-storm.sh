# Step 4 of scenario.sh (sourced): a storm, more claim domains started at
# once than the host has room for: exactly those that fit start, the rest
# fail fast, nothing is half-built.

step_marker 4 "a storm of starts"
names=()
for i in $(seq 1 $STORM_N); do names+=("storm$i"); done
free_before=$(xlinfo free_memory)
mark=$(log_mark)
t0=$(now_ms)
/usr/bin/python3 "$top/bench/storm-client.py" $([ "$STORM_PAUSED" = 1 ] && echo --paused) "$uri" "${names[@]}" \
    > "$work/storm.out" 2> "$work/storm.err" ||
    fail "step 4: $flavour storm client failed: $(tail -2 "$work/storm.err")"
settle_ms=$(( $(now_ms) - t0 ))
free_after=$(xl_free_settled)
t0=$(now_ms)
xl list > "$work/xl-list-storm"
claims_x=$(xlinfo outstanding_claims)
ran=$(storm_count "$work/storm.out" OK)
failed=$(storm_count "$work/storm.out" FAIL)
ok_names=$(awk '$2 == "OK" { print $1 }' "$work/storm.out" | sort | tr '\n' ' ')
slowest_fail=$(storm_slowest "$work/storm.out" FAIL)
slowest_ok=$(storm_slowest "$work/storm.out" OK)
partway=$(log_count "$mark" 'cannot (re-)build domain')
nocreate=$(log_count "$mark" 'domain creation fail')
ours_msgs=$(grep -c "FAIL [0-9]* operation failed: not enough memory to start domain 'storm" "$work/storm.out" || true)
need=$(sed -n 's/.*not enough memory to start domain .storm[0-9]*.: it needs \([0-9]*\) MiB.*/\1/p' "$work/storm.out" | sed -n 1p)
left=$(xlnames "$work/xl-list-storm")
# started: running, or paused as asked
running=$(vsh list $([ "$STORM_PAUSED" = 1 ] && echo --state-paused || echo --state-running) --name 2>/dev/null |
    grep -c '^storm' || true)
# Xen hands out domain ids in sequence: a start that created a domain and
# failed spends one, so the ids of the storm's domains show it too
guest_id=$(xlid guest "$work/xl-list-storm")
ids=$(for n in $ok_names; do xlid "$n" "$work/xl-list-storm"; done | sort -n | tr '\n' ' ')
first_id=${ids%% *}
last_id=$(echo $ids | awk '{ print $NF }')
spent=$(( ${last_id:-0} - ${first_id:-0} + 1 - ran ))
bad_mem=$(for n in $ok_names; do [ "$(xlmem "$n" "$work/xl-list-storm")" = $STORM_MIB ] || echo "$n"; done | tr '\n' ' ')
checks_ms=$(( $(now_ms) - t0 ))
fig step4.storm "$STORM_N x $STORM_MIB MiB at once$([ "$STORM_PAUSED" = 1 ] && echo ", started paused") on $free_before MiB free"
fig step4.ran "$ran"
fig step4.failed "$failed: $partway built part-way then destroyed, $nocreate refused by Xen at domain creation (libxl's log)"
fig step4.slowest_failure_ms "$slowest_fail"
fig step4.slowest_start_ms "$slowest_ok"
fig step4.settled_ms "$settle_ms"
fig step4.errors "$(storm_errors "$work/storm.out")"
fig step4.domids "guest $guest_id, storm domains $ids"
fig step4.xl_free_mib "$free_before -> $free_after"
fig step4.xl_claims_mib "$claims_x"
fig step4.xl_domains "$left"
check '[ $((ran + failed)) = $STORM_N ]' \
    "step 4: $flavour every storm start returned ($ran ran, $failed failed)"
check '[ "$ran" -ge 1 ]' \
    "step 4: $flavour some storm domains were started"
ours_check '[ "$failed" -ge 1 ]' \
    "step 4: the storm asked for more than the host has ($failed refused)"
ours_check '[ "$ours_msgs" = "$failed" ]' \
    "step 4: every refusal is ours, with the numbers ($ours_msgs of $failed)"
ours_check '[ -n "$need" ] && true' \
    "step 4: each storm domain needs ${need:-?} MiB"
if [ -n "$need" ]; then
    ours_check '[ "$free_after" -lt "$need" ]' \
        "step 4: exactly those that fit were started: $free_after MiB left is less than one more needs ($need)"
    ours_check '[ $((ran * need)) -le "$free_before" ]' \
        "step 4: no over-commit: $ran x $need MiB <= $free_before MiB"
fi
ours_check '[ "$slowest_fail" -lt 5000 ]' \
    "step 4: refusals are fast (slowest $slowest_fail ms; slowest successful start $slowest_ok ms)"
ours_check '[ "$partway" = 0 ] && [ "$nocreate" = 0 ]' \
    "step 4: nothing half-built: no refused domain was created (libxl logged $partway part-way builds, $nocreate failed creations)"
ours_check '[ "$spent" = 0 ] && [ "${first_id:-0}" = $((guest_id + 1)) ]' \
    "step 4: the storm domains' ids follow the guest's without a gap: big spent none (guest $guest_id, storm $ids)"
check '[ "$claims_x" = 0 ]' \
    "step 4: $flavour no claim left ($claims_x MiB outstanding)"
expected=$(echo guest $ok_names | tr ' ' '\n' | sort | tr '\n' ' ')
check '[ "$left" = "$expected" ]' \
    "step 4: $flavour the host runs exactly the guest and the started storm domains"
check '[ "$running" = "$ran" ]' \
    "step 4: $flavour libvirt lists $running storm domains $([ "$STORM_PAUSED" = 1 ] && echo paused || echo running)"
check '[ -z "$bad_mem" ]' \
    "step 4: $flavour every storm domain has its $STORM_MIB MiB (${bad_mem:-all})"
t0=$(now_ms)
bounded_vsh "step 4: destroying the storm" "$(for n in $ok_names; do printf 'destroy %s;' "$n"; done)"
fig step4.after_storm "checks took $checks_ms ms, destroying the $ran storm domains $(( $(now_ms) - t0 )) ms"
