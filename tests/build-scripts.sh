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

# apt-source.sh against a fake apt: SOURCE_OK_AFTER_UPDATE says whether
# `apt-get source` works once `apt-get update` ran (as on a machine that
# lacked deb-src entries) or never (a version the mirror does not have)
fake=$work/fakeapt
mkdir -p "$fake"
cat > "$fake/apt-get" <<'FAKE'
#!/bin/sh
echo "$(pwd) $*" >> "$FAKE_APT_LOG"
case " $* " in
    *" update "*) touch "$FAKE_APT_LOG.updated"; exit 0 ;;
    *" source "*) [ "$SOURCE_OK_AFTER_UPDATE" = yes ] && [ -e "$FAKE_APT_LOG.updated" ] ;;
esac
FAKE
printf '#!/bin/sh\nprintf "Package: xen\\nVersion: 4.17.1-1\\n\\nVersion: 4.17.2-1\\n"\n' \
    > "$fake/apt-cache"
chmod +x "$fake/apt-get" "$fake/apt-cache"

apt_source() {    # CASE OK_AFTER_UPDATE ARGS...
    local case=$1 ok=$2; shift 2
    mkdir -p "$work/$case" "$work/$case.debsrc"
    PATH=$fake:$PATH FAKE_APT_LOG=$work/$case.apt SOURCE_OK_AFTER_UPDATE=$ok \
        APT_DEB_SRC_DIR=$work/$case.debsrc \
        "$top/scripts/apt-source.sh" "$work/$case" "$work/$case.log" "$@" 2> "$work/$case.err"
}

if [ "$(id -u)" = 0 ]; then
    if ! apt_source retry yes xen 4.17.5-1 --download-only; then
        fail "apt-source: no success after deb-src and update: $(cat "$work/retry.err")"
    elif [ "$(awk '{ print / update / ? "update" : / source / ? "source" : "other" }' \
                  "$work/retry.apt" | tr '\n' ,)" != "source,update,source," ]; then
        fail "apt-source: not source, update, source again: $(cat "$work/retry.apt")"
    elif ! grep -qxF "$work/retry source -qq --download-only --only-source xen=4.17.5-1" \
            "$work/retry.apt"; then
        fail "apt-source: not run in its directory with its options: $(cat "$work/retry.apt")"
    elif ! grep -qs '^Types: deb-src' "$work/retry.debsrc/overcommit-deb-src.sources" &&
         ! grep -qs '^deb-src ' "$work/retry.debsrc/overcommit-deb-src.list"; then
        fail "apt-source: no deb-src entries were derived before the update"
    else
        pass
    fi
fi
if apt_source missing no xen 4.17.9-1; then
    fail "apt-source: a version apt does not have was fetched"
elif ! grep -qF "xen source 4.17.9-1 is not available from apt (found: 4.17.1-1 4.17.2-1); see $work/missing.log" \
        "$work/missing.err"; then
    fail "apt-source: the refusal does not name the version and what apt has: $(cat "$work/missing.err")"
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
