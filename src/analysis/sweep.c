/*
 * Sweep planning and scaling analysis: which steps to run, what scenario
 * each runs, and what the resulting curve says (speedup, efficiency, the
 * knee, Universal Scalability Law and Amdahl fits, the operational law's
 * prediction). Pure arithmetic: src/cli/job.c runs the steps.
 */
#include "cs/sweep.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cs/arrival.h"
#include "cs/common.h"
#include "cs/results.h"
#include "cs/scenario.h"

int cs_sweep_plan(const struct cs_scenario *sc, int max_nodes, struct cs_sweep_step *steps, char *err, size_t errlen)
{
    int n = 0;
    int counts[CS_SWEEP_MAX], m = 0;
    bool rates = sc->sweep.rates_n > 0; /* every step at one node count, the last of sweep.nodes */
    if (rates) {
        int nodes = max_nodes;
        if (sc->sweep.nodes_n > 0)
            nodes = sc->sweep.nodes[sc->sweep.nodes_n - 1];
        if (nodes > max_nodes) {
            snprintf(err, errlen, "scenario key 'sweep.nodes': %d nodes asked for but the run has %d service nodes",
                     nodes, max_nodes);
            return CS_E_INVALID;
        }
        counts[m++] = nodes;
    } else if (max_nodes < 1) {
        snprintf(err, errlen, "scenario key 'sweep.nodes': the run has no service node to sweep");
        return CS_E_INVALID;
    } else if (sc->sweep.nodes_n > 0) {
        /* Name the count the whole list needs, not the first step too big. */
        int largest = 0;
        for (int i = 0; i < sc->sweep.nodes_n; i++)
            largest = sc->sweep.nodes[i] > largest ? sc->sweep.nodes[i] : largest;
        for (int i = 0; i < sc->sweep.nodes_n; i++) {
            if (sc->sweep.nodes[i] > max_nodes) {
                snprintf(err, errlen,
                         "scenario key 'sweep.nodes[%d]': %d nodes asked for but the run has %d service nodes (start "
                         "it with at least %d ranks, or give --nodes %d in virtual time)",
                         i, sc->sweep.nodes[i], max_nodes, largest + cs_first_node(sc), largest);
                return CS_E_INVALID;
            }
            if (i > 0 && sc->sweep.nodes[i] <= sc->sweep.nodes[i - 1]) {
                snprintf(err, errlen, "scenario key 'sweep.nodes[%d]': %d is not more than the step before (%d)", i,
                         sc->sweep.nodes[i], sc->sweep.nodes[i - 1]);
                return CS_E_INVALID;
            }
            counts[m++] = sc->sweep.nodes[i];
        }
    } else {
        for (int k = 1; k <= max_nodes && m < CS_SWEEP_MAX; k *= 2)
            if (k >= sc->dispatch.relays) /* each relay has a node from the first step */
                counts[m++] = k;
        if ((m == 0 || counts[m - 1] != max_nodes) && m < CS_SWEEP_MAX)
            counts[m++] = max_nodes;
    }
    if (sc->dispatch.partition == CS_PARTITION_SHARDED && counts[0] < sc->dispatch.dispatchers) {
        snprintf(err, errlen,
                 "scenario key 'sweep.nodes': its first step has %d node%s for %d dispatchers, and sharded "
                 "(dispatch.partition) each needs one of its own; start the sweep at %d nodes or share them",
                 counts[0], counts[0] == 1 ? "" : "s", sc->dispatch.dispatchers, sc->dispatch.dispatchers);
        return CS_E_INVALID;
    }
    if (counts[0] < sc->dispatch.relays) {
        snprintf(err, errlen,
                 "scenario key 'sweep.nodes': its first step has %d node%s for %d relays (dispatch.relays), and each "
                 "relay needs one of its own; start the sweep at %d nodes",
                 counts[0], counts[0] == 1 ? "" : "s", sc->dispatch.relays, sc->dispatch.relays);
        return CS_E_INVALID;
    }
    if (rates) {
        for (int i = 0; i < sc->sweep.rates_n; i++)
            steps[n++] = (struct cs_sweep_step){.nodes = counts[0], .rate_rps = sc->sweep.rates_rps[i]};
        return n;
    }
    int top = counts[m - 1];
    double top_rate = cs_scenario_rate(sc, top);
    for (int i = 0; i < m; i++) {
        struct cs_sweep_step st = {.nodes = counts[i]};
        switch (sc->sweep.mode) {
        case CS_SWEEP_SATURATE: {
            double clients = (double)cs_scenario_servers(sc, counts[i]) * sc->sweep.clients_per_server;
            if (clients > CS_CLIENTS_MAX) { /* (as load.clients is held to it) */
                snprintf(err, errlen,
                         "scenario key 'sweep.clients_per_server': %d a server makes %.0f clients at %d nodes, more "
                         "than the %d a closed loop may have (load.clients); give fewer a server, or fewer nodes",
                         sc->sweep.clients_per_server, clients, counts[i], CS_CLIENTS_MAX);
                return CS_E_INVALID;
            }
            /* (the clients are shared among the dispatchers: one each at least) */
            if (clients < sc->dispatch.dispatchers) {
                snprintf(err, errlen,
                         "scenario key 'sweep.clients_per_server': %d a server makes %.0f clients at %d node%s, "
                         "fewer than the %d dispatchers (each needs one); give more a server, or start the sweep at "
                         "more nodes",
                         sc->sweep.clients_per_server, clients, counts[i], counts[i] == 1 ? "" : "s",
                         sc->dispatch.dispatchers);
                return CS_E_INVALID;
            }
            st.closed = true;
            st.clients = (int)clients;
            break;
        }
        case CS_SWEEP_STRONG:
            st.rate_rps = top_rate;
            break;
        case CS_SWEEP_WEAK:
            st.rate_rps = top_rate * counts[i] / top;
            break;
        }
        steps[n++] = st;
    }
    return n;
}

