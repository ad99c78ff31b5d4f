#!/usr/bin/env bash
# Guests' memory statistics through our libvirt daemon on a simulated Xen
# host: each tag's source (hypervisor or guest), our agent's record and the
# old agents' keys, garbage and oversized input, what a guest may not
# write, bulk statistics with the QEMU driver's names, the statistics
# period (at start, live, config, refused values), the balloon change
# event, a daemon restart, and our guest agent writing for its domain.
#
# Usage: xensim-memstats.sh SOURCE_ROOT BUILD_DIR AGENT
set -euo pipefail

top=$1
build=$2
agent=$3
. "$top/tests/checks.sh"

. "$top/tests/xensimhost.sh"

# a statistic of virsh dommemstat
memstat() { virsh dommemstat "$1" | awk -v t="$2" '$1 == t { print $2 }'; }
# a field of virsh domstats
domstat() { virsh domstats "${@:3}" "$1" | awk -F= -v f="  $2" '$1 == f { print $2 }'; }
guest_write() { xensim xs-write "/local/domain/$1/$2" "$3" "$1"; }
# expect NAME EXPECTED ACTUAL
expect() {
    if [ "$2" = "$3" ]; then pass; else fail "$1: expected '$2', got '$3'"; fi
}
prints() { local want=$1; shift; [ "$("$@")" = "$want" ]; }
# at_least N CMD...: CMD prints a number of at least N
at_least() { local n=$1 v; shift; v=$("$@"); [ -n "$v" ] && [ "$v" -ge "$n" ]; }
# expect_soon NAME EXPECTED CMD...: CMD prints EXPECTED within the bound
expect_soon() {
    local name=$1 want=$2
    shift 2
    if wait_for "$bound" prints "$want" "$@"; then
        pass
    else
        fail "$name: expected '$want' within $bound s, got '$("$@")'"
    fi
}
# The cache reads what guests write after at most 100 ms; the bound only
# keeps a broken daemon from hanging the test, and tolerates a loaded host
bound=20
# virsh dommemstat on one line, and its tags alone
memstats() { virsh dommemstat "$1" | xargs; }
memtags() { virsh dommemstat "$1" | awk '{ print $1 }' | xargs; }
# what the domains show when their guests say nothing usable: agent has
# 1 GiB, as the guest of our agent's fixture, old 512 MiB
hv_only="available 1048576 actual 1048576 rss 1048576"
hv_only_old="available 524288 actual 524288 rss 524288"

