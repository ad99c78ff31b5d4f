#!/usr/bin/env bash
# Steps 2-4 of the real-Xen scenario, same sizes, on the simulated host
# (tools/xensim) with the same daemon settings, for ours and the stock
# daemon; then a table of the real host's figures (from the last
# ./run xen-stage, .cache/xen-stage/out/figures-*.txt) beside the
# simulated ones.  How far the model is from a real Xen host, in numbers.
#
#   scripts/xen-stage/calibrate.sh TOP
set -euo pipefail

top=${1:?usage: calibrate.sh TOP}
build=$top/build
stage=$top/.cache/xen-stage
cal=$stage/calibration
virsh_bin=$build/subprojects/libvirt/tools/virsh
xensim_bin=$build/tools/xensim/xensim
# the real host: 2048 MiB of RAM (QEMU -m 2048), dom0_mem=512M, 2 CPUs
host=(--memory 2G --dom0 512M --cpus 2)
GUEST_MIB=256 BIG_MIB=1536 STORM_N=10 STORM_MIB=160

rm -rf "$cal"
mkdir -p "$cal"
# the same libvirtd settings as in dom0 (dom0-daemon.sh)
printf 'min_workers = 16\nmax_workers = 16\nkeepalive_interval = -1\n' > "$cal/libvirtd-extra.conf"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
. "$top/scripts/xen-stage/storm-figures.sh"

run_flavour() {
    local flavour=$1
    local dir=$cal/$flavour figs=$cal/figures-sim-$1.txt
    local uri t0 before after err ms i names=()
    fig() { printf '%s=%s\n' "$1" "$2" >> "$figs"; }
    vsh() { "$virsh_bin" -k 0 -c "$uri" "$@"; }
    info() { "$xensim_bin" --socket "$dir/xensim.sock" info; }
    field() { info | awk -F' *: *' -v f="$1" '$1 == f { print $2 + 0 }'; }
    names_on_host() { info | awk 'table && NF > 5 && $1 != "Domain-0" { print $1 }
                                  $1 == "Name" { table = 1 }' | sort | tr '\n' ' '; }
    : > "$figs"
    uri=$(XENSIM_BUILD_DIR=$build "$top/scripts/daemon.sh" start "$dir" \
        $([ "$flavour" = stock ] && echo --stock) \
        --libvirtd-conf-extra "$cal/libvirtd-extra.conf" -- "${host[@]}")
    xml() { "$top/scripts/pv-domain-xml.sh" "$1" "$2" 1 "<memoryClaim/>" > "$dir/$1.xml"; echo "define $dir/$1.xml;"; }
    vsh "$(xml guest $GUEST_MIB; xml big $BIG_MIB; for i in $(seq 1 $STORM_N); do xml "storm$i" $STORM_MIB; done)" > /dev/null

    fig step1.xl_free_mib "$(field free_memory)"
    # step 2
    before=$(field free_memory)
    t0=$(now_ms)
    vsh -t start guest > "$dir/start-guest" 2>&1
    ms=$(( $(now_ms) - t0 ))
    fig step2.start_ms "$(sed -n 's/^(Time: \([0-9]*\)\..*/\1/p' "$dir/start-guest") (virsh -t), $ms wall"
    fig step2.xl_free_mib "$before -> $(field free_memory)"
    fig step2.xl_claims_mib "$(field outstanding_claims)"
    # step 3
    before=$(field free_memory)
    t0=$(now_ms)
    vsh -t start big > "$dir/start-big" 2>&1 || true
    ms=$(( $(now_ms) - t0 ))
    err=$(grep '^error:' "$dir/start-big" | tail -1 | sed 's/^error: //')
    fig step3.error "$err"
    fig step3.fail_ms "$(sed -n 's/^(Time: \([0-9]*\)\..*/\1/p' "$dir/start-big") (virsh -t), $ms wall"
    fig step3.xl_free_mib "$before -> $(field free_memory)"
    fig step3.xl_claims_mib "$(field outstanding_claims)"
    fig step3.xl_domains "$(names_on_host)"
    # step 4
    for i in $(seq 1 $STORM_N); do names+=("storm$i"); done
    before=$(field free_memory)
    t0=$(now_ms)
    /usr/bin/python3 "$top/bench/storm-client.py" --paused "$uri" "${names[@]}" > "$dir/storm.out"
    ms=$(( $(now_ms) - t0 ))
    # every start has returned, and a failed build is destroyed before its
    # start returns: the host's figures are final (the simulated host frees
    # a destroyed domain's pages at once)
    fig step4.storm "$STORM_N x $STORM_MIB MiB at once, started paused on $before MiB free"
    fig step4.ran "$(storm_count "$dir/storm.out" OK)"
    fig step4.failed "$(storm_count "$dir/storm.out" FAIL)"
    fig step4.slowest_failure_ms "$(storm_slowest "$dir/storm.out" FAIL)"
    fig step4.slowest_start_ms "$(storm_slowest "$dir/storm.out" OK)"
    fig step4.settled_ms "$ms"
    fig step4.errors "$(storm_errors "$dir/storm.out")"
    fig step4.xl_free_mib "$before -> $(field free_memory)"
    fig step4.xl_claims_mib "$(field outstanding_claims)"
    fig step4.xl_domains "$(names_on_host)"
    XENSIM_BUILD_DIR=$build "$top/scripts/daemon.sh" stop "$dir" > /dev/null
}

run_flavour ours
run_flavour stock

# The table: every figure the simulation recorded, real beside simulated.
value() { sed -n "s/^$2=//p" "$1" 2>/dev/null | sed -n 1p; }
echo "| figure | real, ours | simulated, ours | real, stock | simulated, stock |"
echo "|---|---|---|---|---|"
while IFS='=' read -r key _; do
    printf '| %s | %s | %s | %s | %s |\n' "$key" \
        "$(value "$stage/out/figures-ours.txt" "$key")" "$(value "$cal/figures-sim-ours.txt" "$key")" \
        "$(value "$stage/out/figures-stock.txt" "$key")" "$(value "$cal/figures-sim-stock.txt" "$key")"
done < "$cal/figures-sim-ours.txt" | tee "$cal/table.md"
