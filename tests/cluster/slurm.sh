#!/usr/bin/env bash
# The job scripts under a real SLURM (tests/cluster/slurm_lib.sh), the
# part that runs alone (RUN_SERIAL): each job's exit status and results;
# the scaling sweep, whose knee is a timing result; a lab's job, whose
# self-check judges its runs; and stops: asked of the batch shell, a
# plain scancel, and a job killed at its time limit, each of which must
# still leave valid, incomplete results; the array over every scenario;
# and a virtual sweep killed outright and submitted again. A sweep job on
# ranks killed and resumed, which leaves the CPUs idle and times nothing,
# is slurm_jobs.sh's, beside the other tests.
source "$(dirname "$0")/slurm_lib.sh" || exit 1

sbatch_wait "$ROOT/jobs/run.sbatch" --config "$ROOT/jobs/scenarios/mm1.json" "${short[@]}" >/dev/null &&
    ok "run.sbatch exits 0" || bad "run.sbatch failed: $(cat clustersim-*.out)"
f=$(ls "$CS_RESULTS"/mm1-*.json 2>/dev/null | head -1)
valid "${f:-/nonexistent}" "run.sbatch"
grep -q "^launcher: srun --mpi=pmix" clustersim-*.out && ok "run.sbatch chose srun --mpi=pmix and said so" ||
    bad "launcher line: $(grep launcher clustersim-*.out)"
# The launcher chosen by hand (CS_LAUNCHER): mpirun inside the
# allocation, and a choice that is neither said in one line, exit 2.
if id=$(CS_LAUNCHER=mpirun CS_RUN_ID=by-mpirun sbatch_wait "$ROOT/jobs/run.sbatch" \
    --config "$ROOT/jobs/scenarios/mm1.json" "${short[@]}") && grep -q "^launcher: mpirun" "clustersim-$id.out"; then
    valid "$CS_RESULTS/mm1-by-mpirun.json" "CS_LAUNCHER=mpirun: run.sbatch under mpirun"
else
    bad "CS_LAUNCHER=mpirun: $(cat "clustersim-${id:-none}.out" 2>&1 | tail -5)"
fi
rc=0
out=$(CS_LAUNCHER=ssh bash -c "source '$ROOT/jobs/lib.sh' && cs_job_run mm1 --config '$ROOT/jobs/scenarios/mm1.json'" 2>&1) ||
    rc=$?
[ "$rc" -eq 2 ] && [ "$out" = "clustersim: CS_LAUNCHER is 'ssh': it is srun or mpirun" ] &&
    ok "CS_LAUNCHER=ssh: one line, exit 2, nothing run" || bad "CS_LAUNCHER=ssh: exit $rc: $out"

# The host probe (tools/hostprobe) beside the sweep: the only evidence on
# which its knee, a timing result, may go unjudged.
"$(dirname "$CLUSTERSIM")/tools/hostprobe" "$WORK/probe.json" &
probe=$!
sbatch_wait "$ROOT/jobs/scaling.sbatch" --config "$ROOT/jobs/scenarios/coordinator-knee.json" "${short[@]}" \
    --set sweep.nodes='[1,2,4,8]' >/dev/null && ok "scaling.sbatch exits 0" ||
    bad "scaling.sbatch failed: $(cat clustersim-scaling-*.out)"
kill -TERM "$probe" && wait "$probe" || bad "the host probe failed"
f=$(ls "$CS_RESULTS"/scaling-*.json 2>/dev/null | head -1)
valid "${f:-/nonexistent}" "scaling.sbatch"
# The knee is a timing result: when the host probe woke late (the VM's
# host did not run a CPU: probe_late, tests/checks.sh), a knee elsewhere
# than at 4 nodes is not judged; a sweep that does not span the
# allocation always fails.
TIMED=$((TIMED + 1))
if jq -e '[.sweep[].nodes] == [1,2,4,8] and .analysis.knee_nodes == 4' "${f:-/nonexistent}" >/dev/null 2>&1; then
    ok "scaling.sbatch: the sweep spans the allocation and finds the knee"
