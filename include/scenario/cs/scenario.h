/*
 * What a scenario means for a run (src/scenario/scenario.c): each node's servers
 * and speed, the measured window, the offered load and the capacity, and
 * the checks that need the node count. Ranks 0..dispatchers-1 dispatch;
 * service nodes are the ranks after them (1..n with one dispatcher).
 * Per-node settings name nodes by rank; a list gives them in rank order.
 */
#ifndef CS_SCENARIO_H
#define CS_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "cs/config.h"

/* The value of a per-node setting for its entry `rank` (a list's
 * entries are numbered 1, 2, ... in order; overrides by the rank given). */
double cs_per_node_value(const struct cs_per_node *p, int rank);

/* The rank of the first service node: after the dispatchers and the relays. */
int cs_first_node(const struct cs_scenario *s);

/* The ranks that send requests to the service nodes, their feeders: the
 * relays (ranks 1..dispatch.relays) when there are, else the dispatchers
 * (ranks 0..dispatch.dispatchers-1). The first one's rank, and how many. */
int cs_feeder_first(const struct cs_scenario *s);
int cs_feeders(const struct cs_scenario *s);

/* The service nodes feeder `d` (0-based among the feeders) may use, of
 * `service_nodes`: *first (0-based, among the nodes) and *count. Shared
 * dispatchers: all of them; sharded dispatchers and relays: its block. */
void cs_dispatcher_nodes(const struct cs_scenario *s, int d, int service_nodes, int *first, int *count);

/* The topology plan of a run with `service_nodes` nodes, one place for
 * both engines: which rank plays which role, and whom a dispatcher or a
 * relay sends its requests to. Ranks 0..dispatchers-1 dispatch, the
 * relays follow, then the service nodes; cs_plan_ranks() counts them. */
enum cs_role { CS_ROLE_DISPATCHER, CS_ROLE_RELAY, CS_ROLE_NODE };
struct cs_place {
    enum cs_role role;
    int index;      /* among the ranks of its role, 0-based */
    int first_rank; /* a dispatcher or a relay: the first rank it sends requests to */
    int count;      /* and how many (a node: 0) */
};
int cs_plan_ranks(const struct cs_scenario *s, int service_nodes);
/* rank < cs_plan_ranks(s, service_nodes). */
struct cs_place cs_plan_place(const struct cs_scenario *s, int service_nodes, int rank);

/* The most requests a feeder keeps in flight to the `count` nodes from
 * rank `rank` on, together: dispatch.window each, or with a pull policy
 * their servers x dispatch.prefetch. */
int cs_nodes_limit(const struct cs_scenario *s, int rank, int count);

/* Servers of node `rank` (nodes.servers, else service.servers), and its
 * speed (nodes.speed). */
double cs_node_servers(const struct cs_scenario *s, int rank);
/* The most servers of any of the `count` nodes from rank `rank` on (at least 1). */
int cs_nodes_servers_max(const struct cs_scenario *s, int rank, int count);
double cs_node_speed(const struct cs_scenario *s, int rank);

/* Servers of the first service_nodes nodes together. */
double cs_scenario_servers(const struct cs_scenario *s, int service_nodes);

/* The measured window of a run that starts at t0 (ns): after the warm-up,
 * for load.duration_s. */
void cs_scenario_window(const struct cs_scenario *s, int64_t t0, int64_t *start, int64_t *end);

/* Offered load in requests per second for a run with this many nodes:
 * load.rate_rps, or derived from load.utilization and the nodes' capacity.
 * With a schedule, the time-weighted mean over the run. */
double cs_scenario_rate(const struct cs_scenario *s, int service_nodes);
/* The requests a second a run of s with service_nodes nodes handles: its
 * offered rate (a closed loop: what the nodes serve), at most what its
 * dispatching tier (dispatchers, or relays) sends at its modelled cost. */
double cs_scenario_handled_rps(const struct cs_scenario *s, int service_nodes);

/* The service nodes a per-node list given in full (nodes.speed or
 * nodes.servers as an array) fixes: its length; 0 when none is a list. */
int cs_scenario_listed_nodes(const struct cs_scenario *s);
/* Checks that need the node count: lists match it, overrides name real
 * ranks. CS_E_INVALID with a message naming the key. */
int cs_scenario_check_nodes(const struct cs_scenario *s, int service_nodes, char *err, size_t errlen);

/* One node's capacity in requests per second: servers / (mean_us / speed
 * + overhead_us); INFINITY when a request takes no time. */
double cs_node_rps(double servers, double speed, double mean_us, double overhead_us);

/* The dispatchers that each keep their own dispatch.window to a node:
 * all of them sharing the nodes (partition shared, no relays), else one. */
int cs_window_senders(const struct cs_scenario *s);

/* The capacity in requests per second: cs_node_rps summed over the nodes,
 * with the scenario's service time and model.node_overhead_us (INFINITY
 * when a request takes no time). */
double cs_scenario_capacity_rps(const struct cs_scenario *s, int service_nodes);

/* What the nodes serve through the network: each node's capacity, or, if
 * fewer, the requests it may have in flight (pull: servers x
 * dispatch.prefetch; else dispatch.window from each dispatcher that sends
 * to it) per round trip (its service and network.latency_us both ways):
 * a pulling node waits a round trip for each request. Less than
 * cs_scenario_capacity_rps exactly when the network holds some node to
 * less than its own. */
double cs_scenario_served_rps(const struct cs_scenario *s, int service_nodes);

/* One node's capacity, the mean over service_nodes (their speeds and
 * servers may differ by rank): what a knee is counted in, nodes of it. */
double cs_scenario_node_rps(const struct cs_scenario *s, int service_nodes);

/* What a dispatcher pays per request for its messages, in microseconds:
 * the emulated dispatch.message_cost_us on each message out and the
 * modelled model.coordinator_message_us on each message out and back, at
 * requests_per_message out and replies_per_message back (> 0). The part
 * of its cost that batching divides; its own overhead (MPI, bookkeeping)
 * counts as per request. */
double cs_scenario_message_us(const struct cs_scenario *s, double requests_per_message, double replies_per_message);

/* A dispatcher's cost of one request in microseconds: dispatch.cost_us
 * (under relays, theirs to pay) plus what the model adds (its own work
 * per request), and its share of the per-message costs
 * (dispatch.message_cost_us on the message out, the model's on it and
 * the one back) with full batches. */
double cs_scenario_coordinator_cost_us(const struct cs_scenario *s);
/* A relay's: dispatch.cost_us, and the per-message costs of its two
 * messages a request (down to a node, back up to rank 0), each sent and
 * taken; 0 without relays. */
double cs_scenario_relay_cost_us(const struct cs_scenario *s);

/* The tier that dispatches: each dispatcher by itself, or the relays
 * under one. */
enum cs_tier { CS_TIER_NODES, CS_TIER_DISPATCHER, CS_TIER_RELAYS };

/* The requests a second one dispatcher sends at its modelled cost, or
 * the relays under it together if they send fewer (INFINITY: free);
 * *tier (when not NULL): which of the two. */
double cs_scenario_dispatch_rps(const struct cs_scenario *s, enum cs_tier *tier);

/* The first modelled cost (network.*, model.*) that is not zero, with its
 * value in *value; NULL when everything is free. Only a virtual run
 * models costs: a run on ranks pays its own. */
const char *cs_scenario_modelled_cost(const struct cs_scenario *s, double *value);

#endif
