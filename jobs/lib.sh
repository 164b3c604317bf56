# Shared by the job scripts in jobs/: how to launch clustersim inside an
# allocation, and the bookkeeping every job does. Source it from a job.

# Where things are: the tree this file is in (a checkout, or an install's
# share/clustersim), its scenarios, and the binary: $CLUSTERSIM, else the
# checkout's build ($CS_BUILD: build/, or build-mpich/ with CS_MPI=mpich;
# scripts/lib.sh), else clustersim on the PATH (installed, or from a
# module). sbatch passes the submitter's environment, these included. Results go under the directory the job was submitted
# from, whichever that is.
unset CDPATH # (an exported one makes cd print where it went, into every path read from it)
CS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The build and the MPI launcher's flags (CS_BUILD, cs_mpi_family,
# cs_mpi_env), shared with the scripts: scripts/lib.sh in a checkout,
# share/clustersim/scripts/lib.sh in an install.
source "$CS_ROOT/scripts/lib.sh" || exit 2
CS_SCENARIOS=$CS_ROOT/jobs/scenarios
CS_SUBMIT_DIR=${SLURM_SUBMIT_DIR:-$PWD}
if [ -n "${CLUSTERSIM:-}" ]; then
    CS_BIN=$CLUSTERSIM
elif [ -x "$CS_BUILD/clustersim" ]; then
    CS_BIN=$CS_BUILD/clustersim
else
    CS_BIN=$(command -v clustersim || echo "$CS_BUILD/clustersim")
fi
CS_RESULTS=${CS_RESULTS:-$CS_SUBMIT_DIR/results}
if [ ! -x "$CS_BIN" ]; then
    echo "clustersim: no binary at $CS_BIN: build it (scripts/run.sh, or cmake), put it on the PATH, or set CLUSTERSIM" >&2
    exit 2
fi

# The name of this job's results: the job's id (an array task's:
# JOBID_TASK), or CS_RUN_ID when it is set (an array task's: CS_RUN_ID_TASK). A job requeued (sbatch
# --requeue, scontrol requeue: the id stays) or submitted again with the
# same CS_RUN_ID writes the same files, and a sweep cut off in them
# resumes where it stopped (cs_job_run).
CS_JOB_ID=${CS_RUN_ID:-${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}}}
# Outside SLURM (bash jobs/run.sbatch ...): local-TIME-PID, so that one
# run does not write over the last.
CS_JOB_ID=${CS_JOB_ID:-${SLURM_JOB_ID:-local-$(date +%Y%m%d-%H%M%S)-$$}}
# (an array's tasks each their own, CS_RUN_ID or not)
[ -n "${CS_RUN_ID:-}" ] && [ -n "${SLURM_ARRAY_TASK_ID:-}" ] && CS_JOB_ID=${CS_RUN_ID}_${SLURM_ARRAY_TASK_ID}

# Open MPI refuses to run as root without its two variables.
cs_mpi_env

