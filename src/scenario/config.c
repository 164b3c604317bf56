/*
 * Scenario parsing and validation: the only module that reads scenario
 * JSON. Every key is a row in key_table (path, type, bounds, default,
 * target field); parsing, defaults, --set overrides, the printed
 * effective scenario and the comparison of two scenarios all come from
 * that table. This module does not know about MPI or about what a
 * scenario means for a run (scenario.c does).
 */
#include "cs/config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cs/arrival.h"
#include "cs/common.h"
#include "cs/fileio.h"
#include "cs/jsontext.h"
#include "cs/policy.h"
#include "cs/transport.h"

/* The embedded default scenario: every key at its default (key_table),
 * with a name and a description. */
const char cs_default_scenario_json[] =
    "{\n"
    "  \"name\": \"default\",\n"
    "  \"description\": \"Poisson arrivals at 70% of the service nodes' capacity, exponential 1 ms "
    "service, round-robin dispatch: scale-out below the knee.\"\n"
    "}\n";

enum key_type {
    K_BOOL,
    K_DOUBLE,
    K_INT,
    K_SEED,
    K_ENUM,
    K_STRING,
    K_DIST,
    K_PER_NODE,
    K_SCHEDULE,
    K_FAULTS,
    K_INT_LIST,
    K_DOUBLE_LIST
};

struct key {
    const char *path;
    enum key_type type;
    size_t offset;
    double min, max;                 /* inclusive bounds for numbers; max length for strings */
    bool min_open;                   /* min itself is not allowed */
    bool nullable;                   /* JSON null means "unset" (stored as NAN) */
    double def;                      /* default for numbers (a distribution's mean) */
    const char *sdef;                /* default for strings and enums (a distribution's kind) */
    const char *(*enum_name)(int i); /* K_ENUM: name of value i, NULL past the end */
};

/* Names of the enumerated values, from the tables that define them. */
static const char *const service_mode_names[] = {[CS_MODE_SLEEP] = "sleep", [CS_MODE_SPIN] = "spin"};
static const char *const cost_mode_names[] = {[CS_COST_SPIN] = "spin", [CS_COST_SLEEP] = "sleep"};
static const char *const partition_names[] = {[CS_PARTITION_SHARED] = "shared", [CS_PARTITION_SHARDED] = "sharded"};
static const char *const sweep_mode_names[] = {
    [CS_SWEEP_SATURATE] = "saturate", [CS_SWEEP_STRONG] = "strong", [CS_SWEEP_WEAK] = "weak"};
static const char *const engine_names[] = {[CS_ENGINE_MPI] = "mpi", [CS_ENGINE_VIRTUAL] = "virtual"};
static const char *const fault_kind_names[] = {
    [CS_FAULT_SLOW] = "slow", [CS_FAULT_STOP] = "stop", [CS_FAULT_RECOVER] = "recover"};

static const char *arrival_name(int i)
{
    return i < cs_arrival_kind_count ? cs_arrival_kinds[i].name : NULL;
}
static const char *policy_name(int i)
{
    return i < cs_policy_count ? cs_policies[i].name : NULL;
}
static const char *mode_name(int i)
{
    return i < (int)CS_ARRAY_LEN(service_mode_names) ? service_mode_names[i] : NULL;
}
static const char *cost_mode_name(int i)
{
    return i < (int)CS_ARRAY_LEN(cost_mode_names) ? cost_mode_names[i] : NULL;
}
static const char *partition_name(int i)
{
    return i < (int)CS_ARRAY_LEN(partition_names) ? partition_names[i] : NULL;
}
static const char *sweep_mode_name(int i)
{
    return i < (int)CS_ARRAY_LEN(sweep_mode_names) ? sweep_mode_names[i] : NULL;
}
static const char *engine_name(int i)
{
    return i < (int)CS_ARRAY_LEN(engine_names) ? engine_names[i] : NULL;
}
static const char *fault_kind_name(int i)
{
    return i < (int)CS_ARRAY_LEN(fault_kind_names) ? fault_kind_names[i] : NULL;
}
static const char *dist_name(int i)
{
    return i < cs_dist_kind_count ? cs_dist_kinds[i].name : NULL;
}

/* "a, b, c": the names name(0), name(1), ... */
static void name_list(const char *(*name)(int i), char *buf, size_t len)
{
    buf[0] = '\0';
    for (int j = 0; name(j); j++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", j ? ", " : "", name(j));
    }
}

#define OFF(field) offsetof(struct cs_scenario, field)