elif jq -e '[.sweep[].nodes] == [1,2,4,8]' "${f:-/nonexistent}" >/dev/null 2>&1 &&
    probe_late "$WORK/probe.json"; then
    not_judged scaling.sbatch "the knee ($(jq -c .analysis.knee_nodes "$f")): the host probe woke late: $(cat "$WORK/probe.json")"
else
    bad "scaling sweep: $(jq -c .analysis "$f" 2>&1) (host probe: $(cat "$WORK/probe.json" 2>/dev/null))"
fi
# The CSV beside that JSON: a header and a row per step.
lines=$(grep -c . "${f%.json}.csv" 2>/dev/null || true)
[ "${lines:-0}" -eq 5 ] && ok "scaling.sbatch wrote its CSV beside the JSON" ||
    bad "no scaling CSV beside ${f:-the JSON}: $(ls "$CS_RESULTS" 2>&1)"



# The time limit: the warning (here 55 s before a 1-minute limit, not the
# scripts' 60 s, which would come at once; slurmctld looks about every
# 30 s) or the limit's own SIGTERM reaches the job 5 to 90 s after the
# start (slurmctld looks at the job's time limits every 30 s from its own
# start, so here at about 30 s into the test). Submitted after the one
# timed job (beside it, even at 200 requests a second, it slowed the
# sweep's coordinator 10% once: a knee at 2 nodes); the array, the virtual
# sweep, the lab and the stops run while it waits.
limit=$(sbatch --parsable --time=1 --signal=B:TERM@55 --job-name=cs-limit "$ROOT/jobs/run.sbatch" --set load.duration_s=600 \
    --set load.warmup_s=0 --set load.rate_rps=200)

# The array covers every scenario file, each on its own rank count.
listed=$(sed -n '/^scenarios=(/,/^)/p' "$ROOT/jobs/scenarios.sbatch" | grep -o '[a-z0-9-]*:[0-9]*' | cut -d: -f1 | sort)
files=$(ls "$ROOT/jobs/scenarios" | sed 's/\.json$//' | sort)
[ "$listed" = "$files" ] && ok "scenarios.sbatch lists every file in jobs/scenarios" ||
    bad "scenarios.sbatch and jobs/scenarios differ: $(diff <(echo "$listed") <(echo "$files") | tr '\n' ' ')"
tasks=$(echo "$files" | wc -l)
grep -q "^#SBATCH --array=0-$((tasks - 1)) " "$ROOT/jobs/scenarios.sbatch" && ok "the array has one task per scenario" ||
    bad "scenarios.sbatch's --array is not 0-$((tasks - 1))"
sbatch_wait "$ROOT/jobs/scenarios.sbatch" --set load.duration_s=0.2 --set load.warmup_s=0.05 >/dev/null &&
    ok "scenarios.sbatch (array) exits 0" ||
    bad "array failed: $(cat clustersim-scenarios-*.out)"
n=0
for s in $files; do
    f=$(ls "$CS_RESULTS"/$s-*_*.json 2>/dev/null | head -1)
    [ -n "$f" ] && n=$((n + 1))
    valid "${f:-/nonexistent}" "array task $s"
done
[ "$n" -eq "$tasks" ] && ok "one results file per array task" || bad "$n of $tasks array results"
np=$(jq '.mpi.ranks' "$CS_RESULTS"/coffee-shop-many-machines-*_*.json 2>/dev/null || echo 0)
[ "$np" -eq 9 ] && ok "each task runs on its scenario's ranks (9 for the many machines)" || bad "many machines ran on $np ranks"
grep -q '^throughput ' clustersim-scenarios-*_0.out && ok "the report is in the job log" ||
    bad "no report in the job log: $(head -c 300 clustersim-scenarios-*_0.out)"

