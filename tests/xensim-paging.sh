#!/usr/bin/env bash
# Paged domains through the built virsh on a simulated host, the driver
# running xensim-pager (xenpaging's stand-in) as its pager_program:
#  - on a hypervisor without paging a start with paging='on' fails with
#    the pager's reason, and leaves nothing on the host;
#  - a paged domain below its maximum is built at its maximum and
#    ballooned to its currentMemory once its pager runs;
#  - balloon actor: setmem sets the balloon target at once; the balloon
#    being stuck, the paging target follows after the delay and the pager
#    pages the domain down; a raise pages it back in at once;
#  - manual actor: memtune --paging-target sets it, memtune shows it;
#  - the pager is restarted when it dies, re-adopted across a daemon
#    restart (with a paging target pending and applied when due), and
#    stopped with its domain.
#
# Usage: xensim-paging.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"

pager_bin=$build/tools/xensim/xensim-pager
printf 'pager_program = "%s"\n' "$pager_bin" > "$work/paging.conf"
pagedir=$work/var/lib/libvirt/libxl/paging

# hvm_domain NAME MIB CURRENT_MIB POLICY_XML
hvm_domain() {
    "$top/scripts/hvm-domain-xml.sh" "$1" "$2" "$3" "$4" > "$work/$1.xml"
    virsh define "$work/$1.xml" > /dev/null || fail "define $1"
}
# Columns: 2 ID, 4 Mem, 6 Target, 8 Paged (MiB), 10 Pager
col_is() { read_host; [ "$(host_dom "$1" "$2")" = "$3" ]; }
pager_pid() { status_xml "$1" | sed -n "s/.*<pager pid='\([0-9]*\)'.*/\1/p"; }
paging_key() { xensim xs-read "/local/domain/$(host_dom "$1" 2)/memory/target-tot_pages" 2>/dev/null; }
paging_key_is() { read_host; [ "$(paging_key "$1")" = "$2" ]; }
pid_gone() { ! kill -0 "$1" 2>/dev/null; }
new_pager() { local p; p=$(pager_pid "$1"); [ -n "$p" ] && [ "$p" != "$2" ] && kill -0 "$p" 2>/dev/null; }

# --- a hypervisor without paging ----------------------------------------
uri=$(daemon start "$work" --libxl-conf "$work/paging.conf" -- \
      --memory 4G --dom0 1G --paging off) ||
    { fail "daemon start"; finish xensim-paging; exit 1; }
hvm_domain nopaging 512 512 "<memoryPolicy actor='balloon' paging='on'/>"
if virsh start nopaging > /dev/null 2> "$work/nopaging.err"; then
    fail "a paged domain started on a hypervisor without paging"
else
    grep -q "unsupported configuration: cannot page domain 'nopaging': the pager '$pager_bin' exited (log: .*): xenpaging: paging not available on this host (ENOSYS)" "$work/nopaging.err" &&
        pass || fail "refused with: $(cat "$work/nopaging.err")"
fi
read_host
[ -z "$(host_dom nopaging 1)" ] && pass || fail "the refused start left nopaging on the host"
[ "$(host_field outstanding_claims)" = 0 ] && pass || fail "claims left: $(host_field outstanding_claims)"

daemon stop "$work" > /dev/null
rm -rf "$work/var" "$work/etc" "$work/run"

# --- a hypervisor with paging: the balloon actor ------------------------
uri=$(daemon start "$work" --libxl-conf "$work/paging.conf" -- \
      --memory 4G --dom0 1G --paging on --paging-rate 512M) ||
    { fail "daemon start with paging"; finish xensim-paging; exit 1; }
hvm_domain h 512 512 "<memoryPolicy actor='balloon' delay='2' paging='on'/>"
virsh start h > /dev/null 2> "$work/h.err" || fail "start h: $(cat "$work/h.err")"
wait_for 10 col_is h 10 on && pass || fail "h's pager is '$(host_dom h 10)', not on"
pid1=$(pager_pid h)
[ -n "$pid1" ] && kill -0 "$pid1" 2>/dev/null && pass || fail "no pager pid in h's status: $(status_xml h | grep pager)"
[ -f "$pagedir/h.paging" ] && pass || fail "no page file $pagedir/h.paging"

