#!/usr/bin/env bash
# The virtual-time engine on the command line: one process, no MPI; the
# same report and files; deterministic by seed; far more nodes than the
# machine has cores; sweeps; clear errors; and what happens under mpirun.
source "$(dirname "$0")/lib.sh"

# A run without mpirun, in virtual time: run once, never again for a
# disturbed host (guarded's rule), since its results do not depend on the
# host, and a run again would not be the same run when it rewrites its
# own input (--resume of a file in place: the second found it complete).
v() { guarded_once "$CLUSTERSIM" "$@"; }
short=(--set load.duration_s=2 --set load.warmup_s=0.5)

# Deterministic: the same scenario twice gives the same results, all but
# the run's start time and command line.
v --virtual --nodes 4 "${short[@]}" -q --json "$TMP/a.json"
v --virtual --nodes 4 "${short[@]}" -q --json "$TMP/b.json" --set name=default
if [ "$RC" -eq 0 ] && cmp -s <(jq -S 'del(.run)' "$TMP/a.json") <(jq -S 'del(.run)' "$TMP/b.json"); then
    ok "two virtual runs of one scenario give identical results"
else
    bad "virtual runs differ: $RC $(diff <(jq -S 'del(.run)' "$TMP/a.json") <(jq -S 'del(.run)' "$TMP/b.json") | head -5)"
fi
check_valid "$TMP/a.json"
# The live progress line, as on ranks: drawn where asked (--progress, or a
# terminal), the virtual time and the counts, and cleared at the end;
# nothing in a pipe; nothing with -q.
# (100 nodes: enough wake-ups for the engine to look at the clock)
v --virtual --nodes 100 "${short[@]}" --progress
[ "$RC" -eq 0 ] && grep -q " / 2.5 s  [a-z-]*  generated [0-9]*  completed [0-9]*" "$TMP/err" &&
    [ "$(tail -c 101 "$TMP/err")" = "$(printf '%100s\r' '')" ] &&
    grep -q "^offered load" "$TMP/out" && ok "--progress: a virtual run draws its progress line, cleared at the end" ||
    bad "virtual --progress: $RC $(head -c 300 "$TMP/err")"
v --virtual --nodes 100 "${short[@]}"
[ "$RC" -eq 0 ] && [ ! -s "$TMP/err" ] && ok "a virtual run in a pipe: no progress line" || bad "virtual, a pipe: $(head -c 300 "$TMP/err")"
if command -v script >/dev/null; then
    rc=0
    script -qec "timeout -k 5 60 $CLUSTERSIM --virtual --nodes 100 --set load.duration_s=2 --set load.warmup_s=0.5" \
        "$TMP/tty.out" >/dev/null 2>&1 </dev/null || rc=$?
    [ "$rc" -eq 0 ] && grep -q " / 2.5 s  [a-z-]*  generated" "$TMP/tty.out" && grep -q "^offered load" "$TMP/tty.out" &&
        ! grep -qE 'Sanitizer|runtime error' "$TMP/tty.out" &&
        ok "a virtual run at a terminal: the progress line, then the report" ||
        bad "virtual at a terminal: exit $rc: $(head -c 400 "$TMP/tty.out")"
else
    skipped "a virtual run at a terminal (no util-linux script here)"
fi
check "$TMP/a.json" '.mpi.library | test("virtual time")' "the results say virtual time" '.mpi.library'
check "$TMP/a.json" '.scenario.run.engine == "virtual" and .scenario.run.nodes == 4 and .mpi.service_nodes == 4' \
    "the scenario records the engine and the nodes" '.scenario.run'
v --virtual --nodes 4 "${short[@]}" --set load.seed=2 -q --json "$TMP/c.json"
check "$TMP/c.json" "(.latency_us.mean != $(jq '.latency_us.mean' "$TMP/a.json"))" "another seed, another sample" '.latency_us'

# Far beyond the hardware: 1000 nodes at 70% load, on 2 cores, in seconds.
start=$(date +%s.%N)
v --virtual --nodes 1000 --set load.duration_s=1 --set load.warmup_s=0.2 --json "$TMP/k.json"
secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
[ "$RC" -eq 0 ] && grep -q "virtual time" "$TMP/out" && ok "1000 virtual nodes run ($secs s here), the report says virtual time" ||
    bad "1000 nodes: $RC $(cat "$TMP/err")"
check_valid "$TMP/k.json"
check "$TMP/k.json" '(.throughput_rps / .offered_rps - 1) | fabs < 0.02' "throughput matches the 700 k req/s offered" \
    '{throughput_rps, offered_rps}'

# A sweep: the coordinator's knee, exact in virtual time (250 us a request,
# nodes of 1000 req/s: the knee at 4).
v --virtual --nodes 8 --sweep --set 'sweep.nodes=[1,2,3,4,6,8]' --set dispatch.cost_us=250 \
    "${short[@]}" -q --json "$TMP/s.json" --html "$TMP/s.html"
check "$TMP/s.json" '.analysis.knee_nodes == 4 and .analysis.knee_bottleneck == "coordinator"' \
    "a virtual sweep finds the coordinator's knee at 4 nodes" '.analysis'
xmllint --noout "$TMP/s.html" && ok "its HTML report is well formed" || bad "virtual sweep HTML"

# The levers in virtual time. A sweep of the dispatchers (20 us a request
# at each, nodes of 1000 req/s at 90%: k S / c = 50 k nodes) finds each
# knee at k S / c, where the dispatchers are the bottleneck.
v --virtual --nodes 400 --sweep --set 'sweep.dispatchers=[1,2,4]' --set 'sweep.nodes=[25,50,100,200,400]' \
    --set dispatch.cost_us=20 --set load.utilization=0.9 --set load.duration_s=0.1 --set load.warmup_s=0.05 -q \
    --json "$TMP/lev.json"
check "$TMP/lev.json" '[.levers.settings[].knee_nodes] == [50, 100, 200] and
    ([.levers.settings[].predicted_knee_nodes | . / 50 | round] == [1, 2, 4]) and
    (.sweep | map(select(.nodes == 400)) | map(.bottleneck)) == ["coordinator", "dispatchers", "dispatchers"]' \
    "a virtual sweep of 1, 2 and 4 dispatchers finds each knee at k S / c (50, 100, 200 nodes)" \
    '{settings: [.levers.settings[] | {value, knee_nodes, predicted_knee_nodes}]}'
# Four dispatchers on shared nodes with jiq: deterministic by seed too.
for i in 1 2; do
    v --virtual --nodes 12 --set dispatch.dispatchers=4 --set dispatch.policy=jiq --set load.utilization=0.9 \
        "${short[@]}" -q --json "$TMP/jiq$i.json"
