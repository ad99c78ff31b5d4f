#!/usr/bin/env bash
# A fault at every step of start, restore, setmem and the actors, through
# our daemon on a simulated host: the steps are listed in
# tests/faultdata/steps.txt and the faults injected at each in
# tests/faultdata/cases.txt.  After every case:
#  - no claim is left (nothing builds between the cases);
#  - the host's domains are exactly the ones libvirt lists as active: no
#    ghost, no half-built domain;
#  - every active domain's status XML parses, names its domain's id on
#    the host and its state;
#  - no build record is left, and every paged domain has its pager (or
#    the ring a pager killed outright left, which nobody may take);
# and then the daemon is restarted and all of it checked again, with the
# domains that ran before still running under their ids and what the
# actors had pending done.  A step without a case, a case of a step or
# fault the list does not have, or a case that faults another kind of
# call than the list gives its step's fault, fails the test.
#
# A kill "between two steps" is exact: the simulated host holds the call
# of the next step unanswered (xensim fault call --hold), the test kills
# the daemon while it waits there, and the call never happens.
#
# Usage: xensim-faults.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"
. "$top/tests/xensimhost.sh"
# the cases' xenstore patterns are words, never file names; names sort
# bytewise
set -f
export LC_ALL=C

steps=$top/tests/faultdata/steps.txt
cases=$top/tests/faultdata/cases.txt
pager_bin=$build/tools/xensim/xensim-pager
pagedir=$work/var/lib/libvirt/libxl/paging
records=$work/var/run/libvirt/libxl/building
holds=$work/holds

