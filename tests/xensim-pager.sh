#!/usr/bin/env bash
# xensim-pager, xenpaging's stand-in, on a simulated Xen host started
# with --paging off and then on, its HVM guests built by our libvirt
# daemon: without paging in the hypervisor the pager is refused and
# memory/target-tot_pages pages nothing; with it, the pager is refused
# for a PV guest and for a guest that already has one, pages its guest
# down to the target dom0 writes, pages everything back in on SIGTERM,
# ends when its guest is destroyed, and a pager killed outright leaves a
# ring no other pager may take.
#
# Usage: xensim-pager.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"

. "$top/tests/xensimhost.sh"

pager_bin=$build/tools/xensim/xensim-pager
pagers=()
cleanup() {
    local pid
    for pid in "${pagers[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
    done
    xensimhost_cleanup
}
trap cleanup EXIT

# pager ARGS...: run xensim-pager on the host in the foreground
pager() { XENSIM_SOCKET=$work/xensim.sock "$pager_bin" "$@"; }
# start_pager DOMID: run it in the background, its pid in pager_pid and
# its messages in $work/pager.err
start_pager() {
    XENSIM_SOCKET=$work/xensim.sock "$pager_bin" -d "$1" -f "$work/pagefile" \
        2> "$work/pager.err" &
    pager_pid=$!
    pagers+=("$pager_pid")
}
pager_gone() { ! kill -0 "$pager_pid" 2>/dev/null; }
# pager_status: the exit status of the pager that has gone
pager_status() { local rc=0; wait "$pager_pid" || rc=$?; echo "$rc"; }

hvm_domain() {
    "$top/scripts/hvm-domain-xml.sh" "$1" "$2" > "$work/$1.xml"
    virsh define "$work/$1.xml" > /dev/null || fail "define $1"
}

# Columns of the domain table: 2 ID, 4 Mem, 6 Target, 8 Paged (MiB),
# 10 Pager; the conditions below read the host afresh, in this shell
# the State column (the last) of NAME's line, as read
state_of() { awk -v n="$1" '$1 == n { print $NF }' <<< "$host_out"; }
target_tot_pages() { xensim xs-write "/local/domain/$1/memory/target-tot_pages" "$2"; }

# --- a hypervisor without paging -----------------------------------------
uri=$(daemon start "$work" -- --memory 4G --dom0 1G --paging off --paging-rate 512M)
read_host
[ "$(host_field paging)" = off ] && pass || fail "the host does not say paging is off: $host_out"
hvm_domain h1 1024
virsh start h1 > /dev/null || fail "start h1"
read_host
id=$(host_dom h1 2)
rc=0
pager -d "$id" -f "$work/pagefile" 2> "$work/err" || rc=$?
[ "$rc" = 1 ] && pass || fail "the pager on a host without paging exited with $rc"
grep -qx 'xenpaging: paging not available on this host (ENOSYS)' "$work/err" && pass ||
    fail "the pager's refusal: $(cat "$work/err")"
[ ! -e "$work/pagefile" ] && pass || fail "a refused pager created its page file"
read_host
[ "$(host_dom h1 10)" = - ] && pass || fail "h1 shows a pager: $host_out"

# Nothing reads memory/target-tot_pages without a pager: the balloon
# moving by 256 MiB at 512 MiB/s is the clock
target_tot_pages "$id" 262144
mem0=$(host_dom h1 4)
virsh setmem h1 $(( (mem0 - 256) * 1024 )) --live > /dev/null || fail "setmem h1"
# the balloon target is the allocation less the 8 MiB of video RAM, which
# the device model holds and the balloon never gives
ballooned() {
    read_host
    [ "$(host_dom h1 6)" -lt "$mem0" ] && [ "$(host_dom h1 4)" = "$(( $(host_dom h1 6) + 8 ))" ]
}
wait_for 20 ballooned && pass || fail "h1's balloon did not reach its new target: $host_out"
[ "$(host_dom h1 8)" = 0 ] && pass || fail "h1 was paged without a pager: $host_out"
daemon stop "$work" > /dev/null
rm -rf "$work/var" "$work/etc" "$work/run"

