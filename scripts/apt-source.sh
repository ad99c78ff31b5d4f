#!/usr/bin/env bash
# `apt-get source` of one pinned version, on a machine that may not have
# deb-src entries yet: the first failure derives them from the machine's
# own apt sources (scripts/apt-deb-src.sh, as root) and tries once more;
# a second failure names the version wanted and the versions apt offers.
#
# Usage: apt-source.sh DIR LOG PACKAGE VERSION [APT_GET_SOURCE_OPTION...]
#   e.g. apt-source.sh "$tmp" "$tmp/apt.log" libvirt 9.0.0-4+deb12u2 --download-only
# The environment's APT_DEB_SRC_DIR, if set, is where the derived entries
# go instead of /etc/apt/sources.list.d (the tests' way of not touching
# the machine's apt configuration).
set -euo pipefail

dir=${1:?apt-source.sh needs a directory}
logfile=${2:?apt-source.sh needs a log file}
package=${3:?apt-source.sh needs a source package}
version=${4:?apt-source.sh needs a version}
shift 4
here=$(dirname "$(realpath "$0")")

fetch() {
    (cd "$dir" && apt-get source -qq "$@" --only-source "$package=$version") \
        > "$logfile" 2>&1
}

fetch "$@" && exit 0
# entries already in place may only lack an `apt-get update`; either
# step failing still leaves the retry and the message below to say why
if [ "$(id -u)" = 0 ]; then
    "$here/apt-deb-src.sh" ${APT_DEB_SRC_DIR:+"$APT_DEB_SRC_DIR"} > /dev/null ||
        echo "apt-source: could not derive deb-src entries (see above)" >&2
    apt-get -o DPkg::Lock::Timeout=900 update -qq ||
        echo "apt-source: apt-get update failed (see above)" >&2
    fetch "$@" && exit 0
fi
avail=$(apt-cache showsrc "$package" 2>/dev/null | sed -n 's/^Version: //p' |
        sort -u | paste -sd ' ')
echo "apt-source: $package source $version is not available from apt" \
     "(found: ${avail:-none}); see $logfile" >&2
exit 1
