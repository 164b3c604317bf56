#!/usr/bin/env bash
# Docs that cannot rot: every command of README.md and the guides in docs/
# (their ```sh blocks; the labs' pages are tests/labs.sh's) runs as a
# reader would type it, page after page, block after block, from a
# scratch folder, with every clustersim run shortened (CS_RUN_ARGS for
# scripts/run.sh and scripts/scaling.sh, the same arguments ahead of a
# block's own for build/clustersim). Each block must exit 0, write the
# files it names, and every results file must be whole, complete and
# account for every request. Then the blocks whose rank count the
# machine chooses (scripts/run.sh without CS_NP, on a scenario that does
# not fix its count: counts_cores below) run again on a machine that says
# it has 8 cores (OMP_NUM_THREADS=8: nproc prints 8, and scripts/run.sh
# starts 16 ranks), as on a laptop: a command that works only with this
# VM's 2 cores fails there. The other blocks would run as they did.
#   tests/docs.sh [2-cores|8-cores]   one pass (ctest runs them side by
#                                     side: docs_2cores, docs_8cores), or both
# The first pass also checks the pages' fences and names (below).
#
# The other tags, not run here: ```sh setup (what scripts/test.sh itself
# does: packages, builds, the suite), ```sh slurm and ```sh hosts (a
# cluster: tests/cluster/), ```sh long (a benchmark, the full
# validation or a sweep of 10,000 virtual nodes, a minute or more: run
# with CS_DOCS_LONG=1; the suite runs
# scripts/validate.sh --quick as validate_quick). Every block carries one
# of the known tags.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${CS_DOCS_OUT:-$(mktemp -d /tmp/cs_docs.XXXXXX)}
mkdir -p "$WORK"
[ -n "${CS_DOCS_OUT:-}" ] || trap 'rm -rf "$WORK"' EXIT
source "$ROOT/tests/checks.sh"
pages=("$ROOT/README.md" $(ls "$ROOT"/docs/*.md))
passes=("$@")
# The build under test: ctest says which (CS_BUILD); the pages' build/ is it.
BUILD=${CS_BUILD:-$ROOT/build}
cs=$BUILD/clustersim
[ ${#passes[@]} -gt 0 ] || passes=(2-cores 8-cores)

# A tenth of a second measured after a fiftieth of warm-up, in intervals
# of 50 ms: enough for every line of a report and a time series to plot,
# not for its statistics (nothing is judged).
QUICK="--set load.duration_s=0.1 --set load.warmup_s=0.02 --set run.interval_ms=50"
export CS_RUN_ARGS=$QUICK
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

# The pages' fences and names, once.
page_checks() {
    # Every fence is a known one: a block without a tag, or with a new one,
    # would be run by nobody.
    for page in "${pages[@]}"; do
        unknown=$(awk '/^```/ { fence = !fence; if (fence && $0 !~ /^```(sh|sh setup|sh slurm|sh hosts|sh long|text|json)[[:space:]]*$/) print FILENAME ":" NR ": " $0 }' "$page")
        [ -z "$unknown" ] && ok "$(basename "$page"): every block has a known tag" || bad "blocks with no known tag: $unknown"
    done
    # "long" is for the benchmark and the full validation only.
    misused=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "${pages[@]}" | awk '/^```sh long/ { on = 1; next } /^```/ { on = 0 }
        on && NF && $1 != "#" && $0 !~ /scripts\/(bench|validate|plot)\.sh|--virtual --nodes 10000+( |$)|^(for|done)/ { print }')
    [ -z "$misused" ] && ok "\`\`\`sh long holds only scripts/bench.sh, scripts/validate.sh and runs of 10,000 nodes or more" ||
        bad "long blocks with other commands: $misused"

    # Names in step with the code's tables: every scenario key the pages and
    # the man page name (`dispatch.cost_us`) is one clustersim knows (or a
    # results field), every key is in the reference, and every verdict is in
    # the README's table, the reference and the man page.
    keys=$("$cs" --print-config | jq -r '[paths | map(select(type == "string")) | join(".")] | unique | .[]')
    fields=$(jq -r '[paths | map(select(type == "string")) | join(".")] | unique | .[]' "$ROOT"/docs/example/*.json | sort -u)
    named=("$ROOT/README.md" "$ROOT"/docs/*.md "$ROOT"/docs/labs/*.md "$ROOT/docs/clustersim.1.in")
    unknown="" seen=0
    # (run.resumed_from and run.resumed_steps: results fields of a resumed sweep only)
    for k in $(grep -ohE '(`|\\f[BI])(load|service|dispatch|nodes|run|network|model|sweep|faults)\.[a-z_]+(\.[a-z_]+)*' "${named[@]}" |
        sed -E 's/^(`|\\f[BI])//' | grep -vE '\.(sbatch|sh|json|csv|md|png|html)$' | sort -u); do
        seen=$((seen + 1))
        grep -qx "$k" <<<"$keys"$'\n'"$fields"$'\nrun.resumed_from\nrun.resumed_steps' || unknown+=" $k"
    done
    # (60 named today: a pattern that no longer matches would find none)
    [ -z "$unknown" ] && [ "$seen" -ge 40 ] && ok "every scenario key the pages name is one clustersim knows ($seen)" ||
        bad "keys named in the docs that clustersim does not know:$unknown (of $seen: fewer than 40 found is no test)"
    undocumented=""
    # (the leaves; a distribution's dist and mean_us are its key's: `service.time`)
    for k in $(grep -vxF -f <(sed -E 's/\.[^.]+$//' <<<"$keys" | sort -u) <<<"$keys" | sed -E 's/\.(dist|mean_us)$//' | sort -u); do
        grep -q "\`$k\`" "$ROOT/docs/reference.md" || undocumented+=" $k"
    done
    [ -z "$undocumented" ] && ok "every scenario key is in docs/reference.md" || bad "keys not in the reference:$undocumented"
    # The results' keys and the reference's table of them ("Results JSON"),
    # both ways: every key of a run's results (a fresh one and a sweep,
    # and the examples in docs/example) has a row, and every row's key is
    # in one of them (but `ended`, only in a file that does not hold the
    # whole run: a checkpoint, a run cut short).
    "$cs" --virtual --nodes 3 -q $QUICK --json "$WORK/keys-run.json" || bad "a run for its results' keys failed"
    "$cs" --virtual --nodes 3 -q $QUICK --sweep --set 'sweep.dispatchers=[1,2]' --json "$WORK/keys-sweep.json" ||
        bad "a lever sweep for its results' keys failed"
    jq -e '.levers.settings | length == 2' "$WORK/keys-sweep.json" >/dev/null || bad "the lever sweep wrote no levers"
    made=$(jq -r 'keys[]' "$WORK"/keys-*.json "$ROOT"/docs/example/{coordinator-knee,coordinator-knee-load,move-the-knee,virtual-1000}.json | sort -u)
    rows=$(sed -n '/^## Results JSON/,/^## /p' "$ROOT/docs/reference.md" | grep '^| `' | cut -d'|' -f2 | grep -oE '`[a-z_0-9]+`' | tr -d '`' | sort -u)
    [ "$(wc -l <<<"$rows")" -ge 20 ] || bad "could not read the Results JSON table of docs/reference.md: $rows"
    unlisted=$(comm -23 <(echo "$made") <(echo "$rows") | tr '\n' ' ')
    unmade=$(comm -13 <(echo "$made") <(echo "$rows") | { grep -vx ended || true; } | tr '\n' ' ')
    [ -z "$unlisted" ] && ok "every key of the results has its row in the reference" ||
        bad "results keys not in docs/reference.md's Results JSON: $unlisted"
    [ -z "$unmade" ] && ok "every key of the reference's Results JSON is in the results" ||
        bad "docs/reference.md's Results JSON names keys no results file has: $unmade"
    verdicts=$(sed -n '/cs_bottleneck_names\[\] = {/,/^};/p' "$ROOT/src/analysis/analysis.c" | grep -oE '"[a-z_]+"' | tr -d '"')
    [ "$(wc -w <<<"$verdicts")" -ge 5 ] || bad "could not read the verdicts from src/analysis/analysis.c: $verdicts"
    missing=""
    for v in $verdicts; do
        for page in "$ROOT/README.md" "$ROOT/docs/reference.md" "$ROOT/docs/clustersim.1.in"; do
            grep -qF -e "\`$v\`" -e "\\fB$v\\fR" -e ".B $v" "$page" || missing+=" $v ($(basename "$page"))"
        done
    done
    [ -z "$missing" ] && ok "the verdicts ($(echo $verdicts)) are in the README, the reference and the man page" ||
        bad "verdicts missing:$missing"
}

# The blocks of a page with a tag (sh, or sh long), each ended by a line
# "#--end-of-block--".
blocks() { # page tag
    awk -v tag="$2" '$0 ~ "^```" tag "[[:space:]]*$" { on = 1; next }
         /^```/ { if (on) print "#--end-of-block--"; on = 0; next }
         on { print }' "$1"
}

# A block as the test runs it: the repository's scripts, scenarios,
# examples by absolute path, build/ the build under test, its clustersim
# shortened.
rewrite() {
    sed -E -e "s#(^|[[:space:];(\"=])(scripts|jobs|docs)/#\\1$ROOT/\\2/#g" \
        -e "s#(^|[[:space:];(\"=])build/#\\1$BUILD/#g" \
        -e "/--compare/! s#$BUILD/clustersim#$BUILD/clustersim $QUICK#g"
}

# The files a block names after an output flag.
named_files() {
    grep -oE -- "--(json|csv|html|timeseries|percentiles) +[A-Za-z0-9_./-]+" | awk '{ print $2 }' | sort -u
}

# Does the machine's core count choose a rank count in this block? Only
# where scripts/run.sh picks one (no CS_NP) for a scenario that does not
# fix its own (clustersim --ranks prints "any (at least N)"; a command
# whose arguments cannot be read here counts).
counts_cores() {
    local l args fits
    while IFS= read -r l; do
        [[ "$l" == *scripts/run.sh* && "$l" != *CS_NP=* ]] || continue
        args=${l#*scripts/run.sh}
        args=${args%%#*}
        # a loop's variable sets a value, not the rank count: left out
        args=$(sed -E 's/--set +[^ ]*\$[^ ]*//g' <<<"$args")
        fits=$(cd "$ROOT" && eval "set -- $args" 2>/dev/null && "$cs" --ranks "$@" 2>/dev/null) || return 0
        [[ "$fits" =~ ^[0-9]+$ ]] || return 0
    done < <(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' <<<"$1")
    return 1
}

declare -A done_ok # a block's text -> where it ran and passed (the same text is run once a pass)
run_pass() { # label, then the environment's assignments
    local label=$1 page name n block line script rc missing f
    shift
    local dir=$WORK/$label
    mkdir -p "$dir"
    done_ok=()
    for page in "${pages[@]}"; do
        name=$(basename "$page")
        n=0 block=""
        while IFS= read -r line; do
            if [ "$line" != "#--end-of-block--" ]; then
                block+=$line$'\n'
                continue
            fi
            n=$((n + 1))
            if [ "$label" = 8-cores ] && ! counts_cores "$block"; then
                block=""
                continue
            fi
            if [ -n "${done_ok[$block]:-}" ]; then
                ok "$label: $name block $n: the same as ${done_ok[$block]}"
                block=""
                continue
            fi
            script=$(rewrite <<<"$block")
            echo "--- $label: $name, block $n:"
            printf '%s' "$block" | sed 's/^/    /'
            rc=0
            local t0=$SECONDS
            (cd "$dir" && exec env "$@" bash -euo pipefail -c "$script") </dev/null >"$dir/$name.$n.log" 2>&1 || rc=$?
            if [ "$rc" -eq 0 ]; then
                ok "$label: $name block $n ($((SECONDS - t0)) s)"
                done_ok[$block]="$name block $n"
            else
                bad "$label: $name block $n failed (exit $rc): $(tail -15 "$dir/$name.$n.log")"
            fi
            missing=""
            for f in $(named_files <<<"$block"); do
                [ -e "$dir/$f" ] || missing+=" $f"
            done
            [ -z "$missing" ] || bad "$label: $name block $n did not write:$missing"
            if grep -qE 'Sanitizer|runtime error' "$dir/$name.$n.log"; then
                bad "$label: $name block $n: a sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$dir/$name.$n.log")"
            fi
            block=""
        done < <(blocks "$page" "sh$([ -n "${CS_DOCS_LONG:-}" ] && echo '( long)?')")
    done
    # Every results file the pages wrote: whole, complete, nothing lost.
    for f in $(find "$dir" -name '*.json'); do
        jq -e 'if has("requests") then .requests.lost == 0 and .complete == true else true end' "$f" >/dev/null ||
            bad "$label: $(basename "$f") is not whole, complete results"
    done
}

for pass in "${passes[@]}"; do
    case $pass in
        2-cores) page_checks; run_pass 2-cores OMP_NUM_THREADS= ;;
        8-cores) run_pass 8-cores OMP_NUM_THREADS=8 ;;
        *) echo "tests/docs.sh: unknown pass '$pass' (2-cores or 8-cores)" >&2; exit 2 ;;
    esac
done
[ -n "${CS_DOCS_LONG:-}" ] || echo "not run: the \`\`\`sh long blocks (CS_DOCS_LONG=1 runs them)"
finish
