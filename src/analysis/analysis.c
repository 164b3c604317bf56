/*
 * Analysis of one run: rates, utilizations, the capacity model and the
 * bottleneck verdict with its one-line reason. Pure arithmetic on the
 * results struct; nothing here measures or prints.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arrival.h"
#include "cs/common.h"
#include "cs/dist.h"
#include "cs/policy.h"
#include "cs/queueing.h"
#include "cs/results.h"
#include "cs/scenario.h"
#include "cs/transport.h"

const char *const cs_bottleneck_names[] = {
    [CS_BOTTLENECK_NONE] = "none",
    [CS_BOTTLENECK_COORDINATOR] = "coordinator",
    [CS_BOTTLENECK_DISPATCHERS] = "dispatchers",
    [CS_BOTTLENECK_RELAYS] = "relays",
    [CS_BOTTLENECK_SERVICE_NODES] = "service_nodes",
    [CS_BOTTLENECK_HOST_CPU] = "host_cpu",
};

/* A component busy at least this fraction of the window is saturated. */
#define SATURATED 0.9
/* A node whose requests waited in its queue this many times as long as
 * the lower quartile of the nodes' waits, and this many median services,
 * has fallen behind the rest (a straggler: slowed, or given more than it
 * serves), if it served this many requests in the window. The lower
 * quartile, not the median: with 3 nodes of speeds 2, 1 and 0.5 under
 * random dispatch two are overloaded, and the median is one of them.
 * Near saturation a node's mean wait over a short window is chance more
 * than anything: under random dispatch at 89.5% load, 0.25 s windows
 * (about 220 requests a node), the longest of 256 nodes' mean waits was
 * 7 to 9 times the lower quartile's, of 1,000 nodes' 11 to 13 times, of
 * 4,000 nodes' up to 17 times; a straggler's is a hundred times
 * (jobs/scenarios/straggler.json without hedging). */
#define STRAGGLER_RATIO 30.0
#define STRAGGLER_SERVICES 10.0
#define STRAGGLER_SAMPLE 200
/* A node this busy is named beside a verdict of none. */
#define NODE_SATURATED 0.97
/* Busy nodes with this share of their answers discarded (late or
 * duplicate) are busy with work nobody waits for. */
#define WASTED 0.2
/* Delivered service this much longer than requested means the host CPU
 * could not run the service nodes on time. */
#define INFLATED 1.10

int cs_results_init(struct cs_results *r, int ranks)
{
    memset(r, 0, sizeof(*r));
    r->ranks = ranks;
    r->service_nodes = ranks - 1;
    r->rank_info = calloc((size_t)ranks, sizeof(*r->rank_info));
    r->nodes = calloc((size_t)(ranks > 1 ? ranks - 1 : 1), sizeof(*r->nodes));
    if (!r->rank_info || !r->nodes) {
        cs_results_free(r);
        return CS_E_NOMEM;
    }
    cs_hist_init(&r->latency);
    cs_hist_init(&r->dispatch_wait);
    cs_hist_init(&r->queue_wait);
    cs_hist_init(&r->service);
    return CS_OK;
}

void cs_results_free(struct cs_results *r)
{
    free(r->rank_info);
    free(r->nodes);
    free(r->series);
    r->rank_info = NULL;
    r->nodes = NULL;
    r->series = NULL;
    r->series_n = 0;
}

/* A dispatcher's part cut short by a stop (a signal): the run is
 * incomplete, and "ended" says where the stop came: rank 0's, whose
 * window the results hold, or else the first other dispatcher's. */
static void note_stop(struct cs_results *r, int phase, int rank)
{
    if (phase == CS_STOP_NONE)
        return;
    r->complete = false;
    if (r->ended[0])
        return;
    const struct cs_scenario *sc = &r->scenario;
    if (rank != 0)
        snprintf(r->ended, sizeof(r->ended), "stopped by a signal: dispatcher rank %d was cut short in its %s", rank,
                 phase == CS_STOP_WARMUP   ? "warm-up"
                 : phase == CS_STOP_WINDOW ? "measured window"
                                           : "drain");
    else if (phase == CS_STOP_WARMUP || (phase == CS_STOP_WINDOW && r->window_s <= 0))
        snprintf(r->ended, sizeof(r->ended), "stopped by a signal %s: nothing was measured",
                 phase == CS_STOP_WARMUP ? "in the warm-up" : "as the measured window began");
    else if (phase == CS_STOP_WINDOW && r->window_s < sc->load.duration_s)
        snprintf(r->ended, sizeof(r->ended), "stopped by a signal %.1f s into the %g s measured window", r->window_s,
                 sc->load.duration_s);
    else if (phase == CS_STOP_WINDOW) /* a coordinator behind its arrivals, at the window's end */
        snprintf(r->ended, sizeof(r->ended),
                 "stopped by a signal as the measured window ended, before the coordinator, behind its "
                 "arrivals, had made them all");
    else
        snprintf(r->ended, sizeof(r->ended),
                 "stopped by a signal in the drain: the requests still open when run.stop_grace_s (%g s) ran out "
                 "count as timed out",
                 sc->run.stop_grace_s);
}

/* What rank 0's coordinator measured: everything but the other ranks'
 * reports. */
static void collect_coordinator(struct cs_results *r, const struct cs_scenario *sc, const struct cs_coord_measures *m)
{
    r->scenario = *sc;
    r->offered_rps = m->offered_rps;
    r->window_s = m->window_s;
    r->complete = true;
    r->ended[0] = '\0';
    note_stop(r, m->stopped, 0);
    memcpy(r->coord, m->counters, sizeof(r->coord));
    r->latency = *m->latency;
    r->overload = *m->overload;
    r->health_n = m->health_n;
    if (m->health_n > 0)
        memcpy(r->health, m->health, (size_t)m->health_n * sizeof(*r->health));
    r->dispatch_wait = *m->dispatch_wait;
    free(r->series);
    r->series_n = 0;
    r->series = m->series_n ? malloc((size_t)m->series_n * sizeof(*r->series)) : NULL;
    if (r->series) {
        memcpy(r->series, m->series, (size_t)m->series_n * sizeof(*r->series));
        r->series_n = m->series_n;
    }
    r->series_cut = m->series_cut || r->series_n < m->series_n;
    r->queue_wait = *m->node_wait;
    int first = cs_first_node(sc);
    r->service_nodes = r->ranks - first;
    for (int i = 0; i < r->service_nodes; i++)
        r->nodes[i].rank = first + i;
    for (int i = 0; i < m->nodes; i++) {
        r->nodes[m->first_node + i].coordinator_completed = m->node_completed[i];
        r->nodes[m->first_node + i].queue_wait_ns = m->node_wait_ns[i];
    }
    r->dispatchers = 1;
    r->relays = 0;
    r->dispatcher[0] = (struct cs_dispatcher_result){
        .rank = 0,
        .generated = m->counters[CS_C_GENERATED],
        .completed = m->counters[CS_C_WINDOW_COMPLETIONS],
        .busy_ns = m->counters[CS_C_BUSY_NS],
    };
}

