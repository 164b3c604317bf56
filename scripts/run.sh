#!/usr/bin/env bash
# Set up (packages, build) and run clustersim on this machine under
# mpirun. Arguments go to clustersim, e.g.
#   scripts/run.sh --config jobs/scenarios/coordinator-knee.json --json out.json
# CS_NP sets the number of ranks (default: twice the cores, at least 4,
# at most 16).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cs_need_packages $CS_RUN_PACKAGES
cs_build_programs clustersim
cs_mpi_env

cores=$(nproc)
np=${CS_NP:-$((2 * cores))}
[ -n "${CS_NP:-}" ] || { [ "$np" -lt 4 ] && np=4; [ "$np" -gt 16 ] && np=16; }

cs_say "mpirun $(cs_mpirun_args "$np") clustersim $* (on $cores cores)"
exec mpirun $(cs_mpirun_args "$np") "$CS_BUILD/clustersim" "$@"
