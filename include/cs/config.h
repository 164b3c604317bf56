/*
 * The scenario: what to simulate. Parsed from JSON text in one place
 * (config.c), validated, and copied into a plain struct with no cJSON in
 * it. Every key is optional and has a documented default; the keys are
 * rows of one table, from which parsing, defaults, --set overrides and the
 * printed effective scenario all come.
 */
#ifndef CS_CONFIG_H
#define CS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/dist.h"

#define CS_NAME_MAX 64
#define CS_TEXT_MAX 256
#define CS_SCENARIO_FILE_MAX (16 * 1024 * 1024) /* bytes */

enum cs_service_mode { CS_MODE_SLEEP = 0, CS_MODE_SPIN = 1 };

struct cs_scenario {
    char name[CS_NAME_MAX];
    char description[CS_TEXT_MAX];
    struct {
        int arrival;        /* index into cs_arrival_kinds */
        double rate_rps;    /* requests per second; NAN: derive from utilization */
        double utilization; /* target per-server load when rate_rps is unset */
        double duration_s;  /* measured window */
        double warmup_s;    /* before the window, excluded from statistics */
        uint64_t seed;
    } load;
    struct {
        struct cs_dist time;
        int mode;    /* enum cs_service_mode */
        int servers; /* concurrency per service node */
    } service;
    struct {
        int policy;       /* index into cs_policies */
        double cost_us;   /* emulated coordinator CPU work per request */
        int window;       /* max requests in flight per service node */
        int max_pending;  /* max requests queued at the coordinator */
    } dispatch;
    struct {
        double drain_timeout_s; /* max time to wait for replies after the window */
        double idle_poll_us;    /* how often an idle rank looks for messages */
    } run;
};

/* The embedded default scenario, as JSON text. */
extern const char cs_default_scenario_json[];

void cs_scenario_defaults(struct cs_scenario *s);

/*
 * Parse and validate JSON text into *s (defaults first, then the text).
 * On error returns CS_E_INVALID with one message in err naming the key and
 * the value (or the line and column of a syntax error).
 */
int cs_scenario_parse(struct cs_scenario *s, const char *text, size_t len, char *err, size_t errlen);

/*
 * Build the scenario text a run uses: the file (NULL: the embedded default)
 * with each "key.path=value" assignment applied in order. The value is
 * taken as JSON when it parses as JSON, else as a string. The result is
 * validated, and returned as compact JSON in *out (caller frees).
 */
int cs_scenario_compose(const char *path, const char *const *sets, int nsets, char **out, char *err,
                        size_t errlen);

/* The effective scenario as pretty JSON, every key present (caller frees). */
char *cs_scenario_to_json(const struct cs_scenario *s);

/* Offered load in requests per second for a run with this many nodes. */
double cs_scenario_rate(const struct cs_scenario *s, int service_nodes);

#endif
