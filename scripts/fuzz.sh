#!/usr/bin/env bash
# Fuzz the scenario parser, the --set parser, the trace reader and the
# --resume check with libFuzzer (clang, -fsanitize=fuzzer,address,undefined)
# for SECONDS in all (default 60), a quarter each, starting from the seed
# corpus under tests/fuzz/corpus. Fails on any crash, leak, sanitizer report or hang
# (an input that takes over 5 s). An input that fails is saved as
# build-fuzz/crash-*; copy it into tests/fuzz/regressions/<harness>/ so it
# runs as a unit test forever after.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

secs=${1:-60}
# libFuzzer's runtime comes with the clang of the same major version
# (Debian 12's is 14; other releases have another).
cs_need_packages clang libcjson-dev
clang_major=$(clang -dumpversion | cut -d. -f1)
cs_need_packages "libclang-rt-$clang_major-dev"
out=$CS_ROOT/build-fuzz
mkdir -p "$out"
# Every layer below the MPI edge (so a new building block cannot break
# the link here unnoticed); the resume harness reaches the analysis.
srcs=()
for f in "$CS_ROOT"/src/{model,scenario,engine,analysis,virtual}/*.c; do
    [[ "$f" == */labcheck_main.c ]] || srcs+=("$f")
done
version=$(sed -n 's/^project(clustersim VERSION \([0-9.]*\).*/\1/p' "$CS_ROOT/CMakeLists.txt")

flags=(-g -O1 -std=c11 -D_GNU_SOURCE "-DCS_VERSION=\"$version\"" -fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=undefined -I"$CS_ROOT/include/model" -I"$CS_ROOT/include/scenario" -I"$CS_ROOT/include/engine"
    -I"$CS_ROOT/include/analysis" -I"$CS_ROOT/include/virtual")
# The sources once, two at a time, into one archive the harnesses share.
rm -rf "$out/obj" && mkdir -p "$out/obj"
printf '%s\n' "${srcs[@]}" | xargs -P 2 -I{} sh -c 'clang "$@" -c "{}" -o "'"$out"'/obj/$(basename "{}" .c).o"' sh "${flags[@]}"
rm -f "$out/libcs_fuzz.a" && ar rcs "$out/libcs_fuzz.a" "$out"/obj/*.o

each=$((secs / 4))
[ "$each" -ge 1 ] || each=1
status=0
for h in scenario set trace resume; do
    clang "${flags[@]}" -fsanitize=fuzzer "$CS_ROOT/tests/fuzz/fuzz_$h.c" "$out/libcs_fuzz.a" -lcjson -lm -pthread \
        -o "$out/fuzz_$h"
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
