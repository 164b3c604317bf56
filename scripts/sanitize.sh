#!/usr/bin/env bash
# The whole test suite again, built with AddressSanitizer and
# UndefinedBehaviorSanitizer (-DCS_SANITIZE=ON) into build-asan/. Any
# sanitizer report fails the test that caused it (every run's stderr is
# read: tests/mpi/lib.sh). Open MPI's own leaks are
# suppressed by tests/lsan.supp (each line says why). Arguments go to ctest.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cs_need_packages $CS_RUN_PACKAGES $CS_TEST_PACKAGES
CS_BUILD=$CS_ROOT/build-asan cs_build -DCS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cs_mpi_env
# Keep Open MPI's plug-ins loaded to the end, so that their frames in a
# leak report have names the suppressions can match; unwind fully, since
# Open MPI is built without frame pointers.
export OMPI_MCA_mca_base_component_disable_dlclose=1
export LSAN_OPTIONS="suppressions=$CS_ROOT/tests/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0"
# intercept_tls_get_addr=0: LeakSanitizer can take a dynamic TLS block of
# an Open MPI plug-in for a bogus range and crash its own tracer at exit
# ("Tracer caught signal 11", google/sanitizers#1322); without the
# interception it skips dynamic TLS, which holds no heap roots of ours.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86:intercept_tls_get_addr=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# No timed check is judged here (CS_NO_TIMING, tests/mpi/lib.sh): under
# the sanitizers timings measure the instrumentation. Every run's exit
# status and stderr are still read, and everything else is checked, with
# the timed tests' runs shortened. The cluster tests start daemons, and
# the labs test runs the lab pages through scripts/run.sh on the plain
# build: once, in test.sh, is enough. So are the docs' commands (label
# docs), which run the plain build the same way, and the builds with
# MPICH and without MPI (label build), which are not instrumented.
export CS_NO_TIMING=1
# Two tests at a time, not three: instrumented ranks keep the CPUs busy
# (every malloc unwinds its stack), and three at a time on 2 cores put
# the corpus's 33 runs (6-9 s each) past ctest's 300 s timeout.
CS_JOBS=2 CS_BUILD=$CS_ROOT/build-asan cs_suite -LE 'cluster|labs|build|docs' -E '^(validate_quick|examples)$' "$@"
