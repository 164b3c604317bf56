#!/usr/bin/env bash
# Bad input: one clear message naming the key and the value, exit status 2
# on every rank, no hang, no MPI abort trace. On 2 and 4 ranks.
source "$(dirname "$0")/lib.sh"
export CS_TIMEOUT=20 EXPECT_RC=2

printf '{\n  "load": {\n    "rate_rps": ,\n  }\n}\n' >"$TMP/syntax.json"
echo '{"load": {"rate_rps": 100}, "dispatch": {"polcy": "random"}}' >"$TMP/unknown.json"
echo '{"service": {"servers": "four"}}' >"$TMP/type.json"
echo '{"load": {"rate_rps": 1e999}}' >"$TMP/huge.json"

# expect NP 'fragment of the message' clustersim-args...
expect() {
    local np=$1 frag=$2
    shift 2
    local t0=$(date +%s.%N)
    cs "$np" "$@"
    local secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    local msg
    msg=$(cat "$TMP/err" "$TMP/out")
    if [ "$RC" -ne 2 ]; then
        bad "np=$np $*: exit $RC, expected 2; output: $msg"
    elif ! grep -qF -- "$frag" <<<"$msg"; then
        bad "np=$np $*: message lacks '$frag': $msg"
    elif [ "$(grep -c . <<<"$msg")" -ne 1 ]; then
        bad "np=$np $*: expected one line, got: $msg"
    elif grep -qiE 'MPI_ABORT|backtrace|signal' <<<"$msg"; then
        bad "np=$np $*: abort trace: $msg"
    else
        ok "np=$np $* -> exit 2 in ${secs}s: $msg"
    fi
}

# On 2 ranks every mistake; on 4, one of each kind (a file's, a --set's,
# a flag's, an output path's): who finds it and who says it do not change
# with the count, and each launch costs the suite a second.
for np in 2 4; do
    expect $np "line 3, column" --config "$TMP/syntax.json"
    expect $np "'load.rate_rps': value -5 is out of range" --set load.rate_rps=-5
    expect $np "unknown option '--frobnicate'" --frobnicate
    expect $np "--json '$TMP/no/such/dir/r.json': cannot create" --json "$TMP/no/such/dir/r.json"
done
expect 2 "--csv '-': results go to files, not to standard output" --csv -
expect 2 "'dispatch.polcy': unknown key" --config "$TMP/unknown.json"
expect 2 "'service.servers': expected a number, got a string \"four\"" --config "$TMP/type.json"
expect 2 "'load.rate_rps'" --config "$TMP/huge.json"
expect 2 "'load.duration_s': value 0 is out of range" --set load.duration_s=0
expect 2 "'load.rate_rps': expected a number, got a string \"NaN\"" --set load.rate_rps=NaN
expect 2 "'dispatch.window': value 1e+20 is out of range" --set dispatch.window=1e20
expect 2 "'load.utilization': 0.7 of the nodes' capacity, which is inf req/s" --set service.time.mean_us=0
# --calibrate: nodes of no service time have no half capacity to load (it
# generated for ever, every rank waiting), and the files of a run are
# refused, not dropped.
expect 2 "--calibrate measures a node's overhead at half its capacity, and nodes of no service time" --calibrate \
    --set service.time.mean_us=0 --set load.rate_rps=1000
expect 2 "--calibrate measures this machine and writes its calibration (--json FILE): --csv is for a run" --calibrate \
    --csv "$TMP/cal.csv"
# A trace none of whose arrivals falls in the measured window measured nothing.
printf '5\n6\n' >"$TMP/late.csv"
expect 2 "'load.trace': none of the 2 arrivals of '$TMP/late.csv' (5 s to 6 s from the start) falls in the measured" \
    --set load.arrival=trace --set load.trace="$TMP/late.csv" --set load.warmup_s=0 --set load.duration_s=1
# A weak sweep's steps take their load as that share too (they ran at 0 req/s).
expect 2 "'load.utilization': 0.7 of the nodes' capacity, which is inf req/s" --set service.time.mean_us=0 --sweep \
    --set sweep.mode=weak
