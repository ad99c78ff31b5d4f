#!/usr/bin/env bash
# The auto memory policy actor on a simulated host, through the built
# virsh, with guests' statistics written where their agents write them:
#  - each guest is brought to its need (what it uses + 25 %), never below
#    its floor (<min_guarantee>) nor above its ceiling (the last setmem);
#  - a guest whose load rises gets memory back;
#  - a guest that claims to use everything gets no more than its ceiling,
#    and the others keep their needs;
#  - a claim start that does not fit in free memory is admitted once the
#    auto domains give what they do not need; one that would not fit even
#    at every floor is refused at once, with the numbers;
#  - the actor never brings free memory below the reserve (72 MiB); a
#    start may use it, and the actor then gives none of the rest away;
#  - a storm of claim starts while the actor runs: exactly those that fit
#    start, the rest are refused at once, no claim is left.
#
# Usage: xensim-auto.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"

# no grace period: the guests here report from their first second; dom0
# is not ballooned, so that only the guests give for a start
printf 'auto_grace = 0\nautoballoon = 0\n' > "$work/auto.conf"
uri=$(daemon start "$work" --libxl-conf "$work/auto.conf" -- \
      --memory 6G --dom0 1G --dom0-min 1G) ||
    { fail "daemon start"; finish xensim-auto; exit 1; }

# auto_domain NAME MIB FLOOR_MIB
auto_domain() {
    "$top/scripts/pv-domain-xml.sh" "$1" "$2" 1 \
        "<memoryPolicy actor='auto'/><memtune><min_guarantee unit='MiB'>$3</min_guarantee></memtune>" \
        > "$work/$1.xml"
    virsh define "$work/$1.xml" > /dev/null || fail "define $1"
}
# report NAME USED_MIB: the guest uses that much, and its agent says so.
# A guest cannot use more than it has: one that wants more than its
# allocation reports it all used (and swaps), as a real one does.
report() {
    local id total used=$(( $2 * 1024 ))
    read_host
    id=$(host_dom "$1" 2)
    total=$(( $(host_dom "$1" 4) * 1024 ))
    [ "$used" -le "$total" ] || used=$total
    xensim set-used "$1" "$(( used / 1024 ))M" > /dev/null || fail "set-used $1"
    xensim xs-write "/local/domain/$id/data/memstats" \
        "1 total=$total avail=$(( total - used ))" "$id" > /dev/null ||
        fail "the guest $1 could not write its statistics"
}
# floors_kept WHEN: no guest's target below its floor (256, c 128 MiB)
floors_kept() {
    local d t floor
    read_host
    for d in a b c; do
        t=$(host_dom "$d" 6)
        floor=$([ "$d" = c ] && echo 128 || echo 256)
        [ "$t" -ge "$floor" ] && pass || fail "$1$d is at $t MiB, below its floor $floor"
    done
}
# grows_to NAME USED_MIB TARGET_MIB: the guest's agent keeps reporting
# (every look, as it does every period) until the actor gave it TARGET
grows_to() { report "$1" "$2"; target_is "$1" "$3"; }
target_is() { read_host; [ "$(host_dom "$1" 6)" = "$2" ] && [ "$(host_dom "$1" 4)" = "$2" ]; }
target_between() {
    local t
    read_host
    t=$(host_dom "$1" 6)
    [ -n "$t" ] && [ "$t" -ge "$2" ] && [ "$t" -le "$3" ] && [ "$(host_dom "$1" 4)" = "$t" ]
}
# the reserve holds at every look; a breach is a failure whenever seen
reserve_kept() { local f; read_host; f=$(host_field free_memory); [ -n "$f" ] && [ "$f" -ge 72 ]; }
reserve_ok() {
    reserve_kept || { fail "free memory $(host_field free_memory) MiB is below the 72 MiB reserve"; return 1; }
}

auto_domain a 1024 256
auto_domain b 1024 256
auto_domain c 1024 128
for d in a b c; do virsh start "$d" > /dev/null || fail "start $d"; done

