#!/usr/bin/env bash
# The labs' self-check: are these clustersim results sound?
#   scripts/lab-check.sh [--lab N] results.json...
# Exit status 0: sound; 1: problems, one line each; 2: bad input.
# It builds the checker first when build/ does not have it (no MPI needed).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Without an MPI, in a build of its own (build-nompi/, as the README's),
# so that build/ stays for the build with MPI.
command -v mpicc >/dev/null || [ -x "$CS_BUILD/clustersim-lab-check" ] || CS_BUILD=$CS_ROOT/build-nompi
bin=$CS_BUILD/clustersim-lab-check
if [ ! -x "$bin" ]; then
    cs_need_packages $CS_CORE_PACKAGES
    cs_build_programs clustersim-lab-check
fi
exec "$bin" "$@"
