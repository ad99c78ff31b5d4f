#!/usr/bin/env bash
# policy: how many lightly loaded guests of 512 MiB fit on the real Xen
# stage's host (2 GiB, dom0_mem=512M: 1513 MiB free), each strategy on a
# fresh simulated host in the same run, and what the guests went through:
#  - auto: our daemon, each domain <memoryPolicy actor='auto'/> with a
#    floor (<min_guarantee>) and <memoryClaim/>;
#  - qmemman-style: our daemon without claims, domains without
#    <memoryPolicy/> (setmem sets the balloon target, as xl mem-set), and
#    bench/qmemman.py, Qubes' qmemman re-implemented from its published
#    algorithm with its own constants, balancing them through libvirt;
#  - static: each domain at its maximum, no balancing, no over-commit.
# Domains start one by one until one cannot start; then every guest's
# trace (bench/traces/light.trace, from the guest's start) runs on for a
# fixed time.  From the host: the domains running, the memory they
# needed and the host did not back (below need, MiB·s: swapped), OOM
# kills, and for each failed start whether free memory plus what the
# running domains held above their floors would have covered it; from
# the daemon's log, the balloon targets set (by the auto actor, or
# through setmem), the churn the guests' balloons went through.
#
# First line: policy: N domains (auto) vs M (qmemman-style), S (static)
# (ratio N/M); then one line per strategy.
#
# Sizes: POLICY_MEMORY, POLICY_DOM0 (xensim sizes), POLICY_SECONDS (the
# trace's time after the last start, 60), POLICY_MAX_DOMAINS (starts
# tried at most, 40), POLICY_FLOOR_MIB (the floor, 80), POLICY_START_MIB
# (what an over-committed guest starts with, 80); BENCH_SMALL=1 defaults
# to a 1 GiB host with dom0 256 MiB and 5 s.
set -euo pipefail
top=$1
build=$2
. "$top/bench/lib.sh"

if bench_small; then
    memory=${POLICY_MEMORY:-1G} dom0=${POLICY_DOM0:-256M} seconds=${POLICY_SECONDS:-5}
else
    # docs/real-xen.md: QEMU's 2048 MiB, dom0_mem=512M (the model: 1513 MiB free)
    memory=${POLICY_MEMORY:-2G} dom0=${POLICY_DOM0:-512M} seconds=${POLICY_SECONDS:-60}
fi
max_domains=${POLICY_MAX_DOMAINS:-40}
host=(--memory "$memory" --dom0 "$dom0" --cpus 2)
# Each guest: 512 MiB maximum, PV, one vCPU.  It starts at its floor,
# 80 MiB, the trace's peak: a guest at its floor still holds all it ever
# uses, so a floor is what it can always run in, and a start counted
# against the floors is one the guests can afford.  A small swap (128 MiB)
# makes memory a guest lacks show as swapping (below need) before it
# shows as OOM kills.  The guests write their statistics every second
# (<stats period='1'/>), for both balancers alike.
max_mib=512 floor_mib=${POLICY_FLOOR_MIB:-80} start_mib=${POLICY_START_MIB:-80} swap=128M
balloon="<devices><memballoon model='xen'><stats period='1'/></memballoon></devices>"
small="<currentMemory unit='MiB'>$start_mib</currentMemory>"
auto_xml="$small<memoryPolicy actor='auto'/><memoryClaim/><memtune><min_guarantee unit='MiB'>$floor_mib</min_guarantee></memtune>$balloon"
qmemman_xml="$small$balloon"
static_xml="<memoryClaim/>$balloon"
# the same libxl.conf for all: dom0 keeps its 512 MiB (dom0_mem=), the
# auto actor's defaults (reserve 72 MiB, grace 30 s)
conf="autoballoon = 0"

# the trace, its minute repeated for as long as any run can last
trace=$bench_work/light.trace
bench_light_trace $((seconds + 180)) "$trace"

# would_fit INFO_FILE NEED_MIB: "FREE ABOVE FITS": the host's free memory
# and what its domains held above their floors in xensim info INFO_FILE,
# and 1 if together they cover NEED_MIB
would_fit() {
    awk -v floor="$floor_mib" -v need="$2" '
        $1 == "free_memory" { free = $3 }
        table && $1 != "Domain-0" && $NF != "dying" && $4 > floor { above += $4 - floor }
        $1 == "Name" { table = 1 }
        END { if (free == "") exit 1
              print free, above + 0, (free + above >= need) ? 1 : 0 }' "$1" ||
        bench_die "no free memory in $1"
}

