#!/usr/bin/env bash
# xen-patches/ against a fresh `apt-get source` of Debian's xen: the series
# lists exactly the patch files; each patch applies in turn (a failure
# names the patch); as Debian quilt patches dpkg-source applies them to
# the same result; the patched libxenlight and xl build with the tools
# configured minimally; the new symbols are exported; a program written
# against every new LIBXL_HAVE_ interface compiles, links with immediate
# binding and passes its checks; xl lists the new commands and its man
# page documents them.  Then libvirt's side: our libxl driver module and
# the simulated host's preload built again against the patched headers
# (scripts/libxl-patched.sh) import and define the new calls, and
# tests/xensim-restore.sh runs with them (claims on restore, unclaimed
# free memory, the balloon target call).
#
# Usage: xen-patches.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"

script=$top/scripts/xen-patches.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ok() { echo "PASS: $*"; pass; }

# timed NAME CMD...: run CMD, print how long it took
timed() {
    local name=$1 start rc=0
    shift
    start=$(date +%s)
    "$@" || rc=$?
    echo "time: $name $(( $(date +%s) - start )) s" >&2
    return "$rc"
}

# into FILE CMD...: run CMD with its output in FILE (timed's own line
# stays on stderr)
into() {
    local file=$1
    shift
    "$@" > "$file" 2>&1
}

stop() {
    fail "$*"
    finish "xen-patches"
    exit 1
}

# The series and the files: nothing listed that is missing, nothing
# present that is not listed (a patch left out would never be tested).
listed=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$top/xen-patches/series" | grep -v '^$' | sort)
present=$(cd "$top/xen-patches" && ls -- *.patch | sort)
if [ -z "$listed" ]; then
    fail "xen-patches/series lists no patch"
elif [ "$listed" != "$present" ]; then
    fail "xen-patches/series and the patch files differ:" \
         "$(diff <(echo "$listed") <(echo "$present") | grep '^[<>]' | tr '\n' ' ')"
else
    ok "xen-patches/series lists the $(echo "$listed" | wc -l) patch files"
fi

tree=$(timed fetch "$script" fetch "$work/git") || stop "apt-get source of xen failed"
ok "apt-get source xen: $(dpkg-parsechangelog -l "$tree/debian/changelog" -S Version)"

# Each patch on its own, in order: the script stops at the first that
# does not apply and names it.
if timed apply "$script" apply "$tree" > "$work/apply.out"; then
    applied=1
else
    applied=0
fi
while read -r verdict rest; do
    case $verdict in
        applies:) ok "applies: $rest" ;;
        does) fail "does not apply: ${rest#not apply: }" ;;
        *) echo "  $verdict $rest" ;;
    esac
done < "$work/apply.out"
[ "$applied" = 1 ] || stop "the series does not apply; nothing else is checked"

# The same series as Debian quilt patches, the way dpkg-buildpackage takes
# it: dpkg-source applies it (without fuzz) to the same tools and docs.
quilt=$("$script" fetch "$work/quilt") || stop "second apt-get source of xen failed"
if ! "$script" debianize "$quilt" > "$work/debianize.out" 2>&1; then
    fail "debianize failed: $(cat "$work/debianize.out")"
elif ! (cd "$quilt" && dpkg-source --before-build .) > "$work/quilt.out" 2>&1; then
    fail "dpkg-source --before-build refused the series: $(tail -5 "$work/quilt.out")"
elif ! diff -r "$tree/tools" "$quilt/tools" > "$work/quilt.diff" ||
     ! diff -r "$tree/docs" "$quilt/docs" >> "$work/quilt.diff"; then
    fail "quilt and git apply disagree: $(head -5 "$work/quilt.diff")"
else
    ok "dpkg-source applies the $(grep -c '^applying overcommit/' \
        <(sed 's/^dpkg-source: info: //' "$work/quilt.out")) quilt patches" \
       "to the same tree as git apply; version" \
       "$(dpkg-parsechangelog -l "$quilt/debian/changelog" -S Version)"
fi
rm -rf "$work/quilt"

if ! timed build "$script" minimal "$tree" 2; then
    stop "the minimal tools build failed (logs above)"
fi
lib=$tree/tools/libs/light/libxenlight.so
[ -e "$lib" ] && ok "libxenlight built: $(basename "$(readlink -f "$lib")")" ||
    fail "no $lib after the build"
[ -x "$tree/tools/xl/xl" ] && ok "xl built" || fail "no xl after the build"

# Exported, in the library's version node like the rest of libxl
symbols=(
    libxl_get_unclaimed_free_memory libxl_wait_for_unclaimed_free_memory
    libxl_domain_set_memory_policy libxl_domain_get_memory_policy
    libxl_memory_policy_init libxl_memory_policy_dispose
    libxl_domain_set_balloon_target libxl_domain_get_balloon_target
    libxl_domain_set_paging_target libxl_domain_get_paging_target
    libxl_domain_paging_enable libxl_domain_paging_disable
    libxl_domain_get_paging
    libxl_evenable_memory_target libxl_evdisable_memory_target
)
nm -D --defined-only "$lib" | awk '{print $3}' > "$work/exports"
for s in "${symbols[@]}"; do
    if grep -qx "$s@@VERS_4.17.0" "$work/exports"; then
        ok "exported: $s"
    else
        fail "libxenlight.so does not export $s@@VERS_4.17.0"
    fi
done

