#!/usr/bin/env bash
# Runs that span hosts: 3 hosts emulated with network namespaces
# (scripts/local-cluster.sh), the coordinator on one and the service nodes
# on the others, talking over TCP. The results must show the hosts, and
# agree with the same run on one host. Needs root; skipped otherwise.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIPPED: the multi-host tests need root (they create network namespaces)"
    exit 77
fi
# The build under test (ctest says which); scripts/local-cluster.sh runs it too.
export CS_BUILD=${CS_BUILD:-$ROOT/build}
export CS_CLUSTER_DIR=$(mktemp -d /tmp/cs_cluster.XXXXXX)
TMP=$(mktemp -d /tmp/cs_hosts.XXXXXX)
source "$ROOT/tests/checks.sh"
check() { jq -e "$2" "$1" >/dev/null 2>&1 && ok "$3" || bad "$3: $(jq -c "${4:-.mpi}" "$1" 2>&1 | head -c 400)"; }
cleanup() {
    "$ROOT/scripts/local-cluster.sh" down >/dev/null 2>&1 || true
    rm -rf "$TMP" "$CS_CLUSTER_DIR"
}
trap cleanup EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

"$ROOT/scripts/local-cluster.sh" up 3
# The host probe (tools/hostprobe) beside the two runs whose latencies are
# compared: the evidence, measured outside clustersim, on which that
# comparison may be left unjudged.
"$CS_BUILD/tools/hostprobe" "$TMP/probe.json" &
probe=$!
run=(-q --set load.duration_s=4 --set load.warmup_s=1 --set load.seed=5
    --set service.time='{"dist":"exponential","mean_us":2000}' --set load.utilization=0.6)
timeout 120 "$ROOT/scripts/local-cluster.sh" run 5 "${run[@]}" --json "$TMP/hosts.json" ||
    bad "the run across hosts failed"
check "$TMP/hosts.json" '.mpi.host_count == 3 and .mpi.crosses_hosts == true and .mpi.rank_hosts[0] == "cs-h0"' \
    "the results show 3 hosts, the coordinator on cs-h0"
check "$TMP/hosts.json" '[.nodes[].host] | all(. != "cs-h0")' "every service node on another host" '.nodes'
check "$TMP/hosts.json" '.requests.lost == 0 and .requests.generated == .requests.completed + .requests.rejected + .requests.timed_out + .requests.failed' \
    "every request accounted for across hosts" '.requests'

OMPI_MCA_odls_base_sigkill_timeout=0 timeout 120 mpirun -q -np 5 --oversubscribe "$CS_BUILD/clustersim" "${run[@]}" \
    --json "$TMP/one.json" || bad "the same run on one host failed"
kill -TERM "$probe" && wait "$probe" || bad "the host probe failed"
check "$TMP/one.json" '.mpi.host_count == 1 and .mpi.crosses_hosts == false' "the one-host run is on one host"
a=$(jq '.throughput_rps' "$TMP/hosts.json") b=$(jq '.throughput_rps' "$TMP/one.json")
la=$(jq '.latency_us.mean' "$TMP/hosts.json") lb=$(jq '.latency_us.mean' "$TMP/one.json")
echo "across hosts: $a req/s, mean $la us; one host: $b req/s, mean $lb us"
# Open loop at 60% load, the same seed: both runs offer the same arrivals
# (1200 req/s), and below saturation throughput is the load offered,
# whatever the hosts' speed; 5% is room for the requests still in flight
# at the window's edges, not for timing.
awk -v a="$a" -v b="$b" 'BEGIN { exit !((a / b - 1) < 0.05 && (b / a - 1) < 0.05) }' &&
    ok "throughput agrees within 5%" || bad "throughput $a vs $b"
# Across hosts the nodes poll for work (no shared-memory doorbell) and TCP
# adds tens of microseconds per message: latency agrees within 20%.
# A VM's host that pauses the CPUs (the probe woke late: probe_late,
# tests/checks.sh) moves a mean of a few milliseconds: such a run is not
# judged, within a hard bound of 60%.
TIMED=$((TIMED + 1))
if awk -v a="$la" -v b="$lb" 'BEGIN { r = a / b; exit !(r < 1.2 && r > 1 / 1.2) }'; then
    ok "mean latency agrees within 20%"
elif awk -v a="$la" -v b="$lb" 'BEGIN { r = a / b; exit !(r < 1.6 && r > 1 / 1.6) }' &&
    probe_late "$TMP/probe.json"; then
    not_judged "across and one host" "mean latency $la vs $lb: the host probe woke late: $(cat "$TMP/probe.json")"
else
    bad "mean latency $la vs $lb (host probe: $(cat "$TMP/probe.json" 2>/dev/null))"
