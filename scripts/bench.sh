#!/usr/bin/env bash
# Benchmark (not a test): the coordinator's maximum dispatch rate, with
# zero service time and zero dispatch.cost_us, at 2, 4 and 8 ranks, next
# to a minimal raw MPI request/reply loop (tools/rawloop.c) measured in
# the same run on the same ranks, in an open loop (the offered load 25%
# above what the raw loop reached, so the coordinator, not the schedule,
# sets the pace) and in a closed one. Then the pull handoff at 5 ranks
# with and without prefetch, and the CPU time of a lightly loaded run.
# Then rank 0's peak memory over a run of 5 million requests. Then the
# virtual-time engine (no MPI): simulated requests per second of wall time
# and peak memory for 1000 nodes and 10 million requests, the ratio to a
# bare event-list simulation of the same model (tools/baresim) at 1000 and
# 100,000 nodes, instructions per request (callgrind, where valgrind is
# installed), a million nodes, a lever sweep on one rank and on two,
# and the master-workers scenario against SimGrid's S4U (bench/simgrid,
# built here when Debian's libsimgrid-dev is installed).
#   scripts/bench.sh [seconds per measurement, default 3] [rank counts...]
#   scripts/bench.sh --virtual       the virtual engine's part only
set -euo pipefail
source "$(dirname "$0")/lib.sh"

virtual_only=
if [ "${1:-}" = --virtual ]; then
    virtual_only=1
    shift
fi
secs=${1:-3}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(2 4 8)
for np in "${counts[@]}"; do # (before the build: a typo costs no build)
    [[ $np =~ ^[0-9]+$ ]] && [ "$np" -ge 2 ] ||
        { echo "bench.sh: rank count '$np': a run needs 2 ranks or more (a coordinator and a node)" >&2; exit 2; }
done

cs_need_packages $CS_RUN_PACKAGES jq time
cs_build
cs_mpi_env
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP # (a killed script removes it too: EXIT alone is not run then)

