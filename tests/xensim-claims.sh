#!/usr/bin/env bash
# Claim-aware starts through our libvirt daemon on a simulated Xen host:
# <memoryClaim/> on, off and from the host default; a start that cannot fit
# fails with the numbers and leaves nothing behind; a storm of parallel
# starts runs exactly the domains that fit; dom0 is ballooned by the gap;
# free memory and nodememstats are net of claims while a build runs; a
# start is refused at admission for what builds in flight will still take.
# Expected figures come from the simulated host (xensim info), never from
# the driver under test.
#
# Usage: xensim-claims.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"

. "$top/tests/xensimhost.sh"


# read_host: what the simulated host says (xensim info), in host_free (MiB
# free net of claims, as xl info), host_free_pages (free pages, claimed or
# not), host_claims (MiB), host_domains (the guests' names) and host_table
# (the domain table).  A host that cannot be read, or whose figures are
# missing, fails the test and ends it: no check may pass on figures nobody
# read.  Call it in the test's own shell, never in $(...).
read_host() {
    local out v
    if ! out=$(xensim info 2>&1); then
        fail "xensim info failed: $out"
        finish "claim-aware starts" || exit 1
        exit 1
    fi
    host_free=$(awk -F': *' '$1 ~ /^free_memory / { print $2 + 0 }' <<< "$out")
    host_free_pages=$(awk -F': *' '$1 ~ /^free_pages / { print $2 + 0 }' <<< "$out")
    host_claims=$(awk -F': *' '$1 ~ /^outstanding_claims / { print $2 + 0 }' <<< "$out")
    host_table=$(awk 'table { print } $1 == "Name" { table = 1 }' <<< "$out")
    host_domains=$(awk '$1 != "Domain-0" { print $1 }' <<< "$host_table")
    for v in host_free host_free_pages host_claims; do
        if ! [[ ${!v} =~ ^[0-9]+$ ]] || ! grep -q '^Domain-0 ' <<< "$host_table"; then
            fail "xensim info lacks $v or Domain-0: $out"
            finish "claim-aware starts" || exit 1
            exit 1
        fi
    done
}
# host_dom NAME COLUMN: a column of NAME's line in the last host_table
# (4 Mem, 5 Max, 6 Target, 7 Claim, all MiB), empty if it is not there
host_dom() { awk -v n="$1" -v c="$2" '$1 == n { print $c }' <<< "$host_table"; }
# does the host show NAME holding a claim, its build under way?
claim_staked() {
    local claim
    read_host
    claim=$(host_dom "$1" 7)
    [ -n "$claim" ] && [ "$claim" -gt 0 ]
}
dom0_settled() { read_host; [ "$(host_dom Domain-0 4)" = "$(host_dom Domain-0 6)" ]; }
# a field of virsh nodememstats, in KiB
nodemem() { virsh nodememstats | awk -v f="$1" '{ sub(":", "", $1) } $1 == f { print $(NF - 1) }'; }
# the admission's decision on NAME, as libxlAdmissionBegin logs it
admission_log() {
    grep -o "domain '$1' needs [0-9]* KiB, [0-9]* KiB available: [a-z]*" \
        "$work/log/libvirtd.log" || true
}
# shortage NAME NEED FREE CLAIMED RESERVED GIVE [off]: the refusal
# libxlAdmissionReportShortage gives, figures in MiB; "off" when
# autoballooning is
shortage() {
    printf "operation failed: not enough memory to start domain '%s': it needs %s MiB; %s MiB are free, of which %s MiB are claimed by other domains and %s MiB are reserved by starts in progress; dom0 could give %s MiB%s" \
        "$1" "$2" "$3" "$4" "$5" "$6" "${7:+ (autoballoon is off)}"
}
# what a failed virsh start said, without its first line
virsh_error() { sed -n 's/^error: //p' "$1" | grep -v '^Failed to start domain' || true; }
# expect_error NAME EXPECTED: the error in $work/err
expect_error() {
    if [ "$(virsh_error "$work/err")" = "$2" ]; then
        pass
    else
        fail "$1: expected '$2', got '$(cat "$work/err")'"
    fi
}

