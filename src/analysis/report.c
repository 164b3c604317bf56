/*
 * Renderers for the results struct: JSON for machines (cJSON, the stable
 * contract documented in docs/reference.md), a table for people, the sweep
 * CSV and the time-series rows. Nothing here computes a statistic;
 * analysis.c has already done that. (Files are written whole by fileio.c.)
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/arrival.h"
#include "cs/calibration.h"
#include "cs/common.h"
#include "cs/jsontext.h"
#include "cs/results.h"
#include "cs/scenario.h"
#include "cs/sweep.h"

static double us(uint64_t ns)
{
    return (double)ns / 1e3;
}

/* Add a number, or null when it is not finite. */
static void add_num(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *latency_object(const struct cs_histogram *h)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)h->total);
    add_num(o, "mean", cs_hist_mean(h) / 1e3);
    add_num(o, "p50", us(cs_hist_percentile(h, 50)));
    add_num(o, "p90", us(cs_hist_percentile(h, 90)));
    add_num(o, "p99", us(cs_hist_percentile(h, 99)));
    add_num(o, "p999", us(cs_hist_percentile(h, 99.9)));
    add_num(o, "max", h->total ? us(h->max) : 0);
    return o;
}

/* A counters object: each name with its value. */
static void add_counters(cJSON *parent, const char *const *names, const uint64_t *values, int n)
{
    cJSON *o = cJSON_AddObjectToObject(parent, "counters");
    for (int i = 0; i < n; i++)
        cJSON_AddNumberToObject(o, names[i], (double)values[i]);
}

/* The requests object: each key and its coordinator counter (-1: lost),
 * in the documented order; then the warm-up's. */
struct counter_field {
    const char *key;
    int counter;
};
static const struct counter_field request_fields[] = {
    {"generated", CS_C_GENERATED},
    {"completed", CS_C_COMPLETED},
    {"rejected", CS_C_REJECTED},
    {"timed_out", CS_C_TIMED_OUT},
    {"failed", CS_C_FAILED},
    {"lost", -1},
    {"rejected_at_nodes", CS_C_REJECTED_AT_NODES},
    {"retries", CS_C_RETRIES},
    {"retried_completed", CS_C_RETRIED_COMPLETED},
    {"retries_skipped", CS_C_RETRIES_SKIPPED},
    {"hedges", CS_C_HEDGES},
    {"hedge_wins", CS_C_HEDGE_WINS},
    {"hedges_skipped", CS_C_HEDGES_SKIPPED},
    {"duplicate_replies", CS_C_DUPLICATE_REPLIES},
    {"late_replies", CS_C_LATE_REPLIES},
    {"unexpected_replies", CS_C_UNEXPECTED_REPLIES},
    {"out_at_window_end", CS_C_OUT_AT_WINDOW_END},
};
static const struct counter_field warmup_fields[] = {
    {"generated", CS_C_WARMUP_GENERATED}, {"completed", CS_C_WARMUP_COMPLETED}, {"rejected", CS_C_WARMUP_REJECTED},
    {"timed_out", CS_C_WARMUP_TIMED_OUT}, {"failed", CS_C_WARMUP_FAILED},
};

/* A scaling analysis, as the "analysis" object of the JSON. */
static cJSON *analysis_json(const struct cs_scaling *a)
{
    cJSON *an = cJSON_CreateObject();
    if (a->knee_nodes > 0) {
        cJSON_AddNumberToObject(an, "knee_nodes", a->knee_nodes);
        cJSON_AddStringToObject(an, "knee_bottleneck", cs_bottleneck_names[a->knee_bottleneck]);
    } else {
        cJSON_AddNullToObject(an, "knee_nodes");
        cJSON_AddNullToObject(an, "knee_bottleneck");
    }
    add_num(an, "predicted_knee_nodes", a->predicted_knee_nodes);
    add_num(an, "coordinator_ceiling_rps", a->coordinator_ceiling_rps);
    cJSON_AddStringToObject(an, "ceiling_tier", a->ceiling_tier == CS_TIER_RELAYS ? "relays" : "coordinator");
    cJSON *u = cJSON_AddObjectToObject(an, "usl");
    add_num(u, "x1_rps", a->usl_x1);
    add_num(u, "sigma", a->usl_sigma);
    add_num(u, "kappa", a->usl_kappa);
    add_num(u, "kappa_se", a->usl_kappa_se);
    add_num(u, "peak_nodes", a->usl_peak_nodes);
    add_num(u, "r2", a->usl_r2);
    cJSON_AddStringToObject(an, "curve", cs_curve_names[a->curve]);
    cJSON *am = cJSON_AddObjectToObject(an, "amdahl");
    add_num(am, "x1_rps", a->amdahl_x1);
    add_num(am, "serial_fraction", a->amdahl_serial);
    add_num(am, "r2", a->amdahl_r2);
    cJSON_AddStringToObject(an, "explanation", a->explanation);
    return an;
}

/* The analysis of the setting row i belongs to (the sweep's own without a
 * lever), and the row's index in it; NULL when there is none. */
static const struct cs_scaling *row_scaling(const struct cs_results *r, int i, int *j)
{
    const struct cs_scaling *a = r->levers ? NULL : r->scaling;
    *j = i;
    for (int g = 0; r->levers && g < r->levers->n; g++)
        if (i >= r->levers->first_row[g] && i < r->levers->first_row[g] + r->levers->rows[g]) {
            *j = i - r->levers->first_row[g];
            a = &r->levers->scaling[g];
        }
    return a && *j < a->n ? a : NULL; /* (a step a signal cut short is not in the analysis) */
}

/* A sweep row's fields in the JSON, in order: written here, read back by
 * cs_sweep_rows_from_json. */
static const struct row_field {
    const char *key;
    size_t offset;
} row_ints[] =
    {
        {"step", offsetof(struct cs_sweep_row, step)},
        {"nodes", offsetof(struct cs_sweep_row, nodes)},
        {"dispatchers", offsetof(struct cs_sweep_row, dispatchers)},
        {"batch", offsetof(struct cs_sweep_row, batch)},
        {"relays", offsetof(struct cs_sweep_row, relays)},
},
  row_nums[] = {
      {"offered_rps", offsetof(struct cs_sweep_row, offered_rps)},
      {"throughput_rps", offsetof(struct cs_sweep_row, throughput_rps)},
      {"mean_us", offsetof(struct cs_sweep_row, mean_us)},
      {"p50_us", offsetof(struct cs_sweep_row, p50_us)},
      {"p99_us", offsetof(struct cs_sweep_row, p99_us)},
      {"coordinator_utilization", offsetof(struct cs_sweep_row, coordinator_utilization)},
      {"coordinator_per_request_us", offsetof(struct cs_sweep_row, coordinator_per_request_us)},
      {"node_utilization_mean", offsetof(struct cs_sweep_row, node_utilization_mean)},
      {"service_inflation", offsetof(struct cs_sweep_row, service_inflation)},
      {"relay_utilization", offsetof(struct cs_sweep_row, relay_utilization)},
      {"relay_per_request_us", offsetof(struct cs_sweep_row, relay_per_request_us)},
};

