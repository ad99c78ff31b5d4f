#!/usr/bin/env bash
# Install our libvirt packages over Debian's and go back to Debian's, in a
# throwaway Debian 12 root, so the machine's own packages stay as they were;
# then install the guest agent's package in a second fresh root, as in a
# guest.  Prints PASS/FAIL lines and "N passed, N failed".
#
#   deb-rollback-check.sh [DEBS_DIR]     (default .cache/deb/out)
#   deb-rollback-check.sh --base-only    only make the cached base root
#
# The root is debootstrapped once from the machine's own apt mirror and
# kept as .cache/deb/bookworm-minbase.tar.gz for the next run.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
base_only=0
if [ "${1:-}" = --base-only ]; then
    base_only=1
    shift
fi
debs=${1:-$top/.cache/deb/out}
debian_version=9.0.0-4+deb12u2
our_version=$("$top/scripts/deb.sh" version)
# The packages a Xen host with libvirt has: the daemon, its libxl driver,
# the clients, and libvirt-daemon-system, whose /etc/libvirt/libxl.conf
# is the conffile our series changes
host_packages=(libvirt-daemon-driver-xen libvirt-daemon libvirt-clients libvirt-daemon-system)

passed=0 failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
log() { printf '== %s\n' "$*"; }
die() { printf 'deb-rollback-check: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
[ "$base_only" = 1 ] || ls "$debs"/libvirt-daemon-driver-xen_"$our_version"_*.deb >/dev/null 2>&1 ||
    die "no libvirt-daemon-driver-xen $our_version in $debs: run ./run deb first"

work=$(mktemp -d "${TMPDIR:-/tmp}/overcommit-rollback.XXXXXX")
. "$top/scripts/deb-root.sh"
cleanup() {
    deb_root_cleanup
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
# bash runs no EXIT trap when killed: make a signal an exit
trap 'exit 130' INT TERM

# a command in the root whose output would only clutter the report
quiet_in_root() {
    in_root "$@" >/dev/null 2>&1
}

apt_root() {
    local root=$1; shift
    in_root "$root" apt-get -y -q -o Dpkg::Options::=--force-confdef \
        -o Dpkg::Options::=--force-confold --no-install-recommends "$@" \
        >>"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log" >&2; return 1; }
}

# "PACKAGE VERSION" of the installed binary packages of source libvirt
libvirt_installed() {
    in_root "$1" dpkg-query -W -f='${db:Status-Abbrev} ${source:Package} ${Package} ${Version}\n' |
        awk '$1 == "ii" && $2 == "libvirt" { print $3, $4 }'
}

all_at() {
    local root=$1 version=$2
    [ -n "$(libvirt_installed "$root")" ] &&
        ! libvirt_installed "$root" | awk -v v="$version" '$2 != v { bad = 1 } END { exit !bad }'
}

conffile_is_ours() {
    grep -qx '# changed by deb-rollback-check' "$1/etc/libvirt/libxl.conf"
}

driver_path() {
    local f
    for f in "$1"/usr/lib/*/libvirt/connection-driver/libvirt_driver_libxl.so; do
        [ -f "$f" ] && { echo "$f"; return 0; }
    done
    return 1
}

driver_has_ours() {
    local f
    f=$(driver_path "$1") && grep -aq libxlClaim "$f"
}

schema_has_ours() {
    [ -f "$1/usr/share/libvirt/schemas/domainmemory.rng" ] &&
        grep -q memoryClaim "$1/usr/share/libvirt/schemas/domainmemory.rng"
}

# Debian's driver: there, and without our code
driver_is_debians() {
    local f
    f=$(driver_path "$1") && ! grep -aq libxlClaim "$f"
}

agent_installed() {
    in_root "$1" dpkg-query -W -f='${db:Status-Abbrev}' xenmemstatd | grep -q '^ii'
}

agent_version_is() {
    [ "$(in_root "$1" /usr/sbin/xenmemstatd --version)" = "xenmemstatd $2" ]
}

# The files dpkg left beside the conffiles (.dpkg-dist, -new, -old)
dpkg_leftovers() {
    (cd "$1" && find etc \( -name '*.dpkg-*' -o -name '*.ucf-*' \) -print) | LC_ALL=C sort
}

# Only the conffile changed by hand left a copy beside it, the package's
# new one, which holds that package's version of the file ($2: a line of
# the settings only ours has, $3 = yes if it must be there)
only_libxl_dist() {
    local left
    left=$(dpkg_leftovers "$1")
    echo "   left beside the conffiles: ${left:-nothing}"
    [ "$left" = etc/libvirt/libxl.conf.dpkg-dist ] || return 1
    if [ "$3" = yes ]; then
        grep -q "$2" "$1/etc/libvirt/libxl.conf.dpkg-dist"
    else
        ! grep -q "$2" "$1/etc/libvirt/libxl.conf.dpkg-dist"
    fi
}

# dpkg --verify: of all the libvirt packages' files, only libxl.conf
# differs from what the installed packages shipped
only_libxl_modified() {
    local changed pkgs
    mapfile -t pkgs < <(libvirt_installed "$1" | cut -d' ' -f1)
    changed=$(in_root "$1" dpkg --verify "${pkgs[@]}" | awk '{ print $NF }' | LC_ALL=C sort)
    echo "   dpkg --verify: ${changed:-nothing} changed"
    [ "$changed" = /etc/libvirt/libxl.conf ]
}

host_check() {
    local root=$work/host p debs_ours=() downgrade=() in_tmp
    log "a Debian 12 root with Debian's libvirt $debian_version"
    make_root "$root"
    for p in "${host_packages[@]}"; do downgrade+=("$p=$debian_version"); done
    apt_root "$root" install "${downgrade[@]}"
    check "Debian's packages installed at $debian_version" all_at "$root" "$debian_version"
    echo '# changed by deb-rollback-check' >> "$root/etc/libvirt/libxl.conf"
    cp "$root/etc/libvirt/libxl.conf" "$work/libxl.conf.ours"

    log "our packages over Debian's: each installed libvirt package at $our_version"
    while read -r p _; do
        debs_ours+=("$(ls "$debs/${p}_${our_version}"_*.deb)")
    done < <(libvirt_installed "$root")
    cp "${debs_ours[@]}" "$root/tmp/"
    in_tmp=("${debs_ours[@]##*/}")
    apt_root "$root" install "${in_tmp[@]/#//tmp/}"
    check "every libvirt package at $our_version" all_at "$root" "$our_version"
    libvirt_installed "$root" | sed 's/^/   /'
    check "libxl.conf kept as changed by hand" cmp -s "$work/libxl.conf.ours" "$root/etc/libvirt/libxl.conf"
    check "only libxl.conf.dpkg-dist left beside, ours (claim_mode)" \
        only_libxl_dist "$root" '^#claim_mode' yes
    check "dpkg --verify: only libxl.conf changed" only_libxl_modified "$root"
    check "the libxl driver has our code (libxlClaim)" driver_has_ours "$root"
    check "domainmemory.rng with memoryClaim installed" schema_has_ours "$root"
    check "virsh runs (virsh --version)" quiet_in_root "$root" virsh --version

    log "back to Debian's: apt install PACKAGE=$debian_version ... --allow-downgrades"
    downgrade=()
    while read -r p _; do downgrade+=("$p=$debian_version"); done < <(libvirt_installed "$root")
    echo "   apt install --allow-downgrades ${downgrade[*]}"
    apt_root "$root" install --allow-downgrades "${downgrade[@]}"
    check "every libvirt package back at $debian_version" all_at "$root" "$debian_version"
    check "libxl.conf still as changed by hand" cmp -s "$work/libxl.conf.ours" "$root/etc/libvirt/libxl.conf"
    check "only libxl.conf.dpkg-dist left beside, Debian's (no claim_mode)" \
        only_libxl_dist "$root" claim_mode no
    check "dpkg --verify: only libxl.conf changed" only_libxl_modified "$root"
    check "the libxl driver is Debian's again (no libxlClaim)" driver_is_debians "$root"
    check "domainmemory.rng gone with our libvirt0" test ! -e "$root/usr/share/libvirt/schemas/domainmemory.rng"
}

