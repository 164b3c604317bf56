# Helpers for the MPI integration tests. ctest passes CLUSTERSIM (the
# binary) and MPIEXEC; each test script sources this file.
set -euo pipefail

: "${CLUSTERSIM:?CLUSTERSIM must name the clustersim binary}"
: "${MPIEXEC:=mpirun}"
: "${MPIEXEC_NUMPROC_FLAG:=-np}"
# Open MPI's own flags (-q: no notice of a non-zero exit, --oversubscribe:
# more ranks than cores) go to Open MPI's launcher only (cs_mpi_family).
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
MPIEXEC_OMPI=0
[ "$(cs_mpi_family "$MPIEXEC")" = openmpi ] && MPIEXEC_OMPI=1

# launcher NP [slots]: LAUNCH becomes the launcher and its flags for NP
# ranks (CMake's FindMPI: MPIEXEC, MPIEXEC_NUMPROC_FLAG, MPIEXEC_PREFLAGS);
# with "slots", no --oversubscribe (the caller declares the slots).
launcher() {
    LAUNCH=("$MPIEXEC" "$MPIEXEC_NUMPROC_FLAG" "$1")
    if [ "$MPIEXEC_OMPI" -eq 1 ]; then
        LAUNCH+=(-q)
        [ "$1" -gt "$(cs_cores)" ] && [ "${2:-}" != slots ] && LAUNCH+=(--oversubscribe)
    fi
    LAUNCH+=(${MPIEXEC_PREFLAGS:-})
}
# descendants PID: the processes under PID (a launcher's ranks, found by
# their parents, not by name: the tests beside this one run clustersim
# too).
descendants() { local c; for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done; }
# rank_pid LAUNCHER_PID RANK: that rank's process of this job, found among
# the launcher's descendants, by the rank its launcher gave it (Open MPI,
# MPICH).
# The environment is read by grep itself (-z: NUL-ended entries): it was
# piped from tr into grep -q, which under pipefail failed the look when
# grep had found the rank and left before tr's last write (SIGPIPE): a
# running rank went unfound now and then, under the sanitizers' longer
# environments. A look that finds none is tried again for 2 s, and then
# stderr lists what it saw.
rank_pid() {
    local p
    for _ in $(seq 20); do
        for p in $(descendants "$1"); do
            grep -qzxE "(OMPI_COMM_WORLD_RANK|PMI_RANK)=$2" "/proc/$p/environ" 2>/dev/null && echo "$p" && return
        done
        sleep 0.1
    done
    echo "rank_pid: no rank $2 among the processes under $1:$(for p in $(descendants "$1"); do
        printf ' %s (%s; %s)' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-60)" \
            "$(tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -E '^(OMPI_COMM_WORLD_RANK|PMI_RANK)=' | tr '\n' ' ')"
    done)" >&2
    return 0 # none: prints nothing (under set -e a failure here ended the test without a word)
}
# signal_when PID SIGNAL SECONDS COMMAND...: once COMMAND holds (looking
# every 50 ms, for 30 s at most), SECONDS later, SIGNAL to PID.
signal_when() {
    local pid=$1 sig=$2 after=$3
    shift 3
    for _ in $(seq 600); do
        "$@" >/dev/null 2>&1 && break
        sleep 0.05
    done
    sleep "$after"
    kill -"$sig" "$pid" 2>/dev/null || true
}
# term_rank0_when LAUNCHER_PID SECONDS COMMAND...: signal_when, with
# SIGTERM to the launch's rank 0 alone, as SLURM sends it to every task
# (Open MPI's mpirun passed one on up to a second late here); then the
# launch's end. (Rank 0 is found first: under load, looking for it took
# long enough to put the signal past the moment the caller chose.)
term_rank0_when() {
    local pid=$1 after=$2 rank0=""
    shift 2
    for _ in $(seq 600); do
        rank0=$(rank_pid "$pid" 0)
        [ -n "$rank0" ] && break
        sleep 0.05
    done
    signal_when "$rank0" TERM "$after" "$@"
    wait "$pid" || true
}
if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_odls_base_sigkill_timeout=0

