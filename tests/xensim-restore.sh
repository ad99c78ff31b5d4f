#!/usr/bin/env bash
# virsh save and restore of claim domains through our daemon on a
# simulated host, with the libxl it was built against:
#  - stock libxl (Debian's headers; the build's driver and preload): a
#    restore goes through admission like a start, so one that does not
#    fit in free memory net of claims is refused with the numbers before
#    libxl is asked; memory taken by others between admission and the
#    restore (dom0 growing, raised by the libxl hook that runs in between)
#    is found only part-way through populating: libxl never claims for a
#    restore;
#  - patched libxl (--patched DIR: the driver module and the preload that
#    scripts/libxl-patched.sh built against xen-patches/; run by the test
#    xen-patches): the same race fails at once, libxl's claim refused and
#    nothing populated, with the same error; a restore that fits is made
#    under its claim; free memory comes from
#    libxl_get_unclaimed_free_memory(), a paged domain's balloon target
#    from libxl_domain_set_balloon_target() and the manual actor's paging
#    target from libxl_domain_set_paging_target().
# Both: a domain that is not paged gets its balloon targets with enforce
# (maxmem following), so that it grows past the target it was built at;
# the save and restore round trip, and nothing left behind by a
# refused restore; virsh freecell is free memory net of a claim held
# while it asks; the host default (claim_mode = 1 in libxl.conf) admits a
# restore as <memoryClaim/> does (and, patched, claims for it).  That the
# stock build does not call the new functions is tests/xen-patches.sh's
# check of its imports.
#
# Usage: xensim-restore.sh SOURCE_ROOT BUILD_DIR [--patched DIR]
set -uo pipefail

top=$1
build=$2
mode=stock
if [ "${3:-}" = --patched ]; then
    mode=patched
    patched=${4:?--patched needs the directory scripts/libxl-patched.sh made}
    export XENSIM_PRELOAD=$patched/libxensim-preload.so
    export XENSIM_DRIVER_DIR=$patched/driver
fi
name=xensim-restore-$mode
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"

stop() { fail "$*"; finish "$name"; exit 1; }
mem_is() { read_host; [ "$(host_dom "$1" 4)" = "$2" ]; }
dom0_at() { read_host; [ "$(host_dom Domain-0 4)" = "$1" ]; }
gone() { read_host; [ -z "$(host_dom "$1" 2)" ]; }

# The libxl hook runs after admission and before libxl restores: when
# $work/grow names a size in MiB, it has dom0 grow to it (memory taken
# outside the driver, as another toolstack or an admin's mem-set would)
# and returns once dom0 holds it, then forgets the request.
mkdir -p "$work/etc/hooks"
cat > "$work/etc/hooks/libxl" <<HOOK
#!/bin/sh
[ "\$1" = victim ] && [ "\$2" = start ] && [ -f "$work/grow" ] || exit 0
mib=\$(cat "$work/grow")
rm -f "$work/grow"
"$build/tools/xensim/xensim" --socket "$work/xensim.sock" \\
    xs-write /local/domain/0/memory/target \$((mib * 1024)) > /dev/null || exit 1
i=0
while [ \$i -lt 200 ]; do
    "$build/tools/xensim/xensim" --socket "$work/xensim.sock" info |
        awk -v m="\$mib" '\$1 == "Domain-0" && \$4 == m { ok = 1 } END { exit !ok }' && exit 0
    i=\$((i + 1))
    sleep 0.1
done
exit 1
HOOK
chmod +x "$work/etc/hooks/libxl"
printf 'autoballoon = 0\npager_program = "%s"\n' "$build/tools/xensim/xensim-pager" \
    > "$work/libxl.conf"

# dom0 may hold up to 3 GiB: it starts there and gives 2 GiB back, which
# the test has it take again (at 2 GiB/s) to leave too little free
uri=$(daemon start "$work" --libxl-conf "$work/libxl.conf" -- \
      --memory 4G --dom0 3G --dom0-min 512M --balloon-rate 2G --paging on) ||
    stop "daemon start"
