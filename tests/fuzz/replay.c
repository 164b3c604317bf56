/* Replays files through a fuzz harness without libFuzzer: the seed corpus
 * and every input that once failed (regressions/) run as ordinary unit
 * tests, built with the project's compiler.
 *   replay DIR...   exits non-zero if any input aborts or crashes */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *current = "";

/* A harness aborts on what it finds wrong: name the input, then die of it. */
static void on_abort(int sig)
{
    static const char before[] = "replay: the input that aborted: ";
    ssize_t ignored = write(2, before, sizeof(before) - 1);
    ignored = write(2, current, strlen(current));
    ignored = write(2, "\n", 1);
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
}

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!buf)
        return 1;
    current = path;
    LLVMFuzzerTestOneInput(buf, got);
    current = "";
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, failed = 0;
    signal(SIGABRT, on_abort);
    if (argc < 2) {
        fprintf(stderr, "usage: replay DIR...\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            failed += replay_file(path);
            files++;
        }
        closedir(d);
    }
    printf("%d passed, %d failed\n", files - failed, failed);
    if (files == 0)
        fprintf(stderr, "replay: no input in %s: nothing was checked\n", argc > 2 ? "the directories" : argv[1]);
    return failed != 0 || files == 0;
}