/* Whether row_nums[f] is one of the relay fields, which a row without
 * relays leaves out. */
static bool relay_field(size_t f)
{
    return row_nums[f].offset == offsetof(struct cs_sweep_row, relay_utilization) ||
           row_nums[f].offset == offsetof(struct cs_sweep_row, relay_per_request_us);
}

/* A row without the relay fields: one without relays, or one from a file
 * from before rows had them, whose coordinator fields under relays were
 * the relays'. */
static void relay_fields_of_old(struct cs_sweep_row *w)
{
    w->relay_utilization = 0;
    w->relay_per_request_us = NAN;
    if (w->relays > 0) {
        w->relay_utilization = w->coordinator_utilization;
        w->relay_per_request_us = w->coordinator_per_request_us;
        w->coordinator_utilization = NAN;
        w->coordinator_per_request_us = NAN;
    }
}

int cs_sweep_rows_from_json(const cJSON *doc, struct cs_sweep_row *rows, int max, char *err, size_t errlen)
{
    const cJSON *sw = cJSON_GetObjectItemCaseSensitive(doc, "sweep");
    if (!cJSON_IsArray(sw)) {
        snprintf(err, errlen, "no 'sweep' rows: not the results of a sweep");
        return CS_E_INVALID;
    }
    int n = cJSON_GetArraySize(sw);
    if (n > max) {
        snprintf(err, errlen, "'sweep' has %d rows; a sweep has at most %d", n, max);
        return CS_E_INVALID;
    }
    for (int i = 0; i < n; i++) {
        const cJSON *o = cJSON_GetArrayItem(sw, i);
        struct cs_sweep_row *w = &rows[i];
        memset(w, 0, sizeof(*w));
        for (size_t f = 0; f < CS_ARRAY_LEN(row_ints); f++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, row_ints[f].key);
            if (!v && row_ints[f].offset == offsetof(struct cs_sweep_row, step)) {
                w->step = i + 1; /* a file from before rows had it: in the plan's order */
                continue;
            }
            if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= INT_MAX) ||
                v->valuedouble != floor(v->valuedouble)) {
                snprintf(err, errlen, "'sweep[%d].%s': a whole number >= 0 is needed", i, row_ints[f].key);
                return CS_E_INVALID;
            }
            *(int *)((char *)w + row_ints[f].offset) = (int)v->valuedouble;
        }
        bool old = false;
        for (size_t f = 0; f < CS_ARRAY_LEN(row_nums); f++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, row_nums[f].key);
            if (!v && relay_field(f)) {
                old = true;
                continue;
            }
            if (!cJSON_IsNumber(v) && !cJSON_IsNull(v)) {
                snprintf(err, errlen, "'sweep[%d].%s': a number (or null) is needed", i, row_nums[f].key);
                return CS_E_INVALID;
            }
            *(double *)((char *)w + row_nums[f].offset) = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        }
        if (old)
            relay_fields_of_old(w);
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "bottleneck");
        w->bottleneck = -1;
        for (int k = 0; cJSON_IsString(b) && k < CS_BOTTLENECK_COUNT; k++)
            if (strcmp(b->valuestring, cs_bottleneck_names[k]) == 0)
                w->bottleneck = k;
        if (w->bottleneck < 0) {
            snprintf(err, errlen, "'sweep[%d].bottleneck': not a verdict clustersim gives", i);
            return CS_E_INVALID;
        }
    }
    return n;
}