fi
# A network with 1 ms of one-way delay: with a window of 1 a node waits a
# round trip between two requests, so its throughput is bounded by
# 1 / (service time + round trip) = 1 / (1 ms + 2 ms) = 333 req/s, far
# below the 900 offered; a window of 8 keeps it busy again.
"$ROOT/scripts/local-cluster.sh" down >/dev/null
"$ROOT/scripts/local-cluster.sh" up 2 --delay-us 1000
# The switch says how late it sent the frames of each run (SIGUSR1): when
# other work or a pausing VM host holds them, the delay is not 1 ms, and
# the run says nothing about the lesson.
switch_late() { # prints the switch's mean lateness in us since the last call
    local i
    for i in $(seq 20); do grep -q "netdelay: ready" "$CS_CLUSTER_DIR/netdelay.log" 2>/dev/null && break; sleep 0.1; done
    kill -USR1 "$(cat "$CS_CLUSTER_DIR/netdelay.pid" 2>/dev/null)" 2>/dev/null || true
    sleep 0.3
    tail -1 "$CS_CLUSTER_DIR/netdelay.log" 2>/dev/null | sed -n 's/.*late by \([0-9.]*\) us on average.*/\1/p'
}
window_run() { # W: one 3 s run with dispatch.window W; sets WT to its throughput (no subshell, so a bad counts)
    switch_late >/dev/null
    timeout -k 5 120 "$ROOT/scripts/local-cluster.sh" run 2 -q --set load.duration_s=3 --set load.warmup_s=1 \
        --set service.time='{"dist":"constant","mean_us":1000}' --set load.rate_rps=900 --set dispatch.window=$1 \
        --set dispatch.max_pending=100 --json "$TMP/window$1.json" >/dev/null 2>&1 || bad "window $1: the run failed"
    late=$(switch_late)
    echo "${late:-0}" >"$TMP/window$1.late"
    WT=$(jq '.throughput_rps' "$TMP/window$1.json" 2>/dev/null || echo 0)
}
# window_judged W WHAT HARD: fail WHAT unless the switch held run W's
# frames over 100 us (10% of the delay) late on average and the awk
# condition HARD, a bound no late switch excuses, holds.
window_judged() {
    local late
    late=$(cat "$TMP/window$1.late" 2>/dev/null || echo 0)
    if awk -v l="$late" "BEGIN { exit !(l > 100 && ($3)) }"; then
        not_judged "window $1" "$2: the switch sent frames $late us late on average (the host held it)"
    else
        bad "$2"
    fi
}
window_run 1
w1=$WT
# The delaying switch is a userspace process: when other work takes the
# host's CPU (a build, another job), frames wait longer than 1 ms and the
# window-8 run falls short of the load. Such a run says nothing about the
# lesson, so it is run again, at most 3 times in all, when the switch
# says it was late (over 100 us on average); a short run with a switch on
# time is judged as it is.
for try in 1 2 3; do
    window_run 8
    w8=$WT
    awk -v t="$w8" 'BEGIN { exit !(t >= 900 * 0.9) }' && break
    awk -v l="$(cat "$TMP/window8.late")" 'BEGIN { exit !(l > 100) }' || break
    echo "window 8, run $try: $w8 req/s, below 90% of 900, the switch $(cat "$TMP/window8.late") us late; again"
done
# Window 1: one request a round trip, 1 / (1 ms + 2 x (1 ms + the
# switch's mean lateness)): 333 req/s on time, 278 with the switch 300 us
# late on a loaded 2-core host. At most 333 (5% over: the window's
# edges), and at least 80% of the bound the switch's measured lateness
# gives (the rest: MPI, the wake-ups; 298 against 322 here): a node that
# waited two round trips a request (200 req/s on time) fails it.
# Otherwise judged by the switch's own lateness (window_judged), within a
# hard bound that only says the window held the node back (over 50 req/s,
# under the bound: a window that did not hold would give 900).
late1=$(cat "$TMP/window1.late" 2>/dev/null || echo 0)
bound1=$(awk -v l="${late1:-0}" 'BEGIN { printf "%.0f", 1e6 / (1000 + 2 * (1000 + l)) }')
echo "1 ms one-way delay, 1 ms service: window 1 $w1 req/s per node, window 8 $w8 req/s (bound for window 1: 333; $bound1 with the switch ${late1:-0} us late)"
TIMED=$((TIMED + 2))
awk -v t="$w1" -v b="$bound1" 'BEGIN { exit !(t <= 333 * 1.05 && t >= b * 0.8) }' &&
    ok "window 1: throughput bounded by 1 / (service + round trip)" ||
    window_judged 1 "window 1: $w1 req/s" "$w1 <= 333 * 1.05 && $w1 > 50"
awk -v t="$w8" 'BEGIN { exit !(t >= 900 * 0.9) }' && ok "window 8: throughput restored" ||
    window_judged 8 "window 8: $w8 req/s" "$w8 >= 900 * 0.5"
finish