virtual_bench() {
    local cs=$CS_BUILD/clustersim
    printf '# clustersim virtual-time engine on %s, one core\n' "$(hostname)"
    printf '%-44s %10s %8s %12s %10s\n' "scenario" "requests" "wall_s" "requests/s" "peak_MiB"
    # wall seconds and peak KiB of a command, from GNU time
    # (a run that fails ends the benchmark, saying which: its numbers would be wrong)
    timed() {
        /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null ||
            { echo "bench.sh: this run failed: $*" >&2; exit 1; }
        cat "$tmp/time"
    }
    row() { # label results.json "wall kib" (empty: the run failed, and timed said so)
        local n wall kib
        [ -n "$3" ] || exit 1
        n=$(jq '.requests.generated' "$2")
        read -r wall kib <<<"$3"
        awk -v l="$1" -v n="$n" -v w="$wall" -v k="$kib" \
            'BEGIN { printf "%-44s %10d %8.2f %12.0f %10.1f\n", l, n, w, n / w, k / 1024 }'
    }
    # 1000 nodes at 70% load (700 k req/s): 1 and 10 million requests, so
    # that memory that grew with the requests served would show.
    local secs
    for secs in 1.43 14.3; do
        row "poisson 70%, round robin, 1000 nodes" "$tmp/v.json" \
            "$(timed "$cs" --virtual --nodes 1000 -q --set load.duration_s=$secs --set load.warmup_s=0 --json "$tmp/v.json")"
    done
    # Against a bare event-list simulation of the same model (tools/baresim:
    # Poisson arrivals at 70%, random dispatch, FIFO nodes, exponential
    # 1 ms service, a binary heap; no clustersim code), 2 million requests,
    # side by side: 3 rounds at 1000 nodes, 1 at 100,000 (the bare one is
    # random dispatch only: each policy's ratio is to it).
    local bare=$CS_BUILD/tools/baresim reps n policy k
    printf '%-44s %26s %26s %16s\n' "2 M requests, 70% load" "clustersim req/s (min-max)" "bare req/s (min-max)" \
        "ratio (min-max)"
    for n in 1000 100000; do
        for policy in random power_of_d least_outstanding; do
            [ "$n" = 1000 ] && [ "$policy" = least_outstanding ] && continue
            reps=3
            [ "$n" = 1000 ] || reps=1
            : >"$tmp/ratio"
            for k in $(seq $reps); do
                local t0 t1 ours_rps bare_rps
                read -r _ _ bare_rps _ < <("$bare" "$n" 0.7 2000000 "$k")
                timed "$cs" --virtual --nodes "$n" -q --set dispatch.policy="$policy" --set load.utilization=0.7 \
                    --set load.warmup_s=0 --set load.duration_s="$(awk -v n="$n" 'BEGIN { print 2000000 / (700 * n) }')" \
                    --set load.seed="$k" --json "$tmp/b.json" >/dev/null
                ours_rps=$(awk -v n="$(jq '.requests.generated' "$tmp/b.json")" -v w="$(cut -d' ' -f1 "$tmp/time")" \
                    'BEGIN { print n / w }')
                echo "$ours_rps $bare_rps" >>"$tmp/ratio"
            done
            awk -v l="$policy, $n nodes" '{ o[NR] = $1; b[NR] = $2; r[NR] = $1 / $2 }
                function lo(a) { m = a[1]; for (i in a) if (a[i] < m) m = a[i]; return m }
                function hi(a) { m = a[1]; for (i in a) if (a[i] > m) m = a[i]; return m }
                END { printf "%-44s %12.0f-%-13.0f %12.0f-%-13.0f %7.2f-%-8.2f\n", l, lo(o), hi(o), lo(b), hi(b), lo(r), hi(r) }' \
                "$tmp/ratio"
        done
    done
    # Instructions per request at 1000 nodes (random, 70%): callgrind's
    # count (valgrind; this VM has no hardware counters) of a 0.3 s run
    # less a 0.1 s one, so that the set-up and the report drop out.
    if command -v valgrind >/dev/null; then
        local d ir=() req=()
        for d in 0.1 0.3; do
            ir+=("$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$cs" --virtual --nodes 1000 -q \
                --set load.utilization=0.7 --set load.warmup_s=0 --set load.duration_s=$d --json "$tmp/i.json" 2>&1 |
                sed -n 's/.*refs: *//p' | tr -d ,)")
            req+=("$(jq .requests.generated "$tmp/i.json")")
        done
        awk -v a="${ir[0]}" -v b="${ir[1]}" -v x="${req[0]}" -v y="${req[1]}" \
            'BEGIN { printf "instructions per request, 1000 nodes, random, 70%%: %.0f (callgrind)\n", (b - a) / (y - x) }'
    else
        echo "instructions per request: not counted (apt-get install valgrind)"
    fi
    # A million nodes at 80% load: set-up, 4 million requests, the summary.
    row "poisson 80%, round robin, 1,000,000 nodes" "$tmp/m.json" \
        "$(timed "$cs" --virtual --nodes 1000000 -q --set load.utilization=0.8 --set load.warmup_s=0.003 \
            --set load.duration_s=0.002 --json "$tmp/m.json")"
    # A lever sweep at 10,000 nodes (35 steps), on one rank and shared by
    # two (mpirun -np 2): the same rows, in less wall time. Three rounds,
    # the order within a round turned each time, each ratio of a round's
    # own pair, and their median: this VM's speed drifts by a third within
    # a minute.
    local sweep=(--virtual --nodes 10000 --sweep --set 'sweep.dispatchers=[1,2,4,8,16]'
        --set 'sweep.nodes=[250,500,1000,2000,4000,8000,10000]' --set dispatch.cost_us=2
        --set load.duration_s=0.2 --set load.warmup_s=0.05 -q)
    local one two same=identical k
    for k in 1 2 3; do
        if [ $((k % 2)) -eq 1 ]; then
            one=$(timed "$cs" "${sweep[@]}" --csv "$tmp/one.csv" | cut -d' ' -f1)
            two=$(timed $(cs_launch 2) "$cs" "${sweep[@]}" --csv "$tmp/two.csv" | cut -d' ' -f1)
        else
            two=$(timed $(cs_launch 2) "$cs" "${sweep[@]}" --csv "$tmp/two.csv" | cut -d' ' -f1)
            one=$(timed "$cs" "${sweep[@]}" --csv "$tmp/one.csv" | cut -d' ' -f1)
        fi
        cmp -s "$tmp/one.csv" "$tmp/two.csv" || same=DIFFERENT
        echo "$one $two"
    done >"$tmp/sweeps"
    local median
    median=$(awk '{ print $2 / $1 }' "$tmp/sweeps" | sort -n | sed -n 2p)
    awk -v same="$same" -v m="$median" '{ a[NR] = $1; b[NR] = $2 }
        END { printf "lever sweep at 10,000 nodes, 3 rounds: %.2f, %.2f, %.2f s on one rank; %.2f, %.2f, %.2f s on 2: %.2f, %.2f, %.2f of it (median %.2f), rows %s\n",
              a[1], a[2], a[3], b[1], b[2], b[3], b[1] / a[1], b[2] / a[2], b[3] / a[3], m, same }' "$tmp/sweeps"
    # Master-workers: 2 tasks in flight at each of 1000 workers, 1 ms each.
    local tasks=200000 mw=(--set load.arrival=closed --set load.clients=2000 --set load.warmup_s=0
        --set 'load.think_us={"dist":"constant","mean_us":0}' --set 'service.time={"dist":"constant","mean_us":1000}'
        --set dispatch.policy=round_robin --set dispatch.window=2)
    row "master-workers, 1000 workers x 2, clustersim" "$tmp/mw.json" \
        "$(timed "$cs" --virtual --nodes 1000 -q "${mw[@]}" --set load.duration_s=0.2 --json "$tmp/mw.json")"
    local ours
    ours=$(awk -v n="$(jq '.requests.generated' "$tmp/mw.json")" -v w="$(cut -d' ' -f1 "$tmp/time")" 'BEGIN { print n / w }')
    if ! [ -f /usr/include/simgrid/s4u.hpp ] || ! command -v g++ >/dev/null; then
        echo "SimGrid: not compared (apt-get install libsimgrid-dev g++)"
        return
    fi
    g++ -O2 -std=c++17 -o "$tmp/masterworkers" "$CS_ROOT/bench/simgrid/masterworkers.cpp" -lsimgrid
    # A cluster of 1001 hosts at 1 Gflop/s, with links fast enough that the
    # workers, not the master's network, set the pace (as in clustersim).
    cat >"$tmp/platform.xml" <<'XML'
<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <cluster id="c" prefix="node-" suffix="" radical="0-1000" speed="1Gf" bw="10GBps" lat="0.05us"/>
</platform>
XML
    local n simulated wall kib
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$tmp/masterworkers" "$tmp/platform.xml" 1000 "$tasks" 2 1000 \
        --log=root.thres:critical --cfg=network/crosstraffic:0 >"$tmp/sg.out"
    read -r n simulated _ <"$tmp/sg.out"
    read -r wall kib <"$tmp/time"
    awk -v l="master-workers, 1000 workers x 2, SimGrid" -v n="$n" -v w="$wall" -v k="$kib" -v s="$simulated" \
        'BEGIN { printf "%-44s %10d %8.2f %12.0f %10.1f  (%.0f tasks/s simulated)\n", l, n, w, n / w, k / 1024, n / s }'
    awk -v a="$ours" -v b="$(awk -v n="$n" -v w="$wall" 'BEGIN { print n / w }')" \
        'BEGIN { printf "clustersim / SimGrid, simulated requests per wall second: %.0fx\n", a / b }'
}

