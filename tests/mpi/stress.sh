#!/usr/bin/env bash
# Edge cases and stress: one service node, 32 ranks on 2 cores (12 under
# the sanitizers), no requests at all, a window shorter than its warm-up,
# and a rate far beyond capacity with and without a bound on the
# coordinator's queue.
# Each finishes, conserves requests and reports something sensible.
source "$(dirname "$0")/lib.sh"

short=(-q --set load.duration_s=2 --set load.warmup_s=0.5)

cs 2 "${short[@]}" --json "$TMP/one.json"
check_valid "$TMP/one.json"
timed_check "$TMP/one.json" '.mpi.service_nodes == 1 and (.throughput_rps / .offered_rps - 1 | fabs) < 0.1' \
    '.mpi.service_nodes == 1 and (.throughput_rps / .offered_rps - 1 | fabs) < 0.3' "one service node keeps up" '{throughput_rps, offered_rps}'

# (12 under the sanitizers: 32 instrumented ranks take minutes to start
# and stop, and the memory checks do not need them all)
crowd=$([ "$NO_TIMING" = 1 ] && echo 12 || echo 32)
cs "$crowd" "${short[@]}" --json "$TMP/crowd.json"
check_valid "$TMP/crowd.json"
timed_check "$TMP/crowd.json" ".mpi.ranks == $crowd and (.throughput_rps / .offered_rps - 1 | fabs) < 0.1" \
    ".mpi.ranks == $crowd and (.throughput_rps / .offered_rps - 1 | fabs) < 0.3" \
    "$crowd ranks on 2 cores: throughput matches the offered load" '{throughput_rps, offered_rps}'
check "$TMP/crowd.json" '.mpi.oversubscribed == true and (.bottleneck == "none" or .bottleneck == "host_cpu")' \
    "$crowd ranks on 2 cores: the report names the crowding" '{mpi, bottleneck, reason}'

cs 3 "${short[@]}" --set load.rate_rps=0 --json "$TMP/zero.json"
check_valid "$TMP/zero.json"
check "$TMP/zero.json" '.requests.generated == 0 and .latency_us.count == 0 and .bottleneck == "none"' "zero requests" '.'

cs 3 -q --set load.duration_s=0.2 --set load.warmup_s=2 --json "$TMP/warm.json"
check_valid "$TMP/warm.json"
check "$TMP/warm.json" '.requests.warmup.generated > .requests.generated and .requests.generated > 0' \
    "a window shorter than its warm-up" '.requests'

# 50x the capacity: bounded, the excess is rejected at once; unbounded,
# the backlog grows and whatever is left when the drain time is up times out.
cs 3 "${short[@]}" --set load.rate_rps=100000 --set dispatch.max_pending=100 --json "$TMP/bounded.json"
check_valid "$TMP/bounded.json"
timed_check "$TMP/bounded.json" '.requests.rejected > .requests.completed and .bottleneck == "service_nodes"' \
    '.requests.rejected > .requests.completed and (.bottleneck | IN("service_nodes", "host_cpu"))' \
    "far beyond capacity, bounded: rejections, nodes named" '{requests, bottleneck}'
cs 3 "${short[@]}" --set load.rate_rps=100000 --set dispatch.max_pending=10000000 --set run.drain_timeout_s=1 \
    --json "$TMP/unbounded.json"
check_valid "$TMP/unbounded.json"
check "$TMP/unbounded.json" '.requests.rejected == 0 and .requests.timed_out > 100000 and .coordinator.pending_max > 100000' \
    "far beyond capacity, unbounded: the backlog grows, then times out" '{requests, coordinator}'
finish
