#!/usr/bin/env bash
# The tiers on ranks, counted (nothing timed, so it shares the CPU with
# other tests): two dispatchers, with shared and with sharded nodes and
# batches, each generate their share and every message is received; with
# timeouts, retries and stopped nodes every outcome adds up; a relay tier
# carries every request and reply, in every outcome; ranks that do not fit
# the dispatchers or the relays end every rank with one line. What the
# levers are worth (knees, ceilings, JIQ) is timed: tests/mpi/levers.sh.
source "$(dirname "$0")/lib.sh"

short=(--quiet --set load.duration_s="$(dur 1.5)" --set load.warmup_s=0.5)

for part in shared sharded; do
    f=$TMP/two-$part.json
    cs 6 "${short[@]}" --json "$f" --set dispatch.dispatchers=2 --set dispatch.partition="$part" \
        --set dispatch.batch=4 --set dispatch.batch_wait_us=300
    check_valid "$f"
    check "$f" '(.dispatchers | length) == 2 and ([.dispatchers[].generated] | add) == .requests.generated' \
        "2 dispatchers ($part): their shares add up to the requests" '.dispatchers'
    check "$f" '(0.4 * .requests.generated / 2) as $low | [.dispatchers[].generated] | min > $low' \
        "2 dispatchers ($part): each generated its share" '.dispatchers'
    check "$f" '([.nodes[].counters.messages_received] | add) == .coordinator.counters.messages_sent and
        ([.nodes[].counters.messages_sent] | add) == .coordinator.counters.messages_received' \
        "2 dispatchers ($part): every message sent was received" '{c: .coordinator.counters, n: [.nodes[].counters]}'
    check "$f" '.coordinator.requests_per_message > 1 and .mpi.service_nodes == 4 and .nodes[0].rank == 2' \
        "2 dispatchers ($part): batches of several requests, nodes from rank 2" '.coordinator'
done

# Timeouts, retries and a node that stops, with two dispatchers and
# batches: completed, timed out and failed all add up. The timeout is
# 200 ms: the stopped nodes' requests time out whatever the host, and the
# others answer inside it on a host shared with other tests (at 30 ms, a
# CI run beside mpi_deaths and docs_2cores had every reply late, from
# its warm-up on: no completion to count).
f=$TMP/two-faults.json
cs 6 "${short[@]}" --json "$f" --set dispatch.dispatchers=2 --set dispatch.batch=4 \
    --set dispatch.batch_wait_us=300 --set dispatch.timeout_ms=200 --set dispatch.retries=1 \
    --set dispatch.retry_budget=1 --set 'faults=[{"rank":2,"at_s":0.8,"kind":"stop"},{"rank":3,"at_s":0.8,"kind":"stop"}]'
check_valid "$f"
check "$f" '.requests.timed_out + .requests.failed > 0 and .requests.completed > 0' \
    "2 dispatchers with stopped nodes: some completed, some timed out or failed"


# The relay tier: rank 0 feeds 2 relays, each its own 2 nodes. At 90%
# load on node queues of one, with batches, timeouts and a node that
# stops: completed, rejected and timed out all add up, and every
# request and reply crossed a relay.
f=$TMP/relays.json
cs 7 "${short[@]}" --json "$f" --set dispatch.relays=2 --set dispatch.batch=4 --set dispatch.batch_wait_us=300 \
    --set load.utilization=0.9 --set nodes.queue_capacity=1 --set dispatch.timeout_ms=30 \
    --set 'faults=[{"rank":3,"at_s":0.8,"kind":"stop"}]'
check_valid "$f"
check "$f" '.requests.completed > 0 and .requests.rejected > 0 and .requests.timed_out + .requests.failed > 0 and
    .requests.lost == 0' "2 relays, every outcome: completed, rejected, timed out or failed, none lost"
check "$f" '(.relays | length) == 2 and .relays[0].rank == 1 and .relays[1].first_node_rank == 5 and
    .nodes[0].rank == 3 and (.nodes | length) == 4' "2 relays on ranks 1-2, each with a block of 2 nodes from rank 3" \
    '{relays: [.relays[] | {rank, first_node_rank, nodes}], nodes: [.nodes[].rank]}'
check "$f" '([.relays[].counters.received] | add) + 2 == .coordinator.counters.items_sent and
    ([.relays[].counters.forwarded] | add) == .coordinator.counters.items_received' \
    "2 relays: every request rank 0 sent and every reply it took went through a relay (and a shutdown each)" \
    '{c: .coordinator.counters, r: [.relays[].counters]}'

# Ranks that do not fit the dispatchers, or the relays (each of which
# needs a node), on every rank, at once: one line naming the key, exit 2.
refused() { # KEY NP SET...
    local key=$1 np=$2 sets=() set
    shift 2
    for set in "$@"; do sets+=(--set "$set"); done
    EXPECT_RC=2 cs "$np" --quiet "${sets[@]}"
    msg=$(cat "$TMP/err" "$TMP/out")
    if [ "$RC" -eq 2 ] && [ "$(grep -c . <<<"$msg")" -eq 1 ] && grep -q "'$key'" <<<"$msg"; then
        ok "np=$np ${sets[*]}: exit 2: $msg"
    else
        bad "np=$np ${sets[*]}: exit $RC, expected 2 and one line naming $key: $msg"
    fi
}
refused dispatch.dispatchers 3 dispatch.dispatchers=3
refused dispatch.dispatchers 4 dispatch.dispatchers=3 dispatch.partition=sharded
refused dispatch.relays 3 dispatch.relays=2
refused dispatch.relays 4 dispatch.relays=2
finish
