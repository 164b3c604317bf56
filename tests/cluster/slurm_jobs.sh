#!/usr/bin/env bash
# The job scripts under a real SLURM (tests/cluster/slurm_lib.sh) that
# time nothing and leave the CPUs mostly idle, beside the other tests: a
# sweep job on ranks killed outright (a lost host) and submitted again,
# which resumes from its results file. (The array and the virtual sweep
# time nothing either but keep the CPUs busy: they are slurm.sh's, whose
# timed runs leave the CPUs idle around them.)
source "$(dirname "$0")/slurm_lib.sh" || exit 1

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

echo "SLURM jobs test took $(($(date +%s) - t0)) s"
finish