xensim fault balloon h 0 > /dev/null || fail "fault balloon"
virsh setmem h 384M > /dev/null || fail "setmem h 384M"
# libxl takes the HVM guest's 8 MiB of video RAM off its balloon target;
# the paging target is the domain's whole allocation, video RAM included
read_host
[ "$(host_dom h 6)" = 376 ] && pass || fail "h's balloon target is $(host_dom h 6) MiB, not 384 - 8"
# nothing for the pager during the 2 s delay (no paging target is the
# domain's whole maximum: page nothing out), then the paging target
no_paging_key() { read_host; [ "$(paging_key h)" = 524288 ] ||
    { fail "the paging target came before the delay: $(paging_key h)"; return 1; }; }
hold_for_ms 1500 no_paging_key && pass
wait_for 3 paging_key_is h 393216 && pass || fail "h's paging target is '$(paging_key h)', not 393216"
paged_to() { read_host; [ "$(host_dom "$1" 4)" = "$2" ] && [ "$(host_dom "$1" 8)" = "$3" ]; }
wait_for 15 paged_to h 384 128 && pass || fail "h was not paged down to 384 MiB: $(host_dom h 4) MiB, $(host_dom h 8) paged"
status_xml h | grep -q "paging='393216'" && pass || fail "the status XML has no paging target: $(status_xml h | grep memoryActor)"

virsh setmem h 512M > /dev/null || fail "setmem h 512M"
wait_for 1 paging_key_is h 524288 && pass || fail "a raise left the paging target at '$(paging_key h)' for a second"
wait_for 15 col_is h 8 0 && pass || fail "h was not paged back in: $(host_dom h 8) MiB paged"

# --- the pager dies: restarted ------------------------------------------
kill -TERM "$pid1"
wait_for 10 pid_gone "$pid1" && pass || fail "the pager did not stop on SIGTERM"
wait_for 15 new_pager h "$pid1" && pass || fail "the pager was not restarted: $(status_xml h | grep pager)"
wait_for 10 col_is h 10 on && pass || fail "the new pager is '$(host_dom h 10)'"
pid2=$(pager_pid h)

# --- a pager killed outright: its ring stays, as on a real host, and no
# new pager may take it: restarts back off and the domain runs on ----------
hvm_domain k 256 256 "<memoryPolicy actor='balloon' paging='on'/>"
virsh start k > /dev/null || fail "start k"
wait_for 10 col_is k 10 on || fail "k's pager did not attach"
kill -KILL "$(pager_pid k)"
restarts_at_least() { local r; r=$(status_xml k | sed -n "s/.*<pager .*restarts='\([0-9]*\)'.*/\1/p"); [ "${r:-0}" -ge "$1" ]; }
wait_for 20 restarts_at_least 2 && pass || fail "no restarts of k's pager: $(status_xml k | grep pager)"
grep -q "xenpaging is (or was) active on this domain (EBUSY)" "$work/var/log/libvirt/libxl/k-pager.log" &&
    pass || fail "k's pager log: $(tail -3 "$work/var/log/libvirt/libxl/k-pager.log")"
grep -q "pager [0-9]* of domain k died: restarting it in 2000 ms" "$work/log/libvirtd.log" &&
    pass || fail "no back-off in the daemon's log: $(grep 'of domain k' "$work/log/libvirtd.log" | tail -3)"
[ "$(virsh domstate k)" = running ] && pass || fail "k is $(virsh domstate k)"

# --- a daemon restart with a paging target pending -----------------------
hvm_domain slow 512 512 "<memoryPolicy actor='balloon' delay='6' paging='on'/>"
virsh start slow > /dev/null || fail "start slow"
wait_for 10 col_is slow 10 on || fail "slow's pager did not attach"
xensim fault balloon slow 0 > /dev/null || fail "fault balloon slow"
virsh setmem slow 256M > /dev/null || fail "setmem slow"
due_in_status() { status_xml slow | grep -q "due='"; }
wait_for 5 due_in_status && pass || fail "no due time in slow's status: $(status_xml slow | grep memoryActor)"
due=$(status_xml slow | sed -n "s/.*due='\([0-9]*\)'.*/\1/p")
spid=$(pager_pid slow)
daemon stop "$work" --keep-host > /dev/null
kill -0 "$spid" 2>/dev/null && pass || fail "the pager died with the daemon"
uri=$(daemon start "$work" --libxl-conf "$work/paging.conf") || fail "daemon restart"
[ "$(virsh domstate slow)" = running ] && pass || fail "slow is not running after the restart"
grep -q "adopted pager $spid of domain slow" "$work/log/libvirtd.log" && pass ||
    fail "the restarted daemon did not adopt pager $spid: $(grep 'of domain slow' "$work/log/libvirtd.log" | tail -2)"