# --- the list and the cases agree ----------------------------------------
# Prints one FAIL line per step fault without a case and per case that
# names what the list does not have; true if there is none.
coverage_gaps() {
    awk -F'|' '
        FNR == NR {
            if ($0 ~ /^[ \t]*(#|$)/) next
            op = $1; step = $2; faults = $3
            gsub(/[ \t]/, "", op); gsub(/[ \t]/, "", step); gsub(/[ \t]/, "", faults)
            if (op == "" || step == "" || faults == "") {
                printf "FAIL: %s:%d: a step needs an operation, a name and its faults\n", FILENAME, FNR
                bad++; next
            }
            if ((op, step) in listed) {
                printf "FAIL: %s:%d: step %s %s is listed twice\n", FILENAME, FNR, op, step
                bad++
            }
            listed[op, step] = 1
            n = split(faults, f, ",")
            for (i = 1; i <= n; i++) {
                # fail:KIND, kill:KIND: the kind of call it is injected at
                nk = split(f[i], fk, ":")
                name = fk[1]
                if ((name == "fail" || name == "kill") != (nk == 2) || nk > 2 || (nk == 2 && fk[2] == "")) {
                    printf "FAIL: %s:%d: fault %s of step %s %s: fail and kill name their call (fail:KIND), no other fault does\n", FILENAME, FNR, f[i], op, step
                    bad++
                }
                want[op, step, name] = 1
                kind[op, step, name] = fk[2]
                order[++nw] = op SUBSEP step SUBSEP name
            }
            next
        }
        /^[ \t]*(#|$)/ { next }
        {
            split($0, w, /[ \t]+/)
            fault = w[3]
            if (!((w[1], w[2]) in listed)) {
                printf "FAIL: %s:%d: case of step %s %s, which %s does not list\n", FILENAME, FNR, w[1], w[2], steps
                bad++
            } else if (!((w[1], w[2], fault) in want)) {
                printf "FAIL: %s:%d: fault %s is not one of step %s %s\n", FILENAME, FNR, fault, w[1], w[2]
                bad++
            } else if ((fault == "fail" || fault == "kill") && w[4] != kind[w[1], w[2], fault]) {
                printf "FAIL: %s:%d: case faults %s, step %s %s has its %s at %s\n", FILENAME, FNR, w[4], w[1], w[2], fault, kind[w[1], w[2], fault]
                bad++
            }
            have[w[1], w[2], fault] = 1
        }
        END {
            for (i = 1; i <= nw; i++) {
                if (!(order[i] in have)) {
                    split(order[i], k, SUBSEP)
                    printf "FAIL: step %s %s has no case for its fault %s\n", k[1], k[2], k[3]
                    bad++
                }
            }
            exit bad > 0
        }' steps="$steps" "$steps" FS='[ \t]+' "$cases"
}

# the check itself must catch what it is for: a step added without a
# case, and a case of a step that is not listed
coverage_selftest() {
    local tmp=$work/coverage out
    mkdir -p "$tmp"
    { cat "$steps"; echo "start | nowhere | fail:create | a step nobody tests"; } > "$tmp/steps.txt"
    out=$(steps=$tmp/steps.txt; cases=$cases; coverage_gaps 2>&1) &&
        fail "a step without a case passed the coverage check"
    grep -q "step start nowhere has no case for its fault fail" <<< "$out" && pass ||
        fail "the coverage check did not name the step without a case: $out"
    { cat "$cases"; echo "start elsewhere fail create EIO"; } > "$tmp/cases.txt"
    out=$(steps=$steps; cases=$tmp/cases.txt; coverage_gaps 2>&1) &&
        fail "a case of an unlisted step passed the coverage check"
    grep -q "case of step start elsewhere" <<< "$out" && pass ||
        fail "the coverage check did not name the unlisted step: $out"
    # and a case that faults another call than its step's
    { cat "$cases"; echo "start claim fail set-max EIO"; } > "$tmp/cases.txt"
    out=$(steps=$steps; cases=$tmp/cases.txt; coverage_gaps 2>&1) &&
        fail "a case faulting another call than its step's passed the coverage check"
    grep -q "case faults set-max, step start claim has its fail at claim" <<< "$out" && pass ||
        fail "the coverage check did not name the case of another call: $out"
    { cat "$steps"; echo "start | kindless | kill | a kill without its call"; } > "$tmp/steps.txt"
    out=$(steps=$tmp/steps.txt; cases=$cases; coverage_gaps 2>&1) &&
        fail "a kill without its call passed the coverage check"
    grep -q "fault kill of step start kindless: fail and kill name their call" <<< "$out" && pass ||
        fail "the coverage check did not name the kill without its call: $out"
}

if coverage_gaps; then pass; else fail "the steps and the cases disagree (above)"; fi
coverage_selftest

# --- the host and the daemon ---------------------------------------------
conf() {    # FILE AUTOBALLOON
    printf 'pager_program = "%s"\nauto_grace = 0\nautoballoon = %s\n' "$pager_bin" "$2" > "$1"
}
conf "$work/plain.conf" 0
conf "$work/balloon.conf" 1
libxl_conf=$work/plain.conf

# libvirt's hook: the 'started' hook holds the start of a domain named in
# $holds/hold-NAME until $holds/release-NAME exists (at most 30 s)
mkdir -p "$holds" "$work/etc/hooks"
cat > "$work/etc/hooks/libxl" <<HOOK
#!/bin/sh
[ "\$2" = started ] && [ -e "$holds/hold-\$1" ] || exit 0
: > "$holds/held-\$1"
i=0
while [ ! -e "$holds/release-\$1" ] && [ \$i -lt 300 ]; do
    sleep 0.1
    i=\$((i + 1))
done
exit 0
HOOK
chmod +x "$work/etc/hooks/libxl"

start_daemon() {
    uri=$(daemon start "$work" --libxl-conf "$libxl_conf" "$@") || return 1
    # libvirtd listens before its drivers have initialised: a call waits
    virsh list --all > /dev/null
}
restart_daemon() {
    daemon stop "$work" --keep-host > /dev/null || fail "the daemon did not stop on SIGTERM"
    start_daemon || fail "the daemon did not start again"
}
# daemon_gone PID: the process has exited (a zombie has closed its
# connections already)
daemon_gone() {
    kill -0 "$1" 2>/dev/null || return 0
    [ "$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null)" = Z ]
}
# kill_daemon: SIGKILL, and return once the daemon is gone
kill_daemon() {
    local pid
    pid=$(cat "$work/libvirtd.pid")
    kill -KILL "$pid"
    wait_for 10 daemon_gone "$pid" || fail "$CASE: the daemon $pid did not die of SIGKILL"
    rm -f "$work/libvirtd.pid"
}

start_daemon -- --memory 8G --dom0 2G --dom0-min 512M --paging on \
    --paging-rate 1G --populate-rate 2G ||
    { fail "daemon start"; finish xensim-faults; exit 1; }

# --- the simulator's call faults themselves -------------------------------
# with the tool as the caller: a held write happens only once released, a
# failing rule fires once and after the calls it skips
sim_faults_selftest() {
    local out writer
    xensim fault call xs-write --path "/faults-test/*" --hold > /dev/null || fail "fault call --hold"
    xensim xs-write /faults-test/a held > /dev/null 2>&1 &
    writer=$!
    wait_for 10 held && pass || fail "the write was not held"
    out=$(xensim fault held)
    [ "$out" = "xs-write /faults-test/a" ] && pass || fail "fault held says '$out'"
    [ -z "$(xensim xs-read /faults-test/a 2>/dev/null)" ] && pass || fail "a held write happened"
    xensim fault release > /dev/null || fail "fault release"
    wait "$writer" && pass || fail "the released write failed"
    [ "$(xensim xs-read /faults-test/a)" = held ] && pass || fail "the released write did not happen"
    xensim fault held > /dev/null && fail "a call is still held after the release" || pass
    xensim fault call xs-write --path "/faults-test/b" --skip 1 --errno ENOSPC > /dev/null ||
        fail "fault call --errno"
    xensim xs-write /faults-test/b 1 > /dev/null && pass || fail "the skipped write failed"
    out=$(xensim xs-write /faults-test/b 2 2>&1) && fail "the write was not refused"
    grep -q "No space left on device" <<< "$out" && pass || fail "the write was refused with: $out"
    xensim xs-write /faults-test/b 3 > /dev/null && pass || fail "the rule fired twice"
    out=$(xensim fault call claim --path /x --errno EIO 2>&1) && fail "--path was taken for claims"
    grep -q -- "--path is for the xs-\* kinds" <<< "$out" && pass || fail "fault call claim --path: $out"
    out=$(xensim fault call nothing --hold 2>&1) && fail "an unknown kind was taken"
    grep -q "unknown kind of call 'nothing'" <<< "$out" && pass || fail "fault call nothing: $out"
}
# --- reading the host and the daemon --------------------------------------
claims() { read_host; host_field outstanding_claims; }
on_host() { read_host; [ -n "$(host_dom "$1" 1)" ]; }
# the host's guests (not dying) and libvirt's active domains, sorted
host_names() { awk '$1 == "Name" { t = 1; next } t && NF > 3 && $1 != "Domain-0" && $NF != "dying" { print $1 }' <<< "$host_out" | sort; }
active_names() { virsh list --name | sed '/^$/d; /^Domain-0$/d' | sort; }
held() { xensim fault held > /dev/null; }
pager_pid() { status_xml "$1" | sed -n "s/.*<pager pid='\([0-9]*\)'.*/\1/p"; }
paging_key() { xensim xs-read "/local/domain/$(host_dom "$1" 2)/memory/target-tot_pages" 2>/dev/null; }
col_is() { read_host; [ "$(host_dom "$1" "$2")" = "$3" ]; }
paged_domain() { status_xml "$1" | grep -q "paging='on'"; }

# statuses_ok: every active domain's status XML parses (xmllint), and
# names the domain's id on the host and the state libvirt lists it in
# ($listed: 'NAME STATE' lines, as virsh list printed them)
statuses_ok() {
    local name state got want bad=0
    while read -r name state; do
        [ -n "$name" ] || continue
        got=$(xmllint --xpath 'concat(name(/*), " ", /domstatus/@state, " ", /domstatus/domain/@id)' \
              "$work/var/run/libvirt/libxl/$name.xml" 2>&1)
        want="domstatus $state $(host_dom "$name" 2)"
        [ "$got" = "$want" ] && continue
        fail "$CASE: $name's status XML says '$got', the host and libvirt '$want'"
        bad=1
    done <<< "$listed"
    return "$bad"
}

# pager_ok NAME: a paged domain's pager runs and is attached, or, for a
# domain whose pager the test killed outright ($rings_lost), the ring it
# left, which no later pager may take
rings_lost=
pager_ok() {
    local pid
    read_host
    case " $rings_lost " in
        *" $1 "*) [ "$(host_dom "$1" 10)" = lost ]; return ;;
    esac
    pid=$(pager_pid "$1")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(host_dom "$1" 10)" = on ]
}

# consistent: what every case must leave, before and after a restart
consistent() {
    local when=$1 d names
    # libvirt's view first: a domain it lists that is not on the host yet
    # cannot be, nothing being under way
    listed=$(virsh list | awk '$2 != "Domain-0" { print $2, $3 }' | sort)
    names=$(awk '{ print $1 }' <<< "$listed")
    read_host
    [ "$(host_field outstanding_claims)" = 0 ] && pass ||
        fail "$CASE ($when): $(host_field outstanding_claims) MiB still claimed"
    [ "$(host_names)" = "$names" ] && pass ||
        fail "$CASE ($when): the host has [$(host_names | tr '\n' ' ')], libvirt [$(tr '\n' ' ' <<< "$names")]"
    statuses_ok && pass
    for d in $names; do
        if paged_domain "$d"; then
            wait_for 15 pager_ok "$d" && pass ||
                fail "$CASE ($when): $d's pager is '$(host_dom "$d" 10)', pid '$(pager_pid "$d")'"
        fi
    done
    [ -z "$(ls "$records" 2>/dev/null)" ] && pass ||
        fail "$CASE ($when): build records left: $(ls "$records")"
    [ "$(xensim fault held 2>&1)" = "" ] && pass || fail "$CASE ($when): a call is still held"
}

# ids, balloon targets and status XML's current memory of the domains
# running, from the host as read_host last read it (run read_host in the
# test's shell first: a host it cannot read must end the test, not read
# as a change of domains)
running_ids() { for d in $(active_names); do echo "$d $(host_dom "$d" 2) $(host_dom "$d" 6) $(current_kib "$d")"; done; }

# reconcile: the case's checks, a daemon restart, the same checks again,
# and the domains that ran still run under the same ids
reconcile() {
    local before
    local after
    consistent "after the fault"
    read_host
    before=$(running_ids)
    restart_daemon
    consistent "after a restart"
    read_host
    after=$(running_ids)
    [ "$after" = "$before" ] && pass ||
        fail "$CASE: the restart changed the running domains: [$before] -> [$after]"
    xensim fault clear > /dev/null
}

sim_faults_selftest

# --- injecting ------------------------------------------------------------
# call_fault ACTION KIND [--path GLOB] [--skip N] [ERRNO]: the rule; its
# kind and glob are kept in $armed_kind and $armed_glob, for the kill to
# check that the call held is the one armed
armed_kind=
armed_glob=
call_fault() {
    local action=$1 kind=$2 args=()
    shift 2
    armed_kind=$kind
    armed_glob=
    while [ $# -gt 0 ]; do
        case $1 in
            --path) armed_glob=$2; args+=("$1" "$2"); shift 2 ;;
            --skip) args+=("$1" "$2"); shift 2 ;;
            *) args+=(--errno "$1"); shift ;;
        esac
    done
    [ "$action" = kill ] && args+=(--hold)
    xensim fault call "$kind" "${args[@]}" > /dev/null || fail "$CASE: xensim fault call $kind ${args[*]}"
}