# The launcher: CS_LAUNCHER=srun or CS_LAUNCHER=mpirun chooses. By
# default srun where this SLURM offers srun's MPI plugin CS_SRUN_MPI
# (unless set, the one the binary's MPI speaks, whatever SLURM_MPI_TYPE a
# module set for another MPI: pmix for Open MPI, pmi2
# for the MPICH family, as `clustersim --version` names it; srun
# --mpi=list shows the others; "none" for an MPI that needs none), else
# mpirun ($CS_MPIEXEC: Open MPI's and MPICH's both read the allocation
# from SLURM's environment). With
# CS_JOB_NP set, it starts that many ranks instead of one per task of the
# allocation (a lab's runs need different rank counts in one job). Under
# srun, a rank that dies ends the job step (--kill-on-bad-exit): MPI
# cannot go on without it, and the others would wait for it until the
# time limit. Outside an allocation (no SLURM_JOB_ID: bash
# jobs/run.sbatch ... on a login node or a laptop) there is no allocation
# to read: mpirun, on CS_JOB_NP ranks or 4 (more than the cores allowed),
# as scripts/run.sh launches.
cs_job_launcher() {
    local choice=${CS_LAUNCHER:-} plugin=${CS_SRUN_MPI:-} why
    if [ -z "$plugin" ]; then
        plugin=pmi2
        [ "$(cs_mpi_family "$CS_BIN")" != openmpi ] || plugin=pmix
    fi
    if [ -z "$choice" ]; then
        choice=mpirun
        why="neither srun with the MPI plugin '$plugin' (srun --mpi=list shows those it offers: choose one with CS_SRUN_MPI) nor"
        # (outside an allocation srun would ask for a new one, of one task)
        if [ -n "${SLURM_JOB_ID:-}" ] && command -v srun >/dev/null &&
            { [ "$plugin" = none ] || [[ $(srun --mpi=list 2>&1) == *"$plugin"* ]]; }; then
            choice=srun
        fi
    else
        why="CS_LAUNCHER is $choice, and"
    fi
    if [ "$choice" = srun ] && ! command -v srun >/dev/null; then
        echo "clustersim: no launcher: $why srun is not on the PATH" >&2
        return 2
    fi
    case $choice in
        srun) echo "srun --mpi=$plugin --kill-on-bad-exit=1${CS_JOB_NP:+ -n $CS_JOB_NP}" ;;
        mpirun)
            local np=${CS_JOB_NP:-${SLURM_NTASKS:-}}
            if ! command -v "$CS_MPIEXEC" >/dev/null 2>&1; then
                echo "clustersim: no launcher: $why '$CS_MPIEXEC' is not on the PATH" >&2
                return 2
            fi
            if [ -z "${SLURM_JOB_ID:-}" ]; then # no allocation to read: as scripts/run.sh launches
                cs_launch "${CS_JOB_NP:-4}" "$CS_MPIEXEC"
                return
            fi
            case $(cs_mpi_family "$CS_MPIEXEC") in
                openmpi) echo "$CS_MPIEXEC${CS_JOB_NP:+ -np $CS_JOB_NP}" ;;
                *) echo "$CS_MPIEXEC${np:+ -n $np}" ;;
            esac
            ;;
        *)
            echo "clustersim: CS_LAUNCHER is '$choice': it is srun or mpirun" >&2
            return 2
            ;;
    esac
}

# cs_job_fit [clustersim args...]: the ranks a run of these arguments
# takes from the allocation (clustersim --ranks): a scenario whose node
# lists or run.nodes fix its count runs on that many tasks (CS_JOB_NP),
# one that needs more than the job has is refused here, before it is
# launched; any other runs on every task. A scenario that cannot be read
# is left to the run, which says why.
cs_job_fit() {
    [ -z "${CS_JOB_NP:-}" ] || return 0
    local fits tasks=${SLURM_NTASKS:-}
    fits=$("$CS_BIN" --ranks "$@" 2>/dev/null) || return 0
    if [[ $fits =~ ^[0-9]+$ ]]; then
        CS_JOB_NP=$fits
    elif [[ $fits =~ ^any\ \(at\ least\ ([0-9]+)\)$ ]]; then
        fits=${BASH_REMATCH[1]}
    else
        return 0
    fi
    # (outside SLURM, 4 ranks unless the scenario needs more)
    [ -n "${SLURM_JOB_ID:-}" ] || [ -n "${CS_JOB_NP:-}" ] || [ "$fits" -le 4 ] || CS_JOB_NP=$fits
    if [[ $tasks =~ ^[0-9]+$ ]] && [ "$tasks" -lt "$fits" ]; then
        echo "clustersim: this scenario runs on ${CS_JOB_NP:-at least $fits} ranks (clustersim --ranks); the job has $tasks tasks: submit it with --ntasks=$fits" >&2
        exit 2
    fi
}