stderr=$work/log/libvirtd.stderr
xensim xs-write /local/domain/0/memory/target $((1024 * 1024)) > /dev/null ||
    stop "lowering dom0's target"
wait_for 30 dom0_at 1024 && pass || stop "dom0 did not go down to 1 GiB: $host_out"

claim_domain victim 1536
virsh start victim > /dev/null || stop "start victim"
wait_for 20 mem_is victim 1536 && pass || fail "victim does not hold 1536 MiB: $host_out"

# --- the round trip ---------------------------------------------------------
virsh save victim "$work/victim.save" > /dev/null || stop "save victim"
wait_for 20 gone victim && pass || fail "victim still on the host after its save: $host_out"
virsh restore "$work/victim.save" > /dev/null 2> "$work/restore1.err" &&
    pass || fail "restore of victim: $(cat "$work/restore1.err")"
wait_for 20 mem_is victim 1536 && pass || fail "restored victim does not hold 1536 MiB: $host_out"
if [ "$mode" = patched ]; then
    grep -q "restored [0-9]* pages under its claim" "$stderr" && pass ||
        fail "the patched libxl restored victim without a claim"
else
    grep -q "restored [0-9]* pages$" "$stderr" && pass ||
        fail "stock libxl's restore of victim: no restore in the preload's log"
    grep -q "under its claim" "$stderr" &&
        fail "stock libxl claimed for a restore" || pass
fi
virsh save victim "$work/victim.save" > /dev/null || stop "save victim again"
wait_for 20 gone victim && pass || fail "victim still on the host after its second save"

# --- admission: a restore that does not fit is refused before libxl ---------
# dom0 grows to 3 GiB first: 1 GiB left for victim's 1.5 GiB
xensim xs-write /local/domain/0/memory/target $((3072 * 1024)) > /dev/null ||
    fail "raising dom0's target"
wait_for 30 dom0_at 3072 && pass || fail "dom0 did not grow to 3 GiB: $host_out"
lines=$(wc -l < "$stderr")
if virsh restore "$work/victim.save" > /dev/null 2> "$work/restore2.err"; then
    fail "victim was restored into 1 GiB"
else
    grep -q "not enough memory to start domain 'victim': it needs" "$work/restore2.err" &&
        pass || fail "the refused restore's error: $(cat "$work/restore2.err")"
fi
tail -n +"$((lines + 1))" "$stderr" > "$work/refused.log"
grep -q "libxl_domain_create_restore\|pages populated\|could not claim" "$work/refused.log" &&
    fail "libxl was asked to restore a domain admission refused: $(cat "$work/refused.log")" ||
    pass
read_host
gone victim && pass || fail "the refused restore left victim on the host: $host_out"

# --- the race: dom0 takes the memory after admission ------------------------
xensim xs-write /local/domain/0/memory/target $((1024 * 1024)) > /dev/null ||
    fail "lowering dom0's target"
wait_for 30 dom0_at 1024 && pass || fail "dom0 did not go back to 1 GiB: $host_out"
echo 3072 > "$work/grow"
lines=$(wc -l < "$stderr")
start_ms=$(( $(date +%s%N) / 1000000 ))
if virsh restore "$work/victim.save" > /dev/null 2> "$work/restore3.err"; then
    fail "victim was restored although dom0 took its memory after admission"
else
    grep -q "not enough memory to start domain 'victim': it needs" "$work/restore3.err" &&
        pass || fail "the raced restore's error: $(cat "$work/restore3.err")"
fi
took_ms=$(( $(date +%s%N) / 1000000 - start_ms ))
[ ! -f "$work/grow" ] && pass || fail "the hook did not run between admission and the restore"
tail -n +"$((lines + 1))" "$stderr" > "$work/raced.log"
populated=$(sed -n 's/.*failed to allocate memory: \([0-9]*\) of [0-9]* pages populated.*/\1/p' \
            "$work/raced.log" | tail -1)
