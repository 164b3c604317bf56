#!/usr/bin/env bash
# A cluster user's build: cmake --install puts the programs, the man page
# (which documents every option of --help), the job scripts and scenarios
# where they belong, and an installed job script runs the installed binary
# from any directory; a configure without cmocka skips the unit tests with
# a message; scripts/run.sh on a machine without Debian's packages names
# the missing tools, and where one of them is missing, as a user without
# root, prints the apt-get line that installs it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${CS_BUILD_DIR:?CS_BUILD_DIR must name the build directory}"
TMP=$(mktemp -d /tmp/cs_install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
source "$ROOT/tests/checks.sh"

P=$TMP/prefix
cmake --install "$CS_BUILD_DIR" --prefix "$P" >"$TMP/install.log" 2>&1 || bad "cmake --install: $(tail -3 "$TMP/install.log")"
for f in bin/clustersim bin/clustersim-lab-check share/man/man1/clustersim.1 share/clustersim/jobs/run.sbatch \
         share/clustersim/jobs/lib.sh share/clustersim/jobs/labs/lab1.sbatch share/clustersim/scripts/plot.sh \
         share/doc/clustersim/README.md share/doc/clustersim/LICENSE share/doc/clustersim/docs/reference.md \
         share/doc/clustersim/docs/example/coordinator-knee-throughput.png share/doc/clustersim/docs/labs/README.md; do
    [ -e "$P/$f" ] && ok "installed $f" || bad "not installed: $f"
done
# Every guide the man page and the README point to, and the handouts
# without their answers (CS_INSTALL_INSTRUCTOR installs those apart).
missing=""
for f in "$ROOT"/docs/*.md; do [ -e "$P/share/doc/clustersim/docs/$(basename "$f")" ] || missing+=" $(basename "$f")"; done
[ -z "$missing" ] && ok "every guide installed in share/doc/clustersim/docs" || bad "guides not installed:$missing"
# ... and the README's links to them and to the examples work there too.
broken=""
for l in $(grep -oE '\]\((docs/[^)#]+)' "$P/share/doc/clustersim/README.md" | sed 's/^](//' | sort -u); do
    [ -e "$P/share/doc/clustersim/$l" ] || broken+=" $l"
done
links=$(grep -oE '\]\((docs/[^)#]+)' "$P/share/doc/clustersim/README.md" | sort -u | wc -l)
[ -z "$broken" ] && [ "$links" -ge 10 ] && ok "the installed README's $links links to the guides and examples resolve" ||
    bad "broken links:$broken (of $links: fewer than 10 found is no test)"
[ ! -e "$P/share/doc/clustersim/docs/labs/instructor" ] && [ ! -e "$P/share/doc/clustersim/instructor" ] &&
    ok "the instructor notes are not installed with the handouts by default" || bad "instructor notes installed by default"
[ "$(ls "$P/share/clustersim/jobs/scenarios" | wc -l)" -eq "$(ls "$ROOT/jobs/scenarios" | wc -l)" ] &&
    ok "every scenario installed" || bad "scenarios: $(ls "$P/share/clustersim/jobs/scenarios")"
[ -x "$P/share/clustersim/jobs/run.sbatch" ] && ok "job scripts stay executable" || bad "run.sbatch lost its mode"

# The man page: it renders, and names every long option of --help.
man=$P/share/man/man1/clustersim.1
if command -v groff >/dev/null; then # (scripts/test.sh installs it: groff-base)
    groff -man -Tutf8 -ww -z "$man" 2>"$TMP/groff.err" && [ ! -s "$TMP/groff.err" ] && ok "the man page renders without warnings" ||
        bad "groff: $(head -3 "$TMP/groff.err")"
else
    bad "no groff to render the man page with (Debian: groff-base)"
fi
missing=""
sed 's/\\-/-/g' "$man" >"$TMP/man.txt" # (no "| grep -q" under pipefail: an early exit fails the pipe)
for o in $("$P/bin/clustersim" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -- "$o" "$TMP/man.txt" || missing+=" $o"
done
opts=$("$P/bin/clustersim" --help | grep -o -- '--[a-z][a-z-]*' | sort -u | wc -l)
[ -z "$missing" ] && [ "$opts" -ge 15 ] && ok "the man page documents every option of --help ($opts)" ||
    bad "not in the man page:$missing (of $opts options: fewer than 15 found is no test)"
grep -q "^.TH CLUSTERSIM 1 .*\"clustersim $("$P/bin/clustersim" --version | cut -d' ' -f2)\"" "$man" &&
    ok "the man page carries the version" || bad "man page version: $(head -1 "$man")"

# The installed job script, outside SLURM and outside the source tree:
# it finds clustersim on the PATH and the installed scenarios.
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
mkdir "$TMP/elsewhere"
(cd "$TMP/elsewhere" && env -u CLUSTERSIM -u CS_BUILD PATH="$P/bin:$PATH" CS_JOB_NP=2 timeout 60 \
    bash "$P/share/clustersim/jobs/run.sbatch" --config "$P/share/clustersim/jobs/scenarios/mm1.json" \
    --set load.duration_s=0.5 --set load.warmup_s=0.1 >"$TMP/job.log" 2>&1) || true
f=$(ls "$TMP/elsewhere/results/"mm1-local-*.json 2>/dev/null || true)
if [ -n "$f" ] && jq -e '.requests.lost == 0 and .complete' "$f" >/dev/null &&
    grep -q "command:  mpirun .*-np 2 .*$P/bin/clustersim" "$TMP/job.log" && grep -q '^throughput' "$TMP/job.log"; then
    ok "the installed run.sbatch runs the installed clustersim from any directory, the report in its log"
else
    bad "installed run.sbatch: $(tail -5 "$TMP/job.log")"
fi

# Without cmocka: the project configures, says the unit tests are skipped,
# and has none.
cmake -S "$ROOT" -B "$TMP/nocmocka" -DCMAKE_DISABLE_FIND_PACKAGE_cmocka=ON >"$TMP/cfg.log" 2>&1 &&
    (cd "$TMP/nocmocka" && ctest -N) >"$TMP/tests.txt" &&
    grep -q "cmocka not found: the unit tests are skipped" "$TMP/cfg.log" &&
    ! grep -q 'unit_histogram' "$TMP/tests.txt" && grep -q 'mpi_conservation' "$TMP/tests.txt" &&
    ok "without cmocka: configured, unit tests skipped with a message, the others kept" ||
    bad "configure without cmocka: $(tail -5 "$TMP/cfg.log")"

# scripts/run.sh where there is no dpkg: the tools it lacks, by name.
# (A PATH with the basic tools only.)
mkdir "$TMP/bin"
for t in dirname id grep sed cat nproc; do ln -s "$(command -v $t)" "$TMP/bin/$t"; done
set +e
env CS_NO_PACKAGES=1 PATH="$TMP/bin" /bin/bash "$ROOT/scripts/run.sh" >"$TMP/run.out" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "mpicc: an MPI compiler wrapper" "$TMP/run.out" && grep -q "cmake: CMake" "$TMP/run.out" &&
    ok "run.sh without Debian's packages names the missing tools" || bad "run.sh without tools: $rc $(cat "$TMP/run.out")"

# ... and where dpkg knows all but one of them (dpkg-query then exits 1), as
# a user without root: the apt-get line that installs the missing one. A
# run does not need cmocka (the unit tests do): missing too, it is not asked for.
mkdir "$TMP/bin2"
for t in dirname grep sed cat nproc tr; do ln -s "$(command -v $t)" "$TMP/bin2/$t"; done
printf '#!/bin/sh\necho 1000\n' >"$TMP/bin2/id"
cat >"$TMP/bin2/dpkg-query" <<'FAKE'
#!/bin/bash
shift 2 # -W -f=...
for p in "$@"; do
    if [ "$p" = libcjson-dev ] || [ "$p" = libcmocka-dev ]; then echo "dpkg-query: no packages found matching $p" >&2; else echo "$p:install ok installed"; fi
done
exit 1
FAKE
chmod +x "$TMP/bin2/id" "$TMP/bin2/dpkg-query"
set +e
env -u CS_NO_PACKAGES PATH="$TMP/bin2" /bin/bash "$ROOT/scripts/run.sh" >"$TMP/run2.out" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "apt-get install -y --no-install-recommends libcjson-dev$" "$TMP/run2.out" &&
    ! grep -q cmocka "$TMP/run2.out" && ok "run.sh with one package missing names it in an apt-get line, exit 1" || bad "run.sh, one package missing: $rc $(cat "$TMP/run2.out")"

# ... and, without root on a Debian machine whose MPI and CMake come from
# elsewhere (a cluster's modules: on the PATH, unknown to dpkg), those
# tools will do, and cJSON is left to CMake: no apt-get line.
out=$(bash -c 'source "$1/scripts/lib.sh"; id() { echo 1000; }; dpkg-query() { :; }
    cs_need_packages libopenmpi-dev openmpi-bin cmake libcjson-dev && echo "went on"' _ "$ROOT" 2>&1 || true)
grep -q "^went on$" <<<"$out" && grep -q "not installed as Debian packages: libcjson-dev: CMake looks for them elsewhere" <<<"$out" &&
    ! grep -q apt-get <<<"$out" && ok "without root, tools from modules: no apt-get line, cJSON left to CMake" ||
    bad "without root, tools from modules: $out"

finish
