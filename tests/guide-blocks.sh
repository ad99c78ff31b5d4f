#!/usr/bin/env bash
# The admin guide's command blocks as scripts/admin-guide-check.sh reads
# them (scripts/guide-blocks.py): what '…' matches and what it does not,
# and that docs/admin-guide.md splits into the steps the check runs.
#
# Usage: guide-blocks.sh SOURCE_ROOT
set -euo pipefail

top=$1
blocks=$top/scripts/guide-blocks.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/checks.sh"

# matches NAME EXPECTED ACTUAL: EXPECTED (printf format) matches ACTUAL
matches() {
    printf "$2" > "$work/expected"
    printf "$3" > "$work/actual"
    if python3 "$blocks" match "$work/expected" "$work/actual" > "$work/diff"; then
        pass
    else
        fail "$1: did not match"; cat "$work/diff"
    fi
}
differs() {
    printf "$2" > "$work/expected"
    printf "$3" > "$work/actual"
    if python3 "$blocks" match "$work/expected" "$work/actual" > "$work/diff"; then
        fail "$1: matched"
    elif grep -q 'the output was' "$work/diff"; then
        pass
    else
        fail "$1: no report of where it parts"; cat "$work/diff"
    fi
}

matches "exact" 'a\nb\n' 'a\nb\n'
matches "trailing spaces and empty lines" 'a\nb' 'a  \nb\n\n\n'
matches "… within a line" 'last_update …\nx\n' 'last_update 1796136840\nx\n'
matches "… as a whole line, many lines" 'a\n…\nz\n' 'a\nb\nc\nz\n'
matches "… as a whole line, no line" 'a\n…\nz\n' 'a\nz\n'
matches "leading and trailing …" '…\nmid\n…\n' 'x\nmid\ny\n'
matches "regex characters are literal" 'a.b [Y/n] (x)*\n' 'a.b [Y/n] (x)*\n'
differs "a changed value" 'free : 100 KiB\n' 'free : 101 KiB\n'
differs "a missing line" 'a\nb\n' 'a\n'
differs "an extra line" 'a\n' 'a\nb\n'
differs "… within a line spans no newline" 'a…b\n' 'a\nb\n'
differs "'.' is not a wildcard" 'a.b\n' 'axb\n'
differs "empty expected, some output" '' 'x\n'

# a small guide with every kind of step
cat > "$work/guide.md" <<'MD'
Text.

```console
# echo one \
    two
one two
# true
```

<!-- guide: file f.xml -->
```xml
<x/>
```

<!-- guide: guest -->
<!-- guide: until 5 -->
```console
# cat f
…
```

<!-- guide: simulate start-agent web -->

```sh
not run
```
MD
python3 "$blocks" split "$work/guide.md" "$work/steps"
step() { cat "$work/steps/$1/$2"; }
if [ "$(ls "$work/steps" | xargs)" = "001 002 003 004 005" ] &&
   [ "$(step 001 kind)" = cmd ] && [ "$(step 001 cmd)" = $'echo one \\\n    two' ] &&
   [ "$(step 001 expected)" = "one two" ] && [ "$(step 001 where)" = host ] &&
   [ "$(step 002 cmd)" = true ] && [ -z "$(step 002 expected)" ] &&
   [ "$(step 003 kind)" = file ] && [ "$(step 003 cmd)" = f.xml ] &&
   [ "$(step 003 expected)" = "<x/>" ] &&
   [ "$(step 004 where)" = guest ] && [ "$(step 004 until)" = 5 ] &&
   [ "$(step 004 expected)" = … ] && [ "$(step 002 until)" = 0 ] &&
   [ "$(step 005 kind)" = simulate ] && [ "$(step 005 cmd)" = "start-agent web" ]; then
    pass
else
    fail "the small guide split into: $(cd "$work/steps" && grep -r . | xargs -0)"
fi
printf '```console\noutput first\n```\n' > "$work/bad.md"
if python3 "$blocks" split "$work/bad.md" "$work/bad" 2> "$work/bad.err"; then
    fail "a block with output before its command was taken"
elif grep -q 'bad.md:2: output before any command' "$work/bad.err"; then
    pass
else
    fail "unclear error: $(cat "$work/bad.err")"
fi

# the guide itself: commands in every section, each simulated step known
python3 "$blocks" split "$top/docs/admin-guide.md" "$work/guide"
ncmd=$(grep -lx cmd "$work"/guide/*/kind | wc -l)
if [ "$ncmd" -ge 30 ]; then pass; else fail "the guide has only $ncmd commands"; fi
for f in "$work"/guide/*; do
    [ "$(cat "$f/kind")" = simulate ] || continue
    case $(cat "$f/cmd") in
        "start-agent "?*) pass ;;
        *) fail "unknown simulated step '$(cat "$f/cmd")' at line $(cat "$f/line")" ;;
    esac
done

finish guide-blocks
