#!/usr/bin/env bash
# The broken-scenario corpus (tests/corpus/broken/, plus a 100 MB file, a
# directory and deep nesting made here): each gives exit status 2 with one
# clear line on 2 or 4 ranks (3 under the sanitizers), without a hang, a
# crash or an abort trace, and every rank exits within a second (mpirun
# adds its own teardown).
source "$(dirname "$0")/lib.sh"
export CS_TIMEOUT=20 EXPECT_RC=2
CORPUS=$(cd "$(dirname "$0")/../corpus/broken" && pwd)

truncate -s 100M "$TMP/huge-file.json"
mkdir "$TMP/a-directory.json"
{ printf '{"load": '; head -c 100000 /dev/zero | tr '\0' '['; } >"$TMP/deep-nesting.json"

# Each file once, on 2 and 4 ranks by turns (every other file), so that
# both counts meet every kind of mistake in the corpus without running it
# twice; under the sanitizers (CS_NO_TIMING) on 3: each instrumented rank
# takes seconds to start, and the memory checks do not depend on the count.
counts=(2 4)
[ "$NO_TIMING" = 1 ] && counts=(3)
i=0
for f in "$CORPUS"/*.json "$TMP/huge-file.json" "$TMP/a-directory.json" "$TMP/deep-nesting.json"; do
    np=${counts[$((i % ${#counts[@]}))]}
    i=$((i + 1))
    name=$(basename "$f")
    t0=$(date +%s.%N)
    cs "$np" --config "$f" --set load.duration_s=1
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    msg=$(cat "$TMP/err" "$TMP/out")
    if [ "$RC" -ne 2 ]; then
        bad "np=$np $name: exit $RC, expected 2: $msg"
    elif [ "$(grep -c . <<<"$msg")" -ne 1 ] || ! grep -q '^clustersim: ' <<<"$msg"; then
        bad "np=$np $name: expected one 'clustersim:' line, got: $msg"
    elif grep -qiE 'MPI_ABORT|backtrace|signal|sanitizer' <<<"$msg"; then
        bad "np=$np $name: abort trace: $msg"
    else
        ok "np=$np $name -> exit 2 in ${secs}s: ${msg:0:150}"
    fi
done
finish
