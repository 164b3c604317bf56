#!/usr/bin/env bash
# The labs' self-check: are these clustersim results sound?
#   scripts/lab-check.sh [--lab N] results.json...
# Exit status 0: sound; 1: problems, one line each; 2: bad input.
# It builds the checker first when build/ does not have it (no MPI needed).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bin=$CS_BUILD/clustersim-lab-check
if [ ! -x "$bin" ]; then
    cs_need_packages $CS_CORE_PACKAGES
    cs_build_programs clustersim-lab-check
fi
exec "$bin" "$@"