void cs_sweep_step_scenario(const struct cs_scenario *base, const struct cs_sweep_step *st, struct cs_scenario *out)
{
    *out = *base;
    out->load.schedule_n = 0;
    if (st->closed) {
        out->load.arrival = cs_arrival_find("closed");
        out->load.rate_rps = NAN; /* (a closed loop has no rate) */
        out->load.clients = st->clients;
        out->load.think = (struct cs_dist){cs_dist_find("constant"), 0.0, 0.0};
    } else {
        if (cs_arrival_kinds[out->load.arrival].source != CS_SOURCE_RATE)
            out->load.arrival = cs_arrival_find("poisson");
        out->load.rate_rps = st->rate_rps;
    }
}

void cs_sweep_row_from(const struct cs_results *r, struct cs_sweep_row *row)
{
    *row = (struct cs_sweep_row){
        .nodes = r->service_nodes,
        .dispatchers = r->dispatchers,
        .batch = r->scenario.dispatch.batch,
        .offered_rps = r->offered_rps,
        .throughput_rps = r->throughput_rps,
        .mean_us = cs_hist_mean(&r->latency) / 1e3,
        .p50_us = (double)cs_hist_percentile(&r->latency, 50) / 1e3,
        .p99_us = (double)cs_hist_percentile(&r->latency, 99) / 1e3,
        .relays = r->relays,
        .coordinator_utilization = r->coordinator_utilization,
        .coordinator_per_request_us = r->coordinator_per_request_us,
        .relay_utilization = r->relays > 0 ? r->relay_utilization_max : 0,
        .relay_per_request_us = r->relays > 0 ? r->relay_per_request_us : NAN,
        .node_utilization_mean = r->node_utilization_mean,
        .service_inflation = r->service_inflation,
        .bottleneck = (int)r->bottleneck,
    };
}

/* Least squares for 0 <= sigma <= 1 and kappa >= 0 in the linearized USL
 * N X1 / X - 1 = sigma (N - 1) + kappa N (N - 1), for a given X1. sigma
 * is a fraction (Amdahl's serial fraction): more than 1 would make N
 * nodes slower than one without any coherency cost, which is kappa's to
 * say (and Amdahl's law cannot say at all). */
static void usl_linear(const int *n, const double *x, int count, bool amdahl, double x1, double *sigma, double *kappa)
{
    double saa = 0, sab = 0, sbb = 0, say = 0, sby = 0;
    for (int i = 0; i < count; i++) {
        double a = n[i] - 1.0, b = (double)n[i] * (n[i] - 1.0), y = n[i] * x1 / x[i] - 1.0;
        saa += a * a;
        sab += a * b;
        sbb += b * b;
        say += a * y;
        sby += b * y;
    }
    double s = 0, k = 0;
    double det = saa * sbb - sab * sab;
    if (!amdahl && det > 1e-12 * saa * sbb) {
        s = (say * sbb - sby * sab) / det;
        k = (sby * saa - say * sab) / det;
    }
    if (amdahl || det <= 1e-12 * saa * sbb || k < 0) {
        k = 0;
        s = saa > 0 ? say / saa : 0;
    } else if (s < 0) {
        s = 0;
        k = sbb > 0 ? sby / sbb : 0;
    }
    if (s > 1) { /* at its bound: kappa for the rest, where it is free */
        s = 1;
        k = !amdahl && sbb > 0 ? (sby - sab) / sbb : 0;
    }
    *sigma = s > 0 ? s : 0;
    *kappa = k > 0 ? k : 0;
}

/* The model at n for p = (x1, sigma, kappa), and its gradient in p. */
static double usl_grad(const double p[3], double n, double g[3])
{
    double d = 1.0 + p[1] * (n - 1.0) + p[2] * n * (n - 1.0);
    double f = p[0] * n / d;
    g[0] = n / d;
    g[1] = -f * (n - 1.0) / d;
    g[2] = -f * n * (n - 1.0) / d;
    return f;
}