# --- a hypervisor with paging ----------------------------------------------
uri=$(daemon start "$work" -- --memory 4G --dom0 1G --paging on --paging-rate 512M)
read_host
[ "$(host_field paging)" = on ] && pass || fail "the host does not say paging is on: $host_out"
"$top/scripts/pv-domain-xml.sh" p1 256 > "$work/p1.xml"
virsh define "$work/p1.xml" > /dev/null || fail "define p1"
virsh start p1 > /dev/null || fail "start p1"
hvm_domain h1 1024
virsh start h1 > /dev/null || fail "start h1"
read_host
pv=$(host_dom p1 2)
id=$(host_dom h1 2)
mem0=$(host_dom h1 4)

rc=0
pager -d "$pv" -f "$work/pagefile" 2> "$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "domain $pv: .*(ENODEV)" "$work/err" && pass ||
    fail "the pager of a PV guest: exit $rc, $(cat "$work/err")"

start_pager "$id"
attached() { read_host; [ "$(host_dom h1 10)" = on ] && [ -e "$work/pagefile" ]; }
wait_for 10 attached && pass || fail "the pager did not attach to h1: $host_out $(cat "$work/pager.err")"
[ ! -s "$work/pagefile" ] && pass || fail "the pager wrote to its page file"
rc=0
pager -d "$id" -f "$work/pagefile2" 2> "$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "(EBUSY)" "$work/err" && [ ! -e "$work/pagefile2" ] && pass ||
    fail "a second pager for h1: exit $rc, $(cat "$work/err")"

# dom0 sets the target (KiB): the guest is paged down to it, its
# allocation the balloon's all the same
target_tot_pages "$id" 524288
paged_down() { read_host; [ "$(host_dom h1 4)" = 512 ] && [ "$(host_dom h1 8)" = $((mem0 - 512)) ]; }
wait_for 20 paged_down && pass ||
    fail "h1 was not paged down to 512 MiB: $host_out; the pager said: $(cat "$work/pager.err")"
[ "$(host_dom h1 6)" = "$(( mem0 - 8 ))" ] && pass || fail "paging moved h1's balloon target: $host_out"

# SIGTERM pages everything back in before the pager lets go
kill -TERM "$pager_pid"
wait_for 20 pager_gone && pass || fail "the pager did not end on SIGTERM"
rc=$(pager_status)
[ "$rc" = 0 ] && pass || fail "the pager exited with $rc on SIGTERM: $(cat "$work/pager.err")"
read_host
[ "$(host_dom h1 4)" = "$mem0" ] && [ "$(host_dom h1 8)" = 0 ] &&
    [ "$(host_dom h1 10)" = - ] && [ "$(state_of h1)" = running ] &&
    pass || fail "h1 after SIGTERM: $host_out"
[ ! -e "$work/pagefile" ] && pass || fail "the pager left its page file"

# a new pager finds the target dom0 left and pages again; the guest's end
# ends it
start_pager "$id"
wait_for 20 paged_down && pass || fail "a second pager did not page h1 down: $host_out"
virsh destroy h1 > /dev/null || fail "destroy h1"
wait_for 10 pager_gone && pass || fail "the pager outlived h1"
rc=$(pager_status)
[ "$rc" = 0 ] && [ ! -e "$work/pagefile" ] && pass ||
    fail "the pager of a destroyed guest: exit $rc, page file $(ls "$work/pagefile" 2>&1)"

# a pager killed outright never disables the ring: no pager may follow
virsh start h1 > /dev/null || fail "restart h1"
read_host
id=$(host_dom h1 2)
start_pager "$id"
wait_for 10 attached && pass || fail "the pager did not attach to the new h1"
kill -KILL "$pager_pid"
wait "$pager_pid" 2> /dev/null || true
lost() { read_host; [ "$(host_dom h1 10)" = lost ]; }
wait_for 10 lost && pass || fail "h1's pager was not seen lost: $host_out"
rc=0
pager -d "$id" -f "$work/pagefile2" 2> "$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "xenpaging is (or was) active on this domain (EBUSY)" "$work/err" &&
    pass || fail "a pager after a killed one: exit $rc, $(cat "$work/err")"

finish "xensim-pager"