void cs_results_collect(struct cs_results *r, const struct cs_scenario *sc, const struct cs_coord_measures *m,
                        const struct cs_rank_report *reports, const struct cs_histogram *service)
{
    int first = cs_first_node(sc);
    for (int i = 0; i < r->ranks; i++) {
        r->rank_info[i] = reports[i].info;
        if (i >= first)
            memcpy(r->nodes[i - first].counters, reports[i].counters, sizeof(r->nodes[i - first].counters));
    }
    cs_results_collect_placed(r, sc, m, service);
}

void cs_results_collect_placed(struct cs_results *r, const struct cs_scenario *sc, const struct cs_coord_measures *m,
                               const struct cs_histogram *service)
{
    collect_coordinator(r, sc, m);
    r->service = *service;
}

void cs_results_partial(struct cs_results *r, const struct cs_scenario *sc, const struct cs_coord_measures *m,
                        const struct cs_rank_info *info, double covered_s, const char *ended)
{
    memcpy(r->rank_info, info, (size_t)r->ranks * sizeof(*info));
    for (int i = 0; i < r->service_nodes; i++)
        memset(r->nodes[i].counters, 0, sizeof(r->nodes[i].counters));
    cs_hist_init(&r->service);
    collect_coordinator(r, sc, m);
    r->window_s = covered_s < 0 ? 0 : covered_s < r->window_s ? covered_s : r->window_s;
    r->complete = false;
    r->partial = true;
    snprintf(r->ended, sizeof(r->ended), "%s", ended);
}

void cs_dispatch_report_fill(struct cs_dispatch_report *d, int rank, const struct cs_coord_measures *m)
{
    memset(d, 0, sizeof(*d));
    d->rank = rank;
    d->first_node = m->first_node;
    d->nodes = m->nodes;
    d->stopped = m->stopped;
    d->offered_rps = m->offered_rps;
    memcpy(d->counters, m->counters, sizeof(d->counters));
    d->latency = *m->latency;
    d->dispatch_wait = *m->dispatch_wait;
    d->node_wait = *m->node_wait;
    d->health_n = m->health_n;
    memcpy(d->health, m->health, (size_t)m->health_n * sizeof(*d->health));
}

void cs_results_add_dispatcher(struct cs_results *r, const struct cs_dispatch_report *d, const uint64_t *node_completed,
                               const uint64_t *node_wait_ns)
{
    for (int k = 0; k < CS_C__COUNT; k++) {
        bool maximum = k == CS_C_PENDING_MAX || k == CS_C_WAKE_LATE_MAX_NS;
        r->coord[k] =
            maximum ? (d->counters[k] > r->coord[k] ? d->counters[k] : r->coord[k]) : r->coord[k] + d->counters[k];
    }
    cs_hist_add(&r->latency, &d->latency);
    cs_hist_add(&r->dispatch_wait, &d->dispatch_wait);
    cs_hist_add(&r->queue_wait, &d->node_wait);
    r->offered_rps += d->offered_rps;
    note_stop(r, d->stopped, d->rank);
    for (int i = 0; i < d->health_n && r->health_n < CS_HEALTH_EVENTS_MAX; i++)
        r->health[r->health_n++] = d->health[i];
    for (int i = 0; i < d->nodes && d->first_node + i < r->service_nodes; i++) {
        r->nodes[d->first_node + i].coordinator_completed += node_completed[i];
        r->nodes[d->first_node + i].queue_wait_ns += node_wait_ns[i];
    }
    if (r->dispatchers < CS_DISPATCHERS_MAX)
        r->dispatcher[r->dispatchers++] = (struct cs_dispatcher_result){
            .rank = d->rank,
            .generated = d->counters[CS_C_GENERATED],
            .completed = d->counters[CS_C_WINDOW_COMPLETIONS],
            .busy_ns = d->counters[CS_C_BUSY_NS],
        };
}

void cs_results_add_relay(struct cs_results *r, const struct cs_relay_report *d)
{
    if (r->relays < CS_DISPATCHERS_MAX) {
        struct cs_relay_result *x = &r->relay[r->relays++];
        *x = (struct cs_relay_result){.rank = d->rank, .first_node = d->first_node, .nodes = d->nodes};
        memcpy(x->counters, d->counters, sizeof(x->counters));
    }
}

bool cs_results_first_on_host(const struct cs_results *r, int rank)
{
    for (int j = 0; j < rank; j++)
        if (strcmp(r->rank_info[j].host, r->rank_info[rank].host) == 0)
            return false;
    return true;
}

static void placement(struct cs_results *r)
{
    r->host_count = 0;
    r->oversubscribed = false;
    r->worst_host_ranks = 0;
    r->worst_host_cores = 0;
    double worst = 0;
    for (int i = 0; i < r->ranks; i++) {
        const struct cs_rank_info *ri = &r->rank_info[i];
        if (cs_results_first_on_host(r, i))
            r->host_count++;
        double load = ri->host_cores > 0 ? (double)ri->host_ranks / ri->host_cores : 0;
        if (load > worst) {
            worst = load;
            r->worst_host_ranks = ri->host_ranks;
            r->worst_host_cores = ri->host_cores;
        }
        if (ri->host_ranks > ri->host_cores)
            r->oversubscribed = true;
    }
}

enum cs_bottleneck cs_results_overload_tier(const struct cs_results *r)
{
    switch (r->overload.tier) {
    case CS_TIER_DISPATCHER:
        return r->dispatchers > 1 ? CS_BOTTLENECK_DISPATCHERS : CS_BOTTLENECK_COORDINATOR;
    case CS_TIER_RELAYS:
        return CS_BOTTLENECK_RELAYS;
    default:
        return CS_BOTTLENECK_SERVICE_NODES;
    }
}

