#!/usr/bin/env bash
# A laptop without MPI: clustersim configured with MPI hidden from CMake
# (CMAKE_DISABLE_FIND_PACKAGE_MPI, as if none were installed) still
# builds, with a warning that says what it leaves out. That build runs a
# sweep in virtual time, --print-config, --ranks, --compare and the labs'
# self-check, links no MPI library, and a run on ranks (a run, a sweep,
# --calibrate) ends with one line that says it needs an MPI build and
# exit 2.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d /tmp/cs_nompi.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
source "$ROOT/tests/checks.sh"
source "$ROOT/scripts/lib.sh"
B=$TMP/build

if cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON \
    -DCS_BUILD_TESTS=OFF >"$TMP/cfg.log" 2>&1; then
    grep -q "no MPI found" "$TMP/cfg.log" && ok "configured without MPI, and says what that leaves out" ||
        bad "no warning about the missing MPI: $(tail -5 "$TMP/cfg.log")"
else
    bad "configure without MPI: $(tail -5 "$TMP/cfg.log")"
fi
cmake --build "$B" -j "$(cs_cores)" --target clustersim clustersim-lab-check >"$TMP/build.log" 2>&1 &&
    ok "clustersim and the lab self-check build without MPI" || bad "build without MPI: $(tail -10 "$TMP/build.log")"
cs=$B/clustersim
[ -x "$cs" ] || { finish; exit 1; }

ldd "$cs" >"$TMP/ldd.txt" || true
grep -qi 'libmpi' "$TMP/ldd.txt" && bad "a build without MPI links it: $(grep -i mpi "$TMP/ldd.txt")" ||
    ok "no MPI library linked"
version=$("$cs" --version)
grep -q "built without MPI" <<<"$version" && ok "--version says it: $version" || bad "--version: $version"

# What works without MPI.
cd "$TMP"
"$cs" -q --virtual --nodes 40 --sweep --set 'sweep.nodes=[10,20,40]' --set load.duration_s=0.5 \
    --set load.warmup_s=0.1 --json v.json --csv v.csv 2>"$TMP/v.err" &&
    jq -e '(.sweep | length) == 3 and .complete and .requests.lost == 0' v.json >/dev/null &&
    [ "$(wc -l <v.csv)" -eq 4 ] && ok "a sweep in virtual time: 3 steps, complete, nothing lost" ||
    bad "virtual sweep: $(cat "$TMP/v.err")"
# Under a launcher, the first rank runs every step, the largest first, as
# rank 0 hands them out with MPI (a stop then leaves the same steps
# finished), and the others end at once: the rows are the sweep's.
if command -v "$CS_MPIEXEC" >/dev/null; then
    cs_mpi_env
    read -r -a launch <<<"$(cs_launch 2)"
    rc=0
    "${launch[@]}" "$cs" --virtual --nodes 40 --sweep --set 'sweep.nodes=[10,20,40]' --set load.duration_s=0.5 \
        --set load.warmup_s=0.1 --json vl.json >vl.out 2>vl.err || rc=$?
    order=$(sed -n 's|^ *step \([0-9]*\)/3:.*|\1|p' vl.err | tr '\n' ' ')
    [ "$rc" -eq 0 ] && [ "$order" = "3 2 1 " ] && [ "$(jq -cS .sweep vl.json)" = "$(jq -cS .sweep v.json)" ] &&
        ok "a sweep under $CS_MPIEXEC -np 2: the first rank runs its steps, the largest first ($order), the same rows" ||
        bad "a sweep under $CS_MPIEXEC -np 2: exit $rc, steps in the order '$order': $(head -c 600 vl.err)"
fi
"$cs" -q --virtual --nodes 8 --set load.duration_s=0.5 --set load.warmup_s=0.1 --json one.json &&
    "$cs" --compare v.json one.json >cmp.txt && grep -q "v.json" cmp.txt &&
    ok "--compare of two results files" || bad "--compare: $(cat cmp.txt 2>/dev/null)"
"$cs" --print-config | jq -e .load >/dev/null && ok "--print-config" || bad "--print-config"
[ "$("$cs" --ranks --config "$ROOT/jobs/scenarios/ticket-rush.json")" = 4 ] && ok "--ranks: ticket-rush runs on 4" ||
    bad "--ranks: $("$cs" --ranks --config "$ROOT/jobs/scenarios/ticket-rush.json" 2>&1)"
rc=0
"$B/clustersim-lab-check" --lab 2 "$ROOT/docs/example/coordinator-knee.json" >lab.txt 2>&1 || rc=$?
[ "$rc" -eq 0 ] && grep -q "coordinator-knee.json: sound$" lab.txt && ok "the lab self-check finds lab 2's example sound" ||
    bad "lab-check: exit $rc: $(cat lab.txt)"

# What needs MPI: one line, naming what was asked, exit 2.
needs_mpi() { # what, args...
    local what=$1 out rc=0
    shift
    out=$("$cs" "$@" 2>&1) || rc=$?
    [ "$rc" -eq 2 ] && [ "$(grep -c . <<<"$out")" -eq 1 ] && grep -q "built without MPI" <<<"$out" &&
        grep -q -- "$what" <<<"$out" && ok "$what: exit 2, one line: $out" || bad "$what: exit $rc: $out"
}
needs_mpi "a run without --virtual"
needs_mpi "a sweep without --virtual" --sweep
needs_mpi "--calibrate" --calibrate
# ... but a mistake in the scenario first, as a build with MPI says it.
rc=0
out=$("$cs" --set nosuch=1 2>&1) || rc=$?
[ "$rc" -eq 2 ] && [ "$(grep -c . <<<"$out")" -eq 1 ] && grep -q "scenario key 'nosuch'" <<<"$out" &&
    ok "a scenario's mistake before the need for MPI: $out" || bad "--set nosuch=1 without MPI: exit $rc: $out"
finish
