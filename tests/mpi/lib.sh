# Helpers for the MPI integration tests. ctest passes CLUSTERSIM (the
# binary) and MPIEXEC; each test script sources this file.
set -euo pipefail

: "${CLUSTERSIM:?CLUSTERSIM must name the clustersim binary}"
: "${MPIEXEC:=mpirun}"
: "${MPIEXEC_NUMPROC_FLAG:=-np}"
# Open MPI's own flags (-q: no notice of a non-zero exit, --oversubscribe:
# more ranks than cores) go to Open MPI's launcher only.
MPIEXEC_OMPI=0
[[ $("$MPIEXEC" --version 2>&1) == *"Open MPI"* || $("$MPIEXEC" --version 2>&1) == *OpenRTE* ]] && MPIEXEC_OMPI=1

# launcher NP [slots]: LAUNCH becomes the launcher and its flags for NP
# ranks (CMake's FindMPI: MPIEXEC, MPIEXEC_NUMPROC_FLAG, MPIEXEC_PREFLAGS);
# with "slots", no --oversubscribe (the caller declares the slots).
launcher() {
    LAUNCH=("$MPIEXEC" "$MPIEXEC_NUMPROC_FLAG" "$1")
    if [ "$MPIEXEC_OMPI" -eq 1 ]; then
        LAUNCH+=(-q)
        [ "$1" -gt "$(nproc)" ] && [ "${2:-}" != slots ] && LAUNCH+=(--oversubscribe)
    fi
    LAUNCH+=(${MPIEXEC_PREFLAGS:-})
}
if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_odls_base_sigkill_timeout=0

TMP=$(mktemp -d /tmp/cs_mpitest.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
PASSES=0

# The host's steal and all CPU time so far, in ticks (/proc/stat; steal
# is time the hypervisor gave this VM's CPUs to someone else).
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9 + 0, t }' /proc/stat 2>/dev/null || echo "0 1"; }
# steal_since TICKS: the share of CPU time stolen since cpu_ticks gave TICKS.
steal_since() {
    awk -v b="$1" -v a="$(cpu_ticks)" 'BEGIN { split(b, x, " "); split(a, y, " ");
        d = y[2] - x[2]; printf "%.3f", (d > 0 ? (y[1] - x[1]) / d : 0) }'
}

# cs NP [clustersim args...]: run under mpirun with a hang guard; sets RC
# and STEAL (the share of CPU time the host stole during the run), and
# leaves stdout in $TMP/out and stderr in $TMP/err.
cs() {
    local np=$1
    shift
    local before
    launcher "$np"
    before=$(cpu_ticks)
    set +e
    timeout -k 5 "${CS_TIMEOUT:-120}" "${LAUNCH[@]}" "$CLUSTERSIM" "$@" \
        >"$TMP/out" 2>"$TMP/err" </dev/null
    RC=$?
    set -e
    STEAL=$(steal_since "$before")
    local prev="" arg
    for arg in "$@"; do # remember the steal beside the results file, for timed_check
        if [ "$prev" = --json ]; then { echo "$STEAL" >"$arg.steal"; } 2>/dev/null || true; fi
        prev=$arg
    done
    if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
        echo "HANG: clustersim $* did not finish in ${CS_TIMEOUT:-120} s" >&2
    fi
}

# theory_check OUT THEORY_FN WHAT RUN...: run RUN... (which writes OUT)
# and compare OUT's mean latency with THEORY_FN OUT (us). A VM's host can
# take its CPUs away for milliseconds at a time (steal, in /proc/stat): on
# this project's 2-core VM, while the host was stealing time, M/M/3 and
# E_3/M/1 means landed 20-50% above theory, with the previous build and
# this one alike (one M/M/1 run at 5% steal: 17% above). Such a
# run says nothing about the model, so a run that lands outside the
# tolerance (10%) is run again, at most 3 times, and the tolerance widens
# to 25% for a run during which the host stole over 2% of the CPU time. A
# model error fails all three; a third run that the host disturbed is not
# judged (timed_check).
theory_check() {
    local out=$1 theory_fn=$2 what=$3 attempt theory tol
    shift 3
    for attempt in 1 2 3; do
        "$@"
        theory=$($theory_fn "$out")
        tol=$(awk -v s="$STEAL" 'BEGIN { print (s > 0.02 ? 0.25 : 0.10) }')
        echo "run $attempt: measured $(jq .latency_us.mean "$out") us, theory $theory us, host steal $STEAL, tolerance $tol"
        jq -e "(.latency_us.mean / $theory - 1) | fabs < $tol" "$out" >/dev/null && break
    done
    timed_check "$out" "(.latency_us.mean / $theory - 1) | fabs < $tol" "$what (run $attempt)" '{latency_us, queue_wait_us}'
}