/* The averages kept up, but some intervals did not: name the tier that
 * was short then, and say when, for how long and how deep. The intervals
 * are rank 0's: with several dispatchers, its share of the arrivals and
 * of the nodes. */
static void transient_verdict(struct cs_results *r)
{
    const struct cs_overload *o = &r->overload;
    bool shared = r->dispatchers > 1;
    r->bottleneck = cs_results_overload_tier(r);
    const char *whose = r->bottleneck == CS_BOTTLENECK_RELAYS ? "the relays serve"
                        : r->bottleneck != CS_BOTTLENECK_SERVICE_NODES
                            ? (shared ? "it serves" : "the coordinator serves")
                        : shared ? "its share of the service nodes serves"
                                 : "the service nodes serve";
    char turned[96] = "";
    if (o->rejected > 0)
        snprintf(turned, sizeof(turned), "; %llu requests were turned away", (unsigned long long)o->rejected);
    snprintf(r->reason, sizeof(r->reason),
             "overloaded from %.1f s to %.1f s (%.1f s in %d episode%s), which the window's averages hide: up "
             "to %.0f req/s arrived%s where %s %.0f; %s queue reached %d and p99 %.0f ms%s",
             o->from_s, o->to_s, o->overloaded_s, o->episodes, o->episodes == 1 ? "" : "s", o->peak_offered_rps,
             shared ? " at dispatcher rank 0" : "", whose, o->capacity_rps, shared ? "its" : "the coordinator's",
             o->pending_peak, o->p99_peak_us / 1e3, turned);
}

/* The coordinator's cost split into what it pays per request and per
 * message (the emulated dispatch.message_cost_us and the modelled
 * model.coordinator_message_us, at the batch sizes the run had), and
 * what batching would make of its ceiling: the lever line. Its own
 * overhead (MPI, bookkeeping) counts as per request: batching does not
 * remove it all, so the prediction errs on the modest side. */
static void batching_lever(struct cs_results *r)
{
    const struct cs_scenario *sc = &r->scenario;
    double c = r->coordinator_per_request_us;
    r->message_share = NAN;
    r->lever[0] = '\0';
    if (!(c > 0) || !(r->requests_per_message > 0))
        return;
    double per_message = fmin(cs_scenario_message_us(sc, r->requests_per_message, r->replies_per_message), c);
    double per_request = c - per_message;
    r->message_share = per_message / c;
    if (r->bottleneck != CS_BOTTLENECK_COORDINATOR && r->bottleneck != CS_BOTTLENECK_DISPATCHERS)
        return;
    /* Twice the dispatchers: twice the ceiling, k S / c (they share
     * nothing but the nodes). */
    int k = r->dispatchers > 0 ? r->dispatchers : 1;
    double per_node = cs_scenario_node_rps(sc, r->service_nodes);
    bool knees = per_node > 0 && isfinite(per_node);
    int n = snprintf(r->lever, sizeof(r->lever), "%d dispatchers would lift the ceiling to %.0f req/s", 2 * k,
                     2 * k * 1e6 / c);
    if (knees)
        n += snprintf(r->lever + n, sizeof(r->lever) - (size_t)n, " (the knee near %.0f nodes)",
                      2 * k * 1e6 / c / per_node);
    size_t left = sizeof(r->lever) - (size_t)n;
    char *at = r->lever + n;
    int b = sc->dispatch.batch < 8 ? 8 : sc->dispatch.batch * 2 > CS_BATCH_MAX ? CS_BATCH_MAX : sc->dispatch.batch * 2;
    double at_b = per_request + cs_scenario_message_us(sc, b, b), ceiling = k * 1e6 / at_b;
    if (r->message_share < 0.2)
        n = snprintf(at, left, "; batching cannot help: %.0f%% of the cost (%.2f of %.2f us a request) is per request",
                     100 * (1 - r->message_share), per_request, c);
    else if (b == sc->dispatch.batch)
        n = snprintf(at, left,
                     "; batching is at its limit (dispatch.batch %d) with %.0f%% of the cost still per message", b,
                     100 * r->message_share);
    else
        n = snprintf(at, left,
                     "; batching would too: %.0f%% of the cost is per message (%.1f requests a message), and full "
                     "batches of %d would make it %.2f us a request, a ceiling of %.0f req/s",
                     100 * r->message_share, r->requests_per_message, b, at_b, ceiling);
    /* Relays take the per-request dispatch work off rank 0 (each costs
     * about what rank 0 did, counted as c), for one more hop. */
    double cost = sc->dispatch.cost_us;
    if (k == 1 && r->relays == 0 && cost > 0.2 * c && n > 0 && (size_t)n < left)
        snprintf(at + n, left - (size_t)n,
                 "; 2 relays would too: they would take the dispatch work (dispatch.cost_us %.0f of %.2f us a "
                 "request) off rank 0, a ceiling near %.0f req/s, each request one hop longer",
                 cost, c, fmin(c > cost ? 1e6 / (c - cost) : INFINITY, 2e6 / c));
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank p-th percentile of v[0..n-1] (reordered), n > 0. */
static double percentile_of(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof(*v), by_value);
    int k = (int)ceil(p / 100 * n) - 1;
    return v[k < 0 ? 0 : k];
}

/* A node fallen behind the rest (see STRAGGLER_RATIO): its index, its
 * requests' mean wait and the lower quartile of the nodes' (us), its mean
 * service and the median node's (us); -1 when none stands out, or out of
 * memory. */
struct straggler {
    int node;
    double wait_us, quartile_wait_us, service_us, median_service_us;
};

static struct straggler find_straggler(const struct cs_results *r)
{
    struct straggler g = {.node = -1};
    double *wait = malloc((size_t)(r->service_nodes > 0 ? r->service_nodes : 1) * 2 * sizeof(*wait));
    if (!wait)
        return g;
    double *service = wait + r->service_nodes;
    int n = 0, worst = -1;
    for (int i = 0; i < r->service_nodes; i++) {
        const struct cs_node_result *nd = &r->nodes[i];
        uint64_t m = nd->counters[CS_N_MEASURED];
        if (nd->coordinator_completed < STRAGGLER_SAMPLE || m == 0)
            continue;
        wait[n] = (double)nd->queue_wait_ns / 1e3 / (double)nd->coordinator_completed;
        service[n] = (double)nd->counters[CS_N_SERVICE_NS] / 1e3 / (double)m;
        if (worst < 0 || wait[n] > g.wait_us) {
            worst = i;
            g.wait_us = wait[n];
            g.service_us = service[n];
        }
        n++;
    }
    if (n >= 2) {
        g.quartile_wait_us = percentile_of(wait, n, 25);
        g.median_service_us = percentile_of(service, n, 50);
        if (g.median_service_us > 0 && g.wait_us >= STRAGGLER_SERVICES * g.median_service_us &&
            g.wait_us >= STRAGGLER_RATIO * g.quartile_wait_us)
            g.node = worst;
    }
    free(wait);
    return g;
}

