#!/usr/bin/env bash
# The memory policy actors behind virsh setmem, through the built virsh on
# a simulated host:
#  - none records the target (dumpxml, status XML) and nothing moves;
#  - manual, and a domain without <memoryPolicy/>, set the balloon target;
#  - balloon sets the balloon target; without paging nothing more happens;
#  - memtune reads the paging target and the floor, and refuses a paging
#    target for a domain that is not paged or whose actor sets it;
#  - the actors' pending work survives a daemon restart;
#  - libxl.conf values beyond their limits stop the daemon with the value
#    and the limit named.
#
# Usage: xensim-actors.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"

# policy_domain NAME MIB POLICY_XML: define a PV domain with that policy
policy_domain() {
    "$top/scripts/pv-domain-xml.sh" "$1" "$2" 1 "$3" > "$work/$1.xml"
    virsh define "$work/$1.xml" > /dev/null || fail "define $1"
}
mem_is() { read_host; [ "$(host_dom "$1" 4)" = "$2" ]; }
actor_line() { status_xml "$1" | grep "<memoryActor"; }
current_memory() { virsh dumpxml "$1" | sed -n "s|.*<currentMemory unit='KiB'>\([0-9]*\)<.*|\1|p"; }

uri=$(daemon start "$work" -- --memory 8G --dom0 1G) ||
    { fail "daemon start"; finish xensim-actors; exit 1; }

policy_domain quiet 1024 "<memoryPolicy actor='none'/>"
policy_domain hands 1024 "<memoryPolicy actor='manual'/>"
policy_domain plain 1024 ""
policy_domain balloon 1024 "<memoryPolicy actor='balloon' delay='2'/>"
for d in quiet hands plain balloon; do
    virsh start "$d" > /dev/null || fail "start $d"
done

# --- none: recorded, nothing moves --------------------------------------
virsh setmem quiet 512M > /dev/null || fail "setmem quiet"
[ "$(current_memory quiet)" = 524288 ] && pass ||
    fail "quiet's currentMemory is '$(current_memory quiet)' KiB, not 524288"
status_xml quiet | grep -q "<memoryActor target='524288'" && pass ||
    fail "quiet's status XML does not record its target: $(status_xml quiet | grep memoryActor)"
read_host
[ "$(host_dom quiet 6)" = 1024 ] && [ "$(host_dom quiet 4)" = 1024 ] && pass ||
    fail "actor none moved quiet: target $(host_dom quiet 6), allocation $(host_dom quiet 4) MiB"

# --- manual and no policy: the balloon target ---------------------------
for d in hands plain; do
    virsh setmem "$d" 512M > /dev/null || fail "setmem $d"
    wait_for 20 mem_is "$d" 512 && pass || fail "$d's balloon did not reach 512 MiB: $(host_dom "$d" 4)"
    [ "$(host_dom "$d" 6)" = 512 ] && pass || fail "$d's target is $(host_dom "$d" 6) MiB, not 512"
    [ "$(current_memory "$d")" = 524288 ] && pass || fail "$d's currentMemory is $(current_memory "$d")"
done

# --- balloon, no paging: the balloon target, nothing else ---------------
xensim fault balloon balloon 0 > /dev/null || fail "fault balloon"
virsh setmem balloon 640M > /dev/null || fail "setmem balloon"
read_host
[ "$(host_dom balloon 6)" = 640 ] && pass || fail "balloon's target is $(host_dom balloon 6) MiB, not 640"
status_xml balloon | grep -q "<memoryActor target='655360'" && pass ||
    fail "balloon's status XML does not record its target: $(status_xml balloon | grep memoryActor)"
# nothing more comes after its 2 s delay: no paging target, in the status
# or in xenstore
no_paging() {
    read_host
    if status_xml balloon | grep -q "paging=" ||
       [ -n "$(xensim xs-read "/local/domain/$(host_dom balloon 2)/memory/target-tot_pages" 2>/dev/null)" ]; then
        fail "a domain without paging got a paging target"
        return 1
    fi
}
hold_for_ms 3000 no_paging && pass

# --- memtune: paging target and floor -----------------------------------
out=$(virsh memtune hands 2>&1)
grep -Eq '^paging_target +: 0$' <<< "$out" && pass || fail "memtune hands: $out"
grep -Eq '^min_guarantee +: 0$' <<< "$out" && pass || fail "memtune hands: $out"
if out=$(virsh memtune hands --paging-target 256M 2>&1); then
    fail "a paging target was accepted for a domain without paging"
else
    grep -q "domain 'hands' is not paged: its <memoryPolicy/> needs paging='on'" <<< "$out" && pass ||
        fail "memtune --paging-target on hands: $out"
fi
virsh memtune hands --min-guarantee 300M --live > /dev/null || fail "memtune --min-guarantee"
out=$(virsh memtune hands 2>&1)
grep -Eq '^min_guarantee +: 307200$' <<< "$out" && pass || fail "min_guarantee not kept: $out"

# --- a daemon restart keeps what the actors recorded ---------------------
# the whole record, times included, which nothing could rebuild
before_quiet=$(actor_line quiet)
before_balloon=$(actor_line balloon)
daemon stop "$work" --keep-host > /dev/null
uri=$(daemon start "$work") || { fail "daemon restart"; finish xensim-actors; exit 1; }
virsh domstate balloon > /dev/null || fail "the restarted daemon does not answer"
[ -n "$before_quiet" ] && [ "$(actor_line quiet)" = "$before_quiet" ] && pass ||
    fail "quiet's record changed across the restart: '$before_quiet' -> '$(actor_line quiet)'"
[ -n "$before_balloon" ] && [ "$(actor_line balloon)" = "$before_balloon" ] && pass ||
    fail "balloon's record changed across the restart: '$before_balloon' -> '$(actor_line balloon)'"
[ "$(current_memory quiet)" = 524288 ] && pass ||
    fail "after a restart quiet's currentMemory is '$(current_memory quiet)'"
status_xml balloon | grep -q "<memoryActor target='655360'" && pass ||
    fail "after a restart balloon's status lost its target: $(status_xml balloon | grep memoryActor)"
virsh setmem balloon 700M > /dev/null || fail "setmem balloon after restart"
read_host
[ "$(host_dom balloon 6)" = 700 ] && pass || fail "after a restart balloon's target is $(host_dom balloon 6) MiB"

# --- libxl.conf limits ---------------------------------------------------
for bad in "auto_floor_percent = 150|auto_floor_percent 150 in libxl.conf is above the limit of 100" \
           "auto_grace = 7200|auto_grace 7200 in libxl.conf is above the limit of 3600 seconds" \
           "pager_program = \"xenpaging\"|pager_program 'xenpaging' in libxl.conf must be an absolute path"; do
    setting=${bad%%|*}
    message=${bad#*|}
    daemon stop "$work" --keep-host > /dev/null
    printf '%s\n' "$setting" > "$work/bad.conf"
    if daemon start "$work" --libxl-conf "$work/bad.conf" > /dev/null 2>&1; then
        fail "the daemon started with '$setting'"
    else
        grep -qF "$message" "$work/log/libvirtd.log" && pass ||
            fail "no '$message' in the daemon's log: $(grep -i error "$work/log/libvirtd.log" | tail -3)"
    fi
done

finish xensim-actors