static const struct key key_table[] = {
    {"name", K_STRING, OFF(name), 0, CS_NAME_MAX - 1, false, false, 0, "default", NULL},
    {"description", K_STRING, OFF(description), 0, CS_TEXT_MAX - 1, false, false, 0, "", NULL},
    {"load.arrival", K_ENUM, OFF(load.arrival), 0, 0, false, false, 0, "poisson", arrival_name},
    {"load.rate_rps", K_DOUBLE, OFF(load.rate_rps), 0, 1e10, false, true, NAN, NULL, NULL},
    {"load.utilization", K_DOUBLE, OFF(load.utilization), 0, 10, false, false, 0.7, NULL, NULL},
    {"load.duration_s", K_DOUBLE, OFF(load.duration_s), 0, 604800, true, false, 8, NULL, NULL},
    {"load.warmup_s", K_DOUBLE, OFF(load.warmup_s), 0, 3600, false, false, 1, NULL, NULL},
    {"load.seed", K_SEED, OFF(load.seed), 0, 9007199254740991.0, false, false, 1, NULL, NULL},
    {"load.clients", K_INT, OFF(load.clients), 1, CS_CLIENTS_MAX, false, false, CS_CLIENTS_DEFAULT, NULL, NULL},
    {"load.think_us", K_DIST, OFF(load.think), 0, 0, false, false, 0, "constant", NULL},
    {"load.schedule", K_SCHEDULE, OFF(load.schedule), 0, 1e10, false, false, 0, NULL, NULL},
    {"load.trace", K_STRING, OFF(load.trace), 0, CS_PATH_MAX - 1, false, false, 0, "", NULL},
    {"service.time", K_DIST, OFF(service.time), 0, 0, false, false, 1000, "exponential", NULL},
    {"service.mode", K_ENUM, OFF(service.mode), 0, 0, false, false, 0, "sleep", mode_name},
    {"service.servers", K_INT, OFF(service.servers), 1, 1024, false, false, 1, NULL, NULL},
    {"dispatch.policy", K_ENUM, OFF(dispatch.policy), 0, 0, false, false, 0, "round_robin", policy_name},
    {"dispatch.cost_us", K_DOUBLE, OFF(dispatch.cost_us), 0, 1e6, false, false, 0, NULL, NULL},
    {"dispatch.message_cost_us", K_DOUBLE, OFF(dispatch.message_cost_us), 0, 1e6, false, false, 0, NULL, NULL},
    {"dispatch.cost_mode", K_ENUM, OFF(dispatch.cost_mode), 0, 0, false, false, 0, "spin", cost_mode_name},
    {"dispatch.batch", K_INT, OFF(dispatch.batch), 1, CS_BATCH_MAX, false, false, 1, NULL, NULL},
    {"dispatch.batch_wait_us", K_DOUBLE, OFF(dispatch.batch_wait_us), 0, 1e7, false, false, 0, NULL, NULL},
    {"dispatch.dispatchers", K_INT, OFF(dispatch.dispatchers), 1, CS_DISPATCHERS_MAX, false, false, 1, NULL, NULL},
    {"dispatch.relays", K_INT, OFF(dispatch.relays), 0, CS_DISPATCHERS_MAX, false, false, 0, NULL, NULL},
    {"dispatch.partition", K_ENUM, OFF(dispatch.partition), 0, 0, false, false, 0, "shared", partition_name},
    {"dispatch.window", K_INT, OFF(dispatch.window), 1, 1000000, false, false, 128, NULL, NULL},
    {"dispatch.max_pending", K_INT, OFF(dispatch.max_pending), 0, 10000000, false, false, 10000, NULL, NULL},
    {"dispatch.d", K_INT, OFF(dispatch.d), 1, 1024, false, false, 2, NULL, NULL},
    {"dispatch.prefetch", K_INT, OFF(dispatch.prefetch), 1, 1024, false, false, 1, NULL, NULL},
    {"dispatch.down_after", K_INT, OFF(dispatch.down_after), 0, 1000000, false, false, 0, NULL, NULL},
    {"dispatch.probe_ms", K_DOUBLE, OFF(dispatch.probe_ms), 1, 3600000, false, false, 500, NULL, NULL},
    {"dispatch.timeout_ms", K_DOUBLE, OFF(dispatch.timeout_ms), 0, 3600000, false, false, 0, NULL, NULL},
    {"dispatch.retries", K_INT, OFF(dispatch.retries), 0, 100, false, false, 0, NULL, NULL},
    {"dispatch.retry_budget", K_DOUBLE, OFF(dispatch.retry_budget), 0, 100, false, false, 0.1, NULL, NULL},
    {"dispatch.hedge_after_us", K_DOUBLE, OFF(dispatch.hedge_after_us), 0, 3.6e9, false, false, 0, NULL, NULL},
    {"dispatch.hedge_percentile", K_DOUBLE, OFF(dispatch.hedge_percentile), 0, 99.99, false, false, 0, NULL, NULL},
    {"dispatch.hedge_budget", K_DOUBLE, OFF(dispatch.hedge_budget), 0, 1, false, false, 0.1, NULL, NULL},
    {"nodes.speed", K_PER_NODE, OFF(nodes.speed), 0, 1000, true, false, 1, NULL, NULL},
    {"nodes.servers", K_PER_NODE, OFF(nodes.servers), 0, 1024, true, true, NAN, NULL, NULL},
    {"nodes.queue_capacity", K_INT, OFF(nodes.queue_capacity), 0, 10000000, false, false, 0, NULL, NULL},
    {"run.drain_timeout_s", K_DOUBLE, OFF(run.drain_timeout_s), 0, 3600, true, false, 30, NULL, NULL},
    {"run.idle_poll_us", K_DOUBLE, OFF(run.idle_poll_us), 1, 100000, false, false, 50, NULL, NULL},
    {"run.interval_ms", K_DOUBLE, OFF(run.interval_ms), 1, 3600000, false, false, 500, NULL, NULL},
    {"run.checkpoint_s", K_DOUBLE, OFF(run.checkpoint_s), 0, 86400, false, false, 2, NULL, NULL},
    {"run.stop_grace_s", K_DOUBLE, OFF(run.stop_grace_s), 0, 3600, false, false, 0.5, NULL, NULL},
    {"run.engine", K_ENUM, OFF(run.engine), 0, 0, false, false, 0, "mpi", engine_name},
    {"run.nodes", K_INT, OFF(run.nodes), 0, CS_VIRTUAL_NODES_MAX, false, false, 0, NULL, NULL},
    {"network.latency_us", K_DOUBLE, OFF(network.latency_us), 0, 1e6, false, false, 0, NULL, NULL},
    {"model.coordinator_request_us", K_DOUBLE, OFF(model.coordinator_request_us), 0, 1e6, false, false, 0, NULL, NULL},
    {"model.coordinator_message_us", K_DOUBLE, OFF(model.coordinator_message_us), 0, 1e6, false, false, 0, NULL, NULL},
    {"model.node_overhead_us", K_DOUBLE, OFF(model.node_overhead_us), 0, 1e6, false, false, 0, NULL, NULL},
    {"faults", K_FAULTS, OFF(faults), 0, 0, false, false, 0, NULL, NULL},
    {"sweep.enabled", K_BOOL, OFF(sweep.enabled), 0, 0, false, false, 0, NULL, NULL},
    {"sweep.nodes", K_INT_LIST, OFF(sweep.nodes), 1, CS_VIRTUAL_NODES_MAX, false, true, 0, NULL, NULL},
    {"sweep.mode", K_ENUM, OFF(sweep.mode), 0, 0, false, false, 0, "saturate", sweep_mode_name},
    {"sweep.rates_rps", K_DOUBLE_LIST, OFF(sweep.rates_rps), 0, 1e10, false, true, 0, NULL, NULL},
    {"sweep.clients_per_server", K_INT, OFF(sweep.clients_per_server), 1, 1000, false, false, 4, NULL, NULL},
    {"sweep.dispatchers", K_INT_LIST, OFF(sweep.dispatchers), 1, CS_DISPATCHERS_MAX, false, true, 0, NULL, NULL},
    {"sweep.batch", K_INT_LIST, OFF(sweep.batch), 1, CS_BATCH_MAX, false, true, 0, NULL, NULL},
    {"sweep.relays", K_INT_LIST, OFF(sweep.relays), 0, CS_DISPATCHERS_MAX, false, true, 0, NULL, NULL},
};

/* Keys of a distribution object (service.time and load.think_us). */
static const char *const dist_keys[] = {"dist", "mean_us", "cv"};
#define DIST_MEAN_MAX_US 1e9 /* 1000 s */

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void *field(struct cs_scenario *s, const struct key *k)
{
    return (char *)s + k->offset;
}

static const void *cfield(const struct cs_scenario *s, const struct key *k)
{
    return (const char *)s + k->offset;
}

/* x in the fewest digits that read back as x (15, else 17): a value and a
 * bound that differ never print the same (2^53 and 2^53 - 1 did). */
static const char *exact(double x, char *buf, size_t len)
{
    snprintf(buf, len, "%.15g", x);
    if (strtod(buf, NULL) != x)
        snprintf(buf, len, "%.17g", x);
    return buf;
}

/* Nanoseconds in the unit a key's name ends with (_s, _ms, _us); 0 when
 * it is no time. */
static double time_unit_ns(const char *path)
{
    static const struct {
        const char *suffix;
        double ns;
    } units[] = {{"_s", 1e9}, {"_ms", 1e6}, {"_us", 1e3}};
    size_t n = strlen(path);
    for (size_t i = 0; i < CS_ARRAY_LEN(units); i++) {
        size_t m = strlen(units[i].suffix);
        if (n > m && strcmp(path + n - m, units[i].suffix) == 0)
            return units[i].ns;
    }
    return 0;
}

static int check_number(const struct key *k, const char *path, const cJSON *v, double *out, char *err, size_t errlen)
{
    char shown[80];
    if (!cJSON_IsNumber(v)) {
        fail(err, errlen, "scenario key '%s': expected a number, got %s", path, cs_json_got(v, shown, sizeof(shown)));
        return CS_E_INVALID;
    }
    cs_json_describe(v, shown, sizeof(shown));
    double x = v->valuedouble;
    if (!isfinite(x)) {
        fail(err, errlen, "scenario key '%s': the number is %s, too large to represent (must be %s %g and <= %g)", path,
             shown, k->min_open ? ">" : ">=", k->min, k->max);
        return CS_E_INVALID;
    }
    bool int_type = k->type == K_INT || k->type == K_SEED;
    if (x < k->min || (k->min_open && x <= k->min) || x > k->max) {
        char lo[32], hi[32], at[32];
        fail(err, errlen, "scenario key '%s': value %s is out of range (must be %s %s and <= %s)", path,
             exact(x, at, sizeof(at)), k->min_open ? ">" : ">=", exact(k->min, lo, sizeof(lo)),
             exact(k->max, hi, sizeof(hi)));
        return CS_E_INVALID;
    }
    if (int_type && x != floor(x)) {
        fail(err, errlen, "scenario key '%s': expected a whole number, got %s", path, shown);
        return CS_E_INVALID;
    }
    /* A time the engines would round to no time at all: a timeout of
     * 1e-7 ms was none, a duration of 1e-12 s a window of 0 ns. */
    double ns = k->type == K_DOUBLE ? time_unit_ns(path) : 0;
    if (ns > 0 && x > 0 && x * ns < 1) {
        char at[32], least[32];
        fail(err, errlen,
             "scenario key '%s': value %s is less than a nanosecond, the engines' resolution (give at least %s%s)",
             path, exact(x, at, sizeof(at)), exact(1 / ns, least, sizeof(least)),
             k->min == 0 && !k->min_open ? ", or 0" : "");
        return CS_E_INVALID;
    }
    *out = x;
    return CS_OK;
}

