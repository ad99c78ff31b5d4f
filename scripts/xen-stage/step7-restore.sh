# Step 7 of scenario.sh (sourced): virsh save and restore of a
# <memoryClaim/> domain on the real hypervisor.
#  a  its memory taken meanwhile (by another toolstack: a paused domain
#     that xl creates), then virsh restore: our daemon refuses in < 1 s
#     with the numbers, before libxl is asked, on either libxl; the stock
#     daemon has libxl restore it part-way before failing;
#  b  (our daemon) the memory taken after admission, by the libxl hook
#     that runs between admission and libxl's restore: the patched libxl
#     claims first and refuses at once, nothing populated; stock libxl
#     populates part-way and fails;
#  c  a restore that fits works; with the patched libxl its claim shows
#     in xl claims while the stream runs, and is gone once it is restored.
# While each restore runs, xl claims is sampled for the restored domain
# (its pages populated so far and its claim: one xl call, which costs dom0
# about a second under TCG, so a restore is seen a few times at most).

step_marker 7 "save and restore of a <memoryClaim/> domain"
# step 6's hostile guest moves its memory as it likes; this step counts
# free memory before and after, so it goes first
if [ -n "$(xlmem hostile)" ]; then
    bounded_vsh "step 7: destroy hostile" "destroy hostile"
fi
REST_MIB=128
# the save image in dom0's /tmp (a tmpfs of its own, half of dom0's
# RAM, empty; /run holds the guests' kernel): libxc writes the guest's
# pages from their foreign mappings, which a write to the 9p share
# refuses (EFAULT)
image=/tmp/xenstage-rest-$flavour.save
rm -f "$image"
hog_cfg=$work/hog.cfg
cat > "$hog_cfg" <<CFG
name = "hog"
type = "pv"
kernel = "$img/vmlinux"
ramdisk = "$img/guest.cpio.gz"
extra = "console=hvc0 quiet xenstage.agent=0"
vcpus = 1
cpus = "1"
CFG

# hog MIB: take MIB of free memory with a paused domain of xl's own
hog() { xl create -p "$hog_cfg" "memory=$1" > "$work/hog.out" 2>&1; }
hog_gone() { xl destroy hog > /dev/null 2>&1 || true; }
# restore_sampled TAG [nosample]: virsh -t restore of the image while
# xl claims is sampled (not with nosample: where a restore fails within
# a second the sampler sees nothing and takes dom0's CPU from the
# toolstack); sets rc, api_ms, wall_ms, err, max_mem (MiB of rest seen
# populated), max_claim (MiB claimed by it) and samples.  xl claims' Mem
# is the domain's pages and its claim together.  dmark is where the
# daemon's log stood before it.
restore_sampled() {
    local tag=$1 sampling=${2:-sample} pid n=0
    dmark=$(stat -c %s "$dir/libvirtd.log" 2>/dev/null || echo 0)
    : > "$work/samples-$tag"
    rm -f "$work/restore-end"
    t0=$(now_ms)
    # its end as it happens, not when the sampler next looks
    # bounded, as bounded_vsh is: a restore failing inside libxl must not
    # hold the stage until its time limit with its logs unkept
    { timeout 300 "$virsh_bin" -k 0 -c "$uri" -t restore "$image" \
          > "$work/restore-$tag" 2>&1 && rc=0 || rc=$?
      now_ms > "$work/restore-end"; exit $rc; } &
    pid=$!
    while [ "$sampling" = sample ] && kill -0 "$pid" 2>/dev/null; do
        n=$((n + 1))
        xl claims 2>/dev/null |
            awk -v ms=$(( $(now_ms) - t0 )) '$1 == "rest" { print ms, $3 - $NF, $NF }' \
            >> "$work/samples-$tag" || true
        sleep 0.1
    done
    rc=0
    wait "$pid" || rc=$?
    if [ "$rc" = 124 ]; then
        hang_report "restore $tag"
        fail "step 7: $flavour virsh restore ($tag) did not return within 300 s"
    fi
    t1=$(cat "$work/restore-end" 2>/dev/null || now_ms)
    wall_ms=$(( t1 - t0 ))
    api_ms=$(virsh_ms "$work/restore-$tag")
    err=$(sed -n 's/^error: //p' "$work/restore-$tag" | tail -1)
    max_mem=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$work/samples-$tag")
    max_claim=$(awk '$3 > m { m = $3 } END { print m + 0 }' "$work/samples-$tag")
    samples=$n
}
# admission's verdict on rest since dmark (admit or refuse), the last one
admission_verdict() {
    tail -c +"$(( dmark + 1 ))" "$dir/libvirtd.log" 2>/dev/null |
        sed -n "s/.*libxlAdmissionBegin:[0-9]* : domain 'rest' needs [0-9]* KiB, [0-9]* KiB available: \([a-z]*\)$/\1/p" | tail -1
}
# what libxl did to build a domain since a mark: lines of its creation,
# its stream and libxc (a restore refused by admission has none)
libxl_build_lines() { log_count "$1" "libxl_create\.c\|libxl_stream_\|xc: "; }
# the first of libxc's messages (the save helper's, through libxl) since a mark
first_xc() { tail -c +"$(( $1 + 1 ))" "$libxl_log" 2>/dev/null | sed -n 's/.*xc: //p' | sed -n 1p; }
restart_daemon() {
    "$here/dom0-daemon.sh" stop "$dir"
    uri=$("$here/dom0-daemon.sh" start "$flavour" "$dir" "$snap") ||
        { fail "step 7: $flavour libvirtd did not start again"; exit 1; }
}
nomem_re="^operation failed: not enough memory to start domain 'rest': it needs ([0-9]+) MiB; ([0-9]+) MiB are free"