done
check "$TMP/jiq1.json" "(.dispatchers | length) == 4 and .requests.lost == 0 and .coordinator.counters.idle_tokens > 0 and
    .latency_us == $(jq -c .latency_us "$TMP/jiq2.json")" "4 virtual dispatchers with jiq: nothing lost, the same twice" \
    '{dispatchers, requests, latency_us}'
# A relay tier: every request crosses a relay, which pays the dispatch
# work rank 0 no longer does.
v --virtual --nodes 8 --set dispatch.relays=2 --set dispatch.cost_us=100 "${short[@]}" -q --json "$TMP/rel.json"
check "$TMP/rel.json" '(.relays | length) == 2 and .requests.lost == 0 and .requests.completed > 0 and
    ([.relays[].counters.forwarded] | add) >= .requests.completed and ([.relays[].per_request_us] | min) > 99 and
    .coordinator.per_request_us < 1 and .relays[1].first_node_rank == 7' \
    "2 virtual relays: each pays the 100 us of dispatch work (as measured in the window), rank 0 none, nothing lost" \
    '{relays: [.relays[] | {rank, first_node_rank, per_request_us, counters}], coordinator, requests}'
# A reply that comes after its request timed out completes nothing,
# through a relay too: a node's completions are counted at rank 0, by the
# node each reply names (when each relay counted its own, these nodes
# showed 2854 completions against 1051 completed).
v --virtual --nodes 4 --set dispatch.relays=2 --set dispatch.timeout_ms=1 --set load.duration_s=1 -q \
    --json "$TMP/late.json"
check_valid "$TMP/late.json"
check "$TMP/late.json" '.requests.late_replies > 1000 and .requests.timed_out > 1000' \
    "2 virtual relays, a 1 ms timeout: many replies come late, and the nodes' completions still add up" '.requests'

EXPECT_RC=2 v --virtual --nodes 4 --sweep --set 'sweep.nodes=[1,8]' "${short[@]}"
[ "$RC" -eq 2 ] && grep -q "or give --nodes 8 in virtual time" "$TMP/err" &&
    ok "a sweep beyond --nodes: one line naming the node count it needs" || bad "sweep [1,8] on 4: $RC $(cat "$TMP/err")"

# A virtual sweep of 300 nodes (100 under the sanitizers) killed mid-way
# (kill -9 once its checkpoint holds 3 steps) and resumed from its
# checkpoint: every step is deterministic by seed, so the resumed results
# are those of an uninterrupted sweep, all but the run's metadata (which
# records the resumption).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# (100 nodes under the sanitizers, where each step is many times slower)
big=(--virtual --nodes "$([ "$NO_TIMING" = 1 ] && echo 100 || echo 300)" --sweep --calibration "$ROOT/docs/example/calibration.json")
v "${big[@]}" --json "$TMP/full.json" --csv "$TMP/full.csv"
"$CLUSTERSIM" "${big[@]}" --json "$TMP/cut.json" --csv "$TMP/cut.csv" >/dev/null 2>&1 &
cut=$!
for _ in $(seq 300); do
    jq -e '.sweep | length >= 3' "$TMP/cut.json" >/dev/null 2>&1 && break
    sleep 0.02
