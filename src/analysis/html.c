/*
 * The HTML report: the table and verdict of report.c, and plots drawn as
 * inline SVG by the small line-chart renderer below. Pure: it reads the
 * analyzed results and writes text.
 */
#include "cs/html.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/sweep.h"

#define W 680.0 /* the chart, in SVG units */
#define H 340.0
#define LEFT 72.0
#define RIGHT 18.0
#define TOP 34.0
#define BOTTOM 48.0
#define LINES_MAX 12
#define SPECTRUM_STEPS 8 /* a sweep's spectrum shows at most this many steps */

static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                      "#9467bd", "#8c564b", "#e377c2", "#17becf"};

enum style { SOLID, DASHED, DOTTED };

struct line {
    char name[64];
    const char *color;
    const double *x, *y;
    int n;
    enum style style;
    bool marks;
};

struct chart {
    const char *title, *xlabel, *ylabel;
    bool xlog, ylog;
    double xbase;     /* a log x axis' ticks: powers of this (0: of 10) */
    bool vary;        /* many lines of one kind: each also its own dash, not colour alone */
    bool xpercentile; /* x is 1/(1-p): label its ticks as percentiles */
    double shade_to;  /* grey band from the x axis' start to here (warm-up); 0: none */
    struct line lines[LINES_MAX];
    int n;
};

/* Text in XML: the five characters that need it escaped, and control
 * characters (which a JSON string may hold and XML may not) as U+FFFD. */
static void esc(FILE *out, const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') {
            fputs("\xEF\xBF\xBD", out);
            continue;
        }
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static bool usable(double v, bool log)
{
    return isfinite(v) && (!log || v > 0);
}

static void add_line(struct chart *c, const char *name, const double *x, const double *y, int n, enum style style,
                     bool marks)
{
    if (c->n == LINES_MAX)
        return;
    struct line *l = &c->lines[c->n];
    snprintf(l->name, sizeof(l->name), "%s", name);
    l->color = palette[c->n % CS_ARRAY_LEN(palette)];
    l->x = x;
    l->y = y;
    l->n = n;
    l->style = c->vary ? (enum style)(c->n % 3) : style;
    l->marks = marks;
    c->n++;
}

/* The axis range over the lines' usable points: from 0 (or the smallest
 * power of ten below, on a log axis) to a little above the largest. */
static void range(const struct chart *c, bool x_axis, double *lo, double *hi)
{
    bool log = x_axis ? c->xlog : c->ylog;
    double mn = INFINITY, mx = -INFINITY;
    for (int i = 0; i < c->n; i++)
        for (int k = 0; k < c->lines[i].n; k++) {
            double v = x_axis ? c->lines[i].x[k] : c->lines[i].y[k];
            double other = x_axis ? c->lines[i].y[k] : c->lines[i].x[k];
            if (!usable(v, log) || !usable(other, x_axis ? c->ylog : c->xlog))
                continue;
            mn = fmin(mn, v);
            mx = fmax(mx, v);
        }
    if (!isfinite(mn)) {
        *lo = log ? 1 : 0;
        *hi = log ? 10 : 1;
        return;
    }
    if (log) {
        double b = x_axis && c->xbase > 0 ? c->xbase : 10;
        *lo = pow(b, floor(log10(mn) / log10(b) + 1e-9));
        *hi = pow(b, ceil(log10(mx) / log10(b) - 1e-9));
        if (*hi <= *lo)
            *hi = *lo * b;
        return;
    }
    *lo = mn >= 0 ? 0 : mn;
    *hi = x_axis ? mx : mx * 1.08;
    if (*hi <= *lo)
        *hi = *lo + (fabs(*lo) > 0 ? fabs(*lo) : 1);
}

