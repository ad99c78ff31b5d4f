#!/usr/bin/env bash
# Mutation check: break one key behaviour at a time in a scratch copy of
# the checkout and show that some test fails for each.
#
# Usage: tests/mutate.sh SOURCE_ROOT [MUTANT...]    (as root; ./run mutate)
#
# The scratch copy holds the checkout's files (tracked and untracked, as
# git ls-files lists them), its prepared libvirt tree, the fetched source
# and its build directory.  Inside a private mount namespace it is bound
# over SOURCE_ROOT, so that the build's absolute paths, meson's test
# definitions and the daemons' compiled-in directories all lead into the
# copy while the real tree stays as it is, for this process and everyone
# else.  The build is then incremental: only what a mutation touches is
# rebuilt, and only the targets the tests need.
#
# Each mutant edits one of our sources (src/...) or hook patches
# (patches/libvirt/...) in the copy, re-runs scripts/prepare-libvirt.sh
# there, rebuilds and runs its tests, cheapest first, until one fails.
# Before any mutant the same tests must pass on the unmutated copy.
# Prints one line per mutant, "NAME: caught by TEST" or "NAME: SURVIVED",
# and exits 1 if any survived (2 if the check itself could not run).
# MUTATE_KEEP=1 keeps the scratch directory and the logs (kept anyway
# when something survived or failed).
set -euo pipefail

# ---------------------------------------------------------------- mutants
# NAME|FILE|TEXT|REPLACEMENT|TESTS (comma-separated, cheapest first)|WHAT
# TEXT must occur exactly once in FILE.
mutants=(
"ledger|src/libxl/libxl_admission.c|libxlClaimPendingKiB(t->needKiB|0 * libxlClaimPendingKiB(t->needKiB|xensim-claims,xensim-admission,demo|the in-flight ledger's pending sum counts nothing for other starts"
"record-bound|src/libxl/libxl_memstats.c|if (len > LIBXL_MEMSTATS_RECORD_MAX) {|if (len > 4 * LIBXL_MEMSTATS_RECORD_MAX) {|libxlmemstatstest,libxlmemstatstest (asan+ubsan),xensim-memstats|records over 1024 bytes are parsed"
"claim-flag|patches/libvirt/0005-libxl-Admit-domain-starts-against-claimed-memory.patch|+    libxlAdmissionSetBuildInfo(def, cfg, b_info);|+    /* mutant: b_info.claim_mode left unset */|libxlxml2domconfigtest,xensim-claims|the build never gets claim_mode from <memoryClaim/>"
"net-free|src/libxl/libxl_node_memory.c|return mem->freeKiB > mem->claimedKiB ? mem->freeKiB - mem->claimedKiB : 0;|return mem->freeKiB;|client-python,xensim-claims,demo|free memory (freemem, nodememstats) includes outstanding claims"
"net-free-cells|src/libxl/libxl_node_memory.c|    libxlClaimNetFree(cellKiB, nr_nodes, mem.claimedKiB);|    /* mutant: cells keep the claims */|client-python,xensim-claims,demo|the cells' free memory (freecell) includes outstanding claims"
"period-key|src/libxl/libxl_memstats_cache.c|if (!xs_write(cache->xsh, XBT_NULL, path, value, strlen(value))) {|if (0 && !xs_write(cache->xsh, XBT_NULL, path, value, strlen(value))) {|client-python,xensim-memstats,demo|memory/stats-period is never written"
)

# what the tests above need built
targets=(
    subprojects/libvirt/src/libvirt_driver_libxl.so
    subprojects/libvirt/src/libvirtd
    subprojects/libvirt/tools/virsh
    subprojects/libvirt/tests/libxlmock.so
    subprojects/libvirt/tests/libxlxml2domconfigtest
    subprojects/libvirt/tests/libxlclaimtest
    subprojects/libvirt/tests/libxlmemstatstest
    libxlclaimtest-sanitized
    libxlmemstatstest-sanitized
    tools/xensim/xensim
    tools/xensim/libxensim-preload.so
    tools/xenmemstatd/xenmemstatd
)

log() { printf 'mutate: %s\n' "$*" >&2; }
die() { printf 'mutate: error: %s\n' "$*" >&2; exit 2; }

# mutant LINE: set name, file, text, repl, tests (an array), what
mutant() {
    local list
    IFS='|' read -r name file text repl list what <<< "$1"
    IFS=, read -r -a tests <<< "$list"
}

