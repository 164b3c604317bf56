/*
 * netdelay: a userspace Ethernet switch that holds every frame for a fixed
 * one-way delay, for the emulated hosts of scripts/local-cluster.sh (this
 * kernel has no netem). It reads frames from the given interfaces with
 * packet sockets and, after the delay, sends each out of every other one,
 * as a hub does. Runs until killed. On SIGUSR1 it prints how late it sent
 * the frames since the last SIGUSR1 (a busy or paused host holds them
 * longer than the delay), so that a test can tell a slow switch from a
 * slow program.
 *   netdelay DELAY_US IFACE...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 64
#define FRAME_MAX 9216
#define QUEUE_MAX 65536 /* frames held at once; beyond that they are dropped, as a full switch would */

struct frame {
    int64_t due_ns;
    int from;
    uint16_t len;
    unsigned char data[FRAME_MAX];
};

static volatile sig_atomic_t report;

static void on_usr1(int sig)
{
    (void)sig;
    report = 1;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: netdelay DELAY_US IFACE...\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_usr1};
    sigaction(SIGUSR1, &sa, NULL);
    int64_t delay = (int64_t)(atof(argv[1]) * 1000);
    int n = argc - 2;
    if (n > MAX_PORTS) {
        fprintf(stderr, "netdelay: at most %d interfaces\n", MAX_PORTS);
        return 2;
    }
    struct pollfd fds[MAX_PORTS];
    int ifindex[MAX_PORTS];
    for (int i = 0; i < n; i++) {
        ifindex[i] = (int)if_nametoindex(argv[i + 2]);
        int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
        struct sockaddr_ll a = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex[i]};
        if (ifindex[i] == 0 || s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
            fprintf(stderr, "netdelay: %s: %s\n", argv[i + 2], strerror(errno));
            return 1;
        }
        fds[i] = (struct pollfd){.fd = s, .events = POLLIN};
    }
    struct frame *q = calloc(QUEUE_MAX, sizeof(*q)); /* a ring, in arrival (= due) order */
    if (!q)
        return 1;
    size_t head = 0, count = 0;
    uint64_t sent = 0;
    int64_t late_sum = 0, late_max = 0;
    fprintf(stderr, "netdelay: ready, %d ports, %lld us\n", n, (long long)(delay / 1000));
    fflush(stderr);
    for (;;) {
        if (report) {
            fprintf(stderr, "netdelay: %llu frames, late by %.1f us on average, %.1f us at most\n",
                    (unsigned long long)sent, sent ? (double)late_sum / (double)sent / 1e3 : 0.0,
                    (double)late_max / 1e3);
            fflush(stderr);
            report = 0;
            sent = 0;
            late_sum = late_max = 0;
        }
        int timeout = -1;
        if (count > 0) {
            int64_t wait = q[head].due_ns - now_ns();
            timeout = wait <= 0 ? 0 : (int)((wait + 999999) / 1000000);
        }
        /* poll() has millisecond resolution: sleep the sub-millisecond rest. */
        if (poll(fds, (nfds_t)n, timeout < 0 ? -1 : timeout > 1 ? timeout - 1 : 0) < 0 && errno != EINTR)
            return 1;
        for (int i = 0; i < n; i++) {
            for (;;) {
                struct sockaddr_ll from;
                socklen_t fl = sizeof(from);
                struct frame *f = &q[(head + count) % QUEUE_MAX];
                ssize_t len = recvfrom(fds[i].fd, f->data, FRAME_MAX, 0, (struct sockaddr *)&from, &fl);
                if (len <= 0)
                    break;
                if (from.sll_pkttype == PACKET_OUTGOING || count == QUEUE_MAX)
                    continue; /* our own sends, or full: drop */
                f->due_ns = now_ns() + delay;
                f->from = i;
                f->len = (uint16_t)len;
                count++;
            }
        }
        int64_t now = now_ns();
        while (count > 0 && q[head].due_ns <= now + 50000) {
            struct frame *f = &q[head];
            while (now_ns() < f->due_ns) {
            }
            int64_t late = now_ns() - f->due_ns;
            sent++;
            late_sum += late;
            if (late > late_max)
                late_max = late;
            for (int j = 0; j < n; j++) {
                if (j == f->from)
                    continue;
                struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifindex[j], .sll_halen = ETH_ALEN};
                memcpy(to.sll_addr, f->data, ETH_ALEN);
                sendto(fds[j].fd, f->data, f->len, 0, (struct sockaddr *)&to, sizeof(to));
            }
            head = (head + 1) % QUEUE_MAX;
            count--;
        }
    }
}
