/* Results side by side. See compare.h. */
#include "cs/compare.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/jsonpath.h"
#include "cs/jsontext.h"
#include "cs/pool.h"

#define COL 22 /* width of a value column */

/* A number row: its label, its path, a scale (the value printed is the
 * number times scale) and the decimals it is printed with. */
struct row {
    const char *label, *path;
    double scale;
    int decimals;
};

static const struct row rows[] = {
    {"offered (req/s)", "offered_rps", 1, 1},
    {"throughput (req/s)", "throughput_rps", 1, 1},
    {"latency mean (ms)", "latency_us.mean", 1e-3, 3},
    {"latency p50 (ms)", "latency_us.p50", 1e-3, 3},
    {"latency p90 (ms)", "latency_us.p90", 1e-3, 3},
    {"latency p99 (ms)", "latency_us.p99", 1e-3, 3},
    {"latency p99.9 (ms)", "latency_us.p999", 1e-3, 3},
    {"latency max (ms)", "latency_us.max", 1e-3, 3},
    {"at coordinator (ms)", "dispatch_wait_us.mean", 1e-3, 3},
    {"queue at node (ms)", "queue_wait_us.mean", 1e-3, 3},
    {"coordinator busy (%)", "coordinator.utilization", 100, 1},
    {"completed", "requests.completed", 1, 0},
    {"rejected", "requests.rejected", 1, 0},
    {"timed out", "requests.timed_out", 1, 0},
    {"failed", "requests.failed", 1, 0},
    {"in system (Little's L)", "in_system_mean", 1, 2},
};

static double mean_node_utilization(const cJSON *doc)
{
    double sum = 0, summary = cs_json_num(doc, "node_summary.utilization.mean");
    int n = 0;
    const cJSON *node;
    if (!isnan(summary)) /* any node count: the nodes' summary */
        return 100 * summary;
    cJSON_ArrayForEach (node, cs_json_at(doc, "nodes")) {
        double u = cs_json_num(node, "utilization");
        if (!isnan(u)) {
            sum += u;
            n++;
        }
    }
    return n ? 100 * sum / n : NAN;
}

/* One value cell, with its change from the first column's. */
static void cell(FILE *out, int decimals, double v, double first, bool show_change)
{
    char buf[64], change[32] = "";
    if (isnan(v)) {
        fprintf(out, " %*s", COL, "-");
        return;
    }
    snprintf(buf, sizeof(buf), "%.*f", decimals, v);
    if (show_change && !isnan(first)) {
        if (first != 0 && v / first >= 10)
            snprintf(change, sizeof(change), " (x%.0f)", v / first);
        else if (first != 0)
            snprintf(change, sizeof(change), " (%+.1f%%)", 100 * (v - first) / fabs(first));
        else if (v != 0)
            snprintf(change, sizeof(change), " (was 0)");
    }
    char both[96];
    snprintf(both, sizeof(both), "%s%s", buf, change);
    fprintf(out, " %*s", COL, both);
}

static void text_row(FILE *out, const char *label, const cJSON *const *docs, int n, const char *path)
{
    fprintf(out, "%-24s", label);
    for (int i = 0; i < n; i++) {
        const char *v = cs_json_str(docs[i], path);
        fprintf(out, " %*.*s", COL, COL, v ? v : "-");
    }
    fputc('\n', out);
}

/* ---- what differs between the scenarios ---- */

/* Leaves of a scenario as "dotted.key" -> compact JSON text. */
struct leaf {
    char key[128];
    char *value;
};
struct leaves {
    struct leaf *v;
    int n, cap;
    /* [n]: each key and its place, by key then place, to look keys up in
     * n log n (a file of 20,000 scenario keys took seconds, one by one) */
    struct cs_named *sorted;
};

static int leaves_sort(struct leaves *l)
{
    l->sorted = malloc((size_t)(l->n > 0 ? l->n : 1) * sizeof(*l->sorted));
    if (!l->sorted)
        return CS_E_NOMEM;
    for (int i = 0; i < l->n; i++)
        l->sorted[i] = (struct cs_named){l->v[i].key, (size_t)i};
    qsort(l->sorted, (size_t)l->n, sizeof(*l->sorted), cs_named_order);
    return CS_OK;
}

static int add_leaf(struct leaves *l, const char *key, const cJSON *item)
{
    if (l->n == l->cap) {
        struct leaf *v = cs_grow(l->v, &l->cap, sizeof(*v), 64);
        if (!v)
            return CS_E_NOMEM;
        l->v = v;
    }
    char *text = cJSON_PrintUnformatted(item);
    if (!text)
        return CS_E_NOMEM;
    snprintf(l->v[l->n].key, sizeof(l->v[l->n].key), "%s", key);
    l->v[l->n++].value = text;
    return CS_OK;
}

/* Objects are walked; anything else (numbers, strings, lists) is a leaf. */
static int flatten(struct leaves *l, const char *prefix, const cJSON *o)
{
    const cJSON *item;
    cJSON_ArrayForEach (item, o) {
        char key[128];
        snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", item->string ? item->string : "?");
        int rc = cJSON_IsObject(item) ? flatten(l, key, item) : add_leaf(l, key, item);
        if (rc)
            return rc;
    }
    return CS_OK;
}

