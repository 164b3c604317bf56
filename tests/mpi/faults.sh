#!/usr/bin/env bash
# Faults on real MPI runs: a node that stops answering is timed out,
# marked down, probed, and takes work again once it recovers, and no
# request is lost; with retries its requests complete on other nodes; a
# straggler raises p99 much more under round robin than under
# least_outstanding, and hedging cuts that p99.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

cs 4 -q --set load.duration_s=5 --set load.warmup_s=0 --set load.utilization=0.5 \
    --set faults='[{"rank":2,"at_s":1,"kind":"stop"},{"rank":2,"at_s":3,"kind":"recover"}]' \
    --set dispatch.timeout_ms=50 --set dispatch.down_after=3 --set dispatch.probe_ms=200 --json "$TMP/stop.json"
check_valid "$TMP/stop.json"
timed_check "$TMP/stop.json" '.health_events[0] | .rank == 2 and .event == "down" and .at_s > 1 and .at_s < 1.5' \
    '.health_events[0] | .rank == 2 and .event == "down" and .at_s > 1 and .at_s < 3' \
    "the stopped node is marked down" '.health_events'
timed_check "$TMP/stop.json" '.health_events[-1] | .rank == 2 and .event == "up" and .at_s >= 3 and .at_s < 3.6' \
    '.health_events[-1] | .rank == 2 and .event == "up" and .at_s >= 3 and .at_s < 4.5' \
    "after it recovers a probe brings it back" '.health_events'
timed_check "$TMP/stop.json" '.requests.timed_out > 0 and .requests.timed_out < 200' \
    '.requests.timed_out > 0 and .requests.timed_out < 1000' "only the requests it held time out" '.requests'
# Rank 2 serves about 500 requests (500/s) before it stops at 1 s, and
# about 500 a second again once it is up: over 650 in all only if it
# took work after it recovered, even as late as the probe's hard bound
# above (4.5 s: about 750); 1,400 or so when it is up at 3.2 s.
timed_check "$TMP/stop.json" '.nodes[1].completed > 1000' '.nodes[1].completed > 650' "the recovered node takes work again" '.nodes[1]'

# The same stop with one retry: every request the node swallowed is sent
# again to another node, and ends completed there or failed; none times
# out. (A request can also be retried after a healthy node answered
# late on this busy machine, so retried requests can outnumber the
# swallowed ones, never the other way.)
cs 4 -q --set load.duration_s=5 --set load.warmup_s=0 --set load.utilization=0.5 \
    --set faults='[{"rank":2,"at_s":1,"kind":"stop"},{"rank":2,"at_s":3,"kind":"recover"}]' \
    --set dispatch.timeout_ms=50 --set dispatch.retries=1 --set dispatch.down_after=3 --set dispatch.probe_ms=200 \
    --json "$TMP/retry.json"
check_valid "$TMP/retry.json"
echo "stop with one retry: $(jq -c '{dropped: .nodes[1].counters.dropped} + (.requests | {generated, completed, retries,
    retried_completed, timed_out, failed})' "$TMP/retry.json")"
timed_check "$TMP/retry.json" '.requests.timed_out == 0' '.requests.timed_out < 50' "with a retry nothing times out" '.requests'
check "$TMP/retry.json" '.nodes[1].counters.dropped >= 3 and
    .requests.retried_completed + .requests.failed >= .nodes[1].counters.dropped' \
    "each request the stopped node swallowed ended retried-and-completed or failed" '[.requests, .nodes[1].counters]'
timed_check "$TMP/retry.json" '.requests.retried_completed >= 0.9 * .nodes[1].counters.dropped' \
    '.requests.retried_completed >= 0.5 * .nodes[1].counters.dropped' \
    "and nearly all of them completed on another node" '[.requests, .nodes[1].counters]'
timed_check "$TMP/retry.json" '.nodes[1].completed > 1000' '.nodes[1].completed > 650' "the recovered node takes work again" '.nodes[1]'

# (A 3.5 s window, the straggler slow for 2 s of it: 5 s and 3 s measured
# 37x and 46x below, 1187 ms against 32 and 26, where 3x and 5x are asked.)
for p in round_robin least_outstanding; do
    cs 5 -q --set load.duration_s=3.5 --set load.warmup_s=0 --set load.utilization=0.6 --set load.seed=8 \
        --set faults='[{"rank":3,"at_s":1,"kind":"slow","factor":10,"for_s":2}]' \
        --set dispatch.policy=$p --set dispatch.max_pending=1000000 --json "$TMP/slow-$p.json"
    check_valid "$TMP/slow-$p.json"