/* One service node's results, as "nodes" lists them. */
static cJSON *node_json(const struct cs_results *r, int i)
{
    const struct cs_node_result *n = &r->nodes[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", n->rank);
    cJSON_AddStringToObject(o, "host", r->rank_info[n->rank].host);
    cJSON_AddNumberToObject(o, "completed", (double)n->coordinator_completed);
    add_num(o, "utilization", n->utilization);
    uint64_t m = n->counters[CS_N_MEASURED];
    uint64_t done = n->coordinator_completed;
    add_num(o, "queue_wait_mean_us", done ? (double)n->queue_wait_ns / 1e3 / (double)done : 0);
    add_num(o, "service_mean_us", m ? (double)n->counters[CS_N_SERVICE_NS] / 1e3 / (double)m : 0);
    cJSON_AddNumberToObject(o, "abandoned", (double)n->counters[CS_N_ABANDONED]);
    add_counters(o, cs_node_counter_names, n->counters, CS_N__COUNT);
    return o;
}

static void spread_json(cJSON *parent, const char *key, const struct cs_spread *s)
{
    const struct {
        const char *name;
        double value;
    } fields[] = {{"min", s->min}, {"p10", s->p10}, {"p50", s->p50},
                  {"p90", s->p90}, {"max", s->max}, {"mean", s->mean}};
    cJSON *o = cJSON_AddObjectToObject(parent, key);
    for (size_t i = 0; i < CS_ARRAY_LEN(fields); i++)
        add_num(o, fields[i].name, fields[i].value);
}

/* "node_summary": the nodes at a glance, at any node count. */
static void node_summary_json(cJSON *root, const struct cs_results *r)
{
    struct cs_node_summary s;
    if (cs_results_node_summary(r, &s) != CS_OK) {
        cJSON_AddNullToObject(root, "node_summary");
        return;
    }
    cJSON *o = cJSON_AddObjectToObject(root, "node_summary");
    cJSON_AddNumberToObject(o, "nodes", s.nodes);
    cJSON_AddBoolToObject(o, "all_listed", cs_results_lists_nodes(r));
    spread_json(o, "utilization", &s.utilization);
    spread_json(o, "completed", &s.completed);
    cJSON *hot = cJSON_AddArrayToObject(o, "hottest"), *cold = cJSON_AddArrayToObject(o, "coldest");
    for (int i = 0; i < s.extremes_n; i++) {
        cJSON_AddItemToArray(hot, node_json(r, s.hottest[i]));
        cJSON_AddItemToArray(cold, node_json(r, s.coldest[i]));
    }
}

char *cs_results_json(const struct cs_results *r)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "version", CS_VERSION);
    cJSON *run = cJSON_AddObjectToObject(root, "run");
    cJSON_AddStringToObject(run, "started_utc", r->started_utc);
    cJSON_AddStringToObject(run, "command", r->command);
    if (r->resumed_from) {
        cJSON_AddStringToObject(run, "resumed_from", r->resumed_from);
        cJSON_AddNumberToObject(run, "resumed_steps", __builtin_popcountll(r->resumed));
    }
    cJSON_AddBoolToObject(root, "complete", r->complete);
    if (r->ended[0])
        cJSON_AddStringToObject(root, "ended", r->ended);

    char *sc_text = cs_scenario_to_json(&r->scenario);
    cJSON *sc = sc_text ? cJSON_Parse(sc_text) : NULL;
    free(sc_text);
    cs_json_exact_numbers(sc); /* printed again below: keep every bit */
    cJSON_AddItemToObject(root, "scenario", sc ? sc : cJSON_CreateNull());
    if (r->sweep_scenario) {
        cJSON_AddNumberToObject(root, "sweep_finished", r->sweep_finished);
        sc_text = cs_scenario_to_json(r->sweep_scenario);
        sc = sc_text ? cJSON_Parse(sc_text) : NULL;
        free(sc_text);
        cs_json_exact_numbers(sc);
        cJSON_AddItemToObject(root, "sweep_scenario", sc ? sc : cJSON_CreateNull());
    }

    cJSON *mpi = cJSON_AddObjectToObject(root, "mpi");
    cJSON_AddNumberToObject(mpi, "ranks", r->ranks);
    cJSON_AddNumberToObject(mpi, "service_nodes", r->service_nodes);
    cJSON_AddStringToObject(mpi, "library", r->library);
    cJSON *hosts = cJSON_AddArrayToObject(mpi, "hosts");
    for (int i = 0; i < r->ranks; i++)
        if (cs_results_first_on_host(r, i))
            cJSON_AddItemToArray(hosts, cJSON_CreateString(r->rank_info[i].host));
    cJSON_AddNumberToObject(mpi, "host_count", r->host_count);
    /* Per rank only while the nodes are listed (cs_results_lists_nodes). */
    bool listed = cs_results_lists_nodes(r), crosses = false;
    cJSON *rank_hosts = listed ? cJSON_AddArrayToObject(mpi, "rank_hosts") : NULL;
    for (int i = 0; i < r->ranks; i++) {
        if (rank_hosts)
            cJSON_AddItemToArray(rank_hosts, cJSON_CreateString(r->rank_info[i].host));
        crosses |= strcmp(r->rank_info[i].host, r->rank_info[0].host) != 0;
    }
    cJSON_AddBoolToObject(mpi, "crosses_hosts", crosses);
    cJSON_AddBoolToObject(mpi, "oversubscribed", r->oversubscribed);
    cJSON_AddNumberToObject(mpi, "max_ranks_per_host", r->worst_host_ranks);
    cJSON_AddNumberToObject(mpi, "cores_on_that_host", r->worst_host_cores);
    /* The run step's CPU time, per rank and summed (null: not measured). */
    double cpu = 0;
    bool cpu_known = r->ranks > 0;
    cJSON *rank_cpu = listed ? cJSON_AddArrayToObject(mpi, "rank_cpu_s") : NULL;
    for (int i = 0; i < r->ranks; i++) {
        int64_t ns = r->rank_info[i].cpu_ns;
        if (rank_cpu)
            cJSON_AddItemToArray(rank_cpu, ns < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(ns / 1e9));
        cpu += ns < 0 ? 0 : ns / 1e9;
        cpu_known &= ns >= 0;
    }
    add_num(mpi, "cpu_s", cpu_known ? cpu : NAN);

    const uint64_t *c = r->coord;
    cJSON *req = cJSON_AddObjectToObject(root, "requests");
    for (size_t i = 0; i < CS_ARRAY_LEN(request_fields); i++) {
        int k = request_fields[i].counter;
        cJSON_AddNumberToObject(req, request_fields[i].key, (double)(k < 0 ? r->lost : c[k]));
    }
    if (r->partial)
        cJSON_AddNumberToObject(req, "in_flight", (double)r->in_flight);
    cJSON *warm = cJSON_AddObjectToObject(req, "warmup");
    for (size_t i = 0; i < CS_ARRAY_LEN(warmup_fields); i++)
        cJSON_AddNumberToObject(warm, warmup_fields[i].key, (double)c[warmup_fields[i].counter]);

    add_num(root, "offered_rps", r->offered_rps);
    add_num(root, "throughput_rps", r->throughput_rps);
    add_num(root, "duration_s", r->duration_s);
    add_num(root, "in_system_mean", r->in_system_mean);
    cJSON_AddItemToObject(root, "latency_us", latency_object(&r->latency));

    cJSON *dw = cJSON_AddObjectToObject(root, "dispatch_wait_us");
    add_num(dw, "mean", cs_hist_mean(&r->dispatch_wait) / 1e3);
    add_num(dw, "p99", us(cs_hist_percentile(&r->dispatch_wait, 99)));
    cJSON *qw = cJSON_AddObjectToObject(root, "queue_wait_us");
    add_num(qw, "mean", cs_hist_mean(&r->queue_wait) / 1e3);
    add_num(qw, "p99", us(cs_hist_percentile(&r->queue_wait, 99)));
    cJSON *sv = cJSON_AddObjectToObject(root, "service_us");
    add_num(sv, "mean", cs_hist_mean(&r->service) / 1e3);
    add_num(sv, "p99", us(cs_hist_percentile(&r->service, 99)));
    add_num(sv, "inflation", r->service_inflation);
    cJSON_AddNumberToObject(sv, "handoffs", (double)r->handoffs);
    add_num(sv, "handoff_mean_us", r->handoff_mean_us);
    add_num(sv, "occupied_mean", r->occupied_us);
    add_num(sv, "asked_mean", r->asked_us);

    cJSON *hp = cJSON_AddObjectToObject(root, "host_pauses");
    cJSON_AddNumberToObject(hp, "count", (double)r->pauses);
    add_num(hp, "max_ms", r->pause_max_ms);
    cJSON_AddNumberToObject(hp, "rank", r->pause_rank);

    cJSON *co = cJSON_AddObjectToObject(root, "coordinator");
    add_num(co, "utilization", r->coordinator_utilization);
    add_num(co, "per_request_us", r->coordinator_per_request_us);
    cJSON_AddNumberToObject(co, "pending_max", (double)c[CS_C_PENDING_MAX]);
    add_num(co, "max_rss_kb", r->max_rss_kb > 0 ? (double)r->max_rss_kb : NAN); /* (null: not measured, virtual time) */
    add_num(co, "requests_per_message", r->requests_per_message);
    add_num(co, "replies_per_message", r->replies_per_message);
    add_num(co, "message_share", r->message_share);
    add_counters(co, cs_coord_counter_names, c, CS_C__COUNT);

    cJSON *disp = cJSON_AddArrayToObject(root, "dispatchers");
    for (int i = 0; i < r->dispatchers; i++) {
        const struct cs_dispatcher_result *d = &r->dispatcher[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "rank", d->rank);
        cJSON_AddNumberToObject(o, "generated", (double)d->generated);
        cJSON_AddNumberToObject(o, "completed", (double)d->completed);
        add_num(o, "utilization", d->utilization);
        cJSON_AddItemToArray(disp, o);
    }
    add_num(co, "utilization_max", r->dispatcher_utilization_max);

    cJSON *rel = cJSON_AddArrayToObject(root, "relays");
    for (int i = 0; i < r->relays; i++) {
        const struct cs_relay_result *x = &r->relay[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "rank", x->rank);
        cJSON_AddNumberToObject(o, "first_node_rank", x->first_node + cs_first_node(&r->scenario));
        cJSON_AddNumberToObject(o, "nodes", x->nodes);
        add_num(o, "utilization", x->utilization);
        add_num(o, "per_request_us", x->per_request_us);
        add_counters(o, cs_relay_counter_names, x->counters, CS_R__COUNT);
        cJSON_AddItemToArray(rel, o);
    }

    if (listed) {
        cJSON *nodes = cJSON_AddArrayToObject(root, "nodes");
        for (int i = 0; i < r->service_nodes; i++)
            cJSON_AddItemToArray(nodes, node_json(r, i));
    }
    node_summary_json(root, r);

    if (cs_results_is_sweep(r)) {
        cJSON *sw = cJSON_AddArrayToObject(root, "sweep");
        for (int i = 0; i < r->sweep_n; i++) {
            const struct cs_sweep_row *w = &r->sweep[i];
            int j;
            const struct cs_scaling *a = row_scaling(r, i, &j);
            cJSON *o = cJSON_CreateObject();
            for (size_t f = 0; f < CS_ARRAY_LEN(row_ints); f++)
                cJSON_AddNumberToObject(o, row_ints[f].key, *(const int *)((const char *)w + row_ints[f].offset));
            for (size_t f = 0; f < CS_ARRAY_LEN(row_nums); f++)
                if (w->relays > 0 || !relay_field(f))
                    add_num(o, row_nums[f].key, *(const double *)((const char *)w + row_nums[f].offset));
            cJSON_AddStringToObject(o, "bottleneck", cs_bottleneck_names[w->bottleneck]);
            if (a) {
                add_num(o, "speedup", a->speedup[j]);
                add_num(o, "efficiency", a->efficiency[j]);
            }
            cJSON_AddItemToArray(sw, o);
        }
    }
    if (r->scaling)
        cJSON_AddItemToObject(root, "analysis", analysis_json(r->scaling));
    if (r->levers) {
        const struct cs_levers *lv = r->levers;
        cJSON *l = cJSON_AddObjectToObject(root, "levers");
        cJSON_AddStringToObject(l, "key", lv->key);
        cJSON *set = cJSON_AddArrayToObject(l, "settings");
        for (int g = 0; g < lv->n; g++) { /* (a setting cut short before two whole steps: no analysis) */
            cJSON *o = lv->scaling[g].n >= 2 ? analysis_json(&lv->scaling[g]) : cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "value", lv->value[g]);
            cJSON_AddNumberToObject(o, "first_row", lv->first_row[g]);
            cJSON_AddNumberToObject(o, "rows", lv->rows[g]);
            cJSON_AddItemToArray(set, o);
        }
    }

    cJSON *health = cJSON_AddArrayToObject(root, "health_events");
    for (int i = 0; i < r->health_n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "rank", r->health[i].rank);
        cJSON_AddNumberToObject(o, "at_s", r->health[i].at_s);
        cJSON_AddStringToObject(o, "event", r->health[i].up ? "up" : "down");
        cJSON_AddItemToArray(health, o);
    }

    const struct cs_overload *ov = &r->overload;
    if (ov->episodes > 0) {
        cJSON *o = cJSON_AddObjectToObject(root, "overload");
        add_num(o, "from_s", ov->from_s);
        add_num(o, "to_s", ov->to_s);
        add_num(o, "overloaded_s", ov->overloaded_s);
        cJSON_AddNumberToObject(o, "episodes", ov->episodes);
        add_num(o, "capacity_rps", ov->capacity_rps);
        cJSON_AddStringToObject(o, "tier", cs_bottleneck_names[cs_results_overload_tier(r)]);
        add_num(o, "peak_offered_rps", ov->peak_offered_rps);
        cJSON_AddNumberToObject(o, "pending_peak", ov->pending_peak);
        add_num(o, "p99_peak_us", ov->p99_peak_us);
        cJSON_AddNumberToObject(o, "rejected", (double)ov->rejected);
    } else {
        cJSON_AddNullToObject(root, "overload");
    }

    cJSON_AddStringToObject(root, "bottleneck", cs_bottleneck_names[r->bottleneck]);
    if (r->lever[0])
        cJSON_AddStringToObject(root, "lever", r->lever);
    else
        cJSON_AddNullToObject(root, "lever");
    const struct cs_theory *t = &r->theory;
    cJSON *th = cJSON_AddObjectToObject(root, "theory");
    if (t->model) {
        double mean = cs_hist_mean(&r->latency) / 1e3, p99 = us(cs_hist_percentile(&r->latency, 99));
        cJSON_AddStringToObject(th, "model", t->model);
        add_num(th, "mean_us", t->mean_us);
        add_num(th, "p99_us", t->p99_us);
        add_num(th, "mean_diff", r->latency.total ? mean / t->mean_us - 1 : NAN);
        add_num(th, "p99_diff", r->latency.total ? p99 / t->p99_us - 1 : NAN);
        add_num(th, "occupied_mean_us", t->occupied_mean_us);
        add_num(th, "occupied_mean_diff", r->latency.total ? mean / t->occupied_mean_us - 1 : NAN);
    } else {
        cJSON_AddNullToObject(th, "model");
        cJSON_AddStringToObject(th, "why", t->why);
    }
    cJSON_AddStringToObject(root, "reason", r->reason);
    cJSON *model = cJSON_AddObjectToObject(root, "model");
    add_num(model, "capacity_rps", r->capacity_rps);
    add_num(model, "node_capacity_rps", r->node_capacity_rps);
    add_num(model, "coordinator_capacity_rps", r->coordinator_capacity_rps);
    add_num(model, "relay_capacity_rps", r->relay_capacity_rps);

    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    return out;
}

