#!/usr/bin/env bash
# MPICH, the family of most clusters' vendor MPIs (Intel MPI, Cray MPICH,
# MVAPICH): clustersim built with Debian's MPICH (mpicc.mpich, beside Open
# MPI) and the portable doorbell (CS_DOORBELL=poll: naps instead of
# futexes, as on a system without them), then a run with it under MPICH's
# launcher (mpiexec.mpich), every request accounted for, and the MPI tests
# of bad input on every rank and of stop signals. Skipped (exit 77) where
# MPICH is not installed: scripts/test.sh installs it when run as root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib.sh"
if ! command -v mpicc.mpich >/dev/null || ! command -v mpiexec.mpich >/dev/null; then
    echo "SKIPPED: MPICH is not installed (Debian: apt-get install libmpich-dev mpich; scripts/test.sh does it as root)"
    exit 77
fi
TMP=$(mktemp -d /tmp/cs_mpich.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
B=$TMP/build
source "$ROOT/tests/checks.sh"

cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMPI_C_COMPILER=mpicc.mpich \
    -DMPIEXEC_EXECUTABLE="$(command -v mpiexec.mpich)" -DCS_DOORBELL=poll -DCS_BUILD_TESTS=OFF >"$TMP/cfg.log" 2>&1 &&
    cmake --build "$B" -j "$(cs_cores)" --target clustersim hostprobe >"$TMP/build.log" 2>&1 &&
    ok "built with MPICH and the poll doorbell" || { bad "build with MPICH: $(tail -10 "$TMP/cfg.log" "$TMP/build.log")"; finish; exit 1; }
version=$("$B/clustersim" --version)
[[ $version == *MPICH*"poll doorbell"* ]] && ok "--version: $version" || bad "--version: $version"
ldd "$B/clustersim" >"$TMP/ldd.txt" || true
grep -q libmpich "$TMP/ldd.txt" && ok "linked with libmpich" || bad "not linked with MPICH: $(grep -i mpi "$TMP/ldd.txt")"
[ "$(cs_mpi_family mpiexec.mpich)" = mpich ] && [ "$(cs_launch 4 mpiexec.mpich)" = "mpiexec.mpich -n 4" ] &&
    ok "scripts/lib.sh gives MPICH's launcher its own flags: $(cs_launch 4 mpiexec.mpich)" ||
    bad "MPICH's launcher flags: $(cs_mpi_family mpiexec.mpich): $(cs_launch 4 mpiexec.mpich)"

# A run under MPICH's launcher: every request accounted for, the report
# naming MPICH.
if (cd "$TMP" && mpiexec.mpich -n 4 "$B/clustersim" --set load.duration_s=1 --set load.warmup_s=0.2 \
    --json run.json >run.out 2>&1) && jq -e '.complete and .requests.lost == 0 and
    .requests.generated == .requests.completed and (.mpi.library | startswith("MPICH")) and .mpi.ranks == 4' \
    "$TMP/run.json" >/dev/null && grep -qE "MPICH [0-9]" "$TMP/run.out"; then
    ok "a run on 4 ranks under mpiexec.mpich: complete, every request accounted for, MPICH in the report"
else
    bad "a run under MPICH: $(tail -5 "$TMP/run.out" 2>/dev/null) $(jq -c '{complete, requests, mpi}' "$TMP/run.json" 2>&1)"
fi

status=0
finish || status=1

# The MPI tests, with this build and MPICH's launcher. Their runs are
# shortened and not timed (CS_NO_TIMING): what is checked is MPICH
# itself, not this host's timings, which the Open MPI build's tests judge.
for t in ${CS_MPICH_TESTS:-errors stop}; do
    echo "=== tests/mpi/$t.sh under MPICH"
    env CLUSTERSIM="$B/clustersim" HOSTPROBE="$B/tools/hostprobe" MPIEXEC="$(command -v mpiexec.mpich)" \
        MPIEXEC_NUMPROC_FLAG=-n MPIEXEC_PREFLAGS= CS_NO_TIMING=1 bash "$ROOT/tests/mpi/$t.sh" || status=1
done
exit $status
