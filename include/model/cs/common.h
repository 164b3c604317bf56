/*
 * Shared definitions for the clustersim core: error codes, time units and
 * small helpers. Every core function returns 0 or a negative CS_E* code and
 * passes results through out-parameters. Times inside the core are int64_t
 * nanoseconds on a monotonic clock unless a name says otherwise.
 */
#ifndef CS_COMMON_H
#define CS_COMMON_H

#include <stdint.h>
#include <stddef.h>

/* CS_VERSION comes from CMake (project()); a build outside it says so. */
#ifndef CS_VERSION
#define CS_VERSION "unknown"
#endif

enum cs_error {
    CS_OK = 0,
    CS_E_INVALID = -1,   /* bad input: message in the caller's error buffer */
    CS_E_NOMEM = -2,     /* allocation failed */
    CS_E_IO = -3,        /* file could not be read or written */
    CS_E_TRANSPORT = -4, /* the transport failed to send or receive */
    CS_E_FULL = -5,      /* a bounded container is full */
    CS_E_STUCK = -6,     /* virtual time stood still: an endless loop at one instant */
};

#define CS_NS_PER_US 1000LL
#define CS_NS_PER_MS 1000000LL
#define CS_NS_PER_S 1000000000LL
/* The longest a sampled or scaled duration may be, about 73 years: a time
 * plus a few of them stays within int64_t. */
#define CS_NS_LONGEST (INT64_C(1) << 61)

/* Size of the error buffers the core writes messages into. */
#define CS_ERRBUF 512

#define CS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A role's counters are listed once, as X(ENUM, "name") rows: the list
 * makes both its enum and its table of names (the keys results use), so
 * that the two cannot fall out of step. This makes a table's entry. */
#define CS_COUNTER_NAME(e, name) name,

#endif
