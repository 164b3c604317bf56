#!/usr/bin/env bash
# Labs that cannot rot: every command of every lab page (docs/labs/lab*.md,
# the ```sh blocks; ```sh slurm blocks are for a cluster) runs as a student
# would type it, from a scratch folder, in order, with every clustersim run
# shortened (load.duration_s, load.warmup_s). The page's own self-check then
# runs on what the page wrote: it must recognise every file as the lab's
# (exit 0 or 1, never 2), and the only problems it may report are the ones
# a shortened run has by design (warm-up, window, sample size) or that the
# host's CPU causes; conservation and throughput must hold, and Little's law
# wherever the warm-up was long enough for the load to settle.
#
# By hand, to run the labs in full as written and keep the results:
#   tests/labs.sh --full [LAB...]        # results in $CS_LAB_OUT or a new /tmp folder
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
full=false
if [ "${1:-}" = "--full" ]; then
    full=true
    shift
fi
labs=("$@")
[ ${#labs[@]} -gt 0 ] || labs=(1 2 3 4)

WORK=${CS_LAB_OUT:-$(mktemp -d /tmp/cs_labs.XXXXXX)}
mkdir -p "$WORK"
[ -n "${CS_LAB_OUT:-}" ] || $full || trap 'rm -rf "$WORK"' EXIT
source "$ROOT/tests/checks.sh"

# The runs, shortened to a sixteenth of the lab's 8-second windows (the
# self-check allows a short window's Poisson spread over the capacity).
QUICK="--set load.duration_s=0.5 --set load.warmup_s=0.25"
# What a shortened run may be faulted for, and nothing else: its length,
# and the host's CPU (a 1 s sweep step whose spinning coordinator holds one
# of two cores while the host steals time has measured 1.25x service in
# CI; that is the machine, which the self-check's unit tests cover).
SHORT_RUN='warm-up \(|measured window \(|requests were measured|delivered service was|the verdict is host_cpu|us per request for an emulated cost'

# The page's self-check, in quick mode: every file recognised, and no
# problem but the ones a short run has.
lab_check_quick() {
    local out rc=0 files=0 a
    for a in "$@"; do [[ "$a" == *.json ]] && files=$((files + 1)); done
    out=$("$ROOT/scripts/lab-check.sh" "$@" 2>&1) || rc=$?
    printf '%s\n' "$out"
    [ "$rc" -le 1 ] || { echo "lab-check refused the page's results (exit $rc)" >&2; return 1; }
    local seen
    seen=$(printf '%s\n' "$out" | cut -d: -f1 | sort -u | grep -c .)
    [ "$seen" -eq "$files" ] || { echo "lab-check spoke of $seen of $files files" >&2; return 1; }
    # Little's law is a steady state's: it may fail only on a file whose
    # warm-up the self-check also found too short to settle (lab 3's
    # power of d at 0.25 s: -11%, with a settling time of 0.41 s).
    local unexplained
    unexplained=$(printf '%s\n' "$out" | awk -F': ' '
        { lines[NR] = $0; file[NR] = $1 }
        /warm-up \(/ { unsettled[$1] = 1 }
        END { for (i = 1; i <= NR; i++) if (!(lines[i] ~ /Little.s law does not hold/ && unsettled[file[i]])) print lines[i] }' |
        grep -Ev ': sound( \(.*\))?$' | grep -Ev "$SHORT_RUN" || true)
    if [ -n "$unexplained" ]; then
        echo "lab-check found problems a short run does not explain: $unexplained" >&2
        return 1
    fi
}

# A block runs in its own bash -euo pipefail, outside any condition (where
# bash would ignore set -e and only the last command would count), with
# the self-check above at hand.
export -f lab_check_quick
export ROOT SHORT_RUN

# The files a block names (lab1/fast.json, 'lab4/p99.png'; not globs or
# names built from a variable): each must exist once the block has run.
named_files() {
    grep -oE "lab[0-9]+/[A-Za-z0-9_.-]+\.(json|csv|png|html|hgrm|jsonl)" | sort -u
}

# The ```sh blocks of a page, each ended by a line "#--end-of-block--".
blocks() {
    awk '/^```sh[[:space:]]*$/ { on = 1; next }
         /^```/ { if (on) print "#--end-of-block--"; on = 0; next }
         on { print }' "$1"
}

# A block as the test runs it: the repository's scripts, scenarios and
# build by absolute path, every run shortened unless --full, the self-check checked.
rewrite() {
    local quick=$QUICK
    $full && quick=""
    sed -E -e "s#(^|[[:space:];(\"=])(scripts|jobs|build)/#\\1$ROOT/\\2/#g" \
        -e "s#$ROOT/scripts/run.sh#$ROOT/scripts/run.sh $quick#g" \
        -e "$($full || echo "s#$ROOT/scripts/lab-check.sh#lab_check_quick#g")"
}

# Bad input to the self-check: one line, exit 2.
bad_input() { # what, lab-check args...
    local what=$1 out rc=0
    shift
    out=$("$ROOT/scripts/lab-check.sh" "$@" 2>&1) || rc=$?
    [ "$rc" -eq 2 ] && [ "$(grep -c . <<<"$out")" -eq 1 ] && ok "lab-check: $what: exit 2, one line: $out" ||
        bad "lab-check: $what: exit $rc: $out"
}
$full || {
    printf '{"requests": ' >"$WORK/truncated.json"
    bad_input "a missing file" "$WORK/none.json"
    bad_input "malformed JSON" "$WORK/truncated.json"
    bad_input "a scenario, not results" "$ROOT/jobs/scenarios/mm1.json"
    bad_input "an unknown lab" --lab 9 "$ROOT/docs/example/coordinator-knee.json"
    bad_input "another lab's results" --lab 3 "$ROOT/docs/example/coordinator-knee.json"
    bad_input "no file" --lab 1
    # A file it cannot read among others: said, the others still checked, exit 2.
    out=$("$ROOT/scripts/lab-check.sh" "$WORK/none.json" "$ROOT/docs/example/coordinator-knee.json" 2>&1) && rc=0 || rc=$?
    [ "$rc" -eq 2 ] && grep -q "^lab-check: cannot read results file '.*none.json'" <<<"$out" &&
        grep -q "coordinator-knee.json: sound$" <<<"$out" &&
        ok "lab-check: an unreadable file among others: said, the others checked, exit 2" ||
        bad "lab-check: an unreadable file among others: exit $rc: $out"
}

# The labs' set-up (docs/labs/README.md, "Before the first lab"):
# scripts/run.sh --version prints the version, at the default rank count
# (its --ranks answer is the version line, whose digits once made 10,414).
$full || {
    out=$(timeout -k 5 60 "$ROOT/scripts/run.sh" --version 2>&1) && rc=0 || rc=$?
    np=$(sed -nE 's/^==> .* -(np|n) ([0-9]+) .*/\2/p' <<<"$out")
    [ "$rc" -eq 0 ] && grep -q "^clustersim [0-9]" <<<"$out" && [ -n "$np" ] && [ "$np" -le 16 ] &&
        ok "scripts/run.sh --version prints the version, on $np ranks" || bad "scripts/run.sh --version: exit $rc: $out"
}

for lab in "${labs[@]}"; do
    page=$(ls "$ROOT"/docs/labs/lab"$lab"-*.md 2>/dev/null | head -1)
    [ -n "$page" ] || { bad "lab $lab: no page docs/labs/lab$lab-*.md"; continue; }
    name=$(basename "$page")
    dir=$WORK/lab$lab-run
    rm -rf "$dir"
    mkdir -p "$dir"
    n=0 checks=0 block=""
    t0=$(date +%s)
    while IFS= read -r line; do
        if [ "$line" != "#--end-of-block--" ]; then
            block+=$line$'\n'
            continue
        fi
        n=$((n + 1))
        grep -q "scripts/lab-check.sh" <<<"$block" && checks=$((checks + 1))
        script=$(rewrite <<<"$block")
        echo "--- $name, block $n:"
        printf '%s' "$block" | sed 's/^/    /'
        rc=0
        (cd "$dir" && exec bash -euo pipefail -c "$script") </dev/null >"$dir/block$n.log" 2>&1 || rc=$?
        if [ "$rc" -eq 0 ]; then
            ok "$name: block $n"
        else
            bad "$name: block $n failed (exit $rc): $(tail -20 "$dir/block$n.log")"
        fi
        missing=""
        for f in $(named_files <<<"$block"); do
            [ -e "$dir/$f" ] || missing+=" $f"
        done
        [ -z "$missing" ] || bad "$name: block $n did not write:$missing"
        if grep -qE 'Sanitizer|runtime error' "$dir/block$n.log"; then
            bad "$name: block $n: a sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$dir/block$n.log")"
        fi
        block=""
    done < <(blocks "$page")
    [ "$n" -gt 0 ] && ok "$name: $n blocks in $(($(date +%s) - t0)) s" || bad "$name: no sh blocks"
    [ "$checks" -gt 0 ] && ok "$name: runs the self-check" || bad "$name: no lab-check command"
    # The page's results: one file per run, all sound for the lab but for
    # what a short run explains (lab_check_quick above) ...
    n_json=$(find "$dir" -name '*.json' | wc -l)
    [ "$n_json" -gt 0 ] && ok "$name: $n_json results files" || bad "$name: wrote no results"
    # ... and every one of them a whole, valid results document.
    for f in $(find "$dir" -name '*.json'); do
        jq -e '.requests.lost == 0 and .complete == true' "$f" >/dev/null ||
            bad "$name: $(basename "$f") is not complete, valid results"
    done
done

if $full; then
    echo "results kept in $WORK"
fi
finish