done
rr=$(jq .latency_us.p99 "$TMP/slow-round_robin.json") lo=$(jq .latency_us.p99 "$TMP/slow-least_outstanding.json")
echo "straggler (x10 for 2 s) p99: round_robin $rr us, least_outstanding $lo us"
timed "$TMP/slow-round_robin.json $TMP/slow-least_outstanding.json" "$rr > 3 * $lo" "$rr > 1.5 * $lo" \
    "a straggler hurts round robin's p99 over 3x more" "p99 round_robin $rr vs least_outstanding $lo"

# Hedging: round robin again, but a request unanswered after 20 ms (about
# the p99 of the healthy nodes carrying the straggler's share) gets a
# duplicate on another node. Virtual time gives 1137 ms against 27 ms;
# the bound here is 5x, for a busy 2-core machine.
cs 5 -q --set load.duration_s=3.5 --set load.warmup_s=0 --set load.utilization=0.6 --set load.seed=8 \
    --set faults='[{"rank":3,"at_s":1,"kind":"slow","factor":10,"for_s":2}]' \
    --set dispatch.policy=round_robin --set dispatch.max_pending=1000000 --set dispatch.hedge_after_us=20000 \
    --json "$TMP/hedge.json"
check_valid "$TMP/hedge.json"
hd=$(jq .latency_us.p99 "$TMP/hedge.json")
echo "straggler p99 with hedging after 20 ms: $hd us ($(jq -c '.requests | {generated, hedges, hedge_wins, duplicate_replies}' "$TMP/hedge.json"))"
timed "$TMP/slow-round_robin.json $TMP/hedge.json" "$rr > 5 * $hd" "$rr > 2 * $hd" \
    "hedging cuts round robin's p99 over 5x" "p99 round_robin $rr vs hedged $hd"
check "$TMP/hedge.json" '.requests.hedges > 0 and .requests.hedges < 0.25 * .requests.generated and
    .requests.hedge_wins > 0' "a few hedges, and hedges win" '.requests'
# Which copy answers first is timing: 72-98% of hedges won in quiet runs
# here, 47% in one where the host slowed every node (p99 74 ms) and
# requests queued at healthy nodes past 20 ms were hedged too.
timed_check "$TMP/hedge.json" '.requests.hedge_wins > 0.5 * .requests.hedges' '.requests.hedge_wins > 0.25 * .requests.hedges' \
    "most hedges win" '.requests'
check "$TMP/hedge.json" '.requests.duplicate_replies <= .requests.hedges + .requests.retries and .requests.duplicate_replies > 0' \
    "the losing answers are counted as duplicates" '.requests' 

# A retry storm: a 1 s spike (2 to 3 s) with 3 retries and no budget
# leaves the nodes busy with abandoned work long after it: from 4.5 s on,
# few answers come in time (virtual time: none); with the default budget
# the run is back to normal by then. Bounds for a busy machine: under 30%
# and over 80% of the offered rate, in the time series' last 1.5 s.
storm=(--config "$ROOT/jobs/scenarios/retry-storm.json" --set load.duration_s=6 -q)
cs 4 "${storm[@]}" --json "$TMP/storm.json" --timeseries "$TMP/storm.jsonl"
check_valid "$TMP/storm.json"
cs 4 "${storm[@]}" --set dispatch.retry_budget=0.1 --json "$TMP/budget.json" --timeseries "$TMP/budget.jsonl"
check_valid "$TMP/budget.json"
late() { jq -s '[.[] | select(.t_s > 4.6 and .t_s <= 6.0) | .completed_rps / .offered_rps] | add / length' "$1"; }
s_late=$(late "$TMP/storm.jsonl") b_late=$(late "$TMP/budget.jsonl")
echo "retry storm: $(jq -c '.requests | {generated, completed, failed, timed_out, retries}' "$TMP/storm.json"), after the" \
    "spike $s_late of the offered rate answered; with the budget: $(jq -c '.requests | {completed, failed, timed_out,
    retries, retries_skipped}' "$TMP/budget.json"), $b_late"
timed "$TMP/storm.json $TMP/budget.json" "$s_late < 0.3 && $b_late > 0.8" "$s_late < 0.6 && $b_late > 0.5" \
    "without a budget the spike becomes a lasting storm; with it the run recovers" \
    "after the spike: $s_late answered without a budget, $b_late with it"
timed_check "$TMP/storm.json" '.bottleneck == "service_nodes" and (.reason | contains("retry storm"))' \
    '(.bottleneck == "service_nodes" and (.reason | contains("retry storm"))) or .bottleneck == "host_cpu"' \
    "the report names the retry storm" '.reason'
check "$TMP/budget.json" '.requests.retries <= 0.1 * .requests.generated + 200 and .requests.retries_skipped > 0' \
    "the budget holds" '.requests'
finish