static double sse(const int *n, const double *x, int count, double x1, double sigma, double kappa)
{
    const double p[3] = {x1, sigma, kappa};
    double e = 0, g[3];
    for (int i = 0; i < count; i++) {
        double d = x[i] - usl_grad(p, n[i], g);
        e += d * d;
    }
    return e;
}

/* Solve a d = b for the first m (<= 3) unknowns, by elimination with
 * partial pivoting; false when a is singular. a and b are overwritten. */
static bool solve_small(double a[3][3], double b[3], int m, double d[3])
{
    for (int c = 0; c < m; c++) {
        int piv = c;
        for (int r = c + 1; r < m; r++)
            if (fabs(a[r][c]) > fabs(a[piv][c]))
                piv = r;
        if (!(fabs(a[piv][c]) > 0))
            return false;
        for (int k = 0; k < m; k++) {
            double t = a[c][k];
            a[c][k] = a[piv][k];
            a[piv][k] = t;
        }
        double t = b[c];
        b[c] = b[piv];
        b[piv] = t;
        for (int r = c + 1; r < m; r++) {
            double f = a[r][c] / a[c][c];
            for (int k = c; k < m; k++)
                a[r][k] -= f * a[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int c = m - 1; c >= 0; c--) {
        double v = b[c];
        for (int k = c + 1; k < m; k++)
            v -= a[c][k] * d[k];
        d[c] = v / a[c][c];
    }
    return true;
}

/* Levenberg-Marquardt on the squared error in X from p = (x1, sigma,
 * kappa), with sigma and kappa >= 0: one at 0 whose gradient would take
 * it below stays there, kappa stays 0 for Amdahl, and only a step that
 * lowers the error is taken. */
static void usl_refine(const int *n, const double *x, int count, bool amdahl, double p[3])
{
    double e = sse(n, x, count, p[0], p[1], p[2]);
    double lambda = 1e-3;
    for (int it = 0; it < 500 && lambda < 1e12 && e > 0; it++) {
        double jtj[3][3] = {{0}}, jtr[3] = {0}, g[3];
        for (int i = 0; i < count; i++) {
            double r = x[i] - usl_grad(p, n[i], g);
            for (int a = 0; a < 3; a++) {
                jtr[a] += g[a] * r;
                for (int b = 0; b < 3; b++)
                    jtj[a][b] += g[a] * g[b];
            }
        }
        int free[3], m = 0; /* jtr > 0: the error falls as the parameter grows */
        for (int j = 0; j < (amdahl ? 2 : 3); j++)
            if (jtj[j][j] > 0 && (j == 0 || p[j] > 0 || jtr[j] > 0) && (j != 1 || p[1] < 1 || jtr[1] < 0))
                free[m++] = j;
        double a[3][3], b[3], d[3];
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < m; c++)
                a[r][c] = jtj[free[r]][free[c]];
            a[r][r] *= 1 + lambda;
            b[r] = jtr[free[r]];
        }
        double q[3] = {p[0], p[1], p[2]};
        if (m == 0 || !solve_small(a, b, m, d)) {
            lambda *= 10;
            continue;
        }
        for (int k = 0; k < m; k++)
            q[free[k]] += d[k];
        q[1] = q[1] > 0 ? (q[1] < 1 ? q[1] : 1) : 0; /* (sigma: usl_linear) */
        q[2] = q[2] > 0 ? q[2] : 0;
        double eq = q[0] > 0 ? sse(n, x, count, q[0], q[1], q[2]) : INFINITY;
        if (!(eq < e)) {
            lambda *= 10;
            continue;
        }
        bool settled = e - eq <= 1e-15 * e;
        memcpy(p, q, sizeof(q));
        e = eq;
        if (settled)
            break;
        lambda = lambda > 1e-9 ? lambda / 10 : lambda;
    }
}

double cs_usl_fit(const int *n, const double *x, int count, bool amdahl, double *x1, double *sigma, double *kappa)
{
    *x1 = *sigma = *kappa = NAN;
    if (count < 2)
        return NAN;
    /* A start: X1 by golden-section search around the first point's
     * throughput per node, sigma and kappa by linear least squares in the
     * linearized form for each X1 tried. Then least squares in X itself
     * from there (the linearized form weighs the points otherwise, and
     * kappa's standard error is that of a fit in X). */
    double guess = x[0] / n[0];
    double lo = 0.5 * guess, hi = 1.5 * guess, g = (sqrt(5.0) - 1) / 2;
    double s, k;
    for (int it = 0; it < 100; it++) {
        double m1 = hi - g * (hi - lo), m2 = lo + g * (hi - lo);
        usl_linear(n, x, count, amdahl, m1, &s, &k);
        double e1 = sse(n, x, count, m1, s, k);
        usl_linear(n, x, count, amdahl, m2, &s, &k);
        double e2 = sse(n, x, count, m2, s, k);
        if (e1 < e2)
            hi = m2;
        else
            lo = m1;
    }
    double p[3] = {(lo + hi) / 2};
    usl_linear(n, x, count, amdahl, p[0], &p[1], &p[2]);
    usl_refine(n, x, count, amdahl, p);
    *x1 = p[0];
    *sigma = p[1];
    *kappa = p[2];
    double mean = 0, sst = 0;
    for (int i = 0; i < count; i++)
        mean += x[i] / count;
    for (int i = 0; i < count; i++)
        sst += (x[i] - mean) * (x[i] - mean);
    return sst > 0 ? 1.0 - sse(n, x, count, *x1, *sigma, *kappa) / sst : 1.0;
}

