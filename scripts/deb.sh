#!/usr/bin/env bash
# Debian packages of the project, built with Debian's own packaging:
#
#   deb.sh [build] [--out DIR]   libvirt 9.0.0 with our series (full build,
#                                12 to 22 minutes on 2 cores) and the
#                                xenmemstatd package
#   deb.sh source --out DIR      only our libvirt source package (.dsc)
#   deb.sh xenmemstatd [--out DIR]
#                                only the guest agent's package (seconds)
#   deb.sh check-debs DIR        check built libvirt .debs carry our code
#   deb.sh version               print our libvirt packages' version
#
# Our libvirt source package is Debian's 9.0.0-4+deb12u2 source with, at
# the end of debian/patches/series, our patches/libvirt series and one
# patch that adds our new files, a changelog entry with our version and
# one line in debian/libvirt0.install for the one new installed file.
# Everything else in debian/ stays Debian's.
#
# The .debs go to DIR (default .cache/deb/out) with the source package
# they were built from and the build's log; the last line printed is that
# directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

debian_version=9.0.0-4+deb12u2
upstream_version=${debian_version%%-*}
# Our revision on top of Debian's: raise it for each release of ours
# built on the same Debian version.
our_revision=1
our_version=$debian_version+overcommit$our_revision
maintainer='Xen Overcommit Team <dev@xen-overcommit.invalid>'
cache=$top/.cache/deb
debian_src=$cache/debian-src

# Everything temporary lives in one directory, gone on any exit
scratch=$(mktemp -d "${TMPDIR:-/tmp}/overcommit-deb.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

log() { printf 'deb: %s\n' "$*" >&2; }
die() { printf 'deb: error: %s\n' "$*" >&2; exit 1; }

# The changelog's date: the checkout's last commit, so that the same
# checkout gives the same source package (now, outside git)
changelog_date() {
    local t
    t=$(git -C "$top" log -1 --format=%ct 2>/dev/null) || t=$(date +%s)
    date -u -R -d "@$t"
}

project_version() {
    sed -n "s/^  version: '\([^']*\)',$/\1/p" "$top/meson.build" | head -1
}

# Debian's source package (.dsc, orig tarballs, debian.tar.xz), downloaded
# once into .cache/deb/debian-src and unpacked afresh for every use.
fetch_debian_source() {
    local dsc=$debian_src/libvirt_$debian_version.dsc tmp
    [ -f "$dsc" ] && return 0
    # two runs at once (a test beside ./run deb) download it once
    mkdir -p "$cache"
    exec 7> "$cache/fetch.lock"
    flock 7
    [ -f "$dsc" ] && return 0
    log "downloading Debian's libvirt $debian_version source"
    tmp=$(mktemp -d "$cache/fetch.XXXXXX")
    "$top/scripts/apt-source.sh" "$tmp" "$tmp/apt.log" libvirt "$debian_version" \
        --download-only || exit 1
    rm -f "$tmp/apt.log"
    chmod 755 "$tmp"
    rm -rf "$debian_src"
    mv "$tmp" "$debian_src"
}

# A Debian patch (DEP-3 header) that creates each of our files, at the
# path prepare-libvirt.sh puts it.  Empty and binary files (fuzz corpus,
# agent test data) cannot travel in a quilt patch; libvirt's build uses
# none of them, so they stay out.
new_files_patch() {
    local out=$1 work f
    work=$(mktemp -d "$scratch/files.XXXXXX")
    mkdir "$work/a" "$work/b"
    "$top/scripts/prepare-libvirt.sh" --overlay "$work/b"
    (cd "$work/b" && find . -type f | LC_ALL=C sort) | while read -r f; do
        if [ ! -s "$work/b/$f" ] || ! grep -Iq . "$work/b/$f"; then
            rm "$work/b/$f"
        fi
    done
    {
        cat <<EOF
Description: Add the Xen memory over-commit modules, schema and tests
 New files of the xen-overcommit project: the libxl driver's claim,
 admission, statistics and memory policy modules (src/libxl), the domain
 XML's <memoryClaim/> and <memoryPolicy/> (src/conf), their schema
 (src/conf/schemas/domainmemory.rng) and the unit tests with their data.
 The series' hook patches before this one compile them in.
Author: $maintainer
Forwarded: not-needed
Last-Update: $(date -u -d "$(changelog_date)" +%Y-%m-%d)
---
EOF
        (cd "$work" && diff -Nru a b) || [ $? -eq 1 ]
    } > "$out"
    rm -rf "$work"
}

# Our libvirt source tree: Debian's, unpacked, plus our patches and
# changelog entry.  Prints the tree's path.
make_source_tree() {
    local dir=$1 tree p
    fetch_debian_source
    mkdir -p "$dir"
    tree=$dir/libvirt-$upstream_version
    rm -rf "$tree"
    # checksums checked; the maintainer's signature cannot be without
    # debian-keyring, but apt checked the .dsc against the signed archive
    dpkg-source -q -x "$debian_src/libvirt_$debian_version.dsc" "$tree" \
        >"$scratch/unpack.log" 2>&1 || {
        cat "$scratch/unpack.log" >&2
        die "dpkg-source -x $debian_src/libvirt_$debian_version.dsc failed"
    }
    [ "$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Version)" = "$debian_version" ] ||
        die "Debian's source in $debian_src is not $debian_version"

    mkdir -p "$tree/debian/patches/overcommit"
    {
        echo "# xen-overcommit: hook patches, then the new files they compile in"
        while read -r p; do
            case $p in ''|'#'*) continue ;; esac
            cp "$top/patches/libvirt/$p" "$tree/debian/patches/overcommit/$p"
            echo "overcommit/$p"
        done < "$top/patches/libvirt/series"
        echo "overcommit/new-files.patch"
    } >> "$tree/debian/patches/series"
    new_files_patch "$tree/debian/patches/overcommit/new-files.patch"

    # The schema our domain.rng includes is the one new installed file;
    # dh_missing (compat 13) stops the build on an installed file no
    # package lists, and it belongs beside the other schemas in libvirt0.
    sed -i 's|^usr/share/libvirt/schemas/domaincommon.rng$|&\nusr/share/libvirt/schemas/domainmemory.rng|' \
        "$tree/debian/libvirt0.install"
    grep -qx usr/share/libvirt/schemas/domainmemory.rng "$tree/debian/libvirt0.install" ||
        die "debian/libvirt0.install has no domaincommon.rng line to add ours after"

    {
        cat <<EOF
libvirt ($our_version) bookworm; urgency=medium

  * Add the xen-overcommit $(project_version) series: memory claims as the
    libxl driver's admission control, guests' memory statistics and the
    memory policy actors (debian/patches/overcommit/).
  * debian/libvirt0.install: ship the new schema domainmemory.rng.

 -- $maintainer  $(changelog_date)

EOF
        cat "$tree/debian/changelog"
    } > "$tree/debian/changelog.new"
    mv "$tree/debian/changelog.new" "$tree/debian/changelog"

    # dpkg-source applies the patches it has not applied yet: ours
    (cd "$tree" && dpkg-source --before-build . >/dev/null) ||
        die "our patches do not apply to Debian's libvirt $debian_version"
    echo "$tree"
}