done
kill -9 "$cut" 2>/dev/null || true
wait "$cut" 2>/dev/null || true
steps=$(jq '.sweep | length' "$TMP/full.json")
# like_full NAME WHAT: NAME.json (all but the run's metadata) and NAME.csv
# are those of the sweep that ran through.
like_full() {
    cmp -s <(jq -S 'del(.run, .version)' "$TMP/full.json") <(jq -S 'del(.run, .version)' "$TMP/$1.json") &&
        cmp -s "$TMP/full.csv" "$TMP/$1.csv" && ok "$2: the same JSON and CSV as one that ran through" ||
        bad "$2: differs: $(diff <(jq -S 'del(.run, .version)' "$TMP/full.json") \
            <(jq -S 'del(.run, .version)' "$TMP/$1.json") | head -c 400)"
}
if jq -e --argjson steps "$steps" '.complete == false and (.sweep | length) >= 3 and (.sweep | length) < $steps' \
    "$TMP/cut.json" >/dev/null; then
    kept=$(jq '.sweep | length' "$TMP/cut.json")
    cp "$TMP/cut.json" "$TMP/partial.json"
    v "${big[@]}" --json "$TMP/cut.json" --csv "$TMP/cut.csv" --resume "$TMP/cut.json"
    like_full cut "a virtual sweep killed after $kept of $steps steps and resumed"
    check "$TMP/cut.json" ".run.resumed_steps == $kept and (.run.resumed_from | endswith(\"cut.json\"))" \
        "the resumed file records its resumption" '.run'
    grep -q "(kept from .*cut.json)" "$TMP/err" && ok "the kept steps say so on the progress lines" ||
        bad "kept steps: $(head -c 300 "$TMP/err")"
    # Bad resume files: one line naming the file and what is wrong, exit 2,
    # nothing written over.
    echo '{"version":' >"$TMP/torn.json"
    jq '.version = "0.0.1"' "$TMP/partial.json" >"$TMP/old.json"
    for bad_case in "torn.json|invalid JSON" "old.json|written by clustersim 0.0.1" \
        "partial.json --set load.seed=9|its 'load.seed' is 1, this one's is 9" "a.json|not the results of a sweep"; do
        file=${bad_case%%|*} want=${bad_case#*|}
        cp "$TMP/partial.json" "$TMP/out.json"
        # shellcheck disable=SC2086 # file carries its own extra flags
        EXPECT_RC=2 v "${big[@]}" --json "$TMP/out.json" --resume "$TMP/"$file
        [ "$RC" -eq 2 ] && [ "$(grep -c . "$TMP/err")" -eq 1 ] && grep -qF "$want" "$TMP/err" &&
            cmp -s "$TMP/out.json" "$TMP/partial.json" && ok "--resume $file: one line ($want), exit 2, nothing overwritten" ||
            bad "--resume $file: $RC $(cat "$TMP/err")"
    done
    # (its --json elsewhere a copy of the complete results, not left
    # unwritten with exit 0; the files made from a run said not written)
    v "${big[@]}" --json "$TMP/again.json" --csv "$TMP/again.csv" --resume "$TMP/full.json"
    cmp -s "$TMP/again.json" "$TMP/full.json" && [ ! -e "$TMP/again.csv" ] &&
        grep -q "complete already: nothing to run" "$TMP/err" &&
        grep -q "^clustersim: --csv '.*again.csv' not written: nothing ran" "$TMP/err" &&
        ok "--resume of a complete sweep: nothing to run, its --json a copy, --csv said not written, exit 0" ||
        bad "--resume complete: $(cat "$TMP/err")"
else
    bad "the virtual sweep was not cut mid-way: $(jq -c '{complete, n: (.sweep | length)}' "$TMP/cut.json" 2>&1)"
fi

# A stop signal (Ctrl-C, a time limit): a virtual run stops in virtual
# time, drains, and writes its results marked incomplete, every request
# accounted for, and exits 0 at once; a sweep stops in the step under way,
# and --resume goes on from its finished steps to the results of a sweep
# that ran through. (The signal comes once the process catches it: its
# SigCgt in /proc holds SIGTERM.)
catching() { local m; m=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status") && [ -n "$m" ] && ((16#$m & 0x4000)); }
# (no warm-up: under the sanitizers half a second of wall time is not
# past a 0.1 s warm-up, and a run stopped there measured no window)
"$CLUSTERSIM" --virtual --nodes 1000 --set load.duration_s=100000 --set load.warmup_s=0 -q --json "$TMP/int.json" \
    >/dev/null 2>"$TMP/err" &
pid=$!
# (the hang guard: a background job of a script starts with SIGINT
# ignored, so a Ctrl-C that came before clustersim caught it is lost)
(sleep 120 && kill -9 "$pid") >/dev/null 2>&1 </dev/null &
guard=$!
signal_when "$pid" INT 0.5 catching "$pid"
rc=0
wait "$pid" || rc=$?
pkill -P "$guard" sleep 2>/dev/null || true
check "$TMP/int.json" '.complete == false and .duration_s > 0 and .duration_s < 100000 and .requests.lost == 0 and
    (.ended | test("^stopped by a signal [0-9.]+ s into the 100000 s measured window$")) and
    .requests.generated == .requests.completed + .requests.rejected + .requests.timed_out + .requests.failed and
    .requests.completed > 0' "Ctrl-C in a virtual run: its results, marked incomplete, every request accounted for" \
    '{complete, ended, duration_s, requests}'
[ "$rc" -eq 0 ] && grep -q "signal 2 stopped the run in virtual time" "$TMP/err" &&
    ok "Ctrl-C in a virtual run: exit 0, and stderr says so" || bad "Ctrl-C in a virtual run: exit $rc: $(cat "$TMP/err")"
"$CLUSTERSIM" "${big[@]}" --json "$TMP/term.json" --csv "$TMP/term.csv" >/dev/null 2>"$TMP/err" &
pid=$!
signal_when "$pid" TERM 0 jq -e '.sweep | length >= 2' "$TMP/term.json"
rc=0
wait "$pid" || rc=$?
if [ "$rc" -eq 0 ] && jq -e --argjson steps "$steps" '.complete == false and .sweep_finished < $steps and
    [.sweep[].step] == [range(1; (.sweep | length) + 1)]' "$TMP/term.json" >/dev/null 2>&1 &&
    grep -q "signal 15 stopped the sweep in virtual time" "$TMP/err"; then
    kept=$(jq .sweep_finished "$TMP/term.json")
    v "${big[@]}" --json "$TMP/term.json" --csv "$TMP/term.csv" --resume "$TMP/term.json"
    like_full term "SIGTERM in a virtual sweep stopped it with $kept of $steps steps finished; resumed"
else
    bad "SIGTERM in a virtual sweep: exit $rc, $(jq -c '{complete, ended, sweep_finished, s: [.sweep[]?.step]}' \
        "$TMP/term.json" 2>&1); $(tail -3 "$TMP/err")"
fi

# The resume files of the fuzz corpus (a 3-step sweep on 4 virtual
# nodes, cut after 2; the same complete; the same broken in one way each):
# the good ones resume, or find nothing to do, or (no rows) run from the
# start; every bad one is refused with one line and exit 2.
version=$("$CLUSTERSIM" --version | awk '{ print $2 }')
small=(--virtual --nodes 4 --sweep --set load.duration_s=0.2 --set load.warmup_s=0.05 -q)
for f in "$ROOT"/tests/fuzz/corpus/resume/*.json; do
    name=$(basename "$f")
    want=2
    case $name in partial.json | complete.json | no-rows.json) want=0 ;; esac
    # this build's version (but in the file that is about the version)
    [ "$name" = other-version.json ] || jq --arg v "$version" '.version = $v' "$f" >"$TMP/$name"
    [ "$name" != other-version.json ] || cp "$f" "$TMP/$name"
    EXPECT_RC=$want v "${small[@]}" --json "$TMP/r.json" --resume "$TMP/$name"
    if [ "$RC" -eq "$want" ] && { [ "$want" -eq 0 ] || [ "$(grep -c . "$TMP/err")" -eq 1 ]; }; then
        ok "--resume $name: exit $RC $(head -c 120 "$TMP/err")"
    else
        bad "--resume $name: exit $RC, expected $want: $(cat "$TMP/err")"
    fi
done

# Files and the time series.
v --virtual --nodes 3 "${short[@]}" -q --timeseries "$TMP/ts.csv" --percentiles "$TMP/p.hgrm"
[ "$RC" -eq 0 ] && [ "$(grep -c . "$TMP/ts.csv")" -ge 6 ] && grep -q 'Total count' "$TMP/p.hgrm" &&
    ok "a virtual run writes its time series and percentiles" || bad "virtual files: $RC $(cat "$TMP/err")"

# Beyond 32 nodes the report and the JSON summarise the nodes; --all-nodes
# lists each, and the summary agrees with the list (nearest-rank p50).
v --virtual --nodes 40 --set load.duration_s=0.2 --set load.warmup_s=0.05 --json "$TMP/s40.json"
grep -q "^service nodes      40 (--all-nodes lists each)" "$TMP/out" && grep -q "^  hottest          rank [0-9]* " "$TMP/out" &&
    ok "40 nodes: the report summarises them" || bad "no summary in the report: $(head -c 600 "$TMP/out")"
check "$TMP/s40.json" '.nodes == null and .mpi.rank_hosts == null and .node_summary.nodes == 40 and
    .node_summary.all_listed == false and (.node_summary.hottest | length) == 5 and (.node_summary.coldest | length) == 5 and
    ([.node_summary.hottest[].rank, .node_summary.coldest[].rank] | unique | length) == 10 and
    all(.node_summary.hottest[].rank, .node_summary.coldest[].rank; . >= 1 and . <= 40)' \
    "40 nodes: the JSON summarises them" '.node_summary'
v --virtual --nodes 40 --set load.duration_s=0.2 --set load.warmup_s=0.05 -q --all-nodes --json "$TMP/a40.json"
check "$TMP/a40.json" '(.nodes | length) == 40 and .node_summary.all_listed and
    ([.nodes[].utilization] | sort) as $u | .node_summary.utilization.min == $u[0] and
    .node_summary.utilization.p50 == $u[19] and .node_summary.utilization.max == $u[39] and
    .node_summary.completed.p90 == ([.nodes[].completed] | sort)[35]' \
    "--all-nodes lists all 40, and the summary agrees with them" '.node_summary'
[ -s "$TMP/s40.json" ] && [ -s "$TMP/a40.json" ] &&
    cmp -s <(jq -S 'del(.nodes, .mpi, .run, .node_summary.all_listed)' "$TMP/s40.json") \
    <(jq -S 'del(.nodes, .mpi, .run, .node_summary.all_listed)' "$TMP/a40.json") &&
    ok "--all-nodes changes only what is listed" || bad "--all-nodes changed results"

# A sweep under a launcher: the ranks share its steps (both run some), and
# the rows, the analysis and the last step's results are the ones a single
# process writes (each step is deterministic by seed). How much sooner it
# ends is a timing: scripts/bench.sh --virtual measures it.
lever=(--virtual --nodes 400 --sweep --set 'sweep.dispatchers=[1,2,4]' --set 'sweep.nodes=[50,100,200,400]'
    --set dispatch.cost_us=20 --set load.duration_s=0.1 --set load.warmup_s=0.05)
v "${lever[@]}" -q --json "$TMP/lever1.json" --csv "$TMP/lever1.csv"
cs 2 "${lever[@]}" --json "$TMP/lever2.json" --csv "$TMP/lever2.csv"
cmp -s "$TMP/lever1.csv" "$TMP/lever2.csv" &&
    cmp -s <(jq -S 'del(.run)' "$TMP/lever1.json") <(jq -S 'del(.run)' "$TMP/lever2.json") &&
    ok "a virtual sweep on 2 ranks writes the rows and results of one process" ||
    bad "spread sweep differs: $(diff <(jq -S 'del(.run)' "$TMP/lever1.json") <(jq -S 'del(.run)' "$TMP/lever2.json") | head -5)"
[ "$(grep -c '^  step .* (rank 0)$' "$TMP/err")" -ge 1 ] && [ "$(grep -c '^  step .* (rank 1)$' "$TMP/err")" -ge 1 ] &&
    [ "$(grep -c '^  step ' "$TMP/err")" -eq 12 ] && ok "both ranks ran steps, each step once" ||
    bad "steps by rank: $(grep '^  step' "$TMP/err" | head -12)"
# More ranks than steps: those left without one wait (napping) and end
# with the others; the rows are one process's.
few=(--virtual --nodes 100 --sweep --set 'sweep.nodes=[50,100]' --set load.duration_s=0.05 --set load.warmup_s=0.01)
v "${few[@]}" -q --csv "$TMP/few1.csv" --json "$TMP/few1.json"
cs 4 "${few[@]}" --csv "$TMP/few4.csv"
cmp -s "$TMP/few1.csv" "$TMP/few4.csv" && [ "$(grep -c '^  step ' "$TMP/err")" -eq 2 ] &&
    ok "a 2-step virtual sweep on 4 ranks: each step once, the rows of one process" ||
    bad "2 steps on 4 ranks: $(grep '^  step' "$TMP/err") $(diff "$TMP/few1.csv" "$TMP/few4.csv" | head -4)"
# A sweep's file with no step finished (one stopped in its first steps)
# resumes from the start, as the job scripts resume any sweep's file.
jq '.complete = false | .ended = "stopped by a signal before any of its 2 steps finished" | .sweep = [] |
    .sweep_finished = 0' "$TMP/few1.json" >"$TMP/few0.json"
v "${few[@]}" -q --csv "$TMP/few0.csv" --resume "$TMP/few0.json"
cmp -s "$TMP/few1.csv" "$TMP/few0.csv" && grep -q "^clustersim: --resume '.*few0.json': nothing in it to keep: the sweep runs from its start$" "$TMP/err" &&
    ok "--resume of a sweep with no step finished runs it from its start, and says so" ||
    bad "--resume of a file with no step finished: $RC $(cat "$TMP/err") $(diff "$TMP/few1.csv" "$TMP/few0.csv" | head -4)"
# A shared sweep killed (kill -9, the launcher and every rank) once its
# checkpoint holds 3 steps, and resumed on 2 ranks: rank 0 writes the
# results files again as each step's output comes in, from any rank in any
# order (the rows: the steps finished, each with its step), and the
# resumed results are those of a sweep that ran through.
# (Steps of about one size, so that 3 are done well before the end: about
# 0.2 s each, and 1 s under the sanitizers with a third of the window.)
shared=(--virtual --nodes 390 --sweep --set 'sweep.nodes=[300,310,320,330,340,350,360,370,380,390]'
    --set load.duration_s="$([ "$NO_TIMING" = 1 ] && echo 1 || echo 3)" --set load.warmup_s=0.1 -q)
cs 2 "${shared[@]}" --json "$TMP/sh-full.json" --csv "$TMP/sh-full.csv"
launcher 2
"${LAUNCH[@]}" "$CLUSTERSIM" "${shared[@]}" --json "$TMP/sh.json" --csv "$TMP/sh.csv" >/dev/null 2>&1 &
job=$!
for _ in $(seq 1500); do
    jq -e '.sweep_finished >= 3' "$TMP/sh.json" >/dev/null 2>&1 && break
    sleep 0.02
done
# shellcheck disable=SC2046 # one pid a word
kill -9 $(descendants "$job") "$job" 2>/dev/null || true
wait "$job" 2>/dev/null || true
if jq -e '.complete == false and (.ended | startswith("running: ")) and .sweep_finished == (.sweep | length) and
    (.sweep | length) >= 3 and (.sweep | length) < 10 and all(.sweep[]; .nodes == 290 + 10 * .step)' "$TMP/sh.json" >/dev/null; then
    ok "a shared sweep killed mid-way left a checkpoint of its finished steps: $(jq -c '[.sweep[].step]' "$TMP/sh.json")"
    # Its CSV names the same steps in its step column (the 19th), each
    # row's nodes those of its step, and why the file is not whole in its
    # last. Rank 0 writes the CSV, then the JSON: a kill -9 that lands
    # between the two leaves the JSON one step behind (the JSON is the
    # checkpoint --resume reads: it runs that step again), so the JSON may
    # lack one of the CSV's.
    csv_steps="[$(awk -F, 'NR > 1 { printf "%s%s", sep, $19; sep = "," }' "$TMP/sh.csv")]"
    jq -e --argjson c "$csv_steps" '[.sweep[].step] as $j | $c == $j or
        (($j | length) + 1 == ($c | length) and ($c - $j | length) == 1 and $j == ($j | sort))' "$TMP/sh.json" >/dev/null &&
        awk -F, 'NR == 1 { ok = $19 == "step" && $20 == "ended" } NR > 1 && ($1 != 290 + 10 * $19 || $20 !~ /^"running: /) { ok = 0 }
            END { exit !ok }' "$TMP/sh.csv" &&
        ok "its CSV has the same steps (or all but the one written last), in its step column: $csv_steps" ||
        bad "the checkpoint's CSV: $(cat "$TMP/sh.csv")"
    cs 2 "${shared[@]}" --json "$TMP/sh.json" --csv "$TMP/sh.csv" --resume "$TMP/sh.json"
    cmp -s <(jq -S 'del(.run)' "$TMP/sh-full.json") <(jq -S 'del(.run)' "$TMP/sh.json") &&
        cmp -s "$TMP/sh-full.csv" "$TMP/sh.csv" &&
        ok "resumed on 2 ranks: the JSON and CSV of a shared sweep that ran through" ||
        bad "resumed shared sweep differs: $(diff <(jq -S 'del(.run)' "$TMP/sh-full.json") \
            <(jq -S 'del(.run)' "$TMP/sh.json") | head -c 400)"
else
    bad "no checkpoint of a shared sweep cut mid-way: $(jq -c '{complete, ended, sweep_finished, s: [.sweep[]?.step]}' \
        "$TMP/sh.json" 2>&1)"
fi
# A shared sweep stopped by a Ctrl-C (SIGINT to the launcher, which
# relays a SIGTERM to every rank, here about a second later) once a step
# is in: the steps under way are cut short in virtual time and no step
# starts after them; the ranks wait until rank 0 has written the steps
# finished (before, the launch died at once, saying nothing), and
# --resume runs the rest (the same file as a checkpoint, above). With
# mpirun's own odls_base_sigkill_timeout (1 s, where these tests set 0),
# as a user has it. (Steps of about a second each.)
stopped=(--virtual --nodes 390 --sweep --set 'sweep.nodes=[300,310,320,330,340,350,360,370,380,390]'
    --set load.duration_s=20 --set load.warmup_s=0.1)
env -u OMPI_MCA_odls_base_sigkill_timeout "${LAUNCH[@]}" "$CLUSTERSIM" "${stopped[@]}" --json "$TMP/st.json" \
    --csv "$TMP/st.csv" >/dev/null 2>"$TMP/st.err" &
job=$!
for _ in $(seq 1500); do
    jq -e '.sweep_finished >= 1' "$TMP/st.json" >/dev/null 2>&1 && break
    sleep 0.02
done
kill -INT "$job" 2>/dev/null || true
for _ in $(seq 300); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$job" 2>/dev/null; then
    # shellcheck disable=SC2046 # one pid a word
    kill -9 $(descendants "$job") "$job" 2>/dev/null || true
    bad "HANG: a shared sweep still running 30 s after a Ctrl-C"
fi
wait "$job" 2>/dev/null || true
if grep -qE 'Sanitizer|runtime error' "$TMP/st.err"; then
    bad "a sanitizer report from the stopped shared sweep: $(grep -m3 -E 'Sanitizer|runtime error|#[0-9]' "$TMP/st.err")"
fi
if jq -e '.complete == false and .sweep_finished == (.sweep | length) and (.sweep | length) < 10 and
    (.ended | test("^stopped by a signal with [0-9]+ of 10 steps finished and [12] cut short: --resume runs the rest$")) and
    all(.sweep[]; .nodes == 290 + 10 * .step)' "$TMP/st.json" >/dev/null &&
    [ "$(($(wc -l <"$TMP/st.csv") - 1))" = "$(jq '.sweep | length' "$TMP/st.json")" ] &&
    grep -q "^clustersim: signal 15 stopped the sweep in virtual time, [0-9]* of its 10 steps finished" "$TMP/st.err" &&
    grep -q "^  step [0-9]*/10: [0-9]* nodes, stopped by a signal .* (rank [01]): --resume runs it again$" "$TMP/st.err"; then
    ok "a Ctrl-C to a shared sweep: the steps under way cut short, the finished ones written: $(jq -c '[.sweep[].step]' "$TMP/st.json")"
else
    bad "a Ctrl-C to a shared sweep: $(jq -c '{complete, ended, sweep_finished, s: [.sweep[]?.step]}' "$TMP/st.json" 2>&1) $(tail -c 600 "$TMP/st.err")"
fi
# A mistake is said once, by rank 0, and every rank exits 2.
EXPECT_RC=2 cs 2 "${lever[@]}" --set 'sweep.nodes=[50,100,800]'
[ "$RC" -eq 2 ] && [ "$(grep -c '^clustersim: ' "$TMP/err")" -eq 1 ] && ok "a bad spread sweep: one line, exit 2" ||
    bad "bad spread sweep: $RC $(cat "$TMP/err")"

# Clear errors, exit 2.
EXPECT_RC=2 v --virtual "${short[@]}"
[ "$RC" -eq 2 ] && grep -q "scenario key 'run.nodes': 0: the virtual engine needs at least 1 service node: give --nodes N" "$TMP/err" &&
    ok "no node count: one line, exit 2" || bad "no --nodes: $RC $(cat "$TMP/err")"
# A per-node list names every node: its length is the count.
v --virtual --set 'nodes.speed=[1,2,0.5]' "${short[@]}" -q --json "$TMP/listed.json"
check "$TMP/listed.json" '.scenario.run.nodes == 3 and .mpi.service_nodes == 3 and (.nodes | length) == 3' \
    "no --nodes, nodes.speed a list of 3: a run of 3 nodes" '.scenario.run.nodes, .mpi.service_nodes'
EXPECT_RC=2 v --virtual --nodes many
[ "$RC" -eq 2 ] && grep -q "'run.nodes'" "$TMP/err" && ok "a bad node count names run.nodes" || bad "--nodes many: $RC $(cat "$TMP/err")"
EXPECT_RC=2 v --virtual --nodes 1000001
[ "$RC" -eq 2 ] && grep -q "'run.nodes': value 1000001 is out of range (must be >= 0 and <= 1000000)" "$TMP/err" &&
    ok "over a million nodes: refused with one line" || bad "--nodes 1000001: $RC $(cat "$TMP/err")"
# A run larger than the memory at hand (here 10^10 requests a second of
# 1 s each, billions out at once: windows that hold them) is refused
# before it allocates.
EXPECT_RC=2 v --virtual --nodes 1000000 --set load.rate_rps=1e10 --set service.time.mean_us=1000000 \
    --set dispatch.window=1000000
[ "$RC" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
    grep -q "a virtual run of 1000000 service nodes at 1e+10 req/s needs about [0-9.]* GiB, and the memory this machine has available is" "$TMP/err" &&
    ok "a run too large for memory: one line with what it needs, exit 2" || bad "too large: $RC $(cat "$TMP/err")"
# Under an address-space limit (ulimit -v 1 GB): many servers a node
# (1024 at 100,000 nodes: about 4.5 GB) are refused before they allocate,
# naming the key; a run that passes the estimate and then runs out (64
# dispatchers at 300,000 nodes) ends with one line, never a crash (it
# freed a dispatcher's arrays twice: a segmentation fault). Not under
# AddressSanitizer (NO_TIMING: scripts/sanitize.sh), which reserves more
# address space than any such limit.
if [ "$NO_TIMING" != 1 ]; then
    rc=0
    (ulimit -v 1000000 && exec "$CLUSTERSIM" --virtual --nodes 100000 --set service.servers=1024 \
        --set dispatch.window=1024 --set load.rate_rps=10 --set load.duration_s=0.1 --set load.warmup_s=0 -q) \
        >"$TMP/out" 2>"$TMP/err" || rc=$?
    [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
        grep -q "a virtual run of 100000 service nodes .* needs about [0-9.]* GiB, and the address-space limit (ulimit -v) is 1.0 GiB: .*'service.servers'" "$TMP/err" &&
        ok "1024 servers a node beyond ulimit -v: refused before the run, naming service.servers" ||
        bad "servers beyond ulimit -v: exit $rc: $(cat "$TMP/err")"
    rc=0
    (ulimit -v 1000000 && exec "$CLUSTERSIM" --virtual --nodes 300000 --set dispatch.dispatchers=64 \
        --set load.rate_rps=10 --set load.duration_s=0.1 --set load.warmup_s=0 -q) >"$TMP/out" 2>"$TMP/err" || rc=$?
    { [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]; } && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^clustersim: " "$TMP/err" &&
        ok "out of memory while the dispatchers are set up: one line, exit $rc" ||
        bad "out of memory at set-up: exit $rc: $(cat "$TMP/err")"
    # A time series that memory cannot hold (5 million rows of 1 ms) is
    # not written with rows missing (it was a header alone, exit 0).
    rc=0
    (ulimit -v 600000 && exec "$CLUSTERSIM" --virtual --nodes 2 -q --set load.rate_rps=1 --set load.duration_s=5000 \
        --set load.warmup_s=0 --set run.interval_ms=1 --timeseries "$TMP/big.csv") >"$TMP/out" 2>"$TMP/err" || rc=$?
    [ "$rc" -eq 1 ] && [ ! -e "$TMP/big.csv" ] &&
        grep -q "^clustersim: --timeseries '.*big.csv': out of memory: rows of the series were lost, and it is not written$" "$TMP/err" &&
        ok "a time series too large for memory: not written, said, exit 1" || bad "series out of memory: exit $rc: $(cat "$TMP/err")"
fi
# A fault past the measured window (a scenario run shorter to try it)
# acts at most in the drain: said in one line, and the run goes ahead.
v --virtual --nodes 3 -q --set load.duration_s=0.2 --set load.warmup_s=0 \
    --set 'faults=[{"rank":2,"at_s":0.1,"kind":"slow","factor":2},{"rank":3,"at_s":5,"kind":"stop"}]'
[ "$RC" -eq 0 ] && [ "$(cat "$TMP/err")" = "clustersim: note: 'faults[1]' at 5 s comes after the measured window, which \
ends at 0.2 s (load.warmup_s + load.duration_s): at most in the drain, on the requests still open then" ] &&
    ok "a fault past the measured window: said, the run goes ahead" ||
    bad "a fault past the end: exit $RC: $(cat "$TMP/err")"
EXPECT_RC=2 v --virtual --nodes 0
[ "$RC" -eq 2 ] && grep -q "scenario key 'run.nodes': 0: the virtual engine needs at least 1 service node" "$TMP/err" &&
    ok "zero nodes: refused, naming the key and the value" ||
    bad "--nodes 0: $RC $(cat "$TMP/err")"
EXPECT_RC=2 v --virtual --nodes 2 --calibrate
[ "$RC" -eq 2 ] && grep -q "does not run in virtual time" "$TMP/err" && ok "--calibrate refuses virtual time" ||
    bad "--calibrate --virtual: $RC $(cat "$TMP/err")"
v --nodes 4 --set run.engine=virtual "${short[@]}" -q --json "$TMP/d.json"
cmp -s <(jq -S 'del(.run)' "$TMP/a.json") <(jq -S 'del(.run)' "$TMP/d.json") &&
    ok "run.engine in the scenario does what --virtual does" || bad "run.engine=virtual: $RC $(cat "$TMP/err")"

# --nodes on ranks that disagree: one line naming the key, exit 2; when it
# agrees, the run goes ahead.
EXPECT_RC=2 cs 3 --nodes 5 "${short[@]}"
[ "$RC" -eq 2 ] && [ "$(grep -c . "$TMP/err")" -eq 1 ] &&
    grep -q "'run.nodes': 5 service nodes asked for, but this MPI run has 2" "$TMP/err" &&
    ok "--nodes that disagrees with the ranks: one line, exit 2" || bad "--nodes 5 on 3 ranks: $RC $(cat "$TMP/err")"
cs 3 --nodes 2 "${short[@]}" -q
[ "$RC" -eq 0 ] && ok "--nodes that agrees with the ranks: the run goes ahead" || bad "--nodes 2 on 3 ranks: $RC"

# Modelled costs: a calibration of this machine, written by --calibrate
# --json and loaded by a virtual run, which then pays them (the latency
# shows in every request: 2 x network.latency_us more than a free run).
cs 3 --calibrate --json "$TMP/calib.json"
[ "$RC" -eq 0 ] && grep -q "coordinator's own cost per request" "$TMP/out" &&
    grep -q "a node's overhead per request" "$TMP/out" && grep -q "knee for this scenario" "$TMP/out" &&
    [ "$(jq '.clustersim_calibration' "$TMP/calib.json")" = 1 ] &&
    ok "--calibrate measures, predicts the knee and writes a calibration file" ||
    bad "--calibrate --json: $RC $(cat "$TMP/out" "$TMP/err")"
check "$TMP/calib.json" '.network.latency_us > 0 and .model.coordinator_request_us > 0 and .model.node_overhead_us >= 0' \
    "it holds the measured latency and costs" '{network, model}'
v --virtual --nodes 3 "${short[@]}" -q --calibration "$TMP/calib.json" --json "$TMP/m.json"
lat=$(jq '.network.latency_us' "$TMP/calib.json")
check "$TMP/m.json" ".scenario.network.latency_us == $lat and .scenario.model == $(jq -c .model "$TMP/calib.json")" \
    "a virtual run takes the calibration's costs into its scenario" '{network: .scenario.network, model: .scenario.model}'
v --virtual --nodes 3 "${short[@]}" -q --json "$TMP/n0.json"
v --virtual --nodes 3 "${short[@]}" -q --set network.latency_us=500 --json "$TMP/n.json"
check "$TMP/n.json" "(.latency_us.mean - $(jq '.latency_us.mean' "$TMP/n0.json")) | . > 990 and . < 1010" \
    "500 us of network latency each way adds 1 ms to every request" '.latency_us'
v --virtual --nodes 3 "${short[@]}" -q --calibration "$TMP/calib.json" --set network.latency_us=7 --json "$TMP/o.json"
check "$TMP/o.json" '.scenario.network.latency_us == 7' "--set after --calibration wins" '.scenario.network'
for bad_file in missing malformed format negative; do
    case $bad_file in
    missing) f=$TMP/none.json want="calibration file" ;;
    malformed) f=$TMP/bad1.json want="line"; printf '{"clustersim_calibration": 1,' >"$f" ;;
    format) f=$TMP/bad2.json want="calibration format 7"; echo '{"clustersim_calibration": 7, "version": "9"}' >"$f" ;;
    negative) f=$TMP/bad3.json want="'model.node_overhead_us' must be a number"
        jq '.model.node_overhead_us = -3' "$TMP/calib.json" >"$f" ;;
    esac
    EXPECT_RC=2 v --virtual --nodes 3 "${short[@]}" --calibration "$f"
    [ "$RC" -eq 2 ] && [ "$(grep -c . "$TMP/err")" -eq 1 ] && grep -q -- "--calibration: .*$want" "$TMP/err" &&
        ok "a $bad_file calibration file: one line, exit 2" || bad "--calibration $bad_file: $RC $(cat "$TMP/err")"