/* The rows first..first+n-1 of a sweep with their analysis a (or NULL). */
static void sweep_rows(const struct cs_results *r, int first, int n, const struct cs_scaling *a, FILE *out)
{
    bool relays = false, several = cs_sweep_several(r->sweep + first, n); /* a column for the busiest relay */
    for (int i = 0; i < n; i++)
        relays = relays || r->sweep[first + i].relays > 0;
    /* busy: the coordinator (the dispatchers' mean), the busiest relay, the nodes' mean */
    fprintf(out, "%6s %12s %14s %10s %10s %8s", "nodes", "offered_rps", "throughput_rps", "p50_us", "p99_us",
            several ? "disp%" : "coord%");
    if (relays)
        fprintf(out, " %8s", "relay%");
    fprintf(out, " %8s %7s  %s\n", "nodes%", "effic", "bottleneck");
    for (int i = 0; i < n; i++) {
        const struct cs_sweep_row *w = &r->sweep[first + i];
        char eff[16] = "-";
        if (a && i < a->n) /* (a step a signal cut short is not in the analysis) */
            snprintf(eff, sizeof(eff), "%.0f%%", 100 * a->efficiency[i]);
        fprintf(out, "%6d %12.1f %14.1f %10.1f %10.1f", w->nodes, w->offered_rps, w->throughput_rps, w->p50_us,
                w->p99_us);
        if (isfinite(w->coordinator_utilization))
            fprintf(out, " %7.1f%%", 100 * w->coordinator_utilization);
        else /* (rank 0's, in a file from before the rows kept it beside the relays') */
            fprintf(out, " %8s", "-");
        if (relays && w->relays > 0)
            fprintf(out, " %7.1f%%", 100 * w->relay_utilization);
        else if (relays)
            fprintf(out, " %8s", "-");
        fprintf(out, " %7.1f%% %7s  %s\n", 100 * w->node_utilization_mean, eff, cs_bottleneck_names[w->bottleneck]);
    }
}

