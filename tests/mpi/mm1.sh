#!/usr/bin/env bash
# Agreement with queueing theory. Random dispatch of Poisson arrivals
# gives each node an independent Poisson stream, so with exponential
# service each node is an M/M/1 queue with mean latency 1 / (mu - lambda/n).
# At per-node utilization 0.5 and 2 ms mean service the theory is 4 ms.
# Three ways on one seed (theory_check in lib.sh): virtual time within 3%
# of theory; real ranks within 8% of virtual time with this machine's
# costs, and never beyond 35% (a hard bound for any host: in this VM's
# noisy spells, the probe 5 ms late 20-40 times in 10 s, the same run
# measured up to 16% slow).
source "$(dirname "$0")/lib.sh"

mm1=(--set load.warmup_s=2 --set load.rate_rps=750 --set load.seed=11 --set dispatch.policy=random
    --set service.time='{"dist":"exponential","mean_us":2000}')
# 750 req/s over 3 nodes, 2 ms: 1 / (500 - 250) s. (A number, not read
# from the results it judges.)
mm1_theory() { echo 4000; }
theory_check mm1 mm1_theory 0.08 0.35 "M/M/1" 4 "${mm1[@]}" --set load.duration_s="$(dur 10)"
f=$TMP/mm1.json
timed_check "$f" '(.service_us.inflation - 1) | fabs < 0.05' '(.service_us.inflation - 1) | fabs < 0.25' \
    "service times delivered faithfully" '.service_us'
# The report names the model and gives its prediction beside the measure.
check "$f" ".theory.model == \"M/M/1 per node (random split)\" and
    ((.theory.mean_us / $(mm1_theory "$f") - 1) | fabs < 1e-9) and
    ((.theory.mean_diff - (.latency_us.mean / .theory.mean_us - 1)) | fabs < 1e-6)" \
    "the results carry the M/M/1 prediction and the difference" '.theory'
finish