done
EXPECT_RC=2 cs 3 "${short[@]}" --calibration "$TMP/calib.json"
[ "$RC" -eq 2 ] && [ "$(grep -c . "$TMP/err")" -eq 1 ] &&
    grep -q "'network.latency_us': .* models a cost in virtual time" "$TMP/err" &&
    ok "modelled costs on ranks: one line naming the key, exit 2" || bad "--calibration on ranks: $RC $(cat "$TMP/err")"
EXPECT_RC=2 v --virtual --nodes 3 --set model.node_overhead_us=-1
[ "$RC" -eq 2 ] && grep -q "'model.node_overhead_us'" "$TMP/err" && ok "a negative modelled cost names its key" ||
    bad "negative overhead: $RC $(cat "$TMP/err")"

# Where the results go: a directory, or two flags naming one file, are
# refused before the run (one line, exit 2); a device or a pipe is written
# straight (a rename would put a file in its place: --json /dev/null as
# root replaced /dev/null); a symbolic link, through to its file.
mkdir -p "$TMP/outdir"
EXPECT_RC=2 v --virtual --nodes 2 "${short[@]}" -q --json "$TMP/outdir"
[ "$RC" -eq 2 ] && grep -q "^clustersim: --json '.*outdir': it is a directory: name a file in it$" "$TMP/err" &&
    ok "--json naming a directory: refused before the run" || bad "--json DIR: exit $RC: $(cat "$TMP/err")"
