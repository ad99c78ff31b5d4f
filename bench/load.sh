#!/usr/bin/env bash
# load: a daemon under what a busy host puts on it at once, for 10
# minutes: 1000 running domains (400 of them under the auto actor), every
# guest's agent writing its statistics every second, 50 monitoring
# clients each collecting every domain's statistics every second over a
# connection of its own, and a start storm (8 <memoryClaim/> domains at
# once every 20 s, each from a connection of its own, about half of them
# too many for the host, the ones that ran destroyed 5 s later).  Ours
# against Debian's stock driver on the same host under the same clients
# and storm, one after the other in the same run.
#
# Measured: per poll, its latency (p50, p99, max over every client), the
# ticks missed (a poll that overran its second), errors and RPC timeouts
# (libvirt's keepalive closing a connection), base domains lost (absent
# from a poll) and stale (without guest figures read in the last 3 s);
# per start, whether it ran; the daemon's CPU (utime + stime) and RSS
# from /proc/PID/stat, sampled every 5 s from the second after the
# first polls, and whether each is flat (bench/load-summary.py says how
# that is judged).  First line: the figure of merit, the p99 poll
# latency (ratio stock / ours); second: CPU (also per poll answered),
# RSS, the auto actor's targets, the machine's load average.
#
# The domains: PV, one vCPU, each guest running bench/traces/light.trace
# (56-80 MiB used) from its own point of the trace's minute, with 128 MiB
# of swap; the auto ones 256 MiB, started with 96 MiB, floor 80 MiB; the
# others 96 MiB.  Every domain asks for a statistics period of 1 s
# (<stats period='1'/>); the stock driver does not pass that on, so the
# benchmark writes memory/stats-period for its guests itself: the host
# works as hard under both daemons.  The host leaves 32 GiB free for the
# storm (8 x 8 GiB asks twice that), builds populated at 64 GiB/s (the
# storm's builds are short; what is measured is the daemon beside them).
# libvirtd's defaults (20 workers, 5 requests a client).
#
# Usage: load.sh TOP BUILD [--minutes N] [--soak]
# --soak runs our daemon alone (no stock run, no ratio) and prints one
# line of its figures: for a run long enough to tell whether its CPU
# and resident memory stay flat once the clients' warm-up is over.
# Sizes: LOAD_DOMAINS (1000), LOAD_AUTO (400), LOAD_CLIENTS (50),
# LOAD_SECONDS (600; --minutes N sets it to N minutes), LOAD_STORM (8),
# LOAD_STORM_INTERVAL (20), LOAD_FREE_MIB (32768), LOAD_SAMPLE (5 s);
# LOAD_KEEP=DIR keeps the raw figures (each client's polls, the storm's
# starts, the samples, the daemon's logs) in DIR/ours and DIR/stock.
# BENCH_SMALL=1 defaults to 100 domains (40 auto), 10 clients, 20 s,
# storms of 4 every 10 s, 2 GiB free, samples every second.
set -euo pipefail
top=$1
build=$2
shift 2
. "$top/bench/lib.sh"

if bench_small; then
    n=${LOAD_DOMAINS:-100} auto=${LOAD_AUTO:-40} clients=${LOAD_CLIENTS:-10}
    seconds=${LOAD_SECONDS:-20} storm_k=${LOAD_STORM:-4} interval=${LOAD_STORM_INTERVAL:-10}
    free_mib=${LOAD_FREE_MIB:-2048} sample=${LOAD_SAMPLE:-1} hold=2
else
    n=${LOAD_DOMAINS:-1000} auto=${LOAD_AUTO:-400} clients=${LOAD_CLIENTS:-50}
    seconds=${LOAD_SECONDS:-600} storm_k=${LOAD_STORM:-8} interval=${LOAD_STORM_INTERVAL:-20}
    free_mib=${LOAD_FREE_MIB:-32768} sample=${LOAD_SAMPLE:-5} hold=5
