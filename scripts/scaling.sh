#!/usr/bin/env bash
# One-line scaling experiment: run the coordinator-knee scenario as a
# sweep over 1 to 8 service nodes in one MPI job, then, on 8 nodes, as a
# sweep of offered load across the coordinator's ceiling; plot both.
#   scripts/scaling.sh [OUT_DIR]     (default: results/scaling-<time>)
# Writes OUT_DIR/coordinator-knee.{json,csv,html,hgrm} (the node sweep: results,
# rows, the HTML report, each step's latency percentiles),
# OUT_DIR/coordinator-knee-load.{json,csv} (the load sweep), and the plots.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cs_need_packages $CS_RUN_PACKAGES
# The plots need gnuplot and jq (scripts/plot.sh); without them, and no
# apt-get to install them as root, the runs go ahead and say how to plot
# them later.
plot=("$CS_ROOT/scripts/plot.sh")
if { command -v gnuplot && command -v jq; } >/dev/null 2>&1 ||
    { [ "$(id -u)" -eq 0 ] && [ -z "${CS_NO_PACKAGES:-}" ] && command -v apt-get >/dev/null 2>&1; }; then
    cs_need_packages jq gnuplot-nox
else
    no_plot() { cs_say "no plot of $1: gnuplot or jq is missing (Debian: sudo apt-get install gnuplot-nox jq; then scripts/plot.sh $1)"; }
    plot=(no_plot)
fi
# A plot that fails (a gnuplot without the PNG terminal) costs its plot,
# not the sweeps after it.
plot_or_say() { "${plot[@]}" "$@" || cs_say "the plot of $1 failed (above); the results stand: scripts/plot.sh $1 $2"; }
cs_build
cs_mpi_env

out=${1:-$CS_ROOT/results/scaling-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
np=9 # a coordinator and the sweep's largest step, 8 service nodes
cs_say "$(cs_launch $np) clustersim --config jobs/scenarios/coordinator-knee.json --sweep"
$(cs_launch $np) "$CS_BUILD/clustersim" --config "$CS_ROOT/jobs/scenarios/coordinator-knee.json" \
    --sweep --json "$out/coordinator-knee.json" --csv "$out/coordinator-knee.csv" \
    --html "$out/coordinator-knee.html" --percentiles "$out/coordinator-knee.hgrm" ${CS_RUN_EXTRA[@]+"${CS_RUN_EXTRA[@]}"}
plot_or_say "$out/coordinator-knee.json" "$out"
plot_or_say "$out/coordinator-knee.hgrm" "$out"
cs_say "the same on 8 nodes, offered load from 1000 to 5000 req/s"
$(cs_launch $np) "$CS_BUILD/clustersim" --config "$CS_ROOT/jobs/scenarios/coordinator-knee.json" \
    --sweep --set sweep.rates_rps='[1000,2000,3000,3500,4000,5000]' --set load.duration_s=4 \
    --json "$out/coordinator-knee-load.json" --csv "$out/coordinator-knee-load.csv" ${CS_RUN_EXTRA[@]+"${CS_RUN_EXTRA[@]}"}
plot_or_say "$out/coordinator-knee-load.json" "$out"