/* What the analysis a of its a->n rows from row first says. */
static void scaling_lines(const struct cs_results *r, int first, const struct cs_scaling *a, FILE *out)
{
    char knee[48];
    cs_knee_words(a->predicted_knee_nodes, knee, sizeof(knee));
    const char *tier = a->ceiling_tier == CS_TIER_RELAYS          ? "relays'"
                       : cs_sweep_several(r->sweep + first, a->n) ? "dispatchers'"
                                                                  : "coordinator's";
    if (a->knee_nodes > 0)
        fprintf(out, "knee: %d nodes (%s); predicted from the %s cost: %s\n", a->knee_nodes,
                cs_bottleneck_names[a->knee_bottleneck], tier, knee);
    else
        fprintf(out, "knee: none in this range; predicted from the %s cost: %s\n", tier, knee);
    fprintf(out, "USL fit: X1 %.1f req/s, sigma %.4f, kappa %.3g", a->usl_x1, a->usl_sigma, a->usl_kappa);
    if (isfinite(a->usl_kappa_se))
        fprintf(out, " +- %.2g", a->usl_kappa_se);
    fprintf(out, ", R^2 %.3f", a->usl_r2);
    const struct cs_sweep_row *last = &r->sweep[first + a->n - 1];
    char peak[96] = ""; /* (none where the fit has no peak: kappa 0) */
    if (a->curve == CS_CURVE_DECLINES && isfinite(a->usl_peak_nodes))
        snprintf(peak, sizeof(peak), " (the fit's peak: %.1f nodes)", a->usl_peak_nodes);
    else if (isfinite(a->usl_peak_nodes))
        snprintf(peak, sizeof(peak), ": the fit's peak at %.1f nodes is the model's, not a measurement",
                 a->usl_peak_nodes);
    if (a->curve == CS_CURVE_DECLINES)
        fprintf(out, "; the data show a decline, to %.0f req/s at %d nodes: more nodes make it slower%s\n",
                last->throughput_rps, last->nodes, peak);
    else if (a->curve == CS_CURVE_PLATEAU)
        fprintf(out, "; the data show a plateau from %d nodes, not a decline%s\n", a->knee_nodes, peak);
    else
        fputc('\n', out);
    fprintf(out, "Amdahl fit: serial fraction %.4f, R^2 %.3f\n", a->amdahl_serial, a->amdahl_r2);
    /* A strong sweep's steps that served their whole load add no more
     * whatever the nodes: the fits bend there because of the load. */
    if (r->scenario.sweep.mode == CS_SWEEP_STRONG && r->scenario.sweep.rates_n == 0 &&
        last->throughput_rps >= 0.95 * last->offered_rps && last->bottleneck == CS_BOTTLENECK_NONE)
        fprintf(out,
                "note: every step was offered the same %.0f req/s and the last served it: the fixed load caps the "
                "curve, so the fits' sigma, kappa and serial fraction describe that cap, not contention\n",
                last->offered_rps);
    fprintf(out, "%s\n", a->explanation);
}

/* Results that do not hold the whole run or sweep: why, under the
 * header. */
static void incomplete_line(const struct cs_results *r, FILE *out)
{
    if (!r->complete)
        fprintf(out, "# INCOMPLETE: %s\n", cs_results_incomplete_why(r));
}

/* Seconds in words: a tenth of a second and more to one decimal, less
 * (but 0) to three figures: a million nodes' 5 ms window is not "0.0". */
static const char *seconds(double s, char buf[32])
{
    snprintf(buf, 32, s >= 0.1 || s == 0 ? "%.1f" : "%.3g", s);
    return buf;
}

/* A ratio to 1 or 2 decimals, or a dash where nothing was measured to
 * divide (a cost per request of no request). */
static const char *ratio(double v, int decimals, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, "%.*f", decimals, v);
    else
        snprintf(buf, len, "-");
    return buf;
}

static void sweep_table(const struct cs_results *r, FILE *out)
{
    char load[192];
    fprintf(out, "# clustersim %s  sweep of scenario \"%s\"; %s\n# %s\n", CS_VERSION, r->scenario.name, r->library,
            cs_sweep_load_words(&r->scenario, load, sizeof(load)));
    incomplete_line(r, out);
    const struct cs_levers *lv = r->levers;
    if (!lv) {
        sweep_rows(r, 0, r->sweep_n, r->scaling, out);
        if (r->scaling)
            scaling_lines(r, 0, r->scaling, out);
        return;
    }
    /* (A setting a signal cut short before two of its steps were whole
     * has no curve to analyse.) */
    for (int g = 0; g < lv->n; g++) {
        fprintf(out, "%s%s = %d\n", g ? "\n" : "", lv->key, lv->value[g]);
        sweep_rows(r, lv->first_row[g], lv->rows[g], &lv->scaling[g], out);
        if (lv->scaling[g].n >= 2)
            scaling_lines(r, lv->first_row[g], &lv->scaling[g], out);
    }
    fputc('\n', out);
    cs_levers_knees(r, out);
    fputc('\n', out);
}

void cs_levers_knees(const struct cs_results *r, FILE *out)
{
    const struct cs_levers *lv = r->levers;
    fprintf(out, "the knee, setting by setting (%s):", lv->key);
    for (int g = 0; g < lv->n; g++) {
        const struct cs_scaling *a = &lv->scaling[g];
        char knee[48] = "none: no cost per request";
        if (isfinite(a->predicted_knee_nodes))
            snprintf(knee, sizeof(knee), "%.1f", a->predicted_knee_nodes);
        if (a->n < 2)
            fprintf(out, "%s %d: not analysed (cut short)", g ? ";" : "", lv->value[g]);
        else if (a->knee_nodes > 0)
            fprintf(out, "%s %d: %d nodes (predicted %s)", g ? ";" : "", lv->value[g], a->knee_nodes, knee);
        else
            fprintf(out, "%s %d: none up to %d nodes (predicted %s)", g ? ";" : "", lv->value[g],
                    r->sweep[lv->first_row[g] + a->n - 1].nodes, knee);
    }
}

/* Retries, hedges and discarded answers, when there were any. */
static void second_tries_line(const struct cs_results *r, FILE *out)
{
    const uint64_t *c = r->coord;
    const struct cs_scenario *sc = &r->scenario;
    bool retries = sc->dispatch.retries > 0 || c[CS_C_RETRIES] || c[CS_C_RETRIES_SKIPPED];
    bool hedges = sc->dispatch.hedge_after_us > 0 || sc->dispatch.hedge_percentile > 0 || c[CS_C_HEDGES];
    bool discarded = c[CS_C_DUPLICATE_REPLIES] || c[CS_C_LATE_REPLIES];
    if (!retries && !hedges && !discarded)
        return;
    fprintf(out, "%-18s", "  second tries");
    if (retries)
        fprintf(out, " retries %llu (%llu completed after one, %llu over budget) ", (unsigned long long)c[CS_C_RETRIES],
                (unsigned long long)c[CS_C_RETRIED_COMPLETED], (unsigned long long)c[CS_C_RETRIES_SKIPPED]);
    if (hedges)
        fprintf(out, " hedges %llu (%llu won, %llu skipped: no room or over budget) ",
                (unsigned long long)c[CS_C_HEDGES], (unsigned long long)c[CS_C_HEDGE_WINS],
                (unsigned long long)c[CS_C_HEDGES_SKIPPED]);
    if (discarded)
        fprintf(out, " answers discarded: %llu duplicate, %llu late", (unsigned long long)c[CS_C_DUPLICATE_REPLIES],
                (unsigned long long)c[CS_C_LATE_REPLIES]);
    fputc('\n', out);
}

