# Helpers shared by the scripts that run inside dom0 (sourced, bash).
#
# Report lines go to stdout, which is dom0's console and so the serial
# log: every line the host extracts starts with "xs| ".  Figures also go
# to $XS_FIGURES as KEY=VALUE lines, for the side-by-side table.

XS_BIN=/usr/lib/xen-4.17/bin
export PATH=$XS_BIN:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf 'xs| %s\n' "$*"; }

# A command that stops a script under set -e says which and where, on
# the console, instead of ending the script silently.
set -E
trap 'say "ERROR: ${BASH_SOURCE[0]##*/} line $LINENO: $BASH_COMMAND (exit $?)"' ERR

XS_FAILED=${XS_FAILED:-0}
pass() { say "PASS $*"; }
fail() { say "FAIL $*"; XS_FAILED=$((XS_FAILED + 1)); }
# check CONDITION MESSAGE: PASS or FAIL with MESSAGE; CONDITION is shell
# code, evaluated when checked (single-quote it)
check() {
    if eval "$1"; then pass "$2"; else fail "$2"; fi
}

# fig KEY VALUE: record a figure for the side-by-side report
fig() {
    printf '%s=%s\n' "$1" "$2" >> "$XS_FIGURES"
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# |A - B| <= TOL
near() { local d=$(( ${1:-0} - ${2:-0} )); [ "${d#-}" -le "$3" ]; }

# xl info FIELD (MiB for the memory fields)
xlinfo() { xl info | awk -v k="$1" '$1 == k { print $3 }'; }
# xl list, or what it printed earlier into FILE (each xl call costs dom0
# a fraction of a second under TCG)
xl_list() { if [ -n "${1:-}" ]; then cat "$1"; else xl list; fi; }
# xlmem NAME [FILE]: the Mem (MiB) of domain NAME, empty if there is none
xlmem() { xl_list "${2:-}" | awk -v n="$1" 'NR > 1 && $1 == n { print $3 }'; }
xlid() { xl_list "${2:-}" | awk -v n="$1" 'NR > 1 && $1 == n { print $2 }'; }
# xlnames [FILE]: every domain but dom0, sorted
xlnames() { xl_list "${1:-}" | awk 'NR > 1 && $1 != "Domain-0" { print $1 }' | sort | tr '\n' ' '; }

# Free memory (MiB) once it stops changing: Xen scrubs a destroyed
# domain's pages in the background.  Polled every 0.5 s, at most 20 s.
xl_free_settled() {
    local f i prev
    prev=$(xlinfo free_memory)
    for i in $(seq 1 40); do
        sleep 0.5
        f=$(xlinfo free_memory)
        [ "$f" = "$prev" ] && break
        prev=$f
    done
    echo "$prev"
}
