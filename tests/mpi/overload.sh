#!/usr/bin/env bash
# Overload controls and heterogeneous nodes on real MPI runs: timeouts
# and node speeds; conservation holds throughout. (Full node queues, which
# time nothing: conservation.sh.)
source "$(dirname "$0")/lib.sh"

# Timeouts: 150% load with a 10 ms deadline.
cs 3 -q --set load.duration_s=3 --set load.utilization=1.5 --set dispatch.timeout_ms=10 --set dispatch.window=4 \
    --json "$TMP/timeout.json"
check_valid "$TMP/timeout.json"
check "$TMP/timeout.json" '.requests.timed_out > 100' "requests past their deadline time out" '.requests'
# Deadlines come before replies at a turn, so nothing completes past its
# deadline: exactly so in virtual time (test_sim.c). On ranks, a
# coordinator that wakes 5 ms or more late takes its replies first
# (cs_coord_woke), and a reply that came in time completes as late as
# the pause: the hard bound allows the longest pause a rank reported.
timed_check "$TMP/timeout.json" '.latency_us.max <= 10000 * 1.05' \
    '.latency_us.max <= 10000 * 1.05 + 1000 * (.host_pauses.max_ms // 0)' \
    "nothing completes after its deadline" '{latency_us, host_pauses}'

# Speeds: node 1 four times as fast as node 2.
cs 3 -q --set load.duration_s=3 --set load.utilization=0.5 --set nodes.speed='{"1":4}' \
    --set dispatch.policy=least_outstanding --set service.time.dist=constant --json "$TMP/speed.json"
check_valid "$TMP/speed.json"
# What each node was asked to serve is exact; what it delivered is a
# sleep, late by whatever else the 2 cores run (a parallel test made the
# fast node's 250 us come to 276 once): within 20% there.
check "$TMP/speed.json" '[.nodes[].counters | .requested_ns / .measured | round] == [250000, 1000000]' \
    "node speeds scale the service asked of each node" '[.nodes[].counters]'
timed_check "$TMP/speed.json" '(.nodes[0].service_mean_us / 250 - 1 | fabs) < 0.2 and (.nodes[1].service_mean_us / 1000 - 1 | fabs) < 0.2' \
    '(.nodes[0].service_mean_us / 250 - 1 | fabs) < 0.5 and (.nodes[1].service_mean_us / 1000 - 1 | fabs) < 0.3' \
    "and the service delivered" '[.nodes[] | {rank, service_mean_us}]'
check "$TMP/speed.json" '.model.node_capacity_rps == 5000' "capacity counts the fast node" '.model'
finish