const char *const cs_curve_names[] = {"grows", "plateau", "declines"};

double cs_usl_kappa_se(const int *n, const double *x, int count, double x1, double sigma, double kappa)
{
    /* Free parameters: x1 and kappa always, sigma unless held at a bound. */
    bool with_sigma = sigma > 0 && sigma < 1;
    int p = with_sigma ? 3 : 2;
    if (count <= p || !(kappa > 0))
        return NAN;
    double jtj[3][3] = {{0}};
    double e = 0;
    const double at[3] = {x1, sigma, kappa};
    for (int i = 0; i < count; i++) {
        double d[3];
        double f = usl_grad(at, n[i], d);
        double g[3] = {d[0], d[2], d[1]}; /* d/dx1, d/dkappa, d/dsigma */
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++)
                jtj[a][b] += g[a] * g[b];
        e += (x[i] - f) * (x[i] - f);
    }
    /* kappa's variance: s^2 times the [1][1] entry of (J^T J)^-1, by
     * cofactors (2x2 or 3x3). */
    double det, cof;
    if (p == 2) {
        det = jtj[0][0] * jtj[1][1] - jtj[0][1] * jtj[1][0];
        cof = jtj[0][0];
    } else {
        det = jtj[0][0] * (jtj[1][1] * jtj[2][2] - jtj[1][2] * jtj[2][1]) -
              jtj[0][1] * (jtj[1][0] * jtj[2][2] - jtj[1][2] * jtj[2][0]) +
              jtj[0][2] * (jtj[1][0] * jtj[2][1] - jtj[1][1] * jtj[2][0]);
        cof = jtj[0][0] * jtj[2][2] - jtj[0][2] * jtj[2][0];
    }
    if (!(fabs(det) > 0))
        return NAN;
    double var = e / (count - p) * cof / det;
    return var >= 0 ? sqrt(var) : NAN;
}

int cs_knee(const int *n, const double *x, int count)
{
    if (count < 2 || n[0] <= 0)
        return 0;
    double per_node = x[0] / n[0];
    for (int i = 0; i + 1 < count; i++) {
        double gain = x[i + 1] - x[i];
        double ideal = per_node * (n[i + 1] - n[i]);
        if (gain < 0.5 * ideal)
            return n[i];
    }
    return 0;
}

bool cs_sweep_several(const struct cs_sweep_row *rows, int n)
{
    for (int i = 0; i < n; i++)
        if (rows[i].dispatchers > 1)
            return true;
    return false;
}

const char *cs_sweep_load_words(const struct cs_scenario *sc, char *buf, size_t n)
{
    if (sc->sweep.rates_n > 0)
        snprintf(buf, n, "load: each step offers one of sweep.rates_rps, open loop, to the largest node count");
    else if (sc->sweep.mode == CS_SWEEP_SATURATE)
        snprintf(buf, n,
                 "load: saturate: a closed loop of %d clients a server with no think time, in place of the "
                 "scenario's arrivals: throughput is what the system sustains",
                 sc->sweep.clients_per_server);
    else if (sc->sweep.mode == CS_SWEEP_STRONG)
        snprintf(buf, n, "load: strong: the largest step's load at every step");
    else
        snprintf(buf, n, "load: weak: the largest step's load in proportion to each step's nodes");
    return buf;
}

const char *cs_knee_words(double predicted_knee_nodes, char *buf, size_t n)
{
    if (isfinite(predicted_knee_nodes))
        snprintf(buf, n, "%.1f nodes", predicted_knee_nodes);
    else
        snprintf(buf, n, "none (no cost per request)");
    return buf;
}

/* What batching would do for a dispatching tier busy at per_req us a
 * request in row b, as the tail of "X would lift the ceiling": "" where
 * it would, or unknown (no scenario, no cost: the caller names it among
 * the levers); else why not, as the lever line says it: the part of the
 * cost paid per message (cs_scenario_message_us), here with the step's
 * batches full (its rows keep no count of what they held). */
static void batching_words(const struct cs_scenario *sc, const struct cs_sweep_row *b, double per_req, char *out,
                           size_t len)
{
    out[0] = '\0';
    if (!sc || !(per_req > 0))
        return;
    int batch = b->batch > 0 ? b->batch : 1;
    double share = fmin(cs_scenario_message_us(sc, batch, batch), per_req) / per_req;
    char full[48] = "";
    if (batch > 1)
        snprintf(full, sizeof(full), "at full batches of %d, ", batch);
    if (share < 0.2)
        snprintf(out, len, " (batching cannot help: %s%.0f%% of the cost is per request)", full, 100 * (1 - share));
    else if (batch >= CS_BATCH_MAX)
        snprintf(out, len, " (batching is at its limit: dispatch.batch %d)", batch);
}

