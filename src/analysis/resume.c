/*
 * Resuming a sweep from a partial results file (resume.h).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/jsonpath.h"
#include "cs/jsontext.h"
#include "cs/resume.h"
#include "cs/results.h"

/* The first leaf where a and b differ, as "key.path": is it there? */
static bool first_difference(const cJSON *a, const cJSON *b, char *path, size_t len)
{
    if (cJSON_Compare(a, b, true))
        return false;
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        size_t at = strlen(path);
        const cJSON *x;
        cJSON_ArrayForEach (x, a) {
            snprintf(path + at, len - at, "%s%s", at ? "." : "", x->string);
            if (first_difference(x, cJSON_GetObjectItemCaseSensitive(b, x->string), path, len))
                return true;
        }
        cJSON_ArrayForEach (x, b) {
            snprintf(path + at, len - at, "%s%s", at ? "." : "", x->string);
            if (!cJSON_GetObjectItemCaseSensitive(a, x->string))
                return true;
        }
        path[at] = '\0';
    }
    return true; /* a leaf, an array, or a different kind */
}

/* A JSON value in a message: short, "(none)" when absent. */
static void value_text(const cJSON *v, char *out, size_t len)
{
    char *text = v ? cJSON_PrintUnformatted(v) : NULL;
    snprintf(out, len, "%s", text ? text : "(none)");
    if (strlen(out) > 40)
        snprintf(out + 37, len - 37, "...");
    free(text);
}

struct plan_check {
    const struct cs_resume *rs;
    int last;  /* the last step the file finished, from 1 */
    int steps; /* of this sweep's plan */
    char *err;
    size_t errlen;
};

/* The plan, step by step, without running anything: each step the file
 * finished must be the same step of this plan. */
static int check_step(void *arg, int i, int count, const struct cs_scenario *step, int nodes, struct cs_sweep_row *row)
{
    struct plan_check *p = arg;
    p->steps = count;
    const struct cs_sweep_row *w = &p->rs->rows[i];
    int dispatchers = step->dispatch.dispatchers > 0 ? step->dispatch.dispatchers : 1;
    if ((p->rs->steps >> i & 1) && (w->nodes != nodes || w->dispatchers != dispatchers ||
                                    w->batch != step->dispatch.batch || w->relays != step->dispatch.relays)) {
        snprintf(
            p->err, p->errlen,
            "--resume '%s': its step %d ran %d service nodes (dispatchers %d, batch %d, relays %d), but this "
            "sweep's step %d has %d (dispatchers %d, batch %d, relays %d): not the same sweep on this job (another "
            "rank count?)",
            p->rs->path, i + 1, w->nodes, w->dispatchers, w->batch, w->relays, i + 1, nodes, dispatchers,
            step->dispatch.batch, step->dispatch.relays);
        return CS_E_INVALID;
    }
    memset(row, 0, sizeof(*row));
    return i + 1 >= p->last ? 1 : 0;
}

/* The file's first `finished` rows into rs, each at its step: CS_OK, or
 * CS_E_INVALID with why. */
static int place_rows(struct cs_resume *rs, const struct cs_sweep_row *rows, int finished, int *last, char *why,
                      size_t len)
{
    *last = 0;
    for (int k = 0; k < finished; k++) {
        int s = rows[k].step;
        if (s < 1 || s > CS_SWEEP_MAX || (rs->steps >> (s - 1) & 1)) {
            snprintf(why, len, "'sweep[%d].step' is %d: %s", k, s,
                     s < 1 || s > CS_SWEEP_MAX ? "a sweep's steps are numbered from 1 to 64" : "another row has it");
            return CS_E_INVALID;
        }
        rs->rows[s - 1] = rows[k];
        rs->steps |= UINT64_C(1) << (s - 1);
        *last = s > *last ? s : *last;
    }
    rs->kept = finished;
    return CS_OK;
}

