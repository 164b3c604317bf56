/*
 * Stop signals: SIGTERM (a batch system's time limit, scancel, kill) and
 * SIGINT (Ctrl-C) only set a flag that the engines look at, so that a run
 * stops generating, drains for run.stop_grace_s and writes its results
 * (marked incomplete, unless the signal came after the measured window
 * and the drain ended in time), instead of dying with nothing written.
 * One flag for the ranks (src/mpi/) and for virtual time (src/virtual/).
 */
#ifndef CS_STOP_H
#define CS_STOP_H

#include <stdbool.h>

/* The signal's number once one came (after cs_catch_stop_signals), else 0.
 * Lock-free: a handler sets it, any thread reads it. */
extern _Atomic int cs_stop_signal;

/* Catch SIGTERM and SIGINT. On ranks a second one must not kill a rank
 * while it drains (a rank often gets two: one from the terminal or the
 * batch system, one relayed by mpirun, which kills a drain that takes too
 * long); in one process (second_kills) a second Ctrl-C ends it at once. */
void cs_catch_stop_signals(bool second_kills);

#endif
