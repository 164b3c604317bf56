#!/usr/bin/env bash
# The job scripts under a real SLURM (tests/cluster/slurm_lib.sh) that
# time nothing, beside the other tests: the array job over every
# scenario, and sweep jobs killed outright mid-way (a lost host) and
# submitted again, which resume from their results files.
source "$(dirname "$0")/slurm_lib.sh"

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
# killed outright (SIGKILL to every process of the job) once its
# checkpoint holds 3 steps, and submitted again under the same CS_RUN_ID:
# its 2 ranks share the steps (both run some), it resumes from the steps
# they finished (any of them: they end out of order), and its results are
# those of the same script on one rank, outside SLURM, row for row.
# (Steps of about one size, so that 3 are done well before the end.)
vk=(--nodes 390 --set 'sweep.dispatchers=[1]' --set 'sweep.nodes=[300,310,320,330,340,350,360,370,380,390]'
    --set load.duration_s=2 --set load.warmup_s=0.1)
f=$CS_RESULTS/virtual-sweep-vkill.json
id=$(CS_RUN_ID=vkill killed_when "$f" '.sweep_finished >= 3' --ntasks=2 "$ROOT/jobs/virtual-sweep.sbatch" "${vk[@]}")
kept=$(jq '.sweep_finished' "$f" 2>/dev/null || echo 0)
jq -e '.complete == false' "$f" >/dev/null 2>&1 && [ "$kept" -ge 3 ] && [ "$kept" -lt 10 ] &&
    ok "virtual-sweep.sbatch killed mid-way left its $kept finished steps: $(jq -c '[.sweep[].step]' "$f")" ||
    bad "killed virtual sweep job: $(jq -c '{complete, ended, s: [.sweep[]?.step]}' "$f" 2>&1)"
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

# A sweep job killed outright mid-way (SIGKILL to the batch shell and
# every process of the job: a lost host) and submitted again under the
# same CS_RUN_ID: it resumes from its results file, keeping the steps
# finished before; a third submission finds it complete and runs nothing.
resumable=(--ntasks=3 "$ROOT/jobs/scaling.sbatch" --set 'sweep.rates_rps=[200,300,400,500,600,700]'
    --set load.duration_s=0.5 --set load.warmup_s=0.1)
f=$CS_RESULTS/scaling-resumable.json
id=$(CS_RUN_ID=resumable killed_when "$f" '.sweep | length >= 2' "${resumable[@]}")
# Its finished steps: those of its last checkpoint, or, when mpirun
# outlived the kill long enough to stop the sweep, all but the step cut.
kept=$(jq '.sweep_finished' "$f" 2>/dev/null || echo 0)
jq -e '.complete == false' "$f" >/dev/null 2>&1 && [ "$kept" -ge 1 ] && [ "$kept" -lt 6 ] &&
    ok "a sweep job killed mid-way left its $kept finished steps" || bad "killed sweep job: $(head -c 300 "$f" 2>&1)"
again=$(CS_RUN_ID=resumable sbatch_wait "${resumable[@]}") && ok "submitted again, the job exits 0" ||
    bad "the resumed job failed: $(tail -5 "clustersim-scaling-$again.out" 2>&1)"
jq -e ".complete == true and (.sweep | length) == 6 and .run.resumed_steps == $kept" "$f" >/dev/null 2>&1 &&
    grep -q "^resumes:  $f" "clustersim-scaling-$again.out" &&
    ok "submitted again under the same CS_RUN_ID, the sweep resumed: $kept steps kept, 6 in all" ||
    bad "resumed sweep: $(jq -c '{complete, run, n: (.sweep | length)}' "$f" 2>&1); log: $(tail -5 "clustersim-scaling-$again.out" 2>&1)"
cp "$f" "$WORK/done.json"
third=$(CS_RUN_ID=resumable sbatch_wait "${resumable[@]}") && cmp -s "$f" "$WORK/done.json" &&
    grep -q "complete already: nothing to run" "clustersim-scaling-$third.out" &&
    ok "a third time, the sweep is complete: nothing runs, nothing is overwritten" ||
    bad "third submission: $(tail -5 "clustersim-scaling-$third.out" 2>&1)"

echo "SLURM tests took $(($(date +%s) - t0)) s"
finish
