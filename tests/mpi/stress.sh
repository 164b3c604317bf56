#!/usr/bin/env bash
# Stress, timed: one service node, 32 ranks on 2 cores (12 under the
# sanitizers), each keeping up with the offered load, and 50x the
# capacity with a bound on the coordinator's queue: rejections, and the
# nodes named. Each finishes and conserves requests. (No requests, a
# window shorter than its warm-up and 50x the capacity unbounded, which
# time nothing: conservation.sh.)
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

# 50x the capacity, bounded: the excess is rejected at once.
cs 3 "${short[@]}" --set load.rate_rps=100000 --set dispatch.max_pending=100 --json "$TMP/bounded.json"
check_valid "$TMP/bounded.json"
timed_check "$TMP/bounded.json" '.requests.rejected > .requests.completed and .bottleneck == "service_nodes"' \
    '.requests.rejected > .requests.completed and (.bottleneck | IN("service_nodes", "host_cpu"))' \
    "far beyond capacity, bounded: rejections, nodes named" '{requests, bottleneck}'
finish
