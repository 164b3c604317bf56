#!/usr/bin/env bash
# Mutation testing, by hand (not in CI): proof that the test suite can fail.
# For each mutation in tests/mutations/LIST.md (all, or those named):
# in one scratch clone of the repository's HEAD, reset to HEAD and apply
# NN-*.patch, build (incrementally: the clone's build trees stay), run the
# suite there (scripts/test.sh, or scripts/sanitize.sh for
# a mutation whose LIST row says sanitize.sh) with ctest's
# --stop-on-failure, and see which tests failed. The final table says
# CAUGHT or MISSED for each. Exit status 1 when any mutation was MISSED
# (or a run could not be judged), 0 when every one was caught.
#
#   tests/mutations/run.sh [--quick] [--load] [--baseline] [--keep] [NN...]
#   tests/mutations/run.sh --list      # the mutations as run.sh reads LIST.md
#
#   --quick     run only each mutation's expected catchers (LIST.md,
#               column 4) instead of the whole suite
#   --load      beside each suite run, a loop of `make -j2 --clean-first`
#               building a copy of the tree in another build folder
#   --baseline  first run the unmutated HEAD the same way (it must pass,
#               or CAUGHT means little)
#   --keep      keep the scratch clone (with its build trees)
#
# Only HEAD is tested: commit first. Logs go to $CS_MUT_LOGS, or a new
# folder in /tmp (printed). Each mutation takes at most a full suite run
# (about 10 min plain, 15 under the sanitizers, on 2 cores; ctest's
# --stop-on-failure ends it at the first failure), --quick a minute or two.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$HERE" rev-parse --show-toplevel)
LIST=$HERE/LIST.md

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

quick=false load=false keep=false baseline=false list=false
ids=()
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=true ;;
        --load) load=true ;;
        --keep) keep=true ;;
        --baseline) baseline=true ;;
        --list) list=true ;;
        -h | --help)
            usage
            exit 0
            ;;
        -*)
            echo "run.sh: unknown option $1" >&2
            usage >&2
            exit 2
            ;;
        *) ids+=("$1") ;;
    esac
    shift
done

die() {
    echo "run.sh: $*" >&2
    exit 2
}
say() { printf '==> %s\n' "$*" >&2; }

# ---- LIST.md: one row per mutation, "| NN | file | fault | catchers | suite | measured |"

