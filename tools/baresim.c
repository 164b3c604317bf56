/*
 * The yardstick for scripts/bench.sh --virtual: a bare event-list
 * simulation of the model clustersim's virtual engine runs by default,
 * written plainly and sharing no code with it. Poisson arrivals at
 * utilization x nodes / S, each sent to a node chosen at random, FIFO
 * nodes of one server, exponential service of mean S = 1 ms; a binary
 * heap of service ends. Latency is counted from arrival to the end of
 * service. Prints: requests, wall seconds, requests per wall second, the
 * measured mean latency and M/M/1's (S / (1 - utilization)), in us.
 *
 * usage: baresim NODES UTILIZATION REQUESTS [SEED]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct event {
    double at;
    int node;
};

struct node {
    double *arrived; /* a FIFO of arrival times, the head in service */
    int head, count, cap;
};

static uint64_t rng_state;

/* splitmix64, then a uniform in (0, 1) */
static double uniform(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double exponential(double mean)
{
    return -mean * log(uniform());
}

static struct event *heap;
static int heap_n;

static void push(double at, int node)
{
    int i = heap_n++;
    while (i > 0 && heap[(i - 1) / 2].at > at) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = (struct event){at, node};
}

static struct event pop(void)
{
    struct event top = heap[0], last = heap[--heap_n];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= heap_n)
            break;
        if (c + 1 < heap_n && heap[c + 1].at < heap[c].at)
            c++;
        if (heap[c].at >= last.at)
            break;
        heap[i] = heap[c];
        i = c;
    }
    if (heap_n > 0)
        heap[i] = last;
    return top;
}

static void enqueue(struct node *q, double t)
{
    if (q->count == q->cap) {
        int cap = q->cap ? 2 * q->cap : 4;
        double *v = malloc((size_t)cap * sizeof(*v));
        if (!v) {
            fprintf(stderr, "baresim: out of memory\n");
            exit(1);
        }
        for (int i = 0; i < q->count; i++)
            v[i] = q->arrived[(q->head + i) % q->cap];
        free(q->arrived);
        q->arrived = v;
        q->head = 0;
        q->cap = cap;
    }
    q->arrived[(q->head + q->count++) % q->cap] = t;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: baresim NODES UTILIZATION REQUESTS [SEED]\n");
        return 2;
    }
    int nodes = atoi(argv[1]);
    double rho = atof(argv[2]);
    long long requests = atoll(argv[3]);
    rng_state = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
    if (nodes < 1 || rho <= 0 || rho >= 1 || requests < 1) {
        fprintf(stderr, "baresim: NODES >= 1, 0 < UTILIZATION < 1, REQUESTS >= 1\n");
        return 2;
    }
    const double service = 1e-3, rate = rho * nodes / service;
    struct node *q = calloc((size_t)nodes, sizeof(*q));
    heap = malloc((size_t)nodes * sizeof(*heap));
    if (!q || !heap) {
        fprintf(stderr, "baresim: out of memory\n");
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double next_arrival = exponential(1 / rate), latency_sum = 0;
    long long arrived = 0, done = 0;
    while (done < requests) {
        if (arrived < requests && (heap_n == 0 || next_arrival < heap[0].at)) {
            double t = next_arrival;
            next_arrival += exponential(1 / rate);
            arrived++;
            int k = (int)(uniform() * nodes);
            enqueue(&q[k], t);
            if (q[k].count == 1)
                push(t + exponential(service), k);
            continue;
        }
        struct event e = pop();
        struct node *n = &q[e.node];
        latency_sum += e.at - n->arrived[n->head];
        n->head = (n->head + 1) % n->cap;
        n->count--;
        done++;
        if (n->count > 0)
            push(e.at + exponential(service), e.node);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%lld %.3f %.0f %.1f %.1f\n", done, wall, (double)done / wall, latency_sum / (double)done * 1e6,
           service / (1 - rho) * 1e6);
    for (int i = 0; i < nodes; i++)
        free(q[i].arrived);
    free(q);
    free(heap);
    return 0;
}
