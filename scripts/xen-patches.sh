#!/usr/bin/env bash
# Debian's Xen 4.17 toolstack with our libxl and xl patches
# (xen-patches/series, docs/xen-patches.md): fetch the pinned source,
# apply the series, build libxenlight and xl alone or the whole set of
# Debian packages.
#
# Usage: scripts/xen-patches.sh COMMAND [ARGS]
#   fetch DIR        apt-get source the pinned xen into DIR (created, must
#                    not exist); prints the path of the source tree
#   apply TREE       apply the series to TREE with git apply, one patch at a
#                    time; prints "applies: PATCH" or "does not apply: PATCH"
#                    and stops at the first patch that does not apply
#   debianize TREE   add the series to TREE's debian/patches (3.0 quilt) and
#                    give the package a local version; dpkg-source applies
#                    it before the build
#   minimal TREE [JOBS]
#                    configure the tools with everything optional off and
#                    build tools/libs (libxenlight among them) and tools/xl
#   debs [--out DIR] [--jobs N] [--keep]
#                    the full build: fetch, debianize, install the build
#                    dependencies, dpkg-buildpackage -b; the .debs go to DIR
#                    (default: build-xen/debs in the checkout)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series_dir=$top/xen-patches

# The source the series is written against: bookworm's xen.  (The
# security update's binaries are on the mirror, its source is not.)
xen_version=4.17.5+72-g01140da4e8-1
xen_upstream=${xen_version%-*}
local_suffix=+overcommit1

log() { printf 'xen-patches: %s\n' "$*" >&2; }
die() { printf 'xen-patches: error: %s\n' "$*" >&2; exit 1; }

# series: the patch file names, in order (blank lines and comments skipped)
series() {
    sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$series_dir/series" | grep -v '^$'
}

tree_version() {
    dpkg-parsechangelog -l "$1/debian/changelog" -S Version 2>/dev/null || echo unknown
}

cmd_fetch() {
    local dir=${1:?fetch needs a directory} tree
    [ -e "$dir" ] && die "$dir exists: fetch needs a new directory"
    mkdir -p "$dir"
    "$top/scripts/apt-source.sh" "$dir" "$dir/apt-source.log" xen "$xen_version" ||
        exit 1
    tree=$dir/xen-$xen_upstream
    [ -d "$tree" ] || die "apt-get source left no $tree"
    [ "$(tree_version "$tree")" = "$xen_version" ] ||
        die "unexpected xen source version in $tree:" \
            "expected $xen_version, found $(tree_version "$tree")"
    echo "$tree"
}

# git apply on a tree that is not a repository: keep git from finding a
# repository in a parent directory, which would make it apply nothing
tree_git() {
    local tree=$1; shift
    GIT_CEILING_DIRECTORIES=$(dirname "$tree") git -C "$tree" "$@"
}

cmd_apply() {
    local tree=${1:?apply needs a source tree} p
    [ -d "$tree/tools/libs/light" ] || die "$tree is not a xen source tree"
    for p in $(series); do
        if ! tree_git "$tree" apply --check "$series_dir/$p" 2> "$tree/.apply-error"; then
            echo "does not apply: $p"
            sed 's/^/  /' "$tree/.apply-error"
            return 1
        fi
        tree_git "$tree" apply "$series_dir/$p"
        echo "applies: $p"
    done
    rm -f "$tree/.apply-error"
}

cmd_debianize() {
    local tree=${1:?debianize needs a source tree} p dest
    local patches=$tree/debian/patches
    [ "$(cat "$tree/debian/source/format" 2>/dev/null)" = "3.0 (quilt)" ] ||
        die "$tree is not a 3.0 (quilt) source package"
    grep -q '^overcommit/' "$patches/series" &&
        die "$tree already has the series in debian/patches"
    dest=$patches/overcommit
    mkdir -p "$dest"
    for p in $(series); do
        cp "$series_dir/$p" "$dest/$p"
        echo "overcommit/$p" >> "$patches/series"
    done
    # A version of our own, so that the packages say what they are
    # (and sort after the ones they were built from).
    {
        printf 'xen (%s%s) bookworm; urgency=medium\n\n' "$xen_version" "$local_suffix"
        printf '  * Add the libxl and xl memory over-commit patches\n'
        printf '    (claims on restore, unclaimed free memory, memory policy).\n\n'
        printf ' -- Overcommit Team <overcommit@example.invalid>  %s\n\n' "$(date -R)"
        cat "$tree/debian/changelog"
    } > "$tree/debian/changelog.new"
    mv "$tree/debian/changelog.new" "$tree/debian/changelog"
}

