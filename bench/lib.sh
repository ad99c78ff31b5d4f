# Sourced by the benchmarks: a simulated host with our or the stock daemon
# on it, and small measuring helpers.  Needs $top and $build.
#
# Every figure a benchmark prints is read in the same run from the
# simulated host (xensim info), the daemon's clients or the clock: the
# helpers below fail the benchmark when the host cannot be read rather
# than print a figure they did not measure.

# a failure inside $(...) fails the step that runs it
shopt -s inherit_errexit

bench_name=$(basename "$0" .sh)
bench_work=$(mktemp -d /tmp/overcommit-bench.XXXXXX)
bench_sampler=
bench_cleanup() {
    local d
    # the sampler of a benchmark step that failed in a subshell
    [ -f "$bench_work/sampler.pid" ] && kill "$(cat "$bench_work/sampler.pid")" 2>/dev/null || true
    for d in "$bench_work"/*/; do
        [ -d "$d" ] && { XENSIM_BUILD_DIR=$build "$top/scripts/daemon.sh" stop "$d" >/dev/null 2>&1 || true; }
    done
    rm -rf "$bench_work"
}
trap bench_cleanup EXIT

bench_die() { echo "$bench_name: $*" >&2; exit 1; }

# BENCH_SMALL=1 selects each benchmark's small configuration (a few
# seconds, for tests/bench-lines.sh); explicit sizes override either.
bench_small() { [ "${BENCH_SMALL:-0}" = 1 ]; }

# bench_start FLAVOUR(ours|stock) LIBXL_CONF_LINES -- XENSIM_OPTIONS...
# sets $dir and $uri.  $bench_libvirtd_extra (lines) goes into both
# daemons' libvirtd.conf.
bench_start() {
    local flavour=$1 conf=$2
    shift 2
    [ "${1:-}" = -- ] && shift
    dir=$bench_work/$flavour
    mkdir -p "$dir"
    if [ -n "$conf" ]; then
        printf '%s\n' "$conf" > "$bench_work/$flavour.conf"
    else
        : > "$bench_work/$flavour.conf"
    fi
    printf '%s\n' "${bench_libvirtd_extra:-}" > "$bench_work/libvirtd-extra.conf"
    uri=$(XENSIM_BUILD_DIR=$build "$top/scripts/daemon.sh" start "$dir" \
            $([ "$flavour" = stock ] && echo --stock) \
            --libxl-conf "$bench_work/$flavour.conf" \
            --libvirtd-conf-extra "$bench_work/libvirtd-extra.conf" -- "$@") ||
        bench_die "cannot start the simulated host and the $flavour daemon"
}

bench_stop() {
    XENSIM_BUILD_DIR=$build "$top/scripts/daemon.sh" stop "$dir" >/dev/null
}

bvirsh() { "$build/subprojects/libvirt/tools/virsh" -q -c "$uri" "$@"; }
bxensim() { "$build/tools/xensim/xensim" --socket "$dir/xensim.sock" "$@"; }

# bench_domain NAME MIB [EXTRA_XML]: define a PV domain
bench_domain() {
    "$top/scripts/pv-domain-xml.sh" "$1" "$2" 1 "${3:-}" > "$bench_work/$1.xml"
    bvirsh define "$bench_work/$1.xml" >/dev/null
}

# milliseconds of the wall clock, without a fork
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# bench_host FIELD: a MiB figure of the host's header in xensim info
# (total_memory, free_memory, outstanding_claims, ...)
bench_host() {
    local out v
    out=$(bxensim info) || bench_die "cannot read the simulated host (xensim info)"
    v=$(awk -F': *' -v f="$1" '{ sub(/ +$/, "", $1) } $1 == f { print $2 + 0; found = 1 }
                               END { exit !found }' <<< "$out") ||
        bench_die "xensim info has no $1"
    echo "$v"
}

# bench_domain_mib NAME: the memory (MiB) the host's domain table gives
# domain NAME now, 0 if the host has no such domain
bench_domain_mib() {
    local out
    out=$(bxensim info) || bench_die "cannot read the simulated host (xensim info)"
    awk -v d="$1" 'table && $1 == d { m = $4 } $1 == "Name" { table = 1 }
                   END { print m + 0 }' <<< "$out"
}

# bench_domains_held: "COUNT MIB" of the domains other than dom0 on the host
bench_domains_held() {
    local out
    out=$(bxensim info) || bench_die "cannot read the simulated host (xensim info)"
    awk 'table && $1 != "Domain-0" { n++; m += $4 } $1 == "Name" { table = 1 }
         END { print n + 0, m + 0 }' <<< "$out"
}

# Sample the host's domain table in the background every INTERVAL
# seconds (default 0.05) until bench_sample_stop.  Each sample that the
# host answered is a line "@ MS" (when it was taken) followed by "NAME MIB"
# for each domain other than dom0; returns once the first sample is in.
bench_sample_start() {
    local interval=${1:-0.05} out t
    : > "$bench_work/samples"
    ( while [ -d "$bench_work" ]; do
          t=${EPOCHREALTIME/./}
          if out=$(bxensim info 2>/dev/null); then
              echo "@ $((t / 1000))"
              awk 'table && $1 != "Domain-0" { print $1, $4 }
                   $1 == "Name" { table = 1 }' <<< "$out"
          fi
          sleep "$interval"
      done ) >> "$bench_work/samples" 2>/dev/null &
    bench_sampler=$!
    echo "$bench_sampler" > "$bench_work/sampler.pid"
    until [ -s "$bench_work/samples" ]; do
        kill -0 "$bench_sampler" 2>/dev/null || bench_die "the host sampler stopped"
        sleep 0.01
    done
}

bench_sample_stop() {
    kill "$bench_sampler" 2>/dev/null || true
    wait "$bench_sampler" 2>/dev/null || true
    bench_sampler=
    rm -f "$bench_work/sampler.pid"
}

# bench_peak DOMAIN [T0_MS T1_MS]: "PEAK_MIB SAMPLES", the largest
# allocation the samples taken from T0 to T1 (default: all) saw for the
# domain (0 if none saw it), and how many samples were taken then
bench_peak() {
    awk -v d="$1" -v t0="${2:-0}" -v t1="${3:-0}" '
        $1 == "@" { in_window = ($2 >= t0 && (t1 == 0 || $2 <= t1)); if (in_window) n++; next }
        in_window && $1 == d && $2 > m { m = $2 }
        END { print m + 0, n + 0 }' "$bench_work/samples"
}

# bench_error FILE: the last error virsh wrote to FILE, without virsh's
# "error: " and libvirt's "operation failed: " / "internal error: "
bench_error() {
    sed -n 's/^error: //p' "$1" | tail -1 |
        sed -e 's/^operation failed: //' -e 's/^internal error: //'
}

# ratio A B: B / A with one decimal and an x ("inf" when only A is 0,
# "n/a" when both are)
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == 0) print (b == 0 ? "n/a" : "inf"); else printf "%.1fx\n", b / a }'
}

# bench_need_mib CURRENT_MIB MAX_MIB: what libxl needs to start a 1-vCPU
# PV domain (libxl__domain_need_memory_calculate: the target, the shadow
# memory libvirt asks for, 4 KiB x (256 x vCPUs + 2 x maximum MiB), and
# 1 MiB, rounded up to 2 MiB), as our daemon's refusals give it
bench_need_mib() {
    awk -v cur="$1" -v max="$2" 'BEGIN {
        kib = cur * 1024 + 4 * (256 + 2 * max) + 1024
        printf "%d\n", int((kib + 2047) / 2048) * 2 }'
}

# bench_light_trace SECONDS FILE [COPIES]: bench/traces/light.trace, its
# cycle repeated for at least SECONDS, into FILE (a trace holds its last
# point once it ends).  With COPIES, FILE.1 to FILE.COPIES instead, copy
# i starting (i - 1) / COPIES of the way into the cycle, as guests do that
# run the same programs but were not all started at the same second.
bench_light_trace() {
    awk -v want="$1" -v out="$2" -v copies="${3:-0}" 'BEGIN { n = 0 }
        NF && $1 !~ /^#/ { t[n] = $1; u[n] = $2; n++ }
        END {
            if (n < 2 || t[n - 1] <= 0) exit 1
            p = t[n - 1]
            for (c = 1; c <= (copies ? copies : 1); c++) {
                f = copies ? out "." c : out
                off = copies ? (c - 1) * p / copies : 0
                # the value at the offset, then the points after it
                for (i = 1; i < n && t[i] < off; i++) ;
                v = u[i - 1] + (u[i] - u[i - 1]) * (off - t[i - 1]) / (t[i] - t[i - 1])
                printf "0 %.3f\n", v > f
                for (r = 0; r * p < want + p + off; r++)
                    for (j = 1; j < n; j++)
                        if (r * p + t[j] > off)
                            printf "%.3f %s\n", r * p + t[j] - off, u[j] > f
                close(f)
            }
        }' "$top/bench/traces/light.trace" || bench_die "no trace in bench/traces/light.trace"
}