/* The straggler's reason: slower than the others (a fault, a slow
 * host), or given more than it serves (the policy, or its partition). */
static void straggler_reason(const struct cs_results *r, const struct straggler *g, char *why, size_t len)
{
    const struct cs_scenario *sc = &r->scenario;
    const struct cs_node_result *nd = &r->nodes[g->node];
    const struct cs_policy *policy = &cs_policies[sc->dispatch.policy];
    char than[96];
    if (g->quartile_wait_us > 0)
        snprintf(than, sizeof(than), "%.0f times the lower quartile of the nodes' waits (%.2f ms)",
                 g->wait_us / g->quartile_wait_us, g->quartile_wait_us / 1e3);
    else
        snprintf(than, sizeof(than), "where a quarter of the nodes' requests did not wait at all");
    int n = snprintf(why, len,
                     "service node rank %d fell behind the others: its requests waited %.1f ms on average in its "
                     "queue, %s, and p99 latency reached %.0f ms; ",
                     nd->rank, g->wait_us / 1e3, than, (double)cs_hist_percentile(&r->latency, 99) / 1e6);
    if (n < 0 || (size_t)n >= len)
        return;
    why += n;
    len -= (size_t)n;
    bool slower = g->median_service_us > 0 && g->service_us > 1.5 * g->median_service_us;
    bool fault = false;
    for (int f = 0; f < sc->faults_n; f++)
        fault |= sc->faults[f].rank == nd->rank && sc->faults[f].kind == CS_FAULT_SLOW;
    bool hedged = sc->dispatch.hedge_after_us > 0 || sc->dispatch.hedge_percentile > 0;
    if (slower)
        snprintf(why, len, "its service took %.1f times the median node's%s, and %s dispatch kept sending it work%s%s",
                 g->service_us / g->median_service_us, fault ? " (a slow fault)" : "", policy->name,
                 policy->least ? "" : "; a load-aware policy (least_outstanding, pull) steers around a slow node",
                 hedged ? "" : "; hedging (dispatch.hedge_after_us) cuts the tail it makes");
    else if (r->dispatchers > 1 && sc->dispatch.partition != CS_PARTITION_SHARED)
        snprintf(why, len,
                 "it was busy %.0f%% of the time while the nodes averaged %.0f%%: its dispatcher's share of the "
                 "load is more than its part of the nodes serves; a shared partition spreads the work over all",
                 100 * nd->utilization, 100 * r->node_utilization_mean);
    else
        snprintf(why, len,
                 "it was busy %.0f%% of the time while the nodes averaged %.0f%%: %s dispatch gives it more "
                 "than it can serve, and its queue grows%s",
                 100 * nd->utilization, 100 * r->node_utilization_mean, policy->name,
                 policy->least ? "" : "; a load-aware policy (least_outstanding, pull) spreads the work");
}

