/*
 * Checkpoints: partial results (rank 0's measures alone), written whole
 * on the caller's thread or the writer's, a failure said once, a rank's
 * death told by the writer with the last checkpoint kept, and how a
 * process that ended is seen.
 */
#include "test_common.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cs/checkpoint.h"
#include "cs/common.h"
#include "cs/fileio.h"
#include "cs/jsonpath.h"
#include "cs/sweep.h"
#include "sim.h"

/* What a coordinator would hand over 2.5 s into a 10 s window: 100
 * measured requests, 90 answered, 2 timed out, 8 still under way. */
struct fake_coord {
    struct cs_scenario sc;
    uint64_t counters[CS_C__COUNT];
    uint64_t node_completed[4], node_wait_ns[4];
    struct cs_histogram latency, dispatch_wait, node_wait;
    struct cs_overload overload;
    struct cs_rank_info info[5];
    struct cs_coord_measures m;
};

static void fake_coord(struct fake_coord *f)
{
    memset(f, 0, sizeof(*f));
    sim_scenario(&f->sc, "{\"load\":{\"rate_rps\":40,\"duration_s\":10}}");
    f->counters[CS_C_GENERATED] = 100;
    f->counters[CS_C_COMPLETED] = 90;
    f->counters[CS_C_WINDOW_COMPLETIONS] = 90;
    f->counters[CS_C_TIMED_OUT] = 2;
    f->counters[CS_C_BUSY_NS] = 250000000; /* 10% of 2.5 s */
    cs_hist_init(&f->latency);
    cs_hist_init(&f->dispatch_wait);
    cs_hist_init(&f->node_wait);
    for (int i = 0; i < 90; i++)
        cs_hist_record(&f->latency, 1000000 + 1000 * (uint64_t)i);
    for (int i = 0; i < 4; i++) {
        f->node_completed[i] = i < 2 ? 22 : 23;
        snprintf(f->info[i + 1].host, sizeof(f->info[i + 1].host), "h");
    }
    snprintf(f->info[0].host, sizeof(f->info[0].host), "h");
    f->m = (struct cs_coord_measures){
        .first_node = 0,
        .nodes = 4,
        .counters = f->counters,
        .node_completed = f->node_completed,
        .node_wait_ns = f->node_wait_ns,
        .latency = &f->latency,
        .dispatch_wait = &f->dispatch_wait,
        .node_wait = &f->node_wait,
        .overload = &f->overload,
        .offered_rps = 40,
        .window_s = 10,
    };
}

/* r: f's partial results over covered_s, analysed (r from cs_results_init). */
static void partial(struct cs_results *r, const struct fake_coord *f, double covered_s, const char *why)
{
    cs_results_partial(r, &f->sc, &f->m, f->info, covered_s, why);
    cs_results_analyze(r);
}

static cJSON *read_json(const char *path)
{
    char *text = NULL, err[CS_ERRBUF];
    size_t len = 0;
    if (cs_read_file(path, 1 << 24, "results file", &text, &len, err, sizeof(err)) != CS_OK)
        fail_msg("%s", err);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    if (!doc)
        fail_msg("%s is not JSON", path);
    return doc;
}

static void partial_results_hold_rank_0s_measures_and_no_verdict(void **state)
{
    (void)state;
    struct fake_coord f;
    fake_coord(&f);
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, 5), CS_OK);
    partial(&r, &f, 2.5, "running: 2.5 of 10 s measured at 3.5 s");
    assert_false(r.complete);
    assert_close(r.duration_s, 2.5, 1e-12);
    assert_close(r.throughput_rps, 90 / 2.5, 1e-12);
    assert_int_equal(r.lost, 0);
    assert_int_equal(r.in_flight, 8);
    assert_int_equal(r.bottleneck, CS_BOTTLENECK_NONE);
    assert_non_null(strstr(r.reason, "partial"));
    assert_int_equal(r.nodes[3].coordinator_completed, 23);

    char *text = cs_results_json(&r);
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    assert_true(cJSON_IsFalse(cs_json_at(doc, "complete")));
    assert_string_equal(cs_json_str(doc, "ended"), "running: 2.5 of 10 s measured at 3.5 s");
    assert_close(cs_json_num(doc, "requests.in_flight"), 8, 0);
    assert_close(cs_json_num(doc, "requests.lost"), 0, 0);
    cJSON_Delete(doc);
    free(text);

    /* A window not reached yet (the warm-up) covers nothing. */
    partial(&r, &f, -1, "running: in its warm-up");
    assert_close(r.duration_s, 0, 0);
    cs_results_free(&r);
}

