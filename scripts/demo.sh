#!/usr/bin/env bash
# ./run demo: a walk through the product, one section per feature.
set -euo pipefail

builddir=$1
top=$(cd "$(dirname "$0")/.." && pwd)
virsh=$builddir/subprojects/libvirt/tools/virsh
xensim=$builddir/tools/xensim/xensim
work=$(mktemp -d /tmp/overcommit-demo.XXXXXX)
cleanup() {
    XENSIM_BUILD_DIR=$builddir "$top/scripts/daemon.sh" stop "$work/host" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

section() { printf '\n== %s\n\n' "$*"; }
# A step whose outcome is not what the demo shows ends the demo.
demo_fail() { echo "demo: FAILED: $*" >&2; exit 1; }
# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.1 s until it
# succeeds; fail the demo after SECONDS.
wait_for() {
    local limit=$1 what=$2 i
    shift 2
    for i in $(seq 1 $((limit * 10))); do
        "$@" && return 0
        sleep 0.1
    done
    demo_fail "$what: not seen within $limit s"
}
# the simulated host's figure for domain NAME, column COL of xensim info
host_dom() { host info | awk -v n="$1" -v c="$2" '$1 == n { print $c }'; }
host_field() { host info | awk -v k="$1" '$1 == k { print $3 }'; }

section "1. Domain XML: <memoryClaim/> and <memoryPolicy/>"

cat <<'TEXT'
What this shows
---------------
A domain can now say <memoryClaim/>: when libvirt's Xen (libxl) driver builds
it, the hypervisor first claims all of the domain's memory in one atomic
step, so a start that cannot fit fails at once instead of half-building the
domain, and concurrent starts can no longer over-commit the host. Without
the element the host default applies (claim_mode in libxl.conf); mode='off'
opts a domain out. <memoryPolicy actor=... delay=... paging=.../> names who
reaches a memory target set with 'virsh setmem': nobody, the admin, the
balloon driver (then, for HVM guests with paging='on', the pager after
'delay' seconds), or an automatic balancer. Below, the built virsh defines
such a domain on libvirt's test driver with schema validation, prints it back
unchanged, and refuses a bad value with an error that names it.

TEXT

cat > "$work/demo.xml" <<'XML'
<domain type='test'>
  <name>overcommit-demo</name>
  <memory unit='MiB'>1024</memory>
  <currentMemory unit='MiB'>512</currentMemory>
  <memoryClaim/>
  <memoryPolicy actor='balloon' delay='5' paging='on'/>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
</domain>
XML
sed -e "s|<memoryClaim/>|<memoryClaim mode='maybe'/>|" \
    -e "s|overcommit-demo|overcommit-bad|" "$work/demo.xml" > "$work/bad.xml"

run() { printf '$ virsh %s\n' "${*:2}"; "$@" 2>&1; }
say() { printf '%s\n' "$@" | fold -s -w 78; }

run "$virsh" -c test:///default \
    "define --validate $work/demo.xml; dumpxml overcommit-demo" |
    sed -n -e '1,/<currentMemory/p' -e '/<memoryClaim/p' -e '/<memoryPolicy/p' -e '/<vcpu/p'
echo "  ..."
echo
if run "$virsh" -c test:///default "define $work/bad.xml"; then
    echo "demo: a bad <memoryClaim> mode was accepted" >&2
    exit 1
fi

section "2. A simulated 16 GiB Xen host running our libvirt daemon"
say "No machine here runs Xen, so the demo starts a simulated host: a daemon" \
    "that models the hypervisor's memory (free pages, claims, balloon drivers)" \
    "and xenstore, and a library preloaded into libvirtd that answers the" \
    "libxl driver's calls from it. The driver itself is libvirt's, unmodified" \
    "by the simulation; a domain build fills memory at 1 GiB/s as on a real host."
echo
uri=$(XENSIM_BUILD_DIR=$builddir "$top/scripts/daemon.sh" start "$work/host" -- --memory 16G --dom0 2G)
host() { "$xensim" --socket "$work/host/xensim.sock" "$@"; }
v() { printf '$ virsh %s\n' "$*"; "$virsh" -c "$uri" "$@" 2>&1; }

v nodeinfo | grep -E '^\$|CPU\(s\)|Memory size'
echo
for spec in web:1024 db:2048 batch:4096; do
    "$top/scripts/pv-domain-xml.sh" "${spec%%:*}" "${spec#*:}" 2 "<memoryClaim/>" \
        > "$work/${spec%%:*}.xml"
    "$virsh" -q -c "$uri" define "$work/${spec%%:*}.xml" >/dev/null
done
say "Three PV domains are defined (web 1 GiB, db 2 GiB, batch 4 GiB). Starting" \
    "them builds each one: the hypervisor populates its memory."
for name in web db batch; do
    start=$(date +%s%N)
    v start "$name"
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf '   (%d.%01d s)\n' $((ms / 1000)) $((ms % 1000 / 100))
done
echo
v list
say "virsh freecell is what a client sees as free memory on the host:"
v freecell
v dominfo db | grep -E '^\$|Name|State|memory'
echo
say "The simulated host's own view, like xl info and xl list: free memory," \
    "outstanding claims, and each domain's pages, target and claim."
printf '$ xensim info\n'
host info
echo
say "virsh setmem sets the guest's balloon target; its balloon driver gives the" \
    "memory back to the host at its own pace:"
v setmem batch 2097152 --live
t0=$(date +%s%N)
batch_at_target() { [ "$(host_dom batch 4)" = 2048 ]; }
wait_for 30 "batch's balloon reaching 2048 MiB" batch_at_target
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf '$ xensim info | grep batch   (%d.%01d s later)\n' $((ms / 1000)) $((ms % 1000 / 100))
host info | grep -E 'Name|batch'
echo
v destroy web
v destroy db
v destroy batch
printf '$ xensim info | head -4\n'
host info | head -4
left=$(host info | awk 'table && $1 != "Name" && $1 != "Domain-0" { print $1 } /^$/ { table = 1 }')
[ -z "$left" ] || demo_fail "domains left on the host after destroy: $left"
XENSIM_BUILD_DIR=$builddir "$top/scripts/daemon.sh" stop "$work/host" >/dev/null

section "3. Claims: atomic admission, fail fast, free memory net of claims"
say "Now a smaller host (4 GiB, dom0 1 GiB: about 3 GiB free). Every domain" \
    "says <memoryClaim/>, so its build first claims all of its memory in the" \
    "hypervisor, and our driver admits a start only into memory nobody else" \
    "has claimed or is about to take. This host fills a domain's memory at" \
    "256 MiB/s, so a build lasts long enough to be watched."
echo
uri=$(XENSIM_BUILD_DIR=$builddir "$top/scripts/daemon.sh" start "$work/host" -- \
      --memory 4G --dom0 1G --populate-rate 256M)
claim_domain() {
    "$top/scripts/pv-domain-xml.sh" "$1" "$2" 1 "<memoryClaim/>" > "$work/$1.xml"
    "$virsh" -q -c "$uri" define "$work/$1.xml" >/dev/null
}
claim_domain huge 16384
say "A 16 GiB domain cannot fit. It fails at once, before a page is populated," \
    "with the numbers (the stock driver would build it until memory runs out):"
start=$(date +%s%N)
if v start huge > "$work/huge.out"; then
    cat "$work/huge.out"
    demo_fail "the 16 GiB domain started on a 4 GiB host"
fi
ms=$(( ($(date +%s%N) - start) / 1000000 ))
cat "$work/huge.out"
echo "   ($ms ms)"
grep -q 'not enough memory to start domain' "$work/huge.out" ||
    demo_fail "the refusal does not say why"
[ -z "$(host_dom huge 1)" ] || demo_fail "the refused domain was left on the host"
echo
free=$(host_field free_memory)
fit=$(( free / 512 ))
say "Eight 512 MiB domains started at the same moment, on room for $fit" \
    "($free MiB free); which $fit win is up to the race:"
for i in 1 2 3 4 5 6 7 8; do
    claim_domain "vm$i" 512
done
for i in 1 2 3 4 5 6 7 8; do
    ( if "$virsh" -q -c "$uri" start "vm$i" >/dev/null 2>"$work/vm$i.err"; then
          echo "   vm$i: started"
      else
          echo "   vm$i: refused: $(sed -n 's/^error: operation failed: //p' "$work/vm$i.err" | cut -c1-60)..."
      fi ) > "$work/vm$i.result" &
done
wait
cat "$work"/vm?.result
started=$(grep -c ': started$' "$work"/vm?.result | awk -F: '{ n += $2 } END { print n }')
refused=$(grep -l 'not enough memory to start domain' "$work"/vm?.err 2>/dev/null | wc -l)
echo
say "Exactly the $fit that fit run; no claim is left, nothing is over-committed:"
printf '$ xensim info\n'
host info | grep -E '^(free_memory|outstanding_claims)|^vm|^Name'
running=$(host info | awk '$1 ~ /^vm[0-9]$/ && $NF == "running"' | wc -l)
[ "$started" = "$fit" ] && [ "$running" = "$fit" ] ||
    demo_fail "$started started and $running run on the host, where $fit fit"
[ "$refused" = $(( 8 - fit )) ] ||
    demo_fail "$refused of $(( 8 - fit )) starts were refused for want of memory"
[ "$(host_field outstanding_claims)" = 0 ] || demo_fail "a claim was left after the storm"
echo
# Two of those that won make room again, whichever they are.
gone=$("$virsh" -q -c "$uri" list --name | grep '^vm' | sort | head -2)
say "While a domain builds, its claim is visible, and free memory is net of it" \
    "(after destroying $(echo $gone | sed 's/ / and /') to make room):"
for name in $gone; do
    "$virsh" -q -c "$uri" destroy "$name" >/dev/null
done
claim_domain slow 1024
"$virsh" -q -c "$uri" start slow > "$work/slow.out" 2>&1 &
slow_pid=$!
slow_claiming() { [ "$(host_dom slow 7)" -gt 0 ] 2>/dev/null; }
wait_for 30 "the building domain's claim" slow_claiming
v nodememstats | tee "$work/nodememstats"
v freecell
wait "$slow_pid" || { cat "$work/slow.out"; demo_fail "the domain 'slow' did not start"; }
claimed=$(awk '$1 == "claimed:" { print $2 }' "$work/nodememstats")
[ "${claimed:-0}" -gt 0 ] || demo_fail "nodememstats showed no claim while 'slow' was building"
XENSIM_BUILD_DIR=$builddir "$top/scripts/daemon.sh" stop "$work/host" >/dev/null

section "4. Guest memory statistics: our agent, dommemstat, domstats, the period"
say "A guest knows what it does with its memory; the hypervisor only knows" \
    "what it gave. Our agent, xenmemstatd, runs in the guest and writes its" \
    "/proc/meminfo and /proc/vmstat figures to xenstore; our driver keeps them" \
    "fresh through a xenstore watch and serves them through the APIs" \
    "virt-manager, virsh and ceilometer already call. Here the agent runs as" \
    "guest 'app' of a simulated host, reading a 1 GiB Debian 12 guest's /proc files."
echo
uri=$(XENSIM_BUILD_DIR=$builddir "$top/scripts/daemon.sh" start "$work/host" -- --memory 8G --dom0 1G)
"$top/scripts/pv-domain-xml.sh" app 1024 1 \
    "<devices><memballoon model='xen'><stats period='2'/></memballoon></devices>" > "$work/app.xml"
"$virsh" -q -c "$uri" define "$work/app.xml" >/dev/null
"$virsh" -q -c "$uri" start app >/dev/null
appid=$("$virsh" -q -c "$uri" domid app)
agent() {
    LD_PRELOAD="$builddir/tools/xensim/libxensim-preload.so" XENSIM_DOMID=$appid \
        XENSIM_SOCKET="$work/host/xensim.sock" \
        "$builddir/tools/xenmemstatd/xenmemstatd" --proc-root "$top/tests/xenmemstatddata/debian12-1g" "$@"
}
records() { grep -c '^1 t=' "$work/agent.out" || true; }
say "The domain's XML asks for statistics every 2 s (<stats period='2'/>); the" \
    "driver wrote that to a key only dom0 can write and the guest can read:"
printf '$ xensim xs-read /local/domain/%s/memory/stats-period\n' "$appid"
host xs-read "/local/domain/$appid/memory/stats-period" | tee "$work/period"
[ "$(cat "$work/period")" = 2 ] || demo_fail "the period key does not hold 2"
echo
say "The agent starts in the guest and writes its record:"
: > "$work/agent.out"
agent --verbose >> "$work/agent.out" 2>&1 &
agent_pid=$!
has_record() { [ "$(records)" -ge 1 ]; }
wait_for 10 "the agent's first record" has_record
printf '$ xenmemstatd --verbose   (in the guest)\n'
grep -m1 '^1 t=' "$work/agent.out"
echo
has_unused() { "$virsh" -q -c "$uri" dommemstat app | grep -q '^unused '; }
wait_for 10 "the guest's figures in dommemstat" has_unused
v dommemstat app
echo
say "The same through the bulk API, with the QEMU driver's field names, for" \
    "every domain in one call (./run bench stats times it for 1000 domains):"
v domstats --balloon app | tee "$work/domstats"
grep -q 'balloon.unused=' "$work/domstats" || demo_fail "domstats shows no guest figure"
say "The host sets a new period live; the agent follows at once (it watches" \
    "the key) and writes every second now:"
v dommemstat app --period 1 --live
period_is_1() { [ "$(host xs-read "/local/domain/$appid/memory/stats-period")" = 1 ]; }
wait_for 10 "the period key holding 1" period_is_1
printf '$ xensim xs-read /local/domain/%s/memory/stats-period\n' "$appid"
host xs-read "/local/domain/$appid/memory/stats-period"
n0=$(records)
three_more() { [ "$(records)" -ge $((n0 + 3)) ]; }
t0=$(date +%s%N)
wait_for 20 "three records at the new period" three_more
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
# t= of the first and the third record after the change (epoch seconds):
# at 1 s apart they span 2 s (3 at a second's boundary), at 2 s apart 4 or 5
span=$(grep '^1 t=' "$work/agent.out" | sed -n "$((n0 + 1))p;$((n0 + 3))p" |
       sed 's/^1 t=\([0-9]*\).*/\1/' | xargs | awk 'NF == 2 { print $2 - $1 }')
printf '$ xenmemstatd --verbose   (in the guest: records written so far)\n'
echo "   $(records) ($((n0)) before the change; three more in $ms ms, the first and third ${span:-?} s apart)"
[ -n "$span" ] && [ "$span" -le 3 ] ||
    demo_fail "the three records after the change span ${span:-no} seconds, not those of a 1 s period"
kill -TERM "$agent_pid"
wait "$agent_pid" || true
echo
say "Its balloon moves when the host asks, and a balloon-change event says so:"
"$top/scripts/balloon-events.py" "$uri" app 524288 30 > "$work/event.out" 2>&1 &
event_pid=$!
subscribed() { grep -q '^ready$' "$work/event.out" || ! kill -0 "$event_pid" 2>/dev/null; }
wait_for 30 "the event subscription" subscribed
v setmem app 512M --live
wait "$event_pid" || { cat "$work/event.out"; demo_fail "no balloon-change event reported 524288 KiB"; }
printf '$ balloon-events.py   (a libvirt client subscribed to balloon-change; at most one event a second)\n'
sed -n "s/^balloon-change \(.*\)/event 'balloon-change' for domain 'app': \1 KiB/p" "$work/event.out"
XENSIM_BUILD_DIR=$builddir "$top/scripts/daemon.sh" stop "$work/host" >/dev/null

section "5. Memory policy actors: balloon, then the pager; auto"
say "Each domain's <memoryPolicy/> says who moves its memory to a target." \
    "This host offers paging (Debian's hypervisor does not: there a paged" \
    "domain's start is refused, and says why); the driver runs a pager for" \
    "each domain with paging='on', here xenpaging's stand-in."
echo
printf 'pager_program = "%s"\nauto_grace = 0\nautoballoon = 0\n' \
    "$builddir/tools/xensim/xensim-pager" > "$work/policy.conf"
uri=$(XENSIM_BUILD_DIR=$builddir "$top/scripts/daemon.sh" start "$work/host" \
      --libxl-conf "$work/policy.conf" -- --memory 8G --dom0 1G --paging on --paging-rate 256M)
cat > "$work/paged.xml" <<XML
<domain type='xen'>
  <name>paged</name>
  <memory unit='MiB'>1024</memory>
  <memoryPolicy actor='balloon' delay='3' paging='on'/>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='xenfv'>hvm</type></os>
</domain>
XML
"$virsh" -q -c "$uri" define "$work/paged.xml" >/dev/null
v start paged
pager_on() { [ "$(host_dom paged 10)" = on ]; }
wait_for 10 "paged's pager attaching" pager_on
say "paged is an HVM domain with actor='balloon' delay='3' paging='on'. Its" \
    "balloon driver is stuck (the simulated guest ignores its target):"
host fault balloon paged 0 >/dev/null
v setmem paged 768M
printf '$ xensim info | grep paged\n'
host info | grep -E 'Name|^paged'
say "The balloon target moved at once (768 MiB less libxl's 8 MiB of video" \
    "RAM); the allocation did not. Three seconds later the actor gives the" \
    "rest to the pager:"
is_paged() { [ "$(host_dom paged 4)" = 768 ]; }
t0=$(date +%s%N)
wait_for 20 "paged paged down to 768 MiB" is_paged
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf '$ xensim info | grep paged   (%d.%01d s later)\n' $((ms / 1000)) $((ms % 1000 / 100))
host info | grep -E 'Name|^paged'
v memtune paged
echo
say "Actor auto: three idle guests of 2 GiB each (floor 256 MiB) whose" \
    "agents say they use 600 MiB are brought to their need, 600 MiB + 25 %:"
report() {      # NAME USED_MIB: the guest uses that much, and says so
    local id total used=$(( $2 * 1024 ))
    id=$(host_dom "$1" 2)
    total=$(( $(host_dom "$1" 4) * 1024 ))
    [ "$used" -le "$total" ] || used=$total
    host set-used "$1" "$(( used / 1024 ))M" >/dev/null
    host xs-write "/local/domain/$id/data/memstats" "1 total=$total avail=$(( total - used ))" "$id" >/dev/null
}
for g in idle1 idle2 idle3; do
    "$top/scripts/pv-domain-xml.sh" "$g" 2048 1 \
        "<memoryPolicy actor='auto'/><memtune><min_guarantee unit='MiB'>256</min_guarantee></memtune>" \
        > "$work/$g.xml"
    "$virsh" -q -c "$uri" define "$work/$g.xml" >/dev/null
    "$virsh" -q -c "$uri" start "$g" >/dev/null
    report "$g" 600
done
at_need() { [ "$(host_dom "$1" 4)" = "$2" ] && [ "$(host_dom "$1" 6)" = "$2" ]; }
for g in idle1 idle2 idle3; do wait_for 30 "$g at its need of 750 MiB" at_need "$g" 750; done
printf '$ xensim info\n'
host info | grep -E '^free_memory|Name|^idle'
echo
free=$(host_field free_memory)
say "A 4300 MiB domain with <memoryClaim/> does not fit in the $free MiB free." \
    "Admission counts what the auto guests could give down to their floors," \
    "has them give it (toward their floors; a guest gives no more than it" \
    "does not use), and stakes the claim once it is free:"
"$top/scripts/pv-domain-xml.sh" bulk 4300 1 "<memoryClaim/>" > "$work/bulk.xml"
"$virsh" -q -c "$uri" define "$work/bulk.xml" >/dev/null
t0=$(date +%s%N)
v start bulk
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf '   (%d.%01d s)\n' $((ms / 1000)) $((ms % 1000 / 100))
[ "$(host_dom bulk 4)" = 4300 ] || demo_fail "bulk does not hold its 4300 MiB"
printf '$ xensim info\n'
host info | grep -E '^free_memory|Name|^idle|^bulk'
echo
v destroy bulk
say "bulk is gone; idle1's load rises to 1500 MiB. Its agent keeps saying" \
    "it uses all it has, and the actor gives memory back, 25 % a step, up to" \
    "its need of 1875 MiB:"
grows() { report idle1 1500; at_need idle1 1875; }
t0=$(date +%s%N)
wait_for 60 "idle1 given 1875 MiB" grows
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf '$ xensim info | grep idle1   (%d.%01d s later)\n' $((ms / 1000)) $((ms % 1000 / 100))
host info | grep -E 'Name|^idle1'
echo
echo "demo: done"
