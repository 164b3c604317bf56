/*
 * What a scenario means for a run, in one place: each node's servers and
 * speed, the measured window, the offered load, the capacity, and the
 * checks that need the node count. config.c parses and prints scenarios;
 * the coordinator, the service node, the sweep planner and the analysis
 * ask here.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cs/arrival.h"
#include "cs/common.h"
#include "cs/policy.h"
#include "cs/scenario.h"

double cs_per_node_value(const struct cs_per_node *p, int rank)
{
    for (int i = 0; i < p->n; i++)
        if (p->at[i].rank == rank)
            return p->at[i].value;
    return p->all;
}

int cs_first_node(const struct cs_scenario *s)
{
    return s->dispatch.dispatchers + s->dispatch.relays;
}

int cs_feeder_first(const struct cs_scenario *s)
{
    return s->dispatch.relays > 0 ? s->dispatch.dispatchers : 0;
}

int cs_feeders(const struct cs_scenario *s)
{
    return s->dispatch.relays > 0 ? s->dispatch.relays : s->dispatch.dispatchers;
}

void cs_dispatcher_nodes(const struct cs_scenario *s, int d, int service_nodes, int *first, int *count)
{
    int k = cs_feeders(s);
    if ((s->dispatch.partition == CS_PARTITION_SHARED && s->dispatch.relays == 0) || k <= 1) {
        *first = 0;
        *count = service_nodes;
        return;
    }
    *first = (int)((long long)d * service_nodes / k);
    *count = (int)((long long)(d + 1) * service_nodes / k) - *first;
}

int cs_plan_ranks(const struct cs_scenario *s, int service_nodes)
{
    return cs_first_node(s) + service_nodes;
}

struct cs_place cs_plan_place(const struct cs_scenario *s, int service_nodes, int rank)
{
    int k = s->dispatch.dispatchers, first = cs_first_node(s), block_first = 0, block = 0;
    if (rank >= first)
        return (struct cs_place){CS_ROLE_NODE, rank - first, 0, 0};
    if (rank < k && s->dispatch.relays > 0) /* rank 0 sends to the relays */
        return (struct cs_place){CS_ROLE_DISPATCHER, rank, cs_feeder_first(s), s->dispatch.relays};
    cs_dispatcher_nodes(s, rank - cs_feeder_first(s), service_nodes, &block_first, &block);
    return (struct cs_place){rank < k ? CS_ROLE_DISPATCHER : CS_ROLE_RELAY, rank < k ? rank : rank - k,
                             first + block_first, block};
}

/* A per-node setting of node `rank`: a list counts from the first node. */
static double per_node(const struct cs_scenario *s, const struct cs_per_node *p, int rank)
{
    return cs_per_node_value(p, p->is_list ? rank - cs_first_node(s) + 1 : rank);
}

double cs_node_servers(const struct cs_scenario *s, int rank)
{
    double v = per_node(s, &s->nodes.servers, rank);
    return isnan(v) ? s->service.servers : v;
}

int cs_nodes_servers_max(const struct cs_scenario *s, int rank, int count)
{
    double most = 1;
    for (int i = 0; i < count; i++)
        most = fmax(most, cs_node_servers(s, rank + i));
    return (int)most;
}

int cs_nodes_limit(const struct cs_scenario *s, int rank, int count)
{
    long long limit = 0;
    for (int i = 0; i < count; i++)
        limit += cs_policies[s->dispatch.policy].pull ? (long long)cs_node_servers(s, rank + i) * s->dispatch.prefetch
                                                      : s->dispatch.window;
    return limit < INT32_MAX ? (int)limit : INT32_MAX;
}

double cs_node_speed(const struct cs_scenario *s, int rank)
{
    return per_node(s, &s->nodes.speed, rank);
}

double cs_scenario_servers(const struct cs_scenario *s, int service_nodes)
{
    double servers = 0;
    for (int r = cs_first_node(s); r < cs_first_node(s) + service_nodes; r++)
        servers += cs_node_servers(s, r);
    return servers;
}

void cs_scenario_window(const struct cs_scenario *s, int64_t t0, int64_t *start, int64_t *end)
{
    *start = t0 + (int64_t)llround(s->load.warmup_s * 1e9);
    *end = *start + (int64_t)llround(s->load.duration_s * 1e9);
}

double cs_node_rps(double servers, double speed, double mean_us, double overhead_us)
{
    double per_us = mean_us / speed + overhead_us;
    return per_us > 0 ? servers * 1e6 / per_us : INFINITY;
}

/* The nodes' capacity summed, each node's own, or (network) at most the
 * requests it may have in flight per round trip: under pull, its servers
 * times dispatch.prefetch; else dispatch.window from each dispatcher that
 * sends to it (one, sharded or under relays). */
int cs_window_senders(const struct cs_scenario *s)
{
    int k = s->dispatch.partition == CS_PARTITION_SHARED && s->dispatch.relays == 0 ? s->dispatch.dispatchers : 1;
    return k > 0 ? k : 1;
}

