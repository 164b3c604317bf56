#!/usr/bin/env bash
# Emulate N hosts on this Linux machine with network namespaces, so that
# MPI ranks on different "hosts" talk over TCP, as on a real cluster.
#   scripts/local-cluster.sh up N [--rate RATE] [--delay-us US]
#                                         hosts cs-h0..cs-h(N-1) on a switch in 10.213.7.0/24;
#                                         RATE (e.g. 100mbit) limits each host's link (tc tbf);
#                                         US adds one-way delay between hosts (a userspace
#                                         switch, tools/netdelay.c: this kernel has no netem)
#   scripts/local-cluster.sh run NP [clustersim args...]
#                                         mpirun from cs-h0, 1 coordinator there and NP-1 ranks
#                                         spread over the other hosts
#   scripts/local-cluster.sh status | down
# Each host has its own hostname (unshare --uts). Needs root. Safe to run
# twice; removes only the namespaces and files it made (marked cs-).
set -Eeuo pipefail # (-E: up's ERR trap sees its commands)
source "$(dirname "$0")/lib.sh"

NET=10.213.7
DIR=${CS_CLUSTER_DIR:-/tmp/clustersim-cluster}
SW=cs-sw

need_root() {
    [ "$(id -u)" -eq 0 ] || {
        echo "local-cluster.sh needs root (it makes network namespaces): run it with sudo, and give CS_CLUSTER_DIR" \
            "or CS_BUILD after sudo (sudo CS_BUILD=\$PWD/build scripts/local-cluster.sh ...)" >&2
        exit 1
    }
}
hosts() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^cs-h[0-9]+$' | sort -V || true; }

up() {
    need_root
    local n=${1:?usage: up N [--rate RATE] [--delay-us US]} rate="" delay=""
    shift
    while [ $# -gt 0 ]; do
        case "$1" in
        --rate | --delay-us)
            [ $# -ge 2 ] || { echo "up: $1 needs a value" >&2; exit 2; }
            [ "$1" = --rate ] && rate=$2 || delay=$2
            shift 2
            ;;
        *) echo "up: unknown option '$1'" >&2; exit 2 ;;
        esac
    done
    [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] && [ "$n" -le 200 ] || { echo "up: N is a count of hosts from 2 to 200, got '$n'" >&2; exit 2; }
    [ -z "$delay" ] || [[ $delay =~ ^[0-9]+$ ]] || { echo "up: --delay-us takes whole microseconds, got '$delay'" >&2; exit 2; }
    if [ -n "$(hosts)" ] && [ -f "$DIR/up.ok" ]; then
        echo "local cluster is already up: $(hosts | tr '\n' ' ')"
        return 0
    fi
    # What a failed up left goes first (a host with no link, say).
    [ -z "$(hosts)" ] || down >/dev/null
    cs_need_packages iproute2 util-linux ethtool
    mkdir -p "$DIR"
    # A step that fails from here undoes the rest: a half-made cluster
    # would pass for one.
    trap 'echo "local-cluster.sh: up failed; undoing it" >&2; down >/dev/null 2>&1 || true' ERR
    if [ -n "$delay" ]; then
        # The delaying switch, compiled alone into $DIR: a build of the
        # checkout here, as root, would leave build/ root's.
        cs_need_packages gcc libc6-dev
        "${CC:-cc}" -O2 -std=c11 -D_GNU_SOURCE -o "$DIR/netdelay" "$CS_ROOT/tools/netdelay.c"
    fi
    ip netns add $SW
    ip -n $SW link set lo up
    if [ -z "$delay" ]; then
        ip -n $SW link add br0 type bridge
        ip -n $SW link set br0 up
    fi
    : >"$DIR/hosts"
    for i in $(seq 0 $((n - 1))); do
        local h=cs-h$i
        ip netns add $h
        ip link add v$i type veth peer name p$i
        ip link set v$i netns $h
        ip link set p$i netns $SW
        [ -n "$delay" ] || ip -n $SW link set p$i master br0
        ip -n $SW link set p$i up
        ip -n $h link set lo up
        ip -n $h link set v$i name eth0
        ip -n $h addr add $NET.$((i + 1))/24 dev eth0
        ip -n $h link set eth0 up
        if [ -n "$delay" ]; then
            # The delaying switch forwards frames as they are: no segments
            # bigger than the MTU and no checksums left to the hardware
            # (offloads off on both ends).
            ip netns exec $h ethtool -K eth0 tso off gso off gro off tx off rx off >/dev/null 2>&1
            ip netns exec $SW ethtool -K p$i tso off gso off gro off tx off rx off >/dev/null 2>&1
        fi
        if [ -n "$rate" ]; then
            ip netns exec $h tc qdisc add dev eth0 root tbf rate "$rate" burst 32kbit latency 50ms
        fi
        echo "$NET.$((i + 1)) $h" >>"$DIR/hosts"
    done
    { echo "127.0.0.1 localhost"; cat "$DIR/hosts"; } >"$DIR/etc-hosts"
    if [ -n "$delay" ]; then
        local ports
        ports=$(seq -f 'p%g' 0 $((n - 1)) | tr '\n' ' ')
        ip netns exec $SW "$DIR/netdelay" "$delay" $ports </dev/null >"$DIR/netdelay.log" 2>&1 &
        echo $! >"$DIR/netdelay.pid"
    fi
    # How mpirun reaches a "host": like ssh, but into its namespace, with
    # its own hostname and the names of the others.
    cat >"$DIR/agent" <<AGENT
#!/usr/bin/env bash
# Called by mpirun like ssh: agent HOST COMMAND..., the command a string
# for the remote shell.
host=\$1
shift
exec ip netns exec "\$host" unshare --uts --mount sh -c "hostname \$host; mount --bind $DIR/etc-hosts /etc/hosts; \$*"
AGENT
    chmod +x "$DIR/agent"
    trap - ERR
    touch "$DIR/up.ok"
    echo "local cluster is up: $(hosts | tr '\n' ' ')${delay:+ with ${delay} us one-way delay}${rate:+, links at $rate}"
}