# The host probe (tools/hostprobe.c): how late the host wakes a sleeper on
# each CPU, measured beside clustersim and not through it. It is the only
# evidence, with the steal in /proc/stat, on which a timed check may be
# excused (disturbed, below).
: "${HOSTPROBE:=$(dirname "$CLUSTERSIM")/tools/hostprobe}"
if [ ! -x "$HOSTPROBE" ]; then
    echo "FAIL: no host probe at $HOSTPROBE (tools/hostprobe, built with clustersim; or set HOSTPROBE)" >&2
    exit 1
fi
# CS_NO_TIMING=1 (scripts/sanitize.sh): the instrumented build's timings
# measure the instrumentation, so no timed check is judged, the runs are
# shorter (dur), and everything else is checked as usual.
NO_TIMING=${CS_NO_TIMING:-0}

TMP=$(mktemp -d /tmp/cs_mpitest.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# The count: ok, bad, finish (TIMED: timed checks judged or not judged;
# NOT_JUDGED: those that failed on a run the host disturbed; SKIPPED: left
# out in NO_TIMING mode).
source "$(dirname "${BASH_SOURCE[0]}")/../checks.sh"

# dur SECONDS: a run's length, a tenth of it (at least 1 s) when nothing
# is timed.
dur() { if [ "$NO_TIMING" = 1 ]; then awk -v s="$1" 'BEGIN { s /= 10; print (s < 1 ? 1 : s) }'; else echo "$1"; fi; }

# The host's steal and all CPU time so far, in ticks (/proc/stat; steal
# is time the hypervisor gave this VM's CPUs to someone else).
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9 + 0, t }' /proc/stat 2>/dev/null || echo "0 1"; }
# steal_since TICKS: the share of CPU time stolen since cpu_ticks gave TICKS.
steal_since() {
    awk -v b="$1" -v a="$(cpu_ticks)" 'BEGIN { split(b, x, " "); split(a, y, " ");
        d = y[2] - x[2]; printf "%.3f", (d > 0 ? (y[1] - x[1]) / d : 0) }'
}

# guarded CMD...: run one clustersim command (under a launcher or not)
# with a hang guard, the steal and the host probe measured around it.
# Sets RC and STEAL, leaves stdout in $TMP/out and stderr in $TMP/err,
# and keeps the evidence beside each --json FILE (FILE.steal,
# FILE.probe). Every run is checked: its exit status must be EXPECT_RC
# (0 unless the caller sets it, e.g. EXPECT_RC=2 cs ...), and no
# sanitizer may have spoken on its stderr. Both are failures here, once.
# A run that the evidence says the host disturbed (disturbed, below) is
# run once more, whatever its results: what the checks then judge is an
# undisturbed run where the host allows one. Not in NO_TIMING mode: there
# no timed check is judged, and an instrumented build on a busy host
# would run most of its runs twice. Nor with --resume: the run may have
# rewritten the file it resumed, and would not be the same run again.
guarded() {
    guarded_once "$@"
    local prev="" arg json="" resumes=0
    for arg in "$@"; do
        [ "$prev" = --json ] && json=$arg
        [ "$arg" = --resume ] && resumes=1
        prev=$arg
    done
    if [ "$NO_TIMING" != 1 ] && [ -n "$json" ] && [ "$resumes" -eq 0 ] && [ "${EXPECT_RC:-0}" -eq 0 ] && [ "$RC" -eq 0 ] &&
        disturbed "$json"; then
        echo "run again: $WHY" >&2
        guarded_once "$@"
    fi
}