# held_is_armed: the call the host holds is of the kind call_fault armed
# last, with a path its glob matches (fnmatch(3) without flags, as the
# host matches it: '*' takes '/' too, as in [[ == ]])
held_is_armed() {
    local kind path
    read -r kind path <<< "$(xensim fault held 2>/dev/null)"
    [ -n "$kind" ] && [ "$kind" = "$armed_kind" ] || return 1
    [ -z "$armed_glob" ] || [[ $path == $armed_glob ]]
}
not_held() { ! held; }
# pager_call: the armed kind is a call the pager makes (xensim-pager,
# started by the daemon and living on without it), not the daemon
pager_call() { case $armed_kind in pager-attach|pager-detach) ;; *) false ;; esac; }

# kill_at_held SECONDS WHY [OUTPUT]: once the host holds a call (WHY,
# and the operation's OUTPUT file, say what it means if it never does),
# check that it is the armed one and kill the daemon there.  The host
# drops a held call whose connection goes, so the daemon's call never
# happens; it is not released: a release reaching the host before it
# noticed the dead connection would serve the dead call.  A pager's call
# is released: its caller, a daemon of its own, lives on.
kill_at_held() {
    if wait_for "$1" held; then
        pass
        held_is_armed && pass ||
            fail "$CASE: the host holds '$(xensim fault held 2>&1)', not the armed call $armed_kind${armed_glob:+ $armed_glob}"
    else
        fail "$CASE: $2${3:+: $(cat "$3")}"
    fi
    kill_daemon
    if pager_call; then
        # the pager's call, not the daemon's: the pager outlives the
        # daemon, its connection stays, and its call goes on once the
        # daemon is gone (the restarted daemon finds it attached)
        xensim fault release > /dev/null || fail "$CASE: releasing the pager's held call"
    else
        wait_for 10 not_held && pass ||
            fail "$CASE: the killed daemon's call is still held: $(xensim fault held 2>&1)"
    fi
}

