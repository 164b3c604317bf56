/*
 * The virtual-time engine (src/virtual/virtual.c): the real dispatcher,
 * relay and service-node state machines of every rank the topology plan
 * names (cs_plan_place), driven in one process in virtual time through an
 * in-process loopback transport with the MPI engine's message protocol.
 * Each rank keeps its own clock and is woken, in time order, when a
 * letter reaches it or it has work due: a discrete-event simulation (a
 * message that arrives at the instant at hand for a rank with nothing
 * else due then is handed to it at once instead, with the same result;
 * see virtual.c). A
 * message arrives network.latency_us after it is sent (at once by
 * default); a node serves for exactly its requested time plus
 * model.node_overhead_us; a dispatcher's or relay's work advances its
 * own clock (dispatch.cost_us and dispatch.message_cost_us at whichever
 * of them dispatches, model.coordinator_request_us at a dispatcher,
 * model.coordinator_message_us at both per message sent or taken), during
 * which the other ranks go on at their own times.
 * A run is deterministic: the same scenario and seed give the same
 * results. No MPI, no sleeping.
 */
#ifndef CS_VIRTUAL_H
#define CS_VIRTUAL_H

#include <stdbool.h>
#include <stdio.h>

#include <stdint.h>

#include "cs/config.h"
#include "cs/results.h"
#include "cs/trace.h"

/* What the engine saw that the results do not show. */
struct cs_virtual_stats {
    /* In: every message a letter that wakes its receiver for a turn; none
     * handed over at once, no dispatcher's replies left to wait for its
     * next turn (virtual.c). Slower; the reference the hand-overs agree
     * with to the last bit (tests). */
    bool letters_only;
    /* In: where to draw the live progress line (the first dispatcher's
     * virtual time and counts, as on ranks: cs_coord_progress_draw),
     * about 4 times a wall second; NULL: nowhere. */
    FILE *progress;
    int max_node_depth; /* most requests queued or in service at one node */
    uint64_t messages;  /* messages sent, all ranks */
    int ring_cap;       /* the largest of the coordinator's deadline, retry and hedge rings */
};

/* Run a whole scenario with `nodes` service nodes, and the dispatchers
 * and relays it asks for, and fill *r (cs_results_init(r,
 * cs_plan_ranks(sc, nodes)) first). trace (for trace arrivals) and
 * stats may be NULL. Returns CS_OK or a negative CS_E code. */
int cs_virtual_run(const struct cs_scenario *sc, int nodes, const struct cs_trace *trace, struct cs_results *r,
                   struct cs_virtual_stats *stats);

/* About how many bytes a run of sc with `nodes` service nodes takes at
 * its peak: every node's state and results (measured: about 1.3 KB a
 * node, docs/virtual-time.md; 1.4 KB here), and the requests out at once
 * at the rate it handles (two mean service times' worth, about 160 bytes
 * each). */
double cs_virtual_bytes(const struct cs_scenario *sc, int nodes);

/* Results r (cs_results_init) marked as virtual time's: its library, and
 * every rank on one virtual host, with no CPU time. */
void cs_virtual_label(struct cs_results *r);

/* The same for a sweep's steps, as its plan makes them (sweep: sc is
 * run as one; else its single run), when `local` ranks of one host share
 * them (1: one process runs them in turn): each rank holds one step at a
 * time, and they take the largest first, so the host needs the `local`
 * largest steps at once. Returns that; *largest is the largest step,
 * which each rank's own limits must hold. (Steps --resume would keep
 * count too: the check is made before the resume file is read.) */
struct cs_virtual_step {
    double bytes;
    int nodes;
    double rate_rps;
};
double cs_virtual_sweep_bytes(const struct cs_scenario *sc, bool sweep, int local, struct cs_virtual_step *largest);

#endif