/* A 1-2-5 step giving about five ticks. */
static double tick_step(double lo, double hi)
{
    double raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

struct frame {
    double xlo, xhi, ylo, yhi;
    bool xlog, ylog;
    double xbase; /* a log x axis' tick step */
};

static double px(const struct frame *f, double v)
{
    double t = f->xlog ? log10(v / f->xlo) / log10(f->xhi / f->xlo) : (v - f->xlo) / (f->xhi - f->xlo);
    return LEFT + t * (W - LEFT - RIGHT);
}

static double py(const struct frame *f, double v)
{
    double t = f->ylog ? log10(v / f->ylo) / log10(f->yhi / f->ylo) : (v - f->ylo) / (f->yhi - f->ylo);
    return H - BOTTOM - t * (H - TOP - BOTTOM);
}

static void tick_label(FILE *out, double v, bool percentile)
{
    if (percentile) { /* 1/(1-p) = 10^k is the percentile 100 (1 - 10^-k) */
        char s[32];
        snprintf(s, sizeof(s), "%.10g%%", 100.0 * (1.0 - 1.0 / v));
        fputs(s, out);
    } else if (fabs(v) >= 1e6) {
        fprintf(out, "%gM", v / 1e6);
    } else if (fabs(v) >= 1e4) {
        fprintf(out, "%gk", v / 1e3);
    } else {
        fprintf(out, "%g", fabs(v) < 1e-12 ? 0.0 : v);
    }
}

/* The ticks of one axis, with their grid lines and labels. */
static void ticks(FILE *out, const struct frame *f, bool x_axis, bool percentile)
{
    bool log = x_axis ? f->xlog : f->ylog;
    double lo = x_axis ? f->xlo : f->ylo, hi = x_axis ? f->xhi : f->yhi;
    double step = log ? (x_axis ? f->xbase : 10) : tick_step(lo, hi);
    for (double v = log ? lo : ceil(lo / step - 1e-9) * step; v <= hi * (1 + 1e-9); v = log ? v * step : v + step) {
        if (x_axis) {
            double x = px(f, v);
            fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", x, TOP, x,
                    H - BOTTOM);
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, H - BOTTOM + 16);
        } else {
            double y = py(f, v);
            fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", LEFT, y, W - RIGHT,
                    y);
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", LEFT - 6, y + 4);
        }
        tick_label(out, v, percentile);
        fputs("</text>\n", out);
    }
}

static void svg_chart(FILE *out, const struct chart *c)
{
    struct frame f = {.xlog = c->xlog, .ylog = c->ylog, .xbase = c->xbase > 0 ? c->xbase : 10};
    range(c, true, &f.xlo, &f.xhi);
    range(c, false, &f.ylo, &f.yhi);
    /* The key goes below the frame, where it hides no point: in two
     * columns where the names are short enough. */
    size_t longest = 0;
    for (int i = 0; i < c->n; i++)
        longest = strlen(c->lines[i].name) > longest ? strlen(c->lines[i].name) : longest;
    int columns = c->n > 2 && longest <= 40 ? 2 : 1, rows = (c->n + columns - 1) / columns;
    double height = H + 16.0 * rows + (rows ? 6 : 0);
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "role=\"img\" class=\"chart\">\n<title>",
            W, height, W, height);
    esc(out, c->title);
    fputs("</title>\n<desc>", out);
    /* What a reader who cannot see the lines is told: each from its first
     * point to its last. */
    for (int i = 0; i < c->n; i++) {
        const struct line *l = &c->lines[i];
        int a = 0, b = l->n - 1;
        while (a <= b && !(usable(l->x[a], c->xlog) && usable(l->y[a], c->ylog)))
            a++;
        while (b >= a && !(usable(l->x[b], c->xlog) && usable(l->y[b], c->ylog)))
            b--;
        fputs(i ? "; " : "", out);
        esc(out, l->name);
        if (a <= b)
            fprintf(out, ": from (%.4g, %.4g) to (%.4g, %.4g)", l->x[a], l->y[a], l->x[b], l->y[b]);
        else
            fputs(": no point", out);
    }
    fputs(" (", out);
    esc(out, c->xlabel);
    fputs(", ", out);
    esc(out, c->ylabel);
    fputs(")</desc>\n", out);
    fprintf(out, "<text x=\"%.1f\" y=\"20\" class=\"title\">", LEFT);
    esc(out, c->title);
    fputs("</text>\n", out);
    if (c->shade_to > f.xlo && !c->xlog) {
        double x1 = px(&f, fmin(c->shade_to, f.xhi));
        fprintf(out,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"shade\"/>\n"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"note\">warm-up</text>\n",
                LEFT, TOP, x1 - LEFT, H - TOP - BOTTOM, LEFT + 4, TOP + 14);
    }
    ticks(out, &f, true, c->xpercentile);
    ticks(out, &f, false, false);
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n", LEFT, TOP,
            W - LEFT - RIGHT, H - TOP - BOTTOM);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (LEFT + W - RIGHT) / 2, H - 10);
    esc(out, c->xlabel);
    fprintf(out, "</text>\n<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">",
            (TOP + H - BOTTOM) / 2);
    esc(out, c->ylabel);
    fputs("</text>\n", out);
    static const char *const dash[] = {"", " stroke-dasharray=\"7 5\"", " stroke-dasharray=\"2 4\""};
    for (int i = 0; i < c->n; i++) {
        const struct line *l = &c->lines[i];
        /* A polyline per run of usable points: gaps stay gaps. */
        bool open = false;
        for (int k = 0; k < l->n; k++) {
            if (!usable(l->x[k], c->xlog) || !usable(l->y[k], c->ylog)) {
                if (open)
                    fputs("\"/>\n", out);
                open = false;
                continue;
            }
            if (!open)
                fprintf(out, "<polyline class=\"line\" stroke=\"%s\"%s points=\"", l->color, dash[l->style]);
            fprintf(out, "%s%.1f,%.1f", open ? " " : "", px(&f, l->x[k]), py(&f, l->y[k]));
            open = true;
        }
        if (open)
            fputs("\"/>\n", out);
        for (int k = 0; l->marks && k < l->n; k++)
            if (usable(l->x[k], c->xlog) && usable(l->y[k], c->ylog))
                fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", px(&f, l->x[k]),
                        py(&f, l->y[k]), l->color);
    }
    for (int i = 0; i < c->n; i++) {
        const struct line *l = &c->lines[i];
        double kx = LEFT + (i % columns) * (W - LEFT - RIGHT) / 2, ky = H + 12 + 16 * (i / columns);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"line\" stroke=\"%s\"%s/>\n", kx,
                ky - 4, kx + 24, ky - 4, l->color, dash[l->style]);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", kx + 30, ky);
        esc(out, l->name);
        fputs("</text>\n", out);
    }
    fputs("</svg>\n", out);
}

