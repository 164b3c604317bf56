#!/usr/bin/env bash
# Process deaths (kill -9: the OOM killer, a failed host, an
# administrator). MPI cannot go on without a rank: the launcher ends the
# job. Whatever dies, a valid results file is on disk, written whole and
# marked incomplete, because rank 0 rewrites it as the run goes
# (run.checkpoint_s; a sweep after every step):
#   - a service node's rank dies: rank 0 names it ("rank 2 on host vm
#     died ... by 4.1 s") in the file and on stderr, and exits 1;
#   - rank 0 dies: its last checkpoint stands ("running: ...");
#   - killed while a checkpoint is being written: the file is the last
#     whole one, never a torn one (write to a temporary file, rename);
#   - the results directory vanishes, or the disk fills, mid-run: one
#     warning, the run goes on;
#   - a sweep killed mid-way keeps its finished steps, and --resume goes on
#     from them (so does one a SIGTERM stopped, running its cut step again).
# Each experiment runs CS_TRIES times (default 1: the suite has ten minutes,
# and the sanitizers' run is about memory); CS_TRIES=50 is the long form, by
# hand.
source "$(dirname "$0")/lib.sh"
# mpirun's grace between its SIGTERM and its SIGKILL to the ranks left
# when one died: Open MPI's default (lib.sh sets 0 for the other tests).
export OMPI_MCA_odls_base_sigkill_timeout=1
TRIES=${CS_TRIES:-1}

