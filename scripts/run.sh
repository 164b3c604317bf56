#!/usr/bin/env bash
# Set up (packages, build) and run clustersim on this machine under
# mpirun. Arguments go to clustersim, e.g.
#   scripts/run.sh --config jobs/scenarios/coordinator-knee.json --json out.json
# CS_NP sets the number of ranks. Without it: the count the scenario
# runs on, where it fixes one (per-node lists, a sweep's node counts,
# run.nodes: clustersim --ranks), else inside a SLURM allocation (salloc)
# of more than one task its task count, else twice the cores, at least 4, at most 16; and at
# least what the scenario needs. CS_MPI=mpich builds and
# runs with Debian's MPICH, CS_MPIEXEC names the launcher, CS_RUN_ARGS
# adds arguments to every run (scripts/lib.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cs_need_packages $CS_RUN_PACKAGES
cs_build_programs clustersim clustersim-lab-check # (the labs' self-check, which their job scripts run)
cs_mpi_env

cores=$(cs_cores)
if [ -n "${CS_NP:-}" ]; then
    np=$CS_NP
else
    # A scenario that cannot be read says so itself, in the run below.
    fits=$("$CS_BUILD/clustersim" --ranks "$@" ${CS_RUN_EXTRA[@]+"${CS_RUN_EXTRA[@]}"} 2>/dev/null || true)
    if [[ "$fits" =~ ^[0-9]+$ ]]; then
        np=$fits
    elif [[ "${SLURM_NTASKS:-}" =~ ^[0-9]+$ ]] && [ "$SLURM_NTASKS" -gt 1 ]; then
        np=$SLURM_NTASKS # (1: the one task of a step, srun --pty bash, not the allocation's)
    else
        np=$((2 * cores))
        [ "$np" -lt 4 ] && np=4
        [ "$np" -gt 16 ] && np=16
    fi
    # "any (at least N)"; anything else (--version, --help print theirs)
    # leaves the default
    if [[ "$fits" =~ ^any\ \(at\ least\ ([0-9]+)\)$ ]] && [ "$np" -lt "${BASH_REMATCH[1]}" ]; then
        np=${BASH_REMATCH[1]}
    fi
fi

cs_say "$(cs_launch "$np") clustersim${*:+ $*} (on $cores cores)"
exec $(cs_launch "$np") "$CS_BUILD/clustersim" "$@" ${CS_RUN_EXTRA[@]+"${CS_RUN_EXTRA[@]}"}