/* --- the plots of a single run ---------------------------------------- */

struct columns {
    double *t, *offered, *completed, *rejected, *p50, *p99, *pending, *in_flight;
};

static bool columns_alloc(struct columns *c, int n)
{
    double **all[] = {&c->t, &c->offered, &c->completed, &c->rejected, &c->p50, &c->p99, &c->pending, &c->in_flight};
    bool ok = true;
    for (size_t i = 0; i < CS_ARRAY_LEN(all); i++)
        ok &= (*all[i] = calloc((size_t)(n > 0 ? n : 1), sizeof(double))) != NULL;
    return ok;
}

static void columns_free(struct columns *c)
{
    double *all[] = {c->t, c->offered, c->completed, c->rejected, c->p50, c->p99, c->pending, c->in_flight};
    for (size_t i = 0; i < CS_ARRAY_LEN(all); i++)
        free(all[i]);
}

static void time_series_plots(FILE *out, const struct cs_results *r)
{
    int n = r->series_n;
    struct columns col = {0};
    if (n < 2 || !columns_alloc(&col, n)) {
        fputs("<p>No time series: the run was shorter than two intervals (run.interval_ms).</p>\n", out);
        columns_free(&col);
        return;
    }
    bool rejected = false;
    int kept = 0;
    for (int k = 0; k < n; k++) {
        /* An interval cut short (the last, as the run ends) holds too few
         * requests for a rate or a percentile: leave it out. */
        const struct cs_interval_row *w = &r->series[k];
        if (w->length_s < 0.5 * r->scenario.run.interval_ms / 1e3)
            continue;
        int i = kept++;
        col.t[i] = w->t_s;
        col.offered[i] = w->offered_rps;
        col.completed[i] = w->completed_rps;
        col.rejected[i] = w->rejected_rps + w->timed_out_rps + w->failed_rps;
        rejected |= col.rejected[i] > 0;
        col.p50[i] = w->p50_us > 0 ? w->p50_us / 1e3 : NAN; /* no replies: no point */
        col.p99[i] = w->p99_us > 0 ? w->p99_us / 1e3 : NAN;
        col.pending[i] = w->pending;
        col.in_flight[i] = w->in_flight;
    }
    n = kept;
    double warm = r->scenario.load.warmup_s;
    struct chart c = {.title = "Throughput over time",
                      .xlabel = "time since the start (s)",
                      .ylabel = "requests/s",
                      .shade_to = warm};
    add_line(&c, "offered (arrivals)", col.t, col.offered, n, DASHED, false);
    add_line(&c, "completed", col.t, col.completed, n, SOLID, false);
    if (rejected)
        add_line(&c, "rejected, timed out or failed", col.t, col.rejected, n, SOLID, false);
    svg_chart(out, &c);

    double lo = INFINITY, hi = 0;
    for (int i = 0; i < n; i++)
        if (col.p99[i] > 0) {
            lo = fmin(lo, col.p50[i] > 0 ? col.p50[i] : col.p99[i]);
            hi = fmax(hi, col.p99[i]);
        }
    c = (struct chart){.title = "Latency over time (replies in each interval)",
                       .xlabel = "time since the start (s)",
                       .ylabel = "latency (ms)",
                       .shade_to = warm,
                       .ylog = hi > 30 * lo};
    add_line(&c, "p50", col.t, col.p50, n, SOLID, false);
    add_line(&c, "p99", col.t, col.p99, n, SOLID, false);
    svg_chart(out, &c);

    c = (struct chart){
        .title = "Queue depth over time", .xlabel = "time since the start (s)", .ylabel = "requests", .shade_to = warm};
    add_line(&c, "waiting at the coordinator", col.t, col.pending, n, SOLID, false);
    add_line(&c, "in flight at the nodes", col.t, col.in_flight, n, SOLID, false);
    svg_chart(out, &c);
    columns_free(&col);
}