# killed_at CMD...: run the operation CMD in the background until the host
# holds the armed call, kill the daemon there (the call never happens)
# and start the daemon again
killed_at() {
    "$@" > "$work/op.out" 2>&1 &
    local op=$!
    kill_at_held 30 "the call was never reached" "$work/op.out"
    wait "$op" 2>/dev/null
    start_daemon || fail "$CASE: the daemon did not start after the kill"
}

# must_fail CMD...: the operation fails, with an error message
must_fail() {
    if "$@" > "$work/op.out" 2>&1; then
        fail "$CASE: '$*' succeeded despite the fault"
        return 1
    fi
    grep -q "^error:" "$work/op.out" && pass || fail "$CASE: no error from '$*': $(cat "$work/op.out")"
}

define_xml() {     # NAME FILE
    virsh define "$2" > /dev/null || fail "define $1"
}
pv_domain() {      # NAME MIB EXTRA
    "$top/scripts/pv-domain-xml.sh" "$1" "$2" 1 "${3:-}" > "$work/$1.xml"
    define_xml "$1" "$work/$1.xml"
}
hvm_domain() {     # NAME MIB CURRENT_MIB POLICY
    "$top/scripts/hvm-domain-xml.sh" "$1" "$2" "$3" "$4" > "$work/$1.xml"
    define_xml "$1" "$work/$1.xml"
}
stopped() { [ "$(virsh domstate "$1")" = "shut off" ]; }
# off NAME: a domain an earlier case left running is stopped; false if
# NAME is not defined
off() {
    virsh domstate "$1" > /dev/null 2>&1 || return 1
    stopped "$1" || virsh destroy "$1" > /dev/null || fail "$CASE: destroy $1"
}
gone_from_host() { read_host; [ -z "$(host_dom "$1" 1)" ]; }

# a claim domain that takes all free memory but MIB, for refusals
fill_host_but() {
    local free
    read_host
    free=$(host_field free_memory)
    pv_domain filler $(( free - $1 )) "<memoryClaim/>"
    virsh start filler > /dev/null || fail "$CASE: start filler"
}
unfill() { virsh destroy filler > /dev/null; virsh undefine filler > /dev/null; }

# --- the operations -------------------------------------------------------
# Each takes the case's fault and arguments, injects it at its step, runs
# the operation, checks what is particular to it, and calls reconcile.

op_start() {
    local step=$1 fault=$2
    shift 2
    off s || pv_domain s 512 "<memoryClaim/>"
    case $fault in
        refuse)
            pv_domain big 16384 "<memoryClaim/>"
            must_fail virsh start big
            grep -q "not enough memory to start domain 'big'" "$work/op.out" && pass ||
                fail "$CASE: refused with: $(cat "$work/op.out")"
            virsh undefine big > /dev/null ;;
        dom0-stuck|kill-dom0)
            libxl_conf=$work/balloon.conf
            restart_daemon
            read_host
            local dom0_target free
            dom0_target=$(host_dom Domain-0 6)
            free=$(host_field free_memory)
            pv_domain b $(( free + 256 )) "<memoryClaim/>"
            if [ "$fault" = dom0-stuck ]; then
                xensim fault balloon Domain-0 0 > /dev/null
                must_fail virsh start b
            else
                # dom0 slow: the start waits for it as long as it moves
                xensim fault balloon Domain-0 16M > /dev/null
                lowered() { read_host; [ "$(host_dom Domain-0 6)" -lt "$dom0_target" ]; }
                virsh start b > "$work/op.out" 2>&1 &
                local op=$!
                wait_for 20 lowered && pass || fail "$CASE: dom0's target was never lowered"
                kill_daemon
                wait "$op" 2>/dev/null
                start_daemon || fail "$CASE: the daemon did not start after the kill"
            fi
            xensim fault balloon Domain-0 512M > /dev/null
            read_host
            [ "$(host_dom Domain-0 6)" = "$dom0_target" ] && pass ||
                fail "$CASE: dom0's target is $(host_dom Domain-0 6) MiB, it was $dom0_target"
            stopped b && pass || fail "$CASE: b is $(virsh domstate b)"
            virsh undefine b > /dev/null
            libxl_conf=$work/plain.conf ;;
        fail)
            call_fault fail "$@"
            must_fail virsh start s
            stopped s && pass || fail "$CASE: s is $(virsh domstate s)" ;;
        kill)
            call_fault kill "$@"
            killed_at virsh start s
            stopped s && pass || fail "$CASE: s is $(virsh domstate s) after the restart" ;;
        populate)
            xensim fault populate "$1" > /dev/null
            must_fail virsh start s ;;
        hook-kill)
            : > "$holds/hold-s"
            virsh start s > "$work/op.out" 2>&1 &
            local op=$!
            wait_for 30 test -e "$holds/held-s" && pass || fail "$CASE: the started hook never ran"
            kill_daemon
            wait "$op" 2>/dev/null
            : > "$holds/release-s"
            rm -f "$holds/hold-s" "$holds/held-s"
            start_daemon || fail "$CASE: the daemon did not start after the kill"
            # its state was saved: the domain runs, and stays
            [ "$(virsh domstate s)" = running ] && pass || fail "$CASE: s is $(virsh domstate s)"
            reconcile
            rm -f "$holds/release-s"
            virsh destroy s > /dev/null
            return ;;
        *) fail "$CASE: a start has no fault $fault"; return ;;
    esac
    reconcile
}

