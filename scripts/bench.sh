#!/usr/bin/env bash
# Benchmark (not a test): the coordinator's maximum dispatch rate, with
# zero service time and zero dispatch.cost_us, at 2, 4 and 8 ranks, next
# to a minimal raw MPI request/reply loop (tools/rawloop.c) measured in
# the same run on the same ranks. The offered load is set 25% above what
# the raw loop reached, so the coordinator, not the schedule, sets the pace.
# Then rank 0's peak memory over a run of 5 million requests.
#   scripts/bench.sh [seconds per measurement, default 3] [rank counts...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cs_need_packages $CS_RUN_PACKAGES jq
cs_build
cs_mpi_env

secs=${1:-3}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(2 4 8)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '# clustersim dispatch benchmark on %s (%d cores), %s s per measurement\n' "$(hostname)" "$(nproc)" "$secs"
printf '%6s %16s %16s %8s %14s\n' "ranks" "raw_loop_rps" "clustersim_rps" "ratio" "coord_us_req"
for np in "${counts[@]}"; do
    args=$(cs_mpirun_args "$np")
    raw=$(mpirun $args "$CS_BUILD/tools/rawloop" "$secs" 128)
    rate=$(awk -v r="$raw" 'BEGIN { printf "%d", r * 1.25 }')
    mpirun $args "$CS_BUILD/clustersim" -q --set load.duration_s="$secs" --set load.warmup_s=0.5 \
        --set load.arrival=constant --set load.rate_rps="$rate" \
        --set service.time='{"dist":"constant","mean_us":0}' --set dispatch.cost_us=0 --json "$tmp/r.json"
    read -r got per < <(jq -r '"\(.throughput_rps) \(.coordinator.per_request_us)"' "$tmp/r.json")
    awk -v np="$np" -v raw="$raw" -v got="$got" -v per="$per" \
        'BEGIN { printf "%6d %16.0f %16.0f %8.2f %14.3f\n", np, raw, got, got / raw, per }'
done

# Rank 0's memory must not grow with the number of requests.
mpirun $(cs_mpirun_args 2) "$CS_BUILD/clustersim" -q --set load.duration_s=5 --set load.warmup_s=0 \
    --set load.arrival=constant --set load.rate_rps=1000000 --set service.time='{"dist":"constant","mean_us":0}' \
    --json "$tmp/rss.json"
jq -r '"rank 0 peak RSS over \(.requests.generated) requests (\(.requests.completed) completed, \(.requests.rejected) rejected): \(.coordinator.max_rss_kb / 1024 * 10 | floor / 10) MiB"' "$tmp/rss.json"