if [ "$mode" = patched ]; then
    grep -q "not enough unclaimed free memory to restore" "$work/raced.log" && pass ||
        fail "the patched libxl did not refuse victim's claim: $(cat "$work/raced.log")"
    [ -z "$populated" ] && pass ||
        fail "the patched libxl populated $populated pages of victim before failing"
else
    [ -n "$populated" ] && [ "$populated" -gt 0 ] && pass ||
        fail "stock libxl's restore did not populate part-way: $(cat "$work/raced.log")"
fi
echo "restore with dom0 grown after admission: refused in $took_ms ms" \
     "(${populated:-0} pages populated first, $mode libxl)"
wait_for 20 gone victim && pass || fail "the raced restore left victim on the host: $host_out"

# --- free memory ------------------------------------------------------------
# with a claim outstanding, so that a figure that ignores claims differs:
# dom0, at 1 GiB of its 3, is claimed up to 1.5 GiB from the tool (as a
# toolstack would before growing it)
xensim xs-write /local/domain/0/memory/target $((1024 * 1024)) > /dev/null ||
    fail "lowering dom0's target again"
wait_for 30 dom0_at 1024 && pass || fail "dom0 did not go back to 1 GiB"
xensim claim 0 1536M > /dev/null || fail "claiming for dom0"
lines=$(wc -l < "$stderr")
freecell=$(virsh freecell | awk '{ print $2 }')
read_host
free_kib=$(( $(host_field free_pages) * 4 ))
claimed_kib=$(( $(host_field outstanding_claims) * 1024 ))
[ "$claimed_kib" = $((512 * 1024)) ] && pass ||
    fail "the host has $claimed_kib KiB claimed, not dom0's 512 MiB: $host_out"
[ "$freecell" = $(( free_kib - claimed_kib )) ] && [ "$freecell" != "$free_kib" ] && pass ||
    fail "virsh freecell says $freecell KiB; the host has $free_kib KiB free, $claimed_kib KiB of it claimed: $host_out"
tail -n +"$((lines + 1))" "$stderr" > "$work/free.log"
if [ "$mode" = patched ]; then
    grep -q "libxl_get_unclaimed_free_memory: $freecell KiB" "$work/free.log" && pass ||
        fail "freecell's figure did not come from libxl_get_unclaimed_free_memory"
fi
xensim claim 0 0 > /dev/null || fail "cancelling dom0's claim"
read_host
[ "$(host_field outstanding_claims)" = 0 ] && pass || fail "dom0's claim was not cancelled: $host_out"

# --- the balloon actor's target ---------------------------------------------
# Not paged: with enforce on both builds, so that maxmem follows the target
# (libxl builds it at the target): down to 512 MiB, then up past the
# 768 MiB it was started with, to its maximum
"$top/scripts/pv-domain-xml.sh" floaty 1024 1 "<memoryPolicy actor='balloon' delay='2'/>" \
    > "$work/floaty.xml"
sed -i "s|<memory unit='MiB'>1024</memory>|&<currentMemory unit='MiB'>768</currentMemory>|" "$work/floaty.xml"
virsh define "$work/floaty.xml" > /dev/null || fail "define floaty"
virsh start floaty > /dev/null || fail "start floaty"
lines=$(wc -l < "$stderr")
virsh setmem floaty 512M > /dev/null || fail "setmem floaty"
target_is() { read_host; [ "$(host_dom floaty 6)" = "$1" ]; }
wait_for 20 target_is 512 && pass || fail "floaty's balloon target is not 512 MiB: $host_out"
virsh setmem floaty 1024M > /dev/null || fail "setmem floaty up"
wait_for 20 target_is 1024 && pass || fail "floaty's balloon target is not 1024 MiB: $host_out"
allocation_is() { read_host; [ "$(host_dom floaty 4)" = "$1" ]; }
wait_for 20 allocation_is 1024 && pass ||
    fail "floaty did not grow past its start to 1024 MiB: $host_out"
