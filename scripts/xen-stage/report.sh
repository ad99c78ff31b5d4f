#!/usr/bin/env bash
# The side-by-side report of the figures both runs of scenario.sh
# recorded (KEY=VALUE lines), in the order ours recorded them.
#
#   report.sh FIGURES-OURS FIGURES-STOCK
set -euo pipefail

ours=$1
stock=$2
echo "=== report: figures, ours vs stock (same host, same domains, same order)"
awk -F= '
    FNR == NR { k = $1; if (!(k in o)) order[n++] = k; sub(/^[^=]*=/, ""); o[k] = $0; next }
    { k = $1; sub(/^[^=]*=/, ""); s[k] = $0 }
    END {
        for (i = 0; i < n; i++) {
            k = order[i]
            printf "%s\n    ours:  %s\n    stock: %s\n", k, o[k], (k in s) ? s[k] : "-"
        }
    }' "$ours" "$stock"
