/*
 * Reading and writing whole files, with clear messages. Nothing here knows
 * what the files hold.
 */
#include "cs/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cs/common.h"

int cs_read_file(const char *path, size_t max_bytes, const char *what, char **out, size_t *outlen, char *err,
                 size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot read %s '%s': %s", what, path, strerror(errno));
        return CS_E_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot read %s '%s': not a regular file", what, path);
        return CS_E_IO;
    }
    if ((size_t)st.st_size > max_bytes) {
        snprintf(err, errlen, "%s '%s' is too large (%lld bytes; the limit is %zu)", what, path, (long long)st.st_size,
                 max_bytes);
        return CS_E_INVALID;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s '%s': %s", what, path, strerror(errno));
        return CS_E_IO;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "out of memory reading %s '%s'", what, path);
        return CS_E_NOMEM;
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        snprintf(err, errlen, "cannot read %s '%s': read error", what, path);
        return CS_E_IO;
    }
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    return CS_OK;
}

/* What a path names for writing: a regular file or none yet (written
 * through a temporary file and a rename, at *file: the path, or for a
 * symbolic link the file it names at the end of its chain; caller
 * frees), a stream (a device, a pipe, a socket, and the name of an open
 * file: /dev/stdout names the file a shell redirected it to, which a
 * rename would replace), or a directory. */
enum target { TARGET_FILE, TARGET_STREAM, TARGET_DIR };

/* A name of an open file: /dev/stdout, /dev/fd/3, /proc/self/fd/1. */
static bool names_open_file(const char *name)
{
    return strncmp(name, "/dev/std", 8) == 0 || strncmp(name, "/dev/fd/", 8) == 0 || strncmp(name, "/proc/", 6) == 0;
}

static enum target target_of(const char *path, char **file)
{
    struct stat st, lst;
    *file = NULL;
    bool exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        return TARGET_DIR;
    /* The path and each symbolic link's target on the way, to the last
     * (relative ones beside their link): a name of an open file on the way
     * makes a stream even when the file is regular (a shell's redirection
     * of stdout, which a rename would replace); a regular file elsewhere
     * under /dev (/dev/shm) is a file. */
    char at[4096], to[4096];
    snprintf(at, sizeof(at), "%s", path);
    bool open_file = names_open_file(at);
    for (int hops = 0; !open_file && hops < 40 && lstat(at, &lst) == 0 && S_ISLNK(lst.st_mode); hops++) {
        ssize_t n = readlink(at, to, sizeof(to) - 1);
        if (n <= 0)
            break;
        to[n] = '\0';
        const char *slash = strrchr(at, '/');
        int dir = to[0] != '/' && slash ? (int)(slash - at + 1) : 0;
        char next[4096];
        if (snprintf(next, sizeof(next), "%.*s%s", dir, at, to) >= (int)sizeof(next))
            break;
        memcpy(at, next, sizeof(at));
        open_file = names_open_file(at);
    }
    if ((exists && !S_ISREG(st.st_mode)) || open_file)
        return TARGET_STREAM;
    if (exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
        *file = realpath(path, NULL); /* (the file the links end at) */
    else if (!exists && strcmp(at, path) != 0)
        *file = strdup(at); /* links to a file not there yet: that file */
    if (!*file)
        *file = strdup(path);
    return TARGET_FILE;
}

bool cs_is_stream(const char *path)
{
    char *file = NULL;
    bool stream = target_of(path, &file) == TARGET_STREAM;
    free(file);
    return stream;
}

static int write_all(int fd, const char *text)
{
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            errno = w == 0 ? EIO : errno; /* (nothing written, no error: not a stale errno) */
            return CS_E_IO;
        }
        done += (size_t)w;
    }
    return CS_OK;
}

/* A temporary file beside file, created as open(2) creates one (0666
 * under the umask, or a directory's default ACL; mkstemp's is 0600): at
 * *tmp (caller frees). -1 with errno on failure. */
