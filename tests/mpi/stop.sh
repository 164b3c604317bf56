#!/usr/bin/env bash
# A run stopped by SIGTERM (a time limit, scancel) or SIGINT (Ctrl-C)
# stops generating, drains for run.stop_grace_s, and still writes valid
# results marked "complete": false, with every request accounted for.
# The signal goes to the whole process group, as a terminal's Ctrl-C or a
# batch system's time limit does; mpirun relays it again after
# odls_base_sigkill_timeout seconds and sends SIGKILL as long after that,
# which the test sets to 2.
source "$(dirname "$0")/lib.sh"
export OMPI_MCA_odls_base_sigkill_timeout=2

launcher 4
for sig in TERM INT; do
    rm -f "$TMP/stop.json"
    rm -f "$TMP/ts.jsonl"
    "${LAUNCH[@]}" "$CLUSTERSIM" -q --set load.duration_s=60 --set run.interval_ms=100 \
        --set load.utilization=0.8 --json "$TMP/stop.json" --timeseries "$TMP/ts.jsonl" >"$TMP/out" 2>"$TMP/err" </dev/null &
    pid=$!
    (sleep 60 && kill -9 "$pid") >/dev/null 2>&1 </dev/null & # the hang guard
    guard=$!
    # The signal comes 2.5 s into the run (1.5 s past the warm-up), as the
    # time series shows it: start-up takes longer under a sanitizer or on a
    # busy host, and a fixed sleep then left a window under a second.
    for _ in $(seq 150); do
        jq -e -s 'any(.[]; .t_s >= 2.5)' "$TMP/ts.jsonl" >/dev/null 2>&1 && break
        sleep 0.2
    done
    kill -"$sig" "$pid"
    t0=$(date +%s)
    rc=0
    wait "$pid" || rc=$?
    pkill -P "$guard" sleep 2>/dev/null || true
    secs=$(($(date +%s) - t0))
    if [ ! -s "$TMP/stop.json" ]; then
        bad "SIG$sig: no results file; stderr: $(cat "$TMP/err")"
        continue
    fi
    check_valid_partial() {
        check "$TMP/stop.json" '.complete == false' "SIG$sig: results marked incomplete"
        check "$TMP/stop.json" '.requests.generated == .requests.completed + .requests.rejected + .requests.timed_out + .requests.failed and .requests.lost == 0' \
            "SIG$sig: every request accounted for" '.requests'
        check "$TMP/stop.json" '.requests.completed > 1000 and .duration_s > 1 and .duration_s < 5' \
            "SIG$sig: the measured window ends at the (relayed) signal" '{requests, duration_s}'
        check "$TMP/stop.json" '(.throughput_rps / .offered_rps - 1 | fabs) < 0.1' \
            "SIG$sig: throughput over the shortened window is right" '{throughput_rps, offered_rps}'
    }
    check_valid_partial
    # The ranks exit 0 (their results are written), and mpirun, itself
    # signalled, 1 (Open MPI 4.1); no other status (a crash, a sanitizer's
    # 86), and no sanitizer report on the way out.
    [ "$rc" -le 1 ] && ok "SIG$sig: exit $rc" || bad "SIG$sig: exit $rc: $(head -c 400 "$TMP/err")"
    ! grep -qE 'Sanitizer|runtime error' "$TMP/err" || bad "SIG$sig: a sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$TMP/err")"
    [ "$secs" -le 10 ] && ok "SIG$sig: the job ended ${secs}s after the signal" || bad "SIG$sig: took ${secs}s to end"
done

finish
