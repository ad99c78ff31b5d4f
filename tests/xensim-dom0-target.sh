#!/usr/bin/env bash
# dom0's balloon target around starts that need its memory, on a simulated
# host:
#  - a start that lowered it and whose build then fails gives it back;
#  - two starts that lowered it together and are both refused leave it
#    exactly where it was, whichever gives up first;
#  - dom0 growing back towards a higher target is memory nobody else may
#    count on: a claim start that fits only in it is refused.
#
# Usage: xensim-dom0-target.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"

printf 'autoballoon = 1\n' > "$work/ab.conf"
uri=$(daemon start "$work" --libxl-conf "$work/ab.conf" -- \
      --memory 4G --dom0 3G --dom0-min 512M) || { fail "daemon start"; finish xensim-dom0-target; exit 1; }
read_host
target0=$(host_dom Domain-0 6)
[ "$target0" = 3072 ] && pass || fail "dom0's target at start is '$target0' MiB"

# --- a build that fails after dom0 gave its memory ----------------------
claim_domain broken 1536
xensim fault populate 512M > /dev/null || fail "fault populate"
if virsh start broken > /dev/null 2> "$work/broken.err"; then
    fail "broken started although its build was made to fail"
else
    grep -q "libxenlight failed to create new domain 'broken'" "$work/broken.err" && pass ||
        fail "broken failed for another reason: $(cat "$work/broken.err")"
fi
read_host
got=$(host_dom Domain-0 6)
[ "$got" = "$target0" ] && pass || fail "after broken's failed build dom0's target is $got MiB, not $target0"
[ -z "$(host_dom broken 1)" ] && pass || fail "broken was left on the host"

# --- two starts lowering dom0 together ----------------------------------
# dom0's balloon stuck: each start lowers the target and waits.  Neither
# fits alone: both give up, and the target is back where it was, whichever
# gave up first.  Then again with a second start that fits once the first
# has given up: it starts, and does not keep the target it lowered for
# memory dom0 never gave.
xensim fault balloon Domain-0 0 > /dev/null || fail "fault balloon"
read_host
free=$(host_field free_memory)
claim_domain first 1536
claim_domain second $(( free + 64 ))
claim_domain small 256
lowered_below() { read_host; [ "$(host_dom Domain-0 6)" -lt "$1" ] 2>/dev/null; }
for pair in "first second refused" "first small started"; do
    set -- $pair
    virsh start "$1" > "$work/$1.out" 2>&1 &
    first_pid=$!
    wait_for 20 lowered_below "$target0" && pass || fail "$1 did not lower dom0's target"
    read_host
    after_first=$(host_dom Domain-0 6)
    virsh start "$2" > "$work/$2.out" 2>&1 &
    second_pid=$!
    wait_for 20 lowered_below "$after_first" && pass || fail "$2 did not lower dom0's target further"
    wait "$first_pid" && fail "$1 started with dom0's balloon stuck" || pass
    if [ "$3" = refused ]; then
        wait "$second_pid" && fail "$2 started with dom0's balloon stuck" || pass
    else
        wait "$second_pid" && pass || fail "$2 did not start once $1 gave up: $(cat "$work/$2.out")"
        virsh destroy "$2" > /dev/null 2>&1
    fi
    read_host
    got=$(host_dom Domain-0 6)
    [ "$got" = "$target0" ] && pass ||
        fail "after $1 gave up and $2 $3, dom0's target is $got MiB, not $target0 ($1 took it to $after_first)"
done

# --- dom0 growing back is not free memory --------------------------------
# dom0 has given 1 GiB and is to take it back (its target above its
# allocation, its balloon slow to move): a claim start that fits only in
# that memory is refused, with autoballooning off.
daemon stop "$work" > /dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
: > "$work/noab.conf"
uri=$(daemon start "$work" --libxl-conf "$work/noab.conf" -- \
      --memory 4G --dom0 2G --dom0-min 512M) || fail "daemon start (growth)"
xensim fault balloon Domain-0 0 > /dev/null || fail "fault balloon"
xensim xs-write /local/domain/0/memory/target $((3072 * 1024)) > /dev/null ||
    fail "raising dom0's target"
read_host
[ "$(host_dom Domain-0 6)" = 3072 ] && [ "$(host_dom Domain-0 4)" = 2048 ] && pass ||
    fail "dom0 is not at 2 GiB with a 3 GiB target: $host_out"
read_host
free=$(host_field free_memory)
# fits in what is free, not in what is free once dom0 has grown back
size=$(( free - 1024 + 256 ))
claim_domain grows "$size"
if virsh start grows > /dev/null 2> "$work/grows.err"; then
    fail "a $size MiB claim start was admitted into the 1 GiB dom0 is taking back ($free MiB free)"
else
    grep -q "not enough memory to start domain 'grows'" "$work/grows.err" && pass ||
        fail "grows was refused for another reason: $(cat "$work/grows.err")"
fi
claim_domain fits $(( free - 1024 - 64 ))
virsh start fits > /dev/null 2> "$work/fits.err" && pass ||
    fail "a start that fits beside dom0's growth was refused: $(cat "$work/fits.err")"

finish xensim-dom0-target