static int open_temp(const char *file, char **tmp)
{
    size_t len = strlen(file) + 32;
    *tmp = malloc(len);
    if (!*tmp) {
        errno = ENOMEM;
        return -1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long seed = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
    for (int tries = 0; tries < 100; tries++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        snprintf(*tmp, len, "%s.tmp%08lx", file, (seed >> 32) & 0xffffffffUL);
        int fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

/* After a rename, the directory's entry on disk too (a machine lost just
 * after would otherwise keep the old file, or none); best effort. */
static void sync_dir_of(const char *file)
{
    const char *slash = strrchr(file, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (snprintf(dir, sizeof(dir), "%.*s", slash == file ? 1 : (int)(slash - file), file) >= (int)sizeof(dir))
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int cs_write_file_atomic(const char *path, const char *text, char *err, size_t errlen)
{
    char *file = NULL;
    enum target kind = target_of(path, &file);
    if (kind == TARGET_DIR) {
        snprintf(err, errlen, "cannot write '%s': it is a directory", path);
        return CS_E_IO;
    }
    if (kind == TARGET_STREAM) { /* (appended: /dev/stdout may be a log the run's report is in) */
        int fd = open(path, O_WRONLY | O_APPEND);
        int rc = fd >= 0 ? write_all(fd, text) : CS_E_IO;
        if (fd >= 0 && close(fd) != 0)
            rc = CS_E_IO;
        if (rc != CS_OK)
            snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        return rc;
    }
    if (!file) {
        snprintf(err, errlen, "out of memory writing '%s'", path);
        return CS_E_NOMEM;
    }
    char *tmp = NULL;
    int fd = open_temp(file, &tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        free(tmp);
        free(file);
        return CS_E_IO;
    }
    /* A file replaced keeps its mode (a file system that keeps none
     * refuses the change: the file stands). */
    struct stat old;
    if (stat(file, &old) == 0)
        (void)fchmod(fd, old.st_mode & 0777);
    int rc = write_all(fd, text);
    if (rc == CS_OK && fsync(fd) != 0)
        rc = CS_E_IO;
    if (close(fd) != 0)
        rc = CS_E_IO;
    if (rc == CS_OK && rename(tmp, file) != 0)
        rc = CS_E_IO;
    if (rc == CS_OK)
        sync_dir_of(file);
    if (rc != CS_OK) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    free(file);
    return rc;
}

int cs_check_writable(const char *path, char *err, size_t errlen)
{
    char *file = NULL;
    enum target kind = target_of(path, &file);
    int rc = CS_OK;
    struct stat st;
    if (strcmp(path, "-") == 0) { /* (a file of that name, which no one asking for it means) */
        snprintf(err, errlen,
                 "results go to files, not to standard output (the report is there): name a file, or "
                 "/dev/stdout");
        rc = CS_E_INVALID;
    } else if (kind == TARGET_DIR) {
        snprintf(err, errlen, "it is a directory: name a file in it");
        rc = CS_E_INVALID;
    } else if (kind == TARGET_STREAM && stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "a socket, which cannot be opened for writing");
        rc = CS_E_INVALID;
    } else if (kind == TARGET_STREAM && access(path, W_OK) != 0) {
        snprintf(err, errlen, "cannot write to it: %s", strerror(errno));
        rc = CS_E_INVALID;
    } else if (kind == TARGET_FILE) {
        char tmp[4096];
        int fd = -1;
        if (!file || snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", file) >= (int)sizeof(tmp)) {
            snprintf(err, errlen, "path is too long");
            rc = CS_E_INVALID;
        } else if ((fd = mkstemp(tmp)) < 0) {
            snprintf(err, errlen, "cannot create a file there: %s", strerror(errno));
            rc = CS_E_INVALID;
        } else {
            close(fd);
            unlink(tmp);
        }
    }
    free(file);
    return rc;
}

/* A path's file as one spelling: its directory resolved, then its name
 * (NULL for a stream, or a directory that cannot be resolved). */
static char *spelling(const char *path)
{
    char *file = NULL;
    if (target_of(path, &file) == TARGET_STREAM || !file) {
        free(file);
        return NULL;
    }
    char *slash = strrchr(file, '/');
    const char *name = slash ? slash + 1 : file;
    char dir[4096] = "."; /* its directory: "/" for "/x" */
    if (slash)
        snprintf(dir, sizeof(dir), "%.*s", slash == file ? 1 : (int)(slash - file), file);
    char *real = realpath(dir, NULL), *out = NULL;
    if (real) {
        size_t n = strlen(real) + strlen(name) + 2;
        out = malloc(n);
        if (out)
            snprintf(out, n, "%s/%s", real, name);
    }
    free(real);
    free(file);
    return out;
}

bool cs_same_file(const char *a, const char *b)
{
    char *x = spelling(a), *y = spelling(b);
    bool same = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

int cs_write_whole(const char *path, char *text, char *err, size_t errlen)
{
    int rc = CS_OK;
    if (path && !text) {
        snprintf(err, errlen, "out of memory rendering '%s'", path);
        rc = CS_E_NOMEM;
    } else if (path) {
        rc = cs_write_file_atomic(path, text, err, errlen);
    }
    free(text);
    return rc;
}

/* /proc/<pid>/stat's fields after the command (field 3, the state,
 * first) into buf: 1, 0 when there is no such process, -1 when it cannot
 * be read (no /proc, another PID namespace, no permission). */
static int proc_stat(int pid, char *buf, size_t len, char **fields)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT && access("/proc/self/stat", R_OK) == 0 ? 0 : -1;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) state ...": comm may hold anything, so read after the
     * last ')'. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return -1;
    *fields = p + 2;
    return 1;
}

/* Field `want` (3: the state) of the fields proc_stat found, or NULL. */
static const char *stat_field(char *fields, int want, char *out, size_t len)
{
    int field = 3;
    for (const char *p = fields; *p; field++) {
        size_t n = strcspn(p, " \n");
        if (field == want) {
            snprintf(out, len, "%.*s", (int)n, p);
            return out;
        }
        p += n;
        while (*p == ' ' || *p == '\n')
            p++;
    }
    return NULL;
}

long long cs_process_start(int pid)
{
    char buf[1024], *fields, start[32];
    if (proc_stat(pid, buf, sizeof(buf), &fields) != 1 || !stat_field(fields, 22, start, sizeof(start)))
        return -1;
    return atoll(start);
}

int cs_process_ended(int pid, long long start, int *wait_status)
{
    *wait_status = -1;
    char buf[1024], *fields, state[8], value[32];
    int seen = proc_stat(pid, buf, sizeof(buf), &fields);
    if (seen <= 0)
        return seen == 0 ? 1 : -1; /* reaped, or this system cannot tell */
    /* Another process under the same id: the one asked about ended. */
    if (start >= 0 && stat_field(fields, 22, value, sizeof(value)) && atoll(value) != start)
        return 1;
    if (!stat_field(fields, 3, state, sizeof(state)) || (state[0] != 'Z' && state[0] != 'X'))
        return 0;
    /* Field 52, since Linux 3.5: the exit status of a process that ended
     * and was not reaped. */
    if (stat_field(fields, 52, value, sizeof(value)))
        *wait_status = atoi(value);
    return 1;
}
