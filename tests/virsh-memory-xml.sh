#!/usr/bin/env bash
# Drive <memoryClaim/> and <memoryPolicy/> through the built virsh and the
# real test driver: define (with and without schema validation), dumpxml,
# and refusal of bad values with libvirt's error naming them.  The schema
# (domain.rng of the prepared tree, through xmllint and through virsh
# define --validate) must refuse each bad value on its own, except the few
# listed in domainmemoryxml2xmlinvalid/schema-accepts.txt that only the
# parser can judge.
#
# Usage: virsh-memory-xml.sh VIRSH TESTS_DIR
set -euo pipefail

virsh=$1
tests=$2
indir=$tests/domainmemoryxml2xmlindata
outdir=$tests/domainmemoryxml2xmloutdata
baddir=$tests/domainmemoryxml2xmlinvalid
schema=$tests/../src/conf/schemas/domain.rng
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/checks.sh"

# The test driver offers domain type 'test' with os types 'hvm' and 'xen'.
for_test_driver() {
    sed -e "s/<domain type='xen'>/<domain type='test'>/" \
        -e "s|>linux</type>|>xen</type>|" "$1" > "$2"
}

memory_lines() {
    grep -E '<memory(Claim|Policy)' || true
}

# A virsh session against the per-connection test:///default driver.
session() {
    "$virsh" -q -c test:///default "$@"
}

# validate FILE: xmllint's verdict on FILE against the schema alone, its
# messages in $work/rng; 0 valid, 3 invalid, anything else a failure to
# validate at all
validate() {
    local rc=0
    xmllint --noout --relaxng "$schema" "$1" > "$work/rng" 2>&1 || rc=$?
    return "$rc"
}
# the schema error virsh define --validate gives
schema_error="XML document failed to validate against schema"

[ -f "$schema" ] && pass || fail "no schema at $schema"

for in in "$indir"/*.xml; do
    name=$(basename "$in" .xml)
    expected=$in
    [ -f "$outdir/$name.xml" ] && expected=$outdir/$name.xml
    for_test_driver "$in" "$work/$name.xml"

    # the schema takes every valid input as it is and as the test
    # driver's domain (the refusals below count only if it does)
    for f in "$in" "$work/$name.xml"; do
        if validate "$f"; then pass; else fail "$name: the schema refuses $f: $(cat "$work/rng")"; fi
    done

    for validate in --validate ""; do
        if ! session "define $validate $work/$name.xml; dumpxml $name" \
                > "$work/out" 2> "$work/err"; then
            fail "$name: define $validate failed: $(cat "$work/err")"
            continue
        fi
        if ! diff -u <(memory_lines < "$expected") <(memory_lines < "$work/out") \
                > "$work/diff"; then
            fail "$name: dumpxml after define $validate differs:"
            cat "$work/diff"
            continue
        fi
        pass
    done

    # What dumpxml printed must define again to the same settings.
    session "define $work/$name.xml; dumpxml $name" > "$work/once" 2>/dev/null
    if ! session "define $work/once; dumpxml $name" > "$work/twice" 2> "$work/err" ||
       ! cmp -s "$work/once" "$work/twice"; then
        fail "$name: dumpxml output does not define back to itself"
    else
        pass
    fi
done

good=$work/good.xml
for_test_driver "$indir/claim-and-policy.xml" "$good"
good_name=claim-and-policy

for bad in "$baddir"/*.xml; do
    name=$(basename "$bad" .xml)
    for_test_driver "$bad" "$work/$name.xml"
    # the message our parser or validator must give, without the code
    want=$(sed -e 's/^[A-Z_]* ([0-9]*): //' "$baddir/$name.err")

    if session "define $work/$name.xml" > /dev/null 2> "$work/err"; then
        fail "$name: define accepted a bad value"
        continue
    fi
    if ! grep -qF -- "$want" "$work/err"; then
        fail "$name: define error does not say '$want': $(cat "$work/err")"
        continue
    fi
    pass

    # The schema alone, with xmllint: it refuses the bad element, and
    # takes the same domain without it (so it is that element it refuses);
    # the few that only the parser can judge it takes
    element=memoryClaim
    [ "${name#policy-}" != "$name" ] && element=memoryPolicy
    grep -vE '<memory(Claim|Policy)' "$bad" > "$work/without.xml"
    if ! validate "$work/without.xml"; then
        fail "$name: the schema refuses the domain even without <$element>: $(cat "$work/rng")"
        continue
    fi
    rc=0
    validate "$bad" || rc=$?
    if grep -qx "$name" <(sed 's/#.*//; s/[[:space:]]*$//' "$baddir/schema-accepts.txt"); then
        schema_refuses=
        [ "$rc" = 0 ] && pass ||
            fail "$name: listed as one the schema accepts, but it refuses it (rc $rc): $(cat "$work/rng")"
    else
        schema_refuses=1
        if [ "$rc" = 3 ] && grep -qw -- "$element" "$work/rng"; then
            pass
        else
            fail "$name: the schema does not refuse <$element> (xmllint rc $rc): $(cat "$work/rng")"
        fi
    fi

    # virsh define --validate: the schema's error where the schema
    # refuses, the parser's where only the parser can
    if session "define --validate $work/$name.xml" > /dev/null 2> "$work/err"; then
        fail "$name: define --validate accepted a bad value"
        continue
    fi
    if [ -n "$schema_refuses" ]; then
        if grep -qF "$schema_error" "$work/err" && ! grep -qF -- "$want" "$work/err"; then
            pass
        else
            fail "$name: define --validate did not fail on the schema: $(cat "$work/err")"
        fi
    else
        if grep -qF -- "$want" "$work/err" && ! grep -qF "$schema_error" "$work/err"; then
            pass
        else
            fail "$name: define --validate did not pass the schema to the parser's error: $(cat "$work/err")"
        fi
    fi

    # A refused redefinition must leave the existing definition untouched.
    sed -e "s|<name>$name</name>|<name>$good_name</name>|" \
        -e "s|<uuid>.*</uuid>|$(grep -o '<uuid>.*</uuid>' "$good")|" \
        "$work/$name.xml" > "$work/redefine.xml"
    session "define $good; dumpxml $good_name" > "$work/expect" 2>/dev/null
    # virsh reading commands from stdin goes on after a failed command;
    # drop the prompts it prints in that mode
    session 2>/dev/null <<EOS | sed -e 's/^\(virsh # \)*//' > "$work/state" || true
define $good
define $work/redefine.xml
dumpxml $good_name
EOS
    if ! diff <(grep -v "^$" "$work/expect") <(grep -v "^$" "$work/state") > /dev/null; then
        fail "$name: refused redefinition changed the existing domain"
        continue
    fi
    pass
done

finish "virsh memory XML"
