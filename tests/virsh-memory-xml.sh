#!/usr/bin/env bash
# Drive <memoryClaim/> and <memoryPolicy/> through the built virsh and the
# real test driver: define (with and without schema validation), dumpxml,
# and refusal of bad values with libvirt's error naming them.
#
# Usage: virsh-memory-xml.sh VIRSH TESTS_DIR
set -euo pipefail

virsh=$1
tests=$2
indir=$tests/domainmemoryxml2xmlindata
outdir=$tests/domainmemoryxml2xmloutdata
baddir=$tests/domainmemoryxml2xmlinvalid
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

for in in "$indir"/*.xml; do
    name=$(basename "$in" .xml)
    expected=$in
    [ -f "$outdir/$name.xml" ] && expected=$outdir/$name.xml
    for_test_driver "$in" "$work/$name.xml"

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

    if session "define --validate $work/$name.xml" > /dev/null 2> "$work/err"; then
        fail "$name: define --validate accepted a bad value"
        continue
    fi
    if ! grep -qF -e "failed to validate against schema" -e "$want" "$work/err"; then
        fail "$name: define --validate gave an unexpected error: $(cat "$work/err")"
        continue
    fi
    pass

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