op_start_paged() {
    local step=$1 fault=$2
    shift 2
    off pg || hvm_domain pg 512 384 "<memoryPolicy actor='balloon' paging='on'/>"
    case $fault in
        fail)
            call_fault fail "$@"
            must_fail virsh start pg ;;
        kill)
            call_fault kill "$@"
            killed_at virsh start pg ;;
        *) fail "$CASE: a paged start has no fault $fault"; return ;;
    esac
    stopped pg && pass || fail "$CASE: pg is $(virsh domstate pg)"
    # its pager goes with its domain
    no_pager() { ! pgrep -f -- "$pagedir/pg.paging" > /dev/null; }
    wait_for 15 no_pager && pass || fail "$CASE: a pager of pg is left: $(pgrep -af -- "$pagedir/pg.paging")"
    reconcile
}

restore_setup() {
    off rs
    [ -f "$work/rs.save" ] && return 0
    pv_domain rs 512 "<memoryClaim/>"
    virsh start rs > /dev/null || fail "start rs"
    virsh save rs "$work/rs.save" > /dev/null || fail "save rs"
    gone_from_host rs && pass || fail "save left rs on the host"
}

op_restore() {
    local step=$1 fault=$2
    shift 2
    restore_setup
    case $fault in
        image)
            # cut in the domain's XML, or where libxl's stream begins
            # (the simulated stream: a line 'xensim-save 1', then the
            # pages the domain held)
            local cut=200 stream
            stream=$(grep -abo 'xensim-save 1' "$work/rs.save" | tail -1 | cut -d: -f1)
            [ -n "$stream" ] ||
                fail "$CASE: the image holds no simulated stream"
            [ "$1" = stream ] && cut=${stream:-0}
            head -c "$cut" "$work/rs.save" > "$work/rs-short.save"
            must_fail virsh restore "$work/rs-short.save" ;;
        refuse)
            fill_host_but 256
            must_fail virsh restore "$work/rs.save"
            grep -q "not enough memory to start domain 'rs'" "$work/op.out" && pass ||
                fail "$CASE: refused with: $(cat "$work/op.out")"
            unfill ;;
        fail)
            call_fault fail "$@"
            must_fail virsh restore "$work/rs.save" ;;
        kill)
            call_fault kill "$@"
            killed_at virsh restore "$work/rs.save" ;;
        populate)
            xensim fault populate "$1" > /dev/null
            must_fail virsh restore "$work/rs.save" ;;
        *) fail "$CASE: a restore has no fault $fault"; return ;;
    esac
    stopped rs && pass || fail "$CASE: rs is $(virsh domstate rs)"
    reconcile
}

op_managed_start() {
    local step=$1 fault=$2
    shift 2
    if ! virsh dominfo ms 2>/dev/null | grep -Eq "^Managed save: +yes"; then
        off ms || pv_domain ms 512 "<memoryClaim/>"
        virsh start ms > /dev/null || fail "start ms"
        virsh managedsave ms > /dev/null || fail "managedsave ms"
    fi
    case $fault in
        refuse)
            fill_host_but 256
            must_fail virsh start ms
            unfill ;;
        populate)
            xensim fault populate "$1" > /dev/null
            must_fail virsh start ms ;;
        *) fail "$CASE: a managed start has no fault $fault"; return ;;
    esac
    # a start that failed keeps what it would have restored
    virsh dominfo ms | grep -Eq "^Managed save: +yes" && pass ||
        fail "$CASE: the failed start lost ms's managed save image"
    reconcile
    # and the image restores once the fault is gone
    virsh start ms > "$work/op.out" 2>&1 && pass || fail "$CASE: ms does not start: $(cat "$work/op.out")"
    virsh destroy ms > /dev/null 2>&1
}

# the target a domain's balloon follows, as the host has it (MiB)
target_is() { read_host; [ "$(host_dom "$1" 6)" = "$2" ]; }
current_kib() { status_xml "$1" | sed -n "s|.*<currentMemory unit='KiB'>\([0-9]*\)<.*|\1|p"; }