# the target is still pending: not written before it is due, then written
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
if [ "$(now_ms)" -lt $(( due - 500 )) ]; then
    read_host
    [ "$(paging_key slow)" = 524288 ] && pass || fail "slow's paging target came before it was due: $(paging_key slow)"
fi
wait_for 15 paging_key_is slow 262144 && pass || fail "the pending paging target was lost: '$(paging_key slow)'"
[ "$(now_ms)" -ge "$due" ] && pass || fail "slow's paging target came before $due"
wait_for 15 paged_to slow 256 256 && pass || fail "slow was not paged down: $(host_dom slow 4) MiB, $(host_dom slow 8) paged"
# the adopted pager is supervised: stopped, it is replaced
kill -TERM "$spid"
wait_for 15 new_pager slow "$spid" && pass || fail "the adopted pager was not replaced: $(status_xml slow | grep pager)"

# --- a paged domain below its maximum: built at its maximum (below it, it
# would populate on demand, which xenpaging refuses), then ballooned to
# its currentMemory once its pager runs; and after a setmem, a restart
# of the domain is the same ----------------------------------------------
hvm_domain pod 512 256 "<memoryPolicy actor='balloon' paging='on'/>"
virsh start pod > /dev/null 2> "$work/pod.err" || fail "start pod: $(cat "$work/pod.err")"
wait_for 10 col_is pod 10 on && pass || fail "pod's pager is '$(host_dom pod 10)'"
wait_for 15 col_is pod 4 256 && pass || fail "pod is at $(host_dom pod 4) MiB, not its currentMemory 256"
virsh destroy pod > /dev/null || fail "destroy pod"
virsh start pod > /dev/null 2> "$work/pod.err" || fail "restart pod: $(cat "$work/pod.err")"
wait_for 15 col_is pod 4 256 && pass || fail "restarted, pod is at $(host_dom pod 4) MiB"

# --- manual: the admin's paging target ----------------------------------
hvm_domain m 512 512 "<memoryPolicy actor='manual' paging='on'/>"
virsh start m > /dev/null || fail "start m"
virsh memtune m --paging-target 320M > /dev/null 2> "$work/m.err" || fail "memtune m: $(cat "$work/m.err")"
wait_for 10 paging_key_is m 327680 && pass || fail "m's paging target is '$(paging_key m)'"
out=$(virsh memtune m)
grep -Eq '^paging_target +: 327680$' <<< "$out" && pass || fail "memtune m shows: $out"
# 0 is no paging target: the pager pages everything back in
virsh memtune m --paging-target 0 > /dev/null || fail "memtune m 0"
wait_for 5 paging_key_is m 524288 && pass || fail "m's paging target 0 wrote '$(paging_key m)'"
out=$(virsh memtune m --config)
grep -Eq '^paging_target +: 0$' <<< "$out" && pass || fail "memtune m --config shows: $out"
if out=$(virsh memtune h --paging-target 100M 2>&1); then
    fail "the balloon actor's paging target was set by hand"
else
    grep -q "only actor 'manual' takes it from the admin" <<< "$out" && pass || fail "memtune h: $out"
fi
if out=$(virsh memtune m --paging-target 1G 2>&1); then
    fail "a paging target above the maximum was accepted"
else
    grep -q "paging target 1048576 KiB of domain 'm' is above its maximum memory 524288 KiB" <<< "$out" &&
        pass || fail "memtune m 1G: $out"
fi

# --- the pager goes with its domain -------------------------------------
virsh destroy h > /dev/null || fail "destroy h"
grep -q "stopping pager $pid2 of domain h" "$work/log/libvirtd.log" && pass ||
    fail "the driver did not stop h's pager $pid2: $(grep 'of domain h$' "$work/log/libvirtd.log" | tail -2)"
wait_for 10 pid_gone "$pid2" && pass || fail "h's pager $pid2 outlived it"
wait_for 10 test ! -e "$pagedir/h.paging" && pass || fail "h's page file was left"

finish xensim-paging