# record_of LENGTH PREFIX: the record PREFIX padded to exactly LENGTH bytes
# with fields a later agent might add, each within the parser's rules:
# distinct names of at most 16 of a-z and _, values of at most 20 digits,
# at most 32 fields.  The last value has a single digit.
ones() { printf '1%.0s' $(seq 1 "$1"); }
record_of() {
    local len=$1 rec=$2 letters=abcdefghijklmnopqrstuvwxyz i=0 rest
    while rest=$((len - ${#rec})); [ "$rest" -gt 46 ]; do
        rec+=" padding_field_${letters:i:1}${letters:i:1}=$(ones 20)"
        i=$((i + 1))
    done
    if [ "$rest" -gt 38 ]; then
        rec+=" padding_middle_f=$(ones $((rest - 37)))"
        rest=19
    fi
    # " " NAME "=" 1
    rec+=" $(printf '%s' zpadding_tail_zz | head -c $((rest - 3)))=1"
    printf '%s' "$rec"
}

uri=$(daemon start "$work" -- --memory 8G --dom0 1G)
balloon="<devices><memballoon model='xen'><stats period='7'/></memballoon></devices>"
for name in quiet agent old; do
    mib=512
    [ "$name" = agent ] && mib=1024
    "$top/scripts/pv-domain-xml.sh" "$name" "$mib" 1 "$balloon" > "$work/$name.xml"
    virsh define "$work/$name.xml" > /dev/null
    virsh start "$name" > /dev/null
done
quiet=$(virsh domid quiet)
agentid=$(virsh domid agent)
old=$(virsh domid old)

# --- a guest that writes nothing: the hypervisor's figures, as before -----
expect "quiet: tags" "available actual rss" "$(memtags quiet)"
expect "quiet: actual" 524288 "$(memstat quiet actual)"
expect "quiet: available is the configured maximum" 524288 "$(memstat quiet available)"
expect "quiet: balloon.current" 524288 "$(domstat quiet balloon.current --balloon)"
expect "quiet: no guest figures in domstats" "" "$(domstat quiet balloon.unused --balloon)"

# --- the period the configuration asks for reaches the guest --------------
expect "period written at start" 7 "$(xensim xs-read "/local/domain/$agentid/memory/stats-period")"
expect "period readable by the guest" 7 "$(xensim xs-read "/local/domain/$agentid/memory/stats-period" "$agentid")"
if guest_write "$agentid" memory/stats-period 1 2>/dev/null; then
    fail "a guest set its own statistics period"
else
    pass
fi

# --- our agent's record: every tag from its source ------------------------
before=$(date +%s)
guest_write "$agentid" data/memstats "1 t=1000 total=500000 free=100000 avail=300000 caches=50000 swapin=8 swapout=16 majflt=1021 minflt=2203301 htlbok=2 htlbfail=1"
expect_soon "record seen" 100000 memstat agent unused
after=$(date +%s)
expect "record: tags" "swap_in swap_out major_fault minor_fault unused available actual rss usable last_update disk_caches hugetlb_pgalloc hugetlb_pgfail" \
    "$(memtags agent)"
for pair in swap_in=8 swap_out=16 major_fault=1021 minor_fault=2203301 unused=100000 \
            available=500000 actual=1048576 rss=1048576 usable=300000 disk_caches=50000 \
            hugetlb_pgalloc=2 hugetlb_pgfail=1; do
    expect "record: ${pair%%=*}" "${pair#*=}" "$(memstat agent "${pair%%=*}")"
done
updated=$(memstat agent last_update)
if [ "$updated" -ge "$before" ] && [ "$updated" -le "$after" ]; then
    pass
else
    fail "last_update $updated is not dom0's time of the read ($before..$after); the guest wrote t=1000"
fi
for pair in current=1048576 maximum=1048576 swap_in=8 swap_out=16 major_fault=1021 \
            minor_fault=2203301 unused=100000 available=500000 rss=1048576 usable=300000 \
            disk_caches=50000 hugetlb_pgalloc=2 hugetlb_pgfail=1 last-update="$updated"; do
    expect "domstats balloon.${pair%%=*}" "${pair#*=}" "$(domstat agent "balloon.${pair%%=*}" --balloon)"
done

# the hypervisor's figures come from the hypervisor: a guest cannot move them
guest_write "$agentid" data/memstats "1 total=500000 free=1 actual=1 rss=1"
expect_soon "record with actual and rss seen" 1 memstat agent unused
expect "a guest's 'actual' is not the allocation" 1048576 "$(memstat agent actual)"
expect "a guest's 'rss' is not the backing" 1048576 "$(memstat agent rss)"
# nor claim more free memory than it says it has
guest_write "$agentid" data/memstats "1 total=1000 free=5000 avail=9000"
expect_soon "record with free over total seen" 1000 memstat agent available
expect "free bounded by total" 1000 "$(memstat agent unused)"
expect "usable bounded by total" 1000 "$(memstat agent usable)"

# --- the old agents' keys --------------------------------------------------
guest_write "$old" data/meminfo_total 480000
guest_write "$old" data/meminfo_free 200000
guest_write "$old" data/updated 1
expect_soon "old agent: tags" "unused available actual rss usable last_update" memtags old
expect "old agent: available" 480000 "$(memstat old available)"
expect "old agent: unused is MemAvailable" 200000 "$(memstat old unused)"
expect "old agent: usable" 200000 "$(memstat old usable)"
expect "old agent: used = available - unused" 280000 \
    "$(( $(domstat old balloon.available --balloon) - $(domstat old balloon.unused --balloon) ))"
if [ "$(memstat old last_update)" -gt 1 ]; then pass; else fail "data/updated was taken for a time"; fi

# --- garbage and oversized input -------------------------------------------
# Each is written over a record just seen, so that what is shown after it
# can only come from the refusal
n=0
for bad in "garbage" "2 total=1" "1 total=1 total=2" "1 total=99999999999999999999999" \
           "1  total=1" "1 total=0x10" "1 $(printf 'f%.0s=1 ' $(seq 1 40))total=1"; do
    n=$((n + 1))
    guest_write "$agentid" data/memstats "1 total=400000 free=$n"
    expect_soon "record before garbage '${bad:0:30}'" "$n" memstat agent unused
    guest_write "$agentid" data/memstats "$bad"
    expect_soon "garbage '${bad:0:30}': hypervisor figures only" "$hv_only" memstats agent
done
# The bound on a record's length, with records valid in every other way:
# the longest is taken, one digit more is refused
longest=$(record_of 1024 "1 total=400000 free=2024")
expect "the longest record is 1024 bytes" 1024 "${#longest}"
guest_write "$agentid" data/memstats "$longest"
expect_soon "a record of 1024 bytes is taken" 2024 memstat agent unused
expect "the record of 1024 bytes: available" 400000 "$(memstat agent available)"
guest_write "$agentid" data/memstats "${longest}1"
expect_soon "a record of 1025 bytes is refused" "$hv_only" memstats agent
expect "the refused record is in xenstore" 1025 \
    "$(xensim xs-read "/local/domain/$agentid/data/memstats" | tr -d '\n' | wc -c)"
if guest_write "$agentid" data/memstats "1 $(head -c 3000 /dev/zero | tr '\0' 'y')" 2> "$work/err"; then
    fail "xenstored took a node over its size quota"
else
    # ENOSPC, as xenstored's write_node_raw() answers
    grep -q "No space left on device" "$work/err" && pass ||
        fail "unexpected error for a node over quota: $(cat "$work/err")"
fi
expect "a node over quota leaves the key as it was" "${longest}1" \
    "$(xensim xs-read "/local/domain/$agentid/data/memstats")"
# the old agent's figures were seen above
guest_write "$old" data/meminfo_total "lots"
expect_soon "old agent garbage: hypervisor figures only" "$hv_only_old" memstats old
# one guest cannot write another's statistics (it can write its own: the
# flood below)
if guest_write "$quiet" "../$agentid/data/memstats" "1 total=1" 2>/dev/null ||
   xensim xs-write "/local/domain/$agentid/data/memstats" "1 total=1" "$quiet" 2>/dev/null; then
    fail "a guest wrote another guest's statistics"
else
    pass
fi
expect "another guest's writes leave the key as it was" "${longest}1" \
    "$(xensim xs-read "/local/domain/$agentid/data/memstats")"
# a guest writing in a loop does not hold up another's figures: the flood
# runs, and is seen, until the other's figures are there
( i=0; while [ ! -e "$work/flood.stop" ]; do
      i=$((i + 1)); guest_write "$quiet" data/memstats "1 total=$i"
  done ) &
flood=$!
flood_seen() { local a; a=$(memstat quiet available); [ -n "$a" ] && [ "$a" != 524288 ]; }
wait_for "$bound" flood_seen && pass || fail "the flooding guest's records are not seen"
guest_write "$agentid" data/memstats "1 total=400000 free=1000"
expect_soon "figures while another guest floods" 1000 memstat agent unused
kill -0 "$flood" 2>/dev/null && pass || fail "the flood ended before the figures were checked"
touch "$work/flood.stop"
wait "$flood"
virsh list > /dev/null && pass || fail "the daemon stopped serving"

# --- bulk statistics: groups and names -------------------------------------
expect "state.state" 1 "$(domstat agent state.state --state)"
expect "state.reason" 1 "$(domstat agent state.reason --state)"
[ -n "$(domstat agent cpu.time --cpu-total)" ] && pass || fail "no cpu.time"
expect "vcpu.current" 1 "$(domstat agent vcpu.current --vcpu)"
expect "vcpu.maximum" 1 "$(domstat agent vcpu.maximum --vcpu)"
expect "vcpu.0.state" 1 "$(domstat agent vcpu.0.state --vcpu)"
[ -n "$(domstat agent vcpu.0.time --vcpu)" ] && pass || fail "no vcpu.0.time"
"$top/scripts/pv-domain-xml.sh" off 1024 2 > "$work/off.xml"
virsh define "$work/off.xml" > /dev/null
expect "inactive: balloon group" "balloon.current=1048576 balloon.maximum=1048576" \
    "$(virsh domstats --balloon off | sed -n 's/^  //p' | xargs)"
expect "inactive: state" "state.state=5 state.reason=0" \
    "$(virsh domstats --state off | sed -n 's/^  //p' | xargs)"
expect "every domain in one call" 5 "$(virsh domstats --state | grep -c '^Domain:')"
expect "filters" 1 "$(virsh domstats --state --list-shutoff | grep -c '^Domain:')"
if virsh domstats --perf --enforce agent > /dev/null 2> "$work/err"; then
    fail "unsupported groups accepted with --enforce"
else
    grep -q "Stats types bits 0x.* are not supported by this daemon" "$work/err" && pass ||
        fail "unexpected error: $(cat "$work/err")"
fi

# --- the statistics period -------------------------------------------------
virsh dommemstat agent --period 3 --live > /dev/null
expect "live period reaches the guest" 3 "$(xensim xs-read "/local/domain/$agentid/memory/stats-period")"
expect "live period in the live XML" 1 "$(virsh dumpxml agent | grep -c "<stats period='3'/>")"
expect "live period leaves the config" 1 "$(virsh dumpxml --inactive agent | grep -c "<stats period='7'/>")"
virsh dommemstat agent --period 0 --live > /dev/null
expect "period 0 stops the agent" 0 "$(xensim xs-read "/local/domain/$agentid/memory/stats-period")"
virsh dommemstat agent --period 30 --config > /dev/null
expect "config period" 1 "$(virsh dumpxml --inactive agent | grep -c "<stats period='30'/>")"
expect "config period leaves the guest" 0 "$(xensim xs-read "/local/domain/$agentid/memory/stats-period")"
if virsh dommemstat agent --period 86401 2> "$work/err"; then
    fail "a period over a day was accepted"
else
    grep -q "statistics period 86401 is out of range: it must be 0 (off) to 86400 seconds" "$work/err" &&
        pass || fail "unexpected error: $(cat "$work/err")"
fi
"$top/scripts/pv-domain-xml.sh" noballoon 256 1 "<devices><memballoon model='none'/></devices>" > "$work/nb.xml"
virsh define "$work/nb.xml" > /dev/null
if virsh dommemstat noballoon --period 5 --config 2> "$work/err"; then
    fail "a period was set on a domain without a balloon"
else
    grep -q "domain 'noballoon' has no memory balloon device" "$work/err" && pass ||
        fail "unexpected error: $(cat "$work/err")"
fi

# --- the balloon change event ----------------------------------------------
# events while the balloon moves, at most one a second, the last one with
# the allocation it reached.  The guest's balloon driver is slowed to
# 128 MiB/s so that 512 MiB take about 4 s: a faster rate than one event a
# second would show.
xensim fault balloon "$agentid" 128M
/usr/bin/python3 "$top/scripts/balloon-events.py" "$uri" agent 524288 "$((bound + 30))" \
    > "$work/events" 2> "$work/events.err" &
events=$!
wait_for "$bound" grep -qx ready "$work/events" && pass ||
    fail "the event client did not subscribe: $(cat "$work/events.err")"
started=$(date +%s%N)
virsh setmem agent 512M
if wait "$events"; then
    pass
else
    fail "no balloon change event reported 524288 KiB: $(cat "$work/events" "$work/events.err")"
fi
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
expect "actual after the balloon moved" 524288 "$(memstat agent actual)"
expect "last balloon change event" "balloon-change 524288" "$(grep '^balloon-change ' "$work/events" | tail -1)"
nevents=$(grep -c '^balloon-change ' "$work/events" || true)
[ "$elapsed_ms" -ge 2000 ] && pass ||
    fail "the balloon moved in $elapsed_ms ms: too fast for its events' rate to mean anything"
if [ "$nevents" -ge 1 ] && [ "$nevents" -le $(( (elapsed_ms + 999) / 1000 + 1 )) ]; then
    pass
else
    fail "$nevents balloon change events while the balloon moved for $elapsed_ms ms: $(xargs < "$work/events")"
fi

# --- a daemon restart reads every guest again ------------------------------
daemon stop "$work" --keep-host > /dev/null
uri=$(daemon start "$work")
expect_soon "after a restart" 1000 memstat agent unused

# --- our guest agent writes for its domain ---------------------------------
"$agent" --help | grep -q -- "--proc-root" && pass || fail "the agent's --help lacks --proc-root"
for bad in 0 abc 86401; do
    if "$agent" --interval "$bad" --once 2> "$work/err"; then
        fail "the agent took --interval $bad"
    else
        grep -q "invalid --interval '$bad'" "$work/err" && pass ||
            fail "unexpected agent error: $(cat "$work/err")"
    fi
done
fixture="$top/tests/xenmemstatddata/debian12-1g"
virsh dommemstat agent --period 1 --live > /dev/null
expect "period 1 reaches the guest" 1 "$(xensim xs-read "/local/domain/$agentid/memory/stats-period")"
LD_PRELOAD="$build/tools/xensim/libxensim-preload.so" XENSIM_DOMID=$agentid \
    XENSIM_SOCKET="$work/xensim.sock" "$agent" --once --proc-root "$fixture" > /dev/null
total=$(awk '$1 == "MemTotal:" { print $2 }' "$fixture/meminfo")
free=$(awk '$1 == "MemFree:" { print $2 }' "$fixture/meminfo")
avail=$(awk '$1 == "MemAvailable:" { print $2 }' "$fixture/meminfo")
expect_soon "agent: available is MemTotal" "$total" memstat agent available
expect "agent: unused is MemFree" "$free" "$(memstat agent unused)"
expect "agent: usable is MemAvailable" "$avail" "$(memstat agent usable)"
expect "agent: domstats balloon.usable" "$avail" "$(domstat agent balloon.usable --balloon)"
# the fixture's vmstat: 1450 and 7142 pages swapped, 2890044 faults of
# which 3120 major; Buffers + Cached 436416 KiB
for pair in swap_in=5800 swap_out=28568 major_fault=3120 minor_fault=2886924 disk_caches=436416; do
    expect "agent: ${pair%%=*}" "${pair#*=}" "$(memstat agent "${pair%%=*}")"
done
expect "agent: old agents' key" "$total" "$(xensim xs-read "/local/domain/$agentid/data/meminfo_total")"
# committed and suggest map to no tag: read them in the record itself,
# suggest worked out here from the fixture, Committed_AS plus a tenth of
# MemTotal (at least 64 MiB), within 128 MiB and MemTotal
committed=$(awk '$1 == "Committed_AS:" { print $2 }' "$fixture/meminfo")
suggest=$(awk -v t="$total" -v c="$committed" 'BEGIN {
    r = int(t / 10); if (r < 65536) r = 65536
    s = c + r; if (s < 131072) s = 131072; if (s > t) s = t
    print s }')
record=$(xensim xs-read "/local/domain/$agentid/data/memstats")
expect "agent: the record ends with committed and suggest" \
    "committed=$committed suggest=$suggest" "$(sed 's/.* htlbfail=[0-9]* //' <<< "$record")"

# the running agent follows the period the host sets: with --verbose it
# prints each record it wrote, one line each, its t= the time it was
# written (epoch seconds).  At period 1 it writes every second (its own
# --interval would be an hour) ...
written() { wc -l < "$work/agent.out"; }
# record_t N: t= of the agent's Nth record
record_t() { sed -n "${1}s/^1 t=\([0-9]*\) .*/\1/p" "$work/agent.out"; }
# expect_period_1 WHAT FIRST: the agent's records FIRST to FIRST + 2 are
# 1 s apart: they span 2 s (3 across a second's boundary), where at
# period 2 they would span 4 or 5
expect_period_1() {
    local t1 t3
    t1=$(record_t "$2")
    t3=$(record_t $(($2 + 2)))
    if [ -n "$t1" ] && [ -n "$t3" ] && [ $((t3 - t1)) -le 3 ]; then
        pass
    else
        fail "$1: records $2 to $(($2 + 2)) written at t=${t1:-?} to t=${t3:-?}, not 1 s apart"
    fi
}
# next_update AFTER: the daemon's last_update once it is past AFTER
next_update() {
    wait_for "$bound" at_least $(($1 + 1)) memstat agent last_update || return 1
    memstat agent last_update
}
LD_PRELOAD="$build/tools/xensim/libxensim-preload.so" XENSIM_DOMID=$agentid \
    XENSIM_SOCKET="$work/xensim.sock" "$agent" --verbose --interval 3600 \
    --proc-root "$fixture" > "$work/agent.out" &
agent_pid=$!
if wait_for "$bound" at_least 3 written; then
    pass
else
    fail "the agent did not write every second at period 1: $(written) records"
fi
expect_period_1 "period 1" 1
# the daemon reads each record as it comes (dom0's time of the read is
# last_update): three reads in a row span 2 or 3 s, as the records do
if u1=$(next_update "$(memstat agent last_update)") && u2=$(next_update "$u1") &&
   u3=$(next_update "$u2"); then
    [ $((u3 - u1)) -le 3 ] && pass ||
        fail "the daemon read the agent's records at $u1, $u2, $u3: not every second"
else
    fail "the daemon did not see the agent's new records (last_update $(memstat agent last_update))"
fi
# ... at period 0 it stops, once a write under way when it changed is done;
# a window of five periods would show four more ...
virsh dommemstat agent --period 0 --live > /dev/null
paused=$(written)
if wait_for 5 at_least $((paused + 2)) written; then
    fail "period 0 did not pause the agent: $(( $(written) - paused )) records after it"
else
    pass
fi
# ... and resumes at once when the period is set again
paused=$(written)
virsh dommemstat agent --period 1 --live > /dev/null
expect "period 1 again reaches the guest" 1 "$(xensim xs-read "/local/domain/$agentid/memory/stats-period")"
if wait_for "$bound" at_least $((paused + 3)) written; then
    pass
    expect_period_1 "period 1 after 0" $((paused + 1))
    resumed=$(record_t $((paused + 3)))
    wait_for "$bound" at_least "$resumed" memstat agent last_update && pass ||
        fail "the daemon did not see the resumed agent's record of t=$resumed"
else
    fail "the agent did not resume: $(( $(written) - paused )) records after period 1"
fi
kill -TERM "$agent_pid"
wait "$agent_pid" && pass || fail "the agent did not exit cleanly on SIGTERM"

finish xensim-memstats
