#!/usr/bin/env bash
# Faults on real MPI runs: a node that stops answering is timed out,
# marked down, probed, and takes work again once it recovers, and no
# request is lost; a straggler raises p99 much more under round robin
# than under least_outstanding.
source "$(dirname "$0")/lib.sh"

cs 4 -q --set load.duration_s=5 --set load.warmup_s=0 --set load.utilization=0.5 \
    --set faults='[{"rank":2,"at_s":1,"kind":"stop"},{"rank":2,"at_s":3,"kind":"recover"}]' \
    --set dispatch.timeout_ms=50 --set dispatch.down_after=3 --set dispatch.probe_ms=200 --json "$TMP/stop.json"
[ "$RC" -eq 0 ] || bad "stop/recover exited $RC: $(cat "$TMP/err")"
check_valid "$TMP/stop.json"
check "$TMP/stop.json" '.health_events[0] | .rank == 2 and .event == "down" and .at_s > 1 and .at_s < 1.5' \
    "the stopped node is marked down" '.health_events'
check "$TMP/stop.json" '.health_events[-1] | .rank == 2 and .event == "up" and .at_s >= 3 and .at_s < 3.6' \
    "after it recovers a probe brings it back" '.health_events'
check "$TMP/stop.json" '.requests.timed_out > 0 and .requests.timed_out < 200' "only the requests it held time out" '.requests'
check "$TMP/stop.json" '.nodes[1].completed > 1000' "the recovered node takes work again" '.nodes[1]'

for p in round_robin least_outstanding; do
    cs 5 -q --set load.duration_s=5 --set load.warmup_s=0 --set load.utilization=0.6 --set load.seed=8 \
        --set faults='[{"rank":3,"at_s":1,"kind":"slow","factor":10,"for_s":3}]' \
        --set dispatch.policy=$p --set dispatch.max_pending=1000000 --json "$TMP/slow-$p.json"
    [ "$RC" -eq 0 ] || bad "straggler $p exited $RC: $(cat "$TMP/err")"
    check_valid "$TMP/slow-$p.json"
done
rr=$(jq .latency_us.p99 "$TMP/slow-round_robin.json") lo=$(jq .latency_us.p99 "$TMP/slow-least_outstanding.json")
echo "straggler (x10 for 3 s) p99: round_robin $rr us, least_outstanding $lo us"
awk -v a="$rr" -v b="$lo" 'BEGIN { exit !(a > 3 * b) }' && ok "a straggler hurts round robin's p99 over 3x more" ||
    bad "p99 round_robin $rr vs least_outstanding $lo"
finish
