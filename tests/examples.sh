#!/usr/bin/env bash
# The examples in docs/example/ that a run can make again to the last
# digit, made again with the command that made them and compared with what
# is committed. A virtual run is deterministic by seed, on any machine:
# run metadata aside (.run: when, and the command line; .version), every
# value in the JSON and every byte of the CSV must be the same, and the
# HTML must be well formed and the same but for its meta line and version.
# A difference means the output changed: if the change is meant, make the
# files again with the command this prints (from the source root, with
# build/clustersim) and say why in the commit.
#
# Not compared: the plots (PNG, drawn by scripts/plot.sh from the JSON
# compared here; their bytes depend on gnuplot's version and fonts), and
# the examples made on real ranks or measured (coordinator-knee*,
# move-the-knee, calibration.json): they are this machine's timings, not
# reproducible. calibration.json is an input of the virtual run here.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${CLUSTERSIM:?CLUSTERSIM must name the clustersim binary}"
TMP=$(mktemp -d /tmp/cs_examples.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
source "$ROOT/tests/checks.sh"

# Leaf by leaf, the values that differ between two JSON files (run
# metadata aside): how many changed, are new or are gone, then at most 10
# of them as "path: committed X, now Y", the changed ones first.
json_differences() {
    jq -n -r --slurpfile a "$1" --slurpfile b "$2" '
        def meta: del(.run, .version);
        def leaves: [paths(scalars)] | map({key: tojson, value: true}) | from_entries;
        ($a[0] | meta) as $A | ($b[0] | meta) as $B | ($A | leaves) as $inA | ($B | leaves) as $inB
        | [($inA + $inB) | keys[]
           | fromjson as $p
           | (if $inA[$p | tojson] then ($A | getpath($p) | tojson) else null end) as $x
           | (if $inB[$p | tojson] then ($B | getpath($p) | tojson) else null end) as $y
           | select($x != $y)
           | {kind: (if $x == null then "new" elif $y == null then "gone" else "changed" end),
              line: "\($p | map(tostring) | join(".")): committed \($x // "(absent)"), now \($y // "(absent)")"}]
        | (map(select(.kind == "changed")) + map(select(.kind != "changed"))) as $all
        | "\($all | length) values differ: \([$all[] | select(.kind == "changed")] | length) changed, " +
          "\([$all[] | select(.kind == "new")] | length) new, \([$all[] | select(.kind == "gone")] | length) gone",
          ($all[:10][] | .line)'
}

# The HTML without what is metadata: the start time and the command line
# in its meta paragraph, and the version.
html_values() {
    sed -e '/<p class="meta">/ s/started [^ ]* \(on\|in\) /started (time) \1 /' \
        -e '/<p class="meta">/ s|<code>[^<]*</code>|<code>(command)</code>|' \
        -e 's/clustersim [0-9][0-9.]*[0-9]/clustersim (version)/g' "$1"
}

# example NAME ARGS...: docs/example/NAME.json, .csv and .html, made from
# the source root by build/clustersim ARGS --json docs/example/NAME.json
# --csv docs/example/NAME.csv --html docs/example/NAME.html.
example() {
    local name=$1 committed=$ROOT/docs/example/$1 made=$TMP/$1
    shift
    local command="build/clustersim $* --json docs/example/$name.json --csv docs/example/$name.csv --html docs/example/$name.html"
    local recorded
    recorded=$(jq -r '.run.command' "$committed.json")
    if [ "$recorded" = "$command" ]; then
        ok "$name.json was made by: $command"
    else
        bad "$name.json was made by another command than this test runs: $recorded"
    fi

    local start end
    start=$(date +%s.%N)
    if ! (cd "$ROOT" && "$CLUSTERSIM" "$@" --json "$made.json" --csv "$made.csv" --html "$made.html") \
        >"$TMP/$name.out" 2>&1; then
        bad "$name: the run failed: $(tail -3 "$TMP/$name.out")"
        return
    fi
    end=$(date +%s.%N)
    echo "($name made again in $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s)"

    if cmp -s <(jq -S 'del(.run, .version)' "$committed.json") <(jq -S 'del(.run, .version)' "$made.json"); then
        ok "$name.json: every value the same (run metadata aside)"
    else
        bad "$name.json differs from a run made again:"
        json_differences "$committed.json" "$made.json" | sed 's/^/    /' >&2
    fi

    if cmp -s "$committed.csv" "$made.csv"; then
        ok "$name.csv: the same, byte for byte"
    else
        bad "$name.csv differs from a run made again:"
        diff "$committed.csv" "$made.csv" | head -12 | sed 's/^/    /' >&2 || true
    fi

    if ! xmllint --noout "$committed.html" 2>"$TMP/xmllint.err"; then
        bad "$name.html is not well formed: $(head -3 "$TMP/xmllint.err")"
    elif cmp -s <(html_values "$committed.html") <(html_values "$made.html"); then
        ok "$name.html: well formed, the same but for its meta line and version"
    else
        bad "$name.html differs from a run made again:"
        diff <(html_values "$committed.html") <(html_values "$made.html") | cut -c1-200 | head -12 |
            sed 's/^/    /' >&2 || true
    fi
}

# docs/virtual-time.md: the knee of a 1000-node cluster (the sweep).
example virtual-1000 --virtual --nodes 1000 --sweep --calibration docs/example/calibration.json \
    --set name=virtual-1000 -q

finish