guarded_once() {
    local before probe_pid prev="" arg
    for arg in "$@"; do # no evidence left from an earlier run
        [ "$prev" = --json ] && rm -f -- "$arg.steal" "$arg.probe"
        prev=$arg
    done
    rm -f "$TMP/probe"
    before=$(cpu_ticks)
    "$HOSTPROBE" "$TMP/probe" &
    probe_pid=$!
    set +e
    timeout -k 5 "${CS_TIMEOUT:-120}" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    RC=$?
    set -e
    # Open MPI's launcher (its libevent) now and then warns "[warn] Epoll
    # MOD(1) on fd N failed ... Bad file descriptor" when ranks end fast
    # with an error (open-mpi/ompi#2004 and #5520, closed as won't fix).
    # It is mpirun's line, not clustersim's: shown here, and kept out of
    # what the checks read.
    if grep -q '^\[warn\] Epoll ' "$TMP/out" "$TMP/err"; then
        echo "the launcher's own warning (not clustersim's): $(grep -h -m1 '^\[warn\] Epoll ' "$TMP/out" "$TMP/err")"
        sed -i '/^\[warn\] Epoll /d' "$TMP/out" "$TMP/err"
    fi
    STEAL=$(steal_since "$before")
    kill -TERM "$probe_pid" 2>/dev/null || true
    wait "$probe_pid" 2>/dev/null || true
    prev=""
    for arg in "$@"; do
        if [ "$prev" = --json ]; then
            { echo "$STEAL" >"$arg.steal"; cp "$TMP/probe" "$arg.probe"; } 2>/dev/null || true
        fi
        prev=$arg
    done
    rm -f "$TMP/probe"
    local cmd="${*: -$(( $# < 12 ? $# : 12 ))}"
    if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
        bad "HANG: $cmd did not finish in ${CS_TIMEOUT:-120} s"
    elif [ "$RC" -ne "${EXPECT_RC:-0}" ]; then
        bad "exit $RC, expected ${EXPECT_RC:-0}: $cmd: $(head -c 600 "$TMP/err")"
    fi
    if grep -qE 'Sanitizer|runtime error' "$TMP/err"; then
        bad "a sanitizer report: $cmd: $(grep -m3 -E 'Sanitizer|runtime error|#[0-9]' "$TMP/err")"
    fi
}

# cs NP [clustersim args...]: clustersim on NP ranks (guarded).
cs() {
    local np=$1
    shift
    launcher "$np"
    guarded "${LAUNCH[@]}" "$CLUSTERSIM" "$@"
}

# check FILE 'jq boolean expression' 'what it means'
check() {
    local file=$1 expr=$2 what=$3
    if jq -e "$expr" "$file" >/dev/null 2>&1; then
        ok "$what"
    else
        bad "$what: jq '$expr' is false; values: $(jq -c "${4:-.requests}" "$file" 2>&1 | head -c 400)"
    fi
}

# disturbed FILE...: true when the host shaped one of these runs, on
# evidence measured beside clustersim, never by it: the hypervisor stole
# over 2% of the CPU time during it (/proc/stat), or the host probe woke
# late (probe_late, tests/checks.sh). Sets WHY, and DISTURBED_RUN to the
# first of them the host disturbed.
disturbed() {
    local f s
    WHY=""
    for f in "$@"; do
        s=$(cat "$f.steal" 2>/dev/null || echo 0)
        if awk -v s="$s" 'BEGIN { exit !(s > 0.02) }'; then
            WHY="the host stole $(awk -v s="$s" 'BEGIN { printf "%.0f", 100 * s }')% of the CPU during ${f##*/}"
        elif probe_late "$f.probe"; then
            WHY="during ${f##*/} the host probe woke late ($(jq -c 'del(.cpus, .seconds)' "$f.probe"))"
        fi
        [ -n "$WHY" ] && DISTURBED_RUN=$f && return 0
    done
    return 1
}

