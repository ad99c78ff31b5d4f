#!/usr/bin/env bash
# The build's own scripts: deb-src derivation from apt sources and the
# check of the fetched libvirt version.
#
# Usage: build-scripts.sh SOURCE_ROOT
set -euo pipefail

top=$1
data=$top/tests/builddata
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/checks.sh"

for case in deb822 oneline; do
    out=$work/$case
    mkdir -p "$out"
    changed=$("$top/scripts/apt-deb-src.sh" "$out" "$data/aptsources/$case")
    if [ "$changed" != 1 ]; then
        fail "$case: first run reported '$changed', expected 1"
    elif ! diff -ru "$data/aptsources/$case.expected" "$out"; then
        fail "$case: derived deb-src entries differ from the expected ones"
    else
        pass
    fi
    changed=$("$top/scripts/apt-deb-src.sh" "$out" "$data/aptsources/$case")
    if [ "$changed" != 0 ]; then
        fail "$case: second run reported '$changed': not idempotent"
    else
        pass
    fi
done

if "$top/scripts/apt-deb-src.sh" "$work/empty" "$data/aptsources/empty" \
        > /dev/null 2> "$work/err"; then
    fail "empty: no apt sources were accepted"
elif ! grep -q "no 'deb' entries" "$work/err"; then
    fail "empty: unexpected error: $(cat "$work/err")"
else
    pass
fi

if "$top/scripts/prepare-libvirt.sh" --check-version "$data/changelog-old" \
        2> "$work/err"; then
    fail "version check accepted 9.0.0-4+deb12u1"
elif ! grep -qF "expected 9.0.0-4+deb12u2, found 9.0.0-4+deb12u1" "$work/err"; then
    fail "version check error does not name both versions: $(cat "$work/err")"
else
    pass
fi

if ! "$top/scripts/prepare-libvirt.sh" --check-version "$data/changelog-pinned" \
        2> "$work/err"; then
    fail "version check refused the pinned version: $(cat "$work/err")"
else
    pass
fi

finish "build scripts"
