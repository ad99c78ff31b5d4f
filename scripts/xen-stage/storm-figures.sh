# What a storm did, from bench/storm-client.py's output (NAME OK|FAIL MS
# [ERROR] per start).  Sourced by the real host's step 4 and by the
# calibration on the simulated host, so that both columns of the
# calibration table are the same computation.

# storm_count FILE OK|FAIL: how many starts ended so
storm_count() { awk -v s="$2" '$2 == s' "$1" | wc -l; }

# storm_slowest FILE OK|FAIL: the longest of those starts, ms (0 if none)
storm_slowest() { awk -v s="$2" '$2 == s && $3 > m { m = $3 } END { print m + 0 }' "$1"; }

# storm_errors FILE: the distinct errors, domain names folded to 'stormN',
# each with its count: "3x operation failed: ... // 1x ..."
storm_errors() {
    awk '$2 == "FAIL" { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' "$1" |
        sed "s/'storm[0-9]*'/'stormN'/" | sort | uniq -c | sed 's/^ *\([0-9]*\) /\1x /' |
        awk 'NR > 1 { printf " // " } { printf "%s", $0 } END { print "" }'
}
