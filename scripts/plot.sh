#!/usr/bin/env bash
# Plot clustersim's output with gnuplot:
#   scripts/plot.sh FILE [OUT_DIR]
# FILE is one of three things, told apart by its contents; the PNGs go
# into OUT_DIR (default: FILE's directory), named after FILE:
#   a sweep's results (clustersim --sweep --json FILE), for node counts:
#     <scenario>-throughput.png   throughput against service nodes, with
#                                 the ideal linear scale-out, the
#                                 coordinator's (or the relays') ceiling,
#                                 the USL fit, the knee
#     <scenario>-utilization.png  coordinator, busiest relay (with relays)
#                                 and mean node utilization
#   and for offered loads (sweep.rates_rps):
#     <scenario>-latency.png      p50 and p99 against offered load (the
#                                 "hockey stick"), throughput beside it;
#   a time series (clustersim --timeseries FILE, .csv or .jsonl):
#     <file>-timeseries.png       throughput (offered, completed, turned
#                                 away), p50 and p99 latency, and queue depth
#                                 over time (the warm-up included);
#   a percentile distribution (clustersim --percentiles FILE):
#     <file>-percentiles.png      the latency percentile spectrum, one line
#                                 per sweep step.
#   a lever sweep's results (sweep.dispatchers or sweep.batch), or several
#   sweeps' results side by side (scripts/plot.sh A.json B.json ...
#   [OUT_DIR]; the same sweep with a lever set differently):
#     <scenario>-levers.png       throughput against service nodes, a curve
#                                 per setting (or file), each knee marked.
# Reads only its files.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() {
    echo "usage: scripts/plot.sh RESULTS.json|TIMESERIES.csv|TIMESERIES.jsonl|PERCENTILES [OUT_DIR]" >&2
    echo "       scripts/plot.sh SWEEP.json SWEEP.json... [OUT_DIR]" >&2
    exit 2
}
[ $# -ge 1 ] || usage
files=()
while [ $# -gt 0 ] && { [ -f "$1" ] || [[ $1 == *.json ]]; }; do
    files+=("$1")
    shift
done
[ $# -le 1 ] && [ ${#files[@]} -ge 1 ] || usage
file=${files[0]}
out=${1:-$(dirname "$file")}
for f in "${files[@]}"; do
    [ -f "$f" ] && [ -r "$f" ] || { echo "plot.sh: cannot read '$f'" >&2; exit 2; }
done
cs_need_packages gnuplot-nox jq
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP # (a killed script removes it too: EXIT alone is not run then)
# A scenario's name is free text and a file's name the sender's: in a
# gnuplot script, a quote ends a string, a backquote runs a command, and
# in an enhanced-text title _ ^ @ & ~ { } are markup. Titles and the PNGs'
# names keep only what means nothing there.
title_of() { printf '%s' "$1" | tr -c 'A-Za-z0-9 .,:()+=%/-' '-'; }
file_of() { printf '%s' "$1" | tr -c 'A-Za-z0-9._+=-' '-'; }
base=$(basename "$file")
base=${base%.*}
base_title=$(title_of "$base")
base=$(file_of "$base")

common='set terminal pngcairo size 1000,640 enhanced font "Sans,11"
set datafile separator "\t"
set grid
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 1.3
set style line 2 lc rgb "#7f7f7f" lw 1.5 dt 2
set style line 3 lc rgb "#d62728" lw 1.5 dt 3
set style line 4 lc rgb "#2ca02c" lw 2
set style line 5 lc rgb "#ff7f0e" lw 2 pt 5 ps 1.2
set style line 6 lc rgb "#d62728" lw 2 pt 7 ps 1.2'

# --- a curve per setting of a lever, or per file --------------------------------
plots="" arrows="" curves=0
add_curve() { # TSV TITLE KNEE(or NaN)
    local at
    [[ $3 =~ ^[0-9]+$ ]] || set -- "$1" "$2" NaN # (what is not a node count goes into no command)
    at=$(awk -F'\t' -v k="$3" '$1 == k { print $2 + 0; exit }' "$1")
    plots+="${plots:+, }\"$1\" using 1:2 with linespoints lw 2 pt 7 ps 1.2 lc $((curves + 1)) title \"$(title_of "$2")$([ "$3" = NaN ] && echo ": no knee" || echo ": knee at $3 nodes")\""
    [ "$3" = NaN ] || arrows+="set arrow from $3, graph 0 to $3, ${at:-0} nohead lc $((curves + 1)) lw 1.5 dt 4 front"$'\n'
    curves=$((curves + 1))
}
# A sweep's rows that ran whole (one a signal cut short is last, and not drawn).
whole='.sweep[:(.sweep_finished // (.sweep | length))]'
if [ ${#files[@]} -gt 1 ]; then
    for f in "${files[@]}"; do
        jq -e '(.sweep | length > 0) and .analysis != null' "$f" >/dev/null 2>&1 ||
            { echo "plot.sh: '$f' is not a node-count sweep's results: several files are compared as sweeps" >&2; exit 2; }
        jq -r "$whole"'[] | [.nodes, .throughput_rps] | @tsv' "$f" >"$tmp/curve$curves.tsv"
        add_curve "$tmp/curve$curves.tsv" \
            "$(jq -r '.scenario.dispatch | "\(.dispatchers) dispatcher\(if .dispatchers > 1 then "s (" + .partition + ")" else "" end), batch \(.batch)"' "$f")" \
            "$(jq -r '.analysis.knee_nodes // "NaN"' "$f")"
    done
elif jq -e '.levers != null' "$file" >/dev/null 2>&1; then
    for g in $(jq '.levers.settings | keys[]' "$file"); do
        jq -r --argjson g "$g" '.levers.settings[$g] as $s | '"$whole"'[$s.first_row:$s.first_row + $s.rows][] |
            [.nodes, .throughput_rps] | @tsv' "$file" >"$tmp/curve$curves.tsv"
        add_curve "$tmp/curve$curves.tsv" "$(jq -r --argjson g "$g" '"\(.levers.key) \(.levers.settings[$g].value)"' "$file")" \
            "$(jq -r --argjson g "$g" '.levers.settings[$g].knee_nodes // "NaN"' "$file")"
    done
fi
if [ "$curves" -gt 0 ]; then
    name=$(jq -r '.scenario.name' "$file")
    name_title=$(title_of "$name")
    name=$(file_of "$name")
    gnuplot <<GNUPLOT
$common
set output "$out/$name-levers.png"
set title "$name_title: throughput against service nodes, a curve per setting (dotted: each knee)"
set xlabel "service nodes"
set ylabel "throughput (requests/s)"
set xrange [0:*]
set yrange [0:*]
set key top left box opaque
$arrows
plot $plots
GNUPLOT
    echo "wrote $out/$name-levers.png"
    exit 0
fi

first=$(head -c 200 "$file" | head -1)

# --- a time series ------------------------------------------------------------
if [[ $first == t_s,* ]] || [[ $first == '{"t_s"'* ]]; then
    if [[ $first == t_s,* ]]; then
        tail -n +2 "$file" | tr ',' '\t' >"$tmp/ts.tsv"
    else
        jq -r '[.t_s, .offered_rps, .completed_rps, .rejected_rps, .timed_out_rps, .failed_rps, .p50_us, .p99_us,
                .in_flight, .pending, .coordinator_utilization] | @tsv' "$file" >"$tmp/ts.tsv" ||
            { echo "plot.sh: '$file' is not a time series in JSON lines" >&2; exit 2; }
    fi
    # The last interval ends with the run, after a few ms of draining: too
    # short for a rate or a percentile, so it is left out.
    awk -F'\t' 'NR == 2 { step = $1 - t } { if (NR > 1) print row; row = $0; dt = $1 - t; t = $1 }
        END { if (NR == 1 || dt >= step / 2) print row }' "$tmp/ts.tsv" >"$tmp/ts.kept" && mv "$tmp/ts.kept" "$tmp/ts.tsv"
    rows=$(grep -c . "$tmp/ts.tsv" || true)
    [ "$rows" -ge 2 ] || { echo "plot.sh: '$file' has $rows interval(s); a plot needs 2 (a longer run, or a smaller run.interval_ms)" >&2; exit 2; }
    gnuplot <<GNUPLOT
$common
set terminal pngcairo size 1000,1000 enhanced font "Sans,11"
set output "$out/$base-timeseries.png"
set multiplot layout 3,1 title "$base_title: the run over time"
set lmargin 12
set xlabel "time since the start (s)"
set xrange [0:*]
set key top right box opaque
set ylabel "requests/s"
set yrange [0:*]
plot "$tmp/ts.tsv" using 1:2 with lines ls 2 title "offered (arrivals)", \
     "$tmp/ts.tsv" using 1:3 with lines ls 1 title "completed", \
     "$tmp/ts.tsv" using 1:(\$4 + \$5 + \$6) with lines ls 6 title "rejected, timed out or failed"
set ylabel "latency (ms)"
set logscale y
set yrange [*:*]
plot "$tmp/ts.tsv" using 1:(\$7 > 0 ? \$7 / 1000 : 1/0) with lines ls 1 title "p50", \
     "$tmp/ts.tsv" using 1:(\$8 > 0 ? \$8 / 1000 : 1/0) with lines ls 5 title "p99"
unset logscale y
set ylabel "requests"
set yrange [0:*]
plot "$tmp/ts.tsv" using 1:10 with lines ls 6 title "waiting at the coordinator", \
     "$tmp/ts.tsv" using 1:9 with lines ls 4 title "in flight at the nodes"
unset multiplot
GNUPLOT
    echo "wrote $out/$base-timeseries.png"
    exit 0
fi

# --- a percentile distribution ------------------------------------------------
if [[ $first == *Percentile*TotalCount* ]] || [[ $first == "# step "* ]]; then
    # One block per histogram (a sweep has one per step), blocks apart by
    # two blank lines; the 100% line (1/(1-p) infinite) is left out.
    awk -v data="$tmp/pct.tsv" -v titles="$tmp/titles" '
        /^# step / { t = $0; sub(/^# step [0-9]+ of [0-9]+: /, "", t); sub(/ \(latency in us\)$/, "", t); next }
        /Percentile/ && /TotalCount/ { if (b++) printf "\n\n" >data; print (t != "" ? t : "latency") >titles; t = ""; next }
        NF == 4 && $1 ~ /^[0-9]/ { printf "%s\t%s\n", $4, $1 >data }' "$file"
    [ -s "$tmp/pct.tsv" ] || { echo "plot.sh: '$file' has no percentile lines (write it with clustersim --percentiles FILE)" >&2; exit 2; }
    plots=""
    i=0
    while IFS= read -r t; do
        plots+="${plots:+, }\"$tmp/pct.tsv\" index $i using 1:(\$2 / 1000) with lines lw 2 title \"$(title_of "$t")\""
        i=$((i + 1))
    done <"$tmp/titles"
    gnuplot <<GNUPLOT
$common
set output "$out/$base-percentiles.png"
set title "$base_title: latency by percentile (from each request's intended arrival)"
set xlabel "percentile"
set ylabel "latency (ms)"
set logscale x
set xtics ("0%%" 1, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000, "99.9999%%" 1000000)
set key top left box opaque
plot $plots
GNUPLOT
    echo "wrote $out/$base-percentiles.png"
    exit 0
fi

# --- a sweep's results ----------------------------------------------------------
results=$file
jq -e "$whole"' | length > 0' "$results" >/dev/null 2>&1 ||
    { echo "plot.sh: '$results' is not a sweep's results, a time series or a percentile distribution (see scripts/plot.sh's header; a single run's plots: clustersim --html FILE)" >&2; exit 2; }
name=$(jq -r '.scenario.name' "$results")
name_title=$(title_of "$name")
name=$(file_of "$name")
# A row with relays from before the rows kept rank 0's utilization beside
# the relays' held the relays' in its coordinator field; rank 0's is then
# not known ("NaN", not drawn), as the busiest relay's is without relays.
jq -r "$whole"'[] | (if (.relays // 0) > 0 and (has("relay_utilization") | not)
                    then {c: null, r: .coordinator_utilization} else {c: .coordinator_utilization, r: .relay_utilization} end) as $u |
                  [.nodes, .offered_rps, .throughput_rps, .p50_us, .p99_us,
                   ($u.c | if . == null then "NaN" else . * 100 end),
                   .node_utilization_mean * 100,
                   ($u.r | if . == null then "NaN" else . * 100 end)] | @tsv' \
    "$results" >"$tmp/steps.tsv"
# Analysis numbers, "NaN" where absent (a rate sweep has none).
# (numbers only: a string in a field sent in a results file would be
# pasted into a gnuplot command)
num() { jq -r "($1) | numbers // \"NaN\"" "$results"; }
x1=$(num '.analysis.usl.x1_rps')
sigma=$(num '.analysis.usl.sigma')
kappa=$(num '.analysis.usl.kappa')
ceiling=$(num '.analysis.coordinator_ceiling_rps')
# (several dispatchers: their mean busy share and their ceiling)
several=$(jq -r "$whole"' | any((.dispatchers // 1) > 1)' "$results")
# (whose ceiling; a file from before ceiling_tier: the relays' under relays)
tier=$(jq -r 'if .analysis.ceiling_tier == "relays" or (.analysis.ceiling_tier == null and any('"$whole"'[]; (.relays // 0) > 0))
              then "relays'"'"'" else "coordinator" end' "$results")
[ "$tier" = coordinator ] && [ "$several" = true ] && tier="dispatchers'"
# (none where the tier measured no cost: virtual time without modelled costs)
ceiling_plot=""
[ "$ceiling" = NaN ] || ceiling_plot="$ceiling ls 3 title sprintf(\"$tier ceiling (%.0f req/s)\", $ceiling), "
knee=$(num '.analysis.knee_nodes')
predicted=$(num '.analysis.predicted_knee_nodes')
first_n=$(head -1 "$tmp/steps.tsv" | cut -f1)
first_x=$(head -1 "$tmp/steps.tsv" | cut -f3)
max_n=$(tail -1 "$tmp/steps.tsv" | cut -f1)
[[ $first_n =~ ^[0-9]+$ && $max_n =~ ^[0-9]+$ && $first_x =~ ^[0-9.eE+-]+$ ]] ||
    { echo "plot.sh: '$results': its sweep's rows hold no node counts and throughputs" >&2; exit 2; }
mode=$(title_of "$(jq -r '.scenario.sweep.mode' "$results")")
# Node counts over a factor of 16 or more (powers of two, most often) on a
# log2 axis, where a linear one crowds the small steps together.
xaxis="set xrange [0:$max_n + 1]"
log2=0
awk -v a="$first_n" -v b="$max_n" 'BEGIN { exit !(a > 0 && b >= 16 * a) }' &&
    log2=1 xaxis="set logscale x 2"$'\n'"set xrange [$first_n:$max_n]"
# The knee's label beside its line, on the side with room.
knee_side=$(awk -v k="$knee" -v a="$first_n" -v b="$max_n" -v l="$log2" 'BEGIN {
    f = k == "NaN" || b <= a ? 0 : l ? log(k / a) / log(b / a) : k / (b + 1)
    print (f > 0.6 ? "right offset -1,0" : "offset 1,0") }')
busy=coordinator
[ "$several" = true ] && busy="dispatchers (mean)"
relay_plot="" # the busiest relay's, where a step had relays
jq -e "$whole"' | any(.relays > 0)' "$results" >/dev/null &&
    relay_plot="\"$tmp/steps.tsv\" using 1:8 with linespoints ls 5 title \"relays (the busiest)\", "



if jq -e '.scenario.sweep.rates_rps != null' "$results" >/dev/null; then
    nodes=$(title_of "$(head -1 "$tmp/steps.tsv" | cut -f1)")
    gnuplot <<GNUPLOT
$common
set output "$out/$name-latency.png"
set title "$name_title: latency against offered load, $nodes service nodes"
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
set title "$name_title: throughput against service nodes ($mode sweep)"
set xlabel "service nodes"
set ylabel "throughput (requests/s)"
$xaxis
set yrange [0:*]
per_node = $first_x / $first_n
usl(n) = $x1 * n / (1 + $sigma * (n - 1) + $kappa * n * (n - 1))
set samples 400
knee = $knee
if (knee == knee) { set arrow from knee, graph 0 to knee, graph 1 nohead lc rgb "#9467bd" lw 1.5 dt 4; \
                    set label sprintf("knee: %g nodes (predicted %.1f)", knee, $predicted) at knee, graph 0.06 $knee_side }
plot per_node * x ls 2 title "ideal linear scale-out", \
     $ceiling_plot($x1 == $x1 ? usl(x) : 1/0) ls 4 title "Universal Scalability Law fit", \
     "$tmp/steps.tsv" using 1:3 with linespoints ls 1 title "measured"

unset arrow
unset label
set output "$out/$name-utilization.png"
set title "$name_title: utilization per step"
set xlabel "service nodes"
set ylabel "busy (% of the measured window)"
set yrange [0:105]
set bmargin 6
set key below box
plot "$tmp/steps.tsv" using 1:6 with linespoints ls 6 title "$busy", \
     $relay_plot"$tmp/steps.tsv" using 1:7 with linespoints ls 1 title "service nodes (mean)"
GNUPLOT
echo "wrote $out/$name-throughput.png $out/$name-utilization.png"