list_ids() { awk -F'|' '/^\| *[0-9][0-9] *\|/ { gsub(/ /, "", $2); print $2 }' "$LIST"; }
list_field() { # NN COLUMN
    awk -F'|' -v id="$1" -v col="$2" '/^\| *[0-9][0-9] *\|/ { x = $2; gsub(/ /, "", x); if (x == id) print $col }' "$LIST"
}
# The expected catchers of NN, one ctest name (or pattern with *) a line.
# shellcheck disable=SC2016 # backticks, not an expansion
catchers() { list_field "$1" 5 | grep -oE '`[^`]+`' | tr -d '`' || true; }
suite_of() {
    if list_field "$1" 6 | grep -q sanitize; then echo sanitize.sh; else echo test.sh; fi
}
patch_of() {
    local found=("$HERE/$1"-*.patch)
    if [ ${#found[@]} -ne 1 ] || [ ! -f "${found[0]}" ]; then
        die "mutation $1: expected one $HERE/$1-*.patch, found: ${found[*]}"
    fi
    echo "${found[0]}"
}

[ -f "$LIST" ] || die "no $LIST"
all_ids=()
while IFS= read -r id; do all_ids+=("$id"); done < <(list_ids)
[ ${#all_ids[@]} -gt 0 ] || die "no mutation rows in $LIST"

# The mutations asked for: numbers (1, 01) or patch names (01-name.patch).
selected=()
if [ ${#ids[@]} -eq 0 ]; then
    selected=("${all_ids[@]}")
else
    for a in "${ids[@]}"; do
        a=${a##*/}
        n=${a%%[!0-9]*}
        [ -n "$n" ] || die "not a mutation number: $a"
        n=$(printf '%02d' "$((10#$n))")
        printf '%s\n' "${all_ids[@]}" | grep -qx "$n" || die "mutation $n is not in $LIST"
        selected+=("$n")
    done
fi

if $list; then
    for id in "${selected[@]}"; do
        printf '%s  %-11s  %-45s  %s\n' "$id" "$(suite_of "$id")" "$(basename "$(patch_of "$id")")" \
            "$(catchers "$id" | paste -sd, -)"
    done
    exit 0
fi

# ---- preflight: tools, ctest's --stop-on-failure, every patch applies to HEAD

command -v git >/dev/null || die "git is needed"
command -v ctest >/dev/null || die "ctest is needed (cmake)"
STOP=(--stop-on-failure)
ctest_help=$(ctest --help 2>/dev/null || true) # not piped into grep -q: pipefail and SIGPIPE
if ! grep -q -- '--stop-on-failure' <<<"$ctest_help"; then
    say "ctest $(ctest --version | head -1) has no --stop-on-failure (CMake >= 3.18): each suite runs to the end"
    STOP=()
fi
if $load; then
    command -v setsid >/dev/null || die "--load needs setsid (util-linux)"
fi
head_rev=$(git -C "$ROOT" rev-parse --short HEAD)
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!tests/mutations')" ]; then
    say "uncommitted changes in $ROOT are not tested: the clones hold HEAD ($head_rev) only"
fi

LOGDIR=${CS_MUT_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/cs-mutations.XXXXXX")}
mkdir -p "$LOGDIR"
say "logs in $LOGDIR"

CURRENT_SCRATCH="" LOAD_PID=""
stop_load() {
    [ -n "$LOAD_PID" ] || return 0
    # setsid made the loop a process group leader: end it with its makes.
    kill -TERM -- "-$LOAD_PID" 2>/dev/null || kill -TERM "$LOAD_PID" 2>/dev/null || true
    wait "$LOAD_PID" 2>/dev/null || true
    LOAD_PID=""
}
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
    stop_load
    if [ -n "$CURRENT_SCRATCH" ] && ! $keep; then
        rm -rf "$CURRENT_SCRATCH"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check=$(mktemp -d "${TMPDIR:-/tmp}/cs-mutation-check.XXXXXX")
CURRENT_SCRATCH=$check
git clone -q "$ROOT" "$check"
bad_patches=()
for id in "${selected[@]}"; do
    p=$(patch_of "$id")
    git -C "$check" apply --check "$p" 2>"$LOGDIR/$id-apply.log" || bad_patches+=("$id: $(head -3 "$LOGDIR/$id-apply.log" | tr '\n' ' ')")
done
rm -rf "$check"
CURRENT_SCRATCH=""
if [ ${#bad_patches[@]} -gt 0 ]; then
    echo "run.sh: these patches do not apply to HEAD ($head_rev):" >&2
    printf '  %s\n' "${bad_patches[@]}" >&2
    exit 2
fi

# ---- one run: clone, patch, build, suite, verdict

# The tests a suite log says failed, one a line: the progress lines
# ("12/39 Test #20: mpi_errors ....***Failed  18.78 sec") and the summary
# ("The following tests FAILED:" then "	 20 - mpi_errors (Failed)").
failed_tests() {
    awk '
        /The following tests FAILED:/ { inlist = 1; next }
        inlist && /^[[:space:]]*[0-9]+ - / {
            s = $0; sub(/^[[:space:]]*[0-9]+ - /, "", s); sub(/ \(.*$/, "", s); print s; next
        }
        inlist { inlist = 0 }
        / Test +#[0-9]+: / && /\*\*\*(Failed|Timeout|Exception|Not Run)/ {
            s = $0; sub(/^.* Test +#[0-9]+: /, "", s); sub(/[[:space:]].*$/, "", s); print s
        }' "$1" | sort -u
}

# --quick: a ctest -R matching exactly the given names (* a wildcard).
select_regex() {
    local names=() n
    for n in "$@"; do names+=("${n//\*/.*}"); done
    local IFS='|'
    echo "^(${names[*]})\$"
}

RESULTS=() # "id|suite|expected|failed|verdict|log"

# run_one ID PATCH SUITE CATCHER...: PATCH "" for the unmutated HEAD.
run_one() {
    local id=$1 patch=$2 suite=$3
    shift 3
    local expected=("$@")
    local name=HEAD
    [ -z "$patch" ] || name=$(basename "$patch" .patch)
    local scratch=$SCRATCH build_dir build_flags=()
    git -C "$scratch" reset -q --hard
    if [ -n "$patch" ] && ! git -C "$scratch" apply "$patch"; then
        echo "run.sh: FATAL: $patch does not apply to a clone of HEAD ($head_rev)" >&2
        exit 2
    fi
    if [ "$suite" = sanitize.sh ]; then
        build_dir=build-asan
        build_flags=(-DCS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) # as scripts/sanitize.sh
    else
        build_dir=build
    fi
    local blog=$LOGDIR/$id-build.log slog=$LOGDIR/$id-suite.log
    local sel=() shown="whole suite"
    if $quick && [ ${#expected[@]} -gt 0 ]; then
        sel=(-R "$(select_regex "${expected[@]}")")
        shown="${sel[*]}"
    fi
    say "$id $name: $suite ($shown) in $scratch"
    say "$id build log: $blog"

    local failed="" verdict rc=0 t0=$SECONDS
    # The build first, as the suite's own script builds (scripts/lib.sh), so
    # that a mutation that does not compile is told apart from a failing test.
    # shellcheck disable=SC2016 # expanded by the inner bash
    (cd "$scratch" && env -u CS_BUILD bash -c \
        'source scripts/lib.sh && CS_BUILD=$CS_ROOT/'"$build_dir"' cs_build "$@"' _ "${build_flags[@]}") \
        >"$blog" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        if grep -qE 'error:|Error [0-9]+' "$blog"; then
            failed=build verdict=CAUGHT
        else
            failed="(no build: see $blog)" verdict=ERROR
        fi
        slog=$blog
    else
        say "$id suite log: $slog"
        if $load; then
            # shellcheck disable=SC2016 # expanded by the inner bash
            setsid bash -c 'cmake -S "$1" -B "$2" >/dev/null 2>&1 || exit 1
                            while :; do cmake --build "$2" -j2 --clean-first >/dev/null 2>&1 || sleep 1; done' \
                _ "$scratch" "$scratch/build-load" </dev/null >/dev/null 2>&1 &
            LOAD_PID=$!
            say "$id load: make -j2 loop in $scratch/build-load (pid $LOAD_PID)"
        fi
        rc=0
        (cd "$scratch" && env -u CS_BUILD "scripts/$suite" ${STOP[@]+"${STOP[@]}"} ${sel[@]+"${sel[@]}"}) \
            >"$slog" 2>&1 || rc=$?
        stop_load
        failed=$(failed_tests "$slog" | paste -sd, -)
        if [ -n "$failed" ]; then
            verdict=CAUGHT
        elif [ "$rc" -eq 0 ] && grep -qE '^[0-9]+% tests passed' "$slog"; then
            verdict=MISSED
        else
            failed="(suite exited $rc, no failed test named: see log)" verdict=ERROR
        fi
    fi
    if [ -z "$patch" ]; then # the baseline: it should pass
        case $verdict in
            MISSED) verdict=PASS ;;
            CAUGHT) verdict=FAIL ;;
        esac
    fi
    local exp_shown="-"
    [ ${#expected[@]} -eq 0 ] || exp_shown=$(printf '%s\n' "${expected[@]}" | paste -sd, -)
    # Did an expected catcher fail? (a mark, not the verdict)
    if [ "$verdict" = CAUGHT ] && [ ${#expected[@]} -gt 0 ] && [ "$failed" != build ]; then
        printf '%s\n' "${failed//,/$'\n'}" | grep -qE "$(select_regex "${expected[@]}")" ||
            verdict="CAUGHT (not by an expected catcher)"
    fi
    say "$id $name: $verdict in $((SECONDS - t0)) s; failed: ${failed:-none}"
    RESULTS+=("$id $name|$suite|$exp_shown|${failed:--}|$verdict|$slog")

}

# One scratch clone for every run (reset to HEAD before each patch), so
# that each build is an incremental one.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/cs-mutants.XXXXXX")
CURRENT_SCRATCH=$SCRATCH
git clone -q "$ROOT" "$SCRATCH"
$keep && say "scratch clone kept: $SCRATCH"

if $baseline; then
    # The clean HEAD through each suite the selected mutations use, the
    # same way (with --quick: the union of their catchers).
    for suite in test.sh sanitize.sh; do
        names=()
        for id in "${selected[@]}"; do
            [ "$(suite_of "$id")" = "$suite" ] || continue
            while IFS= read -r c; do [ -z "$c" ] || names+=("$c"); done < <(catchers "$id")
        done
        uses=false
        for id in "${selected[@]}"; do [ "$(suite_of "$id")" = "$suite" ] && uses=true; done
        $uses || continue
        if $quick; then
            mapfile -t names < <(printf '%s\n' ${names[@]+"${names[@]}"} | sort -u)
            run_one "00-${suite%.sh}" "" "$suite" ${names[@]+"${names[@]}"}
        else
            run_one "00-${suite%.sh}" "" "$suite"
        fi
    done
fi

for id in "${selected[@]}"; do
    mapfile -t expected < <(catchers "$id")
    run_one "$id" "$(patch_of "$id")" "$(suite_of "$id")" ${expected[@]+"${expected[@]}"}
done

# ---- the table

summary=$LOGDIR/summary.md
{
    echo "HEAD $head_rev, $(date -u '+%Y-%m-%d %H:%M UTC')$($quick && echo ', --quick')$($load && echo ', --load')"
    echo
    echo "| mutation | suite | expected catcher | failed | verdict | log |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for r in "${RESULTS[@]}"; do
        IFS='|' read -r m s e f v l <<<"$r"
        echo "| $m | $s | $e | $f | $v | $l |"
    done
} >"$summary"
echo
cat "$summary"
echo
echo "table in $summary; logs in $LOGDIR"

status=0
for r in "${RESULTS[@]}"; do
    IFS='|' read -r _ _ _ _ v _ <<<"$r"
    # (caught by a test not expected to catch it: perhaps a flaky one that
    # failed first, under --stop-on-failure; not a proof that the
    # expected catchers hold)
    case $v in
        MISSED | ERROR | FAIL | "CAUGHT (not by an expected catcher)") status=1 ;;
    esac
done
exit "$status"