static void leaves_free(struct leaves *l)
{
    for (int i = 0; i < l->n; i++)
        cJSON_free(l->v[i].value);
    free(l->v);
    free(l->sorted);
    l->v = NULL;
    l->sorted = NULL;
    l->n = l->cap = 0;
}

/* The value of the first leaf with this key, or NULL. */
static const char *leaf_value(const struct leaves *l, const char *key)
{
    int lo = 0, hi = l->n; /* the first sorted entry whose key is not below key */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(l->sorted[mid].name, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n && strcmp(l->sorted[lo].name, key) == 0 ? l->v[l->sorted[lo].at].value : NULL;
}

/* Print the scenario keys whose values differ between the documents
 * (name and description excluded: they say what, not how). */
static int scenario_differences(FILE *out, const cJSON *const *docs, int n)
{
    struct leaves all[CS_COMPARE_MAX];
    memset(all, 0, sizeof(all));
    int rc = CS_OK, shown = 0;
    for (int i = 0; i < n && rc == CS_OK; i++)
        if ((rc = flatten(&all[i], "", cs_json_at(docs[i], "scenario"))) == CS_OK)
            rc = leaves_sort(&all[i]);
    /* Every key any of them has (the first's, then those only later ones
     * have): a key one file lacks differs, whichever file comes first. */
    for (int d = 0; rc == CS_OK && d < n; d++)
        for (int k = 0; k < all[d].n; k++) {
            const char *key = all[d].v[k].key;
            if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0)
                continue;
            bool seen = false, differs = false;
            for (int j = 0; j < d && !seen; j++)
                seen = leaf_value(&all[j], key) != NULL;
            for (int i = 0; i < n && !seen && !differs; i++) {
                const char *v = leaf_value(&all[i], key);
                differs = !v || strcmp(v, all[d].v[k].value) != 0;
            }
            if (!differs)
                continue;
            if (shown++ == 0)
                fprintf(out, "scenario differences\n");
            fprintf(out, "  %-22s", key);
            for (int i = 0; i < n; i++) {
                const char *v = leaf_value(&all[i], key);
                fprintf(out, " %*.*s", COL, COL, v ? v : "-");
            }
            fputc('\n', out);
        }
    if (rc == CS_OK && shown == 0)
        fprintf(out, "scenario differences: none (the same scenario; differences below are the run's)\n");
    for (int i = 0; i < n; i++)
        leaves_free(&all[i]);
    return rc;
}

int cs_compare(const cJSON *const *docs, const char *const *names, int n, FILE *out, char *err, size_t errlen)
{
    if (n < 1 || n > CS_COMPARE_MAX) {
        snprintf(err, errlen, "--compare takes 1 to %d results files, got %d", CS_COMPARE_MAX, n);
        return CS_E_INVALID;
    }
    for (int i = 0; i < n; i++) {
        if (!cs_json_is_results(docs[i])) {
            snprintf(err, errlen, "%s: not a clustersim results file (no requests, scenario or throughput_rps)",
                     names[i]);
            return CS_E_INVALID;
        }
    }
    fprintf(out, "%-24s", "");
    for (int i = 0; i < n; i++) {
        const char *base = strrchr(names[i], '/');
        base = base ? base + 1 : names[i];
        fprintf(out, " %*.*s", COL, COL, base);
    }
    fputc('\n', out);
    text_row(out, "scenario", docs, n, "scenario.name");
    fprintf(out, "%-24s", "service nodes");
    for (int i = 0; i < n; i++)
        cell(out, 0, cs_json_num(docs[i], "mpi.service_nodes"), NAN, false);
    fputc('\n', out);
    int rc = scenario_differences(out, docs, n);
    if (rc)
        return rc;
    double first[CS_ARRAY_LEN(rows) + 1];
    for (size_t r = 0; r < CS_ARRAY_LEN(rows); r++) {
        fprintf(out, "%-24s", rows[r].label);
        for (int i = 0; i < n; i++) {
            double v = cs_json_num(docs[i], rows[r].path) * rows[r].scale;
            if (i == 0)
                first[r] = v;
            cell(out, rows[r].decimals, v, first[r], i > 0);
        }
        fputc('\n', out);
    }
    fprintf(out, "%-24s", "nodes busy (%)");
    double nodes_first = mean_node_utilization(docs[0]);
    for (int i = 0; i < n; i++)
        cell(out, 1, mean_node_utilization(docs[i]), nodes_first, i > 0);
    fputc('\n', out);
    text_row(out, "bottleneck", docs, n, "bottleneck");
    for (int i = 0; i < n; i++)
        fprintf(out, "%s: %s\n", names[i], cs_json_str(docs[i], "reason") ? cs_json_str(docs[i], "reason") : "-");
    for (int i = 0; i < n; i++)
        if (cJSON_IsFalse(cs_json_at(docs[i], "complete")))
            fprintf(out, "%s: incomplete (%s): its numbers cover only part of the run\n", names[i],
                    cs_json_str(docs[i], "ended") ? cs_json_str(docs[i], "ended") : "stopped before its end");
    return CS_OK;
}