EXPECT_RC=2 v --virtual --nodes 2 "${short[@]}" -q --json "$TMP/one.out" --csv "$TMP/./one.out"
[ "$RC" -eq 2 ] && grep -q "^clustersim: --json '.*one.out' and --csv '.*one.out' name one file" "$TMP/err" &&
    ok "--json and --csv naming one file: refused before the run" || bad "one file twice: exit $RC: $(cat "$TMP/err")"
# ... nor one the run reads: the scenario, the trace (they were written
# over with the results, exit 0).
echo '{"load": {"duration_s": 0.2, "warmup_s": 0}}' >"$TMP/in.json"
cp "$TMP/in.json" "$TMP/in.kept"
EXPECT_RC=2 v --virtual --nodes 2 -q --config "$TMP/in.json" --json "$TMP/./in.json"
[ "$RC" -eq 2 ] && grep -q "^clustersim: --json '.*in.json' names the file --config reads ('.*in.json'): the results would replace it$" "$TMP/err" &&
    cmp -s "$TMP/in.json" "$TMP/in.kept" && ok "--json naming the --config file: refused, the scenario kept" ||
    bad "--json over --config: exit $RC: $(cat "$TMP/err")"
printf '0.01\n0.02\n' >"$TMP/in.csv"
EXPECT_RC=2 v --virtual --nodes 2 -q --set load.warmup_s=0 --set load.duration_s=0.2 --set load.arrival=trace \
    --set load.trace="$TMP/in.csv" --csv "$TMP/in.csv"
