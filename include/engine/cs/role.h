/*
 * A role of a run's topology plan (scenario.h, cs_plan_place): a
 * dispatcher (coordinator.c), a relay (relay.c) or a service node
 * (service_node.c), as both engines drive it, the MPI engine's one wait
 * loop (src/mpi/mpi_run.c) and the virtual-time engine's event loop
 * (src/virtual/virtual.c). A role reads the time from its own clock and
 * talks through its own transport; the engine decides only when it takes
 * its next turn.
 */
#ifndef CS_ROLE_H
#define CS_ROLE_H

#include <stdbool.h>
#include <stdint.h>

struct cs_role_ops {
    /* Take every message that has arrived and do the work that is due:
     * > 0 some, 0 none, < 0 a CS_E code. early_ns: work due within it may
     * be done now (a sleeper's timer overshoots; 0 in virtual time). */
    int (*turn)(void *self, int64_t early_ns);
    /* When it next has work of its own due; INT64_MAX: none. Messages
     * that arrive are the engine's to announce. */
    int64_t (*next_event)(const void *self);
    /* Its part of the run is over: it takes no more turns. */
    bool (*done)(const void *self);
    /* A timed wait for due_ns ended at woke_ns: the host's pauses
     * (cs_pause_note). NULL: nothing to count. */
    void (*woke)(void *self, int64_t due_ns, int64_t woke_ns);
};

/* self: a struct cs_coord, a struct cs_relay, a struct cs_node. */
extern const struct cs_role_ops cs_coord_role, cs_relay_role, cs_node_role;

#endif
