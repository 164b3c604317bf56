#!/usr/bin/env bash
# --help, --version and --print-config: printed once, exit 0, even under
# mpirun with several ranks.
source "$(dirname "$0")/lib.sh"

cs 2 --help
[ "$RC" -eq 0 ] && [ "$(grep -c '^usage:' "$TMP/out")" -eq 1 ] && ok "--help once, exit 0" || bad "--help: $RC $(cat "$TMP/out")"
cs 2 --version
# "clustersim 0.1.0 (Open MPI v4.1.4, futex doorbell, yields in MPI's own
# waits)": the project's version, once, with the MPI and the doorbell it
# was built with; with Open MPI, its switch for yielding the CPU in its
# own waits was found (mpi_run.c cs_mpi_yield_idle), else an 8-rank launch
# on 2 cores spends a second spinning in its set-up.
[ "$RC" -eq 0 ] && [ "$(grep -c . "$TMP/out")" -eq 1 ] &&
    [ "$(cut -d' ' -f1-2 "$TMP/out")" = "clustersim $(sed -n 's/^project(clustersim VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../../CMakeLists.txt")" ] &&
    grep -qE '^clustersim [0-9.]+ \((Open MPI[^,]*, (futex|poll) doorbell, yields in MPI.s own waits|MPICH[^,]*, (futex|poll) doorbell)\)$' "$TMP/out" &&
    ok "--version matches the project version, and names the MPI and the doorbell: $(cat "$TMP/out")" ||
    bad "--version: $(cat "$TMP/out")"
cs 2 --print-config --set load.rate_rps=1234 --set dispatch.policy=random
if [ "$RC" -eq 0 ] && jq -e '.load.rate_rps == 1234 and .dispatch.policy == "random" and .dispatch.window == 128' "$TMP/out" >/dev/null; then
    ok "--print-config prints the effective scenario"
else
    bad "--print-config: $RC $(cat "$TMP/out" "$TMP/err")"
fi
# --print-config validates what the run would: a sweep that does not fit
# the ranks, a node list of the wrong length.
EXPECT_RC=2 cs 4 --print-config --sweep --set 'sweep.nodes=[1,2,4,8]'
[ "$RC" -eq 2 ] && grep -q "start it with at least 9 ranks" "$TMP/err" && ! grep -q '"name"' "$TMP/out" &&
    ok "--print-config refuses a sweep the ranks cannot run, naming the ranks it needs" ||
    bad "--print-config with a sweep too big: $RC $(cat "$TMP/err")"
EXPECT_RC=2 cs 4 --print-config --set 'nodes.speed=[1,2]'
[ "$RC" -eq 2 ] && grep -q "'nodes.speed'" "$TMP/err" && ok "--print-config checks node lists against the ranks" ||
    bad "--print-config with a short node list: $RC $(cat "$TMP/err")"

# --compare, without MPI: two runs side by side, the differing key named.
cs 3 -q --set load.duration_s=1 --set load.warmup_s=0.2 --json "$TMP/a.json"
cs 3 -q --set load.duration_s=1 --set load.warmup_s=0.2 --set dispatch.policy=pull --json "$TMP/b.json"
guarded "$CLUSTERSIM" --compare "$TMP/a.json" "$TMP/b.json"
grep -q 'dispatch.policy .*"round_robin" .*"pull"' "$TMP/out" && grep -q "^throughput (req/s)" "$TMP/out" &&
    ok "--compare: side by side, the scenario difference named" || bad "--compare: $(cat "$TMP/out" "$TMP/err")"
for f in "$TMP/none.json" "$(dirname "$0")/../../jobs/scenarios/mm1.json"; do
    EXPECT_RC=2 guarded "$CLUSTERSIM" --compare "$TMP/a.json" "$f"
    [ "$(cat "$TMP/out" "$TMP/err" | grep -c .)" -eq 1 ] && ok "--compare refuses $(basename "$f") with one line" ||
        bad "--compare $(basename "$f"): $RC $(cat "$TMP/out" "$TMP/err")"
done

# --html: one self-contained page that an XML parser accepts, with its
# four plots; --percentiles: HdrHistogram's text form, whose levels agree
# with the JSON's percentiles and whose count is the JSON's.
cs 3 -q --set load.duration_s=1.5 --set load.warmup_s=0.5 --set run.interval_ms=250 --json "$TMP/h.json" \
    --html "$TMP/h.html" --percentiles "$TMP/h.hgrm" --timeseries "$TMP/h.csv"
if [ "$RC" -eq 0 ] && xmllint --noout "$TMP/h.html" && [ "$(grep -c '<svg ' "$TMP/h.html")" -eq 4 ] &&
    grep -q 'Throughput over time' "$TMP/h.html" && ! grep -q '<script\|src=' "$TMP/h.html"; then
    ok "--html: a well-formed self-contained page with its four plots"
else
    bad "--html: $RC $(cat "$TMP/err") $(xmllint --noout "$TMP/h.html" 2>&1 | head -3)"