# setmem with a fault: refused, and neither the host's target nor the
# status XML moved; killed at it, the call never reached the host.  Each
# case asks for 64 MiB less than the last.
setmem_case() {    # DOMAIN FAULT ARGS...
    local d=$1 fault=$2 before_target before_cur want
    shift 2
    read_host
    before_target=$(host_dom "$d" 6)
    before_cur=$(current_kib "$d")
    want=$(( before_target - 64 ))
    case $fault in
        save-fail) setmem_unsaved "$d" "$before_cur" "$want"; return ;;
        fail)
            call_fault fail "$@"
            must_fail virsh setmem "$d" "${want}M" ;;
        kill)
            call_fault kill "$@"
            killed_at virsh setmem "$d" "${want}M" ;;
        *) fail "$CASE: setmem has no fault $fault"; return ;;
    esac
    read_host
    [ "$(host_dom "$d" 6)" = "$before_target" ] && pass ||
        fail "$CASE: $d's target moved from $before_target to $(host_dom "$d" 6) MiB"
    [ "$(current_kib "$d")" = "$before_cur" ] && pass ||
        fail "$CASE: $d's status XML moved from $before_cur to $(current_kib "$d") KiB"
    reconcile
    # nothing is left half-done: the auto actor, whose thread moves
    # targets, does not finish the refused setmem on its own (two of its
    # cycles; no other actor moves a target by itself)
    no_move() { target_is "$d" "$before_target" ||
        { fail "$CASE: $d's target moved to $(host_dom "$d" 6) MiB after the refused setmem"; return 1; }; }
    if status_xml "$d" | grep -q "actor='auto'"; then
        hold_for_ms 2200 no_move && pass
    fi
    # and the same setmem works without the fault
    virsh setmem "$d" "${want}M" > "$work/op.out" 2>&1 && pass || fail "$CASE: setmem $d: $(cat "$work/op.out")"
    wait_for 10 target_is "$d" "$want" && pass || fail "$CASE: $d's target is $(host_dom "$d" 6) MiB, not $want"
}

# A status XML that cannot be saved: libvirt writes it to NAME.xml.new
# and renames that over it, and a directory of that name fails the open
# (root or not) and outlives the unlink after it.  unsaved_begin NAME
# puts it there.  unsaved_end NAME OLD_KIB NEW_KIB [WHILE_DOWN], once the
# operation has reached the host, checks that the old status (OLD_KIB of
# current memory) stayed whole and the daemon warned, then kills the
# daemon: what a kill between the operation's last host call and its
# save leaves, which no held call can reach.  WHILE_DOWN runs before the
# daemon starts again, without the directory and with every write of
# NAME's target held: the restarted daemon must have saved NEW_KIB at
# once, from the host's target, with no actor redoing the write.
unsaved_begin() {
    unsaved_lines=$(wc -l < "$work/log/libvirtd.log")
    mkdir "$work/var/run/libvirt/libxl/$1.xml.new" || fail "$CASE: mkdir $1.xml.new"
}
unsaved_warned() {
    tail -n +"$((unsaved_lines + 1))" "$work/log/libvirtd.log" |
        grep -q "cannot save the status of domain $1"
}
# auto_cycles N: the actor has finished N cycles over at least one auto
# domain since the log's line $restart_lines; a cycle that wants to
# write a held target never finishes, so this also says none did
auto_cycles() {
    [ "$(tail -n +"$((restart_lines + 1))" "$work/log/libvirtd.log" |
         grep -Ec 'memory actor cycle: [0-9]+ domains, [1-9][0-9]* auto')" -ge "$1" ]
}
unsaved_end() {
    local status=$work/var/run/libvirt/libxl/$1.xml id auto=
    # the save comes after the host call (the actor's a moment after):
    # the status is the old one only once the daemon has tried
    wait_for 10 unsaved_warned "$1" && pass ||
        fail "$CASE: the daemon did not warn of $1's status it could not save"
    xmllint --noout "$status" 2>/dev/null && [ "$(current_kib "$1")" = "$2" ] && pass ||
        fail "$CASE: $1's status XML is not the old one whole ($(current_kib "$1") KiB, was $2)"
    status_xml "$1" | grep -q "actor='auto'" && auto=1
    read_host
    id=$(host_dom "$1" 2)
    kill_daemon
    rmdir "$status.new"
    [ -z "${4:-}" ] || "$4"
    xensim fault call xs-write --path "/local/domain/$id/memory/target" --hold > /dev/null ||
        fail "$CASE: xensim fault call xs-write --hold"
    restart_lines=$(wc -l < "$work/log/libvirtd.log")
    start_daemon || fail "$CASE: the daemon did not start after the kill"
    [ "$(current_kib "$1")" = "$3" ] && pass ||
        fail "$CASE: $1's status XML has $(current_kib "$1") KiB after the restart, the host's target $3"
    tail -n +"$((unsaved_lines + 1))" "$work/log/libvirtd.log" |
        grep -q "domain $1: adopting the host's balloon target" && pass ||
        fail "$CASE: the restarted daemon did not say it adopted $1's balloon target"
    # and the auto actor does not write it again: two of its cycles end
    # (the first may have begun before the reconnect), with no write held
    if [ -n "$auto" ]; then
        if wait_for 10 auto_cycles 2 && not_held; then
            pass
        else
            fail "$CASE: the actor's cycles after the restart did not end without writing $1's target (held: '$(xensim fault held 2>&1)')"
            xensim fault release > /dev/null
        fi
    fi
    xensim fault clear > /dev/null
}

