#!/usr/bin/env bash
# Claim-aware starts through our libvirt daemon on a simulated Xen host:
# <memoryClaim/> on, off and from the host default; a start that cannot fit
# fails with the numbers and leaves nothing behind; a storm of parallel
# starts runs exactly the domains that fit; dom0 is ballooned by the gap;
# free memory and nodememstats are net of claims while a build runs.
#
# Usage: xensim-claims.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail

top=$1
build=$2
. "$top/tests/checks.sh"

. "$top/tests/xensimhost.sh"

info_field() { xensim info | awk -F': *' -v f="$1" '$1 ~ "^"f" " { print $2 + 0 }'; }
# a field of virsh nodememstats, in KiB
nodemem() { virsh nodememstats | awk -v f="$1" '{ sub(":", "", $1) } $1 == f { print $(NF - 1) }'; }
host_domains() { xensim info | awk 'NR > 8 && $1 != "Domain-0" { print $1 }'; }

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

restart_daemon() {
    daemon stop "$work" >/dev/null 2>&1 || true
    rm -rf "$work/var" "$work/etc" "$work/run"
    uri=$(daemon start "$work" "$@")
}

# --- a claim domain that cannot fit --------------------------------------
printf '' > "$work/empty.conf"
restart_daemon --libxl-conf "$work/empty.conf" -- --memory 4G --dom0 1G
domain_xml big 8192 "<memoryClaim/>"
if virsh start big > /dev/null 2> "$work/err"; then
    fail "an 8 GiB claim domain started on a 4 GiB host"
else
    pass
fi
if grep "operation failed: not enough memory to start domain 'big': it needs 8[0-9][0-9][0-9] MiB; [0-9]* MiB are free, of which 0 MiB are claimed by other domains and 0 MiB are reserved by starts in progress; dom0 could give 0 MiB (autoballoon is off)" "$work/err" > /dev/null; then
    pass
else
    fail "unexpected error for a domain that cannot fit: $(cat "$work/err")"
fi
[ "$(virsh domstate big)" = "shut off" ] && pass || fail "big is not defined and shut off"
[ -z "$(host_domains)" ] && pass || fail "a domain was left on the host: $(host_domains)"
[ "$(info_field outstanding_claims)" = 0 ] && pass || fail "a claim was left behind"
virsh list --all > /dev/null && pass || fail "the daemon stopped serving"

# --- mode='off' never claims: the build runs into the wall, as it always did
domain_xml bigoff 8192 "<memoryClaim mode='off'/>"
if virsh start bigoff > /dev/null 2> "$work/err"; then
    fail "an 8 GiB domain started on a 4 GiB host"
elif grep "not enough memory to start" "$work/err" > /dev/null; then
    fail "mode='off' was admitted as a claim domain"
else
    pass
fi
[ -z "$(host_domains)" ] && pass || fail "a part-built domain was left on the host"
[ "$(info_field outstanding_claims)" = 0 ] && pass || fail "mode='off' left a claim"

# --- the host default claims domains that do not say --------------------
printf 'claim_mode = 1\n' > "$work/claim.conf"
restart_daemon --libxl-conf "$work/claim.conf" -- --memory 4G --dom0 1G
domain_xml bigdefault 8192
if virsh start bigdefault > /dev/null 2> "$work/err" ||
   ! grep "not enough memory to start domain 'bigdefault'" "$work/err" > /dev/null; then
    fail "claim_mode = 1 did not claim for a domain without <memoryClaim/>: $(cat "$work/err")"
else
    pass
fi
domain_xml bigoptout 8192 "<memoryClaim mode='off'/>"
if virsh start bigoptout > /dev/null 2> "$work/err" ||
   grep "not enough memory to start" "$work/err" > /dev/null; then
    fail "mode='off' did not override claim_mode = 1"
else
    pass
fi

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
    fits=$(( $(nodemem free) / $(need_kib 256) ))
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
    [ "$(host_domains | wc -l)" = "$fits" ] && pass || fail "round $round: the host runs $(host_domains | wc -l) domains, $fits fit"
    [ "$(info_field outstanding_claims)" = 0 ] && pass || fail "round $round: the storm left claims behind"
done

# --- a populate failure mid-build: the claim goes with the domain --------
daemon stop "$work" >/dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
uri=$(daemon start "$work" --libxl-conf "$work/empty.conf" -- --memory 4G --dom0 1G)
domain_xml faulty 1024 "<memoryClaim/>"
xensim fault populate 256M
if virsh start faulty > /dev/null 2> "$work/err"; then
    fail "a build whose populate fails started"
elif grep "libxenlight failed to create new domain 'faulty'" "$work/err" > /dev/null; then
    pass    # memory was there: not reported as a shortage
else
    fail "unexpected error for a failed build: $(cat "$work/err")"
