#!/usr/bin/env bash
# Agreement with queueing theory on real MPI runs. Random dispatch of
# Poisson arrivals gives each node an independent Poisson stream, so with
# exponential service each node is an M/M/1 queue with mean latency
# 1 / (mu - lambda/n). At per-node utilization 0.5 and 2 ms mean service
# the theory is 4 ms. The tolerance is 10%: the seed is fixed (the same
# sample lands within 2% of theory in virtual time), and the rest covers
# timer overshoot and scheduling delay on a loaded 2-core machine.
source "$(dirname "$0")/lib.sh"

mm1_run() {
    cs 4 -q --set load.duration_s=20 --set load.warmup_s=2 --set load.utilization=0.5 --set load.seed=11 \
        --set dispatch.policy=random --set service.time='{"dist":"exponential","mean_us":2000}' --json "$TMP/mm1.json"
    [ "$RC" -eq 0 ] || bad "exited $RC: $(cat "$TMP/err")"
    check_valid "$TMP/mm1.json"
}
mm1_theory() { jq '1e6 / (1e6 / .scenario.service.time.mean_us - (.offered_rps / .mpi.service_nodes))' "$1"; }
# A run the host disturbed is run again (theory_check in lib.sh).
theory_check "$TMP/mm1.json" mm1_theory "M/M/1: mean latency within tolerance of theory" mm1_run
timed_check "$TMP/mm1.json" '(.service_us.inflation - 1) | fabs < 0.05' "service times delivered faithfully" '.service_us'
# The report names the model and gives its prediction beside the measure.
check "$TMP/mm1.json" ".theory.model == \"M/M/1 per node (random split)\" and
    ((.theory.mean_us / $(mm1_theory "$TMP/mm1.json") - 1) | fabs < 1e-9) and
    ((.theory.mean_diff - (.latency_us.mean / .theory.mean_us - 1)) | fabs < 1e-6)" \
    "the results carry the M/M/1 prediction and the difference" '.theory'
finish