# setmem whose status is not saved: the restarted daemon takes the
# host's target.  Beside it the restart must leave alone an HVM domain
# populated on demand, whose build left memory/target below its current
# memory by its video RAM and 1 MiB; the same domain with a target above
# its maximum written while the daemon was down; a domain whose target
# was written 0 then, which libvirt reads as "not set"; and a domain of
# actor none, whose setmem recorded a figure the host never had.
hp_target=
zz_target=
targets_while_down() {
    hp_target=$(xensim xs-read "/local/domain/$(host_dom hp 2)/memory/target")
    [[ $hp_target =~ ^[0-9]+$ ]] || fail "$CASE: hp's memory/target reads '$hp_target'"
    xensim xs-write "/local/domain/$(host_dom hp 2)/memory/target" $(( 600 * 1024 )) > /dev/null ||
        fail "$CASE: xensim xs-write hp's target"
    zz_target=$(xensim xs-read "/local/domain/$(host_dom zz 2)/memory/target")
    [[ $zz_target =~ ^[0-9]+$ ]] || fail "$CASE: zz's memory/target reads '$zz_target'"
    xensim xs-write "/local/domain/$(host_dom zz 2)/memory/target" 0 > /dev/null ||
        fail "$CASE: xensim xs-write zz's target"
}
# kept_target NAME KIB WHAT PATTERN: the restart kept NAME's status at
# KIB against the host's target (WHAT), with the warning PATTERN
kept_target() {
    [ "$(current_kib "$1")" = "$2" ] && pass ||
        fail "$CASE: $1's status XML has $(current_kib "$1") KiB after a restart with $3, not $2"
    tail -n +"$((unsaved_lines + 1))" "$work/log/libvirtd.log" |
        grep -q "domain $1: $4" && pass ||
        fail "$CASE: the daemon did not refuse $1's host target ($3)"
}
setmem_unsaved() {    # DOMAIN STATUS_KIB WANT_MIB
    local d=$1 before_cur=$2 want=$3
    stopped hp 2>/dev/null || hvm_domain hp 512 384 "<memoryPolicy actor='manual'/>"
    virsh start hp > /dev/null || fail "start hp"
    stopped nn 2>/dev/null || pv_domain nn 512 "<memoryPolicy actor='none'/>"
    virsh start nn > /dev/null || fail "start nn"
    stopped zz 2>/dev/null || pv_domain zz 256 "<memoryPolicy actor='manual'/>"
    virsh start zz > /dev/null || fail "start zz"
    virsh setmem nn 448M > /dev/null || fail "$CASE: setmem nn"
    unsaved_begin "$d"
    virsh setmem "$d" "${want}M" > "$work/op.out" 2>&1 && pass ||
        fail "$CASE: setmem $d: $(cat "$work/op.out")"
    wait_for 10 target_is "$d" "$want" && pass || fail "$CASE: $d's target is $(host_dom "$d" 6) MiB, not $want"
    unsaved_end "$d" "$before_cur" $(( want * 1024 )) targets_while_down
    kept_target zz $(( 256 * 1024 )) "its target 0" "the host's balloon target is 0 KiB"
    xensim xs-write "/local/domain/$(host_dom zz 2)/memory/target" "$zz_target" > /dev/null ||
        fail "$CASE: xensim xs-write zz's target back"
    virsh destroy zz > /dev/null || fail "$CASE: destroy zz"
    virsh dumpxml "$d" | grep -q "<currentMemory unit='KiB'>$(( want * 1024 ))<" && pass ||
        fail "$CASE: libvirt's $d has $(virsh dumpxml "$d" | grep currentMemory)"
    target_is "$d" "$want" && pass || fail "$CASE: the restart moved $d's target to $(host_dom "$d" 6) MiB"
    kept_target hp $(( 384 * 1024 )) "its target above its maximum" \
        "the host's balloon target $(( 600 * 1024 )) KiB .* is above its maximum"
    xensim xs-write "/local/domain/$(host_dom hp 2)/memory/target" "$hp_target" > /dev/null ||
        fail "$CASE: xensim xs-write hp's target back"
    [ "$(current_kib nn)" = $(( 448 * 1024 )) ] && pass ||
        fail "$CASE: nn (actor none) has $(current_kib nn) KiB after the restart, not what its setmem recorded"
    reconcile
    # that restart saw hp's build target again, below its maximum by
    # its video RAM and 1 MiB: at its maximum still
    [ "$(current_kib hp)" = $(( 384 * 1024 )) ] && pass ||
        fail "$CASE: hp's status XML has $(current_kib hp) KiB after a restart with its build target $hp_target KiB, not $(( 384 * 1024 ))"
}

# setmem_on DOMAIN ACTOR STEP FAULT ARGS...: the domain, defined and
# started if need be, under ACTOR
setmem_on() {
    local d=$1 actor=$2
    shift 3
    if stopped "$d" 2>/dev/null || ! virsh domstate "$d" > /dev/null 2>&1; then
        stopped "$d" 2>/dev/null || pv_domain "$d" 1024 "<memoryPolicy actor='$actor'/>"
        virsh start "$d" > /dev/null || fail "start $d"
    fi
    setmem_case "$d" "$@"
}
op_setmem() { setmem_on m manual "$@"; }
op_setmem_auto() { setmem_on au auto "$@"; }