void cs_scaling_analyze(const struct cs_sweep_row *rows, int count, double node_rps, const struct cs_scenario *sc,
                        struct cs_scaling *out)
{
    memset(out, 0, sizeof(*out));
    out->n = count;
    int n[CS_SWEEP_MAX] = {0};
    double x[CS_SWEEP_MAX] = {0};
    for (int i = 0; i < count; i++) {
        n[i] = rows[i].nodes;
        x[i] = rows[i].throughput_rps;
        out->speedup[i] = x[0] > 0 ? x[i] / x[0] : NAN;
        out->efficiency[i] = out->speedup[i] * n[0] / n[i];
    }
    out->knee_nodes = cs_knee(n, x, count);
    /* Throughput that stops growing because the step after served all it
     * was offered (a strong sweep's fixed load, met) is no knee: nothing
     * was short. */
    int met = 0;
    for (int i = 0; out->knee_nodes > 0 && i + 1 < count; i++)
        if (n[i] == out->knee_nodes && rows[i + 1].bottleneck == CS_BOTTLENECK_NONE &&
            rows[i + 1].throughput_rps >= 0.95 * rows[i + 1].offered_rps) {
            met = i + 1;
            out->knee_nodes = 0;
        }
    out->knee_bottleneck = CS_BOTTLENECK_NONE;
    for (int i = 0; i < count; i++)
        if (rows[i].nodes == out->knee_nodes && i + 1 < count)
            out->knee_bottleneck = rows[i + 1].bottleneck;
    out->usl_r2 = cs_usl_fit(n, x, count, false, &out->usl_x1, &out->usl_sigma, &out->usl_kappa);
    out->usl_peak_nodes = out->usl_kappa > 0 ? sqrt((1 - out->usl_sigma) / out->usl_kappa) : INFINITY;
    out->usl_kappa_se = cs_usl_kappa_se(n, x, count, out->usl_x1, out->usl_sigma, out->usl_kappa);
    int peak = 0;
    for (int i = 1; i < count; i++)
        if (x[i] > x[peak])
            peak = i;
    double drop = count && x[peak] > 0 ? (x[peak] - x[count - 1]) / x[peak] : 0;
    bool kappa_clear = !isfinite(out->usl_kappa_se) || out->usl_kappa > 2 * out->usl_kappa_se;
    if (peak < count - 1 && drop > 0.05 && kappa_clear)
        out->curve = CS_CURVE_DECLINES;
    else if (out->knee_nodes > 0)
        out->curve = CS_CURVE_PLATEAU;
    else
        out->curve = CS_CURVE_GROWS;
    double unused;
    out->amdahl_r2 = cs_usl_fit(n, x, count, true, &out->amdahl_x1, &out->amdahl_serial, &unused);

    const struct cs_sweep_row *after = NULL; /* the step after the knee */
    for (int i = 0; out->knee_nodes > 0 && i < count; i++)
        if (rows[i].nodes > out->knee_nodes && !after)
            after = &rows[i];
    /* The operational bottleneck law: the dispatching tier saturates when
     * n nodes' demand reaches its ceiling, k / (one dispatcher's or
     * relay's time per request) for k of them, that is at n* = its ceiling
     * / one node's capacity (servers / (service time / speed + overhead):
     * the model capacity's, so that the two agree). Under relays the tier
     * is rank 0 or the relays: the one the step after the knee blames,
     * else the busier. Its time per request is taken where it was
     * busiest. */
    bool by_relays = after && after->bottleneck == CS_BOTTLENECK_RELAYS;
    bool by_rank0 =
        after && (after->bottleneck == CS_BOTTLENECK_COORDINATOR || after->bottleneck == CS_BOTTLENECK_DISPATCHERS);
    int busiest = 0;
    double most = -1;
    out->ceiling_tier = CS_TIER_DISPATCHER;
    for (int i = 0; i < count; i++) {
        if (!by_relays && rows[i].coordinator_utilization > most) {
            most = rows[i].coordinator_utilization;
            busiest = i;
            out->ceiling_tier = CS_TIER_DISPATCHER;
        }
        if (!by_rank0 && rows[i].relays > 0 && rows[i].relay_utilization > most) {
            most = rows[i].relay_utilization;
            busiest = i;
            out->ceiling_tier = CS_TIER_RELAYS;
        }
    }
    bool relays = out->ceiling_tier == CS_TIER_RELAYS;
    const struct cs_sweep_row *b = count ? &rows[busiest] : NULL;
    double per_req = !b ? NAN : relays ? b->relay_per_request_us : b->coordinator_per_request_us;
    int k = !b ? 1 : relays ? b->relays : b->dispatchers > 1 ? b->dispatchers : 1;
    out->coordinator_ceiling_rps = per_req > 0 ? k * 1e6 / per_req : INFINITY;
    out->predicted_knee_nodes =
        per_req > 0 && node_rps > 0 && isfinite(node_rps) ? out->coordinator_ceiling_rps / node_rps : INFINITY;