/* Queueing theory beside the measurement, or why it has no answer. */
static void theory_line(const struct cs_results *r, FILE *out)
{
    const struct cs_theory *t = &r->theory;
    if (!t->model) {
        fprintf(out, "%-18s no closed form: %s\n", "theory", t->why);
        return;
    }
    if (r->latency.total == 0) { /* nothing measured to set beside it */
        fprintf(out, "%-18s %s: mean %.1f us", "theory", t->model, t->mean_us);
        if (isfinite(t->p99_us))
            fprintf(out, ", p99 %.1f us", t->p99_us);
        fputs(" (no request measured to compare)\n", out);
        return;
    }
    double mean = cs_hist_mean(&r->latency) / 1e3, p99 = us(cs_hist_percentile(&r->latency, 99));
    if (t->mean_us > 0)
        fprintf(out, "%-18s %s: mean %.1f us (measured %+.1f%%)", "theory", t->model, t->mean_us,
                100 * (mean / t->mean_us - 1));
    else /* (no time to be a share of: no service, no network) */
        fprintf(out, "%-18s %s: mean %.1f us (measured %.1f us)", "theory", t->model, t->mean_us, mean);
    if (isfinite(t->p99_us))
        fprintf(out, ", p99 %.1f us (%+.1f%%)", t->p99_us, 100 * (p99 / t->p99_us - 1));
    fputc('\n', out);
    if (isfinite(t->occupied_mean_us))
        fprintf(out, "%-18s with the service the nodes occupied (%.1f us a request): mean %.1f us (measured %+.1f%%)\n",
                "", r->occupied_us, t->occupied_mean_us, 100 * (mean / t->occupied_mean_us - 1));
}

/* Requests that outlived the window: when over 1% of the window's were
 * still out at its end, say so, and whether the p99 lies past the window
 * (their latency runs on to their replies in the drain). */
static void outlived_line(const struct cs_results *r, FILE *out)
{
    uint64_t n = r->coord[CS_C_OUT_AT_WINDOW_END], all = r->coord[CS_C_GENERATED];
    if (n == 0 || 100 * n <= all)
        return;
    double p99_s = (double)cs_hist_percentile(&r->latency, 99) / 1e9;
    fprintf(out, "%-18s %llu of the window's %llu requests were still out at its end%s\n", "  outlived window",
            (unsigned long long)n, (unsigned long long)all,
            p99_s > r->duration_s ? "; p99 > the window: their latency runs to their replies in the drain" : "");
}

/* The run's roles as its topology plan made them, in words: "1
 * coordinator + 2 relays + 8 service nodes x 1 server". */
static void topology_line(const struct cs_results *r, char *buf, size_t len)
{
    const struct cs_scenario *sc = &r->scenario;
    int n = r->service_nodes, k = sc->service.servers, used = 0;
    if (r->dispatchers > 1)
        used = snprintf(buf, len, "%d dispatchers (%s nodes)", r->dispatchers,
                        sc->dispatch.partition == CS_PARTITION_SHARED ? "shared" : "sharded");
    else
        used = snprintf(buf, len, "1 coordinator");
    if (r->relays > 0 && used >= 0 && (size_t)used < len)
        used += snprintf(buf + used, len - (size_t)used, " + %d relay%s", r->relays, r->relays == 1 ? "" : "s");
    if (used >= 0 && (size_t)used < len)
        snprintf(buf + used, len - (size_t)used, " + %d service node%s x %d server%s", n, n == 1 ? "" : "s", k,
                 k == 1 ? "" : "s");
}

/* The service nodes, one line each, or beyond CS_NODES_LISTED of them a
 * summary: how busy, how many replies, the hottest and the coldest. */
static void nodes_table(const struct cs_results *r, FILE *out)
{
    struct cs_node_summary s;
    if (cs_results_lists_nodes(r) || cs_results_node_summary(r, &s) != CS_OK) {
        fprintf(out, "%-18s %6s %-20s %10s %8s\n", "service nodes", "rank", "host", "completed", "busy");
        for (int i = 0; i < r->service_nodes; i++) {
            const struct cs_node_result *n = &r->nodes[i];
            fprintf(out, "%-18s %6d %-20.20s %10llu %7.1f%%\n", "", n->rank, r->rank_info[n->rank].host,
                    (unsigned long long)n->coordinator_completed, 100 * n->utilization);
        }
        return;
    }
    const struct cs_spread *u = &s.utilization, *c = &s.completed;
    char count[48];
    snprintf(count, sizeof(count), "%d (--all-nodes lists each)", s.nodes);
    fprintf(out, "%-18s %-35s %8s %8s %8s %8s %8s\n", "service nodes", count, "min", "p10", "p50", "p90", "max");
    fprintf(out, "%-18s %35s %7.1f%% %7.1f%% %7.1f%% %7.1f%% %7.1f%%\n", "  busy", "", 100 * u->min, 100 * u->p10,
            100 * u->p50, 100 * u->p90, 100 * u->max);
    fprintf(out, "%-18s %35s %8.0f %8.0f %8.0f %8.0f %8.0f\n", "  completed", "", c->min, c->p10, c->p50, c->p90,
            c->max);
    const char *label[] = {"  hottest", "  coldest"};
    const int *which[] = {s.hottest, s.coldest};
    for (int k = 0; k < 2; k++) {
        fprintf(out, "%-18s", label[k]);
        for (int i = 0; i < s.extremes_n; i++) {
            const struct cs_node_result *n = &r->nodes[which[k][i]];
            fprintf(out, " rank %d %.1f%% (%llu)%s", n->rank, 100 * n->utilization,
                    (unsigned long long)n->coordinator_completed, i + 1 < s.extremes_n ? "," : "\n");
        }
    }
}