define rest $REST_MIB 1 0 > "$work/define-rest"
vsh "$(cat "$work/define-rest")" > /dev/null 2>&1 ||
    fail "step 7: $flavour could not define rest"
# a guest that has not finished booting cannot answer the suspend
# request of a save: wait for its init's first line on its console
console=$out/console/guest-rest.log
ups=$(grep -c "xenstage-guest: up" "$console" 2>/dev/null || true)
booted() {
    local n
    n=$(grep -c "xenstage-guest: up" "$console" 2>/dev/null || true)
    [ "${n:-0}" -gt "${ups:-0}" ]
}
if ! vsh start rest > "$work/start-rest" 2>&1; then
    fail "step 7: $flavour rest did not start: $(sed -n "s/^error: //p" "$work/start-rest")"
elif ! { for i in $(seq 1 240); do booted && break; sleep 0.5; done; booted; }; then
    fail "step 7: $flavour rest did not boot within 120 s (its console: $console)"
elif ! vsh save rest "$image" > "$work/save-rest" 2>&1; then
    fail "step 7: $flavour could not save rest: $(sed -n "s/^error: //p" "$work/save-rest")"
else
    fig step7.image_mib "$(( $(stat -c %s "$image") / 1048576 )) in dom0's tmpfs, dom0 MemAvailable $(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo) MiB"
    check '[ -z "$(xlmem rest)" ]' "step 7: $flavour rest saved and gone from the host"

    # --- a: the memory taken before the restore -----------------------------
    free0=$(xl_free_settled)
    hog $(( free0 - REST_MIB / 2 )) ||
        fail "step 7a: xl could not create the hog: $(tail -3 "$work/hog.out")"
    free_a=$(xlinfo free_memory)
    mark=$(log_mark)
    restore_sampled taken
    hog_gone
    free_after=$(xl_free_settled)
    fig step7a.restore "exit $rc in $api_ms ms (virsh -t), $wall_ms wall, $free_a MiB free; populated before failing: $max_mem MiB; error: $err"
    fig step7a.libxl_log "libxc errors: $(log_count "$mark" "xc: "), the first: $(first_xc "$mark")"
    check '[ "$rc" != 0 ]' "step 7a: $flavour refused to restore rest into $free_a MiB"
    check '[ -z "$(xlmem rest)" ] && near "$free_after" "$free0" 2' \
        "step 7a: $flavour left nothing of rest (free $free0 -> $free_after MiB)"
    numbers_ok=no
    [[ $err =~ $nomem_re ]] && [ "${BASH_REMATCH[1]}" -ge $REST_MIB ] &&
        near "${BASH_REMATCH[2]}" "$free_a" 1 && numbers_ok=yes
    verdict=$(admission_verdict)
    built=$(libxl_build_lines "$mark")
    ours_check '[ $numbers_ok = yes ]' \
        "step 7a: our error with the numbers: needs at least $REST_MIB MiB, free = xl's $free_a MiB (got: $err)"
    ours_check '[ "${api_ms:-99999}" -lt 1000 ]' "step 7a: refused in ${api_ms:-?} ms (< 1 s)"
    ours_check '[ "$verdict" = refuse ] && [ "$built" = 0 ] && [ "$max_mem" = 0 ]' \
        "step 7a: admission refused (its verdict: ${verdict:-none}) and libxl was not asked ($built lines of libxl's build or libxc; no page of rest in $samples samples)"

    # --- b: the memory taken after admission (our daemon's hook) ------------
    # The libxl hook: when $hook_flag names a size in MiB, the start of
    # rest takes that much free memory with a paused domain of xl's own,
    # after admission and before libxl restores, and says when it is done.
    # libvirt looks for hooks when it starts, and a hook runs at every
    # step of every domain (under TCG a shell costs a good part of a
    # second), so the daemon is restarted with it here and without it
    # after, not given it for the whole scenario.
    hooks=$top/build/install/etc/libvirt/hooks
    hook_flag=$work/hook-take
    hook_done=$work/hook-done
    if [ "$flavour" != stock ]; then
        mkdir -p "$hooks"
        cat > "$hooks/libxl" <<HOOK