    char knee[48], no_batch[80] = "", stops[96];
    cs_knee_words(out->predicted_knee_nodes, knee, sizeof(knee));
    /* The knee as cs_knee finds it: the step after it gained less than
     * half of what linear scale-out would (it may still have gained a
     * little: "stops scaling", with that share; or lost). */
    snprintf(stops, sizeof(stops), "throughput stops scaling at %d nodes", out->knee_nodes);
    if (after && rows[0].nodes > 0 && x[0] > 0) {
        double at = x[after - rows - 1], gain = after->throughput_rps - at,
               ideal = x[0] / rows[0].nodes * (after->nodes - out->knee_nodes);
        if (gain >= 0)
            snprintf(stops, sizeof(stops),
                     "throughput stops scaling at %d nodes (the step to %d gained %.0f%% of the ideal)",
                     out->knee_nodes, after->nodes, 100 * gain / ideal);
        else
            snprintf(stops, sizeof(stops), "throughput stops scaling at %d nodes (the step to %d lost %.0f%% of it)",
                     out->knee_nodes, after->nodes, -100 * gain / at);
    }
    if (b)
        batching_words(sc, b, per_req, no_batch, sizeof(no_batch));
    if (out->knee_nodes > 0) {
        /* (rank 0's numbers unknown: a row with relays of a file from
         * before the rows kept them, cs_sweep_rows_from_json) */
        if (after && after->bottleneck == CS_BOTTLENECK_COORDINATOR && isfinite(after->coordinator_utilization) &&
            per_req > 0)
            snprintf(out->explanation, sizeof(out->explanation),
                     "%s: the coordinator is busy %.0f%% of the time at %.2f us per "
                     "request, a ceiling of %.0f req/s; adding nodes cannot help (predicted knee: %s); %s%s",
                     stops, 100 * after->coordinator_utilization, per_req, out->coordinator_ceiling_rps, knee,
                     after->relays > 0 ? (no_batch[0] ? "a faster coordinator would lift the ceiling"
                                                      : "a faster coordinator or batching would lift the ceiling")
                     : no_batch[0]     ? "a faster coordinator or more dispatchers would lift the ceiling"
                                       : "a faster coordinator, batching, or more dispatchers would lift the ceiling",
                     no_batch);
        else if (after && after->bottleneck == CS_BOTTLENECK_DISPATCHERS)
            snprintf(out->explanation, sizeof(out->explanation),
                     "%s: the %d dispatchers are busy %.0f%% of the time at %.2f us "
                     "per request each, a ceiling of %.0f req/s; adding nodes cannot help (predicted knee: %s); "
                     "%s%s",
                     stops, k, 100 * after->coordinator_utilization, per_req, out->coordinator_ceiling_rps, knee,
                     no_batch[0] ? "more dispatchers would lift the ceiling"
                                 : "more dispatchers or batching would lift the ceiling",
                     no_batch);
        else if (after && after->bottleneck == CS_BOTTLENECK_RELAYS && per_req > 0) {
            char who[48] = "the relay is busy";
            if (k > 1)
                snprintf(who, sizeof(who), "the %d relays are busy", k);
            snprintf(out->explanation, sizeof(out->explanation),
                     "%s: %s %.0f%% of the time%s at %.2f us per request, a "
                     "ceiling of %.0f req/s; adding nodes cannot help (predicted knee: %s); more relays would lift "
                     "the ceiling",
                     stops, who, 100 * after->relay_utilization, k > 1 ? " (the busiest)" : "", per_req,
                     out->coordinator_ceiling_rps, knee);
        } else if (after) {
            char busy[48] = "";
            if (isfinite(after->coordinator_utilization))
                snprintf(busy, sizeof(busy), "%s busy %.0f%%, ", after->dispatchers > 1 ? "dispatchers" : "coordinator",
                         100 * after->coordinator_utilization);
            snprintf(out->explanation, sizeof(out->explanation),
                     "%s; the step after it reports bottleneck '%s' (%snodes busy "
                     "%.0f%%, service %.2fx requested)",
                     stops, cs_bottleneck_names[after->bottleneck], busy, 100 * after->node_utilization_mean,
                     after->service_inflation);
        }
    } else {
        /* Throughput grew to the last step, or until the load was met. */
        char predicts[128];
        bool they = relays || cs_sweep_several(rows, count);
        snprintf(predicts, sizeof(predicts), "the %s measured no cost per request, so nothing predicts a knee",
                 relays ? "relays"
                 : they ? "dispatchers"
                        : "coordinator");
        if (isfinite(out->predicted_knee_nodes))
            snprintf(predicts, sizeof(predicts), "the %s measured cost predicts %s knee at %s",
                     relays ? "relays'"
                     : they ? "dispatchers'"
                            : "coordinator's",
                     they ? "their" : "its", knee);
        if (met > 0)
            snprintf(out->explanation, sizeof(out->explanation),
                     "throughput grows with the nodes until all %.0f req/s offered are served, at %d nodes "
                     "(efficiency %.0f%% there): the load is met, not a limit reached; %s",
                     rows[met].offered_rps, n[met], 100 * out->efficiency[met], predicts);
        else
            snprintf(out->explanation, sizeof(out->explanation),
                     "throughput grows with every node up to %d (efficiency %.0f%%); %s", count ? n[count - 1] : 0,
                     count ? 100 * out->efficiency[count - 1] : 0, predicts);
    }
}

