# Step 1 of scenario.sh (sourced: its variables, helpers, set -euo
# pipefail): the daemon loads its libxl driver on the real hypervisor, and
# nodeinfo, freecell and nodememstats agree with xl info.

step_marker 1 "the driver and the host figures"
t0=$(now_ms)
if ! uri=$("$here/dom0-daemon.sh" start "$flavour" "$dir" "$snap"); then
    fail "step 1: $flavour libvirtd did not start"
    exit 1
fi
if ! vsh version > "$work/version" 2>&1; then
    fail "step 1: $flavour libvirtd does not answer: $(cat "$work/version")"
    exit 1
fi
fig step1.daemon_ready_ms $(( $(now_ms) - t0 ))
hv=$(sed -n 's/^Running hypervisor: *//p' "$work/version")
fig step1.hypervisor "$hv"
check '[[ $hv == "Xen 4.17."* ]]' \
    "step 1: $flavour libvirtd runs its libxl driver on the real hypervisor ($hv)"
free_x1=$(xlinfo free_memory)
vsh nodeinfo > "$work/nodeinfo"
vsh freecell --all > "$work/freecell"
vsh nodememstats > "$work/nodememstats" 2>&1 || true
free_x2=$(xlinfo free_memory)
total_x=$(xlinfo total_memory)
cpus_x=$(xlinfo nr_cpus)
claims_x=$(xlinfo outstanding_claims)
mem_v=$(awk '/^Memory size:/ { print $3 }' "$work/nodeinfo")
cpus_v=$(awk '/^CPU\(s\):/ { print $2 }' "$work/nodeinfo")
free_v=$(awk '/^Total:/ { print $2 }' "$work/freecell")
nms_free=$(nodemem free)
nms_total=$(nodemem total)
nms_claimed=$(nodemem claimed)
fig step1.xl_total_mib "$total_x"
fig step1.xl_free_mib "$free_x1"
fig step1.xl_claims_mib "$claims_x"
fig step1.nodeinfo_mem_kib "$mem_v"
fig step1.freecell_kib "$free_v"
fig step1.nodememstats "${nms_total:-n/a} total ${nms_free:-n/a} free ${nms_claimed:-n/a} claimed (KiB)"
[ -n "$nms_total" ] || fig step1.nodememstats_error "$(grep error "$work/nodememstats" | sed -n 1p)"
check 'near "$(( mem_v / 1024 ))" "$total_x" 1' \
    "step 1: $flavour nodeinfo memory $mem_v KiB = xl info total_memory $total_x MiB"
check '[ "$cpus_v" = "$cpus_x" ]' \
    "step 1: $flavour nodeinfo CPU(s) $cpus_v = xl info nr_cpus $cpus_x"
check 'near "$(( free_v / 1024 ))" "$free_x1" 2' \
    "step 1: $flavour freecell $free_v KiB = xl info free_memory $free_x1 MiB"
ours_check 'near "$(( ${nms_free:-0} / 1024 ))" "$free_x2" 2' \
    "step 1: nodememstats free ${nms_free:-none} KiB = xl info free_memory $free_x2 MiB"
ours_check '[ "$(( ${nms_total:-0} / 1024 ))" = "$total_x" ]' \
    "step 1: nodememstats total ${nms_total:-none} KiB = xl info total_memory"
ours_check '[ "${nms_claimed:-x}" = "$(( claims_x * 1024 ))" ]' \
    "step 1: nodememstats claimed ${nms_claimed:-none} KiB = xl info outstanding_claims $claims_x MiB"