#!/bin/sh
[ "\$1" = rest ] && [ "\$2" = start ] && [ -f "$hook_flag" ] || exit 0
mib=\$(cat "$hook_flag")
rm -f "$hook_flag"
$XS_BIN/xl create -p "$hog_cfg" "memory=\$mib" > "$work/hook.out" 2>&1 || exit 1
echo \$((\$(date +%s%N) / 1000000)) > "$hook_done"
HOOK
        chmod 755 "$hooks/libxl"
        restart_daemon
        echo $(( free0 - REST_MIB / 2 )) > "$hook_flag"
        rm -f "$hook_done"
        mark=$(log_mark)
        restore_sampled raced nosample
        hook_ms=$(cat "$hook_done" 2>/dev/null || echo)
        hog_gone
        free_after=$(xl_free_settled)
        # from the hook's return (the hog built) to virsh's
        after_hook_ms=$([ -n "$hook_ms" ] && echo $(( t1 - hook_ms )) || echo -)
        # when the daemon had the failure (its log's time of the error):
        # virsh returns later by the hook's own runs for the domain's
        # "stopped" and "release" (a shell each, under TCG)
        error_at=$(tail -c +"$(( dmark + 1 ))" "$dir/libvirtd.log" |
            sed -n "s/^\([0-9-]* [0-9:.]*\)+0000: [0-9]*: error : .*not enough memory to start domain 'rest'.*/\1/p" | sed -n 1p)
        error_ms=$([ -n "$error_at" ] && [ -n "$hook_ms" ] &&
            echo $(( $(date -u -d "$error_at" +%s%3N) - hook_ms )) || echo -)
        claim_refused=$(log_count "$mark" "domcreate_restore_claim:.*Cannot claim $(( REST_MIB * 256 )) pages.*not enough unclaimed free memory")
        streamed=$(log_count "$mark" "libxl_stream_\|xc: ")
        verdict=$(admission_verdict)
        fig step7b.restore "exit $rc; admission: ${verdict:-none}; after the hook took the memory: the daemon's error at $error_ms ms, virsh back at $after_hook_ms ms ($wall_ms wall in all); libxl refused the claim: $claim_refused; lines of its stream and libxc: $streamed; error: $err"
        fig step7b.libxl_log "libxc errors: $(log_count "$mark" "xc: "), the first: $(first_xc "$mark")"
        check '[ "$verdict" = admit ] && [ -n "$hook_ms" ]' \
            "step 7b: $flavour admission admitted rest (${verdict:-no verdict}) and the hook then took the memory"
        check '[ "$rc" != 0 ] && [[ $err =~ $nomem_re ]]' \
            "step 7b: $flavour refused rest with our error (got: $err)"
        check '[ -z "$(xlmem rest)" ] && near "$free_after" "$free0" 2' \
            "step 7b: $flavour left nothing of rest (free $free0 -> $free_after MiB)"
        if [ "$flavour" = patched ]; then
            check '[ "$claim_refused" = 1 ]' \
                "step 7b: the patched libxl refused rest's claim of $(( REST_MIB * 256 )) pages (\"not enough unclaimed free memory\" logged)"
            # the claim comes before the stream: a refused one leaves no
            # line of the stream's or of libxc's
            check '[ "$streamed" = 0 ]' \
                "step 7b: nothing of rest populated: its stream never started ($streamed lines of libxl's stream or libxc)"
            check '[ "$error_ms" != - ] && [ "$error_ms" -lt 1000 ]' \
                "step 7b: refused $error_ms ms after the memory was taken (< 1 s; virsh back at $after_hook_ms ms, after the hook's own runs)"
        else
            # Xen handing out fewer pages than a batch asked for (libxc
            # says EBUSY) is the stream found short while populating; the
            # sampler may see none of it (a populated domain lives for
            # moments under TCG)
            populate_failed=$(log_count "$mark" "xc: Failed to populate")
            check '[ "$populate_failed" -gt 0 ]' \
                "step 7b: Debian's libxl restored part-way, without a claim, before failing (libxc: $populate_failed failed populates)"
        fi
        rm -f "$hooks/libxl"
        restart_daemon
    fi

    # --- c: a restore that fits --------------------------------------------
    restore_sampled fits
    mem_rest=$(xlmem rest)
    claims_x=$(xlinfo outstanding_claims)
    fig step7c.restore "exit $rc in $api_ms ms (virsh -t), $wall_ms wall; claimed by rest while restoring: $max_claim MiB (of $samples samples); xl list $mem_rest MiB"
    check '[ "$rc" = 0 ] && near "${mem_rest:-0}" $REST_MIB 1' \
        "step 7c: $flavour restored rest with $mem_rest MiB ($err)"
    # (the claim runs down as the stream populates its pages; a claim
    # larger than the stream's pages, released at its end, is the
    # simulated host's test: tests/xensim-restore.sh)
    check '[ "$claims_x" = 0 ]' "step 7c: $flavour no claim left once restored ($claims_x MiB)"
    if [ "$flavour" = patched ]; then
        # a claim shrinks as its pages are populated
        check '[ "$max_claim" -gt 0 ] && [ "$max_claim" -le $(( REST_MIB + 1 )) ]' \
            "step 7c: rest's claim showed in xl claims while it was restored (at most $max_claim MiB of its $REST_MIB)"
    fi
fi
rm -f "$image"
vsh destroy rest > /dev/null 2>&1 || true