# A virtual sweep on the allocation (jobs/virtual-sweep.sbatch, shortened),
# stopped as by its time limit's warning (SIGTERM to the batch shell,
# passed on to the ranks) once its checkpoint holds a step, and submitted
# again under the same CS_RUN_ID: its 2 ranks share the steps (both run
# some), cut the steps under way short and write the steps finished; it
# resumes from them (any of them: they end out of order), and its results
# are those of the same script on one rank, outside SLURM, row for row.
# (A sweep killed outright leaves its checkpoint instead: mpi_virtual.)
# (Steps of about one size and a third of a second each, so that the stop
# comes well before the end.)
vk=(--nodes 390 --set 'sweep.dispatchers=[1]' --set 'sweep.nodes=[300,310,320,330,340,350,360,370,380,390]'
    --set load.duration_s=6 --set load.warmup_s=0.1)
f=$CS_RESULTS/virtual-sweep-vkill.json
id=$(CS_RUN_ID=vkill stopped_when "$f" '.sweep_finished >= 1' --ntasks=2 "$ROOT/jobs/virtual-sweep.sbatch" "${vk[@]}")
kept=$(jq '.sweep_finished' "$f" 2>/dev/null || echo 0)
jq -e '.complete == false and (.ended | startswith("stopped by a signal with "))' "$f" >/dev/null 2>&1 &&
    [ "$kept" -ge 1 ] && [ "$kept" -lt 10 ] &&
    grep -q "^  step [0-9]*/10: [0-9]* nodes, stopped by a signal .*: --resume runs it again$" "clustersim-virtual-sweep-$id.out" &&
    ok "virtual-sweep.sbatch stopped mid-way wrote the steps it had finished ($kept): $(jq -c '[.sweep[].step]' "$f")" ||
    bad "stopped virtual sweep job: $(jq -c '{complete, ended, s: [.sweep[]?.step]}' "$f" 2>&1) $(tail -5 "clustersim-virtual-sweep-$id.out" 2>&1)"
if again=$(CS_RUN_ID=vkill sbatch_wait --ntasks=2 "$ROOT/jobs/virtual-sweep.sbatch" "${vk[@]}") &&
    CS_RUN_ID=one-rank CS_LAUNCHER=mpirun CS_JOB_NP=1 bash "$ROOT/jobs/virtual-sweep.sbatch" "${vk[@]}" \
        >one-rank.out 2>&1; then
    ok "virtual-sweep.sbatch submitted again exits 0, and on one rank outside SLURM too"
else
    bad "virtual-sweep.sbatch failed: $(tail -5 "clustersim-virtual-sweep-${again:-none}.out" one-rank.out 2>&1)"
fi
grep -q "^resumes:  $f" "clustersim-virtual-sweep-${again:-none}.out" &&
    cmp -s "$CS_RESULTS/virtual-sweep-vkill.csv" "$CS_RESULTS/virtual-sweep-one-rank.csv" &&
    cmp -s <(jq -S 'del(.run)' "$f" 2>&1) <(jq -S 'del(.run)' "$CS_RESULTS/virtual-sweep-one-rank.json" 2>&1) &&
    grep -q ' (rank 1)$' "clustersim-virtual-sweep-$id.out" "clustersim-virtual-sweep-$again.out" &&
    ok "virtual-sweep.sbatch: both ranks ran steps, it resumed, and the results are one rank's" ||
    bad "virtual-sweep.sbatch: $(grep -c '^  step' "clustersim-virtual-sweep-${again:-none}.out" 2>&1) steps; $(diff \
        <(jq -S 'del(.run)' "$f") <(jq -S 'del(.run)' "$CS_RESULTS/virtual-sweep-one-rank.json") 2>&1 | head -5)"

# A lab's job script, as an instructor hands it out (shortened): every run
# of the lab on its own rank count, then the self-check in the job log,
# which may fault the short runs for their length (or the host's CPU) and
# for nothing else.
lab=$(sbatch_wait "$ROOT/jobs/labs/lab4.sbatch" "${short[@]}" 2>/dev/null || true)
n=0
for r in rush rush-admission rush-300; do
    f=$CS_RESULTS/lab4-$r-$lab.json
    [ -s "$f" ] && [ -s "$CS_RESULTS/lab4-$r-$lab.csv" ] && n=$((n + 1))
    valid "$f" "lab4.sbatch: $r"