guest_check() {
    local root=$work/guest deb version
    deb=$(ls "$debs"/xenmemstatd_*.deb | head -1)
    log "a fresh Debian 12 root as a guest: $(basename "$deb")"
    make_root "$root"
    cp "$deb" "$root/tmp/"
    apt_root "$root" install "/tmp/$(basename "$deb")"
    version=$(dpkg-deb -f "$deb" Version)
    check "xenmemstatd installed" agent_installed "$root"
    check "binary in /usr/sbin runs --help" quiet_in_root "$root" /usr/sbin/xenmemstatd --help
    check "--version prints xenmemstatd $version" agent_version_is "$root" "$version"
    check "systemd unit in /lib/systemd/system" test -f "$root/lib/systemd/system/xenmemstatd.service"
    check "unit enabled (multi-user.target.wants)" \
        test -L "$root/etc/systemd/system/multi-user.target.wants/xenmemstatd.service"
    check "man page xenmemstatd(8)" test -f "$root/usr/share/man/man8/xenmemstatd.8.gz"
    apt_root "$root" purge xenmemstatd
    check "purged cleanly (unit link gone)" \
        test ! -e "$root/etc/systemd/system/multi-user.target.wants/xenmemstatd.service"
}

start=$(date +%s)
if [ "$base_only" = 1 ]; then
    make_root "$work/root"
    echo "deb-rollback-check: base root in $deb_root_base"
    exit 0
fi
debs=$(cd "$debs" && pwd)
host_check
guest_check
echo "deb-rollback-check: $passed passed, $failed failed in $(( $(date +%s) - start )) s"
[ "$failed" -eq 0 ]