expect 2 "cannot read scenario file '$TMP/nope.json': No such file" --config "$TMP/nope.json"
expect 2 "not a regular file" --config "$TMP"
expect 2 "--html '$TMP/no/such/dir/r.html': cannot create" --html "$TMP/no/such/dir/r.html"
expect 2 "--percentiles '$TMP/no/such/dir/p.txt': cannot create" --percentiles "$TMP/no/such/dir/p.txt"
# The option at fault, as written: a short one inside a bundle (getopt has
# not moved past the bundle yet, so the argument before it is not it), a
# long one given a value it does not take, one missing its value. (Read
# before MPI starts: with Open MPI's build only, not again with MPICH's.)
if [ "$MPIEXEC_OMPI" -eq 1 ]; then
    for bad_opt in "--virtual -Zq:unknown option '-Z'" "--virtual=yes:option '--virtual' takes no value" \
        "--frob=3:unknown option '--frob'" "-qc:option '-c' needs a value" "--nodes:option '--nodes' needs a value" \
        "--cal x:option '--cal' is ambiguous: --calibrate, --calibration"; do
        read -r -a words <<<"${bad_opt%%:*}"
        guarded_once "$CLUSTERSIM" "${words[@]}"
        [ "$RC" -eq 2 ] && [ "$(cat "$TMP/err")" = "clustersim: ${bad_opt#*:} (see --help)" ] &&
            ok "${bad_opt%%:*}: one line naming it: ${bad_opt#*:}" || bad "${bad_opt%%:*}: exit $RC: $(cat "$TMP/err")"
    done
    # A node count past its buffer (it was cut short and read as 4), a
    # --set value that is not UTF-8 (named by a position in text the user
    # never typed).
    guarded_once "$CLUSTERSIM" --virtual -q --nodes "4                                                      garbage"
    [ "$RC" -eq 2 ] && grep -q "^clustersim: --nodes '4 *\.\.\.': not a node count ('run.nodes': 1 to 1000000)$" "$TMP/err" &&
        ok "a long --nodes: refused, not cut short" || bad "a long --nodes: exit $RC: $(cat "$TMP/err")"
    guarded_once "$CLUSTERSIM" --virtual -q --nodes 2 --set name=$'caf\xe9'
    [ "$RC" -eq 2 ] && [ "$(cat "$TMP/err")" = "clustersim: --set 'name=caf': byte 0xe9 after it is not UTF-8 text" ] &&
        ok "a --set value that is not UTF-8: named" || bad "--set not UTF-8: exit $RC: $(cat "$TMP/err")"
    # --print-config and --ranks in virtual time: the checks its nodes fix
    # (a list of 3 at 5 nodes passed both, then the run refused it).
    for cmd in --print-config --ranks; do
        guarded_once "$CLUSTERSIM" "$cmd" --virtual --nodes 5 --set 'nodes.speed=[1,2,3]'
        [ "$RC" -eq 2 ] && grep -q "^clustersim: scenario key 'nodes.speed': the list has 3 entries but the run has 5" "$TMP/err" &&
            ok "$cmd in virtual time: the run's checks" || bad "$cmd --virtual: exit $RC: $(cat "$TMP/err")"
    done
    # A value missing before the next flag (which would have been taken as
    # a file name, and the flag lost), and an empty one (an unset shell
    # variable: the results would be lost after the run).
    guarded_once "$CLUSTERSIM" --virtual --nodes 2 --json --sweep
    [ "$RC" -eq 2 ] && [ ! -e ./--sweep ] && [ "$(cat "$TMP/err")" = "clustersim: option '--json' needs a value, and \
'--sweep' after it is an option (a file of that name: ./--sweep)" ] &&
        ok "--json --sweep: one line, exit 2, no file named --sweep" || bad "--json --sweep: exit $RC: $(cat "$TMP/err")"
    # Standard output that cannot be written (a full device) fails the
    # command, saying so; it exited 0 with nothing written.
    if [ -c /dev/full ]; then
        "$CLUSTERSIM" --print-config >/dev/full 2>"$TMP/err" && RC=0 || RC=$?
        [ "$RC" -eq 1 ] && grep -q "^clustersim: standard output could not be written: No space left" "$TMP/err" &&
            ok "--print-config >/dev/full: exit 1, said" || bad "--print-config >/dev/full: exit $RC: $(cat "$TMP/err")"
        # Why, also where stdio's own buffer would have filled first (the
        # help), and after a run's report.
        for what in --help "--virtual --nodes 2 --set load.duration_s=0.05 --set load.warmup_s=0"; do
            # shellcheck disable=SC2086 # (the words of a command line)
            "$CLUSTERSIM" $what >/dev/full 2>"$TMP/err" && RC=0 || RC=$?
            [ "$RC" -eq 1 ] && [ "$(cat "$TMP/err")" = "clustersim: standard output could not be written: No space left \
on device" ] && ok "${what%% *} >/dev/full: exit 1, one line with why" || bad "$what >/dev/full: exit $RC: $(cat "$TMP/err")"
        done
    else
        skipped "standard output to a full device (no /dev/full here)"
    fi
    guarded_once "$CLUSTERSIM" --print-config --json "$TMP/p.json"
    [ "$RC" -eq 2 ] && [ ! -e "$TMP/p.json" ] && grep -q "^clustersim: --print-config prints the scenario and runs \
nothing: --json is for a run" "$TMP/err" && ok "--print-config --json: refused, not dropped" ||
        bad "--print-config --json: exit $RC: $(cat "$TMP/err")"
    # Two commands: refused, naming both (the first tried ran, the other
    # was dropped); --ranks answers for any command line.
    for pair in "--print-config|--compare" "--compare|--calibrate" "--print-config|--calibrate"; do
        a=${pair%|*} b=${pair#*|}
        guarded_once "$CLUSTERSIM" "$a" "$b" "$(dirname "$0")/../../docs/example/coordinator-knee.json"
        [ "$RC" -eq 2 ] && [ "$(cat "$TMP/err")" = "clustersim: $a and $b are two commands: give one (see --help)" ] &&
            [ ! -s "$TMP/out" ] && ok "$a $b: refused, naming both" || bad "$a $b: exit $RC: $(cat "$TMP/err" "$TMP/out")"
    done
    EXPECT_RC=0 guarded_once "$CLUSTERSIM" --ranks --print-config
    [ "$RC" -eq 0 ] && [ "$(cat "$TMP/out")" = "any (at least 2)" ] && ok "--ranks --print-config: the ranks it needs" ||
        bad "--ranks --print-config: exit $RC: $(head -c 300 "$TMP/out")"
    guarded_once "$CLUSTERSIM" --virtual --nodes 2 --json ""
    [ "$RC" -eq 2 ] && grep -q "^clustersim: option '--json' was given an empty value" "$TMP/err" &&
        ok "--json '': one line, exit 2, before the run" || bad "--json '': exit $RC: $(cat "$TMP/err")"
fi
# --compare prints a table: a flag for a run beside it is refused, not
# dropped (no file written, without a word). (No MPI: Open MPI's build only.)
echo '{"requests":{},"scenario":{},"throughput_rps":1}' >"$TMP/r.json"
if [ "$MPIEXEC_OMPI" -eq 1 ]; then
    guarded_once "$CLUSTERSIM" --compare "$TMP/r.json" --json "$TMP/cmp.json"
    [ "$RC" -eq 2 ] && grep -q "^clustersim: --compare reads results files and prints their table: --json is for a run" \
        "$TMP/err" && [ ! -e "$TMP/cmp.json" ] && ok "--compare with --json: one line, exit 2" ||
        bad "--compare --json: exit $RC: $(cat "$TMP/err")"
fi
expect 1 "needs at least 2 MPI ranks" --set load.duration_s=1
# ... after the scenario's own mistakes, which need mending whatever the
# launch: one line about those first.
expect 1 "scenario key 'load.utilization': expected a number" --set load.utilization=abc
expect 1 "cannot read scenario file" --config "$TMP/no-such.json"
# A singleton (no mpirun at all) says the same.
guarded "$CLUSTERSIM"
[ "$RC" -eq 2 ] && grep -q "mpirun -np" "$TMP/err" && ok "singleton: exit 2 with how to run" || bad "singleton: exit $RC: $(cat "$TMP/err")"
# A launch whose processes each find themselves alone, a world of 1 (the
# launcher of another MPI, or srun with a --mpi plugin this MPI does not
# speak): one line from the launch's first process naming the mismatch,
# exit 2 on every one. First as srun's variables tell a process (without
# srun), then with the other MPI's launcher where both are installed.
mismatch="the launcher started 3 processes, and this MPI (.*) sees each one alone, a world of 1 rank: the launcher does not fit this MPI"
guarded env SLURM_STEP_NUM_TASKS=3 SLURM_PROCID=0 "$CLUSTERSIM"
[ "$RC" -eq 2 ] && [ "$(grep -c . "$TMP/err")" -eq 1 ] && grep -q "^clustersim: $mismatch (.*pmi2 for the MPICH family" "$TMP/err" &&
    ok "srun's first of 3 processes, alone in its MPI: exit 2, one line on the mismatch" ||
    bad "srun's first process alone: exit $RC: $(cat "$TMP/err")"
guarded env SLURM_STEP_NUM_TASKS=3 SLURM_PROCID=2 "$CLUSTERSIM"
[ "$RC" -eq 2 ] && ! grep -q . "$TMP/err" && ok "srun's third process, alone in its MPI: exit 2, silent" ||
    bad "srun's third process alone: exit $RC: $(cat "$TMP/err")"
other=()
if [ "$MPIEXEC_OMPI" -eq 1 ]; then
    ! command -v mpiexec.mpich >/dev/null || other=(mpiexec.mpich -n 3)
elif command -v mpirun.openmpi >/dev/null; then
    other=(mpirun.openmpi -q -np 3 --oversubscribe)
fi
if [ ${#other[@]} -gt 0 ]; then
    guarded "${other[@]}" "$CLUSTERSIM" -q
    [ "$RC" -eq 2 ] && [ "$(cat "$TMP/err" "$TMP/out" | grep -c .)" -eq 1 ] &&
        grep -q "^clustersim: $mismatch" "$TMP/err" && ok "${other[0]}, another MPI's launcher: exit 2, one line on the mismatch" ||
        bad "${other[0]}: exit $RC: $(cat "$TMP/err" "$TMP/out")"
fi
finish