# start NP ARGS...: clustersim in the background (PID, with a hang guard).
start() {
    local np=$1
    shift
    launcher "$np"
    "${LAUNCH[@]}" "$CLUSTERSIM" -q "$@" >"$TMP/out" 2>"$TMP/err" </dev/null &
    PID=$!
    (sleep 60 && kill -9 "$PID") >/dev/null 2>&1 </dev/null &
    GUARD=$!
}
# until FILE 'jq condition': wait (at most 30 s) until FILE holds it.
until_file() {
    for _ in $(seq 300); do
        jq -e "$2" "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
# end: wait for the job; RC its exit status, SECS how long it took. The
# exit status of a killed job cannot tell a sanitizer's report from the
# death (any nonzero status), so its stderr is read for one.
end() {
    local t0=$SECONDS
    RC=0
    wait "$PID" || RC=$?
    SECS=$((SECONDS - t0))
    pkill -P "$GUARD" sleep 2>/dev/null || true
    ! grep -qE 'Sanitizer|runtime error' "$TMP/err" ||
        bad "a sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error|#[0-9]' "$TMP/err")"
}
accounted='.requests.generated == .requests.completed + .requests.rejected + .requests.timed_out + .requests.failed + (.requests.in_flight // 0) and .requests.lost == 0'

# A service node's rank killed 1.5 s into the measured window.
for try in $(seq "$TRIES"); do
    rm -f "$TMP/r.json"
    start 4 --set load.duration_s=20 --set run.checkpoint_s=0.5 --json "$TMP/r.json"
    until_file "$TMP/r.json" '.duration_s >= 1.5' || bad "node death $try: no checkpoint came: $(head -c 300 "$TMP/err")"
    victim=$(rank_pid "$PID" 2)
    [ -n "$victim" ] && kill -9 "$victim" || bad "node death $try: no rank 2 found"
    end
    [ "$RC" -ne 0 ] && ok "node death $try: exit $RC" || bad "node death $try: a rank killed, yet exit 0"
    [ "$SECS" -le 10 ] && ok "node death $try: the job ended ${SECS}s after" || bad "node death $try: took ${SECS}s to end"
    # The last checkpoint: a periodic one, or the one rank 0 wrote when
    # mpirun's SIGTERM came, just before it looked for the dead rank.
    check "$TMP/r.json" '.complete == false and (.ended | test("^rank 2 on host .+ died( \\(signal 9\\))? by [0-9.]+ s; the results stop at the last checkpoint \\((running: |stopped by signal 15 at )"))' \
        "node death $try: the results name the dead rank" '{complete, ended}'
    check "$TMP/r.json" "$accounted and .requests.completed > 0 and .duration_s >= 1.5" \
        "node death $try: the requests up to the last checkpoint add up" '{requests, duration_s}'
    grep -q 'clustersim: rank 2 on host .* died.*the run cannot finish' "$TMP/err" &&
        ok "node death $try: stderr says which rank died" || bad "node death $try: stderr: $(head -c 400 "$TMP/err")"
done
"$CLUSTERSIM" --compare "$TMP/r.json" >"$TMP/cmp.out" 2>&1 && grep -q 'incomplete (rank 2 on host' "$TMP/cmp.out" &&
    ok "--compare calls the file incomplete, saying why" || bad "--compare: $(cat "$TMP/cmp.out")"

# Rank 0 killed: the last checkpoint stands.
for try in $(seq "$TRIES"); do
    rm -f "$TMP/r.json" "$TMP/r.csv"
    start 3 --set load.duration_s=20 --set run.checkpoint_s=0.5 --json "$TMP/r.json" --csv "$TMP/r.csv"
    until_file "$TMP/r.json" '.duration_s >= 1' || bad "rank 0 death $try: no checkpoint came"
    victim=$(rank_pid "$PID" 0)
    [ -n "$victim" ] && kill -9 "$victim" || bad "rank 0 death $try: no rank 0 found"
    end
    [ "$RC" -ne 0 ] && ok "rank 0 death $try: exit $RC" || bad "rank 0 death $try: exit 0"
    check "$TMP/r.json" ".complete == false and (.ended | startswith(\"running: \")) and $accounted" \
        "rank 0 death $try: its last checkpoint stands, valid" '{complete, ended, requests}'
    [ "$(grep -c . "$TMP/r.csv")" -eq 2 ] && ok "rank 0 death $try: the CSV has its header and row" ||
        bad "rank 0 death $try: CSV: $(head -c 300 "$TMP/r.csv")"
done
"$CLUSTERSIM-lab-check" "$TMP/r.json" >"$TMP/lc.out" 2>&1 || true
grep -q 'incomplete: the file was written while the run was going (running: ' "$TMP/lc.out" &&
    ok "lab-check calls a checkpoint incomplete instead of judging it" || bad "lab-check: $(cat "$TMP/lc.out")"

# Killed while checkpoints are written, every 50 ms: the file is always
# a whole one. A kill lands mid-write (its temporary file left behind,
# counted) now and then (1 of 30 kills in a loop of them by hand): this
# is a check that a kill at a random time leaves a valid file, not proof
# of the atomic write, which test_results.c holds (a write that fails
# part-way leaves the old file whole: a_failed_write_leaves_the_old_file_whole).
torn=0 midwrite=0 tries=$((TRIES * 2))
for try in $(seq "$tries"); do
    rm -f "$TMP"/w.json*
    start 3 --set load.duration_s=20 --set run.interval_ms=50 --set run.checkpoint_s=0.05 --json "$TMP/w.json"
    until_file "$TMP/w.json" '.duration_s > 0' || true
    sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
    victim=$(rank_pid "$PID" 0)
    [ -n "$victim" ] && kill -9 "$victim" || bad "mid-checkpoint $try: no rank 0 found"
    end
    jq -e '.complete == false and (.ended | startswith("running: "))' "$TMP/w.json" >/dev/null 2>&1 || torn=$((torn + 1))
    ls "$TMP"/w.json.tmp* >/dev/null 2>&1 && midwrite=$((midwrite + 1))
done
[ "$torn" -eq 0 ] && ok "killed while checkpointing $tries times ($midwrite mid-write): the file was whole every time" ||
    bad "killed mid-checkpoint: $torn of $tries files not whole"

# The results directory removed mid-run: the checkpoints fail with one
# warning and the run goes on to its end; the final file cannot be written
# either, which is an error (exit 1).
mkdir -p "$TMP/gone"
start 3 --set load.duration_s=3 --set load.warmup_s=0.2 --set run.checkpoint_s=0.2 --set run.interval_ms=100 \
    --json "$TMP/gone/r.json"
until_file "$TMP/gone/r.json" '.complete == false' || true
mv "$TMP/gone" "$TMP/gone.moved" # at once: rm -rf races the writer's new files
end
[ "$(grep -c 'a checkpoint could not be written' "$TMP/err")" -eq 1 ] && ok "a vanished directory: said once" ||
    bad "a vanished directory: $(head -c 600 "$TMP/err")"
[ "$RC" -eq 1 ] && grep -q "clustersim: --json: cannot write" "$TMP/err" &&
    ok "a vanished directory: the run went on to its end, and the final write failed with exit 1" ||
    bad "a vanished directory: exit $RC: $(head -c 600 "$TMP/err")"

# A full disk: the results on a 64 KiB file system (a tmpfs: root only)
# that a file fills after the first checkpoint, and keeps full: a
# checkpoint's rename frees the copy it replaces, and a disk filled once,
# while both copies stood, left room for every write after it (the run
# ended complete, exit 0). The checkpoints fail with one warning, the run
# goes on to its end, the last whole checkpoint stays, and the final
# write fails (exit 1).
if [ "$(id -u)" -eq 0 ] && mkdir -p "$TMP/small" && mount -t tmpfs -o size=64k tmpfs "$TMP/small" 2>/dev/null; then
    start 3 --set load.duration_s=3 --set load.warmup_s=0.2 --set run.checkpoint_s=0.2 --set run.interval_ms=100 \
        --json "$TMP/small/r.json"
    until_file "$TMP/small/r.json" '.complete == false' || true
    # until the run ends: whatever space comes free is taken within 10 ms
    (while [ ! -e "$TMP/filled" ]; do
        dd if=/dev/zero of="$TMP/small/fill" bs=4k oflag=append conv=notrunc 2>/dev/null
        sleep 0.01
    done) &
    filler=$!
    end
    touch "$TMP/filled"
    wait "$filler" || true
    jq -e '.complete == false and (.ended | startswith("running: "))' "$TMP/small/r.json" >/dev/null 2>&1 &&
        ok "a full disk: the last whole checkpoint stays" || bad "a full disk: $(head -c 300 "$TMP/small/r.json")"
    umount "$TMP/small"
    [ "$(grep -c 'a checkpoint could not be written (.*No space left on device)' "$TMP/err")" -eq 1 ] &&
        [ "$RC" -eq 1 ] && grep -q "clustersim: --json: cannot write" "$TMP/err" &&
        ok "a full disk: said once, the run went on, and the final write failed with exit 1" ||
        bad "a full disk: exit $RC: $(head -c 600 "$TMP/err")"
else
    skipped "a full disk (it mounts a small tmpfs: root, where mounts are allowed)"
fi

# A sweep whose service node dies mid-way keeps every step finished
# before, marked incomplete ("ended": "running: ..."), written whole.
rm -f "$TMP/sweep.json" "$TMP/sweep.csv"
start 3 --sweep --set 'sweep.rates_rps=[300,400,500,600,700,800,900,1000]' --set load.duration_s=1 \
    --set load.warmup_s=0.1 --json "$TMP/sweep.json" --csv "$TMP/sweep.csv"
until_file "$TMP/sweep.json" '.sweep | length >= 2' || true
victim=$(rank_pid "$PID" 2)
if [ -n "$victim" ]; then
    kill -9 "$victim"
    end
    [ "$RC" -ne 0 ] && ok "a killed node's rank ends the sweep with exit $RC" || bad "a killed rank, yet exit 0"
    check "$TMP/sweep.json" '.complete == false and (.ended | startswith("running: ")) and (.sweep | length) >= 2 and
        (.sweep | length) < 8 and ([.sweep[].offered_rps] == ([300,400,500,600,700,800,900,1000][0:(.sweep | length)]))' \
        "kill -9 mid-sweep: the results hold the steps finished before it, marked incomplete" '{complete, ended, n: (.sweep | length)}'
    check "$TMP/sweep.json" "$accounted" "kill -9 mid-sweep: the last finished step's requests add up" '.requests'
    [ "$(grep -c . "$TMP/sweep.csv")" -eq "$(($(jq '.sweep | length' "$TMP/sweep.json") + 1))" ] &&
        ok "kill -9 mid-sweep: the CSV has a row per finished step" || bad "CSV: $(cat "$TMP/sweep.csv")"

    # Resumed: the finished steps kept as they are, the others run.
    cp "$TMP/sweep.json" "$TMP/partial.json"
    kept=$(jq '.sweep | length' "$TMP/partial.json")
    EXPECT_RC=2 cs 4 -q --sweep --set 'sweep.rates_rps=[300,400,500,600,700,800,900,1000]' --set load.duration_s=1 \
        --set load.warmup_s=0.1 --json "$TMP/sweep.json" --resume "$TMP/partial.json"
    grep -q "^clustersim: --resume '.*partial.json': its step 1 ran 2 service nodes .* this sweep's step 1 has 3" "$TMP/err" &&
        [ "$(grep -c . "$TMP/err")" -eq 1 ] && cmp -s "$TMP/sweep.json" "$TMP/partial.json" &&
        ok "--resume on another rank count: exit 2, one line, nothing overwritten" || bad "--resume on 4 ranks: $(cat "$TMP/err")"
    cs 3 -q --sweep --set 'sweep.rates_rps=[300,400,500,600,700,800,900,1000]' --set load.duration_s=1 \
        --set load.warmup_s=0.1 --json "$TMP/sweep.json" --csv "$TMP/sweep.csv" --resume "$TMP/sweep.json"
    check "$TMP/sweep.json" ".complete == true and (.sweep | length) == 8 and .run.resumed_steps == $kept and
        ([.sweep[].offered_rps] == [300,400,500,600,700,800,900,1000])" \
        "kill -9 mid-sweep, resumed: every step, the sweep complete" '{complete, run, n: (.sweep | length)}'
    [ "$(jq -c ".sweep[0:$kept] | map(del(.speedup, .efficiency))" "$TMP/sweep.json")" = \
        "$(jq -c ".sweep | map(del(.speedup, .efficiency))" "$TMP/partial.json")" ] &&
        ok "resumed: the $kept finished steps kept as they were" || bad "resumed: the kept rows changed"
    [ "$(grep -c . "$TMP/sweep.csv")" -eq 9 ] && ok "resumed: the CSV has all 8 rows" || bad "resumed CSV: $(cat "$TMP/sweep.csv")"

    # A sweep a signal stops (SIGTERM: a time limit) mid-step keeps that
    # step's row, cut short, but not among its finished steps: resumed,
    # the sweep runs it again.
    rm -f "$TMP/sweep.json"
    start 3 --sweep --set 'sweep.rates_rps=[300,400,500,600]' --set load.duration_s=1 --set load.warmup_s=0.1 \
        --json "$TMP/sweep.json"
    until_file "$TMP/sweep.json" '.sweep | length >= 1' || true
    sleep 0.5
    kill -TERM "$PID"
    end
    cut=$(jq '.sweep | length' "$TMP/sweep.json" 2>/dev/null || echo 0)
    check "$TMP/sweep.json" ".complete == false and .sweep_finished == $cut - 1 and $cut >= 2 and
        (.ended | test(\"^step $cut of 4 stopped by a signal .*: --resume runs it again$\"))" \
        "SIGTERM mid-sweep: the step it cut short is not a finished one, and ended says which" \
        '{complete, ended, sweep_finished, n: (.sweep | length)}'
    cs 3 -q --sweep --set 'sweep.rates_rps=[300,400,500,600]' --set load.duration_s=1 --set load.warmup_s=0.1 \
        --json "$TMP/sweep.json" --resume "$TMP/sweep.json"
    check "$TMP/sweep.json" ".complete == true and (.sweep | length) == 4 and .sweep_finished == 4 and
        .run.resumed_steps == $cut - 1" "resumed after SIGTERM: the cut step ran again, the sweep complete" \
        '{complete, sweep_finished, run}'

    # A file whose finished steps are not the first ones (a shared virtual
    # sweep's checkpoint): here the sweep above with its step 2 taken out.
    # Its last step runs again (the report is its results); a SIGTERM in
    # step 2 leaves the finished steps in the plan's order, the one kept
    # further on among them, and not the cut one (nor fits); resumed again,
    # the sweep ends complete, the kept rows unchanged.
    jq '.sweep |= [.[0], .[2], .[3]] | .sweep_finished = 3 | .complete = false' "$TMP/sweep.json" >"$TMP/holes.json"
    cp "$TMP/holes.json" "$TMP/h.json"
    # (without -q: its line for step 1, kept, comes as step 2 starts, and
    # step 2 runs 1.1 s: the signal comes 0.3 s into it, to rank 0.)
    launcher 3
    "${LAUNCH[@]}" "$CLUSTERSIM" --sweep --set 'sweep.rates_rps=[300,400,500,600]' --set load.duration_s=1 \
        --set load.warmup_s=0.1 --json "$TMP/h.json" --resume "$TMP/h.json" >/dev/null 2>"$TMP/err" </dev/null &
    term_rank0_when $! 0.3 grep -q 'step 1/4: .*(kept from' "$TMP/err"
    check "$TMP/h.json" '.complete == false and [.sweep[].step] == [1, 3] and .sweep_finished == 2 and
        .run.resumed_steps == 2 and .analysis == null' "SIGTERM in a sweep resumed from steps 1 and 3 of 4: their rows" \
        '{complete, sweep_finished, s: [.sweep[].step], run}'
    cs 3 -q --sweep --set 'sweep.rates_rps=[300,400,500,600]' --set load.duration_s=1 --set load.warmup_s=0.1 \
        --json "$TMP/h.json" --resume "$TMP/h.json"
    check "$TMP/h.json" '.complete == true and [.sweep[].step] == [1, 2, 3, 4] and .run.resumed_steps == 2' \
        "resumed again: steps 2 and 4 ran, the sweep complete" '{complete, s: [.sweep[].step], run}'
    [ "$(jq -c '.sweep | [.[0], .[1]] | map(del(.speedup, .efficiency))' "$TMP/holes.json")" = \
        "$(jq -c '.sweep | [.[0], .[2]] | map(del(.speedup, .efficiency))' "$TMP/h.json")" ] &&
        ok "steps 1 and 3 kept as they were" || bad "the kept rows changed"

else
    kill -9 "$PID" 2>/dev/null || true
    end
    bad "kill -9 mid-sweep: no rank 2 to kill (the sweep: $(head -c 300 "$TMP/err"))"
fi
finish
