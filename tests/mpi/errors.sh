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

for np in 2 4; do
    expect $np "line 3, column" --config "$TMP/syntax.json"
    expect $np "'dispatch.polcy': unknown key" --config "$TMP/unknown.json"
    expect $np "'service.servers': expected a number, got a string \"four\"" --config "$TMP/type.json"
    expect $np "'load.rate_rps'" --config "$TMP/huge.json"
    expect $np "'load.rate_rps': value -5 is out of range" --set load.rate_rps=-5
    expect $np "'load.duration_s': value 0 is out of range" --set load.duration_s=0
    expect $np "'load.rate_rps': expected a number, got a string \"NaN\"" --set load.rate_rps=NaN
    expect $np "'dispatch.window': value 1e+20 is out of range" --set dispatch.window=1e20
    expect $np "cannot read scenario file '$TMP/nope.json': No such file" --config "$TMP/nope.json"
    expect $np "not a regular file" --config "$TMP"
    expect $np "unknown option '--frobnicate'" --frobnicate
    expect $np "--json '$TMP/no/such/dir/r.json': cannot create" --json "$TMP/no/such/dir/r.json"
    expect $np "--html '$TMP/no/such/dir/r.html': cannot create" --html "$TMP/no/such/dir/r.html"
    expect $np "--percentiles '$TMP/no/such/dir/p.txt': cannot create" --percentiles "$TMP/no/such/dir/p.txt"
done
expect 1 "needs at least 2 MPI ranks" --set load.duration_s=1
# A singleton (no mpirun at all) says the same.
guarded "$CLUSTERSIM"
[ "$RC" -eq 2 ] && grep -q "mpirun -np" "$TMP/err" && ok "singleton: exit 2 with how to run" || bad "singleton: exit $RC: $(cat "$TMP/err")"
finish