# judged SOFT HARD FILES WHAT DETAIL: the verdict on one timed check, whose
# soft bound (SOFT, 0 or 1) only an undisturbed host can hold and whose
# hard bound (HARD) holds on any host. Past the hard bound it fails,
# always. Within it, a soft bound that failed on a run the host disturbed
# (disturbed, above) is reported and not judged: that run measured the
# host, not clustersim. The behaviour itself is held exactly in virtual
# time (tests/test_sim.c, tests/mpi/virtual.sh). In NO_TIMING mode
# nothing timed is judged.
judged() {
    local soft=$1 hard=$2 files=$3 what=$4 detail=$5
    if [ "$NO_TIMING" = 1 ]; then
        skipped_timed "$what"
        return
    fi
    TIMED=$((TIMED + 1))
    if [ "$hard" != 1 ]; then
        bad "$what, past its hard bound: $detail (the host: $(evidence $files))"
    elif [ "$soft" = 1 ]; then
        ok "$what"
    # shellcheck disable=SC2086
    elif disturbed $files; then
        not_judged "$DISTURBED_RUN" "$what ($detail): $WHY"
    else
        bad "$what: $detail (the host, undisturbed by the evidence: $(evidence $files))"
    fi
}

# skipped_timed WHAT: a timed check left out in NO_TIMING mode (a test
# may leave out the runs that only such checks read).
skipped_timed() {
    skipped "(no timing in this build) $1"
}

# evidence FILE...: the steal and the host probe beside each run, in a line.
evidence() {
    local f
    for f in "$@"; do
        printf '%s: steal %s, probe %s; ' "${f##*/}" "$(cat "$f.steal" 2>/dev/null || echo none)" \
            "$(jq -c 'del(.cpus, .seconds)' "$f.probe" 2>/dev/null || echo none)"
    done
}

# holds 'awk condition': 1 when it holds, else 0.
holds() { awk "BEGIN { exit !($1) }" && echo 1 || echo 0; }
# jholds FILE 'jq boolean expression': 1 when it holds, else 0.
jholds() { jq -e "$2" "$1" >/dev/null 2>&1 && echo 1 || echo 0; }

# timed_check FILE 'soft jq bound' 'hard jq bound' 'what it means' [shown]:
# a timing bound on one results file (see judged).
timed_check() {
    local file=$1 soft=$2 hard=$3 what=$4
    [ -n "$hard" ] || { bad "$what: a timed check without a hard bound"; return; }
    judged "$(jholds "$file" "$soft")" "$(jholds "$file" "$hard")" "$file" "$what" \
        "soft '$soft', hard '$hard'; values: $(jq -c "${5:-.requests}" "$file" 2>&1 | head -c 400)"
}

# timed FILES 'soft awk condition' 'hard awk condition' 'what' 'detail': a
# timing bound on numbers taken from several results files (see judged).
timed() {
    local files=$1 soft=$2 hard=$3 what=$4 detail=$5
    [ -n "$hard" ] || { bad "$what: a timed check without a hard bound"; return; }
    judged "$(holds "$soft")" "$(holds "$hard")" "$files" "$what" "soft $soft, hard $hard: $detail"
}