/* An object's names are each given once (parse_object's sections and
 * keys, a distribution, per-node overrides, a fault). */
static int each_once(const cJSON *obj, const char *path, char *err, size_t errlen)
{
    const char *twice = cs_json_repeated(obj);
    if (twice) {
        fail(err, errlen, "scenario key '%s%s%s': given twice", path, path[0] ? "." : "", twice);
        return CS_E_INVALID;
    }
    return CS_OK;
}

static int parse_dist(struct cs_dist *d, const char *path, const cJSON *v, char *err, size_t errlen)
{
    char shown[80];
    if (!cJSON_IsObject(v)) {
        fail(err, errlen,
             "scenario key '%s': expected a distribution object such as "
             "{\"dist\": \"exponential\", \"mean_us\": 1000}, got %s",
             path, cs_json_got(v, shown, sizeof(shown)));
        return CS_E_INVALID;
    }
    if (each_once(v, path, err, errlen))
        return CS_E_INVALID;
    const cJSON *c;
    cJSON_ArrayForEach (c, v) {
        bool known = false;
        for (size_t i = 0; i < CS_ARRAY_LEN(dist_keys); i++)
            known |= strcmp(c->string, dist_keys[i]) == 0;
        if (!known) {
            fail(err, errlen, "scenario key '%s.%s': unknown key (a distribution has: dist, mean_us, cv)", path,
                 c->string);
            return CS_E_INVALID;
        }
    }
    const cJSON *dist = cJSON_GetObjectItemCaseSensitive(v, "dist");
    const cJSON *mean = cJSON_GetObjectItemCaseSensitive(v, "mean_us");
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(v, "cv");
    if (dist) {
        int kind = cJSON_IsString(dist) ? cs_dist_find(dist->valuestring) : -1;
        if (kind < 0) {
            cs_json_describe(dist, shown, sizeof(shown));
            fail(err, errlen,
                 "scenario key '%s.dist': unknown distribution %s (one of: constant, exponential, "
                 "uniform, lognormal)",
                 path, shown);
            return CS_E_INVALID;
        }
        d->kind = kind;
        d->cv = cs_dist_kinds[kind].default_cv;
    }
    char sub[128];
    if (mean) {
        struct key k = {.type = K_DOUBLE, .min = 0, .max = DIST_MEAN_MAX_US};
        snprintf(sub, sizeof(sub), "%s.mean_us", path);
        if (check_number(&k, sub, mean, &d->mean_us, err, errlen))
            return CS_E_INVALID;
    }
    const struct cs_dist_kind *dk = &cs_dist_kinds[d->kind];
    if (cv) {
        snprintf(sub, sizeof(sub), "%s.cv", path);
        if (!dk->has_cv) {
            cs_json_describe(cv, shown, sizeof(shown));
            fail(err, errlen,
                 "scenario key '%s': the %s distribution has no cv (got %s); only uniform and "
                 "lognormal take one",
                 sub, dk->name, shown);
            return CS_E_INVALID;
        }
        struct key k = {.type = K_DOUBLE, .min = 0, .max = dk->max_cv};
        if (check_number(&k, sub, cv, &d->cv, err, errlen))
            return CS_E_INVALID;
    }
    return CS_OK;
}

/* The count that sits just before a list's array in the struct. */
static int *list_count(struct cs_scenario *s, const struct key *k)
{
    if (k->offset == OFF(sweep.nodes))
        return &s->sweep.nodes_n;
    if (k->offset == OFF(sweep.dispatchers))
        return &s->sweep.dispatchers_n;
    if (k->offset == OFF(sweep.batch))
        return &s->sweep.batch_n;
    if (k->offset == OFF(sweep.relays))
        return &s->sweep.relays_n;
    return &s->sweep.rates_n;
}

static int list_max(const struct key *k)
{
    return k->offset == OFF(sweep.dispatchers) || k->offset == OFF(sweep.batch) || k->offset == OFF(sweep.relays)
               ? CS_LEVER_MAX
               : CS_SWEEP_MAX;
}

/* A list of numbers ([1, 2, 4]); null or [] is the empty list. */
static int parse_list(struct cs_scenario *s, const struct key *k, const cJSON *v, char *err, size_t errlen)
{
    char sub[160], shown[80];
    int *count = list_count(s, k);
    *count = 0;
    if (cJSON_IsNull(v))
        return CS_OK;
    if (!cJSON_IsArray(v)) {
        cs_json_describe(v, shown, sizeof(shown));
        fail(err, errlen, "scenario key '%s': expected a list of numbers such as [1, 2, 4], got %s %s", k->path,
             cs_json_type_word(v), shown);
        return CS_E_INVALID;
    }
    if (cJSON_GetArraySize(v) > list_max(k)) {
        fail(err, errlen, "scenario key '%s': more than %d entries", k->path, list_max(k));
        return CS_E_INVALID;
    }
    struct key item = *k;
    item.type = k->type == K_INT_LIST ? K_INT : K_DOUBLE;
    const cJSON *c;
    cJSON_ArrayForEach (c, v) {
        double x;
        snprintf(sub, sizeof(sub), "%s[%d]", k->path, *count);
        if (check_number(&item, sub, c, &x, err, errlen))
            return CS_E_INVALID;
        if (k->type == K_INT_LIST)
            ((int *)field(s, k))[*count] = (int)x;
        else
            ((double *)field(s, k))[*count] = x;
        (*count)++;
    }
    return CS_OK;
}

/* A number, a list of numbers, or {"default": n, "<rank>": n, ...}. */
static int parse_per_node(struct cs_per_node *p, const struct key *k, const cJSON *v, char *err, size_t errlen)
{
    char sub[160], shown[80];
    const cJSON *c;
    p->n = 0;
    p->is_list = false;
    if (k->nullable && cJSON_IsNull(v)) {
        p->all = NAN;
        return CS_OK;
    }
    if (cJSON_IsNumber(v))
        return check_number(k, k->path, v, &p->all, err, errlen);
    if (cJSON_IsArray(v)) {
        p->is_list = true;
        int i = 0;
        cJSON_ArrayForEach (c, v) {
            if (i == CS_PER_NODE_MAX) {
                fail(err, errlen, "scenario key '%s': more than %d entries", k->path, CS_PER_NODE_MAX);
                return CS_E_INVALID;
            }
            snprintf(sub, sizeof(sub), "%s[%d]", k->path, i);
            if (check_number(k, sub, c, &p->at[i].value, err, errlen))
                return CS_E_INVALID;
            p->at[i].rank = i + 1;
            p->n = ++i;
        }
        if (p->n == 0) {
            fail(err, errlen, "scenario key '%s': an empty list (give one entry per service node)", k->path);
            return CS_E_INVALID;
        }
        return CS_OK;
    }
    if (cJSON_IsObject(v)) {
        if (each_once(v, k->path, err, errlen))
            return CS_E_INVALID;
        cJSON_ArrayForEach (c, v) {
            snprintf(sub, sizeof(sub), "%s.%s", k->path, c->string);
            if (strcmp(c->string, "default") == 0) {
                if (check_number(k, sub, c, &p->all, err, errlen))
                    return CS_E_INVALID;
                continue;
            }
            char *end;
            long rank = strtol(c->string, &end, 10);
            /* (digits alone: strtol takes " 3" and "+3" for 3 too) */
            if (!isdigit((unsigned char)c->string[0]) || *end != '\0' || rank < 1 || rank > 1000000) {
                fail(err, errlen, "scenario key '%s': expected \"default\" or a service node's rank (1, 2, ...)", sub);
                return CS_E_INVALID;
            }
            if (p->n == CS_PER_NODE_MAX) {
                fail(err, errlen, "scenario key '%s': more than %d overrides", k->path, CS_PER_NODE_MAX);
                return CS_E_INVALID;
            }
            for (int i = 0; i < p->n; i++)
                if (p->at[i].rank == rank) { /* "2" and "02" */
                    fail(err, errlen, "scenario key '%s': service node %ld given twice", sub, rank);
                    return CS_E_INVALID;
                }
            if (check_number(k, sub, c, &p->at[p->n].value, err, errlen))
                return CS_E_INVALID;
            p->at[p->n++].rank = (int)rank;
        }
        return CS_OK;
    }
    fail(err, errlen,
         "scenario key '%s': expected a number, a list with one number per service node, or "
         "overrides by rank such as {\"default\": 1, \"2\": 0.5}; got %s",
         k->path, cs_json_got(v, shown, sizeof(shown)));
    return CS_E_INVALID;
}

