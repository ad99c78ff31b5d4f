#!/usr/bin/env bash
# Our unit tests under valgrind's memcheck: every one must pass there too,
# with no invalid access, no use of uninitialised memory and no definite
# leak (libvirt's own suppressions for the libraries it links apply).
# Run with libvirt's test environment (abs_srcdir and friends).
#
# Usage: valgrind-unit.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"

# each test and its arguments, as meson runs it
tests=(
    "$build/libxlmemorypolicytest"
    "$build/libxlmemorypolicysimtest"
    "$build/libxlmemoryactorconftest"
    "$build/subprojects/libvirt/tests/libxlclaimtest"
    "$build/subprojects/libvirt/tests/libxlmemstatstest"
    "$build/subprojects/libvirt/tests/domainmemoryxml2xmltest"
    "$build/subprojects/libvirt/tests/libxlxml2domconfigtest"
    "$build/tools/xenmemstatd/xenmemstatdtest $top/tests/xenmemstatddata"
    "$build/tools/xensim/xensimmodeltest $top/tests/xensimmodeldata"
    "$build/tools/xensim/xensimxstest $top/tests/xensimxsdata"
    "$build/tools/xensim/xensimhostiletest"
)
log=$(mktemp -d /tmp/valgrind-unit.XXXXXX)
trap 'rm -rf "$log"' EXIT

for line in "${tests[@]}"; do
    read -r t args <<< "$line"
    name=$(basename "$t")
    if [ ! -x "$t" ]; then
        fail "$name: not built ($t)"
        continue
    fi
    # libvirt's mocked tests run themselves again with LD_PRELOAD: follow
    # that, as libvirt's own valgrind set-up does, and not the tools
    if valgrind --quiet --leak-check=full --show-leak-kinds=definite \
            --errors-for-leak-kinds=definite --error-exitcode=99 \
            --trace-children=yes --trace-children-skip='/usr/bin/*,/bin/*' \
            --suppressions="$top/subprojects/libvirt/tests/.valgrind.supp" \
            --log-file="$log/$name.%p" "$t" $args > "$log/$name.out" 2>&1; then
        pass
    else
        status=$?
        if [ "$status" = 99 ]; then
            fail "$name: valgrind found errors:"
            cat "$log/$name".[0-9]* | sed -n '1,60p'
        else
            fail "$name: exit status $status under valgrind:"
            tail -20 "$log/$name.out"
        fi
    fi
done

finish valgrind-unit
