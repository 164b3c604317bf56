#!/usr/bin/env bash
# What both SLURM tests share (sourced): a real SLURM of 2 nodes on this
# machine (scripts/local-slurm.sh: munge, slurmctld, slurmd), started for
# the test and stopped at its exit, a submit directory (WORK) whose
# results go to CS_RESULTS, and helpers to submit, wait for and kill jobs.
# Needs root; the test says it skipped otherwise. The two tests never run
# at once (slurm.sh runs alone), so the fixed ports of local-slurm.sh do
# not collide.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIPPED: the SLURM tests need root (they start munged, slurmctld and slurmd)"
    exit 77
fi
export CLUSTERSIM=${CLUSTERSIM:-$ROOT/build/clustersim}
export CS_SLURM_DIR=$(mktemp -d /tmp/cs_slurm.XXXXXX)
WORK=$(mktemp -d /tmp/cs_slurmjobs.XXXXXX)
export CS_RESULTS=$WORK/results
source "$ROOT/tests/checks.sh"
cleanup() {
    "$ROOT/scripts/local-slurm.sh" down >/dev/null 2>&1 || true
    rm -rf "$WORK" "$CS_SLURM_DIR"
}
trap cleanup EXIT

t0=$(date +%s)
# Each fake node declares 48 CPUs, so that the array's 12 tasks of up to
# 9 ranks run side by side (39 s one after another, 10 s so); no timing
# of theirs is judged.
CS_SLURM_CPUS=48 "$ROOT/scripts/local-slurm.sh" up 2
export SLURM_CONF=$CS_SLURM_DIR/slurm.conf
# The fake nodes are all this machine: keep MPI's TCP on loopback.
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
cd "$WORK" # a submit directory with no jobs/ in it: the scripts find their own

valid() { # file what
    if jq -e '.requests.generated == .requests.completed + .requests.rejected + .requests.timed_out + .requests.failed and .requests.lost == 0' "$1" >/dev/null 2>&1; then
        ok "$2: valid results, every request accounted for"
    else
        bad "$2: results missing or invalid: $(head -c 300 "$1" 2>&1)"
    fi
}

short=(--set load.duration_s=1 --set load.warmup_s=0.2)

# wait_job ID [SECONDS]: until SLURM no longer lists the job (or SECONDS
# have passed), looking every 0.2 s.
wait_job() {
    local end=$((SECONDS + ${2:-3600}))
    # (no "| grep -q" under pipefail: an early exit fails the pipe)
    while [ -n "$(squeue -h -j "$1" 2>/dev/null)" ] && [ "$SECONDS" -lt "$end" ]; do sleep 0.2; done
}

# sbatch_wait ARGS...: sbatch --wait, which looks again after 2, 4, 8 s
# (7 s lost per job here), looking every 0.2 s instead: prints the job
# id, and fails unless every task of the job completed with exit 0.
sbatch_wait() {
    local id state
    id=$(sbatch --parsable "$@") || return 1
    id=${id%%;*}
    echo "$id"
    wait_job "$id"
    state=$(scontrol -o show job "$id" 2>/dev/null)
    [ -n "$state" ] && ! grep -v -q 'JobState=COMPLETED .*ExitCode=0:0' <<<"$state"
}

# killed_when FILE 'jq condition' ARGS...: a job submitted (sbatch ARGS),
# killed outright once FILE holds the condition (at most 60 s): SIGKILL
# to the batch shell and every process of the job, a lost host. Prints
# the job id once the job is gone.
killed_when() { ended_when --full --signal=KILL "$@"; }

# stopped_when FILE 'jq condition' ARGS...: the same, stopped instead as
# by its time limit's warning (#SBATCH --signal=B:TERM@60): SIGTERM to
# the batch shell, which asks the ranks to stop (jobs/lib.sh).
stopped_when() { ended_when --signal=TERM --batch "$@"; }

# ended_when SCANCEL_OPTION... FILE 'jq condition' ARGS...: the two above.
ended_when() {
    local how=()
    while [[ "$1" == --* ]]; do how+=("$1"); shift; done
    local file=$1 cond=$2 id
    shift 2
    id=$(sbatch --parsable "$@") || return 1
    for _ in $(seq 600); do
        jq -e "$cond" "$file" >/dev/null 2>&1 && break
        sleep 0.1
    done
    scancel "${how[@]}" "$id"
    wait_job "$id" 60
    echo "$id"
}

