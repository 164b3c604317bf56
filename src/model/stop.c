/*
 * Stop signals (stop.h).
 */
#include "cs/stop.h"

#include <signal.h>
#include <string.h>

_Atomic int cs_stop_signal;
static volatile sig_atomic_t second_kills;

static void on_stop_signal(int sig)
{
    if (cs_stop_signal && second_kills) { /* the default action: the process ends */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    cs_stop_signal = sig;
}

void cs_catch_stop_signals(bool kills)
{
    second_kills = kills;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a sleep ends when the signal comes */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}