# the balloon actor, its balloon stuck: after the delay the paging target
# comes, refused once or cut by a kill of the daemon that was writing it,
# and it still comes (the restarted daemon writes what was due)
op_actor_balloon() {
    local step=$1 fault=$2 target
    shift 2
    if ! virsh domstate pb > /dev/null 2>&1; then
        hvm_domain pb 512 512 "<memoryPolicy actor='balloon' delay='1' paging='on'/>"
        virsh start pb > /dev/null || fail "start pb"
        wait_for 10 col_is pb 10 on || fail "pb's pager did not attach"
        xensim fault balloon pb 0 > /dev/null
        pb_target=512
    fi
    pb_target=$(( pb_target - 64 ))
    target=$(( pb_target * 1024 ))
    paging_is() { read_host; [ "$(paging_key pb)" = "$target" ]; }
    case $fault in
        fail|kill) call_fault "$fault" "$@" ;;
        *) fail "$CASE: the balloon actor has no fault $fault"; return ;;
    esac
    virsh setmem pb "${pb_target}M" > "$work/op.out" 2>&1 || fail "$CASE: setmem pb: $(cat "$work/op.out")"
    if [ "$fault" = kill ]; then
        kill_at_held 15 "the actor never wrote the paging target"
        start_daemon || fail "$CASE: the daemon did not start after the kill"
    fi
    wait_for 15 paging_is && pass || fail "$CASE: pb's paging target is '$(paging_key pb)', not $target"
    status_xml pb | grep -q "paging='$target'" && pass ||
        fail "$CASE: pb's status has no paging target $target: $(status_xml pb | grep memoryActor)"
    reconcile
}

# the auto actor moves a guest toward its need (what it uses + 25 %)
workload_at() {    # DOMAIN USED_MIB
    printf '0 %s\n' "$2" | xensim workload "$1" - > /dev/null || fail "$CASE: workload $1"
}
op_actor_auto() {
    local step=$1 fault=$2 need before_cur
    shift 2
    if ! virsh domstate aa > /dev/null 2>&1; then
        pv_domain aa 1024 "<memoryPolicy actor='auto'/>"
        virsh start aa > /dev/null || fail "start aa"
        aa_used=560
    fi
    aa_used=$(( aa_used - 80 ))
    need=$(( aa_used * 5 / 4 ))
    before_cur=$(current_kib aa)
    case $fault in
        fail|kill) call_fault "$fault" "$@" ;;
        save-fail) unsaved_begin aa ;;
        *) fail "$CASE: the auto actor has no fault $fault"; return ;;
    esac
    workload_at aa "$aa_used"
    if [ "$fault" = kill ]; then
        kill_at_held 20 "the actor never wrote aa's target"
        start_daemon || fail "$CASE: the daemon did not start after the kill"
    fi
    wait_for 20 target_is aa "$need" && pass ||
        fail "$CASE: aa's target is $(host_dom aa 6) MiB, not its need $need"
    [ "$fault" = save-fail ] && unsaved_end aa "$before_cur" $(( need * 1024 ))
    # the actor saves the status XML once the target is written
    status_at_need() { [ "$(current_kib aa)" = $(( need * 1024 )) ]; }
    wait_for 10 status_at_need && pass ||
        fail "$CASE: aa's status XML has $(current_kib aa) KiB, not $(( need * 1024 ))"
    reconcile
}

op_pager() {
    local step=$1 fault=$2 sig=$3 pid
    [ "$fault" = pager-die ] || { fail "$CASE: a pager has no fault $fault"; return; }
    if ! virsh domstate pp > /dev/null 2>&1; then
        hvm_domain pp 256 256 "<memoryPolicy actor='balloon' paging='on'/>"
        virsh start pp > /dev/null || fail "start pp"
        wait_for 10 col_is pp 10 on || fail "pp's pager did not attach"
    fi
    pid=$(pager_pid pp)
    kill -"$sig" "$pid" || fail "$CASE: kill -$sig $pid"
    pid_gone() { ! kill -0 "$pid" 2>/dev/null; }
    wait_for 10 pid_gone && pass || fail "$CASE: pager $pid did not die of SIG$sig"
    if [ "$sig" = KILL ]; then
        # its ring stays: the restarts back off, the domain runs on
        rings_lost="$rings_lost pp"
        wait_for 10 col_is pp 10 lost && pass || fail "$CASE: pp's pager is '$(host_dom pp 10)'"
    else
        new_pager() { local p; p=$(pager_pid pp); [ -n "$p" ] && [ "$p" != "$pid" ] && pager_ok pp; }
        wait_for 15 new_pager && pass || fail "$CASE: pp's pager was not restarted: $(status_xml pp | grep pager)"
    fi
    [ "$(virsh domstate pp)" = running ] && pass || fail "$CASE: pp is $(virsh domstate pp)"
    reconcile
}

# --- the cases --------------------------------------------------------------
ncases=0
while read -r op step fault args; do
    case $op in ''|'#'*) continue ;; esac
    CASE="$op $step $fault${args:+ $args}"
    ncases=$((ncases + 1))
    started=$(date +%s%N)
    # shellcheck disable=SC2086   # the arguments are words of the case
    case $op in
        start) op_start "$step" "$fault" $args ;;
        start-paged) op_start_paged "$step" "$fault" $args ;;
        restore) op_restore "$step" "$fault" $args ;;
        managed-start) op_managed_start "$step" "$fault" $args ;;
        setmem) op_setmem "$step" "$fault" $args ;;
        setmem-auto) op_setmem_auto "$step" "$fault" $args ;;
        actor-balloon) op_actor_balloon "$step" "$fault" $args ;;
        actor-auto) op_actor_auto "$step" "$fault" $args ;;
        pager) op_pager "$step" "$fault" $args ;;
        *) fail "no operation $op for case '$CASE'" ;;
    esac
    echo "case: $CASE ($(( ($(date +%s%N) - started) / 1000000 )) ms)"
done < "$cases"
[ "$ncases" -gt 0 ] && pass || fail "no cases were run"

finish xensim-faults
