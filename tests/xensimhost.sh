# Sourced by the shell tests that run a libvirt daemon on a simulated Xen
# host: a private directory for it, removed with the daemon and the host
# on exit, and the commands to drive them.  Needs $top and $build; sets
# $work; the test sets $uri once its daemon runs.

work=$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")
daemon() { XENSIM_BUILD_DIR=$build "$top/scripts/daemon.sh" "$@"; }
xensimhost_cleanup() {
    daemon stop "$work" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap xensimhost_cleanup EXIT

virsh() { "$build/subprojects/libvirt/tools/virsh" -q -c "$uri" "$@"; }
xensim() { "$build/tools/xensim/xensim" --socket "$work/xensim.sock" "$@"; }

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; false
# if it has not after SECONDS (of the wall clock, however long CMD takes)
wait_for() {
    local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
    shift
    until "$@"; do
        [ "$(( $(date +%s%N) / 1000000 ))" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# hold_for_ms MS CMD...: CMD holds at every look (every 0.1 s) for MS
# milliseconds; false as soon as it does not (CMD reports the failure)
hold_for_ms() {
    local deadline=$(( $(date +%s%N) / 1000000 + $1 ))
    shift
    while [ "$(( $(date +%s%N) / 1000000 ))" -lt "$deadline" ]; do
        "$@" || return 1
        sleep 0.1
    done
}
# status_xml NAME: the daemon's status XML of a running domain
status_xml() { cat "$work/var/run/libvirt/libxl/$1.xml" 2>/dev/null; }

# read_host: what the simulated host says now (xensim info), in host_out.
# A host that cannot be read, or that prints no domain table with dom0 in
# it, fails the test and ends it: "not on the host" must never stand for
# "not read".  Call it in the test's own shell, never in $(...); host_dom
# and host_field read what it read.  Needs tests/checks.sh.
read_host() {
    if ! host_out=$(xensim info 2>&1); then
        fail "xensim info failed: $host_out"
        finish "$(basename "$0" .sh)"
        exit 1
    fi
    if ! awk '$1 == "Name" { table = 1; next } table && $1 == "Domain-0" { dom0 = 1 }
              END { exit !dom0 }' <<< "$host_out"; then
        fail "xensim info printed no domain table with Domain-0: $host_out"
        finish "$(basename "$0" .sh)"
        exit 1
    fi
}
# host_dom NAME COLUMN: the domain table as read (2 ID, 4 Mem, 6 Target,
# 7 Claim, last State); a dying domain's line, kept while it still holds
# pages, is not its name's
host_dom() { awk -v n="$1" -v c="$2" '$1 == n && $NF != "dying" { print $c }' <<< "$host_out"; }
# host_field NAME: a figure of the host's, as read (MiB for the memory ones)
host_field() { awk -v k="$1" '$1 == k { print $3 }' <<< "$host_out"; }

# claim_domain NAME MIB: define a PV domain with <memoryClaim/>
claim_domain() {
    "$top/scripts/pv-domain-xml.sh" "$1" "$2" 1 "<memoryClaim/>" > "$work/$1.xml"
    virsh define "$work/$1.xml" > /dev/null || fail "define $1"
}
