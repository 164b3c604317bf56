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

#endif