if [ -n "$virtual_only" ]; then
    virtual_bench
    exit 0
fi

printf '# clustersim dispatch benchmark on %s (%d cores), %s s per measurement\n' "$(hostname)" "$(cs_cores)" "$secs"
# Open loop: the offered load 25% above the raw loop's rate (128 requests
# in flight per node). Closed loop: 48 clients with no think time against
# the raw loop with the same 48 in flight (48 / nodes per node).
printf '%6s %-6s %16s %16s %8s %14s\n' "ranks" "loop" "raw_loop_rps" "clustersim_rps" "ratio" "coord_us_req"
zero=(--set 'service.time={"dist":"constant","mean_us":0}' --set dispatch.cost_us=0)
for np in "${counts[@]}"; do
    launch=$(cs_launch "$np")
    raw=$($launch "$CS_BUILD/tools/rawloop" "$secs" 128)
    rate=$(awk -v r="$raw" 'BEGIN { printf "%d", r * 1.25 }')
    $launch "$CS_BUILD/clustersim" -q --set load.duration_s="$secs" --set load.warmup_s=0.5 \
        --set load.arrival=constant --set load.rate_rps="$rate" "${zero[@]}" --json "$tmp/r.json"
    read -r got per < <(jq -r '"\(.throughput_rps) \(.coordinator.per_request_us)"' "$tmp/r.json")
    awk -v np="$np" -v raw="$raw" -v got="$got" -v per="$per" \
        'BEGIN { printf "%6d %-6s %16.0f %16.0f %8.2f %14.3f\n", np, "open", raw, got, got / raw, per }'
    raw=$($launch "$CS_BUILD/tools/rawloop" "$secs" $(((48 + np - 2) / (np - 1))))
    $launch "$CS_BUILD/clustersim" -q --set load.duration_s="$secs" --set load.warmup_s=0.5 \
        --set load.arrival=closed --set load.clients=48 --set 'load.think_us={"dist":"constant","mean_us":0}' \
        "${zero[@]}" --json "$tmp/r.json"
    read -r got per < <(jq -r '"\(.throughput_rps) \(.coordinator.per_request_us)"' "$tmp/r.json")
    awk -v np="$np" -v raw="$raw" -v got="$got" -v per="$per" \
        'BEGIN { printf "%6d %-6s %16.0f %16.0f %8.2f %14.3f\n", np, "closed", raw, got, got / raw, per }'
