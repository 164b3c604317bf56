#!/usr/bin/env bash
# Arrival processes on real MPI runs: a closed loop obeys the interactive
# response time law; a trace is replayed; a flash crowd (load.schedule)
# shows in the time series, with and without admission control.
source "$(dirname "$0")/lib.sh"

# Closed loop: 12 clients, 5 ms mean think time, 3 nodes at 1 ms. Its 8 s
# stay 8 s under the sanitizers too: the law is checked on every build, and
# a 1 s window put it 13% off under ASan.
cs 4 -q --set load.arrival=closed --set load.clients=12 --set load.think_us='{"dist":"exponential","mean_us":5000}' \
    --set load.duration_s=8 --set load.warmup_s=1 --json "$TMP/closed.json"
check_valid "$TMP/closed.json"
law=$(jq '1e6 * (12 / .throughput_rps - 0.005)' "$TMP/closed.json")
echo "closed loop: R measured $(jq .latency_us.mean "$TMP/closed.json") us, N/X - Z = $law us"
check "$TMP/closed.json" "(.latency_us.mean / $law - 1) | fabs < 0.10" "closed loop obeys R = N/X - Z within 10%" '.latency_us'
check "$TMP/closed.json" '.requests.rejected == 0' "closed loop: no rejections"

# Trace: 200 arrivals 10 ms apart with their own service times.
awk 'BEGIN { print "offset_s,service_us"; for (i = 1; i <= 200; i++) printf "%.3f,%d\n", i * 0.01, 500 + (i % 3) * 250 }' >"$TMP/trace.csv"
cs 3 -q --set load.arrival=trace --set load.trace="$TMP/trace.csv" --set load.duration_s=2.5 --set load.warmup_s=0 \
    --json "$TMP/trace.json"
check_valid "$TMP/trace.json"
check "$TMP/trace.json" '.requests.generated == 200' "trace: every line replayed"
# What the nodes were asked to serve (delivered / inflation): the trace's
# 750 us, however late a busy host delivered it (ASan on a loaded VM
# measured 1.19x once).
check "$TMP/trace.json" '(.service_us.mean / .service_us.inflation / 750 - 1) | fabs < 0.05' \
    "trace: its service times are used" '.service_us'

# Ticket rush: 1000 req/s, then 6000 for 2 s, then 1000 again, on 3 nodes
# that serve 3000. Without admission control the backlog (and the
# latency) grows until the crowd leaves; with it, requests are rejected
# and latency stays bounded.
rush=(-q --set load.duration_s=6 --set load.warmup_s=0
    --set load.schedule='[{"at_s":0,"rate_rps":1000},{"at_s":2,"rate_rps":6000},{"at_s":4,"rate_rps":1000}]'
    --set run.interval_ms=500 --set dispatch.window=8)
cs 4 "${rush[@]}" --set dispatch.max_pending=1000000 --json "$TMP/open.json" --timeseries "$TMP/open.csv"
check_valid "$TMP/open.json"
cs 4 "${rush[@]}" --set dispatch.max_pending=30 --json "$TMP/bounded.json" --timeseries "$TMP/bounded.jsonl"
check_valid "$TMP/bounded.json"
[ "$(head -1 "$TMP/open.csv")" = "t_s,offered_rps,completed_rps,rejected_rps,timed_out_rps,failed_rps,p50_us,p99_us,in_flight,pending,coordinator_utilization" ] &&
    ok "time series CSV header" || bad "time series header: $(head -1 "$TMP/open.csv")"
rows=$(($(wc -l <"$TMP/open.csv") - 1))
[ "$rows" -ge 12 ] && ok "time series has a row per 500 ms ($rows)" || bad "time series has $rows rows"
# p99 per interval: it keeps climbing through the crowd without admission control...
# (at least 3 intervals of the crowd: none would make the climb vacuous)
# (columns: the header above; p99_us is the 8th)
climb=$(awk -F, 'NR > 1 && $1 > 2.4 && $1 <= 4.1 { n++; if (prev != "" && $8 <= prev) bad = 1; prev = $8 }
    END { print (bad || n < 3) ? 0 : 1 }' "$TMP/open.csv")
[ "$climb" -eq 1 ] && ok "no admission control: p99 climbs through the crowd" || bad "p99 did not climb: $(cat "$TMP/open.csv")"
peak_open=$(awk -F, 'NR > 1 && $8 > m { m = $8 } END { print m }' "$TMP/open.csv")
peak_bounded=$(jq -s 'map(.p99_us) | max' "$TMP/bounded.jsonl")
rejected=$(jq -s 'map(.rejected_rps) | max' "$TMP/bounded.jsonl")
echo "ticket rush: peak p99 $peak_open us without admission control, $peak_bounded us with; peak rejections $rejected/s"
# With at most 30 waiting at the coordinator the admitted wait tens of ms
# (25-27 ms here, 32 ms once on a busy host); without it, seconds: 20x
# below holds on any host (a pause delays both runs alike). Under 60 ms
# is a timing (one host pause of 60-90 ms in an interval puts its p99
# there): judged on the runs' evidence.
awk -v o="$peak_open" -v b="$peak_bounded" 'BEGIN { exit !(o > 100000 && b * 20 < o) }' &&
    ok "admission control bounds latency (p99 peak $peak_bounded us vs $peak_open us)" || bad "latency not bounded"
timed "$TMP/bounded.json" "$peak_bounded < 60000" "$peak_bounded < 200000" \
    "admission control: the admitted wait tens of ms" "peak p99 $peak_bounded us"
check "$TMP/bounded.json" '.requests.rejected > 1000' "admission control rejects the excess" '.requests'
check "$TMP/open.json" '.requests.rejected == 0' "no admission control: nothing rejected" '.requests'
# The averages keep up (nodes 75% busy), the verdict must not: it names the
# overload, when and how deep.
timed_check "$TMP/open.json" '.bottleneck == "service_nodes" and (.overload.from_s - 2 | fabs) < 0.3 and .overload.to_s > 5 and .overload.pending_peak > 4000' \
    '(.bottleneck | IN("service_nodes", "host_cpu")) and (.overload.from_s - 2 | fabs) < 1 and .overload.pending_peak > 1000' \
    "no admission control: the verdict names the transient overload" '{bottleneck, reason, overload}'
timed_check "$TMP/bounded.json" '.overload.rejected > 1000 and .overload.to_s < 4.6' '.overload.rejected > 1000 and .overload.to_s < 5.5' \
    "admission control: the overload lasts the crowd and its rejections are counted" '{reason, overload}'
timed_check "$TMP/closed.json" '.overload == null' '.overload == null or .overload.to_s - .overload.from_s < 2' "a steady closed loop has no overload" '.overload'
finish
