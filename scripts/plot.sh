#!/usr/bin/env bash
# Plot a sweep's results with gnuplot:
#   scripts/plot.sh RESULTS.json [OUT_DIR]
# RESULTS.json comes from clustersim --sweep --json. Writes into OUT_DIR
# (default: the directory of RESULTS.json), for a sweep over node counts:
#   <name>-throughput.png   throughput against service nodes, with the ideal
#                           linear scale-out, the coordinator's ceiling, the
#                           USL fit and the knee
#   <name>-utilization.png  coordinator and mean node utilization per step
# and for a sweep over offered load (sweep.rates_rps):
#   <name>-latency.png      p50 and p99 latency against offered load (the
#                           "hockey stick"), with throughput beside it
# Reads only the results file.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: scripts/plot.sh RESULTS.json [OUT_DIR]" >&2; exit 2; }
results=$1
out=${2:-$(dirname "$results")}
[ -r "$results" ] || { echo "plot.sh: cannot read '$results'" >&2; exit 2; }
cs_need_packages gnuplot-nox jq
jq -e '.sweep | length > 0' "$results" >/dev/null 2>&1 ||
    { echo "plot.sh: '$results' has no sweep (run clustersim with --sweep --json)" >&2; exit 2; }
mkdir -p "$out"

name=$(jq -r '.scenario.name' "$results")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jq -r '.sweep[] | [.nodes, .offered_rps, .throughput_rps, .p50_us, .p99_us,
                   .coordinator_utilization * 100, .node_utilization_mean * 100] | @tsv' "$results" >"$tmp/steps.tsv"
# Analysis numbers, "NaN" where absent (a rate sweep has none).
num() { jq -r "($1) // \"NaN\"" "$results"; }
x1=$(num '.analysis.usl.x1_rps')
sigma=$(num '.analysis.usl.sigma')
kappa=$(num '.analysis.usl.kappa')
ceiling=$(num '.analysis.coordinator_ceiling_rps')
knee=$(num '.analysis.knee_nodes')
predicted=$(num '.analysis.predicted_knee_nodes')
first_n=$(head -1 "$tmp/steps.tsv" | cut -f1)
first_x=$(head -1 "$tmp/steps.tsv" | cut -f3)
max_n=$(tail -1 "$tmp/steps.tsv" | cut -f1)
mode=$(jq -r '.scenario.sweep.mode' "$results")

common='set terminal pngcairo size 1000,640 enhanced font "Sans,11"
set datafile separator "\t"
set grid
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 1.3
set style line 2 lc rgb "#7f7f7f" lw 1.5 dt 2
set style line 3 lc rgb "#d62728" lw 1.5 dt 3
set style line 4 lc rgb "#2ca02c" lw 2
set style line 5 lc rgb "#ff7f0e" lw 2 pt 5 ps 1.2
set style line 6 lc rgb "#d62728" lw 2 pt 7 ps 1.2'

if jq -e '.scenario.sweep.rates_rps != null' "$results" >/dev/null; then
    nodes=$(head -1 "$tmp/steps.tsv" | cut -f1)
    gnuplot <<GNUPLOT
$common
set output "$out/$name-latency.png"
set title "$name: latency against offered load, $nodes service nodes"
set xlabel "offered load (requests/s)"
set ylabel "latency (ms)"
set y2label "throughput (requests/s)"
set logscale y
set xrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set key top left box opaque
plot "$tmp/steps.tsv" using 2:(\$4/1000) with linespoints ls 1 title "p50 latency", \
     "$tmp/steps.tsv" using 2:(\$5/1000) with linespoints ls 5 title "p99 latency", \
     "$tmp/steps.tsv" using 2:3 axes x1y2 with linespoints ls 2 pt 6 title "throughput (right axis)"
GNUPLOT
    echo "wrote $out/$name-latency.png"
    exit 0
fi

gnuplot <<GNUPLOT
$common
set key top left box opaque
set output "$out/$name-throughput.png"
set title "$name: throughput against service nodes ($mode sweep)"
set xlabel "service nodes"
set ylabel "throughput (requests/s)"
set xrange [0:$max_n + 1]
set yrange [0:*]
per_node = $first_x / $first_n
usl(n) = $x1 * n / (1 + $sigma * (n - 1) + $kappa * n * (n - 1))
set samples 400
knee = $knee
if (knee == knee) { set arrow from knee, graph 0 to knee, graph 1 nohead lc rgb "#9467bd" lw 1.5 dt 4; \
                    set label sprintf("knee: %g nodes (predicted %.1f)", knee, $predicted) at knee, graph 0.06 offset 1,0 }
plot per_node * x ls 2 title "ideal linear scale-out", \
     ($ceiling == $ceiling ? $ceiling : 1/0) ls 3 title sprintf("coordinator ceiling (%.0f req/s)", $ceiling), \
     ($x1 == $x1 ? usl(x) : 1/0) ls 4 title "Universal Scalability Law fit", \
     "$tmp/steps.tsv" using 1:3 with linespoints ls 1 title "measured"

unset arrow
unset label
set output "$out/$name-utilization.png"
set title "$name: utilization per step"
set xlabel "service nodes"
set ylabel "busy (% of the measured window)"
set xrange [0:$max_n + 1]
set yrange [0:105]
set key bottom left box opaque
plot "$tmp/steps.tsv" using 1:6 with linespoints ls 6 title "coordinator", \
     "$tmp/steps.tsv" using 1:7 with linespoints ls 1 title "service nodes (mean)"
GNUPLOT
echo "wrote $out/$name-throughput.png $out/$name-utilization.png"