run() {
    need_root
    local np=${1:?usage: run NP [clustersim args...]}
    shift
    [ -n "$(hosts)" ] && [ -f "$DIR/up.ok" ] ||
        { echo "local cluster is not up (scripts/local-cluster.sh up N)" >&2; exit 1; }
    [ -x "$CS_BUILD/clustersim" ] ||
        { echo "no $CS_BUILD/clustersim: build it first, as yourself (scripts/run.sh --version builds it)" >&2; exit 1; }
    cs_mpi_env # (before asking mpirun anything, as root)
    # Its hosts are reached Open MPI's way (an ssh-like agent, a hostfile).
    if [ "$(cs_mpi_family "$(command -v mpirun || echo mpirun)")" != openmpi ]; then
        echo "local-cluster.sh run needs Open MPI's mpirun (here mpirun is not Open MPI's: CS_MPI=mpich runs" \
            "on one host only)" >&2
        exit 1
    fi
    cs_mpi_env
    # Rank 0 alone on cs-h0, the service nodes round robin over the others.
    local others
    others=$(hosts | { grep -v '^cs-h0$' || true; } | tr '\n' ',' | sed 's/,$//')
    [ -n "$others" ] || { echo "local cluster has no host but cs-h0: scripts/local-cluster.sh down; up N" >&2; exit 1; }
    local hf="$DIR/hostfile.run"
    { echo "cs-h0 slots=1 max_slots=1"; for h in ${others//,/ }; do echo "$h slots=64"; done; } >"$hf"
    local hosts_file="$DIR/etc-hosts" # name resolution for the hosts, inside every namespace
    ip netns exec cs-h0 unshare --uts --mount sh -c '
        hostname cs-h0
        mount --bind "$0" /etc/hosts
        shift
        exec "$@"' "$hosts_file" x \
        env OMPI_MCA_plm_rsh_agent="$DIR/agent" OMPI_MCA_btl=self,vader,tcp \
        OMPI_MCA_btl_tcp_if_include=$NET.0/24 OMPI_MCA_oob_tcp_if_include=$NET.0/24 \
        OMPI_MCA_hwloc_base_binding_policy=none OMPI_MCA_rmaps_base_mapping_policy=node \
        mpirun -q --hostfile "$hf" -np "$np" --map-by node "$CS_BUILD/clustersim" "$@"
}

down() {
    need_root
    local h
    [ -f "$DIR/netdelay.pid" ] && kill "$(cat "$DIR/netdelay.pid")" 2>/dev/null || true
    for h in $(hosts) $(ip netns list 2>/dev/null | awk '{print $1}' | grep -x $SW || true); do
        ip netns pids "$h" 2>/dev/null | xargs -r kill 2>/dev/null || true
        ip netns del "$h"
    done
    rm -rf "$DIR"
    echo "local cluster is down"
}

case "${1:-}" in
up) shift; up "$@" ;;
run) shift; run "$@" ;;
status) hosts ;;
down) down ;;
*) echo "usage: scripts/local-cluster.sh up N [--rate RATE] [--delay-us US] | run NP [args...] | status | down" >&2; exit 2 ;;
esac
