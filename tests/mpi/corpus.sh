#!/usr/bin/env bash
# The broken-scenario corpus (tests/corpus/broken/, plus a 100 MB file, a
# directory and deep nesting made here): each gives exit status 2 with one
# clear line on 2 or 4 ranks (3 under the sanitizers) that names what is
# wrong (the key, or what about the file: `expect` below), without a hang,
# a crash or an abort trace. How long each took is shown, not judged
# (CS_TIMEOUT ends a hang).
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
# What each message must say: the key and the value, or what is wrong with
# the file. A file refused for another mistake than the one it holds fails.
declare -A expect=(
    [array.json]="expected a JSON object at the top level, got an array"
    [batch-too-big.json]="'dispatch.batch': value 65 is out of range"
    [batch-wait-negative.json]="'dispatch.batch_wait_us': value -1 is out of range"
    [batch-zero.json]="'dispatch.batch': value 0 is out of range"
    [cost-mode-unknown.json]="'dispatch.cost_mode': unknown value \"nap\""
    [duplicate-key.json]="'load.rate_rps': given twice"
    [empty.json]="empty input"
    [hedge-both.json]="'dispatch.hedge_after_us' (500) and 'dispatch.hedge_percentile' (95)"
    [huge-exponent.json]="'load.rate_rps': the number is above 1.8e308, too large to represent"
    [huge-number.json]="'dispatch.window': value 1e+308 is out of range"
    [invalid-utf8.json]="byte 0xe9 at line 1, column 14 is not UTF-8"
    [list-mismatch.json]="'nodes.speed': the list has 17 entries"
    [message-cost-negative.json]="'dispatch.message_cost_us': value -5 is out of range"
    [missing-trace.json]="'load.trace': cannot read trace file '/nonexistent/trace.csv'"
    [modelled-cost-on-ranks.json]="'network.latency_us': 5 models a cost in virtual time"
    [negative-modelled-cost.json]="'model.coordinator_message_us': value -2 is out of range"
    [negative-seed.json]="'load.seed': value -3 is out of range"
    [null.json]="expected a JSON object at the top level, got null"
    [nul-in-string.json]="\\u0000 (a NUL character) at line 1, column 30"
    [prefetch-without-pull.json]="'dispatch.prefetch': 2 applies to the pull policy only"
    [prefetch-zero.json]="'dispatch.prefetch': value 0 is out of range"
    [rate-over-1e10.json]="'load.rate_rps': value 20000000000 is out of range"
    [relays-negative.json]="'dispatch.relays': value -1 is out of range"
    [relays-with-dispatchers.json]="'dispatch.relays' (2) and 'dispatch.dispatchers'"
    [retries-without-timeout.json]="'dispatch.retries': 2 needs dispatch.timeout_ms"
    [schedule-late-start.json]="'load.schedule[0].at_s': the first point must be at 0 s, got 5"
    [slow-factor-below-one.json]="'faults[0].factor': a \"slow\" fault needs a factor above 1"
    [slow-factor-too-big.json]="'faults[0].factor' (1e+06)"
    [speed-too-small.json]="'nodes.speed' (1e-13)"
    [sweep-dispatchers-zero.json]="'sweep.dispatchers[1]': value 0 is out of range"
    [sweep-too-big.json]="nodes asked for but the run has"
    [sweep-two-levers.json]="'sweep.dispatchers', 'sweep.batch' and 'sweep.relays'"
    [truncated.json]="invalid JSON at line 1, column 29"
    [virtual-over-a-million-nodes.json]="'run.nodes': value 1000001 is out of range"
    [virtual-sweep-too-large-for-memory.json]="a virtual run of 1000000 service nodes at 1e+10 req/s needs about"
    [window-below-servers.json]="'dispatch.window' (2): node 1 has 4 servers"
    [wrong-type.json]="'service.time': expected a distribution object"
    [zero-duration.json]="'load.duration_s': value 0 is out of range"
    [huge-file.json]="huge-file.json' is too large (104857600 bytes"
    [a-directory.json]="a-directory.json': not a regular file"
    [deep-nesting.json]="nested deeper than 1000 arrays and objects"
)
counts=(2 4)
[ "$NO_TIMING" = 1 ] && counts=(3)
i=0
visited=()
for f in "$CORPUS"/*.json "$TMP/huge-file.json" "$TMP/a-directory.json" "$TMP/deep-nesting.json"; do
    np=${counts[$((i % ${#counts[@]}))]}
    i=$((i + 1))
    name=$(basename "$f")
    visited+=("$name")
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
    elif [ -z "${expect[$name]:-}" ]; then
        bad "np=$np $name: a file of the corpus with no expected message (add it to expect): $msg"
    elif ! grep -qF -- "${expect[$name]}" <<<"$msg"; then
        bad "np=$np $name: the message does not say \"${expect[$name]}\": $msg"
    else
        ok "np=$np $name -> exit 2 in ${secs}s: ${msg:0:150}"
    fi
done
# Every expected message had its file: one deleted would shrink the
# corpus without a word.
gone=""
for name in "${!expect[@]}"; do
    [[ " ${visited[*]} " == *" $name "* ]] || gone+=" $name"
done
[ -z "$gone" ] && ok "every expected message's file was run (${#visited[@]} files)" ||
    bad "expected messages whose file is not in the corpus:$gone"
finish