# cs_job_run NAME [clustersim args...]: run, with the job's bookkeeping:
# the job id, the nodes, the exact command and its exit status, and the
# results in $CS_RESULTS/NAME-$CS_JOB_ID.json (and .csv where asked for).
# When that file holds a sweep already and this job was requeued, or
# submitted again with the same CS_RUN_ID, the sweep resumes from it:
# its finished steps are kept, and a sweep complete already is not run
# again. A single run complete already is not run again either (its
# first checkpoint would replace the complete results within a second),
# when it was made the same way (NAME-ID.args beside it holds the
# launcher, the task count, the binary and the arguments of the run that
# wrote it): the same id with other arguments (a --set changed), tasks or
# binary runs anew.
cs_job_run() {
    local name=$1
    shift
    if [ "$CS_JOB_STOPPED" -ne 0 ]; then
        echo "skipped:  $name (the job was asked to stop before it began)"
        return 143
    fi
    local id=$CS_JOB_ID out="$CS_RESULTS/$name-$CS_JOB_ID.json" resume=() lock= launcher
    mkdir -p "$CS_RESULTS"
    launcher=$(cs_job_launcher) || exit 2
    # What made the results: the launcher, the job's task count, the
    # binary and the arguments, kept beside them once they are written.
    # (NUL between them: an argument may hold a newline, or be empty)
    local made args="${out%.json}.args"
    made=$(mktemp "$CS_RESULTS/.$name-$id.made.XXXXXX") || exit 2
    printf '%s\0' "$launcher" "${CS_JOB_NP:-}" "${SLURM_NTASKS:-}" "${SLURM_TASKS_PER_NODE:-}" "$CS_BIN" "$@" >"$made"
    # One job at a time on the files of one CS_RUN_ID: a second while the
    # first runs would resume from its checkpoints and write over them.
    # flock where there is one (a file system without locks: a warning).
    if [ -n "${CS_RUN_ID:-}" ] && command -v flock >/dev/null && exec {lock}>"$CS_RESULTS/.$name-$id.lock"; then
        local held=0
        flock -n -E 75 "$lock" || held=$?
        if [ "$held" -eq 75 ]; then
            echo "clustersim: another job is writing $out now (the same CS_RUN_ID at once): not run; give this one another CS_RUN_ID, or wait for it" >&2
            rm -f "$made"
            exec {lock}>&-
            return 1
        elif [ "$held" -ne 0 ]; then
            echo "clustersim: no lock on $CS_RESULTS (flock exit $held): two jobs under one CS_RUN_ID at once would mix their files" >&2
        fi
    fi
    # Only a job that runs again on purpose: requeued, or named by hand.
    if { [ -n "${CS_RUN_ID:-}" ] || [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; } && [ -s "$out" ]; then
        if grep -q '"sweep_scenario"' "$out"; then
            resume=(--resume "$out")
        elif grep -Eq '^[[:space:]]*"complete":[[:space:]]*true' "$out"; then
            if cmp -s "$args" "$made"; then
                echo "job:      $id ($name)"
                echo "results:  $out holds this run, complete, already: not run again (another CS_RUN_ID runs it anew)"
                rm -f "$made"
                [ -z "$lock" ] || exec {lock}>&-
                return 0
            fi
            echo "note:     $out holds a complete run made otherwise ($args: launcher, tasks, binary, arguments): it runs anew"
        fi
    fi
    local cmd=($launcher "$CS_BIN" --json "$out" ${resume[@]+"${resume[@]}"} "$@")
    echo "job:      $id ($name)"
    [ ${#resume[@]} -eq 0 ] || echo "resumes:  $out (the sweep this job began; its finished steps are kept)"
    echo "nodes:    ${SLURM_JOB_NODELIST:-$(hostname)} (${SLURM_NTASKS:-?} tasks)"
    echo "launcher: $launcher"
    echo "command:  ${cmd[*]}"
    local status=0
    rm -f "$args" # (a run that fails may have written its results: they are no longer those of the old arguments)
    cs_job_exec "${cmd[@]}" || status=$?
    if [ "$status" -eq 0 ]; then mv -f "$made" "$args"; else rm -f "$made"; fi
    [ -z "$lock" ] || exec {lock}>&-
    echo "exit:     $status"
    echo "results:  $out"
    return $status
}

# cs_job_exec LAUNCHER-AND-COMMAND...: run it in the background and wait,
# passing a stop on. A warning before the time limit (#SBATCH
# --signal=B:TERM@60), a scancel --signal=TERM --batch, or a plain scancel
# signals this script: pass it on to clustersim's ranks and wait for them
# to drain and write the results. Every launch of a job goes through here.
cs_job_exec() {
    "$@" &
    local pid=$! status seen
    trap "cs_job_forward_stop $pid '$1'" TERM INT
    # wait returns early (128 + the signal) when a trapped signal arrives,
    # and the launcher may end while the stop is passed on (bash then
    # keeps its status for the next wait; a check that it still runs would
    # find it gone and keep the 143): wait again after every stop, for the
    # status clustersim ends with (0 when the drain ended in time and the
    # results are whole).
    while :; do
        seen=$CS_JOB_STOPS
        status=0
        wait "$pid" || status=$?
        [ "$status" -gt 128 ] && [ "$CS_JOB_STOPS" != "$seen" ] || break
    done
    # Between two launches of a job a stop marks it stopped, and the
    # launches after it are skipped (cs_lab_run); it signals no process:
    # the id of one that ended may be another's by then.
    trap "cs_job_forward_stop '' ''" TERM INT
    return $status
}

# cs_job_forward_stop PID LAUNCHER: ask a running clustersim to stop
# gracefully. srun answers SIGTERM by killing its tasks at once ("forcing
# job termination"), so under srun the signal goes to the job's steps,
# that is to the ranks themselves (scancel does not signal the batch
# shell unless told to); mpirun passes a SIGTERM on to its ranks.
CS_JOB_STOPPED=0 CS_JOB_STOPS=0
cs_job_forward_stop() {
    local pid=$1 launcher=$2
    CS_JOB_STOPPED=1
    CS_JOB_STOPS=$((CS_JOB_STOPS + 1))
    [ -n "$pid" ] || return 0
    # An array task by its own name: one of them has the array's id as its
    # job id, and scancel of that id signals every task of the array.
    local job=${SLURM_JOB_ID:-}
    [ -n "${SLURM_ARRAY_TASK_ID:-}" ] && job=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}
    if [[ "$launcher" == srun* ]] && [ -n "$job" ] && scancel --signal=TERM "$job" 2>/dev/null; then
        return
    fi
    kill -TERM "$pid" 2>/dev/null
}
# From here on, a stop that comes before a run is launched (a warning at
# the start of a short job: SLURM may send it up to its 60 s early) marks
# the job stopped, and the runs are skipped, where it killed the shell.
trap "cs_job_forward_stop '' ''" TERM INT

# The scenario's name for the results file, from a --config FILE (or
# --config=FILE, -c FILE) argument.
cs_job_name() {
    local prev="" a
    for a in "$@"; do
        if [ "$prev" = "--config" ] || [ "$prev" = "-c" ]; then
            basename "$a" .json
            return
        fi
        case $a in --config=?*)
            basename "${a#--config=}" .json
            return
            ;;
        esac
        prev=$a
    done
    echo default
}

# For the lab jobs (jobs/labs/): cs_lab_run NP NAME [clustersim args...]
# runs one of the lab's runs on NP ranks, with the report in the job log
# and the job script's own arguments (CS_LAB_ARGS) added, so that
#   sbatch jobs/labs/lab1.sbatch --set load.duration_s=2
# shortens every run. Failures are remembered in CS_LAB_FAILED.
CS_LAB_FAILED=0
cs_lab_run() {
    local np=$1 name=$2
    shift 2
    if [ "$CS_JOB_STOPPED" -ne 0 ]; then
        echo "skipped:  $name (the job was asked to stop)"
        return
    fi
    CS_JOB_NP=$np cs_job_run "$name" "$@" ${CS_LAB_ARGS[@]+"${CS_LAB_ARGS[@]}"} || CS_LAB_FAILED=$((CS_LAB_FAILED + 1))
    echo
}

# cs_lab_check LAB: the lab's self-check on every results file this job
# wrote (lab<LAB>-*-<jobid>.json); the job's exit status.
cs_lab_check() {
    local lab=$1 id=$CS_JOB_ID
    local check=${CS_LABCHECK:-$(dirname "$CS_BIN")/clustersim-lab-check}
    [ -n "${CS_LABCHECK:-}" ] || [ -x "$check" ] || check=$CS_ROOT/scripts/lab-check.sh # (which builds it)
    echo "self-check: $check --lab $lab $CS_RESULTS/lab$lab-*-$id.json"
    local status=0
    "$check" --lab "$lab" "$CS_RESULTS"/lab"$lab"-*-"$id".json || status=$?
    [ "$CS_LAB_FAILED" -eq 0 ] || { echo "$CS_LAB_FAILED run(s) failed"; status=1; }
    echo "lab $lab: exit $status"
    return $status
}