fi
count=$(jq '.latency_us.count' "$TMP/h.json")
p50=$(jq '.latency_us.p50' "$TMP/h.json")
p90=$(jq ".latency_us.p90" "$TMP/h.json")
if awk -v n="$count" -v p50="$p50" -v p90="$p90" '
    NR == 1 { ok = ($1 == "Value" && $2 == "Percentile") }
    NF >= 3 && $1 ~ /^[0-9]/ { last = $2; total = $3; v[$2 + 0] = $1 }
    END { if (!ok || last != "1.000000000000" || total != n) exit 1
          if (!(0.5 in v) || v[0.5] - p50 > 0.01 * p50 || p50 - v[0.5] > 0.01 * p50) exit 1
          if (!(0.9 in v) || v[0.9] - p90 > 0.01 * p90 || p90 - v[0.9] > 0.01 * p90) exit 1 }' "$TMP/h.hgrm" &&
    grep -q "Total count    = *$count\]" "$TMP/h.hgrm"; then
    ok "--percentiles: HdrHistogram's form, matching the JSON's count and percentiles"
else
    bad "--percentiles (count $count, p50 $p50, p90 $p90): $(head -5 "$TMP/h.hgrm"; tail -4 "$TMP/h.hgrm")"
fi
# A sweep: a block per step, and the scaling curve's plots.
cs 3 -q --sweep --set 'sweep.nodes=[1,2]' --set load.duration_s=0.6 --set load.warmup_s=0.2 \
    --html "$TMP/s.html" --percentiles "$TMP/s.hgrm"
[ "$RC" -eq 0 ] && xmllint --noout "$TMP/s.html" && grep -q 'Throughput against service nodes' "$TMP/s.html" &&
    [ "$(grep -c '^# step [12] of 2: [12] service node' "$TMP/s.hgrm")" -eq 2 ] &&
    ok "a sweep's --html and --percentiles: its curves, a block per step" ||
    bad "sweep --html/--percentiles: $RC $(cat "$TMP/err")"

# scripts/plot.sh tells the three files apart and plots each; anything
# else is refused with one line.
plot() { bash "$(dirname "$0")/../../scripts/plot.sh" "$1" "$TMP/plots" >"$TMP/plot.out" 2>&1; }
for f in h.csv h.hgrm s.hgrm; do
    if plot "$TMP/$f" && [ -s "$TMP/plots/${f%.*}-$(case $f in *.csv) echo timeseries ;; *) echo percentiles ;; esac).png" ]; then
        ok "plot.sh $f: $(cat "$TMP/plot.out")"
    else
        bad "plot.sh $f: $(cat "$TMP/plot.out")"
    fi
done
for f in h.json h.html; do
    set +e
    plot "$TMP/$f"
    rc=$?
    set -e
    [ "$rc" -eq 2 ] && [ "$(grep -c . "$TMP/plot.out")" -eq 1 ] && ok "plot.sh refuses $f with one line" ||
        bad "plot.sh $f: $rc $(cat "$TMP/plot.out")"
done
# A results file someone sent: what it holds goes into no gnuplot command
# (a backquote in the scenario's name, the sweep's mode or a lever's key,
# a string for a number: each ran the command it named).
"$CLUSTERSIM" --virtual --nodes 16 --sweep -q --set 'sweep.dispatchers=[1,2]' --json "$TMP/lv.json" &&
    "$CLUSTERSIM" --virtual --nodes 16 --sweep -q --json "$TMP/sw.json" || bad "virtual sweeps for plot.sh"
ran="touch $TMP/ran"
jq --arg c "\`$ran\`" '.scenario.name = ("x" + $c + "_y") | .scenario.sweep.mode = $c | .levers.key = $c |
    .levers.settings[0].knee_nodes = ("1;system(\"" + $c + "\")")' "$TMP/lv.json" >"$TMP/evil-levers.json"
jq --arg c "\`$ran\`" '.scenario.name = $c | .scenario.sweep.mode = $c | .analysis.knee_nodes = ("2;" + $c) |
    .analysis.usl.kappa = $c' "$TMP/sw.json" >"$TMP/evil-sweep.json"
for f in "evil-levers *_y-levers.png" "evil-sweep -touch-*-throughput.png"; do
    read -r f png <<<"$f"
    plot "$TMP/$f.json" || true
    [ ! -e "$TMP/ran" ] && compgen -G "$TMP/plots/$png" >/dev/null &&
        ok "plot.sh $f.json: plotted, and ran nothing it held" || bad "plot.sh $f.json: $(cat "$TMP/plot.out")"
done