static void verdict(struct cs_results *r)
{
    const struct cs_scenario *sc = &r->scenario;
    char *why = r->reason;
    size_t len = sizeof(r->reason);
    double cu = r->coordinator_utilization, nu = r->node_utilization_mean;
    bool short_of_offered = r->throughput_rps < 0.95 * r->offered_rps;
    /* How loaded the nodes were: busy as measured, or, when they kept up,
     * the share of their capacity the run offered them, whichever is
     * more. At 90% load the measured share is 86% to 93% by the seed,
     * and the verdict should not flip with it. (Not for a trace: its
     * service times are its own, not the scenario's mean.) */
    double load = nu;
    if (!short_of_offered && sc->load.trace[0] == '\0' && r->node_capacity_rps > 0 && isfinite(r->node_capacity_rps))
        load = fmax(nu, r->offered_rps / r->node_capacity_rps);
    struct straggler g;

    if (r->coord[CS_C_GENERATED] == 0) {
        r->bottleneck = CS_BOTTLENECK_NONE;
        snprintf(why, len, "no requests arrived in the measured window, so nothing was limited");
    } else if (cu >= SATURATED && r->dispatchers <= 1) {
        r->bottleneck = CS_BOTTLENECK_COORDINATOR;
        snprintf(why, len,
                 "the coordinator was busy %.0f%% of the time at %.2f us per request, which caps throughput at "
                 "about %.0f req/s; adding service nodes cannot help",
                 100 * cu, r->coordinator_per_request_us, r->coordinator_capacity_rps);
    } else if (r->dispatchers > 1 && r->dispatcher_utilization_max >= SATURATED) {
        r->bottleneck = CS_BOTTLENECK_DISPATCHERS;
        snprintf(why, len,
                 "the %d dispatchers were busy %.0f%% of the time on average (the busiest %.0f%%) at %.2f us per "
                 "request each, which caps throughput at about %.0f req/s; adding service nodes cannot help",
                 r->dispatchers, 100 * cu, 100 * r->dispatcher_utilization_max, r->coordinator_per_request_us,
                 r->coordinator_capacity_rps);
    } else if (r->relays > 0 && r->relay_utilization_max >= SATURATED) {
        r->bottleneck = CS_BOTTLENECK_RELAYS;
        snprintf(why, len,
                 "the busiest of the %d relay%s was busy %.0f%% of the time at %.2f us per request (rank 0 %.0f%% "
                 "at %.2f), which caps throughput at about %.0f req/s; more relays would lift it, more service "
                 "nodes cannot",
                 r->relays, r->relays == 1 ? "" : "s", 100 * r->relay_utilization_max, r->relay_per_request_us,
                 100 * cu, r->coordinator_per_request_us, r->relay_capacity_rps);
    } else if (r->oversubscribed && (r->service_inflation > INFLATED || sc->service.mode == CS_MODE_SPIN)) {
        r->bottleneck = CS_BOTTLENECK_HOST_CPU;
        snprintf(why, len,
                 "%d ranks share %d cores and service ran %.0f%% longer than requested: the host's CPU, not the "
                 "design, limits this run; use fewer ranks per host or more hosts",
                 r->worst_host_ranks, r->worst_host_cores, 100 * (r->service_inflation - 1));
    } else if (load < SATURATED && (g = find_straggler(r)).node >= 0) {
        r->bottleneck = CS_BOTTLENECK_SERVICE_NODES;
        straggler_reason(r, &g, why, len);
    } else if ((load >= SATURATED || (short_of_offered && nu >= 0.75)) && r->discarded_share >= WASTED) {
        r->bottleneck = CS_BOTTLENECK_SERVICE_NODES;
        const uint64_t *c = r->coord;
        if (c[CS_C_RETRIES] + c[CS_C_HEDGES] > 0)
            snprintf(why, len,
                     "service nodes were busy %.0f%% of the time, yet %.0f%% of their answers were discarded as late "
                     "or duplicate: %llu retries and %llu hedges for %llu requests made %.0f req/s offered more work "
                     "than the nodes serve (a retry storm); keep dispatch.retry_budget small, or "
                     "dispatch.timeout_ms above the queueing delay",
                     100 * nu, 100 * r->discarded_share, (unsigned long long)c[CS_C_RETRIES],
                     (unsigned long long)c[CS_C_HEDGES], (unsigned long long)c[CS_C_GENERATED], r->offered_rps);
        else
            snprintf(why, len,
                     "service nodes were busy %.0f%% of the time, yet %.0f%% of their answers came after their "
                     "requests had timed out: they spend their time on work nobody waits for; add nodes, or bound "
                     "the node queues (nodes.queue_capacity) so that the excess is turned away at once",
                     100 * nu, 100 * r->discarded_share);
    } else if (load >= SATURATED || (short_of_offered && nu >= 0.75)) {
        r->bottleneck = CS_BOTTLENECK_SERVICE_NODES;
        /* (the capacity's own terms: every node's servers, speed and
         * overhead, as node_capacity_rps sums them, and the network's
         * round trip where it holds them to less) */
        double servers = cs_scenario_servers(sc, r->service_nodes);
        double own = cs_scenario_capacity_rps(sc, r->service_nodes);
        bool network = r->node_capacity_rps < own; /* (cs_scenario_served_rps) */
        char through[240] = "";
        bool pull = cs_policies[sc->dispatch.policy].pull;
        if (network)
            snprintf(through, sizeof(through),
                     " through the network (their servers alone %.0f: a round trip of %.0f us holds each %s), "
                     "against %.0f offered; add nodes or servers, or %s",
                     own, 2 * sc->network.latency_us,
                     pull ? "server idle before each request" : "node's window of requests in flight", r->offered_rps,
                     pull ? "let nodes hold more (dispatch.prefetch)" : "widen dispatch.window");
        else
            snprintf(through, sizeof(through), " against %.0f offered; add nodes or servers", r->offered_rps);
        snprintf(why, len,
                 "service nodes were busy %.0f%% of the time on average; %d node%s with %.0f server%s in all serve "
                 "about %.0f req/s%s",
                 100 * nu, r->service_nodes, r->service_nodes == 1 ? "" : "s", servers, servers == 1 ? "" : "s",
                 r->node_capacity_rps, through);
    } else if (r->service_inflation > INFLATED && r->coord[CS_C_COMPLETED] > 0 && sc->run.engine != CS_ENGINE_VIRTUAL) {
        /* (In virtual time no host slows a node: service beyond what was
         * asked is model.node_overhead_us, as modelled.) */
        r->bottleneck = CS_BOTTLENECK_HOST_CPU;
        snprintf(why, len,
                 "service ran %.0f%% longer than requested although no host is oversubscribed: other load on "
                 "the host is slowing the service nodes",
                 100 * (r->service_inflation - 1));
    } else {
        r->bottleneck = CS_BOTTLENECK_NONE;
        int busiest = 0;
        for (int i = 1; i < r->service_nodes; i++)
            if (r->nodes[i].utilization > r->nodes[busiest].utilization)
                busiest = i;
        char hot[96] = "";
        if (r->service_nodes > 1 && r->nodes[busiest].utilization >= NODE_SATURATED)
            snprintf(hot, sizeof(hot), " (the busiest, rank %d, %.0f%%)", r->nodes[busiest].rank,
                     100 * r->nodes[busiest].utilization);
        snprintf(why, len,
                 "throughput kept up with the offered load (%.0f of %.0f req/s); coordinator busy %.0f%%, "
                 "service nodes busy %.0f%%%s",
                 r->throughput_rps, r->offered_rps, 100 * cu, 100 * nu, hot);
        if (short_of_offered)
            snprintf(why, len,
                     "throughput fell short of the offered load (%.0f of %.0f req/s) although neither the "
                     "coordinator (%.0f%%) nor the nodes (%.0f%%) were saturated: see rejections and "
                     "dispatch.window",
                     r->throughput_rps, r->offered_rps, 100 * cu, 100 * nu);
        if (r->overload.episodes > 0)
            transient_verdict(r);
    }
}

/* Why theory gives no answer (theory_obstacle, and theory's own tests):
 * the load beyond the nodes' capacity, a full window holding requests
 * back. */
#define NO_STEADY_STATE "the offered load is at or beyond the nodes' capacity: no steady state"
#define WINDOW_HOLDS                                                                                                 \
    "dispatch.window holds requests at the coordinator while a node has that many in flight: not a random split at " \
    "this load"

/* Why queueing theory has no closed form for this run, or "" when the
 * run is one that the models below describe: Poisson (or closed-loop)
 * arrivals at a steady rate, identical nodes each fed its share of them
 * straight from the dispatchers, no faults, timeouts, retries, hedges,
 * turned-away requests, requests held back by a full window, or
 * coordinator cost (modelled, or measured on ranks). */
