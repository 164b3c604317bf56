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
    signal_when "$pid" "$sig" 0 jq -e -s 'any(.[]; .t_s >= 2.5)' "$TMP/ts.jsonl"
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
        check "$TMP/stop.json" '.complete == false and (.ended | test("^stopped by a signal [0-9.]+ s into the 60 s measured window$"))' \
            "SIG$sig: results marked incomplete, and ended says where the signal came" '{complete, ended}'
        check "$TMP/stop.json" '.requests.generated == .requests.completed + .requests.rejected + .requests.timed_out + .requests.failed and .requests.lost == 0' \
            "SIG$sig: every request accounted for" '.requests'
        check "$TMP/stop.json" '.requests.completed > 1000 and .duration_s > 1 and .duration_s < 5' \
            "SIG$sig: the measured window ends at the (relayed) signal" '{requests, duration_s}'
        # (beside another test on 2 cores, the nodes' sleeps run late: a
        # throughput over the unshortened 60 s window would be 0.04 of it)
        check "$TMP/stop.json" '(.throughput_rps / .offered_rps - 1 | fabs) < 0.3' \
            "SIG$sig: throughput over the shortened window is right" '{throughput_rps, offered_rps}'
    }
    check_valid_partial
    # The ranks exit 0 (their results are written), and mpirun, itself
    # signalled, 1 (Open MPI 4.1); no other status (a crash, a sanitizer's
    # 86), and no sanitizer report on the way out.
    grep -v -e '^clustersim: warning' -e '^clustersim: note' -e '^clustersim: stopping on signal' "$TMP/err" \
        >"$TMP/err.rest" || true # (a file, not a pipe: grep -q ending it early fails the pipe)
    [ "$rc" -le 1 ] && ! grep -q '^clustersim: ' "$TMP/err.rest" &&
        ok "SIG$sig: exit $rc, no error" ||
        bad "SIG$sig: exit $rc: $(head -c 400 "$TMP/err")"
    ! grep -qE 'Sanitizer|runtime error' "$TMP/err" || bad "SIG$sig: a sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$TMP/err")"
    # (a bound on a hang, not a timing: 1-3 s here, beside another test)
    [ "$secs" -le 10 ] && ok "SIG$sig: the job ended ${secs}s after the signal" || bad "SIG$sig: took ${secs}s to end"
done

# A signal after the measured window, in the drain: the window is whole,
# and so are the results when the drain ends within run.stop_grace_s
# (here 5 s). A sweep of 2 steps, each serving requests for 3 s after a
# window of 1 s, so that its drain lasts until about 3.7 s; the signal goes
# to rank 0 alone (term_rank0_when) once the progress line says
# "draining" in step 1 (its lines come every second: at 1 or 2 s). The
# sweep stops after step 1, whole (a finished row, and the top-level
# fields are its results), and does not start step 2; --resume runs step 2
# alone. (A single run's drain is the same code: unit_sim checks it. The
# rule is clustersim's own, the same under any MPI: build_mpich, which
# runs this file under MPICH, leaves it out.)
if [ "$MPIEXEC_OMPI" -eq 1 ]; then
    drain=(--set load.arrival='"constant"' --set load.warmup_s=0 --set load.duration_s=1 --set nodes.servers=10
        --set 'service.time.dist="constant"' --set service.time.mean_us=3000000 --set run.stop_grace_s=5
        --sweep --set 'sweep.rates_rps=[2,3]' --json "$TMP/ds.json" --csv "$TMP/ds.csv")
    launcher 3
    rm -f "$TMP/ds.json"
    "${LAUNCH[@]}" "$CLUSTERSIM" --progress "${drain[@]}" >/dev/null 2>"$TMP/err" </dev/null &
    term_rank0_when $! 0 grep -q draining "$TMP/err"
    check "$TMP/ds.json" '.complete == false and (.ended | startswith("stopped by a signal after step 1 of 2")) and
        .sweep_finished == 1 and [.sweep[].step] == [1] and .requests.generated == 1 and .requests.completed == 1' \
        "SIGTERM in the drain of step 1 of 2: the sweep stops after it, the step whole" \
        '{complete, ended, sweep_finished, requests}'
    grep -q "the measured window is over; the drain may go on for 5 s more" "$TMP/err" &&
        ok "SIGTERM in the drain: stderr says the window is over" || bad "SIGTERM in the drain: stderr: $(cat "$TMP/err")"
    # (its step column, the 19th; the last, ended, says why as the JSON does)
    [ "$(awk -F, '{ print $19 }' "$TMP/ds.csv" | tr '\n' ' ')" = "step 1 " ] &&
        grep -q ',1,"stopped by a signal after step 1 of 2' "$TMP/ds.csv" && ok "its CSV: step 1, and why it stopped" ||
        bad "its CSV: $(cat "$TMP/ds.csv")"
    cs 3 -q "${drain[@]}" --resume "$TMP/ds.json"
    check "$TMP/ds.json" '.complete == true and [.sweep[].step] == [1, 2] and .run.resumed_steps == 1' \
        "resumed: step 1 kept, step 2 run" '{complete, s: [.sweep[].step], run}'
fi

finish