fi
[ -z "$(host_domains)" ] && pass || fail "the failed build left a domain on the host"
[ "$(info_field outstanding_claims)" = 0 ] && pass || fail "the failed build left its claim"
[ "$(virsh domstate faulty)" = "shut off" ] && pass || fail "faulty is not shut off"
virsh start faulty > /dev/null && pass || fail "faulty does not start once the fault is gone"
virsh destroy faulty > /dev/null

# --- the daemon killed mid-build: the restarted daemon reaps the claim ---
daemon stop "$work" >/dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
uri=$(daemon start "$work" --libxl-conf "$work/empty.conf" -- --memory 8G --dom0 1G --populate-rate 512M)
domain_xml killed 4096 "<memoryClaim/>"
virsh start killed > /dev/null 2>&1 &
for i in $(seq 1 50); do
    [ "$(info_field outstanding_claims)" -gt 0 ] && break
    sleep 0.05
done
kill -KILL "$(cat "$work/libvirtd.pid")"
wait || true
[ "$(info_field outstanding_claims)" -gt 0 ] && pass || fail "no claim was held when the daemon died"
rm -f "$work/libvirtd.pid"
uri=$(daemon start "$work" --libxl-conf "$work/empty.conf")
# libvirtd listens before its drivers have initialised: ask it something
# first, which waits for them
virsh domstate killed > /dev/null
[ "$(info_field outstanding_claims)" = 0 ] && pass || fail "the restarted daemon left the dead build's claim"
[ -z "$(host_domains)" ] && pass || fail "the dead build's domain is still on the host"
[ "$(virsh domstate killed)" = "shut off" ] && pass || fail "killed is not shut off after the restart"

# --- free memory net of a claim while a slow build runs -----------------
daemon stop "$work" >/dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
uri=$(daemon start "$work" --libxl-conf "$work/empty.conf" -- --memory 8G --dom0 1G --populate-rate 512M)
domain_xml slow 4096 "<memoryClaim/>"
virsh start slow > /dev/null 2>&1 &
starter=$!
for i in $(seq 1 50); do
    [ "$(info_field outstanding_claims)" -gt 0 ] && break
    sleep 0.05
done
claimed_mib=$(( $(nodemem claimed) / 1024 ))
free_mib=$(( $(nodemem free) / 1024 ))
cell_mib=$(virsh freecell | awk '{ print int($2 / 1024) }')
host_net_mib=$(info_field free_memory)
[ "${claimed_mib:-0}" -gt 0 ] && pass || fail "nodememstats shows no claim during a claim build"
# the build moves on between the reads: allow one populate slice of slack
diff=$(( free_mib > host_net_mib ? free_mib - host_net_mib : host_net_mib - free_mib ))
[ "$diff" -le 64 ] && pass || fail "nodememstats free ($free_mib MiB) is not net of claims ($host_net_mib MiB)"
diff=$(( cell_mib > host_net_mib ? cell_mib - host_net_mib : host_net_mib - cell_mib ))
[ "$diff" -le 64 ] && pass || fail "freecell ($cell_mib MiB) is not net of claims ($host_net_mib MiB)"
wait "$starter" && pass || fail "the slow claim domain did not start"
[ "$(info_field outstanding_claims)" = 0 ] && pass || fail "the finished build kept its claim"

# --- autoballoon: a domain that fits only once dom0 gives the gap --------
daemon stop "$work" >/dev/null
rm -rf "$work/var" "$work/etc" "$work/run"
printf 'autoballoon = 1\n' > "$work/ab.conf"
uri=$(daemon start "$work" --libxl-conf "$work/ab.conf" -- --memory 8G --dom0 6G --dom0-min 512M)
domain_xml mid 3072 "<memoryClaim/>"
dom0_before=$(xensim info | awk '$1 == "Domain-0" { print $4 }')
free_before=$(info_field free_memory)
virsh start mid > /dev/null 2> "$work/err" && pass || fail "mid did not start with autoballoon: $(cat "$work/err")"
dom0_after=$(xensim info | awk '$1 == "Domain-0" { print $4 }')
gave=$((dom0_before - dom0_after))
# dom0 gives the gap (need minus what was free), give or take rounding
gap=$(( $(need_kib 3072) / 1024 - free_before ))
[ "$gave" -ge $((gap - 4)) ] && [ "$gave" -le $((gap + 4)) ] && pass ||
    fail "dom0 gave $gave MiB for a gap of about $gap MiB"
domain_xml toobig 8192 "<memoryClaim/>"
if virsh start toobig > /dev/null 2> "$work/err"; then
    fail "toobig started"
elif grep "dom0 could give [0-9]* MiB" "$work/err" > /dev/null &&
     ! grep "autoballoon is off" "$work/err" > /dev/null; then
    pass
else
    fail "unexpected error with autoballoon on: $(cat "$work/err")"
fi

finish "claim-aware starts"