done

# The pull handoff: how long a node waits idle for its next request, at
# 5 ranks (4 nodes on 2 cores, 80% load, 1 ms exponential service), with
# dispatch.prefetch 1 (the next request is sent when the node answers)
# and 2 (it travels while the node serves).
printf '%-40s %12s %14s %12s\n' "pull, 5 ranks, 80% load" "handoff_us" "handoffs/req" "mean_us"
for p in 1 2; do
    $(cs_launch 5) "$CS_BUILD/clustersim" -q --set load.duration_s="$secs" --set load.warmup_s=0.5 \
        --set load.utilization=0.8 --set dispatch.policy=pull --set dispatch.prefetch=$p --json "$tmp/pull.json"
    jq -r --arg l "dispatch.prefetch $p" '"\($l)|\(.service_us.handoff_mean_us // 0)|\(.service_us.handoffs / .requests.completed)|\(.latency_us.mean)"' \
        "$tmp/pull.json" | awk -F'|' '{ printf "%-40s %12.1f %14.3f %12.0f\n", $1, $2, $3, $4 }'
done

# Idle ranks must stay idle: the CPU time of a 10 s run at 10% load on
# 4 ranks (the ranks' own, user + system, as each measures it: a launcher
# that starts them through srun, as MPICH's does in an allocation, hides
# them from a time of its own).
$(cs_launch 4) "$CS_BUILD/clustersim" -q --set load.duration_s=10 --set load.warmup_s=0 \
    --set load.utilization=0.1 --json "$tmp/cpu.json" >/dev/null
jq -r '"CPU time of a 10 s run at 10% load on 4 ranks: \(if .mpi.cpu_s then "\(.mpi.cpu_s * 100 | round / 100) s" else "not measured (a rank could not read its CPU time)" end)"' "$tmp/cpu.json"

# Rank 0's memory must not grow with the number of requests.
$(cs_launch 2) "$CS_BUILD/clustersim" -q --set load.duration_s=5 --set load.warmup_s=0 \
    --set load.arrival=constant --set load.rate_rps=1000000 --set service.time='{"dist":"constant","mean_us":0}' \
    --json "$tmp/rss.json"
jq -r '"rank 0 peak RSS over \(.requests.generated) requests (\(.requests.completed) completed, \(.requests.rejected) rejected): \(.coordinator.max_rss_kb / 1024 * 10 | floor / 10) MiB"' "$tmp/rss.json"

virtual_bench