# domain_xml NAME MIB [CLAIM_ELEMENT]: define a 1-vCPU PV domain
domain_xml() {
    "$top/scripts/pv-domain-xml.sh" "$1" "$2" 1 "${3:-}" > "$work/$1.xml"
    virsh define "$work/$1.xml" >/dev/null
}

# What libxl_domain_need_memory() says a 1-vCPU PV domain of MIB needs, in
# KiB: target, shadow (libxl_get_required_shadow_memory: 4 KiB per 256
# vCPUs and 2 per MiB), the PV extra (1 MiB), rounded up to 2 MiB
need_kib() {
    local kib=$(( $1 * 1024 + 4 * (256 + 2 * $1) + 1024 ))
    echo $(( (kib + 2047) / 2048 * 2048 ))
}
need_mib() { echo $(( $(need_kib "$1") / 1024 )); }

restart_daemon() {
    daemon stop "$work" >/dev/null 2>&1 || true
    rm -rf "$work/var" "$work/etc" "$work/run"
    uri=$(daemon start "$work" "$@")
}

# --- a claim domain that cannot fit --------------------------------------
printf '' > "$work/empty.conf"
restart_daemon --libxl-conf "$work/empty.conf" -- --memory 4G --dom0 1G
domain_xml big 8192 "<memoryClaim/>"
read_host
free_before=$host_free
[ "$host_claims" = 0 ] && [ -z "$host_domains" ] && pass || fail "the new host is not empty: $host_table"
if virsh start big > /dev/null 2> "$work/err"; then
    fail "an 8 GiB claim domain started on a 4 GiB host"
else
    pass
fi
# with the host's figures: what is free (nothing is claimed) and what the
# domain needs
expect_error "a domain that cannot fit" "$(shortage big "$(need_mib 8192)" "$free_before" 0 0 0 off)"
[ "$(admission_log big)" = "domain 'big' needs $(need_kib 8192) KiB, $((host_free_pages * 4)) KiB available: refuse" ] &&
    pass || fail "the admission did not refuse big on the host's figures: '$(admission_log big)'"
[ "$(virsh domstate big)" = "shut off" ] && pass || fail "big is not defined and shut off"
read_host
[ -z "$host_domains" ] && pass || fail "a domain was left on the host: $host_domains"
[ "$host_claims" = 0 ] && pass || fail "a claim was left behind"
[ "$host_free" = "$free_before" ] && pass || fail "the refused start moved free memory: $free_before -> $host_free MiB"
virsh list --all > /dev/null && pass || fail "the daemon stopped serving"

# --- mode='off' never claims: the build runs into the wall, as it always did
# (the admission is not asked, so it logs no decision; libxl's build fails)
domain_xml bigoff 8192 "<memoryClaim mode='off'/>"
if virsh start bigoff > /dev/null 2> "$work/err"; then
    fail "an 8 GiB domain started on a 4 GiB host"
else
    expect_error "mode='off' runs into the wall" "internal error: libxenlight failed to create new domain 'bigoff'"
fi
[ -z "$(admission_log bigoff)" ] && pass || fail "mode='off' went through admission: $(admission_log bigoff)"
read_host
[ -z "$host_domains" ] && pass || fail "a part-built domain was left on the host: $host_domains"
[ "$host_claims" = 0 ] && pass || fail "mode='off' left a claim"

# --- the host default claims domains that do not say --------------------
printf 'claim_mode = 1\n' > "$work/claim.conf"
restart_daemon --libxl-conf "$work/claim.conf" -- --memory 4G --dom0 1G
domain_xml bigdefault 8192
read_host
if virsh start bigdefault > /dev/null 2> "$work/err"; then
    fail "claim_mode = 1: an 8 GiB domain started on a 4 GiB host"
else
    expect_error "claim_mode = 1 claims for a domain without <memoryClaim/>" \
        "$(shortage bigdefault "$(need_mib 8192)" "$host_free" 0 0 0 off)"
