/*
 * Files in and out: read a whole text file with a size limit, and write
 * one whole or not at all. Messages name the file and what it is for.
 */
#ifndef CS_FILEIO_H
#define CS_FILEIO_H

#include <stddef.h>

/* Read the regular file at path (at most max_bytes) into a NUL-terminated
 * buffer (caller frees). what names it in messages ("scenario file").
 * CS_E_IO (unreadable), CS_E_INVALID (too large) or CS_E_NOMEM, with a
 * message in err. */
int cs_read_file(const char *path, size_t max_bytes, const char *what, char **out, size_t *outlen, char *err,
                 size_t errlen);

/* Write text to path whole or not at all (temp file in the same directory,
 * fsync, rename). 0 or CS_E_IO with a message in err. */
int cs_write_file_atomic(const char *path, const char *text, char *err, size_t errlen);

/* cs_write_file_atomic for rendered text, which this frees: NULL text
 * (out of memory rendering it) is an error; no path writes nothing. */
int cs_write_whole(const char *path, char *text, char *err, size_t errlen);

/* When the process pid on this host started (field 22 of
 * /proc/<pid>/stat, clock ticks since boot), or -1 when this process
 * cannot see it (no /proc, another PID namespace). */
long long cs_process_start(int pid);
/* Has the process pid, which started at start (cs_process_start; -1:
 * unknown), ended? 1: yes (gone, or its id now another process's), with
 * *wait_status its status as waitpid(2) gives it while nobody has reaped
 * it yet, else -1; 0: it is running; -1: this system cannot tell. */
int cs_process_ended(int pid, long long start, int *wait_status);

#endif
