#!/usr/bin/env bash
# Conservation and valid JSON on 2 ranks and on 4 (oversubscribed on 2
# cores), below capacity and far beyond it.
source "$(dirname "$0")/lib.sh"

for np in 2 4; do
    cs "$np" -q --set load.duration_s=2 --set load.warmup_s=0.5 --json "$TMP/r$np.json"
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

# The report table is printed without --quiet.
cs 2 --set load.duration_s=1 --set load.warmup_s=0
grep -q '^bottleneck: ' "$TMP/out" && ok "report table printed" || bad "no report table: $(cat "$TMP/out")"
finish
