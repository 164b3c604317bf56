#!/usr/bin/env bash
# --help, --version and --print-config: printed once, exit 0, even under
# mpirun with several ranks.
source "$(dirname "$0")/lib.sh"

cs 2 --help
[ "$RC" -eq 0 ] && [ "$(grep -c '^usage:' "$TMP/out")" -eq 1 ] && ok "--help once, exit 0" || bad "--help: $RC $(cat "$TMP/out")"
cs 2 --version
[ "$RC" -eq 0 ] && [ "$(cat "$TMP/out")" = "clustersim $(sed -n 's/^project(clustersim VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../../CMakeLists.txt")" ] \
    && ok "--version matches the project version" || bad "--version: $(cat "$TMP/out")"
cs 2 --print-config --set load.rate_rps=1234 --set dispatch.policy=random
if [ "$RC" -eq 0 ] && jq -e '.load.rate_rps == 1234 and .dispatch.policy == "random" and .dispatch.window == 128' "$TMP/out" >/dev/null; then
    ok "--print-config prints the effective scenario"
else
    bad "--print-config: $RC $(cat "$TMP/out" "$TMP/err")"
fi
finish