/* [{"at_s": 0, "rate_rps": 500}, ...], at_s increasing from 0. */
static int parse_schedule(struct cs_scenario *s, const struct key *k, const cJSON *v, char *err, size_t errlen)
{
    char sub[160], shown[80];
    if (cJSON_IsNull(v)) {
        s->load.schedule_n = 0;
        return CS_OK;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
        fail(err, errlen,
             "scenario key '%s': expected a non-empty list such as [{\"at_s\": 0, \"rate_rps\": 500}, "
             "{\"at_s\": 5, \"rate_rps\": 5000}], got %s",
             k->path, cs_json_got(v, shown, sizeof(shown)));
        return CS_E_INVALID;
    }
    if (cJSON_GetArraySize(v) > CS_SCHEDULE_MAX) {
        fail(err, errlen, "scenario key '%s': more than %d points", k->path, CS_SCHEDULE_MAX);
        return CS_E_INVALID;
    }
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach (c, v) {
        snprintf(sub, sizeof(sub), "%s[%d]", k->path, i);
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(c, "at_s");
        const cJSON *rate = cJSON_GetObjectItemCaseSensitive(c, "rate_rps");
        if (!cJSON_IsObject(c) || !at || !rate || cJSON_GetArraySize(c) != 2) {
            cs_json_describe(c, shown, sizeof(shown));
            fail(err, errlen, "scenario key '%s': expected {\"at_s\": seconds, \"rate_rps\": rate}, got %s", sub,
                 shown);
            return CS_E_INVALID;
        }
        struct key kt = {.type = K_DOUBLE, .min = 0, .max = 604800};
        struct key kr = {.type = K_DOUBLE, .min = 0, .max = k->max};
        char sub2[200];
        snprintf(sub2, sizeof(sub2), "%s.at_s", sub);
        if (check_number(&kt, sub2, at, &s->load.schedule[i].at_s, err, errlen))
            return CS_E_INVALID;
        snprintf(sub2, sizeof(sub2), "%s.rate_rps", sub);
        if (check_number(&kr, sub2, rate, &s->load.schedule[i].rate_rps, err, errlen))
            return CS_E_INVALID;
        if (i == 0 && s->load.schedule[0].at_s != 0) {
            fail(err, errlen, "scenario key '%s.at_s': the first point must be at 0 s, got %g", sub,
                 s->load.schedule[0].at_s);
            return CS_E_INVALID;
        }
        if (i > 0 && s->load.schedule[i].at_s <= s->load.schedule[i - 1].at_s) {
            fail(err, errlen, "scenario key '%s.at_s': %g is not after the previous point (%g)", sub,
                 s->load.schedule[i].at_s, s->load.schedule[i - 1].at_s);
            return CS_E_INVALID;
        }
        i++;
    }
    s->load.schedule_n = i;
    return CS_OK;
}

/* [{"rank": 2, "at_s": 8, "kind": "stop"}, {"rank": 3, "at_s": 5, "kind": "slow", "factor": 10, "for_s": 4}] */
static int parse_faults(struct cs_scenario *s, const struct key *k, const cJSON *v, char *err, size_t errlen)
{
    char sub[160], shown[80];
    s->faults_n = 0;
    if (cJSON_IsNull(v))
        return CS_OK;
    if (!cJSON_IsArray(v)) {
        fail(err, errlen,
             "scenario key '%s': expected a list such as [{\"rank\": 2, \"at_s\": 5, \"kind\": \"stop\"}], got %s",
             k->path, cs_json_got(v, shown, sizeof(shown)));
        return CS_E_INVALID;
    }
    const cJSON *c;
    cJSON_ArrayForEach (c, v) {
        snprintf(sub, sizeof(sub), "%s[%d]", k->path, s->faults_n);
        if (s->faults_n == CS_FAULTS_MAX) {
            fail(err, errlen, "scenario key '%s': more than %d faults", k->path, CS_FAULTS_MAX);
            return CS_E_INVALID;
        }
        struct cs_fault *f = &s->faults[s->faults_n];
        *f = (struct cs_fault){.factor = 1};
        if (!cJSON_IsObject(c)) {
            fail(err, errlen, "scenario key '%s': expected an object, got %s", sub,
                 cs_json_got(c, shown, sizeof(shown)));
            return CS_E_INVALID;
        }
        if (each_once(c, sub, err, errlen))
            return CS_E_INVALID;
        const cJSON *e;
        cJSON_ArrayForEach (e, c) {
            char key[200];
            snprintf(key, sizeof(key), "%s.%s", sub, e->string);
            double x;
            struct key num = {.type = K_DOUBLE, .min = 0, .max = 604800};
            if (strcmp(e->string, "rank") == 0) {
                num = (struct key){.type = K_INT, .min = 1, .max = 1000000};
                if (check_number(&num, key, e, &x, err, errlen))
                    return CS_E_INVALID;
                f->rank = (int)x;
            } else if (strcmp(e->string, "at_s") == 0) {
                if (check_number(&num, key, e, &f->at_s, err, errlen))
                    return CS_E_INVALID;
            } else if (strcmp(e->string, "for_s") == 0) {
                num.min_open = true;
                if (check_number(&num, key, e, &f->for_s, err, errlen))
                    return CS_E_INVALID;
            } else if (strcmp(e->string, "factor") == 0) {
                num = (struct key){.type = K_DOUBLE, .min = 0, .min_open = true, .max = 1e6};
                if (check_number(&num, key, e, &f->factor, err, errlen))
                    return CS_E_INVALID;
            } else if (strcmp(e->string, "kind") == 0) {
                f->kind = -1;
                for (int j = 0; fault_kind_name(j) && cJSON_IsString(e); j++)
                    if (strcmp(e->valuestring, fault_kind_name(j)) == 0)
                        f->kind = j;
                if (f->kind < 0) {
                    char choices[128];
                    name_list(fault_kind_name, choices, sizeof(choices));
                    fail(err, errlen, "scenario key '%s': unknown value %s (one of: %s)", key,
                         cs_json_got(e, shown, sizeof(shown)), choices);
                    return CS_E_INVALID;
                }
            } else {
                fail(err, errlen, "scenario key '%s': unknown key (a fault has: rank, at_s, kind, factor, for_s)", key);
                return CS_E_INVALID;
            }
        }
        if (f->rank == 0 || !cJSON_GetObjectItemCaseSensitive(c, "at_s") ||
            !cJSON_GetObjectItemCaseSensitive(c, "kind")) {
            fail(err, errlen, "scenario key '%s': a fault needs rank, at_s and kind", sub);
            return CS_E_INVALID;
        }
        const cJSON *factor = cJSON_GetObjectItemCaseSensitive(c, "factor");
        if (f->kind == CS_FAULT_SLOW && !(f->factor > 1)) { /* (none: 1, a fault that changes nothing) */
            fail(err, errlen,
                 "scenario key '%s.factor': a \"slow\" fault needs a factor above 1 (its service takes that many "
                 "times longer), got %s",
                 sub, factor ? cs_json_got(factor, shown, sizeof(shown)) : "none");
            return CS_E_INVALID;
        }
        if (f->kind != CS_FAULT_SLOW && factor) { /* read by nothing */
            fail(err, errlen, "scenario key '%s.factor': a \"%s\" fault has none (a \"slow\" one has)", sub,
                 fault_kind_name(f->kind));
            return CS_E_INVALID;
        }
        if (f->kind == CS_FAULT_RECOVER && f->for_s > 0) { /* read by nothing either */
            fail(err, errlen,
                 "scenario key '%s.for_s': a \"recover\" fault has none (it ends the node's faults at at_s; a "
                 "\"slow\" or \"stop\" one may last for_s)",
                 sub);
            return CS_E_INVALID;
        }
        s->faults_n++;
    }
    return CS_OK;
}

