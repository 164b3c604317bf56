#!/usr/bin/env bash
# A real single-machine SLURM from Debian's packages, for trying the job
# scripts without a cluster: munge, slurmctld and a few slurmd "nodes"
# (node1..nodeN, all on this machine), with every file in one directory.
#   scripts/local-slurm.sh up [NODES]   start it (default 2 nodes); prints the env to use
#   scripts/local-slurm.sh status       what is running
#   scripts/local-slurm.sh down         stop what up started, remove the directory
#   scripts/local-slurm.sh conf         print the path of its slurm.conf
# It lives in CS_SLURM_DIR (/tmp/clustersim-slurm); each fake node declares
# CS_SLURM_CPUS CPUs (16: jobs/scenarios.sbatch asks for 9 tasks on one).
# Then: export SLURM_CONF=$(scripts/local-slurm.sh conf); sbatch jobs/run.sbatch
# Needs root. Safe to run twice; stops only what it started.
set -Eeuo pipefail # (-E: up's ERR trap sees its commands)
source "$(dirname "$0")/lib.sh"

DIR=${CS_SLURM_DIR:-/tmp/clustersim-slurm}
CPUS=${CS_SLURM_CPUS:-16} # CPUs each fake node declares (more than it has: tasks may outnumber cores)

need_root() {
    [ "$(id -u)" -eq 0 ] || {
        echo "local-slurm.sh needs root (it starts munged, slurmctld and slurmd): run it with sudo, and give" \
            "CS_SLURM_DIR or CS_SLURM_CPUS after sudo (sudo CS_SLURM_DIR=... scripts/local-slurm.sh up)" >&2
        exit 1
    }
}