int cs_resume_check(struct cs_resume *rs, const cJSON *doc, const char *path, const struct cs_scenario *sc,
                    int max_nodes, char *err, size_t errlen)
{
    memset(rs, 0, sizeof(*rs));
    rs->path = path;
    const char *version = cs_json_str(doc, "version");
    const cJSON *theirs = cJSON_GetObjectItemCaseSensitive(doc, "sweep_scenario");
    char *text = cs_scenario_to_json(sc);
    cJSON *mine = text ? cJSON_Parse(text) : NULL;
    free(text);
    char key[512] = "", a[64], b[64], why[CS_ERRBUF];
    int rc = CS_E_INVALID, rows, last = 0;
    static struct cs_sweep_row file_rows[CS_SWEEP_MAX];
    /* The steps that ran whole: a step a signal cut short is not one. */
    double finished = cs_json_num(doc, "sweep_finished");
    if (!mine) {
        snprintf(err, errlen, "--resume '%s': out of memory", path);
        rc = CS_E_NOMEM;
    } else if (!version || strcmp(version, CS_VERSION) != 0) {
        snprintf(err, errlen,
                 "--resume '%s': written by clustersim %s, and this is %s: a sweep resumes with the version that "
                 "began it",
                 path, version ? version : "(no version)", CS_VERSION);
    } else if (!cJSON_IsObject(theirs)) {
        snprintf(err, errlen, "--resume '%s': not the results of a sweep (no 'sweep_scenario')", path);
    } else if (first_difference(theirs, mine, key, sizeof(key))) {
        value_text(cs_json_at(theirs, key), a, sizeof(a));
        value_text(cs_json_at(mine, key), b, sizeof(b));
        snprintf(err, errlen,
                 "--resume '%s': another scenario's sweep: its '%s' is %s, this one's is %s (resume with the same "
                 "scenario and --set options)",
                 path, key[0] ? key : "(scenario)", a, b);
    } else if ((rows = cs_sweep_rows_from_json(doc, file_rows, CS_SWEEP_MAX, why, sizeof(why))) < 0) {
        snprintf(err, errlen, "--resume '%s': %s", path, why);
    } else if (!(finished >= 0 && finished <= rows && finished == floor(finished))) {
        snprintf(err, errlen, "--resume '%s': 'sweep_finished' must be a whole number of its %d rows", path, rows);
    } else if (place_rows(rs, file_rows, (int)finished, &last, why, sizeof(why)) != CS_OK) {
        snprintf(err, errlen, "--resume '%s': %s", path, why);
    } else {
        rs->complete = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "complete"));
        struct plan_check p = {rs, last, 0, err, errlen};
        static struct cs_sweep_row plan[CS_SWEEP_MAX];
        int n = cs_sweep_run(sc, max_nodes, check_step, &p, plan, NULL, NULL, why, sizeof(why));
        if (n < 0 && p.steps == 0) /* the plan itself */
            snprintf(err, errlen, "--resume '%s': %s", path, why);
        if (n >= 0 && (last > p.steps || (rs->complete && rs->kept != p.steps)))
            snprintf(err, errlen, "--resume '%s': %d finished steps, the last step %d, but this sweep has %d", path,
                     rs->kept, last, p.steps);
        else if (n >= 0)
            rc = CS_OK;
        if (rc == CS_OK && !rs->complete && (rs->steps >> (p.steps - 1) & 1)) { /* it runs again */
            rs->steps &= ~(UINT64_C(1) << (p.steps - 1));
            rs->kept--;
        }
    }
    cJSON_Delete(mine);
    return rc;
}

int cs_resume_load(struct cs_resume *rs, const char *path, const struct cs_scenario *sc, int max_nodes, char *err,
                   size_t errlen)
{
    cJSON *doc = NULL;
    char why[CS_ERRBUF];
    int rc = cs_results_load(path, &doc, why, sizeof(why));
    if (rc != CS_OK) {
        memset(rs, 0, sizeof(*rs));
        snprintf(err, errlen, "--resume: %s", why);
        return rc;
    }
    rc = cs_resume_check(rs, doc, path, sc, max_nodes, err, errlen);
    cJSON_Delete(doc);
    return rc;
}