# Our source package (.dsc, debian.tar.xz, Debian's orig tarballs) in DIR
cmd_source() {
    local out=$1 work tree f
    fetch_debian_source
    mkdir -p "$out"
    work=$(mktemp -d "$scratch/source.XXXXXX")
    for f in "$debian_src"/libvirt_"$upstream_version".orig*; do
        [ -e "$f" ] || continue
        ln -sf "$f" "$work/"
    done
    tree=$(make_source_tree "$work")
    (cd "$work" && dpkg-source -q -b "$(basename "$tree")" >/dev/null)
    for f in "$work"/libvirt_*; do
        cp -L "$f" "$out/"
    done
    rm -rf "$work"
    echo "$out/libvirt_$our_version.dsc"
}

# The guest agent's own native source package: its sources and the
# debian/ directory in tools/xenmemstatd, with a changelog of the
# project's version written here so the two cannot differ.
cmd_xenmemstatd() {
    local out=$1 version work src f
    version=$(project_version)
    [ -n "$version" ] || die "no project version in $top/meson.build"
    mkdir -p "$out"
    work=$(mktemp -d "$scratch/agent.XXXXXX")
    src=$work/xenmemstatd-$version
    mkdir -p "$src"
    for f in xenmemstatd.c memstat_sample.c memstat_sample.h xenmemstatd.8 \
             xenmemstatd.service; do
        cp "$top/tools/xenmemstatd/$f" "$src/"
    done
    cp -r "$top/tools/xenmemstatd/debian" "$src/debian"
    cat > "$src/debian/changelog" <<EOF
xenmemstatd ($version) bookworm; urgency=medium

  * xen-overcommit $version: the guest agent's own package.

 -- $maintainer  $(changelog_date)
EOF
    (cd "$src" && dpkg-buildpackage -b -uc -us >"$work/build.log" 2>&1) || {
        tail -30 "$work/build.log" >&2
        die "xenmemstatd package build failed"
    }
    cp "$work"/xenmemstatd_"$version"_*.deb "$out/"
    rm -rf "$work"
    ls "$out"/xenmemstatd_"$version"_*.deb
}