fi
domain_xml bigoptout 8192 "<memoryClaim mode='off'/>"
if virsh start bigoptout > /dev/null 2> "$work/err"; then
    fail "claim_mode = 1, mode='off': an 8 GiB domain started on a 4 GiB host"
else
    expect_error "mode='off' overrides claim_mode = 1" \
        "internal error: libxenlight failed to create new domain 'bigoptout'"
fi
[ -z "$(admission_log bigoptout)" ] && pass || fail "mode='off' went through admission under claim_mode = 1"

# --- storms: 40 starts at once on room for 11, three times ---------------
# Each start is its own client connection (bench/storm-client.py, the
# libvirt Python bindings), so the starts really race in the daemon.
workers=$work/workers.conf
printf 'min_workers = 40\nmax_workers = 40\n' > "$workers"
for round in 1 2 3; do
    daemon stop "$work" >/dev/null 2>&1 || true
    rm -rf "$work/var" "$work/etc" "$work/run"
    uri=$(daemon start "$work" --libxl-conf "$work/empty.conf" --libvirtd-conf-extra "$workers" \
          -- --memory 4G --dom0 1G)
    # room for as many as the host's free pages hold: nothing is claimed
    read_host
    [ "$host_claims" = 0 ] && pass || fail "round $round: the new host holds claims"
    fits=$(( host_free_pages * 4 / $(need_kib 256) ))
    names=()
    for i in $(seq 1 40); do
        domain_xml "storm$i" 256 "<memoryClaim/>"
        names+=("storm$i")
    done
    /usr/bin/python3 "$top/bench/storm-client.py" "$uri" "${names[@]}" > "$work/storm.out"
    started=$(awk '$2 == "OK"' "$work/storm.out" | wc -l)
    refused=$(grep -c "FAIL [0-9]* operation failed: not enough memory to start domain" "$work/storm.out" || true)
    [ "$fits" -lt 20 ] && pass || fail "round $round: room for $fits: the storm proves nothing"
    [ "$started" = "$fits" ] && pass || fail "round $round: $started storm domains started, $fits fit"
    [ "$refused" = $((40 - fits)) ] && pass ||
        fail "round $round: $refused refused with the memory error, expected $((40 - fits)): $(grep FAIL "$work/storm.out" | grep -v 'not enough memory' | head -2)"
    read_host
    [ "$(grep -c . <<< "$host_domains")" = "$fits" ] && pass ||
        fail "round $round: the host runs $(grep -c . <<< "$host_domains") domains, $fits fit"
    [ "$host_claims" = 0 ] && pass || fail "round $round: the storm left claims behind"
done

# --- a populate failure mid-build: the claim goes with the domain --------
daemon stop "$work" >/dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
uri=$(daemon start "$work" --libxl-conf "$work/empty.conf" -- --memory 4G --dom0 1G)
domain_xml faulty 1024 "<memoryClaim/>"
xensim fault populate 256M
if virsh start faulty > /dev/null 2> "$work/err"; then
    fail "a build whose populate fails started"
else
    # memory was there: not reported as a shortage
    expect_error "a failed build" "internal error: libxenlight failed to create new domain 'faulty'"
fi
read_host
[ -z "$host_domains" ] && pass || fail "the failed build left a domain on the host: $host_domains"
[ "$host_claims" = 0 ] && pass || fail "the failed build left its claim"
[ "$(virsh domstate faulty)" = "shut off" ] && pass || fail "faulty is not shut off"
virsh start faulty > /dev/null && pass || fail "faulty does not start once the fault is gone"
virsh destroy faulty > /dev/null

