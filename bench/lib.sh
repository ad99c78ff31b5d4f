# Sourced by the benchmarks: a simulated host with our or the stock daemon
# on it, and small measuring helpers.  Needs $top and $build.

bench_work=$(mktemp -d /tmp/overcommit-bench.XXXXXX)
bench_cleanup() {
    local d
    for d in "$bench_work"/*/; do
        [ -d "$d" ] && XENSIM_BUILD_DIR=$build "$top/scripts/daemon.sh" stop "$d" >/dev/null 2>&1
    done
    rm -rf "$bench_work"
}
trap bench_cleanup EXIT

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
            --libvirtd-conf-extra "$bench_work/libvirtd-extra.conf" -- "$@")
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

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Sample the host every 50 ms in the background until bench_sample_stop:
# the largest allocation (MiB) each domain other than dom0 reached
bench_sample_start() {
    : > "$bench_work/samples"
    ( while :; do
          bxensim info 2>/dev/null | awk 'NR > 8 && $1 != "Domain-0" { print $1, $4 }'
          sleep 0.05
      done >> "$bench_work/samples" ) &
    bench_sampler=$!
}

bench_sample_stop() {
    kill "$bench_sampler" 2>/dev/null || true
    wait "$bench_sampler" 2>/dev/null || true
}

# the largest allocation seen for domain $1 (MiB), 0 if never seen
bench_peak() {
    awk -v d="$1" '$1 == d && $2 > m { m = $2 } END { print m + 0 }' "$bench_work/samples"
}

# ratio A B with one decimal
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == 0) print "inf"; else printf "%.1f", b / a }'; }
