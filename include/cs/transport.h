/*
 * The message protocol and the transport interface the coordinator and
 * service nodes talk through. The MPI transport (mpi_transport.c) and the
 * in-process loopback used by the unit tests both implement it.
 *
 * Protocol. Addresses are MPI ranks: 0 is the coordinator, service node i
 * (0-based) is rank i + 1. Every message is one fixed-size struct cs_msg.
 *   coordinator -> node  CS_MSG_REQUEST  {id, service_ns = requested, flags}
 *   node -> coordinator  CS_MSG_REPLY    {id, service_ns = delivered, flags}
 *                        (flags | CS_REPLY_REJECTED when the node's queue
 *                        was full and it did not serve the request)
 *   coordinator -> node  CS_MSG_SHUTDOWN after the drain: the node stops,
 *                        abandoning (and counting) anything still queued.
 *   node -> coordinator  CS_MSG_IDLE {} with dispatch.policy "jiq": one of
 *                        the node's servers is idle and nothing waits for it
 *                        (at the start, once per server, and whenever a
 *                        server finishes with nothing queued), told to one
 *                        dispatcher chosen at random among those that may
 *                        send to it, as its own message.
 * Messages between two ranks arrive in the order sent, so a node sees
 * SHUTDOWN after every request. The service time in a reply is measured
 * on the node's own clock; clocks of different ranks are never compared.
 * The coordinator splits each latency on its own clock into the wait in
 * its queue (intended arrival to send), the round trip less the node's
 * service time (queue at the node plus transit), and the service. A node
 * cannot time its own queue: it sleeps through service and only sees a
 * request when it wakes. After
 * the shutdown all ranks meet in collectives (mpi_run.c) to gather node
 * counters and merge histograms. Each kind has its own MPI tag.
 *
 * Batches. One transport message carries 1..CS_BATCH_MAX items of one
 * kind (struct cs_msg each), sent together and taken together: requests
 * to one node (dispatch.batch), replies to the coordinator. A rank
 * handles the items of a message in order, as if they had come one by
 * one.
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
    8u /* the request waited at the coordinator when the node last answered: time the \
                                node spent idle before it is handoff, not want of work */

struct cs_msg {
    uint32_t kind;
    uint32_t flags;
    uint64_t id;
    int64_t service_ns;
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
