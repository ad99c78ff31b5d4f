#!/usr/bin/env bash
# Admission while dom0 balloons, on a simulated host with autoballooning:
#  - a start waiting for dom0 holds neither its domain's lock nor the
#    driver's admission lock: the domain, other domains and the daemon
#    answer meanwhile, and a second start waits its turn without blocking
#    anything;
#  - dom0's target goes down by exactly what the starts need, and a start
#    that is refused (dom0's balloon stuck) puts it back: refused retries
#    never ratchet it down.
#
# Usage: xensim-admission.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"

# ms COMMAND...: how long COMMAND took, in ms, on stdout; its output dropped
ms() {
    local t0=$(date +%s%N)
    "$@" > /dev/null 2>&1
    echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

printf 'autoballoon = 1\n' > "$work/ab.conf"
uri=$(daemon start "$work" --libxl-conf "$work/ab.conf" -- \
      --memory 4G --dom0 3G --dom0-min 512M) || { fail "daemon start"; finish xensim-admission; exit 1; }
read_host
[ -n "$(host_field free_memory)" ] && pass || fail "xensim info answers nothing"
dom0_target0=$(host_dom Domain-0 6)
[ "$dom0_target0" = 3072 ] && pass || fail "dom0's target at start is '$dom0_target0' MiB, not 3072"

# --- dom0's balloon stuck: refused starts leave its target as it was --------
xensim fault balloon Domain-0 0 > /dev/null || fail "fault balloon"
claim_domain big 2048
for attempt in 1 2; do
    if virsh start big > /dev/null 2> "$work/big.err"; then
        fail "big started on a host whose dom0 cannot give memory"
        virsh destroy big > /dev/null 2>&1
    else
        grep -q "not enough memory to start domain 'big'" "$work/big.err" && pass ||
            fail "refusal $attempt of big: $(cat "$work/big.err")"
        grep -q "dom0 could give [0-9]* MiB$" "$work/big.err" && pass ||
            fail "refusal $attempt does not say what dom0 could give: $(cat "$work/big.err")"
    fi
    read_host
    got=$(host_dom Domain-0 6)
    [ "$got" = "$dom0_target0" ] && pass ||
        fail "after refused start $attempt dom0's target is $got MiB, not $dom0_target0"
    [ -z "$(host_dom big 1)" ] && pass || fail "refused start $attempt left big on the host"
done
read_host
[ "$(host_field outstanding_claims)" = 0 ] && pass || fail "a refused start left a claim"

# --- dom0 slow: waits that block nothing -----------------------------------
# dom0 gives 32 MiB/s: the first start waits about 20 s for its gap
xensim fault balloon Domain-0 32M > /dev/null || fail "fault balloon 32M"
claim_domain slow 1536
claim_domain second 256
claim_domain other 256
read_host
free0=$(host_field free_memory)
virsh start slow > "$work/slow.out" 2>&1 &
slow_pid=$!
lowered() { read_host; [ "$(host_dom Domain-0 6)" -lt "$dom0_target0" ] 2>/dev/null; }
wait_for 30 lowered && pass || fail "dom0's target never went down for slow"
read_host
target_slow=$(host_dom Domain-0 6)
# slow waits for dom0 (about 20 s): its domain and the daemon answer
for what in "dominfo slow" "list --all"; do
    t=$(ms virsh $what)
    [ "$t" -lt 5000 ] && pass || fail "virsh $what took $t ms while slow waited for dom0"
done
virsh start second > "$work/second.out" 2>&1 &
second_pid=$!
second_lowered() { read_host; [ "$(host_dom Domain-0 6)" -lt "$target_slow" ] 2>/dev/null; }
wait_for 30 second_lowered && pass || fail "dom0's target did not go down for second too"
# both wait for dom0 now; the daemon, their domains and the others answer
kill -0 "$slow_pid" 2>/dev/null && kill -0 "$second_pid" 2>/dev/null && pass ||
    fail "a start ended before the checks of the wait could run"
for what in "dominfo slow" "dominfo second" "dominfo other" "list --all" "nodememstats"; do
    t=$(ms virsh $what)
    # dom0 needs 20 s more: a call that waited for the starts would take that
    [ "$t" -lt 5000 ] && pass || fail "virsh $what took $t ms while starts waited for dom0"
done
kill -0 "$slow_pid" 2>/dev/null && pass ||
    fail "slow's start ended before the calls above had been answered: they proved nothing"
wait "$slow_pid" && pass || fail "slow did not start: $(cat "$work/slow.out")"
wait "$second_pid" && pass || fail "second did not start: $(cat "$work/second.out")"
# dom0 went down by exactly what the two needed beyond free memory, not
# twice the first one's gap: with both running, what is free is about
# what was left over
read_host
left=$(host_field free_memory)
[ "$left" -ge 0 ] && [ "$left" -le 64 ] && pass ||
    fail "after both started $left MiB are free (was $free0): dom0 gave more than the gap"
[ "$(host_field outstanding_claims)" = 0 ] && pass || fail "claims left after the starts"
[ "$(host_dom slow 4)" = 1536 ] && [ "$(host_dom second 4)" = 256 ] && pass ||
    fail "slow and second do not hold their memory: $(grep -E 'slow|second' <<< "$host_out")"

# --- an earlier incarnation dying with its pages ----------------------------
# 'inc' is destroyed but stays dying, holding its 1 GiB (Xen relinquishes a
# dead domain's pages in the background), and is started again: the new
# incarnation waits for dom0.  'late' would fit only if the dying domain's
# pages were taken for the new incarnation's: it must wait its turn, and
# both must start.
xensim fault balloon Domain-0 0 > /dev/null
for d in slow second; do virsh destroy "$d" > /dev/null 2>&1; done
daemon stop "$work" > /dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
uri=$(daemon start "$work" --libxl-conf "$work/ab.conf" -- \
      --memory 4G --dom0 1536M --dom0-min 512M) || fail "daemon start (dying)"
claim_domain filler 1024
claim_domain inc 1024
claim_domain late 256
virsh start filler > /dev/null && virsh start inc > /dev/null || fail "start filler and inc"
read_host
old_id=$(host_dom inc 2)
xensim fault dying inc on > /dev/null || fail "fault dying"
virsh destroy inc > /dev/null || fail "destroy inc"
read_host
[ "$(awk -v id="$old_id" '$2 == id { print $4, $NF }' <<< "$host_out")" = "1024 dying" ] && pass ||
    fail "the destroyed inc is not dying with its pages: $host_out"
xensim fault balloon Domain-0 32M > /dev/null
read_host
target0=$(host_dom Domain-0 6)
virsh start inc > "$work/inc.out" 2>&1 &
inc_pid=$!
inc_waits() { read_host; [ "$(host_dom Domain-0 6)" -lt "$target0" ] 2>/dev/null; }
wait_for 30 inc_waits && pass || fail "the new inc did not wait for dom0: $(cat "$work/inc.out")"
virsh start late > "$work/late.out" 2>&1 &
late_pid=$!
wait "$inc_pid" && pass || fail "the new incarnation of inc did not start: $(cat "$work/inc.out")"
wait "$late_pid" && pass || fail "late did not start: $(cat "$work/late.out")"
read_host
[ "$(host_dom inc 4)" = 1024 ] && [ "$(host_dom late 4)" = 256 ] && pass ||
    fail "inc and late do not hold their memory: $host_out"
xensim fault dying "$old_id" off > /dev/null || fail "releasing the dying inc"
read_host
[ -z "$(awk -v id="$old_id" '$2 == id' <<< "$host_out")" ] && pass ||
    fail "the dying inc is still listed"

finish xensim-admission
