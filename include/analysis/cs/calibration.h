/*
 * A calibration file: what --calibrate measured on a machine, as the
 * modelled costs of a virtual run (network.latency_us, model.*), so that
 * a prediction in virtual time can be for that machine. Written by
 * `clustersim --calibrate --json FILE`, read by `--calibration FILE`; a
 * user may also write one by hand for a cluster whose numbers they know.
 *
 *   {"clustersim_calibration": 1, "version": "...", "measured_utc": "...",
 *    "host": "...", "ranks": 4, "cores": 2, "library": "...",
 *    "round_trips_per_s": 610000,
 *    "network": {"latency_us": 0.8},
 *    "model": {"coordinator_request_us": 2.1, "coordinator_message_us": 0,
 *              "node_overhead_us": 60}}
 *
 * Only "clustersim_calibration" (the format, 1) and the network and model
 * numbers are read; the rest says where they come from.
 */
#ifndef CS_CALIBRATION_H
#define CS_CALIBRATION_H

#include <stddef.h>

#define CS_CALIBRATION_FORMAT 1
#define CS_CALIBRATION_KEYS 4

struct cs_calibration {
    char measured_utc[32];
    char host[256];
    char library[128];
    int ranks, cores;
    double round_trips_per_s;
    double latency_us;             /* network.latency_us: half a round trip */
    double coordinator_request_us; /* model.coordinator_request_us */
    double coordinator_message_us; /* model.coordinator_message_us */
    double node_overhead_us;       /* model.node_overhead_us */
};

/* The file's text (caller frees), NULL when out of memory. */
char *cs_calibration_json(const struct cs_calibration *k);

/* Read and check the calibration file at path into *k. CS_E_IO or
 * CS_E_INVALID with one line in err naming the file and, for a bad
 * value, the key. */
int cs_calibration_load(const char *path, struct cs_calibration *k, char *err, size_t errlen);

/* The scenario assignments ("network.latency_us=0.8", ...) that put k's
 * costs into a scenario, in sets[0..CS_CALIBRATION_KEYS-1]. */
void cs_calibration_sets(const struct cs_calibration *k, char sets[CS_CALIBRATION_KEYS][96]);

#endif
