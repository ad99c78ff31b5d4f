# Throwaway Debian 12 roots for checks of our packages, sourced by
# scripts/deb-rollback-check.sh and scripts/admin-guide-check.sh: the
# machine's own packages stay as they were.
#
# The sourcing script sets: top (the checkout), work (its mktemp dir,
# removed by its EXIT trap, which calls deb_root_cleanup first), and has
# log and die.  The root is debootstrapped once from the machine's own apt
# mirror and kept as .cache/deb/bookworm-minbase.tar.gz for the next run.

deb_root_base=$top/.cache/deb/bookworm-minbase.tar.gz
# mount points in the roots, innermost last
deb_root_mounts=()

deb_root_cleanup() {
    local i
    for ((i = ${#deb_root_mounts[@]} - 1; i >= 0; i--)); do
        umount -R -l "${deb_root_mounts[i]}" 2>/dev/null || true
    done
    deb_root_mounts=()
}

# "deb URI SUITE COMPONENTS" for every Debian 12 entry of the machine's
# apt sources, deb822 and one-line alike; options (signed-by) are left
# out: the root trusts Debian's keys through its debian-archive-keyring.
host_apt_lines() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        awk '
            function flush(  i, j, k, u, s, c) {
                if (isdeb) {
                    nu = split(uris, u, " "); ns = split(suites, s, " ")
                    for (i = 1; i <= nu; i++)
                        for (j = 1; j <= ns; j++)
                            if (s[j] ~ /^bookworm/)
                                print "deb " u[i] " " s[j] " " comps
                }
                isdeb = 0; uris = suites = comps = ""
            }
            /^[[:space:]]*$/ { flush(); next }
            /^[[:space:]]*#/ { next }
            /^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1; next }
            /^URIs:/ { $1 = ""; uris = $0; next }
            /^Suites:/ { $1 = ""; suites = $0; next }
            /^Components:/ { $1 = ""; comps = substr($0, 2); next }
            END { flush() }
        ' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -e "$f" ] || continue
        awk '$1 == "deb" {
                 i = 2
                 if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                 if ($(i + 1) !~ /^bookworm/) next
                 line = "deb"
                 for (; i <= NF; i++) line = line " " $i
                 print line
             }' "$f"
    done
}

need_debootstrap() {
    command -v debootstrap >/dev/null && return 0
    log "installing debootstrap"
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends \
        debootstrap >/dev/null 2>&1 || die "could not install debootstrap"
}

# A Debian 12 root under DIR, from the cached tarball or debootstrap.
make_root() {
    local root=$1 mirror
    mkdir -p "$root"
    if [ ! -f "$deb_root_base" ]; then
        need_debootstrap
        mirror=$(host_apt_lines | awk '$3 == "bookworm" { print $2; exit }')
        [ -n "$mirror" ] || die "no bookworm entry in the machine's apt sources"
        log "debootstrap bookworm from $mirror (once; cached as $deb_root_base)"
        mkdir -p "$(dirname "$deb_root_base")"
        debootstrap --variant=minbase bookworm "$work/base" "$mirror" \
            >"$work/debootstrap.log" 2>&1 || {
            tail -20 "$work/debootstrap.log" >&2
            die "debootstrap failed"
        }
        # the .debs it installed from are not needed again
        rm -f "$work/base"/var/cache/apt/archives/*.deb
        tar -C "$work/base" -czf "$deb_root_base.tmp" .
        mv "$deb_root_base.tmp" "$deb_root_base"
        rm -rf --one-file-system "$work/base"
    fi
    tar -C "$root" -xzf "$deb_root_base"
    host_apt_lines | sort -u > "$root/etc/apt/sources.list"
    # no service starts in the root (no init there to start it anyway)
    printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    mount -t proc proc "$root/proc"; deb_root_mounts+=("$root/proc")
    # a slave copy: the host's /dev is shared on a booted Debian, and an
    # unmount of a shared copy's submounts would unmount the host's
    mount --rbind /dev "$root/dev"; deb_root_mounts+=("$root/dev")
    mount --make-rslave "$root/dev"
    in_root "$root" apt-get -qq update
}

in_root() {
    local root=$1; shift
    DEBIAN_FRONTEND=noninteractive chroot "$root" "$@"
}
