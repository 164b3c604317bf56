/*
 * Files in and out: read a whole text file with a size limit, and write
 * one whole or not at all. Messages name the file and what it is for.
 */
#ifndef CS_FILEIO_H
#define CS_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

/* Read the regular file at path (at most max_bytes) into a NUL-terminated
 * buffer (caller frees). what names it in messages ("scenario file").
 * CS_E_IO (unreadable), CS_E_INVALID (too large) or CS_E_NOMEM, with a
 * message in err. */
int cs_read_file(const char *path, size_t max_bytes, const char *what, char **out, size_t *outlen, char *err,
                 size_t errlen);

/* The length of the UTF-8 byte-order mark at the start of a text (3), or
 * 0: some editors and spreadsheets write one, and a reader skips it. */
static inline size_t cs_text_bom(const char *text, size_t len)
{
    return len >= 3 && (unsigned char)text[0] == 0xef && (unsigned char)text[1] == 0xbb &&
                   (unsigned char)text[2] == 0xbf
               ? 3
               : 0;
}

/* Write text to path whole or not at all (temp file in the same directory,
 * fsync, rename). A symbolic link is written through (the file it names);
 * a device or a pipe (/dev/null, /dev/stdout) straight, appended, as a
 * stream: a rename would put a file in its place. 0 or CS_E_IO with a
 * message in err. */
int cs_write_file_atomic(const char *path, const char *text, char *err, size_t errlen);

/* Can cs_write_file_atomic write path? Checked before a run, so that a
 * typo in a path does not cost the run: not a directory, not "-" (the
 * convention for standard output elsewhere: it would be a file of that
 * name), and a file can be created beside it (a device or a pipe: yes).
 * CS_OK, or CS_E_INVALID with the reason in err (without the path: the
 * caller names it). */
int cs_check_writable(const char *path, char *err, size_t errlen);

/* Is path a stream (a device, a pipe, a name of an open file such as
 * /dev/stdout, /dev/fd/N or under /proc),
 * written straight? A checkpoint skips one: a reader of a pipe would take
 * the first for the whole, and the next would wait for a reader for ever. */
bool cs_is_stream(const char *path);

/* Do a and b name one file, a device or a pipe aside (writing both to
 * /dev/null is fine)? By path, whether the files exist or not. */
bool cs_same_file(const char *a, const char *b);

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