# The program libvirt's side is written against
libdirs=()
rpaths=()
for d in "$tree"/tools/libs/*/; do
    libdirs+=("$d")
    rpaths+=("-Wl,-rpath-link=$d")
done
if gcc -std=gnu99 -Wall -Wextra -Werror -I"$tree/tools/include" \
       "$top/xen-patches/check/libxl-api.c" -o "$work/libxl-api" \
       -L"$tree/tools/libs/light" -lxenlight -L"$tree/tools/libs/toollog" \
       -lxentoollog -lyajl -Wl,-z,now "${rpaths[@]}" 2> "$work/cc.err"; then
    ok "libxl-api.c compiles against the patched libxl.h and links"
    if LD_BIND_NOW=1 LD_LIBRARY_PATH=$(IFS=:; echo "${libdirs[*]}") \
            "$work/libxl-api" > "$work/api.out" 2>&1; then
        api_rc=0
    else
        api_rc=$?
    fi
    while read -r verdict rest; do
        case $verdict in
            PASS:) ok "libxl-api: $rest" ;;
            FAIL:) fail "libxl-api: $rest" ;;
            *) fail "libxl-api: unexpected output: $verdict $rest" ;;
        esac
    done < "$work/api.out"
    [ "$api_rc" = 0 ] || fail "libxl-api exited with status $api_rc"
else
    fail "libxl-api.c does not build: $(head -5 "$work/cc.err")"
fi

# xl's command list needs no Xen (xl prints it before opening libxl)
LD_LIBRARY_PATH=$(IFS=:; echo "${libdirs[*]}") "$tree/tools/xl/xl" \
    > "$work/xl-help" 2>&1 || true
for cmd in mem-policy mem-balloon-target mem-paging-target mem-paging mem-events; do
    if grep -q "^ $cmd " "$work/xl-help"; then
        ok "xl lists $cmd"
    else
        fail "xl does not list $cmd"
    fi
done

# ... and its man page documents them, in POD that pod2man will take
pod=$tree/docs/man/xl.1.pod.in
if podchecker "$pod" > "$work/pod.out" 2>&1; then
    ok "docs/man/xl.1.pod.in is valid POD"
else
    fail "docs/man/xl.1.pod.in: $(grep -m3 ERROR "$work/pod.out")"
fi
for cmd in mem-policy mem-balloon-target mem-paging-target mem-paging mem-events; do
    if grep -q "^=item B<$cmd>" "$pod"; then
        ok "xl.1 documents $cmd"
    else
        fail "xl.1 has no entry for $cmd"
    fi
done

# libvirt's side against the patched headers: the code under
# #ifdef LIBXL_HAVE_* in src/libxl/ and in the preload, compiled, linked
# against the patched libxenlight and run on the simulated host
patched=$work/patched
if timed libvirt-patched into "$work/patched.err" \
        "$top/scripts/libxl-patched.sh" "$build" "$tree" "$patched"; then
    ok "our libxl driver module and the preload build against the patched headers"
    module=$patched/driver/libvirt_driver_libxl.so
    stock_module=$build/subprojects/libvirt/src/libvirt_driver_libxl.so
    nm -D --undefined-only "$module" | awk '{print $2}' > "$work/imports"
    nm -D --undefined-only "$stock_module" | awk '{print $2}' > "$work/stock-imports"
    for s in libxl_get_unclaimed_free_memory libxl_domain_set_balloon_target \
             libxl_domain_set_paging_target; do
        grep -qx "$s@VERS_4.17.0" "$work/imports" && ok "the patched driver imports $s" ||
            fail "the driver built against the patched headers does not import $s@VERS_4.17.0"
        grep -q "^$s@" "$work/stock-imports" &&
            fail "the stock build's driver imports $s" || ok "the stock driver does not import $s"
    done
    nm -D --defined-only "$patched/libxensim-preload.so" | awk '{print $3}' > "$work/preload"
    nm -D --defined-only "$build/tools/xensim/libxensim-preload.so" | awk '{print $3}' \
        > "$work/stock-preload"
    for s in libxl_get_unclaimed_free_memory libxl_wait_for_unclaimed_free_memory \
             libxl_domain_set_balloon_target libxl_domain_get_balloon_target \
             libxl_domain_set_paging_target libxl_domain_get_paging_target; do
        grep -qx "$s" "$work/preload" && ok "the patched preload defines $s" ||
            fail "the preload built against the patched headers does not define $s"
        grep -qx "$s" "$work/stock-preload" &&
            fail "the stock build's preload defines $s" || ok "the stock preload does not define $s"
    done
    if "$top/tests/xensim-shim-symbols.sh" "$top" "$patched/libxensim-preload.so" "$module" \
            > "$work/symbols.out" 2>&1; then
        ok "every import of the patched driver is the patched preload's or pure"
    else
        fail "xensim-shim-symbols on the patched pair: $(grep FAIL "$work/symbols.out")"
    fi
    if timed xensim-restore into "$work/restore.out" \
            "$top/tests/xensim-restore.sh" "$top" "$build" --patched "$patched"; then
        ok "xensim-restore with the patched libxl:" \
           "$(grep '^xensim-restore-patched:' "$work/restore.out")"
    else
        fail "xensim-restore with the patched libxl failed:"
    fi
    grep -v "^xensim-restore-patched:" "$work/restore.out" | sed 's/^/  /' || true
else
    fail "the libxl driver does not build against the patched headers: $(tail -5 "$work/patched.err")"
fi

finish "xen-patches"