tail -n +"$((lines + 1))" "$stderr" > "$work/setmem.log"
if [ "$mode" = patched ]; then
    # not paged: with enforce, not the new call (the stock preload has
    # no such call to make)
    if grep -q libxl_domain_set_balloon_target "$work/setmem.log"; then
        fail "floaty, not paged, got a target without enforce (libxl_domain_set_balloon_target)"
    else
        pass
    fi
fi

# --- the manual actor's paging target ---------------------------------------
"$top/scripts/hvm-domain-xml.sh" paged 512 512 "<memoryPolicy actor='manual' paging='on'/>" \
    > "$work/paged.xml"
virsh define "$work/paged.xml" > /dev/null || fail "define paged"
virsh start paged > /dev/null 2> "$work/paged.err" || fail "start paged: $(cat "$work/paged.err")"
lines=$(wc -l < "$stderr")
virsh memtune paged --paging-target 320M > /dev/null 2> "$work/memtune.err" ||
    fail "memtune paged: $(cat "$work/memtune.err")"
paging_key_is() {
    read_host
    [ "$(xensim xs-read "/local/domain/$(host_dom paged 2)/memory/target-tot_pages" 2>/dev/null)" = 327680 ]
}
wait_for 20 paging_key_is && pass || fail "paged's paging target is not 327680 KiB"
virsh setmem paged 384M > /dev/null 2> "$work/setmem-paged.err" ||
    fail "setmem paged: $(cat "$work/setmem-paged.err")"
# the guest's target: the 384 MiB less the 8 MiB of video RAM the device
# model holds
paged_target_is() { read_host; [ "$(host_dom paged 6)" = 376 ]; }
wait_for 20 paged_target_is && pass || fail "paged's balloon target is not 384 MiB: $host_out"
tail -n +"$((lines + 1))" "$stderr" > "$work/paging.log"
if [ "$mode" = patched ]; then
    grep -q "libxl_domain_set_paging_target: domain [0-9]* 327680 KiB: 0" "$work/paging.log" &&
        pass || fail "paged's paging target was not set with libxl_domain_set_paging_target"
    # paged: the target alone, maxmem staying at the maximum for xenpaging
    grep -q "libxl_domain_set_balloon_target: domain [0-9]* 393216 KiB: 0" "$work/paging.log" &&
        pass || fail "paged's balloon target was not set with libxl_domain_set_balloon_target"
fi

# --- the host default: claim_mode = 1 in libxl.conf -------------------------
daemon stop "$work" --keep-host > /dev/null 2>&1 || fail "daemon stop"
echo "claim_mode = 1" >> "$work/libxl.conf"
uri=$(daemon start "$work" --libxl-conf "$work/libxl.conf") || stop "daemon restart"
"$top/scripts/pv-domain-xml.sh" plain 512 > "$work/plain.xml"
virsh define "$work/plain.xml" > /dev/null || fail "define plain"
virsh start plain > /dev/null || fail "start plain"
virsh save plain "$work/plain.save" > /dev/null || fail "save plain"
wait_for 20 gone plain && pass || fail "plain still on the host after its save"
log=$work/log/libvirtd.log
log_lines=$(wc -l < "$log")
virsh restore "$work/plain.save" > /dev/null 2> "$work/plain.err" &&
    pass || fail "restore of plain: $(cat "$work/plain.err")"
read_host
id=$(host_dom plain 2)
# the host default makes the driver admit the restore as it would a
# <memoryClaim/> domain's (autoballooning is off: nothing else would):
# libxlAdmissionBegin's debug line, logged for the restore
tail -n +"$((log_lines + 1))" "$log" |
    grep -q "domain 'plain' needs [0-9]* KiB, [0-9]* KiB available: admit" && pass ||
    fail "plain's restore (claim_mode = 1 in libxl.conf) did not go through admission"
if [ "$mode" = patched ]; then
    grep -q "domain $id: restored [0-9]* pages under its claim" "$stderr" && pass ||
        fail "plain (claim_mode = 1 in libxl.conf) was restored without a claim"
else
    grep -q "domain $id: restored [0-9]* pages$" "$stderr" && pass ||
        fail "plain's restore is not in the preload's log"
fi

finish "$name"