/* ---- the key types: each one's default, parser and printer ---- */

static void init_none(void *f, const struct key *k)
{
    (void)f, (void)k; /* empty: the scenario starts zeroed, counts at 0 */
}

static void init_bool(void *f, const struct key *k)
{
    *(bool *)f = k->def != 0;
}

static int parse_bool(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err, size_t errlen)
{
    (void)s;
    char shown[80];
    if (!cJSON_IsBool(v)) {
        fail(err, errlen, "scenario key '%s': expected true or false, got %s", k->path,
             cs_json_got(v, shown, sizeof(shown)));
        return CS_E_INVALID;
    }
    *(bool *)f = cJSON_IsTrue(v);
    return CS_OK;
}

static cJSON *print_bool(const struct cs_scenario *s, const struct key *k, const void *f)
{
    (void)s, (void)k;
    return cJSON_CreateBool(*(const bool *)f);
}

static void init_double(void *f, const struct key *k)
{
    *(double *)f = k->def;
}

static int parse_double(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err, size_t errlen)
{
    (void)s;
    if (k->nullable && cJSON_IsNull(v)) {
        *(double *)f = NAN;
        return CS_OK;
    }
    return check_number(k, k->path, v, (double *)f, err, errlen);
}

static cJSON *print_double(const struct cs_scenario *s, const struct key *k, const void *f)
{
    (void)s, (void)k;
    double x = *(const double *)f;
    return isnan(x) ? cJSON_CreateNull() : cJSON_CreateNumber(x);
}

static void init_int(void *f, const struct key *k)
{
    *(int *)f = (int)k->def;
}

static int parse_int(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err, size_t errlen)
{
    (void)s;
    double x;
    if (check_number(k, k->path, v, &x, err, errlen))
        return CS_E_INVALID;
    *(int *)f = (int)x;
    return CS_OK;
}

static cJSON *print_int(const struct cs_scenario *s, const struct key *k, const void *f)
{
    (void)s, (void)k;
    return cJSON_CreateNumber(*(const int *)f);
}

static void init_seed(void *f, const struct key *k)
{
    *(uint64_t *)f = (uint64_t)k->def;
}

static int parse_seed(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err, size_t errlen)
{
    (void)s;
    double x;
    if (check_number(k, k->path, v, &x, err, errlen))
        return CS_E_INVALID;
    *(uint64_t *)f = (uint64_t)x;
    return CS_OK;
}

static cJSON *print_seed(const struct cs_scenario *s, const struct key *k, const void *f)
{
    (void)s, (void)k;
    return cJSON_CreateNumber((double)*(const uint64_t *)f);
}

static void init_string(void *f, const struct key *k)
{
    snprintf((char *)f, (size_t)k->max + 1, "%s", k->sdef);
}

static int parse_string(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err, size_t errlen)
{
    (void)s;
    char shown[80];
    if (!cJSON_IsString(v)) {
        fail(err, errlen, "scenario key '%s': expected a string, got %s", k->path,
             cs_json_got(v, shown, sizeof(shown)));
        return CS_E_INVALID;
    }
    if (strlen(v->valuestring) > (size_t)k->max) {
        fail(err, errlen, "scenario key '%s': string is longer than %d characters", k->path, (int)k->max);
        return CS_E_INVALID;
    }
    snprintf((char *)f, (size_t)k->max + 1, "%s", v->valuestring);
    return CS_OK;
}

static cJSON *print_string(const struct cs_scenario *s, const struct key *k, const void *f)
{
    (void)s, (void)k;
    return cJSON_CreateString((const char *)f);
}

static void init_enum(void *f, const struct key *k)
{
    for (int j = 0; k->enum_name(j); j++)
        if (strcmp(k->enum_name(j), k->sdef) == 0)
            *(int *)f = j;
}

static int parse_enum(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err, size_t errlen)
{
    (void)s;
    if (cJSON_IsString(v)) {
        for (int j = 0; k->enum_name(j); j++) {
            if (strcmp(k->enum_name(j), v->valuestring) == 0) {
                *(int *)f = j;
                return CS_OK;
            }
        }
    }
    char choices[256], shown[80];
    name_list(k->enum_name, choices, sizeof(choices));
    cs_json_describe(v, shown, sizeof(shown));
    fail(err, errlen, "scenario key '%s': unknown value %s (one of: %s)", k->path, shown, choices);
    return CS_E_INVALID;
}

static cJSON *print_enum(const struct cs_scenario *s, const struct key *k, const void *f)
{
    (void)s;
    return cJSON_CreateString(k->enum_name(*(const int *)f));
}

static void init_dist(void *f, const struct key *k)
{
    struct cs_dist *d = f;
    d->kind = cs_dist_find(k->sdef);
    d->mean_us = k->def;
    d->cv = cs_dist_kinds[d->kind].default_cv;
}

static int parse_dist_key(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err, size_t errlen)
{
    (void)s;
    return parse_dist((struct cs_dist *)f, k->path, v, err, errlen);
}

static cJSON *print_dist(const struct cs_scenario *s, const struct key *k, const void *f)
{
    (void)s, (void)k;
    const struct cs_dist *d = f;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "dist", dist_name(d->kind));
    cJSON_AddNumberToObject(o, "mean_us", d->mean_us);
    if (cs_dist_kinds[d->kind].has_cv)
        cJSON_AddNumberToObject(o, "cv", d->cv);
    return o;
}

static void init_per_node(void *f, const struct key *k)
{
    ((struct cs_per_node *)f)->all = k->def;
}

static int parse_per_node_key(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err,
                              size_t errlen)
{
    (void)s;
    return parse_per_node((struct cs_per_node *)f, k, v, err, errlen);
}

static cJSON *print_per_node(const struct cs_scenario *s, const struct key *k, const void *f)
{
    (void)s, (void)k;
    const struct cs_per_node *p = f;
    if (p->is_list) {
        cJSON *a = cJSON_CreateArray();
        for (int j = 0; j < p->n; j++)
            cJSON_AddItemToArray(a, cJSON_CreateNumber(p->at[j].value));
        return a;
    }
    if (p->n > 0) {
        cJSON *o = cJSON_CreateObject();
        if (!isnan(p->all)) /* unset: the nodes not listed keep their default */
            cJSON_AddNumberToObject(o, "default", p->all);
        for (int j = 0; j < p->n; j++) {
            char rank[16];
            snprintf(rank, sizeof(rank), "%d", p->at[j].rank);
            cJSON_AddNumberToObject(o, rank, p->at[j].value);
        }
        return o;
    }
    return isnan(p->all) ? cJSON_CreateNull() : cJSON_CreateNumber(p->all);
}

static int parse_list_key(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err, size_t errlen)
{
    (void)f;
    return parse_list(s, k, v, err, errlen);
}

