#!/usr/bin/env bash
# Set up (packages, build) and run the whole test suite with ctest.
# Arguments go to ctest, e.g. scripts/test.sh -L unit
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cs_need_packages $CS_RUN_PACKAGES $CS_TEST_PACKAGES
cs_build
cs_mpi_env

cd "$CS_BUILD"
# Two at a time, but the tests that time things run alone (RUN_SERIAL in
# tests/CMakeLists.txt).
ctest --output-on-failure -j2 "$@"