# theory_check TAG THEORY_FN TOL CAP WHAT NP ARGS...: a model's mean
# latency, three ways on one seed, in $TMP/TAG-virtual.json, $TMP/TAG.json
# (real ranks) and $TMP/TAG-calibrated.json. In virtual time (long, no
# noise) the mean must be within 3% of THEORY_FN's prediction. On NP real ranks the mean must
# be within TOL of the virtual run of the same scenario and seed with
# this machine's costs (a calibration by --calibrate on the same ranks),
# and never beyond CAP (a hard bound, see judged). THEORY_FN gets a
# results file and prints the prediction in us. ARGS must fix the seed,
# the rate and the run's length.
theory_check() {
    local tag=$1 theory_fn=$2 tol=$3 cap=$4 what=$5 np=$6 theory
    shift 6
    guarded "$CLUSTERSIM" --virtual --nodes $((np - 1)) -q "$@" --set load.duration_s=400 --json "$TMP/$tag-virtual.json"
    theory=$($theory_fn "$TMP/$tag-virtual.json")
    echo "$what: theory $theory us, virtual time $(jq .latency_us.mean "$TMP/$tag-virtual.json") us"
    check "$TMP/$tag-virtual.json" "(.latency_us.mean / $theory - 1) | fabs < 0.03" "$what: virtual time within 3% of theory" \
        '{latency_us, theory}'
    # One calibration of NP ranks per binary, kept beside it for the next
    # theory check (mm1 and policies share one: 5 s saved; scripts/test.sh
    # removes it before the suite).
    local calib
    calib=$(dirname "$CLUSTERSIM")/theory-calibration-$np.json
    if [ ! "$calib" -nt "$CLUSTERSIM" ] || ! jq -e .clustersim_calibration "$calib" >/dev/null 2>&1 ||
        { [ "$NO_TIMING" != 1 ] && disturbed "$calib"; }; then
        cs "$np" --calibrate --json "$calib"
    fi
    # The real run is judged on its own evidence; a calibration the host
    # disturbed (twice: cs runs it again once) is evidence too, else one
    # disturbed calibration would excuse every check that uses it.
    local evidence="$TMP/$tag.json"
    [ "$NO_TIMING" = 1 ] || ! disturbed "$calib" || evidence="$evidence $calib"
    cs "$np" -q "$@" --json "$TMP/$tag.json"
    check_valid "$TMP/$tag.json"
    # clustersim's own timers: on a host the probe saw run on time, no
    # rank of this light run wakes 20 ms late, nor later than 3 ms past
    # the probe's own worst lateness (a pause of the host that the probe
    # measured at 19.3 ms, just short of calling the run disturbed, woke
    # a rank 21.0 ms late in CI; a timer of clustersim's that oversleeps
    # 20 ms, tests/mutations/10, still fails it beside a quiet probe).
    local probe_ms
    probe_ms=$(jq '.max_ms // 0' "$TMP/$tag.json.probe" 2>/dev/null || echo 0)
    timed_check "$TMP/$tag.json" ".host_pauses.max_ms < ([20, $probe_ms + 3] | max)" '.host_pauses.max_ms < 1000' \
        "$what: no rank woke 20 ms late (or 3 ms past the host probe)" '.host_pauses'
    guarded "$CLUSTERSIM" --virtual --nodes $((np - 1)) -q --calibration "$calib" "$@" \
        --json "$TMP/$tag-calibrated.json"
    local real virt
    real=$(jq .latency_us.mean "$TMP/$tag.json") virt=$(jq .latency_us.mean "$TMP/$tag-calibrated.json")
    echo "$what: real ranks $real us, calibrated virtual time $virt us"
    timed "$evidence" "($real / $virt - 1) < $tol && ($real / $virt - 1) > -$tol" \
        "($real / $virt - 1) < $cap && ($real / $virt - 1) > -$cap" \
        "$what: real ranks within $tol of the calibrated virtual run" "real $real us, calibrated virtual $virt us"
}

# Conservation and shape, true of every results file.
check_valid() {
    local f=$1
    if ! jq -e . "$f" >/dev/null 2>&1; then
        bad "$f is not valid JSON"
        return
    fi
    check "$f" '.requests.generated == .requests.completed + .requests.rejected + .requests.timed_out + .requests.failed + .requests.lost' \
        "generated == completed + rejected + timed_out + failed + lost"
    # Unexpected replies are late answers from a node that was marked
    # down (its timed-out attempts were given up for good), and only then.
    check "$f" '.requests.lost == 0 and (.requests.unexpected_replies == 0 or any(.health_events[]?; .event == "down"))' \
        "nothing lost" '{requests, health_events}'
    # Listed node by node, or beyond 32 nodes as a summary (its mean).
    check "$f" '(if .nodes then ([.nodes[].completed] | add) else (.node_summary.completed.mean * .node_summary.nodes | round) end) == .requests.completed' \
        "node completions add up" '{requests, node_summary}'
    check "$f" '.complete == true' "marked complete"
}