static cJSON *print_list(const struct cs_scenario *s, const struct key *k, const void *f)
{
    int n = *list_count((struct cs_scenario *)(uintptr_t)s, k);
    if (n == 0)
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    for (int j = 0; j < n; j++)
        cJSON_AddItemToArray(a,
                             cJSON_CreateNumber(k->type == K_INT_LIST ? ((const int *)f)[j] : ((const double *)f)[j]));
    return a;
}

static int parse_schedule_key(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err,
                              size_t errlen)
{
    (void)f;
    return parse_schedule(s, k, v, err, errlen);
}

static cJSON *print_schedule(const struct cs_scenario *s, const struct key *k, const void *f)
{
    (void)k, (void)f;
    if (s->load.schedule_n == 0)
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    for (int j = 0; j < s->load.schedule_n; j++) {
        cJSON *pt = cJSON_CreateObject();
        cJSON_AddNumberToObject(pt, "at_s", s->load.schedule[j].at_s);
        cJSON_AddNumberToObject(pt, "rate_rps", s->load.schedule[j].rate_rps);
        cJSON_AddItemToArray(a, pt);
    }
    return a;
}

static int parse_faults_key(struct cs_scenario *s, const struct key *k, void *f, const cJSON *v, char *err,
                            size_t errlen)
{
    (void)f;
    return parse_faults(s, k, v, err, errlen);
}

static cJSON *print_faults(const struct cs_scenario *s, const struct key *k, const void *f)
{
    (void)k, (void)f;
    if (s->faults_n == 0)
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    for (int j = 0; j < s->faults_n; j++) {
        const struct cs_fault *fl = &s->faults[j];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "rank", fl->rank);
        cJSON_AddNumberToObject(o, "at_s", fl->at_s);
        cJSON_AddStringToObject(o, "kind", fault_kind_name(fl->kind));
        if (fl->kind == CS_FAULT_SLOW)
            cJSON_AddNumberToObject(o, "factor", fl->factor);
        if (fl->for_s > 0)
            cJSON_AddNumberToObject(o, "for_s", fl->for_s);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* ---- the key types' equality: the values a printed scenario carries ---- */

/* Equal numbers, NAN (unset) being equal to NAN. */
static bool same_double(double x, double y)
{
    return x == y || (isnan(x) && isnan(y));
}

static bool equal_bool(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k)
{
    return *(const bool *)cfield(a, k) == *(const bool *)cfield(b, k);
}

static bool equal_double(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k)
{
    return same_double(*(const double *)cfield(a, k), *(const double *)cfield(b, k));
}

/* K_INT and K_ENUM. */
static bool equal_int(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k)
{
    return *(const int *)cfield(a, k) == *(const int *)cfield(b, k);
}

static bool equal_seed(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k)
{
    return *(const uint64_t *)cfield(a, k) == *(const uint64_t *)cfield(b, k);
}

static bool equal_string(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k)
{
    return strncmp(cfield(a, k), cfield(b, k), (size_t)k->max + 1) == 0;
}

/* The cv counts only for a kind that has one (print_dist leaves it out). */
static bool equal_dist(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k)
{
    const struct cs_dist *x = cfield(a, k);
    const struct cs_dist *y = cfield(b, k);
    return x->kind == y->kind && same_double(x->mean_us, y->mean_us) &&
           (!cs_dist_kinds[x->kind].has_cv || same_double(x->cv, y->cv));
}

/* A list's entries are every node's value: the value of nodes not listed
 * counts only for overrides (print_per_node leaves it out of a list). */
static bool equal_per_node(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k)
{
    const struct cs_per_node *x = cfield(a, k);
    const struct cs_per_node *y = cfield(b, k);
    if (x->is_list != y->is_list || x->n != y->n || (!x->is_list && !same_double(x->all, y->all)))
        return false;
    for (int j = 0; j < x->n; j++)
        if (x->at[j].rank != y->at[j].rank || !same_double(x->at[j].value, y->at[j].value))
            return false;
    return true;
}

static bool equal_schedule(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k)
{
    (void)k;
    if (a->load.schedule_n != b->load.schedule_n)
        return false;
    for (int j = 0; j < a->load.schedule_n; j++)
        if (!same_double(a->load.schedule[j].at_s, b->load.schedule[j].at_s) ||
            !same_double(a->load.schedule[j].rate_rps, b->load.schedule[j].rate_rps))
            return false;
    return true;
}

/* The factor counts only for a slow fault (the only kind that uses it,
 * and the only one print_faults writes it for). */
static bool equal_faults(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k)
{
    (void)k;
    if (a->faults_n != b->faults_n)
        return false;
    for (int j = 0; j < a->faults_n; j++) {
        const struct cs_fault *x = &a->faults[j], *y = &b->faults[j];
        if (x->rank != y->rank || x->kind != y->kind || !same_double(x->at_s, y->at_s) ||
            !same_double(x->for_s, y->for_s) || (x->kind == CS_FAULT_SLOW && !same_double(x->factor, y->factor)))
            return false;
    }
    return true;
}

/* K_INT_LIST and K_DOUBLE_LIST. */
static bool equal_list(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k)
{
    int n = *list_count((struct cs_scenario *)(uintptr_t)a, k);
    if (n != *list_count((struct cs_scenario *)(uintptr_t)b, k))
        return false;
    const void *x = cfield(a, k), *y = cfield(b, k);
    for (int j = 0; j < n; j++)
        if (k->type == K_INT_LIST ? ((const int *)x)[j] != ((const int *)y)[j]
                                  : !same_double(((const double *)x)[j], ((const double *)y)[j]))
            return false;
    return true;
}

/* Every key type: its default, its parser, its printer, its equality. */
static const struct {
    void (*init)(void *field, const struct key *k);
    int (*parse)(struct cs_scenario *s, const struct key *k, void *field, const cJSON *v, char *err, size_t errlen);
    cJSON *(*print)(const struct cs_scenario *s, const struct key *k, const void *field);
    bool (*equal)(const struct cs_scenario *a, const struct cs_scenario *b, const struct key *k);
} key_ops[] = {
    [K_BOOL] = {init_bool, parse_bool, print_bool, equal_bool},
    [K_DOUBLE] = {init_double, parse_double, print_double, equal_double},
    [K_INT] = {init_int, parse_int, print_int, equal_int},
    [K_SEED] = {init_seed, parse_seed, print_seed, equal_seed},
    [K_ENUM] = {init_enum, parse_enum, print_enum, equal_int},
    [K_STRING] = {init_string, parse_string, print_string, equal_string},
    [K_DIST] = {init_dist, parse_dist_key, print_dist, equal_dist},
    [K_PER_NODE] = {init_per_node, parse_per_node_key, print_per_node, equal_per_node},
    [K_SCHEDULE] = {init_none, parse_schedule_key, print_schedule, equal_schedule},
    [K_FAULTS] = {init_none, parse_faults_key, print_faults, equal_faults},
    [K_INT_LIST] = {init_none, parse_list_key, print_list, equal_list},
    [K_DOUBLE_LIST] = {init_none, parse_list_key, print_list, equal_list},
};

const char *cs_scenario_diff(const struct cs_scenario *a, const struct cs_scenario *b)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(key_table); i++)
        if (!key_ops[key_table[i].type].equal(a, b, &key_table[i]))
            return key_table[i].path;
    return NULL;
}

void cs_scenario_defaults(struct cs_scenario *s)
{
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < CS_ARRAY_LEN(key_table); i++)
        key_ops[key_table[i].type].init(field(s, &key_table[i]), &key_table[i]);
}

static int set_value(struct cs_scenario *s, const struct key *k, const cJSON *v, char *err, size_t errlen)
{
    return key_ops[k->type].parse(s, k, field(s, k), v, err, errlen);
}

static const struct key *find_key(const char *path)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(key_table); i++)
        if (strcmp(key_table[i].path, path) == 0)
            return &key_table[i];
    return NULL;
}

