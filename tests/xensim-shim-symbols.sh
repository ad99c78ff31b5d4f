#!/usr/bin/env bash
# Every libxenlight, libxenctrl and libxenstore entry point a libxl driver
# module imports is either defined by the simulated host's preload or one
# of the pure helpers listed in xensimdata/pure-libxl-symbols.txt: an import
# that is neither would reach the real library, which would issue
# hypercalls through a dummy handle and crash the daemon.
#
# Usage: xensim-shim-symbols.sh SOURCE_ROOT PRELOAD DRIVER_MODULE...
set -euo pipefail

top=$1
preload=$2
shift 2
. "$top/tests/checks.sh"

export LC_ALL=C
allow=$(grep -v '^#' "$top/tests/xensimdata/pure-libxl-symbols.txt")
# nm's own exit status decides: a preload or a module it cannot read is a
# failure, never an empty list of symbols
if ! defined=$(nm -D --defined-only "$preload" | awk '{ print $3 }') || [ -z "$defined" ]; then
    fail "cannot read the symbols the preload $preload defines"
fi
[ "$#" -gt 0 ] && pass || fail "no driver module to check"

for module in "$@"; do
    if [ ! -f "$module" ] || [ ! -r "$module" ]; then
        fail "$module: the driver module is missing or unreadable"
        continue
    fi
    if ! imports=$(nm -D --undefined-only "$module" | awk '{ print $2 }' | sed 's/@.*//'); then
        fail "nm cannot read the imports of $module"
        continue
    fi
    imports=$(grep -E '^(libxl_|xc_|xs_|xenstore_)' <<< "$imports" | sort -u || true)
    # a libxl driver module that imports nothing from Xen's libraries is
    # not what this check is about
    if ! grep -qx 'libxl_ctx_alloc' <<< "$imports"; then
        fail "$module imports no libxl_ctx_alloc: not a libxl driver module"
        continue
    fi
    missing=$(comm -23 <(echo "$imports") <(printf '%s\n%s\n' "$defined" "$allow" | sort -u))
    if [ -n "$missing" ]; then
        fail "$module imports what the preload neither defines nor allows: $(echo $missing)"
    else
        pass
    fi
done

# the allow list must not hide a function that talks to the hypervisor
for sym in $allow; do
    case $sym in
        libxl_domain_create_new|libxl_domain_create_restore|libxl_domain_destroy|\
        libxl_get_free_memory|libxl_set_memory_target|libxl_domain_need_memory|\
        libxl_wait_for_memory_target|libxl_domain_setmaxmem|libxl_get_physinfo|\
        libxl_get_version_info|libxl_domain_info|libxl_list_*|xc_*|xs_*)
            fail "$sym reaches the hypervisor and cannot be allow-listed" ;;
    esac
done
pass

finish "preload symbols"
