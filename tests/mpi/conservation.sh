#!/usr/bin/env bash
# Conservation and valid JSON on 2 ranks and on 4 (oversubscribed on 2
# cores), below capacity and far beyond it, bounded and not, and with
# full node queues; no requests at all, and a window shorter than its
# warm-up. Nothing is timed: it shares the CPU with other tests.
source "$(dirname "$0")/lib.sh"

short=(-q --set load.duration_s=2 --set load.warmup_s=0.5)

for np in 2 4; do
    cs "$np" "${short[@]}" --json "$TMP/r$np.json"
    check_valid "$TMP/r$np.json"
    check "$TMP/r$np.json" ".mpi.ranks == $np and .mpi.service_nodes == $((np - 1)) and (.nodes | length) == $((np - 1))" \
        "np=$np: ranks and nodes reported"
    check "$TMP/r$np.json" '.requests.rejected == 0 and .requests.completed > 0' "np=$np: below capacity nothing is rejected"
done

# Far beyond capacity, with a small coordinator queue: rejections, and
# still every request accounted for.
cs 3 -q --set load.duration_s=2 --set load.utilization=4 --set dispatch.max_pending=100 --json "$TMP/over.json"
check_valid "$TMP/over.json"
check "$TMP/over.json" '.requests.rejected > 0 and .coordinator.pending_max <= 100' "overload: rejections, bounded queue"

# Node queues: at twice the capacity, a node that holds at most 2
# waiting requests rejects the rest.
cs 3 "${short[@]}" --set load.utilization=2 --set nodes.queue_capacity=2 --json "$TMP/queue.json"
check_valid "$TMP/queue.json"
check "$TMP/queue.json" '.requests.rejected_at_nodes > 100' "full node queues reject" '.requests'

# 50x the capacity, unbounded: the backlog grows, and whatever is left
# when the drain time is up times out (every intended arrival is
# generated, however late, so the counts hold on a busy host).
cs 3 "${short[@]}" --set load.rate_rps=100000 --set dispatch.max_pending=10000000 --set run.drain_timeout_s=1 \
    --json "$TMP/unbounded.json"
check_valid "$TMP/unbounded.json"
check "$TMP/unbounded.json" '.requests.rejected == 0 and .requests.timed_out > 100000 and .coordinator.pending_max > 100000' \
    "far beyond capacity, unbounded: the backlog grows, then times out" '{requests, coordinator}'

cs 3 "${short[@]}" --set load.rate_rps=0 --json "$TMP/zero.json"
check_valid "$TMP/zero.json"
check "$TMP/zero.json" '.requests.generated == 0 and .latency_us.count == 0 and .bottleneck == "none"' "zero requests" '.'

cs 3 -q --set load.duration_s=0.2 --set load.warmup_s=2 --json "$TMP/warm.json"
check_valid "$TMP/warm.json"
check "$TMP/warm.json" '.requests.warmup.generated > .requests.generated and .requests.generated > 0' \
    "a window shorter than its warm-up" '.requests'

# The report table is printed without --quiet.
cs 2 --set load.duration_s=1 --set load.warmup_s=0
grep -q '^bottleneck: ' "$TMP/out" && ok "report table printed" || bad "no report table: $(cat "$TMP/out")"
finish
