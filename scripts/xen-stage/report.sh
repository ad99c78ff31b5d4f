#!/usr/bin/env bash
# The side-by-side report of the figures the runs of scenario.sh
# recorded (KEY=VALUE lines in figures-FLAVOUR.txt), in the order the
# first recorded them, then what only later ones recorded.
#
#   report.sh FIGURES-OURS FIGURES-STOCK [FIGURES-PATCHED]
set -euo pipefail

names=()
for f in "$@"; do
    n=${f##*/figures-}
    names+=("${n%.txt}")
done
label=$(printf ' vs %s' "${names[@]}")
echo "=== report: figures, ${label# vs } (same host, same domains, same order)"
# FILE-NUMBER TAB KEY=VALUE, so that an empty file keeps its column
for i in "${!names[@]}"; do
    sed "s/^/$((i + 1))\t/" "${@:i+1:1}"
done | awk -F'\t' -v names="${names[*]}" '
    { file = $1; line = substr($0, length($1) + 2); k = line; sub(/=.*/, "", k)
      if (!(k in seen)) { seen[k] = 1; order[n++] = k }
      sub(/^[^=]*=/, "", line); v[file, k] = line }
    END {
        nf = split(names, label, " ")
        for (i = 0; i < n; i++) {
            k = order[i]
            printf "%s\n", k
            for (j = 1; j <= nf; j++)
                printf "    %-8s %s\n", label[j] ":", ((j, k) in v) ? v[j, k] : "-"
        }
    }'