/* The percentile spectrum of up to SPECTRUM_STEPS histograms (HdrHistogram's
 * plot: latency against 1/(1-p) on a log axis, so p99 and p99.9 get room),
 * from the 10th percentile up. */
static void spectrum_plot(FILE *out, const struct cs_histogram *const *h, char names[][64], int count)
{
    static struct cs_hist_level levels[CS_HIST_LEVELS_MAX];
    static double x[SPECTRUM_STEPS][2 * CS_HIST_LEVELS_MAX], y[SPECTRUM_STEPS][2 * CS_HIST_LEVELS_MAX];
    struct chart c = {.title = "Latency percentile spectrum",
                      .xlabel = "percentile",
                      .ylabel = "latency (ms)",
                      .xlog = true,
                      .xpercentile = true,
                      .vary = count > 1};
    double lo = INFINITY, hi = 0;
    for (int s = 0; s < count && s < SPECTRUM_STEPS; s++) {
        int n = cs_hist_levels(h[s], 5, levels, CS_HIST_LEVELS_MAX);
        int k = 0;
        /* Each level's value over the requests of its bucket: from where
         * the level before it ended (its count) to its own count, a step,
         * so that a latency every request shared is a line, not a point.
         * The last, the maximum's, to the highest percentile below the
         * maximum itself (which sits at infinity); the line starts at the
         * 10th percentile (the fastest few would stretch the axis by
         * decades below the body). */
        double total = (double)h[s]->total, top = 1.0 - 1.0 / total, prev = 0;
        for (int i = 0; i < n; i++) {
            double from = fmax(prev, 0.1), to = levels[i].fraction < 1.0 ? (double)levels[i].count / total : top;
            prev = to;
            if (to <= from)
                continue;
            double v = (double)levels[i].value / 1e6;
            x[s][k] = 1.0 / (1.0 - from);
            x[s][k + 1] = 1.0 / (1.0 - to);
            y[s][k] = y[s][k + 1] = v;
            k += 2;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
        add_line(&c, names[s], x[s], y[s], k, SOLID, false);
    }
    c.ylog = lo > 0 && hi > 30 * lo;
    svg_chart(out, &c);
}

/* --- the plots of a sweep ---------------------------------------------- */

static void sweep_plots(FILE *out, const struct cs_results *r)
{
    int n = r->sweep_finished; /* a step a signal cut short is last, and not drawn */
    if (n == 0) {              /* a sweep stopped before any step finished */
        fputs("<p>No step finished: nothing to plot.</p>\n", out);
        return;
    }
    double nodes[CS_SWEEP_MAX], offered[CS_SWEEP_MAX], x[CS_SWEEP_MAX], p50[CS_SWEEP_MAX], p99[CS_SWEEP_MAX];
    double coord[CS_SWEEP_MAX], busy[CS_SWEEP_MAX], ideal[CS_SWEEP_MAX], relay[CS_SWEEP_MAX];
    bool relays = false, several = cs_sweep_several(r->sweep, n); /* several dispatchers: their mean is "coord" */
    for (int i = 0; i < n; i++) {
        const struct cs_sweep_row *w = &r->sweep[i];
        nodes[i] = w->nodes;
        offered[i] = w->offered_rps;
        x[i] = w->throughput_rps;
        p50[i] = w->p50_us / 1e3;
        p99[i] = w->p99_us / 1e3;
        coord[i] = 100 * w->coordinator_utilization;
        relay[i] = w->relays > 0 ? 100 * w->relay_utilization : NAN;
        relays = relays || w->relays > 0;
        busy[i] = 100 * w->node_utilization_mean;
        ideal[i] = r->sweep[0].nodes > 0 ? x[0] / r->sweep[0].nodes * w->nodes : NAN;
    }
    bool by_rate = r->scenario.sweep.rates_n > 0;
    const double *xs = by_rate ? offered : nodes;
    const char *xlabel = by_rate ? "offered load (requests/s)" : "service nodes";
    const char *tier = several ? "dispatchers (mean)" : "coordinator";
    /* Node counts over a range of 16 or more (powers of two, most often):
     * a log2 axis, where a linear one crowds the small steps together. */
    bool spread = !by_rate && nodes[0] > 0 && nodes[n - 1] >= 16 * nodes[0];
    struct chart c;
    if (by_rate) {
        c = (struct chart){
            .title = "Latency against offered load", .xlabel = xlabel, .ylabel = "latency (ms)", .ylog = true};
        add_line(&c, "p50", xs, p50, n, SOLID, true);
        add_line(&c, "p99", xs, p99, n, SOLID, true);
        svg_chart(out, &c);
        c = (struct chart){.title = "Throughput against offered load", .xlabel = xlabel, .ylabel = "requests/s"};
        add_line(&c, "throughput", xs, x, n, SOLID, true);
        add_line(&c, "offered", xs, offered, n, DASHED, false);
        svg_chart(out, &c);
    } else if (r->levers) {
        /* One curve per setting of the lever, each with its knee. */
        const struct cs_levers *lv = r->levers;
        bool by_relays = strcmp(lv->key, "dispatch.relays") == 0; /* the tier it adds to is the one to watch */
        struct chart p = {.title = "p99 latency against service nodes, one curve per setting",
                          .xlabel = xlabel,
                          .ylabel = "latency (ms)",
                          .ylog = true,
                          .xlog = spread,
                          .xbase = 2,
                          .vary = true},
                     u = {.title = by_relays ? "The busiest relay's busy share, one curve per setting"
                                   : several ? "The dispatchers' mean busy share, one curve per setting"
                                             : "The coordinator's busy share, one curve per setting",
                          .xlabel = xlabel,
                          .ylabel = "busy (%)",
                          .xlog = spread,
                          .xbase = 2,
                          .vary = true};
        c = (struct chart){.title = "Throughput against service nodes, one curve per setting",
                           .xlabel = xlabel,
                           .ylabel = "requests/s",
                           .xlog = spread,
                           .xbase = 2,
                           .vary = true};
        for (int g = 0; g < lv->n; g++) {
            char name[64];
            int f = lv->first_row[g], rows = lv->rows[g] < n - f ? lv->rows[g] : n - f;
            if (rows <= 0)
                continue;
            if (lv->scaling[g].knee_nodes > 0)
                snprintf(name, sizeof(name), "%s %d (knee %d)", lv->key, lv->value[g], lv->scaling[g].knee_nodes);
            else
                snprintf(name, sizeof(name), "%s %d (no knee)", lv->key, lv->value[g]);
            add_line(&c, name, xs + f, x + f, rows, SOLID, true);
            snprintf(name, sizeof(name), "%s %d", lv->key, lv->value[g]);
            add_line(&p, name, xs + f, p99 + f, rows, SOLID, true);
            add_line(&u, name, xs + f, (by_relays ? relay : coord) + f, rows, SOLID, true);
        }
        svg_chart(out, &c);
        svg_chart(out, &p);
        svg_chart(out, &u);
    } else {
        const struct cs_scaling *a = r->scaling;
        static double fit_n[64], fit_x[64], ceil_n[2], ceil_x[2];
        c = (struct chart){.title = "Throughput against service nodes",
                           .xlabel = xlabel,
                           .ylabel = "requests/s",
                           .xlog = spread,
                           .xbase = 2};
        add_line(&c, "measured", xs, x, n, SOLID, true);
        add_line(&c, "ideal linear scale-out", xs, ideal, n, DASHED, false);
        if (a && isfinite(a->coordinator_ceiling_rps)) {
            ceil_n[0] = nodes[0];
            ceil_n[1] = nodes[n - 1];
            ceil_x[0] = ceil_x[1] = a->coordinator_ceiling_rps;
            add_line(&c,
                     a->ceiling_tier == CS_TIER_RELAYS ? "relays' ceiling"
                     : several                         ? "dispatchers' ceiling"
                                                       : "coordinator's ceiling",
                     ceil_n, ceil_x, 2, DOTTED, false);
        }
        if (a && isfinite(a->usl_x1)) {
            for (int i = 0; i < 64; i++) {
                fit_n[i] = spread ? nodes[0] * pow(nodes[n - 1] / nodes[0], i / 63.0)
                                  : nodes[0] + (nodes[n - 1] - nodes[0]) * i / 63.0;
                fit_x[i] = a->usl_x1 * fit_n[i] /
                           (1 + a->usl_sigma * (fit_n[i] - 1) + a->usl_kappa * fit_n[i] * (fit_n[i] - 1));
            }
            add_line(&c, "USL fit", fit_n, fit_x, 64, SOLID, false);
        }
        svg_chart(out, &c);
        c = (struct chart){.title = "Latency against service nodes",
                           .xlabel = xlabel,
                           .ylabel = "latency (ms)",
                           .ylog = true,
                           .xlog = spread,
                           .xbase = 2};
        add_line(&c, "p50", xs, p50, n, SOLID, true);
        add_line(&c, "p99", xs, p99, n, SOLID, true);
        svg_chart(out, &c);
    }
    if (!r->levers) {
        c = (struct chart){
            .title = "Utilization per step", .xlabel = xlabel, .ylabel = "busy (%)", .xlog = spread, .xbase = 2};
        add_line(&c, tier, xs, coord, n, SOLID, true);
        if (relays)
            add_line(&c, "relays (the busiest)", xs, relay, n, SOLID, true);
        add_line(&c, "service nodes (mean)", xs, busy, n, SOLID, true);
        svg_chart(out, &c);
    }

    /* The steps with a distribution (a resumed sweep's kept steps have
     * none): evenly chosen, the first and the last always among them. */
    int with[CS_SWEEP_MAX], m = 0;
    for (int i = 0; r->sweep_latency && i < n; i++)
        if (r->sweep_latency[i].total > 0)
            with[m++] = i;
    if (m > 0) {
        const struct cs_histogram *h[SPECTRUM_STEPS];
        char names[SPECTRUM_STEPS][64];
        int shown = m < SPECTRUM_STEPS ? m : SPECTRUM_STEPS;
        for (int s = 0; s < shown; s++) {
            int i = with[shown > 1 ? s * (m - 1) / (shown - 1) : 0];
            h[s] = &r->sweep_latency[i];
            char setting[48] = ""; /* a lever sweep's rows: each setting's */
            for (int g = 0; r->levers && g < r->levers->n; g++)
                if (i >= r->levers->first_row[g] && i < r->levers->first_row[g] + r->levers->rows[g])
                    snprintf(setting, sizeof(setting), "%s %d, ", r->levers->key, r->levers->value[g]);
            if (by_rate)
                snprintf(names[s], sizeof(names[s]), "%.0f req/s offered", offered[i]);
            else
                snprintf(names[s], sizeof(names[s]), "%s%d node%s", setting, r->sweep[i].nodes,
                         r->sweep[i].nodes == 1 ? "" : "s");
        }
        spectrum_plot(out, h, names, shown);
    }
}

/* --- the page ------------------------------------------------------------ */

static const char *const style_sheet =
    "body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}"
    ".meta{color:#555;font-size:.9em}.meta code{word-break:break-all}"
    ".verdict{border-left:6px solid #2ca02c;background:#f4faf4;padding:.6em 1em}"
    ".verdict.bad{border-color:#d62728;background:#fdf3f3}"
    "pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:.85em}"
    "svg.chart{display:block;margin:1em 0;max-width:100%;height:auto;font-size:12px;background:#fff}"
    "svg .grid{stroke:#e4e4e4}svg .frame{fill:none;stroke:#888}svg .line{fill:none;stroke-width:2}"
    "svg .title{font-size:14px;font-weight:bold}svg .shade{fill:#eee}svg .note{fill:#777}";

void cs_results_html(const struct cs_results *r, FILE *out)
{
    const struct cs_scenario *sc = &r->scenario;
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n<title>clustersim: ",
          out);
    esc(out, sc->name);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>clustersim %s: %s of scenario &quot;", style_sheet,
            CS_VERSION, cs_results_is_sweep(r) ? "sweep" : "run");
    esc(out, sc->name);
    fputs("&quot;</h1>\n<p class=\"meta\">", out);
    if (sc->description[0]) {
        esc(out, sc->description);
        fputs("<br/>", out);
    }
    if (cs_results_is_sweep(r)) { /* (the description may speak of a load the sweep replaced) */
        char load[192];
        esc(out, cs_sweep_load_words(sc, load, sizeof(load)));
        fputs("<br/>", out);
    }
    fputs("started ", out);
    esc(out, r->started_utc[0] ? r->started_utc : "(unknown)");
    if (sc->run.engine == CS_ENGINE_VIRTUAL)
        fputs(" in one process; ", out);
    else
        fprintf(out, " on %d host%s, %d ranks; ", r->host_count, r->host_count == 1 ? "" : "s", r->ranks);
    esc(out, r->library);
    fputs("<br/>command: <code>", out);
    esc(out, r->command);
    fputs("</code></p>\n", out);

    bool bad;
    const char *verdict;
    char *knees = NULL; /* a lever sweep's verdict: each setting's knee, not the first's analysis */
    size_t knees_len = 0;
    FILE *mem = NULL;
    if (cs_results_is_sweep(r) && r->levers && (mem = open_memstream(&knees, &knees_len))) {
        cs_levers_knees(r, mem);
        fclose(mem);
    }
    int kneed = 0; /* settings with a knee */
    if (knees) {
        for (int g = 0; g < r->levers->n; g++)
            kneed += r->levers->scaling[g].n >= 2 && r->levers->scaling[g].knee_nodes > 0;
        bad = kneed > 0;
        verdict = knees;
    } else if (cs_results_is_sweep(r) && r->scaling) {
        bad = r->scaling->knee_nodes > 0;
        verdict = r->scaling->explanation;
    } else {
        bad = r->bottleneck != CS_BOTTLENECK_NONE || !r->complete || r->overload.episodes > 0;
        verdict = r->reason;
    }
    fprintf(out, "<div class=\"verdict%s\"><p><strong>", bad ? " bad" : "");
    if (knees)
        fputs(kneed == r->levers->n ? "knee found at every setting"
              : kneed > 0           ? "knee found at some settings"
                                    : "no knee at any setting in this range",
              out);
    else if (cs_results_is_sweep(r))
        fputs(r->scaling    ? (bad ? "knee found" : "no knee in this range")
              : r->complete ? "at the highest offered load"
                            : "stopped",
              out);
    else
        fprintf(out, "bottleneck: %s", cs_bottleneck_names[r->bottleneck]);
    fputs("</strong>", out);
    if (!r->complete) {
        fputs(" (INCOMPLETE: ", out);
        esc(out, cs_results_incomplete_why(r));
        fputs(")", out);
    }
    fputs("</p><p>", out);
    esc(out, verdict[0] ? verdict : "(no explanation: see the report)");
    free(knees);
    fputs("</p></div>\n<h2>Report</h2>\n<pre>", out);
    char *table = NULL;
    size_t len = 0;
    mem = open_memstream(&table, &len);
    if (mem) {
        cs_results_table(r, mem);
        fclose(mem);
    }
    esc(out, table ? table : "(out of memory)");
    free(table);
    fputs("</pre>\n<h2>Plots</h2>\n", out);
    if (cs_results_is_sweep(r)) {
        sweep_plots(out, r);
    } else {
        time_series_plots(out, r);
        const struct cs_histogram *h = &r->latency;
        char name[1][64] = {"measured requests"};
        spectrum_plot(out, &h, name, 1);
    }
    fputs("<p class=\"meta\">Latency counts from each request's intended arrival time; the percentiles come from "
          "a log-linear histogram (within 0.4%). Written by clustersim; the results JSON holds every number.</p>\n"
          "</body>\n</html>\n",
          out);
}