static const char *theory_obstacle(const struct cs_results *r)
{
    const struct cs_scenario *sc = &r->scenario;
    const char *arrival = cs_arrival_kinds[sc->load.arrival].name;
    bool closed = strcmp(arrival, "closed") == 0;
    int first = cs_first_node(sc), n = r->service_nodes, k = sc->dispatch.dispatchers;
    if (strcmp(arrival, "poisson") != 0 && strcmp(arrival, "closed") != 0)
        return "the arrivals are not Poisson";
    if (sc->load.schedule_n > 0)
        return "the rate changes over time (load.schedule)";
    if (sc->faults_n > 0)
        return "faults change the nodes during the run";
    if (sc->dispatch.timeout_ms > 0 || sc->dispatch.hedge_after_us > 0 || sc->dispatch.hedge_percentile > 0)
        return "timeouts, retries or hedges change the load";
    if (sc->dispatch.cost_us > 0 || sc->dispatch.message_cost_us > 0)
        return "dispatch.cost_us or message_cost_us puts a second queue (the coordinator) in front of the nodes";
    if (sc->dispatch.batch > 1)
        return "dispatch.batch holds requests and replies back while a batch fills";
    if (k > 1 && strcmp(cs_policies[sc->dispatch.policy].name, "random") != 0)
        return "several dispatchers each apply the policy to their own view: a node's arrivals merge their streams";
    /* Sharded, each dispatcher feeds its own block: the blocks' nodes get
     * equal rates only when the blocks are equal, and a closed loop's
     * clients each visit their own block, not every node. */
    if (k > 1 && sc->dispatch.partition == CS_PARTITION_SHARDED && (closed || n % k != 0))
        return closed ? "each sharded dispatcher's clients visit only its own block of nodes"
                      : "the dispatchers' sharded blocks differ in size: their nodes get different rates";
    if (sc->dispatch.relays > 0)
        return "relays each keep a queue and dispatch to their own block of nodes: a second tier of queues";
    if (sc->model.coordinator_request_us > 0 || sc->model.coordinator_message_us > 0)
        return "the coordinator's modelled cost (model.coordinator_*) puts a second queue in front of the nodes";
    if (sc->model.node_overhead_us > 0 && strcmp(cs_dist_kinds[sc->service.time.kind].name, "constant") != 0)
        return "model.node_overhead_us adds a constant to a random service time";
    if (sc->dispatch.prefetch > 1)
        return "dispatch.prefetch lets a request wait at a busy node while another is free: not one queue";
    if (sc->network.latency_us > 0 && strcmp(cs_policies[sc->dispatch.policy].name, "pull") == 0)
        return "network.latency_us holds a pulling node idle for a round trip before each request";
    if (r->coord[CS_C_REJECTED] > 0)
        return "requests were turned away";
    /* On ranks the dispatchers' own work costs what it costs, modelled or
     * not: busy a third of the time or more, they are a queue too. */
    if (fmax(r->coordinator_utilization, r->dispatcher_utilization_max) >= 0.3)
        return "the coordinator was busy a third of the window or more: a second queue in front of the nodes";
    for (int i = first + 1; i < first + n; i++)
        if (cs_node_speed(sc, i) != cs_node_speed(sc, first) || cs_node_servers(sc, i) != cs_node_servers(sc, first))
            return "the nodes differ in speed or servers";
    /* An open loop at or beyond what the nodes serve (model.node_capacity_rps:
     * with dispatch.window per round trip where that binds) has no steady
     * state; a closed loop with more clients than a window holds some at
     * the coordinator (the open loop's window: window_holds). */
    if (!closed && !(r->offered_rps < r->node_capacity_rps))
        return NO_STEADY_STATE;
    if (closed && !cs_policies[sc->dispatch.policy].pull && sc->load.clients > sc->dispatch.window)
        return WINDOW_HOLDS;
    return "";
}

/* dispatch.window: a dispatcher with that many in flight to a node sends
 * it no more, and requests wait for a node with room (or go to another).
 * In flight from one dispatcher to a node (of the k that each keep a
 * window to it: cs_window_senders): its share of those in the node's
 * queue and service, L = the node's arrival rate x the model's mean time
 * there, and of those on the wire to it and back, its rate x the round
 * trip. Per server, with a geometric tail (M/M/1's: rho^W exactly), the
 * window is full (L/s) / (1 + L/s) to the power W - s + 1 of the time;
 * over 1% the split is not random. The tail follows the model's mean, so
 * a service of high variance (M/G/1, cv 4: L 4.75 at rho 0.5) or a long
 * round trip counts. (A NaN fails the test: no prediction.) */
static bool window_holds(const struct cs_results *r, double mean, double trip)
{
    const struct cs_scenario *sc = &r->scenario;
    if (cs_policies[sc->dispatch.policy].pull)
        return false;
    double s = cs_node_servers(sc, cs_first_node(sc)), w = sc->dispatch.window;
    double per_server = r->offered_rps / r->service_nodes * (mean + trip) / cs_window_senders(sc) / s;
    return !(w > s) || !(pow(per_server / (1 + per_server), w - s + 1) <= 1e-2);
}

/* The queueing model of the run for mean service s (seconds) and its mean
 * time in the system (NAN: no steady state); sets t->model (NULL: none)
 * and says whether that time is exponential. */
static double model_mean(const struct cs_results *r, double s, struct cs_theory *t, bool *exponential_sojourn)
{
    const struct cs_scenario *sc = &r->scenario;
    const char *policy = cs_policies[sc->dispatch.policy].name;
    const char *dist = cs_dist_kinds[sc->service.time.kind].name;
    bool closed = strcmp(cs_arrival_kinds[sc->load.arrival].name, "closed") == 0;
    bool random = strcmp(policy, "random") == 0, exp_service = strcmp(dist, "exponential") == 0;
    int n = r->service_nodes, servers = (int)cs_node_servers(sc, cs_first_node(sc));
    double mu = 1.0 / s, lambda = r->offered_rps, mean = NAN;
    double trip = 2 * sc->network.latency_us * 1e-6; /* a request's network round trip, seconds */
    *exponential_sojourn = false;
    t->model = NULL;
    if (closed) {
        if (random && exp_service && servers == 1) {
            t->model = "closed loop, exact mean value analysis (random split)";
            mean = cs_mva_random(sc->load.clients, sc->load.think.mean_us * 1e-6 + trip, n, s, NULL);
        }
    } else if (random && exp_service) {
        t->model = servers == 1 ? "M/M/1 per node (random split)" : "M/M/s per node (random split, s servers)";
        mean = servers == 1 ? cs_mm1_sojourn(lambda / n, mu) : cs_mmc_sojourn(lambda / n, mu, servers);
        *exponential_sojourn = servers == 1;
    } else if (random && strcmp(dist, "constant") == 0 && servers == 1) {
        t->model = "M/D/1 per node (random split, Pollaczek-Khinchine)";
        mean = cs_md1_sojourn(lambda / n, mu);
    } else if (random && servers == 1) {
        const struct cs_dist_kind *kind = &cs_dist_kinds[sc->service.time.kind];
        t->model = "M/G/1 per node (random split, Pollaczek-Khinchine)";
        mean = cs_mg1_sojourn(lambda / n, mu, kind->has_cv ? sc->service.time.cv : kind->default_cv);
    } else if (strcmp(policy, "round_robin") == 0 && exp_service && servers == 1) {
        t->model = "E_n/M/1 per node (round robin splits Poisson arrivals into Erlang-n gaps)";
        mean = cs_ekm1_sojourn(lambda / n, mu, n);
        *exponential_sojourn = true;
    } else if (strcmp(policy, "pull") == 0 && exp_service) {
        t->model = "M/M/c, one queue (pull; c = nodes x servers)";
        mean = cs_mmc_sojourn(lambda, mu, n * servers);
    }
    return mean;
}