static double nodes_rps(const struct cs_scenario *s, int service_nodes, bool network)
{
    bool pull = cs_policies[s->dispatch.policy].pull;
    int senders = cs_window_senders(s);
    double rtt_us = network ? 2 * s->network.latency_us : 0, cap = 0;
    for (int r = cs_first_node(s); r < cs_first_node(s) + service_nodes; r++) {
        double servers = cs_node_servers(s, r), speed = cs_node_speed(s, r);
        double own = cs_node_rps(servers, speed, s->service.time.mean_us, s->model.node_overhead_us);
        double in_flight = pull ? servers * s->dispatch.prefetch : (double)s->dispatch.window * senders;
        double trip_us = s->service.time.mean_us / speed + s->model.node_overhead_us + rtt_us;
        cap += rtt_us > 0 && trip_us > 0 ? fmin(own, in_flight * 1e6 / trip_us) : own;
    }
    return cap;
}

double cs_scenario_capacity_rps(const struct cs_scenario *s, int service_nodes)
{
    return nodes_rps(s, service_nodes, false);
}

double cs_scenario_served_rps(const struct cs_scenario *s, int service_nodes)
{
    return nodes_rps(s, service_nodes, true);
}

double cs_scenario_node_rps(const struct cs_scenario *s, int service_nodes)
{
    int n = service_nodes > 0 ? service_nodes : 1;
    return cs_scenario_capacity_rps(s, n) / n;
}

double cs_scenario_message_us(const struct cs_scenario *s, double requests_per_message, double replies_per_message)
{
    double out_us = s->dispatch.message_cost_us + s->model.coordinator_message_us;
    double in_us = s->model.coordinator_message_us;
    return out_us / requests_per_message + (replies_per_message > 0 ? in_us / replies_per_message : 0);
}

double cs_scenario_coordinator_cost_us(const struct cs_scenario *s)
{
    return (s->dispatch.relays > 0 ? 0 : s->dispatch.cost_us) + s->model.coordinator_request_us +
           (s->dispatch.message_cost_us + 2 * s->model.coordinator_message_us) / s->dispatch.batch;
}

double cs_scenario_relay_cost_us(const struct cs_scenario *s)
{
    if (s->dispatch.relays == 0)
        return 0;
    return s->dispatch.cost_us +
           2 * (s->dispatch.message_cost_us + 2 * s->model.coordinator_message_us) / s->dispatch.batch;
}

double cs_scenario_dispatch_rps(const struct cs_scenario *s, enum cs_tier *tier)
{
    double c = cs_scenario_coordinator_cost_us(s), r = cs_scenario_relay_cost_us(s);
    double own = c > 0 ? 1e6 / c : INFINITY, relays = r > 0 ? s->dispatch.relays * 1e6 / r : INFINITY;
    if (tier)
        *tier = relays < own ? CS_TIER_RELAYS : CS_TIER_DISPATCHER;
    return fmin(own, relays);
}

const char *cs_scenario_modelled_cost(const struct cs_scenario *s, double *value)
{
    const struct {
        const char *key;
        double v;
    } costs[] = {
        {"network.latency_us", s->network.latency_us},
        {"model.coordinator_request_us", s->model.coordinator_request_us},
        {"model.coordinator_message_us", s->model.coordinator_message_us},
        {"model.node_overhead_us", s->model.node_overhead_us},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(costs); i++)
        if (costs[i].v != 0) {
            *value = costs[i].v;
            return costs[i].key;
        }
    return NULL;
}

int cs_scenario_listed_nodes(const struct cs_scenario *s)
{
    return s->nodes.speed.is_list ? s->nodes.speed.n : s->nodes.servers.is_list ? s->nodes.servers.n : 0;
}