void cs_results_table(const struct cs_results *r, FILE *out)
{
    if (cs_results_is_sweep(r)) {
        sweep_table(r, out);
        return;
    }
    const struct cs_scenario *sc = &r->scenario;
    const uint64_t *c = r->coord;
    const struct cs_histogram *l = &r->latency;
    fprintf(out, "# clustersim %s  scenario \"%s\"\n", CS_VERSION, sc->name);
    incomplete_line(r, out);
    char roles[160];
    topology_line(r, roles, sizeof(roles));
    if (sc->run.engine == CS_ENGINE_VIRTUAL)
        fprintf(out, "# virtual time: %s, in one process (no MPI)\n", roles);
    else
        fprintf(out, "# %d ranks: %s on %d host%s; %s\n", r->ranks, roles, r->host_count, r->host_count == 1 ? "" : "s",
                r->library);
    if (r->oversubscribed)
        fprintf(out, "# warning: %d ranks share %d cores on one host; numbers then measure that host's CPU too\n",
                r->worst_host_ranks, r->worst_host_cores);
    char measured[32], warm[32];
    fprintf(out, "%-18s %12.1f req/s   %s arrivals, %s s measured after %s s warm-up\n", "offered load", r->offered_rps,
            cs_arrival_kinds[sc->load.arrival].name, seconds(r->duration_s, measured),
            seconds(sc->load.warmup_s, warm));
    fprintf(out, "%-18s %12.1f req/s   model capacity %.1f req/s\n", "throughput", r->throughput_rps, r->capacity_rps);
    fprintf(out, "%-18s generated %llu  completed %llu  rejected %llu  timed out %llu  failed %llu  lost %llu\n",
            "requests", (unsigned long long)c[CS_C_GENERATED], (unsigned long long)c[CS_C_COMPLETED],
            (unsigned long long)c[CS_C_REJECTED], (unsigned long long)c[CS_C_TIMED_OUT],
            (unsigned long long)c[CS_C_FAILED], (unsigned long long)r->lost);
    second_tries_line(r, out);
    fprintf(out, "%-18s %10s %10s %10s %10s %10s %10s\n", "latency (us)", "mean", "p50", "p90", "p99", "p99.9", "max");
    fprintf(out, "%-18s %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f\n", "  from arrival", cs_hist_mean(l) / 1e3,
            us(cs_hist_percentile(l, 50)), us(cs_hist_percentile(l, 90)), us(cs_hist_percentile(l, 99)),
            us(cs_hist_percentile(l, 99.9)), l->total ? us(l->max) : 0.0);
    fprintf(out, "%-18s %10.1f %10s %10s %10.1f\n", "  at coordinator", cs_hist_mean(&r->dispatch_wait) / 1e3, "", "",
            us(cs_hist_percentile(&r->dispatch_wait, 99)));
    fprintf(out, "%-18s %10.1f %10s %10s %10.1f\n", "  queue at node", cs_hist_mean(&r->queue_wait) / 1e3, "", "",
            us(cs_hist_percentile(&r->queue_wait, 99)));
    fprintf(out, "%-18s %10.1f %10s %10s %10.1f   (%.2fx requested)\n", "  service", cs_hist_mean(&r->service) / 1e3,
            "", "", us(cs_hist_percentile(&r->service, 99)), r->service_inflation);
    if (r->handoffs > 0)
        fprintf(out, "%-18s %10.1f us idle before each of %llu requests that waited for their node\n", "  handoff",
                r->handoff_mean_us, (unsigned long long)r->handoffs);
    outlived_line(r, out);
    char per[32];
    fprintf(out, "%-18s busy %5.1f%%   %s us per request   queue peak %llu\n",
            r->dispatchers > 1 ? "dispatchers (mean)" : "coordinator", 100 * r->coordinator_utilization,
            ratio(r->coordinator_per_request_us, 2, per, sizeof(per)), (unsigned long long)c[CS_C_PENDING_MAX]);
    for (int i = 0; r->dispatchers > 1 && i < r->dispatchers; i++) {
        const struct cs_dispatcher_result *d = &r->dispatcher[i];
        fprintf(out, "%-18s rank %-4d generated %-9llu completed %-9llu busy %5.1f%%\n", "", d->rank,
                (unsigned long long)d->generated, (unsigned long long)d->completed, 100 * d->utilization);
    }
    for (int i = 0; i < r->relays; i++) {
        const struct cs_relay_result *x = &r->relay[i];
        fprintf(out, "%-18s rank %-4d nodes %d-%d  forwarded %-9llu busy %5.1f%%   %s us per request\n",
                i == 0 ? "relays" : "", x->rank, x->first_node + cs_first_node(sc),
                x->first_node + cs_first_node(sc) + x->nodes - 1, (unsigned long long)x->counters[CS_R_FORWARDED],
                100 * x->utilization, ratio(x->per_request_us, 2, per, sizeof(per)));
    }
    char each[2][32];
    if (sc->dispatch.batch > 1 || sc->dispatch.message_cost_us > 0)
        fprintf(out, "%-18s sent %llu (%s requests each), took %llu (%s replies each)\n", "  messages",
                (unsigned long long)c[CS_C_MESSAGES_SENT], ratio(r->requests_per_message, 1, each[0], sizeof(each[0])),
                (unsigned long long)c[CS_C_MESSAGES_RECEIVED],
                ratio(r->replies_per_message, 1, each[1], sizeof(each[1])));
    if (c[CS_C_IDLE_TOKENS] > 0)
        fprintf(out, "%-18s %llu taken (%llu redundant): a node said a server of its was idle (jiq)\n", "  idle tokens",
                (unsigned long long)c[CS_C_IDLE_TOKENS], (unsigned long long)c[CS_C_IDLE_REDUNDANT]);
    if (r->pauses > 0)
        fprintf(out,
                "%-18s %llu waits overran by over %.0f ms, the longest %.1f ms (rank %d): the host paused these "
                "ranks, and timings of that size measure the host, not the design\n",
                "host pauses", (unsigned long long)r->pauses, CS_PAUSE_NS / 1e6, r->pause_max_ms, r->pause_rank);
    nodes_table(r, out);
    const struct cs_overload *ov = &r->overload;
    if (ov->episodes > 0) {
        fprintf(out,
                "%-18s %.1f-%.1f s (%.1f s): up to %.0f req/s%s for a capacity of %.0f; queue peak %d, p99 peak "
                "%.1f ms",
                "overload", ov->from_s, ov->to_s, ov->overloaded_s, ov->peak_offered_rps,
                r->dispatchers > 1 ? " at dispatcher rank 0" : "", ov->capacity_rps, ov->pending_peak,
                ov->p99_peak_us / 1e3);
        if (ov->rejected > 0)
            fprintf(out, "; %llu turned away", (unsigned long long)ov->rejected);
        fputc('\n', out);
    }
    for (int i = 0; i < r->health_n; i++)
        fprintf(out, "health: service node rank %d %s at %.2f s\n", r->health[i].rank,
                r->health[i].up ? "answered a probe and is up again" : "marked down (timeouts in a row)",
                r->health[i].at_s);
    theory_line(r, out);
    fprintf(out, "bottleneck: %s: %s\n", cs_bottleneck_names[r->bottleneck], r->reason);
    if (r->lever[0])
        fprintf(out, "lever: %s\n", r->lever);
}