/* Is path the name of a section (a prefix of some key followed by '.')? */
static bool is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < CS_ARRAY_LEN(key_table); i++)
        if (strncmp(key_table[i].path, path, n) == 0 && key_table[i].path[n] == '.')
            return true;
    return false;
}

/* The keys directly inside a section (or the top level, for ""), for messages. */
static void list_section(const char *section, char *buf, size_t len)
{
    size_t n = strlen(section);
    buf[0] = '\0';
    for (size_t i = 0; i < CS_ARRAY_LEN(key_table); i++) {
        const char *p = key_table[i].path;
        if (n && (strncmp(p, section, n) != 0 || p[n] != '.'))
            continue;
        const char *rest = n ? p + n + 1 : p;
        const char *dot = strchr(rest, '.');
        int restlen = dot ? (int)(dot - rest) : (int)strlen(rest);
        char word[64];
        snprintf(word, sizeof(word), "%.*s", restlen, rest);
        if (strstr(buf, word) && dot)
            continue; /* section already listed */
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", used ? ", " : "", word);
    }
}

static int parse_object(struct cs_scenario *s, const cJSON *obj, const char *prefix, char *err, size_t errlen)
{
    if (each_once(obj, prefix, err, errlen))
        return CS_E_INVALID;
    const cJSON *c;
    cJSON_ArrayForEach (c, obj) {
        char path[128];
        if (prefix[0])
            snprintf(path, sizeof(path), "%s.%s", prefix, c->string);
        else
            snprintf(path, sizeof(path), "%s", c->string);
        if (strchr(c->string, '.')) { /* it would read as the nested key, and a second one could win */
            fail(err, errlen, "scenario key '%s': a name with a dot; nest it instead ({\"a\": {\"b\": ...}})", path);
            return CS_E_INVALID;
        }
        const struct key *k = find_key(path);
        if (k) {
            if (set_value(s, k, c, err, errlen))
                return CS_E_INVALID;
        } else if (is_section(path)) {
            if (!cJSON_IsObject(c)) {
                char shown[80];
                fail(err, errlen, "scenario key '%s': expected an object, got %s", path,
                     cs_json_got(c, shown, sizeof(shown)));
                return CS_E_INVALID;
            }
            if (parse_object(s, c, path, err, errlen))
                return CS_E_INVALID;
        } else {
            char known[512];
            list_section(prefix, known, sizeof(known));
            fail(err, errlen, "scenario key '%s': unknown key (known keys%s%s: %s)", path, prefix[0] ? " in " : "",
                 prefix, known);
            return CS_E_INVALID;
        }
    }
    return CS_OK;
}

/* Keys that only make sense together with others. */
static int check_combinations(const struct cs_scenario *s, char *err, size_t errlen)
{
    if (s->dispatch.timeout_ms == 0 && (s->dispatch.retries > 0 || s->dispatch.down_after > 0)) {
        bool retries = s->dispatch.retries > 0;
        fail(err, errlen, "scenario key '%s': %d needs dispatch.timeout_ms (%s follows a timeout), which is 0",
             retries ? "dispatch.retries" : "dispatch.down_after",
             retries ? s->dispatch.retries : s->dispatch.down_after, retries ? "a retry" : "marking a node down");
        return CS_E_INVALID;
    }
    if (s->dispatch.prefetch != 1 && !cs_policies[s->dispatch.policy].pull) {
        fail(err, errlen,
             "scenario key 'dispatch.prefetch': %d applies to the pull policy only (dispatch.policy is '%s'; "
             "other policies bound a node's requests with dispatch.window)",
             s->dispatch.prefetch, cs_policies[s->dispatch.policy].name);
        return CS_E_INVALID;
    }
    if (s->dispatch.d != 2 && strcmp(cs_policies[s->dispatch.policy].name, "power_of_d") != 0) {
        fail(err, errlen,
             "scenario key 'dispatch.d': %d applies to the power_of_d policy only (dispatch.policy is '%s')",
             s->dispatch.d, cs_policies[s->dispatch.policy].name);
        return CS_E_INVALID;
    }
    /* Load keys the arrival given does not read: said, not dropped. */
    enum cs_arrival_source source = cs_arrival_kinds[s->load.arrival].source;
    if (source != CS_SOURCE_RATE && (!isnan(s->load.rate_rps) || s->load.schedule_n > 0)) {
        fail(err, errlen,
             "scenario key '%s': %s, not a rate; leave it null, or give an open arrival (load.arrival \"poisson\")",
             isnan(s->load.rate_rps) ? "load.schedule" : "load.rate_rps",
             source == CS_SOURCE_CLOSED ? "a closed loop's load is its clients (load.clients, load.think_us)"
                                        : "a trace's load is its arrival times (load.trace)");
        return CS_E_INVALID;
    }
    bool thinks = s->load.think.mean_us != 0 || strcmp(cs_dist_kinds[s->load.think.kind].name, "constant") != 0;
    if (source != CS_SOURCE_CLOSED && (s->load.clients != CS_CLIENTS_DEFAULT || thinks)) { /* (not their defaults) */
        fail(err, errlen,
             "scenario key '%s': a closed loop's, and load.arrival \"%s\" reads none: leave it out, or give "
             "load.arrival \"closed\"",
             thinks ? "load.think_us" : "load.clients", cs_arrival_kinds[s->load.arrival].name);
        return CS_E_INVALID;
    }
    if (source == CS_SOURCE_CLOSED && s->load.clients < s->dispatch.dispatchers) {
        fail(err, errlen,
             "scenario keys 'load.clients' (%d) and 'dispatch.dispatchers' (%d): the clients are shared among the "
             "dispatchers, and a dispatcher without one would sit idle; give at least one client each",
             s->load.clients, s->dispatch.dispatchers);
        return CS_E_INVALID;
    }
    if (source != CS_SOURCE_TRACE && s->load.trace[0]) {
        fail(err, errlen, "scenario key 'load.trace': '%s' is replayed only with load.arrival \"trace\" (it is \"%s\")",
             s->load.trace, cs_arrival_kinds[s->load.arrival].name);
        return CS_E_INVALID;
    }
    if (s->dispatch.dispatchers > 1 && cs_arrival_kinds[s->load.arrival].source == CS_SOURCE_TRACE) {
        fail(err, errlen,
             "scenario key 'dispatch.dispatchers': %d dispatchers cannot share a trace yet (load.arrival is "
             "\"trace\"); replay it with one",
             s->dispatch.dispatchers);
        return CS_E_INVALID;
    }
    if (s->sweep.relays_n > 0 && s->dispatch.dispatchers > 1) {
        fail(err, errlen,
             "scenario keys 'sweep.relays' and 'dispatch.dispatchers' (%d): a relay tier sits under one "
             "dispatcher; give one or the other",
             s->dispatch.dispatchers);
        return CS_E_INVALID;
    }
    if (s->dispatch.relays > 0 && (s->dispatch.dispatchers > 1 || s->sweep.dispatchers_n > 0)) {
        fail(err, errlen,
             "scenario keys 'dispatch.relays' (%d) and '%s': a relay tier sits under one dispatcher; give one "
             "or the other",
             s->dispatch.relays, s->dispatch.dispatchers > 1 ? "dispatch.dispatchers" : "sweep.dispatchers");
        return CS_E_INVALID;
    }
    int levers = (s->sweep.dispatchers_n > 0) + (s->sweep.batch_n > 0) + (s->sweep.relays_n > 0);
    const char *lever = s->sweep.dispatchers_n > 0 ? "sweep.dispatchers"
                        : s->sweep.batch_n > 0     ? "sweep.batch"
                                                   : "sweep.relays";
    if (levers > 1) {
        fail(err, errlen,
             "scenario keys 'sweep.dispatchers', 'sweep.batch' and 'sweep.relays': a sweep moves one lever at a "
             "time; give one of them");
        return CS_E_INVALID;
    }
    if (levers > 0 && s->sweep.rates_n > 0) {
        fail(err, errlen,
             "scenario key '%s': a lever sweeps node counts, and sweep.rates_rps sweeps the load; give "
             "one or the other",
             lever);
        return CS_E_INVALID;
    }
    for (int i = 0; i < s->sweep.dispatchers_n; i++) {
        int d = s->sweep.dispatchers[i];
        if (d > 1 && cs_arrival_kinds[s->load.arrival].source == CS_SOURCE_TRACE) {
            fail(err, errlen, "scenario key 'sweep.dispatchers[%d]': %d dispatchers cannot share a trace yet", i, d);
            return CS_E_INVALID;
        }
    }
    if (s->dispatch.hedge_after_us > 0 && s->dispatch.hedge_percentile > 0) {
        fail(err, errlen,
             "scenario keys 'dispatch.hedge_after_us' (%g) and 'dispatch.hedge_percentile' (%g): give one or "
             "the other",
             s->dispatch.hedge_after_us, s->dispatch.hedge_percentile);
        return CS_E_INVALID;
    }
    return CS_OK;
}