[ "$RC" -eq 2 ] && grep -q "^clustersim: --csv '.*in.csv' names the file the scenario key 'load.trace' reads" "$TMP/err" &&
    [ "$(cat "$TMP/in.csv")" = "$(printf '0.01\n0.02')" ] && ok "--csv naming the trace: refused, the trace kept" ||
    bad "--csv over the trace: exit $RC: $(cat "$TMP/err")"
# (A sweep, whose checkpoints skip a pipe: its reader would take the first
# for the whole, and the next would wait for a reader for ever.)
mkfifo "$TMP/pipe"
timeout 30 cat "$TMP/pipe" >"$TMP/piped.json" & # (ends when the run closes the pipe)
reader=$!
dev=()
if mknod "$TMP/null" c 1 3 2>/dev/null; then dev=(--csv "$TMP/null"); else skipped "--csv to a device (mknod: root only)"; fi
ln -s "target.json" "$TMP/link.json"
v --virtual --nodes 4 --sweep --set 'sweep.nodes=[1,2,4]' --set load.duration_s=0.2 --set load.warmup_s=0.05 -q \
    --json "$TMP/pipe" --html "$TMP/link.json" "${dev[@]}"
wait "$reader" || true
[ "$RC" -eq 0 ] && [ -p "$TMP/pipe" ] && jq -s -e 'length == 1 and .[0].complete and .[0].sweep_finished == 3' \
    "$TMP/piped.json" >/dev/null 2>&1 && { [ ${#dev[@]} -eq 0 ] || [ -c "$TMP/null" ]; } && [ -L "$TMP/link.json" ] &&
    grep -q '<html' "$TMP/target.json" &&
    ok "a pipe and a device written straight, once, still there; a symbolic link written through${dev[*]:+ (and a device)}" ||
    bad "pipe, device, link: exit $RC: $(cat "$TMP/err"); $(ls -la "$TMP/pipe" "$TMP/null" "$TMP/link.json" 2>&1)"
# /dev/stdout sent to a file by the shell: appended to, not replaced.
echo "a log line" >"$TMP/log.txt"
"$CLUSTERSIM" --virtual --nodes 2 "${short[@]}" -q --json /dev/stdout >>"$TMP/log.txt" 2>"$TMP/err" &&
    [ "$(head -1 "$TMP/log.txt")" = "a log line" ] && tail -n +2 "$TMP/log.txt" | jq -e .complete >/dev/null &&
    ok "--json /dev/stdout into a log: the JSON after the log's lines, the log kept" ||
    bad "--json /dev/stdout >> log: $(head -c 300 "$TMP/log.txt") $(cat "$TMP/err")"

# A reader of the report that is gone (Ctrl-C reaches `| tee` too, and
# `| head` leaves early): the run still writes its results file, exit 0.
"$CLUSTERSIM" --virtual --nodes 2 "${short[@]}" --json "$TMP/gone.json" 2>"$TMP/err" | true
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && jq -e .complete "$TMP/gone.json" >/dev/null 2>&1 &&
    ok "the report's reader gone: results written, exit 0" || bad "report into a closed pipe: exit $rc: $(cat "$TMP/err")"

# A closed loop that goes round at one instant for ever (clients that ask
# again at once when turned away, by a node or by the dispatcher's full
# queue, 10,512 holding, or served in no time): virtual time stands
# still, and the run says so in one line, exit 2, no file left, in
# seconds (the dispatcher's 256 arrivals a turn counted as one turn, the
# 20,000 clients ran for minutes).
for loop in "--set nodes.queue_capacity=1 --set load.clients=20" "--set load.clients=20000" \
    "--set service.time.mean_us=0 --set load.clients=1"; do
    rm -f "$TMP/still.json" "$TMP/still.csv"
    # shellcheck disable=SC2086 # the loop's arguments, a word each
    CS_TIMEOUT=30 EXPECT_RC=2 v --virtual --nodes 4 "${short[@]}" -q --set load.arrival=closed $loop --json "$TMP/still.json" \
        --timeseries "$TMP/still.csv"
    [ "$RC" -eq 2 ] && [ "$(grep -c . "$TMP/err")" -eq 1 ] && grep -q "virtual time stood still: .*load.think_us" "$TMP/err" &&
        [ ! -e "$TMP/still.json" ] && [ ! -e "$TMP/still.csv" ] &&
        ok "a closed loop at one instant for ever ($loop): one line, exit 2, no file" ||
        bad "a closed loop at one instant ($loop): exit $RC: $(cat "$TMP/err"); $(ls "$TMP"/still.* 2>&1)"
done
# A sweep whose steps the ranks share, each step such a loop: one line
# from rank 0 for the steps that failed, no step handed out after the
# first failed (2 ranks, the sweep's 3 steps: 2 under way, the third
# never run), exit 2, no file.
rm -f "$TMP/still.json"
EXPECT_RC=2 cs 2 --virtual --nodes 4 --sweep "${short[@]}" -q --set load.arrival=closed --set nodes.queue_capacity=1 \
    --set load.clients=20 --json "$TMP/still.json"
[ "$RC" -eq 2 ] && [ "$(grep -c . "$TMP/err")" -eq 1 ] &&
    grep -qE "^clustersim: step [1-5] of the sweep failed \(on rank [01]; 1 more under way beside it failed too\): virtual time stood still" "$TMP/err" &&
    [ ! -e "$TMP/still.json" ] && ok "a shared sweep whose steps stand still: one line, no step after the failed, exit 2, no file" ||
    bad "a shared sweep whose steps stand still: exit $RC: $(cat "$TMP/err"); $(ls "$TMP"/still.* 2>&1)"
# ... and the files that were there before stay as they were (a time
# series was emptied at the start and removed: a virtual run writes it
# whole at its end, as the other files).
echo "an earlier series" >"$TMP/still.csv"
echo '{"earlier": true}' >"$TMP/still.json"
EXPECT_RC=2 v --virtual --nodes 4 "${short[@]}" -q --set load.arrival=closed --set service.time.mean_us=0 \
    --set load.clients=1 --json "$TMP/still.json" --timeseries "$TMP/still.csv"
[ "$RC" -eq 2 ] && [ "$(cat "$TMP/still.csv")" = "an earlier series" ] && jq -e .earlier "$TMP/still.json" >/dev/null &&
    ok "a stuck run leaves the results and time series that were there" ||
    bad "a stuck run and the files there: exit $RC: $(head -c 200 "$TMP/still.csv" "$TMP/still.json")"
# ... and its time series on a device is left there.
if [ -c "$TMP/null" ]; then
    EXPECT_RC=2 v --virtual --nodes 4 "${short[@]}" -q --set load.arrival=closed --set service.time.mean_us=0 \
        --set load.clients=1 --timeseries "$TMP/null"
    [ "$RC" -eq 2 ] && [ -c "$TMP/null" ] && ok "a stuck run's --timeseries on a device: the device stays" ||
        bad "a stuck run's --timeseries on a device: exit $RC, $(ls -la "$TMP/null" 2>&1)"
fi

# Under mpirun with several ranks: rank 0 runs it once and says so.
cs 3 --virtual --nodes 2 "${short[@]}"
[ "$RC" -eq 0 ] && [ "$(grep -c '^throughput' "$TMP/out")" -eq 1 ] &&
    [ "$(grep -c 'other 2 ranks of this launch have nothing to do' "$TMP/err")" -eq 1 ] &&
    ok "under mpirun: one report, and a note that the other ranks are idle" || bad "mpirun --virtual: $RC $(cat "$TMP/err")"
finish