fi
soak=no
while [ $# -gt 0 ]; do
    case $1 in
        --soak) soak=yes ;;
        --minutes)
            [[ ${2:-} =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 1440 ] ||
                bench_die "--minutes '${2:-}': a whole number of minutes from 1 to 1440"
            seconds=$(( $2 * 60 )); shift ;;
        *) bench_die "unknown option '$1' (usage: load.sh TOP BUILD [--minutes N] [--soak])" ;;
    esac
    shift
done
[ "$auto" -le "$n" ] || bench_die "LOAD_AUTO $auto is more than LOAD_DOMAINS $n"
# the storm asks for twice the free memory, in storm_k domains
storm_mib=$(( free_mib * 2 / storm_k ))
# the domains as they start (96 MiB; an auto guest's need is at most
# 100 MiB), dom0's 2 GiB, the free memory, and Xen's 1/128
memory=$(( (n * 96 + auto * 4 + 2048 + free_mib) * 129 / 128 + 8 ))
host=(--memory "${memory}M" --dom0 2G --populate-rate 64G)
hz=$(getconf CLK_TCK)
# The daemons' state directories (the status XML saved at every target
# the auto actor sets, under the domain's lock) are on a tmpfs, as
# /run is on a Xen host: on a disk's file system every save waits for
# fsync, and the clients' polls wait for the domains' locks behind it,
# which would measure the disk.  /dev/shm here; both daemons alike.
[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] ||
    bench_die "no tmpfs at /dev/shm for the daemons' state"
shm=$(mktemp -d /dev/shm/overcommit-bench.XXXXXX)
# and the clients of a benchmark step that failed go with it
trap '[ -f "$bench_work/clients.pids" ] && kill $(cat "$bench_work/clients.pids") 2>/dev/null; bench_cleanup; rm -rf "$shm"' EXIT
mkdir "$shm/ours" "$shm/stock"
ln -s "$shm/ours" "$bench_work/ours"
ln -s "$shm/stock" "$bench_work/stock"
client() { /usr/bin/python3 "$top/bench/load-client.py" "$uri" "$@"; }

bench_light_trace $((seconds + 600)) "$bench_work/light.trace" "$n"

# from epoch second $3 on, the daemon's CPU ticks and RSS every $sample
# s into $1, until the file $1.stop exists
sampler() {
    local out=$1 pid=$2 stat rss t
    while [ "$EPOCHSECONDS" -lt "$3" ] && [ -d "$bench_work" ]; do
        sleep 0.05
    done
    while [ ! -e "$out.stop" ] && [ -d "$bench_work" ]; do
        t=${EPOCHREALTIME/./}
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || break
        rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null) || break
        # after the command name, (libvirtd): utime and stime are the
        # 12th and 13th fields
        stat=${stat##*) }
        awk -v t=$((t / 1000)) -v rss="$rss" '{ print t, $12 + $13, rss }' <<< "$stat"
        sleep "$sample"
    done > "$out"
}

load1() { cut -d' ' -f1 /proc/loadavg; }