ok() { PASSES=$((PASSES + 1)); echo "ok: $*"; }
bad() { FAILS=$((FAILS + 1)); echo "FAIL: $*" >&2; }

# check FILE 'jq boolean expression' 'what it means'
check() {
    local file=$1 expr=$2 what=$3
    if jq -e "$expr" "$file" >/dev/null 2>&1; then
        ok "$what"
    else
        bad "$what: jq '$expr' is false; values: $(jq -c "${4:-.requests}" "$file" 2>&1 | head -c 400)"
    fi
}

# disturbed FILE...: true when a host that was not this test's own load
# shaped one of these runs: the hypervisor stole over 2% of the CPU time
# during it (STEAL, kept beside the file by cs), it held a rank's timed
# wait 20 ms or more past its end (host_pauses: on this project's VMs a
# vCPU is sometimes not woken for 30-90 ms, with no steal to show for it,
# most often in the first 100 ms of a run), or clustersim's own verdict
# says the host's CPU and not the design limited it. Sets WHY.
disturbed() {
    local f s
    WHY=""
    for f in "$@"; do
        s=$(cat "$f.steal" 2>/dev/null || echo 0)
        if awk -v s="$s" 'BEGIN { exit !(s > 0.02) }'; then
            WHY="the host stole $(awk -v s="$s" 'BEGIN { printf "%.0f", 100 * s }')% of the CPU during ${f##*/}"
        elif jq -e '.host_pauses.max_ms >= 20' "$f" >/dev/null 2>&1; then
            WHY="${f##*/}: the host paused rank $(jq .host_pauses.rank "$f") for $(jq .host_pauses.max_ms "$f") ms"
        elif [ "$(jq -r .bottleneck "$f" 2>/dev/null)" = host_cpu ]; then
            WHY="${f##*/} says: $(jq -r .reason "$f")"
        elif jq -e 'any(.sweep[]?; .bottleneck == "host_cpu")' "$f" >/dev/null 2>&1; then
            WHY="${f##*/}: steps with the verdict host_cpu: $(jq -c '[.sweep[] | select(.bottleneck == "host_cpu") |
                {nodes, service_inflation, coordinator_per_request_us}]' "$f")"
        fi
        [ -n "$WHY" ] && return 0
    done
    return 1
}

# timed FILES WHAT DETAIL: a bound on timing that only an undisturbed host
# can hold failed. On a run the host disturbed (see disturbed) it is
# reported and not counted: that run measured the host, not clustersim.
# A VM's host taking its CPUs for milliseconds delays every wake-up (seen
# on this project's CI: service 25-34% longer than requested), and then a
# timing bound says nothing about the code. The behaviour itself is held
# exactly in virtual time (tests/test_sim.c, tests/mpi/virtual.sh).
timed() {
    local files=$1 what=$2 detail=$3
    # shellcheck disable=SC2086
    if disturbed $files; then
        echo "not judged: $what ($detail): $WHY"
    else
        bad "$what: $detail"
    fi
}

# timed_check FILE 'jq boolean expression' 'what it means' [shown]: check
# for a timing bound (see timed).
timed_check() {
    local file=$1 expr=$2 what=$3
    if jq -e "$expr" "$file" >/dev/null 2>&1; then
        ok "$what"
    else
        timed "$file" "$what" "jq '$expr' is false; values: $(jq -c "${4:-.requests}" "$file" 2>&1 | head -c 400)"
    fi
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
    check "$f" '([.nodes[].completed] | add) == .requests.completed' "node completions add up"
    check "$f" '.complete == true' "marked complete"
}

finish() {
    echo "$PASSES passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}