/* The queueing model of the run and its prediction (see struct cs_theory). */
static void theory(struct cs_results *r)
{
    const struct cs_scenario *sc = &r->scenario;
    struct cs_theory *t = &r->theory;
    *t = (struct cs_theory){.mean_us = NAN, .p99_us = NAN, .occupied_mean_us = NAN};
    const char *obstacle = theory_obstacle(r);
    const char *policy = cs_policies[sc->dispatch.policy].name;
    const char *dist = cs_dist_kinds[sc->service.time.kind].name;
    bool closed = strcmp(cs_arrival_kinds[sc->load.arrival].name, "closed") == 0;
    /* mean service (seconds; a constant overhead only with constant service) */
    double s =
        sc->service.time.mean_us * 1e-6 / cs_node_speed(sc, cs_first_node(sc)) + sc->model.node_overhead_us * 1e-6;
    double trip = 2 * sc->network.latency_us * 1e-6; /* a request's network round trip, seconds */
    bool exponential_sojourn;
    if (obstacle[0]) {
        snprintf(t->why, sizeof(t->why), "%s", obstacle);
        return;
    }
    double mean = model_mean(r, s, t, &exponential_sojourn);
    if (!t->model) {
        snprintf(t->why, sizeof(t->why), "%s dispatch of %s service%s has none", policy, dist,
                 closed ? " in a closed loop" : "");
        return;
    }
    if (!isfinite(mean)) {
        t->model = NULL;
        snprintf(t->why, sizeof(t->why), "%s", NO_STEADY_STATE);
        return;
    }
    if (!closed && window_holds(r, mean, trip)) {
        t->model = NULL;
        snprintf(t->why, sizeof(t->why), "%s", WINDOW_HOLDS);
        return;
    }
    t->mean_us = (mean + trip) * 1e6;
    /* The time in an M/M/1 or G/M/1 queue is exponential: p99 = mean ln
     * 100 (and the network's round trip is a constant). */
    if (exponential_sojourn && mean * log(100.0) + trip > 0) /* (0: no time to be a share of) */
        t->p99_us = (mean * log(100.0) + trip) * 1e6;
    /* The nodes were taken longer (or shorter) than the requests asked
     * (inflation, handoffs; not the sample's own spread of service
     * times): the same model with what they were taken. */
    double occupied = r->occupied_us * 1e-6;
    if (occupied > 0 && fabs(r->occupied_us / r->asked_us - 1) > 0.005) {
        struct cs_theory o = *t;
        double m = model_mean(r, occupied, &o, &exponential_sojourn);
        if (isfinite(m))
            t->occupied_mean_us = (m + trip) * 1e6;
    }
}