done
[ "$n" -eq 3 ] && ok "lab4.sbatch: results and time series of its 3 runs" || bad "lab4.sbatch: $n of 3 runs"
log=clustersim-lab4-$lab.out
# (exit 1: the short runs' faults, below; 2 would be results it could not read)
grep -q "^self-check: " "$log" && grep -Eq "^lab 4: exit [01]$" "$log" &&
    [ "$(grep -c "lab4-.*\.json: " "$log")" -ge 3 ] && [ "$(grep "lab4-.*\.json: " "$log" | cut -d: -f1 | sort -u | wc -l)" -eq 3 ] &&
    ok "lab4.sbatch: the self-check ran in the job and judged its 3 files" ||
    bad "lab4.sbatch: no self-check of its 3 files in the log: $(tail -5 "$log")"
if [ -n "$(grep "lab4-.*\.json: " "$log" | grep -v ': sound$' | grep -Ev 'warm-up \(|measured window \(|requests were measured|delivered service was|the verdict is host_cpu')" ]; then
    bad "lab4.sbatch: the self-check found problems beyond short runs: $(grep 'json: ' "$log")"
else
    ok "lab4.sbatch: the self-check faults the short runs for their length only"
fi

# A stop asked of the batch shell (what #SBATCH --signal=B:TERM@60 does
# before the time limit, and scancel --signal=TERM --batch by hand), and a
# plain scancel: the ranks drain and the results are written, marked
# incomplete. (srun answers a SIGTERM by killing its tasks at once, so the
# job scripts must not pass the signal to srun.)
# Both stopped side by side, once clustersim has run a moment.
declare -A stopped
for how in batch plain; do
    stopped[$how]=$(sbatch --parsable --job-name="cs-$how" "$ROOT/jobs/run.sbatch" --set load.duration_s=600 \
        --set load.warmup_s=0)
done
for how in batch plain; do
    t=0
    while ! grep -q "^command:" "clustersim-${stopped[$how]}.out" 2>/dev/null && [ $t -lt 60 ]; do sleep 1; t=$((t + 1)); done
done
sleep 2 # over 1000 requests completed: 2100 a second at 70% load of 3 nodes
scancel --signal=TERM --batch "${stopped[batch]}"
scancel "${stopped[plain]}"
for how in batch plain; do
    wait_job "${stopped[$how]}" 90
    f=$CS_RESULTS/default-${stopped[$how]}.json
    valid "$f" "$how stop"
    # (not a checkpoint left by ranks killed outright: that one says "running")
    jq -e '.complete == false and .requests.completed > 1000 and (.ended | startswith("stopped by a signal"))' \
        "$f" >/dev/null 2>&1 &&
        ok "$how stop: the run drained and wrote results marked incomplete, stopped by a signal" ||
        bad "$how stop: $(head -c 300 "$f" 2>&1); log: $(tail -5 "clustersim-${stopped[$how]}.out")"
done

wait_job "$limit"
f=$(ls "$CS_RESULTS"/default-"$limit".json 2>/dev/null | head -1 || true)
[ -n "$f" ] || bad "time-limit job: no results file; its log: $(tail -8 "clustersim-$limit.out" 2>&1)"
valid "${f:-/nonexistent}" "time-limit job"
jq -e '.complete == false and .requests.completed > 0 and (.ended | startswith("stopped by a signal"))' \
    "${f:-/nonexistent}" >/dev/null 2>&1 &&
    ok "time-limit job: results marked incomplete ($(jq -c '{window_s: .load.window_s?, completed: .requests.completed}' "$f"))" ||
    bad "time-limit job: $(jq -c '{complete, requests}' "${f:-/dev/null}" 2>&1 | head -c 400)"
grep -q "^exit:" clustersim-"$limit".out && ok "time-limit job reported its exit status" ||
    bad "time-limit job output: $(cat clustersim-"$limit".out)"
echo "SLURM tests took $(($(date +%s) - t0)) s"
finish