/* The lever a sweep moves: the list's key, the key it sets (and where
 * that sits in a scenario), its values. */
struct lever {
    const char *list, *key;
    size_t field;
    const int *values;
    int n;
};

static struct lever lever_of(const struct cs_scenario *sc)
{
    if (sc->sweep.dispatchers_n > 0)
        return (struct lever){"sweep.dispatchers", "dispatch.dispatchers",
                              offsetof(struct cs_scenario, dispatch.dispatchers), sc->sweep.dispatchers,
                              sc->sweep.dispatchers_n};
    if (sc->sweep.batch_n > 0)
        return (struct lever){"sweep.batch", "dispatch.batch", offsetof(struct cs_scenario, dispatch.batch),
                              sc->sweep.batch, sc->sweep.batch_n};
    return (struct lever){"sweep.relays", "dispatch.relays", offsetof(struct cs_scenario, dispatch.relays),
                          sc->sweep.relays, sc->sweep.relays_n};
}

int cs_lever_count(const struct cs_scenario *sc)
{
    return lever_of(sc).n;
}

void cs_lever_scenario(const struct cs_scenario *sc, int g, struct cs_scenario *out)
{
    *out = *sc;
    struct lever l = lever_of(sc);
    if (g < l.n)
        *(int *)((char *)out + l.field) = l.values[g];
}

/* Service nodes a setting has: on ranks, the base's, and the ranks of
 * dispatchers and relays it does without; in virtual time, the nodes
 * asked for, whatever the roles above them. */
static int setting_nodes(const struct cs_scenario *sc, const struct cs_scenario *setting, int max_nodes)
{
    if (sc->run.engine == CS_ENGINE_VIRTUAL)
        return max_nodes;
    return max_nodes + cs_first_node(sc) - cs_first_node(setting);
}

int cs_sweep_check(const struct cs_scenario *sc, int max_nodes, char *err, size_t errlen)
{
    struct cs_sweep_step steps[CS_SWEEP_MAX];
    if (cs_arrival_kinds[sc->load.arrival].source == CS_SOURCE_TRACE) { /* (a step's load would replace it) */
        snprintf(err, errlen,
                 "scenario key 'load.arrival': a sweep sets each step's load, and a trace brings its own; replay "
                 "the trace in runs without --sweep, one node count each");
        return CS_E_INVALID;
    }
    int settings = cs_lever_count(sc);
    if (settings == 0) {
        int n = cs_sweep_plan(sc, max_nodes, steps, err, errlen);
        return n < 0 ? n : CS_OK;
    }
    static struct cs_scenario setting; /* large: off the stack */
    int rows = 0;
    for (int g = 0; g < settings; g++) {
        cs_lever_scenario(sc, g, &setting);
        int nodes = setting_nodes(sc, &setting, max_nodes);
        if (nodes < 1 || nodes < setting.dispatch.relays) {
            int need = setting.dispatch.relays > 1 ? setting.dispatch.relays : 1;
            bool virtual_time = sc->run.engine == CS_ENGINE_VIRTUAL; /* (its ranks are the plan's, not a launch's) */
            snprintf(err, errlen,
                     "scenario key '%s[%d]': %d dispatcher%s, %d relays and a service node for each (at least "
                     "one) need %d %s or more, got %d",
                     lever_of(sc).list, g, setting.dispatch.dispatchers, setting.dispatch.dispatchers == 1 ? "" : "s",
                     setting.dispatch.relays, virtual_time ? need : cs_first_node(&setting) + need,
                     virtual_time ? "service nodes (--nodes)" : "MPI ranks",
                     virtual_time ? max_nodes : max_nodes + cs_first_node(sc));
            return CS_E_INVALID;
        }
        /* The setting numbers its nodes from its own first rank: faults
         * and per-node overrides by rank must still name service nodes. */
        char why[CS_ERRBUF];
        if (cs_scenario_check_nodes(&setting, nodes, why, sizeof(why)) != CS_OK) {
            snprintf(err, errlen, "%s, in the setting %s[%d] = %d", why, lever_of(sc).list, g, lever_of(sc).values[g]);
            return CS_E_INVALID;
        }
        int n = cs_sweep_plan(&setting, nodes, steps, err, errlen);
        if (n < 0)
            return n;
        rows += n;
    }
    if (rows > CS_SWEEP_MAX) {
        snprintf(err, errlen,
                 "scenario key '%s': %d settings of the node sweep make %d steps, more than %d; give fewer node "
                 "counts (sweep.nodes) or settings",
                 lever_of(sc).list, settings, rows, CS_SWEEP_MAX);
        return CS_E_INVALID;
    }
    return CS_OK;
}