void cs_results_analyze(struct cs_results *r)
{
    const struct cs_scenario *sc = &r->scenario;
    placement(r);
    r->duration_s = r->window_s;
    const uint64_t *c = r->coord;
    uint64_t ended = c[CS_C_COMPLETED] + c[CS_C_REJECTED] + c[CS_C_TIMED_OUT] + c[CS_C_FAILED];
    uint64_t open = c[CS_C_GENERATED] > ended ? c[CS_C_GENERATED] - ended : 0;
    /* Partial results: what has not ended is under way, not lost. */
    r->lost = r->partial ? 0 : open;
    r->in_flight = r->partial ? open : 0;
    r->throughput_rps = r->duration_s > 0 ? (double)c[CS_C_WINDOW_COMPLETIONS] / r->duration_s : 0;
    int k = r->dispatchers > 0 ? r->dispatchers : 1;
    r->dispatcher_utilization_max = 0;
    for (int i = 0; i < r->dispatchers; i++) {
        struct cs_dispatcher_result *d = &r->dispatcher[i];
        d->utilization = r->duration_s > 0 ? (double)d->busy_ns / (r->duration_s * 1e9) : 0;
        r->dispatcher_utilization_max = fmax(r->dispatcher_utilization_max, d->utilization);
    }
    r->coordinator_utilization = r->duration_s > 0 ? (double)c[CS_C_BUSY_NS] / (r->duration_s * 1e9) / k : 0;
    r->in_system_mean = r->duration_s > 0 ? (double)c[CS_C_IN_SYSTEM_NS] / (r->duration_s * 1e9) : 0;
    r->coordinator_per_request_us =
        c[CS_C_WINDOW_COMPLETIONS] ? (double)c[CS_C_BUSY_NS] / 1e3 / (double)c[CS_C_WINDOW_COMPLETIONS] : NAN;
    /* The relays: each one's share of the window, and the tier's cost per
     * request (their busy time over what they took in the window). */
    double relay_busy = 0, relay_taken = 0;
    r->relay_utilization_max = 0;
    for (int i = 0; i < r->relays; i++) {
        struct cs_relay_result *x = &r->relay[i];
        double taken = (double)x->counters[CS_R_WINDOW_RECEIVED], busy = (double)x->counters[CS_R_BUSY_NS];
        x->utilization = r->duration_s > 0 ? busy / (r->duration_s * 1e9) : 0;
        x->per_request_us = taken > 0 ? busy / 1e3 / taken : NAN;
        r->relay_utilization_max = fmax(r->relay_utilization_max, x->utilization);
        relay_busy += busy;
        relay_taken += taken;
    }
    r->relay_per_request_us = relay_taken > 0 ? relay_busy / 1e3 / relay_taken : NAN;
    r->relay_capacity_rps = r->relay_per_request_us > 0 ? r->relays * 1e6 / r->relay_per_request_us : INFINITY;

    double util_sum = 0, service = 0, requested = 0, answered = 0;
    for (int i = 0; i < r->service_nodes; i++) {
        struct cs_node_result *n = &r->nodes[i];
        double window = (double)n->counters[CS_N_WINDOW_NS] * (double)n->counters[CS_N_SERVERS];
        n->utilization = window > 0 ? (double)n->counters[CS_N_BUSY_NS] / window : 0;
        util_sum += n->utilization;
        service += (double)n->counters[CS_N_SERVICE_NS];
        requested += (double)n->counters[CS_N_REQUESTED_NS];
        answered += (double)n->counters[CS_N_COMPLETED];
    }
    r->discarded_share = answered > 0 ? (double)(c[CS_C_LATE_REPLIES] + c[CS_C_DUPLICATE_REPLIES]) / answered : 0;
    r->node_utilization_mean = r->service_nodes ? util_sum / r->service_nodes : 0;
    r->service_inflation = requested > 0 ? service / requested : 1.0;
    double handoff_ns = 0, measured = 0;
    r->handoffs = 0;
    for (int i = 0; i < r->service_nodes; i++) {
        handoff_ns += (double)r->nodes[i].counters[CS_N_HANDOFF_NS];
        r->handoffs += r->nodes[i].counters[CS_N_HANDOFFS];
        measured += (double)r->nodes[i].counters[CS_N_MEASURED];
    }
    r->handoff_mean_us = r->handoffs ? handoff_ns / 1e3 / (double)r->handoffs : NAN;
    r->occupied_us = measured > 0 ? (service + handoff_ns) / 1e3 / measured : NAN;
    /* (what was asked, at the node's speed, and the node's own constant
     * overhead, which the delivered service holds too) */
    r->asked_us = measured > 0 ? requested / 1e3 / measured + sc->model.node_overhead_us : NAN;
    r->pauses = c[CS_C_PAUSES];
    r->pause_max_ms = (double)c[CS_C_WAKE_LATE_MAX_NS] / 1e6;
    r->pause_rank = 0;
    for (int i = 0; i < r->service_nodes; i++) {
        const uint64_t *nc = r->nodes[i].counters;
        r->pauses += nc[CS_N_PAUSES];
        if ((double)nc[CS_N_WAKE_LATE_MAX_NS] / 1e6 > r->pause_max_ms) {
            r->pause_max_ms = (double)nc[CS_N_WAKE_LATE_MAX_NS] / 1e6;
            r->pause_rank = r->nodes[i].rank;
        }
    }

    r->node_capacity_rps = cs_scenario_served_rps(sc, r->service_nodes);
    r->coordinator_capacity_rps = isnan(r->coordinator_per_request_us) || r->coordinator_per_request_us <= 0
                                      ? INFINITY
                                      : k * 1e6 / r->coordinator_per_request_us;
    r->capacity_rps = fmin(fmin(r->node_capacity_rps, r->coordinator_capacity_rps), r->relay_capacity_rps);
    r->requests_per_message = c[CS_C_MESSAGES_SENT] ? (double)c[CS_C_ITEMS_SENT] / (double)c[CS_C_MESSAGES_SENT] : NAN;
    /* idle tokens (jiq) travel alone: they are not replies */
    uint64_t reply_messages = c[CS_C_MESSAGES_RECEIVED] - c[CS_C_IDLE_TOKENS];
    r->replies_per_message =
        reply_messages ? (double)(c[CS_C_ITEMS_RECEIVED] - c[CS_C_IDLE_TOKENS]) / (double)reply_messages : NAN;
    if (r->partial) {
        r->bottleneck = CS_BOTTLENECK_NONE;
        r->lever[0] = '\0';
        snprintf(r->reason, sizeof(r->reason),
                 "no verdict: partial results (see ended) hold what rank 0 measured by itself; the service nodes' "
                 "own measures come only at the end of a run");
    } else {
        verdict(r);
        batching_lever(r);
    }
    theory(r);
}

const char *cs_results_incomplete_why(const struct cs_results *r)
{
    if (r->complete)
        return NULL;
    return r->ended[0] ? r->ended : "stopped before its end";
}

bool cs_results_lists_nodes(const struct cs_results *r)
{
    return r->all_nodes || r->service_nodes <= CS_NODES_LISTED;
}

struct ranked {
    double value;
    int index;
};

/* Ascending by value, then by index: the same order on every run. */
static int ranked_cmp(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* The spread of v[0..n-1], sorted ascending: nearest-rank percentiles. */
static struct cs_spread spread_of(const struct ranked *v, int n)
{
    struct cs_spread s = {0};
    if (n == 0)
        return s;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i].value;
    const double q[] = {10, 50, 90};
    double *at[] = {&s.p10, &s.p50, &s.p90};
    for (int k = 0; k < 3; k++) {
        int i = (int)ceil(q[k] / 100 * n) - 1;
        *at[k] = v[i < 0 ? 0 : i].value;
    }
    s.min = v[0].value;
    s.max = v[n - 1].value;
    s.mean = sum / n;
    return s;
}

int cs_results_node_summary(const struct cs_results *r, struct cs_node_summary *s)
{
    int n = r->service_nodes;
    memset(s, 0, sizeof(*s));
    s->nodes = n;
    if (n <= 0)
        return CS_OK;
    struct ranked *v = malloc((size_t)n * sizeof(*v));
    if (!v)
        return CS_E_NOMEM;
    for (int i = 0; i < n; i++)
        v[i] = (struct ranked){(double)r->nodes[i].coordinator_completed, i};
    qsort(v, (size_t)n, sizeof(*v), ranked_cmp);
    s->completed = spread_of(v, n);
    for (int i = 0; i < n; i++)
        v[i] = (struct ranked){r->nodes[i].utilization, i};
    qsort(v, (size_t)n, sizeof(*v), ranked_cmp);
    s->utilization = spread_of(v, n);
    s->extremes_n = n < CS_NODES_EXTREMES ? n : CS_NODES_EXTREMES;
    for (int i = 0; i < s->extremes_n; i++) {
        s->hottest[i] = v[n - 1 - i].index;
        s->coldest[i] = v[i].index;
    }
    free(v);
    return CS_OK;
}