int cs_scenario_check_nodes(const struct cs_scenario *s, int service_nodes, char *err, size_t errlen)
{
    int first = cs_first_node(s), last = first + service_nodes - 1;
    if (s->dispatch.relays > 0 && service_nodes < s->dispatch.relays) {
        snprintf(err, errlen,
                 "scenario key 'dispatch.relays' (%d): each relay needs a service node of its own, and the run has "
                 "%d",
                 s->dispatch.relays, service_nodes);
        return CS_E_INVALID;
    }
    if (s->dispatch.partition == CS_PARTITION_SHARDED && service_nodes < s->dispatch.dispatchers) {
        snprintf(err, errlen,
                 "scenario keys 'dispatch.dispatchers' (%d) and 'dispatch.partition' (\"sharded\"): each dispatcher "
                 "needs a service node of its own, and the run has %d",
                 s->dispatch.dispatchers, service_nodes);
        return CS_E_INVALID;
    }
    const struct {
        const char *key;
        const struct cs_per_node *p;
    } lists[] = {{"nodes.speed", &s->nodes.speed}, {"nodes.servers", &s->nodes.servers}};
    for (size_t i = 0; i < CS_ARRAY_LEN(lists); i++) {
        const struct cs_per_node *p = lists[i].p;
        if (p->is_list && p->n != service_nodes) {
            snprintf(err, errlen,
                     "scenario key '%s': the list has %d entries but the run has %d service nodes (give "
                     "one per node, or overrides by rank such as {\"default\": 1, \"2\": 0.5})",
                     lists[i].key, p->n, service_nodes);
            return CS_E_INVALID;
        }
        for (int j = 0; !p->is_list && j < p->n; j++) {
            if (p->at[j].rank < first || p->at[j].rank > last) {
                snprintf(err, errlen, "scenario key '%s.%d': there is no service node of rank %d (ranks %d to %d)",
                         lists[i].key, p->at[j].rank, p->at[j].rank, first, last);
                return CS_E_INVALID;
            }
        }
    }
    /* A node's mean service, its speed and a slow fault's factor applied,
     * within what a run's clock can hold (with room for a distribution's
     * tail): a node of speed 1e-13 served in no time (the product wrapped
     * round int64). */
    const double longest_us = 1e12; /* 11.6 days */
    double mean_us = s->service.time.mean_us;
    for (int i = 0; i < s->faults_n; i++) {
        const struct cs_fault *f = &s->faults[i];
        if (f->rank < first || f->rank > last) {
            snprintf(err, errlen,
                     "scenario key 'faults[%d].rank': there is no service node of rank %d (ranks %d to %d)", i, f->rank,
                     first, last);
            return CS_E_INVALID;
        }
        double speed = cs_node_speed(s, f->rank), alone = mean_us / speed; /* (too long alone: nodes.speed's) */
        if (f->kind == CS_FAULT_SLOW && alone <= longest_us && alone * f->factor > longest_us) {
            snprintf(err, errlen,
                     "scenario key 'faults[%d].factor' (%g): node %d would serve a request in %g us on average "
                     "(service.time.mean_us %g x %g / speed %g), more than a run can hold (%g us, 11.6 days)",
                     i, f->factor, f->rank, alone * f->factor, mean_us, f->factor, speed, longest_us);
            return CS_E_INVALID;
        }
    }
    /* Each dispatcher keeps its own window to a node it shares with the
     * others; a sharded node has one dispatcher. */
    int sharers = s->dispatch.partition == CS_PARTITION_SHARDED ? 1 : s->dispatch.dispatchers;
    double window = (double)s->dispatch.window * sharers;
    for (int r = first; r <= last; r++) {
        double v = cs_node_servers(s, r), speed = cs_node_speed(s, r);
        if (v != floor(v)) {
            snprintf(err, errlen, "scenario key 'nodes.servers': node %d gets %g servers; expected a whole number", r,
                     v);
            return CS_E_INVALID;
        }
        if (!cs_policies[s->dispatch.policy].pull && v > window) { /* (pull: servers x prefetch) */
            snprintf(err, errlen,
                     "scenario key 'dispatch.window' (%d): node %d has %g servers (service.servers, nodes.servers), "
                     "and %.0f requests in flight to it at most (the window%s) would keep %g of them idle; give a "
                     "window of at least %g",
                     s->dispatch.window, r, v, window, sharers > 1 ? " of each dispatcher that sends to it" : "",
                     v - window, ceil(v / sharers));
            return CS_E_INVALID;
        }
        if (mean_us / speed > longest_us) {
            snprintf(err, errlen,
                     "scenario key 'nodes.speed' (%g): node %d would serve a request in %g us on average "
                     "(service.time.mean_us %g / speed %g), more than a run can hold (%g us, 11.6 days)",
                     speed, r, mean_us / speed, mean_us, speed, longest_us);
            return CS_E_INVALID;
        }
    }
    return CS_OK;
}

double cs_scenario_rate(const struct cs_scenario *s, int service_nodes)
{
    double base;
    if (!isnan(s->load.rate_rps)) {
        base = s->load.rate_rps;
    } else {
        double cap = cs_scenario_capacity_rps(s, service_nodes);
        base = isfinite(cap) ? s->load.utilization * cap : 0.0;
    }
    if (s->load.schedule_n == 0)
        return base;
    /* The schedule's mean over the measured window. */
    double a = s->load.warmup_s, b = a + s->load.duration_s, area = 0;
    for (int i = 0; i < s->load.schedule_n; i++) {
        double lo = fmax(a, s->load.schedule[i].at_s);
        double hi = i + 1 < s->load.schedule_n ? fmin(b, s->load.schedule[i + 1].at_s) : b;
        if (hi > lo)
            area += (hi - lo) * s->load.schedule[i].rate_rps;
    }
    return area / s->load.duration_s;
}

double cs_scenario_handled_rps(const struct cs_scenario *s, int service_nodes)
{
    bool closed = cs_arrival_kinds[s->load.arrival].source == CS_SOURCE_CLOSED;
    double rate = closed ? cs_scenario_capacity_rps(s, service_nodes) : cs_scenario_rate(s, service_nodes);
    enum cs_tier tier;
    double sends = cs_scenario_dispatch_rps(s, &tier);
    if (tier == CS_TIER_DISPATCHER)
        sends *= s->dispatch.dispatchers > 0 ? s->dispatch.dispatchers : 1;
    rate = fmin(rate, sends);
    return isfinite(rate) ? rate : 0;
}