# The live progress line: under mpirun only a rank's stdout reaches the
# terminal (Open MPI forwards it through a pseudo terminal). At a terminal
# (util-linux script) it shows; in a pipe it does not, unless --progress.
run_at_terminal() { # output file, clustersim args...: the run must exit 0 and no sanitizer speak
    local out=$1 rc=0
    shift
    launcher 3
    local cmd="timeout -k 5 60 ${LAUNCH[*]} $CLUSTERSIM $*"
    script -qec "$cmd" /dev/null </dev/null >"$out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || bad "at a terminal: exit $rc: $cmd: $(head -c 600 "$out")"
    ! grep -qE 'Sanitizer|runtime error' "$out" || bad "a sanitizer report at a terminal: $(grep -m3 -E 'Sanitizer|runtime error' "$out")"
}
short="--set load.duration_s=2.5 --set load.warmup_s=0.2"
# One pattern for the line, whether it must show or must not (a reworded
# line would pass the "must not" checks of a pattern of its own).
progress_line='  generated [0-9]*  completed [0-9]*  outstanding [0-9]'
run_at_terminal "$TMP/tty.out" $short
grep -q "$progress_line" "$TMP/tty.out" && grep -q "^throughput" "$TMP/tty.out" &&
    ok "progress line at a terminal under mpirun" || bad "no progress at a terminal: $(head -c 600 "$TMP/tty.out")"
cs 3 $short
# (the report is there, so the run ran: its absence is no proof of a quiet pipe)
grep -q "^throughput" "$TMP/out" && ! grep -q "$progress_line" "$TMP/out" "$TMP/err" &&
    ok "no progress line in a pipe" || bad "progress line in a pipe, or no report: $(head -c 400 "$TMP/out" "$TMP/err")"
cs 3 $short --progress
grep -q "$progress_line" "$TMP/err" && ok "--progress draws it in a pipe" || bad "--progress: $(head -c 400 "$TMP/err")"
run_at_terminal "$TMP/tty-q.out" $short -q --json "$TMP/tty-q.json"
jq -e '.complete == true' "$TMP/tty-q.json" >/dev/null 2>&1 && ! grep -q "$progress_line" "$TMP/tty-q.out" &&
    ok "-q: no progress line at a terminal" || bad "progress with -q, or the run did not complete: $(head -c 400 "$TMP/tty-q.out")"
# --ranks: the rank count a scenario runs on, by the checks a run makes;
# no MPI. A scenario with per-node lists fixes it, a fault naming a rank
# or a sweep's largest step sets its least, the others take any.
SCEN=$(cd "$(dirname "$0")/../../jobs/scenarios" && pwd)
for want in "ticket-rush.json:4" "policy-shootout.json:4" "coffee-shop-fast-machine.json:2" \
    "coffee-shop-many-machines.json:9" "mm1.json:any (at least 2)" "straggler.json:any (at least 4)"; do
    f=${want%%:*} n=${want#*:}
    got=$("$CLUSTERSIM" --ranks --config "$SCEN/$f" 2>&1)
    [ "$got" = "$n" ] && ok "--ranks $f: $got" || bad "--ranks $f: '$got', expected '$n'"
done
for want in "--sweep --set sweep.nodes=[1,2,6]|any (at least 7)" "--set nodes.speed=[1,1,2]|4" \
    "--set dispatch.dispatchers=2|any (at least 3)" "--virtual --nodes 500|1" "--set run.nodes=2000|2001" \
    "--sweep --set sweep.nodes=[1,2,2048]|any (at least 2049)" \
    "--set nodes.speed={\"default\":1,\"5000\":2}|any (at least 5001)"; do
    args=${want%%|*} n=${want#*|}
    # shellcheck disable=SC2086 # args is a list of flags
    got=$("$CLUSTERSIM" --ranks $args 2>&1)
    [ "$got" = "$n" ] && ok "--ranks $args: $got" || bad "--ranks $args: '$got', expected '$n'"
done
# A fault past the counts tried one by one (it said "no service node of
# rank 3000 (ranks 1 to 2)").
got=$("$CLUSTERSIM" --ranks --set 'faults=[{"rank":3000,"at_s":1,"kind":"stop"}]' 2>&1)
[ "$got" = "any (at least 3001)" ] && ok "--ranks, a fault at rank 3000: $got" || bad "--ranks, fault at 3000: '$got'"
got=$("$CLUSTERSIM" --ranks --set 'nodes.speed=[1,1]' --set 'faults=[{"rank":5,"at_s":1,"kind":"stop"}]' 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 2 ] && [ "$(grep -c . <<<"$got")" -eq 1 ] && grep -q "^clustersim: .*'faults" <<<"$got" &&
    ok "--ranks of a scenario no count fits: one line naming the key, exit 2" || bad "--ranks, no fit: $rc $got"
# A run the checks before a launch refuse (a trace file that is not there)
# gets their message from --ranks too: scripts/run.sh launched ranks that
# each refused it.
got=$("$CLUSTERSIM" --ranks --set load.arrival=trace --set load.trace=/nonexistent/t.csv 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 2 ] && [ "$got" = "clustersim: scenario key 'load.trace': cannot read trace file '/nonexistent/t.csv': No \
such file or directory" ] && ok "--ranks of a trace run with no trace file: the run's message, exit 2" ||
    bad "--ranks, no trace file: $rc $got"
finish
