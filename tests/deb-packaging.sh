#!/usr/bin/env bash
# The Debian packaging without the full build (scripts/deb.sh; the build
# itself, ./run deb, takes over 20 minutes): our libvirt source package
# unpacks with every patch applied to Debian's source, gives exactly the
# tree the build tested, keeps Debian's package set and packaging but for
# the lines we mean to change, and sorts above Debian's version; the
# guest agent's package builds and holds its binary, unit and man page.
#
# Usage: deb-packaging.sh SOURCE_ROOT
set -euo pipefail

top=$1
. "$top/tests/checks.sh"
# Three libvirt trees of 10,000 files each are unpacked and compared:
# in memory when there is room, ten times faster than on a busy disk
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
   [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt $((2 * 1024 * 1024)) ]; then
    export TMPDIR=/dev/shm
fi
ok() { echo "PASS: $*"; pass; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

debian_version=9.0.0-4+deb12u2
our_version=$("$top/scripts/deb.sh" version)
prepared=$top/subprojects/libvirt

# --- our libvirt source package ---
dsc=$("$top/scripts/deb.sh" source --out "$work/src" 2> "$work/source.err") || {
    cat "$work/source.err"
    fail "deb.sh source failed"
    finish "deb packaging"
    exit 1
}
ok "deb.sh source wrote $(basename "$dsc")"

# dpkg-source -x applies Debian's series and ours, each with no fuzz
if dpkg-source -q -x "$dsc" "$work/ours" > "$work/x.log" 2>&1; then
    ok "dpkg-source -x applies every patch of the series"
else
    cat "$work/x.log"
    fail "dpkg-source -x $dsc"
fi
check "dpkg-source recorded the patches it applied" test -s "$work/ours/.pc/applied-patches"
series_left=$(grep -v '^#' "$work/ours/debian/patches/series" | grep . |
              grep -vxF -f "$work/ours/.pc/applied-patches" || true)
check "every series entry applied (left: ${series_left:-none})" test -z "$series_left"
n_ours=$(grep -c '^overcommit/' "$work/ours/debian/patches/series" || true)
n_series=$(grep -vc '^\(#\|$\)' "$top/patches/libvirt/series")
check "series ends with our $n_series hook patches and new-files.patch ($n_ours)" \
    test "$n_ours" = $((n_series + 1)) -a \
         "$(tail -1 "$work/ours/debian/patches/series")" = overcommit/new-files.patch

# The unpacked package is the tree ./run build compiled and tested, but
# for debian/ and the files a quilt patch cannot carry
# (diff's status 1 is "they differ", 2 is trouble: that fails)
diff_rc=0
diff -rq -x .pc -x .overcommit-stamp -x debian "$work/ours" "$prepared" > "$work/tree.diff" || diff_rc=$?
check "the two trees could be compared (diff status $diff_rc)" test "$diff_rc" -le 1
unexpected=$(grep -vF -e "Only in $prepared/tests/fuzz/corpus" -e "Only in $prepared/tests/xenmemstatddata" \
                 "$work/tree.diff" || true)
if [ -z "$unexpected" ]; then
    ok "source package tree = subprojects/libvirt ($(wc -l < "$work/tree.diff") empty/binary test files left out)"
else
    echo "$unexpected" | head -20
    fail "source package tree differs from subprojects/libvirt"
fi
check "the Xen driver sources in the package carry libxlClaim" \
    grep -q libxlClaim "$work/ours/src/libxl/libxl_claim.c"

# Debian's packaging, unchanged but for the changelog, our patches and
# the one .install line
mkdir "$work/debian"
tar -C "$work/debian" -xf "$top/.cache/deb/debian-src/libvirt_$debian_version.debian.tar.xz"
diff -rq "$work/debian/debian" "$work/ours/debian" | LC_ALL=C sort > "$work/debian.diff" || true
cat > "$work/debian.expected" <<EOF
Files $work/debian/debian/changelog and $work/ours/debian/changelog differ
Files $work/debian/debian/libvirt0.install and $work/ours/debian/libvirt0.install differ
Files $work/debian/debian/patches/series and $work/ours/debian/patches/series differ
Only in $work/ours/debian/patches: overcommit
EOF
if cmp -s "$work/debian.expected" "$work/debian.diff"; then
    ok "debian/ is Debian's but for changelog, libvirt0.install, patches"
else
    diff "$work/debian.expected" "$work/debian.diff" || true
    fail "debian/ differs from Debian's elsewhere"
fi
check "debian/control unchanged: same binary packages" \
    cmp -s "$work/debian/debian/control" "$work/ours/debian/control"
install_diff=$(diff "$work/debian/debian/libvirt0.install" "$work/ours/debian/libvirt0.install" |
               grep '^[<>]' || true)
check "libvirt0.install only gains domainmemory.rng" \
    test "$install_diff" = "> usr/share/libvirt/schemas/domainmemory.rng"
# Files our hook patches make meson install: each schema they add must be
# in an .install file (dh_missing fails the build otherwise); anything
# else installed would need the same, and this test taught about it
added_schemas=$(sed -n "s/^+  '\([a-z_]*\.rng\)',$/\1/p" "$top"/patches/libvirt/*.patch)
missing=
for s in $added_schemas; do
    grep -qx "usr/share/libvirt/schemas/$s" "$work"/ours/debian/*.install || missing="$missing $s"
done
check "schemas the series installs are in .install files (${added_schemas:-none};${missing:- none missing})" \
    test -n "$added_schemas" -a -z "$missing"
other_installs=$(grep -h '^+.*\(install_data\|install_man\|install: true\|install_dir\)' \
                 "$top"/patches/libvirt/*.patch || true)
check "the series installs nothing else (no install_* added)" test -z "$other_installs"

# Our version: above Debian's, below Debian's next update of 9.0.0-4
top_version=$(dpkg-parsechangelog -l "$work/ours/debian/changelog" -S Version)
check "changelog's top entry is $our_version (found $top_version)" test "$top_version" = "$our_version"
check "its next entry is Debian's $debian_version" \
    test "$(dpkg-parsechangelog -l "$work/ours/debian/changelog" -o 1 -c 1 -S Version)" = "$debian_version"
check "changelog entry by our team" \
    bash -c "dpkg-parsechangelog -l '$work/ours/debian/changelog' -S Maintainer | grep -q 'Xen Overcommit Team'"
check "$our_version > $debian_version (dpkg --compare-versions)" \
    dpkg --compare-versions "$our_version" gt "$debian_version"
check "$our_version < ${debian_version%u*}u3, Debian's next update" \
    dpkg --compare-versions "$our_version" lt "${debian_version%u*}u3"
check "$our_version = the .dsc's Version" \
    test "$(sed -n 's/^Version: //p' "$dsc")" = "$our_version"

# --- the guest agent's package ---
version=$(sed -n "s/^  version: '\([^']*\)',$/\1/p" "$top/meson.build")
start=$(date +%s%N)
if deb=$("$top/scripts/deb.sh" xenmemstatd --out "$work/agent" 2> "$work/agent.err"); then
    ok "xenmemstatd package built in $(( ($(date +%s%N) - start) / 1000000 )) ms"
else
    cat "$work/agent.err"
    fail "deb.sh xenmemstatd failed"
    finish "deb packaging"
    exit 1
fi
dpkg-deb -c "$deb" | awk '{ print $6 }' > "$work/agent.files"
for f in ./usr/sbin/xenmemstatd ./lib/systemd/system/xenmemstatd.service \
         ./usr/share/man/man8/xenmemstatd.8.gz ./usr/share/doc/xenmemstatd/copyright; do
    check "xenmemstatd.deb has $f" grep -qx "$f" "$work/agent.files"
done
check "xenmemstatd.deb's version is the project's ($version)" \
    test "$(dpkg-deb -f "$deb" Version)" = "$version"
check "xenmemstatd --version in the source says $version too" \
    grep -q "define PROGRAM_VERSION \"$version\"" "$top/tools/xenmemstatd/xenmemstatd.c"
check "depends on libxenstore (shlibs)" \
    bash -c "dpkg-deb -f '$deb' Depends | grep -q libxenstore"
mkdir "$work/agent/x"
dpkg-deb -R "$deb" "$work/agent/x"
check "the packaged unit is tools/xenmemstatd/xenmemstatd.service" \
    cmp -s "$work/agent/x/lib/systemd/system/xenmemstatd.service" "$top/tools/xenmemstatd/xenmemstatd.service"
# enabled on every new installation: debhelper's unconditional enable,
# not the variant it writes for --no-enable (behind debian-installed)
check "postinst enables the unit (deb-systemd-helper)" \
    bash -c "grep -qF \"deb-systemd-helper enable 'xenmemstatd.service'\" '$work/agent/x/DEBIAN/postinst' &&
             ! grep -q 'deb-systemd-helper debian-installed' '$work/agent/x/DEBIAN/postinst'"
check "the packaged binary runs --version" \
    bash -c "'$work/agent/x/usr/sbin/xenmemstatd' --version | grep -qx 'xenmemstatd $version'"

finish "deb packaging"
