#!/usr/bin/env bash
# Fetch Debian's libvirt source, check its version, apply our hook patches
# and overlay our own files, producing subprojects/libvirt.
#
# With --check-version DIR it only checks the version of an unpacked source.
# With --overlay DIR it only copies our own files into DIR, at the paths
# they take in libvirt's tree (scripts/deb.sh makes a Debian patch of them).
#
# Re-running is incremental: the result is synced into subprojects/libvirt
# file by file, so files whose content did not change keep their timestamps
# and ninja rebuilds only what a change really touches.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

expected_version=9.0.0-4+deb12u2
upstream_version=${expected_version%%-*}
cache=$top/.cache/libvirt
pristine=$cache/libvirt-$upstream_version
staging=$cache/staging
dest=$top/subprojects/libvirt
stamp=$dest/.overcommit-stamp

log() { printf 'prepare: %s\n' "$*"; }
die() { printf 'prepare: error: %s\n' "$*" >&2; exit 1; }

found_version() {
    dpkg-parsechangelog -l "$1/debian/changelog" -S Version 2>/dev/null || echo unknown
}

check_version() {
    local got
    got=$(found_version "$1")
    if [ "$got" != "$expected_version" ]; then
        die "unexpected libvirt source version in $1:" \
            "expected $expected_version, found $got"
    fi
}

fetch_source() {
    local tmp
    if [ -f "$cache/.version" ] && [ "$(cat "$cache/.version")" = "$expected_version" ] &&
       [ -d "$pristine" ]; then
        return 0
    fi
    log "fetching libvirt $expected_version with apt-get source"
    rm -rf "$cache"
    tmp=$cache/fetch
    mkdir -p "$tmp"
    "$top/scripts/apt-source.sh" "$tmp" "$cache/apt-source.log" libvirt \
        "$expected_version" || exit 1
    check_version "$tmp/libvirt-$upstream_version"
    mv "$tmp/libvirt-$upstream_version" "$pristine"
    rm -rf "$tmp"
    echo "$expected_version" > "$cache/.version"
}

# Everything that decides the content of the prepared tree.
inputs_hash() {
    {
        echo "$expected_version"
        find patches/libvirt src docs/schemas docs tests -type f 2>/dev/null |
            LC_ALL=C sort | xargs -r sha256sum
    } | sha256sum | cut -d' ' -f1
}

# our path -> path inside the libvirt tree
overlay() {
    local root=$1 f rel
    for f in $(git -C "$top" ls-files -co --exclude-standard -- src docs tests 2>/dev/null ||
               find src docs tests -type f); do
        [ -f "$f" ] || continue
        case $f in
            docs/schemas/*.rng) rel=src/conf/schemas/${f#docs/schemas/} ;;
            docs/*.rst|src/*|tests/*) rel=$f ;;
            *) continue ;;
        esac
        if [ -e "$pristine/$rel" ]; then
            die "$f would replace upstream file $rel: change upstream files through patches/libvirt/"
        fi
        mkdir -p "$root/$(dirname "$rel")"
        cp "$f" "$root/$rel"
    done
}

apply_patches() {
    local root=$1 p
    [ -f patches/libvirt/series ] || return 0
    while read -r p; do
        case $p in ''|'#'*) continue ;; esac
        if ! patch -d "$root" -p1 --batch --forward --fuzz=0 -s \
                   --no-backup-if-mismatch < "patches/libvirt/$p"; then
            die "patch $p does not apply to libvirt $expected_version"
        fi
    done < patches/libvirt/series
}

if [ "${1:-}" = --check-version ]; then
    check_version "$2"
    exit 0
fi
if [ "${1:-}" = --overlay ]; then
    case ${2:-} in
        /*) [ -d "$2" ] || die "--overlay: no directory $2" ;;
        *) die "--overlay needs an absolute directory, got '${2:-}'" ;;
    esac
    mkdir -p "$top/.cache"
    exec 8> "$top/.cache/prepare.lock"
    flock 8
    # the pristine tree tells which paths upstream already has
    fetch_source
    overlay "$2"
    exit 0
fi

# Two builds at once (a test and a benchmark, say) must not interleave
# their fetches and syncs: one's --delete sync of a half-copied staging
# tree would empty the other's source tree.  One prepare at a time.
mkdir -p "$top/.cache"
exec 8> "$top/.cache/prepare.lock"
flock 8
fetch_source
hash=$(inputs_hash)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    exit 0
fi

log "applying patches/libvirt and overlaying our files"
rm -rf "$staging"
cp -a "$pristine" "$staging"
apply_patches "$staging"
overlay "$staging"
mkdir -p "$dest"
# the stamp goes first: a sync cut short leaves no stamp that says the
# tree is complete
rm -f "$stamp"
rsync -rlpc --delete --exclude=/.overcommit-stamp "$staging/" "$dest/"
rm -rf "$staging"
echo "$hash" > "$stamp"
log "subprojects/libvirt is ready"