/* One node sweep (one setting of a lever) into rows, as steps index.. of
 * count in all (0: its own); its row count, or a negative CS_E code.
 * *stopped is set to what fn returned when it asked to stop (2: its last
 * step was cut short). */
static int run_steps(const struct cs_scenario *sc, int max_nodes, cs_sweep_step_fn fn, void *ctx,
                     struct cs_sweep_row *rows, int index, int count, int *stopped, char *err, size_t errlen)
{
    struct cs_sweep_step steps[CS_SWEEP_MAX];
    int n = cs_sweep_plan(sc, max_nodes, steps, err, errlen);
    if (n < 0)
        return n;
    static struct cs_scenario step; /* large: off the stack */
    for (int i = 0; i < n; i++) {
        cs_sweep_step_scenario(sc, &steps[i], &step);
        int rc = fn(ctx, index + i, count > 0 ? count : n, &step, steps[i].nodes, &rows[i]);
        if (rc < 0)
            return rc;
        rows[i].step = index + i + 1;
        if (rc > 0) {
            *stopped = rc;
            return i + 1;
        }
    }
    return n;
}

static void analyze(const struct cs_scenario *sc, const struct cs_sweep_row *rows, int n, struct cs_scaling *scaling)
{
    memset(scaling, 0, sizeof(*scaling));
    /* A scaling curve needs node counts that change. */
    if (sc->sweep.rates_n == 0) {
        int most = 1; /* one node's capacity: the mean over the largest step's */
        for (int i = 0; i < n; i++)
            most = rows[i].nodes > most ? rows[i].nodes : most;
        double node_rps = cs_scenario_node_rps(sc, most);
        /* A weak sweep offers each node a fixed rate, below its capacity at
         * a utilization under 1: the dispatchers' ceiling comes at that
         * ceiling over the rate a node is offered. */
        for (int i = 0; sc->sweep.mode == CS_SWEEP_WEAK && i < n; i++)
            if (rows[i].nodes == most && rows[i].offered_rps > 0)
                node_rps = fmin(node_rps, rows[i].offered_rps / most);
        cs_scaling_analyze(rows, n, node_rps, sc, scaling);
    }
}

int cs_sweep_run(const struct cs_scenario *sc, int max_nodes, cs_sweep_step_fn fn, void *ctx, struct cs_sweep_row *rows,
                 struct cs_scaling *scaling, struct cs_levers *levers, char *err, size_t errlen)
{
    int rc = cs_sweep_check(sc, max_nodes, err, errlen);
    if (rc < 0)
        return rc;
    int stopped = 0;
    int settings = cs_lever_count(sc);
    if (settings == 0) {
        int n = run_steps(sc, max_nodes, fn, ctx, rows, 0, 0, &stopped, err, errlen);
        if (n > 0 && scaling)
            analyze(sc, rows, n - (stopped == 2), scaling);
        return n;
    }
    /* Every setting's plan, for the step count the progress line shows. */
    static struct cs_scenario setting; /* large: off the stack */
    int total = 0, done = 0;
    for (int g = 0; g < settings; g++) {
        struct cs_sweep_step steps[CS_SWEEP_MAX];
        cs_lever_scenario(sc, g, &setting);
        total += cs_sweep_plan(&setting, setting_nodes(sc, &setting, max_nodes), steps, err, errlen);
    }
    if (levers)
        *levers = (struct cs_levers){
            .key = lever_of(sc).key,
            .scaling = levers->scaling,
        };
    for (int g = 0; g < settings && !stopped; g++) {
        cs_lever_scenario(sc, g, &setting);
        int n = run_steps(&setting, setting_nodes(sc, &setting, max_nodes), fn, ctx, rows + done, done, total, &stopped,
                          err, errlen);
        if (n < 0)
            return n;
        int whole = n - (stopped == 2); /* (a step cut short is last, and not analysed) */
        if (levers) {
            levers->value[g] = lever_of(sc).values[g];
            levers->first_row[g] = done;
            levers->rows[g] = n;
            levers->n = g + 1;
            analyze(&setting, rows + done, whole, &levers->scaling[g]);
        }
        if (g == 0 && scaling)
            analyze(&setting, rows, whole, scaling);
        done += n;
    }
    return done;
}

int cs_sweep_order(const double *cost, int n, uint64_t skip, int *order)
{
    int k = 0, last = n > 0 && !(skip >> (n - 1) & 1);
    if (last)
        order[k++] = n - 1;
    for (int i = 0; i < n - 1; i++) { /* insertion by cost, largest first, stable */
        if (skip >> i & 1)
            continue;
        int at = k;
        while (at > last && cost[order[at - 1]] < cost[i]) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = i;
        k++;
    }
    return k;
}