# --- to each its need, floors kept ----------------------------------------
report a 400     # need 500 MiB
report b 100     # need 125 MiB: floor 256
report c 80      # need 100 MiB: floor 128
wait_for 30 target_is a 500 && pass || fail "a is at $(host_dom a 6)/$(host_dom a 4) MiB, not its need 500"
wait_for 30 target_is b 256 && pass || fail "b is at $(host_dom b 6) MiB, not its floor 256"
wait_for 30 target_is c 128 && pass || fail "c is at $(host_dom c 6) MiB, not its floor 128"

# --- load rises: memory back -----------------------------------------------
wait_for 30 grows_to b 600 750 && pass || fail "b's load rose to 600 MiB (need 750) and it is at $(host_dom b 6) MiB"

# --- the ceiling: the last setmem -----------------------------------------
virsh setmem a 450M > /dev/null || fail "setmem a"
wait_for 30 target_is a 450 && pass || fail "a's ceiling is 450 MiB and it is at $(host_dom a 6) MiB"
out=$(virsh dumpxml a | grep -c "<currentMemory unit='KiB'>460800<")
[ "$out" = 1 ] && pass || fail "a's currentMemory is not its target 460800 KiB"

# --- a guest that lies: its ceiling, nothing more ---------------------------
# c's ceiling is 700 MiB (setmem), below its 1 GiB maximum: a guest that
# says it uses everything it has grows to the ceiling and stops there
virsh setmem c 700M > /dev/null || fail "setmem c"
wait_for 30 grows_to c 100000 700 && pass || fail "c claims 100000 MiB: it is at $(host_dom c 6) MiB, not its ceiling 700"
at_most_700() { report c 100000; read_host; [ "$(host_dom c 6)" -le 700 ] ||
    { fail "c went above its ceiling: $(host_dom c 6) MiB"; return 1; }; }
hold_for_ms 3000 at_most_700 && pass
report c 80
wait_for 30 target_is c 128 && pass || fail "c did not come back to its floor: $(host_dom c 6) MiB"

# --- a stuck balloon: left out, maxmem clipped; moving again, maxmem back
wait_for 30 grows_to c 480 600 && pass || fail "c did not grow to 600 MiB: $(host_dom c 6)"
xensim fault balloon c 0 > /dev/null || fail "fault balloon c"
report c 80
# libxl_domain_setmaxmem() adds its 1 MiB to what it is given
clipped() { read_host; [ "$(host_dom c 5)" = 601 ] && status_xml c | grep -q "clipped='614400'"; }
wait_for 20 clipped && pass || fail "c's maxmem was not clipped at 600 MiB: Max $(host_dom c 5), $(status_xml c | grep memoryActor)"
xensim fault balloon c 512M > /dev/null || fail "fault balloon c 512M"
wait_for 20 target_is c 128 && pass || fail "c did not come down once its balloon moved: $(host_dom c 4) MiB"
# static-max is back, or libxl would refuse the raise: c grows past its
# old clip, to its ceiling of 700 MiB
wait_for 30 grows_to c 700 700 && pass || fail "c did not grow past its old clip to 700 MiB: $(host_dom c 6)/$(host_dom c 4), Max $(host_dom c 5)"
status_xml c | grep -q "clipped=" && fail "c's status still says clipped" || pass
report c 80
wait_for 30 target_is c 128 && pass || fail "c did not come back to its floor: $(host_dom c 6) MiB"

