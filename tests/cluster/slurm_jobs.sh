#!/usr/bin/env bash
# The job scripts under a real SLURM (tests/cluster/slurm_lib.sh) that
# time nothing and leave the CPUs mostly idle, beside the other tests: a
# sweep job on ranks killed outright (a lost host) and submitted again,
# which resumes from its results file. (The array and the virtual sweep
# time nothing either but keep the CPUs busy: they are slurm.sh's, whose
# timed runs leave the CPUs idle around them.)
source "$(dirname "$0")/slurm_lib.sh" || exit 1

# The stop path of jobs/lib.sh by itself (no SLURM needed): an array task
# passes a stop to its own steps, by its task name (scancel of the array's
# id, which one task has as its job id, signals every task); and a job
# whose clustersim drained in time and exited 0 ends 0 (the wait that the
# signal cut short gave 143, which the job kept).
mkdir -p "$WORK/fakebin"
printf '#!/bin/sh\necho "$@" >>"%s"\n' "$WORK/scancel.log" >"$WORK/fakebin/scancel"
chmod +x "$WORK/fakebin/scancel"
got=$(PATH="$WORK/fakebin:$PATH" SLURM_JOB_ID=100 SLURM_ARRAY_JOB_ID=100 SLURM_ARRAY_TASK_ID=3 bash -c '
    source "$1/jobs/lib.sh" >/dev/null 2>&1 || exit 9
    cs_job_forward_stop 1 "srun --mpi=pmix"' _ "$ROOT"; cat "$WORK/scancel.log" 2>/dev/null)
[ "$got" = "--signal=TERM 100_3" ] && ok "an array task's stop goes to its own steps: scancel $got" ||
    bad "array task stop: scancel got '$got'"
status=$(bash -c '
    source "$1/jobs/lib.sh" >/dev/null 2>&1 || exit 9
    (sleep 1 && kill -TERM $$) &
    cs_job_exec bash -c "trap \"exit 0\" TERM; while :; do sleep 0.1; done"
    echo $?' _ "$ROOT")
[ "$status" = 0 ] && ok "a job whose run drained in time after a stop ends 0" || bad "stopped job's status: $status"
# The same when the run ends while the stop is passed on (srun's scancel
# takes a moment; bash reaps the launcher meanwhile): it ended 143.
mkdir -p "$WORK/slowbin"
printf '#!/bin/sh\nsleep 3\n' >"$WORK/slowbin/scancel"
printf '#!/bin/sh\ntrap "" TERM\nsleep 2\nexit 0\n' >"$WORK/slowbin/srun"
chmod +x "$WORK/slowbin/scancel" "$WORK/slowbin/srun"
status=$(PATH="$WORK/slowbin:$PATH" SLURM_JOB_ID=100 bash -c '
    source "$1/jobs/lib.sh" >/dev/null 2>&1 || exit 9
    (sleep 1 && kill -TERM $$) &
    cs_job_exec srun
    echo "$? $CS_JOB_STOPPED"' _ "$ROOT")
[ "$status" = "0 1" ] && ok "a run that ends while its stop is passed on: the job ends 0, marked stopped" ||
    bad "run ended during the stop: status and stopped: $status"
# The launcher: with neither srun's plugin nor mpirun at hand, or
# without the one CS_LAUNCHER names, one line and status 2, not a job
# that fails with "command not found".
got=$(CS_SRUN_MPI=no_such_plugin CS_MPIEXEC=no-such-mpirun bash -c '
    source "$1/jobs/lib.sh" >/dev/null 2>&1 || exit 9
    cs_job_launcher; echo "status $?"' _ "$ROOT" 2>&1)
[[ $got == "clustersim: no launcher: neither srun with the MPI plugin 'no_such_plugin'"*"status 2" ]] &&
    ok "no launcher at hand: one line, status 2" || bad "no launcher: '$got'"
got=$(CS_LAUNCHER=mpirun CS_MPIEXEC=no-such-mpirun bash -c '
    source "$1/jobs/lib.sh" >/dev/null 2>&1 || exit 9
    cs_job_launcher; echo "status $?"' _ "$ROOT" 2>&1)
[[ $got == "clustersim: no launcher: CS_LAUNCHER is mpirun, and 'no-such-mpirun' is not on the PATH"*"status 2" ]] &&
    ok "CS_LAUNCHER names a launcher that is not here: one line, status 2" || bad "forced launcher absent: '$got'"
# A copy of a job script kept elsewhere (to edit its #SBATCH lines): it
# says how to name the checkout, and finds it through CS_ROOT.
mkdir -p "$WORK/my jobs" && cp "$ROOT/jobs/run.sbatch" "$WORK/my jobs/"
out=$(cd "$WORK" && env -u CS_ROOT bash "$WORK/my jobs/run.sbatch" 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 2 ] && grep -q "set CS_ROOT to the clustersim checkout" <<<"$out" &&
    ok "a copied job script without CS_ROOT: exit 2, says to set it" || bad "copied job script: $rc $out"
out=$(cd "$WORK" && CS_ROOT=$ROOT bash "$WORK/my jobs/run.sbatch" --frobnicate 2>&1) && rc=0 || rc=$?
grep -q "^job: " <<<"$out" && grep -q "unknown option '--frobnicate'" <<<"$out" &&
    ok "a copied job script with CS_ROOT runs clustersim" || bad "copied job script with CS_ROOT: $rc $out"

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

# A single run submitted again under the same CS_RUN_ID, complete
# already: not run again (its first checkpoint replaced the complete
# results within a second), the file left as it was; by mpirun, outside
# SLURM (the job scripts' own logic).
for i in 1 2; do
    out=$(CS_RUN_ID=twice CS_LAUNCHER=mpirun CS_JOB_NP=2 bash "$ROOT/jobs/run.sbatch" \
        --config "$ROOT/jobs/scenarios/mm1.json" --set load.duration_s=0.3 --set load.warmup_s=0.1 -q 2>&1) && rc=0 || rc=$?
    [ "$i" = 1 ] && cp "$CS_RESULTS/mm1-twice.json" "$WORK/twice.json" 2>/dev/null
done
[ "$rc" -eq 0 ] && cmp -s "$CS_RESULTS/mm1-twice.json" "$WORK/twice.json" &&
    grep -q "holds this run, complete, already: not run again" <<<"$out" &&
    ok "a complete single run submitted again under its CS_RUN_ID: not run again, the file kept" ||
    bad "a complete single run again: $rc $out"
# ... but with other arguments (a --set changed) it runs anew: the file
# holds the new run's window.
out=$(CS_RUN_ID=twice CS_LAUNCHER=mpirun CS_JOB_NP=2 bash "$ROOT/jobs/run.sbatch" \
    --config "$ROOT/jobs/scenarios/mm1.json" --set load.duration_s=0.4 --set load.warmup_s=0.1 -q 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 0 ] && grep -q "holds a complete run made otherwise" <<<"$out" &&
    [ "$(jq '.scenario.load.duration_s' "$CS_RESULTS/mm1-twice.json")" = 0.4 ] &&
    ok "the same CS_RUN_ID with another --set runs anew" || bad "another --set under one CS_RUN_ID: $rc $out"
# Two jobs under one CS_RUN_ID at once: the second is refused, the first
# runs to its end.
(CS_RUN_ID=together CS_LAUNCHER=mpirun CS_JOB_NP=2 bash "$ROOT/jobs/run.sbatch" \
    --config "$ROOT/jobs/scenarios/mm1.json" --set load.duration_s=3 --set load.warmup_s=0.1 -q >"$WORK/first.log" 2>&1) &
first=$!
for _ in $(seq 50); do [ -s "$CS_RESULTS/mm1-together.json" ] || grep -q "^command:" "$WORK/first.log" && break; sleep 0.1; done
out=$(CS_RUN_ID=together CS_LAUNCHER=mpirun CS_JOB_NP=2 bash "$ROOT/jobs/run.sbatch" \
    --config "$ROOT/jobs/scenarios/mm1.json" --set load.duration_s=3 --set load.warmup_s=0.1 -q 2>&1) && rc=0 || rc=$?
wait "$first" && rc1=0 || rc1=$?
[ "$rc" -ne 0 ] && grep -q "another job is writing .*mm1-together.json now" <<<"$out" && [ "$rc1" -eq 0 ] &&
    ok "a second job under one CS_RUN_ID at once is refused; the first ends well" ||
    bad "two jobs under one CS_RUN_ID: second $rc ($out), first $rc1"

# A checkout whose path holds a space (a link to this one, "check out"):
# the job finds its lib.sh (scontrol's Command= joins the path and the
# arguments with spaces), and its binary, by that path.
ln -s "$ROOT" "$WORK/check out"
spaced=$(unset CLUSTERSIM && sbatch_wait "$WORK/check out/jobs/run.sbatch" --config "$ROOT/jobs/scenarios/mm1.json" \
    --set load.duration_s=0.3 --set load.warmup_s=0.1) &&
    grep -q "^command:  .*$WORK/check out/build/clustersim" "clustersim-$spaced.out" &&
    ok "run.sbatch from a path with a space exits 0, and runs the binary under it" ||
    bad "run.sbatch from a path with a space: $(tail -5 "clustersim-${spaced:-none}.out" 2>&1)"
valid "$CS_RESULTS/mm1-${spaced:-none}.json" "run.sbatch from a path with a space"

# srun's plugin, by default, is the one the binary's MPI speaks: PMIx for
# Open MPI, PMI-2 for the MPICH family (with PMIx, an MPICH clustersim
# starts N runs of one rank each).
printf '#!/bin/sh\necho "clustersim 0.1.0 (MPICH 4.0.2, futex doorbell)"\n' >"$WORK/mpich-clustersim"
chmod +x "$WORK/mpich-clustersim"
plugins=$(for b in "$CLUSTERSIM" "$WORK/mpich-clustersim"; do
    SLURM_JOB_ID=1 CLUSTERSIM=$b bash -c "source '$ROOT/jobs/lib.sh' && cs_job_launcher"
done | tr '\n' ';')
[ "$plugins" = "srun --mpi=pmix --kill-on-bad-exit=1;srun --mpi=pmi2 --kill-on-bad-exit=1;" ] &&
    ok "srun's plugin: pmix for an Open MPI clustersim, pmi2 for an MPICH one" || bad "srun's plugins: $plugins"
# Outside an allocation srun would ask for a new one (of one task) and
# mpirun would start a rank a core: mpirun on 4 ranks, or CS_JOB_NP.
outside=$(for np in "" 6; do
    env -u SLURM_JOB_ID CS_JOB_NP=$np bash -c "source '$ROOT/jobs/lib.sh' && cs_job_launcher"
done | tr '\n' ';')
[ "$outside" = "mpirun -q -np 4 --oversubscribe;mpirun -q -np 6 --oversubscribe;" ] &&
    ok "outside SLURM a job script launches with mpirun on 4 ranks, or CS_JOB_NP" || bad "outside SLURM: $outside"

names=$(bash -c "source '$ROOT/jobs/lib.sh' && cs_job_name --config a/mm1.json && cs_job_name -q --config=b/knee.json &&
    cs_job_name -c c/rush.json && cs_job_name -q" | tr '\n' ' ')
[ "$names" = "mm1 knee rush default " ] && ok "results named by the scenario: --config FILE, --config=FILE, -c FILE" ||
    bad "results' names: $names"

echo "SLURM jobs test took $(($(date +%s) - t0)) s"
finish
