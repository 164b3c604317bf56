/*
 * The HTML report (--html FILE): one self-contained page, no scripts and
 * no files beside it: the report table, the verdict, and the plots drawn
 * here as inline SVG. For a single run: throughput, latency and queue depth
 * over time (the intervals of run.interval_ms) and the latency percentile
 * spectrum; for a sweep: the scaling curve with its ideal, ceiling and USL
 * fit (or latency against offered load), utilization per step and each
 * step's spectrum. The page is well-formed XML (XHTML polyglot), so any
 * XML parser can check it.
 */
#ifndef CS_HTML_H
#define CS_HTML_H

#include <stdio.h>

#include "cs/results.h"

/* Write the page for analyzed results r. */
void cs_results_html(const struct cs_results *r, FILE *out);

#endif