# Its directory, in /tmp by default, as root made it: owned by root and
# writable by no one else, down to its pid files. One another user made
# there would have root read a slurm.conf or signal the pids of theirs.
trusted() {
    local f
    for f in "$DIR" "$DIR/run" "$DIR"/run/*.pid; do
        [ -e "$f" ] || continue
        [ "$(stat -c %u "$f")" = 0 ] && [[ $(stat -c %A "$f") != ?????w* ]] && [[ $(stat -c %A "$f") != ????????w* ]] ||
            { echo "local-slurm.sh: $f is not root's alone: remove it by hand, or set CS_SLURM_DIR" >&2; exit 1; }
    done
}

# The daemons' pids, from their pid files: only those still one of them
# (a file left by a daemon killed long ago may name another process now).
pids() {
    local p
    for p in $(cat "$DIR"/run/*.pid 2>/dev/null || true); do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) =~ ^(munged|slurmctld|slurmd)$ ]] && echo "$p"
    done
    return 0
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

up() {
    need_root
    local nodes=${1:-2}
    [[ $nodes =~ ^[1-9][0-9]?$ ]] || { echo "local-slurm.sh up: NODES is a count from 1 to 99, got '$nodes'" >&2; exit 2; }
    trusted
    if [ -f "$DIR/run/up.ok" ] && alive "$DIR/run/slurmctld.pid"; then
        echo "local SLURM is already up in $DIR"
        return 0
    fi
    # What a failed or interrupted up left (a munged, say) goes first:
    # the rm below would lose its pid file, and down could not stop it.
    stop_daemons
    cs_need_packages slurmctld slurmd slurm-client munge
    # Its ports are fixed: another local SLURM (one left running by a
    # killed test, say) would hold them, and this one would not start.
    local port
    command -v ss >/dev/null || cs_say "no ss (iproute2) here: the ports 16817 to $((16818 + nodes)) are not checked"
    for port in 16817 $(seq 16819 $((16818 + nodes))); do
        if command -v ss >/dev/null && [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
            echo "local-slurm.sh: port $port is in use (another local SLURM? scripts/local-slurm.sh down, or kill it)" >&2
            exit 1
        fi
    done
    rm -rf "$DIR"
    # Made here, by root, or not at all: one another user made in /tmp
    # meanwhile would hold root's slurm.conf and keys.
    mkdir -p "$(dirname "$DIR")"
    mkdir "$DIR" || { echo "local-slurm.sh: cannot make $DIR afresh" >&2; exit 1; }
    mkdir "$DIR"/{run,state,log,spool,tmp}
    chmod 755 "$DIR"
    # A step that fails from here stops the daemons started before it
    # (the logs stay), so that up can be run again.
    trap 'echo "local-slurm.sh: up failed; stopping what it started (logs in $DIR/log)" >&2; stop_daemons' ERR
    local host
    host=$(hostname -s)
    mungekey -c -f -k "$DIR/munge.key" >/dev/null 2>&1 ||
        (umask 077 && dd if=/dev/urandom of="$DIR/munge.key" bs=1024 count=1 2>/dev/null)
    chmod 400 "$DIR/munge.key"
    munged -f --key-file="$DIR/munge.key" --socket="$DIR/run/munge.socket" --pid-file="$DIR/run/munged.pid" \
        --log-file="$DIR/log/munged.log" --seed-file="$DIR/state/munge.seed"
    local mem
    mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 / 2 / '"$nodes"' }' /proc/meminfo)
    {
        echo "ClusterName=clustersim"
        echo "SlurmctldHost=$host(127.0.0.1)"
        echo "SlurmctldPort=16817"
        echo "AuthType=auth/munge"
        echo "AuthInfo=socket=$DIR/run/munge.socket"
        echo "CredType=cred/munge"
        echo "SlurmUser=root"
        echo "SlurmdUser=root"
        echo "StateSaveLocation=$DIR/state"
        echo "SlurmdSpoolDir=$DIR/spool/%n"
        echo "TmpFS=$DIR/tmp/%n"
        echo "SlurmctldPidFile=$DIR/run/slurmctld.pid"
        echo "SlurmdPidFile=$DIR/run/slurmd-%n.pid"
        echo "SlurmctldLogFile=$DIR/log/slurmctld.log"
        echo "SlurmdLogFile=$DIR/log/slurmd-%n.log"
        echo "ProctrackType=proctrack/linuxproc"
        echo "TaskPlugin=task/none"
        echo "MpiDefault=pmix"
        echo "SchedulerType=sched/backfill"
        echo "SelectType=select/cons_tres"
        echo "SelectTypeParameters=CR_Core"
        echo "SlurmdParameters=config_overrides"
        echo "JobCompType=jobcomp/filetxt"
        echo "JobCompLoc=$DIR/log/jobcomp.txt"
        echo "AccountingStorageType=accounting_storage/none"
        echo "EnforcePartLimits=ALL"
        echo "MailProg=/bin/true"
        echo "KillWait=5"
        echo "ReturnToService=2"
        echo "InactiveLimit=0"
        echo "MinJobAge=60"
        for i in $(seq 1 "$nodes"); do
            echo "NodeName=node$i NodeHostname=$host NodeAddr=127.0.0.1 Port=$((16818 + i)) CPUs=$CPUS RealMemory=$mem State=UNKNOWN"
        done
        echo "PartitionName=debug Nodes=node[1-$nodes] Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES"
    } >"$DIR/slurm.conf"
    for i in $(seq 1 "$nodes"); do mkdir -p "$DIR/spool/node$i" "$DIR/tmp/node$i"; done
    export SLURM_CONF=$DIR/slurm.conf
    slurmctld -f "$DIR/slurm.conf"
    for i in $(seq 1 "$nodes"); do slurmd -f "$DIR/slurm.conf" -N "node$i"; done
    # Wait until every node is idle.
    for _ in $(seq 1 60); do
        if [ "$(sinfo -h -o '%t' 2>/dev/null | grep -c idle)" -ge 1 ] &&
            [ -z "$(sinfo -h -o '%t' 2>/dev/null | grep -vE '^idle$')" ]; then
            trap - ERR
            touch "$DIR/run/up.ok"
            echo "local SLURM is up in $DIR with $nodes nodes; use:"
            echo "  export SLURM_CONF=$DIR/slurm.conf"
            echo "  export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo  # keep MPI on loopback"
            return 0
        fi
        sleep 0.5
    done
    trap - ERR
    echo "local SLURM did not come up; logs in $DIR/log:" >&2
    tail -n 5 "$DIR"/log/*.log >&2
    stop_daemons # what it started; the logs stay
    return 1
}

# Stop every daemon up started (SIGTERM, then SIGKILL after 5 s).
stop_daemons() {
    local p
    for p in $(pids); do kill "$p" 2>/dev/null || true; done
    for _ in $(seq 1 20); do
        local left=0
        for p in $(pids); do kill -0 "$p" 2>/dev/null && left=1; done
        [ "$left" -eq 0 ] && break
        sleep 0.25
    done
    for p in $(pids); do kill -9 "$p" 2>/dev/null || true; done
}

down() {
    need_root
    [ -d "$DIR" ] || { echo "local SLURM is not up"; return 0; }
    trusted
    if alive "$DIR/run/slurmctld.pid"; then
        # Cancel every user's jobs (submitted as yourself, brought up
        # with sudo) and let their steps end (SIGTERM, then SIGKILL after
        # KillWait) before the daemons go.
        SLURM_CONF=$DIR/slurm.conf scancel --quiet --partition=debug 2>/dev/null || true
        for _ in $(seq 1 40); do
            [ -n "$(SLURM_CONF=$DIR/slurm.conf squeue -h 2>/dev/null)" ] || break
            sleep 0.5
        done
        local left
        left=$(SLURM_CONF=$DIR/slurm.conf squeue -h -o '%A %u %T' 2>/dev/null || true)
        [ -z "$left" ] || echo "local-slurm.sh: jobs still there after 20 s, stopped with the daemons: $left" >&2
    fi
    stop_daemons
    rm -rf "$DIR"
    echo "local SLURM is down"
}

status() {
    if ! alive "$DIR/run/slurmctld.pid"; then
        echo "local SLURM is not up"
        return 1
    fi
    SLURM_CONF=$DIR/slurm.conf sinfo
    SLURM_CONF=$DIR/slurm.conf squeue
}

case "${1:-}" in
up) up "${2:-2}" ;;
down) down ;;
status) status ;;
conf) echo "$DIR/slurm.conf" ;;
*) echo "usage: scripts/local-slurm.sh up [NODES] | down | status | conf" >&2; exit 2 ;;
esac
