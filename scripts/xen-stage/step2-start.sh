# Step 2 of scenario.sh (sourced): a <memoryClaim/> guest starts, the one
# that runs our agent for step 5; its accounting matches xl list and xl
# info, and no claim is left once it is built.

step_marker 2 "a <memoryClaim/> domain starts"
# every domain of the scenario defined at once: one virsh, not twelve
{ define guest $GUEST_MIB 1 1; define big $BIG_MIB 1 0
  for i in $(seq 1 $STORM_N); do define "storm$i" $STORM_MIB 1 0; done
} > "$work/defines"
vsh "$(tr '\n' ';' < "$work/defines")" > "$work/define.out" 2>&1 ||
    fail "step 2: $flavour could not define the domains: $(grep error "$work/define.out" | sed -n 1,3p)"
free_before=$(xlinfo free_memory)
t0=$(now_ms)
if vsh -t start guest > "$work/start-guest" 2>&1; then
    start_ms=$(( $(now_ms) - t0 ))
    mem_xl=$(xlmem guest)
    used_v=$(vsh dominfo guest | awk '/^Used memory:/ { print $3 }')
    free_after=$(xlinfo free_memory)
    claims_x=$(xlinfo outstanding_claims)
    free_v=$(vsh freecell --all | awk '/^Total:/ { print $2 }')
    fig step2.start_ms "$(virsh_ms "$work/start-guest") (virsh -t), $start_ms wall"
    fig step2.xl_list_mem_mib "$mem_xl"
    fig step2.dominfo_used_kib "$used_v"
    fig step2.xl_free_mib "$free_before -> $free_after"
    fig step2.freecell_kib "$free_v"
    fig step2.xl_claims_mib "$claims_x"
    check 'near "${mem_xl:-0}" $GUEST_MIB 1' \
        "step 2: $flavour guest runs with $mem_xl MiB in xl list"
    check 'near "$(( ${used_v:-0} / 1024 ))" "${mem_xl:-0}" 1' \
        "step 2: $flavour dominfo used memory $used_v KiB = xl list $mem_xl MiB"
    check 'near "$(( free_before - free_after ))" "${mem_xl:-0}" 4' \
        "step 2: $flavour free memory fell by $(( free_before - free_after )) MiB, the guest's $mem_xl MiB"
    check 'near "$(( free_v / 1024 ))" "$free_after" 2' \
        "step 2: $flavour freecell $free_v KiB = xl info free_memory $free_after MiB"
    check '[ "$claims_x" = 0 ]' \
        "step 2: $flavour no claim outstanding once built ($claims_x MiB)"
else
    fail "step 2: $flavour guest did not start: $(grep error "$work/start-guest")"
fi