# the guests' accounting: "DOMAINS BELOW_NEED_MIB_S OOM_KILLS"
guests() {
    bxensim workload-stats | awk '
        { for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
        f["name"] != "Domain-0" { n++; below += f["below_need_mib_s"]; oom += f["oom_kills"] }
        END { printf "%d %.3f %d\n", n, below, oom }'
}

# run_virsh STRATEGY XML MIB: define and start domains one by one with
# virsh until one fails -> "STARTED NEED FREE ABOVE FITS" (of the failed
# start, from the host as it was then)
run_virsh() {
    local s=$1 xml=$2 cur=$3 i started=0 need
    need=$(bench_need_mib "$cur" "$max_mib")
    for i in $(seq 1 "$max_domains"); do
        bxensim preset "$s$i" --workload "$trace" --swap "$swap" > /dev/null
        bench_domain "$s$i" "$max_mib" "$xml"
        if bvirsh start "$s$i" > /dev/null 2> "$bench_work/$s.err"; then
            started=$i
            continue
        fi
        bxensim info > "$bench_work/$s.failed.info"
        # ours says what the start needed: it must be what we count with
        if grep -q "it needs [0-9]* MiB" "$bench_work/$s.err" &&
            ! grep -q "it needs $need MiB" "$bench_work/$s.err"; then
            bench_die "$s: the refusal's need is not $need MiB: $(cat "$bench_work/$s.err")"
        fi
        grep -q "not enough memory to start domain '$s$i'" "$bench_work/$s.err" ||
            bench_die "$s: start $i failed otherwise than for memory: $(cat "$bench_work/$s.err")"
        echo "$started $need $(would_fit "$bench_work/$s.failed.info" "$need")"
        return
    done
    bench_die "$s: all $max_domains starts ran: the host is bigger than the benchmark is sized for"
}

# run_qmemman: the same through bench/qmemman.py, which balances for the
# trace's time before it returns
run_qmemman() {
    local s=qmemman i names=() need started
    need=$(bench_need_mib "$start_mib" "$max_mib")
    for i in $(seq 1 "$max_domains"); do
        bxensim preset "$s$i" --workload "$trace" --swap "$swap" > /dev/null
        bench_domain "$s$i" "$max_mib" "$qmemman_xml"
        names+=("$s$i")
    done
    /usr/bin/python3 "$top/bench/qmemman.py" "$uri" \
        "$build/tools/xensim/xensim --socket $dir/xensim.sock info" "$bench_work" \
        "$seconds" $((need * 1024)) "${names[@]}" > "$bench_work/$s.out" ||
        bench_die "bench/qmemman.py failed"
    started=$(grep -c '^started ' "$bench_work/$s.out" || true)
    grep -q '^failed ' "$bench_work/$s.out" ||
        bench_die "$s: all $max_domains starts ran: the host is bigger than the benchmark is sized for"
    [ -f "$bench_work/failed.info" ] || bench_die "$s: no snapshot of the failed start"
    echo "$started $need $(would_fit "$bench_work/failed.info" "$need")"
}

# strategy NAME: on a fresh host -> "STARTED NEED FREE ABOVE FITS RUNNING
# BELOW OOM TARGETS"
strategy() {
    local s=$1 r targets
    bench_start "$s" "$conf" -- "${host[@]}"
    case $s in
        auto) r=$(run_virsh auto "$auto_xml" "$start_mib") ;;
        static) r=$(run_virsh static "$static_xml" "$max_mib") ;;
        qmemman) r=$(run_qmemman) ;;
    esac
    # the trace runs on for its time after the last start (qmemman.py
    # balanced for that long already)
    [ "$s" = qmemman ] || sleep "$seconds"
    # every target set on the host, by the auto actor or through setmem
    targets=$(grep -c -E ': (auto|balloon) target [0-9]' "$dir/log/libvirtd.log" || true)
    echo "$r $(guests) $targets"
    bench_stop
}

auto=$(strategy auto)
qmemman=$(strategy qmemman)
static=$(strategy static)
read -r -a a <<< "$auto"
read -r -a q <<< "$qmemman"
read -r -a s <<< "$static"
# every guest that started still runs
[ "${a[5]}" = "${a[0]}" ] || bench_die "auto: the host runs ${a[5]} guests after ${a[0]} started"
[ "${q[5]}" = "${q[0]}" ] || bench_die "qmemman: the host runs ${q[5]} guests after ${q[0]} started"
[ "${s[5]}" = "${s[0]}" ] || bench_die "static: the host runs ${s[5]} guests after ${s[0]} started"

describe() {    # LABEL STARTED NEED FREE ABOVE FITS RUNNING BELOW OOM TARGETS
    printf '%s: %s started, 1 failed start (needing %s MiB: %s MiB free, %s MiB above the floors), %s failed starts that would have fit at the floors; %s targets set; below need %s MiB·s, %s OOM kills, %s s after the last start\n' \
        "$1" "$2" "$3" "$4" "$5" "$6" "${10}" "$8" "$9" "$seconds"
}
echo "policy: ${a[0]} domains (auto) vs ${q[0]} (qmemman-style), ${s[0]} (static) (ratio $(ratio "${q[0]}" "${a[0]}"))"
describe auto "${a[@]}"
describe qmemman-style "${q[@]}"
describe static "${s[@]}"