# Our code in the built driver and library: a function of ours in the
# libxl driver, and the schema with memoryClaim in libvirt0.
cmd_check_debs() {
    local dir=$1 deb x
    x=$(mktemp -d "$scratch/check.XXXXXX")
    deb=$(ls "$dir"/libvirt-daemon-driver-xen_"$our_version"_*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || die "no libvirt-daemon-driver-xen $our_version .deb in $dir"
    dpkg-deb -x "$deb" "$x/xen"
    grep -aq libxlClaim "$x"/xen/usr/lib/*/libvirt/connection-driver/libvirt_driver_libxl.so ||
        die "$deb: no libxlClaim code in libvirt_driver_libxl.so"
    deb=$(ls "$dir"/libvirt0_"$our_version"_*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || die "no libvirt0 $our_version .deb in $dir"
    dpkg-deb -x "$deb" "$x/lib"
    grep -q memoryClaim "$x/lib/usr/share/libvirt/schemas/domainmemory.rng" ||
        die "$deb: no memoryClaim in domainmemory.rng"
    rm -rf "$x"
    log "our code is in $(basename "$deb") and the xen driver"
}

# The whole thing: build-dependencies, dpkg-buildpackage, the agent.
# DEB_BUILD_OPTIONS=nocheck: ./run test runs libvirt's own test suite,
# with ours registered in it, on the same patched tree (the test
# deb-packaging checks the package unpacks to that very tree); the
# package build need not run it again.
# Packages are built from what is committed: a file the checkout does not
# track, or a change not committed, would ship in them unrecorded
require_committed() {
    local dirty
    git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || return 0
    dirty=$(git -C "$top" status --porcelain --untracked-files=all -- \
                src docs tests tools patches | head -5)
    [ -z "$dirty" ] ||
        die "the checkout has changes that are not committed (commit or remove them first):
$dirty"
}

cmd_build() {
    local out=$1 work dsc start end tree
    require_committed
    mkdir -p "$out"
    start=$(date +%s)
    work=$scratch/build
    mkdir "$work"
    dsc=$(cmd_source "$work/src")
    log "source package $dsc"
    if [ "$(id -u)" = 0 ]; then
        log "installing the build dependencies (apt-get build-dep)"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
            build-dep -y -qq --no-install-recommends "$dsc" >"$work/build-dep.log" 2>&1 || {
            tail -20 "$work/build-dep.log" >&2
            die "apt-get build-dep failed"
        }
    fi
    tree=$work/libvirt-$upstream_version
    dpkg-source -q -x "$dsc" "$tree" >/dev/null
    log "dpkg-buildpackage -b (log: $work/build.log)"
    (cd "$tree" && DEB_BUILD_OPTIONS="nocheck parallel=${DEB_JOBS:-2}" \
        nice -n 10 dpkg-buildpackage -b -uc -us) >"$work/build.log" 2>&1 || {
        cp "$work/build.log" "$out/build.log"
        tail -40 "$work/build.log" >&2
        die "dpkg-buildpackage failed (see $out/build.log)"
    }
    end=$(date +%s)
    log "libvirt built in $((end - start)) s; tree and build use $(du -sh "$work" | cut -f1)"
    rm -f "$out"/*.deb
    mv "$work"/*.deb "$out/"
    # the source package beside the .debs it built, and the build's record
    cp "$work"/src/libvirt_* "$work"/*.buildinfo "$work"/*.changes "$out/"
    cp "$work/build.log" "$out/build.log"
    cmd_check_debs "$out"
    cmd_xenmemstatd "$out" >/dev/null
    rm -rf "$work"
    log "packages:"
    (cd "$out" && for f in *.deb; do
        dpkg-deb -W --showformat='    ${Package} ${Version}\n' "$f" >&2
    done)
    echo "$out"
}

cmd=build
case ${1:-} in
    version) echo "$our_version"; exit 0 ;;
    build|source|xenmemstatd|check-debs) cmd=$1; shift ;;
esac
out=$cache/out
while [ $# -gt 0 ]; do
    case $1 in
        --out) [ $# -ge 2 ] || die "--out needs a directory"
               out=$(mkdir -p "$2" && cd "$2" && pwd); shift ;;
        *) if [ "$cmd" = check-debs ]; then out=$(cd "$1" && pwd)
           else die "unknown argument '$1' (see the comment at the top of $0)"; fi ;;
    esac
    shift
done

case $cmd in
    build) cmd_build "$out" ;;
    source) fetch_debian_source; cmd_source "$out" ;;
    xenmemstatd) cmd_xenmemstatd "$out" ;;
    check-debs) cmd_check_debs "$out" ;;
esac
