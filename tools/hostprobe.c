/*
 * hostprobe: how late this host wakes a sleeper, measured beside a program
 * and not through it, so that a test can tell a host that paused its CPUs
 * from a program whose timers are wrong. One thread per online CPU, each
 * pinned to its CPU and, where allowed (root), at real-time priority, so
 * that the test's own load cannot delay it: only the hypervisor (or the
 * kernel) can. Each sleeps to an absolute deadline every PERIOD_US and
 * notes how late it woke. On SIGTERM or SIGINT it writes one JSON object
 * to FILE and exits 0:
 *   {"max_ms": 1.23, "late_5ms": 0, "late_20ms": 0, "samples": 4000,
 *    "cpus": 2, "realtime": true, "seconds": 4.01}
 * max_ms is the worst lateness on any CPU; late_5ms and late_20ms count
 * the wake-ups at least that late.
 *   hostprobe FILE [PERIOD_US]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setaffinity_np, CPU_SET */
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 1024

struct probe {
    pthread_t thread;
    int cpu;
    long period_ns;
    int64_t max_late_ns;
    long late_5ms, late_20ms, samples;
};

static atomic_int stop_flag;
static int realtime = 1;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *probe_main(void *arg)
{
    struct probe *p = arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(p->cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    int64_t due = now_ns();
    while (!stop_flag) {
        due += p->period_ns;
        struct timespec ts = {(time_t)(due / 1000000000), (long)(due % 1000000000)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop_flag) {
        }
        int64_t late = now_ns() - due;
        if (late < 0)
            late = 0;
        if (late > p->max_late_ns)
            p->max_late_ns = late;
        p->late_5ms += late >= 5000000;
        p->late_20ms += late >= 20000000;
        p->samples++;
        if (late > p->period_ns) /* a long pause: start the schedule again from now */
            due = now_ns();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: hostprobe FILE [PERIOD_US]\n");
        return 2;
    }
    long period_us = argc == 3 ? strtol(argv[2], NULL, 10) : 2000;
    if (period_us < 100 || period_us > 1000000) {
        fprintf(stderr, "hostprobe: PERIOD_US '%s' must be 100..1000000\n", argv[2]);
        return 2;
    }
    /* The stop signals stay blocked everywhere; the main thread waits for one. */
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stops, NULL);

    cpu_set_t online;
    if (sched_getaffinity(0, sizeof online, &online) != 0) {
        perror("hostprobe: sched_getaffinity");
        return 1;
    }
    static struct probe probes[MAX_CPUS];
    int n = 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    struct sched_param sp = {.sched_priority = sched_get_priority_min(SCHED_FIFO)};
    for (int cpu = 0; cpu < CPU_SETSIZE && n < MAX_CPUS; cpu++) {
        if (!CPU_ISSET(cpu, &online))
            continue;
        probes[n] = (struct probe){.cpu = cpu, .period_ns = period_us * 1000};
        pthread_attr_t rt;
        pthread_attr_init(&rt);
        pthread_attr_setinheritsched(&rt, PTHREAD_EXPLICIT_SCHED);
        pthread_attr_setschedpolicy(&rt, SCHED_FIFO);
        pthread_attr_setschedparam(&rt, &sp);
        if (!realtime || pthread_create(&probes[n].thread, &rt, probe_main, &probes[n]) != 0) {
            realtime = 0; /* not allowed (not root): an ordinary thread, which the load can delay */
            if (pthread_create(&probes[n].thread, &attr, probe_main, &probes[n]) != 0) {
                perror("hostprobe: pthread_create");
                return 1;
            }
        }
        pthread_attr_destroy(&rt);
        n++;
    }
    int64_t t0 = now_ns();
    int sig;
    sigwait(&stops, &sig);
    stop_flag = 1;

    int64_t max_late = 0;
    long late5 = 0, late20 = 0, samples = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(probes[i].thread, NULL);
        if (probes[i].max_late_ns > max_late)
            max_late = probes[i].max_late_ns;
        late5 += probes[i].late_5ms;
        late20 += probes[i].late_20ms;
        samples += probes[i].samples;
    }
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        fprintf(stderr, "hostprobe: cannot write '%s': %s\n", argv[1], strerror(errno));
        return 1;
    }
    fprintf(f,
            "{\"max_ms\": %.3f, \"late_5ms\": %ld, \"late_20ms\": %ld, \"samples\": %ld, \"cpus\": %d, "
            "\"realtime\": %s, \"seconds\": %.3f}\n",
            (double)max_late / 1e6, late5, late20, samples, n, realtime ? "true" : "false",
            (double)(now_ns() - t0) / 1e9);
    return fclose(f) == 0 ? 0 : 1;
}
