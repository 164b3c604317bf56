#!/usr/bin/env bash
# One-line scaling experiment: run the coordinator-knee scenario as a
# sweep over 1 to 8 service nodes in one MPI job, then plot it.
#   scripts/scaling.sh [OUT_DIR]     (default: results/scaling-<time>)
# Writes OUT_DIR/coordinator-knee.json and .csv, and the three plots.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cs_need_packages $CS_RUN_PACKAGES jq gnuplot-nox
cs_build
cs_mpi_env

out=${1:-$CS_ROOT/results/scaling-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
np=9 # a coordinator and the sweep's largest step, 8 service nodes
cs_say "mpirun $(cs_mpirun_args $np) clustersim --config jobs/scenarios/coordinator-knee.json --sweep"
mpirun $(cs_mpirun_args $np) "$CS_BUILD/clustersim" --config "$CS_ROOT/jobs/scenarios/coordinator-knee.json" \
    --sweep --json "$out/coordinator-knee.json" --csv "$out/coordinator-knee.csv"
"$CS_ROOT/scripts/plot.sh" "$out/coordinator-knee.json" "$out"