void cs_calibration_table(const struct cs_scenario *sc, const struct cs_calibration *k, const struct cs_results *r,
                          FILE *out)
{
    double trips = k->round_trips_per_s;
    double own = r->coordinator_per_request_us, per = own + sc->dispatch.cost_us;
    /* A node as the virtual run with this file would model it: its speed
     * and servers, and the overhead measured here (cs_node_rps). */
    int first = cs_first_node(sc);
    double servers = cs_node_servers(sc, first), speed = cs_node_speed(sc, first), ovh = k->node_overhead_us;
    fprintf(out, "# clustersim %s calibration on %s (%d ranks, %d cores on this host); %s\n", CS_VERSION,
            r->rank_info[0].host, r->ranks, r->rank_info[0].host_cores, r->library);
    fprintf(out, "raw MPI round trips (rank 0 <-> 1)   %12.0f per second (%.2f us each)\n", trips, 1e6 / trips);
    fprintf(out, "coordinator's own cost per request   %12.3f us (%.0f req/s flat out, %d service nodes)\n", own,
            r->throughput_rps, r->service_nodes);
    fprintf(out, "a node's overhead per request        %12.3f us beyond the service asked for (half load)\n",
            k->node_overhead_us);
    fprintf(out, "with dispatch.cost_us = %-10g   %12.3f us per request: a ceiling of %.0f req/s\n",
            sc->dispatch.cost_us, per, 1e6 / per);
    fprintf(
        out,
        "knee for this scenario (service %g us + %.1f us overhead, %g server%s, at %.3f us)  at %.1f service nodes\n",
        sc->service.time.mean_us, ovh, servers, servers == 1 ? "" : "s", per,
        1e6 / per / cs_node_rps(servers, speed, sc->service.time.mean_us, ovh));
    fprintf(out, "%-36s %12s\n", "knee for other mean service times", "nodes");
    const double times[] = {100, 1000, 10000, 100000};
    for (size_t i = 0; i < CS_ARRAY_LEN(times); i++)
        fprintf(out, "  %8.0f us%25s %12.1f\n", times[i], "", 1e6 / per / cs_node_rps(servers, speed, times[i], ovh));
    if (r->oversubscribed)
        fprintf(out, "note: %d ranks share %d cores; on a real cluster the coordinator has a core of its own\n",
                r->worst_host_ranks, r->worst_host_cores);
}

static const char *sweep_csv_header =
    "nodes,offered_rps,throughput_rps,p50_us,p99_us,coordinator_utilization,node_utilization_mean,bottleneck,"
    "mean_us,coordinator_per_request_us,service_inflation,speedup,efficiency,dispatchers,batch,relays,"
    "relay_utilization,relay_per_request_us,step,ended\n";

/* A CSV field: a number with prec decimals (beyond 1e15, in %g: at most
 * 24 characters either way), or nothing when it is not finite (a
 * coordinator's cost per request with no request served), then sep. */
static size_t csv_num(char *out, size_t room, double v, int prec, char sep)
{
    if (!isfinite(v))
        return (size_t)snprintf(out, room, "%c", sep);
    return (size_t)(fabs(v) < 1e15 ? snprintf(out, room, "%.*f%c", prec, v, sep)
                                   : snprintf(out, room, "%.6g%c", v, sep));
}

char *cs_sweep_csv(const struct cs_results *r, const struct cs_sweep_row *rows, int count)
{
    /* a row: 13 numbers of at most 25 characters with their commas, a
     * bottleneck's name, 5 ints */
    size_t cap = strlen(sweep_csv_header) + (size_t)count * (512 + 2 * sizeof(r->ended) + 4) + 1;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t used = (size_t)snprintf(out, cap, "%s", sweep_csv_header);
    for (int i = 0; i < count; i++) {
        const struct cs_sweep_row *w = &rows[i];
        int j;
        const struct cs_scaling *a = r->sweep_n > 0 ? row_scaling(r, i, &j) : NULL;
        const double head[] = {w->offered_rps, w->throughput_rps,          w->p50_us,
                               w->p99_us,      w->coordinator_utilization, w->node_utilization_mean};
        const int head_prec[] = {1, 1, 1, 1, 4, 4};
        used += (size_t)snprintf(out + used, cap - used, "%d,", w->nodes);
        for (size_t k = 0; k < CS_ARRAY_LEN(head); k++)
            used += csv_num(out + used, cap - used, head[k], head_prec[k], ',');
        used += (size_t)snprintf(out + used, cap - used, "%s,", cs_bottleneck_names[w->bottleneck]);
        used += csv_num(out + used, cap - used, w->mean_us, 1, ',');
        used += csv_num(out + used, cap - used, w->coordinator_per_request_us, 3, ',');
        used += csv_num(out + used, cap - used, w->service_inflation, 4, ',');
        used += csv_num(out + used, cap - used, a ? a->speedup[j] : NAN, 4, ',');
        used += csv_num(out + used, cap - used, a ? a->efficiency[j] : NAN, 4, ',');
        used += (size_t)snprintf(out + used, cap - used, "%d,%d,%d,", w->dispatchers, w->batch, w->relays);
        used += csv_num(out + used, cap - used, w->relays > 0 ? w->relay_utilization : NAN, 4, ',');
        used += csv_num(out + used, cap - used, w->relays > 0 ? w->relay_per_request_us : NAN, 3, ',');
        /* its place in the sweep's plan (a checkpoint's rows have gaps);
         * none for a single run */
        used += (size_t)(w->step > 0 ? snprintf(out + used, cap - used, "%d,", w->step)
                                     : snprintf(out + used, cap - used, ","));
        /* a file that does not hold the whole run or sweep says why on
         * every row, as the JSON's "ended" (quoted, its quotes doubled) */
        if (r->ended[0]) {
            out[used++] = '"';
            for (const char *c = r->ended; *c; c++) {
                if (*c == '"')
                    out[used++] = '"';
                out[used++] = *c;
            }
            out[used++] = '"';
        }
        out[used++] = '\n';
        out[used] = '\0';
    }
    return out;
}

void cs_timeseries_header(FILE *out, bool json)
{
    if (!json)
        fprintf(out, "t_s,offered_rps,completed_rps,rejected_rps,timed_out_rps,failed_rps,p50_us,p99_us,in_flight,"
                     "pending,"
                     "coordinator_utilization\n");
    fflush(out);
}

void cs_timeseries_row(FILE *out, bool json, const struct cs_interval_row *w)
{
    if (json) {
        /* Rounded as the CSV is: 1 ms, 0.1 req/s and us, 0.01% busy. */
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "t_s", round(w->t_s * 1e3) / 1e3);
        const struct {
            const char *k;
            double v;
        } tenths[] = {{"offered_rps", w->offered_rps},
                      {"completed_rps", w->completed_rps},
                      {"rejected_rps", w->rejected_rps},
                      {"timed_out_rps", w->timed_out_rps},
                      {"failed_rps", w->failed_rps},
                      {"p50_us", w->p50_us},
                      {"p99_us", w->p99_us}};
        for (size_t i = 0; i < CS_ARRAY_LEN(tenths); i++)
            cJSON_AddNumberToObject(o, tenths[i].k, round(tenths[i].v * 10) / 10);
        cJSON_AddNumberToObject(o, "in_flight", w->in_flight);
        cJSON_AddNumberToObject(o, "pending", w->pending);
        cJSON_AddNumberToObject(o, "coordinator_utilization", round(w->coordinator_utilization * 1e4) / 1e4);
        char *line = o ? cJSON_PrintUnformatted(o) : NULL;
        if (line)
            fprintf(out, "%s\n", line);
        cJSON_free(line);
        cJSON_Delete(o);
    } else {
        fprintf(out, "%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%d,%d,%.4f\n", w->t_s, w->offered_rps, w->completed_rps,
                w->rejected_rps, w->timed_out_rps, w->failed_rps, w->p50_us, w->p99_us, w->in_flight, w->pending,
                w->coordinator_utilization);
    }
    fflush(out);
}