# --- admission: what the guests do not need, for a claim start --------------
# 6 GiB host, dom0 1 GiB (not ballooned), a at 450, b at 750, c at 128:
# about 3.7 GiB free.  A 3900 MiB claim domain fits only once the guests
# give part of what they hold above their floors (688 MiB); a 5 GiB one
# would not fit even with all of it.
read_host
free=$(host_field free_memory)
"$top/scripts/pv-domain-xml.sh" big 3900 1 "<memoryClaim/>" > "$work/big.xml"
"$top/scripts/pv-domain-xml.sh" huge 5120 1 "<memoryClaim/>" > "$work/huge.xml"
virsh define "$work/big.xml" > /dev/null || fail "define big"
virsh define "$work/huge.xml" > /dev/null || fail "define huge"
if virsh start huge > /dev/null 2> "$work/huge.err"; then
    fail "huge started with $free MiB free"
else
    grep -q "not enough memory to start domain 'huge'.*the domains of the auto memory policy actor [0-9]* MiB down to their floors" "$work/huge.err" &&
        pass || fail "huge was refused with: $(cat "$work/huge.err")"
fi
read_host
[ "$(host_dom b 6)" = 750 ] && pass || fail "a refused start moved b to $(host_dom b 6) MiB"
if virsh start big > /dev/null 2> "$work/big.err"; then
    pass
else
    fail "big did not start though the auto domains could give what it lacked ($free MiB free): $(cat "$work/big.err")"
fi
read_host
[ "$(host_dom big 4)" = 3900 ] && pass || fail "big has $(host_dom big 4) MiB"
b=$(host_dom b 6)
[ -n "$b" ] && [ "$b" -lt 750 ] && [ "$b" -ge 256 ] && pass || fail "b is at '$b' MiB after giving for big"
# big may start on part of the reserve (a start may use it; a guest
# holding what it uses gives no more): over the next cycles the actor
# raises no guest into what is left of it
read_host
left=$(host_field free_memory)
[ "$left" -gt 72 ] && left=72
free_not_below() { read_host; [ "$(host_field free_memory)" -ge "$1" ] ||
    { fail "free memory went from $left to $(host_field free_memory) MiB"; return 1; }; }
hold_for_ms 3000 free_not_below "$left" && pass
floors_kept ""

# --- a start storm while the actor runs -------------------------------------
# big goes; a and b, stuck at what they use since they gave for it, are
# no longer asked to give and regrow to their needs (450 and 750 MiB). Four claim
# starts of 1200 MiB at once on about 3.7 GiB free: three fit in free
# memory, the fourth would not even with every guest at its floor, and is
# refused at once, whichever of the four it is.
virsh destroy big > /dev/null || fail "destroy big"
# (their agents write every period: a record older than 60 s is no
# statistics, and these guests' last ones are older than that now)
wait_for 30 grows_to b 600 750 || fail "b did not regrow to 750 MiB: $(host_dom b 6)"
wait_for 30 grows_to a 400 450 || fail "a did not regrow to 450 MiB: $(host_dom a 6)"
for i in 1 2 3 4; do
    "$top/scripts/pv-domain-xml.sh" "s$i" 1200 1 "<memoryClaim/>" > "$work/s$i.xml"
    virsh define "$work/s$i.xml" > /dev/null || fail "define s$i"
done
pids=()
for i in 1 2 3 4; do
    virsh start "s$i" > "$work/s$i.out" 2>&1 &
    pids+=($!)
done
started=0
refused=0
for i in 1 2 3 4; do
    if wait "${pids[$((i - 1))]}"; then
        started=$((started + 1))
    elif grep -q "not enough memory to start domain 's$i'" "$work/s$i.out"; then
        refused=$((refused + 1))
    else
        fail "s$i failed otherwise: $(cat "$work/s$i.out")"
    fi
done
[ "$started" = 3 ] && [ "$refused" = 1 ] && pass || fail "$started of the storm started, $refused refused"
read_host
[ "$(host_field outstanding_claims)" = 0 ] && pass || fail "claims left: $(host_field outstanding_claims) MiB"
n=$(awk '$1 ~ /^s[1-4]$/ && $NF != "dying"' <<< "$host_out" | wc -l)
[ "$n" = 3 ] && pass || fail "$n storm domains on the host, not 3"
floors_kept "after the storm "

finish xensim-auto
