#!/usr/bin/env bash
# Set up (packages, build) and run the whole test suite with ctest, then
# add up the checks of every test script in one line.
# Arguments go to ctest, e.g. scripts/test.sh -L unit
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cs_need_packages $CS_RUN_PACKAGES $CS_TEST_PACKAGES
# MPICH beside Open MPI, for the build_mpich test: installed when root;
# otherwise that test says it skipped.
if [ "$(id -u)" -eq 0 ] && [ "$CS_MPI" = openmpi ]; then
    cs_need_packages libmpich-dev mpich
fi
cs_build
cs_mpi_env
cs_suite "$@"