/* Each key's type and range (how the keys combine: check_combinations). */
static int parse_tree(struct cs_scenario *s, const cJSON *root, char *err, size_t errlen)
{
    if (!cJSON_IsObject(root)) {
        char shown[80];
        fail(err, errlen, "scenario: expected a JSON object at the top level, got %s",
             cs_json_got(root, shown, sizeof(shown)));
        return CS_E_INVALID;
    }
    cs_scenario_defaults(s);
    return parse_object(s, root, "", err, errlen) ? CS_E_INVALID : CS_OK;
}

int cs_scenario_parse(struct cs_scenario *s, const char *text, size_t len, char *err, size_t errlen)
{
    cJSON *root = cs_json_parse_text(text, len, "scenario", err, errlen);
    if (!root)
        return CS_E_INVALID;
    int rc = parse_tree(s, root, err, errlen);
    if (rc == CS_OK)
        rc = check_combinations(s, err, errlen);
    cJSON_Delete(root);
    return rc;
}

/* Apply one "a.b.c=value" assignment to the tree. */
static int apply_set(cJSON *root, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        fail(err, errlen, "--set '%s': expected key.path=value", assignment);
        return CS_E_INVALID;
    }
    size_t keylen = (size_t)(eq - assignment);
    char key[128];
    if (keylen >= sizeof(key)) {
        fail(err, errlen, "--set '%s': key is too long", assignment);
        return CS_E_INVALID;
    }
    memcpy(key, assignment, keylen);
    key[keylen] = '\0';
    const char *valtext = eq + 1;
    const char *bad = cs_utf8_invalid(assignment, strlen(assignment));
    if (bad) {
        fail(err, errlen, "--set '%.*s': byte 0x%02x after it is not UTF-8 text", (int)(bad - assignment), assignment,
             (unsigned char)*bad);
        return CS_E_INVALID;
    }
    /* JSON, and nothing after it ("1,000" is not 1), else a string (as
     * typed: a \u0000 in it is text, not a NUL) */
    cJSON *val = cJSON_ParseWithOpts(valtext, NULL, 1);
    if (val && cs_json_nul_escape(valtext, strlen(valtext))) {
        cJSON_Delete(val);
        fail(err, errlen, "--set '%s': \\u0000 (a NUL character): no name, value or path holds one", assignment);
        return CS_E_INVALID;
    }
    /* A key that holds text takes the value as typed: `name=2024` is the
     * name "2024", not a number it cannot hold (`name="2024"` too). */
    const struct key *k = find_key(key);
    if (val && k && k->type == K_STRING && !cJSON_IsString(val)) {
        cJSON_Delete(val);
        val = NULL;
    }
    if (!val)
        val = cJSON_CreateString(valtext);
    if (!val) {
        fail(err, errlen, "--set '%s': out of memory", assignment);
        return CS_E_NOMEM;
    }
    cJSON *node = root;
    char *seg = key;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        if (seg[0] == '\0') {
            cJSON_Delete(val);
            fail(err, errlen, "--set '%s': empty segment in the key", assignment);
            return CS_E_INVALID;
        }
        if (!dot) {
            if (cJSON_GetObjectItemCaseSensitive(node, seg))
                cJSON_ReplaceItemInObjectCaseSensitive(node, seg, val);
            else
                cJSON_AddItemToObject(node, seg, val);
            return CS_OK;
        }
        cJSON *child = cJSON_GetObjectItemCaseSensitive(node, seg);
        if (!child) {
            child = cJSON_AddObjectToObject(node, seg);
        } else if (!cJSON_IsObject(child)) {
            cJSON_Delete(val);
            fail(err, errlen, "--set '%s': '%s' is not an object in the scenario", assignment, seg);
            return CS_E_INVALID;
        }
        node = child;
        seg = dot + 1;
    }
}

int cs_scenario_compose(const char *path, const char *const *sets, int nsets, char **out, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    int rc;
    if (path) {
        rc = cs_read_file(path, CS_SCENARIO_FILE_MAX, "scenario file", &text, &len, err, errlen);
        if (rc)
            return rc;
    }
    cJSON *root = path ? cs_json_parse_text(text, len, path, err, errlen) : cJSON_Parse(cs_default_scenario_json);
    free(text);
    if (!root)
        return CS_E_INVALID;
    struct cs_scenario s, *alone = NULL;
    /* The file's keys, then the --set values', each alone; then how they
     * combine, once the --set values may have completed the file (its
     * retries and --set dispatch.timeout_ms). The file is named in what
     * is its own mistake: a key's, or keys that combine wrongly in it
     * alone as well (not a --set's retries beside a file that has none). */
    rc = parse_tree(&s, root, err, errlen);
    bool files = rc != CS_OK;
    if (rc == CS_OK && nsets > 0 && path && (alone = malloc(sizeof(*alone))))
        *alone = s;
    for (int i = 0; rc == CS_OK && i < nsets; i++)
        rc = apply_set(root, sets[i], err, errlen);
    if (rc == CS_OK && nsets > 0)
        rc = parse_tree(&s, root, err, errlen);
    if (rc == CS_OK && (rc = check_combinations(&s, err, errlen)) != CS_OK) {
        char scratch[CS_ERRBUF];
        files = nsets == 0 || (alone && check_combinations(alone, scratch, sizeof(scratch)) != CS_OK);
    }
    free(alone);
    if (rc && files && path) {
        char inner[CS_ERRBUF];
        snprintf(inner, sizeof(inner), "%s", err);
        fail(err, errlen, "%s: %s", path, inner);
    }
    if (rc == CS_OK) {
        cs_json_exact_numbers(root);
        *out = cJSON_PrintUnformatted(root);
        if (!*out) {
            fail(err, errlen, "out of memory");
            rc = CS_E_NOMEM;
        }
    }
    cJSON_Delete(root);
    return rc;
}

static cJSON *section_for(cJSON *root, const char *path, const char **leaf)
{
    cJSON *node = root;
    const char *seg = path;
    const char *dot;
    while ((dot = strchr(seg, '.'))) {
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(dot - seg), seg);
        cJSON *child = cJSON_GetObjectItemCaseSensitive(node, name);
        if (!child)
            child = cJSON_AddObjectToObject(node, name);
        node = child;
        seg = dot + 1;
    }
    *leaf = seg;
    return node;
}

char *cs_scenario_to_json(const struct cs_scenario *s)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    for (size_t i = 0; i < CS_ARRAY_LEN(key_table); i++) {
        const struct key *k = &key_table[i];
        const void *f = (const char *)s + k->offset;
        const char *leaf;
        cJSON *obj = section_for(root, k->path, &leaf);
        cJSON *item = key_ops[k->type].print(s, k, f);
        if (!item) {
            cJSON_Delete(root);
            return NULL;
        }
        cJSON_AddItemToObject(obj, leaf, item);
    }
    cs_json_exact_numbers(root);
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    return out;
}
