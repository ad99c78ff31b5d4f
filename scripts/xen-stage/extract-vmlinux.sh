#!/usr/bin/env bash
# Print the uncompressed kernel (an ELF vmlinux) held in a bzImage.
#
#   extract-vmlinux.sh VMLINUZ > vmlinux
#
# Why: a PV guest built from the compressed bzImage is decompressed inside
# libxenguest, in dom0, at every start (~12 s under TCG instead of ~2 s),
# and Debian ships no extract-vmlinux.  The bzImage carries the kernel as
# one compressed stream after the setup code: find the first offset where
# a known compressor's magic starts a stream that decompresses to an ELF
# file, and print that.
set -euo pipefail

image=${1:?usage: extract-vmlinux.sh VMLINUZ}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# magic (as a grep -P byte pattern) and the command that decompresses one
# stream from stdin, ignoring what follows it
try() {
    local magic=$1; shift
    local off
    for off in $(LC_ALL=C grep -obUaP "$magic" "$image" | cut -d: -f1); do
        if tail -c +"$((off + 1))" "$image" | "$@" > "$tmp" 2>/dev/null ||
           [ -s "$tmp" ]; then
            # a trailing-garbage complaint still leaves the whole stream
            if [ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
                cat "$tmp"
                return 0
            fi
        fi
    done
    return 1
}

try '\xfd7zXZ\x00' xz -dc --single-stream ||
try '\x28\xb5\x2f\xfd' zstd -dc ||
try '\x1f\x8b\x08' gzip -dc ||
{ echo "extract-vmlinux: no xz, zstd or gzip stream with an ELF kernel in $image" >&2; exit 1; }
