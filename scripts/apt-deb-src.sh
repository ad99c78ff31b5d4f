#!/usr/bin/env bash
# Derive deb-src entries from the machine's own apt sources, so that
# `apt-get source` works without ever naming a mirror ourselves.
# Usage: scripts/apt-deb-src.sh [OUTPUT_DIR [APT_DIR]]
#   OUTPUT_DIR defaults to /etc/apt/sources.list.d, APT_DIR to /etc/apt.
# Prints 1 if it wrote or changed a file, 0 if everything was in place.
set -euo pipefail

outdir=${1:-/etc/apt/sources.list.d}
aptdir=${2:-/etc/apt}
out_sources="$outdir/overcommit-deb-src.sources"
out_list="$outdir/overcommit-deb-src.list"

tmp_sources=$(mktemp)
tmp_list=$(mktemp)
trap 'rm -f "$tmp_sources" "$tmp_list"' EXIT

# deb822 files: copy each stanza whose Types include "deb" but not already
# "deb-src", as a deb-src stanza.
for f in "$aptdir"/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    [ "$f" = "$out_sources" ] && continue
    awk '
        function flush() {
            if (stanza != "" && isdeb && !hassrc) {
                printf "%s\n", stanza
            }
            stanza = ""; isdeb = 0; hassrc = 0
        }
        /^[[:space:]]*$/ { flush(); next }
        /^[[:space:]]*#/ { next }
        /^Types:/ {
            for (i = 2; i <= NF; i++) {
                if ($i == "deb") isdeb = 1
                if ($i == "deb-src") hassrc = 1
            }
            stanza = stanza "Types: deb-src\n"
            next
        }
        { stanza = stanza $0 "\n" }
        END { flush() }
    ' "$f" >> "$tmp_sources"
done

# One-line format: turn every "deb ..." line into "deb-src ...", unless the
# same deb-src line is already there.
for f in "$aptdir"/sources.list "$aptdir"/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    [ "$f" = "$out_list" ] && continue
    cat "$f"
done | awk '
    { sub(/^[[:space:]]+/, "") }
    $1 == "deb-src" { $1 = ""; have[$0] = 1; next }
    $1 == "deb" { $1 = ""; want[++n] = $0 }
    END {
        for (i = 1; i <= n; i++)
            if (!(want[i] in have)) print "deb-src" want[i]
    }
' >> "$tmp_list"

if ! grep -q . "$tmp_sources" && ! grep -q . "$tmp_list"; then
    echo "apt-deb-src: no 'deb' entries found in the apt sources" >&2
    exit 1
fi

changed=0
install_if_changed() {
    local tmp=$1 dest=$2
    if grep -q . "$tmp"; then
        if ! cmp -s "$tmp" "$dest" 2>/dev/null; then
            install -m 0644 "$tmp" "$dest"
            changed=1
        fi
    fi
}
install_if_changed "$tmp_sources" "$out_sources"
install_if_changed "$tmp_list" "$out_list"
echo "$changed"