# run_one FLAVOUR -> the side's JSON (bench/load-summary.py side)
run_one() {
    local flavour=$1 i id pid t0 mark_err mark_log load0 load1v partway targets pids=()
    local sampler_pid
    local out=$bench_work/$flavour.run
    mkdir -p "$out"
    bench_start "$flavour" "" -- "${host[@]}"
    for i in $(seq 1 "$n"); do
        bxensim preset "load$i" --workload "$bench_work/light.trace.$i" --swap 128M > /dev/null
    done
    client start "$flavour" "$n" "$auto" > "$out/start" ||
        bench_die "the $flavour daemon did not start the $n domains"
    if [ "$flavour" = stock ]; then
        # the period the stock driver does not pass on, as ours does
        for id in $(bvirsh list --id); do
            [ "$id" = 0 ] || bxensim xs-write "/local/domain/$id/memory/stats-period" 1 > /dev/null
        done
    else
        # every guest's figures reach the daemon (bounded)
        for i in $(seq 1 300); do
            [ "$(client records "$n")" -ge "$n" ] && break
            sleep 0.2
        done
        [ "$(client records "$n")" -ge "$n" ] ||
            bench_die "only $(client records "$n") of $n guests' figures reached the daemon"
    fi
    pid=$(cat "$dir/libvirtd.pid")
    mark_err=$(stat -c %s "$dir/log/libvirtd.stderr")
    mark_log=$(stat -c %s "$dir/log/libvirtd.log")
    # every client connects, then all and the storm begin at the same
    # second; each client at its own fraction of the second, as
    # independent agents are
    for i in $(seq 1 "$clients"); do
        client poll "$n" "$out/go" "$(awk -v i="$i" -v c="$clients" 'BEGIN { printf "%.3f", (i - 1) / c }')" \
            "$seconds" "$out/poll.$i.out" 2> "$out/poll.$i.err" &
        pids+=($!)
    done
    client storm "$flavour" "$storm_k" "$storm_mib" "$out/go" "$seconds" "$interval" "$hold" \
        "$out/storm.out" 2> "$out/storm.err" &
    pids+=($!)
    echo "${pids[*]}" > "$bench_work/clients.pids"
    for i in $(seq 1 1200); do
        [ "$(find "$out" -name '*.ready' | wc -l)" -ge $((clients + 1)) ] && break
        for id in "${pids[@]}"; do
            kill -0 "$id" 2>/dev/null || bench_die "a $flavour client exited before the start: $(cat "$out"/*.err | tail -3)"
        done
        sleep 0.1
    done
    [ "$(find "$out" -name '*.ready' | wc -l)" -ge $((clients + 1)) ] ||
        bench_die "the $flavour clients did not connect within 120 s"
    t0=$(( EPOCHSECONDS + 2 ))
    load0=$(load1)
    # from the second after the first polls: what the daemon holds for
    # 50 clients is its working set, not growth
    sampler "$out/samples" "$pid" $((t0 + 1)) &
    sampler_pid=$!
    echo "$t0" > "$out/go.tmp" && mv "$out/go.tmp" "$out/go"
    for i in "${pids[@]}"; do
        wait "$i" || bench_die "a $flavour client failed: $(cat "$out"/*.err | tail -3)"
    done
    rm -f "$bench_work/clients.pids"
    touch "$out/samples.stop"
    wait "$sampler_pid" || true
    load1v=$(load1)
    kill -0 "$pid" 2>/dev/null || bench_die "the $flavour daemon died under the load"
    partway=$(tail -c +$((mark_err + 1)) "$dir/log/libvirtd.stderr" |
              grep -c '^xensim: libxl_domain_create_new: domain [0-9]* failed to build$' || true)
    targets=$(tail -c +$((mark_log + 1)) "$dir/log/libvirtd.log" |
              grep -c ': auto target [0-9]' || true)
    if [ -n "${LOAD_KEEP:-}" ]; then
        mkdir -p "$LOAD_KEEP/$flavour"
        cp -r "$out"/. "$dir/log/libvirtd.log" "$dir/log/libvirtd.stderr" "$LOAD_KEEP/$flavour/"
    fi
    bench_stop
    /usr/bin/python3 "$top/bench/load-summary.py" side "$out" "$hz" \
        domains="$n" auto="$auto" clients="$clients" seconds="$seconds" \
        storm_k="$storm_k" storm_mib="$storm_mib" partway="$partway" \
        targets="$targets" load0="$load0" load1="$load1v"
}

run_one ours > "$bench_work/ours.json"
if [ "$soak" = yes ]; then
    /usr/bin/python3 "$top/bench/load-summary.py" soak "$bench_work/ours.json"
    exit 0
fi
run_one stock > "$bench_work/stock.json"
/usr/bin/python3 "$top/bench/load-summary.py" lines "$bench_work/ours.json" "$bench_work/stock.json"