/* The lines of a file. */
static int lines_in(const char *path)
{
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    int lines = 0;
    for (int ch; (ch = fgetc(in)) != EOF;)
        lines += ch == '\n';
    fclose(in);
    return lines;
}

static void a_checkpoint_is_written_whole_and_a_failure_said_once(void **state)
{
    (void)state;
    char dir[] = "/tmp/cs_checkpoint_XXXXXX", json[300], csv[300], bad[300], said[300];
    assert_non_null(mkdtemp(dir));
    snprintf(json, sizeof(json), "%s/r.json", dir);
    snprintf(csv, sizeof(csv), "%s/r.csv", dir);
    snprintf(bad, sizeof(bad), "%s/gone/r.json", dir);
    snprintf(said, sizeof(said), "%s/stderr", dir);
    struct fake_coord f;
    fake_coord(&f);
    struct cs_results r;
    assert_int_equal(cs_results_init(&r, 5), CS_OK);
    partial(&r, &f, 2.5, "running");

    struct cs_checkpoint cp = {.json = json, .csv = csv, .started = "2026-12-05T00:00:00Z", .command = "cs -x"};
    assert_int_equal(cs_checkpoint_write(&cp, &r, NULL, 0), CS_OK);
    assert_false(cp.failed);
    cJSON *doc = read_json(json);
    assert_string_equal(cs_json_str(doc, "run.command"), "cs -x");
    assert_string_equal(cs_json_str(doc, "ended"), "running");
    cJSON_Delete(doc);
    assert_int_equal(lines_in(csv), 2); /* the header and the run's row */

    /* Two failed writes, one line on stderr (caught in a file). */
    struct cs_checkpoint gone = {.json = bad};
    fflush(stderr);
    int was = dup(STDERR_FILENO), to = open(said, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(was >= 0 && to >= 0);
    assert_true(dup2(to, STDERR_FILENO) >= 0);
    close(to);
    int first = cs_checkpoint_write(&gone, &r, NULL, 0);
    bool failed = gone.failed;
    int second = cs_checkpoint_write(&gone, &r, NULL, 0);
    fflush(stderr);
    dup2(was, STDERR_FILENO);
    close(was);
    assert_int_not_equal(first, CS_OK);
    assert_true(failed);
    assert_int_not_equal(second, CS_OK);
    assert_int_equal(lines_in(said), 1);
    cs_results_free(&r);
    unlink(json);
    unlink(csv);
    unlink(said);
    rmdir(dir);
}

static void the_writer_thread_writes_what_it_is_given(void **state)
{
    (void)state;
    char dir[] = "/tmp/cs_checkpoint_XXXXXX", json[300];
    assert_non_null(mkdtemp(dir));
    snprintf(json, sizeof(json), "%s/r.json", dir);
    struct fake_coord f;
    fake_coord(&f);
    struct cs_checkpoint cp = {.json = json};
    assert_null(cs_checkpoint_take(&cp)); /* not started */
    assert_int_equal(cs_checkpoint_start(&cp, 5), CS_OK);
    for (int i = 1; i <= 3; i++) {
        cs_checkpoint_wait(&cp);
        struct cs_results *snap = cs_checkpoint_take(&cp);
        assert_non_null(snap);
        char why[32];
        snprintf(why, sizeof(why), "running: %d", i);
        f.counters[CS_C_GENERATED] = 100 + (uint64_t)i;
        cs_results_partial(snap, &f.sc, &f.m, f.info, 2.5, why);
        cs_checkpoint_post(&cp);
    }
    cs_checkpoint_stop(&cp);
    cJSON *doc = read_json(json);
    assert_string_equal(cs_json_str(doc, "ended"), "running: 3");
    assert_close(cs_json_num(doc, "requests.in_flight"), 11, 0);
    assert_string_equal(cs_json_str(doc, "bottleneck"), "none");
    cJSON_Delete(doc);
    unlink(json);
    rmdir(dir);
}

static _Atomic int stop_flag;
static bool a_rank_died(const void *arg, char *why, size_t len)
{
    (void)arg;
    snprintf(why, len, "rank 3 on host h died (signal 9) by 4.0 s");
    return true;
}

/* The caller's thread stuck (as in a send to a dead rank): the writer
 * sees the stop flag, rewrites the last checkpoint with the death and
 * ends the process with status 1. */
static void a_death_is_told_by_the_writer_with_the_last_checkpoint(void **state)
{
    (void)state;
    char dir[] = "/tmp/cs_checkpoint_XXXXXX", json[300];
    assert_non_null(mkdtemp(dir));
    snprintf(json, sizeof(json), "%s/r.json", dir);
    fflush(NULL);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct fake_coord f;
        fake_coord(&f);
        struct cs_checkpoint cp = {.json = json, .stop = &stop_flag, .died = a_rank_died};
        if (cs_checkpoint_start(&cp, 5) != CS_OK)
            _exit(3);
        struct cs_results *snap = cs_checkpoint_take(&cp);
        cs_results_partial(snap, &f.sc, &f.m, f.info, 2.5, "running: 2.5 of 10 s measured at 3.5 s");
        cs_checkpoint_post(&cp);
        cs_checkpoint_wait(&cp);
        stop_flag = SIGTERM;
        sleep(10); /* stuck: the writer ends the process */
        _exit(4);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    cJSON *doc = read_json(json);
    const char *ended = cs_json_str(doc, "ended");
    assert_non_null(ended);
    if (strncmp(ended, "rank 3 on host h died (signal 9) by 4.0 s; the results stop at the last checkpoint", 80))
        fail_msg("ended: %s", ended);
    assert_non_null(strstr(ended, "2.5 of 10 s"));
    assert_close(cs_json_num(doc, "requests.in_flight"), 8, 0);
    cJSON_Delete(doc);
    unlink(json);
    rmdir(dir);
}

static void a_process_that_ended_is_seen_with_its_signal(void **state)
{
    (void)state;
    int status = 0;
    long long me = cs_process_start((int)getpid());
    assert_true(me >= 0);
    assert_int_equal(cs_process_ended((int)getpid(), me, &status), 0);
    assert_int_equal(cs_process_ended((int)getpid(), me + 1, &status), 1); /* its id, another process's */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    kill(child, SIGKILL);
    int seen = 0;
    for (int i = 0; i < 2000; i++) {
        seen = cs_process_ended((int)child, -1, &status);
        if (seen == 1 && status != -1)
            break;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    assert_int_equal(seen, 1); /* a zombie: ended, not reaped */
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
    int reaped;
    assert_int_equal(waitpid(child, &reaped, 0), child);
    assert_int_equal(cs_process_ended((int)child, -1, &status), 1); /* gone */
    assert_int_equal(status, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(partial_results_hold_rank_0s_measures_and_no_verdict),
        cmocka_unit_test(a_checkpoint_is_written_whole_and_a_failure_said_once),
        cmocka_unit_test(the_writer_thread_writes_what_it_is_given),
        cmocka_unit_test(a_death_is_told_by_the_writer_with_the_last_checkpoint),
        cmocka_unit_test(a_process_that_ended_is_seen_with_its_signal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