# Everything optional off: the hypervisor, firmware, stub domains, QEMU,
# OCaml, Go and the monitors are not needed for libxenlight and xl.
minimal_configure=(
    --prefix=/usr --disable-monitors --disable-ocamltools --disable-xsmpolicy
    --disable-seabios --disable-golang --disable-qemu-traditional
    --disable-rombios --disable-ipxe --disable-pvshim --disable-9pfs
    --with-system-qemu=/usr/libexec/xen-qemu-system-i386
)

cmd_minimal() {
    local tree=${1:?minimal needs a source tree} jobs=${2:-2}
    local logs=$tree/.minimal-logs step
    mkdir -p "$logs"
    # Debian's source drops the generated configure scripts and the
    # autotools helper files: make them as the package build does.
    cp /usr/share/misc/config.sub /usr/share/misc/config.guess "$tree/"
    run_step() {
        step=$1; shift
        if ! "$@" > "$logs/$step.log" 2>&1; then
            log "$step failed; the end of $logs/$step.log:"
            tail -30 "$logs/$step.log" >&2
            return 1
        fi
    }
    run_step autoconf sh -c "cd '$tree/tools' && autoconf -f && autoheader -f"
    run_step configure sh -c "cd '$tree/tools' && ./configure ${minimal_configure[*]}"
    run_step include make -C "$tree/tools/include"
    run_step libs make -C "$tree/tools/libs" -j"$jobs"
    run_step xl make -C "$tree/tools/xl" -j"$jobs"
}

install_build_deps() {
    local tree=$1
    (cd "$tree" && dpkg-checkbuilddeps) > /dev/null 2>&1 && return 0
    if [ "$(id -u)" != 0 ]; then
        (cd "$tree" && dpkg-checkbuilddeps) || true
        die "missing build dependencies (run as root to install them)"
    fi
    log "installing the build dependencies (apt-get build-dep)"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
        build-dep -y -qq --no-install-recommends "$tree" > /dev/null
}

# the work directory of debs, global for the EXIT trap (a local would be
# gone, and unset, by the time the trap runs)
debs_work=

cmd_debs() {
    local out=$top/build-xen/debs jobs=2 keep=0 work tree start secs failed_log
    while [ $# -gt 0 ]; do
        case $1 in
            --out) out=${2:?--out needs a directory}; shift 2 ;;
            --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
            --keep) keep=1; shift ;;
            *) die "unknown option for debs: $1" ;;
        esac
    done
    case $jobs in
        ''|*[!0-9]*|0) die "invalid --jobs $jobs: a positive number" ;;
    esac
    work=$(mktemp -d "${TMPDIR:-/tmp}/xen-debs.XXXXXX")
    if [ "$keep" = 1 ]; then
        log "work directory (kept): $work"
    else
        debs_work=$work
        trap 'rm -rf "$debs_work"' EXIT
    fi
    tree=$(cmd_fetch "$work/src")
    cmd_debianize "$tree"
    install_build_deps "$tree"
    log "building the packages (dpkg-buildpackage -b, nice -n 10, -j$jobs);" \
        "the log is $work/build.log"
    start=$(date +%s)
    if ! (cd "$tree" && nice -n 10 dpkg-buildpackage -b -uc -us -j"$jobs") \
            > "$work/build.log" 2>&1; then
        tail -40 "$work/build.log" >&2
        failed_log=$work/build.log
        if [ "$keep" != 1 ]; then
            # the work directory goes: keep its log
            failed_log=$(mktemp "${TMPDIR:-/tmp}/xen-debs-failed.XXXXXX.log")
            cp "$work/build.log" "$failed_log"
        fi
        die "dpkg-buildpackage failed (log: $failed_log)"
    fi
    secs=$(( $(date +%s) - start ))
    mkdir -p "$out"
    cp "$work/src/"*.deb "$out/"
    log "built in ${secs}s: $(ls "$work/src/"*.deb | wc -l) packages in $out"
    ls "$out"/*"$local_suffix"*.deb
}

case ${1:-} in
    fetch) shift; cmd_fetch "$@" ;;
    apply) shift; cmd_apply "$@" ;;
    debianize) shift; cmd_debianize "$@" ;;
    minimal) shift; cmd_minimal "$@" ;;
    debs) shift; cmd_debs "$@" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
