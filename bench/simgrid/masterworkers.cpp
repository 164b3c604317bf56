/*
 * The peer for scripts/bench.sh's virtual-engine benchmark (not part of
 * clustersim): SimGrid's S4U running the same master-workers scenario as
 * `clustersim --virtual`, a master keeping `window` tasks in flight at
 * each of `workers` workers, each task a fixed computation (the service
 * time) answered with a message back. Prints the simulated tasks, the
 * simulated time and the wall time.
 *
 * usage: masterworkers PLATFORM.xml WORKERS TASKS WINDOW SERVICE_US
 * (the platform: one cluster of WORKERS + 1 hosts at 1 Gflop/s)
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

namespace sg4 = simgrid::s4u;

struct task {
    int worker; /* -1: stop */
};

static long tasks_total;
static int workers_n, window_n;
static double task_flops;

static void worker(int id)
{
    sg4::Mailbox *in = sg4::Mailbox::by_name("w" + std::to_string(id));
    sg4::Mailbox *out = sg4::Mailbox::by_name("master");
    for (;;) {
        task *t = in->get<task>();
        if (t->worker < 0) {
            delete t;
            return;
        }
        sg4::this_actor::execute(task_flops);
        out->put(t, 64);
    }
}

static void master()
{
    sg4::Mailbox *in = sg4::Mailbox::by_name("master");
    std::vector<sg4::Mailbox *> mb;
    for (int i = 0; i < workers_n; i++)
        mb.push_back(sg4::Mailbox::by_name("w" + std::to_string(i)));
    long sent = 0, done = 0;
    for (int k = 0; k < window_n; k++)
        for (int i = 0; i < workers_n && sent < tasks_total; i++, sent++)
            mb[i]->put_init(new task{i}, 64)->detach();
    while (done < tasks_total) {
        task *t = in->get<task>();
        done++;
        if (sent < tasks_total) {
            mb[t->worker]->put_init(t, 64)->detach();
            sent++;
        } else {
            delete t;
        }
    }
    for (int i = 0; i < workers_n; i++)
        mb[i]->put(new task{-1}, 64);
}

int main(int argc, char **argv)
{
    sg4::Engine e(&argc, argv);
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s PLATFORM.xml WORKERS TASKS WINDOW SERVICE_US\n", argv[0]);
        return 2;
    }
    e.load_platform(argv[1]);
    workers_n = std::atoi(argv[2]);
    tasks_total = std::atol(argv[3]);
    window_n = std::atoi(argv[4]);
    task_flops = std::atof(argv[5]) * 1e-6 * 1e9; /* at 1 Gflop/s */
    std::vector<sg4::Host *> hosts = e.get_all_hosts();
    if ((int)hosts.size() < workers_n + 1) {
        std::fprintf(stderr, "the platform has %zu hosts, %d needed\n", hosts.size(), workers_n + 1);
        return 2;
    }
    sg4::Actor::create("master", hosts[0], master);
    for (int i = 0; i < workers_n; i++)
        sg4::Actor::create("worker", hosts[i + 1], worker, i);
    auto t0 = std::chrono::steady_clock::now();
    e.run();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%ld %.6f %.3f\n", tasks_total, sg4::Engine::get_clock(), wall);
    return 0;
}