# ---------------------------------------------------------------- inside
# Runs in the mount namespace, in the copy bound over SOURCE_ROOT.
inside() {
    local top=$1 aux=$2 logs=$3
    shift 3
    local build=$top/build
    cd "$top"

    prepare_and_build() {   # LOG_NAME
        scripts/prepare-libvirt.sh > "$logs/$1.prepare.log" 2>&1 || return 1
        ninja -C "$build" "${targets[@]}" > "$logs/$1.ninja.log" 2>&1 || return 1
    }
    run_test() {            # TEST LOG_NAME
        meson test -C "$build" --no-rebuild --print-errorlogs "$1" > "$logs/$2.log" 2>&1
    }

    local selected=() m name file text repl what tests all=() known=()
    for m in "${mutants[@]}"; do
        mutant "$m"
        known+=("$name")
        if [ $# -eq 0 ] || printf '%s\n' "$@" | grep -qxF -- "$name"; then
            selected+=("$m")
            all+=("${tests[@]}")
        fi
    done
    [ ${#selected[@]} -gt 0 ] || die "no mutant named $*; known: ${known[*]}"

    # the tests of the selected mutants must pass without a mutation
    local t
    mapfile -t all < <(printf '%s\n' "${all[@]}" | awk '!seen[$0]++')
    log "building the unmodified copy"
    prepare_and_build baseline || die "the unmodified copy does not build: $logs/baseline.*.log"
    for t in "${all[@]}"; do
        log "baseline: $t"
        run_test "$t" "baseline-$t" ||
            die "$t fails without any mutation, so it cannot show one ($logs/baseline-$t.log):" \
                "$(grep -m3 'FAIL' "$logs/baseline-$t.log" || tail -3 "$logs/baseline-$t.log")"
    done

    local results=() survived=0 caught orig
    for m in "${selected[@]}"; do
        mutant "$m"
        orig=$aux/orig-$name
        cp -p "$file" "$orig"
        MUTATE_TEXT=$text MUTATE_REPL=$repl python3 - "$file" <<'PY' ||
import os, sys
path = sys.argv[1]
text, repl = os.environ["MUTATE_TEXT"], os.environ["MUTATE_REPL"]
src = open(path).read()
if src.count(text) != 1:
    sys.exit("%s: %d occurrences of %r" % (path, src.count(text), text))
open(path, "w").write(src.replace(text, repl))
PY
            die "$name: cannot apply the mutation to $file"
        log "$name: $what ($file)"
        if ! prepare_and_build "$name"; then
            cp -p "$orig" "$file"
            die "$name: the mutant does not build: $logs/$name.*.log"
        fi
        caught=
        for t in "${tests[@]}"; do
            log "$name: running $t"
            if ! run_test "$t" "$name-$t"; then
                caught=$t
                break
            fi
        done
        cp -p "$orig" "$file"
        if [ -n "$caught" ]; then
            results+=("$name: caught by $caught ($what)")
        else
            results+=("$name: SURVIVED $(IFS=,; echo "${tests[*]}") ($what)")
            survived=$((survived + 1))
        fi
        log "${results[-1]}"
    done
    # leave a kept copy as it was
    if [ "${MUTATE_KEEP:-0}" = 1 ]; then
        prepare_and_build restored || log "the restored copy does not build"
    fi

    printf '%s\n' "${results[@]}"
    echo "mutate: $(( ${#results[@]} - survived )) of ${#results[@]} mutants caught"
    [ "$survived" -eq 0 ]
}

if [ "${1:-}" = --inside ]; then
    shift
    inside "$@"
    exit
fi

# ---------------------------------------------------------------- outside
top=$(cd "${1:?usage: mutate.sh SOURCE_ROOT [MUTANT...]}" && pwd)
shift
[ "$(id -u)" = 0 ] || die "needs root (a private mount namespace)"
for arg in "$@"; do
    found=
    for m in "${mutants[@]}"; do
        mutant "$m"
        [ "$name" = "$arg" ] && found=1
    done
    [ -n "$found" ] || die "no mutant named $arg"
done
[ -f "$top/build/build.ninja" ] || die "no build in $top/build: run ./run build first"
[ -d "$top/subprojects/libvirt" ] && [ -d "$top/.cache/libvirt" ] ||
    die "no prepared libvirt tree in $top: run ./run build first"

scratch=$(mktemp -d /tmp/overcommit-mutate.XXXXXX)
logs=$(mktemp -d /tmp/overcommit-mutate-logs.XXXXXX)
cleanup() {
    local rc=$?
    if [ "${MUTATE_KEEP:-0}" = 1 ]; then
        log "kept $scratch"
    else
        rm -rf "$scratch"
    fi
    if [ "$rc" = 0 ] && [ "${MUTATE_KEEP:-0}" != 1 ]; then
        rm -rf "$logs"
    else
        log "logs of each build and test: $logs"
    fi
}
trap cleanup EXIT
mkdir -p "$scratch/tree" "$scratch/aux"

log "copying the checkout, its libvirt tree and build to $scratch/tree"
# the files git lists (tracked and untracked, not ignored) that exist
git -C "$top" ls-files -z -co --exclude-standard |
    (cd "$top" && while IFS= read -r -d '' f; do
         if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
     done) |
    rsync -a --from0 --files-from=- "$top/" "$scratch/tree/"
mkdir -p "$scratch/tree/subprojects" "$scratch/tree/.cache"
cp -a "$top/subprojects/libvirt" "$scratch/tree/subprojects/"
cp -a "$top/.cache/libvirt" "$scratch/tree/.cache/"
cp -a "$top/build" "$scratch/tree/"

# the copy in place of the checkout, for the processes below only
unshare --mount --propagation private -- \
    bash -c 'mount --bind "$1" "$2" && shift 2 && exec bash "$@"' sh \
    "$scratch/tree" "$top" "$top/tests/mutate.sh" --inside "$top" "$scratch/aux" "$logs" "$@"