# --- the daemon killed mid-build: the restarted daemon reaps the claim ---
daemon stop "$work" >/dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
uri=$(daemon start "$work" --libxl-conf "$work/empty.conf" -- --memory 8G --dom0 1G --populate-rate 512M)
domain_xml killed 4096 "<memoryClaim/>"
virsh start killed > /dev/null 2>&1 &
wait_for 20 claim_staked killed && pass || fail "killed's build never held a claim: $host_table"
kill -KILL "$(cat "$work/libvirtd.pid")"
wait || true
read_host
[ "$host_claims" -gt 0 ] && pass || fail "no claim was held when the daemon died"
rm -f "$work/libvirtd.pid"
uri=$(daemon start "$work" --libxl-conf "$work/empty.conf")
# libvirtd listens before its drivers have initialised: ask it something
# first, which waits for them
virsh domstate killed > /dev/null
read_host
[ "$host_claims" = 0 ] && pass || fail "the restarted daemon left the dead build's claim"
[ -z "$host_domains" ] && pass || fail "the dead build's domain is still on the host: $host_domains"
[ "$(virsh domstate killed)" = "shut off" ] && pass || fail "killed is not shut off after the restart"

# --- free memory net of a claim while a slow build runs -----------------
daemon stop "$work" >/dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
uri=$(daemon start "$work" --libxl-conf "$work/empty.conf" -- --memory 8G --dom0 1G --populate-rate 512M)
domain_xml slow 4096 "<memoryClaim/>"
virsh start slow > /dev/null 2>&1 &
starter=$!
wait_for 20 claim_staked slow && pass || fail "slow's build never held a claim: $host_table"
claimed_mib=$(( $(nodemem claimed) / 1024 ))
free_mib=$(( $(nodemem free) / 1024 ))
cell_mib=$(virsh freecell | awk '{ print int($2 / 1024) }')
# per cell too (virNodeGetCellsFreeMemory): the host has one cell
cell0_mib=$(virsh freecell --cellno 0 | awk '$1 == "0:" { print int($2 / 1024) }')
read_host
[ "${claimed_mib:-0}" -gt 0 ] && pass || fail "nodememstats shows no claim during a claim build"
# the build moves on between the reads: allow one populate slice of slack
diff=$(( free_mib > host_free ? free_mib - host_free : host_free - free_mib ))
[ "$diff" -le 64 ] && pass || fail "nodememstats free ($free_mib MiB) is not net of claims ($host_free MiB)"
diff=$(( cell_mib > host_free ? cell_mib - host_free : host_free - cell_mib ))
[ "$diff" -le 64 ] && pass || fail "freecell ($cell_mib MiB) is not net of claims ($host_free MiB)"
diff=$(( ${cell0_mib:-0} > host_free ? ${cell0_mib:-0} - host_free : host_free - ${cell0_mib:-0} ))
[ -n "$cell0_mib" ] && [ "$diff" -le 64 ] && pass ||
    fail "freecell --cellno 0 (${cell0_mib:-nothing} MiB) is not net of claims ($host_free MiB)"
wait "$starter" && pass || fail "the slow claim domain did not start"
read_host
[ "$host_claims" = 0 ] && pass || fail "the finished build kept its claim"

# --- autoballoon: a domain that fits only once dom0 gives the gap --------
daemon stop "$work" >/dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
printf 'autoballoon = 1\n' > "$work/ab.conf"
uri=$(daemon start "$work" --libxl-conf "$work/ab.conf" -- --memory 8G --dom0 6G --dom0-min 512M)
domain_xml mid 3072 "<memoryClaim/>"
read_host
dom0_before=$(host_dom Domain-0 4)
free_before=$host_free
virsh start mid > /dev/null 2> "$work/err" && pass || fail "mid did not start with autoballoon: $(cat "$work/err")"
read_host
dom0_after=$(host_dom Domain-0 4)
gave=$((dom0_before - dom0_after))
# dom0 gives the gap (need minus what was free), give or take rounding
gap=$(( $(need_mib 3072) - free_before ))
[ "$gave" -ge $((gap - 4)) ] && [ "$gave" -le $((gap + 4)) ] && pass ||
    fail "dom0 gave $gave MiB for a gap of about $gap MiB"
# dom0 could give what it has above libxl's floor for it
# (LIBXL_MIN_DOM0_MEM, 128 MiB), by what the host says it has
domain_xml toobig 8192 "<memoryClaim/>"
wait_for 20 dom0_settled && pass || fail "dom0 never reached its target: $host_table"
dom0_now=$(host_dom Domain-0 4)
free_now=$host_free
if virsh start toobig > /dev/null 2> "$work/err"; then
    fail "toobig started"
