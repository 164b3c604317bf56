/*
 * The message protocol and the transport interface that dispatchers,
 * relays and service nodes talk through. The MPI transport
 * (mpi_transport.c) and the virtual engine's in-process loopback
 * (virtual.c, which the unit tests drive too) both implement it.
 *
 * Addresses are ranks: MPI ranks, or the virtual engine's endpoints,
 * numbered alike by the topology plan (cs_plan_place, scenario.h). Ranks
 * 0..k-1 are the dispatchers (dispatch.dispatchers = k; rank 0, the
 * coordinator, also merges the results); then, only with k = 1, ranks
 * k..k+r-1 are the relays (dispatch.relays = r); service node i (0-based)
 * is rank cs_first_node() + i = k + r + i. A node's feeders are the ranks
 * that may send it requests: its relay when there are relays, else the
 * dispatchers (every one when they share the nodes, its owner alone when
 * they are sharded). Every item is one fixed-size struct cs_msg.
 *   feeder -> node       CS_MSG_REQUEST  {id, service_ns = requested, flags}
 *   node -> feeder       CS_MSG_REPLY    {id, service_ns = delivered, flags,
 *                        node = its rank} to the rank that sent the
 *                        request (a relay passes it up unchanged but for
 *                        the id)
 *                        (flags | CS_REPLY_REJECTED when the node's queue
 *                        was full and it did not serve the request)
 *   feeder -> node       CS_MSG_SHUTDOWN after the drain, one from each
 *                        feeder that may send to the node; at the last
 *                        the node stops, abandoning (and counting)
 *                        anything still queued.
 *   node -> feeder       CS_MSG_IDLE {} with dispatch.policy "jiq": one of
 *                        the node's servers is idle and nothing waits for it
 *                        (at the start, once per server, and whenever a
 *                        server finishes with nothing queued), told to one
 *                        feeder chosen at random among those that may
 *                        send to it, as its own message.
 * With relays, rank 0 is the feeder of the relays and each relay the
 * feeder of its block of nodes:
 *   rank 0 -> relay      CS_MSG_REQUEST: the relay picks one of its nodes
 *                        (dispatch.policy), pays dispatch.cost_us and sends
 *                        the request on under an id of its own.
 *   relay -> rank 0      CS_MSG_REPLY: the node's reply, forwarded with
 *                        rank 0's id restored.
 *   rank 0 -> relay      CS_MSG_SHUTDOWN, which the relay passes on to
 *                        every node of its block. A node's idle tokens go
 *                        to its relay and stop there.
 * Messages between two ranks arrive in the order sent, so a node sees a
 * feeder's SHUTDOWN after every request that feeder sent it. The service
 * time in a reply is measured on the node's own clock; clocks of
 * different ranks are never compared. Each dispatcher splits the latency
 * of its requests on its own clock into the wait in its queue (intended
 * arrival to send), the round trip less the node's service time (queue at
 * the node plus transit, and the relay's time with relays), and the
 * service. A node cannot time its own queue: it sleeps through service
 * and only sees a request when it wakes. After the shutdown every rank's
 * node counters and histograms, and the other dispatchers' and the
 * relays' reports, are merged on rank 0 (mpi_run.c's collectives;
 * virtual.c in one process). Each kind has its own MPI tag.
 *
 * Batches. One transport message carries 1..CS_BATCH_MAX items of one
 * kind (struct cs_msg each), sent together and taken together
 * (batcher.h): requests to one node or relay, replies to one feeder
 * (dispatch.batch). Shutdowns and idle tokens go as messages of their
 * own. A rank handles the items of a message in order, as if they had
 * come one by one.
 */
#ifndef CS_TRANSPORT_H
#define CS_TRANSPORT_H

#include <stdint.h>

enum cs_msg_kind {
    CS_MSG_REQUEST = 1,
    CS_MSG_REPLY = 2,
    CS_MSG_SHUTDOWN = 3,
    CS_MSG_IDLE = 4,
};

/* Flags, carried from a request to its reply. */
#define CS_REQ_MEASURED 1u   /* intended arrival inside the measured window */
#define CS_REPLY_REJECTED 2u /* the node's queue was full: not served */
#define CS_SHUTDOWN_EARLY 4u /* on a shutdown: the run was stopped before its window ended */
#define CS_REQ_HANDOFF \
    8u /* the request waited at its feeder when the node last answered: time the \
                                node spent idle before it is handoff, not want of work */

struct cs_msg {
    uint32_t kind;
    uint32_t flags;
    uint64_t id;
    int64_t service_ns;
    int32_t node;  /* a reply: the rank of the node that served it (through a relay too) */
    int32_t spare; /* zero: no padding goes out unset */
};

/* Most items one message carries (dispatch.batch's upper bound). */
#define CS_BATCH_MAX 64

struct cs_transport {
    void *ctx;
    /* Send the n items m[0..n-1] (1 <= n <= CS_BATCH_MAX, all of one
     * kind) to rank dest as one message. 0 or a negative CS_E code. */
    int (*send)(void *ctx, int dest, const struct cs_msg *m, int n);
    /* Receive one message if one has arrived: its item count (m[] has
     * room for CS_BATCH_MAX) with *src its sender, 0 if none, negative
     * on error. Never blocks. */
    int (*poll)(void *ctx, struct cs_msg *m, int *src);
};

#endif
