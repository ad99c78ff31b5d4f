# Step 3 of scenario.sh (sourced): a <memoryClaim/> domain that cannot fit
# fails in < 1 s with our error and its numbers; no claim, no domain and
# nothing built is left behind.

step_marker 3 "a domain that cannot fit"
free_before=$(xlinfo free_memory)
mark=$(log_mark)
t0=$(now_ms)
if vsh -t start big > "$work/start-big" 2>&1; then
    fail "step 3: $flavour a $BIG_MIB MiB domain started on $free_before MiB free"
    vsh destroy big > /dev/null 2>&1 || true
fi
wall_ms=$(( $(now_ms) - t0 ))
api_ms=$(virsh_ms "$work/start-big")
err=$(grep '^error:' "$work/start-big" | tail -1 | sed 's/^error: //')
# a part-way build (the stock driver's) is destroyed and scrubbed
free_after=$(xl_free_settled)
claims_x=$(xlinfo outstanding_claims)
left=$(xlnames)
state=$(vsh domstate big 2>&1 | sed -n 1p)
fig step3.error "$err"
fig step3.fail_ms "$api_ms (virsh -t), $wall_ms wall"
fig step3.xl_free_mib "$free_before -> $free_after"
fig step3.xl_claims_mib "$claims_x"
fig step3.xl_domains "$left"
built=$(log_count "$mark" 'cannot (re-)build domain')
nocreate=$(log_count "$mark" 'domain creation fail')
fig step3.libxl_log "built part-way then destroyed: $built; Xen refused to create: $nocreate; first libxc error: $(log_first_panic "$mark")"
re="^operation failed: not enough memory to start domain 'big': it needs ([0-9]+) MiB; ([0-9]+) MiB are free, of which ([0-9]+) MiB are claimed by other domains and ([0-9]+) MiB are reserved by starts in progress; dom0 could give ([0-9]+) MiB \(autoballoon is off\)$"
if [[ $err =~ $re ]]; then
    fig step3.error_numbers "needs ${BASH_REMATCH[1]}, free ${BASH_REMATCH[2]}, claimed ${BASH_REMATCH[3]}, in progress ${BASH_REMATCH[4]}, dom0 ${BASH_REMATCH[5]}"
    ok=yes
    [ "${BASH_REMATCH[1]}" -ge $BIG_MIB ] && near "${BASH_REMATCH[2]}" "$free_before" 2 &&
        [ "${BASH_REMATCH[3]}" = 0 ] && [ "${BASH_REMATCH[4]}" = 0 ] && [ "${BASH_REMATCH[5]}" = 0 ] || ok=no
    ours_check '[ $ok = yes ]' \
        "step 3: the numbers: needs ${BASH_REMATCH[1]} >= $BIG_MIB, free ${BASH_REMATCH[2]} = xl's $free_before, nothing claimed or in progress, dom0 0"
else
    ours_check 'false' \
        "step 3: our error with the numbers (got: $err)"
fi
ours_check '[ "${api_ms:-99999}" -lt 1000 ]' \
    "step 3: failed in ${api_ms:-?} ms (< 1 s)"
check '[ "$claims_x" = 0 ]' \
    "step 3: $flavour no claim left ($claims_x MiB outstanding)"
check '[ "$left" = "guest " ]' \
    "step 3: $flavour no domain left behind (xl list: $left)"
check '[ "$state" = "shut off" ]' \
    "step 3: $flavour big is defined and shut off ($state)"
ours_check '[ "$built" = 0 ] && [ "$nocreate" = 0 ]' \
    "step 3: no part of big was built (libxl logged no build: $built, no creation: $nocreate)"
ours_check 'near "$free_after" "$free_before" 2' \
    "step 3: free memory unchanged ($free_before -> $free_after MiB)"