else
    expect_error "toobig with autoballoon on" \
        "$(shortage toobig "$(need_mib 8192)" "$free_now" 0 0 $((dom0_now - 128)))"
fi
read_host
[ "$(host_dom Domain-0 4)" = "$dom0_now" ] && [ "$host_free" = "$free_now" ] && pass ||
    fail "the host moved while toobig was refused: dom0 $dom0_now -> $(host_dom Domain-0 4), free $free_now -> $host_free MiB"

# --- the ledger of starts in flight ---------------------------------------
# While a claim build populates, its claim shows in the host's figures, but
# what it needs beyond the claim (shadow memory and libxl's slack) does
# not: only the ledger knows it.  A second start that fits in what is free
# net of claims, but not once that is taken off too, is refused at
# admission with the reservation in its message; once the first build is
# done, the same start goes ahead.  Without the ledger it would be admitted.
daemon stop "$work" >/dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
# (builds fill 96 MiB a second: first's takes about 10 s)
uri=$(daemon start "$work" --libxl-conf "$work/empty.conf" -- --memory 3G --dom0 1G --populate-rate 96M)
domain_xml first 1024 "<memoryClaim/>"
virsh start first > /dev/null 2> "$work/first.err" &
starter=$!
wait_for 20 claim_staked first && pass || fail "first's build never held a claim: $host_table"
# free net of claims stays put while the claim turns into pages; what
# first owns and has claimed, and what it needs beyond that
net=$host_free
reserved=$(( $(need_mib 1024) - $(host_dom first 4) - $(host_dom first 7) ))
# the largest domain that needs no more than is free net of claims
second=$net
while [ "$(need_kib "$second")" -gt $((net * 1024)) ]; do
    second=$((second - 2))
done
if [ "$reserved" -gt 2 ] && [ "$(need_mib "$second")" -gt $((net - reserved + 1)) ]; then
    pass
else
    fail "no case: $reserved MiB reserved, $net MiB free net of claims, a $second MiB domain needs $(need_mib "$second") MiB"
fi
domain_xml second "$second" "<memoryClaim/>"
if virsh start second > /dev/null 2> "$work/err"; then
    fail "second started on memory first's build still needs ($reserved MiB)"
else
    msg=$(virsh_error "$work/err")
    # free and claimed move together while first populates: read them
    # from the message, and check they agree with the host
    figures=$(sed -n 's/.* MiB; \([0-9]*\) MiB are free, of which \([0-9]*\) MiB are claimed by other domains and \([0-9]*\) MiB are reserved by starts in progress; .*/\1 \2 \3/p' <<< "$msg")
    read -r got_free got_claimed got_reserved <<< "${figures:-x x x}"
    if [ "$msg" = "$(shortage second "$(need_mib "$second")" "$got_free" "$got_claimed" "$got_reserved" 0 off)" ]; then
        pass
        diff=$(( got_reserved - reserved ))
        [ "$got_reserved" -gt 0 ] && [ "${diff#-}" -le 1 ] && pass ||
            fail "$got_reserved MiB reserved by starts in progress; the host shows $reserved MiB yet to come"
        diff=$(( got_free - got_claimed - net ))
        [ "$got_claimed" -gt 0 ] && [ "${diff#-}" -le 1 ] && pass ||
            fail "$got_free MiB free, $got_claimed MiB claimed; the host shows $net MiB free net of claims"
    else
        fail "unexpected error for second: $(cat "$work/err")"
    fi
fi
# refused by the admission, not by a claim lost in the build
admission_log second | grep -q ": refuse$" && pass ||
    fail "second was not refused at admission: '$(admission_log second)'"
read_host
! grep -qx second <<< "$host_domains" && pass || fail "second was built: $host_table"
wait "$starter" && pass || fail "first did not start: $(cat "$work/first.err")"
virsh start second > /dev/null 2> "$work/err" && pass ||
    fail "second does not start once first's build is done: $(cat "$work/err")"

finish "claim-aware starts"
