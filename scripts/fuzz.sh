#!/usr/bin/env bash
# Fuzz the scenario parser, the --set parser and the trace reader with
# libFuzzer (clang, -fsanitize=fuzzer,address,undefined) for SECONDS in all
# (default 60), a third each, starting from the seed corpus under
# tests/fuzz/corpus. Fails on any crash, leak, sanitizer report or hang
# (an input that takes over 5 s). An input that fails is saved as
# build-fuzz/crash-*; copy it into tests/fuzz/regressions/<harness>/ so it
# runs as a unit test forever after.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

secs=${1:-60}
cs_need_packages clang libclang-rt-14-dev libcjson-dev
out=$CS_ROOT/build-fuzz
mkdir -p "$out"
# The whole model layer (so a new building block cannot break the link
# here unnoticed) and the parts of the scenario layer the harnesses reach.
srcs=("$CS_ROOT"/src/model/*.c)
for m in config jsontext trace; do srcs+=("$CS_ROOT/src/scenario/$m.c"); done

each=$((secs / 3))
[ "$each" -ge 1 ] || each=1
status=0
for h in scenario set trace; do
    clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$CS_ROOT/include" "$CS_ROOT/tests/fuzz/fuzz_$h.c" "${srcs[@]}" -lcjson -lm -o "$out/fuzz_$h"
    work="$out/corpus-$h"
    mkdir -p "$work"
    cp -n "$CS_ROOT/tests/fuzz/corpus/$h/"* "$work/" 2>/dev/null || true
    cs_say "fuzzing $h for ${each}s"
    if ! (cd "$out" && ./fuzz_$h -max_total_time="$each" -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 "$work" "$CS_ROOT/tests/fuzz/regressions/$h" 2>"$out/fuzz_$h.log"); then
        echo "fuzz_$h FAILED; see $out/fuzz_$h.log and the crash-* file in $out" >&2
        tail -30 "$out/fuzz_$h.log" >&2
        status=1
    else
        grep -E "stat::number_of_executed_units|cov:" "$out/fuzz_$h.log" | tail -2
    fi
done
exit $status
